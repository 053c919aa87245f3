/* db.c: one PostgreSQL connection per worker thread; each statement prepared on first use. */
#include "db/db.h"

#include "config.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "db/migrate.h"
#include "util/log.h"
#include "util/xalloc.h"

/* A thread whose connect failed waits this long before trying again, so a
 * dead database costs a request one quick DB_UNAVAILABLE, not a stall. */
#define RECONNECT_INTERVAL_NS (500LL * 1000 * 1000)
/* Used unless the conninfo sets its own connect_timeout (seconds). */
#define DEFAULT_CONNECT_TIMEOUT "2"
#define TX_ATTEMPTS 3

/* One thread's connection. Only the owning thread touches conn and the
 * flags; the registry lock guards only the list links. */
struct db_slot {
    PGconn *conn;             /* NULL until connected or after a loss */
    bool prepared[STMT__MAX]; /* per connection; reset on reconnect */
    bool checked[STMT__MAX];  /* result columns compared with .cols */
    bool in_tx;               /* inside db_tx's fn: never reconnect there */
    bool down;                /* the last connect failed (log once per outage) */
    long long retry_after_ns; /* CLOCK_MONOTONIC; no connect before this */
    struct db_slot *next;     /* registry link */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
/* Guarded by registry_lock: every live slot, the conninfo (NULL when not
 * initialised) and the newest migration version found at db_init. */
static struct db_slot *registry;
static char *db_conninfo;
static int db_latest_version;
/* Bumped (under the lock) by db_init and db_shutdown. A thread's cached
 * slot is valid only while its generation matches, so a slot freed by
 * db_shutdown is never dereferenced by a thread that cached it. */
static atomic_ulong db_generation;

static _Thread_local struct db_slot *tls_slot;
static _Thread_local unsigned long tls_generation;
/* This thread's lock_timeout and statement_timeout in ms (0: the
 * configuration's; DB_NO_TIMEOUT: none), applied when it connects. */
static _Thread_local unsigned tls_lock_ms, tls_statement_ms;
/* The SQLSTATE of this thread's last failed statement ("" when none). */
static _Thread_local char tls_sqlstate[6];

/* The key exists only for its destructor: a thread that exits closes its own
 * connection, so thread-per-connection servers do not pile up sessions. */
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;

static long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Closes the connection and frees the slot; NULL is a harmless no-op. The
 * slot must already be unlinked from the registry. */
static void slot_free(struct db_slot *slot)
{
    if (slot == NULL)
        return;
    PQfinish(slot->conn);
    free(slot);
}

/* Thread-exit destructor. The slot is ours to free only if it is still in
 * the registry of the current generation; otherwise db_shutdown took it.
 * Thread-local storage is still valid while key destructors run. */
static void slot_thread_exit(void *arg)
{
    struct db_slot *mine = NULL;

    pthread_mutex_lock(&registry_lock);
    if (arg == tls_slot && tls_slot != NULL && tls_generation == atomic_load(&db_generation)) {
        for (struct db_slot **p = &registry; *p != NULL; p = &(*p)->next) {
            if (*p == tls_slot) {
                *p = tls_slot->next;
                mine = tls_slot;
                break;
            }
        }
    }
    tls_slot = NULL;
    pthread_mutex_unlock(&registry_lock);
    slot_free(mine); /* outside the lock: PQfinish talks to the network */
}

static void make_exit_key(void)
{
    if (pthread_key_create(&exit_key, slot_thread_exit) != 0)
        log_event(LOG_WARN, "no thread-exit hook: connections close only at db_shutdown", NULL);
}

/* Returns the calling thread's slot, registering a new one on first use in
 * this generation, or NULL when db_init has not run or db_shutdown has. */
static struct db_slot *slot_get(void)
{
    struct db_slot *slot;

    if (tls_slot != NULL && tls_generation == atomic_load(&db_generation))
        return tls_slot;

