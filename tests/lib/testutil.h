/*
 * testutil.h - small helpers shared by the unit tests: scratch
 * directories on the real file system, whole-file reads and writes.
 * No mocks: every test runs the kernel against real files.
 */
#ifndef KEEL_TESTUTIL_H
#define KEEL_TESTUTIL_H

#include <stddef.h>

/* The scratch-directory fixture of the unit tests: cmocka setup and
   teardown functions that create and remove one fresh directory per test;
   *state points at a struct fx. */
struct fx {
    char path[512];
    int dirfd;
};
int tu_fx_setup(void **state);
int tu_fx_teardown(void **state);

/* A fresh directory under $TMPDIR (or /tmp); path copied into buf. Returns
   an O_DIRECTORY fd for it. Aborts the test program on failure. */
int tu_mkdtemp(char *buf, size_t cap);
/* rm -rf path (best effort). */
void tu_rmtree(const char *path);
/* Write a file relative to dirfd directly (not through the kernel). */
void tu_write(int dirfd, const char *name, const char *data, size_t len,
              unsigned mode);
/* Read a whole file relative to dirfd into a malloc'd NUL-terminated
   buffer; NULL if it does not exist. */
char *tu_read(int dirfd, const char *name, size_t *len);
/* Number of entries in dirfd whose name starts with prefix. */
int tu_count_prefix(int dirfd, const char *prefix);
/* Mode bits (07777) of name in dirfd, or -1. Does not follow symlinks. */
int tu_mode(int dirfd, const char *name);

#endif
