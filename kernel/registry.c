/*
 * registry.c - the registry model (registry.h) and the registry half of the
 * internal API in tree.h (the plain tree helpers are in tree.c).
 *
 * The model is the decoded JSON document itself, so fields Keel does not
 * know survive verbatim and in order (G11), plus an index of the account
 * nodes sorted by name for lookups. Nodes are read and edited only through
 * cjson_glue.h (whose contracts are the trusted base of the proof); covered
 * also by tests/unit/test_registry.c, test_roundtrip.c and fuzzing.
 */
#include "registry.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "tree.h"

#ifdef __FRAMAC__
/* WP proves allocation against spec/alloc_model.h (see there why). */
#define free(p) keel_model_free(p)
#endif

/* The most accounts the index holds: its size in bytes must fit a size_t
   and keel_node_heap (spec/alloc_model.h). Unreachable: each account is a
   cJSON node of more than 8 bytes. */
#define INDEX_MAX (SIZE_MAX / 16)

/* ---- member names ---------------------------------------------------------- */
/* The keys Keel reads and writes, as named arrays rather than string
   literals: WP knows their contents from the initializers (-wp-init-const),
   and proves valid_read_string of each one where it is passed; with many
   literals in one function the provers lose their way. */
static const char k_accounts[] = "accounts";
static const char k_active_account_name[] = "activeAccountName";
static const char k_api[] = "api";
static const char k_auto_switch[] = "autoSwitch";
static const char k_created_at[] = "createdAt";
static const char k_enabled[] = "enabled";
static const char k_fetched_at[] = "fetchedAt";
static const char k_last_usage[] = "lastUsage";
static const char k_last_usage_at[] = "lastUsageAt";
static const char k_name[] = "name";
static const char k_plan_type[] = "planType";
static const char k_primary[] = "primary";
static const char k_resets_at[] = "resetsAt";
static const char k_secondary[] = "secondary";
static const char k_source[] = "source";
static const char k_threshold_5h_percent[] = "threshold5hPercent";
static const char k_threshold_weekly_percent[] = "thresholdWeeklyPercent";
static const char k_usage[] = "usage";
static const char k_used_percent[] = "usedPercent";
static const char k_version[] = "version";
static const char k_window_minutes[] = "windowMinutes";
static const char k_email[] = "email";
static const char k_account_id[] = "accountId";
static const char k_user_id[] = "userId";

/* ---- memory, by type ----------------------------------------------------- */
/* WP cannot follow a void * block into a struct or an array of pointers,
   and Frama-C's qsort has no contract: so registry.c allocates, frees and
   sorts through these wrappers of one libc call each. Frama-C sees only
   their contracts (spec/registry_model.h, "Registry memory"); the C
   compiler sees their bodies, at the end of this section. */

/* calloc(1, sizeof(struct keel_registry)): a zeroed struct, or NULL. */
/*@ assigns __fc_heap_status \from __fc_heap_status;
    assigns \result \from __fc_heap_status;
    ensures \result == \null ||
            (\valid(\result) && registry_block(\result) &&
             \base_addr(\result) == \base_addr(&keel_heap[0]) &&
             \result->doc == \null && \result->accounts == \null &&
             \result->idx == \null && \result->count == 0 &&
             \result->cap == 0);
 */
static struct keel_registry *registry_alloc(void);

/* free(r). */
/*@ requires r == \null || registry_block(r);
    assigns __fc_heap_status \from __fc_heap_status;
 */
static void registry_release(struct keel_registry *r);

/* realloc(v, n * sizeof *v): the first entries kept, or NULL (v kept). */
/*@ requires v == \null || node_block(v);
    requires 0 < n <= INDEX_MAX;
    assigns __fc_heap_status \from __fc_heap_status, n;
    assigns \result \from v, n, __fc_heap_status;
    ensures \result == \null ||
            (node_block(\result) && in_node_heap(\result, n) &&
             \valid(\result + (0 .. n - 1)));
    ensures \result != \null ==>
            \forall struct keel_registry *q; registry_block(q) ==>
              \separated(q, \result + (0 .. n - 1));
    ensures \result != \null ==>
            \forall integer i; 0 <= i < n && \valid_read{Pre}(v + i) ==>
              \result[i] == \at(v[i], Pre);
 */
static keel_json **index_realloc(keel_json **v, size_t n);

/* free(v). */
/*@ requires v == \null || node_block(v);
    assigns __fc_heap_status \from __fc_heap_status;
 */
static void index_release(keel_json **v);

/* strdup(s). */
/*@ requires valid_read_string(s);
    assigns __fc_heap_status \from __fc_heap_status;
    assigns \result \from __fc_heap_status;
    ensures \result == \null ||
            (heap_block(\result) && valid_read_string(\result));
 */
static char *key_dup(const char *s);

/* qsort(v, n, sizeof *v, cmp_key): v[0 .. n - 1] sorted by key (by
   cmp_nodes, proved below), a permutation, so still account nodes. */
