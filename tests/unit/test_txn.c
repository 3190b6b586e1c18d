/*
 * test_txn.c - transactions on the real file system: begin/commit/abort,
 * the backup generation, recover, refusal of a corrupt registry, and real
 * processes committing concurrently without losing an update.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <fiu.h>
#include <fiu-control.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/sys.h"
#include "../../kernel/txn.h"
#include "../lib/testutil.h"

#define setup tu_fx_setup
#define teardown tu_fx_teardown

/* Commit one change under a transaction: add `name`. */
static keel_status add_account(int dirfd, const char *name,
                               struct keel_err *e)
{
    struct keel_txn t;
    keel_err_clear(e);
    keel_status st = keel_txn_begin(&t, dirfd, 10000, e);
    if (st != KEEL_OK)
        return st;
    st = keel_registry_add(t.reg, name, "2026-05-01T10:00:00.000Z", e);
    if (st != KEEL_OK) {
        keel_txn_abort(&t);
        return st;
    }
    return keel_txn_commit(&t, e);
}

static struct keel_registry *load_ok(int dirfd)
{
    struct keel_registry *r = NULL;
    struct keel_err e;
    int existed;
    keel_err_clear(&e);
    assert_int_equal(keel_registry_load(dirfd, &r, &existed, NULL, &e),
                     KEEL_OK);
    return r;
}

static void first_commit_creates_registry_0600(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    assert_int_equal(add_account(f->dirfd, "work", &e), KEEL_OK);
    assert_int_equal(tu_mode(f->dirfd, KEEL_REGISTRY_FILE), 0600);
    struct keel_registry *r = load_ok(f->dirfd);
    assert_int_equal(keel_registry_count(r), 1);
    assert_string_equal(keel_registry_name_at(r, 0), "work");
    keel_registry_free(r);
    /* No earlier generation existed, so there is no backup yet. */
    assert_int_equal(tu_mode(f->dirfd, KEEL_BACKUP_FILE), -1);
    assert_int_equal(tu_count_prefix(f->dirfd, KEEL_TEMP_PREFIX), 0);
    assert_int_equal(tu_mode(f->dirfd, KEEL_LOCK_FILE), -1);
}

