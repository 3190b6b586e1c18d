/*
 * fuzz_roundtrip.c - decode -> encode -> decode reproduces the model, also
 * after edits through the public setters.
 *
 * Input: a registry, optionally followed by a NUL byte and an edit script.
 * The script is a sequence of operations (one opcode byte, then arguments
 * taken from the following bytes): add, remove, rename, set a string field
 * (arbitrary bytes, so non-UTF-8 and control characters too), set usage
 * windows (arbitrary finite doubles), set active, set globals.
 *
 * Invariants:
 *   - decode(encode(r)) encodes to the same bytes and compares equal, for the
 *     decoded registry and after every successful edit (fuzz_registry.h);
 *   - encode is a fixed point after one trip: encode(decode(encode(x))) is
 *     encode(x), byte for byte;
 *   - a value a setter accepted reads back the same after a round trip
 *     (strings byte for byte, doubles by value, -0 == 0 as in JavaScript);
 *   - setters fail only with the documented statuses.
 */
#include <math.h>

#include "fuzz_registry.h"

static const char *const names[] = {
    "a", "b", "work", "A", "a.b", "z9", "me@example.com", "x+y", "0", "1",
    "10", "a-b_c", "bad/name", "", ".", "..", "-x",
    "a234567890123456789012345678901234567890123456789012345678901234",
    "a2345678901234567890123456789012345678901234567890123456789012345"};
#define NNAMES (sizeof names / sizeof names[0])

struct script {
    const uint8_t *p;
    size_t n;
};

static unsigned take_byte(struct script *s)
{
    if (s->n == 0)
        return 0;
    s->n--;
    return *s->p++;
}

/* A name: from the fixed list, or an existing account, by one byte. */
static const char *take_name(struct script *s, const struct keel_registry *r)
{
    unsigned b = take_byte(s);
    size_t n = keel_registry_count(r);
    if ((b & 0x80) && n > 0)
        return keel_registry_name_at(r, (b & 0x7f) % n);
    return names[b % NNAMES];
}

/* A string of up to 63 arbitrary non-NUL bytes. */
static void take_string(struct script *s, char *out)
{
    unsigned n = take_byte(s) & 63;
    unsigned i = 0;
    for (; i < n && s->n > 0; i++) {
        unsigned c = take_byte(s);
        out[i] = (char)(c == 0 ? 'x' : c);
    }
    out[i] = '\0';
}

static double take_double(struct script *s)
{
    unsigned char b[8] = {0};
    double v;
    unsigned kind = take_byte(s) & 3;
    if (kind == 0) {
        unsigned lo = take_byte(s);
        unsigned hi = take_byte(s);
        return (double)(lo | hi << 8) - 1000.0;
    }
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)take_byte(s);
    memcpy(&v, b, sizeof v);
    if (!isfinite(v))
        v = kind == 1 ? 1e21 : 0.1;
    return v;
}

static void take_window(struct script *s, struct keel_usage_window *w)
{
    w->present = (int)(take_byte(s) & 1);
    w->used_percent = take_double(s);
    w->window_minutes = take_double(s);
    w->resets_at = take_double(s);
}

static int same_double(double a, double b)
{
    return a == b; /* -0 == 0, as JSON.stringify prints both as 0 */
}

static int same_window(const struct keel_usage_window *a,
                       const struct keel_usage_window *b)
{
    if (!a->present)
        return !b->present;
    return b->present && same_double(a->used_percent, b->used_percent) &&
           same_double(a->window_minutes, b->window_minutes) &&
           same_double(a->resets_at, b->resets_at);
}

