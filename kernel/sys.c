/*
 * sys.c - the trusted shim: one system call per wrapper (see sys.h).
 *
 * Each wrapper first consults its step's failpoint, which exists only in
 * builds with -DFIU_ENABLE; a release build has no libfiu at all (fiu-local.h
 * then defines the fiu_* macros as no-ops, and failpoint() returns 0).
 *
 * What make prove proves here, and what it assumes (spec/prove-flags/
 * sys.flags, spec/SPEC.md "Trusted, not proved"): WP proves, for the build
 * without FIU_ENABLE, every run-time-error goal, every precondition of every
 * libc call against Frama-C's libc specifications (and the few specifications
 * below that Frama-C 25's libc lacks), the result ranges sys.h promises, and
 * the whole contracts (assigns and loop clauses included) of the static
 * helpers. It assumes the postconditions named `model` in sys.h (each call's
 * effect on the ghost file-system model of spec/fs_model.h) and the assigns
 * clauses of the public wrappers (they list what callers can see: errno and
 * this file's private state are left out on purpose). The crash rig and the
 * unit tests check those against the real system.
 *
 * Formatting is done by the put_* helpers rather than snprintf, whose
 * variadic contract WP cannot use.
 */
#include "sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fiu-local.h>

#ifdef __FRAMAC__
/* Specifications of the calls below that Frama-C 25's libc lacks (renameat,
   unlinkat and linkat are not even declared there), written like its own:
   what POSIX promises, no more. getpid's is only completed: POSIX says it
   always succeeds, and a pid is positive. */

/*@ requires valid_old: valid_read_string(oldpath);
    requires valid_new: valid_read_string(newpath);
    assigns \result, __fc_errno
            \from indirect:olddirfd, indirect:oldpath[0 .. strlen(oldpath)],
                  indirect:newdirfd, indirect:newpath[0 .. strlen(newpath)];
    ensures result_ok_or_error: \result == 0 || \result == -1;
 */
extern int renameat(int olddirfd, const char *oldpath, int newdirfd,
                    const char *newpath);

/*@ requires valid_path: valid_read_string(path);
    assigns \result, __fc_errno
            \from indirect:dirfd, indirect:path[0 .. strlen(path)],
                  indirect:flags;
    ensures result_ok_or_error: \result == 0 || \result == -1;
 */
extern int unlinkat(int dirfd, const char *path, int flags);

/*@ requires valid_old: valid_read_string(oldpath);
    requires valid_new: valid_read_string(newpath);
    assigns \result, __fc_errno
            \from indirect:olddirfd, indirect:oldpath[0 .. strlen(oldpath)],
                  indirect:newdirfd, indirect:newpath[0 .. strlen(newpath)],
                  indirect:flags;
    ensures result_ok_or_error: \result == 0 || \result == -1;
 */
extern int linkat(int olddirfd, const char *oldpath, int newdirfd,
                  const char *newpath, int flags);

/*@ assigns \result, __fc_errno \from indirect:fd;
    ensures result_ok_or_error: \result == 0 || \result == -1;
 */
extern int fsync(int fd);

/*@ assigns \result, __fc_errno \from indirect:fd, __fc_p_opendir;
    ensures result_null_or_valid: \result == \null || \valid(\result);
    ensures valid_dir_stream_on_success:
        \result != \null ==> \result == &__fc_opendir[\result->__fc_dir_id];
 */
extern DIR *fdopendir(int fd);

/*@ ensures positive_pid: \result > 0; */
extern pid_t getpid(void);
#endif

#define FP_NONE 0

/* The failpoint of `step`: 0 to go on, else the failinfo (an errno, or
   KEEL_FI_SHORT). KEEL_FI_KILL never returns. */
/*@ assigns \nothing;
    ensures \result == FP_NONE || \result == KEEL_FI_SHORT ||
            1 <= \result <= KEEL_ERRNO_MAX;
 */
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
/*@ assigns \nothing;
    ensures -KEEL_ERRNO_MAX <= \result < 0;
 */
static int neg_errno(void)
{
    int e = errno;
    if (e <= 0 || e > KEEL_ERRNO_MAX)
        e = EIO;
    return -e;
}

