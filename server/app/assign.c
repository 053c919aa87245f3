/* assign.c: a therapist gives homework: assign an activity to one of their
 * clients or couples (its latest version, kept forever), change its dates,
 * rhythm and note, or cancel it; and the overview of the caseload that puts
 * the clients needing attention first (GET /clients, clients.c).
 *
 * Who may: the assignment's own therapist, while the client is on their
 * care team (homework_assignment_access decides care-team access; the
 * owner is checked here). Anything else is answered 404. The personal note
 * is sealed per client (AAD "assignment:<client_id>:note"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/attention.h"
#include "app/charts.h"
#include "app/page_form.h"
#include "app/homework.h"
#include "auth/auth.h"
#include "crypto/box.h"

#define NOTE_MAX_POINTS 2000
#define MAX_TIMES_PER_WEEK 14
#define MAX_WEEKS 52
/* Repeating "every N days or weeks until a date": N from 1 to 90 days or 1 to
 * 13 weeks, the end after the start and at most 731 days (two years) after it
 * (the CHECK of migration 0009). A measure is suggested every 2 weeks for 12
 * weeks. */
#define MAX_REPEAT_DAYS 90
#define MAX_REPEAT_WEEKS 13
#define MAX_REPEAT_SPAN 731
#define MEASURE_EVERY_WEEKS 2
#define MEASURE_SPAN_DAYS 84
/* Dates accepted for a start or due date: a typo like 0026 or 20266 is
 * caught here rather than by PostgreSQL. */
#define FIRST_YEAR_DAYS 10957 /* 2000-01-01 */
#define LAST_YEAR_DAYS 47481  /* 2099-12-31 */

static const char assign_title[] = "Assign homework";
static const char edit_title[] = "Change homework";

/* ---- small parsers ---- */

/* A positive decimal id without sign, spaces or leading zero; 0 otherwise. */
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

/* "client:<id>" or "couple:<id>", as the <select> posts it. */
enum who_kind { WHO_NONE, WHO_CLIENT, WHO_COUPLE };

static enum who_kind parse_who(const char *s, long long *id)
{
    *id = 0;
    if (s == NULL)
        return WHO_NONE;
    enum who_kind k = WHO_NONE;
    if (strncmp(s, "client:", 7) == 0)
        k = WHO_CLIENT;
    else if (strncmp(s, "couple:", 7) == 0)
        k = WHO_COUPLE;
    if (k == WHO_NONE || (*id = parse_id(s + 7)) == 0)
        return WHO_NONE;
    return k;
}

/* A small whole number as typed: 1-3 digits, no sign or spaces; -1 else. */
static int parse_small(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 3)
        return -1;
    int v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

