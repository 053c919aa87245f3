/* server.c: the libmicrohttpd daemon: limits, request intake, dispatch,
 * completion, and a graceful stop on SIGTERM. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "util/log.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* Every body is buffered whole (never beyond the cap) and decoded once it is
 * complete: urlencoded by parse.c, as strictly as the query string;
 * multipart by libmicrohttpd's post processor (see read_multipart); JSON by
 * jansson. */
enum body_kind { BODY_NONE, BODY_URLENCODED, BODY_MULTIPART, BODY_JSON };

/* Requests between their first callback and their completion. */
static atomic_int inflight;

/* Worker pools. An HTTP event thread serves many connections: a handler
 * that waited there on a database lock or computed an Argon2id hash would
 * stall all of them, /healthz included. So the event threads only read
 * requests, answer what needs no database (/healthz, static files, 404,
 * 405) and write answers; every routed request is suspended, run (guard and
 * handler) on a pool thread, and resumed. Each pool thread holds its own
 * database connection (db.c). A job that waited longer than the pool's
 * max_wait, or finds its queue full, is answered 503 with Retry-After.
 *   POOL_DB     every other route: THREADS threads
 *   POOL_HASH   ROUTE_HEAVY (password hashing): HASH_SLOTS threads at nice
 *               10, so a flood of sign-ins cannot starve the pages
 *   POOL_PROBE  ROUTE_PROBE (/readyz): one thread whose statements give up
 *               after a second, so readiness answers while the others wait */
enum pool_id { POOL_DB, POOL_HASH, POOL_PROBE, POOL__MAX };

struct pool {
    const char *name;
    unsigned max_queue;
    double max_wait;                /* seconds in the queue; then 503 */
    int nice;                       /* of its threads */
    unsigned lock_ms, statement_ms; /* db_thread_timeouts; 0: the configuration's */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct request *head, *tail; /* guarded by lock, as all below */
    unsigned queued;
    bool stopping;
    pthread_t *threads;
    double *busy_since; /* per thread: when its job started, 0 when idle */
    unsigned nthreads;
};

/* Readiness gives up on the database after this long (POOL_PROBE). */
#define PROBE_LOCK_MS 500u
#define PROBE_STATEMENT_MS 1000u

static struct pool pools[POOL__MAX] = {
    [POOL_DB] = {.name = "database",
                 .max_queue = 1024,
                 .max_wait = 10.0,
                 .lock = PTHREAD_MUTEX_INITIALIZER,
                 .wake = PTHREAD_COND_INITIALIZER},
    [POOL_HASH] = {.name = "hashing",
                   .max_queue = 256,
                   .max_wait = 2.0,
                   .nice = 10,
                   .lock = PTHREAD_MUTEX_INITIALIZER,
                   .wake = PTHREAD_COND_INITIALIZER},
    [POOL_PROBE] = {.name = "readiness",
                    .max_queue = 64,
                    .max_wait = 2.0,
                    .lock_ms = PROBE_LOCK_MS,
                    .statement_ms = PROBE_STATEMENT_MS,
                    .lock = PTHREAD_MUTEX_INITIALIZER,
                    .wake = PTHREAD_COND_INITIALIZER},
};

/* One pool thread's argument. */
struct worker {
    struct pool *pool;
    unsigned index;
};

/* The application the pools run routes for (set by server_run). */
static const struct app *pool_app;

/* HTTP event threads: they only parse, dispatch and write, so two keep up
 * with the pools on the 2-core machine of docs/PERFORMANCE.md. */
#define IO_THREADS 2u

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libmicrohttpd would percent-decode the path and query before we see them;
 * we decode them ourselves (parse.c), strictly, so this keeps them raw. */
