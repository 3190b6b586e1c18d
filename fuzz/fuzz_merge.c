/*
 * fuzz_merge.c - the three-way merge, with its laws checked inside.
 *
 * Input: base NUL mine NUL fresh. Each part is decoded strictly; an empty
 * part is a new empty registry; a missing mine or fresh is a copy of base.
 * Inputs whose parts do not all decode are skipped.
 *
 * Invariants (merge.h):
 *   - keel_merge returns KEEL_OK, and its result keeps the model invariants
 *     (sorted, decodes, encode fixed point: fuzz_registry.h);
 *   - activeAccountName of the result is absent or names an account in it;
 *   - law 1: merge(b, b, f) = f, and law 2: merge(b, m, b) = m, for f (m)
 *     whose activeAccountName is absent or names one of its accounts (the
 *     merge clears a dangling one, by design);
 *   - per account (a = in base, b, m, f as above):
 *       deleted by mine (in b, not in m)        -> not in the result;
 *       in neither b nor m                      -> in the result iff in f;
 *       in b and m                              -> in the result iff in f;
 *       added by mine (not in b, in m)          -> in the result;
 *     and, when no part had a decoding warning (mistyped known fields read
 *     as absent), per string field of an account in the result: mine's
 *     value if mine changed it from base's, else fresh's.
 */
#include "fuzz_registry.h"

#include "../kernel/merge.h"

struct part {
    struct keel_registry *r;
    size_t warnings;
};

static int decode_part(const char *p, size_t n, struct part *out)
{
    struct keel_err err;
    struct keel_warnings w;
    keel_err_clear(&err);
    out->warnings = 0;
    if (n == 0) {
        out->r = keel_registry_new();
        FUZZ_CHECK(out->r != NULL, "keel_registry_new failed");
        return 0;
    }
    if (keel_codec_decode(p, n, &out->r, &w, &err) != KEEL_OK)
        return -1;
    out->warnings = w.count;
    return 0;
}

static int str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) ||
           (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int has(const struct keel_registry *r, const char *name)
{
    size_t i;
    return keel_registry_find(r, name, &i);
}

static int active_ok(const struct keel_registry *r)
{
    const char *a = keel_registry_active(r);
    return a == NULL || has(r, a);
}

static struct keel_registry *merge(const struct keel_registry *b,
                                   const struct keel_registry *m,
                                   const struct keel_registry *f)
{
    struct keel_registry *out = NULL;
    struct keel_merge_report rep;
    struct keel_err err;
    keel_err_clear(&err);
    FUZZ_CHECK(keel_merge(b, m, f, &out, &rep, &err) == KEEL_OK,
               "keel_merge failed");
    FUZZ_CHECK(out != NULL, "keel_merge returned OK without a result");
    FUZZ_CHECK(memchr(rep.first, 0, sizeof rep.first) != NULL,
               "rep.first is not NUL-terminated");
    char *bytes = NULL;
    size_t len = 0;
    fuzz_registry_check(out, &bytes, &len);
    free(bytes);
    FUZZ_CHECK(active_ok(out),
               "the merge result's activeAccountName names no account");
    return out;
}

static void check_account(const char *name, const struct keel_registry *b,
                          const struct keel_registry *m,
                          const struct keel_registry *f,
                          const struct keel_registry *out, int fields)
{
    int ib = has(b, name), im = has(m, name), iff = has(f, name);
    int io = has(out, name);

    if (ib && !im)
        FUZZ_CHECK(!io, "an account mine deleted is in the result");
    else if (!ib && im)
        FUZZ_CHECK(io, "an account mine added is missing from the result");
    else
        FUZZ_CHECK(io == iff, "an account mine kept or left alone does not "
                              "follow fresh's presence");
    if (!io || !fields)
        return;
    struct keel_account_view vb, vm, vf, vo;
    memset(&vb, 0, sizeof vb);
    memset(&vf, 0, sizeof vf);
    memset(&vm, 0, sizeof vm);
    if (ib)
        FUZZ_CHECK(keel_registry_view(b, name, &vb) == KEEL_OK, "view b");
    if (im)
        FUZZ_CHECK(keel_registry_view(m, name, &vm) == KEEL_OK, "view m");
    if (iff)
        FUZZ_CHECK(keel_registry_view(f, name, &vf) == KEEL_OK, "view f");
    FUZZ_CHECK(keel_registry_view(out, name, &vo) == KEEL_OK, "view out");
    for (int k = 0; k < KEEL_F_COUNT; k++) {
        const char *want = str_eq(vb.field[k], vm.field[k]) ? vf.field[k]
                                                            : vm.field[k];
        FUZZ_CHECK(str_eq(vo.field[k], want),
                   "a merged string field is neither mine's change nor "
                   "fresh's value");
    }
}

static void check_accounts_of(const struct keel_registry *src,
                              const struct keel_registry *b,
                              const struct keel_registry *m,
                              const struct keel_registry *f,
                              const struct keel_registry *out, int fields)
{
    for (size_t i = 0; i < keel_registry_count(src); i++)
        check_account(keel_registry_name_at(src, i), b, m, f, out, fields);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    const char *cut[3] = {buf, NULL, NULL};
    size_t len[3] = {size, 0, 0};
    struct part p[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
    int parts = 1;

    for (int k = 1; k < 3; k++) {
        const char *z = memchr(cut[k - 1], 0, len[k - 1]);
        if (z == NULL)
            break;
        cut[k] = z + 1;
        len[k] = len[k - 1] - (size_t)(cut[k] - cut[k - 1]);
        len[k - 1] = (size_t)(z - cut[k - 1]);
        parts++;
    }
    int ok = 1;
    for (int k = 0; k < parts && ok; k++)
        ok = decode_part(cut[k], len[k], &p[k]) == 0;
    if (ok) {
        for (int k = parts; k < 3; k++) {
            p[k].r = keel_registry_clone(p[0].r);
            p[k].warnings = p[0].warnings;
            FUZZ_CHECK(p[k].r != NULL, "clone failed");
        }
        const struct keel_registry *b = p[0].r, *m = p[1].r, *f = p[2].r;
        int fields = p[0].warnings + p[1].warnings + p[2].warnings == 0;

        struct keel_registry *out = merge(b, m, f);
        check_accounts_of(b, b, m, f, out, fields);
        check_accounts_of(m, b, m, f, out, fields);
        check_accounts_of(f, b, m, f, out, fields);
        check_accounts_of(out, b, m, f, out, fields);
        keel_registry_free(out);

        out = merge(b, b, f);
        if (active_ok(f) && p[2].warnings == 0)
            FUZZ_CHECK(keel_registry_equal(out, f), "merge(b, b, f) != f");
        keel_registry_free(out);

        out = merge(b, m, b);
        if (active_ok(m) && p[1].warnings == 0)
            FUZZ_CHECK(keel_registry_equal(out, m), "merge(b, m, b) != m");
        keel_registry_free(out);
    }
    for (int k = 0; k < 3; k++)
        keel_registry_free(p[k].r);
    return 0;
}
