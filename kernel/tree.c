/*
 * tree.c - the plain tree helpers of tree.h: case-sensitive member lookup,
 * in-place set and remove, deep copy, JavaScript key order, equality as
 * "encodes to the same bytes", and the UTF-8 check. registry.c, codec.c,
 * encode.c and merge.c build on them. Nodes are read and edited only
 * through cjson_glue.h, whose contracts are the trusted base of the proof.
 *
 * Proof notes (make prove)
 *   - Sibling walks (keel_json_first / keel_json_next until NULL) carry no
 *     loop variant: sibling lists are not modelled, and their being
 *     NULL-terminated and acyclic is assumed (spec/json_model.h).
 *   - keel_tree_equal and objects_equal call each other, once per level of
 *     nesting; WP proves them against each other's contracts and there is
 *     no termination goal. The depth is bounded by the decoder's depth
 *     limit (json_check.h), and every tree the kernel builds is a copy or a
 *     few levels above such trees.
 *   - The members of an object are walked twice by keel_tree_js_order (to
 *     count them, then to fill the array). WP does not know that the second
 *     walk meets the same members as the first, so the second one checks
 *     its bounds; nothing changes the tree in between.
 */
#include "tree.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __FRAMAC__
/* WP proves allocation against spec/alloc_model.h (see there why). The
   only blocks allocated here are arrays of node pointers. */
#define malloc(size) keel_model_malloc_nodes(size)
#define free(p) keel_model_free_nodes(p)
#endif

/* The most members keel_tree_js_order orders. Unreachable: each member is
   a cJSON node of more than 32 bytes; it keeps the array sizes below (the
   order plus the sort's scratch space) from overflowing. */
#define KEEL_TREE_MEMBERS_MAX (SIZE_MAX / (4 * sizeof(keel_json *)))

/* ---- plain tree helpers ---------------------------------------------------- */

keel_json *keel_tree_get(const keel_json *obj, const char *key)
{
    if (obj == NULL || keel_json_kind(obj) != KEEL_J_OBJECT)
        return NULL;
    /*@ loop invariant c == \null || json_node(c);
        loop assigns c;
     */
    for (keel_json *c = keel_json_first(obj); c != NULL;
         c = keel_json_next(c)) {
        const char *k = keel_json_key(c);
        if (k != NULL && strcmp(k, key) == 0)
            return c;
    }
    return NULL;
}

keel_status keel_tree_set(keel_json *obj, const char *key, keel_json *item)
{
    if (item == NULL)
        return KEEL_E_INVALID;
    if (obj == NULL || keel_json_kind(obj) != KEEL_J_OBJECT) {
        keel_json_delete(item);
        return KEEL_E_INVALID;
    }
    keel_json *old = keel_tree_get(obj, key);
    if (old == NULL) {
        /* A new key goes last, as a JavaScript assignment appends it. */
        return keel_json_add(obj, key, item) ? KEEL_OK : KEEL_E_NOMEM;
    }
    if (old == item)
        return KEEL_OK;
    /* Replace in place: the member keeps its position. The key string moves
       from the old node to the new one, so nothing is allocated. */
    keel_json_replace(obj, old, item);
    return KEEL_OK;
}

int keel_tree_remove(keel_json *obj, const char *key)
{
    keel_json *old = keel_tree_get(obj, key);
    if (old == NULL)
        return 0;
    keel_json_remove(obj, old);
    return 1;
}

keel_json *keel_tree_dup(const keel_json *x)
{
    return keel_json_dup(x);
}

