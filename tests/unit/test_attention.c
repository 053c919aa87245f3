/* test_attention.c: the rules that raise attention items (app/attention.h),
 * on the real PHQ-9, GAD-7 and WHO-5 and on small exercise forms: each kind
 * raised when its rule holds, and not when it almost does. JSON in this
 * file is written with single quotes (J() turns them into double quotes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/attention.h"

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

/* The library file rel, found from the working directory upwards. */
static json_t *load(const char *rel)
{
    char dir[PATH_MAX], path[PATH_MAX + 256];
    assert_non_null(getcwd(dir, sizeof(dir)));
    for (;;) {
        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        if (access(path, R_OK) == 0)
            break;
        char *slash = strrchr(dir, '/');
        if (slash == NULL || slash == dir)
            fail_msg("%s not found at or above the working directory", rel);
        *slash = '\0';
    }
    json_error_t err;
    json_t *v = json_load_file(path, 0, &err);
    assert_non_null(v);
    return v;
}

/* Answers to a measure whose n items are prefix1..prefixN, each the option
 * value of v[i]. */
static json_t *measure(const char *prefix, const int *v, int n)
{
    json_t *a = json_object();
    for (int i = 0; i < n; i++) {
        char key[32], val[8];
        snprintf(key, sizeof(key), "%s_%d", prefix, i + 1);
        snprintf(val, sizeof(val), "%d", v[i]);
        json_object_set_new(a, key, json_string(val));
    }
    return a;
}

static bool has_kind(const struct attn_found *f, size_t n, enum attn_kind k)
{
    for (size_t i = 0; i < n; i++)
        if (f[i].kind == k)
            return true;
    return false;
}

static void test_kind_names_round_trip(void **state)
{
    (void)state;
    for (int k = 0; k < ATTN__MAX; k++) {
        enum attn_kind back;
        assert_true(attention_kind_parse(attention_kind_name((enum attn_kind)k), &back));
        assert_int_equal(back, k);
        assert_true(strlen(attention_kind_label((enum attn_kind)k)) > 0);
    }
    enum attn_kind x;
    assert_false(attention_kind_parse("Risk", &x));
    assert_false(attention_kind_parse(NULL, &x));
}

