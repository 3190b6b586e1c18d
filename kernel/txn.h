/*
 * txn.h - registry transactions: the verbs callers use.
 *
 * Purpose
 *   A transaction holds the registry lock from begin to commit/abort:
 *     begin:  acquire the lock (lock.h), sweep debris (sweep.h), read and
 *             strictly decode registry.json (a missing file is an empty
 *             registry; a corrupt one fails begin and nothing is ever
 *             written, G5) into `reg`, which the caller edits;
 *     commit: encode `reg`; if the bytes differ from what begin read: keep
 *             the current good version as registry.json.bak (hard link),
 *             atomic replace (atomic_write.h); then release the lock;
 *     abort:  release the lock, write nothing.
 *   keel_commit_changes is the one-call form for callers that loaded the
 *   registry without the lock: it begins, merges (merge.h) the caller's
 *   change base->mine onto the fresh registry, and commits.
 *   keel_recover restores registry.json.bak over a damaged registry.json,
 *   keeping the damaged file aside as registry.json.damaged-<UTC stamp>.
 *
 * Calling sequence
 *   struct keel_txn t;
 *   if (keel_txn_begin(&t, dirfd, KEEL_LOCK_WAIT_MS, &err) != KEEL_OK)
 *       return report(&err);
 *   keel_registry_add(t.reg, "work", stamp, &err);   // edit t.reg
 *   if (keel_txn_commit(&t, &err) != KEEL_OK) return report(&err);
 *
 * Error handling
 *   begin: lock errors (KEEL_E_LOCKED, KEEL_E_SYS), KEEL_E_CORRUPT with the
 *   decode record (file "registry.json"), KEEL_E_SYS/SYMLINK from reading;
 *   on failure nothing is held. commit: atomic-replace errors, including
 *   KEEL_E_NOT_DURABLE; the lock is released and the transaction freed
 *   whatever the outcome. Allocates: the transaction owns orig and reg
 *   until commit/abort.
 */
#ifndef KEEL_TXN_H
#define KEEL_TXN_H

#include <stddef.h>

#include "codec.h"
#include "error.h"
#include "lock.h"
#include "merge.h"
#include "registry.h"

#define KEEL_REGISTRY_FILE "registry.json"
#define KEEL_BACKUP_FILE "registry.json.bak"
#define KEEL_DAMAGED_PREFIX "registry.json.damaged-"

struct keel_txn {
    int dirfd;                     /* accounts directory (not owned)      */
    struct keel_lock lock;
    int existed;                   /* registry.json existed at begin      */
    char *orig;                    /* its bytes as read under the lock    */
    size_t orig_len;
    struct keel_registry *reg;     /* decoded from orig: the caller edits */
    struct keel_warnings warnings; /* from decoding                       */
    size_t swept;                  /* debris files removed at begin       */
};

keel_status keel_txn_begin(struct keel_txn *t, int dirfd, int wait_ms,
                           struct keel_err *err);
keel_status keel_txn_commit(struct keel_txn *t, struct keel_err *err);
void keel_txn_abort(struct keel_txn *t);

/* Read and decode registry.json without the lock (for read-only commands).
   A missing file gives a new empty registry and *existed = 0. w may be
   NULL. */
keel_status keel_registry_load(int dirfd, struct keel_registry **out,
                               int *existed, struct keel_warnings *w,
                               struct keel_err *err);

/* rep may be NULL. */
keel_status keel_commit_changes(int dirfd, const struct keel_registry *base,
                                const struct keel_registry *mine, int wait_ms,
                                struct keel_merge_report *rep,
                                struct keel_err *err);

/* Under the lock: if registry.json is missing or does not decode and
   registry.json.bak decodes, keep the damaged file aside (aside gets its
   name, "" if there was none) and put the backup in place. KEEL_E_NOT_FOUND
   if there is no good backup; KEEL_E_EXISTS (nothing done) if the registry
   is healthy. */
keel_status keel_recover(int dirfd, int wait_ms, char *aside, size_t cap,
                         struct keel_err *err);

#endif
