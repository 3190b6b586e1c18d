/*
 * merge.c - three-way merge of registries: applies the proved plan
 * (merge_plan.c) to the document trees. Semantics in merge.h.
 *
 * Steps of keel_merge:
 *   1. If fresh is base (nobody else wrote), the result is mine; if mine is
 *      base (the caller changed nothing), it is fresh. These are the laws
 *      merge(b, b, f) = f and merge(b, m, b) = m, exact to the byte.
 *   2. Otherwise rank every account name of the three registries in one
 *      strcmp order, flag the accounts mine changed against base (deep
 *      compare), and let keel_merge_plan decide which account comes from
 *      where.
 *   3. Start from a copy of fresh's document (fresh's key order is kept);
 *      drop fresh's accounts the plan does not keep; merge the caller's
 *      changed fields into the accounts both sides have; append the
 *      accounts only the caller has, in mine's order.
 *   4. Merge the globals per field (autoSwitch.* and api.* per sub-key),
 *      make the document a registry (keel_registry_wrap indexes it), merge
 *      activeAccountName, then clear one that names no account.
 * A field both sides changed to different values takes mine's value and
 * counts as a conflict, as does a change the caller made to an account
 * fresh deleted (the deletion stands).
 *
 * Proof: in make prove (Frama-C WP, RTE included, every function). Each
 * step takes its arrays as parameters and has a small contract of its
 * own; the orchestrating functions (plan_stage, apply_plan) pass facts on
 * in the form the next contract states them. Step 3 edits the document
 * only through the glue (json_heap) and makes the registry at the end, so
 * no registry struct is written here. Assumed: the contracts of the typed
 * malloc/free wrappers (alloc_ints ... free_nodes: one line of libc each,
 * compiled only by the C compiler; their contracts are spec/alloc_model.h's
 * allocator said by type), and the bridge keel_registry_open
 * (kernel/tree.h, spec/registry_model.h) where a registry's fields are read.
 */
#include "merge.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "merge_plan.h"
#include "name.h"
#include "tree.h"

/* Keys this file names. One function each (as codec.c does): WP proves
   each one a string once, in a context of its own, and every use gets
   valid_read_string afresh (a write since would otherwise hide it). */
/*@ assigns \nothing;
    ensures valid_read_string(\result) && \valid_read(\result + (0 .. 8));
 */
static const char *key_accounts(void)
{
    static const char s[] = "accounts";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result) && \valid_read(\result + (0 .. 17));
 */
