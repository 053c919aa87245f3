/* test_form.c: unit tests for the forms engine (forms/form.h): definition
 * checks against the real library and a table of broken definitions,
 * rendering, validation and round trips of every field type, show_if,
 * drafts, and the scoring of the real PHQ-9, GAD-7, WHO-5 and PCL-5.
 * Run from the repository root (or below it): the library is found by
 * walking up from the working directory. JSON in this file is written with
 * single quotes (J() turns them into double quotes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forms/form.h"

/* ---- helpers ---- */

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

/* The repository root: the nearest directory at or above the working
 * directory that holds library/measures/phq-9.json. */
static const char *root(void)
{
    static char dir[PATH_MAX];
    char probe[PATH_MAX + 64];

    if (dir[0] != '\0')
        return dir;
    assert_non_null(getcwd(dir, sizeof(dir) - 16));
    for (int up = 0; up < 6; up++) {
        snprintf(probe, sizeof(probe), "%s/library/measures/phq-9.json", dir);
        if (access(probe, R_OK) == 0)
            return dir;
        char *slash = strrchr(dir, '/');
        if (slash == NULL || slash == dir)
            break;
        *slash = '\0';
    }
    dir[0] = '\0';
    fail_msg("library/ not found at or above the working directory: run from the repo root");
    return NULL;
}

static json_t *load(const char *rel)
{
    char path[PATH_MAX + 128];
    json_error_t err;

    snprintf(path, sizeof(path), "%s/%s", root(), rel);
    json_t *v = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (v == NULL)
        print_error("%s: %s\n", path, err.text);
    assert_non_null(v);
    return v;
}

/* The form inside a library file: an exercise's reflection, else the file. */
static const json_t *form_of(const json_t *file)
{
    const json_t *r = json_object_get(file, "reflection");
    return r != NULL ? r : file;
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static bool flag(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    assert_true(json_is_boolean(v));
    return json_is_true(v);
}

/* The view object of field key. */
static const json_t *vfield(const json_t *view, const char *key)
{
    size_t i;
    const json_t *f;

    json_array_foreach(view, i, f)
    {
        if (strcmp(str(f, "key"), key) == 0)
            return f;
    }
    fail_msg("no field %s in the view", key);
    return NULL;
}

/* Validates input (JSON text); returns the problem count. */
static int validate(const json_t *def, const char *input, bool draft, json_t **answers,
                    json_t **errors)
{
    json_t *in = J(input);
    int n = form_validate(def, in, draft, answers, errors);
    json_decref(in);
    return n;
}

/* Asserts that a JSON value equals the expected JSON text. */
static void assert_json(const json_t *got, const char *want)
{
    json_t *w = J(want);
    if (!json_equal((json_t *)got, w)) {
        char *g = got != NULL ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
                              : strdup("(null)");
        print_error("got %s, want %s\n", g, want);
        free(g);
        json_decref(w);
        fail();
    }
    json_decref(w);
}

/* ---- form_check: the library ---- */

static int check_dir(const char *sub)
{
    char path[PATH_MAX + 64];
    int files = 0;

    snprintf(path, sizeof(path), "%s/library/%s", root(), sub);
    DIR *d = opendir(path);
    if (d == NULL)
        fail_msg("cannot open %s", path);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char rel[600];
        snprintf(rel, sizeof(rel), "library/%s/%s", sub, e->d_name);
        json_t *file = load(rel);
        char msg[256];
        const char *problem = form_check(form_of(file), msg, sizeof(msg));
        if (problem != NULL)
            print_error("%s: %s\n", rel, problem);
        assert_null(problem);
        json_decref(file);
        files++;
    }
    closedir(d);
    return files;
}

static void test_check_accepts_every_library_file(void **state)
{
    (void)state;
    /* Each directory must hold files: an empty library is a failure. */
    assert_true(check_dir("exercises") > 0);
    assert_true(check_dir("intake") > 0);
    assert_true(check_dir("measures") > 0);
}

/* ---- form_check: broken definitions ---- */

struct broken {
    const char *what;
    const char *def;
    const char *want; /* a part of the message */
};

#define F_SCALE                                                                                    \
    "{'key':'s','type':'scale','label':'S','min':0,'max':10,'min_label':'a','max_label':'b'}"
#define F_YN "{'key':'p','type':'yes_no','label':'P'}"
#define OPTS2 "'options':[{'value':'a','label':'A'},{'value':'b','label':'B'}]"
#define WOPTS                                                                                      \
    "'options':[{'value':'0','label':'No','weight':0},{'value':'1','label':'Yes','weight':1}]"
#define SCORED(k) "{'key':'" k "','type':'single_choice','label':'Q','required':true," WOPTS "}"

