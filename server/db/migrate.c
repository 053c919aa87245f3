/* migrate.c: applies numbered SQL files in order, under an advisory lock, with checksums. */
#include "db/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "util/log.h"
#include "util/xalloc.h"

/* A migration is code we ship, but the cap keeps a stray file (a dump, a
 * binary) from being read whole into memory. */
#define MIGRATION_MAX_BYTES (1024 * 1024)

/* Session advisory lock taken by every migrator: 0x696e7465726c7564, the
 * ASCII bytes of "interlud". Passed as text and cast, like every parameter. */
#define MIGRATION_LOCK_KEY "7597125202014335332"

#define SHA256_HEX_LEN (crypto_hash_sha256_BYTES * 2)

struct migration {
    int version;
    char *name; /* file name, e.g. "0001_foundation.sql"; owned */
};

struct migration_list {
    struct migration *items;
    size_t n;
    size_t cap;
};

/* Writes one formatted line into err (if there is room at all). */
__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Frees every name and the array; a zeroed list is a harmless no-op. */
static void list_free(struct migration_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].name);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

static void list_push(struct migration_list *l, int version, const char *name)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n].version = version;
    l->items[l->n].name = xstrdup(name);
    l->n++;
}

/* Recognises NNNN_description.sql: four or more ASCII digits, an underscore,
 * a non-empty description, and the .sql suffix. Returns 1 and sets *version
 * for a migration name, 0 for a file to ignore, -1 when the number does not
 * fit in an int. */
static int parse_name(const char *name, int *version)
{
    size_t digits = 0;
    long long v = 0;
    size_t len = strlen(name);

    while (name[digits] >= '0' && name[digits] <= '9') {
        if (v <= INT_MAX)
            v = v * 10 + (name[digits] - '0');
        digits++;
    }
    if (digits < 4 || name[digits] != '_')
        return 0;
    /* digits + "_" + at least one character + ".sql" */
    if (len < digits + 1 + 1 + 4 || strcmp(name + len - 4, ".sql") != 0)
        return 0;
    if (v > INT_MAX)
        return -1;
    *version = (int)v;
    return 1;
}

static int cmp_migration(const void *a, const void *b)
{
    const struct migration *x = a, *y = b;

    return (x->version > y->version) - (x->version < y->version);
}

/* Fills out with the migration files of dir, sorted by version. Other names
 * and anything that is not a regular file are ignored. Returns 0, or -1 with
 * err set when the directory cannot be read or two files share a version. */
static int scan_dir(const char *dir, struct migration_list *out, char *err, size_t errlen)
{
    DIR *d = NULL;
    struct dirent *de;
    int ret = -1;

    d = opendir(dir);
    if (d == NULL) {
        set_err(err, errlen, "cannot open migrations directory %s: %s", dir, strerror(errno));
        goto cleanup;
    }
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        int version;
        int kind = parse_name(de->d_name, &version);

        if (kind == 0)
            continue;
        if (kind < 0) {
            set_err(err, errlen, "migration %s: version number too large", de->d_name);
            goto cleanup;
        }
        if (fstatat(dirfd(d), de->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode))
            continue;
        list_push(out, version, de->d_name);
        errno = 0;
    }
    if (errno != 0) {
        set_err(err, errlen, "cannot read migrations directory %s: %s", dir, strerror(errno));
        goto cleanup;
    }

    if (out->n > 0)
        qsort(out->items, out->n, sizeof *out->items, cmp_migration);
    for (size_t i = 1; i < out->n; i++) {
        if (out->items[i].version == out->items[i - 1].version) {
            set_err(err, errlen, "migrations %s and %s share version %d", out->items[i - 1].name,
                    out->items[i].name, out->items[i].version);
            goto cleanup;
        }
    }
    ret = 0;

cleanup:
    if (d != NULL)
        closedir(d);
    if (ret != 0)
        list_free(out);
    return ret;
}

/* Reads dir/name into a NUL-terminated heap string (*out, the caller frees).
 * Refuses files over MIGRATION_MAX_BYTES and files containing NUL bytes,
 * which libpq would silently cut the script at. Returns 0 or -1 with err. */
