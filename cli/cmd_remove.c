/*
 * cmd_remove.c - keel remove NAME...
 *
 * Deletes each account's snapshot and registry entry. Every name is checked
 * before anything is touched (all or nothing for typos). Write order
 * (spec/cli-order.md): W1 unlink snapshots + fsync dir, W2 current, W3
 * registry commit - all under the lock. A crash after W1 leaves entries
 * without snapshots, which the next `keel remove NAME` finishes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/name.h"
#include "cmds.h"
#include "regtxn.h"
#include "state.h"

static int known(struct cli *c, struct keel_txn *t, const char *name)
{
    struct cli_snap s;

    if (!keel_name_valid(name, strlen(name)))
        return cli_fail(c, CLI_EXIT_NOT_FOUND, "E_ACCOUNT_NOT_FOUND",
                        "run 'keel list' to see the saved accounts",
                        "no account named '%.80s'", name);
    if (cli_has_account(t->reg, name))
        return 0;
    /* a snapshot left by an interrupted command can be removed too */
    if (cli_snap_read(c, name, &s) != 0)
        return c->exit_code;
    cli_snap_free(&s);
    if (s.missing)
        return cli_fail(c, CLI_EXIT_NOT_FOUND, "E_ACCOUNT_NOT_FOUND",
                        "run 'keel list' to see the saved accounts",
                        "no account named '%s'", name);
    return 0;
}

static int removing(const char **names, int n, const char *name)
{
    int i;

    for (i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

static int remove_all(struct cli *c, struct keel_txn *t, const char **names,
                      int n)
{
    struct keel_err err;
    char file[NAME_MAX + 1], cur[KEEL_NAME_MAX + 2];
    const char *active;
    cJSON *arr;
    int i;

    for (i = 0; i < n; i++)
        if (known(c, t, names[i]) != 0)
            return c->exit_code;
    for (i = 0; i < n; i++) {                                  /* W1 */
        cli_snapshot_file(names[i], file, sizeof file);
        if (cli_unlink(c, KEEL_STEP_CLI_UNLINK_SNAPSHOT, c->p.accounts_fd,
                       c->p.accounts_dir, file) != 0)
            return c->exit_code;
    }
    if (cli_current_read(c, cur, sizeof cur) != 0)
        return c->exit_code;
    if (cur[0] && removing(names, n, cur) &&
        cli_current_write(c, NULL) != 0)                       /* W2 */
        return c->exit_code;
    active = keel_registry_active(t->reg);
    keel_err_clear(&err);
    if (active != NULL && removing(names, n, active) &&
        keel_registry_set_active(t->reg, NULL, &err) != KEEL_OK)
        return cli_fail_kernel(c, &err, c->p.accounts_dir);
    arr = cJSON_AddArrayToObject(c->data, "removed");
    for (i = 0; i < n; i++) {
        if (cli_has_account(t->reg, names[i]) &&
            keel_registry_remove(t->reg, names[i], &err) != KEEL_OK)
            return cli_fail_kernel(c, &err, c->p.accounts_dir);
        if (!removing(names, i, names[i])) {
            cJSON_AddItemToArray(arr, cJSON_CreateString(names[i]));
            cli_say(c, "removed %s\n", names[i]);
        }
    }
    return 0;
}

int cmd_remove(struct cli *c, int argc, char **argv)
{
    const char **pos;
    struct keel_txn t;
    int npos, rc;

    pos = calloc((size_t)argc + 1, sizeof *pos);
    if (pos == NULL)
        return cli_fail(c, CLI_EXIT_OTHER, "E_NOMEM", NULL, "out of memory");
    rc = cli_parse_opts(c, argc, argv, NULL, pos, argc, &npos);
    if (rc == 0 && npos == 0)
        rc = cli_usage(c, "usage: keel remove NAME...");
    if (rc == 0)
        rc = cli_begin(c, &t);
    if (rc == 0) {
        rc = remove_all(c, &t, pos, npos);
        if (rc != 0)
            cli_abort(&t);
        else
            rc = cli_commit(c, &t);                            /* W3 */
    }
    free(pos);
    return rc;
}
