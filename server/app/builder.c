/* builder.c: the form builder's pure part: drafts of exercises and intake
 * forms changed one plain form post at a time, checked with a message per
 * input, and the builder page's view (see builder.h). */
#include "app/builder.h"

#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/library.h"
#include "forms/form.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "util/utf8.h"

/* Details of an exercise (docs/CONTENT.md). */
#define MAX_TITLE 200
#define MAX_SUMMARY 1000
#define MAX_STEPS 30
#define MAX_STEP 1000
#define MAX_NOTE 4000
#define MAX_TAGS 20
#define MAX_TAG 40
/* The base of a key the builder makes from a label is at most this long (bytes),
 * well inside FORM_MAX_KEY, leaving room for a "q_" prefix and a "_2" suffix. */
#define MAX_KEY_BASE 40

/* The field types (form.h) as the builder names them. */
static const char *const TYPE_LABELS[FT__MAX] = {
    [FT_SHORT_TEXT] = "Short text",
    [FT_LONG_TEXT] = "Long text",
    [FT_SCALE] = "Scale with labelled ends",
    [FT_SINGLE_CHOICE] = "Single choice",
    [FT_MULTIPLE_CHOICE] = "Multiple choice",
    [FT_YES_NO] = "Yes or no",
    [FT_DATE] = "Date",
    [FT_NUMBER] = "Number",
    [FT_CONSENT] = "Consent checkbox",
    [FT_SECTION] = "Section heading and text",
    [FT_PREFERENCE_LIST] = "Preference list (yes, maybe or no per item)",
};

static const char *const CATEGORIES[][2] = {
    {"connection", "Connection"},
    {"communication", "Communication"},
    {"touch", "Touch"},
    {"anxiety", "Anxiety"},
    {"consent", "Consent"},
    {"trust", "Trust"},
    {"self-awareness", "Self-awareness"},
    {"wellbeing", "Wellbeing"},
    {"rituals", "Rituals"},
};
static const char *const AUDIENCES[][2] = {
    {"individual", "One person"},
    {"couple", "A couple"},
    {"either", "One person or a couple"},
};
#define NCATEGORIES (sizeof(CATEGORIES) / sizeof(CATEGORIES[0]))
#define NAUDIENCES (sizeof(AUDIENCES) / sizeof(AUDIENCES[0]))

static const char *const META_EXERCISE[] = {
    "title",        "category",         "tags",           "audience", "summary",
    "instructions", "duration_minutes", "times_per_week", "weeks",    "safety_note",
    NULL,
};
static const char *const META_INTAKE[] = {"title", "summary", NULL};
static const char *const FIELD_INPUTS[] = {
    "label",
    "help",
    "required",
    "text",
    "min",
    "max",
    "min_label",
    "max_label",
    "options",
    "decimals",
    "show_if_field",
    "show_if_value",
    "alert_on",
    "alert_message",
    "alert_client_message",
    "items",
    NULL,
};

static bool is_exercise(const char *kind)
{
    return strcmp(kind, "exercise") == 0;
}

bool builder_kind_ok(const char *kind)
{
    return kind != NULL && (strcmp(kind, "exercise") == 0 || strcmp(kind, "intake") == 0);
}

static const char *key_of(const json_t *field)
{
    return json_string_value(json_object_get(field, "key"));
}

/* The key a field's show_if names, or NULL. */
static const char *depends_on(const json_t *field)
{
    return json_string_value(json_object_get(json_object_get(field, "show_if"), "field"));
}

/* ---- problems ---- */

/* Cuts s back so it does not end inside a UTF-8 sequence (after snprintf
 * truncated it). */
static void utf8_cut(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0) {
        s[0] = '\0';
        return;
    }
    unsigned char lead = (unsigned char)s[i - 1];
    size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (i - 1 + want > n)
        s[i - 1] = '\0';
}

void builder_problem(json_t *problems, const char *at, const char *input, const char *message)
{
    size_t i;
    json_t *p;
    json_array_foreach(problems, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "at")), at) == 0 &&
            strcmp(json_string_value(json_object_get(p, "input")), input) == 0)
            return;
    }
    json_array_append_new(
        problems, json_pack("{s:s, s:s, s:s}", "at", at, "input", input, "message", message));
}

/* Adds a problem; returns false, so a check can read `ok = fail(...)`. */
static bool fail(json_t *problems, const char *at, const char *input, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool fail(json_t *problems, const char *at, const char *input, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        snprintf(msg, sizeof(msg), "This is not valid.");
    else if ((size_t)n >= sizeof(msg))
        utf8_cut(msg);
    builder_problem(problems, at, input, msg);
    return false;
}

/* The message for at + input, or NULL. Borrowed. */
static const char *problem_for(const json_t *problems, const char *at, const char *input)
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

static bool has_problem_at(const json_t *problems, const char *at)
{
    size_t i;
    const json_t *p;
    json_array_foreach(problems, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "at")), at) == 0)
            return true;
    }
    return false;
}

/* ---- text ---- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A copy of s (NULL: "") without white space around it, and with CR LF
 * and CR as LF. Caller frees. */
static char *clean(const char *s)
{
    if (s == NULL)
        s = "";
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        n--;
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            *o++ = '\n';
            if (i + 1 < n && s[i + 1] == '\n')
                i++;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* Trims white space in place; returns the new start. */
static char *trim_in_place(char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Checks text that was cleaned: at most max code points, and no control
 * characters besides line breaks and tabs. */
static bool text_ok(json_t *problems, const char *at, const char *input, const char *s, size_t max)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
            return fail(problems, at, input, "Remove the control characters from this text.");
    if (utf8_code_points(s) > max)
        return fail(problems, at, input, "Use at most %zu characters.", max);
    return true;
}

/* The value of input name in an inputs object, or "". */
static const char *in_get(const json_t *in, const char *name)
{
    const char *v = json_string_value(json_object_get(in, name));
    return v != NULL ? v : "";
}

/* snake_case of the ASCII letters and digits of s, at most max bytes
 * (out: max + 1 bytes); "" when there are none. */
static void snake(const char *s, char *out, size_t max)
{
    size_t n = 0;
    bool gap = false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            gap = true;
            continue;
        }
        if ((gap && n > 0 && n + 2 > max) || n + 1 > max) {
            /* Too long: end at a whole word when there is one. */
            char *last = n > 0 ? memrchr(out, '_', n) : NULL;
            if (!gap && last != NULL)
                n = (size_t)(last - out);
            break;
        }
        if (gap && n > 0)
            out[n++] = '_';
        out[n++] = (char)c;
        gap = false;
    }
    out[n] = '\0';
}

/* A key for a new field labelled label: snake_case, beginning with a
 * letter, unique among fields (out: 64 bytes). */
static void make_key(const json_t *fields, const char *label, char out[64])
{
    char base[MAX_KEY_BASE + 1];
    snake(label, base, MAX_KEY_BASE);
    if (base[0] == '\0')
        snprintf(base, sizeof(base), "field");
    char first[MAX_KEY_BASE + 3];
    snprintf(first, sizeof(first), "%s%s", base[0] >= '0' && base[0] <= '9' ? "q_" : "", base);
    for (unsigned n = 1;; n++) {
        if (n == 1)
            snprintf(out, 64, "%s", first);
        else
            snprintf(out, 64, "%s_%u", first, n);
        bool taken = false;
        size_t i;
        const json_t *f;
        json_array_foreach(fields, i, f)
        {
            const char *k = key_of(f);
            taken = taken || (k != NULL && strcmp(k, out) == 0);
        }
        if (!taken)
            return;
    }
}

/* Strict whole number: -?[0-9]{1,9} (white space around allowed). */
static bool parse_int(const char *raw, long long *out)
{
    char *s = clean(raw);
    const char *p = s + (s[0] == '-');
    size_t n = strlen(p);
    bool ok = n >= 1 && n <= 9 && strspn(p, "0123456789") == n;
    if (ok)
        *out = strtoll(s, NULL, 10);
    free(s);
    return ok;
}

/* Strict number: -?digits(.digits)?, |n| <= 1e15. *integral when there is
 * no fractional part. */
static bool parse_num(const char *raw, double *out, bool *integral)
{
    char *s = clean(raw);
    const char *p = s + (s[0] == '-');
    size_t whole = strspn(p, "0123456789");
    bool ok = whole >= 1 && whole <= 16;
    *integral = true;
    if (ok && p[whole] == '.') {
        size_t frac = strspn(p + whole + 1, "0123456789");
        ok = frac >= 1 && frac <= 15 && p[whole + 1 + frac] == '\0';
        *integral = false;
    } else if (ok) {
        ok = p[whole] == '\0';
    }
    if (ok) {
        *out = strtod(s, NULL);
        ok = isfinite(*out) && fabs(*out) <= FORM_DECIMAL_MAX;
        if (ok && !*integral && *out == floor(*out))
            *integral = true; /* "3.0" */
    }
    free(s);
    return ok;
}

