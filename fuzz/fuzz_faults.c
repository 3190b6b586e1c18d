/*
 * fuzz_faults.c - the write path under injected system-call failures.
 *
 * The kernel is built with -DFIU_ENABLE for this target only: every wrapper
 * in kernel/sys.c is a libfiu failpoint named keel_step_name(step). The
 * input picks one failpoint, what it injects (an errno, or KEEL_FI_SHORT for
 * a short write; never KEEL_FI_KILL), at which of its hits it starts to fail
 * and for how many hits, an operation, what is planted in the directory
 * beside registry.json, and the registry bytes. fiu_init(0) runs once; per
 * input the point is armed with fiu_enable_external, whose callback counts
 * the point's hits (FIU_ONETIME could only fail the first one), and
 * disarmed with fiu_disable after the operation.
 *
 * Implausible errnos (ENOENT, EEXIST, EAGAIN where the call could not
 * return them) make the kernel act on a lie ("absent", "taken"); for them
 * only the safety invariants are checked, not "every account kept" or
 * "the failure names the injected step".
 *
 * Input: 5 header bytes, then registry.json [NUL registry.json.bak]
 *   h[0]  step = h[0] % KEEL_STEP_COUNT (KEEL_STEP_NONE: no fault)
 *   h[1]  injected value: errs[h[1] % 16] (the last one is KEEL_FI_SHORT)
 *   h[2]  low nibble: the first failing hit (0 = the first call);
 *         high nibble: failing hits - 1 (15: every hit from then on)
 *   h[3]  bits 0-2 operation (OP_*); bits 3-4 planted dead writers' temps
 *         (0..3); bit 5 another open file description holds the directory
 *         flock; bits 6-7 what registry.json is: a regular file holding the
 *         bytes, absent, a symlink to a file holding them, a directory
 *   h[4]  bits 0-6: the interop file registry.json.lock: 0 none, else bits
 *         0-2 its pid (ours, dead, init, our parent, none, garbage, 10
 *         digits, zero), bits 3-4 its "at" (now, 2020, 2999, missing), bit 5
 *         compact vs. spaced JSON, bit 6 trailing junk; bit 7: lock wait of
 *         10 ms instead of 0
 *
 * Every status, step and defect (and one past each table) renders through
 * keel_strerror / keel_step_name / keel_step_phrase / keel_defect_name:
 * never NULL, never empty (the phrase of KEEL_STEP_NONE is ""), and every
 * step's failpoint name starts "keel/".
 *
 * Invariants (txn.h, lock.h, sweep.h, G1, G5, G6, G7):
 *   - a failed operation returns a status whose record renders; KEEL_E_SYS
 *     carries a step and an errno in 1..4095, and when the injected fault
 *     caused it, the injected step and errno (or ENOSPC / EIO for a short
 *     write);
 *   - a registry.json that is a symlink or a directory is never read nor
 *     replaced, whatever fails: every operation but the bare lock fails
 *     (KEEL_E_SYMLINK / KEEL_E_INVALID without a fault), and the link, its
 *     target's bytes, the directory stay as they were;
 *   - a failed operation leaves registry.json byte-identical (or absent),
 *     unless the status says the file was replaced (KEEL_E_NOT_DURABLE) or
 *     only the lock release failed after the commit (then it is the old or
 *     the new encoding, nothing else);
 *   - a successful commit leaves exactly the encoding of the committed model,
 *     which decodes and, for a plausible fault, keeps every account, with
 *     the previous bytes as registry.json.bak;
 *   - without a fault that fired and without a live holder, every operation
 *     on a decodable registry succeeds; on an undecodable one, a
 *     transaction fails KEEL_E_CORRUPT;
 *   - no fault leaves the registry locked: afterwards (planted holders
 *     removed, faults off) the lock is acquired and released, and leaves no
 *     interop file; a clean transaction then sweeps every temp.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fiu-control.h>
#include <fiu.h>

#include "fuzz_registry.h"
#include "fuzz_scratch.h"

#include "../kernel/lock.h"
#include "../kernel/readfile.h"
#include "../kernel/sweep.h"
#include "../kernel/txn.h"

enum {
    OP_COMMIT,     /* begin, add an account, commit */
    OP_NOCHANGE,   /* begin, commit nothing */
    OP_ABORT,      /* begin, abort */
    OP_CHANGES,    /* keel_commit_changes */
    OP_RECOVER,    /* keel_recover */
    OP_LOCK,       /* acquire, release */
    OP_SWEEP,      /* acquire, sweep, release */
    OP_LOAD        /* keel_registry_load, no lock */
};