static bool blank(const char *s)
{
    if (s == NULL)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

static size_t utf8_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The suggested rhythm of an activity, as stored in its content (strings
 * from SQL or numbers from JSON); 0 when absent or out of range. */
static int rhythm_value(const char *s, int max)
{
    int v = parse_small(s);
    return v >= 1 && v <= max ? v : 0;
}

/* ---- the schedule and the note: the fields creating and editing share ---- */

struct schedule {
    /* as typed */
    const char *start, *mode, *due, *tpw, *weeks, *every, *unit, *until, *note;
    /* validated */
    bool rhythm;
    int times_per_week, nweeks;
    bool repeat;     /* every repeat_days until `until` (stored as the due date) */
    int repeat_days; /* weeks x 7 */
    bool has_note;
};

static const char date_help[] = "Enter a date like 2026-03-14.";

/* Checks a date field; returns false (with a message on the field) when it
 * is missing or not a day between 2000 and 2099. */
static bool check_date(json_t *form, const char *field, const char *value, const char *missing,
                       long *days)
{
    if (blank(value)) {
        form_error(form, field, missing);
        return false;
    }
    if (!date_parse(value, days)) {
        form_error(form, field, date_help);
        return false;
    }
    if (*days < FIRST_YEAR_DAYS || *days > LAST_YEAR_DAYS) {
        form_error(form, field, "Choose a date between 2000 and 2099.");
        return false;
    }
    return true;
}

/* Checks the repeating schedule's fields (repeat_every, repeat_unit,
 * repeat_until) into s->repeat_days, with a message per field. */
static void read_repeat(json_t *form, struct schedule *s, bool start_ok, long start)
{
    bool weeks = s->unit != NULL && strcmp(s->unit, "weeks") == 0;
    bool days = s->unit != NULL && strcmp(s->unit, "days") == 0;
    int every = parse_small(s->every);
    if (blank(s->unit))
        form_error(form, "repeat_unit", "Choose days or weeks.");
    else if (!weeks && !days)
        form_error(form, "repeat_unit", "Choose days or weeks from the list.");
    if (blank(s->every))
        form_error(form, "repeat_every",
                   weeks  ? "Enter how often it repeats: every 1 to 13 weeks."
                   : days ? "Enter how often it repeats: every 1 to 90 days."
                          : "Enter how often it repeats.");
    else if (weeks && (every < 1 || every > MAX_REPEAT_WEEKS))
        form_error(form, "repeat_every", "Enter a whole number of weeks, from 1 to 13.");
    else if (days && (every < 1 || every > MAX_REPEAT_DAYS))
        form_error(form, "repeat_every", "Enter a whole number of days, from 1 to 90.");
    else if (!weeks && !days && every < 1)
        form_error(form, "repeat_every", "Enter a whole number, like 2.");
    s->repeat_days = weeks ? every * 7 : every;

    long until = 0;
    if (check_date(form, "repeat_until", s->until, "Enter the date it repeats until.", &until) &&
        start_ok) {
        if (until <= start)
            form_error(form, "repeat_until", "The end date must be after the start date.");
        else if (until - start > MAX_REPEAT_SPAN)
            form_error(form, "repeat_until",
                       "Choose an end date at most two years after the start date.");
    }
}

/* Reads and checks start_date, schedule ("due" | "rhythm" | "repeat"),
 * due_date, times_per_week, weeks, repeat_every, repeat_unit ("days" |
 * "weeks"), repeat_until and note; keeps what was typed in form and adds a
 * message per field. Empty rhythm fields take the activity's suggested
 * rhythm (sug_tpw, sug_weeks; 0 when it has none). Without "schedule" (an
 * API client), the one of due date, rhythm and repetition that was given is
 * meant. */
static void read_schedule(struct request *req, json_t *form, int sug_tpw, int sug_weeks,
                          struct schedule *s)
{
    memset(s, 0, sizeof(*s));
    s->start = req_form(req, "start_date");
    s->mode = req_form(req, "schedule");
    s->due = req_form(req, "due_date");
    s->tpw = req_form(req, "times_per_week");
    s->weeks = req_form(req, "weeks");
    s->every = req_form(req, "repeat_every");
    s->unit = req_form(req, "repeat_unit");
    s->until = req_form(req, "repeat_until");
    s->note = req_form(req, "note");
    form_value(form, "start_date", s->start);
    form_value(form, "schedule", s->mode);
    form_value(form, "due_date", s->due);
    form_value(form, "times_per_week", s->tpw);
    form_value(form, "weeks", s->weeks);
    form_value(form, "repeat_every", s->every);
    form_value(form, "repeat_unit", s->unit);
    form_value(form, "repeat_until", s->until);
    form_value(form, "note", s->note);

    long start = 0, due = 0;
    bool start_ok = check_date(form, "start_date", s->start, "Enter the start date.", &start);

    bool due_given = !blank(s->due), rhythm_given = !blank(s->tpw) || !blank(s->weeks);
    bool repeat_given = !blank(s->every) || !blank(s->until);
    const char *mode = s->mode;
    if (blank(mode)) {
        int given = due_given + rhythm_given + repeat_given;
        if (given == 1) {
            mode = due_given ? "due" : rhythm_given ? "rhythm" : "repeat";
        } else if (given > 1) {
            form_error(form, "schedule",
                       "Choose one: a due date, a rhythm, or repeating until a date.");
            mode = NULL;
        } else {
            form_error(form, "schedule",
                       "Choose a due date, a rhythm (how many times a week, for how many "
                       "weeks), or repeating every so many days or weeks until a date.");
            mode = NULL;
        }
    } else if (strcmp(mode, "due") != 0 && strcmp(mode, "rhythm") != 0 &&
               strcmp(mode, "repeat") != 0) {
        form_error(form, "schedule", "Choose a due date, a rhythm or repeating until a date.");
        mode = NULL;
    }
    if (mode != NULL)
        form_value(form, "schedule", mode);

    if (mode != NULL && strcmp(mode, "due") == 0) {
        if (check_date(form, "due_date", s->due, "Enter the due date.", &due) && start_ok &&
            due < start)
            form_error(form, "due_date", "The due date cannot be before the start date.");
    } else if (mode != NULL && strcmp(mode, "repeat") == 0) {
        s->repeat = true;
        read_repeat(form, s, start_ok, start);
    } else if (mode != NULL) {
        s->rhythm = true;
        int tpw = blank(s->tpw) ? sug_tpw : parse_small(s->tpw);
        int weeks = blank(s->weeks) ? sug_weeks : parse_small(s->weeks);
        if (blank(s->tpw) && sug_tpw == 0)
            form_error(form, "times_per_week", "Enter how many times a week, from 1 to 14.");
        else if (tpw < 1 || tpw > MAX_TIMES_PER_WEEK)
            form_error(form, "times_per_week",
                       "Enter a whole number of times a week, from 1 to 14.");
        if (blank(s->weeks) && sug_weeks == 0)
            form_error(form, "weeks", "Enter for how many weeks, from 1 to 52.");
        else if (weeks < 1 || weeks > MAX_WEEKS)
            form_error(form, "weeks", "Enter a whole number of weeks, from 1 to 52.");
        s->times_per_week = tpw;
        s->nweeks = weeks;
    }

    if (s->note != NULL && utf8_points(s->note) > NOTE_MAX_POINTS)
        form_error(form, "note", "Keep the note to 2,000 characters or fewer.");
    s->has_note = !blank(s->note);
}

/* Sealed note for client_id as a bytea parameter (malloc'd), or NULL when
 * there is none. *failed is set when sealing failed. */
static char *seal_note(const struct schedule *s, long long client_id, bool *failed)
{
    if (!s->has_note)
        return NULL;
    char aad[64];
    snprintf(aad, sizeof(aad), "assignment:%lld:note", client_id);
    char *sealed = box_seal_hex(s->note, aad);
    if (sealed == NULL)
        *failed = true;
    return sealed;
}

/* The kept value of a field of form, NULL when none. */
static const char *kept(const json_t *form, const char *field)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(form, "fields"), field), "value"));
}