static const char *key_active(void)
{
    static const char s[] = "activeAccountName";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_none(void)
{
    static const char s[] = "";
    return s;
}

/* ---- conflicts ------------------------------------------------------------ */

/* Copy s[0 .. len-1] to buf from index at on, truncated to the buffer and
   NUL terminated, as snprintf would; returns the index of the NUL. */
/*@ requires \valid(buf + (0 .. KEEL_JSON_PATH_MAX - 1));
    requires at < KEEL_JSON_PATH_MAX;
    requires \valid_read(s + (0 .. len - 1));
    assigns buf[at .. KEEL_JSON_PATH_MAX - 1];
    ensures at <= \result < KEEL_JSON_PATH_MAX;
 */
static size_t put_str(char *buf, size_t at, const char *s, size_t len)
{
    size_t i = 0;
    /*@ loop invariant 0 <= i <= len && at + i < KEEL_JSON_PATH_MAX;
        loop assigns i, buf[at .. KEEL_JSON_PATH_MAX - 1];
        loop variant len - i;
     */
    while (i < len && at + i < KEEL_JSON_PATH_MAX - 1) {
        buf[at + i] = s[i];
        i++;
    }
    buf[at + i] = '\0';
    return at + i;
}

/* The length of the path in buf (at most KEEL_JSON_PATH_MAX - 1). */
/*@ requires \valid_read(s + (0 .. KEEL_JSON_PATH_MAX - 1));
    assigns \nothing;
    ensures \result < KEEL_JSON_PATH_MAX;
 */
static size_t path_len(const char *s)
{
    size_t n = 0;
    /*@ loop invariant 0 <= n < KEEL_JSON_PATH_MAX;
        loop assigns n;
        loop variant KEEL_JSON_PATH_MAX - n;
     */
    while (n < KEEL_JSON_PATH_MAX - 1 && s[n] != '\0')
        n++;
    return n;
}

/* Count a conflict; the first one's path (path[0 .. len-1]) is kept. The
   count saturates (it cannot reach SIZE_MAX: each conflict is a field or
   an account). */
/*@ requires \valid(rep) && \valid_read(path + (0 .. len - 1));
    assigns rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
 */
static void conflict(struct keel_merge_report *rep, const char *path,
                     size_t len)
{
    if (rep->conflicts == 0)
        (void)put_str(rep->first, 0, path, len);
    if (rep->conflicts < SIZE_MAX)
        rep->conflicts++;
}

/* path[0 .. plen-1] "." key, or key alone at the top, into buf; truncated
   to the buffer. Returns the length. */
/*@ requires \valid(buf + (0 .. KEEL_JSON_PATH_MAX - 1));
    requires \valid_read(path + (0 .. plen - 1)) && valid_read_string(key);
    assigns buf[0 .. KEEL_JSON_PATH_MAX - 1];
    ensures \result < KEEL_JSON_PATH_MAX;
 */
static size_t join_path(char *buf, const char *path, size_t plen,
                        const char *key)
{
    size_t klen = strlen(key);
    size_t at = 0;
    if (plen != 0) {
        at = put_str(buf, 0, path, plen);
        if (at < KEEL_JSON_PATH_MAX - 1)
            buf[at++] = '.';
    }
    return put_str(buf, at, key, klen);
}

/* ---- per-field merge -------------------------------------------------------- */

/* Keys the top-level pass leaves to their own step. */
/*@ requires valid_read_string(key);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int own_step(const char *key)
{
    return strcmp(key, key_accounts()) == 0 || strcmp(key, key_active()) == 0;
}

/*
 * Apply to `out` (a copy of fresh's object) every member mine changed
 * against base: members where mine differs from base take mine's value
 * (or are removed if mine removed them); all others keep fresh's. Objects
 * all three sides have are merged per member `depth` more levels down.
 * base may be NULL (an object only the two sides added). `top` skips the
 * members merged by their own step. path[0 .. plen-1] is out's JSON path.
 * A conflict is counted once the edit is made (an edit that fails ends
 * the merge).
 */
/*@ requires json_node(out) && json_node(mine);
    requires base == \null || json_node(base);
    requires \valid(rep) && \valid_read(path + (0 .. plen - 1));
    requires 0 <= depth;
    decreases depth;
    assigns rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1],
            json_heap, __fc_heap_status, keel_node_heap[..];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM;
 */
static keel_status merge_members(keel_json *out, const keel_json *base,
                                 const keel_json *mine, const char *path,
                                 size_t plen, int depth, int top,
                                 struct keel_merge_report *rep)
{
    char sub[KEEL_JSON_PATH_MAX];

    /* Sibling walks carry no loop variant (spec/json_model.h). */
    /*@ loop invariant mv == \null || json_node(mv);
        loop assigns mv, sub[0 .. KEEL_JSON_PATH_MAX - 1], rep->conflicts,
                     rep->first[0 .. KEEL_JSON_PATH_MAX - 1], json_heap,
                     __fc_heap_status, keel_node_heap[..];
     */
    for (const keel_json *mv = keel_json_first(mine); mv != NULL;
         mv = keel_json_next(mv)) {
        const char *key = keel_json_key(mv);
        if (key == NULL || (top && own_step(key)))
            continue;
        const keel_json *bv = keel_tree_get(base, key);
        if (keel_tree_equal(bv, mv))
            continue;                   /* the caller did not change it */
        keel_json *fv = keel_tree_get(out, key);
        if (keel_tree_equal(fv, mv))
            continue;                   /* both made the same change */
        if (depth > 0 && keel_json_kind(bv) == KEEL_J_OBJECT &&
            keel_json_kind(mv) == KEEL_J_OBJECT &&
            keel_json_kind(fv) == KEEL_J_OBJECT && !keel_tree_equal(bv, fv)) {
            size_t n = join_path(sub, path, plen, key);
            keel_status st =
                merge_members(fv, bv, mv, sub, n, depth - 1, 0, rep);
            if (st != KEEL_OK)
                return st;
            continue;
        }
        /* both changed it: mine wins */
        int clash = fv != NULL && !keel_tree_equal(fv, bv);
        keel_json *copy = keel_tree_dup(mv);
        if (copy == NULL || keel_tree_set(out, key, copy) != KEEL_OK)
            return KEEL_E_NOMEM;
        if (clash)
            conflict(rep, sub, join_path(sub, path, plen, key));
    }
    /*@ loop invariant bv == \null || json_node(bv);
        loop assigns bv, sub[0 .. KEEL_JSON_PATH_MAX - 1], rep->conflicts,
                     rep->first[0 .. KEEL_JSON_PATH_MAX - 1], json_heap,
                     __fc_heap_status, keel_node_heap[..];
     */
    for (const keel_json *bv = base != NULL ? keel_json_first(base) : NULL;
         bv != NULL; bv = keel_json_next(bv)) {
        const char *key = keel_json_key(bv);
        if (key == NULL || (top && own_step(key)) ||
            keel_tree_get(mine, key) != NULL)
            continue;
        /* the caller removed it */
        const keel_json *fv = keel_tree_get(out, key);
        if (fv == NULL)
            continue;
        int clash = !keel_tree_equal(fv, bv);
        (void)keel_tree_remove(out, key);
        if (clash)
            conflict(rep, sub, join_path(sub, path, plen, key));
    }
    return KEEL_OK;
}

/* doc's activeAccountName = a copy of mv. */
/*@ requires json_node(doc) && json_node(mv);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM;
 */
static keel_status put_active_copy(keel_json *doc, const keel_json *mv)
{
    keel_json *copy = keel_tree_dup(mv);
    if (copy == NULL || keel_tree_set(doc, key_active(), copy) != KEEL_OK)
        return KEEL_E_NOMEM;
    return KEEL_OK;
}

/* activeAccountName, merged as a field; kept just before "accounts" when
   it is new, as the Node tool lays it out (keel_registry_set_active).
   Removing it is the tree edit keel_registry_set_active(out, NULL)
   makes. */
/*@ requires valid_registry(out) && valid_registry(base) &&
             valid_registry(mine);
    requires \valid(rep);
    assigns rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1],
            json_heap, __fc_heap_status, keel_heap[..], keel_node_heap[..];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM;
 */
static keel_status merge_active(struct keel_registry *out,
                                const struct keel_registry *base,
                                const struct keel_registry *mine,
                                struct keel_merge_report *rep)
{
    struct keel_err ignored;
    //@ ghost keel_registry_open(base);
    //@ ghost keel_registry_open(mine);
    //@ ghost keel_registry_open(out);
    const keel_json *bv =
        keel_tree_get(keel_registry_doc_const(base), key_active());
    const keel_json *mv =
        keel_tree_get(keel_registry_doc_const(mine), key_active());
    keel_json *doc = keel_registry_doc(out);
    const keel_json *fv = keel_tree_get(doc, key_active());

    if (keel_tree_equal(bv, mv) || keel_tree_equal(fv, mv))
        return KEEL_OK;
    if (fv != NULL && !keel_tree_equal(fv, bv))
        conflict(rep, key_active(), sizeof "activeAccountName" - 1);
    if (mv == NULL) {
        (void)keel_tree_remove(doc, key_active());
        return KEEL_OK;
    }
    const char *name =
        keel_json_kind(mv) == KEEL_J_STRING ? keel_json_string(mv) : NULL;
    if (fv == NULL && name != NULL &&
        keel_registry_set_active(out, name, &ignored) == KEEL_OK)
        return KEEL_OK;
    return put_active_copy(doc, mv);
}

/* An activeAccountName naming no account is removed (the tree edit
   keel_registry_set_active(out, NULL) makes). */
/*@ requires valid_registry(out);
    assigns json_heap;
 */
static void clear_dangling_active(struct keel_registry *out)
{
    //@ ghost keel_registry_open(out);
    const char *active = keel_registry_active(out);
    if (active != NULL && keel_registry_account_find(out, active) == NULL)
        (void)keel_tree_remove(keel_registry_doc(out), key_active());
}

/* ---- the plan's arrays -------------------------------------------------------- */

/*
 * The plan works on arrays of six types, one block of each, cut into
 * slices (n0, n1, n2: the accounts of base, mine and fresh; total their
 * sum, below INT_MAX):
 *   ranks   int       r0 | r1 | r2        n0 + 1, n1 + 1, n2 + 1 entries
 *   pos     size_t    p0 | p1 | p2        total + 1 entries each
 *   bytes   uchar     chg | keep | take   n1 + 1, n2 + 1, n1 + 1
 *   plan    long      total + 1;  slot  unsigned  total + 1
 *   node    keel_json *  n2 + 1 (fresh's account i in the result)
 * Each block is allocated by a typed wrapper of malloc whose contract is
 * the allocator model of spec/alloc_model.h said by type: WP's typed
 * model cannot follow a void * block into an int or size_t array. The
 * contracts, not the one-line bodies (seen by the C compiler only), are
 * what WP uses: the trusted base, as spec/alloc_model.h is. A block lies
 * in keel_heap (so that the assigns clauses of keel_merge name it) and is
 * not written by the functions that say they write keel_node_heap only.
 */
/*@ axiomatic MergeBlocks {
      predicate int_block(int *p);
      predicate pos_block(size_t *p);
      predicate byte_block(unsigned char *p);
      predicate code_block(long *p);
      predicate slot_block(unsigned *p);
      predicate node_array_block(keel_json **p);
    }
    logic char *heap_base = \base_addr(&keel_heap[0]);

    // The report is not heap memory (keel_merge's local).
    predicate rep_off_heap(struct keel_merge_report *p) =
      \base_addr(p) != heap_base;

    // Side s, ready for keel_merge_plan: merge_plan.h's requires.
    predicate side_ready{L}(int *r, integer n, size_t *p, integer u) =
      n < INT_MAX && sorted_ranks(r, n, u) && is_index(r, n, p, u);
 */

/*@ assigns __fc_heap_status \from n, __fc_heap_status;
    assigns \result \from n, __fc_heap_status;
    ensures \result == \null || (int_block(\result) &&
            \base_addr(\result) == heap_base && \valid(\result + (0 .. n - 1)));
 */
static int *alloc_ints(size_t n);
/*@ assigns __fc_heap_status \from n, __fc_heap_status;
    assigns \result \from n, __fc_heap_status;
    ensures \result == \null || (pos_block(\result) &&
            \base_addr(\result) == heap_base && \valid(\result + (0 .. n - 1)));
 */
static size_t *alloc_pos(size_t n);
/*@ assigns __fc_heap_status \from n, __fc_heap_status;
    assigns \result \from n, __fc_heap_status;
    ensures \result == \null || (byte_block(\result) &&
            \base_addr(\result) == heap_base && \valid(\result + (0 .. n - 1)));
 */
static unsigned char *alloc_bytes(size_t n);
/*@ assigns __fc_heap_status \from n, __fc_heap_status;
    assigns \result \from n, __fc_heap_status;
    ensures \result == \null || (code_block(\result) &&
            \base_addr(\result) == heap_base && \valid(\result + (0 .. n - 1)));
 */
static keel_plan_code *alloc_codes(size_t n);
/*@ assigns __fc_heap_status \from n, __fc_heap_status;
    assigns \result \from n, __fc_heap_status;
    ensures \result == \null || (slot_block(\result) &&
            \base_addr(\result) == heap_base && \valid(\result + (0 .. n - 1)));
 */
static unsigned *alloc_slots(size_t n);
/*@ assigns __fc_heap_status \from n, __fc_heap_status;
    assigns \result \from n, __fc_heap_status;
    ensures \result == \null || (node_array_block(\result) &&
            \base_addr(\result) == heap_base && \valid(\result + (0 .. n - 1)));
 */
static keel_json **alloc_nodes(size_t n);

/*@ requires p == \null || int_block(p);
    assigns __fc_heap_status \from __fc_heap_status; */
static void free_ints(int *p);
/*@ requires p == \null || pos_block(p);
    assigns __fc_heap_status \from __fc_heap_status; */
static void free_pos(size_t *p);
/*@ requires p == \null || byte_block(p);
    assigns __fc_heap_status \from __fc_heap_status; */
static void free_bytes(unsigned char *p);
/*@ requires p == \null || code_block(p);
    assigns __fc_heap_status \from __fc_heap_status; */
static void free_codes(keel_plan_code *p);
/*@ requires p == \null || slot_block(p);
    assigns __fc_heap_status \from __fc_heap_status; */
static void free_slots(unsigned *p);
/*@ requires p == \null || node_array_block(p);
    assigns __fc_heap_status \from __fc_heap_status; */
static void free_nodes(keel_json **p);

#ifndef __FRAMAC__
/* Every n is at most 3 * INT_MAX: the products cannot overflow. */
static int *alloc_ints(size_t n) { return malloc(n * sizeof(int)); }
static size_t *alloc_pos(size_t n) { return malloc(n * sizeof(size_t)); }
static unsigned char *alloc_bytes(size_t n) { return malloc(n); }
static keel_plan_code *alloc_codes(size_t n)
{
    return malloc(n * sizeof(keel_plan_code));
}
static unsigned *alloc_slots(size_t n) { return malloc(n * sizeof(unsigned)); }
static keel_json **alloc_nodes(size_t n)
{
    return malloc(n * sizeof(keel_json *));
}
static void free_ints(int *p) { free(p); }
static void free_pos(size_t *p) { free(p); }
static void free_bytes(unsigned char *p) { free(p); }
static void free_codes(keel_plan_code *p) { free(p); }
static void free_slots(unsigned *p) { free(p); }
static void free_nodes(keel_json **p) { free(p); }
#endif

/* ---- the plan's inputs ------------------------------------------------------ */

/* The lower (strcmp) of low and name; NULL is above every name. */
/*@ requires low == \null || valid_read_string(low);
    requires name == \null || valid_read_string(name);
    assigns \nothing;
    ensures \result == low || \result == name;
 */
static const char *lower(const char *low, const char *name)
{
    return name != NULL && (low == NULL || strcmp(name, low) < 0) ? name : low;
}

/* If name is low, it gets rank: r[at] = rank; returns the next at. */
/*@ requires at <= n && \valid(r + (0 .. n - 1));
    requires name == \null || valid_read_string(name);
    requires valid_read_string(low);
    assigns r[0 .. n - 1];
    ensures at <= \result <= n;
 */
static size_t take_rank(const char *name, const char *low, int rank, int *r,
                        size_t n, size_t at)
{
    if (name != NULL && at < n && (name == low || strcmp(name, low) == 0))
        r[at++] = rank;
    return at;
}

/*
 * Rank the names of the three registries (each sorted by strcmp) in one
 * sorted order: a three-way walk over the sorted indexes. Each round ranks
 * at least one account, so there are at most total rounds. Returns the
 * size of the rank universe u, or -1 (unreachable).
 */
/*@ requires valid_registry(b) && valid_registry(m) && valid_registry(f);
    requires total == n0 + n1 + n2 && total < INT_MAX;
    requires \valid(r0 + (0 .. n0 - 1)) && \valid(r1 + (0 .. n1 - 1)) &&
             \valid(r2 + (0 .. n2 - 1));
    assigns r0[0 .. n0 - 1], r1[0 .. n1 - 1], r2[0 .. n2 - 1];
    ensures -1 <= \result <= total;
 */
static int assign_ranks(const struct keel_registry *b,
                        const struct keel_registry *m,
                        const struct keel_registry *f, int *r0, size_t n0,
                        int *r1, size_t n1, int *r2, size_t n2, size_t total)
{
    size_t a0 = 0, a1 = 0, a2 = 0;

    /*@ loop invariant 0 <= rank <= total + 1;
        loop invariant a0 <= n0 && a1 <= n1 && a2 <= n2;
        loop assigns rank, a0, a1, a2, r0[0 .. n0 - 1], r1[0 .. n1 - 1],
                     r2[0 .. n2 - 1];
        loop variant total + 1 - rank;
     */
    for (int rank = 0; (size_t)rank <= total; rank++) {
        const char *s0 = a0 < n0 ? keel_registry_name_at(b, a0) : NULL;
        const char *s1 = a1 < n1 ? keel_registry_name_at(m, a1) : NULL;
        const char *s2 = a2 < n2 ? keel_registry_name_at(f, a2) : NULL;
        const char *low = lower(lower(s0, s1), s2);
        if (low == NULL)
            return rank;
        a0 = take_rank(s0, low, rank, r0, n0, a0);
        a1 = take_rank(s1, low, rank, r1, n1, a1);
        a2 = take_rank(s2, low, rank, r2, n2, a2);
    }
    return -1; /* unreachable: a round ranks an account */
}

/* Check a side's ranks (sorted, distinct: the registry invariant, made a
   run-time fact by the proved checker) and build its index. */
/*@ requires 0 <= u < INT_MAX && n < INT_MAX;
    requires \valid_read(r + (0 .. n - 1)) && \valid(pos + (0 .. u - 1));
    assigns pos[0 .. u - 1];
    ensures \result == 0 || \result == 1;
    ensures \result == 1 ==> side_ready(r, n, pos, u);
 */
static int side_index(const int *r, size_t n, int u, size_t *pos)
{
    if (!keel_merge_ranks_ok(r, n, u))
        return 0;
    keel_merge_index(r, n, u, pos);
    return 1;
}

/* chg[j]: mine's account j is not base's account of that name. */
/*@ requires \valid(chg + (0 .. nm - 1));
    requires valid_registry(base) && valid_registry(mine);
    assigns chg[0 .. nm - 1], __fc_heap_status, keel_node_heap[..];
 */
static void fill_chg(unsigned char *chg, size_t nm,
                     const struct keel_registry *base,
                     const struct keel_registry *mine)
{
    /*@ loop invariant 0 <= j <= nm;
        loop assigns j, chg[0 .. nm - 1], __fc_heap_status,
                     keel_node_heap[..];
        loop variant nm - j;
     */
    for (size_t j = 0; j < nm; j++) {
        //@ ghost keel_registry_open(mine);
        //@ ghost keel_registry_open(base);
        const keel_json *m = keel_registry_account_node(mine, j);
        const char *key = m != NULL ? keel_json_key(m) : NULL;
        const keel_json *b =
            key != NULL ? keel_registry_account_find(base, key) : NULL;
        chg[j] = b == NULL || !keel_tree_equal(b, m);
    }
}

/*
 * Fill the plan's inputs: ranks, indexes, chg. Returns u (the size of the
 * rank universe), or -1 if a registry's index is not sorted (the registry
 * invariant, checked).
 */
/*@ requires valid_registry(b) && valid_registry(m) && valid_registry(f);
    requires total == n0 + n1 + n2 && total < INT_MAX;
    requires \valid(r0 + (0 .. n0 - 1)) && \valid(r1 + (0 .. n1 - 1)) &&
             \valid(r2 + (0 .. n2 - 1));
    requires \valid(p0 + (0 .. total)) && \valid(p1 + (0 .. total)) &&
             \valid(p2 + (0 .. total));
    requires \separated(p0 + (0 .. total), p1 + (0 .. total),
                        p2 + (0 .. total));
    requires \valid(chg + (0 .. n1 - 1));
    assigns r0[0 .. n0 - 1], r1[0 .. n1 - 1], r2[0 .. n2 - 1],
            p0[0 .. total], p1[0 .. total], p2[0 .. total], chg[0 .. n1 - 1],
            __fc_heap_status, keel_node_heap[..];
    ensures -1 <= \result <= total;
    ensures \result >= 0 ==> side_ready(r0, n0, p0, \result) &&
            side_ready(r1, n1, p1, \result) && side_ready(r2, n2, p2, \result);
 */
static int plan_build(const struct keel_registry *b,
                      const struct keel_registry *m,
                      const struct keel_registry *f, size_t n0, size_t n1,
                      size_t n2, size_t total, int *r0, int *r1, int *r2,
                      size_t *p0, size_t *p1, size_t *p2, unsigned char *chg)
{
    int u = assign_ranks(b, m, f, r0, n0, r1, n1, r2, n2, total);
    if (u < 0 || !side_index(r0, n0, u, p0) || !side_index(r1, n1, u, p1) ||
        !side_index(r2, n2, u, p2))
        return -1;
    fill_chg(chg, n1, b, m);
    return u;
}

/* keel_merge_plan, with the part of its contract the steps below use. */
/*@ requires 0 <= u && u <= total && total < INT_MAX;
    requires side_ready(rm, nm, pm, u) && side_ready(rf, nf, pf, u);
    requires \valid(rm + (0 .. nm - 1)) && \valid(rf + (0 .. nf - 1));
    requires \valid(pb + (0 .. total)) && \valid(pm + (0 .. total)) &&
             \valid(pf + (0 .. total));
    requires \valid(chg + (0 .. nm - 1));
    requires \valid(plan + (0 .. total)) && \valid(slot + (0 .. total));
    assigns plan[0 .. total], slot[0 .. total];
    ensures \result.n <= u && codes_valid(plan, \result.n, nm, nf);
    ensures \result.nlost != 0 ==> 0 <= \result.lost < u &&
            pm[\result.lost] != 0;
    ensures nm <= INT_MAX && nf <= INT_MAX;
    ensures ranks_in(rm, nm, u) && index_bound(pf, u, nf);
 */
static struct keel_plan_result
compute_plan(const size_t *pb, const int *rm, size_t nm, const size_t *pm,
             const int *rf, size_t nf, const size_t *pf,
             const unsigned char *chg, int u, size_t total,
             keel_plan_code *plan, unsigned *slot)
{
    (void)total; /* the bound of the contract */
    return keel_merge_plan(pb, pm, pf, chg, rm, nm, rf, nf, u, plan, slot);
}

/* The changes the caller made to accounts fresh deleted (res.nlost of
   them, the first at rank res.lost) are conflicts. */
/*@ requires 0 <= u && u <= total;
    requires res.nlost != 0 ==> 0 <= res.lost < u && pm[res.lost] != 0;
    requires \valid(pm + (0 .. total));
    requires valid_registry(mine);
    requires \valid(rep) && rep_off_heap(rep) && \base_addr(pf) == heap_base;
    requires index_bound(pf, u, nf);
    assigns rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
    ensures index_bound(pf, u, nf);
 */
static void report_lost(struct keel_plan_result res, const size_t *pm, int u,
                        size_t total, const size_t *pf, size_t nf,
                        const struct keel_registry *mine,
                        struct keel_merge_report *rep)
{
    (void)u; /* u, total, pf, nf: the bounds of the contract */
    (void)total;
    (void)pf;
    (void)nf;
    if (res.nlost == 0)
        return;
    /* the caller changed accounts fresh deleted */
    char path[KEEL_JSON_PATH_MAX];
    const char *name = keel_registry_name_at(mine, pm[res.lost] - 1);
    conflict(rep, path,
             join_path(path, key_accounts(), sizeof "accounts" - 1,
                       name != NULL ? name : key_none()));
    rep->conflicts = res.nlost - 1 < SIZE_MAX - rep->conflicts
                         ? rep->conflicts + (res.nlost - 1)
                         : SIZE_MAX;
}

/* ---- applying the plan ------------------------------------------------------ */

/* A new, empty accounts object in doc (keel_tree_set: replacing an
   "accounts" member that is not an object, in place, or appended); NULL on
   allocation failure. */
/*@ requires json_node(doc);
    assigns json_heap;
    ensures \result == \null || json_node(\result);
 */
static keel_json *new_accounts(keel_json *doc)
{
    keel_json *acc = keel_json_new_object();
    if (acc == NULL || keel_tree_set(doc, key_accounts(), acc) != KEEL_OK)
        return NULL;
    return acc;
}

/* Put mine's account copy (its key: key) where fresh's account o is, as
   keel_registry_put_account would: KEEL_E_INVALID (copy freed) if the key
   is not a valid name. */
/*@ requires json_node(acc) && json_node(o) && json_node(copy);
    requires valid_read_string(key);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID;
 */
static keel_status replace_account(keel_json *acc, keel_json *o,
                                   keel_json *copy, const char *key)
{
    if (!keel_name_valid(key, strlen(key))) {
        keel_json_delete(copy);
        return KEEL_E_INVALID;
    }
    if (copy != o)
        keel_json_replace(acc, o, copy);
    return KEEL_OK;
}

/* Append mine's account copy to acc (created in doc if NULL) under key, as
   keel_registry_put_account would. copy is taken (freed on failure). */
/*@ requires json_node(doc) && json_node(copy);
    requires acc == \null || json_node(acc);
    requires valid_read_string(key);
    requires \valid(accp) && *accp == acc;
    assigns *accp, json_heap;
    ensures *accp == \null || json_node(*accp);
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID ||
            \result == KEEL_E_NOMEM;
 */
static keel_status append_account(keel_json *doc, keel_json *acc,
                                  keel_json **accp, keel_json *copy,
                                  const char *key)
{
    if (!keel_name_valid(key, strlen(key))) {
        keel_json_delete(copy);
        return KEEL_E_INVALID;
    }
    if (acc == NULL) {
        acc = new_accounts(doc);
        *accp = acc;
        if (acc == NULL) {
            keel_json_delete(copy);
            return KEEL_E_NOMEM;
        }
    }
    return keel_json_add(acc, key, copy) ? KEEL_OK : KEEL_E_NOMEM;
}

/* r's "accounts" member (NULL if none). A function of its own: read
   after the edits of apply_plan, WP no longer sees the key as a string. */
/*@ requires valid_registry(r);
    assigns \nothing;
    ensures \result == \null || json_node(\result);
 */
static const keel_json *accounts_of(const struct keel_registry *r)
{
    //@ ghost keel_registry_open(r);
    return keel_tree_get(keel_registry_doc_const(r), key_accounts());
}

/* node[i] = fresh's account i in acc (NULL if acc has none of that name). */
/*@ requires json_node(acc) && valid_registry(fresh);
    requires \valid(node + (0 .. nf - 1));
    assigns node[0 .. nf - 1];
    ensures \forall integer k; 0 <= k < nf ==>
              node[k] == \null || json_node(node[k]);
 */
static void find_nodes(keel_json *acc, const struct keel_registry *fresh,
                       keel_json **node, size_t nf)
{
    /*@ loop invariant 0 <= i <= nf;
        loop invariant \forall integer k; 0 <= k < i ==> node[k] == \null;
        loop assigns i, node[0 .. nf - 1];
        loop variant nf - i;
     */
    for (size_t i = 0; i < nf; i++)
        node[i] = NULL;
    /*@ loop invariant c == \null || json_node(c);
        loop invariant \forall integer k; 0 <= k < nf ==>
          node[k] == \null || json_node(node[k]);
        loop assigns c, node[0 .. nf - 1];
     */
    for (keel_json *c = keel_json_first(acc); c != NULL;
         c = keel_json_next(c)) {
        const char *key = keel_json_key(c);
        size_t i = 0;
        if (key != NULL && keel_registry_find(fresh, key, &i) && i < nf)
            node[i] = c;
    }
}

/* Fresh's accounts the plan drops (keep[i] == 0): the caller deleted
   them. */
/*@ requires json_node(acc);
    requires \valid(node + (0 .. nf - 1)) && \valid_read(keep + (0 .. nf - 1));
    requires \forall integer k; 0 <= k < nf ==>
               node[k] == \null || json_node(node[k]);
    assigns node[0 .. nf - 1], json_heap;
    ensures \forall integer k; 0 <= k < nf ==>
              node[k] == \null || json_node(node[k]);
 */
static void drop_nodes(keel_json *acc, keel_json **node,
                       const unsigned char *keep, size_t nf)
{
    /*@ loop invariant 0 <= i <= nf;
        loop invariant \forall integer k; 0 <= k < nf ==>
          node[k] == \null || json_node(node[k]);
        loop assigns i, node[0 .. nf - 1], json_heap;
        loop variant nf - i;
     */
    for (size_t i = 0; i < nf; i++) {
        if (!keep[i] && node[i] != NULL) {
            keel_json_remove(acc, node[i]);
            node[i] = NULL;
        }
    }
}

/* Mine's account m (key key) over fresh's account o in acc; b is base's
   account of that name, or NULL. */
/*@ requires json_node(acc) && json_node(o) && json_node(m);
    requires b == \null || json_node(b);
    requires valid_read_string(key);
    requires \valid(rep);
    assigns json_heap, __fc_heap_status, keel_node_heap[..], rep->conflicts,
            rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status merge_account(keel_json *acc, keel_json *o,
                                 const keel_json *m, const keel_json *b,
                                 const char *key,
                                 struct keel_merge_report *rep)
{
    if (keel_tree_equal(b, o)) {
        /* fresh left it as it was: mine's account, exactly */
        keel_json *copy = keel_tree_dup(m);
        return copy == NULL ? KEEL_E_NOMEM
                            : replace_account(acc, o, copy, key);
    }
    char path[KEEL_JSON_PATH_MAX];
    size_t len = join_path(path, key_accounts(), sizeof "accounts" - 1, key);
    return merge_members(o, b, m, path, len, 0, 0, rep);
}

