/*
 * merge_plan.c - the proved core of the 3-way merge (see merge_plan.h and
 * spec/merge_model.h). Every function here is proved with Frama-C WP,
 * including the absence of runtime errors (make prove).
 */
#include "merge_plan.h"

int keel_merge_ranks_ok(const int *a, size_t n, int u)
{
    /*@ loop invariant 0 <= i <= n;
        loop invariant sorted_ranks(a, i, u);
        loop assigns i;
        loop variant n - i;
     */
    for (size_t i = 0; i < n; i++) {
        if (a[i] < 0 || a[i] >= u)
            return 0;
        if (i > 0 && a[i - 1] >= a[i])
            return 0;
    }
    return 1;
}

void keel_merge_index(const int *a, size_t n, int u, size_t *pos)
{
    /*@ loop invariant 0 <= r <= u;
        loop invariant \forall integer q; 0 <= q < r ==> pos[q] == 0;
        loop assigns r, pos[0 .. u - 1];
        loop variant u - r;
     */
    for (int r = 0; r < u; r++)
        pos[r] = 0;
    /*@ loop invariant 0 <= i <= n;
        loop invariant \forall integer k; 0 <= k < i ==> pos[a[k]] == k + 1;
        loop invariant \forall integer r; 0 <= r < u ==> pos[r] <= i;
        loop invariant \forall integer r; 0 <= r < u ==>
                         pos[r] != 0 ==> a[pos[r] - 1] == r;
        loop assigns i, pos[0 .. u - 1];
        loop variant n - i;
     */
    for (size_t i = 0; i < n; i++)
        pos[a[i]] = i + 1;
}

/* What one rank contributes to the plan (keel_merge_step). */
struct keel_plan_step {
    keel_plan_code code; /* the slot's code, if the rank is kept      */
    int keep;            /* 1: rank r takes the next slot             */
    int lost;            /* 1: the caller's change to r is lost       */
};

/*
 * The rules of spec/merge_model.h for one rank r: keep it (and from which
 * side), drop it, or report the caller's change as lost. A separate function
 * so that the loop of keel_merge_plan sees only this contract.
 */
/*@ requires 0 <= r < u && nm <= INT_MAX && nf <= INT_MAX;
    requires \valid_read(pb + r) && \valid_read(pm + r) && \valid_read(pf + r);
    requires \valid_read(chg + (0 .. nm - 1));
    requires is_index(m, nm, pm, u) && is_index(f, nf, pf, u);
    assigns \nothing;
    ensures keep_bool: \result.keep == 0 || \result.keep == 1;
    ensures lost_bool: \result.lost == 0 || \result.lost == 1;
    ensures keep_rule: \result.keep == 1 <==>
              (take_mine(pb, pm, pf, chg, r) || take_fresh(pb, pm, pf, chg, r));
    ensures keep_side: \result.keep == 1 ==> (pm[r] != 0 || pf[r] != 0);
    ensures keep_valid: \result.keep == 1 ==> valid_code(\result.code, nm, nf);
    ensures keep_rank: \result.keep == 1 ==> code_rank(m, f, \result.code) == r;
    ensures keep_alive: \result.keep == 1 ==> !caller_deleted(pb, pm, r);
    ensures code_mine: take_mine(pb, pm, pf, chg, r) ==> \result.code == -pm[r];
    ensures code_fresh: take_fresh(pb, pm, pf, chg, r) ==>
              \result.code == pf[r] - 1;
    ensures lost_rule: \result.lost == 1 <==> lost_change(pb, pm, pf, chg, r);
 */
static struct keel_plan_step
keel_merge_step(const size_t *pb, const size_t *pm, const size_t *pf,
                const unsigned char *chg, const int *m, size_t nm,
                const int *f, size_t nf, int u, int r)
{
    size_t ib = pb[r], im = pm[r], i_f = pf[r];
    keel_plan_code code = 0;
    int keep = 0, lost = 0;

    /* m, nm, f, nf and u are read by the contract only. */
    (void)m;
    (void)nm;
    (void)f;
    (void)nf;
    (void)u;
    if (im != 0 && (ib == 0 || chg[im - 1] != 0)) {
        if (i_f != 0 || ib == 0) {
            /* the caller added or changed it, and it is still wanted */
            //@ assert m[im - 1] == r;
            code = -(keel_plan_code)im;
            keep = 1;
        } else {
            /* fresh deleted what the caller changed: the deletion stands */
            lost = 1;
        }
    } else if (i_f != 0 && !(ib != 0 && im == 0)) {
        /* fresh's, and the caller neither changed nor deleted it */
        //@ assert f[i_f - 1] == r;
        code = (keel_plan_code)(i_f - 1);
        keep = 1;
    }
    struct keel_plan_step s = {code, keep, lost};
    return s;
}

/*
 * A side's cursor over rank r: how many of its ranks lie below r + 1, given
 * how many lie below r (j). Used for mine and fresh alike.
 */
