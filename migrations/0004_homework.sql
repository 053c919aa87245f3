-- 0004_homework.sql: assignments, entries (practice logs and form answers,
-- drafts included) and the reply threads on them. Everything a client or a
-- therapist writes is stored encrypted (server/crypto/box.c): the *_enc
-- columns hold XChaCha20-Poly1305 ciphertexts whose key is never in the
-- database. The AAD of each column is written next to it and binds a
-- ciphertext to its owner, so it cannot be moved to another row.

CREATE TABLE assignments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id bigint NOT NULL REFERENCES activities (id),
    -- The version given, forever: later edits of the activity do not touch it.
    version_id bigint NOT NULL REFERENCES activity_versions (id),
    therapist_id bigint NOT NULL REFERENCES users (id),
    client_id bigint NOT NULL REFERENCES users (id),
    -- Assigned to a couple: each partner gets their own row; both rows carry
    -- the couple and point at each other.
    couple_id bigint REFERENCES couples (id),
    partner_assignment_id bigint REFERENCES assignments (id),
    start_date date NOT NULL,
    due_date date,
    times_per_week smallint CHECK (times_per_week BETWEEN 1 AND 14),
    weeks smallint CHECK (weeks BETWEEN 1 AND 52),
    -- AAD: 'assignment:' || client_id || ':note'
    note_enc bytea,
    cancelled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (due_date IS NOT NULL OR (times_per_week IS NOT NULL AND weeks IS NOT NULL)),
    CHECK (due_date IS NULL OR due_date >= start_date)
);
CREATE INDEX assignments_client ON assignments (client_id, start_date);
CREATE INDEX assignments_therapist ON assignments (therapist_id, client_id);

-- One practice logged, or one set of form answers. A draft is saved on the
-- server (one per assignment) and becomes the entry when submitted; a
-- submitted entry never changes (a correction is a new entry or a note).
CREATE TABLE entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id bigint NOT NULL REFERENCES assignments (id),
    client_id bigint NOT NULL REFERENCES users (id),
    status text NOT NULL CHECK (status IN ('draft', 'submitted')),
    -- AAD: 'entry:' || client_id || ':' || assignment_id || ':answers'
    answers_enc bytea NOT NULL,
    shared_with_partner boolean NOT NULL DEFAULT false,
    -- Carried by each form as it is shown: the same POST twice (a double
    -- click, a retry) finds the entry it already made.
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 16 AND 64),
    corrects_entry_id bigint REFERENCES entries (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    submitted_at timestamptz,
    therapist_read_at timestamptz,
    reviewed_at timestamptz,
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL)),
    UNIQUE (client_id, idempotency_key)
);
CREATE UNIQUE INDEX entries_one_draft ON entries (assignment_id) WHERE status = 'draft';
CREATE INDEX entries_assignment ON entries (assignment_id, submitted_at);
CREATE INDEX entries_client ON entries (client_id, submitted_at);

-- A submitted entry's content is frozen. Only the therapist's read and
-- reviewed marks, the author's choice to share it with their partner (or
-- stop sharing), and re-encryption by `interlude rotate-key` (which sets
-- interlude.rotating for its transaction) may touch it.
CREATE FUNCTION entries_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'submitted' THEN
            RAISE EXCEPTION 'a submitted entry is never deleted' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'submitted' THEN
        IF NEW.status <> OLD.status OR NEW.assignment_id <> OLD.assignment_id
           OR NEW.client_id <> OLD.client_id OR NEW.submitted_at <> OLD.submitted_at
           OR NEW.idempotency_key <> OLD.idempotency_key
           OR (NEW.answers_enc <> OLD.answers_enc
               AND coalesce(current_setting('interlude.rotating', true), '') <> 'on') THEN
            RAISE EXCEPTION 'a submitted entry is never changed' USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER entries_frozen BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION entries_frozen();

-- Replies and notes on an entry: between the client and their therapist.
-- (A partner sees a shared entry's answers, never this thread.)
CREATE TABLE comments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id bigint NOT NULL REFERENCES entries (id),
    author_id bigint NOT NULL REFERENCES users (id),
    -- AAD: 'comment:' || entry_id || ':' || author_id
    body_enc bytea NOT NULL,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 16 AND 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- When the other side (client or therapist) first saw it: unread until then.
    read_at timestamptz,
    UNIQUE (author_id, idempotency_key)
);
CREATE INDEX comments_entry ON comments (entry_id, created_at);
