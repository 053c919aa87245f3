/* test_rotate.c: `interlude rotate-key` (crypto/rotate.c) against a real
 * PostgreSQL (TEST_DATABASE_URL): values sealed under an old key are re-sealed
 * under the current one in batches, a second run finds nothing to do, values
 * that do not open are left as they are and counted, and a column that does
 * not exist is a database error. Uses its own table rot_items, with a
 * trigger that, like the homework schema's, lets a sealed value change only
 * inside rotate-key's transactions (interlude.rotating). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crypto/box.h"
#include "crypto/rotate.h"
#include "db/migrate.h"

#define K1 "3f1c9a0be27d4865a1f0c3d2b4e5968778695a4b3c2d1e0f0a1b2c3d4e5f6071"
#define K2 "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc"
#define K3 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* More than two batches, and not a multiple of one. */
#define NROWS (2 * ROTATE_BATCH + 37)

static const struct sealed_column items[] = {
    {"rot_items", "id", "body_enc", "'item:' || owner || ':body'"},
    {NULL, NULL, NULL, NULL},
};

static PGconn *conn;

/* The repository's migrations/, found from this file (tests run from the
 * repository root, as the Makefile does). */
#define MIGRATIONS_DIR "migrations"

static const char *url(void)
{
    return getenv("TEST_DATABASE_URL");
}

static void no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void exec_ok(const char *sql, int nparams, const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    PQclear(res);
}

static long query_long(const char *sql, int nparams, const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    long v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return v;
}

static void keys(const char *current, const char *old)
{
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.data_key = current;
    cfg.data_keys_old = old;
    char err[512] = "";
    if (box_init(&cfg, err, sizeof(err)) != 0)
        fail_msg("box_init: %s", err);
}

static void body_of(int i, char *out, size_t n)
{
    snprintf(out, n, "reflection %d: ünïcode and a long enough sentence", i);
}

/* Inserts row i (owner = i % 7) sealed with the loaded key. */
static void insert_row(int i, const char *aad_owner_override)
{
    char owner[16], aad[64], body[128];
    snprintf(owner, sizeof(owner), "%d", i % 7);
    snprintf(aad, sizeof(aad), "item:%s:body", aad_owner_override ? aad_owner_override : owner);
    body_of(i, body, sizeof(body));
    char *lit = box_seal_hex(body, aad);
    assert_non_null(lit);
    const char *params[] = {owner, lit};
    exec_ok("INSERT INTO rot_items (owner, body_enc) VALUES ($1::int, $2::bytea)", 2, params);
    free(lit);
}

static int setup(void **state)
{
    (void)state;
    if (url() == NULL) {
        print_error("TEST_DATABASE_URL is not set\n");
        return -1;
    }
    conn = PQconnectdb(url());
    if (PQstatus(conn) != CONNECTION_OK) {
        print_error("connect: %s", PQerrorMessage(conn));
        return -1;
    }
    PQsetNoticeProcessor(conn, no_notices, NULL);
    /* rotate-key runs on a migrated database (it updates data_keys). */
    char merr[256];
    if (migrate_run(conn, MIGRATIONS_DIR, merr, sizeof(merr)) < 0) {
        print_error("migrate: %s\n", merr);
        return -1;
    }
    PGresult *res = PQexec(conn, "DROP TABLE IF EXISTS rot_items;"
                                 "CREATE TABLE rot_items (id bigserial PRIMARY KEY,"
                                 " owner int NOT NULL, body_enc bytea);"
                                 /* Like 0004_homework.sql's entries_frozen. */
                                 "CREATE OR REPLACE FUNCTION rot_items_frozen() RETURNS trigger"
                                 " LANGUAGE plpgsql AS $$ BEGIN"
                                 " IF NEW.body_enc <> OLD.body_enc AND coalesce(current_setting("
                                 "'interlude.rotating', true), '') <> 'on' THEN"
                                 " RAISE EXCEPTION 'frozen'; END IF; RETURN NEW; END $$;"
                                 "CREATE TRIGGER rot_items_frozen BEFORE UPDATE ON rot_items"
                                 " FOR EACH ROW EXECUTE FUNCTION rot_items_frozen()");
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    box_shutdown();
    if (conn != NULL) {
        PGresult *res = PQexec(conn, "DROP TABLE IF EXISTS rot_items");
        PQclear(res);
        PQfinish(conn);
    }
    conn = NULL;
    return 0;
}

