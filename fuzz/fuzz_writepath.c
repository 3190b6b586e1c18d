/*
 * fuzz_writepath.c - the whole write path: fuzzed bytes on disk as
 * registry.json, then a transaction that adds an account.
 *
 * One private directory per process (mode 0700, on /dev/shm when it exists
 * so that fsync costs nothing), created at the first input and reused; each
 * input starts from a directory holding only registry.json = the input.
 *
 * Invariants (txn.h, G5, G1, G3):
 *   - keel_txn_begin succeeds iff keel_codec_decode accepts the bytes; when
 *     it fails, it fails with KEEL_E_CORRUPT on "registry.json", and the file
 *     is left byte-identical, with nothing else written beside it (no
 *     backup, no lock file, no temp);
 *   - when it succeeds, adding a new account and committing succeeds; the
 *     file then decodes, holds every account it held before plus the new
 *     one, equals the encoding of the committed model, and registry.json.bak
 *     holds the original bytes; the lock file is gone;
 *   - then keel_commit_changes (load without the lock, add another account
 *     to a copy, merge-commit) succeeds and keeps both added accounts;
 *   - recovery: when the input holds a NUL, the bytes after it are placed
 *     as registry.json.bak. keel_recover then answers EXISTS for a healthy
 *     registry (nothing changed), NOT_FOUND when the backup does not decode
 *     either (nothing changed), and otherwise puts the backup in place
 *     byte for byte and keeps the damaged file aside, byte for byte;
 *   - every error record renders (keel_strerror, keel_step_name, ...).
 */
#include "fuzz_registry.h"
#include "fuzz_scratch.h"

#include "../kernel/readfile.h"
#include "../kernel/txn.h"

/* What the CLI prints from an error record must exist for any record. */
static void render(const struct keel_err *err)
{
    FUZZ_CHECK(keel_strerror(err->status) != NULL &&
                   keel_step_name(err->step) != NULL &&
                   keel_step_phrase(err->step) != NULL &&
                   keel_defect_name(err->defect) != NULL,
               "an error record does not render");
}

/* Empty the directory, then write the input as registry.json. */
static void place(const char *buf, size_t len)
{
    scratch_empty();
    scratch_put(KEEL_REGISTRY_FILE, buf, len);
}

