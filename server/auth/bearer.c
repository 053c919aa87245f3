/* bearer.c: API tokens for scripts ("Authorization: Bearer itl_..."),
 * stored hashed in PostgreSQL like sessions. Where they are accepted is
 * decided by the guard (server/app/guard.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/auth.h"
#include "db/query.h"

/* The header's value after the scheme, or NULL when the scheme is not
 * Bearer. RFC 6750: "Bearer" 1*SP token; the scheme is case-insensitive. */
static const char *bearer_value(const struct request *req)
{
    const char *h = req_header(req, "Authorization");
    if (h == NULL || strncasecmp(h, "Bearer", 6) != 0)
        return NULL;
    if (h[6] != '\0' && h[6] != ' ')
        return NULL; /* "Bearerish": another scheme, not ours */
    return h + 6;
}

bool bearer_present(const struct request *req)
{
    return bearer_value(req) != NULL;
}

void api_token_new(char out[API_TOKEN_LEN + 1])
{
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): token_new writes the rest and the NUL */
    memcpy(out, API_TOKEN_PREFIX, 4);
    token_new(out + 4);
}

/* "itl_" and exactly 43 characters of base64url. */
static bool api_token_shaped(const char *t)
{
    if (strlen(t) != API_TOKEN_LEN || strncmp(t, API_TOKEN_PREFIX, 4) != 0)
        return false;
    for (const char *p = t + 4; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

enum db_status bearer_load(struct request *req, enum bearer_result *out)
{
    req->session = NULL;
    const char *v = bearer_value(req);
    if (v == NULL) {
        *out = BEARER_NONE;
        return DB_OK;
    }
    *out = BEARER_INVALID;
    while (*v == ' ')
        v++;
    if (!api_token_shaped(v))
        return DB_OK; /* nothing to look up: malformed */
    char hash[67];
    token_hash_param(v, hash);
    struct db_args a = {0};
    db_arg_text(&a, hash);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_TOKEN_LOAD, &a, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) != 1) {
        PQclear(res);
        /* Known but expired, revoked, or its owner disabled: someone still
         * holds it, which the owner's audit trail should show. */
        if ((st = db_run(STMT_TOKEN_PEEK, &a, &res)) != DB_OK)
            return st;
        if (PQntuples(res) == 1)
            st = audit_as(req, db_int(res, 0, "user_id"), "token.refused", "api_token",
                          db_int(res, 0, "id"), 0);
        PQclear(res);
        return st;
    }
    struct session *s = arena_alloc(&req->arena, sizeof(*s));
    s->token_id = db_int(res, 0, "token_id");
    s->token_read_only = strcmp(db_text(res, 0, "scope"), "read") == 0;
    struct user *u = arena_alloc(&req->arena, sizeof(*u));
    u->id = db_int(res, 0, "user_id");
    u->role = role_parse(db_text(res, 0, "role"));
    u->email = arena_strdup(&req->arena, db_text(res, 0, "email"));
    u->display_name = arena_strdup(&req->arena, db_text(res, 0, "display_name"));
    s->user = u;
    /* A token made before the two-step policy applied to its owner stops
     * with the owner's sessions until they enrol (guard.c). */
    bool enrolled = db_bool(res, 0, "two_step_enrolled");
    const char *policy = db_text_or_null(res, 0, "two_step_policy");
    s->two_step_required = (two_step_policy_roles(policy) & u->role) != 0;
    s->enrolment_required = s->two_step_required && !enrolled;
    PQclear(res);
    req->session = s;
    *out = BEARER_OK;
    return DB_OK;
}
