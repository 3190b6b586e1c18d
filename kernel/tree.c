/*
 * tree.c - the plain tree helpers of tree.h: case-sensitive member lookup,
 * in-place set and remove, deep copy, JavaScript key order, equality as
 * "encodes to the same bytes", and the UTF-8 check. registry.c, codec.c,
 * encode.c and merge.c build on them. Nodes are read and edited only
 * through cjson_glue.h, whose contracts are the trusted base of the proof.
 */
#include "tree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- plain tree helpers ---------------------------------------------------- */

keel_json *keel_tree_get(const keel_json *obj, const char *key)
{
    if (obj == NULL || keel_json_kind(obj) != KEEL_J_OBJECT)
        return NULL;
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

/* qsort comparator: index-keyed members by numeric value. */
static int cmp_index_key(const void *a, const void *b)
{
    unsigned long va = 0, vb = 0;
    const keel_json *x = *(const keel_json *const *)a;
    const keel_json *y = *(const keel_json *const *)b;
    (void)keel_tree_index_key(keel_json_key(x), &va);
    (void)keel_tree_index_key(keel_json_key(y), &vb);
    return (va > vb) - (va < vb);
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

keel_status keel_tree_js_order(const keel_json *obj, keel_json ***out,
                               size_t *n)
{
    size_t count = 0, nidx = 0;
    *out = NULL;
    *n = 0;
    if (obj == NULL)
        return KEEL_OK;
    for (const keel_json *c = keel_json_first(obj); c != NULL;
         c = keel_json_next(c)) {
        count++;
        nidx += (size_t)index_keyed(c);
    }
    *n = count;
    if (nidx == 0)
        return KEEL_OK;
    keel_json **v = malloc(count * sizeof *v);
    if (v == NULL)
        return KEEL_E_NOMEM;
    size_t i = 0, j = nidx;
    for (keel_json *c = keel_json_first(obj); c != NULL;
         c = keel_json_next(c)) {
        if (index_keyed(c))
            v[i++] = c;
        else
            v[j++] = c;
    }
    qsort(v, nidx, sizeof *v, cmp_index_key);
    *out = v;
    return KEEL_OK;
}

/* Member i of obj in JavaScript order: from the array if there is one,
   else the next stored member after prev. */
/*@ requires json_node(obj) && (prev == \null || json_node(prev));
    requires order == \null || \valid_read(order + i);
    assigns \nothing;
 */
static const keel_json *nth_member(const keel_json *obj, keel_json **order,
                                   size_t i, const keel_json *prev)
{
    if (order != NULL)
        return order[i];
    return prev == NULL ? keel_json_first(obj) : keel_json_next(prev);
}

/*@ requires json_node(a) && json_node(b);
    assigns \nothing;
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
        for (size_t i = 0; i < na && eq; i++) {
            x = nth_member(a, oa, i, x);
            y = nth_member(b, ob, i, y);
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
    const unsigned char *p = (const unsigned char *)s;
    while (*p != 0) {
        unsigned c = *p;
        size_t n;
        unsigned cp, min;
        if (c < 0x80) {
            p++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0; /* also stops at the NUL */
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n + 1;
    }
    return 1;
}
