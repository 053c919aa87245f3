/* entries.c: one submitted entry: its answers (and score), the reply thread
 * between the client and their therapist, read marks, sharing with a
 * partner, the therapist's "reviewed", and the FHIR download. Who may do
 * what is decided by homework_entry_access (homework_common.c); every read
 * is audited before anything is shown. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/attention.h"
#include "app/homework.h"
#include "auth/auth.h"
#include "crypto/box.h"
#include "forms/form.h"
#include "util/utf8.h"

static const char entry_title[] = "Entry";

/* Longest reply or note, in code points. */
#define COMMENT_MAX 5000

/* The answers as a list to read: [{label, answer|null (form_answer_text),
 * is_section}], fields hidden by show_if left out. A partner reading a
 * shared entry never reads a preference list: only the mutual reveal shows
 * anything of it. */
static json_t *answers_list(const json_t *def, const json_t *answers, bool therapist, bool partner)
{
    json_t *view = form_view(def, answers, NULL);
    const json_t *fields = json_object_get(def, "fields");
    json_t *list = json_array();
    size_t i;
    const json_t *f;
    json_array_foreach(view, i, f)
    {
        if (json_is_true(json_object_get(f, "hidden")))
            continue;
        bool section = json_is_true(json_object_get(f, "is_section"));
        if (partner && json_is_true(json_object_get(f, "is_preference_list")))
            continue;
        /* The view has one object per field of def, in order. */
        const char *key = json_string_value(json_object_get(f, "key"));
        char *text = section ? NULL
                             : form_answer_text(json_array_get(fields, i),
                                                key != NULL ? json_object_get(answers, key) : NULL);
        json_t *answer = text != NULL ? json_string(text) : json_null();
        free(text);
        /* A therapist reads the clinical name where the field has one. */
        const json_t *label = json_object_get(f, "label");
        if (therapist && json_is_string(json_object_get(f, "therapist_label")))
            label = json_object_get(f, "therapist_label");
        json_array_append_new(list,
                              json_pack("{s:O, s:o, s:b, s:b}", "label", label, "answer", answer,
                                        "is_section", section, "answered", !json_is_null(answer)));
    }
    json_decref(view);
    return list;
}

/* The thread, decrypted; NULL on a database error. Each reply: {id, body
 * (null when it does not open), author, is_mine, from_therapist, date,
 * unread (for the viewer: the other side wrote it and it was not read yet)}. */
static json_t *load_comments(struct request *req, const struct hw_entry *e)
{
    struct db_args a_entry = {0};
    db_arg_int(&a_entry, e->id);
    PGresult *res = NULL;
    if (db_run(STMT_HW_COMMENTS, &a_entry, &res) != DB_OK)
        return NULL;
    long long me = req->session->user->id;
    bool viewer_is_client = e->role == HW_OWNER;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        long long author = db_int(res, i, "author_id");
        char aad[64];
        snprintf(aad, sizeof(aad), "comment:%lld:%lld", e->id, author);
        char *body = box_open_pq(res, i, db_col(res, "body_enc"), aad);
        bool from_client = author == e->client_id;
        bool unread = db_bool(res, i, "unread") && from_client != viewer_is_client;
        const char *name = db_text(res, i, "display_name");
        const char *who = author == me  ? "You"
                          : from_client ? name
                                        : arena_printf(&req->arena, "%s (your therapist)", name);
        if (!viewer_is_client && !from_client && author != me)
            who = arena_printf(&req->arena, "%s (therapist)", name);
        json_t *c = json_pack(
            "{s:I, s:s?, s:b, s:s, s:b, s:b, s:s, s:b}", "id", (json_int_t)db_int(res, i, "id"),
            "body", body, "unreadable", body == NULL, "author", who, "is_mine", author == me,
            "from_therapist", !from_client, "date", db_text(res, i, "created"), "unread", unread);
        if (body == NULL)
            json_object_set_new(c, "body", json_null());
        homework_secret_free(body);
        json_array_append_new(list, c);
    }
    PQclear(res);
    return list;
}

struct read_ctx {
    struct request *req;
    const struct hw_entry *e;
};

/* The read's two writes in one transaction: its audit row, then what the
 * viewer has now seen. No audit row, no marks, no content. */
