/* report.c - table and JSON output (see report.h). */
#include "report.h"

#include "atomicfile.h"
#include "opts.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct {
    const char *key;   /* JSON key in latency_ms */
    const char *label; /* table label */
    double q;
} report_quantiles[] = {
    {"p50", "p50 ms", 0.50},     {"p90", "p90 ms", 0.90}, {"p99", "p99 ms", 0.99},
    {"p999", "p99.9 ms", 0.999}, {"max", "max ms", 1.0},
};
#define REPORT_NQ (sizeof(report_quantiles) / sizeof(report_quantiles[0]))

double
report_ms(const struct result_figures *f, double q)
{
    return (double)hist_quantile(f->rf_hist, q) / 1e6;
}

double
report_cpu_per_1000(const struct result_figures *f)
{
    if (f->rf_cpu_s < 0 || f->rf_ok == 0)
        return -1;
    return f->rf_cpu_s * 1000.0 / (double)f->rf_ok;
}

static double
report_bytes_per_scrape(const struct result_figures *f)
{
    return f->rf_ok ? (double)f->rf_bytes / (double)f->rf_ok : 0;
}

/* ------------------------------------------------------------------ table */

static void
report_row(FILE *f, const char *label, double a, double r, int has_ref, int want_ratio,
           const char *fmt)
{
    char abuf[32], rbuf[32], ratio[32] = "";

    snprintf(abuf, sizeof(abuf), a < 0 ? "-" : fmt, a);
    snprintf(rbuf, sizeof(rbuf), r < 0 ? "-" : fmt, r);
    if (has_ref && want_ratio && a >= 0 && r > 0)
        snprintf(ratio, sizeof(ratio), "%.2f", a / r);
    if (has_ref)
        fprintf(f, "  %-20s %12s %12s %12s\n", label, abuf, rbuf, ratio);
    else
        fprintf(f, "  %-20s %12s\n", label, abuf);
}

static void
report_error_detail(FILE *f, const char *who, const struct result_figures *x)
{
    const struct result_errors *e = &x->rf_err;

    if (result_errors_total(e) == 0 && x->rf_error[0] == '\0')
        return;
    fprintf(f, "  %s errors: %llu timeout, %llu connection, %llu other, %llu unsent", who,
            (unsigned long long)e->re_timeout, (unsigned long long)e->re_connect,
            (unsigned long long)e->re_other, (unsigned long long)e->re_unsent);
    if (e->re_other_first[0] != '\0')
        fprintf(f, " (other, the first: %s)", e->re_other_first);
    for (int s = 0; s < RESULT_MAX_STATUS; s++)
        if (e->re_status[s])
            fprintf(f, ", %llu HTTP %d", (unsigned long long)e->re_status[s], s);
    fputc('\n', f);
    if (x->rf_error[0] != '\0')
        fprintf(f, "  %s stopped early: %s\n", who, x->rf_error);
}

static void
report_header(FILE *f, const struct result_run *run)
{
    char zones[64] = "a running agent";

    if (run->rr_zones > 0)
        snprintf(zones, sizeof(zones), "%ld zones", run->rr_zones);
    if (run->rr_gz)
        fprintf(f, "cmon-bench: %s, scraping /v1/gz/metrics, ", zones);
    else
        fprintf(f, "cmon-bench: %s, scraping %ld instances at random, ", zones, run->rr_instances);
    if (run->rr_rate > 0)
        fprintf(f, "open loop %.0f scrapes/s over %d connections", run->rr_rate,
                run->rr_concurrency);
    else
        fprintf(f, "closed loop, %d in flight", run->rr_concurrency);
    fprintf(f, ", %g s after %g s warm-up%s%s; load average %.2f\n", run->rr_duration_s,
            run->rr_warmup_s, run->rr_primed > 0 ? " and a priming pass" : "",
            run->rr_interleaved  ? ", in rounds taking turns with the other points"
            : run->rr_rounds > 1 ? ", in rounds taking turns"
                                 : "",
            run->rr_loadavg);
    if (run->rr_has_ref)
        fprintf(f, "  %-20s %12s %12s %12s\n", "", "agent", run->rr_ref_name, "ratio");
}

