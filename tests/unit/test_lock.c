/*
 * test_lock.c - the registry lock between real processes: exclusion,
 * liveness after SIGKILL, the interop file protocol, and the stale-lock
 * race the Node tool loses.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../kernel/lock.h"
#include "../lib/testutil.h"

#define setup tu_fx_setup
#define teardown tu_fx_teardown

/* A pid that is certainly dead: a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    waitpid(p, NULL, 0);
    return p;
}

static void iso_now(char *buf, size_t cap, long offset_s)
{
    time_t t = time(NULL) + offset_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

static void plant_interop(int dirfd, long pid, long age_s)
{
    char at[64], payload[160];
    iso_now(at, sizeof at, -age_s);
    int n = snprintf(payload, sizeof payload, "{\"pid\":%ld,\"at\":\"%s\"}",
                     pid, at);
    tu_write(dirfd, KEEL_LOCK_FILE, payload, (size_t)n, 0600);
}

static long interop_pid(int dirfd)
{
    size_t len;
    long pid;
    long long at;
    char *b = tu_read(dirfd, KEEL_LOCK_FILE, &len);
    if (b == NULL)
        return -1;
    keel_lock_parse_payload(b, len, &pid, &at);
    free(b);
    return pid;
}

/* A child that takes the lock, reports on `ready`, and waits for a byte on
   `go` before releasing (or is killed). */
static pid_t holder(struct fx *f, int ready[2], int go[2])
{
    pid_t p = fork();
    if (p == 0) {
        struct keel_lock lk;
        struct keel_err e;
        keel_err_clear(&e);
        char c = keel_lock_acquire(&lk, f->dirfd, 2000, &e) == KEEL_OK ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1)
            _exit(2);
        if (read(go[0], &c, 1) != 1)
            _exit(2);
        _exit(keel_lock_release(&lk, &e) == KEEL_OK ? 0 : 1);
    }
    char c = 0;
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    return p;
}

