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
 * Proof: not yet in make prove. plan_input_build, assign_ranks,
 * merge_members, merge_by_plan and keel_merge are not fully proved yet
 * (the other functions prove with WP, RTE included, one at a time).
 * Step 3 edits the document only through the glue (json_heap) and makes
 * the registry at the end, so no registry struct is written here. Assumed:
 * the contracts of plan_input_alloc / plan_input_free (one malloc or free
 * per array, by type: spec/alloc_model.h says why WP needs that), and the
 * bridge keel_registry_open (kernel/tree.h, spec/registry_model.h) where a
 * registry's fields are read.
 */
#include "merge.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "merge_plan.h"
#include "name.h"
#include "tree.h"

/* Keys this file names: arrays, so that WP knows them as strings. */
static const char k_accounts[] = "accounts";
static const char k_active[] = "activeAccountName";
static const char k_none[] = "";

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
    return strcmp(key, k_accounts) == 0 || strcmp(key, k_active) == 0;
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
    if (copy == NULL || keel_tree_set(doc, k_active, copy) != KEEL_OK)
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
        keel_tree_get(keel_registry_doc_const(base), k_active);
    const keel_json *mv =
        keel_tree_get(keel_registry_doc_const(mine), k_active);
    keel_json *doc = keel_registry_doc(out);
    const keel_json *fv = keel_tree_get(doc, k_active);

    if (keel_tree_equal(bv, mv) || keel_tree_equal(fv, mv))
        return KEEL_OK;
    if (fv != NULL && !keel_tree_equal(fv, bv))
        conflict(rep, k_active, sizeof k_active - 1);
    if (mv == NULL) {
        (void)keel_tree_remove(doc, k_active);
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
        (void)keel_tree_remove(keel_registry_doc(out), k_active);
}

/* ---- the plan's inputs ------------------------------------------------------ */

/* Everything the plan works on, and the marks and node table the plan is
   applied by. Each array is a block of its own. */
struct plan_input {
    size_t n[3];              /* accounts of base, mine, fresh          */
    int *rank[3];             /* their ranks: n[s] + 1 entries each      */
    size_t *pos[3];           /* the indexes over [0, u): total + 1 each */
    unsigned char *chg;       /* mine's account differs from base's     */
    keel_plan_code *plan;     /* total + 1 codes                        */
    unsigned *slot;           /* keel_merge_plan's witness              */
    unsigned char *marks;     /* keep_fresh[0 .. nf], take_mine[0 .. nm] */
    keel_json **node;         /* fresh's account i in the result: nf + 1 */
    int u;                    /* size of the rank universe              */
};

