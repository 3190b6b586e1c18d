/*
 * test_atomic_write.c - the atomic replace on the real file system, with
 * libfiu failpoints injecting errors, short writes and kills at each step.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fiu.h>
#include <fiu-control.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/atomic_write.h"
#include "../../kernel/lock.h"
#include "../../kernel/sweep.h"
#include "../lib/testutil.h"

static const char OLD[] = "{\n  \"version\": 1\n}\n";
static const char NEW[] = "{\n  \"version\": 1,\n  \"accounts\": {}\n}\n";

#define setup tu_fx_setup

static int teardown(void **state)
{
    fiu_disable("keel/*");
    return tu_fx_teardown(state);
}

static void assert_file(int dirfd, const char *name, const char *want)
{
    size_t len;
    char *got = tu_read(dirfd, name, &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(got, want, len);
    free(got);
}

static keel_status replace(struct fx *f, const char *data, struct keel_err *e)
{
    keel_err_clear(e);
    return keel_atomic_replace(f->dirfd, "registry.json", data, strlen(data),
                               0600, e);
}

static void replace_creates_file_with_mode_0600(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    umask(0);
    assert_int_equal(replace(f, NEW, &e), KEEL_OK);
    umask(022);
    assert_file(f->dirfd, "registry.json", NEW);
    assert_int_equal(tu_mode(f->dirfd, "registry.json"), 0600);
    assert_int_equal(tu_count_prefix(f->dirfd, KEEL_TEMP_PREFIX), 0);
}

static void replace_overwrites_and_sets_requested_mode(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    tu_write(f->dirfd, "registry.json", OLD, strlen(OLD), 0644);
    keel_err_clear(&e);
    assert_int_equal(keel_atomic_replace(f->dirfd, "registry.json", NEW,
                                         strlen(NEW), 0640, &e),
                     KEEL_OK);
    assert_file(f->dirfd, "registry.json", NEW);
    assert_int_equal(tu_mode(f->dirfd, "registry.json"), 0640);
}

static void empty_content_is_written(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    tu_write(f->dirfd, "registry.json", OLD, strlen(OLD), 0600);
    assert_int_equal(replace(f, "", &e), KEEL_OK);
    assert_file(f->dirfd, "registry.json", "");
}

/* Inject `info` at `point` once; the old file must survive byte for byte,
   no temp may remain, and the record must name the step and errno. */
static void fail_step(struct fx *f, const char *point, int info,
                      keel_step step, int want_errno)
{
    struct keel_err e;
    tu_write(f->dirfd, "registry.json", OLD, strlen(OLD), 0600);
    assert_int_equal(fiu_enable(point, 1, (void *)(intptr_t)info, FIU_ONETIME),
                     0);
    keel_status st = replace(f, NEW, &e);
    fiu_disable(point);
    assert_int_equal(st, KEEL_E_SYS);
    assert_int_equal(e.step, step);
    assert_int_equal(e.sys_errno, want_errno);
    assert_string_equal(e.file, "registry.json");
    assert_file(f->dirfd, "registry.json", OLD);
    assert_int_equal(tu_count_prefix(f->dirfd, KEEL_TEMP_PREFIX), 0);
}

static void failed_temp_create_leaves_old_file(void **state)
{
    fail_step(*state, "keel/atomic/open_temp", EACCES, KEEL_STEP_OPEN_TEMP,
              EACCES);
}

static void failed_write_eio_leaves_old_file(void **state)
{
    fail_step(*state, "keel/atomic/write", EIO, KEEL_STEP_WRITE, EIO);
}

static void failed_write_enospc_leaves_old_file(void **state)
{
    fail_step(*state, "keel/atomic/write", ENOSPC, KEEL_STEP_WRITE, ENOSPC);
}

static void failed_write_edquot_leaves_old_file(void **state)
{
    fail_step(*state, "keel/atomic/write", EDQUOT, KEEL_STEP_WRITE, EDQUOT);
}

static void failed_fchmod_leaves_old_file(void **state)
{
    fail_step(*state, "keel/atomic/fchmod", EPERM, KEEL_STEP_FCHMOD, EPERM);
}

static void failed_fsync_abandons_commit(void **state)
{
    fail_step(*state, "keel/atomic/fsync", EIO, KEEL_STEP_FSYNC, EIO);
}

