/* test_form_prefs.c: unit tests for the forms engine's preference_list
 * field (forms/form.h): definition checks (no items, duplicate item keys,
 * more than 200 items, long labels, items on other types), validation of
 * form input and stored answers (unknown item, unknown choice, note without
 * a choice, long note, required), the view (groups, checked radios, the
 * therapist's summary), the overlap of two partners' answers (the mutual
 * reveal) and the FHIR mapping. JSON here is written with single quotes
 * (J() turns them into double quotes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/form.h"

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

#define PREFS                                                                                      \
    "{'key':'wishes','type':'preference_list','label':'Your list','items':["                       \
    "{'key':'hug','label':'A hug','group':'Touch'},"                                               \
    "{'key':'words','label':'Kind words','group':'Words'},"                                        \
    "{'key':'kiss','label':'A kiss','group':'Touch'},"                                             \
    "{'key':'music','label':'Music'}]}"

static json_t *def_prefs(void)
{
    return J("{'fields':[" PREFS ",{'key':'paused','type':'yes_no','label':'P'}]}");
}

static void check_says(const char *def_text, const char *want)
{
    json_t *def = J(def_text);
    char msg[300];
    const char *p = form_check(def, msg, sizeof(msg));
    if (want == NULL) {
        if (p != NULL)
            print_error("unexpected: %s\n", p);
        assert_null(p);
    } else {
        assert_non_null(p);
        if (strstr(p, want) == NULL)
            print_error("got: %s\nwant: %s\n", p, want);
        assert_non_null(strstr(p, want));
        assert_non_null(strstr(p, "Field 1 (w)")); /* names the field */
    }
    json_decref(def);
}

static void test_check(void **state)
{
    (void)state;
    json_t *def = def_prefs();
    assert_null(form_check(def, NULL, 0));
    json_decref(def);
    check_says("{'fields':[{'key':'w','type':'preference_list','label':'L','items':[]}]}",
               "needs at least one item");
    check_says("{'fields':[{'key':'w','type':'preference_list','label':'L'}]}",
               "needs at least one item");
    check_says("{'fields':[{'key':'w','type':'preference_list','label':'L','items':["
               "{'key':'a','label':'A'},{'key':'a','label':'B'}]}]}",
               "the item key \"a\" is used twice");
    check_says("{'fields':[{'key':'w','type':'preference_list','label':'L','items':["
               "{'key':'A b','label':'A'}]}]}",
               "item #1 needs a key");
    check_says("{'fields':[{'key':'w','type':'preference_list','label':'L','items':["
               "{'key':'a','label':''}]}]}",
               "item \"a\" needs a label");
    check_says("{'fields':[{'key':'w','type':'preference_list','label':'L','items':["
               "{'key':'a','label':'A','colour':'red'}]}]}",
               "unknown property \"colour\"");
    check_says("{'fields':[{'key':'w','type':'short_text','label':'L','items':["
               "{'key':'a','label':'A'}]}]}",
               "items only apply to preference_list fields");

    /* 200 items are fine, 201 are not; a label of 200 code points is fine, 201 not */
    json_t *big = J("{'fields':[{'key':'w','type':'preference_list','label':'L','items':[]}]}");
    json_t *items = json_object_get(json_array_get(json_object_get(big, "fields"), 0), "items");
    char k[32], msg[300];
    for (int i = 0; i < 200; i++) {
        snprintf(k, sizeof(k), "i%d", i);
        json_array_append_new(items, json_pack("{s:s, s:s}", "key", k, "label", "x"));
    }
    assert_null(form_check(big, msg, sizeof(msg)));
    json_array_append_new(items, json_pack("{s:s, s:s}", "key", "one_more", "label", "x"));
    assert_non_null(strstr(form_check(big, msg, sizeof(msg)), "at most 200 items"));
    json_array_remove(items, 200);
    char label[1000] = "";
    for (int i = 0; i < 200; i++)
        strcat(label, "\xc3\xa9"); /* é: 200 code points, 400 bytes */
    json_object_set_new(json_array_get(items, 0), "label", json_string(label));
    assert_null(form_check(big, msg, sizeof(msg)));
    strcat(label, "e");
    json_object_set_new(json_array_get(items, 0), "label", json_string(label));
    assert_non_null(strstr(form_check(big, msg, sizeof(msg)), "label of at most 200"));
    json_decref(big);

    /* show_if cannot name a preference list */
    def = J("{'fields':[" PREFS ",{'key':'x','type':'short_text','label':'X',"
            "'show_if':{'field':'wishes','equals':'yes'}}]}");
    assert_non_null(strstr(form_check(def, msg, sizeof(msg)), "cannot refer to a preference_list"));
    json_decref(def);
}