static size_t keep_raw(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

static void fail(struct request *req, int status, const char *message)
{
    if (req->fail_status == 0) {
        req->fail_status = status;
        req->fail_message = message;
    }
}

static enum MHD_Result respond(const struct app *app, struct request *req)
{
    int status = 500;
    req->dispatched = true;
    struct MHD_Response *r = render_view(app, req, &status);
    if (r == NULL)
        return MHD_NO;
    req->view.status = status;
    req->bytes_out = req->body_out_len;
    enum MHD_Result ret = MHD_queue_response(req->conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_fail(const struct app *app, struct request *req)
{
    view_error(req, req->fail_status, "bad_request", req->fail_message);
    return respond(app, req);
}

static enum MHD_Result on_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                    size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct request *req = cls;
    const char *why = NULL;
    size_t klen, vlen = 0;
    char *k = url_decode(&req->arena, key, key_size, true, &klen);
    char *v = value ? url_decode(&req->arena, value, value_size, true, &vlen)
                    : arena_strdup(&req->arena, "");
    if (k == NULL || v == NULL) {
        fail(req, 400, "The address contains text that is not valid UTF-8.");
        return MHD_NO;
    }
    int st = fields_add(&req->arena, &req->query, &req->nfields, k, v, vlen, &why);
    if (st != 0) {
        fail(req, st, why);
        return MHD_NO;
    }
    return MHD_YES;
}

/* Moves the form value collected so far (req->body) into req->form. */
static void flush_form_field(struct request *req)
{
    if (req->last_field == NULL)
        return;
    struct field *pending = req->last_field;
    req->last_field = NULL;
    const char *why = NULL;
    const char *val = buf_cstr(&req->body);
    if (!utf8_valid_text(val, req->body.len)) {
        fail(req, 400, "A form field contains text that is not valid UTF-8.");
    } else {
        char *v = arena_strndup(&req->arena, val, req->body.len);
        int st = fields_add(&req->arena, &req->form, &req->nfields, pending->key, v, req->body.len,
                            &why);
        if (st != 0)
            fail(req, st, why);
    }
    req->body.len = 0;
}

static enum MHD_Result on_post_data(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *filename, const char *content_type,
                                    const char *transfer_encoding, const char *data, uint64_t off,
                                    size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    struct request *req = cls;
    if (req->fail_status != 0)
        return MHD_YES; /* keep draining; the answer is decided */
    if (filename != NULL) {
        fail(req, 400, "Files cannot be uploaded here.");
        return MHD_YES;
    }
    if (off == 0) {
        flush_form_field(req);
        if (req->fail_status != 0)
            return MHD_YES;
        if (key == NULL || key[0] == '\0' || !utf8_valid_text(key, strlen(key))) {
            fail(req, 400, "A form field has a missing or invalid name.");
            return MHD_YES;
        }
        struct field *f = arena_alloc(&req->arena, sizeof(*f));
        f->key = arena_strdup(&req->arena, key);
        req->last_field = f;
        req->body.len = 0;
    }
    if (size > 0)
        buf_append(&req->body, data, size);
    return MHD_YES;
}

static bool has_prefix_ci(const char *s, const char *prefix)
{
    return s != NULL && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* With TRUST_PROXY=0 behind a proxy or Docker's published port, every
 * request seems to come from one private address, and the per-address
 * sign-in limit then counts everyone's mistakes together. Said once in the
 * log, when the first SAME_ADDRESS_REQUESTS requests all came from the same
 * private address. */
#define SAME_ADDRESS_REQUESTS 50

static void watch_single_address(const struct app *app, const char *ip)
{
    static atomic_bool done;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char first[64];
    static unsigned seen;
    if (app->cfg->trust_proxy || atomic_load(&done))
        return;
    pthread_mutex_lock(&lock);
    bool warn = false;
    if (!atomic_load(&done)) {
        if (seen == 0)
            snprintf(first, sizeof(first), "%s", ip);
        if (!ip_is_private(ip) || strcmp(first, ip) != 0)
            atomic_store(&done, true);
        else if (++seen >= SAME_ADDRESS_REQUESTS) {
            atomic_store(&done, true);
            warn = true;
        }
    }
    pthread_mutex_unlock(&lock);
    if (warn)
        log_event(LOG_WARN, "every request comes from one private address",
                  json_pack("{s:s, s:i, s:s}", "address", ip, "requests", SAME_ADDRESS_REQUESTS,
                            "hint",
                            "behind a reverse proxy or Docker's published port? Set "
                            "TRUST_PROXY=1 when a proxy of yours sets X-Forwarded-For; the "
                            "per-address sign-in limit counts this address for everyone"));
}

/* First callback: headers are known, the body is not. */
static enum MHD_Result begin(const struct app *app, struct request *req, const char *url,
                             const char *method)
{
    req->method = http_method_parse(method);
    req->method_name = arena_strdup(&req->arena, req->method < HTTP_METHOD__MAX ? method : "OTHER");

    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci != NULL && ci->client_addr != NULL) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                      req->client_ip, sizeof(req->client_ip));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      req->client_ip, sizeof(req->client_ip));
    }

    watch_single_address(app, req->client_ip);

    if (app->cfg->trust_proxy) {
        /* Behind our own reverse proxy: the client is the last address the
         * proxy appended (earlier ones are whatever the client claimed). */
        const char *xff = req_header(req, "X-Forwarded-For");
        if (xff != NULL) {
            const char *last = strrchr(xff, ',');
            last = last != NULL ? last + 1 : xff;
            while (*last == ' ')
                last++;
            size_t n = strcspn(last, " ");
            unsigned char probe[sizeof(struct in6_addr)];
            char ip[64];
            if (n > 0 && n < sizeof(ip)) {
                memcpy(ip, last, n);
                ip[n] = '\0';
                if (inet_pton(AF_INET, ip, probe) == 1 || inet_pton(AF_INET6, ip, probe) == 1)
                    memcpy(req->client_ip, ip, n + 1);
            }
        }
    }

    size_t urllen = strlen(url);
    if (urllen > REQ_MAX_PATH) {
        fail(req, 414, "The address is too long.");
        return respond_fail(app, req);
    }
    size_t plen;
    char *path = url_decode(&req->arena, url, urllen, false, &plen);
    if (path == NULL || path[0] != '/') {
        fail(req, 400, "The address is not valid.");
        return respond_fail(app, req);
    }
    if (strcmp(path, "/api/v1") == 0 || strncmp(path, "/api/v1/", 8) == 0) {
        req->api = true;
        req->want_json = true;
        path += 7;
        if (*path == '\0')
            path = "/";
    }
    req->path = path;
    const char *accept = req_header(req, MHD_HTTP_HEADER_ACCEPT);
    if (has_prefix_ci(accept, "application/json"))
        req->want_json = true;

    MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, on_query_arg, req);
    if (req->fail_status != 0)
        return respond_fail(app, req);

    const char *clen = req_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te = req_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    unsigned long long declared = 0;
    if (clen != NULL) {
        char *end;
        errno = 0;
        declared = strtoull(clen, &end, 10);
        if (errno != 0 || *end != '\0' || declared > app->cfg->max_body) {
            fail(req, 413, "The request is larger than this service accepts.");
            return respond_fail(app, req);
        }
    }
    if (declared == 0 && te == NULL)
        return MHD_YES; /* no body */

    const char *ctype = req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (has_prefix_ci(ctype, MHD_HTTP_POST_ENCODING_FORM_URLENCODED)) {
        req->body_kind = BODY_URLENCODED;
    } else if (has_prefix_ci(ctype, MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA)) {
        req->pp = MHD_create_post_processor(req->conn, (size_t)16 * 1024, on_post_data, req);
        if (req->pp == NULL) {
            fail(req, 400, "The form data could not be read.");
            return respond_fail(app, req);
        }
        req->body_kind = BODY_MULTIPART;
    } else if (has_prefix_ci(ctype, "application/json")) {
        req->body_kind = BODY_JSON;
    } else {
        fail(req, 415, "Send forms as form data or JSON.");
        return respond_fail(app, req);
    }
    return MHD_YES;
}

