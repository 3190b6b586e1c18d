/*
 * txn.c - registry transactions (see txn.h): lock, sweep, read and
 * strictly decode; then merge, encode, keep a backup, atomic replace,
 * unlock. The kernel's only writer of registry.json.
 */
#include "txn.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "atomic_write.h"
#include "readfile.h"
#include "sweep.h"
#include "sys.h"

#ifdef __FRAMAC__
/* WP proves allocation against spec/alloc_model.h (see there why). */
#define free(p) keel_model_free(p)
#endif

/* Read and decode registry.json. A missing file is a new, empty registry
   (*existed = 0). The bytes read are handed back in *orig when orig is not
   NULL (NULL for a missing file). Any other failure is returned with the
   record filled. */
/*@ requires \valid(out) && \valid(existed) && \valid(err);
    requires \separated(out, existed, err);
    requires w == \null || (\valid(w) && \separated(w, out, existed, err));
    requires orig == \null ||
             (\valid(orig) && \valid(orig_len) &&
              \separated(orig, orig_len, out, existed, err) &&
              (w == \null || \separated(orig, orig_len, w)));
    assigns *out, *existed, *w, *err, *orig, *orig_len, __fc_heap_status,
            json_heap, keel_heap[..], keel_node_heap[..];
    ensures \result == KEEL_OK ==> valid_registry(*out) &&
            (*existed == 0 || *existed == 1);
    ensures \result == KEEL_OK && orig != \null ==>
            (*existed == 0 ==> *orig == \null) &&
            (*existed == 1 ==> heap_block(*orig) &&
                               \valid(*orig + (0 .. *orig_len)));
    ensures \result != KEEL_OK ==> *out == \null && err->status == \result;
    ensures \result != KEEL_OK && orig != \null ==> *orig == \null;
 */
static keel_status load(int dirfd, struct keel_registry **out, int *existed,
                        struct keel_warnings *w, char **orig, size_t *orig_len,
                        struct keel_err *err)
{
    char *got;
    size_t got_len;
    *out = NULL;
    *existed = 0;
    keel_status st = keel_read_file(dirfd, KEEL_REGISTRY_FILE,
                                    KEEL_REGISTRY_SIZE_MAX, &got, &got_len,
                                    err);
    char *buf = got; /* NULL unless st is KEEL_OK */
    size_t len = got_len;
    if (st == KEEL_E_NOT_FOUND) {
        keel_err_clear(err);
        *out = keel_registry_new();
        st = *out ? KEEL_OK
                  : keel_err_set(err, KEEL_E_NOMEM, KEEL_STEP_DECODE, ENOMEM,
                                 KEEL_REGISTRY_FILE);
    } else if (st == KEEL_OK) {
        *existed = 1;
        st = keel_codec_decode(buf, len, out, w, err);
        if (st != KEEL_OK) {
            free(buf);
            buf = NULL;
            len = 0;
            *out = NULL;
            err->step = KEEL_STEP_DECODE;
            err->file = KEEL_REGISTRY_FILE;
        }
    }
    /* Handed back last: the calls above may write heap memory, which the
       proof cannot tell from *orig (spec/alloc_model.h). */
    if (orig) {
        *orig = buf;
        *orig_len = len;
    } else {
        free(buf);
    }
    return st;
}

keel_status keel_registry_load(int dirfd, struct keel_registry **out,
                               int *existed, struct keel_warnings *w,
                               struct keel_err *err)
{
    return load(dirfd, out, existed, w, NULL, NULL, err);
}

/* Release the lock, keeping the first error: the caller's failure, if any,
   is what the user needs to see. */
