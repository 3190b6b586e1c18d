/*
 * encode.c - registry model -> bytes, exactly as the Node tool writes them:
 * JSON.stringify(value, null, 2) + "\n" (codec.h).
 *
 * Byte identity keeps diffs minimal for users who run both tools, and lets
 * tests use Node itself as the oracle. Three things must match JavaScript:
 *   - key order: array-index keys ascending first, then insertion order
 *     (keel_tree_js_order in registry.c);
 *   - numbers: Number.prototype.toString, i.e. the shortest digit string
 *     that reads back as the same double, laid out per ECMAScript
 *     Number::toString (fmt_number below). Never cJSON's printer, whose %.15g
 *     changes about 12% of doubles (DESIGN.md 4);
 *   - strings: JSON.stringify's escapes (put_string below).
 * Outside the WP proof (uses snprintf/strtod); covered by test_roundtrip.c,
 * which checks against node itself.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "tree.h"

/* A growing output buffer; nomem latches the first allocation failure. */
struct out {
    char *p;
    size_t len, cap;
    int nomem;
};

/*@ requires \valid(o) && \valid_read(s + (0 .. n - 1));
    assigns *o;
 */
static void put(struct out *o, const char *s, size_t n)
{
    if (o->nomem)
        return;
    if (n > o->cap - o->len) {
        size_t cap = o->cap == 0 ? 4096 : o->cap;
        while (cap - o->len < n) {
            if (cap > (size_t)-1 / 2) {
                o->nomem = 1;
                return;
            }
            cap *= 2;
        }
        char *p = realloc(o->p, cap);
        if (p == NULL) {
            o->nomem = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

/*@ requires \valid(o) && valid_read_string(s);
    assigns *o;
 */
static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Newline and 2 * depth spaces, as JSON.stringify's gap "  " indents. */
/*@ requires \valid(o);
    assigns *o;
 */
static void newline(struct out *o, size_t depth)
{
    static const char sp[] = "\n                                ";
    size_t n = 2 * depth;
    put(o, sp, 1);
    while (n > 0) {
        size_t k = n < sizeof sp - 2 ? n : sizeof sp - 2;
        put(o, sp + 1, k);
        n -= k;
    }
}

/* ---- numbers ------------------------------------------------------------ */

/* Significant digits of a positive finite double with p digits, as the
   nearest p-digit decimal: digits into d (NUL-terminated, no leading or
   trailing zeros), *n10 = ECMAScript's n (value = 0.d * 10^n). */
/*@ requires v > 0 && 1 <= p <= 17 && \valid(d + (0 .. 19)) && \valid(n10);
    assigns d[0 .. 19], *n10;
 */
static void digits_p(double v, int p, char d[20], int *n10)
{
    char tmp[40];
    size_t k = 0;
    const char *s = tmp;
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
    /* "d.ddde+XX": take the digits, whatever the locale's decimal point. */
    for (; *s != '\0' && *s != 'e' && *s != 'E'; s++) {
        if (*s >= '0' && *s <= '9' && k < 18)
            d[k++] = *s;
    }
    d[k] = '\0';
    *n10 = (*s != '\0' ? atoi(s + 1) : 0) + 1;
}

/* Strip trailing zeros; a leading zero (from a decrement) lowers n. */
/*@ requires valid_string(d) && \valid(n10);
    assigns d[0 ..], *n10;
 */
static void normalize(char *d, int *n10)
{
    size_t k = strlen(d);
    while (k > 1 && d[k - 1] == '0')
        d[--k] = '\0';
    while (d[0] == '0' && d[1] != '\0') {
        memmove(d, d + 1, k);
        k--;
        (*n10)--;
    }
}

/* The double that digits d with exponent n10 read as (0.d * 10^n). */
/*@ requires valid_read_string(d);
    assigns \nothing;
 */
static double read_back(const char *d, int n10)
{
    char s[48];
    /* "DIGITSe<exp>": no decimal point, so the locale cannot interfere. */
    snprintf(s, sizeof s, "%se%d", d, n10 - (int)strlen(d));
    return strtod(s, NULL);
}

/* d +/- one unit in the last place (as a decimal digit string). */
/*@ requires valid_string(d) && \valid(n10);
    assigns d[0 .. 19], *n10;
 */
static void step_digits(char d[20], int *n10, int up)
{
    size_t k = strlen(d);
    size_t i = k;
    if (up) {
        while (i > 0 && d[i - 1] == '9')
            d[--i] = '0';
        if (i == 0) { /* 999 + 1 = 1000: one more digit, n grows */
            memmove(d + 1, d, k + 1);
            d[0] = '1';
            (*n10)++;
        } else {
            d[i - 1]++;
        }
    } else {
        while (i > 0 && d[i - 1] == '0')
            d[--i] = '9';
        if (i > 0)
            d[i - 1]--;
    }
    normalize(d, n10);
}

/* Shortest round-tripping digits of positive finite v (ECMAScript
   Number::toString step 5: smallest k, and of those the closest). */
/*@ requires v > 0 && \valid(d + (0 .. 19)) && \valid(n10);
    assigns d[0 .. 19], *n10;
 */
static void shortest(double v, char d[20], int *n10)
{
    for (int p = 1; p <= 17; p++) {
        char e[20];
        digits_p(v, p, d, n10);
        memcpy(e, d, 20); /* all p digits, for the step below */
        int ne = *n10;
        normalize(d, n10);
        double b = read_back(d, *n10);
        if (b == v)
            return;
        /* The nearest p-digit decimal misses when v's rounding interval is
           lopsided (v a power of two); the neighbour on v's other side, one
           unit in the p-th digit away, may still lie inside it. The
           same-side neighbour is farther, so it cannot. */
        step_digits(e, &ne, b < v);
        if (strlen(e) <= (size_t)p && read_back(e, ne) == v) {
            memcpy(d, e, 20);
            *n10 = ne;
            return;
        }
    }
    /* 17 digits always round-trip; not reached. */
}

/* Format v as JavaScript's String(v) into buf (at least 32 bytes); returns
   the length. Non-finite values print "null", as JSON.stringify does. */
/*@ requires \valid(buf + (0 .. 31));
    assigns buf[0 .. 31];
    ensures \result < 32;
 */
static size_t fmt_number(double v, char buf[32])
{
    char d[20];
    int n = 0;
    size_t o = 0;
    if (!isfinite(v)) {
        memcpy(buf, "null", 5);
        return 4;
    }
    if (v == 0) { /* also -0 */
        memcpy(buf, "0", 2);
        return 1;
    }
    if (v < 0) {
        buf[o++] = '-';
        v = -v;
    }
    if (v < 9007199254740992.0 && v == (double)(long long)v) {
        /* Integers below 2^53 print all their digits, and only those;
           a digit loop, as snprintf dominated encoding (bench/). */
        unsigned long long u = (unsigned long long)v;
        char rev[20];
        int k = 0;
        do {
            rev[k++] = (char)('0' + u % 10);
            u /= 10;
        } while (u != 0);
        while (k > 0)
            buf[o++] = rev[--k];
        buf[o] = '\0';
        return o;
    }
    shortest(v, d, &n);
    int k = (int)strlen(d);
    if (k <= n && n <= 21) { /* digits, then n - k zeros */
        memcpy(buf + o, d, (size_t)k);
        o += (size_t)k;
        for (int i = k; i < n; i++)
            buf[o++] = '0';
    } else if (0 < n && n < k) { /* point inside the digits (n <= 21) */
        memcpy(buf + o, d, (size_t)n);
        o += (size_t)n;
        buf[o++] = '.';
        memcpy(buf + o, d + n, (size_t)(k - n));
        o += (size_t)(k - n);
    } else if (-6 < n && n <= 0) { /* 0.000ddd */
        buf[o++] = '0';
        buf[o++] = '.';
        for (int i = n; i < 0; i++)
            buf[o++] = '0';
        memcpy(buf + o, d, (size_t)k);
        o += (size_t)k;
    } else { /* d.ddde+X / d.ddde-X */
        int e = n - 1;
        buf[o++] = d[0];
        if (k > 1) {
            buf[o++] = '.';
            memcpy(buf + o, d + 1, (size_t)(k - 1));
            o += (size_t)(k - 1);
        }
        o += (size_t)snprintf(buf + o, 32 - o, "e%c%d", e < 0 ? '-' : '+',
                              e < 0 ? -e : e);
    }
    buf[o] = '\0';
    return o;
}

/* ---- strings ---------------------------------------------------------------- */

/* s as JSON.stringify quotes it: \" \\ \b \f \n \r \t, other bytes below
   0x20 as \u00xx (lower-case hex), everything else raw UTF-8. */
/*@ requires \valid(o) && valid_read_string(s);
    assigns *o;
 */
static void put_string(struct out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;
    put(o, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[7];
        size_t n = 2;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(o, run, (size_t)(s - run));
        run = s + 1;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        put(o, esc, n);
    }
    put(o, run, (size_t)(s - run));
    put(o, "\"", 1);
}

/* ---- values --------------------------------------------------------------------- */

/*@ requires \valid(o) && json_node(v);
    assigns *o;
 */
static keel_status put_value(struct out *o, const keel_json *v, size_t depth);

/*@ requires \valid(o) && json_node(v);
    assigns *o;
 */
static keel_status put_object(struct out *o, const keel_json *v, size_t depth)
{
    keel_json **order = NULL;
    size_t n = 0;
    const keel_json *c = NULL;
    keel_status st = keel_tree_js_order(v, &order, &n);
    if (st != KEEL_OK)
        return st;
    if (n == 0) {
        put(o, "{}", 2);
        return KEEL_OK;
    }
    put(o, "{", 1);
    for (size_t i = 0; i < n && st == KEEL_OK; i++) {
        if (order != NULL)
            c = order[i];
        else
            c = c == NULL ? keel_json_first(v) : keel_json_next(c);
        const char *key = keel_json_key(c);
        if (key == NULL || !keel_tree_utf8_ok(key)) {
            st = KEEL_E_INVALID;
            break;
        }
        if (i > 0)
            put(o, ",", 1);
        newline(o, depth + 1);
        put_string(o, key);
        put(o, ": ", 2);
        st = put_value(o, c, depth + 1);
    }
    free(order);
    newline(o, depth);
    put(o, "}", 1);
    return st;
}

/*@ requires \valid(o) && json_node(v);
    assigns *o;
 */
static keel_status put_array(struct out *o, const keel_json *v, size_t depth)
{
    keel_status st = KEEL_OK;
    const keel_json *first = keel_json_first(v);
    if (first == NULL) {
        put(o, "[]", 2);
        return KEEL_OK;
    }
    put(o, "[", 1);
    for (const keel_json *c = first; c != NULL && st == KEEL_OK;
         c = keel_json_next(c)) {
        if (c != first)
            put(o, ",", 1);
        newline(o, depth + 1);
        st = put_value(o, c, depth + 1);
    }
    newline(o, depth);
    put(o, "]", 1);
    return st;
}

static keel_status put_value(struct out *o, const keel_json *v, size_t depth)
{
    char num[32];
    const char *s;
    switch (keel_json_kind(v)) {
    case KEEL_J_FALSE:
        puts_(o, "false");
        return KEEL_OK;
    case KEEL_J_TRUE:
        puts_(o, "true");
        return KEEL_OK;
    case KEEL_J_NULL:
        puts_(o, "null");
        return KEEL_OK;
    case KEEL_J_NUMBER:
        put(o, num, fmt_number(keel_json_number(v), num));
        return KEEL_OK;
    case KEEL_J_STRING:
        /* Only valid UTF-8 is written, so the output always decodes (G3). */
        s = keel_json_string(v);
        if (s == NULL || !keel_tree_utf8_ok(s))
            return KEEL_E_INVALID;
        put_string(o, s);
        return KEEL_OK;
    case KEEL_J_ARRAY:
        return put_array(o, v, depth);
    case KEEL_J_OBJECT:
        return put_object(o, v, depth);
    default: /* raw or invalid nodes: never produced by decode */
        return KEEL_E_INVALID;
    }
}

keel_status keel_codec_encode(const struct keel_registry *r, char **out,
                              size_t *len, struct keel_err *err)
{
    struct out o = {NULL, 0, 0, 0};
    keel_status st = put_value(&o, keel_registry_doc_const(r), 0);
    put(&o, "\n", 2); /* the newline, and a NUL not counted in *len */
    if (st == KEEL_OK && o.nomem)
        st = KEEL_E_NOMEM;
    *out = NULL;
    *len = 0;
    if (st != KEEL_OK) {
        free(o.p);
        if (err != NULL) {
            err->status = st;
            err->step = KEEL_STEP_ENCODE;
            err->sys_errno = 0;
            err->defect = KEEL_DEFECT_NONE;
            err->offset = -1;
            err->json_path[0] = '\0';
            err->message = st == KEEL_E_NOMEM
                               ? "out of memory"
                               : "the model holds a value JSON cannot carry";
        }
        return st;
    }
    *out = o.p;
    *len = o.len - 1;
    return KEEL_OK;
}
