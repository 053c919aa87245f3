/* keycheck.c: the data-key check (see keycheck.h). */
#include "crypto/keycheck.h"

#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/box.h"
#include "db/db.h"
#include "db/query.h"
#include "util/log.h"

/* What a check value holds once opened: any key but its own fails the
 * AEAD tag first, so the text only guards against a program error. */
static const char check_plain[] = "interlude data key check 1";

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static enum keycheck_status last = KEYCHECK_UNKNOWN;
static char last_why[200] = "the data keys have not been checked yet";

static void check_aad(const char *key_id, char *out, size_t n)
{
    snprintf(out, n, "data-key-check:%s", key_id);
}

static enum keycheck_status remember(enum keycheck_status st, const char *why, char *out,
                                     size_t outlen)
{
    pthread_mutex_lock(&state_lock);
    enum keycheck_status before = last;
    bool changed = before != st || (why != NULL && strcmp(last_why, why) != 0);
    last = st;
    snprintf(last_why, sizeof(last_why), "%s", why != NULL ? why : "");
    pthread_mutex_unlock(&state_lock);
    if (out != NULL && outlen > 0)
        snprintf(out, outlen, "%s", why != NULL ? why : "");
    /* One log line when the outcome changes, not one per probe. */
    if (changed && st == KEYCHECK_BAD)
        log_event(LOG_ERROR, "data key check failed", json_pack("{s:s}", "detail", why));
    else if (changed && st == KEYCHECK_OK && before == KEYCHECK_BAD)
        log_event(LOG_INFO, "data key check passed", NULL);
    return st;
}

/* The current key is registered, or given its check value, once the rest
 * of the check passed. */
static enum db_status register_current(void)
{
    char kid[9], aad[48];
    box_key_id(kid);
    check_aad(kid, aad, sizeof(aad));
    char *lit = box_seal_hex(check_plain, aad);
    if (lit == NULL)
        return DB_HARD;
    struct db_args a = {0};
    db_arg_text(&a, kid);
    db_arg_text(&a, lit);
    enum db_status st = db_run(STMT_DATA_KEY_REGISTER, &a, NULL);
    free(lit);
    return st;
}

enum keycheck_status keycheck_run(char *why, size_t whylen)
{
    char kid[9];
    box_key_id(kid);
    if (kid[0] == '\0')
        return remember(KEYCHECK_BAD, "no data key is loaded", why, whylen);
    PGresult *res = NULL;
    struct db_args none = {0};
    if (db_run(STMT_DATA_KEYS_LIST, &none, &res) != DB_OK)
        return remember(KEYCHECK_UNKNOWN, "the data keys could not be checked: database error", why,
                        whylen);
    char reason[200] = "";
    bool current_checked = false;
    int missing = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        const char *id = db_text(res, r, "key_id");
        if (!box_has_key_id(id)) {
            /* Name the first missing key; count the others. */
            if (missing++ == 0)
                snprintf(reason, sizeof(reason),
                         "data key %s is missing: stored values are sealed with it; give it as "
                         "INTERLUDE_DATA_KEY or in INTERLUDE_DATA_KEYS_OLD",
                         id);
            continue;
        }
        if (db_is_null(res, r, "check_value"))
            continue;
        char aad[48];
        check_aad(id, aad, sizeof(aad));
        char *plain = box_open_pq(res, r, db_col(res, "check_value"), aad);
        bool opens = plain != NULL && strcmp(plain, check_plain) == 0;
        if (plain != NULL) {
            sodium_memzero(plain, strlen(plain));
            free(plain);
        }
        if (!opens) {
            if (missing++ == 0)
                snprintf(reason, sizeof(reason),
                         "the data key with id %s is not the key the data was sealed with", id);
            continue;
        }
        if (strcmp(id, kid) == 0)
            current_checked = true;
    }
    PQclear(res);
    if (missing > 1) {
        size_t len = strlen(reason);
        snprintf(reason + len, sizeof(reason) - len, " (and %d more)", missing - 1);
    }
    if (missing > 0)
        return remember(KEYCHECK_BAD, reason, why, whylen);
    if (!current_checked && register_current() != DB_OK)
        return remember(KEYCHECK_UNKNOWN,
                        "the data keys could not be checked: the current key is not registered",
                        why, whylen);
    return remember(KEYCHECK_OK, NULL, why, whylen);
}

enum keycheck_status keycheck_state(char *why, size_t whylen)
{
    pthread_mutex_lock(&state_lock);
    enum keycheck_status st = last;
    if (why != NULL && whylen > 0)
        snprintf(why, whylen, "%s", last_why);
    pthread_mutex_unlock(&state_lock);
    return st;
}