/* Sets the radio buttons of the schedule and the unit's choice from the
 * form's kept values. */
static void schedule_flags(json_t *form)
{
    const char *mode = kept(form, "schedule"), *unit = kept(form, "repeat_unit");
    bool rhythm = mode != NULL && strcmp(mode, "rhythm") == 0;
    bool repeat = mode != NULL && strcmp(mode, "repeat") == 0;
    json_object_set_new(form, "schedule_rhythm", json_boolean(rhythm));
    json_object_set_new(form, "schedule_repeat", json_boolean(repeat));
    json_object_set_new(form, "schedule_due", json_boolean(!rhythm && !repeat));
    json_object_set_new(form, "repeat_in_days",
                        json_boolean(unit != NULL && strcmp(unit, "days") == 0));
}

/* The repeating fields' starting values: every 2 weeks for 12 weeks from
 * start (YYYY-MM-DD), as suggested for a measure. */
static void repeat_defaults(json_t *form, const char *start)
{
    long t0 = 0;
    char until[11] = "", every[8];
    if (date_parse(start, &t0))
        date_format(t0 + MEASURE_SPAN_DAYS, until);
    snprintf(every, sizeof(every), "%d", MEASURE_EVERY_WEEKS);
    form_value(form, "repeat_every", every);
    form_value(form, "repeat_unit", "weeks");
    form_value(form, "repeat_until", until);
}

/* ---- choices for the form ---- */

static const char *kind_group(const char *kind)
{
    if (strcmp(kind, "intake") == 0)
        return "Intake forms";
    if (strcmp(kind, "measure") == 0)
        return "Questionnaires";
    return "Exercises";
}

/* The activities I may assign, grouped by kind, with sel selected. */
static json_t *activity_groups(struct request *req, long long sel, enum db_status *st)
{
    struct db_args args = {0};
    db_arg_int(&args, req->session->user->id);
    PGresult *res = NULL;
    if ((*st = db_run(STMT_ASSIGN_ACTIVITIES, &args, &res)) != DB_OK)
        return NULL;
    json_t *groups = json_array(), *items = NULL;
    const char *group = NULL;
    for (int r = 0; r < PQntuples(res); r++) {
        const char *kind = db_text(res, r, "kind"), *title = db_text(res, r, "title");
        const char *g = kind_group(kind);
        if (group == NULL || strcmp(group, g) != 0) {
            items = json_array();
            json_array_append_new(groups, json_pack("{s:s, s:o}", "label", g, "items", items));
            group = g;
        }
        int tpw = rhythm_value(db_text(res, r, "suggested_times_per_week"), MAX_TIMES_PER_WEEK);
        int weeks = rhythm_value(db_text(res, r, "suggested_weeks"), MAX_WEEKS);
        char label[600];
        if (strcmp(kind, "measure") == 0)
            snprintf(label, sizeof(label), "%s (suggested: every %d weeks)", title,
                     MEASURE_EVERY_WEEKS);
        else if (tpw > 0 && weeks > 0)
            snprintf(label, sizeof(label), "%s (suggested: %d× a week for %d %s)", title, tpw,
                     weeks, weeks == 1 ? "week" : "weeks");
        else
            snprintf(label, sizeof(label), "%s", title);
        long long id = db_int(res, r, "id");
        json_array_append_new(items, json_pack("{s:I, s:s, s:b}", "value", (json_int_t)id, "label",
                                               label, "selected", id == sel));
    }
    PQclear(res);
    return groups;
}

