/* page_form.h: the data a form page is rendered from: what was typed, and a
 * message per field, summarised at the top with links to each field.
 *
 * Shape: {"fields": {"email": {"value": "...", "error": "..."}},
 *         "errors": [{"field": "email", "message": "..."}]}
 * Templates read {{fields.email.value}} and {{#fields.email.error}}; the
 * summary iterates {{#errors}} and links to #field-{{field}}.
 * (A form definition's own view, for the forms engine's questions, is
 * form_view in server/forms/form.h.) */
#ifndef INTERLUDE_PAGE_FORM_H
#define INTERLUDE_PAGE_FORM_H

#include <jansson.h>
#include <stdbool.h>

#include "http/request.h"

json_t *form_new(void);
/* Keeps what was typed (never pass a password). value may be NULL. */
void form_value(json_t *form, const char *field, const char *value);
void form_error(json_t *form, const char *field, const char *message);
bool form_has_errors(const json_t *form);
/* Answers 422 with the form page (HTML) or
 * {"error": {"code": "invalid", "message": ..., "fields": {name: message}}}
 * (JSON). form is stolen; title is the page title. */
void view_form_errors(struct request *req, const char *template, const char *title, json_t *form);

/* Checks of common fields: NULL when fine, else the message to show. */
const char *check_email(const char *s);
const char *check_display_name(const char *s);

/* Checks a new password (and its confirmation) against the rules in
 * password_problem(), adding a message to field or confirm_field of form.
 * email and name are the person's own (refused as passwords). */
void check_new_password(json_t *form, const char *field, const char *confirm_field,
                        const char *password, const char *confirm, const char *email,
                        const char *name);

#endif
