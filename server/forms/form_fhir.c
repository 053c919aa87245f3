/* form_fhir.c: a form definition as a FHIR R4 Questionnaire, and answers
 * as a QuestionnaireResponse (http://hl7.org/fhir/R4/questionnaire.html).
 *
 * Mapping (item.linkId is the field key; item.text its label):
 *   short_text  string, maxLength 500       long_text  text, maxLength 20000
 *   scale       integer + minValue/maxValue extensions, itemControl
 *               "slider" with sliderStepValue 1, and min_label/max_label as
 *               child display items with itemControl "lower"/"upper"
 *   single_choice    choice, answerOption[].valueCoding {code, display};
 *                    a weight goes on the option as BOTH ordinalValue (R4)
 *                    and itemWeight (its successor) extensions, valueDecimal
 *   multiple_choice  the same with repeats: true
 *   yes_no, consent  boolean               date  date
 *   number      integer, or decimal with "step": "any"; minValue/maxValue
 *   section     display (flat, so that a section's show_if hides only its
 *               heading, as in the form); its text is a second display item
 *   help        a child display item with itemControl "help" (R4 core)
 * Extra linkIds are "<key>-help", "<key>-text", "<key>-min-label" and
 * "<key>-max-label": keys are snake_case, so they never collide.
 * show_if becomes enableWhen (operator "=", answer[x] typed like the
 * referenced item) with enableBehavior "all". Options carry no Coding
 * system: the codes are local to the questionnaire. */
#include "forms/form.h"
#include "forms/form_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define EXT "http://hl7.org/fhir/StructureDefinition/"
#define ITEM_CONTROL_SYSTEM "http://hl7.org/fhir/questionnaire-item-control"

static json_t *ext(const char *name, const char *vkey, json_t *value)
{
    char url[128];

    snprintf(url, sizeof(url), EXT "%s", name);
    return json_pack("{s:s, s:o}", "url", url, vkey, value);
}

static json_t *item_control(const char *code)
{
    return ext(
        "questionnaire-itemControl", "valueCodeableConcept",
        json_pack("{s:[{s:s, s:s}]}", "coding", "system", ITEM_CONTROL_SYSTEM, "code", code));
}

/* A FHIR decimal: JSON has one number type, so a whole weight is "1", not
 * "1.0" (which would also claim a precision of one decimal place). */
static json_t *decimal(double d)
{
    long long iv;
    json_t *probe = json_real(d);
    bool whole = form_json_int(probe, &iv);

    json_decref(probe);
    return whole ? json_integer(iv) : json_real(d);
}

static void push_ext(json_t *obj, json_t *e)
{
    json_t *arr = json_object_get(obj, "extension");

    if (arr == NULL) {
        arr = json_array();
        json_object_set_new(obj, "extension", arr);
    }
    json_array_append_new(arr, e);
}

static json_t *display_item(const char *key, const char *suffix, const char *text)
{
    char link[FORM_MAX_KEY + 16];

    snprintf(link, sizeof(link), "%s%s", key, suffix);
    return json_pack("{s:s, s:s, s:s}", "linkId", link, "text", text, "type", "display");
}

static bool decimal_number(const json_t *field)
{
    const char *step = json_string_value(json_object_get(field, "step"));
    return step != NULL && strcmp(step, "any") == 0;
}

/* enableWhen from show_if (form_check has made sure the reference is an
 * earlier field of a type that can be compared). */
