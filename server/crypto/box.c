/* box.c: sealing and opening values stored at rest (XChaCha20-Poly1305),
 * the data keys and their ids. See box.h for the format. */
#include "crypto/box.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "util/xalloc.h"

#define KEY_BYTES 32
#define KEY_HEX 64
#define KEY_FILE_MAX 128              /* 64 hex digits, a newline, some slack */
#define OLD_KEYS_FILE_MAX (64 * 1024) /* plenty for comments and 32 keys */

_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == KEY_BYTES, "key size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == BOX_NONCE_BYTES, "nonce size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == BOX_TAG_BYTES, "tag size");
_Static_assert(crypto_generichash_blake2b_PERSONALBYTES == 16, "personal size");

struct key {
    unsigned char id[BOX_KEY_ID_BYTES];
    unsigned char k[KEY_BYTES];
};

/* keys[0] is the current key, keys[1..n) old ones. The array lives in
 * sodium_malloc'd memory (guard pages, not swapped where mlock works,
 * wiped by sodium_free) and is read-only after box_init. */
static struct {
    struct key *keys;
    size_t n;
} box;

/* ---- keys ---- */

/* id = first 4 bytes of BLAKE2b-128(key, personal "interlude-keyid"). */
static void key_id_of(const unsigned char k[KEY_BYTES], unsigned char id[BOX_KEY_ID_BYTES])
{
    static const unsigned char personal[crypto_generichash_blake2b_PERSONALBYTES] =
        "interlude-keyid";
    unsigned char h[16];
    crypto_generichash_blake2b_salt_personal(h, sizeof(h), k, KEY_BYTES, NULL, 0, NULL, personal);
    memcpy(id, h, BOX_KEY_ID_BYTES);
    sodium_memzero(h, sizeof(h));
}

static void id_hex(const unsigned char id[BOX_KEY_ID_BYTES], char out[9])
{
    sodium_bin2hex(out, 9, id, BOX_KEY_ID_BYTES);
}

/* Parses exactly 64 hex digits s[0..len) into out. On failure writes why
 * into err, prefixed by what (e.g. "INTERLUDE_DATA_KEY"): never the text. */
static int parse_key(const char *s, size_t len, unsigned char out[KEY_BYTES], const char *what,
                     char *err, size_t errlen)
{
    if (len != KEY_HEX) {
        snprintf(err, errlen, "%s must be 64 hex digits (32 bytes), not %zu characters", what, len);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            snprintf(err, errlen, "%s must be 64 hex digits (0-9, a-f): character %zu is not one",
                     what, i + 1);
            return -1;
        }
    }
    size_t binlen = 0;
    if (sodium_hex2bin(out, KEY_BYTES, s, len, NULL, &binlen, NULL) != 0 || binlen != KEY_BYTES) {
        snprintf(err, errlen, "%s must be 64 hex digits (32 bytes)", what);
        return -1;
    }
    return 0;
}

/* Reads a key file (at most max bytes) into a sodium_malloc'd buffer,
 * NUL-terminated; *len gets its length. Refuses anything but a regular file
 * without group or other permissions. var names the variable for errors. */