/* errno-returning failpoint result: never KEEL_FI_SHORT for non-writes. */
/*@ assigns \nothing;
    ensures 0 <= \result <= KEEL_ERRNO_MAX;
 */
static int fp_errno(keel_step step)
{
    int f = failpoint(step);
    return f == KEEL_FI_SHORT ? EIO : f;
}

/* ---- building names and payloads ----
   Each put_* appends to buf[0 .. cap-1] at offset len and returns the new
   length, or cap once the text no longer fits with a terminating NUL (and
   from then on). So after the last put, len < cap means buf[len] is free
   for the NUL. */

/*@ requires cap > 0 && \valid(buf + (0 .. cap - 1));
    requires len <= cap;
    assigns buf[0 .. cap - 1];
    ensures \result == cap || (\result == len + 1 && \result < cap);
 */
static size_t put_char(char *buf, size_t cap, size_t len, char c)
{
    if (len >= cap - 1)
        return cap;
    buf[len] = c;
    return len + 1;
}

/*@ requires cap > 0 && \valid(buf + (0 .. cap - 1));
    requires len <= cap;
    requires \valid_read(s + (0 .. n - 1));
    assigns buf[0 .. cap - 1];
    ensures \result <= cap;
 */
static size_t put_bytes(char *buf, size_t cap, size_t len, const char *s,
                        size_t n)
{
    /*@ loop invariant 0 <= i <= n;
        loop invariant len <= cap;
        loop assigns i, len, buf[0 .. cap - 1];
        loop variant n - i;
     */
    for (size_t i = 0; i < n; i++)
        len = put_char(buf, cap, len, s[i]);
    return len;
}

/* v in decimal, zero-padded to at least `width` digits (as printf's %0*llu). */
/*@ requires cap > 0 && \valid(buf + (0 .. cap - 1));
    requires len <= cap;
    requires 1 <= width <= 20;
    assigns buf[0 .. cap - 1];
    ensures \result <= cap;
 */
