/*
 * cmd_export.c - keel export DIR
 *
 * Copies every account's snapshot to DIR/<name>.json (atomic, 0600; DIR is
 * created 0700 and refused if others can write it). Holds the registry lock
 * so the copies are one consistent generation; the state is not changed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "regtxn.h"
#include "state.h"

static int export_all(struct cli *c, struct keel_txn *t, const char *dir,
                      int fd)
{
    struct cli_snap s;
    char file[NAME_MAX + 1];
    cJSON *arr = cJSON_AddArrayToObject(c->data, "exported");
    size_t i, n = keel_registry_count(t->reg);
    int rc = 0;

    cJSON_AddStringToObject(c->data, "dir", dir);
    for (i = 0; i < n && rc == 0; i++) {
        const char *name = keel_registry_name_at(t->reg, i);

        if (cli_snap_read(c, name, &s) != 0)
            return c->exit_code;
        if (s.missing) {
            cli_warn(c, "W_SNAPSHOT_MISSING",
                     "account %s has no snapshot; not exported", name);
            continue;
        }
        cli_snapshot_file(name, file, sizeof file);
        rc = cli_write(c, fd, dir, file, s.buf, s.len);
        if (rc == 0) {
            cJSON_AddItemToArray(arr, cJSON_CreateString(name));
            cli_say(c, "exported %s\n", name);
        }
        cli_snap_free(&s);
    }
    return rc;
}

int cmd_export(struct cli *c, int argc, char **argv)
{
    const char *pos[1] = {NULL};
    struct cli_file d;
    struct keel_txn t;
    char path[PATH_MAX];
    int npos, fd, rc;

    if (cli_parse_opts(c, argc, argv, NULL, pos, 1, &npos) != 0)
        return c->exit_code;
    if (npos != 1)
        return cli_usage(c, "usage: keel export DIR");
    /* a path inside DIR names the directory for cli_split_path */
    if (snprintf(path, sizeof path, "%s/x", pos[0]) >= (int)sizeof path)
        return cli_usage(c, "export directory path too long");
    if (pos[0][0] != '/') {
        char cwd[PATH_MAX];

        if (getcwd(cwd, sizeof cwd) == NULL ||
            snprintf(path, sizeof path, "%s/%s/x", cwd, pos[0]) >=
                (int)sizeof path)
            return cli_usage(c, "export directory path too long");
    }
    if (cli_split_path(c, path, &d) != 0 || cli_open_file_dir(c, &d, 1) != 0)
        return c->exit_code;
    fd = d.dirfd;
    rc = cli_begin(c, &t);
    if (rc == 0) {
        rc = export_all(c, &t, d.dir, fd);
        cli_abort(&t); /* nothing in the state changed */
    }
    close(fd);
    return rc;
}
