/*
 * sys.c - the trusted shim: one system call per wrapper (see sys.h).
 *
 * These bodies are not proved (they are the system calls the ghost model in
 * spec/fs_model.h describes); they are exercised by the unit tests and the
 * crash rig. Each wrapper first consults its step's failpoint, which exists
 * only in builds with -DFIU_ENABLE; a release build has no libfiu at all.
 */
#include "sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fiu-local.h>

#define FP_NONE 0

/* The failpoint of `step`: 0 to go on, else the failinfo (an errno, or
   KEEL_FI_SHORT). KEEL_FI_KILL never returns. */
static int failpoint(keel_step step)
{
#ifdef FIU_ENABLE
    if (fiu_fail(keel_step_name(step))) {
        intptr_t info = (intptr_t)fiu_failinfo();
        if (info == KEEL_FI_KILL)
            raise(SIGKILL);
        if (info == KEEL_FI_SHORT)
            return KEEL_FI_SHORT;
        if (info <= 0 || info > KEEL_ERRNO_MAX)
            return EIO;
        return (int)info;
    }
#else
    (void)step;
#endif
    return FP_NONE;
}

/* The failure of a call that set errno, as a negative errno in range. */
static int neg_errno(void)
{
    int e = errno;
    if (e <= 0 || e > KEEL_ERRNO_MAX)
        e = EIO;
    return -e;
}

/* errno-returning failpoint result: never KEEL_FI_SHORT for non-writes. */
static int fp_errno(keel_step step)
{
    int f = failpoint(step);
    return f == KEEL_FI_SHORT ? EIO : f;
}

int keel_sys_target_kind(int dirfd, const char *name)
{
    struct stat st;
    int f = fp_errno(KEEL_STEP_CHECK_TARGET);
    if (f)
        return -f;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? KEEL_KIND_ABSENT : neg_errno();
    if (S_ISLNK(st.st_mode))
        return KEEL_KIND_SYMLINK;
    if (S_ISREG(st.st_mode))
        return KEEL_KIND_REGULAR;
    return KEEL_KIND_OTHER;
}

int keel_sys_temp_create(int dirfd, const char *target, char *namebuf)
{
    static unsigned seq;
    int f = fp_errno(KEEL_STEP_OPEN_TEMP);
    if (f)
        return -f;
    for (int attempt = 0; attempt < 100; attempt++) {
        int n = snprintf(namebuf, KEEL_TEMP_NAME_MAX, "%s%s.%ld.%u",
                         KEEL_TEMP_PREFIX, target, (long)getpid(), seq++);
        if (n < 0 || n >= KEEL_TEMP_NAME_MAX) {
            namebuf[0] = '\0';
            return -ENAMETOOLONG;
        }
        /* 0600 from the first byte: the temp never exists with a looser
           mode, whatever the final mode will be (G8). The umask can only
           tighten it; fchmod sets the final mode before fsync. */
        int fd = openat(dirfd, namebuf,
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0600);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            return neg_errno();
    }
    return -EEXIST;
}

long keel_sys_temp_write(int fd, const char *buf, size_t n)
{
    return keel_sys_write(KEEL_STEP_WRITE, fd, buf, n);
}

int keel_sys_temp_fchmod(int fd, unsigned mode)
{
    int f = fp_errno(KEEL_STEP_FCHMOD);
    if (f)
        return -f;
    return fchmod(fd, (mode_t)mode) == 0 ? 0 : neg_errno();
}

int keel_sys_temp_fsync(int fd)
{
    return keel_sys_fsync(KEEL_STEP_FSYNC, fd);
}

int keel_sys_temp_close(int fd)
{
    int f = fp_errno(KEEL_STEP_CLOSE);
    if (f) {
        /* Model Linux: the descriptor is released even when close fails. */
        if (close(fd) != 0)
            return neg_errno();
        return -f;
    }
    return close(fd) == 0 ? 0 : neg_errno();
}

int keel_sys_temp_rename(int dirfd, const char *temp, const char *target)
{
    int f = fp_errno(KEEL_STEP_RENAME);
    if (f)
        return -f;
    return renameat(dirfd, temp, dirfd, target) == 0 ? 0 : neg_errno();
}

int keel_sys_temp_unlink(int dirfd, const char *temp)
{
    return keel_sys_unlinkat(KEEL_STEP_UNLINK_TEMP, dirfd, temp);
}

int keel_sys_dir_fsync(int dirfd)
{
    return keel_sys_fsync(KEEL_STEP_FSYNC_DIR, dirfd);
}

int keel_sys_openat(keel_step step, int dirfd, const char *name, int flags,
                    unsigned mode)
{
    int f = fp_errno(step);
    if (f)
        return -f;
    int fd = openat(dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);
    return fd >= 0 ? fd : neg_errno();
}

long keel_sys_read(keel_step step, int fd, char *buf, size_t n)
{
    int f = fp_errno(step);
    if (f)
        return -f;
    ssize_t r = read(fd, buf, n);
    return r >= 0 ? (long)r : neg_errno();
}

long keel_sys_write(keel_step step, int fd, const char *buf, size_t n)
{
    int f = failpoint(step);
    if (f == KEEL_FI_SHORT) {
        /* A short write: at most half, at least one byte. */
        n = n > 1 ? n / 2 : 1;
    } else if (f) {
        return -f;
    }
    ssize_t w = write(fd, buf, n);
    return w >= 0 ? (long)w : neg_errno();
}

