/* app.h: the handlers, one file per resource, and the table of routes. */
#ifndef INTERLUDE_APP_H
#define INTERLUDE_APP_H

#include <stdio.h>

#include "db/db.h"
#include "db/query.h"
#include "http/router.h"
#include "mail/mail.h"

/* Every route, indexed by name (routes.c). Tests enumerate this table
 * through `interlude routes`. */
enum route_id {
    R_HOME,
    R_HEALTHZ,
    R_READYZ,
    /* login.c */
    R_LOGIN_FORM,
    R_LOGIN,
    R_LOGOUT,
    R_SESSION,
    /* setup.c */
    R_SETUP_FORM,
    R_SETUP,
    /* account.c */
    R_ACCOUNT,
    R_ACCOUNT_PASSWORD,
    R_ACCOUNT_END_OTHERS,
    R_ACCOUNT_SETTINGS,
    R_LOGIN_CODE_FORM,
    R_LOGIN_CODE,
    R_TWO_STEP_START,
    R_TWO_STEP_CONFIRM,
    R_TWO_STEP_DISABLE,
    R_ACCOUNT_SESSION_END,
    R_ADMIN_TWO_STEP_RESET,
    R_CLIENT_TWO_STEP_RESET,
    /* tokens.c */
    R_ACCOUNT_TOKEN_CREATE,
    R_ACCOUNT_TOKEN_REVOKE,
    /* admin.c */
    R_ADMIN_USERS,
    R_ADMIN_INVITE,
    R_ADMIN_USER_DISABLE,
    R_ADMIN_USER_ENABLE,
    R_ADMIN_USER_RESET_LINK,
    R_ADMIN_AUDIT,
    /* support.c */
    R_ADMIN_SUPPORT,
    R_ADMIN_SUPPORT_ADD,
    R_ADMIN_SUPPORT_DELETE,
    /* reset.c */
    R_RESET_FORM,
    R_RESET,
    R_FORGOT_FORM,
    R_FORGOT,
    R_ADMIN_MAIL,
    R_ADMIN_SECURITY,
    R_ADMIN_SECURITY_SAVE,
    /* discretion.c */
    R_ADMIN_PRACTICE_NAME,
    R_ADMIN_WORD_ADD,
    R_ADMIN_WORD_DELETE,
    /* reminders.c */
    R_ACCOUNT_REMINDERS,
    /* calendar.c */
    R_ACCOUNT_CALENDAR,
    R_ACCOUNT_CALENDAR_STOP,
    R_CALENDAR_FEED,
    R_REMINDERS_STOP_FORM,
    R_REMINDERS_STOP,
    /* @admin-routes */
    /* clients.c, invites.c */
    R_CLIENTS,
    R_CLIENT_INVITE,
    R_COUPLE_CREATE,
    R_CLIENT,
    R_INVITE_RESEND,
    R_INVITE_REVOKE,
    R_INVITE_FORM,
    R_INVITE_ACCEPT,
    R_ATTENTION_ACK,
    /* @therapist-routes */
    /* library.c */
    R_LIBRARY,
    R_ACTIVITY,
    R_ACTIVITY_FHIR,
    /* @library-routes */
    /* authoring.c: therapists' own exercises and intake forms */
    R_DRAFTS,
    R_DRAFT_NEW,
    R_DRAFT,
    R_DRAFT_POST,
    R_DRAFT_PREVIEW,
    R_ACTIVITY_DUPLICATE,
    R_ACTIVITY_EDIT,
    R_ACTIVITY_ARCHIVE,
    /* @authoring-routes */
    /* assign.c: therapists assign, edit, cancel; read and reply */
    R_ASSIGN_FORM,
    R_ASSIGN_CREATE,
    R_ASSIGNMENT_EDIT_FORM,
    R_ASSIGNMENT_UPDATE,
    R_ASSIGNMENT_CANCEL,
    /* @assign-routes */
    /* homework.c: clients' dashboard, practice, drafts, replies */
    R_HOMEWORK,
    R_PRACTICE_FORM,
    R_PRACTICE,
    /* entries.c: one entry, its replies, sharing, review, FHIR */
    R_ENTRY,
    R_ENTRY_SUBMITTED,
    R_ENTRY_COMMENT,
    R_ENTRY_SHARE,
    R_ENTRY_REVIEWED,
    R_ENTRY_FHIR,
    /* formapi.c: an activity version's form, for the API */
    R_FORM_VERSION,
    /* export.c: a client's record as one download */
    R_ACCOUNT_EXPORT,
    R_CLIENT_EXPORT,
    /* @homework-routes */
    /* progress.c */
    R_PROGRESS,
    /* @progress-routes */
    R__MAX
};

