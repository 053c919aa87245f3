/* stmts.c: the SQL text of every statement the server runs, indexed by enum stmt_id. */
#include "db/stmts.h"

/* Prepared on every new connection by db.c. Parameters are $1..$n only; no
 * SQL is ever assembled from strings at run time. */
const struct stmt_def stmt_defs[STMT__MAX] = {
    [STMT_PING] = {.name = "ping", .sql = "SELECT 1 AS one", .nparams = 0, .cols = "one"},
    [STMT_MIGRATION_LATEST] = {.name = "migration_latest",
                               .sql = "SELECT max(version) AS version FROM schema_migrations",
                               .nparams = 0,
                               .cols = "version"},

    /* data keys: the ids stored values are sealed with, and check values */
    [STMT_DATA_KEYS_LIST] = {.name = "data_keys_list",
                             .sql = "SELECT key_id, check_value FROM data_keys ORDER BY key_id",
                             .nparams = 0,
                             .cols = "key_id check_value"},
    /* $1 key id, $2 its check value (bytea hex): a new key, or a check value
     * for a key the 0015 migration found in the data without one. */
    [STMT_DATA_KEY_REGISTER] = {.name = "data_key_register",
                                .sql = "INSERT INTO data_keys (key_id, check_value) VALUES ($1, "
                                       "$2::bytea) ON CONFLICT (key_id) DO UPDATE SET "
                                       "check_value = EXCLUDED.check_value WHERE "
                                       "data_keys.check_value IS NULL",
                                .nparams = 2,
                                .cols = ""},

    /* sessions */
    [STMT_SESSION_LOAD] = {.name = "session_load",
                           .sql = "SELECT s.id, s.csrf_token, s.user_id, u.role, u.email, "
                                  "u.display_name, "
                                  "s.last_seen_at < now() - $3::int * interval '1 second' AS "
                                  "stale, s.second_factor_pending, u.totp_enabled_at IS NOT NULL "
                                  "AS two_step_enrolled, (SELECT value FROM app_meta WHERE key = "
                                  "'two_step_required') AS two_step_policy FROM sessions s LEFT "
                                  "JOIN users u ON u.id = s.user_id "
                                  "WHERE s.token_hash = $1 AND s.expires_at > now() "
                                  "AND s.last_seen_at > now() - $2::int * interval '1 second' "
                                  "AND (s.user_id IS NULL OR u.disabled_at IS NULL)",
                           .nparams = 3,
                           .cols = "id csrf_token user_id role email display_name stale "
                                   "second_factor_pending two_step_enrolled two_step_policy"},
    [STMT_SESSION_TOUCH] = {.name = "session_touch",
                            .sql = "UPDATE sessions SET last_seen_at = now() WHERE id = $1",
                            .nparams = 1,
                            .cols = ""},
    [STMT_SESSION_CREATE] = {.name = "session_create",
                             .sql = "INSERT INTO sessions (token_hash, user_id, csrf_token, "
                                    "expires_at, ip, user_agent, second_factor_pending) "
                                    "VALUES ($1, $2, $3, now() + $4::int * interval '1 minute', "
                                    "$5, $6, $7) RETURNING id",
                             .nparams = 7,
                             .cols = "id"},
    /* An anonymous session (a form's CSRF token) is not worth a WAL flush:
     * lost in a crash, it costs a reload of the form (session_ensure). */
    [STMT_SESSION_ASYNC_COMMIT] = {.name = "session_async_commit",
                                   .sql = "SET LOCAL synchronous_commit = off",
                                   .nparams = 0,
                                   .cols = ""},
    [STMT_SESSION_DELETE] = {.name = "session_delete",
                             .sql = "DELETE FROM sessions WHERE id = $1",
                             .nparams = 1,
                             .cols = ""},
    [STMT_SESSION_DELETE_USER] = {.name = "session_delete_user",
                                  .sql = "DELETE FROM sessions WHERE user_id = $1 AND id <> $2",
                                  .nparams = 2,
                                  .cols = ""},
    [STMT_SESSION_PURGE] = {.name = "session_purge",
                            .sql = "DELETE FROM sessions WHERE expires_at < now() OR "
                                   "last_seen_at < now() - $1::int * interval '1 second'",
                            .nparams = 1,
                            .cols = ""},
    [STMT_SESSION_LIST] =
        {.name = "session_list",
         .sql = "SELECT id, to_char(created_at AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD HH24:MI') AS started, to_char(last_seen_at AT TIME ZONE "
                "'UTC', 'YYYY-MM-DD HH24:MI') AS last_seen, coalesce(ip, '') AS ip, "
                "coalesce(user_agent, '') AS user_agent FROM sessions WHERE user_id = $1 "
                "AND expires_at > now() AND last_seen_at > now() - $2::int * "
                "interval '1 second' ORDER BY last_seen_at DESC LIMIT 50",
         .nparams = 2,
         .cols = "id started last_seen ip user_agent"},

    /* audit */
    /* $7: the API token the request was authenticated by (NULL: a session). */
    [STMT_AUDIT_INSERT] = {.name = "audit_insert",
                           .sql = "INSERT INTO audit_log (actor_id, action, object_type, "
                                  "object_id, subject_id, ip, token_id) VALUES ($1, $2, $3, $4, "
                                  "$5, $6, $7)",
                           .nparams = 7,
                           .cols = ""},

    /* access */
    [STMT_ACCESS_CARE_TEAM] =
        {.name = "access_care_team",
         .sql = "SELECT 1 AS on_care_team FROM care_team ct JOIN users c ON c.id = "
                "ct.client_id WHERE ct.therapist_id = $1 AND "
                "ct.client_id = $2 AND c.role = 'client'",
         .nparams = 2,
         .cols = "on_care_team"},
    /* $1 activity version, $2 user, $3 their role: the version's form, when
     * a therapist may see its activity (the library's, their own) or it was
     * given to a client on their care team, or it was given to the client
     * $2. Columns: id, kind, version, content_hash, content, title. */
    [STMT_ACCESS_FORM_VERSION] =
        {.name = "access_form_version",
         .sql = "SELECT v.id, a.kind, v.version, v.content_hash, v.content::text, v.title "
                "FROM activity_versions v JOIN activities a ON a.id = v.activity_id "
                "WHERE v.id = $1 AND CASE $3::text "
                "WHEN 'therapist' THEN a.source = 'library' OR a.owner_id = $2::bigint "
                "OR EXISTS (SELECT 1 FROM assignments s JOIN care_team ct "
                "ON ct.client_id = s.client_id WHERE s.version_id = v.id "
                "AND ct.therapist_id = $2::bigint) "
                "WHEN 'client' THEN EXISTS (SELECT 1 FROM assignments s "
                "WHERE s.version_id = v.id AND s.client_id = $2::bigint) "
                "ELSE false END",
         .nparams = 3,
         .cols = "id kind version content_hash content title"},

    /* users, login, setup */
    [STMT_USER_BY_EMAIL] = {.name = "user_by_email",
                            .sql = "SELECT id, role, password_hash, disabled_at IS NOT NULL "
                                   "AS disabled, display_name FROM users WHERE lower(email) = "
                                   "lower($1)",
                            .nparams = 1,
                            .cols = "id role password_hash disabled display_name"},
    [STMT_USER_CREATE] = {.name = "user_create",
                          .sql = "INSERT INTO users (email, display_name, role, password_hash) "
                                 "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id",
                          .nparams = 4,
                          .cols = "id"},
    [STMT_USER_SET_PASSWORD] = {.name = "user_set_password",
                                .sql = "UPDATE users SET password_hash = $2, "
                                       "password_changed_at = now() WHERE id = $1",
                                .nparams = 2,
                                .cols = ""},
    [STMT_USER_PASSWORD_HASH] = {.name = "user_password_hash",
                                 .sql = "SELECT password_hash FROM users WHERE id = $1",
                                 .nparams = 1,
                                 .cols = "password_hash"},
    [STMT_ADMIN_EXISTS] =
        {.name = "admin_exists",
         .sql = "SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin') AS admin_exists",
         .nparams = 0,
         .cols = "admin_exists"},
    [STMT_LOGIN_FAILURES_COUNT] = {.name = "login_failures_count",
                                   .sql = "SELECT (SELECT count(*) FROM login_failures WHERE "
                                          "email_norm = lower($1) AND at > now() - interval "
                                          "'15 minutes') AS by_account, (SELECT count(*) FROM "
                                          "login_failures WHERE ip = $2 AND at > now() - "
                                          "interval '15 minutes') AS by_address",
                                   .nparams = 2,
                                   .cols = "by_account by_address"},
    [STMT_LOGIN_FAILURE_ADD] = {.name = "login_failure_add",
                                .sql = "INSERT INTO login_failures (email_norm, ip) VALUES "
                                       "(lower($1), $2)",
                                .nparams = 2,
                                .cols = ""},
    [STMT_LOGIN_FAILURES_CLEAR] = {.name = "login_failures_clear",
                                   .sql = "DELETE FROM login_failures WHERE email_norm = "
                                          "lower($1)",
                                   .nparams = 1,
                                   .cols = ""},
    [STMT_LOGIN_FAILURES_PURGE] = {.name = "login_failures_purge",
                                   .sql = "DELETE FROM login_failures WHERE at < now() - "
                                          "interval '1 day'",
                                   .nparams = 0,
                                   .cols = ""},
    [STMT_INVITE_CREATE] = {.name = "invite_create",
                            .sql = "INSERT INTO invites (token_hash, kind, email, display_name, "
                                   "created_by, user_id, expires_at) VALUES ($1, $2, $3, $4, $5, "
                                   "$6, now() + $7::int * interval '1 second') RETURNING id",
                            .nparams = 7,
                            .cols = "id"},
    [STMT_INVITE_BY_TOKEN] =
        {.name = "invite_by_token",
         .sql = "SELECT id, kind, coalesce(email, '') AS email, coalesce(display_name, '') AS "
                "display_name, created_by, user_id FROM "
                "invites WHERE token_hash = $1 AND used_at IS NULL AND "
                "revoked_at IS NULL AND expires_at > now()",
         .nparams = 1,
         .cols = "id kind email display_name created_by user_id"},
    [STMT_INVITE_USE] = {.name = "invite_use",
                         .sql = "UPDATE invites SET used_at = now() WHERE id = $1 AND used_at "
                                "IS NULL AND revoked_at IS NULL AND expires_at > now() "
                                "RETURNING id",
                         .nparams = 1,
                         .cols = "id"},
    [STMT_INVITES_REVOKE_SETUP] = {.name = "invites_revoke_setup",
                                   .sql = "UPDATE invites SET revoked_at = now() WHERE kind = "
                                          "'setup' AND used_at IS NULL AND revoked_at IS NULL",
                                   .nparams = 0,
                                   .cols = ""},

    /* admin pages */
    [STMT_ADMIN_USERS_LIST] =
        {.name = "admin_users_list",
         .sql = "SELECT id, display_name, email, role, disabled_at IS NOT "
                "NULL AS disabled, to_char(created_at AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD') AS created_on FROM users ORDER BY created_at DESC, id DESC",
         .nparams = 0,
         .cols = "id display_name email role disabled created_on"},
    /* Pending therapist invitations; the last column says whether $1 made
     * it (only the inviter may revoke: invites.c). */
    [STMT_ADMIN_INVITES_PENDING] =
        {.name = "admin_invites_pending",
         .sql = "SELECT i.id, coalesce(i.display_name, '') AS display_name, "
                "coalesce(i.email, '') AS email, to_char(i.created_at AT TIME "
                "ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS created, to_char("
                "i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD "
                "HH24:MI') AS expires, coalesce(u.display_name, '') AS invited_by, "
                "i.created_by IS NOT DISTINCT FROM $1::bigint AS mine FROM "
                "invites i LEFT JOIN users u ON u.id = i.created_by "
                "WHERE i.kind = 'therapist' AND i.used_at IS NULL AND "
                "i.revoked_at IS NULL AND i.expires_at > now() ORDER "
                "BY i.created_at DESC, i.id DESC",
         .nparams = 1,
         .cols = "id display_name email created expires invited_by mine"},
    [STMT_ADMIN_USER_GET] =
        {.name = "admin_user_get",
         .sql = "SELECT disabled_at IS NOT NULL AS disabled, display_name, email, role "
                "FROM users WHERE id = $1",
         .nparams = 1,
         .cols = "disabled display_name email role"},
    /* Keeps the first disabled_at when repeated; no row: unknown id. */
    [STMT_ADMIN_USER_DISABLE] = {.name = "admin_user_disable",
                                 .sql = "UPDATE users SET disabled_at = coalesce(disabled_at, "
                                        "now()) WHERE id = $1 RETURNING id",
                                 .nparams = 1,
                                 .cols = "id"},
    [STMT_ADMIN_USER_ENABLE] = {.name = "admin_user_enable",
                                .sql = "UPDATE users SET disabled_at = NULL WHERE id = $1 "
                                       "RETURNING id",
                                .nparams = 1,
                                .cols = "id"},
    /* Only the newest reset link of an account works. */
    [STMT_ADMIN_RESETS_REVOKE] = {.name = "admin_resets_revoke",
                                  .sql = "UPDATE invites SET revoked_at = now() WHERE kind = "
                                         "'reset' AND user_id = $1 AND used_at IS NULL AND "
                                         "revoked_at IS NULL",
                                  .nparams = 1,
                                  .cols = ""},
    /* $1 e-mail of a person (actor, subject, or the account acted upon),
     * $2 and $3 first and last day (UTC, inclusive), each NULL for no
     * filter; $4 LIMIT, $5 OFFSET. Never any free text but the action. */
    [STMT_ADMIN_AUDIT_LIST] =
        {.name = "admin_audit_list",
         .sql = "SELECT to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD "
                "HH24:MI:SS') AS at, coalesce(ac.display_name, '') AS actor_name, "
                "coalesce(ac.email, '') AS actor_email, a.action, coalesce(a.object_type, "
                "'') AS object_type, coalesce(a.object_id::text, '') AS object_id, "
                "coalesce(su.display_name, '') AS subject_name, coalesce(su.email, '') AS "
                "subject_email, "
                "coalesce(a.ip, '') AS ip, coalesce(a.token_id::text, '') AS token_id FROM "
                "audit_log a LEFT JOIN users ac ON "
                "ac.id = a.actor_id LEFT JOIN users su ON su.id = "
                "a.subject_id WHERE ($1::text IS NULL OR EXISTS (SELECT 1 "
                "FROM users p WHERE lower(p.email) = lower($1::text) AND "
                "(p.id = a.actor_id OR p.id = a.subject_id OR "
                "(a.object_type = 'user' AND a.object_id = p.id)))) AND "
                "($2::date IS NULL OR a.at >= $2::date::timestamp AT TIME "
                "ZONE 'UTC') AND ($3::date IS NULL OR a.at < ($3::date + "
                "1)::timestamp AT TIME ZONE 'UTC') ORDER BY a.at DESC, a.id "
                "DESC LIMIT $4::int OFFSET $5::int",
         .nparams = 5,
         .cols = "at actor_name actor_email action object_type object_id subject_name "
                 "subject_email ip token_id"},

    /* password reset links */
    /* A usable reset link and its account (never a disabled one). */
    [STMT_RESET_BY_TOKEN] =
        {.name = "reset_by_token",
         .sql = "SELECT i.id AS invite_id, u.id AS user_id, u.email, u.display_name FROM invites i "
                "JOIN users u ON u.id = i.user_id WHERE i.token_hash = $1 "
                "AND i.kind = 'reset' AND i.used_at IS NULL AND i.revoked_at "
                "IS NULL AND i.expires_at > now() AND u.disabled_at IS NULL",
         .nparams = 1,
         .cols = "invite_id user_id email display_name"},

    /* therapist pages */
    /* $1 the therapist. Lists are capped: a caseload is never this long. */
    [STMT_THERAPIST_CLIENTS] = {.name = "therapist_clients",
                                .sql =
                                    "SELECT u.id, u.display_name, u.email, to_char("
                                    "ct.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS since FROM "
                                    "care_team ct JOIN users u ON u.id = ct.client_id WHERE "
                                    "ct.therapist_id = $1 AND u.role = 'client' ORDER BY "
                                    "lower(u.display_name), u.id LIMIT 1000",
                                .nparams = 1,
                                .cols = "id display_name email since"},
    /* Couples whose two partners are both on $1's care team. */
    [STMT_THERAPIST_COUPLES] = {.name = "therapist_couples",
                                .sql = "SELECT c.id, a.display_name AS name_a, b.display_name AS "
                                       "name_b, a.id AS partner_a, b.id AS partner_b "
                                       "FROM couples c JOIN users a ON a.id = c.partner_a JOIN "
                                       "users b ON b.id = c.partner_b WHERE EXISTS (SELECT 1 FROM "
                                       "care_team t WHERE t.therapist_id = $1 AND t.client_id = "
                                       "c.partner_a) AND EXISTS (SELECT 1 FROM care_team t WHERE "
                                       "t.therapist_id = $1 AND t.client_id = c.partner_b) ORDER "
                                       "BY lower(a.display_name), c.id LIMIT 1000",
                                .nparams = 1,
                                .cols = "id name_a name_b partner_a partner_b"},
    [STMT_THERAPIST_INVITES] =
        {.name = "therapist_invites",
         .sql = "SELECT id, coalesce(display_name, '') AS display_name, coalesce(email, '') AS "
                "email, to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS expires "
                "FROM invites WHERE created_by = $1 AND kind = "
                "'client' AND used_at IS NULL AND revoked_at IS NULL AND "
                "expires_at > now() ORDER BY created_at DESC, id DESC "
                "LIMIT 1000",
         .nparams = 1,
         .cols = "id display_name email expires"},
    /* $1 the therapist, $2 a client on their care team (else no row). */
    [STMT_THERAPIST_CLIENT] = {.name = "therapist_client",
                               .sql =
                                   "SELECT u.display_name, u.email, to_char(ct.created_at AT "
                                   "TIME ZONE 'UTC', 'YYYY-MM-DD') AS since FROM care_team ct JOIN "
                                   "users u ON u.id = ct.client_id WHERE ct.therapist_id = $1 "
                                   "AND ct.client_id = $2 AND u.role = 'client'",
                               .nparams = 2,
                               .cols = "display_name email since"},
    /* $2's couples whose other partner is on $1's care team too: a partner
     * who is not $1's client is not shown, not even by name. */
    [STMT_THERAPIST_CLIENT_COUPLES] =
        {.name = "therapist_client_couples",
         .sql = "SELECT c.id, p.id AS partner_id, p.display_name AS partner_name FROM couples c "
                "JOIN users p ON p.id = CASE WHEN c.partner_a = "
                "$2::bigint THEN c.partner_b ELSE c.partner_a END "
                "WHERE (c.partner_a = $2::bigint OR c.partner_b = "
                "$2::bigint) AND EXISTS (SELECT 1 FROM care_team t "
                "WHERE t.therapist_id = $1 AND t.client_id = p.id) "
                "ORDER BY c.id",
         .nparams = 2,
         .cols = "id partner_id partner_name"},
    [STMT_EMAIL_TAKEN] = {.name = "email_taken",
                          .sql = "SELECT 1 AS taken FROM users WHERE lower(email) = lower($1)",
                          .nparams = 1,
                          .cols = "taken"},
    /* $1 therapist, $2 < $3 the partners. No row: already a couple. */
    [STMT_COUPLE_CREATE] = {.name = "couple_create",
                            .sql = "INSERT INTO couples (therapist_id, partner_a, partner_b) "
                                   "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id",
                            .nparams = 3,
                            .cols = "id"},

    /* invitations */
    /* $1 the inviting therapist, $2 the new client. No row when the
     * therapist's account is gone or disabled (the invitation is void). */
    [STMT_CARE_TEAM_ADD] = {.name = "care_team_add",
                            .sql = "INSERT INTO care_team (therapist_id, client_id) SELECT u.id, "
                                   "$2 FROM users u WHERE u.id = $1 AND u.role = 'therapist' AND "
                                   "u.disabled_at IS NULL ON CONFLICT DO NOTHING RETURNING "
                                   "client_id",
                            .nparams = 2,
                            .cols = "client_id"},
    /* $1 the invitation, $2 who asks: only its creator may revoke it. */
    /* Calendar feeds. $1 client: their feed, if any. */
    [STMT_CALENDAR_GET] = {.name = "calendar_get",
                           .sql = "SELECT event_name, to_char(created_at AT TIME ZONE 'UTC', "
                                  "'YYYY-MM-DD HH24:MI') AS created_at, "
                                  "coalesce(to_char(last_read_at AT TIME ZONE 'UTC', "
                                  "'YYYY-MM-DD HH24:MI'), '') AS last_read_at FROM calendar_feeds "
                                  "WHERE client_id = $1",
                           .nparams = 1,
                           .cols = "event_name created_at last_read_at"},
    /* $1 client, $2 the new link's hash, $3 the event name: a new link (the
     * old one stops). */
    [STMT_CALENDAR_SET] = {.name = "calendar_set",
                           .sql = "INSERT INTO calendar_feeds (client_id, token_hash, event_name) "
                                  "VALUES ($1, $2, $3) ON CONFLICT (client_id) DO UPDATE SET "
                                  "token_hash = excluded.token_hash, event_name = "
                                  "excluded.event_name, created_at = now(), last_read_at = NULL",
                           .nparams = 3,
                           .cols = ""},
    [STMT_CALENDAR_STOP] = {.name = "calendar_stop",
                            .sql = "DELETE FROM calendar_feeds WHERE client_id = $1 RETURNING "
                                   "client_id",
                            .nparams = 1,
                            .cols = "client_id"},
    /* $1 a link's hash: the feed's event name, then (assignment, day) for
     * each day something is under way or due, two weeks back and three
     * months ahead: a due date not yet answered, every occurrence of a
     * repeating schedule, the first day of each week of a rhythm. One row
     * with NULLs when there is nothing; no row for an unknown link or a
     * disabled account. Marks the feed as read. */
    [STMT_CALENDAR_EVENTS] =
        {.name = "calendar_events",
         .sql = "WITH f AS (UPDATE calendar_feeds c SET last_read_at = now() FROM users u WHERE "
                "c.token_hash = $1 AND u.id = c.client_id AND u.role = 'client' AND "
                "u.disabled_at IS NULL RETURNING c.client_id, c.event_name) "
                "SELECT f.event_name, d.id AS assignment_id, "
                "to_char(d.day, 'YYYYMMDD') AS starts_on, "
                "to_char(d.day + 1, 'YYYYMMDD') AS ends_on "
                "FROM f LEFT JOIN LATERAL (SELECT a.id, g.day "
                "FROM assignments a CROSS JOIN LATERAL ("
                "SELECT a.due_date AS day WHERE a.repeat_days IS NULL AND a.times_per_week IS "
                "NULL AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.assignment_id = a.id AND "
                "e.status = 'submitted') "
                "UNION ALL SELECT a.start_date + k * a.repeat_days FROM generate_series(0, "
                "(a.due_date - a.start_date) / a.repeat_days) k WHERE a.repeat_days IS NOT NULL "
                "UNION ALL SELECT a.start_date + 7 * k FROM generate_series(0, a.weeks - 1) k "
                "WHERE a.times_per_week IS NOT NULL AND a.weeks IS NOT NULL) g "
                "WHERE a.client_id = f.client_id AND a.cancelled_at IS NULL AND g.day BETWEEN "
                "current_date - 14 AND current_date + 92 ORDER BY g.day, a.id LIMIT 500) d ON true "
                "ORDER BY d.day, d.id",
         .nparams = 1,
         .cols = "event_name assignment_id starts_on ends_on"},
    /* $1 invite, $2 its creator, $3 the new link's hash, $4 seconds: a new
     * link for an invitation still open; the old link stops working. */
    [STMT_INVITE_RENEW] = {.name = "invite_renew",
                           .sql = "UPDATE invites SET token_hash = $3, expires_at = now() + "
                                  "$4::int * interval '1 second' WHERE id = $1 AND created_by = "
                                  "$2 AND kind IN ('client', 'therapist') AND used_at IS NULL AND "
                                  "revoked_at IS NULL RETURNING kind, coalesce(email, '') AS "
                                  "email, coalesce(display_name, '') AS display_name",
                           .nparams = 4,
                           .cols = "kind email display_name"},
    [STMT_INVITE_REVOKE] = {.name = "invite_revoke",
                            .sql = "UPDATE invites SET revoked_at = now() WHERE id = $1 AND "
                                   "created_by = $2 AND kind <> 'setup' AND used_at IS NULL AND "
                                   "revoked_at IS NULL RETURNING id",
                            .nparams = 2,
                            .cols = "id"},
    [STMT_INVITE_STATE_FOR_CREATOR] =
        {.name = "invite_state_for_creator",
         .sql = "SELECT used_at IS NOT NULL AS used FROM invites WHERE id = "
                "$1 AND created_by = $2 AND kind <> 'setup'",
         .nparams = 2,
         .cols = "used"},

    /* the library */
    [STMT_LIBRARY_LOCK] = {.name = "library_lock",
                           .sql = "SELECT pg_advisory_xact_lock(7283710001) AS locked",
                           .nparams = 0,
                           .cols = "locked"},
    /* Every library activity's latest version: one statement at start. */
    [STMT_LIBRARY_LATEST_HASHES] = {.name = "library_latest_hashes",
                                    .sql = "SELECT DISTINCT ON (a.slug) a.slug, a.id, v.version, "
                                           "v.content_hash FROM activities a JOIN "
                                           "activity_versions v ON v.activity_id = a.id WHERE "
                                           "a.source = 'library' ORDER BY a.slug, v.version DESC",
                                    .nparams = 0,
                                    .cols = "slug id version content_hash"},
    [STMT_ACTIVITY_CREATE] = {.name = "activity_create",
                              .sql = "INSERT INTO activities (kind, source, slug, owner_id, "
                                     "copied_from) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                              .nparams = 5,
                              .cols = "id"},
    /* Title, category, summary and tags are read from the content itself,
     * so they can never disagree with it. */
    [STMT_VERSION_CREATE] = {.name = "version_create",
                             .sql = "INSERT INTO activity_versions (activity_id, version, content, "
                                    "content_hash, title, category, summary, tags, created_by) "
                                    "SELECT $1, $2, c, $4, c->>'title', coalesce(c->>'category', "
                                    "''), coalesce(c->>'summary', ''), ARRAY(SELECT "
                                    "jsonb_array_elements_text(coalesce(c->'tags', '[]'))), $5 "
                                    "FROM (SELECT $3::jsonb AS c) x RETURNING id",
                             .nparams = 5,
                             .cols = "id"},
    /* $1 therapist, $2 text, $3 category, $4 tag, $5 kind ('' = any). */
    [STMT_LIBRARY_LIST] =
        {.name = "library_list",
         .sql = "SELECT id, kind, source, title, category, summary, "
                "array_to_string(tags, ', ') AS tags, coalesce(content->>'duration_minutes', "
                "'') AS duration_minutes, coalesce(content->>'audience', '') AS audience FROM "
                "activity_latest "
                "WHERE archived_at IS NULL AND (source = 'library' OR owner_id = "
                "$1) AND ($2 = '' OR search @@ websearch_to_tsquery('english', $2) "
                "OR title ILIKE '%' || $2 || '%') AND ($3 = '' OR category = $3) "
                "AND ($4 = '' OR $4 = ANY (tags)) AND ($5 = '' OR kind = $5) "
                "ORDER BY kind, lower(title) LIMIT 500",
         .nparams = 5,
         .cols = "id kind source title category summary tags duration_minutes audience"},
    [STMT_LIBRARY_FACETS] =
        {.name = "library_facets",
         .sql = "SELECT 'category' AS facet, category AS value FROM activity_latest WHERE "
                "archived_at IS NULL AND category <> '' AND (source = "
                "'library' OR owner_id = $1) UNION SELECT 'tag', unnest(tags) "
                "FROM activity_latest WHERE archived_at IS NULL AND (source = "
                "'library' OR owner_id = $1) ORDER BY 1, 2",
         .nparams = 1,
         .cols = "facet value"},
    /* $1 activity, $2 therapist: library items and one's own only. */
    [STMT_ACTIVITY_GET] =
        {.name = "activity_get",
         .sql = "SELECT id, kind, source, coalesce(owner_id, 0) AS owner_id, archived_at IS "
                "NOT NULL AS archived, version_id, version, content::text, title, "
                "coalesce(copied_from, 0) AS copied_from FROM activity_latest WHERE id = $1 AND "
                "(source = 'library' OR owner_id = $2)",
         .nparams = 2,
         .cols = "id kind source owner_id archived version_id version content title copied_from"},
    [STMT_ACTIVITY_VERSIONS] =
        {.name = "activity_versions",
         .sql = "SELECT id, version, to_char(created_at AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD') AS created_on, title FROM activity_versions WHERE "
                "activity_id = $1 ORDER BY version DESC",
         .nparams = 1,
         .cols = "id version created_on title"},
    /* @library-sql */

    /* authoring: drafts and custom items. Every statement names the owner,
     * so another therapist's draft or item is never found. */
    /* $1 owner, $2 activity (NULL: a new one), $3 kind, $4 content. */
    [STMT_DRAFT_CREATE] = {.name = "draft_create",
                           .sql = "INSERT INTO activity_drafts (owner_id, activity_id, kind, "
                                  "content) VALUES ($1, $2, $3, $4::jsonb) RETURNING id",
                           .nparams = 4,
                           .cols = "id"},
    /* $1 activity, $2 owner: opens a draft of one's own item from its newest
     * version, or finds the open one. */
    [STMT_DRAFT_OPEN] = {.name = "draft_open",
                         .sql = "INSERT INTO activity_drafts (owner_id, activity_id, kind, "
                                "content) SELECT owner_id, id, kind, content FROM activity_latest "
                                "WHERE id = $1 AND owner_id = $2 AND source = 'custom' AND kind IN "
                                "('exercise', 'intake') ON CONFLICT (owner_id, activity_id) WHERE "
                                "activity_id IS NOT NULL DO UPDATE SET updated_at = now() "
                                "RETURNING id",
                         .nparams = 2,
                         .cols = "id"},
    /* $1 draft, $2 owner. Locks the draft when run in a transaction, so two
     * builder actions on it are applied one after the other. */
    [STMT_DRAFT_GET] =
        {.name = "draft_get",
         .sql =
             "SELECT d.id, coalesce(d.activity_id, 0) AS activity_id, d.kind, d.content::text, "
             "coalesce(a.slug, '') AS slug, coalesce((SELECT max(v.version) FROM "
             "activity_versions v WHERE v.activity_id = d.activity_id), 0) AS latest_version FROM "
             "activity_drafts d LEFT JOIN activities a ON a.id = d.activity_id "
             "WHERE d.id = $1 AND d.owner_id = $2 FOR UPDATE OF d",
         .nparams = 2,
         .cols = "id activity_id kind content slug latest_version"},
    /* The same without the lock, to show the builder again after a failed
     * write (a read-only database refuses FOR UPDATE). */
    [STMT_DRAFT_PEEK] =
        {.name = "draft_peek",
         .sql =
             "SELECT d.id, coalesce(d.activity_id, 0) AS activity_id, d.kind, d.content::text, "
             "coalesce(a.slug, '') AS slug, coalesce((SELECT max(v.version) FROM "
             "activity_versions v WHERE v.activity_id = d.activity_id), 0) AS latest_version FROM "
             "activity_drafts d LEFT JOIN activities a ON a.id = d.activity_id "
             "WHERE d.id = $1 AND d.owner_id = $2",
         .nparams = 2,
         .cols = "id activity_id kind content slug latest_version"},
    [STMT_DRAFT_UPDATE] = {.name = "draft_update",
                           .sql = "UPDATE activity_drafts SET content = $3::jsonb, updated_at = "
                                  "now() WHERE id = $1 AND owner_id = $2",
                           .nparams = 3,
                           .cols = ""},
    [STMT_DRAFT_DELETE] = {.name = "draft_delete",
                           .sql = "DELETE FROM activity_drafts WHERE id = $1 AND owner_id = $2",
                           .nparams = 2,
                           .cols = ""},
    [STMT_DRAFT_LIST] =
        {.name = "draft_list",
         .sql = "SELECT id, kind, coalesce(nullif(content->>'title', ''), "
                "'Untitled') AS title, coalesce(activity_id, 0) AS activity_id, to_char(updated_at "
                "AT TIME "
                "ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS updated FROM activity_drafts WHERE "
                "owner_id = $1 ORDER BY updated_at DESC, id DESC LIMIT 200",
         .nparams = 1,
         .cols = "id kind title activity_id updated"},
    [STMT_DRAFT_COUNT] = {.name = "draft_count",
                          .sql =
                              "SELECT count(*) AS drafts FROM activity_drafts WHERE owner_id = $1",
                          .nparams = 1,
                          .cols = "drafts"},
    /* $1 activity, $2 owner: slug, newest version and its hash; locks the
     * activity so two publications cannot take the same version number. */
    [STMT_ACTIVITY_LATEST_OWN] = {.name = "activity_latest_own",
                                  .sql = "SELECT a.slug, v.version, v.content_hash FROM "
                                         "activities a JOIN activity_versions v ON v.activity_id "
                                         "= a.id WHERE a.id = $1 AND a.owner_id = $2 AND a.source "
                                         "= 'custom' ORDER BY v.version DESC LIMIT 1 FOR UPDATE OF "
                                         "a",
                                  .nparams = 2,
                                  .cols = "slug version content_hash"},
    [STMT_ACTIVITY_ARCHIVE] = {.name = "activity_archive",
                               .sql = "UPDATE activities SET archived_at = coalesce(archived_at, "
                                      "now()) WHERE id = $1 AND owner_id = $2 AND source = "
                                      "'custom'",
                               .nparams = 2,
                               .cols = ""},
    /* @authoring-sql */

    /* homework: assignments */
    /* (app/assign.c) Dates are the service's (TimeZone = TIMEZONE), as in
     * homework_common.c. */
    [STMT_ASSIGN_TODAY] = {.name = "assign_today",
                           .sql = "SELECT to_char(current_date, 'YYYY-MM-DD') AS today",
                           .nparams = 0,
                           .cols = "today"},
    /* $1 therapist: what they may assign (library items and their own, not
     * archived), with the suggested rhythm. */
    [STMT_ASSIGN_ACTIVITIES] = {.name = "assign_activities",
                                .sql = "SELECT id, kind, title, coalesce(content->'rhythm'->>"
                                       "'times_per_week', '') AS suggested_times_per_week, "
                                       "coalesce(content->'rhythm'->>'weeks', '') AS "
                                       "suggested_weeks FROM activity_latest WHERE archived_at IS "
                                       "NULL AND (source = 'library' OR owner_id = $1) ORDER BY "
                                       "kind, lower(title), id LIMIT 1000",
                                .nparams = 1,
                                .cols = "id kind title suggested_times_per_week suggested_weeks"},
    /* $1 activity, $2 therapist: its latest version, if $2 may see it. */
    [STMT_ASSIGN_ACTIVITY] = {.name = "assign_activity",
                              .sql = "SELECT id, kind, version_id, title, archived_at IS NOT NULL "
                                     "AS archived, coalesce(content->'rhythm'->>'times_per_week', "
                                     "'') AS suggested_times_per_week, "
                                     "coalesce(content->'rhythm'->>'weeks', '') AS "
                                     "suggested_weeks FROM "
                                     "activity_latest WHERE id = $1 AND (source = 'library' OR "
                                     "owner_id = $2)",
                              .nparams = 2,
                              .cols = "id kind version_id title archived suggested_times_per_week "
                                      "suggested_weeks"},
    /* $1 couple, $2 therapist: the partners, when both are $2's clients. */
    [STMT_ASSIGN_COUPLE] = {.name = "assign_couple",
                            .sql = "SELECT c.partner_a, c.partner_b, a.display_name AS name_a, "
                                   "b.display_name AS name_b FROM couples c JOIN users a ON a.id = "
                                   "c.partner_a JOIN users b ON b.id = c.partner_b WHERE c.id = "
                                   "$1 AND EXISTS (SELECT 1 FROM care_team t WHERE t.therapist_id "
                                   "= $2 AND t.client_id = c.partner_a) AND EXISTS (SELECT 1 FROM "
                                   "care_team t WHERE t.therapist_id = $2 AND t.client_id = "
                                   "c.partner_b)",
                            .nparams = 2,
                            .cols = "partner_a partner_b name_a name_b"},
    /* $1 activity, $2 version, $3 therapist, $4 client, $5 couple, $6 partner
     * assignment, $7 start, $8 due (a repeating one's end), $9 times a week,
     * $10 weeks, $11 note_enc, $12 repeat every so many days. */
    [STMT_ASSIGNMENT_CREATE] = {.name = "assignment_create",
                                .sql = "INSERT INTO assignments (activity_id, version_id, "
                                       "therapist_id, client_id, couple_id, "
                                       "partner_assignment_id, start_date, due_date, "
                                       "times_per_week, weeks, note_enc, repeat_days) VALUES ($1, "
                                       "$2, $3, $4, $5, $6, $7::date, $8::date, $9::smallint, "
                                       "$10::smallint, $11::bytea, $12::smallint) RETURNING id",
                                .nparams = 12,
                                .cols = "id"},
    /* $1 the couple's first row, $2 the second (which points back). */
    [STMT_ASSIGNMENT_LINK] = {.name = "assignment_link",
                              .sql = "UPDATE assignments SET partner_assignment_id = $2 WHERE id "
                                     "= $1",
                              .nparams = 2,
                              .cols = ""},
    /* $1 assignment, $2 its therapist: it and its couple partner (both rows
     * pointing at each other) change together. $3 start, $4 due, $5 times a
     * week, $6 weeks, $7 note_enc for $1's row, $8 for the partner's (each
     * sealed for its own client), $9 repeat every so many days ($4 its end). */
    [STMT_ASSIGNMENT_UPDATE] = {.name = "assignment_update",
                                .sql =
                                    "UPDATE assignments SET start_date = $3::date, due_date = "
                                    "$4::date, times_per_week = $5::smallint, weeks = "
                                    "$6::smallint, repeat_days = $9::smallint, note_enc = CASE "
                                    "WHEN id = $1::bigint THEN $7::bytea ELSE $8::bytea END, "
                                    "updated_at = now() WHERE "
                                    "therapist_id = $2::bigint AND cancelled_at IS NULL AND (id "
                                    "= $1::bigint OR (partner_assignment_id = $1::bigint AND id "
                                    "= (SELECT partner_assignment_id FROM assignments WHERE id = "
                                    "$1::bigint))) RETURNING id, client_id",
                                .nparams = 9,
                                .cols = "id client_id"},
    /* $1 assignment, $2 its therapist: cancels it and its couple partner. */
    [STMT_ASSIGNMENT_CANCEL] = {.name = "assignment_cancel",
                                .sql = "UPDATE assignments SET cancelled_at = now(), updated_at = "
                                       "now() WHERE therapist_id = $2::bigint AND cancelled_at IS "
                                       "NULL AND (id = $1::bigint OR (partner_assignment_id = "
                                       "$1::bigint AND id = (SELECT partner_assignment_id FROM "
                                       "assignments WHERE id = $1::bigint))) RETURNING id, "
                                       "client_id",
                                .nparams = 2,
                                .cols = "id client_id"},
    /* $1 therapist: the caseload. Per client: open attention items (risk
     * first), overdue homework (homework_status: a due date passed with
     * fewer practices than expected; corrections not counted), unread
     * entries and replies, the last entry or reply the client wrote, the
     * next due day of open homework and adherence (practices logged of those
     * expected by the schedules so far, %; -1 when none is expected yet). A
     * repeating assignment is never overdue (a missed occurrence is not owed:
     * homework_status); its next day is its next occurrence (or its end), its
     * practices done are the occurrences answered, and one is expected per
     * occurrence begun. Clients with a risk item first, then any open item,
     * then overdue or unread. */
    [STMT_CLIENTS_OVERVIEW] =
        {.name = "clients_overview",
         .sql =
             "WITH asg AS (SELECT a.client_id, a.cancelled_at, a.start_date, a.times_per_week, "
             "a.weeks, a.repeat_days, a.due_date, s.done, s.last_at, s.unread "
             "FROM assignments a CROSS JOIN LATERAL (SELECT CASE WHEN a.repeat_days IS NULL "
             "THEN count(*) FILTER (WHERE e.corrects_entry_id IS NULL) ELSE count(DISTINCT "
             "assignment_occurrence(a.start_date, a.due_date, a.repeat_days, "
             "e.submitted_at::date)) FILTER (WHERE e.corrects_entry_id IS NULL) END AS done, "
             "max(e.submitted_at) AS last_at, count(*) FILTER (WHERE e.therapist_read_at IS "
             "NULL) AS unread FROM entries e WHERE e.assignment_id = a.id AND e.status = "
             "'submitted') s WHERE a.therapist_id = $1), "
             "mine AS (SELECT client_id, start_date, times_per_week, repeat_days, due_date AS "
             "until, CASE WHEN repeat_days IS NULL THEN due_date END AS due_date, CASE WHEN "
             "repeat_days IS NULL THEN coalesce(due_date, start_date + 7 * weeks - 1) ELSE "
             "least(due_date, start_date + greatest(0, (current_date - start_date + "
             "repeat_days - 1) / repeat_days) * repeat_days) END AS last_day, CASE WHEN "
             "repeat_days IS NOT NULL THEN (due_date - start_date) / repeat_days + 1 WHEN "
             "times_per_week IS NOT NULL AND weeks IS NOT NULL THEN times_per_week * weeks "
             "ELSE 1 END AS expected, done FROM asg WHERE cancelled_at IS NULL), "
             "sofar AS (SELECT m.*, CASE WHEN m.start_date > current_date THEN 0 WHEN "
             "m.repeat_days IS NOT NULL THEN assignment_occurrence(m.start_date, m.until, "
             "m.repeat_days, current_date) + 1 WHEN m.times_per_week IS NOT NULL THEN "
             "least(m.expected, ceil(m.expected::numeric * (least(current_date, m.last_day) - "
             "m.start_date + 1) / greatest(m.last_day - m.start_date + 1, 1))::int) WHEN "
             "m.last_day < current_date THEN m.expected ELSE 0 END AS expected_now FROM mine m), "
             "due AS (SELECT client_id, count(*) FILTER (WHERE due_date IS NOT NULL AND "
             "last_day < current_date AND done < expected) AS overdue, min(last_day) FILTER "
             "(WHERE last_day >= current_date AND done < expected) AS next_due, "
             "sum(least(done, expected_now)) AS done_now, sum(expected_now) AS expected_now "
             "FROM sofar GROUP BY client_id), "
             "subs AS (SELECT client_id, sum(unread) AS unread, max(last_at) AS last_at FROM "
             "asg GROUP BY client_id), "
             "talk AS (SELECT c.author_id AS client_id, max(c.created_at) AS last_at, count(*) "
             "FILTER (WHERE c.read_at IS NULL) AS unread FROM care_team ct JOIN comments c ON "
             "c.author_id = ct.client_id JOIN entries e ON e.id = c.entry_id JOIN assignments "
             "a ON a.id = e.assignment_id WHERE ct.therapist_id = $1 AND a.therapist_id = $1 "
             "GROUP BY c.author_id), "
             "attn AS (SELECT i.client_id, count(*) FILTER (WHERE i.kind = 'risk') AS risk, "
             "count(*) AS open, json_agg(json_strip_nulls(json_build_object('id', i.id, "
             "'kind', i.kind, 'raised_at', to_char(i.raised_at AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'entry_id', i.entry_id, 'assignment_id', "
             "i.assignment_id)) ORDER BY i.kind = 'risk' DESC, i.raised_at DESC, i.id DESC) "
             "AS items FROM care_team c2 JOIN attention_items i ON i.client_id = c2.client_id "
             "AND i.acknowledged_at IS NULL WHERE c2.therapist_id = $1 GROUP BY i.client_id) "
             "SELECT u.id, u.display_name, u.email, to_char(ct.created_at AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD') AS since, coalesce(d.overdue, 0) AS overdue, coalesce(s.unread, 0) "
             "AS unread, coalesce(to_char(greatest(s.last_at, t.last_at), 'YYYY-MM-DD "
             "HH24:MI'), '') AS last_activity, coalesce(to_char(d.next_due, 'YYYY-MM-DD'), '') "
             "AS next_due, coalesce(d.overdue, 0) + coalesce(s.unread, 0) + coalesce(t.unread, "
             "0) + coalesce(att.open, 0) > 0 AS needs_attention, coalesce(t.unread, 0) AS "
             "unread_replies, coalesce(att.risk, 0) AS risk_items, coalesce(att.open, 0) AS "
             "open_items, coalesce(att.items::text, '[]') AS attention_items, CASE WHEN "
             "coalesce(d.expected_now, 0) > 0 THEN (100 * d.done_now / d.expected_now)::int "
             "ELSE -1 END AS adherence "
             "FROM care_team ct JOIN users u ON u.id = ct.client_id "
             "LEFT JOIN due d ON d.client_id = u.id LEFT JOIN subs s ON s.client_id = u.id "
             "LEFT JOIN talk t ON t.client_id = u.id LEFT JOIN attn att ON att.client_id = u.id "
             "WHERE ct.therapist_id = $1 AND u.role = 'client' ORDER BY "
             "coalesce(att.risk, 0) > 0 DESC, coalesce(att.open, 0) > 0 DESC, "
             "coalesce(d.overdue, 0) + coalesce(s.unread, 0) + coalesce(t.unread, 0) > 0 "
             "DESC, coalesce(s.unread, 0) DESC, coalesce(d.overdue, 0) DESC, "
             "greatest(s.last_at, t.last_at) DESC NULLS LAST, lower(u.display_name), u.id "
             "LIMIT 1000",
         .nparams = 1,
         .cols = "id display_name email since overdue unread last_activity next_due "
                 "needs_attention unread_replies risk_items open_items attention_items adherence"},
    /* @assign-sql */

    /* homework: entries and replies */
    /* (app/homework_common.c, homework.c, entries.c) Dates are shown in the
     * service's time zone (every session has TimeZone = TIMEZONE). */
    /* $1 assignment: the row, the version it was given (never the latest),
     * and the partner's client id when both couple rows point at each other. */
    [STMT_HW_ASSIGNMENT_GET] =
        {.name = "hw_assignment_get",
         .sql = "SELECT a.id, a.activity_id, a.version_id, v.version, "
                "act.kind, v.title, v.content::text, a.therapist_id, "
                "a.client_id, coalesce(a.couple_id, 0) AS couple_id, "
                "coalesce(a.partner_assignment_id, 0) AS partner_assignment_id, "
                "coalesce(p.client_id, 0) AS partner_client_id, "
                "to_char(a.start_date, 'YYYY-MM-DD') AS start_date, "
                "coalesce(to_char(a.due_date, 'YYYY-MM-DD'), '') AS due_date, "
                "coalesce(a.times_per_week, 0) AS times_per_week, "
                "coalesce(a.weeks, 0) AS weeks, "
                "a.cancelled_at IS NOT NULL AS cancelled, a.note_enc, "
                "to_char(current_date, 'YYYY-MM-DD') AS today, "
                "coalesce(a.repeat_days, 0) AS repeat_days "
                "FROM assignments a "
                "JOIN activity_versions v ON v.id = a.version_id "
                "JOIN activities act ON act.id = a.activity_id "
                "LEFT JOIN assignments p ON p.id = a.partner_assignment_id "
                "AND p.partner_assignment_id = a.id "
                "AND p.couple_id = a.couple_id "
                "WHERE a.id = $1",
         .nparams = 1,
         .cols = "id activity_id version_id version kind title content therapist_id client_id "
                 "couple_id partner_assignment_id partner_client_id start_date due_date "
                 "times_per_week weeks cancelled note_enc today repeat_days"},
    /* $1 entry: submitted entries only (a draft is nobody's to open). */
    [STMT_HW_ENTRY_GET] = {.name = "hw_entry_get",
                           .sql = "SELECT e.id, e.assignment_id, e.client_id, "
                                  "e.shared_with_partner, "
                                  "to_char(e.submitted_at, 'YYYY-MM-DD HH24:MI') AS "
                                  "submitted_at, to_char(e.submitted_at AT TIME ZONE 'UTC', "
                                  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS submitted_iso, "
                                  "e.therapist_read_at IS NOT NULL AS therapist_read, "
                                  "coalesce(to_char(e.reviewed_at, 'YYYY-MM-DD HH24:MI'), '') "
                                  "AS reviewed_at, e.answers_enc, u.display_name AS "
                                  "author_name, coalesce(e.corrects_entry_id, 0) AS "
                                  "corrects_entry_id "
                                  "FROM entries e JOIN users u ON u.id = e.client_id "
                                  "WHERE e.id = $1 AND e.status = 'submitted'",
                           .nparams = 1,
                           .cols = "id assignment_id client_id shared_with_partner submitted_at "
                                   "submitted_iso therapist_read reviewed_at answers_enc "
                                   "author_name corrects_entry_id"},
    /* $1 client: their assignments that are not cancelled, with practices
     * logged (corrections not counted; for a repeating one the occurrences
     * answered, assignment_occurrence of migration 0009), a draft waiting,
     * replies they have not read yet, and (repeating) the interval and the
     * day of the latest practice. The title is the neutral client_title
     * (else the title): only the client reads this list. */
    [STMT_HW_DASHBOARD] = {.name = "hw_dashboard",
                           .sql = "SELECT a.id, coalesce(nullif(v.content->>'client_title', ''), "
                                  "v.title) AS title, v.summary, "
                                  "to_char(a.start_date, 'YYYY-MM-DD') AS start_date, "
                                  "coalesce(to_char(a.due_date, 'YYYY-MM-DD'), '') AS due_date, "
                                  "coalesce(a.times_per_week, 0) AS times_per_week, "
                                  "coalesce(a.weeks, 0) AS weeks, "
                                  "(SELECT CASE WHEN a.repeat_days IS NULL THEN count(*) ELSE "
                                  "count(DISTINCT assignment_occurrence(a.start_date, "
                                  "a.due_date, a.repeat_days, e.submitted_at::date)) END "
                                  "FROM entries e WHERE e.assignment_id = a.id "
                                  "AND e.status = 'submitted' AND e.corrects_entry_id IS NULL) "
                                  "AS practices_done, "
                                  "EXISTS (SELECT 1 FROM entries e WHERE e.assignment_id = a.id "
                                  "AND e.status = 'draft') AS has_draft, "
                                  "(SELECT count(*) FROM comments c JOIN entries e ON e.id = "
                                  "c.entry_id WHERE e.assignment_id = a.id AND e.client_id = $1 "
                                  "AND c.author_id <> $1 AND c.read_at IS NULL) AS "
                                  "unread_replies, "
                                  "to_char(current_date, 'YYYY-MM-DD') AS today, "
                                  "coalesce(a.repeat_days, 0) AS repeat_days, "
                                  "CASE WHEN a.repeat_days IS NULL THEN '' ELSE coalesce(("
                                  "SELECT to_char(max(e.submitted_at), 'YYYY-MM-DD') FROM "
                                  "entries e WHERE e.assignment_id = a.id AND e.status = "
                                  "'submitted' AND e.corrects_entry_id IS NULL), '') END "
                                  "AS last_done "
                                  "FROM assignments a "
                                  "JOIN activity_versions v ON v.id = a.version_id "
                                  "WHERE a.client_id = $1 AND a.cancelled_at IS NULL "
                                  "ORDER BY coalesce(a.due_date, a.start_date + 7 * "
                                  "coalesce(a.weeks, 1)), a.id LIMIT 200",
                           .nparams = 1,
                           .cols = "id title summary start_date due_date times_per_week weeks "
                                   "practices_done has_draft unread_replies today repeat_days "
                                   "last_done"},
    /* $1 assignment: its entries, the draft first; replies the client has
     * not read (from anyone but the client) and all replies. */
    [STMT_HW_ASSIGNMENT_ENTRIES] =
        {.name = "hw_assignment_entries",
         .sql = "SELECT e.id, e.status, to_char(coalesce("
                "e.submitted_at, e.updated_at), 'YYYY-MM-DD HH24:MI') AS written_at, "
                "e.shared_with_partner, (SELECT count(*) FROM comments "
                "c WHERE c.entry_id = e.id AND c.author_id <> "
                "e.client_id AND c.read_at IS NULL) AS unread_replies, "
                "(SELECT count(*) FROM comments c WHERE c.entry_id = "
                "e.id) AS replies, coalesce(e.corrects_entry_id, 0) AS corrects_entry_id "
                "FROM entries e WHERE e.assignment_id = $1 "
                "ORDER BY e.status = 'draft' DESC, e.submitted_at DESC, "
                "e.id DESC LIMIT 500",
         .nparams = 1,
         .cols = "id status written_at shared_with_partner unread_replies replies "
                 "corrects_entry_id"},
    /* $1 my assignment: the entries my partner chose to share, from the
     * couple's other row (both rows must point at each other). */
    [STMT_HW_PARTNER_SHARED] = {.name = "hw_partner_shared",
                                .sql = "SELECT e.id, to_char(e.submitted_at, 'YYYY-MM-DD "
                                       "HH24:MI') AS submitted_at, u.display_name "
                                       "FROM assignments mine "
                                       "JOIN assignments p ON p.id = mine.partner_assignment_id "
                                       "AND p.partner_assignment_id = mine.id "
                                       "AND p.couple_id = mine.couple_id "
                                       "JOIN entries e ON e.assignment_id = p.id "
                                       "AND e.client_id = p.client_id "
                                       "JOIN users u ON u.id = p.client_id "
                                       "WHERE mine.id = $1 AND e.status = 'submitted' "
                                       "AND e.shared_with_partner "
                                       "ORDER BY e.submitted_at DESC, e.id DESC LIMIT 500",
                                .nparams = 1,
                                .cols = "id submitted_at display_name"},
    /* $1 my assignment: my partner's latest submitted entry on the couple's
     * other row (both rows must point at each other), shared or not: only
     * for the mutual reveal of preference lists (entries.c), which shows
     * nothing of it but the items both chose. */
    [STMT_HW_PARTNER_LATEST] =
        {.name = "hw_partner_latest",
         .sql = "SELECT e.id AS entry_id, e.answers_enc, p.id AS assignment_id, p.client_id "
                "FROM assignments mine "
                "JOIN assignments p ON p.id = mine.partner_assignment_id "
                "AND p.partner_assignment_id = mine.id "
                "AND p.couple_id = mine.couple_id "
                "JOIN entries e ON e.assignment_id = p.id "
                "AND e.client_id = p.client_id "
                "WHERE mine.id = $1 AND e.status = 'submitted' "
                "ORDER BY e.submitted_at DESC, e.id DESC LIMIT 1",
         .nparams = 1,
         .cols = "entry_id answers_enc assignment_id client_id"},
    /* $1 assignment, $2 client. */
    [STMT_HW_DRAFT_GET] = {.name = "hw_draft_get",
                           .sql = "SELECT id, answers_enc, shared_with_partner, "
                                  "to_char(updated_at, 'HH24:MI') AS saved_at FROM entries "
                                  "WHERE assignment_id = $1 AND client_id = $2 "
                                  "AND status = 'draft'",
                           .nparams = 2,
                           .cols = "id answers_enc shared_with_partner saved_at"},
    /* $1 assignment: whether a practice (not a correction) was already
     * submitted in the current week of the assignment, weeks counted from
     * its start date as its rhythm counts them (once_a_week questions). */
    [STMT_HW_WEEK_LOGGED] = {.name = "hw_week_logged",
                             .sql = "SELECT EXISTS (SELECT 1 FROM entries e JOIN assignments a "
                                    "ON a.id = e.assignment_id WHERE e.assignment_id = $1 AND "
                                    "e.status = 'submitted' AND e.corrects_entry_id IS NULL AND "
                                    "e.submitted_at::date >= a.start_date + "
                                    "(greatest(current_date - a.start_date, 0) / 7) * 7) AS "
                                    "logged_this_week",
                             .nparams = 1,
                             .cols = "logged_this_week"},
    /* The one draft of an assignment, created or replaced. $1 assignment,
     * $2 client, $3 answers_enc, $4 shared, $5 the form's idempotency key,
     * $6 a fresh key for a new draft row. No row when the assignment is not
     * the client's or is cancelled, or when the form was already submitted
     * (a late autosave must not bring a sent entry back as a draft). */
    [STMT_HW_DRAFT_SAVE] = {.name = "hw_draft_save",
                            .sql = "INSERT INTO entries (assignment_id, client_id, status, "
                                   "answers_enc, shared_with_partner, idempotency_key) "
                                   "SELECT a.id, a.client_id, 'draft', $3::bytea, $4::boolean, "
                                   "$6::text FROM assignments a WHERE a.id = $1 "
                                   "AND a.client_id = $2 AND a.cancelled_at IS NULL "
                                   "AND NOT EXISTS (SELECT 1 FROM entries s WHERE s.client_id = "
                                   "$2 AND s.idempotency_key = $5::text "
                                   "AND s.status = 'submitted') "
                                   "ON CONFLICT (assignment_id) WHERE status = 'draft' "
                                   "DO UPDATE SET answers_enc = EXCLUDED.answers_enc, "
                                   "shared_with_partner = EXCLUDED.shared_with_partner, "
                                   "updated_at = now() "
                                   "RETURNING id, to_char(updated_at, 'HH24:MI') AS saved_at",
                            .nparams = 6,
                            .cols = "id saved_at"},
    /* A submission is on disk before we say "Saved", whatever the server's
     * default (first statement of the submit transaction). */
    [STMT_HW_SYNC_COMMIT] = {.name = "hw_sync_commit",
                             .sql = "SET LOCAL synchronous_commit = on",
                             .nparams = 0,
                             .cols = ""},
    /* $1 client, $2 key: the entry a form already made. */
    [STMT_HW_ENTRY_BY_KEY] = {.name = "hw_entry_by_key",
                              .sql = "SELECT id FROM entries WHERE client_id = $1 "
                                     "AND idempotency_key = $2 AND status = 'submitted'",
                              .nparams = 2,
                              .cols = "id"},
    /* The draft becomes the entry. $1 assignment, $2 client, $3 answers_enc,
     * $4 shared, $5 the form's key. */
    [STMT_HW_DRAFT_SUBMIT] = {.name = "hw_draft_submit",
                              .sql = "UPDATE entries e SET status = 'submitted', "
                                     "answers_enc = $3::bytea, shared_with_partner = $4::boolean, "
                                     "idempotency_key = $5::text, submitted_at = now(), "
                                     "updated_at = now() FROM assignments a "
                                     "WHERE e.assignment_id = $1 AND e.client_id = $2 "
                                     "AND e.status = 'draft' AND a.id = e.assignment_id "
                                     "AND a.cancelled_at IS NULL RETURNING e.id",
                              .nparams = 5,
                              .cols = "id"},
    /* A new entry when there was no draft; no row when the key was used
     * (a repeated POST) or the assignment is not the client's or cancelled. */
    [STMT_HW_ENTRY_INSERT] = {.name = "hw_entry_insert",
                              .sql = "INSERT INTO entries (assignment_id, client_id, status, "
                                     "answers_enc, shared_with_partner, idempotency_key, "
                                     "submitted_at) SELECT a.id, a.client_id, 'submitted', "
                                     "$3::bytea, $4::boolean, $5::text, now() "
                                     "FROM assignments a WHERE a.id = $1 AND a.client_id = $2 "
                                     "AND a.cancelled_at IS NULL "
                                     "ON CONFLICT (client_id, idempotency_key) DO NOTHING "
                                     "RETURNING id",
                              .nparams = 5,
                              .cols = "id"},
    /* $1 entry: the reply thread, oldest first. */
    [STMT_HW_COMMENTS] = {.name = "hw_comments",
                          .sql = "SELECT c.id, c.author_id, u.display_name, u.role, c.body_enc, "
                                 "to_char(c.created_at, 'YYYY-MM-DD HH24:MI') AS created, "
                                 "c.read_at IS NULL AS unread FROM comments c "
                                 "JOIN users u ON u.id = c.author_id WHERE c.entry_id = $1 "
                                 "ORDER BY c.created_at, c.id LIMIT 500",
                          .nparams = 1,
                          .cols = "id author_id display_name role body_enc created unread"},
    /* $1 entry, $2 author, $3 body_enc, $4 key; no row when the key was used. */
    [STMT_HW_COMMENT_INSERT] = {.name = "hw_comment_insert",
                                .sql = "INSERT INTO comments (entry_id, author_id, body_enc, "
                                       "idempotency_key) VALUES ($1, $2, $3::bytea, $4) "
                                       "ON CONFLICT (author_id, idempotency_key) DO NOTHING "
                                       "RETURNING id",
                                .nparams = 4,
                                .cols = "id"},
    /* $1 author, $2 key. */
    [STMT_HW_COMMENT_BY_KEY] = {.name = "hw_comment_by_key",
                                .sql = "SELECT id, entry_id FROM comments WHERE author_id = $1 "
                                       "AND idempotency_key = $2",
                                .nparams = 2,
                                .cols = "id entry_id"},
    /* The other side has now seen the replies. $1 entry, $2 its client,
     * $3 true when the client reads (marks what others wrote), false when a
     * therapist reads (marks what the client wrote). */
    [STMT_HW_COMMENTS_MARK_READ] = {.name = "hw_comments_mark_read",
                                    .sql = "UPDATE comments SET read_at = now() "
                                           "WHERE entry_id = $1 AND read_at IS NULL "
                                           "AND (author_id = $2) <> $3::boolean",
                                    .nparams = 3,
                                    .cols = ""},
    /* $1 entry: a therapist opened it. */
    [STMT_HW_ENTRY_MARK_READ] = {.name = "hw_entry_mark_read",
                                 .sql = "UPDATE entries SET therapist_read_at = now() "
                                        "WHERE id = $1 AND status = 'submitted' "
                                        "AND therapist_read_at IS NULL",
                                 .nparams = 1,
                                 .cols = ""},
    /* $1 entry, $2 its author, $3 'true' | 'false' | NULL (toggle). */
    [STMT_HW_ENTRY_SET_SHARED] = {.name = "hw_entry_set_shared",
                                  .sql = "UPDATE entries SET shared_with_partner = "
                                         "coalesce($3::boolean, NOT shared_with_partner) "
                                         "WHERE id = $1 AND client_id = $2 "
                                         "AND status = 'submitted' RETURNING shared_with_partner",
                                  .nparams = 3,
                                  .cols = "shared_with_partner"},
    /* $1 entry. */
    [STMT_HW_ENTRY_REVIEWED] = {.name = "hw_entry_reviewed",
                                .sql = "UPDATE entries SET reviewed_at = coalesce(reviewed_at, "
                                       "now()) WHERE id = $1 AND status = 'submitted' "
                                       "RETURNING id",
                                .nparams = 1,
                                .cols = "id"},
    /* @entries-sql */

    /* homework: progress */
    /* (app/progress.c) $1 client, $2 therapist or NULL (the client: every
     * therapist's), $3 whether cancelled ones are listed. Practices done do
     * not count corrections (as homework_status wants); for a repeating one
     * they are the occurrences answered, and the last two columns are its
     * interval and the day of its latest practice. The client ($2 NULL)
     * reads each activity's neutral client_title (else its title), a
     * therapist the title; so do the two statements below. */
    [STMT_PROGRESS_ASSIGNMENTS] =
        {.name = "progress_assignments",
         .sql =
             "SELECT a.id, "
             "CASE WHEN $2::bigint IS NULL THEN coalesce(nullif(v.content->>'client_title', ''), "
             "v.title) ELSE v.title END AS title, "
             "act.kind, v.version, "
             "to_char(a.start_date, 'YYYY-MM-DD') AS start_date, "
             "coalesce(to_char(a.due_date, 'YYYY-MM-DD'), '') AS due_date, "
             "coalesce(a.times_per_week, 0) AS times_per_week, coalesce(a.weeks, 0) AS weeks, "
             "a.cancelled_at IS NOT NULL AS cancelled, coalesce(a.couple_id, 0) AS couple_id, "
             "(SELECT CASE WHEN a.repeat_days IS NULL THEN count(*) "
             "ELSE count(DISTINCT assignment_occurrence("
             "a.start_date, a.due_date, a.repeat_days, "
             "e.submitted_at::date)) END FROM entries e WHERE "
             "e.assignment_id = a.id AND e.status = 'submitted' AND "
             "e.corrects_entry_id IS NULL) AS done, u.display_name, "
             "to_char(current_date, 'YYYY-MM-DD') AS today, "
             "coalesce(a.repeat_days, 0) AS repeat_days, CASE WHEN a.repeat_days IS "
             "NULL THEN '' ELSE coalesce((SELECT to_char(max("
             "e.submitted_at), 'YYYY-MM-DD') FROM entries e WHERE "
             "e.assignment_id = a.id AND e.status = 'submitted' AND "
             "e.corrects_entry_id IS NULL), '') END AS last_done FROM assignments a "
             "JOIN activity_versions v ON v.id = a.version_id JOIN "
             "activities act ON act.id = a.activity_id JOIN users u "
             "ON u.id = a.therapist_id WHERE a.client_id = $1::bigint "
             "AND ($2::bigint IS NULL OR a.therapist_id = $2::bigint) "
             "AND (a.cancelled_at IS NULL OR $3::boolean) ORDER BY "
             "a.start_date DESC, a.id DESC LIMIT 500",
         .nparams = 3,
         .cols = "id title kind version start_date due_date times_per_week weeks cancelled "
                 "couple_id done display_name today repeat_days last_done"},
    /* $1 client, $2 therapist or NULL: submitted entries, newest first, with
     * whether a later entry corrects them (charts leave those out). */
    [STMT_PROGRESS_ENTRIES] =
        {.name = "progress_entries",
         .sql =
             "SELECT e.id, e.assignment_id, a.activity_id, a.version_id, "
             "to_char(e.submitted_at, 'YYYY-MM-DD') AS submitted_on, extract(epoch FROM "
             "e.submitted_at)::bigint AS submitted_epoch, e.therapist_read_at IS NULL AS unread, "
             "e.reviewed_at IS NOT NULL AS reviewed, e.answers_enc, "
             "CASE WHEN $2::bigint IS NULL THEN coalesce(nullif(v.content->>'client_title', ''), "
             "v.title) ELSE v.title END AS title, "
             "act.kind, EXISTS (SELECT 1 FROM entries c WHERE "
             "c.corrects_entry_id = e.id AND c.status = 'submitted') AS superseded "
             "FROM entries e JOIN assignments a ON a.id = "
             "e.assignment_id JOIN activity_versions v ON v.id = "
             "a.version_id JOIN activities act ON act.id = a.activity_id "
             "WHERE e.client_id = $1::bigint AND a.client_id = "
             "$1::bigint AND e.status = 'submitted' AND ($2::bigint IS "
             "NULL OR a.therapist_id = $2::bigint) ORDER BY "
             "e.submitted_at DESC, e.id DESC LIMIT 1000",
         .nparams = 2,
         .cols = "id assignment_id activity_id version_id submitted_on submitted_epoch unread "
                 "reviewed answers_enc title kind superseded"},
    /* $1 client, $2 therapist or NULL: the versions their homework was
     * given in, with the content the answers are read against. */
    [STMT_PROGRESS_VERSIONS] =
        {.name = "progress_versions",
         .sql =
             "SELECT v.id, v.activity_id, act.kind, "
             "CASE WHEN $2::bigint IS NULL THEN coalesce(nullif(v.content->>'client_title', ''), "
             "v.title) ELSE v.title END AS title, "
             "v.content::text AS content FROM activity_versions v JOIN activities "
             "act ON act.id = v.activity_id WHERE v.id IN (SELECT "
             "a.version_id FROM assignments a WHERE a.client_id = "
             "$1::bigint AND ($2::bigint IS NULL OR a.therapist_id = "
             "$2::bigint))",
         .nparams = 2,
         .cols = "id activity_id kind title content"},
    /* @progress-sql */

    /* attention items (app/attention.c) */
    /* $1 client, $2 activity, $3 the new entry: the client's earlier
     * submitted entries of that activity, newest first (the rules need two). */
    [STMT_ATTN_HISTORY] = {.name = "attn_history",
                           .sql = "SELECT e.assignment_id, e.answers_enc, a.version_id, "
                                  "v.content::text, act.kind FROM entries e "
                                  "JOIN assignments a ON a.id = e.assignment_id "
                                  "JOIN activity_versions v ON v.id = a.version_id "
                                  "JOIN activities act ON act.id = a.activity_id "
                                  "WHERE e.client_id = $1 AND a.activity_id = $2 "
                                  "AND e.status = 'submitted' AND e.id <> $3 "
                                  "AND e.corrects_entry_id IS NULL "
                                  "ORDER BY e.submitted_at DESC, e.id DESC LIMIT 2",
                           .nparams = 3,
                           .cols = "assignment_id answers_enc version_id content kind"},
    /* $1 client, $2 kind, $3 assignment, $4 entry (NULL: inactive), $5
     * sealed detail. A risk item always; another kind only while none of
     * it is open for the assignment. */
    [STMT_ATTN_INSERT] = {.name = "attn_insert",
                          .sql = "INSERT INTO attention_items (client_id, kind, assignment_id, "
                                 "entry_id, detail_enc) SELECT $1::bigint, $2::text, $3::bigint, "
                                 "$4::bigint, $5::bytea WHERE $2::text = 'risk' OR NOT EXISTS "
                                 "(SELECT 1 FROM attention_items i WHERE i.assignment_id = "
                                 "$3::bigint AND i.kind = $2::text AND i.acknowledged_at IS NULL) "
                                 "ON CONFLICT DO NOTHING RETURNING id",
                          .nparams = 5,
                          .cols = "id"},
    /* $1 entry: did it raise a risk item? */
    [STMT_ATTN_ENTRY_RISK] = {.name = "attn_entry_risk",
                              .sql = "SELECT 1 AS risk FROM attention_items WHERE entry_id = $1 "
                                     "AND kind = 'risk'",
                              .nparams = 1,
                              .cols = "risk"},
    /* $1 client: the entries that raised items, with each kind (charts). */
    [STMT_ATTN_ENTRY_MARKS] = {.name = "attn_entry_marks",
                               .sql = "SELECT entry_id, kind FROM attention_items WHERE "
                                      "client_id = $1 AND entry_id IS NOT NULL "
                                      "ORDER BY entry_id, kind = 'risk' DESC, id LIMIT 5000",
                               .nparams = 1,
                               .cols = "entry_id kind"},
    /* One node at a time runs the inactivity rule ("attentio" in ASCII). */
    [STMT_ATTN_LOCK] = {.name = "attn_lock",
                        .sql = "SELECT pg_try_advisory_xact_lock(7022344157054756719) AS locked",
                        .nparams = 0,
                        .cols = "locked"},
    /* The inactivity rule, for every therapist at once: an assignment under
     * way (started, not cancelled, not all done, its last day not more than
     * the therapist's inactive_days ago) whose last submission (or its
     * start) is older than inactive_days, and that raised no inactive item
     * since then. A repeating one counts from the start of its current
     * occurrence, and is never inactive while that occurrence is answered. */
    [STMT_ATTN_INACTIVE] =
        {.name = "attn_inactive",
         .sql = "INSERT INTO attention_items (client_id, kind, assignment_id) "
                "SELECT a.client_id, 'inactive', a.id FROM assignments a "
                "JOIN users t ON t.id = a.therapist_id "
                "JOIN users c ON c.id = a.client_id AND c.disabled_at IS NULL "
                "JOIN care_team ct ON ct.therapist_id = a.therapist_id AND ct.client_id = "
                "a.client_id "
                "CROSS JOIN LATERAL (SELECT CASE WHEN a.repeat_days IS NULL THEN a.start_date "
                "ELSE a.start_date + assignment_occurrence(a.start_date, a.due_date, "
                "a.repeat_days, current_date) * a.repeat_days END AS since) p "
                "CROSS JOIN LATERAL (SELECT max(e.submitted_at) AS last_at, CASE WHEN "
                "a.repeat_days IS NULL THEN count(*) FILTER (WHERE e.corrects_entry_id IS NULL) "
                "ELSE count(DISTINCT assignment_occurrence(a.start_date, a.due_date, "
                "a.repeat_days, e.submitted_at::date)) FILTER (WHERE e.corrects_entry_id IS "
                "NULL) END AS done FROM entries e WHERE e.assignment_id = a.id AND e.status = "
                "'submitted') l "
                "WHERE a.cancelled_at IS NULL AND a.start_date <= current_date "
                "AND coalesce(a.due_date, a.start_date + 7 * a.weeks - 1) >= current_date - "
                "t.inactive_days AND l.done < CASE WHEN a.repeat_days IS NOT NULL THEN "
                "(a.due_date - a.start_date) / a.repeat_days + 1 WHEN a.times_per_week IS NOT "
                "NULL AND a.weeks IS NOT NULL THEN a.times_per_week * a.weeks ELSE 1 END "
                "AND (a.repeat_days IS NULL OR l.last_at IS NULL OR l.last_at::date < p.since) "
                "AND greatest(p.since::timestamptz, l.last_at) < now() - t.inactive_days * "
                "interval '1 day' AND NOT EXISTS (SELECT 1 FROM attention_items i WHERE "
                "i.assignment_id = a.id AND i.kind = 'inactive' AND i.raised_at >= "
                "greatest(p.since::timestamptz, l.last_at)) RETURNING id",
         .nparams = 0,
         .cols = "id"},
    /* $1 client: open items and those acknowledged in the last 30 days. */
    [STMT_ATTN_CLIENT_ITEMS] =
        {.name = "attn_client_items",
         .sql = "SELECT i.id, i.kind, to_char(i.raised_at, "
                "'YYYY-MM-DD HH24:MI') AS raised, coalesce(i.entry_id, 0) AS entry_id, "
                "i.assignment_id, i.detail_enc, i.acknowledged_at IS NULL AS open, "
                "coalesce(to_char(i.acknowledged_at, 'YYYY-MM-DD HH24:MI'), "
                "'') AS acknowledged, coalesce(u.display_name, '') AS acknowledged_by, "
                "i.ack_note_enc, "
                "v.title FROM attention_items i "
                "LEFT JOIN users u ON u.id = i.acknowledged_by "
                "JOIN assignments a ON a.id = i.assignment_id "
                "JOIN activity_versions v ON v.id = a.version_id "
                "WHERE i.client_id = $1 AND (i.acknowledged_at IS NULL OR "
                "i.acknowledged_at > now() - interval '30 days') "
                "ORDER BY i.acknowledged_at IS NULL DESC, "
                "i.kind = 'risk' DESC, i.raised_at DESC, i.id DESC "
                "LIMIT 200",
         .nparams = 1,
         .cols = "id kind raised entry_id assignment_id detail_enc open acknowledged "
                 "acknowledged_by ack_note_enc title"},
    /* $1 item, $2 client: is it open? (no row: not this client's item) */
    [STMT_ATTN_STATE] = {.name = "attn_state",
                         .sql = "SELECT acknowledged_at IS NULL AS open, kind FROM attention_items "
                                "WHERE id = $1 AND client_id = $2",
                         .nparams = 2,
                         .cols = "open kind"},
    /* $1 item, $2 client, $3 the therapist, $4 sealed note or NULL. */
    [STMT_ATTN_ACK] = {.name = "attn_ack",
                       .sql = "UPDATE attention_items SET acknowledged_by = $3, "
                              "acknowledged_at = now(), ack_note_enc = $4::bytea "
                              "WHERE id = $1 AND client_id = $2 AND acknowledged_at IS NULL "
                              "RETURNING kind",
                       .nparams = 4,
                       .cols = "kind"},
    /* $1 client, $2 therapist: still on the care team and able to sign in
     * ("your therapist will see it" is said only then). */
    [STMT_THERAPIST_ACTIVE_FOR] =
        {.name = "therapist_active_for",
         .sql = "SELECT 1 AS active FROM care_team ct JOIN users t ON t.id = "
                "ct.therapist_id WHERE ct.client_id = $1 AND "
                "ct.therapist_id = $2 AND t.disabled_at IS NULL",
         .nparams = 2,
         .cols = "active"},
    /* crisis contacts (app/admin.c; shown by app/attention.c) */
    [STMT_CRISIS_LIST] =
        {.name = "crisis_list",
         .sql = "SELECT id, label, coalesce(phone, '') AS phone, coalesce(url, '') AS url, "
                "coalesce(note, '') AS note FROM crisis_contacts ORDER BY id LIMIT 50",
         .nparams = 0,
         .cols = "id label phone url note"},
    [STMT_CRISIS_ADD] = {.name = "crisis_add",
                         .sql = "INSERT INTO crisis_contacts (label, phone, url, note) "
                                "SELECT $1, $2, $3, $4 WHERE (SELECT count(*) FROM "
                                "crisis_contacts) < 20 RETURNING id",
                         .nparams = 4,
                         .cols = "id"},
    [STMT_CRISIS_DELETE] = {.name = "crisis_delete",
                            .sql = "DELETE FROM crisis_contacts WHERE id = $1 RETURNING id",
                            .nparams = 1,
                            .cols = "id"},
    /* $1 therapist: their settings (account page). */
    [STMT_THERAPIST_SETTINGS] = {.name = "therapist_settings",
                                 .sql = "SELECT inactive_days FROM users WHERE id = $1",
                                 .nparams = 1,
                                 .cols = "inactive_days"},
    [STMT_THERAPIST_SET_INACTIVE_DAYS] = {.name = "therapist_set_inactive_days",
                                          .sql = "UPDATE users SET inactive_days = $2 WHERE "
                                                 "id = $1 AND role = 'therapist' RETURNING id",
                                          .nparams = 2,
                                          .cols = "id"},
    /* @attention-sql */

    /* two-step sign-in. $1 user: the sealed secret (or NULL), whether it is
     * switched on, the last step accepted, and the e-mail address (for the
     * throttle). */
    [STMT_TOTP_GET] =
        {.name = "totp_get",
         .sql = "SELECT totp_secret, totp_enabled_at IS NOT NULL AS totp_enabled, totp_last_step, "
                "email FROM users WHERE id = $1",
         .nparams = 1,
         .cols = "totp_secret totp_enabled totp_last_step email"},
    /* $1 user, $2 sealed secret: enrolment started (not while switched on). */
    [STMT_TOTP_SET_PENDING] = {.name = "totp_set_pending",
                               .sql = "UPDATE users SET totp_secret = $2 WHERE id = $1 AND "
                                      "totp_enabled_at IS NULL RETURNING id",
                               .nparams = 2,
                               .cols = "id"},
    /* $1 user, $2 step of the confirming code. */
    [STMT_TOTP_ENABLE] = {.name = "totp_enable",
                          .sql = "UPDATE users SET totp_enabled_at = now(), totp_last_step = $2 "
                                 "WHERE id = $1 AND totp_secret IS NOT NULL AND totp_enabled_at "
                                 "IS NULL RETURNING id",
                          .nparams = 2,
                          .cols = "id"},
    [STMT_TOTP_DISABLE] = {.name = "totp_disable",
                           .sql = "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL "
                                  "WHERE id = $1 RETURNING id",
                           .nparams = 1,
                           .cols = "id"},
    /* $1 user, $2 step: accepted only when later than every step accepted
     * before (no code is used twice, even by two requests at once). */
    [STMT_TOTP_USE_STEP] = {.name = "totp_use_step",
                            .sql = "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND "
                                   "totp_last_step < $2 RETURNING id",
                            .nparams = 2,
                            .cols = "id"},
    [STMT_RECOVERY_DELETE] = {.name = "recovery_delete",
                              .sql = "DELETE FROM recovery_codes WHERE user_id = $1",
                              .nparams = 1,
                              .cols = ""},
    [STMT_RECOVERY_ADD] = {.name = "recovery_add",
                           .sql = "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, "
                                  "$2)",
                           .nparams = 2,
                           .cols = ""},
    [STMT_RECOVERY_USE] = {.name = "recovery_use",
                           .sql = "UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 "
                                  "AND code_hash = $2 AND used_at IS NULL RETURNING id",
                           .nparams = 2,
                           .cols = "id"},
    [STMT_RECOVERY_LEFT] =
        {.name = "recovery_left",
         .sql = "SELECT count(*) AS codes_left FROM recovery_codes WHERE user_id = $1 AND "
                "used_at IS NULL",
         .nparams = 1,
         .cols = "codes_left"},
    /* $1 user, $2 session: one of one's own sessions ends. */
    [STMT_SESSION_END_ONE] = {.name = "session_end_one",
                              .sql = "DELETE FROM sessions WHERE user_id = $1 AND id = $2 "
                                     "RETURNING id",
                              .nparams = 2,
                              .cols = "id"},
    /* API tokens. $1 the token's hash: the token, its owner and scope, when
     * it may be used (not expired, not revoked, the owner a therapist or an
     * administrator who is not disabled); its last use is now. */
    [STMT_TOKEN_LOAD] = {.name = "token_load",
                         .sql = "UPDATE api_tokens t SET last_used_at = now() FROM users u "
                                "WHERE t.token_hash = $1 AND u.id = t.user_id AND t.revoked_at "
                                "IS NULL AND t.expires_at > now() AND u.disabled_at IS NULL AND "
                                "u.role IN ('therapist', 'admin') RETURNING t.id AS token_id, "
                                "t.scope, u.id AS user_id, "
                                "u.role, u.email, u.display_name, u.totp_enabled_at IS NOT NULL AS "
                                "two_step_enrolled, (SELECT value FROM app_meta WHERE key = "
                                "'two_step_required') AS two_step_policy",
                         .nparams = 1,
                         .cols = "token_id scope user_id role email display_name two_step_enrolled "
                                 "two_step_policy"},
    /* $1 the token's hash: a token that exists but may not be used (for
     * the audit row of its refusal). */
    [STMT_TOKEN_PEEK] = {.name = "token_peek",
                         .sql = "SELECT id, user_id FROM api_tokens WHERE token_hash = $1",
                         .nparams = 1,
                         .cols = "id user_id"},
    /* $1 user, $2 name, $3 scope, $4 hash, $5 days, $6 most tokens in use
     * at once: no row when the person already has that many. */
    [STMT_TOKEN_CREATE] =
        {.name = "token_create",
         .sql = "INSERT INTO api_tokens (user_id, name, scope, token_hash, "
                "expires_at) SELECT $1::bigint, $2::text, $3::text, $4::bytea, "
                "now() + $5::int * interval '1 day' WHERE (SELECT count(*) "
                "FROM api_tokens WHERE user_id = $1::bigint AND revoked_at IS "
                "NULL AND expires_at > now()) < $6::int RETURNING id, "
                "to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS expires",
         .nparams = 6,
         .cols = "id expires"},
    /* $1 user: their tokens, newest first; revoked and expired ones for 30
     * days after. */
    [STMT_TOKEN_LIST] =
        {.name = "token_list",
         .sql = "SELECT id, name, scope, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD "
                "HH24:MI') AS created, to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD "
                "HH24:MI') AS expires, coalesce(to_char(last_used_at AT TIME "
                "ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '') AS last_used, CASE WHEN revoked_at "
                "IS NOT NULL THEN 'revoked' WHEN expires_at <= now() THEN "
                "'expired' ELSE 'active' END AS state FROM api_tokens WHERE user_id = $1 "
                "AND coalesce(revoked_at, expires_at) > now() - interval '30 "
                "days' ORDER BY created_at DESC, id DESC LIMIT 100",
         .nparams = 1,
         .cols = "id name scope created expires last_used state"},
    /* $1 user, $2 token: one's own token is revoked (again: no change). */
    [STMT_TOKEN_REVOKE] = {.name = "token_revoke",
                           .sql = "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, "
                                  "now()) WHERE user_id = $1 AND id = $2 RETURNING id, "
                                  "revoked_at = now() AS revoked_now",
                           .nparams = 2,
                           .cols = "id revoked_now"},
    /* The stored policy word (migrations/0012_two_step_policy.sql). */
    [STMT_TWO_STEP_POLICY_GET] = {.name = "two_step_policy_get",
                                  .sql =
                                      "SELECT value AS two_step_policy FROM app_meta WHERE key = "
                                      "'two_step_required'",
                                  .nparams = 0,
                                  .cols = "two_step_policy"},
    /* $1 the new word; returns the word it replaced (NULL when none), as
     * the statement's snapshot saw it (no FOR UPDATE in the CTE: a row the
     * same statement updates is then skipped, and NULL comes back). */
    [STMT_TWO_STEP_POLICY_SET] =
        {.name = "two_step_policy_set",
         .sql = "WITH old AS (SELECT value FROM app_meta WHERE key = "
                "'two_step_required') INSERT INTO app_meta "
                "(key, value) VALUES ('two_step_required', $1) ON "
                "CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "updated_at = now() RETURNING (SELECT value FROM old) AS previous_value",
         .nparams = 1,
         .cols = "previous_value"},
    /* $1 message_id, $2 kind, $3 recipient, $4 sealed body, $5 most waiting
     * messages: no row when the outbox is full. */
    [STMT_OUTBOX_INSERT] = {.name = "outbox_insert",
                            .sql = "INSERT INTO outbox (message_id, kind, recipient, body_enc) "
                                   "SELECT $1, $2, $3, $4::bytea WHERE (SELECT count(*) FROM "
                                   "outbox WHERE status = 'queued') < $5::int RETURNING id",
                            .nparams = 5,
                            .cols = "id"},
    /* $1 batch size, $2 lease seconds: claims due rows for this node. */
    [STMT_OUTBOX_CLAIM] = {.name = "outbox_claim",
                           .sql = "UPDATE outbox SET next_at = now() + $2::int * interval '1 "
                                  "second', tries = tries + 1 WHERE id IN (SELECT id FROM outbox "
                                  "WHERE status = 'queued' AND next_at <= now() ORDER BY next_at "
                                  "LIMIT $1::int FOR UPDATE SKIP LOCKED) RETURNING id, "
                                  "message_id, recipient, body_enc, tries",
                           .nparams = 2,
                           .cols = "id message_id recipient body_enc tries"},
    [STMT_OUTBOX_SENT] = {.name = "outbox_sent",
                          .sql = "UPDATE outbox SET status = 'sent', body_enc = NULL, done_at = "
                                 "now(), last_error = NULL WHERE id = $1",
                          .nparams = 1,
                          .cols = ""},
    /* $1 id, $2 milliseconds until the next try, $3 reason. */
    [STMT_OUTBOX_RETRY] = {.name = "outbox_retry",
                           .sql =
                               "UPDATE outbox SET next_at = now() + $2::int * interval '1 "
                               "millisecond', last_error = $3 WHERE id = $1 AND status = 'queued'",
                           .nparams = 3,
                           .cols = ""},
    [STMT_OUTBOX_FAILED] = {.name = "outbox_failed",
                            .sql = "UPDATE outbox SET status = 'failed', body_enc = NULL, "
                                   "done_at = now(), last_error = $2 WHERE id = $1",
                            .nparams = 2,
                            .cols = ""},
    [STMT_OUTBOX_COUNTS] =
        {.name = "outbox_counts",
         .sql = "SELECT count(*) FILTER (WHERE status = 'queued') AS queued, count(*) "
                "FILTER (WHERE status = 'queued' AND tries > 0) AS retrying, count(*) "
                "FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE "
                "status = 'failed') AS failed FROM outbox",
         .nparams = 0,
         .cols = "queued retrying sent failed"},
    [STMT_OUTBOX_FAILURES] =
        {.name = "outbox_failures",
         .sql =
             "SELECT kind, to_char(done_at AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD HH24:MI') AS failed_at, tries, coalesce(last_error, '') AS reason FROM "
             "outbox WHERE status = 'failed' ORDER BY done_at DESC "
             "LIMIT 20",
         .nparams = 0,
         .cols = "kind failed_at tries reason"},
    /* $1 e-mail: an enabled account of that address. */
    [STMT_FORGOT_USER] = {.name = "forgot_user",
                          .sql = "SELECT id FROM users WHERE lower(email) = lower($1) AND "
                                 "disabled_at IS NULL",
                          .nparams = 1,
                          .cols = "id"},
    /* $1 key, $2 seconds: requests made with this key in that window. */
    [STMT_RESET_REQUEST_COUNT] =
        {.name = "reset_request_count",
         .sql = "SELECT count(*) AS requests FROM reset_requests WHERE key = $1 AND "
                "at > now() - $2::int * interval '1 second'",
         .nparams = 2,
         .cols = "requests"},
    [STMT_RESET_REQUEST_ADD] = {.name = "reset_request_add",
                                .sql = "INSERT INTO reset_requests (key) VALUES ($1)",
                                .nparams = 1,
                                .cols = ""},
    /* $1 client: the addresses of their enabled therapists (alerts). */
    [STMT_CARE_TEAM_EMAILS] = {.name = "care_team_emails",
                               .sql = "SELECT t.email FROM care_team ct JOIN users t ON t.id = "
                                      "ct.therapist_id WHERE ct.client_id = $1 AND "
                                      "t.disabled_at IS NULL ORDER BY t.id LIMIT 20",
                               .nparams = 1,
                               .cols = "email"},
    [STMT_RESET_REQUEST_PURGE] = {.name = "reset_request_purge",
                                  .sql = "DELETE FROM reset_requests WHERE at < now() - interval "
                                         "'1 day'",
                                  .nparams = 0,
                                  .cols = ""},
    /* reminders (app/reminders.c). $1 client: the choice (NULLs when
     * none) and the server's time zone (the form's default). */
    [STMT_REMINDER_PREFS_GET] =
        {.name = "reminder_prefs_get",
         .sql = "SELECT p.mode, p.weekdays, p.hour, p.time_zone, "
                "current_setting('TimeZone') AS server_time_zone FROM (SELECT 1) x LEFT JOIN "
                "reminder_prefs p ON p.client_id = $1",
         .nparams = 1,
         .cols = "mode weekdays hour time_zone server_time_zone"},
    /* $1 client, $2 mode, $3 weekdays, $4 hour, $5 time zone (checked).
     * The next window: the first after an hour ago, so that choosing the
     * current hour sends today's reminder within it. */
    [STMT_REMINDER_PREFS_SET] =
        {.name = "reminder_prefs_set",
         .sql = "INSERT INTO reminder_prefs (client_id, mode, weekdays, hour, time_zone, next_at) "
                "VALUES ($1, $2::text, $3::int, $4::int, $5::text, CASE WHEN $2::text = 'off' "
                "THEN NULL ELSE reminder_next($5::text, $4::int, CASE WHEN $2::text = 'due' THEN "
                "127 ELSE $3::int END, now() - interval '1 hour') END) ON CONFLICT (client_id) DO "
                "UPDATE SET mode = EXCLUDED.mode, weekdays = EXCLUDED.weekdays, hour = "
                "EXCLUDED.hour, time_zone = EXCLUDED.time_zone, next_at = EXCLUDED.next_at, "
                "updated_at = now()",
         .nparams = 5,
         .cols = ""},
    /* $1: an IANA time zone name PostgreSQL knows. */
    [STMT_TIME_ZONE_VALID] = {.name = "time_zone_valid",
                              .sql =
                                  "SELECT 1 AS known_zone FROM pg_timezone_names WHERE name = $1",
                              .nparams = 1,
                              .cols = "known_zone"},
    /* The scheduler, one statement for every client at once. $1 most
     * clients claimed. c: the clients whose next window has begun (locked;
     * another node skips them). w: those for whom now is inside today's
     * window, local time: a chosen weekday ('due': any day), at or after
     * the chosen hour, and not in the quiet hours (21:00-08:00) unless that
     * is the hour chosen. s, f: their assignments not cancelled, started,
     * ended at most 14 days ago, with what was done; open: not finished
     * and something still to do now (this week's practices, the current
     * occurrence, the due date ahead); overdue: a due date passed, not
     * finished, never nudged. g: per client, whether a reminder is due
     * ('days': anything open; 'due': a due date, an occurrence or the end
     * of a rhythm's week today). sent: one row per client and local day
     * (the key: at most one a day, whichever node runs it); nudged: the
     * overdue assignments named (never again); moved: every claimed
     * client's next window. Returns the messages to queue (client, address,
     * kind 'reminder' or 'overdue') and on each row the number of clients
     * claimed; one row of NULLs and that number when there is none. */
    [STMT_REMINDERS_RUN] =
        {.name = "reminders_run",
         .sql =
             "WITH c AS ( "
             "SELECT p.client_id, p.mode, p.weekdays, p.hour, now() AT TIME ZONE p.time_zone AS lt "
             "FROM reminder_prefs p "
             "WHERE p.next_at <= now() "
             "ORDER BY p.next_at LIMIT $1::int "
             "FOR UPDATE SKIP LOCKED "
             "), "
             "w AS ( "
             "SELECT c.client_id, c.mode, c.lt::date AS day FROM c "
             "JOIN users u ON u.id = c.client_id AND u.role = 'client' AND u.disabled_at IS NULL "
             "WHERE extract(hour FROM c.lt) >= c.hour "
             "AND (extract(hour FROM c.lt) BETWEEN 8 AND 20 OR extract(hour FROM c.lt) = c.hour) "
             "AND (c.mode = 'due' OR (c.weekdays >> (extract(isodow FROM c.lt)::int - 1)) & 1 = 1) "
             "), "
             "s AS ( "
             "SELECT w.client_id, w.mode, w.day, a.id, a.start_date, a.due_date, a.times_per_week, "
             "a.repeat_days, "
             "coalesce(a.due_date, a.start_date + 7 * a.weeks - 1) AS last_day, "
             "CASE WHEN a.repeat_days IS NOT NULL THEN (a.due_date - a.start_date) / a.repeat_days "
             "+ 1 "
             "WHEN a.times_per_week IS NOT NULL AND a.weeks IS NOT NULL THEN a.times_per_week * "
             "a.weeks "
             "ELSE 1 END AS expected, "
             "CASE WHEN a.repeat_days IS NULL THEN NULL ELSE a.start_date + "
             "assignment_occurrence(a.start_date, a.due_date, a.repeat_days, w.day) * "
             "a.repeat_days END AS occ, "
             "l.done, l.week_done, l.last_at "
             "FROM w JOIN assignments a ON a.client_id = w.client_id AND a.cancelled_at IS NULL "
             "AND a.start_date <= w.day "
             "AND coalesce(a.due_date, a.start_date + 7 * a.weeks - 1) >= w.day - 14 "
             "CROSS JOIN LATERAL (SELECT "
             "CASE WHEN a.repeat_days IS NULL THEN count(*) FILTER (WHERE e.corrects_entry_id IS "
             "NULL) "
             "ELSE count(DISTINCT assignment_occurrence(a.start_date, a.due_date, a.repeat_days, "
             "e.submitted_at::date)) FILTER (WHERE e.corrects_entry_id IS NULL) END AS done, "
             "count(*) FILTER (WHERE e.corrects_entry_id IS NULL AND e.submitted_at::date >= "
             "a.start_date + 7 * ((w.day - a.start_date) / 7)) AS week_done, "
             "max(e.submitted_at)::date AS last_at "
             "FROM entries e WHERE e.assignment_id = a.id AND e.status = 'submitted') l "
             "), "
             "f AS ( "
             "SELECT s.*, s.done < s.expected AND s.day <= s.last_day "
             "AND CASE WHEN s.repeat_days IS NOT NULL THEN s.last_at IS NULL OR s.last_at < s.occ "
             "WHEN s.times_per_week IS NOT NULL THEN s.week_done < s.times_per_week "
             "ELSE true END AS open, "
             "s.done < s.expected AND s.repeat_days IS NULL AND s.due_date IS NOT NULL "
             "AND s.day > s.due_date AND NOT EXISTS (SELECT 1 FROM overdue_nudges n WHERE "
             "n.assignment_id = s.id) AS overdue "
             "FROM s "
             "), "
             "g AS ( "
             "SELECT f.client_id, f.day, bool_or(f.overdue) AS overdue, "
             "bool_or(f.open AND (f.mode = 'days' "
             "OR (f.repeat_days IS NOT NULL AND f.day = f.occ) "
             "OR (f.repeat_days IS NULL AND f.times_per_week IS NULL AND f.day = f.due_date) "
             "OR (f.times_per_week IS NOT NULL AND (f.day = f.last_day OR (f.day - f.start_date + "
             "1) % 7 = 0)))) AS due "
             "FROM f GROUP BY f.client_id, f.day "
             "), "
             "sent AS ( "
             "INSERT INTO reminders_sent (client_id, local_day, kind) "
             "SELECT g.client_id, g.day, CASE WHEN g.overdue THEN 'overdue' ELSE 'reminder' END "
             "FROM g WHERE g.overdue OR g.due "
             "ON CONFLICT DO NOTHING "
             "RETURNING client_id, kind "
             "), "
             "nudged AS ( "
             "INSERT INTO overdue_nudges (assignment_id) "
             "SELECT f.id FROM f JOIN sent ON sent.client_id = f.client_id WHERE f.overdue "
             "ON CONFLICT DO NOTHING RETURNING assignment_id "
             "), "
             "moved AS ( "
             "UPDATE reminder_prefs p SET next_at = reminder_next(p.time_zone, p.hour, "
             "CASE WHEN p.mode = 'due' THEN 127 ELSE p.weekdays END, now()) "
             "FROM c WHERE p.client_id = c.client_id RETURNING p.client_id "
             ") "
             "SELECT x.client_id, x.email, x.kind, m.n AS claimed FROM (SELECT count(*) AS n FROM "
             "moved) m "
             "LEFT JOIN (SELECT sent.client_id, u.email, sent.kind FROM sent JOIN users u ON u.id "
             "= sent.client_id) x ON true",
         .nparams = 1,
         .cols = "client_id email kind claimed"},
    /* $1 token hash, $2 client: a stop link (one per message). */
    [STMT_REMINDER_STOP_ADD] = {.name = "reminder_stop_add",
                                .sql = "INSERT INTO reminder_stops (token_hash, client_id) "
                                       "VALUES ($1, $2)",
                                .nparams = 2,
                                .cols = ""},
    /* $1 token hash: the client of a stop link not older than 90 days. */
    [STMT_REMINDER_STOP_FIND] = {.name = "reminder_stop_find",
                                 .sql = "SELECT client_id FROM reminder_stops WHERE token_hash = "
                                        "$1 AND created_at > now() - interval '90 days'",
                                 .nparams = 1,
                                 .cols = "client_id"},
    /* $1 client: reminders off (their choice of days and hour kept). */
    [STMT_REMINDER_STOP] = {.name = "reminder_stop",
                            .sql = "UPDATE reminder_prefs SET mode = 'off', next_at = NULL, "
                                   "updated_at = now() WHERE client_id = $1 RETURNING "
                                   "client_id",
                            .nparams = 1,
                            .cols = "client_id"},
    [STMT_REMINDER_STOPS_PURGE] = {.name = "reminder_stops_purge",
                                   .sql = "DELETE FROM reminder_stops WHERE created_at < now() - "
                                          "interval '90 days'",
                                   .nparams = 0,
                                   .cols = ""},
    /* $1 therapist: their digest choice. */
    [STMT_DIGEST_GET] = {.name = "digest_get",
                         .sql = "SELECT digest FROM users WHERE id = $1",
                         .nparams = 1,
                         .cols = "digest"},
    [STMT_DIGEST_SET] = {.name = "digest_set",
                         .sql = "UPDATE users SET digest = $2 WHERE id = $1 AND role = "
                                "'therapist' RETURNING id",
                         .nparams = 2,
                         .cols = "id"},
    /* The digest, for every therapist at once. $1 most therapists. t: the
     * therapists whose choice lets one go now (never twice within an hour;
     * hourly: once a clock hour; daily: once a day from 08:00, the server's
     * time zone), locked. n: how many entries of their clients they have
     * not opened and how many replies of clients are unread, and the
     * newest of them. d: those with something new since the last digest
     * are marked sent now. Returns address and the two counts: no name, no
     * content. */
    [STMT_DIGEST_RUN] =
        {.name = "digest_run",
         .sql = "WITH t AS ( "
                "SELECT u.id, u.email, u.digest_at FROM users u "
                "WHERE u.digest <> 'off' AND u.role = 'therapist' AND u.disabled_at IS NULL "
                "AND (u.digest_at IS NULL OR u.digest_at <= now() - interval '1 hour') "
                "AND (u.digest <> 'hourly' OR u.digest_at IS NULL OR u.digest_at < "
                "date_trunc('hour', now())) "
                "AND (u.digest <> 'daily' OR ((u.digest_at IS NULL OR u.digest_at < "
                "date_trunc('day', now())) "
                "AND extract(hour FROM now()) >= 8)) "
                "ORDER BY u.id LIMIT $1::int "
                "FOR UPDATE OF u SKIP LOCKED "
                "), "
                "n AS ( "
                "SELECT t.id, t.email, "
                "(SELECT count(*) FROM care_team ct JOIN entries e ON e.client_id = ct.client_id "
                "WHERE ct.therapist_id = t.id AND e.status = 'submitted' AND e.therapist_read_at "
                "IS NULL) AS entries, "
                "(SELECT count(*) FROM care_team ct JOIN entries e ON e.client_id = ct.client_id "
                "JOIN comments cm ON cm.entry_id = e.id AND cm.author_id = e.client_id "
                "WHERE ct.therapist_id = t.id AND cm.read_at IS NULL) AS replies, "
                "(SELECT max(x) FROM (SELECT max(e.submitted_at) AS x FROM care_team ct JOIN "
                "entries e ON e.client_id = ct.client_id "
                "WHERE ct.therapist_id = t.id AND e.status = 'submitted' AND e.therapist_read_at "
                "IS NULL "
                "UNION ALL SELECT max(cm.created_at) FROM care_team ct JOIN entries e ON "
                "e.client_id = ct.client_id "
                "JOIN comments cm ON cm.entry_id = e.id AND cm.author_id = e.client_id "
                "WHERE ct.therapist_id = t.id AND cm.read_at IS NULL) m) AS newest, "
                "t.digest_at "
                "FROM t "
                "), "
                "d AS ( "
                "UPDATE users u SET digest_at = now() FROM n "
                "WHERE u.id = n.id AND (n.entries > 0 OR n.replies > 0) "
                "AND (n.digest_at IS NULL OR n.newest > n.digest_at) "
                "RETURNING u.id "
                ") "
                "SELECT n.email, n.entries, n.replies FROM n JOIN d ON d.id = n.id",
         .nparams = 1,
         .cols = "email entries replies"},
    /* discretion (app/discretion.c): the words an admin added. */
    [STMT_FORBIDDEN_LIST] = {.name = "forbidden_list",
                             .sql = "SELECT word FROM forbidden_words ORDER BY word LIMIT 500",
                             .nparams = 0,
                             .cols = "word"},
    [STMT_FORBIDDEN_ADD] = {.name = "forbidden_add",
                            .sql = "INSERT INTO forbidden_words (word, added_by) SELECT $1, $2 "
                                   "WHERE (SELECT count(*) FROM forbidden_words) < 500 ON "
                                   "CONFLICT DO NOTHING RETURNING word",
                            .nparams = 2,
                            .cols = "word"},
    [STMT_FORBIDDEN_DELETE] = {.name = "forbidden_delete",
                               .sql = "DELETE FROM forbidden_words WHERE word = $1 RETURNING "
                                      "word",
                               .nparams = 1,
                               .cols = "word"},
    /* The practice name an admin set (no row: PRACTICE_NAME). */
    [STMT_PRACTICE_NAME_GET] = {.name = "practice_name_get",
                                .sql = "SELECT short_name FROM practice_settings",
                                .nparams = 0,
                                .cols = "short_name"},
    /* $1 name, $2 admin. */
    [STMT_PRACTICE_NAME_SET] = {.name = "practice_name_set",
                                .sql = "INSERT INTO practice_settings (short_name, updated_by) "
                                       "VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET "
                                       "short_name = EXCLUDED.short_name, updated_by = "
                                       "EXCLUDED.updated_by, updated_at = now()",
                                .nparams = 2,
                                .cols = ""},
    [STMT_PRACTICE_NAME_CLEAR] = {.name = "practice_name_clear",
                                  .sql = "DELETE FROM practice_settings",
                                  .nparams = 0,
                                  .cols = ""},

    /* a client's record as one download (app/export.c, docs/EXPORT.md):
     * times in UTC (FHIR dateTime); $2 is the last id of the previous page. */
    /* $1 client. */
    [STMT_EXPORT_PROFILE] =
        {.name = "export_profile",
         .sql = "SELECT display_name, email, role, "
                "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                "AS created_at, disabled_at IS NULL AS active, "
                "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                "AS exported_at FROM users WHERE id = $1 AND role = 'client'",
         .nparams = 1,
         .cols = "display_name email role created_at active exported_at"},
    /* $1 client, $2 after: their assignments (cancelled too) with the
     * version as given. */
    [STMT_EXPORT_ASSIGNMENTS] =
        {.name = "export_assignments",
         .sql = "SELECT a.id, a.activity_id, a.version_id, v.version, "
                "act.kind, v.title, v.content::text, "
                "to_char(a.start_date, 'YYYY-MM-DD') AS start_date, "
                "coalesce(to_char(a.due_date, 'YYYY-MM-DD'), '') AS due_date, "
                "coalesce(a.times_per_week, 0) AS times_per_week, coalesce(a.weeks, 0) AS weeks, "
                "coalesce(a.repeat_days, 0) AS repeat_days, "
                "coalesce(to_char(a.cancelled_at AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') AS cancelled_at, "
                "to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                "AS assigned_at, coalesce(a.couple_id, 0) AS couple_id, t.display_name "
                "FROM assignments a "
                "JOIN activity_versions v ON v.id = a.version_id "
                "JOIN activities act ON act.id = a.activity_id "
                "JOIN users t ON t.id = a.therapist_id "
                "WHERE a.client_id = $1 AND a.id > $2 "
                "ORDER BY a.id LIMIT 100",
         .nparams = 2,
         .cols =
             "id activity_id version_id version kind title content start_date due_date "
             "times_per_week weeks repeat_days cancelled_at assigned_at couple_id display_name"},
    /* $1 client, $2 after: their submitted entries (drafts are not). */
    [STMT_EXPORT_ENTRIES] =
        {.name = "export_entries",
         .sql = "SELECT e.id, e.assignment_id, a.version_id, e.answers_enc, "
                "to_char(e.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                "AS submitted_at, e.shared_with_partner, "
                "coalesce(e.corrects_entry_id, 0) AS corrects_entry_id, "
                "coalesce(to_char(e.reviewed_at AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') AS reviewed_at "
                "FROM entries e JOIN assignments a ON a.id = e.assignment_id "
                "WHERE e.client_id = $1 AND e.status = 'submitted' "
                "AND e.id > $2 ORDER BY e.id LIMIT 100",
         .nparams = 2,
         .cols = "id assignment_id version_id answers_enc submitted_at shared_with_partner "
                 "corrects_entry_id reviewed_at"},
    /* $1 client, $2 after: the replies on their entries, both sides. */
    [STMT_EXPORT_COMMENTS] = {.name = "export_comments",
                              .sql = "SELECT c.id, c.entry_id, c.author_id, u.display_name, "
                                     "u.role, c.body_enc, to_char(c.created_at AT TIME ZONE 'UTC', "
                                     "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created_at "
                                     "FROM comments c JOIN entries e ON e.id = c.entry_id "
                                     "JOIN users u ON u.id = c.author_id "
                                     "WHERE e.client_id = $1 AND c.id > $2 "
                                     "ORDER BY c.id LIMIT 100",
                              .nparams = 2,
                              .cols =
                                  "id entry_id author_id display_name role body_enc created_at"},
    /* $1 client, $2 after: the attention items about them (no detail, no
     * acknowledgement note: the clinician's words, docs/EXPORT.md). */
    [STMT_EXPORT_ATTENTION] =
        {.name = "export_attention",
         .sql = "SELECT id, kind, assignment_id, coalesce(entry_id, 0) AS entry_id, "
                "to_char(raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                "AS raised_at, coalesce(to_char(acknowledged_at AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') AS acknowledged_at "
                "FROM attention_items WHERE client_id = $1 AND id > $2 "
                "ORDER BY id LIMIT 100",
         .nparams = 2,
         .cols = "id kind assignment_id entry_id raised_at acknowledged_at"},
};
