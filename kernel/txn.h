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
 *   until commit/abort. Every failure fills err (err.status is the status
 *   returned).
 *
 * Proved (spec/prove.sh, against spec/fs_model.h, spec/alloc_model.h and
 *   spec/registry_model.h): the contracts below - begin holds the lock on
 *   success and nothing on failure, and writes no file (G5: a corrupt
 *   registry fails before anything is written); commit and abort always
 *   release the lock and free and NULL orig and reg; a commit or a recover
 *   that reports success replaced the file durably or (commit, nothing
 *   changed) did not touch it (G2); run-time safety throughout.
 */
#ifndef KEEL_TXN_H
#define KEEL_TXN_H

#include <stddef.h>

#include "codec.h"
#include "error.h"
#include "lock.h"
#include "merge.h"
#include "registry.h"
#include "../spec/alloc_model.h"

#define KEEL_REGISTRY_FILE "registry.json"
#define KEEL_BACKUP_FILE "registry.json.bak"
#define KEEL_DAMAGED_PREFIX "registry.json.damaged-"
/* Room keel_recover needs for the aside name, NUL included. */
#define KEEL_DAMAGED_NAME_MAX 64

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

/*@ // Between a successful begin and its commit or abort: the lock held,
    // the registry decoded, the bytes it came from kept (if it existed).
    predicate txn_open{L}(struct keel_txn *t) =
      \valid(t) && t->lock.guard_fd >= 0 &&
      lk_guard_held == 1 && lk_interop_ours == 1 &&
      valid_registry(t->reg) &&
      (t->existed == 0 ==> t->orig == \null) &&
      (t->existed != 0 ==> heap_block(t->orig) &&
                          \valid(t->orig + (0 .. t->orig_len)));

    // After a failed begin, a commit or an abort: nothing held, nothing
    // owned.
    predicate txn_closed{L}(struct keel_txn *t) =
      lk_guard_held == 0 && lk_interop_ours == 0 &&
      t->lock.guard_fd == -1 && t->orig == \null && t->reg == \null;

    // No temp file of this process, and the registry not replaced yet: what
    // an atomic replace starts from (spec/fs_model.h).
    predicate before_replace =
      fs_temp_exists == 0 && fs_temp_open == 0 && fs_target_replaced == 0;
 */

/*@ requires \valid(t) && \valid(err) && \separated(t, err);
    requires lk_guard_held == 0 && lk_interop_ours == 0;
    requires 0 <= wait_ms <= 86400000;
    assigns *t, *err, lk_guard_held, lk_interop_ours, __fc_heap_status,
            json_heap, keel_heap[..], keel_node_heap[..];
    ensures \result == KEEL_OK ==> txn_open(t);
    ensures \result != KEEL_OK ==> txn_closed(t) && err->status == \result;
 */
keel_status keel_txn_begin(struct keel_txn *t, int dirfd, int wait_ms,
                           struct keel_err *err);
/*@ requires txn_open(t) && \valid(err) && \separated(t, err);
    requires before_replace;
    assigns t->lock.guard_fd, t->orig, t->reg, *err, lk_guard_held,
            lk_interop_ours, __fc_heap_status, json_heap, keel_heap[..],
            keel_node_heap[..], fs_temp_exists, fs_temp_open, fs_temp_len,
            fs_temp_want, fs_temp_mode_ok, fs_temp_synced,
            fs_target_replaced, fs_dir_synced, fs_unlink_failed;
    ensures txn_closed(t);
    ensures \result == KEEL_OK ==> target_untouched || replaced_durably;
    ensures \result != KEEL_OK ==> err->status == \result;
    ensures fs_temp_open == 0;
 */
keel_status keel_txn_commit(struct keel_txn *t, struct keel_err *err);
/*@ requires \valid(t) && (txn_open(t) || txn_closed(t));
    assigns t->lock.guard_fd, t->orig, t->reg, lk_guard_held,
            lk_interop_ours, __fc_heap_status, json_heap;
    ensures txn_closed(t);
 */
