/*
 * cmd_import.c - keel import PATH [--name NAME] [--force]
 *
 * PATH is one auth.json-format file (named by --name, else by its file name
 * unless that is "auth", else by its email's local part) or a directory as
 * `keel export` writes it (each NAME.json). All files are read and checked
 * first; then the snapshots are written (W1) and the registry committed
 * (W2), under the lock. The live auth.json, `current` and the active account
 * are not touched. An existing snapshot is never replaced by a different
 * account's (exit 5) nor silently by older tokens of the same account (kept,
 * with a warning, unless --force).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kernel/name.h"
#include "../kernel/readfile.h"
#include "cmds.h"
#include "regtxn.h"
#include "state.h"

#define IMPORT_MAX 1024

/* A_REGISTER: the snapshot already holds these bytes but the registry
   has no entry (an interrupted import or save): add the entry only. */
enum action { A_SKIP = 0, A_WRITE, A_REGISTER };

struct item {
    char name[KEEL_NAME_MAX + 1];
    char path[PATH_MAX];
    struct cli_snap snap;
    enum action act;
};

static int stem(const char *base, char *out, size_t cap)
{
    size_t n = strlen(base);

    if (n <= 5 || strcmp(base + n - 5, ".json") != 0 || n - 5 >= cap)
        return -1;
    memcpy(out, base, n - 5);
    out[n - 5] = '\0';
    return keel_name_valid(out, n - 5) ? 0 : -1;
}

static int read_item(struct cli *c, int dirfd, const char *dir,
                     const char *base, struct item *it)
{
    cli_join(it->path, sizeof it->path, dir, base);
    if (cli_read(c, dirfd, dir, base, &it->snap.buf, &it->snap.len,
                 &it->snap.missing) != 0)
        return c->exit_code;
    if (it->snap.missing)
        return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL, "%s: not found",
                        it->path);
    keel_claims_from_auth(it->snap.buf, it->snap.len, &it->snap.claims);
    if (!cli_is_auth(&it->snap.claims))
        return cli_fail(c, CLI_EXIT_OTHER, "E_AUTH_INVALID", NULL,
                        "%s is not a Codex auth file", it->path);
    return 0;
}

static int name_single(struct cli *c, struct item *it, const char *base,
                       const char *given)
{
    const char *em = it->snap.claims.email, *at = strchr(em, '@');
    size_t n = at ? (size_t)(at - em) : 0;

    if (given != NULL) {
        if (!keel_name_valid(given, strlen(given)))
            return cli_fail(c, CLI_EXIT_OTHER, "E_NAME_INVALID", NULL,
                            "invalid account name '%.80s'", given);
        snprintf(it->name, sizeof it->name, "%s", given);
        return 0;
    }
    if (strcmp(base, "auth.json") != 0 &&
        stem(base, it->name, sizeof it->name) == 0)
        return 0;
    if (n == 0 || n > KEEL_NAME_MAX || !keel_name_valid(em, n))
        return cli_fail(c, CLI_EXIT_OTHER, "E_NAME_INFERENCE_FAILED",
                        "give a name: keel import PATH --name NAME",
                        "cannot infer an account name for %s", it->path);
    memcpy(it->name, em, n);
    it->name[n] = '\0';
    return 0;
}

static int collect_dir(struct cli *c, const char *dir, struct item *items,
                       int *count)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d;
    struct dirent *e;
    int rc = 0;

    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL,
                        "%s: cannot open directory", dir);
    }
    while (rc == 0 && (e = readdir(d)) != NULL) {
        struct item *it = &items[*count];

        if (strcmp(e->d_name, "registry.json") == 0 ||
            strcmp(e->d_name, "sessions.json") == 0 ||
            stem(e->d_name, it->name, sizeof it->name) != 0)
            continue;
        if (*count >= IMPORT_MAX) {
            rc = cli_fail(c, CLI_EXIT_OTHER, "E_LIMIT", NULL,
                          "%s holds more than %d files", dir, IMPORT_MAX);
            break;
        }
        rc = read_item(c, dirfd(d), dir, e->d_name, it);
        (*count)++;
    }
    closedir(d);
    return rc;
}

static int collect(struct cli *c, const char *path, const char *given,
                   struct item *items, int *count)
{
    struct cli_file f;
    struct stat st;
    int rc;

