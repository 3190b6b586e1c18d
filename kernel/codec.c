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
 */
#include "codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "tree.h"

/* ---- errors and paths ------------------------------------------------------- */

/* A JSON path being built during the walk: "accounts.work.lastUsage". */
struct path {
    char s[KEEL_JSON_PATH_MAX];
    size_t len;
};

/* Append ".key" (or "key" at the top); returns the length to pop back to.
   Truncates silently at KEEL_JSON_PATH_MAX - 1 bytes. */
/*@ requires \valid(p) && valid_read_string(key);
    assigns *p;
 */
static size_t path_push(struct path *p, const char *key)
{
    size_t old = p->len;
    size_t room = sizeof p->s - 1 - p->len;
    if (p->len > 0 && room > 0) {
        p->s[p->len++] = '.';
        room--;
    }
    size_t n = strlen(key);
    if (n > room)
        n = room;
    memcpy(p->s + p->len, key, n);
    p->len += n;
    p->s[p->len] = '\0';
    return old;
}

/* Append "[i]". */
/*@ requires \valid(p);
    assigns *p;
 */
static size_t path_push_index(struct path *p, size_t i)
{
    size_t old = p->len;
    int n = snprintf(p->s + p->len, sizeof p->s - p->len, "[%zu]", i);
    if (n > 0)
        p->len += (size_t)n < sizeof p->s - p->len ? (size_t)n
                                                   : sizeof p->s - 1 - p->len;
    return old;
}

/*@ requires \valid(p) && len <= p->len;
    assigns *p;
 */
static void path_pop(struct path *p, size_t len)
{
    p->len = len;
    p->s[len] = '\0';
}

/* Fill err for a decode failure. */
/*@ requires \valid(err);
    assigns *err;
    ensures \result == status;
 */
static keel_status decode_fail(struct keel_err *err, keel_status status,
                               keel_defect defect, long long offset,
                               const char *path, const char *message)
{
    err->status = status;
    err->step = KEEL_STEP_DECODE;
    err->sys_errno = 0;
    err->defect = defect;
    err->offset = offset;
    err->json_path[0] = '\0';
    if (path != NULL) {
        size_t n = strlen(path);
        if (n >= sizeof err->json_path)
            n = sizeof err->json_path - 1;
        memcpy(err->json_path, path, n);
        err->json_path[n] = '\0';
    }
    err->message = message;
    return status;
}

/* ---- gate 3: duplicate keys --------------------------------------------------- */

/* Scratch array for sorting the keys of one object at a time. */
struct scratch {
    const keel_json **v;
    size_t cap;
};

static int cmp_member_key(const void *a, const void *b)
{
    const keel_json *x = *(const keel_json *const *)a;
    const keel_json *y = *(const keel_json *const *)b;
    return strcmp(keel_json_key(x), keel_json_key(y));
}

/* Objects up to this size are checked pairwise, without sorting. */
#define DUP_PAIRWISE_MAX 16

/* A key of obj that occurs twice, or NULL. *nomem set on allocation
   failure. O(n log n) for large objects (accounts may have 100,000). */
/*@ requires json_node(obj) && \valid(sc) && \valid(nomem);
    assigns *sc, *nomem;
    ensures \result == \null || valid_read_string(\result);
 */
static const char *duplicate_key(const keel_json *obj, struct scratch *sc,
                                 int *nomem)
{
    size_t n = 0;
    const keel_json *first = keel_json_first(obj);
    for (const keel_json *c = first; c != NULL; c = keel_json_next(c))
        n++;
    if (n < 2)
        return NULL;
    if (n <= DUP_PAIRWISE_MAX) {
        for (const keel_json *c = keel_json_next(first); c != NULL;
             c = keel_json_next(c)) {
            const char *kc = keel_json_key(c);
            for (const keel_json *d = first; d != c; d = keel_json_next(d)) {
                if (strcmp(kc, keel_json_key(d)) == 0)
                    return kc;
            }
        }
        return NULL;
    }
    if (n > sc->cap) {
        const keel_json **v = realloc((void *)sc->v, n * sizeof *v);
        if (v == NULL) {
            *nomem = 1;
            return NULL;
        }
        sc->v = v;
        sc->cap = n;
    }
    n = 0;
    for (const keel_json *c = first; c != NULL; c = keel_json_next(c))
        sc->v[n++] = c;
    qsort((void *)sc->v, n, sizeof *sc->v, cmp_member_key);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(keel_json_key(sc->v[i - 1]), keel_json_key(sc->v[i])) == 0)
            return keel_json_key(sc->v[i]);
    }
    return NULL;
}

/* Walk the tree (depth bounded by KEEL_JSON_DEPTH_MAX, checked in gate 1);
   on a duplicate, p holds its path and 1 is returned; -1 on allocation
   failure; 0 if every object has distinct keys. */
