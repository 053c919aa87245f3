/* test_form_fhir.c: unit tests for the FHIR R4 export of the forms engine
 * (forms/form_fhir.c).
 *
 * Every library form is exported as a Questionnaire and, with a complete
 * set of answers, a QuestionnaireResponse; both are written to
 * $TEST_OUTPUT/fhir/ (default test-output/fhir/, under the repo root) and
 * run through fhir_check_questionnaire / fhir_check_response below.
 *
 * Those checks are STRUCTURAL rules written by hand from the FHIR R4
 * specification (http://hl7.org/fhir/R4/questionnaire.html and
 * questionnaireresponse.html: element names and cardinalities, the
 * invariants que-1, -2, -5, -6, -7, -10, -12 and qrs-1, the value sets of
 * status, item type, enableWhen operator and enableBehavior, value[x]
 * typing, FHIR JSON's "no nulls, no empty strings/arrays/objects"). They
 * are not the official FHIR JSON schema or validator (none is packaged in
 * Debian), so they can miss what a full validator would report (terminology
 * bindings, profiles, FHIRPath invariants not listed here). The checker is
 * itself tested against broken resources at the end of this file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forms/form.h"

/* ---- helpers (the same as test_form.c) ---- */

/* Parses JSON written with ' for ". */
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

static const json_t *form_of(const json_t *file)
{
    const json_t *r = json_object_get(file, "reflection");
    return r != NULL ? r : file;
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

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

/* The item with this linkId anywhere in items (depth first), or NULL. */
static const json_t *find_item(const json_t *items, const char *link)
{
    size_t i;
    const json_t *it;

    json_array_foreach(items, i, it)
    {
        if (strcmp(str(it, "linkId"), link) == 0)
            return it;
        const json_t *sub = find_item(json_object_get(it, "item"), link);
        if (sub != NULL)
            return sub;
    }
    return NULL;
}

/* The extension with this URL on obj, or NULL. */
static const json_t *find_ext(const json_t *obj, const char *url)
{
    size_t i;
    const json_t *e;

    json_array_foreach(json_object_get(obj, "extension"), i, e)
    {
        if (strcmp(str(e, "url"), url) == 0)
            return e;
    }
    return NULL;
}

#define EXT "http://hl7.org/fhir/StructureDefinition/"

/* =================================================================== */
/* The structural checker, from the FHIR R4 specification.             */
/* =================================================================== */

static void problem(json_t *probs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(json_t *probs, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_array_append_new(probs, json_string(buf));
}

static bool in_list(const char *s, const char *const *list)
{
    for (; s != NULL && *list != NULL; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

/* FHIR JSON: no null, no "", no [] and no {} anywhere (json.html). */
static void no_empty(const json_t *v, const char *where, json_t *probs)
{
    size_t i;
    const char *k;
    const json_t *x;

    if (json_is_null(v))
        problem(probs, "%s: null", where);
    else if (json_is_string(v) && json_string_length(v) == 0)
        problem(probs, "%s: empty string", where);
    else if (json_is_array(v) && json_array_size(v) == 0)
        problem(probs, "%s: empty array", where);
    else if (json_is_object(v) && json_object_size(v) == 0)
        problem(probs, "%s: empty object", where);
    if (json_is_array(v))
        json_array_foreach(v, i, x)
        {
            no_empty(x, where, probs);
        }
    if (json_is_object(v))
        json_object_foreach((json_t *)v, k, x)
        {
            char sub[256];
            snprintf(sub, sizeof(sub), "%.200s.%.40s", where, k);
            no_empty(x, sub, probs);
        }
}

static void unknown_members(const json_t *obj, const char *const *allowed, const char *where,
                            json_t *probs)
{
    const char *k;
    const json_t *x;

    json_object_foreach((json_t *)obj, k, x)
    {
        if (!in_list(k, allowed))
            problem(probs, "%s: unknown element \"%s\"", where, k);
    }
}

/* The one member whose name starts with prefix ("value", "answer"), or
 * NULL (with a problem) when there is not exactly one. */
static const char *choice_member(const json_t *obj, const char *prefix, const char *where,
                                 json_t *probs)
{
    const char *k, *found = NULL;
    const json_t *x;
    int n = 0;

    json_object_foreach((json_t *)obj, k, x)
    {
        if (strncmp(k, prefix, strlen(prefix)) == 0 && strlen(k) > strlen(prefix)) {
            found = k;
            n++;
        }
    }
    if (n != 1) {
        problem(probs, "%s: needs exactly one %s[x], has %d", where, prefix, n);
        return NULL;
    }
    return found;
}

static bool is_fhir_date(const char *s)
{
    /* YYYY, YYYY-MM or YYYY-MM-DD (a real day) */
    static const int dim[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t n = s != NULL ? strlen(s) : 0;
    if (n != 4 && n != 7 && n != 10)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return false;
    if (n >= 7) {
        int m = atoi(s + 5);
        if (m < 1 || m > 12)
            return false;
        if (n == 10) {
            int y = atoi(s), d = atoi(s + 8);
            bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            if (d < 1 || d > dim[m - 1] || (m == 2 && d == 29 && !leap))
                return false;
        }
    }
    return true;
}

static bool is_fhir_datetime(const char *s)
{
    /* a date, or a full date + Thh:mm:ss(.f)? + Z|(+|-)hh:mm */
    if (s == NULL)
        return false;
    if (strlen(s) <= 10)
        return is_fhir_date(s);
    char day[11];
    memcpy(day, s, 10);
    day[10] = '\0';
    if (!is_fhir_date(day) || strlen(day) != 10)
        return false;
    const char *t = s + 10;
    int hh, mm, ss, used = 0;
    if (sscanf(t, "T%2d:%2d:%2d%n", &hh, &mm, &ss, &used) != 3 || used != 9 || hh > 23 || mm > 59 ||
        ss > 60)
        return false;
    t += used;
    if (*t == '.') {
        t++;
        if (*t < '0' || *t > '9')
            return false;
        while (*t >= '0' && *t <= '9')
            t++;
    }
    if (strcmp(t, "Z") == 0)
        return true;
    return (t[0] == '+' || t[0] == '-') && strlen(t) == 6 && t[3] == ':' && t[1] >= '0' &&
           t[1] <= '9' && t[2] >= '0' && t[2] <= '9' && t[4] >= '0' && t[4] <= '9' && t[5] >= '0' &&
           t[5] <= '9';
}

static const char *const ITEM_TYPES[] = {
    "group",       "display",    "boolean",   "decimal",  "integer", "date",
    "dateTime",    "time",       "string",    "text",     "url",     "choice",
    "open-choice", "attachment", "reference", "quantity", NULL};
static const char *const ITEM_CONTROL_CODES[] = {
    "group",        "list",     "table",        "header",    "footer",    "display",
    "inline",       "prompt",   "unit",         "lower",     "upper",     "flyover",
    "help",         "question", "autocomplete", "drop-down", "check-box", "lookup",
    "radio-button", "slider",   "spinner",      "text-box",  NULL};

/* What a Questionnaire item's answers look like: the value[x] for its type. */
static const char *value_key_for(const char *type)
{
    static const char *const MAP[][2] = {
        {"boolean", "Boolean"},     {"decimal", "Decimal"},    {"integer", "Integer"},
        {"date", "Date"},           {"dateTime", "DateTime"},  {"time", "Time"},
        {"string", "String"},       {"text", "String"},        {"url", "Uri"},
        {"choice", "Coding"},       {"open-choice", "Coding"}, {"attachment", "Attachment"},
        {"reference", "Reference"}, {"quantity", "Quantity"}};
    for (size_t i = 0; i < sizeof(MAP) / sizeof(*MAP); i++)
        if (type != NULL && strcmp(type, MAP[i][0]) == 0)
            return MAP[i][1];
    return NULL;
}

/* Checks a JSON value against a FHIR primitive named by suffix. */
static bool value_ok(const char *suffix, const json_t *v)
{
    if (strcmp(suffix, "Boolean") == 0)
        return json_is_boolean(v);
    if (strcmp(suffix, "Integer") == 0)
        return json_is_integer(v) && json_integer_value(v) >= INT32_MIN &&
               json_integer_value(v) <= INT32_MAX;
    if (strcmp(suffix, "Decimal") == 0)
        return json_is_number(v);
    if (strcmp(suffix, "Date") == 0)
        return is_fhir_date(json_string_value(v));
    if (strcmp(suffix, "DateTime") == 0)
        return is_fhir_datetime(json_string_value(v));
    if (strcmp(suffix, "String") == 0)
        return json_is_string(v) && json_string_length(v) > 0;
    if (strcmp(suffix, "Coding") == 0)
        return json_is_object(v) && (json_is_string(json_object_get(v, "code")) ||
                                     json_is_string(json_object_get(v, "display")));
    return json_is_object(v) || json_is_string(v);
}

static void check_extensions(const json_t *obj, const char *type, const char *where, json_t *probs)
{
    static const char *const EXT_MEMBERS[] = {"url", "id", "extension", NULL};
    size_t i;
    const json_t *e;
    const json_t *exts = json_object_get(obj, "extension");

    if (exts == NULL)
        return;
    if (!json_is_array(exts)) {
        problem(probs, "%s: extension must be an array", where);
        return;
    }
    json_array_foreach(exts, i, e)
    {
        const char *url = str(e, "url");
        if (url == NULL || strncmp(url, "http", 4) != 0) {
            problem(probs, "%s: extension #%zu needs an absolute url", where, i + 1);
            continue;
        }
        const char *vk = choice_member(e, "value", where, probs);
        const char *k;
        const json_t *x;
        json_object_foreach((json_t *)e, k, x)
        {
            if (!in_list(k, EXT_MEMBERS) && (vk == NULL || strcmp(k, vk) != 0))
                problem(probs, "%s: extension %s has \"%s\"", where, url, k);
        }
        if (vk == NULL)
            continue;
        const json_t *v = json_object_get(e, vk);
        if (!value_ok(vk + 5, v))
            problem(probs, "%s: extension %s: %s is not a valid %s", where, url, vk, vk + 5);
        if (strcmp(url, EXT "minValue") == 0 || strcmp(url, EXT "maxValue") == 0) {
            const char *want = value_key_for(type);
            if (want == NULL || strcmp(vk + 5, want) != 0)
                problem(probs, "%s: %s is %s on a %s item", where, url, vk, type ? type : "?");
        } else if (strcmp(url, EXT "questionnaire-itemControl") == 0) {
            const json_t *c = json_array_get(json_object_get(v, "coding"), 0);
            if (strcmp(vk, "valueCodeableConcept") != 0 || c == NULL ||
                strcmp(str(c, "system") ? str(c, "system") : "",
                       "http://hl7.org/fhir/questionnaire-item-control") != 0 ||
                !in_list(str(c, "code"), ITEM_CONTROL_CODES))
                problem(probs, "%s: bad itemControl", where);
        } else if (strcmp(url, EXT "questionnaire-sliderStepValue") == 0) {
            if (strcmp(vk, "valueInteger") != 0 || json_integer_value(v) < 1 || type == NULL ||
                (strcmp(type, "integer") != 0 && strcmp(type, "decimal") != 0))
                problem(probs, "%s: bad sliderStepValue", where);
        } else if (strcmp(url, EXT "ordinalValue") == 0 || strcmp(url, EXT "itemWeight") == 0) {
            if (strcmp(vk, "valueDecimal") != 0)
                problem(probs, "%s: %s must be valueDecimal", where, url);
        }
    }
}

struct qindex {
    json_t *by_link; /* linkId -> document position */
    const json_t *items[1000];
    size_t n;
};

static const json_t *q_item(const struct qindex *x, const char *link)
{
    const json_t *pos = json_object_get(x->by_link, link);
    return pos != NULL ? x->items[json_integer_value(pos)] : NULL;
}

static bool is_question(const json_t *it)
{
    const char *t = str(it, "type");
    return t != NULL && strcmp(t, "group") != 0 && strcmp(t, "display") != 0;
}

static bool option_code(const json_t *qit, const char *code)
{
    size_t i;
    const json_t *o;

    json_array_foreach(json_object_get(qit, "answerOption"), i, o)
    {
        const char *c = str(json_object_get(o, "valueCoding"), "code");
        if (c != NULL && code != NULL && strcmp(c, code) == 0)
            return true;
    }
    return false;
}

static void check_enable_when(const json_t *it, const struct qindex *x, size_t self,
                              const char *where, json_t *probs)
{
    static const char *const OPS[] = {"exists", "=", "!=", ">", "<", ">=", "<=", NULL};
    static const char *const EW_MEMBERS[] = {"question", "operator", "id", "extension", NULL};
    const json_t *ew = json_object_get(it, "enableWhen");
    const char *behavior = str(it, "enableBehavior");
    size_t i;
    const json_t *c;

    if (ew == NULL) {
        if (json_object_get(it, "enableBehavior") != NULL)
            problem(probs, "%s: enableBehavior without enableWhen", where);
        return;
    }
    if (!json_is_array(ew) || json_array_size(ew) == 0) {
        problem(probs, "%s: enableWhen must be a non-empty array", where);
        return;
    }
    if (json_array_size(ew) > 1 && behavior == NULL) /* que-12 */
        problem(probs, "%s: more than one enableWhen needs enableBehavior", where);
    if (json_object_get(it, "enableBehavior") != NULL &&
        !in_list(behavior, (const char *const[]){"all", "any", NULL}))
        problem(probs, "%s: enableBehavior must be all or any", where);
    json_array_foreach(ew, i, c)
    {
        const char *q = str(c, "question");
        const char *op = str(c, "operator");
        const json_t *pos = q != NULL ? json_object_get(x->by_link, q) : NULL;
        if (pos == NULL || (size_t)json_integer_value(pos) >= self) {
            problem(probs, "%s: enableWhen.question \"%s\" is not an earlier linkId", where,
                    q ? q : "?");
            continue;
        }
        const json_t *ref = x->items[json_integer_value(pos)];
        if (!is_question(ref))
            problem(probs, "%s: enableWhen.question \"%s\" is not a question", where, q);
        if (!in_list(op, OPS))
            problem(probs, "%s: enableWhen.operator \"%s\" is not a known code", where,
                    op ? op : "?");
        const char *ak = choice_member(c, "answer", where, probs);
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)c, k, v)
        {
            if (!in_list(k, EW_MEMBERS) && (ak == NULL || strcmp(k, ak) != 0))
                problem(probs, "%s: enableWhen has \"%s\"", where, k);
        }
        if (ak == NULL || op == NULL)
            continue;
        const char *want = strcmp(op, "exists") == 0 ? "Boolean" : value_key_for(str(ref, "type"));
        if (want == NULL || strcmp(ak + 6, want) != 0) /* que-7 */
            problem(probs, "%s: enableWhen %s does not fit the %s item \"%s\"", where, ak,
                    str(ref, "type"), q);
        else if (!value_ok(ak + 6, json_object_get(c, ak)))
            problem(probs, "%s: enableWhen %s is not a valid %s", where, ak, ak + 6);
        else if (strcmp(ak, "answerCoding") == 0 &&
                 !option_code(ref, str(json_object_get(c, ak), "code")))
            problem(probs, "%s: enableWhen answerCoding is not an option of \"%s\"", where, q);
    }
}

static void check_q_items(const json_t *items, struct qindex *x, const char *where, json_t *probs)
{
    static const char *const ITEM_MEMBERS[] = {"id",
                                               "extension",
                                               "modifierExtension",
                                               "linkId",
                                               "definition",
                                               "code",
                                               "prefix",
                                               "text",
                                               "type",
                                               "enableWhen",
                                               "enableBehavior",
                                               "required",
                                               "repeats",
                                               "readOnly",
                                               "maxLength",
                                               "answerValueSet",
                                               "answerOption",
                                               "initial",
                                               "item",
                                               NULL};
    static const char *const OPTION_MEMBERS[] = {
        "id",        "extension", "modifierExtension", "initialSelected", "valueInteger",
        "valueDate", "valueTime", "valueString",       "valueCoding",     "valueReference",
        NULL};
    static const char *const MAXLEN_TYPES[] = {"boolean", "decimal", "integer",     "string",
                                               "text",    "url",     "open-choice", NULL};
    size_t i;
    const json_t *it;

    if (!json_is_array(items)) {
        problem(probs, "%s: item must be an array", where);
        return;
    }
    json_array_foreach(items, i, it)
    {
        const char *link = str(it, "linkId");
        const char *type = str(it, "type");
        char at[160];
        snprintf(at, sizeof(at), "%s item %.80s", where, link ? link : "(no linkId)");
        if (!json_is_object(it)) {
            problem(probs, "%s: not an object", at);
            continue;
        }
        unknown_members(it, ITEM_MEMBERS, at, probs);
        if (link == NULL || *link == '\0') {
            problem(probs, "%s: linkId is required", at);
            continue;
        }
        if (json_object_get(x->by_link, link) != NULL) /* que-2 */
            problem(probs, "%s: duplicate linkId", at);
        size_t self = x->n;
        if (x->n < sizeof(x->items) / sizeof(*x->items)) {
            json_object_set_new(x->by_link, link, json_integer((json_int_t)x->n));
            x->items[x->n++] = it;
        }
        if (!in_list(type, ITEM_TYPES)) {
            problem(probs, "%s: type \"%s\" is not an item type", at, type ? type : "?");
            continue;
        }
        if (json_object_get(it, "text") != NULL && !json_is_string(json_object_get(it, "text")))
            problem(probs, "%s: text must be a string", at);
        static const char *const BOOLS[] = {"required", "repeats", "readOnly", NULL};
        for (const char *const *b = BOOLS; *b != NULL; b++)
            if (json_object_get(it, *b) != NULL && !json_is_boolean(json_object_get(it, *b)))
                problem(probs, "%s: %s must be a boolean", at, *b);
        const json_t *children = json_object_get(it, "item");
        if (strcmp(type, "group") == 0 && json_array_size(children) == 0) /* que-1 */
            problem(probs, "%s: a group needs nested items", at);
        if (strcmp(type, "display") == 0) {
            if (children != NULL) /* que-1 */
                problem(probs, "%s: a display item cannot have nested items", at);
            if (json_object_get(it, "required") != NULL || json_object_get(it, "repeats") != NULL)
                problem(probs, "%s: required/repeats on a display item", at); /* que-6 */
        }
        const json_t *opts = json_object_get(it, "answerOption");
        bool choice = strcmp(type, "choice") == 0 || strcmp(type, "open-choice") == 0;
        if (opts != NULL && !choice) /* que-5 */
            problem(probs, "%s: answerOption on a %s item", at, type);
        if (strcmp(type, "choice") == 0 && opts == NULL &&
            json_object_get(it, "answerValueSet") == NULL)
            problem(probs, "%s: a choice item without answerOption or answerValueSet", at);
        size_t k;
        const json_t *o;
        json_array_foreach(opts, k, o)
        {
            char oat[200];
            snprintf(oat, sizeof(oat), "%s answerOption #%zu", at, k + 1);
            unknown_members(o, OPTION_MEMBERS, oat, probs);
            const char *vk = choice_member(o, "value", oat, probs);
            if (vk != NULL && !value_ok(vk + 5, json_object_get(o, vk)))
                problem(probs, "%s: %s is not valid", oat, vk);
            if (vk != NULL && strcmp(vk, "valueCoding") == 0 &&
                !json_is_string(json_object_get(json_object_get(o, vk), "code")))
                problem(probs, "%s: valueCoding needs a code", oat);
            check_extensions(o, type, oat, probs);
        }
        const json_t *ml = json_object_get(it, "maxLength");
        if (ml != NULL && (!in_list(type, MAXLEN_TYPES) || !json_is_integer(ml) ||
                           json_integer_value(ml) < 1)) /* que-10 */
            problem(probs, "%s: maxLength not allowed or not a positive integer", at);
        check_extensions(it, type, at, probs);
        check_enable_when(it, x, self, at, probs);
        if (children != NULL)
            check_q_items(children, x, at, probs);
    }
}

/* Checks q; fills x (the caller frees x->by_link) for fhir_check_response. */
static void fhir_check_questionnaire(const json_t *q, struct qindex *x, json_t *probs)
{
    static const char *const MEMBERS[] = {"resourceType",
                                          "id",
                                          "meta",
                                          "implicitRules",
                                          "language",
                                          "text",
                                          "contained",
                                          "extension",
                                          "modifierExtension",
                                          "url",
                                          "identifier",
                                          "version",
                                          "name",
                                          "title",
                                          "derivedFrom",
                                          "status",
                                          "experimental",
                                          "subjectType",
                                          "date",
                                          "publisher",
                                          "contact",
                                          "description",
                                          "useContext",
                                          "jurisdiction",
                                          "purpose",
                                          "copyright",
                                          "approvalDate",
                                          "lastReviewDate",
                                          "effectivePeriod",
                                          "code",
                                          "item",
                                          NULL};
    static const char *const STATUS[] = {"draft", "active", "retired", "unknown", NULL};

    x->by_link = json_object();
    x->n = 0;
    if (!json_is_object(q)) {
        problem(probs, "Questionnaire: not an object");
        return;
    }
    no_empty(q, "Questionnaire", probs);
    unknown_members(q, MEMBERS, "Questionnaire", probs);
    if (strcmp(str(q, "resourceType") ? str(q, "resourceType") : "", "Questionnaire") != 0)
        problem(probs, "Questionnaire: resourceType");
    if (!in_list(str(q, "status"), STATUS)) /* 1..1, PublicationStatus */
        problem(probs, "Questionnaire: status missing or not a PublicationStatus code");
    const char *id = str(q, "id");
    if (json_object_get(q, "id") != NULL) {
        size_t n = id ? strlen(id) : 0;
        bool ok = n >= 1 && n <= 64;
        for (size_t i = 0; ok && i < n; i++)
            ok = (id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= 'a' && id[i] <= 'z') ||
                 (id[i] >= '0' && id[i] <= '9') || id[i] == '-' || id[i] == '.';
        if (!ok)
            problem(probs, "Questionnaire: id is not a FHIR id");
    }
    if (json_object_get(q, "item") != NULL)
        check_q_items(json_object_get(q, "item"), x, "Questionnaire", probs);
}

/* ---- QuestionnaireResponse ---- */

/* linkId -> array of answer objects, over the whole response. */
static void collect_answers(const json_t *items, json_t *out)
{
    size_t i;
    const json_t *it;

    json_array_foreach(items, i, it)
    {
        const json_t *ans = json_object_get(it, "answer");
        if (str(it, "linkId") != NULL && ans != NULL)
            json_object_set(out, str(it, "linkId"), (json_t *)ans);
        collect_answers(json_object_get(it, "item"), out);
        size_t k;
        const json_t *a;
        json_array_foreach(ans, k, a)
        {
            collect_answers(json_object_get(a, "item"), out);
        }
    }
}

static bool answer_equals(const json_t *answer, const char *ak, const json_t *want)
{
    const char *vk = NULL;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)answer, k, v)
    {
        if (strncmp(k, "value", 5) == 0)
            vk = k;
    }
    if (vk == NULL || strcmp(vk + 5, ak + 6) != 0)
        return false;
    v = json_object_get(answer, vk);
    if (strcmp(vk, "valueCoding") == 0)
        return str(v, "code") != NULL && str(want, "code") != NULL &&
               strcmp(str(v, "code"), str(want, "code")) == 0;
    if (json_is_number(v) && json_is_number(want))
        return json_number_value(v) == json_number_value(want);
    return json_equal((json_t *)v, (json_t *)want);
}

/* Evaluates an item's enableWhen against the response (R4 semantics). */
static bool enabled(const json_t *qit, const json_t *answers)
{
    const json_t *ew = json_object_get(qit, "enableWhen");
    bool any = strcmp(str(qit, "enableBehavior") ? str(qit, "enableBehavior") : "all", "any") == 0;
    size_t i;
    const json_t *c;

    if (ew == NULL)
        return true;
    bool result = !any;
    json_array_foreach(ew, i, c)
    {
        const json_t *given = json_object_get(answers, str(c, "question"));
        const char *op = str(c, "operator");
        const char *ak = NULL;
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)c, k, v)
        {
            if (strncmp(k, "answer", 6) == 0)
                ak = k;
        }
        bool hit = false;
        if (strcmp(op, "exists") == 0) {
            hit = (json_array_size(given) > 0) == json_is_true(json_object_get(c, ak));
        } else {
            size_t n = 0;
            const json_t *a;
            json_array_foreach(given, n, a)
            {
                if (answer_equals(a, ak, json_object_get(c, ak)))
                    hit = true;
            }
            if (strcmp(op, "!=") == 0)
                hit = !hit; /* "no answer is equal" */
            else if (strcmp(op, "=") != 0)
                hit = false; /* ordering operators: not used by the engine */
        }
        result = any ? (result || hit) : (result && hit);
    }
    return result;
}

