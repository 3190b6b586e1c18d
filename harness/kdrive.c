/*
 * kdrive.c - a registry writer on the kernel API's optimistic path, for
 * the crash rig's concurrency pass: load registry.json WITHOUT the lock,
 * edit a copy, wait a little (so that other writers commit in between),
 * then keel_commit_changes: lock, 3-way merge onto the fresh registry,
 * atomic replace. This is the path the CLI's own commands do not take
 * (they hold the lock from read to write), so it is driven from here.
 *
 *   kdrive ACCOUNTS_DIR DELAY_MS add NAME EMAIL
 *   kdrive ACCOUNTS_DIR DELAY_MS remove NAME
 *   kdrive ACCOUNTS_DIR DELAY_MS email NAME EMAIL
 *
 * Exit 0 when the commit succeeded, 1 otherwise (message on stderr).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../kernel/lock.h"
#include "../kernel/txn.h"

static int fail(const char *what, const struct keel_err *err)
{
    fprintf(stderr, "kdrive: %s: %s (step %s, errno %d)\n", what,
            keel_strerror(err->status), keel_step_name(err->step),
            err->sys_errno);
    return 1;
}

int main(int argc, char **argv)
{
    struct keel_registry *base = NULL, *mine;
    struct keel_merge_report rep;
    struct keel_err err;
    struct timespec ts;
    int existed, dirfd;

    if (argc < 5) {
        fprintf(stderr, "usage: kdrive DIR DELAY_MS add|remove|email NAME "
                        "[EMAIL]\n");
        return 2;
    }
    dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        perror(argv[1]);
        return 1;
    }
    keel_err_clear(&err);
    if (keel_registry_load(dirfd, &base, &existed, NULL, &err) != KEEL_OK)
        return fail("load", &err);
    mine = keel_registry_clone(base);
    if (mine == NULL)
        return 1;
    if (strcmp(argv[3], "add") == 0 && argc == 6) {
        if (keel_registry_add(mine, argv[4], "2026-05-01T10:00:00.000Z",
                              &err) != KEEL_OK ||
            keel_registry_set_string(mine, argv[4], KEEL_F_EMAIL, argv[5],
                                     &err) != KEEL_OK)
            return fail("add", &err);
    } else if (strcmp(argv[3], "remove") == 0) {
        if (keel_registry_remove(mine, argv[4], &err) != KEEL_OK)
            return fail("remove", &err);
    } else if (strcmp(argv[3], "email") == 0 && argc == 6) {
        if (keel_registry_set_string(mine, argv[4], KEEL_F_EMAIL, argv[5],
                                     &err) != KEEL_OK)
            return fail("email", &err);
    } else {
        fprintf(stderr, "kdrive: bad command\n");
        return 2;
    }
    /* Let other writers commit between our read and our write. */
    long ms = atol(argv[2]);
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
    if (keel_commit_changes(dirfd, base, mine, KEEL_LOCK_WAIT_MS * 6, &rep,
                            &err) != KEEL_OK)
        return fail("commit", &err);
    keel_registry_free(base);
    keel_registry_free(mine);
    close(dirfd);
    return 0;
}