void
report_table(FILE *f, const struct result_run *run)
{
    const struct result_figures *a = &run->rr_agent, *r = &run->rr_ref;
    int ref = run->rr_has_ref;

    report_header(f, run);
    report_row(f, "scrapes/s", result_scrapes_per_s(a), ref ? result_scrapes_per_s(r) : -1, ref, 1,
               "%.1f");
    for (size_t i = 0; i < REPORT_NQ; i++)
        report_row(f, report_quantiles[i].label,
                   a->rf_ok ? report_ms(a, report_quantiles[i].q) : -1,
                   ref && r->rf_ok ? report_ms(r, report_quantiles[i].q) : -1, ref, 1, "%.3f");
    report_row(f, "requests", (double)a->rf_requests, (double)r->rf_requests, ref, 0, "%.0f");
    report_row(f, "connections", (double)a->rf_connects, (double)r->rf_connects, ref, 0, "%.0f");
    report_row(f, "errors", (double)result_errors_total(&a->rf_err),
               (double)result_errors_total(&r->rf_err), ref, 0, "%.0f");
    report_row(f, "bytes/scrape", report_bytes_per_scrape(a), report_bytes_per_scrape(r), ref, 1,
               "%.0f");
    report_row(f, "CPU s/1000 scrapes", report_cpu_per_1000(a), report_cpu_per_1000(r), ref, 1,
               "%.4f");
    report_row(f, "peak RSS kB", (double)a->rf_peak_rss_kb, (double)r->rf_peak_rss_kb, ref, 1,
               "%.0f");
    report_row(f, "RSS shared kB", (double)a->rf_shmem_kb, (double)r->rf_shmem_kb, ref, 0, "%.0f");
    report_row(f, "client CPU s", a->rf_client_cpu_s, r->rf_client_cpu_s, ref, 0, "%.2f");
    report_error_detail(f, "agent", a);
    if (ref)
        report_error_detail(f, run->rr_ref_name, r);
}

/* ------------------------------------------------------------------- JSON */

/* A number, or null when unknown (negative). */
static json_t *
report_num_or_null(double v)
{
    return v < 0 ? json_null() : json_real(v);
}

static json_t *
report_errors_json(const struct result_errors *e)
{
    json_t *http = json_object();
    char key[8];

    for (int s = 0; s < RESULT_MAX_STATUS; s++) {
        if (e->re_status[s] == 0)
            continue;
        snprintf(key, sizeof(key), "%d", s);
        json_object_set_new(http, key, json_integer((json_int_t)e->re_status[s]));
    }
    json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "total", (json_int_t)result_errors_total(e),
                          "timeout", (json_int_t)e->re_timeout, "connect",
                          (json_int_t)e->re_connect, "other", (json_int_t)e->re_other, "unsent",
                          (json_int_t)e->re_unsent, "http", http);
    if (e->re_other_first[0] != '\0')
        json_object_set_new(o, "other_first", json_string(e->re_other_first));
    return o;
}

static json_t *
report_latency_json(const struct result_figures *f)
{
    json_t *o = json_object();

    for (size_t i = 0; i < REPORT_NQ; i++)
        json_object_set_new(o, report_quantiles[i].key,
                            f->rf_ok ? json_real(report_ms(f, report_quantiles[i].q))
                                     : json_null());
    json_object_set_new(o, "min",
                        f->rf_ok ? json_real((double)f->rf_hist->h_min / 1e6) : json_null());
    return o;
}

/* The latency distribution: percentile (as a string key) to milliseconds. */
static json_t *
report_spectrum_json(const struct result_figures *f)
{
    static const char *keys[] = {"0",  "10",   "25",   "50",    "75",    "90",     "95",
                                 "99", "99.5", "99.9", "99.95", "99.99", "99.999", "100"};
    json_t *o = json_object();
    double q;

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && f->rf_ok; i++) {
        q = strtod(keys[i], NULL); /* the literals above */
        json_object_set_new(
            o, keys[i],
            json_real(i == 0 ? (double)f->rf_hist->h_min / 1e6 : report_ms(f, q / 100)));
    }
    return o;
}