static void fhir_check_response(const json_t *qr, const json_t *q, const struct qindex *x,
                                json_t *probs)
{
    static const char *const MEMBERS[] = {"resourceType",  "id",        "meta",
                                          "implicitRules", "language",  "text",
                                          "contained",     "extension", "modifierExtension",
                                          "identifier",    "basedOn",   "partOf",
                                          "questionnaire", "status",    "subject",
                                          "encounter",     "authored",  "author",
                                          "source",        "item",      NULL};
    static const char *const ITEM_MEMBERS[] = {"id",     "extension",  "modifierExtension",
                                               "linkId", "definition", "text",
                                               "answer", "item",       NULL};
    static const char *const STATUS[] = {"in-progress",      "completed", "amended",
                                         "entered-in-error", "stopped",   NULL};
    size_t i;
    const json_t *it;

    if (!json_is_object(qr)) {
        problem(probs, "QuestionnaireResponse: not an object");
        return;
    }
    no_empty(qr, "QuestionnaireResponse", probs);
    unknown_members(qr, MEMBERS, "QuestionnaireResponse", probs);
    if (strcmp(str(qr, "resourceType") ? str(qr, "resourceType") : "", "QuestionnaireResponse") !=
        0)
        problem(probs, "QuestionnaireResponse: resourceType");
    if (!in_list(str(qr, "status"), STATUS))
        problem(probs, "QuestionnaireResponse: status missing or not a known code");
    if (json_object_get(qr, "questionnaire") != NULL &&
        !json_is_string(json_object_get(qr, "questionnaire")))
        problem(probs, "QuestionnaireResponse: questionnaire must be a canonical string");
    if (json_object_get(qr, "authored") != NULL && !is_fhir_datetime(str(qr, "authored")))
        problem(probs, "QuestionnaireResponse: authored is not a dateTime");

    json_t *answers = json_object();
    collect_answers(json_object_get(qr, "item"), answers);
    long long last = -1;
    /* Items in document order: a group's nested items follow it (groups
     * are not answered; their items are checked as questions). */
    json_t *work = json_is_array(json_object_get(qr, "item"))
                       ? json_copy(json_object_get(qr, "item"))
                       : json_array();
    json_t *groups = json_object();
    json_array_foreach(work, i, it)
    {
        const char *link = str(it, "linkId");
        char at[160];
        snprintf(at, sizeof(at), "QuestionnaireResponse item %.80s", link ? link : "(none)");
        unknown_members(it, ITEM_MEMBERS, at, probs);
        const json_t *qit = link != NULL ? q_item(x, link) : NULL;
        if (qit == NULL) {
            problem(probs, "%s: not an item of the Questionnaire", at);
            continue;
        }
        long long pos = (long long)json_integer_value(json_object_get(x->by_link, link));
        if (pos <= last)
            problem(probs, "%s: not in the Questionnaire's order", at);
        last = pos;
        if (json_object_get(it, "text") != NULL &&
            !json_equal(json_object_get(it, "text"), json_object_get(qit, "text")))
            problem(probs, "%s: text differs from the Questionnaire", at);
        const char *type = str(qit, "type");
        const json_t *ans = json_object_get(it, "answer");
        if (strcmp(type ? type : "", "group") == 0 && ans == NULL) {
            const json_t *kids = json_object_get(it, "item");
            if (json_array_size(kids) == 0)
                problem(probs, "%s: a group needs nested items", at);
            if (!enabled(qit, answers))
                problem(probs, "%s: answered while its enableWhen is false", at);
            json_object_set_new(groups, link, json_true());
            for (size_t k = 0; k < json_array_size(kids); k++)
                json_array_insert(work, i + 1 + k, json_array_get(kids, k));
            continue;
        }
        if (!is_question(qit)) {
            problem(probs, "%s: a %s item cannot be answered", at, type);
            continue;
        }
        if (json_array_size(ans) == 0)
            problem(probs, "%s: a question item needs an answer", at);
        if (json_array_size(ans) > 1 && !json_is_true(json_object_get(qit, "repeats")))
            problem(probs, "%s: more than one answer to a non-repeating item", at);
        if (!enabled(qit, answers))
            problem(probs, "%s: answered while its enableWhen is false", at);
        size_t k;
        const json_t *a;
        json_array_foreach(ans, k, a)
        {
            const char *vk = choice_member(a, "value", at, probs);
            if (vk == NULL)
                continue;
            const json_t *v = json_object_get(a, vk);
            const char *want = value_key_for(type);
            if (want == NULL || strcmp(vk + 5, want) != 0) {
                problem(probs, "%s: %s on a %s item", at, vk, type);
                continue;
            }
            if (!value_ok(vk + 5, v))
                problem(probs, "%s: %s is not valid", at, vk);
            if (strcmp(vk, "valueCoding") == 0 && !option_code(qit, str(v, "code")))
                problem(probs, "%s: code \"%s\" is not an answerOption", at,
                        str(v, "code") ? str(v, "code") : "?");
            const json_t *ml = json_object_get(qit, "maxLength");
            if (ml != NULL && json_is_string(v)) {
                size_t cp = 0;
                for (const char *p = json_string_value(v); *p != '\0'; p++)
                    cp += ((unsigned char)*p & 0xC0) != 0x80;
                if ((json_int_t)cp > json_integer_value(ml))
                    problem(probs, "%s: longer than maxLength", at);
            }
            const json_t *mn = json_object_get(find_ext(qit, EXT "minValue"), "valueInteger");
            const json_t *mx = json_object_get(find_ext(qit, EXT "maxValue"), "valueInteger");
            if (json_is_number(v) &&
                ((mn != NULL && json_number_value(v) < json_number_value(mn)) ||
                 (mx != NULL && json_number_value(v) > json_number_value(mx))))
                problem(probs, "%s: outside minValue/maxValue", at);
        }
    }
    /* A required, enabled question must be answered when completed. */
    if (strcmp(str(qr, "status") ? str(qr, "status") : "", "completed") == 0)
        for (size_t n = 0; n < x->n; n++) {
            const json_t *qit = x->items[n];
            if (json_is_true(json_object_get(qit, "required")) && enabled(qit, answers) &&
                json_object_get(answers, str(qit, "linkId")) == NULL &&
                json_object_get(groups, str(qit, "linkId")) == NULL)
                problem(probs, "QuestionnaireResponse: required item %s is not answered",
                        str(qit, "linkId"));
        }
    (void)q;
    json_decref(work);
    json_decref(groups);
    json_decref(answers);
}

