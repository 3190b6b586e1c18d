/*
 * test_merge_plan.c - the merge plan (merge_plan.c) against a plain
 * reference written from the rules of merge.h, over random rank sets, and
 * the two laws at the plan level. The contracts are proved (make prove);
 * these tests check the same facts on concrete inputs and catch a contract
 * that says less than the code should do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../kernel/merge_plan.h"

#define MAXU 48
#define CASES 2000

/* Three sides over the universe [0, u): membership and "changed" flags. */
struct sides {
    int u;
    int in[3][MAXU];            /* base, mine, fresh hold rank r      */
    int chg_of[MAXU];           /* mine's account at rank r changed   */
    int rank[3][MAXU];
    size_t n[3];
    unsigned char chg[MAXU];
    size_t pos[3][MAXU];
};

static unsigned long long rng_state;

static unsigned rnd(unsigned bound)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng_state >> 33) % bound);
}

static void finish(struct sides *s)
{
    for (int k = 0; k < 3; k++) {
        s->n[k] = 0;
        for (int r = 0; r < s->u; r++)
            if (s->in[k][r]) {
                if (k == 1)
                    s->chg[s->n[k]] = (unsigned char)s->chg_of[r];
                s->rank[k][s->n[k]++] = r;
            }
        assert_true(keel_merge_ranks_ok(s->rank[k], s->n[k], s->u));
        keel_merge_index(s->rank[k], s->n[k], s->u, s->pos[k]);
    }
}

/* Random sides: mine and fresh derived from base by random edits. */
static void random_sides(struct sides *s)
{
    memset(s, 0, sizeof *s);
    s->u = 1 + (int)rnd(MAXU);
    for (int r = 0; r < s->u; r++) {
        s->in[0][r] = rnd(2);
        for (int k = 1; k < 3; k++) {
            unsigned d = rnd(6);
            s->in[k][r] = d == 0 ? !s->in[0][r] : s->in[0][r];
        }
        s->chg_of[r] = s->in[1][r] && (!s->in[0][r] || rnd(4) == 0);
    }
    finish(s);
}

/* The rules of merge.h, one rank at a time. 1 mine, 2 fresh, 0 none. */
static int expected_source(const struct sides *s, int r, int *lost)
{
    int b = s->in[0][r], m = s->in[1][r], f = s->in[2][r];
    int changed = m && (!b || s->chg_of[r]);
    *lost = 0;
    if (changed && (f || !b))
        return 1;
    if (changed) {
        *lost = 1;
        return 0;
    }
    if (f && !(b && !m))
        return 2;
    return 0;
}

static int code_rank(const struct sides *s, keel_plan_code c)
{
    return c >= 0 ? s->rank[2][c] : s->rank[1][-c - 1];
}

static size_t run_plan(const struct sides *s, keel_plan_code *plan, int *lost,
                       size_t *nlost)
{
    unsigned slot[MAXU];
    struct keel_plan_result res =
        keel_merge_plan(s->pos[0], s->pos[1], s->pos[2], s->chg, s->rank[1],
                        s->n[1], s->rank[2], s->n[2], s->u, plan, slot);
    *lost = res.lost;
    *nlost = res.nlost;
    return res.n;
}

static void plan_matches_the_rules_on_random_sides(void **state)
{
    (void)state;
    rng_state = 20260501;
    for (int t = 0; t < CASES; t++) {
        struct sides s;
        keel_plan_code plan[MAXU];
        int lost = -2;
        size_t nlost = 99;
        random_sides(&s);
        size_t n = run_plan(&s, plan, &lost, &nlost);
        assert_true(n <= s.n[1] + s.n[2]);
        size_t k = 0, want_lost = 0;
        int first_lost = -1;
        for (int r = 0; r < s.u; r++) {
            int l = 0;
            int src = expected_source(&s, r, &l);
            if (l && want_lost++ == 0)
                first_lost = r;
            if (src == 0)
                continue;
            assert_true(k < n);
            assert_int_equal(code_rank(&s, plan[k]), r);
            assert_int_equal(plan[k] < 0 ? 1 : 2, src);
            k++;
        }
        assert_int_equal(k, n);
        assert_int_equal(nlost, want_lost);
        assert_int_equal(lost, first_lost);
    }
}

