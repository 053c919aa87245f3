/* invites.c: invitation links: accepting one (a therapist's or a client's
 * new account), and sending again or revoking one by the person who made
 * it. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"

static const char accept_title[] = "Create your account";

/* A link sent again works as long as a new one (admin.c, clients.c). */
#define INVITE_VALID_SECONDS (7 * 24 * 3600)

/* An invitation that may be accepted here; strings live in the arena. */
struct invite {
    long long id;
    unsigned role; /* ROLE_THERAPIST or ROLE_CLIENT */
    const char *email;
    const char *display_name;
    long long created_by;
};

/* Finds the unused, unrevoked, unexpired therapist or client invitation of
 * the request's token. Setup and reset links are never accepted here: they
 * are answered as unknown. Returns DB_OK with *found set, or a DB error. */
static enum db_status find_invite(struct request *req, struct invite *inv, bool *found)
{
    *found = false;
    char hash[67];
    token_hash_param(req->params[0], hash);
    struct db_args a = {0};
    db_arg_text(&a, hash);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_INVITE_BY_TOKEN, &a, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1) {
        const char *kind = db_text(res, 0, "kind");
        if (strcmp(kind, "therapist") == 0 || strcmp(kind, "client") == 0) {
            inv->id = db_int(res, 0, "id");
            inv->role = role_parse(kind);
            inv->email = arena_strdup(&req->arena, db_text(res, 0, "email"));
            inv->display_name = arena_strdup(&req->arena, db_text(res, 0, "display_name"));
            inv->created_by = db_int(res, 0, "created_by");
            *found = true;
        }
    }
    PQclear(res);
    return DB_OK;
}

static void invite_gone(struct request *req)
{
    view_error(req, 404, "link_expired",
               "This invitation has expired or was already used. Ask for a new one.");
}

/* The invitation for this request, answering 404 or 503 itself when there
 * is none. Returns true when the handler may go on. */
static bool load_invite(struct request *req, struct invite *inv)
{
    bool found;
    if (find_invite(req, inv, &found) != DB_OK) {
        view_unavailable(req);
        return false;
    }
    if (!found) {
        invite_gone(req);
        return false;
    }
    return true;
}

/* The accept form's fixed parts: the token for the action, the e-mail
 * address (read-only when the invitation names one) and the role. */
static void accept_form_base(json_t *form, const struct request *req, const struct invite *inv)
{
    json_object_set_new(form, "token", json_string(req->params[0]));
    json_object_set_new(form, "email", json_string(inv->email));
    json_object_set_new(form, "email_fixed", json_boolean(inv->email[0] != '\0'));
    json_object_set_new(form, "is_therapist", json_boolean(inv->role == ROLE_THERAPIST));
}

void h_invite_form(struct request *req)
{
    struct invite inv;
    if (!load_invite(req, &inv))
        return;
    if (session_ensure(req) != DB_OK) {
        view_unavailable(req);
        return;
    }
    json_t *form = form_new();
    json_object_set_new(form, "title", json_string(accept_title));
    accept_form_base(form, req, &inv);
    form_value(form, "display_name", inv.display_name);
    view_page(req, 200, "invite_accept", form);
}

enum accept_outcome { ACCEPT_DONE, ACCEPT_GONE, ACCEPT_EMAIL_TAKEN };

struct accept_ctx {
    const struct invite *inv;
    const char *email, *name, *hash;
    long long user_id;
    enum accept_outcome outcome;
};

/* Uses the invitation, creates the account and, for a client, the care
 * team row, all or nothing. A business refusal is returned as DB_HARD so the
 * transaction rolls back (the link stays usable when the e-mail is taken);
 * the caller reads c->outcome first. */
static enum db_status accept_tx(void *arg)
{
    struct accept_ctx *c = arg;
    PGresult *res = NULL;
    enum db_status st;
    c->outcome = ACCEPT_DONE;
    c->user_id = 0;

    struct db_args a_use = {0};
    db_arg_int(&a_use, c->inv->id);
    if ((st = db_run(STMT_INVITE_USE, &a_use, &res)) != DB_OK)
        return st;
    bool used = PQntuples(res) == 1;
    PQclear(res);
    if (!used) { /* used, revoked or expired since the page loaded */
        c->outcome = ACCEPT_GONE;
        return DB_HARD;
    }

    struct db_args a_user = {0};
    db_arg_text(&a_user, c->email);
    db_arg_text(&a_user, c->name);
    db_arg_text(&a_user, role_name(c->inv->role));
    db_arg_text(&a_user, c->hash);
    if ((st = db_run(STMT_USER_CREATE, &a_user, &res)) != DB_OK)
        return st;
    c->user_id = PQntuples(res) == 1 ? db_int(res, 0, "id") : 0;
    PQclear(res);
    if (c->user_id == 0) {
        c->outcome = ACCEPT_EMAIL_TAKEN;
        return DB_HARD;
    }

    if (c->inv->role == ROLE_CLIENT) {
        struct db_args a_team = {0};
        db_arg_int(&a_team, c->inv->created_by);
        db_arg_int(&a_team, c->user_id);
        if ((st = db_run(STMT_CARE_TEAM_ADD, &a_team, &res)) != DB_OK)
            return st;
        bool added = PQntuples(res) == 1;
        PQclear(res);
        if (!added) { /* the inviting therapist's account is gone or disabled */
            c->outcome = ACCEPT_GONE;
            return DB_HARD;
        }
    }
    return DB_OK;
}

