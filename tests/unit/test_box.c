/* test_box.c: unit tests for encryption at rest (crypto/box.c): sealing and
 * opening, tampering, AAD binding, old keys and key ids, key loading from the
 * environment variables' values and from files, and the libpq helpers (on
 * results built with PQmakeEmptyPGresult, no database needed).
 *
 * Key files are written into a fresh directory under /tmp (removed by the
 * group teardown). Every test that loads keys ends with box_shutdown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "crypto/box.h"

/* Two keys made for these tests only. */
#define K1 "3f1c9a0be27d4865a1f0c3d2b4e5968778695a4b3c2d1e0f0a1b2c3d4e5f6071"
#define K2 "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc"
#define K3 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define AAD "entry:41:7:answers"

static char dir[64];

static int group_setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    strcpy(dir, "/tmp/test_box_XXXXXX");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int shutdown_box(void **state)
{
    (void)state;
    box_shutdown();
    return 0;
}

/* Writes text to dir/name with the given mode; returns the path (static). */
static const char *key_file(const char *name, const char *text, mode_t mode)
{
    static char path[4][128];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
    unlink(p);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    assert_int_equal(chmod(p, mode), 0);
    return p;
}

static struct config cfg_keys(const char *key, const char *key_file_path, const char *old,
                              const char *old_file)
{
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.data_key = key;
    cfg.data_key_file = key_file_path;
    cfg.data_keys_old = old;
    cfg.data_keys_old_file = old_file;
    return cfg;
}

static void init_ok(const char *key, const char *old)
{
    struct config cfg = cfg_keys(key, NULL, old, NULL);
    char err[512] = "";
    if (box_init(&cfg, err, sizeof(err)) != 0)
        fail_msg("box_init: %s", err);
}

/* The key id box.h promises: BLAKE2b-128(key, personal "interlude-keyid"),
 * first 4 bytes, in hex. */
static void expected_id(const char *hex, char out[9])
{
    unsigned char k[32], h[16];
    static const unsigned char personal[16] = "interlude-keyid";
    assert_int_equal(sodium_hex2bin(k, sizeof(k), hex, 64, NULL, NULL, NULL), 0);
    crypto_generichash_blake2b_salt_personal(h, sizeof(h), k, sizeof(k), NULL, 0, NULL, personal);
    sodium_bin2hex(out, 9, h, 4);
}

/* No 8-character run of key (either case) appears in err. */
static void assert_no_key(const char *err, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i + 8 <= n; i++) {
        char run[9];
        memcpy(run, key + i, 8);
        run[8] = '\0';
        if (strcasestr(err, run) != NULL)
            fail_msg("error message shows key material: %s", err);
    }
}

/* box_init must fail, with an error mentioning want, and no key text. */
static void init_fails(struct config cfg, const char *want, const char *const *keys)
{
    char err[512] = "";
    assert_int_equal(box_init(&cfg, err, sizeof(err)), -1);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" does not mention \"%s\"", err, want);
    assert_null(strchr(err, '\n'));
    for (; keys && *keys; keys++)
        assert_no_key(err, *keys);
    /* Nothing is loaded after a failure. */
    char id[9];
    box_key_id(id);
    assert_string_equal(id, "");
    unsigned char *c = (unsigned char *)"x";
    size_t clen = 1;
    assert_int_equal(box_seal("a", 1, AAD, &c, &clen), -1);
    assert_null(c);
}

static void seal_ok(const char *plain, size_t n, const char *aad, unsigned char **c, size_t *clen)
{
    assert_int_equal(box_seal(plain, n, aad, c, clen), 0);
    assert_non_null(*c);
    assert_int_equal(*clen, n + BOX_OVERHEAD);
}

static void round_trip(const char *plain, size_t n)
{
    unsigned char *c = NULL;
    size_t clen = 0;
    seal_ok(plain, n, AAD, &c, &clen);
    assert_int_equal(c[0], BOX_VERSION);
    if (n >= 16)
        assert_null(memmem(c, clen, plain, 16)); /* not stored in the clear */
    char *out = NULL;
    size_t outlen = 99;
    assert_int_equal(box_open(c, clen, AAD, &out, &outlen), 0);
    assert_int_equal(outlen, n);
    assert_memory_equal(out, plain, n);
    assert_int_equal(out[n], '\0');
    assert_true(box_is_current(c, clen));
    free(out);
    free(c);
}