    pthread_once(&exit_key_once, make_exit_key);
    pthread_mutex_lock(&registry_lock);
    if (db_conninfo == NULL) {
        pthread_mutex_unlock(&registry_lock);
        return NULL;
    }
    slot = xcalloc(1, sizeof *slot);
    slot->next = registry;
    registry = slot;
    tls_slot = slot;
    tls_generation = atomic_load(&db_generation);
    pthread_mutex_unlock(&registry_lock);
    pthread_setspecific(exit_key, slot);
    return slot;
}

/* Keeps the SQLSTATE of a failed result for db_last_sqlstate (NULL: none). */
static void remember_state(const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(tls_sqlstate, sizeof(tls_sqlstate), "%s", state ? state : "");
}

const char *db_last_sqlstate(void)
{
    return tls_sqlstate;
}

void db_thread_timeouts(unsigned lock_ms, unsigned statement_ms)
{
    tls_lock_ms = lock_ms;
    tls_statement_ms = statement_ms;
}

/* Logs a failed statement by name and SQLSTATE only: the server's message
 * and the parameters may contain user data. */
static void log_sql_failure(enum log_level level, const char *msg, const char *stmt,
                            const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    json_t *fields = json_object();

    json_object_set_new(fields, "stmt", json_string(stmt));
    json_object_set_new(fields, "sqlstate", json_string(state ? state : "none"));
    log_event(level, msg, fields);
}

/* True when the failure means the session is gone: libpq says so, or the
 * server reported a connection exception (class 08) or is shutting down. */
static bool conn_lost(PGconn *conn, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    if (conn == NULL || PQstatus(conn) == CONNECTION_BAD)
        return true;
    if (state == NULL)
        return false;
    return strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
           strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0;
}

enum db_status db_classify(PGconn *conn, PGresult *res)
{
    ExecStatusType st = PQresultStatus(res); /* PGRES_FATAL_ERROR for NULL */
    const char *state;

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return DB_OK;
    if (conn_lost(conn, res))
        return DB_SOFT;
    state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
        return DB_SOFT;
    return DB_HARD;
}

/* Forgets the connection; the next use outside a transaction reconnects. */
static void slot_drop(struct db_slot *slot)
{
    PQfinish(slot->conn);
    slot->conn = NULL;
    memset(slot->prepared, 0, sizeof slot->prepared);
    memset(slot->checked, 0, sizeof slot->checked);
}

/* Runs a fixed transaction-control statement (BEGIN, COMMIT, ROLLBACK). */
static PGresult *exec_fixed(PGconn *conn, const char *sql)
{
    return PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
}

/* Routes server notices and warnings into the JSON log (by SQLSTATE and
 * severity only, like errors) instead of libpq's default raw stderr line. */
static void notice_to_log(void *arg, const PGresult *res)
{
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    bool warning = severity != NULL && strcmp(severity, "WARNING") == 0;
    json_t *fields = json_object();

    (void)arg;
    json_object_set_new(fields, "severity", json_string(severity ? severity : "none"));
    json_object_set_new(fields, "sqlstate", json_string(state ? state : "none"));
    log_event(warning ? LOG_WARN : LOG_DEBUG, "database notice", fields);
}

static bool prepare_each(struct db_slot *slot, int *refused, const char **first);

/* Prepares every declared statement. A statement the server refuses (most
 * often a table that a migration has not created yet, 42P01) is logged and
 * left for exec_stmt to prepare again on first use, so that migrate_run can
 * run on this very connection. Returns false if the connection died. */
static bool prepare_all(struct db_slot *slot, int *refused, const char **first)
{
    /* Preparing a statement locks its tables briefly: behind a long lock
     * (a migration, VACUUM FULL) each would wait lock_timeout, and a
     * reconnect would take minutes. Not waiting at all here, a statement on
     * a locked table is left for its first use, which waits as any other. */
    PGresult *r = exec_fixed(slot->conn, "SET lock_timeout = 1");
    bool set = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!set)
        return false;
    bool ok = prepare_each(slot, refused, first);
    r = exec_fixed(slot->conn, "RESET lock_timeout"); /* to the connection's own */
    ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
}

/* One statement's outcome: prepared, left for its first use, or (false)
 * the connection died. */