#define HDR 5

enum { KIND_REGULAR, KIND_ABSENT, KIND_SYMLINK, KIND_DIR };
#define LINK_TARGET "elsewhere.json"

static const int errs[16] = {EIO,    ENOSPC, EDQUOT, EINTR,  EACCES, EPERM,
                             EROFS,  ENOMEM, EMFILE, EBUSY,  EAGAIN, ENOENT,
                             EEXIST, EINVAL, 4095,   KEEL_FI_SHORT};

/* The failpoint's schedule: hits counted by the external callback. */
static int fp_first, fp_count, fp_hits, fp_fired;

static int fp_cb(const char *name, int *failnum, void **failinfo,
                 unsigned int *flags)
{
    (void)name;
    (void)failnum;
    (void)failinfo;
    (void)flags;
    int hit = fp_hits++;
    if (hit < fp_first || (fp_count > 0 && hit >= fp_first + fp_count))
        return 0;
    fp_fired++;
    return 1;
}

/* Every status, step and defect renders: never NULL, never empty (also
   one past each table and a negative value, for the default branches). */
static void render_tables(void)
{
    for (int s = -1; s <= KEEL_STATUS_COUNT; s++) {
        const char *m = keel_strerror((keel_status)s);
        FUZZ_CHECK(m != NULL && m[0] != 0, "keel_strerror");
    }
    for (int s = -1; s <= KEEL_STEP_COUNT; s++) {
        const char *n = keel_step_name((keel_step)s);
        const char *p = keel_step_phrase((keel_step)s);
        FUZZ_CHECK(n != NULL && n[0] != 0, "keel_step_name");
        FUZZ_CHECK(p != NULL && (p[0] != 0 || s == KEEL_STEP_NONE),
                   "keel_step_phrase");
        if (s > KEEL_STEP_NONE && s < KEEL_STEP_COUNT)
            FUZZ_CHECK(strncmp(n, "keel/", 5) == 0,
                       "a step's failpoint name is not keel/...");
    }
    for (int d = -1; d <= KEEL_DEFECT_LIMIT + 1; d++) {
        const char *n = keel_defect_name((keel_defect)d);
        FUZZ_CHECK(n != NULL && n[0] != 0, "keel_defect_name");
    }
    struct keel_err e;
    keel_err_clear(&e);
    FUZZ_CHECK(e.status == KEEL_OK && e.step == KEEL_STEP_NONE &&
                   e.offset == -1,
               "keel_err_clear");
}

static void setup(void)
{
    scratch_open("fi");
    FUZZ_CHECK(fiu_init(0) == 0, "fiu_init");
    render_tables();
}

static size_t temps(void)
{
    DIR *d = fdopendir(dup(scratch_fd));
    const struct dirent *e;
    size_t n = 0;
    FUZZ_CHECK(d != NULL, "fdopendir");
    rewinddir(d);
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, KEEL_TEMP_PREFIX, strlen(KEEL_TEMP_PREFIX)) ==
            0)
            n++;
    closedir(d);
    return n;
}

static int same_file(const char *name, const char *want, size_t want_len,
                     int want_exists)
{
    size_t len = 0;
    char *now = scratch_slurp(name, &len, 1);
    int same = want_exists ? now != NULL &&
                                 fuzz_bytes_equal(now, len, want, want_len)
                           : now == NULL;
    free(now);
    return same;
}

