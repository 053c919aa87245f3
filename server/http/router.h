/* router.h: one table of routes, method + path pattern -> handler. */
#ifndef INTERLUDE_ROUTER_H
#define INTERLUDE_ROUTER_H

#include <stddef.h>

#include "http/request.h"

typedef void (*handler_fn)(struct request *req);

/* Route flags. */
enum {
    ROUTE_JSON_ONLY = 1 << 0,  /* machine endpoint: always answers JSON */
    ROUTE_NO_API = 1 << 1,     /* not mounted under /api/v1 */
    ROUTE_NO_SESSION = 1 << 2, /* needs no session (health checks) */
    ROUTE_HEAVY = 1 << 3,      /* runs on the password-hashing pool */
    ROUTE_INLINE = 1 << 4,     /* answered on the HTTP event thread: touches
                                  no database (needs ROUTE_NO_SESSION) */
    ROUTE_PROBE = 1 << 5,      /* runs on the readiness pool, whose statements
                                  give up after a second */
    ROUTE_TOKEN = 1 << 6,      /* may be called under /api/v1 with an API token
                                  (Authorization: Bearer); without it, a token
                                  is refused (account and security routes) */
};
/* Every other route runs on the database pool (server.c). */

/* A pattern is a path whose segments are literals or typed parameters:
 *   {id}     a positive decimal integer (fits in long long; no leading 0)
 *   {token}  1-128 characters of [A-Za-z0-9_-]
 *   {slug}   1-100 characters of [a-z0-9-]
 * Every route is also reachable under /api/v1 (JSON) unless ROUTE_NO_API. */
struct route {
    enum http_method method;
    const char *pattern;
    handler_fn handler;
    unsigned flags;
    unsigned roles; /* enum role bits allowed; 0: anyone, signed in or not */
};

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_METHOD_NOT_ALLOWED };

/* Finds the route for method and req->path. HEAD is served by GET routes.
 * On ROUTE_FOUND sets req->route, req->params and req->ids. On
 * ROUTE_METHOD_NOT_ALLOWED writes the Allow header value into allow. */
enum route_result router_match(const struct route *table, size_t n, struct request *req,
                               char *allow, size_t allowlen);

/* Checks a table at start: every pattern well-formed, no two routes with the
 * same method and pattern shape. Returns 0 or -1 with a message in err. */
int router_check(const struct route *table, size_t n, char *err, size_t errlen);

const char *http_method_name(enum http_method m);
enum http_method http_method_parse(const char *s);

#endif
