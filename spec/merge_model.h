/*
 * merge_model.h - the ACSL model of the 3-way merge plan (read only by
 * Frama-C; a C compiler sees nothing here).
 *
 * The merge is decided over integer keys: the accounts' ranks in one sorted
 * order of all the names in base, mine and fresh (the rank universe [0, u)).
 * Each side is a strictly increasing array of ranks; its index `pos` over the
 * universe says, for every rank r, where r sits in that side:
 *     pos[r] == i + 1   the side holds r at index i
 *     pos[r] == 0       the side does not hold r
 * With the three indexes pb, pm, pf (base, mine, fresh) and chg[j] ("mine's
 * account j differs from base's account of the same name"), the merge rules
 * of kernel/merge.h are predicates over one rank r:
 *
 *   caller_changed  mine holds r and base does not (added) or chg says the
 *                   caller edited it
 *   caller_deleted  base holds r and mine does not
 *   take_mine       caller_changed, and fresh still holds r or base never
 *                   did: the output account is mine's (fields merged over
 *                   fresh's when fresh holds it)
 *   lost_change     caller_changed, but fresh deleted an account base had:
 *                   the deletion stands, the merge reports a conflict
 *   take_fresh      fresh holds r and the caller neither changed nor
 *                   deleted it: the output account is fresh's, unchanged
 *
 * A plan code c says where output slot k comes from: c >= 0 is fresh[c],
 * c < 0 is mine[-c - 1].
 */
#ifndef KEEL_MERGE_MODEL_H
#define KEEL_MERGE_MODEL_H

#include <stddef.h>

/*@
  predicate strictly_sorted{L}(int *a, integer n) =
    \forall integer i, j; 0 <= i < j < n ==> a[i] < a[j];

  predicate ranks_in{L}(int *a, integer n, integer u) =
    \forall integer i; 0 <= i < n ==> 0 <= a[i] < u;

  predicate sorted_ranks{L}(int *a, integer n, integer u) =
    strictly_sorted(a, n) && ranks_in(a, n, u);

  // pos is the index of a over the universe [0, u).
  predicate is_index{L}(int *a, integer n, size_t *pos, integer u) =
    (\forall integer i; 0 <= i < n ==> pos[a[i]] == i + 1) &&
    (\forall integer r; 0 <= r < u ==>
        pos[r] <= n && (pos[r] != 0 ==> a[pos[r] - 1] == r));

  predicate caller_changed{L}(size_t *pb, size_t *pm, unsigned char *chg,
                              integer r) =
    pm[r] != 0 && (pb[r] == 0 || chg[pm[r] - 1] != 0);

  predicate caller_deleted{L}(size_t *pb, size_t *pm, integer r) =
    pb[r] != 0 && pm[r] == 0;

  predicate take_mine{L}(size_t *pb, size_t *pm, size_t *pf,
                         unsigned char *chg, integer r) =
    caller_changed(pb, pm, chg, r) && (pf[r] != 0 || pb[r] == 0);

  predicate lost_change{L}(size_t *pb, size_t *pm, size_t *pf,
                           unsigned char *chg, integer r) =
    caller_changed(pb, pm, chg, r) && pf[r] == 0 && pb[r] != 0;

  predicate take_fresh{L}(size_t *pb, size_t *pm, size_t *pf,
                          unsigned char *chg, integer r) =
    pf[r] != 0 && !caller_changed(pb, pm, chg, r) &&
    !caller_deleted(pb, pm, r);

  // A plan code is a fresh index (>= 0) or a mine index j as -j - 1.
  predicate valid_code(long c, integer nm, integer nf) =
    (c >= 0 ==> c < nf) && (c < 0 ==> -c <= nm);

  logic integer code_rank{L}(int *m, int *f, long c) =
    c >= 0 ? f[c] : m[-c - 1];

  // a's cursor c at rank r (a sorted): a[0 .. c-1] lie below r, the rest
  // at or above it.
  predicate cursor_at{L}(int *a, integer n, integer c, integer r) =
    0 <= c <= n && (c > 0 ==> a[c - 1] < r) && (c < n ==> a[c] >= r);
  // The witness slot over ranks [0, r): every slot names an output slot
  // k < n (slot_bound), whose code has that rank (slots_ranked) and comes
  // from the side the rules say (slots_mine, slots_fresh).
  predicate slot_bound{L}(unsigned *slot, integer r, integer n) =
    \forall integer q; 0 <= q < r ==> slot[q] <= n;

  predicate slots_ranked{L}(int *m, int *f, long *plan, unsigned *slot,
                            integer r) =
    \forall integer q; 0 <= q < r ==>
      slot[q] != 0 ==> code_rank(m, f, plan[slot[q] - 1]) == q;

  predicate slots_mine{L}(size_t *pb, size_t *pm, size_t *pf,
                          unsigned char *chg, long *plan, unsigned *slot,
                          integer r) =
    \forall integer q; 0 <= q < r ==>
      take_mine(pb, pm, pf, chg, q) ==> plan[slot[q] - 1] == -pm[q];

  predicate slots_fresh{L}(size_t *pb, size_t *pm, size_t *pf,
                           unsigned char *chg, long *plan, unsigned *slot,
                           integer r) =
    \forall integer q; 0 <= q < r ==>
      take_fresh(pb, pm, pf, chg, q) ==> plan[slot[q] - 1] == pf[q] - 1;

  // The plan as marks (keel_merge_marks): plan[0 .. n-1] takes mine's
  // account j, keeps fresh's account i unchanged, or keeps it with a
  // taken mine account of the same name merged into it.
  predicate codes_valid{L}(long *plan, integer n, integer nm, integer nf) =
    \forall integer k; 0 <= k < n ==> valid_code(plan[k], nm, nf);

  predicate index_bound{L}(size_t *pos, integer u, integer n) =
    \forall integer r; 0 <= r < u ==> pos[r] <= n;

  predicate plan_takes_mine{L}(long *plan, integer n, integer j) =
    \exists integer k; 0 <= k < n && plan[k] == -j - 1;

  predicate plan_has_fresh{L}(long *plan, integer n, integer i) =
    \exists integer k; 0 <= k < n && plan[k] == i;

  predicate plan_keeps_fresh{L}(long *plan, integer n, size_t *pf, int *m,
                                integer nm, integer i) =
    plan_has_fresh(plan, n, i) ||
    \exists integer j; 0 <= j < nm && plan_takes_mine(plan, n, j) &&
      pf[m[j]] == i + 1;
*/

#endif