/* Runs both checks; counts the problems, printing them unless quiet. */
static size_t check_both(const json_t *q, const json_t *qr, const char *name, bool quiet)
{
    json_t *probs = json_array();
    struct qindex *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    fhir_check_questionnaire(q, x, probs);
    if (qr != NULL)
        fhir_check_response(qr, q, x, probs);
    size_t n = json_array_size(probs);
    for (size_t i = 0; i < n && !quiet; i++)
        print_message("# %s: %s\n", name, json_string_value(json_array_get(probs, i)));
    json_decref(x->by_link);
    free(x);
    json_decref(probs);
    return n;
}

static size_t fhir_problems(const json_t *q, const json_t *qr, const char *name)
{
    return check_both(q, qr, name, false);
}

/* =================================================================== */
/* The export                                                          */
/* =================================================================== */

static void test_phq9_questionnaire_structure(void **state)
{
    (void)state;
    json_t *def = load("library/measures/phq-9.json");
    json_t *q = form_fhir_questionnaire(def, "phq-9", "Mood questionnaire (PHQ-9)", "3");
    assert_non_null(q);
    assert_string_equal(str(q, "resourceType"), "Questionnaire");
    assert_string_equal(str(q, "id"), "phq-9");
    assert_string_equal(str(q, "status"), "active");
    assert_string_equal(str(q, "title"), "Mood questionnaire (PHQ-9)");
    assert_string_equal(str(q, "version"), "3");
    assert_non_null(strstr(str(q, "description"), "Over the last 2 weeks"));
    assert_non_null(strstr(str(q, "copyright"), "No permission required"));
    const json_t *items = json_object_get(q, "item");
    assert_int_equal(json_array_size(items), 10); /* 9 scored + the difficulty question */
    static const char *const labels[] = {"Not at all", "Several days", "More than half the days",
                                         "Nearly every day"};
    for (int i = 0; i < 9; i++) {
        const json_t *it = json_array_get(items, (size_t)i);
        char link[32];
        snprintf(link, sizeof(link), "phq9_%d", i + 1);
        assert_string_equal(str(it, "linkId"), link);
        assert_string_equal(str(it, "type"), "choice");
        assert_true(json_is_true(json_object_get(it, "required")));
        assert_null(json_object_get(it, "repeats"));
        const json_t *opts = json_object_get(it, "answerOption");
        assert_int_equal(json_array_size(opts), 4);
        for (int w = 0; w < 4; w++) {
            const json_t *o = json_array_get(opts, (size_t)w);
            char code[16];
            snprintf(code, sizeof(code), "%d", w);
            assert_string_equal(str(json_object_get(o, "valueCoding"), "code"), code);
            assert_string_equal(str(json_object_get(o, "valueCoding"), "display"), labels[w]);
            const json_t *ord = find_ext(o, EXT "ordinalValue");
            const json_t *iw = find_ext(o, EXT "itemWeight");
            assert_non_null(ord);
            assert_non_null(iw);
            assert_true(json_is_number(json_object_get(ord, "valueDecimal")));
            assert_true(json_number_value(json_object_get(ord, "valueDecimal")) == w);
            assert_true(json_number_value(json_object_get(iw, "valueDecimal")) == w);
        }
    }
    const json_t *diff = json_array_get(items, 9);
    assert_string_equal(str(diff, "linkId"), "phq9_difficulty");
    assert_null(json_object_get(diff, "required"));
    const json_t *o0 = json_array_get(json_object_get(diff, "answerOption"), 0);
    assert_null(json_object_get(o0, "extension")); /* unweighted: no weight extensions */
    /* its help becomes a child display item */
    const json_t *help = find_item(json_object_get(diff, "item"), "phq9_difficulty-help");
    assert_non_null(help);
    assert_string_equal(str(help, "type"), "display");
    assert_int_equal(fhir_problems(q, NULL, "phq-9"), 0);
    json_decref(q);
    json_decref(def);
}

