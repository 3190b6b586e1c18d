/*
 * floor_seq.h - the physical floor of a durable replace.
 *
 * The bare sequence any durable file replace must pay, with nothing else:
 * open a temp (O_CREAT|O_EXCL), write every byte, fsync it, close, rename
 * over the target, fsync the directory. Keel's commit is measured against
 * this, on the same bytes in the same directory.
 */
#ifndef KEEL_BENCH_FLOOR_SEQ_H
#define KEEL_BENCH_FLOOR_SEQ_H

#include <stddef.h>

/* Replace dirfd/target with buf[0..len) through dirfd/temp. 0 or -errno. */
int bench_floor_write(int dirfd, const char *temp, const char *target,
                      const char *buf, size_t len);

#endif
