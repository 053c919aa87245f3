/* buf.c: a growable byte buffer that aborts on allocation failure. */
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Aborts with a message: the only failures left here are programming errors
 * (a size that cannot be represented, a broken format string). */
static _Noreturn void buf_die(const char *why)
{
    fprintf(stderr, "interlude: buf: %s\n", why);
    abort();
}

/* Ensures room for extra more bytes plus the terminating NUL. Growth doubles
 * so that n appends cost amortised O(n). */
void buf_reserve(struct buf *b, size_t extra)
{
    if (extra > SIZE_MAX - 1 - b->len)
        buf_die("size overflow");
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

/* Appends s[0..n); s may be NULL when n is 0. Keeps data NUL-terminated. */
void buf_append(struct buf *b, const char *s, size_t n)
{
    if (n == 0)
        return;
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
    buf_append(b, &c, 1);
}

/* Formats into the free space first and only grows (and formats again) when
 * the result did not fit, so short appends cost one vsnprintf. */
void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap, again;

    buf_reserve(b, 64);
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= b->cap - b->len) {
        buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, again);
    }
    va_end(again);
    if (n < 0)
        buf_die("vsnprintf failed");
    b->len += (size_t)n;
}

/* Allocates on an empty buffer so the result is always b->data: the pointer
 * stays valid until the next append or buf_free. */
const char *buf_cstr(struct buf *b)
{
    buf_reserve(b, 0);
    b->data[b->len] = '\0';
    return b->data;
}

/* Returns the data (never NULL: an empty buffer yields a malloc'd "") and
 * optionally its length; the caller free()s it. The buffer is left empty. */
char *buf_steal(struct buf *b, size_t *len)
{
    buf_reserve(b, 0);
    b->data[b->len] = '\0';
    char *data = b->data;
    if (len != NULL)
        *len = b->len;
    *b = (struct buf)BUF_INIT;
    return data;
}

/* Calling buf_free on NULL or on a zeroed buffer is a harmless no-op. */
void buf_free(struct buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    *b = (struct buf)BUF_INIT;
}