/*@ // *in is not memory the allocator hands out (keel_merge's local), so
    // the blocks cannot overlap it; likewise the report.
    predicate in_off_heap(struct plan_input *in) =
      \base_addr(in) != \base_addr(&keel_heap[0]) &&
      \base_addr(in) != \base_addr(&keel_node_heap[0]);
    predicate rep_off_heap(struct keel_merge_report *p) =
      \base_addr(p) != \base_addr(&keel_heap[0]);

    // Nothing allocated.
    predicate plan_unset{L}(struct plan_input *in) =
      in->rank[0] == \null && in->rank[1] == \null && in->rank[2] == \null &&
      in->pos[0] == \null && in->pos[1] == \null && in->pos[2] == \null &&
      in->chg == \null && in->plan == \null && in->slot == \null &&
      in->marks == \null && in->node == \null;

    // The blocks plan_input_alloc handed out (what plan_input_free frees).
    axiomatic PlanBlocks {
      predicate plan_alloced(int *r0, int *r1, int *r2, size_t *p0,
                             size_t *p1, size_t *p2, unsigned char *chg,
                             long *plan, unsigned *slot,
                             unsigned char *marks, keel_json **node);
    }

    predicate plan_owned{L}(struct plan_input *in) =
      plan_unset(in) ||
      plan_alloced(in->rank[0], in->rank[1], in->rank[2], in->pos[0],
                   in->pos[1], in->pos[2], in->chg, in->plan, in->slot,
                   in->marks, in->node);

    // Each block lies in the heap (spec/alloc_model.h: keel_heap names
    // the heap in assigns clauses).
    logic char *heap_base = \base_addr(&keel_heap[0]);

    predicate plan_in_heap{L}(struct plan_input *in) =
      \base_addr(in->rank[0]) == heap_base && \base_addr(in->rank[1]) == heap_base &&
      \base_addr(in->rank[2]) == heap_base && \base_addr(in->pos[0]) == heap_base &&
      \base_addr(in->pos[1]) == heap_base && \base_addr(in->pos[2]) == heap_base &&
      \base_addr(in->chg) == heap_base && \base_addr(in->plan) == heap_base &&
      \base_addr(in->slot) == heap_base && \base_addr(in->marks) == heap_base &&
      \base_addr(in->node) == heap_base;

    // The blocks, valid and pairwise disjoint, for ranks in [0, un) and
    // n[s] accounts.
    predicate plan_blocks{L}(struct plan_input *in, integer un) =
      plan_in_heap(in) &&
      \valid(in->rank[0] + (0 .. in->n[0])) &&
      \valid(in->rank[1] + (0 .. in->n[1])) &&
      \valid(in->rank[2] + (0 .. in->n[2])) &&
      \valid(in->pos[0] + (0 .. un)) && \valid(in->pos[1] + (0 .. un)) &&
      \valid(in->pos[2] + (0 .. un)) &&
      \valid(in->chg + (0 .. in->n[1])) && \valid(in->plan + (0 .. un)) &&
      \valid(in->slot + (0 .. un)) &&
      \valid(in->marks + (0 .. in->n[1] + in->n[2] + 1)) &&
      \valid(in->node + (0 .. in->n[2])) &&
      // (the integer arrays; chg, marks and node hold other types)
      \separated(in->rank[0] + (0 .. in->n[0]),
                 in->rank[1] + (0 .. in->n[1]),
                 in->rank[2] + (0 .. in->n[2]),
                 in->pos[0] + (0 .. un), in->pos[1] + (0 .. un),
                 in->pos[2] + (0 .. un),
                 in->plan + (0 .. un), in->slot + (0 .. un));

    // Ready for keel_merge_plan: the arrays as merge_plan.h requires.
    predicate side_ready{L}(struct plan_input *in, integer s) =
      in->n[s] < INT_MAX &&
      sorted_ranks(in->rank[s], in->n[s], in->u) &&
      is_index(in->rank[s], in->n[s], in->pos[s], in->u);

    predicate plan_ready{L}(struct plan_input *in) =
      0 <= in->u < INT_MAX && plan_blocks(in, in->u) &&
      side_ready(in, 0) && side_ready(in, 1) && side_ready(in, 2);
 */

/* Allocate the blocks (plan_blocks) for n[0], n[1], n[2] accounts and
   total = their sum: all of them (KEEL_OK), or none (KEEL_E_NOMEM).
   Assumed, not proved: one malloc per array, and plan_input_free's one
   free per array (WP cannot follow a void * block into an int or size_t
   array; spec/alloc_model.h). The C compiler sees the bodies below. */
/*@ requires \valid(in) && in_off_heap(in) && plan_unset(in);
    requires total == in->n[0] + in->n[1] + in->n[2] && total < INT_MAX;
    assigns in->rank[0 .. 2], in->pos[0 .. 2], in->chg, in->plan, in->slot,
            in->marks, in->node, __fc_heap_status;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM;
    ensures plan_owned(in);
    ensures \result != KEEL_OK ==> plan_unset(in);
    ensures \result == KEEL_OK ==> plan_blocks(in, total);
 */
static keel_status plan_input_alloc(struct plan_input *in, size_t total);

/*@ requires \valid(in) && plan_owned(in);
    assigns __fc_heap_status;
 */
static void plan_input_free(struct plan_input *in);

#ifndef __FRAMAC__
static void plan_input_free(struct plan_input *in)
{
    for (int s = 0; s < 3; s++) {
        free(in->rank[s]);
        free(in->pos[s]);
    }
    free(in->chg);
    free(in->plan);
    free(in->slot);
    free(in->marks);
    free(in->node);
}

