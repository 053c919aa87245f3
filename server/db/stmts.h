/* stmts.h: every SQL statement the server runs, named by an enum. The SQL
 * text lives in stmts.c, in one table indexed by this enum. */
#ifndef INTERLUDE_STMTS_H
#define INTERLUDE_STMTS_H

enum stmt_id {
    STMT_PING,             /* SELECT 1 */
    STMT_MIGRATION_LATEST, /* SELECT max(version) FROM schema_migrations */

    /* data keys (crypto/keycheck.c) */
    STMT_DATA_KEYS_LIST,
    STMT_DATA_KEY_REGISTER,

    /* sessions (auth/session.c) */
    STMT_SESSION_LOAD,
    STMT_SESSION_TOUCH,
    STMT_SESSION_CREATE,
    STMT_SESSION_ASYNC_COMMIT,
    STMT_SESSION_DELETE,
    STMT_SESSION_DELETE_USER,
    STMT_SESSION_PURGE,
    STMT_SESSION_LIST,

    /* audit (auth/audit.c) */
    STMT_AUDIT_INSERT,

    /* access (auth/access.c) */
    STMT_ACCESS_CARE_TEAM,
    STMT_ACCESS_FORM_VERSION,

    /* users, login, setup (app/login.c, app/setup.c, app/account.c) */
    STMT_USER_BY_EMAIL,
    STMT_USER_CREATE,
    STMT_USER_SET_PASSWORD,
    STMT_USER_PASSWORD_HASH,
    STMT_ADMIN_EXISTS,
    STMT_LOGIN_FAILURES_COUNT,
    STMT_LOGIN_FAILURE_ADD,
    STMT_LOGIN_FAILURES_CLEAR,
    STMT_LOGIN_FAILURES_PURGE,
    STMT_INVITE_CREATE,
    STMT_INVITE_BY_TOKEN,
    STMT_INVITE_USE,
    STMT_INVITES_REVOKE_SETUP,

    /* admin pages (app/admin.c) */
    STMT_ADMIN_USERS_LIST,
    STMT_ADMIN_INVITES_PENDING,
    STMT_ADMIN_USER_GET,
    STMT_ADMIN_USER_DISABLE,
    STMT_ADMIN_USER_ENABLE,
    STMT_ADMIN_RESETS_REVOKE,
    STMT_ADMIN_AUDIT_LIST,
    /* password reset links (app/reset.c) */
    STMT_RESET_BY_TOKEN,

    /* therapist pages (app/clients.c) */
    STMT_THERAPIST_CLIENTS,
    STMT_THERAPIST_COUPLES,
    STMT_THERAPIST_INVITES,
    STMT_THERAPIST_CLIENT,
    STMT_THERAPIST_CLIENT_COUPLES,
    STMT_EMAIL_TAKEN,
    STMT_COUPLE_CREATE,
    /* invitations (app/invites.c) */
    STMT_CARE_TEAM_ADD,
    /* calendar feeds (app/calendar.c) */
    STMT_CALENDAR_GET,
    STMT_CALENDAR_SET,
    STMT_CALENDAR_STOP,
    STMT_CALENDAR_EVENTS,
    STMT_INVITE_RENEW,
    STMT_INVITE_REVOKE,
    STMT_INVITE_STATE_FOR_CREATOR,

    /* the library (app/library.c, app/library_load.c) */
    STMT_LIBRARY_LOCK,
    STMT_LIBRARY_LATEST_HASHES,
    STMT_ACTIVITY_CREATE,
    STMT_VERSION_CREATE,
    STMT_LIBRARY_LIST,
    STMT_LIBRARY_FACETS,
    STMT_ACTIVITY_GET,
    STMT_ACTIVITY_VERSIONS,
    /* @library-statements */
    /* authoring (app/authoring.c) */
    STMT_DRAFT_CREATE,
    STMT_DRAFT_OPEN,
    STMT_DRAFT_GET,
    STMT_DRAFT_PEEK,
    STMT_DRAFT_UPDATE,
    STMT_DRAFT_DELETE,
    STMT_DRAFT_LIST,
    STMT_DRAFT_COUNT,
    STMT_ACTIVITY_LATEST_OWN,
    STMT_ACTIVITY_ARCHIVE,
    /* @authoring-statements */

