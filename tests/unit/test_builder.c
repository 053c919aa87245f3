/* test_builder.c: the form builder's flags (app/builder.h): a question's
 * alert rule added, replaced and removed through builder_field_apply, kept
 * in the definition that holds the fields, removed with its field, shown
 * back as typed, and each bad input refused at its own input with content
 * left as it was. JSON in this file is written with single quotes (J()
 * turns them into double quotes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/builder.h"
#include "forms/form.h"

static json_t *J(const char *text)
{
    char *s = strdup(text);
    assert_non_null(s);
    for (char *p = s; *p != '\0'; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t err;
    json_t *v = json_loads(s, 0, &err);
    if (v == NULL)
        print_error("bad test JSON: %s\n", err.text);
    free(s);
    assert_non_null(v);
    return v;
}

/* An intake draft: 0 safe (yes_no), 1 often (single_choice), 2 distress
 * (scale 0-10), 3 drinks (number 0-100), 4 name (short_text). */
static json_t *intake(void)
{
    return J("{'title': 'Start', 'fields': ["
             "{'key': 'safe', 'type': 'yes_no', 'label': 'Do you feel safe at home?'},"
             "{'key': 'often', 'type': 'single_choice', 'label': 'How often?', 'options': ["
             " {'value': 'never', 'label': 'Never'}, {'value': 'sometimes', 'label': 'Sometimes'},"
             " {'value': 'always', 'label': 'Always'}]},"
             "{'key': 'distress', 'type': 'scale', 'label': 'Distress', 'min': 0, 'max': 10,"
             " 'min_label': 'None', 'max_label': 'Worst'},"
             "{'key': 'drinks', 'type': 'number', 'label': 'Drinks a week', 'min': 0, 'max': 100},"
             "{'key': 'name', 'type': 'short_text', 'label': 'What should we call you?'}]}");
}

/* The stored inputs of field i with the three flag inputs replaced. New
 * reference. */
static json_t *flag_in(const json_t *content, size_t i, const char *on, const char *msg,
                       const char *cmsg)
{
    json_t *in =
        builder_field_stored(content, json_array_get(json_object_get(content, "fields"), i));
    json_object_set_new(in, "alert_on", json_string(on));
    json_object_set_new(in, "alert_message", json_string(msg));
    json_object_set_new(in, "alert_client_message", json_string(cmsg));
    return in;
}

static bool apply(json_t *content, size_t i, json_t *in, json_t *problems)
{
    bool ok = builder_field_apply(content, "intake", i, in, problems);
    json_decref(in);
    return ok;
}

static const char *problem(const json_t *problems, const char *at, const char *input)
{
    size_t i;
    const json_t *p;
    json_array_foreach(problems, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "at")), at) == 0 &&
            strcmp(json_string_value(json_object_get(p, "input")), input) == 0)
            return json_string_value(json_object_get(p, "message"));
    }
    return NULL;
}

static void assert_json(const json_t *got, const char *want_text)
{
    json_t *want = J(want_text);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_SORT_KEYS);
        print_error("got %s\n", g != NULL ? g : "(null)");
        free(g);
    }
    assert_true(json_equal(got, want));
    json_decref(want);
}

static void assert_checks(const json_t *content)
{
    char msg[512];
    const char *p = form_check(content, msg, sizeof(msg));
    if (p != NULL)
        print_error("form_check: %s\n", p);
    assert_null(p);
}

static void test_yes_no_add_replace_remove(void **state)
{
    (void)state;
    json_t *c = intake(), *problems = json_array();
    assert_true(apply(c, 0, flag_in(c, 0, "Yes", "Not safe at home: ask privately.", "Thank you."),
                      problems));
    assert_int_equal(json_array_size(problems), 0);
    assert_json(json_object_get(c, "alerts"),
                "[{'item': 'safe', 'values': ['yes'], 'message': 'Not safe at home: ask "
                "privately.', 'client_message': 'Thank you.'}]");
    assert_checks(c);
    json_t *yes = J("{'safe': 'yes'}"), *no = J("{'safe': 'no'}");
    json_t *fired = form_alerts(c, yes), *quiet = form_alerts(c, no);
    assert_int_equal(json_array_size(fired), 1);
    assert_int_equal(json_array_size(quiet), 0);
    json_decref(fired);
    json_decref(quiet);

    /* Shown back as stored. */
    json_t *in = builder_field_stored(c, json_array_get(json_object_get(c, "fields"), 0));
    assert_string_equal(json_string_value(json_object_get(in, "alert_on")), "yes");
    assert_string_equal(json_string_value(json_object_get(in, "alert_client_message")),
                        "Thank you.");
    json_decref(in);

    /* Replaced: one rule for the field, never two. */
    assert_true(apply(c, 0, flag_in(c, 0, "no", "Other", "Other client"), problems));
    assert_json(json_object_get(c, "alerts"),
                "[{'item': 'safe', 'values': ['no'], 'message': 'Other', 'client_message': "
                "'Other client'}]");
    fired = form_alerts(c, no);
    assert_int_equal(json_array_size(fired), 1);
    json_decref(fired);

    /* Removed: all three empty. */
    assert_true(apply(c, 0, flag_in(c, 0, "", " ", ""), problems));
    assert_null(json_object_get(c, "alerts"));
    assert_int_equal(json_array_size(problems), 0);
    assert_checks(c);
    json_decref(yes);
    json_decref(no);
    json_decref(problems);
    json_decref(c);
}

