/* homework.c: a client's homework: the dashboard, one assignment, and the
 * practice form with its server-side draft (saved by a button or by
 * autosave) and its submission, made once per form however often it is
 * posted. Page titles stay neutral: never the exercise's subject. */
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

static const char dashboard_title[] = "Your homework";
static const char practice_title[] = "Practice";

/* ---- the dashboard ---- */

enum { GROUP_ACTIVE, GROUP_OVERDUE, GROUP_UPCOMING, GROUP_DONE, GROUP__MAX };

static const char *const group_keys[GROUP__MAX] = {"this_week", "overdue", "upcoming", "done"};
static const char *const group_headings[GROUP__MAX] = {"This week", "Overdue", "Coming up", "Done"};

static int group_of(enum hw_state st)
{
    switch (st) {
    case HW_UPCOMING:
        return GROUP_UPCOMING;
    case HW_OVERDUE:
        return GROUP_OVERDUE;
    case HW_DONE:
    case HW_ENDED:
    case HW_CANCELLED:
        return GROUP_DONE;
    default:
        return GROUP_ACTIVE;
    }
}

void h_dashboard(struct request *req)
{
    struct db_args args = {0};
    db_arg_int(&args, req->session->user->id);
    PGresult *res = NULL;
    if (db_run(STMT_HW_DASHBOARD, &args, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    json_t *groups[GROUP__MAX];
    for (int g = 0; g < GROUP__MAX; g++)
        groups[g] = json_array();
    int n = PQntuples(res);
    for (int i = 0; i < n; i++) {
        long long id = db_int(res, i, "id");
        struct hw_schedule s = {.start_date = db_text(res, i, "start_date"),
                                .due_date = db_text(res, i, "due_date"),
                                .times_per_week = (int)db_int(res, i, "times_per_week"),
                                .weeks = (int)db_int(res, i, "weeks"),
                                .repeat_days = (int)db_int(res, i, "repeat_days"),
                                .last_done = db_text(res, i, "last_done")};
        int done = (int)db_int(res, i, "practices_done");
        bool draft = db_bool(res, i, "has_draft");
        int unread = (int)db_int(res, i, "unread_replies");
        struct hw_status st;
        homework_status(&s, db_text(res, i, "today"), done, &st);

        const char *href = arena_printf(&req->arena, "/homework/%lld", id);
        const char *action_href = href, *action_label;
        if (st.state == HW_UPCOMING && st.next_day[0] == '\0') {
            action_label = "See what it involves";
        } else if (st.state == HW_DONE || st.state == HW_UPCOMING) {
            /* Done, or (repeating) this time's answered: the next comes later. */
            action_label = "See your entries";
        } else {
            action_href = arena_printf(&req->arena, "/homework/%lld/practice", id);
            action_label = draft ? "Continue your draft" : "Log a practice";
        }
        json_t *card = json_pack(
            "{s:I, s:s, s:s, s:s, s:o, s:b, s:i, s:s?, s:s, s:s}", "id", (json_int_t)id, "title",
            db_text(res, i, "title"), "summary", db_text(res, i, "summary"), "href", href, "status",
            homework_status_json(&st), "has_draft", draft, "unread", unread, "unread_label",
            unread == 0   ? NULL
            : unread == 1 ? "1 new reply"
                          : arena_printf(&req->arena, "%d new replies", unread),
            "action_href", action_href, "action_label", action_label);
        if (json_object_get(card, "unread_label") == NULL)
            json_object_set_new(card, "unread_label", json_null());
        json_array_append_new(groups[group_of(st.state)], card);
    }
    PQclear(res);

    json_t *list = json_array();
    for (int g = 0; g < GROUP__MAX; g++) {
        if (json_array_size(groups[g]) == 0) {
            json_decref(groups[g]);
            continue;
        }
        json_array_append_new(list, json_pack("{s:s, s:s, s:o}", "key", group_keys[g], "heading",
                                              group_headings[g], "items", groups[g]));
    }
    view_page(req, 200, "dashboard",
              json_pack("{s:s, s:b, s:o}", "title", dashboard_title, "has_homework", n > 0,
                        "groups", list));
}

/* ---- one assignment ---- */

/* "3 times a week for 2 weeks", "Once, by Fri 14 Mar", "Every 2 weeks until
 * Fri 14 Mar". */
static const char *rhythm_text(struct request *req, const struct hw_assignment *a)
{
    if (a->repeat_days > 0) {
        char every[32], until[40];
        homework_repeat_phrase(a->repeat_days, every, sizeof(every));
        every[0] = 'E';
        homework_date_label(a->due_date, a->today, until, sizeof(until));
        return arena_printf(&req->arena, "%s until %s", every, until);
    }
    if (a->times_per_week > 0 && a->weeks > 0) {
        const char *times = a->times_per_week == 1 ? "Once"
                            : a->times_per_week == 2
                                ? "Twice"
                                : arena_printf(&req->arena, "%d times", a->times_per_week);
        return arena_printf(&req->arena, "%s a week for %d week%s", times, a->weeks,
                            a->weeks == 1 ? "" : "s");
    }
    char when[40];
    homework_date_label(a->due_date, a->today, when, sizeof(when));
    return arena_printf(&req->arena, "Once, by %s", when);
}

/* The parts of the content a client reads before practising. */
static json_t *activity_json(const struct hw_assignment *a)
{
    const json_t *c = a->content;
    json_t *o = json_object();
    json_object_set_new(o, "title", json_string(a->client_title));
    json_object_set_new(o, "kind", json_string(a->kind));
    json_object_set_new(o, "is_exercise", json_boolean(strcmp(a->kind, "exercise") == 0));
    const json_t *summary = json_object_get(c, "summary");
    json_object_set_new(o, "summary",
                        json_is_string(summary) ? json_copy((json_t *)summary) : json_null());
    const json_t *ins = json_object_get(c, "instructions");
    json_t *steps = json_array();
    if (json_is_array(ins)) {
        size_t i;
        const json_t *x;
        json_array_foreach(ins, i, x) if (json_is_string(x))
            json_array_append_new(steps, json_string(json_string_value(x)));
    }
    json_object_set_new(o, "has_steps", json_boolean(json_array_size(steps) > 0));
    json_object_set_new(o, "steps", steps);
    json_object_set_new(o, "instructions_text",
                        json_is_string(ins) ? json_string(json_string_value(ins)) : json_null());
    const json_t *safety = json_object_get(c, "safety_note");
    json_object_set_new(o, "safety_note",
                        json_is_string(safety) ? json_string(json_string_value(safety))
                                               : json_null());
    const json_t *mins = json_object_get(c, "duration_minutes");
    json_object_set_new(o, "duration_minutes",
                        json_is_integer(mins) ? json_integer(json_integer_value(mins))
                                              : json_null());
    return o;
}

/* Counts the submitted practices among the rows of STMT_HW_ASSIGNMENT_ENTRIES
 * (newest first). Repeating (s->repeat_days > 0): the occurrences answered
 * (homework_occurrence), and last_done gets the day of the latest practice. */
static int practices_done(PGresult *res, const struct hw_schedule *s, char last_done[11])
{
    int done = 0, prev = -1;
    last_done[0] = '\0';
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(db_text(res, i, "status"), "submitted") != 0 ||
            db_int(res, i, "corrects_entry_id") != 0)
            continue;
        if (s->repeat_days <= 0) {
            done++;
            continue;
        }
        char day[11];
        snprintf(day, sizeof(day), "%s", db_text(res, i, "written_at")); /* "YYYY-MM-DD HH:MI" */
        if (last_done[0] == '\0')
            memcpy(last_done, day, sizeof(day));
        /* Newest first, so an occurrence's practices come together. */
        int k = homework_occurrence(s, day);
        if (k >= 0 && k != prev)
            done++;
        prev = k;
    }
    return done;
}

