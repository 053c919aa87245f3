/* form_check.c: checks a form definition's structure, with the rules of
 * tests/content/check_content.mjs (docs/CONTENT.md) plus the engine's caps.
 * The first problem found is reported, as one sentence naming the field. */
#include "forms/form.h"
#include "forms/form_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct chk {
    char *msg;
    size_t len;
};

static const char GENERIC[] = "The form definition is not valid.";

static const char *bad(struct chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *bad(struct chk *c, const char *fmt, ...)
{
    va_list ap;
    bool room = c->msg != NULL && c->len > 0;

    va_start(ap, fmt);
    /* The analyzer misreads calls without variadic arguments. */
    if (room) /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
        vsnprintf(c->msg, c->len, fmt, ap);
    va_end(ap);
    return room ? c->msg : GENERIC;
}

/* A non-empty string with something besides white space (JavaScript's
 * isStr), of at most cap code points. */
static bool is_text(const json_t *v, size_t cap)
{
    return json_is_string(v) && form_has_text(json_string_value(v)) &&
           form_utf8_len(json_string_value(v), json_string_length(v)) <= cap;
}

/* Lowercase snake_case: ^[a-z][a-z0-9]*(_[a-z0-9]+)*$ */
static bool is_key(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > FORM_MAX_KEY || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '_')
        return false;
    for (size_t i = 1; i < n; i++) {
        char ch = s[i];
        if (ch == '_' ? s[i - 1] == '_' : !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
            return false;
    }
    return true;
}

static bool is_finite_number(const json_t *v)
{
    return json_is_number(v) && isfinite(json_number_value(v));
}

static const char *const FIELD_KEYS[] = {
    "key", "type", "label",     "help",      "text",    "required",    "show_if",         "min",
    "max", "step", "min_label", "max_label", "options", "once_a_week", "therapist_label", "items",
    NULL,
};

static bool known(const char *const *list, const char *k)
{
    for (; *list != NULL; list++)
        if (strcmp(*list, k) == 0)
            return true;
    return false;
}

/* Returns the first unknown member of obj, or NULL. */
static const char *unknown_member(const json_t *obj, const char *const *list)
{
    const char *k;
    const json_t *v;

    json_object_foreach((json_t *)obj, k, v)
    {
        if (!known(list, k))
            return k;
    }
    return NULL;
}

/* The field before index i (in fields) whose key is key, or NULL. */
static const json_t *earlier(const json_t *fields, size_t i, const char *key)
{
    for (size_t j = 0; j < i; j++) {
        const json_t *f = json_array_get(fields, j);
        const char *k = json_string_value(json_object_get(f, "key"));
        if (k != NULL && strcmp(k, key) == 0)
            return f;
    }
    return NULL;
}

static const char *check_options(struct chk *c, const json_t *f, const char *at)
{
    static const char *const OPTION_KEYS[] = {"value", "label", "weight", NULL};
    const json_t *opts = json_object_get(f, "options");
    size_t i;
    const json_t *o;

    if (!json_is_array(opts) || json_array_size(opts) < 2)
        return bad(c, "%s: a choice field needs at least 2 options.", at);
    if (json_array_size(opts) > FORM_MAX_OPTIONS)
        return bad(c, "%s: at most %d options are allowed.", at, FORM_MAX_OPTIONS);
    json_array_foreach(opts, i, o)
    {
        const json_t *v = json_object_get(o, "value");
        if (!json_is_object(o) || !is_text(v, FORM_MAX_VALUE) ||
            !is_text(json_object_get(o, "label"), FORM_MAX_LABEL))
            return bad(c, "%s: option #%zu needs a value and a label.", at, i + 1);
        const char *uk = unknown_member(o, OPTION_KEYS);
        if (uk != NULL)
            return bad(c, "%s: option \"%s\" has an unknown property \"%s\".", at,
                       json_string_value(v), uk);
        if (json_object_get(o, "weight") != NULL && !is_finite_number(json_object_get(o, "weight")))
            return bad(c, "%s: the weight of option \"%s\" must be a number.", at,
                       json_string_value(v));
        if (form_option(f, json_string_value(v)) != o)
            return bad(c, "%s: the option value \"%s\" is used twice.", at, json_string_value(v));
    }
    return NULL;
}

/* A preference_list's items: 1..200 objects {key (snake_case, unique),
 * label (<= 200 code points), group? (<= 200 code points)}. */
static const char *check_items(struct chk *c, const json_t *f, const char *at)
{
    static const char *const ITEM_KEYS[] = {"key", "label", "group", NULL};
    const json_t *items = json_object_get(f, "items");
    size_t i;
    const json_t *it;

    if (!json_is_array(items) || json_array_size(items) == 0)
        return bad(c, "%s: a preference list needs at least one item.", at);
    if (json_array_size(items) > FORM_MAX_ITEMS)
        return bad(c, "%s: a preference list may have at most %d items.", at, FORM_MAX_ITEMS);
    json_array_foreach(items, i, it)
    {
        const char *k = json_string_value(json_object_get(it, "key"));
        if (!json_is_object(it) || k == NULL || !is_key(k))
            return bad(c, "%s: item #%zu needs a key in lowercase snake_case.", at, i + 1);
        const char *uk = unknown_member(it, ITEM_KEYS);
        if (uk != NULL)
            return bad(c, "%s: item \"%s\" has an unknown property \"%s\".", at, k, uk);
        if (!is_text(json_object_get(it, "label"), FORM_MAX_ITEM_LABEL))
            return bad(c, "%s: item \"%s\" needs a label of at most %d characters.", at, k,
                       FORM_MAX_ITEM_LABEL);
        const json_t *g = json_object_get(it, "group");
        if (g != NULL && !is_text(g, FORM_MAX_ITEM_LABEL))
            return bad(c, "%s: the group of item \"%s\" must be text of at most %d characters.", at,
                       k, FORM_MAX_ITEM_LABEL);
        if (form_pref_item(f, k) != it)
            return bad(c, "%s: the item key \"%s\" is used twice.", at, k);
    }
    return NULL;
}

static const char *check_show_if(struct chk *c, const json_t *fields, size_t i, const char *at)
{
    static const char *const SHOW_IF_KEYS[] = {"field", "equals", NULL};
    const json_t *si = json_object_get(json_array_get(fields, i), "show_if");
    const char *ref = json_string_value(json_object_get(si, "field"));
    const json_t *eq = json_object_get(si, "equals");

    if (!json_is_object(si) || ref == NULL || !form_has_text(ref) || eq == NULL ||
        unknown_member(si, SHOW_IF_KEYS) != NULL)
        return bad(c, "%s: show_if needs exactly {\"field\", \"equals\"}.", at);
    const json_t *rf = earlier(fields, i, ref);
    if (rf == NULL)
        return bad(c, "%s: show_if refers to \"%s\", which is not an earlier field.", at, ref);
    long long lo, hi, v;
    switch (form_field_type(rf)) {
    case FT_SECTION:
        return bad(c, "%s: show_if cannot refer to a section.", at);
    case FT_MULTIPLE_CHOICE:
        return bad(c, "%s: show_if cannot refer to a multiple_choice field.", at);
    case FT_PREFERENCE_LIST:
        return bad(c, "%s: show_if cannot refer to a preference_list field.", at);
    case FT_YES_NO:
        if (!json_is_string(eq) ||
            (strcmp(json_string_value(eq), "yes") != 0 && strcmp(json_string_value(eq), "no") != 0))
            return bad(c, "%s: show_if on a yes_no field must equal \"yes\" or \"no\".", at);
        break;
    case FT_SINGLE_CHOICE:
        if (form_option(rf, json_string_value(eq)) == NULL)
            return bad(c, "%s: the show_if value is not an option of \"%s\".", at, ref);
        break;
    case FT_CONSENT:
        if (!json_is_boolean(eq))
            return bad(c, "%s: show_if on a consent field must equal true or false.", at);
        break;
    case FT_SCALE:
        if (!form_json_int(eq, &v) || !form_json_int(json_object_get(rf, "min"), &lo) ||
            !form_json_int(json_object_get(rf, "max"), &hi) || v < lo || v > hi)
            return bad(c, "%s: show_if on a scale must equal a number on the scale.", at);
        break;
    case FT_NUMBER: {
        const char *step = json_string_value(json_object_get(rf, "step"));
        if (!is_finite_number(eq))
            return bad(c, "%s: show_if on a number field must equal a number.", at);
        if ((step == NULL || strcmp(step, "any") != 0) &&
            (!form_json_int(eq, &v) || v < -FORM_INT_MAX || v > FORM_INT_MAX))
            return bad(c, "%s: show_if on a whole-number field must equal a whole number.", at);
        break;
    }
    default: /* text and date answers are strings */
        if (!json_is_string(eq))
            return bad(c, "%s: show_if on \"%s\" must equal a string.", at, ref);
        break;
    }
    return NULL;
}

static const char *check_bounds(struct chk *c, const json_t *f, enum form_type t, const char *at)
{
    const json_t *mn = json_object_get(f, "min"), *mx = json_object_get(f, "max");
    const json_t *step = json_object_get(f, "step");
    long long lo, hi;

    if (t == FT_SCALE) {
        if (!form_json_int(mn, &lo) || !form_json_int(mx, &hi))
            return bad(c, "%s: a scale needs integer min and max.", at);
        if (lo >= hi)
            return bad(c, "%s: a scale's min must be less than its max.", at);
        if (lo < -FORM_MAX_SCALE_ABS || hi > FORM_MAX_SCALE_ABS ||
            hi - lo + 1 > FORM_MAX_SCALE_STEPS)
            return bad(c, "%s: a scale may have at most %d steps.", at, FORM_MAX_SCALE_STEPS);
        if (!is_text(json_object_get(f, "min_label"), FORM_MAX_LABEL) ||
            !is_text(json_object_get(f, "max_label"), FORM_MAX_LABEL))
            return bad(c, "%s: a scale needs a min_label and a max_label.", at);
    } else if (t == FT_NUMBER) {
        if ((mn != NULL && !is_finite_number(mn)) || (mx != NULL && !is_finite_number(mx)))
            return bad(c, "%s: a number field's min and max must be numbers.", at);
        if (mn != NULL && mx != NULL && !(json_number_value(mn) < json_number_value(mx)))
            return bad(c, "%s: a number field's min must be less than its max.", at);
        if (step != NULL && !(json_is_string(step) && strcmp(json_string_value(step), "any") == 0))
            return bad(c, "%s: step can only be \"any\" (decimals allowed).", at);
    } else {
        static const char *const SCALE_ONLY[] = {"min", "max", "min_label", "max_label", NULL};
        for (const char *const *k = SCALE_ONLY; *k != NULL; k++)
            if (json_object_get(f, *k) != NULL)
                return bad(c, "%s: \"%s\" only applies to scale and number fields.", at, *k);
    }
    if (t != FT_NUMBER && step != NULL)
        return bad(c, "%s: \"step\" only applies to number fields.", at);
    return NULL;
}

static const char *check_field(struct chk *c, const json_t *fields, size_t i)
{
    const json_t *f = json_array_get(fields, i);
    const json_t *key = json_object_get(f, "key");
    char at[FORM_MAX_KEY + 40];
    const char *p;

    if (is_text(key, FORM_MAX_KEY))
        snprintf(at, sizeof(at), "Field %zu (%s)", i + 1, json_string_value(key));
    else
        snprintf(at, sizeof(at), "Field %zu", i + 1);
    if (!json_is_object(f))
        return bad(c, "%s is not an object.", at);
    const char *uk = unknown_member(f, FIELD_KEYS);
    if (uk != NULL)
        return bad(c, "%s: unknown property \"%s\".", at, uk);
    if (!json_is_string(key) || !form_has_text(json_string_value(key)))
        return bad(c, "%s: the key is missing.", at);
    if (!is_key(json_string_value(key)))
        return bad(c, "%s: the key must be lowercase snake_case (at most %d characters).", at,
                   FORM_MAX_KEY);
    if (earlier(fields, i, json_string_value(key)) != NULL)
        return bad(c, "%s: the key \"%s\" is used twice.", at, json_string_value(key));
    enum form_type t = form_field_type(f);
    if (t == FT__MAX)
        return bad(c, "%s: unknown type \"%s\".", at,
                   json_is_string(json_object_get(f, "type"))
                       ? json_string_value(json_object_get(f, "type"))
                       : "(none)");
    if (!is_text(json_object_get(f, "label"), FORM_MAX_LABEL))
        return bad(c, "%s: a label is needed (at most %d characters).", at, FORM_MAX_LABEL);
    static const char *const STRINGS[] = {"help", "min_label", "max_label", "therapist_label",
                                          NULL};
    for (const char *const *k = STRINGS; *k != NULL; k++)
        if (json_object_get(f, *k) != NULL && !is_text(json_object_get(f, *k), FORM_MAX_LABEL))
            return bad(c, "%s: %s must be a non-empty string (at most %d characters).", at, *k,
                       FORM_MAX_LABEL);
    if (json_object_get(f, "text") != NULL) {
        if (t != FT_SECTION)
            return bad(c, "%s: \"text\" is only for sections (use help).", at);
        if (!is_text(json_object_get(f, "text"), FORM_MAX_TEXT))
            return bad(c, "%s: text must be a non-empty string (at most %d characters).", at,
                       FORM_MAX_TEXT);
    }
    const json_t *req = json_object_get(f, "required");
    if (req != NULL && !json_is_boolean(req))
        return bad(c, "%s: required must be true or false.", at);
    if (t == FT_SECTION && json_is_true(req))
        return bad(c, "%s: a section cannot be required.", at);
    const json_t *weekly = json_object_get(f, "once_a_week");
    if (weekly != NULL && !json_is_boolean(weekly))
        return bad(c, "%s: once_a_week must be true or false.", at);
    if (t == FT_SECTION && json_is_true(weekly))
        return bad(c, "%s: a section cannot be once_a_week.", at);
    if ((p = check_bounds(c, f, t, at)) != NULL)
        return p;
    if (t == FT_SINGLE_CHOICE || t == FT_MULTIPLE_CHOICE) {
        if ((p = check_options(c, f, at)) != NULL)
            return p;
    } else if (json_object_get(f, "options") != NULL) {
        return bad(c, "%s: options only apply to choice fields.", at);
    }
    if (t == FT_PREFERENCE_LIST) {
        if ((p = check_items(c, f, at)) != NULL)
            return p;
    } else if (json_object_get(f, "items") != NULL) {
        return bad(c, "%s: items only apply to preference_list fields.", at);
    }
    if (json_object_get(f, "show_if") != NULL && (p = check_show_if(c, fields, i, at)) != NULL)
        return p;
    /* A follow-up of a weekly question is asked with it, never alone. */
    const json_t *si = json_object_get(f, "show_if");
    if (si != NULL && !json_is_true(weekly)) {
        const json_t *ref = earlier(fields, i, json_string_value(json_object_get(si, "field")));
        if (ref != NULL && json_is_true(json_object_get(ref, "once_a_week")))
            return bad(c,
                       "%s: its show_if names a once_a_week field, so it must be once_a_week "
                       "too.",
                       at);
    }
    return NULL;
}

/* Lowest and highest weight of a scored item. */
static void weight_range(const json_t *f, double *lo, double *hi)
{
    size_t i;
    const json_t *o;

    json_array_foreach(json_object_get(f, "options"), i, o)
    {
        double w = json_number_value(json_object_get(o, "weight"));
        if (i == 0 || w < *lo)
            *lo = w;
        if (i == 0 || w > *hi)
            *hi = w;
    }
}

static const char *check_bands(struct chk *c, const json_t *bands, double lo, double hi)
{
    static const char *const BAND_KEYS[] = {"min", "max", "label", NULL};
    size_t i, n = json_array_size(bands);
    const json_t *b;

    if (!json_is_array(bands) || n == 0)
        return bad(c, "Scoring: bands must be a non-empty list.");
    if (n > FORM_MAX_OPTIONS)
        return bad(c, "Scoring: at most %d bands are allowed.", FORM_MAX_OPTIONS);
    json_array_foreach(bands, i, b)
    {
        if (!json_is_object(b) || !is_finite_number(json_object_get(b, "min")) ||
            !is_finite_number(json_object_get(b, "max")) ||
            !is_text(json_object_get(b, "label"), FORM_MAX_LABEL) ||
            unknown_member(b, BAND_KEYS) != NULL)
            return bad(c, "Scoring: band #%zu needs exactly a numeric min, max and a label.",
                       i + 1);
        if (json_number_value(json_object_get(b, "min")) >
            json_number_value(json_object_get(b, "max")))
            return bad(c, "Scoring: band #%zu has min > max.", i + 1);
    }
    /* Walk the bands in order of min (n is small): each must start one
     * after the previous one ends, from the lowest to the highest score. */
    double prev_max = 0;
    for (size_t k = 0; k < n; k++) {
        const json_t *next = NULL;
        double next_min = 0;
        json_array_foreach(bands, i, b)
        {
            double mn = json_number_value(json_object_get(b, "min"));
            if ((k == 0 || mn > prev_max) && (next == NULL || mn < next_min)) {
                next = b;
                next_min = mn;
            }
        }
        if (next == NULL || (k == 0 && next_min != lo))
            return k == 0 ? bad(c, "Scoring: the bands must start at the lowest possible score.")
                          : bad(c, "Scoring: there is a gap or overlap between bands.");
        if (k > 0 && next_min != prev_max + 1)
            return bad(c, "Scoring: there is a gap or overlap before band \"%s\".",
                       json_string_value(json_object_get(next, "label")));
        prev_max = json_number_value(json_object_get(next, "max"));
    }
    if (prev_max != hi)
        return bad(c, "Scoring: the bands must end at the highest possible score.");
    return NULL;
}

static const char *check_scoring(struct chk *c, const json_t *def, const json_t *fields)
{
    static const char *const SCORING_KEYS[] = {
        "method", "items", "multiplier", "bands", "higher_is_better", "reliable_change", NULL};
    const json_t *s = json_object_get(def, "scoring");
    const json_t *items = json_object_get(s, "items");
    const json_t *mult = json_object_get(s, "multiplier");
    size_t i;
    const json_t *it;

    if (!json_is_object(s))
        return bad(c, "Scoring must be an object.");
    const char *uk = unknown_member(s, SCORING_KEYS);
    if (uk != NULL)
        return bad(c, "Scoring: unknown property \"%s\".", uk);
    if (!json_is_string(json_object_get(s, "method")) ||
        strcmp(json_string_value(json_object_get(s, "method")), "sum") != 0)
        return bad(c, "Scoring: method must be \"sum\".");
    if (!is_finite_number(mult) || json_number_value(mult) <= 0)
        return bad(c, "Scoring: multiplier must be a positive number.");
    if (!json_is_array(items) || json_array_size(items) == 0)
        return bad(c, "Scoring: items must be a non-empty list.");
    const json_t *hib = json_object_get(s, "higher_is_better");
    if (hib != NULL && !json_is_boolean(hib))
        return bad(c, "Scoring: higher_is_better must be true or false.");
    const json_t *rc = json_object_get(s, "reliable_change");
    if (rc != NULL && (!is_finite_number(rc) || json_number_value(rc) <= 0))
        return bad(c, "Scoring: reliable_change must be a positive number.");
    double lo = 0, hi = 0;
    json_array_foreach(items, i, it)
    {
        const char *key = json_string_value(it);
        if (key == NULL)
            return bad(c, "Scoring: item #%zu must be a field key.", i + 1);
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_array_get(items, j), (json_t *)it))
                return bad(c, "Scoring: the item \"%s\" is listed twice.", key);
        const json_t *f = earlier(fields, json_array_size(fields), key);
        if (f == NULL)
            return bad(c, "Scoring: the item \"%s\" is not a field.", key);
        if (form_field_type(f) != FT_SINGLE_CHOICE)
            return bad(c, "Scoring: the item \"%s\" must be a single_choice field.", key);
        size_t k;
        const json_t *o;
        json_array_foreach(json_object_get(f, "options"), k, o)
        {
            if (!is_finite_number(json_object_get(o, "weight")))
                return bad(c, "Scoring: every option of \"%s\" needs a numeric weight.", key);
        }
        if (!json_is_true(json_object_get(f, "required")))
            return bad(c, "Scoring: the item \"%s\" must be required.", key);
        double flo = 0, fhi = 0;
        weight_range(f, &flo, &fhi);
        lo += flo;
        hi += fhi;
    }
    return check_bands(c, json_object_get(s, "bands"), lo * json_number_value(mult),
                       hi * json_number_value(mult));
}

