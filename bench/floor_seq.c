/*
 * floor_seq.c - see floor_seq.h.
 */
#include "floor_seq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int bench_floor_write(int dirfd, const char *temp, const char *target,
                      const char *buf, size_t len)
{
    int fd = openat(dirfd, temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                    0600);
    if (fd < 0)
        return -errno;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, buf + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            unlinkat(dirfd, temp, 0);
            return -e;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlinkat(dirfd, temp, 0);
        return -e;
    }
    if (close(fd) != 0 || renameat(dirfd, temp, dirfd, target) != 0) {
        int e = errno;
        unlinkat(dirfd, temp, 0);
        return -e;
    }
    return fsync(dirfd) == 0 ? 0 : -errno;
}