static void add_enable_when(json_t *item, const json_t *fields, const json_t *field)
{
    const json_t *si = json_object_get(field, "show_if");
    const char *ref = json_string_value(json_object_get(si, "field"));
    const json_t *eq = json_object_get(si, "equals");
    const json_t *rf = NULL;
    size_t i;
    const json_t *f;

    if (si == NULL)
        return;
    json_array_foreach(fields, i, f)
    {
        const char *k = json_string_value(json_object_get(f, "key"));
        if (k != NULL && strcmp(k, ref) == 0) {
            rf = f;
            break;
        }
    }
    const char *op = "=";
    json_t *cond = json_object();
    switch (form_field_type(rf)) {
    case FT_YES_NO:
        json_object_set_new(cond, "answerBoolean",
                            json_boolean(strcmp(json_string_value(eq), "yes") == 0));
        break;
    case FT_CONSENT:
        /* Our rule: an unticked box counts as false. In FHIR an unticked
         * box has no answer, so "equals false" is "no answer is true". */
        if (json_is_false(eq))
            op = "!=";
        json_object_set_new(cond, "answerBoolean", json_true());
        break;
    case FT_SINGLE_CHOICE: {
        const json_t *o = form_option(rf, json_string_value(eq));
        json_object_set_new(cond, "answerCoding",
                            json_pack("{s:s, s:O}", "code", json_string_value(eq), "display",
                                      json_object_get(o, "label")));
        break;
    }
    case FT_SCALE:
        json_object_set_new(cond, "answerInteger", json_integer(json_integer_value(eq)));
        break;
    case FT_NUMBER: {
        long long iv;
        if (!decimal_number(rf) && form_json_int(eq, &iv) && iv >= -FORM_INT_MAX &&
            iv <= FORM_INT_MAX)
            json_object_set_new(cond, "answerInteger", json_integer(iv));
        else /* a value a whole-number field can never have: never enabled */
            json_object_set_new(cond, "answerDecimal", decimal(json_number_value(eq)));
        break;
    }
    case FT_DATE:
        json_object_set_new(cond, "answerDate", json_string(json_string_value(eq)));
        break;
    default:
        json_object_set_new(cond, "answerString", json_string(json_string_value(eq)));
        break;
    }
    json_object_set_new(cond, "question", json_string(ref));
    json_object_set_new(cond, "operator", json_string(op));
    json_object_set_new(item, "enableWhen", json_pack("[o]", cond));
    json_object_set_new(item, "enableBehavior", json_string("all"));
}

static void add_options(json_t *item, const json_t *field)
{
    json_t *opts = json_array();
    size_t i;
    const json_t *o;

    json_array_foreach(json_object_get(field, "options"), i, o)
    {
        json_t *ao = json_pack("{s:{s:O, s:O}}", "valueCoding", "code", json_object_get(o, "value"),
                               "display", json_object_get(o, "label"));
        const json_t *w = json_object_get(o, "weight");
        if (json_is_number(w)) {
            push_ext(ao, ext("ordinalValue", "valueDecimal", decimal(json_number_value(w))));
            push_ext(ao, ext("itemWeight", "valueDecimal", decimal(json_number_value(w))));
        }
        json_array_append_new(opts, ao);
    }
    json_object_set_new(item, "answerOption", opts);
}

/* d rounded up (or down) to an integer within FHIR's integer range. */
static json_int_t clamp_int(double d, bool up)
{
    d = up ? ceil(d) : floor(d);
    if (d > (double)FORM_INT_MAX)
        d = (double)FORM_INT_MAX;
    if (d < -(double)FORM_INT_MAX)
        d = -(double)FORM_INT_MAX;
    return (json_int_t)d;
}

/* minValue/maxValue. A whole-number field only takes integers, so its
 * bounds are rounded inwards (min 0.5 is min 1) and stay valueInteger. */
static void add_bounds(json_t *item, const json_t *field, bool is_decimal)
{
    static const char *const NAMES[2][2] = {{"min", "minValue"}, {"max", "maxValue"}};

    for (int k = 0; k < 2; k++) {
        const json_t *b = json_object_get(field, NAMES[k][0]);
        if (!json_is_number(b))
            continue;
        double d = json_number_value(b);
        if (is_decimal)
            push_ext(item, ext(NAMES[k][1], "valueDecimal", decimal(d)));
        else
            push_ext(item, ext(NAMES[k][1], "valueInteger", json_integer(clamp_int(d, k == 0))));
    }
}

static const char *fhir_type(enum form_type t, const json_t *field)
{
    switch (t) {
    case FT_SHORT_TEXT:
        return "string";
    case FT_LONG_TEXT:
        return "text";
    case FT_SCALE:
        return "integer";
    case FT_SINGLE_CHOICE:
    case FT_MULTIPLE_CHOICE:
        return "choice";
    case FT_YES_NO:
    case FT_CONSENT:
        return "boolean";
    case FT_DATE:
        return "date";
    case FT_NUMBER:
        return decimal_number(field) ? "decimal" : "integer";
    case FT_PREFERENCE_LIST:
        return "group";
    default:
        return "display";
    }
}

