/* twostep.c: two-step sign-in with an authenticator app (TOTP): enrolment
 * on /account, the code step of signing in, recovery codes, and ending one
 * of one's sessions. The guard (guard.c) keeps a half-signed-in session to
 * /login/code and /logout. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"
#include "crypto/box.h"

/* The same limits as the password step (login.c): failed codes are
 * counted with failed passwords, per account and per address. */
#define MAX_FAILS_PER_ACCOUNT 5
#define MAX_FAILS_PER_ADDRESS 30

/* A person's two-step state. secret: the opened base32 secret (malloc'd,
 * NULL when none); email: the address the throttle counts by (malloc'd). */
struct totp_state {
    char *secret;
    bool enabled;
    long long last_step;
    char *email;
};

static void totp_state_free(struct totp_state *t)
{
    if (t->secret != NULL) {
        sodium_memzero(t->secret, strlen(t->secret));
        free(t->secret);
    }
    free(t->email);
    memset(t, 0, sizeof(*t));
}

static void aad_for(long long uid, char out[48])
{
    snprintf(out, 48, "totp:%lld", uid);
}

/* Loads uid's state. DB_OK (a secret that does not open is treated as
 * none: the person enrols again) or the database's error. */
static enum db_status totp_load(long long uid, struct totp_state *t)
{
    char aad[48];
    aad_for(uid, aad);
    struct db_args a = {0};
    db_arg_int(&a, uid);
    PGresult *res = NULL;
    memset(t, 0, sizeof(*t));
    enum db_status st = db_run(STMT_TOTP_GET, &a, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1) {
        t->secret = box_open_pq(res, 0, db_col(res, "totp_secret"), aad);
        t->enabled = db_bool(res, 0, "totp_enabled") && t->secret != NULL;
        t->last_step = db_int(res, 0, "totp_last_step");
        t->email = strdup(db_text(res, 0, "email"));
    }
    PQclear(res);
    return DB_OK;
}

/* True when the account or the address has too many recent failures. */
static enum db_status throttled(struct request *req, const char *email, bool *yes)
{
    struct db_args a = {0};
    db_arg_text(&a, email != NULL ? email : "");
    db_arg_text(&a, req->client_ip);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_LOGIN_FAILURES_COUNT, &a, &res);
    if (st != DB_OK)
        return st;
    *yes = db_int(res, 0, "by_account") >= MAX_FAILS_PER_ACCOUNT ||
           db_int(res, 0, "by_address") >= MAX_FAILS_PER_ADDRESS;
    PQclear(res);
    return DB_OK;
}

static void count_failure(struct request *req, const char *email)
{
    struct db_args a = {0};
    db_arg_text(&a, email != NULL ? email : "");
    db_arg_text(&a, req->client_ip);
    db_run(STMT_LOGIN_FAILURE_ADD, &a, NULL);
}

/* A code as typed, without spaces (apps show "123 456"); NULL when absent
 * or longer than any code. In the request's arena. */
static const char *typed_code(struct request *req)
{
    const char *raw = req_form(req, "code");
    if (raw == NULL || strlen(raw) > 64)
        return NULL;
    char *out = arena_strdup(&req->arena, raw);
    size_t n = 0;
    for (const char *p = raw; *p; p++)
        if (*p != ' ')
            out[n++] = *p;
    out[n] = '\0';
    return n > 0 ? out : NULL;
}

/* Checks code (six digits, or a recovery code when allow_recovery) against
 * t and uses it up. *ok is set when it was right; *recovery when it was a
 * recovery code. */
