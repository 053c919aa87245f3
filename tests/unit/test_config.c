/* test_config.c: HASH_SLOTS' default (config.c): the cores this process may
 * run on less one, at least 1; a value set is taken as it is. Secrets read
 * from files (DATABASE_PASSWORD_FILE, SMTP_URL_FILE) each keep their own
 * value, and a missing file stops the start naming the variable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_secret_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/interlude-config-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char pw[64], smtp[64];
    snprintf(pw, sizeof pw, "%s/db_password", dir);
    snprintf(smtp, sizeof smtp, "%s/smtp_url", dir);
    write_file(pw, "s3cret pass\n");
    write_file(smtp, "smtp://user:pw@relay:25\nignored\n");
    setenv("DATABASE_PASSWORD_FILE", pw, 1);
    setenv("SMTP_URL_FILE", smtp, 1);
    setenv("MAIL_FROM", "Practice <care@example.org>", 1);
    struct config cfg;
    char err[256] = "";
    if (config_load(&cfg, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(cfg.database_password, "s3cret pass");
    assert_string_equal(cfg.smtp_url, "smtp://user:pw@relay:25");

    unsetenv("SMTP_URL_FILE");
    unsetenv("MAIL_FROM");
    setenv("DATABASE_PASSWORD_FILE", "/nonexistent/db_password", 1);
    assert_int_equal(config_load(&cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "DATABASE_PASSWORD_FILE=/nonexistent/db_password"));
    write_file(pw, "\n"); /* empty: refused too */
    setenv("DATABASE_PASSWORD_FILE", pw, 1);
    assert_int_equal(config_load(&cfg, err, sizeof(err)), -1);
    unsetenv("DATABASE_PASSWORD_FILE");
    assert_int_equal(config_load(&cfg, err, sizeof(err)), 0);
    assert_null(cfg.database_password);
    remove(pw);
    remove(smtp);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_default_is_cores_less_one, setup),
        cmocka_unit_test_setup(test_one_core_gives_one, setup),
        cmocka_unit_test_setup(test_a_value_set_is_kept, setup),
        cmocka_unit_test_setup(test_secret_files, setup),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
