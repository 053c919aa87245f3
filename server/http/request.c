/* request.c: what handlers read from a request, and how they answer. */
#include "http/request.h"

#include <microhttpd.h>
#include <string.h>

static const char *fields_get(const struct field *f, const char *key)
{
    for (; f != NULL; f = f->next)
        if (strcmp(f->key, key) == 0)
            return f->value;
    return NULL;
}

const char *req_query(const struct request *req, const char *key)
{
    return fields_get(req->query, key);
}

const char *req_form(const struct request *req, const char *key)
{
    return fields_get(req->form, key);
}

size_t req_form_all(struct request *req, const char *key, const char ***out)
{
    size_t n = 0;
    for (const struct field *f = req->form; f != NULL; f = f->next)
        if (strcmp(f->key, key) == 0)
            n++;
    const char **v = arena_alloc(&req->arena, (n + 1) * sizeof(*v));
    size_t i = 0;
    for (const struct field *f = req->form; f != NULL; f = f->next)
        if (strcmp(f->key, key) == 0)
            v[i++] = f->value;
    *out = v;
    return n;
}

const char *req_header(const struct request *req, const char *name)
{
    if (req->conn == NULL)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(const struct request *req, const char *name)
{
    if (req->conn == NULL)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

static void view_reset(struct request *req)
{
    json_decref(req->view.data);
    memset(&req->view, 0, sizeof(req->view));
}

void view_page(struct request *req, int status, const char *template, json_t *data)
{
    view_reset(req);
    req->view.kind = VIEW_PAGE;
    req->view.status = status;
    req->view.template = template;
    req->view.data = data != NULL ? data : json_object();
}

void view_error(struct request *req, int status, const char *code, const char *message)
{
    view_reset(req);
    req->view.kind = VIEW_ERROR;
    req->view.status = status;
    req->view.data = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
}

void view_redirect(struct request *req, const char *location)
{
    view_reset(req);
    req->view.kind = VIEW_REDIRECT;
    req->view.status = 303;
    req->view.location = arena_strdup(&req->arena, location);
}
