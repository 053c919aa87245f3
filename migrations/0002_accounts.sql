-- 0002_accounts.sql: accounts, care teams, couples, invites, sessions,
-- login throttling and the append-only audit log.

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role text NOT NULL CHECK (role IN ('admin', 'therapist', 'client')),
    password_hash text NOT NULL,
    disabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Which therapists care for which client. Access to a client's data is
-- decided from this table (server/auth/access.c).
CREATE TABLE care_team (
    therapist_id bigint NOT NULL REFERENCES users (id),
    client_id bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (therapist_id, client_id)
);
CREATE INDEX care_team_client ON care_team (client_id);

-- Two clients of the same therapist; partner_a < partner_b so a pair is
-- stored once.
CREATE TABLE couples (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    therapist_id bigint NOT NULL REFERENCES users (id),
    partner_a bigint NOT NULL REFERENCES users (id),
    partner_b bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (partner_a < partner_b),
    UNIQUE (partner_a, partner_b)
);
CREATE INDEX couples_therapist ON couples (therapist_id);

-- One-time links: first admin setup, invitations, password resets. Only the
-- SHA-256 of the token is stored.
CREATE TABLE invites (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('setup', 'therapist', 'client', 'reset')),
    email text,
    display_name text,
    created_by bigint REFERENCES users (id),
    user_id bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX invites_created_by ON invites (created_by, created_at);

-- Sessions, by the SHA-256 of their cookie token. user_id is NULL for a
-- visitor who has not signed in yet (it carries the login form's CSRF token
-- and is replaced at login).
CREATE TABLE sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ip text,
    user_agent text
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed sign-ins, for throttling per account and per address across every
-- server process.
CREATE TABLE login_failures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_norm text NOT NULL,
    ip text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email ON login_failures (email_norm, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- Who did or read what, when, from where: never the content. actor_id and
-- subject_id carry no foreign key so the log outlives any account.
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor_id bigint,
    action text NOT NULL,
    object_type text,
    object_id bigint,
    subject_id bigint,
    ip text
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_subject ON audit_log (subject_id, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
