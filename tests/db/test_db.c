/* test_db.c: the per-thread connection layer (db.c) against a real PostgreSQL (TEST_DATABASE_URL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "db/db.h"
#include "db/migrate.h"
#include "db/query.h"

/* Each test gets its own schema, reached by the module's connections through
 * PGOPTIONS (libpq reads it for every new connection), and a directory with
 * two migrations. db_init runs in setup, db_shutdown in teardown. */
struct fixture {
    char schema[64];
    char dir[64];
    char options[128];
    PGconn *admin; /* a separate session, search_path = schema */
};

static const char *url(void)
{
    return getenv("TEST_DATABASE_URL");
}

/* Test sessions print no NOTICE lines (DROP ... CASCADE is chatty). */
static void no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_admin(const char *options)
{
    const char *keys[] = {"dbname", "options", NULL};
    const char *values[] = {url(), options, NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);

    if (PQstatus(conn) != CONNECTION_OK) {
        print_error("connect failed: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, no_notices, NULL);
    return conn;
}

static void exec_ok(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    PQclear(res);
}

static long query_long(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    long v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return v;
}

static void write_file(const char *dir, const char *name, const char *content)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    assert_int_equal(fclose(f), 0);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[512];

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Terminates a backend from the admin session and waits (up to 5 s) until
 * it is gone, so the next use of that session surely finds it dead. */
static void kill_backend(PGconn *admin, int pid)
{
    char pidtext[16];
    snprintf(pidtext, sizeof pidtext, "%d", pid);
    const char *params[1] = {pidtext};
    PGresult *res = PQexecParams(admin, "SELECT pg_terminate_backend($1::integer, 5000)", 1, NULL,
                                 params, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
}

/* Polls pg_stat_activity until no backend with this pid is left (2 s max). */
static bool backend_gone(PGconn *admin, int pid)
{
    char pidtext[16];
    snprintf(pidtext, sizeof pidtext, "%d", pid);
    const char *params[1] = {pidtext};
    for (int i = 0; i < 200; i++) {
        if (query_long(admin, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::integer", 1,
                       params) == 0)
            return true;
        usleep(10000);
    }
    return false;
}

static int setup(void **state)
{
    static int counter;
    char sql[160];

    if (url() == NULL) {
        print_error("TEST_DATABASE_URL is not set: these tests need a PostgreSQL database\n");
        return -1;
    }
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    snprintf(fx->schema, sizeof fx->schema, "db_test_%ld_%d", (long)getpid(), counter++);
    snprintf(fx->options, sizeof fx->options, "-c search_path=%s", fx->schema);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/interlude-db-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    write_file(fx->dir, "0001_first.sql", "CREATE TABLE t1 (id integer PRIMARY KEY);\n");
    write_file(fx->dir, "0002_second.sql", "CREATE TABLE tx_probe (v integer NOT NULL);\n");

    fx->admin = connect_admin(NULL);
    assert_non_null(fx->admin);
    /* An identifier cannot be a parameter; the name is built from digits. */
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", fx->schema);
    exec_ok(fx->admin, sql);
    snprintf(sql, sizeof sql, "SET search_path = %s", fx->schema);
    exec_ok(fx->admin, sql);

    setenv("PGOPTIONS", fx->options, 1);
    assert_int_equal(db_init(url(), fx->dir), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char sql[160];

    if (fx == NULL)
        return 0;
    db_shutdown();
    unsetenv("PGOPTIONS");
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", fx->schema);
    exec_ok(fx->admin, sql);
    PQfinish(fx->admin);
    remove_dir(fx->dir);
    free(fx);
    return 0;
}

/* Migrates the fixture schema through the module's own connection. */
static void migrate(struct fixture *fx)
{
    char err[512];
    assert_int_equal(migrate_run(db_conn(), fx->dir, err, sizeof err), 2);
}

static void test_ping(void **state)
{
    (void)state;
    PGresult *res = NULL;

    assert_int_equal(db_exec(STMT_PING, 0, NULL, &res), DB_OK);
    assert_non_null(res);
    assert_int_equal(PQntuples(res), 1);
    assert_string_equal(PQgetvalue(res, 0, 0), "1");
    PQclear(res);
    assert_int_equal(db_exec(STMT_PING, 0, NULL, NULL), DB_OK);
}

static void test_misuse_is_hard(void **state)
{
    (void)state;
    const char *params[1] = {"x"};
    PGresult *res = (PGresult *)params; /* must be reset to NULL */

    assert_int_equal(db_exec(STMT_PING, 1, params, &res), DB_HARD);
    assert_null(res);
    assert_int_equal(db_exec(STMT__MAX, 0, NULL, NULL), DB_HARD);
    assert_int_equal(db_exec((enum stmt_id) - 1, 0, NULL, NULL), DB_HARD);
    assert_int_equal(db_tx(NULL, NULL), DB_HARD);
}

static void test_init_refuses_bad_input(void **state)
{
    struct fixture *fx = *state;

    /* Already initialised by the fixture. */
    assert_int_equal(db_init(url(), fx->dir), -1);
    db_shutdown();
    assert_int_equal(db_init("host=/tmp no_such_keyword=1", fx->dir), -1);
    assert_int_equal(db_init("postgresql://[broken", fx->dir), -1);
    assert_int_equal(db_init(url(), "/nonexistent/interlude-migrations"), -1);
    assert_int_equal(db_init(url(), NULL), -1);
    /* Not initialised: unavailable, not a crash. */
    assert_null(db_conn());
    assert_int_equal(db_exec(STMT_PING, 0, NULL, NULL), DB_UNAVAILABLE);
    assert_false(db_ready());
    assert_int_equal(db_init(url(), fx->dir), 0);
    assert_int_equal(db_exec(STMT_PING, 0, NULL, NULL), DB_OK);
}

static void test_connection_settings(void **state)
{
    (void)state;
    PGconn *conn = db_conn();
    PGresult *res;

    assert_non_null(conn);
    assert_ptr_equal(db_conn(), conn); /* one per thread, reused */
    res = PQexecParams(conn, "SELECT current_setting('application_name')", 0, NULL, NULL, NULL,
                       NULL, 0);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(res, 0, 0), "interlude");
    PQclear(res);

    bool seen = false;
    PQconninfoOption *opts = PQconninfo(conn);
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "connect_timeout") == 0) {
            assert_non_null(o->val);
            assert_string_equal(o->val, "2");
            seen = true;
        }
    }
    PQconninfoFree(opts);
    assert_true(seen);
}

