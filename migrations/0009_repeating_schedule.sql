-- 0009_repeating_schedule.sql: homework that repeats "every N days (or
-- weeks) until a date" (a PHQ-9 every 2 weeks), the third schedule next to a
-- due date and a rhythm of n times a week.
--
-- repeat_days is the interval in days (weeks are stored as 7 x N); the end
-- ("until") is due_date, the last day an occurrence can be answered. The
-- occurrences are start_date, start_date + repeat_days, ... up to due_date.
-- The three modes stay apart:
--   due date   due_date,                   no times_per_week/weeks/repeat_days
--   rhythm     times_per_week and weeks,   no repeat_days
--   repeating  repeat_days and due_date,   no times_per_week/weeks;
--              due_date after start_date and at most 731 days (two years) after it
ALTER TABLE assignments
    ADD COLUMN repeat_days smallint,
    ADD CONSTRAINT assignments_repeat CHECK (
        repeat_days IS NULL
        OR (repeat_days BETWEEN 1 AND 91
            AND due_date IS NOT NULL
            AND due_date > start_date
            AND due_date <= start_date + 731
            AND times_per_week IS NULL
            AND weeks IS NULL));

-- The occurrence a practice submitted on day d counts for: the last one that
-- started on or before d, the first for a day before the start, the last for
-- a day after the end. The same rule as homework_occurrence() in
-- server/app/homework_common.c; the statements count distinct occurrences
-- with it, so two answers to one occurrence count once.
CREATE FUNCTION assignment_occurrence(start_date date, until date, every integer, d date)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN least(greatest(d - start_date, 0) / every, (until - start_date) / every);