static bool prepared_or_logged(struct db_slot *slot, int i, PGresult *res, int *refused,
                               const char **first)
{
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        slot->prepared[i] = true;
        return true;
    }
    if (conn_lost(slot->conn, res))
        return false;
    if ((*refused)++ == 0)
        *first = stmt_defs[i].name;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    bool missing = state != NULL && (strcmp(state, "42P01") == 0 || strcmp(state, "55P03") == 0);
    log_sql_failure(missing ? LOG_DEBUG : LOG_WARN, "statement not prepared", stmt_defs[i].name,
                    res);
    return true;
}

/* Every statement not yet prepared is sent at once (libpq's pipeline mode), each followed by
 * a sync point so that one refused statement does not abort the others, then
 * the answers are read: one round trip instead of one per statement, which
 * was most of a new connection's cost (and of the start-up). */
static bool prepare_each(struct db_slot *slot, int *refused, const char **first)
{
    PGconn *c = slot->conn;
    int todo[STMT__MAX], n = 0;
    for (int i = 0; i < STMT__MAX; i++)
        if (!slot->prepared[i])
            todo[n++] = i;
    if (n == 0)
        return true;
    if (PQenterPipelineMode(c) != 1)
        return false;
    int sent = 0;
    while (sent < n &&
           PQsendPrepare(c, stmt_defs[todo[sent]].name, stmt_defs[todo[sent]].sql,
                         stmt_defs[todo[sent]].nparams, NULL) == 1 &&
           PQpipelineSync(c) == 1)
        sent++;
    bool ok = sent == n;
    for (int k = 0; k < sent; k++) {
        PGresult *res = PQgetResult(c); /* the prepare's answer */
        if (res == NULL) {
            ok = false;
            break;
        }
        bool alive = prepared_or_logged(slot, todo[k], res, refused, first);
        PQclear(res);
        /* Then NULL (the end of its answers), then its sync point. */
        res = PQgetResult(c);
        bool ended = res == NULL;
        PQclear(res);
        res = ended ? PQgetResult(c) : NULL;
        bool synced = res != NULL && PQresultStatus(res) == PGRES_PIPELINE_SYNC;
        PQclear(res);
        if (!alive || !synced) {
            ok = false;
            break;
        }
    }
    if (!ok || PQexitPipelineMode(c) != 1)
        return false;
    return true;
}

/* Opens and prepares a connection for slot unless the last attempt failed
 * less than RECONNECT_INTERVAL_NS ago. Returns 0 or -1. */