static enum db_status read_tx(void *arg)
{
    const struct read_ctx *c = arg;
    const struct hw_entry *e = c->e;
    enum db_status st = audit(c->req, "entry.viewed", "entry", e->id, e->client_id);
    if (st != DB_OK)
        return st;
    if (e->role == HW_THERAPIST && !e->therapist_read) {
        struct db_args a = {0};
        db_arg_int(&a, e->id);
        if ((st = db_run(STMT_HW_ENTRY_MARK_READ, &a, NULL)) != DB_OK)
            return st;
    }
    if (e->role != HW_PARTNER) {
        struct db_args a = {0};
        db_arg_int(&a, e->id);
        db_arg_int(&a, e->client_id);
        db_arg_bool(&a, e->role == HW_OWNER);
        st = db_run(STMT_HW_COMMENTS_MARK_READ, &a, NULL);
    }
    return st;
}

/* The JSON twin: the answers by field key as stored, and the form version
 * they answer (GET /api/v1/forms/{id}, cacheable) instead of the page's
 * view; the author's mutual reveal (reveal, may be NULL) as on the page.
 * Takes answers, comments and reveal. */
static void entry_json(struct request *req, const struct hw_entry *e, json_t *answers,
                       json_t *comments, json_t *reveal)
{
    /* A partner reading a shared entry never gets a preference list: only
     * the mutual reveal shows anything of one (as the page). */
    if (e->role == HW_PARTNER) {
        const json_t *f;
        size_t i;
        json_array_foreach(json_object_get(e->a.form, "fields"), i, f)
        {
            const char *key = json_string_value(json_object_get(f, "key"));
            const char *type = json_string_value(json_object_get(f, "type"));
            if (key != NULL && type != NULL && strcmp(type, "preference_list") == 0)
                json_object_del(answers, key);
        }
    }

    bool owner = e->role == HW_OWNER, therapist = e->role == HW_THERAPIST;
    const char *role = owner ? "author" : therapist ? "therapist" : "partner";
    json_t *data = json_pack(
        "{s:I, s:I, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)e->id,
        "assignment_id", (json_int_t)e->a.id, "client_id", (json_int_t)e->client_id, "status",
        "submitted", "role", role, "form_version_id", (json_int_t)e->a.version_id, "form",
        arena_printf(&req->arena, "/api/v1/forms/%lld", e->a.version_id), "activity_title",
        therapist ? e->a.title : e->a.client_title, "submitted_at", e->submitted_at,
        "submitted_utc", e->submitted_iso, "author", owner ? "You" : e->author_name);
    if (e->role != HW_PARTNER) {
        /* The partner reads answers only: no score, thread or marks. */
        const json_t *def = e->a.form;
        json_t *score = form_score(def, answers);
        if (!therapist) {
            if (score != NULL)
                json_object_del(score, "alerts");
            json_t *support = attention_support(def, answers, false);
            if (support != NULL)
                json_object_set_new(data, "support", support);
        }
        json_object_set_new(data, "score", score != NULL ? score : json_null());
        json_object_set_new(data, "corrects_entry_id",
                            e->corrects_entry_id > 0 ? json_integer(e->corrects_entry_id)
                                                     : json_null());
        json_object_set_new(data, "comments", comments);
        comments = NULL;
        json_object_set_new(data, "shared", json_boolean(e->shared_with_partner));
        json_object_set_new(data, "new_for_therapist",
                            json_boolean(therapist && !e->therapist_read));
        json_object_set_new(data, "therapist_read",
                            json_boolean(therapist ? true : e->therapist_read));
        json_object_set_new(data, "reviewed", json_boolean(e->reviewed));
        json_object_set_new(data, "reviewed_at",
                            e->reviewed ? json_string(e->reviewed_at) : json_null());
    }
    json_object_set_new(data, "answers", answers);
    if (reveal != NULL)
        json_object_set_new(data, "reveal", reveal);
    json_decref(comments);
    view_page(req, 200, NULL, data);
}

/* The mutual reveal of a couple's preference lists, for the author of e:
 * {ready, fields} where fields are form_pref_overlap of e's answers and the
 * partner's latest submitted entry; ready false (no fields) until the
 * partner has submitted one. NULL when there is nothing to reveal here (not
 * a couple, no preference list) or on a database error (*failed set). */
