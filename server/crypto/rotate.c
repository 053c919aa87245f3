/* rotate.c: `interlude rotate-key`: re-seal stored values with the current
 * data key, column by column, in batches.
 *
 * Rotating a key:
 *   1. generate a new key; restart every server with it as INTERLUDE_DATA_KEY
 *      (or _FILE) and the old one in INTERLUDE_DATA_KEYS_OLD (or _FILE):
 *      new values use the new key, old ones still open;
 *   2. run `interlude rotate-key` with the same environment (again after an
 *      interruption: it only re-seals what is left);
 *   3. when it reports nothing left, drop the old key from the environment.
 *
 * SQL here: the statements are built once, at start, from sealed_columns[],
 * a table compiled into the binary (table, column and AAD expression are
 * constants, never input), and prepared on this command's own connection;
 * every value (ids, keys, ciphertexts) then travels as a parameter of
 * PQexecPrepared. So the rule "no SQL built from input" holds. They are not in
 * db/stmts.c because they exist once per sealed column and only this command
 * uses them. */
#include "crypto/rotate.h"

#include <libpq-fe.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/box.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Every sealed column, with the SQL expression that rebuilds, from the row,
 * the AAD the application sealed it with (the same string, byte for byte).
 * Ends with the all-NULL entry. */
const struct sealed_column sealed_columns[] = {
    /* migrations/0004_homework.sql: the AAD recipes are written beside
     * each column there; these must stay byte-for-byte the same. */
    {"assignments", "id", "note_enc", "'assignment:' || client_id || ':note'"},
    {"entries", "id", "answers_enc", "'entry:' || client_id || ':' || assignment_id || ':answers'"},
    {"comments", "id", "body_enc", "'comment:' || entry_id || ':' || author_id"},
    /* migrations/0007_attention.sql */
    {"attention_items", "id", "detail_enc",
     "'attention:' || client_id || ':' || assignment_id || ':' || coalesce(entry_id, 0) || ':' || "
     "kind"},
    {"attention_items", "id", "ack_note_enc", "'attention:' || client_id || ':' || id || ':note'"},
    /* migrations/0010_two_step.sql (app/twostep.c aad_for) */
    {"users", "id", "totp_secret", "'totp:' || id"},
    /* migrations/0011_outbox.sql: a message waiting to be sent */
    {"outbox", "id", "body_enc", "'outbox:' || message_id"},
    {NULL, NULL, NULL, NULL},
};

enum { SEL_FIRST, SEL_NEXT, UPD, ST__MAX };

#define MAX_ATTEMPTS 3

struct counts {
    unsigned long resealed, unopened;
};

/* A lower-case SQL identifier: the table is constant, but a typo there
 * should stop the command rather than reach PostgreSQL. */