static void two_processes_exclude_each_other(void **state)
{
    struct fx *f = *state;
    int ready[2], go[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    pid_t p = holder(f, ready, go);
    struct keel_lock lk;
    struct keel_err e;
    keel_err_clear(&e);
    assert_int_equal(keel_lock_acquire(&lk, f->dirfd, 100, &e), KEEL_E_LOCKED);
    /* The timeout names the holder. */
    assert_int_equal(e.holder_pid, p);
    assert_int_equal(write(go[1], "x", 1), 1);
    int ws;
    assert_int_equal(waitpid(p, &ws, 0), p);
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    keel_err_clear(&e);
    assert_int_equal(keel_lock_acquire(&lk, f->dirfd, 100, &e), KEEL_OK);
    assert_int_equal(interop_pid(f->dirfd), getpid());
    assert_int_equal(keel_lock_release(&lk, &e), KEEL_OK);
    /* Released: the interop file is gone. */
    assert_int_equal(tu_mode(f->dirfd, KEEL_LOCK_FILE), -1);
}

static void killed_holder_does_not_block_next_writer(void **state)
{
    struct fx *f = *state;
    int ready[2], go[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    pid_t p = holder(f, ready, go);
    assert_int_equal(kill(p, SIGKILL), 0);
    assert_int_equal(waitpid(p, NULL, 0), p);
    /* Its interop file is left behind, naming a dead pid... */
    assert_int_equal(interop_pid(f->dirfd), p);
    /* ...and the next writer gets the lock within 100 ms anyway. */
    struct keel_lock lk;
    struct keel_err e;
    keel_err_clear(&e);
    assert_int_equal(keel_lock_acquire(&lk, f->dirfd, 100, &e), KEEL_OK);
    assert_int_equal(interop_pid(f->dirfd), getpid());
    assert_int_equal(keel_lock_release(&lk, &e), KEEL_OK);
}

static void interop_file_with_dead_pid_is_reaped(void **state)
{
    struct fx *f = *state;
    plant_interop(f->dirfd, dead_pid(), 0);
    struct keel_lock lk;
    struct keel_err e;
    keel_err_clear(&e);
    assert_int_equal(keel_lock_acquire(&lk, f->dirfd, 100, &e), KEEL_OK);
    assert_int_equal(interop_pid(f->dirfd), getpid());
    assert_int_equal(keel_lock_release(&lk, &e), KEEL_OK);
}

static void interop_file_with_live_pid_times_out_naming_it(void **state)
{
    struct fx *f = *state;
    pid_t live = fork();
    if (live == 0) {
        pause();
        _exit(0);
    }
    plant_interop(f->dirfd, live, 0);
    struct keel_lock lk;
    struct keel_err e;
    keel_err_clear(&e);
    keel_status st = keel_lock_acquire(&lk, f->dirfd, 200, &e);
    kill(live, SIGKILL);
    waitpid(live, NULL, 0);
    assert_int_equal(st, KEEL_E_LOCKED);
    assert_int_equal(e.holder_pid, live);
    /* The live holder's file was not touched. */
    assert_int_equal(interop_pid(f->dirfd), live);
}

static void interop_file_older_than_30s_is_reaped(void **state)
{
    struct fx *f = *state;
    /* Our parent is alive, but the file is 31 s old: stale by age. */
    plant_interop(f->dirfd, getppid(), 31);
    struct keel_lock lk;
    struct keel_err e;
    keel_err_clear(&e);
    assert_int_equal(keel_lock_acquire(&lk, f->dirfd, 100, &e), KEEL_OK);
    assert_int_equal(keel_lock_release(&lk, &e), KEEL_OK);
}

static void release_keeps_a_foreign_interop_file(void **state)
{
    struct fx *f = *state;
    struct keel_lock lk;
    struct keel_err e;
    keel_err_clear(&e);
    assert_int_equal(keel_lock_acquire(&lk, f->dirfd, 100, &e), KEEL_OK);
    /* The Node tool judged ours stale and put its own in place. */
    plant_interop(f->dirfd, getppid(), 0);
    assert_int_equal(keel_lock_release(&lk, &e), KEEL_OK);
    assert_int_equal(interop_pid(f->dirfd), getppid());
}

static void failed_interop_create_releases_the_guard(void **state)
{
    struct fx *f = *state;
    struct keel_lock lk;
    struct keel_err e;
    keel_err_clear(&e);
    fiu_enable("keel/lock/create", 1, (void *)(intptr_t)EACCES, FIU_ONETIME);
    assert_int_equal(keel_lock_acquire(&lk, f->dirfd, 100, &e), KEEL_E_SYS);
    assert_int_equal(e.step, KEEL_STEP_LOCK_CREATE);
    assert_int_equal(e.sys_errno, EACCES);
    /* Nothing is held after a failure: the next acquire succeeds at once. */
    keel_err_clear(&e);
    assert_int_equal(keel_lock_acquire(&lk, f->dirfd, 0, &e), KEEL_OK);
    assert_int_equal(keel_lock_release(&lk, &e), KEEL_OK);
}

/* The race the Node tool loses about 40 times in 50: eight processes find
   the same stale interop file at once. Each holder logs enter/exit to one
   O_APPEND file; any interleaving of two holders is a violation. */
static void eight_racers_on_a_stale_lock_never_overlap(void **state)
{
    struct fx *f = *state;
    enum { RACERS = 8, ROUNDS = 50 };
    for (int round = 0; round < ROUNDS; round++) {
        plant_interop(f->dirfd, dead_pid(), 0);
        int logfd = openat(f->dirfd, "log", O_WRONLY | O_CREAT | O_TRUNC |
                                                O_APPEND, 0600);
        assert_true(logfd >= 0);
        int gate[2];
        assert_int_equal(pipe(gate), 0);
        pid_t kids[RACERS];
        for (int k = 0; k < RACERS; k++) {
            kids[k] = fork();
            if (kids[k] == 0) {
                char c, line[32];
                close(gate[1]);
                if (read(gate[0], &c, 1) != 0) /* wait for the start */
                    _exit(2);
                struct keel_lock lk;
                struct keel_err e;
                keel_err_clear(&e);
                if (keel_lock_acquire(&lk, f->dirfd, 10000, &e) != KEEL_OK)
                    _exit(3);
                int n = snprintf(line, sizeof line, "enter %d\n", getpid());
                if (write(logfd, line, (size_t)n) != n)
                    _exit(4);
                usleep(300);
                n = snprintf(line, sizeof line, "exit %d\n", getpid());
                if (write(logfd, line, (size_t)n) != n)
                    _exit(4);
                _exit(keel_lock_release(&lk, &e) == KEEL_OK ? 0 : 5);
            }
        }
        close(gate[0]);
        close(gate[1]); /* EOF on the gate: all start together */
        for (int k = 0; k < RACERS; k++) {
            int ws;
            assert_int_equal(waitpid(kids[k], &ws, 0), kids[k]);
            assert_true(WIFEXITED(ws));
            assert_int_equal(WEXITSTATUS(ws), 0);
        }
        close(logfd);
        size_t len;
        char *log = tu_read(f->dirfd, "log", &len);
        assert_non_null(log);
        int inside = 0, entries = 0, who = 0;
        for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
            int pid;
            if (sscanf(line, "enter %d", &pid) == 1) {
                assert_int_equal(inside, 0); /* two holders at once */
                inside = 1;
                who = pid;
                entries++;
            } else {
                assert_int_equal(sscanf(line, "exit %d", &pid), 1);
                assert_int_equal(inside, 1);
                assert_int_equal(pid, who);
                inside = 0;
            }
        }
        free(log);
        assert_int_equal(entries, RACERS);
        assert_int_equal(tu_mode(f->dirfd, KEEL_LOCK_FILE), -1);
    }
}

static void payload_parser_reads_node_payloads(void **state)
{
    (void)state;
    long pid;
    long long at;
    const char *p = "{\"pid\":4242,\"at\":\"2026-05-01T10:00:00.000Z\"}";
    keel_lock_parse_payload(p, strlen(p), &pid, &at);
    assert_int_equal(pid, 4242);
    assert_int_equal(at, 1777629600LL);
    p = "{ \"at\" : \"1970-01-01T00:00:01Z\" , \"pid\" : 7 }";
    keel_lock_parse_payload(p, strlen(p), &pid, &at);
    assert_int_equal(pid, 7);
    assert_int_equal(at, 1);
}

static void payload_parser_rejects_junk(void **state)
{
    (void)state;
    long pid;
    long long at;
    static const char *junk[] = {
        "", "{", "garbage", "{\"pid\":}", "{\"pid\":12345678901}",
        "{\"pid\":-5}", "{\"pid\" 5}", "{\"at\":\"2026-13-01T00:00:00Z\"}",
        "{\"at\":\"1969-12-31T23:59:59Z\"}", "{\"at\":\"2026-05-01T10:00\"}",
    };
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
        keel_lock_parse_payload(junk[i], strlen(junk[i]), &pid, &at);
        assert_int_equal(pid, 0);
        assert_int_equal(at, -1);
    }
}

int main(void)
{
    fiu_init(0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(two_processes_exclude_each_other, setup, teardown),
        cmocka_unit_test_setup_teardown(killed_holder_does_not_block_next_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(interop_file_with_dead_pid_is_reaped, setup, teardown),
        cmocka_unit_test_setup_teardown(interop_file_with_live_pid_times_out_naming_it, setup, teardown),
        cmocka_unit_test_setup_teardown(interop_file_older_than_30s_is_reaped, setup, teardown),
        cmocka_unit_test_setup_teardown(release_keeps_a_foreign_interop_file, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_interop_create_releases_the_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(eight_racers_on_a_stale_lock_never_overlap, setup, teardown),
        cmocka_unit_test(payload_parser_reads_node_payloads),
        cmocka_unit_test(payload_parser_rejects_junk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
