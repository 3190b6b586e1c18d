/*
 * cmd_config.c - keel config [auto ... | api ...]
 *
 * Shows or edits the registry's globals (autoSwitch.enabled,
 * threshold5hPercent, thresholdWeeklyPercent; api.usage). An edit that
 * changes nothing writes nothing: the transaction commits only a registry
 * that differs, so the file stays byte-identical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "regtxn.h"

static void show(struct cli *c, const struct keel_globals *g)
{
    cJSON *a = cJSON_AddObjectToObject(c->data, "autoSwitch");
    cJSON *api = cJSON_AddObjectToObject(c->data, "api");

    cJSON_AddBoolToObject(a, "enabled", g->auto_enabled);
    cJSON_AddNumberToObject(a, "threshold5hPercent", g->threshold_5h);
    cJSON_AddNumberToObject(a, "thresholdWeeklyPercent", g->threshold_weekly);
    cJSON_AddBoolToObject(api, "usage", g->api_usage);
    cli_say(c, "auto-switch: %s (5h below %g%%, weekly below %g%%)\n",
            g->auto_enabled ? "enabled" : "disabled", g->threshold_5h,
            g->threshold_weekly);
    cli_say(c, "usage API:   %s\n", g->api_usage ? "enabled" : "disabled");
}

struct edit {
    int enable, disable;
    const char *h5, *weekly;
};

static int percent(struct cli *c, const char *s, const char *opt, double *out)
{
    long v;

    if (s == NULL)
        return 0;
    if (cli_parse_int(s, 1, 100, &v) != 0)
        return cli_fail(c, CLI_EXIT_USAGE, "E_AUTOSWITCH_CONFIG",
                        "thresholds are whole percentages from 1 to 100",
                        "%s wants a number from 1 to 100, not '%.40s'", opt,
                        s);
    *out = (double)v;
    return 0;
}

/* Whether the commit will write: the new encoding differs from the bytes
   read under the lock. */
static int changed(const struct keel_txn *t)
{
    struct keel_err err;
    char *out = NULL;
    size_t n = 0;
    int diff;

    if (!t->existed)
        return 1;
    keel_err_clear(&err);
    if (keel_codec_encode(t->reg, &out, &n, &err) != KEEL_OK)
        return 1;
    diff = n != t->orig_len || memcmp(out, t->orig, n) != 0;
    free(out);
    return diff;
}

static int edit(struct cli *c, const char *what, const struct edit *e)
{
    struct keel_txn t;
    struct keel_globals g;
    struct keel_err err;
    double h5 = 0, weekly = 0;

    if (e->enable && e->disable)
        return cli_usage(c, "--enable and --disable exclude each other");
    if (strcmp(what, "api") == 0 && (e->h5 || e->weekly))
        return cli_usage(c, "config api takes --enable or --disable");
    if (!e->enable && !e->disable && !e->h5 && !e->weekly)
        return cli_usage(c, "nothing to change: give --enable, --disable%s",
                         strcmp(what, "auto") == 0 ? ", --5h or --weekly" : "");
    if (percent(c, e->h5, "--5h", &h5) != 0 ||
        percent(c, e->weekly, "--weekly", &weekly) != 0 ||
        cli_begin(c, &t) != 0)
        return c->exit_code;
    keel_registry_globals(t.reg, &g);
    if (strcmp(what, "api") == 0 && (e->enable || e->disable))
        g.api_usage = e->enable;
    else if (e->enable || e->disable)
        g.auto_enabled = e->enable;
    if (e->h5 != NULL)
        g.threshold_5h = h5;
    if (e->weekly != NULL)
        g.threshold_weekly = weekly;
    keel_err_clear(&err);
    if (keel_registry_set_globals(t.reg, &g, &err) != KEEL_OK) {
        cli_abort(&t);
        return cli_fail_kernel(c, &err, c->p.accounts_dir);
    }
    cJSON_AddBoolToObject(c->data, "changed", changed(&t));
    show(c, &g);
    return cli_commit(c, &t);
}

int cmd_config(struct cli *c, int argc, char **argv)
{
    struct edit e = {0, 0, NULL, NULL};
    const struct cli_opt opts[] = {{"--enable", &e.enable, NULL},
                                   {"--disable", &e.disable, NULL},
                                   {"--5h", NULL, &e.h5},
                                   {"--weekly", NULL, &e.weekly},
                                   {NULL, NULL, NULL}};
    struct keel_registry *reg;
    struct keel_globals g;
    const char *pos[1] = {NULL};
    int npos;

    if (cli_parse_opts(c, argc, argv, opts, pos, 1, &npos) != 0)
        return c->exit_code;
    if (npos == 1 && strcmp(pos[0], "auto") != 0 && strcmp(pos[0], "api") != 0)
        return cli_usage(c, "keel config: unknown setting '%.40s' (auto, api)",
                         pos[0]);
    if (npos == 1)
        return edit(c, pos[0], &e);
    if (e.enable || e.disable || e.h5 || e.weekly)
        return cli_usage(c, "say which: keel config auto ... or keel config "
                            "api ...");
    if (cli_load(c, &reg) != 0)
        return c->exit_code;
    keel_registry_globals(reg, &g);
    show(c, &g);
    keel_registry_free(reg);
    return 0;
}
