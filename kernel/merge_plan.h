/*
 * merge_plan.h - the proved core of the 3-way merge: which account goes
 * where.
 *
 * Purpose
 *   keel_merge (merge.c) turns the accounts of base, mine and fresh into
 *   integer keys: each name's rank in one sorted (strcmp) order of every name
 *   in the three registries, the universe [0, u). Each side is then a
 *   strictly increasing array of ranks. The plan says, for each account of
 *   the merged registry, in order, where it comes from:
 *     plan[k] >= 0   fresh's account plan[k], unchanged;
 *     plan[k] <  0   mine's account -plan[k] - 1 (its changed fields merged
 *                    over fresh's account of the same name, if fresh has one).
 *   The rules are the predicates of spec/merge_model.h; the contracts below
 *   are proved with Frama-C WP (make prove): the plan is strictly sorted,
 *   holds exactly the accounts the rules keep, takes each from the side the
 *   rules say, is no longer than |mine| + |fresh|, and obeys the laws
 *   merge(b, b, f) = f and merge(b, m, b) = m.
 *
 * Calling sequence
 *   if (!keel_merge_ranks_ok(b, nb, u) || ...) bug();   // inputs as required
 *   keel_merge_index(b, nb, u, pb);   // and for mine, fresh
 *   res = keel_merge_plan(pb, pm, pf, chg, m, nm, f, nf, u, plan, slot);
 *   keel_merge_marks(plan, res.n, pf, u, m, nm, nf, keep_fresh, take_mine);
 *
 * Error handling
 *   Pure functions over caller-provided arrays; nothing allocated. The
 *   preconditions are checked at run time by keel_merge_ranks_ok.
 */
#ifndef KEEL_MERGE_PLAN_H
#define KEEL_MERGE_PLAN_H

#include <limits.h>
#include <stddef.h>

#include "../spec/merge_model.h"

/* A plan code: fresh index (>= 0) or mine index j as -j - 1. */
typedef long keel_plan_code;

/* What keel_merge_plan returns (by value: nothing else is written). */
struct keel_plan_result {
    size_t n;      /* output accounts: plan[0 .. n-1]                      */
    size_t nlost;  /* accounts the caller changed that fresh deleted        */
    int lost;      /* rank of the first of those, -1 if none                */
};

/* 1 if a[0..n-1] is strictly increasing with every rank in [0, u). */
/*@ requires n <= INT_MAX;
    requires \valid_read(a + (0 .. n - 1));
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==> sorted_ranks(a, n, u);
 */
int keel_merge_ranks_ok(const int *a, size_t n, int u);

/* pos[r] = i + 1 if a[i] == r, 0 if r is not in a, for r in [0, u). */
/*@ requires 0 <= u && n <= INT_MAX;
    requires \valid_read(a + (0 .. n - 1));
    requires \valid(pos + (0 .. u - 1));
    requires sorted_ranks(a, n, u);
    assigns pos[0 .. u - 1];
    ensures is_index(a, n, pos, u);
 */
void keel_merge_index(const int *a, size_t n, int u, size_t *pos);

/*
 * The plan. pb, pm, pf: the indexes (keel_merge_index) of base, mine and
 * fresh over [0, u); chg[j] != 0 if mine's account j differs from base's
 * account of the same name (ignored for accounts base does not have); m, f:
 * mine's and fresh's ranks. plan must hold u codes. Returns the number of
 * output accounts (n), how many accounts the caller changed that fresh
 * deleted (nlost: the deletion stands, a conflict) and the first one's rank
 * (lost, -1 if none). slot, u entries, is the witness (an output the caller
 * may ignore): slot[r] == k + 1 if rank r is output at slot k, 0 if rank r
 * is not output.
 */
