/*
 * plot.h - a gnuplot picture of a series: p50 and p99 (agent, and the
 * reference when it ran) against the swept value, and the latency
 * distribution (percentile spectrum) of every run.
 */
#ifndef CMON_BENCH_PLOT_H
#define CMON_BENCH_PLOT_H

#include <stdio.h>

#include "result.h"

/*
 * Write the gnuplot script (data inline) drawing runs into out_path (.svg or
 * .png). xlabel names the swept value and xs holds it for each run. Returns 0.
 */
int plot_script(FILE *f, const char *out_path, const char *xlabel, const double *xs,
                const struct result_run *runs, int nruns);

/*
 * Draw: write the script to a temporary file and run gnuplot_bin on it.
 * Returns 0, or -1 with a one-line reason in err.
 */
int plot_draw(const char *gnuplot_bin, const char *out_path, const char *xlabel, const double *xs,
              const struct result_run *runs, int nruns, char *err, size_t errlen);

#endif
