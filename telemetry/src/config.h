/* config: the `telemetry` section of a ContainerPilot configuration file.
 *
 * Shape (JSON with JSON5-lite leniencies, see json5.h):
 *   { "control": { "socket": PATH },             -- optional, v3
 *     "telemetry": { "port": 9090, "interfaces": SPEC | [SPEC...],
 *                    "tags": [STRING...],
 *                    "sensors": [ {namespace, subsystem, name, help, type,
 *                                  poll, check, timeout, buckets} ... ],  -- v2
 *                    "metrics": [ {namespace, subsystem, name, help, type,
 *                                  buckets} ... ] } }                     -- v3
 *    "jobs": [ {name, exec, timeout, when: {interval}} ... ]  -- v3 sensor jobs
 * Jobs with when.interval are run (cfg_job); other jobs (services), health
 * checks, watches and consul are ContainerPilot's and ignored: cf_ignored
 * names them for one log line. Unknown keys inside `telemetry` and in a job
 * are errors (typos), as in ContainerPilot. */
#ifndef TELEMETRY_CONFIG_H
#define TELEMETRY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum cfg_type { CFG_COUNTER, CFG_GAUGE, CFG_HISTOGRAM, CFG_SUMMARY };

/* A sensor (cm_is_sensor: polled command) or a metric (fed by -putmetric). */
struct cfg_metric {
    char *cm_name; /* namespace_subsystem_name, empty parts skipped */
    char *cm_help;
    enum cfg_type cm_type;
    double *cm_buckets; /* histogram upper bounds, increasing, no +Inf */
    size_t cm_nbuckets;
    bool cm_is_sensor;
    double cm_poll;    /* seconds, sensors only */
    double cm_timeout; /* seconds, sensors only; defaults to poll */
    char **cm_argv;    /* NULL-terminated, sensors only */
};

/* A v3 sensor job: a ContainerPilot job with when.interval, its exec run
 * on that schedule (the script feeds metrics with `containerpilot
 * -putmetric`). */
struct cfg_job {
    char *cj_name;
    char **cj_argv;     /* NULL-terminated */
    double cj_interval; /* seconds */
    double cj_timeout;  /* seconds; defaults to the interval */
};

struct cfg {
    int cf_port;          /* 0..65535; 0 binds an ephemeral port */
    char **cf_interfaces; /* NULL-terminated interface specs */
    char **cf_tags;       /* NULL-terminated */
    char *cf_socket;      /* control socket path, NULL if not configured */
    struct cfg_metric *cf_metrics;
    size_t cf_nmetrics;
    struct cfg_job *cf_jobs; /* jobs with when.interval, in file order */
    size_t cf_njobs;
    char **cf_watches; /* NULL-terminated names of the (ignored) watches, for /status */
    char *cf_ignored;  /* "what: names; ..." of the sections not run, NULL if none */
};

/* cfg_load_file: reads and validates `path`. Returns 0, or -1 with a
 * one-line message "PATH:LINE:COL: what" (or "cannot open PATH: why") in err. */
int cfg_load_file(const char *path, struct cfg *cfg, char *err, size_t errlen);

/* cfg_load_text: the same for text in memory, `name` used in messages. */
int cfg_load_text(const char *name, const char *text, size_t len, struct cfg *cfg, char *err,
                  size_t errlen);

/* cfg_free: releases everything cfg_load_* allocated. */
void cfg_free(struct cfg *cfg);

/* cfg_type_name: "counter", "gauge", "histogram" or "summary". */
const char *cfg_type_name(enum cfg_type t);

/* cfg_parse_duration: seconds from a JSON number or a Go-style duration
 * string ("500ms", "10s", "1m", "1h"). Returns 0, or -1 if unreadable. */
int cfg_parse_duration(const char *s, double *seconds);

#endif