static json_t *mutual_reveal(struct request *req, const struct hw_entry *e, const json_t *answers,
                             bool *failed)
{
    *failed = false;
    if (e->role != HW_OWNER || e->a.couple_id <= 0 || e->a.partner_assignment_id <= 0 ||
        !form_has_pref_list(e->a.form))
        return NULL;
    struct db_args a_mine = {0};
    db_arg_int(&a_mine, e->a.id);
    PGresult *res = NULL;
    if (db_run(STMT_HW_PARTNER_LATEST, &a_mine, &res) != DB_OK) {
        *failed = true;
        return NULL;
    }
    json_t *theirs = NULL;
    long long their_entry = 0, their_client = 0;
    if (PQntuples(res) == 1) {
        their_entry = db_int(res, 0, "entry_id");
        their_client = db_int(res, 0, "client_id");
        theirs = homework_open_answers(res, 0, db_col(res, "answers_enc"), their_client,
                                       db_int(res, 0, "assignment_id"));
    }
    PQclear(res);
    /* What is shown of the partner's entry (the shared items) is a read of
     * their data: audited as such, or nothing is shown. */
    if (theirs != NULL &&
        audit(req, "entry.overlap_viewed", "entry", their_entry, their_client) != DB_OK) {
        json_decref(theirs);
        *failed = true;
        return NULL;
    }
    json_t *out = json_pack("{s:b}", "ready", theirs != NULL);
    json_object_set_new(out, "fields",
                        theirs != NULL ? form_pref_overlap(e->a.form, answers, theirs)
                                       : json_array());
    json_decref(theirs);
    return out;
}

/* Renders the entry page (status 200, or 422 with a reply's problem and what
 * was typed), or its lean JSON twin. Audits the read first: no audit row, no
 * content (503); the audit row and the read marks are one transaction.
 * Frees nothing of e. */
