/*
 * error.h - the one error record every kernel call fills.
 *
 * Purpose
 *   The kernel never prints and never exits. Every public kernel verb returns
 *   a keel_status and, on failure, fills a struct keel_err saying which step
 *   failed, on which file, with which errno, and (for a registry that does not
 *   decode) which kind of defect at which byte offset or JSON path. The CLI
 *   turns the record into a human message or a --json error envelope.
 *
 * Calling sequence
 *   struct keel_err err;
 *   keel_err_clear(&err);
 *   if (keel_something(..., &err) != KEEL_OK)
 *       report(&err);              // err.status, err.step, err.file, ...
 *
 * Error handling
 *   A record is written only on failure (and for warnings, which never change
 *   the status). `file` and `message` point at storage the kernel does not
 *   own: string literals, or the name the caller passed in, which must outlive
 *   the record. Nothing in the record ever holds credential contents (G8).
 */
#ifndef KEEL_ERROR_H
#define KEEL_ERROR_H

#include <stddef.h>

typedef enum keel_status {
    KEEL_OK = 0,
    KEEL_E_SYS,         /* a system call failed: see step, file, sys_errno   */
    KEEL_E_SYMLINK,     /* a file Keel would write through is a symlink      */
    KEEL_E_NOT_DURABLE, /* the file was replaced, but fsync(dir) failed: the
                           new version is visible and may not survive power
                           loss; the command must not report success (G9)   */
    KEEL_E_LOCKED,      /* lock wait timed out; holder_pid names the holder  */
    KEEL_E_CORRUPT,     /* the registry failed strict decoding (G5)          */
    KEEL_E_NOMEM,       /* an allocation failed                              */
    KEEL_E_INVALID,     /* the caller passed something invalid (bad name)    */
    KEEL_E_NOT_FOUND,   /* a named account or file does not exist            */
    KEEL_E_EXISTS,      /* the target already exists                         */
    KEEL_E_UNSAFE,      /* a state directory or file has unsafe owner/mode   */
    KEEL_E_CONFLICT,    /* the merge could not apply the caller's change     */
    KEEL_STATUS_COUNT
} keel_status;

/*
 * The steps of the kernel. Each one that performs a system call is also a
 * libfiu failpoint of the same name (see kernel/step.c for the names, the
 * one place they are listed). The crash rig enables these by name.
 */
typedef enum keel_step {
    KEEL_STEP_NONE = 0,
    /* atomic replace (atomic_write.c) */
    KEEL_STEP_CHECK_TARGET,   /* fstatat(target, AT_SYMLINK_NOFOLLOW) */
    KEEL_STEP_OPEN_TEMP,      /* openat(temp, O_CREAT|O_EXCL|O_NOFOLLOW) */
    KEEL_STEP_WRITE,          /* write loop into the temp */
    KEEL_STEP_FCHMOD,         /* fchmod(temp, final mode) */
    KEEL_STEP_FSYNC,          /* fsync(temp) */
    KEEL_STEP_CLOSE,          /* close(temp) */
    KEEL_STEP_RENAME,         /* renameat(temp, target) */
    KEEL_STEP_FSYNC_DIR,      /* fsync(directory) */
    KEEL_STEP_UNLINK_TEMP,    /* unlinkat(temp) on an error path */
    /* registry lock (lock.c) */
    KEEL_STEP_LOCK_OPEN,      /* open the directory to flock it */
    KEEL_STEP_LOCK_FLOCK,     /* flock(LOCK_EX|LOCK_NB) */
    KEEL_STEP_LOCK_CREATE,    /* openat(registry.json.lock, O_EXCL) */
    KEEL_STEP_LOCK_WRITE,     /* write the interop payload */
    KEEL_STEP_LOCK_READ,      /* read a foreign interop payload */
    KEEL_STEP_LOCK_REAP,      /* unlinkat a stale interop file */
    KEEL_STEP_LOCK_RELEASE,   /* unlinkat our interop file */
    KEEL_STEP_LOCK_UNLOCK,    /* close the flocked fd */
    /* debris sweep (sweep.c) */
    KEEL_STEP_SWEEP_LIST,     /* list the directory */
    KEEL_STEP_SWEEP_UNLINK,   /* unlinkat a dead writer's temp */
    /* reading files (readfile.c) */
    KEEL_STEP_READ_OPEN,
    KEEL_STEP_READ_STAT,
    KEEL_STEP_READ,
    /* transactions (txn.c) */
    KEEL_STEP_DECODE,         /* strict decoding of the registry */
    KEEL_STEP_ENCODE,
    KEEL_STEP_BACKUP_UNLINK,  /* unlinkat registry.json.bak */
    KEEL_STEP_BACKUP_LINK,    /* linkat registry.json -> registry.json.bak */
    KEEL_STEP_RECOVER_ASIDE,  /* linkat damaged registry -> aside name */
    /* the keel CLI's own file operations (cli/state.c, cli/paths.c) */
    KEEL_STEP_CLI_UNLINK_SNAPSHOT, /* unlinkat an account's snapshot */
    KEEL_STEP_CLI_UNLINK_CURRENT,  /* unlinkat the `current` file */
    KEEL_STEP_CLI_FSYNC_MKDIR,     /* fsync a created directory and its parent */
    KEEL_STEP_COUNT
} keel_step;

