/*
 * merge.h - three-way merge of registries.
 *
 * Purpose
 *   merge(base, mine, fresh): what the caller changed between base (what it
 *   read) and mine (what it wants) is applied on top of fresh (what is on
 *   disk now, read under the lock), per account and per field; everything
 *   else comes from fresh (G4).
 *     - an account the caller deleted stays deleted, even if fresh changed it;
 *     - an account the caller did not touch keeps fresh's state, including
 *       fresh's deletion of it;
 *     - an account the caller added or changed carries the caller's changed
 *       fields over fresh's others; if fresh deleted it meanwhile, the
 *       deletion stands and a conflict is reported;
 *     - globals (version, autoSwitch.*, api.*, activeAccountName, unknown
 *       top-level keys) merge per field the same way;
 *     - an activeAccountName naming an absent account is cleared.
 *   Laws: merge(b, b, f) = f; merge(b, m, b) = m; disjoint changes are both
 *   kept. Which account comes from where is decided by keel_merge_plan
 *   (merge_plan.c, proved); this file applies the plan to the trees.
 *
 * Calling sequence
 *   struct keel_merge_report rep;
 *   struct keel_registry *out;
 *   if (keel_merge(base, mine, fresh, &out, &rep, &err) == KEEL_OK) ...
 *
 * Error handling
 *   KEEL_E_NOMEM only; conflicts are reported in *rep, never fatal.
 *   Allocates *out.
 */
#ifndef KEEL_MERGE_H
#define KEEL_MERGE_H

#include <stddef.h>

#include "error.h"
#include "registry.h"
#include "../spec/alloc_model.h"

struct keel_merge_report {
    size_t conflicts;                 /* fields/accounts where both changed */
    char first[KEEL_JSON_PATH_MAX];   /* JSON path of the first conflict    */
};

/* rep may be NULL. On failure *out is NULL and err says why. */
/*@ requires valid_registry(base) && valid_registry(mine) &&
             valid_registry(fresh);
    requires \valid(out) && \valid(err) && \separated(out, err);
    requires rep == \null || (\valid(rep) && \separated(rep, out, err));
    assigns *out, *rep, *err, __fc_heap_status, json_heap, keel_heap[..],
            keel_node_heap[..];
    ensures \result == KEEL_OK ==> valid_registry(*out);
    ensures \result != KEEL_OK ==> *out == \null && err->status == \result;
 */
keel_status keel_merge(const struct keel_registry *base,
                       const struct keel_registry *mine,
                       const struct keel_registry *fresh,
                       struct keel_registry **out,
                       struct keel_merge_report *rep, struct keel_err *err);

#endif
