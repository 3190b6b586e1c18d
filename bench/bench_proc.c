/*
 * bench_proc.c - whole processes, interleaved, against a reference process.
 *
 *   bench_proc REPS LABEL CMD ARGS... [-- LABEL CMD ARGS...]... -- REF CMD...
 *
 * Runs every command once per round, rotating which goes first, for REPS
 * rounds (plus one warm-up round), each as a fresh process (posix_spawn,
 * then wait4 for its resource usage), stdout to /dev/null. The last command
 * is the reference (the floor process). An argument "@alt:X:Y" is X in even
 * rounds and Y in odd ones (so `keel use` really switches every time).
 * A command that exits non-zero stops the benchmark.
 *
 * Prints one line per command other than the reference:
 *   proc LABEL REPS  time(med min max)  ref time(...)  time/ref(...)
 *        peak RSS KiB (median)  ref peak RSS KiB (median)
 *        CPU seconds, user + system (median)
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stats.h"

extern char **environ;

#define MAX_CMDS 8

struct cmd {
    const char *label;
    char **argv; /* NULL-terminated, alt tokens unexpanded */
    int argc;
    double *t;
    double *rss;
    double *cpu;
};

static const char *expand(const char *arg, long round, char *buf, size_t cap)
{
    if (strncmp(arg, "@alt:", 5) != 0)
        return arg;
    const char *x = arg + 5, *colon = strchr(x, ':');
    if (colon == NULL)
        bench_die("bad @alt argument", arg);
    if (round % 2 == 0)
        snprintf(buf, cap, "%.*s", (int)(colon - x), x);
    else
        snprintf(buf, cap, "%s", colon + 1);
    return buf;
}

/* Run one command; returns wall seconds, stores peak RSS (KiB) and CPU
   seconds (user + system). */
static double run(const struct cmd *c, long round, double *rss, double *cpu)
{
    char *argv[64];
    char bufs[64][128];
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status;
    struct rusage ru;

    if (c->argc >= 64)
        bench_die("too many arguments", c->label);
    for (int i = 0; i < c->argc; i++)
        argv[i] = (char *)expand(c->argv[i], round, bufs[i], sizeof bufs[i]);
    argv[c->argc] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    double t0 = bench_now();
    int e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    if (e != 0)
        bench_die("spawn", strerror(e));
    if (wait4(pid, &status, 0, &ru) != pid)
        bench_die("wait4", strerror(errno));
    double t = bench_now() - t0;
    posix_spawn_file_actions_destroy(&fa);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: '%s' (%s) failed, status %d\n", c->label,
                argv[0], status);
        exit(1);
    }
    *rss = (double)ru.ru_maxrss;
    *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    return t;
}

int main(int argc, char **argv)
{
    struct cmd cmds[MAX_CMDS];
    int n = 0;
    char *end;
    long reps = argc > 1 ? strtol(argv[1], &end, 10) : 0;

    if (argc < 4 || *end != '\0' || reps < 1 || reps > 100000) {
        fputs("usage: bench_proc REPS LABEL CMD... [-- LABEL CMD...]... "
              "-- REF CMD...\n",
              stderr);
        return 2;
    }
    for (int i = 2; i < argc;) {
        int j = i;
        while (j < argc && strcmp(argv[j], "--") != 0)
            j++;
        if (j - i < 2 || n == MAX_CMDS)
            bench_die("each command needs a label and a program", NULL);
        argv[j < argc ? j : argc] = NULL; /* terminate this group */
        cmds[n].label = argv[i];
        cmds[n].argv = argv + i + 1;
        cmds[n].argc = j - i - 1;
        cmds[n].t = calloc((size_t)reps, sizeof(double));
        cmds[n].rss = calloc((size_t)reps, sizeof(double));
        cmds[n].cpu = calloc((size_t)reps, sizeof(double));
        if (cmds[n].t == NULL || cmds[n].rss == NULL || cmds[n].cpu == NULL)
            bench_die("out of memory", NULL);
        n++;
        i = j + 1;
    }
    if (n < 2)
        bench_die("need a command and a reference", NULL);
    for (long r = -1; r < reps; r++) {
        for (int k = 0; k < n; k++) {
            int c = (int)((k + (r < 0 ? 0 : r)) % n); /* rotate the order */
            double rss, cpu;
            /* r + 1: the warm-up is round 0, so @alt alternates from the
               warm-up on and every timed `keel use` really switches. */
            double t = run(&cmds[c], r + 1, &rss, &cpu);
            if (r >= 0) {
                cmds[c].t[r] = t;
                cmds[c].rss[r] = rss;
                cmds[c].cpu[r] = cpu;
            }
        }
    }
    const struct cmd *ref = &cmds[n - 1];
    struct bench_summary rt = bench_summarise(ref->t, (size_t)reps);
    struct bench_summary rr = bench_summarise(ref->rss, (size_t)reps);
    for (int k = 0; k < n - 1; k++) {
        struct bench_summary s = bench_summarise(cmds[k].t, (size_t)reps);
        struct bench_summary q = bench_ratio(cmds[k].t, ref->t, (size_t)reps);
        struct bench_summary m = bench_summarise(cmds[k].rss, (size_t)reps);
        struct bench_summary u = bench_summarise(cmds[k].cpu, (size_t)reps);
        printf("proc %s %ld %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g "
               "%.0f %.0f %.6f\n",
               cmds[k].label, reps, s.median, s.min, s.max, rt.median, rt.min,
               rt.max, q.median, q.min, q.max, m.median, rr.median, u.median);
    }
    return 0;
}
