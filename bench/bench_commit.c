/*
 * bench_commit.c - the kernel measured against the physical floor.
 *
 *   bench_commit commit DIR REPS      full transaction vs floor (A B A B)
 *   bench_commit codec FILE REPS      decode / encode vs raw cJSON parse
 *   bench_commit contend DIR P M ROUNDS
 *                                     P processes x M commits, vs floor
 *   bench_commit once DIR             one commit (for peak RSS)
 *
 * DIR is an accounts directory holding registry.json. Each mode prints
 * one machine-readable line (space-separated, times in seconds) that
 * bench/run.sh turns into the table; see the printf at the end of each.
 *
 * The transaction is exactly what the CLI pays: keel_txn_begin (lock,
 * sweep, read, strict decode), one field of one account changed,
 * keel_txn_commit (encode, backup link, atomic replace with both fsyncs,
 * unlock). The floor writes the same bytes (the registry as it stands)
 * with open/write/fsync/close/rename/fsync(dir) in the same directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../kernel/codec.h"
#include "../kernel/readfile.h"
#include "../kernel/txn.h"
#include "floor_seq.h"
#include "stats.h"

#define FLOOR_TEMP ".bench-floor.tmp"
#define FLOOR_FILE "bench-floor.json"
/* Contending writers wait as long as it takes (the default is 5 s). */
#define CONTEND_WAIT_MS 600000

static int open_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        bench_die("open directory", path);
    return fd;
}

static long parse_long(const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || v < lo || v > hi)
        bench_die("bad number", s);
    return v;
}

static void check(keel_status st, const struct keel_err *err, const char *what)
{
    if (st != KEEL_OK) {
        fprintf(stderr, "bench: %s: %s (step %s, errno %d)\n", what,
                keel_strerror(st), keel_step_name(err->step), err->sys_errno);
        exit(1);
    }
}

static void read_registry(int dirfd, char **buf, size_t *len)
{
    struct keel_err err;
    keel_err_clear(&err);
    check(keel_read_file(dirfd, KEEL_REGISTRY_FILE, KEEL_REGISTRY_SIZE_MAX,
                         buf, len, &err),
          &err, "read registry.json");
}

/* One full transaction: set account #idx's email to a value unique to
   `tag`, so every commit really writes. */
static void one_commit(int dirfd, size_t idx, const char *tag, int wait_ms)
{
    struct keel_txn t;
    struct keel_err err;
    char name[KEEL_NAME_MAX + 1], value[96];
    keel_err_clear(&err);
    check(keel_txn_begin(&t, dirfd, wait_ms, &err), &err, "txn begin");
    size_t n = keel_registry_count(t.reg);
    const char *pick = n > 0 ? keel_registry_name_at(t.reg, idx % n) : NULL;
    if (pick != NULL)
        snprintf(name, sizeof name, "%s", pick);
    else
        bench_die("registry has no accounts", NULL);
    snprintf(value, sizeof value, "%s@bench.example", tag);
    keel_status st = keel_registry_set_string(t.reg, name, KEEL_F_EMAIL,
                                              value, &err);
    if (st != KEEL_OK) {
        keel_txn_abort(&t);
        check(st, &err, "edit");
    }
    check(keel_txn_commit(&t, &err), &err, "txn commit");
}

static void floor_once(int dirfd, const char *buf, size_t len)
{
    int r = bench_floor_write(dirfd, FLOOR_TEMP, FLOOR_FILE, buf, len);
    if (r != 0)
        bench_die("floor write", strerror(-r));
}

static void print_summary(struct bench_summary s)
{
    printf(" %.9g %.9g %.9g", s.median, s.min, s.max);
}

/* CPU time of this process (user + system), seconds. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* commit DIR REPS: prints
   commit ACCOUNTS BYTES REPS  A(med min max)  B(med min max)  A/B(...)
          A CPU (median)  B CPU (median)
   The CPU times say how much of A's wall time is computation, which the
   load on a shared machine inflates far more than B's fsync waits. */
