/* session.c: sessions by cookie, stored hashed in PostgreSQL, and CSRF. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
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
    char hash[67], idle[16], touch[16];
    token_hash_param(token, hash);
    unsigned idle_s = config_current->session_idle;
    snprintf(idle, sizeof(idle), "%u", idle_s);
    /* Refresh last_seen at most every minute (or a quarter of a short idle
     * limit), not on every request. */
    snprintf(touch, sizeof(touch), "%u", idle_s / 4 < 60 ? idle_s / 4 : 60);
    const char *params[] = {hash, idle, touch};
    PGresult *res = NULL;
    enum db_status st = db_exec(STMT_SESSION_LOAD, 3, params, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1) {
        struct session *s = arena_alloc(&req->arena, sizeof(*s));
        s->id = atoll(PQgetvalue(res, 0, 0));
        snprintf(s->csrf, sizeof(s->csrf), "%s", PQgetvalue(res, 0, 1));
        if (!PQgetisnull(res, 0, 2)) {
            struct user *u = arena_alloc(&req->arena, sizeof(*u));
            u->id = atoll(PQgetvalue(res, 0, 2));
            u->role = role_parse(PQgetvalue(res, 0, 3));
            u->email = arena_strdup(&req->arena, PQgetvalue(res, 0, 4));
            u->display_name = arena_strdup(&req->arena, PQgetvalue(res, 0, 5));
            s->user = u;
        }
        bool stale = PQgetvalue(res, 0, 6)[0] == 't';
        s->second_factor_pending = PQgetvalue(res, 0, 7)[0] == 't';
        if (s->user != NULL) {
            /* The policy, decided here for every request (policy.c). */
            bool enrolled = PQgetvalue(res, 0, 8)[0] == 't';
            const char *policy = PQgetisnull(res, 0, 9) ? NULL : PQgetvalue(res, 0, 9);
            s->two_step_required = (two_step_policy_roles(policy) & s->user->role) != 0;
            s->enrolment_required = s->two_step_required && !enrolled;
        }
        req->session = s;
        if (stale) {
            char id[24];
            snprintf(id, sizeof(id), "%lld", s->id);
            const char *p1[] = {id};
            db_exec(STMT_SESSION_TOUCH, 1, p1, NULL);
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
    char token[TOKEN_LEN + 1], csrf[TOKEN_LEN + 1], hash[67], uid[24], minutes[16];
    token_new(token);
    token_new(csrf);
    token_hash_param(token, hash);
    snprintf(uid, sizeof(uid), "%lld", user_id);
    snprintf(minutes, sizeof(minutes), "%u",
             pending ? PENDING_MINUTES : config_current->session_max_hours * 60);
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
    const char *params[] = {hash,     user_id > 0 ? uid : NULL, csrf, minutes, req->client_ip,
                            ua_short, pending ? "t" : "f"};
    PGresult *res = NULL;
    enum db_status st = db_exec(STMT_SESSION_CREATE, 7, params, &res);
    if (st != DB_OK)
        return st;
    struct session *s = arena_alloc(&req->arena, sizeof(*s));
    s->id = atoll(PQgetvalue(res, 0, 0));
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
    enum db_status st = db_exec(STMT_SESSION_ASYNC_COMMIT, 0, NULL, NULL);
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
    char id[24];
    snprintf(id, sizeof(id), "%lld", req->session->id);
    const char *params[] = {id};
    enum db_status st = db_exec(STMT_SESSION_DELETE, 1, params, NULL);
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
    char uid[24], ex[24];
    snprintf(uid, sizeof(uid), "%lld", user_id);
    snprintf(ex, sizeof(ex), "%lld", except_id);
    const char *params[] = {uid, ex};
    return db_exec(STMT_SESSION_DELETE_USER, 2, params, NULL);
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
