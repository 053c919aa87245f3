/* homework_common.c: who may see an assignment or an entry (the one place
 * that decides it), their encrypted parts, and the status of an assignment.
 * Shared by the client's pages and the therapist's. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/homework.h"
#include "app/library.h"
#include "auth/auth.h"
#include "crypto/box.h"
#include "util/log.h"

void homework_not_found(struct request *req)
{
    /* The very answer of an unknown address: never confirm an id exists. */
    view_error(req, 404, "not_found", "There is no page at this address.");
}

void homework_secret_free(char *s)
{
    if (s == NULL)
        return;
    sodium_memzero(s, strlen(s));
    free(s);
}

bool homework_key_valid(const char *key)
{
    if (key == NULL)
        return false;
    size_t n = strlen(key);
    if (n < 16 || n > 64)
        return false;
    for (const char *p = key; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* Fills a from row 0 of res (STMT_HW_ASSIGNMENT_GET), which it takes over.
 * False when the stored content does not parse (res is then freed). */
static bool assignment_from_row(struct request *req, PGresult *res, struct hw_assignment *a)
{
    memset(a, 0, sizeof(*a));
    a->id = db_int(res, 0, "id");
    a->activity_id = db_int(res, 0, "activity_id");
    a->version_id = db_int(res, 0, "version_id");
    a->version = (int)db_int(res, 0, "version");
    snprintf(a->kind, sizeof(a->kind), "%s", db_text(res, 0, "kind"));
    a->title = arena_strdup(&req->arena, db_text(res, 0, "title"));
    a->client_title = a->title;
    a->therapist_id = db_int(res, 0, "therapist_id");
    a->client_id = db_int(res, 0, "client_id");
    a->couple_id = db_int(res, 0, "couple_id");
    a->partner_assignment_id = db_int(res, 0, "partner_assignment_id");
    a->partner_client_id = db_int(res, 0, "partner_client_id");
    a->start_date = arena_strdup(&req->arena, db_text(res, 0, "start_date"));
    a->due_date = arena_strdup(&req->arena, db_text(res, 0, "due_date"));
    a->times_per_week = (int)db_int(res, 0, "times_per_week");
    a->weeks = (int)db_int(res, 0, "weeks");
    a->repeat_days = (int)db_int(res, 0, "repeat_days");
    a->cancelled = db_bool(res, 0, "cancelled");
    a->has_note = !db_is_null(res, 0, "note_enc");
    a->today = arena_strdup(&req->arena, db_text(res, 0, "today"));
    a->content = activity_version_content(a->version_id, db_text(res, 0, "content"));
    a->row = res;
    if (a->content == NULL) {
        PQclear(res);
        a->row = NULL;
        return false;
    }
    a->form = activity_form(a->kind, a->content);
    const char *ct = json_string_value(json_object_get(a->content, "client_title"));
    if (ct != NULL && ct[strspn(ct, " \t\r\n")] != '\0')
        a->client_title = arena_strdup(&req->arena, ct);
    return true;
}

/* Loads assignment id without deciding anything. 1 loaded, 0 absent (or
 * unreadable: logged), -1 database error (the view is set to 503). */
static int assignment_load(struct request *req, long long id, struct hw_assignment *a)
{
    struct db_args args = {0};
    db_arg_int(&args, id);
    PGresult *res = NULL;
    if (db_run(STMT_HW_ASSIGNMENT_GET, &args, &res) != DB_OK) {
        view_unavailable(req);
        return -1;
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        return 0;
    }
    if (!assignment_from_row(req, res, a)) {
        log_msg(LOG_ERROR, "an assigned version's content does not parse");
        return 0;
    }
    return 1;
}

void homework_assignment_free(struct hw_assignment *a)
{
    if (a == NULL)
        return;
    json_decref(a->content);
    json_decref(a->practice_form);
    PQclear(a->row);
    a->practice_form = NULL;
    a->content = NULL;
    a->form = NULL;
    a->row = NULL;
}

bool homework_assignment_access(struct request *req, long long id, struct hw_assignment *a)
{
    memset(a, 0, sizeof(*a));
    const struct user *u = req->session ? req->session->user : NULL;
    if (u == NULL || id <= 0) {
        homework_not_found(req);
        return false;
    }
    int got = assignment_load(req, id, a);
    if (got < 0)
        return false;
    if (got == 0) {
        homework_not_found(req);
        return false;
    }
    enum hw_role role = HW_NONE;
    if (u->role == ROLE_CLIENT) {
        /* A cancelled assignment disappears for the client. */
        if (a->client_id == u->id && !a->cancelled)
            role = HW_OWNER;
    } else if (u->role == ROLE_THERAPIST) {
        bool allowed = false;
        if (access_client(req, a->client_id, &allowed) != DB_OK) {
            homework_assignment_free(a);
            view_unavailable(req);
            return false;
        }
        if (allowed)
            role = HW_THERAPIST;
    }
    if (role == HW_NONE) {
        homework_assignment_free(a);
        homework_not_found(req);
        return false;
    }
    a->role = role;
    return true;
}

char *homework_assignment_note(const struct hw_assignment *a, bool *unreadable)
{
    *unreadable = false;
    if (a->row == NULL || !a->has_note)
        return NULL;
    char aad[64];
    snprintf(aad, sizeof(aad), "assignment:%lld:note", a->client_id);
    char *note = box_open_pq(a->row, 0, db_col(a->row, "note_enc"), aad);
    if (note == NULL)
        *unreadable = true;
    return note;
}

bool homework_entry_access(struct request *req, long long id, struct hw_entry *e)
{
    memset(e, 0, sizeof(*e));
    const struct user *u = req->session ? req->session->user : NULL;
    if (u == NULL || id <= 0 || (u->role != ROLE_CLIENT && u->role != ROLE_THERAPIST)) {
        homework_not_found(req);
        return false;
    }
    struct db_args args = {0};
    db_arg_int(&args, id);
    PGresult *res = NULL;
    if (db_run(STMT_HW_ENTRY_GET, &args, &res) != DB_OK) {
        view_unavailable(req);
        return false;
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        homework_not_found(req);
        return false;
    }
    e->id = db_int(res, 0, "id");
    e->client_id = db_int(res, 0, "client_id");
    e->corrects_entry_id = db_int(res, 0, "corrects_entry_id");
    e->shared_with_partner = db_bool(res, 0, "shared_with_partner");
    e->therapist_read = db_bool(res, 0, "therapist_read");
    e->reviewed = db_text(res, 0, "reviewed_at")[0] != '\0';
    e->reviewed_at = arena_strdup(&req->arena, db_text(res, 0, "reviewed_at"));
    e->submitted_at = arena_strdup(&req->arena, db_text(res, 0, "submitted_at"));
    e->submitted_iso = arena_strdup(&req->arena, db_text(res, 0, "submitted_iso"));
    e->author_name = arena_strdup(&req->arena, db_text(res, 0, "author_name"));
    e->row = res;
    long long assignment_id = db_int(res, 0, "assignment_id");

    enum hw_role role = HW_NONE;
    if (u->role == ROLE_THERAPIST) {
        bool allowed = false;
        if (access_client(req, e->client_id, &allowed) != DB_OK) {
            homework_entry_free(e);
            view_unavailable(req);
            return false;
        }
        if (allowed)
            role = HW_THERAPIST;
    } else if (e->client_id == u->id) {
        role = HW_OWNER;
    }
    int got = assignment_load(req, assignment_id, &e->a);
    if (got < 0) {
        homework_entry_free(e);
        return false;
    }
    /* The partner: only a shared entry, only through both couple rows. */
    if (got == 1 && role == HW_NONE && u->role == ROLE_CLIENT && e->shared_with_partner &&
        e->a.couple_id > 0 && e->a.partner_client_id == u->id && e->a.client_id == e->client_id)
        role = HW_PARTNER;
    if (got == 0 || role == HW_NONE) {
        homework_entry_free(e);
        homework_not_found(req);
        return false;
    }
    e->role = role;
    return true;
}

void homework_entry_free(struct hw_entry *e)
{
    if (e == NULL)
        return;
    homework_assignment_free(&e->a);
    PQclear(e->row);
    e->row = NULL;
}

json_t *homework_open_answers(const PGresult *res, int row, int col, long long client_id,
                              long long assignment_id)
{
    char aad[96];
    snprintf(aad, sizeof(aad), "entry:%lld:%lld:answers", client_id, assignment_id);
    char *plain = box_open_pq(res, row, col, aad);
    if (plain == NULL)
        return NULL;
    json_t *answers = json_loads(plain, JSON_REJECT_DUPLICATES, NULL);
    homework_secret_free(plain);
    if (!json_is_object(answers)) {
        json_decref(answers);
        return NULL;
    }
    return answers;
}

json_t *homework_entry_answers(const struct hw_entry *e)
{
    if (e->row == NULL)
        return NULL;
    return homework_open_answers(e->row, 0, db_col(e->row, "answers_enc"), e->client_id, e->a.id);
}

char *homework_seal_answers(const json_t *answers, long long client_id, long long assignment_id)
{
    char *plain = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
    if (plain == NULL)
        return NULL;
    char aad[96];
    snprintf(aad, sizeof(aad), "entry:%lld:%lld:answers", client_id, assignment_id);
    char *sealed = box_seal_hex(plain, aad);
    homework_secret_free(plain);
    return sealed;
}

/* ---- the status of an assignment ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

/* Parses YYYY-MM-DD (a real calendar day) into days; false otherwise. */
static bool parse_day(const char *s, long *days)
{
    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    long y = strtol(s, NULL, 10);
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

static void format_day(long days, char out[11])
{
    long y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 1 || y > 9999) /* parse_day only reads four digits */
        y = y < 1 ? 1 : 9999;
    char tmp[48];
    snprintf(tmp, sizeof(tmp), "%04ld-%02u-%02u", y, m, d);
    memcpy(out, tmp, 10);
    out[10] = '\0';
}

void homework_date_label(const char *date, const char *today, char *out, size_t outlen)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    long days, t;
    if (!parse_day(date, &days)) {
        snprintf(out, outlen, "%s", date != NULL ? date : "");
        return;
    }
    long y, ty;
    unsigned m, d, tm, td;
    civil_from_days(days, &y, &m, &d);
    bool same_year = false;
    if (parse_day(today, &t)) {
        civil_from_days(t, &ty, &tm, &td);
        same_year = ty == y;
    }
    /* 1970-01-01 was a Thursday. */
    long w = ((days % 7) + 7 + 4) % 7;
    if (same_year)
        snprintf(out, outlen, "%s %u %s", wd[w], d, mon[m - 1]);
    else
        snprintf(out, outlen, "%s %u %s %ld", wd[w], d, mon[m - 1], y);
}

static const char *period_phrase(int weeks, char *buf, size_t n)
{
    if (weeks == 1)
        return "this week";
    if (weeks == 2)
        return "this fortnight";
    snprintf(buf, n, "over %d weeks", weeks);
    return buf;
}

void homework_repeat_phrase(int repeat_days, char *out, size_t outlen)
{
    if (repeat_days == 7)
        snprintf(out, outlen, "every week");
    else if (repeat_days > 0 && repeat_days % 7 == 0)
        snprintf(out, outlen, "every %d weeks", repeat_days / 7);
    else if (repeat_days == 1)
        snprintf(out, outlen, "every day");
    else
        snprintf(out, outlen, "every %d days", repeat_days);
}

/* The occurrence of day for a repeating schedule from start to end (days),
 * every n days: see homework_occurrence. */
static long occurrence_of(long start, long end, long n, long day)
{
    long k = day > start ? (day - start) / n : 0;
    long last = (end - start) / n;
    return k < last ? k : last;
}

int homework_occurrence(const struct hw_schedule *s, const char *day)
{
    long start, end, d;
    if (s->repeat_days <= 0 || !parse_day(s->start_date, &start) || !parse_day(s->due_date, &end) ||
        end < start || !parse_day(day, &d))
        return -1;
    return (int)occurrence_of(start, end, s->repeat_days, d);
}

/* The status of a repeating schedule (homework_status's rules), start and
 * end parsed, out->done set. */
static void repeating_status(const struct hw_schedule *s, long start, long end, long now,
                             const char *today, struct hw_status *out)
{
    long n = s->repeat_days;
    long last = (end - start) / n; /* the last occurrence's index */
    out->expected = (int)(last + 1);
    format_day(end, out->last_day);
    char when[40];
    homework_date_label(out->last_day, today, when, sizeof(when));

    if (s->cancelled) {
        out->state = HW_CANCELLED;
        snprintf(out->label, sizeof(out->label), "Cancelled");
        return;
    }
    if (out->done >= out->expected) {
        out->state = HW_DONE;
        snprintf(out->label, sizeof(out->label), "All %d done", out->expected);
        return;
    }
    if (now < start) {
        out->state = HW_UPCOMING;
        char from[40];
        homework_date_label(s->start_date, today, from, sizeof(from));
        snprintf(out->label, sizeof(out->label), "Starts %s", from);
        return;
    }
    if (now > end) {
        out->state = HW_ENDED;
        snprintf(out->label, sizeof(out->label), "Ended %s · %d of %d done", when, out->done,
                 out->expected);
        return;
    }
    long k = occurrence_of(start, end, n, now), due = start + k * n, ld;
    bool answered = s->last_done != NULL && parse_day(s->last_done, &ld) &&
                    occurrence_of(start, end, n, ld) >= k;
    /* What was done of the occurrences so far, this one included. */
    int so_far = (int)(k + 1), done_so_far = out->done < so_far ? out->done : so_far;
    char count[48] = "";
    if (so_far > 1)
        snprintf(count, sizeof(count), " · %d of %d so far", done_so_far, so_far);
    if (answered && k == last) {
        out->state = HW_ENDED;
        snprintf(out->label, sizeof(out->label), "Finished · %d of %d done", out->done,
                 out->expected);
    } else if (answered) {
        out->state = HW_UPCOMING;
        format_day(due + n, out->next_day);
        char next[40];
        homework_date_label(out->next_day, today, next, sizeof(next));
        snprintf(out->label, sizeof(out->label), "Next on %s%s", next, count);
    } else if (now == due) {
        snprintf(out->label, sizeof(out->label), "Due today%s", count);
    } else {
        char day[11], since[40];
        format_day(due, day);
        homework_date_label(day, today, since, sizeof(since));
        snprintf(out->label, sizeof(out->label), "Due since %s%s", since, count);
    }
}

int homework_status(const struct hw_schedule *s, const char *today, int done, struct hw_status *out)
{
    memset(out, 0, sizeof(*out));
    out->done = done < 0 ? 0 : done;
    bool rhythm = s->times_per_week > 0 && s->weeks > 0;
    bool has_due = s->due_date != NULL && s->due_date[0] != '\0';
    if (s->repeat_days > 0) {
        long start, end, now;
        out->state = HW_ACTIVE;
        out->expected = 1;
        if (!has_due || !parse_day(s->start_date, &start) || !parse_day(today, &now) ||
            !parse_day(s->due_date, &end) || end < start) {
            snprintf(out->label, sizeof(out->label), "%d done", out->done);
            return -1;
        }
        repeating_status(s, start, end, now, today, out);
        return 0;
    }
    out->expected = rhythm ? s->times_per_week * s->weeks : 1;
    out->state = HW_ACTIVE;

    long start, now, last = 0;
    if (!parse_day(s->start_date, &start) || !parse_day(today, &now) ||
        (has_due && !parse_day(s->due_date, &last))) {
        snprintf(out->label, sizeof(out->label), "%d of %d practices", out->done, out->expected);
        return -1;
    }
    if (!has_due)
        last = start + 7L * (rhythm ? s->weeks : 1) - 1;
    format_day(last, out->last_day);

    char when[40], period[32];
    homework_date_label(out->last_day, today, when, sizeof(when));
    const char *per = rhythm ? period_phrase(s->weeks, period, sizeof(period)) : "";

    if (s->cancelled) {
        out->state = HW_CANCELLED;
        snprintf(out->label, sizeof(out->label), "Cancelled");
    } else if (out->done >= out->expected) {
        out->state = HW_DONE;
        if (rhythm)
            snprintf(out->label, sizeof(out->label), "All %d practices done", out->expected);
        else
            snprintf(out->label, sizeof(out->label), "Done");
    } else if (now < start) {
        out->state = HW_UPCOMING;
        char from[40];
        homework_date_label(s->start_date, today, from, sizeof(from));
        snprintf(out->label, sizeof(out->label), "Starts %s", from);
    } else if (now > last) {
        out->state = has_due ? HW_OVERDUE : HW_ENDED;
        if (rhythm)
            snprintf(out->label, sizeof(out->label), "%s %s · %d of %d practices",
                     has_due ? "Was due" : "Ended", when, out->done, out->expected);
        else
            snprintf(out->label, sizeof(out->label), "Was due %s", when);
    } else if (rhythm) {
        snprintf(out->label, sizeof(out->label), "%d of %d practices %s", out->done, out->expected,
                 per);
    } else if (now == last) {
        snprintf(out->label, sizeof(out->label), "Due today");
    } else {
        snprintf(out->label, sizeof(out->label), "Due %s", when);
    }
    return 0;
}

const char *homework_state_name(enum hw_state st)
{
    static const char *const names[HW_STATE__MAX] = {
        [HW_UPCOMING] = "upcoming", [HW_ACTIVE] = "active", [HW_OVERDUE] = "overdue",
        [HW_DONE] = "done",         [HW_ENDED] = "ended",   [HW_CANCELLED] = "cancelled",
    };
    return (int)st >= 0 && st < HW_STATE__MAX ? names[st] : "active";
}

json_t *homework_status_json(const struct hw_status *st)
{
    return json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b}", "state",
                     homework_state_name(st->state), "label", st->label, "expected", st->expected,
                     "done", st->done, "last_day", st->last_day, "next_day", st->next_day,
                     "is_upcoming", st->state == HW_UPCOMING, "is_active", st->state == HW_ACTIVE,
                     "is_overdue", st->state == HW_OVERDUE, "is_done", st->state == HW_DONE,
                     "is_ended", st->state == HW_ENDED, "is_cancelled", st->state == HW_CANCELLED);
}
