/* security.c: the installation's security settings an admin sets on
 * /admin/security: who must use two-step sign-in (therapists, admins, both
 * or nobody; clients may always choose it). The policy word is stored in
 * app_meta (migrations/0012_two_step_policy.sql), read for every request
 * by session.c and enforced by the guard (guard.c). Changes are audited;
 * `interlude policy --two-step WORD` does the same from the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"

static const char security_title[] = "Security";

/* The stored word, malloc'd ("both" when there is no row, as policy.c
 * reads it); NULL when the database failed. */
static char *policy_get(void)
{
    PGresult *res = NULL;
    struct db_args none = {0};
    if (db_run(STMT_TWO_STEP_POLICY_GET, &none, &res) != DB_OK)
        return NULL;
    const char *v = PQntuples(res) == 1 ? db_text(res, 0, "two_step_policy") : NULL;
    char *out = strdup(two_step_policy_name(two_step_policy_roles(v)));
    PQclear(res);
    return out;
}

/* The page (form: what was posted and its message, or NULL). */
static void security_page(struct request *req, int status, json_t *form)
{
    char *word = policy_get();
    if (word == NULL) {
        json_decref(form);
        view_unavailable(req);
        return;
    }
    unsigned roles = two_step_policy_roles(word);
    json_t *data = form != NULL ? form : form_new();
    json_object_set_new(data, "title", json_string(security_title));
    json_object_set_new(data, "two_step_required", json_string(word));
    json_object_set_new(data, "therapists", json_boolean(roles & ROLE_THERAPIST));
    json_object_set_new(data, "admins", json_boolean(roles & ROLE_ADMIN));
    /* Which radio button is checked: what was posted, else what is stored. */
    const char *chosen = json_string_value(
        json_object_get(json_object_get(json_object_get(data, "fields"), "two_step"), "value"));
    if (!two_step_policy_valid(chosen))
        chosen = word;
    json_object_set_new(data, arena_printf(&req->arena, "is_%s", chosen), json_true());
    const char *done = req_query(req, "done");
    if (done != NULL && strcmp(done, "saved") == 0)
        json_object_set_new(data, "notice", json_string("The setting was saved."));
    free(word);
    view_page(req, status, "admin_security", data);
}

void h_admin_security(struct request *req)
{
    security_page(req, 200, NULL);
}

struct policy_ctx {
    struct request *req;
    long long actor; /* 0 from the command line */
    const char *word;
    bool changed;
};

static enum db_status policy_tx(void *arg)
{
    struct policy_ctx *c = arg;
    struct db_args a = {0};
    db_arg_text(&a, c->word);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_TWO_STEP_POLICY_SET, &a, &res);
    if (st != DB_OK)
        return st;
    const char *previous = db_text_or_null(res, 0, "previous_value");
    c->changed = previous == NULL || strcmp(previous, c->word) != 0;
    PQclear(res);
    if (!c->changed)
        return DB_OK;
    /* The audit log holds no free text: the new word is in the action. */
    char action[64];
    snprintf(action, sizeof(action), "settings.two_step_required_%s", c->word);
    return audit_as(c->req, c->actor, action, "settings", 0, 0);
}

void h_admin_security_save(struct request *req)
{
    const char *word = req_form(req, "two_step");
    if (!two_step_policy_valid(word)) {
        json_t *form = form_new();
        form_error(form, "two_step",
                   "Choose who must use two-step sign-in: nobody, therapists, administrators, "
                   "or therapists and administrators.");
        if (req->want_json) {
            view_form_errors(req, "admin_security", security_title, form);
            return;
        }
        security_page(req, 422, form);
        return;
    }
    struct policy_ctx c = {.req = req, .actor = req->session->user->id, .word = word};
    if (db_tx(policy_tx, &c) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(
            req, 200, NULL,
            json_pack("{s:b, s:s, s:b}", "ok", 1, "two_step_required", word, "changed", c.changed));
    else
        view_redirect(req, "/admin/security?done=saved");
}

int security_policy_cli(const char *word, FILE *out)
{
    if (word == NULL) {
        char *now = policy_get();
        if (now == NULL)
            return 4;
        fprintf(out, "two-step sign-in required for: %s\n", now);
        free(now);
        return 0;
    }
    if (!two_step_policy_valid(word))
        return 2;
    struct policy_ctx c = {.req = NULL, .actor = 0, .word = word};
    if (db_tx(policy_tx, &c) != DB_OK)
        return 4;
    fprintf(out, "two-step sign-in required for: %s%s\n", word, c.changed ? "" : " (unchanged)");
    return 0;
}
