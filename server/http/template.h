/* template.h: a small logic-less, escape-by-default template engine.
 *
 * Syntax (mustache-like):
 *   {{name}} {{a.b.c}} {{.}}   value, always HTML-escaped (strings; numbers
 *                              and booleans printed; null/absent print "")
 *   {{#name}}...{{/name}}     section: false/null/absent/""/[]/0 skip it;
 *                              an array repeats it per item with the item
 *                              pushed on the context stack; an object or
 *                              other truthy value renders once with the
 *                              value pushed.
 *   {{^name}}...{{/name}}     inverted section: rendered when falsy.
 *   {{>name}}                 partial: templates/partials/name.html
 *   {{$content}}              in a layout only: where the page goes.
 *   {{! comment }}            ignored.
 * There is no raw-output syntax: every value is escaped by the one path in
 * util/html.c. Names are resolved up the context stack as in mustache.
 */
#ifndef INTERLUDE_TEMPLATE_H
#define INTERLUDE_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"

struct tpl_set;

/* Loads and parses every *.html under dir (pages as "name" for dir/name.html,
 * partials as "name" for dir/partials/name.html; the layout is the page
 * "layout"). Every partial reference is checked to exist. On error returns
 * NULL and writes one line "file:line: message" into err (errlen bytes). */
struct tpl_set *tpl_load_dir(const char *dir, char *err, size_t errlen);

/* Parses templates from memory, for tests and fuzzing: names[i] -> texts[i];
 * names beginning with "partials/" are partials. Same error contract. */
struct tpl_set *tpl_load_mem(size_t n, const char *const *names, const char *const *texts,
                             char *err, size_t errlen);

/* True when a page of that name exists. */
int tpl_has(const struct tpl_set *set, const char *page);

/* Renders page with data. When layout is non-NULL the layout page is
 * rendered with the same data and the page is placed at {{$content}}.
 * Appends to out. Returns 0, or -1 when a page is missing, nesting goes
 * deeper than 128 levels, or rendering would visit more than 2^22 nodes or
 * append more than 16 MiB (out is then rolled back to its length on entry).
 * Reentrant: a set is read-only after loading and may be shared by all
 * threads. */
int tpl_render(const struct tpl_set *set, const char *layout, const char *page, json_t *data,
               struct buf *out);

void tpl_free(struct tpl_set *set);

#endif
