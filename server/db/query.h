/* query.h: typed parameters and results read by column name.
 *
 * A statement's parameters are added in order ($1 first) with their type,
 * never formatted by the caller; its result is read by the column names the
 * statement declares in stmts.c (.cols), never by position. db.c checks each
 * result's columns against that declaration, so a SELECT that drifts from it
 * fails on its first use (and in `interlude check`), not later in a page.
 *
 *     struct db_args a = {0};
 *     db_arg_int(&a, client_id);
 *     db_arg_text(&a, email);
 *     PGresult *res = NULL;
 *     if (db_run(STMT_THERAPIST_CLIENT, &a, &res) != DB_OK) ...
 *     const char *name = db_text(res, 0, "display_name");
 *     PQclear(res);
 */
#ifndef INTERLUDE_QUERY_H
#define INTERLUDE_QUERY_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

#define DB_ARGS_MAX 16

/* Zero-initialise ({0}), then add. Numbers are formatted into the struct's
 * own storage, so the struct must outlive the db_run that uses it. Adding
 * more than DB_ARGS_MAX parameters makes db_run fail (DB_HARD, logged). */
struct db_args {
    int n;
    bool overflow;
    const char *v[DB_ARGS_MAX];
    char num[DB_ARGS_MAX][24];
};

void db_arg_int(struct db_args *a, long long v);
/* v > 0, else SQL NULL: an optional id. */
void db_arg_id_or_null(struct db_args *a, long long v);
/* NULL is SQL NULL. The string is not copied: it must outlive db_run. */
void db_arg_text(struct db_args *a, const char *s);
void db_arg_bool(struct db_args *a, bool v);
void db_arg_null(struct db_args *a);

/* db_exec with the parameters of a (their count must be the statement's). */
enum db_status db_run(enum stmt_id id, const struct db_args *a, PGresult **res);

/* The index of column col in res. A name the result does not have is a
 * programming error (the statement's declaration names every column): it
 * is logged with the name and the process aborts, as on any broken
 * invariant, rather than show a page built from the wrong column. */
int db_col(const PGresult *res, const char *col);

/* Values of row row, column col (by name). SQL NULL reads as "" / 0 /
 * false; db_is_null tells them apart, db_text_or_null returns NULL. */
bool db_is_null(const PGresult *res, int row, const char *col);
const char *db_text(const PGresult *res, int row, const char *col);
const char *db_text_or_null(const PGresult *res, int row, const char *col);
long long db_int(const PGresult *res, int row, const char *col);
double db_double(const PGresult *res, int row, const char *col);
bool db_bool(const PGresult *res, int row, const char *col);

#endif