static int mode_commit(const char *dir, long reps)
{
    int dirfd = open_dir(dir);
    double *a = calloc((size_t)reps, sizeof *a);
    double *b = calloc((size_t)reps, sizeof *b);
    double *ca = calloc((size_t)reps, sizeof *ca);
    double *cb = calloc((size_t)reps, sizeof *cb);
    char *buf, tag[64];
    size_t len, accounts;
    if (a == NULL || b == NULL || ca == NULL || cb == NULL)
        bench_die("out of memory", NULL);
    {
        struct keel_registry *r;
        struct keel_err err;
        int existed;
        keel_err_clear(&err);
        check(keel_registry_load(dirfd, &r, &existed, NULL, &err), &err,
              "load");
        accounts = keel_registry_count(r);
        keel_registry_free(r);
    }
    for (long i = -2; i < reps; i++) { /* two warm-up pairs */
        read_registry(dirfd, &buf, &len); /* the bytes the floor writes */
        snprintf(tag, sizeof tag, "c%ld", i + 2);
        size_t idx = (size_t)(i + 2) * 7919u;
        double ta = 0, tb = 0, ua = 0, ub = 0;
        /* Alternate who goes first, so neither always follows the other. */
        for (int k = 0; k < 2; k++) {
            double u0 = cpu_now(), t0 = bench_now();
            if ((k == 0) == ((i & 1) == 0)) {
                one_commit(dirfd, idx, tag, KEEL_LOCK_WAIT_MS);
                ta = bench_now() - t0;
                ua = cpu_now() - u0;
            } else {
                floor_once(dirfd, buf, len);
                tb = bench_now() - t0;
                ub = cpu_now() - u0;
            }
        }
        free(buf);
        if (i >= 0) {
            a[i] = ta;
            b[i] = tb;
            ca[i] = ua;
            cb[i] = ub;
        }
    }
    read_registry(dirfd, &buf, &len);
    printf("commit %zu %zu %ld", accounts, len, reps);
    print_summary(bench_summarise(a, (size_t)reps));
    print_summary(bench_summarise(b, (size_t)reps));
    print_summary(bench_ratio(a, b, (size_t)reps));
    printf(" %.9g %.9g\n", bench_summarise(ca, (size_t)reps).median,
           bench_summarise(cb, (size_t)reps).median);
    free(buf);
    unlinkat(dirfd, FLOOR_FILE, 0);
    close(dirfd);
    free(a);
    free(b);
    free(ca);
    free(cb);
    return 0;
}

/* One pass of codec operation `op` (0 raw cJSON parse, 1 strict decode,
   2 encode), each including the free of what it built; returns CPU
   seconds. The codec does no I/O, so CPU time is its cost: on a loaded
   machine wall time adds run-queue waits of several time slices to a pass
   of a few milliseconds, which swamps the difference being measured. */
static double codec_pass(int op, const char *buf, size_t len,
                         const struct keel_registry *model)
{
    struct keel_err err;
    keel_err_clear(&err);
    double t0 = cpu_now();
    if (op == 0) {
        const char *end = NULL;
        cJSON *tree = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
        if (tree == NULL)
            bench_die("cJSON rejected the registry", NULL);
        cJSON_Delete(tree);
        return cpu_now() - t0;
    }
    if (op == 1) {
        struct keel_registry *r;
        check(keel_codec_decode(buf, len, &r, NULL, &err), &err, "decode");
        keel_registry_free(r);
        return cpu_now() - t0;
    }
    char *out;
    size_t n;
    check(keel_codec_encode(model, &out, &n, &err), &err, "encode");
    double t = cpu_now() - t0;
    /* checked outside the timed part */
    if (n != len || memcmp(out, buf, len) != 0)
        bench_die("encode does not reproduce the Node tool's bytes", NULL);
    free(out);
    return t;
}