/* Runs rotate_run on cols; returns its result, out gets what it printed
 * (caller frees). */
static int rotate(const struct sealed_column *cols, char **out, char *err, size_t errlen)
{
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    assert_non_null(f);
    err[0] = '\0';
    int rc = rotate_run(url(), cols, f, err, errlen);
    fclose(f);
    return rc;
}

static long count_with_key(void)
{
    char id[9], prefix[16];
    box_key_id(id);
    snprintf(prefix, sizeof(prefix), "\\x01%s", id);
    const char *params[] = {prefix};
    return query_long("SELECT count(*) FROM rot_items WHERE substring(body_enc FROM 1 FOR 5) = "
                      "$1::bytea",
                      1, params);
}

/* Every value opens with the loaded keys and holds the text of its row. */
static void assert_all_open(void)
{
    PGresult *res = PQexec(conn, "SELECT id, owner, body_enc FROM rot_items"
                                 " WHERE body_enc IS NOT NULL ORDER BY id");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    for (int r = 0; r < PQntuples(res); r++) {
        char aad[64], want[128];
        snprintf(aad, sizeof(aad), "item:%s:body", PQgetvalue(res, r, 1));
        body_of(atoi(PQgetvalue(res, r, 0)) - 1, want, sizeof(want));
        char *plain = box_open_pq(res, r, 2, aad);
        if (plain == NULL)
            fail_msg("row %s does not open", PQgetvalue(res, r, 0));
        assert_string_equal(plain, want);
        free(plain);
    }
    PQclear(res);
}

static void test_rotates_old_values_in_batches(void **state)
{
    (void)state;
    keys(K1, NULL);
    exec_ok("BEGIN", 0, NULL);
    for (int i = 0; i < NROWS; i++)
        insert_row(i, NULL);
    exec_ok("COMMIT", 0, NULL);
    exec_ok("INSERT INTO rot_items (owner, body_enc) VALUES (3, NULL)", 0, NULL);
    assert_int_equal(count_with_key(), NROWS);

    keys(K2, K1);
    assert_int_equal(count_with_key(), 0);
    /* The old key as the key check records it: forgotten once nothing
     * needs it any more. */
    exec_ok("INSERT INTO data_keys (key_id) VALUES ('0badc0de') ON CONFLICT DO NOTHING", 0, NULL);
    char *out = NULL, err[512], want[128];
    assert_int_equal(rotate(items, &out, err, sizeof(err)), ROTATE_OK);
    assert_int_equal(
        query_long("SELECT count(*) FROM data_keys WHERE key_id = '0badc0de'", 0, NULL), 0);
    snprintf(want, sizeof(want), "rot_items.body_enc: %d re-encrypted, 0 did not open", NROWS);
    if (strstr(out, want) == NULL)
        fail_msg("output: %s", out);
    char id[9];
    box_key_id(id);
    snprintf(want, sizeof(want), "re-encrypted %d values to key id %s\n", NROWS, id);
    assert_non_null(strstr(out, want));
    free(out);
    assert_int_equal(count_with_key(), NROWS);
    assert_int_equal(query_long("SELECT count(*) FROM rot_items WHERE body_enc IS NULL", 0, NULL),
                     1);

    /* Outside rotate-key the trigger still refuses a change. */
    PGresult *res = PQexec(conn, "UPDATE rot_items SET body_enc = '\\x00' WHERE id = 1");
    assert_int_equal(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);

    /* The new key alone opens everything. */
    keys(K2, NULL);
    assert_all_open();

    /* Again: nothing to do. */
    keys(K2, K1);
    assert_int_equal(rotate(items, &out, err, sizeof(err)), ROTATE_OK);
    if (strstr(out, "nothing to re-encrypt: every value is sealed with key id") == NULL)
        fail_msg("output: %s", out);
    free(out);
}

