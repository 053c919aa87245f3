/* static.h: files under static/, loaded into memory once at start. */
#ifndef INTERLUDE_STATIC_H
#define INTERLUDE_STATIC_H

#include <stddef.h>

struct static_file {
    char *path; /* URL path, e.g. "/static/css/site.css" */
    char *data;
    size_t len;
    const char *content_type;
    char etag[24]; /* quoted, from the content's SHA-256 */
};

struct static_set;

/* Loads every regular file under dir (symlinks, dotfiles and files over
 * 4 MiB are skipped). A request can only ever name a file in this table, so
 * no path can lead out of the folder. NULL with err on failure. */
struct static_set *static_load(const char *dir, char *err, size_t errlen);
/* The file for an exact URL path, or NULL. */
const struct static_file *static_find(const struct static_set *set, const char *path);
void static_free(struct static_set *set);

#endif
