/* render.c: one view, two forms: an HTML page in the layout, or JSON. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/server.h"
#include "util/log.h"

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
                          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

static const char *status_title(int status)
{
    switch (status) {
    case 400:
        return "Something in the request was not right";
    case 403:
        return "Not allowed";
    case 404:
        return "Page not found";
    case 405:
        return "Method not allowed";
    case 413:
        return "Too large";
    case 414:
        return "Address too long";
    case 415:
        return "Unsupported format";
    case 429:
        return "Too many attempts";
    case 503:
        return "Briefly unavailable";
    default:
        return status >= 500 ? "Something went wrong" : "Error";
    }
}

/* Headers every response carries, static files included. libmicrohttpd
 * refuses a header only for want of memory (or a malformed one, which we
 * never make); a response missing one (its CSP, Cache-Control: no-store, its
 * Set-Cookie or Location) must not go out, so every failure is reported and
 * the caller drops the response: the connection is closed unanswered. */
bool render_common_headers(const struct app *app, struct MHD_Response *r)
{
    bool ok = MHD_add_response_header(r, "Content-Security-Policy", csp) == MHD_YES;
    ok &= MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES;
    ok &= MHD_add_response_header(r, "Referrer-Policy", "no-referrer") == MHD_YES;
    ok &= MHD_add_response_header(r, "X-Frame-Options", "DENY") == MHD_YES;
    ok &= MHD_add_response_header(r, "Permissions-Policy",
                                  "camera=(), microphone=(), geolocation=(), payment=(), usb=()") ==
          MHD_YES;
    ok &= MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin") == MHD_YES;
    ok &= MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin") == MHD_YES;
    if (app->cfg->https)
        ok &= MHD_add_response_header(r, "Strict-Transport-Security",
                                      "max-age=63072000; includeSubDomains") == MHD_YES;
    return ok;
}

static struct MHD_Response *from_buf(struct buf *b)
{
    size_t len;
    char *data = buf_steal(b, &len);
    if (data == NULL)
        return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    return MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
}

static struct MHD_Response *plain_500(int *status)
{
    static const char msg[] = "Something went wrong.\n";
    *status = 500;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    return r;
}

struct MHD_Response *render_view(const struct app *app, struct request *req, int *status)
{
    struct view *v = &req->view;
    if (v->kind == VIEW_NONE) {
        log_msg(LOG_ERROR, "handler for %s returned no view",
                req->route ? req->route->pattern : "-");
        view_error(req, 500, "internal", "Something went wrong on our side.");
    }
    bool json = req->want_json || (req->route != NULL && (req->route->flags & ROUTE_JSON_ONLY));
    struct buf out = BUF_INIT;
    const char *type = "text/html; charset=utf-8";
    *status = v->status;

    if (v->kind == VIEW_REDIRECT && !json) {
        *status = 303;
    } else if (*status == 304) {
        /* Not modified: headers only. */
    } else if (v->kind == VIEW_TEXT) {
        buf_puts(&out, v->text);
        type = v->text_type != NULL ? v->text_type : "text/plain; charset=utf-8";
    } else if (json) {
        json_t *body = v->data;
        json_t *tmp = NULL;
        if (v->kind == VIEW_REDIRECT) {
            tmp = json_pack("{s:b, s:s}", "ok", 1, "location", v->location);
            body = tmp;
            *status = 200;
        }
        char *s = json_dumps(body, JSON_COMPACT);
        json_decref(tmp);
        if (s == NULL) {
            buf_free(&out);
            return plain_500(status);
        }
        buf_puts(&out, s);
        free(s);
        type = "application/json; charset=utf-8";
    } else {
        const char *page = v->template;
        if (v->kind == VIEW_ERROR) {
            page = "error";
            json_object_set_new(v->data, "status", json_integer(v->status));
            json_object_set_new(v->data, "title", json_string(status_title(v->status)));
        }
        if (app->decorate != NULL)
            app->decorate(req, v->data);
        if (json_object_get(v->data, "title") == NULL)
            json_object_set_new(v->data, "title", json_string("Interlude"));
        if (tpl_render(app->tpl, "layout", page, v->data, &out) != 0) {
            log_msg(LOG_ERROR, "template %s is missing", page);
            buf_free(&out);
            return plain_500(status);
        }
    }

    req->body_out_len = out.len;
    struct MHD_Response *r = from_buf(&out);
    if (r == NULL)
        return NULL;
    bool ok;
    if (*status == 303)
        ok = MHD_add_response_header(r, "Location", v->location) == MHD_YES;
    else if (*status != 304)
        ok = MHD_add_response_header(r, "Content-Type", type) == MHD_YES;
    else
        ok = true;
    if (req->set_cookie != NULL)
        ok &= MHD_add_response_header(r, "Set-Cookie", req->set_cookie) == MHD_YES;
    if (req->set_cookie2 != NULL)
        ok &= MHD_add_response_header(r, "Set-Cookie", req->set_cookie2) == MHD_YES;
    if (v->download != NULL) {
        char disp[160];
        snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", v->download);
        ok &= MHD_add_response_header(r, "Content-Disposition", disp) == MHD_YES;
    }
    if (v->allow != NULL)
        ok &= MHD_add_response_header(r, "Allow", v->allow) == MHD_YES;
    if (v->www_auth != NULL)
        ok &= MHD_add_response_header(r, "WWW-Authenticate", v->www_auth) == MHD_YES;
    if (v->retry_after != NULL)
        ok &= MHD_add_response_header(r, "Retry-After", v->retry_after) == MHD_YES;
    if (v->etag != NULL)
        ok &= MHD_add_response_header(r, "ETag", v->etag) == MHD_YES;
    ok &= MHD_add_response_header(r, "Cache-Control",
                                  v->etag != NULL && v->cache != NULL ? v->cache : "no-store") ==
          MHD_YES;
    ok &= MHD_add_response_header(r, "Vary", "Accept, Cookie") == MHD_YES;
    ok &= render_common_headers(app, r);
    if (!ok) {
        log_msg(LOG_ERROR, "response headers could not be added: connection closed");
        MHD_destroy_response(r);
        return NULL;
    }
    return r;
}