static enum db_status use_code(long long uid, const struct totp_state *t, const char *code,
                               bool allow_recovery, bool *ok, bool *recovery)
{
    PGresult *res = NULL;
    *ok = false;
    *recovery = false;
    if (code == NULL || t->secret == NULL)
        return DB_OK;
    long long step = 0;
    if (totp_check(t->secret, code, t->last_step, &step) == 1) {
        struct db_args a = {0};
        db_arg_int(&a, uid);
        db_arg_int(&a, step);
        enum db_status st = db_run(STMT_TOTP_USE_STEP, &a, &res);
        if (st != DB_OK)
            return st;
        *ok = PQntuples(res) == 1;
        PQclear(res);
        return DB_OK;
    }
    char hash[67];
    if (allow_recovery && recovery_code_hash(code, hash)) {
        struct db_args a = {0};
        db_arg_int(&a, uid);
        db_arg_text(&a, hash);
        enum db_status st = db_run(STMT_RECOVERY_USE, &a, &res);
        if (st != DB_OK)
            return st;
        *ok = *recovery = PQntuples(res) == 1;
        PQclear(res);
    }
    return DB_OK;
}

static enum db_status recovery_left(long long uid, long *left)
{
    struct db_args a = {0};
    db_arg_int(&a, uid);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_RECOVERY_LEFT, &a, &res);
    if (st != DB_OK)
        return st;
    *left = (long)db_int(res, 0, "codes_left");
    PQclear(res);
    return DB_OK;
}

/* ---- the second step of signing in ---- */

static json_t *code_form(void)
{
    json_t *form = form_new();
    json_object_set_new(form, "title", json_string("Enter your code"));
    return form;
}

void h_login_code_form(struct request *req)
{
    if (!req->session->second_factor_pending) {
        view_redirect(req, "/");
        return;
    }
    view_page(req, 200, "login_code", code_form());
}

struct code_ctx {
    struct request *req;
    long long user_id;
    bool recovery;
};

static enum db_status code_tx(void *arg)
{
    struct code_ctx *c = arg;
    struct session *before = c->req->session;
    enum db_status st = session_login(c->req, c->user_id, false);
    if (st != DB_OK) {
        c->req->session = before;
        c->req->set_cookie = NULL;
        return st;
    }
    if (c->recovery &&
        (st = audit_as(c->req, c->user_id, "login.recovery_code", "user", c->user_id, 0)) != DB_OK)
        return st;
    return audit_as(c->req, c->user_id, "login.success", "user", c->user_id, 0);
}

void h_login_code(struct request *req)
{
    struct totp_state t;
    if (!req->session->second_factor_pending) {
        view_redirect(req, "/");
        return;
    }
    long long uid = req->session->user->id;
    if (totp_load(uid, &t) != DB_OK) {
        view_unavailable(req);
        return;
    }
    bool locked = false, ok = false, recovery = false;
    const char *code = typed_code(req);
    if (throttled(req, t.email, &locked) != DB_OK) {
        view_unavailable(req);
        goto cleanup;
    }
    if (locked) {
        json_t *f = code_form();
        form_error(f, "code",
                   "Too many attempts to sign in. Please wait 15 minutes, then try again.");
        view_form_errors(req, "login_code", "Enter your code", f);
        req->view.status = 429;
        req->view.retry_after = "900";
        goto cleanup;
    }
    if (use_code(uid, &t, code, true, &ok, &recovery) != DB_OK) {
        view_unavailable(req);
        goto cleanup;
    }
    if (!ok) {
        count_failure(req, t.email);
        audit_as(req, uid, "login.failure", "user", uid, 0);
        json_t *f = code_form();
        form_error(f, "code",
                   code == NULL ? "Enter the six-digit code from your app, or a recovery code."
                                : "That code is not right, or it was used already. Enter the "
                                  "newest code from your app.");
        view_form_errors(req, "login_code", "Enter your code", f);
        goto cleanup;
    }
    struct db_args a_email = {0};
    db_arg_text(&a_email, t.email);
    db_run(STMT_LOGIN_FAILURES_CLEAR, &a_email, NULL);
    struct code_ctx c = {.req = req, .user_id = uid, .recovery = recovery};
    struct session *before = req->session;
    if (db_tx(code_tx, &c) != DB_OK) {
        req->session = before;
        req->set_cookie = NULL;
        view_unavailable(req);
        goto cleanup;
    }
    long left = -1;
    if (recovery && recovery_left(uid, &left) != DB_OK)
        left = -1;
    if (req->want_json) {
        json_t *data = json_pack("{s:b, s:s}", "ok", 1, "csrf", req->session->csrf);
        if (recovery)
            json_object_set_new(data, "recovery_codes_left", json_integer(left));
        view_page(req, 200, NULL, data);
    } else {
        view_redirect(req, recovery ? "/account?done=recovery" : "/");
    }
cleanup:
    totp_state_free(&t);
}

