/* reminders.c: reminders a client asks for (their choice on /account, the
 * scheduler run by the housekeeping, the one-click stop link of RFC 8058)
 * and the therapist's digest of what is waiting. Both are one statement
 * over every person at once (STMT_REMINDERS_RUN, STMT_DIGEST_RUN); the
 * messages go into the outbox in the same transaction, so a reminder
 * recorded is a reminder queued, on whichever node runs it. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"
#include "util/log.h"

/* Clients (and therapists) claimed by one run, and runs per housekeeping
 * tick at most (a backlog after a long outage is worked off over ticks). */
#define RUN_BATCH 500
#define RUN_ROUNDS 20
/* The hour offered when a client has not chosen one. */
#define DEFAULT_HOUR 18

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const day_labels[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};

/* ---- the client's choice, on /account ---- */

/* The reminder part of the account page: the mode, the weekdays (bit i:
 * day_names[i]) and the hour as chosen or typed, the time zone in
 * fields.time_zone (set by the caller). */
static void reminder_form(json_t *data, const char *mode, int weekdays, int hour)
{
    json_t *days = json_array();
    for (int i = 0; i < 7; i++)
        json_array_append_new(days, json_pack("{s:s, s:s, s:b}", "value", day_names[i], "label",
                                              day_labels[i], "checked", (weekdays >> i) & 1));
    json_t *hours = json_array();
    for (int h = 0; h < 24; h++) {
        char v[16], label[16];
        snprintf(v, sizeof(v), "%d", h);
        snprintf(label, sizeof(label), "%02d:00", h);
        json_array_append_new(
            hours, json_pack("{s:s, s:s, s:b}", "value", v, "label", label, "selected", h == hour));
    }
    json_object_set_new(data, "reminders",
                        json_pack("{s:b, s:b, s:b, s:o, s:o, s:b}", "off", strcmp(mode, "off") == 0,
                                  "days", strcmp(mode, "days") == 0, "due",
                                  strcmp(mode, "due") == 0, "weekdays", days, "hours", hours,
                                  "mail_off", !mail_enabled()));
}

enum db_status reminders_account_data(struct request *req, json_t *data)
{
    if (req->session->user->role != ROLE_CLIENT)
        return DB_OK;
    /* Typed values (a form with errors) are already in data. */
    if (json_object_get(data, "reminders") != NULL)
        return DB_OK;
    struct db_args a = {0};
    db_arg_int(&a, req->session->user->id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_REMINDER_PREFS_GET, &a, &res);
    if (st != DB_OK)
        return st;
    bool none = db_is_null(res, 0, "mode");
    reminder_form(data, none ? "off" : db_text(res, 0, "mode"),
                  none ? 0 : (int)db_int(res, 0, "weekdays"),
                  none ? DEFAULT_HOUR : (int)db_int(res, 0, "hour"));
    form_value(data, "time_zone",
               none ? db_text(res, 0, "server_time_zone") : db_text(res, 0, "time_zone"));
    PQclear(res);
    return DB_OK;
}

/* True when s is a plausible zone name before asking the database: letters,
 * digits, / _ + - only, at most 64 bytes. */
static bool zone_chars(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '+' || c == '-'))
            return false;
    }
    return true;
}

/* POST /account/reminders (clients): fields reminders (off | days | due),
 * days (mon..sun, repeated), hour (0-23), time_zone (an IANA name). */
