/* export.c: a client's record as one download (issue 17, docs/EXPORT.md):
 * the client's own (GET /account/export) or, for a therapist of their care
 * team, one client's (GET /clients/{id}/export). "?format=fhir" gives the
 * same record as a FHIR R4 Bundle (type collection) instead of the
 * Interlude document. Decrypted, audited before anything is sent.
 *
 * Memory: the rows are read in pages (keyset on id) and each object is
 * serialised into the output as soon as it is made, so what is held besides
 * the output text is one page of rows and the forms of the versions used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/homework.h"
#include "app/library.h"
#include "auth/auth.h"
#include "crypto/box.h"
#include "forms/form.h"
#include "util/buf.h"

/* Rows per query page. */
#define PAGE 100
#define PAGE_TXT "100"

struct export
{
    struct request *req;
    long long client_id;
    bool fhir;
    struct buf out;
    bool first;              /* no item written yet in the current array */
    json_t *versions;        /* "version_id" -> {content, kind, activity_id, version, title} */
    const char *patient_ref; /* "Patient/client-<id>" */
};

/* Appends o (stolen) to the current array, a comma before all but the first. */
static bool put_item(struct export *x, json_t *o)
{
    if (o == NULL)
        return true;
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (s == NULL)
        return false;
    if (!x->first)
        buf_putc(&x->out, ',');
    x->first = false;
    buf_puts(&x->out, s);
    free(s);
    return true;
}

/* Opens array member name ("assignments") of the document. */
static void open_array(struct export *x, const char *name)
{
    buf_printf(&x->out, ",\"%s\":[", name);
    x->first = true;
}

static void idtxt(char out[24], long long id)
{
    snprintf(out, 24, "%lld", id);
}

static json_t *str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* One page of stmt ($1 client, $2 after this id); NULL on a database error. */
static PGresult *page(struct export *x, enum stmt_id stmt, long long after)
{
    char cid[24], aid[24];
    idtxt(cid, x->client_id);
    idtxt(aid, after);
    const char *params[] = {cid, aid};
    PGresult *res = NULL;
    if (db_exec(stmt, 2, params, &res) != DB_OK)
        return NULL;
    return res;
}

/* ---- the client ---- */

enum { P_NAME, P_EMAIL, P_ROLE, P_CREATED, P_ACTIVE, P_NOW };

static PGresult *load_profile(struct export *x, enum db_status *st)
{
    char cid[24];
    idtxt(cid, x->client_id);
    const char *params[] = {cid};
    PGresult *res = NULL;
    *st = db_exec(STMT_EXPORT_PROFILE, 1, params, &res);
    if (*st != DB_OK)
        return NULL;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return NULL;
    }
    return res;
}

/* ---- assignments and the versions they were given ---- */

enum {
    A_ID,
    A_ACTIVITY,
    A_VERSION_ID,
    A_VERSION,
    A_KIND,
    A_TITLE,
    A_CONTENT,
    A_START,
    A_DUE,
    A_TIMES,
    A_WEEKS,
    A_REPEAT,
    A_CANCELLED,
    A_CREATED,
    A_COUPLE,
    A_THERAPIST,
};

static const char *client_title(const json_t *content, const char *title)
{
    const char *ct = json_string_value(json_object_get(content, "client_title"));
    return ct != NULL && ct[strspn(ct, " \t\r\n")] != '\0' ? ct : title;
}

/* A copy of a version's content without its alerts' "message": the
 * clinician's wording stays with the clinician (docs/EXPORT.md); the
 * client_message the client was shown stays. New reference. */
static json_t *without_clinician_words(const json_t *content)
{
    json_t *c = json_deep_copy(content);
    json_t *forms[] = {c, json_object_get(c, "reflection")};
    for (size_t f = 0; f < 2; f++) {
        size_t i;
        json_t *al;
        json_array_foreach(json_object_get(forms[f], "alerts"), i, al)
        {
            if (json_is_object(al))
                json_object_del(al, "message");
        }
    }
    return c;
}

/* Writes the assignments (the Interlude document) or the Questionnaires of
 * the versions used (FHIR), and fills x->versions. */