static json_t *num_json(double v, bool integral)
{
    return integral ? json_integer((json_int_t)v) : json_real(v);
}

/* A number as a person types it: "3", "2.5". Caller frees. */
static char *num_text(const json_t *v)
{
    char tmp[48] = "";
    if (json_is_integer(v)) {
        snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(tmp, sizeof(tmp), "%.*g", prec, json_real_value(v));
            if (strtod(tmp, NULL) == json_real_value(v))
                break;
        }
    }
    return xstrdup(tmp);
}

/* A show_if value as typed in the builder ("yes", "true", "5"). Caller
 * frees. */
static char *value_text(const json_t *v)
{
    if (json_is_string(v))
        return xstrdup(json_string_value(v));
    if (json_is_boolean(v))
        return xstrdup(json_is_true(v) ? "true" : "false");
    return num_text(v);
}

/* ---- details ---- */

static const char *const *meta_names(const char *kind)
{
    return is_exercise(kind) ? META_EXERCISE : META_INTAKE;
}

json_t *builder_meta_posted(const struct request *req, const char *kind)
{
    json_t *in = json_object();
    for (const char *const *n = meta_names(kind); *n != NULL; n++) {
        const char *v = req_form(req, *n);
        json_object_set_new(in, *n, json_string(v != NULL ? v : ""));
    }
    return in;
}

static json_t *joined(const json_t *arr, const char *sep)
{
    struct buf b = BUF_INIT;
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v))
            continue;
        if (b.len > 0)
            buf_puts(&b, sep);
        buf_puts(&b, json_string_value(v));
    }
    json_t *s = json_string(buf_cstr(&b));
    buf_free(&b);
    return s;
}

static json_t *stored_text(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    if (json_is_string(v))
        return json_string(json_string_value(v));
    if (json_is_number(v)) {
        char *t = num_text(v);
        json_t *s = json_string(t);
        free(t);
        return s;
    }
    return json_string("");
}

json_t *builder_meta_stored(const json_t *content, const char *kind)
{
    json_t *in = json_object();
    json_object_set_new(in, "title", stored_text(content, "title"));
    json_object_set_new(in, "summary", stored_text(content, "summary"));
    if (!is_exercise(kind))
        return in;
    json_object_set_new(in, "category", stored_text(content, "category"));
    json_object_set_new(in, "audience", stored_text(content, "audience"));
    json_object_set_new(in, "tags", joined(json_object_get(content, "tags"), ", "));
    json_object_set_new(in, "instructions", joined(json_object_get(content, "instructions"), "\n"));
    json_object_set_new(in, "duration_minutes", stored_text(content, "duration_minutes"));
    const json_t *rhythm = json_object_get(content, "rhythm");
    json_object_set_new(in, "times_per_week", stored_text(rhythm, "times_per_week"));
    json_object_set_new(in, "weeks", stored_text(rhythm, "weeks"));
    json_object_set_new(in, "safety_note", stored_text(content, "safety_note"));
    return in;
}

/* A text detail: set (or null, to remove it, when empty). */
static bool meta_text(json_t *set, const json_t *in, const char *name, size_t max, bool need,
                      const char *missing, json_t *problems)
{
    char *s = clean(in_get(in, name));
    bool ok = true;
    if (*s == '\0') {
        if (need)
            ok = fail(problems, "meta", name, "%s", missing);
        else
            json_object_set_new(set, name, json_null());
    } else if ((ok = text_ok(problems, "meta", name, s, max))) {
        json_object_set_new(set, name, json_string(s));
    }
    free(s);
    return ok;
}

/* A choice among list (value, label pairs). */
static bool meta_choice(json_t *set, const json_t *in, const char *name,
                        const char *const (*list)[2], size_t n, bool need, const char *missing,
                        json_t *problems)
{
    const char *v = in_get(in, name);
    if (*v == '\0') {
        if (need)
            return fail(problems, "meta", name, "%s", missing);
        json_object_set_new(set, name, json_null());
        return true;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i][0], v) == 0) {
            json_object_set_new(set, name, json_string(v));
            return true;
        }
    return fail(problems, "meta", name, "Choose one from the list.");
}

/* A whole number lo..hi, or (when not needed) nothing. */
static bool meta_int(const json_t *in, const char *name, long long lo, long long hi, bool need,
                     const char *missing, json_t **out, json_t *problems)
{
    const char *v = in_get(in, name);
    long long n;
    *out = NULL;
    char *s = clean(v);
    bool empty = *s == '\0';
    free(s);
    if (empty)
        return need ? fail(problems, "meta", name, "%s", missing) : true;
    if (!parse_int(v, &n) || n < lo || n > hi)
        return fail(problems, "meta", name, "Enter a whole number from %lld to %lld.", lo, hi);
    *out = json_integer(n);
    return true;
}

