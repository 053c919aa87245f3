-- 0016_calendar.sql: a client's calendar feed (/calendar/<token>.ics), for
-- a calendar app that follows a link. One feed per client; making a new
-- link replaces the old one, stopping it deletes the row. Only the
-- token's SHA-256 is stored. Every event is called event_name, a neutral
-- name the client chose ("Practice", "Me time"): the feed carries no title,
-- no therapist's name and no link.
CREATE TABLE calendar_feeds (
    client_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    event_name text NOT NULL CHECK (length(event_name) BETWEEN 1 AND 40),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_read_at timestamptz
);
