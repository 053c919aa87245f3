/* mailing.c: what the application mails (mail/mail.c sends it): invitation
 * links written with their message in one transaction, the self-service
 * password reset (GET/POST /password/forgot), and the outbox page of the
 * administrator. Every message is discreet: a neutral subject, no name, no
 * word about what the service is for. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"
#include "mail/mail.h"
#include "util/xalloc.h"

/* A reset link asked for by mail works this long. */
#define FORGOT_RESET_SECONDS 3600
/* Requests for a reset link, per address and per client address, an hour. */
#define FORGOT_PER_ADDRESS 3
#define FORGOT_PER_IP 20

static const char forgot_title[] = "Forgotten password";

/* The neutral subject of every message. */
void mail_subject(char *out, size_t n)
{
    char name[100]; /* at most 60 bytes (PRACTICE_NAME, practice_settings) */
    mail_practice_name(name, sizeof(name), true);
    snprintf(out, n, "A note from %s", name);
}

/* ---- invitations ---- */

struct invite_tx_ctx {
    const struct db_args *args; /* STMT_INVITE_CREATE's seven */
    const char *email, *link;
    int valid_days;
    long long invite_id;
    enum mail_result mailed;
};

static enum db_status invite_tx(void *arg)
{
    struct invite_tx_ctx *c = arg;
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_INVITE_CREATE, c->args, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return DB_HARD;
    }
    c->invite_id = db_int(res, 0, "id");
    PQclear(res);
    char subject[128];
    mail_subject(subject, sizeof(subject));
    json_t *data = json_pack("{s:s, s:i}", "link", c->link, "valid_days", c->valid_days);
    c->mailed = mail_enqueue("invite", c->email, subject, "invite", data);
    json_decref(data);
    return c->mailed == MAIL_DB ? DB_HARD : DB_OK;
}

enum db_status invite_create_mailed(const struct db_args *args, const char *email, const char *link,
                                    int valid_days, long long *invite_id, enum mail_result *mailed)
{
    struct invite_tx_ctx c = {.args = args, .email = email, .link = link, .valid_days = valid_days};
    enum db_status st = db_tx(invite_tx, &c);
    *invite_id = c.invite_id;
    *mailed = c.mailed;
    return st;
}

struct renew_ctx {
    const struct db_args *args; /* STMT_INVITE_RENEW's four */
    const char *link;
    int valid_days;
    bool found;
    char *kind, *email, *name;
    enum mail_result mailed;
};

static enum db_status renew_tx(void *arg)
{
    struct renew_ctx *c = arg;
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_INVITE_RENEW, c->args, &res);
    if (st != DB_OK)
        return st;
    c->found = PQntuples(res) == 1;
    if (c->found) {
        free(c->kind);
        free(c->email);
        free(c->name);
        c->kind = xstrdup(db_text(res, 0, "kind"));
        c->email = xstrdup(db_text(res, 0, "email"));
        c->name = xstrdup(db_text(res, 0, "display_name"));
    }
    PQclear(res);
    if (!c->found || c->email[0] == '\0') {
        c->mailed = MAIL_OFF;
        return DB_OK;
    }
    char subject[128];
    mail_subject(subject, sizeof(subject));
    json_t *data = json_pack("{s:s, s:i}", "link", c->link, "valid_days", c->valid_days);
    c->mailed = mail_enqueue("invite", c->email, subject, "invite", data);
    json_decref(data);
    return c->mailed == MAIL_DB ? DB_HARD : DB_OK;
}

enum db_status invite_renew_mailed(long long invite_id, long long creator_id, const char *hash,
                                   const char *link, int valid_seconds, bool *found, char **kind,
                                   char **email, char **name, enum mail_result *mailed)
{
    struct db_args a = {0};
    db_arg_int(&a, invite_id);
    db_arg_int(&a, creator_id);
    db_arg_text(&a, hash);
    db_arg_int(&a, valid_seconds);
    struct renew_ctx c = {.args = &a, .link = link, .valid_days = valid_seconds / 86400};
    enum db_status st = db_tx(renew_tx, &c);
    *found = st == DB_OK && c.found;
    *mailed = c.mailed;
    *kind = c.kind;
    *email = c.email;
    *name = c.name;
    return st;
}

void invite_mail_flags(json_t *data, enum mail_result mailed)
{
    json_object_set_new(data, "mailed", json_boolean(mailed == MAIL_QUEUED));
    json_object_set_new(data, "mail_off", json_boolean(mailed == MAIL_OFF));
    json_object_set_new(data, "mail_failed",
                        json_boolean(mailed == MAIL_FULL || mailed == MAIL_REFUSED));
}

/* ---- alerts ---- */

enum db_status mail_alert_care_team(long long client_id, int count)
{
    if (!mail_enabled())
        return DB_OK;
    char subject[128];
    mail_subject(subject, sizeof(subject));
    struct db_args a = {0};
    db_arg_int(&a, client_id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_CARE_TEAM_EMAILS, &a, &res);
    if (st != DB_OK)
        return st;
    json_t *data = json_pack("{s:i}", "count", count);
    for (int i = 0; i < PQntuples(res) && st == DB_OK; i++)
        if (mail_enqueue("alert", db_text(res, i, "email"), subject, "alert", data) == MAIL_DB)
            st = DB_HARD;
    json_decref(data);
    PQclear(res);
    return st;
}

/* ---- forgotten password ---- */

static json_t *forgot_data(void)
{
    json_t *form = form_new();
    json_object_set_new(form, "title", json_string(forgot_title));
    json_object_set_new(form, "mail_on", json_boolean(mail_enabled()));
    return form;
}

