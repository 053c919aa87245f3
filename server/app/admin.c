/* admin.c: the administrator's pages: people (accounts, therapist
 * invitations, disabling, reset links) and the audit log. Administrators
 * manage accounts; nothing here reads or shows clinical content. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"

#define INVITE_SECONDS (7 * 24 * 3600)
#define RESET_SECONDS (24 * 3600)
#define AUDIT_PER_PAGE 100
#define AUDIT_MAX_PAGE 100000 /* keeps OFFSET within an int */

static const char people_title[] = "People";
static const char audit_title[] = "Audit log";

static void user_not_found(struct request *req)
{
    view_error(req, 404, "not_found", "There is no such account.");
}

/* ---- People ---- */

/* The People page's data: every account, newest first, and the pending
 * therapist invitations. form (stolen; NULL for a fresh one) carries the
 * invitation form's values and errors. Returns NULL, form freed, when the
 * database could not answer. */
static json_t *people_data(struct request *req, json_t *form)
{
    const long long me = req->session->user->id;
    PGresult *res = NULL;
    struct db_args none = {0};
    if (db_run(STMT_ADMIN_USERS_LIST, &none, &res) != DB_OK) {
        json_decref(form);
        return NULL;
    }
    json_t *users = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        long long id = db_int(res, i, "id");
        const char *role = db_text(res, i, "role");
        json_array_append_new(
            users, json_pack("{s:I, s:s, s:s, s:s, s:b, s:s, s:b, s:b}", "id", (json_int_t)id,
                             "display_name", db_text(res, i, "display_name"), "email",
                             db_text(res, i, "email"), "role", role, "disabled",
                             db_bool(res, i, "disabled"), "created", db_text(res, i, "created_on"),
                             "is_me", id == me, "is_client", strcmp(role, "client") == 0));
    }
    PQclear(res);

    struct db_args a_me = {0};
    db_arg_int(&a_me, me);
    if (db_run(STMT_ADMIN_INVITES_PENDING, &a_me, &res) != DB_OK) {
        json_decref(users);
        json_decref(form);
        return NULL;
    }
    json_t *invites = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(
            invites,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)db_int(res, i, "id"),
                      "display_name", db_text(res, i, "display_name"), "email",
                      db_text(res, i, "email"), "created", db_text(res, i, "created"), "expires",
                      db_text(res, i, "expires"), "invited_by", db_text(res, i, "invited_by"),
                      "mine", db_bool(res, i, "mine")));
    PQclear(res);

    json_t *data = form != NULL ? form : form_new();
    json_object_set_new(data, "title", json_string(people_title));
    json_object_set_new(data, "has_invites", json_boolean(json_array_size(invites) > 0));
    json_object_set_new(data, "users", users);
    json_object_set_new(data, "invites", invites);
    const char *done = req_query(req, "done");
    if (done != NULL && strcmp(done, "disabled") == 0)
        json_object_set_new(data, "notice",
                            json_string("The account was disabled and signed out everywhere."));
    else if (done != NULL && strcmp(done, "enabled") == 0)
        json_object_set_new(data, "notice",
                            json_string("The account was enabled. They can sign in again."));
    else if (done != NULL && strcmp(done, "invite-revoked") == 0) /* from invites.c */
        json_object_set_new(data, "notice",
                            json_string("The invitation was revoked. Its link no longer works."));
    return data;
}

void h_admin_users(struct request *req)
{
    json_t *data = people_data(req, NULL);
    if (data == NULL) {
        view_unavailable(req);
        return;
    }
    view_page(req, 200, "admin_users", data);
}

/* The page showing a new one-time link, once (status 201): an invitation
 * (/invite/<token>) or a password reset (/reset/<token>) for name and
 * email. token is wiped here; it is in no log, only in this answer. */
void admin_link_page(struct request *req, bool invite, bool renewed, char *token, const char *name,
                     const char *email, enum mail_result mailed)
{
    const char *link = arena_printf(&req->arena, "%s/%s/%s", config_current->base_url,
                                    invite ? "invite" : "reset", token);
    sodium_memzero(token, TOKEN_LEN + 1);
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s}", "title",
                             invite ? "Invitation link" : "Password reset link", "kind",
                             invite ? "therapist" : "reset", "link", link, "display_name", name,
                             "email", email, "is_invite", invite, "is_reset", !invite, "valid_for",
                             invite ? "7 days" : "24 hours");
    json_object_set_new(data, "renewed", json_boolean(renewed));
    invite_mail_flags(data, mailed);
    view_page(req, 201, "admin_invite_link", data);
}

