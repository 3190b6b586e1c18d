/*
 * sweep.h - remove temp files left by killed writers (G7).
 *
 * Purpose
 *   A writer killed between creating its temp and renaming it leaves a file
 *   named KEEL_TEMP_PREFIX... behind. The temp is never read as the registry
 *   (only the target name is), and the next writer removes it while it holds
 *   the registry lock - when no other Keel writer can be mid-commit in that
 *   directory. Only names with Keel's prefix are touched.
 *
 * Calling sequence
 *   keel_lock_acquire(&lk, dirfd, ...);
 *   keel_sweep_debris(&lk, dirfd, &removed, &err);
 *
 * Error handling
 *   KEEL_E_SYS with step SWEEP_LIST or SWEEP_UNLINK; the sweep stops at the
 *   first failure. Removing debris is housekeeping: callers may report a
 *   failure as a warning and go on.
 */
#ifndef KEEL_SWEEP_H
#define KEEL_SWEEP_H

#include <stddef.h>

#include "error.h"
#include "lock.h"

/* 1 if name starts with KEEL_TEMP_PREFIX. */
/*@ requires \valid_read(name + (0 .. len - 1)) || len == 0;
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
int keel_is_temp_name(const char *name, size_t len);

/* Needs the guard held (lk_guard_held); dirfd is not closed. */
/*@ requires \valid(lk) && \valid(removed) && \valid(err);
    requires lk_guard_held == 1;
    assigns *removed, *err;
 */
keel_status keel_sweep_debris(const struct keel_lock *lk, int dirfd,
                              size_t *removed, struct keel_err *err);

#endif
