/* request.h: one HTTP request as handlers see it, and the view they return. */
#ifndef INTERLUDE_REQUEST_H
#define INTERLUDE_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/buf.h"

struct MHD_Connection;
struct MHD_PostProcessor;
struct route;
struct session;

enum http_method {
    HTTP_GET,
    HTTP_HEAD,
    HTTP_POST,
    HTTP_PUT,
    HTTP_PATCH,
    HTTP_DELETE,
    HTTP_OPTIONS,
    HTTP_METHOD__MAX
};

/* Longest accepted values; longer input is refused with a 4xx. */
#define REQ_MAX_FIELDS 1000
#define REQ_MAX_PATH 2048
#define REQ_MAX_PARAMS 4

/* One decoded key/value pair from the query string or the body. Values are
 * valid UTF-8 without NUL (checked before a handler ever sees them). */
struct field {
    const char *key;
    const char *value;
    size_t len;
    struct field *next;
};

/* What a handler answers: a view rendered as HTML (through a template in the
 * layout) or as JSON, an error, or a redirect. */
enum view_kind { VIEW_NONE, VIEW_PAGE, VIEW_ERROR, VIEW_REDIRECT, VIEW_TEXT };

struct view {
    enum view_kind kind;
    int status;
    const char *template;    /* VIEW_PAGE: page name in templates/ */
    json_t *data;            /* owned by the request; decref'd on completion */
    const char *location;    /* VIEW_REDIRECT */
    const char *retry_after; /* optional Retry-After header value */
    const char *allow;       /* 405: the Allow header value */
    const char *download;    /* a file name: sent as an attachment */
    const char *text;        /* VIEW_TEXT: the body, text/plain unless... */
    const char *text_type;   /* ...this Content-Type is set (text/calendar) */
    const char *www_auth;    /* a WWW-Authenticate header value (bearer tokens) */
    const char *etag;        /* a quoted ETag: the answer may be cached (then also... */
    const char *cache;       /* ...this Cache-Control instead of no-store); status 304: no body */
};

struct request {
    struct arena arena;
    struct MHD_Connection *conn;
    enum http_method method;
    const char *method_name;
    const char *path; /* decoded, validated UTF-8, begins with '/' */
    bool api;         /* path began with /api/v1 (stripped from path) */
    bool want_json;   /* answer as JSON (api, or Accept: application/json) */
    const struct route *route;
    const char *params[REQ_MAX_PARAMS]; /* typed path parameters, in order */
    long long ids[REQ_MAX_PARAMS];      /* numeric value of {id}-style params */
    struct field *query;
    struct field *form; /* urlencoded, multipart, or a JSON object's members */
    json_t *json;       /* the parsed JSON body, when there was one */
    unsigned nfields;
    char client_ip[64];
    double started; /* monotonic seconds */

    /* Body intake (server.c). */
    struct MHD_PostProcessor *pp;
    int body_kind; /* enum in server.c */
    struct buf body;
    size_t body_seen;
    struct field *last_field;
    int fail_status; /* a 4xx decided while reading, answered at the end */
    const char *fail_message;
    bool dispatched;
    bool deferred;    /* handed to the worker pool, connection suspended */
    double queued_at; /* when it was handed over */
    struct request *next_job;

    struct session *session; /* set by the app's guard (server/auth) */
    const char *set_cookie;  /* a Set-Cookie value to send with the answer */
    const char *set_cookie2; /* a second one (the device cookie, auth/device.c) */

    struct view view;
    size_t bytes_out;
    size_t body_out_len; /* set by render_view */
};

/* The first value of key in the query string or body, or NULL. A key sent
 * more than once is refused by the parser unless its name ends in "[]",
 * so a handler never has to choose between two values by accident. */
const char *req_query(const struct request *req, const char *key);
const char *req_form(const struct request *req, const char *key);
/* Every value of a repeatable key ("name[]"), in order; returns the count
 * and stores an arena array in *out. */
size_t req_form_all(struct request *req, const char *key, const char ***out);
/* A request header (case-insensitive name), or NULL. */
const char *req_header(const struct request *req, const char *name);
/* A cookie's value, or NULL. */
const char *req_cookie(const struct request *req, const char *name);

/* Setting the answer; data is stolen. */
void view_page(struct request *req, int status, const char *template, json_t *data);
void view_error(struct request *req, int status, const char *code, const char *message);
void view_redirect(struct request *req, const char *location);

/* Decodes a percent-encoded component (with '+' as space when plus is true)
 * into the arena. Returns NULL for a malformed escape, a NUL byte, or
 * invalid UTF-8. */
char *url_decode(struct arena *a, const char *s, size_t n, bool plus, size_t *outlen);

/* True for an address of a private network (IPv4 10/8, 172.16/12,
 * 192.168/16, 100.64/10; IPv6 fc00::/7), the kind a NAT, a proxy or Docker's
 * bridge puts in front of every client. Loopback and public addresses are
 * not; nor is anything that is not an address. */
bool ip_is_private(const char *ip);

/* Parses an application/x-www-form-urlencoded string into *head (appended in
 * order). Returns 0, or an HTTP status (400) with *why set. */
int parse_urlencoded(struct arena *a, const char *s, size_t n, struct field **head, unsigned *count,
                     const char **why);

/* Appends a field, enforcing the count limit and the repeated-key rule.
 * Returns 0 or 400 with *why set. */
int fields_add(struct arena *a, struct field **head, unsigned *count, const char *key,
               const char *value, size_t len, const char **why);

/* Turns a parsed JSON object body into fields appended to *head: scalar
 * members by name (strings as they are; numbers and booleans printed),
 * arrays of scalars as repeated "name[]"; nulls, nested objects and arrays
 * inside arrays are skipped (they stay in the json_t only). Keys and values
 * come from jansson, which refuses invalid UTF-8 and, without
 * JSON_ALLOW_NUL, NUL bytes. Returns 0, or 400 with *why set (too many
 * fields, a repeated name). */
int json_body_to_fields(struct arena *a, json_t *obj, struct field **head, unsigned *count,
                        const char **why);

#endif