static void test_validate_form_input(void **state)
{
    (void)state;
    json_t *def = def_prefs();
    json_t *in = J("{'wishes.kiss':'no','wishes.hug':['yes'],'wishes.hug.note':'  slowly ',"
                   "'wishes.words':'','wishes.words.note':'   ','wishes.music':'maybe'}");
    json_t *answers, *errors;
    assert_int_equal(form_validate(def, in, false, &answers, &errors), 0);
    /* in the list's order, the note as typed, blank items left out */
    json_t *want = J("{'wishes':{'hug':{'choice':'yes','note':'  slowly '},'kiss':{'choice':'no'},"
                     "'music':{'choice':'maybe'}}}");
    assert_true(json_equal(answers, want));
    char *dump = json_dumps(json_object_get(answers, "wishes"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(dump, "{\"hug\":{\"choice\":\"yes\",\"note\":\"  slowly \"},\"kiss\":{"
                              "\"choice\":\"no\"},\"music\":{\"choice\":\"maybe\"}}");
    free(dump);

    /* the stored answer reads back to itself */
    json_t *answers2, *errors2;
    assert_int_equal(form_validate(def, answers, false, &answers2, &errors2), 0);
    assert_true(json_equal(answers, answers2));
    json_decref(answers2);
    json_decref(errors2);
    json_decref(want);
    json_decref(answers);
    json_decref(errors);
    json_decref(in);

    static const char *const bad[] = {
        "{'wishes.nope':'yes'}",
        "{'wishes.hug.colour':'red'}",
        "{'wishes.':'yes'}",
        "{'wishes.hug':'sometimes'}",
        "{'wishes.hug':['yes','no']}",
        "{'wishes.words.note':'only in private'}",
        "{'wishes':{'nope':{'choice':'yes'}}}",
        "{'wishes':{'hug':{'choice':'yes','extra':1}}}",
        "{'wishes':{'hug':'yes'}}",
        "{'wishes':'yes'}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        in = J(bad[i]);
        assert_int_equal(form_validate(def, in, true, &answers, &errors), 1);
        assert_non_null(json_object_get(errors, "wishes"));
        assert_null(json_object_get(answers, "wishes")); /* nothing of it stored */
        json_decref(answers);
        json_decref(errors);
        json_decref(in);
    }
    /* a note over 500 code points */
    char note[600];
    memset(note, 'n', 501);
    note[501] = '\0';
    in = json_pack("{s:s, s:s}", "wishes.hug", "yes", "wishes.hug.note", note);
    assert_int_equal(form_validate(def, in, false, &answers, &errors), 1);
    assert_string_equal(json_string_value(json_object_get(errors, "wishes")),
                        "Please shorten each note to 500 characters or fewer.");
    json_decref(answers);
    json_decref(errors);
    json_decref(in);
    json_decref(def);

    /* required: at least one item */
    def = J("{'fields':[{'key':'w','type':'preference_list','label':'L','required':true,"
            "'items':[{'key':'a','label':'A'}]}]}");
    in = J("{}");
    assert_int_equal(form_validate(def, in, false, &answers, &errors), 1);
    assert_string_equal(json_string_value(json_object_get(errors, "w")),
                        "Answer at least one item.");
    json_decref(answers);
    json_decref(errors);
    assert_int_equal(form_validate(def, in, true, &answers, &errors), 0); /* a draft */
    json_decref(answers);
    json_decref(errors);
    json_decref(in);
    json_decref(def);
}

static void test_view(void **state)
{
    (void)state;
    json_t *def = def_prefs();
    json_t *answers = J("{'wishes':{'hug':{'choice':'yes','note':'slowly'},'kiss':{'choice':'no'},"
                        "'music':{'choice':'maybe'}}}");
    json_t *view = form_view(def, answers, NULL);
    const json_t *f = json_array_get(view, 0);
    assert_true(json_is_true(json_object_get(f, "is_preference_list")));
    assert_false(json_is_true(json_object_get(f, "is_short_text")));
    const json_t *groups = json_object_get(f, "groups");
    /* groups in the order of their first item; items without one together */
    assert_int_equal(json_array_size(groups), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(groups, 0), "group")),
                        "Touch");
    assert_true(json_is_null(json_object_get(json_array_get(groups, 2), "group")));
    assert_false(json_is_true(json_object_get(json_array_get(groups, 2), "has_group")));
    const json_t *touch = json_object_get(json_array_get(groups, 0), "items");
    assert_int_equal(json_array_size(touch), 2);
    const json_t *hug = json_array_get(touch, 0), *kiss = json_array_get(touch, 1);
    assert_string_equal(json_string_value(json_object_get(hug, "name")), "wishes.hug");
    assert_string_equal(json_string_value(json_object_get(hug, "note_name")), "wishes.hug.note");
    assert_string_equal(json_string_value(json_object_get(hug, "note")), "slowly");
    assert_string_equal(json_string_value(json_object_get(kiss, "id")), "f-wishes-2");
    const json_t *kc = json_object_get(kiss, "choices");
    assert_int_equal(json_array_size(kc), 3);
    assert_false(json_is_true(json_object_get(json_array_get(kc, 0), "checked")));
    assert_true(json_is_true(json_object_get(json_array_get(kc, 2), "checked")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(kc, 1), "label")),
                        "Maybe");
    assert_string_equal(json_string_value(json_object_get(f, "pref_summary")),
                        "Yes: A hug (note: slowly). Maybe: Music. No: A kiss.");
    json_decref(view);

    /* raw input with a problem is shown as typed, without a summary */
    json_t *raw = J("{'wishes.hug':'yes','wishes.hug.note':'as typed','wishes.nope':'yes'}");
    json_t *errors = J("{'wishes':'One of the items is not on this list.'}");
    view = form_view(def, raw, errors);
    f = json_array_get(view, 0);
    hug = json_array_get(json_object_get(json_array_get(json_object_get(f, "groups"), 0), "items"),
                         0);
    assert_string_equal(json_string_value(json_object_get(hug, "note")), "as typed");
    assert_true(json_is_true(
        json_object_get(json_array_get(json_object_get(hug, "choices"), 0), "checked")));
    assert_true(json_is_null(json_object_get(f, "pref_summary")));
    assert_true(json_is_true(json_object_get(f, "invalid")));
    json_decref(view);
    json_decref(raw);
    json_decref(errors);
    json_decref(answers);
    json_decref(def);
}