json_t *assign_targets(struct request *req, const char *selected)
{
    struct db_args args = {0};
    db_arg_int(&args, req->session->user->id);
    PGresult *res = NULL;
    if (db_run(STMT_THERAPIST_CLIENTS, &args, &res) != DB_OK)
        return NULL;
    json_t *clients = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        char value[32];
        snprintf(value, sizeof(value), "client:%lld", db_int(res, r, "id"));
        json_array_append_new(clients, json_pack("{s:s, s:s, s:b}", "value", value, "label",
                                                 db_text(res, r, "display_name"), "selected",
                                                 selected && strcmp(selected, value) == 0));
    }
    PQclear(res);
    if (db_run(STMT_THERAPIST_COUPLES, &args, &res) != DB_OK) {
        json_decref(clients);
        return NULL;
    }
    json_t *couples = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        char value[32], label[256];
        snprintf(value, sizeof(value), "couple:%lld", db_int(res, r, "id"));
        snprintf(label, sizeof(label), "%s and %s", db_text(res, r, "name_a"),
                 db_text(res, r, "name_b"));
        json_array_append_new(couples,
                              json_pack("{s:s, s:s, s:b}", "value", value, "label", label,
                                        "selected", selected && strcmp(selected, value) == 0));
    }
    PQclear(res);
    return json_pack("{s:b, s:o, s:b, s:o}", "has_clients", json_array_size(clients) > 0, "clients",
                     clients, "has_couples", json_array_size(couples) > 0, "couples", couples);
}

/* The assign page: form (stolen) with its choices. */
static void assign_page(struct request *req, int status, json_t *form, const char *who,
                        long long activity)
{
    enum db_status st = DB_OK;
    json_t *groups = activity_groups(req, activity, &st);
    json_t *targets = groups != NULL ? assign_targets(req, who) : NULL;
    if (groups == NULL || targets == NULL) {
        json_decref(groups);
        json_decref(form);
        view_unavailable(req);
        return;
    }
    schedule_flags(form);
    json_object_set_new(form, "title", json_string(assign_title));
    json_object_set_new(form, "activity_groups", groups);
    json_object_set_new(form, "who", targets);
    if (status == 503)
        view_not_saved(req, "assign", form); /* the write failed: what was typed, again */
    else
        view_page(req, status, "assign", form);
}

static bool today_text(char out[11])
{
    struct db_args none = {0};
    PGresult *res = NULL;
    if (db_run(STMT_ASSIGN_TODAY, &none, &res) != DB_OK)
        return false;
    snprintf(out, 11, "%s", PQntuples(res) == 1 ? db_text(res, 0, "today") : "");
    PQclear(res);
    return true;
}

/* ---- whom and what ---- */

struct target {
    enum who_kind kind;
    long long couple_id;
    long long clients[2];
    int nclients;
};

/* Resolves who to my client or my couple. Returns DB_OK with *found. */
static enum db_status resolve_target(struct request *req, enum who_kind kind, long long id,
                                     struct target *t, bool *found)
{
    memset(t, 0, sizeof(*t));
    *found = false;
    t->kind = kind;
    if (kind == WHO_CLIENT) {
        enum db_status st = access_is_my_client(req, id, found);
        t->clients[0] = id;
        t->nclients = 1;
        return st;
    }
    struct db_args args = {0};
    db_arg_int(&args, id);
    db_arg_int(&args, req->session->user->id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_ASSIGN_COUPLE, &args, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1) {
        *found = true;
        t->couple_id = id;
        t->clients[0] = db_int(res, 0, "partner_a");
        t->clients[1] = db_int(res, 0, "partner_b");
        t->nclients = 2;
    }
    PQclear(res);
    return DB_OK;
}

struct activity_pick {
    long long id, version_id;
    bool archived;
    bool measure;   /* a measure: repeating is suggested */
    int tpw, weeks; /* suggested rhythm, 0 when none */
};

/* The activity if I may see it (library or my own). DB_OK with *found. */
static enum db_status resolve_activity(struct request *req, long long id, struct activity_pick *a,
                                       bool *found)
{
    memset(a, 0, sizeof(*a));
    *found = false;
    struct db_args args = {0};
    db_arg_int(&args, id);
    db_arg_int(&args, req->session->user->id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_ASSIGN_ACTIVITY, &args, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1) {
        *found = true;
        a->id = id;
        a->version_id = db_int(res, 0, "version_id");
        a->archived = db_bool(res, 0, "archived");
        a->measure = strcmp(db_text(res, 0, "kind"), "measure") == 0;
        a->tpw = rhythm_value(db_text(res, 0, "suggested_times_per_week"), MAX_TIMES_PER_WEEK);
        a->weeks = rhythm_value(db_text(res, 0, "suggested_weeks"), MAX_WEEKS);
        if (a->tpw == 0 || a->weeks == 0)
            a->tpw = a->weeks = 0;
    }
    PQclear(res);
    return DB_OK;
}

/* ---- GET /assign ---- */

