/* device.c: device cookies, so that strangers failing to sign in from the
 * same address cannot lock out the people who use it (see auth.h). */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "crypto/box.h"

#define MAC_BYTES 16
#define MAC_HEX ((size_t)2 * MAC_BYTES)

const char *device_cookie_name(void)
{
    return config_current != NULL && config_current->https ? "__Host-interlude-device"
                                                           : "interlude-device";
}

/* BLAKE2b-128 keyed with the "ildevice" subkey over "device|email|t",
 * email in ASCII lower case. */
static bool mac_of(const char *email, long long t, unsigned char mac[MAC_BYTES])
{
    unsigned char key[32];
    if (email == NULL || box_subkey("ildevice", key) != 0)
        return false;
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, sizeof(key), MAC_BYTES);
    sodium_memzero(key, sizeof(key));
    crypto_generichash_update(&st, (const unsigned char *)"device|", 7);
    for (const char *p = email; *p; p++) {
        unsigned char c = (unsigned char)tolower((unsigned char)*p);
        crypto_generichash_update(&st, &c, 1);
    }
    char ts[24];
    int n = snprintf(ts, sizeof(ts), "|%lld", t);
    crypto_generichash_update(&st, (const unsigned char *)ts, (size_t)n);
    crypto_generichash_final(&st, mac, MAC_BYTES);
    return true;
}

bool device_value(const char *email, long long t, char *out, size_t outlen)
{
    unsigned char mac[MAC_BYTES];
    char hex[2 * MAC_BYTES + 1];
    if (outlen < DEVICE_VALUE_MAX || !mac_of(email, t, mac))
        return false;
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    snprintf(out, outlen, "%lld.%s", t, hex);
    return true;
}

bool device_value_valid(const char *value, const char *email, long long now)
{
    if (value == NULL || email == NULL || *email == '\0')
        return false;
    const char *dot = strchr(value, '.');
    if (dot == NULL || dot == value || dot - value > 12 || strlen(dot + 1) != MAC_HEX)
        return false;
    long long t = 0;
    for (const char *p = value; p < dot; p++) {
        if (*p < '0' || *p > '9')
            return false;
        t = t * 10 + (*p - '0');
    }
    /* Not from the future (a few minutes of clock skew between nodes), not
     * older than its lifetime. */
    if (t > now + 300 || now - t > (long long)DEVICE_COOKIE_DAYS * 86400)
        return false;
    unsigned char got[MAC_BYTES], want[MAC_BYTES];
    size_t len = 0;
    if (sodium_hex2bin(got, sizeof(got), dot + 1, MAC_HEX, NULL, &len, NULL) != 0 ||
        len != MAC_BYTES || !mac_of(email, t, want))
        return false;
    return sodium_memcmp(got, want, MAC_BYTES) == 0;
}

void device_remember(struct request *req, const char *email)
{
    char value[DEVICE_VALUE_MAX];
    if (!device_value(email, (long long)time(NULL), value, sizeof(value)))
        return;
    bool https = config_current != NULL && config_current->https;
    req->set_cookie2 = arena_printf(
        &req->arena, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", device_cookie_name(),
        value, DEVICE_COOKIE_DAYS * 86400, https ? "; Secure" : "");
}

bool device_known(const struct request *req, const char *email)
{
    return device_value_valid(req_cookie(req, device_cookie_name()), email, (long long)time(NULL));
}
