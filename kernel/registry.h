/*
 * registry.h - the registry model.
 *
 * Purpose
 *   The in-memory form of registry.json: version, autoSwitch {enabled,
 *   threshold5hPercent, thresholdWeeklyPercent}, api {usage},
 *   activeAccountName, and the accounts, each with name, email, accountId,
 *   userId, planType, createdAt, lastUsageAt and lastUsage {primary,
 *   secondary: {usedPercent, windowMinutes, resetsAt}, planType, fetchedAt,
 *   source}.
 *
 *   The model owns the decoded document tree, so every field Keel does not
 *   know survives verbatim, at every level, in its original order (G11); the
 *   typed getters and setters below read and edit that tree, and an index of
 *   the accounts sorted by name (byte order, strcmp) serves lookups and the
 *   merge. New keys are appended, as JavaScript appends them, so an encoded
 *   registry matches what the Node tool would write for the same value.
 *
 * Calling sequence
 *   struct keel_registry *r = keel_registry_new();   // or keel_codec_decode
 *   keel_registry_set_string(r, "work", KEEL_F_EMAIL, "me@example.com");
 *   ... keel_codec_encode(r, &bytes, &len, &err) ...
 *   keel_registry_free(r);
 *
 * Error handling
 *   Functions that can fail return a keel_status and fill the error record
 *   (KEEL_E_NOMEM, KEEL_E_INVALID for a bad name, KEEL_E_NOT_FOUND,
 *   KEEL_E_EXISTS). Getters return NULL / 0 for absent or mistyped values.
 *   Allocates: every function that returns a registry returns heap memory
 *   the caller frees with keel_registry_free.
 */
#ifndef KEEL_REGISTRY_H
#define KEEL_REGISTRY_H

#include <stddef.h>

#include "error.h"
#include "name.h"
#include "../spec/registry_model.h"

struct keel_registry;

/* String fields of an account. */
typedef enum keel_field {
    KEEL_F_EMAIL = 0,     /* "email"       */
    KEEL_F_ACCOUNT_ID,    /* "accountId"   */
    KEEL_F_USER_ID,       /* "userId"      */
    KEEL_F_PLAN_TYPE,     /* "planType"    */
    KEEL_F_CREATED_AT,    /* "createdAt"   */
    KEEL_F_LAST_USAGE_AT, /* "lastUsageAt" */
    KEEL_F_COUNT
} keel_field;

struct keel_usage_window {
    int present;
    double used_percent;
    double window_minutes;
    double resets_at;
};

/* A read-only view of one account; pointers live as long as the registry
   is not modified. Absent or mistyped fields are NULL / present == 0. */
struct keel_account_view {
    const char *name;
    const char *field[KEEL_F_COUNT];
    int has_last_usage;
    struct keel_usage_window primary, secondary;
    const char *usage_plan_type, *usage_fetched_at, *usage_source;
};

/* Globals. */
struct keel_globals {
    int auto_enabled;           /* autoSwitch.enabled                */
    double threshold_5h;        /* autoSwitch.threshold5hPercent     */
    double threshold_weekly;    /* autoSwitch.thresholdWeeklyPercent */
    int api_usage;              /* api.usage                         */
};

/* A new registry exactly as the Node tool creates one: version 1,
   autoSwitch {enabled false, 10, 5}, api {usage true}, no active account,
   no accounts. NULL on allocation failure. */
/*@ assigns __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..];
    ensures \result == \null || valid_registry(\result);
 */
struct keel_registry *keel_registry_new(void);
/* Frees r and everything it owns; NULL is a no-op. */
/*@ requires r == \null || valid_registry(r);
    assigns __fc_heap_status, json_heap;
 */
void keel_registry_free(struct keel_registry *r);
/* Deep copy; NULL on allocation failure. */
/*@ requires valid_registry(r);
    assigns __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..];
    ensures \result == \null || valid_registry(\result);
 */
struct keel_registry *keel_registry_clone(const struct keel_registry *r);
/* 1 if both encode to the same bytes (same values, same key order). May
   allocate scratch memory (freed before it returns); 0 if that fails. */
/*@ requires valid_registry(a) && valid_registry(b);
    assigns __fc_heap_status, keel_node_heap[..];
    ensures \result == 0 || \result == 1;
 */
int keel_registry_equal(const struct keel_registry *a,
                        const struct keel_registry *b);

/* Accounts, in sorted (strcmp) order. */
/*@ requires valid_registry(r);
    assigns \nothing;
 */
size_t keel_registry_count(const struct keel_registry *r);
/* The i-th name, NULL if i >= count. */
/*@ requires valid_registry(r);
    assigns \nothing;
    ensures \result == \null || valid_read_string(\result);
 */
const char *keel_registry_name_at(const struct keel_registry *r, size_t i);
/* 1 and *index set (index may be NULL) if found. */
/*@ requires valid_registry(r) && valid_read_string(name);
    requires index == \null || \valid(index);
    assigns *index;
    ensures \result == 0 || \result == 1;
 */
int keel_registry_find(const struct keel_registry *r, const char *name,
                       size_t *index);
/* KEEL_OK or KEEL_E_NOT_FOUND (*out untouched then). */
/*@ requires valid_registry(r) && valid_read_string(name) && \valid(out);
    assigns *out;
    ensures \result == KEEL_OK || \result == KEEL_E_NOT_FOUND;
 */
