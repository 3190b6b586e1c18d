/*
 * stats.c - see stats.h.
 */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

struct bench_summary bench_summarise(const double *v, size_t n)
{
    struct bench_summary s = {0, 0, 0};
    double *c = malloc(n * sizeof *c);
    if (c == NULL || n == 0) {
        free(c);
        return s;
    }
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    s.min = c[0];
    s.max = c[n - 1];
    s.median = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return s;
}

struct bench_summary bench_ratio(const double *a, const double *b, size_t n)
{
    struct bench_summary s = {0, 0, 0};
    double *r = malloc(n * sizeof *r);
    if (r == NULL)
        return s;
    for (size_t i = 0; i < n; i++)
        r[i] = b[i] > 0 ? a[i] / b[i] : 0;
    s = bench_summarise(r, n);
    free(r);
    return s;
}

_Noreturn void bench_die(const char *what, const char *detail)
{
    fprintf(stderr, "bench: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    exit(1);
}
