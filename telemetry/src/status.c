/* status: the /status document — every sensor with its last outcome, every
 * metric, and the listening addresses. */
#include <stdio.h>
#include <string.h>

#include "cmon_version.h"
#include "registry.h"

static json_t *
status_argv(char **argv)
{
    json_t *a = json_array();
    for (size_t k = 0; argv[k] != NULL; k++)
        json_array_append_new(a, json_string(argv[k]));
    return a;
}

static json_t *
status_last(const struct reg_metric *m)
{
    const struct reg_last *l = &m->rm_last;
    if (l->rl_outcome < 0)
        return json_null();
    char when[32];
    struct tm tm;
    gmtime_r(&l->rl_when, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *o = json_pack("{s:s, s:f, s:s}", "outcome",
                          probe_outcome_name((enum probe_outcome)l->rl_outcome), "duration_seconds",
                          l->rl_duration, "time", when);
    if (l->rl_outcome == PROBE_OK || l->rl_outcome == PROBE_REJECTED)
        json_object_set_new(o, "value", json_real(l->rl_value));
    if (l->rl_message[0])
        json_object_set_new(o, "message", json_string(l->rl_message));
    return o;
}

static json_t *
status_runs(const uint64_t *runs)
{
    json_t *o = json_object();
    for (int k = 0; k < PROBE_NOUTCOMES; k++)
        json_object_set_new(o, probe_outcome_name((enum probe_outcome)k),
                            json_integer((json_int_t)runs[k]));
    return o;
}

static json_t *
status_sensor(const struct reg_metric *m)
{
    const struct cfg_metric *cm = m->rm_cfg;
    return json_pack("{s:s, s:s, s:f, s:f, s:o, s:o, s:o}", "name", cm->cm_name, "type",
                     cfg_type_name(cm->cm_type), "poll_seconds", cm->cm_poll, "timeout_seconds",
                     cm->cm_timeout, "check", status_argv(cm->cm_argv), "runs", status_runs(m->rm_runs), "last",
                     status_last(m));
}

static json_t *
status_strings(char **list)
{
    json_t *a = json_array();
    for (size_t k = 0; list != NULL && list[k] != NULL; k++)
        json_array_append_new(a, json_string(list[k]));
    return a;
}

/* A job's ContainerPilot status: "maintenance" in maintenance, else
 * "healthy" when its last run exited 0, "unhealthy" when it did not,
 * "unknown" before its first run. */
static const char *
status_job_state(const struct registry *r, const struct reg_job *j)
{
    if (r->rg_maintenance)
        return "maintenance";
    if (j->rj_last.rl_outcome < 0)
        return "unknown";
    return j->rj_last.rl_outcome == PROBE_OK ? "healthy" : "unhealthy";
}

/* Our details of a job (under cmon_telemetry.jobs). */
static json_t *
status_job_detail(const struct reg_job *j)
{
    const struct cfg_job *cj = j->rj_cfg;
    struct reg_metric m = {.rm_last = j->rj_last}; /* status_last reads rm_last */
    json_t *o = json_pack("{s:s, s:o, s:f, s:f, s:o, s:I, s:o}", "name", cj->cj_name, "exec",
                          status_argv(cj->cj_argv), "interval_seconds", cj->cj_interval,
                          "timeout_seconds", cj->cj_timeout, "runs", status_runs(j->rj_runs),
                          "skipped_ticks", (json_int_t)j->rj_skipped, "last", status_last(&m));
    return o;
}

/* {Version, Jobs, Services, Watches} as ContainerPilot's /status; the
 * caller holds the lock and adds "cmon_telemetry". */
static json_t *
status_containerpilot(const struct registry *r)
{
    json_t *jobs = json_array();
    for (size_t k = 0; k < r->rg_njobs; k++)
        json_array_append_new(jobs, json_pack("{s:s, s:s}", "Name", r->rg_jobs[k].rj_cfg->cj_name,
                                              "Status", status_job_state(r, &r->rg_jobs[k])));
    return json_pack("{s:s, s:o, s:[], s:o}", "Version", CMON_VERSION, "Jobs", jobs, "Services",
                     "Watches", status_strings(r->rg_cfg->cf_watches));
}

/* Our own part: sensors, metrics, jobs, answers, maintenance. */
static json_t *
status_ours(const struct registry *r, const char *listen, const char *socket)
{
    json_t *sensors = json_array(), *metrics = json_array(), *jobs = json_array();
    for (size_t k = 0; k < r->rg_n; k++) {
        const struct reg_metric *m = &r->rg_metrics[k];
        if (m->rm_cfg->cm_is_sensor)
            json_array_append_new(sensors, status_sensor(m));
        else
            json_array_append_new(metrics, json_pack("{s:s, s:s}", "name", m->rm_cfg->cm_name,
                                                     "type", cfg_type_name(m->rm_cfg->cm_type)));
    }
    for (size_t k = 0; k < r->rg_njobs; k++)
        json_array_append_new(jobs, status_job_detail(&r->rg_jobs[k]));
    json_t *put = json_pack("{s:I, s:I, s:I}", "200", (json_int_t)r->rg_put[0], "400",
                            (json_int_t)r->rg_put[1], "422", (json_int_t)r->rg_put[2]);
    json_t *reloads = json_pack("{s:I, s:I}", "applied", (json_int_t)r->rg_reloads[0], "refused",
                                (json_int_t)r->rg_reloads[1]);
    const char *ignored = r->rg_cfg->cf_ignored;
    return json_pack("{s:s, s:s?, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:s?}", "listen", listen,
                     "socket", socket, "tags", status_strings(r->rg_cfg->cf_tags), "maintenance",
                     r->rg_maintenance, "sensors", sensors, "metrics", metrics, "jobs", jobs,
                     "putmetric", put, "reloads", reloads, "ignored", ignored);
}

json_t *
registry_status(struct registry *r, const char *listen, const char *socket)
{
    pthread_mutex_lock(&r->rg_lock);
    json_t *st = status_containerpilot(r);
    json_object_set_new(st, "cmon_telemetry", status_ours(r, listen, socket));
    pthread_mutex_unlock(&r->rg_lock);
    return st;
}
