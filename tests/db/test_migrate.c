/* test_migrate.c: migrate_run and migrate_latest_in_dir against a real PostgreSQL
 * (TEST_DATABASE_URL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "db/migrate.h"

/* Each test gets its own schema (reached through search_path) and its own
 * directory of migration files, both removed in teardown. */
struct fixture {
    char schema[64];
    char dir[64];
    PGconn *conn; /* search_path = schema */
};

/* Connects to TEST_DATABASE_URL with search_path set to schema (NULL: the
 * default). The URL is expanded in place of dbname; options after it win. */
/* Test sessions print no NOTICE lines (DROP ... CASCADE is chatty). */
static void no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_to(const char *schema)
{
    const char *url = getenv("TEST_DATABASE_URL");
    char options[128];
    const char *keys[] = {"dbname", "options", NULL};
    const char *values[] = {url, schema ? options : NULL, NULL};

    snprintf(options, sizeof options, "-c search_path=%s", schema ? schema : "public");
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    if (PQstatus(conn) != CONNECTION_OK) {
        print_error("connect failed: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, no_notices, NULL);
    return conn;
}

/* Runs a fixed test statement and fails the test unless it succeeds. */
static void exec_ok(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    PQclear(res);
}

/* Returns the single integer a query yields. */
static long query_long(PGconn *conn, const char *sql)
{
    PGresult *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    long v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return v;
}

/* True if the relation exists in the connection's search_path. */
static bool table_exists(PGconn *conn, const char *name)
{
    const char *params[1] = {name};
    PGresult *res =
        PQexecParams(conn, "SELECT to_regclass($1) IS NOT NULL", 1, NULL, params, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    bool exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return exists;
}

static void write_file(const char *dir, const char *name, const char *content)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(content, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void remove_file(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(unlink(path), 0);
}

/* Removes every entry of dir (flat) and dir itself. */
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
        if (unlink(path) != 0)
            rmdir(path);
    }
    closedir(d);
    rmdir(dir);
}

static int setup(void **state)
{
    static int counter;
    char sql[160];
    PGconn *admin;

    if (getenv("TEST_DATABASE_URL") == NULL) {
        print_error("TEST_DATABASE_URL is not set: these tests need a PostgreSQL database\n");
        return -1;
    }
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    snprintf(fx->schema, sizeof fx->schema, "mig_test_%ld_%d", (long)getpid(), counter++);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/interlude-mig-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));

    admin = connect_to(NULL);
    assert_non_null(admin);
    /* An identifier cannot be a parameter; the name is built from digits. */
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", fx->schema);
    exec_ok(admin, sql);
    PQfinish(admin);

    fx->conn = connect_to(fx->schema);
    assert_non_null(fx->conn);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char sql[160];

    if (fx == NULL)
        return 0;
    PQfinish(fx->conn);
    PGconn *admin = connect_to(NULL);
    if (admin != NULL) {
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", fx->schema);
        exec_ok(admin, sql);
        PQfinish(admin);
    }
    remove_dir(fx->dir);
    free(fx);
    return 0;
}

static void write_two(const char *dir)
{
    write_file(dir, "0001_first.sql", "CREATE TABLE t1 (id integer PRIMARY KEY);\n");
    write_file(dir, "0002_second.sql",
               "-- two statements in one file\n"
               "CREATE TABLE t2 (id integer PRIMARY KEY, t1_id integer REFERENCES t1);\n"
               "INSERT INTO t1 VALUES (1);\n");
}

static void test_fresh_apply_records_rows(void **state)
{
    struct fixture *fx = *state;
    char err[512];

    write_two(fx->dir);
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), 2);
    assert_string_equal(err, "");
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM schema_migrations"), 2);
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM schema_migrations "
                                          "WHERE checksum ~ '^[0-9a-f]{64}$'"),
                     2);
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM schema_migrations "
                                          "WHERE version = 2 AND name = '0002_second.sql'"),
                     1);
    assert_true(table_exists(fx->conn, "t1"));
    assert_true(table_exists(fx->conn, "t2"));
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM t1"), 1);
    /* The session lock was released. */
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM pg_locks "
                                          "WHERE locktype = 'advisory' AND pid = pg_backend_pid()"),
                     0);
}

/* Known SHA-256 of the file content, so the checksum is the plain digest. */
static void test_checksum_is_sha256_of_file(void **state)
{
    struct fixture *fx = *state;
    char err[512];

    write_file(fx->dir, "0001_one.sql", "SELECT 1;\n");
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), 1);
    PGresult *res = PQexec(fx->conn, "SELECT checksum FROM schema_migrations");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    /* printf 'SELECT 1;\n' | sha256sum */
    assert_string_equal(PQgetvalue(res, 0, 0),
                        "b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd");
    PQclear(res);
}

