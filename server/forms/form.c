/* form.c: the forms engine's core: field types, reading one answer (raw
 * form input or a stored typed answer), show_if, and validation.
 * form_check.c checks definitions, form_view.c builds the template view,
 * form_score.c scores measures, form_fhir.c exports FHIR R4. */
#include "forms/form.h"
#include "forms/form_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

const struct form_type_info form_types[FT__MAX] = {
    [FT_SHORT_TEXT] = {.name = "short_text", .flag = "is_short_text"},
    [FT_LONG_TEXT] = {.name = "long_text", .flag = "is_long_text"},
    [FT_SCALE] = {.name = "scale", .flag = "is_scale"},
    [FT_SINGLE_CHOICE] = {.name = "single_choice", .flag = "is_single_choice"},
    [FT_MULTIPLE_CHOICE] = {.name = "multiple_choice", .flag = "is_multiple_choice"},
    [FT_YES_NO] = {.name = "yes_no", .flag = "is_yes_no"},
    [FT_DATE] = {.name = "date", .flag = "is_date"},
    [FT_NUMBER] = {.name = "number", .flag = "is_number"},
    [FT_CONSENT] = {.name = "consent", .flag = "is_consent"},
    [FT_SECTION] = {.name = "section", .flag = "is_section"},
    [FT_PREFERENCE_LIST] = {.name = "preference_list", .flag = "is_preference_list"},
};

/* Messages. Short and kind: they are read on a phone, often under stress. */
static const char MSG_REQUIRED[] = "Please answer this question.";
static const char MSG_REQUIRED_CONSENT[] = "Tick the box to continue.";
static const char MSG_REQUIRED_MULTI[] = "Choose at least one option.";
static const char MSG_ONE[] = "Please give only one answer.";
static const char MSG_UNREADABLE[] = "This answer could not be read. Please try again.";
static const char MSG_CHOICE[] = "Choose one of the options.";
static const char MSG_MULTI[] = "Choose from the options shown.";
static const char MSG_MULTI_TWICE[] = "Choose each option only once.";
static const char MSG_YES_NO[] = "Choose yes or no.";
static const char MSG_DATE[] = "Enter a date like 2026-03-14.";
static const char MSG_DATE_REAL[] = "Enter a real date, like 2026-03-14.";
static const char MSG_CONSENT[] = "Tick the box, or leave it empty.";
static const char MSG_PREF_UNKNOWN[] =
    "One of the items is not on this list. Reload the page and try again.";
static const char MSG_PREF_CHOICE[] = "Choose yes, maybe or no for each item.";
static const char MSG_PREF_NOTE_ONLY[] = "Choose yes, maybe or no for each item with a note.";
static const char MSG_PREF_NOTE[] = "Please shorten each note to 500 characters or fewer.";

enum form_type form_type_named(const char *name)
{
    if (name == NULL)
        return FT__MAX;
    for (int i = 0; i < FT__MAX; i++)
        if (strcmp(name, form_types[i].name) == 0)
            return (enum form_type)i;
    return FT__MAX;
}

enum form_type form_field_type(const json_t *field)
{
    return form_type_named(json_string_value(json_object_get(field, "type")));
}

const json_t *form_fields(const json_t *def)
{
    const json_t *f = json_object_get(def, "fields");
    return json_is_array(f) ? f : NULL;
}

const json_t *form_option(const json_t *field, const char *v)
{
    const json_t *opts = json_object_get(field, "options");
    size_t i;
    const json_t *o;

    if (v == NULL)
        return NULL;
    json_array_foreach(opts, i, o)
    {
        const char *ov = json_string_value(json_object_get(o, "value"));
        if (ov != NULL && strcmp(ov, v) == 0)
            return o;
    }
    return NULL;
}

const json_t *form_pref_item(const json_t *field, const char *k)
{
    size_t i;
    const json_t *it;

    if (k == NULL)
        return NULL;
    json_array_foreach(json_object_get(field, "items"), i, it)
    {
        const char *ik = json_string_value(json_object_get(it, "key"));
        if (ik != NULL && strcmp(ik, k) == 0)
            return it;
    }
    return NULL;
}

bool form_pref_choice_ok(const char *s)
{
    return form_pref_choice_label(s) != NULL;
}