static keel_status plan_input_alloc(struct plan_input *in, size_t total)
{
    int ok = 1;
    for (int s = 0; s < 3; s++) {
        in->rank[s] = malloc((in->n[s] + 1) * sizeof *in->rank[s]);
        in->pos[s] = malloc((total + 1) * sizeof *in->pos[s]);
        ok = ok && in->rank[s] != NULL && in->pos[s] != NULL;
    }
    in->chg = malloc(in->n[1] + 1);
    in->plan = malloc((total + 1) * sizeof *in->plan);
    in->slot = malloc((total + 1) * sizeof *in->slot);
    in->marks = malloc(in->n[1] + in->n[2] + 2);
    in->node = malloc((in->n[2] + 1) * sizeof *in->node);
    if (ok && in->chg != NULL && in->plan != NULL && in->slot != NULL &&
        in->marks != NULL && in->node != NULL)
        return KEEL_OK;
    plan_input_free(in);
    for (int s = 0; s < 3; s++) {
        in->rank[s] = NULL;
        in->pos[s] = NULL;
    }
    in->chg = NULL;
    in->plan = NULL;
    in->slot = NULL;
    in->marks = NULL;
    in->node = NULL;
    return KEEL_E_NOMEM;
}
#endif

/* Nothing allocated yet. */
/*@ requires \valid(in);
    assigns *in;
    ensures plan_unset(in) && plan_owned(in);
 */
static void plan_input_clear(struct plan_input *in)
{
    in->n[0] = in->n[1] = in->n[2] = 0;
    in->rank[0] = in->rank[1] = in->rank[2] = NULL;
    in->pos[0] = in->pos[1] = in->pos[2] = NULL;
    in->chg = NULL;
    in->plan = NULL;
    in->slot = NULL;
    in->marks = NULL;
    in->node = NULL;
    in->u = 0;
}

/*
 * Rank the names of the three registries (each sorted by strcmp) in one
 * sorted order: a three-way walk over the sorted indexes. Each round ranks
 * at least one account, so there are at most total rounds.
 */
/*@ requires \valid(in) && in_off_heap(in) && \valid_read(side + (0 .. 2));
    requires valid_registry(side[0]) && valid_registry(side[1]) &&
             valid_registry(side[2]);
    requires total == in->n[0] + in->n[1] + in->n[2] && total < INT_MAX;
    requires plan_blocks(in, total);
    assigns in->u, in->rank[0][0 .. in->n[0] - 1],
            in->rank[1][0 .. in->n[1] - 1], in->rank[2][0 .. in->n[2] - 1];
    ensures \result == KEEL_OK ==> 0 <= in->u <= total;
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID;
 */
static keel_status assign_ranks(struct plan_input *in,
                                const struct keel_registry *const side[3],
                                size_t total)
{
    size_t at[3] = {0, 0, 0};

    /*@ loop invariant 0 <= rank <= total + 1;
        loop invariant \forall integer s; 0 <= s < 3 ==> 0 <= at[s] <= in->n[s];
        loop assigns rank, at[0 .. 2], in->rank[0][0 .. in->n[0] - 1],
            in->rank[1][0 .. in->n[1] - 1], in->rank[2][0 .. in->n[2] - 1];
        loop variant total + 1 - rank;
     */
    for (int rank = 0; (size_t)rank <= total; rank++) {
        const char *name[3];
        const char *low = NULL;
        /*@ loop invariant 0 <= s <= 3;
            loop invariant low == \null || valid_read_string(low);
            loop invariant \forall integer q; 0 <= q < s ==>
              name[q] == \null || valid_read_string(name[q]);
            loop assigns s, low, name[0 .. 2];
            loop variant 3 - s;
         */
        for (int s = 0; s < 3; s++) {
            name[s] = at[s] < in->n[s] ? keel_registry_name_at(side[s], at[s])
                                       : NULL;
            if (name[s] != NULL && (low == NULL || strcmp(name[s], low) < 0))
                low = name[s];
        }
        if (low == NULL) {
            in->u = rank;
            return KEEL_OK;
        }
        /*@ loop invariant 0 <= s <= 3;
            loop invariant \forall integer q; 0 <= q < 3 ==> 0 <= at[q] <= in->n[q];
            loop assigns s, at[0 .. 2], in->rank[0][0 .. in->n[0] - 1],
              in->rank[1][0 .. in->n[1] - 1], in->rank[2][0 .. in->n[2] - 1];
            loop variant 3 - s;
         */
        for (int s = 0; s < 3; s++)
            if (name[s] != NULL && at[s] < in->n[s] &&
                (name[s] == low || strcmp(name[s], low) == 0))
                in->rank[s][at[s]++] = rank;
    }
    return KEEL_E_INVALID; /* unreachable: a round ranks an account */
}

