/* fuzz.h: what every libFuzzer harness in tests/fuzz/ shares.
 *
 * A harness defines LLVMFuzzerTestOneInput (and, when it needs one-time
 * setup, LLVMFuzzerInitialize). Its static helpers carry the harness' name
 * as a prefix, so that tests/unit/test_fuzz_replay.c can include every
 * harness into one file and replay the seeds and regressions without
 * libFuzzer (under the plain and the ASan/UBSan builds of make test). */
#ifndef INTERLUDE_FUZZ_H
#define INTERLUDE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* An invariant that must hold for every input: on failure, name it and
 * abort(), which libFuzzer reports as a crash and saves the input. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
