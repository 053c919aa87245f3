/* buf.h: a growable byte buffer that aborts on allocation failure. */
#ifndef INTERLUDE_BUF_H
#define INTERLUDE_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A buffer owns data (malloc'd, always NUL-terminated when len > 0 or after
 * buf_cstr). Zero-initialise with BUF_INIT. */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns data as a NUL-terminated string (an empty buffer gives ""). */
const char *buf_cstr(struct buf *b);
/* Hands ownership of the data to the caller (free() it); the buffer is reset. */
char *buf_steal(struct buf *b, size_t *len);
/* Frees the data; a zeroed buffer is a harmless no-op. */
void buf_free(struct buf *b);

#endif
