/* plot.c - gnuplot pictures (see plot.h). */
#include "plot.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "spawn.h"

/* gnuplot single-quoted string: a quote is doubled. */
static void
plot_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static void
plot_terminal(FILE *f, const char *out_path, int panels)
{
    int svg = strcmp(strrchr(out_path, '.'), ".svg") == 0;

    fprintf(f, "set terminal %s size %d,480 %s\n", svg ? "svg" : "pngcairo",
            panels == 2 ? 1200 : 800, svg ? "dynamic background rgb 'white'" : "");
    fputs("set output ", f);
    plot_quoted(f, out_path);
    fputs("\nset grid\nset key top left\n", f);
}

/* $series: x, agent p50, agent p99, ref p50, ref p99 (NaN when absent). */
static void
plot_series(FILE *f, const char *xlabel, const double *xs, const struct result_run *runs, int nruns)
{
    int ref = runs[0].rr_has_ref;

    fputs("$series << EOD\n", f);
    for (int i = 0; i < nruns; i++) {
        const struct result_figures *a = &runs[i].rr_agent, *r = &runs[i].rr_ref;
        fprintf(f, "%g %g %g", xs[i], a->rf_ok ? report_ms(a, 0.5) : NAN,
                a->rf_ok ? report_ms(a, 0.99) : NAN);
        fprintf(f, " %g %g\n", ref && r->rf_ok ? report_ms(r, 0.5) : NAN,
                ref && r->rf_ok ? report_ms(r, 0.99) : NAN);
    }
    fputs("EOD\n", f);
    fprintf(f, "set title 'latency against %s'\nset logscale xy\n", xlabel);
    fprintf(f, "set xlabel '%s'\nset ylabel 'latency (ms)'\n", xlabel);
    fputs("plot $series using 1:2 with linespoints title 'agent p50', "
          "'' using 1:3 with linespoints title 'agent p99'",
          f);
    if (ref)
        fputs(", '' using 1:4 with linespoints dt 2 title 'nginx p50', "
              "'' using 1:5 with linespoints dt 2 title 'nginx p99'",
              f);
    fputs("\nunset logscale\n", f);
}

/* Percentile spectrum of one histogram: 1/(1-q) and latency at q, q up to 99.999 %. */
static void
plot_spectrum(FILE *f, const char *name, const struct result_figures *x)
{
    fprintf(f, "$%s << EOD\n", name);
    for (int k = 0; k <= 100 && x->rf_ok; k++) {
        double q = 1.0 - pow(10.0, -(double)k / 20.0);
        if ((1.0 - q) * (double)x->rf_ok < 0.5)
            break;
        fprintf(f, "%g %g\n", 1.0 / (1.0 - q), report_ms(x, q));
    }
    fputs("EOD\n", f);
}

static void
plot_distribution(FILE *f, const char *xlabel, const double *xs, const struct result_run *runs,
                  int nruns)
{
    char name[32];

    for (int i = 0; i < nruns; i++) {
        snprintf(name, sizeof(name), "a%d", i);
        plot_spectrum(f, name, &runs[i].rr_agent);
        snprintf(name, sizeof(name), "r%d", i);
        plot_spectrum(f, name, &runs[i].rr_ref);
    }
    fputs("set title 'latency distribution'\nset logscale xy\nset rmargin 6\n"
          "set xlabel 'percentile'\nset ylabel 'latency (ms)'\n"
          "set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, "
          "'99.999%%' 100000)\n",
          f);
    fputs("plot ", f);
    for (int i = 0; i < nruns; i++) {
        fprintf(f, "%s$a%d using 1:2 with lines lc %d title 'agent %s %g'", i ? ", " : "", i, i + 1,
                xlabel, xs[i]);
        if (runs[i].rr_has_ref)
            fprintf(f, ", $r%d using 1:2 with lines dt 2 lc %d title 'nginx %s %g'", i, i + 1,
                    xlabel, xs[i]);
    }
    fputc('\n', f);
}

/* ------------------------------------------------------------------ title */

/* The agent's --cache-ttl among the --agent-arg values, or NULL when not given. */
static const char *
plot_cache_ttl(const struct opts *o)
{
    for (int i = 0; i < o->op_nagent_args; i++) {
        const char *a = o->op_agent_args[i];
        if (strncmp(a, "--cache-ttl=", 12) == 0)
            return a + 12;
        if (strcmp(a, "--cache-ttl") == 0 && i + 1 < o->op_nagent_args)
            return o->op_agent_args[i + 1];
    }
    return NULL;
}

