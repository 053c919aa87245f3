/* utf8.c: strict UTF-8 validation for every text input. */
#include "util/utf8.h"

/* Follows the table of well-formed byte sequences in the Unicode Standard
 * (chapter 3, table 3-7). Narrowing the range of the second byte after E0,
 * ED, F0 and F4 is what rejects overlong forms, surrogates (U+D800..DFFF)
 * and code points above U+10FFFF; C0, C1 and F5..FF never start a sequence. */
bool utf8_valid_text(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned char c = p[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }

        size_t need;
        unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* below is overlong */
            else if (c == 0xED)
                hi = 0x9F; /* above is a surrogate */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90; /* below is overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above is past U+10FFFF */
        } else {
            return false; /* stray continuation byte, C0, C1, F5..FF */
        }

        if (n - i - 1 < need)
            return false; /* truncated */
        if (p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF)
                return false;
        i += need + 1;
    }
    return true;
}

size_t utf8_code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}
