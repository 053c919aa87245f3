/* fuzz_json_body.c: libFuzzer harness for the JSON body path, exactly as
 * server.c takes it: json_loadb(..., JSON_REJECT_DUPLICATES) with an
 * explicit length, then json_body_to_fields (server/http/parse.c).
 *
 * Invariants: the conversion answers 0 or 400 with a reason; never more
 * than REQ_MAX_FIELDS fields; every key and value is valid UTF-8 without NUL
 * and the value has exactly its stated length; no key occurs twice unless
 * it ends in "[]"; on success there is one field per scalar member and per
 * scalar item of an array member, strings unchanged; a body with more
 * scalars than the limit is refused. */
#include <stdbool.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "http/request.h"
#include "util/utf8.h"

static bool jbody_scalar(const json_t *v)
{
    return json_is_string(v) || json_is_number(v) || json_is_boolean(v);
}

static bool jbody_repeatable(const char *key)
{
    size_t n = strlen(key);
    return n > 2 && key[n - 2] == '[' && key[n - 1] == ']';
}

/* The fields a successful conversion must produce. */
static size_t jbody_expected(json_t *obj)
{
    const char *key;
    json_t *val;
    size_t n = 0;
    json_object_foreach(obj, key, val)
    {
        if (json_is_array(val)) {
            for (size_t i = 0; i < json_array_size(val); i++)
                n += jbody_scalar(json_array_get(val, i));
        } else {
            n += jbody_scalar(val);
        }
    }
    return n;
}

/* True when v is a scalar that could have printed as f's value (strings
 * must be equal byte for byte). */
static bool jbody_same(const json_t *v, const struct field *f)
{
    if (json_is_string(v))
        return json_string_length(v) == f->len &&
               memcmp(json_string_value(v), f->value, f->len) == 0;
    return jbody_scalar(v);
}

/* A field comes from the scalar member of its name, or from an item of the
 * array member named as its key without "[]". */
static void jbody_check_origin(json_t *obj, const struct field *f)
{
    bool ok = jbody_same(json_object_get(obj, f->key), f);
    size_t klen = strlen(f->key);
    if (!ok && klen >= 2 && strcmp(f->key + klen - 2, "[]") == 0) {
        char *base = strndup(f->key, klen - 2);
        FUZZ_CHECK(base != NULL);
        json_t *arr = json_object_get(obj, base);
        for (size_t i = 0; !ok && i < json_array_size(arr); i++)
            ok = jbody_same(json_array_get(arr, i), f);
        free(base);
    }
    FUZZ_CHECK(ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *json = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (json == NULL || !json_is_object(json)) {
        json_decref(json);
        return 0;
    }

    struct arena a = {0};
    struct field *head = NULL;
    unsigned count = 0;
    const char *why = NULL;
    int st = json_body_to_fields(&a, json, &head, &count, &why);
    FUZZ_CHECK(st == 0 || (st == 400 && why != NULL && why[0] != '\0'));
    FUZZ_CHECK(count <= REQ_MAX_FIELDS);

    unsigned seen = 0;
    for (const struct field *f = head; f != NULL; f = f->next) {
        seen++;
        FUZZ_CHECK(f->key != NULL && f->value != NULL);
        FUZZ_CHECK(utf8_valid_text(f->key, strlen(f->key)));
        FUZZ_CHECK(utf8_valid_text(f->value, f->len));
        FUZZ_CHECK(strlen(f->value) == f->len);
        if (!jbody_repeatable(f->key))
            for (const struct field *g = head; g != f; g = g->next)
                FUZZ_CHECK(strcmp(g->key, f->key) != 0);
        jbody_check_origin(json, f);
    }
    FUZZ_CHECK(seen == count);
    size_t expected = jbody_expected(json);
    if (st == 0)
        FUZZ_CHECK(count == expected);
    if (expected > REQ_MAX_FIELDS)
        FUZZ_CHECK(st == 400);

    arena_free(&a);
    json_decref(json);
    return 0;
}