static int slot_connect(struct db_slot *slot)
{
    char *conninfo = NULL;
    PGconn *conn = NULL;

    if (now_ns() < slot->retry_after_ns)
        return -1;

    /* Copied so the blocking connect runs without holding the lock. */
    pthread_mutex_lock(&registry_lock);
    if (db_conninfo != NULL)
        conninfo = xstrdup(db_conninfo);
    pthread_mutex_unlock(&registry_lock);
    if (conninfo == NULL)
        return -1;

    /* With expand_dbname the conninfo (URI or key=value) is unpacked in
     * place of "dbname": entries before it are defaults it can override,
     * entries after it win. So the caller's connect_timeout is kept, and
     * application_name is always ours. */
    /* Every session works in the service's time zone (TIMEZONE), so
     * current_date means the same day for everyone. Its waits are bounded
     * (DB_LOCK_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS, or this thread's own
     * limits): a statement stuck behind a lock fails with 55P03 or 57014
     * instead of holding a worker, and the request answers 503. */
    unsigned lock_ms = tls_lock_ms, statement_ms = tls_statement_ms;
    if (config_current != NULL) {
        if (lock_ms == 0)
            lock_ms = config_current->db_lock_timeout_ms;
        if (statement_ms == 0)
            statement_ms = config_current->db_stmt_timeout_ms;
    }
    /* Only what is set: without any (the database tests) "options" is left
     * out, so PGOPTIONS from the environment still applies. */
    char lock_opt[40] = "", stmt_opt[48] = "", tz_opt[80] = "", options[192];
    if (lock_ms != 0)
        snprintf(lock_opt, sizeof(lock_opt), " -c lock_timeout=%u",
                 lock_ms == DB_NO_TIMEOUT ? 0 : lock_ms);
    if (statement_ms != 0)
        snprintf(stmt_opt, sizeof(stmt_opt), " -c statement_timeout=%u",
                 statement_ms == DB_NO_TIMEOUT ? 0 : statement_ms);
    if (config_current != NULL && config_current->timezone != NULL)
        snprintf(tz_opt, sizeof(tz_opt), " -c TimeZone=%s", config_current->timezone);
    snprintf(options, sizeof(options), "%s%s%s", lock_opt, stmt_opt, tz_opt);
    const char *const keys[] = {"connect_timeout", "dbname", "application_name",
                                options[0] ? "options" : NULL, NULL};
    const char *const values[] = {DEFAULT_CONNECT_TIMEOUT, conninfo, "interlude",
                                  options[0] ? options + 1 : "", NULL};
    conn = PQconnectdbParams(keys, values, 1);
    free(conninfo);

    slot->conn = conn;
    memset(slot->prepared, 0, sizeof slot->prepared);
    memset(slot->checked, 0, sizeof slot->checked);
    if (conn != NULL)
        PQsetNoticeReceiver(conn, notice_to_log, NULL);
    /* Statements are prepared on their first use (exec_stmt): a new
     * connection costs one round trip, not one parse of every statement
     * (which was most of the start-up). db_check_statements prepares them
     * all, for `interlude check` and the tests. */
    if (conn != NULL && PQstatus(conn) == CONNECTION_OK) {
        if (slot->down)
            log_event(LOG_INFO, "database connection restored", NULL);
        slot->down = false;
        return 0;
    }

    if (!slot->down) {
        /* libpq's connect error names host and reason, never the password. */
        json_t *fields = json_object();
        const char *msg = conn ? PQerrorMessage(conn) : "out of memory";
        json_object_set_new(fields, "error", json_stringn(msg, strcspn(msg, "\n")));
        log_event(LOG_WARN, "database unreachable", fields);
    }
    slot->down = true;
    slot_drop(slot);
    slot->retry_after_ns = now_ns() + RECONNECT_INTERVAL_NS;
    return -1;
}

/* True when an idle connection has something to read: the server ended the
 * session while we were not using it (a restart, pg_terminate_backend) and
 * its FATAL message or the end of the stream is waiting. libpq learns of it
 * only when the next statement fails, which would cost the first request
 * after the database came back a 503; nothing was sent yet, so dropping the
 * session here loses nothing. (An idle healthy session gets no unsolicited
 * message: no LISTEN here, and parameter reports follow a query.) */
static bool idle_conn_ended(PGconn *conn)
{
    struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
    return p.fd < 0 || poll(&p, 1, 0) != 0;
}

/* Returns the slot's working connection, reconnecting after a loss. Inside
 * a transaction a lost connection stays lost (NULL): a new session would
 * run the rest of the transaction's statements outside it. */
static PGconn *slot_conn(struct db_slot *slot)
{
    if (slot->conn != NULL &&
        (PQstatus(slot->conn) == CONNECTION_BAD || (!slot->in_tx && idle_conn_ended(slot->conn))))
        slot_drop(slot);
    if (slot->conn != NULL)
        return slot->conn;
    if (slot->in_tx || slot_connect(slot) != 0)
        return NULL;
    return slot->conn;
}

PGconn *db_conn(void)
{
    struct db_slot *slot = slot_get();

    return slot ? slot_conn(slot) : NULL;
}

bool db_cols_match(const PGresult *res, const char *cols)
{
    const char *p = cols;
    int n = PQnfields(res);
    for (int f = 0; f < n; f++) {
        const char *name = PQfname(res, f);
        size_t len = strlen(name);
        if (f > 0 && *p++ != ' ')
            return false;
        if (strncmp(p, name, len) != 0 || (p[len] != ' ' && p[len] != '\0'))
            return false;
        p += len;
    }
    return *p == '\0';
}

