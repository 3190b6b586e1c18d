/*
 * state.c - auth.json, snapshots and `current`, read and written safely.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernel/atomic_write.h"
#include "../kernel/readfile.h"
#include "../kernel/sys.h"
#include "state.h"

int cli_read(struct cli *c, int dirfd, const char *dir, const char *name,
             char **buf, size_t *len, int *missing)
{
    struct keel_err err;

    *buf = NULL;
    *len = 0;
    *missing = 0;
    if (dirfd < 0) {
        *missing = 1;
        return 0;
    }
    keel_err_clear(&err);
    switch (keel_read_file(dirfd, name, CLI_AUTH_SIZE_MAX, buf, len, &err)) {
    case KEEL_OK:
        return 0;
    case KEEL_E_NOT_FOUND:
        *missing = 1;
        return 0;
    default:
        if (err.file == NULL)
            err.file = name;
        return cli_fail_kernel(c, &err, dir);
    }
}

int cli_write(struct cli *c, int dirfd, const char *dir, const char *name,
              const char *buf, size_t len)
{
    struct keel_err err;

    keel_err_clear(&err);
    if (cli_interrupted(c))
        return c->exit_code;
    /* 0600 from the temp's creation; fsync before rename, dir after (G2) */
    if (keel_atomic_replace(dirfd, name, buf, len, 0600, &err) != KEEL_OK) {
        if (err.file == NULL)
            err.file = name;
        return cli_fail_kernel(c, &err, dir);
    }
    return 0;
}

int cli_unlink(struct cli *c, keel_step step, int dirfd, const char *dir,
               const char *name)
{
    struct keel_err err;
    int rc;

    keel_err_clear(&err);
    if (cli_interrupted(c))
        return c->exit_code;
    rc = keel_sys_unlinkat(step, dirfd, name);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0) {
        keel_err_set(&err, KEEL_E_SYS, step, -rc, name);
        return cli_fail_kernel(c, &err, dir);
    }
    /* the unlink is durable only once the directory is (G2) */
    rc = keel_sys_fsync(KEEL_STEP_FSYNC_DIR, dirfd);
    if (rc < 0) {
        keel_err_set(&err, KEEL_E_NOT_DURABLE, KEEL_STEP_FSYNC_DIR, -rc, name);
        return cli_fail_kernel(c, &err, dir);
    }
    return 0;
}

int cli_snapshot_file(const char *name, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s.json", name);

    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

void cli_snap_free(struct cli_snap *s)
{
    free(s->buf);
    s->buf = NULL;
    s->len = 0;
}

static void snap_claims(struct cli_snap *s)
{
    memset(&s->claims, 0, sizeof s->claims);
    if (s->buf != NULL)
        keel_claims_from_auth(s->buf, s->len, &s->claims);
}

int cli_snap_read(struct cli *c, const char *name, struct cli_snap *s)
{
    char file[NAME_MAX + 1];

    memset(s, 0, sizeof *s);
    if (cli_snapshot_file(name, file, sizeof file) != 0)
        return cli_fail(c, CLI_EXIT_OTHER, "E_NAME_INVALID", NULL,
                        "account name too long");
    if (cli_read(c, c->p.accounts_fd, c->p.accounts_dir, file, &s->buf,
                 &s->len, &s->missing) != 0)
        return c->exit_code;
    snap_claims(s);
    return 0;
}

int cli_snap_write(struct cli *c, const char *name, const char *buf,
                   size_t len)
{
    char file[NAME_MAX + 1];

    if (cli_snapshot_file(name, file, sizeof file) != 0)
        return cli_fail(c, CLI_EXIT_OTHER, "E_NAME_INVALID", NULL,
                        "account name too long");
    return cli_write(c, c->p.accounts_fd, c->p.accounts_dir, file, buf, len);
}

int cli_auth_read(struct cli *c, struct cli_snap *s)
{
    memset(s, 0, sizeof *s);
    if (cli_read(c, c->p.auth.dirfd, c->p.auth.dir, c->p.auth.base, &s->buf,
                 &s->len, &s->missing) != 0)
        return c->exit_code;
    snap_claims(s);
    return 0;
}

int cli_current_read(struct cli *c, char *name, size_t cap)
{
    char *buf;
    size_t len, i = 0;
    int missing;

    name[0] = '\0';
    if (cli_read(c, c->p.current.dirfd, c->p.current.dir, c->p.current.base,
                 &buf, &len, &missing) != 0)
        return c->exit_code;
    if (missing)
        return 0;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
                       buf[len - 1] == ' ' || buf[len - 1] == '\t'))
        len--;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    if (len - i < cap && memchr(buf + i, '\0', len - i) == NULL) {
        memcpy(name, buf + i, len - i);
        name[len - i] = '\0';
    }
    free(buf);
    return 0;
}

int cli_current_write(struct cli *c, const char *name)
{
    char now[KEEL_NAME_MAX + 2];
    char line[KEEL_NAME_MAX + 2];
    int n;

    if (cli_current_read(c, now, sizeof now) != 0)
        return c->exit_code;
    if (name == NULL)
        return now[0] == '\0' ? 0
                              : cli_unlink(c, KEEL_STEP_CLI_UNLINK_CURRENT,
                                           c->p.current.dirfd,
                                           c->p.current.dir, c->p.current.base);
    if (strcmp(now, name) == 0)
        return 0;
    n = snprintf(line, sizeof line, "%s\n", name);
    if (n < 0 || (size_t)n >= sizeof line)
        return cli_fail(c, CLI_EXIT_OTHER, "E_NAME_INVALID", NULL,
                        "account name too long");
    return cli_write(c, c->p.current.dirfd, c->p.current.dir,
                     c->p.current.base, line, (size_t)n);
}

