/* library.h: exercises, intake forms and measures (activities) with
 * immutable versions. */
#ifndef INTERLUDE_LIBRARY_H
#define INTERLUDE_LIBRARY_H

#include <jansson.h>
#include <stddef.h>

/* Loads library/ into the database (library_load.c). Returns 0, or -1 with
 * a message naming the file. */
int library_load(const char *dir, char *err, size_t errlen);

/* The form definition inside an activity's content: an exercise's
 * "reflection", or the whole content of an intake form or measure.
 * Borrowed reference; NULL when missing. */
const json_t *activity_form(const char *kind, const json_t *content);

/* The SHA-256 (hex) of content serialised compactly with sorted keys: what
 * activity_versions.content_hash holds, so an unchanged content is found
 * without comparing JSON (library_load.c). */
void activity_content_hash(const json_t *content, char out[65]);

#endif