/*@ requires \valid(t) && \valid(err) && \separated(t, err);
    requires t->lock.guard_fd >= 0 ==>
             lk_guard_held == 1 && lk_interop_ours == 1;
    requires t->lock.guard_fd < 0 ==>
             lk_guard_held == 0 && lk_interop_ours == 0;
    requires st != KEEL_OK ==> err->status == st;
    assigns t->lock.guard_fd, *err, lk_guard_held, lk_interop_ours;
    ensures lk_guard_held == 0 && lk_interop_ours == 0;
    ensures t->lock.guard_fd == -1;
    ensures st != KEEL_OK ==> \result == st;
    ensures \result != KEEL_OK ==> err->status == \result;
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

/* Free what the transaction owns, and forget it. */
/*@ requires \valid(t);
    requires t->orig == \null || heap_block(t->orig);
    requires t->reg == \null || valid_registry(t->reg);
    assigns t->orig, t->reg, __fc_heap_status, json_heap;
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
    t->dirfd = dirfd;
    t->lock.guard_fd = -1;
    t->lock.dirfd = dirfd;
    t->lock.pid = 0;
    t->existed = 0;
    t->orig = NULL;
    t->orig_len = 0;
    t->reg = NULL;
    t->warnings.count = 0;
    t->swept = 0;
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
    requires len == 0 || \valid_read(bytes + (0 .. len - 1));
    requires before_replace;
    assigns *err, fs_temp_exists, fs_temp_open, fs_temp_len, fs_temp_want,
            fs_temp_mode_ok, fs_temp_synced, fs_target_replaced,
            fs_dir_synced, fs_unlink_failed;
    ensures \result == KEEL_OK ==> replaced_durably;
    ensures \result != KEEL_OK && \result != KEEL_E_NOT_DURABLE ==>
            target_untouched;
    ensures \result != KEEL_OK ==> err->status == \result;
    ensures fs_temp_open == 0;
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

/* 1 if a[0 .. n-1] and b[0 .. n-1] hold the same bytes. */
/*@ requires \valid_read(a + (0 .. n - 1)) && \valid_read(b + (0 .. n - 1));
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==> (\forall integer i; 0 <= i < n ==> a[i] == b[i]);
 */
static int same_bytes(const char *a, const char *b, size_t n)
{
    /*@ loop invariant 0 <= i <= n;
        loop invariant \forall integer j; 0 <= j < i ==> a[j] == b[j];
        loop assigns i;
        loop variant n - i;
     */
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i])
            return 0;
    }
    return 1;
}

/* 1 if writing `bytes` would change nothing: the same bytes as were read
   (orig, if the registry existed), or, for a registry that did not exist,
   the encoding of a new one. */
/*@ requires valid_registry(reg);
    requires existed != 0 ==> \valid_read(orig + (0 .. orig_len - 1));
    requires \valid_read(bytes + (0 .. len - 1));
    assigns __fc_heap_status, json_heap, keel_heap[..], keel_node_heap[..];
    ensures \result == 0 || \result == 1;
 */
static int unchanged(int existed, const char *orig, size_t orig_len,
                     const struct keel_registry *reg, const char *bytes,
                     size_t len)
{
    if (existed)
        return len == orig_len && same_bytes(bytes, orig, len);
    struct keel_registry *empty = keel_registry_new();
    int same = empty != NULL && keel_registry_equal(empty, reg);
    keel_registry_free(empty);
    return same;
}

keel_status keel_txn_commit(struct keel_txn *t, struct keel_err *err)
{
    /* What the transaction owns: freed below, whatever the outcome. */
    char *orig = t->orig;
    struct keel_registry *reg = t->reg;
    char *enc;
    size_t enc_len;
    keel_status st = keel_codec_encode(reg, &enc, &enc_len, err);
    char *bytes = enc; /* NULL unless st is KEEL_OK */
    size_t len = enc_len;
    if (st != KEEL_OK) {
        err->step = KEEL_STEP_ENCODE;
        err->file = KEEL_REGISTRY_FILE;
    } else {
        /* Nothing changed: write nothing, so a no-op leaves the bytes (and
           the backup) exactly as they were. A file that is not in the
           canonical JSON.stringify form (written by hand or another tool)
           is rewritten in that form by its first commit. */
        if (!unchanged(t->existed, orig, t->orig_len, reg, bytes, len))
            st = write_registry(t->dirfd, t->existed, bytes, len, err);
        free(bytes);
    }
    t->orig = NULL;
    t->reg = NULL;
    free(orig);
    keel_registry_free(reg);
    return unlock(t, st, err);
}