static void test_values_that_do_not_open_are_left(void **state)
{
    (void)state;
    keys(K1, NULL);
    for (int i = 0; i < 5; i++)
        insert_row(i, NULL);
    insert_row(5, "99"); /* sealed for another owner: moved */
    keys(K3, NULL);
    insert_row(6, NULL); /* a key that will not be loaded */

    PGresult *before =
        PQexec(conn, "SELECT body_enc FROM rot_items WHERE id IN (6, 7) ORDER BY id");
    assert_int_equal(PQntuples(before), 2);

    keys(K2, K1);
    char *out = NULL, err[512];
    assert_int_equal(rotate(items, &out, err, sizeof(err)), ROTATE_UNOPENED);
    assert_non_null(strstr(out, "rot_items.body_enc: 5 re-encrypted, 2 did not open"));
    assert_non_null(strstr(err, "2 values did not open"));
    free(out);
    assert_int_equal(count_with_key(), 5);

    PGresult *after = PQexec(conn, "SELECT body_enc FROM rot_items WHERE id IN (6, 7) ORDER BY id");
    for (int r = 0; r < 2; r++)
        assert_string_equal(PQgetvalue(after, r, 0), PQgetvalue(before, r, 0));
    PQclear(before);
    PQclear(after);

    /* With K3 loaded as well, the row it sealed is re-sealed too. */
    keys(K2, K1 "," K3);
    assert_int_equal(rotate(items, &out, err, sizeof(err)), ROTATE_UNOPENED);
    assert_non_null(strstr(out, "1 re-encrypted, 1 did not open"));
    free(out);
    assert_int_equal(count_with_key(), 6);
}

static void test_no_columns_is_nothing_to_do(void **state)
{
    (void)state;
    keys(K2, NULL);
    char *out = NULL, err[512];
    /* The real table of sealed columns matches the real schema: with the
     * repository's migrations applied and no rows, there is nothing to do. */
    char merr[256];
    assert_true(migrate_run(conn, MIGRATIONS_DIR, merr, sizeof(merr)) >= 0);
    assert_int_equal(rotate(sealed_columns, &out, err, sizeof(err)), ROTATE_OK);
    assert_non_null(strstr(out, "nothing to re-encrypt"));
    free(out);
    static const struct sealed_column none[] = {{NULL, NULL, NULL, NULL}};
    assert_int_equal(rotate(none, &out, err, sizeof(err)), ROTATE_OK);
    assert_non_null(strstr(out, "nothing to re-encrypt: no column holds sealed values"));
    free(out);
}

static void test_missing_or_bad_column_is_an_error(void **state)
{
    (void)state;
    keys(K2, NULL);
    static const struct sealed_column missing[] = {
        {"rot_items", "id", "nope_enc", "'x'"},
        {NULL, NULL, NULL, NULL},
    };
    char *out = NULL, err[512];
    assert_int_equal(rotate(missing, &out, err, sizeof(err)), ROTATE_DB_ERROR);
    assert_non_null(strstr(err, "rot_items.nope_enc"));
    free(out);
    static const struct sealed_column bad[] = {
        {"rot_items; DROP TABLE rot_items", "id", "body_enc", "'x'"},
        {NULL, NULL, NULL, NULL},
    };
    assert_int_equal(rotate(bad, &out, err, sizeof(err)), ROTATE_DB_ERROR);
    assert_non_null(strstr(err, "not declared correctly"));
    free(out);
    assert_int_equal(query_long("SELECT count(*) FROM rot_items", 0, NULL), 0);
}

static void test_no_key_loaded_is_an_error(void **state)
{
    (void)state;
    box_shutdown();
    char *out = NULL, err[512];
    assert_int_equal(rotate(items, &out, err, sizeof(err)), ROTATE_DB_ERROR);
    assert_non_null(strstr(err, "no data key"));
    free(out);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        T(test_rotates_old_values_in_batches), T(test_values_that_do_not_open_are_left),
        T(test_no_columns_is_nothing_to_do),   T(test_missing_or_bad_column_is_an_error),
        T(test_no_key_loaded_is_an_error),
    };
    return cmocka_run_group_tests_name("rotate", tests, NULL, NULL);
}