static void test_who5_weights_follow_the_options(void **state)
{
    (void)state;
    json_t *def = load("library/measures/who-5.json");
    json_t *q = form_fhir_questionnaire(def, "who-5", "WHO-5", "1");
    const json_t *opts =
        json_object_get(json_array_get(json_object_get(q, "item"), 0), "answerOption");
    assert_int_equal(json_array_size(opts), 6);
    for (int i = 0; i < 6; i++) { /* listed from "All of the time" (5) down to 0 */
        const json_t *w = json_object_get(
            find_ext(json_array_get(opts, (size_t)i), EXT "itemWeight"), "valueDecimal");
        assert_true(json_number_value(w) == 5 - i);
    }
    json_decref(q);
    json_decref(def);
}

static void test_enable_when_from_a_yes_no_show_if(void **state)
{
    (void)state;
    json_t *file = load("library/exercises/closeness-map.json");
    json_t *q = form_fhir_questionnaire(form_of(file), "closeness-map", "Closeness map", "1");
    const json_t *it = find_item(json_object_get(q, "item"), "pause_reason");
    assert_non_null(it);
    assert_string_equal(str(it, "type"), "text");
    assert_json(json_object_get(it, "enableWhen"),
                "[{'question':'paused','operator':'=','answerBoolean':true}]");
    assert_string_equal(str(it, "enableBehavior"), "all");
    const json_t *paused = find_item(json_object_get(q, "item"), "paused");
    assert_string_equal(str(paused, "type"), "boolean");
    assert_int_equal(fhir_problems(q, NULL, "closeness-map"), 0);
    json_decref(q);
    json_decref(file);
}

