/*
 * lock.c - the registry lock: a flock guard on the directory plus the
 * interop file registry.json.lock (see lock.h). Proved with Frama-C WP
 * against the ghost lock state in spec/fs_model.h: the interop file is
 * created and reaped only while the guard is held, acquire and release
 * pair up, and every loop terminates.
 */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>

#define BUSY 1
#define ACQUIRED 0
#define FAILED (-1)

/* ---- payload parsing ---------------------------------------------------- */

/*@ predicate is_digit(char c) = '0' <= c <= '9'; */

/* Index just past the first occurrence of the quoted key "k1k2" or "k1k2k3"
   (k3 == 0 for a two-letter key), or len if absent. */
/*@ requires len == 0 || \valid_read(buf + (0 .. len - 1));
    assigns \nothing;
    ensures 0 <= \result <= len;
 */
static size_t find_key(const char *buf, size_t len, char k1, char k2, char k3)
{
    size_t klen = k3 ? 5 : 4; /* with both quotes */
    if (len < klen)
        return len;
    size_t last = len - klen;
    /*@ loop invariant 0 <= i <= last + 1;
        loop assigns i;
        loop variant last + 1 - i;
     */
    for (size_t i = 0; i <= last; i++) {
        if (buf[i] != '"' || buf[i + 1] != k1 || buf[i + 2] != k2)
            continue;
        if (k3 == 0 && buf[i + 3] == '"')
            return i + 4;
        if (k3 != 0 && buf[i + 3] == k3 && buf[i + 4] == '"')
            return i + 5;
    }
    return len;
}

/* Skip blanks, one ':' and blanks; returns the new index (<= len), or len
   if there was no ':'. */
/*@ requires len == 0 || \valid_read(buf + (0 .. len - 1));
    requires i <= len;
    assigns \nothing;
    ensures i <= \result <= len;
 */
static size_t skip_colon(const char *buf, size_t len, size_t i)
{
    int seen = 0;
    /*@ loop invariant \at(i, Pre) <= i <= len;
        loop assigns i, seen;
        loop variant len - i;
     */
    while (i < len) {
        if (buf[i] == ':' && !seen)
            seen = 1;
        else if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
                 buf[i] != '\r')
            break;
        i++;
    }
    return seen ? i : len;
}

/* Read n (1..4) decimal digits at buf[i]; -1 if not all digits. */
/*@ requires len == 0 || \valid_read(buf + (0 .. len - 1));
    requires 1 <= n <= 4;
    assigns \nothing;
    ensures -1 <= \result <= 9999;
 */
