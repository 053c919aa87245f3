/* builder.h: the form builder's pure part (no database, no HTTP). A draft's
 * content is an exercise or an intake form in the format of docs/CONTENT.md,
 * possibly unfinished; each plain form post of the builder changes it by one
 * step, after checks that give one message per input. authoring.c stores
 * drafts and answers the requests.
 *
 * Inputs are objects {name: string} of what was typed (so a page answered
 * 422 shows it again as typed). Problems are collected in a JSON array of
 * {"at", "input", "message"}: at is "meta" (the details form), "add" (the
 * "add a field" form), "form" (the whole form, e.g. form_check's message) or
 * a field's index in decimal; input names the input the message belongs
 * next to ("field" for the field as a whole). */
#ifndef INTERLUDE_BUILDER_H
#define INTERLUDE_BUILDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "http/request.h"

/* The largest draft stored, serialised (bytes). */
#define BUILDER_MAX_CONTENT (1024 * 1024)

/* True for the kinds a therapist can write: "exercise", "intake". */
bool builder_kind_ok(const char *kind);

/* Appends a problem unless one is already there for the same at + input
 * (the first problem with an input is the one to fix). */
void builder_problem(json_t *problems, const char *at, const char *input, const char *message);

/* A new, empty draft of kind. New reference. */
json_t *builder_new(const char *kind);

/* The form fields of a draft (created when missing). Borrowed. */
json_t *builder_fields(json_t *content, const char *kind);

/* A new custom slug, "custom-" + 16 random hex digits (out: 24 bytes). */
void builder_slug(char out[24]);

/* The details form (title, category, ... for exercises; title and summary
 * for intake forms): its inputs as posted, or as stored in content. New
 * references. */
json_t *builder_meta_posted(const struct request *req, const char *kind);
json_t *builder_meta_stored(const json_t *content, const char *kind);
/* Checks the details in `in`; complete asks for everything publishing
 * needs, otherwise only the title is required and the rest is checked when
 * given. On success writes them into content and returns true; otherwise
 * adds problems (at "meta") and leaves content as it was. */
bool builder_meta_apply(json_t *content, const char *kind, const json_t *in, bool complete,
                        json_t *problems);

/* One field's form: its inputs as posted, or as stored (form: the
 * definition that holds field and its "alerts", may be NULL). Besides the
 * field's settings, the inputs of its flag (its alert rule, docs/CONTENT.md):
 * alert_on ("yes"/"no"; option labels or values separated by commas; the
 * number at or above which it fires), alert_message (the clinician's) and
 * alert_client_message. A stored min_weight rule is shown as the options it
 * covers. New references. */
json_t *builder_field_posted(const struct request *req);
json_t *builder_field_stored(const json_t *form, const json_t *field);
/* Checks the inputs for field index (which must exist) and replaces it,
 * keeping its key and type, or adds problems (at the index). Checked: the
 * label, type settings (scale min < max with both end labels, at least two
 * options with unique values, number bounds), show_if naming an EARLIER
 * field with a value it can take, that no later field's show_if is
 * broken by the change, and the flag: all three alert inputs empty removes
 * the field's rules from the definition's "alerts" (the object holding
 * "fields"); otherwise both messages and an alert_on the NEW settings can
 * take (an option that exists, a number within the scale or the number's
 * bounds) replace them with one rule ("values" or "min"), or each bad
 * input gets its problem and nothing changes. Only yes_no, choices, scale
 * and number fields take a flag. When in has none of the three alert
 * inputs (builder_field_posted leaves out those not posted), the stored
 * flag is kept, and checked against the new settings like a typed one. */
bool builder_field_apply(json_t *content, const char *kind, size_t index, const json_t *in,
                         json_t *problems);

/* Appends a field of type with label; its key is made from the label
 * (snake_case, unique in the form) and never changes. Sets *index. */
bool builder_field_add(json_t *content, const char *kind, const char *type, const char *label,
                       size_t *index, json_t *problems);
/* Moves field index one place up (dir < 0) or down; refused when a show_if
 * would then name a later field. Moving past either end changes nothing. */
bool builder_field_move(json_t *content, const char *kind, size_t index, int dir, json_t *problems);
/* Removes field index and its alert rules; refused while a later field's
 * show_if names it. */
bool builder_field_remove(json_t *content, const char *kind, size_t index, json_t *problems);

/* Everything publishing needs: complete details, every field as
 * builder_field_apply would accept it, then form_check on the form (its
 * message at "form"). True when content can be published. */
bool builder_check_all(const json_t *content, const char *kind, json_t *problems);

/* The builder page's data: "meta", "fields", "add", "errors" (for
 * partials/error_summary.html), "has_errors", "form_problem". typed_at and
 * typed: the inputs to show instead of the stored ones ("meta", "add" or a
 * field index), or NULL. New reference. */
json_t *builder_view(const json_t *content, const char *kind, const json_t *problems,
                     const char *typed_at, const json_t *typed);

#endif