static void test_risk_on_phq9_item9(void **state)
{
    (void)state;
    json_t *def = load("library/measures/phq-9.json");
    static const int none[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const int some[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1};
    struct attn_found f[ATTN__MAX];
    json_t *a = measure("phq9", none, 9);
    assert_int_equal(attention_rules(def, a, NULL, 0, f), 0);
    json_decref(a);
    a = measure("phq9", some, 9);
    size_t n = attention_rules(def, a, NULL, 0, f);
    assert_int_equal(n, 1);
    assert_int_equal(f[0].kind, ATTN_RISK);
    assert_non_null(strstr(f[0].detail, "item 9")); /* the clinician's wording */
    json_decref(a);
    json_decref(def);
}

static void test_worsening_by_band_not_by_improvement(void **state)
{
    (void)state;
    json_t *def = load("library/measures/phq-9.json");
    static const int mild[9] = {1, 1, 1, 1, 1, 1, 1, 0, 0};     /* 7: Mild */
    static const int moderate[9] = {2, 2, 2, 1, 1, 1, 1, 1, 0}; /* 11: Moderate */
    json_t *old = measure("phq9", mild, 9), *cur = measure("phq9", moderate, 9);
    struct attn_prev prev[1] = {{def, old}};
    struct attn_found f[ATTN__MAX];
    size_t n = attention_rules(def, cur, prev, 1, f);
    assert_true(has_kind(f, n, ATTN_WORSENING));
    assert_string_equal(f[0].detail, "Score 11 (Moderate), previously 7 (Mild).");
    /* The other way round is an improvement: nothing. */
    prev[0].answers = cur;
    assert_int_equal(attention_rules(def, old, prev, 1, f), 0);
    /* An unreadable previous entry is skipped, not compared. */
    prev[0].answers = NULL;
    assert_int_equal(attention_rules(def, cur, prev, 1, f), 0);
    json_decref(old);
    json_decref(cur);
    json_decref(def);
}

static void test_worsening_by_reliable_change_within_a_band(void **state)
{
    (void)state;
    json_t *def = load("library/measures/gad-7.json"); /* reliable change 4 */
    static const int s15[7] = {3, 3, 3, 3, 3, 0, 0};   /* 15: Severe */
    static const int s18[7] = {3, 3, 3, 3, 3, 3, 0};   /* 18: Severe, +3 */
    static const int s19[7] = {3, 3, 3, 3, 3, 3, 1};   /* 19: Severe, +4 */
    json_t *old = measure("gad7", s15, 7), *c18 = measure("gad7", s18, 7),
           *c19 = measure("gad7", s19, 7);
    struct attn_prev prev[1] = {{def, old}};
    struct attn_found f[ATTN__MAX];
    assert_int_equal(attention_rules(def, c18, prev, 1, f), 0);
    size_t n = attention_rules(def, c19, prev, 1, f);
    assert_int_equal(n, 1);
    assert_int_equal(f[0].kind, ATTN_WORSENING);
    json_decref(old);
    json_decref(c18);
    json_decref(c19);
    json_decref(def);
}

static void test_worsening_when_higher_is_better(void **state)
{
    (void)state;
    json_t *def = load("library/measures/who-5.json"); /* x4, higher is better */
    static const int good[5] = {3, 3, 3, 3, 3};        /* 60: no low wellbeing */
    static const int low[5] = {2, 2, 2, 2, 2};         /* 40: possible low wellbeing */
    json_t *g = measure("who5", good, 5), *l = measure("who5", low, 5);
    struct attn_prev prev[1] = {{def, g}};
    struct attn_found f[ATTN__MAX];
    size_t n = attention_rules(def, l, prev, 1, f);
    assert_int_equal(n, 1);
    assert_int_equal(f[0].kind, ATTN_WORSENING);
    prev[0].answers = l;
    assert_int_equal(attention_rules(def, g, prev, 1, f), 0);
    json_decref(g);
    json_decref(l);
    json_decref(def);
}

static void test_incomplete_scores_are_not_compared(void **state)
{
    (void)state;
    json_t *def = load("library/measures/phq-9.json");
    static const int mild[9] = {1, 1, 1, 1, 1, 1, 1, 0, 0};
    json_t *old = measure("phq9", mild, 9);
    json_t *cur = J("{'phq9_1':'3','phq9_2':'3','phq9_3':'3'}"); /* a partial 9 */
    struct attn_prev prev[1] = {{def, old}};
    struct attn_found f[ATTN__MAX];
    assert_int_equal(attention_rules(def, cur, prev, 1, f), 0);
    json_decref(old);
    json_decref(cur);
    json_decref(def);
}

#define SCALE(k)                                                                                   \
    "{'key':'" k "','type':'scale','label':'L','min':0,'max':10,'min_label':'a',"                  \
    "'max_label':'b','required':true}"
static const char exercise[] = "{'fields':[" SCALE("distress_before") "," SCALE(
    "distress_after") ",{'key':'paused','type':'yes_no','label':'Paused?'}]}";

static void test_distress_rising_needs_three_in_a_row(void **state)
{
    (void)state;
    json_t *def = J(exercise);
    json_t *up1 = J("{'distress_before':3,'distress_after':4}");
    json_t *same = J("{'distress_before':5,'distress_after':5}");
    json_t *down = J("{'distress_before':6,'distress_after':2}");
    struct attn_found f[ATTN__MAX];
    struct attn_prev prev[2] = {{def, same}, {def, up1}}; /* newest first */
    size_t n = attention_rules(def, up1, prev, 2, f);
    assert_int_equal(n, 1);
    assert_int_equal(f[0].kind, ATTN_DISTRESS_RISING);
    assert_non_null(strstr(f[0].detail, "3 and 4, 5 and 5, 3 and 4"));
    /* Two in a row are not three. */
    assert_int_equal(attention_rules(def, up1, prev, 1, f), 0);
    /* One that calmed down breaks the run. */
    prev[1].answers = down;
    assert_int_equal(attention_rules(def, up1, prev, 2, f), 0);
    /* Nor does a form without both scales count. */
    json_t *other = J("{'fields':[" SCALE("distress_before") "]}");
    prev[1].answers = up1;
    assert_int_equal(attention_rules(other, up1, prev, 2, f), 0);
    json_decref(other);
    json_decref(up1);
    json_decref(same);
    json_decref(down);
    json_decref(def);
}

static void test_paused_twice_in_a_row(void **state)
{
    (void)state;
    json_t *def = J(exercise);
    json_t *yes = J("{'distress_before':5,'distress_after':2,'paused':'yes'}");
    json_t *no = J("{'distress_before':5,'distress_after':2,'paused':'no'}");
    struct attn_found f[ATTN__MAX];
    struct attn_prev prev[1] = {{def, yes}};
    size_t n = attention_rules(def, yes, prev, 1, f);
    assert_int_equal(n, 1);
    assert_int_equal(f[0].kind, ATTN_PAUSED);
    assert_int_equal(attention_rules(def, yes, NULL, 0, f), 0);
    prev[0].answers = no;
    assert_int_equal(attention_rules(def, yes, prev, 1, f), 0);
    assert_int_equal(attention_rules(def, no, prev, 1, f), 0);
    json_decref(yes);
    json_decref(no);
    json_decref(def);
}

static void test_several_kinds_at_once_in_enum_order(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[" SCALE("distress_before") "," SCALE(
        "distress_after") ",{'key':'paused','type':'yes_no','label':'P'}],'alerts':[{'item':"
                          "'distress_after','min':9,'message':'Very high.','client_message':"
                          "'Take care.'}]}");
    json_t *cur = J("{'distress_before':9,'distress_after':10,'paused':'yes'}");
    json_t *p = J("{'distress_before':4,'distress_after':6,'paused':'yes'}");
    struct attn_prev prev[2] = {{def, p}, {def, p}};
    struct attn_found f[ATTN__MAX];
    size_t n = attention_rules(def, cur, prev, 2, f);
    assert_int_equal(n, 3);
    assert_int_equal(f[0].kind, ATTN_RISK);
    assert_string_equal(f[0].detail, "Very high.");
    assert_int_equal(f[1].kind, ATTN_DISTRESS_RISING);
    assert_int_equal(f[2].kind, ATTN_PAUSED);
    json_decref(cur);
    json_decref(p);
    json_decref(def);
}

