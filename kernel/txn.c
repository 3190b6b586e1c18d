/*
 * txn.c - registry transactions (see txn.h): lock, sweep, read and
 * strictly decode; then merge, encode, keep a backup, atomic replace,
 * unlock. The kernel's only writer of registry.json.
 */
#include "txn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic_write.h"
#include "readfile.h"
#include "sweep.h"
#include "sys.h"

/* Read and decode registry.json. A missing file is a new, empty registry
   (*existed = 0). The bytes read are handed back in *orig when orig is not
   NULL (NULL for a missing file). Any other failure is returned with the
   record filled. */
/*@ requires \valid(out) && \valid(existed) && \valid(err);
    assigns *out, *existed, *err, *w, *orig, *orig_len;
    allocates *out, *orig;
    ensures \result == KEEL_OK ==> *out != \null;
    ensures \result != KEEL_OK ==> *out == \null;
 */
static keel_status load(int dirfd, struct keel_registry **out, int *existed,
                        struct keel_warnings *w, char **orig, size_t *orig_len,
                        struct keel_err *err)
{
    char *buf;
    size_t len;
    *out = NULL;
    *existed = 0;
    if (orig) {
        *orig = NULL;
        *orig_len = 0;
    }
    keel_status st = keel_read_file(dirfd, KEEL_REGISTRY_FILE,
                                    KEEL_REGISTRY_SIZE_MAX, &buf, &len, err);
    if (st == KEEL_E_NOT_FOUND) {
        keel_err_clear(err);
        *out = keel_registry_new();
        return *out ? KEEL_OK
                    : keel_err_set(err, KEEL_E_NOMEM, KEEL_STEP_DECODE, ENOMEM,
                                   KEEL_REGISTRY_FILE);
    }
    if (st != KEEL_OK)
        return st;
    *existed = 1;
    st = keel_codec_decode(buf, len, out, w, err);
    if (st != KEEL_OK) {
        free(buf);
        *out = NULL;
        err->step = KEEL_STEP_DECODE;
        err->file = KEEL_REGISTRY_FILE;
        return st;
    }
    if (orig) {
        *orig = buf;
        *orig_len = len;
    } else {
        free(buf);
    }
    return KEEL_OK;
}

keel_status keel_registry_load(int dirfd, struct keel_registry **out,
                               int *existed, struct keel_warnings *w,
                               struct keel_err *err)
{
    return load(dirfd, out, existed, w, NULL, NULL, err);
}

/* Release the lock, keeping the first error: the caller's failure, if any,
   is what the user needs to see. */
/*@ requires \valid(t) && \valid(err);
    assigns t->lock, *err;
 */
static keel_status unlock(struct keel_txn *t, keel_status st,
                          struct keel_err *err)
{
    struct keel_err rel;
    keel_err_clear(&rel);
    keel_status r = keel_lock_release(&t->lock, &rel);
    if (st == KEEL_OK && r != KEEL_OK) {
        *err = rel;
        return r;
    }
    return st;
}

/*@ requires \valid(t);
    assigns t->orig, t->reg;
    ensures t->orig == \null && t->reg == \null;
 */
static void free_models(struct keel_txn *t)
{
    free(t->orig);
    keel_registry_free(t->reg);
    t->orig = NULL;
    t->reg = NULL;
}

keel_status keel_txn_begin(struct keel_txn *t, int dirfd, int wait_ms,
                           struct keel_err *err)
{
    memset(t, 0, sizeof *t);
    t->dirfd = dirfd;
    t->lock.guard_fd = -1;
    keel_status st = keel_lock_acquire(&t->lock, dirfd, wait_ms, err);
    if (st != KEEL_OK)
        return st;
    /* Debris of killed writers goes now, while no Keel writer can be
       mid-commit here (G7). A failure is housekeeping, not fatal: the
       temps are never read as the registry. */
    struct keel_err sweep_err;
    keel_err_clear(&sweep_err);
    if (keel_sweep_debris(&t->lock, dirfd, &t->swept, &sweep_err) != KEEL_OK)
        t->swept = 0;
    st = load(dirfd, &t->reg, &t->existed, &t->warnings, &t->orig,
              &t->orig_len, err);
    if (st != KEEL_OK) {
        /* A corrupt registry fails here, before anything is written (G5). */
        free_models(t);
        return unlock(t, st, err);
    }
    return KEEL_OK;
}

