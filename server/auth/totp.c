/* totp.c: two-step sign-in codes (RFC 6238, by liboath), their QR code (by
 * libqrencode) and the single-use recovery codes. */
#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "util/buf.h"

#define TOTP_STEP 30
#define TOTP_SKEW 1 /* steps accepted either side of now */

int totp_init(void)
{
    return oath_init() == OATH_OK ? 0 : -1;
}

void totp_new_secret(char out[TOTP_SECRET_B32_LEN + 1])
{
    unsigned char raw[20];
    char *b32 = NULL;
    size_t n = 0;
    randombytes_buf(raw, sizeof(raw));
    out[0] = '\0';
    if (oath_base32_encode((const char *)raw, sizeof(raw), &b32, &n) == OATH_OK &&
        n == TOTP_SECRET_B32_LEN) {
        memcpy(out, b32, n);
        out[n] = '\0';
    }
    sodium_memzero(raw, sizeof(raw));
    if (b32 != NULL) {
        sodium_memzero(b32, n);
        free(b32);
    }
}

static bool six_digits(const char *code)
{
    if (code == NULL || strlen(code) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        if (code[i] < '0' || code[i] > '9')
            return false;
    return true;
}

int totp_check(const char *secret_b32, const char *code, long long last_step, long long *step)
{
    char *raw = NULL;
    size_t rawlen = 0;
    int rc = 0;
    if (!six_digits(code))
        return 0;
    if (oath_base32_decode(secret_b32, strlen(secret_b32), &raw, &rawlen) != OATH_OK)
        return -1;
    int pos = 0;
    uint64_t counter = 0;
    int r =
        oath_totp_validate3(raw, rawlen, time(NULL), TOTP_STEP, 0, TOTP_SKEW, &pos, &counter, code);
    if (r >= 0 && (long long)counter > last_step) {
        *step = (long long)counter;
        rc = 1;
    }
    sodium_memzero(raw, rawlen);
    free(raw);
    return rc;
}

/* Percent-encodes s for a URI (unreserved characters kept). */
static void uri_escape(struct buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~')
            buf_putc(b, (char)*p);
        else
            buf_printf(b, "%%%02X", *p);
    }
}

const char *totp_uri(struct arena *a, const char *secret_b32, const char *email)
{
    struct buf b = {0};
    buf_puts(&b, "otpauth://totp/Interlude:");
    uri_escape(&b, email);
    buf_puts(&b, "?secret=");
    buf_puts(&b, secret_b32);
    buf_puts(&b, "&issuer=Interlude&algorithm=SHA1&digits=6&period=30");
    const char *out = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return out;
}

const char *totp_qr_path(struct arena *a, const char *text, int *size)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == NULL)
        return NULL;
    struct buf b = {0};
    int w = qr->width;
    for (int y = 0; y < w; y++) {
        for (int x = 0; x < w; x++) {
            if (!(qr->data[y * w + x] & 1))
                continue;
            /* A run of dark modules on the row is one rectangle. */
            int run = 1;
            while (x + run < w && (qr->data[y * w + x + run] & 1))
                run++;
            buf_printf(&b, "M%d %dh%dv1h-%dz", x, y, run, run);
            x += run - 1;
        }
    }
    *size = w;
    QRcode_free(qr);
    const char *out = arena_strndup(a, b.data != NULL ? b.data : "", b.len);
    buf_free(&b);
    return out;
}

/* Letters and digits that cannot be mistaken for one another. */
static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";

void recovery_code_new(char out[RECOVERY_CODE_LEN + 1])
{
    size_t n = sizeof(alphabet) - 1;
    for (int i = 0; i < RECOVERY_CODE_LEN; i++) {
        if (i == 5) {
            out[i] = '-';
            continue;
        }
        out[i] = alphabet[randombytes_uniform((uint32_t)n)];
    }
    out[RECOVERY_CODE_LEN] = '\0';
}

bool recovery_code_hash(const char *typed, char out[67])
{
    char norm[RECOVERY_CODE_LEN + 1];
    size_t n = 0;
    if (typed == NULL || strlen(typed) > 40)
        return false;
    for (const char *p = typed; *p; p++) {
        char c = *p;
        if (c == '-' || c == ' ')
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (strchr(alphabet, c) == NULL || c == '\0' || n >= 10)
            return false;
        norm[n++] = c;
    }
    if (n != 10)
        return false;
    /* Stored as "xxxxx-xxxxx", the form it was shown in. */
    char shown[RECOVERY_CODE_LEN + 1];
    memcpy(shown, norm, 5);
    shown[5] = '-';
    memcpy(shown + 6, norm + 5, 5);
    shown[RECOVERY_CODE_LEN] = '\0';
    token_hash_param(shown, out);
    sodium_memzero(shown, sizeof(shown));
    sodium_memzero(norm, sizeof(norm));
    return true;
}
