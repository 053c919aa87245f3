/* fuzz_urlencoded.c: libFuzzer harness for parse_urlencoded and url_decode
 * (server/http/parse.c) on arbitrary bytes: what decodes every request path
 * (plus=false), query string and urlencoded body.
 *
 * Invariants: url_decode (with and without '+' as space) agrees with an
 * independent reference decoder, and what it returns is valid UTF-8 without
 * NUL; parse_urlencoded answers 0 or 400 with a reason, never produces more
 * than REQ_MAX_FIELDS fields, every key is non-empty valid UTF-8, every value
 * is valid UTF-8 without NUL of exactly its stated length, and no key occurs
 * twice unless it ends in "[]". */
#include <stdbool.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "http/request.h"
#include "util/utf8.h"

static int urlenc_hex(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (uint8_t)(c | 0x20);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into out (n + 1 bytes); returns the length, or -1
 * for a '%' not followed by two hex digits. No UTF-8 check. */
static long urlenc_ref_decode(const uint8_t *s, size_t n, bool plus, char *out)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (n - i < 3 || urlenc_hex(s[i + 1]) < 0 || urlenc_hex(s[i + 2]) < 0)
                return -1;
            out[j++] = (char)(urlenc_hex(s[i + 1]) << 4 | urlenc_hex(s[i + 2]));
            i += 2;
        } else {
            out[j++] = plus && s[i] == '+' ? ' ' : (char)s[i];
        }
    }
    return (long)j;
}

static void urlenc_check_decode(struct arena *a, const uint8_t *data, size_t size, bool plus)
{
    char *ref = malloc(size + 1);
    FUZZ_CHECK(ref != NULL);
    long rn = urlenc_ref_decode(data, size, plus, ref);
    bool ref_ok = rn >= 0 && utf8_valid_text(ref, (size_t)rn);

    size_t outlen = 0;
    char *got = url_decode(a, (const char *)data, size, plus, &outlen);
    FUZZ_CHECK((got != NULL) == ref_ok);
    if (got != NULL) {
        FUZZ_CHECK(outlen == (size_t)rn);
        FUZZ_CHECK(memcmp(got, ref, outlen) == 0);
        FUZZ_CHECK(got[outlen] == '\0');
        FUZZ_CHECK(utf8_valid_text(got, outlen));
        FUZZ_CHECK(outlen <= size);
    }
    free(ref);
}

static bool urlenc_repeatable(const char *key)
{
    size_t n = strlen(key);
    return n > 2 && key[n - 2] == '[' && key[n - 1] == ']';
}

/* The number of non-empty pieces between '&'s: the fields a successful
 * parse must produce. */
static unsigned urlenc_pieces(const uint8_t *s, size_t n)
{
    unsigned count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '&') {
            count += i > start;
            start = i + 1;
        }
    }
    return count;
}

static void urlenc_check_fields(const struct field *head, unsigned count)
{
    unsigned seen = 0;
    for (const struct field *f = head; f != NULL; f = f->next) {
        seen++;
        FUZZ_CHECK(f->key != NULL && f->value != NULL);
        FUZZ_CHECK(f->key[0] != '\0');
        FUZZ_CHECK(utf8_valid_text(f->key, strlen(f->key)));
        FUZZ_CHECK(utf8_valid_text(f->value, f->len));
        FUZZ_CHECK(strlen(f->value) == f->len);
        if (!urlenc_repeatable(f->key))
            for (const struct field *g = head; g != f; g = g->next)
                FUZZ_CHECK(strcmp(g->key, f->key) != 0);
    }
    FUZZ_CHECK(seen == count);
    FUZZ_CHECK(count <= REQ_MAX_FIELDS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a = {0};

    urlenc_check_decode(&a, data, size, true);
    urlenc_check_decode(&a, data, size, false);

    struct field *head = NULL;
    unsigned count = 0;
    const char *why = NULL;
    int st = parse_urlencoded(&a, (const char *)data, size, &head, &count, &why);
    FUZZ_CHECK(st == 0 || (st == 400 && why != NULL && why[0] != '\0'));
    urlenc_check_fields(head, count);
    if (st == 0)
        FUZZ_CHECK(count == urlenc_pieces(data, size));

    arena_free(&a);
    return 0;
}
