#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tu_mkdtemp(char *buf, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, cap, "%s/keel-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(buf) == NULL) {
        perror("mkdtemp");
        abort();
    }
    int fd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        perror("open tmpdir");
        abort();
    }
    return fd;
}

int tu_fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        abort();
    f->dirfd = tu_mkdtemp(f->path, sizeof f->path);
    *state = f;
    return 0;
}

int tu_fx_teardown(void **state)
{
    struct fx *f = *state;
    close(f->dirfd);
    tu_rmtree(f->path);
    free(f);
    return 0;
}

void tu_rmtree(const char *path)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", path);
}

void tu_write(int dirfd, const char *name, const char *data, size_t len,
              unsigned mode)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    (mode_t)mode);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) ||
        close(fd) != 0) {
        perror("tu_write");
        abort();
    }
}

char *tu_read(int dirfd, const char *name, size_t *len)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    if (b == NULL)
        abort();
    for (;;) {
        if (n == cap) {
            cap *= 2;
            char *nb = realloc(b, cap + 1);
            if (nb == NULL)
                abort();
            b = nb;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

int tu_count_prefix(int dirfd, const char *prefix)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fdopendir(fd);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

int tu_mode(int dirfd, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    return (int)(st.st_mode & 07777);
}