static void failed_close_abandons_commit(void **state)
{
    fail_step(*state, "keel/atomic/close", EIO, KEEL_STEP_CLOSE, EIO);
}

static void failed_rename_exdev_leaves_old_file(void **state)
{
    fail_step(*state, "keel/atomic/rename", EXDEV, KEEL_STEP_RENAME, EXDEV);
}

static void failed_target_check_leaves_old_file(void **state)
{
    fail_step(*state, "keel/atomic/check_target", EIO, KEEL_STEP_CHECK_TARGET,
              EIO);
}

/* A failed fsync must never be followed by a rename: with the rename
   failpoint armed to kill, the process survives only if it never got
   there. */
static void fsync_failure_never_reaches_rename(void **state)
{
    struct fx *f = *state;
    tu_write(f->dirfd, "registry.json", OLD, strlen(OLD), 0600);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct keel_err e;
        fiu_enable("keel/atomic/fsync", 1, (void *)(intptr_t)EIO, 0);
        fiu_enable("keel/atomic/rename", 1, (void *)(intptr_t)KEEL_FI_KILL, 0);
        _exit(replace(f, NEW, &e) == KEEL_E_SYS ? 0 : 1);
    }
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    assert_file(f->dirfd, "registry.json", OLD);
}

static void eintr_on_write_is_retried(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    tu_write(f->dirfd, "registry.json", OLD, strlen(OLD), 0600);
    fiu_enable("keel/atomic/write", 1, (void *)(intptr_t)EINTR, FIU_ONETIME);
    assert_int_equal(replace(f, NEW, &e), KEEL_OK);
    assert_file(f->dirfd, "registry.json", NEW);
}

static void short_writes_are_continued(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    tu_write(f->dirfd, "registry.json", OLD, strlen(OLD), 0600);
    /* Every write is cut to half: the loop must still write it all. */
    fiu_enable("keel/atomic/write", 1, (void *)(intptr_t)KEEL_FI_SHORT, 0);
    assert_int_equal(replace(f, NEW, &e), KEEL_OK);
    fiu_disable("keel/atomic/write");
    assert_file(f->dirfd, "registry.json", NEW);
}

static void endless_eintr_is_reported_not_looped(void **state)
{
    /* Armed permanently, EINTR exhausts the retry budget: the write is
       reported as failed instead of looping forever. */
    struct fx *f = *state;
    struct keel_err e;
    tu_write(f->dirfd, "registry.json", OLD, strlen(OLD), 0600);
    fiu_enable("keel/atomic/write", 1, (void *)(intptr_t)EINTR, 0);
    assert_int_equal(replace(f, NEW, &e), KEEL_E_SYS);
    fiu_disable("keel/atomic/write");
    assert_int_equal(e.sys_errno, EINTR);
    assert_file(f->dirfd, "registry.json", OLD);
}

static void failed_dir_fsync_is_reported_not_durable(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    tu_write(f->dirfd, "registry.json", OLD, strlen(OLD), 0600);
    fiu_enable("keel/atomic/fsync_dir", 1, (void *)(intptr_t)EIO, FIU_ONETIME);
    assert_int_equal(replace(f, NEW, &e), KEEL_E_NOT_DURABLE);
    assert_int_equal(e.step, KEEL_STEP_FSYNC_DIR);
    assert_int_equal(e.sys_errno, EIO);
    /* Visible, but the command must not have reported success. */
    assert_file(f->dirfd, "registry.json", NEW);
    assert_int_equal(tu_count_prefix(f->dirfd, KEEL_TEMP_PREFIX), 0);
}

