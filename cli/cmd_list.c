/*
 * cmd_list.c - keel list, keel current (read-only: no lock, no writes).
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "regtxn.h"
#include "state.h"

static void add_str(cJSON *o, const char *key, const char *v)
{
    if (v != NULL)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *window_json(const struct keel_usage_window *w)
{
    cJSON *o;

    if (!w->present)
        return cJSON_CreateNull();
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "usedPercent", w->used_percent);
    cJSON_AddNumberToObject(o, "windowMinutes", w->window_minutes);
    cJSON_AddNumberToObject(o, "resetsAt", w->resets_at);
    return o;
}

static const char *pct(const struct keel_usage_window *w, char *buf,
                       size_t cap)
{
    if (!w->present)
        return "-";
    snprintf(buf, cap, "%g%%", w->used_percent);
    return buf;
}

static void one(struct cli *c, cJSON *arr, const struct keel_account_view *v,
                int active)
{
    cJSON *o = cJSON_CreateObject();
    char p5[32], pw[32];
    const char *plan = v->field[KEEL_F_PLAN_TYPE];

    cJSON_AddStringToObject(o, "name", v->name);
    cJSON_AddBoolToObject(o, "active", active);
    add_str(o, "email", v->field[KEEL_F_EMAIL]);
    add_str(o, "accountId", v->field[KEEL_F_ACCOUNT_ID]);
    add_str(o, "userId", v->field[KEEL_F_USER_ID]);
    add_str(o, "planType", plan);
    add_str(o, "createdAt", v->field[KEEL_F_CREATED_AT]);
    add_str(o, "lastUsageAt", v->field[KEEL_F_LAST_USAGE_AT]);
    if (v->has_last_usage) {
        cJSON *u = cJSON_AddObjectToObject(o, "lastUsage");

        cJSON_AddItemToObject(u, "primary", window_json(&v->primary));
        cJSON_AddItemToObject(u, "secondary", window_json(&v->secondary));
        add_str(u, "planType", v->usage_plan_type);
        add_str(u, "fetchedAt", v->usage_fetched_at);
        add_str(u, "source", v->usage_source);
    } else {
        cJSON_AddNullToObject(o, "lastUsage");
    }
    cJSON_AddItemToArray(arr, o);
    cli_say(c, "%c %-20s %-10s %-32s 5h %-7s weekly %-7s %s\n",
            active ? '*' : ' ', v->name, plan ? plan : "-",
            v->field[KEEL_F_EMAIL] ? v->field[KEEL_F_EMAIL] : "-",
            v->has_last_usage ? pct(&v->primary, p5, sizeof p5) : "-",
            v->has_last_usage ? pct(&v->secondary, pw, sizeof pw) : "-",
            v->field[KEEL_F_LAST_USAGE_AT] ? v->field[KEEL_F_LAST_USAGE_AT]
                                           : "");
}

int cmd_list(struct cli *c, int argc, char **argv)
{
    struct keel_registry *reg;
    struct keel_account_view v;
    const char *pos[1];
    const char *active;
    cJSON *arr;
    size_t i, n;
    int npos;

    if (cli_parse_opts(c, argc, argv, NULL, pos, 0, &npos) != 0 ||
        cli_load(c, &reg) != 0)
        return c->exit_code;
    active = keel_registry_active(reg);
    add_str(c->data, "activeAccountName", active);
    arr = cJSON_AddArrayToObject(c->data, "accounts");
    n = keel_registry_count(reg);
    if (n == 0)
        cli_say(c, "no accounts saved (keel save NAME saves the live "
                   "login)\n");
    for (i = 0; i < n; i++) {
        const char *name = keel_registry_name_at(reg, i);

        if (keel_registry_view(reg, name, &v) == KEEL_OK)
            one(c, arr, &v, active != NULL && strcmp(active, name) == 0);
    }
    keel_registry_free(reg);
    return 0;
}

int cmd_current(struct cli *c, int argc, char **argv)
{
    struct keel_registry *reg;
    char cur[KEEL_NAME_MAX + 2];
    const char *pos[1];
    const char *active;
    int npos;

    if (cli_parse_opts(c, argc, argv, NULL, pos, 0, &npos) != 0 ||
        cli_load(c, &reg) != 0)
        return c->exit_code;
    if (cli_current_read(c, cur, sizeof cur) != 0) {
        keel_registry_free(reg);
        return c->exit_code;
    }
    active = keel_registry_active(reg);
    add_str(c->data, "name", active);
    add_str(c->data, "currentFile", cur[0] ? cur : NULL);
    if (active != NULL)
        cli_say(c, "%s\n", active);
    else
        cli_say(c, "no active account\n");
    if (cur[0] && (active == NULL || strcmp(cur, active) != 0))
        cli_warn(c, "W_CURRENT_MISMATCH",
                 "%s names '%s' but the registry's active account is %s; "
                 "'keel check' explains, 'keel use NAME' repairs",
                 c->p.current.path, cur, active ? active : "(none)");
    keel_registry_free(reg);
    return 0;
}
