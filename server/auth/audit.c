/* audit.c: the append-only record of who did or read what (never content). */
#include <stdio.h>

#include "auth/auth.h"
#include "db/query.h"

enum db_status audit_as(struct request *req, long long actor_id, const char *action,
                        const char *object_type, long long object_id, long long subject_id)
{
    /* A request made with an API token: every row it writes names it. */
    long long token_id = req != NULL && req->session != NULL ? req->session->token_id : 0;
    struct db_args a = {0};
    db_arg_id_or_null(&a, actor_id);
    db_arg_text(&a, action);
    db_arg_text(&a, object_type);
    db_arg_id_or_null(&a, object_id);
    db_arg_id_or_null(&a, subject_id);
    db_arg_text(&a, req != NULL && req->client_ip[0] ? req->client_ip : NULL);
    db_arg_id_or_null(&a, token_id);
    return db_run(STMT_AUDIT_INSERT, &a, NULL);
}

enum db_status audit(struct request *req, const char *action, const char *object_type,
                     long long object_id, long long subject_id)
{
    long long actor = 0;
    if (req != NULL && req->session != NULL && req->session->user != NULL)
        actor = req->session->user->id;
    return audit_as(req, actor, action, object_type, object_id, subject_id);
}
