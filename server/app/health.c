/* health.c: liveness and readiness for Docker and load balancers. */
#include <stdatomic.h>

#include "app/app.h"
#include "crypto/keycheck.h"
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

const char not_saved_message[] =
    "Not saved yet \u2014 your text is still here. Please try again in a moment.";

void view_not_saved(struct request *req, const char *template, json_t *data)
{
    if (req->want_json) {
        json_decref(data);
        view_error(req, 503, "not_saved", not_saved_message);
        json_object_set_new(req->view.data, "saved", json_false());
        json_object_set_new(json_object_get(req->view.data, "error"), "saved", json_false());
    } else if (template == NULL || data == NULL) {
        json_decref(data);
        view_unavailable(req); /* no form to show: never claim the text is here */
        return;
    } else {
        json_object_set_new(data, "not_saved", json_string(not_saved_message));
        view_page(req, 503, template, data);
    }
    req->view.retry_after = "5";
}

void view_not_saved_text(struct request *req, const struct unsaved_form *f)
{
    if (req->want_json) {
        view_not_saved(req, NULL, NULL);
        return;
    }
    json_t *hidden = json_array(), *texts = json_array();
    for (size_t i = 0; i < f->nhidden; i++) {
        const char *v = req_form(req, f->hidden[i]);
        if (v != NULL)
            json_array_append_new(hidden,
                                  json_pack("{s:s, s:s}", "name", f->hidden[i], "value", v));
    }
    for (size_t i = 0; i < f->ntexts; i++) {
        const char *v = req_form(req, f->texts[i].name);
        json_array_append_new(texts, json_pack("{s:s, s:s, s:s}", "name", f->texts[i].name, "label",
                                               f->texts[i].label, "value", v != NULL ? v : ""));
    }
    view_not_saved(req, "unsaved",
                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "title", f->title,
                             "heading", f->heading, "action", req->path, "keep", f->keep, "button",
                             f->button, "back_href", f->back_href, "back_label", f->back_label,
                             "hidden", hidden, "texts", texts));
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
 * the database workers are not all stuck, and the data keys open the
 * stored data (crypto/keycheck.h). Otherwise 503 with the
 * reason, for the load balancer's log and the operator. */
void h_readyz(struct request *req)
{
    const char *reason = db_readiness();
    double stall = server_db_stall();
    if (reason == NULL && stall > STALL_SECONDS)
        reason = "database slow";
    char why[256] = "";
    if (reason == NULL && keycheck_run(why, sizeof(why)) != KEYCHECK_OK)
        reason = "data key";
    if (reason != NULL) {
        view_unavailable(req);
        json_t *err = json_object_get(req->view.data, "error");
        json_object_set_new(err, "reason", json_string(reason));
        json_object_set_new(req->view.data, "status", json_string("unavailable"));
        json_object_set_new(req->view.data, "reason", json_string(reason));
        json_object_set_new(req->view.data, "stalled_seconds",
                            json_real((double)(long long)(stall * 10) / 10));
        if (why[0] != '\0')
            json_object_set_new(req->view.data, "detail", json_string(why));
        return;
    }
    static atomic_bool said;
    if (!atomic_exchange(&said, true))
        log_event(LOG_INFO, "first ready",
                  json_pack("{s:f}", "since_start_ms", log_since_start_ms()));
    view_page(req, 200, NULL, json_pack("{s:s}", "status", "ready"));
}