/*@ requires n == 0 || \valid(v + (0 .. n - 1));
    requires \forall integer i; 0 <= i < n ==> json_node(v[i]);
    assigns v[0 .. n - 1];
    ensures \forall integer i; 0 <= i < n ==> json_node(v[i]);
 */
static void sort_index(keel_json **v, size_t n);

/* Account nodes by key, in strcmp order. The index holds keyed nodes only;
   a NULL key (never) sorts first. */
/*@ requires json_node(x) && json_node(y);
    assigns \nothing;
 */
static int cmp_nodes(const keel_json *x, const keel_json *y)
{
    const char *kx = keel_json_key(x), *ky = keel_json_key(y);
    if (kx == NULL || ky == NULL)
        return (kx != NULL) - (ky != NULL);
    return strcmp(kx, ky);
}

#ifndef __FRAMAC__
static struct keel_registry *registry_alloc(void)
{
    return calloc(1, sizeof(struct keel_registry));
}

static void registry_release(struct keel_registry *r)
{
    free(r);
}

static keel_json **index_realloc(keel_json **v, size_t n)
{
    return realloc(v, n * sizeof *v);
}

static void index_release(keel_json **v)
{
    free(v);
}

static char *key_dup(const char *s)
{
    return strdup(s);
}

/* qsort comparator: account nodes by key. */
static int cmp_key(const void *a, const void *b)
{
    return cmp_nodes(*(const keel_json *const *)a,
                     *(const keel_json *const *)b);
}

static void sort_index(keel_json **v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_key);
}
#endif

/* ---- errors -------------------------------------------------------------- */

/* Fill err (if any) for a failed model call; returns status. */
/*@ requires err == \null || \valid(err);
    assigns *err;
    ensures \result == status;
    ensures err != \null ==> err->status == status;
 */
static keel_status fail(struct keel_err *err, keel_status status,
                        const char *message)
{
    if (err != NULL) {
        err->status = status;
        err->step = KEEL_STEP_NONE;
        err->sys_errno = 0;
        err->defect = KEEL_DEFECT_NONE;
        err->offset = -1;
        err->json_path[0] = '\0';
        err->message = message;
    }
    return status;
}

/* ---- the account index ------------------------------------------------------ */

/* Position of name in the index: 1 and *pos if found, else 0 and *pos the
   insertion point. */
/*@ requires keel_registry_ok(r) && valid_read_string(name);
    requires \valid(pos) && \separated(pos, r);
    assigns *pos;
    ensures \result == 0 || \result == 1;
    ensures *pos <= r->count;
    ensures \result == 1 ==> *pos < r->count;
 */