static void render(const struct keel_err *err)
{
    FUZZ_CHECK(keel_strerror(err->status) != NULL &&
                   keel_step_name(err->step) != NULL &&
                   keel_step_phrase(err->step) != NULL &&
                   keel_defect_name(err->defect) != NULL,
               "an error record does not render");
}

/* Plant the interop lock file; returns 1 if it names a live, fresh holder
   (someone else's pid). */
static int plant_interop(unsigned h)
{
    char buf[200];
    char pid[32];
    const char *at;
    int alive = 0;
    switch (h & 7) {
    case 0: snprintf(pid, sizeof pid, "%ld", (long)getpid()); break;
    case 1: snprintf(pid, sizeof pid, "%d", 999999999); break;
    case 2: snprintf(pid, sizeof pid, "1"); alive = 1; break;
    case 3:
        snprintf(pid, sizeof pid, "%ld", (long)getppid());
        alive = getppid() > 1;
        break;
    case 4: pid[0] = 0; break;
    case 5: snprintf(pid, sizeof pid, "\"12x\""); break;
    case 6: snprintf(pid, sizeof pid, "1234567890"); break;
    default: snprintf(pid, sizeof pid, "0"); break;
    }
    char now[40];
    time_t t = time(NULL);
    struct tm tm;
    FUZZ_CHECK(gmtime_r(&t, &tm) != NULL, "gmtime_r");
    strftime(now, sizeof now, "\"%Y-%m-%dT%H:%M:%S.000Z\"", &tm);
    switch ((h >> 3) & 3) {
    case 0: at = now; break;
    case 1: at = "\"2020-01-01T00:00:00.000Z\""; alive = 0; break;
    case 2: at = "\"2999-12-31T23:59:59.999Z\""; break;
    default: at = NULL; break; /* mtime: now */
    }
    const char *sep = (h >> 5) & 1 ? " : " : ":";
    int n;
    if (pid[0] != 0 && at != NULL)
        n = snprintf(buf, sizeof buf, "{\"pid\"%s%s,\"at\"%s%s}", sep, pid,
                     sep, at);
    else if (pid[0] != 0)
        n = snprintf(buf, sizeof buf, "{\"pid\"%s%s}", sep, pid);
    else
        n = snprintf(buf, sizeof buf, "{\"at\"%s%s}", sep, at ? at : "1");
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof buf, "payload fits");
    if (((h >> 6) & 1) && (size_t)n + 12 <= sizeof buf) {
        memcpy(buf + n, ",\"x\":[1]}\n\377", 12); /* and its NUL */
        n += 12;
    }
    scratch_put(KEEL_LOCK_FILE, buf, (size_t)n);
    /* pid 0 / garbage / ten digits / ours / dead: stale */
    if ((h & 7) != 2 && (h & 7) != 3)
        alive = 0;
    return alive;
}

static int decodes(const char *buf, size_t len, struct keel_registry **out)
{
    struct keel_registry *r = NULL;
    struct keel_err err;
    keel_err_clear(&err);
    keel_status st = keel_codec_decode(buf, len, &r, NULL, &err);
    if (out != NULL && st == KEEL_OK)
        *out = r;
    else
        keel_registry_free(r);
    return st == KEEL_OK;
}

/* A name no account of r has. */
static void fresh_name(const struct keel_registry *r, const char *stem,
                       char *name, size_t cap)
{
    size_t idx;
    for (unsigned i = 0;; i++) {
        snprintf(name, cap, "%s%u", stem, i);
        if (!keel_registry_find(r, name, &idx))
            return;
    }
}

/* Errnos a real call at that step could not return: the kernel may read
   them as "absent" / "taken" and act on the lie (still safely). */
static int implausible(int info)
{
    return info == ENOENT || info == EEXIST || info == EAGAIN;
}