static void test_support_panel_has_client_words_only(void **state)
{
    (void)state;
    json_t *def = load("library/measures/phq-9.json");
    static const int some[9] = {0, 0, 0, 0, 0, 0, 0, 0, 2};
    json_t *a = measure("phq9", some, 9);
    /* attention_support reads the crisis contacts from the database; with
     * none reachable here it still gives the panel, without contacts. */
    json_t *panel = attention_support(def, a, true);
    assert_non_null(panel);
    char *text = json_dumps(panel, 0);
    assert_non_null(text);
    assert_null(strstr(text, "risk assessment")); /* the clinician's words */
    assert_non_null(strstr(text, "deserve support"));
    free(text);
    json_decref(panel);
    json_decref(a);
    static const int none[9] = {0};
    a = measure("phq9", none, 9);
    assert_null(attention_support(def, a, true));
    json_decref(a);
    json_decref(def);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names_round_trip),
        cmocka_unit_test(test_risk_on_phq9_item9),
        cmocka_unit_test(test_worsening_by_band_not_by_improvement),
        cmocka_unit_test(test_worsening_by_reliable_change_within_a_band),
        cmocka_unit_test(test_worsening_when_higher_is_better),
        cmocka_unit_test(test_incomplete_scores_are_not_compared),
        cmocka_unit_test(test_distress_rising_needs_three_in_a_row),
        cmocka_unit_test(test_paused_twice_in_a_row),
        cmocka_unit_test(test_several_kinds_at_once_in_enum_order),
        cmocka_unit_test(test_support_panel_has_client_words_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