void h_forgot_form(struct request *req)
{
    if (session_ensure(req) != DB_OK) {
        view_unavailable(req);
        return;
    }
    view_page(req, 200, "forgot", forgot_data());
}

struct forgot_ctx {
    const char *email, *ip;
    char token[TOKEN_LEN + 1];
    bool ip_throttled;
    long long user_id; /* 0: nothing sent */
};

/* Requests made with key in the last hour, and this one recorded. */
static enum db_status count_and_record(const char *key, long *n)
{
    struct db_args a = {0};
    db_arg_text(&a, key);
    db_arg_int(&a, 3600);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_RESET_REQUEST_COUNT, &a, &res);
    if (st != DB_OK)
        return st;
    *n = (long)db_int(res, 0, "requests");
    PQclear(res);
    struct db_args a_add = {0};
    db_arg_text(&a_add, key);
    return db_run(STMT_RESET_REQUEST_ADD, &a_add, NULL);
}

/* Throttles, finds the enabled account of the address and, when there is
 * one, replaces its reset links with a new one and queues the message: all
 * in one transaction. The same statements run whether the account exists
 * or not, up to the last few, so the answer takes about the same time. */
static enum db_status forgot_tx(void *arg)
{
    struct forgot_ctx *c = arg;
    c->user_id = 0;
    char key[96], lower[256];
    long n_ip = 0, n_addr = 0;
    snprintf(key, sizeof(key), "ip:%s", c->ip);
    enum db_status st = count_and_record(key, &n_ip);
    if (st != DB_OK)
        return st;
    c->ip_throttled = n_ip >= FORGOT_PER_IP;
    if (c->ip_throttled)
        return DB_OK;
    /* The address is kept only as a hash: the table names nobody. */
    size_t len = strlen(c->email);
    if (len >= sizeof(lower))
        len = sizeof(lower) - 1;
    for (size_t i = 0; i < len; i++)
        lower[i] =
            (char)(c->email[i] >= 'A' && c->email[i] <= 'Z' ? c->email[i] + 32 : c->email[i]);
    lower[len] = '\0';
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)lower, len, NULL, 0);
    char hex[2 * sizeof(h) + 1];
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    snprintf(key, sizeof(key), "addr:%s", hex);
    if ((st = count_and_record(key, &n_addr)) != DB_OK)
        return st;

    struct db_args a_email = {0};
    db_arg_text(&a_email, c->email);
    PGresult *res = NULL;
    if ((st = db_run(STMT_FORGOT_USER, &a_email, &res)) != DB_OK)
        return st;
    long long uid = PQntuples(res) == 1 ? db_int(res, 0, "id") : 0;
    PQclear(res);
    if (uid == 0 || n_addr >= FORGOT_PER_ADDRESS)
        return DB_OK;

    char hash[67];
    struct db_args a_id = {0};
    db_arg_int(&a_id, uid);
    if ((st = db_run(STMT_ADMIN_RESETS_REVOKE, &a_id, NULL)) != DB_OK)
        return st;
    token_new(c->token);
    token_hash_param(c->token, hash);
    struct db_args a_inv = {0};
    db_arg_text(&a_inv, hash);
    db_arg_text(&a_inv, "reset");
    db_arg_null(&a_inv);
    db_arg_null(&a_inv);
    db_arg_int(&a_inv, uid);
    db_arg_int(&a_inv, uid);
    db_arg_int(&a_inv, FORGOT_RESET_SECONDS);
    if ((st = db_run(STMT_INVITE_CREATE, &a_inv, NULL)) != DB_OK)
        return st;
    char link[512], subject[128];
    snprintf(link, sizeof(link), "%s/reset/%s", config_current->base_url, c->token);
    mail_subject(subject, sizeof(subject));
    json_t *data = json_pack("{s:s}", "link", link);
    enum mail_result m = mail_enqueue("reset", c->email, subject, "reset", data);
    json_decref(data);
    sodium_memzero(link, sizeof(link));
    if (m == MAIL_DB)
        return DB_HARD;
    /* A full outbox: the link is not kept (nobody could receive it). */
    if (m != MAIL_QUEUED)
        return DB_HARD;
    c->user_id = uid;
    return DB_OK;
}

void h_forgot(struct request *req)
{
    const char *email = req_form(req, "email");
    json_t *form = forgot_data();
    form_value(form, "email", email);
    const char *problem = mail_check_address(email);
    if (problem != NULL) {
        form_error(form, "email", problem);
        view_form_errors(req, "forgot", forgot_title, form);
        return;
    }
    if (!mail_enabled()) {
        view_page(req, 200, "forgot", form);
        return;
    }
    struct forgot_ctx c = {.email = email, .ip = req->client_ip};
    enum db_status st = db_tx(forgot_tx, &c);
    sodium_memzero(c.token, sizeof(c.token));
    if (st != DB_OK && c.user_id == 0 && !c.ip_throttled) {
        /* Either the database failed or the outbox was full: the same
         * answer for both (and for every address). */
        json_decref(form);
        view_unavailable(req);
        return;
    }
    if (c.ip_throttled) {
        json_decref(form);
        view_error(req, 429, "too_many_requests",
                   "Too many requests from here. Try again in an hour.");
        return;
    }
    if (c.user_id != 0)
        audit_as(req, c.user_id, "account.reset_mailed", "user", c.user_id, 0);
    json_object_set_new(form, "sent", json_true());
    view_page(req, 200, "forgot", form);
}