/* Accounts both have (take[j] and fresh holds the name): the caller's
   changed fields over fresh's. */
/*@ requires json_node(acc);
    requires valid_registry(base) && valid_registry(mine);
    requires 0 <= u && ranks_in(rm, nm, u) && index_bound(pf, u, nf);
    requires \valid_read(rm + (0 .. nm - 1)) && \valid_read(take + (0 .. nm - 1));
    requires \valid_read(pb + (0 .. u - 1)) && \valid_read(pf + (0 .. u - 1));
    requires \base_addr(pb) == heap_base && \base_addr(pf) == heap_base;
    requires \valid_read(node + (0 .. nf - 1)) && \base_addr(node) == heap_base;
    requires \forall integer k; 0 <= k < nf ==>
               node[k] == \null || json_node(node[k]);
    requires \valid(rep) && rep_off_heap(rep);
    assigns json_heap, __fc_heap_status, keel_node_heap[..], rep->conflicts,
            rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status merge_taken(keel_json *acc, keel_json *const *node,
                               size_t nf, const size_t *pb, const size_t *pf,
                               const int *rm, size_t nm, int u,
                               const unsigned char *take,
                               const struct keel_registry *base,
                               const struct keel_registry *mine,
                               struct keel_merge_report *rep)
{
    keel_status st = KEEL_OK;

    (void)nf; /* nf and u: the bounds of the contract */
    (void)u;
    /*@ loop invariant 0 <= j <= nm;
        loop invariant st == KEEL_OK || st == KEEL_E_NOMEM ||
                       st == KEEL_E_INVALID;
        loop assigns j, st, json_heap, __fc_heap_status, keel_node_heap[..],
                     rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
        loop variant nm - j;
     */
    for (size_t j = 0; j < nm && st == KEEL_OK; j++) {
        if (!take[j] || pf[rm[j]] == 0)
            continue;
        keel_json *o = node[pf[rm[j]] - 1];
        if (o == NULL)
            continue;
        //@ ghost keel_registry_open(mine);
        const keel_json *m = keel_registry_account_node(mine, j);
        const char *key = m != NULL ? keel_json_key(m) : NULL;
        if (key == NULL)
            continue;
        //@ ghost keel_registry_open(base);
        const keel_json *b =
            pb[rm[j]] != 0 ? keel_registry_account_node(base, pb[rm[j]] - 1)
                           : NULL;
        st = merge_account(acc, o, m, b, key, rep);
    }
    return st;
}

