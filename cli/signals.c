/*
 * signals.c - SIGINT, SIGTERM and SIGHUP during a write command.
 *
 * A write command holds the registry lock and may be between two of its
 * writes (spec/cli-order.md). Dying there by the default action would be
 * a crash: safe (every crash state is recognised and finished), but the
 * interop lock file and a temp file could be left for the next command.
 * So cli_begin installs handlers that only record the signal, and the
 * command checks the record at every step boundary (cli_interrupted):
 * before each file write or unlink, in the lock wait, and before the
 * registry commit. An interrupted command takes the error path - the file
 * replace in progress finishes or fails as a unit, nothing more is written,
 * the transaction is aborted (lock released, no temp left) - and exits
 * 128 + the signal number, as a process killed by it would appear to a
 * shell. A signal that arrives after the registry commit began changes
 * nothing: the command's change is durable and it reports success.
 */
#include <signal.h>
#include <string.h>

#include "cli.h"

static volatile sig_atomic_t caught;

static void on_signal(int signo)
{
    if (caught == 0)
        caught = signo;
}

void cli_signals_install(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    size_t i;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: the lock wait's sleep returns early */
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

int cli_interrupted(struct cli *c)
{
    int signo = caught;

    if (signo == 0)
        return 0;
    cli_fail(c, 128 + signo, "E_INTERRUPTED",
             "nothing more was written; 'keel check' shows the state, and "
             "running the command again finishes it",
             "interrupted by %s", signo == SIGINT    ? "SIGINT"
                                  : signo == SIGTERM ? "SIGTERM"
                                                     : "SIGHUP");
    return 1;
}
