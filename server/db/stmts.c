/* stmts.c: the SQL text of every statement the server runs, indexed by enum stmt_id. */
#include "db/stmts.h"

/* Prepared on every new connection by db.c. Parameters are $1..$n only; no
 * SQL is ever assembled from strings at run time. */
const struct stmt_def stmt_defs[STMT__MAX] = {
    [STMT_PING] = {.name = "ping", .sql = "SELECT 1", .nparams = 0},
    [STMT_MIGRATION_LATEST] = {.name = "migration_latest",
                               .sql = "SELECT max(version) FROM schema_migrations",
                               .nparams = 0},
};