/* Check side s's ranks (sorted, distinct: the registry invariant, made a
   run-time fact by the proved checker) and build its index. */
/*@ requires \valid(in) && in_off_heap(in) && 0 <= s < 3;
    requires 0 <= in->u < INT_MAX && in->n[s] < INT_MAX;
    requires \valid(in->rank[s] + (0 .. in->n[s] - 1));
    requires \valid(in->pos[s] + (0 .. in->u - 1));
    requires \base_addr(in->pos[s]) == heap_base;
    requires \separated(in->rank[s] + (0 .. in->n[s] - 1),
                        in->pos[s] + (0 .. in->u - 1));
    assigns in->pos[s][0 .. in->u - 1];
    ensures \result == 0 || \result == 1;
    ensures \result == 1 ==> side_ready(in, s);
 */
static int side_index(struct plan_input *in, int s)
{
    if (!keel_merge_ranks_ok(in->rank[s], in->n[s], in->u))
        return 0;
    keel_merge_index(in->rank[s], in->n[s], in->u, in->pos[s]);
    return 1;
}

/* chg[j]: mine's account j is not base's account of that name. */
/*@ requires \valid_read(in) && in_off_heap(in);
    requires \valid(in->chg + (0 .. in->n[1] - 1));
    requires \base_addr(in->chg) == heap_base;
    requires valid_registry(base) && valid_registry(mine);
    assigns in->chg[0 .. in->n[1] - 1], __fc_heap_status, keel_node_heap[..];
 */
