/* fuzz_router.c: libFuzzer harness for router_match and router_check
 * (server/http/router.c).
 *
 * Input: byte 0 picks the method (7 means one the server does not know),
 * byte 1 the /api/v1 flag (bit 0) and the size of the Allow buffer (1-128),
 * byte 2 the mode; the rest is text. In table mode (bit 0 of byte 2) the
 * first line of the text is the path and each further line a route pattern
 * (at most 16), checked with router_check and, when accepted, matched.
 * Otherwise the text is the path, matched against a fixed table and against
 * the app's real table (app_routes, whose router_check runs once at start).
 *
 * Invariants: the result agrees with an independent reference matcher
 * (first route, in table order, whose pattern matches and whose method is
 * the one asked for, HEAD served by GET; routes flagged ROUTE_NO_API are
 * invisible under /api/v1); on a match the parameters, put back into the
 * pattern, give the path again, each has its type's syntax and {id}'s
 * number is its value; the Allow value fits its buffer and names exactly
 * the methods that exist for the path. */
#include <stdbool.h>
#include <string.h>

#include "app/app.h"
#include "fuzz/fuzz.h"
#include "http/router.h"

static void router_h(struct request *req)
{
    (void)req;
}

static const struct route router_fixed[] = {
    {.method = HTTP_GET, .pattern = "/", .handler = router_h},
    {.method = HTTP_GET, .pattern = "/healthz", .handler = router_h, .flags = ROUTE_NO_API},
    {.method = HTTP_GET, .pattern = "/login", .handler = router_h},
    {.method = HTTP_POST, .pattern = "/login", .handler = router_h},
    {.method = HTTP_GET, .pattern = "/clients/{id}", .handler = router_h},
    {.method = HTTP_DELETE, .pattern = "/clients/{id}", .handler = router_h},
    {.method = HTTP_PUT, .pattern = "/clients/{id}/notes/{id}", .handler = router_h},
    {.method = HTTP_GET, .pattern = "/setup/{token}", .handler = router_h},
    {.method = HTTP_POST, .pattern = "/setup/{token}", .handler = router_h},
    {.method = HTTP_GET, .pattern = "/library/{slug}", .handler = router_h},
    {.method = HTTP_PATCH, .pattern = "/library/{slug}/{id}", .handler = router_h},
    {.method = HTTP_OPTIONS, .pattern = "/a/{id}/{token}/{slug}/{id}", .handler = router_h},
    {.method = HTTP_GET, .pattern = "/c//d/", .handler = router_h},
    {.method = HTTP_GET, .pattern = "/library/new", .handler = router_h},
    {.method = HTTP_POST, .pattern = "/library/{slug}", .handler = router_h, .flags = ROUTE_NO_API},
};

enum router_param { RP_NONE, RP_ID, RP_TOKEN, RP_SLUG };

/* A parameter segment is "{id}", "{token}" or "{slug}", alone or followed
 * by a literal suffix without braces ("{token}.ics"), whose length goes to
 * *suffix. */
static enum router_param router_ref_type(const char *seg, size_t n, size_t *suffix)
{
    static const char *const names[] = {"{id}", "{token}", "{slug}"};
    static const enum router_param types[] = {RP_ID, RP_TOKEN, RP_SLUG};
    *suffix = 0;
    for (size_t i = 0; i < 3; i++) {
        size_t len = strlen(names[i]);
        if (n < len || memcmp(seg, names[i], len) != 0)
            continue;
        for (size_t k = len; k < n; k++)
            if (seg[k] == '{' || seg[k] == '}')
                return RP_NONE;
        *suffix = n - len;
        return types[i];
    }
    return RP_NONE;
}