/* An alert rule: {"item", "message" (the clinician's), "client_message"
 * (what the client is told), and one condition: "min_weight" (a weighted
 * single_choice), "values" (option values of a single/multiple choice, or
 * "yes"/"no"), or "min" (a scale or number at or above it)}. */
static const char *check_alert(struct chk *c, size_t i, const json_t *a, const json_t *fields)
{
    static const char *const ALERT_KEYS[] = {"item",    "min_weight",     "values", "min",
                                             "message", "client_message", NULL};
    if (!json_is_object(a))
        return bad(c, "Alert #%zu must be an object.", i + 1);
    const char *item = json_string_value(json_object_get(a, "item"));
    const json_t *f = item != NULL ? earlier(fields, json_array_size(fields), item) : NULL;
    if (f == NULL)
        return bad(c, "Alert #%zu must name a field of the form as its item.", i + 1);
    const char *uk = unknown_member(a, ALERT_KEYS);
    if (uk != NULL)
        return bad(c, "Alert #%zu (%s): unknown property \"%s\".", i + 1, item, uk);
    if (!is_text(json_object_get(a, "message"), FORM_MAX_TEXT))
        return bad(c, "Alert #%zu (%s) needs a message for the therapist.", i + 1, item);
    if (!is_text(json_object_get(a, "client_message"), FORM_MAX_TEXT))
        return bad(c, "Alert #%zu (%s) needs a client_message: what the client is told.", i + 1,
                   item);
    const json_t *mw = json_object_get(a, "min_weight"), *vals = json_object_get(a, "values"),
                 *mn = json_object_get(a, "min");
    if ((mw != NULL) + (vals != NULL) + (mn != NULL) != 1)
        return bad(c, "Alert #%zu (%s) needs exactly one condition: min_weight, values or min.",
                   i + 1, item);
    enum form_type t = form_field_type(f);
    if (mw != NULL) {
        if (t != FT_SINGLE_CHOICE || !is_finite_number(mw))
            return bad(c, "Alert #%zu (%s): min_weight needs a number and a single_choice field.",
                       i + 1, item);
        size_t k;
        const json_t *o;
        json_array_foreach(json_object_get(f, "options"), k, o)
        {
            if (!is_finite_number(json_object_get(o, "weight")))
                return bad(c, "Alert #%zu (%s): min_weight needs every option weighted.", i + 1,
                           item);
        }
    } else if (mn != NULL) {
        if ((t != FT_SCALE && t != FT_NUMBER) || !is_finite_number(mn))
            return bad(c, "Alert #%zu (%s): min needs a number and a scale or number field.", i + 1,
                       item);
    } else {
        if (t != FT_SINGLE_CHOICE && t != FT_MULTIPLE_CHOICE && t != FT_YES_NO)
            return bad(c, "Alert #%zu (%s): values need a choice or yes/no field.", i + 1, item);
        if (!json_is_array(vals) || json_array_size(vals) == 0 ||
            json_array_size(vals) > FORM_MAX_OPTIONS)
            return bad(c, "Alert #%zu (%s): values must be a non-empty list.", i + 1, item);
        size_t k;
        const json_t *v;
        json_array_foreach(vals, k, v)
        {
            const char *s = json_string_value(v);
            bool known =
                s != NULL && (t == FT_YES_NO ? strcmp(s, "yes") == 0 || strcmp(s, "no") == 0
                                             : form_option(f, s) != NULL);
            if (!known)
                return bad(c, "Alert #%zu (%s): value #%zu is not one of the field's answers.",
                           i + 1, item, k + 1);
        }
    }
    return NULL;
}

