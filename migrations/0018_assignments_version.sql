-- 0018_assignments_version.sql: who may read an activity version's form
-- (GET /api/v1/forms/{id}, access_form_version in server/db/stmts.c) is
-- asked by version: "was it given to a client on my care team?". Without
-- this index that question reads every assignment.
CREATE INDEX assignments_version ON assignments (version_id, client_id);
