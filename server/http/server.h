/* server.h: the HTTP daemon: lifecycle, limits, request intake, dispatch. */
#ifndef INTERLUDE_SERVER_H
#define INTERLUDE_SERVER_H

#include <stddef.h>

#include "config.h"
#include "http/router.h"
#include "http/static.h"
#include "http/template.h"

/* Everything a request needs that outlives it; read-only while serving. */
struct app {
    const struct config *cfg;
    const struct tpl_set *tpl;
    const struct static_set *statics;
    const struct route *routes;
    size_t nroutes;
    /* Runs before every routed handler (sessions, CSRF, roles); returns
     * false when it has already set the answer. May be NULL. */
    bool (*guard)(struct request *req);
    /* Adds what every HTML page needs (user, CSRF token, navigation) to a
     * page's data. May be NULL. */
    void (*decorate)(struct request *req, json_t *data);
    /* Runs on the main thread about once a minute while serving (purging
     * expired sessions and the like). May be NULL. */
    void (*housekeeping)(void);
    /* Threads that run ROUTE_HEAVY handlers; at least 1. */
    unsigned heavy_workers;
};

/* Serves until SIGTERM or SIGINT, then stops accepting, lets in-flight
 * requests finish (up to cfg->drain_timeout seconds) and returns 0; returns
 * -1 when the daemon cannot start. The caller must have blocked SIGTERM,
 * SIGINT and SIGPIPE in every thread (server_block_signals) before any
 * thread was created. */
int server_run(const struct app *app);
void server_block_signals(void);

/* Seconds the database pool has been unable to start a request: 0 while one
 * of its threads is idle; else how long every thread has been on its
 * current request, or how long the oldest queued request has waited,
 * whichever is longer. For /readyz; safe from any thread. */
double server_db_stall(void);

/* Renders req->view into a libmicrohttpd response (render.c). Sets *status. */
struct MHD_Response;
struct MHD_Response *render_view(const struct app *app, struct request *req, int *status);
/* Adds the security headers every response carries. False when one could
 * not be added (libmicrohttpd out of memory): the response must not be sent. */
bool render_common_headers(const struct app *app, struct MHD_Response *r);

#endif
