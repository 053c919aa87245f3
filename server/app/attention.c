/* attention.c: attention items (see attention.h): the rules that raise
 * them, the inactivity job, the client page's list, acknowledging one, and
 * the crisis contacts shown with a risk answer. */
#include "app/attention.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/library.h"
#include "auth/auth.h"
#include "crypto/box.h"
#include "forms/form.h"
#include "util/utf8.h"

/* The longest acknowledgement note, in code points. */
#define ATTN_NOTE_MAX 2000

static const char *const kind_names[ATTN__MAX] = {
    [ATTN_RISK] = "risk",
    [ATTN_WORSENING] = "worsening",
    [ATTN_DISTRESS_RISING] = "distress_rising",
    [ATTN_PAUSED] = "paused",
    [ATTN_INACTIVE] = "inactive",
};

static const char *const kind_labels[ATTN__MAX] = {
    [ATTN_RISK] = "Risk answer",
    [ATTN_WORSENING] = "Scores worse",
    [ATTN_DISTRESS_RISING] = "Distress rising",
    [ATTN_PAUSED] = "Pausing",
    [ATTN_INACTIVE] = "No practice lately",
};

const char *attention_kind_name(enum attn_kind k)
{
    return (int)k >= 0 && k < ATTN__MAX ? kind_names[k] : "";
}

const char *attention_kind_label(enum attn_kind k)
{
    return (int)k >= 0 && k < ATTN__MAX ? kind_labels[k] : "";
}

bool attention_kind_parse(const char *s, enum attn_kind *out)
{
    for (int k = 0; s != NULL && k < ATTN__MAX; k++)
        if (strcmp(s, kind_names[k]) == 0) {
            *out = (enum attn_kind)k;
            return true;
        }
    return false;
}

/* ---- the rules (pure) ---- */

/* Appends s to buf (cap bytes with the NUL), cutting at a character
 * boundary when it does not fit. */
static void append(char *buf, size_t cap, const char *s)
{
    size_t used = strlen(buf), n = strlen(s);
    if (used + 1 >= cap)
        return;
    if (n > cap - 1 - used) {
        n = cap - 1 - used;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* s[n] would start the cut: back to a lead byte */
    }
    memcpy(buf + used, s, n);
    buf[used + n] = '\0';
}

/* A number as a person reads it: "12", "2.5". */
static void num_text(const json_t *v, char *out, size_t n)
{
    double d = json_number_value(v);
    if (json_is_integer(v) || d == (double)(long long)d)
        snprintf(out, n, "%lld", (long long)d);
    else
        snprintf(out, n, "%.1f", d);
}

/* The def's field keyed key of type type, or NULL. */
static const json_t *field_named(const json_t *def, const char *key, const char *type)
{
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(def, "fields"), i, f)
    {
        const char *k = json_string_value(json_object_get(f, "key"));
        const char *t = json_string_value(json_object_get(f, "type"));
        if (k != NULL && t != NULL && strcmp(k, key) == 0 && strcmp(t, type) == 0)
            return f;
    }
    return NULL;
}

/* Distress before and after of one submission, when the form has both
 * scales and both were answered. */
static bool distress_pair(const json_t *def, const json_t *answers, long long *before,
                          long long *after)
{
    if (def == NULL || answers == NULL || field_named(def, "distress_before", "scale") == NULL ||
        field_named(def, "distress_after", "scale") == NULL)
        return false;
    const json_t *b = json_object_get(answers, "distress_before");
    const json_t *a = json_object_get(answers, "distress_after");
    if (!json_is_integer(b) || !json_is_integer(a))
        return false;
    *before = json_integer_value(b);
    *after = json_integer_value(a);
    return true;
}

static bool said_paused(const json_t *def, const json_t *answers)
{
    if (def == NULL || answers == NULL || field_named(def, "paused", "yes_no") == NULL)
        return false;
    const char *v = json_string_value(json_object_get(answers, "paused"));
    return v != NULL && strcmp(v, "yes") == 0;
}

static bool rule_risk(const json_t *def, const json_t *answers, struct attn_found *out)
{
    json_t *fired = form_alerts(def, answers);
    size_t n = json_array_size(fired), i;
    json_t *al;
    out->detail[0] = '\0';
    json_array_foreach(fired, i, al)
    {
        if (i > 0)
            append(out->detail, sizeof(out->detail), " ");
        append(out->detail, sizeof(out->detail), json_string_value(json_object_get(al, "message")));
    }
    json_decref(fired);
    return n > 0;
}