void h_homework(struct request *req)
{
    struct hw_assignment a;
    if (!homework_assignment_access(req, req->ids[0], &a))
        return;
    if (a.role != HW_OWNER) {
        homework_assignment_free(&a);
        homework_not_found(req);
        return;
    }
    struct db_args args = {0};
    db_arg_int(&args, a.id);
    PGresult *res = NULL, *shared = NULL;
    if (db_run(STMT_HW_ASSIGNMENT_ENTRIES, &args, &res) != DB_OK ||
        (a.partner_assignment_id > 0 && db_run(STMT_HW_PARTNER_SHARED, &args, &shared) != DB_OK)) {
        PQclear(res);
        homework_assignment_free(&a);
        view_unavailable(req);
        return;
    }
    json_t *entries = json_array();
    bool has_draft = false;
    for (int i = 0; i < PQntuples(res); i++) {
        bool draft = strcmp(db_text(res, i, "status"), "draft") == 0;
        has_draft = has_draft || draft;
        long long eid = db_int(res, i, "id");
        int unread = (int)db_int(res, i, "unread_replies"),
            replies = (int)db_int(res, i, "replies");
        json_t *row =
            json_pack("{s:I, s:s, s:b, s:s, s:b, s:i, s:i, s:b}", "id", (json_int_t)eid, "date",
                      db_text(res, i, "written_at"), "is_draft", draft, "href",
                      draft ? arena_printf(&req->arena, "/homework/%lld/practice", a.id)
                            : arena_printf(&req->arena, "/entries/%lld", eid),
                      "shared", db_bool(res, i, "shared_with_partner"), "unread", unread, "replies",
                      replies, "is_correction", db_int(res, i, "corrects_entry_id") > 0);
        json_object_set_new(row, "replies_label",
                            replies == 0 ? json_null()
                            : replies == 1
                                ? json_string("1 reply")
                                : json_string(arena_printf(&req->arena, "%d replies", replies)));
        json_array_append_new(entries, row);
    }
    struct hw_schedule s = {.start_date = a.start_date,
                            .due_date = a.due_date,
                            .times_per_week = a.times_per_week,
                            .weeks = a.weeks,
                            .repeat_days = a.repeat_days,
                            .cancelled = a.cancelled};
    char last_done[11];
    int done = practices_done(res, &s, last_done);
    s.last_done = last_done;
    PQclear(res);

    json_t *partner = json_array();
    for (int i = 0; shared != NULL && i < PQntuples(shared); i++) {
        long long eid = db_int(shared, i, "id");
        json_array_append_new(partner, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)eid, "date",
                                                 db_text(shared, i, "submitted_at"), "href",
                                                 arena_printf(&req->arena, "/entries/%lld", eid)));
    }
    PQclear(shared);

    struct hw_status st;
    homework_status(&s, a.today, done, &st);

    bool unreadable = false;
    char *note = homework_assignment_note(&a, &unreadable);
    json_t *data = json_pack(
        "{s:s, s:I, s:o, s:s?, s:b, s:o, s:s, s:i, s:i, s:o, s:b, s:o, s:b, s:b, s:b, s:s}",
        "title", dashboard_title, "assignment_id", (json_int_t)a.id, "activity", activity_json(&a),
        "note", note, "note_unreadable", unreadable, "status", homework_status_json(&st), "rhythm",
        rhythm_text(req, &a), "expected", st.expected, "done", done, "entries", entries,
        "has_entries", json_array_size(entries) > 0, "partner_entries", partner,
        "has_partner_entries", json_array_size(partner) > 0, "is_couple",
        a.partner_assignment_id > 0, "has_draft", has_draft, "practice_href",
        arena_printf(&req->arena, "/homework/%lld/practice", a.id));
    if (json_object_get(data, "note") == NULL)
        json_object_set_new(data, "note", json_null());
    homework_secret_free(note);
    homework_assignment_free(&a);
    view_page(req, 200, "homework", data);
}