const char *form_pref_choice_label(const char *s)
{
    if (s == NULL)
        return NULL;
    if (strcmp(s, "yes") == 0)
        return "Yes";
    if (strcmp(s, "maybe") == 0)
        return "Maybe";
    if (strcmp(s, "no") == 0)
        return "No";
    return NULL;
}

bool form_json_int(const json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = (long long)json_integer_value(v);
        return true;
    }
    /* 5.0 in a file is the integer 5 for JavaScript's checks too. */
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && fabs(d) < 9e15) {
            *out = (long long)d;
            return true;
        }
    }
    return false;
}

void form_fmt_number(double d, char *out, size_t outlen)
{
    if (d == floor(d) && fabs(d) < 1e15) {
        snprintf(out, outlen, "%.0f", d);
        if (strcmp(out, "-0") == 0)
            snprintf(out, outlen, "0");
        return;
    }
    /* Fixed notation with the fewest decimals that read back exactly. */
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, outlen, "%.*f", prec, d);
        if (strtod(out, NULL) == d)
            return;
    }
}

size_t form_utf8_len(const char *s, size_t n)
{
    size_t cp = 0;

    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            cp++;
    return cp;
}

bool form_has_text(const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v')
            return true;
    return false;
}

/* ------------------------------------------------------------ one answer */

static void fail(struct fres *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct fres *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    va_end(ap);
    r->err = r->msg;
}

static void answer(struct fres *r, json_t *typed)
{
    r->typed = typed;
    r->answered = typed != NULL;
}

/* The single string given for a field: "" when nothing was given. False
 * (with the message set) when several values or a non-string came. */
static bool one_string(struct fres *r, const json_t *g, const char **s, size_t *len)
{
    *s = "";
    *len = 0;
    if (g == NULL || json_is_null(g))
        return true;
    if (json_is_array(g)) {
        if (json_array_size(g) == 0)
            return true;
        if (json_array_size(g) > 1) {
            fail(r, "%s", MSG_ONE);
            return false;
        }
        g = json_array_get(g, 0);
    }
    if (!json_is_string(g)) {
        fail(r, "%s", MSG_UNREADABLE);
        return false;
    }
    *s = json_string_value(g);
    *len = json_string_length(g);
    if (strlen(*s) != *len) { /* an embedded NUL */
        fail(r, "%s", MSG_UNREADABLE);
        return false;
    }
    return true;
}

/* Copies s without surrounding white space into buf; false when too long. */
static bool trimmed(const char *s, char *buf, size_t buflen)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    if (n >= buflen)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}

static void parse_text(struct fres *r, const json_t *g)
{
    const char *s;
    size_t len;
    size_t cap = r->type == FT_SHORT_TEXT ? FORM_SHORT_TEXT_MAX : FORM_LONG_TEXT_MAX;

    if (!one_string(r, g, &s, &len) || !form_has_text(s))
        return;
    if (form_utf8_len(s, len) > cap) {
        fail(r, "Please shorten this to %s characters or fewer.",
             r->type == FT_SHORT_TEXT ? "500" : "20,000");
        return;
    }
    /* Stored as typed: white space inside free text is the person's own. */
    answer(r, json_stringn(s, len));
}

/* Scale values come from radio buttons the server wrote, so only the
 * canonical decimal form is accepted: "7", "-2", "0"; not "07", "+7",
 * " 7", "7.0" or "-0". */
static bool canonical_int(const char *s, long long *out)
{
    const char *p = s;

    if (*p == '-')
        p++;
    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0') || (s[0] == '-' && p[0] == '0'))
        return false;
    size_t digits = 0;
    for (const char *q = p; *q != '\0'; q++, digits++)
        if (*q < '0' || *q > '9' || digits >= 9)
            return false;
    *out = strtoll(s, NULL, 10);
    return true;
}

static void parse_scale(struct fres *r, const json_t *g)
{
    long long lo = 0, hi = 0, v = 0;
    bool range = form_json_int(json_object_get(r->field, "min"), &lo) &&
                 form_json_int(json_object_get(r->field, "max"), &hi);
    const char *s;
    size_t len;

    if (json_is_integer(g)) { /* a stored answer */
        v = (long long)json_integer_value(g);
    } else {
        if (!one_string(r, g, &s, &len) || *s == '\0')
            return;
        if (!canonical_int(s, &v))
            v = range ? lo - 1 : 0; /* out of range: the same message */
    }
    if (!range)
        fail(r, "%s", MSG_UNREADABLE); /* a definition form_check refuses */
    else if (v < lo || v > hi)
        fail(r, "Choose a number from %lld to %lld.", lo, hi);
    else
        answer(r, json_integer(v));
}

