/*
 * floor.c - a process that does nothing but the floor sequence.
 *
 *   floor DIR NBYTES
 *
 * Writes NBYTES bytes to DIR/bench-floor.json by the bare durable replace
 * (floor_seq.h). The reference for whole-process `keel` runs: same
 * directory, same number of bytes, same exec and dynamic-loading costs
 * minus everything Keel adds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "floor_seq.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: floor DIR NBYTES\n", stderr);
        return 2;
    }
    char *end;
    unsigned long long n = strtoull(argv[2], &end, 10);
    if (*end != '\0' || n > (64ull << 20)) {
        fputs("floor: bad NBYTES\n", stderr);
        return 2;
    }
    char *buf = malloc(n ? (size_t)n : 1);
    int dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (buf == NULL || dirfd < 0) {
        perror("floor");
        return 1;
    }
    memset(buf, 'x', (size_t)n);
    int r = bench_floor_write(dirfd, ".bench-floor-proc.tmp",
                              "bench-floor-proc.json", buf, (size_t)n);
    if (r != 0) {
        fprintf(stderr, "floor: %s\n", strerror(-r));
        return 1;
    }
    close(dirfd);
    free(buf);
    return 0;
}