/* ---- the practice form ---- */

/* The practice page's data: the form (fields from form_view of answers,
 * errors), the idempotency key (key, or a fresh one when NULL), the share
 * choice for couples. */
static json_t *practice_data(struct request *req, const struct hw_assignment *a,
                             const json_t *answers, const json_t *errors, bool share,
                             const char *key_in)
{
    char key[TOKEN_LEN + 1];
    token_new(key);
    if (key_in != NULL)
        snprintf(key, sizeof(key), "%s", key_in);
    json_t *fields = form_view(a->practice_form ? a->practice_form : a->form, answers, errors);
    json_t *summary = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f)
    {
        const char *msg = json_string_value(json_object_get(f, "error"));
        if (msg != NULL)
            json_array_append_new(summary,
                                  json_pack("{s:O, s:O, s:s}", "id", json_object_get(f, "id"),
                                            "label", json_object_get(f, "label"), "message", msg));
    }
    json_t *data = json_pack(
        "{s:s, s:I, s:s, s:s, s:s, s:o, s:s, s:b, s:b, s:b, s:o, s:s}", "title", practice_title,
        "assignment_id", (json_int_t)a->id, "activity_title", a->client_title, "kind", a->kind,
        "back_href", arena_printf(&req->arena, "/homework/%lld", a->id), "fields", fields,
        "idempotency_key", key, "is_couple", a->partner_assignment_id > 0, "share", share,
        "has_errors", json_array_size(summary) > 0, "errors", summary, "action",
        arena_printf(&req->arena, "/homework/%lld/practice", a->id));
    return data;
}