/* ---- enrolment on /account ---- */

enum db_status two_step_account_data(struct request *req, json_t *data)
{
    long long uid = req->session->user->id;
    struct totp_state t;
    enum db_status st = totp_load(uid, &t);
    if (st != DB_OK)
        return st;
    json_t *ts = json_object();
    json_object_set_new(ts, "enabled", json_boolean(t.enabled));
    /* The policy (auth/policy.c) requires it of this person's role: it
     * cannot be switched off, and until it is on nothing else is open. */
    json_object_set_new(ts, "required", json_boolean(req->session->two_step_required));
    if (req->session->enrolment_required)
        json_object_set_new(data, "notice",
                            json_string("Your practice requires two-step sign-in for your role. "
                                        "Set it up below to continue."));
    if (t.enabled) {
        long left = 0;
        if ((st = recovery_left(uid, &left)) != DB_OK) {
            json_decref(ts);
            goto cleanup;
        }
        json_object_set_new(ts, "recovery_left", json_integer(left));
    } else if (t.secret != NULL) {
        /* Enrolling: the QR code and the secret as text, until confirmed. */
        const char *uri = totp_uri(&req->arena, t.secret, t.email);
        int size = 0;
        const char *d = totp_qr_path(&req->arena, uri, &size);
        json_t *en = json_pack("{s:s, s:s}", "secret", t.secret, "otpauth_uri", uri);
        if (d != NULL)
            json_object_set_new(en, "qr", json_pack("{s:s, s:i}", "d", d, "size", size + 8));
        json_object_set_new(ts, "enrolling", en);
    }
    json_object_set_new(data, "two_step", ts);
    const char *done = req_query(req, "done");
    if (done != NULL && strcmp(done, "recovery") == 0 && t.enabled)
        json_object_set_new(data, "notice",
                            json_string("You signed in with a recovery code. It cannot be used "
                                        "again; see below how many you have left."));
cleanup:
    totp_state_free(&t);
    return st;
}

/* The account page again with form's errors (422), or them as JSON. */
static void account_errors(struct request *req, json_t *form, int status)
{
    if (req->want_json) {
        view_form_errors(req, "account", "Your account", form);
        req->view.status = status;
        return;
    }
    enum db_status st;
    json_t *data = account_data(req, form, &st);
    if (data == NULL) {
        view_unavailable(req);
        return;
    }
    view_page(req, status, "account", data);
}

void h_two_step_start(struct request *req)
{
    const struct user *u = req->session->user;
    struct totp_state t;
    char *sealed = NULL;
    char secret[TOTP_SECRET_B32_LEN + 1], aad[48];
    if (totp_load(u->id, &t) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (t.enabled) {
        view_error(req, 409, "two_step_on", "Two-step sign-in is already on.");
        goto cleanup;
    }
    totp_new_secret(secret);
    aad_for(u->id, aad);
    sealed = secret[0] != '\0' ? box_seal_hex(secret, aad) : NULL;
    if (sealed == NULL) {
        view_unavailable(req);
        goto cleanup;
    }
    struct db_args a = {0};
    db_arg_int(&a, u->id);
    db_arg_text(&a, sealed);
    PGresult *res = NULL;
    if (db_run(STMT_TOTP_SET_PENDING, &a, &res) != DB_OK) {
        view_unavailable(req);
        goto cleanup;
    }
    PQclear(res);
    audit(req, "account.two_step_started", "user", u->id, 0);
    if (req->want_json)
        view_page(req, 200, NULL,
                  json_pack("{s:s, s:s}", "secret", secret, "otpauth_uri",
                            totp_uri(&req->arena, secret, u->email)));
    else
        view_redirect(req, "/account#two-step");
cleanup:
    sodium_memzero(secret, sizeof(secret));
    free(sealed);
    totp_state_free(&t);
}

struct enable_ctx {
    struct request *req;
    long long user_id;
    long long step;
    char hashes[RECOVERY_CODES][67];
    bool taken; /* the enrolment was confirmed by another request meanwhile */
};

static enum db_status enable_tx(void *arg)
{
    struct enable_ctx *c = arg;
    struct db_args a_en = {0};
    db_arg_int(&a_en, c->user_id);
    db_arg_int(&a_en, c->step);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_TOTP_ENABLE, &a_en, &res);
    if (st != DB_OK)
        return st;
    c->taken = PQntuples(res) != 1;
    PQclear(res);
    if (c->taken)
        return DB_OK;
    struct db_args a_uid = {0};
    db_arg_int(&a_uid, c->user_id);
    if ((st = db_run(STMT_RECOVERY_DELETE, &a_uid, NULL)) != DB_OK)
        return st;
    for (int i = 0; i < RECOVERY_CODES; i++) {
        struct db_args a_add = {0};
        db_arg_int(&a_add, c->user_id);
        db_arg_text(&a_add, c->hashes[i]);
        if ((st = db_run(STMT_RECOVERY_ADD, &a_add, NULL)) != DB_OK)
            return st;
    }
    return audit(c->req, "account.two_step_enabled", "user", c->user_id, 0);
}