static int index_search(const struct keel_registry *r, const char *name,
                        size_t *pos)
{
    size_t lo = 0, hi = r->count;
    /*@ loop invariant 0 <= lo <= hi <= r->count;
        loop assigns lo, hi;
        loop variant hi - lo;
     */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *k = keel_json_key(r->idx[mid]);
        int c = k == NULL ? -1 : strcmp(k, name);
        if (c == 0) {
            *pos = mid;
            return 1;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return 0;
}

/* Room for one more index entry. */
/*@ requires keel_registry_ok(r);
    assigns r->idx, r->cap, __fc_heap_status;
    ensures keel_registry_ok(r);
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM;
    ensures \result == KEEL_OK ==> r->count < r->cap;
 */
static keel_status index_reserve(struct keel_registry *r)
{
    if (r->count < r->cap)
        return KEEL_OK;
    size_t cap = r->cap < 16 ? 16 : r->cap;
    if (cap > INDEX_MAX / 2)
        return KEEL_E_NOMEM;
    cap *= 2;
    keel_json **v = index_realloc(r->idx, cap);
    if (v == NULL)
        return KEEL_E_NOMEM;
    r->idx = v;
    r->cap = cap;
    return KEEL_OK;
}

/* Insert node at pos, moving the entries after it up one. */
/*@ requires keel_registry_ok(r) && pos <= r->count < r->cap;
    requires r->accounts != \null && json_node(node);
    assigns r->count, r->idx[pos .. r->count];
    ensures keel_registry_ok(r) && r->count == \old(r->count) + 1;
 */
static void index_insert(struct keel_registry *r, size_t pos,
                         keel_json *node)
{
    keel_json **v = r->idx;
    size_t i = r->count;
    /*@ loop invariant pos <= i <= r->count;
        loop invariant \forall integer k; 0 <= k <= r->count && k != i ==>
                         json_node(v[k]);
        loop assigns i, v[pos .. r->count];
        loop variant i - pos;
     */
    for (; i > pos; i--)
        v[i] = v[i - 1];
    v[pos] = node;
    //@ assert \forall integer k; 0 <= k <= r->count ==> json_node(v[k]);
    r->count++;
}

/* Remove the entry at pos, moving the entries after it down one. */
/*@ requires keel_registry_ok(r) && pos < r->count;
    assigns r->count, r->idx[pos .. r->count - 1];
    ensures keel_registry_ok(r) && r->count == \old(r->count) - 1;
 */
static void index_delete(struct keel_registry *r, size_t pos)
{
    keel_json **v = r->idx;
    size_t n = r->count;
    /*@ loop invariant pos <= i <= n - 1;
        loop invariant \forall integer k; 0 <= k < n ==> json_node(v[k]);
        loop assigns i, v[pos .. n - 2];
        loop variant n - i;
     */
    for (size_t i = pos; i + 1 < n; i++)
        v[i] = v[i + 1];
    r->count = n - 1;
}

/* The number of members of acc; KEEL_E_INVALID if one has no key. */
/*@ requires json_node(acc) && \valid(n);
    assigns *n;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
    ensures *n <= INDEX_MAX;
 */
static keel_status count_members(const keel_json *acc, size_t *n)
{
    size_t k = 0;
    *n = 0;
    /* Sibling walks carry no loop variant (spec/json_model.h). */
    /*@ loop invariant c == \null || json_node(c);
        loop invariant k <= INDEX_MAX;
        loop assigns c, k;
     */
    for (const keel_json *c = keel_json_first(acc); c != NULL;
         c = keel_json_next(c)) {
        if (keel_json_key(c) == NULL)
            return KEEL_E_INVALID;
        if (k == INDEX_MAX)
            return KEEL_E_NOMEM;
        k++;
    }
    *n = k;
    return KEEL_OK;
}

/* The members of acc into v[0 .. n - 1]; their number. WP does not know
   that this walk meets the n members count_members counted, so it stops
   at n (it always meets exactly n). */
/*@ requires json_node(acc) && 0 < n && \valid(v + (0 .. n - 1));
    assigns v[0 .. n - 1];
    ensures \result <= n;
    ensures \forall integer k; 0 <= k < \result ==> json_node(v[k]);
 */
static size_t collect_members(const keel_json *acc, keel_json **v, size_t n)
{
    size_t m = 0;
    /*@ loop invariant c == \null || json_node(c);
        loop invariant m <= n;
        loop invariant \forall integer k; 0 <= k < m ==> json_node(v[k]);
        loop assigns c, m, v[0 .. n - 1];
     */
    for (keel_json *c = keel_json_first(acc); c != NULL;
         c = keel_json_next(c)) {
        if (m == n)
            break;
        v[m++] = c;
    }
    return m;
}

/* 1 if two neighbours of the sorted v[0 .. n - 1] share a key. */
/*@ requires n == 0 || \valid_read(v + (0 .. n - 1));
    requires \forall integer k; 0 <= k < n ==> json_node(v[k]);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int has_duplicate(keel_json *const *v, size_t n)
{
    /*@ loop invariant 1 <= i && (i <= n || n == 0);
        loop assigns i;
        loop variant n - i;
     */
    for (size_t i = 1; i < n; i++) {
        if (cmp_nodes(v[i - 1], v[i]) == 0)
            return 1;
    }
    return 0;
}

/* Room for n index entries (the index is empty). */
/*@ requires keel_registry_ok(r) && r->count == 0 && 0 < n <= INDEX_MAX;
    assigns r->idx, r->cap, __fc_heap_status;
    ensures keel_registry_ok(r) && r->count == 0;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM;
    ensures \result == KEEL_OK ==> n <= r->cap;
 */
static keel_status index_room(struct keel_registry *r, size_t n)
{
    if (n <= r->cap)
        return KEEL_OK;
    keel_json **v = index_realloc(r->idx, n);
    if (v == NULL)
        return KEEL_E_NOMEM;
    r->idx = v;
    r->cap = n;
    return KEEL_OK;
}

/* The index: the members of the accounts object (n of them), sorted;
   KEEL_E_INVALID, the index left empty, if two share a key. */
/*@ requires keel_registry_ok(r) && r->accounts != \null;
    requires r->count == 0 && 0 < n <= r->cap;
    assigns r->count, r->idx[0 .. n - 1];
    ensures keel_registry_ok(r);
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID;
 */
static keel_status index_fill(struct keel_registry *r, size_t n)
{
    keel_json **v = r->idx;
    size_t m = collect_members(r->accounts, v, n);
    sort_index(v, m);
    if (has_duplicate(v, m))
        return KEEL_E_INVALID; /* the index stays empty */
    r->count = m;
    return KEEL_OK;
}

keel_status keel_registry_reindex(struct keel_registry *r)
{
    size_t n = 0;
    keel_json *acc = keel_tree_get(r->doc, k_accounts);
    r->accounts = keel_json_kind(acc) == KEEL_J_OBJECT ? acc : NULL;
    r->count = 0;
    if (r->accounts == NULL)
        return KEEL_OK;
    keel_status st = count_members(r->accounts, &n);
    if (st != KEEL_OK || n == 0)
        return st;
    st = index_room(r, n);
    if (st != KEEL_OK)
        return st;
    return index_fill(r, n);
}

/* ---- registry lifetime -------------------------------------------------------- */

/* Free r and everything it owns. */
/*@ requires keel_registry_ok(r);
    assigns __fc_heap_status, json_heap;
 */
