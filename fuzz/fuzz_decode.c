/*
 * fuzz_decode.c - the strict decoder: any bytes -> a model or a clean error.
 *
 * Invariants (beyond "no crash, no leak, no UB"):
 *   - the status is KEEL_OK or KEEL_E_CORRUPT: keel_json_check ran first, so
 *     cJSON can only fail for memory, which never runs out here;
 *   - decode rejects exactly what keel_json_check rejects, as SYNTAX or LIMIT
 *     at the same offset, and everything that passes the check but fails
 *     decoding is a SCHEMA defect with a JSON path;
 *   - every error record is complete: a message, a NUL-terminated path;
 *   - a decoded registry keeps the model invariants (fuzz_registry.h).
 */
#include "fuzz_registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct keel_json_defect d;
    struct keel_registry *r = (struct keel_registry *)0x1;
    struct keel_warnings w;
    struct keel_err err;

    if (size > KEEL_REGISTRY_SIZE_MAX)
        return 0; /* refused before the checker runs; not a fuzzing size */
    keel_err_clear(&err);
    int check = keel_json_check(buf, size, KEEL_JSON_DEPTH_MAX,
                                KEEL_JSON_STRING_MAX, &d);
    keel_status st = keel_codec_decode(buf, size, &r, &w, &err);

    FUZZ_CHECK(st == KEEL_OK || st == KEEL_E_CORRUPT,
               "decode returned neither OK nor CORRUPT");
    if (st != KEEL_OK) {
        FUZZ_CHECK(r == NULL, "a failed decode left *out set");
        FUZZ_CHECK(err.status == st, "err.status differs from the result");
        FUZZ_CHECK(err.message != NULL, "a decode error has no message");
        FUZZ_CHECK(memchr(err.json_path, 0, sizeof err.json_path) != NULL,
                   "err.json_path is not NUL-terminated");
        if (check != 0) {
            FUZZ_CHECK(err.defect == d.defect ||
                           (d.defect != KEEL_DEFECT_LIMIT &&
                            err.defect == KEEL_DEFECT_SYNTAX),
                       "decode and json_check disagree on the defect kind");
            FUZZ_CHECK(err.offset == (long long)d.offset,
                       "decode and json_check disagree on the offset");
            FUZZ_CHECK(err.offset >= 0 && (size_t)err.offset <= size,
                       "a syntax offset lies outside the input");
        } else {
            FUZZ_CHECK(err.defect == KEEL_DEFECT_SCHEMA,
                       "valid JSON was refused with a non-schema defect");
        }
        return 0;
    }

    FUZZ_CHECK(check == 0, "decode accepted what json_check rejects");
    FUZZ_CHECK(r != NULL, "decode returned OK without a registry");
    for (size_t i = 0; i < w.count && i < KEEL_WARNINGS_MAX; i++)
        FUZZ_CHECK(w.item[i].message != NULL &&
                       memchr(w.item[i].json_path, 0,
                              sizeof w.item[i].json_path) != NULL,
                   "an incomplete warning");
    char *bytes = NULL;
    size_t len = 0;
    fuzz_registry_check(r, &bytes, &len);
    free(bytes);
    keel_registry_free(r);
    return 0;
}