static void test_overlap(void **state)
{
    (void)state;
    json_t *def = def_prefs();
    assert_true(form_has_pref_list(def));
    json_t *a = J("{'wishes':{'hug':{'choice':'yes','note':'A-NOTE'},'words':{'choice':'maybe'},"
                  "'kiss':{'choice':'no'},'music':{'choice':'yes'}}}");
    json_t *b = J("{'wishes':{'hug':{'choice':'maybe'},'words':{'choice':'no','note':'B-NOTE'},"
                  "'kiss':{'choice':'yes'}}}");
    json_t *o = form_pref_overlap(def, a, b);
    json_t *want = J("[{'key':'wishes','label':'Your list','has_items':true,'groups':["
                     "{'group':'Touch','has_group':true,'items':[{'label':'A hug'}]}]}]");
    if (!json_equal(o, want)) {
        char *s = json_dumps(o, JSON_COMPACT);
        print_error("got %s\n", s);
        free(s);
    }
    assert_true(json_equal(o, want));
    /* the same both ways, and nothing of a note */
    json_t *o2 = form_pref_overlap(def, b, a);
    assert_true(json_equal(o, o2));
    char *s = json_dumps(o, JSON_COMPACT);
    assert_null(strstr(s, "NOTE"));
    assert_null(strstr(s, "maybe"));
    assert_null(strstr(s, "Kind words"));
    free(s);
    json_decref(o);
    json_decref(o2);
    /* nothing in common, or a partner with no list answer: no items */
    json_t *none = J("{}");
    o = form_pref_overlap(def, a, none);
    assert_false(json_is_true(json_object_get(json_array_get(o, 0), "has_items")));
    assert_int_equal(json_array_size(json_object_get(json_array_get(o, 0), "groups")), 0);
    json_decref(o);
    /* an answer that does not validate counts as none */
    json_t *forged = J("{'wishes':{'hug':{'choice':'yes'},'ghost':{'choice':'yes'}}}");
    o = form_pref_overlap(def, a, forged);
    assert_false(json_is_true(json_object_get(json_array_get(o, 0), "has_items")));
    json_decref(o);
    json_decref(forged);
    json_decref(none);
    json_decref(want);
    json_decref(a);
    json_decref(b);
    json_t *plain = J("{'fields':[{'key':'p','type':'yes_no','label':'P'}]}");
    assert_false(form_has_pref_list(plain));
    json_decref(plain);
    json_decref(def);
}