/* An account's identity: its snapshot's claims, else its registry fields. */
void cli_account_identity(const struct keel_registry *reg, const char *name,
                          const struct cli_snap *s, struct keel_claims *out)
{
    struct keel_account_view v;

    *out = s->claims;
    if (out->account_id[0] || out->user_id[0] || out->email[0])
        return;
    if (keel_registry_view(reg, name, &v) != KEEL_OK)
        return;
    if (v.field[KEEL_F_EMAIL] && strlen(v.field[KEEL_F_EMAIL]) < KEEL_CLAIM_MAX)
        strcpy(out->email, v.field[KEEL_F_EMAIL]);
    if (v.field[KEEL_F_ACCOUNT_ID] &&
        strlen(v.field[KEEL_F_ACCOUNT_ID]) < KEEL_CLAIM_MAX)
        strcpy(out->account_id, v.field[KEEL_F_ACCOUNT_ID]);
    if (v.field[KEEL_F_USER_ID] &&
        strlen(v.field[KEEL_F_USER_ID]) < KEEL_CLAIM_MAX)
        strcpy(out->user_id, v.field[KEEL_F_USER_ID]);
}

/* Compare one account's snapshot with the live bytes: 2 same bytes,
   1 same identity, 0 neither. */
static int compare_one(struct cli *c, const struct keel_registry *reg,
                       const char *name, const struct cli_snap *live,
                       int *rc)
{
    struct cli_snap s;
    struct keel_claims id;
    int r = 0;

    *rc = cli_snap_read(c, name, &s);
    if (*rc != 0)
        return 0;
    if (!s.missing && s.len == live->len &&
        memcmp(s.buf, live->buf, s.len) == 0)
        r = 2;
    else {
        cli_account_identity(reg, name, &s, &id);
        if (keel_claims_same(&id, &live->claims) == 1)
            r = 1;
    }
    cli_snap_free(&s);
    return r;
}

int cli_find_owner(struct cli *c, const struct keel_registry *reg,
                   const struct cli_snap *live, char *owner, size_t cap,
                   enum cli_owner *result)
{
    const char *active = keel_registry_active(reg);
    size_t i, n = keel_registry_count(reg), matches = 0;
    int r, rc;

    *result = CLI_OWNER_NONE;
    owner[0] = '\0';
    if (active != NULL && keel_registry_find(reg, active, &i)) {
        r = compare_one(c, reg, active, live, &rc);
        if (rc != 0)
            return rc;
        if (r > 0) {
            snprintf(owner, cap, "%s", active);
            *result = r == 2 ? CLI_OWNER_BYTES : CLI_OWNER_IDENTITY;
            return 0;
        }
    }
    for (i = 0; i < n; i++) {
        const char *name = keel_registry_name_at(reg, i);

        if (active != NULL && strcmp(name, active) == 0)
            continue;
        r = compare_one(c, reg, name, live, &rc);
        if (rc != 0)
            return rc;
        if (r == 2) {
            snprintf(owner, cap, "%s", name);
            *result = CLI_OWNER_BYTES;
            return 0;
        }
        if (r == 1) {
            if (matches++ == 0)
                snprintf(owner, cap, "%s", name);
        }
    }
    if (matches == 1)
        *result = CLI_OWNER_IDENTITY;
    else if (matches > 1)
        *result = CLI_OWNER_AMBIGUOUS;
    return 0;
}

int cli_apply_claims(struct cli *c, struct keel_registry *reg,
                     const char *name, const struct keel_claims *cl)
{
    const struct {
        keel_field f;
        const char *v;
    } set[] = {
        {KEEL_F_EMAIL, cl->email},
        {KEEL_F_ACCOUNT_ID, cl->account_id},
        {KEEL_F_USER_ID, cl->user_id},
        {KEEL_F_PLAN_TYPE, cl->plan_type},
    };
    struct keel_account_view v;
    struct keel_err err;
    size_t i;

    for (i = 0; i < sizeof set / sizeof set[0]; i++) {
        if (set[i].v[0] == '\0')
            continue;
        /* leave an equal value alone so the bytes do not change */
        if (keel_registry_view(reg, name, &v) == KEEL_OK &&
            v.field[set[i].f] != NULL && strcmp(v.field[set[i].f], set[i].v) == 0)
            continue;
        keel_err_clear(&err);
        if (keel_registry_set_string(reg, name, set[i].f, set[i].v, &err) !=
            KEEL_OK)
            return cli_fail_kernel(c, &err, c->p.accounts_dir);
    }
    return 0;
}

const char *cli_claims_label(const struct keel_claims *cl)
{
    if (cl->email[0])
        return cl->email;
    if (cl->account_id[0])
        return cl->account_id;
    if (cl->user_id[0])
        return cl->user_id;
    return "an account without identity claims";
}

int cli_is_auth(const struct keel_claims *cl)
{
    return cl->is_object && (cl->has_tokens || cl->has_api_key);
}

int cli_has_account(const struct keel_registry *reg, const char *name)
{
    size_t i;

    return keel_registry_find(reg, name, &i);
}
