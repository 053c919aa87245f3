-- 0008_caseload_index.sql: the caseload (/clients, STMT_CLIENTS_OVERVIEW)
-- counts, per assignment of the therapist, the practices submitted, the
-- unread ones and the latest one. With this covering index it reads them
-- from the index alone instead of visiting every entry row: for a
-- therapist with 100 clients and 20,000 entries, 5,600 buffers instead of
-- 51,700 (make bench, BENCH_PAGES=caseload; docs/PERFORMANCE.md).
CREATE INDEX entries_assignment_submitted ON entries (assignment_id)
    INCLUDE (submitted_at, corrects_entry_id, therapist_read_at)
    WHERE status = 'submitted';