/* Later callbacks: a piece of the body. */
static enum MHD_Result intake(const struct app *app, struct request *req, const char *data,
                              size_t size)
{
    req->body_seen += size;
    if (req->body_seen > app->cfg->max_body) {
        /* Only a chunked body gets here (a declared length was checked at
         * the start). Nothing is buffered beyond the cap: close. */
        req->view.status = 413;
        return MHD_NO;
    }
    if (req->fail_status != 0)
        return MHD_YES;
    if (req->body_kind != BODY_NONE)
        buf_append(&req->body, data, size);
    return MHD_YES;
}

static void answer_busy(struct request *req)
{
    view_error(req, 503, "busy", "The service is busy. Please try again in a moment.");
    req->view.retry_after = "2";
}

/* The guard, then the handler: on a pool thread, or on the event thread for
 * ROUTE_INLINE. */
static void run_route(const struct app *app, struct request *req)
{
    if (app->guard != NULL && !app->guard(req))
        return;
    req->route->handler(req);
}

static void *pool_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    /* Linux: PRIO_PROCESS with a thread id sets that thread's nice value.
     * When the CPU is contended, hashing yields to the HTTP threads and
     * PostgreSQL (CFS weight 110 against 1024; make bench: the dashboard
     * during a sign-in flood). */
    if (p->nice != 0 && setpriority(PRIO_PROCESS, (id_t)gettid(), p->nice) != 0)
        log_msg(LOG_WARN, "the %s pool keeps its priority (setpriority failed)", p->name);
    db_thread_timeouts(p->lock_ms, p->statement_ms);
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->head == NULL && !p->stopping)
            pthread_cond_wait(&p->wake, &p->lock);
        struct request *req = p->head;
        if (req == NULL) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        p->head = req->next_job;
        if (p->head == NULL)
            p->tail = NULL;
        p->queued--;
        double now = now_mono();
        p->busy_since[w->index] = now;
        pthread_mutex_unlock(&p->lock);
        if (now - req->queued_at > p->max_wait)
            answer_busy(req);
        else
            run_route(pool_app, req);
        pthread_mutex_lock(&p->lock);
        p->busy_since[w->index] = 0;
        pthread_mutex_unlock(&p->lock);
        /* The event thread answers and may free req at once: not touched after. */
        MHD_resume_connection(req->conn);
    }
    free(w);
    return NULL;
}

