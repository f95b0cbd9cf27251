/* render: the registry as an exposition (configured metrics, then built-ins). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"

static void
render_metric(struct registry *r, size_t idx, struct expo *e, double now)
{
    struct reg_metric *m = &r->rg_metrics[idx];
    const struct cfg_metric *cm = m->rm_cfg;
    expo_family_cached(e, cm->cm_name, cm->cm_type, m->rm_head[e->ex_fmt]);
    if (cm->cm_type == CFG_COUNTER || cm->cm_type == CFG_GAUGE) {
        if (!m->rm_text_ok)
            expofmt_number(m->rm_value, m->rm_text, sizeof m->rm_text);
        m->rm_text_ok = true;
        expo_value_text(e, m->rm_text);
    } else if (cm->cm_type == CFG_HISTOGRAM) {
        uint64_t cum[64], acc = 0;
        for (size_t k = 0; k < cm->cm_nbuckets; k++)
            cum[k] = acc += m->rm_buckets[k];
        expo_histogram(e, NULL, 0, (const char *const *)m->rm_le[e->ex_fmt], cum, cm->cm_nbuckets,
                       m->rm_sum, m->rm_count);
    } else {
        const double *q = registry_quantiles_locked(r, idx, now);
        expo_summary(e, NULL, 0, (const char *const *)r->rg_q[e->ex_fmt], q, REG_NQUANTILES,
                     m->rm_sum, m->rm_count);
    }
}

static void
render_runs(struct registry *r, struct expo *e)
{
    expo_family(e, "cmon_telemetry_probe_runs_total", "Sensor probe runs by outcome.", CFG_COUNTER);
    for (size_t k = 0; k < r->rg_n; k++) {
        struct reg_metric *m = &r->rg_metrics[k];
        if (!m->rm_cfg->cm_is_sensor)
            continue;
        for (int o = 0; o < PROBE_NOUTCOMES; o++) {
            struct expo_label l[2] = {{"sensor", m->rm_cfg->cm_name},
                                      {"outcome", probe_outcome_name((enum probe_outcome)o)}};
            expo_value(e, l, 2, (double)m->rm_runs[o]);
        }
    }
}

static void
render_durations(struct registry *r, struct expo *e)
{
    expo_family(e, "cmon_telemetry_probe_duration_seconds",
                "Wall-clock time of sensor probe runs, from start to exit or kill.", CFG_HISTOGRAM);
    for (size_t k = 0; k < r->rg_n; k++) {
        struct reg_metric *m = &r->rg_metrics[k];
        if (!m->rm_cfg->cm_is_sensor)
            continue;
        uint64_t cum[REG_NDURATION], acc = 0;
        for (size_t b = 0; b < REG_NDURATION; b++)
            cum[b] = acc += m->rm_dur_buckets[b];
        struct expo_label l = {"sensor", m->rm_cfg->cm_name};
        expo_histogram(e, &l, 1, (const char *const *)r->rg_dur_le[e->ex_fmt], cum, REG_NDURATION,
                       m->rm_dur_sum, m->rm_dur_count);
    }
}

static void
render_put(struct registry *r, struct expo *e)
{
    static const char *const codes[3] = {"200", "400", "422"};
    expo_family(e, "cmon_telemetry_putmetric_requests_total",
                "POST /v3/metric requests by HTTP status.", CFG_COUNTER);
    for (int c = 0; c < 3; c++) {
        struct expo_label l = {"code", codes[c]};
        expo_value(e, &l, 1, (double)r->rg_put[c]);
    }
    expo_family(e, "cmon_telemetry_start_time_seconds",
                "Start time of cmon-telemetry since the epoch.", CFG_GAUGE);
    expo_value(e, NULL, 0, (double)r->rg_started);
}

void
registry_render(struct registry *r, expo_format_t f, double now, sbuf_t *out)
{
    struct expo e;
    expo_init(&e, out, f);
    pthread_mutex_lock(&r->rg_lock);
    bool sensors = false;
    for (size_t k = 0; k < r->rg_n; k++) {
        render_metric(r, k, &e, now);
        sensors |= r->rg_metrics[k].rm_cfg->cm_is_sensor;
    }
    if (sensors) {
        render_runs(r, &e);
        render_durations(r, &e);
    }
    render_put(r, &e);
    pthread_mutex_unlock(&r->rg_lock);
    expo_finish(&e);
}