static char *read_key_file(const char *path, size_t max, const char *var, size_t *len, char *err,
                           size_t errlen)
{
    char *buf = NULL;
    /* O_NONBLOCK: a FIFO put in place of the file must not hang the start. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open %s: %s", var, path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: %s is not a regular file", var, path);
        goto fail;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, errlen,
                 "%s: %s is accessible by group or others (mode %03o); "
                 "a key file must be private: chmod 600 %s",
                 var, path, (unsigned)(st.st_mode & 0777), path);
        goto fail;
    }
    buf = sodium_malloc(max + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "%s: out of memory", var);
        goto fail;
    }
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, max + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: cannot read %s: %s", var, path, strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > max) {
            snprintf(err, errlen, "%s: %s is larger than %zu bytes", var, path, max);
            goto fail;
        }
    }
    close(fd);
    buf[got] = '\0';
    *len = got;
    return buf;
fail:
    close(fd);
    if (buf != NULL)
        sodium_free(buf);
    return NULL;
}

/* Adds key k (already in keys[n], parsed) unless it repeats an earlier one;
 * computes its id. Two different keys with one id (a 1 in 2^32 chance)
 * would make values ambiguous: refused. */
static int add_key(struct key *keys, size_t *n, char *err, size_t errlen)
{
    struct key *k = &keys[*n];
    key_id_of(k->k, k->id);
    for (size_t i = 0; i < *n; i++) {
        if (sodium_memcmp(keys[i].k, k->k, KEY_BYTES) == 0) {
            sodium_memzero(k, sizeof(*k)); /* the same key twice: once is enough */
            return 0;
        }
        if (memcmp(keys[i].id, k->id, BOX_KEY_ID_BYTES) == 0) {
            char hex[9];
            id_hex(k->id, hex);
            snprintf(err, errlen, "two different data keys have the same key id %s: replace one",
                     hex);
            return -1;
        }
    }
    (*n)++;
    return 0;
}

static bool set(const char *s)
{
    return s != NULL && *s != '\0';
}

static int load_current(const struct config *cfg, struct key *keys, size_t *n, char *err,
                        size_t errlen)
{
    if (set(cfg->data_key) == set(cfg->data_key_file)) {
        snprintf(err, errlen,
                 set(cfg->data_key)
                     ? "set only one of INTERLUDE_DATA_KEY and INTERLUDE_DATA_KEY_FILE"
                     : "no data key: set INTERLUDE_DATA_KEY (64 hex digits) or "
                       "INTERLUDE_DATA_KEY_FILE (a file holding them); "
                       "e.g. head -c32 /dev/urandom | od -An -vtx1 | tr -d ' \\n'");
        return -1;
    }
    if (set(cfg->data_key)) {
        if (parse_key(cfg->data_key, strlen(cfg->data_key), keys[0].k, "INTERLUDE_DATA_KEY", err,
                      errlen) != 0)
            return -1;
        return add_key(keys, n, err, errlen);
    }
    size_t len = 0;
    char *text = read_key_file(cfg->data_key_file, KEY_FILE_MAX, "INTERLUDE_DATA_KEY_FILE", &len,
                               err, errlen);
    if (text == NULL)
        return -1;
    /* One trailing newline (as echo and editors write) is allowed. */
    if (len > 0 && text[len - 1] == '\n')
        len--;
    if (len > 0 && text[len - 1] == '\r')
        len--;
    char what[300];
    snprintf(what, sizeof(what), "INTERLUDE_DATA_KEY_FILE (%s)", cfg->data_key_file);
    int rc = parse_key(text, len, keys[0].k, what, err, errlen);
    sodium_free(text);
    if (rc != 0)
        return -1;
    return add_key(keys, n, err, errlen);
}

/* Parses one old key s[0..len) (surrounding blanks allowed) into keys[*n]. */
static int load_old_one(const char *s, size_t len, const char *what, struct key *keys, size_t *n,
                        char *err, size_t errlen)
{
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    if (*n >= 1 + BOX_MAX_OLD_KEYS) {
        snprintf(err, errlen, "%s: more than %d old keys", what, BOX_MAX_OLD_KEYS);
        return -1;
    }
    if (parse_key(s, len, keys[*n].k, what, err, errlen) != 0)
        return -1;
    return add_key(keys, n, err, errlen);
}

static int load_old(const struct config *cfg, struct key *keys, size_t *n, char *err, size_t errlen)
{
    if (set(cfg->data_keys_old) && set(cfg->data_keys_old_file)) {
        snprintf(err, errlen,
                 "set only one of INTERLUDE_DATA_KEYS_OLD and INTERLUDE_DATA_KEYS_OLD_FILE");
        return -1;
    }
    char what[320];
    if (set(cfg->data_keys_old)) {
        const char *s = cfg->data_keys_old;
        for (int i = 1;; i++) {
            size_t len = strcspn(s, ",");
            snprintf(what, sizeof(what), "INTERLUDE_DATA_KEYS_OLD (key %d)", i);
            if (load_old_one(s, len, what, keys, n, err, errlen) != 0)
                return -1;
            if (s[len] == '\0')
                return 0;
            s += len + 1;
        }
    }
    if (!set(cfg->data_keys_old_file))
        return 0;
    size_t total = 0;
    char *text = read_key_file(cfg->data_keys_old_file, (size_t)OLD_KEYS_FILE_MAX,
                               "INTERLUDE_DATA_KEYS_OLD_FILE", &total, err, errlen);
    if (text == NULL)
        return -1;
    int rc = 0;
    const char *s = text;
    for (int line = 1; *s != '\0'; line++) {
        size_t len = strcspn(s, "\n");
        size_t skip = strspn(s, " \t\r");
        if (skip < len && s[skip] != '#') {
            snprintf(what, sizeof(what), "INTERLUDE_DATA_KEYS_OLD_FILE (%s, line %d)",
                     cfg->data_keys_old_file, line);
            rc = load_old_one(s, len, what, keys, n, err, errlen);
            if (rc != 0)
                break;
        }
        s += len + (s[len] == '\n');
    }
    sodium_free(text);
    return rc;
}

int box_init(const struct config *cfg, char *err, size_t errlen)
{
    box_shutdown();
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to start");
        return -1;
    }
    struct key *keys = sodium_malloc((1 + BOX_MAX_OLD_KEYS) * sizeof(*keys));
    if (keys == NULL) {
        snprintf(err, errlen, "out of memory for the data keys");
        return -1;
    }
    sodium_memzero(keys, (1 + BOX_MAX_OLD_KEYS) * sizeof(*keys));
    size_t n = 0;
    if (load_current(cfg, keys, &n, err, errlen) != 0 ||
        load_old(cfg, keys, &n, err, errlen) != 0) {
        sodium_free(keys);
        return -1;
    }
    if (sodium_mprotect_readonly(keys) != 0) {
        snprintf(err, errlen, "cannot protect the data keys' memory");
        sodium_free(keys);
        return -1;
    }
    box.keys = keys;
    box.n = n;
    return 0;
}