static int str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) ||
           (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void expect(keel_status st, keel_status ok1, keel_status ok2,
                   keel_status ok3, const char *what)
{
    FUZZ_CHECK(st == KEEL_OK || st == ok1 || st == ok2 || st == ok3, what);
}

/* Round trip r and return the re-decoded registry (caller frees). */
static struct keel_registry *trip(const struct keel_registry *r)
{
    char *bytes = NULL;
    size_t len = 0;
    struct keel_err err;
    struct keel_registry *back = NULL;
    fuzz_registry_check(r, &bytes, &len);
    keel_err_clear(&err);
    FUZZ_CHECK(keel_codec_decode(bytes, len, &back, NULL, &err) == KEEL_OK,
               "an edited registry does not decode after encoding");
    free(bytes);
    return back;
}

static void run_script(struct keel_registry *r, struct script *s)
{
    char str[64], name_copy[KEEL_NAME_MAX + 2];
    struct keel_err err;
    unsigned steps = 0;

    while (s->n > 0 && steps++ < 32) {
        unsigned op = take_byte(s) % 8;
        const char *name = take_name(s, r);
        keel_status st;
        /* copy: the setters may invalidate pointers into the registry */
        snprintf(name_copy, sizeof name_copy, "%s", name);
        keel_err_clear(&err);
        switch (op) {
        case 0:
            st = keel_registry_add(r, name_copy,
                                   (take_byte(s) & 1) ? "2026-05-01T10:00:00.000Z"
                                                      : NULL,
                                   &err);
            expect(st, KEEL_E_EXISTS, KEEL_E_INVALID, KEEL_E_INVALID,
                   "add: undocumented status");
            if (st == KEEL_OK)
                FUZZ_CHECK(keel_registry_find(r, name_copy, &(size_t){0}),
                           "add: the account is not found afterwards");
            break;
        case 1:
            st = keel_registry_remove(r, name_copy, &err);
            expect(st, KEEL_E_NOT_FOUND, KEEL_E_INVALID, KEEL_E_INVALID,
                   "remove: undocumented status");
            if (st == KEEL_OK)
                FUZZ_CHECK(!keel_registry_find(r, name_copy, &(size_t){0}),
                           "remove: the account is still there");
            break;
        case 2: {
            char to[KEEL_NAME_MAX + 2];
            snprintf(to, sizeof to, "%s", take_name(s, r));
            st = keel_registry_rename(r, name_copy, to, &err);
            expect(st, KEEL_E_NOT_FOUND, KEEL_E_INVALID, KEEL_E_EXISTS,
                   "rename: undocumented status");
            if (st == KEEL_OK && strcmp(to, name_copy) != 0)
                FUZZ_CHECK(keel_registry_find(r, to, &(size_t){0}) &&
                               !keel_registry_find(r, name_copy, &(size_t){0}),
                           "rename: names not moved");
            break;
        }
        case 3: {
            keel_field f = (keel_field)(take_byte(s) % KEEL_F_COUNT);
            int del = (take_byte(s) & 7) == 0;
            take_string(s, str);
            st = keel_registry_set_string(r, name_copy, f, del ? NULL : str,
                                          &err);
            expect(st, KEEL_E_NOT_FOUND, KEEL_E_INVALID, KEEL_E_INVALID,
                   "set_string: undocumented status");
            if (st == KEEL_OK) {
                struct keel_registry *back = trip(r);
                struct keel_account_view v;
                FUZZ_CHECK(keel_registry_view(back, name_copy, &v) == KEEL_OK,
                           "set_string: account lost in the round trip");
                FUZZ_CHECK(str_eq(v.field[f], del ? NULL : str),
                           "set_string: value changed in the round trip");
                keel_registry_free(back);
            }
            break;
        }
        case 4: {
            struct keel_usage_window p, q;
            char plan[64], src[64];
            take_window(s, &p);
            take_window(s, &q);
            take_string(s, plan);
            take_string(s, src);
            st = keel_registry_set_usage(r, name_copy, &p, &q, plan,
                                         "2026-05-02T08:00:00.000Z", src,
                                         "2026-05-02T08:00:00.000Z", &err);
            expect(st, KEEL_E_NOT_FOUND, KEEL_E_INVALID, KEEL_E_INVALID,
                   "set_usage: undocumented status");
            if (st == KEEL_OK) {
                struct keel_registry *back = trip(r);
                struct keel_account_view v;
                FUZZ_CHECK(keel_registry_view(back, name_copy, &v) == KEEL_OK,
                           "set_usage: account lost in the round trip");
                FUZZ_CHECK(v.has_last_usage, "set_usage: no lastUsage");
                FUZZ_CHECK(same_window(&p, &v.primary) &&
                               same_window(&q, &v.secondary),
                           "set_usage: a window changed in the round trip");
                FUZZ_CHECK(str_eq(v.usage_plan_type, plan) &&
                               str_eq(v.usage_source, src),
                           "set_usage: a string changed in the round trip");
                keel_registry_free(back);
            }
            break;
        }
        case 5: {
            int clear = (take_byte(s) & 3) == 0;
            st = keel_registry_set_active(r, clear ? NULL : name_copy, &err);
            expect(st, KEEL_E_NOT_FOUND, KEEL_E_INVALID, KEEL_E_INVALID,
                   "set_active: undocumented status");
            if (st == KEEL_OK)
                FUZZ_CHECK(str_eq(keel_registry_active(r),
                                  clear ? NULL : name_copy),
                           "set_active: does not read back");
            break;
        }
        case 6: {
            struct keel_globals g, back_g;
            g.auto_enabled = (int)(take_byte(s) & 1);
            g.threshold_5h = take_double(s);
            g.threshold_weekly = take_double(s);
            g.api_usage = (int)(take_byte(s) & 1);
            st = keel_registry_set_globals(r, &g, &err);
            expect(st, KEEL_E_INVALID, KEEL_E_INVALID, KEEL_E_INVALID,
                   "set_globals: undocumented status");
            if (st == KEEL_OK) {
                struct keel_registry *back = trip(r);
                keel_registry_globals(back, &back_g);
                FUZZ_CHECK(back_g.auto_enabled == g.auto_enabled &&
                               back_g.api_usage == g.api_usage &&
                               same_double(back_g.threshold_5h,
                                           g.threshold_5h) &&
                               same_double(back_g.threshold_weekly,
                                           g.threshold_weekly),
                           "set_globals: changed in the round trip");
                keel_registry_free(back);
            }
            break;
        }
        default: {
            struct keel_registry *back = trip(r);
            keel_registry_free(back);
            break;
        }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    const uint8_t *nul = memchr(data, 0, size);
    size_t reg_len = nul != NULL ? (size_t)(nul - data) : size;
    struct script s = {NULL, 0};
    struct keel_registry *r = NULL;
    struct keel_err err;

    if (nul != NULL) {
        s.p = nul + 1;
        s.n = size - reg_len - 1;
    }
    keel_err_clear(&err);
    if (reg_len == 0) {
        r = keel_registry_new();
        FUZZ_CHECK(r != NULL, "keel_registry_new failed");
    } else if (keel_codec_decode(buf, reg_len, &r, NULL, &err) != KEEL_OK) {
        return 0;
    }

    char *e1 = NULL;
    size_t n1 = 0;
    fuzz_registry_check(r, &e1, &n1);
    /* Node's format is a fixed point: what we write, we read back as-is. */
    struct keel_registry *back = NULL;
    keel_err_clear(&err);
    FUZZ_CHECK(keel_codec_decode(e1, n1, &back, NULL, &err) == KEEL_OK,
               "the encoding does not decode");
    char *e2 = NULL;
    size_t n2 = 0;
    FUZZ_CHECK(keel_codec_encode(back, &e2, &n2, &err) == KEEL_OK,
               "re-encode failed");
    FUZZ_CHECK(fuzz_bytes_equal(e1, n1, e2, n2),
               "encode(decode(encode(x))) differs from encode(x)");
    free(e2);
    keel_registry_free(back);
    free(e1);

    run_script(r, &s);
    char *e3 = NULL;
    size_t n3 = 0;
    fuzz_registry_check(r, &e3, &n3);
    free(e3);
    keel_registry_free(r);
    return 0;
}
