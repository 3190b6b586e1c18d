/*
 * paths.c - where the state lives, and opening its directories safely.
 *
 * The same files and environment overrides as the Node tool (DESIGN.md
 * section 1): an override that is set and not blank wins, relative paths are
 * taken from the working directory. Directories are opened with
 * O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC and every later access is *at() relative
 * to them, so a name swapped for a symlink halfway through is never
 * followed (G8). Missing directories are created 0700 whatever the umask.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kernel/sys.h"
#include "cli.h"

void cli_join(char *out, size_t cap, const char *dir, const char *name)
{
    size_t n = strlen(dir);

    if (n > 0 && dir[n - 1] == '/')
        snprintf(out, cap, "%s%s", dir, name);
    else
        snprintf(out, cap, "%s/%s", dir, name);
}

/* The override's value with surrounding blanks removed, or NULL. */
static const char *env_value(const char *name, char *buf, size_t cap)
{
    const char *v = getenv(name);
    size_t n;

    if (v == NULL)
        return NULL;
    while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
        v++;
    n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' ||
                     v[n - 1] == '\n' || v[n - 1] == '\r'))
        n--;
    if (n == 0 || n >= cap)
        return NULL;
    memcpy(buf, v, n);
    buf[n] = '\0';
    return buf;
}

static int absolute(struct cli *c, const char *in, char *out, size_t cap)
{
    char cwd[PATH_MAX];

    if (in[0] == '/') {
        if ((size_t)snprintf(out, cap, "%s", in) >= cap)
            return cli_fail(c, CLI_EXIT_OTHER, "E_PATH", NULL,
                            "path too long: %.64s...", in);
        return 0;
    }
    if (getcwd(cwd, sizeof cwd) == NULL)
        return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL,
                        "cannot read the working directory: %s",
                        strerror(errno));
    if ((size_t)snprintf(out, cap, "%s/%s", cwd, in) >= cap)
        return cli_fail(c, CLI_EXIT_OTHER, "E_PATH", NULL,
                        "path too long: %.64s...", in);
    return 0;
}

static int resolve(struct cli *c, const char *env, const char *dflt_dir,
                   const char *dflt_name, char *out)
{
    char buf[PATH_MAX];
    const char *v = env_value(env, buf, sizeof buf);

    if (v != NULL)
        return absolute(c, v, out, PATH_MAX);
    cli_join(out, PATH_MAX, dflt_dir, dflt_name);
    return 0;
}

int cli_split_path(struct cli *c, const char *path, struct cli_file *f)
{
    const char *slash = strrchr(path, '/');
    size_t dn;

    f->dirfd = -1;
    snprintf(f->path, sizeof f->path, "%s", path);
    if (slash == NULL || slash[1] == '\0' || strlen(slash + 1) > NAME_MAX ||
        strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0)
        return cli_fail(c, CLI_EXIT_OTHER, "E_PATH", NULL,
                        "%s does not name a file", path);
    dn = (size_t)(slash - path);
    if (dn == 0)
        dn = 1; /* "/auth.json": the directory is "/" */
    memcpy(f->dir, path, dn);
    f->dir[dn] = '\0';
    snprintf(f->base, sizeof f->base, "%s", slash + 1);
    return 0;
}

int cli_paths_resolve(struct cli *c)
{
    struct cli_paths *p = &c->p;
    char buf[PATH_MAX];
    char tmp[PATH_MAX];

    p->accounts_fd = -1;
    p->auth.dirfd = p->current.dirfd = -1;
    if (env_value("CODEX_AUTH_CODEX_DIR", buf, sizeof buf) != NULL) {
        if (absolute(c, buf, p->codex_dir, sizeof p->codex_dir) != 0)
            return c->exit_code;
    } else {
        const char *home = getenv("HOME");

        if (home == NULL || home[0] != '/')
            return cli_fail(c, CLI_EXIT_OTHER, "E_PATH",
                            "set HOME or CODEX_AUTH_CODEX_DIR",
                            "HOME is not set to an absolute path");
        cli_join(p->codex_dir, sizeof p->codex_dir, home, ".codex");
    }
    if (resolve(c, "CODEX_AUTH_ACCOUNTS_DIR", p->codex_dir, "accounts",
                p->accounts_dir) != 0 ||
        resolve(c, "CODEX_AUTH_JSON_PATH", p->codex_dir, "auth.json", tmp) != 0 ||
        cli_split_path(c, tmp, &p->auth) != 0 ||
        resolve(c, "CODEX_AUTH_CURRENT_PATH", p->codex_dir, "current", tmp) != 0 ||
        cli_split_path(c, tmp, &p->current) != 0 ||
        resolve(c, "CODEX_AUTH_SESSION_MAP_PATH", p->accounts_dir,
                "sessions.json", p->session_map) != 0)
        return c->exit_code;
    return 0;
}

/* A directory mkdir just created: set 0700 exactly (the umask may have
   taken bits away, G8), then fsync it (its mode) and its parent (its entry):
   without the parent's fsync a power cut can drop the new directory, and
   with it an acknowledged first save, on a file system that journals each
   directory separately (G2; spec/cli-order.md). */