static void test_bad_inputs_named(void **state)
{
    (void)state;
    json_t *c = intake(), *problems = json_array();
    json_t *before = json_deep_copy(c);

    assert_false(apply(c, 0, flag_in(c, 0, "maybe", "", ""), problems));
    assert_non_null(problem(problems, "0", "alert_on"));
    assert_non_null(problem(problems, "0", "alert_message"));
    assert_non_null(problem(problems, "0", "alert_client_message"));
    assert_true(json_equal(c, before));

    json_array_clear(problems);
    assert_false(apply(c, 0, flag_in(c, 0, "", "Remind me", "Thank you"), problems));
    assert_non_null(strstr(problem(problems, "0", "alert_on"), "Choose the answer"));
    assert_null(problem(problems, "0", "alert_message"));

    json_array_clear(problems);
    assert_false(apply(c, 1, flag_in(c, 1, "Always, rarely", "m", "c"), problems));
    const char *m = problem(problems, "1", "alert_on");
    assert_non_null(m);
    assert_non_null(strstr(m, "\"rarely\" is not one of the options"));

    json_array_clear(problems);
    assert_false(apply(c, 2, flag_in(c, 2, "11", "m", "c"), problems));
    assert_non_null(strstr(problem(problems, "2", "alert_on"), "from 0 to 10"));

    json_array_clear(problems);
    assert_false(apply(c, 3, flag_in(c, 3, "2.5", "m", "c"), problems));
    assert_non_null(strstr(problem(problems, "3", "alert_on"), "whole number"));
    json_array_clear(problems);
    assert_false(apply(c, 3, flag_in(c, 3, "101", "m", "c"), problems));
    assert_non_null(strstr(problem(problems, "3", "alert_on"), "from 0 to 100"));

    json_array_clear(problems);
    assert_false(apply(c, 4, flag_in(c, 4, "x", "m", "c"), problems));
    assert_non_null(problem(problems, "4", "field"));

    json_array_clear(problems);
    assert_false(apply(c, 0, flag_in(c, 0, "yes", "m", "bell\a"), problems));
    assert_non_null(problem(problems, "0", "alert_client_message"));

    assert_true(json_equal(c, before));
    json_decref(before);
    json_decref(problems);
    json_decref(c);
}

static void test_choice_scale_number(void **state)
{
    (void)state;
    json_t *c = intake(), *problems = json_array();
    /* Labels or values, any case, stored in the options' order. */
    assert_true(apply(c, 1, flag_in(c, 1, "ALWAYS, sometimes,", "m1", "c1"), problems));
    assert_true(apply(c, 2, flag_in(c, 2, "7", "m2", "c2"), problems));
    assert_true(apply(c, 3, flag_in(c, 3, "21", "m3", "c3"), problems));
    assert_int_equal(json_array_size(problems), 0);
    assert_json(json_object_get(c, "alerts"),
                "[{'item': 'often', 'values': ['sometimes', 'always'], 'message': 'm1', "
                "'client_message': 'c1'}, {'item': 'distress', 'min': 7, 'message': 'm2', "
                "'client_message': 'c2'}, {'item': 'drinks', 'min': 21, 'message': 'm3', "
                "'client_message': 'c3'}]");
    assert_checks(c);
    json_t *in = builder_field_stored(c, json_array_get(json_object_get(c, "fields"), 1));
    assert_string_equal(json_string_value(json_object_get(in, "alert_on")), "Sometimes, Always");
    json_decref(in);

    /* The field changes so its flag no longer fits: refused at the flag. */
    in = flag_in(c, 1, "Sometimes, Always", "m1", "c1");
    json_object_set_new(in, "options", json_string("never | Never\nsometimes | Sometimes"));
    assert_false(apply(c, 1, in, problems));
    assert_non_null(strstr(problem(problems, "1", "alert_on"), "\"Always\" is not one"));
    in = flag_in(c, 2, "7", "m2", "c2");
    json_object_set_new(in, "max", json_string("5"));
    assert_false(apply(c, 2, in, problems));
    assert_non_null(strstr(problem(problems, "2", "alert_on"), "from 0 to 5"));

    /* Removing a question removes its flag; the others stay. */
    json_array_clear(problems);
    assert_true(builder_field_remove(c, "intake", 2, problems));
    assert_json(json_object_get(c, "alerts"),
                "[{'item': 'often', 'values': ['sometimes', 'always'], 'message': 'm1', "
                "'client_message': 'c1'}, {'item': 'drinks', 'min': 21, 'message': 'm3', "
                "'client_message': 'c3'}]");
    assert_checks(c);
    json_decref(problems);
    json_decref(c);
}

