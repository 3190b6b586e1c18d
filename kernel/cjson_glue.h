/*
 * cjson_glue.h - the kernel's only door to cJSON.
 *
 * Purpose
 *   registry.c, codec.c, encode.c and merge.c keep a registry as a cJSON
 *   document tree, but none of them includes cJSON.h or looks inside a
 *   node: they read and edit trees only through the small functions below.
 *   For Frama-C keel_json (struct cJSON) is an incomplete type, which keeps
 *   every pointer they dereference inside what WP can prove, while cJSON's
 *   internals - sibling links, the prev-of-first trick, key ownership
 *   flags - stay in this header's inline readers and in cjson_glue.c, which
 *   are small, unproved, and covered by the tests and the fuzzers instead.
 *   (The C compiler sees cJSON.h through the inline readers; `make
 *   glue-check`, part of `make cppcheck`, keeps cJSON names and node field
 *   access out of every other kernel file.)
 *
 *   The ACSL contracts here are the trusted base of those proofs. They are
 *   written over the model in spec/json_model.h (json_node, json_heap),
 *   whose header says what is modelled and what is assumed (node and string
 *   lifetimes are not: ASan and the fuzzers check those).
 *
 * Calling sequence
 *   for (c = keel_json_first(obj); c != NULL; c = keel_json_next(c))
 *       if (keel_json_kind(c) == KEEL_J_STRING) use(keel_json_key(c),
 *                                                   keel_json_string(c));
 *   v = keel_json_new_string("x");
 *   if (v == NULL || !keel_json_add(obj, "k", v)) ... out of memory;
 *   keel_json_delete(doc);
 *
 * Error handling
 *   Creators, keel_json_dup and keel_json_parse return NULL on allocation
 *   failure. keel_json_add and keel_json_insert_before return 0 on
 *   allocation failure and then delete the item (they always take it).
 *   The other edits cannot fail. Nothing here prints.
 */
#ifndef KEEL_CJSON_GLUE_H
#define KEEL_CJSON_GLUE_H

#include <stddef.h>

#include "../spec/json_model.h"

/* The kind of a node (cJSON's type without its flag bits). */
typedef enum keel_jkind {
    KEEL_J_INVALID = 0, /* also: no node (NULL) */
    KEEL_J_FALSE,
    KEEL_J_TRUE,
    KEEL_J_NULL,
    KEEL_J_NUMBER,
    KEEL_J_STRING,
    KEEL_J_ARRAY,
    KEEL_J_OBJECT,
    KEEL_J_RAW
} keel_jkind;

/* ---- reading ------------------------------------------------------------ */
/* Frama-C sees these six as prototypes with contracts. The C compiler gets
   them as static inline bodies below: they run for every node on every
   decode and encode, and as calls they cost ~7% of codec throughput
   (make bench). Keep the two versions in step. */

#ifdef __FRAMAC__

/* n's kind; KEEL_J_INVALID for NULL. */
/*@ requires n == \null || json_node(n);
    assigns \nothing;
    ensures KEEL_J_INVALID <= \result <= KEEL_J_RAW;
    ensures n == \null ==> \result == KEEL_J_INVALID;
 */
keel_jkind keel_json_kind(const keel_json *n);

/* n's key (its member name in an object), NULL if it has none. */
/*@ requires json_node(n);
    assigns \nothing;
    ensures \result == \null || valid_read_string(\result);
 */
const char *keel_json_key(const keel_json *n);

/* First child of an object or array (NULL if empty or n is a scalar). */
/*@ requires json_node(n);
    assigns \nothing;
    ensures \result == \null || json_node(\result);
 */
keel_json *keel_json_first(const keel_json *n);

/* Next sibling, NULL after the last. */
/*@ requires json_node(n);
    assigns \nothing;
    ensures \result == \null || json_node(\result);
 */
keel_json *keel_json_next(const keel_json *n);

/* Text of a STRING (or RAW) node, NULL for any other kind. */
/*@ requires json_node(n);
    assigns \nothing;
    ensures \result == \null || valid_read_string(\result);
 */
const char *keel_json_string(const keel_json *n);

/* Value of a NUMBER node, 0 for any other kind. */
/*@ requires json_node(n);
    assigns \nothing;
 */
double keel_json_number(const keel_json *n);

#else /* the C compiler */

#include <cjson/cJSON.h>

