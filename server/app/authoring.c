/* authoring.c: therapists write their own exercises and intake forms, or
 * duplicate one from the library to adapt it, in a builder that works with
 * plain forms and buttons (builder.c); publishing writes a new immutable
 * version, so whatever was assigned keeps the version it was given. Own
 * items can be archived. A draft or custom item of another therapist is
 * answered as if it did not exist (404). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/builder.h"
#include "app/page_form.h"
#include "app/library.h"
#include "auth/auth.h"
#include "forms/form.h"

/* Open drafts one therapist may keep. */
#define MAX_DRAFTS 100

static const char *const ACTIONS[] = {
    "save_meta",    "add_field", "save_field", "move_up", "move_down",
    "remove_field", "publish",   "discard",    NULL,
};

static void not_found(struct request *req)
{
    view_error(req, 404, "not_found", "There is no such item in your library.");
}

static const char *kind_label(const char *kind)
{
    return strcmp(kind, "intake") == 0 ? "Intake form" : "Exercise";
}

/* A field index as posted: decimal digits only, no sign or spaces. */
static bool parse_index(const char *s, size_t *out)
{
    if (s == NULL || *s == '\0' || strlen(s) > 4 || strspn(s, "0123456789") != strlen(s))
        return false;
    *out = (size_t)strtoul(s, NULL, 10);
    return true;
}

/* ---- drafts in the database ---- */

struct draft {
    long long id;
    long long activity_id; /* 0: a new activity */
    char kind[16];
    char slug[64];
    int version;     /* the activity's newest version; 0 for a new one */
    json_t *content; /* owned */
};

/* Loads draft id of the signed-in therapist (locking it inside a
 * transaction, unless peek). *found false when it is not theirs or does not
 * exist. */
static enum db_status draft_read(struct request *req, long long id, struct draft *d, bool *found,
                                 bool peek)
{
    struct db_args args = {0};
    db_arg_int(&args, id);
    db_arg_int(&args, req->session->user->id);
    PGresult *res = NULL;
    enum db_status st = db_run(peek ? STMT_DRAFT_PEEK : STMT_DRAFT_GET, &args, &res);
    *found = false;
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1) {
        d->id = id;
        d->activity_id = db_int(res, 0, "activity_id");
        snprintf(d->kind, sizeof(d->kind), "%s", db_text(res, 0, "kind"));
        d->content = json_loads(db_text(res, 0, "content"), 0, NULL);
        snprintf(d->slug, sizeof(d->slug), "%s", db_text(res, 0, "slug"));
        d->version = (int)db_int(res, 0, "latest_version");
        *found = d->content != NULL && builder_kind_ok(d->kind);
    }
    PQclear(res);
    return DB_OK;
}

static enum db_status draft_load(struct request *req, long long id, struct draft *d, bool *found)
{
    return draft_read(req, id, d, found, false);
}

static void draft_clear(struct draft *d)
{
    json_decref(d->content);
    memset(d, 0, sizeof(*d));
}

/* The builder page (status 200) or the same with problems (422). */
static void render_builder(struct request *req, int status, const struct draft *d,
                           const json_t *problems, const char *typed_at, const json_t *typed)
{
    json_t *data = builder_view(d->content, d->kind, problems, typed_at, typed);
    const char *title = json_string_value(json_object_get(d->content, "title"));
    bool ex = strcmp(d->kind, "exercise") == 0;
    char page_title[64];
    snprintf(page_title, sizeof(page_title), "%s %s", d->activity_id ? "Edit" : "New",
             ex ? "exercise" : "intake form");
    json_object_set_new(data, "title", json_string(page_title));
    json_object_set_new(data, "heading", json_string(title != NULL && *title ? title : "Untitled"));
    json_object_set_new(data, "draft_id", json_integer(d->id));
    json_object_set_new(data, "kind", json_string(d->kind));
    json_object_set_new(data, "kind_label", json_string(kind_label(d->kind)));
    json_object_set_new(data, "is_exercise", json_boolean(ex));
    json_object_set_new(data, "is_intake", json_boolean(!ex));
    json_object_set_new(data, "is_new", json_boolean(d->activity_id == 0));
    json_object_set_new(data, "activity_id",
                        d->activity_id ? json_integer(d->activity_id) : json_null());
    json_object_set_new(data, "version", json_integer(d->version));
    json_object_set_new(data, "next_version", json_integer(d->version + 1));
    if (status == 422)
        view_form_errors(req, "draft", page_title, data);
    else if (status == 503)
        view_not_saved(req, "draft", data); /* the write failed: what was typed, again */
    else
        view_page(req, status, "draft", data);
}

