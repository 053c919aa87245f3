/* test_fuzz_replay.c: replays the fuzzers' seeds and regressions without
 * libFuzzer, so make test (plain and ASan/UBSan builds) runs every harness
 * of tests/fuzz/ on every input in tests/fuzz/seeds/<name>/ and
 * tests/fuzz/regressions/<name>/ (inputs that once crashed it). A harness
 * aborts on a broken invariant, which fails this test. Paths are relative
 * to the repository root, where tests/run.sh runs the unit tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each harness defines LLVMFuzzerTestOneInput (and maybe
 * LLVMFuzzerInitialize): give each its own name here. */
#define LLVMFuzzerTestOneInput fuzz_urlencoded_one
#include "fuzz/fuzz_urlencoded.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_router_one
#define LLVMFuzzerInitialize fuzz_router_init
#include "fuzz/fuzz_router.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize

#define LLVMFuzzerTestOneInput fuzz_template_one
#include "fuzz/fuzz_template.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_json_body_one
#include "fuzz/fuzz_json_body.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_form_validate_one
#define LLVMFuzzerInitialize fuzz_form_validate_init
#include "fuzz/fuzz_form_validate.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize

typedef int (*one_fn)(const uint8_t *data, size_t size);

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *data = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 4096;
            data = realloc(data, cap);
            assert_non_null(data);
        }
        size_t got = fread(data + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    return data;
}

/* Runs one over every regular file in dir; returns how many (0 when dir
 * does not exist). Files are copied into an exact-size allocation so ASan
 * catches a harness or parser reading past the input. */
static size_t replay_dir(const char *dir, one_fn one)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    size_t count = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        size_t len;
        uint8_t *buf = read_all(path, &len);
        uint8_t *exact = malloc(len ? len : 1);
        assert_non_null(exact);
        memcpy(exact, buf, len);
        free(buf);
        one(exact, len);
        free(exact);
        count++;
    }
    closedir(d);
    return count;
}

static void replay(const char *name, one_fn one)
{
    char dir[256];
    snprintf(dir, sizeof(dir), "tests/fuzz/seeds/%s", name);
    size_t seeds = replay_dir(dir, one);
    if (seeds == 0)
        fail_msg("no seeds in %s (run from the repository root)", dir);
    snprintf(dir, sizeof(dir), "tests/fuzz/regressions/%s", name);
    replay_dir(dir, one);
}

static void urlencoded(void **state)
{
    (void)state;
    replay("urlencoded", fuzz_urlencoded_one);
}

static void router(void **state)
{
    (void)state;
    fuzz_router_init(NULL, NULL); /* router_check on app_routes */
    replay("router", fuzz_router_one);
}

static void template(void **state)
{
    (void)state;
    replay("template", fuzz_template_one);
}

static void json_body(void **state)
{
    (void)state;
    replay("json_body", fuzz_json_body_one);
}

static void form_validate_inputs(void **state)
{
    (void)state;
    fuzz_form_validate_init(NULL, NULL);
    replay("form_validate", fuzz_form_validate_one);
    for (size_t i = 0; i < forms_ndefs; i++)
        json_decref(forms_defs[i]);
    forms_ndefs = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(urlencoded),
        cmocka_unit_test(router),
        cmocka_unit_test(template),
        cmocka_unit_test(json_body),
        cmocka_unit_test(form_validate_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