static inline keel_jkind keel_json_kind(const keel_json *n)
{
    if (n == NULL)
        return KEEL_J_INVALID;
    switch (n->type & 0xFF) {
    case cJSON_False: return KEEL_J_FALSE;
    case cJSON_True: return KEEL_J_TRUE;
    case cJSON_NULL: return KEEL_J_NULL;
    case cJSON_Number: return KEEL_J_NUMBER;
    case cJSON_String: return KEEL_J_STRING;
    case cJSON_Array: return KEEL_J_ARRAY;
    case cJSON_Object: return KEEL_J_OBJECT;
    case cJSON_Raw: return KEEL_J_RAW;
    default: return KEEL_J_INVALID;
    }
}

static inline const char *keel_json_key(const keel_json *n)
{
    return n->string;
}

static inline keel_json *keel_json_first(const keel_json *n)
{
    return n->child;
}

static inline keel_json *keel_json_next(const keel_json *n)
{
    return n->next;
}

static inline const char *keel_json_string(const keel_json *n)
{
    return (n->type & (cJSON_String | cJSON_Raw)) != 0 ? n->valuestring
                                                        : NULL;
}

static inline double keel_json_number(const keel_json *n)
{
    return (n->type & 0xFF) == cJSON_Number ? n->valuedouble : 0;
}

#endif

/* ---- making and freeing ------------------------------------------------- */

/* New nodes without a key; NULL on allocation failure. */
/*@ assigns json_heap;
    ensures \result == \null || json_node(\result);
 */
keel_json *keel_json_new_object(void);

/*@ requires valid_read_string(s);
    assigns json_heap;
    ensures \result == \null || json_node(\result);
 */
keel_json *keel_json_new_string(const char *s);

/*@ assigns json_heap;
    ensures \result == \null || json_node(\result);
 */
keel_json *keel_json_new_number(double v);

/* true if v != 0, else false. */
/*@ assigns json_heap;
    ensures \result == \null || json_node(\result);
 */
keel_json *keel_json_new_bool(int v);

/* Free n, its key and its whole subtree; n must not be linked into a
   parent. NULL is a no-op. */
/*@ requires n == \null || json_node(n);
    assigns json_heap;
 */
void keel_json_delete(keel_json *n);

/* Deep copy, key and member order kept; NULL for NULL or on allocation
   failure. */
/*@ requires n == \null || json_node(n);
    assigns json_heap;
    ensures \result == \null || json_node(\result);
    ensures n == \null ==> \result == \null;
 */
keel_json *keel_json_dup(const keel_json *n);

/* Parse text[0 .. len - 1], which must be followed by a NUL (text[len]);
   trailing bytes after the value are refused. NULL if cJSON refuses the
   text or runs out of memory. Run keel_json_check first: cJSON accepts
   much that is not JSON (json_check.h). */
/*@ requires \valid_read(text + (0 .. len)) && text[len] == '\0';
    assigns json_heap;
    ensures \result == \null || json_node(\result);
 */
keel_json *keel_json_parse(const char *text, size_t len);

/* ---- editing ------------------------------------------------------------ */
/* A member is a node linked into obj. None of these checks key
   uniqueness: callers look the key up first (keel_tree_get). */

/* Append item to obj as member `key` (copied; a key item had is freed).
   Takes item: 0 on allocation failure (or item NULL), item deleted. */
/*@ requires json_node(obj) && valid_read_string(key);
    requires item == \null || json_node(item);
    assigns json_heap;
    ensures \result == 0 || \result == 1;
    ensures item == \null ==> \result == 0;
 */
int keel_json_add(keel_json *obj, const char *key, keel_json *item);

/* Put item where member old is, under old's key (moved, not copied: item's
   own key is freed), and delete old. Nothing is allocated. */
/*@ requires json_node(obj) && json_node(old) && json_node(item);
    requires old != item;
    assigns json_heap;
 */
void keel_json_replace(keel_json *obj, keel_json *old, keel_json *item);

/* Unlink member from obj and delete it. */
/*@ requires json_node(obj) && json_node(member);
    assigns json_heap;
 */
void keel_json_remove(keel_json *obj, keel_json *member);

/* Link item (no key yet) into obj just before member `before`, as member
   `key` (copied). Takes item: 0 on allocation failure, item deleted. */
/*@ requires json_node(obj) && json_node(before) && json_node(item);
    requires valid_read_string(key);
    assigns json_heap;
    ensures \result == 0 || \result == 1;
 */
int keel_json_insert_before(keel_json *obj, keel_json *before,
                            const char *key, keel_json *item);

/* Move member to the end of obj under a new key: key is a malloc'ed string
   that member takes over (its old key is freed). Nothing is allocated. */
/*@ requires json_node(obj) && json_node(member) && valid_read_string(key);
    assigns json_heap;
 */
void keel_json_move_last(keel_json *obj, keel_json *member, char *key);

#endif
