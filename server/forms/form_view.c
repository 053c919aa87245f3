/* form_view.c: the data a logic-less template renders a form from
 * (templates/partials/form_fields.html). Every member a template may read
 * is present on every field, null or false when it does not apply: the
 * template engine resolves an absent name in the enclosing context, so an
 * absent step "label" would print the question's label instead. */
#include "forms/form.h"
#include "forms/form_internal.h"

#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the person gave for a field, as the strings an input shows: from
 * raw input (strings) or stored answers (numbers, true for a ticked box). */
static void add_display(json_t *out, const json_t *v)
{
    char buf[48];
    size_t i;
    const json_t *x;

    if (json_is_string(v)) {
        json_array_append(out, (json_t *)v);
    } else if (json_is_number(v)) {
        form_fmt_number(json_number_value(v), buf, sizeof(buf));
        json_array_append_new(out, json_string(buf));
    } else if (json_is_true(v)) {
        json_array_append_new(out, json_string("on"));
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            if (json_is_string(x) || json_is_number(x) || json_is_true(x))
                add_display(out, x);
        }
    }
}

static bool has_string(const json_t *arr, const char *s)
{
    size_t i;
    const json_t *x;

    json_array_foreach(arr, i, x)
    {
        if (strcmp(json_string_value(x), s) == 0)
            return true;
    }
    return false;
}

static json_t *str_or_null(const json_t *v)
{
    return json_is_string(v) ? json_string(json_string_value(v)) : json_null();
}

static json_t *option(const char *id, size_t i, const char *value, const char *label, bool checked)
{
    char oid[FORM_MAX_KEY + 32];

    snprintf(oid, sizeof(oid), "%s-%zu", id, i);
    return json_pack("{s:s, s:s, s:s, s:b}", "id", oid, "value", value, "label", label, "checked",
                     checked);
}

static void add_choices(json_t *v, const struct fres *e, const char *id, const json_t *disp)
{
    json_t *opts = json_array();
    size_t i;
    const json_t *o;

    if (e->type == FT_YES_NO) {
        json_array_append_new(opts, option(id, 0, "yes", "Yes", has_string(disp, "yes")));
        json_array_append_new(opts, option(id, 1, "no", "No", has_string(disp, "no")));
    } else {
        json_array_foreach(json_object_get(e->field, "options"), i, o)
        {
            const char *val = json_string_value(json_object_get(o, "value"));
            const char *label = json_string_value(json_object_get(o, "label"));
            if (val != NULL && label != NULL)
                json_array_append_new(opts, option(id, i, val, label, has_string(disp, val)));
        }
    }
    json_object_set_new(v, "options", opts);
}

static void add_scale(json_t *v, const struct fres *e, const char *id, const json_t *disp)
{
    long long lo = 0, hi = -1;
    const json_t *minl = json_object_get(e->field, "min_label");
    const json_t *maxl = json_object_get(e->field, "max_label");
    json_t *steps = json_array();
    char val[24], sid[FORM_MAX_KEY + 32];

    if (!form_json_int(json_object_get(e->field, "min"), &lo) ||
        !form_json_int(json_object_get(e->field, "max"), &hi) || hi - lo >= FORM_MAX_SCALE_STEPS)
        hi = lo - 1; /* a definition form_check refuses: no steps */
    for (long long s = lo; s <= hi; s++) {
        snprintf(val, sizeof(val), "%lld", s);
        snprintf(sid, sizeof(sid), "%s-%lld", id, s - lo);
        const json_t *label = s == lo ? minl : s == hi ? maxl : NULL;
        json_array_append_new(steps, json_pack("{s:s, s:I, s:o, s:b}", "id", sid, "value",
                                               (json_int_t)s, "label", str_or_null(label),
                                               "checked", has_string(disp, val)));
    }
    json_object_set_new(v, "steps", steps);
    json_object_set_new(v, "min", json_integer(lo));
    json_object_set_new(v, "max", json_integer(hi));
    json_object_set_new(v, "min_label", str_or_null(minl));
    json_object_set_new(v, "max_label", str_or_null(maxl));
}

