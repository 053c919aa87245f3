/* homework.h: what both sides of homework share (homework_common.c): who
 * may see an assignment or an entry, decided here and nowhere else, and the
 * status of an assignment (upcoming, this week, overdue, done).
 *
 * Used by the client's pages (homework.c, entries.c) and the therapist's
 * (assign.c). A refusal is always answered 404, exactly like an id that does
 * not exist, so ids are never confirmed. */
#ifndef INTERLUDE_HOMEWORK_H
#define INTERLUDE_HOMEWORK_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "http/request.h"

/* How the signed-in person relates to an assignment or an entry. */
enum hw_role {
    HW_NONE = 0,
    HW_OWNER,     /* the client it was given to / who wrote the entry */
    HW_THERAPIST, /* a therapist on that client's care team */
    HW_PARTNER,   /* the other partner of a couple: a shared entry, read-only */
};

/* One assignment with the activity version it was given (never the latest).
 * Strings live in the request's arena; content is owned (homework_assignment_free). */
struct hw_assignment {
    long long id;
    long long activity_id;
    long long version_id;
    int version;
    long long therapist_id;
    long long client_id;
    long long couple_id;             /* 0: not a couple assignment */
    long long partner_assignment_id; /* 0: none */
    long long partner_client_id;     /* the partner's id when both rows point at each other */
    char kind[16];                   /* exercise | intake | measure */
    const char *title;               /* the version's title (the therapist's) */
    const char *client_title;        /* content.client_title, else title: for the client's pages */
    const char *start_date;          /* YYYY-MM-DD */
    const char *due_date;            /* YYYY-MM-DD, "" when none */
    int times_per_week;              /* 0 when none */
    int weeks;                       /* 0 when none */
    int repeat_days;                 /* repeating every this many days until due_date; 0: not */
    bool cancelled;
    bool has_note;
    const char *today;     /* the database's current_date (service time zone) */
    json_t *content;       /* the version's content (owned) */
    const json_t *form;    /* its form (activity_form), borrowed from content; may be NULL */
    json_t *practice_form; /* owned or NULL: form without its once_a_week fields (homework.c) */
    PGresult *row;         /* the loaded row (owned; holds note_enc) */
    enum hw_role role;     /* set by homework_assignment_access */
};

/* Loads assignment id and decides whether the signed-in person may see it:
 * the client it was given to (not once it is cancelled: it disappears for
 * them), or a therapist on that client's care team (cancelled included).
 * True with *a filled (free it with homework_assignment_free); false with the
 * answer already set: 404 for anything refused or absent, 503 when the
 * database is unavailable. */
bool homework_assignment_access(struct request *req, long long id, struct hw_assignment *a);
void homework_assignment_free(struct hw_assignment *a);
/* The therapist's personal note, decrypted (AAD "assignment:<client>:note"):
 * malloc'd (free with homework_secret_free), NULL when there is none or it
 * does not open (*unreadable then true). */
char *homework_assignment_note(const struct hw_assignment *a, bool *unreadable);

/* One submitted entry, with its assignment. */
struct hw_entry {
    long long id;
    long long client_id;
    long long corrects_entry_id; /* 0: none */
    bool shared_with_partner;
    bool therapist_read;
    bool reviewed;
    const char *author_name;   /* the client's display name */
    const char *submitted_at;  /* "YYYY-MM-DD HH:MM" in the service time zone */
    const char *submitted_iso; /* FHIR dateTime in UTC */
    const char *reviewed_at;   /* as submitted_at, "" when not reviewed */
    PGresult *row;             /* owned; holds answers_enc */
    struct hw_assignment a;    /* its assignment (a.role is not decided) */
    enum hw_role role;
};

/* Loads submitted entry id and decides: its author (HW_OWNER), a therapist
 * on the author's care team (HW_THERAPIST), or the partner of a couple
 * assignment when the author shared it (HW_PARTNER, read-only: answers only,
 * never the thread). Drafts are nobody's to open here (404). Same answer
 * contract as homework_assignment_access; free with homework_entry_free. */
bool homework_entry_access(struct request *req, long long id, struct hw_entry *e);
void homework_entry_free(struct hw_entry *e);
/* The entry's answers, decrypted and parsed (AAD
 * "entry:<client>:<assignment>:answers"). New reference, NULL when they do
 * not open. */
json_t *homework_entry_answers(const struct hw_entry *e);

/* Seals the answers object as compact JSON for an answers_enc parameter (a
 * bytea hex literal, malloc'd: free with homework_secret_free). NULL on
 * failure. */
char *homework_seal_answers(const json_t *answers, long long client_id, long long assignment_id);
/* Decrypts answers_enc at (row, col) of res and parses it. New reference,
 * NULL when it does not open or is not a JSON object. */
