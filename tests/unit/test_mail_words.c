/* test_mail_words.c: unit tests for the discretion check of every message
 * (mail/mail.c: mail_has_word, mail_forbidden_hit without the database). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mail/mail.h"

static void test_word_at_a_word_start(void **state)
{
    (void)state;
    assert_true(mail_has_word("about sex", "sex"));
    assert_true(mail_has_word("Sexual health", "sex"));
    assert_true(mail_has_word("(THERAPY)", "therapy"));
    assert_true(mail_has_word("a note on\r\nintimacy.", "intimacy"));
    assert_true(mail_has_word("look at this", "look at"));
    assert_false(mail_has_word("Sussex Gardens", "sex")); /* not inside a word */
    assert_false(mail_has_word("unsexy", "sex"));
    assert_false(mail_has_word("physiotherapy", "therapy"));
    assert_false(mail_has_word("look", "look at"));
    assert_false(mail_has_word("anything", ""));
    assert_false(mail_has_word("", "sex"));
}

static void test_non_ascii_letters_join_words(void **state)
{
    (void)state;
    /* "ésex": a letter outside ASCII before the word: inside a word. */
    assert_false(mail_has_word("\xC3\xA9sex", "sex"));
    assert_true(mail_has_word("caf\xC3\xA9 sex", "sex"));
}

static void test_builtin_list(void **state)
{
    (void)state;
    const char *const *w = NULL;
    size_t n = mail_builtin_words(&w);
    assert_int_equal(n, 8);
    const char *want[] = {"sex",       "sexual", "intimacy", "therapy",
                          "therapist", "trauma", "affair",   "betrayal"};
    for (size_t i = 0; i < n; i++)
        assert_string_equal(w[i], want[i]);
    char hit[64];
    assert_int_equal(mail_forbidden_hit("A note from Quiet Room", false, hit, sizeof(hit)), 0);
    assert_int_equal(mail_forbidden_hit("Your Trauma Clinic", false, hit, sizeof(hit)), 1);
    assert_string_equal(hit, "trauma");
    assert_int_equal(mail_forbidden_hit("after the affairs", false, hit, sizeof(hit)), 1);
    assert_string_equal(hit, "affair");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_at_a_word_start),
        cmocka_unit_test(test_non_ascii_letters_join_words),
        cmocka_unit_test(test_builtin_list),
    };
    return cmocka_run_group_tests_name("mail_words", tests, NULL, NULL);
}