static bool meta_tags(json_t *set, const json_t *in, json_t *problems)
{
    char *s = clean(in_get(in, "tags"));
    json_t *tags = json_array();
    bool ok = true;
    for (char *p = s, *next; p != NULL && ok; p = next) {
        char *comma = strchr(p, ',');
        next = comma != NULL ? comma + 1 : NULL;
        if (comma != NULL)
            *comma = '\0';
        char *t = trim_in_place(p);
        for (char *c = t; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        if (*t == '\0')
            continue;
        if (!text_ok(problems, "meta", "tags", t, MAX_TAG) || strchr(t, '\n') != NULL) {
            ok = fail(problems, "meta", "tags",
                      "Keep each tag short (at most %d characters), "
                      "separated by commas.",
                      MAX_TAG);
            break;
        }
        bool dup = false;
        size_t i;
        json_t *x;
        json_array_foreach(tags, i, x) dup = dup || strcmp(json_string_value(x), t) == 0;
        if (!dup)
            json_array_append_new(tags, json_string(t));
    }
    if (ok && json_array_size(tags) > MAX_TAGS)
        ok = fail(problems, "meta", "tags", "Use at most %d tags.", MAX_TAGS);
    if (ok)
        json_object_set_new(set, "tags", tags);
    else
        json_decref(tags);
    free(s);
    return ok;
}

static bool meta_steps(json_t *set, const json_t *in, bool need, json_t *problems)
{
    char *s = clean(in_get(in, "instructions"));
    json_t *steps = json_array();
    bool ok = true;
    for (char *p = s, *next; p != NULL && ok; p = next) {
        char *nl = strchr(p, '\n');
        next = nl != NULL ? nl + 1 : NULL;
        if (nl != NULL)
            *nl = '\0';
        char *t = trim_in_place(p);
        /* "1. Sit down" -> "Sit down": the page numbers the steps itself. */
        size_t digits = strspn(t, "0123456789");
        if (digits > 0 && digits < 3 && (t[digits] == '.' || t[digits] == ')') &&
            is_space(t[digits + 1]))
            t = trim_in_place(t + digits + 1);
        if (*t == '\0')
            continue;
        if (!text_ok(problems, "meta", "instructions", t, MAX_STEP))
            ok = false;
        else
            json_array_append_new(steps, json_string(t));
    }
    if (ok && json_array_size(steps) > MAX_STEPS)
        ok = fail(problems, "meta", "instructions", "Use at most %d steps.", MAX_STEPS);
    if (ok && need && json_array_size(steps) == 0)
        ok = fail(problems, "meta", "instructions", "Write at least one step, one per line.");
    if (ok)
        json_object_set_new(set, "instructions", steps);
    else
        json_decref(steps);
    free(s);
    return ok;
}

bool builder_meta_apply(json_t *content, const char *kind, const json_t *in, bool complete,
                        json_t *problems)
{
    json_t *set = json_object(); /* member -> new value; null removes it */
    bool ok = true, ex = is_exercise(kind);

    char *title = clean(in_get(in, "title"));
    if (*title == '\0')
        ok = fail(problems, "meta", "title", "Enter a title.");
    else if (!text_ok(problems, "meta", "title", title, MAX_TITLE))
        ok = false;
    else if (strcasestr(title, "sex") != NULL)
        /* As for the shipped library (docs/CONTENT.md): titles show on
         * screens and in notifications, possibly in front of others. */
        ok = fail(problems, "meta", "title",
                  "Keep the title neutral: it shows on screens and in notifications, possibly in "
                  "front of others. Leave out \"sex\".");
    else
        json_object_set_new(set, "title", json_string(title));
    free(title);

    ok &= meta_text(set, in, "summary", MAX_SUMMARY, complete && ex,
                    "Write a sentence or two about it.", problems);
    if (ex) {
        ok &= meta_choice(set, in, "category", CATEGORIES, NCATEGORIES, complete,
                          "Choose a category.", problems);
        ok &= meta_choice(set, in, "audience", AUDIENCES, NAUDIENCES, complete,
                          "Choose who it is for.", problems);
        ok &= meta_tags(set, in, problems);
        ok &= meta_steps(set, in, complete, problems);
        json_t *minutes = NULL, *times = NULL, *weeks = NULL;
        ok &= meta_int(in, "duration_minutes", 1, 180, complete,
                       "Enter how many minutes one sitting takes.", &minutes, problems);
        ok &= meta_int(in, "times_per_week", 1, 14, complete, "Enter how many times a week.",
                       &times, problems);
        ok &= meta_int(in, "weeks", 1, 26, complete, "Enter for how many weeks.", &weeks, problems);
        if (ok && (times == NULL) != (weeks == NULL))
            ok = fail(problems, "meta", times == NULL ? "times_per_week" : "weeks",
                      "Give both the times a week and the number of weeks, or neither.");
        json_object_set_new(set, "duration_minutes", minutes != NULL ? minutes : json_null());
        if (times != NULL && weeks != NULL)
            json_object_set_new(set, "rhythm",
                                json_pack("{s:o, s:o}", "times_per_week", times, "weeks", weeks));
        else {
            json_decref(times);
            json_decref(weeks);
            json_object_set_new(set, "rhythm", json_null());
        }
        ok &= meta_text(set, in, "safety_note", MAX_NOTE, complete,
                        "Write a safety note: that they may pause or stop at any time, and when "
                        "to talk to you first.",
                        problems);
    }
    if (ok) {
        const char *k;
        json_t *v;
        json_object_foreach(set, k, v)
        {
            if (json_is_null(v))
                json_object_del(content, k);
            else
                json_object_set(content, k, v);
        }
    }
    json_decref(set);
    return ok;
}

/* ---- fields ---- */

json_t *builder_new(const char *kind)
{
    if (is_exercise(kind))
        return json_pack("{s:s, s:[], s:[], s:{s:[]}}", "title", "", "tags", "instructions",
                         "reflection", "fields");
    return json_pack("{s:s, s:[]}", "title", "", "fields");
}

json_t *builder_fields(json_t *content, const char *kind)
{
    json_t *holder = content;
    if (is_exercise(kind)) {
        holder = json_object_get(content, "reflection");
        if (!json_is_object(holder)) {
            holder = json_object();
            json_object_set_new(content, "reflection", holder);
        }
    }
    json_t *fields = json_object_get(holder, "fields");
    if (!json_is_array(fields)) {
        fields = json_array();
        json_object_set_new(holder, "fields", fields);
    }
    return fields;
}

/* The fields of a draft that is only read; NULL when there are none. */
static const json_t *fields_of(const json_t *content, const char *kind)
{
    const json_t *f = json_object_get(activity_form(kind, content), "fields");
    return json_is_array(f) ? f : NULL;
}

void builder_slug(char out[24])
{
    unsigned char r[8];
    randombytes_buf(r, sizeof(r));
    char hex[17];
    sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
    snprintf(out, 24, "custom-%s", hex);
}

json_t *builder_field_posted(const struct request *req)
{
    json_t *in = json_object();
    for (const char *const *n = FIELD_INPUTS; *n != NULL; n++) {
        const char *v = req_form(req, *n);
        /* A post without the flag's inputs (a form of a question that
         * cannot flag, an older page) leaves the flag as it is. */
        if (v == NULL && strncmp(*n, "alert_", 6) == 0)
            continue;
        json_object_set_new(in, *n, json_string(v != NULL ? v : ""));
    }
    return in;
}

/* ---- alerts ---- */

/* Can a field of type t raise a flag (an alert rule with values or min)? */
static bool can_alert(enum form_type t)
{
    return t == FT_YES_NO || t == FT_SINGLE_CHOICE || t == FT_MULTIPLE_CHOICE || t == FT_SCALE ||
           t == FT_NUMBER;
}

/* The definition that holds the fields and the alerts of a draft (created
 * when missing, like builder_fields). Borrowed. */
static json_t *form_holder(json_t *content, const char *kind)
{
    builder_fields(content, kind);
    return is_exercise(kind) ? json_object_get(content, "reflection") : content;
}

/* The first alert rule of form for the field keyed key, or NULL. */
static const json_t *alert_for(const json_t *form, const char *key)
{
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(form, "alerts"), i, a)
    {
        const char *item = json_string_value(json_object_get(a, "item"));
        if (item != NULL && key != NULL && strcmp(item, key) == 0)
            return a;
    }
    return NULL;
}

/* Replaces the rules of form for key with rule (stolen; NULL: none), in
 * the place of the first one; removes "alerts" when it ends up empty. */
static void alerts_set(json_t *form, const char *key, json_t *rule)
{
    json_t *old = json_object_get(form, "alerts");
    json_t *out = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(old, i, a)
    {
        const char *item = json_string_value(json_object_get(a, "item"));
        if (item == NULL || strcmp(item, key) != 0)
            json_array_append(out, a);
        else if (rule != NULL) {
            json_array_append_new(out, rule);
            rule = NULL;
        }
    }
    if (rule != NULL)
        json_array_append_new(out, rule);
    if (json_array_size(out) > 0)
        json_object_set_new(form, "alerts", out);
    else {
        json_decref(out);
        json_object_del(form, "alerts");
    }
}

/* How an option is named in the builder's "which answers" input: its
 * label, unless that contains a comma (the separator), then its value. */
static const char *option_name(const json_t *o)
{
    const char *l = json_string_value(json_object_get(o, "label"));
    const char *v = json_string_value(json_object_get(o, "value"));
    return l != NULL && strchr(l, ',') == NULL ? l : v != NULL ? v : "";
}

/* Does the alert rule's condition include option o? (values, or a
 * min_weight that o's weight reaches: shown, and saved, as the options.) */
static bool rule_has_option(const json_t *rule, const json_t *o)
{
    const char *v = json_string_value(json_object_get(o, "value"));
    const json_t *mw = json_object_get(rule, "min_weight");
    if (json_is_number(mw)) {
        const json_t *w = json_object_get(o, "weight");
        return json_is_number(w) && json_number_value(w) >= json_number_value(mw);
    }
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(rule, "values"), i, x)
    {
        if (v != NULL && json_is_string(x) && strcmp(json_string_value(x), v) == 0)
            return true;
    }
    return false;
}

/* The "alert_on" input for a stored rule of field: "yes", "Often, Always",
 * "7". Caller frees. */
static char *alert_on_text(const json_t *field, const json_t *rule)
{
    enum form_type t = form_field_type(field);
    if (t == FT_SCALE || t == FT_NUMBER)
        return num_text(json_object_get(rule, "min"));
    if (t == FT_YES_NO) {
        const json_t *v = json_array_get(json_object_get(rule, "values"), 0);
        return xstrdup(json_is_string(v) ? json_string_value(v) : "");
    }
    struct buf b = BUF_INIT;
    size_t i;
    const json_t *o;
    json_array_foreach(json_object_get(field, "options"), i, o)
    {
        if (rule_has_option(rule, o))
            buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", option_name(o));
    }
    char *s = xstrdup(buf_cstr(&b));
    buf_free(&b);
    return s;
}

/* The alert rule for the new field f (type t, key set) from the inputs
 * alert_on, alert_message and alert_client_message: *rule is a new
 * reference, or NULL when all three are empty (no flag). False after
 * adding problems. Settings of f that failed their own checks (no options,
 * no scale range) are not checked against. */
