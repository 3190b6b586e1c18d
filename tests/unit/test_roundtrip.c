/*
 * test_roundtrip.c - decode(encode(m)) == m and encode(decode(b)) == b, over
 * the fixtures (files in the Node tool's exact format) and over a seeded
 * generator of random registries: unicode strings with every kind of
 * escape, numbers of every shape, unknown fields at every level, nesting.
 * Where node is on PATH, Keel's bytes are compared with
 * JSON.stringify(JSON.parse(x), null, 2) + "\n" for every generated input x,
 * in one node run over a temporary directory.
 *
 * KEEL_TEST_SEED=n picks the seed (printed on every run);
 * KEEL_ROUNDTRIP_CASES=n the number of cases (default 1500).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kernel/codec.h"
#include "../../kernel/tree.h"

/* The tests build and inspect trees with cJSON itself (keel_json is
   struct cJSON). */
#include <cjson/cJSON.h>

#define FIXTURES "tests/fixtures"

/* ---- seeded generator ----------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* A growable text buffer. */
struct text {
    char *p;
    size_t len, cap;
};

static void tput(struct text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        t->p = realloc(t->p, cap);
        assert_non_null(t->p);
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void tputs(struct text *t, const char *s)
{
    tput(t, s, strlen(s));
}

static void put_utf8(struct text *t, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    tput(t, b, n);
}

/* A code point from every class JSON.stringify treats differently. */
static unsigned rnd_codepoint(void)
{
    static const unsigned special[] = {
        '"', '\\', '/', '\b', '\f', '\n', '\r', '\t', 0x01, 0x1F, 0x7F,
        0x80, 0xA0, 0x7FF, 0x800, 0x2028, 0x2029, 0xFEFF, 0xFFFD, 0xFFFF,
        0xD7FF, 0xE000, 0x10000, 0x1F600, 0x10FFFF, 0xE9, 0x4E2D,
    };
    switch (below(8)) {
    case 0:
        return special[below(sizeof special / sizeof *special)];
    case 1:
        return 1 + below(0x1F); /* control */
    case 2:
        return 0x80 + below(0x800 - 0x80);
    case 3: {
        unsigned cp = 0x800 + below(0x10000 - 0x800);
        return (cp >= 0xD800 && cp <= 0xDFFF) ? 0xE000 : cp;
    }
    case 4:
        return 0x10000 + below(0x110000 - 0x10000);
    default:
        return 0x20 + below(0x5F); /* printable ASCII */
    }
}

static char *rnd_string(unsigned maxlen)
{
    struct text t = {0};
    unsigned n = below(maxlen + 1);
    tputs(&t, "");
    for (unsigned i = 0; i < n; i++)
        put_utf8(&t, rnd_codepoint());
    return t.p;
}

/* 2^e for -1074 <= e <= 1023, built from the bits (no libm). */
static double pow2(int e)
{
    uint64_t bits = e >= -1022 ? (uint64_t)(e + 1023) << 52
                               : (uint64_t)1 << (e + 1074);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* 10^e for small |e|. */
static double pow10i(int e)
{
    double v = 1;
    for (int i = 0; i < (e < 0 ? -e : e); i++)
        v *= 10;
    return e < 0 ? 1 / v : v;
}

static double rnd_double(void)
{
    static const double special[] = {
        0.0, 1.0, 42.5, 1e21, 1e-7, 1e-6, 0.000001, 123456789012345680000.0,
        1e20, 9007199254740991.0, 9007199254740992.0, 9007199254740993.0,
        5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 0.2,
        0.30000000000000004, 100, 1777777777, 10080, 1e300, 123e-20,
        4.35, 0.5e-6, 999999999999999900000.0, 1e22, 1.5e-7,
    };
    double v;
    switch (below(9)) {
    case 0:
        v = special[below(sizeof special / sizeof *special)];
        break;
    case 1: /* small integers */
        v = (double)below(100000);
        break;
    case 2: { /* integers of any magnitude */
        uint64_t x = rnd() >> below(64);
        v = (double)x;
        break;
    }
    case 3: /* short decimal fractions */
        v = (double)below(100000) / (double)(1u << below(12));
        break;
    case 4: /* decimal-looking values */
        v = (double)below(1000000) / pow10i((int)below(12));
        break;
    case 5: /* powers of two: lopsided rounding intervals */
        v = pow2((int)below(2098) - 1074);
        break;
    case 6: /* powers of ten around the notation switches */
        v = pow10i((int)below(60) - 30) * (1 + below(9));
        break;
    default: { /* any finite bit pattern */
        uint64_t bits;
        do {
            bits = rnd();
            memcpy(&v, &bits, sizeof v);
        } while (v != v || v - v != 0); /* NaN or infinite */
        break;
    }
    }
    if (below(4) == 0)
        v = -v;
    return v;
}

/* Keys, including array-index-like ones JavaScript orders first. */
static char *rnd_key(void)
{
    char b[32];
    switch (below(6)) {
    case 0:
        snprintf(b, sizeof b, "%u", below(5) == 0 ? 4294967294u : below(300));
        return strdup(b);
    case 1: {
        static const char *const odd[] = {"4294967295", "01", "-1", "1.5",
                                          "Name", "EMAIL", "__x", "",
                                          "1e3", "00"};
        return strdup(odd[below(10)]);
    }
    case 2:
        snprintf(b, sizeof b, "future%u", below(50));
        return strdup(b);
    default:
        return rnd_string(8);
    }
}

static cJSON *rnd_value(int depth);

/* Add key: value to obj unless the key is taken; takes value. */
static void add_member(cJSON *obj, const char *key, cJSON *value)
{
    if (keel_tree_get(obj, key) != NULL) {
        cJSON_Delete(value);
        return;
    }
    cJSON_AddItemToObject(obj, key, value);
}

static void add_unknown(cJSON *obj, int depth)
{
    char *k = rnd_key();
    add_member(obj, k, rnd_value(depth));
    free(k);
}

static cJSON *rnd_value(int depth)
{
    unsigned kind = below(depth > 3 ? 5 : 7);
    switch (kind) {
    case 0:
        return cJSON_CreateNull();
    case 1:
        return cJSON_CreateBool(below(2));
    case 2:
    case 3: {
        char *s = rnd_string(12);
        cJSON *v = cJSON_CreateString(s);
        free(s);
        return v;
    }
    case 4:
        return cJSON_CreateNumber(rnd_double());
    case 5: {
        cJSON *a = cJSON_CreateArray();
        for (unsigned i = below(4); i > 0; i--)
            cJSON_AddItemToArray(a, rnd_value(depth + 1));
        return a;
    }
    default: {
        cJSON *o = cJSON_CreateObject();
        for (unsigned i = below(4); i > 0; i--)
            add_unknown(o, depth + 1);
        return o;
    }
    }
}

static void rnd_name(char *b)
{
    static const char first[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static const char rest[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@+-";
    if (below(5) == 0) { /* digits only: an array index to JavaScript */
        snprintf(b, 16, "%u", below(1000));
        return;
    }
    unsigned n = 1 + below(below(8) == 0 ? 64 : 12);
    b[0] = first[below(sizeof first - 1)];
    for (unsigned i = 1; i < n; i++)
        b[i] = rest[below(sizeof rest - 1)];
    b[n] = '\0';
}

/* A member value of the right type most of the time, else any value (a
   mistyped known field: kept, warned about). */
static cJSON *typed(int type, int depth)
{
    if (below(12) == 0)
        return rnd_value(depth);
    switch (type) {
    case cJSON_Number:
        return cJSON_CreateNumber(rnd_double());
    case cJSON_True:
        return cJSON_CreateBool(below(2));
    default: {
        char *s = rnd_string(24);
        cJSON *v = cJSON_CreateString(s);
        free(s);
        return v;
    }
    }
}

static cJSON *rnd_window(void)
{
    cJSON *w = cJSON_CreateObject();
    static const char *const keys[] = {"usedPercent", "windowMinutes",
                                       "resetsAt"};
    for (int i = 0; i < 3; i++) {
        if (below(6) == 0)
            add_unknown(w, 3);
        if (below(8) != 0)
            add_member(w, keys[i], typed(cJSON_Number, 4));
    }
    return w;
}

static cJSON *rnd_account(const char *name)
{
    static const char *const strs[] = {"email", "accountId", "userId",
                                       "planType", "createdAt", "lastUsageAt"};
    cJSON *a = cJSON_CreateObject();
    if (below(8) == 0)
        add_unknown(a, 2);
    cJSON_AddStringToObject(a, "name", name);
    for (int i = 0; i < 6; i++) {
        if (below(6) == 0)
            add_unknown(a, 2);
        if (below(3) != 0)
            add_member(a, strs[i], typed(cJSON_String, 2));
    }
    if (below(3) != 0) {
        cJSON *u = cJSON_CreateObject();
        if (below(2))
            add_member(u, "primary", rnd_window());
        if (below(2))
            add_member(u, "secondary", rnd_window());
        if (below(4) == 0)
            add_unknown(u, 3);
        add_member(u, "planType", typed(cJSON_String, 3));
        add_member(u, "fetchedAt", typed(cJSON_String, 3));
        add_member(u, "source", typed(cJSON_String, 3));
        add_member(a, "lastUsage", u);
    }
    if (below(4) == 0)
        add_unknown(a, 2);
    return a;
}

/* A random registry document Keel must accept. */
static cJSON *rnd_registry(void)
{
    cJSON *doc = cJSON_CreateObject();
    int version_last = below(10) == 0;
    if (below(6) == 0)
        add_unknown(doc, 1);
    if (!version_last)
        cJSON_AddNumberToObject(doc, "version", 1);
    if (below(8) != 0) {
        cJSON *as = cJSON_CreateObject();
        add_member(as, "enabled", typed(cJSON_True, 2));
        if (below(5) == 0)
            add_unknown(as, 2);
        add_member(as, "threshold5hPercent", typed(cJSON_Number, 2));
        add_member(as, "thresholdWeeklyPercent", typed(cJSON_Number, 2));
        add_member(doc, "autoSwitch", as);
    }
    if (below(8) != 0) {
        cJSON *api = cJSON_CreateObject();
        add_member(api, "usage", typed(cJSON_True, 2));
        if (below(5) == 0)
            add_unknown(api, 2);
        add_member(doc, "api", api);
    }
    cJSON *acc = cJSON_CreateObject();
    char first[72] = "";
    for (unsigned i = below(6); i > 0; i--) {
        char name[72];
        rnd_name(name);
        if (first[0] == '\0')
            strcpy(first, name);
        add_member(acc, name, rnd_account(name));
    }
    switch (below(4)) {
    case 0:
        break;
    case 1:
        cJSON_AddNullToObject(doc, "activeAccountName");
        break;
    default:
        cJSON_AddStringToObject(doc, "activeAccountName",
                                first[0] ? first : "nobody");
    }
    if (below(6) == 0)
        add_unknown(doc, 1);
    if (below(10) != 0)
        cJSON_AddItemToObject(doc, "accounts", acc);
    else
        cJSON_Delete(acc);
    if (version_last)
        cJSON_AddNumberToObject(doc, "version", 1);
    if (below(6) == 0)
        add_unknown(doc, 1);
    return doc;
}

/* ---- a noisy serializer: the same value, spelled differently ------------- */

static void noisy_ws(struct text *t)
{
    static const char ws[] = " \t\r\n";
    for (unsigned i = below(3) == 0 ? below(3) : 0; i > 0; i--)
        tput(t, ws + below(4), 1);
}

static void noisy_escape(struct text *t, unsigned cp)
{
    char b[16];
    snprintf(b, sizeof b, below(2) ? "\\u%04x" : "\\u%04X", cp);
    tputs(t, b);
}

static void noisy_string(struct text *t, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    tputs(t, "\"");
    while (*p != 0) {
        unsigned cp, n = 1;
        if (*p < 0x80) {
            cp = *p;
        } else if (*p < 0xE0) {
            cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
            n = 2;
        } else if (*p < 0xF0) {
            cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) |
                 (p[2] & 0x3Fu);
            n = 3;
        } else {
            cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) |
                 ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
            n = 4;
        }
        int must = cp < 0x20 || cp == '"' || cp == '\\';
        if (!must && below(4) != 0) {
            tput(t, (const char *)p, n);
        } else if (cp >= 0x10000) {
            unsigned v = cp - 0x10000;
            noisy_escape(t, 0xD800 + (v >> 10));
            noisy_escape(t, 0xDC00 + (v & 0x3FF));
        } else {
            const char *shortform = NULL;
            switch (cp) {
            case '"': shortform = "\\\""; break;
            case '\\': shortform = "\\\\"; break;
            case '/': shortform = "\\/"; break;
            case '\b': shortform = "\\b"; break;
            case '\f': shortform = "\\f"; break;
            case '\n': shortform = "\\n"; break;
            case '\r': shortform = "\\r"; break;
            case '\t': shortform = "\\t"; break;
            }
            if (shortform != NULL && below(2))
                tputs(t, shortform);
            else
                noisy_escape(t, cp);
        }
        p += n;
    }
    tputs(t, "\"");
}

static void noisy_number(struct text *t, double v)
{
    char b[64];
    switch (below(4)) {
    case 0:
        snprintf(b, sizeof b, "%.17g", v);
        break;
    case 1:
        snprintf(b, sizeof b, "%.16E", v);
        break;
    case 2:
        snprintf(b, sizeof b, "%.25g", v); /* more digits than needed */
        break;
    default:
        snprintf(b, sizeof b, "%.17e", v);
        break;
    }
    tputs(t, b);
}

static void noisy_value(struct text *t, const cJSON *v)
{
    noisy_ws(t);
    if (cJSON_IsNull(v)) {
        tputs(t, "null");
    } else if (cJSON_IsTrue(v)) {
        tputs(t, "true");
    } else if (cJSON_IsFalse(v)) {
        tputs(t, "false");
    } else if (cJSON_IsNumber(v)) {
        noisy_number(t, v->valuedouble);
    } else if (cJSON_IsString(v)) {
        noisy_string(t, v->valuestring);
    } else {
        int obj = cJSON_IsObject(v);
        tputs(t, obj ? "{" : "[");
        for (const cJSON *c = v->child; c != NULL; c = c->next) {
            if (c != v->child)
                tputs(t, ",");
            if (obj) {
                noisy_ws(t);
                noisy_string(t, c->string);
                noisy_ws(t);
                tputs(t, ":");
            }
            noisy_value(t, c);
        }
        noisy_ws(t);
        tputs(t, obj ? "}" : "]");
    }
    noisy_ws(t);
}

/* ---- helpers ------------------------------------------------------------- */

static char *encode(const struct keel_registry *r, size_t *n)
{
    char *out = NULL;
    struct keel_err err;
    keel_err_clear(&err);
    assert_int_equal(keel_codec_encode(r, &out, n, &err), KEEL_OK);
    return out;
}

static struct keel_registry *decode_or_fail(const char *s, size_t n,
                                            const char *what)
{
    struct keel_registry *r = NULL;
    struct keel_err err;
    keel_err_clear(&err);
    if (keel_codec_decode(s, n, &r, NULL, &err) != KEEL_OK) {
        print_error("%s: decode failed: %s at offset %lld path '%s': %s\n",
                    what, keel_defect_name(err.defect), err.offset,
                    err.json_path, err.message ? err.message : "");
        fail();
    }
    return r;
}

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct text t = {0};
    char b[65536];
    size_t k;
    tputs(&t, "");
    while ((k = fread(b, 1, sizeof b, f)) > 0)
        tput(&t, b, k);
    fclose(f);
    *n = t.len;
    return t.p;
}

static void write_all(const char *path, const char *s, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* An oracle batch: pairs in_N.json (any spelling) / keel_N.json (Keel's
   encoding) in a temporary directory, checked by one node run. */
struct batch {
    char dir[64];
    unsigned n;
};

static void batch_open(struct batch *b)
{
    strcpy(b->dir, "/tmp/keel-roundtrip-XXXXXX");
    assert_non_null(mkdtemp(b->dir));
    b->n = 0;
}

static void batch_add(struct batch *b, const char *in, size_t in_n,
                      const char *keel, size_t keel_n)
{
    char p[128];
    snprintf(p, sizeof p, "%s/in_%u.json", b->dir, b->n);
    write_all(p, in, in_n);
    snprintf(p, sizeof p, "%s/keel_%u.json", b->dir, b->n);
    write_all(p, keel, keel_n);
    b->n++;
}

static const char oracle_js[] =
    "const fs = require('fs');\n"
    "const [dir, n] = [process.argv[2], +process.argv[3]];\n"
    "let bad = [];\n"
    "for (let i = 0; i < n; i++) {\n"
    "  const x = fs.readFileSync(`${dir}/in_${i}.json`, 'utf8');\n"
    "  const want = fs.readFileSync(`${dir}/keel_${i}.json`);\n"
    "  const got = Buffer.from(JSON.stringify(JSON.parse(x), null, 2) + "
    "'\\n', 'utf8');\n"
    "  if (!got.equals(want)) bad.push(i);\n"
    "}\n"
    "console.log(`checked ${n} mismatches ${bad.length}`);\n"
    "for (const i of bad.slice(0, 5)) console.log(`mismatch ${i}`);\n";

static int have_node(void)
{
    return system("command -v node >/dev/null 2>&1") == 0;
}

/* Run node over the batch; returns the number of mismatches. */
static unsigned batch_check(struct batch *b)
{
    char p[160], cmd[400], line[200];
    unsigned checked = 0, bad = 0;
    snprintf(p, sizeof p, "%s/oracle.js", b->dir);
    write_all(p, oracle_js, strlen(oracle_js));
    snprintf(cmd, sizeof cmd, "node %s %s %u", p, b->dir, b->n);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    int seen = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "checked %u mismatches %u", &checked, &bad) == 2)
            seen = 1;
        else
            print_message("# node (in %s): %s", b->dir, line);
    }
    assert_int_equal(pclose(f), 0);
    assert_true(seen);
    assert_int_equal(checked, b->n);
    return bad;
}