static const struct broken BROKEN[] = {
    {"not an object", "[]", "must be an object"},
    {"no fields", "{'title':'x'}", "list of fields"},
    {"fields not a list", "{'fields':{}}", "list of fields"},
    {"only a section", "{'fields':[{'key':'h','type':'section','label':'H'}]}", "one question"},
    {"field not an object", "{'fields':[3]}", "not an object"},
    {"duplicate key", "{'fields':[" F_YN "," F_YN "]}", "used twice"},
    {"unknown type", "{'fields':[{'key':'a','type':'slider','label':'A'}]}", "unknown type"},
    {"missing type", "{'fields':[{'key':'a','label':'A'}]}", "unknown type"},
    {"missing key", "{'fields':[{'type':'yes_no','label':'A'}]}", "key is missing"},
    {"key not snake_case", "{'fields':[{'key':'PauseReason','type':'yes_no','label':'A'}]}",
     "snake_case"},
    {"key with double underscore", "{'fields':[{'key':'a__b','type':'yes_no','label':'A'}]}",
     "snake_case"},
    {"key ending in underscore", "{'fields':[{'key':'a_','type':'yes_no','label':'A'}]}",
     "snake_case"},
    {"missing label", "{'fields':[{'key':'a','type':'yes_no'}]}", "label is needed"},
    {"blank label", "{'fields':[{'key':'a','type':'yes_no','label':'  '}]}", "label is needed"},
    {"unknown property", "{'fields':[{'key':'a','type':'yes_no','label':'A','colour':'red'}]}",
     "unknown property \"colour\""},
    {"empty help", "{'fields':[{'key':'a','type':'yes_no','label':'A','help':''}]}",
     "help must be"},
    {"required not boolean", "{'fields':[{'key':'a','type':'yes_no','label':'A','required':1}]}",
     "required must be"},
    {"required section",
     "{'fields':[{'key':'h','type':'section','label':'H','required':true}," F_YN "]}",
     "section cannot be required"},
    {"text on a question", "{'fields':[{'key':'a','type':'yes_no','label':'A','text':'t'}]}",
     "only for sections"},
    {"scale min = max",
     "{'fields':[{'key':'s','type':'scale','label':'S','min':5,'max':5,'min_label':'a',"
     "'max_label':'b'}]}",
     "less than its max"},
    {"scale min > max",
     "{'fields':[{'key':'s','type':'scale','label':'S','min':10,'max':0,'min_label':'a',"
     "'max_label':'b'}]}",
     "less than its max"},
    {"scale without max", "{'fields':[{'key':'s','type':'scale','label':'S','min':0}]}",
     "integer min and max"},
    {"scale with a fractional bound",
     "{'fields':[{'key':'s','type':'scale','label':'S','min':0,'max':2.5,'min_label':'a',"
     "'max_label':'b'}]}",
     "integer min and max"},
    {"scale without labels", "{'fields':[{'key':'s','type':'scale','label':'S','min':0,'max':10}]}",
     "min_label"},
    {"scale too long",
     "{'fields':[{'key':'s','type':'scale','label':'S','min':0,'max':101,'min_label':'a',"
     "'max_label':'b'}]}",
     "at most 101 steps"},
    {"min on a text field", "{'fields':[{'key':'t','type':'short_text','label':'T','min':1}]}",
     "only applies to scale and number"},
    {"number min = max", "{'fields':[{'key':'n','type':'number','label':'N','min':3,'max':3}]}",
     "less than its max"},
    {"number bound not a number", "{'fields':[{'key':'n','type':'number','label':'N','min':'0'}]}",
     "must be numbers"},
    {"step other than any", "{'fields':[{'key':'n','type':'number','label':'N','step':2}]}",
     "step can only be"},
    {"step on a scale",
     "{'fields':[{'key':'s','type':'scale','label':'S','min':0,'max':10,'min_label':'a',"
     "'max_label':'b','step':'any'}]}",
     "only applies to number"},
    {"choice without options", "{'fields':[{'key':'c','type':'single_choice','label':'C'}]}",
     "at least 2 options"},
    {"choice with one option",
     "{'fields':[{'key':'c','type':'multiple_choice','label':'C','options':[{'value':'a',"
     "'label':'A'}]}]}",
     "at least 2 options"},
    {"option without label",
     "{'fields':[{'key':'c','type':'single_choice','label':'C','options':[{'value':'a'},"
     "{'value':'b','label':'B'}]}]}",
     "option #1 needs"},
    {"duplicate option value",
     "{'fields':[{'key':'c','type':'single_choice','label':'C','options':[{'value':'a','label':"
     "'A'},{'value':'a','label':'B'}]}]}",
     "used twice"},
    {"option weight not a number",
     "{'fields':[{'key':'c','type':'single_choice','label':'C','options':[{'value':'a','label':"
     "'A','weight':'1'},{'value':'b','label':'B'}]}]}",
     "weight"},
    {"unknown option property",
     "{'fields':[{'key':'c','type':'single_choice','label':'C','options':[{'value':'a','label':"
     "'A','score':1},{'value':'b','label':'B'}]}]}",
     "unknown property"},
    {"options on a text field",
     "{'fields':[{'key':'t','type':'short_text','label':'T'," OPTS2 "}]}", "only apply to choice"},
    {"show_if forward reference",
     "{'fields':[{'key':'r','type':'long_text','label':'R','show_if':{'field':'p','equals':'yes'}},"
     "" F_YN "]}",
     "not an earlier field"},
    {"show_if on itself",
     "{'fields':[{'key':'p','type':'yes_no','label':'P','show_if':{'field':'p','equals':'yes'}}]}",
     "not an earlier field"},
    {"show_if unknown field",
     "{'fields':[" F_YN ",{'key':'r','type':'long_text','label':'R','show_if':{'field':'zz',"
     "'equals':'yes'}}]}",
     "not an earlier field"},
    {"show_if without equals",
     "{'fields':[" F_YN ",{'key':'r','type':'long_text','label':'R','show_if':{'field':'p'}}]}",
     "show_if needs"},
    {"show_if extra member",
     "{'fields':[" F_YN ",{'key':'r','type':'long_text','label':'R','show_if':{'field':'p',"
     "'equals':'yes','not':true}}]}",
     "show_if needs"},
    {"show_if on a section",
     "{'fields':[{'key':'h','type':'section','label':'H'},{'key':'r','type':'long_text','label':"
     "'R','show_if':{'field':'h','equals':'x'}}]}",
     "cannot refer to a section"},
    {"show_if on multiple_choice",
     "{'fields':[{'key':'m','type':'multiple_choice','label':'M'," OPTS2
     "},{'key':'r','type':'long_text','label':'R','show_if':{'field':'m','equals':'a'}}]}",
     "multiple_choice"},
    {"show_if yes_no with true",
     "{'fields':[" F_YN ",{'key':'r','type':'long_text','label':'R','show_if':{'field':'p',"
     "'equals':true}}]}",
     "yes"},
    {"show_if value not an option",
     "{'fields':[{'key':'c','type':'single_choice','label':'C'," OPTS2
     "},{'key':'r','type':'long_text','label':'R','show_if':{'field':'c','equals':'z'}}]}",
     "not an option"},
    {"show_if consent with a string",
     "{'fields':[{'key':'ok','type':'consent','label':'OK'},{'key':'r','type':'long_text','label':"
     "'R','show_if':{'field':'ok','equals':'on'}}]}",
     "true or false"},
    {"show_if scale off the scale",
     "{'fields':[" F_SCALE ",{'key':'r','type':'long_text','label':'R','show_if':{'field':'s',"
     "'equals':11}}]}",
     "number on the scale"},
    {"show_if whole number with a fraction",
     "{'fields':[{'key':'n','type':'number','label':'N'},{'key':'r','type':'long_text','label':'R',"
     "'show_if':{'field':'n','equals':2.5}}]}",
     "whole number"},
    {"show_if text with a number",
     "{'fields':[{'key':'t','type':'short_text','label':'T'},{'key':'r','type':'long_text','label':"
     "'R','show_if':{'field':'t','equals':1}}]}",
     "must equal a string"},
    {"scoring item missing",
     "{'fields':[" SCORED("q1") "],'scoring':{'method':'sum','items':['q1','q2'],'multiplier':1,"
                                "'bands':[{'min':0,'max':1,'label':'x'}]}}",
     "\"q2\" is not a field"},
    {"scoring item unweighted",
     "{'fields':[{'key':'q1','type':'single_choice','label':'Q','required':true," OPTS2
     "}],'scoring':{'method':'sum','items':['q1'],'multiplier':1,'bands':[{'min':0,'max':1,"
     "'label':'x'}]}}",
     "numeric weight"},
    {"scoring item partly weighted",
     "{'fields':[{'key':'q1','type':'single_choice','label':'Q','required':true,'options':[{"
     "'value':'a','label':'A','weight':0},{'value':'b','label':'B'}]}],'scoring':{'method':'sum',"
     "'items':['q1'],'multiplier':1,'bands':[{'min':0,'max':1,'label':'x'}]}}",
     "numeric weight"},
    {"scoring item not single_choice",
     "{'fields':[" F_SCALE "],'scoring':{'method':'sum','items':['s'],'multiplier':1,'bands':[{"
     "'min':0,'max':1,'label':'x'}]}}",
     "single_choice"},
    {"scoring item optional",
     "{'fields':[{'key':'q1','type':'single_choice','label':'Q'," WOPTS
     "}],'scoring':{'method':'sum','items':['q1'],'multiplier':1,'bands':[{'min':0,'max':1,"
     "'label':'x'}]}}",
     "must be required"},
    {"scoring item listed twice",
     "{'fields':[" SCORED("q1") "],'scoring':{'method':'sum','items':['q1','q1'],'multiplier':1,"
                                "'bands':[{'min':0,'max':2,'label':'x'}]}}",
     "listed twice"},
    {"scoring method",
     "{'fields':[" SCORED("q1") "],'scoring':{'method':'mean','items':['q1'],'multiplier':1,"
                                "'bands':[{'min':0,'max':1,'label':'x'}]}}",
     "method"},
    {"scoring multiplier zero",
     "{'fields':[" SCORED("q1") "],'scoring':{'method':'sum','items':['q1'],'multiplier':0,"
                                "'bands':[{'min':0,'max':1,'label':'x'}]}}",
     "multiplier"},
    {"scoring unknown member",
     "{'fields':[" SCORED("q1") "],'scoring':{'method':'sum','items':['q1'],'multiplier':1,"
                                "'bands':[{'min':0,'max':1,'label':'x'}],'cutoff':1}}",
     "unknown property"},
    {"band gap",
     "{'fields':[" SCORED("q1") "," SCORED("q2") "," SCORED(
         "q3") "],'scoring':{'method':'sum','items':['q1','q2','q3'],"
               "'multiplier':1,'bands':[{'min':0,'max':0,'label':'x'},{'min':2,"
               "'max':3,'label':'y'}]}}",
     "gap or overlap"},
    {"band overlap",
     "{'fields':[" SCORED("q1") "," SCORED("q2") "," SCORED(
         "q3") "],'scoring':{'method':'sum','items':['q1','q2','q3'],"
               "'multiplier':1,'bands':[{'min':0,'max':2,'label':'x'},{'min':2,"
               "'max':3,'label':'y'}]}}",
     "gap or overlap"},
    {"bands start too high",
     "{'fields':[" SCORED("q1") "],'scoring':{'method':'sum','items':['q1'],'multiplier':1,"
                                "'bands':[{'min':1,'max':1,'label':'x'}]}}",
     "lowest possible"},
    {"bands end too low",
     "{'fields':[" SCORED("q1") "],'scoring':{'method':'sum','items':['q1'],'multiplier':4,"
                                "'bands':[{'min':0,'max':1,'label':'x'}]}}",
     "highest possible"},
    {"band min > max",
     "{'fields':[" SCORED("q1") "],'scoring':{'method':'sum','items':['q1'],'multiplier':1,"
                                "'bands':[{'min':1,'max':0,'label':'x'}]}}",
     "min > max"},
    {"band without label",
     "{'fields':[" SCORED("q1") "],'scoring':{'method':'sum','items':['q1'],'multiplier':1,"
                                "'bands':[{'min':0,'max':1}]}}",
     "band #1"},
    {"no bands",
     "{'fields':[" SCORED("q1") "],'scoring':{'method':'sum','items':['q1'],'multiplier':1,"
                                "'bands':[]}}",
     "bands must be"},
    {"alert on a text field",
     "{'fields':[{'key':'t','type':'short_text','label':'T'}],'alerts':[{'item':'t','min_weight':1,"
     "'message':'m'}]}",
     "Alert #1"},
    {"alert without message",
     "{'fields':[" SCORED("q1") "],'alerts':[{'item':'q1','min_weight':1}]}", "Alert #1"},
    {"alert without a client message",
     "{'fields':[" SCORED("q1") "],'alerts':[{'item':'q1','min_weight':1,'message':'m'}]}",
     "Alert #1 (q1) needs a client_message"},
    {"alert with two conditions",
     "{'fields':[" SCORED("q1") "],'alerts':[{'item':'q1','min_weight':1,'values':['1'],"
                                "'message':'m','client_message':'c'}]}",
     "exactly one condition"},
    {"alert values not among the options",
     "{'fields':[{'key':'y','type':'yes_no','label':'Y'}],'alerts':[{'item':'y',"
     "'values':['maybe'],'message':'m','client_message':'c'}]}",
     "value #1 is not one of"},
    {"alert min on a choice",
     "{'fields':[" SCORED("q1") "],'alerts':[{'item':'q1','min':1,'message':'m',"
                                "'client_message':'c'}]}",
     "min needs a number and a scale"},
    {"alert naming no field",
     "{'fields':[" SCORED("q1") "],'alerts':[{'item':'zz','min':1,'message':'m',"
                                "'client_message':'c'}]}",
     "Alert #1 must name a field"},
    {"reliable change not positive",
     "{'fields':[" SCORED("q1") "],'scoring':{'method':'sum','items':['q1'],'multiplier':1,"
                                "'reliable_change':0,'bands':[{'min':0,'max':3,'label':'All'}]}}",
     "reliable_change must be"},
};

static void test_check_rejects_broken_definitions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(BROKEN) / sizeof(*BROKEN); i++) {
        json_t *def = J(BROKEN[i].def);
        char msg[300];
        const char *p = form_check(def, msg, sizeof(msg));
        const char *want = BROKEN[i].want;
        if (p == NULL || strstr(p, want) == NULL) {
            print_error("%s: got \"%s\", want a message with \"%s\"\n", BROKEN[i].what,
                        p != NULL ? p : "(accepted)", want);
            fail();
        }
        json_decref(def);
    }
}

