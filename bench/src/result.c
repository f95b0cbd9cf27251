/* result.c - small helpers over the run figures (see result.h). */
#include "result.h"

#include <string.h>

int
result_figures_init(struct result_figures *f)
{
    memset(f, 0, sizeof(*f));
    f->rf_cpu_s = -1;
    f->rf_peak_rss_kb = -1;
    f->rf_shmem_kb = -1;
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

void
result_figures_merge(struct result_figures *dst, const struct result_figures *src)
{
    int first = dst->rf_rounds == 0;

    dst->rf_requests += src->rf_requests;
    dst->rf_ok += src->rf_ok;
    dst->rf_err.re_timeout += src->rf_err.re_timeout;
    dst->rf_err.re_connect += src->rf_err.re_connect;
    dst->rf_err.re_other += src->rf_err.re_other;
    if (dst->rf_err.re_other_first[0] == '\0')
        memcpy(dst->rf_err.re_other_first, src->rf_err.re_other_first,
               sizeof(dst->rf_err.re_other_first));
    dst->rf_err.re_unsent += src->rf_err.re_unsent;
    for (int i = 0; i < RESULT_MAX_STATUS; i++)
        dst->rf_err.re_status[i] += src->rf_err.re_status[i];
    hist_merge(dst->rf_hist, src->rf_hist);
    dst->rf_elapsed_s += src->rf_elapsed_s;
    dst->rf_bytes += src->rf_bytes;
    dst->rf_connects += src->rf_connects;
    dst->rf_cpu_s = (first || dst->rf_cpu_s >= 0) && src->rf_cpu_s >= 0
                        ? (first ? 0 : dst->rf_cpu_s) + src->rf_cpu_s
                        : -1;
    if (src->rf_peak_rss_kb > dst->rf_peak_rss_kb)
        dst->rf_peak_rss_kb = src->rf_peak_rss_kb;
    if (src->rf_shmem_kb > dst->rf_shmem_kb)
        dst->rf_shmem_kb = src->rf_shmem_kb;
    dst->rf_client_cpu_s += src->rf_client_cpu_s;
    if (src->rf_error[0] != '\0' && dst->rf_error[0] == '\0')
        memcpy(dst->rf_error, src->rf_error, sizeof(dst->rf_error));
    dst->rf_rounds++;
}