void keel_txn_abort(struct keel_txn *t)
{
    struct keel_err ignored;
    keel_err_clear(&ignored);
    free_models(t);
    /* Nothing was written; a failure to drop the lock file is repaired by
       the next acquirer (dead pid), and the guard is dropped whatever
       release returns (lock.h). */
    (void)unlock(t, KEEL_OK, &ignored);
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

/* v's last `width` decimal digits at p[0 .. width - 1]. */
/*@ requires 1 <= width <= 4 && 0 <= v;
    requires \valid(p + (0 .. width - 1));
    assigns p[0 .. width - 1];
 */
static void put_digits(char *p, int v, int width)
{
    /*@ loop invariant 0 <= i <= width && 0 <= v;
        loop assigns i, v, p[0 .. width - 1];
        loop variant i;
     */
    for (int i = width; i > 0; i--) {
        p[i - 1] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* "registry.json.damaged-YYYYMMDDTHHMMSSZ" (UTC; "unknown" instead of the
   stamp if the clock gives none), plus "-N" for n > 0: at most 41 bytes and
   a NUL. The buffer's last byte is a NUL too, so aside always holds a
   string, whatever the name. */
/*@ requires \valid(aside + (0 .. KEEL_DAMAGED_NAME_MAX - 1));
    requires 0 <= n < 100;
    assigns aside[0 .. KEEL_DAMAGED_NAME_MAX - 1];
    ensures aside[KEEL_DAMAGED_NAME_MAX - 1] == '\0';
 */
static void damaged_name(char *aside, int n)
{
    const char damaged_prefix[] = KEEL_DAMAGED_PREFIX;
    const char unknown_stamp[] = "unknown";
    time_t now = (time_t)keel_sys_wall_s();
    struct tm tm;
    size_t k;

    /*@ loop invariant 0 <= k <= sizeof(damaged_prefix) - 1;
        loop assigns k, aside[0 .. sizeof(damaged_prefix) - 2];
        loop variant sizeof(damaged_prefix) - 1 - k;
     */
    for (k = 0; k < sizeof(damaged_prefix) - 1; k++)
        aside[k] = damaged_prefix[k];
    if (gmtime_r(&now, &tm) != NULL && keel_sys_tm_in_range(&tm)) {
        put_digits(aside + k, tm.tm_year + 1900, 4);
        put_digits(aside + k + 4, tm.tm_mon + 1, 2);
        put_digits(aside + k + 6, tm.tm_mday, 2);
        aside[k + 8] = 'T';
        put_digits(aside + k + 9, tm.tm_hour, 2);
        put_digits(aside + k + 11, tm.tm_min, 2);
        put_digits(aside + k + 13, tm.tm_sec, 2);
        aside[k + 15] = 'Z';
        k += 16;
    } else {
        /*@ loop invariant 0 <= i <= sizeof(unknown_stamp) - 1;
            loop assigns i, aside[k .. k + sizeof(unknown_stamp) - 2];
            loop variant sizeof(unknown_stamp) - 1 - i;
         */
        for (size_t i = 0; i < sizeof(unknown_stamp) - 1; i++)
            aside[k + i] = unknown_stamp[i];
        k += sizeof(unknown_stamp) - 1;
    }
    if (n > 0) {
        int width = n < 10 ? 1 : 2;
        aside[k] = '-';
        put_digits(aside + k + 1, n, width);
        k += 1 + (size_t)width;
    }
    aside[k] = '\0';
    aside[KEEL_DAMAGED_NAME_MAX - 1] = '\0';
}

/* Link registry.json to a fresh aside name (taken names get "-1", "-2",
   ...): 0 with the name in aside, or a negative errno (-ENOENT: there is no
   registry.json). A hard link, never a copy that could fail half way. */
/*@ requires \valid(aside + (0 .. KEEL_DAMAGED_NAME_MAX - 1));
    assigns aside[0 .. KEEL_DAMAGED_NAME_MAX - 1];
    ensures \result == 0 || -KEEL_ERRNO_MAX <= \result < 0;
    ensures \result == 0 ==> aside[KEEL_DAMAGED_NAME_MAX - 1] == '\0';
 */
static int keep_aside(int dirfd, char *aside)
{
    int r = -EEXIST;
    /*@ loop invariant 0 <= n <= 100;
        loop invariant r == 0 || -KEEL_ERRNO_MAX <= r < 0;
        loop invariant n == 0 ==> r == -EEXIST;
        loop invariant n > 0 ==> aside[KEEL_DAMAGED_NAME_MAX - 1] == '\0';
        loop assigns n, r, aside[0 .. KEEL_DAMAGED_NAME_MAX - 1];
        loop variant 100 - n;
     */
    for (int n = 0; n < 100 && r == -EEXIST; n++) {
        damaged_name(aside, n);
        r = keel_sys_linkat(KEEL_STEP_RECOVER_ASIDE, dirfd,
                            KEEL_REGISTRY_FILE, aside);
    }
    return r;
}

/* Whether registry.json needs recovering: KEEL_OK if it is missing or
   does not decode, KEEL_E_EXISTS if it is healthy, or why it could not be
   read. */
/*@ requires \valid(err);
    assigns *err, __fc_heap_status, json_heap, keel_heap[..],
            keel_node_heap[..];
    ensures \result != KEEL_OK ==> err->status == \result;
 */
static keel_status needs_recovery(int dirfd, struct keel_err *err)
{
    struct keel_registry *reg = NULL;
    int existed;
    struct keel_err cur;
    keel_err_clear(&cur);
    keel_status st = load(dirfd, &reg, &existed, NULL, NULL, NULL, &cur);
    keel_registry_free(reg);
    if (st == KEEL_OK && existed) {
        st = keel_err_set(err, KEEL_E_EXISTS, KEEL_STEP_DECODE, 0,
                          KEEL_REGISTRY_FILE);
        err->message = "the registry is healthy; nothing to recover";
        return st;
    }
    if (st != KEEL_OK && st != KEEL_E_CORRUPT) {
        *err = cur; /* unreadable for another reason: say which */
        return st;
    }
    return KEEL_OK;
}

/* Put registry.json.bak in place of registry.json, keeping the damaged
   file aside. aside is "" unless the damaged file was kept under that
   name. */
/*@ requires \valid(aside + (0 .. KEEL_DAMAGED_NAME_MAX - 1));
    requires \valid(err) &&
             \separated(aside + (0 .. KEEL_DAMAGED_NAME_MAX - 1), err);
    requires before_replace;
    assigns aside[0 .. KEEL_DAMAGED_NAME_MAX - 1], *err, __fc_heap_status,
            json_heap, keel_heap[..], keel_node_heap[..], fs_temp_exists,
            fs_temp_open, fs_temp_len, fs_temp_want, fs_temp_mode_ok,
            fs_temp_synced, fs_target_replaced, fs_dir_synced,
            fs_unlink_failed;
    ensures aside[0] == '\0' || aside[KEEL_DAMAGED_NAME_MAX - 1] == '\0';
    ensures \result == KEEL_OK ==> replaced_durably;
    ensures \result != KEEL_OK && \result != KEEL_E_NOT_DURABLE ==>
            target_untouched;
    ensures \result != KEEL_OK ==> err->status == \result;
 */
static keel_status restore_backup(int dirfd, char *aside,
                                  struct keel_err *err)
{
    struct keel_registry *reg = NULL;
    char *got;
    size_t got_len;
    /* The backup must itself decode before it replaces anything. */
    keel_status st = keel_read_file(dirfd, KEEL_BACKUP_FILE,
                                    KEEL_REGISTRY_SIZE_MAX, &got, &got_len,
                                    err);
    char *bak = got;
    size_t bak_len = got_len;
    if (st != KEEL_OK) {
        aside[0] = '\0';
        if (st == KEEL_E_NOT_FOUND)
            err->message = "no backup generation (registry.json.bak)";
        return st;
    }
    st = keel_codec_decode(bak, bak_len, &reg, NULL, err);
    keel_registry_free(reg);
    if (st != KEEL_OK) {
        free(bak);
        aside[0] = '\0';
        err->file = KEEL_BACKUP_FILE;
        err->step = KEEL_STEP_DECODE;
        st = keel_err_set(err, KEEL_E_NOT_FOUND, KEEL_STEP_DECODE,
                          0, KEEL_BACKUP_FILE);
        err->message = "the backup generation does not decode either";
        return st;
    }

    /* Keep the damaged file (G5). The name is written after the last
       read, so nothing else touches it. */
    int r = keep_aside(dirfd, aside);
    if (r == -ENOENT) {
        aside[0] = '\0'; /* registry.json was missing: nothing aside */
    } else if (r < 0) {
        free(bak);
        aside[0] = '\0';
        return keel_err_set(err, KEEL_E_SYS, KEEL_STEP_RECOVER_ASIDE, -r,
                            KEEL_REGISTRY_FILE);
    }
    st = keel_atomic_replace(dirfd, KEEL_REGISTRY_FILE, bak, bak_len, 0600,
                             err);
    free(bak);
    return st;
}

keel_status keel_recover(int dirfd, int wait_ms, char *aside, size_t cap,
                         struct keel_err *err)
{
    struct keel_lock lk;
    aside[0] = '\0';
    if (cap < KEEL_DAMAGED_NAME_MAX) {
        keel_status bad = keel_err_set(err, KEEL_E_INVALID,
                                       KEEL_STEP_RECOVER_ASIDE, 0, NULL);
        err->message = "no room for the aside name";
        return bad;
    }
    keel_status st = keel_lock_acquire(&lk, dirfd, wait_ms, err);
    if (st != KEEL_OK)
        return st;
    st = needs_recovery(dirfd, err);
    if (st == KEEL_OK)
        st = restore_backup(dirfd, aside, err);
    else
        aside[0] = '\0'; /* still "": said again after the read, as the
                             proof's heap model cannot tell aside from the
                             block read into (spec/alloc_model.h) */
    struct keel_err rel;
    keel_err_clear(&rel);
    keel_status r = keel_lock_release(&lk, &rel);
    if (st == KEEL_OK && r != KEEL_OK) {
        *err = rel;
        st = r;
    }
    return st;
}
