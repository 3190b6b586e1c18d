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
 *   3. Start from a copy of fresh (fresh's key order is kept); drop fresh's
 *      accounts the plan does not keep; merge the caller's changed fields
 *      into the accounts both sides have; append the accounts only the
 *      caller has, in mine's order.
 *   4. Merge the globals per field (autoSwitch.* and api.* per sub-key),
 *      then clear an activeAccountName that names no account.
 * A field both sides changed to different values takes mine's value and
 * counts as a conflict, as does a change the caller made to an account
 * fresh deleted (the deletion stands).
 */
#include "merge.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "merge_plan.h"
#include "tree.h"

#ifdef __FRAMAC__
/* WP proves allocation against spec/alloc_model.h (see there why). */
#define malloc(size) keel_model_malloc(size)
#define free(p) keel_model_free(p)
#endif

struct plan_input;

/*@ // A registry as this file uses it: a live handle (registry.h) whose
    // memory-safety invariant (tree.h) holds. valid_registry is all the
    // public contracts carry; that it stands for keel_registry_ok inside
    // the tree layer is assumed (admit) where this file needs it
    // (spec/registry_model.h).
    predicate live{L}(struct keel_registry *r) =
      valid_registry(r) && keel_registry_ok(r);

    // rep and in are not memory the allocator hands out (keel_merge's
    // locals), so the arrays the plan allocates cannot overlap them.
    predicate rep_off_heap(struct keel_merge_report *p) =
      \base_addr(p) != \base_addr(&keel_heap[0]);
    predicate in_off_heap(struct plan_input *p) =
      \base_addr(p) != \base_addr(&keel_heap[0]);
 */

/* ---- conflicts ------------------------------------------------------------ */

/* Copy s to buf from index at on, truncated to the buffer and NUL
   terminated, as snprintf would; returns the index of the NUL. */
/*@ requires \valid(buf + (0 .. KEEL_JSON_PATH_MAX - 1));
    requires at < KEEL_JSON_PATH_MAX && valid_read_string(s);
    requires \separated(buf + (0 .. KEEL_JSON_PATH_MAX - 1),
                        s + (0 .. strlen(s)));
    assigns buf[at .. KEEL_JSON_PATH_MAX - 1];
    ensures at <= \result < KEEL_JSON_PATH_MAX;
 */
static size_t put_str(char *buf, size_t at, const char *s)
{
    size_t i = 0;
    /*@ loop invariant 0 <= i <= strlen(s);
        loop invariant \at(at, Pre) <= at < KEEL_JSON_PATH_MAX;
        loop invariant at == \at(at, Pre) + i;
        loop assigns i, at, buf[\at(at, Pre) .. KEEL_JSON_PATH_MAX - 1];
        loop variant strlen(s) - i;
     */
    while (s[i] != '\0' && at < KEEL_JSON_PATH_MAX - 1)
        buf[at++] = s[i++];
    buf[at] = '\0';
    return at;
}

/* Count a conflict; the first one's path is kept. The count saturates (it
   cannot reach SIZE_MAX: each conflict is a field or an account). */
/*@ requires \valid(rep) && valid_read_string(path);
    requires \separated(rep, path + (0 .. strlen(path)));
    assigns rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
 */
static void conflict(struct keel_merge_report *rep, const char *path)
{
    if (rep->conflicts == 0)
        (void)put_str(rep->first, 0, path);
    if (rep->conflicts < SIZE_MAX)
        rep->conflicts++;
}

/* path "." key, or key alone at the top; truncated to the buffer. */
/*@ requires \valid(buf + (0 .. KEEL_JSON_PATH_MAX - 1));
    requires valid_read_string(path) && valid_read_string(key);
    requires \separated(buf + (0 .. KEEL_JSON_PATH_MAX - 1),
                        path + (0 .. strlen(path)));
    requires \separated(buf + (0 .. KEEL_JSON_PATH_MAX - 1),
                        key + (0 .. strlen(key)));
    assigns buf[0 .. KEEL_JSON_PATH_MAX - 1];
 */
static void join_path(char buf[KEEL_JSON_PATH_MAX], const char *path,
                      const char *key)
{
    size_t at = 0;
    if (path[0] != '\0') {
        at = put_str(buf, 0, path);
        if (at < KEEL_JSON_PATH_MAX - 1)
            buf[at++] = '.';
    }
    (void)put_str(buf, at, key);
}

/* ---- per-field merge -------------------------------------------------------- */

/* Keys the top-level pass leaves to their own step. */
/*@ requires valid_read_string(key);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int own_step(const char *key)
{
    return strcmp(key, "accounts") == 0 ||
           strcmp(key, "activeAccountName") == 0;
}

/*
 * Apply to `out` (a copy of fresh's object) every member mine changed
 * against base: members where mine differs from base take mine's value
 * (or are removed if mine removed them); all others keep fresh's. Objects
 * all three sides have are merged per member `depth` more levels down.
 * base may be NULL (an object only the two sides added). `top` skips the
 * members merged by their own step. A conflict is counted once the edit
 * is made (an edit that fails ends the merge).
 */
/*@ requires json_node(out) && json_node(mine);
    requires base == \null || json_node(base);
    requires \valid(rep) && valid_read_string(path);
    requires \separated(rep, path + (0 .. strlen(path)));
    assigns rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1],
            json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM;
 */
static keel_status merge_members(keel_json *out, const keel_json *base,
                                 const keel_json *mine, const char *path,
                                 int depth, int top,
                                 struct keel_merge_report *rep)
{
    char sub[KEEL_JSON_PATH_MAX];

    /*@ loop invariant mv == \null || json_node(mv);
        loop assigns mv, sub[0 .. KEEL_JSON_PATH_MAX - 1], rep->conflicts,
                     rep->first[0 .. KEEL_JSON_PATH_MAX - 1], json_heap;
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
        join_path(sub, path, key);
        if (depth > 0 && keel_json_kind(bv) == KEEL_J_OBJECT &&
            keel_json_kind(mv) == KEEL_J_OBJECT &&
            keel_json_kind(fv) == KEEL_J_OBJECT && !keel_tree_equal(bv, fv)) {
            keel_status st = merge_members(fv, bv, mv, sub, depth - 1, 0, rep);
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
            conflict(rep, sub);
    }
    /*@ loop invariant bv == \null || json_node(bv);
        loop assigns bv, sub[0 .. KEEL_JSON_PATH_MAX - 1], rep->conflicts,
                     rep->first[0 .. KEEL_JSON_PATH_MAX - 1], json_heap;
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
        if (clash)
            join_path(sub, path, key);
        (void)keel_tree_remove(out, key);
        if (clash)
            conflict(rep, sub);
    }
    return KEEL_OK;
}

/* keel_registry_set_active(r, name) as this file uses it. registry.h
   gives it no assigns clause yet (its footprint cannot be named outside
   the tree layer, spec/registry_model.h): this is its footprint for a
   valid name. Not proved: the assigns of this wrapper. */
/*@ requires live(r) && valid_read_string(name);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID ||
            \result == KEEL_E_NOMEM;
 */
static keel_status set_active_name(struct keel_registry *r, const char *name)
{
    return keel_registry_set_active(r, name, NULL);
}

/* keel_registry_remove(r, name) likewise (see set_active_name). */
/*@ requires live(r) && valid_read_string(name);
    assigns *r, r->idx[0 .. r->cap - 1], json_heap;
 */
static void drop_account(struct keel_registry *r, const char *name)
{
    (void)keel_registry_remove(r, name, NULL);
}

/* activeAccountName, merged as a field; kept just before "accounts" when
   it is new, as the Node tool lays it out. Removing it is the tree edit
   keel_registry_set_active(out, NULL) makes. */
/*@ requires live(out) && live(base) && live(mine);
    requires \valid(rep) && rep_off_heap(rep);
    assigns rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1],
            json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM;
 */
static keel_status merge_active(struct keel_registry *out,
                                const struct keel_registry *base,
                                const struct keel_registry *mine,
                                struct keel_merge_report *rep)
{
    const keel_json *bv =
        keel_tree_get(keel_registry_doc_const(base), "activeAccountName");
    const keel_json *mv =
        keel_tree_get(keel_registry_doc_const(mine), "activeAccountName");
    keel_json *doc = keel_registry_doc(out);
    const keel_json *fv = keel_tree_get(doc, "activeAccountName");

    if (keel_tree_equal(bv, mv) || keel_tree_equal(fv, mv))
        return KEEL_OK;
    if (fv != NULL && !keel_tree_equal(fv, bv))
        conflict(rep, "activeAccountName");
    if (mv == NULL) {
        (void)keel_tree_remove(doc, "activeAccountName");
        return KEEL_OK;
    }
    const char *name =
        keel_json_kind(mv) == KEEL_J_STRING ? keel_json_string(mv) : NULL;
    if (fv == NULL && name != NULL && set_active_name(out, name) == KEEL_OK)
        return KEEL_OK;
    keel_json *copy = keel_tree_dup(mv);
    if (copy == NULL ||
        keel_tree_set(doc, "activeAccountName", copy) != KEEL_OK)
        return KEEL_E_NOMEM;
    return KEEL_OK;
}

/* An activeAccountName naming no account is removed (the tree edit
   keel_registry_set_active(out, NULL) makes). */
/*@ requires live(out);
    assigns json_heap;
 */
static void clear_dangling_active(struct keel_registry *out)
{
    const char *active = keel_registry_active(out);
    if (active != NULL && keel_registry_account_find(out, active) == NULL)
        (void)keel_tree_remove(keel_registry_doc(out), "activeAccountName");
}

/* ---- the plan's inputs ------------------------------------------------------ */

/* Everything the plan works on. The three rank arrays are segments of one
   block, and so are the three indexes (what lets the proof see that they
   do not overlap). */
struct plan_input {
    size_t n[3];          /* accounts of base, mine, fresh        */
    int *rank[3];         /* their ranks: n[s] + 1 entries each    */
    size_t *pos[3];       /* the indexes over [0, u): total + 1    */
    unsigned char *chg;   /* mine's account differs from base's   */
    keel_plan_code *plan; /* u codes                              */
    unsigned *slot;       /* keel_merge_plan's witness, u entries */
    int u;                /* size of the rank universe            */
};

/*@ // What plan_input_free may free: NULL or a block from malloc.
    predicate freeable_or_null(char *p) = p == \null || heap_block(p);

    predicate plan_owned{L}(struct plan_input *in) =
      freeable_or_null((char *)in->rank[0]) &&
      freeable_or_null((char *)in->pos[0]) &&
      freeable_or_null((char *)in->chg) &&
      freeable_or_null((char *)in->plan) &&
      freeable_or_null((char *)in->slot);

    // Ready for keel_merge_plan: the arrays as merge_plan.h requires.
    predicate side_ready{L}(struct plan_input *in, integer s) =
      in->n[s] < INT_MAX &&
      \valid(in->rank[s] + (0 .. in->n[s] - 1)) &&
      \valid(in->pos[s] + (0 .. in->u - 1)) &&
      sorted_ranks(in->rank[s], in->n[s], in->u) &&
      is_index(in->rank[s], in->n[s], in->pos[s], in->u);

    predicate plan_ready{L}(struct plan_input *in) =
      0 <= in->u < INT_MAX &&
      side_ready(in, 0) && side_ready(in, 1) && side_ready(in, 2) &&
      \valid(in->chg + (0 .. in->n[1] - 1)) &&
      \valid(in->plan + (0 .. in->u - 1)) &&
      \valid(in->slot + (0 .. in->u - 1));
 */

/* Nothing allocated yet. */
/*@ requires \valid(in);
    assigns *in;
    ensures plan_owned(in);
 */
static void plan_input_clear(struct plan_input *in)
{
    /*@ loop invariant 0 <= s <= 3;
        loop assigns s, in->n[0 .. 2], in->rank[0 .. 2], in->pos[0 .. 2];
        loop variant 3 - s;
     */
    for (int s = 0; s < 3; s++) {
        in->n[s] = 0;
        in->rank[s] = NULL;
        in->pos[s] = NULL;
    }
    in->chg = NULL;
    in->plan = NULL;
    in->slot = NULL;
    in->u = 0;
}

/*@ requires \valid(in) && plan_owned(in);
    assigns __fc_heap_status;
 */
static void plan_input_free(struct plan_input *in)
{
    free(in->rank[0]);
    free(in->pos[0]);
    free(in->chg);
    free(in->plan);
    free(in->slot);
}

/*
 * Rank the names of the three registries (each sorted by strcmp) in one
 * sorted order: a three-way walk over the sorted indexes. Each round ranks
 * at least one account, so there are at most total rounds.
 */
/*@ requires \valid(in) && \valid_read(side + (0 .. 2));
    requires live(side[0]) && live(side[1]) && live(side[2]);
    requires total == in->n[0] + in->n[1] + in->n[2] && total < INT_MAX;
    requires \forall integer s; 0 <= s < 3 ==>
               \valid(in->rank[s] + (0 .. in->n[s] - 1));
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
/*
 * Allocate and fill the plan's inputs. On failure what was allocated is
 * still owned by *in (plan_input_free frees it). KEEL_E_INVALID if a
 * registry's index is not sorted (the registry invariant, checked).
 */
/*@ requires \valid(in) && in_off_heap(in) && \valid_read(side + (0 .. 2));
    requires \separated(in, side + (0 .. 2));
    requires live(side[0]) && live(side[1]) && live(side[2]);
    assigns *in, __fc_heap_status, keel_heap[..];
    ensures plan_owned(in);
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
    ensures \result == KEEL_OK ==> plan_ready(in);
 */
static keel_status plan_input_build(struct plan_input *in,
                                    const struct keel_registry *const side[3])
{
    size_t total = 0;
    plan_input_clear(in);
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
    /* One block for the ranks, one for the three indexes. */
    int *rank = malloc((total + 3) * sizeof *rank);
    size_t *pos = malloc(3 * (total + 1) * sizeof *pos);
    in->rank[0] = rank;
    in->pos[0] = pos;
    in->chg = malloc(in->n[1] + 1);
    in->plan = malloc((total + 1) * sizeof *in->plan);
    in->slot = malloc((total + 1) * sizeof *in->slot);
    if (rank == NULL || pos == NULL || in->chg == NULL || in->plan == NULL ||
        in->slot == NULL)
        return KEEL_E_NOMEM;
    in->rank[1] = rank + in->n[0] + 1;
    in->rank[2] = in->rank[1] + in->n[1] + 1;
    in->pos[1] = pos + total + 1;
    in->pos[2] = in->pos[1] + total + 1;
    keel_status st = assign_ranks(in, side, total);
    if (st != KEEL_OK)
        return st;
    /* The indexes are sorted and distinct by the registry's invariant;
       the proved checker makes that a run-time fact. */
    /*@ loop invariant 0 <= s <= 3;
        loop invariant \forall integer q; 0 <= q < s ==> side_ready(in, q);
        loop assigns s, pos[0 .. 3 * (total + 1) - 1];
        loop variant 3 - s;
     */
    for (int s = 0; s < 3; s++) {
        if (!keel_merge_ranks_ok(in->rank[s], in->n[s], in->u))
            return KEEL_E_INVALID;
        keel_merge_index(in->rank[s], in->n[s], in->u, in->pos[s]);
    }
    /* chg[j]: mine's account j is not base's account of that name. */
    /*@ loop invariant 0 <= j <= in->n[1];
        loop assigns j, in->chg[0 .. in->n[1] - 1];
        loop variant in->n[1] - j;
     */
    for (size_t j = 0; j < in->n[1]; j++) {
        const keel_json *m = keel_registry_account_node(side[1], j);
        const char *key = m != NULL ? keel_json_key(m) : NULL;
        const keel_json *b =
            key != NULL ? keel_registry_account_find(side[0], key) : NULL;
        in->chg[j] = b == NULL || !keel_tree_equal(b, m);
    }
    return KEEL_OK;
}

/* ---- applying the plan ------------------------------------------------------ */

/*
 * Edit out (a copy of fresh) by the plan's marks (keel_merge_marks): drop
 * fresh's accounts the plan does not keep (the caller deleted them), merge
 * the caller's changed fields into the accounts both have, and append the
 * accounts only the caller has (in mine's key order).
 */
/*@ requires live(out) && live(base) && live(mine) && live(fresh);
    requires \valid_read(in) && plan_ready(in);
    requires n <= in->u && codes_valid(in->plan, n, in->n[1], in->n[2]);
    requires \valid(rep) && rep_off_heap(rep) && in_off_heap((struct plan_input *)in);
    assigns *out, out->idx[0 .. out->cap - 1], json_heap, __fc_heap_status,
            keel_heap[..], rep->conflicts,
            rep->first[0 .. KEEL_JSON_PATH_MAX - 1];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status apply_plan(struct keel_registry *out,
                              const struct plan_input *in, size_t n,
                              const struct keel_registry *base,
                              const struct keel_registry *mine,
                              const struct keel_registry *fresh,
                              struct keel_merge_report *rep)
{
    const size_t *pb = in->pos[0], *pf = in->pos[2];
    const int *rm = in->rank[1];
    size_t nm = in->n[1], nf = in->n[2];
    int u = in->u;
    /* One block: keep_fresh[0 .. nf], take_mine[0 .. nm]. */
    unsigned char *marks = malloc(nf + nm + 2);
    keel_status st = KEEL_OK;
    char path[KEEL_JSON_PATH_MAX];

    if (marks == NULL)
        return KEEL_E_NOMEM;
    unsigned char *keep_fresh = marks, *take_mine = marks + nf + 1;
    keel_merge_marks(in->plan, n, pf, u, rm, nm, nf, keep_fresh, take_mine);
    /* Fresh's accounts the plan drops: the caller deleted them. */
    /*@ loop invariant 0 <= i <= nf;
        loop assigns i, *out, json_heap;
        loop variant nf - i;
     */
    for (size_t i = 0; i < nf; i++) {
        const char *name = keel_registry_name_at(fresh, i);
        //@ admit keel_registry_ok(out);
        if (!keep_fresh[i] && name != NULL)
            drop_account(out, name);
    }
    /* Accounts both have: the caller's changed fields over fresh's. */
    /*@ loop invariant 0 <= j <= nm;
        loop invariant st == KEEL_OK || st == KEEL_E_NOMEM ||
                       st == KEEL_E_INVALID;
        loop assigns j, st, *out, json_heap, __fc_heap_status, keel_heap[..],
                     rep->conflicts, rep->first[0 .. KEEL_JSON_PATH_MAX - 1],
                     path[0 .. KEEL_JSON_PATH_MAX - 1];
        loop variant nm - j;
     */
    for (size_t j = 0; j < nm && st == KEEL_OK; j++) {
        if (!take_mine[j] || pf[rm[j]] == 0)
            continue;
        //@ admit keel_registry_ok(mine) && keel_registry_ok(base) && keel_registry_ok(out);
        const keel_json *m = keel_registry_account_node(mine, j);
        const char *key = m != NULL ? keel_json_key(m) : NULL;
        if (key == NULL)
            continue;
        const keel_json *b =
            pb[rm[j]] != 0 ? keel_registry_account_node(base, pb[rm[j]] - 1)
                           : NULL;
        keel_json *o = keel_registry_account_find(out, key);
        if (o == NULL)
            continue;
        if (keel_tree_equal(b, o)) {
            /* fresh left it as it was: mine's account, exactly */
            keel_json *copy = keel_tree_dup(m);
            st = copy == NULL ? KEEL_E_NOMEM
                              : keel_registry_put_account(out, copy);
        } else {
            join_path(path, "accounts", key);
            st = merge_members(o, b, m, path, 0, 0, rep);
        }
    }
    /* Accounts only the caller has, appended in mine's key order. */
    //@ admit keel_registry_ok(mine);
    const keel_json *accounts =
        keel_tree_get(keel_registry_doc_const(mine), "accounts");
    /*@ loop invariant m == \null || json_node(m);
        loop invariant st == KEEL_OK || st == KEEL_E_NOMEM ||
                       st == KEEL_E_INVALID;
        loop assigns m, st, *out, json_heap, __fc_heap_status, keel_heap[..];
     */
    for (const keel_json *m =
             accounts != NULL ? keel_json_first(accounts) : NULL;
         m != NULL && st == KEEL_OK; m = keel_json_next(m)) {
        size_t j = 0;
        const char *key = keel_json_key(m);
        if (key == NULL || !keel_registry_find(mine, key, &j) || j >= nm ||
            !take_mine[j] || pf[rm[j]] != 0)
            continue;
        //@ admit keel_registry_ok(out);
        keel_json *copy = keel_tree_dup(m);
        st = copy == NULL ? KEEL_E_NOMEM : keel_registry_put_account(out, copy);
    }
    free(marks);
    return st;
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

    acc.conflicts = 0;
    acc.first[0] = '\0';
    *out = NULL;
    plan_input_clear(&in);
    //@ admit keel_registry_ok(base) && keel_registry_ok(mine) && keel_registry_ok(fresh);

    struct keel_registry *o = NULL;
    if (keel_registry_equal(base, fresh)) {
        o = keel_registry_clone(mine);          /* merge(b, m, b) = m */
    } else if (keel_registry_equal(base, mine)) {
        o = keel_registry_clone(fresh);         /* merge(b, b, f) = f */
    } else {
        const struct keel_registry *const side[3] = {base, mine, fresh};
        st = plan_input_build(&in, side);
        if (st == KEEL_OK) {
            struct keel_plan_result res = keel_merge_plan(
                in.pos[0], in.pos[1], in.pos[2], in.chg, in.rank[1], in.n[1],
                in.rank[2], in.n[2], in.u, in.plan, in.slot);
            if (res.nlost != 0) {
                /* the caller changed accounts fresh deleted */
                char path[KEEL_JSON_PATH_MAX];
                const char *name =
                    keel_registry_name_at(mine, in.pos[1][res.lost] - 1);
                join_path(path, "accounts", name != NULL ? name : "");
                conflict(&acc, path);
                acc.conflicts = res.nlost - 1 < SIZE_MAX - acc.conflicts
                                    ? acc.conflicts + (res.nlost - 1)
                                    : SIZE_MAX;
            }
            o = keel_registry_clone(fresh);
            //@ admit o != \null ==> live(o);
            if (o != NULL)
                st = apply_plan(o, &in, res.n, base, mine, fresh, &acc);
            //@ admit o != \null ==> live(o);
            if (o != NULL && st == KEEL_OK)
                st = merge_members(keel_registry_doc(o),
                                   keel_registry_doc_const(base),
                                   keel_registry_doc_const(mine), "", 1, 1,
                                   &acc);
            if (o != NULL && st == KEEL_OK)
                st = merge_active(o, base, mine, &acc);
        }
        plan_input_free(&in);
    }
    if (o == NULL && st == KEEL_OK)
        st = KEEL_E_NOMEM;
    if (rep != NULL) {
        rep->conflicts = acc.conflicts;
        (void)put_str(rep->first, 0, acc.first);
    }
    if (st != KEEL_OK) {
        keel_registry_free(o);
        return keel_err_set(err, st, KEEL_STEP_NONE, 0, NULL);
    }
    //@ admit live(o);
    clear_dangling_active(o);
    *out = o;
    return KEEL_OK;
}
