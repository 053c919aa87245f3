/* home.c: the front page: a welcome, or the signed-in person's start page. */
#include "app/app.h"
#include "app/homework.h"
#include "auth/auth.h"

void h_home(struct request *req)
{
    const struct user *u = req->session ? req->session->user : NULL;
    if (u == NULL) {
        view_page(req, 200, "home", json_pack("{s:s}", "title", "Welcome"));
        return;
    }
    if (u->role == ROLE_ADMIN) {
        view_redirect(req, "/admin/users");
        return;
    }
    if (u->role == ROLE_THERAPIST) {
        view_redirect(req, "/clients");
        return;
    }
    h_dashboard(req); /* app/homework.c */
}