static void registry_free(struct keel_registry *r)
{
    keel_json_delete(r->doc);
    index_release(r->idx);
    registry_release(r);
}

struct keel_registry *keel_registry_wrap(keel_json *doc)
{
    if (doc == NULL)
        return NULL;
    struct keel_registry *r = registry_alloc();
    if (r == NULL || keel_json_kind(doc) != KEEL_J_OBJECT) {
        registry_release(r);
        keel_json_delete(doc);
        return NULL;
    }
    r->doc = doc;
    if (keel_registry_reindex(r) != KEEL_OK) {
        registry_free(r);
        return NULL;
    }
    //@ ghost keel_registry_seal(r);
    return r;
}

keel_json *keel_registry_doc(struct keel_registry *r)
{
    return r->doc;
}

const keel_json *keel_registry_doc_const(const struct keel_registry *r)
{
    return r->doc;
}

/* Append item to obj as member key; item, or NULL on allocation failure
   (item NULL included; item is freed then). */
/*@ requires json_node(obj);
    requires valid_read_string(key);
    requires item == \null || json_node(item);
    assigns json_heap;
    ensures \result == \null || \result == item;
 */
static keel_json *add_new(keel_json *obj, const char *key, keel_json *item)
{
    return keel_json_add(obj, key, item) ? item : NULL;
}

/* Build {"enabled": false, "threshold5hPercent": 10,
   "thresholdWeeklyPercent": 5} and {"usage": true} into doc. */
/*@ requires json_node(doc);
    assigns json_heap;
    ensures \result == 0 || \result == 1;
 */
static int add_default_globals(keel_json *doc)
{
    keel_json *as = add_new(doc, k_auto_switch, keel_json_new_object());
    if (as == NULL ||
        add_new(as, k_enabled, keel_json_new_bool(0)) == NULL ||
        add_new(as, k_threshold_5h_percent, keel_json_new_number(10)) == NULL ||
        add_new(as, k_threshold_weekly_percent, keel_json_new_number(5)) ==
            NULL)
        return 0;
    keel_json *api = add_new(doc, k_api, keel_json_new_object());
    return api != NULL &&
           add_new(api, k_usage, keel_json_new_bool(1)) != NULL;
}

struct keel_registry *keel_registry_new(void)
{
    /* Key order as the Node tool writes a fresh registry (DESIGN.md 1):
       version, autoSwitch, api, accounts; no activeAccountName. */
    keel_json *doc = keel_json_new_object();
    if (doc == NULL)
        return NULL;
    if (add_new(doc, k_version, keel_json_new_number(1)) == NULL ||
        !add_default_globals(doc) ||
        add_new(doc, k_accounts, keel_json_new_object()) == NULL) {
        keel_json_delete(doc);
        return NULL;
    }
    return keel_registry_wrap(doc);
}

void keel_registry_free(struct keel_registry *r)
{
    if (r == NULL)
        return;
    //@ ghost keel_registry_open(r);
    registry_free(r);
}

struct keel_registry *keel_registry_clone(const struct keel_registry *r)
{
    //@ ghost keel_registry_open(r);
    return keel_registry_wrap(keel_tree_dup(r->doc));
}

int keel_registry_equal(const struct keel_registry *a,
                        const struct keel_registry *b)
{
    //@ ghost keel_registry_open(a);
    //@ ghost keel_registry_open(b);
    return keel_tree_equal(a->doc, b->doc);
}

/* ---- account lookups ------------------------------------------------------------- */

size_t keel_registry_count(const struct keel_registry *r)
{
    //@ ghost keel_registry_open(r);
    return r->count;
}

const char *keel_registry_name_at(const struct keel_registry *r, size_t i)
{
    //@ ghost keel_registry_open(r);
    return i < r->count ? keel_json_key(r->idx[i]) : NULL;
}

int keel_registry_find(const struct keel_registry *r, const char *name,
                       size_t *index)
{
    size_t pos = 0;
    //@ ghost keel_registry_open(r);
    if (!index_search(r, name, &pos))
        return 0;
    if (index != NULL)
        *index = pos;
    return 1;
}

keel_json *keel_registry_account_node(const struct keel_registry *r, size_t i)
{
    return i < r->count ? r->idx[i] : NULL;
}

keel_json *keel_registry_account_find(const struct keel_registry *r,
                                  const char *name)
{
    size_t pos = 0;
    return index_search(r, name, &pos) ? r->idx[pos] : NULL;
}

/* Value of a string member, NULL if absent or not a string. */
/*@ requires obj == \null || json_node(obj);
    requires valid_read_string(key);
    assigns \nothing;
    ensures \result == \null || valid_read_string(\result);
 */
static const char *get_str(const keel_json *obj, const char *key)
{
    const keel_json *v = keel_tree_get(obj, key);
    return keel_json_kind(v) == KEEL_J_STRING ? keel_json_string(v) : NULL;
}

/* Value of a number member, 0 if absent or not a number. */
/*@ requires obj == \null || json_node(obj);
    requires valid_read_string(key);
    assigns \nothing;
 */