int keel_tree_index_key(const char *key, unsigned long *value)
{
    unsigned long v = 0;
    size_t i = 0;
    if (key[0] < '0' || key[0] > '9')
        return 0;
    if (key[0] == '0' && key[1] != '\0')
        return 0; /* "01" is an ordinary string key in JavaScript */
    /* At most 10 digits: v < 10^i, so v * 10 + 9 cannot overflow. */
    /*@ loop invariant 0 <= i <= 10;
        loop invariant i <= strlen(key);
        loop invariant i == 0 ==> v == 0;
        loop invariant i <= 1 ==> v < 10;
        loop invariant i <= 2 ==> v < 100;
        loop invariant i <= 3 ==> v < 1000;
        loop invariant i <= 4 ==> v < 10000;
        loop invariant i <= 5 ==> v < 100000;
        loop invariant i <= 6 ==> v < 1000000;
        loop invariant i <= 7 ==> v < 10000000;
        loop invariant i <= 8 ==> v < 100000000;
        loop invariant i <= 9 ==> v < 1000000000;
        loop invariant v < 10000000000;
        loop assigns i, v;
        loop variant 10 - i;
     */
    for (i = 0; key[i] != '\0'; i++) {
        if (key[i] < '0' || key[i] > '9' || i >= 10)
            return 0;
        v = v * 10u + (unsigned long)(key[i] - '0');
    }
    /* Array indexes stop at 2^32 - 2; "4294967295" is a plain key. */
    if (v > 4294967294ul)
        return 0;
    if (value != NULL)
        *value = v;
    return 1;
}

/* 1 if member c's key is an array index. */
/*@ requires json_node(c);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int index_keyed(const keel_json *c)
{
    const char *k = keel_json_key(c);
    return k != NULL && keel_tree_index_key(k, NULL);
}

/* The array index member c's key names (0 if it names none). */
/*@ requires json_node(c);
    assigns \nothing;
 */
static unsigned long index_of(const keel_json *c)
{
    unsigned long v = 0;
    const char *k = keel_json_key(c);
    if (k != NULL)
        (void)keel_tree_index_key(k, &v);
    return v;
}

/* Merge the runs src[lo .. mid - 1] and src[mid .. hi - 1], each sorted by
   index, into dst[lo .. hi - 1]; on a tie the left run goes first. */
/*@ requires lo <= mid <= hi;
    requires \valid_read(src + (lo .. hi - 1)) && \valid(dst + (lo .. hi - 1));
    requires \separated(src + (lo .. hi - 1), dst + (lo .. hi - 1));
    requires \forall integer k; lo <= k < hi ==> json_node(src[k]);
    assigns dst[lo .. hi - 1];
    ensures \forall integer k; lo <= k < hi ==> json_node(dst[k]);
 */
static void merge_runs(keel_json *const *src, keel_json **dst, size_t lo,
                       size_t mid, size_t hi)
{
    size_t a = lo, b = mid;
    /*@ loop invariant lo <= a <= mid <= b <= hi;
        loop invariant k == a + b - mid;
        loop invariant \forall integer q; lo <= q < k ==> json_node(dst[q]);
        loop assigns k, a, b, dst[lo .. hi - 1];
        loop variant hi - k;
     */
    for (size_t k = lo; k < hi; k++) {
        if (a < mid && (b == hi || index_of(src[a]) <= index_of(src[b])))
            dst[k] = src[a++];
        else
            dst[k] = src[b++];
    }
}

/* Sort v[0 .. n - 1] by index (a bottom-up merge sort through tmp, which
   holds n entries). Keys are distinct, so any sort gives the same order;
   this one is O(n log n) for any input and needs no comparator pointer. */
/*@ requires n <= KEEL_TREE_MEMBERS_MAX;
    requires \valid(v + (0 .. n - 1)) && \valid(tmp + (0 .. n - 1));
    requires \separated(v + (0 .. n - 1), tmp + (0 .. n - 1));
    requires \forall integer k; 0 <= k < n ==> json_node(v[k]);
    assigns v[0 .. n - 1], tmp[0 .. n - 1];
    ensures \forall integer k; 0 <= k < n ==> json_node(v[k]);
 */
