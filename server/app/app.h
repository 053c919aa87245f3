/* app.h: the handlers, one file per resource, and the table of routes. */
#ifndef INTERLUDE_APP_H
#define INTERLUDE_APP_H

#include "http/router.h"

/* Every route, indexed by name (routes.c). Tests enumerate this table
 * through `interlude routes`. */
enum route_id {
    R_HOME,
    R_HEALTHZ,
    R_READYZ,
    /* login.c */
    R_LOGIN_FORM,
    R_LOGIN,
    R_LOGOUT,
    R_SESSION,
    /* setup.c */
    R_SETUP_FORM,
    R_SETUP,
    /* account.c */
    R_ACCOUNT,
    R_ACCOUNT_PASSWORD,
    R_ACCOUNT_END_OTHERS,
    /* admin.c */
    R_ADMIN_USERS,
    R_ADMIN_INVITE,
    R_ADMIN_USER_DISABLE,
    R_ADMIN_USER_ENABLE,
    R_ADMIN_USER_RESET_LINK,
    R_ADMIN_AUDIT,
    /* reset.c */
    R_RESET_FORM,
    R_RESET,
    /* @admin-routes */
    /* clients.c, invites.c */
    R_CLIENTS,
    R_CLIENT_INVITE,
    R_COUPLE_CREATE,
    R_CLIENT,
    R_INVITE_REVOKE,
    R_INVITE_FORM,
    R_INVITE_ACCEPT,
    /* @therapist-routes */
    R__MAX
};

extern const struct route app_routes[R__MAX];

/* guard.c: sessions, CSRF and roles before every handler; page data. */
bool app_guard(struct request *req);
void app_decorate(struct request *req, json_t *data);

/* health.c */
void h_healthz(struct request *req);
void h_readyz(struct request *req);
/* Answers 503 with Retry-After, for when the database cannot be reached. */
void view_unavailable(struct request *req);

/* home.c */
void h_home(struct request *req);

/* login.c */
void h_login_form(struct request *req);
void h_login(struct request *req);
void h_logout(struct request *req);
void h_session(struct request *req);

/* setup.c */
void h_setup_form(struct request *req);
void h_setup(struct request *req);
/* At start: when no admin exists, logs a one-time /setup/<token> link. */
int setup_announce(const char *base_url);
/* `interlude create-admin --email E [--name N]`, password on stdin. */
int setup_create_admin(const char *email, const char *name, const char *password);

/* account.c */
void h_account(struct request *req);
void h_account_password(struct request *req);
void h_account_end_others(struct request *req);

/* admin.c */
void h_admin_users(struct request *req);
void h_admin_invite(struct request *req);
void h_admin_user_disable(struct request *req);
void h_admin_user_enable(struct request *req);
void h_admin_user_reset_link(struct request *req);
void h_admin_audit(struct request *req);
/* reset.c */
void h_reset_form(struct request *req);
void h_reset(struct request *req);
/* @admin-handlers */

/* clients.c, invites.c */
void h_clients(struct request *req);
void h_client_invite(struct request *req);
void h_couple_create(struct request *req);
void h_client(struct request *req);
void h_invite_revoke(struct request *req);
void h_invite_form(struct request *req);
void h_invite_accept(struct request *req);
/* @therapist-handlers */

#endif
