-- 0010_two_step.sql: two-step sign-in (TOTP, RFC 6238) and its recovery
-- codes.
--
-- totp_secret is the authenticator's secret (base32 text) sealed with the
-- data key, bound to "totp:<user id>" (server/crypto/box.h); it is set by
-- POST /account/two-step and only counts once totp_enabled_at is set (the
-- person confirmed it with a code). totp_last_step is the last 30-second
-- step whose code was accepted: that step and every earlier one are never
-- accepted again (no replay).
ALTER TABLE users
    ADD COLUMN totp_secret bytea,
    ADD COLUMN totp_enabled_at timestamptz,
    ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;

-- A session whose password step was accepted but whose code step was not:
-- the guard (server/app/guard.c) lets it reach /login/code and /logout only.
ALTER TABLE sessions
    ADD COLUMN second_factor_pending boolean NOT NULL DEFAULT false;

-- Ten single-use recovery codes per person, by their SHA-256 (the codes are
-- random, 50 bits or more, so a fast hash is enough).
CREATE TABLE recovery_codes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at timestamptz,
    UNIQUE (user_id, code_hash)
);

