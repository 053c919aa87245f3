-- bench/sql/dataset.sql: the benchmark's data set, generated in SQL on a
-- database that `interlude serve` has migrated and loaded the library into.
-- psql variables (bench/run.mjs sets them):
--   therapists, clients, per_client (assignments per client), custom (custom
--   exercises per therapist), hash (one real Argon2id hash, made by
--   `interlude create-admin`, used by every bench account).
-- Entries and comments need real ciphertexts (the AAD binds each to its
-- client and assignment): this file only writes their inputs to the tables
-- bench_entry_src and bench_comment_src; build/bench/seal turns them into
-- COPY data (bench/run.mjs pipes psql -> seal -> psql).
\set ON_ERROR_STOP on
SET synchronous_commit = off;

BEGIN;

-- People: therapistN@bench.test, clientN@bench.test; client n belongs to
-- therapist (n - 1) % therapists + 1.
INSERT INTO users (email, display_name, role, password_hash, created_at)
SELECT format('therapist%s@bench.test', g), format('Therapist %s', g), 'therapist', :'hash',
       now() - interval '400 days'
FROM generate_series(1, :therapists) g;
INSERT INTO users (email, display_name, role, password_hash, created_at)
SELECT format('client%s@bench.test', g), format('Client %s', g), 'client', :'hash',
       now() - interval '300 days' + g * interval '1 minute'
FROM generate_series(1, :clients) g;

CREATE TEMP TABLE bt AS
SELECT substring(email FROM 'therapist(\d+)@')::int AS n, id
FROM users WHERE email LIKE 'therapist%@bench.test';
CREATE TEMP TABLE bc AS
SELECT c.n, c.id, bt.id AS therapist_id
FROM (SELECT substring(email FROM 'client(\d+)@')::int AS n, id
      FROM users WHERE email LIKE 'client%@bench.test') c
JOIN bt ON bt.n = (c.n - 1) % :therapists + 1;

INSERT INTO care_team (therapist_id, client_id, created_at)
SELECT therapist_id, id, now() - interval '200 days' FROM bc;

-- Couples: clients n and n + therapists share a therapist (the first 200).
INSERT INTO couples (therapist_id, partner_a, partner_b, created_at)
SELECT a.therapist_id, least(a.id, b.id), greatest(a.id, b.id), now() - interval '150 days'
FROM bc a JOIN bc b ON b.n = a.n + :therapists
WHERE a.n <= 200 AND a.n % 2 = 1;

-- Custom exercises: each therapist adapted some library exercises, in two
-- versions each.
CREATE TEMP TABLE libex AS
SELECT DISTINCT ON (a.id) a.id AS activity_id, a.kind, v.content
FROM activities a JOIN activity_versions v ON v.activity_id = a.id
WHERE a.source = 'library' AND a.kind = 'exercise'
ORDER BY a.id, v.version DESC;
CREATE TEMP TABLE libex_n AS
SELECT row_number() OVER (ORDER BY activity_id) - 1 AS i, * FROM libex;

INSERT INTO activities (kind, source, slug, owner_id, copied_from, created_at)
SELECT 'exercise', 'custom', format('bench-%s-%s', t.n, k), t.id, l.activity_id,
       now() - interval '100 days'
FROM bt t CROSS JOIN generate_series(1, :custom) k
JOIN libex_n l ON l.i = (t.n * 3 + k) % (SELECT count(*) FROM libex_n);

INSERT INTO activity_versions (activity_id, version, content, content_hash, title, category,
                               summary, tags, created_by, created_at)
SELECT a.id, ver, x.c, md5(x.c::text), x.c->>'title', coalesce(x.c->>'category', ''),
       coalesce(x.c->>'summary', ''),
       ARRAY(SELECT jsonb_array_elements_text(coalesce(x.c->'tags', '[]'))), a.owner_id,
       now() - interval '90 days' + ver * interval '10 days'
FROM activities a
JOIN libex l ON l.activity_id = a.copied_from
CROSS JOIN generate_series(1, 2) ver
CROSS JOIN LATERAL (SELECT CASE WHEN ver = 1 THEN l.content
                    ELSE jsonb_set(l.content, '{title}',
                                   to_jsonb((l.content->>'title') || ' (adapted)')) END AS c) x
WHERE a.source = 'custom' AND a.slug LIKE 'bench-%';

-- What each therapist may assign: library exercises and measures, and their
-- own custom exercises, numbered 1..n per therapist.
CREATE TEMP TABLE latest AS
SELECT DISTINCT ON (a.id) a.id AS activity_id, a.kind, a.source, a.owner_id,
       v.id AS version_id, v.content
FROM activities a JOIN activity_versions v ON v.activity_id = a.id
ORDER BY a.id, v.version DESC;
CREATE TEMP TABLE choices AS
SELECT t.id AS therapist_id, row_number() OVER (PARTITION BY t.id ORDER BY x.activity_id) AS rn,
       count(*) OVER (PARTITION BY t.id) AS cnt, x.activity_id, x.version_id, x.kind, x.content
