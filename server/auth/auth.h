/* auth.h: who is asking (sessions), may they (CSRF, roles, access to a
 * client's data), and the record of it (audit). */
#ifndef INTERLUDE_AUTH_H
#define INTERLUDE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "db/db.h"
#include "http/request.h"

/* Roles are bits so a route can allow several. */
enum role {
    ROLE_ADMIN = 1 << 0,
    ROLE_THERAPIST = 1 << 1,
    ROLE_CLIENT = 1 << 2,
};
#define ROLE_ANY (ROLE_ADMIN | ROLE_THERAPIST | ROLE_CLIENT)

const char *role_name(unsigned role); /* "admin" | "therapist" | "client" */
unsigned role_parse(const char *s);   /* 0 when unknown */

/* The signed-in person; strings live in the request's arena. */
struct user {
    long long id;
    unsigned role;
    const char *email;
    const char *display_name;
};

/* The request's session (anonymous when user is NULL). */
struct session {
    long long id;
    char csrf[48];
    struct user *user;
    /* Password accepted, second step (code) not yet: the guard lets such a
     * session reach /login/code and /logout only. */
    bool second_factor_pending;
    /* Set when the request was authenticated by an API token (bearer.c)
     * instead of a cookie: id is 0 and csrf empty (there is no session
     * row, and no CSRF check: guard.c), audit rows name the token. */
    long long token_id;
    bool token_read_only; /* scope "read": safe methods only */
    /* The two-step policy (policy.c) requires it of this person's role... */
    bool two_step_required;
    /* ...and they have not switched it on yet: the guard lets such a
     * session reach their account (to enrol) and /logout only. */
    bool enrolment_required;
};

/* ---- two-step policy (policy.c) ---- */

/* The roles (ROLE_ADMIN, ROLE_THERAPIST bits) that must use two-step
 * sign-in under the stored policy word: "off", "therapists", "admins" or
 * "both". NULL (no row) and unknown words count as "both" (fail closed). */
unsigned two_step_policy_roles(const char *value);
/* True for exactly the four words above. */
bool two_step_policy_valid(const char *value);
/* The word for a set of roles (clients ignored). */
const char *two_step_policy_name(unsigned roles);

/* ---- tokens (token.c) ---- */

#define TOKEN_LEN 43 /* 32 random bytes, base64url without padding */
/* Writes a new random token into out (TOKEN_LEN + 1 bytes). */
void token_new(char out[TOKEN_LEN + 1]);
/* The token's SHA-256 as a bytea literal for a SQL parameter: "\\x" + 64
 * hex digits (out: 67 bytes). Only hashes of tokens are ever stored. */
void token_hash_param(const char *token, char out[67]);

/* ---- API tokens for scripts (bearer.c) ---- */

#define API_TOKEN_PREFIX "itl_"
#define API_TOKEN_LEN (4 + TOKEN_LEN) /* the prefix, then a token_new() */
#define API_TOKEN_MAX_DAYS 365

enum bearer_result {
    BEARER_NONE,    /* no "Authorization: Bearer" header */
    BEARER_OK,      /* req->session is the token's owner, with its scope */
    BEARER_INVALID, /* malformed, unknown, expired, revoked, owner disabled */
};
/* Does the request carry "Authorization: Bearer ..." (the scheme is
 * case-insensitive; other schemes are not ours and are ignored)? */
bool bearer_present(const struct request *req);
/* A new API token: API_TOKEN_PREFIX and 256 random bits (out:
 * API_TOKEN_LEN + 1 bytes). */
void api_token_new(char out[API_TOKEN_LEN + 1]);
/* Resolves the bearer token into req->session (a session without id or
 * CSRF secret, with token_id and the scope set) and marks it used. A token
 * that exists but may no longer be used gets a "token.refused" audit row.
 * Returns DB_OK and sets *out, or the database error. */
enum db_status bearer_load(struct request *req, enum bearer_result *out);

/* ---- sessions (session.c) ---- */

/* Reads the session cookie and loads the session, sliding its idle expiry.
 * Sets req->session (NULL when there is none or it expired). Returns DB_OK,
 * or DB_UNAVAILABLE / DB_HARD when the database could not answer. */
enum db_status session_load(struct request *req);
/* Gives an anonymous visitor a session (for the CSRF token of the forms
 * they can post before signing in: login, setup, invite). No-op when the
 * request already has one. */
enum db_status session_ensure(struct request *req);
/* Signs user_id in: the current session (if any) is deleted and a new one,
 * with a new token and CSRF secret, is created and set as the cookie.
 * pending: only the password step is done (a half-signed-in session of a
 * few minutes, see guard.c); also used to rotate a session's token. */
enum db_status session_login(struct request *req, long long user_id, bool pending);
/* Deletes the current session and clears the cookie. */
enum db_status session_logout(struct request *req);
/* Ends every session of user_id except except_id (0: all). */
enum db_status session_end_all(long long user_id, long long except_id);
/* True when the request carries its session's CSRF token, as the form
 * field "_csrf" or the X-CSRF-Token header (constant-time comparison). */
bool csrf_valid(const struct request *req);
/* The cookie's name: "__Host-interlude" over https, else "interlude". */
const char *session_cookie_name(void);

/* ---- device cookies (device.c) ----
 *
 * OWASP's "device cookie" against lock-out by strangers: a person who signed
 * in on this device before carries a cookie that proves it (the account's
 * e-mail and the time, under a key derived from the data key; no database
 * row). Such a sign-in is not held back by the per-address limit, which
 * everyone behind one NAT, proxy or Docker bridge shares; the per-account
 * limit still applies. Valid DEVICE_COOKIE_DAYS; a new data key forgets
 * every device. */