/* ---- sealing and opening ---- */

static void test_round_trip_empty(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    round_trip("", 0);
    round_trip(NULL, 0);
}

static void test_round_trip_one_byte(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    round_trip("x", 1);
}

static void test_round_trip_one_mib(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    size_t n = 1024 * 1024;
    char *big = malloc(n);
    assert_non_null(big);
    randombytes_buf(big, n); /* NUL bytes included: lengths, not strlen */
    round_trip(big, n);
    free(big);
}

static void test_round_trip_utf8(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    const char *s = "Ich fühle mich sicher – 安心 – 🌙 «ça va»";
    round_trip(s, strlen(s));
}

static void test_nonces_differ(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    unsigned char *a = NULL, *b = NULL;
    size_t alen, blen;
    seal_ok("same text", 9, AAD, &a, &alen);
    seal_ok("same text", 9, AAD, &b, &blen);
    assert_memory_not_equal(a + BOX_HEADER_BYTES, b + BOX_HEADER_BYTES, BOX_NONCE_BYTES);
    assert_memory_not_equal(a + BOX_HEADER_BYTES + BOX_NONCE_BYTES,
                            b + BOX_HEADER_BYTES + BOX_NONCE_BYTES,
                            alen - BOX_HEADER_BYTES - BOX_NONCE_BYTES);
    free(a);
    free(b);
}

static void test_format_header(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    unsigned char *c = NULL;
    size_t clen;
    seal_ok("abc", 3, AAD, &c, &clen);
    char want[9], id[9], vid[9];
    expected_id(K1, want);
    box_key_id(id);
    assert_string_equal(id, want);
    box_value_key_id(c, clen, vid);
    assert_string_equal(vid, want);
    char hex[9];
    sodium_bin2hex(hex, sizeof(hex), c + 1, 4);
    assert_string_equal(hex, want);
    free(c);
}

/* Flips one bit at every offset of [from, to) in turn: never opens. */
static void tamper_region(size_t from, size_t to)
{
    const char *plain = "a reflection about a hard week";
    size_t n = strlen(plain);
    unsigned char *c = NULL;
    size_t clen;
    seal_ok(plain, n, AAD, &c, &clen);
    if (to > clen)
        to = clen;
    assert_true(from < to);
    for (size_t i = from; i < to; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            c[i] ^= (unsigned char)(1u << bit);
            char *out = (char *)"unchanged";
            size_t outlen = 7;
            assert_int_equal(box_open(c, clen, AAD, &out, &outlen), -1);
            assert_null(out);
            assert_int_equal(outlen, 0);
            c[i] ^= (unsigned char)(1u << bit);
        }
    }
    char *out = NULL;
    size_t outlen;
    assert_int_equal(box_open(c, clen, AAD, &out, &outlen), 0); /* restored */
    free(out);
    free(c);
}

static void test_tamper_version(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    tamper_region(0, 1);
}

static void test_tamper_key_id(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    tamper_region(1, BOX_HEADER_BYTES);
}

static void test_tamper_nonce(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    tamper_region(BOX_HEADER_BYTES, BOX_HEADER_BYTES + BOX_NONCE_BYTES);
}

static void test_tamper_ciphertext(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    size_t start = BOX_HEADER_BYTES + BOX_NONCE_BYTES;
    tamper_region(start, start + strlen("a reflection about a hard week"));
}

static void test_tamper_tag(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    size_t n = strlen("a reflection about a hard week");
    size_t start = BOX_HEADER_BYTES + BOX_NONCE_BYTES + n;
    tamper_region(start, start + BOX_TAG_BYTES);
}