void h_assign_form(struct request *req)
{
    const char *client = req_query(req, "client");
    const char *couple = req_query(req, "couple");
    const char *who = req_query(req, "who");
    const char *activity = req_query(req, "activity");
    char who_buf[32] = "";
    if (client != NULL && *client)
        snprintf(who_buf, sizeof(who_buf), "client:%.20s", client);
    else if (couple != NULL && *couple)
        snprintf(who_buf, sizeof(who_buf), "couple:%.20s", couple);
    else if (who != NULL && *who)
        snprintf(who_buf, sizeof(who_buf), "%.30s", who);

    /* Ids in the address are checked like posted ones: not mine, 404. */
    long long who_id = 0, activity_id = 0;
    enum who_kind kind = who_buf[0] ? parse_who(who_buf, &who_id) : WHO_NONE;
    if (who_buf[0] && kind == WHO_NONE) {
        homework_not_found(req);
        return;
    }
    struct target t;
    struct activity_pick a = {0};
    bool found;
    if (kind != WHO_NONE) {
        if (resolve_target(req, kind, who_id, &t, &found) != DB_OK) {
            view_unavailable(req);
            return;
        }
        if (!found) {
            homework_not_found(req);
            return;
        }
    }
    if (activity != NULL && *activity) {
        activity_id = parse_id(activity);
        if (activity_id == 0) {
            homework_not_found(req);
            return;
        }
        if (resolve_activity(req, activity_id, &a, &found) != DB_OK) {
            view_unavailable(req);
            return;
        }
        if (!found || a.archived) {
            homework_not_found(req);
            return;
        }
    }

    char today[11];
    if (!today_text(today)) {
        view_unavailable(req);
        return;
    }
    long t0 = 0;
    char due[11] = "";
    if (date_parse(today, &t0))
        date_format(t0 + 7, due);
    json_t *form = form_new();
    form_value(form, "who", who_buf);
    char aid[24] = "";
    if (activity_id > 0)
        snprintf(aid, sizeof(aid), "%lld", activity_id);
    form_value(form, "activity", aid);
    form_value(form, "start_date", today);
    char tpw[16] = "", weeks[16] = "";
    if (a.tpw > 0) {
        snprintf(tpw, sizeof(tpw), "%d", a.tpw);
        snprintf(weeks, sizeof(weeks), "%d", a.weeks);
    }
    form_value(form, "schedule", a.measure ? "repeat" : a.tpw > 0 ? "rhythm" : "due");
    form_value(form, "due_date", a.tpw > 0 || a.measure ? "" : due);
    form_value(form, "times_per_week", tpw);
    form_value(form, "weeks", weeks);
    repeat_defaults(form, today);
    form_value(form, "note", "");
    if (kind == WHO_CLIENT)
        json_object_set_new(form, "back_href",
                            json_string(arena_printf(&req->arena, "/clients/%lld", who_id)));
    assign_page(req, 200, form, who_buf, activity_id);
}

/* ---- POST /assignments ---- */

/* A schedule's times a week and weeks as two parameters (NULL, NULL unless
 * it is a rhythm), as every assignment statement takes them. */
static void arg_rhythm(struct db_args *a, const struct schedule *s)
{
    if (s->rhythm) {
        db_arg_int(a, s->times_per_week);
        db_arg_int(a, s->nweeks);
    } else {
        db_arg_null(a);
        db_arg_null(a);
    }
}

struct create_ctx {
    struct request *req;
    const struct target *t;
    const struct activity_pick *a;
    const struct schedule *s;
    const char *start, *due;
    char *notes[2];
    long long ids[2];
};

static enum db_status create_tx(void *arg)
{
    struct create_ctx *c = arg;
    for (int i = 0; i < c->t->nclients; i++) {
        struct db_args args = {0};
        db_arg_int(&args, c->a->id);
        db_arg_int(&args, c->a->version_id);
        db_arg_int(&args, c->req->session->user->id);
        db_arg_int(&args, c->t->clients[i]);
        db_arg_id_or_null(&args, c->t->couple_id);
        db_arg_id_or_null(&args, i > 0 ? c->ids[0] : 0);
        db_arg_text(&args, c->start);
        db_arg_text(&args, c->s->rhythm ? NULL : c->due);
        arg_rhythm(&args, c->s);
        db_arg_text(&args, c->notes[i]);
        if (c->s->repeat)
            db_arg_int(&args, c->s->repeat_days);
        else
            db_arg_null(&args);
        PGresult *res = NULL;
        enum db_status st = db_run(STMT_ASSIGNMENT_CREATE, &args, &res);
        if (st != DB_OK)
            return st;
        c->ids[i] = PQntuples(res) == 1 ? db_int(res, 0, "id") : 0;
        PQclear(res);
        if (c->ids[i] == 0)
            return DB_HARD;
    }
    if (c->t->nclients == 2) {
        /* The first row points at the second, which points back. */
        struct db_args args = {0};
        db_arg_int(&args, c->ids[0]);
        db_arg_int(&args, c->ids[1]);
        enum db_status st = db_run(STMT_ASSIGNMENT_LINK, &args, NULL);
        if (st != DB_OK)
            return st;
    }
    for (int i = 0; i < c->t->nclients; i++) {
        enum db_status st =
            audit(c->req, "assignment.created", "assignment", c->ids[i], c->t->clients[i]);
        if (st != DB_OK)
            return st;
    }
    return DB_OK;
}

