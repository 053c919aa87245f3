-- 0005_authoring.sql: therapists' drafts of their own exercises and intake
-- forms (server/app/authoring.c). A draft is changed freely, one builder
-- action at a time; publishing turns it into a new immutable version in
-- activity_versions and deletes it, so what was assigned never changes.
-- A therapist's own content is not client data: it is stored in clear.

CREATE TABLE activity_drafts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id bigint NOT NULL REFERENCES users (id),
    -- The activity a new version is being written for; NULL for a new
    -- activity, which is created when the draft is first published.
    activity_id bigint REFERENCES activities (id),
    kind text NOT NULL CHECK (kind IN ('exercise', 'intake')),
    -- The activity's content as it will be published (docs/CONTENT.md), but
    -- possibly unfinished: it is checked in full only when published.
    content jsonb NOT NULL CHECK (jsonb_typeof(content) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- At most one open draft per (owner, activity): "Edit" reopens it.
CREATE UNIQUE INDEX activity_drafts_one_open ON activity_drafts (owner_id, activity_id)
    WHERE activity_id IS NOT NULL;
CREATE INDEX activity_drafts_owner ON activity_drafts (owner_id, updated_at);

-- Custom slugs are random (custom-<hex>); never two alike.
CREATE UNIQUE INDEX activities_custom_slug ON activities (slug) WHERE source = 'custom';