static void test_ready_follows_migrations(void **state)
{
    struct fixture *fx = *state;

    assert_false(db_ready()); /* no schema_migrations yet */
    migrate(fx);
    assert_true(db_ready());

    /* Behind the files: not ready. */
    exec_ok(fx->admin, "DELETE FROM schema_migrations WHERE version = 2");
    assert_false(db_ready());
}

static enum db_status latest_then_fail(void *ctx)
{
    (void)ctx;
    PGresult *res = NULL;
    enum db_status st = db_exec(STMT_MIGRATION_LATEST, 0, NULL, &res);
    PQclear(res);
    return st == DB_OK ? DB_HARD : st;
}

/* A statement refused at connect (its table did not exist yet) is prepared
 * on first use; prepared statements are not transactional, so one first
 * prepared inside a transaction that rolls back stays usable. */
static void test_lazy_prepare_survives_rollback(void **state)
{
    struct fixture *fx = *state;

    assert_non_null(db_conn()); /* connected before schema_migrations exists */
    migrate(fx);
    assert_int_equal(db_tx(latest_then_fail, NULL), DB_HARD);
    assert_true(db_ready());
    assert_int_equal(db_exec(STMT_MIGRATION_LATEST, 0, NULL, NULL), DB_OK);
}

/* Every statement of stmts.c matches the repository's schema: a column
 * renamed or a table dropped by a migration fails here, not in a page
 * (statements are otherwise prepared on first use). Before the migrations,
 * the check names a statement the database refuses. */
static void test_statements_match_the_schema(void **state)
{
    (void)state;
    char err[256] = "";
    int before = db_check_statements(err, sizeof err);
    assert_true(before > 0);
    assert_non_null(strstr(err, "do not match the schema (the first: "));
    assert_true(migrate_run(db_conn(), "migrations", err, sizeof err) > 0);
    err[0] = '\0';
    int after = db_check_statements(err, sizeof err);
    if (after != 0)
        fail_msg("%d statements refused: %s", after, err);
    assert_int_equal(db_exec(STMT_MIGRATION_LATEST, 0, NULL, NULL), DB_OK);
}

/* A result's columns are compared with a declaration by name and order. */
static void test_declared_columns(void **state)
{
    (void)state;
    PGconn *c = db_conn();
    assert_non_null(c);
    PGresult *r = PQexec(c, "SELECT 1 AS a, 2 AS bb");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_true(db_cols_match(r, "a bb"));
    assert_false(db_cols_match(r, "a"));
    assert_false(db_cols_match(r, "a b"));
    assert_false(db_cols_match(r, "a bbb"));
    assert_false(db_cols_match(r, "bb a"));
    assert_false(db_cols_match(r, "a bb c"));
    assert_false(db_cols_match(r, ""));
    assert_int_equal(db_int(r, 0, "bb"), 2);
    assert_string_equal(db_text(r, 0, "a"), "1");
    PQclear(r);
    r = PQexec(c, "SET search_path = public");
    assert_true(db_cols_match(r, ""));
    assert_false(db_cols_match(r, "a"));
    PQclear(r);
}

