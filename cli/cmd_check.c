/*
 * cmd_check.c - keel check [--file PATH]
 *
 * Read-only diagnosis. Exit 0 when the registry decodes (warnings listed),
 * 7 with the decoder's error record when it does not. Recognises every
 * state a crash between two writes of save/use/remove/rename can leave
 * (spec/cli-order.md): snapshots without entry, entries without snapshot,
 * `current` disagreeing with the registry, auth.json holding a different
 * account than the active one. Also: file modes looser than 0600, Keel temp
 * files left by a killed writer, and the interop lock file.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kernel/codec.h"
#include "../kernel/lock.h"
#include "../kernel/name.h"
#include "../kernel/readfile.h"
#include "../kernel/sweep.h"
#include "../kernel/sys.h"
#include "cmds.h"
#include "regtxn.h"
#include "state.h"

#define ORPHANS_MAX 256

struct scan {
    char orphans[ORPHANS_MAX][KEEL_NAME_MAX + 1]; /* *.json with a name stem */
    size_t norphans;
};

static void check_mode(struct cli *c, int dirfd, const char *dir,
                       const char *name, const char *what)
{
    struct stat st;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (S_ISLNK(st.st_mode))
        cli_warn(c, "W_SYMLINK", "%s %s/%s is a symlink; Keel will not write "
                 "through it", what, dir, name);
    else if (S_ISREG(st.st_mode) && (st.st_mode & 077))
        cli_warn(c, "W_FILE_MODE", "%s %s/%s has mode %04o, looser than "
                 "0600; the next write tightens it, or chmod 600 it",
                 what, dir, name, (unsigned)(st.st_mode & 07777));
}

static void check_lock(struct cli *c, int fd)
{
    struct keel_err err;
    char *buf;
    size_t len;
    long pid = 0;
    long long at = -1, age;

    keel_err_clear(&err);
    if (keel_read_file(fd, KEEL_LOCK_FILE, KEEL_LOCK_PAYLOAD_MAX, &buf, &len,
                       &err) != KEEL_OK) {
        if (err.status != KEEL_E_NOT_FOUND)
            cli_warn(c, "W_LOCK_FOREIGN", "%s/%s is not a lock file Keel can "
                     "read", c->p.accounts_dir, KEEL_LOCK_FILE);
        return;
    }
    keel_lock_parse_payload(buf, len, &pid, &at);
    free(buf);
    age = at >= 0 ? keel_sys_wall_s() - at : -1;
    if (pid > 0 && keel_sys_pid_alive(pid) &&
        (age < 0 || age * 1000 <= KEEL_LOCK_STALE_MS))
        cli_warn(c, "W_LOCK_HELD", "%s/%s: the registry lock is held by pid "
                 "%ld (a command is running)", c->p.accounts_dir,
                 KEEL_LOCK_FILE, pid);
    else
        cli_warn(c, "W_LOCK_STALE", "%s/%s is stale (pid %ld %s); the next "
                 "write command removes it", c->p.accounts_dir,
                 KEEL_LOCK_FILE, pid,
                 pid > 0 && keel_sys_pid_alive(pid) ? "too old" : "is gone");
}

static int scan_dir(struct cli *c, struct scan *s)
{
    int fd = fcntl(c->p.accounts_fd, F_DUPFD_CLOEXEC, 0);
    const char *smap = strrchr(c->p.session_map, '/');
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;

    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL,
                        "%s: cannot list directory", c->p.accounts_dir);
    }
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        size_t n = strlen(nm);

        if (keel_is_temp_name(nm, n))
            cli_warn(c, "W_TEMP_LEFT", "%s/%s is a temp file left by a killed "
                     "writer; the next write command removes it",
                     c->p.accounts_dir, nm);
        else if (strcmp(nm, KEEL_REGISTRY_FILE) == 0)
            check_mode(c, c->p.accounts_fd, c->p.accounts_dir, nm, "registry");
        else if (strncmp(nm, KEEL_DAMAGED_PREFIX,
                         strlen(KEEL_DAMAGED_PREFIX)) == 0)
            cli_warn(c, "W_DAMAGED_KEPT", "%s/%s is a damaged registry kept "
                     "aside by 'keel recover'; delete it when done",
                     c->p.accounts_dir, nm);
        else if (n > 5 && strcmp(nm + n - 5, ".json") == 0 &&
                 strcmp(nm, "sessions.json") != 0 &&
                 (smap == NULL || strcmp(nm, smap + 1) != 0) &&
                 keel_name_valid(nm, n - 5) && s->norphans < ORPHANS_MAX) {
            memcpy(s->orphans[s->norphans], nm, n - 5);
            s->orphans[s->norphans++][n - 5] = '\0';
            check_mode(c, c->p.accounts_fd, c->p.accounts_dir, nm,
                       "snapshot");
        }
    }
    closedir(d);
    check_lock(c, c->p.accounts_fd);
    return 0;
}

