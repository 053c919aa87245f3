/* calendar.c: a client's calendar feed (RFC 5545), for a calendar app that
 * follows a private link: /calendar/<token>.ics. The client makes the link
 * on /account with a neutral name for the events ("Practice", "Me time")
 * and can stop it or make a new one (the old one then stops). Every event
 * is an all-day event called by that name and nothing else: no title of
 * what was assigned, no therapist's name, no link (docs/SECURITY.md,
 * "Discretion"). Only the token's hash is stored (migrations/0016). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/page_form.h"
#include "auth/auth.h"
#include "mail/mail.h"
#include "util/buf.h"
#include "util/utf8.h"

#define EVENT_NAME_MAX 40
#define DEFAULT_EVENT_NAME "Me time"

/* ---- the account page's section ---- */

enum db_status calendar_account_data(struct request *req, json_t *data)
{
    if (req->session->user->role != ROLE_CLIENT)
        return DB_OK;
    struct db_args a = {0};
    db_arg_int(&a, req->session->user->id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_CALENDAR_GET, &a, &res);
    if (st != DB_OK)
        return st;
    json_t *cal = json_object();
    if (PQntuples(res) == 1)
        json_object_set_new(
            cal, "feed",
            json_pack("{s:s, s:s, s:s}", "event_name", db_text(res, 0, "event_name"), "created",
                      db_text(res, 0, "created_at"), "last_read", db_text(res, 0, "last_read_at")));
    PQclear(res);
    json_object_set_new(data, "calendar", cal);
    /* The name field: what was typed wins, then a suggestion. */
    const json_t *typed =
        json_object_get(json_object_get(json_object_get(data, "fields"), "event_name"), "value");
    if (typed == NULL)
        form_value(data, "event_name", DEFAULT_EVENT_NAME);
    return DB_OK;
}

/* Why name cannot be the events' name, or NULL. *unavailable on a database
 * error. */
static const char *event_name_problem(const char *name, bool *unavailable)
{
    *unavailable = false;
    if (name == NULL || *name == '\0')
        return "Enter a name for the events, such as \"Practice\" or \"Me time\".";
    if (utf8_code_points(name) > EVENT_NAME_MAX)
        return "Keep the name to 40 characters or fewer.";
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return "Use letters, digits and spaces only on one line.";
    char hit[64];
    int r = mail_forbidden_hit(name, true, hit, sizeof(hit));
    if (r < 0) {
        *unavailable = true;
        return NULL;
    }
    if (r > 0)
        return "Choose a name that says nothing of what it is for: anyone who sees your calendar "
               "sees it.";
    return NULL;
}

/* POST /account/calendar (clients): field event_name. Makes a new link
 * (replacing any earlier one) and shows it once. */
void h_account_calendar(struct request *req)
{
    const struct user *u = req->session->user;
    const char *name = req_form(req, "event_name");
    json_t *form = form_new();
    form_value(form, "event_name", name != NULL ? name : "");
    bool unavailable = false;
    const char *problem = event_name_problem(name, &unavailable);
    if (unavailable) {
        json_decref(form);
        view_unavailable(req);
        return;
    }
    if (problem != NULL) {
        form_error(form, "event_name", problem);
        account_form_errors(req, form);
        return;
    }
    json_decref(form);
    char token[TOKEN_LEN + 1], hash[67];
    token_new(token);
    token_hash_param(token, hash);
    struct db_args a = {0};
    db_arg_int(&a, u->id);
    db_arg_text(&a, hash);
    db_arg_text(&a, name);
    if (db_run(STMT_CALENDAR_SET, &a, NULL) != DB_OK) {
        sodium_memzero(token, sizeof(token));
        view_unavailable(req);
        return;
    }
    audit(req, "calendar.link_made", "user", u->id, 0);
    const char *link =
        arena_printf(&req->arena, "%s/calendar/%s.ics", config_current->base_url, token);
    /* webcal:// opens the subscription in most calendar apps. */
    const char *after_scheme = strstr(link, "://");
    const char *webcal =
        arena_printf(&req->arena, "webcal://%s", after_scheme != NULL ? after_scheme + 3 : link);
    sodium_memzero(token, sizeof(token));
    view_page(req, 201, "calendar_link",
              json_pack("{s:s, s:s, s:s, s:s}", "title", "Your calendar link", "link", link,
                        "webcal", webcal, "event_name", name));
}