/* Logs a statement whose result differs from its declaration (names only). */
static void log_cols_mismatch(enum stmt_id id, const PGresult *res)
{
    json_t *fields = json_object();
    json_t *got = json_array();
    for (int f = 0; f < PQnfields(res); f++)
        json_array_append_new(got, json_string(PQfname(res, f)));
    json_object_set_new(fields, "statement", json_string(stmt_defs[id].name));
    json_object_set_new(fields, "declared", json_string(stmt_defs[id].cols));
    json_object_set_new(fields, "returned", got);
    log_event(LOG_ERROR, "statement's columns differ from its declaration", fields);
}

/* db_exec with one addition: a failure whose SQLSTATE equals quiet_state
 * (may be NULL) is logged at debug level, for expected failures. */
static enum db_status exec_stmt(enum stmt_id id, int nparams, const char *const *params,
                                PGresult **res, const char *quiet_state)
{
    struct db_slot *slot;
    PGconn *conn;
    PGresult *r = NULL;
    enum db_status st;

    if (res != NULL)
        *res = NULL;
    tls_sqlstate[0] = '\0';
    if ((int)id < 0 || id >= STMT__MAX || nparams != stmt_defs[id].nparams ||
        (nparams > 0 && params == NULL)) {
        json_t *fields = json_object();
        json_object_set_new(fields, "stmt_id", json_integer((json_int_t)id));
        json_object_set_new(fields, "nparams", json_integer(nparams));
        log_event(LOG_ERROR, "statement called with wrong id or parameter count", fields);
        return DB_HARD;
    }
    slot = slot_get();
    if (slot == NULL)
        return DB_UNAVAILABLE;
    conn = slot_conn(slot);
    if (conn == NULL)
        return slot->in_tx ? DB_SOFT : DB_UNAVAILABLE;

    if (!slot->prepared[id]) {
        r = PQprepare(conn, stmt_defs[id].name, stmt_defs[id].sql, nparams, NULL);
        st = db_classify(conn, r);
        if (st != DB_OK)
            goto done;
        slot->prepared[id] = true;
        PQclear(r);
    }
    r = PQexecPrepared(conn, stmt_defs[id].name, nparams, params, NULL, NULL, 0);
    st = db_classify(conn, r);
    if (st == DB_OK && !slot->checked[id]) {
        /* Once per connection: a SELECT that drifted from its declared
         * columns is refused before anything reads it by name. */
        if (stmt_defs[id].cols != NULL && !db_cols_match(r, stmt_defs[id].cols)) {
            log_cols_mismatch(id, r);
            PQclear(r);
            return DB_HARD;
        }
        slot->checked[id] = true;
    }

done:
    remember_state(st == DB_OK ? NULL : r);
    if (st == DB_OK) {
        if (res != NULL) {
            *res = r;
            r = NULL;
        }
    } else if (conn_lost(conn, r)) {
        log_sql_failure(LOG_WARN, "database connection lost", stmt_defs[id].name, r);
        slot_drop(slot);
        st = slot->in_tx ? DB_SOFT : DB_UNAVAILABLE;
    } else if (st == DB_HARD) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        bool quiet = quiet_state != NULL && state != NULL && strcmp(state, quiet_state) == 0;
        log_sql_failure(quiet ? LOG_DEBUG : LOG_ERROR, "statement failed", stmt_defs[id].name, r);
    } else {
        log_sql_failure(LOG_DEBUG, "statement failed, retryable", stmt_defs[id].name, r);
    }
    PQclear(r);
    return st;
}

enum db_status db_exec(enum stmt_id id, int nparams, const char *const *params, PGresult **res)
{
    return exec_stmt(id, nparams, params, res, NULL);
}

/* Sleeps 10 ms, then 40 ms (times 1 to 2, random) before attempts 2 and 3,
 * so threads that collided do not collide again in step. */
static void tx_backoff(int attempt)
{
    long long ns = 10LL * 1000 * 1000 << (2 * (attempt - 1));
    ns += (long long)randombytes_uniform(1000) * ns / 1000;
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
    nanosleep(&ts, NULL);
}

/* One attempt: BEGIN, fn, then COMMIT or ROLLBACK. Returns DB_SOFT when the
 * whole transaction may be retried. */
