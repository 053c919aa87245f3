/* app.h: the handlers, one file per resource, and the table of routes. */
#ifndef INTERLUDE_APP_H
#define INTERLUDE_APP_H

#include "http/router.h"

/* Every route, indexed by name (routes.c). Tests enumerate this table. */
enum route_id { R_HOME, R_HEALTHZ, R_READYZ, R__MAX };

extern const struct route app_routes[R__MAX];

/* health.c */
void h_healthz(struct request *req);
void h_readyz(struct request *req);

/* home.c */
void h_home(struct request *req);

/* Answers 503 with Retry-After, for when the database cannot be reached. */
void view_unavailable(struct request *req);

#endif