static size_t entries(void)
{
    DIR *d = fdopendir(dup(scratch_fd));
    struct dirent *e;
    size_t n = 0;
    FUZZ_CHECK(d != NULL, "fdopendir");
    rewinddir(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static int decodes(const char *buf, size_t len)
{
    struct keel_registry *r = NULL;
    struct keel_err err;
    keel_err_clear(&err);
    keel_status st = keel_codec_decode(buf, len, &r, NULL, &err);
    keel_registry_free(r);
    return st == KEEL_OK;
}

static void recover(const char *reg, size_t rlen, const char *bak,
                    size_t blen)
{
    char aside[128];
    struct keel_err err;
    size_t len;

    place(reg, rlen);
    scratch_put(KEEL_BACKUP_FILE, bak, blen);
    keel_err_clear(&err);
    keel_status st = keel_recover(scratch_fd, 0, aside, sizeof aside, &err);
    if (st != KEEL_OK)
        render(&err);
    if (decodes(reg, rlen)) {
        FUZZ_CHECK(st == KEEL_E_EXISTS, "recover on a healthy registry");
    } else if (!decodes(bak, blen)) {
        FUZZ_CHECK(st == KEEL_E_NOT_FOUND,
                   "recover without a good backup did not say NOT_FOUND");
    } else {
        FUZZ_CHECK(st == KEEL_OK, "recover from a good backup failed");
        FUZZ_CHECK(memchr(aside, 0, sizeof aside) != NULL && aside[0] != 0,
                   "recover did not name the damaged file's new name");
        char *kept = scratch_slurp(aside, &len, 0);
        FUZZ_CHECK(fuzz_bytes_equal(kept, len, reg, rlen),
                   "the damaged registry was not kept aside byte for byte");
        free(kept);
        char *now = scratch_slurp(KEEL_REGISTRY_FILE, &len, 0);
        FUZZ_CHECK(fuzz_bytes_equal(now, len, bak, blen),
                   "recover did not restore the backup byte for byte");
        free(now);
        return;
    }
    char *now = scratch_slurp(KEEL_REGISTRY_FILE, &len, 0);
    FUZZ_CHECK(fuzz_bytes_equal(now, len, reg, rlen),
               "a recover that did nothing changed registry.json");
    free(now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct keel_registry *model = NULL;
    struct keel_txn t;
    struct keel_err err;
    size_t len;

    if (size > KEEL_REGISTRY_SIZE_MAX)
        return 0;
    if (scratch_fd < 0)
        scratch_open("wp");
    const char *nul = memchr(buf, 0, size);
    if (nul != NULL) {
        size_t rlen = (size_t)(nul - buf);
        recover(buf, rlen, nul + 1, size - rlen - 1);
        return 0;
    }
    place(buf, size);

    keel_err_clear(&err);
    int valid = keel_codec_decode(buf, size, &model, NULL, &err) == KEEL_OK;

    keel_err_clear(&err);
    keel_status st = keel_txn_begin(&t, scratch_fd, 0, &err);
    if (st != KEEL_OK)
        render(&err);
    if (!valid) {
        FUZZ_CHECK(st == KEEL_E_CORRUPT,
                   "begin on an undecodable registry did not fail CORRUPT");
        FUZZ_CHECK(err.file != NULL &&
                       strcmp(err.file, KEEL_REGISTRY_FILE) == 0,
                   "a CORRUPT begin does not name registry.json");
        char *now = scratch_slurp(KEEL_REGISTRY_FILE, &len, 0);
        FUZZ_CHECK(fuzz_bytes_equal(now, len, buf, size),
                   "a refused registry was modified (G5)");
        free(now);
        FUZZ_CHECK(entries() == 1,
                   "a refused transaction left files beside registry.json");
        return 0;
    }
    FUZZ_CHECK(st == KEEL_OK, "begin failed on a registry that decodes");

    /* A name no account has: fz0, fz1, ... */
    char name[16];
    size_t idx;
    for (unsigned i = 0;; i++) {
        snprintf(name, sizeof name, "fz%u", i);
        if (!keel_registry_find(t.reg, name, &idx))
            break;
    }
    keel_err_clear(&err);
    FUZZ_CHECK(keel_registry_add(t.reg, name, "2026-05-01T10:00:00.000Z",
                                 &err) == KEEL_OK,
               "adding a fresh valid name failed");
    char *want = NULL;
    size_t want_len = 0;
    keel_err_clear(&err);
    FUZZ_CHECK(keel_codec_encode(t.reg, &want, &want_len, &err) == KEEL_OK,
               "encode of the working copy failed");
    keel_err_clear(&err);
    st = keel_txn_commit(&t, &err);
    FUZZ_CHECK(st == KEEL_OK, "commit failed");

    char *now = scratch_slurp(KEEL_REGISTRY_FILE, &len, 0);
    FUZZ_CHECK(fuzz_bytes_equal(now, len, want, want_len),
               "registry.json is not the encoding of the committed model");
    struct keel_registry *back = NULL;
    keel_err_clear(&err);
    FUZZ_CHECK(keel_codec_decode(now, len, &back, NULL, &err) == KEEL_OK,
               "the committed registry does not decode (G3)");
    FUZZ_CHECK(keel_registry_find(back, name, &idx),
               "the added account is missing after commit");
    FUZZ_CHECK(keel_registry_count(back) == keel_registry_count(model) + 1,
               "commit changed the number of other accounts");
    for (size_t i = 0; i < keel_registry_count(model); i++)
        FUZZ_CHECK(keel_registry_find(back, keel_registry_name_at(model, i),
                                      &idx),
                   "an existing account was lost by the commit");
    char *e = NULL;
    size_t elen = 0;
    fuzz_registry_check(back, &e, &elen);
    free(e);
    free(now);
    free(want);

    char *bak = scratch_slurp(KEEL_BACKUP_FILE, &len, 0);
    FUZZ_CHECK(fuzz_bytes_equal(bak, len, buf, size),
               "registry.json.bak is not the previous registry");
    free(bak);
    FUZZ_CHECK(faccessat(scratch_fd, KEEL_LOCK_FILE, F_OK, AT_SYMLINK_NOFOLLOW) != 0,
               "the interop lock file is left after commit");

    /* The one-call form: load unlocked, change a copy, merge-commit. */
    struct keel_registry *base = NULL, *mine;
    int existed = 0;
    char name2[16];
    keel_err_clear(&err);
    FUZZ_CHECK(keel_registry_load(scratch_fd, &base, &existed, NULL, &err) ==
                       KEEL_OK && existed,
               "load after a commit failed");
    mine = keel_registry_clone(base);
    FUZZ_CHECK(mine != NULL, "clone failed");
    for (unsigned i = 0;; i++) {
        snprintf(name2, sizeof name2, "fy%u", i);
        if (!keel_registry_find(mine, name2, &idx))
            break;
    }
    FUZZ_CHECK(keel_registry_add(mine, name2, NULL, &err) == KEEL_OK,
               "adding a second fresh name failed");
    struct keel_merge_report rep;
    keel_err_clear(&err);
    FUZZ_CHECK(keel_commit_changes(scratch_fd, base, mine, 0, &rep, &err) ==
                   KEEL_OK,
               "keel_commit_changes failed");
    keel_registry_free(base);
    keel_registry_free(mine);
    keel_registry_free(back);
    back = NULL;
    keel_err_clear(&err);
    FUZZ_CHECK(keel_registry_load(scratch_fd, &back, &existed, NULL, &err) ==
                   KEEL_OK,
               "the merge-committed registry does not load");
    FUZZ_CHECK(keel_registry_find(back, name, &idx) &&
                   keel_registry_find(back, name2, &idx),
               "an added account is missing after the merge-commit");
    FUZZ_CHECK(keel_registry_count(back) == keel_registry_count(model) + 2,
               "the merge-commit changed the number of other accounts");
    keel_registry_free(back);
    keel_registry_free(model);
    return 0;
}