/* The assignment for a practice route: its owner only, with a form. */
static bool practice_access(struct request *req, struct hw_assignment *a)
{
    if (!homework_assignment_access(req, req->ids[0], a))
        return false;
    if (a->role != HW_OWNER) {
        homework_assignment_free(a);
        homework_not_found(req);
        return false;
    }
    if (a->form == NULL) {
        homework_assignment_free(a);
        view_error(req, 500, "internal", "This homework's form could not be read.");
        return false;
    }
    /* Weekly questions (once_a_week) are asked on the week's first practice
     * only: once one was submitted this week, the form goes without them. */
    struct db_args args = {0};
    db_arg_int(&args, a->id);
    PGresult *res = NULL;
    /* When the database cannot say (a lock, a failover), the form stays
     * whole: what follows (the draft, the entry's insert) meets the same
     * trouble where the answer keeps what was typed (view_not_saved), which
     * a 503 here would lose. */
    if (db_run(STMT_HW_WEEK_LOGGED, &args, &res) == DB_OK && PQntuples(res) == 1 &&
        db_bool(res, 0, "logged_this_week"))
        a->practice_form = form_without_weekly(a->form);
    PQclear(res);
    return true;
}

void h_practice_form(struct request *req)
{
    struct hw_assignment a;
    if (!practice_access(req, &a))
        return;
    struct db_args args = {0};
    db_arg_int(&args, a.id);
    db_arg_int(&args, a.client_id);
    PGresult *res = NULL;
    if (db_run(STMT_HW_DRAFT_GET, &args, &res) != DB_OK) {
        homework_assignment_free(&a);
        view_unavailable(req);
        return;
    }
    json_t *answers = NULL;
    bool share = false, draft = PQntuples(res) == 1;
    const char *saved_at = NULL;
    /* Showing the draft is a read of the client's writing: audited first. */
    if (draft && audit(req, "entry.viewed", "entry", db_int(res, 0, "id"), a.client_id) != DB_OK) {
        PQclear(res);
        homework_assignment_free(&a);
        view_unavailable(req);
        return;
    }
    if (draft) {
        answers = homework_open_answers(res, 0, db_col(res, "answers_enc"), a.client_id, a.id);
        share = db_bool(res, 0, "shared_with_partner");
        saved_at = arena_strdup(&req->arena, db_text(res, 0, "saved_at"));
    }
    PQclear(res);
    json_t *data =
        practice_data(req, &a, answers, NULL, share && a.partner_assignment_id > 0, NULL);
    json_object_set_new(data, "has_draft", json_boolean(draft));
    json_object_set_new(data, "draft_saved_at", saved_at ? json_string(saved_at) : json_null());
    const char *saved = req_query(req, "saved");
    if (draft && saved != NULL && strcmp(saved, "1") == 0)
        json_object_set_new(data, "notice",
                            json_string(arena_printf(&req->arena, "Draft saved at %s", saved_at)));
    else if (draft && answers == NULL)
        json_object_set_new(data, "notice",
                            json_string("Your saved draft could not be opened. Please start "
                                        "again, or tell your therapist."));
    else if (draft)
        json_object_set_new(data, "notice",
                            json_string(arena_printf(
                                &req->arena, "Your draft from %s is filled in below.", saved_at)));
    else
        json_object_set_new(data, "notice", json_null());
    json_decref(answers);
    homework_assignment_free(&a);
    view_page(req, 200, "practice", data);
}