static enum db_status tx_once(struct db_slot *slot, PGconn *conn, enum db_status (*fn)(void *ctx),
                              void *ctx)
{
    PGresult *r = exec_fixed(conn, "BEGIN");
    enum db_status st = db_classify(conn, r);

    if (st != DB_OK) {
        if (conn_lost(conn, r)) {
            slot_drop(slot); /* a stale session: retry on a fresh one */
            st = DB_SOFT;
        } else {
            log_sql_failure(LOG_ERROR, "statement failed", "BEGIN", r);
        }
        PQclear(r);
        return st;
    }
    PQclear(r);

    slot->in_tx = true;
    st = fn(ctx);
    slot->in_tx = false;

    /* The session died during fn: the server rolled back, nothing happened. */
    if (slot->conn == NULL || PQstatus(slot->conn) == CONNECTION_BAD) {
        slot_drop(slot);
        return DB_SOFT;
    }
    conn = slot->conn;

    if (st == DB_OK && PQtransactionStatus(conn) != PQTRANS_INTRANS) {
        /* fn ignored a failed statement (COMMIT would quietly roll back) or
         * ended the transaction itself. Either is a bug in fn. */
        log_event(LOG_ERROR, "transaction function returned DB_OK after a failed statement", NULL);
        st = DB_HARD;
    }

    if (st == DB_OK) {
        r = exec_fixed(conn, "COMMIT");
        st = db_classify(conn, r);
        if (st == DB_OK && strcmp(PQcmdStatus(r), "COMMIT") != 0)
            st = DB_HARD;
        if (st != DB_OK && conn_lost(conn, r)) {
            /* The COMMIT may or may not have happened: retrying could apply
             * the work twice, so this is not a soft error. */
            log_sql_failure(LOG_ERROR, "connection lost during COMMIT, outcome unknown", "COMMIT",
                            r);
            slot_drop(slot);
            st = DB_HARD;
        } else if (st == DB_HARD) {
            log_sql_failure(LOG_ERROR, "statement failed", "COMMIT", r);
        }
        PQclear(r);
        return st;
    }

    if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
        r = exec_fixed(conn, "ROLLBACK");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            log_sql_failure(LOG_WARN, "statement failed", "ROLLBACK", r);
            slot_drop(slot); /* unknown session state: start clean */
        }
        PQclear(r);
    }
    return st;
}

enum db_status db_tx(enum db_status (*fn)(void *ctx), void *ctx)
{
    struct db_slot *slot = slot_get();
    enum db_status st = DB_UNAVAILABLE;

    if (slot == NULL)
        return DB_UNAVAILABLE;
    if (fn == NULL || slot->in_tx) {
        log_event(LOG_ERROR, "db_tx called without a function or inside another db_tx", NULL);
        return DB_HARD;
    }
    for (int attempt = 1; attempt <= TX_ATTEMPTS; attempt++) {
        PGconn *conn = slot_conn(slot);
        if (conn == NULL)
            return DB_UNAVAILABLE;
        st = tx_once(slot, conn, fn, ctx);
        if (st != DB_SOFT)
            return st;
        if (attempt < TX_ATTEMPTS)
            tx_backoff(attempt);
    }
    log_event(LOG_WARN, "transaction still failing after retries", NULL);
    return st;
}

bool db_ready(void)
{
    return db_readiness() == NULL;
}

const char *db_readiness(void)
{
    PGresult *res = NULL;
    bool ready = false;
    int latest;

    /* Before the first migration the table does not exist: expected, quiet. */
    enum db_status st = exec_stmt(STMT_MIGRATION_LATEST, 0, NULL, &res, "42P01");
    if (st == DB_UNAVAILABLE || st == DB_SOFT)
        return "database unreachable";
    if (st != DB_OK) {
        bool slow = strcmp(tls_sqlstate, "57014") == 0 || strcmp(tls_sqlstate, "55P03") == 0;
        return slow                                 ? "database slow"
               : strcmp(tls_sqlstate, "42P01") == 0 ? "migrations pending"
                                                    : "database error";
    }
    pthread_mutex_lock(&registry_lock);
    latest = db_latest_version;
    pthread_mutex_unlock(&registry_lock);
    if (PQntuples(res) == 1) {
        long applied = PQgetisnull(res, 0, 0) ? 0 : strtol(PQgetvalue(res, 0, 0), NULL, 10);
        ready = applied == latest;
    }
    PQclear(res);
    return ready ? NULL : "migrations pending";
}

