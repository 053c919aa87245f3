/* form_internal.h: what the forms engine's files share (not for callers:
 * they use form.h). One table of field types, and the "resolve" pass that
 * every operation runs: each field's visibility (show_if) and its typed
 * answer, computed the same way for validation, the view, scoring and FHIR,
 * so that they can never disagree about what is shown or stored. */
#ifndef INTERLUDE_FORM_INTERNAL_H
#define INTERLUDE_FORM_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum ftype {
    FT_SHORT_TEXT,
    FT_LONG_TEXT,
    FT_SCALE,
    FT_SINGLE_CHOICE,
    FT_MULTIPLE_CHOICE,
    FT_YES_NO,
    FT_DATE,
    FT_NUMBER,
    FT_CONSENT,
    FT_SECTION,
    FT_PREFERENCE_LIST,
    FT__MAX
};

/* Caps (see form.h and docs/CONTENT.md). */
#define FORM_MAX_FIELDS 200
#define FORM_MAX_OPTIONS 100
#define FORM_MAX_LABEL 1000 /* code points: label, help, min/max_label, option label */
#define FORM_MAX_TEXT 4000  /* code points: a section's text */
#define FORM_MAX_KEY 64     /* bytes */
#define FORM_MAX_VALUE 200  /* code points: an option value */
#define FORM_MAX_SCALE_STEPS 101
#define FORM_MAX_SCALE_ABS 1000000
#define FORM_SHORT_TEXT_MAX 500
#define FORM_LONG_TEXT_MAX 20000
#define FORM_INT_MAX 2147483647LL /* FHIR integer is 32-bit signed */
#define FORM_DECIMAL_MAX 1e15
#define FORM_MAX_ITEMS 200      /* items of a preference_list */
#define FORM_MAX_ITEM_LABEL 200 /* code points: an item's label or group */
#define FORM_PREF_NOTE_MAX 500  /* code points: a note on one item */

struct ftype_info {
    const char *name; /* as in the definition */
    const char *flag; /* the view's is_<type> flag */
};
extern const struct ftype_info form_types[FT__MAX];

/* The type of a field object, or FT__MAX when missing or unknown. */
enum ftype form_field_type(const json_t *field);

/* The "fields" array of a definition, or NULL. */
const json_t *form_fields(const json_t *def);

/* One field after resolving: see form_resolve. */
struct fres {
    const json_t *field; /* borrowed from def */
    const char *key;     /* NULL when the field has no string key */
    enum ftype type;
    bool visible;    /* show_if is true (or absent) */
    bool answered;   /* a valid answer was given: typed is set */
    json_t *typed;   /* owned: the typed answer, or NULL */
    const char *err; /* the message for an invalid value, or NULL (points into msg) */
    char msg[96];
};

/* Resolves every field of def against given: an object key -> value, where
 * a value is either what came from the form (a string, or an array of
 * strings; a multiple_choice field also reads "key[]") or a stored typed
 * answer (integer, real, true, array of strings). Fields are visited in
 * order; a field whose show_if is false is not visible and is neither
 * parsed nor answered. given may be NULL. Returns an array of *n entries
 * (caller frees with form_resolve_free), or NULL when def has no fields
 * array. Required-ness is not checked here. */
struct fres *form_resolve(const json_t *def, const json_t *given, size_t *n);
void form_resolve_free(struct fres *r, size_t n);

/* The option object of a choice field whose value is v, or NULL. */
const json_t *form_option(const json_t *field, const char *v);

/* The item object of a preference_list field whose key is k, or NULL. */
const json_t *form_pref_item(const json_t *field, const char *k);

/* True for "yes", "maybe" and "no". */
bool form_pref_choice_ok(const char *s);

/* "Yes", "Maybe", "No" for a valid choice, else NULL. */
const char *form_pref_choice_label(const char *s);

/* Writes a number the way a person would type it ("3", "2.5", "-0.25"):
 * integers without a decimal point, others with the shortest digits that
 * read back as the same double, never with an exponent. */
void form_fmt_number(double d, char *out, size_t outlen);

/* True when v is a JSON number with an integral value; stores it in *out. */
bool form_json_int(const json_t *v, long long *out);

/* Number of code points in a valid UTF-8 string of n bytes. */
size_t form_utf8_len(const char *s, size_t n);

/* True when the string has a character other than ASCII white space. */
bool form_has_text(const char *s);

#endif