int keel_sys_close(keel_step step, int fd)
{
    int f = fp_errno(step);
    if (f) {
        if (close(fd) != 0)
            return neg_errno();
        return -f;
    }
    return close(fd) == 0 ? 0 : neg_errno();
}

int keel_sys_unlinkat(keel_step step, int dirfd, const char *name)
{
    int f = fp_errno(step);
    if (f)
        return -f;
    return unlinkat(dirfd, name, 0) == 0 ? 0 : neg_errno();
}

int keel_sys_linkat(keel_step step, int dirfd, const char *from,
                    const char *to)
{
    int f = fp_errno(step);
    if (f)
        return -f;
    return linkat(dirfd, from, dirfd, to, 0) == 0 ? 0 : neg_errno();
}

int keel_sys_fsync(keel_step step, int fd)
{
    int f = fp_errno(step);
    if (f)
        return -f;
    return fsync(fd) == 0 ? 0 : neg_errno();
}

int keel_sys_fstat(keel_step step, int fd, long long *size, unsigned *mode)
{
    struct stat st;
    int f = fp_errno(step);
    if (f)
        return -f;
    if (fstat(fd, &st) != 0)
        return neg_errno();
    *size = (long long)st.st_size;
    *mode = (unsigned)st.st_mode;
    return 0;
}

int keel_sys_fstat_mtime(keel_step step, int fd, long long *mtime_s)
{
    struct stat st;
    int f = fp_errno(step);
    if (f)
        return -f;
    if (fstat(fd, &st) != 0)
        return neg_errno();
    *mtime_s = (long long)st.st_mtime;
    return 0;
}

int keel_sys_lock_flock(int fd)
{
    int f = fp_errno(KEEL_STEP_LOCK_FLOCK);
    if (f)
        return -f;
    return flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : neg_errno();
}

int keel_sys_lock_unlock(int fd)
{
    return keel_sys_close(KEEL_STEP_LOCK_UNLOCK, fd);
}

int keel_sys_lock_create(int dirfd)
{
    return keel_sys_openat(KEEL_STEP_LOCK_CREATE, dirfd, KEEL_LOCK_FILE_NAME,
                           O_WRONLY | O_CREAT | O_EXCL, 0600);
}

int keel_sys_lock_reap(int dirfd)
{
    return keel_sys_unlinkat(KEEL_STEP_LOCK_REAP, dirfd, KEEL_LOCK_FILE_NAME);
}

int keel_sys_lock_drop(int dirfd)
{
    return keel_sys_unlinkat(KEEL_STEP_LOCK_RELEASE, dirfd,
                             KEEL_LOCK_FILE_NAME);
}

size_t keel_sys_lock_payload(char *buf, size_t cap, long pid)
{
    struct timespec ts;
    struct tm tm;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
        gmtime_r(&ts.tv_sec, &tm) == NULL)
        return 0;
    /* The Node tool writes JSON.stringify({pid, at: new Date()}). */
    int n = snprintf(buf, cap,
                     "{\"pid\":%ld,\"at\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\"}",
                     pid, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
    if (n <= 0 || (size_t)n >= cap)
        return 0;
    return (size_t)n;
}

static DIR *listings[KEEL_LIST_HANDLES];

int keel_sys_list_open(int dirfd)
{
    int f = fp_errno(KEEL_STEP_SWEEP_LIST);
    if (f)
        return -f;
    int h = 0;
    while (h < KEEL_LIST_HANDLES && listings[h] != NULL)
        h++;
    if (h == KEEL_LIST_HANDLES)
        return -EMFILE;
    /* fdopendir takes ownership of its descriptor: give it a duplicate. */
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return neg_errno();
    listings[h] = fdopendir(fd);
    if (listings[h] == NULL) {
        int e = neg_errno();
        if (close(fd) != 0)
            return e; /* read-only descriptor: nothing to lose */
        return e;
    }
    return h;
}

long keel_sys_list_next(int h, char *name, size_t cap)
{
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(listings[h]);
        if (de == NULL)
            return errno ? neg_errno() : 0;
        size_t n = strlen(de->d_name);
        if (n >= cap || strcmp(de->d_name, ".") == 0 ||
            strcmp(de->d_name, "..") == 0)
            continue;
        memcpy(name, de->d_name, n + 1);
        return (long)n;
    }
}

void keel_sys_list_close(int h)
{
    /* A read-only listing: closing it cannot lose data. */
    if (closedir(listings[h]) != 0)
        errno = 0;
    listings[h] = NULL;
}

long keel_sys_getpid(void)
{
    return (long)getpid();
}

int keel_sys_pid_alive(long pid)
{
    if (pid <= 0 || pid > INT32_MAX)
        return 0;
    /* EPERM means it exists but is someone else's: alive. */
    return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

long long keel_sys_now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long keel_sys_wall_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
        return 0;
    return (long long)ts.tv_sec;
}

void keel_sys_sleep_ms(int ms)
{
    struct timespec ts;
    if (ms <= 0)
        return;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    /* An interrupted sleep just ends early; the caller's loop re-checks. */
    if (nanosleep(&ts, NULL) != 0)
        return;
}