#define DEVICE_COOKIE_DAYS 180

/* "__Host-interlude-device" over https, else "interlude-device". */
const char *device_cookie_name(void);
/* Sets the device cookie for email on the answer (req->set_cookie2). */
void device_remember(struct request *req, const char *email);
/* True when the request carries a valid, unexpired device cookie made for
 * email (compared without regard to ASCII case). */
bool device_known(const struct request *req, const char *email);
/* The cookie value for email made at time t (seconds since the epoch):
 * "<t>.<32 hex digits>" into out (at least DEVICE_VALUE_MAX bytes); false
 * when no data key is loaded. For device.c and its unit test. */
#define DEVICE_VALUE_MAX 64
bool device_value(const char *email, long long t, char *out, size_t outlen);
/* Checks a cookie value for email at time now. */
bool device_value_valid(const char *value, const char *email, long long now);

/* ---- two-step sign-in (totp.c) ---- */

#define TOTP_SECRET_B32_LEN 32 /* 20 random bytes in base32 */
#define RECOVERY_CODES 10
#define RECOVERY_CODE_LEN 11 /* "xxxxx-xxxxx" */

/* Calls oath_init once, at start (before any thread). 0 or -1. */
int totp_init(void);
/* A new random secret in base32 (out: TOTP_SECRET_B32_LEN + 1 bytes). */
void totp_new_secret(char out[TOTP_SECRET_B32_LEN + 1]);
/* Checks a six-digit code against the base32 secret at the current time,
 * with one 30-second step of skew either way. Returns 1 and sets *step to
 * the matching step when the code is right and its step is later than
 * last_step (a code or an earlier step is never accepted twice); 0 when not;
 * -1 when the secret does not decode. */
int totp_check(const char *secret_b32, const char *code, long long last_step, long long *step);
/* The otpauth:// URI authenticator apps read, in the request's arena. */
const char *totp_uri(struct arena *a, const char *secret_b32, const char *email);
/* The QR code of text as an SVG path ("M x y h1v1h-1z..." for each dark
 * module, in module units, with no quiet zone) in the arena; *size is the
 * number of modules per side. NULL when text does not fit. The template
 * draws it (no HTML from C). */
const char *totp_qr_path(struct arena *a, const char *text, int *size);
/* A new recovery code "xxxxx-xxxxx" (out: RECOVERY_CODE_LEN + 1 bytes). */
void recovery_code_new(char out[RECOVERY_CODE_LEN + 1]);
/* Normalises what a person typed as a recovery code (case, dashes and
 * spaces ignored) and writes its hash as a bytea parameter (as
 * token_hash_param). Returns false when it cannot be a recovery code. */
bool recovery_code_hash(const char *typed, char out[67]);

/* ---- passwords (password.c) ---- */

enum pw_result { PW_OK, PW_MISMATCH, PW_BUSY, PW_ERROR };

/* Loads the list of common passwords, computes the dummy hash and sizes the
 * hashing slots. Returns 0 or -1 with err. */
int password_init(const struct config *cfg, char *err, size_t errlen);
void password_shutdown(void);
/* Argon2id with the configured parameters and a 16-byte random salt, in the
 * encoded form. out must hold 160 bytes. PW_BUSY when no hashing slot was
 * free within a short wait (answer 503 with Retry-After). */
enum pw_result password_hash(const char *password, char *out, size_t outlen);
/* Verifies password against encoded. *rehash is set when the hash was made
 * with weaker parameters than configured now. encoded NULL: an unknown
 * account; a dummy hash is verified instead so the time taken is the same,
 * and PW_MISMATCH is returned. */
enum pw_result password_verify(const char *encoded, const char *password, bool *rehash);
/* NULL when the password is acceptable; otherwise a sentence for the form.
 * Rules: 12 to 128 characters (Unicode code points), not on the common
 * list, not the e-mail address or name. */
const char *password_problem(const char *password, const char *email, const char *name);

/* ---- audit (audit.c) ---- */

/* Appends a row: actor (the session's user, or 0), action such as
 * "login.success", object type and id (0 for none), the client whose data
 * it concerns (0 for none), and the client address. Never content. */
enum db_status audit(struct request *req, const char *action, const char *object_type,
                     long long object_id, long long subject_id);
/* The same with an explicit actor, for events before a session exists. */
enum db_status audit_as(struct request *req, long long actor_id, const char *action,
                        const char *object_type, long long object_id, long long subject_id);

/* ---- access to a client's data (access.c) ---- */

/* May the signed-in person see client_id's clinical data? The client
 * themself and therapists on their care team may; nobody else (admins
 * included). Returns DB_OK and sets *allowed, or a DB error. */
enum db_status access_client(struct request *req, long long client_id, bool *allowed);
/* Is client_id on the signed-in therapist's care team? */
enum db_status access_is_my_client(struct request *req, long long client_id, bool *allowed);
/* May the signed-in person read the form of activity version version_id?
 * A therapist: a library activity's, their own activity's, or a version
 * given to a client on their care team; a client: a version given to them;
 * nobody else. DB_OK with *row = the version (STMT_ACCESS_FORM_VERSION's
 * columns; the caller PQclears it) when allowed, NULL when not (or no such
 * version: the same answer); else a DB error. */
enum db_status access_form_version(struct request *req, long long version_id, PGresult **row);

#endif