/* Keep the current registry.json as registry.json.bak and atomically
   replace registry.json with `bytes`. The caller holds the lock. */
/*@ requires \valid(err);
    assigns *err;
 */
static keel_status write_registry(int dirfd, int existed, const char *bytes,
                                  size_t len, struct keel_err *err)
{
    if (existed) {
        /* The previous good generation stays reachable as .bak, for
           `keel recover` (G5). It decoded under this lock, so it is good.
           The atomic replace's directory fsync makes the link durable. */
        int r = keel_sys_unlinkat(KEEL_STEP_BACKUP_UNLINK, dirfd,
                                  KEEL_BACKUP_FILE);
        if (r < 0 && r != -ENOENT)
            return keel_err_set(err, KEEL_E_SYS, KEEL_STEP_BACKUP_UNLINK, -r,
                                KEEL_BACKUP_FILE);
        r = keel_sys_linkat(KEEL_STEP_BACKUP_LINK, dirfd, KEEL_REGISTRY_FILE,
                            KEEL_BACKUP_FILE);
        if (r < 0)
            return keel_err_set(err, KEEL_E_SYS, KEEL_STEP_BACKUP_LINK, -r,
                                KEEL_BACKUP_FILE);
    }
    return keel_atomic_replace(dirfd, KEEL_REGISTRY_FILE, bytes, len, 0600,
                               err);
}

/* 1 if writing `bytes` would change nothing: the same bytes as were read,
   or, for a registry that did not exist, the encoding of a new one. */
/*@ requires \valid(t);
    assigns \nothing;
 */
static int unchanged(const struct keel_txn *t, const char *bytes, size_t len)
{
    if (t->existed)
        return len == t->orig_len && memcmp(bytes, t->orig, len) == 0;
    struct keel_registry *empty = keel_registry_new();
    int same = empty != NULL && keel_registry_equal(empty, t->reg);
    keel_registry_free(empty);
    return same;
}

keel_status keel_txn_commit(struct keel_txn *t, struct keel_err *err)
{
    char *bytes;
    size_t len;
    keel_status st = keel_codec_encode(t->reg, &bytes, &len, err);
    if (st != KEEL_OK) {
        err->step = KEEL_STEP_ENCODE;
        err->file = KEEL_REGISTRY_FILE;
    } else {
        /* Nothing changed: write nothing, so a no-op leaves the bytes (and
           the backup) exactly as they were. A file that is not in the
           canonical JSON.stringify form (written by hand or another tool)
           is rewritten in that form by its first commit. */
        if (!unchanged(t, bytes, len))
            st = write_registry(t->dirfd, t->existed, bytes, len, err);
        free(bytes);
    }
    free_models(t);
    return unlock(t, st, err);
}

void keel_txn_abort(struct keel_txn *t)
{
    struct keel_err ignored;
    keel_err_clear(&ignored);
    free_models(t);
    /* Nothing was written; a failure to drop the lock file is repaired by
       the next acquirer (dead pid), and the guard dies with the fd. */
    if (unlock(t, KEEL_OK, &ignored) != KEEL_OK)
        t->lock.guard_fd = -1;
}

keel_status keel_commit_changes(int dirfd, const struct keel_registry *base,
                                const struct keel_registry *mine, int wait_ms,
                                struct keel_merge_report *rep,
                                struct keel_err *err)
{
    struct keel_txn t;
    if (rep) {
        rep->conflicts = 0;
        rep->first[0] = '\0';
    }
    keel_status st = keel_txn_begin(&t, dirfd, wait_ms, err);
    if (st != KEEL_OK)
        return st;
    /* What the caller changed (base -> mine) goes on top of what is on
       disk now (t.reg, fresh), so nobody else's change is lost (G4). */
    struct keel_registry *merged;
    st = keel_merge(base, mine, t.reg, &merged, rep, err);
    if (st != KEEL_OK) {
        keel_txn_abort(&t);
        return st;
    }
    keel_registry_free(t.reg);
    t.reg = merged;
    return keel_txn_commit(&t, err);
}