static void test_rerun_applies_nothing(void **state)
{
    struct fixture *fx = *state;
    char err[512];

    write_two(fx->dir);
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), 2);
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM schema_migrations"), 2);

    /* A new file later is applied alone. */
    write_file(fx->dir, "0003_third.sql", "CREATE TABLE t3 (id integer);\n");
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), 1);
    assert_int_equal(query_long(fx->conn, "SELECT max(version) FROM schema_migrations"), 3);
}

static void test_changed_file_refused(void **state)
{
    struct fixture *fx = *state;
    char err[512];

    write_two(fx->dir);
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), 2);
    write_file(fx->dir, "0001_first.sql", "CREATE TABLE t1 (id bigint PRIMARY KEY);\n");
    write_file(fx->dir, "0003_third.sql", "CREATE TABLE t3 (id integer);\n");
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "migration 0001_first.sql was changed after it was applied"));
    assert_non_null(strstr(err, "checksum"));
    /* Nothing after the refusal ran. */
    assert_false(table_exists(fx->conn, "t3"));
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM schema_migrations"), 2);
}

static void test_missing_file_refused(void **state)
{
    struct fixture *fx = *state;
    char err[512];

    write_two(fx->dir);
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), 2);
    remove_file(fx->dir, "0002_second.sql");
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "0002_second.sql"));
    assert_non_null(strstr(err, "missing"));
}

static void test_failing_file_leaves_nothing(void **state)
{
    struct fixture *fx = *state;
    char err[512];

    write_file(fx->dir, "0001_first.sql", "CREATE TABLE t1 (id integer PRIMARY KEY);\n");
    write_file(fx->dir, "0002_broken.sql",
               "CREATE TABLE t2 (id integer);\n"
               "CREATE TABLEE oops (id integer);\n");
    write_file(fx->dir, "0003_after.sql", "CREATE TABLE t3 (id integer);\n");
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "0002_broken.sql"));
    assert_non_null(strstr(err, "42601")); /* syntax_error */
    assert_true(table_exists(fx->conn, "t1"));
    assert_false(table_exists(fx->conn, "t2"));
    assert_false(table_exists(fx->conn, "t3"));
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM schema_migrations"), 1);
    assert_int_equal(query_long(fx->conn, "SELECT max(version) FROM schema_migrations"), 1);
    /* The connection is left clean: idle, lock released. */
    assert_int_equal(PQtransactionStatus(fx->conn), PQTRANS_IDLE);
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM pg_locks "
                                          "WHERE locktype = 'advisory' AND pid = pg_backend_pid()"),
                     0);

    /* Once fixed, the rest goes through. */
    write_file(fx->dir, "0002_broken.sql", "CREATE TABLE t2 (id integer);\n");
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), 2);
    assert_true(table_exists(fx->conn, "t3"));
}

static void test_file_ending_transaction_refused(void **state)
{
    struct fixture *fx = *state;
    char err[512];

    write_file(fx->dir, "0001_commits.sql", "CREATE TABLE t1 (id integer); COMMIT;\n");
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "ended the transaction"));
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM schema_migrations"), 0);
}

static void test_comment_only_file_applies(void **state)
{
    struct fixture *fx = *state;
    char err[512];

    write_file(fx->dir, "0001_placeholder.sql", "-- nothing yet\n");
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), 1);
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM schema_migrations"), 1);
}

static void test_oversized_file_refused(void **state)
{
    struct fixture *fx = *state;
    char err[512];
    size_t n = 1024 * 1024 + 16;
    char *big = malloc(n + 1);

    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, "SELECT 1;", 9);
    big[n] = '\0';
    write_file(fx->dir, "0001_big.sql", big);
    free(big);
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "larger than"));
}

static void test_open_transaction_refused(void **state)
{
    struct fixture *fx = *state;
    char err[512];

    write_two(fx->dir);
    exec_ok(fx->conn, "BEGIN");
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "transaction"));
    /* The caller's transaction is left alone. */
    assert_int_equal(PQtransactionStatus(fx->conn), PQTRANS_INTRANS);
    exec_ok(fx->conn, "ROLLBACK");
    assert_false(table_exists(fx->conn, "schema_migrations"));
    assert_int_equal(migrate_run(NULL, fx->dir, err, sizeof err), -1);
}

static void test_duplicate_versions_refused(void **state)
{
    struct fixture *fx = *state;
    char err[512];

    write_file(fx->dir, "0001_a.sql", "CREATE TABLE a (id integer);\n");
    write_file(fx->dir, "00001_b.sql", "CREATE TABLE b (id integer);\n");
    assert_int_equal(migrate_latest_in_dir(fx->dir), -1);
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "share version 1"));
    assert_false(table_exists(fx->conn, "a"));
}

