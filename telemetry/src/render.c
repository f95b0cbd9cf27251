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

/* ContainerPilot's own families, under its names (dashboards written for
 * it keep working): events by code and source, control socket requests by
 * code and path (only the pairs seen, as client_golang shows them). */
static void
render_containerpilot(struct registry *r, struct expo *e)
{
    expo_family_legacy_counter(e, "containerpilot_events",
                               "count of ContainerPilot events, partitioned by type and source");
    for (size_t k = 0; k < r->rg_nevents; k++) {
        struct expo_label l[2] = {{"code", r->rg_events[k].re_code},
                                  {"source", r->rg_events[k].re_source}};
        expo_value(e, l, 2, (double)r->rg_events[k].re_count);
    }
    expo_family_legacy_counter(
        e, "containerpilot_control_http_requests",
        "count of requests to control socket, partitioned by path and HTTP code");
    for (size_t p = 0; p < REG_NCTL_PATHS; p++) {
        for (size_t c = 0; c <= REG_NCTL_CODES; c++) {
            char code[16];
            if (r->rg_ctl[p][c] == 0)
                continue;
            snprintf(code, sizeof code, "%d", c < REG_NCTL_CODES ? reg_ctl_codes[c] : 0);
            struct expo_label l[2] = {{"code", c < REG_NCTL_CODES ? code : "other"},
                                      {"path", reg_ctl_paths[p]}};
            expo_value(e, l, 2, (double)r->rg_ctl[p][c]);
        }
    }
}

/* The outcomes a job's run can have (its output is not judged). */
static const enum probe_outcome render_job_outcomes[] = {PROBE_OK, PROBE_FAILED, PROBE_TIMEOUT,
                                                         PROBE_OVERFLOW, PROBE_ERROR};

/* Our additions for v3: job runs by outcome, maintenance, reloads. */
static void
render_jobs(struct registry *r, struct expo *e)
{
    if (r->rg_njobs > 0) {
        expo_family(e, "cmon_telemetry_job_runs_total",
                    "Runs of jobs with when.interval (sensor jobs) by outcome.", CFG_COUNTER);
        for (size_t k = 0; k < r->rg_njobs; k++) {
            for (size_t o = 0; o < sizeof render_job_outcomes / sizeof render_job_outcomes[0]; o++) {
                struct expo_label l[2] = {{"job", r->rg_jobs[k].rj_cfg->cj_name},
                                          {"outcome", probe_outcome_name(render_job_outcomes[o])}};
                expo_value(e, l, 2, (double)r->rg_jobs[k].rj_runs[render_job_outcomes[o]]);
            }
        }
        expo_family(e, "cmon_telemetry_job_skipped_ticks_total",
                    "Interval ticks of a job that passed while its previous run went on.",
                    CFG_COUNTER);
        for (size_t k = 0; k < r->rg_njobs; k++) {
            struct expo_label l = {"job", r->rg_jobs[k].rj_cfg->cj_name};
            expo_value(e, &l, 1, (double)r->rg_jobs[k].rj_skipped);
        }
    }
    expo_family(e, "cmon_telemetry_maintenance",
                "1 in maintenance mode (containerpilot -maintenance enable), else 0.", CFG_GAUGE);
    expo_value(e, NULL, 0, r->rg_maintenance ? 1 : 0);
    expo_family(e, "cmon_telemetry_reloads_total",
                "Configuration reloads by result (refused: the file was broken, the old one "
                "kept running).",
                CFG_COUNTER);
    struct expo_label ok = {"result", "applied"}, bad = {"result", "refused"};
    expo_value(e, &ok, 1, (double)r->rg_reloads[0]);
    expo_value(e, &bad, 1, (double)r->rg_reloads[1]);
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
    render_jobs(r, &e);
    render_containerpilot(r, &e);
    pthread_mutex_unlock(&r->rg_lock);
    expo_finish(&e);
}