void box_shutdown(void)
{
    if (box.keys != NULL)
        sodium_free(box.keys); /* makes it writable, wipes it, unmaps it */
    box.keys = NULL;
    box.n = 0;
}

void box_key_id(char out[9])
{
    if (box.keys == NULL)
        out[0] = '\0';
    else
        id_hex(box.keys[0].id, out);
}

static const struct key *find_key(const unsigned char id[BOX_KEY_ID_BYTES])
{
    for (size_t i = 0; i < box.n; i++)
        if (memcmp(box.keys[i].id, id, BOX_KEY_ID_BYTES) == 0)
            return &box.keys[i];
    return NULL;
}

int box_subkey(const char *context, unsigned char out[32])
{
    _Static_assert(crypto_kdf_KEYBYTES == KEY_BYTES, "kdf key size");
    if (box.keys == NULL || context == NULL || strlen(context) != crypto_kdf_CONTEXTBYTES)
        return -1;
    return crypto_kdf_derive_from_key(out, 32, 1, context, box.keys[0].k);
}

bool box_has_key_id(const char *hex)
{
    char h[9];
    for (size_t i = 0; hex != NULL && i < box.n; i++) {
        id_hex(box.keys[i].id, h);
        if (strcmp(h, hex) == 0)
            return true;
    }
    return false;
}

/* ---- sealing ---- */

/* The AEAD's additional data: the value's header, then the caller's AAD.
 * Binding the header makes a changed version or key id fail like any other
 * change. Malloc'd. */
static unsigned char *make_ad(const unsigned char *header, const char *aad, size_t *adlen)
{
    size_t alen = strlen(aad);
    unsigned char *ad = xmalloc(BOX_HEADER_BYTES + alen);
    memcpy(ad, header, BOX_HEADER_BYTES);
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): AD is bytes with a length */
    memcpy(ad + BOX_HEADER_BYTES, aad, alen);
    *adlen = BOX_HEADER_BYTES + alen;
    return ad;
}

int box_seal(const char *plain, size_t n, const char *aad, unsigned char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (box.keys == NULL || aad == NULL || *aad == '\0' || (plain == NULL && n > 0))
        return -1;
    if (n > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX || n > SIZE_MAX - BOX_OVERHEAD)
        return -1;
    const struct key *k = &box.keys[0];
    size_t total = n + BOX_OVERHEAD;
    unsigned char *c = xmalloc(total);
    c[0] = BOX_VERSION;
    memcpy(c + 1, k->id, BOX_KEY_ID_BYTES);
    unsigned char *nonce = c + BOX_HEADER_BYTES;
    randombytes_buf(nonce, BOX_NONCE_BYTES); /* 192 bits: random nonces never repeat */
    size_t adlen;
    unsigned char *ad = make_ad(c, aad, &adlen);
    unsigned long long clen = 0;
    int rc = crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + BOX_NONCE_BYTES, &clen,
                                                        (const unsigned char *)(n > 0 ? plain : ""),
                                                        n, ad, adlen, NULL, nonce, k->k);
    free(ad);
    if (rc != 0 || clen != n + BOX_TAG_BYTES) {
        free(c);
        return -1;
    }
    *out = c;
    *outlen = total;
    return 0;
}

