/*
 * cmd_save.c - keel save [NAME] [--force]
 *
 * Snapshot the live auth.json as <accounts>/NAME.json and register NAME
 * with the identity claims of its id_token. Write order (spec/cli-order.md):
 * W1 snapshot, W2 current, W3 registry commit - all under the lock.
 */
#include <stdio.h>
#include <string.h>

#include "../kernel/name.h"
#include "cmds.h"
#include "regtxn.h"
#include "state.h"

/* The email's local part, if it is a valid name. */
static int infer_name(const struct keel_claims *cl, char *out, size_t cap)
{
    const char *at = strchr(cl->email, '@');
    size_t n = at ? (size_t)(at - cl->email) : 0;

    if (n == 0 || n >= cap || !keel_name_valid(cl->email, n))
        return -1;
    memcpy(out, cl->email, n);
    out[n] = '\0';
    return 0;
}

static int pick_name(struct cli *c, struct keel_txn *t,
                     const struct cli_snap *live, const char *given,
                     char *name, size_t cap)
{
    enum cli_owner who;

    if (given != NULL) {
        if (!keel_name_valid(given, strlen(given)))
            return cli_fail(c, CLI_EXIT_OTHER, "E_NAME_INVALID",
                            "names match [A-Za-z0-9][A-Za-z0-9._@+-]* and "
                            "have at most 64 bytes",
                            "invalid account name '%.80s'", given);
        snprintf(name, cap, "%s", given);
        return 0;
    }
    /* the live login is already saved: refresh that account */
    if (cli_find_owner(c, t->reg, live, name, cap, &who) != 0)
        return c->exit_code;
    if (who == CLI_OWNER_BYTES || who == CLI_OWNER_IDENTITY)
        return 0;
    if (infer_name(&live->claims, name, cap) != 0)
        return cli_fail(c, CLI_EXIT_OTHER, "E_NAME_INFERENCE_FAILED",
                        "give a name: keel save NAME",
                        "cannot infer an account name from %s (no usable "
                        "email in its id_token)", c->p.auth.path);
    return 0;
}

/* Refuse to overwrite a different account's snapshot (exit 5). */
static int check_owner(struct cli *c, struct keel_txn *t, const char *name,
                       const struct cli_snap *old, const struct cli_snap *live,
                       int force)
{
    struct keel_claims id;
    char file[PATH_MAX];

    if (force || (!old->missing && old->len == live->len &&
                  memcmp(old->buf, live->buf, old->len) == 0))
        return 0;
    if (old->missing && !cli_has_account(t->reg, name))
        return 0;
    cli_account_identity(t->reg, name, old, &id);
    if (keel_claims_same(&id, &live->claims) == 1)
        return 0;
    cli_join(file, sizeof file, c->p.accounts_dir, name);
    return cli_fail(c, CLI_EXIT_MISMATCH, "E_SNAPSHOT_EMAIL_MISMATCH",
                    "use another name, or --force to overwrite it",
                    "account %s (%s.json) belongs to %s, but %s holds %s",
                    name, file, cli_claims_label(&id), c->p.auth.path,
                    cli_claims_label(&live->claims));
}

static int save(struct cli *c, struct keel_txn *t, const char *given,
                int force)
{
    struct cli_snap live, old;
    struct keel_err err;
    char name[KEEL_NAME_MAX + 1];
    int rc, created = 0, changed = 0;

    if (cli_auth_read(c, &live) != 0)
        return c->exit_code;
    if (live.missing)
        return cli_fail(c, CLI_EXIT_AUTH_MISSING, "E_AUTH_MISSING",
                        "log in with codex first", "no auth file at %s",
                        c->p.auth.path);
    rc = 0;
    if (!cli_is_auth(&live.claims))
        rc = cli_fail(c, CLI_EXIT_OTHER, "E_AUTH_INVALID",
                      "log in with codex again",
                      "%s is not a Codex auth file (a JSON object with "
                      "tokens or OPENAI_API_KEY)", c->p.auth.path);
    if (rc == 0)
        rc = pick_name(c, t, &live, given, name, sizeof name);
    if (rc == 0)
        rc = cli_snap_read(c, name, &old);
    if (rc != 0) {
        cli_snap_free(&live);
        return rc;
    }
    rc = check_owner(c, t, name, &old, &live, force);
    if (rc == 0 && (old.missing || old.len != live.len ||
                    memcmp(old.buf, live.buf, live.len) != 0)) {
        changed = 1;
        rc = cli_snap_write(c, name, live.buf, live.len);   /* W1 */
    }
    if (rc == 0)
        rc = cli_current_write(c, name);                    /* W2 */
    keel_err_clear(&err);
    if (rc == 0 && !cli_has_account(t->reg, name)) {
        char now[40];

        cli_now_iso(now, sizeof now);
        created = 1;
        if (keel_registry_add(t->reg, name, now, &err) != KEEL_OK)
            rc = cli_fail_kernel(c, &err, c->p.accounts_dir);
    }
    if (rc == 0)
        rc = cli_apply_claims(c, t->reg, name, &live.claims);
    if (rc == 0 && (keel_registry_active(t->reg) == NULL ||
                    strcmp(keel_registry_active(t->reg), name) != 0) &&
        keel_registry_set_active(t->reg, name, &err) != KEEL_OK)
        rc = cli_fail_kernel(c, &err, c->p.accounts_dir);
    if (rc == 0) {
        cli_say(c, "%s account %s (%s)\n", created ? "saved" : "updated",
                name, cli_claims_label(&live.claims));
        cJSON_AddStringToObject(c->data, "name", name);
        if (live.claims.email[0])
            cJSON_AddStringToObject(c->data, "email", live.claims.email);
        if (live.claims.plan_type[0])
            cJSON_AddStringToObject(c->data, "planType",
                                    live.claims.plan_type);
        cJSON_AddBoolToObject(c->data, "created", created);
        cJSON_AddBoolToObject(c->data, "snapshotChanged", changed);
    }
    cli_snap_free(&live);
    cli_snap_free(&old);
    return rc;
}

int cmd_save(struct cli *c, int argc, char **argv)
{
    int force = 0, npos;
    const char *pos[1] = {NULL};
    const struct cli_opt opts[] = {{"--force", &force, NULL}, {NULL, NULL, NULL}};
    struct keel_txn t;

    if (cli_parse_opts(c, argc, argv, opts, pos, 1, &npos) != 0 ||
        cli_begin(c, &t) != 0)
        return c->exit_code;
    if (save(c, &t, pos[0], force) != 0) {
        cli_abort(&t);
        return c->exit_code;
    }
    return cli_commit(c, &t);                               /* W3 */
}
