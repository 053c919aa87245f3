/* stmts.c: the SQL text of every statement the server runs, indexed by enum stmt_id. */
#include "db/stmts.h"

/* Prepared on every new connection by db.c. Parameters are $1..$n only; no
 * SQL is ever assembled from strings at run time. */
const struct stmt_def stmt_defs[STMT__MAX] = {
    [STMT_PING] = {.name = "ping", .sql = "SELECT 1", .nparams = 0},
    [STMT_MIGRATION_LATEST] = {.name = "migration_latest",
                               .sql = "SELECT max(version) FROM schema_migrations",
                               .nparams = 0},

    /* sessions */
    [STMT_SESSION_LOAD] = {.name = "session_load",
                           .sql = "SELECT s.id, s.csrf_token, s.user_id, u.role, u.email, "
                                  "u.display_name, "
                                  "s.last_seen_at < now() - $3::int * interval '1 second' "
                                  "FROM sessions s LEFT JOIN users u ON u.id = s.user_id "
                                  "WHERE s.token_hash = $1 AND s.expires_at > now() "
                                  "AND s.last_seen_at > now() - $2::int * interval '1 second' "
                                  "AND (s.user_id IS NULL OR u.disabled_at IS NULL)",
                           .nparams = 3},
    [STMT_SESSION_TOUCH] = {.name = "session_touch",
                            .sql = "UPDATE sessions SET last_seen_at = now() WHERE id = $1",
                            .nparams = 1},
    [STMT_SESSION_CREATE] = {.name = "session_create",
                             .sql = "INSERT INTO sessions (token_hash, user_id, csrf_token, "
                                    "expires_at, ip, user_agent) VALUES ($1, $2, $3, "
                                    "now() + $4::int * interval '1 hour', $5, $6) RETURNING id",
                             .nparams = 6},
    [STMT_SESSION_DELETE] = {.name = "session_delete",
                             .sql = "DELETE FROM sessions WHERE id = $1",
                             .nparams = 1},
    [STMT_SESSION_DELETE_USER] = {.name = "session_delete_user",
                                  .sql = "DELETE FROM sessions WHERE user_id = $1 AND id <> $2",
                                  .nparams = 2},
    [STMT_SESSION_PURGE] = {.name = "session_purge",
                            .sql = "DELETE FROM sessions WHERE expires_at < now() OR "
                                   "last_seen_at < now() - $1::int * interval '1 second'",
                            .nparams = 1},
    [STMT_SESSION_LIST] = {.name = "session_list",
                           .sql = "SELECT id, to_char(created_at AT TIME ZONE 'UTC', "
                                  "'YYYY-MM-DD HH24:MI'), to_char(last_seen_at AT TIME ZONE "
                                  "'UTC', 'YYYY-MM-DD HH24:MI'), coalesce(ip, ''), "
                                  "coalesce(user_agent, '') FROM sessions WHERE user_id = $1 "
                                  "AND expires_at > now() AND last_seen_at > now() - $2::int * "
                                  "interval '1 second' ORDER BY last_seen_at DESC LIMIT 50",
                           .nparams = 2},

    /* audit */
    [STMT_AUDIT_INSERT] = {.name = "audit_insert",
                           .sql = "INSERT INTO audit_log (actor_id, action, object_type, "
                                  "object_id, subject_id, ip) VALUES ($1, $2, $3, $4, $5, $6)",
                           .nparams = 6},

    /* access */
    [STMT_ACCESS_CARE_TEAM] = {.name = "access_care_team",
                               .sql = "SELECT 1 FROM care_team ct JOIN users c ON c.id = "
                                      "ct.client_id WHERE ct.therapist_id = $1 AND "
                                      "ct.client_id = $2 AND c.role = 'client'",
                               .nparams = 2},

    /* users, login, setup */
    [STMT_USER_BY_EMAIL] = {.name = "user_by_email",
                            .sql = "SELECT id, role, password_hash, disabled_at IS NOT NULL, "
                                   "display_name FROM users WHERE lower(email) = lower($1)",
                            .nparams = 1},
    [STMT_USER_CREATE] = {.name = "user_create",
                          .sql = "INSERT INTO users (email, display_name, role, password_hash) "
                                 "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id",
                          .nparams = 4},
    [STMT_USER_SET_PASSWORD] = {.name = "user_set_password",
                                .sql = "UPDATE users SET password_hash = $2, "
                                       "password_changed_at = now() WHERE id = $1",
                                .nparams = 2},
    [STMT_USER_PASSWORD_HASH] = {.name = "user_password_hash",
                                 .sql = "SELECT password_hash FROM users WHERE id = $1",
                                 .nparams = 1},
    [STMT_ADMIN_EXISTS] = {.name = "admin_exists",
                           .sql = "SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin')",
                           .nparams = 0},
    [STMT_LOGIN_FAILURES_COUNT] = {.name = "login_failures_count",
                                   .sql = "SELECT (SELECT count(*) FROM login_failures WHERE "
                                          "email_norm = lower($1) AND at > now() - interval "
                                          "'15 minutes'), (SELECT count(*) FROM login_failures "
                                          "WHERE ip = $2 AND at > now() - interval '15 minutes')",
                                   .nparams = 2},
    [STMT_LOGIN_FAILURE_ADD] = {.name = "login_failure_add",
                                .sql = "INSERT INTO login_failures (email_norm, ip) VALUES "
                                       "(lower($1), $2)",
                                .nparams = 2},
    [STMT_LOGIN_FAILURES_CLEAR] = {.name = "login_failures_clear",
                                   .sql = "DELETE FROM login_failures WHERE email_norm = "
                                          "lower($1)",
                                   .nparams = 1},
    [STMT_LOGIN_FAILURES_PURGE] = {.name = "login_failures_purge",
                                   .sql = "DELETE FROM login_failures WHERE at < now() - "
                                          "interval '1 day'",
                                   .nparams = 0},
    [STMT_INVITE_CREATE] = {.name = "invite_create",
                            .sql = "INSERT INTO invites (token_hash, kind, email, display_name, "
                                   "created_by, user_id, expires_at) VALUES ($1, $2, $3, $4, $5, "
                                   "$6, now() + $7::int * interval '1 second') RETURNING id",
                            .nparams = 7},
    [STMT_INVITE_BY_TOKEN] = {.name = "invite_by_token",
                              .sql = "SELECT id, kind, coalesce(email, ''), "
                                     "coalesce(display_name, ''), created_by, user_id FROM "
                                     "invites WHERE token_hash = $1 AND used_at IS NULL AND "
                                     "revoked_at IS NULL AND expires_at > now()",
                              .nparams = 1},
    [STMT_INVITE_USE] = {.name = "invite_use",
                         .sql = "UPDATE invites SET used_at = now() WHERE id = $1 AND used_at "
                                "IS NULL AND revoked_at IS NULL AND expires_at > now() "
                                "RETURNING id",
                         .nparams = 1},
    [STMT_INVITES_REVOKE_SETUP] = {.name = "invites_revoke_setup",
                                   .sql = "UPDATE invites SET revoked_at = now() WHERE kind = "
                                          "'setup' AND used_at IS NULL AND revoked_at IS NULL",
                                   .nparams = 0},

    /* admin pages */
    [STMT_ADMIN_USERS_LIST] = {.name = "admin_users_list",
                               .sql = "SELECT id, display_name, email, role, disabled_at IS NOT "
                                      "NULL, to_char(created_at AT TIME ZONE 'UTC', "
                                      "'YYYY-MM-DD') FROM users ORDER BY created_at DESC, id DESC",
                               .nparams = 0},
    /* Pending therapist invitations; the last column says whether $1 made
     * it (only the inviter may revoke: invites.c). */
    [STMT_ADMIN_INVITES_PENDING] = {.name = "admin_invites_pending",
                                    .sql = "SELECT i.id, coalesce(i.display_name, ''), "
                                           "coalesce(i.email, ''), to_char(i.created_at AT TIME "
                                           "ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), to_char("
                                           "i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD "
                                           "HH24:MI'), coalesce(u.display_name, ''), "
                                           "i.created_by IS NOT DISTINCT FROM $1::bigint FROM "
                                           "invites i LEFT JOIN users u ON u.id = i.created_by "
                                           "WHERE i.kind = 'therapist' AND i.used_at IS NULL AND "
                                           "i.revoked_at IS NULL AND i.expires_at > now() ORDER "
                                           "BY i.created_at DESC, i.id DESC",
                                    .nparams = 1},
    [STMT_ADMIN_USER_GET] = {.name = "admin_user_get",
                             .sql = "SELECT disabled_at IS NOT NULL, display_name, email FROM "
                                    "users WHERE id = $1",
                             .nparams = 1},
    /* Keeps the first disabled_at when repeated; no row: unknown id. */
    [STMT_ADMIN_USER_DISABLE] = {.name = "admin_user_disable",
                                 .sql = "UPDATE users SET disabled_at = coalesce(disabled_at, "
                                        "now()) WHERE id = $1 RETURNING id",
                                 .nparams = 1},
    [STMT_ADMIN_USER_ENABLE] = {.name = "admin_user_enable",
                                .sql = "UPDATE users SET disabled_at = NULL WHERE id = $1 "
                                       "RETURNING id",
                                .nparams = 1},
    /* Only the newest reset link of an account works. */
    [STMT_ADMIN_RESETS_REVOKE] = {.name = "admin_resets_revoke",
                                  .sql = "UPDATE invites SET revoked_at = now() WHERE kind = "
                                         "'reset' AND user_id = $1 AND used_at IS NULL AND "
                                         "revoked_at IS NULL",
                                  .nparams = 1},
    /* $1 e-mail of a person (actor, subject, or the account acted upon),
     * $2 and $3 first and last day (UTC, inclusive), each NULL for no
     * filter; $4 LIMIT, $5 OFFSET. Never any free text but the action. */
    [STMT_ADMIN_AUDIT_LIST] = {.name = "admin_audit_list",
                               .sql = "SELECT to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD "
                                      "HH24:MI:SS'), coalesce(ac.display_name, ''), "
                                      "coalesce(ac.email, ''), a.action, coalesce(a.object_type, "
                                      "''), coalesce(a.object_id::text, ''), "
                                      "coalesce(su.display_name, ''), coalesce(su.email, ''), "
                                      "coalesce(a.ip, '') FROM audit_log a LEFT JOIN users ac ON "
                                      "ac.id = a.actor_id LEFT JOIN users su ON su.id = "
                                      "a.subject_id WHERE ($1::text IS NULL OR EXISTS (SELECT 1 "
                                      "FROM users p WHERE lower(p.email) = lower($1::text) AND "
                                      "(p.id = a.actor_id OR p.id = a.subject_id OR "
                                      "(a.object_type = 'user' AND a.object_id = p.id)))) AND "
                                      "($2::date IS NULL OR a.at >= $2::date::timestamp AT TIME "
                                      "ZONE 'UTC') AND ($3::date IS NULL OR a.at < ($3::date + "
                                      "1)::timestamp AT TIME ZONE 'UTC') ORDER BY a.at DESC, a.id "
                                      "DESC LIMIT $4::int OFFSET $5::int",
                               .nparams = 5},

    /* password reset links */
    /* A usable reset link and its account (never a disabled one). */
    [STMT_RESET_BY_TOKEN] = {.name = "reset_by_token",
                             .sql = "SELECT i.id, u.id, u.email, u.display_name FROM invites i "
                                    "JOIN users u ON u.id = i.user_id WHERE i.token_hash = $1 "
                                    "AND i.kind = 'reset' AND i.used_at IS NULL AND i.revoked_at "
                                    "IS NULL AND i.expires_at > now() AND u.disabled_at IS NULL",
                             .nparams = 1},

    /* therapist pages */
    /* $1 the therapist. Lists are capped: a caseload is never this long. */
    [STMT_THERAPIST_CLIENTS] = {.name = "therapist_clients",
                                .sql = "SELECT u.id, u.display_name, u.email, to_char("
                                       "ct.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM "
                                       "care_team ct JOIN users u ON u.id = ct.client_id WHERE "
                                       "ct.therapist_id = $1 AND u.role = 'client' ORDER BY "
                                       "lower(u.display_name), u.id LIMIT 1000",
                                .nparams = 1},
    /* Couples whose two partners are both on $1's care team. */
    [STMT_THERAPIST_COUPLES] = {.name = "therapist_couples",
                                .sql = "SELECT c.id, a.display_name, b.display_name, a.id, b.id "
                                       "FROM couples c JOIN users a ON a.id = c.partner_a JOIN "
                                       "users b ON b.id = c.partner_b WHERE EXISTS (SELECT 1 FROM "
                                       "care_team t WHERE t.therapist_id = $1 AND t.client_id = "
                                       "c.partner_a) AND EXISTS (SELECT 1 FROM care_team t WHERE "
                                       "t.therapist_id = $1 AND t.client_id = c.partner_b) ORDER "
                                       "BY lower(a.display_name), c.id LIMIT 1000",
                                .nparams = 1},
    [STMT_THERAPIST_INVITES] = {.name = "therapist_invites",
                                .sql = "SELECT id, coalesce(display_name, ''), coalesce(email, "
                                       "''), to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD "
                                       "HH24:MI') FROM invites WHERE created_by = $1 AND kind = "
                                       "'client' AND used_at IS NULL AND revoked_at IS NULL AND "
                                       "expires_at > now() ORDER BY created_at DESC, id DESC "
                                       "LIMIT 1000",
                                .nparams = 1},
    /* $1 the therapist, $2 a client on their care team (else no row). */
    [STMT_THERAPIST_CLIENT] = {.name = "therapist_client",
                               .sql = "SELECT u.display_name, u.email, to_char(ct.created_at AT "
                                      "TIME ZONE 'UTC', 'YYYY-MM-DD') FROM care_team ct JOIN "
                                      "users u ON u.id = ct.client_id WHERE ct.therapist_id = $1 "
                                      "AND ct.client_id = $2 AND u.role = 'client'",
                               .nparams = 2},
    /* $2's couples whose other partner is on $1's care team too: a partner
     * who is not $1's client is not shown, not even by name. */
    [STMT_THERAPIST_CLIENT_COUPLES] = {.name = "therapist_client_couples",
                                       .sql = "SELECT c.id, p.id, p.display_name FROM couples c "
                                              "JOIN users p ON p.id = CASE WHEN c.partner_a = "
                                              "$2::bigint THEN c.partner_b ELSE c.partner_a END "
                                              "WHERE (c.partner_a = $2::bigint OR c.partner_b = "
                                              "$2::bigint) AND EXISTS (SELECT 1 FROM care_team t "
                                              "WHERE t.therapist_id = $1 AND t.client_id = p.id) "
                                              "ORDER BY c.id",
                                       .nparams = 2},
    [STMT_EMAIL_TAKEN] = {.name = "email_taken",
                          .sql = "SELECT 1 FROM users WHERE lower(email) = lower($1)",
                          .nparams = 1},
    /* $1 therapist, $2 < $3 the partners. No row: already a couple. */
    [STMT_COUPLE_CREATE] = {.name = "couple_create",
                            .sql = "INSERT INTO couples (therapist_id, partner_a, partner_b) "
                                   "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id",
                            .nparams = 3},

    /* invitations */
    /* $1 the inviting therapist, $2 the new client. No row when the
     * therapist's account is gone or disabled (the invitation is void). */
    [STMT_CARE_TEAM_ADD] = {.name = "care_team_add",
                            .sql = "INSERT INTO care_team (therapist_id, client_id) SELECT u.id, "
                                   "$2 FROM users u WHERE u.id = $1 AND u.role = 'therapist' AND "
                                   "u.disabled_at IS NULL ON CONFLICT DO NOTHING RETURNING "
                                   "client_id",
                            .nparams = 2},
    /* $1 the invitation, $2 who asks: only its creator may revoke it. */
    [STMT_INVITE_REVOKE] = {.name = "invite_revoke",
                            .sql = "UPDATE invites SET revoked_at = now() WHERE id = $1 AND "
                                   "created_by = $2 AND kind <> 'setup' AND used_at IS NULL AND "
                                   "revoked_at IS NULL RETURNING id",
                            .nparams = 2},
    [STMT_INVITE_STATE_FOR_CREATOR] = {.name = "invite_state_for_creator",
                                       .sql = "SELECT used_at IS NOT NULL FROM invites WHERE id = "
                                              "$1 AND created_by = $2 AND kind <> 'setup'",
                                       .nparams = 2},
};
