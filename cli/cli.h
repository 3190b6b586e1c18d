/*
 * cli.h - what every part of the `keel` command shares.
 *
 * Purpose
 *   The kernel prints nothing; the CLI turns its error records into human
 *   messages (stderr) or one --json envelope line (stdout). A command gets a
 *   struct cli, reports success data and warnings through it, and returns an
 *   exit code; a failing command fills the error part with cli_fail* and
 *   returns what cli_fail* returned. main.c prints the result once.
 *
 * Calling sequence (inside a command)
 *   if (cli_open_state(c, 1) != 0) return c->exit_code;
 *   ... on a kernel failure: return cli_fail_kernel(c, &err, dirpath);
 *   cli_say(c, "switched to %s\n", name);          // human mode only
 *   cJSON_AddStringToObject(c->data, "name", name); // --json data
 *   return 0;
 *
 * Error handling
 *   cli_fail* record the first failure only and return its exit code. No
 *   message ever holds credential contents (G8): callers pass names, paths,
 *   steps and errno, never file bytes.
 */
#ifndef KEEL_CLI_H
#define KEEL_CLI_H

#include <limits.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "../kernel/error.h"
#include "../kernel/registry.h"

#define KEEL_VERSION "0.1.0"

/* Exit codes (the Node tool's table). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_OTHER = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_AUTH_MISSING = 3,
    CLI_EXIT_NOT_FOUND = 4,
    CLI_EXIT_MISMATCH = 5,
    CLI_EXIT_LOCKED = 6,
    CLI_EXIT_CORRUPT = 7
};

/* Largest auth.json / snapshot Keel reads (G10). */
#define CLI_AUTH_SIZE_MAX (1024u * 1024u)

/* One file Keel touches: its full path, its directory and its base name. */
struct cli_file {
    char path[PATH_MAX];
    char dir[PATH_MAX];
    char base[NAME_MAX + 1];
    int dirfd; /* -1 until opened */
};

struct cli_paths {
    char codex_dir[PATH_MAX];
    char accounts_dir[PATH_MAX];
    int accounts_fd;          /* -1 until opened, or when it does not exist */
    struct cli_file auth;     /* live auth.json */
    struct cli_file current;  /* one line: the active name */
    char session_map[PATH_MAX]; /* never touched; shown by check */
};

struct cli {
    int json;
    int wait_ms;
    int lenient;     /* keel check: unsafe dirs are warnings, not errors */
    int nwarn;
    struct cli_paths p;
    cJSON *data;     /* --json success payload (an object) */
    cJSON *warnings; /* array of {code, message} */
    /* the error, once set */
    int failed;
    int exit_code;
    const char *code;
    char message[1024];
    char hint[512];
    cJSON *details;
};

/* ---- output.c ---- */
void cli_say(struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_warn(struct cli *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cli_fail(struct cli *c, int exit_code, const char *code, const char *hint,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Turn a kernel error record into the CLI error. `dir` is the directory
   err->file is relative to (for the full path in the message). */
int cli_fail_kernel(struct cli *c, const struct keel_err *err,
                    const char *dir);
int cli_usage(struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print the final result (envelope or error text). Returns exit code. */
int cli_finish(struct cli *c, int rc);

/* ---- paths.c ---- */
int cli_paths_resolve(struct cli *c);
/* Open the state directories. create=1: create missing ones 0700 (write
   commands); create=0: a missing accounts dir leaves accounts_fd = -1. */
int cli_open_state(struct cli *c, int create);
void cli_close_state(struct cli *c);
/* Open (creating 0700 if asked) one directory path; fills f->dirfd. */
int cli_open_file_dir(struct cli *c, struct cli_file *f, int create);
int cli_split_path(struct cli *c, const char *path, struct cli_file *f);
/* Refuse a directory writable by group/other or owned by someone else. */
int cli_check_dir_safe(struct cli *c, int fd, const char *path);
/* mkdir -p with mode 0700 for each missing component. */
int cli_mkdir_p(struct cli *c, const char *path);
void cli_join(char *out, size_t cap, const char *dir, const char *name);

/* ---- signals.c ---- */
/* Record SIGINT/SIGTERM/SIGHUP instead of dying (write commands). */
void cli_signals_install(void);
/* 1 (and the error E_INTERRUPTED, exit 128+signo recorded) if one of them
   arrived; 0 otherwise. Called at every step boundary. */
int cli_interrupted(struct cli *c);

/* ---- util.c ---- */
/* "2026-05-01T10:00:00.000Z" into buf[32]. */
void cli_now_iso(char *buf, size_t cap);
/* snapshot file name "<name>.json" */
int cli_snapshot_file(const char *name, char *out, size_t cap);
int cli_parse_int(const char *s, long lo, long hi, long *out);

#endif
