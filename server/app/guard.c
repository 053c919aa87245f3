/* guard.c: what runs before every handler (session, CSRF, role) and what
 * every HTML page gets (user, CSRF token, navigation). */
#include "app/app.h"
#include "auth/auth.h"

static bool unsafe(enum http_method m)
{
    return m == HTTP_POST || m == HTTP_PUT || m == HTTP_PATCH || m == HTTP_DELETE;
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
    if (req->route->flags & ROUTE_NO_SESSION)
        return true;
    if (session_load(req) != DB_OK) {
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
    if (unsafe(req->method) && !csrf_valid(req)) {
        view_error(req, 403, "csrf",
                   "This form has expired or did not come from this site. Go back, reload the "
                   "page and try again.");
        return false;
    }
    if (req->route->roles == 0)
        return true;
    const struct user *u = req->session ? req->session->user : NULL;
    if (u == NULL) {
        if (req->want_json || (req->route->flags & ROUTE_JSON_ONLY))
            view_error(req, 401, "signin_required", "Please sign in.");
        else
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
