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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge_plan.h"
#include "tree.h"

/* ---- conflicts ------------------------------------------------------------ */

/*@ requires \valid(rep) && valid_read_string(path);
    assigns *rep;
 */
static void conflict(struct keel_merge_report *rep, const char *path)
{
    if (rep->conflicts == 0)
        snprintf(rep->first, sizeof rep->first, "%s", path);
    rep->conflicts++;
}

/* path "." key, or key alone at the top; truncated to the buffer. */
/*@ requires \valid(buf + (0 .. KEEL_JSON_PATH_MAX - 1));
    requires valid_read_string(path) && valid_read_string(key);
    assigns buf[0 .. KEEL_JSON_PATH_MAX - 1];
 */
static void join_path(char buf[KEEL_JSON_PATH_MAX], const char *path,
                      const char *key)
{
    if (path[0] == '\0')
        snprintf(buf, KEEL_JSON_PATH_MAX, "%s", key);
    else
        snprintf(buf, KEEL_JSON_PATH_MAX, "%s.%s", path, key);
}

/* ---- per-field merge -------------------------------------------------------- */

/* Keys the top-level pass leaves to their own step. */
/*@ requires valid_read_string(key);
    assigns \nothing;
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
 * members merged by their own step.
 */
/*@ requires json_node(out) && json_node(mine) && \valid(rep);
    requires base == \null || json_node(base);
    requires valid_read_string(path);
    assigns *rep, json_heap;
 */
static keel_status merge_members(keel_json *out, const keel_json *base,
                                 const keel_json *mine, const char *path,
                                 int depth, int top,
                                 struct keel_merge_report *rep)
{
    char sub[KEEL_JSON_PATH_MAX];

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
        if (fv != NULL && !keel_tree_equal(fv, bv))
            conflict(rep, sub);         /* both changed it: mine wins */
        keel_json *copy = keel_tree_dup(mv);
        if (copy == NULL || keel_tree_set(out, key, copy) != KEEL_OK)
            return KEEL_E_NOMEM;
    }
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
        if (!keel_tree_equal(fv, bv)) {
            join_path(sub, path, key);
            conflict(rep, sub);
        }
        (void)keel_tree_remove(out, key);
    }
    return KEEL_OK;
}

/* activeAccountName, merged as a field; kept just before "accounts" when
   it is new, as the Node tool lays it out. */
/*@ requires keel_registry_ok(out);
    requires keel_registry_ok(base) && keel_registry_ok(mine);
    requires \valid(rep);
    assigns *out, *rep, json_heap;
 */
static keel_status merge_active(struct keel_registry *out,
                                const struct keel_registry *base,
                                const struct keel_registry *mine,
                                struct keel_merge_report *rep)
{
    static const char key[] = "activeAccountName";
    const keel_json *bv = keel_tree_get(keel_registry_doc_const(base), key);
    const keel_json *mv = keel_tree_get(keel_registry_doc_const(mine), key);
    keel_json *doc = keel_registry_doc(out);
    const keel_json *fv = keel_tree_get(doc, key);

    if (keel_tree_equal(bv, mv) || keel_tree_equal(fv, mv))
        return KEEL_OK;
    if (fv != NULL && !keel_tree_equal(fv, bv))
        conflict(rep, key);
    if (mv == NULL)
        return keel_registry_set_active(out, NULL, NULL);
    const char *name =
        keel_json_kind(mv) == KEEL_J_STRING ? keel_json_string(mv) : NULL;
    if (fv == NULL && name != NULL &&
        keel_registry_set_active(out, name, NULL) == KEEL_OK)
        return KEEL_OK;
    keel_json *copy = keel_tree_dup(mv);
    if (copy == NULL || keel_tree_set(doc, key, copy) != KEEL_OK)
        return KEEL_E_NOMEM;
    return KEEL_OK;
}

/* An activeAccountName naming no account is removed. */
/*@ requires \valid(out);
    assigns *out;
 */
static keel_status clear_dangling_active(struct keel_registry *out)
{
    const char *active = keel_registry_active(out);
    if (active != NULL && keel_registry_account_find(out, active) == NULL)
        return keel_registry_set_active(out, NULL, NULL);
    return KEEL_OK;
}

/* ---- the plan's inputs ------------------------------------------------------ */

/* Everything the plan works on, allocated together. */
struct plan_input {
    size_t n[3];          /* accounts of base, mine, fresh       */
    int *rank[3];         /* their ranks                          */
    size_t *pos[3];       /* the indexes over [0, u)              */
    unsigned char *chg;   /* mine's account differs from base's   */
    keel_plan_code *plan; /* u codes                              */
    int u;                /* size of the rank universe            */
};

