/*
 * sys.h - the kernel's only door to the operating system.
 *
 * Purpose
 *   Every system call the kernel makes goes through one of these thin
 *   wrappers. Each wrapper
 *     - returns the call's result, or the negative errno on failure (no
 *       global errno travels between kernel functions);
 *     - is a libfiu failpoint named after the kernel step it serves (see
 *       kernel/step.c), compiled in only with -DFIU_ENABLE: the point can
 *       fail the call with any errno, shorten a write, or SIGKILL the process
 *       just before the call;
 *     - carries an ACSL contract over the ghost file-system model in
 *       spec/fs_model.h. The proofs of atomic_write.c and lock.c rely on
 *       these contracts. The postconditions named `model` (a call's effect on
 *       the ghost model) and the assigns clauses are the trusted base,
 *       checked by the tests and the crash rig; the rest (result ranges,
 *       freedom from run-time errors, libc preconditions) is proved of the
 *       bodies in sys.c by WP (spec/prove-flags/sys.flags).
 *
 * Names
 *   A wrapper taking a file name requires a NUL-terminated string
 *   (`admit requires ..._is_string`): the callers' contracts do not carry
 *   that fact, so the proofs assume it there and do not check it at the
 *   call sites. Every name the kernel passes is a string literal, a
 *   validated account-derived name or a buffer this module NUL-terminates.
 *
 * Failpoint information (libfiu failinfo), for tests and the crash rig:
 *   1..4095          fail the call with that errno
 *   KEEL_FI_SHORT    (writes) write at most half the bytes asked for
 *   KEEL_FI_KILL     raise(SIGKILL) before the call
 */
#ifndef KEEL_SYS_H
#define KEEL_SYS_H

#include <stddef.h>
#include <time.h>

#include "error.h"
#include "../spec/fs_model.h"

#ifdef __FRAMAC__
#include <string.h> /* valid_read_string, for the name preconditions */
#endif

#define KEEL_FI_SHORT 0x10000
#define KEEL_FI_KILL 0x20000

/* Longest temp file name Keel makes: ".keel-tmp." + target + ".pid.seq". */
#define KEEL_TEMP_NAME_MAX 128
/* Temp names start with this; only Keel uses it, and the sweep matches it. */
#define KEEL_TEMP_PREFIX ".keel-tmp."

/* The interop lock file the Node tool also honours (lock.h). */
#define KEEL_LOCK_FILE_NAME "registry.json.lock"

/* Largest errno value a wrapper returns negated. */
#define KEEL_ERRNO_MAX 4095

enum keel_file_kind {
    KEEL_KIND_ABSENT = 0,
    KEEL_KIND_REGULAR = 1,
    KEEL_KIND_SYMLINK = 2,
    KEEL_KIND_OTHER = 3
};

/* ---- the atomic-replace protocol (ghost state: fs_temp_*, fs_target_*) ---- */

/* fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW): what the name is now. */
/*@ admit requires name_is_string: valid_read_string(name);
    assigns \nothing;
    ensures \result == KEEL_KIND_ABSENT || \result == KEEL_KIND_REGULAR ||
            \result == KEEL_KIND_SYMLINK || \result == KEEL_KIND_OTHER ||
            (-KEEL_ERRNO_MAX <= \result < 0);
 */
int keel_sys_target_kind(int dirfd, const char *name);

/* Create a fresh temp file beside `target` in dirfd, with a name only Keel
   uses (KEEL_TEMP_PREFIX target.pid.seq), O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC,
   mode 0600 from its first byte (G8). Writes the name into namebuf. */
/*@ requires \valid(namebuf + (0 .. KEEL_TEMP_NAME_MAX - 1));
    admit requires target_is_string: valid_read_string(target);
    requires fs_temp_exists == 0 && fs_temp_open == 0;
    assigns namebuf[0 .. KEEL_TEMP_NAME_MAX - 1], fs_temp_exists,
            fs_temp_open, fs_temp_len, fs_temp_mode_ok, fs_temp_synced;
    ensures model: \result >= 0 ==> fs_temp_exists == 1 &&
            fs_temp_open == 1 && fs_temp_len == 0 && fs_temp_mode_ok == 0 &&
            fs_temp_synced == 0;
    ensures \result < 0 ==> -KEEL_ERRNO_MAX <= \result;
    ensures model: \result < 0 ==> fs_temp_exists == 0 && fs_temp_open == 0;
 */
int keel_sys_temp_create(int dirfd, const char *target, char *namebuf);

/* write(2) once into the temp. May write fewer bytes than asked. */
/*@ requires n > 0 && \valid_read(buf + (0 .. n - 1));
    requires fs_temp_open == 1;
    assigns fs_temp_len, fs_temp_synced;
    ensures -KEEL_ERRNO_MAX <= \result <= n;
    ensures model: \result > 0 ==>
            fs_temp_len == \old(fs_temp_len) + \result && fs_temp_synced == 0;
    ensures model: \result <= 0 ==> fs_temp_len == \old(fs_temp_len);
 */
