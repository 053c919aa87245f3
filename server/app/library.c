/* library.c: therapists browse and search the library of exercises, intake
 * forms and measures, open one, preview exactly what a client will see, and
 * download its form as a FHIR R4 Questionnaire. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/library.h"
#include "auth/auth.h"
#include "forms/form.h"

static const char *const kinds[] = {"exercise", "intake", "measure"};

static const char *kind_label(const char *kind)
{
    if (strcmp(kind, "intake") == 0)
        return "Intake form";
    if (strcmp(kind, "measure") == 0)
        return "Questionnaire";
    return "Exercise";
}

static const char *param_or_empty(const struct request *req, const char *key)
{
    const char *v = req_query(req, key);
    return v != NULL ? v : "";
}

void h_library(struct request *req)
{
    const struct user *u = req->session->user;
    const char *text = param_or_empty(req, "q");
    const char *category = param_or_empty(req, "category");
    const char *tag = param_or_empty(req, "tag");
    const char *kind = param_or_empty(req, "kind");
    if (strlen(text) > 200 || strlen(category) > 100 || strlen(tag) > 100) {
        view_error(req, 400, "bad_request", "The search is too long.");
        return;
    }
    bool kind_ok = *kind == '\0';
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        kind_ok = kind_ok || strcmp(kind, kinds[i]) == 0;
    if (!kind_ok) {
        view_error(req, 400, "bad_request", "Choose exercises, intake forms or questionnaires.");
        return;
    }
    char uid[24];
    snprintf(uid, sizeof(uid), "%lld", u->id);
    const char *params[] = {uid, text, category, tag, kind};
    PGresult *res = NULL;
    if (db_exec(STMT_LIBRARY_LIST, 5, params, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        const char *k = PQgetvalue(res, i, 1);
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
                             PQgetvalue(res, i, 0), "kind", k, "kind_label", kind_label(k),
                             "custom", strcmp(PQgetvalue(res, i, 2), "custom") == 0, "title",
                             PQgetvalue(res, i, 3), "category", PQgetvalue(res, i, 4), "summary",
                             PQgetvalue(res, i, 5), "tags", PQgetvalue(res, i, 6), "duration",
                             PQgetvalue(res, i, 7), "audience", PQgetvalue(res, i, 8)));
    }
    PQclear(res);

    const char *p_uid[] = {uid};
    if (db_exec(STMT_LIBRARY_FACETS, 1, p_uid, &res) != DB_OK) {
        json_decref(items);
        view_unavailable(req);
        return;
    }
    json_t *categories = json_array(), *tags = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        const char *value = PQgetvalue(res, i, 1);
        bool is_cat = strcmp(PQgetvalue(res, i, 0), "category") == 0;
        json_array_append_new(is_cat ? categories : tags,
                              json_pack("{s:s, s:b}", "value", value, "selected",
                                        strcmp(value, is_cat ? category : tag) == 0));
    }
    PQclear(res);
    json_t *kind_opts = json_array();
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        json_array_append_new(kind_opts, json_pack("{s:s, s:s, s:b}", "value", kinds[i], "label",
                                                   kind_label(kinds[i]), "selected",
                                                   strcmp(kind, kinds[i]) == 0));
    size_t count = json_array_size(items);
    view_page(req, 200, "library",
              json_pack("{s:s, s:o, s:i, s:b, s:{s:s, s:o, s:o, s:o}}", "title", "Library", "items",
                        items, "count", (int)count, "filtered", *text || *category || *tag || *kind,
                        "filter", "q", text, "categories", categories, "tags", tags, "kinds",
                        kind_opts));
}

/* Loads activity req->ids[0] if the therapist may see it. On failure the
 * view is set and NULL returned. *kind_out/title/version set on success. */
struct activity {
    json_t *content;
    char kind[16];
    bool custom, archived;
    long long version_id;
    int version;
    long long copied_from;
};

