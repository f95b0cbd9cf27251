/* plot.c - gnuplot pictures (see plot.h). */
#include "plot.h"

#include <errno.h>
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
            panels == 2 ? 1200 : 700, svg ? "dynamic background rgb 'white'" : "");
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

int
plot_script(FILE *f, const char *out_path, const char *xlabel, const double *xs,
            const struct result_run *runs, int nruns)
{
    int panels = nruns > 1 ? 2 : 1;

    plot_terminal(f, out_path, panels);
    if (panels == 2) {
        fputs("set multiplot layout 1,2\n", f);
        plot_series(f, xlabel, xs, runs, nruns);
    }
    plot_distribution(f, xlabel, xs, runs, nruns);
    if (panels == 2)
        fputs("unset multiplot\n", f);
    fputs("set output\n", f);
    return 0;
}

int
plot_draw(const char *gnuplot_bin, const char *out_path, const char *xlabel, const double *xs,
          const struct result_run *runs, int nruns, char *err, size_t errlen)
{
    char script[] = "/tmp/cmon-bench-plot-XXXXXX";
    int fd = mkstemp(script);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    char *out = NULL;

    if (f == NULL) {
        snprintf(err, errlen, "cannot write a gnuplot script: %s", strerror(errno));
        return -1;
    }
    plot_script(f, out_path, xlabel, xs, runs, nruns);
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