static bool valid_ident(const char *s)
{
    if (s == NULL || !((*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static void stmt_name(char *out, size_t n, int kind, size_t col)
{
    static const char *const kinds[ST__MAX] = {"first", "next", "update"};
    snprintf(out, n, "rotate_%s_%zu", kinds[kind], col);
}

/* The first line of the connection's error message (no values in it: the
 * statements are constants and values are parameters). */
static void conn_error(PGconn *c, const char *what, char *err, size_t errlen)
{
    const char *m = PQerrorMessage(c);
    snprintf(err, errlen, "%s: %.*s", what, (int)strcspn(m, "\n"), m);
}

static int prepare_column(PGconn *c, size_t i, const struct sealed_column *col, char *err,
                          size_t errlen)
{
    if (!valid_ident(col->table) || !valid_ident(col->id_column) || !valid_ident(col->column) ||
        col->aad_sql == NULL || col->aad_sql[0] == '\0') {
        snprintf(err, errlen, "sealed column %zu is not declared correctly", i);
        return -1;
    }
    /* $1: the current header (version + key id); $2: the last id done.
     * Outputs get their own names and the id is qualified: ORDER BY "id"
     * would otherwise sort by the text output column ("999" > "1000") while
     * "id" > $2 compares the column itself, and rows would be skipped. */
    const char *t = col->table, *id = col->id_column, *v = col->column;
    struct buf sel = BUF_INIT;
    buf_printf(
        &sel,
        "SELECT \"%s\".\"%s\"::text AS rot_id, (%s)::text AS rot_aad, \"%s\".\"%s\" AS rot_value"
        " FROM \"%s\" WHERE \"%s\".\"%s\" IS NOT NULL"
        " AND substring(\"%s\".\"%s\" FROM 1 FOR %d) <> $1::bytea",
        t, id, col->aad_sql, t, v, t, t, v, t, v, BOX_HEADER_BYTES);
    struct buf next = BUF_INIT;
    buf_printf(&next, "%s AND \"%s\".\"%s\" > $2", buf_cstr(&sel), t, id);
#define ROTATE_TAIL " ORDER BY \"%s\".\"%s\" LIMIT %d FOR UPDATE"
    buf_printf(&sel, ROTATE_TAIL, t, id, ROTATE_BATCH);
    buf_printf(&next, ROTATE_TAIL, t, id, ROTATE_BATCH);
#undef ROTATE_TAIL
    struct buf upd = BUF_INIT;
    buf_printf(&upd, "UPDATE \"%s\" SET \"%s\" = $2::bytea WHERE \"%s\" = $1", col->table,
               col->column, col->id_column);
    const char *sql[ST__MAX] = {buf_cstr(&sel), buf_cstr(&next), buf_cstr(&upd)};
    int nparams[ST__MAX] = {1, 2, 2};
    int rc = 0;
    for (int k = 0; k < ST__MAX && rc == 0; k++) {
        char name[64];
        stmt_name(name, sizeof(name), k, i);
        PGresult *res = PQprepare(c, name, sql[k], nparams[k], NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            char what[256];
            snprintf(what, sizeof(what),
                     "cannot prepare the statements for %s.%s (is the database migrated?)",
                     col->table, col->column);
            conn_error(c, what, err, errlen);
            rc = -1;
        }
        PQclear(res);
    }
    buf_free(&sel);
    buf_free(&next);
    buf_free(&upd);
    return rc;
}

static bool is_soft(const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
}

/* Runs a fixed transaction-control statement (BEGIN, COMMIT, SET LOCAL ...;
 * never built from input) through the extended protocol like every other. */
static bool command_ok(PGconn *c, const char *sql)
{
    PGresult *res = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok;
}

/* Re-seals row r of res (id, aad, value) with the current key: 1 when done,
 * 0 when the value does not open (logged), -1 on a database error
 * (*soft set when retryable). */
static int reseal_row(PGconn *c, size_t i, const struct sealed_column *col, PGresult *res, int r,
                      bool *soft)
{
    const char *id = PQgetvalue(res, r, 0);
    const char *aad = PQgetisnull(res, r, 1) ? NULL : PQgetvalue(res, r, 1);
    size_t len = 0;
    unsigned char *value = PQunescapeBytea((const unsigned char *)PQgetvalue(res, r, 2), &len);
    char *plain = NULL, *hex = NULL;
    unsigned char *sealed = NULL;
    size_t plen = 0, slen = 0;
    int rc = 0;
    if (value == NULL || aad == NULL || box_open(value, len, aad, &plain, &plen) != 0) {
        char kid[9];
        box_value_key_id(value, value ? len : 0, kid);
        log_event(LOG_WARN, "a sealed value does not open",
                  json_pack("{s:s, s:s, s:s, s:s}", "table", col->table, "column", col->column,
                            "id", id, "key_id", kid));
        goto cleanup;
    }
    /* box_seal with the length: a plaintext may hold NUL bytes. */
    if (box_seal(plain, plen, aad, &sealed, &slen) != 0) {
        log_msg(LOG_ERROR, "cannot seal with the current key");
        rc = -1;
        goto cleanup;
    }
    hex = xmalloc(2 + 2 * slen + 1);
    hex[0] = '\\';
    hex[1] = 'x';
    sodium_bin2hex(hex + 2, 2 * slen + 1, sealed, slen);
    char name[64];
    stmt_name(name, sizeof(name), UPD, i);
    const char *params[] = {id, hex};
    PGresult *u = PQexecPrepared(c, name, 2, params, NULL, NULL, 0);
    if (PQresultStatus(u) == PGRES_COMMAND_OK) {
        rc = 1;
    } else {
        *soft = is_soft(u);
        rc = -1;
    }
    PQclear(u);
cleanup:
    if (plain != NULL) {
        sodium_memzero(plain, plen);
        free(plain);
    }
    free(sealed);
    free(hex);
    if (value != NULL)
        PQfreemem(value);
    return rc;
}

/* One batch in one transaction: the next ROTATE_BATCH values after *last
 * (NULL: from the start) not sealed with the current key. Returns the number
 * of rows seen (0: the column is done) and adds to *n, updating *last; -1 on
 * a database error (*soft set when retryable; nothing is counted). */
static int run_batch(PGconn *c, size_t i, const struct sealed_column *col, const char *header,
                     char **last, struct counts *n, bool *soft, char *err, size_t errlen)
{
    struct counts batch = {0, 0};
    *soft = false;
    /* interlude.rotating tells the schema's triggers that keep submitted
     * entries frozen (0004_homework.sql) that only the ciphertext changes,
     * to the same plaintext; it lasts until this transaction ends. */
    if (!command_ok(c, "BEGIN")) {
        conn_error(c, "BEGIN failed", err, errlen);
        return -1;
    }
    if (!command_ok(c, "SET LOCAL interlude.rotating = 'on'")) {
        conn_error(c, "SET LOCAL interlude.rotating failed", err, errlen);
        command_ok(c, "ROLLBACK");
        return -1;
    }
    char name[64];
    stmt_name(name, sizeof(name), *last ? SEL_NEXT : SEL_FIRST, i);
    const char *params[] = {header, *last};
    PGresult *res = PQexecPrepared(c, name, *last ? 2 : 1, params, NULL, NULL, 0);
    int rows = -1;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        *soft = is_soft(res);
        snprintf(err, errlen, "reading %s.%s failed (SQLSTATE %s)", col->table, col->column,
                 PQresultErrorField(res, PG_DIAG_SQLSTATE)
                     ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
                     : "none");
        goto rollback;
    }
    rows = PQntuples(res);
    for (int r = 0; r < rows; r++) {
        int done = reseal_row(c, i, col, res, r, soft);
        if (done < 0) {
            snprintf(err, errlen, "updating %s.%s failed", col->table, col->column);
            rows = -1;
            goto rollback;
        }
        if (done == 1)
            batch.resealed++;
        else
            batch.unopened++;
    }
    if (!command_ok(c, "COMMIT")) {
        conn_error(c, "COMMIT failed", err, errlen);
        rows = -1;
        goto done;
    }
    if (rows > 0) {
        free(*last);
        *last = xstrdup(PQgetvalue(res, rows - 1, 0));
    }
    n->resealed += batch.resealed;
    n->unopened += batch.unopened;
    goto done;
rollback:
    command_ok(c, "ROLLBACK");
done:
    PQclear(res);
    return rows;
}

static int rotate_column(PGconn *c, size_t i, const struct sealed_column *col, const char *header,
                         struct counts *n, char *err, size_t errlen)
{
    char *last = NULL;
    int rc = 0;
    for (;;) {
        int rows = -1;
        bool soft = false;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            rows = run_batch(c, i, col, header, &last, n, &soft, err, errlen);
            if (rows >= 0 || !soft)
                break;
            log_msg(LOG_WARN, "rotate-key: batch of %s.%s retried (serialization or deadlock)",
                    col->table, col->column);
        }
        if (rows < 0) {
            rc = -1;
            break;
        }
        if (rows == 0)
            break;
    }
    free(last);
    return rc;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

int rotate_run(const char *conninfo, const struct sealed_column *cols, FILE *out, char *err,
               size_t errlen)
{
    char kid[9];
    box_key_id(kid);
    if (kid[0] == '\0') {
        snprintf(err, errlen, "no data key is loaded");
        return ROTATE_DB_ERROR;
    }
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to the database (DATABASE_URL)");
        PQfinish(c);
        return ROTATE_DB_ERROR;
    }
    PQsetNoticeProcessor(c, ignore_notice, NULL);
    int rc = ROTATE_OK;
    size_t ncols = 0;
    while (cols[ncols].table != NULL)
        ncols++;
    for (size_t i = 0; i < ncols; i++) {
        if (prepare_column(c, i, &cols[i], err, errlen) != 0) {
            rc = ROTATE_DB_ERROR;
            goto cleanup;
        }
    }
    fprintf(out, "current key id %s\n", kid);
    if (ncols == 0) {
        fprintf(out, "nothing to re-encrypt: no column holds sealed values\n");
        goto cleanup;
    }
    /* The header of a value sealed now, as a bytea parameter: "\x01" + id. */
    char header[2 + 2 * BOX_HEADER_BYTES + 1];
    snprintf(header, sizeof(header), "\\x%02x%s", BOX_VERSION, kid);
    struct counts total = {0, 0};
    for (size_t i = 0; i < ncols; i++) {
        struct counts n = {0, 0};
        int crc = rotate_column(c, i, &cols[i], header, &n, err, errlen);
        fprintf(out, "%s.%s: %lu re-encrypted, %lu did not open\n", cols[i].table, cols[i].column,
                n.resealed, n.unopened);
        total.resealed += n.resealed;
        total.unopened += n.unopened;
        if (crc != 0) {
            rc = ROTATE_DB_ERROR;
            goto cleanup;
        }
    }
    if (total.resealed == 0 && total.unopened == 0)
        fprintf(out, "nothing to re-encrypt: every value is sealed with key id %s\n", kid);
    else
        fprintf(out, "re-encrypted %lu values to key id %s\n", total.resealed, kid);
    if (total.unopened == 0) {
        /* Nothing is sealed with another key any more: the key check
         * (crypto/keycheck.c) stops asking for the old ones. */
        const char *p[] = {kid};
        PGresult *res =
            PQexecParams(c, "DELETE FROM data_keys WHERE key_id <> $1", 1, NULL, p, NULL, NULL, 0);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (ok && strtol(PQcmdTuples(res), NULL, 10) > 0)
            fprintf(out, "the old keys are no longer needed: every value opens with key id %s\n",
                    kid);
        PQclear(res);
        if (!ok) {
            snprintf(err, errlen, "cannot update the list of data keys in use");
            rc = ROTATE_DB_ERROR;
            goto cleanup;
        }
    }
    if (total.unopened > 0) {
        snprintf(err, errlen,
                 "%lu values did not open (their key ids are in the log): load their keys "
                 "in INTERLUDE_DATA_KEYS_OLD and run again",
                 total.unopened);
        rc = ROTATE_UNOPENED;
    }
cleanup:
    fflush(out);
    PQfinish(c);
    return rc;
}