static void add_child(json_t *item, json_t *child)
{
    json_t *arr = json_object_get(item, "item");

    if (arr == NULL) {
        arr = json_array();
        json_object_set_new(item, "item", arr);
    }
    json_array_append_new(arr, child);
}

/* The text of a preference list item: "Group: label" when it has a group. */
static json_t *pref_item_text(const json_t *it)
{
    const char *g = json_string_value(json_object_get(it, "group"));
    const char *l = json_string_value(json_object_get(it, "label"));
    if (g == NULL)
        return json_string(l);
    size_t n = strlen(g) + strlen(l) + 3;
    char *t = xmalloc(n);
    snprintf(t, n, "%s: %s", g, l);
    json_t *s = json_string(t);
    free(t);
    return s;
}

/* A preference list is a group item: per list item a choice item
 * "<key>.<item>" (yes, maybe, no) and a string item "<key>.<item>.note". */
static void add_pref_items(json_t *item, const char *key, const json_t *f)
{
    static const char *const CHOICES[3][2] = {{"yes", "Yes"}, {"maybe", "Maybe"}, {"no", "No"}};
    size_t i;
    const json_t *it;
    char id[2 * 64 + 16];

    json_array_foreach(json_object_get(f, "items"), i, it)
    {
        const char *ik = json_string_value(json_object_get(it, "key"));
        snprintf(id, sizeof(id), "%s.%s", key, ik);
        json_t *c = json_pack("{s:s, s:o, s:s}", "linkId", id, "text", pref_item_text(it), "type",
                              "choice");
        json_t *opts = json_array();
        for (int k = 0; k < 3; k++)
            json_array_append_new(opts, json_pack("{s:{s:s, s:s}}", "valueCoding", "code",
                                                  CHOICES[k][0], "display", CHOICES[k][1]));
        json_object_set_new(c, "answerOption", opts);
        push_ext(c, item_control("radio-button"));
        add_child(item, c);
        snprintf(id, sizeof(id), "%s.%s.note", key, ik);
        add_child(item, json_pack("{s:s, s:s, s:s, s:i}", "linkId", id, "text", "Note", "type",
                                  "string", "maxLength", FORM_PREF_NOTE_MAX));
    }
}

/* Appends the item(s) for field i to items. */
static void add_items(json_t *items, const json_t *fields, size_t i)
{
    const json_t *f = json_array_get(fields, i);
    const char *key = json_string_value(json_object_get(f, "key"));
    const char *help = json_string_value(json_object_get(f, "help"));
    enum form_type t = form_field_type(f);
    json_t *item = json_pack("{s:s, s:O, s:s}", "linkId", key, "text", json_object_get(f, "label"),
                             "type", fhir_type(t, f));

    if (t == FT_SECTION) {
        add_enable_when(item, fields, f);
        json_array_append_new(items, item);
        const char *extra[2][2] = {{"-text", json_string_value(json_object_get(f, "text"))},
                                   {"-help", help}};
        for (int k = 0; k < 2; k++) {
            if (extra[k][1] == NULL)
                continue;
            json_t *d = display_item(key, extra[k][0], extra[k][1]);
            add_enable_when(d, fields, f);
            json_array_append_new(items, d);
        }
        return;
    }
    if (json_is_true(json_object_get(f, "required")))
        json_object_set_new(item, "required", json_true());
    switch (t) {
    case FT_SHORT_TEXT:
        json_object_set_new(item, "maxLength", json_integer(FORM_SHORT_TEXT_MAX));
        break;
    case FT_LONG_TEXT:
        json_object_set_new(item, "maxLength", json_integer(FORM_LONG_TEXT_MAX));
        break;
    case FT_SCALE: {
        add_bounds(item, f, false);
        push_ext(item, item_control("slider"));
        push_ext(item, ext("questionnaire-sliderStepValue", "valueInteger", json_integer(1)));
        const char *ends[2][3] = {
            {"-min-label", json_string_value(json_object_get(f, "min_label")), "lower"},
            {"-max-label", json_string_value(json_object_get(f, "max_label")), "upper"}};
        for (int k = 0; k < 2; k++) {
            json_t *d = display_item(key, ends[k][0], ends[k][1]);
            push_ext(d, item_control(ends[k][2]));
            add_child(item, d);
        }
        break;
    }
    case FT_MULTIPLE_CHOICE:
        json_object_set_new(item, "repeats", json_true());
        push_ext(item, item_control("check-box"));
        add_options(item, f);
        break;
    case FT_SINGLE_CHOICE:
        push_ext(item, item_control("radio-button"));
        add_options(item, f);
        break;
    case FT_NUMBER:
        add_bounds(item, f, decimal_number(f));
        break;
    case FT_PREFERENCE_LIST:
        add_pref_items(item, key, f);
        break;
    default:
        break;
    }
    if (help != NULL) {
        json_t *d = display_item(key, "-help", help);
        push_ext(d, item_control("help"));
        add_child(item, d);
    }
    add_enable_when(item, fields, f);
    json_array_append_new(items, item);
}

