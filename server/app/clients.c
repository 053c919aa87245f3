/* clients.c: a therapist's clients: the list, client invitations, couples,
 * and one client's page. Every client shown is on the signed-in therapist's
 * care team; anything else is answered as if it did not exist. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/attention.h"
#include "app/page_form.h"
#include "auth/auth.h"

#define CLIENT_INVITE_SECONDS (7 * 24 * 3600)

static const char clients_title[] = "Clients";

/* The id a <select> posted: a positive decimal without sign, spaces or a
 * leading zero. Returns 0 when s is anything else (NULL included). */
static long long parse_id(const char *s)
{
    if (s == NULL || *s < '1' || *s > '9' || strlen(s) > 18)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    return errno == 0 ? v : 0;
}

static void not_found(struct request *req)
{
    /* The very answer of an unknown address: never confirm an id exists. */
    view_error(req, 404, "not_found", "There is no page at this address.");
}

/* Appends the rows of a result as objects: each key is the name of a
 * column and of its member; a key beginning with '#' is a number (the '#'
 * is dropped). */
static json_t *rows_to_array(PGresult *res, const char *const *keys, int nkeys)
{
    json_t *arr = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        json_t *o = json_object();
        for (int k = 0; k < nkeys; k++) {
            if (keys[k][0] == '#')
                json_object_set_new(o, keys[k] + 1, json_integer(db_int(res, r, keys[k] + 1)));
            else
                json_object_set_new(o, keys[k], json_string(db_text(res, r, keys[k])));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

/* The confirmation after assigning or changing homework: what (a sentence
 * without its full stop), then, when assignment (the ?assignment= of the
 * redirect) is in data's current or past list, its title, schedule and
 * status: "The homework was assigned: Mood questionnaire (PHQ-9), every 2
 * weeks from 2026-03-02 until 2026-05-25. Due today." In the arena. */
static const char *assignment_notice(struct request *req, const json_t *data, const char *what,
                                     const char *assignment)
{
    long long id = parse_id(assignment);
    const char *lists[] = {"current", "past"};
    for (size_t l = 0; id > 0 && l < 2; l++) {
        size_t i;
        const json_t *a;
        json_array_foreach(json_object_get(data, lists[l]), i, a)
        {
            if (json_integer_value(json_object_get(a, "id")) != id)
                continue;
            const char *title = json_string_value(json_object_get(a, "title"));
            const char *schedule = json_string_value(json_object_get(a, "schedule"));
            const char *label =
                json_string_value(json_object_get(json_object_get(a, "status"), "label"));
            if (title == NULL || schedule == NULL || label == NULL)
                break;
            char *sched = arena_strdup(&req->arena, schedule);
            if (sched[0] >= 'A' && sched[0] <= 'Z')
                sched[0] = (char)(sched[0] - 'A' + 'a');
            return arena_printf(&req->arena, "%s: %s, %s. %s.", what, title, sched, label);
        }
    }
    return arena_printf(&req->arena, "%s.", what);
}

/* The /clients page's data for the signed-in therapist: clients, couples,
 * pending invitations and the notice named by ?done=. form (stolen) is merged
 * in when given; sel_a/sel_b are the couple form's kept choices. Returns a
 * new object, or NULL on a database error (*st says which; form is freed). */
static json_t *clients_data(struct request *req, json_t *form, const char *sel_a, const char *sel_b,
                            enum db_status *st)
{
    struct db_args a = {0};
    db_arg_int(&a, req->session->user->id);
    PGresult *res = NULL;
    json_t *clients = NULL, *couples = NULL, *invites = NULL;

    if ((*st = db_run(STMT_THERAPIST_CLIENTS, &a, &res)) != DB_OK)
        goto fail;
    static const char *const client_keys[] = {"#id", "display_name", "email", "since"};
    clients = rows_to_array(res, client_keys, 4);
    PQclear(res);
    size_t i;
    json_t *c;
    json_array_foreach(clients, i, c)
    {
        char idtxt[24];
        snprintf(idtxt, sizeof(idtxt), "%lld",
                 (long long)json_integer_value(json_object_get(c, "id")));
        if (sel_a != NULL && strcmp(sel_a, idtxt) == 0)
            json_object_set_new(c, "selected_a", json_true());
        if (sel_b != NULL && strcmp(sel_b, idtxt) == 0)
            json_object_set_new(c, "selected_b", json_true());
    }

    if ((*st = db_run(STMT_THERAPIST_COUPLES, &a, &res)) != DB_OK)
        goto fail;
    static const char *const couple_keys[] = {"#id", "name_a", "name_b", "#partner_a",
                                              "#partner_b"};
    couples = rows_to_array(res, couple_keys, 5);
    PQclear(res);

    if ((*st = db_run(STMT_THERAPIST_INVITES, &a, &res)) != DB_OK)
        goto fail;
    static const char *const invite_keys[] = {"#id", "display_name", "email", "expires"};
    invites = rows_to_array(res, invite_keys, 4);
    PQclear(res);

    /* The caseload table: who needs attention first (assign.c). */
    json_t *caseload = assign_caseload(req);
    if (caseload == NULL) {
        *st = DB_UNAVAILABLE;
        goto fail;
    }
    size_t attention = 0;
    json_array_foreach(caseload, i, c)
    {
        if (json_is_true(json_object_get(c, "needs_attention")))
            attention++;
    }

    json_t *data = form != NULL ? form : json_object();
    json_object_set_new(data, "title", json_string(clients_title));
    json_object_set_new(data, "caseload", caseload);
    json_object_set_new(data, "attention_count", json_integer((json_int_t)attention));
    json_object_set_new(data, "has_clients", json_boolean(json_array_size(clients) > 0));
    json_object_set_new(data, "has_couples", json_boolean(json_array_size(couples) > 0));
    json_object_set_new(data, "has_invites", json_boolean(json_array_size(invites) > 0));
    json_object_set_new(data, "can_pair", json_boolean(json_array_size(clients) >= 2));
    json_object_set_new(data, "clients", clients);
    json_object_set_new(data, "couples", couples);
    json_object_set_new(data, "invites", invites);
    const char *done = req_query(req, "done");
    const char *notice = NULL;
    if (done != NULL && strcmp(done, "couple") == 0)
        notice = "The couple was created.";
    else if (done != NULL && strcmp(done, "revoked") == 0)
        notice = "The invitation was revoked. Its link no longer works.";
    if (notice != NULL)
        json_object_set_new(data, "notice", json_string(notice));
    return data;

fail:
    json_decref(clients);
    json_decref(couples);
    json_decref(invites);
    json_decref(form);
    return NULL;
}

/* Answers 422: the /clients page with form's messages (HTML), or the error
 * object (JSON). form is stolen. */
static void clients_form_errors(struct request *req, json_t *form, const char *sel_a,
                                const char *sel_b)
{
    if (req->want_json) {
        view_form_errors(req, "clients", clients_title, form);
        return;
    }
    enum db_status st;
    json_t *data = clients_data(req, form, sel_a, sel_b, &st);
    if (data == NULL) {
        view_unavailable(req);
        return;
    }
    view_page(req, 422, "clients", data);
}

/* 503 for the invitation form whose write failed: the /clients page with
 * the name and address as typed (view_not_saved). */
static void invite_not_saved(struct request *req, const char *name, const char *email)
{
    json_t *data = NULL;
    if (!req->want_json) {
        json_t *form = form_new();
        form_value(form, "display_name", name);
        form_value(form, "email", email);
        enum db_status st;
        data = clients_data(req, form, NULL, NULL, &st);
    }
    view_not_saved(req, "clients", data);
}

void h_clients(struct request *req)
{
    enum db_status st;
    json_t *data = clients_data(req, NULL, NULL, NULL, &st);
    if (data == NULL) {
        view_unavailable(req);
        return;
    }
    view_page(req, 200, "clients", data);
}

void h_client_invite(struct request *req)
{
    const struct user *me = req->session->user;
    const char *name = req_form(req, "display_name");
    const char *email = req_form(req, "email");
    json_t *form = form_new();
    form_value(form, "display_name", name);
    form_value(form, "email", email);
    const char *problem;
    if ((problem = check_display_name(name)) != NULL)
        form_error(form, "display_name", problem);
    if ((problem = check_email(email)) != NULL) {
        form_error(form, "email", problem);
    } else {
        struct db_args a_email = {0};
        db_arg_text(&a_email, email);
        PGresult *res = NULL;
        if (db_run(STMT_EMAIL_TAKEN, &a_email, &res) != DB_OK) {
            json_decref(form);
            view_unavailable(req);
            return;
        }
        bool taken = PQntuples(res) > 0;
        PQclear(res);
        if (taken)
            form_error(form, "email", "There is already an account with this e-mail address.");
    }
    if (form_has_errors(form)) {
        clients_form_errors(req, form, NULL, NULL);
        return;
    }
    json_decref(form);

    char token[TOKEN_LEN + 1], hash[67];
    token_new(token);
    token_hash_param(token, hash);
    struct db_args a_inv = {0}; /* STMT_INVITE_CREATE's seven */
    db_arg_text(&a_inv, hash);
    db_arg_text(&a_inv, "client");
    db_arg_text(&a_inv, email);
    db_arg_text(&a_inv, name);
    db_arg_int(&a_inv, me->id);
    db_arg_null(&a_inv);
    db_arg_int(&a_inv, (long long)CLIENT_INVITE_SECONDS);
    /* The token exists only here, in the page and in the sealed message:
     * it is never logged and only its hash is stored. */
    char *link = arena_printf(&req->arena, "%s/invite/%s", config_current->base_url, token);
    sodium_memzero(token, sizeof(token));
    long long invite_id = 0;
    enum mail_result mailed = MAIL_OFF;
    if (invite_create_mailed(&a_inv, email, link, CLIENT_INVITE_SECONDS / 86400, &invite_id,
                             &mailed) != DB_OK) {
        invite_not_saved(req, name, email);
        return;
    }
    audit(req, "invite.created", "invite", invite_id, 0);
    json_t *data = json_pack("{s:s, s:I, s:s, s:s, s:s, s:i}", "title", "Invitation link", "id",
                             (json_int_t)invite_id, "link", link, "display_name", name, "email",
                             email, "valid_days", CLIENT_INVITE_SECONDS / 86400);
    invite_mail_flags(data, mailed);
    view_page(req, 201, "invite_link", data);
}

void h_couple_create(struct request *req)
{
    const char *a_txt = req_form(req, "partner_a");
    const char *b_txt = req_form(req, "partner_b");
    long long a = parse_id(a_txt), b = parse_id(b_txt);
    json_t *form = form_new();
    form_value(form, "partner_a", a_txt);
    form_value(form, "partner_b", b_txt);

    static const char not_mine[] = "Choose one of your clients.";
    bool mine;
    if (a_txt == NULL || *a_txt == '\0') {
        form_error(form, "partner_a", "Choose the first person.");
    } else {
        if (access_is_my_client(req, a, &mine) != DB_OK)
            goto unavailable;
        if (!mine)
            form_error(form, "partner_a", not_mine);
    }
    if (b_txt == NULL || *b_txt == '\0') {
        form_error(form, "partner_b", "Choose the second person.");
    } else {
        if (access_is_my_client(req, b, &mine) != DB_OK)
            goto unavailable;
        if (!mine)
            form_error(form, "partner_b", not_mine);
    }
    if (!form_has_errors(form) && a == b)
        form_error(form, "partner_b", "Choose two different people.");
    if (form_has_errors(form)) {
        clients_form_errors(req, form, a_txt, b_txt);
        return;
    }

    /* Stored once per pair, the smaller id first (the table checks it). */
    struct db_args args = {0};
    db_arg_int(&args, req->session->user->id);
    db_arg_int(&args, a < b ? a : b);
    db_arg_int(&args, a < b ? b : a);
    PGresult *res = NULL;
    if (db_run(STMT_COUPLE_CREATE, &args, &res) != DB_OK)
        goto unavailable;
    long long couple_id = PQntuples(res) == 1 ? db_int(res, 0, "id") : 0;
    PQclear(res);
    if (couple_id == 0) {
        form_error(form, "partner_b", "These two people are already a couple.");
        clients_form_errors(req, form, a_txt, b_txt);
        return;
    }
    json_decref(form);
    audit(req, "couple.created", "couple", couple_id, 0);
    if (req->want_json)
        view_page(req, 201, NULL, json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)couple_id));
    else
        view_redirect(req, "/clients?done=couple");
    return;

unavailable:
    json_decref(form);
    view_unavailable(req);
}

