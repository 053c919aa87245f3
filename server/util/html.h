/* html.h: the only place where text becomes HTML. */
#ifndef INTERLUDE_HTML_H
#define INTERLUDE_HTML_H

#include <stddef.h>

#include "util/buf.h"

/* Appends s[0..n) to b with & < > " ' escaped, so the result is safe both as
 * element text and inside a double- or single-quoted attribute value. */
void html_escape(struct buf *b, const char *s, size_t n);

#endif
