/*
 * test_merge.c - the 3-way merge of registries (merge.c over the proved
 * plan): the laws over random triples, the per-account and per-field rules
 * of merge.h, and the conflict report.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/merge.h"
#include "../../kernel/tree.h"

/* The tests build and inspect trees with cJSON itself (keel_json is
   struct cJSON). */
#include <cjson/cJSON.h>

#define TRIPLES 1500
#define POOL 10

static unsigned long long rng_state;

static unsigned rnd(unsigned bound)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng_state >> 33) % bound);
}

static const char *pool_name(unsigned i)
{
    static const char *names[POOL] = {"work", "home", "a", "b.c", "z9",
                                      "me@x", "Q", "q", "x-1", "x+2"};
    return names[i % POOL];
}

static const char *pool_value(void)
{
    static const char *values[] = {"v0", "v1", "v2", "plus", "pro",
                                   "2026-05-01T10:00:00.000Z"};
    return values[rnd(6)];
}

static void ok(keel_status st)
{
    assert_int_equal(st, KEEL_OK);
}

/* One random edit, keeping the active name pointing at an account. */
static void random_edit(struct keel_registry *r)
{
    size_t n = keel_registry_count(r);
    const char *active = keel_registry_active(r);
    char name[32], to[32];
    unsigned op = rnd(10);

    if (n == 0 || op == 0) {
        const char *nm = pool_name(rnd(POOL));
        if (keel_registry_find(r, nm, NULL))
            return;
        ok(keel_registry_add(r, nm, rnd(2) ? pool_value() : NULL, NULL));
        return;
    }
    snprintf(name, sizeof name, "%s", keel_registry_name_at(r, rnd((unsigned)n)));
    int was_active = active != NULL && strcmp(active, name) == 0;
    switch (op) {
    case 1: /* remove */
        ok(keel_registry_remove(r, name, NULL));
        if (was_active)
            ok(keel_registry_set_active(r, NULL, NULL));
        break;
    case 2: /* rename */
        snprintf(to, sizeof to, "%s", pool_name(rnd(POOL)));
        if (keel_registry_find(r, to, NULL))
            return;
        ok(keel_registry_rename(r, name, to, NULL));
        if (was_active)
            ok(keel_registry_set_active(r, to, NULL));
        break;
    case 3: /* remove a field */
        ok(keel_registry_set_string(r, name, (keel_field)rnd(KEEL_F_COUNT),
                                    NULL, NULL));
        break;
    case 4: { /* usage */
        struct keel_usage_window p = {1, (double)rnd(100), 300, 1777777777};
        struct keel_usage_window s = {1, (double)rnd(100) / 4, 10080,
                                      1778000000};
        ok(keel_registry_set_usage(r, name, &p, &s, "plus", pool_value(),
                                   "api", pool_value(), NULL));
        break;
    }
    case 5: { /* globals */
        struct keel_globals g;
        keel_registry_globals(r, &g);
        if (rnd(2))
            g.auto_enabled = !g.auto_enabled;
        else
            g.threshold_5h = rnd(50);
        if (rnd(3) == 0)
            g.api_usage = !g.api_usage;
        ok(keel_registry_set_globals(r, &g, NULL));
        break;
    }
    case 6: /* active */
        ok(keel_registry_set_active(r, rnd(3) ? name : NULL, NULL));
        break;
    default: /* a field */
        ok(keel_registry_set_string(r, name, (keel_field)rnd(KEEL_F_COUNT),
                                    pool_value(), NULL));
        break;
    }
}

static struct keel_registry *random_base(void)
{
    struct keel_registry *r = keel_registry_new();
    assert_non_null(r);
    unsigned edits = rnd(14);
    for (unsigned i = 0; i < edits; i++)
        random_edit(r);
    return r;
}

static struct keel_registry *derive(const struct keel_registry *base,
                                    unsigned max_edits)
{
    struct keel_registry *r = keel_registry_clone(base);
    assert_non_null(r);
    unsigned edits = rnd(max_edits + 1);
    for (unsigned i = 0; i < edits; i++)
        random_edit(r);
    return r;
}

