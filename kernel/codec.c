/*
 * codec.c - strict decoding of registry.json (codec.h).
 *
 * Decoding runs in four gates; the first that fails fills the error record
 * and nothing is kept (G5: a registry Keel cannot read exactly is never
 * rewritten):
 *   1. size cap and keel_json_check: strict RFC 8259 plus Keel's limits,
 *      before cJSON sees a byte (cJSON accepts much a careful reader must
 *      reject, DESIGN.md 4)          -> SYNTAX / LIMIT with a byte offset;
 *   2. cJSON parse (keel_json_parse), refusing trailing bytes;
 *   3. duplicate keys, at every level (cJSON keeps both and finds the
 *      first; JavaScript keeps the last)      -> SCHEMA with a JSON path;
 *   4. structure: top level an object, version 1, accounts an object of
 *      objects, each keyed by its own valid "name" -> SCHEMA with a path.
 * Then known fields with values Keel does not understand are kept as they
 * are and reported as warnings. Keys are only ever looked up
 * case-sensitively (keel_tree_get; cJSON's own lookup ignores case).
 *
 * A document without "accounts" decodes as a registry with no accounts
 * (the Node tool always writes the member; Keel adds it on the first
 * keel_registry_add).
 *
 * Nodes are read only through cjson_glue.h; covered by
 * tests/unit/test_codec.c and the fuzzers.
 *
 * Proof notes (make prove; spec/prove-flags/codec.flags)
 *   - Sibling walks carry no loop variant (as in tree.c: sibling lists are
 *     assumed NULL-terminated and acyclic, spec/json_model.h), and the
 *     recursion of check_duplicates has no termination goal (its depth is
 *     bounded by gate 1's KEEL_JSON_DEPTH_MAX).
 *   - sort_by_key (qsort) is, for WP, a contract without a body: assumed
 *     to permute the scratch array, so every entry is still a node.
 *   - The member names are small const arrays behind functions (key_name()
 *     and the others) rather than string literals; see there why.
 */
#include "codec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "tree.h"

#ifdef __FRAMAC__
/* WP proves allocation against spec/alloc_model.h (see there why): the
   parse copy is a block of bytes, the scratch array a block of node
   pointers. */
#define malloc(size) keel_model_malloc(size)
#define free(p) keel_model_free(p)
#define realloc(p, size) keel_model_realloc_nodes(p, size)
#define free_nodes(p) keel_model_free_nodes(p)
#else
#define free_nodes(p) free(p)
#endif