static void test_check_accepts_minimal_variants(void **state)
{
    (void)state;
    const char *good[] = {
        "{'fields':[" F_YN "]}",
        "{'fields':[{'key':'n','type':'number','label':'N','step':'any','min':0.5,'max':2.5}]}",
        "{'fields':[{'key':'ok','type':'consent','label':'OK'},{'key':'r','type':'long_text',"
        "'label':'R','show_if':{'field':'ok','equals':false}}]}",
        "{'fields':[" F_SCALE ",{'key':'r','type':'long_text','label':'R','show_if':{'field':'s',"
        "'equals':10}}]}",
        "{'fields':[{'key':'s','type':'scale','label':'S','min':0.0,'max':10.0,'min_label':'a',"
        "'max_label':'b'}]}",
        "{'fields':[" SCORED("q1") "," SCORED(
            "q2") "],'scoring':{'method':'sum','items':['q1','q2'],"
                  "'multiplier':4,'bands':[{'min':4,'max':8,"
                  "'label':'y'},{'min':0,'max':3,'label':'x'}]}}",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
        json_t *def = J(good[i]);
        char msg[300];
        const char *p = form_check(def, msg, sizeof(msg));
        if (p != NULL)
            print_error("#%zu: %s\n", i, p);
        assert_null(p);
        json_decref(def);
    }
}

static void test_check_message_names_the_field(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[" F_YN ",{'key':'pause_reason','type':'long_text','label':'R',"
                    "'show_if':{'field':'paused','equals':'yes'}}]}");
    char msg[200];
    const char *p = form_check(def, msg, sizeof(msg));
    assert_ptr_equal(p, msg);
    assert_string_equal(p, "Field 2 (pause_reason): show_if refers to \"paused\", which is not an "
                           "earlier field.");
    json_decref(def);
}

static void test_check_without_buffer_gives_static_sentence(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'a','type':'nope','label':'A'}]}");
    const char *p = form_check(def, NULL, 0);
    assert_non_null(p);
    assert_string_equal(p, "The form definition is not valid.");
    char tiny[12];
    p = form_check(def, tiny, sizeof(tiny));
    assert_ptr_equal(p, tiny);
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1); /* truncated, terminated */
    assert_non_null(form_check(NULL, NULL, 0));
    json_decref(def);
}

static void test_check_caps(void **state)
{
    (void)state;
    char msg[200];
    /* 201 fields */
    json_t *def = J("{'fields':[]}");
    json_t *fields = json_object_get(def, "fields");
    for (int i = 0; i < 201; i++) {
        char k[16];
        snprintf(k, sizeof(k), "f%d", i);
        json_array_append_new(fields,
                              json_pack("{s:s,s:s,s:s}", "key", k, "type", "yes_no", "label", "L"));
    }
    assert_non_null(strstr(form_check(def, msg, sizeof(msg)), "at most 200"));
    json_array_remove(fields, 0);
    assert_null(form_check(def, msg, sizeof(msg)));
    json_decref(def);

    /* 101 options */
    def = J("{'fields':[{'key':'c','type':'multiple_choice','label':'C','options':[]}]}");
    json_t *opts = json_object_get(json_array_get(json_object_get(def, "fields"), 0), "options");
    for (int i = 0; i < 101; i++) {
        char v[16];
        snprintf(v, sizeof(v), "o%d", i);
        json_array_append_new(opts, json_pack("{s:s,s:s}", "value", v, "label", v));
    }
    assert_non_null(strstr(form_check(def, msg, sizeof(msg)), "at most 100 options"));
    json_array_remove(opts, 0);
    assert_null(form_check(def, msg, sizeof(msg)));
    json_decref(def);

    /* a label of 1,000 code points (2 bytes each) is fine, 1,001 is not */
    char label[2 * 1001 + 1] = "";
    for (int i = 0; i < 1000; i++)
        strcat(label, "\xC3\xA9");
    def = json_pack("{s:[{s:s,s:s,s:s}]}", "fields", "key", "a", "type", "yes_no", "label", label);
    assert_null(form_check(def, msg, sizeof(msg)));
    strcat(label, "\xC3\xA9");
    json_object_set_new(json_array_get(json_object_get(def, "fields"), 0), "label",
                        json_string(label));
    assert_non_null(strstr(form_check(def, msg, sizeof(msg)), "label is needed"));
    json_decref(def);
}

/* ---- form_view: every type renders ---- */

#define ALL_TYPES                                                                                  \
    "{'fields':["                                                                                  \
    "{'key':'intro','type':'section','label':'About you','text':'No wrong answers.'},"             \
    "{'key':'name','type':'short_text','label':'Name','help':'Any name.','required':true},"        \
    "{'key':'story','type':'long_text','label':'Story'},"                                          \
    "{'key':'calm','type':'scale','label':'Calm','min':0,'max':10,'min_label':'Not calm',"         \
    "'max_label':'Very calm','required':true},"                                                    \
    "{'key':'role','type':'single_choice','label':'Role','options':[{'value':'giver','label':"     \
    "'Giving'},{'value':'receiver','label':'Receiving'}]},"                                        \
    "{'key':'tools','type':'multiple_choice','label':'Tools','options':[{'value':'breath',"        \
    "'label':'Breath'},{'value':'walk','label':'Walk'},{'value':'water','label':'Water'}]},"       \
    "{'key':'paused','type':'yes_no','label':'Paused?'},"                                          \
    "{'key':'why','type':'long_text','label':'Why?','show_if':{'field':'paused','equals':'yes'}}," \
    "{'key':'day','type':'date','label':'Day'},"                                                   \
    "{'key':'times','type':'number','label':'Times','min':1,'max':20},"                            \
    "{'key':'hours','type':'number','label':'Hours','step':'any','min':0,'max':24},"               \
    "{'key':'agree','type':'consent','label':'I agree','required':true}"                           \
    "]}"

static const char *const FLAGS[] = {
    "is_short_text", "is_long_text", "is_scale",  "is_single_choice", "is_multiple_choice",
    "is_yes_no",     "is_date",      "is_number", "is_consent",       "is_section",
};

static void test_view_every_field_has_the_common_members(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    assert_null(form_check(def, NULL, 0));
    json_t *view = form_view(def, NULL, NULL);
    assert_int_equal(json_array_size(view), 12);
    size_t i;
    const json_t *f;
    json_array_foreach(view, i, f)
    {
        int on = 0;
        for (size_t k = 0; k < sizeof(FLAGS) / sizeof(*FLAGS); k++)
            on += flag(f, FLAGS[k]);
        assert_int_equal(on, 1);
        char id[80];
        snprintf(id, sizeof(id), "f-%s", str(f, "key"));
        assert_string_equal(str(f, "id"), id);
        static const char *const members[] = {
            "key",     "id",       "name",     "type",        "label",         "help",
            "help_id", "text",     "required", "hidden",      "value",         "checked",
            "error",   "error_id", "invalid",  "describedby", "show_if_field", "show_if_value",
            NULL};
        for (const char *const *m = members; *m != NULL; m++)
            if (json_object_get(f, *m) == NULL)
                fail_msg("field %s has no member %s", str(f, "key"), *m);
        assert_true(json_is_null(json_object_get(f, "error")));
    }
    json_decref(view);
    json_decref(def);
}

static void test_view_section(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *view = form_view(def, NULL, NULL);
    const json_t *f = vfield(view, "intro");
    assert_true(flag(f, "is_section"));
    assert_string_equal(str(f, "label"), "About you");
    assert_string_equal(str(f, "text"), "No wrong answers.");
    assert_false(flag(f, "required"));
    assert_false(flag(f, "hidden"));
    json_decref(view);
    json_decref(def);
}

static void test_view_short_text(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *view = form_view(def, NULL, NULL);
    const json_t *f = vfield(view, "name");
    assert_true(flag(f, "is_short_text"));
    assert_true(flag(f, "required"));
    assert_string_equal(str(f, "name"), "name");
    assert_string_equal(str(f, "help"), "Any name.");
    assert_string_equal(str(f, "help_id"), "f-name-help");
    assert_string_equal(str(f, "describedby"), "f-name-help");
    assert_int_equal(json_integer_value(json_object_get(f, "maxlength")), 500);
    assert_true(json_is_null(json_object_get(f, "value")));
    json_decref(view);
    json_decref(def);
}

static void test_view_long_text(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *view = form_view(def, NULL, NULL);
    const json_t *f = vfield(view, "story");
    assert_true(flag(f, "is_long_text"));
    assert_false(flag(f, "required"));
    assert_int_equal(json_integer_value(json_object_get(f, "maxlength")), 20000);
    assert_true(json_is_null(json_object_get(f, "help")));
    assert_true(json_is_null(json_object_get(f, "describedby")));
    json_decref(view);
    json_decref(def);
}

static void test_view_scale(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *view = form_view(def, NULL, NULL);
    const json_t *f = vfield(view, "calm");
    assert_true(flag(f, "is_scale"));
    assert_string_equal(str(f, "min_label"), "Not calm");
    assert_string_equal(str(f, "max_label"), "Very calm");
    const json_t *steps = json_object_get(f, "steps");
    assert_int_equal(json_array_size(steps), 11);
    for (size_t i = 0; i < 11; i++) {
        const json_t *s = json_array_get(steps, i);
        assert_int_equal(json_integer_value(json_object_get(s, "value")), (json_int_t)i);
        assert_false(flag(s, "checked"));
        const json_t *label = json_object_get(s, "label");
        /* null, not absent: the template would otherwise print the question */
        assert_non_null(label);
        if (i == 0)
            assert_string_equal(json_string_value(label), "Not calm");
        else if (i == 10)
            assert_string_equal(json_string_value(label), "Very calm");
        else
            assert_true(json_is_null(label));
    }
    json_decref(view);
    json_decref(def);
}

static void test_view_single_choice(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *view = form_view(def, NULL, NULL);
    const json_t *f = vfield(view, "role");
    assert_true(flag(f, "is_single_choice"));
    assert_json(json_object_get(f, "options"),
                "[{'id':'f-role-0','value':'giver','label':'Giving','checked':false},"
                "{'id':'f-role-1','value':'receiver','label':'Receiving','checked':false}]");
    json_decref(view);
    json_decref(def);
}

static void test_view_multiple_choice_named_with_brackets(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *view = form_view(def, NULL, NULL);
    const json_t *f = vfield(view, "tools");
    assert_true(flag(f, "is_multiple_choice"));
    assert_string_equal(str(f, "name"), "tools[]"); /* the parser refuses a repeated plain name */
    assert_int_equal(json_array_size(json_object_get(f, "options")), 3);
    json_decref(view);
    json_decref(def);
}