/* Queues req on p; false when the queue is full or the pool stopping. */
static bool pool_submit(struct pool *p, struct request *req)
{
    pthread_mutex_lock(&p->lock);
    bool ok = !p->stopping && p->queued < p->max_queue;
    if (ok) {
        req->queued_at = now_mono();
        req->next_job = NULL;
        if (p->tail != NULL)
            p->tail->next_job = req;
        else
            p->head = req;
        p->tail = req;
        p->queued++;
        pthread_cond_signal(&p->wake);
    }
    pthread_mutex_unlock(&p->lock);
    return ok;
}

static int pool_start(struct pool *p, unsigned n)
{
    p->stopping = false;
    p->threads = xcalloc(n, sizeof(*p->threads));
    p->busy_since = xcalloc(n, sizeof(*p->busy_since));
    for (p->nthreads = 0; p->nthreads < n; p->nthreads++) {
        struct worker *w = xcalloc(1, sizeof(*w));
        w->pool = p;
        w->index = p->nthreads;
        if (pthread_create(&p->threads[p->nthreads], NULL, pool_main, w) != 0) {
            free(w);
            return -1;
        }
    }
    return 0;
}

/* Lets the threads finish every queued job (each bounded by the database
 * timeouts), then joins them. */
static void pool_stop(struct pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    free(p->busy_since);
    p->threads = NULL;
    p->busy_since = NULL;
    p->nthreads = 0;
}

