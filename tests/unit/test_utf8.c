/* test_utf8.c: unit tests for strict UTF-8 validation (util/utf8.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/utf8.h"

#define VALID(lit) assert_true(utf8_valid_text(lit, sizeof(lit) - 1))
#define INVALID(lit) assert_false(utf8_valid_text(lit, sizeof(lit) - 1))

static void test_empty_is_valid(void **state)
{
    (void)state;
    assert_true(utf8_valid_text("", 0));
}

static void test_ascii(void **state)
{
    (void)state;
    VALID("Hello, world!\n\t~");
}

static void test_valid_multibyte(void **state)
{
    (void)state;
    VALID("caf\xC3\xA9");              /* é, 2 bytes */
    VALID("\xE2\x82\xAC");             /* €, 3 bytes */
    VALID("\xF0\x9F\x98\x80");         /* 😀, 4 bytes */
    VALID("\xE4\xBD\xA0\xE5\xA5\xBD"); /* 你好 */
}

static void test_valid_boundaries(void **state)
{
    (void)state;
    VALID("\xC2\x80");         /* U+0080 */
    VALID("\xDF\xBF");         /* U+07FF */
    VALID("\xE0\xA0\x80");     /* U+0800 */
    VALID("\xED\x9F\xBF");     /* U+D7FF, just below the surrogates */
    VALID("\xEE\x80\x80");     /* U+E000, just above them */
    VALID("\xEF\xBF\xBF");     /* U+FFFF */
    VALID("\xF0\x90\x80\x80"); /* U+10000 */
    VALID("\xF4\x8F\xBF\xBF"); /* U+10FFFF */
}

static void test_overlong_two_byte(void **state)
{
    (void)state;
    INVALID("\xC0\xAF"); /* '/' */
    INVALID("\xC1\xBF");
}

static void test_overlong_three_byte(void **state)
{
    (void)state;
    INVALID("\xE0\x80\xAF");
    INVALID("\xE0\x9F\xBF");
}

static void test_overlong_four_byte(void **state)
{
    (void)state;
    INVALID("\xF0\x80\x80\xAF");
    INVALID("\xF0\x8F\xBF\xBF");
}

static void test_surrogates(void **state)
{
    (void)state;
    INVALID("\xED\xA0\x80"); /* U+D800 */
    INVALID("\xED\xBF\xBF"); /* U+DFFF */
}

static void test_above_max_code_point(void **state)
{
    (void)state;
    INVALID("\xF4\x90\x80\x80"); /* U+110000 */
    INVALID("\xF5\x80\x80\x80");
    INVALID("\xFF");
}

static void test_truncated(void **state)
{
    (void)state;
    INVALID("\xC3");
    INVALID("\xE2\x82");
    INVALID("\xF0\x9F\x98");
    INVALID("ab\xE2\x82"
            "c"); /* cut short by an ASCII byte */
}

static void test_stray_continuation(void **state)
{
    (void)state;
    INVALID("\x80");
    INVALID("a\xBFz");
    INVALID("\xC3\xA9\xA9");
}

static void test_nul_rejected(void **state)
{
    (void)state;
    INVALID("a\0b");
    INVALID("\0");
}

static void test_length_is_respected(void **state)
{
    (void)state;
    const char s[] = "ok\xC3\xA9";
    assert_true(utf8_valid_text(s, 2));
    assert_false(utf8_valid_text(s, 3)); /* splits é */
    assert_true(utf8_valid_text(s, 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_is_valid),       cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_valid_multibyte),      cmocka_unit_test(test_valid_boundaries),
        cmocka_unit_test(test_overlong_two_byte),    cmocka_unit_test(test_overlong_three_byte),
        cmocka_unit_test(test_overlong_four_byte),   cmocka_unit_test(test_surrogates),
        cmocka_unit_test(test_above_max_code_point), cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_stray_continuation),   cmocka_unit_test(test_nul_rejected),
        cmocka_unit_test(test_length_is_respected),
    };
    return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
