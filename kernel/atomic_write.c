/*
 * atomic_write.c - replace one file, all or nothing, durably (see the
 * header for the protocol). Proved with Frama-C WP against the ghost model
 * in spec/fs_model.h: the rename is reached only after every byte was
 * written, the mode was set and fsync returned 0; every error path removes
 * the temp and leaves the target untouched; every loop terminates.
 */
#include "atomic_write.h"

#include <errno.h>

/* Give up the temp on an error path: close it if still open, unlink it,
   and return the original failure (an unlink failure is left to the
   debris sweep, G7; the first cause is what the user needs to see). */
/*@ requires \valid(err);
    requires fs_temp_exists == 1;
    requires open == 0 || open == 1;
    requires open == fs_temp_open;
    requires fs_target_replaced == 0;
    requires status != KEEL_OK && status != KEEL_E_NOT_DURABLE;
    assigns *err, fs_temp_open, fs_temp_exists, fs_unlink_failed;
    ensures \result == status && err->status == status;
    ensures fs_temp_open == 0;
    ensures fs_temp_exists == 0 || fs_unlink_failed == 1;
 */
static keel_status abandon(int dirfd, int fd, int open, const char *temp,
                           keel_status status, keel_step step, int sys_errno,
                           const char *target, struct keel_err *err)
{
    if (open) {
        /* The descriptor is released even if close fails; the commit is
           already abandoned, so its result changes nothing (G9). */
        int c = keel_sys_temp_close(fd);
        (void)c;
    }
    int u = keel_sys_temp_unlink(dirfd, temp);
    (void)u;
    return keel_err_set(err, status, step, sys_errno, target);
}

/* Write data[0..len-1] to the temp: short writes continue from where they
   stopped, EINTR is retried within KEEL_EINTR_BUDGET (G9: a write error is
   reported, never swallowed). Returns 0 or a negative errno. */
/*@ requires len == 0 || \valid_read(data + (0 .. len - 1));
    requires fs_temp_open == 1 && fs_temp_len == 0;
    assigns fs_temp_len, fs_temp_synced;
    ensures \result == 0 ==> fs_temp_len == len;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
 */
static int write_all(int fd, const char *data, size_t len)
{
    size_t off = 0;
    int budget = KEEL_EINTR_BUDGET;
    /*@ loop invariant 0 <= off <= len;
        loop invariant fs_temp_len == off;
        loop invariant 0 <= budget <= KEEL_EINTR_BUDGET;
        loop assigns off, budget, fs_temp_len, fs_temp_synced;
        loop variant (len - off) + budget;
     */
    while (off < len) {
        long w = keel_sys_temp_write(fd, data + off, len - off);
        if (w > 0) {
            off += (size_t)w;
        } else if (w == -EINTR && budget > 0) {
            budget--;
        } else {
            /* write(2) returning 0 for a non-empty buffer would loop
               forever; report it as the device being full. */
            return w < 0 ? (int)w : -ENOSPC;
        }
    }
    return 0;
}

keel_status keel_atomic_replace(int dirfd, const char *target,
                                const char *data, size_t len, unsigned mode,
                                struct keel_err *err)
{
    char temp[KEEL_TEMP_NAME_MAX];
    int r;

    //@ ghost fs_temp_want = len;

    /* 1. Never write through a symlink planted at the target (G8); refuse
       anything that is not a regular file (a directory, a FIFO). */
    r = keel_sys_target_kind(dirfd, target);
    if (r < 0)
        return keel_err_set(err, KEEL_E_SYS, KEEL_STEP_CHECK_TARGET, -r,
                            target);
    if (r == KEEL_KIND_SYMLINK)
        return keel_err_set(err, KEEL_E_SYMLINK, KEEL_STEP_CHECK_TARGET, ELOOP,
                            target);
    if (r == KEEL_KIND_OTHER)
        return keel_err_set(err, KEEL_E_INVALID, KEEL_STEP_CHECK_TARGET,
                            EISDIR, target);

    /* 2. A fresh temp in the same directory, so the rename cannot cross a
       file system (G1), created exclusively and never through a link. */
    int fd = keel_sys_temp_create(dirfd, target, temp);
    if (fd < 0)
        return keel_err_set(err, KEEL_E_SYS, KEEL_STEP_OPEN_TEMP, -fd, target);

    /* 3. Every byte, or the commit is abandoned (G1, G9). */
    r = write_all(fd, data, len);
    if (r < 0)
        return abandon(dirfd, fd, 1, temp, KEEL_E_SYS, KEEL_STEP_WRITE, -r,
                       target, err);

    /* 4. The final mode before the fsync, so the fsync makes it durable
       too: an fchmod after fsync is covered by no fsync (G2, G8). */
    r = keel_sys_temp_fchmod(fd, mode);
    if (r < 0)
        return abandon(dirfd, fd, 1, temp, KEEL_E_SYS, KEEL_STEP_FCHMOD, -r,
                       target, err);

    /* 5. Without this fsync a power cut can leave the new name pointing at
       a zero-length or torn file (G2). If it fails the page cache may have
       dropped the dirty pages: the commit is abandoned, never retried on
       this descriptor and never renamed (G9). */
    r = keel_sys_temp_fsync(fd);
    if (r < 0)
        return abandon(dirfd, fd, 1, temp, KEEL_E_SYS, KEEL_STEP_FSYNC, -r,
                       target, err);

    /* 6. A failed close may report a deferred write error (NFS): abandon. */
    r = keel_sys_temp_close(fd);
    if (r < 0)
        return abandon(dirfd, fd, 0, temp, KEEL_E_SYS, KEEL_STEP_CLOSE, -r,
                       target, err);

    /* 7. The atomic step: the name now holds the old or the new bytes,
       never a mix (G1). */
    r = keel_sys_temp_rename(dirfd, temp, target);
    if (r < 0)
        return abandon(dirfd, fd, 0, temp, KEEL_E_SYS, KEEL_STEP_RENAME, -r,
                       target, err);

    /* 8. fsync the directory, or the rename may be lost at power loss and
       an acknowledged change vanish (G2). A failure here cannot be undone:
       the new file is visible but maybe not durable, and the caller must
       not report success (G9). */
    r = keel_sys_dir_fsync(dirfd);
    if (r < 0)
        return keel_err_set(err, KEEL_E_NOT_DURABLE, KEEL_STEP_FSYNC_DIR, -r,
                            target);
    return KEEL_OK;
}