/*@ requires json_node(v) && \valid(p) && \valid(sc);
    assigns *p, *sc;
    ensures -1 <= \result <= 1;
 */
static int check_duplicates(const keel_json *v, struct path *p,
                            struct scratch *sc)
{
    size_t i = 0;
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
    for (const keel_json *c = keel_json_first(v); c != NULL;
         c = keel_json_next(c), i++) {
        size_t old = kind == KEEL_J_OBJECT ? path_push(p, keel_json_key(c))
                                           : path_push_index(p, i);
        int rc = check_duplicates(c, p, sc);
        if (rc != 0)
            return rc;
        path_pop(p, old);
    }
    return 0;
}

/* ---- gate 4: structure ------------------------------------------------------------ */

/* The schema defect of one account, or NULL; p is extended with the path. */
/*@ requires json_node(a) && \valid(p);
    assigns *p;
 */
static const char *account_defect(const keel_json *a, struct path *p)
{
    const char *key = keel_json_key(a);
    (void)path_push(p, key);
    if (!keel_name_valid(key, strlen(key)))
        return "account key is not a valid account name";
    if (keel_json_kind(a) != KEEL_J_OBJECT)
        return "account is not an object";
    const keel_json *name = keel_tree_get(a, "name");
    (void)path_push(p, "name");
    const char *value = keel_json_kind(name) == KEEL_J_STRING
                            ? keel_json_string(name)
                            : NULL;
    if (value == NULL)
        return "account has no string \"name\"";
    if (strcmp(value, key) != 0)
        return "account \"name\" differs from its key";
    return NULL;
}

/* The schema defect of the document, or NULL; p holds its path. */
/*@ requires json_node(doc) && \valid(p);
    assigns *p;
 */
static const char *schema_defect(const keel_json *doc, struct path *p)
{
    if (keel_json_kind(doc) != KEEL_J_OBJECT)
        return "top level is not an object";
    const keel_json *version = keel_tree_get(doc, "version");
    if (keel_json_kind(version) != KEEL_J_NUMBER ||
        keel_json_number(version) != 1) {
        (void)path_push(p, "version");
        return "version is not 1";
    }
    const keel_json *acc = keel_tree_get(doc, "accounts");
    if (acc == NULL)
        return NULL;
    if (keel_json_kind(acc) != KEEL_J_OBJECT) {
        (void)path_push(p, "accounts");
        return "accounts is not an object";
    }
    size_t base = path_push(p, "accounts");
    for (const keel_json *a = keel_json_first(acc); a != NULL;
         a = keel_json_next(a)) {
        size_t old = p->len;
        const char *why = account_defect(a, p);
        if (why != NULL)
            return why;
        path_pop(p, old);
    }
    path_pop(p, base);
    return NULL;
}

/* ---- warnings: known fields with values Keel does not understand -------------- */

enum want { W_STRING, W_NUMBER, W_BOOL, W_OBJECT };

static const char *const want_message[] = {
    "value is not a string; kept as is",
    "value is not a number; kept as is",
    "value is not a boolean; kept as is",
    "value is not an object; kept as is",
};

/*@ requires w == \null || \valid(w);
    requires \valid(p) && valid_read_string(key);
    assigns *w, *p;
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
    w->count++;
}

/* Warn if obj[key] is present, not null, and not of the wanted type.
   Returns the member if it is of the wanted type. */
/*@ requires obj == \null || json_node(obj);
    requires w == \null || \valid(w);
    requires \valid(p) && valid_read_string(key);
    assigns *w, *p;
    ensures \result == \null || json_node(\result);
 */
static const keel_json *expect(const keel_json *obj, const char *key,
                               enum want t, struct keel_warnings *w,
                               struct path *p)
{
    const keel_json *v = keel_tree_get(obj, key);
    keel_jkind kind = keel_json_kind(v);
    int ok = 0;
    if (v == NULL || kind == KEEL_J_NULL)
        return NULL;
    switch (t) {
    case W_STRING: ok = kind == KEEL_J_STRING; break;
    case W_NUMBER: ok = kind == KEEL_J_NUMBER; break;
    case W_BOOL: ok = kind == KEEL_J_FALSE || kind == KEEL_J_TRUE; break;
    case W_OBJECT: ok = kind == KEEL_J_OBJECT; break;
    }
    if (!ok)
        warn(w, p, key, want_message[t]);
    return ok ? v : NULL;
}

static const char *const account_strings[] = {
    "email", "accountId", "userId", "planType", "createdAt", "lastUsageAt",
};
static const char *const window_numbers[] = {
    "usedPercent", "windowMinutes", "resetsAt",
};
static const char *const usage_strings[] = {
    "planType", "fetchedAt", "source",
};

/*@ requires w == \null || \valid(w);
    requires json_node(a) && \valid(p);
    assigns *w, *p;
 */
