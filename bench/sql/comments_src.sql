-- bench/sql/comments_src.sql: seal's input for the reply threads, once the
-- entries are in: a reply on one entry in ten (from the therapist, or a
-- note from the client on one in three of those), most of them read.
SELECT e.id,
       CASE WHEN e.id % 30 = 0 THEN e.client_id ELSE a.therapist_id END,
       extract(epoch FROM least(now(), e.submitted_at + interval '5 hours'))::bigint,
       CASE WHEN e.id % 50 = 0 THEN 0 ELSE 1 END
FROM entries e JOIN assignments a ON a.id = e.assignment_id
WHERE e.status = 'submitted' AND e.id % 10 = 0
ORDER BY e.id;
