/* status: the /status document — every sensor with its last outcome, every
 * metric, and the listening addresses. */
#include <stdio.h>
#include <string.h>

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
status_sensor(const struct reg_metric *m)
{
    const struct cfg_metric *cm = m->rm_cfg;
    json_t *runs = json_object();
    for (int o = 0; o < PROBE_NOUTCOMES; o++)
        json_object_set_new(runs, probe_outcome_name((enum probe_outcome)o),
                            json_integer((json_int_t)m->rm_runs[o]));
    return json_pack("{s:s, s:s, s:f, s:f, s:o, s:o, s:o}", "name", cm->cm_name, "type",
                     cfg_type_name(cm->cm_type), "poll_seconds", cm->cm_poll, "timeout_seconds",
                     cm->cm_timeout, "check", status_argv(cm->cm_argv), "runs", runs, "last",
                     status_last(m));
}

static json_t *
status_tags(const struct cfg *cfg)
{
    json_t *a = json_array();
    for (size_t k = 0; cfg->cf_tags[k] != NULL; k++)
        json_array_append_new(a, json_string(cfg->cf_tags[k]));
    return a;
}

json_t *
registry_status(struct registry *r, const char *listen, const char *socket)
{
    json_t *sensors = json_array(), *metrics = json_array();
    pthread_mutex_lock(&r->rg_lock);
    for (size_t k = 0; k < r->rg_n; k++) {
        const struct reg_metric *m = &r->rg_metrics[k];
        if (m->rm_cfg->cm_is_sensor)
            json_array_append_new(sensors, status_sensor(m));
        else
            json_array_append_new(metrics, json_pack("{s:s, s:s}", "name", m->rm_cfg->cm_name,
                                                     "type", cfg_type_name(m->rm_cfg->cm_type)));
    }
    json_t *put = json_pack("{s:I, s:I, s:I}", "200", (json_int_t)r->rg_put[0], "400",
                            (json_int_t)r->rg_put[1], "422", (json_int_t)r->rg_put[2]);
    pthread_mutex_unlock(&r->rg_lock);
    return json_pack("{s:s, s:s?, s:o, s:o, s:o, s:o}", "listen", listen, "socket", socket, "tags",
                     status_tags(r->rg_cfg), "sensors", sensors, "metrics", metrics, "putmetric",
                     put);
}
