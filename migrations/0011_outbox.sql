-- 0011_outbox.sql: messages that leave the server (mail), written in the same
-- transaction as their cause and sent by whichever node claims them.
--
-- A row waits while status = 'queued'; it is due when next_at has passed.
-- A sender claims a due row by moving next_at a lease ahead (SELECT ... FOR
-- UPDATE SKIP LOCKED in the same statement, so two nodes never claim one
-- row), sends it, then marks it 'sent' or sets the next try. A node killed
-- while sending leaves the row queued: it is due again when the lease ends.
--
-- body_enc is the whole message (headers and both MIME parts, without Date),
-- sealed with the data key; AAD 'outbox:' || message_id. It may hold a
-- one-time link, so it is set to NULL once the message is sent or failed.
-- last_error is a short reason (an SMTP code or libcurl's error name), never
-- the relay's text, an address or a body.
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    message_id text NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('invite', 'reset', 'alert', 'test')),
    recipient text NOT NULL CHECK (length(recipient) <= 254),
    body_enc bytea,
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    tries int NOT NULL DEFAULT 0,
    next_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    done_at timestamptz,
    CHECK (status = 'queued' OR body_enc IS NULL)
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE status = 'queued';
CREATE INDEX outbox_failed ON outbox (done_at DESC) WHERE status = 'failed';

-- Requests for a password reset by mail, for throttling per address (its
-- hash, so the table names nobody) and per client address.
CREATE TABLE reset_requests (
    key text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reset_requests_key ON reset_requests (key, at);
