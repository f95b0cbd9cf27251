/*
 * baseline.h - compare a run's JSON with a stored one (an earlier --json).
 *
 * Runs are matched by zones, concurrency, rate and target. When both sides
 * measured the nginx reference, the compared figures are the agent/nginx
 * ratios (throughput, p50, CPU per 1,000 scrapes), because absolute times
 * drift on a shared machine; otherwise the absolute scrapes/s, p50 and CPU per
 * 1,000 scrapes. p99 (ratio or absolute) is printed always and compared only
 * when tail is set: on a shared machine it moves with scheduler stalls. Peak RSS and the error
 * fraction are compared in both cases. A figure regresses when it is worse than the baseline by
 * more than the tolerance (a fraction, 0.10 = 10 %).
 */
#ifndef CMON_BENCH_BASELINE_H
#define CMON_BENCH_BASELINE_H

#include <jansson.h>
#include <stdio.h>

/*
 * Compare doc (report_doc_json) with the baseline document base, printing
 * one line per compared figure to out. Returns the number of regressions
 * (0 = pass), or -1 with a one-line reason in err when base is not a
 * cmon-bench document or has no run matching one of doc's runs.
 */
int baseline_compare(json_t *doc, json_t *base, double tolerance, int tail, FILE *out, char *err,
                     size_t errlen);

/*
 * Load a baseline file. Returns a new reference, or NULL with a one-line
 * reason in err (unreadable, not JSON, not a cmon-bench document).
 */
json_t *baseline_load(const char *path, char *err, size_t errlen);

#endif