static void unchanged_commit_writes_nothing(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    struct stat before, after;
    assert_int_equal(add_account(f->dirfd, "work", &e), KEEL_OK);
    assert_int_equal(fstatat(f->dirfd, KEEL_REGISTRY_FILE, &before, 0), 0);
    struct keel_txn t;
    keel_err_clear(&e);
    assert_int_equal(keel_txn_begin(&t, f->dirfd, 1000, &e), KEEL_OK);
    assert_int_equal(keel_txn_commit(&t, &e), KEEL_OK);
    assert_int_equal(fstatat(f->dirfd, KEEL_REGISTRY_FILE, &after, 0), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(tu_mode(f->dirfd, KEEL_BACKUP_FILE), -1);
}

static void commit_keeps_previous_generation_as_backup(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    assert_int_equal(add_account(f->dirfd, "alpha", &e), KEEL_OK);
    size_t len1;
    char *gen1 = tu_read(f->dirfd, KEEL_REGISTRY_FILE, &len1);
    assert_int_equal(add_account(f->dirfd, "beta", &e), KEEL_OK);
    size_t lenb;
    char *bak = tu_read(f->dirfd, KEEL_BACKUP_FILE, &lenb);
    assert_non_null(bak);
    assert_int_equal(lenb, len1);
    assert_memory_equal(bak, gen1, len1);
    free(gen1);
    free(bak);
}

static void abort_writes_nothing_and_releases(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    struct keel_txn t;
    keel_err_clear(&e);
    assert_int_equal(keel_txn_begin(&t, f->dirfd, 1000, &e), KEEL_OK);
    assert_int_equal(keel_registry_add(t.reg, "work", NULL, &e), KEEL_OK);
    keel_txn_abort(&t);
    assert_int_equal(tu_mode(f->dirfd, KEEL_REGISTRY_FILE), -1);
    assert_int_equal(tu_mode(f->dirfd, KEEL_LOCK_FILE), -1);
    /* The lock is free again at once. */
    assert_int_equal(keel_txn_begin(&t, f->dirfd, 0, &e), KEEL_OK);
    keel_txn_abort(&t);
}

static const char *const CORRUPT[] = {
    "",
    "{",
    "{\"version\":1,\"accounts\":{}} trailing",
    "{\"version\":2,\"accounts\":{}}",
    "[]",
    "{\"version\":1,\"accounts\":{\"a\":{\"name\":\"b\"}}}",
    "{\"version\":1,\"version\":1,\"accounts\":{}}",
    "{\"version\":01,\"accounts\":{}}",
};

static void corrupt_registry_is_refused_and_left_byte_identical(void **state)
{
    struct fx *f = *state;
    for (size_t i = 0; i < sizeof CORRUPT / sizeof *CORRUPT; i++) {
        const char *bad = CORRUPT[i];
        tu_write(f->dirfd, KEEL_REGISTRY_FILE, bad, strlen(bad), 0600);
        struct keel_err e;
        assert_int_equal(add_account(f->dirfd, "work", &e), KEEL_E_CORRUPT);
        assert_string_equal(e.file, KEEL_REGISTRY_FILE);
        assert_true(e.defect != KEEL_DEFECT_NONE);
        assert_non_null(e.message);
        /* The one-call form refuses it too. */
        struct keel_registry *base = keel_registry_new();
        struct keel_registry *mine = keel_registry_clone(base);
        assert_int_equal(keel_registry_add(mine, "x", NULL, &e), KEEL_OK);
        keel_err_clear(&e);
        assert_int_equal(keel_commit_changes(f->dirfd, base, mine, 1000, NULL,
                                             &e),
                         KEEL_E_CORRUPT);
        keel_registry_free(base);
        keel_registry_free(mine);
        size_t len;
        char *now = tu_read(f->dirfd, KEEL_REGISTRY_FILE, &len);
        assert_int_equal(len, strlen(bad));
        assert_memory_equal(now, bad, len);
        free(now);
        assert_int_equal(tu_mode(f->dirfd, KEEL_LOCK_FILE), -1);
    }
}

static void symlinked_registry_is_refused(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    assert_int_equal(symlinkat("/etc/passwd", f->dirfd, KEEL_REGISTRY_FILE), 0);
    assert_int_equal(add_account(f->dirfd, "work", &e), KEEL_E_SYMLINK);
}

static void failed_fsync_keeps_old_registry_and_reports(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    assert_int_equal(add_account(f->dirfd, "alpha", &e), KEEL_OK);
    size_t len1;
    char *gen1 = tu_read(f->dirfd, KEEL_REGISTRY_FILE, &len1);
    fiu_enable("keel/atomic/fsync", 1, (void *)(intptr_t)EIO, FIU_ONETIME);
    assert_int_equal(add_account(f->dirfd, "beta", &e), KEEL_E_SYS);
    assert_int_equal(e.step, KEEL_STEP_FSYNC);
    assert_int_equal(e.sys_errno, EIO);
    size_t len2;
    char *gen2 = tu_read(f->dirfd, KEEL_REGISTRY_FILE, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(gen1, gen2, len1);
    free(gen1);
    free(gen2);
    assert_int_equal(tu_mode(f->dirfd, KEEL_LOCK_FILE), -1);
}

static void recover_restores_backup_and_keeps_damaged_file(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    assert_int_equal(add_account(f->dirfd, "alpha", &e), KEEL_OK);
    size_t good_len;
    char *good = tu_read(f->dirfd, KEEL_REGISTRY_FILE, &good_len);
    assert_int_equal(add_account(f->dirfd, "beta", &e), KEEL_OK);
    tu_write(f->dirfd, KEEL_REGISTRY_FILE, "{\"garbage", 9, 0600);
    char aside[128];
    keel_err_clear(&e);
    assert_int_equal(keel_recover(f->dirfd, 1000, aside, sizeof aside, &e),
                     KEEL_OK);
    assert_true(strncmp(aside, KEEL_DAMAGED_PREFIX,
                        strlen(KEEL_DAMAGED_PREFIX)) == 0);
    size_t len;
    char *now = tu_read(f->dirfd, KEEL_REGISTRY_FILE, &len);
    assert_int_equal(len, good_len);
    assert_memory_equal(now, good, len);
    char *damaged = tu_read(f->dirfd, aside, &len);
    assert_int_equal(len, 9);
    assert_memory_equal(damaged, "{\"garbage", 9);
    free(good);
    free(now);
    free(damaged);
    /* Healthy now: a second recover does nothing. */
    keel_err_clear(&e);
    assert_int_equal(keel_recover(f->dirfd, 1000, aside, sizeof aside, &e),
                     KEEL_E_EXISTS);
}

static void recover_without_backup_reports_not_found(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    char aside[128];
    tu_write(f->dirfd, KEEL_REGISTRY_FILE, "nope", 4, 0600);
    keel_err_clear(&e);
    assert_int_equal(keel_recover(f->dirfd, 1000, aside, sizeof aside, &e),
                     KEEL_E_NOT_FOUND);
    size_t len;
    char *now = tu_read(f->dirfd, KEEL_REGISTRY_FILE, &len);
    assert_int_equal(len, 4);
    free(now);
}

/* ---- processes -------------------------------------------------------- */

enum { PROCS = 4, EACH = 200 };

/* Run `fn(k)` in PROCS children at once and require each to exit 0. */
static void run_children(struct fx *f, int (*fn)(struct fx *, int))
{
    pid_t kids[PROCS];
    for (int k = 0; k < PROCS; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0)
            _exit(fn(f, k));
    }
    for (int k = 0; k < PROCS; k++) {
        int ws;
        assert_int_equal(waitpid(kids[k], &ws, 0), kids[k]);
        assert_true(WIFEXITED(ws));
        assert_int_equal(WEXITSTATUS(ws), 0);
    }
}

/* Writer k's EACH accounts, one commit each: load without the lock, add
   (or remove) the account, and commit with the 3-way merge - the path
   that loses updates if the merge or the lock is wrong. */
static int own_accounts(struct fx *f, int k, int remove)
{
    for (int i = 0; i < EACH; i++) {
        char name[32];
        struct keel_registry *base = NULL;
        struct keel_err e;
        int existed;
        keel_err_clear(&e);
        if (keel_registry_load(f->dirfd, &base, &existed, NULL, &e) != KEEL_OK)
            return 10;
        struct keel_registry *mine = keel_registry_clone(base);
        snprintf(name, sizeof name, "p%d-%03d", k, i);
        keel_status st = remove ? keel_registry_remove(mine, name, &e)
                                : keel_registry_add(mine, name, NULL, &e);
        if (st != KEEL_OK)
            return 11;
        if (keel_commit_changes(f->dirfd, base, mine, 30000, NULL, &e) !=
            KEEL_OK)
            return 12;
        keel_registry_free(base);
        keel_registry_free(mine);
    }
    return 0;
}

static int add_own(struct fx *f, int k)
{
    return own_accounts(f, k, 0);
}

static int remove_own(struct fx *f, int k)
{
    return own_accounts(f, k, 1);
}

static void four_writers_adding_200_each_end_with_800(void **state)
{
    struct fx *f = *state;
    run_children(f, add_own);
    struct keel_registry *r = load_ok(f->dirfd);
    assert_int_equal(keel_registry_count(r), PROCS * EACH);
    keel_registry_free(r);
}

static void four_writers_deleting_their_own_200_end_with_none(void **state)
{
    struct fx *f = *state;
    run_children(f, add_own);
    run_children(f, remove_own);
    struct keel_registry *r = load_ok(f->dirfd);
    assert_int_equal(keel_registry_count(r), 0);
    keel_registry_free(r);
}

static int set_field(struct fx *f, int k)
{
    static const keel_field fields[] = {KEEL_F_EMAIL, KEEL_F_PLAN_TYPE};
    static const char *values[] = {"me@example.com", "pro"};
    if (k >= 2)
        return 0;
    struct keel_registry *base = NULL;
    struct keel_err e;
    int existed;
    keel_err_clear(&e);
    if (keel_registry_load(f->dirfd, &base, &existed, NULL, &e) != KEEL_OK)
        return 10;
    struct keel_registry *mine = keel_registry_clone(base);
    if (keel_registry_set_string(mine, "shared", fields[k], values[k], &e) !=
        KEEL_OK)
        return 11;
    /* Both processes loaded the same base before either commits. */
    usleep(200000);
    if (keel_commit_changes(f->dirfd, base, mine, 30000, NULL, &e) != KEEL_OK)
        return 12;
    keel_registry_free(base);
    keel_registry_free(mine);
    return 0;
}

static void two_writers_changing_different_fields_keep_both(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    assert_int_equal(add_account(f->dirfd, "shared", &e), KEEL_OK);
    run_children(f, set_field);
    struct keel_registry *r = load_ok(f->dirfd);
    struct keel_account_view v;
    assert_int_equal(keel_registry_view(r, "shared", &v), KEEL_OK);
    assert_non_null(v.field[KEEL_F_EMAIL]);
    assert_non_null(v.field[KEEL_F_PLAN_TYPE]);
    assert_string_equal(v.field[KEEL_F_EMAIL], "me@example.com");
    assert_string_equal(v.field[KEEL_F_PLAN_TYPE], "pro");
    keel_registry_free(r);
}

int main(void)
{
    fiu_init(0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(first_commit_creates_registry_0600, setup, teardown),
        cmocka_unit_test_setup_teardown(unchanged_commit_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(commit_keeps_previous_generation_as_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(abort_writes_nothing_and_releases, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_registry_is_refused_and_left_byte_identical, setup, teardown),
        cmocka_unit_test_setup_teardown(symlinked_registry_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_fsync_keeps_old_registry_and_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(recover_restores_backup_and_keeps_damaged_file, setup, teardown),
        cmocka_unit_test_setup_teardown(recover_without_backup_reports_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(four_writers_adding_200_each_end_with_800, setup, teardown),
        cmocka_unit_test_setup_teardown(four_writers_deleting_their_own_200_end_with_none, setup, teardown),
        cmocka_unit_test_setup_teardown(two_writers_changing_different_fields_keep_both, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