static bool alert_check(const json_t *f, enum form_type t, const json_t *in, const char *at,
                        json_t **rule, json_t *problems)
{
    *rule = NULL;
    char *on = clean(in_get(in, "alert_on"));
    char *msg = clean(in_get(in, "alert_message"));
    char *cmsg = clean(in_get(in, "alert_client_message"));
    json_t *cond = NULL; /* {"values": [...]} or {"min": n} */
    bool ok = true;
    if (*on == '\0' && *msg == '\0' && *cmsg == '\0')
        goto cleanup;
    if (!can_alert(t)) {
        ok = fail(problems, at, "field",
                  "Only a yes or no, choice, scale or number question can "
                  "raise a flag.");
        goto cleanup;
    }
    if (*msg == '\0')
        ok = fail(problems, at, "alert_message",
                  "Write what you want to be reminded of when this answer comes in.");
    else
        ok &= text_ok(problems, at, "alert_message", msg, FORM_MAX_TEXT);
    if (*cmsg == '\0')
        ok = fail(problems, at, "alert_client_message",
                  "Write what the client reads right after answering.");
    else
        ok &= text_ok(problems, at, "alert_client_message", cmsg, FORM_MAX_TEXT);

    if (*on == '\0') {
        ok = fail(problems, at, "alert_on",
                  t == FT_YES_NO ? "Choose the answer that raises the flag, or empty both "
                                   "messages for no flag."
                  : t == FT_SCALE || t == FT_NUMBER
                      ? "Enter the number at or above which the flag is raised, or empty both "
                        "messages for no flag."
                      : "Write the options that raise the flag, or empty both messages for no "
                        "flag.");
        goto cleanup;
    }
    switch (t) {
    case FT_YES_NO:
        if (strcasecmp(on, "yes") == 0 || strcasecmp(on, "no") == 0)
            cond = json_pack("{s:[s]}", "values", strcasecmp(on, "yes") == 0 ? "yes" : "no");
        else
            ok = fail(problems, at, "alert_on", "Choose Yes or No.");
        break;
    case FT_SINGLE_CHOICE:
    case FT_MULTIPLE_CHOICE: {
        const json_t *opts = json_object_get(f, "options");
        if (!json_is_array(opts))
            break; /* the options' own problem comes first */
        size_t nopt = json_array_size(opts);
        bool *chosen = xcalloc(nopt > 0 ? nopt : 1, sizeof(bool));
        bool any = false;
        for (char *p = on, *next; p != NULL && ok; p = next) {
            char *comma = strchr(p, ',');
            next = comma != NULL ? comma + 1 : NULL;
            if (comma != NULL)
                *comma = '\0';
            char *w = trim_in_place(p);
            if (*w == '\0')
                continue;
            size_t hit = nopt;
            for (size_t k = 0; k < nopt && hit == nopt; k++) {
                const char *v =
                    json_string_value(json_object_get(json_array_get(opts, k), "value"));
                if (v != NULL && strcmp(v, w) == 0)
                    hit = k;
            }
            for (size_t k = 0; k < nopt && hit == nopt; k++) {
                const char *l =
                    json_string_value(json_object_get(json_array_get(opts, k), "label"));
                if (l != NULL && strcasecmp(l, w) == 0)
                    hit = k;
            }
            if (hit == nopt) {
                struct buf names = BUF_INIT;
                for (size_t k = 0; k < nopt; k++)
                    buf_printf(&names, "%s%s", k > 0 ? ", " : "",
                               option_name(json_array_get(opts, k)));
                ok = fail(problems, at, "alert_on",
                          "\"%s\" is not one of the options. Write options of this question, "
                          "separated by commas: %s.",
                          w, buf_cstr(&names));
                buf_free(&names);
            } else {
                chosen[hit] = any = true;
            }
        }
        if (ok && !any)
            ok = fail(problems, at, "alert_on", "Write at least one option, like \"%s\".",
                      option_name(json_array_get(opts, 0)));
        if (ok) {
            json_t *vals = json_array();
            for (size_t k = 0; k < nopt; k++)
                if (chosen[k])
                    json_array_append(vals, json_object_get(json_array_get(opts, k), "value"));
            cond = json_pack("{s:o}", "values", vals);
        }
        free(chosen);
        break;
    }
    case FT_SCALE: {
        const json_t *jlo = json_object_get(f, "min"), *jhi = json_object_get(f, "max");
        if (!json_is_integer(jlo) || !json_is_integer(jhi))
            break; /* the range's own problem comes first */
        long long n, lo = json_integer_value(jlo), hi = json_integer_value(jhi);
        if (parse_int(on, &n) && n >= lo && n <= hi)
            cond = json_pack("{s:I}", "min", (json_int_t)n);
        else
            ok = fail(problems, at, "alert_on",
                      "Enter a whole number from %lld to %lld (the scale's range): answers at or "
                      "above it raise the flag.",
                      lo, hi);
        break;
    }
    case FT_NUMBER: {
        bool decimals = json_object_get(f, "step") != NULL, integral;
        const json_t *jlo = json_object_get(f, "min"), *jhi = json_object_get(f, "max");
        double d;
        if (!parse_num(on, &d, &integral) || (!decimals && !integral))
            ok = fail(problems, at, "alert_on",
                      decimals ? "Enter a number: answers at or above it raise the flag."
                               : "Enter a whole number: answers at or above it raise the flag.");
        else if ((jlo != NULL && d < json_number_value(jlo)) ||
                 (jhi != NULL && d > json_number_value(jhi))) {
            char *tlo = jlo != NULL ? num_text(jlo) : NULL,
                 *thi = jhi != NULL ? num_text(jhi) : NULL;
            if (tlo != NULL && thi != NULL)
                ok = fail(problems, at, "alert_on",
                          "Enter a number from %s to %s (the answers allowed): answers at or "
                          "above it raise the flag.",
                          tlo, thi);
            else
                ok = fail(problems, at, "alert_on",
                          "Enter a number %s %s (the answers allowed): answers at or above it "
                          "raise the flag.",
                          tlo != NULL ? "of at least" : "of at most", tlo != NULL ? tlo : thi);
            free(tlo);
            free(thi);
        } else
            cond = json_pack("{s:o}", "min", num_json(d, integral));
        break;
    }
    default:
        break;
    }
    if (ok && cond != NULL) {
        *rule =
            json_pack("{s:s, s:s, s:s}", "item", key_of(f), "message", msg, "client_message", cmsg);
        json_object_update(*rule, cond);
    }

cleanup:
    json_decref(cond);
    free(on);
    free(msg);
    free(cmsg);
    return ok;
}

/* What a stored rule flags, for the field's summary: "answers \"Yes\"",
 * "answers \"Often\" or \"Always\"", "answers of 7 or more". Caller frees. */
static char *alert_summary(const json_t *field, const json_t *rule)
{
    enum form_type t = form_field_type(field);
    struct buf b = BUF_INIT;
    if (t == FT_SCALE || t == FT_NUMBER) {
        char *n = num_text(json_object_get(rule, "min"));
        buf_printf(&b, "answers of %s or more", n);
        free(n);
    } else if (t == FT_YES_NO) {
        const char *v = json_string_value(json_array_get(json_object_get(rule, "values"), 0));
        buf_printf(&b, "answers \"%s\"", v != NULL && strcmp(v, "no") == 0 ? "No" : "Yes");
    } else {
        size_t i, n = 0, total = 0;
        const json_t *o;
        json_array_foreach(json_object_get(field, "options"), i, o) total +=
            rule_has_option(rule, o);
        buf_puts(&b, "answers ");
        json_array_foreach(json_object_get(field, "options"), i, o)
        {
            if (!rule_has_option(rule, o))
                continue;
            const char *l = json_string_value(json_object_get(o, "label"));
            n++;
            buf_printf(&b, "%s\"%s\"",
                       n == 1       ? ""
                       : n == total ? " or "
                                    : ", ",
                       l != NULL ? l : "");
        }
    }
    char *s = xstrdup(buf_cstr(&b));
    buf_free(&b);
    return s;
}

json_t *builder_field_stored(const json_t *form, const json_t *field)
{
    json_t *in = json_object();
    static const char *const TEXTS[] = {"label", "help", "text", "min_label", "max_label", NULL};
    for (const char *const *n = TEXTS; *n != NULL; n++)
        json_object_set_new(in, *n, stored_text(field, *n));
    json_object_set_new(in, "min", stored_text(field, "min"));
    json_object_set_new(in, "max", stored_text(field, "max"));
    json_object_set_new(in, "required",
                        json_string(json_is_true(json_object_get(field, "required")) ? "on" : ""));
    const json_t *step = json_object_get(field, "step");
    json_object_set_new(
        in, "decimals",
        json_string(json_is_string(step) && strcmp(json_string_value(step), "any") == 0 ? "on"
                                                                                        : ""));
    struct buf b = BUF_INIT;
    size_t i;
    const json_t *o;
    json_array_foreach(json_object_get(field, "options"), i, o)
    {
        const char *v = json_string_value(json_object_get(o, "value"));
        const char *l = json_string_value(json_object_get(o, "label"));
        buf_printf(&b, "%s%s | %s", i > 0 ? "\n" : "", v != NULL ? v : "", l != NULL ? l : "");
    }
    json_object_set_new(in, "options", json_string(buf_cstr(&b)));
    buf_free(&b);
    b = (struct buf)BUF_INIT;
    json_array_foreach(json_object_get(field, "items"), i, o)
    {
        const char *k = json_string_value(json_object_get(o, "key"));
        const char *l = json_string_value(json_object_get(o, "label"));
        const char *g = json_string_value(json_object_get(o, "group"));
        buf_printf(&b, "%s%s | %s", i > 0 ? "\n" : "", k != NULL ? k : "", l != NULL ? l : "");
        if (g != NULL)
            buf_printf(&b, " | %s", g);
    }
    json_object_set_new(in, "items", json_string(buf_cstr(&b)));
    buf_free(&b);
    const json_t *si = json_object_get(field, "show_if");
    const char *dep = json_string_value(json_object_get(si, "field"));
    json_object_set_new(in, "show_if_field", json_string(dep != NULL ? dep : ""));
    const json_t *eq = json_object_get(si, "equals");
    char *eqt = eq != NULL ? value_text(eq) : xstrdup("");
    json_object_set_new(in, "show_if_value", json_string(eqt));
    free(eqt);
    const json_t *rule = alert_for(form, key_of(field));
    char *on = rule != NULL ? alert_on_text(field, rule) : xstrdup("");
    json_object_set_new(in, "alert_on", json_string(on));
    free(on);
    json_object_set_new(in, "alert_message", stored_text(rule, "message"));
    json_object_set_new(in, "alert_client_message", stored_text(rule, "client_message"));
    return in;
}

