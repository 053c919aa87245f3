/* arena.h: per-request bump allocator; everything is freed at once. */
#ifndef INTERLUDE_ARENA_H
#define INTERLUDE_ARENA_H

#include <stddef.h>

struct arena_chunk;

/* Zero-initialise (struct arena a = {0}); arena_free() releases every chunk.
 * Allocation aborts the process on exhaustion, like xmalloc. */
struct arena {
    struct arena_chunk *head;
    size_t total; /* bytes handed out, for caps and tests */
};

/* Returns n bytes aligned for any type, zeroed. Valid until arena_free. */
void *arena_alloc(struct arena *a, size_t n);
/* Copies s[0..n) and appends a NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees every chunk; a zeroed arena is a harmless no-op. */
void arena_free(struct arena *a);

#endif