void h_assign_create(struct request *req)
{
    const char *who = req_form(req, "who");
    const char *activity = req_form(req, "activity");
    json_t *form = form_new();
    form_value(form, "who", who);
    form_value(form, "activity", activity);

    /* Whom and what first: an id that is not mine is answered 404 whatever
     * else is wrong, so the answer never confirms it exists. */
    long long who_id = 0, activity_id = 0;
    enum who_kind kind = WHO_NONE;
    struct target t = {0};
    struct activity_pick a = {0};
    bool found;
    if (blank(who)) {
        form_error(form, "who", "Choose a client or a couple.");
    } else if ((kind = parse_who(who, &who_id)) == WHO_NONE) {
        form_error(form, "who", "Choose a client or a couple from the list.");
    } else {
        if (resolve_target(req, kind, who_id, &t, &found) != DB_OK)
            goto unavailable;
        if (!found)
            goto not_found;
    }
    if (blank(activity)) {
        form_error(form, "activity", "Choose an activity.");
    } else if ((activity_id = parse_id(activity)) == 0) {
        form_error(form, "activity", "Choose an activity from the list.");
    } else {
        if (resolve_activity(req, activity_id, &a, &found) != DB_OK)
            goto unavailable;
        if (!found)
            goto not_found;
        if (a.archived)
            form_error(form, "activity", "This activity is archived: choose another one.");
    }

    struct schedule s;
    read_schedule(req, form, a.tpw, a.weeks, &s);
    if (form_has_errors(form)) {
        if (req->want_json)
            view_form_errors(req, "assign", assign_title, form);
        else
            assign_page(req, 422, form, who, activity_id);
        return;
    }

    /* A repeating schedule's end is stored as its due date. */
    struct create_ctx c = {
        .req = req, .t = &t, .a = &a, .s = &s, .start = s.start, .due = s.repeat ? s.until : s.due};
    bool seal_failed = false;
    for (int i = 0; i < t.nclients; i++)
        c.notes[i] = seal_note(&s, t.clients[i], &seal_failed);
    enum db_status st = seal_failed ? DB_HARD : db_tx(create_tx, &c);
    free(c.notes[0]);
    free(c.notes[1]);
    if (st != DB_OK) {
        if (req->want_json) {
            json_decref(form);
            view_not_saved(req, NULL, NULL);
        } else {
            assign_page(req, 503, form, who, activity_id);
        }
        return;
    }
    json_decref(form);
    if (req->want_json) {
        json_t *ids = json_array();
        for (int i = 0; i < t.nclients; i++)
            json_array_append_new(ids, json_integer(c.ids[i]));
        view_page(req, 201, NULL,
                  json_pack("{s:b, s:I, s:o}", "ok", 1, "id", (json_int_t)c.ids[0], "ids", ids));
    } else {
        view_redirect(req, arena_printf(&req->arena, "/clients/%lld?done=assigned&assignment=%lld",
                                        t.clients[0], c.ids[0]));
    }
    return;

not_found:
    json_decref(form);
    homework_not_found(req);
    return;
unavailable:
    json_decref(form);
    view_unavailable(req);
}

/* ---- edit and cancel ---- */

/* Loads assignment req->ids[0] when the signed-in therapist gave it and the
 * client is still theirs. False with the answer set (404 / 503). */
static bool load_mine(struct request *req, struct hw_assignment *a)
{
    if (!homework_assignment_access(req, req->ids[0], a))
        return false;
    if (a->role != HW_THERAPIST || a->therapist_id != req->session->user->id) {
        homework_assignment_free(a);
        homework_not_found(req);
        return false;
    }
    return true;
}

