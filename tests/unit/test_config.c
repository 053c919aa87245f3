/* test_config.c: HASH_SLOTS' default (config.c): the cores this process may
 * run on less one, at least 1; a value set is taken as it is. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static unsigned load_slots(void)
{
    struct config cfg;
    char err[256];
    assert_int_equal(config_load(&cfg, err, sizeof(err)), 0);
    return cfg.hash_slots;
}

static int setup(void **state)
{
    (void)state;
    setenv("DATABASE_URL", "postgresql:///nowhere", 1);
    unsetenv("HASH_SLOTS");
    return 0;
}

static void test_default_is_cores_less_one(void **state)
{
    (void)state;
    cpu_set_t set;
    CPU_ZERO(&set);
    assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
    int cores = CPU_COUNT(&set);
    unsigned want = cores > 1 ? (unsigned)(cores - 1) : 1;
    assert_int_equal(config_default_hash_slots(), want);
    assert_int_equal(load_slots(), want);
    setenv("HASH_SLOTS", "", 1); /* empty: the default too */
    assert_int_equal(load_slots(), want);
}

static void test_one_core_gives_one(void **state)
{
    (void)state;
    cpu_set_t old, one;
    assert_int_equal(sched_getaffinity(0, sizeof(old), &old), 0);
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &old)) {
            CPU_SET(c, &one);
            break;
        }
    assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
    unsigned got = config_default_hash_slots();
    assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
    assert_int_equal(got, 1);
}

static void test_a_value_set_is_kept(void **state)
{
    (void)state;
    setenv("HASH_SLOTS", "3", 1);
    assert_int_equal(load_slots(), 3);
    setenv("HASH_SLOTS", "0", 1);
    struct config cfg;
    char err[256];
    assert_int_equal(config_load(&cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "HASH_SLOTS"));
    unsetenv("HASH_SLOTS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_default_is_cores_less_one, setup),
        cmocka_unit_test_setup(test_one_core_gives_one, setup),
        cmocka_unit_test_setup(test_a_value_set_is_kept, setup),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
