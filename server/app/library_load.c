/* library_load.c: loads the shipped library (library/exercises, intake,
 * measures) into the database at start. A new file becomes version 1 of a
 * new activity, a changed file a new version of its activity, an unchanged
 * file nothing; therapists' custom copies are never touched. */
#include <dirent.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/library.h"
#include "db/db.h"
#include "db/query.h"
#include "forms/form.h"
#include "util/log.h"
#include "util/xalloc.h"

#define LIBRARY_MAX_FILES 500

struct item {
    const char *kind;
    char *slug;
    json_t *content;
    char hash[65];
};

struct load_ctx {
    struct item *items;
    size_t n;
    int added, updated;
};

const json_t *activity_form(const char *kind, const json_t *content)
{
    if (strcmp(kind, "exercise") == 0)
        return json_object_get(content, "reflection");
    return content;
}

/* Direct-mapped by id: at most this many parsed versions are kept (some
 * tens of KiB each), the ones in use lately. */
#define CONTENT_CACHE_SLOTS 64

static struct {
    long long id;
    json_t *content;
} content_cache[CONTENT_CACHE_SLOTS];
static pthread_mutex_t content_cache_lock = PTHREAD_MUTEX_INITIALIZER;

json_t *activity_version_content(long long version_id, const char *text)
{
    size_t slot = (size_t)((unsigned long long)version_id % CONTENT_CACHE_SLOTS);
    if (version_id > 0) {
        pthread_mutex_lock(&content_cache_lock);
        json_t *hit =
            content_cache[slot].id == version_id ? json_incref(content_cache[slot].content) : NULL;
        pthread_mutex_unlock(&content_cache_lock);
        if (hit != NULL)
            return hit;
    }
    json_t *content = json_loads(text, 0, NULL);
    if (content == NULL || version_id <= 0)
        return content;
    pthread_mutex_lock(&content_cache_lock);
    json_t *old = content_cache[slot].content;
    content_cache[slot].id = version_id;
    content_cache[slot].content = json_incref(content);
    pthread_mutex_unlock(&content_cache_lock);
    json_decref(old);
    return content;
}

void activity_content_hash(const json_t *content, char out[65])
{
    char *s = json_dumps(content, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(out, 65, h, sizeof(h));
    free(s);
}

static int read_folder(const char *dir, const char *sub, const char *kind, struct load_ctx *ctx,
                       char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (d == NULL) {
        snprintf(err, errlen, "library: cannot read %s", path);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        if (ctx->n >= LIBRARY_MAX_FILES) {
            snprintf(err, errlen, "library: more than %d files", LIBRARY_MAX_FILES);
            rc = -1;
            break;
        }
        char file[1300];
        snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
        json_error_t jerr;
        json_t *content = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
        const char *slug = json_string_value(json_object_get(content, "slug"));
        char msg[256];
        const char *problem = NULL;
        if (content == NULL)
            problem = jerr.text;
        else if (slug == NULL || json_string_value(json_object_get(content, "title")) == NULL)
            problem = "a slug and a title are required";
        else if (activity_form(kind, content) == NULL)
            problem = "the form is missing";
        else
            problem = form_check(activity_form(kind, content), msg, sizeof(msg));
        if (problem != NULL) {
            snprintf(err, errlen, "library: %s: %s", file, problem);
            json_decref(content);
            rc = -1;
            break;
        }
        ctx->items = xrealloc(ctx->items, (ctx->n + 1) * sizeof(*ctx->items));
        struct item *it = &ctx->items[ctx->n++];
        it->kind = kind;
        it->slug = xstrdup(slug);
        it->content = content;
        activity_content_hash(content, it->hash);
    }
    closedir(d);
    return rc;
}

/* The row of res (slug, activity id, version, hash) for slug, or -1. */
static int row_of(const PGresult *res, const char *slug)
{
    for (int r = 0; r < PQntuples(res); r++)
        if (strcmp(db_text(res, r, "slug"), slug) == 0)
            return r;
    return -1;
}

/* Stores what changed (when write) or counts it (when not), comparing
 * every file's hash with its latest version in one statement. */
static enum db_status sync_items(struct load_ctx *ctx, bool write)
{
    enum db_status st;
    ctx->added = ctx->updated = 0;
    PGresult *latest = NULL;
    const struct db_args none = {0};
    if ((st = db_run(STMT_LIBRARY_LATEST_HASHES, &none, &latest)) != DB_OK)
        return st;
    for (size_t i = 0; i < ctx->n && st == DB_OK; i++) {
        struct item *it = &ctx->items[i];
        int r = row_of(latest, it->slug);
        if (r >= 0 && strcmp(db_text(latest, r, "content_hash"), it->hash) == 0)
            continue;
        if (r < 0)
            ctx->added++;
        else
            ctx->updated++;
        if (!write)
            continue;
        long long activity = 0, version = 1;
        if (r >= 0) {
            activity = db_int(latest, r, "id");
            version = db_int(latest, r, "version") + 1;
        } else {
            struct db_args a_new = {0};
            db_arg_text(&a_new, it->kind);
            db_arg_text(&a_new, "library");
            db_arg_text(&a_new, it->slug);
            db_arg_null(&a_new); /* no owner */
            db_arg_null(&a_new); /* copied from nothing */
            PGresult *res = NULL;
            if ((st = db_run(STMT_ACTIVITY_CREATE, &a_new, &res)) != DB_OK)
                break;
            activity = db_int(res, 0, "id");
            PQclear(res);
        }
        char *content = json_dumps(it->content, JSON_COMPACT);
        struct db_args a_ver = {0};
        db_arg_int(&a_ver, activity);
        db_arg_int(&a_ver, version);
        db_arg_text(&a_ver, content);
        db_arg_text(&a_ver, it->hash);
        db_arg_null(&a_ver); /* created by nobody: shipped */
        st = db_run(STMT_VERSION_CREATE, &a_ver, NULL);
        free(content);
    }
    PQclear(latest);
    return st;
}

static enum db_status load_tx(void *arg)
{
    /* Two processes starting together load the library once: the second
     * waits here, then finds nothing left to store. */
    const struct db_args none = {0};
    enum db_status st = db_run(STMT_LIBRARY_LOCK, &none, NULL);
    return st != DB_OK ? st : sync_items(arg, true);
}

int library_load(const char *dir, char *err, size_t errlen)
{
    struct load_ctx ctx = {0};
    int rc = -1;
    if (read_folder(dir, "exercises", "exercise", &ctx, err, errlen) != 0 ||
        read_folder(dir, "intake", "intake", &ctx, err, errlen) != 0 ||
        read_folder(dir, "measures", "measure", &ctx, err, errlen) != 0)
        goto cleanup;
    /* Most starts change nothing: one statement says so, without the
     * transaction and its lock. */
    if (sync_items(&ctx, false) != DB_OK ||
        ((ctx.added > 0 || ctx.updated > 0) && db_tx(load_tx, &ctx) != DB_OK)) {
        snprintf(err, errlen, "library: the database could not store the library");
        goto cleanup;
    }
    log_event(LOG_INFO, "library loaded",
              json_pack("{s:i, s:i, s:i}", "files", (int)ctx.n, "added", ctx.added, "updated",
                        ctx.updated));
    rc = 0;
cleanup:
    for (size_t i = 0; i < ctx.n; i++) {
        free(ctx.items[i].slug);
        json_decref(ctx.items[i].content);
    }
    free(ctx.items);
    return rc;
}