/* Inputs without the flag's (a post of an older page) keep the flag, and
 * it is still checked against the new settings. */
static void test_no_flag_inputs_keep_it(void **state)
{
    (void)state;
    json_t *c = intake(), *problems = json_array();
    assert_true(apply(c, 2, flag_in(c, 2, "7", "m", "c"), problems));
    json_t *in = flag_in(c, 2, "", "", "");
    json_object_del(in, "alert_on");
    json_object_del(in, "alert_message");
    json_object_del(in, "alert_client_message");
    json_object_set_new(in, "label", json_string("Distress now"));
    assert_true(builder_field_apply(c, "intake", 2, in, problems));
    assert_json(json_object_get(c, "alerts"),
                "[{'item': 'distress', 'min': 7, 'message': 'm', 'client_message': 'c'}]");
    json_object_set_new(in, "max", json_string("6"));
    assert_false(builder_field_apply(c, "intake", 2, in, problems));
    assert_non_null(strstr(problem(problems, "2", "alert_on"), "from 0 to 6"));
    json_decref(in);
    json_decref(problems);
    json_decref(c);
}

/* A min_weight rule (a copied measure) is shown as the options it covers. */
static void test_min_weight_shown_as_options(void **state)
{
    (void)state;
    json_t *c =
        J("{'title': 'M', 'fields': [{'key': 'q', 'type': 'single_choice', 'label': 'Q',"
          " 'options': [{'value': 'a', 'label': 'A', 'weight': 0}, {'value': 'b',"
          " 'label': 'B, or so', 'weight': 1}, {'value': 'c', 'label': 'C', 'weight': 2}]}],"
          " 'alerts': [{'item': 'q', 'min_weight': 1, 'message': 'm', 'client_message':"
          " 'c'}]}");
    json_t *in = builder_field_stored(c, json_array_get(json_object_get(c, "fields"), 0));
    assert_string_equal(json_string_value(json_object_get(in, "alert_on")), "b, C");
    json_t *problems = json_array();
    assert_true(builder_check_all(c, "intake", problems));
    json_decref(problems);
    json_decref(in);
    json_decref(c);
}

/* The builder page: the summary says what is flagged; an exercise keeps
 * its alerts in its reflection. */
static void test_view_and_exercise(void **state)
{
    (void)state;
    json_t *c = intake(), *problems = json_array();
    assert_true(apply(c, 0, flag_in(c, 0, "yes", "m", "c"), problems));
    assert_true(apply(c, 1, flag_in(c, 1, "never, always", "m", "c"), problems));
    json_t *view = builder_view(c, "intake", problems, NULL, NULL);
    const json_t *fields = json_object_get(view, "fields");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(fields, 0), "alert_summary")),
        "answers \"Yes\"");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(fields, 1), "alert_summary")),
        "answers \"Never\" or \"Always\"");
    assert_true(json_is_null(json_object_get(json_array_get(fields, 2), "alert_summary")));
    assert_true(json_is_true(json_object_get(json_array_get(fields, 2), "can_alert")));
    assert_false(json_is_true(json_object_get(json_array_get(fields, 4), "can_alert")));
    json_decref(view);

    json_t *ex = J("{'title': 'E', 'reflection': {'fields': [{'key': 'paused', 'type': 'yes_no',"
                   " 'label': 'Did you stop?'}]}}");
    json_t *in = builder_field_stored(json_object_get(ex, "reflection"),
                                      json_array_get(builder_fields(ex, "exercise"), 0));
    json_object_set_new(in, "alert_on", json_string("yes"));
    json_object_set_new(in, "alert_message", json_string("m"));
    json_object_set_new(in, "alert_client_message", json_string("c"));
    assert_true(builder_field_apply(ex, "exercise", 0, in, problems));
    json_decref(in);
    assert_null(json_object_get(ex, "alerts"));
    assert_int_equal(json_array_size(json_object_get(json_object_get(ex, "reflection"), "alerts")),
                     1);
    assert_checks(json_object_get(ex, "reflection"));
    json_decref(ex);
    json_decref(problems);
    json_decref(c);
}