static void test_view_yes_no(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *view = form_view(def, NULL, NULL);
    const json_t *f = vfield(view, "paused");
    assert_true(flag(f, "is_yes_no"));
    assert_json(json_object_get(f, "options"),
                "[{'id':'f-paused-0','value':'yes','label':'Yes','checked':false},"
                "{'id':'f-paused-1','value':'no','label':'No','checked':false}]");
    json_decref(view);
    json_decref(def);
}

static void test_view_date(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *view = form_view(def, NULL, NULL);
    assert_true(flag(vfield(view, "day"), "is_date"));
    json_decref(view);
    json_decref(def);
}

static void test_view_number(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *view = form_view(def, NULL, NULL);
    const json_t *f = vfield(view, "times");
    assert_true(flag(f, "is_number"));
    assert_string_equal(str(f, "min"), "1");
    assert_string_equal(str(f, "max"), "20");
    assert_string_equal(str(f, "step"), "1");
    assert_string_equal(str(f, "inputmode"), "numeric");
    f = vfield(view, "hours");
    assert_string_equal(str(f, "step"), "any");
    assert_string_equal(str(f, "inputmode"), "decimal");
    json_decref(view);
    json_decref(def);
}

static void test_view_consent(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *view = form_view(def, NULL, NULL);
    const json_t *f = vfield(view, "agree");
    assert_true(flag(f, "is_consent"));
    assert_false(flag(f, "checked"));
    assert_true(flag(f, "required"));
    json_decref(view);
    json_decref(def);
}

static void test_view_error_and_describedby(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *errors = J("{'name':'Please answer this question.','calm':'Choose a number from 0 to "
                       "10.'}");
    json_t *view = form_view(def, NULL, errors);
    const json_t *f = vfield(view, "name");
    assert_string_equal(str(f, "error"), "Please answer this question.");
    assert_string_equal(str(f, "error_id"), "f-name-error");
    assert_string_equal(str(f, "describedby"), "f-name-help f-name-error");
    assert_true(flag(f, "invalid"));
    f = vfield(view, "calm");
    assert_string_equal(str(f, "describedby"), "f-calm-error");
    assert_false(flag(vfield(view, "story"), "invalid"));
    json_decref(view);
    json_decref(errors);
    json_decref(def);
}

static void test_view_show_if_members(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *view = form_view(def, NULL, NULL);
    const json_t *f = vfield(view, "why");
    assert_string_equal(str(f, "show_if_field"), "paused");
    assert_string_equal(str(f, "show_if_value"), "yes");
    assert_true(flag(f, "hidden")); /* no answer yet */
    assert_true(json_is_null(json_object_get(vfield(view, "name"), "show_if_field")));
    json_decref(view);
    json_decref(def);
}

static void test_view_without_definition_is_empty(void **state)
{
    (void)state;
    json_t *view = form_view(NULL, NULL, NULL);
    assert_true(json_is_array(view));
    assert_int_equal(json_array_size(view), 0);
    json_decref(view);
    json_t *bad = J("{'fields':7}");
    view = form_view(bad, NULL, NULL);
    assert_int_equal(json_array_size(view), 0);
    json_decref(view);
    json_decref(bad);
}

/* ---- validation, one type at a time ---- */

struct vcase {
    const char *input; /* the field's input value, as JSON ('' is ") */
    const char *want;  /* the stored answer as JSON, or NULL for none */
    const char *error; /* the message, or NULL */
};

/* Validates {'x': input} against a one-field form, in draft mode unless
 * the case is about required-ness (the field definitions are optional). */
static void run_cases(const char *field, const struct vcase *cases, size_t n)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "{'fields':[%s]}", field);
    json_t *def = J(buf);
    char msg[200];
    const char *p = form_check(def, msg, sizeof(msg));
    if (p != NULL)
        fail_msg("test form: %s", p);
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof(buf), "{'x':%s}", cases[i].input);
        json_t *answers, *errors;
        int got = validate(def, buf, false, &answers, &errors);
        const char *err = str(errors, "x");
        if (got != (cases[i].error != NULL) ||
            (cases[i].error != NULL && (err == NULL || strcmp(err, cases[i].error) != 0))) {
            print_error("input %s: got %d problem(s), \"%s\"; want \"%s\"\n", cases[i].input, got,
                        err != NULL ? err : "", cases[i].error != NULL ? cases[i].error : "");
            fail();
        }
        if (cases[i].want == NULL) {
            if (json_object_get(answers, "x") != NULL)
                fail_msg("input %s: an answer was stored", cases[i].input);
        } else {
            assert_json(json_object_get(answers, "x"), cases[i].want);
        }
        json_decref(answers);
        json_decref(errors);
    }
    json_decref(def);
}

#define RUN(field, cases) run_cases(field, cases, sizeof(cases) / sizeof(*cases))

static void test_validate_short_text(void **state)
{
    (void)state;
    static char long_ok[600], long_bad[600], accents[1100];
    memset(long_ok, 'a', 500);
    memset(long_bad, 'a', 501);
    accents[0] = '\0';
    for (int i = 0; i < 500; i++) /* 500 code points, 1,000 bytes */
        strcat(accents, "\xC3\xA9");
    char in_ok[620], in_bad[620], in_acc[1120], want_acc[1120];
    snprintf(in_ok, sizeof(in_ok), "['%s']", long_ok);
    snprintf(in_bad, sizeof(in_bad), "['%s']", long_bad);
    snprintf(in_acc, sizeof(in_acc), "['%s']", accents);
    snprintf(want_acc, sizeof(want_acc), "'%s'", accents);
    char want_ok[620];
    snprintf(want_ok, sizeof(want_ok), "'%s'", long_ok);
    const struct vcase cases[] = {
        {"['Sam']", "'Sam'", NULL},
        {"[' Sam ']", "' Sam '", NULL}, /* kept as typed */
        {"['']", NULL, NULL},
        {"['   ']", NULL, NULL},
        {"[]", NULL, NULL},
        {"'Sam'", "'Sam'", NULL}, /* a bare string is one value */
        {"['a','b']", NULL, "Please give only one answer."},
        {"[3]", NULL, "This answer could not be read. Please try again."},
        {"{}", NULL, "This answer could not be read. Please try again."},
        {in_ok, want_ok, NULL},
        {in_bad, NULL, "Please shorten this to 500 characters or fewer."},
        {in_acc, want_acc, NULL},
    };
    RUN("{'key':'x','type':'short_text','label':'X'}", cases);
    const struct vcase req[] = {{"['']", NULL, "Please answer this question."},
                                {"['  ']", NULL, "Please answer this question."}};
    RUN("{'key':'x','type':'short_text','label':'X','required':true}", req);
}

static void test_validate_long_text_counts_code_points(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'x','type':'long_text','label':'X'}]}");
    /* 20,000 four-byte characters are fine; one more is not */
    size_t n = 20001 * 4;
    char *s = malloc(n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < 20001; i++)
        memcpy(s + 4 * i, "\xF0\x9F\x98\x80", 4);
    s[n - 4] = '\0';
    json_t *in = json_pack("{s:[s]}", "x", s);
    json_t *answers, *errors;
    assert_int_equal(form_validate(def, in, false, &answers, &errors), 0);
    assert_int_equal(json_string_length(json_object_get(answers, "x")), 80000);
    json_decref(answers);
    json_decref(errors);
    json_decref(in);
    s[n - 4] = '\xF0';
    s[n] = '\0';
    in = json_pack("{s:[s]}", "x", s);
    assert_int_equal(form_validate(def, in, false, &answers, &errors), 1);
    assert_string_equal(str(errors, "x"), "Please shorten this to 20,000 characters or fewer.");
    json_decref(answers);
    json_decref(errors);
    json_decref(in);
    /* newlines are kept */
    assert_int_equal(validate(def, "{'x':['line one\\r\\nline two']}", false, &answers, &errors),
                     0);
    assert_string_equal(str(answers, "x"), "line one\r\nline two");
    json_decref(answers);
    json_decref(errors);
    free(s);
    json_decref(def);
}

static void test_validate_text_with_nul_is_refused(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'x','type':'short_text','label':'X'}]}");
    json_t *in = json_pack("{s:[o]}", "x", json_stringn("a\0b", 3));
    json_t *answers, *errors;
    assert_int_equal(form_validate(def, in, false, &answers, &errors), 1);
    assert_string_equal(str(errors, "x"), "This answer could not be read. Please try again.");
    json_decref(answers);
    json_decref(errors);
    json_decref(in);
    json_decref(def);
}

static void test_validate_scale_accepts_only_canonical_integers(void **state)
{
    (void)state;
    static const char MSG[] = "Choose a number from 0 to 10.";
    const struct vcase cases[] = {
        {"['0']", "0", NULL},
        {"['7']", "7", NULL},
        {"['10']", "10", NULL},
        {"['']", NULL, NULL},
        {"['11']", NULL, MSG},
        {"['-1']", NULL, MSG},
        {"['5.0']", NULL, MSG},
        {"[' 5']", NULL, MSG},
        {"['5 ']", NULL, MSG},
        {"['+5']", NULL, MSG},
        {"['05']", NULL, MSG},
        {"['-0']", NULL, MSG},
        {"['five']", NULL, MSG},
        {"['0x5']", NULL, MSG},
        {"['5e0']", NULL, MSG},
        {"['99999999999999999999']", NULL, MSG},
        {"['5','6']", NULL, "Please give only one answer."},
        {"7", "7", NULL}, /* a stored answer */
    };
    RUN("{'key':'x','type':'scale','label':'X','min':0,'max':10,'min_label':'a','max_label':'b'}",
        cases);
    const struct vcase negative[] = {
        {"['-3']", "-3", NULL},
        {"['-4']", NULL, "Choose a number from -3 to 3."},
        {"['3']", "3", NULL},
    };
    RUN("{'key':'x','type':'scale','label':'X','min':-3,'max':3,'min_label':'a','max_label':'b'}",
        negative);
}

