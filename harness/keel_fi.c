/*
 * keel_fi.c - the crash rig's fault-injection preload (LD_PRELOAD).
 *
 * Purpose
 *   libfiu's fiu-run can enable a failpoint for every hit or at random, but
 *   the rig needs "fail exactly the Nth hit of point P" (kill at every
 *   occurrence of a step), exact hit counts from a clean run, and a fixed
 *   wall clock so that two runs of one command write the same bytes (the
 *   registry's createdAt, the lock payload). This preload does the three,
 *   driven by environment variables, and prints nothing.
 *
 *   KEEL_FI="P:N:INFO[;P:N:INFO...]"
 *       at the Nth hit (1-based) of the concrete point P, make fiu_fail()
 *       fail with failinfo INFO (decimal: an errno, 65536 = KEEL_FI_SHORT,
 *       131072 = KEEL_FI_KILL; 262144 = stop: raise(SIGSTOP) at that hit
 *       and carry on after SIGCONT). N = 0 fails every hit. For points that the
 *       kernel checks itself (keel/...) the kernel acts on INFO; for libfiu
 *       POSIX points (posix/..., needs fiu_posix_preload.so loaded BEFORE
 *       this library) INFO = 131072 raises SIGKILL here, before the call.
 *   KEEL_FI_COUNT="FILE"  with  KEEL_FI_NAMES="P1;P2;..."
 *       count every hit of each named point, never fail, and write
 *       "P count" lines to FILE at exit.
 *       With KEEL_FI_TRACE="FILE" too, also write one line per hit:
 *       "P hit-number addr addr ...", the return addresses inside the
 *       executable (relative to its load address) of the hit's call stack,
 *       so that addr2line can tell which system call wrapper each hit of a
 *       point is (keel/lock/write covers write(2) and close(2)).
 *   KEEL_FI_NOW="SECONDS.MILLIS"
 *       clock_gettime(CLOCK_REALTIME) always returns this instant.
 *
 * Build (the control calls need -DFIU_ENABLE, DESIGN.md section 4):
 *   cc -shared -fPIC -DFIU_ENABLE -o keel_fi.so keel_fi.c -lfiu -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fiu-control.h>
#include <fiu.h>

#define MAX_POINTS 64
#define KILL_INFO 0x20000
#define STOP_INFO 0x40000 /* ours: raise(SIGSTOP) at the hit, then go on */

struct point {
    char name[96];
    unsigned long hits;
    unsigned long nth; /* 0: every hit */
    long info;
    int counting;      /* count only, never fail */
};

static struct point points[MAX_POINTS];
static int npoints;
static int counting_on;
static const char *count_file;
static const char *trace_file;
static char *trace_buf;
static size_t trace_len, trace_cap;
static uintptr_t exe_lo, exe_hi;

static int find_exe(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    /* The first object is the executable itself. */
    exe_lo = (uintptr_t)info->dlpi_addr;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && info->dlpi_addr + ph->p_vaddr + ph->p_memsz > exe_hi)
            exe_hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
    }
    return 1;
}

static void trace_hit(const struct point *p)
{
    void *frames[16];
    char line[512];
    int n = backtrace(frames, 16);
    int len = snprintf(line, sizeof line, "%s %lu", p->name, p->hits);
    for (int i = 0; i < n && len > 0 && (size_t)len < sizeof line - 24; i++) {
        uintptr_t a = (uintptr_t)frames[i];
        if (a >= exe_lo && a < exe_hi)
            len += snprintf(line + len, sizeof line - (size_t)len, " %lx",
                            (unsigned long)(a - exe_lo - 1));
    }
    if (len <= 0 || (size_t)len >= sizeof line - 1)
        return;
    line[len++] = '\n';
    if (trace_len + (size_t)len > trace_cap) {
        size_t cap = trace_cap ? trace_cap * 2 : 65536;
        while (cap < trace_len + (size_t)len)
            cap *= 2;
        char *b = realloc(trace_buf, cap);
        if (b == NULL)
            return;
        trace_buf = b;
        trace_cap = cap;
    }
    memcpy(trace_buf + trace_len, line, (size_t)len);
    trace_len += (size_t)len;
}

static struct point *find(const char *name)
{
    for (int i = 0; i < npoints; i++)
        if (strcmp(points[i].name, name) == 0)
            return &points[i];
    return NULL;
}

