/* page_form.c: a form page's state: the values kept as typed and a
 * message per field (see page_form.h). Not the forms engine's view of a
 * form definition: that is server/forms/form_view.c. */
#include "app/page_form.h"
#include "auth/auth.h"

#include <string.h>

json_t *form_new(void)
{
    return json_pack("{s:{}, s:[]}", "fields", "errors");
}

static json_t *field(json_t *form, const char *name)
{
    json_t *fields = json_object_get(form, "fields");
    json_t *f = json_object_get(fields, name);
    if (f == NULL) {
        f = json_object();
        json_object_set_new(fields, name, f);
    }
    return f;
}

void form_value(json_t *form, const char *name, const char *value)
{
    json_object_set_new(field(form, name), "value", json_string(value != NULL ? value : ""));
}

void form_error(json_t *form, const char *name, const char *message)
{
    json_t *f = field(form, name);
    if (json_object_get(f, "error") != NULL)
        return; /* the first problem with a field is the one to fix */
    json_object_set_new(f, "error", json_string(message));
    json_object_set_new(form, "has_errors", json_true());
    json_array_append_new(json_object_get(form, "errors"),
                          json_pack("{s:s, s:s}", "field", name, "message", message));
}

bool form_has_errors(const json_t *form)
{
    return json_array_size(json_object_get(form, "errors")) > 0;
}

void view_form_errors(struct request *req, const char *template, const char *title, json_t *form)
{
    if (req->want_json) {
        json_t *fields = json_object();
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(form, "errors"), i, e) json_object_set(
            fields, json_string_value(json_object_get(e, "field")), json_object_get(e, "message"));
        view_error(req, 422, "invalid", "Some fields need attention.");
        json_object_set_new(json_object_get(req->view.data, "error"), "fields", fields);
        json_decref(form);
        return;
    }
    json_object_set_new(form, "title", json_string(title));
    view_page(req, 422, template, form);
}

const char *check_email(const char *s)
{
    if (s == NULL || *s == '\0')
        return "Enter an e-mail address.";
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > 254 || at == NULL || at == s || strchr(at + 1, '@') != NULL ||
        strchr(at + 1, '.') == NULL || at[1] == '.' || s[n - 1] == '.' ||
        strpbrk(s, " \t\r\n<>,;") != NULL)
        return "Enter an e-mail address like name@example.org.";
    return NULL;
}

const char *check_display_name(const char *s)
{
    if (s == NULL || *s == '\0')
        return "Enter a name.";
    size_t points = 0;
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p < 0x20)
            return "Use letters, spaces and punctuation only.";
        if (((unsigned char)*p & 0xC0) != 0x80)
            points++;
    }
    if (points > 100)
        return "Use at most 100 characters.";
    return NULL;
}

void check_new_password(json_t *form, const char *field, const char *confirm_field,
                        const char *password, const char *confirm, const char *email,
                        const char *name)
{
    const char *problem;
    if (password == NULL || *password == '\0')
        form_error(form, field, "Choose a password.");
    else if ((problem = password_problem(password, email, name)) != NULL)
        form_error(form, field, problem);
    else if (confirm == NULL || strcmp(password, confirm) != 0)
        form_error(form, confirm_field, "The two passwords are not the same.");
}
