/* test_homework_status.c: the status of an assignment (app/homework_common.c
 * homework_status): a due date, a rhythm, and above all a repeating schedule
 * ("every 2 weeks until ..."): its occurrences, which one is due, waiting for
 * the next, missed ones not piling up, the end, leap years, plurals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "app/homework.h"

/* PHQ-9 every 2 weeks from Mon 2 Mar 2026 until Mon 25 May 2026: seven
 * occurrences (2, 16, 30 Mar, 13, 27 Apr, 11, 25 May), the end on the last. */
static struct hw_schedule every2w(const char *last_done)
{
    return (struct hw_schedule){.start_date = "2026-03-02",
                                .due_date = "2026-05-25",
                                .repeat_days = 14,
                                .last_done = last_done};
}

static struct hw_status status_on(const struct hw_schedule *s, const char *today, int done)
{
    struct hw_status st;
    assert_int_equal(homework_status(s, today, done, &st), 0);
    return st;
}

static void test_occurrences_counted(void **state)
{
    (void)state;
    struct hw_schedule s = every2w(NULL);
    struct hw_status st = status_on(&s, "2026-03-02", 0);
    assert_int_equal(st.expected, 7);
    assert_string_equal(st.last_day, "2026-05-25");

    /* The end a day before the seventh occurrence: six. */
    s.due_date = "2026-05-24";
    assert_int_equal(status_on(&s, "2026-03-02", 0).expected, 6);
    /* The end before the second occurrence: one. */
    s.due_date = "2026-03-15";
    assert_int_equal(status_on(&s, "2026-03-02", 0).expected, 1);
    /* Every day for a week, both ends included: eight. */
    s = (struct hw_schedule){
        .start_date = "2026-03-02", .due_date = "2026-03-09", .repeat_days = 1};
    assert_int_equal(status_on(&s, "2026-03-02", 0).expected, 8);
}

static void test_day_zero_due_today(void **state)
{
    (void)state;
    struct hw_schedule s = every2w(NULL);
    struct hw_status st = status_on(&s, "2026-03-02", 0);
    assert_int_equal(st.state, HW_ACTIVE);
    assert_string_equal(st.label, "Due today");
    assert_string_equal(st.next_day, "");
}

static void test_answered_waits_for_next(void **state)
{
    (void)state;
    struct hw_schedule s = every2w("2026-03-02");
    struct hw_status st = status_on(&s, "2026-03-02", 1);
    assert_int_equal(st.state, HW_UPCOMING);
    assert_string_equal(st.next_day, "2026-03-16");
    assert_string_equal(st.label, "Next on Mon 16 Mar");
    /* Still waiting the day before the next one. */
    st = status_on(&s, "2026-03-15", 1);
    assert_int_equal(st.state, HW_UPCOMING);
    assert_string_equal(st.label, "Next on Mon 16 Mar");
}

static void test_open_until_answered(void **state)
{
    (void)state;
    struct hw_schedule s = every2w(NULL);
    struct hw_status st = status_on(&s, "2026-03-07", 0);
    assert_int_equal(st.state, HW_ACTIVE);
    assert_string_equal(st.label, "Due since Mon 2 Mar");
    /* The last day of the first occurrence's window. */
    st = status_on(&s, "2026-03-15", 0);
    assert_int_equal(st.state, HW_ACTIVE);
    assert_string_equal(st.label, "Due since Mon 2 Mar");
}

static void test_next_occurrence_due(void **state)
{
    (void)state;
    /* The first answered on its day; on the second's day it is due again. */
    struct hw_schedule s = every2w("2026-03-02");
    struct hw_status st = status_on(&s, "2026-03-16", 1);
    assert_int_equal(st.state, HW_ACTIVE);
    assert_string_equal(st.label, "Due today · 1 of 2 so far");
    assert_string_equal(st.next_day, "");
    /* Answered on the 20th (late, within its window): waiting for the 30th. */
    s.last_done = "2026-03-20";
    st = status_on(&s, "2026-03-20", 2);
    assert_int_equal(st.state, HW_UPCOMING);
    assert_string_equal(st.label, "Next on Mon 30 Mar · 2 of 2 so far");
}

