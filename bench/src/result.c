/* result.c - small helpers over the run figures (see result.h). */
#include "result.h"

#include <string.h>

int
result_figures_init(struct result_figures *f)
{
    memset(f, 0, sizeof(*f));
    f->rf_cpu_s = -1;
    f->rf_peak_rss_kb = -1;
    f->rf_hist = hist_new();
    return f->rf_hist == NULL ? -1 : 0;
}

void
result_figures_release(struct result_figures *f)
{
    hist_free(f->rf_hist);
    memset(f, 0, sizeof(*f));
}

uint64_t
result_errors_total(const struct result_errors *e)
{
    uint64_t n = e->re_timeout + e->re_connect + e->re_other + e->re_unsent;

    for (int i = 0; i < RESULT_MAX_STATUS; i++)
        n += e->re_status[i];
    return n;
}

double
result_scrapes_per_s(const struct result_figures *f)
{
    if (f->rf_elapsed_s <= 0)
        return 0;
    return (double)f->rf_ok / f->rf_elapsed_s;
}