/* codec FILE REPS: prints
   codec BYTES REPS  raw(med min max)  decode(...)  encode(...)
         raw/decode(...)  raw/encode(...)     (times per pass, each with
                                               its free; ratios are
                                               throughput vs raw parse)
   The three run in a rotating order, so none always inherits the heap
   state another left behind. */
static int mode_codec(const char *file, long reps)
{
    char *buf;
    size_t len;
    struct keel_err err;
    keel_err_clear(&err);
    check(keel_read_file(AT_FDCWD, file, KEEL_REGISTRY_SIZE_MAX, &buf, &len,
                         &err),
          &err, "read");
    /* Keep freed heap mapped between passes: by default glibc returns the
       top of the heap (and large blocks) to the kernel after each free, so
       every pass would re-fault its memory, and which pass pays for that
       depends on the order, not on the code being measured. */
    if (mallopt(M_TRIM_THRESHOLD, 1 << 30) != 1 ||
        mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1)
        bench_die("mallopt", NULL);
    double *t[3];
    for (int op = 0; op < 3; op++) {
        t[op] = calloc((size_t)reps, sizeof *t[op]);
        if (t[op] == NULL)
            bench_die("out of memory", NULL);
    }
    struct keel_registry *model;
    check(keel_codec_decode(buf, len, &model, NULL, &err), &err, "decode");
    for (long i = -3; i < reps; i++) {
        for (int k = 0; k < 3; k++) {
            int op = (int)((i + 3 + k) % 3);
            double d = codec_pass(op, buf, len, model);
            if (i >= 0)
                t[op][i] = d;
        }
    }
    printf("codec %zu %ld", len, reps);
    print_summary(bench_summarise(t[0], (size_t)reps));
    print_summary(bench_summarise(t[1], (size_t)reps));
    print_summary(bench_summarise(t[2], (size_t)reps));
    print_summary(bench_ratio(t[0], t[1], (size_t)reps));
    print_summary(bench_ratio(t[0], t[2], (size_t)reps));
    printf("\n");
    keel_registry_free(model);
    free(buf);
    for (int op = 0; op < 3; op++)
        free(t[op]);
    return 0;
}

/* P children, each committing M changes to its own M accounts. Returns
   the wall time from the start signal until the last child exits. */
static double contend_run(int dirfd, long p, long m, long round)
{
    int go[2];
    if (pipe(go) != 0)
        bench_die("pipe", strerror(errno));
    for (long k = 0; k < p; k++) {
        pid_t pid = fork();
        if (pid < 0)
            bench_die("fork", strerror(errno));
        if (pid == 0) {
            char c, tag[64];
            close(go[1]);
            if (read(go[0], &c, 1) < 0)
                _exit(1);
            for (long j = 0; j < m; j++) {
                snprintf(tag, sizeof tag, "r%ld-p%ld-%ld", round, k, j);
                one_commit(dirfd, (size_t)(k * m + j), tag, CONTEND_WAIT_MS);
            }
            _exit(0);
        }
    }
    close(go[0]);
    double t0 = bench_now();
    close(go[1]); /* every child reads EOF: go */
    int failed = 0, status;
    while (wait(&status) > 0)
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    double t = bench_now() - t0;
    if (failed)
        bench_die("a contending writer failed", NULL);
    return t;
}

/* Changes of this round missing from the registry now. */
static long count_lost(int dirfd, long p, long m, long round)
{
    struct keel_registry *r;
    struct keel_err err;
    int existed;
    long lost = 0;
    keel_err_clear(&err);
    check(keel_registry_load(dirfd, &r, &existed, NULL, &err), &err, "load");
    for (long k = 0; k < p; k++)
        for (long j = 0; j < m; j++) {
            char want[96];
            struct keel_account_view v;
            /* the last change each writer made to account k*m+j */
            snprintf(want, sizeof want, "r%ld-p%ld-%ld@bench.example", round,
                     k, j);
            const char *name = keel_registry_name_at(r, (size_t)(k * m + j));
            if (name == NULL || keel_registry_view(r, name, &v) != KEEL_OK ||
                v.field[KEEL_F_EMAIL] == NULL ||
                strcmp(v.field[KEEL_F_EMAIL], want) != 0)
                lost++;
        }
    keel_registry_free(r);
    return lost;
}