static void parse_single(struct fres *r, const json_t *g)
{
    const char *s;
    size_t len;

    if (!one_string(r, g, &s, &len) || *s == '\0')
        return;
    if (r->type == FT_YES_NO) {
        if (strcmp(s, "yes") != 0 && strcmp(s, "no") != 0)
            fail(r, "%s", MSG_YES_NO);
        else
            answer(r, json_string(s));
        return;
    }
    if (form_option(r->field, s) == NULL)
        fail(r, "%s", MSG_CHOICE);
    else
        answer(r, json_string(s));
}

/* Adds the strings of g (a string or an array of strings) to seen; false
 * when something else is there. */
static bool gather(const json_t *g, json_t *seen)
{
    size_t i;
    const json_t *v;

    if (g == NULL || json_is_null(g))
        return true;
    if (json_is_string(g))
        return json_array_append(seen, (json_t *)g) == 0;
    if (!json_is_array(g))
        return false;
    json_array_foreach(g, i, v)
    {
        if (!json_is_string(v) || json_array_append(seen, (json_t *)v) != 0)
            return false;
    }
    return true;
}

/* A multiple_choice answer is stored in the order of the options, each
 * value once; empty strings (a hidden "nothing ticked" input) are ignored. */
static void parse_multiple(struct fres *r, const json_t *g, const json_t *g_brackets)
{
    json_t *given = json_array();
    size_t i;
    const json_t *v;

    if (!gather(g, given) || !gather(g_brackets, given)) {
        fail(r, "%s", MSG_UNREADABLE);
        goto cleanup;
    }
    const json_t *opts = json_object_get(r->field, "options");
    if (json_array_size(given) > 2 * json_array_size(opts) + 2) {
        fail(r, "%s", MSG_MULTI);
        goto cleanup;
    }
    size_t nonempty = 0;
    json_array_foreach(given, i, v)
    {
        const char *s = json_string_value(v);
        if (*s == '\0')
            continue;
        nonempty++;
        if (form_option(r->field, s) == NULL) {
            fail(r, "%s", MSG_MULTI);
            goto cleanup;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_array_get(given, j)), s) == 0) {
                fail(r, "%s", MSG_MULTI_TWICE);
                goto cleanup;
            }
    }
    if (nonempty == 0)
        goto cleanup;
    json_t *typed = json_array();
    json_array_foreach(opts, i, v)
    {
        const char *ov = json_string_value(json_object_get(v, "value"));
        for (size_t j = 0; ov != NULL && j < json_array_size(given); j++)
            if (strcmp(json_string_value(json_array_get(given, j)), ov) == 0) {
                json_array_append_new(typed, json_string(ov));
                break;
            }
    }
    answer(r, typed);
cleanup:
    json_decref(given);
}

/* The value of n decimal digits (already checked to be digits). */
static int digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* 0: a real date YYYY-MM-DD (years 0001-9999, proleptic Gregorian);
 * 1: not in that form; 2: in that form but no such day. */
static int check_date(const char *s)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (s[i] == '\0' || (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')))
            return 1;
    }
    if (s[10] != '\0')
        return 1;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 2;
    int dim = days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
    return d > dim ? 2 : 0;
}

static void parse_date(struct fres *r, const json_t *g)
{
    const char *s;
    size_t len;
    char buf[16];

    if (!one_string(r, g, &s, &len))
        return;
    if (!trimmed(s, buf, sizeof(buf))) {
        fail(r, "%s", MSG_DATE);
        return;
    }
    if (buf[0] == '\0')
        return;
    int rc = check_date(buf);
    if (rc != 0)
        fail(r, "%s", rc == 1 ? MSG_DATE : MSG_DATE_REAL);
    else
        answer(r, json_string(buf));
}

/* The range part of a number message: " from 1 to 20", " of 0 or more". */
static void range_text(const json_t *field, char *out, size_t outlen)
{
    const json_t *mn = json_object_get(field, "min"), *mx = json_object_get(field, "max");
    char a[40], b[40];

    out[0] = '\0';
    if (json_is_number(mn))
        form_fmt_number(json_number_value(mn), a, sizeof(a));
    if (json_is_number(mx))
        form_fmt_number(json_number_value(mx), b, sizeof(b));
    if (json_is_number(mn) && json_is_number(mx))
        snprintf(out, outlen, " from %s to %s", a, b);
    else if (json_is_number(mn))
        snprintf(out, outlen, " of %s or more", a);
    else if (json_is_number(mx))
        snprintf(out, outlen, " of %s or less", b);
}