static void sort_by_index(keel_json **v, keel_json **tmp, size_t n)
{
    keel_json **src = v, **dst = tmp;
    /*@ loop invariant 1 <= w;
        loop invariant (src == v && dst == tmp) || (src == tmp && dst == v);
        loop invariant \forall integer k; 0 <= k < n ==> json_node(src[k]);
        loop assigns w, src, dst, v[0 .. n - 1], tmp[0 .. n - 1];
        loop variant n - w;
     */
    for (size_t w = 1; w < n; w *= 2) {
        size_t hi = 0;
        /*@ loop invariant 0 <= lo <= n;
            loop invariant \forall integer k; 0 <= k < n ==> json_node(src[k]);
            loop invariant \forall integer k; 0 <= k < lo ==> json_node(dst[k]);
            loop assigns lo, hi, dst[0 .. n - 1];
            loop variant n - lo;
         */
        for (size_t lo = 0; lo < n; lo = hi) {
            size_t mid = n - lo > w ? lo + w : n;
            hi = n - mid > w ? mid + w : n;
            merge_runs(src, dst, lo, mid, hi);
        }
        keel_json **t = src;
        src = dst;
        dst = t;
    }
    if (src != v) {
        /*@ loop invariant 0 <= k <= n;
            loop invariant \forall integer q; 0 <= q < k ==> json_node(v[q]);
            loop invariant \forall integer q; 0 <= q < n ==> json_node(src[q]);
            loop assigns k, v[0 .. n - 1];
            loop variant n - k;
         */
        for (size_t k = 0; k < n; k++)
            v[k] = src[k];
    }
}

keel_status keel_tree_js_order(const keel_json *obj, keel_json ***out,
                               size_t *n)
{
    size_t count = 0, nidx = 0;
    *out = NULL;
    *n = 0;
    if (obj == NULL)
        return KEEL_OK;
    /*@ loop invariant c == \null || json_node(c);
        loop invariant 0 <= nidx <= count <= KEEL_TREE_MEMBERS_MAX;
        loop assigns c, count, nidx;
     */
    for (const keel_json *c = keel_json_first(obj); c != NULL;
         c = keel_json_next(c)) {
        if (count == KEEL_TREE_MEMBERS_MAX)
            return KEEL_E_NOMEM;
        count++;
        nidx += (size_t)index_keyed(c);
    }
    *n = count;
    if (nidx == 0)
        return KEEL_OK;
    /* The order, then nidx entries of scratch space for the sort. */
    keel_json **v = malloc((count + nidx) * sizeof *v);
    if (v == NULL)
        return KEEL_E_NOMEM;
    size_t i = 0, j = nidx;
    /*@ loop invariant c == \null || json_node(c);
        loop invariant 0 <= i <= nidx <= j <= count;
        loop invariant \forall integer k; 0 <= k < i ==> json_node(v[k]);
        loop invariant \forall integer k; nidx <= k < j ==> json_node(v[k]);
        loop assigns c, i, j, v[0 .. count - 1];
     */
    for (keel_json *c = keel_json_first(obj); c != NULL;
         c = keel_json_next(c)) {
        if (index_keyed(c)) {
            if (i == nidx)
                break;
            v[i++] = c;
        } else {
            if (j == count)
                break;
            v[j++] = c;
        }
    }
    if (i != nidx || j != count) {
        /* The members changed between the walks: cannot happen. */
        free(v);
        *n = 0;
        return KEEL_E_INVALID;
    }
    sort_by_index(v, v + count, nidx);
    *out = v;
    return KEEL_OK;
}

/* Member i of obj in JavaScript order: from the array if there is one,
   else the next stored member after prev. */
/*@ requires json_node(obj) && (prev == \null || json_node(prev));
    requires order != \null ==> \valid_read(order + i) && json_node(order[i]);
    assigns \nothing;
    ensures \result == \null || json_node(\result);
 */
static const keel_json *nth_member(const keel_json *obj, keel_json **order,
                                   size_t i, const keel_json *prev)
{
    if (order != NULL)
        return order[i];
    return prev == NULL ? keel_json_first(obj) : keel_json_next(prev);
}

/*@ requires json_node(a) && json_node(b);
    assigns __fc_heap_status, keel_node_heap[..];
    ensures \result == 0 || \result == 1;
 */