/*@ requires \valid(in);
    assigns *in;
 */
static void plan_input_free(struct plan_input *in)
{
    for (int s = 0; s < 3; s++) {
        free(in->rank[s]);
        free(in->pos[s]);
    }
    free(in->chg);
    free(in->plan);
}

/*
 * Rank the names of the three registries (each sorted by strcmp) in one
 * sorted order: a three-way walk over the sorted indexes.
 */
/*@ requires \valid(in) && \valid_read(side + (0 .. 2));
    assigns *in;
 */
static keel_status assign_ranks(struct plan_input *in,
                                const struct keel_registry *const side[3])
{
    size_t at[3] = {0, 0, 0};
    int rank = 0;

    for (;;) {
        const char *low = NULL;
        for (int s = 0; s < 3; s++) {
            const char *name = keel_registry_name_at(side[s], at[s]);
            if (at[s] < in->n[s] && name != NULL &&
                (low == NULL || strcmp(name, low) < 0))
                low = name;
        }
        if (low == NULL)
            break;
        for (int s = 0; s < 3; s++) {
            const char *name = keel_registry_name_at(side[s], at[s]);
            if (at[s] < in->n[s] && name != NULL && strcmp(name, low) == 0)
                in->rank[s][at[s]++] = rank;
        }
        rank++;
    }
    in->u = rank;
    return KEEL_OK;
}

/*@ requires \valid(in) && \valid_read(side + (0 .. 2));
    assigns *in;
 */
static keel_status plan_input_build(struct plan_input *in,
                                    const struct keel_registry *const side[3])
{
    size_t total = 0;
    memset(in, 0, sizeof *in);
    for (int s = 0; s < 3; s++) {
        in->n[s] = keel_registry_count(side[s]);
        total += in->n[s];
    }
    if (total >= INT_MAX)
        return KEEL_E_NOMEM;
    for (int s = 0; s < 3; s++) {
        in->rank[s] = malloc((in->n[s] + 1) * sizeof *in->rank[s]);
        in->pos[s] = malloc((total + 1) * sizeof *in->pos[s]);
        if (in->rank[s] == NULL || in->pos[s] == NULL)
            return KEEL_E_NOMEM;
    }
    in->chg = malloc(in->n[1] + 1);
    in->plan = malloc((total + 1) * sizeof *in->plan);
    if (in->chg == NULL || in->plan == NULL)
        return KEEL_E_NOMEM;
    keel_status st = assign_ranks(in, side);
    if (st != KEEL_OK)
        return st;
    for (int s = 0; s < 3; s++) {
        /* The indexes are sorted and distinct by the registry's invariant;
           the proved checker makes that a run-time fact. */
        if (!keel_merge_ranks_ok(in->rank[s], in->n[s], in->u))
            return KEEL_E_INVALID;
        keel_merge_index(in->rank[s], in->n[s], in->u, in->pos[s]);
    }
    /* chg[j]: mine's account j is not base's account of that name. */
    for (size_t j = 0; j < in->n[1]; j++) {
        const keel_json *m = keel_registry_account_node(side[1], j);
        const keel_json *b =
            keel_registry_account_find(side[0], keel_json_key(m));
        in->chg[j] = b == NULL || !keel_tree_equal(b, m);
    }
    return KEEL_OK;
}

/* ---- applying the plan ------------------------------------------------------ */

