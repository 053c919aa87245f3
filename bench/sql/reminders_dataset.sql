-- reminders_dataset.sql: clients who chose reminders (issue 13), for the
-- scheduler's statement (STMT_REMINDERS_RUN) measured by make bench
-- (BENCH_ONLY=reminders). Variables: clients (100,000), hash.
--
-- Every client chose reminders: 70 % on some weekdays, 30 % "only when
-- something is due", at an hour spread over the day in one of eight time
-- zones; next_at as the server computes it when the choice is saved, so
-- about one client in 24 has a window that began within the hour. Each has
-- two assignments (a due date between 3 days ago and 5 days ahead, one in
-- ten cancelled; a rhythm of 3 a week for 4 weeks) and, for half of them,
-- two practices logged (the scheduler counts rows, never opens them).

INSERT INTO users (email, display_name, role, password_hash)
VALUES ('reminders@bench.test', 'Reminder Therapist', 'therapist', :'hash');

INSERT INTO users (email, display_name, role, password_hash, created_at)
SELECT format('rem-client%s@bench.test', g), format('Reminder client %s', g), 'client', :'hash',
       now() - interval '60 days'
FROM generate_series(1, :clients) g;

CREATE TEMP TABLE rc AS
SELECT u.id, row_number() OVER (ORDER BY u.id) AS n,
       (SELECT id FROM users WHERE email = 'reminders@bench.test') AS therapist_id
FROM users u WHERE u.email LIKE 'rem-client%@bench.test';

INSERT INTO care_team (therapist_id, client_id) SELECT therapist_id, id FROM rc;

INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date,
                         times_per_week, weeks, cancelled_at)
SELECT l.id, l.version_id, rc.therapist_id, rc.id,
       CASE WHEN k = 1 THEN current_date - 7 ELSE current_date - (rc.n % 20)::int END,
       CASE WHEN k = 1 THEN current_date + (rc.n % 9)::int - 3 END,
       CASE WHEN k = 2 THEN 3 END, CASE WHEN k = 2 THEN 4 END,
       CASE WHEN k = 1 AND rc.n % 10 = 0 THEN now() END
FROM rc CROSS JOIN generate_series(1, 2) k
JOIN activity_latest l ON l.source = 'library' AND l.slug = 'daily-appreciations';

INSERT INTO entries (assignment_id, client_id, status, answers_enc, idempotency_key, submitted_at)
SELECT a.id, a.client_id, 'submitted', '\x00'::bytea, format('reminders-bench-%s-%s', a.id, i),
       now() - i * interval '1 day'
FROM assignments a JOIN rc ON rc.id = a.client_id AND rc.n % 2 = 0
CROSS JOIN generate_series(1, 2) i
WHERE a.times_per_week IS NOT NULL;

INSERT INTO reminder_prefs (client_id, mode, weekdays, hour, time_zone, next_at)
SELECT rc.id, m.mode, m.weekdays, m.hour, m.tz,
       reminder_next(m.tz, m.hour, CASE WHEN m.mode = 'due' THEN 127 ELSE m.weekdays END,
                     now() - interval '1 hour')
FROM rc CROSS JOIN LATERAL (
    SELECT CASE WHEN rc.n % 10 < 7 THEN 'days' ELSE 'due' END AS mode,
           (1 + rc.n % 127)::int AS weekdays,
           (rc.n % 24)::int AS hour,
           (ARRAY['Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Sydney',
                  'Europe/London', 'America/Los_Angeles', 'Asia/Kolkata'])[1 + (rc.n / 24) % 8] AS tz) m;