struct outcome {
    keel_status st;
    struct keel_err err;
    char *want; /* the encoding a commit meant to write, or NULL */
    size_t want_len;
    int wrote;  /* the operation may replace registry.json */
};

static void run_op(int op, int wait, int info, struct outcome *o)
{
    struct keel_txn t;
    struct keel_lock lk;
    char name[16], aside[128];
    keel_err_clear(&o->err);
    o->want = NULL;
    o->wrote = 0;
    switch (op) {
    case OP_COMMIT:
    case OP_NOCHANGE:
    case OP_ABORT:
        o->st = keel_txn_begin(&t, scratch_fd, wait, &o->err);
        if (o->st != KEEL_OK)
            return;
        if (op == OP_ABORT) {
            keel_txn_abort(&t);
            return;
        }
        if (op == OP_COMMIT) {
            fresh_name(t.reg, "fz", name, sizeof name);
            FUZZ_CHECK(keel_registry_add(t.reg, name,
                                         "2026-05-01T10:00:00.000Z",
                                         &o->err) == KEEL_OK,
                       "adding a fresh valid name failed");
            o->wrote = 1;
        }
        FUZZ_CHECK(keel_codec_encode(t.reg, &o->want, &o->want_len,
                                     &o->err) == KEEL_OK,
                   "encode of the working copy failed");
        o->wrote = 1;
        /* a commit that changes nothing writes nothing (not even a new
           registry.json for an absent one) when the encoding is the bytes
           read; a non-canonical file is rewritten in canonical form */
        if (op == OP_NOCHANGE &&
            (!t.existed ||
             fuzz_bytes_equal(o->want, o->want_len, t.orig, t.orig_len))) {
            free(o->want);
            o->want = NULL;
            o->wrote = 0;
        }
        o->st = keel_txn_commit(&t, &o->err);
        return;
    case OP_CHANGES: {
        struct keel_registry *base = NULL, *mine;
        int existed = 0;
        struct keel_merge_report rep;
        o->st = keel_registry_load(scratch_fd, &base, &existed, NULL, &o->err);
        if (o->st != KEEL_OK)
            return;
        mine = keel_registry_clone(base);
        FUZZ_CHECK(mine != NULL, "clone failed");
        fresh_name(mine, "fy", name, sizeof name);
        FUZZ_CHECK(keel_registry_add(mine, name, NULL, &o->err) == KEEL_OK,
                   "adding a fresh name failed");
        FUZZ_CHECK(keel_codec_encode(mine, &o->want, &o->want_len,
                                     &o->err) == KEEL_OK,
                   "encode failed");
        o->wrote = 1;
        o->st = keel_commit_changes(scratch_fd, base, mine, wait, &rep, &o->err);
        keel_registry_free(base);
        keel_registry_free(mine);
        return;
    }
    case OP_RECOVER:
        o->wrote = 1;
        o->st = keel_recover(scratch_fd, wait, aside, sizeof aside, &o->err);
        FUZZ_CHECK(memchr(aside, 0, sizeof aside) != NULL,
                   "recover left the aside name unterminated");
        return;
    case OP_LOCK:
    case OP_SWEEP:
        o->st = keel_lock_acquire(&lk, scratch_fd, wait, &o->err);
        if (o->st != KEEL_OK) {
            FUZZ_CHECK(lk.guard_fd == -1, "a failed acquire holds the guard");
            return;
        }
        FUZZ_CHECK(lk.guard_fd >= 0, "an acquired lock has no guard");
        if (op == OP_SWEEP) {
            size_t removed = 0;
            o->st = keel_sweep_debris(&lk, scratch_fd, &removed, &o->err);
            /* (told ENOENT, the sweep takes a temp for gone) */
            if (o->st == KEEL_OK && !(fp_fired > 0 && implausible(info)))
                FUZZ_CHECK(temps() == 0, "a clean sweep left a temp");
        }
        {
            struct keel_err rel;
            keel_err_clear(&rel);
            keel_status r = keel_lock_release(&lk, &rel);
            FUZZ_CHECK(lk.guard_fd == -1, "release kept the guard");
            if (o->st == KEEL_OK && r != KEEL_OK) {
                o->st = r;
                o->err = rel;
            }
        }
        return;
    default: {
        struct keel_registry *r = NULL;
        int existed = 0;
        o->st = keel_registry_load(scratch_fd, &r, &existed, NULL, &o->err);
        FUZZ_CHECK((o->st == KEEL_OK) == (r != NULL),
                   "load's model and status disagree");
        keel_registry_free(r);
        return;
    }
    }
}

