/*
 * main.c - `keel`: global options, help, and dispatch to one command.
 *
 *   keel [--json] [--wait SECONDS] COMMAND [ARGS] [--help]
 *
 * Global options may stand anywhere before "--". Each command lives in its
 * own cmd_*.c; output and exit codes are settled once, in cli_finish.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/lock.h"
#include "cmds.h"

static const struct cli_cmd commands[] = {
    {"save", cmd_save, "save [NAME] [--force]",
     "snapshot the live auth.json as account NAME (default: from its email)"},
    {"use", cmd_use, "use NAME [--force]",
     "switch the live auth.json to NAME, saving refreshed tokens first"},
    {"list", cmd_list, "list", "list saved accounts (* marks the active one)"},
    {"current", cmd_current, "current", "print the active account's name"},
    {"remove", cmd_remove, "remove NAME...",
     "delete accounts: snapshot and registry entry together"},
    {"rename", cmd_rename, "rename OLD NEW", "rename an account"},
    {"import", cmd_import, "import PATH [--name NAME] [--force]",
     "add accounts from an auth.json file or an exported directory"},
    {"export", cmd_export, "export DIR",
     "copy every snapshot into DIR as NAME.json (mode 0600)"},
    {"config", cmd_config,
     "config [auto [--enable|--disable] [--5h N] [--weekly N] | "
     "api --enable|--disable]",
     "show or edit the registry's auto-switch and API settings"},
    {"check", cmd_check, "check [--file PATH]",
     "validate the registry, snapshots, modes, temp files and the lock"},
    {"recover", cmd_recover, "recover",
     "restore the last good registry, keeping the damaged file aside"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void help_text(FILE *f, const struct cli_cmd *only)
{
    size_t i;

    if (only != NULL) {
        fprintf(f, "usage: keel %s\n\n%s\n\n", only->usage, only->summary);
        fputs("global options: --json  --wait SECONDS  --help  --version\n",
              f);
        return;
    }
    fputs("usage: keel [--json] [--wait SECONDS] COMMAND [ARGS]\n\n"
          "Crash-safe Codex account switcher; works on the Node tool's "
          "~/.codex files.\n\ncommands:\n",
          f);
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\noptions:\n"
          "  --json          one JSON line on stdout: {\"ok\":...}\n"
          "  --wait SECONDS  how long to wait for the registry lock "
          "(default 5)\n"
          "  --help          this text (also: keel COMMAND --help)\n"
          "  --version       print the version\n"
          "\nexit codes: 0 ok, 1 other, 2 usage, 3 no auth.json, 4 no such "
          "account,\n  5 snapshot belongs to another account, 6 registry "
          "locked, 7 registry corrupt\n"
          "\nsee keel(1)\n",
          f);
}

static int show_help(struct cli *c, const struct cli_cmd *only)
{
    char *text = NULL;
    size_t n = 0;
    FILE *m;

    if (!c->json) {
        help_text(stdout, only);
        return 0;
    }
    m = open_memstream(&text, &n);
    if (m == NULL)
        return cli_fail(c, CLI_EXIT_OTHER, "E_NOMEM", NULL, "out of memory");
    help_text(m, only);
    fclose(m);
    cJSON_AddStringToObject(c->data, "usage", text);
    free(text);
    return 0;
}

static const struct cli_cmd *find_command(const char *name)
{
    size_t i;

    for (i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int parse_wait(struct cli *c, const char *s)
{
    char *end;
    double v;

    if (s == NULL)
        return cli_usage(c, "--wait needs a number of seconds");
    v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !(v >= 0.0 && v <= 86400.0))
        return cli_usage(c, "--wait wants seconds between 0 and 86400, "
                            "not '%s'", s);
    c->wait_ms = (int)(v * 1000.0);
    return 0;
}

/* Pull global options out of argv; the rest goes to *rest. */
static int parse_globals(struct cli *c, int argc, char **argv, char **rest,
                         int *nrest, int *help, int *version)
{
    int i, only_pos = 0;

    *nrest = 0;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (only_pos || strcmp(a, "--") == 0) {
            only_pos = 1;
            rest[(*nrest)++] = argv[i];
        } else if (strcmp(a, "--json") == 0) {
            c->json = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            *help = 1;
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            *version = 1;
        } else if (strcmp(a, "--wait") == 0) {
            if (parse_wait(c, i + 1 < argc ? argv[++i] : NULL) != 0)
                return c->exit_code;
        } else if (strncmp(a, "--wait=", 7) == 0) {
            if (parse_wait(c, a + 7) != 0)
                return c->exit_code;
        } else {
            rest[(*nrest)++] = argv[i];
        }
    }
    return 0;
}

static int run(struct cli *c, int argc, char **argv)
{
    const struct cli_cmd *cmd = NULL;
    char **rest;
    int nrest, help = 0, version = 0, rc;

    rest = calloc((size_t)argc + 1, sizeof *rest);
    if (rest == NULL)
        return cli_fail(c, CLI_EXIT_OTHER, "E_NOMEM", NULL, "out of memory");
    rc = parse_globals(c, argc, argv, rest, &nrest, &help, &version);
    if (rc == 0 && nrest > 0 && strcmp(rest[0], "help") == 0) {
        help = 1;
        memmove(rest, rest + 1, (size_t)nrest * sizeof *rest);
        nrest--;
    }
    if (rc == 0 && nrest > 0 && strcmp(rest[0], "--") != 0) {
        cmd = find_command(rest[0]);
        if (cmd == NULL)
            rc = cli_usage(c, "unknown command '%s'", rest[0]);
    }
    if (rc != 0) {
        /* a usage error */
    } else if (version) {
        cli_say(c, "keel %s\n", KEEL_VERSION);
        cJSON_AddStringToObject(c->data, "version", KEEL_VERSION);
    } else if (help) {
        rc = show_help(c, cmd);
    } else if (cmd == NULL) {
        rc = cli_usage(c, "no command given");
    } else if (cli_paths_resolve(c) == 0) {
        rc = cmd->fn(c, nrest - 1, rest + 1);
    } else {
        rc = c->exit_code;
    }
    cli_close_state(c);
    free(rest);
    return rc;
}

int main(int argc, char **argv)
{
    struct cli c;

    memset(&c, 0, sizeof c);
    c.wait_ms = KEEL_LOCK_WAIT_MS;
    c.p.accounts_fd = c.p.auth.dirfd = c.p.current.dirfd = -1;
    c.data = cJSON_CreateObject();
    c.warnings = cJSON_CreateArray();
    if (c.data == NULL || c.warnings == NULL) {
        fputs("keel: out of memory\n", stderr);
        return CLI_EXIT_OTHER;
    }
    return cli_finish(&c, run(&c, argc, argv));
}
