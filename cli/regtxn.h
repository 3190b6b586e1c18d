/*
 * regtxn.h - the registry transaction as commands use it.
 *
 * Write commands: cli_begin (create the state dirs 0700, take the lock,
 * sweep debris, strict-decode the registry), do every file write, edit
 * t->reg, cli_commit - or cli_abort on any error, which writes nothing
 * more. Read-only commands: cli_load, without the lock.
 */
#ifndef KEEL_CLI_REGTXN_H
#define KEEL_CLI_REGTXN_H

#include "../kernel/txn.h"
#include "cli.h"

int cli_begin(struct cli *c, struct keel_txn *t);
int cli_commit(struct cli *c, struct keel_txn *t);
void cli_abort(struct keel_txn *t);
/* *reg is a new empty registry when there is none (or no accounts dir). */
int cli_load(struct cli *c, struct keel_registry **reg);

#endif
