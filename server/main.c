/* main.c: the interlude binary: configuration, subcommands, start and stop. */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/attention.h"
#include "app/library.h"
#include "auth/auth.h"
#include "config.h"
#include "crypto/box.h"
#include "crypto/keycheck.h"
#include "crypto/rotate.h"
#include "db/db.h"
#include "db/migrate.h"
#include "http/server.h"
#include "mail/mail.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Exit codes, also listed in --help. */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_GENERAL = 1,
    EXIT_CONFIG = 2,
    EXIT_TEMPLATES = 3,
    EXIT_DATABASE = 4,
    EXIT_KEYS = 5,
    EXIT_USAGE = 64,
};

static void usage(void)
{
    printf("Usage: interlude [COMMAND]\n\n"
           "Interlude: homework between therapy sessions.\n\n"
           "Commands:\n"
           "  serve     migrate the database, then serve HTTP (the default)\n"
           "  migrate   apply pending database migrations and exit\n"
           "  check     check configuration (exit 2), templates and static files (exit 3),\n"
           "            the database and its migrations (exit 4), and that the data keys\n"
           "            open the stored data (exit 5); 0 when all is well\n"
           "  create-admin --email E [--name N] [--totp]\n"
           "            create an administrator; the password is read from standard input\n"
           "  policy [--two-step off|therapists|admins|both]\n"
           "            show or set who must use two-step sign-in (audited; a new\n"
           "            installation starts with both, see docs/SECURITY.md)\n"
           "  healthcheck\n"
           "            GET /healthz on LISTEN; exit 0 when it answers 200 (for Docker)\n"
           "  rotate-key\n"
           "            re-encrypt every stored answer and reply not sealed with the current\n"
           "            data key (give the old keys in INTERLUDE_DATA_KEYS_OLD); safe to re-run\n"
           "  mail-test --to ADDRESS\n"
           "            send one test message through SMTP_URL now; 0 when the relay took it\n"
           "  routes    print the table of routes as JSON\n"
           "  --help    this text\n\n");
    config_print_help();
}

/* Migrations say "already exists, skipping" and the like: not worth a log line. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Connects once for migrating; waits up to wait_s seconds for the database
 * to come up (containers start together). */