static void test_truncated_or_extended_fails(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    unsigned char *c = NULL;
    size_t clen;
    seal_ok("hello there", 11, AAD, &c, &clen);
    char *out = NULL;
    size_t outlen;
    for (size_t n = 0; n < clen; n++)
        assert_int_equal(box_open(c, n, AAD, &out, &outlen), -1);
    unsigned char *longer = malloc(clen + 1);
    memcpy(longer, c, clen);
    longer[clen] = 0;
    assert_int_equal(box_open(longer, clen + 1, AAD, &out, &outlen), -1);
    assert_int_equal(box_open(NULL, clen, AAD, &out, &outlen), -1);
    assert_false(box_is_current(c, BOX_OVERHEAD - 1));
    assert_false(box_is_current(NULL, 0));
    free(longer);
    free(c);
}

static void test_wrong_aad_fails(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    unsigned char *c = NULL;
    size_t clen;
    seal_ok("moved to another row", 20, AAD, &c, &clen);
    char *out = NULL;
    size_t outlen;
    static const char *const others[] = {"entry:42:7:answers", "entry:41:8:answers",
                                         "entry:41:7:answer",  "entry:41:7:answers ",
                                         "comment:41:7:body",  "entry:41:7:answers\n"};
    for (size_t i = 0; i < sizeof(others) / sizeof(*others); i++)
        assert_int_equal(box_open(c, clen, others[i], &out, &outlen), -1);
    assert_int_equal(box_open(c, clen, "", &out, &outlen), -1);
    assert_int_equal(box_open(c, clen, NULL, &out, &outlen), -1);
    assert_int_equal(box_open(c, clen, AAD, &out, &outlen), 0);
    free(out);
    free(c);
}

static void test_seal_refuses_missing_aad(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    unsigned char *c = NULL;
    size_t clen = 5;
    assert_int_equal(box_seal("x", 1, NULL, &c, &clen), -1);
    assert_int_equal(box_seal("x", 1, "", &c, &clen), -1);
    assert_int_equal(box_seal(NULL, 1, AAD, &c, &clen), -1);
    assert_null(c);
    assert_int_equal(clen, 0);
}

static void test_nothing_loaded_fails(void **state)
{
    (void)state;
    box_shutdown();
    box_shutdown(); /* twice is harmless */
    unsigned char *c = NULL;
    size_t clen;
    assert_int_equal(box_seal("x", 1, AAD, &c, &clen), -1);
    assert_null(box_seal_hex("x", AAD));
    char id[9] = "zzzzzzzz";
    box_key_id(id);
    assert_string_equal(id, "");
}

/* ---- rotation: old keys and key ids ---- */

static void test_old_key_opens_after_rotation(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    unsigned char *c = NULL;
    size_t clen;
    seal_ok("written under K1", 16, AAD, &c, &clen);
    char id1[9];
    box_key_id(id1);

    init_ok(K2, K1); /* K2 current, K1 old */
    char id2[9];
    box_key_id(id2);
    assert_string_not_equal(id1, id2);
    assert_false(box_is_current(c, clen));
    char *out = NULL;
    size_t outlen;
    assert_int_equal(box_open(c, clen, AAD, &out, &outlen), 0);
    assert_string_equal(out, "written under K1");

    unsigned char *c2 = NULL;
    size_t c2len;
    seal_ok(out, outlen, AAD, &c2, &c2len); /* what rotate-key does */
    assert_true(box_is_current(c2, c2len));
    char vid[9];
    box_value_key_id(c2, c2len, vid);
    assert_string_equal(vid, id2);
    free(out);

    /* With K2 alone, the old value no longer opens; the new one does. */
    init_ok(K2, NULL);
    assert_int_equal(box_open(c, clen, AAD, &out, &outlen), -1);
    assert_int_equal(box_open(c2, c2len, AAD, &out, &outlen), 0);
    free(out);
    free(c);
    free(c2);
}

static void test_unknown_key_id_fails(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    unsigned char *c = NULL;
    size_t clen;
    seal_ok("under K1", 8, AAD, &c, &clen);
    init_ok(K2, K3);
    char *out = NULL;
    size_t outlen;
    assert_int_equal(box_open(c, clen, AAD, &out, &outlen), -1);
    assert_null(out);
    free(c);
}