static void pools_stop(void)
{
    for (int i = 0; i < POOL__MAX; i++)
        pool_stop(&pools[i]);
}

double server_db_stall(void)
{
    struct pool *p = &pools[POOL_DB];
    double now = now_mono(), stall = 0, latest = 0;
    bool all_busy = true;
    pthread_mutex_lock(&p->lock);
    for (unsigned i = 0; i < p->nthreads; i++) {
        if (p->busy_since[i] == 0)
            all_busy = false;
        else if (p->busy_since[i] > latest)
            latest = p->busy_since[i];
    }
    if (p->nthreads > 0 && all_busy)
        stall = now - latest;
    if (p->head != NULL && now - p->head->queued_at > stall)
        stall = now - p->head->queued_at;
    pthread_mutex_unlock(&p->lock);
    return stall;
}

static void dispatch(const struct app *app, struct request *req)
{
    if (!req->api && (req->method == HTTP_GET || req->method == HTTP_HEAD) &&
        strncmp(req->path, "/static/", 8) == 0)
        return; /* served by serve_static */
    char allow[128];
    switch (router_match(app->routes, app->nroutes, req, allow, sizeof(allow))) {
    case ROUTE_FOUND:
        if (req->route->flags & ROUTE_INLINE) {
            run_route(app, req);
            break;
        }
        struct pool *p = &pools[(req->route->flags & ROUTE_HEAVY)   ? POOL_HASH
                                : (req->route->flags & ROUTE_PROBE) ? POOL_PROBE
                                                                    : POOL_DB];
        /* Suspend before queueing: the worker may finish at once. */
        req->deferred = true;
        MHD_suspend_connection(req->conn);
        if (!pool_submit(p, req)) {
            req->deferred = false;
            MHD_resume_connection(req->conn);
            answer_busy(req);
        }
        break;
    case ROUTE_NOT_FOUND:
        view_error(req, 404, "not_found", "There is no page at this address.");
        break;
    case ROUTE_METHOD_NOT_ALLOWED:
        view_error(req, 405, "method_not_allowed", "This address does not accept that method.");
        req->view.allow = arena_strdup(&req->arena, allow);
        break;
    }
}

static enum MHD_Result serve_static(const struct app *app, struct request *req)
{
    const struct static_file *f = static_find(app->statics, req->path);
    req->dispatched = true;
    if (f == NULL) {
        view_error(req, 404, "not_found", "There is no file at this address.");
        return respond(app, req);
    }
    const char *inm = req_header(req, MHD_HTTP_HEADER_IF_NONE_MATCH);
    bool fresh = inm != NULL && strcmp(inm, f->etag) == 0;
    struct MHD_Response *r =
        fresh ? MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT)
              : MHD_create_response_from_buffer(f->len, f->data, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    bool ok = MHD_add_response_header(r, "Content-Type", f->content_type) == MHD_YES;
    ok &= MHD_add_response_header(r, "ETag", f->etag) == MHD_YES;
    ok &= MHD_add_response_header(r, "Cache-Control", "public, max-age=300, must-revalidate") ==
          MHD_YES;
    ok &= render_common_headers(app, r);
    if (!ok) {
        MHD_destroy_response(r);
        return MHD_NO; /* out of memory: closed rather than sent without its headers */
    }
    req->view.status = fresh ? 304 : 200;
    req->bytes_out = fresh ? 0 : f->len;
    enum MHD_Result ret = MHD_queue_response(req->conn, (unsigned)req->view.status, r);
    MHD_destroy_response(r);
    return ret;
}

/* True when raw ends with the closing delimiter "--boundary--" (and maybe a
 * line break), as every complete multipart body does: libmicrohttpd takes a
 * body in which it never finds a boundary for preamble, that is for an
 * empty form. The boundary is read as libmicrohttpd reads it: all that
 * follows "boundary=", without enclosing quotes. */