static int objects_equal(const keel_json *a, const keel_json *b)
{
    keel_json **oa = NULL, **ob = NULL;
    size_t na = 0, nb = 0;
    int eq = 1;
    if (keel_tree_js_order(a, &oa, &na) != KEEL_OK ||
        keel_tree_js_order(b, &ob, &nb) != KEEL_OK || na != nb) {
        eq = 0; /* also on allocation failure: "not known to be equal" */
    } else {
        const keel_json *x = NULL, *y = NULL;
        /*@ loop invariant 0 <= i <= na;
            loop invariant eq == 0 || eq == 1;
            loop invariant x == \null || json_node(x);
            loop invariant y == \null || json_node(y);
            loop assigns i, eq, x, y, __fc_heap_status, keel_node_heap[..];
            loop variant na - i;
         */
        for (size_t i = 0; i < na && eq; i++) {
            /* oa and ob are this call's own blocks, which the recursive
               keel_tree_equal below leaves alone (it frees what it
               allocates, and a fresh block never overlaps a live one).
               WP 25 cannot express freshness: to it, that call may have
               rewritten them, so this is assumed. */
            //@ admit oa != \null ==> json_node(oa[i]);
            //@ admit ob != \null ==> json_node(ob[i]);
            x = nth_member(a, oa, i, x);
            y = nth_member(b, ob, i, y);
            if (x == NULL || y == NULL) {
                eq = 0; /* fewer members than counted: cannot happen */
                break;
            }
            const char *kx = keel_json_key(x), *ky = keel_json_key(y);
            eq = kx != NULL && ky != NULL && strcmp(kx, ky) == 0 &&
                 keel_tree_equal(x, y);
        }
    }
    free(oa);
    free(ob);
    return eq;
}

int keel_tree_equal(const keel_json *a, const keel_json *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    keel_jkind ta = keel_json_kind(a), tb = keel_json_kind(b);
    if (ta != tb)
        return 0;
    switch (ta) {
    case KEEL_J_FALSE:
    case KEEL_J_TRUE:
    case KEEL_J_NULL:
        return 1;
    case KEEL_J_NUMBER: {
        double va = keel_json_number(a), vb = keel_json_number(b);
        /* 0 and -0 both print "0"; non-finite values both print "null". */
        if (!isfinite(va) || !isfinite(vb))
            return !isfinite(va) && !isfinite(vb);
        return va == vb;
    }
    case KEEL_J_STRING:
    case KEEL_J_RAW: {
        const char *sa = keel_json_string(a), *sb = keel_json_string(b);
        if (sa == NULL || sb == NULL)
            return sa == sb;
        return strcmp(sa, sb) == 0;
    }
    case KEEL_J_ARRAY: {
        const keel_json *x = keel_json_first(a), *y = keel_json_first(b);
        /*@ loop invariant x == \null || json_node(x);
            loop invariant y == \null || json_node(y);
            loop assigns x, y, __fc_heap_status, keel_node_heap[..];
         */
        for (; x != NULL && y != NULL;
             x = keel_json_next(x), y = keel_json_next(y)) {
            if (!keel_tree_equal(x, y))
                return 0;
        }
        return x == NULL && y == NULL;
    }
    case KEEL_J_OBJECT:
        return objects_equal(a, b);
    default:
        return 0;
    }
}

int keel_tree_utf8_ok(const char *s)
{
    const char *p = s;
    /*@ loop invariant \base_addr(p) == \base_addr(s);
        loop invariant s <= p <= s + strlen(s);
        loop assigns p;
        loop variant s + strlen(s) - p;
     */
    while (*p != '\0') {
        unsigned c = (unsigned char)*p;
        size_t n;
        unsigned cp, min;
        if (c < 0x80) {
            p++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c - 0xC0, min = 0x80; /* the low 5 bits */
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c - 0xE0, min = 0x800; /* the low 4 bits */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c - 0xF0, min = 0x10000; /* the low 3 bits */
        } else {
            return 0;
        }
        /* Each step adds 6 bits: cp < 2^(5 + 6 * (i - 1)). */
        /*@ loop invariant 1 <= i <= n + 1;
            loop invariant p + i <= s + strlen(s);
            loop invariant i <= 1 ==> cp < 0x20;
            loop invariant i <= 2 ==> cp < 0x800;
            loop invariant i <= 3 ==> cp < 0x20000;
            loop invariant cp < 0x800000;
            loop assigns i, cp;
            loop variant n + 1 - i;
         */
        for (size_t i = 1; i <= n; i++) {
            /* A continuation byte is 10xxxxxx; its 6 low bits follow.
               (Arithmetic, not masks and shifts: the provers need it.) */
            unsigned b = (unsigned char)p[i];
            if (b < 0x80 || b > 0xBF)
                return 0; /* also stops at the NUL */
            cp = cp * 64 + (b - 0x80);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n + 1;
    }
    return 1;
}
