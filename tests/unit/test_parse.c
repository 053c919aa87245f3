/* test_parse.c: URL decoding, query and urlencoded parsing, field rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/request.h"

static void decode_plain_and_escapes(void **state)
{
    (void)state;
    struct arena a = {0};
    size_t n;
    char *s = url_decode(&a, "a%20b+c%C3%A9", 13, true, &n);
    assert_non_null(s);
    assert_string_equal(s, "a b c\xc3\xa9");
    assert_int_equal(n, 7);
    s = url_decode(&a, "a+b", 3, false, &n);
    assert_string_equal(s, "a+b");
    arena_free(&a);
}

static void decode_rejects_bad_escapes(void **state)
{
    (void)state;
    struct arena a = {0};
    assert_null(url_decode(&a, "%", 1, true, NULL));
    assert_null(url_decode(&a, "%4", 2, true, NULL));
    assert_null(url_decode(&a, "%zz", 3, true, NULL));
    assert_null(url_decode(&a, "a%00b", 5, true, NULL));     /* NUL */
    assert_null(url_decode(&a, "%C0%AF", 6, true, NULL));    /* overlong */
    assert_null(url_decode(&a, "%ED%A0%80", 9, true, NULL)); /* surrogate */
    assert_null(url_decode(&a, "%FF", 3, true, NULL));
    arena_free(&a);
}

static void decode_dot_segments_stay_literal(void **state)
{
    (void)state;
    struct arena a = {0};
    char *s = url_decode(&a, "/static/%2e%2e/Makefile", 23, false, NULL);
    assert_string_equal(s, "/static/../Makefile");
    arena_free(&a);
}

static void urlencoded_basic(void **state)
{
    (void)state;
    struct arena a = {0};
    struct field *head = NULL;
    unsigned count = 0;
    const char *why = NULL;
    const char *in = "email=a%40b.c&name=Ann+Lee&empty=&flag";
    assert_int_equal(parse_urlencoded(&a, in, strlen(in), &head, &count, &why), 0);
    assert_int_equal(count, 4);
    assert_string_equal(head->key, "email");
    assert_string_equal(head->value, "a@b.c");
    assert_string_equal(head->next->value, "Ann Lee");
    assert_string_equal(head->next->next->value, "");
    assert_string_equal(head->next->next->next->key, "flag");
    arena_free(&a);
}

static void urlencoded_skips_empty_pairs(void **state)
{
    (void)state;
    struct arena a = {0};
    struct field *head = NULL;
    unsigned count = 0;
    const char *why = NULL;
    assert_int_equal(parse_urlencoded(&a, "&&a=1&&", 7, &head, &count, &why), 0);
    assert_int_equal(count, 1);
    arena_free(&a);
}

static void urlencoded_repeated_key_refused(void **state)
{
    (void)state;
    struct arena a = {0};
    struct field *head = NULL;
    unsigned count = 0;
    const char *why = NULL;
    assert_int_equal(parse_urlencoded(&a, "a=1&a=2", 7, &head, &count, &why), 400);
    assert_non_null(why);
    arena_free(&a);
}

static void urlencoded_repeatable_key_kept_in_order(void **state)
{
    (void)state;
    struct arena a = {0};
    struct field *head = NULL;
    unsigned count = 0;
    const char *why = NULL;
    const char *in = "c%5B%5D=x&c%5B%5D=y";
    assert_int_equal(parse_urlencoded(&a, in, strlen(in), &head, &count, &why), 0);
    assert_int_equal(count, 2);
    assert_string_equal(head->key, "c[]");
    assert_string_equal(head->value, "x");
    assert_string_equal(head->next->value, "y");
    arena_free(&a);
}

static void urlencoded_field_cap(void **state)
{
    (void)state;
    struct arena a = {0};
    struct buf b = BUF_INIT;
    for (int i = 0; i <= REQ_MAX_FIELDS; i++)
        buf_printf(&b, "%sf%d=1", i ? "&" : "", i);
    struct field *head = NULL;
    unsigned count = 0;
    const char *why = NULL;
    assert_int_equal(parse_urlencoded(&a, b.data, b.len, &head, &count, &why), 400);
    assert_int_equal(count, REQ_MAX_FIELDS);
    buf_free(&b);
    arena_free(&a);
}

static void urlencoded_exactly_at_cap_is_fine(void **state)
{
    (void)state;
    struct arena a = {0};
    struct buf b = BUF_INIT;
    for (int i = 0; i < REQ_MAX_FIELDS; i++)
        buf_printf(&b, "%sf%d=1", i ? "&" : "", i);
    struct field *head = NULL;
    unsigned count = 0;
    const char *why = NULL;
    assert_int_equal(parse_urlencoded(&a, b.data, b.len, &head, &count, &why), 0);
    buf_free(&b);
    arena_free(&a);
}

static void urlencoded_invalid_utf8_and_nameless(void **state)
{
    (void)state;
    struct arena a = {0};
    struct field *head = NULL;
    unsigned count = 0;
    const char *why = NULL;
    assert_int_equal(parse_urlencoded(&a, "a=%FF", 5, &head, &count, &why), 400);
    head = NULL;
    count = 0;
    assert_int_equal(parse_urlencoded(&a, "=x", 2, &head, &count, &why), 400);
    arena_free(&a);
}

static void private_addresses(void **state)
{
    (void)state;
    const char *yes[] = {"10.0.0.1",     "172.16.0.1", "172.18.0.1",   "172.31.255.255",
                         "192.168.1.20", "100.64.0.1", "fd12:3456::1", "fc00::1"};
    const char *no[] = {"127.0.0.1",   "172.15.0.1", "172.32.0.1",  "192.169.0.1", "8.8.8.8",
                        "100.128.0.1", "::1",        "2001:db8::1", "fe80::1",     "",
                        "10.0.0",      "localhost"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!ip_is_private(yes[i]))
            fail_msg("%s should be private", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (ip_is_private(no[i]))
            fail_msg("%s should not be private", no[i]);
    assert_false(ip_is_private(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_plain_and_escapes),
        cmocka_unit_test(decode_rejects_bad_escapes),
        cmocka_unit_test(decode_dot_segments_stay_literal),
        cmocka_unit_test(urlencoded_basic),
        cmocka_unit_test(urlencoded_skips_empty_pairs),
        cmocka_unit_test(urlencoded_repeated_key_refused),
        cmocka_unit_test(urlencoded_repeatable_key_kept_in_order),
        cmocka_unit_test(urlencoded_field_cap),
        cmocka_unit_test(urlencoded_exactly_at_cap_is_fine),
        cmocka_unit_test(urlencoded_invalid_utf8_and_nameless),
        cmocka_unit_test(private_addresses),
    };
    return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
