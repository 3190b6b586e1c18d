/*
 * opts.c - the per-command option parser.
 */
#include <string.h>

#include "cmds.h"

static const struct cli_opt *find(const struct cli_opt *opts, const char *a,
                                  size_t n)
{
    for (; opts != NULL && opts->name != NULL; opts++)
        if (strlen(opts->name) == n && strncmp(opts->name, a, n) == 0)
            return opts;
    return NULL;
}

int cli_parse_opts(struct cli *c, int argc, char **argv,
                   const struct cli_opt *opts, const char **pos, int max_pos,
                   int *npos)
{
    const struct cli_opt *o;
    const char *eq;
    int i, only_pos = 0;

    *npos = 0;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];

        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0') {
            eq = strchr(a, '=');
            o = find(opts, a, eq ? (size_t)(eq - a) : strlen(a));
            if (o == NULL)
                return cli_usage(c, "unknown option %s", a);
            if (o->flag != NULL) {
                if (eq != NULL)
                    return cli_usage(c, "%s takes no value", o->name);
                *o->flag = 1;
            } else if (eq != NULL) {
                *o->value = eq + 1;
            } else if (i + 1 < argc) {
                *o->value = argv[++i];
            } else {
                return cli_usage(c, "%s needs a value", o->name);
            }
            continue;
        }
        if (*npos >= max_pos)
            return cli_usage(c, "unexpected argument '%s'", a);
        pos[(*npos)++] = a;
    }
    return 0;
}