/* ---- GET /drafts, POST /drafts ---- */

void h_drafts(struct request *req)
{
    struct db_args a_uid = {0};
    db_arg_int(&a_uid, req->session->user->id);
    PGresult *res = NULL;
    if (db_run(STMT_DRAFT_LIST, &a_uid, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    json_t *drafts = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        long long act = db_int(res, i, "activity_id");
        json_array_append_new(drafts, json_pack("{s:I, s:s, s:s, s:o, s:s}", "id",
                                                (json_int_t)db_int(res, i, "id"), "kind_label",
                                                kind_label(db_text(res, i, "kind")), "title",
                                                db_text(res, i, "title"), "activity_id",
                                                act ? json_integer(act) : json_null(), "updated",
                                                db_text(res, i, "updated")));
    }
    PQclear(res);
    view_page(req, 200, "drafts",
              json_pack("{s:s, s:o}", "title", "Your drafts", "drafts", drafts));
}

void h_draft_new(struct request *req)
{
    const char *kind = req_form(req, "kind");
    if (!builder_kind_ok(kind)) {
        view_error(req, 400, "bad_request", "Choose an exercise or an intake form.");
        return;
    }
    struct db_args a_uid = {0};
    db_arg_int(&a_uid, req->session->user->id);
    PGresult *res = NULL;
    if (db_run(STMT_DRAFT_COUNT, &a_uid, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    long long count = db_int(res, 0, "drafts");
    PQclear(res);
    if (count >= MAX_DRAFTS) {
        view_error(req, 409, "too_many_drafts",
                   "You have 100 unpublished drafts. Publish or discard some first.");
        return;
    }
    json_t *content = builder_new(kind);
    char *text = json_dumps(content, JSON_COMPACT);
    json_decref(content);
    struct db_args a_new = {0};
    db_arg_int(&a_new, req->session->user->id);
    db_arg_null(&a_new); /* a new activity */
    db_arg_text(&a_new, kind);
    db_arg_text(&a_new, text);
    enum db_status st = db_run(STMT_DRAFT_CREATE, &a_new, &res);
    free(text);
    if (st != DB_OK) {
        view_unavailable(req);
        return;
    }
    view_redirect(req, arena_printf(&req->arena, "/drafts/%lld", db_int(res, 0, "id")));
    PQclear(res);
}

/* ---- GET /drafts/{id}, GET /drafts/{id}/preview ---- */

void h_draft(struct request *req)
{
    struct draft d = {0};
    bool found;
    if (draft_load(req, req->ids[0], &d, &found) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (!found) {
        draft_clear(&d);
        not_found(req);
        return;
    }
    json_t *problems = json_array();
    render_builder(req, 200, &d, problems, NULL, NULL);
    json_decref(problems);
    draft_clear(&d);
}

void h_draft_preview(struct request *req)
{
    struct draft d = {0};
    bool found;
    if (draft_load(req, req->ids[0], &d, &found) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (!found) {
        draft_clear(&d);
        not_found(req);
        return;
    }
    const json_t *def = activity_form(d.kind, d.content);
    char msg[512];
    const char *problem = form_check(def, msg, sizeof(msg));
    bool ex = strcmp(d.kind, "exercise") == 0;
    json_t *data = json_pack("{s:s, s:I, s:O, s:s, s:b, s:b, s:o}", "title", "Preview", "draft_id",
                             (json_int_t)d.id, "activity", d.content, "kind_label",
                             kind_label(d.kind), "is_exercise", ex, "is_intake", !ex, "problem",
                             problem != NULL ? json_string(problem) : json_null());
    /* The client's view: the forms engine's, through partials/form_fields. */
    json_object_set_new(data, "fields", form_view(def, NULL, NULL));
    draft_clear(&d);
    view_page(req, 200, "draft_preview", data);
}

/* ---- POST /drafts/{id}: one builder action ---- */

struct action_ctx {
    struct request *req;
    long long draft_id;
    struct draft d;
    json_t *problems;    /* owned */
    json_t *typed;       /* owned: inputs to show again, or NULL */
    char typed_at[24];   /* "" when typed is NULL */
    int outcome;         /* 0: redirect to location; else 400, 404, 409, 422 */
    const char *message; /* for 400 and 409 */
    char location[96];
};

static void action_reset(struct action_ctx *a)
{
    draft_clear(&a->d);
    json_decref(a->problems);
    json_decref(a->typed);
    a->problems = json_array();
    a->typed = NULL;
    a->typed_at[0] = '\0';
    a->outcome = 0;
    a->message = NULL;
    a->location[0] = '\0';
}

static enum db_status save_draft(struct action_ctx *a, const json_t *content)
{
    char *text = json_dumps(content, JSON_COMPACT);
    if (strlen(text) > (size_t)BUILDER_MAX_CONTENT) {
        free(text);
        builder_problem(a->problems, "form", "form",
                        "This draft is too large to save. Shorten or remove some fields.");
        a->outcome = 422;
        return DB_OK;
    }
    struct db_args args = {0};
    db_arg_int(&args, a->d.id);
    db_arg_int(&args, a->req->session->user->id);
    db_arg_text(&args, text);
    enum db_status st = db_run(STMT_DRAFT_UPDATE, &args, NULL);
    free(text);
    return st;
}

/* Publishes a checked draft: a new activity at version 1, or the next
 * version of the therapist's own activity (none when nothing changed);
 * deletes the draft and records the event. */
static enum db_status publish(struct action_ctx *a)
{
    struct request *req = a->req;
    struct draft *d = &a->d;
    const long long uid = req->session->user->id;
    long long act = 0, version = 1;
    char slug[64];
    PGresult *res = NULL;
    enum db_status st;
    char latest_hash[65] = "";

    if (d->activity_id == 0) {
        builder_slug(slug);
        struct db_args a_new = {0};
        db_arg_text(&a_new, d->kind);
        db_arg_text(&a_new, "custom");
        db_arg_text(&a_new, slug);
        db_arg_int(&a_new, uid);
        db_arg_null(&a_new); /* copied from nothing */
        if ((st = db_run(STMT_ACTIVITY_CREATE, &a_new, &res)) != DB_OK)
            return st;
        act = db_int(res, 0, "id");
        PQclear(res);
    } else {
        act = d->activity_id;
        struct db_args a_own = {0};
        db_arg_int(&a_own, act);
        db_arg_int(&a_own, uid);
        if ((st = db_run(STMT_ACTIVITY_LATEST_OWN, &a_own, &res)) != DB_OK)
            return st;
        if (PQntuples(res) != 1) {
            PQclear(res);
            a->outcome = 404;
            return DB_OK;
        }
        snprintf(slug, sizeof(slug), "%s", db_text(res, 0, "slug"));
        version = db_int(res, 0, "version") + 1;
        snprintf(latest_hash, sizeof(latest_hash), "%s", db_text(res, 0, "content_hash"));
        PQclear(res);
    }

    json_t *content = json_deep_copy(d->content);
    json_object_set_new(content, "slug", json_string(slug));
    char hash[65];
    activity_content_hash(content, hash);
    bool changed = strcmp(hash, latest_hash) != 0;
    if (changed) {
        char *text = json_dumps(content, JSON_COMPACT);
        struct db_args a_ver = {0};
        db_arg_int(&a_ver, act);
        db_arg_int(&a_ver, version);
        db_arg_text(&a_ver, text);
        db_arg_text(&a_ver, hash);
        db_arg_int(&a_ver, uid);
        st = db_run(STMT_VERSION_CREATE, &a_ver, NULL);
        free(text);
    }
    json_decref(content);
    if (st != DB_OK)
        return st;

    struct db_args a_del = {0};
    db_arg_int(&a_del, d->id);
    db_arg_int(&a_del, uid);
    if ((st = db_run(STMT_DRAFT_DELETE, &a_del, NULL)) != DB_OK)
        return st;
    if (changed && (st = audit(req, "activity.published", "activity", act, 0)) != DB_OK)
        return st;
    snprintf(a->location, sizeof(a->location), "/library/%lld", act);
    return DB_OK;
}

/* What a builder action that carries typed text posted, to show again:
 * the inputs and where (typed_at: "meta", "add" or a field index). NULL for
 * the other actions. New reference. */
static json_t *posted_typed(const struct request *req, const char *kind, char typed_at[24])
{
    const char *action = req_form(req, "action");
    size_t index = 0;
    typed_at[0] = '\0';
    if (action == NULL)
        return NULL;
    if (strcmp(action, "save_meta") == 0) {
        snprintf(typed_at, 24, "meta");
        return builder_meta_posted(req, kind);
    }
    if (strcmp(action, "add_field") == 0) {
        const char *type = req_form(req, "type"), *label = req_form(req, "label");
        snprintf(typed_at, 24, "add");
        return json_pack("{s:s, s:s}", "type", type != NULL ? type : "", "label",
                         label != NULL ? label : "");
    }
    if (strcmp(action, "save_field") == 0 && parse_index(req_form(req, "field"), &index)) {
        snprintf(typed_at, 24, "%zu", index);
        return builder_field_posted(req);
    }
    return NULL;
}

static enum db_status action_tx(void *arg)
{
    struct action_ctx *a = arg;
    struct request *req = a->req;
    bool found;
    enum db_status st;

    action_reset(a);
    if ((st = draft_load(req, a->draft_id, &a->d, &found)) != DB_OK)
        return st;
    if (!found) {
        a->outcome = 404;
        return DB_OK;
    }
    const char *action = req_form(req, "action");
    bool known = false;
    for (const char *const *x = ACTIONS; action != NULL && *x != NULL; x++)
        known = known || strcmp(*x, action) == 0;
    if (!known) {
        a->outcome = 400;
        a->message = "Choose what to do: save, add, move, remove, publish or discard.";
        return DB_OK;
    }

    const char *kind = a->d.kind;
    json_t *fields = builder_fields(a->d.content, kind);
    size_t index = 0;
    bool field_action = strcmp(action, "save_field") == 0 || strcmp(action, "move_up") == 0 ||
                        strcmp(action, "move_down") == 0 || strcmp(action, "remove_field") == 0;
    if (field_action) {
        if (!parse_index(req_form(req, "field"), &index) || index >= json_array_size(fields)) {
            a->outcome = 400;
            a->message = "There is no such field in this draft.";
            return DB_OK;
        }
        /* The form names the field it was made for: a draft changed in
         * another window must not have the wrong field changed. */
        const char *key = req_form(req, "key");
        const char *have = json_string_value(json_object_get(json_array_get(fields, index), "key"));
        if (key != NULL && (have == NULL || strcmp(key, have) != 0)) {
            a->outcome = 409;
            a->message = "This draft was changed in another window. Reload the page and try "
                         "again.";
            return DB_OK;
        }
    }

    const long long did = a->d.id;
    if (strcmp(action, "publish") == 0) {
        if (!builder_check_all(a->d.content, kind, a->problems)) {
            a->outcome = 422;
            return DB_OK;
        }
        return publish(a);
    }
    if (strcmp(action, "discard") == 0) {
        struct db_args args = {0};
        db_arg_int(&args, did);
        db_arg_int(&args, req->session->user->id);
        if ((st = db_run(STMT_DRAFT_DELETE, &args, NULL)) != DB_OK)
            return st;
        if (a->d.activity_id)
            snprintf(a->location, sizeof(a->location), "/library/%lld", a->d.activity_id);
        else
            snprintf(a->location, sizeof(a->location), "/drafts");
        return DB_OK;
    }

    json_t *work = json_deep_copy(a->d.content);
    bool ok = false;
    size_t anchor = index;
    if (strcmp(action, "save_meta") == 0) {
        a->typed = posted_typed(req, kind, a->typed_at);
        ok = builder_meta_apply(work, kind, a->typed, false, a->problems);
        snprintf(a->location, sizeof(a->location), "/drafts/%lld#details", did);
    } else if (strcmp(action, "add_field") == 0) {
        const char *type = req_form(req, "type"), *label = req_form(req, "label");
        a->typed = posted_typed(req, kind, a->typed_at);
        ok = builder_field_add(work, kind, type, label, &anchor, a->problems);
        snprintf(a->location, sizeof(a->location), "/drafts/%lld#field-%zu", did, anchor);
    } else if (strcmp(action, "save_field") == 0) {
        a->typed = posted_typed(req, kind, a->typed_at);
        ok = builder_field_apply(work, kind, index, a->typed, a->problems);
        snprintf(a->location, sizeof(a->location), "/drafts/%lld#field-%zu", did, index);
    } else if (strcmp(action, "move_up") == 0 || strcmp(action, "move_down") == 0) {
        int dir = strcmp(action, "move_up") == 0 ? -1 : 1;
        ok = builder_field_move(work, kind, index, dir, a->problems);
        if (dir < 0 && index > 0)
            anchor = index - 1;
        else if (dir > 0 && index + 1 < json_array_size(fields))
            anchor = index + 1;
        snprintf(a->location, sizeof(a->location), "/drafts/%lld#field-%zu", did, anchor);
    } else { /* remove_field */
        ok = builder_field_remove(work, kind, index, a->problems);
        snprintf(a->location, sizeof(a->location), "/drafts/%lld#fields", did);
    }
    if (ok)
        st = save_draft(a, work);
    else
        a->outcome = 422;
    json_decref(work);
    return st;
}

/* 503 after a failed write: the builder again, from the draft as stored
 * (read without the lock a read-only database refuses) with what this
 * action typed shown where it was typed (view_not_saved). */
static void draft_not_saved(struct request *req, long long draft_id)
{
    struct draft d = {0};
    bool found = false;
    if (req->want_json) {
        view_not_saved(req, NULL, NULL);
        return;
    }
    if (draft_read(req, draft_id, &d, &found, true) != DB_OK || !found) {
        draft_clear(&d);
        view_unavailable(req); /* no page to put the text in */
        return;
    }
    char typed_at[24];
    json_t *typed = posted_typed(req, d.kind, typed_at);
    json_t *problems = json_array();
    render_builder(req, 503, &d, problems, typed != NULL ? typed_at : NULL, typed);
    json_decref(problems);
    json_decref(typed);
    draft_clear(&d);
}

void h_draft_post(struct request *req)
{
    struct action_ctx a = {.req = req, .draft_id = req->ids[0]};
    enum db_status st = db_tx(action_tx, &a);
    if (st != DB_OK)
        draft_not_saved(req, a.draft_id);
    else if (a.outcome == 404)
        not_found(req);
    else if (a.outcome == 400)
        view_error(req, 400, "bad_request", a.message);
    else if (a.outcome == 409)
        view_error(req, 409, "conflict", a.message);
    else if (a.outcome == 422)
        render_builder(req, 422, &a.d, a.problems, a.typed != NULL ? a.typed_at : NULL, a.typed);
    else
        view_redirect(req, arena_strdup(&req->arena, a.location));
    draft_clear(&a.d);
    json_decref(a.problems);
    json_decref(a.typed);
}

/* ---- POST /library/{id}/duplicate, /edit, /archive ---- */

/* An activity the therapist can see (library or their own), from
 * STMT_ACTIVITY_GET. */
struct seen {
    char kind[16];
    bool custom;
    json_t *content; /* owned */
};

/* Loads activity req->ids[0] if visible. *found false otherwise. */
static enum db_status activity_seen(struct request *req, struct seen *s, bool *found)
{
    struct db_args args = {0};
    db_arg_int(&args, req->ids[0]);
    db_arg_int(&args, req->session->user->id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_ACTIVITY_GET, &args, &res);
    *found = false;
    s->content = NULL;
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1) {
        snprintf(s->kind, sizeof(s->kind), "%s", db_text(res, 0, "kind"));
        s->custom = strcmp(db_text(res, 0, "source"), "custom") == 0;
        s->content = json_loads(db_text(res, 0, "content"), 0, NULL);
        *found = s->content != NULL;
    }
    PQclear(res);
    return DB_OK;
}

struct dup_ctx {
    struct request *req;
    int outcome; /* 0, 404 or 409 */
    long long activity_id, draft_id;
};

static enum db_status duplicate_tx(void *arg)
{
    struct dup_ctx *c = arg;
    struct request *req = c->req;
    struct seen s;
    bool found;
    enum db_status st;
    c->outcome = 0;
    if ((st = activity_seen(req, &s, &found)) != DB_OK)
        return st;
    if (!found) {
        json_decref(s.content);
        c->outcome = 404;
        return DB_OK;
    }
    if (!builder_kind_ok(s.kind)) {
        json_decref(s.content);
        c->outcome = 409;
        return DB_OK;
    }
    const char *title = json_string_value(json_object_get(s.content, "title"));
    json_object_set_new(
        s.content, "title",
        json_string(arena_printf(&req->arena, "%s (my copy)", title != NULL ? title : "Untitled")));
    char slug[64];
    builder_slug(slug);
    json_object_set_new(s.content, "slug", json_string(slug));
    const long long uid = req->session->user->id;
    char hash[65];
    activity_content_hash(s.content, hash);
    char *text = json_dumps(s.content, JSON_COMPACT);
    json_decref(s.content);

    PGresult *res = NULL;
    struct db_args a_new = {0};
    db_arg_text(&a_new, s.kind);
    db_arg_text(&a_new, "custom");
    db_arg_text(&a_new, slug);
    db_arg_int(&a_new, uid);
    db_arg_int(&a_new, req->ids[0]); /* copied from */
    if ((st = db_run(STMT_ACTIVITY_CREATE, &a_new, &res)) != DB_OK)
        goto done;
    const long long act = db_int(res, 0, "id");
    PQclear(res);
    struct db_args a_ver = {0};
    db_arg_int(&a_ver, act);
    db_arg_int(&a_ver, 1);
    db_arg_text(&a_ver, text);
    db_arg_text(&a_ver, hash);
    db_arg_int(&a_ver, uid);
    if ((st = db_run(STMT_VERSION_CREATE, &a_ver, NULL)) != DB_OK)
        goto done;
    struct db_args a_draft = {0};
    db_arg_int(&a_draft, uid);
    db_arg_int(&a_draft, act);
    db_arg_text(&a_draft, s.kind);
    db_arg_text(&a_draft, text);
    if ((st = db_run(STMT_DRAFT_CREATE, &a_draft, &res)) != DB_OK)
        goto done;
    c->draft_id = db_int(res, 0, "id");
    PQclear(res);
    c->activity_id = act;
    st = audit(req, "activity.duplicated", "activity", c->activity_id, 0);
done:
    free(text);
    return st;
}

void h_activity_duplicate(struct request *req)
{
    struct dup_ctx c = {.req = req};
    enum db_status st = db_tx(duplicate_tx, &c);
    if (st != DB_OK)
        view_unavailable(req);
    else if (c.outcome == 404)
        not_found(req);
    else if (c.outcome == 409)
        view_error(req, 409, "conflict",
                   "Standard questionnaires cannot be copied or changed: their wording and "
                   "scoring are validated as published.");
    else
        view_redirect(req, arena_printf(&req->arena, "/drafts/%lld", c.draft_id));
}

/* For edit and archive: the activity must be the therapist's own. Answers
 * and returns false otherwise (404 when not visible, 403 for the library). */
static bool own_activity(struct request *req)
{
    struct seen s;
    bool found;
    if (activity_seen(req, &s, &found) != DB_OK) {
        view_unavailable(req);
        return false;
    }
    json_decref(s.content);
    if (!found) {
        not_found(req);
        return false;
    }
    if (!s.custom) {
        view_error(req, 403, "library_item",
                   "Library items cannot be changed. Duplicate it to adapt your own copy.");
        return false;
    }
    return true;
}

void h_activity_edit(struct request *req)
{
    if (!own_activity(req))
        return;
    struct db_args args = {0};
    db_arg_int(&args, req->ids[0]);
    db_arg_int(&args, req->session->user->id);
    PGresult *res = NULL;
    if (db_run(STMT_DRAFT_OPEN, &args, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        not_found(req);
        return;
    }
    view_redirect(req, arena_printf(&req->arena, "/drafts/%lld", db_int(res, 0, "id")));
    PQclear(res);
}

static enum db_status archive_tx(void *arg)
{
    struct request *req = arg;
    struct db_args args = {0};
    db_arg_int(&args, req->ids[0]);
    db_arg_int(&args, req->session->user->id);
    enum db_status st = db_run(STMT_ACTIVITY_ARCHIVE, &args, NULL);
    if (st != DB_OK)
        return st;
    return audit(req, "activity.archived", "activity", req->ids[0], 0);
}

void h_activity_archive(struct request *req)
{
    if (!own_activity(req))
        return;
    if (db_tx(archive_tx, req) != DB_OK) {
        view_unavailable(req);
        return;
    }
    view_redirect(req, arena_printf(&req->arena, "/library/%lld", req->ids[0]));
}