/* Every statement declares its columns, each once and never by the name
 * PostgreSQL invents for an expression ("?column?"), so that every column
 * can be read by its name. */
static void test_declarations_are_readable(void **state)
{
    (void)state;
    for (int i = 0; i < STMT__MAX; i++) {
        const char *cols = stmt_defs[i].cols;
        if (cols == NULL)
            fail_msg("%s declares no columns", stmt_defs[i].name);
        const char *names[64];
        size_t lens[64];
        int n = 0;
        for (const char *p = cols; *p != '\0' && n < 64; n++) {
            names[n] = p;
            lens[n] = strcspn(p, " ");
            p += lens[n] + (p[lens[n]] == ' ');
        }
        for (int k = 0; k < n; k++) {
            if (lens[k] == 8 && strncmp(names[k], "?column?", 8) == 0)
                fail_msg("%s: a column without a name (give it one with AS)", stmt_defs[i].name);
            for (int j = 0; j < k; j++)
                if (lens[j] == lens[k] && strncmp(names[j], names[k], lens[k]) == 0)
                    fail_msg("%s: column %.*s twice", stmt_defs[i].name, (int)lens[k], names[k]);
        }
    }
}

struct tx_probe {
    int attempts;
    const char *raise_sqlstate; /* raised on the first attempt (NULL: none) */
    bool always;                /* raise on every attempt */
    enum db_status result;      /* returned after the insert */
    PGconn *admin;              /* for killing our own backend */
    bool kill_first;
};

/* A test-only body: raw SQL through db_conn(), classified by db_classify. */
static enum db_status probe_fn(void *ctx)
{
    struct tx_probe *p = ctx;
    PGconn *conn = db_conn();
    char sql[160];

    p->attempts++;
    if (conn == NULL)
        return DB_SOFT;
    if (p->kill_first && p->attempts == 1) {
        kill_backend(p->admin, PQbackendPID(conn));
        return db_exec(STMT_PING, 0, NULL, NULL);
    }
    if (p->raise_sqlstate != NULL && (p->always || p->attempts == 1)) {
        snprintf(sql, sizeof sql, "DO $$BEGIN RAISE EXCEPTION USING ERRCODE = '%s'; END$$",
                 p->raise_sqlstate);
        PGresult *res = PQexec(conn, sql);
        enum db_status st = db_classify(conn, res);
        PQclear(res);
        return st;
    }
    PGresult *res =
        PQexecParams(conn, "INSERT INTO tx_probe (v) VALUES (1)", 0, NULL, NULL, NULL, NULL, 0);
    enum db_status st = db_classify(conn, res);
    PQclear(res);
    return st != DB_OK ? st : p->result;
}

static long probe_rows(struct fixture *fx)
{
    return query_long(fx->admin, "SELECT count(*) FROM tx_probe", 0, NULL);
}

static void test_tx_retries_serialization_failure(void **state)
{
    struct fixture *fx = *state;
    struct tx_probe p = {.raise_sqlstate = "40001", .result = DB_OK};

    migrate(fx);
    assert_int_equal(db_tx(probe_fn, &p), DB_OK);
    assert_int_equal(p.attempts, 2);
    assert_int_equal(probe_rows(fx), 1);

    p = (struct tx_probe){.raise_sqlstate = "40P01", .result = DB_OK};
    assert_int_equal(db_tx(probe_fn, &p), DB_OK);
    assert_int_equal(p.attempts, 2);
    assert_int_equal(probe_rows(fx), 2);
}

static void test_tx_gives_up_after_three(void **state)
{
    struct fixture *fx = *state;
    struct tx_probe p = {.raise_sqlstate = "40001", .always = true};

    migrate(fx);
    assert_int_equal(db_tx(probe_fn, &p), DB_SOFT);
    assert_int_equal(p.attempts, 3);
    assert_int_equal(PQtransactionStatus(db_conn()), PQTRANS_IDLE);
}