/* FHIR id: [A-Za-z0-9\-\.]{1,64} */
static bool fhir_id(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return false;
    }
    return true;
}

json_t *form_fhir_questionnaire(const json_t *def, const char *id, const char *title,
                                const char *version)
{
    char msg[8];

    if (form_check(def, msg, sizeof(msg)) != NULL || !fhir_id(id))
        return NULL;
    const json_t *fields = form_fields(def);
    json_t *q = json_pack("{s:s, s:s}", "resourceType", "Questionnaire", "id", id);
    if (version != NULL && *version != '\0')
        json_object_set_new(q, "version", json_string(version));
    if (title != NULL && form_has_text(title))
        json_object_set_new(q, "title", json_string(title));
    json_object_set_new(q, "status", json_string("active"));
    const char *summary = json_string_value(json_object_get(def, "summary"));
    const char *instructions = json_string_value(json_object_get(def, "instructions"));
    if (summary != NULL || instructions != NULL) {
        size_t len = (summary ? strlen(summary) : 0) + (instructions ? strlen(instructions) : 0);
        char *d = xmalloc(len + 3);
        snprintf(d, len + 3, "%s%s%s", summary ? summary : "",
                 summary && instructions ? "\n\n" : "", instructions ? instructions : "");
        json_object_set_new(q, "description", json_string(d));
        free(d);
    }
    const char *license = json_string_value(json_object_get(def, "license"));
    if (license != NULL)
        json_object_set_new(q, "copyright", json_string(license));
    json_t *items = json_array();
    for (size_t i = 0; i < json_array_size(fields); i++)
        add_items(items, fields, i);
    json_object_set_new(q, "item", items);
    return q;
}

/* ---------------------------------------------------------------- answers */

/* FHIR dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss(.f+)?
 * followed by Z or +hh:mm / -hh:mm (a time needs a zone). */