static bool write_assignments(struct export *x)
{
    long long after = 0;
    for (;;) {
        PGresult *res = page(x, STMT_EXPORT_ASSIGNMENTS, after);
        if (res == NULL)
            return false;
        int n = PQntuples(res);
        for (int r = 0; r < n; r++) {
            after = atoll(PQgetvalue(res, r, A_ID));
            long long vid = atoll(PQgetvalue(res, r, A_VERSION_ID));
            const char *vkey = PQgetvalue(res, r, A_VERSION_ID);
            const char *title = PQgetvalue(res, r, A_TITLE);
            json_t *content = activity_version_content(vid, PQgetvalue(res, r, A_CONTENT));
            if (content == NULL) {
                PQclear(res);
                return false;
            }
            bool seen = json_object_get(x->versions, vkey) != NULL;
            if (!seen)
                json_object_set_new(x->versions, vkey,
                                    json_pack("{s:O, s:s, s:I, s:i, s:s}", "content", content,
                                              "kind", PQgetvalue(res, r, A_KIND), "activity_id",
                                              (json_int_t)atoll(PQgetvalue(res, r, A_ACTIVITY)),
                                              "version", atoi(PQgetvalue(res, r, A_VERSION)),
                                              "title", title));
            json_t *item = NULL;
            if (!x->fhir) {
                item = json_pack(
                    "{s:I, s:I, s:I, s:i, s:s, s:s, s:s, s:s, s:o, s:i, s:i, s:i, s:o, s:s, "
                    "s:b, s:s, s:o}",
                    "id", (json_int_t)after, "activity_id",
                    (json_int_t)atoll(PQgetvalue(res, r, A_ACTIVITY)), "version_id",
                    (json_int_t)vid, "version", atoi(PQgetvalue(res, r, A_VERSION)), "kind",
                    PQgetvalue(res, r, A_KIND), "title", title, "client_title",
                    client_title(content, title), "start_date", PQgetvalue(res, r, A_START),
                    "due_date", str_or_null(PQgetvalue(res, r, A_DUE)), "times_per_week",
                    atoi(PQgetvalue(res, r, A_TIMES)), "weeks", atoi(PQgetvalue(res, r, A_WEEKS)),
                    "repeat_days", atoi(PQgetvalue(res, r, A_REPEAT)), "cancelled_at",
                    str_or_null(PQgetvalue(res, r, A_CANCELLED)), "assigned_at",
                    PQgetvalue(res, r, A_CREATED), "couple",
                    atoll(PQgetvalue(res, r, A_COUPLE)) > 0, "therapist",
                    PQgetvalue(res, r, A_THERAPIST), "content", without_clinician_words(content));
            } else if (!seen) {
                const json_t *form = activity_form(PQgetvalue(res, r, A_KIND), content);
                char id[64], version[16];
                snprintf(id, sizeof(id), "interlude-%s-%s", PQgetvalue(res, r, A_ACTIVITY),
                         PQgetvalue(res, r, A_VERSION));
                snprintf(version, sizeof(version), "%s", PQgetvalue(res, r, A_VERSION));
                json_t *q = form != NULL ? form_fhir_questionnaire(form, id, title, version) : NULL;
                if (q != NULL)
                    item = json_pack("{s:o}", "resource", q);
            }
            json_decref(content);
            if (!put_item(x, item)) {
                PQclear(res);
                return false;
            }
        }
        PQclear(res);
        if (n < PAGE)
            return true;
    }
}

/* ---- entries ---- */

enum {
    E_ID,
    E_ASSIGNMENT,
    E_VERSION_ID,
    E_ANSWERS,
    E_SUBMITTED,
    E_SHARED,
    E_CORRECTS,
    E_REVIEWED,
};

static json_t *entry_item(struct export *x, const PGresult *res, int r)
{
    long long id = atoll(PQgetvalue(res, r, E_ID));
    long long assignment = atoll(PQgetvalue(res, r, E_ASSIGNMENT));
    json_t *answers = homework_open_answers(res, r, E_ANSWERS, x->client_id, assignment);
    const json_t *v = json_object_get(x->versions, PQgetvalue(res, r, E_VERSION_ID));
    const json_t *form = v != NULL ? activity_form(json_string_value(json_object_get(v, "kind")),
                                                   json_object_get(v, "content"))
                                   : NULL;
    const char *submitted = PQgetvalue(res, r, E_SUBMITTED);
    if (x->fhir) {
        if (answers == NULL || form == NULL)
            return NULL; /* nothing readable to say */
        char ref[80];
        snprintf(ref, sizeof(ref), "Questionnaire/interlude-%lld-%lld",
                 (long long)json_integer_value(json_object_get(v, "activity_id")),
                 (long long)json_integer_value(json_object_get(v, "version")));
        json_t *qr = form_fhir_response(form, answers, ref, "completed", submitted);
        json_decref(answers);
        if (qr == NULL)
            return NULL;
        json_object_set_new(qr, "id", json_string(arena_printf(&x->req->arena, "entry-%lld", id)));
        json_object_set_new(qr, "subject", json_pack("{s:s}", "reference", x->patient_ref));
        json_object_set_new(qr, "author", json_pack("{s:s}", "reference", x->patient_ref));
        json_object_set_new(qr, "source", json_pack("{s:s}", "reference", x->patient_ref));
        return json_pack("{s:o}", "resource", qr);
    }
    json_t *score = answers != NULL && form != NULL ? form_score(form, answers) : NULL;
    if (score != NULL)
        json_object_del(score, "alerts"); /* the clinician's wording (docs/EXPORT.md) */
    long long corrects = atoll(PQgetvalue(res, r, E_CORRECTS));
    return json_pack("{s:I, s:I, s:s, s:o, s:b, s:o, s:o, s:b, s:o}", "id", (json_int_t)id,
                     "assignment_id", (json_int_t)assignment, "submitted_at", submitted,
                     "corrects_entry_id", corrects > 0 ? json_integer(corrects) : json_null(),
                     "shared_with_partner", PQgetvalue(res, r, E_SHARED)[0] == 't', "reviewed_at",
                     str_or_null(PQgetvalue(res, r, E_REVIEWED)), "answers",
                     answers != NULL ? answers : json_null(), "unreadable", answers == NULL,
                     "score", score != NULL ? score : json_null());
}