void h_invite_accept(struct request *req)
{
    struct invite inv;
    if (!load_invite(req, &inv))
        return;
    const char *name = req_form(req, "display_name");
    const char *pw = req_form(req, "password");
    const char *pw2 = req_form(req, "password_confirm");
    /* The address comes from the invitation and cannot be changed; only an
     * invitation made without one asks for it. */
    const char *email = inv.email[0] != '\0' ? inv.email : req_form(req, "email");
    json_t *form = form_new();
    accept_form_base(form, req, &inv);
    form_value(form, "display_name", name);
    if (inv.email[0] == '\0')
        form_value(form, "email", email);
    const char *problem;
    if ((problem = check_display_name(name)) != NULL)
        form_error(form, "display_name", problem);
    if (inv.email[0] == '\0' && (problem = check_email(email)) != NULL)
        form_error(form, "email", problem);
    check_new_password(form, "password", "password_confirm", pw, pw2, email, name);
    if (form_has_errors(form)) {
        view_form_errors(req, "invite_accept", accept_title, form);
        return;
    }

    char hash[160];
    if (password_hash(pw, hash, sizeof(hash)) != PW_OK) {
        json_decref(form);
        view_busy(req);
        return;
    }
    struct accept_ctx c = {.inv = &inv, .email = email, .name = name, .hash = hash};
    enum db_status st = db_tx(accept_tx, &c);
    if (c.outcome == ACCEPT_GONE) {
        json_decref(form);
        invite_gone(req);
        return;
    }
    if (c.outcome == ACCEPT_EMAIL_TAKEN) {
        form_error(form, "email",
                   "There is already an account with this e-mail address. Sign in instead, or "
                   "ask for a new invitation.");
        view_form_errors(req, "invite_accept", accept_title, form);
        return;
    }
    json_decref(form);
    if (st != DB_OK) {
        view_unavailable(req);
        return;
    }
    audit_as(req, c.user_id, "invite.accepted", "invite", inv.id,
             inv.role == ROLE_CLIENT ? c.user_id : 0);
    if (session_login(req, c.user_id, false) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(req, 201, NULL, json_pack("{s:b, s:s}", "ok", 1, "csrf", req->session->csrf));
    else
        view_redirect(req, "/");
}

/* Why an invitation could not be revoked or renewed (done: "revoked",
 * "renewed"): only its creator learns more than "no such page". */
static void why_unchanged(struct request *req, long long invite_id, const char *done)
{
    struct db_args a = {0};
    db_arg_int(&a, invite_id);
    db_arg_int(&a, req->session->user->id);
    PGresult *res = NULL;
    if (db_run(STMT_INVITE_STATE_FOR_CREATOR, &a, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    int n = PQntuples(res);
    bool used = n == 1 && db_bool(res, 0, "used");
    PQclear(res);
    if (n != 1)
        view_error(req, 404, "not_found", "There is no page at this address.");
    else if (used)
        view_error(req, 409, "invite_used",
                   arena_printf(&req->arena,
                                "This invitation was already accepted, so it cannot be %s.", done));
    else
        view_error(req, 409, "invite_revoked", "This invitation was revoked.");
}

/* POST /invites/{id}/resend: a new link for an invitation not yet
 * accepted (lost, expired, or sent to a wrong inbox and corrected by
 * hand): the old link stops working, the new one is mailed when mail is
 * on and shown once, as at creation. */
void h_invite_resend(struct request *req)
{
    const struct user *me = req->session->user;
    char token[TOKEN_LEN + 1], hash[67];
    token_new(token);
    token_hash_param(token, hash);
    char *link = arena_printf(&req->arena, "%s/invite/%s", config_current->base_url, token);
    bool found = false;
    char *kind = NULL, *email = NULL, *name = NULL;
    enum mail_result mailed = MAIL_OFF;
    enum db_status st = invite_renew_mailed(req->ids[0], me->id, hash, link, INVITE_VALID_SECONDS,
                                            &found, &kind, &email, &name, &mailed);
    if (st != DB_OK || !found) {
        sodium_memzero(token, sizeof(token));
        if (st != DB_OK)
            view_unavailable(req);
        else
            why_unchanged(req, req->ids[0], "sent again");
        goto done;
    }
    audit(req, "invite.renewed", "invite", req->ids[0], 0);
    if (strcmp(kind, "therapist") == 0) {
        admin_link_page(req, true, true, token, name, email, mailed);
        goto done;
    }
    sodium_memzero(token, sizeof(token));
    json_t *data =
        json_pack("{s:s, s:I, s:s, s:s, s:s, s:i, s:b}", "title", "Invitation link", "id",
                  (json_int_t)req->ids[0], "link", link, "display_name", name, "email", email,
                  "valid_days", INVITE_VALID_SECONDS / 86400, "renewed", 1);
    invite_mail_flags(data, mailed);
    view_page(req, 201, "invite_link", data);
done:
    free(kind);
    free(email);
    free(name);
}

void h_invite_revoke(struct request *req)
{
    const struct user *me = req->session->user;
    struct db_args a = {0};
    db_arg_int(&a, req->ids[0]);
    db_arg_int(&a, me->id);
    PGresult *res = NULL;
    if (db_run(STMT_INVITE_REVOKE, &a, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    bool revoked = PQntuples(res) == 1;
    PQclear(res);
    if (!revoked) {
        why_unchanged(req, req->ids[0], "revoked");
        return;
    }
    audit(req, "invite.revoked", "invite", req->ids[0], 0);
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b}", "ok", 1));
    else if (me->role == ROLE_ADMIN)
        view_redirect(req, "/admin/users?done=invite-revoked");
    else
        view_redirect(req, "/clients?done=revoked");
}