/* The lock is free again: remove what was planted (a foreign interop file,
   a foreign flock), then acquire and release with faults off. */
static void check_unlocked(int guard)
{
    if (guard >= 0)
        close(guard);
    size_t len = 0;
    char *p = scratch_slurp(KEEL_LOCK_FILE, &len, 1);
    if (p != NULL) {
        long pid;
        long long at;
        keel_lock_parse_payload(p, len, &pid, &at);
        if (pid != (long)getpid())
            FUZZ_CHECK(unlinkat(scratch_fd, KEEL_LOCK_FILE, 0) == 0,
                       "remove the planted interop file");
        free(p);
    }
    struct keel_lock lk;
    struct keel_err err;
    keel_err_clear(&err);
    FUZZ_CHECK(keel_lock_acquire(&lk, scratch_fd, 0, &err) == KEEL_OK,
               "an injected fault left the registry locked");
    keel_err_clear(&err);
    FUZZ_CHECK(keel_lock_release(&lk, &err) == KEEL_OK,
               "release failed without faults");
    FUZZ_CHECK(faccessat(scratch_fd, KEEL_LOCK_FILE, F_OK, AT_SYMLINK_NOFOLLOW) !=
                   0,
               "a clean release left the interop file");
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HDR || size - HDR > KEEL_REGISTRY_SIZE_MAX)
        return 0;
    if (scratch_fd < 0)
        setup();
    keel_step step = (keel_step)(data[0] % KEEL_STEP_COUNT);
    int info = errs[data[1] % 16];
    int op = data[3] & 7;
    unsigned ntemps = (data[3] >> 3) & 3;
    int guard_held = (data[3] >> 5) & 1;
    int kind = (data[3] >> 6) & 3; /* KIND_* */
    int absent = kind != KIND_REGULAR;
    int wait = (data[4] & 0x80) ? 10 : 0;
    const char *reg = (const char *)data + HDR;
    size_t rlen = size - HDR;
    const char *bak = memchr(reg, 0, rlen);
    size_t blen = 0;
    if (bak != NULL) {
        blen = rlen - (size_t)(bak - reg) - 1;
        rlen = (size_t)(bak - reg);
        bak++;
    }

    /* the directory */
    scratch_empty();
    if (kind == KIND_REGULAR)
        scratch_put(KEEL_REGISTRY_FILE, reg, rlen);
    else if (kind == KIND_SYMLINK) {
        scratch_put(LINK_TARGET, reg, rlen);
        FUZZ_CHECK(symlinkat(LINK_TARGET, scratch_fd, KEEL_REGISTRY_FILE) == 0,
                   "symlinkat");
    } else if (kind == KIND_DIR)
        FUZZ_CHECK(mkdirat(scratch_fd, KEEL_REGISTRY_FILE, 0700) == 0, "mkdirat");
    if (bak != NULL)
        scratch_put(KEEL_BACKUP_FILE, bak, blen);
    for (unsigned i = 0; i < ntemps; i++) {
        char tn[64];
        snprintf(tn, sizeof tn, "%sregistry.json.%u.%u", KEEL_TEMP_PREFIX,
                 4242u + i, i);
        scratch_put(tn, "{", 1);
    }
    int live = (data[4] & 0x7f) != 0 ? plant_interop(data[4]) : 0;
    int guard = -1;
    if (guard_held) {
        guard = open(scratch_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        FUZZ_CHECK(guard >= 0 && flock(guard, LOCK_EX | LOCK_NB) == 0,
                   "hold the directory flock");
        live = 1;
    }
    struct keel_registry *before = NULL;
    int valid = kind == KIND_ABSENT ||
                (kind == KIND_REGULAR && decodes(reg, rlen, &before));

    /* the fault */
    fp_first = data[2] & 15;
    fp_count = (data[2] >> 4) == 15 ? 0 : (data[2] >> 4) + 1;
    fp_hits = 0;
    fp_fired = 0;
    if (step != KEEL_STEP_NONE)
        FUZZ_CHECK(fiu_enable_external(keel_step_name(step), 1,
                                       (void *)(intptr_t)info, 0,
                                       fp_cb) == 0,
                   "fiu_enable_external");
    struct outcome o;
    run_op(op, wait, info, &o);
    if (step != KEEL_STEP_NONE)
        fiu_disable(keel_step_name(step));
    int fired = fp_fired > 0;

    /* the status and its record */
    if (o.st != KEEL_OK) {
        render(&o.err);
        FUZZ_CHECK(o.err.status == o.st, "the record's status differs");
    }
    if (o.st == KEEL_E_SYS || o.st == KEEL_E_NOT_DURABLE) {
        FUZZ_CHECK(o.err.step != KEEL_STEP_NONE,
                   "a failed system call without its step");
        FUZZ_CHECK(o.err.sys_errno >= 1 && o.err.sys_errno <= KEEL_ERRNO_MAX,
                   "a failed system call without its errno");
        FUZZ_CHECK(fired, "a system call failed with no fault injected");
        /* (an implausible errno may make a later call fail for real, e.g.
           ENOENT from unlinking the old backup, then EEXIST from linking) */
        FUZZ_CHECK(o.err.step == step || implausible(info),
                   "the failure names another step than the injected one");
        if (info != KEEL_FI_SHORT && !implausible(info))
            FUZZ_CHECK(o.err.sys_errno == info,
                       "the failure names another errno than the injected one");
    }
    if (!fired && !live && (kind == KIND_REGULAR || kind == KIND_ABSENT)) {
        if (op == OP_RECOVER)
            FUZZ_CHECK(o.st == KEEL_OK || o.st == KEEL_E_EXISTS ||
                           o.st == KEEL_E_NOT_FOUND,
                       "recover failed without a fault");
        else if (op == OP_LOCK || op == OP_SWEEP || valid)
            FUZZ_CHECK(o.st == KEEL_OK, "an operation failed without a fault");
        else
            FUZZ_CHECK(o.st == KEEL_E_CORRUPT,
                       "an undecodable registry was not refused CORRUPT");
    }
    /* (commit_changes and load read the registry before any lock) */
    if (live && !fired && op != OP_LOAD && (op != OP_CHANGES || valid))
        FUZZ_CHECK(o.st == KEEL_E_LOCKED, "a live holder was not waited for");

    /* a symlink or a directory as registry.json */
    if (kind == KIND_SYMLINK || kind == KIND_DIR) {
        /* (told ENOENT, a read finds no registry: a load or a no-op commit
           then reads nothing, writes nothing and may succeed) */
        if (op != OP_LOCK && op != OP_SWEEP && !(fired && implausible(info)))
            FUZZ_CHECK(o.st != KEEL_OK,
                       "an operation went through a non-regular registry");
        if (!fired && !live && op != OP_LOCK && op != OP_SWEEP)
            FUZZ_CHECK(o.st == (kind == KIND_SYMLINK ? KEEL_E_SYMLINK
                                                     : KEEL_E_INVALID),
                       "a non-regular registry was not refused as such");
        struct stat st;
        FUZZ_CHECK(fstatat(scratch_fd, KEEL_REGISTRY_FILE, &st,
                           AT_SYMLINK_NOFOLLOW) == 0 &&
                       (kind == KIND_SYMLINK ? S_ISLNK(st.st_mode)
                                             : S_ISDIR(st.st_mode)),
                   "a non-regular registry.json was replaced");
        if (kind == KIND_SYMLINK) {
            char lt[64];
            ssize_t n = readlinkat(scratch_fd, KEEL_REGISTRY_FILE, lt, sizeof lt);
            FUZZ_CHECK(n == (ssize_t)strlen(LINK_TARGET) &&
                           memcmp(lt, LINK_TARGET, (size_t)n) == 0,
                       "the registry symlink was changed");
            FUZZ_CHECK(same_file(LINK_TARGET, reg, rlen, 1),
                       "a write went through the registry symlink");
        }
        free(o.want);
        check_unlocked(guard);
        return 0;
    }

    /* registry.json */
    int release_only = o.st == KEEL_E_SYS &&
                       (o.err.step == KEEL_STEP_LOCK_RELEASE ||
                        o.err.step == KEEL_STEP_LOCK_UNLOCK);
    int old_state = same_file(KEEL_REGISTRY_FILE, reg, rlen, !absent);
    if (!o.wrote) {
        FUZZ_CHECK(old_state, "an operation that writes nothing changed "
                              "registry.json");
    } else if (op == OP_RECOVER) {
        if (o.st != KEEL_OK)
            FUZZ_CHECK(old_state ||
                           ((o.st == KEEL_E_NOT_DURABLE || release_only) &&
                            bak != NULL &&
                            same_file(KEEL_REGISTRY_FILE, bak, blen, 1)),
                       "a failed recover changed registry.json");
        else if (bak != NULL)
            FUZZ_CHECK(same_file(KEEL_REGISTRY_FILE, bak, blen, 1),
                       "recover did not restore the backup byte for byte");
    } else if (o.st == KEEL_OK || o.st == KEEL_E_NOT_DURABLE ||
               release_only) {
        size_t len = 0;
        char *now = scratch_slurp(KEEL_REGISTRY_FILE, &len, 1);
        if (o.st == KEEL_OK || o.st == KEEL_E_NOT_DURABLE)
            FUZZ_CHECK(now != NULL, "a commit left no registry.json");
        if (now != NULL && !(release_only && old_state)) {
            struct keel_registry *back = NULL;
            FUZZ_CHECK(decodes(now, len, &back),
                       "the committed registry does not decode (G3)");
            if (op != OP_CHANGES)
                FUZZ_CHECK(o.want != NULL &&
                               fuzz_bytes_equal(now, len, o.want, o.want_len),
                           "registry.json is not the committed encoding");
            if (before != NULL && !(fired && implausible(info))) {
                size_t idx;
                for (size_t i = 0; i < keel_registry_count(before); i++)
                    FUZZ_CHECK(keel_registry_find(
                                   back, keel_registry_name_at(before, i),
                                   &idx),
                               "a commit lost an existing account");
            }
            keel_registry_free(back);
            /* the previous generation stays reachable (G5) */
            if (o.st == KEEL_OK && kind == KIND_REGULAR &&
                !(fired && implausible(info)))
                FUZZ_CHECK(same_file(KEEL_BACKUP_FILE, reg, rlen, 1),
                           "registry.json.bak is not the previous registry");
        }
        free(now);
    } else {
        FUZZ_CHECK(old_state, "a failed commit changed registry.json (G5)");
    }
    free(o.want);
    keel_registry_free(before);

    /* nothing stays locked; a clean transaction sweeps all debris */
    check_unlocked(guard);
    if (valid) {
        struct keel_txn t;
        struct keel_err err;
        keel_err_clear(&err);
        FUZZ_CHECK(keel_txn_begin(&t, scratch_fd, 0, &err) == KEEL_OK,
                   "a clean begin failed after the fault");
        keel_txn_abort(&t);
        FUZZ_CHECK(temps() == 0, "a clean begin did not sweep every temp");
    }
    return 0;
}