static struct keel_registry *merge(const struct keel_registry *b,
                                   const struct keel_registry *m,
                                   const struct keel_registry *f,
                                   struct keel_merge_report *rep)
{
    struct keel_registry *out = NULL;
    struct keel_err err;
    keel_err_clear(&err);
    ok(keel_merge(b, m, f, &out, rep, &err));
    assert_non_null(out);
    return out;
}

static const cJSON *account(const struct keel_registry *r, const char *name)
{
    return r == NULL ? NULL : keel_registry_account_find(r, name);
}

/* ---- laws over random triples --------------------------------------------- */

static void merge_of_unchanged_mine_is_fresh(void **state)
{
    (void)state;
    rng_state = 1;
    for (int t = 0; t < TRIPLES; t++) {
        struct keel_registry *b = random_base(), *f = derive(b, 6);
        struct keel_registry *m = keel_registry_clone(b);
        struct keel_merge_report rep;
        struct keel_registry *o = merge(b, m, f, &rep);
        assert_true(keel_registry_equal(o, f));
        assert_int_equal(rep.conflicts, 0);
        keel_registry_free(o);
        keel_registry_free(b);
        keel_registry_free(m);
        keel_registry_free(f);
    }
}

static void merge_over_unchanged_fresh_is_mine(void **state)
{
    (void)state;
    rng_state = 2;
    for (int t = 0; t < TRIPLES; t++) {
        struct keel_registry *b = random_base(), *m = derive(b, 6);
        struct keel_registry *f = keel_registry_clone(b);
        struct keel_merge_report rep;
        struct keel_registry *o = merge(b, m, f, &rep);
        assert_true(keel_registry_equal(o, m));
        assert_int_equal(rep.conflicts, 0);
        keel_registry_free(o);
        keel_registry_free(b);
        keel_registry_free(m);
        keel_registry_free(f);
    }
}

/* Every member of a changed account: mine's where mine changed it against
   base, fresh's otherwise. */
static void check_fields(const cJSON *b, const cJSON *m, const cJSON *f,
                         const cJSON *o)
{
    for (const cJSON *mv = m->child; mv != NULL; mv = mv->next) {
        if (!keel_tree_equal(keel_tree_get(b, mv->string), mv))
            assert_true(keel_tree_equal(keel_tree_get(o, mv->string), mv));
        else
            assert_true(keel_tree_equal(keel_tree_get(o, mv->string),
                                        keel_tree_get(f, mv->string)));
    }
    for (const cJSON *bv = b != NULL ? b->child : NULL; bv != NULL;
         bv = bv->next)
        if (keel_tree_get(m, bv->string) == NULL)
            assert_null(keel_tree_get(o, bv->string));
    for (const cJSON *fv = f->child; fv != NULL; fv = fv->next)
        if (keel_tree_get(m, fv->string) == NULL &&
            keel_tree_get(b, fv->string) == NULL)
            assert_true(keel_tree_equal(keel_tree_get(o, fv->string), fv));
}

/* The rules of merge.h, account by account, over the union of names. */
static void check_rules(const struct keel_registry *b,
                        const struct keel_registry *m,
                        const struct keel_registry *f,
                        const struct keel_registry *o,
                        const struct keel_merge_report *rep)
{
    const struct keel_registry *side[4] = {b, m, f, o};
    size_t lost = 0;
    for (int s = 0; s < 4; s++) {
        for (size_t i = 0; i < keel_registry_count(side[s]); i++) {
            const char *name = keel_registry_name_at(side[s], i);
            const cJSON *bn = account(b, name), *mn = account(m, name),
                        *fn = account(f, name), *on = account(o, name);
            int touched = (bn == NULL) != (mn == NULL) ||
                          (mn != NULL && !keel_tree_equal(bn, mn));
            if (!touched) {                 /* fresh's state, deletion too */
                if (fn == NULL)
                    assert_null(on);
                else
                    assert_true(keel_tree_equal(on, fn));
            } else if (mn == NULL) {        /* the caller deleted it */
                assert_null(on);
            } else if (fn == NULL && bn != NULL) { /* fresh deleted it */
                assert_null(on);
                lost += s == 1;
            } else if (fn == NULL) {        /* the caller added it */
                assert_true(keel_tree_equal(on, mn));
            } else {
                assert_non_null(on);
                check_fields(bn, mn, fn, on);
            }
        }
    }
    for (size_t i = 0; i < keel_registry_count(o); i++) {
        const char *name = keel_registry_name_at(o, i);
        assert_true(account(f, name) != NULL || account(m, name) != NULL);
    }
    const char *active = keel_registry_active(o);
    if (active != NULL)
        assert_non_null(account(o, active));
    assert_true(rep->conflicts >= lost);
}

