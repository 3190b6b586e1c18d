/*
 * readfile.c - read a whole small file, refusing symlinks and oversize
 * (see readfile.h).
 */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "sys.h"

/* EINTR returns absorbed while reading one file. */
#define READ_EINTR_BUDGET 64

/*@ requires \valid(buf) && \valid(len) && \valid(err);
    requires cap < 0x7fffffff;
    assigns *buf, *len, *err;
    allocates *buf;
    ensures \result == KEEL_OK ==> *len <= cap && \valid(*buf + (0 .. *len))
            && (*buf)[*len] == 0;
    ensures \result != KEEL_OK ==> *buf == \null;
 */
keel_status keel_read_file(int dirfd, const char *name, size_t cap,
                           char **buf, size_t *len, struct keel_err *err)
{
    long long size;
    unsigned mode;
    *buf = NULL;
    *len = 0;
    /* O_NOFOLLOW (added by the wrapper): a symlink is refused (G8). */
    int fd = keel_sys_openat(KEEL_STEP_READ_OPEN, dirfd, name,
                             O_RDONLY | O_NONBLOCK, 0);
    if (fd == -ENOENT)
        return keel_err_set(err, KEEL_E_NOT_FOUND, KEEL_STEP_READ_OPEN,
                            ENOENT, name);
    if (fd == -ELOOP)
        return keel_err_set(err, KEEL_E_SYMLINK, KEEL_STEP_READ_OPEN, ELOOP,
                            name);
    if (fd < 0)
        return keel_err_set(err, KEEL_E_SYS, KEEL_STEP_READ_OPEN, -fd, name);

    keel_status st = KEEL_OK;
    int r = keel_sys_fstat(KEEL_STEP_READ_STAT, fd, &size, &mode);
    if (r < 0) {
        st = keel_err_set(err, KEEL_E_SYS, KEEL_STEP_READ_STAT, -r, name);
    } else if (!S_ISREG(mode)) {
        /* A directory, FIFO or device where a file belongs. */
        st = keel_err_set(err, KEEL_E_INVALID, KEEL_STEP_READ_STAT, EISDIR,
                          name);
    } else if (size < 0 || (unsigned long long)size > cap) {
        st = keel_err_set(err, KEEL_E_CORRUPT, KEEL_STEP_READ_STAT, EFBIG,
                          name);
        err->defect = KEEL_DEFECT_LIMIT;
        err->offset = (long long)cap;
        err->message = "file larger than the size limit";
    }
    char *b = NULL;
    size_t got = 0;
    size_t want = st == KEEL_OK ? (size_t)size : 0;
    if (st == KEEL_OK) {
        /* One byte more than its size, to notice a file that grew, and
           one for the NUL. */
        b = malloc(want + 2);
        if (b == NULL)
            st = keel_err_set(err, KEEL_E_NOMEM, KEEL_STEP_READ, ENOMEM, name);
    }
    int budget = READ_EINTR_BUDGET;
    while (st == KEEL_OK && got <= want) {
        long n = keel_sys_read(KEEL_STEP_READ, fd, b + got, want + 1 - got);
        if (n == 0)
            break;
        if (n == -EINTR && budget > 0) {
            budget--;
            continue;
        }
        if (n < 0) {
            st = keel_err_set(err, KEEL_E_SYS, KEEL_STEP_READ, (int)-n, name);
            break;
        }
        got += (size_t)n;
    }
    if (st == KEEL_OK && got > want) {
        /* Keel replaces files by rename, never in place: a file growing
           under us is another program writing it. Try again later. */
        st = keel_err_set(err, KEEL_E_SYS, KEEL_STEP_READ, EAGAIN, name);
        err->message = "the file changed while it was read";
    }
    /* A read-only descriptor: a failed close cannot lose data. */
    int c = keel_sys_close(KEEL_STEP_READ, fd);
    (void)c;
    if (st != KEEL_OK) {
        free(b);
        return st;
    }
    b[got] = '\0';
    *buf = b;
    *len = got;
    return KEEL_OK;
}