static int on_hit(const char *name, int *failnum, void **failinfo,
                  unsigned int *flags)
{
    (void)flags;
    struct point *p = find(name);
    if (p == NULL)
        return 0;
    p->hits++;
    if (p->counting) {
        if (trace_file != NULL)
            trace_hit(p);
        return 0;
    }
    if (p->nth != 0 && p->hits != p->nth)
        return 0;
    /* Pause here (holding whatever is held) until SIGCONT; then go on. */
    if (p->info == STOP_INFO) {
        raise(SIGSTOP);
        return 0;
    }
    /* POSIX points: libfiu would only fail the call; a kill is ours. */
    if (p->info == KILL_INFO && strncmp(name, "keel/", 5) != 0)
        raise(SIGKILL);
    *failnum = 1;
    *failinfo = (void *)(intptr_t)p->info;
    return 1;
}

static struct point *add(const char *name)
{
    if (npoints >= MAX_POINTS || strlen(name) >= sizeof points[0].name)
        return NULL;
    struct point *p = &points[npoints++];
    memset(p, 0, sizeof *p);
    strcpy(p->name, name);
    return p;
}

static void enable(struct point *p)
{
    if (fiu_enable_external(p->name, 1, NULL, 0, on_hit) != 0)
        p->name[0] = '\0';
}

/* "P:N:INFO;..." */
static void parse_fail(char *spec)
{
    for (char *tok = strtok(spec, ";"); tok != NULL; tok = strtok(NULL, ";")) {
        char *c1 = strchr(tok, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c1 = *c2 = '\0';
        struct point *p = add(tok);
        if (p == NULL)
            continue;
        p->nth = strtoul(c1 + 1, NULL, 10);
        p->info = strtol(c2 + 1, NULL, 10);
        enable(p);
    }
}

static void parse_count(char *names)
{
    for (char *tok = strtok(names, ";"); tok != NULL; tok = strtok(NULL, ";")) {
        struct point *p = add(tok);
        if (p == NULL)
            continue;
        p->counting = 1;
        enable(p);
    }
    counting_on = 1;
}

__attribute__((constructor)) static void keel_fi_init(void)
{
    char *s;
    fiu_init(0);
    if ((s = getenv("KEEL_FI")) != NULL && *s) {
        char *copy = strdup(s);
        if (copy)
            parse_fail(copy);
    }
    count_file = getenv("KEEL_FI_COUNT");
    trace_file = getenv("KEEL_FI_TRACE");
    if (trace_file != NULL && *trace_file) {
        dl_iterate_phdr(find_exe, NULL);
        void *warm[2];
        backtrace(warm, 2); /* loads libgcc now, not inside a hit */
    } else {
        trace_file = NULL;
    }
    if (count_file && *count_file && (s = getenv("KEEL_FI_NAMES")) != NULL) {
        char *copy = strdup(s);
        if (copy)
            parse_count(copy);
    }
}

__attribute__((destructor)) static void keel_fi_fini(void)
{
    char buf[8192];
    size_t off = 0;
    if (!counting_on)
        return;
    counting_on = 0;
    for (int i = 0; i < npoints; i++) {
        struct point *p = &points[i];
        if (!p->counting)
            continue;
        p->counting = 0;
        int n = snprintf(buf + off, sizeof buf - off, "%s %lu\n", p->name,
                         p->hits);
        if (n < 0 || (size_t)n >= sizeof buf - off)
            break;
        off += (size_t)n;
    }
    /* Disable our points first: the posix preload wraps open/write too. */
    for (int i = 0; i < npoints; i++)
        if (points[i].name[0])
            fiu_disable(points[i].name);
    int fd = open(count_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    ssize_t w = write(fd, buf, off);
    close(fd);
    /* A missing count file fails the rig loudly; a short one could not. */
    if (w != (ssize_t)off)
        unlink(count_file);
    if (trace_file == NULL || trace_len == 0)
        return;
    fd = open(trace_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (write(fd, trace_buf, trace_len) != (ssize_t)trace_len)
        trace_len = 0;
    close(fd);
}

/* ---- a fixed wall clock ------------------------------------------------ */

/* Two runs of one command must write the same bytes (createdAt, the lock
   payload's "at"), so the real-time clock stands still. The lock's wait
   loop uses the monotonic clock, which is left alone. */
typedef int clock_fn(clockid_t, struct timespec *);

int clock_gettime(clockid_t id, struct timespec *ts)
{
    static clock_fn *real;
    static int fake = -1;
    static struct timespec at;
    if (real == NULL)
        real = (clock_fn *)dlsym(RTLD_NEXT, "clock_gettime");
    if (fake < 0) {
        const char *s = getenv("KEEL_FI_NOW");
        fake = 0;
        if (s != NULL && *s) {
            double v = strtod(s, NULL);
            at.tv_sec = (time_t)v;
            at.tv_nsec = (long)((v - (double)at.tv_sec) * 1e9);
            fake = 1;
        }
    }
    if (!fake || (id != CLOCK_REALTIME && id != CLOCK_REALTIME_COARSE))
        return real(id, ts);
    *ts = at;
    return 0;
}
