/* keycheck.h: does this server hold the keys the stored data is sealed
 * with? (migrations/0015_data_keys.sql)
 *
 * A database restored under a new key, or a secret file with a typo, used
 * to look healthy: /readyz ready, `interlude check` ok, and every read
 * answering "cannot be opened" while new values were sealed with a key
 * that nobody kept. The check makes that impossible to miss:
 *
 *   - every key id registered in data_keys must be loaded (the current key
 *     or one of INTERLUDE_DATA_KEYS_OLD), and every loaded key with a
 *     check value must open it (same id, other key: a corrupted secret);
 *   - the current key is registered, with its check value, once both hold.
 *
 * Until it passes, /readyz answers 503 with the reason, `interlude check`
 * exits with its own code, and the server refuses every request that could
 * write (app/guard.c). The reason names key ids only, never key material. */
#ifndef INTERLUDE_CRYPTO_KEYCHECK_H
#define INTERLUDE_CRYPTO_KEYCHECK_H

#include <stddef.h>

enum keycheck_status {
    KEYCHECK_OK = 0,
    KEYCHECK_UNKNOWN = 1, /* not checked yet: the database did not answer */
    KEYCHECK_BAD = 2,     /* a key is missing or wrong: why says which */
};

/* Runs the check against the database (db_exec: needs db_init and
 * box_init), registers the current key when it passes, remembers the
 * result for keycheck_state and returns it. On KEYCHECK_BAD or
 * KEYCHECK_UNKNOWN, why (may be NULL) receives one line for people. Safe
 * from any thread. */
enum keycheck_status keycheck_run(char *why, size_t whylen);

/* The result of the last keycheck_run (KEYCHECK_UNKNOWN before the first)
 * and, when not OK, its reason. */
enum keycheck_status keycheck_state(char *why, size_t whylen);

#endif