static void batch_close(struct batch *b, int keep)
{
    char p[128];
    if (keep) {
        print_message("# oracle inputs kept in %s\n", b->dir);
        return;
    }
    for (unsigned i = 0; i < b->n; i++) {
        snprintf(p, sizeof p, "%s/in_%u.json", b->dir, i);
        unlink(p);
        snprintf(p, sizeof p, "%s/keel_%u.json", b->dir, i);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/oracle.js", b->dir);
    unlink(p);
    rmdir(b->dir);
}

static uint64_t seed(void)
{
    const char *s = getenv("KEEL_TEST_SEED");
    return s != NULL ? strtoull(s, NULL, 0) : 0x4B45454Cull;
}

static unsigned ncases(void)
{
    const char *s = getenv("KEEL_ROUNDTRIP_CASES");
    return s != NULL ? (unsigned)strtoul(s, NULL, 0) : 1500u;
}

/* ---- random edits through the public API ---------------------------------- */

static void rnd_edit(struct keel_registry *r)
{
    struct keel_err err;
    char name[72];
    size_t n = keel_registry_count(r);
    const char *some = n > 0 ? keel_registry_name_at(r, below((unsigned)n))
                             : "none";
    strcpy(name, some);
    switch (below(7)) {
    case 0: {
        char nm[72];
        rnd_name(nm);
        (void)keel_registry_add(r, nm, below(2) ? "2026-05-01T10:00:00.000Z"
                                                : NULL, &err);
        break;
    }
    case 1:
        (void)keel_registry_remove(r, name, &err);
        break;
    case 2: {
        char nm[72];
        rnd_name(nm);
        (void)keel_registry_rename(r, name, nm, &err);
        break;
    }
    case 3: {
        char *s = rnd_string(10);
        (void)keel_registry_set_string(r, name, (keel_field)below(KEEL_F_COUNT),
                                       below(5) ? s : NULL, &err);
        free(s);
        break;
    }
    case 4: {
        struct keel_usage_window p = {1, rnd_double(), 300, rnd_double()};
        struct keel_usage_window s = {(int)below(2), 7, 10080, 1778000000};
        (void)keel_registry_set_usage(r, name, &p, &s, "plus",
                                      "2026-05-02T08:00:00.000Z", "api",
                                      "2026-05-02T08:00:00.000Z", &err);
        break;
    }
    case 5:
        (void)keel_registry_set_active(r, below(4) ? name : NULL, &err);
        break;
    default: {
        struct keel_globals g;
        keel_registry_globals(r, &g);
        g.auto_enabled = (int)below(2);
        g.threshold_5h = rnd_double();
        g.api_usage = (int)below(2);
        (void)keel_registry_set_globals(r, &g, &err);
        break;
    }
    }
}

/* ---- tests ------------------------------------------------------------------ */

static void fixtures_round_trip_byte_identically(void **state)
{
    (void)state;
    DIR *d = opendir(FIXTURES);
    assert_non_null(d);
    struct dirent *e;
    struct batch b;
    unsigned count = 0;
    batch_open(&b);
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char path[512], *in, *out;
        size_t n, m;
        snprintf(path, sizeof path, "%s/%s", FIXTURES, e->d_name);
        in = read_all(path, &n);
        struct keel_registry *r = decode_or_fail(in, n, path);
        out = encode(r, &m);
        if (m != n || memcmp(in, out, n) != 0)
            print_error("%s does not round-trip\n", path);
        assert_int_equal(m, n);
        assert_memory_equal(in, out, n);
        batch_add(&b, in, n, out, m); /* and node writes it the same way */
        keel_registry_free(r);
        free(in);
        free(out);
        count++;
    }
    closedir(d);
    assert_true(count >= 5);
    unsigned bad = have_node() ? batch_check(&b) : 0;
    print_message("# %u fixtures round-trip%s\n", count,
                  have_node() ? ", node agrees" : " (node not found)");
    batch_close(&b, bad != 0);
    assert_int_equal(bad, 0);
}

