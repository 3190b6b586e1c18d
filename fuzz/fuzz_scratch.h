/*
 * fuzz_scratch.h - the private scratch directory of the fuzz targets that
 * write files (fuzz_writepath, fuzz_faults).
 *
 * Purpose
 *   One directory per process, mode 0700, on /dev/shm when it exists so
 *   that fsync costs nothing (KEEL_FUZZ_TMPDIR overrides), created at the
 *   first input, reused by every input and removed at exit.
 *
 * Calling sequence
 *   if (scratch_fd < 0) scratch_open("wp");     // keel-fuzz-wp.XXXXXX
 *   scratch_empty();                             // before each input
 *   scratch_put(KEEL_REGISTRY_FILE, buf, len);
 *   char *now = scratch_slurp(name, &len, 1);    // NULL if absent; free()
 *
 * Error handling
 *   Any failure of the harness's own file operations is a FUZZ_CHECK abort:
 *   on a private tmpfs directory none is expected, so each is a bug.
 */
#ifndef KEEL_FUZZ_SCRATCH_H
#define KEEL_FUZZ_SCRATCH_H

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

#include "../kernel/readfile.h"
#include "../kernel/codec.h"

static int scratch_fd = -1;
static char scratch_dir[256];

/* Unlink every entry (directories too), then the directory: at exit. */
static void scratch_cleanup(void)
{
    DIR *d = opendir(scratch_dir);
    if (d != NULL) {
        const struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                if (unlinkat(dirfd(d), e->d_name, 0) != 0)
                    unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
        closedir(d);
    }
    rmdir(scratch_dir);
}

/* Create the directory keel-fuzz-<tag>.XXXXXX and open scratch_fd on it. */
static void scratch_open(const char *tag)
{
    const char *base = getenv("KEEL_FUZZ_TMPDIR");
    struct stat st;
    if (base == NULL)
        base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm"
                                                                : "/tmp";
    int n = snprintf(scratch_dir, sizeof scratch_dir, "%s/keel-fuzz-%s.XXXXXX",
                     base, tag);
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof scratch_dir,
               "scratch directory name too long");
    FUZZ_CHECK(mkdtemp(scratch_dir) != NULL, "mkdtemp");
    FUZZ_CHECK(chmod(scratch_dir, 0700) == 0, "chmod");
    scratch_fd = open(scratch_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    FUZZ_CHECK(scratch_fd >= 0, "open the fuzz directory");
    atexit(scratch_cleanup);
}

/* name := buf[0 .. len - 1], created or truncated. */
static void scratch_put(const char *name, const char *buf, size_t len)
{
    int fd = openat(scratch_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    0600);
    FUZZ_CHECK(fd >= 0, "create a file in the fuzz directory");
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, buf + off, len - off);
        FUZZ_CHECK(n > 0, "write a file in the fuzz directory");
        off += (size_t)n;
    }
    FUZZ_CHECK(close(fd) == 0, "close a file in the fuzz directory");
}

/* Remove every entry; a directory left by an input goes too. */
static void scratch_empty(void)
{
    DIR *d = fdopendir(dup(scratch_fd));
    const struct dirent *e;
    FUZZ_CHECK(d != NULL, "fdopendir");
    rewinddir(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            FUZZ_CHECK(unlinkat(scratch_fd, e->d_name, 0) == 0 ||
                           unlinkat(scratch_fd, e->d_name, AT_REMOVEDIR) == 0,
                       "unlink debris");
    closedir(d);
}

/* The file's bytes through the kernel's reader. A file that does not
   exist gives NULL if may_be_absent, else aborts; so does any other
   failure. */
static char *scratch_slurp(const char *name, size_t *len, int may_be_absent)
{
    char *buf = NULL;
    struct keel_err err;
    keel_err_clear(&err);
    keel_status st = keel_read_file(scratch_fd, name,
                                    KEEL_REGISTRY_SIZE_MAX + 1, &buf, len,
                                    &err);
    if (st == KEEL_E_NOT_FOUND && may_be_absent)
        return NULL;
    FUZZ_CHECK(st == KEEL_OK, "read back a file the kernel left");
    return buf;
}

#endif
