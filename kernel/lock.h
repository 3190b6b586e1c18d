/*
 * lock.h - the registry lock.
 *
 * Purpose
 *   One writer at a time per accounts directory (G4, G6). Two layers:
 *     - the guard: flock(LOCK_EX) on the directory itself, a file that is
 *       never renamed or unlinked. The kernel releases it when the holder
 *       dies, however it dies, so a killed writer never wedges the next;
 *     - the interop file registry.json.lock, {"pid":N,"at":"ISO-8601"},
 *       created with O_EXCL, which the Node tool honours. A stale one (its
 *       pid is dead, or it is older than KEEL_LOCK_STALE_MS) is reaped only
 *       while the guard is held, so two Keel processes can never both judge
 *       it stale and both enter.
 *   Waiting retries with backoff (5 ms doubling to 100 ms) until wait_ms.
 *
 * Calling sequence
 *   struct keel_lock lk;
 *   if (keel_lock_acquire(&lk, dirfd, KEEL_LOCK_WAIT_MS, &err) != KEEL_OK)
 *       report(&err);              // KEEL_E_LOCKED names err.holder_pid
 *   ... read, write ...
 *   keel_lock_release(&lk, &err);
 *
 * Error handling
 *   acquire: KEEL_E_LOCKED on timeout (holder_pid from the interop file, 0
 *   if unknown), KEEL_E_SYS with the step otherwise; nothing is held on
 *   failure. release: removes the interop file only if it still holds our
 *   pid, then drops the guard; it always drops the guard, and reports the
 *   first failure.
 */
#ifndef KEEL_LOCK_H
#define KEEL_LOCK_H

#include "error.h"
#include "sys.h"

#define KEEL_LOCK_FILE KEEL_LOCK_FILE_NAME
#define KEEL_LOCK_WAIT_MS 5000
#define KEEL_LOCK_STALE_MS 30000
/* Bytes of an interop payload Keel reads; longer ones are foreign junk. */
#define KEEL_LOCK_PAYLOAD_MAX 256
/* EINTR returns absorbed by the lock's small read and write loops. */
#define KEEL_EINTR_BUDGET_LOCK 16

struct keel_lock {
    int guard_fd;   /* flocked directory fd, -1 when not held */
    int dirfd;      /* the directory (not owned)              */
    long pid;       /* our pid, written into the interop file */
};

/* Parse an interop payload {"pid":N,"at":"YYYY-MM-DDTHH:MM:SS(.sss)Z"}.
   Sets *pid (0 if absent or malformed) and *at_s (seconds since the epoch,
   -1 if absent or malformed). Tolerant: any other content yields 0 / -1. */
/*@ requires len == 0 || \valid_read(buf + (0 .. len - 1));
    requires \valid(pid) && \valid(at_s) && \separated(pid, at_s);
    assigns *pid, *at_s;
    ensures *pid >= 0;
    ensures *at_s >= -1;
 */
void keel_lock_parse_payload(const char *buf, size_t len, long *pid,
                             long long *at_s);

/*@ requires \valid(lk) && \valid(err) && \separated(lk, err);
    requires lk_guard_held == 0 && lk_interop_ours == 0;
    requires 0 <= wait_ms <= 86400000;
    assigns *lk, *err, lk_guard_held, lk_interop_ours;
    ensures \result == KEEL_OK ==> lk_guard_held == 1 && lk_interop_ours == 1
            && lk->guard_fd >= 0;
    ensures \result != KEEL_OK ==> lk_guard_held == 0 &&
            lk_interop_ours == 0 && lk->guard_fd == -1;
    ensures \result == KEEL_OK || \result == KEEL_E_SYS ||
            \result == KEEL_E_LOCKED;
    ensures \result != KEEL_OK ==> err->status == \result;
    ensures lk_reaped_unguarded == \old(lk_reaped_unguarded);
 */
keel_status keel_lock_acquire(struct keel_lock *lk, int dirfd, int wait_ms,
                              struct keel_err *err);

/*@ requires \valid(lk) && \valid(err) && \separated(lk, err);
    requires lk->guard_fd >= 0 ==> lk_guard_held == 1 && lk_interop_ours == 1;
    requires lk->guard_fd < 0 ==> lk_guard_held == 0 && lk_interop_ours == 0;
    assigns lk->guard_fd, *err, lk_guard_held, lk_interop_ours;
    ensures lk_guard_held == 0 && lk_interop_ours == 0;
    ensures lk->guard_fd == -1;
    ensures \result == KEEL_OK || \result == KEEL_E_SYS;
    ensures \result != KEEL_OK ==> err->status == \result;
 */
keel_status keel_lock_release(struct keel_lock *lk, struct keel_err *err);

#endif