/* Temp files a killed keel left beside auth.json or `current`, when they
   live outside the accounts directory (scanned above): the next write
   command sweeps these too (G7). */
static void scan_temps_beside(struct cli *c, const struct cli_file *f,
                              int done_fd)
{
    struct stat a, b;
    DIR *d;
    struct dirent *e;
    int fd;

    if (f->dirfd < 0 || fstat(f->dirfd, &a) != 0)
        return;
    if (c->p.accounts_fd >= 0 && fstat(c->p.accounts_fd, &b) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return;
    if (done_fd >= 0 && fstat(done_fd, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
        return;
    fd = openat(f->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        cli_warn(c, "W_DIR_UNREADABLE", "%s: cannot list the directory",
                 f->dir);
        return;
    }
    while ((e = readdir(d)) != NULL)
        if (keel_is_temp_name(e->d_name, strlen(e->d_name)))
            cli_warn(c, "W_TEMP_LEFT", "%s/%s is a temp file left by a "
                     "killed writer; the next write command removes it",
                     f->dir, e->d_name);
    closedir(d);
}

/* sessions.json belongs to the Node tool: Keel never writes it, but a
   damaged one is worth a word. */
static void check_sessions(struct cli *c)
{
    struct cli_file f;
    struct keel_err err;
    char *buf = NULL;
    size_t len = 0;
    int failed = c->failed;

    if (cli_split_path(c, c->p.session_map, &f) != 0 ||
        cli_open_file_dir(c, &f, 0) != 0 || f.dirfd < 0) {
        c->failed = failed;
        if (f.dirfd >= 0)
            close(f.dirfd);
        return;
    }
    keel_err_clear(&err);
    if (keel_read_file(f.dirfd, f.base, CLI_AUTH_SIZE_MAX * 8, &buf, &len,
                       &err) != KEEL_OK) {
        if (err.status != KEEL_E_NOT_FOUND)
            cli_warn(c, "W_SESSIONS_UNREADABLE", "%s: cannot read it (%s); "
                     "Keel does not use it", c->p.session_map,
                     err.sys_errno ? strerror(err.sys_errno)
                                   : keel_strerror(err.status));
    } else {
        cJSON *j = cJSON_ParseWithLength(buf, len + 1);

        if (j == NULL || !cJSON_IsObject(j))
            cli_warn(c, "W_SESSIONS_INVALID", "%s is not a JSON object; "
                     "Keel never writes it (the Node tool's session map)",
                     c->p.session_map);
        cJSON_Delete(j);
        free(buf);
    }
    close(f.dirfd);
}

static void check_accounts(struct cli *c, const struct keel_registry *reg,
                           const struct scan *s)
{
    struct cli_snap snap;
    size_t i, n = keel_registry_count(reg);

    for (i = 0; i < n; i++) {
        const char *name = keel_registry_name_at(reg, i);

        if (cli_snap_read(c, name, &snap) != 0) {
            /* unreadable (symlink, too large): say so, go on */
            cli_warn(c, "W_SNAPSHOT_UNREADABLE", "%s", c->message);
            c->failed = 0;
            continue;
        }
        if (snap.missing)
            cli_warn(c, "W_SNAPSHOT_MISSING", "account %s has no snapshot "
                     "%s/%s.json ('keel remove %s' finishes an interrupted "
                     "remove; a rename is finished by running it again)",
                     name, c->p.accounts_dir, name, name);
        else if (!cli_is_auth(&snap.claims))
            cli_warn(c, "W_SNAPSHOT_INVALID", "snapshot %s/%s.json is not a "
                     "Codex auth file", c->p.accounts_dir, name);
        cli_snap_free(&snap);
    }
    for (i = 0; i < s->norphans; i++)
        if (!cli_has_account(reg, s->orphans[i]))
            cli_warn(c, "W_SNAPSHOT_ORPHAN", "%s/%s.json has no registry "
                     "entry (an interrupted save, rename or remove): 'keel "
                     "save' or 'keel import' adopts it, 'keel remove %s' "
                     "deletes it", c->p.accounts_dir, s->orphans[i],
                     s->orphans[i]);
}

static int check_live(struct cli *c, const struct keel_registry *reg)
{
    const char *active = keel_registry_active(reg);
    char cur[KEEL_NAME_MAX + 2], owner[KEEL_NAME_MAX + 1];
    struct cli_snap live;
    enum cli_owner who;

    if (active != NULL && !cli_has_account(reg, active))
        cli_warn(c, "W_ACTIVE_UNKNOWN", "the registry's active account %s "
                 "has no entry", active);
    if (cli_current_read(c, cur, sizeof cur) != 0)
        return c->exit_code;
    if (cur[0] && !cli_has_account(reg, cur))
        cli_warn(c, "W_CURRENT_UNKNOWN", "%s names unknown account '%s'",
                 c->p.current.path, cur);
    else if (cur[0] && (active == NULL || strcmp(cur, active) != 0))
        cli_warn(c, "W_CURRENT_MISMATCH", "%s names %s but the registry's "
                 "active account is %s ('keel use NAME' settles both)",
                 c->p.current.path, cur, active ? active : "(none)");
    check_mode(c, c->p.auth.dirfd, c->p.auth.dir, c->p.auth.base,
               "auth file");
    if (cli_auth_read(c, &live) != 0)
        return c->exit_code;
    if (!live.missing && cli_find_owner(c, reg, &live, owner, sizeof owner,
                                        &who) == 0) {
        if (who == CLI_OWNER_NONE || who == CLI_OWNER_AMBIGUOUS)
            cli_warn(c, "W_AUTH_UNSAVED", "%s holds %s, which is not a saved "
                     "account ('keel save NAME' keeps it)", c->p.auth.path,
                     cli_claims_label(&live.claims));
        else if (active == NULL || strcmp(owner, active) != 0)
            cli_warn(c, "W_AUTH_NOT_ACTIVE", "%s holds account %s but the "
                     "registry's active account is %s (an interrupted "
                     "'keel use %s'; run it again)", c->p.auth.path, owner,
                     active ? active : "(none)", owner);
    }
    cli_snap_free(&live);
    cJSON_AddStringToObject(c->data, "owner", owner);
    return c->failed ? c->exit_code : 0;
}

/* --file PATH: just decode that file. */
static int check_file(struct cli *c, const char *path)
{
    struct cli_file f;
    struct keel_registry *reg = NULL;
    struct keel_warnings w = {0};
    struct keel_err err;
    char *buf = NULL;
    size_t len = 0, i;

    if (cli_split_path(c, path, &f) != 0 || cli_open_file_dir(c, &f, 0) != 0)
        return c->exit_code;
    keel_err_clear(&err);
    if (f.dirfd < 0)
        return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL, "%s: not found",
                        path);
    if (keel_read_file(f.dirfd, f.base, KEEL_REGISTRY_SIZE_MAX, &buf, &len,
                       &err) != KEEL_OK ||
        keel_codec_decode(buf, len, &reg, &w, &err) != KEEL_OK) {
        free(buf);
        close(f.dirfd);
        if (err.status == KEEL_E_CORRUPT && err.step == KEEL_STEP_NONE)
            err.step = KEEL_STEP_DECODE;
        err.file = f.base;
        return cli_fail_kernel(c, &err, f.dir);
    }
    for (i = 0; i < w.count && i < KEEL_WARNINGS_MAX; i++)
        cli_warn(c, "W_REGISTRY_FIELD", "%s: %s: %s", path, w.item[i].json_path,
                 w.item[i].message ? w.item[i].message : "kept as is");
    cJSON_AddStringToObject(c->data, "file", path);
    cJSON_AddNumberToObject(c->data, "accounts",
                            (double)keel_registry_count(reg));
    cli_say(c, "%s: valid registry, %zu accounts\n", path,
            keel_registry_count(reg));
    keel_registry_free(reg);
    free(buf);
    close(f.dirfd);
    return 0;
}

int cmd_check(struct cli *c, int argc, char **argv)
{
    const char *pos[1], *file = NULL;
    const struct cli_opt opts[] = {{"--file", NULL, &file}, {NULL, NULL, NULL}};
    struct keel_registry *reg;
    struct scan *s;
    char path[PATH_MAX];
    int npos, rc;

    if (cli_parse_opts(c, argc, argv, opts, pos, 0, &npos) != 0)
        return c->exit_code;
    c->lenient = 1;
    if (file != NULL)
        return check_file(c, file);
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return cli_fail(c, CLI_EXIT_OTHER, "E_NOMEM", NULL, "out of memory");
    cli_join(path, sizeof path, c->p.accounts_dir, KEEL_REGISTRY_FILE);
    cJSON_AddStringToObject(c->data, "registry", path);
    rc = cli_open_state(c, 0);
    if (rc == 0 && c->p.accounts_fd >= 0)
        rc = scan_dir(c, s);
    if (rc == 0) {
        scan_temps_beside(c, &c->p.auth, -1);
        scan_temps_beside(c, &c->p.current, c->p.auth.dirfd);
        check_sessions(c);
        rc = cli_load(c, &reg);
    }
    if (rc == 0) {
        check_accounts(c, reg, s);
        rc = check_live(c, reg);
        cJSON_AddNumberToObject(c->data, "accounts",
                                (double)keel_registry_count(reg));
        cJSON_AddBoolToObject(c->data, "healthy", rc == 0);
        if (rc == 0)
            cli_say(c, "%s: ok, %zu accounts, %d warning%s\n", path,
                    keel_registry_count(reg), c->nwarn,
                    c->nwarn == 1 ? "" : "s");
        keel_registry_free(reg);
    }
    free(s);
    return rc;
}