static void test_tx_hard_rolls_back_once(void **state)
{
    struct fixture *fx = *state;
    struct tx_probe p = {.result = DB_HARD};

    migrate(fx);
    assert_int_equal(db_tx(probe_fn, &p), DB_HARD);
    assert_int_equal(p.attempts, 1);
    assert_int_equal(probe_rows(fx), 0);
    assert_int_equal(PQtransactionStatus(db_conn()), PQTRANS_IDLE);

    p = (struct tx_probe){.raise_sqlstate = "23505", .result = DB_OK};
    assert_int_equal(db_tx(probe_fn, &p), DB_HARD);
    assert_int_equal(p.attempts, 1);

    p = (struct tx_probe){.result = DB_OK};
    assert_int_equal(db_tx(probe_fn, &p), DB_OK);
    assert_int_equal(probe_rows(fx), 1);
}

/* fn that swallows a failed statement and claims success. */
static enum db_status swallow_fn(void *ctx)
{
    (void)ctx;
    PGresult *res = PQexec(db_conn(), "SELECT 1/0");
    PQclear(res);
    return DB_OK;
}

static enum db_status nested_fn(void *ctx)
{
    enum db_status *inner = ctx;
    *inner = db_tx(swallow_fn, NULL);
    return DB_OK;
}

static void test_tx_misuse_is_hard(void **state)
{
    (void)state;
    enum db_status inner = DB_OK;

    assert_int_equal(db_tx(swallow_fn, NULL), DB_HARD);
    assert_int_equal(PQtransactionStatus(db_conn()), PQTRANS_IDLE);
    assert_int_equal(db_tx(nested_fn, &inner), DB_OK);
    assert_int_equal(inner, DB_HARD);
    assert_int_equal(db_exec(STMT_PING, 0, NULL, NULL), DB_OK);
}

static void test_classify(void **state)
{
    (void)state;
    PGconn *conn = db_conn();
    PGresult *res;

    assert_non_null(conn);
    res = PQexec(conn, "SELECT 1");
    assert_int_equal(db_classify(conn, res), DB_OK);
    PQclear(res);
    res = PQexec(conn, "DO $$BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END$$");
    assert_int_equal(db_classify(conn, res), DB_SOFT);
    PQclear(res);
    res = PQexec(conn, "DO $$BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END$$");
    assert_int_equal(db_classify(conn, res), DB_SOFT);
    PQclear(res);
    res = PQexec(conn, "DO $$BEGIN RAISE EXCEPTION USING ERRCODE = '23505'; END$$");
    assert_int_equal(db_classify(conn, res), DB_HARD);
    PQclear(res);
    res = PQexec(conn, "DO $$BEGIN RAISE EXCEPTION USING ERRCODE = '08006'; END$$");
    assert_int_equal(db_classify(conn, res), DB_SOFT);
    PQclear(res);
    res = PQexec(conn, "");
    assert_int_equal(db_classify(conn, res), DB_HARD); /* PGRES_EMPTY_QUERY */
    PQclear(res);
    assert_int_equal(db_classify(conn, NULL), DB_HARD);
    assert_int_equal(db_classify(NULL, NULL), DB_SOFT); /* no connection at all */
}

static void test_reconnect_after_terminate(void **state)
{
    struct fixture *fx = *state;
    PGconn *conn = db_conn();

    assert_non_null(conn);
    int pid = PQbackendPID(conn);
    kill_backend(fx->admin, pid);
    /* Ended while idle (pg_terminate_backend waits for the backend to go):
     * the session is replaced before use, so the very next statement
     * succeeds, on a new backend (tests/integration/faults-pg-restart). */
    assert_int_equal(db_exec(STMT_PING, 0, NULL, NULL), DB_OK);
    assert_int_not_equal(PQbackendPID(db_conn()), pid);

    /* Lost between transactions: BEGIN fails, the retry reconnects. */
    migrate(fx);
    kill_backend(fx->admin, PQbackendPID(db_conn()));
    struct tx_probe p = {.result = DB_OK};
    assert_int_equal(db_tx(probe_fn, &p), DB_OK);
    assert_int_equal(p.attempts, 1);

    /* Lost inside the transaction: no silent reconnect mid-way, a retry. */
    p = (struct tx_probe){.result = DB_OK, .admin = fx->admin, .kill_first = true};
    assert_int_equal(db_tx(probe_fn, &p), DB_OK);
    assert_int_equal(p.attempts, 2);
    assert_int_equal(probe_rows(fx), 2);
    assert_true(db_ready());
}

/* A TCP listener that never answers: libpq connects and then waits for the
 * server's reply until connect_timeout. */
static int silent_listener(int *port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

/* Connection attempts that reached the listener since the last call. */
static int drain_attempts(int fd)
{
    int n = 0, c;
    while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        close(c);
        n++;
    }
    return n;
}