static void add_number(json_t *v, const struct fres *e)
{
    const char *step = json_string_value(json_object_get(e->field, "step"));
    bool decimal = step != NULL && strcmp(step, "any") == 0;
    const json_t *mn = json_object_get(e->field, "min"), *mx = json_object_get(e->field, "max");
    char buf[48];

    form_fmt_number(json_number_value(mn), buf, sizeof(buf));
    json_object_set_new(v, "min", json_is_number(mn) ? json_string(buf) : json_null());
    form_fmt_number(json_number_value(mx), buf, sizeof(buf));
    json_object_set_new(v, "max", json_is_number(mx) ? json_string(buf) : json_null());
    json_object_set_new(v, "step", json_string(decimal ? "any" : "1"));
    json_object_set_new(v, "inputmode", json_string(decimal ? "decimal" : "numeric"));
}

/* What was given for one item of a preference list: from the stored answer
 * (answers[key][item]) or, to show a submission again, the raw inputs
 * "<key>.<item>" and "<key>.<item>.note". */
static void pref_given(const json_t *answers, const char *key, const char *item,
                       const char **choice, const char **note)
{
    const json_t *stored = json_object_get(json_object_get(answers, key), item);
    char name[2 * FORM_MAX_KEY + 16];

    *choice = json_string_value(json_object_get(stored, "choice"));
    *note = json_string_value(json_object_get(stored, "note"));
    if (stored != NULL || strlen(key) > FORM_MAX_KEY || strlen(item) > FORM_MAX_KEY)
        return;
    snprintf(name, sizeof(name), "%s.%s", key, item);
    *choice = json_string_value(json_object_get(answers, name));
    snprintf(name, sizeof(name), "%s.%s.note", key, item);
    *note = json_string_value(json_object_get(answers, name));
}

/* The group object named g (NULL: items without a group) in groups,
 * created at the end when new: items are shown by group, groups in the
 * order of their first item. */
static json_t *group_for(json_t *groups, const char *g)
{
    size_t i;
    json_t *x;

    json_array_foreach(groups, i, x)
    {
        const char *xg = json_string_value(json_object_get(x, "group"));
        if ((g == NULL && xg == NULL) || (g != NULL && xg != NULL && strcmp(g, xg) == 0))
            return x;
    }
    x = json_pack("{s:o, s:b, s:[]}", "group", g != NULL ? json_string(g) : json_null(),
                  "has_group", g != NULL, "items");
    json_array_append_new(groups, x);
    return x;
}

static const char *const PREF_CHOICES[] = {"yes", "maybe", "no"};

/* The therapist's text of a preference_list answer (typed: the stored
 * object, or NULL), appended to out: "Yes: A (note: ...); B. Maybe: C.
 * No: D.", items in the list's order; nothing when no item is answered. */
static void pref_summary(const json_t *field, const json_t *typed, struct buf *out)
{
    struct buf sum[3] = {BUF_INIT, BUF_INIT, BUF_INIT};
    size_t i;
    const json_t *it;

    json_array_foreach(json_object_get(field, "items"), i, it)
    {
        const char *ik = json_string_value(json_object_get(it, "key"));
        const char *label = json_string_value(json_object_get(it, "label"));
        const json_t *a = ik != NULL ? json_object_get(typed, ik) : NULL;
        const char *choice = json_string_value(json_object_get(a, "choice"));
        const char *note = json_string_value(json_object_get(a, "note"));
        if (label == NULL || choice == NULL)
            continue;
        for (int c = 0; c < 3; c++) {
            if (strcmp(choice, PREF_CHOICES[c]) != 0)
                continue;
            struct buf *b = &sum[c];
            buf_puts(b, b->len > 0 ? "; " : "");
            buf_puts(b, label);
            if (note != NULL && form_has_text(note))
                buf_printf(b, " (note: %s)", note);
        }
    }
    bool first = true;
    for (int c = 0; c < 3; c++) {
        if (sum[c].len > 0) {
            buf_printf(out, "%s%s: %s.", first ? "" : " ", form_pref_choice_label(PREF_CHOICES[c]),
                       buf_cstr(&sum[c]));
            first = false;
        }
        buf_free(&sum[c]);
    }
}

