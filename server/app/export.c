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

static json_t *str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* One page of stmt ($1 client, $2 after this id); NULL on a database error. */
static PGresult *page(struct export *x, enum stmt_id stmt, long long after)
{
    struct db_args a = {0};
    db_arg_int(&a, x->client_id);
    db_arg_int(&a, after);
    PGresult *res = NULL;
    if (db_run(stmt, &a, &res) != DB_OK)
        return NULL;
    return res;
}

/* ---- the client ---- */

static PGresult *load_profile(struct export *x, enum db_status *st)
{
    struct db_args a = {0};
    db_arg_int(&a, x->client_id);
    PGresult *res = NULL;
    *st = db_run(STMT_EXPORT_PROFILE, &a, &res);
    if (*st != DB_OK)
        return NULL;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return NULL;
    }
    return res;
}

/* ---- assignments and the versions they were given ---- */

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
            after = db_int(res, r, "id");
            long long vid = db_int(res, r, "version_id");
            const char *vkey = db_text(res, r, "version_id");
            const char *title = db_text(res, r, "title");
            json_t *content = activity_version_content(vid, db_text(res, r, "content"));
            if (content == NULL) {
                PQclear(res);
                return false;
            }
            bool seen = json_object_get(x->versions, vkey) != NULL;
            if (!seen)
                json_object_set_new(x->versions, vkey,
                                    json_pack("{s:O, s:s, s:I, s:i, s:s}", "content", content,
                                              "kind", db_text(res, r, "kind"), "activity_id",
                                              (json_int_t)db_int(res, r, "activity_id"), "version",
                                              (int)db_int(res, r, "version"), "title", title));
            json_t *item = NULL;
            if (!x->fhir) {
                item = json_pack(
                    "{s:I, s:I, s:I, s:i, s:s, s:s, s:s, s:s, s:o, s:i, s:i, s:i, s:o, s:s, "
                    "s:b, s:s, s:o}",
                    "id", (json_int_t)after, "activity_id",
                    (json_int_t)db_int(res, r, "activity_id"), "version_id", (json_int_t)vid,
                    "version", (int)db_int(res, r, "version"), "kind", db_text(res, r, "kind"),
                    "title", title, "client_title", client_title(content, title), "start_date",
                    db_text(res, r, "start_date"), "due_date",
                    str_or_null(db_text(res, r, "due_date")), "times_per_week",
                    (int)db_int(res, r, "times_per_week"), "weeks", (int)db_int(res, r, "weeks"),
                    "repeat_days", (int)db_int(res, r, "repeat_days"), "cancelled_at",
                    str_or_null(db_text(res, r, "cancelled_at")), "assigned_at",
                    db_text(res, r, "assigned_at"), "couple", db_int(res, r, "couple_id") > 0,
                    "therapist", db_text(res, r, "display_name"), "content",
                    without_clinician_words(content));
            } else if (!seen) {
                const json_t *form = activity_form(db_text(res, r, "kind"), content);
                char id[64], version[16];
                snprintf(id, sizeof(id), "interlude-%s-%s", db_text(res, r, "activity_id"),
                         db_text(res, r, "version"));
                snprintf(version, sizeof(version), "%s", db_text(res, r, "version"));
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

static json_t *entry_item(struct export *x, const PGresult *res, int r)
{
    long long id = db_int(res, r, "id");
    long long assignment = db_int(res, r, "assignment_id");
    json_t *answers =
        homework_open_answers(res, r, db_col(res, "answers_enc"), x->client_id, assignment);
    const json_t *v = json_object_get(x->versions, db_text(res, r, "version_id"));
    const json_t *form = v != NULL ? activity_form(json_string_value(json_object_get(v, "kind")),
                                                   json_object_get(v, "content"))
                                   : NULL;
    const char *submitted = db_text(res, r, "submitted_at");
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
    long long corrects = db_int(res, r, "corrects_entry_id");
    return json_pack("{s:I, s:I, s:s, s:o, s:b, s:o, s:o, s:b, s:o}", "id", (json_int_t)id,
                     "assignment_id", (json_int_t)assignment, "submitted_at", submitted,
                     "corrects_entry_id", corrects > 0 ? json_integer(corrects) : json_null(),
                     "shared_with_partner", db_bool(res, r, "shared_with_partner"), "reviewed_at",
                     str_or_null(db_text(res, r, "reviewed_at")), "answers",
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
            after = db_int(res, r, "id");
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

static bool write_replies(struct export *x)
{
    long long after = 0;
    for (;;) {
        PGresult *res = page(x, STMT_EXPORT_COMMENTS, after);
        if (res == NULL)
            return false;
        int n = PQntuples(res);
        for (int r = 0; r < n; r++) {
            after = db_int(res, r, "id");
            long long entry = db_int(res, r, "entry_id");
            long long author = db_int(res, r, "author_id");
            char aad[64];
            snprintf(aad, sizeof(aad), "comment:%lld:%lld", entry, author);
            char *body = box_open_pq(res, r, db_col(res, "body_enc"), aad);
            json_t *item = json_pack(
                "{s:I, s:I, s:s, s:s, s:b, s:s, s:o, s:b}", "id", (json_int_t)after, "entry_id",
                (json_int_t)entry, "author", db_text(res, r, "display_name"), "author_role",
                db_text(res, r, "role"), "from_client", author == x->client_id, "created_at",
                db_text(res, r, "created_at"), "body",
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

static bool write_attention(struct export *x)
{
    long long after = 0;
    for (;;) {
        PGresult *res = page(x, STMT_EXPORT_ATTENTION, after);
        if (res == NULL)
            return false;
        int n = PQntuples(res);
        for (int r = 0; r < n; r++) {
            after = db_int(res, r, "id");
            long long entry = db_int(res, r, "entry_id");
            json_t *item = json_pack("{s:I, s:s, s:I, s:o, s:s, s:o}", "id", (json_int_t)after,
                                     "kind", db_text(res, r, "kind"), "assignment_id",
                                     (json_int_t)db_int(res, r, "assignment_id"), "entry_id",
                                     entry > 0 ? json_integer(entry) : json_null(), "raised_at",
                                     db_text(res, r, "raised_at"), "acknowledged_at",
                                     str_or_null(db_text(res, r, "acknowledged_at")));
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
    const char *now = db_text(p, 0, "exported_at");
    if (x->fhir) {
        json_t *head = json_pack("{s:s, s:s, s:s}", "resourceType", "Bundle", "type", "collection",
                                 "timestamp", now);
        if (!open_document(x, head))
            return false;
        open_array(x, "entry");
        json_t *patient =
            json_pack("{s:s, s:s, s:b, s:[{s:s}], s:[{s:s, s:s}]}", "resourceType", "Patient", "id",
                      arena_printf(&x->req->arena, "client-%lld", x->client_id), "active",
                      db_bool(p, 0, "active"), "name", "text", db_text(p, 0, "display_name"),
                      "telecom", "system", "email", "value", db_text(p, 0, "email"));
        if (!put_item(x, json_pack("{s:o}", "resource", patient)) || !write_assignments(x) ||
            !write_entries(x))
            return false;
        buf_puts(&x->out, "]}");
        return true;
    }
    json_t *head =
        json_pack("{s:s, s:i, s:s, s:{s:I, s:s, s:s, s:s, s:s, s:b}}", "format", "interlude-export",
                  "version", 1, "exported_at", now, "client", "id", (json_int_t)x->client_id,
                  "name", db_text(p, 0, "display_name"), "email", db_text(p, 0, "email"), "role",
                  db_text(p, 0, "role"), "created_at", db_text(p, 0, "created_at"), "active",
                  db_bool(p, 0, "active"));
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
    snprintf(day, sizeof(day), "%s", db_text(p, 0, "exported_at"));
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