static double get_num(const keel_json *obj, const char *key)
{
    const keel_json *v = keel_tree_get(obj, key);
    return keel_json_kind(v) == KEEL_J_NUMBER ? keel_json_number(v) : 0;
}

/* The key of a string field (KEEL_F_*). */
/*@ requires 0 <= f < KEEL_F_COUNT;
    assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *field_key(keel_field f)
{
    switch (f) {
    case KEEL_F_ACCOUNT_ID: return k_account_id;
    case KEEL_F_USER_ID: return k_user_id;
    case KEEL_F_PLAN_TYPE: return k_plan_type;
    case KEEL_F_CREATED_AT: return k_created_at;
    case KEEL_F_LAST_USAGE_AT: return k_last_usage_at;
    default: return k_email;
    }
}

/*@ requires w == \null || json_node(w);
    requires \valid(out);
    assigns *out;
 */
static void view_window(const keel_json *w, struct keel_usage_window *out)
{
    out->present = keel_json_kind(w) == KEEL_J_OBJECT;
    out->used_percent = get_num(w, k_used_percent);
    out->window_minutes = get_num(w, k_window_minutes);
    out->resets_at = get_num(w, k_resets_at);
}

keel_status keel_registry_view(const struct keel_registry *r,
                               const char *name,
                               struct keel_account_view *out)
{
    //@ ghost keel_registry_open(r);
    const keel_json *a = keel_registry_account_find(r, name);
    if (a == NULL)
        return KEEL_E_NOT_FOUND;
    /* Every member of *out is set below. */
    out->name = keel_json_key(a);
    /*@ loop invariant 0 <= f <= KEEL_F_COUNT;
        loop assigns f, out->field[0 .. KEEL_F_COUNT - 1];
        loop variant KEEL_F_COUNT - f;
     */
    for (int f = 0; f < KEEL_F_COUNT; f++)
        out->field[f] = get_str(a, field_key((keel_field)f));
    const keel_json *u = keel_tree_get(a, k_last_usage);
    out->has_last_usage = keel_json_kind(u) == KEEL_J_OBJECT;
    view_window(keel_tree_get(u, k_primary), &out->primary);
    view_window(keel_tree_get(u, k_secondary), &out->secondary);
    out->usage_plan_type = get_str(u, k_plan_type);
    out->usage_fetched_at = get_str(u, k_fetched_at);
    out->usage_source = get_str(u, k_source);
    return KEEL_OK;
}

/* ---- editing accounts ----------------------------------------------------------------- */

/* A string Keel may store: valid UTF-8 no longer than the decoder accepts,
   so what Keel writes always decodes again (G3). */
/*@ requires valid_read_string(s);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int storable(const char *s)
{
    return strlen(s) <= KEEL_JSON_STRING_MAX && keel_tree_utf8_ok(s);
}

/* obj[key] = a new string node. */
/*@ requires obj == \null || json_node(obj);
    requires valid_read_string(key) && valid_read_string(value);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status set_str(keel_json *obj, const char *key, const char *value)
{
    keel_json *v = keel_json_new_string(value);
    if (v == NULL)
        return KEEL_E_NOMEM;
    return keel_tree_set(obj, key, v);
}

/*@ requires obj == \null || json_node(obj);
    requires valid_read_string(key);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status set_num(keel_json *obj, const char *key, double value)
{
    keel_json *v = keel_json_new_number(value);
    if (v == NULL)
        return KEEL_E_NOMEM;
    return keel_tree_set(obj, key, v);
}

/* The accounts object, created (appended to doc) if absent. */
/*@ requires keel_registry_ok(r);
    assigns r->accounts, r->count, json_heap;
    ensures keel_registry_ok(r) && r->count == \old(r->count);
    ensures \result == \null || (\result == r->accounts && json_node(\result));
 */
static keel_json *ensure_accounts(struct keel_registry *r)
{
    if (r->accounts != NULL)
        return r->accounts;
    keel_json *acc = keel_json_new_object();
    if (acc == NULL || keel_tree_set(r->doc, k_accounts, acc) != KEEL_OK)
        return NULL;
    r->accounts = acc;
    r->count = 0;
    return acc;
}

keel_status keel_registry_put_account(struct keel_registry *r,
                                      keel_json *item)
{
    const char *key = keel_json_key(item);
    if (key == NULL)
        key = get_str(item, k_name);
    if (key == NULL || !keel_name_valid(key, strlen(key))) {
        keel_json_delete(item);
        return KEEL_E_INVALID;
    }
    size_t pos = 0;
    if (index_search(r, key, &pos)) {
        keel_json *old = r->idx[pos];
        /* keel_tree_set would search the accounts linearly: replace by
           pointer, moving the key over, so nothing is allocated. */
        if (old != item) {
            keel_json_replace(r->accounts, old, item);
            r->idx[pos] = item;
        }
        return KEEL_OK;
    }
    keel_json *acc = ensure_accounts(r);
    if (acc == NULL || index_reserve(r) != KEEL_OK) {
        keel_json_delete(item);
        return KEEL_E_NOMEM;
    }
    /* The key is copied before item's own key (key may be it) is freed. */
    if (!keel_json_add(acc, key, item))
        return KEEL_E_NOMEM; /* item freed */
    index_insert(r, pos, item);
    return KEEL_OK;
}