static bool write_entries(struct export *x)
{
    long long after = 0;
    for (;;) {
        PGresult *res = page(x, STMT_EXPORT_ENTRIES, after);
        if (res == NULL)
            return false;
        int n = PQntuples(res);
        for (int r = 0; r < n; r++) {
            after = atoll(PQgetvalue(res, r, E_ID));
            if (!put_item(x, entry_item(x, res, r))) {
                PQclear(res);
                return false;
            }
        }
        PQclear(res);
        if (n < PAGE)
            return true;
    }
}

/* ---- replies ---- */

enum { C_ID, C_ENTRY, C_AUTHOR, C_NAME, C_ROLE, C_BODY, C_CREATED };

static bool write_replies(struct export *x)
{
    long long after = 0;
    for (;;) {
        PGresult *res = page(x, STMT_EXPORT_COMMENTS, after);
        if (res == NULL)
            return false;
        int n = PQntuples(res);
        for (int r = 0; r < n; r++) {
            after = atoll(PQgetvalue(res, r, C_ID));
            long long entry = atoll(PQgetvalue(res, r, C_ENTRY));
            long long author = atoll(PQgetvalue(res, r, C_AUTHOR));
            char aad[64];
            snprintf(aad, sizeof(aad), "comment:%lld:%lld", entry, author);
            char *body = box_open_pq(res, r, C_BODY, aad);
            json_t *item = json_pack(
                "{s:I, s:I, s:s, s:s, s:b, s:s, s:o, s:b}", "id", (json_int_t)after, "entry_id",
                (json_int_t)entry, "author", PQgetvalue(res, r, C_NAME), "author_role",
                PQgetvalue(res, r, C_ROLE), "from_client", author == x->client_id, "created_at",
                PQgetvalue(res, r, C_CREATED), "body",
                body != NULL ? json_string(body) : json_null(), "unreadable", body == NULL);
            homework_secret_free(body);
            if (!put_item(x, item)) {
                PQclear(res);
                return false;
            }
        }
        PQclear(res);
        if (n < PAGE)
            return true;
    }
}

/* ---- attention items ---- */

enum { I_ID, I_KIND, I_ASSIGNMENT, I_ENTRY, I_RAISED, I_ACKED };

static bool write_attention(struct export *x)
{
    long long after = 0;
    for (;;) {
        PGresult *res = page(x, STMT_EXPORT_ATTENTION, after);
        if (res == NULL)
            return false;
        int n = PQntuples(res);
        for (int r = 0; r < n; r++) {
            after = atoll(PQgetvalue(res, r, I_ID));
            long long entry = atoll(PQgetvalue(res, r, I_ENTRY));
            json_t *item = json_pack("{s:I, s:s, s:I, s:o, s:s, s:o}", "id", (json_int_t)after,
                                     "kind", PQgetvalue(res, r, I_KIND), "assignment_id",
                                     (json_int_t)atoll(PQgetvalue(res, r, I_ASSIGNMENT)),
                                     "entry_id", entry > 0 ? json_integer(entry) : json_null(),
                                     "raised_at", PQgetvalue(res, r, I_RAISED), "acknowledged_at",
                                     str_or_null(PQgetvalue(res, r, I_ACKED)));
            if (!put_item(x, item)) {
                PQclear(res);
                return false;
            }
        }
        PQclear(res);
        if (n < PAGE)
            return true;
    }
}

/* ---- the document ---- */

/* Writes the head object (stolen) without its closing brace. */
static bool open_document(struct export *x, json_t *head)
{
    char *s = json_dumps(head, JSON_COMPACT);
    json_decref(head);
    if (s == NULL)
        return false;
    size_t n = strlen(s);
    buf_append(&x->out, s, n - 1);
    free(s);
    return true;
}

