/* stmts.h: every SQL statement the server runs, named by an enum. The SQL
 * text lives in stmts.c, in one table indexed by this enum. */
#ifndef INTERLUDE_STMTS_H
#define INTERLUDE_STMTS_H

enum stmt_id {
    STMT_PING,             /* SELECT 1 */
    STMT_MIGRATION_LATEST, /* SELECT max(version) FROM schema_migrations */
    STMT__MAX
};

struct stmt_def {
    const char *name; /* prepared statement name */
    const char *sql;  /* $1..$n parameters only */
    int nparams;
};

extern const struct stmt_def stmt_defs[STMT__MAX];

#endif