static void test_validate_single_choice(void **state)
{
    (void)state;
    const struct vcase cases[] = {
        {"['b']", "'b'", NULL},
        {"['']", NULL, NULL},
        {"['c']", NULL, "Choose one of the options."},
        {"['B']", NULL, "Choose one of the options."},
        {"['a','b']", NULL, "Please give only one answer."},
    };
    RUN("{'key':'x','type':'single_choice','label':'X'," OPTS2 "}", cases);
    const struct vcase req[] = {{"[]", NULL, "Please answer this question."}};
    RUN("{'key':'x','type':'single_choice','label':'X','required':true," OPTS2 "}", req);
}

static void test_validate_multiple_choice(void **state)
{
    (void)state;
    const struct vcase cases[] = {
        {"['b','a']", "['a','b']", NULL}, /* stored in the options' order */
        {"['a']", "['a']", NULL},
        {"[]", NULL, NULL},
        {"['']", NULL, NULL}, /* a "nothing ticked" hidden input */
        {"['a','']", "['a']", NULL},
        {"['a','z']", NULL, "Choose from the options shown."},
        {"['a','a']", NULL, "Choose each option only once."},
        {"['a',1]", NULL, "This answer could not be read. Please try again."},
    };
    RUN("{'key':'x','type':'multiple_choice','label':'X'," OPTS2 "}", cases);
    const struct vcase req[] = {{"[]", NULL, "Choose at least one option."}};
    RUN("{'key':'x','type':'multiple_choice','label':'X','required':true," OPTS2 "}", req);
}

static void test_validate_multiple_choice_reads_bracket_name(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'x','type':'multiple_choice','label':'X'," OPTS2 "}]}");
    json_t *answers, *errors;
    assert_int_equal(validate(def, "{'x[]':['b','a']}", false, &answers, &errors), 0);
    assert_json(json_object_get(answers, "x"), "['a','b']");
    json_decref(answers);
    json_decref(errors);
    json_decref(def);
}

static void test_validate_yes_no(void **state)
{
    (void)state;
    const struct vcase cases[] = {
        {"['yes']", "'yes'", NULL},
        {"['no']", "'no'", NULL},
        {"['']", NULL, NULL},
        {"['Yes']", NULL, "Choose yes or no."},
        {"['true']", NULL, "Choose yes or no."},
        {"['yes','no']", NULL, "Please give only one answer."},
    };
    RUN("{'key':'x','type':'yes_no','label':'X'}", cases);
}

static void test_validate_date_with_leap_years(void **state)
{
    (void)state;
    static const char FORM[] = "Enter a date like 2026-03-14.";
    static const char REAL[] = "Enter a real date, like 2026-03-14.";
    const struct vcase cases[] = {
        {"['2026-03-14']", "'2026-03-14'", NULL},
        {"[' 2026-03-14 ']", "'2026-03-14'", NULL},
        {"['']", NULL, NULL},
        {"['2024-02-29']", "'2024-02-29'", NULL}, /* divisible by 4 */
        {"['2000-02-29']", "'2000-02-29'", NULL}, /* by 400 */
        {"['2026-02-29']", NULL, REAL},
        {"['1900-02-29']", NULL, REAL}, /* by 100, not 400 */
        {"['2026-02-28']", "'2026-02-28'", NULL},
        {"['2026-04-31']", NULL, REAL},
        {"['2026-12-31']", "'2026-12-31'", NULL},
        {"['2026-13-01']", NULL, REAL},
        {"['2026-00-10']", NULL, REAL},
        {"['2026-01-00']", NULL, REAL},
        {"['0000-01-01']", NULL, REAL},
        {"['14/03/2026']", NULL, FORM},
        {"['2026-3-14']", NULL, FORM},
        {"['2026-03-14T10:00']", NULL, FORM},
        {"['20260314']", NULL, FORM},
        {"['next week']", NULL, FORM},
    };
    RUN("{'key':'x','type':'date','label':'X'}", cases);
}

static void test_validate_whole_number(void **state)
{
    (void)state;
    static const char WHOLE[] = "Enter a whole number from 1 to 20.";
    static const char RANGE[] = "Enter a number from 1 to 20.";
    const struct vcase cases[] = {
        {"['7']", "7", NULL},     {"['07']", "7", NULL},    {"[' 7 ']", "7", NULL},
        {"['1']", "1", NULL},     {"['20']", "20", NULL},   {"['']", NULL, NULL},
        {"['  ']", NULL, NULL},   {"['0']", NULL, RANGE},   {"['21']", NULL, RANGE},
        {"['-5']", NULL, RANGE},  {"['2.5']", NULL, WHOLE}, {"['5.0']", NULL, WHOLE},
        {"['+5']", NULL, WHOLE},  {"['1e1']", NULL, WHOLE}, {"['five']", NULL, WHOLE},
        {"['1,5']", NULL, WHOLE}, {"['-']", NULL, WHOLE},   {"['nan']", NULL, WHOLE},
        {"12", "12", NULL},
    };
    RUN("{'key':'x','type':'number','label':'X','min':1,'max':20}", cases);
    const struct vcase unbounded[] = {
        {"['-3']", "-3", NULL},
        {"['-0']", "0", NULL},
        {"['2147483647']", "2147483647", NULL},
        {"['2147483648']", NULL, "That number is too large. Enter a smaller one."},
        {"['-99999999999999999999999']", NULL, "That number is too small. Enter a larger one."},
        {"['x']", NULL, "Enter a whole number."},
    };
    RUN("{'key':'x','type':'number','label':'X'}", unbounded);
    const struct vcase min_only[] = {{"['-1']", NULL, "Enter a number of 0 or more."}};
    RUN("{'key':'x','type':'number','label':'X','min':0}", min_only);
    const struct vcase max_only[] = {{"['8']", NULL, "Enter a number of 7 or less."}};
    RUN("{'key':'x','type':'number','label':'X','max':7}", max_only);
}

static void test_validate_decimal_number(void **state)
{
    (void)state;
    static const char MSG[] = "Enter a number from 0 to 2.5.";
    const struct vcase cases[] = {
        {"['1.25']", "1.25", NULL}, {"['2']", "2.0", NULL}, {"['.5']", "0.5", NULL},
        {"['0']", "0.0", NULL},     {"['2.6']", NULL, MSG}, {"['-0.1']", NULL, MSG},
        {"['1.']", NULL, MSG},      {"['1e0']", NULL, MSG}, {"['1,5']", NULL, MSG},
        {"1.5", "1.5", NULL},
    };
    RUN("{'key':'x','type':'number','label':'X','step':'any','min':0,'max':2.5}", cases);
}

static void test_validate_consent(void **state)
{
    (void)state;
    const struct vcase cases[] = {
        {"['on']", "true", NULL},
        {"[]", NULL, NULL},
        {"['']", NULL, NULL},
        {"['yes']", NULL, "Tick the box, or leave it empty."},
        {"['on','on']", NULL, "Please give only one answer."},
        {"true", "true", NULL},
        {"false", NULL, NULL},
    };
    RUN("{'key':'x','type':'consent','label':'X'}", cases);
    const struct vcase req[] = {{"[]", NULL, "Tick the box to continue."},
                                {"['on']", "true", NULL}};
    RUN("{'key':'x','type':'consent','label':'X','required':true}", req);
}

static void test_validate_section_takes_no_answer(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'h','type':'section','label':'H'}," F_YN "]}");
    json_t *answers, *errors;
    assert_int_equal(validate(def, "{'h':['anything'],'p':['yes']}", false, &answers, &errors), 0);
    assert_json(answers, "{'p':'yes'}");
    json_decref(answers);
    json_decref(errors);
    json_decref(def);
}

/* ---- validation: the form as a whole ---- */

static void test_validate_ignores_unknown_keys(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[" F_YN "]}");
    json_t *answers, *errors;
    assert_int_equal(validate(def, "{'_csrf':['tok'],'p':['no'],'p[]':['yes'],'other':[1]}", false,
                              &answers, &errors),
                     0);
    assert_json(answers, "{'p':'no'}");
    assert_json(errors, "{}");
    json_decref(answers);
    json_decref(errors);
    json_decref(def);
}

static void test_validate_keeps_valid_answers_when_some_fail(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *answers, *errors;
    int n = validate(def, "{'name':['Sam'],'calm':['12'],'day':['2026-02-30']}", false, &answers,
                     &errors);
    assert_int_equal(n, 3); /* calm, day, agree (required) */
    assert_json(answers, "{'name':'Sam'}");
    assert_json(errors, "{'calm':'Choose a number from 0 to 10.','day':'Enter a real date, like "
                        "2026-03-14.','agree':'Tick the box to continue.'}");
    json_decref(answers);
    json_decref(errors);
    json_decref(def);
}

static void test_validate_null_input_is_empty(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *answers, *errors;
    assert_int_equal(form_validate(def, NULL, false, &answers, &errors), 3);
    assert_json(errors, "{'name':'Please answer this question.','calm':'Please answer this "
                        "question.','agree':'Tick the box to continue.'}");
    assert_json(answers, "{}");
    json_decref(answers);
    json_decref(errors);
    json_t *arr = J("[]"); /* not an object: also empty */
    assert_int_equal(form_validate(def, arr, true, &answers, &errors), 0);
    json_decref(answers);
    json_decref(errors);
    json_decref(arr);
    json_decref(def);
}

static void test_validate_misuse_returns_minus_one(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *answers = (json_t *)1, *errors = (json_t *)1;
    assert_int_equal(form_validate(NULL, NULL, false, &answers, &errors), -1);
    assert_null(answers);
    assert_null(errors);
    assert_int_equal(form_validate(def, NULL, false, NULL, &errors), -1);
    assert_null(errors);
    assert_int_equal(form_validate(def, NULL, false, &answers, NULL), -1);
    assert_null(answers);
    json_t *bad = J("{'fields':'none'}");
    assert_int_equal(form_validate(bad, NULL, false, &answers, &errors), -1);
    json_decref(bad);
    json_decref(def);
}

