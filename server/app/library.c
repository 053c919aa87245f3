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
    struct db_args a = {0};
    db_arg_int(&a, u->id);
    db_arg_text(&a, text);
    db_arg_text(&a, category);
    db_arg_text(&a, tag);
    db_arg_text(&a, kind);
    PGresult *res = NULL;
    if (db_run(STMT_LIBRARY_LIST, &a, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        const char *k = db_text(res, i, "kind");
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
                             db_text(res, i, "id"), "kind", k, "kind_label", kind_label(k),
                             "custom", strcmp(db_text(res, i, "source"), "custom") == 0, "title",
                             db_text(res, i, "title"), "category", db_text(res, i, "category"),
                             "summary", db_text(res, i, "summary"), "tags", db_text(res, i, "tags"),
                             "duration", db_text(res, i, "duration_minutes"), "audience",
                             db_text(res, i, "audience")));
    }
    PQclear(res);

    struct db_args a_uid = {0};
    db_arg_int(&a_uid, u->id);
    if (db_run(STMT_LIBRARY_FACETS, &a_uid, &res) != DB_OK) {
        json_decref(items);
        view_unavailable(req);
        return;
    }
    json_t *categories = json_array(), *tags = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        const char *value = db_text(res, i, "value");
        bool is_cat = strcmp(db_text(res, i, "facet"), "category") == 0;
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
    struct db_args args = {0};
    db_arg_int(&args, req->ids[0]);
    db_arg_int(&args, req->session->user->id);
    PGresult *res = NULL;
    if (db_run(STMT_ACTIVITY_GET, &args, &res) != DB_OK) {
        view_unavailable(req);
        return false;
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        view_error(req, 404, "not_found", "There is no such item in your library.");
        return false;
    }
    snprintf(a->kind, sizeof(a->kind), "%s", db_text(res, 0, "kind"));
    a->custom = strcmp(db_text(res, 0, "source"), "custom") == 0;
    a->archived = db_bool(res, 0, "archived");
    a->version_id = db_int(res, 0, "version_id");
    a->version = (int)db_int(res, 0, "version");
    a->content = activity_version_content(a->version_id, db_text(res, 0, "content"));
    a->copied_from = db_int(res, 0, "copied_from");
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
    const char *id = arena_printf(&req->arena, "%lld", req->ids[0]);
    struct db_args a_id = {0};
    db_arg_int(&a_id, req->ids[0]);
    PGresult *res = NULL;
    if (db_run(STMT_ACTIVITY_VERSIONS, &a_id, &res) != DB_OK) {
        json_decref(a.content);
        view_unavailable(req);
        return;
    }
    json_t *versions = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(
            versions, json_pack("{s:s, s:s, s:s}", "version", db_text(res, i, "version"), "date",
                                db_text(res, i, "created_on"), "title", db_text(res, i, "title")));
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