/* What was posted, as form_validate and form_view read it: {key: "value"}
 * and {"key[]": ["a", "b"]}; the form's own controls left out. */
static json_t *posted_input(const struct request *req)
{
    json_t *in = json_object();
    for (const struct field *f = req->form; f != NULL; f = f->next) {
        if (strcmp(f->key, "_csrf") == 0 || strcmp(f->key, "action") == 0 ||
            strcmp(f->key, "idempotency_key") == 0 || strcmp(f->key, "share") == 0)
            continue;
        size_t n = strlen(f->key);
        if (n > 2 && strcmp(f->key + n - 2, "[]") == 0) {
            json_t *arr = json_object_get(in, f->key);
            if (arr == NULL) {
                arr = json_array();
                json_object_set_new(in, f->key, arr);
            }
            json_array_append_new(arr, json_stringn(f->value, f->len));
        } else {
            json_object_set_new(in, f->key, json_stringn(f->value, f->len));
        }
    }
    return in;
}

/* 422: the form again with what was typed, a message per field and a
 * summary (HTML), or the messages by field (JSON). Steals input/errors. */
static void practice_invalid(struct request *req, const struct hw_assignment *a, json_t *input,
                             json_t *errors, bool share, const char *notice)
{
    if (req->want_json) {
        view_error(req, 422, "invalid", "Some answers need attention.");
        json_object_set(json_object_get(req->view.data, "error"), "fields", errors);
        if (notice != NULL)
            json_object_set_new(json_object_get(req->view.data, "error"), "draft_saved",
                                json_true());
    } else {
        json_t *data = practice_data(req, a, input, errors, share, NULL);
        json_object_set_new(data, "notice", notice ? json_string(notice) : json_null());
        view_page(req, 422, "practice", data);
    }
    json_decref(input);
    json_decref(errors);
}

/* 503: the write failed, the form again with what was typed and the same
 * idempotency key (view_not_saved). */
static void practice_not_saved(struct request *req, const struct hw_assignment *a,
                               const json_t *input, bool share, const char *key)
{
    json_t *data = req->want_json ? NULL : practice_data(req, a, input, NULL, share, key);
    if (data != NULL)
        json_object_set_new(data, "notice", json_null());
    view_not_saved(req, "practice", data);
}

/* Saves the one draft of the assignment. DB_OK with *saved_at (arena,
 * "HH:MM") or NULL when no row was written: the form was already submitted
 * (*submitted_id set) or the assignment went away. */
