/*
 * tree.h - internal: the cJSON document behind a registry.
 *
 * Purpose
 *   registry.c, codec.c, encode.c and merge.c share the representation of a
 *   registry: a cJSON document tree (which keeps every field, known or not,
 *   in its stored order, G11) plus an index of the account nodes sorted by
 *   name (strcmp). This header exposes that representation to those four
 *   files only; nothing outside kernel/ includes it.
 *
 *   Invariants of a struct keel_registry (kept by every function here):
 *     - doc is a cJSON object;
 *     - accounts is doc's "accounts" member if that member is an object,
 *       NULL otherwise (a registry without "accounts" has no accounts);
 *     - idx[0 .. count-1] are exactly the members of accounts, sorted by
 *       their key (node->string), keys distinct;
 *     - no key anywhere is duplicated within its object (decode rejects
 *       duplicates; keel_tree_set replaces in place).
 *   Account nodes are normally objects whose "name" equals their key and
 *   whose key is a valid name; the decoder guarantees it, the public setters
 *   keep it, and a merge that builds accounts through keel_registry_put_account
 *   keeps it too.
 *
 * Calling sequence (merge.c)
 *   // (a) accounts in sorted order
 *   for (i = 0; i < keel_registry_count(r); i++)
 *       node = keel_registry_account_node(r, i);      // key: node->string
 *   // (b) compare / copy fields and accounts
 *   keel_tree_equal(keel_tree_get(a, "email"), keel_tree_get(b, "email"));
 *   keel_tree_set(obj, "email", keel_tree_dup(src_value));  // in place/append
 *   keel_tree_remove(obj, "email");
 *   // (c) build a result
 *   out = keel_registry_clone(fresh);                  // or keel_registry_wrap
 *   keel_registry_put_account(out, keel_tree_dup(mine_account));
 *   keel_registry_remove(out, "gone", &err);
 *   keel_registry_set_active(out, NULL, &err);
 *   keel_tree_set(keel_registry_doc(out), "someNewTopKey", dup);
 *
 *   Editing the accounts object directly (not through put_account /
 *   keel_registry_add / remove / rename) breaks the index: call
 *   keel_registry_reindex afterwards.
 *
 * Order of keys
 *   Objects are encoded in JavaScript property order: keys that are array
 *   indexes (canonical decimal 0 .. 4294967294) first, ascending, then the
 *   rest in stored order. keel_tree_equal compares in that same order, so
 *   keel_tree_equal(a, b) == 1 exactly when both encode to the same bytes.
 *   keel_tree_set replaces an existing member in place and appends a new
 *   one (as a JavaScript assignment does).
 *
 * Error handling
 *   Functions returning keel_status return KEEL_OK, KEEL_E_NOMEM, or (where
 *   stated) KEEL_E_INVALID / KEEL_E_EXISTS; they never print.
 *   Ownership: keel_tree_set and keel_registry_put_account take ownership of
 *   the item they are given, also when they fail (it is freed then).
 */
#ifndef KEEL_TREE_H
#define KEEL_TREE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "registry.h"

struct keel_registry {
    cJSON *doc;       /* the whole document, an object             */
    cJSON *accounts;  /* doc's "accounts" object, or NULL           */
    cJSON **idx;      /* account nodes sorted by key (strcmp)       */
    size_t count;     /* entries in idx                             */
    size_t cap;       /* allocated entries in idx                   */
};

/* ---- registry <-> tree ------------------------------------------------- */

/* Wrap a document: takes ownership of doc (an object) and builds the index.
   On failure (NULL: allocation failed, or the accounts object has a
   duplicate key) doc is freed. */
/*@ requires doc == \null || \valid(doc);
    ensures \result == \null || \valid(\result);
 */
struct keel_registry *keel_registry_wrap(cJSON *doc);

/* The document (never NULL for a live registry). Edits through it are
   allowed; edits of the accounts object need keel_registry_reindex. */
/*@ requires \valid(r);
    assigns \nothing;
    ensures \result == r->doc;
 */
cJSON *keel_registry_doc(struct keel_registry *r);
/*@ requires \valid_read(r);
    assigns \nothing;
    ensures \result == r->doc;
 */
const cJSON *keel_registry_doc_const(const struct keel_registry *r);

/* Rebuild accounts pointer and index from doc. KEEL_E_NOMEM, or
   KEEL_E_INVALID if two accounts share a key (index then empty). */
/*@ requires \valid(r);
    assigns *r;
 */
keel_status keel_registry_reindex(struct keel_registry *r);

/* The i-th account node in sorted order (its key is node->string), NULL if
   i >= count. */
/*@ requires \valid_read(r);
    assigns \nothing;
 */
cJSON *keel_registry_account_node(const struct keel_registry *r, size_t i);

/* The account node named name, NULL if none (binary search). */
/*@ requires \valid_read(r) && valid_read_string(name);
    assigns \nothing;
 */
cJSON *keel_registry_account_find(const struct keel_registry *r,
                                  const char *name);

/* Insert or replace the account whose key is item->string if set, else
   the string value of item's "name" member. Replaced in place (its
   position in the file is kept); new accounts are appended. Creates the
   accounts object (appended to doc) if absent. Takes ownership of item.
   KEEL_E_INVALID if the key is missing or not a valid name. */
/*@ requires \valid(r) && \valid(item);
    assigns *r;
 */
keel_status keel_registry_put_account(struct keel_registry *r, cJSON *item);

/* ---- plain tree helpers -------------------------------------------------- */

/* Case-sensitive member lookup (never cJSON_GetObjectItem, which ignores
   case). NULL if obj is NULL, not an object, or has no such key. Linear:
   use keel_registry_account_find for accounts. */
/*@ requires valid_read_string(key);
    assigns \nothing;
 */
cJSON *keel_tree_get(const cJSON *obj, const char *key);

/* Set obj[key] = item: replace the existing member in place, or append.
   Takes ownership of item (freed on failure). KEEL_E_INVALID if obj is not
   an object or item is NULL. Do not use on the accounts object (see
   keel_registry_put_account). */
/*@ requires valid_read_string(key);
    assigns *obj;
 */
keel_status keel_tree_set(cJSON *obj, const char *key, cJSON *item);

/* Delete obj[key] if present. 1 if something was removed. */
/*@ requires valid_read_string(key);
    assigns *obj;
    ensures \result == 0 || \result == 1;
 */
int keel_tree_remove(cJSON *obj, const char *key);

/* Deep copy (keys and order kept); NULL for NULL or on allocation
   failure. */
/*@ assigns \nothing;
 */
cJSON *keel_tree_dup(const cJSON *x);

/* 1 if a and b would encode to the same bytes (same types, values, keys
   and JavaScript key order); two NULLs are equal, NULL vs non-NULL not. */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
int keel_tree_equal(const cJSON *a, const cJSON *b);

/* 1 if key is an array index as JavaScript orders them: "0" or a decimal
   without leading zero, value <= 4294967294. */
/*@ requires valid_read_string(key);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
int keel_tree_index_key(const char *key, unsigned long *value);

/* The members of obj in JavaScript order. If no key is an array index the
   stored order is it and *out is set to NULL (walk obj->child); otherwise
   *out is a malloc'ed array of *n pointers the caller frees.
   KEEL_E_NOMEM on allocation failure. */
/*@ requires \valid(out) && \valid(n);
    assigns *out, *n;
 */
keel_status keel_tree_js_order(const cJSON *obj, cJSON ***out, size_t *n);

/* 1 if s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
/*@ requires valid_read_string(s);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
int keel_tree_utf8_ok(const char *s);

#endif
