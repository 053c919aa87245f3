/* static.c: the in-memory table of static files and their types. */
#include "http/static.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

#define STATIC_MAX_FILE (4u << 20)
#define STATIC_MAX_FILES 512
#define STATIC_MAX_DEPTH 6

struct static_set {
    struct static_file *files;
    size_t n;
};

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
};

static const char *type_for(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot != NULL)
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

static int read_file(int dirfd, const char *name, char **out, size_t *len)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)STATIC_MAX_FILE) {
        close(fd);
        return -1;
    }
    char *data = xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, data + got, (size_t)st.st_size - got);
        if (r <= 0) {
            free(data);
            close(fd);
            return -1;
        }
        got += (size_t)r;
    }
    close(fd);
    data[got] = '\0';
    *out = data;
    *len = got;
    return 0;
}

static int load_dir(struct static_set *set, int dirfd, const char *urlprefix, int depth, char *err,
                    size_t errlen)
{
    DIR *d = fdopendir(dirfd);
    if (d == NULL) {
        close(dirfd);
        snprintf(err, errlen, "static: cannot read folder %s", urlprefix);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        struct stat st;
        if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISLNK(st.st_mode))
            continue;
        char url[1024];
        int w = snprintf(url, sizeof(url), "%s/%s", urlprefix, e->d_name);
        if (w < 0 || (size_t)w >= sizeof(url))
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth >= STATIC_MAX_DEPTH)
                continue;
            int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                rc = load_dir(set, sub, url, depth + 1, err, errlen);
            continue;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        if (set->n >= STATIC_MAX_FILES) {
            snprintf(err, errlen, "static: more than %d files", STATIC_MAX_FILES);
            rc = -1;
            break;
        }
        struct static_file f = {0};
        if (read_file(dirfd, e->d_name, &f.data, &f.len) != 0)
            continue;
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, (const unsigned char *)f.data, f.len);
        static const char hex[] = "0123456789abcdef";
        f.etag[0] = '"';
        for (int i = 0; i < 10; i++) {
            f.etag[1 + 2 * i] = hex[h[i] >> 4];
            f.etag[2 + 2 * i] = hex[h[i] & 15];
        }
        f.etag[21] = '"';
        f.etag[22] = '\0';
        f.path = xstrdup(url);
        f.content_type = type_for(e->d_name);
        set->files = xrealloc(set->files, (set->n + 1) * sizeof(*set->files));
        set->files[set->n++] = f;
    }
    closedir(d);
    return rc;
}

struct static_set *static_load(const char *dir, char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        snprintf(err, errlen, "static: libsodium failed to start");
        return NULL;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "static: cannot open %s", dir);
        return NULL;
    }
    struct static_set *set = xcalloc(1, sizeof(*set));
    if (load_dir(set, fd, "/static", 0, err, errlen) != 0) {
        static_free(set);
        return NULL;
    }
    return set;
}

const struct static_file *static_find(const struct static_set *set, const char *path)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->files[i].path, path) == 0)
            return &set->files[i];
    return NULL;
}

void static_free(struct static_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++) {
        free(set->files[i].path);
        free(set->files[i].data);
    }
    free(set->files);
    free(set);
}