/* Append to buf (n bytes, NUL-terminated) like snprintf; silently cut when full. */
static void plot_cat(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
plot_cat(char *buf, size_t n, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;

    if (len + 1 >= n)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + len, n - len, fmt, ap);
    va_end(ap);
}

/* "zones 100, 1000, 10000" for the swept key, else the single value. */
static void
plot_title_values(char *buf, size_t n, const struct opts *o, enum opts_sweep_key key, double single)
{
    if (o->op_sweep_key != key) {
        plot_cat(buf, n, "%g", single);
        return;
    }
    for (int i = 0; i < o->op_nsweep; i++)
        plot_cat(buf, n, "%s%g", i ? ", " : "", o->op_sweep[i]);
}

void
plot_title(char *buf, size_t n, const struct opts *o, time_t started)
{
    char date[32];
    struct tm tm;
    const char *ttl = plot_cache_ttl(o);

    strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime_r(&started, &tm));
    snprintf(buf, n, "cmon-bench, %s: ", date);
    if (o->op_url != NULL)
        plot_cat(buf, n, "the agent at %s", o->op_url);
    else {
        plot_cat(buf, n, "zones ");
        plot_title_values(buf, n, o, OPTS_SWEEP_ZONES, (double)o->op_zones);
    }
    plot_cat(buf, n, "%s%s%s\n", o->op_gz ? ", /v1/gz/metrics" : "", o->op_gzip ? ", gzip" : "",
             o->op_openmetrics ? ", OpenMetrics" : "");
    if (o->op_rate > 0 || o->op_sweep_key == OPTS_SWEEP_RATE) {
        plot_cat(buf, n, "open loop at ");
        plot_title_values(buf, n, o, OPTS_SWEEP_RATE, o->op_rate);
        plot_cat(buf, n, " scrapes/s over ");
        plot_title_values(buf, n, o, OPTS_SWEEP_CONCURRENCY, o->op_concurrency);
        plot_cat(buf, n, " connections");
    } else {
        plot_cat(buf, n, "closed loop, ");
        plot_title_values(buf, n, o, OPTS_SWEEP_CONCURRENCY, o->op_concurrency);
        plot_cat(buf, n, " in flight");
    }
    plot_cat(buf, n, "; %g s measured after %g s warm-up\n%d round%s; ", o->op_duration_s,
             o->op_warmup_s, o->op_rounds, o->op_rounds == 1 ? "" : "s");
    if (o->op_url != NULL)
        plot_cat(buf, n, "cache TTL as the agent runs; ");
    else
        plot_cat(buf, n, "cache TTL %s%s; ", ttl ? ttl : "default", ttl ? " s" : "");
    plot_cat(buf, n, "reference %s", opts_reference_name(o->op_reference));
}

/* The page title, as a gnuplot double-quoted string (newlines as \n). */
static void
plot_title_quoted(FILE *f, const char *title)
{
    fputc('"', f);
    for (const char *s = title; *s; s++) {
        if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

int
plot_script(FILE *f, const char *out_path, const char *title, const char *xlabel, const double *xs,
            const struct result_run *runs, int nruns)
{
    int panels = nruns > 1 ? 2 : 1;

    plot_terminal(f, out_path, panels);
    fprintf(f, "set multiplot layout 1,%d title ", panels);
    plot_title_quoted(f, title);
    fputs(" font \",11\" noenhanced\n", f);
    if (panels == 2)
        plot_series(f, xlabel, xs, runs, nruns);
    plot_distribution(f, xlabel, xs, runs, nruns);
    fputs("unset multiplot\n", f);
    fputs("set output\n", f);
    return 0;
}

int
plot_draw(const char *gnuplot_bin, const char *out_path, const char *title, const char *xlabel,
          const double *xs, const struct result_run *runs, int nruns, char *err, size_t errlen)
{
    char script[] = "/tmp/cmon-bench-plot-XXXXXX";
    int fd = mkstemp(script);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    char *out = NULL;

    if (f == NULL) {
        snprintf(err, errlen, "cannot write a gnuplot script: %s", strerror(errno));
        return -1;
    }
    plot_script(f, out_path, title, xlabel, xs, runs, nruns);
    fclose(f);
    char *argv[] = {(char *)gnuplot_bin, script, NULL};
    int rc = spawn_capture(argv, 60.0, &out);
    free(out);
    unlink(script);
    if (rc != 0) {
        snprintf(err, errlen, "cannot draw %s: %s exited with %d", out_path, gnuplot_bin, rc);
        return -1;
    }
    return 0;
}
