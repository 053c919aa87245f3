/* html.c: the only place where text becomes HTML. */
#include "util/html.h"

/* Returns the entity for c, or NULL when c is safe as is. */
static const char *entity(unsigned char c, size_t *len)
{
    switch (c) {
    case '&':
        *len = 5;
        return "&amp;";
    case '<':
        *len = 4;
        return "&lt;";
    case '>':
        *len = 4;
        return "&gt;";
    case '"':
        *len = 6;
        return "&quot;";
    case '\'':
        *len = 5;
        return "&#39;";
    default:
        return NULL;
    }
}

/* Copies each run of safe bytes with one buf_append, then the entity for the
 * byte that ended it. Bytes >= 0x80 pass through: UTF-8 is validated on input
 * (util/utf8.c), and HTML only needs these five escaped. */
void html_escape(struct buf *b, const char *s, size_t n)
{
    size_t run = 0;

    for (size_t i = 0; i < n; i++) {
        size_t elen;
        const char *ent = entity((unsigned char)s[i], &elen);
        if (ent == NULL)
            continue;
        buf_append(b, s + run, i - run);
        buf_append(b, ent, elen);
        run = i + 1;
    }
    buf_append(b, s + run, n - run);
}