/* A complete score of def's scoring for answers, or NULL. */
static json_t *complete_score(const json_t *def, const json_t *answers)
{
    if (def == NULL || answers == NULL)
        return NULL;
    json_t *s = form_score(def, answers);
    if (s != NULL && !json_is_true(json_object_get(s, "complete"))) {
        json_decref(s);
        s = NULL;
    }
    return s;
}

static bool rule_worsening(const json_t *def, const json_t *answers, const struct attn_prev *prev,
                           size_t nprev, struct attn_found *out)
{
    json_t *cur = complete_score(def, answers), *old = NULL;
    for (size_t i = 0; cur != NULL && old == NULL && i < nprev; i++)
        old = complete_score(prev[i].def, prev[i].answers);
    bool worse = false;
    if (cur != NULL && old != NULL) {
        const json_t *scoring = json_object_get(def, "scoring");
        bool better_high = json_is_true(json_object_get(scoring, "higher_is_better"));
        double rc = json_number_value(json_object_get(scoring, "reliable_change"));
        double delta = json_number_value(json_object_get(cur, "total")) -
                       json_number_value(json_object_get(old, "total"));
        const json_t *cb = json_object_get(cur, "band_index"),
                     *ob = json_object_get(old, "band_index");
        bool band_worse = json_is_integer(cb) && json_is_integer(ob) &&
                          (better_high ? json_integer_value(cb) < json_integer_value(ob)
                                       : json_integer_value(cb) > json_integer_value(ob));
        bool change_worse = rc > 0 && (better_high ? -delta >= rc : delta >= rc);
        worse = band_worse || change_worse;
        if (worse) {
            char t[32], o[32];
            num_text(json_object_get(cur, "total"), t, sizeof(t));
            num_text(json_object_get(old, "total"), o, sizeof(o));
            const char *tb = json_string_value(json_object_get(cur, "band"));
            const char *ob_label = json_string_value(json_object_get(old, "band"));
            snprintf(out->detail, sizeof(out->detail), "Score %s (%s), previously %s (%s).", t,
                     tb != NULL ? tb : "no band", o, ob_label != NULL ? ob_label : "no band");
        }
    }
    json_decref(cur);
    json_decref(old);
    return worse;
}

static bool rule_distress(const json_t *def, const json_t *answers, const struct attn_prev *prev,
                          size_t nprev, struct attn_found *out)
{
    long long b[3], a[3];
    if (nprev < 2 || !distress_pair(def, answers, &b[2], &a[2]) ||
        !distress_pair(prev[0].def, prev[0].answers, &b[1], &a[1]) ||
        !distress_pair(prev[1].def, prev[1].answers, &b[0], &a[0]))
        return false;
    for (int i = 0; i < 3; i++)
        if (a[i] < b[i])
            return false;
    snprintf(out->detail, sizeof(out->detail),
             "Distress after practising was at or above distress before on the last three "
             "practices (before and after, oldest first: %lld and %lld, %lld and %lld, %lld and "
             "%lld).",
             b[0], a[0], b[1], a[1], b[2], a[2]);
    return true;
}

static bool rule_paused(const json_t *def, const json_t *answers, const struct attn_prev *prev,
                        size_t nprev, struct attn_found *out)
{
    if (nprev < 1 || !said_paused(def, answers) || !said_paused(prev[0].def, prev[0].answers))
        return false;
    snprintf(out->detail, sizeof(out->detail),
             "Paused or stopped early on the last two practices.");
    return true;
}

size_t attention_rules(const json_t *def, const json_t *answers, const struct attn_prev *prev,
                       size_t nprev, struct attn_found out[ATTN__MAX])
{
    size_t n = 0;
    if (def == NULL || answers == NULL)
        return 0;
    if (nprev > ATTN_HISTORY)
        nprev = ATTN_HISTORY;
    memset(out, 0, sizeof(*out) * ATTN__MAX);
    if (rule_risk(def, answers, &out[n]))
        out[n++].kind = ATTN_RISK;
    if (rule_worsening(def, answers, prev, nprev, &out[n]))
        out[n++].kind = ATTN_WORSENING;
    if (rule_distress(def, answers, prev, nprev, &out[n]))
        out[n++].kind = ATTN_DISTRESS_RISING;
    if (rule_paused(def, answers, prev, nprev, &out[n]))
        out[n++].kind = ATTN_PAUSED;
    if (n < ATTN__MAX)
        out[n].detail[0] = '\0';
    return n;
}

/* ---- raising them ---- */

static void detail_aad(char *out, size_t n, long long client, long long assignment, long long entry,
                       const char *kind)
{
    snprintf(out, n, "attention:%lld:%lld:%lld:%s", client, assignment, entry, kind);
}