static bool multipart_closed(const struct request *req, const struct buf *raw)
{
    const char *ctype = req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *b = ctype != NULL ? strstr(ctype, "boundary=") : NULL;
    if (b == NULL || raw->data == NULL)
        return false;
    b += strlen("boundary=");
    size_t blen = strlen(b);
    if (blen > 2 && b[0] == '"' && b[blen - 1] == '"') {
        b++;
        blen -= 2;
    }
    size_t n = raw->len;
    while (n > 0 && (raw->data[n - 1] == '\n' || raw->data[n - 1] == '\r'))
        n--;
    return blen > 0 && n >= blen + 4 && memcmp(raw->data + n - blen - 4, "--", 2) == 0 &&
           memcmp(raw->data + n - blen - 2, b, blen) == 0 &&
           memcmp(raw->data + n - 2, "--", 2) == 0;
}

/* Feeds the whole multipart body to the post processor in one call. Fed
 * piece by piece, libmicrohttpd reports an empty first piece of a value
 * when a packet ends inside a part and the next piece again at offset 0,
 * which on_post_data cannot tell from a second field of the same name (a
 * form sent with FormData then got "sent more than once"). Given the whole
 * body, it reports each part's first piece exactly once, at offset 0. */
static void read_multipart(struct request *req)
{
    struct buf raw = req->body; /* on_post_data collects each value in req->body */
    req->body = (struct buf)BUF_INIT;
    if (MHD_post_process(req->pp, raw.data != NULL ? raw.data : "", raw.len) != MHD_YES ||
        !multipart_closed(req, &raw))
        fail(req, 400, "The form data could not be read.");
    buf_free(&raw);
    flush_form_field(req);
}