static void test_enable_when_from_a_choice_show_if(void **state)
{
    (void)state;
    json_t *file = load("library/exercises/daily-stress-reset.json");
    json_t *q = form_fhir_questionnaire(form_of(file), "daily-stress-reset", "Reset", "1");
    const json_t *it = find_item(json_object_get(q, "item"), "other_practice");
    assert_json(json_object_get(it, "enableWhen"),
                "[{'question':'practice','operator':'=','answerCoding':{'code':'other',"
                "'display':'Something else'}}]");
    json_decref(q);
    json_decref(file);
}

static void test_scale_is_an_integer_with_bounds_and_end_labels(void **state)
{
    (void)state;
    json_t *file = load("library/exercises/closeness-map.json");
    json_t *q = form_fhir_questionnaire(form_of(file), "closeness-map", "Closeness map", "1");
    const json_t *it = find_item(json_object_get(q, "item"), "ease_sharing");
    assert_string_equal(str(it, "type"), "integer");
    assert_int_equal(
        json_integer_value(json_object_get(find_ext(it, EXT "minValue"), "valueInteger")), 0);
    assert_int_equal(
        json_integer_value(json_object_get(find_ext(it, EXT "maxValue"), "valueInteger")), 10);
    const json_t *lower = find_item(json_object_get(it, "item"), "ease_sharing-min-label");
    const json_t *upper = find_item(json_object_get(it, "item"), "ease_sharing-max-label");
    assert_string_equal(str(lower, "text"), "Very hard");
    assert_string_equal(str(upper, "text"), "Very easy");
    assert_string_equal(
        str(json_array_get(
                json_object_get(json_object_get(find_ext(lower, EXT "questionnaire-itemControl"),
                                                "valueCodeableConcept"),
                                "coding"),
                0),
            "code"),
        "lower");
    json_decref(q);
    json_decref(file);
}

static void test_intake_types_sections_and_consent(void **state)
{
    (void)state;
    json_t *def = load("library/intake/intimacy-intake.json");
    json_t *q = form_fhir_questionnaire(def, "intimacy-intake", "Intake", "1");
    const json_t *items = json_object_get(q, "item");
    const json_t *sec = find_item(items, "about_section");
    assert_string_equal(str(sec, "type"), "display");
    assert_non_null(find_item(items, "about_section-text"));
    const json_t *consent = find_item(items, "consent_to_pace");
    assert_string_equal(str(consent, "type"), "boolean");
    assert_true(json_is_true(json_object_get(consent, "required")));
    const json_t *multi = find_item(items, "focus_areas");
    assert_string_equal(str(multi, "type"), "choice");
    assert_true(json_is_true(json_object_get(multi, "repeats")));
    assert_string_equal(str(find_item(items, "preferred_name"), "type"), "string");
    assert_int_equal(
        json_integer_value(json_object_get(find_item(items, "preferred_name"), "maxLength")), 500);
    assert_json(json_object_get(find_item(items, "history_health_details"), "enableWhen"),
                "[{'question':'history_health','operator':'=','answerCoding':{'code':'yes',"
                "'display':'Yes'}}]");
    assert_int_equal(fhir_problems(q, NULL, "intake"), 0);
    json_decref(q);
    json_decref(def);
}

