/*
 * state.h - reading and writing the files around the registry: auth.json,
 * snapshots <accounts>/<name>.json and `current`.
 *
 * Purpose
 *   Every write goes through keel_atomic_replace with mode 0600 (G1, G2,
 *   G8); every read through keel_read_file (no symlinks, bounded size, G10).
 *   Write commands call these only between keel_txn_begin and
 *   keel_txn_commit, so the registry lock covers them (spec/cli-order.md).
 *
 * Error handling
 *   Each function returns 0 or the exit code of the error it recorded in
 *   the struct cli (cli_fail*). Buffers returned are the caller's to free.
 */
#ifndef KEEL_CLI_STATE_H
#define KEEL_CLI_STATE_H

#include <stddef.h>

#include "claims.h"
#include "cli.h"

/* Read name in dirfd (dir for messages). A missing file is not an error:
   *buf = NULL and *missing = 1. */
int cli_read(struct cli *c, int dirfd, const char *dir, const char *name,
             char **buf, size_t *len, int *missing);
/* Atomically replace name in dirfd with buf, mode 0600. */
int cli_write(struct cli *c, int dirfd, const char *dir, const char *name,
              const char *buf, size_t len);
/* Unlink name in dirfd (a missing file is fine) and fsync the directory.
   step names the failpoint and the message's verb
   (KEEL_STEP_CLI_UNLINK_SNAPSHOT, KEEL_STEP_CLI_UNLINK_CURRENT). */
int cli_unlink(struct cli *c, keel_step step, int dirfd, const char *dir,
               const char *name);

/* A snapshot's bytes and claims. *missing = 1 if there is none. */
struct cli_snap {
    char *buf;
    size_t len;
    int missing;
    struct keel_claims claims;
};
int cli_snap_read(struct cli *c, const char *name, struct cli_snap *s);
void cli_snap_free(struct cli_snap *s);
int cli_snap_write(struct cli *c, const char *name, const char *buf,
                   size_t len);

/* The live auth.json. */
int cli_auth_read(struct cli *c, struct cli_snap *s);

/* `current`: the name in it ("" if the file is missing or empty). */
int cli_current_read(struct cli *c, char *name, size_t cap);
/* Write "name\n" (or unlink the file when name is NULL), if different. */
int cli_current_write(struct cli *c, const char *name);

/* Whose tokens the live auth.json holds (spec/cli-order.md, rule R1). */
enum cli_owner {
    CLI_OWNER_NONE = 0,  /* no snapshot has its bytes or its identity     */
    CLI_OWNER_BYTES,     /* byte-identical to owner's snapshot            */
    CLI_OWNER_IDENTITY,  /* same identity as owner's snapshot, new bytes  */
    CLI_OWNER_AMBIGUOUS  /* several non-active accounts share its identity */
};
/* Prefers the active account; owner gets the name (cap >= 65). */
int cli_find_owner(struct cli *c, const struct keel_registry *reg,
                   const struct cli_snap *live, char *owner, size_t cap,
                   enum cli_owner *result);

/* An account's identity: its snapshot's claims, else its registry fields
   (email, accountId, userId). */
void cli_account_identity(const struct keel_registry *reg, const char *name,
                          const struct cli_snap *s, struct keel_claims *out);

/* Apply the claims to an account's registry fields (only non-empty ones). */
int cli_apply_claims(struct cli *c, struct keel_registry *reg,
                     const char *name, const struct keel_claims *cl);
/* For messages: the email, else an id (never a token). */
const char *cli_claims_label(const struct keel_claims *cl);
/* 1 if the claims come from something shaped like auth.json. */
int cli_is_auth(const struct keel_claims *cl);
/* 1 if the registry has an entry for name. */
int cli_has_account(const struct keel_registry *reg, const char *name);

#endif