static bool router_ref_valid(enum router_param t, const char *s, size_t n)
{
    size_t max = t == RP_ID ? 18 : t == RP_TOKEN ? 128 : 100;
    if (n == 0 || n > max || (t == RP_ID && s[0] == '0'))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool digit = c >= '0' && c <= '9', lower = c >= 'a' && c <= 'z';
        bool upper = c >= 'A' && c <= 'Z';
        bool ok = t == RP_ID      ? digit
                  : t == RP_TOKEN ? digit || lower || upper || c == '_' || c == '-'
                                  : digit || lower || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

/* The length of the segment at s (up to '/' or the end). */
static size_t router_seglen(const char *s)
{
    const char *slash = strchr(s, '/');
    return slash != NULL ? (size_t)(slash - s) : strlen(s);
}

/* Reference matcher: both begin with '/'; the segments after each '/' are
 * compared one by one; at most REQ_MAX_PARAMS parameters. */
static bool router_ref_match(const char *pattern, const char *path)
{
    int params = 0;
    if (pattern[0] != '/' || path[0] != '/')
        return false;
    const char *p = pattern + 1, *s = path + 1;
    for (;;) {
        size_t pn = router_seglen(p), sn = router_seglen(s), suffix = 0;
        enum router_param t = router_ref_type(p, pn, &suffix);
        if (t == RP_NONE) {
            if (pn != sn || memcmp(p, s, pn) != 0)
                return false;
        } else if (++params > REQ_MAX_PARAMS || sn < suffix ||
                   memcmp(s + sn - suffix, p + pn - suffix, suffix) != 0 ||
                   !router_ref_valid(t, s, sn - suffix)) {
            return false;
        }
        bool pend = p[pn] == '\0', send = s[sn] == '\0';
        if (pend || send)
            return pend && send;
        p += pn + 1;
        s += sn + 1;
    }
}

/* After ROUTE_FOUND: put the parameters back into the pattern and compare. */
static void router_check_params(const struct request *req)
{
    const char *p = req->route->pattern;
    char rebuilt[8192];
    size_t used = 0;
    int k = 0;
    while (*p == '/') {
        p++;
        size_t pn = router_seglen(p), suffix = 0;
        enum router_param t = router_ref_type(p, pn, &suffix);
        const char *seg = p;
        size_t sn = pn;
        if (t != RP_NONE) {
            FUZZ_CHECK(k < REQ_MAX_PARAMS);
            seg = req->params[k];
            FUZZ_CHECK(seg != NULL);
            sn = strlen(seg);
            FUZZ_CHECK(router_ref_valid(t, seg, sn));
            if (t == RP_ID)
                FUZZ_CHECK(req->ids[k] == strtoll(seg, NULL, 10) && req->ids[k] > 0);
            k++;
        }
        FUZZ_CHECK(used + 1 + sn + suffix < sizeof(rebuilt));
        rebuilt[used++] = '/';
        memcpy(rebuilt + used, seg, sn);
        used += sn;
        if (t != RP_NONE) { /* the pattern's literal suffix after the value */
            memcpy(rebuilt + used, p + pn - suffix, suffix);
            used += suffix;
        }
        p += pn;
    }
    rebuilt[used] = '\0';
    FUZZ_CHECK(strcmp(rebuilt, req->path) == 0);
}

/* Runs router_match(table) for method and path and checks it against the
 * reference matcher. */
static void router_run(const struct route *table, size_t n, enum http_method method, bool api,
                       const char *path, size_t allowlen)
{
    struct request req;
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.api = api;
    req.path = path;
    char allow[128];
    memset(allow, 'x', sizeof(allow));

    enum route_result rr = router_match(table, n, &req, allow, allowlen);

    enum http_method want = method == HTTP_HEAD ? HTTP_GET : method;
    const struct route *first = NULL;
    unsigned methods = 0;
    for (size_t i = 0; i < n; i++) {
        if ((api && (table[i].flags & ROUTE_NO_API)) || !router_ref_match(table[i].pattern, path))
            continue;
        if (table[i].method == want && first == NULL)
            first = &table[i];
        methods |= 1u << table[i].method;
    }
    switch (rr) {
    case ROUTE_FOUND:
        FUZZ_CHECK(first != NULL && req.route == first);
        router_check_params(&req);
        break;
    case ROUTE_NOT_FOUND:
        FUZZ_CHECK(methods == 0);
        break;
    case ROUTE_METHOD_NOT_ALLOWED: {
        FUZZ_CHECK(first == NULL && methods != 0);
        FUZZ_CHECK(memchr(allow, '\0', allowlen) != NULL);
        if (methods & (1u << HTTP_GET))
            methods |= 1u << HTTP_HEAD;
        char want_allow[128] = "";
        for (int m = 0; m < HTTP_METHOD__MAX; m++)
            if (methods & (1u << m))
                snprintf(want_allow + strlen(want_allow), sizeof(want_allow) - strlen(want_allow),
                         "%s%s", want_allow[0] ? ", " : "", http_method_name((enum http_method)m));
        if (allowlen == sizeof(allow))
            FUZZ_CHECK(strcmp(allow, want_allow) == 0);
        else /* a short buffer holds a prefix, cut after a whole method */
            FUZZ_CHECK(strncmp(allow, want_allow, strlen(allow)) == 0);
        break;
    }
    default:
        FUZZ_CHECK(!"unknown route_result");
    }
    arena_free(&req.arena);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256] = "";
    if (router_check(app_routes, R__MAX, err, sizeof(err)) != 0) {
        fprintf(stderr, "app_routes: %s\n", err);
        abort();
    }
    FUZZ_CHECK(router_check(router_fixed, sizeof(router_fixed) / sizeof(router_fixed[0]), err,
                            sizeof(err)) == 0);
    return 0;
}