static void entry_page(struct request *req, struct hw_entry *e, int status, const char *reply_error,
                       const char *reply_kept)
{
    const json_t *def = e->a.form;
    json_t *answers = homework_entry_answers(e);
    if (answers == NULL || def == NULL) {
        json_decref(answers);
        view_error(req, 500, "internal", "This entry could not be opened.");
        return;
    }
    json_t *comments = NULL;
    if (e->role != HW_PARTNER && (comments = load_comments(req, e)) == NULL) {
        json_decref(answers);
        view_unavailable(req);
        return;
    }
    struct read_ctx rc = {req, e};
    if (db_tx(read_tx, &rc) != DB_OK) {
        json_decref(answers);
        json_decref(comments);
        view_unavailable(req);
        return;
    }
    if (req->want_json && status == 200) {
        bool reveal_failed = false;
        json_t *reveal = mutual_reveal(req, e, answers, &reveal_failed);
        if (reveal_failed) {
            json_decref(answers);
            json_decref(comments);
            view_unavailable(req);
            return;
        }
        entry_json(req, e, answers, comments, reveal);
        return;
    }
    bool new_for_therapist = e->role == HW_THERAPIST && !e->therapist_read;

    bool owner = e->role == HW_OWNER, therapist = e->role == HW_THERAPIST;
    bool couple = e->a.couple_id > 0 && e->a.partner_assignment_id > 0;
    json_t *data = json_object();
    json_object_set_new(data, "title", json_string(entry_title));
    json_object_set_new(data, "entry_id", json_integer(e->id));
    /* The therapist reads the descriptive title; the client and a partner
     * the neutral one. */
    json_object_set_new(data, "activity_title",
                        json_string(e->role == HW_THERAPIST ? e->a.title : e->a.client_title));
    json_object_set_new(data, "submitted_at", json_string(e->submitted_at));
    json_object_set_new(data, "is_author", json_boolean(owner));
    json_object_set_new(data, "is_therapist", json_boolean(therapist));
    json_object_set_new(data, "is_partner", json_boolean(e->role == HW_PARTNER));
    json_object_set_new(data, "answers",
                        answers_list(def, answers, therapist, e->role == HW_PARTNER));
    json_object_set_new(
        data, "back_href",
        owner ? json_string(arena_printf(&req->arena, "/homework/%lld", e->a.id))
        : e->role == HW_PARTNER
            ? json_string(arena_printf(&req->arena, "/homework/%lld", e->a.partner_assignment_id))
            : json_string(arena_printf(&req->arena, "/clients/%lld", e->client_id)));
    if (e->role == HW_PARTNER) {
        /* Answers only: no thread, no marks, nothing about the therapist. */
        json_object_set_new(data, "author", json_string(e->author_name));
    } else {
        json_t *score = form_score(def, answers);
        if (!therapist) {
            /* The clinician's wording stays with the clinician: the author
             * gets the support panel instead. */
            if (score != NULL)
                json_object_del(score, "alerts");
            json_t *support = answers != NULL ? attention_support(def, answers, false) : NULL;
            if (support != NULL)
                json_object_set_new(data, "support", support);
        }
        json_object_set_new(data, "score", score != NULL ? score : json_null());
        json_object_set_new(data, "has_score", json_boolean(score != NULL));
        json_object_set_new(data, "author", json_string(owner ? "You" : e->author_name));
        json_object_set_new(data, "is_correction", json_boolean(e->corrects_entry_id > 0));
        json_object_set_new(data, "comments", comments);
        comments = NULL;
        json_object_set_new(data, "has_comments",
                            json_boolean(json_array_size(json_object_get(data, "comments")) > 0));
        char key[TOKEN_LEN + 1];
        token_new(key);
        json_object_set_new(data, "comment_key", json_string(key));
        json_object_set_new(data, "reply_label",
                            json_string(owner ? "Add a note for your therapist" : "Reply"));
        json_object_set_new(data, "reply_error",
                            reply_error ? json_string(reply_error) : json_null());
        json_object_set_new(data, "reply_value", json_string(reply_kept ? reply_kept : ""));
        json_object_set_new(data, "fhir_href",
                            json_string(arena_printf(&req->arena, "/entries/%lld/fhir", e->id)));
        json_object_set_new(data, "can_share", json_boolean(owner && couple));
        bool reveal_failed = false;
        json_t *reveal = mutual_reveal(req, e, answers, &reveal_failed);
        if (reveal_failed) {
            json_decref(answers);
            json_decref(data);
            view_unavailable(req);
            return;
        }
        json_object_set_new(data, "has_reveal", json_boolean(reveal != NULL));
        json_object_set_new(data, "reveal", reveal != NULL ? reveal : json_null());
        json_object_set_new(data, "shared", json_boolean(e->shared_with_partner));
        json_object_set_new(data, "new_for_therapist", json_boolean(new_for_therapist));
        json_object_set_new(data, "therapist_read",
                            json_boolean(therapist ? true : e->therapist_read));
        json_object_set_new(data, "reviewed", json_boolean(e->reviewed));
        json_object_set_new(data, "reviewed_at",
                            e->reviewed ? json_string(e->reviewed_at) : json_null());
        json_object_set_new(data, "can_review", json_boolean(therapist && !e->reviewed));
    }
    json_decref(answers);
    json_decref(comments);
    view_page(req, status, "entry", data);
}

void h_entry(struct request *req)
{
    struct hw_entry e;
    if (!homework_entry_access(req, req->ids[0], &e))
        return;
    entry_page(req, &e, 200, NULL, NULL);
    homework_entry_free(&e);
}

/* Whether the assignment's therapist is still on the client's care team
 * and can sign in: "your therapist will see it" is said only then. */
static enum db_status therapist_sees(const struct hw_entry *e, bool *sees)
{
    struct db_args a = {0};
    db_arg_int(&a, e->client_id);
    db_arg_int(&a, e->a.therapist_id);
    PGresult *res = NULL;
    *sees = false;
    enum db_status st = db_run(STMT_THERAPIST_ACTIVE_FOR, &a, &res);
    if (st == DB_OK) {
        *sees = PQntuples(res) == 1;
        PQclear(res);
    }
    return st;
}

