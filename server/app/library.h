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

/* The content of activity version version_id, parsed from text (its
 * content::text). A version never changes (a trigger refuses UPDATE and
 * DELETE), so the parsed tree is kept in a small cache shared by all
 * threads and the same object is handed out again: a new reference the
 * caller json_decrefs, to be READ ONLY (jansson's reference counts are
 * atomic, its reads take no lock; nothing may be set or deleted in it).
 * Parsing it was most of the work of a practice POST and a third of an
 * entry's page (make bench, bench/profile.sh). NULL when text does not
 * parse. */
json_t *activity_version_content(long long version_id, const char *text);

/* The SHA-256 (hex) of content serialised compactly with sorted keys: what
 * activity_versions.content_hash holds, so an unchanged content is found
 * without comparing JSON (library_load.c). */
void activity_content_hash(const json_t *content, char out[65]);

#endif