static void test_latest_in_dir_ignores_other_files(void **state)
{
    struct fixture *fx = *state;
    char sub[128];
    char err[512];

    assert_int_equal(migrate_latest_in_dir(fx->dir), 0);
    assert_int_equal(migrate_latest_in_dir("/nonexistent/interlude-migrations"), -1);

    write_file(fx->dir, "0001_a.sql", "CREATE TABLE a (id integer);\n");
    write_file(fx->dir, "0012_b.sql", "CREATE TABLE b (id integer);\n");
    write_file(fx->dir, "README", "not a migration\n");
    write_file(fx->dir, "013_short.sql", "CREATE TABLE short3 (id integer);\n");
    write_file(fx->dir, "0014_.sql", "CREATE TABLE nodesc (id integer);\n");
    write_file(fx->dir, "0015-dash.sql", "CREATE TABLE dash (id integer);\n");
    write_file(fx->dir, "0016_backup.sql~", "CREATE TABLE backup (id integer);\n");
    write_file(fx->dir, ".0017_hidden.sql", "CREATE TABLE hidden (id integer);\n");
    snprintf(sub, sizeof sub, "%s/0018_dir.sql", fx->dir);
    assert_int_equal(mkdir(sub, 0700), 0);

    assert_int_equal(migrate_latest_in_dir(fx->dir), 12);
    assert_int_equal(migrate_run(fx->conn, fx->dir, err, sizeof err), 2);
    assert_false(table_exists(fx->conn, "short3"));
    assert_false(table_exists(fx->conn, "nodesc"));
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM schema_migrations"), 2);
}

struct racer {
    const char *schema;
    const char *dir;
    pthread_barrier_t *start;
    int applied;
    char err[512];
};

static void *race(void *arg)
{
    struct racer *r = arg;
    PGconn *conn = connect_to(r->schema);

    r->applied = -2;
    pthread_barrier_wait(r->start);
    if (conn != NULL)
        r->applied = migrate_run(conn, r->dir, r->err, sizeof r->err);
    PQfinish(conn);
    return NULL;
}

static void test_concurrent_runs_apply_once(void **state)
{
    struct fixture *fx = *state;
    pthread_barrier_t start;
    pthread_t threads[3];
    struct racer racers[3];

    /* The sleep widens the window in which an unlocked second runner would
     * see no row yet and apply the file again (and fail on CREATE TABLE). */
    write_file(fx->dir, "0001_slow.sql", "CREATE TABLE t1 (id integer);\nSELECT pg_sleep(0.3);\n");
    write_file(fx->dir, "0002_next.sql", "CREATE TABLE t2 (id integer);\n");
    assert_int_equal(pthread_barrier_init(&start, NULL, 3), 0);
    for (int i = 0; i < 3; i++) {
        racers[i] = (struct racer){.schema = fx->schema, .dir = fx->dir, .start = &start};
        assert_int_equal(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(threads[i], NULL);
        if (racers[i].applied < 0)
            fail_msg("runner %d failed: %s", i, racers[i].err);
        total += racers[i].applied;
    }
    pthread_barrier_destroy(&start);
    assert_int_equal(total, 2);
    assert_int_equal(query_long(fx->conn, "SELECT count(*) FROM schema_migrations"), 2);
}

/* The repository's own migrations apply on an empty schema. The directory is
 * found from this file's path, so run the test from the repository root (or
 * build with an absolute path). */
static void test_repository_migrations_apply(void **state)
{
    struct fixture *fx = *state;
    char dir[512];
    char err[512];
    const char *self = __FILE__;
    const char *tail = strstr(self, "tests/db/test_migrate.c");

    assert_non_null(tail);
    snprintf(dir, sizeof dir, "%.*smigrations", (int)(tail - self), self);
    int latest = migrate_latest_in_dir(dir);
    assert_true(latest >= 1);
    assert_int_equal(migrate_run(fx->conn, dir, err, sizeof err) >= 1, 1);
    assert_int_equal(query_long(fx->conn, "SELECT max(version) FROM schema_migrations"), latest);
    assert_true(table_exists(fx->conn, "app_meta"));
    assert_int_equal(migrate_run(fx->conn, dir, err, sizeof err), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fresh_apply_records_rows),
        T(test_checksum_is_sha256_of_file),
        T(test_rerun_applies_nothing),
        T(test_changed_file_refused),
        T(test_missing_file_refused),
        T(test_failing_file_leaves_nothing),
        T(test_file_ending_transaction_refused),
        T(test_comment_only_file_applies),
        T(test_oversized_file_refused),
        T(test_open_transaction_refused),
        T(test_duplicate_versions_refused),
        T(test_latest_in_dir_ignores_other_files),
        T(test_concurrent_runs_apply_once),
        T(test_repository_migrations_apply),
    };
    return cmocka_run_group_tests_name("db/migrate", tests, NULL, NULL);
}