static size_t put_dec(char *buf, size_t cap, size_t len, unsigned long long v,
                      int width)
{
    char d[20]; /* ULLONG_MAX has 20 digits */
    int k = 0;

    /*@ loop invariant 0 <= k < 20;
        loop assigns k, v, d[0 .. 19];
        loop variant 20 - k;
     */
    do {
        d[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && k < 20);
    /*@ loop invariant 0 <= k <= 20;
        loop assigns k, d[0 .. 19];
        loop variant 20 - k;
     */
    while (k < width)
        d[k++] = '0';
    /*@ loop invariant 0 <= k <= 20;
        loop invariant len <= cap;
        loop assigns k, len, buf[0 .. cap - 1];
        loop variant k;
     */
    while (k > 0)
        len = put_char(buf, cap, len, d[--k]);
    return len;
}

/* v in decimal with a '-' if negative (as printf's %ld). */
/*@ requires cap > 0 && \valid(buf + (0 .. cap - 1));
    requires len <= cap;
    assigns buf[0 .. cap - 1];
    ensures \result <= cap;
 */
static size_t put_long(char *buf, size_t cap, size_t len, long v)
{
    if (v >= 0)
        return put_dec(buf, cap, len, (unsigned long long)v, 1);
    len = put_char(buf, cap, len, '-');
    /* -(v + 1) + 1 is |v|, also for LONG_MIN. */
    return put_dec(buf, cap, len, (unsigned long long)-(v + 1) + 1u, 1);
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

/* The temp sequence number: one process never reuses a temp name. */
static unsigned temp_seq;

/* The next temp name for target[0 .. tlen-1] into namebuf:
   KEEL_TEMP_PREFIX target "." pid "." seq. Returns 0, or -ENAMETOOLONG
   (namebuf then holds ""). */
/*@ requires \valid(namebuf + (0 .. KEEL_TEMP_NAME_MAX - 1));
    requires \valid_read(target + (0 .. tlen - 1));
    assigns namebuf[0 .. KEEL_TEMP_NAME_MAX - 1], temp_seq;
    ensures \result == 0 || \result == -ENAMETOOLONG;
    ensures \result == 0 ==> valid_read_string(namebuf);
 */
static int temp_name(char *namebuf, const char *target, size_t tlen)
{
    const size_t cap = KEEL_TEMP_NAME_MAX;
    size_t len = put_bytes(namebuf, cap, 0, KEEL_TEMP_PREFIX,
                           sizeof KEEL_TEMP_PREFIX - 1);
    len = put_bytes(namebuf, cap, len, target, tlen);
    len = put_char(namebuf, cap, len, '.');
    len = put_long(namebuf, cap, len, (long)getpid());
    len = put_char(namebuf, cap, len, '.');
    len = put_dec(namebuf, cap, len, temp_seq, 1);
    /* Wraps, as temp_seq++ would; spelt out so no unsigned overflow. */
    temp_seq = temp_seq < UINT_MAX ? temp_seq + 1 : 0;
    if (len >= cap) {
        namebuf[0] = '\0';
        return -ENAMETOOLONG;
    }
    namebuf[len] = '\0';
    return 0;
}

/* Create the first temp name not taken, at most 100 tries. */
/*@ requires \valid(namebuf + (0 .. KEEL_TEMP_NAME_MAX - 1));
    requires valid_read_string(target);
    assigns namebuf[0 .. KEEL_TEMP_NAME_MAX - 1], temp_seq;
    ensures \result >= 0 || -KEEL_ERRNO_MAX <= \result < 0;
 */
static int temp_open_fresh(int dirfd, const char *target, char *namebuf)
{
    size_t tlen = strlen(target);
    /*@ loop invariant 0 <= attempt <= 100;
        loop assigns attempt, namebuf[0 .. KEEL_TEMP_NAME_MAX - 1], temp_seq;
        loop variant 100 - attempt;
     */
    for (int attempt = 0; attempt < 100; attempt++) {
        if (temp_name(namebuf, target, tlen) != 0)
            return -ENAMETOOLONG;
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

int keel_sys_temp_create(int dirfd, const char *target, char *namebuf)
{
    int f = fp_errno(KEEL_STEP_OPEN_TEMP);
    if (f)
        return -f;
    return temp_open_fresh(dirfd, target, namebuf);
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
    /* POSIX leaves a count above SSIZE_MAX implementation-defined. */
    if (n > SSIZE_MAX)
        n = SSIZE_MAX;
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

int keel_sys_tm_in_range(const struct tm *tm)
{
    return tm->tm_year >= -1900 && tm->tm_year <= 9999 - 1900 &&
           tm->tm_mon >= 0 && tm->tm_mon <= 11 && tm->tm_mday >= 1 &&
           tm->tm_mday <= 31 && tm->tm_hour >= 0 && tm->tm_hour <= 23 &&
           tm->tm_min >= 0 && tm->tm_min <= 59 && tm->tm_sec >= 0 &&
           tm->tm_sec <= 60;
}

size_t keel_sys_lock_payload(char *buf, size_t cap, long pid)
{
    struct timespec ts;
    struct tm tm;
    size_t len;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
        gmtime_r(&ts.tv_sec, &tm) == NULL)
        return 0;
    if (!keel_sys_tm_in_range(&tm) || ts.tv_nsec < 0 ||
        ts.tv_nsec >= 1000000000L)
        return 0;
    /* The Node tool writes JSON.stringify({pid, at: new Date()}):
       {"pid":N,"at":"YYYY-MM-DDTHH:MM:SS.mmmZ"}. */
    len = put_bytes(buf, cap, 0, "{\"pid\":", 7);
    len = put_long(buf, cap, len, pid);
    len = put_bytes(buf, cap, len, ",\"at\":\"", 7);
    len = put_dec(buf, cap, len, (unsigned long long)(tm.tm_year + 1900), 4);
    len = put_char(buf, cap, len, '-');
    len = put_dec(buf, cap, len, (unsigned long long)(tm.tm_mon + 1), 2);
    len = put_char(buf, cap, len, '-');
    len = put_dec(buf, cap, len, (unsigned long long)tm.tm_mday, 2);
    len = put_char(buf, cap, len, 'T');
    len = put_dec(buf, cap, len, (unsigned long long)tm.tm_hour, 2);
    len = put_char(buf, cap, len, ':');
    len = put_dec(buf, cap, len, (unsigned long long)tm.tm_min, 2);
    len = put_char(buf, cap, len, ':');
    len = put_dec(buf, cap, len, (unsigned long long)tm.tm_sec, 2);
    len = put_char(buf, cap, len, '.');
    len =
        put_dec(buf, cap, len, (unsigned long long)(ts.tv_nsec / 1000000L), 3);
    len = put_bytes(buf, cap, len, "Z\"}", 3);
    if (len == 0 || len >= cap)
        return 0;
    buf[len] = '\0';
    return len;
}

static DIR *listings[KEEL_LIST_HANDLES];

/* The first free slot of listings, or KEEL_LIST_HANDLES if none. */
/*@ assigns \nothing;
    ensures 0 <= \result <= KEEL_LIST_HANDLES;
 */
static int listing_free_slot(void)
{
    int h = 0;
    /*@ loop invariant 0 <= h <= KEEL_LIST_HANDLES;
        loop assigns h;
        loop variant KEEL_LIST_HANDLES - h;
     */
    while (h < KEEL_LIST_HANDLES && listings[h] != NULL)
        h++;
    return h;
}

int keel_sys_list_open(int dirfd)
{
    int f = fp_errno(KEEL_STEP_SWEEP_LIST);
    if (f)
        return -f;
    int h = listing_free_slot();
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

/* Length of the entry's name: the index of its NUL, or sizeof d_name if
   there is none (never so from a real readdir). */
/*@ requires \valid_read(de);
    assigns \nothing;
    ensures 0 <= \result <= sizeof(de->d_name);
 */
static size_t entry_name_len(const struct dirent *de)
{
    size_t n = 0;
    /*@ loop invariant 0 <= n <= sizeof(de->d_name);
        loop assigns n;
        loop variant sizeof(de->d_name) - n;
     */
    while (n < sizeof de->d_name && de->d_name[n] != '\0')
        n++;
    return n;
}

/* name[0 .. n] = src[0 .. n-1] and a NUL. */
/*@ requires \valid(name + (0 .. n));
    requires \valid_read(src + (0 .. n - 1));
    assigns name[0 .. n];
 */
static void copy_name(char *name, const char *src, size_t n)
{
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, name[0 .. n - 1];
        loop variant n - i;
     */
    for (size_t i = 0; i < n; i++)
        name[i] = src[i];
    name[n] = '\0';
}

/* The next entry of stream d whose name is not "." or ".." and fits
   name[0 .. cap-1] with its NUL. */
/*@ requires cap >= 2 && \valid(name + (0 .. cap - 1));
    assigns name[0 .. cap - 1], *d, __fc_errno;
    ensures -KEEL_ERRNO_MAX <= \result < cap;
 */
static long listing_next(DIR *d, char *name, size_t cap)
{
    /* Ends with the directory: readdir returns each entry once. */
    /*@ loop assigns name[0 .. cap - 1], *d, __fc_errno; */
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (de == NULL)
            return errno ? neg_errno() : 0;
        size_t n = entry_name_len(de);
        if (n >= cap || n == sizeof de->d_name)
            continue;
        if (de->d_name[0] == '.' &&
            (n == 1 || (n == 2 && de->d_name[1] == '.')))
            continue;
        copy_name(name, de->d_name, n);
        return (long)n;
    }
}

long keel_sys_list_next(int h, char *name, size_t cap)
{
    if (listings[h] == NULL)
        return -EBADF; /* not an open listing */
    return listing_next(listings[h], name, cap);
}

void keel_sys_list_close(int h)
{
    if (listings[h] == NULL)
        return;
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
    /* Out of range only on a broken clock; keeps the sum in range. */
    if (ts.tv_sec < 0 || ts.tv_sec > LLONG_MAX / 1000 - 1 || ts.tv_nsec < 0 ||
        ts.tv_nsec >= 1000000000L)
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