void h_entry_submitted(struct request *req)
{
    struct hw_entry e;
    if (!homework_entry_access(req, req->ids[0], &e))
        return;
    if (e.role != HW_OWNER) {
        homework_entry_free(&e);
        homework_not_found(req);
        return;
    }
    struct db_args a_entry = {0};
    db_arg_int(&a_entry, e.id);
    PGresult *res = NULL;
    bool sees = false, risk = false;
    if (therapist_sees(&e, &sees) != DB_OK ||
        db_run(STMT_ATTN_ENTRY_RISK, &a_entry, &res) != DB_OK) {
        homework_entry_free(&e);
        view_unavailable(req);
        return;
    }
    risk = PQntuples(res) > 0;
    PQclear(res);
    json_t *support = NULL;
    if (risk) {
        json_t *answers = homework_entry_answers(&e);
        support = answers != NULL ? attention_support(e.a.form, answers, sees) : NULL;
        json_decref(answers);
    }
    json_t *data =
        json_pack("{s:s, s:I, s:s, s:s, s:s, s:o}", "title", "Saved", "entry_id", (json_int_t)e.id,
                  "message", sees ? "Saved. Your therapist will see it." : "Saved.", "entry_href",
                  arena_printf(&req->arena, "/entries/%lld", e.id), "homework_href",
                  arena_printf(&req->arena, "/homework/%lld", e.a.id), "support",
                  support != NULL ? support : json_null());
    homework_entry_free(&e);
    view_page(req, 200, "submitted", data);
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

struct comment_ctx {
    struct request *req;
    const struct hw_entry *e;
    const char *sealed;
    const char *key;
    long long comment_id; /* out */
    long long entry_id;   /* out: the entry it belongs to */
};

static enum db_status comment_tx(void *arg)
{
    struct comment_ctx *c = arg;
    struct db_args a = {0};
    db_arg_int(&a, c->e->id);
    db_arg_int(&a, c->req->session->user->id);
    db_arg_text(&a, c->sealed);
    db_arg_text(&a, c->key);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_HW_COMMENT_INSERT, &a, &res);
    if (st != DB_OK)
        return st;
    c->comment_id = PQntuples(res) == 1 ? db_int(res, 0, "id") : 0;
    PQclear(res);
    if (c->comment_id > 0) {
        c->entry_id = c->e->id;
        return audit(c->req, "comment.created", "comment", c->comment_id, c->e->client_id);
    }
    /* The same form again: answer as the first time. */
    struct db_args by_key = {0};
    db_arg_int(&by_key, c->req->session->user->id);
    db_arg_text(&by_key, c->key);
    if ((st = db_run(STMT_HW_COMMENT_BY_KEY, &by_key, &res)) != DB_OK)
        return st;
    if (PQntuples(res) == 1) {
        c->comment_id = db_int(res, 0, "id");
        c->entry_id = db_int(res, 0, "entry_id");
    }
    PQclear(res);
    return DB_OK;
}

/* 503 for a reply that was not stored: the entry page audits its read
 * first, which a failing database refuses too, so the reply alone comes
 * back with what was typed, on the generic page (view_not_saved_text). */
static void reply_not_saved(struct request *req, const struct hw_entry *e)
{
    static const char *const hidden[] = {"idempotency_key"};
    const struct unsaved_text text = {"body", e->role == HW_OWNER ? "Add a note for your therapist"
                                                                  : "Reply"};
    const struct unsaved_form f = {.title = entry_title,
                                   .heading = "Your note",
                                   .button = "Send",
                                   .keep = arena_printf(&req->arena, "reply:%lld", e->id),
                                   .back_href = arena_printf(&req->arena, "/entries/%lld", e->id),
                                   .back_label = "Back to the entry",
                                   .hidden = hidden,
                                   .nhidden = 1,
                                   .texts = &text,
                                   .ntexts = 1};
    view_not_saved_text(req, &f);
}

void h_entry_comment(struct request *req)
{
    struct hw_entry e;
    if (!homework_entry_access(req, req->ids[0], &e))
        return;
    if (e.role != HW_OWNER && e.role != HW_THERAPIST) {
        /* A partner reads a shared entry; the thread is not theirs. */
        homework_entry_free(&e);
        homework_not_found(req);
        return;
    }
    const char *key = req_form(req, "idempotency_key");
    const char *body = req_form(req, "body");
    const char *problem = NULL;
    if (body == NULL || blank(body))
        problem = "Write a few words before sending.";
    else if (utf8_code_points(body) > COMMENT_MAX)
        problem = "Please keep a note under 5,000 characters.";
    if (problem != NULL) {
        if (req->want_json) {
            view_error(req, 422, "invalid", problem);
            json_object_set_new(json_object_get(req->view.data, "error"), "fields",
                                json_pack("{s:s}", "body", problem));
        } else {
            entry_page(req, &e, 422, problem, body);
        }
        homework_entry_free(&e);
        return;
    }
    if (!homework_key_valid(key)) {
        homework_entry_free(&e);
        view_error(req, 400, "bad_request",
                   "This form has expired. Reload the page and try again.");
        return;
    }
    char aad[64];
    snprintf(aad, sizeof(aad), "comment:%lld:%lld", e.id, req->session->user->id);
    char *sealed = box_seal_hex(body, aad);
    if (sealed == NULL) {
        reply_not_saved(req, &e);
        homework_entry_free(&e);
        return;
    }
    struct comment_ctx c = {.req = req, .e = &e, .sealed = sealed, .key = key};
    enum db_status st = db_tx(comment_tx, &c);
    homework_secret_free(sealed);
    if (st != DB_OK) {
        reply_not_saved(req, &e);
        homework_entry_free(&e);
        return;
    }
    homework_entry_free(&e);
    if (c.comment_id == 0) {
        view_error(req, 409, "conflict", "Reload the page and try again.");
        return;
    }
    view_redirect(req, arena_printf(&req->arena, "/entries/%lld#c-%lld", c.entry_id, c.comment_id));
}