/* Options from "value | label" lines (a line without "|" is a label, and
 * its value is made from it). Weights of options kept from old. New
 * reference, or NULL after adding a problem. */
static json_t *parse_options(const json_t *old, const char *text, const char *at, json_t *problems)
{
    char *s = clean(text);
    json_t *opts = json_array();
    bool ok = true;
    size_t line = 0;
    for (char *p = s, *next; p != NULL && ok; p = next) {
        char *nl = strchr(p, '\n');
        next = nl != NULL ? nl + 1 : NULL;
        if (nl != NULL)
            *nl = '\0';
        line++;
        char *t = trim_in_place(p);
        if (*t == '\0')
            continue;
        char *bar = strchr(t, '|');
        char made[MAX_KEY_BASE + 1];
        const char *value, *label;
        if (bar != NULL) {
            *bar = '\0';
            value = trim_in_place(t);
            label = trim_in_place(bar + 1);
        } else {
            label = t;
            snake(t, made, MAX_KEY_BASE);
            value = made[0] != '\0' ? made : t;
        }
        if (*value == '\0' || *label == '\0') {
            ok = fail(problems, at, "options",
                      "Line %zu: write the value, then \"|\", then the label, like \"often | "
                      "Often\".",
                      line);
            break;
        }
        if (!text_ok(problems, at, "options", value, FORM_MAX_VALUE) ||
            !text_ok(problems, at, "options", label, FORM_MAX_LABEL)) {
            ok = false;
            break;
        }
        size_t i;
        json_t *o;
        json_array_foreach(opts, i, o)
        {
            if (strcmp(json_string_value(json_object_get(o, "value")), value) == 0) {
                ok = fail(problems, at, "options",
                          "Line %zu: the value \"%s\" is already used; each option needs its own.",
                          line, value);
                break;
            }
        }
        if (!ok)
            break;
        json_t *opt = json_pack("{s:s, s:s}", "value", value, "label", label);
        json_array_foreach(json_object_get(old, "options"), i, o)
        {
            const char *ov = json_string_value(json_object_get(o, "value"));
            const json_t *w = json_object_get(o, "weight");
            if (ov != NULL && strcmp(ov, value) == 0 && json_is_number(w))
                json_object_set(opt, "weight", (json_t *)w);
        }
        json_array_append_new(opts, opt);
    }
    if (ok && json_array_size(opts) < 2)
        ok = fail(problems, at, "options", "Give at least two options, one per line.");
    if (ok && json_array_size(opts) > FORM_MAX_OPTIONS)
        ok = fail(problems, at, "options", "Use at most %d options.", FORM_MAX_OPTIONS);
    free(s);
    if (!ok) {
        json_decref(opts);
        return NULL;
    }
    return opts;
}

/* True for lowercase snake_case of at most 64 bytes. */
static bool snake_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '_')
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (c == '_' ? s[i - 1] == '_' : !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* A preference list's items from "key | label | group" lines (group
 * optional; a line with no "|" is a label, its key made from it). New
 * reference, or NULL after adding a problem (at the "items" input). */
static json_t *parse_items(const char *text, const char *at, json_t *problems)
{
    char *s = clean(text);
    json_t *items = json_array();
    bool ok = true;
    size_t line = 0;
    for (char *p = s, *next; p != NULL && ok; p = next) {
        char *nl = strchr(p, '\n');
        next = nl != NULL ? nl + 1 : NULL;
        if (nl != NULL)
            *nl = '\0';
        line++;
        char *t = trim_in_place(p);
        if (*t == '\0')
            continue;
        char made[MAX_KEY_BASE + 1];
        const char *key, *label, *group = NULL;
        char *bar = strchr(t, '|');
        if (bar == NULL) {
            label = t;
            snake(t, made, MAX_KEY_BASE);
            key = made;
            if (made[0] < 'a' || made[0] > 'z') {
                ok = fail(problems, at, "items",
                          "Line %zu: start with a key in lowercase letters, like \"slow_touch | "
                          "Slow touch | Touch\".",
                          line);
                break;
            }
        } else {
            *bar = '\0';
            key = trim_in_place(t);
            char *rest = bar + 1, *bar2 = strchr(rest, '|');
            if (bar2 != NULL) {
                *bar2 = '\0';
                group = trim_in_place(bar2 + 1);
                if (*group == '\0')
                    group = NULL;
            }
            label = trim_in_place(rest);
        }
        if (!snake_ok(key)) {
            ok = fail(problems, at, "items",
                      "Line %zu: the key \"%s\" must be lowercase letters, digits and single "
                      "underscores, like \"slow_touch\".",
                      line, key);
            break;
        }
        if (*label == '\0') {
            ok = fail(problems, at, "items",
                      "Line %zu: write the key, \"|\", the label, and optionally \"|\" and a "
                      "group, like \"slow_touch | Slow touch | Touch\".",
                      line);
            break;
        }
        if (utf8_code_points(label) > FORM_MAX_ITEM_LABEL ||
            (group != NULL && utf8_code_points(group) > FORM_MAX_ITEM_LABEL)) {
            ok = fail(problems, at, "items",
                      "Line %zu: an item's label and group can be at most %d characters each.",
                      line, FORM_MAX_ITEM_LABEL);
            break;
        }
        size_t i;
        json_t *o;
        json_array_foreach(items, i, o)
        {
            if (strcmp(json_string_value(json_object_get(o, "key")), key) == 0) {
                ok = fail(problems, at, "items",
                          "Line %zu: the key \"%s\" is already used; each item needs its own.",
                          line, key);
                break;
            }
        }
        if (!ok)
            break;
        json_t *it = json_pack("{s:s, s:s}", "key", key, "label", label);
        if (group != NULL)
            json_object_set_new(it, "group", json_string(group));
        json_array_append_new(items, it);
    }
    if (ok && json_array_size(items) == 0)
        ok = fail(problems, at, "items",
                  "Write at least one item, one per line, like \"slow_touch | Slow touch | "
                  "Touch\".");
    if (ok && json_array_size(items) > FORM_MAX_ITEMS)
        ok = fail(problems, at, "items", "Use at most %d items.", FORM_MAX_ITEMS);
    free(s);
    if (!ok) {
        json_decref(items);
        return NULL;
    }
    return items;
}

/* The show_if value typed as s for a field depending on rf, typed as the
 * forms engine compares it. NULL with a message in msg when rf cannot take
 * that value. New reference. */