long keel_sys_temp_write(int fd, const char *buf, size_t n);

/* fchmod(2) the temp to its final mode, before its fsync (G2, G8). */
/*@ requires fs_temp_open == 1;
    assigns fs_temp_mode_ok, fs_temp_synced;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures model: \result == 0 ==> fs_temp_mode_ok == 1 &&
            fs_temp_synced == 0;
 */
int keel_sys_temp_fchmod(int fd, unsigned mode);

/* fsync(2) the temp. A failure leaves its state unknown: synced stays 0. */
/*@ requires fs_temp_open == 1;
    assigns fs_temp_synced;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures model: \result == 0 ==> fs_temp_synced == 1;
    ensures model: \result != 0 ==> fs_temp_synced == 0;
 */
int keel_sys_temp_fsync(int fd);

/* close(2) the temp. Linux releases the descriptor even on failure. */
/*@ requires fs_temp_open == 1;
    assigns fs_temp_open;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures model: fs_temp_open == 0;
 */
int keel_sys_temp_close(int fd);

/* renameat(2) the temp over the target: only a complete, moded, synced and
   closed temp may be renamed (G1, G2, G9). */
/*@ requires temp_ready_for_rename && fs_temp_open == 0;
    admit requires temp_is_string: valid_read_string(temp);
    admit requires target_is_string: valid_read_string(target);
    assigns fs_temp_exists, fs_target_replaced, fs_dir_synced;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures model: \result == 0 ==> fs_temp_exists == 0 &&
            fs_target_replaced == 1 && fs_dir_synced == 0;
    ensures model: \result != 0 ==> fs_temp_exists == \old(fs_temp_exists) &&
            fs_target_replaced == \old(fs_target_replaced) &&
            fs_dir_synced == \old(fs_dir_synced);
 */
int keel_sys_temp_rename(int dirfd, const char *temp, const char *target);

/* unlinkat(2) the temp on an error path (G7). */
/*@ requires fs_temp_open == 0;
    admit requires temp_is_string: valid_read_string(temp);
    assigns fs_temp_exists, fs_unlink_failed;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures model: \result == 0 ==> fs_temp_exists == 0;
    ensures model: \result != 0 ==> fs_unlink_failed == 1 &&
            fs_temp_exists == \old(fs_temp_exists);
 */
int keel_sys_temp_unlink(int dirfd, const char *temp);

/* fsync(2) the directory so the rename survives power loss (G2). */
/*@ assigns fs_dir_synced;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures model: \result == 0 ==> fs_dir_synced == 1;
    ensures model: \result != 0 ==> fs_dir_synced == \old(fs_dir_synced);
 */
int keel_sys_dir_fsync(int dirfd);

/* ---- general calls (no ghost state; the step names the failpoint) ---- */

/* openat(2); flags as for openat, O_CLOEXEC|O_NOFOLLOW always added. */
/*@ admit requires name_is_string: valid_read_string(name);
    assigns \nothing;
    ensures \result >= 0 || -KEEL_ERRNO_MAX <= \result < 0;
 */
int keel_sys_openat(keel_step step, int dirfd, const char *name, int flags,
                    unsigned mode);

/* read(2) once; EINTR is returned, not retried. */
/*@ requires n > 0 && \valid(buf + (0 .. n - 1));
    assigns buf[0 .. n - 1];
    ensures -KEEL_ERRNO_MAX <= \result <= n;
 */
long keel_sys_read(keel_step step, int fd, char *buf, size_t n);

/* write(2) once. */
/*@ requires n > 0 && \valid_read(buf + (0 .. n - 1));
    assigns \nothing;
    ensures -KEEL_ERRNO_MAX <= \result <= n;
 */
long keel_sys_write(keel_step step, int fd, const char *buf, size_t n);

/*@ assigns \nothing;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
 */
int keel_sys_close(keel_step step, int fd);

/*@ admit requires name_is_string: valid_read_string(name);
    assigns \nothing;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
 */
int keel_sys_unlinkat(keel_step step, int dirfd, const char *name);

/*@ admit requires from_is_string: valid_read_string(from);
    admit requires to_is_string: valid_read_string(to);
    assigns \nothing;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
 */
int keel_sys_linkat(keel_step step, int dirfd, const char *from,
                    const char *to);

/*@ assigns \nothing;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
 */
int keel_sys_fsync(keel_step step, int fd);

/* fstat(2): regular-file size and permission bits. */
/*@ requires \valid(size) && \valid(mode);
    assigns *size, *mode;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
 */
int keel_sys_fstat(keel_step step, int fd, long long *size, unsigned *mode);

/* fstat(2) modification time, seconds since the epoch. */
/*@ requires \valid(mtime_s);
    assigns *mtime_s;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
 */
int keel_sys_fstat_mtime(keel_step step, int fd, long long *mtime_s);

