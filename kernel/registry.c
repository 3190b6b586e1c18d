/*
 * registry.c - the registry model (registry.h) and the internal tree API
 * (tree.h) that codec.c, encode.c and merge.c share.
 *
 * The model is the decoded cJSON document itself, so fields Keel does not
 * know survive verbatim and in order (G11), plus an index of the account
 * nodes sorted by name for lookups. Outside the WP proof (cJSON glue):
 * covered by tests/unit/test_registry.c, test_roundtrip.c and fuzzing.
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

/* ---- plain tree helpers ---------------------------------------------------- */

cJSON *keel_tree_get(const cJSON *obj, const char *key)
{
    if (obj == NULL || !cJSON_IsObject(obj))
        return NULL;
    for (cJSON *c = obj->child; c != NULL; c = c->next) {
        if (c->string != NULL && strcmp(c->string, key) == 0)
            return c;
    }
    return NULL;
}

keel_status keel_tree_set(cJSON *obj, const char *key, cJSON *item)
{
    if (item == NULL)
        return KEEL_E_INVALID;
    if (obj == NULL || !cJSON_IsObject(obj)) {
        cJSON_Delete(item);
        return KEEL_E_INVALID;
    }
    cJSON *old = keel_tree_get(obj, key);
    if (old == NULL) {
        /* A new key goes last, as a JavaScript assignment appends it. */
        if (!cJSON_AddItemToObject(obj, key, item)) {
            cJSON_Delete(item);
            return KEEL_E_NOMEM;
        }
        return KEEL_OK;
    }
    if (old == item)
        return KEEL_OK;
    /* Replace in place: the member keeps its position. The key string moves
       from the old node to the new one, so nothing is allocated. */
    if (item->string != NULL && !(item->type & cJSON_StringIsConst))
        cJSON_free(item->string);
    item->string = old->string;
    item->type &= ~cJSON_StringIsConst;
    old->string = NULL;
    cJSON_ReplaceItemViaPointer(obj, old, item);
    return KEEL_OK;
}

int keel_tree_remove(cJSON *obj, const char *key)
{
    cJSON *old = keel_tree_get(obj, key);
    if (old == NULL)
        return 0;
    cJSON_Delete(cJSON_DetachItemViaPointer(obj, old));
    return 1;
}

cJSON *keel_tree_dup(const cJSON *x)
{
    if (x == NULL)
        return NULL;
    return cJSON_Duplicate(x, 1);
}

int keel_tree_index_key(const char *key, unsigned long *value)
{
    unsigned long v = 0;
    size_t i = 0;
    if (key[0] < '0' || key[0] > '9')
        return 0;
    if (key[0] == '0' && key[1] != '\0')
        return 0; /* "01" is an ordinary string key in JavaScript */
    for (i = 0; key[i] != '\0'; i++) {
        if (key[i] < '0' || key[i] > '9' || i >= 10)
            return 0;
        v = v * 10u + (unsigned long)(key[i] - '0');
    }
    /* Array indexes stop at 2^32 - 2; "4294967295" is a plain key. */
    if (v > 4294967294ul)
        return 0;
    if (value != NULL)
        *value = v;
    return 1;
}

/* qsort comparator: index-keyed members by numeric value. */
static int cmp_index_key(const void *a, const void *b)
{
    unsigned long va = 0, vb = 0;
    const cJSON *x = *(const cJSON *const *)a;
    const cJSON *y = *(const cJSON *const *)b;
    (void)keel_tree_index_key(x->string, &va);
    (void)keel_tree_index_key(y->string, &vb);
    return (va > vb) - (va < vb);
}

keel_status keel_tree_js_order(const cJSON *obj, cJSON ***out, size_t *n)
{
    size_t count = 0, nidx = 0;
    *out = NULL;
    *n = 0;
    if (obj == NULL)
        return KEEL_OK;
    for (const cJSON *c = obj->child; c != NULL; c = c->next) {
        count++;
        if (c->string != NULL && keel_tree_index_key(c->string, NULL))
            nidx++;
    }
    *n = count;
    if (nidx == 0)
        return KEEL_OK;
    cJSON **v = malloc(count * sizeof *v);
    if (v == NULL)
        return KEEL_E_NOMEM;
    size_t i = 0, j = nidx;
    for (cJSON *c = obj->child; c != NULL; c = c->next) {
        if (c->string != NULL && keel_tree_index_key(c->string, NULL))
            v[i++] = c;
        else
            v[j++] = c;
    }
    qsort(v, nidx, sizeof *v, cmp_index_key);
    *out = v;
    return KEEL_OK;
}

