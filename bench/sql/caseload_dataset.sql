-- caseload_dataset.sql: a therapist with a full caseload for the /clients page
-- (issue 14): 100 clients, 2 assignments each, 100 submitted entries per
-- assignment (20,000 entries), replies, and attention items (10 risk, 30
-- other kinds open, 60 acknowledged). The entries' ciphertexts are copied
-- from the main data set (the caseload never opens them). Variables: hash.

INSERT INTO users (email, display_name, role, password_hash)
VALUES ('caseload@bench.test', 'Caseload Therapist', 'therapist', :'hash');

CREATE TEMP TABLE cl AS
SELECT g AS n, (SELECT id FROM users WHERE email = 'caseload@bench.test') AS therapist_id
FROM generate_series(1, 100) g;

INSERT INTO users (email, display_name, role, password_hash, created_at)
SELECT format('caseload-client%s@bench.test', n), format('Caseload client %s', n), 'client',
       :'hash', now() - interval '120 days'
FROM cl;

CREATE TEMP TABLE clc AS
SELECT cl.n, u.id, cl.therapist_id
FROM cl JOIN users u ON u.email = format('caseload-client%s@bench.test', cl.n);

INSERT INTO care_team (therapist_id, client_id, created_at)
SELECT therapist_id, id, now() - interval '120 days' FROM clc;

-- Two assignments each: a library exercise with a rhythm, and the PHQ-9
-- every 14 days; started 10 weeks ago.
INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date,
                         times_per_week, weeks, repeat_days, created_at)
SELECT l.id, l.version_id, c.therapist_id, c.id, current_date - 70,
       CASE WHEN k = 2 THEN current_date + 28 END,
       CASE WHEN k = 1 THEN 7 END, CASE WHEN k = 1 THEN 12 END,
       CASE WHEN k = 2 THEN 14 END, now() - interval '71 days'
FROM clc c CROSS JOIN generate_series(1, 2) k
JOIN activity_latest l ON l.source = 'library'
                      AND l.slug = CASE WHEN k = 1 THEN 'daily-appreciations' ELSE 'phq-9' END;

-- 100 entries an assignment over the last 70 days; a fifth unread.
INSERT INTO entries (assignment_id, client_id, status, answers_enc, idempotency_key,
                     submitted_at, created_at, updated_at, therapist_read_at)
SELECT a.id, a.client_id, 'submitted', src.answers_enc, format('caseload-%s-%s', a.id, i),
       now() - (i * interval '17 hours'), now() - (i * interval '17 hours'),
       now() - (i * interval '17 hours'),
       CASE WHEN (a.id + i) % 5 <> 0 THEN now() - (i * interval '16 hours') END
FROM assignments a
JOIN clc c ON c.id = a.client_id
CROSS JOIN generate_series(1, 100) i
CROSS JOIN LATERAL (SELECT answers_enc FROM entries WHERE status = 'submitted' LIMIT 1) src;

-- A client's note on one entry in twenty, half of them unread.
INSERT INTO comments (entry_id, author_id, body_enc, idempotency_key, created_at, read_at)
SELECT e.id, e.client_id, src.body_enc, format('caseload-c-%s', e.id), e.submitted_at,
       CASE WHEN e.id % 40 <> 0 THEN e.submitted_at + interval '1 hour' END
FROM entries e JOIN clc c ON c.id = e.client_id
CROSS JOIN LATERAL (SELECT body_enc FROM comments LIMIT 1) src
WHERE e.id % 20 = 0;

-- Attention items: risk on 10 clients, other kinds open on 30, and 60
-- acknowledged ones.
INSERT INTO attention_items (client_id, kind, assignment_id, entry_id, raised_at,
                             acknowledged_by, acknowledged_at)
SELECT e.client_id,
       (ARRAY['risk', 'worsening', 'distress_rising', 'paused'])[1 + (c.n % 4)],
       e.assignment_id, e.id, e.submitted_at,
       CASE WHEN c.n > 40 THEN c.therapist_id END,
       CASE WHEN c.n > 40 THEN e.submitted_at + interval '1 day' END
FROM clc c
CROSS JOIN LATERAL (SELECT id, client_id, assignment_id, submitted_at FROM entries
                    WHERE client_id = c.id ORDER BY id LIMIT 1) e;