static int digits(const char *buf, size_t len, size_t i, int n)
{
    int v = 0;
    if (i > len || (size_t)n > len - i)
        return -1;
    /*@ loop invariant 0 <= k <= n;
        loop invariant 0 <= v <= 9999;
        loop invariant k <= 3 ==> v < 1000;
        loop invariant k <= 2 ==> v < 100;
        loop invariant k <= 1 ==> v < 10;
        loop invariant k == 0 ==> v == 0;
        loop assigns k, v;
        loop variant n - k;
     */
    for (int k = 0; k < n; k++) {
        char c = buf[i + (size_t)k];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

/* Seconds since the epoch of a civil UTC time (Hinnant's days_from_civil),
   for years 1970..9999; -1 if a field is out of range. */
/*@ assigns \nothing;
    ensures \result >= -1;
 */
static long long civil_seconds(int y, int m, int d, int hh, int mi, int ss)
{
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 ||
        hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 60)
        return -1;
    long long yy = y - (m <= 2 ? 1 : 0);
    long long era = yy / 400;
    long long yoe = yy - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = era * 146097 + doe - 719468;
    if (days < 0)
        return -1;
    return days * 86400 + hh * 3600 + mi * 60 + ss;
}

/* "YYYY-MM-DDTHH:MM:SS at buf[i] (the opening quote at i). */
/*@ requires len == 0 || \valid_read(buf + (0 .. len - 1));
    assigns \nothing;
    ensures \result >= -1;
 */
static long long parse_at(const char *buf, size_t len, size_t i)
{
    if (i >= len || len - i < 21 || buf[i] != '"')
        return -1;
    i++;
    if (buf[i + 4] != '-' || buf[i + 7] != '-' || buf[i + 10] != 'T' ||
        buf[i + 13] != ':' || buf[i + 16] != ':')
        return -1;
    int y = digits(buf, len, i, 4), mo = digits(buf, len, i + 5, 2);
    int d = digits(buf, len, i + 8, 2), h = digits(buf, len, i + 11, 2);
    int mi = digits(buf, len, i + 14, 2), s = digits(buf, len, i + 17, 2);
    return civil_seconds(y, mo, d, h, mi, s);
}

void keel_lock_parse_payload(const char *buf, size_t len, long *pid,
                             long long *at_s)
{
    long v = 0;
    int too_long = 0;
    size_t i = skip_colon(buf, len, find_key(buf, len, 'p', 'i', 'd'));
    size_t start = i;
    /* At most 9 digits: pids fit easily, and v cannot overflow. */
    /*@ loop invariant start <= i <= len;
        loop invariant 0 <= v < 1000000000;
        loop assigns i, v, too_long;
        loop variant len - i;
     */
    while (i < len && buf[i] >= '0' && buf[i] <= '9') {
        if (v >= 100000000) {
            too_long = 1;
            break;
        }
        v = v * 10 + (buf[i] - '0');
        i++;
    }
    /* Ten digits or more, or none: not a pid we can trust. */
    if (i == start || too_long)
        v = 0;
    *pid = v;
    *at_s = parse_at(buf, len, skip_colon(buf, len, find_key(buf, len, 'a', 't', 0)));
}

/* ---- reading a foreign interop file ------------------------------------- */

/* Read the interop file's payload (at most KEEL_LOCK_PAYLOAD_MAX bytes) and
   its mtime. 0, or a negative errno (-ENOENT: it is gone). */
/*@ requires \valid(buf + (0 .. KEEL_LOCK_PAYLOAD_MAX - 1));
    requires \valid(len) && \valid(mtime_s);
    assigns buf[0 .. KEEL_LOCK_PAYLOAD_MAX - 1], *len, *mtime_s;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures *len <= KEEL_LOCK_PAYLOAD_MAX;
 */
static int read_interop(int dirfd, char *buf, size_t *len, long long *mtime_s)
{
    *len = 0;
    *mtime_s = 0;
    int fd = keel_sys_openat(KEEL_STEP_LOCK_READ, dirfd, KEEL_LOCK_FILE,
                             O_RDONLY, 0);
    if (fd < 0)
        return fd;
    int r = keel_sys_fstat_mtime(KEEL_STEP_LOCK_READ, fd, mtime_s);
    size_t got = 0;
    int budget = KEEL_EINTR_BUDGET_LOCK;
    /*@ loop invariant 0 <= got <= KEEL_LOCK_PAYLOAD_MAX;
        loop invariant 0 <= budget <= KEEL_EINTR_BUDGET_LOCK;
        loop invariant r == 0 || -KEEL_ERRNO_MAX <= r < 0;
        loop assigns got, budget, r, buf[0 .. KEEL_LOCK_PAYLOAD_MAX - 1];
        loop variant (KEEL_LOCK_PAYLOAD_MAX - got) + budget;
     */
    while (r == 0 && got < KEEL_LOCK_PAYLOAD_MAX) {
        long n = keel_sys_read(KEEL_STEP_LOCK_READ, fd, buf + got,
                               KEEL_LOCK_PAYLOAD_MAX - got);
        if (n == 0)
            break;
        if (n == -EINTR && budget > 0) {
            budget--;
        } else if (n < 0) {
            r = (int)n;
            break;
        } else {
            got += (size_t)n;
        }
    }
    /* A read-only descriptor: close cannot lose data. */
    int c = keel_sys_close(KEEL_STEP_LOCK_READ, fd);
    (void)c;
    *len = got;
    return r;
}

/* Is the interop file stale? 1 stale, 0 live (holder set), or a negative
   errno from reading it. Stale: its pid is dead or our own (left by a
   previous process with our pid), or it is older than KEEL_LOCK_STALE_MS
   by its "at" time (by its mtime if "at" is unreadable). */
/*@ requires \valid(holder);
    assigns *holder;
    ensures \result == 0 || \result == 1 || -KEEL_ERRNO_MAX <= \result < 0;
 */
static int interop_stale(int dirfd, long self, long *holder)
{
    char buf[KEEL_LOCK_PAYLOAD_MAX];
    size_t len;
    long long mtime_s, at_s;
    long pid;
    int r = read_interop(dirfd, buf, &len, &mtime_s);
    if (r < 0)
        return r;
    keel_lock_parse_payload(buf, len, &pid, &at_s);
    *holder = pid;
    if (pid == 0 || pid == self || !keel_sys_pid_alive(pid))
        return 1;
    long long born = at_s >= 0 ? at_s : mtime_s;
    long long now = keel_sys_wall_s();
    if (born >= 0 && born < now && now - born > KEEL_LOCK_STALE_MS / 1000)
        return 1;
    return 0;
}

/* ---- acquiring ---------------------------------------------------------- */

/* Write our payload into the freshly created interop file and close it.
   0 or a negative errno. */
/*@ requires lk_guard_held == 1 && lk_interop_ours == 1;
    assigns \nothing;
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
 */
static int write_payload(int fd, long pid)
{
    char buf[96];
    size_t len = keel_sys_lock_payload(buf, sizeof buf, pid);
    size_t off = 0;
    int r = len > 0 ? 0 : -EINVAL;
    int budget = KEEL_EINTR_BUDGET_LOCK;
    /*@ loop invariant 0 <= off <= len;
        loop invariant 0 <= budget <= KEEL_EINTR_BUDGET_LOCK;
        loop invariant r == 0 || -KEEL_ERRNO_MAX <= r < 0;
        loop assigns off, budget, r;
        loop variant (len - off) + budget;
     */
    while (r == 0 && off < len) {
        long w = keel_sys_write(KEEL_STEP_LOCK_WRITE, fd, buf + off, len - off);
        if (w > 0)
            off += (size_t)w;
        else if (w == -EINTR && budget > 0)
            budget--;
        else {
            r = w < 0 ? (int)w : -ENOSPC;
            break;
        }
    }
    /* The payload only names the holder; it needs no fsync (a lock does
       not outlive a crash: the guard dies with its holder). */
    int c = keel_sys_close(KEEL_STEP_LOCK_WRITE, fd);
    return r < 0 ? r : c;
}

/* Holding the guard: create the interop file, reaping a stale one first.
   ACQUIRED (guard and file held), BUSY (a live holder: guard dropped) or
   FAILED (err set; guard dropped). */
/*@ requires \valid(holder) && \valid(err) && \separated(holder, err);
    requires lk_guard_held == 1 && lk_interop_ours == 0;
    assigns *holder, *err, lk_guard_held, lk_interop_ours;
    ensures \result == ACQUIRED || \result == BUSY || \result == FAILED;
    ensures \result == FAILED ==> err->status == KEEL_E_SYS;
    ensures \result == ACQUIRED ==> lk_guard_held == 1 && lk_interop_ours == 1;
    ensures \result != ACQUIRED ==> lk_guard_held == 0 && lk_interop_ours == 0;
 */
static int take_interop(int dirfd, int guard, long self, long *holder,
                        struct keel_err *err)
{
    int u;
    /*@ loop invariant 0 <= tries <= 3;
        loop invariant lk_guard_held == 1 && lk_interop_ours == 0;
        loop assigns tries, *holder, *err, lk_interop_ours;
        loop variant 3 - tries;
     */
    for (int tries = 0; tries < 3; tries++) {
        int fd = keel_sys_lock_create(dirfd);
        if (fd >= 0) {
            int w = write_payload(fd, self);
            if (w == 0)
                return ACQUIRED;
            int d = keel_sys_lock_drop(dirfd);
            (void)d;
            u = keel_sys_lock_unlock(guard);
            (void)u;
            keel_err_set(err, KEEL_E_SYS, KEEL_STEP_LOCK_WRITE, -w,
                         KEEL_LOCK_FILE);
            return FAILED;
        }
        if (fd != -EEXIST) {
            u = keel_sys_lock_unlock(guard);
            (void)u;
            keel_err_set(err, KEEL_E_SYS, KEEL_STEP_LOCK_CREATE, -fd,
                         KEEL_LOCK_FILE);
            return FAILED;
        }
        int s = interop_stale(dirfd, self, holder);
        if (s == 0) {
            /* A live holder (the Node tool): wait without the guard. */
            u = keel_sys_lock_unlock(guard);
            (void)u;
            return BUSY;
        }
        if (s < 0 && s != -ENOENT) {
            u = keel_sys_lock_unlock(guard);
            (void)u;
            keel_err_set(err, KEEL_E_SYS, KEEL_STEP_LOCK_READ, -s,
                         KEEL_LOCK_FILE);
            return FAILED;
        }
        if (s == 1) {
            /* Reaped only under the guard: no other Keel process can be
               judging the same file stale at this moment (G6). */
            int r = keel_sys_lock_reap(dirfd);
            if (r < 0 && r != -ENOENT) {
                u = keel_sys_lock_unlock(guard);
                (void)u;
                keel_err_set(err, KEEL_E_SYS, KEEL_STEP_LOCK_REAP, -r,
                             KEEL_LOCK_FILE);
                return FAILED;
            }
        }
    }
    /* Someone keeps recreating it: treat as busy. */
    u = keel_sys_lock_unlock(guard);
    (void)u;
    return BUSY;
}

/* One attempt: open the directory, try the guard, then the interop file. */
/*@ requires \valid(lk) && \valid(holder) && \valid(err);
    requires \separated(lk, holder, err);
    requires lk_guard_held == 0 && lk_interop_ours == 0;
    assigns lk->guard_fd, *holder, *err, lk_guard_held, lk_interop_ours;
    ensures \result == ACQUIRED || \result == BUSY || \result == FAILED;
    ensures \result == FAILED ==> err->status == KEEL_E_SYS;
    ensures \result == ACQUIRED ==> lk_guard_held == 1 &&
            lk_interop_ours == 1 && lk->guard_fd >= 0;
    ensures \result != ACQUIRED ==> lk_guard_held == 0 &&
            lk_interop_ours == 0 && lk->guard_fd == -1;
 */
static int try_once(struct keel_lock *lk, int dirfd, long self, long *holder,
                    struct keel_err *err)
{
    lk->guard_fd = -1;
    int fd = keel_sys_openat(KEEL_STEP_LOCK_OPEN, dirfd, ".",
                             O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) {
        keel_err_set(err, KEEL_E_SYS, KEEL_STEP_LOCK_OPEN, -fd, ".");
        return FAILED;
    }
    int r = keel_sys_lock_flock(fd);
    if (r < 0) {
        int c = keel_sys_close(KEEL_STEP_LOCK_OPEN, fd);
        (void)c;
        if (r == -EWOULDBLOCK) {
            /* Another Keel process holds the guard; its pid is in the
               interop file, for the timeout message. */
            int s = interop_stale(dirfd, self, holder);
            (void)s;
            return BUSY;
        }
        keel_err_set(err, KEEL_E_SYS, KEEL_STEP_LOCK_FLOCK, -r, ".");
        return FAILED;
    }
    int t = take_interop(dirfd, fd, self, holder, err);
    if (t == ACQUIRED)
        lk->guard_fd = fd;
    return t;
}

keel_status keel_lock_acquire(struct keel_lock *lk, int dirfd, int wait_ms,
                              struct keel_err *err)
{
    long self = keel_sys_getpid();
    long holder = 0;
    int delay = 5;
    long long start = keel_sys_now_ms();
    /* Every unsuccessful attempt but the last sleeps at least 5 ms, so
       this many attempts cover wait_ms; it also bounds the loop. */
    int attempts = wait_ms / 5 + 2;

    lk->guard_fd = -1;
    lk->dirfd = dirfd;
    lk->pid = self;
    /*@ loop invariant 0 <= attempts <= wait_ms / 5 + 2;
        loop invariant 5 <= delay <= 100;
        loop invariant lk_guard_held == 0 && lk_interop_ours == 0;
        loop invariant lk->guard_fd == -1;
        loop assigns attempts, delay, holder, lk->guard_fd, *err,
                     lk_guard_held, lk_interop_ours;
        loop variant attempts;
     */
    while (attempts > 0) {
        attempts--;
        int r = try_once(lk, dirfd, self, &holder, err);
        if (r == ACQUIRED)
            return KEEL_OK;
        if (r == FAILED)
            return err->status;
        long long waited = keel_sys_now_ms() - start;
        if (waited < 0 || waited >= wait_ms)
            break;
        long long left = wait_ms - waited;
        keel_sys_sleep_ms(left < delay ? (int)left : delay);
        delay = delay < 50 ? delay * 2 : 100;
    }
    keel_err_set(err, KEEL_E_LOCKED, KEEL_STEP_LOCK_CREATE, EWOULDBLOCK,
                 KEEL_LOCK_FILE);
    err->holder_pid = holder;
    return KEEL_E_LOCKED;
}

/* ---- releasing ---------------------------------------------------------- */

keel_status keel_lock_release(struct keel_lock *lk, struct keel_err *err)
{
    keel_status st = KEEL_OK;
    if (lk->guard_fd < 0) {
        lk->guard_fd = -1;
        return KEEL_OK;
    }
    /* Remove the interop file only if it still names us: the Node tool may
       have judged ours stale and put its own in place. */
    char buf[KEEL_LOCK_PAYLOAD_MAX];
    size_t len;
    long long mtime_s, at_s;
    long pid = 0;
    int r = read_interop(lk->dirfd, buf, &len, &mtime_s);
    if (r == 0)
        keel_lock_parse_payload(buf, len, &pid, &at_s);
    if (r == 0 && pid == lk->pid) {
        int d = keel_sys_lock_drop(lk->dirfd);
        if (d < 0 && d != -ENOENT)
            st = keel_err_set(err, KEEL_E_SYS, KEEL_STEP_LOCK_RELEASE, -d,
                              KEEL_LOCK_FILE);
    } else {
        /* The file is gone or someone else's: it is not ours any more. */
        //@ ghost lk_interop_ours = 0;
    }
    int u = keel_sys_lock_unlock(lk->guard_fd);
    if (u < 0 && st == KEEL_OK)
        st = keel_err_set(err, KEEL_E_SYS, KEEL_STEP_LOCK_UNLOCK, -u, ".");
    lk->guard_fd = -1;
    return st;
}
