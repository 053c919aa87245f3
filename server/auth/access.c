/* access.c: the one place that decides who may see a client's data. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "db/query.h"

static const char *const role_names[] = {"admin", "therapist", "client"};

const char *role_name(unsigned role)
{
    switch (role) {
    case ROLE_ADMIN:
        return role_names[0];
    case ROLE_THERAPIST:
        return role_names[1];
    case ROLE_CLIENT:
        return role_names[2];
    default:
        return "";
    }
}

unsigned role_parse(const char *s)
{
    if (s == NULL)
        return 0;
    if (strcmp(s, "admin") == 0)
        return ROLE_ADMIN;
    if (strcmp(s, "therapist") == 0)
        return ROLE_THERAPIST;
    if (strcmp(s, "client") == 0)
        return ROLE_CLIENT;
    return 0;
}

enum db_status access_is_my_client(struct request *req, long long client_id, bool *allowed)
{
    *allowed = false;
    const struct user *u = req->session ? req->session->user : NULL;
    if (u == NULL || u->role != ROLE_THERAPIST || client_id <= 0)
        return DB_OK;
    struct db_args a = {0};
    db_arg_int(&a, u->id);
    db_arg_int(&a, client_id);
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_ACCESS_CARE_TEAM, &a, &res);
    if (st != DB_OK)
        return st;
    *allowed = PQntuples(res) == 1;
    PQclear(res);
    return DB_OK;
}

enum db_status access_client(struct request *req, long long client_id, bool *allowed)
{
    *allowed = false;
    const struct user *u = req->session ? req->session->user : NULL;
    if (u == NULL)
        return DB_OK;
    if (u->role == ROLE_CLIENT) {
        *allowed = u->id == client_id;
        return DB_OK;
    }
    if (u->role == ROLE_THERAPIST)
        return access_is_my_client(req, client_id, allowed);
    return DB_OK; /* admins manage accounts; they do not read clinical data */
}

enum db_status access_form_version(struct request *req, long long version_id, PGresult **row)
{
    *row = NULL;
    const struct user *u = req->session ? req->session->user : NULL;
    if (u == NULL || version_id <= 0 || (u->role != ROLE_THERAPIST && u->role != ROLE_CLIENT))
        return DB_OK;
    struct db_args a = {0};
    db_arg_int(&a, version_id);
    db_arg_int(&a, u->id);
    db_arg_text(&a, role_name(u->role));
    PGresult *res = NULL;
    enum db_status st = db_run(STMT_ACCESS_FORM_VERSION, &a, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1)
        *row = res;
    else
        PQclear(res);
    return DB_OK;
}