/* POST /account/calendar/stop (clients): the link stops working. */
void h_account_calendar_stop(struct request *req)
{
    const struct user *u = req->session->user;
    struct db_args a = {0};
    db_arg_int(&a, u->id);
    PGresult *res = NULL;
    if (db_run(STMT_CALENDAR_STOP, &a, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    bool had = PQntuples(res) == 1;
    PQclear(res);
    if (had)
        audit(req, "calendar.link_stopped", "user", u->id, 0);
    if (req->want_json)
        view_page(req, 200, NULL, json_pack("{s:b, s:b}", "ok", 1, "stopped", had));
    else
        view_redirect(req, "/account?done=calendar-stopped#calendar");
}

/* ---- the feed ---- */

/* Appends one content line, escaped as TEXT when text is true (RFC 5545
 * 3.3.11: backslash, semicolon, comma, newline), folded at 75 octets
 * without splitting a UTF-8 sequence (3.1), ending with CRLF. */
static void ics_line(struct buf *b, const char *name, const char *value, bool text)
{
    struct buf line = BUF_INIT;
    buf_puts(&line, name);
    for (const char *c = value; *c; c++) {
        if (text && (*c == '\\' || *c == ';' || *c == ','))
            buf_putc(&line, '\\');
        if (text && *c == '\n') {
            buf_puts(&line, "\\n");
            continue;
        }
        buf_putc(&line, *c);
    }
    size_t used = 0; /* octets on the current physical line */
    for (size_t i = 0; i < line.len;) {
        size_t n = 1;
        unsigned char c = (unsigned char)line.data[i];
        if (c >= 0xf0)
            n = 4;
        else if (c >= 0xe0)
            n = 3;
        else if (c >= 0xc0)
            n = 2;
        if (used + n > 75) {
            buf_puts(b, "\r\n ");
            used = 1;
        }
        for (size_t k = 0; k < n && i + k < line.len; k++)
            buf_putc(b, line.data[i + k]);
        used += n;
        i += n;
    }
    buf_puts(b, "\r\n");
    buf_free(&line);
}

/* GET /calendar/{token}.ics: no session; the token is the credential. An
 * unknown or stopped link (or a disabled account) is 404. */
void h_calendar_feed(struct request *req)
{
    char hash[67];
    token_hash_param(req->params[0], hash);
    struct db_args a = {0};
    db_arg_text(&a, hash);
    PGresult *res = NULL;
    if (db_run(STMT_CALENDAR_EVENTS, &a, &res) != DB_OK) {
        view_unavailable(req);
        return;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        view_error(req, 404, "not_found", "There is no page at this address.");
        return;
    }
    char stamp[20];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    const char *name = db_text(res, 0, "event_name");
    struct buf b = BUF_INIT;
    ics_line(&b, "BEGIN:", "VCALENDAR", false);
    ics_line(&b, "VERSION:", "2.0", false);
    ics_line(&b, "PRODID:", "-//Interlude//Calendar 1//EN", false);
    ics_line(&b, "CALSCALE:", "GREGORIAN", false);
    ics_line(&b, "METHOD:", "PUBLISH", false);
    ics_line(&b, "X-WR-CALNAME:", name, true);
    for (int r = 0; r < PQntuples(res); r++) {
        if (db_is_null(res, r, "assignment_id"))
            continue; /* nothing under way: an empty calendar */
        const char *day = db_text(res, r, "starts_on");
        char uid[80];
        snprintf(uid, sizeof(uid), "%s-%s@interlude", db_text(res, r, "assignment_id"), day);
        ics_line(&b, "BEGIN:", "VEVENT", false);
        ics_line(&b, "UID:", uid, false);
        ics_line(&b, "DTSTAMP:", stamp, false);
        ics_line(&b, "DTSTART;VALUE=DATE:", day, false);
        ics_line(&b, "DTEND;VALUE=DATE:", db_text(res, r, "ends_on"), false);
        ics_line(&b, "SUMMARY:", name, true);
        ics_line(&b, "TRANSP:", "TRANSPARENT", false);
        ics_line(&b, "END:", "VEVENT", false);
    }
    ics_line(&b, "END:", "VCALENDAR", false);
    PQclear(res);
    req->view.kind = VIEW_TEXT;
    req->view.status = 200;
    req->view.text = arena_strndup(&req->arena, b.data, b.len);
    req->view.text_type = "text/calendar; charset=utf-8";
    buf_free(&b);
}