static void add_prefs(json_t *v, const struct fres *e, const char *id, const json_t *answers)
{
    const char *key = e->key != NULL ? e->key : "";
    json_t *groups = json_array();
    size_t i;
    const json_t *it;
    char iid[FORM_MAX_KEY + 32], cid[FORM_MAX_KEY + 40], name[2 * FORM_MAX_KEY + 16],
        note_name[2 * FORM_MAX_KEY + 24], note_id[FORM_MAX_KEY + 40];

    json_array_foreach(json_object_get(e->field, "items"), i, it)
    {
        const char *ik = json_string_value(json_object_get(it, "key"));
        const char *label = json_string_value(json_object_get(it, "label"));
        if (ik == NULL || label == NULL)
            continue;
        const char *choice = NULL, *note = NULL;
        pref_given(answers, key, ik, &choice, &note);
        snprintf(iid, sizeof(iid), "%s-%zu", id, i);
        snprintf(note_id, sizeof(note_id), "%s-note", iid);
        snprintf(name, sizeof(name), "%.*s.%.*s", FORM_MAX_KEY, key, FORM_MAX_KEY, ik);
        snprintf(note_name, sizeof(note_name), "%s.note", name);
        json_t *choices = json_array();
        for (int c = 0; c < 3; c++) {
            bool on = choice != NULL && strcmp(choice, PREF_CHOICES[c]) == 0;
            snprintf(cid, sizeof(cid), "%s-%s", iid, PREF_CHOICES[c]);
            json_array_append_new(choices, json_pack("{s:s, s:s, s:s, s:b}", "id", cid, "value",
                                                     PREF_CHOICES[c], "label",
                                                     form_pref_choice_label(PREF_CHOICES[c]),
                                                     "checked", on));
        }
        json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", iid, "key", ik,
                                 "label", label, "name", name, "note_name", note_name, "note_id",
                                 note_id, "note", note != NULL ? note : "", "choices", choices);
        const char *g = json_string_value(json_object_get(it, "group"));
        json_array_append_new(json_object_get(group_for(groups, g), "items"), item);
    }
    json_object_set_new(v, "groups", groups);
    /* The summary of a valid answer only: the typed one. */
    struct buf all = BUF_INIT;
    if (e->answered)
        pref_summary(e->field, e->typed, &all);
    json_object_set_new(v, "pref_summary", all.len > 0 ? json_string(buf_cstr(&all)) : json_null());
    buf_free(&all);
}

