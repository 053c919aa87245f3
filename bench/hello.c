/* hello.c: bench-only. The HTTP limit: libmicrohttpd configured as the
 * server configures it (internal thread pool of THREADS, epoll, the same
 * connection limits and memory per connection), answering every request with
 * one static body of BODY_BYTES bytes and the same response headers as a
 * page (security headers, no-store, Vary). No database, no template, no log.
 *
 *   LISTEN=127.0.0.1:8090 THREADS=8 BODY_BYTES=5000 build/bench/hello
 *
 * Stops on SIGTERM or SIGINT. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct MHD_Response *page;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    /* First call: headers only. Then drain any body, then answer. */
    if (*con_cls == NULL) {
        *con_cls = (void *)1;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(conn, MHD_HTTP_OK, page);
}

static unsigned env_uint(const char *name, unsigned def)
{
    const char *v = getenv(name);
    return v != NULL && *v ? (unsigned)strtoul(v, NULL, 10) : def;
}

int main(void)
{
    const char *listen = getenv("LISTEN") ? getenv("LISTEN") : "127.0.0.1:8090";
    char host[64];
    unsigned port = 8090;
    if (sscanf(listen, "%63[^:]:%u", host, &port) != 2) {
        fprintf(stderr, "hello: LISTEN must be host:port\n");
        return 2;
    }
    size_t n = env_uint("BODY_BYTES", 5000);
    char *body = malloc(n + 1);
    static const char fill[] = "<p>Interlude hello: a static body of the page's size.</p>\n";
    for (size_t i = 0; i < n; i++)
        body[i] = fill[i % (sizeof(fill) - 1)];
    page = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(page, "Content-Type", "text/html; charset=utf-8");
    MHD_add_response_header(page, "Cache-Control", "no-store");
    MHD_add_response_header(page, "Vary", "Accept, Cookie");
    MHD_add_response_header(page, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
                            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    MHD_add_response_header(page, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(page, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(page, "X-Frame-Options", "DENY");
    MHD_add_response_header(page, "Permissions-Policy",
                            "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
    MHD_add_response_header(page, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(page, "Cross-Origin-Resource-Policy", "same-origin");

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "hello: bad LISTEN host\n");
        return 2;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, (unsigned short)port, NULL,
        NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, env_uint("THREADS", 8), MHD_OPTION_CONNECTION_LIMIT,
        env_uint("MAX_CONNECTIONS", 1024), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        env_uint("PER_IP_CONNECTIONS", 64), MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)env_uint("CONNECTION_MEMORY", 16 * 1024),
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 512u, MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "hello: cannot listen on %s\n", listen);
        return 1;
    }
    fprintf(stderr, "hello: listening on %s, %zu-byte body\n", listen, n);
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    MHD_destroy_response(page);
    return 0;
}