static json_t *show_if_value(const json_t *rf, const char *raw, char *msg, size_t msglen)
{
    char *s = clean(raw);
    json_t *v = NULL;
    long long n, lo, hi;
    double d;
    bool integral;
    switch (form_field_type(rf)) {
    case FT_YES_NO:
        if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "no") == 0)
            v = json_string(strcasecmp(s, "yes") == 0 ? "yes" : "no");
        else
            snprintf(msg, msglen, "Enter yes or no.");
        break;
    case FT_SINGLE_CHOICE: {
        struct buf values = BUF_INIT;
        size_t i;
        const json_t *o;
        json_array_foreach(json_object_get(rf, "options"), i, o)
        {
            const char *ov = json_string_value(json_object_get(o, "value"));
            if (ov != NULL && strcmp(ov, s) == 0)
                v = json_string(ov);
            if (ov != NULL)
                buf_printf(&values, "%s%s", i > 0 ? ", " : "", ov);
        }
        if (v == NULL) {
            snprintf(msg, msglen, "Enter one of the option values: %s.", buf_cstr(&values));
            utf8_cut(msg);
        }
        buf_free(&values);
        break;
    }
    case FT_CONSENT:
        if (strcasecmp(s, "true") == 0 || strcasecmp(s, "ticked") == 0)
            v = json_true();
        else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "not ticked") == 0)
            v = json_false();
        else
            snprintf(msg, msglen, "Enter true (ticked) or false (not ticked).");
        break;
    case FT_SCALE:
        lo = json_integer_value(json_object_get(rf, "min"));
        hi = json_integer_value(json_object_get(rf, "max"));
        if (parse_int(s, &n) && n >= lo && n <= hi)
            v = json_integer(n);
        else
            snprintf(msg, msglen, "Enter a whole number from %lld to %lld.", lo, hi);
        break;
    case FT_NUMBER: {
        const char *step = json_string_value(json_object_get(rf, "step"));
        bool decimals = step != NULL && strcmp(step, "any") == 0;
        if (parse_num(s, &d, &integral) && (decimals || integral))
            v = num_json(d, integral);
        else
            snprintf(msg, msglen, decimals ? "Enter a number." : "Enter a whole number.");
        break;
    }
    case FT_SHORT_TEXT:
    case FT_LONG_TEXT:
    case FT_DATE:
        if (*s != '\0' && utf8_code_points(s) <= FORM_MAX_VALUE && strchr(s, '\n') == NULL)
            v = json_string(s);
        else
            snprintf(msg, msglen, "Enter the answer that shows this question (one line).");
        break;
    default:
        snprintf(msg, msglen,
                 "A question cannot depend on a section heading or a multiple choice question.");
        break;
    }
    free(s);
    return v;
}

/* Which input a broken dependency is reported next to. */
static const char *setting_input(enum form_type t)
{
    switch (t) {
    case FT_SCALE:
        return "max";
    case FT_SINGLE_CHOICE:
    case FT_MULTIPLE_CHOICE:
        return "options";
    case FT_PREFERENCE_LIST:
        return "items";
    case FT_NUMBER:
        return "decimals";
    default:
        return "field";
    }
}

static bool field_text(json_t *f, const json_t *in, const char *name, size_t max, bool need,
                       const char *missing, const char *at, json_t *problems)
{
    char *s = clean(in_get(in, name));
    bool ok = true;
    if (*s == '\0') {
        if (need)
            ok = fail(problems, at, name, "%s", missing);
    } else if ((ok = text_ok(problems, at, name, s, max))) {
        json_object_set_new(f, name, json_string(s));
    }
    free(s);
    return ok;
}

/* The field at index rebuilt from in (see builder_field_apply), and its
 * alert rule (*rule: a new reference, or NULL for none; rule may be NULL
 * when it is not wanted). New reference, or NULL after adding problems. */
static json_t *field_check(const json_t *fields, size_t index, const json_t *in, json_t **rule,
                           json_t *problems)
{
    char at[24];
    snprintf(at, sizeof(at), "%zu", index);
    const json_t *old = json_array_get(fields, index);
    enum form_type t = form_field_type(old);
    const char *key = key_of(old);
    if (t == FT__MAX || key == NULL) {
        fail(problems, at, "field", "This field cannot be edited here: remove it.");
        return NULL;
    }
    json_t *f = json_pack("{s:s, s:s}", "key", key, "type", form_types[t].name);
    bool ok =
        field_text(f, in, "label", FORM_MAX_LABEL, true,
                   t == FT_SECTION ? "Enter the heading." : "Enter the question.", at, problems);
    if (t == FT_SECTION) {
        ok &= field_text(f, in, "text", FORM_MAX_TEXT, false, NULL, at, problems);
    } else {
        ok &= field_text(f, in, "help", FORM_MAX_LABEL, false, NULL, at, problems);
        if (*in_get(in, "required") != '\0')
            json_object_set_new(f, "required", json_true());
    }

    long long lo = 0, hi = 0;
    double dlo = 0, dhi = 0;
    bool ilo, ihi;
    switch (t) {
    case FT_SCALE: {
        bool have_lo = parse_int(in_get(in, "min"), &lo);
        bool have_hi = parse_int(in_get(in, "max"), &hi);
        if (!have_lo)
            ok = fail(problems, at, "min", "Enter a whole number, like 0.");
        if (!have_hi)
            ok = fail(problems, at, "max", "Enter a whole number, like 10.");
        if (have_lo && have_hi) {
            if (lo >= hi)
                ok = fail(problems, at, "max",
                          "The highest value must be more than the lowest (%lld).", lo);
            else if (lo < -FORM_MAX_SCALE_ABS || hi > FORM_MAX_SCALE_ABS ||
                     hi - lo + 1 > FORM_MAX_SCALE_STEPS)
                ok = fail(problems, at, "max", "A scale can have at most %d points.",
                          FORM_MAX_SCALE_STEPS);
            else {
                json_object_set_new(f, "min", json_integer(lo));
                json_object_set_new(f, "max", json_integer(hi));
            }
        }
        ok &= field_text(f, in, "min_label", FORM_MAX_LABEL, true,
                         "Label the lowest end, like \"Not at all\".", at, problems);
        ok &= field_text(f, in, "max_label", FORM_MAX_LABEL, true,
                         "Label the highest end, like \"Completely\".", at, problems);
        /* min and max come before the labels in the shipped files. */
        break;
    }
    case FT_NUMBER: {
        char *smin = clean(in_get(in, "min")), *smax = clean(in_get(in, "max"));
        bool have_lo = false, have_hi = false;
        if (*smin != '\0' && !(have_lo = parse_num(smin, &dlo, &ilo)))
            ok = fail(problems, at, "min", "Enter a number, or leave it empty.");
        if (*smax != '\0' && !(have_hi = parse_num(smax, &dhi, &ihi)))
            ok = fail(problems, at, "max", "Enter a number, or leave it empty.");
        if (have_lo && have_hi && !(dlo < dhi))
            ok = fail(problems, at, "max", "The highest value must be more than the lowest.");
        if (have_lo)
            json_object_set_new(f, "min", num_json(dlo, ilo));
        if (have_hi)
            json_object_set_new(f, "max", num_json(dhi, ihi));
        if (*in_get(in, "decimals") != '\0')
            json_object_set_new(f, "step", json_string("any"));
        free(smin);
        free(smax);
        break;
    }
    case FT_SINGLE_CHOICE:
    case FT_MULTIPLE_CHOICE: {
        json_t *opts = parse_options(old, in_get(in, "options"), at, problems);
        if (opts == NULL)
            ok = false;
        else
            json_object_set_new(f, "options", opts);
        break;
    }
    case FT_PREFERENCE_LIST: {
        json_t *items = parse_items(in_get(in, "items"), at, problems);
        if (items == NULL)
            ok = false;
        else
            json_object_set_new(f, "items", items);
        break;
    }
    default:
        break;
    }

    json_t *r = NULL;
    ok &= alert_check(f, t, in, at, &r, problems);

    const char *dep = in_get(in, "show_if_field");
    if (*dep != '\0') {
        const json_t *rf = NULL;
        for (size_t j = 0; j < index && rf == NULL; j++) {
            const char *k = key_of(json_array_get(fields, j));
            if (k != NULL && strcmp(k, dep) == 0)
                rf = json_array_get(fields, j);
        }
        char msg[400];
        json_t *eq = NULL;
        if (rf == NULL)
            ok = fail(problems, at, "show_if_field",
                      "Choose a question that comes before this one: a question can only depend "
                      "on an earlier answer.");
        else if (form_field_type(rf) == FT_SECTION || form_field_type(rf) == FT_MULTIPLE_CHOICE ||
                 form_field_type(rf) == FT_PREFERENCE_LIST)
            ok = fail(problems, at, "show_if_field",
                      "A question cannot depend on a section heading, a multiple choice "
                      "question or a preference list.");
        else if ((eq = show_if_value(rf, in_get(in, "show_if_value"), msg, sizeof(msg))) == NULL)
            ok = fail(problems, at, "show_if_value", "%s", msg);
        else
            json_object_set_new(f, "show_if", json_pack("{s:s, s:o}", "field", dep, "equals", eq));
    }

    /* A later question shown on one of this field's answers must still be
     * able to get it. */
    for (size_t j = index + 1; ok && j < json_array_size(fields); j++) {
        const json_t *g = json_array_get(fields, j);
        const char *gd = depends_on(g);
        if (gd == NULL || strcmp(gd, key) != 0)
            continue;
        char *want = value_text(json_object_get(json_object_get(g, "show_if"), "equals"));
        char msg[400];
        json_t *eq = show_if_value(f, want, msg, sizeof(msg));
        if (eq == NULL)
            ok = fail(problems, at, setting_input(t),
                      "Question %zu is shown only when this answer is \"%s\": keep that answer "
                      "possible, or change question %zu first.",
                      j + 1, want, j + 1);
        json_decref(eq);
        free(want);
    }
    if (!ok) {
        json_decref(f);
        json_decref(r);
        return NULL;
    }
    if (rule != NULL)
        *rule = r;
    else
        json_decref(r);
    return f;
}

