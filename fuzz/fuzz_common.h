/*
 * fuzz_common.h - what every Keel fuzz target shares.
 *
 * Purpose
 *   Each target in fuzz/ is one LLVMFuzzerTestOneInput (libFuzzer, OSS-Fuzz,
 *   AFL++ through fuzz/afl_main.c, and the sanitizer replay through the same
 *   driver). A target checks invariants, not only crashes: FUZZ_CHECK names
 *   the broken invariant on stderr and abort()s, which every engine reports
 *   as a crash and keeps the input.
 *
 * Calling sequence
 *   FUZZ_CHECK(st == KEEL_OK, "re-decoding the encoding failed");
 *   char *s = fuzz_str(data, size);   // NUL-terminated copy; free(s)
 *
 * Error handling
 *   Allocation failure inside the harness aborts too: the targets run far
 *   below any memory limit, so it is a bug either way.
 */
#ifndef KEEL_FUZZ_COMMON_H
#define KEEL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, what)                                               \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "keel fuzz invariant broken: %s (%s:%d: %s)\n", \
                    (what), __FILE__, __LINE__, #cond);                      \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* Same bytes, same length. */
static inline int fuzz_bytes_equal(const char *a, size_t an, const char *b,
                                   size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

#endif
