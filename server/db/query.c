/* query.c: typed parameters and results read by column name (query.h). */
#include "db/query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "util/log.h"

static const char **next_slot(struct db_args *a)
{
    if (a->n >= DB_ARGS_MAX) {
        a->overflow = true;
        return NULL;
    }
    return &a->v[a->n++];
}

void db_arg_int(struct db_args *a, long long v)
{
    int i = a->n;
    const char **slot = next_slot(a);
    if (slot == NULL)
        return;
    snprintf(a->num[i], sizeof a->num[i], "%lld", v);
    *slot = a->num[i];
}

void db_arg_id_or_null(struct db_args *a, long long v)
{
    if (v > 0)
        db_arg_int(a, v);
    else
        db_arg_null(a);
}

void db_arg_text(struct db_args *a, const char *s)
{
    const char **slot = next_slot(a);
    if (slot != NULL)
        *slot = s;
}

void db_arg_bool(struct db_args *a, bool v)
{
    db_arg_text(a, v ? "t" : "f");
}

void db_arg_null(struct db_args *a)
{
    db_arg_text(a, NULL);
}

enum db_status db_run(enum stmt_id id, const struct db_args *a, PGresult **res)
{
    if (a->overflow) {
        if (res != NULL)
            *res = NULL;
        json_t *fields = json_object();
        json_object_set_new(fields, "statement", json_string(stmt_defs[id].name));
        log_event(LOG_ERROR, "statement given more than DB_ARGS_MAX parameters", fields);
        return DB_HARD;
    }
    return db_exec(id, a->n, a->v, res);
}

int db_col(const PGresult *res, const char *col)
{
    int c = PQfnumber(res, col);
    if (c < 0) {
        json_t *fields = json_object();
        json_object_set_new(fields, "column", json_string(col));
        log_event(LOG_ERROR, "bug: a result read by a column its statement does not declare",
                  fields);
        abort();
    }
    return c;
}

bool db_is_null(const PGresult *res, int row, const char *col)
{
    return PQgetisnull(res, row, db_col(res, col)) != 0;
}

const char *db_text(const PGresult *res, int row, const char *col)
{
    return PQgetvalue(res, row, db_col(res, col)); /* "" for NULL */
}

const char *db_text_or_null(const PGresult *res, int row, const char *col)
{
    int c = db_col(res, col);
    return PQgetisnull(res, row, c) ? NULL : PQgetvalue(res, row, c);
}

long long db_int(const PGresult *res, int row, const char *col)
{
    const char *v = db_text(res, row, col);
    errno = 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    return errno == 0 && end != v ? n : 0;
}

double db_double(const PGresult *res, int row, const char *col)
{
    const char *v = db_text(res, row, col);
    char *end;
    double d = strtod(v, &end);
    return end != v ? d : 0.0;
}

bool db_bool(const PGresult *res, int row, const char *col)
{
    return db_text(res, row, col)[0] == 't';
}