    /* homework: assignments (app/assign.c) */
    STMT_ASSIGN_TODAY,
    STMT_ASSIGN_ACTIVITIES,
    STMT_ASSIGN_ACTIVITY,
    STMT_ASSIGN_COUPLE,
    STMT_ASSIGNMENT_CREATE,
    STMT_ASSIGNMENT_LINK,
    STMT_ASSIGNMENT_UPDATE,
    STMT_ASSIGNMENT_CANCEL,
    STMT_CLIENTS_OVERVIEW,
    /* @assign-statements */
    /* homework: entries and replies (app/homework.c) */
    STMT_HW_ASSIGNMENT_GET,
    STMT_HW_ENTRY_GET,
    STMT_HW_DASHBOARD,
    STMT_HW_ASSIGNMENT_ENTRIES,
    STMT_HW_PARTNER_SHARED,
    STMT_HW_PARTNER_LATEST,
    STMT_HW_DRAFT_GET,
    STMT_HW_WEEK_LOGGED,
    STMT_HW_DRAFT_SAVE,
    STMT_HW_SYNC_COMMIT,
    STMT_HW_ENTRY_BY_KEY,
    STMT_HW_DRAFT_SUBMIT,
    STMT_HW_ENTRY_INSERT,
    STMT_HW_COMMENTS,
    STMT_HW_COMMENT_INSERT,
    STMT_HW_COMMENT_BY_KEY,
    STMT_HW_COMMENTS_MARK_READ,
    STMT_HW_ENTRY_MARK_READ,
    STMT_HW_ENTRY_SET_SHARED,
    STMT_HW_ENTRY_REVIEWED,
    /* @entries-statements */
    /* homework: progress (app/progress.c) */
    STMT_PROGRESS_ASSIGNMENTS,
    STMT_PROGRESS_ENTRIES,
    STMT_PROGRESS_VERSIONS,
    /* @progress-statements */
    /* attention items, crisis contacts (app/attention.c, app/admin.c) */
    STMT_ATTN_HISTORY,
    STMT_ATTN_INSERT,
    STMT_ATTN_ENTRY_RISK,
    STMT_ATTN_ENTRY_MARKS,
    STMT_ATTN_LOCK,
    STMT_ATTN_INACTIVE,
    STMT_ATTN_CLIENT_ITEMS,
    STMT_ATTN_STATE,
    STMT_ATTN_ACK,
    STMT_THERAPIST_ACTIVE_FOR,
    STMT_CRISIS_LIST,
    STMT_CRISIS_ADD,
    STMT_CRISIS_DELETE,
    STMT_THERAPIST_SETTINGS,
    STMT_THERAPIST_SET_INACTIVE_DAYS,
    /* @attention-statements */
    /* the outbox (mail/mail.c), password reset by mail (app/forgot.c) */
    STMT_OUTBOX_INSERT,
    STMT_OUTBOX_CLAIM,
    STMT_OUTBOX_SENT,
    STMT_OUTBOX_RETRY,
    STMT_OUTBOX_FAILED,
    STMT_OUTBOX_COUNTS,
    STMT_OUTBOX_FAILURES,
    STMT_FORGOT_USER,
    STMT_RESET_REQUEST_COUNT,
    STMT_RESET_REQUEST_ADD,
    STMT_RESET_REQUEST_PURGE,
    STMT_CARE_TEAM_EMAILS,
    /* reminders, the digest, discretion (app/reminders.c, app/discretion.c) */
    STMT_REMINDER_PREFS_GET,
    STMT_REMINDER_PREFS_SET,
    STMT_TIME_ZONE_VALID,
    STMT_REMINDERS_RUN,
    STMT_REMINDER_STOP_ADD,
    STMT_REMINDER_STOP_FIND,
    STMT_REMINDER_STOP,
    STMT_REMINDER_STOPS_PURGE,
    STMT_DIGEST_GET,
    STMT_DIGEST_SET,
    STMT_DIGEST_RUN,
    STMT_FORBIDDEN_LIST,
    STMT_FORBIDDEN_ADD,
    STMT_FORBIDDEN_DELETE,
    STMT_PRACTICE_NAME_GET,
    STMT_PRACTICE_NAME_SET,
    STMT_PRACTICE_NAME_CLEAR,

    /* two-step sign-in (auth/totp.c, app/twostep.c) */
    STMT_TOTP_GET,
    STMT_TOTP_SET_PENDING,
    STMT_TOTP_ENABLE,
    STMT_TOTP_DISABLE,
    STMT_TOTP_USE_STEP,
    STMT_RECOVERY_DELETE,
    STMT_RECOVERY_ADD,
    STMT_RECOVERY_USE,
    STMT_RECOVERY_LEFT,
    STMT_SESSION_END_ONE,
    /* who must use two-step sign-in (auth/policy.c, app/security.c) */
    STMT_TWO_STEP_POLICY_GET,
    STMT_TWO_STEP_POLICY_SET,

    /* API tokens (auth/bearer.c, app/tokens.c) */
    STMT_TOKEN_LOAD,
    STMT_TOKEN_PEEK,
    STMT_TOKEN_CREATE,
    STMT_TOKEN_LIST,
    STMT_TOKEN_REVOKE,

    /* a client's record as one download (app/export.c) */
    STMT_EXPORT_PROFILE,
    STMT_EXPORT_ASSIGNMENTS,
    STMT_EXPORT_ENTRIES,
    STMT_EXPORT_COMMENTS,
    STMT_EXPORT_ATTENTION,

    STMT__MAX
};

struct stmt_def {
    const char *name; /* prepared statement name */
    const char *sql;  /* $1..$n parameters only */
    int nparams;
    /* The result's column names in order, separated by one space ("" for
     * a statement that returns no rows). Results are read by these names
     * (db/query.h); db.c checks every statement's actual columns against
     * them on first use and in db_check_statements. */
    const char *cols;
};

extern const struct stmt_def stmt_defs[STMT__MAX];

#endif