bool builder_field_apply(json_t *content, const char *kind, size_t index, const json_t *in,
                         json_t *problems)
{
    json_t *fields = builder_fields(content, kind);
    json_t *rule = NULL, *with_flag = NULL;
    if (json_object_get(in, "alert_on") == NULL && json_object_get(in, "alert_message") == NULL &&
        json_object_get(in, "alert_client_message") == NULL) {
        /* No flag inputs: the stored flag, checked against the new field. */
        json_t *stored =
            builder_field_stored(form_holder(content, kind), json_array_get(fields, index));
        with_flag = json_deep_copy(in);
        json_object_set(with_flag, "alert_on", json_object_get(stored, "alert_on"));
        json_object_set(with_flag, "alert_message", json_object_get(stored, "alert_message"));
        json_object_set(with_flag, "alert_client_message",
                        json_object_get(stored, "alert_client_message"));
        json_decref(stored);
        in = with_flag;
    }
    json_t *f = field_check(fields, index, in, &rule, problems);
    json_decref(with_flag);
    if (f == NULL)
        return false;
    alerts_set(form_holder(content, kind), key_of(f), rule);
    /* What the builder does not edit (a library field's weekly mark and
     * the therapist's SUDS label, docs/CONTENT.md) survives an edit. */
    const json_t *was = json_array_get(fields, index);
    static const char *const KEPT[] = {"once_a_week", "therapist_label", NULL};
    for (const char *const *k = KEPT; *k != NULL && form_field_type(f) != FT_SECTION; k++)
        if (json_object_get(f, *k) == NULL && json_object_get(was, *k) != NULL)
            json_object_set(f, *k, json_object_get(was, *k));
    json_array_set_new(fields, index, f);
    return true;
}

bool builder_field_add(json_t *content, const char *kind, const char *type, const char *label,
                       size_t *index, json_t *problems)
{
    json_t *fields = builder_fields(content, kind);
    enum form_type t = form_type_named(type);
    bool ok = true;
    if (t == FT__MAX)
        ok = fail(problems, "add", "type", "Choose a type of field.");
    char *l = clean(label);
    if (*l == '\0')
        ok = fail(problems, "add", "label", "Enter the question (or, for a section, its heading).");
    else if (!text_ok(problems, "add", "label", l, FORM_MAX_LABEL))
        ok = false;
    if (json_array_size(fields) >= FORM_MAX_FIELDS)
        ok = fail(problems, "add", "label", "A form can have at most %d fields.", FORM_MAX_FIELDS);
    if (ok) {
        char key[64];
        make_key(fields, l, key);
        json_t *f =
            json_pack("{s:s, s:s, s:s}", "key", key, "type", form_types[t].name, "label", l);
        if (t == FT_SCALE) {
            /* The usual 0-10; the end labels are for the therapist to write. */
            json_object_set_new(f, "min", json_integer(0));
            json_object_set_new(f, "max", json_integer(10));
        }
        json_array_append_new(fields, f);
        *index = json_array_size(fields) - 1;
    }
    free(l);
    return ok;
}

static const char *label_of(const json_t *field)
{
    const char *l = json_string_value(json_object_get(field, "label"));
    return l != NULL ? l : "";
}

bool builder_field_move(json_t *content, const char *kind, size_t index, int dir, json_t *problems)
{
    json_t *fields = builder_fields(content, kind);
    size_t n = json_array_size(fields);
    if (index >= n || (dir < 0 && index == 0) || (dir > 0 && index + 1 >= n))
        return true;
    size_t upper = dir < 0 ? index - 1 : index, lower = upper + 1;
    json_t *a = json_array_get(fields, upper), *b = json_array_get(fields, lower);
    const char *dep = depends_on(b), *ka = key_of(a);
    char at[24];
    snprintf(at, sizeof(at), "%zu", index);
    if (dep != NULL && ka != NULL && strcmp(dep, ka) == 0) {
        if (dir < 0)
            return fail(problems, at, "field",
                        "This question is shown depending on the answer to \"%s\", so it "
                        "cannot move above it.",
                        label_of(a));
        return fail(problems, at, "field",
                    "\"%s\" is shown depending on the answer to this question, so this cannot "
                    "move below it.",
                    label_of(b));
    }
    json_incref(a);
    json_array_set(fields, upper, b);
    json_array_set_new(fields, lower, a);
    return true;
}

bool builder_field_remove(json_t *content, const char *kind, size_t index, json_t *problems)
{
    json_t *fields = builder_fields(content, kind);
    const char *key = key_of(json_array_get(fields, index));
    char at[24];
    snprintf(at, sizeof(at), "%zu", index);
    for (size_t j = index + 1; key != NULL && j < json_array_size(fields); j++) {
        const char *dep = depends_on(json_array_get(fields, j));
        if (dep != NULL && strcmp(dep, key) == 0)
            return fail(problems, at, "field",
                        "Question %zu (\"%s\") is shown depending on the answer to this one: "
                        "change that first.",
                        j + 1, label_of(json_array_get(fields, j)));
    }
    if (key != NULL)
        alerts_set(form_holder(content, kind), key, NULL);
    json_array_remove(fields, index);
    return true;
}

bool builder_check_all(const json_t *content, const char *kind, json_t *problems)
{
    json_t *copy = json_deep_copy(content);
    json_t *meta = builder_meta_stored(copy, kind);
    bool ok = builder_meta_apply(copy, kind, meta, true, problems);
    json_decref(meta);
    json_t *fields = builder_fields(copy, kind);
    bool fields_ok = true;
    for (size_t i = 0; i < json_array_size(fields); i++) {
        json_t *in = builder_field_stored(form_holder(copy, kind), json_array_get(fields, i));
        fields_ok &= builder_field_apply(copy, kind, i, in, problems);
        json_decref(in);
    }
    if (fields_ok) {
        char msg[512];
        const char *p = form_check(activity_form(kind, copy), msg, sizeof(msg));
        if (p != NULL) {
            builder_problem(problems, "form", "form", p);
            fields_ok = false;
        }
    }
    json_decref(copy);
    return ok && fields_ok;
}

/* ---- the view ---- */

/* {"value": in[name], "error": message|null} */
static json_t *input_view(const json_t *in, const json_t *problems, const char *at,
                          const char *name)
{
    const char *err = problem_for(problems, at, name);
    return json_pack("{s:s, s:o}", "value", in_get(in, name), "error",
                     err != NULL ? json_string(err) : json_null());
}

static json_t *choice_options(const char *const (*list)[2], size_t n, const char *selected)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:b}", "value", list[i][0], "label", list[i][1],
                                        "selected", strcmp(list[i][0], selected) == 0));
    return arr;
}

static json_t *meta_view(const json_t *in, const char *kind, const json_t *problems)
{
    json_t *meta = json_object();
    for (const char *const *n = meta_names(kind); *n != NULL; n++)
        json_object_set_new(meta, *n, input_view(in, problems, "meta", *n));
    if (is_exercise(kind)) {
        json_object_set_new(meta, "category_options",
                            choice_options(CATEGORIES, NCATEGORIES, in_get(in, "category")));
        json_object_set_new(meta, "audience_options",
                            choice_options(AUDIENCES, NAUDIENCES, in_get(in, "audience")));
    }
    return meta;
}

/* The alert part of a field's view: can_alert, alert_yes_no (the select's
 * options), alert_options (the option names a therapist can write) and
 * alert_summary (what the stored rule flags, when the field is not shown
 * as typed), or null. */