extern const struct route app_routes[R__MAX];

/* guard.c: sessions, CSRF and roles before every handler; page data. */
bool app_guard(struct request *req);
void app_decorate(struct request *req, json_t *data);

/* health.c */
void h_healthz(struct request *req);
void h_readyz(struct request *req);
/* Answers 503 with Retry-After, for when the database cannot be reached. */
void view_unavailable(struct request *req);
/* Answers 503 with Retry-After when password hashing has no free slot. */
void view_busy(struct request *req);

/* No typed word lost to a fault. A form that carries text a person typed,
 * when its write failed for any reason but validation (database down or
 * read-only, a permission, a lock or statement timeout), answers through
 * one of these two instead of view_unavailable: 503 with Retry-After and
 * not_saved_message; as HTML the form again with exactly what was posted
 * (and the same idempotency key, so a retry stores once), as JSON
 * {"saved": false, "error": {"code": "not_saved", "message", "saved": false}}.
 * The layout shows the message at the top of the page (data.not_saved). */
extern const char not_saved_message[];
/* The page `template` from data: the caller's own form built from what was
 * posted (the same builder as its 422 answer). Steals data. A JSON request
 * gets the JSON answer (data may be NULL then); an HTML request without
 * data gets view_unavailable, which does not claim the text was kept. */
void view_not_saved(struct request *req, const char *template, json_t *data);
/* For a form whose own page cannot be built without the database (the
 * entry page must audit its read first): the generic page unsaved.html,
 * posting the same fields back to req->path. */
struct unsaved_text {
    const char *name;  /* the form field */
    const char *label; /* its label, as on the form's own page */
};
struct unsaved_form {
    const char *title, *heading, *button, *keep; /* keep: the form's data-keep */
    const char *back_href, *back_label;
    const char *const *hidden; /* fields posted back as they came (besides _csrf) */
    size_t nhidden;
    const struct unsaved_text *texts;
    size_t ntexts;
};
void view_not_saved_text(struct request *req, const struct unsaved_form *f);

/* home.c */
void h_home(struct request *req);

/* login.c */
void h_login_form(struct request *req);
void h_login(struct request *req);
void h_logout(struct request *req);
void h_session(struct request *req);

/* setup.c */
void h_setup_form(struct request *req);
void h_setup(struct request *req);
/* At start: when no admin exists, logs a one-time /setup/<token> link. */
int setup_announce(const char *base_url);
/* `interlude create-admin --email E [--name N]`, password on stdin. */
/* totp: also switch two-step sign-in on and print its secret. */
int setup_create_admin(const char *email, const char *name, const char *password, bool totp);

/* account.c */
void h_account(struct request *req);
void h_account_password(struct request *req);
void h_account_end_others(struct request *req);
void h_account_settings(struct request *req);
/* The account page's data (sessions, two-step state), with form (stolen)
 * merged in when given; NULL with *st set when the database failed. */
json_t *account_data(struct request *req, json_t *form, enum db_status *st);
/* 422 for a form of the account page (stolen form with typed values and
 * messages): the whole page (HTML) or the field errors (JSON). */
void account_form_errors(struct request *req, json_t *form);

/* twostep.c: two-step sign-in (TOTP), recovery codes, ending one session */
void h_login_code_form(struct request *req);
void h_login_code(struct request *req);
void h_two_step_start(struct request *req);
void h_two_step_confirm(struct request *req);
void h_two_step_disable(struct request *req);
void h_account_session_end(struct request *req);
/* A lost device: an admin resets anyone else's second factor, a therapist
 * their client's (audited; the person's sessions end). */