/* Whether any rule of def compares with earlier entries: a score, the
 * distress pair or the pause question. Most forms have none: their entry
 * costs no extra query. */
static bool needs_history(const json_t *def)
{
    return json_object_get(def, "scoring") != NULL ||
           (field_named(def, "distress_before", "scale") != NULL &&
            field_named(def, "distress_after", "scale") != NULL) ||
           field_named(def, "paused", "yes_no") != NULL;
}

enum db_status attention_on_entry(const struct hw_assignment *a, long long entry_id,
                                  const json_t *answers, bool *risk)
{
    *risk = false;
    if (!needs_history(a->form)) {
        json_t *fired = form_alerts(a->form, answers);
        size_t nfired = json_array_size(fired);
        json_decref(fired);
        if (nfired == 0)
            return DB_OK; /* no rule can apply: nothing to read, nothing to raise */
    }
    struct db_args hp = {0};
    db_arg_int(&hp, a->client_id);
    db_arg_int(&hp, a->activity_id);
    db_arg_int(&hp, entry_id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_ATTN_HISTORY, &hp, &res);
    if (st != DB_OK)
        return st;
    struct attn_prev prev[ATTN_HISTORY] = {{0}};
    json_t *contents[ATTN_HISTORY] = {0}, *opened[ATTN_HISTORY] = {0};
    int nrows = PQntuples(res);
    size_t nprev = 0;
    for (int r = 0; r < nrows && nprev < ATTN_HISTORY; r++, nprev++) {
        contents[nprev] =
            activity_version_content(db_int(res, r, "version_id"), db_text(res, r, "content"));
        opened[nprev] = homework_open_answers(res, r, db_col(res, "answers_enc"), a->client_id,
                                              db_int(res, r, "assignment_id"));
        prev[nprev].def = activity_form(db_text(res, r, "kind"), contents[nprev]);
        prev[nprev].answers = opened[nprev];
    }
    struct attn_found found[ATTN__MAX];
    size_t n = attention_rules(a->form, answers, prev, nprev, found);
    for (size_t i = 0; i < nprev; i++) {
        json_decref(contents[i]);
        json_decref(opened[i]);
    }
    PQclear(res);

    int nrisk = 0;
    for (size_t i = 0; i < n && st == DB_OK; i++) {
        const char *kind = attention_kind_name(found[i].kind);
        char aad[128];
        detail_aad(aad, sizeof(aad), a->client_id, a->id, entry_id, kind);
        char *sealed = found[i].detail[0] != '\0' ? box_seal_hex(found[i].detail, aad) : NULL;
        if (found[i].detail[0] != '\0' && sealed == NULL)
            return DB_HARD;
        struct db_args ip = {0};
        db_arg_int(&ip, a->client_id);
        db_arg_text(&ip, kind);
        db_arg_int(&ip, a->id);
        db_arg_int(&ip, entry_id);
        db_arg_text(&ip, sealed);
        st = db_run(STMT_ATTN_INSERT, &ip, NULL);
        free(sealed);
        if (found[i].kind == ATTN_RISK) {
            *risk = true;
            nrisk++;
        }
    }
    sodium_memzero(found, sizeof(found));
    /* The care team hears of a risk answer by mail (counts and a link
     * only), queued in this same transaction. */
    if (st == DB_OK && nrisk > 0)
        st = mail_alert_care_team(a->client_id, nrisk);
    return st;
}

struct inactive_ctx {
    long raised;
};

static enum db_status inactive_tx(void *arg)
{
    struct inactive_ctx *c = arg;
    const struct db_args none = {0};
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_ATTN_LOCK, &none, &res);
    if (st != DB_OK)
        return st;
    bool mine = PQntuples(res) == 1 && db_bool(res, 0, "locked");
    PQclear(res);
    if (!mine)
        return DB_OK; /* another node is at it */
    if ((st = db_run(STMT_ATTN_INACTIVE, &none, &res)) != DB_OK)
        return st;
    c->raised = PQntuples(res);
    PQclear(res);
    return DB_OK;
}

enum db_status attention_raise_inactive(long *raised)
{
    struct inactive_ctx c = {0};
    enum db_status st = db_tx(inactive_tx, &c);
    if (raised != NULL)
        *raised = st == DB_OK ? c.raised : 0;
    return st;
}

/* ---- the client page's list ---- */