int box_open(const unsigned char *c, size_t n, const char *aad, char **plain, size_t *plainlen)
{
    *plain = NULL;
    *plainlen = 0;
    if (box.keys == NULL || c == NULL || aad == NULL || *aad == '\0' || n < BOX_OVERHEAD ||
        c[0] != BOX_VERSION)
        return -1;
    const struct key *k = find_key(c + 1);
    if (k == NULL)
        return -1;
    const unsigned char *nonce = c + BOX_HEADER_BYTES;
    const unsigned char *body = nonce + BOX_NONCE_BYTES;
    size_t blen = n - BOX_HEADER_BYTES - BOX_NONCE_BYTES;
    size_t mlen_max = blen - BOX_TAG_BYTES;
    size_t adlen;
    unsigned char *ad = make_ad(c, aad, &adlen);
    char *m = xmalloc(mlen_max + 1);
    unsigned long long mlen = 0;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)m, &mlen, NULL, body, blen,
                                                        ad, adlen, nonce, k->k);
    free(ad);
    if (rc != 0 || mlen != mlen_max) {
        /* The tag is checked before anything is decrypted: m holds nothing. */
        free(m);
        return -1;
    }
    m[mlen] = '\0';
    *plain = m;
    *plainlen = (size_t)mlen;
    return 0;
}

bool box_is_current(const unsigned char *c, size_t n)
{
    return box.keys != NULL && c != NULL && n >= BOX_OVERHEAD && c[0] == BOX_VERSION &&
           memcmp(c + 1, box.keys[0].id, BOX_KEY_ID_BYTES) == 0;
}

void box_value_key_id(const unsigned char *c, size_t n, char out[9])
{
    if (c == NULL || n < BOX_HEADER_BYTES || c[0] != BOX_VERSION)
        snprintf(out, 9, "unknown");
    else
        id_hex(c + 1, out);
}

/* ---- libpq ---- */

char *box_seal_hex(const char *plain, const char *aad)
{
    if (plain == NULL)
        return NULL;
    unsigned char *c = NULL;
    size_t clen = 0;
    if (box_seal(plain, strlen(plain), aad, &c, &clen) != 0)
        return NULL;
    char *lit = xmalloc(2 + 2 * clen + 1);
    lit[0] = '\\';
    lit[1] = 'x';
    sodium_bin2hex(lit + 2, 2 * clen + 1, c, clen);
    free(c);
    return lit;
}

char *box_open_pq(const PGresult *res, int row, int col, const char *aad)
{
    if (res == NULL || row < 0 || row >= PQntuples(res) || col < 0 || col >= PQnfields(res) ||
        PQgetisnull(res, row, col))
        return NULL;
    const unsigned char *bytes;
    unsigned char *unescaped = NULL;
    size_t len;
    if (PQfformat(res, col) == 1) {
        bytes = (const unsigned char *)PQgetvalue(res, row, col);
        len = (size_t)PQgetlength(res, row, col);
    } else {
        unescaped = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col), &len);
        if (unescaped == NULL) {
            log_msg(LOG_WARN, "a sealed value is not valid bytea text");
            return NULL;
        }
        bytes = unescaped;
    }
    char *plain = NULL;
    size_t plen;
    if (box_open(bytes, len, aad, &plain, &plen) != 0) {
        char id[9];
        box_value_key_id(bytes, len, id);
        log_event(LOG_WARN, "a sealed value does not open",
                  json_pack("{s:s, s:b}", "key_id", id, "key_loaded",
                            len >= BOX_HEADER_BYTES && bytes[0] == BOX_VERSION &&
                                find_key(bytes + 1) != NULL));
        plain = NULL;
    }
    if (unescaped != NULL)
        PQfreemem(unescaped);
    return plain;
}