/* 422 for the invitation form: the People page with the messages (HTML),
 * or the field errors (JSON). form is stolen. */
static void invite_refused(struct request *req, json_t *form)
{
    if (req->want_json) {
        view_form_errors(req, "admin_users", people_title, form);
        return;
    }
    json_t *data = people_data(req, form);
    if (data == NULL) {
        view_unavailable(req);
        return;
    }
    view_page(req, 422, "admin_users", data);
}

/* 503 for the invitation form whose write failed: the People page with
 * the name and address as typed (view_not_saved). */
static void invite_not_saved(struct request *req, const char *name, const char *email)
{
    json_t *data = NULL;
    if (!req->want_json) {
        json_t *form = form_new();
        form_value(form, "display_name", name);
        form_value(form, "email", email);
        data = people_data(req, form);
    }
    view_not_saved(req, "admin_users", data);
}

void h_admin_invite(struct request *req)
{
    const char *name = req_form(req, "display_name");
    const char *email = req_form(req, "email");
    json_t *form = form_new();
    form_value(form, "display_name", name);
    form_value(form, "email", email);
    const char *problem;
    if ((problem = check_display_name(name)) != NULL)
        form_error(form, "display_name", problem);
    if ((problem = check_email(email)) != NULL) {
        form_error(form, "email", problem);
    } else {
        struct db_args a_email = {0};
        db_arg_text(&a_email, email);
        PGresult *res = NULL;
        if (db_run(STMT_EMAIL_TAKEN, &a_email, &res) != DB_OK) {
            json_decref(form);
            view_unavailable(req);
            return;
        }
        bool taken = PQntuples(res) > 0;
        PQclear(res);
        if (taken)
            form_error(form, "email", "An account with this e-mail address already exists.");
    }
    if (form_has_errors(form)) {
        invite_refused(req, form);
        return;
    }
    json_decref(form);

    char token[TOKEN_LEN + 1], hash[67];
    token_new(token);
    token_hash_param(token, hash);
    struct db_args a_invite = {0}; /* STMT_INVITE_CREATE's seven */
    db_arg_text(&a_invite, hash);
    db_arg_text(&a_invite, "therapist");
    db_arg_text(&a_invite, email);
    db_arg_text(&a_invite, name);
    db_arg_int(&a_invite, req->session->user->id);
    db_arg_null(&a_invite);
    db_arg_int(&a_invite, (long long)INVITE_SECONDS);
    char *link = arena_printf(&req->arena, "%s/invite/%s", config_current->base_url, token);
    long long invite_id = 0;
    enum mail_result mailed = MAIL_OFF;
    if (invite_create_mailed(&a_invite, email, link, INVITE_SECONDS / 86400, &invite_id, &mailed) !=
        DB_OK) {
        sodium_memzero(token, sizeof(token));
        invite_not_saved(req, name, email);
        return;
    }
    audit(req, "invite.created", "invite", invite_id, 0);
    admin_link_page(req, true, false, token, name, email, mailed);
}

/* ---- disable, enable, reset link ---- */

struct disable_ctx {
    long long user_id;
    bool found;
};

/* Disables the account, revokes its unused reset links and ends its
 * sessions, all or nothing. */
static enum db_status disable_tx(void *arg)
{
    struct disable_ctx *c = arg;
    struct db_args a_id = {0};
    db_arg_int(&a_id, c->user_id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_ADMIN_USER_DISABLE, &a_id, &res);
    if (st != DB_OK)
        return st;
    c->found = PQntuples(res) == 1;
    PQclear(res);
    if (!c->found)
        return DB_OK;
    if ((st = db_run(STMT_ADMIN_RESETS_REVOKE, &a_id, NULL)) != DB_OK)
        return st;
    return session_end_all(c->user_id, 0);
}