static enum db_status save_draft(struct request *req, const struct hw_assignment *a,
                                 const json_t *answers, bool share, const char *key,
                                 const char **saved_at, long long *submitted_id)
{
    *saved_at = NULL;
    *submitted_id = 0;
    char *sealed = homework_seal_answers(answers, a->client_id, a->id);
    if (sealed == NULL)
        return DB_HARD;
    char row_key[TOKEN_LEN + 1];
    token_new(row_key);
    struct db_args args = {0};
    db_arg_int(&args, a->id);
    db_arg_int(&args, a->client_id);
    db_arg_text(&args, sealed);
    db_arg_bool(&args, share);
    db_arg_text(&args, key);
    db_arg_text(&args, row_key);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_HW_DRAFT_SAVE, &args, &res);
    homework_secret_free(sealed);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1)
        *saved_at = arena_strdup(&req->arena, db_text(res, 0, "saved_at"));
    PQclear(res);
    if (*saved_at != NULL)
        return DB_OK;
    struct db_args by_key = {0};
    db_arg_int(&by_key, a->client_id);
    db_arg_text(&by_key, key);
    if ((st = db_run(STMT_HW_ENTRY_BY_KEY, &by_key, &res)) != DB_OK)
        return st;
    if (PQntuples(res) == 1)
        *submitted_id = db_int(res, 0, "id");
    PQclear(res);
    return DB_OK;
}

struct submit_ctx {
    struct request *req;
    const struct hw_assignment *a;
    const char *sealed;
    const json_t *answers; /* what sealed holds: the attention rules read it */
    bool share;
    const char *key;
    long long entry_id; /* out */
    bool created;       /* out: false when the form had already made it */
};

/* The id of the one row statement id returns with args; 0 when none. */
static enum db_status first_id(enum stmt_id id, const struct db_args *args, long long *out)
{
    PGresult *res = NULL;
    enum db_status st = db_run(id, args, &res);
    if (st != DB_OK)
        return st;
    *out = PQntuples(res) == 1 ? db_int(res, 0, "id") : 0;
    PQclear(res);
    return DB_OK;
}

/* One transaction: the entry a key already made, else the draft becomes the
 * entry, else a new entry; and its audit row. Durable before COMMIT returns. */
static enum db_status submit_tx(void *arg)
{
    struct submit_ctx *c = arg;
    enum db_status st;
    c->entry_id = 0;
    c->created = false;
    struct db_args none = {0};
    if ((st = db_run(STMT_HW_SYNC_COMMIT, &none, NULL)) != DB_OK)
        return st;
    struct db_args by_key = {0};
    db_arg_int(&by_key, c->a->client_id);
    db_arg_text(&by_key, c->key);
    if ((st = first_id(STMT_HW_ENTRY_BY_KEY, &by_key, &c->entry_id)) != DB_OK)
        return st;
    if (c->entry_id > 0)
        return DB_OK;
    struct db_args entry = {0};
    db_arg_int(&entry, c->a->id);
    db_arg_int(&entry, c->a->client_id);
    db_arg_text(&entry, c->sealed);
    db_arg_bool(&entry, c->share);
    db_arg_text(&entry, c->key);
    if ((st = first_id(STMT_HW_DRAFT_SUBMIT, &entry, &c->entry_id)) != DB_OK)
        return st;
    if (c->entry_id == 0 && (st = first_id(STMT_HW_ENTRY_INSERT, &entry, &c->entry_id)) != DB_OK)
        return st;
    if (c->entry_id == 0) {
        /* The same form posted at the same moment: the other made it. */
        return first_id(STMT_HW_ENTRY_BY_KEY, &by_key, &c->entry_id);
    }
    c->created = true;
    if ((st = audit(c->req, "entry.submitted", "entry", c->entry_id, c->a->client_id)) != DB_OK)
        return st;
    /* A risk answer and its alert are one commit: never the entry alone. */
    bool risk;
    return attention_on_entry(c->a, c->entry_id, c->answers, &risk);
}