void h_account_reminders(struct request *req)
{
    const struct user *u = req->session->user;
    const char *mode = req_form(req, "reminders");
    const char *hour_s = req_form(req, "hour");
    const char *tz = req_form(req, "time_zone");
    const char **days = NULL;
    size_t ndays = req_form_all(req, "days[]", &days);
    json_t *form = form_new();
    form_value(form, "time_zone", tz != NULL ? tz : "");

    bool mode_ok = mode != NULL && (strcmp(mode, "off") == 0 || strcmp(mode, "days") == 0 ||
                                    strcmp(mode, "due") == 0);
    int weekdays = 0;
    bool days_ok = true;
    for (size_t i = 0; i < ndays; i++) {
        int k = 0;
        while (k < 7 && strcmp(days[i], day_names[k]) != 0)
            k++;
        if (k == 7)
            days_ok = false;
        else
            weekdays |= 1 << k;
    }
    char *end = NULL;
    long hour = hour_s != NULL && *hour_s != '\0' ? strtol(hour_s, &end, 10) : -1;
    bool hour_ok = hour_s == NULL || (end != NULL && *end == '\0' && hour >= 0 && hour <= 23);
    if (hour_s == NULL)
        hour = DEFAULT_HOUR;

    if (!mode_ok)
        form_error(form, "reminders", "Choose when you would like a reminder, or none.");
    if (!days_ok)
        form_error(form, "days", "Choose days from the list.");
    else if (mode_ok && strcmp(mode, "days") == 0 && weekdays == 0)
        form_error(form, "days", "Choose at least one day, or another option.");
    if (!hour_ok)
        form_error(form, "hour", "Choose an hour from the list.");
    /* Absent (a JSON call that leaves it out): UTC; typed empty while
     * asking for reminders: an error. */
    const char *zone = tz != NULL && *tz != '\0' ? tz : "UTC";
    bool zone_ok = zone_chars(zone);
    if (tz != NULL && *tz == '\0' && mode_ok && strcmp(mode, "off") != 0)
        zone_ok = false;
    if (zone_ok) {
        struct db_args a_zone = {0};
        db_arg_text(&a_zone, zone);
        PGresult *res = NULL;
        if (db_run(STMT_TIME_ZONE_VALID, &a_zone, &res) != DB_OK) {
            json_decref(form);
            view_unavailable(req);
            return;
        }
        zone_ok = PQntuples(res) == 1;
        PQclear(res);
    }
    if (!zone_ok)
        form_error(form, "time_zone",
                   "Enter a time zone by its name, such as Europe/Paris or America/New_York.");
    if (form_has_errors(form)) {
        reminder_form(form, mode_ok ? mode : "", weekdays, hour_ok ? (int)hour : -1);
        account_form_errors(req, form);
        return;
    }
    json_decref(form);
    struct db_args a = {0};
    db_arg_int(&a, u->id);
    db_arg_text(&a, mode);
    db_arg_int(&a, weekdays);
    db_arg_int(&a, hour);
    db_arg_text(&a, zone);
    if (db_run(STMT_REMINDER_PREFS_SET, &a, NULL) != DB_OK ||
        audit(req, "account.reminders_changed", "user", u->id, 0) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL,
                  json_pack("{s:b, s:s, s:i, s:i, s:s}", "ok", 1, "reminders", mode, "weekdays",
                            weekdays, "hour", (int)hour, "time_zone", zone));
    else
        view_redirect(req, "/account?done=reminders");
}

/* ---- the stop link (List-Unsubscribe, RFC 8058) ---- */

/* The client of the request's stop token; 0 when it is unknown or too old. */
static enum db_status stop_client(struct request *req, long long *client_id)
{
    *client_id = 0;
    char hash[67];
    token_hash_param(req->params[0], hash);
    struct db_args a = {0};
    db_arg_text(&a, hash);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_REMINDER_STOP_FIND, &a, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1)
        *client_id = db_int(res, 0, "client_id");
    PQclear(res);
    return DB_OK;
}

static void stop_gone(struct request *req)
{
    view_error(req, 404, "link_expired",
               "This link has expired. You can stop reminders from your account page.");
}

/* GET /reminders/stop/{token}: a page with one button (a link opened by a
 * mail scanner must not stop anything). */