/* Accounts only the caller has (take[j], fresh has no such name),
   appended in mine's key order. */
/*@ requires json_node(doc) && (acc == \null || json_node(acc));
    requires valid_registry(mine);
    requires 0 <= u && ranks_in(rm, nm, u);
    requires \valid_read(rm + (0 .. nm - 1)) && \valid_read(take + (0 .. nm - 1));
    requires \valid_read(pf + (0 .. u - 1));
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status append_taken(keel_json *doc, keel_json *acc,
                                const struct keel_registry *mine,
                                const size_t *pf, const int *rm, size_t nm,
                                int u, const unsigned char *take)
{
    keel_status st = KEEL_OK;
    const keel_json *accounts = accounts_of(mine);

    (void)u; /* the bound of the contract */
    /*@ loop invariant m == \null || json_node(m);
        loop invariant acc == \null || json_node(acc);
        loop invariant st == KEEL_OK || st == KEEL_E_NOMEM ||
                       st == KEEL_E_INVALID;
        loop assigns m, st, acc, json_heap;
     */
    for (const keel_json *m =
             accounts != NULL ? keel_json_first(accounts) : NULL;
         m != NULL && st == KEEL_OK; m = keel_json_next(m)) {
        size_t j = 0;
        const char *key = keel_json_key(m);
        if (key == NULL || !keel_registry_find(mine, key, &j) || j >= nm ||
            !take[j] || pf[rm[j]] != 0)
            continue;
        keel_json *copy = keel_tree_dup(m);
        st = copy == NULL ? KEEL_E_NOMEM
                          : append_account(doc, acc, &acc, copy, key);
    }
    return st;
}

