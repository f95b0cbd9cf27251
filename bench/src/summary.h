/*
 * summary.h - a series seen whole: each point's agent figures against the
 * first point's (10,000 zones against 100: how the agent scales), beside the
 * point's own agent/reference ratios (how it compares with nginx on the same
 * machine at the same moment). Arithmetic only; report.c prints it.
 */
#ifndef CMON_BENCH_SUMMARY_H
#define CMON_BENCH_SUMMARY_H

#include "result.h"

/* The figures a summary compares; each is "lower is better" but scrapes/s. */
enum summary_figure {
    SUMMARY_P50,      /* latency p50, ms */
    SUMMARY_P99,      /* latency p99, ms */
    SUMMARY_SCRAPES,  /* successful scrapes per second */
    SUMMARY_CPU,      /* server CPU s per 1,000 successful scrapes */
    SUMMARY_PEAK_RSS, /* server peak RSS (VmHWM), kB */
    SUMMARY_NFIGURES,
};

/* JSON key of figure k ("p50", "p99", "scrapes_per_s", "cpu_s_per_1000", "peak_rss_kb"). */
const char *summary_key(enum summary_figure k);

/* Figure k of one server's figures, or -1 when it is unknown (nothing measured, no /proc). */
double summary_figure(const struct result_figures *f, enum summary_figure k);

struct summary_point {
    double sp_vs_first[SUMMARY_NFIGURES]; /* agent's figure here / at the first point; -1 unknown */
    double sp_vs_ref[SUMMARY_NFIGURES];   /* agent / reference at this point; -1 unknown or none */
};

/*
 * Compare run with first (the series' first point; run may be first, giving
 * ratios of 1). A ratio is -1 when either figure is unknown or the divisor
 * is 0; the peak RSS has no agent/reference ratio (nginx's is not comparable).
 */
void summary_point_compute(const struct result_run *first, const struct result_run *run,
                           struct summary_point *sp);

#endif