static json_t *view_field(const struct fres *e, const json_t *answers, const json_t *errors)
{
    const json_t *f = e->field;
    const char *key = e->key != NULL ? e->key : "";
    const json_t *help = json_object_get(f, "help");
    const json_t *err = json_object_get(errors, key);
    const json_t *si = json_object_get(f, "show_if");
    char id[FORM_MAX_KEY + 8], name[FORM_MAX_KEY + 8], help_id[FORM_MAX_KEY + 16],
        error_id[FORM_MAX_KEY + 16], describedby[2 * FORM_MAX_KEY + 40], buf[48];
    json_t *v = json_object();
    json_t *disp = json_array();

    snprintf(id, sizeof(id), "f-%.*s", FORM_MAX_KEY, key);
    snprintf(name, sizeof(name), "%.*s%s", FORM_MAX_KEY, key,
             e->type == FT_MULTIPLE_CHOICE ? "[]" : "");
    snprintf(help_id, sizeof(help_id), "%s-help", id);
    snprintf(error_id, sizeof(error_id), "%s-error", id);
    if (!json_is_string(help))
        help = NULL;
    if (!json_is_string(err))
        err = NULL;
    snprintf(describedby, sizeof(describedby), "%s%s%s", help != NULL ? help_id : "",
             help != NULL && err != NULL ? " " : "", err != NULL ? error_id : "");

    add_display(disp, json_object_get(answers, key));
    if (e->type == FT_MULTIPLE_CHOICE && e->key != NULL && strlen(key) <= FORM_MAX_KEY) {
        char bkey[FORM_MAX_KEY + 3];
        snprintf(bkey, sizeof(bkey), "%s[]", key);
        add_display(disp, json_object_get(answers, bkey));
    }
    bool single = e->type != FT_MULTIPLE_CHOICE && e->type != FT_SECTION;

    json_object_set_new(v, "key", json_string(key));
    json_object_set_new(v, "id", json_string(id));
    json_object_set_new(v, "name", json_string(name));
    json_object_set_new(v, "type",
                        e->type < FT__MAX ? json_string(form_types[e->type].name) : json_null());
    json_object_set_new(v, "label", str_or_null(json_object_get(f, "label")));
    json_object_set_new(v, "therapist_label", str_or_null(json_object_get(f, "therapist_label")));
    json_object_set_new(v, "once_a_week",
                        json_boolean(json_is_true(json_object_get(f, "once_a_week"))));
    json_object_set_new(v, "help", str_or_null(help));
    json_object_set_new(v, "help_id", help != NULL ? json_string(help_id) : json_null());
    json_object_set_new(v, "text", str_or_null(json_object_get(f, "text")));
    json_object_set_new(
        v, "required",
        json_boolean(e->type != FT_SECTION && json_is_true(json_object_get(f, "required"))));
    for (int t = 0; t < FT__MAX; t++)
        json_object_set_new(v, form_types[t].flag, json_boolean(e->type == (enum form_type)t));
    json_object_set_new(v, "hidden", json_boolean(!e->visible));
    json_object_set_new(v, "value",
                        single && json_array_size(disp) > 0 ? json_incref(json_array_get(disp, 0))
                                                            : json_null());
    json_object_set_new(v, "checked",
                        json_boolean(e->type == FT_CONSENT && has_string(disp, "on")));
    json_object_set_new(v, "error",
                        err != NULL ? json_string(json_string_value(err)) : json_null());
    json_object_set_new(v, "error_id", err != NULL ? json_string(error_id) : json_null());
    json_object_set_new(v, "invalid", json_boolean(err != NULL));
    json_object_set_new(v, "describedby",
                        describedby[0] != '\0' ? json_string(describedby) : json_null());

    const json_t *eq = json_object_get(si, "equals");
    json_object_set_new(v, "show_if_field", str_or_null(json_object_get(si, "field")));
    if (json_is_string(eq)) {
        json_object_set_new(v, "show_if_value", json_string(json_string_value(eq)));
    } else if (json_is_number(eq)) {
        form_fmt_number(json_number_value(eq), buf, sizeof(buf));
        json_object_set_new(v, "show_if_value", json_string(buf));
    } else if (json_is_boolean(eq)) {
        json_object_set_new(v, "show_if_value", json_string(json_is_true(eq) ? "true" : "false"));
    } else {
        json_object_set_new(v, "show_if_value", json_null());
    }

    switch (e->type) {
    case FT_SHORT_TEXT:
        json_object_set_new(v, "maxlength", json_integer(FORM_SHORT_TEXT_MAX));
        break;
    case FT_LONG_TEXT:
        json_object_set_new(v, "maxlength", json_integer(FORM_LONG_TEXT_MAX));
        break;
    case FT_SCALE:
        add_scale(v, e, id, disp);
        break;
    case FT_SINGLE_CHOICE:
    case FT_MULTIPLE_CHOICE:
    case FT_YES_NO:
        add_choices(v, e, id, disp);
        break;
    case FT_NUMBER:
        add_number(v, e);
        break;
    case FT_PREFERENCE_LIST:
        add_prefs(v, e, id, answers);
        break;
    default:
        break;
    }
    json_decref(disp);
    return v;
}

json_t *form_view(const json_t *def, const json_t *answers, const json_t *errors)
{
    size_t n;
    struct fres *r = form_resolve(def, answers, &n);
    json_t *out = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, view_field(&r[i], answers, errors));
    form_resolve_free(r, n);
    return out;
}

/* True when typed (a preference_list answer) says yes or maybe to item. */
static bool wants(const json_t *typed, const char *item)
{
    const char *c = json_string_value(json_object_get(json_object_get(typed, item), "choice"));
    return c != NULL && (strcmp(c, "yes") == 0 || strcmp(c, "maybe") == 0);
}