/*
 * Edit doc (a copy of fresh's document) by the plan's marks
 * (keel_merge_marks): drop fresh's accounts the plan does not keep (the
 * caller deleted them), merge the caller's changed fields into the
 * accounts both have, and append the accounts only the caller has (in
 * mine's key order). node[i] is fresh's account i in doc.
 */
/*@ requires json_node(doc) && (acc == \null || json_node(acc));
    requires valid_registry(base) && valid_registry(mine) &&
             valid_registry(fresh);
    requires 0 <= u && ranks_in(rm, nm, u) && index_bound(pf, u, nf);
    requires \valid_read(rm + (0 .. nm - 1));
    requires \valid_read(pb + (0 .. u - 1)) && \valid_read(pf + (0 .. u - 1));
    requires \base_addr(pb) == heap_base && \base_addr(pf) == heap_base;
    requires \valid_read(keep + (0 .. nf - 1)) && \valid_read(take + (0 .. nm - 1));
    requires \valid(node + (0 .. nf - 1)) && \base_addr(node) == heap_base;
    requires \valid(rep) && rep_off_heap(rep);
    assigns node[0 .. nf - 1], json_heap, __fc_heap_status,
            keel_node_heap[..], rep->conflicts,
            rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status apply_marks(keel_json *doc, keel_json *acc,
                               const size_t *pb, const size_t *pf,
                               const int *rm, size_t nm, size_t nf, int u,
                               const unsigned char *keep,
                               const unsigned char *take, keel_json **node,
                               const struct keel_registry *base,
                               const struct keel_registry *mine,
                               const struct keel_registry *fresh,
                               struct keel_merge_report *rep)
{
    keel_status st = KEEL_OK;

    if (acc != NULL) {
        find_nodes(acc, fresh, node, nf);
        drop_nodes(acc, node, keep, nf);
        st = merge_taken(acc, node, nf, pb, pf, rm, nm, u, take, base, mine,
                         rep);
    }
    if (st != KEEL_OK)
        return st;
    return append_taken(doc, acc, mine, pf, rm, nm, u, take);
}

/* keel_merge_marks, with none of its ensures: the steps above need only
   that the marks are the plan's. */