/*@ requires 0 <= r < u && n <= INT_MAX;
    requires \valid_read(pos + r);
    requires sorted_ranks(a, n, u) && is_index(a, n, pos, u);
    requires cursor_at(a, n, j, r);
    assigns \nothing;
    ensures next: cursor_at(a, n, \result, r + 1);
    ensures held: pos[r] != 0 ==> pos[r] == j + 1 && \result == j + 1;
    ensures absent: pos[r] == 0 ==> \result == j;
 */
static size_t keel_cursor_step(const int *a, size_t n, const size_t *pos,
                               int u, int r, size_t j)
{
    (void)a;
    (void)n;
    (void)u;
    if (pos[r] != 0) {
        //@ assert a[pos[r] - 1] == r;
        //@ assert pos[r] - 1 == j;
        return j + 1;
    }
    //@ assert j == n || a[j] > r;
    return j;
}

/*
 * Rank r's slot: plan[n] = code, and the witness slot[r] is n + 1 if the
 * rank is kept, 0 if not. A separate function so that its proof sees only
 * the facts about slots, and the loop only this contract.
 */
/*@ requires 0 <= r < u && n <= r;
    requires \valid(plan + n) && \valid(slot + r);
    requires keep == 0 || keep == 1;
    requires keep == 1 <==>
      (take_mine(pb, pm, pf, chg, r) || take_fresh(pb, pm, pf, chg, r));
    requires keep == 1 ==> code_rank(m, f, code) == r;
    requires take_mine(pb, pm, pf, chg, r) ==> code == -pm[r];
    requires take_fresh(pb, pm, pf, chg, r) ==> code == pf[r] - 1;
    requires slot_bound(slot, r, n);
    requires \forall integer q; 0 <= q < r ==>
      (take_mine(pb, pm, pf, chg, q) || take_fresh(pb, pm, pf, chg, q)) ==>
      slot[q] != 0;
    requires slots_ranked(m, f, plan, slot, r);
    requires slots_mine(pb, pm, pf, chg, plan, slot, r);
    requires slots_fresh(pb, pm, pf, chg, plan, slot, r);
    assigns plan[n], slot[r];
    ensures emit_plan: plan[n] == code;
    ensures emit_slot: slot[r] == (keep == 1 ? n + 1 : 0);
    ensures emit_n: \result == n + keep;
    ensures emit_bound: slot_bound(slot, r + 1, \result);
    ensures emit_rank: slots_ranked(m, f, plan, slot, r + 1);
    ensures emit_mine: slots_mine(pb, pm, pf, chg, plan, slot, r + 1);
    ensures emit_fresh: slots_fresh(pb, pm, pf, chg, plan, slot, r + 1);
 */
static size_t keel_plan_emit(const size_t *pb, const size_t *pm,
                           const size_t *pf, const unsigned char *chg,
                           const int *m, const int *f, int u, int r,
                           keel_plan_code *plan, size_t n,
                           keel_plan_code code, int keep, unsigned *slot)
{
    /* pb, pm, pf, chg, m, f and u are read by the contract only. */
    (void)pb;
    (void)pm;
    (void)pf;
    (void)chg;
    (void)m;
    (void)f;
    (void)u;
    (void)r;
    (void)keep;
    plan[n] = code;
    slot[r] = keep ? (unsigned)(n + 1) : 0u;
    /* The explicit forms of the postconditions, proved one by one. */
    /*@ assert rank_at: \forall integer q; 0 <= q <= r ==>
          slot[q] != 0 ==> code_rank(m, f, plan[slot[q] - 1]) == q; */
    /*@ assert mine_at: \forall integer q; 0 <= q <= r ==>
          take_mine(pb, pm, pf, chg, q) ==> plan[slot[q] - 1] == -pm[q]; */
    /*@ assert fresh_at: \forall integer q; 0 <= q <= r ==>
          take_fresh(pb, pm, pf, chg, q) ==> plan[slot[q] - 1] == pf[q] - 1; */
    return n + (size_t)keep;
}

/*
 * One pass over the ranks in order: each rank emits at most one slot, so the
 * plan is sorted by construction. jm and jf are the cursors of mine and
 * fresh (how many of their ranks lie below r); they bound the length and
 * carry the two laws. plan[n] is written on every rank (n < u); it becomes
 * part of the plan only when the rank is kept.
 */