static void plan_is_strictly_sorted_and_never_holds_a_deleted_account(
    void **state)
{
    (void)state;
    rng_state = 7;
    for (int t = 0; t < CASES; t++) {
        struct sides s;
        keel_plan_code plan[MAXU];
        int lost;
        size_t nlost;
        random_sides(&s);
        size_t n = run_plan(&s, plan, &lost, &nlost);
        for (size_t k = 0; k < n; k++) {
            int r = code_rank(&s, plan[k]);
            if (k > 0)
                assert_true(code_rank(&s, plan[k - 1]) < r);
            assert_false(s.in[0][r] && !s.in[1][r]);
        }
    }
}

static void plan_of_unchanged_mine_is_fresh(void **state)
{
    (void)state;
    rng_state = 11;
    for (int t = 0; t < CASES; t++) {
        struct sides s;
        keel_plan_code plan[MAXU];
        int lost;
        size_t nlost;
        random_sides(&s);
        for (int r = 0; r < s.u; r++) {     /* mine := base, unchanged */
            s.in[1][r] = s.in[0][r];
            s.chg_of[r] = 0;
        }
        finish(&s);
        size_t n = run_plan(&s, plan, &lost, &nlost);
        assert_int_equal(n, s.n[2]);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(plan[k], (keel_plan_code)k);
        assert_int_equal(nlost, 0);
    }
}

static void plan_over_unchanged_fresh_is_mine(void **state)
{
    (void)state;
    rng_state = 13;
    for (int t = 0; t < CASES; t++) {
        struct sides s;
        keel_plan_code plan[MAXU];
        int lost;
        size_t nlost;
        random_sides(&s);
        for (int r = 0; r < s.u; r++)       /* fresh := base */
            s.in[2][r] = s.in[0][r];
        finish(&s);
        size_t n = run_plan(&s, plan, &lost, &nlost);
        assert_int_equal(n, s.n[1]);
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(code_rank(&s, plan[k]), s.rank[1][k]);
            if (plan[k] >= 0)
                assert_int_equal(s.chg[k], 0);
        }
        assert_int_equal(nlost, 0);
    }
}

static void remove_sticks_after_concurrent_change(void **state)
{
    /* rank 0: base and fresh (fresh changed it), mine deleted it. */
    struct sides s;
    keel_plan_code plan[MAXU];
    int lost;
    size_t nlost;
    (void)state;
    memset(&s, 0, sizeof s);
    s.u = 2;
    s.in[0][0] = s.in[2][0] = 1;
    s.in[0][1] = s.in[1][1] = s.in[2][1] = 1;
    finish(&s);
    size_t n = run_plan(&s, plan, &lost, &nlost);
    assert_int_equal(n, 1);
    assert_int_equal(code_rank(&s, plan[0]), 1);
}

static void change_to_an_account_fresh_deleted_is_a_conflict(void **state)
{
    struct sides s;
    keel_plan_code plan[MAXU];
    int lost;
    size_t nlost;
    (void)state;
    memset(&s, 0, sizeof s);
    s.u = 3;
    s.in[0][1] = s.in[1][1] = 1;  /* fresh deleted 1, mine changed it */
    s.chg_of[1] = 1;
    s.in[1][2] = 1;               /* mine added 2 */
    finish(&s);
    size_t n = run_plan(&s, plan, &lost, &nlost);
    assert_int_equal(n, 1);
    assert_int_equal(code_rank(&s, plan[0]), 2);
    assert_true(plan[0] < 0);
    assert_int_equal(nlost, 1);
    assert_int_equal(lost, 1);
}

static void ranks_checker_rejects_unsorted_and_out_of_range(void **state)
{
    const int ok[] = {0, 2, 5}, dup[] = {0, 2, 2}, down[] = {3, 1},
              neg[] = {-1, 2}, big[] = {0, 6};
    (void)state;
    assert_int_equal(keel_merge_ranks_ok(ok, 3, 6), 1);
    assert_int_equal(keel_merge_ranks_ok(ok, 0, 0), 1);
    assert_int_equal(keel_merge_ranks_ok(dup, 3, 6), 0);
    assert_int_equal(keel_merge_ranks_ok(down, 2, 6), 0);
    assert_int_equal(keel_merge_ranks_ok(neg, 2, 6), 0);
    assert_int_equal(keel_merge_ranks_ok(big, 2, 6), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_matches_the_rules_on_random_sides),
        cmocka_unit_test(
            plan_is_strictly_sorted_and_never_holds_a_deleted_account),
        cmocka_unit_test(plan_of_unchanged_mine_is_fresh),
        cmocka_unit_test(plan_over_unchanged_fresh_is_mine),
        cmocka_unit_test(remove_sticks_after_concurrent_change),
        cmocka_unit_test(change_to_an_account_fresh_deleted_is_a_conflict),
        cmocka_unit_test(ranks_checker_rejects_unsorted_and_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