/* Member i of obj in JavaScript order: from the array if there is one,
   else the next stored member after prev. */
/*@ assigns \nothing; */
static const cJSON *nth_member(const cJSON *obj, cJSON **order, size_t i,
                               const cJSON *prev)
{
    if (order != NULL)
        return order[i];
    return prev == NULL ? obj->child : prev->next;
}

/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int objects_equal(const cJSON *a, const cJSON *b)
{
    cJSON **oa = NULL, **ob = NULL;
    size_t na = 0, nb = 0;
    int eq = 1;
    if (keel_tree_js_order(a, &oa, &na) != KEEL_OK ||
        keel_tree_js_order(b, &ob, &nb) != KEEL_OK || na != nb) {
        eq = 0; /* also on allocation failure: "not known to be equal" */
    } else {
        const cJSON *x = NULL, *y = NULL;
        for (size_t i = 0; i < na && eq; i++) {
            x = nth_member(a, oa, i, x);
            y = nth_member(b, ob, i, y);
            eq = x->string != NULL && y->string != NULL &&
                 strcmp(x->string, y->string) == 0 && keel_tree_equal(x, y);
        }
    }
    free(oa);
    free(ob);
    return eq;
}

int keel_tree_equal(const cJSON *a, const cJSON *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    int ta = a->type & 0xFF, tb = b->type & 0xFF;
    if (ta != tb)
        return 0;
    switch (ta) {
    case cJSON_False:
    case cJSON_True:
    case cJSON_NULL:
        return 1;
    case cJSON_Number:
        /* 0 and -0 both print "0"; non-finite values both print "null". */
        if (!isfinite(a->valuedouble) || !isfinite(b->valuedouble))
            return !isfinite(a->valuedouble) && !isfinite(b->valuedouble);
        return a->valuedouble == b->valuedouble;
    case cJSON_String:
    case cJSON_Raw:
        if (a->valuestring == NULL || b->valuestring == NULL)
            return a->valuestring == b->valuestring;
        return strcmp(a->valuestring, b->valuestring) == 0;
    case cJSON_Array: {
        const cJSON *x = a->child, *y = b->child;
        for (; x != NULL && y != NULL; x = x->next, y = y->next) {
            if (!keel_tree_equal(x, y))
                return 0;
        }
        return x == NULL && y == NULL;
    }
    case cJSON_Object:
        return objects_equal(a, b);
    default:
        return 0;
    }
}

int keel_tree_utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != 0) {
        unsigned c = *p;
        size_t n;
        unsigned cp, min;
        if (c < 0x80) {
            p++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0; /* also stops at the NUL */
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n + 1;
    }
    return 1;
}

/* ---- the account index ------------------------------------------------------ */

/* qsort comparator: account nodes by key. */
static int cmp_key(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a;
    const cJSON *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
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
        int c = strcmp(r->idx[mid]->string, name);
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
    if (cap > ((size_t)-1 / sizeof(cJSON *)) / 2)
        return KEEL_E_NOMEM;
    cap *= 2;
    cJSON **v = realloc(r->idx, cap * sizeof *v);
    if (v == NULL)
        return KEEL_E_NOMEM;
    r->idx = v;
    r->cap = cap;
    return KEEL_OK;
}

/*@ requires \valid(r) && pos <= r->count && r->count < r->cap;
    assigns *r;
 */
