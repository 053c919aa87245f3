/* db.h: the store's connection layer. One PGconn per worker thread, every
 * statement declared in stmts.c and prepared on connect, parameters only. */
#ifndef INTERLUDE_DB_H
#define INTERLUDE_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "db/stmts.h"

/* The three outcomes of a statement (as GNUnet's pq_eval). */
enum db_status {
    DB_OK = 0,           /* rows (possibly none) */
    DB_SOFT = -1,        /* retryable: 40001, 40P01, or the connection was lost */
    DB_HARD = -2,        /* anything else: a bug or a constraint */
    DB_UNAVAILABLE = -3, /* cannot connect now: answer 503 */
};

/* Called once at start, before any thread uses the database. conninfo is a
 * libpq connection string or URI (copied); connect_timeout defaults to 2 s
 * and application_name is set to "interlude". migrations_dir is scanned once
 * here for the newest version that db_ready() expects to find applied.
 * Connects lazily: succeeds while the database is down. Returns 0, or -1 (and
 * logs why) for an unparsable conninfo, an unreadable migrations_dir, or a
 * second call without db_shutdown(). */
int db_init(const char *conninfo, const char *migrations_dir);
/* Closes every thread's connection; call after the HTTP daemon stopped.
 * Never blocks on other threads; afterwards db_conn() returns NULL and the
 * others DB_UNAVAILABLE until db_init() is called again. Threads that exit
 * earlier close their own connection. */
void db_shutdown(void);

/* The calling thread's connection, connected and prepared on first use and
 * re-established after a loss. NULL when the database cannot be reached;
 * after a failed connect the thread does not try again for 500 ms. Inside
 * db_tx a lost connection is not replaced (NULL). A statement the server
 * refuses at connect (e.g. its table awaits a migration) is prepared again on
 * first use, so migrate_run(db_conn(), ...) works on a fresh database. Owned
 * by this module: do not PQfinish it, and leave no transaction open on it. */
PGconn *db_conn(void);

/* Runs a declared statement with text parameters (NULL = SQL NULL). On DB_OK
 * *res (if res != NULL) receives the result, which the caller PQclear()s;
 * otherwise *res is NULL. Logs the SQLSTATE on hard errors, never values.
 * A lost connection is dropped and gives DB_UNAVAILABLE (DB_SOFT inside
 * db_tx); the next call outside a transaction reconnects. A wrong id or
 * nparams is DB_HARD. */
enum db_status db_exec(enum stmt_id id, int nparams, const char *const *params, PGresult **res);

/* Classifies a result of conn: PGRES_COMMAND_OK/TUPLES_OK -> DB_OK; SQLSTATE
 * 40001/40P01, or a lost connection (conn NULL or CONNECTION_BAD, SQLSTATE
 * class 08, 57P01-57P03) -> DB_SOFT; anything else (res NULL included) ->
 * DB_HARD. Does not drop the connection (db_exec does that itself). Exposed
 * for fn bodies and tests that run raw libpq calls on db_conn(). */
enum db_status db_classify(PGconn *conn, PGresult *res);

/* Runs fn inside BEGIN ... COMMIT on the thread's connection, making up to
 * 3 attempts (10-80 ms apart) while the attempt ends DB_SOFT. fn returns a
 * db_status; any non-OK value rolls back. Returns the final status:
 * DB_UNAVAILABLE if no connection, DB_HARD if fn returned DB_OK after a
 * failed statement, if called inside another db_tx, or if the connection
 * died during COMMIT (outcome unknown, so never retried). */
enum db_status db_tx(enum db_status (*fn)(void *ctx), void *ctx);

/* Cheap liveness check for /readyz: connection usable and migrations
 * current (max(version) in schema_migrations equals the newest version found
 * in migrations_dir at db_init). False while schema_migrations is missing. */
bool db_ready(void);
/* The same check with its reason: NULL when ready, else a static string:
 * "database unreachable", "database slow" (the check hit this thread's
 * statement or lock timeout), "migrations pending" or "database error". */
const char *db_readiness(void);

/* Prepares every statement of stmts.c on the calling thread's connection
 * (normally each is prepared on its first use): the number the database
 * refused (err names the first; 0 when all match the schema), or -1 when
 * there is no connection. For `interlude check` and the database tests. */
int db_check_statements(char *err, size_t errlen);

/* True when res's columns are exactly the names cols declares, in order
 * (cols: names separated by one space; "" for none). Exposed for tests. */
bool db_cols_match(const PGresult *res, const char *cols);

/* Sets the calling thread's lock_timeout and statement_timeout (ms) for the
 * connections it opens from now on: 0 takes DB_LOCK_TIMEOUT_MS /
 * DB_STATEMENT_TIMEOUT_MS from the configuration (the default),
 * DB_NO_TIMEOUT sets none. Call before the thread's first statement: a
 * connection already open keeps its limits. */
#define DB_NO_TIMEOUT 0xFFFFFFFFu
void db_thread_timeouts(unsigned lock_ms, unsigned statement_ms);

/* The SQLSTATE of the calling thread's last failed db_exec ("" when it
 * had none, e.g. the connection was lost). Never NULL. */
const char *db_last_sqlstate(void);

#endif