static PGconn *connect_for_migrations(const char *url, int wait_s)
{
    time_t give_up = time(NULL) + wait_s;
    for (;;) {
        PGconn *c = PQconnectdb(url);
        if (PQstatus(c) == CONNECTION_OK) {
            PQsetNoticeProcessor(c, ignore_notice, NULL);
            return c;
        }
        PQfinish(c);
        if (time(NULL) >= give_up)
            return NULL;
        log_msg(LOG_WARN, "database not reachable yet, retrying");
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
}

static int run_migrations(const struct config *cfg, int wait_s)
{
    PGconn *c = connect_for_migrations(cfg->database_url, wait_s);
    if (c == NULL) {
        log_msg(LOG_ERROR, "cannot connect to the database (DATABASE_URL)");
        return -1;
    }
    char err[512];
    int n = migrate_run(c, cfg->migrations_dir, err, sizeof(err));
    PQfinish(c);
    if (n < 0) {
        log_event(LOG_ERROR, "migrations failed", json_pack("{s:s}", "detail", err));
        return -1;
    }
    log_event(LOG_INFO, "migrations", json_pack("{s:i}", "applied", n));
    return 0;
}

static int load_assets(const struct config *cfg, struct tpl_set **tpl, struct static_set **st)
{
    char err[512];
    *tpl = tpl_load_dir(cfg->templates_dir, err, sizeof(err));
    if (*tpl == NULL) {
        fprintf(stderr, "interlude: templates: %s\n", err);
        return -1;
    }
    *st = static_load(cfg->static_dir, err, sizeof(err));
    if (*st == NULL) {
        fprintf(stderr, "interlude: %s\n", err);
        return -1;
    }
    if (router_check(app_routes, R__MAX, err, sizeof(err)) != 0) {
        fprintf(stderr, "interlude: routes: %s\n", err);
        return -1;
    }
    return 0;
}

static int cmd_check(const struct config *cfg)
{
    struct tpl_set *tpl = NULL;
    struct static_set *st = NULL;
    int rc = EXIT_OK;
    if (load_assets(cfg, &tpl, &st) != 0) {
        rc = EXIT_TEMPLATES;
        goto cleanup;
    }
    char merr[512];
    if (mail_init(cfg, merr, sizeof(merr)) != 0) {
        fprintf(stderr, "interlude: %s\n", merr);
        rc = EXIT_TEMPLATES;
        goto cleanup;
    }
    mail_shutdown();
    PGconn *c = PQconnectdb(cfg->database_url);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "interlude: database: cannot connect (DATABASE_URL)\n");
        PQfinish(c);
        rc = EXIT_DATABASE;
        goto cleanup;
    }
    PQfinish(c);
    db_init(cfg->database_url, cfg->migrations_dir);
    if (!db_ready()) {
        fprintf(stderr,
                "interlude: database: migrations are not current (run interlude migrate)\n");
        rc = EXIT_DATABASE;
    } else {
        char why[256];
        if (db_check_statements(why, sizeof(why)) != 0) {
            fprintf(stderr, "interlude: database: %s\n", why);
            rc = EXIT_DATABASE;
        }
        enum keycheck_status ks = keycheck_run(why, sizeof(why));
        if (rc == EXIT_OK && ks != KEYCHECK_OK) {
            fprintf(stderr, "interlude: data keys: %s\n", why);
            rc = ks == KEYCHECK_BAD ? EXIT_KEYS : EXIT_DATABASE;
        }
    }
    db_shutdown();
    if (rc == EXIT_OK)
        printf("configuration, templates, database and data keys: ok; mail: %s\n",
               mail_enabled() ? "on (interlude mail-test --to ADDRESS sends a test message)"
                              : "off (SMTP_URL is not set)");
cleanup:
    tpl_free(tpl);
    static_free(st);
    return rc;
}

static void housekeeping(void)
{
    struct db_args idle = {0}, none = {0};
    db_arg_int(&idle, config_current->session_idle);
    db_run(STMT_SESSION_PURGE, &idle, NULL);
    db_run(STMT_LOGIN_FAILURES_PURGE, &none, NULL);
    db_run(STMT_RESET_REQUEST_PURGE, &none, NULL);
    db_run(STMT_REMINDER_STOPS_PURGE, &none, NULL);
    int queued = 0;
    if (reminders_run(&queued) == DB_OK && queued > 0)
        log_event(LOG_INFO, "reminders queued", json_pack("{s:i}", "count", queued));
    if (digest_run(&queued) == DB_OK && queued > 0)
        log_event(LOG_INFO, "digests queued", json_pack("{s:i}", "count", queued));
    long raised = 0;
    if (attention_raise_inactive(&raised) == DB_OK && raised > 0)
        log_event(LOG_INFO, "attention raised",
                  json_pack("{s:s, s:i}", "kind", "inactive", "count", (int)raised));
}