static void random_registries_round_trip(void **state)
{
    (void)state;
    uint64_t s = seed();
    unsigned n = ncases(), edits = 0;
    struct batch b;
    int node = have_node();
    rng_state = s;
    print_message("# seed 0x%llx, %u cases\n", (unsigned long long)s, n);
    batch_open(&b);
    for (unsigned i = 0; i < n; i++) {
        char what[64];
        snprintf(what, sizeof what, "case %u", i);
        cJSON *doc = rnd_registry();
        struct text noisy = {0};
        noisy_value(&noisy, doc);
        struct keel_registry *m = keel_registry_wrap(doc);
        assert_non_null(m);
        /* decode(encode(m)) == m, and the encoding is a fixed point. */
        size_t len, len2, len3;
        char *bytes = encode(m, &len);
        struct keel_registry *m2 = decode_or_fail(bytes, len, what);
        assert_int_equal(keel_registry_equal(m, m2), 1);
        char *bytes2 = encode(m2, &len2);
        assert_int_equal(len2, len);
        assert_memory_equal(bytes2, bytes, len);
        /* The same value spelled with other spaces, escapes and number
           forms decodes to the same model and encodes to the same bytes. */
        struct keel_registry *m3 = decode_or_fail(noisy.p, noisy.len, what);
        assert_int_equal(keel_registry_equal(m, m3), 1);
        char *bytes3 = encode(m3, &len3);
        if (len3 != len || memcmp(bytes3, bytes, len) != 0)
            print_error("%s: noisy input encodes differently\n", what);
        assert_int_equal(len3, len);
        assert_memory_equal(bytes3, bytes, len);
        if (node)
            batch_add(&b, noisy.p, noisy.len, bytes, len);
        /* Edits through the API keep the model encodable and decodable. */
        for (unsigned k = below(4); k > 0; k--, edits++)
            rnd_edit(m2);
        free(bytes2);
        bytes2 = encode(m2, &len2);
        struct keel_registry *m4 = decode_or_fail(bytes2, len2, what);
        assert_int_equal(keel_registry_equal(m2, m4), 1);
        if (node)
            batch_add(&b, bytes2, len2, bytes2, len2);
        keel_registry_free(m);
        keel_registry_free(m2);
        keel_registry_free(m3);
        keel_registry_free(m4);
        free(bytes);
        free(bytes2);
        free(bytes3);
        free(noisy.p);
    }
    unsigned bad = node ? batch_check(&b) : 0;
    print_message("# %u random registries and %u API edits round-trip%s\n", n,
                  edits,
                  node ? "; node's JSON.stringify agrees on every file"
                       : " (node not found: oracle skipped)");
    batch_close(&b, bad != 0);
    assert_int_equal(bad, 0);
}

/* Numbers alone, many of them, against node: the shortest round-tripping
   form laid out as Number.prototype.toString does. */
static void numbers_print_as_javascript(void **state)
{
    (void)state;
    struct batch b;
    rng_state = seed() ^ 0x6E756D73ull;
    if (!have_node()) {
        print_message("# node not found: number oracle skipped\n");
        skip();
    }
    batch_open(&b);
    for (unsigned f = 0; f < 20; f++) {
        struct keel_registry *r = keel_registry_new();
        cJSON *a = cJSON_CreateArray();
        for (int i = 0; i < 2000; i++)
            cJSON_AddItemToArray(a, cJSON_CreateNumber(rnd_double()));
        assert_int_equal(keel_tree_set(keel_registry_doc(r), "n", a), KEEL_OK);
        size_t len;
        char *bytes = encode(r, &len);
        batch_add(&b, bytes, len, bytes, len);
        free(bytes);
        keel_registry_free(r);
    }
    unsigned bad = batch_check(&b);
    print_message("# 40000 numbers print as node prints them\n");
    batch_close(&b, bad != 0);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures_round_trip_byte_identically),
        cmocka_unit_test(random_registries_round_trip),
        cmocka_unit_test(numbers_print_as_javascript),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