static void test_missed_do_not_pile_up(void **state)
{
    (void)state;
    /* Answered only the first; on 14 Apr the fourth is open: one item,
     * active (not overdue), and the count says what was done so far. */
    struct hw_schedule s = every2w("2026-03-02");
    struct hw_status st = status_on(&s, "2026-04-14", 1);
    assert_int_equal(st.state, HW_ACTIVE);
    assert_int_equal(st.expected, 7);
    assert_int_equal(st.done, 1);
    assert_string_equal(st.label, "Due since Mon 13 Apr · 1 of 4 so far");
    /* An answer in an earlier window does not answer the current one. */
    s.last_done = "2026-04-12";
    st = status_on(&s, "2026-04-14", 2);
    assert_int_equal(st.state, HW_ACTIVE);
    assert_string_equal(st.label, "Due since Mon 13 Apr · 2 of 4 so far");
}

static void test_before_start(void **state)
{
    (void)state;
    struct hw_schedule s = every2w(NULL);
    struct hw_status st = status_on(&s, "2026-03-01", 0);
    assert_int_equal(st.state, HW_UPCOMING);
    assert_string_equal(st.label, "Starts Mon 2 Mar");
    assert_string_equal(st.next_day, "");
}

static void test_until_on_an_occurrence_day(void **state)
{
    (void)state;
    /* The end is the seventh occurrence's day: due that day. */
    struct hw_schedule s = every2w("2026-05-11");
    struct hw_status st = status_on(&s, "2026-05-25", 5);
    assert_int_equal(st.state, HW_ACTIVE);
    assert_string_equal(st.label, "Due today · 5 of 7 so far");
    /* Answered with one missed earlier: finished, not all done. */
    s.last_done = "2026-05-25";
    st = status_on(&s, "2026-05-25", 6);
    assert_int_equal(st.state, HW_ENDED);
    assert_string_equal(st.label, "Finished · 6 of 7 done");
    assert_string_equal(st.next_day, "");
    /* Every one answered: done, on the day and after. */
    st = status_on(&s, "2026-05-25", 7);
    assert_int_equal(st.state, HW_DONE);
    assert_string_equal(st.label, "All 7 done");
    assert_int_equal(status_on(&s, "2026-06-30", 7).state, HW_DONE);
}

static void test_after_the_end(void **state)
{
    (void)state;
    struct hw_schedule s = every2w("2026-05-11");
    struct hw_status st = status_on(&s, "2026-05-26", 5);
    assert_int_equal(st.state, HW_ENDED);
    assert_string_equal(st.label, "Ended Mon 25 May · 5 of 7 done");
    assert_int_equal(status_on(&s, "2027-01-01", 0).state, HW_ENDED);
}

static void test_until_between_occurrences(void **state)
{
    (void)state;
    /* The end five days after the last occurrence: it stays open until
     * then, and not a day longer. */
    struct hw_schedule s = every2w("2026-05-11");
    s.due_date = "2026-05-30";
    assert_int_equal(status_on(&s, "2026-05-30", 6).expected, 7);
    struct hw_status st = status_on(&s, "2026-05-30", 6);
    assert_int_equal(st.state, HW_ACTIVE);
    assert_string_equal(st.label, "Due since Mon 25 May · 6 of 7 so far");
    assert_string_equal(st.last_day, "2026-05-30");
    st = status_on(&s, "2026-05-31", 6);
    assert_int_equal(st.state, HW_ENDED);
    assert_string_equal(st.label, "Ended Sat 30 May · 6 of 7 done");
}

