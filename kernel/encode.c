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
 * Byte identity is covered by test_roundtrip.c, which checks against node
 * itself; WP (make prove) proves runtime safety: every buffer bound, the
 * growing output buffer, and the result of keel_codec_encode (codec.h).
 * What the proof assumes: the contract of print_e (snprintf's bound) and
 * Frama-C's of strtod, the allocator model (spec/alloc_model.h), and one
 * `admit` in put_object (the key-order array survives the writes into the
 * output buffer, as in tree.c's objects_equal). put_array's sibling walk
 * carries no loop variant: sibling lists are not modelled, and their being
 * NULL-terminated and acyclic is assumed (spec/json_model.h, as tree.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "json_check.h"
#include "tree.h"

#ifdef __FRAMAC__
/* WP proves allocation against spec/alloc_model.h (see there why). */
#define realloc(p, size) keel_model_realloc(p, size)
#define free(p) keel_model_free(p)
#define free_nodes(p) keel_model_free_nodes(p)
#else
#define free_nodes(p) free(p)
#endif

/* A growing output buffer; nomem latches the first allocation failure. */
struct out {
    char *p;
    size_t len, cap;
    int nomem;
};

/* What every function here keeps of the buffer: p holds cap bytes (a heap
   block, none yet while cap is 0), len of them written; the struct itself
   is in neither heap, so writes into p (or into the node arrays of
   keel_tree_js_order) leave it alone. */
/*@ predicate out_ok(struct out *o) =
      \valid(o) && \base_addr(o) != \base_addr(&keel_heap[0]) &&
      \base_addr(o) != \base_addr(&keel_node_heap[0]) &&
      o->len <= o->cap &&
      (o->p == \null ==> o->cap == 0) &&
      (o->p != \null ==> heap_block(o->p) && in_heap(o->p, o->cap) &&
                         \valid(o->p + (0 .. o->cap - 1)));
 */

/* Append s[0 .. n-1]. Once nomem is set, nothing more is written. The
   buffer is written with memmove, not memcpy: memcpy's contract wants s
   apart from a block realloc just handed out, which WP cannot know. */
/*@ requires out_ok(o) && \valid_read(s + (0 .. n - 1));
    assigns *o, __fc_heap_status, keel_heap[..];
    ensures out_ok(o);
    ensures o->nomem == 0 ==>
              \old(o->nomem) == 0 && o->len == \old(o->len) + n &&
              \forall integer i; 0 <= i < n ==>
                o->p[\old(o->len) + i] == \old(s[i]);
 */
static void put(struct out *o, const char *s, size_t n)
{
    if (o->nomem || n == 0) /* n == 0: o->p may be NULL or one past the end */
        return;
    if (n > o->cap - o->len) {
        size_t cap = o->cap == 0 ? 4096 : o->cap;
        /*@ loop invariant o->len <= cap && 1 <= cap;
            loop assigns cap;
            loop variant n - (cap - o->len);
         */
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
    memmove(o->p + o->len, s, n);
    /*@ assert \forall integer i; 0 <= i < n ==>
                 o->p[o->len + i] == \at(s[i], Pre); */
    o->len += n;
}

/* Newline and 2 * depth spaces, as JSON.stringify's gap "  " indents. */
/*@ requires out_ok(o) && depth <= KEEL_JSON_DEPTH_MAX;
    assigns *o, __fc_heap_status, keel_heap[..];
    ensures out_ok(o);
 */
static void newline(struct out *o, size_t depth)
{
    static const char sp[] = "\n                                ";
    size_t n = 2 * depth;
    put(o, sp, 1);
    /*@ loop invariant out_ok(o);
        loop assigns n, *o, __fc_heap_status, keel_heap[..];
        loop variant n;
     */
    while (n > 0) {
        size_t k = n < sizeof sp - 2 ? n : sizeof sp - 2;
        put(o, sp + 1, k);
        n -= k;
    }
}

/* ---- numbers ------------------------------------------------------------ */

/*@ // 10^k for 0 <= k <= 20 (1 below 0).
    logic integer p10(integer k) =
      k <= 0 ? 1 : k == 1 ? 10 : k == 2 ? 100 : k == 3 ? 1000 :
      k == 4 ? 10000 : k == 5 ? 100000 : k == 6 ? 1000000 :
      k == 7 ? 10000000 : k == 8 ? 100000000 : k == 9 ? 1000000000 :
      k == 10 ? 10000000000 : k == 11 ? 100000000000 :
      k == 12 ? 1000000000000 : k == 13 ? 10000000000000 :
      k == 14 ? 100000000000000 : k == 15 ? 1000000000000000 :
      k == 16 ? 10000000000000000 : k == 17 ? 100000000000000000 :
      k == 18 ? 1000000000000000000 : k == 19 ? 10000000000000000000 :
      100000000000000000000;

    // d[0 .. k-1] are decimal digits and d[k] ends them (so strlen(d) == k).
    predicate digits(char *d, integer k) =
      0 <= k <= 19 && d[k] == '\0' &&
      \forall integer i; 0 <= i < k ==> '0' <= d[i] <= '9';
 */

/* The decimal digits of u at out (no NUL); returns their count, 1 to 20
   (at most 5 when u < 100000, which is all the room an exponent gets). */
/*@ requires \valid(out + (0 .. (u < 100000 ? 4 : 19)));
    assigns out[0 .. (u < 100000 ? 4 : 19)];
    ensures 1 <= \result <= (u < 100000 ? 5 : 20);
 */
static size_t put_dec(char *out, unsigned long long u)
{
    char rev[20];
    size_t k = 0, o = 0;
    /*@ loop invariant 0 <= k <= 20 && u < p10(20 - k);
        loop invariant \at(u, Pre) < 100000 ==> k <= 5 && u < p10(5 - k);
        loop invariant k == 0 || u != 0;
        loop assigns k, u, rev[0 .. 19];
        loop variant u;
     */
    do {
        rev[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    /*@ loop invariant 0 <= k && o + k == \at(k, LoopEntry);
        loop assigns k, o, out[0 .. \at(k, LoopEntry) - 1];
        loop variant k;
     */
    while (k > 0)
        out[o++] = rev[--k];
    return o;
}

/* snprintf(buf, 40, "%.*e", prec, v): v with prec + 1 significant digits,
   correctly rounded, as "d.ddde+XX". WP sees only this contract, which is
   assumed, not proved: Frama-C's generated contract for this snprintf call
   (its -variadic plugin) assigns buf[0 ..] without an upper bound, which WP
   cannot use. Assumed is what C11 7.21.6.5 promises: nothing is written
   beyond the 40 bytes. (That the digits are right is the tests' part.) */
#ifdef __FRAMAC__
/*@ requires \valid(buf + (0 .. 39)) && 0 <= prec <= 16;
    assigns buf[0 .. 39];
 */
static void print_e(char buf[40], int prec, double v);
#else
static void print_e(char buf[40], int prec, double v)
{
    snprintf(buf, 40, "%.*e", prec, v);
}
#endif

/* Significant digits of a positive finite double with p digits, as the
   nearest p-digit decimal: digits into d (NUL-terminated, no leading or
   trailing zeros), *n10 = ECMAScript's n (value = 0.d * 10^n). Returns
   strlen(d): the callers track the lengths, which WP cannot carry over
   writes into other buffers. */
/*@ requires 1 <= p <= 17;
    requires \valid(d + (0 .. 19)) && \valid(n10);
    requires \separated(d + (0 .. 19), n10);
    assigns d[0 .. 19], *n10;
    ensures digits(d, \result) && \result <= 18;
    ensures -10000 <= *n10 <= 10000;
 */
static size_t digits_p(double v, int p, char d[20], int *n10)
{
    char tmp[40];
    size_t i = 0, k = 0;
    int e = 0, neg = 0;
    print_e(tmp, p - 1, v);
    tmp[sizeof tmp - 1] = '\0'; /* as snprintf left it; restated for WP */
    /* "d.ddde+XX": take the digits, whatever the locale's decimal point. */
    /*@ loop invariant 0 <= i <= 39 && tmp[39] == '\0';
        loop invariant 0 <= k <= 18;
        loop invariant \forall integer j; 0 <= j < k ==> '0' <= d[j] <= '9';
        loop assigns i, k, d[0 .. 17];
        loop variant 39 - i;
     */
    for (; tmp[i] != '\0' && tmp[i] != 'e' && tmp[i] != 'E'; i++) {
        if (tmp[i] >= '0' && tmp[i] <= '9' && k < 18)
            d[k++] = tmp[i];
    }
    d[k] = '\0';
    //@ assert digits(d, k);
    /* The exponent, as atoi would read it (bounded: a double's has at most
       3 digits). */
    if (tmp[i] != '\0') {
        i++;
        if (tmp[i] == '-' || tmp[i] == '+') {
            neg = tmp[i] == '-';
            i++;
        }
        /*@ loop invariant 0 <= i <= 39 && 0 <= e <= 9999;
            loop assigns i, e;
            loop variant 39 - i;
         */
        for (; tmp[i] >= '0' && tmp[i] <= '9' && e < 1000; i++)
            e = 10 * e + (tmp[i] - '0');
    }
    *n10 = (neg ? -e : e) + 1;
    return k;
}

/* d without its first digit: d[1 .. k], the NUL included, moves down. */
/*@ requires \valid(d + (0 .. 19)) && 2 <= k && digits(d, k);
    assigns d[0 .. k - 1];
    ensures digits(d, k - 1);
 */
static void drop_first(char *d, size_t k)
{
    /* A byte loop, not memmove: the provers take too long over memmove's
       contract on overlapping blocks (and there are at most 19 bytes). */
    /*@ loop invariant 0 <= j <= k;
        loop invariant \forall integer m; 0 <= m < j ==>
                         d[m] == \at(d[m + 1], Pre);
        loop invariant \forall integer m; j <= m <= k ==>
                         d[m] == \at(d[m], Pre);
        loop assigns j, d[0 .. k - 1];
        loop variant k - j;
     */
    for (size_t j = 0; j < k; j++)
        d[j] = d[j + 1];
}

/* Strip trailing zeros; a leading zero (from a decrement) lowers n. */
/*@ requires \valid(d + (0 .. 19)) && \valid(n10);
    requires \separated(d + (0 .. 19), n10);
    requires digits(d, k);
    requires -16000 <= *n10 <= 16000;
    assigns d[0 .. 19], *n10;
    ensures digits(d, \result) && \result <= k;
    ensures \old(*n10) - 19 <= *n10 <= \old(*n10);
 */
static size_t normalize(char *d, size_t k, int *n10)
{
    /*@ loop invariant 0 <= k <= \at(k, Pre) && digits(d, k);
        loop assigns k, d[0 .. 19];
        loop variant k;
     */
    while (k > 1 && d[k - 1] == '0')
        d[--k] = '\0';
    /*@ loop invariant 0 <= k <= \at(k, LoopEntry) && digits(d, k);
        loop invariant *n10 == \at(*n10, LoopEntry) - (\at(k, LoopEntry) - k);
        loop assigns k, d[0 .. 19], *n10;
        loop variant k;
     */
    while (d[0] == '0' && d[1] != '\0') {
        drop_first(d, k);
        k--;
        (*n10)--;
    }
    return k;
}

/* The double that the k digits d with exponent n10 read as (0.d * 10^n). */
/*@ requires \valid_read(d + (0 .. 19)) && digits(d, k);
    requires -20000 <= n10 <= 20000;
    assigns \nothing;
 */
static double read_back(const char *d, size_t k, int n10)
{
    char s[48];
    size_t o = k + 1;
    int e = n10 - (int)k;
    /* "DIGITSe<exp>": no decimal point, so the locale cannot interfere.
       (Written by hand, as snprintf's "%se%d" would: WP cannot use
       Frama-C's contract for snprintf.) */
    memcpy(s, d, k);
    s[k] = 'e';
    if (e < 0)
        s[o++] = '-';
    o += put_dec(s + o, (unsigned long long)(e < 0 ? -e : e));
    s[o] = '\0';
    return strtod(s, NULL);
}

/* 1 and then d: the carry out of 999 + 1 = 1000 (the NUL moves too). */
/*@ requires \valid(d + (0 .. 19)) && k <= 18 && digits(d, k);
    assigns d[0 .. k + 1];
    ensures digits(d, k + 1);
 */
static void prepend_one(char *d, size_t k)
{
    size_t j = k + 1;
    /* A byte loop, not memmove (as in drop_first). */
    /*@ loop invariant 0 <= j <= k + 1;
        loop invariant \forall integer m; j < m <= k + 1 ==>
                         d[m] == \at(d[m - 1], Pre);
        loop invariant \forall integer m; 0 <= m <= j ==>
                         d[m] == \at(d[m], Pre);
        loop assigns j, d[1 .. k + 1];
        loop variant j;
     */
    while (j > 0) {
        d[j] = d[j - 1];
        j--;
    }
    d[0] = '1';
}

/* d (k digits) +/- one unit in the last place (as a decimal digit
   string); returns the new length. */
/*@ requires \valid(d + (0 .. 19)) && \valid(n10);
    requires \separated(d + (0 .. 19), n10);
    requires digits(d, k) && k <= 18;
    requires -15000 <= *n10 <= 15000;
    assigns d[0 .. 19], *n10;
    ensures digits(d, \result) && \result <= 19;
    ensures \old(*n10) - 19 <= *n10 <= \old(*n10) + 1;
 */
static size_t step_digits(char d[20], size_t k, int *n10, int up)
{
    size_t i = k;
    size_t len = k;
    if (up) {
        /*@ loop invariant 0 <= i <= k && digits(d, k);
            loop invariant \forall integer j; i <= j < k ==> d[j] == '0';
            loop assigns i, d[0 .. 19];
            loop variant i;
         */
        while (i > 0 && d[i - 1] == '9')
            d[--i] = '0';
        if (i == 0) { /* 999 + 1 = 1000: one more digit, n grows */
            prepend_one(d, k);
            len = k + 1;
            (*n10)++;
        } else {
            d[i - 1]++;
            //@ assert digits(d, k);
        }
    } else {
        /*@ loop invariant 0 <= i <= k && digits(d, k);
            loop assigns i, d[0 .. 19];
            loop variant i;
         */
        while (i > 0 && d[i - 1] == '0')
            d[--i] = '9';
        if (i > 0)
            d[i - 1]--;
        //@ assert digits(d, k);
    }
    return normalize(d, len, n10);
}

/* d (with exponent n10, as read_back) against v: 0 if it reads back as v,
   -1 if below, 1 if above (or unordered). The double comparisons live
   here, apart from the digit logic: the provers behind WP reject goals
   that carry floating-point facts, and this contract has none. */
/*@ requires \valid_read(d + (0 .. 19)) && digits(d, k);
    requires -20000 <= n10 <= 20000;
    assigns \nothing;
    ensures -1 <= \result <= 1;
 */
static int cmp_back(const char *d, size_t k, int n10, double v)
{
    double b = read_back(d, k, n10);
    return b == v ? 0 : b < v ? -1 : 1;
}

/* dst = src (k digits and the NUL). */
/*@ requires \valid(dst + (0 .. 19)) && \valid_read(src + (0 .. 19));
    requires \separated(dst + (0 .. 19), src + (0 .. 19));
    requires digits(src, k);
    assigns dst[0 .. 19];
    ensures digits(dst, k);
 */
static void copy_digits(char *dst, const char *src, size_t k)
{
    memcpy(dst, src, k + 1);
    //@ assert \forall integer i; 0 <= i <= k ==> dst[i] == src[i];
}

/* Shortest round-tripping digits of positive finite v (ECMAScript
   Number::toString step 5: smallest k, and of those the closest); returns
   their count. That v is positive and finite matters for the digits, not
   for safety, so the contracts leave it out (floating-point hypotheses
   stall the provers). */
/*@ requires \valid(d + (0 .. 19)) && \valid(n10);
    requires \separated(d + (0 .. 19), n10);
    assigns d[0 .. 19], *n10;
    ensures digits(d, \result) && \result <= 18;
    ensures -20000 <= *n10 <= 20000;
 */
static size_t shortest(double v, char d[20], int *n10)
{
    size_t kd = 0;
    /*@ loop invariant 1 <= p <= 18;
        loop invariant p > 1 ==> digits(d, kd) && kd <= 18 &&
                                 -20000 <= *n10 <= 20000;
        loop assigns p, kd, d[0 .. 19], *n10;
        loop variant 18 - p;
     */
    for (int p = 1; p <= 17; p++) {
        char e[20];
        size_t ke = digits_p(v, p, d, n10);
        copy_digits(e, d, ke); /* all p digits, for the step below */
        int ne = *n10;
        kd = normalize(d, ke, n10);
        int c = cmp_back(d, kd, *n10, v);
        if (c == 0)
            return kd;
        /* The nearest p-digit decimal misses when v's rounding interval is
           lopsided (v a power of two); the neighbour on v's other side, one
           unit in the p-th digit away, may still lie inside it. The
           same-side neighbour is farther, so it cannot. */
        ke = step_digits(e, ke, &ne, c < 0);
        if (ke <= (size_t)p && cmp_back(e, ke, ne, v) == 0) {
            copy_digits(d, e, ke);
            *n10 = ne;
            return ke;
        }
    }
    /* 17 digits always round-trip; not reached. */
    return kd;
}

/* Lay out digits d with exponent n (value 0.d * 10^n) at out, per
   ECMAScript Number::toString; returns the length (no NUL written). Kept
   apart from fmt_number so that its goals carry no floating-point facts. */
/*@ requires \valid(out + (0 .. 29)) && \valid_read(d + (0 .. 19));
    requires \separated(out + (0 .. 29), d + (0 .. 19));
    requires digits(d, len) && len <= 18;
    requires -20000 <= n <= 20000;
    assigns out[0 .. 29];
    ensures \result <= 29;
 */
static size_t layout(char *out, const char *d, size_t len, int n)
{
    size_t o = 0;
    int k = (int)len;
    if (k <= n && n <= 21) { /* digits, then n - k zeros */
        memcpy(out, d, (size_t)k);
        o += (size_t)k;
        /*@ loop invariant k <= i <= n && o == (size_t)k + (size_t)(i - k);
            loop assigns i, o, out[0 .. 29];
            loop variant n - i;
         */
        for (int i = k; i < n; i++)
            out[o++] = '0';
    } else if (0 < n && n < k) { /* point inside the digits (n <= 21) */
        memcpy(out, d, (size_t)n);
        o += (size_t)n;
        out[o++] = '.';
        memcpy(out + o, d + n, (size_t)(k - n));
        o += (size_t)(k - n);
    } else if (-6 < n && n <= 0) { /* 0.000ddd */
        out[o++] = '0';
        out[o++] = '.';
        /*@ loop invariant n <= i <= 0 && o == 2 + (size_t)(i - n);
            loop assigns i, o, out[0 .. 29];
            loop variant -i;
         */
        for (int i = n; i < 0; i++)
            out[o++] = '0';
        memcpy(out + o, d, (size_t)k);
        o += (size_t)k;
    } else { /* d.ddde+X / d.ddde-X */
        int e = n - 1;
        out[o++] = d[0];
        if (k > 1) {
            out[o++] = '.';
            memcpy(out + o, d + 1, (size_t)(k - 1));
            o += (size_t)(k - 1);
        }
        out[o++] = 'e';
        out[o++] = e < 0 ? '-' : '+';
        o += put_dec(out + o, (unsigned long long)(e < 0 ? -e : e));
    }
    return o;
}

/* a against b: -1 if below, 0 if equal, 1 if above or unordered. The
   double comparisons of whole_number live here (as cmp_back's): the
   provers behind WP fail on goals whose hypotheses carry floating-point
   facts, and this contract has none. */
/*@ assigns \nothing;
    ensures -1 <= \result <= 1;
 */
static int cmp_double(double a, double b)
{
    return a == b ? 0 : a < b ? -1 : 1;
}

#ifdef __FRAMAC__
/* Frama-C 25's libc declares llrint without a specification; this is
   what C11 (7.12.9.5) promises: an integer, no undefined behaviour (out of
   range the value is unspecified and FE_INVALID may be raised). */
/*@ assigns \result \from v; */
extern long long int llrint(double v);
#endif

/* 1 if v is a whole number in 1 .. 2^53 - 1, stored in *u; else 0.
   No float-to-integer cast, whose range goal the provers cannot derive
   from a floating-point test: llrint rounds v to an integer without
   undefined behaviour (out of range, its result is unspecified). If that
   integer lies in 1 .. 2^53 - 1 it converts back to a double exactly, so
   it equals v only when v is that whole number. */
/*@ requires \valid(u);
    assigns *u;
    ensures \result == 0 || \result == 1;
 */
static int whole_number(double v, unsigned long long *u)
{
    long long w = llrint(v);
    if (w <= 0 || w >= 9007199254740992 || /* 2^53 */
        cmp_double((double)w, v) != 0)
        return 0;
    *u = (unsigned long long)w;
    return 1;
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
    unsigned long long u = 0;
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
    if (whole_number(v, &u)) {
        /* Integers below 2^53 print all their digits, and only those;
           a digit loop, as snprintf dominated encoding (bench/). */
        o += put_dec(buf + o, u);
        buf[o] = '\0';
        return o;
    }
    size_t k = shortest(v, d, &n);
    o += layout(buf + o, d, k, n);
    buf[o] = '\0';
    return o;
}

/* ---- strings ---------------------------------------------------------------- */

/* The JSON.stringify escape of byte c (a control byte, '"' or '\\') at
   esc; returns its length, 2 or 6. Apart from put_string's loop, whose
   goals it would swamp: each case is a path. */
/*@ requires \valid(esc + (0 .. 5));
    assigns esc[0 .. 5];
    ensures \result == 2 || \result == 6;
 */
static size_t escape(unsigned char c, char *esc)
{
    static const char hex[] = "0123456789abcdef";
    esc[0] = '\\';
    switch (c) {
    case '"': esc[1] = '"'; return 2;
    case '\\': esc[1] = '\\'; return 2;
    case '\b': esc[1] = 'b'; return 2;
    case '\f': esc[1] = 'f'; return 2;
    case '\n': esc[1] = 'n'; return 2;
    case '\r': esc[1] = 'r'; return 2;
    case '\t': esc[1] = 't'; return 2;
    default:
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = hex[c / 16];
        esc[5] = hex[c % 16];
        return 6;
    }
}

/* s[0 .. len-1] as JSON.stringify quotes it: \" \\ \b \f \n \r \t, other
   bytes below 0x20 as \u00xx (lower-case hex), everything else raw UTF-8.
   The caller passes strlen(s): bounding the walk by it, not by the NUL,
   keeps it safe for WP, which cannot tell that the output buffer's writes
   leave s alone. Runs of bytes that need no escape are copied whole. */
/*@ requires out_ok(o) && \valid_read(s + (0 .. len - 1));
    assigns *o, __fc_heap_status, keel_heap[..];
    ensures out_ok(o);
 */
static void put_string(struct out *o, const char *s, size_t len)
{
    size_t run = 0; /* s[run .. i-1] need no escape, not yet written */
    char esc[6];
    put(o, "\"", 1);
    /*@ loop invariant out_ok(o);
        loop invariant 0 <= run <= i <= len;
        loop assigns i, run, esc[0 .. 5], *o, __fc_heap_status,
                     keel_heap[..];
        loop variant len - i;
     */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(o, s + run, i - run);
        run = i + 1;
        put(o, esc, escape(c, esc));
    }
    put(o, s + run, len - run);
    put(o, "\"", 1);
}

/* ---- values --------------------------------------------------------------------- */

/* v at nesting depth `depth` (the top-level value at 0). KEEL_E_INVALID for
   a value JSON cannot carry here: a raw node, a key or string that is not
   valid UTF-8, or a container that would open more than
   KEEL_JSON_DEPTH_MAX levels, which decode refuses (G3). */
/*@ requires out_ok(o) && json_node(v) && depth <= KEEL_JSON_DEPTH_MAX;
    assigns *o, __fc_heap_status, keel_heap[..], keel_node_heap[..];
    ensures out_ok(o);
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status put_value(struct out *o, const keel_json *v, size_t depth);

/*@ requires out_ok(o) && json_node(v) && depth < KEEL_JSON_DEPTH_MAX;
    assigns *o, __fc_heap_status, keel_heap[..], keel_node_heap[..];
    ensures out_ok(o);
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
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
    /*@ loop invariant out_ok(o) && 0 <= i <= n;
        loop invariant c == \null || json_node(c);
        loop invariant st == KEEL_OK || st == KEEL_E_NOMEM ||
                       st == KEEL_E_INVALID;
        loop assigns i, c, st, *o, __fc_heap_status, keel_heap[..],
                     keel_node_heap[..];
        loop variant n - i;
     */
    for (size_t i = 0; i < n && st == KEEL_OK; i++) {
        if (order != NULL) {
            c = order[i];
            /* keel_tree_js_order made order[] this call's own block, and
               the output buffer never overlaps it (realloc hands out fresh
               memory). WP 25 cannot express freshness: to it, writes into
               the buffer may have changed order[], so this is assumed. */
            //@ admit json_node(c);
        } else {
            c = c == NULL ? keel_json_first(v) : keel_json_next(c);
        }
        /* c is never NULL (n members), but the contracts do not say so. */
        const char *key = c != NULL ? keel_json_key(c) : NULL;
        if (key == NULL || !keel_tree_utf8_ok(key)) {
            st = KEEL_E_INVALID;
            break;
        }
        size_t klen = strlen(key);
        if (i > 0)
            put(o, ",", 1);
        newline(o, depth + 1);
        put_string(o, key, klen);
        put(o, ": ", 2);
        st = put_value(o, c, depth + 1);
    }
    free_nodes(order);
    newline(o, depth);
    put(o, "}", 1);
    return st;
}

/*@ requires out_ok(o) && json_node(v) && depth < KEEL_JSON_DEPTH_MAX;
    assigns *o, __fc_heap_status, keel_heap[..], keel_node_heap[..];
    ensures out_ok(o);
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
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
    /*@ loop invariant out_ok(o);
        loop invariant c == \null || json_node(c);
        loop invariant st == KEEL_OK || st == KEEL_E_NOMEM ||
                       st == KEEL_E_INVALID;
        loop assigns c, st, *o, __fc_heap_status, keel_heap[..],
                     keel_node_heap[..];
     */
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
        put(o, "false", 5);
        return KEEL_OK;
    case KEEL_J_TRUE:
        put(o, "true", 4);
        return KEEL_OK;
    case KEEL_J_NULL:
        put(o, "null", 4);
        return KEEL_OK;
    case KEEL_J_NUMBER:
        put(o, num, fmt_number(keel_json_number(v), num));
        return KEEL_OK;
    case KEEL_J_STRING:
        /* Only valid UTF-8 is written, so the output always decodes (G3). */
        s = keel_json_string(v);
        if (s == NULL || !keel_tree_utf8_ok(s))
            return KEEL_E_INVALID;
        put_string(o, s, strlen(s));
        return KEEL_OK;
    case KEEL_J_ARRAY:
        /* One level more than decode accepts would make the file
           unreadable (G3). */
        if (depth >= KEEL_JSON_DEPTH_MAX)
            return KEEL_E_INVALID;
        return put_array(o, v, depth);
    case KEEL_J_OBJECT:
        if (depth >= KEEL_JSON_DEPTH_MAX)
            return KEEL_E_INVALID;
        return put_object(o, v, depth);
    default: /* raw or invalid nodes: never produced by decode */
        return KEEL_E_INVALID;
    }
}

/* The error record of a failed encoding. */
/*@ requires \valid(err);
    assigns *err;
    ensures err->status == st;
 */
static void encode_error(struct keel_err *err, keel_status st)
{
    keel_err_set(err, st, KEEL_STEP_ENCODE, 0, NULL);
    err->defect = KEEL_DEFECT_NONE;
    err->offset = -1;
    err->json_path[0] = '\0';
    err->message = st == KEEL_E_NOMEM
                       ? "out of memory"
                       : "the model holds a value JSON cannot carry";
}

keel_status keel_codec_encode(const struct keel_registry *r, char **out,
                              size_t *len, struct keel_err *err)
{
    struct out o = {NULL, 0, 0, 0};
    //@ ghost keel_registry_open(r);
    keel_status st = put_value(&o, keel_registry_doc_const(r), 0);
    put(&o, "\n", 2); /* the newline, and a NUL not counted in *len */
    if (st == KEEL_OK && o.nomem)
        st = KEEL_E_NOMEM;
    *out = NULL;
    *len = 0;
    if (st != KEEL_OK) {
        free(o.p);
        if (err != NULL)
            encode_error(err, st);
        return st;
    }
    o.p[o.len - 1] = '\0'; /* as put left it; restated for WP */
    *out = o.p;
    *len = o.len - 1;
    return KEEL_OK;
}