/* contend DIR P M ROUNDS: prints
   contend P M ROUNDS  commits/s(med min max)  floor writes/s(...)
           commit/floor throughput(...)  LOST */
static int mode_contend(const char *dir, long p, long m, long rounds)
{
    int dirfd = open_dir(dir);
    char *orig, *buf;
    size_t orig_len, len;
    double *a = calloc((size_t)rounds, sizeof *a);
    double *b = calloc((size_t)rounds, sizeof *b);
    double *ra = calloc((size_t)rounds, sizeof *ra);
    double *rb = calloc((size_t)rounds, sizeof *rb);
    long lost = 0;
    if (a == NULL || b == NULL || ra == NULL || rb == NULL)
        bench_die("out of memory", NULL);
    read_registry(dirfd, &orig, &orig_len);
    struct keel_registry *r;
    struct keel_err err;
    int existed;
    keel_err_clear(&err);
    check(keel_registry_load(dirfd, &r, &existed, NULL, &err), &err, "load");
    if (keel_registry_count(r) < (size_t)(p * m))
        bench_die("registry has fewer accounts than P*M", dir);
    keel_registry_free(r);
    for (long i = 0; i < rounds; i++) {
        /* Start every round from the same registry. */
        floor_once(dirfd, orig, orig_len);
        if (renameat(dirfd, FLOOR_FILE, dirfd, KEEL_REGISTRY_FILE) != 0)
            bench_die("reset registry", strerror(errno));
        a[i] = contend_run(dirfd, p, m, i);
        lost += count_lost(dirfd, p, m, i);
        read_registry(dirfd, &buf, &len);
        double t0 = bench_now();
        for (long j = 0; j < p * m; j++)
            floor_once(dirfd, buf, len);
        b[i] = bench_now() - t0;
        free(buf);
        ra[i] = (double)(p * m) / a[i];
        rb[i] = (double)(p * m) / b[i];
    }
    printf("contend %ld %ld %ld", p, m, rounds);
    print_summary(bench_summarise(ra, (size_t)rounds));
    print_summary(bench_summarise(rb, (size_t)rounds));
    print_summary(bench_ratio(ra, rb, (size_t)rounds));
    printf(" %ld\n", lost);
    /* leave the registry as it was */
    floor_once(dirfd, orig, orig_len);
    if (renameat(dirfd, FLOOR_FILE, dirfd, KEEL_REGISTRY_FILE) != 0)
        bench_die("reset registry", strerror(errno));
    free(orig);
    free(a);
    free(b);
    free(ra);
    free(rb);
    close(dirfd);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "commit") == 0 && argc == 4)
        return mode_commit(argv[2], parse_long(argv[3], 1, 1000000));
    if (strcmp(mode, "codec") == 0 && argc == 4)
        return mode_codec(argv[2], parse_long(argv[3], 1, 1000000));
    if (strcmp(mode, "contend") == 0 && argc == 6)
        return mode_contend(argv[2], parse_long(argv[3], 1, 64),
                            parse_long(argv[4], 1, 100000),
                            parse_long(argv[5], 1, 1000));
    if (strcmp(mode, "once") == 0 && argc == 3) {
        int dirfd = open_dir(argv[2]);
        one_commit(dirfd, (size_t)getpid(), "once", KEEL_LOCK_WAIT_MS);
        close(dirfd);
        return 0;
    }
    fputs("usage: bench_commit commit DIR REPS | codec FILE REPS |\n"
          "       contend DIR P M ROUNDS | once DIR\n",
          stderr);
    return 2;
}
