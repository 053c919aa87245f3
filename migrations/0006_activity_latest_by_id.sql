-- 0006_activity_latest_by_id.sql: the same view as in 0003, with DISTINCT ON
-- the activity's own id instead of the version's activity_id (equal by the
-- join). PostgreSQL pushes a condition into a DISTINCT ON view only when it
-- is on a DISTINCT ON column, so `WHERE id = $1` (the exercise page, assign,
-- drafts) used to sort every version of every activity and filter after; now
-- it reads one activity's versions by index (make bench: docs/PERFORMANCE.md).
CREATE OR REPLACE VIEW activity_latest AS
SELECT DISTINCT ON (a.id)
    a.id, a.kind, a.source, a.slug, a.owner_id, a.copied_from, a.archived_at,
    v.id AS version_id, v.version, v.title, v.category, v.summary, v.tags, v.content,
    v.search, v.created_at AS version_created_at
FROM activities a
JOIN activity_versions v ON v.activity_id = a.id
ORDER BY a.id, v.version DESC;
