/*
 * cmd_rename.c - keel rename OLD NEW
 *
 * Write order (spec/cli-order.md): W1 NEW.json = copy of OLD.json (atomic,
 * durable), W2 current (if it named OLD), W3 unlink OLD.json + fsync dir,
 * W4 registry commit - all under the lock. Every prefix of that is
 * recognised by `keel check` and finished by running the rename again: a
 * NEW.json that is byte-identical to OLD.json, or an OLD.json already gone
 * while NEW.json exists, is taken as an interrupted rename.
 */
#include <stdio.h>
#include <string.h>

#include "../kernel/name.h"
#include "cmds.h"
#include "regtxn.h"
#include "state.h"

static int same_bytes(const struct cli_snap *a, const struct cli_snap *b)
{
    return !a->missing && !b->missing && a->len == b->len &&
           memcmp(a->buf, b->buf, a->len) == 0;
}

static int check_names(struct cli *c, struct keel_txn *t, const char *from,
                       const char *to)
{
    if (!keel_name_valid(from, strlen(from)) || !cli_has_account(t->reg, from))
        return cli_fail(c, CLI_EXIT_NOT_FOUND, "E_ACCOUNT_NOT_FOUND",
                        "run 'keel list' to see the saved accounts",
                        "no account named '%.80s'", from);
    if (!keel_name_valid(to, strlen(to)))
        return cli_fail(c, CLI_EXIT_OTHER, "E_NAME_INVALID",
                        "names match [A-Za-z0-9][A-Za-z0-9._@+-]* and have "
                        "at most 64 bytes",
                        "invalid account name '%.80s'", to);
    if (cli_has_account(t->reg, to))
        return cli_fail(c, CLI_EXIT_OTHER, "E_ACCOUNT_EXISTS",
                        "remove it first, or pick another name",
                        "an account named '%s' already exists", to);
    return 0;
}

static int move_files(struct cli *c, const char *from, const char *to)
{
    struct cli_snap o, n;
    char cur[KEEL_NAME_MAX + 2];
    int rc;

    if (cli_snap_read(c, from, &o) != 0)
        return c->exit_code;
    rc = cli_snap_read(c, to, &n);
    if (rc == 0 && !o.missing && !n.missing && !same_bytes(&o, &n))
        rc = cli_fail(c, CLI_EXIT_OTHER, "E_ACCOUNT_EXISTS",
                      "'keel remove' it first if it is debris",
                      "%s/%s.json exists and is not a copy of %s", 
                      c->p.accounts_dir, to, from);
    else if (rc == 0 && !o.missing && n.missing)
        rc = cli_snap_write(c, to, o.buf, o.len);              /* W1 */
    else if (rc == 0 && o.missing && n.missing)
        cli_warn(c, "W_SNAPSHOT_MISSING",
                 "account %s had no snapshot; renamed its entry only", from);
    if (rc == 0)
        rc = cli_current_read(c, cur, sizeof cur);
    if (rc == 0 && strcmp(cur, from) == 0)
        rc = cli_current_write(c, to);                         /* W2 */
    if (rc == 0 && !o.missing) {
        char file[NAME_MAX + 1];

        cli_snapshot_file(from, file, sizeof file);
        rc = cli_unlink(c, KEEL_STEP_CLI_UNLINK_SNAPSHOT,           /* W3 */
                        c->p.accounts_fd, c->p.accounts_dir, file);
    }
    cli_snap_free(&o);
    cli_snap_free(&n);
    return rc;
}

static int rename_account(struct cli *c, struct keel_txn *t, const char *from,
                          const char *to)
{
    struct keel_err err;
    const char *active;
    int was_active;

    if (check_names(c, t, from, to) != 0 || move_files(c, from, to) != 0)
        return c->exit_code;
    active = keel_registry_active(t->reg);
    was_active = active != NULL && strcmp(active, from) == 0;
    keel_err_clear(&err);
    if (keel_registry_rename(t->reg, from, to, &err) != KEEL_OK ||
        (was_active && keel_registry_set_active(t->reg, to, &err) != KEEL_OK))
        return cli_fail_kernel(c, &err, c->p.accounts_dir);
    cJSON_AddStringToObject(c->data, "from", from);
    cJSON_AddStringToObject(c->data, "to", to);
    cli_say(c, "renamed %s to %s\n", from, to);
    return 0;
}

int cmd_rename(struct cli *c, int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL};
    struct keel_txn t;
    int npos;

    if (cli_parse_opts(c, argc, argv, NULL, pos, 2, &npos) != 0)
        return c->exit_code;
    if (npos != 2)
        return cli_usage(c, "usage: keel rename OLD NEW");
    if (cli_begin(c, &t) != 0)
        return c->exit_code;
    if (rename_account(c, &t, pos[0], pos[1]) != 0) {
        cli_abort(&t);
        return c->exit_code;
    }
    return cli_commit(c, &t);                                  /* W4 */
}