static void test_draft_skips_required_only(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *answers, *errors;
    assert_int_equal(validate(def, "{}", true, &answers, &errors), 0);
    json_decref(answers);
    json_decref(errors);
    assert_int_equal(validate(def, "{'times':['99'],'name':['Sam']}", true, &answers, &errors), 1);
    assert_json(errors, "{'times':'Enter a number from 1 to 20.'}");
    assert_json(answers, "{'name':'Sam'}");
    json_decref(answers);
    json_decref(errors);
    json_decref(def);
}

/* validate -> answers -> the view shows the same; and validating the
 * stored answers again gives them back unchanged. */
static void test_round_trip_every_type(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *answers, *errors;
    int n = validate(def,
                     "{'name':['Sam'],'story':['A long day.'],'calm':['7'],'role':['receiver'],"
                     "'tools[]':['water','breath'],'paused':['yes'],'why':['Tired.'],"
                     "'day':['2024-02-29'],'times':['03'],'hours':['1.5'],'agree':['on']}",
                     false, &answers, &errors);
    assert_int_equal(n, 0);
    assert_json(answers, "{'name':'Sam','story':'A long day.','calm':7,'role':'receiver',"
                         "'tools':['breath','water'],'paused':'yes','why':'Tired.',"
                         "'day':'2024-02-29','times':3,'hours':1.5,'agree':true}");

    json_t *view = form_view(def, answers, NULL);
    assert_string_equal(str(vfield(view, "name"), "value"), "Sam");
    assert_string_equal(str(vfield(view, "story"), "value"), "A long day.");
    const json_t *steps = json_object_get(vfield(view, "calm"), "steps");
    for (size_t i = 0; i < json_array_size(steps); i++)
        assert_int_equal(flag(json_array_get(steps, i), "checked"), i == 7);
    const json_t *opts = json_object_get(vfield(view, "role"), "options");
    assert_false(flag(json_array_get(opts, 0), "checked"));
    assert_true(flag(json_array_get(opts, 1), "checked"));
    opts = json_object_get(vfield(view, "tools"), "options");
    assert_true(flag(json_array_get(opts, 0), "checked"));
    assert_false(flag(json_array_get(opts, 1), "checked"));
    assert_true(flag(json_array_get(opts, 2), "checked"));
    opts = json_object_get(vfield(view, "paused"), "options");
    assert_true(flag(json_array_get(opts, 0), "checked"));
    assert_false(flag(json_array_get(opts, 1), "checked"));
    assert_false(flag(vfield(view, "why"), "hidden"));
    assert_string_equal(str(vfield(view, "why"), "value"), "Tired.");
    assert_string_equal(str(vfield(view, "day"), "value"), "2024-02-29");
    assert_string_equal(str(vfield(view, "times"), "value"), "3");
    assert_string_equal(str(vfield(view, "hours"), "value"), "1.5");
    assert_true(flag(vfield(view, "agree"), "checked"));
    json_decref(view);

    json_t *again, *errors2;
    assert_int_equal(form_validate(def, answers, false, &again, &errors2), 0);
    assert_true(json_equal(again, answers));
    json_decref(again);
    json_decref(errors2);
    json_decref(answers);
    json_decref(errors);
    json_decref(def);
}

static void test_view_of_rejected_input_shows_what_was_typed(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *input = J("{'times':['25'],'day':['2026-02-30'],'calm':['4']}");
    json_t *answers, *errors;
    assert_true(form_validate(def, input, false, &answers, &errors) > 0);
    json_t *view = form_view(def, input, errors);
    const json_t *f = vfield(view, "times");
    assert_string_equal(str(f, "value"), "25");
    assert_string_equal(str(f, "error"), "Enter a number from 1 to 20.");
    assert_string_equal(str(vfield(view, "day"), "value"), "2026-02-30");
    assert_true(flag(json_array_get(json_object_get(vfield(view, "calm"), "steps"), 4), "checked"));
    json_decref(view);
    json_decref(answers);
    json_decref(errors);
    json_decref(input);
    json_decref(def);
}

/* ---- show_if ---- */

static void test_show_if_hidden_field_is_skipped_and_dropped(void **state)
{
    (void)state;
    json_t *file = load("library/exercises/closeness-map.json");
    const json_t *def = form_of(file);
    json_t *answers, *errors;
    /* paused = no: pause_reason is hidden, its (even invalid) value dropped */
    static char big[21000];
    memset(big, 'a', 20500);
    json_t *in = json_pack("{s:[s], s:[s], s:[s]}", "ease_sharing", "5", "paused", "no",
                           "pause_reason", big);
    assert_int_equal(form_validate(def, in, false, &answers, &errors), 0);
    assert_null(json_object_get(answers, "pause_reason"));
    assert_string_equal(str(answers, "paused"), "no");
    json_t *view = form_view(def, answers, NULL);
    assert_true(flag(vfield(view, "pause_reason"), "hidden"));
    json_decref(view);
    json_decref(answers);
    json_decref(errors);
    json_decref(in);

    /* paused = yes: shown, validated and stored */
    assert_int_equal(validate(def,
                              "{'ease_sharing':['5'],'paused':['yes'],'pause_reason':['Too "
                              "much.']}",
                              false, &answers, &errors),
                     0);
    assert_string_equal(str(answers, "pause_reason"), "Too much.");
    view = form_view(def, answers, NULL);
    assert_false(flag(vfield(view, "pause_reason"), "hidden"));
    json_decref(view);
    json_decref(answers);
    json_decref(errors);
    json_decref(file);
}

