/* reset.c: choosing a new password from a one-time reset link that an
 * administrator made (admin.c). The link is the credential, so the routes
 * are public, and an unknown, used, revoked or expired link all get the
 * same answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"

static const char reset_title[] = "Choose a new password";

/* A usable reset link; strings live in the request's arena. */
struct reset_link {
    long long invite_id, user_id;
    const char *email, *name;
};

/* Looks up the request's token. Returns true and fills l when the link can
 * be used; false with *st DB_OK when it cannot, or a DB error. */
static bool find_reset(struct request *req, struct reset_link *l, enum db_status *st)
{
    char hash[67];
    token_hash_param(req->params[0], hash);
    struct db_args a = {0};
    db_arg_text(&a, hash);
    PGresult *res = NULL;
    *st = db_run(STMT_RESET_BY_TOKEN, &a, &res);
    if (*st != DB_OK)
        return false;
    bool found = PQntuples(res) == 1;
    if (found) {
        l->invite_id = db_int(res, 0, "invite_id");
        l->user_id = db_int(res, 0, "user_id");
        l->email = arena_strdup(&req->arena, db_text(res, 0, "email"));
        l->name = arena_strdup(&req->arena, db_text(res, 0, "display_name"));
    }
    PQclear(res);
    return found;
}

static void link_gone(struct request *req)
{
    view_error(req, 404, "link_expired", "This link has expired or was already used.");
}

/* The form's data: the token for the action, and whose account it is. */
static json_t *reset_form(struct request *req, const struct reset_link *l)
{
    json_t *form = form_new();
    json_object_set_new(form, "token", json_string(req->params[0]));
    json_object_set_new(form, "account", json_pack("{s:s}", "email", l->email));
    return form;
}

void h_reset_form(struct request *req)
{
    struct reset_link l;
    enum db_status st;
    if (!find_reset(req, &l, &st)) {
        if (st != DB_OK)
            view_unavailable(req);
        else
            link_gone(req);
        return;
    }
    if (session_ensure(req) != DB_OK) {
        view_unavailable(req);
        return;
    }
    json_t *form = reset_form(req, &l);
    json_object_set_new(form, "title", json_string(reset_title));
    view_page(req, 200, "reset", form);
}

struct reset_ctx {
    const struct reset_link *link;
    const char *hash;
    bool used; /* the link was used meanwhile */
};

/* Uses the link and sets the password together; then no other reset link
 * of the account works and every one of its sessions ends. */
static enum db_status reset_tx(void *arg)
{
    struct reset_ctx *c = arg;
    struct db_args a_invite = {0};
    db_arg_int(&a_invite, c->link->invite_id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_INVITE_USE, &a_invite, &res);
    if (st != DB_OK)
        return st;
    c->used = PQntuples(res) != 1;
    PQclear(res);
    if (c->used)
        return DB_OK;
    struct db_args a_set = {0};
    db_arg_int(&a_set, c->link->user_id);
    db_arg_text(&a_set, c->hash);
    if ((st = db_run(STMT_USER_SET_PASSWORD, &a_set, NULL)) != DB_OK)
        return st;
    struct db_args a_uid = {0};
    db_arg_int(&a_uid, c->link->user_id);
    if ((st = db_run(STMT_ADMIN_RESETS_REVOKE, &a_uid, NULL)) != DB_OK)
        return st;
    return session_end_all(c->link->user_id, 0);
}

void h_reset(struct request *req)
{
    struct reset_link l;
    enum db_status st;
    if (!find_reset(req, &l, &st)) {
        if (st != DB_OK)
            view_unavailable(req);
        else
            link_gone(req);
        return;
    }
    const char *pw = req_form(req, "password");
    const char *pw2 = req_form(req, "password_confirm");
    json_t *form = reset_form(req, &l);
    check_new_password(form, "password", "password_confirm", pw, pw2, l.email, l.name);
    if (form_has_errors(form)) {
        view_form_errors(req, "reset", reset_title, form);
        return;
    }
    json_decref(form);

    char hash[160];
    if (password_hash(pw, hash, sizeof(hash)) != PW_OK) {
        view_busy(req);
        return;
    }
    struct reset_ctx c = {.link = &l, .hash = hash};
    if (db_tx(reset_tx, &c) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (c.used) {
        link_gone(req);
        return;
    }
    audit_as(req, l.user_id, "account.password_reset", "user", l.user_id, 0);
    /* A reset link replaces the password, not the second factor: with
     * two-step on, the code step still follows. */
    bool pending = false;
    if (two_step_is_on(l.user_id, &pending) != DB_OK ||
        session_login(req, l.user_id, pending) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b, s:s}", "ok", 1, "csrf", req->session->csrf));
    else
        view_redirect(req, pending ? "/login/code" : "/");
}