static void test_old_keys_list_and_file(void **state)
{
    (void)state;
    unsigned char *c1 = NULL, *c3 = NULL;
    size_t c1len, c3len;
    init_ok(K1, NULL);
    seal_ok("one", 3, AAD, &c1, &c1len);
    init_ok(K3, NULL);
    seal_ok("three", 5, AAD, &c3, &c3len);

    char *out = NULL;
    size_t outlen;
    /* A comma-separated list, with blanks, and the current key repeated. */
    init_ok(K2, " " K1 " , " K2 "," K3);
    assert_int_equal(box_open(c1, c1len, AAD, &out, &outlen), 0);
    free(out);
    assert_int_equal(box_open(c3, c3len, AAD, &out, &outlen), 0);
    free(out);

    /* A file: comments, blank lines, CRLF. */
    const char *f = key_file("old.keys", "# retired 2024\n\n" K1 "\r\n  # another\n" K3, 0600);
    struct config cfg = cfg_keys(K2, NULL, NULL, f);
    char err[512] = "";
    if (box_init(&cfg, err, sizeof(err)) != 0)
        fail_msg("box_init: %s", err);
    assert_int_equal(box_open(c1, c1len, AAD, &out, &outlen), 0);
    free(out);
    assert_int_equal(box_open(c3, c3len, AAD, &out, &outlen), 0);
    free(out);
    free(c1);
    free(c3);
}

static void test_old_keys_refused(void **state)
{
    (void)state;
    const char *keys[] = {K1, K2, K3, NULL};
    init_fails(cfg_keys(K2, NULL, K1 ",", NULL), "INTERLUDE_DATA_KEYS_OLD (key 2)", keys);
    init_fails(cfg_keys(K2, NULL, K1 "," K3 "0", NULL), "INTERLUDE_DATA_KEYS_OLD (key 2)", keys);
    init_fails(cfg_keys(K2, NULL, K1 ";" K3, NULL), "INTERLUDE_DATA_KEYS_OLD (key 1)", keys);
    const char *f = key_file("old.keys", K1 "\nnot a key\n", 0600);
    init_fails(cfg_keys(K2, NULL, NULL, f), "line 2", keys);
    f = key_file("old.keys", K1 "\n", 0640);
    init_fails(cfg_keys(K2, NULL, NULL, f), "group or others", keys);
    init_fails(cfg_keys(K2, NULL, K1, f), "set only one of INTERLUDE_DATA_KEYS_OLD", keys);

    /* More than BOX_MAX_OLD_KEYS distinct keys. */
    char list[(BOX_MAX_OLD_KEYS + 1) * 66];
    list[0] = '\0';
    for (int i = 0; i <= BOX_MAX_OLD_KEYS; i++) {
        unsigned char k[32];
        char hex[65];
        randombytes_buf(k, sizeof(k));
        sodium_bin2hex(hex, sizeof(hex), k, sizeof(k));
        strcat(list, i ? "," : "");
        strcat(list, hex);
    }
    init_fails(cfg_keys(K2, NULL, list, NULL), "more than", keys);
}

/* ---- key loading ---- */

static void test_key_wrong_length(void **state)
{
    (void)state;
    const char *short_key = "3f1c9a0be27d4865a1f0c3d2b4e5968778695a4b3c2d1e0f0a1b2c3d4e5f607";
    const char *long_key = K1 "0";
    const char *keys[] = {short_key, long_key, NULL};
    init_fails(cfg_keys(short_key, NULL, NULL, NULL), "INTERLUDE_DATA_KEY must be 64 hex", keys);
    init_fails(cfg_keys(long_key, NULL, NULL, NULL), "INTERLUDE_DATA_KEY must be 64 hex", keys);
    init_fails(cfg_keys(K1 "\n", NULL, NULL, NULL), "INTERLUDE_DATA_KEY", keys);
}