static void test_show_if_hidden_required_field_is_not_required(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[" F_YN ",{'key':'r','type':'short_text','label':'R','required':"
                    "true,'show_if':{'field':'p','equals':'yes'}}]}");
    json_t *answers, *errors;
    assert_int_equal(validate(def, "{'p':['no']}", false, &answers, &errors), 0);
    json_decref(answers);
    json_decref(errors);
    assert_int_equal(validate(def, "{}", false, &answers, &errors), 0); /* absent: hidden */
    json_decref(answers);
    json_decref(errors);
    assert_int_equal(validate(def, "{'p':['yes']}", false, &answers, &errors), 1);
    assert_json(errors, "{'r':'Please answer this question.'}");
    json_decref(answers);
    json_decref(errors);
    json_decref(def);
}

static void test_show_if_invalid_reference_hides_dependants(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[" F_YN ",{'key':'r','type':'short_text','label':'R','required':"
                    "true,'show_if':{'field':'p','equals':'yes'}}]}");
    json_t *answers, *errors;
    assert_int_equal(validate(def, "{'p':['maybe'],'r':['x']}", false, &answers, &errors), 1);
    assert_json(errors, "{'p':'Choose yes or no.'}");
    assert_json(answers, "{}");
    json_decref(answers);
    json_decref(errors);
    json_decref(def);
}

static void test_show_if_chain(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[" F_YN ",{'key':'c','type':'single_choice','label':'C'," OPTS2
                    ",'show_if':{'field':'p','equals':'yes'}},{'key':'r','type':'short_text',"
                    "'label':'R','show_if':{'field':'c','equals':'b'}}]}");
    json_t *answers, *errors;
    assert_int_equal(validate(def, "{'p':['yes'],'c':['b'],'r':['x']}", false, &answers, &errors),
                     0);
    assert_json(answers, "{'p':'yes','c':'b','r':'x'}");
    json_decref(answers);
    json_decref(errors);
    /* p = no hides c, and so r, whatever c says */
    assert_int_equal(validate(def, "{'p':['no'],'c':['b'],'r':['x']}", false, &answers, &errors),
                     0);
    assert_json(answers, "{'p':'no'}");
    json_decref(answers);
    json_decref(errors);
    json_decref(def);
}

static void test_show_if_numbers_compare_numerically(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'n','type':'number','label':'N','step':'any'},{'key':'r',"
                    "'type':'short_text','label':'R','show_if':{'field':'n','equals':2}}," F_SCALE
                    ",{'key':'t','type':'short_text','label':'T','show_if':{'field':'s','equals':"
                    "0}}]}");
    json_t *answers, *errors;
    assert_int_equal(
        validate(def, "{'n':['2.0'],'r':['x'],'s':['0'],'t':['y']}", false, &answers, &errors), 0);
    assert_string_equal(str(answers, "r"), "x");
    assert_string_equal(str(answers, "t"), "y");
    json_decref(answers);
    json_decref(errors);
    assert_int_equal(validate(def, "{'n':['2.5'],'r':['x']}", false, &answers, &errors), 0);
    assert_null(json_object_get(answers, "r"));
    json_decref(answers);
    json_decref(errors);
    json_decref(def);
}

static void test_show_if_consent_false_means_unticked(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'ok','type':'consent','label':'OK'},{'key':'r','type':"
                    "'short_text','label':'R','show_if':{'field':'ok','equals':false}}]}");
    json_t *answers, *errors;
    assert_int_equal(validate(def, "{'r':['why not']}", false, &answers, &errors), 0);
    assert_json(answers, "{'r':'why not'}");
    json_decref(answers);
    json_decref(errors);
    assert_int_equal(validate(def, "{'ok':['on'],'r':['why not']}", false, &answers, &errors), 0);
    assert_json(answers, "{'ok':true}");
    json_decref(answers);
    json_decref(errors);
    json_t *view = form_view(def, NULL, NULL);
    assert_false(flag(vfield(view, "r"), "hidden"));
    assert_string_equal(str(vfield(view, "r"), "show_if_value"), "false");
    json_decref(view);
    json_decref(def);
}

/* ---- scoring ---- */

/* Answers items prefix_1..prefix_n with the given option values. */
static json_t *measure_input(const char *prefix, const int *v, int n)
{
    json_t *in = json_object();
    for (int i = 0; i < n; i++) {
        char key[32], val[8];
        snprintf(key, sizeof(key), "%s_%d", prefix, i + 1);
        snprintf(val, sizeof(val), "%d", v[i]);
        json_object_set_new(in, key, json_pack("[s]", val));
    }
    return in;
}

struct score_case {
    int v[20];
    long long total; /* computed by hand */
    const char *band;
};

static void run_scores(const char *file, const char *prefix, int items, long long max,
                       const struct score_case *cases, size_t n)
{
    json_t *def = load(file);
    for (size_t i = 0; i < n; i++) {
        json_t *in = measure_input(prefix, cases[i].v, items);
        json_t *answers, *errors;
        assert_int_equal(form_validate(def, in, false, &answers, &errors), 0);
        json_t *s = form_score(def, answers);
        assert_non_null(s);
        if (json_integer_value(json_object_get(s, "total")) != cases[i].total ||
            strcmp(str(s, "band") != NULL ? str(s, "band") : "", cases[i].band) != 0) {
            print_error("%s case %zu: got %lld \"%s\", want %lld \"%s\"\n", file, i,
                        (long long)json_integer_value(json_object_get(s, "total")),
                        str(s, "band") ? str(s, "band") : "(null)", cases[i].total, cases[i].band);
            fail();
        }
        assert_true(json_is_integer(json_object_get(s, "total")));
        assert_int_equal(json_integer_value(json_object_get(s, "max")), max);
        assert_true(flag(s, "complete"));
        assert_int_equal(json_integer_value(json_object_get(s, "answered")), items);
        json_decref(s);
        json_decref(answers);
        json_decref(errors);
        json_decref(in);
    }
    json_decref(def);
}

static void test_phq9_scores_and_bands(void **state)
{
    (void)state;
    static const struct score_case cases[] = {
        {{0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, "Minimal"},
        {{1, 1, 1, 1, 0, 0, 0, 0, 0}, 4, "Minimal"},
        {{0, 0, 0, 0, 1, 1, 1, 1, 1}, 5, "Mild"},
        {{3, 3, 3, 0, 0, 0, 0, 0, 0}, 9, "Mild"},
        {{2, 2, 2, 2, 2, 0, 0, 0, 0}, 10, "Moderate"},
        {{3, 3, 3, 3, 2, 0, 0, 0, 0}, 14, "Moderate"},
        {{3, 3, 3, 3, 3, 0, 0, 0, 0}, 15, "Moderately severe"},
        {{3, 3, 3, 3, 3, 3, 1, 0, 0}, 19, "Moderately severe"},
        {{2, 2, 2, 2, 2, 2, 2, 2, 0}, 16, "Moderately severe"},
        {{3, 3, 3, 3, 3, 3, 2, 0, 0}, 20, "Severe"},
        {{3, 3, 3, 3, 3, 3, 3, 3, 3}, 27, "Severe"},
    };
    run_scores("library/measures/phq-9.json", "phq9", 9, 27, cases, sizeof(cases) / sizeof(*cases));
}

static void test_gad7_scores_and_bands(void **state)
{
    (void)state;
    static const struct score_case cases[] = {
        {{0, 0, 0, 0, 0, 0, 0}, 0, "Minimal"},
        {{1, 1, 1, 1, 0, 0, 0}, 4, "Minimal"},
        {{1, 1, 1, 1, 1, 0, 0}, 5, "Mild"},
        {{3, 3, 3, 0, 0, 0, 0}, 9, "Mild"},
        {{2, 2, 2, 2, 2, 0, 0}, 10, "Moderate (10 or more: further assessment recommended)"},
        {{2, 2, 2, 2, 2, 2, 2}, 14, "Moderate (10 or more: further assessment recommended)"},
        {{3, 3, 3, 3, 3, 0, 0}, 15, "Severe"},
        {{3, 3, 3, 3, 3, 3, 3}, 21, "Severe"},
    };
    run_scores("library/measures/gad-7.json", "gad7", 7, 21, cases, sizeof(cases) / sizeof(*cases));
}

static void test_who5_multiplies_by_four(void **state)
{
    (void)state;
    static const struct score_case cases[] = {
        {{0, 0, 0, 0, 0},
         0,
         "\xE2\x89\xA4 28: likely depression \xE2\x80\x94 clinical assessment "
         "recommended"},
        {{2, 2, 1, 1, 1},
         28,
         "\xE2\x89\xA4 28: likely depression \xE2\x80\x94 clinical "
         "assessment recommended"},
        {{2, 2, 2, 1, 1},
         32,
         "\xE2\x89\xA4 50: possible low wellbeing \xE2\x80\x94 consider "
         "screening for depression"},
        {{3, 3, 2, 2, 2},
         48,
         "\xE2\x89\xA4 50: possible low wellbeing \xE2\x80\x94 consider "
         "screening for depression"},
        {{3, 3, 3, 2, 2}, 52, "Above 50: no indication of low wellbeing"},
        {{5, 5, 5, 5, 5}, 100, "Above 50: no indication of low wellbeing"},
    };
    run_scores("library/measures/who-5.json", "who5", 5, 100, cases,
               sizeof(cases) / sizeof(*cases));
}

static void test_pcl5_cutoff_bands(void **state)
{
    (void)state;
    static const struct score_case cases[] = {
        {{4, 4, 4, 4, 4, 4, 4, 2, 0},
         30,
         "Below the provisional cut-off (31\xE2\x80\x93"
         "33)"},
        {{4, 4, 4, 4, 4, 4, 4, 3, 0},
         31,
         "Within the provisional cut-off range (31\xE2\x80\x93"
         "33): probable PTSD possible \xE2\x80\x94 confirm with a "
         "clinical interview"},
        {{4, 4, 4, 4, 4, 4, 4, 4, 1},
         33,
         "Within the provisional cut-off range (31\xE2\x80\x93"
         "33): probable PTSD possible \xE2\x80\x94 confirm with a "
         "clinical interview"},
        {{4, 4, 4, 4, 4, 4, 4, 4, 2},
         34,
         "Above the provisional cut-off: suggests probable PTSD "
         "\xE2\x80\x94 confirm with a clinical interview"},
        {{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4},
         80,
         "Above the provisional cut-off: suggests probable PTSD \xE2\x80\x94 confirm with a "
         "clinical interview"},
    };
    run_scores("library/measures/pcl-5.json", "pcl5", 20, 80, cases,
               sizeof(cases) / sizeof(*cases));
}

static void test_phq9_difficulty_item_is_unscored(void **state)
{
    (void)state;
    json_t *def = load("library/measures/phq-9.json");
    static const int v[9] = {1, 1, 1, 1, 1, 1, 1, 1, 0};
    json_t *in = measure_input("phq9", v, 9);
    json_object_set_new(in, "phq9_difficulty", json_pack("[s]", "extremely"));
    json_t *answers, *errors;
    assert_int_equal(form_validate(def, in, false, &answers, &errors), 0);
    json_t *s = form_score(def, answers);
    assert_json(s, "{'total':8,'max':27,'band':'Mild','band_index':1,'complete':true,'answered':9,"
                   "'items':9,"
                   "'alerts':[]}");
    json_decref(s);
    json_decref(answers);
    json_decref(errors);
    json_decref(in);
    json_decref(def);
}

static void test_phq9_incomplete_has_no_band(void **state)
{
    (void)state;
    json_t *def = load("library/measures/phq-9.json");
    static const int v[8] = {3, 3, 3, 3, 3, 3, 3, 3};
    json_t *in = measure_input("phq9", v, 8);
    json_t *answers, *errors;
    assert_int_equal(form_validate(def, in, true, &answers, &errors), 0); /* a draft */
    json_t *s = form_score(def, answers);
    assert_int_equal(json_integer_value(json_object_get(s, "total")), 24);
    assert_false(flag(s, "complete"));
    assert_true(json_is_null(json_object_get(s, "band")));
    assert_int_equal(json_integer_value(json_object_get(s, "answered")), 8);
    json_decref(s);
    json_decref(answers);
    json_decref(errors);
    json_decref(in);
    json_decref(def);
}

static void test_phq9_item9_alert_whatever_the_total(void **state)
{
    (void)state;
    json_t *def = load("library/measures/phq-9.json");
    json_t *answers = J("{'phq9_9':'1'}");
    json_t *s = form_score(def, answers);
    assert_int_equal(json_integer_value(json_object_get(s, "total")), 1);
    assert_false(flag(s, "complete"));
    const json_t *alerts = json_object_get(s, "alerts");
    assert_int_equal(json_array_size(alerts), 1);
    assert_string_equal(str(json_array_get(alerts, 0), "item"), "phq9_9");
    json_decref(s);
    json_decref(answers);
    answers = J("{'phq9_9':'0','phq9_1':'3'}");
    s = form_score(def, answers);
    assert_int_equal(json_array_size(json_object_get(s, "alerts")), 0);
    json_decref(s);
    json_decref(answers);
    json_decref(def);
}

/* Alerts of every condition, scored form or not: values on a yes/no and a
 * multiple choice, min on a scale. */
static void test_alerts_of_each_condition(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'y','type':'yes_no','label':'Y'},"
                    "{'key':'m','type':'multiple_choice','label':'M','options':[{'value':'a',"
                    "'label':'A'},{'value':'b','label':'B'}]},{'key':'s','type':'scale',"
                    "'label':'S','min':0,'max':10,'min_label':'lo','max_label':'hi'}],"
                    "'alerts':[{'item':'y','values':['yes'],'message':'Y!','client_message':'y'},"
                    "{'item':'m','values':['b'],'message':'M!','client_message':'m'},"
                    "{'item':'s','min':8,'message':'S!','client_message':'s'}]}");
    char msg[256];
    assert_null(form_check(def, msg, sizeof(msg)));
    json_t *a = J("{'y':'yes','m':['a','b'],'s':8}");
    json_t *fired = form_alerts(def, a);
    assert_json(fired, "[{'item':'y','message':'Y!','client_message':'y'},"
                       "{'item':'m','message':'M!','client_message':'m'},"
                       "{'item':'s','message':'S!','client_message':'s'}]");
    json_decref(fired);
    json_decref(a);
    a = J("{'y':'no','m':['a'],'s':7}");
    fired = form_alerts(def, a);
    assert_int_equal(json_array_size(fired), 0);
    json_decref(fired);
    json_decref(a);
    /* No scoring: form_score has nothing to say, form_alerts still does. */
    a = J("{'s':10}");
    assert_null(form_score(def, a));
    fired = form_alerts(def, a);
    assert_int_equal(json_array_size(fired), 1);
    json_decref(fired);
    json_decref(a);
    json_decref(def);
}