static void test_number_mapping(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'kept','type':'number','label':'Kept','min':0,'max':20},"
                    "{'key':'hours','type':'number','label':'Hours','step':'any','min':0.5,'max':"
                    "2.5},{'key':'odd','type':'number','label':'Odd','min':0.5,'max':9.5},"
                    "{'key':'day','type':'date','label':'Day'},{'key':'more','type':'short_text',"
                    "'label':'More','show_if':{'field':'kept','equals':3}},{'key':'less','type':"
                    "'short_text','label':'Less','show_if':{'field':'hours','equals':1.5}}]}");
    json_t *q = form_fhir_questionnaire(def, "n", NULL, NULL);
    const json_t *items = json_object_get(q, "item");
    assert_null(json_object_get(q, "title"));
    assert_null(json_object_get(q, "version"));
    const json_t *kept = find_item(items, "kept");
    assert_string_equal(str(kept, "type"), "integer");
    assert_json(json_object_get(kept, "extension"),
                "[{'url':'http://hl7.org/fhir/StructureDefinition/minValue','valueInteger':0},"
                "{'url':'http://hl7.org/fhir/StructureDefinition/maxValue','valueInteger':20}]");
    const json_t *hours = find_item(items, "hours");
    assert_string_equal(str(hours, "type"), "decimal");
    assert_json(json_object_get(hours, "extension"),
                "[{'url':'http://hl7.org/fhir/StructureDefinition/minValue','valueDecimal':0.5},"
                "{'url':'http://hl7.org/fhir/StructureDefinition/maxValue','valueDecimal':2.5}]");
    /* a whole-number field's fractional bounds are rounded inwards */
    assert_json(json_object_get(find_item(items, "odd"), "extension"),
                "[{'url':'http://hl7.org/fhir/StructureDefinition/minValue','valueInteger':1},"
                "{'url':'http://hl7.org/fhir/StructureDefinition/maxValue','valueInteger':9}]");
    assert_string_equal(str(find_item(items, "day"), "type"), "date");
    assert_json(json_object_get(find_item(items, "more"), "enableWhen"),
                "[{'question':'kept','operator':'=','answerInteger':3}]");
    assert_json(json_object_get(find_item(items, "less"), "enableWhen"),
                "[{'question':'hours','operator':'=','answerDecimal':1.5}]");
    assert_int_equal(fhir_problems(q, NULL, "numbers"), 0);
    json_decref(q);
    json_decref(def);
}

static void test_consent_false_show_if_becomes_not_equal_true(void **state)
{
    (void)state;
    json_t *def = J("{'fields':[{'key':'ok','type':'consent','label':'OK'},{'key':'r','type':"
                    "'short_text','label':'R','show_if':{'field':'ok','equals':false}}]}");
    json_t *q = form_fhir_questionnaire(def, "c", "C", "1");
    assert_json(json_object_get(find_item(json_object_get(q, "item"), "r"), "enableWhen"),
                "[{'question':'ok','operator':'!=','answerBoolean':true}]");
    /* unticked (no answer): r is enabled, and may be answered */
    json_t *answers = J("{'r':'because'}");
    json_t *qr = form_fhir_response(def, answers, "Questionnaire/c", "completed", NULL);
    assert_int_equal(fhir_problems(q, qr, "consent"), 0);
    json_decref(qr);
    json_decref(answers);
    json_decref(q);
    json_decref(def);
}

static void test_questionnaire_refuses_bad_arguments(void **state)
{
    (void)state;
    json_t *def = load("library/measures/gad-7.json");
    assert_null(form_fhir_questionnaire(def, NULL, "t", "1"));
    assert_null(form_fhir_questionnaire(def, "", "t", "1"));
    assert_null(form_fhir_questionnaire(def, "has space", "t", "1"));
    assert_null(form_fhir_questionnaire(def, "under_score", "t", "1"));
    char id[66];
    memset(id, 'a', 65);
    id[65] = '\0';
    assert_null(form_fhir_questionnaire(def, id, "t", "1"));
    id[64] = '\0';
    json_t *q = form_fhir_questionnaire(def, id, "", "");
    assert_non_null(q);
    assert_null(json_object_get(q, "title")); /* FHIR has no empty strings */
    assert_null(json_object_get(q, "version"));
    json_decref(q);
    json_t *bad = J("{'fields':[{'key':'a','type':'nope','label':'A'}]}");
    assert_null(form_fhir_questionnaire(bad, "x", "t", "1"));
    assert_null(form_fhir_questionnaire(NULL, "x", "t", "1"));
    json_decref(bad);
    json_decref(def);
}

/* ---- QuestionnaireResponse ---- */

#define ALL_TYPES                                                                                  \
    "{'fields':["                                                                                  \
    "{'key':'intro','type':'section','label':'About you','text':'No wrong answers.'},"             \
    "{'key':'name','type':'short_text','label':'Name','required':true},"                           \
    "{'key':'story','type':'long_text','label':'Story'},"                                          \
    "{'key':'calm','type':'scale','label':'Calm','min':0,'max':10,'min_label':'Not calm',"         \
    "'max_label':'Very calm'},"                                                                    \
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

static void test_response_values_per_type(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *input = J("{'name':['Sam'],'story':['A day.'],'calm':['7'],'role':['receiver'],"
                      "'tools[]':['water','breath'],'paused':['no'],'why':['hidden'],"
                      "'day':['2024-02-29'],'times':['3'],'hours':['1.5'],'agree':['on']}");
    json_t *answers, *errors;
    assert_int_equal(form_validate(def, input, false, &answers, &errors), 0);
    json_t *qr = form_fhir_response(def, answers, "https://interlude.example/fhir/Questionnaire/t",
                                    "completed", "2026-03-14T09:30:00+01:00");
    assert_non_null(qr);
    assert_string_equal(str(qr, "resourceType"), "QuestionnaireResponse");
    assert_string_equal(str(qr, "status"), "completed");
    assert_string_equal(str(qr, "authored"), "2026-03-14T09:30:00+01:00");
    assert_string_equal(str(qr, "questionnaire"), "https://interlude.example/fhir/Questionnaire/t");
    const json_t *items = json_object_get(qr, "item");
    assert_int_equal(json_array_size(items), 10); /* not the section, not the hidden "why" */
    assert_json(json_object_get(find_item(items, "name"), "answer"), "[{'valueString':'Sam'}]");
    assert_json(json_object_get(find_item(items, "story"), "answer"), "[{'valueString':'A day.'}]");
    assert_json(json_object_get(find_item(items, "calm"), "answer"), "[{'valueInteger':7}]");
    assert_json(json_object_get(find_item(items, "role"), "answer"),
                "[{'valueCoding':{'code':'receiver','display':'Receiving'}}]");
    assert_json(json_object_get(find_item(items, "tools"), "answer"),
                "[{'valueCoding':{'code':'breath','display':'Breath'}},"
                "{'valueCoding':{'code':'water','display':'Water'}}]");
    assert_json(json_object_get(find_item(items, "paused"), "answer"), "[{'valueBoolean':false}]");
    assert_null(find_item(items, "why"));
    assert_json(json_object_get(find_item(items, "day"), "answer"), "[{'valueDate':'2024-02-29'}]");
    assert_json(json_object_get(find_item(items, "times"), "answer"), "[{'valueInteger':3}]");
    assert_json(json_object_get(find_item(items, "hours"), "answer"), "[{'valueDecimal':1.5}]");
    assert_json(json_object_get(find_item(items, "agree"), "answer"), "[{'valueBoolean':true}]");
    assert_string_equal(str(find_item(items, "name"), "text"), "Name");
    json_t *q = form_fhir_questionnaire(def, "t", "T", "1");
    assert_int_equal(fhir_problems(q, qr, "all types"), 0);
    json_decref(q);
    json_decref(qr);
    json_decref(answers);
    json_decref(errors);
    json_decref(input);
    json_decref(def);
}