static void test_key_not_hex(void **state)
{
    (void)state;
    const char *bad = "3f1c9a0be27d4865a1f0c3d2b4e5968778695a4b3c2d1e0f0a1b2c3d4e5f607g";
    const char *spaced = "3f1c9a0be27d4865a1f0c3d2b4e59687 8695a4b3c2d1e0f0a1b2c3d4e5f6071";
    const char *keys[] = {bad, spaced, NULL};
    init_fails(cfg_keys(bad, NULL, NULL, NULL), "not one", keys);
    init_fails(cfg_keys(spaced, NULL, NULL, NULL), "not one", keys);
    /* Upper case hex is hex. */
    init_ok("3F1C9A0BE27D4865A1F0C3D2B4E5968778695A4B3C2D1E0F0A1B2C3D4E5F6071", NULL);
    char id[9], want[9];
    box_key_id(id);
    expected_id(K1, want);
    assert_string_equal(id, want);
}

static void test_key_both_or_neither(void **state)
{
    (void)state;
    const char *f = key_file("data.key", K2 "\n", 0600);
    const char *keys[] = {K1, K2, NULL};
    init_fails(cfg_keys(K1, f, NULL, NULL), "set only one of INTERLUDE_DATA_KEY and", keys);
    init_fails(cfg_keys(NULL, NULL, NULL, NULL), "INTERLUDE_DATA_KEY", keys);
    init_fails(cfg_keys("", "", NULL, NULL), "INTERLUDE_DATA_KEY_FILE", keys);
    init_fails(cfg_keys(NULL, NULL, K1, NULL), "no data key", keys);
}

static void test_key_file_mode_644_refused(void **state)
{
    (void)state;
    const char *keys[] = {K1, NULL};
    const char *f = key_file("data.key", K1 "\n", 0644);
    init_fails(cfg_keys(NULL, f, NULL, NULL), "group or others (mode 644)", keys);
    f = key_file("data.key", K1 "\n", 0604);
    init_fails(cfg_keys(NULL, f, NULL, NULL), "chmod 600", keys);
    f = key_file("data.key", K1 "\n", 0620);
    init_fails(cfg_keys(NULL, f, NULL, NULL), "INTERLUDE_DATA_KEY_FILE", keys);
}

static void test_key_file_accepted(void **state)
{
    (void)state;
    char want[9], id[9];
    expected_id(K1, want);
    static const char *const texts[] = {K1 "\n", K1, K1 "\r\n"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
        const char *f = key_file("data.key", texts[i], i == 1 ? 0400 : 0600);
        struct config cfg = cfg_keys(NULL, f, NULL, NULL);
        char err[512] = "";
        if (box_init(&cfg, err, sizeof(err)) != 0)
            fail_msg("box_init (%zu): %s", i, err);
        box_key_id(id);
        assert_string_equal(id, want);
    }
}

static void test_key_file_bad_content(void **state)
{
    (void)state;
    const char *keys[] = {K1, NULL};
    const char *f = key_file("data.key", "", 0600);
    init_fails(cfg_keys(NULL, f, NULL, NULL), "not 0 characters", keys);
    f = key_file("data.key", K1 "\n\n", 0600);
    init_fails(cfg_keys(NULL, f, NULL, NULL), "must be 64 hex", keys);
    f = key_file("data.key", " " K1 "\n", 0600);
    init_fails(cfg_keys(NULL, f, NULL, NULL), "must be 64 hex", keys);
    f = key_file("data.key", K1 K1 K1 "\n", 0600);
    init_fails(cfg_keys(NULL, f, NULL, NULL), "larger than", keys);
    char missing[128];
    snprintf(missing, sizeof(missing), "%s/none.key", dir);
    init_fails(cfg_keys(NULL, missing, NULL, NULL), "INTERLUDE_DATA_KEY_FILE: cannot open", keys);
    init_fails(cfg_keys(NULL, dir, NULL, NULL), "not a regular file", keys);
    char fifo[128];
    snprintf(fifo, sizeof(fifo), "%s/fifo.key", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    init_fails(cfg_keys(NULL, fifo, NULL, NULL), "not a regular file", keys); /* no hang */
}

/* ---- libpq helpers ---- */

/* A one-row, one-column result holding value (text format) or SQL NULL. */
static PGresult *result_with(const char *value)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    assert_non_null(res);
    PGresAttDesc att = {.name = (char *)"answers_enc",
                        .typid = 17 /* bytea */,
                        .typlen = -1,
                        .atttypmod = -1,
                        .format = 0};
    assert_true(PQsetResultAttrs(res, 1, &att));
    assert_true(PQsetvalue(res, 0, 0, (char *)value, value ? (int)strlen(value) : -1));
    return res;
}