void h_two_step_confirm(struct request *req)
{
    const struct user *u = req->session->user;
    struct totp_state t;
    char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1];
    memset(codes, 0, sizeof(codes));
    if (totp_load(u->id, &t) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (t.enabled || t.secret == NULL) {
        view_error(req, 409, "two_step_not_started",
                   t.enabled ? "Two-step sign-in is already on."
                             : "Start setting up two-step sign-in first.");
        goto cleanup;
    }
    const char *code = typed_code(req);
    long long step = 0;
    if (code == NULL || totp_check(t.secret, code, t.last_step, &step) != 1) {
        json_t *form = form_new();
        form_error(form, "code",
                   "That code is not right. Enter the six-digit code your app shows now.");
        account_errors(req, form, 422);
        goto cleanup;
    }
    struct enable_ctx c = {.req = req, .user_id = u->id, .step = step};
    for (int i = 0; i < RECOVERY_CODES; i++) {
        recovery_code_new(codes[i]);
        recovery_code_hash(codes[i], c.hashes[i]);
    }
    if (db_tx(enable_tx, &c) != DB_OK) {
        view_unavailable(req);
        goto cleanup;
    }
    if (c.taken) {
        view_error(req, 409, "two_step_on", "Two-step sign-in is already on.");
        goto cleanup;
    }
    /* Enrolled: nothing is held back any more, from this page on. */
    req->session->enrolment_required = false;
    json_t *list = json_array();
    for (int i = 0; i < RECOVERY_CODES; i++)
        json_array_append_new(list, json_string(codes[i]));
    if (req->want_json) {
        view_page(req, 200, NULL, json_pack("{s:b, s:o}", "ok", 1, "recovery_codes", list));
        goto cleanup;
    }
    enum db_status st;
    json_t *data = account_data(req, NULL, &st);
    if (data == NULL) {
        json_decref(list);
        view_unavailable(req);
        goto cleanup;
    }
    json_object_set_new(data, "recovery_codes", list);
    json_object_set_new(data, "recovery_shown", json_true());
    json_object_set_new(data, "notice",
                        json_string("Two-step sign-in is on. Keep your recovery codes safe."));
    view_page(req, 200, "account", data);
cleanup:
    sodium_memzero(codes, sizeof(codes));
    totp_state_free(&t);
}

static enum db_status disable_tx(void *arg)
{
    struct request *req = arg;
    long long id = req->session->user->id;
    struct db_args a = {0};
    db_arg_int(&a, id);
    enum db_status st = db_run(STMT_TOTP_DISABLE, &a, NULL);
    if (st == DB_OK)
        st = db_run(STMT_RECOVERY_DELETE, &a, NULL);
    if (st == DB_OK)
        st = audit(req, "account.two_step_disabled", "user", id, 0);
    return st;
}