int db_check_statements(char *err, size_t errlen)
{
    struct db_slot *slot = slot_get();
    PGconn *conn = slot != NULL ? slot_conn(slot) : NULL;
    if (conn == NULL) {
        snprintf(err, errlen, "cannot connect");
        return -1;
    }
    int refused = 0;
    const char *first = NULL;
    if (!prepare_all(slot, &refused, &first)) {
        slot_drop(slot);
        snprintf(err, errlen, "the connection was lost while preparing the statements");
        return -1;
    }
    for (int i = 0; i < STMT__MAX; i++) {
        if (!slot->prepared[i])
            continue;
        PGresult *d = PQdescribePrepared(conn, stmt_defs[i].name);
        if (db_classify(conn, d) != DB_OK) {
            PQclear(d);
            slot_drop(slot);
            snprintf(err, errlen, "the connection was lost while describing the statements");
            return -1;
        }
        if (stmt_defs[i].cols == NULL || !db_cols_match(d, stmt_defs[i].cols)) {
            if (stmt_defs[i].cols != NULL)
                log_cols_mismatch((enum stmt_id)i, d);
            else
                log_event(LOG_ERROR, "statement declares no columns",
                          json_pack("{ss}", "statement", stmt_defs[i].name));
            if (refused++ == 0)
                first = stmt_defs[i].name;
        }
        PQclear(d);
    }
    if (refused > 0)
        snprintf(err, errlen, "%d statement%s do%s not match the schema (the first: %s)", refused,
                 refused == 1 ? "" : "s", refused == 1 ? "es" : "", first);
    return refused;
}

int db_init(const char *conninfo, const char *migrations_dir)
{
    PQconninfoOption *opts;
    char *errmsg = NULL;
    int latest;

    if (!PQisthreadsafe()) {
        log_event(LOG_ERROR, "libpq was built without thread safety", NULL);
        return -1;
    }
    if (conninfo == NULL)
        conninfo = "";
    /* Parse now so a typo fails at start, not on the first request. The
     * parser's message may quote the string, password included: not logged. */
    opts = PQconninfoParse(conninfo, &errmsg);
    PQfreemem(errmsg);
    if (opts == NULL) {
        log_event(LOG_ERROR, "invalid database connection string", NULL);
        return -1;
    }
    PQconninfoFree(opts);

    latest = migrations_dir ? migrate_latest_in_dir(migrations_dir) : -1;
    if (latest < 0) {
        json_t *fields = json_object();
        json_object_set_new(fields, "dir", json_string(migrations_dir ? migrations_dir : ""));
        log_event(LOG_ERROR, "cannot read the migrations directory", fields);
        return -1;
    }
    if (sodium_init() < 0) {
        log_event(LOG_ERROR, "libsodium failed to initialise", NULL);
        return -1;
    }

    pthread_mutex_lock(&registry_lock);
    if (db_conninfo != NULL) {
        pthread_mutex_unlock(&registry_lock);
        log_event(LOG_ERROR, "db_init called twice without db_shutdown", NULL);
        return -1;
    }
    db_conninfo = xstrdup(conninfo);
    db_latest_version = latest;
    atomic_fetch_add(&db_generation, 1);
    pthread_mutex_unlock(&registry_lock);
    return 0;
}

/* Takes the whole registry under the lock, then closes the connections
 * without it: no lock is held across network I/O and nothing waits for
 * another thread, so shutdown cannot deadlock with a worker (a worker that
 * still calls in gets NULL / DB_UNAVAILABLE). */
void db_shutdown(void)
{
    struct db_slot *list;

    pthread_mutex_lock(&registry_lock);
    list = registry;
    registry = NULL;
    free(db_conninfo);
    db_conninfo = NULL;
    atomic_fetch_add(&db_generation, 1);
    pthread_mutex_unlock(&registry_lock);

    while (list != NULL) {
        struct db_slot *next = list->next;
        slot_free(list);
        list = next;
    }
}