static int read_migration(const char *dir, const char *name, char **out, size_t *outlen, char *err,
                          size_t errlen)
{
    char *path = NULL;
    char *data = NULL;
    size_t len = 0;
    int fd = -1;
    int ret = -1;

    size_t pathlen = strlen(dir) + 1 + strlen(name) + 1;
    path = xmalloc(pathlen);
    snprintf(path, pathlen, "%s/%s", dir, name);

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(err, errlen, "cannot open migration %s: %s", name, strerror(errno));
        goto cleanup;
    }
    /* Read up to one byte past the cap rather than trusting st_size: the
     * file may change between fstat and read. */
    data = xmalloc(MIGRATION_MAX_BYTES + 2);
    for (;;) {
        ssize_t n = read(fd, data + len, MIGRATION_MAX_BYTES + 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            set_err(err, errlen, "cannot read migration %s: %s", name, strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > (size_t)MIGRATION_MAX_BYTES) {
            set_err(err, errlen, "migration %s is larger than %d bytes", name, MIGRATION_MAX_BYTES);
            goto cleanup;
        }
    }
    if (memchr(data, '\0', len) != NULL) {
        set_err(err, errlen, "migration %s contains a NUL byte", name);
        goto cleanup;
    }
    data[len] = '\0';
    *out = data;
    *outlen = len;
    data = NULL;
    ret = 0;

cleanup:
    if (fd >= 0)
        close(fd);
    free(data);
    free(path);
    return ret;
}

/* Writes the lowercase hex SHA-256 of data into hex (SHA256_HEX_LEN + 1 bytes). */
static void checksum_hex(const char *data, size_t len, char *hex)
{
    unsigned char digest[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(digest, (const unsigned char *)data, len);
    sodium_bin2hex(hex, SHA256_HEX_LEN + 1, digest, sizeof digest);
}

int migrate_latest_in_dir(const char *dir)
{
    struct migration_list files = {0};
    int latest;

    if (dir == NULL || scan_dir(dir, &files, NULL, 0) != 0)
        return -1;
    latest = files.n > 0 ? files.items[files.n - 1].version : 0;
    list_free(&files);
    return latest;
}

/* Runs a fixed statement with text parameters. The SQL is a literal of this
 * file, never assembled. The result is never NULL-checked by callers because
 * PQresultStatus(NULL) is PGRES_FATAL_ERROR. */
static PGresult *exec_fixed(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    return PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
}

/* Describes a failed result as "what: SQLSTATE xxxxx: message" into err.
 * Migration SQL is our own code, so the server's primary message carries no
 * user data and is worth showing. */
static void pg_err(PGconn *conn, const PGresult *res, const char *what, char *err, size_t errlen)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    size_t msglen;

    if (msg == NULL)
        msg = PQerrorMessage(conn);
    msglen = strcspn(msg, "\n");
    set_err(err, errlen, "%s: SQLSTATE %s: %.*s", what, state ? state : "none", (int)msglen, msg);
}

/* True when res is a successful command or query. */
static bool res_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);

    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Applies one file inside BEGIN ... COMMIT together with its schema_migrations
 * row, so a failing file leaves neither. Returns 0 or -1 with err set; on -1
 * the transaction may still be open and the caller rolls it back. */
static int apply_one(PGconn *conn, const char *dir, const struct migration *m, char *err,
                     size_t errlen)
{
    char *sql = NULL;
    size_t len = 0;
    char hex[SHA256_HEX_LEN + 1];
    char version[16];
    char what[300];
    PGresult *res = NULL;
    int ret = -1;

    snprintf(what, sizeof what, "migration %s failed", m->name);
    if (read_migration(dir, m->name, &sql, &len, err, errlen) != 0)
        goto cleanup;
    checksum_hex(sql, len, hex);

    res = exec_fixed(conn, "BEGIN", 0, NULL);
    if (!res_ok(res)) {
        pg_err(conn, res, what, err, errlen);
        goto cleanup;
    }
    PQclear(res);

    /* The one place a multi-statement script goes through PQexec: the simple
     * query protocol is the only way to run a file of statements, and the
     * file is shipped code, never input. */
    res = PQexec(conn, sql);
    if (!res_ok(res) && PQresultStatus(res) != PGRES_EMPTY_QUERY) {
        pg_err(conn, res, what, err, errlen);
        goto cleanup;
    }
    PQclear(res);
    res = NULL;
    if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
        set_err(err, errlen,
                "migration %s ended the transaction itself; remove its BEGIN/COMMIT/ROLLBACK",
                m->name);
        goto cleanup;
    }

    snprintf(version, sizeof version, "%d", m->version);
    const char *params[3] = {version, m->name, hex};
    res = exec_fixed(conn,
                     "INSERT INTO schema_migrations (version, name, checksum) "
                     "VALUES ($1::integer, $2, $3)",
                     3, params);
    if (!res_ok(res)) {
        pg_err(conn, res, what, err, errlen);
        goto cleanup;
    }
    PQclear(res);

    res = exec_fixed(conn, "COMMIT", 0, NULL);
    /* COMMIT of a failed transaction "succeeds" with the tag ROLLBACK. */
    if (!res_ok(res) || strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        pg_err(conn, res, what, err, errlen);
        goto cleanup;
    }
    ret = 0;

cleanup:
    PQclear(res);
    free(sql);
    return ret;
}

