/*
 * stats.h - timing and summary helpers shared by the benchmark programs.
 *
 * Every figure the benchmarks report is a sample of N paired runs: the
 * thing measured (A) and its reference (B), interleaved A B A B in one
 * process, so both see the same machine load. A sample is summarised as
 * median, min and max; ratios are taken per pair, then summarised.
 */
#ifndef KEEL_BENCH_STATS_H
#define KEEL_BENCH_STATS_H

#include <stddef.h>

struct bench_summary {
    double median, min, max;
};

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);

/* Summary of n >= 1 samples (v is not modified). */
struct bench_summary bench_summarise(const double *v, size_t n);

/* Summary of a[i] / b[i]. */
struct bench_summary bench_ratio(const double *a, const double *b, size_t n);

/* Print a fatal message and exit 1 (benchmarks only; never the kernel). */
_Noreturn void bench_die(const char *what, const char *detail);

#endif
