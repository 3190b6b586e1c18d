/*
 * error.c - the error record, and the one list of step (failpoint) names.
 */
#include "error.h"

void keel_err_clear(struct keel_err *err)
{
    err->status = KEEL_OK;
    err->step = KEEL_STEP_NONE;
    err->sys_errno = 0;
    err->file = 0;
    err->defect = KEEL_DEFECT_NONE;
    err->offset = -1;
    err->json_path[0] = '\0';
    err->message = 0;
    err->holder_pid = 0;
}

keel_status keel_err_set(struct keel_err *err, keel_status status,
                         keel_step step, int sys_errno, const char *file)
{
    err->status = status;
    err->step = step;
    err->sys_errno = sys_errno;
    err->file = file;
    return status;
}

const char *keel_strerror(keel_status status)
{
    switch (status) {
    case KEEL_OK: return "success";
    case KEEL_E_SYS: return "a system call failed";
    case KEEL_E_SYMLINK: return "refusing to follow a symbolic link";
    case KEEL_E_NOT_DURABLE:
        return "file replaced, but the directory could not be synced";
    case KEEL_E_LOCKED: return "the registry is locked by another process";
    case KEEL_E_CORRUPT: return "the registry is damaged";
    case KEEL_E_NOMEM: return "out of memory";
    case KEEL_E_INVALID: return "invalid argument";
    case KEEL_E_NOT_FOUND: return "not found";
    case KEEL_E_EXISTS: return "already exists";
    case KEEL_E_UNSAFE: return "unsafe owner or permissions";
    case KEEL_E_CONFLICT: return "conflicting concurrent change";
    default: return "unknown status";
    }
}

/*
 * The failpoint names: the one place they are listed (each step that makes
 * a system call is a libfiu point of this name, checked in sys.c). The crash
 * rig reads this list by grepping the "keel/..." strings in this file, so
 * keep one name per line.
 */
const char *keel_step_name(keel_step step)
{
    switch (step) {
    case KEEL_STEP_NONE: return "none";
    case KEEL_STEP_CHECK_TARGET: return "keel/atomic/check_target";
    case KEEL_STEP_OPEN_TEMP: return "keel/atomic/open_temp";
    case KEEL_STEP_WRITE: return "keel/atomic/write";
    case KEEL_STEP_FCHMOD: return "keel/atomic/fchmod";
    case KEEL_STEP_FSYNC: return "keel/atomic/fsync";
    case KEEL_STEP_CLOSE: return "keel/atomic/close";
    case KEEL_STEP_RENAME: return "keel/atomic/rename";
    case KEEL_STEP_FSYNC_DIR: return "keel/atomic/fsync_dir";
    case KEEL_STEP_UNLINK_TEMP: return "keel/atomic/unlink_temp";
    case KEEL_STEP_LOCK_OPEN: return "keel/lock/open";
    case KEEL_STEP_LOCK_FLOCK: return "keel/lock/flock";
    case KEEL_STEP_LOCK_CREATE: return "keel/lock/create";
    case KEEL_STEP_LOCK_WRITE: return "keel/lock/write";
    case KEEL_STEP_LOCK_READ: return "keel/lock/read";
    case KEEL_STEP_LOCK_REAP: return "keel/lock/reap";
    case KEEL_STEP_LOCK_RELEASE: return "keel/lock/release";
    case KEEL_STEP_LOCK_UNLOCK: return "keel/lock/unlock";
    case KEEL_STEP_SWEEP_LIST: return "keel/sweep/list";
    case KEEL_STEP_SWEEP_UNLINK: return "keel/sweep/unlink";
    case KEEL_STEP_READ_OPEN: return "keel/read/open";
    case KEEL_STEP_READ_STAT: return "keel/read/stat";
    case KEEL_STEP_READ: return "keel/read/read";
    case KEEL_STEP_DECODE: return "keel/txn/decode";
    case KEEL_STEP_ENCODE: return "keel/txn/encode";
    case KEEL_STEP_BACKUP_UNLINK: return "keel/txn/backup_unlink";
    case KEEL_STEP_BACKUP_LINK: return "keel/txn/backup_link";
    case KEEL_STEP_RECOVER_ASIDE: return "keel/txn/recover_aside";
    case KEEL_STEP_CLI_UNLINK_SNAPSHOT: return "keel/cli/unlink_snapshot";
    case KEEL_STEP_CLI_UNLINK_CURRENT: return "keel/cli/unlink_current";
    case KEEL_STEP_CLI_FSYNC_MKDIR: return "keel/cli/fsync_mkdir";
    default: return "unknown";
    }
}

const char *keel_step_phrase(keel_step step)
{
    switch (step) {
    case KEEL_STEP_NONE: return "";
    case KEEL_STEP_CHECK_TARGET: return "inspect the target file";
    case KEEL_STEP_OPEN_TEMP: return "create the temp file";
    case KEEL_STEP_WRITE: return "write the temp file";
    case KEEL_STEP_FCHMOD: return "set the temp file's mode";
    case KEEL_STEP_FSYNC: return "fsync the temp file";
    case KEEL_STEP_CLOSE: return "close the temp file";
    case KEEL_STEP_RENAME: return "rename the temp file over the target";
    case KEEL_STEP_FSYNC_DIR: return "fsync the directory";
    case KEEL_STEP_UNLINK_TEMP: return "remove the temp file";
    case KEEL_STEP_LOCK_OPEN: return "open the directory to lock it";
    case KEEL_STEP_LOCK_FLOCK: return "lock the directory";
    case KEEL_STEP_LOCK_CREATE: return "create the lock file";
    case KEEL_STEP_LOCK_WRITE: return "write the lock file";
    case KEEL_STEP_LOCK_READ: return "read the lock file";
    case KEEL_STEP_LOCK_REAP: return "remove a stale lock file";
    case KEEL_STEP_LOCK_RELEASE: return "remove the lock file";
    case KEEL_STEP_LOCK_UNLOCK: return "unlock the directory";
    case KEEL_STEP_SWEEP_LIST: return "list the directory for leftover temp files";
    case KEEL_STEP_SWEEP_UNLINK: return "remove a leftover temp file";
    case KEEL_STEP_READ_OPEN: return "open the file";
    case KEEL_STEP_READ_STAT: return "stat the file";
    case KEEL_STEP_READ: return "read the file";
    case KEEL_STEP_DECODE: return "decode the registry";
    case KEEL_STEP_ENCODE: return "encode the registry";
    case KEEL_STEP_BACKUP_UNLINK: return "remove the old backup";
    case KEEL_STEP_BACKUP_LINK: return "keep the previous registry as backup";
    case KEEL_STEP_RECOVER_ASIDE: return "set the damaged registry aside";
    case KEEL_STEP_CLI_UNLINK_SNAPSHOT: return "remove the snapshot";
    case KEEL_STEP_CLI_UNLINK_CURRENT: return "remove the current file";
    case KEEL_STEP_CLI_FSYNC_MKDIR: return "fsync a new directory and its parent";
    default: return "unknown step";
    }
}

const char *keel_defect_name(keel_defect defect)
{
    switch (defect) {
    case KEEL_DEFECT_SYNTAX: return "syntax";
    case KEEL_DEFECT_SCHEMA: return "schema";
    case KEEL_DEFECT_LIMIT: return "limit";
    default: return "none";
    }
}