static bool fhir_datetime(const char *s)
{
    static const char DATE[] = "dddd-dd-dd", TIME[] = "Tdd:dd:dd";
    size_t i = 0;

    for (; DATE[i] != '\0' && s[i] != '\0'; i++)
        if (DATE[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != DATE[i])
            return false;
    if (s[i] == '\0')
        return i == 4 || i == 7 || i == 10;
    if (i != 10)
        return false;
    for (size_t k = 0; TIME[k] != '\0'; k++, i++)
        if (TIME[k] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != TIME[k])
            return false;
    if (s[i] == '.') {
        size_t d = 0;
        for (i++; s[i] >= '0' && s[i] <= '9'; i++)
            d++;
        if (d == 0)
            return false;
    }
    if (s[i] == 'Z')
        return s[i + 1] == '\0';
    if (s[i] != '+' && s[i] != '-')
        return false;
    static const char ZONE[] = "dd:dd";
    i++;
    for (size_t k = 0; ZONE[k] != '\0'; k++, i++)
        if (ZONE[k] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != ZONE[k])
            return false;
    return s[i] == '\0';
}

static json_t *coding(const json_t *field, const char *code)
{
    const json_t *o = form_option(field, code);
    return json_pack("{s:{s:s, s:O}}", "valueCoding", "code", code, "display",
                     json_object_get(o, "label"));
}

static json_t *answer_values(const struct fres *e)
{
    json_t *out = json_array();
    size_t i;
    const json_t *v;

    switch (e->type) {
    case FT_SHORT_TEXT:
    case FT_LONG_TEXT:
        json_array_append_new(out, json_pack("{s:O}", "valueString", e->typed));
        break;
    case FT_SCALE:
        json_array_append_new(out, json_pack("{s:O}", "valueInteger", e->typed));
        break;
    case FT_SINGLE_CHOICE:
        json_array_append_new(out, coding(e->field, json_string_value(e->typed)));
        break;
    case FT_MULTIPLE_CHOICE:
        json_array_foreach(e->typed, i, v)
        {
            json_array_append_new(out, coding(e->field, json_string_value(v)));
        }
        break;
    case FT_YES_NO:
        json_array_append_new(out, json_pack("{s:b}", "valueBoolean",
                                             strcmp(json_string_value(e->typed), "yes") == 0));
        break;
    case FT_CONSENT:
        json_array_append_new(out, json_pack("{s:b}", "valueBoolean", 1));
        break;
    case FT_DATE:
        json_array_append_new(out, json_pack("{s:O}", "valueDate", e->typed));
        break;
    case FT_NUMBER:
        json_array_append_new(
            out, json_pack("{s:O}", decimal_number(e->field) ? "valueDecimal" : "valueInteger",
                           e->typed));
        break;
    default:
        break;
    }
    return out;
}

/* The answered items of a preference list, as the group's nested items. */
static json_t *pref_answer_items(const struct fres *e)
{
    json_t *out = json_array();
    size_t i;
    const json_t *it;
    char id[2 * 64 + 16];

    json_array_foreach(json_object_get(e->field, "items"), i, it)
    {
        const char *ik = json_string_value(json_object_get(it, "key"));
        const json_t *a = json_object_get(e->typed, ik);
        const char *c = json_string_value(json_object_get(a, "choice"));
        if (ik == NULL || c == NULL || !form_pref_choice_ok(c))
            continue;
        snprintf(id, sizeof(id), "%s.%s", e->key, ik);
        json_array_append_new(out, json_pack("{s:s, s:o, s:[{s:{s:s, s:s}}]}", "linkId", id, "text",
                                             pref_item_text(it), "answer", "valueCoding", "code", c,
                                             "display", form_pref_choice_label(c)));
        const char *note = json_string_value(json_object_get(a, "note"));
        if (note != NULL && form_has_text(note)) {
            snprintf(id, sizeof(id), "%s.%s.note", e->key, ik);
            json_array_append_new(out, json_pack("{s:s, s:s, s:[{s:s}]}", "linkId", id, "text",
                                                 "Note", "answer", "valueString", note));
        }
    }
    return out;
}

json_t *form_fhir_response(const json_t *def, const json_t *answers, const char *questionnaire_ref,
                           const char *status, const char *authored_iso)
{
    static const char *const STATUSES[] = {"in-progress", "completed", "amended",
                                           "entered-in-error", "stopped"};
    char msg[8];
    bool status_ok = false;

    for (size_t k = 0; status != NULL && k < sizeof(STATUSES) / sizeof(*STATUSES); k++)
        status_ok = status_ok || strcmp(status, STATUSES[k]) == 0;
    if (!status_ok || form_check(def, msg, sizeof(msg)) != NULL ||
        (authored_iso != NULL && !fhir_datetime(authored_iso)) ||
        (questionnaire_ref != NULL && !form_has_text(questionnaire_ref)))
        return NULL;

    json_t *qr = json_pack("{s:s}", "resourceType", "QuestionnaireResponse");
    if (questionnaire_ref != NULL)
        json_object_set_new(qr, "questionnaire", json_string(questionnaire_ref));
    json_object_set_new(qr, "status", json_string(status));
    if (authored_iso != NULL)
        json_object_set_new(qr, "authored", json_string(authored_iso));
    size_t n;
    struct fres *r = form_resolve(def, answers, &n);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct fres *e = &r[i];
        if (!e->visible || !e->answered)
            continue;
        if (e->type == FT_PREFERENCE_LIST) {
            json_array_append_new(items, json_pack("{s:s, s:O, s:o}", "linkId", e->key, "text",
                                                   json_object_get(e->field, "label"), "item",
                                                   pref_answer_items(e)));
            continue;
        }
        json_array_append_new(items, json_pack("{s:s, s:O, s:o}", "linkId", e->key, "text",
                                               json_object_get(e->field, "label"), "answer",
                                               answer_values(e)));
    }
    form_resolve_free(r, n);
    if (json_array_size(items) > 0) /* FHIR JSON has no empty arrays */
        json_object_set_new(qr, "item", items);
    else
        json_decref(items);
    return qr;
}