/* Kinds of registry defects (KEEL_E_CORRUPT). */
typedef enum keel_defect {
    KEEL_DEFECT_NONE = 0,
    KEEL_DEFECT_SYNTAX, /* not strict RFC 8259 JSON: see offset */
    KEEL_DEFECT_SCHEMA, /* JSON, but not a registry Keel can interpret: path */
    KEEL_DEFECT_LIMIT   /* over a documented size/depth/length limit: offset */
} keel_defect;

#define KEEL_JSON_PATH_MAX 160

struct keel_err {
    keel_status status;
    keel_step step;
    int sys_errno;           /* errno of the failed call, 0 if none       */
    const char *file;        /* file the step worked on, relative to the
                                directory the caller passed; may be NULL  */
    keel_defect defect;      /* for KEEL_E_CORRUPT                        */
    long long offset;        /* byte offset of a syntax/limit defect, -1  */
    char json_path[KEEL_JSON_PATH_MAX]; /* e.g. "accounts.work.email"   */
    const char *message;     /* one-line static explanation, or NULL      */
    long holder_pid;         /* for KEEL_E_LOCKED: the holder, 0 unknown  */
};

/*@ requires \valid(err);
    assigns *err;
    ensures err->status == KEEL_OK && err->step == KEEL_STEP_NONE;
    ensures err->sys_errno == 0 && err->offset == -1;
 */
void keel_err_clear(struct keel_err *err);

/* Fill err for a failed system call at `step` on `file`; returns status.
   `sys_errno` is the positive errno. */
/*@ requires \valid(err);
    assigns *err;
    ensures err->status == status && err->step == step;
    ensures err->sys_errno == sys_errno && err->file == file;
    ensures \result == status;
 */
keel_status keel_err_set(struct keel_err *err, keel_status status,
                         keel_step step, int sys_errno, const char *file);

/* A one-line, static, human description of a status ("lock wait timed
   out"). Never NULL. */
/*@ assigns \nothing;
    ensures \result != \null;
 */
const char *keel_strerror(keel_status status);

/* The step's failpoint name ("keel/atomic/fsync") and a short verb phrase
   for messages ("fsync the temp file"). Never NULL. */
/*@ assigns \nothing;
    ensures \result != \null;
 */
const char *keel_step_name(keel_step step);

/*@ assigns \nothing;
    ensures \result != \null;
 */
const char *keel_step_phrase(keel_step step);

/*@ assigns \nothing;
    ensures \result != \null;
 */
const char *keel_defect_name(keel_defect defect);

#endif
