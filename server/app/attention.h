/* attention.h: attention items, the one model of "this client needs you"
 * (migrations/0007_attention.sql, docs/CONTENT.md "Attention items").
 *
 * Five kinds, each with its rule here and nowhere else:
 *   risk             an alert rule of the entry's form fires (form_alerts:
 *                    PHQ-9 item 9 above "Not at all", PCL-5 item 16, the
 *                    intake's safety questions, any authored form's alerts)
 *   worsening        a measure's score moves into a worse band than the
 *                    client's previous complete score of the same measure,
 *                    or worsens by at least the measure's reliable_change
 *   distress_rising  distress after practising at or above distress before
 *                    (scales keyed distress_before / distress_after) on
 *                    three submissions of the same exercise in a row
 *   paused           "paused" (a yes_no keyed paused) answered yes on two
 *                    submissions of the same exercise in a row
 *   inactive         an active assignment with nothing logged for the
 *                    therapist's inactive_days (default 7): one query,
 *                    run by the housekeeping of whichever node holds the
 *                    lock
 * The first four are raised in the transaction that stores the entry. An
 * item stays open until a therapist of the client's care team acknowledges
 * it (audited, with an optional sealed note). */
#ifndef INTERLUDE_ATTENTION_H
#define INTERLUDE_ATTENTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "app/homework.h"
#include "db/db.h"
#include "http/request.h"

enum attn_kind {
    ATTN_RISK,
    ATTN_WORSENING,
    ATTN_DISTRESS_RISING,
    ATTN_PAUSED,
    ATTN_INACTIVE,
    ATTN__MAX
};

/* "risk", "worsening", "distress_rising", "paused", "inactive". */
const char *attention_kind_name(enum attn_kind k);
/* What a badge says, in words (never colour alone): "Risk answer", ... */
const char *attention_kind_label(enum attn_kind k);
/* The kind named s; false when s names none. */
bool attention_kind_parse(const char *s, enum attn_kind *out);

/* An earlier submitted entry of the same activity by the same client: the
 * form of the version it was given and its answers (NULL when they did not
 * open: such an entry breaks a run and has no score). */
struct attn_prev {
    const json_t *def;
    const json_t *answers;
};

/* How many earlier entries the rules look at (distress_rising: three in a
 * row is this entry and two before it). */
#define ATTN_HISTORY 2

/* What a rule found: the kind, and a sentence for the therapist (sealed at
 * rest, like all clinical text). */
struct attn_found {
    enum attn_kind kind;
    char detail[400];
};

/* The rules for a new entry, pure: def is its form, answers its answers,
 * prev up to ATTN_HISTORY earlier entries of the same activity, newest
 * first. Writes each kind that applies, at most once, in enum order into
 * out and returns how many. inactive is never found here. */
size_t attention_rules(const json_t *def, const json_t *answers, const struct attn_prev *prev,
                       size_t nprev, struct attn_found out[ATTN__MAX]);

/* Inside the transaction that stored entry_id for assignment a: reads the
 * earlier entries the rules need, evaluates them and inserts the items
 * (risk always; another kind only when no item of that kind is open for
 * the assignment). *risk tells whether a risk item exists for the entry.
 * DB_OK, or the failing statement's status (the transaction then fails:
 * an entry is never stored without its alert). */
enum db_status attention_on_entry(const struct hw_assignment *a, long long entry_id,
                                  const json_t *answers, bool *risk);

/* Raises the inactive items that are due, for every therapist at once, on
 * whichever node gets the advisory lock first (the others skip). For the
 * housekeeping tick. Returns the status; *raised (if not NULL) the count. */
enum db_status attention_raise_inactive(long *raised);

/* The open items about client_id and those acknowledged in the last 30
 * days, newest first, for the client's page (a therapist of the care team:
 * the caller checked): [{id, kind, label, raised_at, entry_id|null,
 * assignment_id, detail|null, open, acknowledged_at|null,
 * acknowledged_by|null, note|null, is_risk, ack_action}]. NULL when the
 * database is unavailable. */
json_t *attention_client_items(struct request *req, long long client_id);
/* The same, with a refused acknowledgement shown on item err_item: its
 * message err_msg and the note as typed. */
json_t *attention_client_items_err(struct request *req, long long client_id, long long err_item,
                                   const char *err_msg, const char *typed);

/* The support panel for a client whose answers meet an alert rule of def
 * (partials/support.html): {messages [{text}] (the alerts' client_message,
 * each once), therapist_notified, has_contacts, contacts}; NULL when no
 * rule fires. The clinician's wording is never in it. */
json_t *attention_support(const json_t *def, const json_t *answers, bool therapist_notified);

/* POST /clients/{id}/attention/{item}/acknowledge (field note, optional). */
void h_attention_acknowledge(struct request *req);

/* The crisis contacts the admin set, in order: [{label, phone|null,
 * phone_href|null, url|null, note|null}]. NULL when unavailable. */
json_t *attention_crisis_contacts(void);

#endif