/* The member names the decoder looks up, one function each. Not bare
   string literals: for WP a literal is a string only under -wp-literals,
   which puts the contents of every literal of the file into every goal,
   more than the provers take. Each name is a const array whose
   initializer WP sees only in its own function, and the contract hands
   valid_read_string to each use afresh (a path or warning written since
   cannot hide it). The compiler inlines them to the array's address. */

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_name(void)
{
    static const char s[] = "name";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_version(void)
{
    static const char s[] = "version";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_accounts(void)
{
    static const char s[] = "accounts";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_active(void)
{
    static const char s[] = "activeAccountName";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_auto_switch(void)
{
    static const char s[] = "autoSwitch";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_enabled(void)
{
    static const char s[] = "enabled";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_threshold_5h(void)
{
    static const char s[] = "threshold5hPercent";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_threshold_weekly(void)
{
    static const char s[] = "thresholdWeeklyPercent";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_api(void)
{
    static const char s[] = "api";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_usage(void)
{
    static const char s[] = "usage";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_email(void)
{
    static const char s[] = "email";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_account_id(void)
{
    static const char s[] = "accountId";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_user_id(void)
{
    static const char s[] = "userId";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_plan_type(void)
{
    static const char s[] = "planType";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_created_at(void)
{
    static const char s[] = "createdAt";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_last_usage_at(void)
{
    static const char s[] = "lastUsageAt";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_last_usage(void)
{
    static const char s[] = "lastUsage";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_primary(void)
{
    static const char s[] = "primary";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_secondary(void)
{
    static const char s[] = "secondary";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_used_percent(void)
{
    static const char s[] = "usedPercent";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_window_minutes(void)
{
    static const char s[] = "windowMinutes";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_resets_at(void)
{
    static const char s[] = "resetsAt";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_fetched_at(void)
{
    static const char s[] = "fetchedAt";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_source(void)
{
    static const char s[] = "source";
    return s;
}

/*@ assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *key_none(void)
{
    static const char s[] = "";
    return s;
}

/* A member's key; "" for a node without one (cJSON gives every member of
   an object a key, but the glue's contract does not say so). */
/*@ requires json_node(c);
    assigns \nothing;
    ensures valid_read_string(\result);
 */
static const char *member_key(const keel_json *c)
{
    const char *k = keel_json_key(c);
    return k != NULL ? k : key_none();
}

/* ---- errors and paths ------------------------------------------------------- */

/* A JSON path being built during the walk: "accounts.work.lastUsage". */
struct path {
    char s[KEEL_JSON_PATH_MAX];
    size_t len;
};

/* s[len] ends the path (no byte before it is NUL: keys hold none, json_check
   rejects \u0000). */
/*@ predicate path_ok(struct path *p) =
      \valid(p) && p->len < KEEL_JSON_PATH_MAX && p->s[p->len] == '\0';
 */

/* Append s[0 .. n-1], truncated at KEEL_JSON_PATH_MAX - 1 bytes. A byte
   loop, not memcpy: s may be a key of the tree, which WP cannot tell
   apart from p (the paths are short). */
/*@ requires path_ok(p) && \valid_read(s + (0 .. n - 1));
    assigns *p;
    ensures path_ok(p) && \old(p->len) <= p->len;
 */
static void path_append(struct path *p, const char *s, size_t n)
{
    size_t len = p->len;
    size_t room = sizeof p->s - 1 - len;
    if (n > room)
        n = room;
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, p->s[len .. len + n - 1];
        loop variant n - i;
     */
    for (size_t i = 0; i < n; i++)
        p->s[len + i] = s[i];
    p->len = len + n;
    p->s[len + n] = '\0';
}

/* Append ".key" (or "key" at the top); returns the length to pop back to.
   Truncates silently at KEEL_JSON_PATH_MAX - 1 bytes. */
/*@ requires path_ok(p) && valid_read_string(key);
    assigns *p;
    ensures path_ok(p) && \result == \old(p->len);
 */
static size_t path_push(struct path *p, const char *key)
{
    size_t old = p->len;
    size_t n = strlen(key);
    if (old > 0 && old < sizeof p->s - 1) {
        p->s[old] = '.';
        p->s[old + 1] = '\0';
        p->len = old + 1;
    }
    path_append(p, key, n);
    return old;
}

/* Append "[i]". */
/*@ requires path_ok(p);
    assigns *p;
    ensures path_ok(p) && \result == \old(p->len);
 */
static size_t path_push_index(struct path *p, size_t i)
{
    size_t old = p->len;
    char t[24]; /* "[" + at most 20 digits + "]" */
    size_t k = sizeof t - 1;
    t[k] = ']';
    /*@ loop invariant 2 <= k <= 23;
        loop assigns i, k, t[1 .. 22];
        loop variant k;
     */
    do {
        t[--k] = (char)('0' + i % 10);
        i /= 10;
    } while (i != 0 && k > 1);
    t[--k] = '[';
    path_append(p, t + k, sizeof t - k);
    return old;
}

/*@ requires \valid(p) && len < KEEL_JSON_PATH_MAX;
    assigns p->len, p->s[len];
    ensures path_ok(p) && p->len == len;
 */
static void path_pop(struct path *p, size_t len)
{
    p->len = len;
    p->s[len] = '\0';
}

/* Fill err for a decode failure; path NULL for none. */
/*@ requires \valid(err);
    requires path == \null || (path_ok(path) && \separated(err, path));
    assigns *err;
    ensures \result == status && err->status == status;
 */
static keel_status decode_fail(struct keel_err *err, keel_status status,
                               keel_defect defect, long long offset,
                               const struct path *path, const char *message)
{
    err->status = status;
    err->step = KEEL_STEP_DECODE;
    err->sys_errno = 0;
    err->defect = defect;
    err->offset = offset;
    if (path != NULL)
        memcpy(err->json_path, path->s, path->len + 1);
    else
        err->json_path[0] = '\0';
    err->message = message;
    return status;
}

/* ---- gate 3: duplicate keys --------------------------------------------------- */

/* Scratch array for sorting the members of one object at a time. */
struct scratch {
    keel_json **v;
    size_t cap;
};

/*@ predicate scratch_ok(struct scratch *sc) =
      \valid(sc) && \base_addr(sc) != \base_addr(&keel_node_heap[0]) &&
      (sc->v == \null ==> sc->cap == 0) &&
      (sc->v != \null ==> node_block(sc->v) &&
                          in_node_heap(sc->v, sc->cap) &&
                          \valid(sc->v + (0 .. sc->cap - 1)));
 */

#ifdef __FRAMAC__
/* qsort(v, n, sizeof *v, cmp_member_key). Assumed, not proved (Frama-C's
   qsort contract says nothing of the elements): qsort permutes v[0 .. n-1],
   so each is still a node. */
/*@ requires \valid(v + (0 .. n - 1));
    requires \forall integer i; 0 <= i < n ==> json_node(v[i]);
    assigns v[0 .. n - 1];
    ensures \forall integer i; 0 <= i < n ==> json_node(v[i]);
 */
static void sort_by_key(keel_json **v, size_t n);
#else
static int cmp_member_key(const void *a, const void *b)
{
    const keel_json *x = *(const keel_json *const *)a;
    const keel_json *y = *(const keel_json *const *)b;
    return strcmp(member_key(x), member_key(y));
}

static void sort_by_key(keel_json **v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_member_key);
}
#endif

/* Objects up to this size are checked pairwise, without sorting. */
#define DUP_PAIRWISE_MAX 16

/* Most members the scratch array can index (a bound memory reaches first). */
#define DUP_MEMBERS_MAX (SIZE_MAX / sizeof(keel_json *))

/* A key of obj that occurs twice, or NULL. *nomem set on allocation
   failure. O(n log n) for large objects (accounts may have 100,000).
   The sibling walks carry no variant: a cJSON list ends (json_model.h). */
/*@ requires json_node(obj) && scratch_ok(sc) && \valid(nomem);
    requires \separated(sc, nomem);
    assigns *sc, *nomem, keel_node_heap[..], __fc_heap_status;
    ensures scratch_ok(sc);
    ensures \result == \null || valid_read_string(\result);
 */
static const char *duplicate_key(const keel_json *obj, struct scratch *sc,
                                 int *nomem)
{
    size_t n = 0;
    keel_json *first = keel_json_first(obj);
    keel_json *c;
    /*@ loop invariant c == \null || json_node(c);
        loop invariant 0 <= n <= DUP_MEMBERS_MAX;
        loop assigns c, n;
        loop variant DUP_MEMBERS_MAX - n;
     */
    for (c = first; c != NULL && n < DUP_MEMBERS_MAX; c = keel_json_next(c))
        n++;
    if (c != NULL) { /* more members than an array can index */
        *nomem = 1;
        return NULL;
    }
    if (n < 2 || first == NULL)
        return NULL;
    if (n <= DUP_PAIRWISE_MAX) {
        /*@ loop invariant c == \null || json_node(c);
            loop assigns c;
         */
        for (c = keel_json_next(first); c != NULL; c = keel_json_next(c)) {
            const char *kc = member_key(c);
            /*@ loop invariant d == \null || json_node(d);
                loop assigns d;
             */
            for (keel_json *d = first; d != c && d != NULL;
                 d = keel_json_next(d)) {
                if (strcmp(kc, member_key(d)) == 0)
                    return kc;
            }
        }
        return NULL;
    }
    keel_json **v = sc->v;
    if (n > sc->cap) {
        v = realloc(v, n * sizeof *v);
        if (v == NULL) {
            *nomem = 1;
            return NULL;
        }
        sc->v = v;
        sc->cap = n;
    }
    /*@ assert scratch_v: v == sc->v && n <= sc->cap; */
    /*@ assert scratch_sep: \separated(sc, v + (0 .. n - 1)); */
    size_t k = 0;
    /*@ loop invariant fill_c: c == \null || json_node(c);
        loop invariant fill_k: 0 <= k <= n;
        loop invariant fill_nodes:
          \forall integer m; 0 <= m < k ==> json_node(v[m]);
        loop assigns c, k, v[0 .. n - 1];
        loop variant n - k;
     */
    for (c = first; c != NULL && k < n; c = keel_json_next(c))
        v[k++] = c;
    sort_by_key(v, k);
    /*@ loop invariant 1 <= i <= k || k == 0;
        loop assigns i;
        loop variant k - i;
     */
    for (size_t i = 1; i < k; i++) {
        const char *key = member_key(v[i]);
        if (strcmp(member_key(v[i - 1]), key) == 0)
            return key;
    }
    return NULL;
}

/* Walk the tree (depth bounded by KEEL_JSON_DEPTH_MAX, checked in gate 1);
   on a duplicate, p holds its path and 1 is returned; -1 on allocation
   failure; 0 if every object has distinct keys. Scalars hold no keys and
   are skipped. */
/*@ requires json_node(v) && path_ok(p) && scratch_ok(sc);
    requires \separated(p, sc);
    assigns *p, *sc, keel_node_heap[..], __fc_heap_status;
    ensures -1 <= \result <= 1;
    ensures path_ok(p) && scratch_ok(sc);
 */
static int check_duplicates(const keel_json *v, struct path *p,
                            struct scratch *sc)
{
    keel_jkind kind = keel_json_kind(v);
    if (kind == KEEL_J_OBJECT) {
        int nomem = 0;
        const char *dup = duplicate_key(v, sc, &nomem);
        if (nomem)
            return -1;
        if (dup != NULL) {
            (void)path_push(p, dup);
            return 1;
        }
    } else if (kind != KEEL_J_ARRAY) {
        return 0;
    }
    size_t i = 0;
    /*@ loop invariant c == \null || json_node(c);
        loop invariant path_ok(p) && scratch_ok(sc);
        loop assigns c, i, *p, *sc, keel_node_heap[..], __fc_heap_status;
        loop variant SIZE_MAX - i;
     */
    for (const keel_json *c = keel_json_first(v); c != NULL && i < SIZE_MAX;
         c = keel_json_next(c), i++) {
        keel_jkind ck = keel_json_kind(c);
        if (ck != KEEL_J_OBJECT && ck != KEEL_J_ARRAY)
            continue;
        size_t old = kind == KEEL_J_OBJECT ? path_push(p, member_key(c))
                                           : path_push_index(p, i);
        int rc = check_duplicates(c, p, sc);
        if (rc != 0)
            return rc;
        path_pop(p, old);
    }
    return 0;
}

/* ---- gate 4: structure ------------------------------------------------------------ */

/* The schema defect of one account, or NULL; on a defect p is extended
   with the account's path (and ".name" for a defect of that member). */
/*@ requires json_node(a) && path_ok(p);
    assigns *p;
    ensures path_ok(p);
 */
static const char *account_defect(const keel_json *a, struct path *p)
{
    const char *key = member_key(a);
    const char *why = NULL;
    int at_name = 0;
    if (!keel_name_valid(key, strlen(key))) {
        why = "account key is not a valid account name";
    } else if (keel_json_kind(a) != KEEL_J_OBJECT) {
        why = "account is not an object";
    } else {
        const keel_json *name = keel_tree_get(a, key_name());
        const char *value = keel_json_kind(name) == KEEL_J_STRING
                                ? keel_json_string(name)
                                : NULL;
        at_name = 1;
        if (value == NULL)
            why = "account has no string \"name\"";
        else if (strcmp(value, key) != 0)
            why = "account \"name\" differs from its key";
    }
    if (why != NULL) {
        (void)path_push(p, key);
        if (at_name)
            (void)path_push(p, key_name());
    }
    return why;
}

/* 1 if v is the number 1. Apart, so that the floating-point comparison
   stays out of schema_defect's goals (CVC4 1.8 cannot read them). */
/*@ requires v == \null || json_node(v);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int is_one(const keel_json *v)
{
    return keel_json_kind(v) == KEEL_J_NUMBER && keel_json_number(v) == 1;
}

/* The schema defect of the document, or NULL; p holds its path. */
/*@ requires json_node(doc) && path_ok(p);
    assigns *p;
    ensures path_ok(p);
 */
static const char *schema_defect(const keel_json *doc, struct path *p)
{
    if (keel_json_kind(doc) != KEEL_J_OBJECT)
        return "top level is not an object";
    if (!is_one(keel_tree_get(doc, key_version()))) {
        (void)path_push(p, key_version());
        return "version is not 1";
    }
    const keel_json *acc = keel_tree_get(doc, key_accounts());
    if (acc == NULL)
        return NULL;
    if (keel_json_kind(acc) != KEEL_J_OBJECT) {
        (void)path_push(p, key_accounts());
        return "accounts is not an object";
    }
    size_t base = path_push(p, key_accounts());
    /*@ loop invariant a == \null || json_node(a);
        loop invariant path_ok(p) && base < KEEL_JSON_PATH_MAX;
        loop assigns a, *p;
     */
    for (const keel_json *a = keel_json_first(acc); a != NULL;
         a = keel_json_next(a)) {
        const char *why = account_defect(a, p);
        if (why != NULL)
            return why;
    }
    path_pop(p, base);
    return NULL;
}

/* ---- warnings: known fields with values Keel does not understand -------------- */

enum want { W_STRING, W_NUMBER, W_BOOL, W_OBJECT };

/* Record a warning at path p.key (the first KEEL_WARNINGS_MAX of them;
   w->count counts all, saturating). */
/*@ requires w == \null || (\valid(w) && \separated(w, p));
    requires path_ok(p) && valid_read_string(key);
    assigns *w, *p;
    ensures path_ok(p);
 */
static void warn(struct keel_warnings *w, struct path *p, const char *key,
                 const char *message)
{
    if (w == NULL)
        return;
    if (w->count < KEEL_WARNINGS_MAX) {
        size_t old = path_push(p, key);
        memcpy(w->item[w->count].json_path, p->s, p->len + 1);
        w->item[w->count].message = message;
        path_pop(p, old);
    }
    if (w->count < SIZE_MAX)
        w->count++;
}

/* Warn if obj[key] is present, not null, and not of the wanted type.
   Returns the member if it is of the wanted type. */
/*@ requires obj == \null || json_node(obj);
    requires W_STRING <= t <= W_OBJECT;
    requires w == \null || (\valid(w) && \separated(w, p));
    requires path_ok(p) && valid_read_string(key);
    assigns *w, *p;
    ensures path_ok(p);
    ensures \result == \null || json_node(\result);
 */
static const keel_json *expect(const keel_json *obj, const char *key,
                               enum want t, struct keel_warnings *w,
                               struct path *p)
{
    const keel_json *v = keel_tree_get(obj, key);
    keel_jkind kind = keel_json_kind(v);
    int ok = 0;
    const char *message = NULL;
    if (v == NULL || kind == KEEL_J_NULL)
        return NULL;
    switch (t) {
    case W_STRING:
        ok = kind == KEEL_J_STRING;
        message = "value is not a string; kept as is";
        break;
    case W_NUMBER:
        ok = kind == KEEL_J_NUMBER;
        message = "value is not a number; kept as is";
        break;
    case W_BOOL:
        ok = kind == KEEL_J_FALSE || kind == KEEL_J_TRUE;
        message = "value is not a boolean; kept as is";
        break;
    case W_OBJECT:
        ok = kind == KEEL_J_OBJECT;
        message = "value is not an object; kept as is";
        break;
    }
    if (!ok)
        warn(w, p, key, message);
    return ok ? v : NULL;
}

/* The numbers of win, the usage window lastUsage.name. */
/*@ requires json_node(win) && valid_read_string(name);
    requires w == \null || (\valid(w) && \separated(w, p));
    requires path_ok(p);
    assigns *w, *p;
    ensures path_ok(p);
 */
static void window_warnings(const keel_json *win, const char *name,
                            struct keel_warnings *w, struct path *p)
{
    size_t old = path_push(p, name);
    (void)expect(win, key_used_percent(), W_NUMBER, w, p);
    (void)expect(win, key_window_minutes(), W_NUMBER, w, p);
    (void)expect(win, key_resets_at(), W_NUMBER, w, p);
    path_pop(p, old);
}

/*@ requires w == \null || (\valid(w) && \separated(w, p));
    requires json_node(a) && path_ok(p);
    assigns *w, *p;
    ensures path_ok(p);
 */
static void account_warnings(const keel_json *a, struct keel_warnings *w,
                             struct path *p)
{
    size_t old = path_push(p, member_key(a));
    (void)expect(a, key_email(), W_STRING, w, p);
    (void)expect(a, key_account_id(), W_STRING, w, p);
    (void)expect(a, key_user_id(), W_STRING, w, p);
    (void)expect(a, key_plan_type(), W_STRING, w, p);
    (void)expect(a, key_created_at(), W_STRING, w, p);
    (void)expect(a, key_last_usage_at(), W_STRING, w, p);
    const keel_json *u = expect(a, key_last_usage(), W_OBJECT, w, p);
    if (u != NULL) {
        size_t ou = path_push(p, key_last_usage());
        const keel_json *win = expect(u, key_primary(), W_OBJECT, w, p);
        if (win != NULL)
            window_warnings(win, key_primary(), w, p);
        win = expect(u, key_secondary(), W_OBJECT, w, p);
        if (win != NULL)
            window_warnings(win, key_secondary(), w, p);
        (void)expect(u, key_plan_type(), W_STRING, w, p);
        (void)expect(u, key_fetched_at(), W_STRING, w, p);
        (void)expect(u, key_source(), W_STRING, w, p);
        path_pop(p, ou);
    }
    path_pop(p, old);
}

/* Structure is already checked (gate 4). r is read before the first
   warning is written (activeAccountName is looked up first). */
/*@ requires w == \null || (\valid(w) && \separated(w, p));
    requires keel_registry_ok(r) && path_ok(p);
    assigns *w, *p;
    ensures path_ok(p);
 */
static void collect_warnings(const struct keel_registry *r,
                             struct keel_warnings *w, struct path *p)
{
    const keel_json *doc = r->doc;
    const keel_json *accounts = r->accounts;
    const keel_json *active = keel_tree_get(doc, key_active());
    const char *name = keel_json_kind(active) == KEEL_J_STRING
                           ? keel_json_string(active)
                           : NULL;
    int unknown_active =
        name != NULL && keel_registry_account_find(r, name) == NULL;
    const keel_json *as = expect(doc, key_auto_switch(), W_OBJECT, w, p);
    if (as != NULL) {
        size_t old = path_push(p, key_auto_switch());
        (void)expect(as, key_enabled(), W_BOOL, w, p);
        (void)expect(as, key_threshold_5h(), W_NUMBER, w, p);
        (void)expect(as, key_threshold_weekly(), W_NUMBER, w, p);
        path_pop(p, old);
    }
    const keel_json *api = expect(doc, key_api(), W_OBJECT, w, p);
    if (api != NULL) {
        size_t old = path_push(p, key_api());
        (void)expect(api, key_usage(), W_BOOL, w, p);
        path_pop(p, old);
    }
    (void)expect(doc, key_active(), W_STRING, w, p);
    if (unknown_active)
        warn(w, p, key_active(), "names no account; kept as is");
    if (accounts == NULL)
        return;
    size_t old = path_push(p, key_accounts());
    /*@ loop invariant a == \null || json_node(a);
        loop invariant path_ok(p) && old < KEEL_JSON_PATH_MAX;
        loop assigns a, *w, *p;
     */
    for (const keel_json *a = keel_json_first(accounts); a != NULL;
         a = keel_json_next(a))
        account_warnings(a, w, p);
    path_pop(p, old);
}

/* ---- decode ------------------------------------------------------------------------ */

/* Gates 1 and 2: the checked, parsed document, or NULL with err filled. */
/*@ requires len == 0 || \valid_read(buf + (0 .. len - 1));
    requires \valid(err);
    assigns *err, json_heap, __fc_heap_status, keel_heap[..];
    ensures \result == \null || json_node(\result);
    ensures \result == \null ==> err->status == KEEL_E_CORRUPT ||
                                 err->status == KEEL_E_NOMEM;
 */
static keel_json *parse_strict(const char *buf, size_t len,
                               struct keel_err *err)
{
    struct keel_json_defect d;
    if (len > KEEL_REGISTRY_SIZE_MAX) {
        decode_fail(err, KEEL_E_CORRUPT, KEEL_DEFECT_LIMIT,
                    (long long)KEEL_REGISTRY_SIZE_MAX, NULL,
                    "registry file larger than the size limit");
        return NULL;
    }
    if (keel_json_check(buf, len, KEEL_JSON_DEPTH_MAX, KEEL_JSON_STRING_MAX,
                        &d) != 0) {
        decode_fail(err, KEEL_E_CORRUPT,
                    d.defect == KEEL_DEFECT_LIMIT ? KEEL_DEFECT_LIMIT
                                                  : KEEL_DEFECT_SYNTAX,
                    (long long)d.offset, NULL,
                    d.message != NULL ? d.message : "invalid JSON");
        return NULL;
    }
    /* cJSON needs buf[len] == 0 (DESIGN.md 4); the caller's buffer may end
       at len, so parse a terminated copy. (memmove, as fast as memcpy here:
       the proof cannot tell the two heap blocks apart, alloc_model.h.) */
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        decode_fail(err, KEEL_E_NOMEM, KEEL_DEFECT_NONE, -1, NULL,
                    "out of memory");
        return NULL;
    }
    if (len > 0)
        memmove(copy, buf, len);
    copy[len] = '\0';
    keel_json *doc = keel_json_parse(copy, len);
    free(copy);
    if (doc == NULL) {
        /* Strictly valid JSON within Keel's limits: cJSON can only have
           failed for memory. Refuse either way (G5). */
        decode_fail(err, KEEL_E_NOMEM, KEEL_DEFECT_NONE, -1, NULL,
                    "the JSON parser failed (out of memory)");
        return NULL;
    }
    return doc;
}

/* Gates 1 to 4, then the registry and its warnings; NULL with err filled
   on failure. (Apart from keel_codec_decode so that *out is written last:
   WP cannot tell *out from the node heap the gates write.) */
/*@ requires len == 0 || \valid_read(buf + (0 .. len - 1));
    requires \valid(err);
    requires w == \null || (\valid(w) && \separated(w, err));
    assigns *w, *err, __fc_heap_status, json_heap, keel_heap[..],
            keel_node_heap[..];
    ensures \result == \null || valid_registry(\result);
    ensures \result == \null ==> err->status == KEEL_E_CORRUPT ||
                                 err->status == KEEL_E_NOMEM;
 */
static struct keel_registry *decode(const char *buf, size_t len,
                                    struct keel_warnings *w,
                                    struct keel_err *err)
{
    struct path p = {{0}, 0};
    struct scratch sc = {NULL, 0};
    if (w != NULL)
        w->count = 0;
    keel_json *doc = parse_strict(buf, len, err);
    if (doc == NULL)
        return NULL;
    int dup = check_duplicates(doc, &p, &sc);
    free_nodes(sc.v);
    if (dup != 0) {
        keel_json_delete(doc);
        if (dup < 0)
            decode_fail(err, KEEL_E_NOMEM, KEEL_DEFECT_NONE, -1, NULL,
                        "out of memory");
        else
            decode_fail(err, KEEL_E_CORRUPT, KEEL_DEFECT_SCHEMA, -1, &p,
                        "duplicate key");
        return NULL;
    }
    const char *why = schema_defect(doc, &p);
    if (why != NULL) {
        keel_json_delete(doc);
        decode_fail(err, KEEL_E_CORRUPT, KEEL_DEFECT_SCHEMA, -1, &p, why);
        return NULL;
    }
    struct keel_registry *r = keel_registry_wrap(doc); /* frees on failure */
    if (r == NULL) {
        decode_fail(err, KEEL_E_NOMEM, KEEL_DEFECT_NONE, -1, NULL,
                    "out of memory");
        return NULL;
    }
    path_pop(&p, 0);
    collect_warnings(r, w, &p);
    return r;
}

keel_status keel_codec_decode(const char *buf, size_t len,
                              struct keel_registry **out,
                              struct keel_warnings *w, struct keel_err *err)
{
    struct keel_registry *r = decode(buf, len, w, err);
    *out = r;
    return r != NULL ? KEEL_OK : err->status;
}
