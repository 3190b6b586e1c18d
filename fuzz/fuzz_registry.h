/*
 * fuzz_registry.h - invariants every decoded or produced registry must keep.
 *
 * Purpose
 *   fuzz_registry_check(r, &bytes, &len) checks what registry.h and tree.h
 *   promise of any registry a kernel verb hands out, through the public API
 *   only:
 *     - the accounts are sorted by name (strcmp), distinct, each a valid
 *       name, and keel_registry_find / keel_registry_view agree with the
 *       index;
 *     - activeAccountName, when a string, is at most a string (no check of
 *       existence here: a decoded registry may name an absent account);
 *     - it encodes; the encoding is strictly valid JSON, decodes again, and
 *       re-encodes to the same bytes (encode is a fixed point after one
 *       trip); a clone encodes to the same bytes and compares equal.
 *   On return *bytes holds the encoding (caller frees).
 *
 * Error handling
 *   Any broken invariant aborts (FUZZ_CHECK).
 */
#ifndef KEEL_FUZZ_REGISTRY_H
#define KEEL_FUZZ_REGISTRY_H

#include "fuzz_common.h"

#include "../kernel/codec.h"
#include "../kernel/json_check.h"
#include "../kernel/name.h"
#include "../kernel/registry.h"

static inline void fuzz_registry_check(const struct keel_registry *r,
                                       char **bytes, size_t *len)
{
    struct keel_err err;
    size_t n = keel_registry_count(r);
    const char *prev = NULL;

    for (size_t i = 0; i < n; i++) {
        const char *name = keel_registry_name_at(r, i);
        size_t at = (size_t)-1;
        struct keel_account_view v;
        FUZZ_CHECK(name != NULL, "name_at returned NULL inside the count");
        FUZZ_CHECK(keel_name_valid(name, strlen(name)),
                   "an account key breaks the name rules");
        FUZZ_CHECK(prev == NULL || strcmp(prev, name) < 0,
                   "accounts are not strictly sorted by name");
        FUZZ_CHECK(keel_registry_find(r, name, &at) && at == i,
                   "keel_registry_find disagrees with the index");
        FUZZ_CHECK(keel_registry_view(r, name, &v) == KEEL_OK,
                   "keel_registry_view cannot see an indexed account");
        FUZZ_CHECK(v.name != NULL && strcmp(v.name, name) == 0,
                   "an account's \"name\" differs from its key");
        prev = name;
    }

    keel_err_clear(&err);
    FUZZ_CHECK(keel_codec_encode(r, bytes, len, &err) == KEEL_OK,
               "encode failed");
    FUZZ_CHECK(*len > 0 && (*bytes)[*len - 1] == '\n',
               "the encoding does not end with a newline");
    struct keel_json_defect d;
    FUZZ_CHECK(keel_json_check(*bytes, *len, KEEL_JSON_DEPTH_MAX,
                               KEEL_JSON_STRING_MAX, &d) == 0,
               "the encoding is not strict JSON");

    struct keel_registry *again = NULL;
    keel_err_clear(&err);
    FUZZ_CHECK(keel_codec_decode(*bytes, *len, &again, NULL, &err) == KEEL_OK,
               "the encoding does not decode");
    FUZZ_CHECK(keel_registry_count(again) == n,
               "re-decoding changed the number of accounts");
    char *b2 = NULL;
    size_t n2 = 0;
    keel_err_clear(&err);
    FUZZ_CHECK(keel_codec_encode(again, &b2, &n2, &err) == KEEL_OK,
               "re-encode failed");
    FUZZ_CHECK(fuzz_bytes_equal(*bytes, *len, b2, n2),
               "decode(encode(r)) encodes to different bytes");
    FUZZ_CHECK(keel_registry_equal(r, again),
               "keel_registry_equal(r, decode(encode(r))) is 0");
    free(b2);
    keel_registry_free(again);

    struct keel_registry *c = keel_registry_clone(r);
    FUZZ_CHECK(c != NULL, "clone failed");
    FUZZ_CHECK(keel_registry_equal(r, c), "a clone is not equal");
    keel_err_clear(&err);
    FUZZ_CHECK(keel_codec_encode(c, &b2, &n2, &err) == KEEL_OK,
               "encode of a clone failed");
    FUZZ_CHECK(fuzz_bytes_equal(*bytes, *len, b2, n2),
               "a clone encodes to different bytes");
    free(b2);
    keel_registry_free(c);
}

#endif