/* A preference list: added, its items written as "key | label | group"
 * lines, stored and shown again the same way; no items, duplicate keys, a
 * bad key, more than 200 items or a label over 200 characters refused at
 * the field's "items" input; the whole form then passes form_check. */
static void test_preference_list(void **state)
{
    (void)state;
    json_t *c = intake(), *problems = json_array();
    size_t at = 0;
    assert_true(builder_field_add(c, "intake", "preference_list", "Your list", &at, problems));
    assert_int_equal(at, 5);
    char idx[8];
    snprintf(idx, sizeof(idx), "%zu", at);
    const json_t *f = json_array_get(json_object_get(c, "fields"), at);

    static const struct {
        const char *items;
        const char *want;
    } bad[] = {
        {"", "Write at least one item"},
        {"  \n \n", "Write at least one item"},
        {"hug | A hug\nhug | Another hug", "Line 2: the key \"hug\" is already used"},
        {"Big Hug | A hug", "Line 1: the key \"Big Hug\" must be lowercase"},
        {"hug |  | Touch", "Line 1: write the key"},
        {"!!!", "Line 1: start with a key"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        json_array_clear(problems);
        json_t *in = builder_field_stored(c, f);
        json_object_set_new(in, "items", json_string(bad[i].items));
        assert_false(apply(c, at, in, problems));
        const char *m = problem(problems, idx, "items");
        if (m == NULL || strstr(m, bad[i].want) == NULL)
            print_error("case %zu: got %s\n", i, m != NULL ? m : "(none)");
        assert_non_null(m);
        assert_non_null(strstr(m, bad[i].want));
    }
    /* 201 items; a label of 201 characters */
    char *many = malloc(201 * 24);
    assert_non_null(many);
    many[0] = '\0';
    for (int i = 0; i < 201; i++)
        sprintf(many + strlen(many), "item_%d | Item %d\n", i, i);
    json_array_clear(problems);
    json_t *in = builder_field_stored(c, f);
    json_object_set_new(in, "items", json_string(many));
    assert_false(apply(c, at, in, problems));
    assert_string_equal(problem(problems, idx, "items"), "Use at most 200 items.");
    free(many);
    char label[260] = "long | ";
    memset(label + 7, 'x', 201);
    label[208] = '\0';
    json_array_clear(problems);
    in = builder_field_stored(c, f);
    json_object_set_new(in, "items", json_string(label));
    assert_false(apply(c, at, in, problems));
    assert_non_null(strstr(problem(problems, idx, "items"), "at most 200 characters"));

    /* A good list: a line without "|" gets a key made from its label. */
    json_array_clear(problems);
    in = builder_field_stored(c, f);
    json_object_set_new(in, "items",
                        json_string("hug | A hug | Touch\r\n\nKind words\nmusic | Music |  "));
    json_object_set_new(in, "required", json_string("on"));
    assert_true(apply(c, at, in, problems));
    assert_int_equal(json_array_size(problems), 0);
    f = json_array_get(json_object_get(c, "fields"), at);
    assert_json(json_object_get(f, "items"),
                "[{'key': 'hug', 'label': 'A hug', 'group': 'Touch'}, {'key': 'kind_words', "
                "'label': 'Kind words'}, {'key': 'music', 'label': 'Music'}]");
    assert_checks(c);
    in = builder_field_stored(c, f);
    assert_string_equal(json_string_value(json_object_get(in, "items")),
                        "hug | A hug | Touch\nkind_words | Kind words\nmusic | Music");
    json_decref(in);

    /* No later question can depend on it. */
    assert_true(builder_field_add(c, "intake", "short_text", "Why", &at, problems));
    in = builder_field_stored(c, json_array_get(json_object_get(c, "fields"), at));
    json_object_set_new(in, "show_if_field", json_string("your_list"));
    json_object_set_new(in, "show_if_value", json_string("yes"));
    json_array_clear(problems);
    assert_false(apply(c, at, in, problems));
    snprintf(idx, sizeof(idx), "%zu", at);
    assert_non_null(problem(problems, idx, "show_if_field"));
    json_decref(problems);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yes_no_add_replace_remove),
        cmocka_unit_test(test_bad_inputs_named),
        cmocka_unit_test(test_choice_scale_number),
        cmocka_unit_test(test_no_flag_inputs_keep_it),
        cmocka_unit_test(test_min_weight_shown_as_options),
        cmocka_unit_test(test_view_and_exercise),
        cmocka_unit_test(test_preference_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