static void merge_follows_the_rules_on_random_triples(void **state)
{
    (void)state;
    rng_state = 3;
    for (int t = 0; t < TRIPLES; t++) {
        struct keel_registry *b = random_base(), *m = derive(b, 5),
                             *f = derive(b, 5);
        struct keel_merge_report rep;
        struct keel_registry *o = merge(b, m, f, &rep);
        check_rules(b, m, f, o, &rep);
        if (rep.conflicts == 0)
            assert_int_equal(rep.first[0], '\0');
        else
            assert_true(rep.first[0] != '\0');
        keel_registry_free(o);
        keel_registry_free(b);
        keel_registry_free(m);
        keel_registry_free(f);
    }
}

/* ---- the rules, one at a time ------------------------------------------- */

static struct keel_registry *two_accounts(void)
{
    struct keel_registry *r = keel_registry_new();
    assert_non_null(r);
    ok(keel_registry_add(r, "work", "2026-05-01T10:00:00.000Z", NULL));
    ok(keel_registry_add(r, "home", NULL, NULL));
    ok(keel_registry_set_string(r, "work", KEEL_F_EMAIL, "w@x", NULL));
    ok(keel_registry_set_string(r, "home", KEEL_F_EMAIL, "h@x", NULL));
    ok(keel_registry_set_active(r, "work", NULL));
    return r;
}

static const char *email(const struct keel_registry *r, const char *name)
{
    struct keel_account_view v;
    if (keel_registry_view(r, name, &v) != KEEL_OK)
        return NULL;
    return v.field[KEEL_F_EMAIL];
}

static void disjoint_field_changes_are_both_kept(void **state)
{
    struct keel_registry *b = two_accounts();
    struct keel_registry *m = keel_registry_clone(b), *f = keel_registry_clone(b);
    struct keel_merge_report rep;
    struct keel_account_view v;
    (void)state;
    ok(keel_registry_set_string(m, "work", KEEL_F_EMAIL, "new@x", NULL));
    ok(keel_registry_set_string(f, "work", KEEL_F_PLAN_TYPE, "pro", NULL));
    ok(keel_registry_set_string(f, "home", KEEL_F_USER_ID, "u-9", NULL));
    struct keel_registry *o = merge(b, m, f, &rep);
    ok(keel_registry_view(o, "work", &v));
    assert_string_equal(v.field[KEEL_F_EMAIL], "new@x");
    assert_string_equal(v.field[KEEL_F_PLAN_TYPE], "pro");
    ok(keel_registry_view(o, "home", &v));
    assert_string_equal(v.field[KEEL_F_USER_ID], "u-9");
    assert_int_equal(rep.conflicts, 0);
    keel_registry_free(o);
    keel_registry_free(b);
    keel_registry_free(m);
    keel_registry_free(f);
}

static void disjoint_account_changes_are_both_kept(void **state)
{
    struct keel_registry *b = two_accounts();
    struct keel_registry *m = keel_registry_clone(b), *f = keel_registry_clone(b);
    struct keel_merge_report rep;
    (void)state;
    ok(keel_registry_add(m, "mine1", NULL, NULL));
    ok(keel_registry_add(f, "fresh1", NULL, NULL));
    ok(keel_registry_remove(f, "home", NULL));
    struct keel_registry *o = merge(b, m, f, &rep);
    assert_true(keel_registry_find(o, "mine1", NULL));
    assert_true(keel_registry_find(o, "fresh1", NULL));
    assert_false(keel_registry_find(o, "home", NULL));
    assert_true(keel_registry_find(o, "work", NULL));
    assert_int_equal(rep.conflicts, 0);
    keel_registry_free(o);
    keel_registry_free(b);
    keel_registry_free(m);
    keel_registry_free(f);
}