static int cmd_serve(const struct config *cfg)
{
    struct tpl_set *tpl = NULL;
    struct static_set *st = NULL;
    int rc = EXIT_OK;
    /* Start-up phases, in ms since main began (bench/ prints them). */
    double t_config = log_since_start_ms();
    if (load_assets(cfg, &tpl, &st) != 0) {
        rc = EXIT_TEMPLATES;
        goto cleanup;
    }
    char merr[512];
    if (mail_init(cfg, merr, sizeof(merr)) != 0) {
        fprintf(stderr, "interlude: %s\n", merr);
        rc = EXIT_TEMPLATES;
        goto cleanup;
    }
    double t_assets = log_since_start_ms();
    if (run_migrations(cfg, 30) != 0) {
        rc = EXIT_DATABASE;
        goto cleanup;
    }
    /* The main thread loads the library (waiting for another process's
     * advisory lock while it does the same) and runs the housekeeping:
     * longer limits than a request's, never none. */
    double t_migrations = log_since_start_ms();
    db_thread_timeouts(30000, 60000);
    db_init(cfg->database_url, cfg->migrations_dir);
    char lerr[512];
    if (library_load(cfg->library_dir, lerr, sizeof(lerr)) != 0) {
        log_event(LOG_ERROR, "library not loaded", json_pack("{s:s}", "detail", lerr));
        db_shutdown();
        rc = EXIT_DATABASE;
        goto cleanup;
    }
    /* A wrong data key: the server still starts (health checks, the
     * reason in /readyz), but is not ready and refuses writes. */
    double t_library = log_since_start_ms();
    char kwhy[256];
    if (keycheck_run(kwhy, sizeof(kwhy)) == KEYCHECK_UNKNOWN)
        log_event(LOG_WARN, "data key check postponed", json_pack("{s:s}", "detail", kwhy));
    if (setup_announce(cfg->base_url) != 0)
        log_msg(LOG_WARN, "could not check for a first administrator");
    double t_checks = log_since_start_ms();
    log_event(LOG_INFO, "start-up",
              json_pack("{s:f, s:f, s:f, s:f, s:f}", "config_ms", t_config, "assets_ms",
                        t_assets - t_config, "migrations_ms", t_migrations - t_assets, "library_ms",
                        t_library - t_migrations, "checks_ms", t_checks - t_library));
    struct app app = {.cfg = cfg,
                      .tpl = tpl,
                      .statics = st,
                      .routes = app_routes,
                      .nroutes = R__MAX,
                      .guard = app_guard,
                      .decorate = app_decorate,
                      .housekeeping = housekeeping,
                      .heavy_workers = cfg->hash_slots};
    /* The sender thread (mail) runs beside the HTTP daemon and stops after
     * it: a message being sent at SIGTERM is finished and marked. */
    if (mail_sender_start() != 0) {
        log_msg(LOG_ERROR, "cannot start the mail sender");
        rc = EXIT_FAILURE_GENERAL;
    } else {
        log_event(LOG_INFO, "mail", json_pack("{s:b}", "enabled", mail_enabled()));
        if (server_run(&app) != 0)
            rc = EXIT_FAILURE_GENERAL;
        mail_sender_stop();
    }
    db_shutdown();
cleanup:
    mail_shutdown();
    tpl_free(tpl);
    static_free(st);
    return rc;
}

/* Prints the route table for tests and for people: method, pattern, roles. */
static int cmd_routes(void)
{
    json_t *all = json_array();
    for (int i = 0; i < R__MAX; i++) {
        const struct route *r = &app_routes[i];
        json_t *roles = json_array();
        for (unsigned bit = ROLE_ADMIN; bit <= ROLE_CLIENT; bit <<= 1)
            if (r->roles & bit)
                json_array_append_new(roles, json_string(role_name(bit)));
        json_array_append_new(all, json_pack("{s:s, s:s, s:o, s:b, s:b, s:b}", "method",
                                             http_method_name(r->method), "pattern", r->pattern,
                                             "roles", roles, "api", !(r->flags & ROUTE_NO_API),
                                             "json_only", (r->flags & ROUTE_JSON_ONLY) != 0,
                                             "token", (r->flags & ROUTE_TOKEN) != 0));
    }
    char *s = json_dumps(all, JSON_INDENT(1));
    puts(s);
    free(s);
    json_decref(all);
    return EXIT_OK;
}

/* GET /healthz on the configured port over loopback; the slim image has no
 * curl, so the binary checks itself. */