static void test_fhir(void **state)
{
    (void)state;
    json_t *def = def_prefs();
    json_t *q = form_fhir_questionnaire(def, "prefs", "T", "1");
    assert_non_null(q);
    const json_t *g = json_array_get(json_object_get(q, "item"), 0);
    assert_string_equal(json_string_value(json_object_get(g, "type")), "group");
    const json_t *kids = json_object_get(g, "item");
    assert_int_equal(json_array_size(kids), 8); /* a choice and a note per item */
    const json_t *c0 = json_array_get(kids, 0);
    assert_string_equal(json_string_value(json_object_get(c0, "linkId")), "wishes.hug");
    assert_string_equal(json_string_value(json_object_get(c0, "text")), "Touch: A hug");
    assert_string_equal(json_string_value(json_object_get(c0, "type")), "choice");
    assert_int_equal(json_array_size(json_object_get(c0, "answerOption")), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(kids, 1), "linkId")),
                        "wishes.hug.note");
    assert_string_equal(json_string_value(json_object_get(json_array_get(kids, 7), "text")),
                        "Note");
    json_decref(q);

    json_t *answers =
        J("{'wishes':{'hug':{'choice':'yes','note':'slowly'},'kiss':{'choice':'no'}}}");
    json_t *qr = form_fhir_response(def, answers, "Questionnaire/prefs", "completed", NULL);
    json_t *want =
        J("[{'linkId':'wishes','text':'Your list','item':["
          "{'linkId':'wishes.hug','text':'Touch: A hug','answer':[{'valueCoding':"
          "{'code':'yes','display':'Yes'}}]},"
          "{'linkId':'wishes.hug.note','text':'Note','answer':[{'valueString':'slowly'}]},"
          "{'linkId':'wishes.kiss','text':'Touch: A kiss','answer':[{'valueCoding':"
          "{'code':'no','display':'No'}}]}]}]");
    assert_true(json_equal(json_object_get(qr, "item"), want));
    json_decref(want);
    json_decref(qr);
    json_decref(answers);
    json_decref(def);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check), cmocka_unit_test(test_validate_form_input),
        cmocka_unit_test(test_view),  cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_fhir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