static void remove_sticks_after_concurrent_change(void **state)
{
    struct keel_registry *b = two_accounts();
    struct keel_registry *m = keel_registry_clone(b), *f = keel_registry_clone(b);
    struct keel_merge_report rep;
    (void)state;
    ok(keel_registry_remove(m, "home", NULL));
    ok(keel_registry_set_string(f, "home", KEEL_F_EMAIL, "changed@x", NULL));
    ok(keel_registry_add(f, "other", NULL, NULL));
    struct keel_registry *o = merge(b, m, f, &rep);
    assert_false(keel_registry_find(o, "home", NULL));
    assert_true(keel_registry_find(o, "other", NULL));
    keel_registry_free(o);
    keel_registry_free(b);
    keel_registry_free(m);
    keel_registry_free(f);
}

static void untouched_account_keeps_fresh_state_and_fresh_deletion(
    void **state)
{
    struct keel_registry *b = two_accounts();
    struct keel_registry *m = keel_registry_clone(b), *f = keel_registry_clone(b);
    struct keel_merge_report rep;
    (void)state;
    ok(keel_registry_add(m, "extra", NULL, NULL));
    ok(keel_registry_set_string(f, "work", KEEL_F_EMAIL, "fresh@x", NULL));
    ok(keel_registry_remove(f, "home", NULL));
    struct keel_registry *o = merge(b, m, f, &rep);
    assert_string_equal(email(o, "work"), "fresh@x");
    assert_false(keel_registry_find(o, "home", NULL));
    assert_true(keel_registry_find(o, "extra", NULL));
    assert_int_equal(rep.conflicts, 0);
    keel_registry_free(o);
    keel_registry_free(b);
    keel_registry_free(m);
    keel_registry_free(f);
}

static void change_to_account_fresh_deleted_is_dropped_as_conflict(
    void **state)
{
    struct keel_registry *b = two_accounts();
    struct keel_registry *m = keel_registry_clone(b), *f = keel_registry_clone(b);
    struct keel_merge_report rep;
    (void)state;
    ok(keel_registry_set_string(m, "home", KEEL_F_EMAIL, "mine@x", NULL));
    ok(keel_registry_remove(f, "home", NULL));
    ok(keel_registry_add(f, "z", NULL, NULL));
    struct keel_registry *o = merge(b, m, f, &rep);
    assert_false(keel_registry_find(o, "home", NULL));
    assert_int_equal(rep.conflicts, 1);
    assert_string_equal(rep.first, "accounts.home");
    keel_registry_free(o);
    keel_registry_free(b);
    keel_registry_free(m);
    keel_registry_free(f);
}

static void same_field_changed_both_ways_is_a_conflict_mine_wins(
    void **state)
{
    struct keel_registry *b = two_accounts();
    struct keel_registry *m = keel_registry_clone(b), *f = keel_registry_clone(b);
    struct keel_merge_report rep;
    (void)state;
    ok(keel_registry_set_string(m, "work", KEEL_F_EMAIL, "mine@x", NULL));
    ok(keel_registry_set_string(f, "work", KEEL_F_EMAIL, "fresh@x", NULL));
    ok(keel_registry_set_string(f, "work", KEEL_F_USER_ID, "u", NULL));
    struct keel_registry *o = merge(b, m, f, &rep);
    assert_string_equal(email(o, "work"), "mine@x");
    assert_int_equal(rep.conflicts, 1);
    assert_string_equal(rep.first, "accounts.work.email");
    keel_registry_free(o);
    keel_registry_free(b);
    keel_registry_free(m);
    keel_registry_free(f);
}

