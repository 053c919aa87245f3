/* formapi.c: GET /api/v1/forms/{version_id}, the form of one activity
 * version (its fields, labels, types, options), which a lean JSON entry
 * names instead of carrying it. A version never changes (a trigger refuses
 * UPDATE and DELETE), so the answer carries an ETag and may be kept by the
 * caller for a day; If-None-Match answers 304. Who may read it is decided by
 * access_form_version (auth/access.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/library.h"
#include "auth/auth.h"

/* One field as a client of the API reads it. The clinician's wording
 * (therapist_label) and the options' scoring weights are the therapist's
 * only. New reference. */
static json_t *field_out(const json_t *f, bool therapist)
{
    json_t *out = json_deep_copy(f);
    if (out == NULL || therapist)
        return out;
    json_object_del(out, "therapist_label");
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(out, "options"), i, o) json_object_del(o, "weight");
    return out;
}

void h_form_version(struct request *req)
{
    PGresult *row = NULL;
    if (access_form_version(req, req->ids[0], &row) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (row == NULL) {
        view_error(req, 404, "not_found", "There is no such form.");
        return;
    }
    bool therapist = req->session->user->role == ROLE_THERAPIST;
    /* The answer differs by role: so does its tag. */
    const char *etag = arena_printf(&req->arena, "\"v%s-%.16s-%c\"", db_text(row, 0, "id"),
                                    db_text(row, 0, "content_hash"), therapist ? 't' : 'c');
    const char *inm = req_header(req, "If-None-Match");
    if (inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) {
        PQclear(row);
        view_page(req, 304, NULL, json_object());
        req->view.etag = etag;
        req->view.cache = "private, max-age=86400";
        return;
    }
    long long vid = db_int(row, 0, "id");
    json_t *content = activity_version_content(vid, db_text(row, 0, "content"));
    const json_t *def = content != NULL ? activity_form(db_text(row, 0, "kind"), content) : NULL;
    if (def == NULL) {
        PQclear(row);
        json_decref(content);
        view_error(req, 500, "internal", "This form could not be read.");
        return;
    }
    json_t *fields = json_array();
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(def, "fields"), i, f)
        json_array_append_new(fields, field_out(f, therapist));
    /* The client reads the neutral title, as on their pages. */
    const json_t *client_title = json_object_get(content, "client_title");
    json_t *title = therapist || !json_is_string(client_title)
                        ? json_string(db_text(row, 0, "title"))
                        : json_string(json_string_value(client_title));
    json_t *data = json_pack("{s:I, s:i, s:o, s:o}", "id", (json_int_t)vid, "version",
                             (int)db_int(row, 0, "version"), "title", title, "fields", fields);
    if (therapist)
        json_object_set_new(data, "kind", json_string(db_text(row, 0, "kind")));
    PQclear(row);
    json_decref(content);
    view_page(req, 200, NULL, data);
    req->view.etag = etag;
    req->view.cache = "private, max-age=86400";
}
