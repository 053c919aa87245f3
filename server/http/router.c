/* router.c: matching a request path against the table of routes. */
#include "http/router.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const method_names[HTTP_METHOD__MAX] = {
    [HTTP_GET] = "GET",         [HTTP_HEAD] = "HEAD",   [HTTP_POST] = "POST",
    [HTTP_PUT] = "PUT",         [HTTP_PATCH] = "PATCH", [HTTP_DELETE] = "DELETE",
    [HTTP_OPTIONS] = "OPTIONS",
};

const char *http_method_name(enum http_method m)
{
    return m < HTTP_METHOD__MAX ? method_names[m] : "OTHER";
}

enum http_method http_method_parse(const char *s)
{
    for (int i = 0; i < HTTP_METHOD__MAX; i++)
        if (strcmp(s, method_names[i]) == 0)
            return (enum http_method)i;
    return HTTP_METHOD__MAX;
}

enum param_type { PARAM_NONE, PARAM_ID, PARAM_TOKEN, PARAM_SLUG };

/* The parameter a pattern segment seg[0..n) names: "{id}", "{token}" or
 * "{slug}", alone or followed by a literal suffix ("{token}.ics"), whose
 * length goes to *suffix. */
static enum param_type param_type(const char *seg, size_t n, size_t *suffix)
{
    static const struct {
        const char *name;
        enum param_type type;
    } names[] = {{"{id}", PARAM_ID}, {"{token}", PARAM_TOKEN}, {"{slug}", PARAM_SLUG}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t len = strlen(names[i].name);
        if (n >= len && memcmp(seg, names[i].name, len) == 0 &&
            memchr(seg + len, '{', n - len) == NULL && memchr(seg + len, '}', n - len) == NULL) {
            *suffix = n - len;
            return names[i].type;
        }
    }
    *suffix = 0;
    return PARAM_NONE;
}

static int valid_param(enum param_type t, const char *s, size_t n, long long *id)
{
    switch (t) {
    case PARAM_ID: {
        if (n == 0 || n > 18 || s[0] == '0')
            return 0;
        long long v = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return 0;
            v = v * 10 + (s[i] - '0');
        }
        *id = v;
        return 1;
    }
    case PARAM_TOKEN:
        if (n == 0 || n > 128)
            return 0;
        for (size_t i = 0; i < n; i++) {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-'))
                return 0;
        }
        return 1;
    case PARAM_SLUG:
        if (n == 0 || n > 100)
            return 0;
        for (size_t i = 0; i < n; i++) {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return 0;
        }
        return 1;
    case PARAM_NONE:
        break;
    }
    return 0;
}

/* Matches path against pattern; fills params when req is non-NULL. */
static int match(const char *pattern, const char *path, struct request *req)
{
    int np = 0;
    const char *p = pattern, *s = path;
    for (;;) {
        if (*p != '/' || *s != '/')
            return *p == '\0' && *s == '\0';
        p++;
        s++;
        size_t pn = strcspn(p, "/"), sn = strcspn(s, "/"), suffix = 0;
        enum param_type t = param_type(p, pn, &suffix);
        if (t == PARAM_NONE) {
            if (pn != sn || memcmp(p, s, pn) != 0)
                return 0;
        } else {
            long long id = 0;
            /* The value is the segment less the pattern's literal suffix. */
            if (sn < suffix || memcmp(s + sn - suffix, p + pn - suffix, suffix) != 0)
                return 0;
            size_t vn = sn - suffix;
            if (np >= REQ_MAX_PARAMS || !valid_param(t, s, vn, &id))
                return 0;
            if (req != NULL) {
                req->params[np] = arena_strndup(&req->arena, s, vn);
                req->ids[np] = id;
            }
            np++;
        }
        p += pn;
        s += sn;
    }
}

enum route_result router_match(const struct route *table, size_t n, struct request *req,
                               char *allow, size_t allowlen)
{
    enum http_method want = req->method == HTTP_HEAD ? HTTP_GET : req->method;
    unsigned allowed = 0;
    for (size_t i = 0; i < n; i++) {
        const struct route *r = &table[i];
        if (req->api && (r->flags & ROUTE_NO_API))
            continue;
        if (!match(r->pattern, req->path, NULL))
            continue;
        if (r->method == want) {
            match(r->pattern, req->path, req);
            req->route = r;
            return ROUTE_FOUND;
        }
        allowed |= 1u << r->method;
    }
    if (allowed == 0)
        return ROUTE_NOT_FOUND;
    if (allowed & (1u << HTTP_GET))
        allowed |= 1u << HTTP_HEAD;
    size_t used = 0;
    allow[0] = '\0';
    for (int m = 0; m < HTTP_METHOD__MAX; m++) {
        if (!(allowed & (1u << m)))
            continue;
        int w = snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", method_names[m]);
        if (w < 0 || (size_t)w >= allowlen - used)
            break;
        used += (size_t)w;
    }
    return ROUTE_METHOD_NOT_ALLOWED;
}

int router_check(const struct route *table, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const struct route *r = &table[i];
        if (r->pattern == NULL || r->handler == NULL || r->pattern[0] != '/' ||
            r->method >= HTTP_METHOD__MAX || r->method == HTTP_HEAD) {
            snprintf(err, errlen, "route %zu is malformed", i);
            return -1;
        }
        /* An inline route runs on an HTTP event thread, where a database
         * wait would stall every connection of that thread. */
        if ((r->flags & ROUTE_INLINE) &&
            (!(r->flags & ROUTE_NO_SESSION) || (r->flags & (ROUTE_HEAVY | ROUTE_PROBE)))) {
            snprintf(err, errlen, "route %s is inline but needs a session or a pool", r->pattern);
            return -1;
        }
        /* Tokens are accepted under /api/v1 only, and resolved with the
         * session: a token route needs both. */
        if ((r->flags & ROUTE_TOKEN) && (r->flags & (ROUTE_NO_API | ROUTE_NO_SESSION))) {
            snprintf(err, errlen, "route %s takes tokens but has no API twin or session",
                     r->pattern);
            return -1;
        }
        int nparams = 0;
        for (const char *p = r->pattern; *p;) {
            p++;
            size_t pn = strcspn(p, "/"), suffix = 0;
            enum param_type t = param_type(p, pn, &suffix);
            if (memchr(p, '{', pn) != NULL && t == PARAM_NONE) {
                snprintf(err, errlen, "route %s has an unknown parameter type", r->pattern);
                return -1;
            }
            /* match() stops at REQ_MAX_PARAMS: such a route could never match */
            if (t != PARAM_NONE && ++nparams > REQ_MAX_PARAMS) {
                snprintf(err, errlen, "route %s has more than %d parameters", r->pattern,
                         REQ_MAX_PARAMS);
                return -1;
            }
            p += pn;
        }
        for (size_t j = 0; j < i; j++)
            if (table[j].method == r->method && strcmp(table[j].pattern, r->pattern) == 0) {
                snprintf(err, errlen, "route %s %s is declared twice", method_names[r->method],
                         r->pattern);
                return -1;
            }
    }
    return 0;
}