keel_status keel_registry_view(const struct keel_registry *r,
                               const char *name,
                               struct keel_account_view *out);

/* Add an account with just {"name": name} (and createdAt if created_at is
   not NULL), appended after existing accounts. KEEL_E_EXISTS if present,
   KEEL_E_INVALID if the name breaks the rules. */
/*@ requires valid_registry(r) && valid_read_string(name);
    requires created_at == \null || valid_read_string(created_at);
    requires err == \null || \valid(err);
    assigns __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..],
            *err;
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID ||
            \result == KEEL_E_EXISTS || \result == KEEL_E_NOMEM;
    ensures \result != KEEL_OK && err != \null ==> err->status == \result;
 */
keel_status keel_registry_add(struct keel_registry *r, const char *name,
                              const char *created_at, struct keel_err *err);
/*@ requires valid_registry(r) && valid_read_string(name);
    requires err == \null || \valid(err);
    assigns __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..],
            *err;
    ensures \result == KEEL_OK || \result == KEEL_E_NOT_FOUND;
    ensures \result != KEEL_OK && err != \null ==> err->status == \result;
 */
keel_status keel_registry_remove(struct keel_registry *r, const char *name,
                                 struct keel_err *err);
/* Renames the key and the "name" field; keeps every other field. The
   account moves to the end of the key order (as the Node tool's delete +
   insert does). Clears nothing: the caller updates activeAccountName. */
/*@ requires valid_registry(r);
    requires valid_read_string(from) && valid_read_string(to);
    requires err == \null || \valid(err);
    assigns __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..],
            *err;
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID ||
            \result == KEEL_E_NOT_FOUND || \result == KEEL_E_EXISTS ||
            \result == KEEL_E_NOMEM;
    ensures \result != KEEL_OK && err != \null ==> err->status == \result;
 */
keel_status keel_registry_rename(struct keel_registry *r, const char *from,
                                 const char *to, struct keel_err *err);
/* Set a string field; value NULL removes the key. */
/*@ requires valid_registry(r) && valid_read_string(name);
    requires value == \null || valid_read_string(value);
    requires err == \null || \valid(err);
    assigns __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..],
            *err;
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID ||
            \result == KEEL_E_NOT_FOUND || \result == KEEL_E_NOMEM;
    ensures \result != KEEL_OK && err != \null ==> err->status == \result;
 */
keel_status keel_registry_set_string(struct keel_registry *r,
                                     const char *name, keel_field f,
                                     const char *value, struct keel_err *err);
/* Replace lastUsage and lastUsageAt. Every pointer but r and name may be
   NULL (a NULL window or string removes that member). */
/*@ requires valid_registry(r) && valid_read_string(name);
    requires primary == \null || \valid_read(primary);
    requires secondary == \null || \valid_read(secondary);
    requires plan_type == \null || valid_read_string(plan_type);
    requires fetched_at == \null || valid_read_string(fetched_at);
    requires source == \null || valid_read_string(source);
    requires last_usage_at == \null || valid_read_string(last_usage_at);
    requires err == \null || \valid(err);
    assigns __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..],
            *err;
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID ||
            \result == KEEL_E_NOT_FOUND || \result == KEEL_E_NOMEM;
    ensures \result != KEEL_OK && err != \null ==> err->status == \result;
 */
keel_status keel_registry_set_usage(struct keel_registry *r, const char *name,
                                    const struct keel_usage_window *primary,
                                    const struct keel_usage_window *secondary,
                                    const char *plan_type,
                                    const char *fetched_at, const char *source,
                                    const char *last_usage_at,
                                    struct keel_err *err);

/* activeAccountName: NULL if absent, null or not a string. */
/*@ requires valid_registry(r);
    assigns \nothing;
    ensures \result == \null || valid_read_string(\result);
 */
const char *keel_registry_active(const struct keel_registry *r);
/* name NULL removes the key. */
/*@ requires valid_registry(r);
    requires name == \null || valid_read_string(name);
    requires err == \null || \valid(err);
    assigns __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..],
            *err;
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID ||
            \result == KEEL_E_NOMEM;
    ensures \result != KEEL_OK && err != \null ==> err->status == \result;
 */
keel_status keel_registry_set_active(struct keel_registry *r,
                                     const char *name, struct keel_err *err);

/*@ requires valid_registry(r) && \valid(out);
    assigns *out;
    ensures out->auto_enabled == 0 || out->auto_enabled == 1;
    ensures out->api_usage == 0 || out->api_usage == 1;
 */
void keel_registry_globals(const struct keel_registry *r,
                           struct keel_globals *out);
/* Writes only the globals that differ from r's. */
/*@ requires valid_registry(r) && \valid_read(g);
    requires err == \null || \valid(err);
    assigns __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..],
            *err;
    ensures \result == KEEL_OK || \result == KEEL_E_INVALID ||
            \result == KEEL_E_NOMEM;
    ensures \result != KEEL_OK && err != \null ==> err->status == \result;
 */
keel_status keel_registry_set_globals(struct keel_registry *r,
                                      const struct keel_globals *g,
                                      struct keel_err *err);

#endif
