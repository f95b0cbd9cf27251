/*
 * report.h - the figures as a human table and as JSON (schema "cmon-bench/1",
 * documented in bench/README.md). Formatting only; the caller owns the files.
 */
#ifndef CMON_BENCH_REPORT_H
#define CMON_BENCH_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "result.h"
#include "summary.h"

/* Print one run as a table (agent, reference, agent/reference ratio) to f. */
void report_table(FILE *f, const struct result_run *run);

/* JSON object of one server's figures (keys in README). New reference; NULL on ENOMEM. */
json_t *report_figures_json(const struct result_run *run, const struct result_figures *f);

/* JSON object of one run, with "reference" and "ratio" when a reference ran. */
json_t *report_run_json(const struct result_run *run);

/*
 * The whole document: "schema", "date", the last run's keys at top level and
 * every run in "runs". error is the run failure ("" or NULL if none).
 */
json_t *report_doc_json(const struct result_run *runs, int nruns, const char *error);

/*
 * Write doc to path atomically (temporary file, then rename), so a reader
 * never sees a partly written file. Returns 0, or -1 with errno.
 */
int report_write(json_t *doc, const char *path);

/*
 * The summary of a series (nruns >= 1 points; key names the swept value, xs
 * holds it per point): each point's agent figures against the first point's,
 * and its agent/reference ratios, as a table on f.
 */
void report_summary_table(FILE *f, const char *key, const double *xs, const struct result_run *runs,
                          int nruns);

/* The same as the JSON object "summary" (keys in README). New reference; NULL on ENOMEM. */
json_t *report_summary_json(const char *key, const double *xs, const struct result_run *runs,
                            int nruns);

/* Latency at quantile q of f, in milliseconds (0 if nothing was measured). */
double report_ms(const struct result_figures *f, double q);

/* Server CPU seconds per 1,000 successful scrapes, or -1 when unknown. */
double report_cpu_per_1000(const struct result_figures *f);

#endif