/* Checks every recorded row against the files: each must still exist with
 * the same checksum. Marks applied[i] for the files already recorded.
 * Returns 0 or -1 with err set. */
static int check_applied(PGconn *conn, const char *dir, const struct migration_list *files,
                         bool *applied, char *err, size_t errlen)
{
    PGresult *res = NULL;
    char *sql = NULL;
    int ret = -1;

    res = exec_fixed(conn, "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
                     0, NULL);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        pg_err(conn, res, "cannot read schema_migrations", err, errlen);
        goto cleanup;
    }
    for (int row = 0; row < PQntuples(res); row++) {
        long version = strtol(PQgetvalue(res, row, 0), NULL, 10);
        const char *name = PQgetvalue(res, row, 1);
        const char *recorded = PQgetvalue(res, row, 2);
        const struct migration key = {.version = (int)version, .name = NULL};
        const struct migration *m =
            files->n ? bsearch(&key, files->items, files->n, sizeof key, cmp_migration) : NULL;
        char hex[SHA256_HEX_LEN + 1];
        size_t len = 0;

        if (m == NULL) {
            set_err(err, errlen,
                    "migration %s (version %ld) is recorded as applied but its file is missing "
                    "from %s",
                    name, version, dir);
            goto cleanup;
        }
        if (read_migration(dir, m->name, &sql, &len, err, errlen) != 0)
            goto cleanup;
        checksum_hex(sql, len, hex);
        free(sql);
        sql = NULL;
        if (strcmp(hex, recorded) != 0) {
            set_err(err, errlen,
                    "migration %s was changed after it was applied (checksum %s, recorded %s)",
                    m->name, hex, recorded);
            goto cleanup;
        }
        applied[m - files->items] = true;
    }
    ret = 0;

cleanup:
    free(sql);
    PQclear(res);
    return ret;
}

/* The lock is taken before CREATE TABLE IF NOT EXISTS because two sessions
 * creating the same table at once can fail on the catalog's unique index.
 * On every exit an open transaction is rolled back (an aborted one would
 * refuse the unlock) and the lock is released; if the connection died, the
 * server has already dropped the lock with the session. */
int migrate_run(PGconn *conn, const char *dir, char *err, size_t errlen)
{
    struct migration_list files = {0};
    bool *applied = NULL;
    bool locked = false;
    PGresult *res = NULL;
    const char *lock_params[1] = {MIGRATION_LOCK_KEY};
    int count = 0;
    int ret = -1;

    set_err(err, errlen, "%s", "");
    /* Refusals that return before touching the session: in particular the
     * caller's own open transaction must not be rolled back by cleanup. */
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        set_err(err, errlen, "migrations need a working database connection");
        return -1;
    }
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
        set_err(err, errlen, "migrations need a connection outside any transaction");
        return -1;
    }
    if (dir == NULL) {
        set_err(err, errlen, "no migrations directory given");
        return -1;
    }
    if (sodium_init() < 0) {
        set_err(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    if (scan_dir(dir, &files, err, errlen) != 0)
        goto cleanup;
    applied = xcalloc(files.n ? files.n : 1, sizeof *applied);

    res = exec_fixed(conn, "SELECT pg_advisory_lock($1::bigint)", 1, lock_params);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        pg_err(conn, res, "cannot take the migration lock", err, errlen);
        goto cleanup;
    }
    locked = true;
    PQclear(res);

    res = exec_fixed(conn,
                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                     "version integer PRIMARY KEY, "
                     "name text NOT NULL, "
                     "checksum text NOT NULL, "
                     "applied_at timestamptz NOT NULL DEFAULT now())",
                     0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        pg_err(conn, res, "cannot create schema_migrations", err, errlen);
        goto cleanup;
    }
    PQclear(res);
    res = NULL;

    if (check_applied(conn, dir, &files, applied, err, errlen) != 0)
        goto cleanup;

    for (size_t i = 0; i < files.n; i++) {
        if (applied[i])
            continue;
        if (apply_one(conn, dir, &files.items[i], err, errlen) != 0)
            goto cleanup;
        count++;
        json_t *fields = json_object();
        json_object_set_new(fields, "migration", json_string(files.items[i].name));
        log_event(LOG_INFO, "migration applied", fields);
    }
    ret = count;

cleanup:
    PQclear(res);
    if (conn != NULL && PQstatus(conn) == CONNECTION_OK) {
        PGTransactionStatusType ts = PQtransactionStatus(conn);
        if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
            PQclear(exec_fixed(conn, "ROLLBACK", 0, NULL));
        if (locked)
            PQclear(exec_fixed(conn, "SELECT pg_advisory_unlock($1::bigint)", 1, lock_params));
    }
    free(applied);
    list_free(&files);
    return ret;
}