/* Last callback: the whole body is in. */
static enum MHD_Result finish(const struct app *app, struct request *req)
{
    if (req->body_kind == BODY_URLENCODED && req->fail_status == 0) {
        const char *why = NULL;
        int st = parse_urlencoded(&req->arena, req->body.data != NULL ? req->body.data : "",
                                  req->body.len, &req->form, &req->nfields, &why);
        if (st != 0)
            fail(req, st, why);
    } else if (req->pp != NULL) {
        if (req->fail_status == 0)
            read_multipart(req);
        if (MHD_destroy_post_processor(req->pp) != MHD_YES)
            fail(req, 400, "The form data could not be read.");
        req->pp = NULL;
    } else if (req->body_kind == BODY_JSON && req->fail_status == 0) {
        json_error_t jerr;
        req->json = json_loadb(req->body.data ? req->body.data : "", req->body.len,
                               JSON_REJECT_DUPLICATES, &jerr);
        if (req->json == NULL || !json_is_object(req->json))
            fail(req, 400, "The request body is not a valid JSON object.");
        else {
            const char *why = NULL;
            int st = json_body_to_fields(&req->arena, req->json, &req->form, &req->nfields, &why);
            if (st != 0)
                fail(req, st, why);
        }
    }
    if (req->fail_status != 0)
        return respond_fail(app, req);
    if (!req->api && (req->method == HTTP_GET || req->method == HTTP_HEAD) &&
        strncmp(req->path, "/static/", 8) == 0)
        return serve_static(app, req);
    dispatch(app, req);
    if (req->deferred)
        return MHD_YES; /* answered when the worker resumes the connection */
    return respond(app, req);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    const struct app *app = cls;
    struct request *req = *con_cls;
    if (req == NULL) {
        req = xcalloc(1, sizeof(*req));
        req->conn = conn;
        req->started = now_mono();
        *con_cls = req;
        atomic_fetch_add(&inflight, 1);
        return begin(app, req, url, method);
    }
    if (req->deferred) {
        /* Resumed by the worker pool: the handler has set the view. */
        req->deferred = false;
        return respond(app, req);
    }
    if (req->dispatched) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        enum MHD_Result r = intake(app, req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return r;
    }
    return finish(app, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    struct request *req = *con_cls;
    if (req == NULL)
        return;
    *con_cls = NULL;
    double ms = (double)(long long)((now_mono() - req->started) * 1e6) / 1000.0;
    const char *route = req->route ? req->route->pattern
                        : (req->path && strncmp(req->path, "/static/", 8) == 0) ? "/static"
                                                                                : "-";
    json_t *fields =
        json_pack("{s:s, s:s, s:b, s:i, s:f, s:I}", "method",
                  req->method_name ? req->method_name : "-", "route", route, "api", req->api,
                  "status", req->view.status, "ms", ms, "bytes", (json_int_t)req->bytes_out);
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        json_object_set_new(fields, "aborted", json_true());
    /* Health checks arrive every few seconds from Docker and load
     * balancers: worth a line only when debugging. */
    bool health =
        req->route != NULL && (req->route->flags & ROUTE_NO_SESSION) && req->view.status == 200;
    log_event(health ? LOG_DEBUG : LOG_INFO, "request", fields);
    if (req->pp != NULL)
        MHD_destroy_post_processor(req->pp);
    json_decref(req->view.data);
    json_decref(req->json);
    buf_free(&req->body);
    arena_free(&req->arena);
    free(req);
    atomic_fetch_sub(&inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    log_event(LOG_WARN, "http", json_pack("{s:s}", "detail", line));
}

void server_block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int server_run(const struct app *app)
{
    const struct config *cfg = app->cfg;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(cfg->listen_port);
    if (inet_pton(AF_INET, cfg->listen_host, &addr.sin_addr) != 1) {
        log_msg(LOG_ERROR, "LISTEN host %s is not an IPv4 address", cfg->listen_host);
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    pool_app = app;
    if (pool_start(&pools[POOL_DB], cfg->threads) != 0 ||
        pool_start(&pools[POOL_HASH], app->heavy_workers ? app->heavy_workers : 1) != 0 ||
        pool_start(&pools[POOL_PROBE], 1) != 0) {
        log_msg(LOG_ERROR, "cannot start the worker pools");
        pools_stop();
        return -1;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, cfg->listen_port, NULL, NULL, on_request, (void *)app, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, IO_THREADS, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)cfg->per_ip_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)cfg->connection_timeout,
        /* Request line + headers must fit here. An open keep-alive
         * connection keeps all of it resident (make bench: 1,000 of them
         * added 32 MiB at 32 KiB, 16 MiB at 16 KiB); 16 KiB still takes
         * headers four times a browser's. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16 * 1024, MHD_OPTION_LISTEN_BACKLOG_SIZE, 512u,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_raw, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        NULL, MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, MHD_OPTION_END);
    if (d == NULL) {
        log_msg(LOG_ERROR, "cannot listen on %s:%u", cfg->listen_host, cfg->listen_port);
        pools_stop();
        return -1;
    }
    log_event(LOG_INFO, "listening",
              json_pack("{s:s, s:i, s:s}", "host", cfg->listen_host, "port", cfg->listen_port,
                        "url", cfg->base_url));

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    for (;;) {
        struct timespec tick = {(time_t)cfg->housekeeping_interval, 0};
        sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        if (sig < 0 && errno == EAGAIN && app->housekeeping != NULL)
            app->housekeeping();
    }
    log_event(LOG_INFO, "stopping",
              json_pack("{s:s, s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", "in_flight",
                        atomic_load(&inflight)));
    MHD_socket lfd = MHD_quiesce_daemon(d);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    double deadline = now_mono() + cfg->drain_timeout;
    while (atomic_load(&inflight) > 0 && now_mono() < deadline) {
        struct timespec ts = {0, 20L * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&inflight) > 0)
        log_event(LOG_WARN, "drain timeout",
                  json_pack("{s:i}", "in_flight", atomic_load(&inflight)));
    /* The pools first: a job still running resumes its connection, which
     * needs the daemon. */
    pools_stop();
    MHD_stop_daemon(d);
    log_msg(LOG_INFO, "stopped");
    return 0;
}
