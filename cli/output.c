/*
 * output.c - messages, warnings, errors and the --json envelope.
 *
 * Human mode: success text on stdout (cli_say), warnings and errors on
 * stderr. --json: exactly one line on stdout, {"ok":true,"data":...} or
 * {"ok":false,"error":{"code","severity","message","hint","details"}},
 * as the Node tool prints it. Nothing here ever sees credential bytes (G8).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_say(struct cli *c, const char *fmt, ...)
{
    va_list ap;

    if (c->json)
        return;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
}

void cli_warn(struct cli *c, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    cJSON *w;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->nwarn++;
    if (!c->json) {
        fprintf(stderr, "keel: warning: %s\n", msg);
        return;
    }
    w = cJSON_CreateObject();
    if (w == NULL)
        return;
    cJSON_AddStringToObject(w, "code", code);
    cJSON_AddStringToObject(w, "message", msg);
    cJSON_AddItemToArray(c->warnings, w);
}

static int fail_v(struct cli *c, int exit_code, const char *code,
                  const char *hint, const char *fmt, va_list ap)
{
    if (c->failed)
        return c->exit_code;
    c->failed = 1;
    c->exit_code = exit_code;
    c->code = code;
    vsnprintf(c->message, sizeof c->message, fmt, ap);
    snprintf(c->hint, sizeof c->hint, "%s", hint != NULL ? hint : "");
    return exit_code;
}

int cli_fail(struct cli *c, int exit_code, const char *code, const char *hint,
             const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fail_v(c, exit_code, code, hint, fmt, ap);
    va_end(ap);
    return rc;
}

int cli_usage(struct cli *c, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fail_v(c, CLI_EXIT_USAGE, "E_USAGE", "run 'keel --help'", fmt, ap);
    va_end(ap);
    return rc;
}

static cJSON *details(struct cli *c)
{
    if (c->details == NULL)
        c->details = cJSON_CreateObject();
    return c->details;
}

static const char *defect_kind(keel_defect d)
{
    switch (d) {
    case KEEL_DEFECT_SYNTAX:
        return "syntax";
    case KEEL_DEFECT_SCHEMA:
        return "schema";
    case KEEL_DEFECT_LIMIT:
        return "limit";
    default:
        return "unknown";
    }
}

static int fail_corrupt(struct cli *c, const struct keel_err *e,
                        const char *path)
{
    const char *why = e->message != NULL ? e->message : "invalid";
    cJSON *d;

    if (e->defect == KEEL_DEFECT_SCHEMA)
        cli_fail(c, CLI_EXIT_CORRUPT, "E_REGISTRY_CORRUPT",
                 "run 'keel check' for details and 'keel recover' to restore "
                 "the last good generation; the file was not changed",
                 "registry %s is corrupt: %s error at %s: %s", path,
                 defect_kind(e->defect),
                 e->json_path[0] ? e->json_path : "(top level)", why);
    else
        cli_fail(c, CLI_EXIT_CORRUPT, "E_REGISTRY_CORRUPT",
                 "run 'keel check' for details and 'keel recover' to restore "
                 "the last good generation; the file was not changed",
                 "registry %s is corrupt: %s error at byte %lld: %s", path,
                 defect_kind(e->defect), e->offset, why);
    d = details(c);
    cJSON_AddStringToObject(d, "file", path);
    cJSON_AddStringToObject(d, "kind", defect_kind(e->defect));
    if (e->defect == KEEL_DEFECT_SCHEMA)
        cJSON_AddStringToObject(d, "path", e->json_path);
    else
        cJSON_AddNumberToObject(d, "offset", (double)e->offset);
    cJSON_AddStringToObject(d, "reason", why);
    return c->exit_code;
}

struct status_map {
    keel_status status;
    int exit_code;
    const char *code;
    const char *hint;
};

static const struct status_map status_map[] = {
    {KEEL_E_SYS, CLI_EXIT_OTHER, "E_IO", NULL},
    {KEEL_E_SYMLINK, CLI_EXIT_OTHER, "E_SYMLINK",
     "Keel never writes through a symlink; replace the link by the file"},
    {KEEL_E_NOT_DURABLE, CLI_EXIT_OTHER, "E_NOT_DURABLE",
     "the new file is in place but may not survive a power loss; "
     "check the disk and run the command again"},
    {KEEL_E_LOCKED, CLI_EXIT_LOCKED, "E_REGISTRY_LOCKED",
     "another keel or authmux command is running; retry, or raise --wait"},
    {KEEL_E_NOMEM, CLI_EXIT_OTHER, "E_NOMEM", NULL},
    {KEEL_E_INVALID, CLI_EXIT_OTHER, "E_NAME_INVALID",
     "names match [A-Za-z0-9][A-Za-z0-9._@+-]* and have at most 64 bytes"},
    {KEEL_E_NOT_FOUND, CLI_EXIT_NOT_FOUND, "E_ACCOUNT_NOT_FOUND",
     "run 'keel list' to see the saved accounts"},
    {KEEL_E_EXISTS, CLI_EXIT_OTHER, "E_ACCOUNT_EXISTS", NULL},
    {KEEL_E_UNSAFE, CLI_EXIT_OTHER, "E_STATE_UNSAFE",
     "chmod 700 the directory and make sure you own it"},
    {KEEL_E_CONFLICT, CLI_EXIT_OTHER, "E_CONFLICT",
     "another command changed the same account; run the command again"},
};

int cli_fail_kernel(struct cli *c, const struct keel_err *e, const char *dir)
{
    char path[PATH_MAX];
    const struct status_map *m = NULL;
    const char *cause;
    size_t i;
    cJSON *d;

    if (e->file != NULL && e->file[0] == '/')
        snprintf(path, sizeof path, "%s", e->file);
    else if (e->file != NULL)
        cli_join(path, sizeof path, dir, e->file);
    else
        snprintf(path, sizeof path, "%s", dir);
    /* the registry over its size cap is a registry defect too (kind limit,
       exit 7), like one nested too deep */
    if (e->status == KEEL_E_CORRUPT &&
        (e->step == KEEL_STEP_DECODE ||
         (e->file != NULL && strcmp(e->file, "registry.json") == 0)))
        return fail_corrupt(c, e, path);
    if (e->status == KEEL_E_CORRUPT)
        return cli_fail(c, CLI_EXIT_OTHER, "E_FILE_TOO_LARGE", NULL,
                        "%s is larger than the %lld bytes Keel reads", path,
                        e->offset);
    if (e->status == KEEL_E_SYMLINK ||
        (e->status == KEEL_E_SYS && e->sys_errno == ELOOP)) {
        /* O_NOFOLLOW refused it, or the target check saw a link (G8) */
        cli_fail(c, CLI_EXIT_OTHER, "E_SYMLINK",
                 "Keel never reads or writes through a symlink in its state; "
                 "replace the link by the file it points to",
                 "%s is a symbolic link: refusing to follow it", path);
        d = details(c);
        cJSON_AddStringToObject(d, "file", path);
        if (e->step != KEEL_STEP_NONE)
            cJSON_AddStringToObject(d, "step", keel_step_name(e->step));
        return c->exit_code;
    }
    if (e->status == KEEL_E_INVALID && (e->step == KEEL_STEP_READ_STAT ||
                                      e->step == KEEL_STEP_CHECK_TARGET)) {
        /* a directory, FIFO or device where a file belongs */
        cli_fail(c, CLI_EXIT_OTHER, "E_NOT_A_FILE",
                 "move it out of the way; Keel only reads and replaces "
                 "regular files",
                 "%s: cannot %s: not a regular file", path,
                 keel_step_phrase(e->step));
        d = details(c);
        cJSON_AddStringToObject(d, "file", path);
        cJSON_AddStringToObject(d, "step", keel_step_name(e->step));
        return c->exit_code;
    }
    for (i = 0; i < sizeof status_map / sizeof status_map[0]; i++)
        if (status_map[i].status == e->status)
            m = &status_map[i];
    if (m == NULL)
        return cli_fail(c, CLI_EXIT_OTHER, "E_INTERNAL", NULL,
                        "%s: %s", path, keel_strerror(e->status));
    cause = e->sys_errno != 0 ? strerror(e->sys_errno)
                              : keel_strerror(e->status);
    if (e->status == KEEL_E_LOCKED && e->holder_pid > 0)
        cli_fail(c, m->exit_code, m->code, m->hint,
                 "registry lock in %s is held by pid %ld: %s", dir,
                 e->holder_pid, cause);
    else if (e->step != KEEL_STEP_NONE)
        cli_fail(c, m->exit_code, m->code, m->hint, "%s: cannot %s: %s",
                 path, keel_step_phrase(e->step), cause);
    else
        cli_fail(c, m->exit_code, m->code, m->hint, "%s: %s", path, cause);
    d = details(c);
    cJSON_AddStringToObject(d, "file", path);
    if (e->step != KEEL_STEP_NONE)
        cJSON_AddStringToObject(d, "step", keel_step_name(e->step));
    if (e->sys_errno != 0)
        cJSON_AddNumberToObject(d, "errno", e->sys_errno);
    if (e->status == KEEL_E_LOCKED)
        cJSON_AddNumberToObject(d, "pid", (double)e->holder_pid);
    return c->exit_code;
}

