/* parse.c: decoding of URLs, query strings, urlencoded and JSON bodies.
 * Pure functions over an arena, independent of libmicrohttpd, so they can be
 * unit-tested and fuzzed on their own. */
#include <arpa/inet.h>
#include <string.h>

#include "http/request.h"
#include "util/utf8.h"

bool ip_is_private(const char *ip)
{
    unsigned char a[16];
    if (ip == NULL)
        return false;
    if (inet_pton(AF_INET, ip, a) == 1)
        return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
               (a[0] == 100 && (a[1] & 0xc0) == 64);
    if (inet_pton(AF_INET6, ip, a) == 1)
        return (a[0] & 0xfe) == 0xfc;
    return false;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *url_decode(struct arena *a, const char *s, size_t n, bool plus, size_t *outlen)
{
    char *out = arena_alloc(a, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return NULL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return NULL;
            out[j++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus) {
            out[j++] = ' ';
        } else {
            out[j++] = c;
        }
    }
    out[j] = '\0';
    if (!utf8_valid_text(out, j))
        return NULL;
    if (outlen != NULL)
        *outlen = j;
    return out;
}

static bool key_repeatable(const char *key)
{
    size_t n = strlen(key);
    return n > 2 && key[n - 2] == '[' && key[n - 1] == ']';
}

int fields_add(struct arena *a, struct field **head, unsigned *count, const char *key,
               const char *value, size_t len, const char **why)
{
    if (*count >= REQ_MAX_FIELDS) {
        *why = "Too many fields in the request.";
        return 400;
    }
    struct field **tail = head;
    bool repeatable = key_repeatable(key);
    while (*tail != NULL) {
        if (!repeatable && strcmp((*tail)->key, key) == 0) {
            *why = "A field was sent more than once.";
            return 400;
        }
        tail = &(*tail)->next;
    }
    struct field *f = arena_alloc(a, sizeof(*f));
    f->key = key;
    f->value = value;
    f->len = len;
    *tail = f;
    (*count)++;
    return 0;
}

int parse_urlencoded(struct arena *a, const char *s, size_t n, struct field **head, unsigned *count,
                     const char **why)
{
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && s[end] != '&')
            end++;
        if (end > i) {
            size_t eq = i;
            while (eq < end && s[eq] != '=')
                eq++;
            size_t klen, vlen = 0;
            char *key = url_decode(a, s + i, eq - i, true, &klen);
            char *val = eq < end ? url_decode(a, s + eq + 1, end - eq - 1, true, &vlen)
                                 : arena_strdup(a, "");
            if (key == NULL || val == NULL) {
                *why = "The request contains text that is not valid UTF-8.";
                return 400;
            }
            if (klen == 0) {
                *why = "A field has no name.";
                return 400;
            }
            int st = fields_add(a, head, count, key, val, vlen, why);
            if (st != 0)
                return st;
        }
        i = end + 1;
    }
    return 0;
}

int json_body_to_fields(struct arena *a, json_t *obj, struct field **head, unsigned *count,
                        const char **why)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        size_t n = 1;
        json_t *arr = json_is_array(val) ? val : NULL;
        if (arr != NULL)
            n = json_array_size(arr);
        for (size_t i = 0; i < n; i++) {
            json_t *item = arr ? json_array_get(arr, i) : val;
            char *s;
            if (json_is_string(item))
                s = arena_strndup(a, json_string_value(item), json_string_length(item));
            else if (json_is_integer(item))
                s = arena_printf(a, "%lld", (long long)json_integer_value(item));
            else if (json_is_real(item))
                s = arena_printf(a, "%.17g", json_real_value(item));
            else if (json_is_boolean(item))
                s = arena_strdup(a, json_is_true(item) ? "true" : "false");
            else
                continue;
            const char *k = arr ? arena_printf(a, "%s[]", key) : key;
            int st = fields_add(a, head, count, k, s, strlen(s), why);
            if (st != 0)
                return st;
        }
    }
    return 0;
}