static int settle_new_dir(struct cli *c, const char *path, size_t slash)
{
    struct keel_err err;
    int fd, r;

    fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL,
                        "%s: cannot open the new directory: %s", path,
                        strerror(errno));
    if (fchmod(fd, 0700) != 0) {
        r = errno;
        close(fd);
        return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL,
                        "%s: cannot set mode 0700: %s", path, strerror(r));
    }
    r = keel_sys_fsync(KEEL_STEP_CLI_FSYNC_MKDIR, fd);
    /* Read-only directory descriptors below: the fsync result is what
       counts (checked); closing one cannot lose data. */
    close(fd);
    if (r == 0) {
        char parent[PATH_MAX];
        int pfd;

        /* "/x": the parent is "/" */
        memcpy(parent, path, slash == 0 ? 1 : slash);
        parent[slash == 0 ? 1 : slash] = '\0';
        pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0)
            r = -errno;
        else {
            r = keel_sys_fsync(KEEL_STEP_CLI_FSYNC_MKDIR, pfd);
            close(pfd);
        }
    }
    if (r < 0) {
        keel_err_clear(&err);
        keel_err_set(&err, KEEL_E_SYS, KEEL_STEP_CLI_FSYNC_MKDIR, -r, path);
        return cli_fail_kernel(c, &err, path);
    }
    return 0;
}

int cli_mkdir_p(struct cli *c, const char *path)
{
    char buf[PATH_MAX];
    size_t i, n = strlen(path), last = 0;

    if (n == 0 || n >= sizeof buf)
        return cli_fail(c, CLI_EXIT_OTHER, "E_PATH", NULL, "bad directory path");
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (i > last + 1 && mkdir(buf, 0700) == 0) {
            if (settle_new_dir(c, buf, last) != 0)
                return c->exit_code;
        } else if (i > last + 1 && errno != EEXIST) {
            return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL,
                            "%s: cannot create directory: %s", buf,
                            strerror(errno));
        }
        if (i < n)
            buf[i] = '/';
        last = i;
    }
    return 0;
}

int cli_check_dir_safe(struct cli *c, int fd, const char *path)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL, "%s: cannot stat: %s",
                        path, strerror(errno));
    if (c->lenient && (st.st_uid != geteuid() || (st.st_mode & 022))) {
        cli_warn(c, "W_DIR_UNSAFE",
                 "%s is %s (mode %04o): other commands refuse to use it; "
                 "chmod 700 it", path,
                 st.st_uid != geteuid() ? "owned by another user"
                                        : "writable by group or others",
                 (unsigned)(st.st_mode & 07777));
        return 0;
    }
    if (st.st_mode & 077)
        /* readable by others: allowed, but worth a word from keel check */
        if (c->lenient)
            cli_warn(c, "W_DIR_MODE", "%s has mode %04o, looser than 0700",
                     path, (unsigned)(st.st_mode & 07777));
    if (st.st_uid != geteuid())
        return cli_fail(c, CLI_EXIT_OTHER, "E_STATE_UNSAFE",
                        "the directory must belong to you (chown it)",
                        "%s is owned by uid %ld, not by you: refusing to use "
                        "it", path, (long)st.st_uid);
    if (st.st_mode & 022)
        return cli_fail(c, CLI_EXIT_OTHER, "E_STATE_UNSAFE",
                        "run: chmod go-w on the directory (0700 is best)",
                        "%s is writable by group or others (mode %04o): "
                        "refusing to use it", path,
                        (unsigned)(st.st_mode & 07777));
    return 0;
}

static int open_dir(struct cli *c, const char *path, int create, int *fd)
{
    *fd = -1;
    if (create && cli_mkdir_p(c, path) != 0)
        return c->exit_code;
    *fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (*fd < 0) {
        if (errno == ENOENT && !create)
            return 0;
        if (errno == ELOOP || errno == ENOTDIR)
            return cli_fail(c, CLI_EXIT_OTHER, "E_SYMLINK",
                            "Keel does not follow symlinks in its state",
                            "%s is a symlink or not a directory", path);
        return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL,
                        "%s: cannot open directory: %s", path, strerror(errno));
    }
    if (cli_check_dir_safe(c, *fd, path) != 0) {
        close(*fd);
        *fd = -1;
        return c->exit_code;
    }
    return 0;
}

int cli_open_file_dir(struct cli *c, struct cli_file *f, int create)
{
    if (f->dirfd >= 0)
        return 0;
    return open_dir(c, f->dir, create, &f->dirfd);
}

int cli_open_state(struct cli *c, int create)
{
    if (open_dir(c, c->p.accounts_dir, create, &c->p.accounts_fd) != 0)
        return c->exit_code;
    if (cli_open_file_dir(c, &c->p.auth, create) != 0)
        return c->exit_code;
    if (c->p.auth.dirfd >= 0 && strcmp(c->p.auth.dir, c->p.current.dir) == 0) {
        c->p.current.dirfd = fcntl(c->p.auth.dirfd, F_DUPFD_CLOEXEC, 0);
        if (c->p.current.dirfd < 0)
            return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL, "dup: %s",
                            strerror(errno));
        return 0;
    }
    return cli_open_file_dir(c, &c->p.current, create);
}

/* Directory descriptors are read-only: closing one cannot lose data. */
static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

void cli_close_state(struct cli *c)
{
    close_fd(&c->p.accounts_fd);
    close_fd(&c->p.auth.dirfd);
    close_fd(&c->p.current.dirfd);
}