void h_client(struct request *req)
{
    client_page(req, req->ids[0], 200, 0, NULL, NULL);
}

void client_page(struct request *req, long long client_id, int status, long long ack_item,
                 const char *ack_error, const char *ack_typed)
{
    bool mine;
    if (access_is_my_client(req, client_id, &mine) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (!mine) {
        not_found(req);
        return;
    }
    struct db_args a = {0};
    db_arg_int(&a, req->session->user->id);
    db_arg_int(&a, client_id);
    PGresult *res = NULL;
    if (db_run(STMT_THERAPIST_CLIENT, &a, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (PQntuples(res) != 1) { /* left the care team a moment ago */
        PQclear(res);
        not_found(req);
        return;
    }
    json_t *client = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)client_id, "display_name",
                               db_text(res, 0, "display_name"), "email", db_text(res, 0, "email"),
                               "since", db_text(res, 0, "since"));
    PQclear(res);
    if (db_run(STMT_THERAPIST_CLIENT_COUPLES, &a, &res) != DB_OK) {
        json_decref(client);
        view_unavailable(req);
        return;
    }
    static const char *const couple_keys[] = {"#id", "#partner_id", "partner_name"};
    json_t *couples = rows_to_array(res, couple_keys, 3);
    PQclear(res);
    /* Reading a client's record is itself recorded; without the record,
     * no reading. */
    if (audit(req, "client.viewed", "user", client_id, client_id) != DB_OK) {
        json_decref(client);
        json_decref(couples);
        view_unavailable(req);
        return;
    }
    /* The homework record shows the client's entries: recorded as such,
     * and without the record nothing is shown. */
    if (audit(req, "client.entries.viewed", "user", client_id, client_id) != DB_OK) {
        json_decref(client);
        json_decref(couples);
        view_unavailable(req);
        return;
    }
    /* A neutral title: the page's subject never goes into <title>. */
    json_t *data =
        json_pack("{s:s, s:o, s:o}", "title", "Client", "client", client, "couples", couples);
    if (!progress_collect(req, client_id, req->session->user->id, data)) {
        json_decref(data);
        view_unavailable(req);
        return;
    }
    json_t *attention = attention_client_items_err(req, client_id, ack_item, ack_error, ack_typed);
    if (attention == NULL) {
        json_decref(data);
        view_unavailable(req);
        return;
    }
    size_t nopen = 0, i;
    json_t *it;
    json_array_foreach(attention, i, it)
    {
        if (json_is_true(json_object_get(it, "open")))
            nopen++;
    }
    json_object_set_new(data, "attention", attention);
    json_object_set_new(data, "has_attention", json_boolean(json_array_size(attention) > 0));
    json_object_set_new(data, "open_attention", json_integer((json_int_t)nopen));
    const char *done = req_query(req, "done");
    const char *notice = NULL;
    if (done != NULL && strcmp(done, "acknowledged") == 0)
        notice = "Acknowledged. It stays in the list below for 30 days.";
    else if (done != NULL && strcmp(done, "assigned") == 0)
        notice =
            assignment_notice(req, data, "The homework was assigned", req_query(req, "assignment"));
    else if (done != NULL && strcmp(done, "changed") == 0)
        notice =
            assignment_notice(req, data, "The homework was changed", req_query(req, "assignment"));
    else if (done != NULL && strcmp(done, "cancelled") == 0)
        notice = "The homework was cancelled. Anything already written stays here.";
    if (notice != NULL)
        json_object_set_new(data, "notice", json_string(notice));
    view_page(req, status, "client", data);
}
