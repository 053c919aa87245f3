/* account.c: one's own account: password, sessions, sign out everywhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"
#include "util/agent.h"

/* The sign-in limits (login.c), shared by wrong current passwords. */
#define ACCOUNT_MAX_FAILS 5
#define ADDRESS_MAX_FAILS 30

/* The account page's data, with form (stolen) merged in when given. */
json_t *account_data(struct request *req, json_t *form, enum db_status *st)
{
    const struct user *u = req->session->user;
    struct db_args a = {0};
    db_arg_int(&a, u->id);
    db_arg_int(&a, config_current->session_idle);
    PGresult *res = NULL;
    *st = db_run(STMT_SESSION_LIST, &a, &res);
    if (*st != DB_OK) {
        json_decref(form);
        return NULL;
    }
    json_t *sessions = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        /* A coarse name ("Firefox on Android"), never the stored string. */
        char agent[64];
        agent_coarse(db_text(res, i, "user_agent"), agent, sizeof(agent));
        long long id = db_int(res, i, "id");
        json_array_append_new(sessions, json_pack("{s:I, s:b, s:s, s:s, s:s, s:s}", "id",
                                                  (json_int_t)id, "current", id == req->session->id,
                                                  "started", db_text(res, i, "started"),
                                                  "last_seen", db_text(res, i, "last_seen"), "ip",
                                                  db_text(res, i, "ip"), "agent", agent));
    }
    PQclear(res);
    json_t *data = form != NULL ? form : form_new();
    if (u->role == ROLE_THERAPIST) {
        /* The caseload's setting: what was typed wins over what is stored. */
        struct db_args a_uid = {0};
        db_arg_int(&a_uid, u->id);
        if ((*st = db_run(STMT_THERAPIST_SETTINGS, &a_uid, &res)) != DB_OK) {
            json_decref(data);
            return NULL;
        }
        const json_t *typed = json_object_get(
            json_object_get(json_object_get(data, "fields"), "inactive_days"), "value");
        if (typed == NULL && PQntuples(res) == 1)
            form_value(data, "inactive_days", db_text(res, 0, "inactive_days"));
        PQclear(res);
        json_object_set_new(data, "therapist_settings", json_true());
    }
    /* A client downloads their own record (export.c). */
    if (u->role == ROLE_CLIENT)
        json_object_set_new(data, "can_export", json_true());
    json_object_set_new(data, "title", json_string("Your account"));
    json_object_set_new(data, "account",
                        json_pack("{s:s, s:s, s:s}", "display_name", u->display_name, "email",
                                  u->email, "role", role_name(u->role)));
    json_object_set_new(data, "sessions", sessions);
    if ((*st = reminders_account_data(req, data)) != DB_OK ||
        (*st = calendar_account_data(req, data)) != DB_OK ||
        (*st = digest_account_data(req, data)) != DB_OK ||
        (*st = two_step_account_data(req, data)) != DB_OK) {
        json_decref(data);
        return NULL;
    }
    if ((*st = tokens_account_data(req, data)) != DB_OK) {
        json_decref(data);
        return NULL;
    }
    json_object_set_new(data, "other_sessions", json_boolean(json_array_size(sessions) > 1));
    const char *done = req_query(req, "done");
    if (done != NULL && strcmp(done, "password") == 0)
        json_object_set_new(data, "notice",
                            json_string("Your password was changed. Other sessions were ended."));
    else if (done != NULL && strcmp(done, "settings") == 0)
        json_object_set_new(data, "notice", json_string("Your settings were saved."));
    else if (done != NULL && strcmp(done, "reminders") == 0)
        json_object_set_new(data, "notice", json_string("Your reminder choice was saved."));
    else if (done != NULL && strcmp(done, "calendar-stopped") == 0)
        json_object_set_new(data, "notice", json_string("Your calendar link was stopped."));
    else if (done != NULL && strcmp(done, "sessions") == 0)
        json_object_set_new(data, "notice", json_string("Your other sessions were ended."));
    else if (done != NULL && strcmp(done, "session") == 0)
        json_object_set_new(data, "notice", json_string("That session was ended."));
    else if (done != NULL && strcmp(done, "two-step-off") == 0)
        json_object_set_new(data, "notice", json_string("Two-step sign-in is off."));
    else if (done != NULL && strcmp(done, "token-revoked") == 0)
        json_object_set_new(data, "notice", json_string("The token was revoked."));
    return data;
}

void account_form_errors(struct request *req, json_t *form)
{
    if (req->want_json) {
        view_form_errors(req, "account", "Your account", form);
        return;
    }
    enum db_status st;
    json_t *data = account_data(req, form, &st);
    if (data == NULL) {
        view_unavailable(req);
        return;
    }
    view_page(req, 422, "account", data);
}

void h_account(struct request *req)
{
    enum db_status st;
    json_t *data = account_data(req, NULL, &st);
    if (data == NULL) {
        view_unavailable(req);
        return;
    }
    view_page(req, 200, "account", data);
}

