/* xalloc.c: allocation that aborts the process on exhaustion (like Redis' zmalloc). */
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes one line to stderr and aborts. snprintf into a stack buffer and a
 * single write(2) avoid asking stdio for memory we have just run out of. */
static _Noreturn void oom(size_t count, size_t size)
{
    char msg[112];
    int len = snprintf(msg, sizeof msg, "interlude: out of memory (allocating %zu x %zu bytes)\n",
                       count, size);
    if (len > 0) {
        ssize_t ignored =
            write(STDERR_FILENO, msg, (size_t)len < sizeof msg ? (size_t)len : sizeof msg - 1);
        (void)ignored;
    }
    abort();
}

/* Returns n bytes (at least 1, so a zero-size request still yields a unique
 * pointer the caller can free()). Never returns NULL. */
void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(1, n);
    return p;
}

/* Returns zeroed memory for n elements of size bytes; calloc checks n * size
 * for overflow and fails, which we turn into an abort. */
void *xcalloc(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        n = size = 1;
    void *p = calloc(n, size);
    if (p == NULL)
        oom(n, size);
    return p;
}

/* Resizes p (which may be NULL) to n bytes. realloc(p, 0) is
 * implementation-defined, so a zero size is treated as 1. */
void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(1, n);
    return q;
}

/* Returns a malloc'd copy of the NUL-terminated s (s must not be NULL). */
char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

/* Returns a malloc'd, NUL-terminated copy of at most n bytes of s. */
char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