/* What a person may type into a number box: optional white space around,
 * an optional "-", digits, and (only with "step": "any") a decimal point
 * with digits after it: "12", "007", "-3", "2.5", ".5". No "+", no
 * exponent, no thousands separators, no "NaN"/"inf". */
static bool number_syntax(const char *s, bool decimal)
{
    size_t digits = 0, frac = 0;

    if (*s == '-')
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        digits++;
    if (*s == '.' && decimal) {
        for (s++; *s >= '0' && *s <= '9'; s++)
            frac++;
        if (frac == 0)
            return false;
    }
    return *s == '\0' && digits + frac > 0;
}

static void parse_number(struct fres *r, const json_t *g)
{
    const char *step = json_string_value(json_object_get(r->field, "step"));
    bool decimal = step != NULL && strcmp(step, "any") == 0;
    const json_t *mn = json_object_get(r->field, "min"), *mx = json_object_get(r->field, "max");
    char range[100], buf[40];
    double v;

    range_text(r->field, range, sizeof(range));
    if (json_is_integer(g) || (decimal && json_is_real(g))) { /* a stored answer */
        v = json_number_value(g);
    } else {
        const char *s;
        size_t len;
        if (!one_string(r, g, &s, &len))
            return;
        if (!trimmed(s, buf, sizeof(buf)) || (buf[0] != '\0' && !number_syntax(buf, decimal))) {
            fail(r, "Enter a %s%s.", decimal ? "number" : "whole number", range);
            return;
        }
        if (buf[0] == '\0')
            return;
        errno = 0;
        v = strtod(buf, NULL);
        if (errno != 0)
            v = INFINITY;
    }
    if ((json_is_number(mn) && v < json_number_value(mn)) ||
        (json_is_number(mx) && v > json_number_value(mx))) {
        fail(r, "Enter a number%s.", range);
        return;
    }
    double cap = decimal ? FORM_DECIMAL_MAX : (double)FORM_INT_MAX;
    if (!(fabs(v) <= cap)) {
        fail(r, "%s",
             v > 0 ? "That number is too large. Enter a smaller one."
                   : "That number is too small. Enter a larger one.");
        return;
    }
    if (v == 0)
        v = 0; /* no -0 */
    answer(r, decimal ? json_real(v) : json_integer((json_int_t)v));
}

static void parse_consent(struct fres *r, const json_t *g)
{
    const char *s;
    size_t len;

    if (json_is_boolean(g)) { /* a stored answer */
        if (json_is_true(g))
            answer(r, json_true());
        return;
    }
    if (!one_string(r, g, &s, &len) || *s == '\0')
        return;
    if (strcmp(s, "on") == 0)
        answer(r, json_true());
    else
        fail(r, "%s", MSG_CONSENT);
}

/* Sets member m ("choice" or "note") of picked[item] to the string v. */
static void pick(json_t *picked, const char *item, const char *m, const json_t *v)
{
    json_t *p = json_object_get(picked, item);

    if (p == NULL) {
        p = json_object();
        json_object_set_new(picked, item, p);
    }
    json_object_set(p, m, (json_t *)v);
}

/* A preference_list answer: {"item_key": {"choice": "yes"|"maybe"|"no",
 * "note"?: "..."}}, items in the list's order, only answered items. Read
 * from a stored answer (the object under the field's key) and/or the form's
 * inputs "<key>.<item>" (the choice) and "<key>.<item>.note". An item key
 * not on the list is refused, and so is a note without a choice. */
