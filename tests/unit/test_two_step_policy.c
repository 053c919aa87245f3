/* test_two_step_policy.c: unit tests for the two-step policy words
 * (auth/policy.c): which roles each requires, and failing closed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/auth.h"

static void test_words(void **state)
{
    (void)state;
    assert_int_equal(two_step_policy_roles("off"), 0);
    assert_int_equal(two_step_policy_roles("therapists"), ROLE_THERAPIST);
    assert_int_equal(two_step_policy_roles("admins"), ROLE_ADMIN);
    assert_int_equal(two_step_policy_roles("both"), ROLE_ADMIN | ROLE_THERAPIST);
}

/* Clients are never required; a missing or unknown word requires both. */
static void test_clients_never_and_fail_closed(void **state)
{
    (void)state;
    const char *words[] = {"off", "therapists", "admins", "both", "", "OFF", "none", NULL};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        assert_int_equal(two_step_policy_roles(words[i]) & ROLE_CLIENT, 0);
    assert_int_equal(two_step_policy_roles(NULL), ROLE_ADMIN | ROLE_THERAPIST);
    assert_int_equal(two_step_policy_roles("OFF"), ROLE_ADMIN | ROLE_THERAPIST);
    assert_int_equal(two_step_policy_roles("off "), ROLE_ADMIN | ROLE_THERAPIST);
}

static void test_valid(void **state)
{
    (void)state;
    assert_true(two_step_policy_valid("off"));
    assert_true(two_step_policy_valid("therapists"));
    assert_true(two_step_policy_valid("admins"));
    assert_true(two_step_policy_valid("both"));
    assert_false(two_step_policy_valid(NULL));
    assert_false(two_step_policy_valid(""));
    assert_false(two_step_policy_valid("clients"));
    assert_false(two_step_policy_valid("Both"));
}

static void test_names_round_trip(void **state)
{
    (void)state;
    const char *words[] = {"off", "therapists", "admins", "both"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(two_step_policy_name(two_step_policy_roles(words[i])), words[i]);
    assert_string_equal(two_step_policy_name(ROLE_ANY), "both");
    assert_string_equal(two_step_policy_name(ROLE_CLIENT), "off");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_clients_never_and_fail_closed),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