void h_admin_two_step_reset(struct request *req);
void h_client_two_step_reset(struct request *req);
/* `interlude create-admin --totp`: switches two-step sign-in on for
 * user_id with a new secret and prints the secret, its otpauth URI and ten
 * recovery codes to out. 0, or 1 when it could not. */
int two_step_enrol_cli(long long user_id, const char *email, FILE *out);
/* Adds the two-step part of the account page to data (state, QR code while
 * enrolling, recovery codes left). */
enum db_status two_step_account_data(struct request *req, json_t *data);
/* Has user_id switched two-step sign-in on? (Their password alone then
 * makes a half-signed-in session.) */
enum db_status two_step_is_on(long long user_id, bool *on);

/* tokens.c: personal API tokens (therapists and administrators) */
void h_account_token_create(struct request *req);
void h_account_token_revoke(struct request *req);
/* Adds one's tokens and the form's defaults to the account page's data
 * (nothing for clients, who cannot make tokens). */
enum db_status tokens_account_data(struct request *req, json_t *data);

/* admin.c */
void h_admin_users(struct request *req);
void h_admin_invite(struct request *req);
void h_admin_user_disable(struct request *req);
void h_admin_user_enable(struct request *req);
void h_admin_user_reset_link(struct request *req);
void h_admin_audit(struct request *req);
/* security.c: who must use two-step sign-in (/admin/security) */
void h_admin_security(struct request *req);
void h_admin_security_save(struct request *req);
/* `interlude policy [--two-step WORD]`: prints the policy (word NULL) or
 * sets it (audited, no actor). 0; 2 for a word that is not one of
 * off|therapists|admins|both; 4 when the database failed. */
int security_policy_cli(const char *word, FILE *out);
/* support.c: the crisis contacts */
void h_admin_support(struct request *req);
void h_admin_support_add(struct request *req);
void h_admin_support_delete(struct request *req);
/* reset.c */
void h_reset_form(struct request *req);
void h_reset(struct request *req);
/* @admin-handlers */

/* mailing.c: invitations with their message, the forgotten password, the
 * outbox page. */
/* Inserts an invitation (args: STMT_INVITE_CREATE's seven parameters) and
 * queues its message to email with link, in one transaction. *mailed says
 * whether it was queued (MAIL_OFF when mail is off; MAIL_FULL keeps the
 * invitation, whose link the page shows). */
enum db_status invite_create_mailed(const struct db_args *args, const char *email, const char *link,
                                    int valid_days, long long *invite_id, enum mail_result *mailed);
/* Gives an open invitation of creator_id a new link (hash, valid
 * valid_seconds) and queues its message, in one transaction: the old link
 * stops working. *found false when there is no such open invitation of
 * theirs; else *kind ("client" or "therapist"), *email and *name (malloc'd,
 * the caller frees them) and *mailed are set. */
enum db_status invite_renew_mailed(long long invite_id, long long creator_id, const char *hash,
                                   const char *link, int valid_seconds, bool *found, char **kind,
                                   char **email, char **name, enum mail_result *mailed);
/* The administrator's page of a new one-time link (invite: an invitation,
 * else a password reset) for name and email (renewed: it replaces an
 * earlier link); wipes token (TOKEN_LEN + 1 bytes). */
void admin_link_page(struct request *req, bool invite, bool renewed, char *token, const char *name,
                     const char *email, enum mail_result mailed);
/* Sets "mailed", "mail_off" and "mail_failed" on a link page's data. */
void invite_mail_flags(json_t *data, enum mail_result mailed);
/* Queues the alert message (a count and a link, no name, no content) to
 * each enabled therapist of client_id, inside the caller's transaction. A
 * full outbox does not refuse the entry (the alert is on the caseload
 * anyway). DB_OK, or the database error. A no-op when mail is off. */
enum db_status mail_alert_care_team(long long client_id, int count);
void h_forgot_form(struct request *req);
void h_forgot(struct request *req);
void h_admin_mail(struct request *req);
/* discretion.c: the Mail page of the admin (the outbox, the practice
 * name, the words no message may contain). */
void h_admin_practice_name(struct request *req);
void h_admin_word_add(struct request *req);
void h_admin_word_delete(struct request *req);
/* "A note from <practice>": the one subject of every message. */
void mail_subject(char *out, size_t n);

/* reminders.c: a client's reminders, their stop link, the therapist's
 * digest. */