FROM bt t
JOIN latest x ON (x.source = 'library' AND x.kind IN ('exercise', 'measure')) OR x.owner_id = t.id;

-- Assignments: per_client per client, started 1 to 9 weeks ago, the last one
-- starting in three days; a third with a due date (measures always), the
-- rest with the exercise's rhythm; one in twenty cancelled.
INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date,
                         times_per_week, weeks, cancelled_at, created_at)
SELECT ch.activity_id, ch.version_id, c.therapist_id, c.id, s.start,
       CASE WHEN s.due THEN s.start + 10 END,
       CASE WHEN NOT s.due THEN coalesce((ch.content->'rhythm'->>'times_per_week')::int, 3) END,
       CASE WHEN NOT s.due THEN coalesce((ch.content->'rhythm'->>'weeks')::int, 2) END,
       CASE WHEN (c.n + k) % 20 = 0 THEN s.start + interval '2 days' END,
       s.start - interval '1 day'
FROM bc c
CROSS JOIN generate_series(1, :per_client) k
JOIN choices ch ON ch.therapist_id = c.therapist_id
             AND ch.rn = (c.n * 7 + k * 11) % ch.cnt + 1
CROSS JOIN LATERAL (SELECT CASE WHEN k = :per_client THEN current_date + 3
                           ELSE current_date - (:per_client - k) * 7 - c.n % 5 END AS start,
                           ch.kind <> 'exercise' OR k % 3 = 0 AS due) s;

-- Answers of a realistic shape for every version's form: one value per
-- field, of its type (sealed by seal, one fresh nonce per entry).
CREATE TEMP TABLE sample AS
SELECT v.id AS version_id,
       coalesce((SELECT jsonb_object_agg(f->>'key', CASE f->>'type'
                     WHEN 'short_text' THEN to_jsonb('A little easier than last week'::text)
                     WHEN 'long_text' THEN to_jsonb(
                         'We tried it on two evenings. The first time felt awkward and we '
                         'laughed a lot; the second time was calmer and we stayed with it for '
                         'the whole ten minutes. I noticed that I wanted to rush at the start '
                         'and that slowing my breathing helped.'::text)
                     WHEN 'scale' THEN to_jsonb(((f->>'min')::int + (f->>'max')::int) / 2)
                     WHEN 'number' THEN to_jsonb(coalesce((f->>'min')::numeric, 0)::bigint + 1)
                     WHEN 'single_choice' THEN f->'options'->0->'value'
                     WHEN 'multiple_choice' THEN jsonb_build_array(f->'options'->0->'value')
                     WHEN 'yes_no' THEN to_jsonb('yes'::text)
                     WHEN 'date' THEN to_jsonb(to_char(current_date - 3, 'YYYY-MM-DD'))
                     WHEN 'consent' THEN 'true'::jsonb END)
                 FROM jsonb_array_elements(CASE WHEN act.kind = 'exercise'
                                           THEN v.content->'reflection'->'fields'
                                           ELSE v.content->'fields' END) f
                 WHERE f->>'type' <> 'section'), '{}'::jsonb) AS answers
FROM activity_versions v JOIN activities act ON act.id = v.activity_id;

-- seal's input: 6 to 16 practices for each assignment that has started
-- (about 11 on average: ~200,000 entries for 2,000 clients), and a draft
-- for one in four.
CREATE TABLE bench_entry_src AS
SELECT a.id AS assignment_id, a.client_id,
       CASE WHEN a.start_date > current_date THEN 0 ELSE 6 + a.id % 11 END AS count,
       extract(epoch FROM a.start_date::timestamptz + interval '8 hours')::bigint AS start_epoch,
       CASE WHEN a.start_date <= current_date AND a.id % 4 = 1 AND a.cancelled_at IS NULL
            THEN 1 ELSE 0 END AS draft,
       s.answers::text AS answers
FROM assignments a JOIN sample s ON s.version_id = a.version_id
JOIN bc c ON c.id = a.client_id;

-- The POST benchmark's own homework: client3 logs "Daily appreciations"
-- (a fresh assignment, no entries: each POST makes a new entry).
INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date,
                         times_per_week, weeks)
SELECT x.activity_id, x.version_id, c.therapist_id, c.id, current_date - 2, 7, 3
FROM bc c, latest x JOIN activities a ON a.id = x.activity_id
WHERE c.n = 3 AND a.source = 'library' AND a.slug = 'daily-appreciations';

-- The audit log of a service that has run for a while: 200,000 rows.
INSERT INTO audit_log (at, actor_id, action, object_type, object_id, subject_id, ip)
SELECT now() - g * interval '2 minutes', c.id,
       (ARRAY['entry.viewed', 'entry.submitted', 'login.success', 'comment.created'])[g % 4 + 1],
       'entry', g, c.id, '127.0.0.1'
FROM generate_series(1, 200000) g JOIN bc c ON c.n = g % :clients + 1;

COMMIT;