json_t *attention_client_items_err(struct request *req, long long client_id, long long err_item,
                                   const char *err_msg, const char *typed)
{
    struct db_args a_client = {0};
    db_arg_int(&a_client, client_id);
    PGresult *res = NULL;
    if (db_run(STMT_ATTN_CLIENT_ITEMS, &a_client, &res) != DB_OK)
        return NULL;
    json_t *items = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        long long id = db_int(res, r, "id");
        long long entry = db_int(res, r, "entry_id");
        long long assignment = db_int(res, r, "assignment_id");
        const char *kind_s = db_text(res, r, "kind");
        enum attn_kind kind = ATTN_RISK;
        attention_kind_parse(kind_s, &kind);
        bool open = db_bool(res, r, "open");
        char aad[128];
        detail_aad(aad, sizeof(aad), client_id, assignment, entry, kind_s);
        char *detail = db_is_null(res, r, "detail_enc")
                           ? NULL
                           : box_open_pq(res, r, db_col(res, "detail_enc"), aad);
        char *note = NULL;
        if (!db_is_null(res, r, "ack_note_enc")) {
            snprintf(aad, sizeof(aad), "attention:%lld:%lld:note", client_id, id);
            note = box_open_pq(res, r, db_col(res, "ack_note_enc"), aad);
        }
        bool err_here = err_item == id && err_msg != NULL;
        json_t *it = json_pack(
            "{s:I, s:s, s:s, s:s, s:o, s:I, s:s, s:o, s:b, s:b, s:o, s:o, s:o, s:s, s:o, s:o}",
            "id", (json_int_t)id, "kind", kind_s, "label", attention_kind_label(kind), "raised_at",
            db_text(res, r, "raised"), "entry_id", entry > 0 ? json_integer(entry) : json_null(),
            "assignment_id", (json_int_t)assignment, "activity_title", db_text(res, r, "title"),
            "detail", detail != NULL ? json_string(detail) : json_null(), "open", open, "is_risk",
            kind == ATTN_RISK, "acknowledged_at",
            open ? json_null() : json_string(db_text(res, r, "acknowledged")), "acknowledged_by",
            open ? json_null() : json_string(db_text(res, r, "acknowledged_by")), "note",
            note != NULL ? json_string(note) : json_null(), "ack_action",
            arena_printf(&req->arena, "/clients/%lld/attention/%lld/acknowledge", client_id, id),
            "error", err_here ? json_string(err_msg) : json_null(), "note_value",
            json_string(err_here && typed != NULL ? typed : ""));
        if (entry > 0)
            json_object_set_new(it, "entry_href",
                                json_string(arena_printf(&req->arena, "/entries/%lld", entry)));
        else
            json_object_set_new(it, "entry_href", json_null());
        if (detail != NULL)
            homework_secret_free(detail);
        if (note != NULL)
            homework_secret_free(note);
        json_array_append_new(items, it);
    }
    PQclear(res);
    return items;
}

json_t *attention_client_items(struct request *req, long long client_id)
{
    return attention_client_items_err(req, client_id, 0, NULL, NULL);
}

/* ---- acknowledging ---- */

struct ack_ctx {
    struct request *req;
    long long client_id, item_id;
    const char *note; /* NULL: none */
    bool found, was_open, done;
};

static enum db_status ack_tx(void *arg)
{
    struct ack_ctx *c = arg;
    struct db_args sp = {0};
    db_arg_int(&sp, c->item_id);
    db_arg_int(&sp, c->client_id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_ATTN_STATE, &sp, &res);
    if (st != DB_OK)
        return st;
    c->found = PQntuples(res) == 1;
    c->was_open = c->found && db_bool(res, 0, "open");
    PQclear(res);
    if (!c->was_open)
        return DB_OK;
    char *sealed = NULL;
    if (c->note != NULL) {
        char aad[96];
        snprintf(aad, sizeof(aad), "attention:%lld:%lld:note", c->client_id, c->item_id);
        if ((sealed = box_seal_hex(c->note, aad)) == NULL)
            return DB_HARD;
    }
    struct db_args ap = {0};
    db_arg_int(&ap, c->item_id);
    db_arg_int(&ap, c->client_id);
    db_arg_int(&ap, c->req->session->user->id);
    db_arg_text(&ap, sealed);
    st = db_run(STMT_ATTN_ACK, &ap, &res);
    free(sealed);
    if (st != DB_OK)
        return st;
    c->done = PQntuples(res) == 1;
    PQclear(res);
    if (!c->done)
        return DB_OK;
    return audit(c->req, "attention.acknowledged", "attention_item", c->item_id, c->client_id);
}

/* 503 for an acknowledgement that was not stored: the client page needs
 * the database too, so the note alone comes back as typed, on the generic
 * page (view_not_saved_text). */