    if (lstat(path, &st) != 0)
        return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL, "%s: not found",
                        path);
    if (S_ISDIR(st.st_mode)) {
        if (given != NULL)
            return cli_usage(c, "--name applies to one file, not a "
                                "directory");
        return collect_dir(c, path, items, count);
    }
    if (cli_split_path(c, path, &f) != 0 || cli_open_file_dir(c, &f, 0) != 0)
        return c->exit_code;
    if (f.dirfd < 0)
        return cli_fail(c, CLI_EXIT_OTHER, "E_IO", NULL, "%s: not found",
                        path);
    rc = read_item(c, f.dirfd, f.dir, f.base, &items[0]);
    *count = 1;
    if (rc == 0)
        rc = name_single(c, &items[0], f.base, given);
    close(f.dirfd);
    return rc;
}

/* Decide what to do with one item against the state; no writes. */
static int decide(struct cli *c, struct keel_txn *t, struct item *it,
                  int force)
{
    struct cli_snap old;
    struct keel_claims id;
    int rc = 0;

    it->act = A_WRITE;
    if (cli_snap_read(c, it->name, &old) != 0)
        return c->exit_code;
    if (!old.missing && old.len == it->snap.len &&
        memcmp(old.buf, it->snap.buf, old.len) == 0) {
        it->act = cli_has_account(t->reg, it->name) ? A_SKIP : A_REGISTER;
    } else if (!old.missing || cli_has_account(t->reg, it->name)) {
        cli_account_identity(t->reg, it->name, &old, &id);
        if (keel_claims_same(&id, &it->snap.claims) != 1 && !force)
            rc = cli_fail(c, CLI_EXIT_MISMATCH, "E_SNAPSHOT_EMAIL_MISMATCH",
                          "import under another --name, or --force",
                          "account %s belongs to %s, but %s holds %s",
                          it->name, cli_claims_label(&id), it->path,
                          cli_claims_label(&it->snap.claims));
        else if (!force && !old.missing) {
            it->act = cli_has_account(t->reg, it->name) ? A_SKIP : A_REGISTER;
            cli_warn(c, "W_IMPORT_KEPT",
                     "account %s already has other tokens of the same "
                     "login (maybe newer); kept them (--force replaces)",
                     it->name);
        }
    }
    cli_snap_free(&old);
    return rc;
}

static int apply(struct cli *c, struct keel_txn *t, struct item *it)
{
    struct keel_err err;

    if (it->act == A_SKIP)
        return 0;
    if (it->act == A_WRITE &&
        cli_snap_write(c, it->name, it->snap.buf, it->snap.len) != 0) /* W1 */
        return c->exit_code;
    keel_err_clear(&err);
    if (!cli_has_account(t->reg, it->name)) {
        char now[40];

        cli_now_iso(now, sizeof now);
        if (keel_registry_add(t->reg, it->name, now, &err) != KEEL_OK)
            return cli_fail_kernel(c, &err, c->p.accounts_dir);
    }
    return cli_apply_claims(c, t->reg, it->name, &it->snap.claims);
}

static int import(struct cli *c, struct keel_txn *t, const char *path,
                  const char *given, int force, struct item *items)
{
    cJSON *arr = cJSON_AddArrayToObject(c->data, "imported");
    cJSON *kept = cJSON_AddArrayToObject(c->data, "unchanged");
    int i, n = 0, rc;

    rc = collect(c, path, given, items, &n);
    for (i = 0; rc == 0 && i < n; i++)
        rc = decide(c, t, &items[i], force);
    for (i = 0; rc == 0 && i < n; i++) {
        rc = apply(c, t, &items[i]);
        if (rc == 0) {
            int done = items[i].act != A_SKIP;

            cJSON_AddItemToArray(done ? arr : kept,
                                 cJSON_CreateString(items[i].name));
            cli_say(c, "%s %s\n", done ? "imported" : "unchanged",
                    items[i].name);
        }
    }
    for (i = 0; i < n; i++)
        cli_snap_free(&items[i].snap);
    return rc;
}

int cmd_import(struct cli *c, int argc, char **argv)
{
    int force = 0, npos, rc;
    const char *pos[1] = {NULL}, *given = NULL;
    const struct cli_opt opts[] = {{"--force", &force, NULL},
                                   {"--name", NULL, &given},
                                   {NULL, NULL, NULL}};
    struct item *items;
    struct keel_txn t;

    if (cli_parse_opts(c, argc, argv, opts, pos, 1, &npos) != 0)
        return c->exit_code;
    if (npos != 1)
        return cli_usage(c, "usage: keel import PATH [--name NAME] [--force]");
    items = calloc(IMPORT_MAX, sizeof *items);
    if (items == NULL)
        return cli_fail(c, CLI_EXIT_OTHER, "E_NOMEM", NULL, "out of memory");
    rc = cli_begin(c, &t);
    if (rc == 0) {
        rc = import(c, &t, pos[0], given, force, items);
        if (rc != 0)
            cli_abort(&t);
        else
            rc = cli_commit(c, &t);                            /* W2 */
    }
    free(items);
    return rc;
}
