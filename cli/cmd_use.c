/*
 * cmd_use.c - keel use NAME [--force]
 *
 * Install NAME's snapshot as the live auth.json. Before that, the live
 * auth.json is saved back into the snapshot of the account whose tokens it
 * holds (refreshed tokens are never lost) - and only into that one: rule R1
 * of spec/cli-order.md decides the owner by bytes or identity claims, never
 * by what the registry says is active. Write order: W1 save-back, W2
 * auth.json, W3 current, W4 registry commit - all under the lock.
 */
#include <stdio.h>
#include <string.h>

#include "../kernel/name.h"
#include "cmds.h"
#include "regtxn.h"
#include "state.h"

/* W1. live: the live auth.json as read (the caller frees it). */
static int save_back(struct cli *c, struct keel_txn *t, int force,
                     char *owner, size_t cap, struct cli_snap *live_out)
{
    struct cli_snap live;
    enum cli_owner who;
    int rc;

    owner[0] = '\0';
    if (cli_auth_read(c, live_out) != 0)
        return c->exit_code;
    live = *live_out;
    if (live.missing)
        return 0;
    rc = cli_find_owner(c, t->reg, &live, owner, cap, &who);
    if (rc == 0 && who == CLI_OWNER_IDENTITY) {
        rc = cli_snap_write(c, owner, live.buf, live.len);     /* W1 */
        if (rc == 0)
            rc = cli_apply_claims(c, t->reg, owner, &live.claims);
    } else if (rc == 0 && who != CLI_OWNER_BYTES) {
        owner[0] = '\0';
        if (!force)
            rc = cli_fail(c, CLI_EXIT_OTHER, "E_AUTH_UNSAVED",
                          "save it first with 'keel save NAME', or pass "
                          "--force to replace it anyway",
                          "%s holds %s, which matches %s saved account: "
                          "switching would lose it",
                          c->p.auth.path, cli_claims_label(&live.claims),
                          who == CLI_OWNER_AMBIGUOUS ? "more than one"
                                                     : "no");
        else
            cli_warn(c, "W_AUTH_DISCARDED",
                     "%s held %s, which matches no saved account; "
                     "replaced it (--force)",
                     c->p.auth.path, cli_claims_label(&live.claims));
    } else if (rc == 0) {
        owner[0] = '\0'; /* identical to its snapshot: nothing to save */
    }
    return rc;
}

static int same_bytes(const struct cli_snap *a, const struct cli_snap *b)
{
    return !a->missing && !b->missing && a->len == b->len &&
           memcmp(a->buf, b->buf, a->len) == 0;
}

static int use(struct cli *c, struct keel_txn *t, const char *name, int force)
{
    struct cli_snap target, live = {0};
    const struct cli_snap *install;
    struct keel_err err;
    char owner[KEEL_NAME_MAX + 1], prev[KEEL_NAME_MAX + 1] = "";
    int rc;

    if (!keel_name_valid(name, strlen(name)) || !cli_has_account(t->reg, name))
        return cli_fail(c, CLI_EXIT_NOT_FOUND, "E_ACCOUNT_NOT_FOUND",
                        "run 'keel list' to see the saved accounts",
                        "no account named '%.80s'", name);
    if (cli_snap_read(c, name, &target) != 0)
        return c->exit_code;
    if (target.missing || !cli_is_auth(&target.claims)) {
        rc = cli_fail(c, target.missing ? CLI_EXIT_NOT_FOUND : CLI_EXIT_OTHER,
                      target.missing ? "E_ACCOUNT_NOT_FOUND" : "E_AUTH_INVALID",
                      "run 'keel check'; save the account again to repair it",
                      "account %s has %s snapshot %s/%s.json", name,
                      target.missing ? "no" : "an invalid", c->p.accounts_dir,
                      name);
        cli_snap_free(&target);
        return rc;
    }
    /* copied: the registry's strings move when it is edited */
    if (keel_registry_active(t->reg) != NULL)
        snprintf(prev, sizeof prev, "%s", keel_registry_active(t->reg));
    cJSON_AddStringToObject(c->data, "name", name);
    if (prev[0])
        cJSON_AddStringToObject(c->data, "previous", prev);
    else
        cJSON_AddNullToObject(c->data, "previous");
    rc = save_back(c, t, force, owner, sizeof owner, &live);
    /* When the live tokens are NAME's own (refreshed), W1 just saved them
       into NAME.json: they are what NAME's snapshot now holds, and the
       stale bytes read above must not be installed over them. */
    install = owner[0] && strcmp(owner, name) == 0 ? &live : &target;
    if (rc == 0 && !same_bytes(&live, install))
        rc = cli_write(c, c->p.auth.dirfd, c->p.auth.dir,     /* W2 */
                       c->p.auth.base, install->buf, install->len);
    if (rc == 0)
        rc = cli_current_write(c, name);                      /* W3 */
    keel_err_clear(&err);
    if (rc == 0 && strcmp(prev, name) != 0 &&
        keel_registry_set_active(t->reg, name, &err) != KEEL_OK)
        rc = cli_fail_kernel(c, &err, c->p.accounts_dir);
    if (rc == 0) {
        if (owner[0])
            cli_say(c, "saved refreshed tokens of %s\n", owner);
        cli_say(c, "switched to %s (%s)\n", name,
                cli_claims_label(&target.claims));
        if (owner[0])
            cJSON_AddStringToObject(c->data, "savedBack", owner);
        else
            cJSON_AddNullToObject(c->data, "savedBack");
    }
    cli_snap_free(&target);
    cli_snap_free(&live);
    return rc;
}

int cmd_use(struct cli *c, int argc, char **argv)
{
    int force = 0, npos;
    const char *pos[1] = {NULL};
    const struct cli_opt opts[] = {{"--force", &force, NULL}, {NULL, NULL, NULL}};
    struct keel_txn t;

    if (cli_parse_opts(c, argc, argv, opts, pos, 1, &npos) != 0)
        return c->exit_code;
    if (npos != 1)
        return cli_usage(c, "usage: keel use NAME [--force]");
    if (cli_begin(c, &t) != 0)
        return c->exit_code;
    if (use(c, &t, pos[0], force) != 0) {
        cli_abort(&t);
        return c->exit_code;
    }
    return cli_commit(c, &t);                                 /* W4 */
}
