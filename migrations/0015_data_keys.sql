-- 0015_data_keys.sql: which data keys the stored values are sealed with, so
-- that a server started with the wrong key (a restore with a new key, a typo
-- in a secret) notices before it serves, instead of answering "cannot open"
-- on every read and sealing new values with a key nobody keeps.
--
-- One row per key id (crypto/box.h: 8 hex digits, never the key). A server
-- registers its current key at start (crypto/keycheck.c) before it serves a
-- write, with check_value: a constant sealed with that key (AAD
-- 'data-key-check:' || key_id), which only that key opens. check_value is
-- NULL for a key id found in the data by this migration (values sealed
-- before the check existed); the first server that has that key as its
-- current one fills it in.
--
-- `interlude rotate-key` removes the rows of keys no stored value uses any
-- more, once everything is sealed with the current key.
CREATE TABLE data_keys (
    key_id text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{8}$'),
    check_value bytea,
    first_seen timestamptz NOT NULL DEFAULT now()
);

-- The key ids already in the data: every sealed column (crypto/rotate.c
-- sealed_columns), byte 0 the format version (1), bytes 1-4 the key id.
INSERT INTO data_keys (key_id)
SELECT DISTINCT encode(substring(v FROM 2 FOR 4), 'hex')
FROM (
    SELECT note_enc AS v FROM assignments
    UNION ALL SELECT answers_enc FROM entries
    UNION ALL SELECT body_enc FROM comments
    UNION ALL SELECT detail_enc FROM attention_items
    UNION ALL SELECT ack_note_enc FROM attention_items
    UNION ALL SELECT totp_secret FROM users
    UNION ALL SELECT body_enc FROM outbox
) AS sealed
WHERE v IS NOT NULL AND length(v) >= 5 AND get_byte(v, 0) = 1;