/* A new account node {"name": name} (and "createdAt": created_at if not
   NULL); NULL on allocation failure. */
/*@ requires valid_read_string(name);
    requires created_at == \null || valid_read_string(created_at);
    assigns json_heap;
    ensures \result == \null || json_node(\result);
 */
static keel_json *new_account(const char *name, const char *created_at)
{
    keel_json *a = keel_json_new_object();
    if (a == NULL || set_str(a, k_name, name) != KEEL_OK ||
        (created_at != NULL && set_str(a, k_created_at, created_at) != KEEL_OK)) {
        keel_json_delete(a);
        return NULL;
    }
    return a;
}

keel_status keel_registry_add(struct keel_registry *r, const char *name,
                              const char *created_at, struct keel_err *err)
{
    //@ ghost keel_registry_open(r);
    if (!keel_name_valid(name, strlen(name)))
        return fail(err, KEEL_E_INVALID, "invalid account name");
    if (created_at != NULL && !storable(created_at))
        return fail(err, KEEL_E_INVALID, "createdAt is not storable text");
    if (keel_registry_account_find(r, name) != NULL)
        return fail(err, KEEL_E_EXISTS, "account already exists");
    keel_json *a = new_account(name, created_at);
    if (a == NULL)
        return fail(err, KEEL_E_NOMEM, "out of memory");
    keel_status st = keel_registry_put_account(r, a);
    if (st != KEEL_OK)
        return fail(err, st, "out of memory");
    return KEEL_OK;
}

keel_status keel_registry_remove(struct keel_registry *r, const char *name,
                                 struct keel_err *err)
{
    size_t pos = 0;
    //@ ghost keel_registry_open(r);
    if (!index_search(r, name, &pos))
        return fail(err, KEEL_E_NOT_FOUND, "no such account");
    keel_json *node = r->idx[pos];
    index_delete(r, pos);
    keel_json_remove(r->accounts, node);
    return KEEL_OK;
}

keel_status keel_registry_rename(struct keel_registry *r, const char *from,
                                 const char *to, struct keel_err *err)
{
    size_t pos = 0, dst = 0;
    //@ ghost keel_registry_open(r);
    if (!keel_name_valid(to, strlen(to)))
        return fail(err, KEEL_E_INVALID, "invalid account name");
    if (!index_search(r, from, &pos))
        return fail(err, KEEL_E_NOT_FOUND, "no such account");
    if (strcmp(from, to) == 0)
        return KEEL_OK;
    if (index_search(r, to, &dst))
        return fail(err, KEEL_E_EXISTS, "account already exists");
    keel_json *node = r->idx[pos];
    /* Allocate everything first, so a failure changes nothing. */
    char *k = key_dup(to);
    keel_json *nm = keel_json_new_string(to);
    if (k == NULL || nm == NULL) {
        free(k);
        keel_json_delete(nm);
        return fail(err, KEEL_E_NOMEM, "out of memory");
    }
    if (keel_tree_set(node, k_name, nm) != KEEL_OK) {
        free(k);
        return fail(err, KEEL_E_NOMEM, "out of memory");
    }
    /* Delete + insert, as the Node tool renames: the account moves last. */
    keel_json_move_last(r->accounts, node, k);
    index_delete(r, pos);
    (void)index_search(r, to, &dst);
    index_insert(r, dst, node); /* room: one entry was just freed */
    return KEEL_OK;
}

keel_status keel_registry_set_string(struct keel_registry *r,
                                     const char *name, keel_field f,
                                     const char *value, struct keel_err *err)
{
    //@ ghost keel_registry_open(r);
    if ((unsigned)f >= (unsigned)KEEL_F_COUNT) /* also a negative f */
        return fail(err, KEEL_E_INVALID, "unknown field");
    keel_json *a = keel_registry_account_find(r, name);
    if (a == NULL)
        return fail(err, KEEL_E_NOT_FOUND, "no such account");
    if (value == NULL) {
        (void)keel_tree_remove(a, field_key(f));
        return KEEL_OK;
    }
    if (!storable(value))
        return fail(err, KEEL_E_INVALID, "value is not storable text");
    if (set_str(a, field_key(f), value) != KEEL_OK)
        return fail(err, KEEL_E_NOMEM, "out of memory");
    return KEEL_OK;
}

/* doc[key] as an object, replaced by a new one if absent or mistyped. */
/*@ requires json_node(doc) && valid_read_string(key);
    assigns json_heap;
    ensures \result == \null || json_node(\result);
 */