/* ---- the registry lock (ghost state: lk_*) ---- */

/* flock(fd, LOCK_EX|LOCK_NB) on the directory: 0 taken, -EWOULDBLOCK when
   another open file description holds it. */
/*@ requires lk_guard_held == 0;
    assigns lk_guard_held;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures model: \result == 0 ==> lk_guard_held == 1;
    ensures model: \result != 0 ==> lk_guard_held == 0;
 */
int keel_sys_lock_flock(int fd);

/* Drop the guard: close(2) the flocked descriptor (the kernel releases the
   flock with its last descriptor, whatever close returns). */
/*@ requires lk_guard_held == 1 && lk_interop_ours == 0;
    assigns lk_guard_held;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures model: lk_guard_held == 0;
 */
int keel_sys_lock_unlock(int fd);

/* openat(registry.json.lock, O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW, 0600):
   only a guard holder creates it; success means the file is ours. */
/*@ requires lk_guard_held == 1 && lk_interop_ours == 0;
    assigns lk_interop_ours;
    ensures \result >= 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures model: \result >= 0 ==> lk_interop_ours == 1;
    ensures model: \result < 0 ==> lk_interop_ours == 0;
 */
int keel_sys_lock_create(int dirfd);

/* unlinkat(registry.json.lock) of a stale file: allowed only while the
   guard is held, so two Keel processes can never both reap (G6). */
/*@ requires lk_guard_held == 1 && lk_interop_ours == 0;
    assigns \nothing;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
 */
int keel_sys_lock_reap(int dirfd);

/* unlinkat(registry.json.lock) of our own file (its pid is ours). */
/*@ requires lk_guard_held == 1 && lk_interop_ours == 1;
    assigns lk_interop_ours;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures model: lk_interop_ours == 0;
 */
int keel_sys_lock_drop(int dirfd);

/* Format the interop payload {"pid":N,"at":"YYYY-MM-DDTHH:MM:SS.mmmZ"}
   into buf (NUL-terminated); returns its length (> 0, < cap) or 0. */
/*@ requires cap >= 64 && \valid(buf + (0 .. cap - 1));
    assigns buf[0 .. cap - 1];
    ensures 0 <= \result < cap;
 */
size_t keel_sys_lock_payload(char *buf, size_t cap, long pid);

/* ---- listing a directory (the debris sweep) ---- */

/* Start listing dirfd's entries (a duplicate descriptor is used, dirfd
   stays as it is). Returns a handle (>= 0) or a negative errno. At most
   KEEL_LIST_HANDLES listings are open at once per process. */
#define KEEL_LIST_HANDLES 4
/*@ assigns \nothing;
    ensures (0 <= \result < KEEL_LIST_HANDLES) ||
            -KEEL_ERRNO_MAX <= \result < 0;
 */
int keel_sys_list_open(int dirfd);

/* Next entry name into name[0..cap-1], NUL-terminated: its length (> 0),
   0 at the end, or a negative errno. "." and ".." and names that do not
   fit are skipped. */
/*@ requires 0 <= h < KEEL_LIST_HANDLES;
    requires cap >= 2 && \valid(name + (0 .. cap - 1));
    assigns name[0 .. cap - 1];
    ensures -KEEL_ERRNO_MAX <= \result < cap;
 */
long keel_sys_list_next(int h, char *name, size_t cap);

/*@ requires 0 <= h < KEEL_LIST_HANDLES;
    assigns \nothing;
 */
void keel_sys_list_close(int h);

/* ---- process and time ---- */

/*@ assigns \nothing; ensures \result > 0; */
long keel_sys_getpid(void);

/* 1 if a process with this pid exists (kill(pid, 0) is not ESRCH). */
/*@ assigns \nothing; ensures \result == 0 || \result == 1; */
int keel_sys_pid_alive(long pid);

/* Milliseconds on the monotonic clock. */
/*@ assigns \nothing; ensures \result >= 0; */
long long keel_sys_now_ms(void);

/* Seconds since the epoch on the real-time clock. */
/*@ assigns \nothing; ensures \result >= 0; */
long long keel_sys_wall_s(void);

/* Is tm a calendar time whose fields print in fixed-width digits
   (YYYY, MM, DD, hh, mm, ss)? Always so for gmtime_r's result in the
   years 0 to 9999. */
/*@ requires \valid_read(tm);
    assigns \nothing;
    ensures \result != 0 ==> 0 <= tm->tm_year + 1900 <= 9999 &&
            0 <= tm->tm_mon <= 11 && 1 <= tm->tm_mday <= 31 &&
            0 <= tm->tm_hour <= 23 && 0 <= tm->tm_min <= 59 &&
            0 <= tm->tm_sec <= 60;
 */
int keel_sys_tm_in_range(const struct tm *tm);

/* Sleep about ms milliseconds (interrupted sleeps just end early). */
/*@ assigns \nothing; */
void keel_sys_sleep_ms(int ms);

#endif
