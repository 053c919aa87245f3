/* support.c: the crisis contacts an admin sets for this installation (a
 * national crisis line, the emergency number...). A client whose answer
 * raised a risk item sees them in the support panel (attention.c). Not
 * clinical data: stored in clear, changes audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/attention.h"
#include "app/page_form.h"
#include "auth/auth.h"
#include "util/utf8.h"

static const char support_title[] = "Crisis contacts";

static bool blank(const char *s)
{
    if (s == NULL)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

/* A phone number as people write it: digits, spaces, +, -, ( and ). */
static bool phone_ok(const char *s)
{
    size_t n = strlen(s), digits = 0;
    if (n < 2 || n > 32)
        return false;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (strchr("+() -", *p) == NULL)
            return false;
    }
    return digits >= 2;
}

static bool url_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 12 || n > 508 || strncmp(s, "https://", 8) != 0)
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return false;
    return true;
}

/* The page: the list, and the form to add one (form: what was typed and
 * the messages, or NULL). */
static void support_page(struct request *req, int status, json_t *form)
{
    json_t *contacts = attention_crisis_contacts();
    if (contacts == NULL) {
        json_decref(form);
        view_unavailable(req);
        return;
    }
    json_t *data = form != NULL ? form : form_new();
    json_object_set_new(data, "title", json_string(support_title));
    json_object_set_new(data, "has_contacts", json_boolean(json_array_size(contacts) > 0));
    json_object_set_new(data, "contacts", contacts);
    const char *done = req_query(req, "done");
    if (done != NULL && strcmp(done, "added") == 0)
        json_object_set_new(data, "notice", json_string("The contact was added."));
    else if (done != NULL && strcmp(done, "removed") == 0)
        json_object_set_new(data, "notice", json_string("The contact was removed."));
    view_page(req, status, "admin_support", data);
}

void h_admin_support(struct request *req)
{
    support_page(req, 200, NULL);
}

/* The contact and its audit row, in one transaction. */
struct add_ctx {
    struct request *req;
    struct db_args args; /* STMT_CRISIS_ADD's four, or STMT_CRISIS_DELETE's one */
    long long id;        /* out: 0 when there are already 20 */
};

static enum db_status add_tx(void *arg)
{
    struct add_ctx *c = arg;
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_CRISIS_ADD, &c->args, &res);
    if (st != DB_OK)
        return st;
    c->id = PQntuples(res) == 1 ? db_int(res, 0, "id") : 0;
    PQclear(res);
    if (c->id == 0)
        return DB_OK;
    return audit(c->req, "settings.crisis_contact_added", "crisis_contact", c->id, 0);
}

/* 503 for a contact that was not stored: the page lists the contacts from
 * the database, so the form alone comes back as typed. */
static void contact_not_saved(struct request *req)
{
    static const struct unsaved_text texts[] = {
        {"label", "Name"}, {"phone", "Phone number"}, {"url", "Web address"}, {"note", "Note"}};
    const struct unsaved_form f = {.title = support_title,
                                   .heading = "Add a contact",
                                   .button = "Add the contact",
                                   .keep = "crisis-contact",
                                   .back_href = "/admin/support",
                                   .back_label = "Back to the crisis contacts",
                                   .texts = texts,
                                   .ntexts = sizeof(texts) / sizeof(texts[0])};
    view_not_saved_text(req, &f);
}

void h_admin_support_add(struct request *req)
{
    const char *label = req_form(req, "label"), *phone = req_form(req, "phone"),
               *url = req_form(req, "url"), *note = req_form(req, "note");
    json_t *form = form_new();
    form_value(form, "label", label);
    form_value(form, "phone", phone);
    form_value(form, "url", url);
    form_value(form, "note", note);
    if (blank(label))
        form_error(form, "label", "Enter a name for the contact, e.g. \"Crisis line\".");
    else if (utf8_code_points(label) > 120)
        form_error(form, "label", "Keep the name to 120 characters or fewer.");
    if (blank(phone) && blank(url))
        form_error(form, "phone", "Enter a phone number, a web address, or both.");
    if (!blank(phone) && !phone_ok(phone))
        form_error(form, "phone",
                   "Enter the number with digits, spaces, +, - or brackets only (2 to 32).");
    if (!blank(url) && !url_ok(url))
        form_error(form, "url", "Enter a web address that starts with https://, without spaces.");
    if (!blank(note) && utf8_code_points(note) > 300)
        form_error(form, "note", "Keep the note to 300 characters or fewer.");
    if (form_has_errors(form)) {
        if (req->want_json)
            view_form_errors(req, "admin_support", support_title, form);
        else
            support_page(req, 422, form);
        return;
    }
    json_decref(form);
    struct add_ctx c = {.req = req};
    db_arg_text(&c.args, label);
    db_arg_text(&c.args, blank(phone) ? NULL : phone);
    db_arg_text(&c.args, blank(url) ? NULL : url);
    db_arg_text(&c.args, blank(note) ? NULL : note);
    if (db_tx(add_tx, &c) != DB_OK) {
        contact_not_saved(req);
        return;
    }
    if (c.id == 0) {
        view_error(req, 409, "too_many", "There are already 20 contacts. Remove one first.");
        return;
    }
    if (req->want_json)
        view_page(req, 201, NULL, json_pack("{s:I}", "id", (json_int_t)c.id));
    else
        view_redirect(req, "/admin/support?done=added");
}

static enum db_status delete_tx(void *arg)
{
    struct add_ctx *c = arg;
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_CRISIS_DELETE, &c->args, &res);
    if (st != DB_OK)
        return st;
    c->id = PQntuples(res) == 1 ? db_int(res, 0, "id") : 0;
    PQclear(res);
    if (c->id == 0)
        return DB_OK;
    return audit(c->req, "settings.crisis_contact_removed", "crisis_contact", c->id, 0);
}

void h_admin_support_delete(struct request *req)
{
    struct add_ctx c = {.req = req};
    db_arg_int(&c.args, req->ids[0]);
    if (db_tx(delete_tx, &c) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (c.id == 0) {
        view_error(req, 404, "not_found", "There is no such contact.");
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b}", "removed", 1));
    else
        view_redirect(req, "/admin/support?done=removed");
}
