/* main.c: the interlude binary: configuration, subcommands, start and stop. */
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "config.h"
#include "db/db.h"
#include "db/migrate.h"
#include "http/server.h"
#include "util/log.h"

/* Exit codes, also listed in --help. */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_GENERAL = 1,
    EXIT_CONFIG = 2,
    EXIT_TEMPLATES = 3,
    EXIT_DATABASE = 4,
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
           "            and the database and its migrations (exit 4); 0 when all is well\n"
           "  --help    this text\n\n");
    config_print_help();
}

/* Connects once for migrating; waits up to wait_s seconds for the database
 * to come up (containers start together). */
static PGconn *connect_for_migrations(const char *url, int wait_s)
{
    time_t give_up = time(NULL) + wait_s;
    for (;;) {
        PGconn *c = PQconnectdb(url);
        if (PQstatus(c) == CONNECTION_OK)
            return c;
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
    }
    db_shutdown();
    if (rc == EXIT_OK)
        printf("configuration, templates and database: ok\n");
cleanup:
    tpl_free(tpl);
    static_free(st);
    return rc;
}

static int cmd_serve(const struct config *cfg)
{
    struct tpl_set *tpl = NULL;
    struct static_set *st = NULL;
    int rc = EXIT_OK;
    if (load_assets(cfg, &tpl, &st) != 0) {
        rc = EXIT_TEMPLATES;
        goto cleanup;
    }
    if (run_migrations(cfg, 30) != 0) {
        rc = EXIT_DATABASE;
        goto cleanup;
    }
    db_init(cfg->database_url, cfg->migrations_dir);
    struct app app = {
        .cfg = cfg, .tpl = tpl, .statics = st, .routes = app_routes, .nroutes = R__MAX};
    if (server_run(&app) != 0)
        rc = EXIT_FAILURE_GENERAL;
    db_shutdown();
cleanup:
    tpl_free(tpl);
    static_free(st);
    return rc;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "serve";
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage();
        return EXIT_OK;
    }
    if (argc > 2 ||
        (strcmp(cmd, "serve") != 0 && strcmp(cmd, "migrate") != 0 && strcmp(cmd, "check") != 0)) {
        fprintf(stderr, "interlude: unknown command '%s' (try interlude --help)\n", cmd);
        return EXIT_USAGE;
    }
    /* Before any thread exists, so every thread inherits the mask. */
    server_block_signals();

    struct config cfg;
    char err[512];
    if (config_load(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "interlude: %s\n", err);
        return EXIT_CONFIG;
    }
    log_set_level(cfg.log_level);
    if (sodium_init() < 0) {
        fprintf(stderr, "interlude: libsodium failed to start\n");
        return EXIT_FAILURE_GENERAL;
    }
    if (strcmp(cmd, "migrate") == 0)
        return run_migrations(&cfg, 30) == 0 ? EXIT_OK : EXIT_DATABASE;
    if (strcmp(cmd, "check") == 0)
        return cmd_check(&cfg);
    return cmd_serve(&cfg);
}