static void fill_chg(struct plan_input *in, const struct keel_registry *base,
                     const struct keel_registry *mine)
{
    unsigned char *chg = in->chg;
    size_t nm = in->n[1];
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
 * Allocate and fill the plan's inputs. On failure what was allocated is
 * still owned by *in (plan_input_free frees it). KEEL_E_INVALID if a
 * registry's index is not sorted (the registry invariant, checked).
 */
/*@ requires \valid(in) && in_off_heap(in) && plan_unset(in);
    requires \valid_read(side + (0 .. 2)) && \separated(in, side + (0 .. 2));
    requires valid_registry(side[0]) && valid_registry(side[1]) &&
             valid_registry(side[2]);
    assigns *in, __fc_heap_status, keel_heap[..], keel_node_heap[..];
    ensures plan_owned(in);
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
    ensures \result == KEEL_OK ==> plan_ready(in);
 */
static keel_status plan_input_build(struct plan_input *in,
                                    const struct keel_registry *const side[3])
{
    size_t total = 0;
    /*@ loop invariant 0 <= s <= 3 && total < INT_MAX;
        loop invariant s >= 1 ==> total == in->n[0] + (s >= 2 ? in->n[1] : 0) +
                                           (s >= 3 ? in->n[2] : 0);
        loop invariant s == 0 ==> total == 0;
        loop assigns s, total, in->n[0 .. 2];
        loop variant 3 - s;
     */
    for (int s = 0; s < 3; s++) {
        in->n[s] = keel_registry_count(side[s]);
        if (in->n[s] >= INT_MAX - total)
            return KEEL_E_NOMEM;
        total += in->n[s];
    }
    keel_status st = plan_input_alloc(in, total);
    if (st != KEEL_OK)
        return st;
    st = assign_ranks(in, side, total);
    if (st != KEEL_OK)
        return st;
    if (!side_index(in, 0) || !side_index(in, 1) || !side_index(in, 2))
        return KEEL_E_INVALID;
    fill_chg(in, side[0], side[1]);
    return KEEL_OK;
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
    if (acc == NULL || keel_tree_set(doc, k_accounts, acc) != KEEL_OK)
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
    return keel_tree_get(keel_registry_doc_const(r), k_accounts);
}

/*
 * Edit doc (a copy of fresh's document) by the plan's marks
 * (keel_merge_marks): drop fresh's accounts the plan does not keep (the
 * caller deleted them), merge the caller's changed fields into the
 * accounts both have, and append the accounts only the caller has (in
 * mine's key order). node[i] is fresh's account i in doc.
 */
/*@ requires json_node(doc);
    requires valid_registry(base) && valid_registry(mine) &&
             valid_registry(fresh);
    requires \valid_read(in) && in_off_heap(in) && plan_ready(in);
    requires n <= in->u && codes_valid(in->plan, n, in->n[1], in->n[2]);
    requires \valid(rep) && rep_off_heap(rep);
    assigns json_heap, __fc_heap_status, keel_heap[..], keel_node_heap[..],
            rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status apply_plan(keel_json *doc, const struct plan_input *in,
                              size_t n, const struct keel_registry *base,
                              const struct keel_registry *mine,
                              const struct keel_registry *fresh,
                              struct keel_merge_report *rep)
{
    const size_t *pb = in->pos[0], *pf = in->pos[2];
    const int *rm = in->rank[1];
    size_t nm = in->n[1], nf = in->n[2];
    unsigned char *keep_fresh = in->marks, *take_mine = in->marks + nf + 1;
    keel_json **node = in->node;
    keel_status st = KEEL_OK;
    char path[KEEL_JSON_PATH_MAX];

    keel_merge_marks(in->plan, n, pf, in->u, rm, nm, nf, keep_fresh,
                     take_mine);
    keel_json *acc = keel_tree_get(doc, k_accounts);
    if (keel_json_kind(acc) != KEEL_J_OBJECT)
        acc = NULL;
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
    for (keel_json *c = acc != NULL ? keel_json_first(acc) : NULL; c != NULL;
         c = keel_json_next(c)) {
        const char *key = keel_json_key(c);
        size_t i = 0;
        if (key != NULL && keel_registry_find(fresh, key, &i) && i < nf)
            node[i] = c;
    }
    /* Fresh's accounts the plan drops: the caller deleted them. */
    /*@ loop invariant 0 <= i <= nf;
        loop invariant \forall integer k; 0 <= k < nf ==>
          node[k] == \null || json_node(node[k]);
        loop assigns i, node[0 .. nf - 1], json_heap;
        loop variant nf - i;
     */
    for (size_t i = 0; i < nf; i++) {
        if (!keep_fresh[i] && node[i] != NULL && acc != NULL) {
            keel_json_remove(acc, node[i]);
            node[i] = NULL;
        }
    }
    /* Accounts both have: the caller's changed fields over fresh's. */
    /*@ loop invariant 0 <= j <= nm;
        loop invariant st == KEEL_OK || st == KEEL_E_NOMEM ||
                       st == KEEL_E_INVALID;
        loop invariant \forall integer k; 0 <= k < nf ==>
          node[k] == \null || json_node(node[k]);
        loop assigns j, st, json_heap, __fc_heap_status, keel_node_heap[..],
                     rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1],
                     path[0 .. KEEL_JSON_PATH_MAX - 1];
        loop variant nm - j;
     */
    for (size_t j = 0; j < nm && st == KEEL_OK; j++) {
        if (!take_mine[j] || pf[rm[j]] == 0)
            continue;
        keel_json *o = node[pf[rm[j]] - 1];
        if (o == NULL || acc == NULL)
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
        if (keel_tree_equal(b, o)) {
            /* fresh left it as it was: mine's account, exactly */
            keel_json *copy = keel_tree_dup(m);
            st = copy == NULL ? KEEL_E_NOMEM
                              : replace_account(acc, o, copy, key);
        } else {
            size_t len =
                join_path(path, k_accounts, sizeof k_accounts - 1, key);
            st = merge_members(o, b, m, path, len, 0, 0, rep);
        }
    }
    /* Accounts only the caller has, appended in mine's key order. */
    const keel_json *accounts = accounts_of(mine);
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
            !take_mine[j] || pf[rm[j]] != 0)
            continue;
        keel_json *copy = keel_tree_dup(m);
        st = copy == NULL ? KEEL_E_NOMEM
                          : append_account(doc, acc, &acc, copy, key);
    }
    return st;
}