static keel_json *ensure_object(keel_json *doc, const char *key)
{
    keel_json *o = keel_tree_get(doc, key);
    if (keel_json_kind(o) == KEEL_J_OBJECT)
        return o;
    o = keel_json_new_object();
    if (o == NULL || keel_tree_set(doc, key, o) != KEEL_OK)
        return NULL;
    return o;
}

/* A usage window Keel may store: absent, or three finite numbers. */
/*@ requires w == \null || \valid_read(w);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int window_ok(const struct keel_usage_window *w)
{
    return w == NULL || !w->present ||
           (isfinite(w->used_percent) && isfinite(w->window_minutes) &&
            isfinite(w->resets_at));
}

/* u[key] = w (edited in place, unknown members kept), or removed. */
/*@ requires json_node(u) && valid_read_string(key);
    requires w == \null || \valid_read(w);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status put_window(keel_json *u, const char *key,
                              const struct keel_usage_window *w)
{
    if (w == NULL || !w->present) {
        (void)keel_tree_remove(u, key);
        return KEEL_OK;
    }
    keel_json *o = keel_tree_get(u, key);
    if (keel_json_kind(o) != KEEL_J_OBJECT) {
        o = keel_json_new_object();
        if (o == NULL || keel_tree_set(u, key, o) != KEEL_OK)
            return KEEL_E_NOMEM;
    }
    if (set_num(o, k_used_percent, w->used_percent) != KEEL_OK ||
        set_num(o, k_window_minutes, w->window_minutes) != KEEL_OK ||
        set_num(o, k_resets_at, w->resets_at) != KEEL_OK)
        return KEEL_E_NOMEM;
    return KEEL_OK;
}

/* obj[key] = value, or removed when value is NULL. */
/*@ requires json_node(obj) && valid_read_string(key);
    requires value == \null || valid_read_string(value);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status put_opt_str(keel_json *obj, const char *key,
                               const char *value)
{
    if (value == NULL) {
        (void)keel_tree_remove(obj, key);
        return KEEL_OK;
    }
    return set_str(obj, key, value);
}

/* s NULL, or a string Keel may store. */
/*@ requires s == \null || valid_read_string(s);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int opt_storable(const char *s)
{
    return s == NULL || storable(s);
}

/* u's primary and secondary windows. */
/*@ requires json_node(u);
    requires primary == \null || \valid_read(primary);
    requires secondary == \null || \valid_read(secondary);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status put_windows(keel_json *u,
                               const struct keel_usage_window *primary,
                               const struct keel_usage_window *secondary)
{
    keel_status st = put_window(u, k_primary, primary);
    if (st != KEEL_OK)
        return st;
    return put_window(u, k_secondary, secondary);
}

/* u's planType, fetchedAt and source. */
/*@ requires json_node(u);
    requires plan_type == \null || valid_read_string(plan_type);
    requires fetched_at == \null || valid_read_string(fetched_at);
    requires source == \null || valid_read_string(source);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status put_usage_strs(keel_json *u, const char *plan_type,
                                  const char *fetched_at, const char *source)
{
    keel_status st = put_opt_str(u, k_plan_type, plan_type);
    if (st != KEEL_OK)
        return st;
    st = put_opt_str(u, k_fetched_at, fetched_at);
    if (st != KEEL_OK)
        return st;
    return put_opt_str(u, k_source, source);
}

keel_status keel_registry_set_usage(struct keel_registry *r, const char *name,
                                    const struct keel_usage_window *primary,
                                    const struct keel_usage_window *secondary,
                                    const char *plan_type,
                                    const char *fetched_at, const char *source,
                                    const char *last_usage_at,
                                    struct keel_err *err)
{
    //@ ghost keel_registry_open(r);
    keel_json *a = keel_registry_account_find(r, name);
    if (a == NULL)
        return fail(err, KEEL_E_NOT_FOUND, "no such account");
    if (!window_ok(primary) || !window_ok(secondary))
        return fail(err, KEEL_E_INVALID, "usage value is not a finite number");
    if (!opt_storable(plan_type) || !opt_storable(fetched_at) ||
        !opt_storable(source) || !opt_storable(last_usage_at))
        return fail(err, KEEL_E_INVALID, "value is not storable text");
    /* Edit lastUsage in place, so members a newer tool added survive (G11);
       key order primary, secondary, planType, fetchedAt, source for a new
       object, as the Node tool writes it. */
    keel_json *u = ensure_object(a, k_last_usage);
    if (u == NULL || put_windows(u, primary, secondary) != KEEL_OK ||
        put_usage_strs(u, plan_type, fetched_at, source) != KEEL_OK ||
        put_opt_str(a, k_last_usage_at, last_usage_at) != KEEL_OK)
        return fail(err, KEEL_E_NOMEM, "out of memory");
    return KEEL_OK;
}

/* ---- globals ---------------------------------------------------------------------------- */

const char *keel_registry_active(const struct keel_registry *r)
{
    //@ ghost keel_registry_open(r);
    return get_str(r->doc, k_active_account_name);
}