static void test_leap_years(void **state)
{
    (void)state;
    /* Weekly from Tue 15 Feb 2028: 15, 22, 29 Feb, 7 Mar. */
    struct hw_schedule s = {.start_date = "2028-02-15",
                            .due_date = "2028-03-07",
                            .repeat_days = 7,
                            .last_done = "2028-02-22"};
    struct hw_status st = status_on(&s, "2028-02-29", 2);
    assert_int_equal(st.expected, 4);
    assert_int_equal(st.state, HW_ACTIVE);
    assert_string_equal(st.label, "Due today · 2 of 3 so far");
    s.last_done = "2028-02-29";
    st = status_on(&s, "2028-02-29", 3);
    assert_string_equal(st.next_day, "2028-03-07");
    assert_string_equal(st.label, "Next on Tue 7 Mar · 3 of 3 so far");
    assert_int_equal(homework_occurrence(&s, "2028-02-29"), 2);
    assert_int_equal(homework_occurrence(&s, "2028-03-06"), 2);
    assert_int_equal(homework_occurrence(&s, "2028-03-07"), 3);

    /* Not a leap year: two weeks after 15 Feb 2027 is 1 Mar. */
    s = (struct hw_schedule){.start_date = "2027-02-15",
                             .due_date = "2027-04-01",
                             .repeat_days = 14,
                             .last_done = "2027-02-15"};
    st = status_on(&s, "2027-02-28", 1);
    assert_string_equal(st.next_day, "2027-03-01");
    assert_string_equal(st.label, "Next on Mon 1 Mar");
    /* 29 Feb 2027 does not exist: a malformed date. */
    s.start_date = "2027-02-29";
    assert_int_equal(homework_status(&s, "2027-03-01", 0, &st), -1);
}

static void test_next_in_another_year(void **state)
{
    (void)state;
    struct hw_schedule s = {.start_date = "2026-12-25",
                            .due_date = "2027-03-01",
                            .repeat_days = 14,
                            .last_done = "2026-12-25"};
    struct hw_status st = status_on(&s, "2026-12-26", 1);
    assert_string_equal(st.next_day, "2027-01-08");
    assert_string_equal(st.label, "Next on Fri 8 Jan 2027");
}

static void test_occurrence_index(void **state)
{
    (void)state;
    struct hw_schedule s = every2w(NULL);
    assert_int_equal(homework_occurrence(&s, "2026-03-02"), 0);
    assert_int_equal(homework_occurrence(&s, "2026-03-15"), 0);
    assert_int_equal(homework_occurrence(&s, "2026-03-16"), 1);
    assert_int_equal(homework_occurrence(&s, "2026-05-25"), 6);
    /* Clamped: a practice before the start counts for the first, one after
     * the end for the last. */
    assert_int_equal(homework_occurrence(&s, "2026-02-01"), 0);
    assert_int_equal(homework_occurrence(&s, "2027-02-01"), 6);
    /* Not repeating, or malformed: -1. */
    assert_int_equal(homework_occurrence(&s, "2026-13-01"), -1);
    assert_int_equal(homework_occurrence(&s, NULL), -1);
    struct hw_schedule due = {.start_date = "2026-03-02", .due_date = "2026-03-09"};
    assert_int_equal(homework_occurrence(&due, "2026-03-02"), -1);

    /* An answer given before the start answers the first occurrence. */
    s.last_done = "2026-02-27";
    struct hw_status st = status_on(&s, "2026-03-02", 1);
    assert_int_equal(st.state, HW_UPCOMING);
    assert_string_equal(st.label, "Next on Mon 16 Mar");
}