/*@ requires 0 <= u && nm <= INT_MAX && nf <= INT_MAX;
    requires \valid_read(plan + (0 .. n - 1));
    requires \valid_read(pf + (0 .. u - 1));
    requires \valid_read(m + (0 .. nm - 1));
    requires \valid(keep + (0 .. nf - 1));
    requires \valid(take + (0 .. nm - 1));
    requires \separated(keep + (0 .. nf - 1), take + (0 .. nm - 1));
    requires codes_valid(plan, n, nm, nf);
    requires ranks_in(m, nm, u) && index_bound(pf, u, nf);
    assigns keep[0 .. nf - 1], take[0 .. nm - 1];
 */
static void make_marks(const keel_plan_code *plan, size_t n,
                       const size_t *pf, int u, const int *m, size_t nm,
                       size_t nf, unsigned char *keep, unsigned char *take)
{
    keel_merge_marks(plan, n, pf, u, m, nm, nf, keep, take);
}

/* doc's "accounts" member if it is an object, else NULL. */
/*@ requires json_node(doc);
    assigns \nothing;
    ensures \result == \null || json_node(\result);
 */
static keel_json *accounts_object(keel_json *doc)
{
    keel_json *acc = keel_tree_get(doc, key_accounts());
    return keel_json_kind(acc) == KEEL_J_OBJECT ? acc : NULL;
}

