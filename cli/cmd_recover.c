/*
 * cmd_recover.c - keel recover
 *
 * Under the lock, keel_recover puts registry.json.bak (the last good
 * generation, kept by every commit) back over a damaged registry.json and
 * keeps the damaged file aside as registry.json.damaged-<stamp> (G5).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "../kernel/txn.h"
#include "cmds.h"

int cmd_recover(struct cli *c, int argc, char **argv)
{
    const char *pos[1];
    struct keel_err err;
    struct stat sb;
    char aside[NAME_MAX + 1] = "";
    keel_status st;
    int npos;

    if (cli_parse_opts(c, argc, argv, NULL, pos, 0, &npos) != 0 ||
        cli_open_state(c, 0) != 0)
        return c->exit_code;
    keel_err_clear(&err);
    if (c->p.accounts_fd < 0)
        return cli_fail(c, CLI_EXIT_OTHER, "E_NO_GOOD_GENERATION", NULL,
                        "%s does not exist: nothing to recover",
                        c->p.accounts_dir);
    st = keel_recover(c->p.accounts_fd, c->wait_ms, aside, sizeof aside, &err);
    /* a healthy registry is KEEL_E_EXISTS; also accept the record alone */
    if (st == KEEL_OK && err.status == KEEL_E_EXISTS)
        st = KEEL_E_EXISTS;
    switch (st) {
    case KEEL_OK:
        cJSON_AddBoolToObject(c->data, "recovered", 1);
        if (aside[0])
            cJSON_AddStringToObject(c->data, "aside", aside);
        else
            cJSON_AddNullToObject(c->data, "aside");
        cli_say(c, "restored %s/%s from %s\n", c->p.accounts_dir,
                KEEL_REGISTRY_FILE, KEEL_BACKUP_FILE);
        if (aside[0])
            cli_say(c, "kept the damaged file as %s/%s\n", c->p.accounts_dir,
                    aside);
        return 0;
    case KEEL_E_EXISTS:
        cJSON_AddBoolToObject(c->data, "recovered", 0);
        cli_say(c, "%s/%s is healthy: nothing to do\n", c->p.accounts_dir,
                KEEL_REGISTRY_FILE);
        return 0;
    case KEEL_E_NOT_FOUND:
        if (fstatat(c->p.accounts_fd, KEEL_REGISTRY_FILE, &sb,
                    AT_SYMLINK_NOFOLLOW) == 0)
            return cli_fail(c, CLI_EXIT_CORRUPT, "E_REGISTRY_CORRUPT",
                            "no good generation is left; repair the file by "
                            "hand (keel check --file shows where)",
                            "%s/%s is damaged and %s is missing or damaged "
                            "too: nothing restored", c->p.accounts_dir,
                            KEEL_REGISTRY_FILE, KEEL_BACKUP_FILE);
        return cli_fail(c, CLI_EXIT_OTHER, "E_NO_GOOD_GENERATION", NULL,
                        "%s/%s does not exist and there is no backup: nothing "
                        "to recover", c->p.accounts_dir, KEEL_REGISTRY_FILE);
    default:
        return cli_fail_kernel(c, &err, c->p.accounts_dir);
    }
}
