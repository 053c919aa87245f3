-- 0003_library.sql: exercises, intake forms and measures, each with
-- immutable versions. An assignment keeps the version it was given, so a
-- version is never changed or deleted once written.

CREATE TABLE activities (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('exercise', 'intake', 'measure')),
    -- library: shipped in library/, loaded at start, shared by every
    -- therapist; custom: written or adapted by one therapist, seen by them.
    source text NOT NULL CHECK (source IN ('library', 'custom')),
    slug text NOT NULL,
    owner_id bigint REFERENCES users (id),
    copied_from bigint REFERENCES activities (id),
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((source = 'library') = (owner_id IS NULL))
);
CREATE UNIQUE INDEX activities_library_slug ON activities (slug) WHERE source = 'library';
CREATE INDEX activities_owner ON activities (owner_id) WHERE owner_id IS NOT NULL;

CREATE TABLE activity_versions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id bigint NOT NULL REFERENCES activities (id),
    version integer NOT NULL CHECK (version > 0),
    content jsonb NOT NULL,
    content_hash text NOT NULL,
    title text NOT NULL,
    category text NOT NULL DEFAULT '',
    summary text NOT NULL DEFAULT '',
    tags text[] NOT NULL DEFAULT '{}',
    created_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', category || ' ' || summary), 'B')
    ) STORED,
    UNIQUE (activity_id, version)
);
CREATE INDEX activity_versions_search ON activity_versions USING gin (search);

CREATE FUNCTION activity_versions_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'activity versions are immutable: write a new version'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER activity_versions_no_change BEFORE UPDATE OR DELETE ON activity_versions
    FOR EACH ROW EXECUTE FUNCTION activity_versions_immutable();

-- The newest version of every activity, for lists and search.
CREATE VIEW activity_latest AS
SELECT DISTINCT ON (v.activity_id)
    a.id, a.kind, a.source, a.slug, a.owner_id, a.copied_from, a.archived_at,
    v.id AS version_id, v.version, v.title, v.category, v.summary, v.tags, v.content,
    v.search, v.created_at AS version_created_at
FROM activities a
JOIN activity_versions v ON v.activity_id = a.id
ORDER BY v.activity_id, v.version DESC;
