/*
 * tree.h - internal: the JSON document behind a registry.
 *
 * Purpose
 *   registry.c, codec.c, encode.c and merge.c share the representation of a
 *   registry: a JSON document tree (which keeps every field, known or not,
 *   in its stored order, G11; nodes are keel_json, read and edited only
 *   through cjson_glue.h) plus an index of the account nodes sorted by name
 *   (strcmp). This header exposes that representation to those four
 *   files only; nothing outside kernel/ includes it.
 *
 *   Invariants of a struct keel_registry (kept by every function here):
 *     - doc is an object;
 *     - accounts is doc's "accounts" member if that member is an object,
 *       NULL otherwise (a registry without "accounts" has no accounts);
 *     - idx[0 .. count-1] are exactly the members of accounts, sorted by
 *       their key (keel_json_key), keys distinct;
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
 *       node = keel_registry_account_node(r, i);  // keel_json_key(node)
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

#include "../spec/alloc_model.h"
#include "cjson_glue.h"
#include "error.h"
#include "registry.h"

struct keel_registry {
    keel_json *doc;      /* the whole document, an object          */
    keel_json *accounts; /* doc's "accounts" object, or NULL        */
    keel_json **idx;     /* account nodes sorted by key (strcmp)    */
    size_t count;        /* entries in idx                          */
    size_t cap;          /* allocated entries in idx                */
};

/* The memory-safety part of the invariants above: what every function here
   needs of a registry, and keeps. (Sorting and the correspondence of idx
   with the accounts' members are not modelled; spec/json_model.h. Keys of
   indexed nodes are never NULL, but the glue cannot say so: the index code
   treats a NULL key as less than any other, which never happens.) The
   struct lies in keel_heap and the index array in keel_node_heap (as
   spec/registry_model.h, "Registry memory", says): that is how the public
   contracts, which cannot name them, name what an edit writes. */
/*@ predicate keel_registry_ok{L}(struct keel_registry *r) =
      \valid(r) && registry_block(r) && json_node(r->doc) &&
      \base_addr(r) == \base_addr(&keel_heap[0]) &&
      (r->idx == \null ||
       \base_addr(r->idx) == \base_addr(&keel_node_heap[0])) &&
      (r->accounts == \null || json_node(r->accounts)) &&
      (r->accounts == \null ==> r->count == 0) &&
      r->count <= r->cap &&
      (r->idx == \null || node_block(r->idx)) &&
      (r->cap == 0 || (\valid(r->idx + (0 .. r->cap - 1)) &&
                       \separated(r, r->idx + (0 .. r->cap - 1)))) &&
      \forall integer i; 0 <= i < r->count ==> json_node(r->idx[i]);
 */

/* The bridge between valid_registry (spec/registry_model.h, pure) and
   keel_registry_ok: ghost functions without a body, so each use is one
   stated assumption at one point (spec/registry_model.h says why not an
   axiom, and what is assumed). */
/*@ ghost
  /@ requires valid_registry(r);
     assigns \nothing;
     ensures keel_registry_ok(r);
   @/
  void keel_registry_open(const struct keel_registry *r);

  /@ requires keel_registry_ok(r);
     assigns \nothing;
     ensures valid_registry(r);
   @/
  void keel_registry_seal(const struct keel_registry *r);
 */

/* ---- registry <-> tree ------------------------------------------------- */

/* Wrap a document: takes ownership of doc (an object) and builds the index.
   On failure (NULL: allocation failed, or the accounts object has a
   duplicate key) doc is freed. */
/*@ requires doc == \null || json_node(doc);
    assigns __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..];
    ensures \result == \null ||
            (keel_registry_ok(\result) && valid_registry(\result));
 */
struct keel_registry *keel_registry_wrap(keel_json *doc);

/* The document (never NULL for a live registry). Edits through it are
   allowed; edits of the accounts object need keel_registry_reindex. */
/*@ requires keel_registry_ok(r);
    assigns \nothing;
    ensures \result == r->doc && json_node(\result);
 */
keel_json *keel_registry_doc(struct keel_registry *r);
/*@ requires keel_registry_ok(r);
    assigns \nothing;
    ensures \result == r->doc && json_node(\result);
 */
const keel_json *keel_registry_doc_const(const struct keel_registry *r);

/* Rebuild accounts pointer and index from doc. KEEL_E_NOMEM, or
   KEEL_E_INVALID if two accounts share a key (index then empty). */
/*@ requires keel_registry_ok(r);
    assigns *r, r->idx[0 .. r->cap - 1], __fc_heap_status,
            keel_node_heap[..];
    ensures keel_registry_ok(r) && r->doc == \old(r->doc);
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
 */
keel_status keel_registry_reindex(struct keel_registry *r);

/* The i-th account node in sorted order (its key is keel_json_key(node)),
   NULL if i >= count. */
/*@ requires keel_registry_ok(r);
    assigns \nothing;
    ensures \result == \null || json_node(\result);
 */
keel_json *keel_registry_account_node(const struct keel_registry *r, size_t i);

