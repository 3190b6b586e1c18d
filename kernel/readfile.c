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

#ifdef __FRAMAC__
/* WP proves allocation against spec/alloc_model.h (see there why). */
#define malloc(size) keel_model_malloc(size)
#define free(p) keel_model_free(p)
#endif

/* EINTR returns absorbed while reading one file. */
#define READ_EINTR_BUDGET 64

/* fd must be a regular file of at most cap bytes: its size in *size. */
/*@ requires cap <= KEEL_READ_CAP_MAX;
    requires \valid(size) && \valid(err) && \separated(size, err);
    assigns *size, *err;
    ensures \result == KEEL_OK || \result == KEEL_E_SYS ||
            \result == KEEL_E_INVALID || \result == KEEL_E_CORRUPT;
    ensures \result == KEEL_OK ==> *size <= cap;
    ensures \result != KEEL_OK ==> err->status == \result;
    ensures \result == KEEL_E_CORRUPT ==>
            err->defect == KEEL_DEFECT_LIMIT && err->offset == cap;
 */
static keel_status check_size(int fd, const char *name, size_t cap,
                              size_t *size, struct keel_err *err)
{
    long long st_size;
    unsigned mode;
    int r = keel_sys_fstat(KEEL_STEP_READ_STAT, fd, &st_size, &mode);
    if (r < 0)
        return keel_err_set(err, KEEL_E_SYS, KEEL_STEP_READ_STAT, -r, name);
    if (!S_ISREG(mode)) {
        /* A directory, FIFO or device where a file belongs. */
        return keel_err_set(err, KEEL_E_INVALID, KEEL_STEP_READ_STAT, EISDIR,
                            name);
    }
    if (st_size < 0 || (unsigned long long)st_size > cap) {
        keel_status st = keel_err_set(err, KEEL_E_CORRUPT,
                                      KEEL_STEP_READ_STAT, EFBIG, name);
        err->defect = KEEL_DEFECT_LIMIT;
        err->offset = (long long)cap;
        err->message = "file larger than the size limit";
        return st;
    }
    *size = (size_t)st_size;
    return KEEL_OK;
}

/* Read fd to its end into b: want bytes are expected, and one more byte
   of room tells a file that grew. The count read in *got. */
/*@ requires want <= KEEL_READ_CAP_MAX && \valid(b + (0 .. want));
    requires \valid(got) && \valid(err) && \separated(got, err);
    assigns b[0 .. want], *got, *err;
    ensures \result == KEEL_OK || \result == KEEL_E_SYS;
    ensures \result == KEEL_OK ==> *got <= want;
    ensures \result != KEEL_OK ==> err->status == \result;
 */
static keel_status read_all(int fd, const char *name, char *b, size_t want,
                            size_t *got, struct keel_err *err)
{
    size_t n_got = 0;
    int budget = READ_EINTR_BUDGET;
    /*@ loop invariant 0 <= n_got <= want + 1;
        loop invariant 0 <= budget <= READ_EINTR_BUDGET;
        loop assigns n_got, budget, b[0 .. want];
        loop variant (want + 1 - n_got) * (READ_EINTR_BUDGET + 1) + budget;
     */
    while (n_got <= want) {
        long n = keel_sys_read(KEEL_STEP_READ, fd, b + n_got,
                               want + 1 - n_got);
        if (n == 0)
            break;
        if (n == -EINTR && budget > 0) {
            budget--;
            continue;
        }
        if (n < 0)
            return keel_err_set(err, KEEL_E_SYS, KEEL_STEP_READ, (int)-n,
                                name);
        n_got += (size_t)n;
    }
    if (n_got > want) {
        /* Keel replaces files by rename, never in place: a file growing
           under us is another program writing it. Try again later. */
        keel_status st = keel_err_set(err, KEEL_E_SYS, KEEL_STEP_READ, EAGAIN,
                                      name);
        err->message = "the file changed while it was read";
        return st;
    }
    *got = n_got;
    return KEEL_OK;
}

keel_status keel_read_file(int dirfd, const char *name, size_t cap,
                           char **buf, size_t *len, struct keel_err *err)
{
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

    char *b = NULL;
    size_t want = 0, got = 0;
    keel_status st = check_size(fd, name, cap, &want, err);
    if (st == KEEL_OK) {
        /* One byte more than its size, to notice a file that grew, and
           one for the NUL: never more than cap + 2 bytes (G10). */
        //@ assert want <= cap;
        b = malloc(want + 2);
        if (b == NULL)
            st = keel_err_set(err, KEEL_E_NOMEM, KEEL_STEP_READ, ENOMEM, name);
    }
    if (st == KEEL_OK)
        st = read_all(fd, name, b, want, &got, err);
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
