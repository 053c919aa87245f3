/* discretion.c: what keeps messages discreet, set by an administrator on
 * the Mail page: the practice's short name in every subject ("A note from
 * <name>") and the words no message may contain besides the built-in ones
 * (mail/mail.c refuses a message that holds one). Every change is audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"
#include "util/utf8.h"

static const char mail_title[] = "Mail";

/* The Mail page: the outbox (mail_outbox_summary), the practice name and
 * the words; form (stolen, may be NULL) carries typed values and errors. */
static void mail_page(struct request *req, int status, json_t *form)
{
    json_t *data = NULL;
    if (mail_outbox_summary(&data) != DB_OK) {
        json_decref(form);
        view_unavailable(req);
        return;
    }
    if (form == NULL)
        form = form_new();
    json_object_update(data, form);
    json_decref(form);
    char name[100];
    PGresult *res = NULL;
    const struct db_args none = {0};
    if (mail_practice_name(name, sizeof(name), true) != 0 ||
        db_run(STMT_FORBIDDEN_LIST, &none, &res) != DB_OK) {
        json_decref(data);
        view_unavailable(req);
        return;
    }
    json_t *fields = json_object_get(data, "fields");
    if (json_object_get(fields, "practice_name") == NULL)
        form_value(data, "practice_name", name);
    json_t *added = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(added, json_pack("{s:s}", "word", db_text(res, i, "word")));
    PQclear(res);
    const char *const *builtin = NULL;
    size_t nb = mail_builtin_words(&builtin);
    json_t *fixed = json_array();
    for (size_t i = 0; i < nb; i++)
        json_array_append_new(fixed, json_string(builtin[i]));
    json_object_set_new(data, "has_added_words", json_boolean(json_array_size(added) > 0));
    json_object_set_new(data, "added_words", added);
    json_object_set_new(data, "builtin_words", fixed);
    json_object_set_new(data, "title", json_string(mail_title));
    const char *done = req_query(req, "done");
    if (done != NULL && strcmp(done, "name") == 0)
        json_object_set_new(data, "notice", json_string("The practice name was saved."));
    else if (done != NULL && strcmp(done, "word") == 0)
        json_object_set_new(data, "notice", json_string("The list of words was saved."));
    view_page(req, status, "admin_mail", data);
}

void h_admin_mail(struct request *req)
{
    mail_page(req, 200, NULL);
}

static void form_back(struct request *req, json_t *form)
{
    if (req->want_json)
        view_form_errors(req, "admin_mail", mail_title, form);
    else
        mail_page(req, 422, form);
}

/* Leading and trailing spaces off, into the request's arena. */
static const char *trimmed(struct request *req, const char *s)
{
    if (s == NULL)
        return NULL;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return arena_strndup(&req->arena, s, n);
}

static bool has_control(const char *s)
{
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

/* POST /admin/mail/practice: practice_name, the short name in every
 * subject; empty: PRACTICE_NAME again. */
void h_admin_practice_name(struct request *req)
{
    const char *raw = req_form(req, "practice_name");
    const char *name = trimmed(req, raw);
    json_t *form = form_new();
    form_value(form, "practice_name", raw != NULL ? raw : "");
    char hit[64];
    int h = 0;
    if (name == NULL) {
        form_error(form, "practice_name", "Enter the practice's short name, or leave it empty.");
    } else if (has_control(name) || utf8_code_points(name) > 60 || strlen(name) > 60) {
        form_error(form, "practice_name", "Keep the name to one line of 60 characters or fewer.");
    } else if ((h = mail_forbidden_hit(name, true, hit, sizeof(hit))) != 0) {
        if (h < 0) {
            json_decref(form);
            view_unavailable(req);
            return;
        }
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "The name holds \"%s\", a word no message to a client may contain. Choose a "
                 "neutral name.",
                 hit);
        form_error(form, "practice_name", msg);
    }
    if (form_has_errors(form)) {
        form_back(req, form);
        return;
    }
    json_decref(form);
    struct db_args a = {0}, none = {0};
    db_arg_text(&a, name);
    db_arg_int(&a, req->session->user->id);
    enum db_status st = *name == '\0' ? db_run(STMT_PRACTICE_NAME_CLEAR, &none, NULL)
                                      : db_run(STMT_PRACTICE_NAME_SET, &a, NULL);
    if (st != DB_OK || audit(req, "admin.practice_name_changed", "settings", 0, 0) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b}", "ok", 1));
    else
        view_redirect(req, "/admin/mail?done=name");
}

/* POST /admin/mail/words: word, added to the list (lower-case). */
void h_admin_word_add(struct request *req)
{
    const char *raw = req_form(req, "word");
    const char *w = trimmed(req, raw);
    json_t *form = form_new();
    form_value(form, "word", raw != NULL ? raw : "");
    size_t n = w != NULL ? utf8_code_points(w) : 0;
    if (w == NULL || *w == '\0')
        form_error(form, "word", "Enter a word or a short phrase.");
    else if (has_control(w) || n < 2 || n > 40 || strlen(w) > 160)
        form_error(form, "word", "Enter one line of 2 to 40 characters.");
    if (form_has_errors(form)) {
        form_back(req, form);
        return;
    }
    char *lower = arena_strdup(&req->arena, w);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    struct db_args a = {0};
    db_arg_text(&a, lower);
    db_arg_int(&a, req->session->user->id);
    PGresult *res = NULL;
    if (db_run(STMT_FORBIDDEN_ADD, &a, &res) != DB_OK) {
        json_decref(form);
        view_unavailable(req);
        return;
    }
    bool added = PQntuples(res) == 1;
    PQclear(res);
    if (added && audit(req, "admin.forbidden_word_added", "settings", 0, 0) != DB_OK) {
        json_decref(form);
        view_unavailable(req);
        return;
    }
    json_decref(form);
    if (req->want_json)
        view_page(req, added ? 201 : 200, NULL, json_pack("{s:b, s:s}", "ok", 1, "word", lower));
    else
        view_redirect(req, "/admin/mail?done=word");
}

/* POST /admin/mail/words/delete: word, taken off the list. */
void h_admin_word_delete(struct request *req)
{
    const char *w = req_form(req, "word");
    struct db_args a = {0};
    db_arg_text(&a, w != NULL ? w : "");
    PGresult *res = NULL;
    if (db_run(STMT_FORBIDDEN_DELETE, &a, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    bool gone = PQntuples(res) == 1;
    PQclear(res);
    if (!gone) {
        view_error(req, 404, "not_found", "That word is not on the list.");
        return;
    }
    if (audit(req, "admin.forbidden_word_removed", "settings", 0, 0) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b}", "ok", 1));
    else
        view_redirect(req, "/admin/mail?done=word");
}