static void index_insert(struct keel_registry *r, size_t pos, cJSON *node)
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
    cJSON *acc = keel_tree_get(r->doc, "accounts");
    r->accounts = cJSON_IsObject(acc) ? acc : NULL;
    r->count = 0;
    if (r->accounts == NULL)
        return KEEL_OK;
    for (cJSON *c = r->accounts->child; c != NULL; c = c->next) {
        if (c->string == NULL)
            return KEEL_E_INVALID;
        n++;
    }
    if (n > r->cap) {
        cJSON **v = realloc(r->idx, n * sizeof *v);
        if (v == NULL)
            return KEEL_E_NOMEM;
        r->idx = v;
        r->cap = n;
    }
    if (n == 0)
        return KEEL_OK;
    for (cJSON *c = r->accounts->child; c != NULL; c = c->next)
        r->idx[r->count++] = c;
    qsort(r->idx, r->count, sizeof *r->idx, cmp_key);
    for (size_t i = 1; i < r->count; i++) {
        if (strcmp(r->idx[i - 1]->string, r->idx[i]->string) == 0) {
            r->count = 0;
            return KEEL_E_INVALID;
        }
    }
    return KEEL_OK;
}

/* ---- registry lifetime -------------------------------------------------------- */

struct keel_registry *keel_registry_wrap(cJSON *doc)
{
    if (doc == NULL)
        return NULL;
    struct keel_registry *r = calloc(1, sizeof *r);
    if (r == NULL || !cJSON_IsObject(doc)) {
        free(r);
        cJSON_Delete(doc);
        return NULL;
    }
    r->doc = doc;
    if (keel_registry_reindex(r) != KEEL_OK) {
        keel_registry_free(r);
        return NULL;
    }
    return r;
}

cJSON *keel_registry_doc(struct keel_registry *r)
{
    return r->doc;
}

const cJSON *keel_registry_doc_const(const struct keel_registry *r)
{
    return r->doc;
}

/* Build {"enabled": false, "threshold5hPercent": 10,
   "thresholdWeeklyPercent": 5} and {"usage": true} into doc. */
/*@ requires \valid(doc);
    assigns *doc;
    ensures \result == 0 || \result == 1;
 */
static int add_default_globals(cJSON *doc)
{
    cJSON *as = cJSON_AddObjectToObject(doc, "autoSwitch");
    if (as == NULL || cJSON_AddFalseToObject(as, "enabled") == NULL ||
        cJSON_AddNumberToObject(as, "threshold5hPercent", 10) == NULL ||
        cJSON_AddNumberToObject(as, "thresholdWeeklyPercent", 5) == NULL)
        return 0;
    cJSON *api = cJSON_AddObjectToObject(doc, "api");
    return api != NULL && cJSON_AddTrueToObject(api, "usage") != NULL;
}

struct keel_registry *keel_registry_new(void)
{
    /* Key order as the Node tool writes a fresh registry (DESIGN.md 1):
       version, autoSwitch, api, accounts; no activeAccountName. */
    cJSON *doc = cJSON_CreateObject();
    if (doc == NULL)
        return NULL;
    if (cJSON_AddNumberToObject(doc, "version", 1) == NULL ||
        !add_default_globals(doc) ||
        cJSON_AddObjectToObject(doc, "accounts") == NULL) {
        cJSON_Delete(doc);
        return NULL;
    }
    return keel_registry_wrap(doc);
}