/* Every alert the library ships has a client text, and the clinician's text
 * differs from it. */
static void test_library_alerts_have_client_text(void **state)
{
    (void)state;
    static const char *const files[] = {"library/measures/phq-9.json",
                                        "library/measures/pcl-5.json",
                                        "library/intake/intimacy-intake.json"};
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        json_t *def = load(files[f]);
        char msg[256];
        assert_null(form_check(def, msg, sizeof(msg)));
        const json_t *alerts = json_object_get(def, "alerts");
        assert_true(json_array_size(alerts) > 0);
        size_t i;
        const json_t *al;
        json_array_foreach(alerts, i, al)
        {
            const char *c = str(al, "client_message"), *m = str(al, "message");
            assert_non_null(c);
            assert_true(strlen(c) > 20);
            assert_string_not_equal(c, m);
        }
        json_decref(def);
    }
}

static void test_score_edge_cases(void **state)
{
    (void)state;
    json_t *def = load("library/measures/gad-7.json");
    json_t *s = form_score(def, NULL);
    assert_json(s,
                "{'total':0,'max':21,'band':null,'band_index':null,'complete':false,'answered':0,"
                "'items':7,"
                "'alerts':[]}");
    json_decref(s);
    /* stored values that are not options count as unanswered */
    json_t *answers = J("{'gad7_1':'7','gad7_2':2,'gad7_3':'2'}");
    s = form_score(def, answers);
    assert_int_equal(json_integer_value(json_object_get(s, "total")), 2);
    assert_int_equal(json_integer_value(json_object_get(s, "answered")), 1);
    json_decref(s);
    json_decref(answers);
    json_decref(def);

    json_t *file = load("library/exercises/closeness-map.json");
    assert_null(form_score(form_of(file), NULL)); /* no scoring */
    json_decref(file);
    assert_null(form_score(NULL, NULL));
}

static void test_score_fractional_weights(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'q','type':'single_choice','label':'Q','required':true,"
                    "'options':[{'value':'a','label':'A','weight':0},{'value':'b','label':'B',"
                    "'weight':1.5}]}],'scoring':{'method':'sum','items':['q'],'multiplier':1,"
                    "'bands':[{'min':0,'max':0,'label':'low'},{'min':1,'max':1.5,'label':'high'}"
                    "]}}");
    assert_null(form_check(def, NULL, 0));
    json_t *answers = J("{'q':'b'}");
    json_t *s = form_score(def, answers);
    assert_true(json_is_real(json_object_get(s, "total")));
    assert_true(json_real_value(json_object_get(s, "total")) == 1.5);
    assert_string_equal(str(s, "band"), "high");
    json_decref(s);
    json_decref(answers);
    json_decref(def);
}

/* once_a_week (docs/CONTENT.md, "Weekly questions"): checked as a boolean,
 * not on a section, and a follow-up of a weekly field must be weekly too;
 * form_without_weekly drops exactly the weekly fields; therapist_label is a
 * string that the view passes on. */
static void test_once_a_week_and_therapist_label(void **state)
{
    (void)state;
    char msg[256];
    json_t *def =
        J("{'fields': ["
          "{'key': 'felt', 'type': 'scale', 'label': 'Now', 'min': 0, 'max': 10,"
          " 'min_label': 'Calm', 'max_label': 'Very tense',"
          " 'therapist_label': 'SUDS (0-10)'},"
          "{'key': 'days', 'type': 'number', 'label': 'Days', 'once_a_week': true},"
          "{'key': 'any', 'type': 'yes_no', 'label': 'Any?', 'once_a_week': true},"
          "{'key': 'which', 'type': 'short_text', 'label': 'Which?', 'once_a_week': true,"
          " 'show_if': {'field': 'any', 'equals': 'yes'}},"
          "{'key': 'note', 'type': 'long_text', 'label': 'Note', 'once_a_week': false}]}");
    assert_null(form_check(def, msg, sizeof(msg)));
    json_t *daily = form_without_weekly(def);
    assert_non_null(daily);
    const json_t *kept = json_object_get(daily, "fields");
    assert_int_equal(json_array_size(kept), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(kept, 0), "key")), "felt");
    assert_string_equal(json_string_value(json_object_get(json_array_get(kept, 1), "key")), "note");
    assert_null(form_check(daily, msg, sizeof(msg)));
    /* The original is unchanged. */
    assert_int_equal(json_array_size(json_object_get(def, "fields")), 5);
    json_t *view = form_view(def, NULL, NULL);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(view, 0), "therapist_label")),
        "SUDS (0-10)");
    assert_true(json_is_null(json_object_get(json_array_get(view, 4), "therapist_label")));
    assert_true(json_is_true(json_object_get(json_array_get(view, 1), "once_a_week")));
    assert_true(json_is_false(json_object_get(json_array_get(view, 4), "once_a_week")));
    json_decref(view);
    json_decref(daily);
    json_decref(def);
    assert_null(form_without_weekly(NULL));

    static const char *const bad[][2] = {
        {"{'fields': [{'key': 'a', 'type': 'yes_no', 'label': 'A', 'once_a_week': 'yes'}]}",
         "once_a_week must be true or false"},
        {"{'fields': [{'key': 's', 'type': 'section', 'label': 'S', 'once_a_week': true}]}",
         "a section cannot be once_a_week"},
        {"{'fields': [{'key': 'a', 'type': 'yes_no', 'label': 'A', 'once_a_week': true},"
         "{'key': 'b', 'type': 'short_text', 'label': 'B',"
         " 'show_if': {'field': 'a', 'equals': 'yes'}}]}",
         "must be once_a_week too"},
        {"{'fields': [{'key': 'a', 'type': 'yes_no', 'label': 'A', 'therapist_label': ''}]}",
         "therapist_label must be a non-empty string"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *d = J(bad[i][0]);
        const char *p = form_check(d, msg, sizeof(msg));
        if (p == NULL || strstr(p, bad[i][1]) == NULL)
            fail_msg("case %zu: expected \"%s\", got \"%s\"", i, bad[i][1], p ? p : "(valid)");
        json_decref(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_accepts_every_library_file),
        cmocka_unit_test(test_check_rejects_broken_definitions),
        cmocka_unit_test(test_check_accepts_minimal_variants),
        cmocka_unit_test(test_check_message_names_the_field),
        cmocka_unit_test(test_check_without_buffer_gives_static_sentence),
        cmocka_unit_test(test_check_caps),
        cmocka_unit_test(test_view_every_field_has_the_common_members),
        cmocka_unit_test(test_view_section),
        cmocka_unit_test(test_view_short_text),
        cmocka_unit_test(test_view_long_text),
        cmocka_unit_test(test_view_scale),
        cmocka_unit_test(test_view_single_choice),
        cmocka_unit_test(test_view_multiple_choice_named_with_brackets),
        cmocka_unit_test(test_view_yes_no),
        cmocka_unit_test(test_view_date),
        cmocka_unit_test(test_view_number),
        cmocka_unit_test(test_view_consent),
        cmocka_unit_test(test_view_error_and_describedby),
        cmocka_unit_test(test_view_show_if_members),
        cmocka_unit_test(test_view_without_definition_is_empty),
        cmocka_unit_test(test_validate_short_text),
        cmocka_unit_test(test_validate_long_text_counts_code_points),
        cmocka_unit_test(test_validate_text_with_nul_is_refused),
        cmocka_unit_test(test_validate_scale_accepts_only_canonical_integers),
        cmocka_unit_test(test_validate_single_choice),
        cmocka_unit_test(test_validate_multiple_choice),
        cmocka_unit_test(test_validate_multiple_choice_reads_bracket_name),
        cmocka_unit_test(test_validate_yes_no),
        cmocka_unit_test(test_validate_date_with_leap_years),
        cmocka_unit_test(test_validate_whole_number),
        cmocka_unit_test(test_validate_decimal_number),
        cmocka_unit_test(test_validate_consent),
        cmocka_unit_test(test_validate_section_takes_no_answer),
        cmocka_unit_test(test_validate_ignores_unknown_keys),
        cmocka_unit_test(test_validate_keeps_valid_answers_when_some_fail),
        cmocka_unit_test(test_validate_null_input_is_empty),
        cmocka_unit_test(test_validate_misuse_returns_minus_one),
        cmocka_unit_test(test_draft_skips_required_only),
        cmocka_unit_test(test_round_trip_every_type),
        cmocka_unit_test(test_view_of_rejected_input_shows_what_was_typed),
        cmocka_unit_test(test_show_if_hidden_field_is_skipped_and_dropped),
        cmocka_unit_test(test_show_if_hidden_required_field_is_not_required),
        cmocka_unit_test(test_show_if_invalid_reference_hides_dependants),
        cmocka_unit_test(test_show_if_chain),
        cmocka_unit_test(test_show_if_numbers_compare_numerically),
        cmocka_unit_test(test_show_if_consent_false_means_unticked),
        cmocka_unit_test(test_phq9_scores_and_bands),
        cmocka_unit_test(test_gad7_scores_and_bands),
        cmocka_unit_test(test_who5_multiplies_by_four),
        cmocka_unit_test(test_pcl5_cutoff_bands),
        cmocka_unit_test(test_phq9_difficulty_item_is_unscored),
        cmocka_unit_test(test_phq9_incomplete_has_no_band),
        cmocka_unit_test(test_phq9_item9_alert_whatever_the_total),
        cmocka_unit_test(test_alerts_of_each_condition),
        cmocka_unit_test(test_library_alerts_have_client_text),
        cmocka_unit_test(test_score_edge_cases),
        cmocka_unit_test(test_score_fractional_weights),
        cmocka_unit_test(test_once_a_week_and_therapist_label),
    };
    return cmocka_run_group_tests_name("form", tests, NULL, NULL);
}
