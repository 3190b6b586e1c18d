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
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "tree.h"

/* ---- errors -------------------------------------------------------------- */

/* Fill err (if any) for a failed model call; returns status. */
/*@ requires err == \null || \valid(err);
    assigns *err;
    ensures \result == status;
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

/* qsort comparator: account nodes by key. */
static int cmp_key(const void *a, const void *b)
{
    const keel_json *x = *(const keel_json *const *)a;
    const keel_json *y = *(const keel_json *const *)b;
    return strcmp(keel_json_key(x), keel_json_key(y));
}

/* Position of name in the index: 1 and *pos if found, else 0 and *pos the
   insertion point. */
/*@ requires \valid_read(r) && \valid(pos);
    assigns *pos;
    ensures \result == 0 || \result == 1;
 */
static int index_search(const struct keel_registry *r, const char *name,
                        size_t *pos)
{
    size_t lo = 0, hi = r->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(keel_json_key(r->idx[mid]), name);
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
/*@ requires \valid(r);
    assigns *r;
 */
static keel_status index_reserve(struct keel_registry *r)
{
    if (r->count < r->cap)
        return KEEL_OK;
    size_t cap = r->cap < 16 ? 16 : r->cap;
    if (cap > ((size_t)-1 / sizeof(keel_json *)) / 2)
        return KEEL_E_NOMEM;
    cap *= 2;
    keel_json **v = realloc(r->idx, cap * sizeof *v);
    if (v == NULL)
        return KEEL_E_NOMEM;
    r->idx = v;
    r->cap = cap;
    return KEEL_OK;
}

/*@ requires \valid(r) && pos <= r->count && r->count < r->cap;
    requires json_node(node);
    assigns *r;
 */
static void index_insert(struct keel_registry *r, size_t pos,
                         keel_json *node)
{
    memmove(r->idx + pos + 1, r->idx + pos,
            (r->count - pos) * sizeof *r->idx);
    r->idx[pos] = node;
    r->count++;
}

/*@ requires \valid(r) && pos < r->count;
    assigns *r;
 */
static void index_delete(struct keel_registry *r, size_t pos)
{
    memmove(r->idx + pos, r->idx + pos + 1,
            (r->count - pos - 1) * sizeof *r->idx);
    r->count--;
}

keel_status keel_registry_reindex(struct keel_registry *r)
{
    size_t n = 0;
    keel_json *acc = keel_tree_get(r->doc, "accounts");
    r->accounts = keel_json_kind(acc) == KEEL_J_OBJECT ? acc : NULL;
    r->count = 0;
    if (r->accounts == NULL)
        return KEEL_OK;
    for (keel_json *c = keel_json_first(r->accounts); c != NULL;
         c = keel_json_next(c)) {
        if (keel_json_key(c) == NULL)
            return KEEL_E_INVALID;
        n++;
    }
    if (n > r->cap) {
        keel_json **v = realloc(r->idx, n * sizeof *v);
        if (v == NULL)
            return KEEL_E_NOMEM;
        r->idx = v;
        r->cap = n;
    }
    if (n == 0)
        return KEEL_OK;
    for (keel_json *c = keel_json_first(r->accounts); c != NULL;
         c = keel_json_next(c))
        r->idx[r->count++] = c;
    qsort(r->idx, r->count, sizeof *r->idx, cmp_key);
    for (size_t i = 1; i < r->count; i++) {
        if (strcmp(keel_json_key(r->idx[i - 1]), keel_json_key(r->idx[i])) ==
            0) {
            r->count = 0;
            return KEEL_E_INVALID;
        }
    }
    return KEEL_OK;
}

/* ---- registry lifetime -------------------------------------------------------- */

struct keel_registry *keel_registry_wrap(keel_json *doc)
{
    if (doc == NULL)
        return NULL;
    struct keel_registry *r = calloc(1, sizeof *r);
    if (r == NULL || keel_json_kind(doc) != KEEL_J_OBJECT) {
        free(r);
        keel_json_delete(doc);
        return NULL;
    }
    r->doc = doc;
    if (keel_registry_reindex(r) != KEEL_OK) {
        keel_registry_free(r);
        return NULL;
    }
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
/*@ requires json_node(obj) && valid_read_string(key);
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
    keel_json *as = add_new(doc, "autoSwitch", keel_json_new_object());
    if (as == NULL ||
        add_new(as, "enabled", keel_json_new_bool(0)) == NULL ||
        add_new(as, "threshold5hPercent", keel_json_new_number(10)) == NULL ||
        add_new(as, "thresholdWeeklyPercent", keel_json_new_number(5)) ==
            NULL)
        return 0;
    keel_json *api = add_new(doc, "api", keel_json_new_object());
    return api != NULL &&
           add_new(api, "usage", keel_json_new_bool(1)) != NULL;
}

struct keel_registry *keel_registry_new(void)
{
    /* Key order as the Node tool writes a fresh registry (DESIGN.md 1):
       version, autoSwitch, api, accounts; no activeAccountName. */
    keel_json *doc = keel_json_new_object();
    if (doc == NULL)
        return NULL;
    if (add_new(doc, "version", keel_json_new_number(1)) == NULL ||
        !add_default_globals(doc) ||
        add_new(doc, "accounts", keel_json_new_object()) == NULL) {
        keel_json_delete(doc);
        return NULL;
    }
    return keel_registry_wrap(doc);
}

void keel_registry_free(struct keel_registry *r)
{
    if (r == NULL)
        return;
    keel_json_delete(r->doc);
    free(r->idx);
    free(r);
}

struct keel_registry *keel_registry_clone(const struct keel_registry *r)
{
    return keel_registry_wrap(keel_tree_dup(r->doc));
}

int keel_registry_equal(const struct keel_registry *a,
                        const struct keel_registry *b)
{
    return keel_tree_equal(a->doc, b->doc);
}

/* ---- account lookups ------------------------------------------------------------- */

size_t keel_registry_count(const struct keel_registry *r)
{
    return r->count;
}

const char *keel_registry_name_at(const struct keel_registry *r, size_t i)
{
    return i < r->count ? keel_json_key(r->idx[i]) : NULL;
}

int keel_registry_find(const struct keel_registry *r, const char *name,
                       size_t *index)
{
    size_t pos = 0;
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

static const char *const field_key[KEEL_F_COUNT] = {
    "email", "accountId", "userId", "planType", "createdAt", "lastUsageAt",
};

/*@ requires w == \null || json_node(w);
    requires \valid(out);
    assigns *out;
 */
static void view_window(const keel_json *w, struct keel_usage_window *out)
{
    out->present = keel_json_kind(w) == KEEL_J_OBJECT;
    out->used_percent = get_num(w, "usedPercent");
    out->window_minutes = get_num(w, "windowMinutes");
    out->resets_at = get_num(w, "resetsAt");
}

keel_status keel_registry_view(const struct keel_registry *r,
                               const char *name,
                               struct keel_account_view *out)
{
    const keel_json *a = keel_registry_account_find(r, name);
    if (a == NULL)
        return KEEL_E_NOT_FOUND;
    memset(out, 0, sizeof *out);
    out->name = keel_json_key(a);
    for (int f = 0; f < KEEL_F_COUNT; f++)
        out->field[f] = get_str(a, field_key[f]);
    const keel_json *u = keel_tree_get(a, "lastUsage");
    out->has_last_usage = keel_json_kind(u) == KEEL_J_OBJECT;
    view_window(keel_tree_get(u, "primary"), &out->primary);
    view_window(keel_tree_get(u, "secondary"), &out->secondary);
    out->usage_plan_type = get_str(u, "planType");
    out->usage_fetched_at = get_str(u, "fetchedAt");
    out->usage_source = get_str(u, "source");
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
    ensures keel_registry_ok(r);
    ensures \result == \null || (\result == r->accounts && json_node(\result));
 */
static keel_json *ensure_accounts(struct keel_registry *r)
{
    if (r->accounts != NULL)
        return r->accounts;
    keel_json *acc = keel_json_new_object();
    if (acc == NULL || keel_tree_set(r->doc, "accounts", acc) != KEEL_OK)
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
        key = get_str(item, "name");
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

keel_status keel_registry_add(struct keel_registry *r, const char *name,
                              const char *created_at, struct keel_err *err)
{
    if (!keel_name_valid(name, strlen(name)))
        return fail(err, KEEL_E_INVALID, "invalid account name");
    if (created_at != NULL && !storable(created_at))
        return fail(err, KEEL_E_INVALID, "createdAt is not storable text");
    if (keel_registry_account_find(r, name) != NULL)
        return fail(err, KEEL_E_EXISTS, "account already exists");
    keel_json *a = keel_json_new_object();
    if (a == NULL || set_str(a, "name", name) != KEEL_OK ||
        (created_at != NULL && set_str(a, "createdAt", created_at) != KEEL_OK)) {
        keel_json_delete(a);
        return fail(err, KEEL_E_NOMEM, "out of memory");
    }
    keel_status st = keel_registry_put_account(r, a);
    if (st != KEEL_OK)
        return fail(err, st, "out of memory");
    return KEEL_OK;
}

keel_status keel_registry_remove(struct keel_registry *r, const char *name,
                                 struct keel_err *err)
{
    size_t pos = 0;
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
    char *k = strdup(to);
    keel_json *nm = keel_json_new_string(to);
    if (k == NULL || nm == NULL) {
        free(k);
        keel_json_delete(nm);
        return fail(err, KEEL_E_NOMEM, "out of memory");
    }
    if (keel_tree_set(node, "name", nm) != KEEL_OK) {
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
    if ((int)f < 0 || f >= KEEL_F_COUNT)
        return fail(err, KEEL_E_INVALID, "unknown field");
    keel_json *a = keel_registry_account_find(r, name);
    if (a == NULL)
        return fail(err, KEEL_E_NOT_FOUND, "no such account");
    if (value == NULL) {
        (void)keel_tree_remove(a, field_key[f]);
        return KEEL_OK;
    }
    if (!storable(value))
        return fail(err, KEEL_E_INVALID, "value is not storable text");
    if (set_str(a, field_key[f], value) != KEEL_OK)
        return fail(err, KEEL_E_NOMEM, "out of memory");
    return KEEL_OK;
}

/* A usage window Keel may store: absent, or three finite numbers. */
/*@ assigns \nothing;
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
    if (set_num(o, "usedPercent", w->used_percent) != KEEL_OK ||
        set_num(o, "windowMinutes", w->window_minutes) != KEEL_OK ||
        set_num(o, "resetsAt", w->resets_at) != KEEL_OK)
        return KEEL_E_NOMEM;
    return KEEL_OK;
}

/* obj[key] = value, or removed when value is NULL. */
/*@ requires json_node(obj) && valid_read_string(key);
    requires value == \null || valid_read_string(value);
    assigns json_heap;
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

keel_status keel_registry_set_usage(struct keel_registry *r, const char *name,
                                    const struct keel_usage_window *primary,
                                    const struct keel_usage_window *secondary,
                                    const char *plan_type,
                                    const char *fetched_at, const char *source,
                                    const char *last_usage_at,
                                    struct keel_err *err)
{
    keel_json *a = keel_registry_account_find(r, name);
    if (a == NULL)
        return fail(err, KEEL_E_NOT_FOUND, "no such account");
    if (!window_ok(primary) || !window_ok(secondary))
        return fail(err, KEEL_E_INVALID, "usage value is not a finite number");
    if ((plan_type != NULL && !storable(plan_type)) ||
        (fetched_at != NULL && !storable(fetched_at)) ||
        (source != NULL && !storable(source)) ||
        (last_usage_at != NULL && !storable(last_usage_at)))
        return fail(err, KEEL_E_INVALID, "value is not storable text");
    /* Edit lastUsage in place, so members a newer tool added survive (G11);
       key order primary, secondary, planType, fetchedAt, source for a new
       object, as the Node tool writes it. */
    keel_json *u = keel_tree_get(a, "lastUsage");
    if (keel_json_kind(u) != KEEL_J_OBJECT) {
        u = keel_json_new_object();
        if (u == NULL || keel_tree_set(a, "lastUsage", u) != KEEL_OK)
            return fail(err, KEEL_E_NOMEM, "out of memory");
    }
    if (put_window(u, "primary", primary) != KEEL_OK ||
        put_window(u, "secondary", secondary) != KEEL_OK ||
        put_opt_str(u, "planType", plan_type) != KEEL_OK ||
        put_opt_str(u, "fetchedAt", fetched_at) != KEEL_OK ||
        put_opt_str(u, "source", source) != KEEL_OK ||
        put_opt_str(a, "lastUsageAt", last_usage_at) != KEEL_OK)
        return fail(err, KEEL_E_NOMEM, "out of memory");
    return KEEL_OK;
}

/* ---- globals ---------------------------------------------------------------------------- */

const char *keel_registry_active(const struct keel_registry *r)
{
    return get_str(r->doc, "activeAccountName");
}

keel_status keel_registry_set_active(struct keel_registry *r,
                                     const char *name, struct keel_err *err)
{
    if (name == NULL) {
        (void)keel_tree_remove(r->doc, "activeAccountName");
        return KEEL_OK;
    }
    if (!keel_name_valid(name, strlen(name)))
        return fail(err, KEEL_E_INVALID, "invalid account name");
    keel_json *v = keel_json_new_string(name);
    if (v == NULL)
        return fail(err, KEEL_E_NOMEM, "out of memory");
    if (keel_tree_get(r->doc, "activeAccountName") != NULL ||
        r->accounts == NULL) {
        if (keel_tree_set(r->doc, "activeAccountName", v) != KEEL_OK)
            return fail(err, KEEL_E_NOMEM, "out of memory");
        return KEEL_OK;
    }
    /* The Node tool's layout (DESIGN.md 1) has activeAccountName just
       before "accounts", also when it was absent before. */
    if (!keel_json_insert_before(r->doc, r->accounts, "activeAccountName", v))
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
    const keel_json *as = keel_tree_get(r->doc, "autoSwitch");
    const keel_json *api = keel_tree_get(r->doc, "api");
    out->auto_enabled = get_true(as, "enabled");
    out->threshold_5h = get_num(as, "threshold5hPercent");
    out->threshold_weekly = get_num(as, "thresholdWeeklyPercent");
    out->api_usage = get_true(api, "usage");
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

/*@ requires obj == \null || json_node(obj);
    requires valid_read_string(key);
    assigns json_heap;
 */
static keel_status set_bool(keel_json *obj, const char *key, int value)
{
    keel_json *v = keel_json_new_bool(value != 0);
    if (v == NULL)
        return KEEL_E_NOMEM;
    return keel_tree_set(obj, key, v);
}

keel_status keel_registry_set_globals(struct keel_registry *r,
                                      const struct keel_globals *g,
                                      struct keel_err *err)
{
    struct keel_globals cur;
    keel_status st = KEEL_OK;
    if (!isfinite(g->threshold_5h) || !isfinite(g->threshold_weekly))
        return fail(err, KEEL_E_INVALID, "threshold is not a finite number");
    /* Write only what changes, so a value Keel does not understand (kept
       and warned about at decode) is not replaced by the getter's 0. */
    keel_registry_globals(r, &cur);
    if ((g->auto_enabled != 0) != (cur.auto_enabled != 0) ||
        g->threshold_5h != cur.threshold_5h ||
        g->threshold_weekly != cur.threshold_weekly) {
        keel_json *as = ensure_object(r->doc, "autoSwitch");
        if (as == NULL)
            return fail(err, KEEL_E_NOMEM, "out of memory");
        if ((g->auto_enabled != 0) != (cur.auto_enabled != 0))
            st = set_bool(as, "enabled", g->auto_enabled);
        if (st == KEEL_OK && g->threshold_5h != cur.threshold_5h)
            st = set_num(as, "threshold5hPercent", g->threshold_5h);
        if (st == KEEL_OK && g->threshold_weekly != cur.threshold_weekly)
            st = set_num(as, "thresholdWeeklyPercent", g->threshold_weekly);
    }
    if (st == KEEL_OK && (g->api_usage != 0) != (cur.api_usage != 0)) {
        keel_json *api = ensure_object(r->doc, "api");
        st = api == NULL ? KEEL_E_NOMEM
                         : set_bool(api, "usage", g->api_usage);
    }
    if (st != KEEL_OK)
        return fail(err, st, "out of memory");
    return KEEL_OK;
}
