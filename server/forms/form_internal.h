/* form_internal.h: what the forms engine's files share (not for callers:
 * they use form.h, which also holds the field types and caps). The "resolve" pass that
 * every operation runs: each field's visibility (show_if) and its typed
 * answer, computed the same way for validation, the view, scoring and FHIR,
 * so that they can never disagree about what is shown or stored. */
#ifndef INTERLUDE_FORM_INTERNAL_H
#define INTERLUDE_FORM_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "forms/form.h"

/* The "fields" array of a definition, or NULL. */
const json_t *form_fields(const json_t *def);

/* One field after resolving: see form_resolve. */
struct fres {
    const json_t *field; /* borrowed from def */
    const char *key;     /* NULL when the field has no string key */
    enum form_type type;
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
