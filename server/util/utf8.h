/* utf8.h: strict UTF-8 validation for every text input. */
#ifndef INTERLUDE_UTF8_H
#define INTERLUDE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF) and contains no NUL byte. */
bool utf8_valid_text(const char *s, size_t n);

/* The number of code points in s, which must be valid UTF-8 (every text
 * input is checked on arrival). */
size_t utf8_code_points(const char *s);

#endif