/* The edit page: form (stolen) around the fixed facts of a. */
static void edit_page(struct request *req, int status, json_t *form, const struct hw_assignment *a)
{
    schedule_flags(form);
    int tpw = 0, weeks = 0;
    const json_t *rhythm = json_object_get(a->content, "rhythm");
    if (json_is_integer(json_object_get(rhythm, "times_per_week")) &&
        json_is_integer(json_object_get(rhythm, "weeks"))) {
        tpw = (int)json_integer_value(json_object_get(rhythm, "times_per_week"));
        weeks = (int)json_integer_value(json_object_get(rhythm, "weeks"));
    }
    json_object_set_new(form, "title", json_string(edit_title));
    json_object_set_new(
        form, "assignment",
        json_pack("{s:I, s:I, s:s, s:i, s:b, s:s}", "id", (json_int_t)a->id, "client_id",
                  (json_int_t)a->client_id, "title", a->title, "version", a->version, "couple",
                  a->couple_id > 0 && a->partner_assignment_id > 0, "start_date", a->start_date));
    if (tpw > 0 && weeks > 0)
        json_object_set_new(form, "suggested",
                            json_pack("{s:i, s:i}", "times_per_week", tpw, "weeks", weeks));
    if (status == 503)
        view_not_saved(req, "assignment_edit", form); /* the write failed */
    else
        view_page(req, status, "assignment_edit", form);
}

void h_assignment_edit_form(struct request *req)
{
    struct hw_assignment a;
    if (!load_mine(req, &a))
        return;
    if (a.cancelled) {
        homework_assignment_free(&a);
        homework_not_found(req);
        return;
    }
    bool unreadable = false;
    char *note = homework_assignment_note(&a, &unreadable);
    bool rhythm = a.times_per_week > 0 && a.weeks > 0, repeat = a.repeat_days > 0;
    char tpw[16] = "", weeks[16] = "";
    if (rhythm) {
        snprintf(tpw, sizeof(tpw), "%d", a.times_per_week);
        snprintf(weeks, sizeof(weeks), "%d", a.weeks);
    }
    json_t *form = form_new();
    form_value(form, "start_date", a.start_date);
    form_value(form, "schedule", rhythm ? "rhythm" : repeat ? "repeat" : "due");
    form_value(form, "due_date", repeat ? "" : a.due_date);
    form_value(form, "times_per_week", tpw);
    form_value(form, "weeks", weeks);
    if (repeat) {
        /* A multiple of 7 days is shown in weeks, as it is said. */
        bool in_weeks = a.repeat_days % 7 == 0;
        char every[16];
        snprintf(every, sizeof(every), "%d", in_weeks ? a.repeat_days / 7 : a.repeat_days);
        form_value(form, "repeat_every", every);
        form_value(form, "repeat_unit", in_weeks ? "weeks" : "days");
        form_value(form, "repeat_until", a.due_date);
    } else {
        repeat_defaults(form, a.start_date);
    }
    form_value(form, "note", note != NULL ? note : "");
    homework_secret_free(note);
    if (unreadable)
        json_object_set_new(form, "note_unreadable", json_true());
    edit_page(req, 200, form, &a);
    homework_assignment_free(&a);
}

struct change_ctx {
    struct request *req;
    const struct hw_assignment *a;
    const struct schedule *s; /* NULL: cancel */
    char *notes[2];           /* [0] a's client, [1] the partner's */
    int changed;
};

static enum db_status change_tx(void *arg)
{
    struct change_ctx *c = arg;
    struct db_args args = {0};
    db_arg_int(&args, c->a->id);
    db_arg_int(&args, c->req->session->user->id);
    PGresult *res = NULL;
    enum db_status st;
    if (c->s != NULL) {
        db_arg_text(&args, c->s->start);
        /* A repeating schedule's end is stored as its due date. */
        db_arg_text(&args, c->s->rhythm ? NULL : c->s->repeat ? c->s->until : c->s->due);
        arg_rhythm(&args, c->s);
        db_arg_text(&args, c->notes[0]);
        db_arg_text(&args, c->notes[1]);
        if (c->s->repeat)
            db_arg_int(&args, c->s->repeat_days);
        else
            db_arg_null(&args);
        st = db_run(STMT_ASSIGNMENT_UPDATE, &args, &res);
    } else {
        st = db_run(STMT_ASSIGNMENT_CANCEL, &args, &res);
    }
    if (st != DB_OK)
        return st;
    c->changed = PQntuples(res);
    for (int r = 0; r < PQntuples(res) && st == DB_OK; r++)
        st = audit(c->req, c->s != NULL ? "assignment.updated" : "assignment.cancelled",
                   "assignment", db_int(res, r, "id"), db_int(res, r, "client_id"));
    PQclear(res);
    return st;
}