static void test_repeat_phrase(void **state)
{
    (void)state;
    static const struct {
        int days;
        const char *text;
    } cases[] = {
        {1, "every day"},      {2, "every 2 days"},   {6, "every 6 days"},
        {7, "every week"},     {14, "every 2 weeks"}, {21, "every 3 weeks"},
        {30, "every 30 days"}, {90, "every 90 days"}, {91, "every 13 weeks"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[32];
        homework_repeat_phrase(cases[i].days, out, sizeof(out));
        assert_string_equal(out, cases[i].text);
    }
}

static void test_cancelled_and_malformed(void **state)
{
    (void)state;
    struct hw_schedule s = every2w("2026-03-02");
    s.cancelled = true;
    struct hw_status st = status_on(&s, "2026-03-02", 1);
    assert_int_equal(st.state, HW_CANCELLED);
    assert_string_equal(st.label, "Cancelled");

    s = every2w(NULL);
    s.due_date = "";
    assert_int_equal(homework_status(&s, "2026-03-02", 0, &st), -1);
    assert_int_equal(st.state, HW_ACTIVE);
    s.due_date = "2026-02-01"; /* an end before the start */
    assert_int_equal(homework_status(&s, "2026-03-02", 0, &st), -1);
    s = every2w(NULL);
    assert_int_equal(homework_status(&s, "yesterday", 0, &st), -1);
    /* A malformed last answer is no answer. */
    s.last_done = "2026-3-2";
    st = status_on(&s, "2026-03-02", 0);
    assert_string_equal(st.label, "Due today");
}

static void test_status_json(void **state)
{
    (void)state;
    struct hw_schedule s = every2w("2026-03-02");
    struct hw_status st = status_on(&s, "2026-03-03", 1);
    json_t *j = homework_status_json(&st);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "upcoming");
    assert_string_equal(json_string_value(json_object_get(j, "next_day")), "2026-03-16");
    assert_string_equal(json_string_value(json_object_get(j, "last_day")), "2026-05-25");
    assert_int_equal(json_integer_value(json_object_get(j, "expected")), 7);
    assert_int_equal(json_integer_value(json_object_get(j, "done")), 1);
    assert_true(json_is_true(json_object_get(j, "is_upcoming")));
    json_decref(j);
}

/* The two older modes keep their rules. */
static void test_due_date_and_rhythm(void **state)
{
    (void)state;
    struct hw_schedule due = {.start_date = "2026-03-02", .due_date = "2026-03-09"};
    assert_string_equal(status_on(&due, "2026-03-09", 0).label, "Due today");
    assert_string_equal(status_on(&due, "2026-03-03", 0).label, "Due Mon 9 Mar");
    struct hw_status st = status_on(&due, "2026-03-10", 0);
    assert_int_equal(st.state, HW_OVERDUE);
    assert_string_equal(st.label, "Was due Mon 9 Mar");
    assert_int_equal(status_on(&due, "2026-03-10", 1).state, HW_DONE);
    assert_string_equal(st.next_day, "");

    struct hw_schedule rhythm = {.start_date = "2026-03-02", .times_per_week = 3, .weeks = 2};
    st = status_on(&rhythm, "2026-03-05", 2);
    assert_int_equal(st.expected, 6);
    assert_string_equal(st.label, "2 of 6 practices this fortnight");
    st = status_on(&rhythm, "2026-03-16", 2);
    assert_int_equal(st.state, HW_ENDED);
    assert_string_equal(st.label, "Ended Sun 15 Mar · 2 of 6 practices");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_occurrences_counted),
        cmocka_unit_test(test_day_zero_due_today),
        cmocka_unit_test(test_answered_waits_for_next),
        cmocka_unit_test(test_open_until_answered),
        cmocka_unit_test(test_next_occurrence_due),
        cmocka_unit_test(test_missed_do_not_pile_up),
        cmocka_unit_test(test_before_start),
        cmocka_unit_test(test_until_on_an_occurrence_day),
        cmocka_unit_test(test_after_the_end),
        cmocka_unit_test(test_until_between_occurrences),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_next_in_another_year),
        cmocka_unit_test(test_occurrence_index),
        cmocka_unit_test(test_repeat_phrase),
        cmocka_unit_test(test_cancelled_and_malformed),
        cmocka_unit_test(test_status_json),
        cmocka_unit_test(test_due_date_and_rhythm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