json_t *
report_figures_json(const struct result_run *run, const struct result_figures *f)
{
    json_t *o = json_pack(
        "{s:o,s:i,s:f,s:I,s:I,s:f,s:f,s:o,s:o,s:f,s:o,s:o,s:f,s:o}", "zones",
        run->rr_zones > 0 ? json_integer(run->rr_zones) : json_null(), "concurrency",
        run->rr_concurrency, "rate", run->rr_rate, "requests", (json_int_t)f->rf_requests, "ok",
        (json_int_t)f->rf_ok, "elapsed_s", f->rf_elapsed_s, "scrapes_per_s",
        result_scrapes_per_s(f), "latency_ms", report_latency_json(f), "errors",
        report_errors_json(&f->rf_err), "bytes_per_scrape", report_bytes_per_scrape(f),
        "agent_cpu_s_per_1000", report_num_or_null(report_cpu_per_1000(f)), "agent_peak_rss_kb",
        f->rf_peak_rss_kb < 0 ? json_null() : json_integer(f->rf_peak_rss_kb), "client_cpu_s",
        f->rf_client_cpu_s, "percentiles_ms", report_spectrum_json(f));
    if (o != NULL)
        json_object_set_new(o, "agent_rss_shmem_kb",
                            f->rf_shmem_kb < 0 ? json_null() : json_integer(f->rf_shmem_kb));
    if (o != NULL) /* new connections; with --no-keepalive one per request: handshakes */
        json_object_set_new(o, "connections", json_integer((json_int_t)f->rf_connects));
    if (o != NULL && f->rf_error[0] != '\0')
        json_object_set_new(o, "error", json_string(f->rf_error));
    return o;
}

static double
report_ratio(double a, double r)
{
    return a >= 0 && r > 0 ? a / r : -1;
}

static json_t *
report_ratio_json(const struct result_run *run)
{
    const struct result_figures *a = &run->rr_agent, *r = &run->rr_ref;
    json_t *o = json_object();

    json_object_set_new(
        o, "scrapes_per_s",
        report_num_or_null(report_ratio(result_scrapes_per_s(a), result_scrapes_per_s(r))));
    for (size_t i = 0; i < REPORT_NQ; i++) {
        double q = report_quantiles[i].q;
        double v = a->rf_ok && r->rf_ok ? report_ratio(report_ms(a, q), report_ms(r, q)) : -1;
        json_object_set_new(o, report_quantiles[i].key, report_num_or_null(v));
    }
    json_object_set_new(
        o, "cpu_s_per_1000",
        report_num_or_null(report_ratio(report_cpu_per_1000(a), report_cpu_per_1000(r))));
    return o;
}

static json_t *
report_round_json(const struct result_round *rd)
{
    return json_pack("{s:o, s:o, s:o}", "scrapes_per_s", json_real(rd->rd_scrapes_per_s), "p99_ms",
                     report_num_or_null(rd->rd_p99_ms), "cpu_s_per_1000",
                     report_num_or_null(rd->rd_cpu_s_per_1000));
}

/* Each round's figures alone: [{"scrapes_per_s", "p99_ms", "cpu_s_per_1000", "reference"}]. */
static json_t *
report_by_round_json(const struct result_run *run)
{
    json_t *arr = json_array();

    for (int i = 0; i < run->rr_nby_round; i++) {
        json_t *o = report_round_json(&run->rr_by_round[i][0]);
        if (run->rr_has_ref)
            json_object_set_new(o, "reference", report_round_json(&run->rr_by_round[i][1]));
        json_array_append_new(arr, o);
    }
    return arr;
}

json_t *
report_run_json(const struct result_run *run)
{
    json_t *o = report_figures_json(run, &run->rr_agent);

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "mode", json_string(run->rr_rate > 0 ? "open" : "closed"));
    json_object_set_new(o, "target", json_string(run->rr_gz ? "gz" : "instances"));
    json_object_set_new(o, "loadavg_1m", report_num_or_null(run->rr_loadavg));
    json_object_set_new(o, "format", json_string(run->rr_openmetrics ? "openmetrics" : "text"));
    json_object_set_new(o, "gzip", json_boolean(run->rr_gzip));
    json_object_set_new(o, "instances", json_integer(run->rr_instances));
    json_object_set_new(o, "duration_s", json_real(run->rr_duration_s));
    json_object_set_new(o, "warmup_s", json_real(run->rr_warmup_s));
    json_object_set_new(o, "rounds", json_integer(run->rr_rounds > 0 ? run->rr_rounds : 1));
    json_object_set_new(o, "primed", json_integer(run->rr_primed));
    json_object_set_new(o, "interleaved", json_boolean(run->rr_interleaved));
    json_object_set_new(o, "by_round", report_by_round_json(run));
    if (run->rr_has_ref) {
        json_t *ref = report_figures_json(run, &run->rr_ref);
        json_object_set_new(ref, "server", json_string(run->rr_ref_name));
        json_object_set_new(o, "reference", ref);
        json_object_set_new(o, "ratio", report_ratio_json(run));
    }
    return o;
}