keel_status keel_registry_set_active(struct keel_registry *r,
                                     const char *name, struct keel_err *err)
{
    //@ ghost keel_registry_open(r);
    if (name == NULL) {
        (void)keel_tree_remove(r->doc, k_active_account_name);
        return KEEL_OK;
    }
    if (!keel_name_valid(name, strlen(name)))
        return fail(err, KEEL_E_INVALID, "invalid account name");
    keel_json *v = keel_json_new_string(name);
    if (v == NULL)
        return fail(err, KEEL_E_NOMEM, "out of memory");
    if (keel_tree_get(r->doc, k_active_account_name) != NULL ||
        r->accounts == NULL) {
        if (keel_tree_set(r->doc, k_active_account_name, v) != KEEL_OK)
            return fail(err, KEEL_E_NOMEM, "out of memory");
        return KEEL_OK;
    }
    /* The Node tool's layout (DESIGN.md 1) has activeAccountName just
       before "accounts", also when it was absent before. */
    if (!keel_json_insert_before(r->doc, r->accounts, k_active_account_name, v))
        return fail(err, KEEL_E_NOMEM, "out of memory"); /* v freed */
    return KEEL_OK;
}

/* 1 if obj[key] is true, 0 otherwise. */
/*@ requires obj == \null || json_node(obj);
    requires valid_read_string(key);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int get_true(const keel_json *obj, const char *key)
{
    return keel_json_kind(keel_tree_get(obj, key)) == KEEL_J_TRUE ? 1 : 0;
}

void keel_registry_globals(const struct keel_registry *r,
                           struct keel_globals *out)
{
    //@ ghost keel_registry_open(r);
    const keel_json *as = keel_tree_get(r->doc, k_auto_switch);
    const keel_json *api = keel_tree_get(r->doc, k_api);
    out->auto_enabled = get_true(as, k_enabled);
    out->threshold_5h = get_num(as, k_threshold_5h_percent);
    out->threshold_weekly = get_num(as, k_threshold_weekly_percent);
    out->api_usage = get_true(api, k_usage);
}

/*@ requires obj == \null || json_node(obj);
    requires valid_read_string(key);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status set_bool(keel_json *obj, const char *key, int value)
{
    keel_json *v = keel_json_new_bool(value != 0);
    if (v == NULL)
        return KEEL_E_NOMEM;
    return keel_tree_set(obj, key, v);
}

/* 1 if a == b. (A function of its own: a comparison of doubles brings
   the floating-point theory into every goal of the function that makes
   it, which CVC4 cannot read and Z3 cannot finish.) */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int num_eq(double a, double b)
{
    return a == b;
}

/* Write autoSwitch's members that differ between g and cur. */
/*@ requires json_node(doc) && \valid_read(g) && \valid_read(cur);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status put_auto_switch(keel_json *doc,
                                   const struct keel_globals *g,
                                   const struct keel_globals *cur)
{
    keel_status st = KEEL_OK;
    int enabled = g->auto_enabled != 0;
    double t5 = g->threshold_5h, tw = g->threshold_weekly;
    int same5 = num_eq(t5, cur->threshold_5h);
    int samew = num_eq(tw, cur->threshold_weekly);
    if (enabled == (cur->auto_enabled != 0) && same5 && samew)
        return KEEL_OK;
    keel_json *as = ensure_object(doc, k_auto_switch);
    if (as == NULL)
        return KEEL_E_NOMEM;
    if (enabled != (cur->auto_enabled != 0))
        st = set_bool(as, k_enabled, enabled);
    if (st == KEEL_OK && !same5)
        st = set_num(as, k_threshold_5h_percent, t5);
    if (st == KEEL_OK && !samew)
        st = set_num(as, k_threshold_weekly_percent, tw);
    return st;
}

/* Write api.usage if it differs between g and cur. */
/*@ requires json_node(doc) && \valid_read(g) && \valid_read(cur);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
static keel_status put_api(keel_json *doc, const struct keel_globals *g,
                           const struct keel_globals *cur)
{
    int usage = g->api_usage != 0;
    if (usage == (cur->api_usage != 0))
        return KEEL_OK;
    keel_json *api = ensure_object(doc, k_api);
    if (api == NULL)
        return KEEL_E_NOMEM;
    return set_bool(api, k_usage, usage);
}

keel_status keel_registry_set_globals(struct keel_registry *r,
                                      const struct keel_globals *g,
                                      struct keel_err *err)
{
    struct keel_globals cur;
    //@ ghost keel_registry_open(r);
    if (!isfinite(g->threshold_5h) || !isfinite(g->threshold_weekly))
        return fail(err, KEEL_E_INVALID, "threshold is not a finite number");
    /* Write only what changes, so a value Keel does not understand (kept
       and warned about at decode) is not replaced by the getter's 0. */
    keel_registry_globals(r, &cur);
    keel_json *doc = r->doc;
    keel_status st = put_auto_switch(doc, g, &cur);
    if (st == KEEL_OK)
        st = put_api(doc, g, &cur);
    if (st != KEEL_OK)
        return fail(err, st, "out of memory");
    return KEEL_OK;
}
