/* summary.c - ratios across the points of a series (see summary.h). */
#include "summary.h"

#include "report.h"

static const char *const summary_keys[SUMMARY_NFIGURES] = {
    [SUMMARY_P50] = "p50",
    [SUMMARY_P99] = "p99",
    [SUMMARY_SCRAPES] = "scrapes_per_s",
    [SUMMARY_CPU] = "cpu_s_per_1000",
    [SUMMARY_PEAK_RSS] = "peak_rss_kb",
};

const char *
summary_key(enum summary_figure k)
{
    return summary_keys[k];
}

double
summary_figure(const struct result_figures *f, enum summary_figure k)
{
    switch (k) {
    case SUMMARY_P50:
        return f->rf_ok ? report_ms(f, 0.50) : -1;
    case SUMMARY_P99:
        return f->rf_ok ? report_ms(f, 0.99) : -1;
    case SUMMARY_SCRAPES:
        return f->rf_ok ? result_scrapes_per_s(f) : -1;
    case SUMMARY_CPU:
        return report_cpu_per_1000(f);
    case SUMMARY_PEAK_RSS:
        return f->rf_peak_rss_kb < 0 ? -1 : (double)f->rf_peak_rss_kb;
    default:
        return -1;
    }
}

static double
summary_ratio(double a, double b)
{
    return a >= 0 && b > 0 ? a / b : -1;
}

void
summary_point_compute(const struct result_run *first, const struct result_run *run,
                      struct summary_point *sp)
{
    for (int k = 0; k < SUMMARY_NFIGURES; k++) {
        double here = summary_figure(&run->rr_agent, (enum summary_figure)k);
        sp->sp_vs_first[k] = summary_ratio(here, summary_figure(&first->rr_agent, k));
        sp->sp_vs_ref[k] = run->rr_has_ref && k != SUMMARY_PEAK_RSS
                               ? summary_ratio(here, summary_figure(&run->rr_ref, k))
                               : -1;
    }
}