static int cmd_healthcheck(const struct config *cfg)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return EXIT_FAILURE_GENERAL;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(cfg->listen_port)};
    if (inet_pton(AF_INET, cfg->listen_host, &a.sin_addr) != 1 ||
        a.sin_addr.s_addr == htonl(INADDR_ANY))
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    static const char req[] =
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    char buf[64] = "";
    int ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
             write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1) &&
             read(fd, buf, sizeof(buf) - 1) >= 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0;
    close(fd);
    return ok ? EXIT_OK : EXIT_FAILURE_GENERAL;
}

/* Reads one line (the password) from standard input, without its newline. */
static char *read_password_line(void)
{
    static char line[1024];
    if (fgets(line, sizeof(line), stdin) == NULL)
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

static int cmd_create_admin(const struct config *cfg, int argc, char **argv)
{
    const char *email = NULL, *name = "Administrator";
    bool totp = false, bad = false;
    for (int i = 2; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--totp") == 0)
            totp = true;
        else if (i + 1 < argc && strcmp(argv[i], "--email") == 0)
            email = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--name") == 0)
            name = argv[++i];
        else
            bad = true;
    }
    if (email == NULL || bad) {
        fprintf(stderr, "usage: interlude create-admin --email E [--name N] [--totp] < password\n");
        return EXIT_USAGE;
    }
    char *pw = read_password_line();
    if (pw == NULL) {
        fprintf(stderr, "interlude: no password on standard input\n");
        return EXIT_USAGE;
    }
    if (run_migrations(cfg, 30) != 0)
        return EXIT_DATABASE;
    db_init(cfg->database_url, cfg->migrations_dir);
    int rc = setup_create_admin(email, name, pw, totp);
    sodium_memzero(pw, strlen(pw));
    db_shutdown();
    return rc;
}

/* interlude policy [--two-step WORD]: shows or sets who must use two-step
 * sign-in (app/security.c). */
static int cmd_policy(const struct config *cfg, int argc, char **argv)
{
    const char *word = NULL;
    if (argc == 4 && strcmp(argv[2], "--two-step") == 0 && two_step_policy_valid(argv[3]))
        word = argv[3];
    else if (argc != 2) {
        fprintf(stderr, "usage: interlude policy [--two-step off|therapists|admins|both]\n");
        return EXIT_USAGE;
    }
    if (run_migrations(cfg, 30) != 0)
        return EXIT_DATABASE;
    db_init(cfg->database_url, cfg->migrations_dir);
    int rc = security_policy_cli(word, stdout);
    db_shutdown();
    if (rc != 0) {
        fprintf(stderr, "interlude: the database could not be reached (DATABASE_URL)\n");
        return EXIT_DATABASE;
    }
    return EXIT_OK;
}

/* interlude mail-test --to ADDRESS: one message, sent now. */
static int cmd_mail_test(const struct config *cfg, int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[2], "--to") != 0) {
        fprintf(stderr, "usage: interlude mail-test --to ADDRESS\n");
        return EXIT_USAGE;
    }
    char err[512];
    if (mail_init(cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "interlude: %s\n", err);
        return EXIT_TEMPLATES;
    }
    int rc = mail_send_test(argv[3], err, sizeof(err));
    mail_shutdown();
    if (rc != 0) {
        fprintf(stderr, "interlude: mail-test: %s\n", err);
        return EXIT_FAILURE_GENERAL;
    }
    printf("mail-test: the relay accepted the message\n");
    return EXIT_OK;
}

/* Re-seals stored values with the current key (crypto/rotate.c). */
static int cmd_rotate_key(const struct config *cfg)
{
    char err[512];
    int rc = rotate_run(cfg->database_url, sealed_columns, stdout, err, sizeof(err));
    if (rc == ROTATE_OK)
        return EXIT_OK;
    fprintf(stderr, "interlude: rotate-key: %s\n", err);
    return rc == ROTATE_DB_ERROR ? EXIT_DATABASE : EXIT_FAILURE_GENERAL;
}