static void ack_not_saved(struct request *req, long long client_id, long long item_id)
{
    const struct unsaved_text text = {"note", "Note for the record (optional)"};
    const struct unsaved_form f = {
        .title = "Client",
        .heading = "Acknowledge",
        .button = "Acknowledge",
        .keep = arena_printf(&req->arena, "attention:%lld", item_id),
        .back_href = arena_printf(&req->arena, "/clients/%lld#attention", client_id),
        .back_label = "Back to the client",
        .texts = &text,
        .ntexts = 1};
    view_not_saved_text(req, &f);
}

static bool only_space(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

void h_attention_acknowledge(struct request *req)
{
    long long client_id = req->ids[0], item_id = req->ids[1];
    bool mine;
    if (access_is_my_client(req, client_id, &mine) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (!mine) {
        homework_not_found(req);
        return;
    }
    const char *note = req_form(req, "note");
    if (note != NULL && only_space(note))
        note = NULL;
    if (note != NULL && utf8_code_points(note) > ATTN_NOTE_MAX) {
        const char *msg = "Keep the note to 2,000 characters or fewer.";
        if (req->want_json) {
            view_error(req, 422, "invalid", "The note is too long.");
            json_object_set_new(json_object_get(req->view.data, "error"), "fields",
                                json_pack("{s:s}", "note", msg));
        } else {
            client_page(req, client_id, 422, item_id, msg, note);
        }
        return;
    }
    struct ack_ctx c = {.req = req, .client_id = client_id, .item_id = item_id, .note = note};
    enum db_status st = db_tx(ack_tx, &c);
    if (st != DB_OK) {
        ack_not_saved(req, client_id, item_id); /* the note as typed, 503 */
        return;
    }
    if (!c.found) {
        homework_not_found(req);
        return;
    }
    if (!c.was_open || !c.done) {
        view_error(req, 409, "already_acknowledged",
                   "This item was already acknowledged. Reload the page to see who did it.");
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL,
                  json_pack("{s:b, s:I}", "acknowledged", 1, "id", (json_int_t)item_id));
    else
        view_redirect(
            req, arena_printf(&req->arena, "/clients/%lld?done=acknowledged#attention", client_id));
}

/* ---- crisis contacts ---- */

json_t *attention_crisis_contacts(void)
{
    const struct db_args none = {0};
    PGresult *res = NULL;
    if (db_run(STMT_CRISIS_LIST, &none, &res) != DB_OK)
        return NULL;
    json_t *out = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        const char *phone = db_text(res, r, "phone"), *url = db_text(res, r, "url"),
                   *note = db_text(res, r, "note");
        char href[48] = "";
        size_t k = 0;
        if (phone[0] != '\0') {
            memcpy(href, "tel:", 4);
            k = 4;
            for (const char *p = phone; *p && k + 1 < sizeof(href); p++)
                if ((*p >= '0' && *p <= '9') || *p == '+')
                    href[k++] = *p;
            href[k] = '\0';
        }
        json_array_append_new(
            out, json_pack("{s:I, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)db_int(res, r, "id"),
                           "label", db_text(res, r, "label"), "phone",
                           phone[0] ? json_string(phone) : json_null(), "phone_href",
                           phone[0] ? json_string(href) : json_null(), "url",
                           url[0] ? json_string(url) : json_null(), "note",
                           note[0] ? json_string(note) : json_null()));
    }
    PQclear(res);
    return out;
}

json_t *attention_support(const json_t *def, const json_t *answers, bool therapist_notified)
{
    json_t *fired = form_alerts(def, answers);
    if (json_array_size(fired) == 0) {
        json_decref(fired);
        return NULL;
    }
    json_t *messages = json_array();
    size_t i, k;
    json_t *al, *m;
    json_array_foreach(fired, i, al)
    {
        const char *text = json_string_value(json_object_get(al, "client_message"));
        bool seen = text == NULL || text[0] == '\0';
        json_array_foreach(messages, k, m)
        {
            if (!seen && strcmp(json_string_value(json_object_get(m, "text")), text) == 0)
                seen = true;
        }
        if (!seen)
            json_array_append_new(messages, json_pack("{s:s}", "text", text));
    }
    json_decref(fired);
    json_t *contacts = attention_crisis_contacts();
    if (contacts == NULL)
        contacts = json_array(); /* the panel still shows the emergency line */
    return json_pack("{s:o, s:b, s:b, s:o}", "messages", messages, "therapist_notified",
                     therapist_notified, "has_contacts", json_array_size(contacts) > 0, "contacts",
                     contacts);
}
