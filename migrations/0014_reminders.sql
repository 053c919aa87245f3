-- 0014_reminders.sql: reminders a client chooses (server/app/reminders.c),
-- the therapist's digest of what is waiting, and the words no client-facing
-- message may hold besides the built-in ones.
--
-- The scheduler is one statement (STMT_REMINDERS_RUN) run by the
-- housekeeping of any node: it claims the clients whose next window has
-- begun (reminder_prefs.next_at, FOR UPDATE SKIP LOCKED), records the day's
-- reminder in reminders_sent (one row per client and local day: the primary
-- key makes "at most one a day" hold across nodes) and moves next_at on; the
-- messages go into the outbox in the same transaction.

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check,
    ADD CONSTRAINT outbox_kind_check
        CHECK (kind IN ('invite', 'reset', 'alert', 'test', 'reminder', 'overdue', 'digest'));

-- A client's choice. mode: 'off' (the default: no row is the same),
-- 'days' (on the chosen weekdays, when something is under way), 'due'
-- (only on a day something is due). weekdays: bit (isodow - 1), Monday = 1
-- ... Sunday = 64. hour: local hour in time_zone, an IANA name checked
-- against pg_timezone_names when saved. next_at: when the next window
-- opens (UTC instant); NULL when off.
CREATE TABLE reminder_prefs (
    client_id bigint PRIMARY KEY REFERENCES users (id),
    mode text NOT NULL CHECK (mode IN ('off', 'days', 'due')),
    weekdays smallint NOT NULL CHECK (weekdays BETWEEN 0 AND 127),
    hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
    time_zone text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    next_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (mode <> 'days' OR weekdays <> 0),
    CHECK ((mode = 'off') = (next_at IS NULL))
);
CREATE INDEX reminder_prefs_next ON reminder_prefs (next_at) WHERE next_at IS NOT NULL;

-- The first window strictly after `after`: the hour on a chosen weekday,
-- local time in tz (PostgreSQL does the time-zone arithmetic; a local time
-- that a DST change skips moves on as PostgreSQL decides).
CREATE FUNCTION reminder_next(tz text, hour integer, weekdays integer, after timestamptz)
RETURNS timestamptz
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN (SELECT min(w.at) FROM generate_series(0, 7) AS g(d)
        CROSS JOIN LATERAL (SELECT (after AT TIME ZONE tz)::date + g.d AS day) l
        CROSS JOIN LATERAL (SELECT (l.day + make_interval(hours => hour)) AT TIME ZONE tz AS at) w
        WHERE (weekdays >> (extract(isodow FROM l.day)::integer - 1)) & 1 = 1
          AND w.at > after);

-- One reminder a day at most: the client's local day of each one sent.
CREATE TABLE reminders_sent (
    client_id bigint NOT NULL REFERENCES users (id),
    local_day date NOT NULL,
    kind text NOT NULL CHECK (kind IN ('reminder', 'overdue')),
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, local_day)
);

-- One "overdue" nudge per assignment, ever.
CREATE TABLE overdue_nudges (
    assignment_id bigint PRIMARY KEY REFERENCES assignments (id),
    sent_at timestamptz NOT NULL DEFAULT now()
);

-- The stop links of reminder mails (List-Unsubscribe, RFC 8058): one per
-- message, only the SHA-256 of the token kept; usable without signing in
-- for 90 days (housekeeping forgets older ones).
CREATE TABLE reminder_stops (
    token_hash bytea PRIMARY KEY,
    client_id bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminder_stops_created ON reminder_stops (created_at);

-- The therapist's digest: 'off' (the default), 'immediate' (as soon as
-- something new is waiting), 'hourly', 'daily'; never more than one an hour.
-- digest_at: when the last one was sent.
ALTER TABLE users
    ADD COLUMN digest text NOT NULL DEFAULT 'off'
        CHECK (digest IN ('off', 'immediate', 'hourly', 'daily')),
    ADD COLUMN digest_at timestamptz;
CREATE INDEX users_digest ON users (id) WHERE digest <> 'off';

-- Words no client-facing message may contain, added by an admin to the
-- built-in ones (server/app/discretion.c). Stored lower-case.
CREATE TABLE forbidden_words (
    word text PRIMARY KEY
        CHECK (length(word) BETWEEN 2 AND 40 AND word = lower(word) AND word !~ '[[:cntrl:]]'),
    added_by bigint REFERENCES users (id),
    added_at timestamptz NOT NULL DEFAULT now()
);

-- The practice's short name in every message ("A note from <name>"), set
-- by an admin on the Mail page; none: PRACTICE_NAME. Checked against the
-- built-in and added words when saved (server/app/discretion.c).
CREATE TABLE practice_settings (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    short_name text NOT NULL
        CHECK (length(short_name) BETWEEN 1 AND 60 AND short_name !~ '[[:cntrl:]]'),
    updated_by bigint REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);