static void active_name_cleared_when_its_account_is_gone(void **state)
{
    struct keel_registry *b = two_accounts();
    struct keel_registry *m = keel_registry_clone(b), *f = keel_registry_clone(b);
    struct keel_merge_report rep;
    (void)state;
    ok(keel_registry_set_active(m, "home", NULL)); /* mine switches to home */
    ok(keel_registry_remove(f, "home", NULL));     /* fresh deletes home   */
    ok(keel_registry_add(f, "new", NULL, NULL));
    struct keel_registry *o = merge(b, m, f, &rep);
    assert_null(keel_registry_active(o));
    assert_null(keel_tree_get(keel_registry_doc_const(o), "activeAccountName"));
    keel_registry_free(o);
    keel_registry_free(b);
    keel_registry_free(m);
    keel_registry_free(f);
}

static void globals_merge_per_sub_key(void **state)
{
    struct keel_registry *b = two_accounts();
    struct keel_registry *m = keel_registry_clone(b), *f = keel_registry_clone(b);
    struct keel_merge_report rep;
    struct keel_globals g;
    (void)state;
    keel_registry_globals(m, &g);
    g.auto_enabled = 1;
    ok(keel_registry_set_globals(m, &g, NULL));
    keel_registry_globals(f, &g);
    g.threshold_5h = 33;
    g.api_usage = 0;
    ok(keel_registry_set_globals(f, &g, NULL));
    cJSON *extra = cJSON_CreateString("kept");
    ok(keel_tree_set(keel_registry_doc(f), "newerToolKey", extra));
    ok(keel_registry_set_active(m, "home", NULL));
    struct keel_registry *o = merge(b, m, f, &rep);
    keel_registry_globals(o, &g);
    assert_int_equal(g.auto_enabled, 1);
    assert_true(g.threshold_5h == 33);
    assert_int_equal(g.api_usage, 0);
    assert_string_equal(keel_registry_active(o), "home");
    assert_non_null(keel_tree_get(keel_registry_doc_const(o), "newerToolKey"));
    assert_int_equal(rep.conflicts, 0);
    keel_registry_free(o);
    keel_registry_free(b);
    keel_registry_free(m);
    keel_registry_free(f);
}

static void added_accounts_follow_fresh_order_in_mine_order(void **state)
{
    struct keel_registry *b = two_accounts();
    struct keel_registry *m = keel_registry_clone(b), *f = keel_registry_clone(b);
    struct keel_merge_report rep;
    const char *want[] = {"work", "home", "fz", "zeta", "alpha"};
    (void)state;
    ok(keel_registry_add(m, "zeta", NULL, NULL));
    ok(keel_registry_add(m, "alpha", NULL, NULL));
    ok(keel_registry_add(f, "fz", NULL, NULL));
    struct keel_registry *o = merge(b, m, f, &rep);
    const cJSON *acc = keel_tree_get(keel_registry_doc_const(o), "accounts");
    size_t i = 0;
    for (const cJSON *a = acc->child; a != NULL; a = a->next, i++) {
        assert_true(i < 5);
        assert_string_equal(a->string, want[i]);
    }
    assert_int_equal(i, 5);
    keel_registry_free(o);
    keel_registry_free(b);
    keel_registry_free(m);
    keel_registry_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(merge_of_unchanged_mine_is_fresh),
        cmocka_unit_test(merge_over_unchanged_fresh_is_mine),
        cmocka_unit_test(merge_follows_the_rules_on_random_triples),
        cmocka_unit_test(disjoint_field_changes_are_both_kept),
        cmocka_unit_test(disjoint_account_changes_are_both_kept),
        cmocka_unit_test(remove_sticks_after_concurrent_change),
        cmocka_unit_test(untouched_account_keeps_fresh_state_and_fresh_deletion),
        cmocka_unit_test(change_to_account_fresh_deleted_is_dropped_as_conflict),
        cmocka_unit_test(same_field_changed_both_ways_is_a_conflict_mine_wins),
        cmocka_unit_test(active_name_cleared_when_its_account_is_gone),
        cmocka_unit_test(globals_merge_per_sub_key),
        cmocka_unit_test(added_accounts_follow_fresh_order_in_mine_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
