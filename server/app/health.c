/* health.c: liveness and readiness for Docker and load balancers. */
#include "app/app.h"
#include "db/db.h"

void view_unavailable(struct request *req)
{
    view_error(req, 503, "unavailable",
               "The service is briefly unavailable. Please try again in a moment.");
    req->view.retry_after = "5";
}

void view_busy(struct request *req)
{
    view_error(req, 503, "busy", "The service is busy. Please try again in a moment.");
    req->view.retry_after = "2";
}

/* The process is alive and answering; no dependency is checked. */
void h_healthz(struct request *req)
{
    view_page(req, 200, NULL, json_pack("{s:s}", "status", "ok"));
}

/* Ready to serve: the database answers and its schema is current. */
void h_readyz(struct request *req)
{
    if (!db_ready()) {
        view_unavailable(req);
        return;
    }
    view_page(req, 200, NULL, json_pack("{s:s}", "status", "ready"));
}