void h_two_step_disable(struct request *req)
{
    const struct user *u = req->session->user;
    struct totp_state t;
    if (totp_load(u->id, &t) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (!t.enabled) {
        view_error(req, 409, "two_step_off", "Two-step sign-in is not on.");
        goto cleanup;
    }
    if (req->session->two_step_required) {
        view_error(req, 403, "two_step_required",
                   "Your practice requires two-step sign-in for your role, so it cannot be "
                   "switched off. To move it to a new phone, ask an administrator to reset it.");
        goto cleanup;
    }
    bool locked = false, ok = false, recovery = false;
    if (throttled(req, t.email, &locked) != DB_OK) {
        view_unavailable(req);
        goto cleanup;
    }
    if (locked) {
        json_t *form = form_new();
        form_error(form, "code", "Too many wrong codes. Please wait 15 minutes, then try again.");
        account_errors(req, form, 429);
        req->view.retry_after = "900";
        goto cleanup;
    }
    if (use_code(u->id, &t, typed_code(req), true, &ok, &recovery) != DB_OK) {
        view_unavailable(req);
        goto cleanup;
    }
    if (!ok) {
        count_failure(req, t.email);
        audit(req, "account.two_step_failure", "user", u->id, 0);
        json_t *form = form_new();
        form_error(form, "code", "That code is not right, or it was used already.");
        account_errors(req, form, 422);
        goto cleanup;
    }
    if (db_tx(disable_tx, req) != DB_OK) {
        view_unavailable(req);
        goto cleanup;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b}", "ok", 1));
    else
        view_redirect(req, "/account?done=two-step-off");
cleanup:
    totp_state_free(&t);
}

/* ---- devices ---- */

/* POST /account/sessions/{id}/end: ends one of one's own sessions (another
 * person's id is 404). Ending the current one signs out. */
void h_account_session_end(struct request *req)
{
    const struct user *u = req->session->user;
    long long sid = req->ids[0];
    struct db_args a = {0};
    db_arg_int(&a, u->id);
    db_arg_int(&a, sid);
    PGresult *res = NULL;
    if (db_run(STMT_SESSION_END_ONE, &a, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    bool found = PQntuples(res) == 1;
    PQclear(res);
    if (!found) {
        view_error(req, 404, "not_found", "There is no such session.");
        return;
    }
    audit(req, "account.session_ended", "session", sid, 0);
    bool current = sid == req->session->id;
    if (current)
        session_logout(req);
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b}", "ok", 1));
    else
        view_redirect(req, current ? "/login" : "/account?done=session");
}

enum db_status two_step_is_on(long long user_id, bool *on)
{
    struct db_args a = {0};
    db_arg_int(&a, user_id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_TOTP_GET, &a, &res);
    if (st != DB_OK)
        return st;
    *on = PQntuples(res) == 1 && db_bool(res, 0, "totp_enabled");
    PQclear(res);
    return DB_OK;
}

/* ---- a lost device: someone else resets the second factor ---- */

struct reset_ctx {
    struct request *req;
    long long user_id;
    long long subject_id; /* the client, when it is one (for the audit row) */
};

static enum db_status reset_tx(void *arg)
{
    struct reset_ctx *c = arg;
    struct db_args a = {0};
    db_arg_int(&a, c->user_id);
    enum db_status st = db_run(STMT_TOTP_DISABLE, &a, NULL);
    if (st == DB_OK)
        st = db_run(STMT_RECOVERY_DELETE, &a, NULL);
    if (st == DB_OK)
        st = session_end_all(c->user_id, 0);
    if (st == DB_OK)
        st = audit(c->req, "account.two_step_reset", "user", c->user_id, c->subject_id);
    return st;
}

/* Switches user_id's two-step sign-in off, deletes their recovery codes and
 * ends every session of theirs, with an audit row; then answers. */
static void reset_and_answer(struct request *req, long long user_id, long long subject_id,
                             const char *back)
{
    struct reset_ctx c = {.req = req, .user_id = user_id, .subject_id = subject_id};
    if (db_tx(reset_tx, &c) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b}", "ok", 1));
    else
        view_redirect(req, back);
}

/* POST /admin/users/{id}/two-step/reset: an administrator, for anyone but
 * themself (one's own factor is reset with a recovery code). */
void h_admin_two_step_reset(struct request *req)
{
    long long id = req->ids[0];
    if (id == req->session->user->id) {
        view_error(req, 403, "own_factor",
                   "You cannot reset your own two-step sign-in. Use a recovery code, or ask "
                   "another administrator.");
        return;
    }
    struct totp_state t;
    if (totp_load(id, &t) != DB_OK) {
        view_unavailable(req);
        return;
    }
    bool known = t.email != NULL;
    totp_state_free(&t);
    if (!known) {
        view_error(req, 404, "not_found", "There is no such account.");
        return;
    }
    reset_and_answer(req, id, 0, "/admin/users");
}

/* POST /clients/{id}/two-step/reset: a therapist of the client's care team. */
void h_client_two_step_reset(struct request *req)
{
    long long id = req->ids[0];
    bool mine = false;
    if (access_is_my_client(req, id, &mine) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (!mine) {
        view_error(req, 404, "not_found", "There is no such client on your list.");
        return;
    }
    reset_and_answer(req, id, id, arena_printf(&req->arena, "/clients/%lld", id));
}

/* ---- scripted deploys: `interlude create-admin --totp` ---- */

static enum db_status cli_enable_tx(void *arg)
{
    struct enable_ctx *c = arg;
    struct db_args a_en = {0};
    db_arg_int(&a_en, c->user_id);
    db_arg_int(&a_en, 0);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_TOTP_ENABLE, &a_en, &res);
    if (st != DB_OK)
        return st;
    c->taken = PQntuples(res) != 1;
    PQclear(res);
    if (c->taken)
        return DB_OK;
    for (int i = 0; i < RECOVERY_CODES; i++) {
        struct db_args a_add = {0};
        db_arg_int(&a_add, c->user_id);
        db_arg_text(&a_add, c->hashes[i]);
        if ((st = db_run(STMT_RECOVERY_ADD, &a_add, NULL)) != DB_OK)
            return st;
    }
    return audit_as(NULL, c->user_id, "account.two_step_enabled", "user", c->user_id, 0);
}

int two_step_enrol_cli(long long user_id, const char *email, FILE *out)
{
    char secret[TOTP_SECRET_B32_LEN + 1], aad[48];
    char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1];
    struct enable_ctx c = {.req = NULL, .user_id = user_id};
    int rc = 1;
    totp_new_secret(secret);
    aad_for(user_id, aad);
    char *sealed = secret[0] != '\0' ? box_seal_hex(secret, aad) : NULL;
    if (sealed == NULL)
        goto cleanup;
    struct db_args a_set = {0};
    db_arg_int(&a_set, user_id);
    db_arg_text(&a_set, sealed);
    PGresult *res = NULL;
    if (db_run(STMT_TOTP_SET_PENDING, &a_set, &res) != DB_OK)
        goto cleanup;
    PQclear(res);
    for (int i = 0; i < RECOVERY_CODES; i++) {
        recovery_code_new(codes[i]);
        recovery_code_hash(codes[i], c.hashes[i]);
    }
    if (db_tx(cli_enable_tx, &c) != DB_OK || c.taken)
        goto cleanup;
    /* The one place a secret is printed: to the operator who asked for it,
     * on standard output, never to the log. */
    struct arena a = {0};
    fprintf(out, "two-step secret (base32): %s\n", secret);
    fprintf(out, "otpauth URI: %s\n", totp_uri(&a, secret, email));
    arena_free(&a);
    fprintf(out, "recovery codes:");
    for (int i = 0; i < RECOVERY_CODES; i++)
        fprintf(out, " %s", codes[i]);
    fprintf(out, "\n");
    rc = 0;
cleanup:
    sodium_memzero(secret, sizeof(secret));
    sodium_memzero(codes, sizeof(codes));
    free(sealed);
    return rc;
}
