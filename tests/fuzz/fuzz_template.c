/* fuzz_template.c: libFuzzer harness for the template engine
 * (server/http/template.c): tpl_load_mem on arbitrary template text, then
 * tpl_render with fixed data whose strings are full of < > & " '.
 *
 * Input: up to four texts separated by NUL bytes: the page "page", the
 * partials "p" and "q", and the page "layout". Each is rendered alone and
 * "page" inside "layout".
 *
 * Invariants: loading either succeeds or fails with a message; rendering
 * answers 0 or -1, and -1 leaves the output as it was; the output is valid
 * UTF-8 without NUL; and no character that HTML needs escaped came from the
 * data. The last is checked exactly: the same templates are rendered again
 * with "safe twin" data, where every string is replaced by 'z's of the same
 * length (so every section takes the same branch). Data strings print
 * escaped, so the counts of < > " ' in the two outputs must be equal: any
 * extra one came raw from the data. When no template contains a '<', the
 * output must also contain none of the raw data strings that have one. */
#include <stdbool.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "http/template.h"
#include "util/utf8.h"

/* The hostile strings; the data refers to them by index as {"$": i}. */
static const char *const tpl_strings[] = {
    "<script>alert(\"x\")</script>",
    "\"><img src=x onerror='alert(1)'>",
    "&lt;already&gt; & \"quoted\" 'single'",
    "</textarea><svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">caf\xc3\xa9 \xe2\x80\xae<</a>",
    "'",
    "<",
    "{{name}} <!-- -->",
};
enum { TPL_NSTRINGS = sizeof(tpl_strings) / sizeof(tpl_strings[0]) };

/* The data as JSON text with "$N" placeholders for the strings above. */
static const char tpl_data_json[] =
    "{\"name\": \"$0\", \"title\": \"$1\", \"error\": \"$2\", \"value\": \"$3\","
    " \"a\": {\"b\": {\"c\": \"$4\", \"name\": \"$5\"}, \"label\": \"$6\"},"
    " \"items\": [{\"name\": \"$0\", \"label\": \"$1\", \"checked\": true},"
    "             {\"name\": \"$2\", \"value\": \"$7\", \"items\": [\"$3\", \"$4\"]},"
    "             {\"label\": \"$5\", \"checked\": false, \"n\": 0}],"
    " \"list\": [\"$6\", \"$7\", \"$0\"], \"nested\": [[\"$1\"], [\"$2\", \"$3\"]],"
    " \"t\": true, \"f\": false, \"n\": 0, \"num\": 42, \"real\": 0.1, \"neg\": -3.5e-7,"
    " \"empty\": \"\", \"nul\": null, \"none\": [], \"obj\": {}, \"content\": \"$4\"}";

/* Replaces every string value "$N" in v (recursively) by tpl_strings[N], or
 * by as many 'z's as it has bytes when safe is true. */
static void tpl_fill(json_t *v, bool safe)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *item;
        json_object_foreach(v, key, item)
        {
            if (json_is_string(item) && json_string_value(item)[0] == '$') {
                const char *s = tpl_strings[atoi(json_string_value(item) + 1)];
                char *z = safe ? strdup(s) : NULL;
                if (z != NULL)
                    memset(z, 'z', strlen(z));
                json_object_set_new(v, key, json_string(safe ? z : s));
                free(z);
            } else {
                tpl_fill(item, safe);
            }
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *item = json_array_get(v, i);
            if (json_is_string(item) && json_string_value(item)[0] == '$') {
                const char *s = tpl_strings[atoi(json_string_value(item) + 1)];
                char *z = safe ? strdup(s) : NULL;
                if (z != NULL)
                    memset(z, 'z', strlen(z));
                json_array_set_new(v, i, json_string(safe ? z : s));
                free(z);
            } else {
                tpl_fill(item, safe);
            }
        }
    }
}

