/*
 * regtxn.c - open the state, begin/commit/abort, load read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../kernel/sweep.h"
#include "regtxn.h"

static void decode_warnings(struct cli *c, const struct keel_warnings *w)
{
    size_t i;

    for (i = 0; i < w->count && i < KEEL_WARNINGS_MAX; i++)
        cli_warn(c, "W_REGISTRY_FIELD", "registry %s/%s: %s: %s",
                 c->p.accounts_dir, KEEL_REGISTRY_FILE, w->item[i].json_path,
                 w->item[i].message ? w->item[i].message : "kept as is");
}

/* Milliseconds since some fixed point (for the lock wait). */
static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* keel_txn_begin, waiting at most c->wait_ms for the lock in slices of
   LOCK_SLICE_MS, so that a signal ends the wait within one slice. */
#define LOCK_SLICE_MS 200

static keel_status begin_waiting(struct cli *c, struct keel_txn *t,
                                 struct keel_err *err)
{
    long long start = now_ms();

    for (;;) {
        long long left = c->wait_ms - (now_ms() - start);
        keel_status st;

        if (left < 0)
            left = 0;
        keel_err_clear(err);
        st = keel_txn_begin(t, c->p.accounts_fd,
                            left < LOCK_SLICE_MS ? (int)left : LOCK_SLICE_MS,
                            err);
        if (st != KEEL_E_LOCKED || left <= LOCK_SLICE_MS ||
            cli_interrupted(c))
            return st;
    }
}

/* 1 if a and b are the same directory. */
static int same_dir(int a, int b)
{
    struct stat sa, sb;

    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Remove the temp files a killed keel left beside auth.json or `current`
   (G7). The kernel sweeps the accounts directory in keel_txn_begin; these
   two may live elsewhere (CODEX_AUTH_JSON_PATH, CODEX_AUTH_CURRENT_PATH).
   Every Keel writer of these files holds the registry lock, which we hold
   now, so every .keel-tmp.* there is debris. Housekeeping: a failure is a
   warning. */
static void sweep_beside(struct cli *c, struct keel_txn *t,
                         const struct cli_file *f, int done_fd)
{
    struct keel_err err;
    size_t removed = 0;

    if (f->dirfd < 0 || same_dir(f->dirfd, c->p.accounts_fd) ||
        (done_fd >= 0 && same_dir(f->dirfd, done_fd)))
        return;
    keel_err_clear(&err);
    if (keel_sweep_debris(&t->lock, f->dirfd, &removed, &err) != KEEL_OK)
        cli_warn(c, "W_SWEEP_FAILED", "%s: cannot remove leftover temp "
                 "files: %s", f->dir,
                 err.sys_errno ? strerror(err.sys_errno)
                               : keel_strerror(err.status));
}

/* Before the first write: auth.json and `current` must each be a regular
   file or absent. A symlink there is refused (G8) now rather than at its
   own write step, so a hostile link never leaves a command half done. */
static int preflight(struct cli *c, const struct cli_file *f)
{
    struct keel_err err;
    struct stat st;

    if (f->dirfd < 0 || fstatat(f->dirfd, f->base, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return 0; /* absent; other errors surface at the read */
    keel_err_clear(&err);
    if (S_ISLNK(st.st_mode))
        keel_err_set(&err, KEEL_E_SYMLINK, KEEL_STEP_CHECK_TARGET, ELOOP,
                     f->base);
    else if (!S_ISREG(st.st_mode))
        keel_err_set(&err, KEEL_E_INVALID, KEEL_STEP_CHECK_TARGET, EISDIR,
                     f->base);
    else
        return 0;
    return cli_fail_kernel(c, &err, f->dir);
}

int cli_begin(struct cli *c, struct keel_txn *t)
{
    struct keel_err err;

    cli_signals_install();
    if (cli_open_state(c, 1) != 0 || cli_interrupted(c))
        return c->exit_code;
    if (begin_waiting(c, t, &err) != KEEL_OK) {
        if (c->failed)
            return c->exit_code;
        return cli_fail_kernel(c, &err, c->p.accounts_dir);
    }
    if (cli_interrupted(c)) {
        keel_txn_abort(t);
        return c->exit_code;
    }
    if (preflight(c, &c->p.auth) != 0 || preflight(c, &c->p.current) != 0) {
        keel_txn_abort(t);
        return c->exit_code;
    }
    sweep_beside(c, t, &c->p.auth, -1);
    sweep_beside(c, t, &c->p.current, c->p.auth.dirfd);
    decode_warnings(c, &t->warnings);
    return 0;
}

int cli_commit(struct cli *c, struct keel_txn *t)
{
    struct keel_err err;

    /* the last boundary: past it the change is committed and reported */
    if (cli_interrupted(c)) {
        keel_txn_abort(t);
        return c->exit_code;
    }
    keel_err_clear(&err);
    if (keel_txn_commit(t, &err) != KEEL_OK)
        return cli_fail_kernel(c, &err, c->p.accounts_dir);
    return 0;
}

void cli_abort(struct keel_txn *t)
{
    keel_txn_abort(t);
}

int cli_load(struct cli *c, struct keel_registry **reg)
{
    struct keel_warnings w = {0};
    struct keel_err err;
    int existed = 0;

    *reg = NULL;
    if (cli_open_state(c, 0) != 0)
        return c->exit_code;
    if (c->p.accounts_fd < 0) {
        *reg = keel_registry_new();
        if (*reg == NULL)
            return cli_fail(c, CLI_EXIT_OTHER, "E_NOMEM", NULL,
                            "out of memory");
        return 0;
    }
    keel_err_clear(&err);
    if (keel_registry_load(c->p.accounts_fd, reg, &existed, &w, &err) !=
        KEEL_OK)
        return cli_fail_kernel(c, &err, c->p.accounts_dir);
    decode_warnings(c, &w);
    return 0;
}