static void parse_prefs(struct fres *r, const json_t *given)
{
    const json_t *g = json_object_get(given, r->key);
    json_t *picked = json_object();
    size_t klen = strlen(r->key);
    const char *name;
    json_t *v;

    if (g != NULL && !json_is_null(g)) {
        if (!json_is_object(g)) {
            fail(r, "%s", MSG_UNREADABLE);
            goto out;
        }
        json_object_foreach((json_t *)g, name, v)
        {
            if (form_pref_item(r->field, name) == NULL) {
                fail(r, "%s", MSG_PREF_UNKNOWN);
                goto out;
            }
            const json_t *c = json_object_get(v, "choice"), *n = json_object_get(v, "note");
            if (!json_is_object(v) ||
                json_object_size(v) != (size_t)(c != NULL) + (size_t)(n != NULL) ||
                (c != NULL && !json_is_string(c)) || (n != NULL && !json_is_string(n))) {
                fail(r, "%s", MSG_UNREADABLE);
                goto out;
            }
            if (c != NULL)
                pick(picked, name, "choice", c);
            if (n != NULL)
                pick(picked, name, "note", n);
        }
    }
    json_object_foreach((json_t *)given, name, v)
    {
        if (strncmp(name, r->key, klen) != 0 || name[klen] != '.')
            continue;
        const char *rest = name + klen + 1, *dot = strchr(rest, '.');
        size_t len = dot != NULL ? (size_t)(dot - rest) : strlen(rest);
        char item[FORM_MAX_KEY + 1];
        if ((dot != NULL && strcmp(dot, ".note") != 0) || len == 0 || len > FORM_MAX_KEY) {
            fail(r, "%s", MSG_PREF_UNKNOWN);
            goto out;
        }
        memcpy(item, rest, len);
        item[len] = '\0';
        if (form_pref_item(r->field, item) == NULL) {
            fail(r, "%s", MSG_PREF_UNKNOWN);
            goto out;
        }
        const char *s;
        size_t slen;
        if (!one_string(r, v, &s, &slen))
            goto out;
        json_t *sv = json_stringn(s, slen);
        pick(picked, item, dot != NULL ? "note" : "choice", sv);
        json_decref(sv);
    }
    json_t *typed = json_object();
    size_t i;
    const json_t *it;
    json_array_foreach(json_object_get(r->field, "items"), i, it)
    {
        const char *k = json_string_value(json_object_get(it, "key"));
        const json_t *p = k != NULL ? json_object_get(picked, k) : NULL;
        if (p == NULL)
            continue;
        const char *c = json_string_value(json_object_get(p, "choice"));
        const json_t *note = json_object_get(p, "note");
        bool has_choice = c != NULL && *c != '\0';
        bool has_note = note != NULL && form_has_text(json_string_value(note));
        if (has_choice && !form_pref_choice_ok(c)) {
            fail(r, "%s", MSG_PREF_CHOICE);
        } else if (has_note && form_utf8_len(json_string_value(note), json_string_length(note)) >
                                   FORM_PREF_NOTE_MAX) {
            fail(r, "%s", MSG_PREF_NOTE);
        } else if (has_note && !has_choice) {
            fail(r, "%s", MSG_PREF_NOTE_ONLY);
        } else if (has_choice) {
            json_t *a = json_pack("{s:s}", "choice", c);
            if (has_note)
                json_object_set(a, "note", (json_t *)note);
            json_object_set_new(typed, k, a);
            continue;
        } else {
            continue;
        }
        json_decref(typed);
        goto out;
    }
    if (json_object_size(typed) > 0)
        answer(r, typed);
    else
        json_decref(typed);
out:
    json_decref(picked);
}

static void parse_field(struct fres *r, const json_t *given)
{
    const json_t *g = json_object_get(given, r->key);

    switch (r->type) {
    case FT_SHORT_TEXT:
    case FT_LONG_TEXT:
        parse_text(r, g);
        break;
    case FT_SCALE:
        parse_scale(r, g);
        break;
    case FT_SINGLE_CHOICE:
    case FT_YES_NO:
        parse_single(r, g);
        break;
    case FT_MULTIPLE_CHOICE: {
        char bkey[FORM_MAX_KEY + 3];
        snprintf(bkey, sizeof(bkey), "%s[]", r->key);
        parse_multiple(r, g, strlen(r->key) <= FORM_MAX_KEY ? json_object_get(given, bkey) : NULL);
        break;
    }
    case FT_DATE:
        parse_date(r, g);
        break;
    case FT_NUMBER:
        parse_number(r, g);
        break;
    case FT_CONSENT:
        parse_consent(r, g);
        break;
    case FT_PREFERENCE_LIST:
        parse_prefs(r, given);
        break;
    case FT_SECTION:
    case FT__MAX:
        break;
    }
}

/* ---------------------------------------------------------------- show_if */