/* Runs fn with stderr sent to a file; returns what was written (static). */
static const char *capture_stderr(char *(*fn)(PGresult *, const char *), PGresult *res,
                                  const char *aad, char **ret)
{
    static char text[4096];
    char path[128];
    snprintf(path, sizeof(path), "%s/stderr.txt", dir);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    *ret = fn(res, aad);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(path, "r");
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static char *open_pq_0(PGresult *res, const char *aad)
{
    return box_open_pq(res, 0, 0, aad);
}

static void test_seal_hex_and_open_pq(void **state)
{
    (void)state;
    init_ok(K1, NULL);
    const char *plain = "I felt ashamed after the argument";
    char *lit = box_seal_hex(plain, AAD);
    assert_non_null(lit);
    assert_memory_equal(lit, "\\x01", 4);
    assert_int_equal(strlen(lit), 2 + 2 * (strlen(plain) + BOX_OVERHEAD));
    assert_null(strstr(lit, "ashamed"));

    PGresult *res = result_with(lit);
    char *out = box_open_pq(res, 0, 0, AAD);
    assert_non_null(out);
    assert_string_equal(out, plain);
    free(out);
    assert_null(box_open_pq(res, 1, 0, AAD)); /* out of range */
    assert_null(box_open_pq(res, 0, 1, AAD));

    /* Another row's AAD: NULL and one warning with the key id, no content. */
    char *ret = (char *)"unset";
    const char *log = capture_stderr(open_pq_0, res, "entry:99:7:answers", &ret);
    assert_null(ret);
    char id[9];
    box_key_id(id);
    assert_non_null(strstr(log, id));
    assert_null(strstr(log, "ashamed"));
    assert_null(strstr(log, "entry:"));
    assert_int_equal(strchr(log, '\n') - log + 1, (long)strlen(log)); /* one line */
    PQclear(res);

    /* A tampered literal. */
    lit[strlen(lit) - 1] = lit[strlen(lit) - 1] == '0' ? '1' : '0';
    res = result_with(lit);
    log = capture_stderr(open_pq_0, res, AAD, &ret);
    assert_null(ret);
    assert_null(strstr(log, "ashamed"));
    PQclear(res);
    free(lit);

    /* SQL NULL: NULL without a log line. */
    res = result_with(NULL);
    log = capture_stderr(open_pq_0, res, AAD, &ret);
    assert_null(ret);
    assert_string_equal(log, "");
    PQclear(res);
}

#define T(f) cmocka_unit_test_teardown(f, shutdown_box)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_round_trip_empty),
        T(test_round_trip_one_byte),
        T(test_round_trip_one_mib),
        T(test_round_trip_utf8),
        T(test_nonces_differ),
        T(test_format_header),
        T(test_tamper_version),
        T(test_tamper_key_id),
        T(test_tamper_nonce),
        T(test_tamper_ciphertext),
        T(test_tamper_tag),
        T(test_truncated_or_extended_fails),
        T(test_wrong_aad_fails),
        T(test_seal_refuses_missing_aad),
        T(test_nothing_loaded_fails),
        T(test_old_key_opens_after_rotation),
        T(test_unknown_key_id_fails),
        T(test_old_keys_list_and_file),
        T(test_old_keys_refused),
        T(test_key_wrong_length),
        T(test_key_not_hex),
        T(test_key_both_or_neither),
        T(test_key_file_mode_644_refused),
        T(test_key_file_accepted),
        T(test_key_file_bad_content),
        T(test_seal_hex_and_open_pq),
    };
    return cmocka_run_group_tests_name("box", tests, group_setup, group_teardown);
}
