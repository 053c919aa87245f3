/* audit.c: the append-only record of who did or read what (never content). */
#include <stdio.h>

#include "auth/auth.h"

enum db_status audit_as(struct request *req, long long actor_id, const char *action,
                        const char *object_type, long long object_id, long long subject_id)
{
    char actor[24], obj[24], subj[24], tok[24];
    snprintf(actor, sizeof(actor), "%lld", actor_id);
    snprintf(obj, sizeof(obj), "%lld", object_id);
    snprintf(subj, sizeof(subj), "%lld", subject_id);
    /* A request made with an API token: every row it writes names it. */
    long long token_id = req != NULL && req->session != NULL ? req->session->token_id : 0;
    snprintf(tok, sizeof(tok), "%lld", token_id);
    const char *params[] = {actor_id > 0 ? actor : NULL,
                            action,
                            object_type,
                            object_id > 0 ? obj : NULL,
                            subject_id > 0 ? subj : NULL,
                            req != NULL && req->client_ip[0] ? req->client_ip : NULL,
                            token_id > 0 ? tok : NULL};
    return db_exec(STMT_AUDIT_INSERT, 7, params, NULL);
}

enum db_status audit(struct request *req, const char *action, const char *object_type,
                     long long object_id, long long subject_id)
{
    long long actor = 0;
    if (req != NULL && req->session != NULL && req->session->user != NULL)
        actor = req->session->user->id;
    return audit_as(req, actor, action, object_type, object_id, subject_id);
}
