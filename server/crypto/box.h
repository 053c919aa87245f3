/* box.h: encryption at rest of what clients and therapists write
 * (XChaCha20-Poly1305 from libsodium), under keys that never reach the
 * database.
 *
 * A sealed value (stored in a bytea column) is
 *
 *     version (1 byte, = 1) | key id (4) | nonce (24, random) | ciphertext + tag (16)
 *
 * and is authenticated together with additional data (AAD): the 5-byte header
 * followed by the caller's AAD string, which names the row and field the
 * value belongs to (e.g. "entry:<client_id>:<assignment_id>:answers"). A
 * value copied into another row, another field or another client's row, or
 * with any byte changed, does not open.
 *
 * The key id is the first 4 bytes of BLAKE2b-128(key) personalised with
 * "interlude-keyid": it lets old keys decrypt what they sealed while new
 * values use the current key (`interlude rotate-key` re-seals the rest). It is
 * shown as 8 hex digits; a key itself is never logged or printed.
 *
 * After box_init the state is read-only, so every function below but
 * box_init and box_shutdown may be called from any number of threads at
 * once; those two run while no other thread uses the keys (at start and at
 * the end of main). */
#ifndef INTERLUDE_CRYPTO_BOX_H
#define INTERLUDE_CRYPTO_BOX_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define BOX_VERSION 1
#define BOX_KEY_ID_BYTES 4
#define BOX_HEADER_BYTES (1 + BOX_KEY_ID_BYTES)
#define BOX_NONCE_BYTES 24
#define BOX_TAG_BYTES 16
/* Bytes a sealed value adds to its plaintext. */
#define BOX_OVERHEAD (BOX_HEADER_BYTES + BOX_NONCE_BYTES + BOX_TAG_BYTES)
/* Most old keys accepted (INTERLUDE_DATA_KEYS_OLD[_FILE]). */
#define BOX_MAX_OLD_KEYS 32

/* Loads the keys named by cfg:
 *   current key: cfg->data_key (64 hex digits) or cfg->data_key_file (a file
 *     holding them, optionally followed by one newline); exactly one of the
 *     two must be set;
 *   old keys (decryption only, may be absent): cfg->data_keys_old (hex keys
 *     separated by commas) or cfg->data_keys_old_file (one per line; blank
 *     lines and lines starting with # are skipped); at most one of the two.
 * A key file must be a regular file without any permission for group or
 * others (like ssh's private keys). NULL and "" mean unset.
 * Keys are kept in sodium_malloc'd memory made read-only. Calls sodium_init.
 * Replaces the keys of an earlier call. Returns 0, or -1 with one line in err
 * naming the variable; the line never contains key material. After a failure
 * no key is loaded and box_seal/box_open fail. */
int box_init(const struct config *cfg, char *err, size_t errlen);

/* Wipes and frees the keys (a harmless no-op when none are loaded). */
void box_shutdown(void);

/* The current key's id as 8 hex digits and a NUL ("" when none is loaded). */
void box_key_id(char out[9]);

/* Seals plain[0..n) with the current key, bound to aad (a non-empty string).
 * On success *out receives a malloc'd value of *outlen = n + BOX_OVERHEAD
 * bytes (the caller frees it) and 0 is returned; -1 when no key is loaded,
 * aad is NULL or empty, or n is too large. */
int box_seal(const char *plain, size_t n, const char *aad, unsigned char **out, size_t *outlen);

/* Opens a sealed value c[0..n) bound to aad. On success *plain receives a
 * malloc'd copy of the plaintext followed by a NUL (the caller frees it, best
 * after sodium_memzero), *plainlen its length without the NUL, and 0 is
 * returned. -1 (and *plain = NULL) when the value was changed, belongs to
 * another aad, was sealed under a key that is not loaded, or is not a sealed
 * value of a known version. */
int box_open(const unsigned char *c, size_t n, const char *aad, char **plain, size_t *plainlen);

/* True when c[0..n) looks like a sealed value made with the current key
 * (version and key id only: it does not authenticate the value). */
bool box_is_current(const unsigned char *c, size_t n);

/* Writes the key id of a sealed value as 8 hex digits into out; "unknown"
 * when c is too short or of another version. For log lines. */
void box_value_key_id(const unsigned char *c, size_t n, char out[9]);

/* Derives a 32-byte key for another purpose from the current data key
 * (libsodium's crypto_kdf, context: exactly 8 characters, e.g.
 * "ildevice"), so every node with the same data key derives the same one.
 * Returns 0, or -1 when no key is loaded. */
int box_subkey(const char *context, unsigned char out[32]);

/* True when a loaded key (current or old) has this id (8 hex digits). */
bool box_has_key_id(const char *hex);

/* ---- libpq helpers ---- */

/* Seals the NUL-terminated plain (bound to aad) and returns it as a bytea
 * literal in hex form ("\x" followed by hex digits) to pass as a text
 * parameter of PQexecPrepared; malloc'd, the caller frees it. NULL on
 * failure (as box_seal). */
char *box_seal_hex(const char *plain, const char *aad);

/* Opens the bytea value at (row, col) of res, in text (hex escape) or binary
 * format, bound to aad. Returns the malloc'd, NUL-terminated plaintext (the
 * caller frees it), or NULL when the value is SQL NULL (no log line) or does
 * not open (one warning log line with the value's key id, never content). */
char *box_open_pq(const PGresult *res, int row, int col, const char *aad);

#endif