/*@ requires 0 <= u && nm <= INT_MAX && nf <= INT_MAX;
    requires \valid_read(pb + (0 .. u - 1));
    requires \valid_read(pm + (0 .. u - 1));
    requires \valid_read(pf + (0 .. u - 1));
    requires \valid_read(chg + (0 .. nm - 1));
    requires \valid_read(m + (0 .. nm - 1));
    requires \valid_read(f + (0 .. nf - 1));
    requires \valid(plan + (0 .. u - 1));
    requires \valid(slot + (0 .. u - 1));
    requires sorted_ranks(m, nm, u) && sorted_ranks(f, nf, u);
    requires is_index(m, nm, pm, u) && is_index(f, nf, pf, u);
    assigns plan[0 .. u - 1], slot[0 .. u - 1];

    // bounded
    ensures bounded: \result.n <= u && \result.n <= nm + nf;
    // every slot names a real account, and the output is strictly sorted
    ensures codes_valid: \forall integer k; 0 <= k < \result.n ==>
              valid_code(plan[k], nm, nf);
    ensures sorted: \forall integer k1, k2; 0 <= k1 < k2 < \result.n ==>
              code_rank(m, f, plan[k1]) < code_rank(m, f, plan[k2]);
    // exactly the accounts the rules keep are output (witness: slot)
    ensures kept: \forall integer r; 0 <= r < u ==>
              (slot[r] != 0 <==> (take_mine(pb, pm, pf, chg, r) ||
                                  take_fresh(pb, pm, pf, chg, r)));
    ensures slot_rank: \forall integer r; 0 <= r < u ==> slot[r] != 0 ==>
              slot[r] <= \result.n &&
              code_rank(m, f, plan[slot[r] - 1]) == r;
    ensures slot_of_code: \forall integer k; 0 <= k < \result.n ==>
              slot[code_rank(m, f, plan[k])] == k + 1;
    // ... each from the side the rules say
    ensures from_mine: \forall integer r; 0 <= r < u ==> take_mine(pb, pm, pf, chg, r) ==>
              plan[slot[r] - 1] == -pm[r];
    ensures from_fresh: \forall integer r; 0 <= r < u ==> take_fresh(pb, pm, pf, chg, r) ==>
              plan[slot[r] - 1] == pf[r] - 1;
    // no account the caller deleted is output
    ensures no_deleted: \forall integer k; 0 <= k < \result.n ==>
              !caller_deleted(pb, pm, code_rank(m, f, plan[k]));
    // changes lost to a concurrent deletion are reported
    ensures lost_none: \result.nlost == 0 <==>
              (\forall integer r; 0 <= r < u ==>
                 !lost_change(pb, pm, pf, chg, r));
    ensures lost_first: \result.nlost != 0 ==> 0 <= \result.lost < u &&
              lost_change(pb, pm, pf, chg, \result.lost);

    behavior caller_changed_nothing:   // merge(b, b, f) = f
      assumes \forall integer r; 0 <= r < u ==> pm[r] == pb[r];
      assumes \forall integer j; 0 <= j < nm ==> chg[j] == 0;
      ensures law_b_b_f_len: \result.n == nf;
      ensures law_b_b_f: \forall integer k; 0 <= k < nf ==> plan[k] == k;
    behavior nobody_else_wrote:        // merge(b, m, b) = m
      assumes \forall integer r; 0 <= r < u ==> pf[r] == pb[r];
      ensures law_b_m_b_len: \result.n == nm;
      ensures law_b_m_b: \forall integer k; 0 <= k < nm ==>
                plan[k] == -k - 1 ||
                (plan[k] >= 0 && f[plan[k]] == m[k] && chg[k] == 0);
 */
struct keel_plan_result
keel_merge_plan(const size_t *pb, const size_t *pm, const size_t *pf,
                const unsigned char *chg, const int *m, size_t nm,
                const int *f, size_t nf, int u, keel_plan_code *plan,
                unsigned *slot);

/*
 * The plan as two mark arrays, what merge.c edits the tree by:
 *   take_mine[j] == 1   mine's account j is output (some plan[k] == -j - 1);
 *   keep_fresh[i] == 1  fresh's account i stays in the tree, unchanged
 *                       (some plan[k] == i) or with mine's changes merged
 *                       in place (a taken mine account of the same name:
 *                       pf[m[j]] == i + 1).
 * Every other entry is 0; nothing else is written. pf and m are fresh's
 * index and mine's ranks, as for keel_merge_plan; plan[0 .. n-1] its
 * output.
 */
/*@ requires 0 <= u && nm <= INT_MAX && nf <= INT_MAX;
    requires \valid_read(plan + (0 .. n - 1));
    requires \valid_read(pf + (0 .. u - 1));
    requires \valid_read(m + (0 .. nm - 1));
    requires \valid(keep_fresh + (0 .. nf - 1));
    requires \valid(take_mine + (0 .. nm - 1));
    requires \separated(keep_fresh + (0 .. nf - 1), take_mine + (0 .. nm - 1));
    requires codes_valid(plan, n, nm, nf);
    requires ranks_in(m, nm, u) && index_bound(pf, u, nf);
    assigns keep_fresh[0 .. nf - 1], take_mine[0 .. nm - 1];
    ensures mine_marks: \forall integer j; 0 <= j < nm ==>
              (take_mine[j] == 0 || take_mine[j] == 1) &&
              (take_mine[j] == 1 <==> plan_takes_mine(plan, n, j));
    ensures fresh_marks: \forall integer i; 0 <= i < nf ==>
              (keep_fresh[i] == 0 || keep_fresh[i] == 1) &&
              (keep_fresh[i] == 1 <==> plan_keeps_fresh(plan, n, pf, m, nm, i));
 */
void keel_merge_marks(const keel_plan_code *plan, size_t n, const size_t *pf,
                      int u, const int *m, size_t nm, size_t nf,
                      unsigned char *keep_fresh, unsigned char *take_mine);

#endif
