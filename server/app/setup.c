/* setup.c: the first administrator: a one-time link logged at first start,
 * or `interlude create-admin` for scripted deploys. No default account or
 * password exists, ever. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"
#include "util/log.h"

#define SETUP_LINK_SECONDS 3600

static bool admin_exists(enum db_status *st)
{
    PGresult *res = NULL;
    struct db_args none = {0};
    *st = db_run(STMT_ADMIN_EXISTS, &none, &res);
    if (*st != DB_OK)
        return false;
    bool exists = db_bool(res, 0, "admin_exists");
    PQclear(res);
    return exists;
}

int setup_announce(const char *base_url)
{
    enum db_status st;
    if (admin_exists(&st) || st != DB_OK)
        return st == DB_OK ? 0 : -1;
    /* Only the newest link works: a restart makes the old one useless. */
    struct db_args none = {0};
    if (db_run(STMT_INVITES_REVOKE_SETUP, &none, NULL) != DB_OK)
        return -1;
    char token[TOKEN_LEN + 1], hash[67];
    token_new(token);
    token_hash_param(token, hash);
    struct db_args a = {0};
    db_arg_text(&a, hash);
    db_arg_text(&a, "setup");
    db_arg_null(&a);
    db_arg_null(&a);
    db_arg_null(&a);
    db_arg_null(&a);
    db_arg_int(&a, SETUP_LINK_SECONDS);
    if (db_run(STMT_INVITE_CREATE, &a, NULL) != DB_OK)
        return -1;
    /* The one secret ever logged, on purpose: it is how the first admin
     * gets in. It works once, for an hour, and only while no admin exists. */
    char url[512];
    snprintf(url, sizeof(url), "%s/setup/%s", base_url, token);
    log_event(LOG_WARN,
              "no administrator yet: open this one-time link within an hour to "
              "create one (or use interlude create-admin)",
              json_pack("{s:s}", "setup_url", url));
    return 0;
}

/* The setup invite for the request's token, or 0. */
static long long find_setup_invite(struct request *req, enum db_status *st)
{
    char hash[67];
    token_hash_param(req->params[0], hash);
    struct db_args a = {0};
    db_arg_text(&a, hash);
    PGresult *res = NULL;
    *st = db_run(STMT_INVITE_BY_TOKEN, &a, &res);
    if (*st != DB_OK)
        return 0;
    long long id = 0;
    if (PQntuples(res) == 1 && strcmp(db_text(res, 0, "kind"), "setup") == 0)
        id = db_int(res, 0, "id");
    PQclear(res);
    return id;
}

static void link_gone(struct request *req)
{
    view_error(req, 404, "link_expired",
               "This link has expired or was already used. Restart the service to get a new "
               "one, or use interlude create-admin.");
}

void h_setup_form(struct request *req)
{
    enum db_status st;
    if (find_setup_invite(req, &st) == 0) {
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
    json_t *form = form_new();
    json_object_set_new(form, "title", json_string("Set up Interlude"));
    json_object_set_new(form, "token", json_string(req->params[0]));
    view_page(req, 200, "setup", form);
}

struct create_ctx {
    long long invite_id;
    const char *email, *name, *hash;
    long long user_id;
    bool conflict; /* e-mail taken, or an admin appeared meanwhile */
};

static enum db_status create_admin_tx(void *arg)
{
    struct create_ctx *c = arg;
    PGresult *res = NULL;
    enum db_status st;
    c->conflict = false;
    if (c->invite_id > 0) {
        struct db_args a_use = {0};
        db_arg_int(&a_use, c->invite_id);
        if ((st = db_run(STMT_INVITE_USE, &a_use, &res)) != DB_OK)
            return st;
        bool used = PQntuples(res) == 1;
        PQclear(res);
        if (!used) {
            c->conflict = true;
            return DB_OK;
        }
        if (admin_exists(&st) || st != DB_OK) {
            c->conflict = st == DB_OK;
            return st;
        }
    }
    struct db_args a_user = {0};
    db_arg_text(&a_user, c->email);
    db_arg_text(&a_user, c->name);
    db_arg_text(&a_user, "admin");
    db_arg_text(&a_user, c->hash);
    if ((st = db_run(STMT_USER_CREATE, &a_user, &res)) != DB_OK)
        return st;
    c->user_id = PQntuples(res) == 1 ? db_int(res, 0, "id") : 0;
    PQclear(res);
    if (c->user_id == 0)
        c->conflict = true;
    return DB_OK;
}

void h_setup(struct request *req)
{
    enum db_status st;
    long long invite = find_setup_invite(req, &st);
    if (invite == 0) {
        if (st != DB_OK)
            view_unavailable(req);
        else
            link_gone(req);
        return;
    }
    const char *name = req_form(req, "display_name");
    const char *email = req_form(req, "email");
    const char *pw = req_form(req, "password");
    const char *pw2 = req_form(req, "password_confirm");
    json_t *form = form_new();
    json_object_set_new(form, "token", json_string(req->params[0]));
    form_value(form, "display_name", name);
    form_value(form, "email", email);
    const char *problem;
    if ((problem = check_display_name(name)) != NULL)
        form_error(form, "display_name", problem);
    if ((problem = check_email(email)) != NULL)
        form_error(form, "email", problem);
    check_new_password(form, "password", "password_confirm", pw, pw2, email, name);
    if (form_has_errors(form)) {
        view_form_errors(req, "setup", "Set up Interlude", form);
        return;
    }
    char hash[160];
    enum pw_result pr = password_hash(pw, hash, sizeof(hash));
    if (pr != PW_OK) {
        json_decref(form);
        view_busy(req);
        return;
    }
    struct create_ctx c = {.invite_id = invite, .email = email, .name = name, .hash = hash};
    if (db_tx(create_admin_tx, &c) != DB_OK) {
        json_decref(form);
        view_unavailable(req);
        return;
    }
    if (c.conflict) {
        json_decref(form);
        link_gone(req);
        return;
    }
    json_decref(form);
    audit_as(req, c.user_id, "setup.admin_created", "user", c.user_id, 0);
    if (session_login(req, c.user_id, false) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(req, 201, NULL, json_pack("{s:b, s:s}", "ok", 1, "csrf", req->session->csrf));
    else
        view_redirect(req, "/");
}

int setup_create_admin(const char *email, const char *name, const char *password, bool totp)
{
    const char *problem;
    if ((problem = check_email(email)) != NULL || (problem = check_display_name(name)) != NULL ||
        (problem = password_problem(password, email, name)) != NULL) {
        fprintf(stderr, "interlude: %s\n", problem);
        return 1;
    }
    char hash[160];
    if (password_hash(password, hash, sizeof(hash)) != PW_OK) {
        fprintf(stderr, "interlude: could not hash the password\n");
        return 1;
    }
    struct create_ctx c = {.invite_id = 0, .email = email, .name = name, .hash = hash};
    if (db_tx(create_admin_tx, &c) != DB_OK) {
        fprintf(stderr, "interlude: the database could not be reached (DATABASE_URL)\n");
        return 4;
    }
    if (c.conflict) {
        fprintf(stderr, "interlude: an account with this e-mail address already exists\n");
        return 1;
    }
    audit_as(NULL, c.user_id, "account.created_by_cli", "user", c.user_id, 0);
    printf("administrator %s created\n", email);
    if (totp && two_step_enrol_cli(c.user_id, email, stdout) != 0) {
        fprintf(stderr, "interlude: the administrator was created, but two-step sign-in could "
                        "not be switched on\n");
        return 4;
    }
    return 0;
}