void h_reminders_stop_form(struct request *req)
{
    long long cid;
    if (stop_client(req, &cid) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (cid == 0) {
        stop_gone(req);
        return;
    }
    view_page(req, 200, "reminders_stop",
              json_pack("{s:s, s:s}", "title", "Stop reminders", "token", req->params[0]));
}

/* POST /reminders/stop/{token}: the token is the credential (no session,
 * no CSRF token: a mail provider posts List-Unsubscribe=One-Click). */
void h_reminders_stop(struct request *req)
{
    long long cid;
    if (stop_client(req, &cid) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (cid == 0) {
        stop_gone(req);
        return;
    }
    struct db_args a = {0};
    db_arg_int(&a, cid);
    if (db_run(STMT_REMINDER_STOP, &a, NULL) != DB_OK ||
        audit_as(req, cid, "reminders.stopped", "user", cid, 0) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b, s:b}", "ok", 1, "stopped", 1));
    else
        view_page(req, 200, "reminders_stop",
                  json_pack("{s:s, s:b}", "title", "Reminders stopped", "stopped", 1));
}

/* ---- the scheduler ---- */

struct run_ctx {
    long claimed; /* clients whose window was handled */
    int queued;
};

static enum db_status reminders_tx(void *arg)
{
    struct run_ctx *c = arg;
    c->claimed = 0;
    c->queued = 0;
    struct db_args a = {0};
    db_arg_int(&a, RUN_BATCH);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_REMINDERS_RUN, &a, &res);
    if (st != DB_OK)
        return st;
    char subject[128];
    mail_subject(subject, sizeof(subject));
    for (int i = 0; i < PQntuples(res) && st == DB_OK; i++) {
        c->claimed = (long)db_int(res, i, "claimed");
        if (db_is_null(res, i, "client_id"))
            continue; /* nothing to send: only windows moved on */
        const char *kind = db_text(res, i, "kind");
        char token[TOKEN_LEN + 1], hash[67], stop[512];
        token_new(token);
        token_hash_param(token, hash);
        struct db_args a_stop = {0};
        db_arg_text(&a_stop, hash);
        db_arg_int(&a_stop, db_int(res, i, "client_id"));
        if ((st = db_run(STMT_REMINDER_STOP_ADD, &a_stop, NULL)) != DB_OK)
            break;
        snprintf(stop, sizeof(stop), "%s/reminders/stop/%s", config_current->base_url, token);
        json_t *data = json_pack("{s:s}", "stop_link", stop);
        enum mail_result m =
            mail_enqueue_list(kind, db_text(res, i, "email"), subject, kind, data, stop);
        json_decref(data);
        sodium_memzero(token, sizeof(token));
        sodium_memzero(stop, sizeof(stop));
        if (m == MAIL_QUEUED) {
            c->queued++;
        } else if (m == MAIL_REFUSED) {
            log_event(LOG_WARN, "reminder not queued: the address or template was refused",
                      json_pack("{s:s}", "kind", kind));
        } else {
            /* The outbox is full or the database failed: nothing of this
             * run is kept, the next tick tries again. */
            st = DB_HARD;
        }
    }
    PQclear(res);
    return st;
}

enum db_status reminders_run(int *queued)
{
    *queued = 0;
    if (!mail_enabled())
        return DB_OK;
    for (int round = 0; round < RUN_ROUNDS; round++) {
        struct run_ctx c = {0};
        enum db_status st = db_tx(reminders_tx, &c);
        if (st != DB_OK)
            return st;
        *queued += c.queued;
        if (c.claimed < RUN_BATCH)
            break;
    }
    return DB_OK;
}

/* ---- the therapist's digest ---- */

static const char *const digest_modes[] = {"off", "immediate", "hourly", "daily"};

enum db_status digest_account_data(struct request *req, json_t *data)
{
    if (req->session->user->role != ROLE_THERAPIST)
        return DB_OK;
    const json_t *typed =
        json_object_get(json_object_get(json_object_get(data, "fields"), "digest"), "value");
    struct db_args a = {0};
    db_arg_int(&a, req->session->user->id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_DIGEST_GET, &a, &res);
    if (st != DB_OK)
        return st;
    const char *cur = json_is_string(typed) ? json_string_value(typed)
                      : PQntuples(res) == 1 ? db_text(res, 0, "digest")
                                            : "off";
    json_t *opts = json_array();
    static const char *const labels[] = {"Never", "As soon as something is waiting",
                                         "At most once an hour", "Once a day"};
    for (int i = 0; i < 4; i++)
        json_array_append_new(opts,
                              json_pack("{s:s, s:s, s:b}", "value", digest_modes[i], "label",
                                        labels[i], "checked", strcmp(cur, digest_modes[i]) == 0));
    PQclear(res);
    json_object_set_new(data, "digest_options", opts);
    json_object_set_new(data, "digest_mail_off", json_boolean(!mail_enabled()));
    return DB_OK;
}

bool digest_mode_valid(const char *s)
{
    for (int i = 0; s != NULL && i < 4; i++)
        if (strcmp(s, digest_modes[i]) == 0)
            return true;
    return false;
}

enum db_status digest_set(long long therapist_id, const char *mode)
{
    struct db_args a = {0};
    db_arg_int(&a, therapist_id);
    db_arg_text(&a, mode);
    return db_run(STMT_DIGEST_SET, &a, NULL);
}

static enum db_status digest_tx(void *arg)
{
    int *queued = arg;
    *queued = 0;
    struct db_args a = {0};
    db_arg_int(&a, RUN_BATCH);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_DIGEST_RUN, &a, &res);
    if (st != DB_OK)
        return st;
    char subject[128];
    mail_subject(subject, sizeof(subject));
    for (int i = 0; i < PQntuples(res) && st == DB_OK; i++) {
        json_t *data = json_pack("{s:I, s:I}", "entries", (json_int_t)db_int(res, i, "entries"),
                                 "replies", (json_int_t)db_int(res, i, "replies"));
        enum mail_result m =
            mail_enqueue("digest", db_text(res, i, "email"), subject, "digest", data);
        json_decref(data);
        if (m == MAIL_QUEUED)
            (*queued)++;
        else if (m != MAIL_REFUSED)
            st = DB_HARD;
    }
    PQclear(res);
    return st;
}

enum db_status digest_run(int *queued)
{
    *queued = 0;
    if (!mail_enabled())
        return DB_OK;
    return db_tx(digest_tx, queued);
}
