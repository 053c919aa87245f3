-- 0001_foundation.sql: the first migration. Creates app_meta, a small
-- key/value table for facts about this installation (instance id, settings
-- set at setup). Applied by server/db/migrate.c inside one transaction with
-- its schema_migrations row; never edit it once applied, add 0002_... instead.

CREATE TABLE app_meta (
    key text PRIMARY KEY,
    value text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
