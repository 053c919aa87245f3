/* guard.c: what runs before every handler (session, CSRF, role) and what
 * every HTML page gets (user, CSRF token, navigation). */
#include <string.h>

#include "app/app.h"
#include "auth/auth.h"
#include "crypto/keycheck.h"

static bool unsafe(enum http_method m)
{
    return m == HTTP_POST || m == HTTP_PUT || m == HTTP_PATCH || m == HTTP_DELETE;
}

/* With a data key missing or wrong, nothing is written: a value sealed
 * now would be sealed with a key nobody keeps (crypto/keycheck.h). The
 * check runs again first, so a fixed database is noticed at once. */
static bool keys_refuse_write(struct request *req)
{
    if (!unsafe(req->method) || keycheck_state(NULL, 0) == KEYCHECK_OK ||
        keycheck_run(NULL, 0) == KEYCHECK_OK)
        return false;
    view_error(req, 503, "data_key",
               "The service cannot save anything at the moment because of a problem with its "
               "set-up. Please try again later.");
    req->view.retry_after = "60";
    return true;
}

/* A refusal of a request that carried a token (RFC 6750, section 3):
 * error is "invalid_request", "invalid_token" or "insufficient_scope". */
static void bearer_refuse(struct request *req, int status, const char *error, const char *code,
                          const char *message)
{
    view_error(req, status, code, message);
    req->view.www_auth =
        arena_printf(&req->arena, "Bearer realm=\"interlude\", error=\"%s\"", error);
}

/* A request with "Authorization: Bearer": the token alone says who is
 * asking (a session cookie sent along is not read), only under /api/v1 and
 * on routes marked ROUTE_TOKEN, safe methods only for a "read" token, and
 * no CSRF token (a script's request cannot be forged by another site: the
 * browser never adds this header by itself). Every request a valid token
 * makes is audited with the token's id. False: the answer is set. */
static bool guard_bearer(struct request *req)
{
    if (!req->api) {
        bearer_refuse(req, 403, "invalid_request", "token_not_accepted",
                      "API tokens are accepted under /api/v1 only.");
        return false;
    }
    enum bearer_result br;
    if (bearer_load(req, &br) != DB_OK) {
        view_unavailable(req);
        return false;
    }
    if (br != BEARER_OK) {
        req->session = NULL;
        bearer_refuse(req, 401, "invalid_token", "invalid_token",
                      "This API token is not valid: it is malformed, unknown, expired or "
                      "revoked.");
        return false;
    }
    const char *action = "token.request";
    if (!(req->route->flags & ROUTE_TOKEN)) {
        action = "token.refused";
        bearer_refuse(req, 403, "insufficient_scope", "token_not_accepted",
                      "This address cannot be used with an API token. Sign in instead.");
    } else if (unsafe(req->method) && req->session->token_read_only) {
        action = "token.refused";
        bearer_refuse(req, 403, "insufficient_scope", "read_only_token",
                      "This API token may only read. Make a read-write token to change data.");
    }
    if (audit(req, action, "api_token", req->session->token_id, 0) != DB_OK) {
        view_unavailable(req);
        return false;
    }
    return strcmp(action, "token.request") == 0;
}

/* The routes a person who must still enrol in two-step sign-in may reach
 * (besides the public ones): their account, enrolment, signing out. */
static bool enrolment_route(const struct route *r)
{
    static const enum route_id allowed[] = {
        R_ACCOUNT,
        R_ACCOUNT_PASSWORD,
        R_ACCOUNT_END_OTHERS,
        R_ACCOUNT_SESSION_END,
        R_TWO_STEP_START,
        R_TWO_STEP_CONFIRM,
        R_LOGOUT,
        R_SESSION,
    };
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (r == &app_routes[allowed[i]])
            return true;
    return false;
}