json_t *homework_open_answers(const PGresult *res, int row, int col, long long client_id,
                              long long assignment_id);
/* Wipes and frees a plaintext or a sealed literal (NULL is a no-op). */
void homework_secret_free(char *s);

/* ---- the status of an assignment ---- */

enum hw_state {
    HW_UPCOMING, /* starts later; or, repeating, the current one is answered: the next later */
    HW_ACTIVE,   /* under way: this week's homework */
    HW_OVERDUE,  /* its due date passed before it was done */
    HW_DONE,     /* every practice expected was logged */
    HW_ENDED,    /* a rhythm whose weeks are over, or a repeating one past its end or with
                    its last occurrence answered, with fewer practices */
    HW_CANCELLED,
    HW_STATE__MAX
};

struct hw_schedule {
    const char *start_date; /* YYYY-MM-DD */
    const char *due_date;   /* YYYY-MM-DD; NULL or "" when none; repeating: the end ("until") */
    int times_per_week;     /* 0 when none */
    int weeks;              /* 0 when none */
    int repeat_days;        /* > 0: repeating every this many days until due_date */
    /* Repeating only: the day (YYYY-MM-DD) of the latest practice counted;
     * NULL or "" when none. */
    const char *last_done;
    bool cancelled;
};

struct hw_status {
    enum hw_state state;
    int expected;      /* practices expected in all (times_per_week x weeks, the
                          occurrences of a repeating schedule, or 1) */
    int done;          /* submitted practices counted (as given) */
    char last_day[11]; /* YYYY-MM-DD: the due date (a repeating one's end), or the rhythm's
                          last day */
    char next_day[11]; /* repeating: the next occurrence when the current one is answered
                          and another follows; "" otherwise */
    char label[128];   /* "3 of 6 practices this fortnight", "Due Fri 14 Mar", ... */
};

/* Computes the status on day today (YYYY-MM-DD, the service time zone's
 * current_date) from the schedule and the number of submitted practices
 * (corrections not counted). Rules: cancelled wins; then done when
 * done >= expected; upcoming before start_date; after the last day overdue
 * when there is a due date, else ended; otherwise active. A rhythm's last
 * day is the due date if set, else start_date + 7 x weeks - 1.
 *
 * Repeating (repeat_days > 0 with a due date, the end): the occurrences are
 * start, start + N, start + 2N, ... <= end, and expected is their number;
 * done is the number of occurrences answered (homework_occurrence: several
 * answers to one occurrence count once). Each occurrence is due on its day
 * and stays open until the next one starts (the last until the end): active
 * ("Due today", "Due since Tue 11 Mar") until it is answered (last_done on
 * or after its day), then upcoming with next_day set ("Next on Fri 14 Mar")
 * until the next one; missed ones are not owed any more, the label counts
 * what was done of the occurrences so far ("2 of 3 so far"). After the end,
 * or once the last occurrence is answered: done when all were answered,
 * else ended.
 *
 * Returns 0, or -1 when a date is malformed (out is then an active status). */
int homework_status(const struct hw_schedule *s, const char *today, int done,
                    struct hw_status *out);
/* Repeating schedules: the index (0 = the start) of the occurrence a
 * practice on day (YYYY-MM-DD) counts for: the last one that started on or
 * before it, clamped to the first and the last. -1 when the schedule does
 * not repeat or a date is malformed. The SQL function assignment_occurrence
 * (migration 0009) is the same rule. */
int homework_occurrence(const struct hw_schedule *s, const char *day);
/* "every day", "every 3 days", "every week", "every 2 weeks" (a multiple
 * of 7 days is said in weeks), written into out. */
void homework_repeat_phrase(int repeat_days, char *out, size_t outlen);
/* "upcoming" | "active" | "overdue" | "done" | "ended" | "cancelled". */
const char *homework_state_name(enum hw_state st);
/* {"state", "label", "expected", "done", "last_day", "next_day", "is_upcoming", "is_active",
 *  "is_overdue", "is_done", "is_ended", "is_cancelled"}: new reference. */
json_t *homework_status_json(const struct hw_status *st);

/* "Fri 14 Mar" for YYYY-MM-DD (plus " 2027" when not in today's year);
 * the input itself when malformed. Written into out. */
void homework_date_label(const char *date, const char *today, char *out, size_t outlen);

/* ---- small helpers both sides use ---- */

/* An idempotency key as the forms carry it: 16..64 characters of
 * [A-Za-z0-9_-]. */
bool homework_key_valid(const char *key);
/* Answers 404 exactly like an unknown address. */
void homework_not_found(struct request *req);

/* The client's dashboard (GET / for a client; home.c). */
void h_dashboard(struct request *req);

#endif
