/*
 * atomic_write.h - replace one file, all or nothing, durably.
 *
 * Purpose
 *   keel_atomic_replace(dirfd, "registry.json", bytes, len, 0600, &err)
 *   makes the file named `target` in the directory `dirfd` hold exactly
 *   `bytes`, such that at every instant, also after a crash or power loss,
 *   the name holds either the old content or the new one (G1, G2):
 *
 *     1. refuse a target that is a symlink or not a regular file (G8);
 *     2. create a temp beside it, O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600,
 *        named KEEL_TEMP_PREFIX<target>.<pid>.<seq> (only Keel uses it);
 *     3. write every byte (short writes continue, EINTR retries within a
 *        fixed budget);
 *     4. fchmod to the final mode - before the fsync, which covers it;
 *     5. fsync the temp - a failure abandons the commit: no rename, ever;
 *     6. close it;
 *     7. rename the temp over the target;
 *     8. fsync the directory, or the rename may vanish at power loss.
 *
 * Calling sequence
 *   struct keel_err err; keel_err_clear(&err);
 *   switch (keel_atomic_replace(dirfd, name, buf, len, 0600, &err)) {
 *   case KEEL_OK:            durable
 *   case KEEL_E_NOT_DURABLE: replaced, but fsync(dir) failed: report it
 *   default:                 old file untouched, temp removed
 *   }
 *
 * Error handling
 *   Every failure returns a status and fills err: step (which of 1-8), file
 *   (`target`, or the temp's name is never reported: it is gone), errno. On
 *   every failure before the rename the temp is unlinked and the target is
 *   untouched; should that unlink fail too, the debris sweep removes the
 *   temp under the next writer's lock (G7). Proved against spec/fs_model.h.
 */
#ifndef KEEL_ATOMIC_WRITE_H
#define KEEL_ATOMIC_WRITE_H

#include <stddef.h>

#include "error.h"
#include "sys.h"

/* How many EINTR returns the write loop absorbs before it gives up. */
#define KEEL_EINTR_BUDGET 64

/*@ requires \valid(err);
    requires len == 0 || \valid_read(data + (0 .. len - 1));
    requires fs_temp_exists == 0 && fs_temp_open == 0;
    requires fs_target_replaced == 0;
    assigns *err, fs_temp_exists, fs_temp_open, fs_temp_len, fs_temp_want,
            fs_temp_mode_ok, fs_temp_synced, fs_target_replaced,
            fs_dir_synced, fs_unlink_failed;
    ensures \result == KEEL_OK ==> replaced_durably && fs_temp_exists == 0;
    ensures \result == KEEL_E_NOT_DURABLE ==>
            fs_target_replaced == 1 && fs_temp_exists == 0;
    ensures \result != KEEL_OK && \result != KEEL_E_NOT_DURABLE ==>
            target_untouched &&
            (fs_temp_exists == 0 || fs_unlink_failed == 1);
    ensures fs_temp_open == 0;
    ensures fs_target_replaced == 1 ==> fs_temp_len == len;
    ensures \result != KEEL_OK ==> err->status == \result;
 */
keel_status keel_atomic_replace(int dirfd, const char *target,
                                const char *data, size_t len, unsigned mode,
                                struct keel_err *err);

#endif