/* The account node named name, NULL if none (binary search). */
/*@ requires keel_registry_ok(r);
    requires valid_read_string(name);
    assigns \nothing;
    ensures \result == \null || json_node(\result);
 */
keel_json *keel_registry_account_find(const struct keel_registry *r,
                                      const char *name);

/* Insert or replace the account whose key is item's key if set, else
   the string value of item's "name" member. Replaced in place (its
   position in the file is kept); new accounts are appended. Creates the
   accounts object (appended to doc) if absent. Takes ownership of item.
   KEEL_E_INVALID if the key is missing or not a valid name. */
/*@ requires keel_registry_ok(r) && json_node(item);
    assigns *r, json_heap, __fc_heap_status,
            keel_node_heap[..];
    ensures keel_registry_ok(r) && r->doc == \old(r->doc);
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID ||
            \result == KEEL_E_NOMEM;
 */
keel_status keel_registry_put_account(struct keel_registry *r,
                                      keel_json *item);

/* ---- plain tree helpers -------------------------------------------------- */

/* Case-sensitive member lookup (cJSON's own lookup ignores case). NULL if
   obj is NULL, not an object, or has no such key. Linear: use
   keel_registry_account_find for accounts. */
/*@ requires obj == \null || json_node(obj);
    requires valid_read_string(key);
    assigns \nothing;
    ensures \result == \null || json_node(\result);
    ensures obj == \null ==> \result == \null;
 */
keel_json *keel_tree_get(const keel_json *obj, const char *key);

/* Set obj[key] = item: replace the existing member in place, or append.
   Takes ownership of item (freed on failure). KEEL_E_INVALID if obj is not
   an object or item is NULL. Do not use on the accounts object (see
   keel_registry_put_account). */
/*@ requires obj == \null || json_node(obj);
    requires item == \null || json_node(item);
    requires valid_read_string(key);
    assigns json_heap;
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
    ensures item == \null || obj == \null ==> \result == KEEL_E_INVALID;
 */
keel_status keel_tree_set(keel_json *obj, const char *key, keel_json *item);

/* Delete obj[key] if present. 1 if something was removed. */
/*@ requires obj == \null || json_node(obj);
    requires valid_read_string(key);
    assigns json_heap;
    ensures \result == 0 || \result == 1;
    ensures obj == \null ==> \result == 0;
 */
int keel_tree_remove(keel_json *obj, const char *key);

/* Deep copy (keys and order kept); NULL for NULL or on allocation
   failure. */
/*@ requires x == \null || json_node(x);
    assigns json_heap;
    ensures \result == \null || json_node(\result);
    ensures x == \null ==> \result == \null;
 */
keel_json *keel_tree_dup(const keel_json *x);

/* 1 if a and b would encode to the same bytes (same types, values, keys
   and JavaScript key order); two NULLs are equal, NULL vs non-NULL not.
   Objects with array-index keys are compared through keel_tree_js_order,
   which allocates (freed before returning): hence the node heap in the
   assigns clause (spec/alloc_model.h). 0 also if that allocation fails. */
/*@ requires a == \null || json_node(a);
    requires b == \null || json_node(b);
    assigns __fc_heap_status, keel_node_heap[..];
    ensures \result == 0 || \result == 1;
    ensures a == \null && b == \null ==> \result == 1;
    ensures (a == \null) != (b == \null) ==> \result == 0;
 */
int keel_tree_equal(const keel_json *a, const keel_json *b);

/* 1 if key is an array index as JavaScript orders them: "0" or a decimal
   without leading zero, value <= 4294967294. */
/*@ requires valid_read_string(key);
    requires value == \null || \valid(value);
    assigns *value;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 && value != \null ==> *value <= 4294967294;
 */
int keel_tree_index_key(const char *key, unsigned long *value);

/* The members of obj in JavaScript order. If no key is an array index the
   stored order is it and *out is set to NULL (walk keel_json_first /
   keel_json_next); otherwise *out is a malloc'ed array of *n pointers the
   caller frees (for WP, a block of node pointers: spec/alloc_model.h).
   KEEL_E_NOMEM on allocation failure; *out is NULL unless KEEL_OK.
   (KEEL_E_INVALID if the members changed during the call, which nothing
   does: WP cannot see that.) */
/*@ requires obj == \null || json_node(obj);
    requires \valid(out) && \valid(n);
    requires \base_addr(out) != \base_addr(&keel_node_heap[0]);
    assigns *out, *n, __fc_heap_status, keel_node_heap[..];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
    ensures \result != KEEL_OK ==> *out == \null;
    ensures obj == \null ==> \result == KEEL_OK && *out == \null && *n == 0;
    ensures *out == \null || node_block(*out);
    ensures \result == KEEL_OK && *out != \null ==>
              \valid(*out + (0 .. *n - 1)) &&
              \forall integer i; 0 <= i < *n ==> json_node((*out)[i]);
 */
keel_status keel_tree_js_order(const keel_json *obj, keel_json ***out,
                               size_t *n);

/* 1 if s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
/*@ requires valid_read_string(s);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
int keel_tree_utf8_ok(const char *s);

#endif