static bool build(struct export *x, const PGresult *p)
{
    const char *now = PQgetvalue(p, 0, P_NOW);
    if (x->fhir) {
        json_t *head = json_pack("{s:s, s:s, s:s}", "resourceType", "Bundle", "type", "collection",
                                 "timestamp", now);
        if (!open_document(x, head))
            return false;
        open_array(x, "entry");
        json_t *patient = json_pack(
            "{s:s, s:s, s:b, s:[{s:s}], s:[{s:s, s:s}]}", "resourceType", "Patient", "id",
            arena_printf(&x->req->arena, "client-%lld", x->client_id), "active",
            PQgetvalue(p, 0, P_ACTIVE)[0] == 't', "name", "text", PQgetvalue(p, 0, P_NAME),
            "telecom", "system", "email", "value", PQgetvalue(p, 0, P_EMAIL));
        if (!put_item(x, json_pack("{s:o}", "resource", patient)) || !write_assignments(x) ||
            !write_entries(x))
            return false;
        buf_puts(&x->out, "]}");
        return true;
    }
    json_t *head =
        json_pack("{s:s, s:i, s:s, s:{s:I, s:s, s:s, s:s, s:s, s:b}}", "format", "interlude-export",
                  "version", 1, "exported_at", now, "client", "id", (json_int_t)x->client_id,
                  "name", PQgetvalue(p, 0, P_NAME), "email", PQgetvalue(p, 0, P_EMAIL), "role",
                  PQgetvalue(p, 0, P_ROLE), "created_at", PQgetvalue(p, 0, P_CREATED), "active",
                  PQgetvalue(p, 0, P_ACTIVE)[0] == 't');
    if (!open_document(x, head))
        return false;
    open_array(x, "assignments");
    if (!write_assignments(x))
        return false;
    buf_putc(&x->out, ']');
    open_array(x, "entries");
    if (!write_entries(x))
        return false;
    buf_putc(&x->out, ']');
    open_array(x, "replies");
    if (!write_replies(x))
        return false;
    buf_putc(&x->out, ']');
    open_array(x, "attention");
    if (!write_attention(x))
        return false;
    buf_puts(&x->out, "]}");
    return true;
}

/* Answers the export of client_id (access already decided). */
static void export_client(struct request *req, long long client_id, const char *action)
{
    const char *format = req_query(req, "format");
    bool fhir = format != NULL && strcmp(format, "fhir") == 0;
    if (format != NULL && !fhir && strcmp(format, "interlude") != 0) {
        view_error(req, 400, "bad_request",
                   "The format is \"interlude\" (the default) or \"fhir\".");
        return;
    }
    struct export x = {.req = req,
                       .client_id = client_id,
                       .fhir = fhir,
                       .out = BUF_INIT,
                       .first = true,
                       .versions = json_object(),
                       .patient_ref = arena_printf(&req->arena, "Patient/client-%lld", client_id)};
    enum db_status st;
    PGresult *p = load_profile(&x, &st);
    if (p == NULL) {
        json_decref(x.versions);
        if (st != DB_OK)
            view_unavailable(req);
        else
            homework_not_found(req);
        return;
    }
    /* No audit row, no content. */
    if (audit(req, action, "user", client_id, client_id) != DB_OK) {
        PQclear(p);
        json_decref(x.versions);
        view_unavailable(req);
        return;
    }
    bool ok = build(&x, p);
    char day[11];
    snprintf(day, sizeof(day), "%s", PQgetvalue(p, 0, P_NOW));
    PQclear(p);
    json_decref(x.versions);
    if (!ok) {
        buf_free(&x.out);
        view_unavailable(req);
        return;
    }
    req->view.kind = VIEW_TEXT;
    req->view.status = 200;
    req->view.text = arena_strndup(&req->arena, buf_cstr(&x.out), x.out.len);
    req->view.text_type =
        fhir ? "application/fhir+json; charset=utf-8" : "application/json; charset=utf-8";
    /* A neutral name: nothing in it says what the file holds. */
    req->view.download = arena_printf(&req->arena, "%s-%s%s.json",
                                      strcmp(action, "export.self") == 0 ? "my-data" : "record",
                                      day, fhir ? "-fhir" : "");
    buf_free(&x.out);
}

void h_account_export(struct request *req)
{
    export_client(req, req->session->user->id, "export.self");
}

void h_client_export(struct request *req)
{
    bool allowed = false;
    if (access_is_my_client(req, req->ids[0], &allowed) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (!allowed) {
        homework_not_found(req);
        return;
    }
    export_client(req, req->ids[0], "export.client");
}