static void print_line(cJSON *root)
{
    char *s = cJSON_PrintUnformatted(root);

    if (s == NULL) {
        fputs("{\"ok\":false,\"error\":{\"code\":\"E_NOMEM\",\"severity\":"
              "\"fatal\",\"message\":\"out of memory\"}}\n",
              stdout);
        return;
    }
    fputs(s, stdout);
    fputc('\n', stdout);
    free(s);
}

static int finish_json(struct cli *c, int rc)
{
    cJSON *root = cJSON_CreateObject();

    if (root == NULL)
        return rc;
    if (!c->failed) {
        cJSON_AddTrueToObject(root, "ok");
        if (cJSON_GetArraySize(c->warnings) > 0) {
            cJSON_AddItemToObject(c->data, "warnings", c->warnings);
            c->warnings = NULL;
        }
        cJSON_AddItemToObject(root, "data", c->data);
        c->data = NULL;
    } else {
        cJSON_AddFalseToObject(root, "ok");
        cJSON *e = cJSON_AddObjectToObject(root, "error");

        cJSON_AddStringToObject(e, "code", c->code);
        cJSON_AddStringToObject(e, "severity", "fatal");
        cJSON_AddStringToObject(e, "message", c->message);
        if (c->hint[0])
            cJSON_AddStringToObject(e, "hint", c->hint);
        if (c->details == NULL)
            c->details = cJSON_CreateObject();
        if (cJSON_GetArraySize(c->warnings) > 0) {
            cJSON_AddItemToObject(c->details, "warnings", c->warnings);
            c->warnings = NULL;
        }
        cJSON_AddItemToObject(e, "details", c->details);
        c->details = NULL;
    }
    print_line(root);
    cJSON_Delete(root);
    return rc;
}

int cli_finish(struct cli *c, int rc)
{
    if (c->failed)
        rc = c->exit_code;
    else if (rc != 0)
        cli_fail(c, rc, "E_INTERNAL", NULL, "failed");
    if (c->json)
        rc = finish_json(c, rc);
    else if (c->failed) {
        fprintf(stderr, "keel: %s\n", c->message);
        if (c->hint[0])
            fprintf(stderr, "hint: %s\n", c->hint);
    }
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "keel: cannot write standard output: %s\n",
                strerror(errno));
        rc = CLI_EXIT_OTHER;
    }
    cJSON_Delete(c->data);
    cJSON_Delete(c->warnings);
    cJSON_Delete(c->details);
    c->data = c->warnings = c->details = NULL;
    return rc;
}