/* A copy of r's document. */
/*@ requires valid_registry(r);
    assigns json_heap;
    ensures \result == \null || json_node(\result);
 */
static keel_json *doc_copy(const struct keel_registry *r)
{
    //@ ghost keel_registry_open(r);
    return keel_tree_dup(keel_registry_doc_const(r));
}

/* Step 3 of keel_merge: *docp = a copy of fresh's document with the plan
   plan[0 .. n-1] applied (KEEL_OK), untouched otherwise. */
/*@ requires valid_registry(base) && valid_registry(mine) &&
             valid_registry(fresh);
    requires 0 <= u && u <= total && n <= u && codes_valid(plan, n, nm, nf);
    requires nm <= INT_MAX && nf <= INT_MAX;
    requires ranks_in(rm, nm, u) && index_bound(pf, u, nf);
    requires \valid(plan + (0 .. total)) && \valid(rm + (0 .. nm - 1));
    requires \valid(pb + (0 .. total)) && \valid(pf + (0 .. total));
    requires \base_addr(pb) == heap_base && \base_addr(pf) == heap_base;
    requires \valid(keep + (0 .. nf - 1)) && \valid(take + (0 .. nm - 1));
    requires \separated(keep + (0 .. nf - 1), take + (0 .. nm - 1));
    requires \valid(node + (0 .. nf - 1)) && \base_addr(node) == heap_base;
    requires \valid(rep) && rep_off_heap(rep);
    requires \valid(docp) && \base_addr(docp) != heap_base;
    assigns keep[0 .. nf - 1], take[0 .. nm - 1], node[0 .. nf - 1], *docp,
            json_heap, __fc_heap_status, keel_node_heap[..],
            rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
    ensures \result == KEEL_OK ==> json_node(*docp);
 */
static keel_status apply_plan(const keel_plan_code *plan, size_t n,
                              const size_t *pb, const size_t *pf,
                              const int *rm, size_t nm, size_t nf, int u,
                              size_t total,
                              unsigned char *keep, unsigned char *take,
                              keel_json **node,
                              const struct keel_registry *base,
                              const struct keel_registry *mine,
                              const struct keel_registry *fresh,
                              struct keel_merge_report *rep, keel_json **docp)
{
    (void)total; /* the bound of the contract */
    make_marks(plan, n, pf, u, rm, nm, nf, keep, take);
    keel_json *doc = doc_copy(fresh);
    if (doc == NULL)
        return KEEL_E_NOMEM;
    keel_status st = apply_marks(doc, accounts_object(doc), pb, pf, rm, nm,
                                 nf, u, keep, take, node, base, mine, fresh,
                                 rep);
    if (st != KEEL_OK) {
        keel_json_delete(doc);
        return st;
    }
    *docp = doc;
    return KEEL_OK;
}

/* ---- the merge ------------------------------------------------------------------ */

/* Steps 2 and 3 of keel_merge over the slices (see "the plan's arrays"). */
/*@ requires valid_registry(base) && valid_registry(mine) &&
             valid_registry(fresh);
    requires total == n0 + n1 + n2 && total < INT_MAX;
    requires \valid(r0 + (0 .. n0 - 1)) && \valid(r1 + (0 .. n1 - 1)) &&
             \valid(r2 + (0 .. n2 - 1));
    requires \valid(p0 + (0 .. total)) && \valid(p1 + (0 .. total)) &&
             \valid(p2 + (0 .. total));
    requires \separated(p0 + (0 .. total), p1 + (0 .. total),
                        p2 + (0 .. total));
    requires \base_addr(p0) == heap_base && \base_addr(p1) == heap_base &&
             \base_addr(p2) == heap_base;
    requires \valid(chg + (0 .. n1 - 1));
    requires \valid(keep + (0 .. n2 - 1)) && \valid(take + (0 .. n1 - 1));
    requires \separated(keep + (0 .. n2 - 1), take + (0 .. n1 - 1));
    requires \valid(plan + (0 .. total)) && \valid(slot + (0 .. total));
    requires \valid(node + (0 .. n2 - 1)) && \base_addr(node) == heap_base;
    requires \valid(rep) && rep_off_heap(rep);
    requires \valid(docp) && \base_addr(docp) != heap_base;
    assigns r0[0 .. n0 - 1], r1[0 .. n1 - 1], r2[0 .. n2 - 1],
            p0[0 .. total], p1[0 .. total], p2[0 .. total], chg[0 .. n1 - 1],
            keep[0 .. n2 - 1], take[0 .. n1 - 1], plan[0 .. total],
            slot[0 .. total], node[0 .. n2 - 1], *docp, json_heap,
            __fc_heap_status, keel_node_heap[..], rep->conflicts,
            rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
    ensures \result == KEEL_OK ==> json_node(*docp);
 */
static keel_status plan_stage(const struct keel_registry *base,
                              const struct keel_registry *mine,
                              const struct keel_registry *fresh, size_t n0,
                              size_t n1, size_t n2, size_t total, int *r0,
                              int *r1, int *r2, size_t *p0, size_t *p1,
                              size_t *p2, unsigned char *chg,
                              unsigned char *keep, unsigned char *take,
                              keel_plan_code *plan, unsigned *slot,
                              keel_json **node, struct keel_merge_report *rep,
                              keel_json **docp)
{
    int u = plan_build(base, mine, fresh, n0, n1, n2, total, r0, r1, r2, p0,
                       p1, p2, chg);
    if (u < 0)
        return KEEL_E_INVALID;
    struct keel_plan_result res =
        compute_plan(p0, r1, n1, p1, r2, n2, p2, chg, u, total, plan, slot);
    report_lost(res, p1, u, total, p2, n2, mine, rep);
    return apply_plan(plan, res.n, p0, p2, r1, n1, n2, u, total, keep, take,
                      node, base, mine, fresh, rep, docp);
}