struct keel_plan_result
keel_merge_plan(const size_t *pb, const size_t *pm, const size_t *pf,
                const unsigned char *chg, const int *m, size_t nm,
                const int *f, size_t nf, int u, keel_plan_code *plan,
                unsigned *slot)
{
    size_t n = 0, jm = 0, jf = 0, nl = 0;
    int first = -1;

    /*@ loop invariant bounds: 0 <= r <= u && n <= r && n <= jm + jf;
        loop invariant mine_cursor: cursor_at(m, nm, jm, r);
        loop invariant fresh_cursor: cursor_at(f, nf, jf, r);
        loop invariant codes: \forall integer k; 0 <= k < n ==>
            valid_code(plan[k], nm, nf) && code_rank(m, f, plan[k]) < r &&
            !caller_deleted(pb, pm, code_rank(m, f, plan[k]));
        loop invariant sorted: \forall integer k1, k2; 0 <= k1 < k2 < n ==>
            code_rank(m, f, plan[k1]) < code_rank(m, f, plan[k2]);
        loop invariant slot_of_code: \forall integer k; 0 <= k < n ==>
            slot[code_rank(m, f, plan[k])] == k + 1;
        loop invariant kept: \forall integer q; 0 <= q < r ==>
            (slot[q] != 0 <==> (take_mine(pb, pm, pf, chg, q) ||
                                take_fresh(pb, pm, pf, chg, q)));
        loop invariant slot_bound: slot_bound(slot, r, n);
        loop invariant slot_rank: slots_ranked(m, f, plan, slot, r);
        loop invariant from_mine: slots_mine(pb, pm, pf, chg, plan, slot, r);
        loop invariant from_fresh: slots_fresh(pb, pm, pf, chg, plan, slot, r);
        loop invariant lost_count: nl <= r &&
            (nl == 0 <==> (\forall integer q; 0 <= q < r ==>
                             !lost_change(pb, pm, pf, chg, q)));
        loop invariant lost_first: nl != 0 ==> 0 <= first < r &&
            lost_change(pb, pm, pf, chg, first);
        for caller_changed_nothing: loop invariant law_b_b_f:
            n == jf && \forall integer k; 0 <= k < n ==> plan[k] == k;
        for nobody_else_wrote: loop invariant law_b_m_b:
            n == jm && \forall integer k; 0 <= k < n ==>
              plan[k] == -k - 1 ||
              (plan[k] >= 0 && f[plan[k]] == m[k] && chg[k] == 0);
        loop assigns r, n, jm, jf, nl, first, plan[0 .. u - 1],
                     slot[0 .. u - 1];
        loop variant u - r;
     */
    /* r != u, not r < u: at exit WP then knows r == u exactly. */
    for (int r = 0; r != u; r++) {
        struct keel_plan_step s =
            keel_merge_step(pb, pm, pf, chg, m, nm, f, nf, u, r);

        n = keel_plan_emit(pb, pm, pf, chg, m, f, u, r, plan, n, s.code,
                           s.keep, slot);
        if (s.lost) {
            if (nl == 0)
                first = r;
            nl++;
        }
        jm = keel_cursor_step(m, nm, pm, u, r, jm);
        jf = keel_cursor_step(f, nf, pf, u, r, jf);
    }
    struct keel_plan_result res = {n, nl, first};
    return res;
}

/*
 * Three passes, each with one simple invariant: mine's marks from the
 * plan's negative codes, fresh's marks from its non-negative codes, then
 * fresh's accounts that a taken mine account is merged into.
 */
void keel_merge_marks(const keel_plan_code *plan, size_t n, const size_t *pf,
                      int u, const int *m, size_t nm, size_t nf,
                      unsigned char *keep_fresh, unsigned char *take_mine)
{
    (void)u;
    /*@ loop invariant 0 <= j <= nm;
        loop invariant \forall integer q; 0 <= q < j ==> take_mine[q] == 0;
        loop assigns j, take_mine[0 .. nm - 1];
        loop variant nm - j;
     */
    for (size_t j = 0; j < nm; j++)
        take_mine[j] = 0;
    /*@ loop invariant 0 <= i <= nf;
        loop invariant \forall integer q; 0 <= q < i ==> keep_fresh[q] == 0;
        loop assigns i, keep_fresh[0 .. nf - 1];
        loop variant nf - i;
     */
    for (size_t i = 0; i < nf; i++)
        keep_fresh[i] = 0;
    /*@ loop invariant 0 <= k <= n;
        loop invariant \forall integer j; 0 <= j < nm ==>
          (take_mine[j] == 0 || take_mine[j] == 1) &&
          (take_mine[j] == 1 <==> plan_takes_mine(plan, k, j));
        loop assigns k, take_mine[0 .. nm - 1];
        loop variant n - k;
     */
    for (size_t k = 0; k < n; k++)
        if (plan[k] < 0)
            take_mine[-plan[k] - 1] = 1;
    /*@ loop invariant 0 <= k <= n;
        loop invariant \forall integer i; 0 <= i < nf ==>
          (keep_fresh[i] == 0 || keep_fresh[i] == 1) &&
          (keep_fresh[i] == 1 <==> plan_has_fresh(plan, k, i));
        loop assigns k, keep_fresh[0 .. nf - 1];
        loop variant n - k;
     */
    for (size_t k = 0; k < n; k++)
        if (plan[k] >= 0)
            keep_fresh[plan[k]] = 1;
    /*@ loop invariant 0 <= j <= nm;
        loop invariant \forall integer i; 0 <= i < nf ==>
          (keep_fresh[i] == 0 || keep_fresh[i] == 1) &&
          (keep_fresh[i] == 1 <==> (plan_has_fresh(plan, n, i) ||
             \exists integer q; 0 <= q < j && take_mine[q] == 1 &&
               pf[m[q]] == i + 1));
        loop assigns j, keep_fresh[0 .. nf - 1];
        loop variant nm - j;
     */
    for (size_t j = 0; j < nm; j++)
        if (take_mine[j] && pf[m[j]] != 0)
            keep_fresh[pf[m[j]] - 1] = 1; /* merged in place */
}
