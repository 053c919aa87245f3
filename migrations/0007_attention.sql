-- 0007_attention.sql: attention items (server/app/attention.c), the
-- therapist's inactivity setting, and the crisis contacts an admin sets for
-- the support panel clients see when a risk answer is given.
--
-- An attention item says "this client needs you": a risk answer, a worse
-- score, distress that keeps rising, repeated pausing, or silence. It is
-- raised by the server (in the same transaction as the entry that raised it,
-- or by the inactivity job) and closed only by a therapist of the client's
-- care team acknowledging it. The row is never deleted.

CREATE TABLE attention_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id bigint NOT NULL REFERENCES users (id),
    kind text NOT NULL
        CHECK (kind IN ('risk', 'worsening', 'distress_rising', 'paused', 'inactive')),
    assignment_id bigint NOT NULL REFERENCES assignments (id),
    -- The entry that raised it (every kind but inactive).
    entry_id bigint REFERENCES entries (id),
    -- What the therapist is shown besides the kind (which answer, which
    -- scores): clinical, so sealed. AAD: 'attention:' || client_id || ':'
    -- || assignment_id || ':' || coalesce(entry_id, 0) || ':' || kind.
    detail_enc bytea,
    raised_at timestamptz NOT NULL DEFAULT now(),
    acknowledged_by bigint REFERENCES users (id),
    acknowledged_at timestamptz,
    -- The therapist's optional note on acknowledging. AAD: 'attention:' ||
    -- client_id || ':' || id || ':note'.
    ack_note_enc bytea,
    CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL)),
    CHECK (ack_note_enc IS NULL OR acknowledged_at IS NOT NULL),
    CHECK ((kind = 'inactive') = (entry_id IS NULL))
);
-- One item of a kind per entry: a retried submission raises nothing twice.
CREATE UNIQUE INDEX attention_items_entry ON attention_items (entry_id, kind)
    WHERE entry_id IS NOT NULL;
CREATE INDEX attention_items_open ON attention_items (client_id, raised_at)
    WHERE acknowledged_at IS NULL;
CREATE INDEX attention_items_client ON attention_items (client_id, raised_at);
CREATE INDEX attention_items_assignment ON attention_items (assignment_id, kind, raised_at);

-- Only the acknowledgement may change, and only once.
CREATE FUNCTION attention_items_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'attention items are never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.client_id <> OLD.client_id OR NEW.kind <> OLD.kind
       OR NEW.assignment_id <> OLD.assignment_id
       OR NEW.entry_id IS DISTINCT FROM OLD.entry_id OR NEW.raised_at <> OLD.raised_at THEN
        RAISE EXCEPTION 'an attention item only changes when it is acknowledged'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- interlude rotate-key re-seals the sealed columns.
    IF coalesce(current_setting('interlude.rotating', true), '') = 'on' THEN
        RETURN NEW;
    END IF;
    IF OLD.acknowledged_at IS NOT NULL OR NEW.detail_enc IS DISTINCT FROM OLD.detail_enc THEN
        RAISE EXCEPTION 'an attention item only changes when it is acknowledged, once'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER attention_items_guard BEFORE UPDATE OR DELETE ON attention_items
    FOR EACH ROW EXECUTE FUNCTION attention_items_guard();

-- After how many days without a logged practice an active assignment raises
-- an "inactive" item (meaningful for therapists; the caseload's setting).
ALTER TABLE users ADD COLUMN inactive_days smallint NOT NULL DEFAULT 7
    CHECK (inactive_days BETWEEN 2 AND 60);

-- The crisis contacts shown to a client whose answer raised a risk item:
-- per deployment (a national crisis line, the emergency number...). Not
-- clinical data.
CREATE TABLE crisis_contacts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    label text NOT NULL CHECK (length(label) BETWEEN 1 AND 120),
    phone text CHECK (phone ~ '^[0-9+() -]{2,32}$'),
    url text CHECK (url ~ '^https://[^[:space:]]{4,500}$'),
    note text CHECK (length(note) <= 300),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (phone IS NOT NULL OR url IS NOT NULL)
);
