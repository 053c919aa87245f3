/* routes.c: the one table of routes. Read it to know where everything lives.
 * ROUTE_HEAVY marks handlers that hash passwords: they run on a small worker
 * pool, never on the HTTP threads, so a burst of sign-ins cannot stall pages.
 * .roles lists who may call a route (0: anyone); the guard (guard.c) checks
 * it, and the CSRF token on every POST, before the handler runs. Handlers
 * check access to each object themselves (auth/access.c). */
#include "app/app.h"
#include "auth/auth.h"

#define GET HTTP_GET
#define POST HTTP_POST

const struct route app_routes[R__MAX] = {
    [R_HOME] = {.method = GET, .pattern = "/", .handler = h_home},
    [R_HEALTHZ] = {.method = GET,
                   .pattern = "/healthz",
                   .handler = h_healthz,
                   .flags = ROUTE_JSON_ONLY | ROUTE_NO_API | ROUTE_NO_SESSION},
    [R_READYZ] = {.method = GET,
                  .pattern = "/readyz",
                  .handler = h_readyz,
                  .flags = ROUTE_JSON_ONLY | ROUTE_NO_API | ROUTE_NO_SESSION},

    /* login.c */
    [R_LOGIN_FORM] = {.method = GET, .pattern = "/login", .handler = h_login_form},
    [R_LOGIN] = {.method = POST, .pattern = "/login", .handler = h_login, .flags = ROUTE_HEAVY},
    [R_LOGOUT] = {.method = POST, .pattern = "/logout", .handler = h_logout},
    [R_SESSION] = {.method = GET,
                   .pattern = "/session",
                   .handler = h_session,
                   .flags = ROUTE_JSON_ONLY},

    /* setup.c */
    [R_SETUP_FORM] = {.method = GET, .pattern = "/setup/{token}", .handler = h_setup_form},
    [R_SETUP] = {.method = POST,
                 .pattern = "/setup/{token}",
                 .handler = h_setup,
                 .flags = ROUTE_HEAVY},

    /* account.c */
    [R_ACCOUNT] = {.method = GET, .pattern = "/account", .handler = h_account, .roles = ROLE_ANY},
    [R_ACCOUNT_PASSWORD] = {.method = POST,
                            .pattern = "/account/password",
                            .handler = h_account_password,
                            .roles = ROLE_ANY,
                            .flags = ROUTE_HEAVY},
    [R_ACCOUNT_END_OTHERS] = {.method = POST,
                              .pattern = "/account/sessions/end-others",
                              .handler = h_account_end_others,
                              .roles = ROLE_ANY},

    /* admin.c */
    [R_ADMIN_USERS] = {.method = GET,
                       .pattern = "/admin/users",
                       .handler = h_admin_users,
                       .roles = ROLE_ADMIN},
    [R_ADMIN_INVITE] = {.method = POST,
                        .pattern = "/admin/invites",
                        .handler = h_admin_invite,
                        .roles = ROLE_ADMIN},
    [R_ADMIN_USER_DISABLE] = {.method = POST,
                              .pattern = "/admin/users/{id}/disable",
                              .handler = h_admin_user_disable,
                              .roles = ROLE_ADMIN},
    [R_ADMIN_USER_ENABLE] = {.method = POST,
                             .pattern = "/admin/users/{id}/enable",
                             .handler = h_admin_user_enable,
                             .roles = ROLE_ADMIN},
    [R_ADMIN_USER_RESET_LINK] = {.method = POST,
                                 .pattern = "/admin/users/{id}/reset-link",
                                 .handler = h_admin_user_reset_link,
                                 .roles = ROLE_ADMIN},
    [R_ADMIN_AUDIT] = {.method = GET,
                       .pattern = "/admin/audit",
                       .handler = h_admin_audit,
                       .roles = ROLE_ADMIN},
    /* reset.c: public, the link is the credential */
    [R_RESET_FORM] = {.method = GET, .pattern = "/reset/{token}", .handler = h_reset_form},
    [R_RESET] = {.method = POST,
                 .pattern = "/reset/{token}",
                 .handler = h_reset,
                 .flags = ROUTE_HEAVY},
    /* @admin-table */

    /* clients.c, invites.c */
    [R_CLIENTS] = {.method = GET,
                   .pattern = "/clients",
                   .handler = h_clients,
                   .roles = ROLE_THERAPIST},
    [R_CLIENT_INVITE] = {.method = POST,
                         .pattern = "/clients/invites",
                         .handler = h_client_invite,
                         .roles = ROLE_THERAPIST},
    [R_COUPLE_CREATE] = {.method = POST,
                         .pattern = "/couples",
                         .handler = h_couple_create,
                         .roles = ROLE_THERAPIST},
    [R_CLIENT] = {.method = GET,
                  .pattern = "/clients/{id}",
                  .handler = h_client,
                  .roles = ROLE_THERAPIST},
    [R_INVITE_REVOKE] = {.method = POST,
                         .pattern = "/invites/{id}/revoke",
                         .handler = h_invite_revoke,
                         .roles = ROLE_THERAPIST | ROLE_ADMIN},
    [R_INVITE_FORM] = {.method = GET, .pattern = "/invite/{token}", .handler = h_invite_form},
    [R_INVITE_ACCEPT] = {.method = POST,
                         .pattern = "/invite/{token}",
                         .handler = h_invite_accept,
                         .flags = ROUTE_HEAVY},
    /* @therapist-table */
};
