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

/*
 * One pass over the ranks in order: each rank emits at most one slot, so the
 * plan is sorted by construction. jm and jf are the cursors of mine and
 * fresh (how many of their ranks lie below r); they bound the length and
 * carry the two laws.
 */
struct keel_plan_result
keel_merge_plan(const size_t *pb, const size_t *pm, const size_t *pf,
                const unsigned char *chg, const int *m, size_t nm,
                const int *f, size_t nf, int u, keel_plan_code *plan)
    /*@ ghost (unsigned \ghost *slot) */
{
    size_t n = 0, jm = 0, jf = 0, nl = 0;
    int first = -1;

    /* m, f and their lengths are read by the contract only. */
    (void)m;
    (void)nm;
    (void)f;
    (void)nf;
    /*@ loop invariant bounds: 0 <= r <= u && n <= r && n <= jm + jf;
        loop invariant mine_cursor: cursor_at(m, nm, jm, r);
        loop invariant fresh_cursor: cursor_at(f, nf, jf, r);
        loop invariant codes: \forall integer k; 0 <= k < n ==>
            valid_code(plan[k], nm, nf) && code_rank(m, f, plan[k]) < r;
        loop invariant sorted: \forall integer k1, k2; 0 <= k1 < k2 < n ==>
            code_rank(m, f, plan[k1]) < code_rank(m, f, plan[k2]);
        loop invariant slot_of_code: \forall integer k; 0 <= k < n ==>
            slot[code_rank(m, f, plan[k])] == k + 1;
        loop invariant kept: \forall integer q; 0 <= q < r ==>
            (slot[q] != 0 <==> (take_mine(pb, pm, pf, chg, q) ||
                                take_fresh(pb, pm, pf, chg, q)));
        loop invariant slot_bound: \forall integer q; 0 <= q < r ==>
            slot[q] <= n;
        loop invariant slot_rank: \forall integer q; 0 <= q < r ==>
            slot[q] != 0 ==> code_rank(m, f, plan[slot[q] - 1]) == q;
        loop invariant from_mine: \forall integer q; 0 <= q < r ==>
            take_mine(pb, pm, pf, chg, q) ==> plan[slot[q] - 1] == -pm[q];
        loop invariant from_fresh: \forall integer q; 0 <= q < r ==>
            take_fresh(pb, pm, pf, chg, q) ==> plan[slot[q] - 1] == pf[q] - 1;
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
        size_t ib = pb[r], im = pm[r], i_f = pf[r];
        /* The cursors sit exactly on r when the side holds r. */
        //@ assert im != 0 ==> im - 1 == jm;
        //@ assert im == 0 ==> jm == nm || m[jm] > r;
        //@ assert i_f != 0 ==> i_f - 1 == jf;
        //@ assert i_f == 0 ==> jf == nf || f[jf] > r;
        int changed = im != 0 && (ib == 0 || chg[im - 1] != 0);
        //@ assert changed != 0 <==> caller_changed(pb, pm, chg, r);

        if (changed && (i_f != 0 || ib == 0)) {
            /* the caller added or changed it, and it is still wanted */
            //@ assert m[im - 1] == r;
            plan[n] = -(keel_plan_code)im;
            /*@ ghost slot[r] = (unsigned)(n + 1); */
            n++;
        } else if (changed) {
            /* fresh deleted what the caller changed: the deletion stands */
            if (nl == 0)
                first = r;
            nl++;
            /*@ ghost slot[r] = 0; */
        } else if (i_f != 0 && !(ib != 0 && im == 0)) {
            /* fresh's, and the caller neither changed nor deleted it */
            //@ assert f[i_f - 1] == r;
            plan[n] = (keel_plan_code)(i_f - 1);
            /*@ ghost slot[r] = (unsigned)(n + 1); */
            n++;
        } else {
            /*@ ghost slot[r] = 0; */
        }
        if (im != 0)
            jm++;
        if (i_f != 0)
            jf++;
    }
    struct keel_plan_result res = {n, nl, first};
    return res;
}
