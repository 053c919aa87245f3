/* login.c: signing in and out, and the session's CSRF token for API clients. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"
#include "util/xalloc.h"

/* Throttling: failed sign-ins counted over 15 minutes, in PostgreSQL. The
 * per-address limit does not hold back a device that signed in to this
 * account before (auth/device.c): strangers sharing the address (a NAT, a
 * proxy, Docker's bridge) cannot lock its people out. */
#define MAX_FAILS_PER_ACCOUNT 5
#define MAX_FAILS_PER_ADDRESS 30

static const char bad_credentials[] = "The e-mail address or password is not right.";

void h_login_form(struct request *req)
{
    if (req->session != NULL && req->session->user != NULL) {
        view_redirect(req, "/");
        return;
    }
    if (session_ensure(req) != DB_OK) {
        view_unavailable(req);
        return;
    }
    json_t *form = form_new();
    json_object_set_new(form, "title", json_string("Sign in"));
    view_page(req, 200, "login", form);
}

/* Fails the sign-in with the one message both unknown accounts and wrong
 * passwords get, so the answer never says which it was. */
static void refuse(struct request *req, const char *email)
{
    json_t *form = form_new();
    form_value(form, "email", email);
    form_error(form, "password", bad_credentials);
    view_form_errors(req, "login", "Sign in", form);
}

struct login_ctx {
    struct request *req;
    long long user_id;
    bool pending;           /* two-step on: the password makes a half session */
    struct session *before; /* the pre-login session, restored for each attempt */
};

static enum db_status login_tx(void *arg)
{
    struct login_ctx *c = arg;
    c->req->session = c->before;
    c->req->set_cookie = NULL;
    enum db_status st = session_login(c->req, c->user_id, c->pending);
    if (st != DB_OK)
        return st;
    return audit_as(c->req, c->user_id, c->pending ? "login.password_ok" : "login.success", "user",
                    c->user_id, 0);
}

void h_login(struct request *req)
{
    const char *email = req_form(req, "email");
    const char *password = req_form(req, "password");
    json_t *form = form_new();
    form_value(form, "email", email);
    if (email == NULL || *email == '\0')
        form_error(form, "email", "Enter your e-mail address.");
    if (password == NULL || *password == '\0')
        form_error(form, "password", "Enter your password.");
    if (form_has_errors(form)) {
        view_form_errors(req, "login", "Sign in", form);
        return;
    }
    json_decref(form);

    struct db_args a_count = {0};
    db_arg_text(&a_count, email);
    db_arg_text(&a_count, req->client_ip);
    PGresult *res = NULL;
    if (db_run(STMT_LOGIN_FAILURES_COUNT, &a_count, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    long long fails_account = db_int(res, 0, "by_account");
    long long fails_address = db_int(res, 0, "by_address");
    PQclear(res);
    if (fails_account >= MAX_FAILS_PER_ACCOUNT ||
        (fails_address >= MAX_FAILS_PER_ADDRESS && !device_known(req, email))) {
        json_t *f = form_new();
        form_value(f, "email", email);
        form_error(f, "password",
                   "Too many attempts to sign in. Please wait 15 minutes, then try again.");
        view_form_errors(req, "login", "Sign in", f);
        req->view.status = 429;
        req->view.retry_after = "900";
        return;
    }

    struct db_args a_email = {0};
    db_arg_text(&a_email, email);
    if (db_run(STMT_USER_BY_EMAIL, &a_email, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    long long user_id = 0;
    char *hash = NULL;
    bool disabled = false;
    if (PQntuples(res) == 1) {
        user_id = db_int(res, 0, "id");
        hash = xstrdup(db_text(res, 0, "password_hash"));
        disabled = db_bool(res, 0, "disabled");
    }
    PQclear(res);

    bool rehash = false;
    enum pw_result pr = password_verify(hash, password, &rehash);
    free(hash);
    if (pr == PW_BUSY || pr == PW_ERROR) {
        view_error(req, 503, "busy", "Signing in is busy right now. Please try again in a moment.");
        req->view.retry_after = "2";
        return;
    }
    if (pr != PW_OK || disabled) {
        db_run(STMT_LOGIN_FAILURE_ADD, &a_count, NULL); /* the same email and address */
        audit_as(req, user_id, "login.failure", "user", user_id, 0);
        refuse(req, email);
        return;
    }

    db_run(STMT_LOGIN_FAILURES_CLEAR, &a_email, NULL);
    if (rehash) {
        char fresh[160];
        if (password_hash(password, fresh, sizeof(fresh)) == PW_OK) {
            struct db_args a_set = {0};
            db_arg_int(&a_set, user_id);
            db_arg_text(&a_set, fresh);
            db_run(STMT_USER_SET_PASSWORD, &a_set, NULL);
        }
    }
    /* The new session and its audit row in one transaction: no sign-in
     * without its row, no row without its session. */
    bool pending = false;
    if (two_step_is_on(user_id, &pending) != DB_OK) {
        view_unavailable(req);
        return;
    }
    struct session *before = req->session;
    struct login_ctx lc = {.req = req, .user_id = user_id, .pending = pending, .before = before};
    if (db_tx(login_tx, &lc) != DB_OK) {
        req->session = before; /* rolled back: the pre-login session stays */
        req->set_cookie = NULL;
        view_unavailable(req);
        return;
    }
    device_remember(req, email);
    if (req->want_json)
        view_page(req, 200, NULL,
                  json_pack("{s:b, s:s, s:b}", "ok", 1, "csrf", req->session->csrf, "second_step",
                            pending));
    else
        view_redirect(req, pending ? "/login/code" : "/");
}

void h_logout(struct request *req)
{
    long long uid = req->session && req->session->user ? req->session->user->id : 0;
    if (session_logout(req) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (uid > 0)
        audit_as(req, uid, "logout", "user", uid, 0);
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b}", "ok", 1));
    else
        view_redirect(req, "/login");
}

/* For API clients: who am I, and the CSRF token to send as X-CSRF-Token.
 * Gives an anonymous visitor a session so they can then POST /login. */
void h_session(struct request *req)
{
    if (session_ensure(req) != DB_OK) {
        view_unavailable(req);
        return;
    }
    const struct user *u = req->session->user;
    json_t *data = json_pack("{s:b, s:s}", "signed_in", u != NULL, "csrf", req->session->csrf);
    if (u != NULL) {
        json_object_set_new(data, "user",
                            json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)u->id, "email",
                                      u->email, "display_name", u->display_name, "role",
                                      role_name(u->role)));
        /* The policy requires two-step sign-in of this person, who has
         * not set it up: only the account routes answer until they do. */
        json_object_set_new(data, "two_step_enrolment_required",
                            json_boolean(req->session->enrolment_required));
    }
    view_page(req, 200, NULL, data);
}
