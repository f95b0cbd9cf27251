/*
 * plot.h - a gnuplot picture of a series: p50 and p99 (agent, and the
 * reference when it ran) against the swept value, and the latency
 * distribution (percentile spectrum) of every run, under a page title that
 * says how the run was taken and when.
 */
#ifndef CMON_BENCH_PLOT_H
#define CMON_BENCH_PLOT_H

#include <stdio.h>
#include <time.h>

#include "opts.h"
#include "result.h"

/*
 * The page title into buf (n bytes, cut to fit): the date (UTC) of started,
 * the zones or the swept points, closed loop and concurrency or open loop
 * and rate, durations, rounds, the agent's cache TTL (from --agent-arg
 * --cache-ttl, else "default") and the reference. Three lines short enough
 * for a one-panel picture, split by '\n'.
 */
void plot_title(char *buf, size_t n, const struct opts *o, time_t started);

/*
 * Write the gnuplot script (data inline) drawing runs into out_path (.svg or
 * .png) under title (plain text, '\n' between lines). xlabel names the swept
 * value and xs holds it for each run. Returns 0.
 */
int plot_script(FILE *f, const char *out_path, const char *title, const char *xlabel,
                const double *xs, const struct result_run *runs, int nruns);

/*
 * Draw: write the script to a temporary file and run gnuplot_bin on it.
 * Returns 0, or -1 with a one-line reason in err.
 */
int plot_draw(const char *gnuplot_bin, const char *out_path, const char *title, const char *xlabel,
              const double *xs, const struct result_run *runs, int nruns, char *err, size_t errlen);

#endif