void h_entry_share(struct request *req)
{
    struct hw_entry e;
    if (!homework_entry_access(req, req->ids[0], &e))
        return;
    if (e.role != HW_OWNER) {
        homework_entry_free(&e);
        homework_not_found(req);
        return;
    }
    bool couple = e.a.couple_id > 0 && e.a.partner_assignment_id > 0;
    const char *want = req_form(req, "share");
    const char *value = NULL; /* NULL: toggle */
    if (want != NULL && strcmp(want, "on") == 0)
        value = "true";
    else if (want != NULL && strcmp(want, "off") == 0)
        value = "false";
    if (!couple || (want != NULL && value == NULL)) {
        homework_entry_free(&e);
        view_error(req, 400, "bad_request",
                   couple ? "Choose to share or stop sharing."
                          : "This homework is not shared with a partner.");
        return;
    }
    long long id = e.id, client = e.client_id;
    homework_entry_free(&e);
    struct db_args a = {0};
    db_arg_int(&a, id);
    db_arg_int(&a, client);
    db_arg_text(&a, value); /* "true", "false" or NULL (toggle) */
    PGresult *res = NULL;
    if (db_run(STMT_HW_ENTRY_SET_SHARED, &a, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    bool shared = PQntuples(res) == 1 && db_bool(res, 0, "shared_with_partner");
    PQclear(res);
    if (audit(req, shared ? "entry.shared" : "entry.unshared", "entry", id, client) != DB_OK) {
        view_unavailable(req);
        return;
    }
    view_redirect(req, arena_printf(&req->arena, "/entries/%lld", id));
}

void h_entry_reviewed(struct request *req)
{
    struct hw_entry e;
    if (!homework_entry_access(req, req->ids[0], &e))
        return;
    long long id = e.id, client = e.client_id;
    bool therapist = e.role == HW_THERAPIST;
    homework_entry_free(&e);
    if (!therapist) {
        homework_not_found(req);
        return;
    }
    struct db_args a = {0};
    db_arg_int(&a, id);
    if (db_run(STMT_HW_ENTRY_REVIEWED, &a, NULL) != DB_OK ||
        audit(req, "entry.reviewed", "entry", id, client) != DB_OK) {
        view_unavailable(req);
        return;
    }
    view_redirect(req, arena_printf(&req->arena, "/entries/%lld", id));
}

void h_entry_fhir(struct request *req)
{
    struct hw_entry e;
    if (!homework_entry_access(req, req->ids[0], &e))
        return;
    if (e.role != HW_OWNER && e.role != HW_THERAPIST) {
        homework_entry_free(&e);
        homework_not_found(req);
        return;
    }
    json_t *answers = homework_entry_answers(&e);
    char ref[64];
    snprintf(ref, sizeof(ref), "Questionnaire/interlude-%lld", e.a.activity_id);
    json_t *resource =
        answers != NULL && e.a.form != NULL
            ? form_fhir_response(e.a.form, answers, ref, "completed", e.submitted_iso)
            : NULL;
    json_decref(answers);
    long long id = e.id, client = e.client_id;
    homework_entry_free(&e);
    if (resource == NULL) {
        view_error(req, 500, "internal", "This entry could not be exported.");
        return;
    }
    if (audit(req, "entry.viewed", "entry", id, client) != DB_OK) {
        json_decref(resource);
        view_unavailable(req);
        return;
    }
    view_page(req, 200, NULL, resource);
    req->view.download = arena_printf(&req->arena, "entry-%lld.json", id);
}