void h_practice_post(struct request *req)
{
    struct hw_assignment a;
    if (!practice_access(req, &a))
        return;
    json_t *input = NULL, *answers = NULL, *errors = NULL;
    const char *action = req_form(req, "action");
    const char *key = req_form(req, "idempotency_key");
    const char *share_in = req_form(req, "share");
    bool draft = action != NULL && strcmp(action, "draft") == 0;
    if (!draft && (action == NULL || strcmp(action, "submit") != 0)) {
        view_error(req, 400, "bad_request", "Choose Save draft or Submit.");
        goto done;
    }
    if (!homework_key_valid(key)) {
        view_error(req, 400, "bad_request",
                   "This form has expired. Reload the page and try again: what you typed is "
                   "kept in your draft if it was saved.");
        goto done;
    }
    if (share_in != NULL && (strcmp(share_in, "on") != 0 || a.partner_assignment_id == 0)) {
        view_error(req, 400, "bad_request", "This entry cannot be shared.");
        goto done;
    }
    bool share = share_in != NULL;

    input = posted_input(req);
    int problems =
        form_validate(a.practice_form ? a.practice_form : a.form, input, draft, &answers, &errors);
    if (problems < 0) {
        view_error(req, 500, "internal", "This homework's form could not be read.");
        goto done;
    }

    if (draft || problems > 0) {
        /* A submission with problems is kept as the draft as well, so what
         * was valid survives closing the page. */
        const char *saved_at = NULL;
        long long submitted = 0;
        enum db_status st = save_draft(req, &a, answers, share, key, &saved_at, &submitted);
        if (st != DB_OK && draft) {
            practice_not_saved(req, &a, input, share, key);
            goto done;
        }
        if (draft && saved_at == NULL) {
            if (submitted > 0 && req->want_json) {
                view_error(req, 409, "already_submitted",
                           "This form was already submitted. Reload it to start a new entry.");
                json_object_set_new(json_object_get(req->view.data, "error"), "entry_id",
                                    json_integer(submitted));
            } else if (submitted > 0) {
                view_redirect(req, arena_printf(&req->arena, "/entries/%lld/submitted", submitted));
            } else {
                homework_not_found(req);
            }
            goto done;
        }
        if (problems > 0) {
            const char *notice =
                saved_at == NULL
                    ? NULL
                    : arena_printf(&req->arena,
                                   draft ? "Draft saved at %s, but some answers need a look."
                                         : "Not sent yet: some answers need a look. What you "
                                           "typed is kept (draft saved at %s).",
                                   saved_at);
            practice_invalid(req, &a, input, errors, share, notice);
            input = errors = NULL;
            goto done;
        }
        if (req->want_json)
            view_page(req, 200, NULL,
                      json_pack("{s:b, s:s, s:s}", "saved", 1, "saved_at", saved_at, "message",
                                arena_printf(&req->arena, "Draft saved at %s", saved_at)));
        else
            view_redirect(req, arena_printf(&req->arena, "/homework/%lld/practice?saved=1", a.id));
        goto done;
    }

    char *sealed = homework_seal_answers(answers, a.client_id, a.id);
    if (sealed == NULL) {
        practice_not_saved(req, &a, input, share, key);
        goto done;
    }
    struct submit_ctx c = {
        .req = req, .a = &a, .sealed = sealed, .answers = answers, .share = share, .key = key};
    enum db_status st = db_tx(submit_tx, &c);
    homework_secret_free(sealed);
    if (st != DB_OK) {
        practice_not_saved(req, &a, input, share, key);
        goto done;
    }
    if (c.entry_id == 0) {
        homework_not_found(req); /* cancelled meanwhile */
        goto done;
    }
    view_redirect(req, arena_printf(&req->arena, "/entries/%lld/submitted", c.entry_id));

done:
    json_decref(input);
    json_decref(answers);
    json_decref(errors);
    homework_assignment_free(&a);
}
