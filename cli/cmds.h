/*
 * cmds.h - the commands, one file each (cmd_*.c), and their option parser.
 *
 * A command gets its own arguments (global options already removed) and
 * returns an exit code; see cli.h for how it reports.
 */
#ifndef KEEL_CLI_CMDS_H
#define KEEL_CLI_CMDS_H

#include "cli.h"

typedef int (*cli_cmd_fn)(struct cli *c, int argc, char **argv);

struct cli_cmd {
    const char *name;
    cli_cmd_fn fn;
    const char *usage;   /* "save [NAME] [--force]"     */
    const char *summary; /* one line                    */
};

/* One option a command accepts: a flag (*flag = 1) or a value (*value). */
struct cli_opt {
    const char *name; /* "--force" */
    int *flag;
    const char **value;
};

/* Split argv into options (from opts, else a usage error) and positionals
   (at most max_pos, else a usage error). "--" ends the options. */
int cli_parse_opts(struct cli *c, int argc, char **argv,
                   const struct cli_opt *opts, const char **pos, int max_pos,
                   int *npos);

int cmd_save(struct cli *c, int argc, char **argv);
int cmd_use(struct cli *c, int argc, char **argv);
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_current(struct cli *c, int argc, char **argv);
int cmd_remove(struct cli *c, int argc, char **argv);
int cmd_rename(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_config(struct cli *c, int argc, char **argv);
int cmd_check(struct cli *c, int argc, char **argv);
int cmd_recover(struct cli *c, int argc, char **argv);

#endif