json_t *form_pref_overlap(const json_t *def, const json_t *mine, const json_t *theirs)
{
    size_t na = 0, nb = 0;
    struct fres *a = form_resolve(def, mine, &na);
    struct fres *b = form_resolve(def, theirs, &nb);
    json_t *out = json_array();

    for (size_t i = 0; i < na && i < nb; i++) {
        if (a[i].type != FT_PREFERENCE_LIST || a[i].key == NULL)
            continue;
        json_t *groups = json_array();
        size_t k, count = 0;
        const json_t *it;
        json_array_foreach(json_object_get(a[i].field, "items"), k, it)
        {
            const char *ik = json_string_value(json_object_get(it, "key"));
            if (ik == NULL || !a[i].answered || !b[i].answered || !wants(a[i].typed, ik) ||
                !wants(b[i].typed, ik))
                continue;
            const char *g = json_string_value(json_object_get(it, "group"));
            json_array_append_new(json_object_get(group_for(groups, g), "items"),
                                  json_pack("{s:O}", "label", json_object_get(it, "label")));
            count++;
        }
        json_array_append_new(out, json_pack("{s:s, s:O, s:o, s:b}", "key", a[i].key, "label",
                                             json_object_get(a[i].field, "label"), "groups", groups,
                                             "has_items", count > 0));
    }
    form_resolve_free(a, na);
    form_resolve_free(b, nb);
    return out;
}

bool form_has_pref_list(const json_t *def)
{
    size_t i;
    const json_t *f;

    json_array_foreach(form_fields(def), i, f)
    {
        if (form_field_type(f) == FT_PREFERENCE_LIST)
            return true;
    }
    return false;
}

/* ---- one answer as a person reads it ---- */

/* The label of the option of field whose value is v, else v itself. */
static const char *option_label(const json_t *field, const char *v)
{
    const char *label = json_string_value(json_object_get(form_option(field, v), "label"));
    return label != NULL ? label : v;
}

static void scale_text(const json_t *field, long long v, struct buf *out)
{
    long long lo = 0, hi = 0;
    const char *lo_label = json_string_value(json_object_get(field, "min_label"));
    const char *hi_label = json_string_value(json_object_get(field, "max_label"));

    form_json_int(json_object_get(field, "min"), &lo);
    form_json_int(json_object_get(field, "max"), &hi);
    /* "7 (0 calm – 10 very anxious)": the number means the same to every reader. */
    if (lo_label != NULL && hi_label != NULL)
        buf_printf(out, "%lld (%lld %s \u2013 %lld %s)", v, lo, lo_label, hi, hi_label);
    else
        buf_printf(out, "%lld (from %lld to %lld)", v, lo, hi);
}

char *form_answer_text(const json_t *field, const json_t *answer)
{
    struct buf out = BUF_INIT;
    long long n;
    char num[48];
    size_t i;
    const json_t *v;

    if (answer == NULL || json_is_null(answer))
        return NULL;
    switch (form_field_type(field)) {
    case FT_SHORT_TEXT:
    case FT_LONG_TEXT:
    case FT_DATE:
        if (json_is_string(answer))
            buf_puts(&out, json_string_value(answer));
        break;
    case FT_SINGLE_CHOICE:
        if (json_is_string(answer))
            buf_puts(&out, option_label(field, json_string_value(answer)));
        break;
    case FT_MULTIPLE_CHOICE:
        json_array_foreach(answer, i, v)
        {
            if (!json_is_string(v))
                continue;
            buf_puts(&out, out.len > 0 ? "; " : "");
            buf_puts(&out, option_label(field, json_string_value(v)));
        }
        break;
    case FT_YES_NO: {
        const char *s = json_string_value(answer);
        if (s != NULL && strcmp(s, "yes") == 0)
            buf_puts(&out, "Yes");
        else if (s != NULL && strcmp(s, "no") == 0)
            buf_puts(&out, "No");
        break;
    }
    case FT_CONSENT:
        if (json_is_boolean(answer))
            buf_puts(&out, json_is_true(answer) ? "Agreed" : "Not agreed");
        break;
    case FT_SCALE:
        if (form_json_int(answer, &n))
            scale_text(field, n, &out);
        break;
    case FT_NUMBER:
        if (json_is_number(answer)) {
            form_fmt_number(json_number_value(answer), num, sizeof(num));
            buf_puts(&out, num);
        }
        break;
    case FT_PREFERENCE_LIST:
        if (json_is_object(answer))
            pref_summary(field, answer, &out);
        break;
    case FT_SECTION:
    case FT__MAX:
        break;
    }
    if (out.len == 0) {
        buf_free(&out);
        return NULL;
    }
    return buf_steal(&out, NULL);
}