/* True when field i's show_if holds given the fields before it. A field is
 * shown when the referenced field is visible and its answer equals the
 * value (numbers compared numerically). A consent box that is not ticked
 * counts as false, so {"equals": false} means "shown while unticked". */
static bool shown(const struct fres *r, size_t i)
{
    const json_t *si = json_object_get(r[i].field, "show_if");
    const char *ref = json_string_value(json_object_get(si, "field"));
    const json_t *eq = json_object_get(si, "equals");
    size_t j = i;

    if (si == NULL)
        return true;
    if (ref == NULL || eq == NULL)
        return false;
    while (j-- > 0)
        if (r[j].key != NULL && strcmp(r[j].key, ref) == 0)
            break;
    if (j >= i || !r[j].visible)
        return false;
    const struct fres *p = &r[j];
    switch (p->type) {
    case FT_CONSENT:
        return json_is_boolean(eq) && json_is_true(eq) == p->answered;
    case FT_SCALE:
    case FT_NUMBER:
        return p->answered && json_is_number(eq) &&
               json_number_value(p->typed) == json_number_value(eq);
    case FT_SHORT_TEXT:
    case FT_LONG_TEXT:
    case FT_SINGLE_CHOICE:
    case FT_YES_NO:
    case FT_DATE:
        return p->answered && json_is_string(eq) &&
               strcmp(json_string_value(p->typed), json_string_value(eq)) == 0;
    default:
        return false; /* multiple_choice, section: never (form_check refuses them) */
    }
}

struct fres *form_resolve(const json_t *def, const json_t *given, size_t *n)
{
    const json_t *fields = form_fields(def);

    *n = 0;
    if (fields == NULL)
        return NULL;
    size_t count = json_array_size(fields);
    struct fres *r = xcalloc(count > 0 ? count : 1, sizeof(*r));
    for (size_t i = 0; i < count; i++) {
        struct fres *e = &r[i];
        e->field = json_array_get(fields, i);
        e->key = json_string_value(json_object_get(e->field, "key"));
        e->type = form_field_type(e->field);
        e->visible = shown(r, i);
        if (e->visible && e->key != NULL && json_is_object(given))
            parse_field(e, given);
    }
    *n = count;
    return r;
}

void form_resolve_free(struct fres *r, size_t n)
{
    for (size_t i = 0; r != NULL && i < n; i++)
        json_decref(r[i].typed);
    free(r);
}

/* ------------------------------------------------------------- validation */

static const char *required_message(enum form_type t)
{
    if (t == FT_CONSENT)
        return MSG_REQUIRED_CONSENT;
    if (t == FT_MULTIPLE_CHOICE)
        return MSG_REQUIRED_MULTI;
    if (t == FT_PREFERENCE_LIST)
        return "Answer at least one item.";
    return MSG_REQUIRED;
}

int form_validate(const json_t *def, const json_t *input, bool draft, json_t **answers,
                  json_t **errors)
{
    size_t n;
    int problems = 0;

    if (answers != NULL)
        *answers = NULL;
    if (errors != NULL)
        *errors = NULL;
    if (answers == NULL || errors == NULL || form_fields(def) == NULL)
        return -1;
    struct fres *r = form_resolve(def, input, &n);
    *answers = json_object();
    *errors = json_object();
    for (size_t i = 0; i < n; i++) {
        const struct fres *e = &r[i];
        if (!e->visible || e->key == NULL || e->type == FT_SECTION || e->type == FT__MAX)
            continue;
        if (e->err != NULL) {
            json_object_set_new(*errors, e->key, json_string(e->err));
            problems++;
        } else if (e->answered) {
            json_object_set(*answers, e->key, e->typed);
        } else if (!draft && json_is_true(json_object_get(e->field, "required"))) {
            json_object_set_new(*errors, e->key, json_string(required_message(e->type)));
            problems++;
        }
    }
    form_resolve_free(r, n);
    return problems;
}

json_t *form_without_weekly(const json_t *def)
{
    if (!json_is_object(def))
        return NULL;
    json_t *copy = json_copy((json_t *)def);
    const json_t *fields = form_fields(def);
    if (fields == NULL)
        return copy;
    json_t *kept = json_array();
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f)
    {
        if (!json_is_true(json_object_get(f, "once_a_week")))
            json_array_append(kept, (json_t *)f);
    }
    json_object_set_new(copy, "fields", kept);
    return copy;
}