static void account_warnings(const keel_json *a, struct keel_warnings *w,
                             struct path *p)
{
    size_t i, old = path_push(p, keel_json_key(a));
    for (i = 0; i < sizeof account_strings / sizeof *account_strings; i++)
        (void)expect(a, account_strings[i], W_STRING, w, p);
    const keel_json *u = expect(a, "lastUsage", W_OBJECT, w, p);
    if (u != NULL) {
        size_t ou = path_push(p, "lastUsage");
        static const char *const windows[] = {"primary", "secondary"};
        for (size_t k = 0; k < 2; k++) {
            const keel_json *win = expect(u, windows[k], W_OBJECT, w, p);
            if (win == NULL)
                continue;
            size_t ow = path_push(p, windows[k]);
            for (i = 0; i < 3; i++)
                (void)expect(win, window_numbers[i], W_NUMBER, w, p);
            path_pop(p, ow);
        }
        for (i = 0; i < 3; i++)
            (void)expect(u, usage_strings[i], W_STRING, w, p);
        path_pop(p, ou);
    }
    path_pop(p, old);
}

/* Structure is already checked (gate 4). */
/*@ requires w == \null || \valid(w);
    requires keel_registry_ok(r) && \valid(p);
    assigns *w, *p;
 */
static void collect_warnings(const struct keel_registry *r,
                             struct keel_warnings *w, struct path *p)
{
    const keel_json *doc = r->doc;
    const keel_json *as = expect(doc, "autoSwitch", W_OBJECT, w, p);
    if (as != NULL) {
        size_t old = path_push(p, "autoSwitch");
        (void)expect(as, "enabled", W_BOOL, w, p);
        (void)expect(as, "threshold5hPercent", W_NUMBER, w, p);
        (void)expect(as, "thresholdWeeklyPercent", W_NUMBER, w, p);
        path_pop(p, old);
    }
    const keel_json *api = expect(doc, "api", W_OBJECT, w, p);
    if (api != NULL) {
        size_t old = path_push(p, "api");
        (void)expect(api, "usage", W_BOOL, w, p);
        path_pop(p, old);
    }
    const keel_json *active =
        expect(doc, "activeAccountName", W_STRING, w, p);
    const char *name = active != NULL ? keel_json_string(active) : NULL;
    if (name != NULL && keel_registry_account_find(r, name) == NULL)
        warn(w, p, "activeAccountName", "names no account; kept as is");
    if (r->accounts == NULL)
        return;
    size_t old = path_push(p, "accounts");
    for (const keel_json *a = keel_json_first(r->accounts); a != NULL;
         a = keel_json_next(a))
        account_warnings(a, w, p);
    path_pop(p, old);
}

/* ---- decode ------------------------------------------------------------------------ */

/* Gates 1 and 2: the checked, parsed document, or NULL with err filled. */
/*@ requires \valid_read(buf + (0 .. len - 1)) || len == 0;
    requires \valid(err);
    assigns *err, json_heap;
    ensures \result == \null || json_node(\result);
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
       at len, so parse a terminated copy. */
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        decode_fail(err, KEEL_E_NOMEM, KEEL_DEFECT_NONE, -1, NULL,
                    "out of memory");
        return NULL;
    }
    if (len > 0)
        memcpy(copy, buf, len);
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

keel_status keel_codec_decode(const char *buf, size_t len,
                              struct keel_registry **out,
                              struct keel_warnings *w, struct keel_err *err)
{
    struct path p = {{0}, 0};
    struct scratch sc = {NULL, 0};
    *out = NULL;
    if (w != NULL)
        w->count = 0;
    keel_json *doc = parse_strict(buf, len, err);
    if (doc == NULL)
        return err->status;
    int dup = check_duplicates(doc, &p, &sc);
    free((void *)sc.v);
    if (dup != 0) {
        keel_json_delete(doc);
        if (dup < 0)
            return decode_fail(err, KEEL_E_NOMEM, KEEL_DEFECT_NONE, -1, NULL,
                               "out of memory");
        return decode_fail(err, KEEL_E_CORRUPT, KEEL_DEFECT_SCHEMA, -1, p.s,
                           "duplicate key");
    }
    const char *why = schema_defect(doc, &p);
    if (why != NULL) {
        keel_json_delete(doc);
        return decode_fail(err, KEEL_E_CORRUPT, KEEL_DEFECT_SCHEMA, -1, p.s,
                           why);
    }
    struct keel_registry *r = keel_registry_wrap(doc); /* frees on failure */
    if (r == NULL)
        return decode_fail(err, KEEL_E_NOMEM, KEEL_DEFECT_NONE, -1, NULL,
                           "out of memory");
    path_pop(&p, 0);
    collect_warnings(r, w, &p);
    *out = r;
    return KEEL_OK;
}
