/* session.c: sessions by cookie, stored hashed in PostgreSQL, and CSRF. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "db/query.h"
#include "util/log.h"
#include "util/utf8.h"

const char *session_cookie_name(void)
{
    return config_current != NULL && config_current->https ? "__Host-interlude" : "interlude";
}

static void set_cookie(struct request *req, const char *token)
{
    bool https = config_current != NULL && config_current->https;
    if (token != NULL)
        req->set_cookie = arena_printf(&req->arena, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
                                       session_cookie_name(), token, https ? "; Secure" : "");
    else
        req->set_cookie =
            arena_printf(&req->arena, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
                         session_cookie_name(), https ? "; Secure" : "");
}

static bool token_shaped(const char *t)
{
    if (t == NULL || strlen(t) != TOKEN_LEN)
        return false;
    for (const char *p = t; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

enum db_status session_load(struct request *req)
{
    req->session = NULL;
    const char *token = req_cookie(req, session_cookie_name());
    if (!token_shaped(token))
        return DB_OK;
    char hash[67];
    token_hash_param(token, hash);
    unsigned idle_s = config_current->session_idle;
    struct db_args a = {0};
    db_arg_text(&a, hash);
    db_arg_int(&a, idle_s);
    /* Refresh last_seen at most every minute (or a quarter of a short idle
     * limit), not on every request. */
    db_arg_int(&a, idle_s / 4 < 60 ? idle_s / 4 : 60);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_SESSION_LOAD, &a, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1) {
        struct session *s = arena_alloc(&req->arena, sizeof(*s));
        s->id = db_int(res, 0, "id");
        snprintf(s->csrf, sizeof(s->csrf), "%s", db_text(res, 0, "csrf_token"));
        if (!db_is_null(res, 0, "user_id")) {
            struct user *u = arena_alloc(&req->arena, sizeof(*u));
            u->id = db_int(res, 0, "user_id");
            u->role = role_parse(db_text(res, 0, "role"));
            u->email = arena_strdup(&req->arena, db_text(res, 0, "email"));
            u->display_name = arena_strdup(&req->arena, db_text(res, 0, "display_name"));
            s->user = u;
        }
        bool stale = db_bool(res, 0, "stale");
        s->second_factor_pending = db_bool(res, 0, "second_factor_pending");
        if (s->user != NULL) {
            /* The policy, decided here for every request (policy.c). */
            bool enrolled = db_bool(res, 0, "two_step_enrolled");
            const char *policy = db_text_or_null(res, 0, "two_step_policy");
            s->two_step_required = (two_step_policy_roles(policy) & s->user->role) != 0;
            s->enrolment_required = s->two_step_required && !enrolled;
        }
        req->session = s;
        if (stale) {
            struct db_args a_id = {0};
            db_arg_int(&a_id, s->id);
            db_run(STMT_SESSION_TOUCH, &a_id, NULL);
        }
    }
    PQclear(res);
    return DB_OK;
}

/* A half-signed-in session (password accepted, code not yet) lasts this
 * many minutes at most. */
#define PENDING_MINUTES 10

static enum db_status session_create(struct request *req, long long user_id, bool pending)
{
    char token[TOKEN_LEN + 1], csrf[TOKEN_LEN + 1], hash[67];
    token_new(token);
    token_new(csrf);
    token_hash_param(token, hash);
    unsigned minutes = pending ? PENDING_MINUTES : config_current->session_max_hours * 60;
    /* The agent string helps a person recognise their sessions; keep 120
     * bytes of it, cut at a character boundary, and only if it is text. */
    const char *ua = req_header(req, "User-Agent");
    if (ua == NULL || !utf8_valid_text(ua, strlen(ua)))
        ua = "";
    size_t n = strlen(ua);
    if (n > 120) {
        n = 120;
        while (n > 0 && ((unsigned char)ua[n] & 0xC0) == 0x80)
            n--;
    }
    const char *ua_short = arena_strndup(&req->arena, ua, n);
    struct db_args a = {0};
    db_arg_text(&a, hash);
    db_arg_id_or_null(&a, user_id);
    db_arg_text(&a, csrf);
    db_arg_int(&a, minutes);
    db_arg_text(&a, req->client_ip);
    db_arg_text(&a, ua_short);
    db_arg_bool(&a, pending);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_SESSION_CREATE, &a, &res);
    if (st != DB_OK)
        return st;
    struct session *s = arena_alloc(&req->arena, sizeof(*s));
    s->id = db_int(res, 0, "id");
    PQclear(res);
    snprintf(s->csrf, sizeof(s->csrf), "%s", csrf);
    s->second_factor_pending = pending;
    req->session = s;
    set_cookie(req, token);
    sodium_memzero(token, sizeof(token));
    return DB_OK;
}

static enum db_status anonymous_tx(void *arg)
{
    struct request *req = arg;
    req->session = NULL;
    req->set_cookie = NULL;
    struct db_args none = {0};
    enum db_status st = db_run(STMT_SESSION_ASYNC_COMMIT, &none, NULL);
    return st != DB_OK ? st : session_create(req, 0, false);
}

/* An anonymous session is committed without waiting for the WAL flush: a
 * flood of GET /login must not queue the pages of people signed in behind
 * fsyncs (make bench: the dashboard during a sign-in flood). A crash loses
 * at most the last few, and a lost one only means the form is sent again. */
enum db_status session_ensure(struct request *req)
{
    if (req->session != NULL)
        return DB_OK;
    enum db_status st = db_tx(anonymous_tx, req);
    if (st != DB_OK) {
        req->session = NULL;
        req->set_cookie = NULL;
    }
    return st;
}

static enum db_status delete_current(struct request *req)
{
    if (req->session == NULL)
        return DB_OK;
    struct db_args a = {0};
    db_arg_int(&a, req->session->id);
    enum db_status st = db_run(STMT_SESSION_DELETE, &a, NULL);
    req->session = NULL;
    return st;
}

enum db_status session_login(struct request *req, long long user_id, bool pending)
{
    enum db_status st = delete_current(req);
    if (st != DB_OK)
        return st;
    st = session_create(req, user_id, pending);
    if (st != DB_OK)
        return st;
    /* The user record for this request's own page (role, names) is loaded
     * by the next request; handlers redirect after signing in. */
    return DB_OK;
}

enum db_status session_logout(struct request *req)
{
    enum db_status st = delete_current(req);
    set_cookie(req, NULL);
    return st;
}

enum db_status session_end_all(long long user_id, long long except_id)
{
    struct db_args a = {0};
    db_arg_int(&a, user_id);
    db_arg_int(&a, except_id);
    return db_run(STMT_SESSION_DELETE_USER, &a, NULL);
}

bool csrf_valid(const struct request *req)
{
    if (req->session == NULL)
        return false;
    const char *given = req_form(req, "_csrf");
    if (given == NULL)
        given = req_header(req, "X-CSRF-Token");
    if (given == NULL)
        return false;
    size_t n = strlen(req->session->csrf);
    return n > 0 && strlen(given) == n && sodium_memcmp(given, req->session->csrf, n) == 0;
}