/*
 * Steps 2 to 4 of keel_merge (base, mine and fresh all differ): *o is the
 * merged registry, or NULL on failure. The plan's inputs stay owned by *in.
 */
/*@ requires valid_registry(base) && valid_registry(mine) &&
             valid_registry(fresh);
    requires \valid(in) && in_off_heap(in) && plan_unset(in);
    requires \valid(rep) && rep_off_heap(rep) && \separated(rep, in);
    requires \valid(o) && \separated(o, in, rep);
    assigns *in, *o, rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1],
            __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..];
    ensures plan_owned(in);
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
    ensures \result == KEEL_OK ==> valid_registry(*o);
    ensures \result != KEEL_OK ==> *o == \null;
 */
static keel_status merge_by_plan(const struct keel_registry *base,
                                 const struct keel_registry *mine,
                                 const struct keel_registry *fresh,
                                 struct plan_input *in,
                                 struct keel_merge_report *rep,
                                 struct keel_registry **o)
{
    const struct keel_registry *const side[3] = {base, mine, fresh};

    *o = NULL;
    keel_status st = plan_input_build(in, side);
    if (st != KEEL_OK)
        return st;
    struct keel_plan_result res = keel_merge_plan(
        in->pos[0], in->pos[1], in->pos[2], in->chg, in->rank[1], in->n[1],
        in->rank[2], in->n[2], in->u, in->plan, in->slot);
    if (res.nlost != 0) {
        /* the caller changed accounts fresh deleted */
        char path[KEEL_JSON_PATH_MAX];
        const char *name = keel_registry_name_at(mine, in->pos[1][res.lost] - 1);
        conflict(rep, path,
                 join_path(path, k_accounts, sizeof k_accounts - 1,
                           name != NULL ? name : k_none));
        rep->conflicts = res.nlost - 1 < SIZE_MAX - rep->conflicts
                             ? rep->conflicts + (res.nlost - 1)
                             : SIZE_MAX;
    }
    //@ ghost keel_registry_open(fresh);
    keel_json *doc = keel_tree_dup(keel_registry_doc_const(fresh));
    if (doc == NULL)
        return KEEL_E_NOMEM;
    st = apply_plan(doc, in, res.n, base, mine, fresh, rep);
    //@ ghost keel_registry_open(base);
    //@ ghost keel_registry_open(mine);
    if (st == KEEL_OK)
        st = merge_members(doc, keel_registry_doc_const(base),
                           keel_registry_doc_const(mine), k_none, 0, 1, 1,
                           rep);
    if (st != KEEL_OK) {
        keel_json_delete(doc);
        return st;
    }
    struct keel_registry *r = keel_registry_wrap(doc);
    if (r == NULL)
        return KEEL_E_NOMEM;
    st = merge_active(r, base, mine, rep);
    if (st != KEEL_OK) {
        keel_registry_free(r);
        return st;
    }
    *o = r;
    return KEEL_OK;
}

keel_status keel_merge(const struct keel_registry *base,
                       const struct keel_registry *mine,
                       const struct keel_registry *fresh,
                       struct keel_registry **out,
                       struct keel_merge_report *rep, struct keel_err *err)
{
    /* Conflicts are counted here and copied to *rep at the end. */
    struct keel_merge_report acc;
    struct plan_input in;
    keel_status st = KEEL_OK;
    struct keel_registry *o = NULL;

    acc.conflicts = 0;
    acc.first[0] = '\0';
    *out = NULL;
    plan_input_clear(&in);
    if (keel_registry_equal(base, fresh)) {
        o = keel_registry_clone(mine);          /* merge(b, m, b) = m */
    } else if (keel_registry_equal(base, mine)) {
        o = keel_registry_clone(fresh);         /* merge(b, b, f) = f */
    } else {
        st = merge_by_plan(base, mine, fresh, &in, &acc, &o);
        plan_input_free(&in);
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