bool app_guard(struct request *req)
{
    if (keys_refuse_write(req))
        return false;
    if (req->route->flags & ROUTE_NO_SESSION) {
        /* Links that are their own credential (a reminder's stop link) and
         * the health checks read no session, and no API token either. */
        if (!(req->route->flags & ROUTE_NO_API) && bearer_present(req)) {
            bearer_refuse(req, 403, "insufficient_scope", "token_not_accepted",
                          "This address cannot be used with an API token.");
            return false;
        }
        return true;
    }
    /* A token in the address ends up in logs, history and Referer headers:
     * refused wherever it is sent, valid or not (RFC 6750 allows it; we
     * do not). */
    if (req_query(req, "access_token") != NULL) {
        bearer_refuse(req, 400, "invalid_request", "token_in_query",
                      "Send the API token in the Authorization header, never in the address.");
        return false;
    }
    if (bearer_present(req)) {
        if (!guard_bearer(req))
            return false;
    } else if (session_load(req) != DB_OK) {
        view_unavailable(req);
        return false;
    }
    /* A half-signed-in session (password accepted, code not yet) reaches
     * the code step and signing out, nothing else: this is the one place
     * that enforces it. */
    if (req->session != NULL && req->session->second_factor_pending &&
        req->route != &app_routes[R_LOGIN_CODE_FORM] && req->route != &app_routes[R_LOGIN_CODE] &&
        req->route != &app_routes[R_LOGOUT]) {
        if (req->want_json || (req->route->flags & ROUTE_JSON_ONLY))
            view_error(req, 403, "second_step_required",
                       "Enter the code from your authenticator app first.");
        else
            view_redirect(req, "/login/code");
        return false;
    }
    /* Where the policy requires two-step sign-in of this person's role and
     * they have not switched it on, they reach their account page (to enrol
     * or change their password) and signing out, nothing else: this is the
     * one place that enforces the policy (auth/policy.c decides it). */
    if (req->session != NULL && req->session->enrolment_required &&
        (req->route->roles != 0 || req->route == &app_routes[R_HOME]) &&
        !enrolment_route(req->route)) {
        if (req->want_json || (req->route->flags & ROUTE_JSON_ONLY))
            view_error(req, 403, "two_step_enrolment_required",
                       "Set up two-step sign-in on your account page first: it is required for "
                       "your role.");
        else
            view_redirect(req, "/account?need=two-step#two-step");
        return false;
    }
    /* A request authenticated by a token (guard_bearer) has no CSRF token
     * to check; every other unsafe request needs its session's. */
    bool by_token = req->session != NULL && req->session->token_id > 0;
    if (unsafe(req->method) && !by_token && !csrf_valid(req)) {
        view_error(req, 403, "csrf",
                   "This form has expired or did not come from this site. Go back, reload the "
                   "page and try again.");
        return false;
    }
    if (req->route->roles == 0)
        return true;
    const struct user *u = req->session ? req->session->user : NULL;
    if (u == NULL) {
        if (req->want_json || (req->route->flags & ROUTE_JSON_ONLY)) {
            view_error(req, 401, "signin_required", "Please sign in.");
            if (req->api) /* scripts: a token is the other way in */
                req->view.www_auth = "Bearer realm=\"interlude\"";
        } else
            view_redirect(req, "/login");
        return false;
    }
    if (!(req->route->roles & u->role)) {
        view_error(req, 403, "forbidden", "This page is not part of your account.");
        return false;
    }
    return true;
}

static json_t *nav_item(const char *href, const char *label)
{
    return json_pack("{s:s, s:s}", "href", href, "label", label);
}

void app_decorate(struct request *req, json_t *data)
{
    const struct session *s = req->session;
    /* A half-signed-in session gets no navigation (login_code.html has its
     * own sign-out button). */
    const struct user *u = s && !s->second_factor_pending ? s->user : NULL;
    if (s != NULL)
        json_object_set_new(data, "csrf", json_string(s->csrf));
    json_t *nav = json_array();
    if (u == NULL) {
        json_array_append_new(nav, nav_item("/login", "Sign in"));
    } else if (s->enrolment_required) {
        /* Only the account page is open until two-step sign-in is set up. */
        json_object_set_new(
            data, "user",
            json_pack("{s:s, s:s}", "display_name", u->display_name, "role", role_name(u->role)));
        json_array_append_new(nav, nav_item("/account", "Account"));
    } else {
        json_object_set_new(data, "user",
                            json_pack("{s:s, s:s, s:b, s:b, s:b}", "display_name", u->display_name,
                                      "role", role_name(u->role), "is_admin", u->role == ROLE_ADMIN,
                                      "is_therapist", u->role == ROLE_THERAPIST, "is_client",
                                      u->role == ROLE_CLIENT));
        if (u->role == ROLE_ADMIN) {
            json_array_append_new(nav, nav_item("/admin/users", "People"));
            json_array_append_new(nav, nav_item("/admin/audit", "Audit log"));
            json_array_append_new(nav, nav_item("/admin/support", "Crisis contacts"));
            json_array_append_new(nav, nav_item("/admin/mail", "Mail"));
            json_array_append_new(nav, nav_item("/admin/security", "Security"));
        } else if (u->role == ROLE_THERAPIST) {
            json_array_append_new(nav, nav_item("/clients", "Clients"));
            json_array_append_new(nav, nav_item("/library", "Library"));
        } else {
            json_array_append_new(nav, nav_item("/", "Homework"));
            json_array_append_new(nav, nav_item("/progress", "Progress"));
            /* A neutral page to leave for at once (see layout.html). */
            json_object_set_new(data, "quick_exit",
                                json_pack("{s:s, s:s}", "href", "https://www.bbc.com/weather",
                                          "label", "Leave quickly"));
        }
        json_array_append_new(nav, nav_item("/account", "Account"));
    }
    json_object_set_new(data, "nav", nav);
}
