/* test_buf.c: unit tests for the growable byte buffer (util/buf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static void test_append_puts_putc(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_append(&b, "ab", 2);
    buf_puts(&b, "cd");
    buf_putc(&b, 'e');
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "abcde");
    buf_free(&b);
}

static void test_append_zero_bytes_is_noop(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_append(&b, NULL, 0);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_cstr(&b), "");
    buf_free(&b);
}

static void test_append_keeps_embedded_nul(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_append(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4); /* terminating NUL included */
    buf_free(&b);
}

static void test_grows_across_many_appends(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    for (int i = 0; i < 10000; i++)
        buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 10000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(b.data[9999], 'a' + 9999 % 26);
    buf_free(&b);
}

static void test_printf_short_and_long(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';

    buf_printf(&b, "%d-%s", 42, "ok");
    assert_string_equal(b.data, "42-ok");
    buf_printf(&b, "[%s]", big); /* longer than the free space: formats twice */
    assert_int_equal(b.len, 5 + 2 + 299);
    assert_int_equal(b.data[5], '[');
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(strlen(b.data), b.len);
    buf_free(&b);
}

static void test_cstr_of_empty_buffer(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    const char *s = buf_cstr(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_ptr_equal(s, b.data);
    buf_free(&b);
}

static void test_steal_transfers_ownership(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    size_t len = 0;
    buf_puts(&b, "hello");
    char *s = buf_steal(&b, &len);
    assert_string_equal(s, "hello");
    assert_int_equal(len, 5);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    free(s);
}

static void test_steal_empty_gives_empty_string(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    char *s = buf_steal(&b, NULL);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

static void test_reserve_does_not_change_length(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_reserve(&b, 1000);
    assert_int_equal(b.len, 0);
    assert_true(b.cap >= 1001);
    buf_free(&b);
}

static void test_free_is_safe_on_zeroed_and_null(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_free(&b);
    buf_free(&b);
    buf_free(NULL);
    buf_puts(&b, "reused after free");
    assert_string_equal(b.data, "reused after free");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_puts_putc),
        cmocka_unit_test(test_append_zero_bytes_is_noop),
        cmocka_unit_test(test_append_keeps_embedded_nul),
        cmocka_unit_test(test_grows_across_many_appends),
        cmocka_unit_test(test_printf_short_and_long),
        cmocka_unit_test(test_cstr_of_empty_buffer),
        cmocka_unit_test(test_steal_transfers_ownership),
        cmocka_unit_test(test_steal_empty_gives_empty_string),
        cmocka_unit_test(test_reserve_does_not_change_length),
        cmocka_unit_test(test_free_is_safe_on_zeroed_and_null),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
