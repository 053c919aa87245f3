-- 0013_api_tokens.sql: personal access tokens for scripts (issue 16).
--
-- A therapist or an administrator makes a token on /account: a name, a
-- scope and an expiry of at most a year. The token itself ("itl_" and 43
-- characters of base64url, 256 random bits) is shown once; only its SHA-256
-- is stored, so a database reader cannot use one. A token is accepted on
-- /api/v1 only (server/app/guard.c), while it is neither expired nor
-- revoked and its owner is not disabled.
CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 80),
    scope text NOT NULL CHECK (scope IN ('read', 'read-write')),
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at DESC);

-- Every audit row written while a request was authenticated by a token
-- names the token (NULL for cookie sessions).
ALTER TABLE audit_log ADD COLUMN token_id bigint;
CREATE INDEX audit_log_token ON audit_log (token_id, at) WHERE token_id IS NOT NULL;