static bool load_activity(struct request *req, struct activity *a)
{
    char id[24], uid[24];
    snprintf(id, sizeof(id), "%lld", req->ids[0]);
    snprintf(uid, sizeof(uid), "%lld", req->session->user->id);
    const char *params[] = {id, uid};
    PGresult *res = NULL;
    if (db_exec(STMT_ACTIVITY_GET, 2, params, &res) != DB_OK) {
        view_unavailable(req);
        return false;
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        view_error(req, 404, "not_found", "There is no such item in your library.");
        return false;
    }
    snprintf(a->kind, sizeof(a->kind), "%s", PQgetvalue(res, 0, 1));
    a->custom = strcmp(PQgetvalue(res, 0, 2), "custom") == 0;
    a->archived = PQgetvalue(res, 0, 4)[0] == 't';
    a->version_id = atoll(PQgetvalue(res, 0, 5));
    a->version = atoi(PQgetvalue(res, 0, 6));
    a->content = activity_version_content(a->version_id, PQgetvalue(res, 0, 7));
    a->copied_from = atoll(PQgetvalue(res, 0, 9));
    PQclear(res);
    if (a->content == NULL) {
        view_error(req, 500, "internal", "This item could not be read.");
        return false;
    }
    return true;
}

void h_activity(struct request *req)
{
    struct activity a;
    if (!load_activity(req, &a))
        return;
    const json_t *def = activity_form(a.kind, a.content);
    char id[24];
    snprintf(id, sizeof(id), "%lld", req->ids[0]);
    const char *p_id[] = {id};
    PGresult *res = NULL;
    if (db_exec(STMT_ACTIVITY_VERSIONS, 1, p_id, &res) != DB_OK) {
        json_decref(a.content);
        view_unavailable(req);
        return;
    }
    json_t *versions = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(versions,
                              json_pack("{s:s, s:s, s:s}", "version", PQgetvalue(res, i, 1), "date",
                                        PQgetvalue(res, i, 2), "title", PQgetvalue(res, i, 3)));
    PQclear(res);

    json_t *data = json_pack(
        "{s:O, s:s, s:s, s:s, s:b, s:b, s:b, s:i, s:o, s:b, s:b, s:b}", "activity", a.content, "id",
        id, "kind", a.kind, "kind_label", kind_label(a.kind), "custom", a.custom, "archived",
        a.archived, "has_versions", json_array_size(versions) > 1, "version", a.version, "versions",
        versions, "is_exercise", strcmp(a.kind, "exercise") == 0, "is_intake",
        strcmp(a.kind, "intake") == 0, "is_measure", strcmp(a.kind, "measure") == 0);
    json_object_set_new(data, "title", json_incref(json_object_get(a.content, "title")));
    json_object_set_new(data, "fields", form_view(def, NULL, NULL));
    /* The "Assign" form (assign.c); the page works without it. */
    json_t *assign_to = a.archived ? NULL : assign_targets(req, NULL);
    if (assign_to != NULL)
        json_object_set_new(data, "assign_to", assign_to);
    json_decref(a.content);
    view_page(req, 200, "activity", data);
}

void h_activity_fhir(struct request *req)
{
    struct activity a;
    if (!load_activity(req, &a))
        return;
    char fhir_id[64], version[16], file[96];
    snprintf(fhir_id, sizeof(fhir_id), "interlude-%lld", req->ids[0]);
    snprintf(version, sizeof(version), "%d", a.version);
    snprintf(file, sizeof(file), "questionnaire-%lld-v%d.json", req->ids[0], a.version);
    const char *title = json_string_value(json_object_get(a.content, "title"));
    json_t *q = form_fhir_questionnaire(activity_form(a.kind, a.content), fhir_id,
                                        title != NULL ? title : "", version);
    json_decref(a.content);
    view_page(req, 200, NULL, q);
    req->view.download = arena_strdup(&req->arena, file);
}