void h_account_reminders(struct request *req);
/* calendar.c: a client's calendar feed */
enum db_status calendar_account_data(struct request *req, json_t *data);
void h_account_calendar(struct request *req);
void h_account_calendar_stop(struct request *req);
void h_calendar_feed(struct request *req);
void h_reminders_stop_form(struct request *req);
void h_reminders_stop(struct request *req);
/* Adds a client's reminder choice to the account page's data (nothing
 * for others, nor when data already holds a typed choice). */
enum db_status reminders_account_data(struct request *req, json_t *data);
/* Adds a therapist's digest choice (digest_options) to data. */
enum db_status digest_account_data(struct request *req, json_t *data);
bool digest_mode_valid(const char *s);
enum db_status digest_set(long long therapist_id, const char *mode);
/* Housekeeping: queues the reminders and digests now due (a no-op when
 * mail is off); *queued: how many messages. */
enum db_status reminders_run(int *queued);
enum db_status digest_run(int *queued);

/* clients.c, invites.c */
void h_clients(struct request *req);
void h_client_invite(struct request *req);
void h_couple_create(struct request *req);
void h_client(struct request *req);
/* The client page of client_id for a therapist of their care team, with
 * status; ack_item > 0 shows ack_error and the note as typed (ack_typed)
 * on that attention item (a refused acknowledgement). */
void client_page(struct request *req, long long client_id, int status, long long ack_item,
                 const char *ack_error, const char *ack_typed);
void h_invite_resend(struct request *req);
void h_invite_revoke(struct request *req);
void h_invite_form(struct request *req);
void h_invite_accept(struct request *req);
/* @therapist-handlers */

/* library.c */
void h_library(struct request *req);
void h_activity(struct request *req);
void h_activity_fhir(struct request *req);
/* @library-handlers */

/* authoring.c */
void h_drafts(struct request *req);
void h_draft_new(struct request *req);
void h_draft(struct request *req);
void h_draft_post(struct request *req);
void h_draft_preview(struct request *req);
void h_activity_duplicate(struct request *req);
void h_activity_edit(struct request *req);
void h_activity_archive(struct request *req);
/* @authoring-handlers */

/* assign.c */
void h_assign_form(struct request *req);
void h_assign_create(struct request *req);
void h_assignment_edit_form(struct request *req);
void h_assignment_update(struct request *req);
void h_assignment_cancel(struct request *req);
/* The signed-in therapist's clients and couples for an "assign to" <select>:
 * {has_clients, clients [{value "client:<id>", label, selected}],
 *  has_couples, couples [{value "couple:<id>", ...}]}; selected names the
 * chosen value (may be NULL). New reference; NULL on a database error. */
json_t *assign_targets(struct request *req, const char *selected);
/* The signed-in therapist's clients, those needing attention first, each
 * with overdue homework, unread submissions, last activity and next due
 * date (one statement). New reference; NULL on a database error. */
json_t *assign_caseload(struct request *req);
/* @assign-handlers */

/* homework.c (the dashboard, h_dashboard, is in app/homework.h) */
void h_homework(struct request *req);
void h_practice_form(struct request *req);
void h_practice_post(struct request *req);
/* entries.c */
void h_entry(struct request *req);
/* formapi.c */
void h_form_version(struct request *req);
void h_entry_submitted(struct request *req);
void h_entry_comment(struct request *req);
void h_entry_share(struct request *req);
void h_entry_reviewed(struct request *req);
void h_entry_fhir(struct request *req);
/* @homework-handlers */

/* progress.c */
void h_progress(struct request *req);
/* export.c */
void h_account_export(struct request *req);
void h_client_export(struct request *req);
/* Adds client_id's homework record to data: current and past assignments
 * with status and completion, the timeline of submissions, the latest
 * intake answers, measure scores and the progress charts. therapist_id > 0:
 * only what that therapist assigned, cancelled included (the client page);
 * 0: the client themself, every therapist's, cancelled left out. The caller
 * has checked access and written the audit row. False on a database
 * error (data may then hold part of the record: answer 503). */
bool progress_collect(struct request *req, long long client_id, long long therapist_id,
                      json_t *data);
/* @progress-handlers */

#endif