static void alert_view(json_t *v, const json_t *form, const json_t *field, const json_t *in,
                       bool typed)
{
    enum form_type t = form_field_type(field);
    json_object_set_new(v, "can_alert", json_boolean(can_alert(t)));
    const char *on = in_get(in, "alert_on");
    json_object_set_new(
        v, "alert_yes_no",
        t != FT_YES_NO ? json_null()
                       : json_pack("[{s:s, s:s, s:b}, {s:s, s:s, s:b}, {s:s, s:s, s:b}]", "value",
                                   "", "label", "No flag", "selected", *on == '\0', "value", "yes",
                                   "label", "Yes", "selected", strcasecmp(on, "yes") == 0, "value",
                                   "no", "label", "No", "selected", strcasecmp(on, "no") == 0));
    json_t *names = json_null();
    if (t == FT_SINGLE_CHOICE || t == FT_MULTIPLE_CHOICE) {
        struct buf b = BUF_INIT;
        size_t k;
        const json_t *o;
        json_array_foreach(json_object_get(field, "options"), k, o)
            buf_printf(&b, "%s%s", k > 0 ? ", " : "", option_name(o));
        names = b.len > 0 ? json_string(buf_cstr(&b)) : json_null();
        buf_free(&b);
    }
    json_object_set_new(v, "alert_options", names);
    const json_t *rule = typed ? NULL : alert_for(form, key_of(field));
    char *summary = rule != NULL ? alert_summary(field, rule) : NULL;
    json_object_set_new(v, "alert_summary", summary != NULL ? json_string(summary) : json_null());
    free(summary);
}

static json_t *field_view(const json_t *form, const json_t *fields, size_t i, const json_t *in,
                          const json_t *problems, bool typed)
{
    const json_t *field = json_array_get(fields, i);
    size_t n = json_array_size(fields);
    enum form_type t = form_field_type(field);
    char at[24];
    snprintf(at, sizeof(at), "%zu", i);
    const char *key = key_of(field);
    json_t *v = json_pack(
        "{s:i, s:i, s:s, s:s, s:s, s:b, s:b, s:b}", "index", (int)i, "position", (int)(i + 1),
        "key", key != NULL ? key : "", "type", t < FT__MAX ? form_types[t].name : "", "type_label",
        t < FT__MAX ? TYPE_LABELS[t] : "Unknown", "first", i == 0, "last", i + 1 == n, "is_choice",
        t == FT_SINGLE_CHOICE || t == FT_MULTIPLE_CHOICE);
    for (int k = 0; k < FT__MAX; k++)
        json_object_set_new(v, form_types[k].flag, json_boolean(k == (int)t));
    for (const char *const *name = FIELD_INPUTS; *name != NULL; name++)
        if (strcmp(*name, "required") != 0 && strcmp(*name, "decimals") != 0)
            json_object_set_new(v, *name, json_string(in_get(in, *name)));
    json_object_set_new(v, "required", json_boolean(*in_get(in, "required") != '\0'));
    json_object_set_new(v, "decimals", json_boolean(*in_get(in, "decimals") != '\0'));

    json_t *errors = json_object();
    static const char *const EXTRA[] = {"field", NULL};
    for (int pass = 0; pass < 2; pass++)
        for (const char *const *name = pass == 0 ? FIELD_INPUTS : EXTRA; *name != NULL; name++) {
            const char *e = problem_for(problems, at, *name);
            json_object_set_new(errors, *name, e != NULL ? json_string(e) : json_null());
        }
    json_object_set_new(v, "errors", errors);
    json_object_set_new(v, "has_errors", json_boolean(has_problem_at(problems, at)));

    /* What show_if can name: earlier fields that are neither sections nor
     * multiple choice. */
    json_t *deps = json_array();
    const char *dep = in_get(in, "show_if_field");
    const char *dep_label = NULL;
    size_t dep_pos = 0;
    for (size_t j = 0; j < i; j++) {
        const json_t *g = json_array_get(fields, j);
        enum form_type gt = form_field_type(g);
        const char *gk = key_of(g);
        if (gk == NULL || gt == FT_SECTION || gt == FT_MULTIPLE_CHOICE ||
            gt == FT_PREFERENCE_LIST || gt == FT__MAX)
            continue;
        bool sel = strcmp(gk, dep) == 0;
        if (sel) {
            dep_label = label_of(g);
            dep_pos = j + 1;
        }
        char *lab = NULL;
        size_t len = strlen(label_of(g)) + 32;
        lab = xmalloc(len);
        snprintf(lab, len, "%zu. %s", j + 1, label_of(g));
        json_array_append_new(
            deps, json_pack("{s:s, s:s, s:b}", "value", gk, "label", lab, "selected", sel));
        free(lab);
    }
    json_object_set_new(v, "can_depend",
                        json_boolean(json_array_size(deps) > 0 ||
                                     problem_for(problems, at, "show_if_field") != NULL ||
                                     problem_for(problems, at, "show_if_value") != NULL));
    json_object_set_new(v, "show_if_choices", deps);
    if (dep_label != NULL && !typed)
        json_object_set_new(v, "show_if_summary",
                            json_pack("{s:i, s:s, s:s}", "position", (int)dep_pos, "label",
                                      dep_label, "value", in_get(in, "show_if_value")));
    else
        json_object_set_new(v, "show_if_summary", json_null());

    /* What is left to do before it can be published. */
    json_t *todo = json_null();
    if (!typed && !has_problem_at(problems, at)) {
        json_t *scratch = json_array();
        json_t *stored = builder_field_stored(form, field);
        json_t *f = field_check(fields, i, stored, NULL, scratch);
        if (f == NULL && json_array_size(scratch) > 0)
            todo = json_incref(json_object_get(json_array_get(scratch, 0), "message"));
        json_decref(f);
        json_decref(stored);
        json_decref(scratch);
    }
    json_object_set_new(v, "todo", todo);
    alert_view(v, form, field, in, typed);
    return v;
}

json_t *builder_view(const json_t *content, const char *kind, const json_t *problems,
                     const char *typed_at, const json_t *typed)
{
    json_t *data = json_object();

    json_t *errors = json_array();
    const char *form_problem = NULL;
    size_t i;
    const json_t *p;
    json_array_foreach(problems, i, p)
    {
        const char *at = json_string_value(json_object_get(p, "at"));
        const char *input = json_string_value(json_object_get(p, "input"));
        const char *msg = json_string_value(json_object_get(p, "message"));
        char anchor[128];
        if (strcmp(at, "meta") == 0)
            snprintf(anchor, sizeof(anchor), "%s", input);
        else if (strcmp(at, "add") == 0)
            snprintf(anchor, sizeof(anchor), "add-%s", input);
        else if (strcmp(at, "form") == 0) {
            snprintf(anchor, sizeof(anchor), "form");
            form_problem = msg;
        } else
            snprintf(anchor, sizeof(anchor), "f%s-%s", at, input);
        json_array_append_new(errors, json_pack("{s:s, s:s}", "field", anchor, "message", msg));
    }
    json_object_set_new(data, "errors", errors);
    json_object_set_new(data, "has_errors", json_boolean(json_array_size(problems) > 0));
    json_object_set_new(data, "form_problem",
                        form_problem != NULL ? json_string(form_problem) : json_null());

    bool typed_meta = typed_at != NULL && strcmp(typed_at, "meta") == 0;
    json_t *meta_in =
        typed_meta ? json_incref((json_t *)typed) : builder_meta_stored(content, kind);
    json_object_set_new(data, "meta", meta_view(meta_in, kind, problems));
    json_decref(meta_in);

    json_t *fields = json_array();
    const json_t *stored = fields_of(content, kind);
    const json_t *form = activity_form(kind, content);
    char at[24];
    for (i = 0; i < json_array_size(stored); i++) {
        snprintf(at, sizeof(at), "%zu", i);
        bool is_typed = typed_at != NULL && strcmp(typed_at, at) == 0;
        json_t *in = is_typed ? json_incref((json_t *)typed)
                              : builder_field_stored(form, json_array_get(stored, i));
        json_array_append_new(fields, field_view(form, stored, i, in, problems, is_typed));
        json_decref(in);
    }
    json_object_set_new(data, "field_count", json_integer((json_int_t)json_array_size(fields)));
    json_object_set_new(data, "fields", fields);

    bool typed_add = typed_at != NULL && strcmp(typed_at, "add") == 0;
    const char *add_type = typed_add ? in_get(typed, "type") : "";
    json_t *types = json_array();
    for (int t = 0; t < FT__MAX; t++)
        json_array_append_new(types, json_pack("{s:s, s:s, s:b}", "value", form_types[t].name,
                                               "label", TYPE_LABELS[t], "selected",
                                               strcmp(form_types[t].name, add_type) == 0));
    json_t *empty = json_object();
    json_object_set_new(data, "add",
                        json_pack("{s:o, s:o, s:o}", "label",
                                  input_view(typed_add ? typed : empty, problems, "add", "label"),
                                  "type",
                                  input_view(typed_add ? typed : empty, problems, "add", "type"),
                                  "type_options", types));
    json_decref(empty);
    return data;
}
