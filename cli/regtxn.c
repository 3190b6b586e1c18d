/*
 * regtxn.c - open the state, begin/commit/abort, load read-only.
 */
#include <stdio.h>

#include "regtxn.h"

static void decode_warnings(struct cli *c, const struct keel_warnings *w)
{
    size_t i;

    for (i = 0; i < w->count && i < KEEL_WARNINGS_MAX; i++)
        cli_warn(c, "W_REGISTRY_FIELD", "registry %s/%s: %s: %s",
                 c->p.accounts_dir, KEEL_REGISTRY_FILE, w->item[i].json_path,
                 w->item[i].message ? w->item[i].message : "kept as is");
}

int cli_begin(struct cli *c, struct keel_txn *t)
{
    struct keel_err err;

    if (cli_open_state(c, 1) != 0)
        return c->exit_code;
    keel_err_clear(&err);
    if (keel_txn_begin(t, c->p.accounts_fd, c->wait_ms, &err) != KEEL_OK)
        return cli_fail_kernel(c, &err, c->p.accounts_dir);
    decode_warnings(c, &t->warnings);
    return 0;
}

int cli_commit(struct cli *c, struct keel_txn *t)
{
    struct keel_err err;

    keel_err_clear(&err);
    if (keel_txn_commit(t, &err) != KEEL_OK)
        return cli_fail_kernel(c, &err, c->p.accounts_dir);
    return 0;
}

void cli_abort(struct keel_txn *t)
{
    keel_txn_abort(t);
}

int cli_load(struct cli *c, struct keel_registry **reg)
{
    struct keel_warnings w = {0};
    struct keel_err err;
    int existed = 0;

    *reg = NULL;
    if (cli_open_state(c, 0) != 0)
        return c->exit_code;
    if (c->p.accounts_fd < 0) {
        *reg = keel_registry_new();
        if (*reg == NULL)
            return cli_fail(c, CLI_EXIT_OTHER, "E_NOMEM", NULL,
                            "out of memory");
        return 0;
    }
    keel_err_clear(&err);
    if (keel_registry_load(c->p.accounts_fd, reg, &existed, &w, &err) !=
        KEEL_OK)
        return cli_fail_kernel(c, &err, c->p.accounts_dir);
    decode_warnings(c, &w);
    return 0;
}