static const char *check_alerts(struct chk *c, const json_t *def, const json_t *fields)
{
    const json_t *alerts = json_object_get(def, "alerts");
    size_t i;
    const json_t *a;
    const char *p;

    if (!json_is_array(alerts))
        return bad(c, "Alerts must be a list.");
    if (json_array_size(alerts) > FORM_MAX_FIELDS)
        return bad(c, "The form has too many alerts.");
    json_array_foreach(alerts, i, a)
    {
        if ((p = check_alert(c, i, a, fields)) != NULL)
            return p;
    }
    return NULL;
}

const char *form_check(const json_t *def, char *msg, size_t msglen)
{
    struct chk c = {msg, msglen};
    const json_t *fields = json_object_get(def, "fields");
    size_t i, answerable = 0;
    const json_t *f;
    const char *p;

    if (msg != NULL && msglen > 0)
        msg[0] = '\0';
    if (!json_is_object(def))
        return bad(&c, "The form definition must be an object.");
    if (!json_is_array(fields))
        return bad(&c, "The form needs a list of fields.");
    if (json_array_size(fields) > FORM_MAX_FIELDS)
        return bad(&c, "The form has %zu fields; at most %d are allowed.", json_array_size(fields),
                   FORM_MAX_FIELDS);
    json_array_foreach(fields, i, f)
    {
        if ((p = check_field(&c, fields, i)) != NULL)
            return p;
        if (form_field_type(f) != FT_SECTION)
            answerable++;
    }
    if (answerable == 0)
        return bad(&c, "The form needs at least one question.");
    if (json_object_get(def, "scoring") != NULL && (p = check_scoring(&c, def, fields)) != NULL)
        return p;
    if (json_object_get(def, "alerts") != NULL && (p = check_alerts(&c, def, fields)) != NULL)
        return p;
    return NULL;
}