static void test_unreachable_is_fast_after_first_failure(void **state)
{
    struct fixture *fx = *state;
    char conninfo[160];
    int port;
    int fd = silent_listener(&port);
    double t0, t1;

    assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    db_shutdown();
    /* URI form, no connect_timeout: the default of 2 s applies (a lower
     * bound only: how long a loaded machine takes beyond it is no concern). */
    snprintf(conninfo, sizeof conninfo,
             "postgresql://127.0.0.1:%d/x?sslmode=disable&gssencmode=disable", port);
    assert_int_equal(db_init(conninfo, fx->dir), 0);
    t0 = now_s();
    assert_int_equal(db_exec(STMT_PING, 0, NULL, NULL), DB_UNAVAILABLE);
    t1 = now_s();
    assert_true(t1 - t0 > 1.5);
    assert_int_equal(drain_attempts(fd), 1);
    /* Right after a failure: answered without a new connection attempt. */
    assert_int_equal(db_exec(STMT_PING, 0, NULL, NULL), DB_UNAVAILABLE);
    assert_null(db_conn());
    assert_false(db_ready());
    assert_int_equal(db_tx(swallow_fn, NULL), DB_UNAVAILABLE);
    assert_int_equal(drain_attempts(fd), 0);
    db_shutdown();

    /* key=value form with the caller's own connect_timeout, which wins
     * (libpq raises values below 2 to 2, hence 3). */
    snprintf(conninfo, sizeof conninfo,
             "host=127.0.0.1 port=%d dbname=x connect_timeout=3 sslmode=disable "
             "gssencmode=disable",
             port);
    assert_int_equal(db_init(conninfo, fx->dir), 0);
    t0 = now_s();
    assert_null(db_conn());
    t1 = now_s();
    assert_true(t1 - t0 > 2.5);
    db_shutdown();
    close(fd);

    assert_int_equal(db_init(url(), fx->dir), 0);
    assert_int_equal(db_exec(STMT_PING, 0, NULL, NULL), DB_OK);
}

struct worker {
    pthread_barrier_t *hold;
    int pid;
    enum db_status st;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    PGconn *conn = db_conn();

    w->pid = conn ? PQbackendPID(conn) : 0;
    w->st = db_exec(STMT_PING, 0, NULL, NULL);
    pthread_barrier_wait(w->hold); /* everyone connected at once */
    return NULL;
}

static void test_threads_have_own_connections(void **state)
{
    struct fixture *fx = *state;
    enum { N = 4 };
    pthread_t threads[N];
    struct worker workers[N];
    pthread_barrier_t hold;

    assert_int_equal(pthread_barrier_init(&hold, NULL, N), 0);
    for (int i = 0; i < N; i++) {
        workers[i] = (struct worker){.hold = &hold};
        assert_int_equal(pthread_create(&threads[i], NULL, worker_main, &workers[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&hold);

    for (int i = 0; i < N; i++) {
        assert_int_equal(workers[i].st, DB_OK);
        assert_int_not_equal(workers[i].pid, 0);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(workers[i].pid, workers[j].pid);
        /* The thread closed its connection when it exited. */
        assert_true(backend_gone(fx->admin, workers[i].pid));
    }
}

static void test_shutdown_closes_connections(void **state)
{
    struct fixture *fx = *state;
    PGconn *conn = db_conn();

    assert_non_null(conn);
    int pid = PQbackendPID(conn);
    db_shutdown();
    assert_true(backend_gone(fx->admin, pid));
    assert_null(db_conn());
    assert_int_equal(db_exec(STMT_PING, 0, NULL, NULL), DB_UNAVAILABLE);
    db_shutdown(); /* twice is harmless */

    /* A fresh generation: the thread gets a new connection. */
    assert_int_equal(db_init(url(), fx->dir), 0);
    assert_int_equal(db_exec(STMT_PING, 0, NULL, NULL), DB_OK);
    assert_int_not_equal(PQbackendPID(db_conn()), pid);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_ping),
        T(test_misuse_is_hard),
        T(test_init_refuses_bad_input),
        T(test_connection_settings),
        T(test_ready_follows_migrations),
        T(test_lazy_prepare_survives_rollback),
        T(test_statements_match_the_schema),
        T(test_declared_columns),
        T(test_declarations_are_readable),
        T(test_tx_retries_serialization_failure),
        T(test_tx_gives_up_after_three),
        T(test_tx_hard_rolls_back_once),
        T(test_tx_misuse_is_hard),
        T(test_classify),
        T(test_reconnect_after_terminate),
        T(test_unreachable_is_fast_after_first_failure),
        T(test_threads_have_own_connections),
        T(test_shutdown_closes_connections),
    };
    return cmocka_run_group_tests_name("db/db", tests, NULL, NULL);
}