void h_account_password(struct request *req)
{
    const struct user *u = req->session->user;
    const char *current = req_form(req, "current_password");
    const char *pw = req_form(req, "new_password");
    const char *pw2 = req_form(req, "new_password_confirm");
    json_t *form = form_new();
    struct db_args a_uid = {0};
    db_arg_int(&a_uid, u->id);
    PGresult *res = NULL;
    if (db_run(STMT_USER_PASSWORD_HASH, &a_uid, &res) != DB_OK || PQntuples(res) != 1) {
        PQclear(res);
        json_decref(form);
        view_unavailable(req);
        return;
    }
    char *stored = strdup(db_text(res, 0, "password_hash"));
    PQclear(res);
    /* Guessing here counts as guessing at the sign-in form: the same
     * per-account and per-address limits (login.c). */
    struct db_args a_count = {0};
    db_arg_text(&a_count, u->email);
    db_arg_text(&a_count, req->client_ip);
    if (db_run(STMT_LOGIN_FAILURES_COUNT, &a_count, &res) != DB_OK) {
        free(stored);
        json_decref(form);
        view_unavailable(req);
        return;
    }
    bool locked = db_int(res, 0, "by_account") >= ACCOUNT_MAX_FAILS ||
                  db_int(res, 0, "by_address") >= ADDRESS_MAX_FAILS;
    PQclear(res);
    if (locked) {
        free(stored);
        form_error(form, "current_password",
                   "Too many wrong passwords. Please wait 15 minutes, then try again.");
        if (req->want_json) {
            view_form_errors(req, "account", "Your account", form);
        } else {
            enum db_status st;
            json_t *data = account_data(req, form, &st);
            if (data == NULL) {
                view_unavailable(req);
                return;
            }
            view_page(req, 429, "account", data);
        }
        req->view.status = 429;
        req->view.retry_after = "900";
        return;
    }
    enum pw_result pr =
        current != NULL && *current ? password_verify(stored, current, NULL) : PW_MISMATCH;
    free(stored);
    if (pr == PW_BUSY || pr == PW_ERROR) {
        json_decref(form);
        view_busy(req);
        return;
    }
    if (pr != PW_OK) {
        db_run(STMT_LOGIN_FAILURE_ADD, &a_count, NULL); /* the same email and address */
        audit(req, "account.password_failure", "user", u->id, 0);
        form_error(form, "current_password", "Your current password is not right.");
    }
    check_new_password(form, "new_password", "new_password_confirm", pw, pw2, u->email,
                       u->display_name);
    if (form_has_errors(form)) {
        if (req->want_json) {
            view_form_errors(req, "account", "Your account", form);
            return;
        }
        enum db_status st;
        json_t *data = account_data(req, form, &st);
        if (data == NULL) {
            view_unavailable(req);
            return;
        }
        view_page(req, 422, "account", data);
        return;
    }
    json_decref(form);
    char hash[160];
    if (password_hash(pw, hash, sizeof(hash)) != PW_OK) {
        view_busy(req);
        return;
    }
    struct db_args a_set = {0};
    db_arg_int(&a_set, u->id);
    db_arg_text(&a_set, hash);
    if (db_run(STMT_USER_SET_PASSWORD, &a_set, NULL) != DB_OK ||
        session_end_all(u->id, req->session->id) != DB_OK) {
        view_unavailable(req);
        return;
    }
    audit(req, "account.password_changed", "user", u->id, 0);
    /* A cookie copied before the change must not outlive it: this session
     * gets a new token too, as at sign-in. */
    if (session_login(req, u->id, false) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b, s:s}", "ok", 1, "csrf", req->session->csrf));
    else
        view_redirect(req, "/account?done=password");
}

void h_account_end_others(struct request *req)
{
    const struct user *u = req->session->user;
    if (session_end_all(u->id, req->session->id) != DB_OK) {
        view_unavailable(req);
        return;
    }
    audit(req, "account.sessions_ended", "user", u->id, 0);
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b}", "ok", 1));
    else
        view_redirect(req, "/account?done=sessions");
}

/* POST /account/settings (therapists): after how many days without a
 * logged practice an active assignment raises an "inactive" item, and how
 * often the digest of waiting entries comes (digest; unchanged when not
 * posted). */
void h_account_settings(struct request *req)
{
    const struct user *u = req->session->user;
    const char *days = req_form(req, "inactive_days");
    const char *digest = req_form(req, "digest");
    json_t *form = form_new();
    form_value(form, "inactive_days", days);
    if (digest != NULL)
        form_value(form, "digest", digest);
    if (digest != NULL && !digest_mode_valid(digest))
        form_error(form, "digest", "Choose one of the options.");
    char *end = NULL;
    long n = days != NULL && *days != '\0' ? strtol(days, &end, 10) : 0;
    if (days == NULL || *days == '\0' || end == NULL || *end != '\0' || n < 2 || n > 60)
        form_error(form, "inactive_days", "Enter a whole number of days, from 2 to 60.");
    if (form_has_errors(form)) {
        if (req->want_json) {
            view_form_errors(req, "account", "Your account", form);
            return;
        }
        enum db_status st;
        json_t *data = account_data(req, form, &st);
        if (data == NULL) {
            view_unavailable(req);
            return;
        }
        view_page(req, 422, "account", data);
        return;
    }
    json_decref(form);
    struct db_args a = {0};
    db_arg_int(&a, u->id);
    db_arg_int(&a, n);
    if (db_run(STMT_THERAPIST_SET_INACTIVE_DAYS, &a, NULL) != DB_OK ||
        (digest != NULL && digest_set(u->id, digest) != DB_OK) ||
        audit(req, "account.settings_changed", "user", u->id, 0) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b, s:i}", "ok", 1, "inactive_days", (int)n));
    else
        view_redirect(req, "/account?done=settings");
}