void h_admin_user_disable(struct request *req)
{
    long long id = req->ids[0];
    if (id == req->session->user->id) {
        view_error(req, 422, "cannot_disable_self",
                   "You cannot disable your own account. Another administrator can.");
        return;
    }
    struct disable_ctx c = {.user_id = id};
    if (db_tx(disable_tx, &c) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (!c.found) {
        user_not_found(req);
        return;
    }
    audit(req, "account.disabled", "user", id, 0);
    view_redirect(req, "/admin/users?done=disabled");
}

void h_admin_user_enable(struct request *req)
{
    long long id = req->ids[0];
    struct db_args a_id = {0};
    db_arg_int(&a_id, id);
    PGresult *res = NULL;
    if (db_run(STMT_ADMIN_USER_ENABLE, &a_id, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    bool found = PQntuples(res) == 1;
    PQclear(res);
    if (!found) {
        user_not_found(req);
        return;
    }
    audit(req, "account.enabled", "user", id, 0);
    view_redirect(req, "/admin/users?done=enabled");
}

struct reset_ctx {
    long long user_id, created_by;
    const char *hash;
    long long invite_id;
};

/* Replaces any unused reset link of the account with a new one. */
static enum db_status reset_link_tx(void *arg)
{
    struct reset_ctx *c = arg;
    struct db_args a_id = {0};
    db_arg_int(&a_id, c->user_id);
    enum db_status st = db_run(STMT_ADMIN_RESETS_REVOKE, &a_id, NULL);
    if (st != DB_OK)
        return st;
    struct db_args a = {0};
    db_arg_text(&a, c->hash);
    db_arg_text(&a, "reset");
    db_arg_null(&a); /* no address */
    db_arg_null(&a); /* no name */
    db_arg_int(&a, c->created_by);
    db_arg_int(&a, c->user_id);
    db_arg_int(&a, (long long)RESET_SECONDS);
    PGresult *res = NULL;
    if ((st = db_run(STMT_INVITE_CREATE, &a, &res)) != DB_OK)
        return st;
    c->invite_id = db_int(res, 0, "id");
    PQclear(res);
    return DB_OK;
}

void h_admin_user_reset_link(struct request *req)
{
    long long id = req->ids[0];
    struct db_args a_id = {0};
    db_arg_int(&a_id, id);
    PGresult *res = NULL;
    if (db_run(STMT_ADMIN_USER_GET, &a_id, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        user_not_found(req);
        return;
    }
    bool disabled = db_bool(res, 0, "disabled");
    const char *name = arena_strdup(&req->arena, db_text(res, 0, "display_name"));
    const char *email = arena_strdup(&req->arena, db_text(res, 0, "email"));
    bool client = strcmp(db_text(res, 0, "role"), "client") == 0;
    PQclear(res);
    /* A reset link for a client would let the administrator sign in as them
     * and read their reflections: clients' passwords are reset by their
     * therapist or by mail; an administrator can only disable the account. */
    if (client) {
        audit(req, "account.reset_link_refused", "user", id, 0);
        view_error(req, 403, "client_reset_refused",
                   "Administrators cannot reset a client's password. The client's therapist can "
                   "do it, or the client can by e-mail. You can disable the account.");
        return;
    }
    if (disabled) {
        view_error(req, 422, "account_disabled",
                   "This account is disabled. Enable it before creating a reset link.");
        return;
    }
    char token[TOKEN_LEN + 1], hash[67];
    token_new(token);
    token_hash_param(token, hash);
    struct reset_ctx c = {.user_id = id, .created_by = req->session->user->id, .hash = hash};
    if (db_tx(reset_link_tx, &c) != DB_OK) {
        sodium_memzero(token, sizeof(token));
        view_unavailable(req);
        return;
    }
    audit(req, "account.reset_link_created", "user", id, 0);
    admin_link_page(req, false, false, token, name, email,
                    mail_enabled() ? MAIL_SKIPPED : MAIL_OFF);
}

/* ---- the audit log ---- */

/* True for a real calendar date written YYYY-MM-DD (years 0001-9999). */
static bool valid_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* The page number from ?page=: 1 when absent, 0 when malformed. */
static long audit_page(const char *s)
{
    if (s == NULL || *s == '\0')
        return 1;
    if (strlen(s) > 6 || s[0] == '0')
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    long n = atol(s);
    return n <= AUDIT_MAX_PAGE ? n : 0;
}

/* An empty query value means "no filter". */
static const char *query_opt(struct request *req, const char *key)
{
    const char *v = req_query(req, key);
    return v != NULL && *v != '\0' ? v : NULL;
}

/* A person column: {"name", "email"}, or null when nobody. */
static json_t *person(const char *name, const char *email)
{
    if (*name == '\0' && *email == '\0')
        return json_null();
    return json_pack("{s:s, s:s}", "name", name, "email", email);
}

void h_admin_audit(struct request *req)
{
    const char *who = query_opt(req, "person");
    const char *from = query_opt(req, "from");
    const char *to = query_opt(req, "to");
    long page = audit_page(req_query(req, "page"));
    if (page == 0) {
        view_error(req, 400, "bad_page",
                   "The page number must be a whole number from 1 to 100000.");
        return;
    }
    json_t *form = form_new();
    form_value(form, "person", who);
    form_value(form, "from", from);
    form_value(form, "to", to);
    const char *problem;
    if (who != NULL && (problem = check_email(who)) != NULL)
        form_error(form, "person", problem);
    bool from_ok = from == NULL || valid_date(from);
    bool to_ok = to == NULL || valid_date(to);
    if (!from_ok)
        form_error(form, "from", "Enter the date as YYYY-MM-DD, for example 2024-03-01.");
    if (!to_ok)
        form_error(form, "to", "Enter the date as YYYY-MM-DD, for example 2024-03-31.");
    if (from != NULL && to != NULL && from_ok && to_ok && strcmp(from, to) > 0)
        form_error(form, "to", "The last day must not be before the first day.");
    if (form_has_errors(form)) {
        view_form_errors(req, "admin_audit", audit_title, form);
        return;
    }

    /* Reading the log is itself recorded, before anything is shown: when
     * that record cannot be written, nothing is shown. */
    if (audit(req, "audit.viewed", NULL, 0, 0) != DB_OK) {
        json_decref(form);
        view_unavailable(req);
        return;
    }
    struct db_args a = {0};
    db_arg_text(&a, who);
    db_arg_text(&a, from);
    db_arg_text(&a, to);
    db_arg_int(&a, AUDIT_PER_PAGE + 1); /* one more: is there a next page? */
    db_arg_int(&a, (long long)(page - 1) * AUDIT_PER_PAGE);
    PGresult *res = NULL;
    if (db_run(STMT_ADMIN_AUDIT_LIST, &a, &res) != DB_OK) {
        json_decref(form);
        view_unavailable(req);
        return;
    }
    int rows = PQntuples(res);
    bool has_next = rows > AUDIT_PER_PAGE;
    if (has_next)
        rows = AUDIT_PER_PAGE;
    json_t *entries = json_array();
    for (int i = 0; i < rows; i++) {
        const char *object_id = db_text(res, i, "object_id");
        const char *token_id = db_text(res, i, "token_id"); /* "": not made with an API token */
        json_array_append_new(
            entries,
            json_pack(
                "{s:s, s:o, s:s, s:s, s:o, s:o, s:s, s:o}", "at", db_text(res, i, "at"), "actor",
                person(db_text(res, i, "actor_name"), db_text(res, i, "actor_email")), "action",
                db_text(res, i, "action"), "object_type", db_text(res, i, "object_type"),
                "object_id", *object_id ? json_integer(atoll(object_id)) : json_null(), "subject",
                person(db_text(res, i, "subject_name"), db_text(res, i, "subject_email")), "ip",
                db_text(res, i, "ip"), "token_id",
                *token_id ? json_integer(atoll(token_id)) : json_null()));
    }
    PQclear(res);

    json_object_set_new(form, "title", json_string(audit_title));
    json_object_set_new(form, "has_entries", json_boolean(rows > 0));
    json_object_set_new(form, "entries", entries);
    json_object_set_new(form, "page", json_integer(page));
    json_object_set_new(form, "filtered", json_boolean(who || from || to));
    if (page > 1)
        json_object_set_new(form, "prev_page", json_integer(page - 1));
    if (has_next)
        json_object_set_new(form, "next_page", json_integer(page + 1));
    view_page(req, 200, "admin_audit", form);
}