json_t *
report_doc_json(const struct result_run *runs, int nruns, const char *error)
{
    char date[32];
    time_t now = time(NULL);
    struct tm tm;
    json_t *doc = nruns > 0 ? report_run_json(&runs[nruns - 1]) : json_object();
    json_t *arr = json_array();

    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    for (int i = 0; i < nruns; i++)
        json_array_append_new(arr, report_run_json(&runs[i]));
    json_object_set_new(doc, "schema", json_string("cmon-bench/1"));
    json_object_set_new(doc, "date", json_string(date));
    json_object_set_new(doc, "complete", json_boolean(error == NULL || error[0] == '\0'));
    if (error != NULL && error[0] != '\0')
        json_object_set_new(doc, "error", json_string(error));
    json_object_set_new(doc, "runs", arr);
    return doc;
}

int
report_write(json_t *doc, const char *path)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    if (text == NULL)
        return errno = ENOMEM, -1;
    size_t len = strlen(text);
    char *line = realloc(text, len + 2);
    if (line == NULL) {
        free(text);
        return errno = ENOMEM, -1;
    }
    line[len++] = '\n';
    line[len] = '\0';
    int rc = atomicfile_write(path, line, len, ATOMICFILE_MODE);
    int saved = errno;
    free(line);
    errno = saved;
    return rc;
}

/* ---------------------------------------------------------------- summary */

static void
report_summary_cell(FILE *f, double v)
{
    if (v < 0)
        fprintf(f, " %9s", "-");
    else
        fprintf(f, " %9.2f", v);
}

void
report_summary_table(FILE *f, const char *key, const double *xs, const struct result_run *runs,
                     int nruns)
{
    static const enum summary_figure ref_figs[] = {SUMMARY_SCRAPES, SUMMARY_P50, SUMMARY_P99,
                                                   SUMMARY_CPU};
    int ref = runs[0].rr_has_ref;
    struct summary_point sp;

    fprintf(f, "cmon-bench: summary, each point against the first (%s=%g)\n", key, xs[0]);
    fprintf(f, "  %-10s %49s", "", "agent here / agent at the first point");
    if (ref)
        fprintf(f, "  |%40s", "agent / nginx at this point");
    fputc('\n', f);
    fprintf(f, "  %-10s %9s %9s %9s %9s %9s", key, "p50", "p99", "scrapes/s", "CPU/1000",
            "peak RSS");
    if (ref)
        fprintf(f, "  | %9s %9s %9s %9s", "scrapes/s", "p50", "p99", "CPU/1000");
    fputc('\n', f);
    for (int i = 0; i < nruns; i++) {
        summary_point_compute(&runs[0], &runs[i], &sp);
        fprintf(f, "  %-10g", xs[i]);
        report_summary_cell(f, sp.sp_vs_first[SUMMARY_P50]);
        report_summary_cell(f, sp.sp_vs_first[SUMMARY_P99]);
        report_summary_cell(f, sp.sp_vs_first[SUMMARY_SCRAPES]);
        report_summary_cell(f, sp.sp_vs_first[SUMMARY_CPU]);
        report_summary_cell(f, sp.sp_vs_first[SUMMARY_PEAK_RSS]);
        if (ref) {
            fputs("  |", f);
            for (size_t k = 0; k < sizeof(ref_figs) / sizeof(ref_figs[0]); k++)
                report_summary_cell(f, sp.sp_vs_ref[ref_figs[k]]);
        }
        fputc('\n', f);
    }
}

/* {"p50": r, ...} over the figures whose ratio exists in this direction. */
static json_t *
report_summary_ratios(const double *ratios, int with_rss)
{
    json_t *o = json_object();

    for (int k = 0; k < SUMMARY_NFIGURES; k++)
        if (with_rss || k != SUMMARY_PEAK_RSS)
            json_object_set_new(o, summary_key((enum summary_figure)k),
                                report_num_or_null(ratios[k]));
    return o;
}

json_t *
report_summary_json(const char *key, const double *xs, const struct result_run *runs, int nruns)
{
    json_t *points = json_array();
    struct summary_point sp;

    for (int i = 0; i < nruns; i++) {
        summary_point_compute(&runs[0], &runs[i], &sp);
        json_t *p = json_pack("{s:I,s:o}", "value", (json_int_t)xs[i], "vs_first",
                              report_summary_ratios(sp.sp_vs_first, 1));
        if (runs[i].rr_has_ref)
            json_object_set_new(p, "vs_reference", report_summary_ratios(sp.sp_vs_ref, 0));
        json_array_append_new(points, p);
    }
    return json_pack("{s:s,s:I,s:o}", "key", key, "first", (json_int_t)xs[0], "points", points);
}