/* "registry.json.damaged-YYYYMMDDTHHMMSSZ" (plus "-N" if taken). */
/*@ requires \valid(aside + (0 .. cap - 1)) && cap >= 64;
    assigns aside[0 .. cap - 1];
 */
static void damaged_name(char *aside, size_t cap, int n)
{
    time_t now = (time_t)keel_sys_wall_s();
    struct tm tm;
    char stamp[32] = "unknown";
    if (gmtime_r(&now, &tm) != NULL &&
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) == 0)
        memcpy(stamp, "unknown", 8);
    if (n == 0)
        snprintf(aside, cap, "%s%s", KEEL_DAMAGED_PREFIX, stamp);
    else
        snprintf(aside, cap, "%s%s-%d", KEEL_DAMAGED_PREFIX, stamp, n);
}

keel_status keel_recover(int dirfd, int wait_ms, char *aside, size_t cap,
                         struct keel_err *err)
{
    struct keel_lock lk;
    struct keel_registry *reg = NULL;
    int existed;
    char *bak;
    size_t bak_len;
    aside[0] = '\0';
    keel_status st = keel_lock_acquire(&lk, dirfd, wait_ms, err);
    if (st != KEEL_OK)
        return st;

    struct keel_err cur;
    keel_err_clear(&cur);
    st = load(dirfd, &reg, &existed, NULL, NULL, NULL, &cur);
    keel_registry_free(reg);
    reg = NULL;
    if (st == KEEL_OK && existed) {
        st = keel_err_set(err, KEEL_E_EXISTS, KEEL_STEP_DECODE, 0,
                          KEEL_REGISTRY_FILE);
        err->message = "the registry is healthy; nothing to recover";
        goto out;
    }
    if (st != KEEL_OK && st != KEEL_E_CORRUPT) {
        *err = cur; /* unreadable for another reason: say which */
        goto out;
    }

    /* The backup must itself decode before it replaces anything. */
    st = keel_read_file(dirfd, KEEL_BACKUP_FILE, KEEL_REGISTRY_SIZE_MAX, &bak,
                        &bak_len, err);
    if (st != KEEL_OK) {
        if (st == KEEL_E_NOT_FOUND)
            err->message = "no backup generation (registry.json.bak)";
        goto out;
    }
    st = keel_codec_decode(bak, bak_len, &reg, NULL, err);
    keel_registry_free(reg);
    if (st != KEEL_OK) {
        free(bak);
        err->file = KEEL_BACKUP_FILE;
        err->step = KEEL_STEP_DECODE;
        st = keel_err_set(err, KEEL_E_NOT_FOUND, KEEL_STEP_DECODE,
                          0, KEEL_BACKUP_FILE);
        err->message = "the backup generation does not decode either";
        goto out;
    }

    /* Keep the damaged file: a hard link under a new name, never a copy
       that could fail half way (G5). */
    {
        int r = -EEXIST;
        for (int n = 0; n < 100 && r == -EEXIST; n++) {
            damaged_name(aside, cap, n);
            r = keel_sys_linkat(KEEL_STEP_RECOVER_ASIDE, dirfd,
                                KEEL_REGISTRY_FILE, aside);
        }
        if (r == -ENOENT) {
            aside[0] = '\0'; /* registry.json was missing: nothing aside */
        } else if (r < 0) {
            free(bak);
            st = keel_err_set(err, KEEL_E_SYS, KEEL_STEP_RECOVER_ASIDE, -r,
                              KEEL_REGISTRY_FILE);
            aside[0] = '\0';
            goto out;
        }
    }
    st = keel_atomic_replace(dirfd, KEEL_REGISTRY_FILE, bak, bak_len, 0600,
                             err);
    free(bak);
out:;
    struct keel_err rel;
    keel_err_clear(&rel);
    keel_status r = keel_lock_release(&lk, &rel);
    if (st == KEEL_OK && r != KEEL_OK) {
        *err = rel;
        st = r;
    }
    return st;
}
