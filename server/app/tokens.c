/* tokens.c: personal API tokens for scripts, made and revoked on /account
 * by therapists and administrators. The token is shown once and stored as
 * its SHA-256 (auth/bearer.c); the guard (guard.c) decides where one is
 * accepted. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"
#include "util/utf8.h"

/* Tokens in use (neither expired nor revoked) one person may have. */
#define MAX_ACTIVE_TOKENS 20
#define NAME_MAX_POINTS 80
#define DEFAULT_DAYS "90"

enum db_status tokens_account_data(struct request *req, json_t *data)
{
    const struct user *u = req->session->user;
    if (u->role == ROLE_CLIENT)
        return DB_OK;
    struct db_args a = {0};
    db_arg_int(&a, u->id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_TOKEN_LIST, &a, &res);
    if (st != DB_OK)
        return st;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        const char *state = db_text(res, i, "state");
        json_array_append_new(
            list,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id",
                      (json_int_t)db_int(res, i, "id"), "name", db_text(res, i, "name"), "scope",
                      db_text(res, i, "scope"), "created", db_text(res, i, "created"), "expires",
                      db_text(res, i, "expires"), "last_used", db_text(res, i, "last_used"),
                      "state", state, "active", strcmp(state, "active") == 0));
    }
    PQclear(res);
    /* The form's defaults, unless something was typed. */
    json_t *fields = json_object_get(data, "fields");
    const char *scope =
        json_string_value(json_object_get(json_object_get(fields, "scope"), "value"));
    if (json_object_get(json_object_get(fields, "expires_in_days"), "value") == NULL)
        form_value(data, "expires_in_days", DEFAULT_DAYS);
    bool rw = scope != NULL && strcmp(scope, "read-write") == 0;
    json_t *t = json_pack("{s:o, s:b, s:b, s:b, s:i}", "tokens", list, "has_tokens",
                          json_array_size(list) > 0, "scope_read", !rw, "scope_read_write", rw,
                          "max_days", API_TOKEN_MAX_DAYS);
    json_object_set_new(data, "api_tokens", t);
    return DB_OK;
}

/* The account page again with form's errors (422). */
struct create_ctx {
    struct request *req;
    struct db_args args; /* STMT_TOKEN_CREATE's six */
    char hash[67];
    long long id; /* 0: the person has too many tokens */
    char expires[32];
};

/* The token and its audit row, together. */
static enum db_status create_tx(void *arg)
{
    struct create_ctx *c = arg;
    c->id = 0;
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_TOKEN_CREATE, &c->args, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1) {
        c->id = db_int(res, 0, "id");
        snprintf(c->expires, sizeof(c->expires), "%s", db_text(res, 0, "expires"));
    }
    PQclear(res);
    return c->id > 0 ? audit(c->req, "token.created", "api_token", c->id, 0) : DB_OK;
}

/* POST /account/tokens: name, scope ("read" | "read-write"),
 * expires_in_days (1 to 365). The answer carries the token, once. */
void h_account_token_create(struct request *req)
{
    const struct user *u = req->session->user;
    const char *name = req_form(req, "name");
    const char *scope = req_form(req, "scope");
    const char *days = req_form(req, "expires_in_days");
    json_t *form = form_new();
    form_value(form, "name", name);
    form_value(form, "scope", scope);
    form_value(form, "expires_in_days", days);

    const char *p = name;
    while (p != NULL && (*p == ' ' || *p == '\t'))
        p++;
    if (p == NULL || *p == '\0')
        form_error(form, "name", "Give the token a name, such as the script that will use it.");
    else if (check_display_name(name) != NULL)
        form_error(form, "name", "Use letters, digits, spaces and punctuation only.");
    else if (utf8_code_points(name) > NAME_MAX_POINTS)
        form_error(form, "name", "Use at most 80 characters.");
    if (scope == NULL || (strcmp(scope, "read") != 0 && strcmp(scope, "read-write") != 0))
        form_error(form, "scope", "Choose what the token may do: read, or read and write.");
    char *end = NULL;
    long n = 0;
    bool digits = days != NULL && *days != '\0' && strspn(days, "0123456789") == strlen(days);
    if (digits && strlen(days) <= 4)
        n = strtol(days, &end, 10);
    if (!digits || n < 1 || n > API_TOKEN_MAX_DAYS)
        form_error(form, "expires_in_days", "Enter a whole number of days, from 1 to 365.");
    if (form_has_errors(form)) {
        account_form_errors(req, form);
        return;
    }

    char token[API_TOKEN_LEN + 1];
    struct create_ctx c = {.req = req};
    api_token_new(token);
    token_hash_param(token, c.hash);
    db_arg_int(&c.args, u->id);
    db_arg_text(&c.args, name);
    db_arg_text(&c.args, scope);
    db_arg_text(&c.args, c.hash);
    db_arg_int(&c.args, n);
    db_arg_int(&c.args, MAX_ACTIVE_TOKENS);
    enum db_status st = db_tx(create_tx, &c);
    json_t *made = NULL;
    if (st == DB_OK && c.id > 0)
        made = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)c.id, "name", name, "scope",
                         scope, "expires_at", c.expires, "token", token);
    sodium_memzero(token, sizeof(token));
    if (st != DB_OK) {
        json_decref(form);
        view_unavailable(req);
        return;
    }
    if (made == NULL) {
        form_error(form, "name",
                   "You already have 20 tokens in use. Revoke one you no longer need first.");
        account_form_errors(req, form);
        return;
    }
    json_decref(form);
    if (req->want_json) {
        json_object_set_new(made, "ok", json_true());
        view_page(req, 201, NULL, made);
        return;
    }
    json_t *data = account_data(req, NULL, &st);
    if (data == NULL) {
        json_decref(made);
        view_unavailable(req);
        return;
    }
    /* Shown on this page only: it is not stored anywhere to show again. */
    json_object_set_new(json_object_get(data, "api_tokens"), "new_token", made);
    view_page(req, 201, "account", data);
}

struct revoke_ctx {
    struct request *req;
    struct db_args args; /* STMT_TOKEN_REVOKE's two */
    long long id;
    bool found;
};

/* Revoked and audited together (a second revocation writes no row). */
static enum db_status revoke_tx(void *arg)
{
    struct revoke_ctx *c = arg;
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_TOKEN_REVOKE, &c->args, &res);
    if (st != DB_OK)
        return st;
    c->found = PQntuples(res) == 1;
    bool now = c->found && db_bool(res, 0, "revoked_now");
    PQclear(res);
    return now ? audit(c->req, "token.revoked", "api_token", c->id, 0) : DB_OK;
}

/* POST /account/tokens/{id}/revoke: one's own token stops working at once
 * (revoking it again changes nothing). */
void h_account_token_revoke(struct request *req)
{
    const struct user *u = req->session->user;
    long long id = req->ids[0];
    struct revoke_ctx c = {.req = req, .id = id};
    db_arg_int(&c.args, u->id);
    db_arg_int(&c.args, id);
    if (db_tx(revoke_tx, &c) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (!c.found) {
        view_error(req, 404, "not_found", "There is no such token.");
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b}", "ok", 1));
    else
        view_redirect(req, "/account?done=token-revoked");
}
