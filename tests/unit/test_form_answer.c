/* test_form_answer.c: unit tests for form_answer_text (forms/form.h), the
 * one wording of a stored answer that the entry page and the progress page
 * both show: every field type, answers of the wrong kind, and the field
 * types' shared vocabulary (form_types, form_type_named). JSON in this file
 * is written with single quotes (J() turns them into double quotes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/form.h"

/* Parses JSON written with ' for " (no test string needs a real '). */
static json_t *J(const char *text)
{
    char *s = strdup(text);
    assert_non_null(s);
    for (char *p = s; *p != '\0'; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t err;
    json_t *v = json_loads(s, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (v == NULL)
        print_error("bad test JSON (%s) at %d: %s\n", err.text, err.position, s);
    free(s);
    assert_non_null(v);
    return v;
}

/* form_answer_text of field and answer (both JSON text; answer NULL for
 * none) equals want (NULL: no text). */
static void reads(const char *field, const char *answer, const char *want)
{
    json_t *f = J(field);
    json_t *a = answer != NULL ? J(answer) : NULL;
    char *got = form_answer_text(f, a);
    if (want == NULL) {
        if (got != NULL)
            print_error("wanted no text, got \"%s\"\n", got);
        assert_null(got);
    } else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
    free(got);
    json_decref(a);
    json_decref(f);
}

static void test_text_and_date(void **state)
{
    (void)state;
    reads("{'key':'a','type':'short_text','label':'Where'}", "'In the kitchen'", "In the kitchen");
    reads("{'key':'a','type':'long_text','label':'How'}", "'Slowly.\\nThen faster.'",
          "Slowly.\nThen faster.");
    reads("{'key':'a','type':'date','label':'When'}", "'2026-03-14'", "2026-03-14");
    /* Nothing, or the wrong kind of answer: nothing to read. */
    reads("{'key':'a','type':'short_text','label':'Where'}", NULL, NULL);
    reads("{'key':'a','type':'short_text','label':'Where'}", "null", NULL);
    reads("{'key':'a','type':'short_text','label':'Where'}", "7", NULL);
    reads("{'key':'a','type':'date','label':'When'}", "true", NULL);
}

static const char CHOICES[] = "{'key':'c','type':'%s','label':'Mood','options':["
                              "{'value':'calm','label':'Calm'},"
                              "{'value':'tense','label':'Tense'},"
                              "{'value':'sad','label':'Sad'}]}";

static void test_choices_read_as_labels(void **state)
{
    (void)state;
    char single[300], multi[300];
    snprintf(single, sizeof(single), CHOICES, "single_choice");
    snprintf(multi, sizeof(multi), CHOICES, "multiple_choice");
    reads(single, "'tense'", "Tense");
    /* A value no longer among the options reads as itself. */
    reads(single, "'gone'", "gone");
    reads(single, "['calm']", NULL);
    reads(multi, "['calm', 'sad']", "Calm; Sad");
    reads(multi, "['tense']", "Tense");
    reads(multi, "[]", NULL);
    reads(multi, "'calm'", NULL);
}

static void test_yes_no_and_consent(void **state)
{
    (void)state;
    const char *yn = "{'key':'y','type':'yes_no','label':'Did you?'}";
    reads(yn, "'yes'", "Yes");
    reads(yn, "'no'", "No");
    reads(yn, "'maybe'", NULL);
    reads(yn, "true", NULL);
    /* Consent reads the same on every page: "Agreed", never "Yes". */
    const char *consent = "{'key':'ok','type':'consent','label':'I may stop at any time.'}";
    reads(consent, "true", "Agreed");
    reads(consent, "false", "Not agreed");
    reads(consent, NULL, NULL);
    reads(consent, "'on'", NULL);
}

static void test_scale_names_its_ends(void **state)
{
    (void)state;
    const char *labelled = "{'key':'s','type':'scale','label':'Anxiety','min':0,'max':10,"
                           "'min_label':'calm','max_label':'very anxious'}";
    reads(labelled, "7", "7 (0 calm \u2013 10 very anxious)");
    reads(labelled, "0", "0 (0 calm \u2013 10 very anxious)");
    reads("{'key':'s','type':'scale','label':'Mood','min':-2,'max':2}", "-1", "-1 (from -2 to 2)");
    reads(labelled, "'7'", NULL);
    reads(labelled, "7.5", NULL);
}

static void test_numbers_as_typed(void **state)
{
    (void)state;
    const char *n = "{'key':'n','type':'number','label':'Minutes'}";
    reads(n, "3", "3");
    reads(n, "-12", "-12");
    reads("{'key':'n','type':'number','label':'Hours','step':'any'}", "2.55", "2.55");
    reads("{'key':'n','type':'number','label':'Hours','step':'any'}", "2.0", "2");
    reads(n, "'3'", NULL);
}

static void test_preference_list_summary(void **state)
{
    (void)state;
    const char *list = "{'key':'p','type':'preference_list','label':'Ideas','items':["
                       "{'key':'hug','label':'A hug'},"
                       "{'key':'music','label':'Music'},"
                       "{'key':'kiss','label':'A kiss','group':'Touch'},"
                       "{'key':'walk','label':'A walk'}]}";
    reads(list,
          "{'kiss':{'choice':'no'},'hug':{'choice':'yes','note':'slowly'},"
          "'music':{'choice':'maybe','note':'  '}}",
          "Yes: A hug (note: slowly). Maybe: Music. No: A kiss.");
    reads(list, "{'hug':{'choice':'yes'},'walk':{'choice':'yes'}}", "Yes: A hug; A walk.");
    reads(list, "{}", NULL);
    reads(list, "{'nope':{'choice':'yes'}}", NULL);
    reads(list, "['hug']", NULL);
}

static void test_sections_and_unknown_types_read_nothing(void **state)
{
    (void)state;
    reads("{'key':'h','type':'section','label':'Before you start','text':'Breathe.'}", "'x'", NULL);
    reads("{'key':'h','type':'slider','label':'Odd'}", "'x'", NULL);
    reads("{'key':'h','label':'No type'}", "'x'", NULL);
    assert_null(form_answer_text(NULL, NULL));
}

/* The page and the entry read the same answer the same way: the entry
 * page's view of a validated answer and form_answer_text agree on it. */
static void test_pref_summary_is_the_same_text(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'p','type':'preference_list','label':'Ideas','items':["
                    "{'key':'hug','label':'A hug'},{'key':'kiss','label':'A kiss'}]}]}");
    json_t *answers = J("{'p':{'hug':{'choice':'maybe','note':'if asked'},"
                        "'kiss':{'choice':'yes'}}}");
    json_t *view = form_view(def, answers, NULL);
    const char *sum = json_string_value(json_object_get(json_array_get(view, 0), "pref_summary"));
    char *text = form_answer_text(json_array_get(json_object_get(def, "fields"), 0),
                                  json_object_get(answers, "p"));
    assert_non_null(sum);
    assert_non_null(text);
    assert_string_equal(text, sum);
    assert_string_equal(text, "Yes: A kiss. Maybe: A hug (note: if asked).");
    free(text);
    json_decref(view);
    json_decref(answers);
    json_decref(def);
}

static void test_type_vocabulary(void **state)
{
    (void)state;
    static const char *const names[] = {
        "short_text", "long_text", "scale",   "single_choice", "multiple_choice", "yes_no",
        "date",       "number",    "consent", "section",       "preference_list",
    };
    assert_int_equal(sizeof(names) / sizeof(names[0]), FT__MAX);
    for (int t = 0; t < FT__MAX; t++) {
        char flag[64];
        assert_string_equal(form_types[t].name, names[t]);
        snprintf(flag, sizeof(flag), "is_%s", names[t]);
        assert_string_equal(form_types[t].flag, flag);
        assert_int_equal(form_type_named(names[t]), t);
    }
    assert_int_equal(form_type_named("Scale"), FT__MAX);
    assert_int_equal(form_type_named(""), FT__MAX);
    assert_int_equal(form_type_named(NULL), FT__MAX);
    json_t *f = J("{'type':'consent'}");
    assert_int_equal(form_field_type(f), FT_CONSENT);
    json_decref(f);
    assert_int_equal(form_field_type(NULL), FT__MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_and_date),
        cmocka_unit_test(test_choices_read_as_labels),
        cmocka_unit_test(test_yes_no_and_consent),
        cmocka_unit_test(test_scale_names_its_ends),
        cmocka_unit_test(test_numbers_as_typed),
        cmocka_unit_test(test_preference_list_summary),
        cmocka_unit_test(test_sections_and_unknown_types_read_nothing),
        cmocka_unit_test(test_pref_summary_is_the_same_text),
        cmocka_unit_test(test_type_vocabulary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