enum { ROUTER_MAX_TABLE = 16 };

static void router_table_mode(enum http_method method, bool api, char *text, size_t allowlen)
{
    static const enum http_method methods[] = {HTTP_GET, HTTP_POST, HTTP_DELETE, HTTP_HEAD};
    struct route table[ROUTER_MAX_TABLE];
    memset(table, 0, sizeof(table));
    size_t n = 0;
    char *path = text;
    char *line = strchr(text, '\n');
    if (line != NULL)
        *line++ = '\0';
    while (line != NULL && n < ROUTER_MAX_TABLE) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        table[n] = (struct route){.method = methods[n % 4],
                                  .pattern = line,
                                  .handler = router_h,
                                  .flags = (n % 3 == 2) ? ROUTE_NO_API : 0};
        n++;
        line = next;
    }
    char err[64];
    err[0] = '\0';
    if (router_check(table, n, err, sizeof(err)) != 0) {
        FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)) != NULL);
        return;
    }
    for (size_t i = 0; i < n; i++) { /* what router_check promises */
        FUZZ_CHECK(table[i].pattern[0] == '/' && table[i].method != HTTP_HEAD);
        int params = 0;
        for (const char *p = table[i].pattern; *p == '/';) {
            p++;
            size_t pn = router_seglen(p), suffix = 0;
            params += router_ref_type(p, pn, &suffix) != RP_NONE;
            p += pn;
        }
        FUZZ_CHECK(params <= REQ_MAX_PARAMS);
    }
    router_run(table, n, method, api, path, allowlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    enum http_method method = (enum http_method)(data[0] % (HTTP_METHOD__MAX + 1));
    bool api = data[1] & 1;
    size_t allowlen = 1 + (data[1] >> 1); /* 1..128 */
    bool table_mode = data[2] & 1;
    char *text = malloc(size - 3 + 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data + 3, size - 3);
    text[size - 3] = '\0'; /* the server's paths are C strings */

    if (table_mode) {
        router_table_mode(method, api, text, allowlen);
    } else {
        router_run(router_fixed, sizeof(router_fixed) / sizeof(router_fixed[0]), method, api, text,
                   allowlen);
        router_run(app_routes, R__MAX, method, api, text, allowlen);
    }
    free(text);
    return 0;
}