int main(int argc, char **argv)
{
    /* jansson allocates through xmalloc, so that its allocation failures
     * abort like ours (util/xalloc.c) instead of quietly leaving a value
     * out: an answer missing from an entry that is then stored and
     * acknowledged (found by tests/faults/oom.test.mjs). */
    log_start();
    json_set_alloc_funcs(xmalloc, free);
    const char *cmd = argc > 1 ? argv[1] : "serve";
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage();
        return EXIT_OK;
    }
    if (strcmp(cmd, "routes") == 0)
        return cmd_routes();
    bool known = strcmp(cmd, "serve") == 0 || strcmp(cmd, "migrate") == 0 ||
                 strcmp(cmd, "check") == 0 || strcmp(cmd, "healthcheck") == 0 ||
                 strcmp(cmd, "create-admin") == 0 || strcmp(cmd, "rotate-key") == 0 ||
                 strcmp(cmd, "mail-test") == 0 || strcmp(cmd, "policy") == 0;
    if (!known || (argc > 2 && strcmp(cmd, "create-admin") != 0 && strcmp(cmd, "mail-test") != 0 &&
                   strcmp(cmd, "policy") != 0)) {
        fprintf(stderr, "interlude: unknown command '%s' (try interlude --help)\n", cmd);
        return EXIT_USAGE;
    }
    /* Before any thread exists, so every thread inherits the mask. */
    server_block_signals();

    /* static: config_current points here, and must not dangle while exit()
     * runs after main returns. */
    static struct config cfg;
    char err[512];
    if (config_load(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "interlude: %s\n", err);
        return EXIT_CONFIG;
    }
    log_set_level(cfg.log_level);
    config_current = &cfg;
    /* Every connection (the pool, migrations, rotate-key, check) reads it
     * through libpq. Set here, before any thread: it reaches libpq only,
     * not the environment the container was started with (docker inspect,
     * /proc/1/environ). A password in DATABASE_URL still wins. */
    if (cfg.database_password != NULL && setenv("PGPASSWORD", cfg.database_password, 1) != 0) {
        fprintf(stderr, "interlude: cannot hand the database password to libpq\n");
        return EXIT_CONFIG;
    }
    if (strcmp(cmd, "healthcheck") == 0)
        return cmd_healthcheck(&cfg);
    if (sodium_init() < 0) {
        fprintf(stderr, "interlude: libsodium failed to start\n");
        return EXIT_FAILURE_GENERAL;
    }
    if (strcmp(cmd, "migrate") == 0)
        return run_migrations(&cfg, 30) == 0 ? EXIT_OK : EXIT_DATABASE;
    if (strcmp(cmd, "policy") == 0)
        return cmd_policy(&cfg, argc, argv);
    /* The data keys, for every command that may read or write what people
     * typed (and check, which checks the configuration). */
    if (box_init(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "interlude: %s\n", err);
        return EXIT_CONFIG;
    }
    if (strcmp(cmd, "mail-test") == 0) {
        int rc = cmd_mail_test(&cfg, argc, argv);
        box_shutdown();
        return rc;
    }
    if (strcmp(cmd, "rotate-key") == 0) {
        int rc = cmd_rotate_key(&cfg);
        box_shutdown();
        return rc;
    }
    if (strcmp(cmd, "check") != 0 && password_init(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "interlude: %s\n", err);
        box_shutdown();
        return EXIT_CONFIG;
    }
    /* liboath's one-time set-up, before any thread (two-step codes). */
    if (totp_init() != 0) {
        fprintf(stderr, "interlude: liboath could not start\n");
        password_shutdown();
        box_shutdown();
        return EXIT_CONFIG;
    }
    if (strcmp(cmd, "create-admin") == 0) {
        int rc = cmd_create_admin(&cfg, argc, argv);
        password_shutdown();
        box_shutdown();
        return rc;
    }
    if (strcmp(cmd, "check") == 0) {
        int rc = cmd_check(&cfg);
        box_shutdown();
        return rc;
    }
    int rc = cmd_serve(&cfg);
    password_shutdown();
    box_shutdown();
    return rc;
}