static void test_response_skips_hidden_stored_answers(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    /* stored answers that include a field whose show_if is now false */
    json_t *answers = J("{'paused':'no','why':'stale','calm':42}");
    json_t *qr = form_fhir_response(def, answers, NULL, "in-progress", NULL);
    const json_t *items = json_object_get(qr, "item");
    assert_int_equal(json_array_size(items), 1); /* paused; calm 42 is off the scale */
    assert_string_equal(str(json_array_get(items, 0), "linkId"), "paused");
    assert_null(json_object_get(qr, "questionnaire"));
    assert_null(json_object_get(qr, "authored"));
    json_decref(qr);
    json_decref(answers);
    json_decref(def);
}

static void test_response_without_answers_has_no_items(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    json_t *qr = form_fhir_response(def, NULL, "Questionnaire/t", "in-progress", "2026-03-14");
    assert_non_null(qr);
    assert_null(json_object_get(qr, "item")); /* FHIR JSON has no empty arrays */
    json_t *q = form_fhir_questionnaire(def, "t", "T", "1");
    assert_int_equal(fhir_problems(q, qr, "empty draft"), 0);
    json_decref(q);
    json_decref(qr);
    json_decref(def);
}

static void test_response_refuses_bad_arguments(void **state)
{
    (void)state;
    json_t *def = J(ALL_TYPES);
    static const char *const bad_status[] = {"final", "", "Completed", "draft"};
    for (size_t i = 0; i < sizeof(bad_status) / sizeof(*bad_status); i++)
        assert_null(form_fhir_response(def, NULL, "Q", bad_status[i], NULL));
    assert_null(form_fhir_response(def, NULL, "Q", NULL, NULL));
    static const char *const bad_dates[] = {
        "2026-03-14T09:30:00", /* a time needs a zone */
        "2026-03-14 09:30:00Z",     "14/03/2026",           "", "2026-3-14", "2026-03-14T09:30Z",
        "2026-03-14T09:30:00+0100", "2026-03-14T09:30:00.Z"};
    for (size_t i = 0; i < sizeof(bad_dates) / sizeof(*bad_dates); i++)
        if (form_fhir_response(def, NULL, "Q", "completed", bad_dates[i]) != NULL)
            fail_msg("accepted authored \"%s\"", bad_dates[i]);
    static const char *const good_dates[] = {
        "2026", "2026-03", "2026-03-14", "2026-03-14T09:30:00Z", "2026-03-14T09:30:00.123-05:00"};
    for (size_t i = 0; i < sizeof(good_dates) / sizeof(*good_dates); i++) {
        json_t *qr = form_fhir_response(def, NULL, "Q", "completed", good_dates[i]);
        if (qr == NULL)
            fail_msg("refused authored \"%s\"", good_dates[i]);
        json_decref(qr);
    }
    assert_null(form_fhir_response(def, NULL, "", "completed", NULL));
    assert_null(form_fhir_response(NULL, NULL, "Q", "completed", NULL));
    json_t *bad = J("{'fields':[]}");
    assert_null(form_fhir_response(bad, NULL, "Q", "completed", NULL));
    json_decref(bad);
    json_decref(def);
}

/* =================================================================== */
/* Every library form, written to test-output/fhir/ and checked.       */
/* =================================================================== */

/* Input that answers every field of def with something valid, choosing the
 * value that shows each show_if follow-up. */
static json_t *full_input(const json_t *def)
{
    json_t *want = json_object(); /* key -> the value a later show_if wants */
    json_t *in = json_object();
    size_t i;
    const json_t *f;
    char buf[160];

    json_array_foreach(json_object_get(def, "fields"), i, f)
    {
        const json_t *si = json_object_get(f, "show_if");
        if (si != NULL && json_object_get(want, str(si, "field")) == NULL)
            json_object_set(want, str(si, "field"), json_object_get(si, "equals"));
    }
    json_array_foreach(json_object_get(def, "fields"), i, f)
    {
        const char *key = str(f, "key");
        const char *type = str(f, "type");
        const json_t *w = json_object_get(want, key);
        const json_t *opts = json_object_get(f, "options");
        json_t *v = NULL;
        if (strcmp(type, "section") == 0)
            continue;
        if (w != NULL && json_is_string(w)) {
            v = json_pack("[O]", w);
        } else if (w != NULL && json_is_boolean(w)) {
            v = json_is_true(w) ? json_pack("[s]", "on") : NULL;
        } else if (w != NULL && json_is_number(w)) {
            snprintf(buf, sizeof(buf), "%g", json_number_value(w));
            v = json_pack("[s]", buf);
        } else if (strcmp(type, "short_text") == 0) {
            v = json_pack("[s]", "A short answer.");
        } else if (strcmp(type, "long_text") == 0) {
            v = json_pack("[s]", "A longer answer,\r\nover two lines.");
        } else if (strcmp(type, "scale") == 0) {
            long long lo = json_integer_value(json_object_get(f, "min"));
            long long hi = json_integer_value(json_object_get(f, "max"));
            snprintf(buf, sizeof(buf), "%lld", lo + (hi - lo) / 2);
            v = json_pack("[s]", buf);
        } else if (strcmp(type, "single_choice") == 0) {
            v = json_pack("[O]", json_object_get(json_array_get(opts, 0), "value"));
        } else if (strcmp(type, "multiple_choice") == 0) {
            v = json_pack("[O,O]", json_object_get(json_array_get(opts, 1), "value"),
                          json_object_get(json_array_get(opts, 0), "value"));
        } else if (strcmp(type, "yes_no") == 0) {
            v = json_pack("[s]", "yes");
        } else if (strcmp(type, "date") == 0) {
            v = json_pack("[s]", "2026-03-14");
        } else if (strcmp(type, "number") == 0) {
            const json_t *mn = json_object_get(f, "min");
            snprintf(buf, sizeof(buf), "%lld",
                     mn != NULL ? (long long)json_number_value(mn) + 1 : 1);
            v = json_pack("[s]", buf);
        } else if (strcmp(type, "consent") == 0) {
            v = json_pack("[s]", "on");
        } else if (strcmp(type, "preference_list") == 0) {
            /* every item, in turn yes, maybe and no; a note on the first */
            static const char *const CH[] = {"yes", "maybe", "no"};
            size_t k;
            const json_t *it;
            json_array_foreach(json_object_get(f, "items"), k, it)
            {
                snprintf(buf, sizeof(buf), "%s.%s", key, str(it, "key"));
                json_object_set_new(in, buf, json_pack("[s]", CH[k % 3]));
                if (k == 0) {
                    snprintf(buf, sizeof(buf), "%s.%s.note", key, str(it, "key"));
                    json_object_set_new(in, buf, json_pack("[s]", "Only slowly."));
                }
            }
        }
        if (v != NULL)
            json_object_set_new(in, key, v);
    }
    json_decref(want);
    return in;
}

static void out_dir(char *path, size_t len)
{
    const char *out = getenv("TEST_OUTPUT");
    if (out == NULL || *out == '\0')
        out = "test-output";
    if (out[0] == '/')
        snprintf(path, len, "%s", out);
    else
        snprintf(path, len, "%s/%s", root(), out);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        fail_msg("mkdir %s: %s", path, strerror(errno));
    strncat(path, "/fhir", len - strlen(path) - 1);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        fail_msg("mkdir %s: %s", path, strerror(errno));
}

