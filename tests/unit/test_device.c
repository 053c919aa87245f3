/* test_device.c: device cookies (auth/device.c): a value made for an account
 * is accepted for that account only, within its lifetime, under the data key
 * it was made with; anything changed or malformed is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "config.h"
#include "crypto/box.h"

#define K1 "3f1c9a0be27d4865a1f0c3d2b4e5968778695a4b3c2d1e0f0a1b2c3d4e5f6071"
#define K2 "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc"

#define NOW 1800000000LL
#define DAY 86400LL

static void keys(const char *current)
{
    struct config cfg = {0};
    cfg.data_key = current;
    char err[256] = "";
    if (box_init(&cfg, err, sizeof(err)) != 0)
        fail_msg("box_init: %s", err);
}

static int teardown(void **state)
{
    (void)state;
    box_shutdown();
    return 0;
}

static void accepted_for_its_account_only(void **state)
{
    (void)state;
    keys(K1);
    char v[DEVICE_VALUE_MAX];
    assert_true(device_value("Ada@Example.org", NOW, v, sizeof(v)));
    assert_true(device_value_valid(v, "Ada@Example.org", NOW));
    assert_true(device_value_valid(v, "ada@example.org", NOW + 1)); /* case does not matter */
    assert_false(device_value_valid(v, "eve@example.org", NOW));
    assert_false(device_value_valid(v, "ada@example.org ", NOW));
    assert_false(device_value_valid(v, "", NOW));
    assert_false(device_value_valid(v, NULL, NOW));
}

static void lifetime_and_clock(void **state)
{
    (void)state;
    keys(K1);
    char v[DEVICE_VALUE_MAX];
    assert_true(device_value("ada@example.org", NOW, v, sizeof(v)));
    assert_true(device_value_valid(v, "ada@example.org", NOW + DEVICE_COOKIE_DAYS * DAY));
    assert_false(device_value_valid(v, "ada@example.org", NOW + DEVICE_COOKIE_DAYS * DAY + 1));
    assert_true(device_value_valid(v, "ada@example.org", NOW - 300));  /* clock skew */
    assert_false(device_value_valid(v, "ada@example.org", NOW - 301)); /* from the future */
}

static void changed_or_malformed_refused(void **state)
{
    (void)state;
    keys(K1);
    char v[DEVICE_VALUE_MAX], w[DEVICE_VALUE_MAX];
    assert_true(device_value("ada@example.org", NOW, v, sizeof(v)));
    /* Another time with the same MAC. */
    const char *dot = strchr(v, '.');
    assert_non_null(dot);
    snprintf(w, sizeof(w), "%lld%s", NOW - 1, dot);
    assert_false(device_value_valid(w, "ada@example.org", NOW));
    /* One hex digit of the MAC changed. */
    snprintf(w, sizeof(w), "%s", v);
    char *last = w + strlen(w) - 1;
    *last = *last == '0' ? '1' : '0';
    assert_false(device_value_valid(w, "ada@example.org", NOW));
    const char *bad[] = {"",
                         ".",
                         "1800000000",
                         "1800000000.",
                         ".00112233445566778899aabbccddeeff",
                         "-1.00112233445566778899aabbccddeeff",
                         "18000000000000000.00112233445566778899aabbccddeeff",
                         "1800000000.00112233445566778899aabbccddeefg",
                         "1800000000.00112233445566778899aabbccddeeff00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (device_value_valid(bad[i], "ada@example.org", NOW))
            fail_msg("accepted: '%s'", bad[i]);
    assert_false(device_value_valid(NULL, "ada@example.org", NOW));
}

static void another_data_key_forgets_devices(void **state)
{
    (void)state;
    keys(K1);
    char v[DEVICE_VALUE_MAX];
    assert_true(device_value("ada@example.org", NOW, v, sizeof(v)));
    keys(K2);
    assert_false(device_value_valid(v, "ada@example.org", NOW));
    box_shutdown();
    assert_false(device_value("ada@example.org", NOW, v, sizeof(v))); /* no key, no cookie */
    assert_false(device_value_valid(v, "ada@example.org", NOW));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(accepted_for_its_account_only, teardown),
        cmocka_unit_test_teardown(lifetime_and_clock, teardown),
        cmocka_unit_test_teardown(changed_or_malformed_refused, teardown),
        cmocka_unit_test_teardown(another_data_key_forgets_devices, teardown),
    };
    return cmocka_run_group_tests_name("device", tests, NULL, NULL);
}