/* The blocks (see "the plan's arrays") cut into slices for plan_stage. */
/*@ requires valid_registry(base) && valid_registry(mine) &&
             valid_registry(fresh);
    requires total == n0 + n1 + n2 && total < INT_MAX;
    requires \valid(rk + (0 .. total + 2)) && \base_addr(rk) == heap_base;
    requires \valid(ps + (0 .. 3 * total + 2)) && \base_addr(ps) == heap_base;
    requires \valid(by + (0 .. 2 * n1 + n2 + 2)) && \base_addr(by) == heap_base;
    requires \valid(plan + (0 .. total)) && \base_addr(plan) == heap_base;
    requires \valid(slot + (0 .. total)) && \base_addr(slot) == heap_base;
    requires \valid(node + (0 .. n2)) && \base_addr(node) == heap_base;
    requires \valid(rep) && rep_off_heap(rep);
    requires \valid(docp) && \base_addr(docp) != heap_base;
    assigns rk[0 .. n0 - 1], (rk + n0 + 1)[0 .. n1 - 1],
            (rk + n0 + n1 + 2)[0 .. n2 - 1], ps[0 .. total],
            (ps + total + 1)[0 .. total], (ps + 2 * total + 2)[0 .. total],
            by[0 .. n1 - 1], (by + n1 + 1)[0 .. n2 - 1],
            (by + n1 + n2 + 2)[0 .. n1 - 1], plan[0 .. total],
            slot[0 .. total], node[0 .. n2 - 1], *docp, json_heap,
            __fc_heap_status, keel_node_heap[..], rep->conflicts,
            rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
    ensures \result == KEEL_OK ==> json_node(*docp);
 */
static keel_status plan_and_apply(const struct keel_registry *base,
                                  const struct keel_registry *mine,
                                  const struct keel_registry *fresh,
                                  size_t n0, size_t n1, size_t n2,
                                  size_t total, int *rk, size_t *ps,
                                  unsigned char *by, keel_plan_code *plan,
                                  unsigned *slot, keel_json **node,
                                  struct keel_merge_report *rep,
                                  keel_json **docp)
{
    return plan_stage(base, mine, fresh, n0, n1, n2, total, rk, rk + n0 + 1,
                      rk + n0 + n1 + 2, ps, ps + total + 1,
                      ps + 2 * total + 2, by, by + n1 + 1, by + n1 + n2 + 2,
                      plan, slot, node, rep, docp);
}

/* Step 4 of keel_merge: the globals merged into doc (taken), made a
   registry (*o, NULL on failure), activeAccountName merged. */
/*@ requires json_node(doc);
    requires valid_registry(base) && valid_registry(mine);
    requires \valid(rep) && \valid(o);
    assigns *o, rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1],
            __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM;
    ensures \result == KEEL_OK ==> valid_registry(*o);
    ensures \result != KEEL_OK ==> *o == \null;
 */
static keel_status finish_merge(keel_json *doc,
                                const struct keel_registry *base,
                                const struct keel_registry *mine,
                                struct keel_merge_report *rep,
                                struct keel_registry **o)
{
    struct keel_registry *r = NULL;
    //@ ghost keel_registry_open(base);
    //@ ghost keel_registry_open(mine);
    keel_status st =
        merge_members(doc, keel_registry_doc_const(base),
                      keel_registry_doc_const(mine), key_none(), 0, 1, 1, rep);
    if (st != KEEL_OK) {
        keel_json_delete(doc);
    } else {
        r = keel_registry_wrap(doc);
        if (r == NULL) {
            st = KEEL_E_NOMEM;
        } else {
            st = merge_active(r, base, mine, rep);
            if (st != KEEL_OK) {
                keel_registry_free(r);
                r = NULL;
            }
        }
    }
    *o = r;
    return st;
}

/*
 * Steps 2 to 4 of keel_merge (base, mine and fresh all differ): *o is the
 * merged registry, or NULL on failure.
 */
/*@ requires valid_registry(base) && valid_registry(mine) &&
             valid_registry(fresh);
    requires \valid(rep) && rep_off_heap(rep);
    requires \valid(o);
    assigns *o, rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1],
            __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
    ensures \result == KEEL_OK ==> valid_registry(*o);
    ensures \result != KEEL_OK ==> *o == \null;
 */
static keel_status merge_by_plan(const struct keel_registry *base,
                                 const struct keel_registry *mine,
                                 const struct keel_registry *fresh,
                                 struct keel_merge_report *rep,
                                 struct keel_registry **o)
{
    size_t n0 = keel_registry_count(base);
    size_t n1 = keel_registry_count(mine);
    size_t n2 = keel_registry_count(fresh);

    if (n0 >= INT_MAX || n1 >= INT_MAX - n0 || n2 >= INT_MAX - n0 - n1) {
        *o = NULL;
        return KEEL_E_NOMEM;
    }
    size_t total = n0 + n1 + n2;
    int *rk = alloc_ints(total + 3);
    size_t *ps = alloc_pos(3 * total + 3);
    unsigned char *by = alloc_bytes(2 * n1 + n2 + 3);
    keel_plan_code *plan = alloc_codes(total + 1);
    unsigned *slot = alloc_slots(total + 1);
    keel_json **node = alloc_nodes(n2 + 1);
    keel_json *doc = NULL;
    keel_status st = KEEL_E_NOMEM;
    if (rk != NULL && ps != NULL && by != NULL && plan != NULL &&
        slot != NULL && node != NULL)
        st = plan_and_apply(base, mine, fresh, n0, n1, n2, total, rk, ps, by,
                            plan, slot, node, rep, &doc);
    free_ints(rk);
    free_pos(ps);
    free_bytes(by);
    free_codes(plan);
    free_slots(slot);
    free_nodes(node);
    if (st != KEEL_OK) {
        *o = NULL;
        return st;
    }
    return finish_merge(doc, base, mine, rep, o);
}

keel_status keel_merge(const struct keel_registry *base,
                       const struct keel_registry *mine,
                       const struct keel_registry *fresh,
                       struct keel_registry **out,
                       struct keel_merge_report *rep, struct keel_err *err)
{
    /* Conflicts are counted here and copied to *rep at the end. */
    struct keel_merge_report acc;
    keel_status st = KEEL_OK;
    struct keel_registry *o = NULL;

    acc.conflicts = 0;
    acc.first[0] = '\0';
    *out = NULL;
    if (keel_registry_equal(base, fresh)) {
        o = keel_registry_clone(mine);          /* merge(b, m, b) = m */
    } else if (keel_registry_equal(base, mine)) {
        o = keel_registry_clone(fresh);         /* merge(b, b, f) = f */
    } else {
        st = merge_by_plan(base, mine, fresh, &acc, &o);
    }
    if (o == NULL && st == KEEL_OK)
        st = KEEL_E_NOMEM;
    if (rep != NULL) {
        rep->conflicts = acc.conflicts;
        (void)put_str(rep->first, 0, acc.first, path_len(acc.first));
    }
    if (st != KEEL_OK) {
        keel_registry_free(o);
        *out = NULL;
        return keel_err_set(err, st, KEEL_STEP_NONE, 0, NULL);
    }
    clear_dangling_active(o);
    *out = o;
    return KEEL_OK;
}