static void write_json(const char *dir, const char *slug, const char *kind, const json_t *v)
{
    char path[PATH_MAX + 200];
    snprintf(path, sizeof(path), "%s/%s.%s.json", dir, slug, kind);
    if (json_dump_file(v, path, JSON_INDENT(2)) != 0)
        fail_msg("cannot write %s", path);
}

static int export_dir(const char *sub, const char *dir)
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
        const json_t *def = form_of(file);
        const char *slug = str(file, "slug");
        assert_non_null(slug);
        json_t *q = form_fhir_questionnaire(def, slug, str(file, "title"), "1");
        if (q == NULL)
            fail_msg("%s: no Questionnaire", rel);

        json_t *in = full_input(def);
        json_t *answers, *errors;
        int problems = form_validate(def, in, false, &answers, &errors);
        if (problems != 0) {
            char *s = json_dumps(errors, JSON_COMPACT);
            print_error("%s: complete answers refused: %s\n", rel, s);
            free(s);
            fail();
        }
        char ref[200];
        snprintf(ref, sizeof(ref), "https://interlude.example/fhir/Questionnaire/%s", slug);
        json_t *qr = form_fhir_response(def, answers, ref, "completed", "2026-03-14T09:30:00Z");
        assert_non_null(qr);
        /* every shown field was answered: the response has them all */
        size_t shown = 0, i;
        const json_t *f;
        json_t *view = form_view(def, answers, NULL);
        json_array_foreach(view, i, f)
        {
            shown += !json_is_true(json_object_get(f, "hidden")) &&
                     !json_is_true(json_object_get(f, "is_section"));
        }
        assert_int_equal(json_array_size(json_object_get(qr, "item")), shown);
        json_decref(view);
        json_t *draft = form_fhir_response(def, NULL, ref, "in-progress", "2026-03-14");

        write_json(dir, slug, "Questionnaire", q);
        write_json(dir, slug, "QuestionnaireResponse", qr);
        if (fhir_problems(q, qr, rel) != 0 || fhir_problems(q, draft, rel) != 0)
            fail_msg("%s: the FHIR export breaks the structural rules (see above)", rel);
        json_decref(draft);
        json_decref(qr);
        json_decref(answers);
        json_decref(errors);
        json_decref(in);
        json_decref(q);
        json_decref(file);
        files++;
    }
    closedir(d);
    return files;
}

static void test_every_library_form_exports_valid_fhir(void **state)
{
    (void)state;
    char dir[PATH_MAX + 64];
    out_dir(dir, sizeof(dir));
    assert_true(export_dir("exercises", dir) > 0);
    assert_true(export_dir("intake", dir) > 0);
    assert_true(export_dir("measures", dir) > 0);
}

/* =================================================================== */
/* The checker catches what it should (so a pass above means something) */
/* =================================================================== */

static json_t *closeness_q(json_t **def_file)
{
    *def_file = load("library/exercises/closeness-map.json");
    return form_fhir_questionnaire(form_of(*def_file), "closeness-map", "Closeness map", "1");
}

static void test_checker_catches_broken_questionnaires(void **state)
{
    (void)state;
    json_t *file;
    /* each mutation of a good Questionnaire must give at least one problem */
    for (int m = 0; m < 10; m++) {
        json_t *q = closeness_q(&file);
        json_t *items = json_object_get(q, "item");
        json_t *first = json_array_get(items, 0);
        json_t *reason = (json_t *)find_item(items, "pause_reason");
        switch (m) {
        case 0: /* duplicate linkId */
            json_object_set_new(json_array_get(items, 1), "linkId", json_string("ease_sharing"));
            break;
        case 1: /* enableWhen pointing forwards */
            json_object_set_new(first, "enableWhen",
                                J("[{'question':'paused','operator':'=','answerBoolean':true}]"));
            break;
        case 2: /* answerOption on a string item */
            json_object_set_new(json_array_get(items, 2), "answerOption",
                                J("[{'valueString':'x'}]"));
            break;
        case 3: /* status outside the value set */
            json_object_set_new(q, "status", json_string("published"));
            break;
        case 4: /* a display item that is required */
            json_object_set_new(json_array_get(json_object_get(first, "item"), 0), "required",
                                json_true());
            break;
        case 5: /* answer type not matching the referenced item */
            json_object_set_new(reason, "enableWhen",
                                J("[{'question':'paused','operator':'=','answerString':'yes'}]"));
            break;
        case 6: /* an empty array */
            json_object_set_new(first, "extension", json_array());
            break;
        case 7: /* an unknown item type */
            json_object_set_new(first, "type", json_string("number"));
            break;
        case 8: /* two conditions without enableBehavior */
            json_object_set_new(reason, "enableWhen",
                                J("[{'question':'paused','operator':'=','answerBoolean':true},"
                                  "{'question':'paused','operator':'exists','answerBoolean':true}"
                                  "]"));
            json_object_del(reason, "enableBehavior");
            break;
        case 9: /* an extension without a value */
            json_object_set_new(first, "extension",
                                J("[{'url':'http://hl7.org/fhir/StructureDefinition/minValue'}]"));
            break;
        }
        if (check_both(q, NULL, "mutation", true) == 0)
            fail_msg("mutation %d of the Questionnaire was not caught", m);
        json_decref(q);
        json_decref(file);
    }
}

static void test_checker_catches_broken_responses(void **state)
{
    (void)state;
    json_t *file;
    for (int m = 0; m < 7; m++) {
        json_t *q = closeness_q(&file);
        json_t *answers = J("{'ease_sharing':4,'paused':'yes','pause_reason':'tired'}");
        json_t *qr = form_fhir_response(form_of(file), answers, "Q", "completed", NULL);
        json_t *items = json_object_get(qr, "item");
        json_t *first = json_array_get(items, 0);
        switch (m) {
        case 0: /* a string on an integer item */
            json_object_set_new(first, "answer", J("[{'valueString':'4'}]"));
            break;
        case 1: /* answering a disabled item */
            json_object_set_new(json_array_get(items, 1), "answer", J("[{'valueBoolean':false}]"));
            break;
        case 2: /* completed without the required item */
            json_array_remove(items, 0);
            break;
        case 3: /* two answers to a non-repeating item */
            json_array_append_new(json_object_get(first, "answer"), J("{'valueInteger':5}"));
            break;
        case 4: /* a bad status */
            json_object_set_new(qr, "status", json_string("done"));
            break;
        case 5: /* an item that is not in the Questionnaire */
            json_object_set_new(first, "linkId", json_string("nope"));
            break;
        case 6: /* out of order */
            json_array_append(items, first);
            json_array_remove(items, 0);
            break;
        }
        if (check_both(q, qr, "mutation", true) == 0)
            fail_msg("mutation %d of the QuestionnaireResponse was not caught", m);
        json_decref(qr);
        json_decref(answers);
        json_decref(q);
        json_decref(file);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phq9_questionnaire_structure),
        cmocka_unit_test(test_who5_weights_follow_the_options),
        cmocka_unit_test(test_enable_when_from_a_yes_no_show_if),
        cmocka_unit_test(test_enable_when_from_a_choice_show_if),
        cmocka_unit_test(test_scale_is_an_integer_with_bounds_and_end_labels),
        cmocka_unit_test(test_intake_types_sections_and_consent),
        cmocka_unit_test(test_number_mapping),
        cmocka_unit_test(test_consent_false_show_if_becomes_not_equal_true),
        cmocka_unit_test(test_questionnaire_refuses_bad_arguments),
        cmocka_unit_test(test_response_values_per_type),
        cmocka_unit_test(test_response_skips_hidden_stored_answers),
        cmocka_unit_test(test_response_without_answers_has_no_items),
        cmocka_unit_test(test_response_refuses_bad_arguments),
        cmocka_unit_test(test_every_library_form_exports_valid_fhir),
        cmocka_unit_test(test_checker_catches_broken_questionnaires),
        cmocka_unit_test(test_checker_catches_broken_responses),
    };
    return cmocka_run_group_tests_name("form_fhir", tests, NULL, NULL);
}