static void symlink_target_is_refused_and_not_followed(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    tu_write(f->dirfd, "elsewhere", OLD, strlen(OLD), 0600);
    assert_int_equal(symlinkat("elsewhere", f->dirfd, "registry.json"), 0);
    assert_int_equal(replace(f, NEW, &e), KEEL_E_SYMLINK);
    assert_int_equal(e.step, KEEL_STEP_CHECK_TARGET);
    assert_file(f->dirfd, "elsewhere", OLD);
    struct stat st;
    assert_int_equal(fstatat(f->dirfd, "registry.json", &st,
                             AT_SYMLINK_NOFOLLOW), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(tu_count_prefix(f->dirfd, KEEL_TEMP_PREFIX), 0);
}

static void directory_target_is_refused(void **state)
{
    struct fx *f = *state;
    struct keel_err e;
    assert_int_equal(mkdirat(f->dirfd, "registry.json", 0700), 0);
    assert_int_equal(replace(f, NEW, &e), KEEL_E_INVALID);
    assert_int_equal(tu_count_prefix(f->dirfd, KEEL_TEMP_PREFIX), 0);
}

/* Kill the writer at `point`; the old file must be intact. Returns the
   number of temp files the dead writer left. */
static int kill_at(struct fx *f, const char *point)
{
    tu_write(f->dirfd, "registry.json", OLD, strlen(OLD), 0600);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct keel_err e;
        fiu_enable(point, 1, (void *)(intptr_t)KEEL_FI_KILL, 0);
        replace(f, NEW, &e);
        _exit(3);
    }
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFSIGNALED(ws));
    assert_int_equal(WTERMSIG(ws), SIGKILL);
    assert_file(f->dirfd, "registry.json", OLD);
    return tu_count_prefix(f->dirfd, KEEL_TEMP_PREFIX);
}

static void temp_is_0600_from_its_first_byte(void **state)
{
    struct fx *f = *state;
    /* Killed before its first write, with the loosest umask: the temp
       already exists, empty, and must already be 0600. */
    umask(0);
    int left = kill_at(f, "keel/atomic/write");
    umask(022);
    assert_int_equal(left, 1);
    int fd = openat(f->dirfd, ".", O_RDONLY | O_DIRECTORY);
    char name[256] = "";
    DIR *d = fdopendir(fd);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, KEEL_TEMP_PREFIX, strlen(KEEL_TEMP_PREFIX)) == 0)
            snprintf(name, sizeof name, "%s", de->d_name);
    closedir(d);
    assert_int_equal(tu_mode(f->dirfd, name), 0600);
}

static void kill_before_each_step_keeps_old_file(void **state)
{
    static const char *points[] = {
        "keel/atomic/check_target", "keel/atomic/open_temp",
        "keel/atomic/write", "keel/atomic/fchmod", "keel/atomic/fsync",
        "keel/atomic/close", "keel/atomic/rename",
    };
    struct fx *f = *state;
    for (size_t i = 0; i < sizeof points / sizeof *points; i++)
        kill_at(f, points[i]);
}

static void debris_of_a_killed_writer_is_swept_under_the_lock(void **state)
{
    struct fx *f = *state;
    assert_true(kill_at(f, "keel/atomic/rename") == 1);
    /* A file that merely looks similar is not Keel's and must stay. */
    tu_write(f->dirfd, ".keel-tmpfoo", "x", 1, 0600);
    tu_write(f->dirfd, "keel-tmp.registry.json", "x", 1, 0600);
    struct keel_lock lk;
    struct keel_err e;
    size_t removed = 0;
    keel_err_clear(&e);
    assert_int_equal(keel_lock_acquire(&lk, f->dirfd, 1000, &e), KEEL_OK);
    assert_int_equal(keel_sweep_debris(&lk, f->dirfd, &removed, &e), KEEL_OK);
    assert_int_equal(keel_lock_release(&lk, &e), KEEL_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(tu_count_prefix(f->dirfd, KEEL_TEMP_PREFIX), 0);
    assert_int_equal(tu_mode(f->dirfd, ".keel-tmpfoo"), 0600);
    assert_int_equal(tu_mode(f->dirfd, "keel-tmp.registry.json"), 0600);
    assert_file(f->dirfd, "registry.json", OLD);
}

int main(void)
{
    fiu_init(0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(replace_creates_file_with_mode_0600, setup, teardown),
        cmocka_unit_test_setup_teardown(replace_overwrites_and_sets_requested_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_content_is_written, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_temp_create_leaves_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_write_eio_leaves_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_write_enospc_leaves_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_write_edquot_leaves_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_fchmod_leaves_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_fsync_abandons_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_close_abandons_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_rename_exdev_leaves_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_target_check_leaves_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(fsync_failure_never_reaches_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(eintr_on_write_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(short_writes_are_continued, setup, teardown),
        cmocka_unit_test_setup_teardown(endless_eintr_is_reported_not_looped, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_dir_fsync_is_reported_not_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(symlink_target_is_refused_and_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(directory_target_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(temp_is_0600_from_its_first_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(kill_before_each_step_keeps_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(debris_of_a_killed_writer_is_swept_under_the_lock, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
