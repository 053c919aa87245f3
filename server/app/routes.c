/* routes.c: the one table of routes. Read it to know where everything lives. */
#include "app/app.h"

const struct route app_routes[R__MAX] = {
    [R_HOME] = {.method = HTTP_GET, .pattern = "/", .handler = h_home},
    [R_HEALTHZ] = {.method = HTTP_GET,
                   .pattern = "/healthz",
                   .handler = h_healthz,
                   .flags = ROUTE_JSON_ONLY | ROUTE_NO_API},
    [R_READYZ] = {.method = HTTP_GET,
                  .pattern = "/readyz",
                  .handler = h_readyz,
                  .flags = ROUTE_JSON_ONLY | ROUTE_NO_API},
};
