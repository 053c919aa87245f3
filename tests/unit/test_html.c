/* test_html.c: unit tests for HTML escaping (util/html.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/html.h"

/* Escapes s and checks the result; the buffer is freed here. */
static void check(const char *s, const char *want)
{
    struct buf b = BUF_INIT;
    html_escape(&b, s, strlen(s));
    assert_string_equal(buf_cstr(&b), want);
    buf_free(&b);
}

static void test_escapes_lt(void **state)
{
    (void)state;
    check("<", "&lt;");
}

static void test_escapes_gt(void **state)
{
    (void)state;
    check(">", "&gt;");
}

static void test_escapes_amp(void **state)
{
    (void)state;
    check("&", "&amp;");
}

static void test_escapes_double_quote(void **state)
{
    (void)state;
    check("\"", "&quot;");
}

static void test_escapes_single_quote(void **state)
{
    (void)state;
    check("'", "&#39;");
}

static void test_safe_text_unchanged(void **state)
{
    (void)state;
    check("Plain text, 123 = ok; café ✓", "Plain text, 123 = ok; café ✓");
}

static void test_mixed_runs(void **state)
{
    (void)state;
    check("<script>alert('x & \"y\"')</script>",
          "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;");
}

static void test_already_escaped_is_escaped_again(void **state)
{
    (void)state;
    check("&amp;", "&amp;amp;");
}

static void test_empty_input(void **state)
{
    (void)state;
    check("", "");
}

static void test_appends_to_existing_and_respects_length(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "a=");
    html_escape(&b, "<b>ignored", 3);
    assert_string_equal(b.data, "a=&lt;b&gt;");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes_lt),
        cmocka_unit_test(test_escapes_gt),
        cmocka_unit_test(test_escapes_amp),
        cmocka_unit_test(test_escapes_double_quote),
        cmocka_unit_test(test_escapes_single_quote),
        cmocka_unit_test(test_safe_text_unchanged),
        cmocka_unit_test(test_mixed_runs),
        cmocka_unit_test(test_already_escaped_is_escaped_again),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_appends_to_existing_and_respects_length),
    };
    return cmocka_run_group_tests_name("html", tests, NULL, NULL);
}