void h_assignment_update(struct request *req)
{
    struct hw_assignment a;
    if (!load_mine(req, &a))
        return;
    if (a.cancelled) {
        homework_assignment_free(&a);
        homework_not_found(req);
        return;
    }
    int sug_tpw = 0, sug_weeks = 0;
    const json_t *rhythm = json_object_get(a.content, "rhythm");
    if (json_is_integer(json_object_get(rhythm, "times_per_week")) &&
        json_is_integer(json_object_get(rhythm, "weeks"))) {
        sug_tpw = (int)json_integer_value(json_object_get(rhythm, "times_per_week"));
        sug_weeks = (int)json_integer_value(json_object_get(rhythm, "weeks"));
        if (sug_tpw < 1 || sug_tpw > MAX_TIMES_PER_WEEK || sug_weeks < 1 || sug_weeks > MAX_WEEKS)
            sug_tpw = sug_weeks = 0;
    }
    json_t *form = form_new();
    struct schedule s;
    read_schedule(req, form, sug_tpw, sug_weeks, &s);
    if (form_has_errors(form)) {
        if (req->want_json)
            view_form_errors(req, "assignment_edit", edit_title, form);
        else
            edit_page(req, 422, form, &a);
        homework_assignment_free(&a);
        return;
    }
    struct change_ctx c = {.req = req, .a = &a, .s = &s};
    bool seal_failed = false;
    c.notes[0] = seal_note(&s, a.client_id, &seal_failed);
    if (a.partner_client_id > 0)
        c.notes[1] = seal_note(&s, a.partner_client_id, &seal_failed);
    enum db_status st = seal_failed ? DB_HARD : db_tx(change_tx, &c);
    free(c.notes[0]);
    free(c.notes[1]);
    long long client_id = a.client_id, id = a.id;
    if (st != DB_OK) {
        if (req->want_json) {
            json_decref(form);
            view_not_saved(req, NULL, NULL);
        } else {
            edit_page(req, 503, form, &a);
        }
        homework_assignment_free(&a);
        return;
    }
    json_decref(form);
    homework_assignment_free(&a);
    if (c.changed == 0) { /* cancelled or moved a moment ago */
        homework_not_found(req);
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)id));
    else
        view_redirect(req, arena_printf(&req->arena, "/clients/%lld?done=changed&assignment=%lld",
                                        client_id, id));
}

void h_assignment_cancel(struct request *req)
{
    struct hw_assignment a;
    if (!load_mine(req, &a))
        return;
    long long client_id = a.client_id, id = a.id;
    enum db_status st = DB_OK;
    if (!a.cancelled) { /* cancelling twice (a double click) changes nothing */
        struct change_ctx c = {.req = req, .a = &a};
        st = db_tx(change_tx, &c);
    }
    homework_assignment_free(&a);
    if (st != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b, s:I}", "ok", 1, "id", (json_int_t)id));
    else
        view_redirect(req, arena_printf(&req->arena, "/clients/%lld?done=cancelled", client_id));
}

/* ---- the caseload (GET /clients) ---- */

/* One badge per kind of the open items, in words, risk first. */
static json_t *attention_badges(const json_t *items)
{
    int count[ATTN__MAX] = {0};
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        enum attn_kind k;
        if (attention_kind_parse(json_string_value(json_object_get(it, "kind")), &k))
            count[k]++;
    }
    json_t *badges = json_array();
    for (int k = 0; k < ATTN__MAX; k++)
        if (count[k] > 0)
            json_array_append_new(badges, json_pack("{s:s, s:s, s:i, s:b}", "kind",
                                                    attention_kind_name((enum attn_kind)k), "label",
                                                    attention_kind_label((enum attn_kind)k),
                                                    "count", count[k], "is_risk", k == ATTN_RISK));
    return badges;
}

json_t *assign_caseload(struct request *req)
{
    struct db_args args = {0};
    db_arg_int(&args, req->session->user->id);
    PGresult *res = NULL;
    if (db_run(STMT_CLIENTS_OVERVIEW, &args, &res) != DB_OK)
        return NULL;
    json_t *rows = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        int overdue = (int)db_int(res, r, "overdue"), unread = (int)db_int(res, r, "unread"),
            replies = (int)db_int(res, r, "unread_replies"),
            adherence = (int)db_int(res, r, "adherence");
        json_t *items = json_loads(db_text(res, r, "attention_items"), 0, NULL);
        if (!json_is_array(items)) {
            json_decref(items);
            items = json_array();
        }
        json_t *row = json_pack(
            "{s:I, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:b, s:b, s:o, s:o}", "id",
            (json_int_t)db_int(res, r, "id"), "display_name", db_text(res, r, "display_name"),
            "email", db_text(res, r, "email"), "since", db_text(res, r, "since"), "overdue",
            overdue, "unread", unread, "unread_replies", replies, "last_activity",
            db_text(res, r, "last_activity"), "next_due", db_text(res, r, "next_due"),
            "needs_attention", db_bool(res, r, "needs_attention"), "has_risk",
            db_int(res, r, "risk_items") > 0, "badges", attention_badges(items), "adherence",
            adherence >= 0 ? json_integer(adherence) : json_null());
        json_object_set_new(row, "adherence_text",
                            adherence >= 0
                                ? json_string(arena_printf(&req->arena, "%d %%", adherence))
                                : json_null());
        json_object_set_new(row, "attention", items);
        json_object_set_new(row, "has_badges", json_boolean(json_array_size(items) > 0));
        json_array_append_new(rows, row);
    }
    PQclear(res);
    return rows;
}