void keel_txn_abort(struct keel_txn *t);

/* Read and decode registry.json without the lock (for read-only commands).
   A missing file gives a new empty registry and *existed = 0. w may be
   NULL. */
/*@ requires \valid(out) && \valid(existed) && \valid(err);
    requires \separated(out, existed, err);
    requires w == \null || (\valid(w) && \separated(w, out, existed, err));
    assigns *out, *existed, *w, *err, __fc_heap_status, json_heap,
            keel_heap[..], keel_node_heap[..];
    ensures \result == KEEL_OK ==> valid_registry(*out) &&
            (*existed == 0 || *existed == 1);
    ensures \result != KEEL_OK ==> *out == \null && err->status == \result;
 */
keel_status keel_registry_load(int dirfd, struct keel_registry **out,
                               int *existed, struct keel_warnings *w,
                               struct keel_err *err);

/* rep may be NULL. */
/*@ requires valid_registry(base) && valid_registry(mine);
    requires \valid(err);
    requires rep == \null || (\valid(rep) && \separated(rep, err));
    requires lk_guard_held == 0 && lk_interop_ours == 0;
    requires before_replace;
    requires 0 <= wait_ms <= 86400000;
    assigns *rep, *err, lk_guard_held, lk_interop_ours, __fc_heap_status,
            json_heap, keel_heap[..], keel_node_heap[..], fs_temp_exists,
            fs_temp_open, fs_temp_len, fs_temp_want, fs_temp_mode_ok,
            fs_temp_synced, fs_target_replaced, fs_dir_synced,
            fs_unlink_failed;
    ensures lk_guard_held == 0 && lk_interop_ours == 0;
    ensures \result == KEEL_OK ==> target_untouched || replaced_durably;
    ensures \result != KEEL_OK ==> err->status == \result;
 */
keel_status keel_commit_changes(int dirfd, const struct keel_registry *base,
                                const struct keel_registry *mine, int wait_ms,
                                struct keel_merge_report *rep,
                                struct keel_err *err);

/* Under the lock: if registry.json is missing or does not decode and
   registry.json.bak decodes, keep the damaged file aside (aside gets its
   name, "" if there was none) and put the backup in place. KEEL_E_NOT_FOUND
   if there is no good backup; KEEL_E_EXISTS (nothing done) if the registry
   is healthy; KEEL_E_INVALID (nothing done) if cap is below
   KEEL_DAMAGED_NAME_MAX. aside is always left a string shorter than
   KEEL_DAMAGED_NAME_MAX. */
/*@ requires cap >= 1 && \valid(aside + (0 .. cap - 1));
    requires \valid(err) && \separated(aside + (0 .. cap - 1), err);
    requires lk_guard_held == 0 && lk_interop_ours == 0;
    requires before_replace;
    requires 0 <= wait_ms <= 86400000;
    assigns aside[0 .. KEEL_DAMAGED_NAME_MAX - 1], *err, lk_guard_held,
            lk_interop_ours, __fc_heap_status, json_heap, keel_heap[..],
            keel_node_heap[..], fs_temp_exists, fs_temp_open, fs_temp_len,
            fs_temp_want, fs_temp_mode_ok, fs_temp_synced,
            fs_target_replaced, fs_dir_synced, fs_unlink_failed;
    ensures lk_guard_held == 0 && lk_interop_ours == 0;
    ensures aside[0] == '\0' || (cap >= KEEL_DAMAGED_NAME_MAX &&
                                 aside[KEEL_DAMAGED_NAME_MAX - 1] == '\0');
    ensures cap < KEEL_DAMAGED_NAME_MAX ==> \result == KEEL_E_INVALID;
    ensures \result == KEEL_OK ==> replaced_durably;
    ensures \result == KEEL_E_EXISTS ==> target_untouched;
    ensures \result != KEEL_OK ==> err->status == \result;
 */
keel_status keel_recover(int dirfd, int wait_ms, char *aside, size_t cap,
                         struct keel_err *err);

#endif