void keel_registry_free(struct keel_registry *r)
{
    if (r == NULL)
        return;
    cJSON_Delete(r->doc);
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
    return i < r->count ? r->idx[i]->string : NULL;
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

cJSON *keel_registry_account_node(const struct keel_registry *r, size_t i)
{
    return i < r->count ? r->idx[i] : NULL;
}

cJSON *keel_registry_account_find(const struct keel_registry *r,
                                  const char *name)
{
    size_t pos = 0;
    return index_search(r, name, &pos) ? r->idx[pos] : NULL;
}

/* Value of a string member, NULL if absent or not a string. */
/*@ assigns \nothing; */
static const char *get_str(const cJSON *obj, const char *key)
{
    const cJSON *v = keel_tree_get(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Value of a number member, 0 if absent or not a number. */
/*@ assigns \nothing; */
static double get_num(const cJSON *obj, const char *key)
{
    const cJSON *v = keel_tree_get(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *const field_key[KEEL_F_COUNT] = {
    "email", "accountId", "userId", "planType", "createdAt", "lastUsageAt",
};

/*@ requires \valid(out);
    assigns *out;
 */
static void view_window(const cJSON *w, struct keel_usage_window *out)
{
    out->present = cJSON_IsObject(w);
    out->used_percent = get_num(w, "usedPercent");
    out->window_minutes = get_num(w, "windowMinutes");
    out->resets_at = get_num(w, "resetsAt");
}

keel_status keel_registry_view(const struct keel_registry *r,
                               const char *name,
                               struct keel_account_view *out)
{
    const cJSON *a = keel_registry_account_find(r, name);
    if (a == NULL)
        return KEEL_E_NOT_FOUND;
    memset(out, 0, sizeof *out);
    out->name = a->string;
    for (int f = 0; f < KEEL_F_COUNT; f++)
        out->field[f] = get_str(a, field_key[f]);
    const cJSON *u = keel_tree_get(a, "lastUsage");
    out->has_last_usage = cJSON_IsObject(u);
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
/*@ requires valid_read_string(key) && valid_read_string(value);
    assigns *obj;
 */
static keel_status set_str(cJSON *obj, const char *key, const char *value)
{
    cJSON *v = cJSON_CreateString(value);
    if (v == NULL)
        return KEEL_E_NOMEM;
    return keel_tree_set(obj, key, v);
}

/*@ requires valid_read_string(key);
    assigns *obj;
 */
static keel_status set_num(cJSON *obj, const char *key, double value)
{
    cJSON *v = cJSON_CreateNumber(value);
    if (v == NULL)
        return KEEL_E_NOMEM;
    return keel_tree_set(obj, key, v);
}

/* The accounts object, created (appended to doc) if absent. */
/*@ requires \valid(r);
    assigns *r;
 */
static cJSON *ensure_accounts(struct keel_registry *r)
{
    if (r->accounts != NULL)
        return r->accounts;
    cJSON *acc = cJSON_CreateObject();
    if (acc == NULL || keel_tree_set(r->doc, "accounts", acc) != KEEL_OK)
        return NULL;
    r->accounts = acc;
    r->count = 0;
    return acc;
}

keel_status keel_registry_put_account(struct keel_registry *r, cJSON *item)
{
    const char *key = item->string != NULL ? item->string
                                           : get_str(item, "name");
    if (key == NULL || !keel_name_valid(key, strlen(key))) {
        cJSON_Delete(item);
        return KEEL_E_INVALID;
    }
    size_t pos = 0;
    if (index_search(r, key, &pos)) {
        cJSON *old = r->idx[pos];
        /* keel_tree_set would search the accounts linearly: replace by
           pointer, moving the key over, so nothing is allocated. */
        if (old != item) {
            if (item->string != NULL && !(item->type & cJSON_StringIsConst))
                cJSON_free(item->string);
            item->string = old->string;
            item->type &= ~cJSON_StringIsConst;
            old->string = NULL;
            cJSON_ReplaceItemViaPointer(r->accounts, old, item);
            r->idx[pos] = item;
        }
        return KEEL_OK;
    }
    cJSON *acc = ensure_accounts(r);
    if (acc == NULL || index_reserve(r) != KEEL_OK) {
        cJSON_Delete(item);
        return KEEL_E_NOMEM;
    }
    char *k = strdup(key);
    if (k == NULL) {
        cJSON_Delete(item);
        return KEEL_E_NOMEM;
    }
    if (item->string != NULL && !(item->type & cJSON_StringIsConst))
        cJSON_free(item->string);
    item->string = k;
    item->type &= ~cJSON_StringIsConst;
    cJSON_AddItemToArray(acc, item); /* links only: appended, cannot fail */
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
    cJSON *a = cJSON_CreateObject();
    if (a == NULL || set_str(a, "name", name) != KEEL_OK ||
        (created_at != NULL && set_str(a, "createdAt", created_at) != KEEL_OK)) {
        cJSON_Delete(a);
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
    cJSON *node = r->idx[pos];
    index_delete(r, pos);
    cJSON_Delete(cJSON_DetachItemViaPointer(r->accounts, node));
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
    cJSON *node = r->idx[pos];
    /* Allocate everything first, so a failure changes nothing. */
    char *k = strdup(to);
    cJSON *nm = cJSON_CreateString(to);
    if (k == NULL || nm == NULL) {
        free(k);
        cJSON_Delete(nm);
        return fail(err, KEEL_E_NOMEM, "out of memory");
    }
    if (keel_tree_set(node, "name", nm) != KEEL_OK) {
        free(k);
        return fail(err, KEEL_E_NOMEM, "out of memory");
    }
    /* Delete + insert, as the Node tool renames: the account moves last. */
    cJSON_DetachItemViaPointer(r->accounts, node);
    cJSON_free(node->string);
    node->string = k;
    cJSON_AddItemToArray(r->accounts, node);
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
    cJSON *a = keel_registry_account_find(r, name);
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
/*@ requires \valid(u) && valid_read_string(key);
    assigns *u;
 */
static keel_status put_window(cJSON *u, const char *key,
                              const struct keel_usage_window *w)
{
    if (w == NULL || !w->present) {
        (void)keel_tree_remove(u, key);
        return KEEL_OK;
    }
    cJSON *o = keel_tree_get(u, key);
    if (!cJSON_IsObject(o)) {
        o = cJSON_CreateObject();
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
/*@ requires \valid(obj) && valid_read_string(key);
    assigns *obj;
 */
static keel_status put_opt_str(cJSON *obj, const char *key, const char *value)
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
    cJSON *a = keel_registry_account_find(r, name);
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
    cJSON *u = keel_tree_get(a, "lastUsage");
    if (!cJSON_IsObject(u)) {
        u = cJSON_CreateObject();
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

/* Link item into parent's member list just before member `before`.
   (Debian's cJSON_InsertItemInArray refuses a position inside an object,
   so the list is linked here: child is the first member, first->prev the
   last, last->next NULL.) */
/*@ requires \valid(parent) && \valid(before) && \valid(item);
    assigns parent->child, before->prev, item->prev, item->next;
 */
static void link_before(cJSON *parent, cJSON *before, cJSON *item)
{
    item->next = before;
    item->prev = before->prev;
    if (parent->child == before)
        parent->child = item;
    else
        before->prev->next = item;
    before->prev = item;
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
    cJSON *v = cJSON_CreateString(name);
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
    char *k = strdup("activeAccountName");
    if (k == NULL) {
        cJSON_Delete(v);
        return fail(err, KEEL_E_NOMEM, "out of memory");
    }
    v->string = k;
    link_before(r->doc, r->accounts, v);
    return KEEL_OK;
}

/* 1 if obj[key] is true, 0 otherwise. */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int get_true(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(keel_tree_get(obj, key)) ? 1 : 0;
}

void keel_registry_globals(const struct keel_registry *r,
                           struct keel_globals *out)
{
    const cJSON *as = keel_tree_get(r->doc, "autoSwitch");
    const cJSON *api = keel_tree_get(r->doc, "api");
    out->auto_enabled = get_true(as, "enabled");
    out->threshold_5h = get_num(as, "threshold5hPercent");
    out->threshold_weekly = get_num(as, "thresholdWeeklyPercent");
    out->api_usage = get_true(api, "usage");
}

/* doc[key] as an object, replaced by a new one if absent or mistyped. */
/*@ requires \valid(doc) && valid_read_string(key);
    assigns *doc;
 */
static cJSON *ensure_object(cJSON *doc, const char *key)
{
    cJSON *o = keel_tree_get(doc, key);
    if (cJSON_IsObject(o))
        return o;
    o = cJSON_CreateObject();
    if (o == NULL || keel_tree_set(doc, key, o) != KEEL_OK)
        return NULL;
    return o;
}

/*@ requires valid_read_string(key);
    assigns *obj;
 */
static keel_status set_bool(cJSON *obj, const char *key, int value)
{
    cJSON *v = cJSON_CreateBool(value != 0);
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
        cJSON *as = ensure_object(r->doc, "autoSwitch");
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
        cJSON *api = ensure_object(r->doc, "api");
        st = api == NULL ? KEEL_E_NOMEM
                         : set_bool(api, "usage", g->api_usage);
    }
    if (st != KEEL_OK)
        return fail(err, st, "out of memory");
    return KEEL_OK;
}
