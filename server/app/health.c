/* health.c: liveness and readiness for Docker and load balancers. */
#include "app/app.h"
#include "db/db.h"
#include "http/server.h"

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

/* The process is alive and answering; no dependency is checked. Runs on
 * the HTTP event thread (ROUTE_INLINE), so it answers while every database
 * worker waits: use it for restarts (interlude healthcheck), /readyz for
 * the load balancer. */
void h_healthz(struct request *req)
{
    view_page(req, 200, NULL, json_pack("{s:s}", "status", "ok"));
}

/* Readiness reports "database slow" once every database worker has been
 * on its request this long (waiting on a lock, most likely). */
#define STALL_SECONDS 1.0

/* Ready to serve: the database answers within a second (this runs on the
 * readiness pool, whose statements give up then), its schema is current,
 * and the database workers are not all stuck. Otherwise 503 with the
 * reason, for the load balancer's log and the operator. */
void h_readyz(struct request *req)
{
    const char *reason = db_readiness();
    double stall = server_db_stall();
    if (reason == NULL && stall > STALL_SECONDS)
        reason = "database slow";
    if (reason != NULL) {
        view_unavailable(req);
        json_t *err = json_object_get(req->view.data, "error");
        json_object_set_new(err, "reason", json_string(reason));
        json_object_set_new(req->view.data, "status", json_string("unavailable"));
        json_object_set_new(req->view.data, "reason", json_string(reason));
        json_object_set_new(req->view.data, "stalled_seconds",
                            json_real((double)(long long)(stall * 10) / 10));
        return;
    }
    view_page(req, 200, NULL, json_pack("{s:s}", "status", "ready"));
}