/*@ requires \valid(out) && \valid_read(in) && \valid(rep);
    assigns *out, *rep;
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
    unsigned char *keep_fresh = calloc(in->n[2] + 1, 1);
    unsigned char *take_mine = calloc(in->n[1] + 1, 1);
    keel_status st = KEEL_OK;
    char path[KEEL_JSON_PATH_MAX];

    if (keep_fresh == NULL || take_mine == NULL) {
        st = KEEL_E_NOMEM;
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        keel_plan_code c = in->plan[k];
        if (c >= 0) {
            keep_fresh[c] = 1;
        } else {
            size_t j = (size_t)(-c - 1);
            take_mine[j] = 1;
            if (pf[rm[j]] != 0)
                keep_fresh[pf[rm[j]] - 1] = 1; /* merged in place */
        }
    }
    /* Fresh's accounts the plan drops: the caller deleted them. */
    for (size_t i = 0; i < in->n[2]; i++)
        if (!keep_fresh[i])
            (void)keel_registry_remove(out, keel_registry_name_at(fresh, i),
                                       NULL);
    /* Accounts both have: the caller's changed fields over fresh's. */
    for (size_t j = 0; j < in->n[1] && st == KEEL_OK; j++) {
        if (!take_mine[j] || pf[rm[j]] == 0)
            continue;
        const keel_json *m = keel_registry_account_node(mine, j);
        const keel_json *b =
            pb[rm[j]] != 0 ? keel_registry_account_node(base, pb[rm[j]] - 1)
                           : NULL;
        keel_json *o = keel_registry_account_find(out, keel_json_key(m));
        if (o == NULL)
            continue;
        if (keel_tree_equal(b, o)) {
            /* fresh left it as it was: mine's account, exactly */
            keel_json *copy = keel_tree_dup(m);
            st = copy == NULL ? KEEL_E_NOMEM
                              : keel_registry_put_account(out, copy);
        } else {
            join_path(path, "accounts", keel_json_key(m));
            st = merge_members(o, b, m, path, 0, 0, rep);
        }
    }
    /* Accounts only the caller has, appended in mine's key order. */
    const keel_json *accounts =
        keel_tree_get(keel_registry_doc_const(mine), "accounts");
    for (const keel_json *m =
             accounts != NULL ? keel_json_first(accounts) : NULL;
         m != NULL && st == KEEL_OK; m = keel_json_next(m)) {
        size_t j = 0;
        const char *key = keel_json_key(m);
        if (key == NULL || !keel_registry_find(mine, key, &j) ||
            !take_mine[j] || pf[rm[j]] != 0)
            continue;
        keel_json *copy = keel_tree_dup(m);
        st = copy == NULL ? KEEL_E_NOMEM : keel_registry_put_account(out, copy);
    }
done:
    free(keep_fresh);
    free(take_mine);
    return st;
}

keel_status keel_merge(const struct keel_registry *base,
                       const struct keel_registry *mine,
                       const struct keel_registry *fresh,
                       struct keel_registry **out,
                       struct keel_merge_report *rep, struct keel_err *err)
{
    struct keel_merge_report local;
    struct plan_input in;
    keel_status st = KEEL_OK;

    if (rep == NULL)
        rep = &local;
    rep->conflicts = 0;
    rep->first[0] = '\0';
    *out = NULL;
    memset(&in, 0, sizeof in);

    struct keel_registry *o = NULL;
    if (keel_registry_equal(base, fresh)) {
        o = keel_registry_clone(mine);          /* merge(b, m, b) = m */
    } else if (keel_registry_equal(base, mine)) {
        o = keel_registry_clone(fresh);         /* merge(b, b, f) = f */
    } else {
        const struct keel_registry *const side[3] = {base, mine, fresh};
        st = plan_input_build(&in, side);
        if (st == KEEL_OK) {
            /* keel_merge_plan's ghost witness (merge_plan.h). Placeholder:
               the proof of this file must give it u cells of ghost storage
               for the call's precondition. */
            /*@ ghost unsigned \ghost *slot = (unsigned \ghost *)0; */
            struct keel_plan_result res = keel_merge_plan(
                in.pos[0], in.pos[1], in.pos[2], in.chg, in.rank[1], in.n[1],
                in.rank[2], in.n[2], in.u, in.plan) /*@ ghost (slot) */;
            if (res.nlost != 0) {
                /* the caller changed accounts fresh deleted */
                char path[KEEL_JSON_PATH_MAX];
                const char *name = keel_registry_name_at(
                    mine, in.pos[1][res.lost] - 1);
                join_path(path, "accounts", name != NULL ? name : "");
                conflict(rep, path);
                rep->conflicts += res.nlost - 1;
            }
            o = keel_registry_clone(fresh);
            if (o != NULL)
                st = apply_plan(o, &in, res.n, base, mine, fresh, rep);
            if (o != NULL && st == KEEL_OK)
                st = merge_members(keel_registry_doc(o),
                                   keel_registry_doc_const(base),
                                   keel_registry_doc_const(mine), "", 1, 1,
                                   rep);
            if (o != NULL && st == KEEL_OK)
                st = merge_active(o, base, mine, rep);
        }
        plan_input_free(&in);
    }
    if (o == NULL && st == KEEL_OK)
        st = KEEL_E_NOMEM;
    if (st == KEEL_OK)
        st = clear_dangling_active(o);
    if (st != KEEL_OK) {
        keel_registry_free(o);
        return keel_err_set(err, st, KEEL_STEP_NONE, 0, NULL);
    }
    *out = o;
    return KEEL_OK;
}