static json_t *tpl_data(bool safe)
{
    json_error_t jerr;
    json_t *d = json_loads(tpl_data_json, 0, &jerr);
    FUZZ_CHECK(d != NULL);
    tpl_fill(d, safe);
    return d;
}

static size_t tpl_count(const char *s, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == c;
    return k;
}

/* Renders with both data sets and checks the outputs. Returns false when
 * rendering failed (too deep, too much work or output: the templates are
 * then not worth rendering again). */
static bool tpl_check_render(const struct tpl_set *set, const char *layout, const char *page,
                             json_t *hostile, json_t *safe, bool templates_have_lt)
{
    static const char prefix[] = "prefix-";
    struct buf out = BUF_INIT, twin = BUF_INIT;
    buf_puts(&out, prefix);
    buf_puts(&twin, prefix);
    int rc = tpl_render(set, layout, page, hostile, &out);
    FUZZ_CHECK(rc == 0 || rc == -1);
    /* The twin takes the same branches, so the same depth and work; only
     * its output is shorter (nothing to escape), so it may fit the output
     * cap where the hostile one did not. */
    int rc_twin = rc == 0 ? tpl_render(set, layout, page, safe, &twin) : -1;
    FUZZ_CHECK(rc == rc_twin);
    if (rc != 0) {
        /* rolled back to what was there before */
        FUZZ_CHECK(out.len == sizeof(prefix) - 1 && strcmp(buf_cstr(&out), prefix) == 0);
    } else {
        FUZZ_CHECK(utf8_valid_text(out.data, out.len));
        FUZZ_CHECK(strlen(out.data) == out.len);
        static const char special[] = "<>\"'";
        for (const char *c = special; *c != '\0'; c++)
            FUZZ_CHECK(tpl_count(out.data, out.len, *c) == tpl_count(twin.data, twin.len, *c));
        if (!templates_have_lt) /* then every '<' in the output is a bug */
            for (size_t i = 0; i < TPL_NSTRINGS; i++)
                if (strchr(tpl_strings[i], '<') != NULL)
                    FUZZ_CHECK(strstr(out.data, tpl_strings[i]) == NULL);
    }
    buf_free(&out);
    buf_free(&twin);
    return rc == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const all_names[] = {"page", "partials/p", "partials/q", "layout"};
    const char *texts[4] = {"", "", "", ""};
    char *copy = malloc(size + 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, data, size);
    copy[size] = '\0';

    /* Split at NUL bytes into up to four texts. */
    size_t ntexts = 0;
    for (char *p = copy; ntexts < 4 && p <= copy + size; p += strlen(p) + 1)
        texts[ntexts++] = p;
    bool have_lt = false;
    for (size_t i = 0; i < ntexts; i++)
        have_lt |= strchr(texts[i], '<') != NULL;

    char err[256];
    err[0] = '\0';
    /* With fewer texts, the partials or the layout are simply absent. */
    struct tpl_set *set = tpl_load_mem(ntexts, all_names, texts, err, sizeof(err));
    if (set == NULL) {
        FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)) != NULL);
    } else {
        json_t *hostile = tpl_data(false), *safe = tpl_data(true);
        FUZZ_CHECK(tpl_has(set, "page"));
        if (tpl_check_render(set, NULL, "page", hostile, safe, have_lt) && ntexts == 4 &&
            tpl_check_render(set, NULL, "layout", hostile, safe, have_lt))
            tpl_check_render(set, "layout", "page", hostile, safe, have_lt);
        /* Partials are not pages; a missing page or layout is an error. */
        struct buf out = BUF_INIT;
        FUZZ_CHECK(tpl_render(set, NULL, "p", hostile, &out) == -1);
        FUZZ_CHECK(tpl_render(set, "nolayout", "page", hostile, &out) == -1);
        FUZZ_CHECK(out.len == 0);
        buf_free(&out);
        json_decref(hostile);
        json_decref(safe);
        tpl_free(set);
    }
    free(copy);
    return 0;
}
