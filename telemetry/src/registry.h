/* registry: the values of every configured sensor and metric, the built-in
 * probe statistics, and their recording rules. One mutex guards it all: the
 * probe loop and the HTTP threads record, the HTTP threads render.
 *
 * Recording rules: counter adds (a negative or non-finite increment is
 * rejected), gauge sets (any value), histogram and summary observe (a
 * non-finite observation is rejected). Summaries keep the observations of the
 * last REG_WINDOW_SECONDS, at most REG_WINDOW_CAP of them (the newest). */
#ifndef TELEMETRY_REGISTRY_H
#define TELEMETRY_REGISTRY_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "expo.h"
#include "sbuf.h"

#define REG_WINDOW_SECONDS 600.0
#define REG_WINDOW_CAP 1024
#define REG_NQUANTILES 3
#define REG_NDURATION 11 /* the default histogram buckets, for probe durations */

/* How a probe run ended. */
enum probe_outcome {
    PROBE_OK,       /* exited 0, printed one number, recorded */
    PROBE_INVALID,  /* output is not exactly one number */
    PROBE_FAILED,   /* non-zero exit status or killed by a signal */
    PROBE_TIMEOUT,  /* still running at its timeout: its process group was killed */
    PROBE_OVERFLOW, /* printed more than PROBE_MAX_OUTPUT bytes: killed, dropped */
    PROBE_ERROR,    /* could not be started */
    PROBE_REJECTED, /* a number the metric's type refuses (negative counter step) */
    PROBE_NOUTCOMES
};

/* Sliding window of a summary's observations (a ring, oldest at w_tail). */
struct reg_window {
    double *w_val;
    double *w_time;
    size_t w_head, w_len;
    double w_q[REG_NQUANTILES];
    double w_valid_until; /* quantiles stay right until then, unless dirty */
    bool w_dirty;
};

struct reg_last {
    int rl_outcome; /* -1 before the first run */
    double rl_value;
    double rl_duration;
    time_t rl_when;
    char rl_message[200];
};

struct reg_metric {
    const struct cfg_metric *rm_cfg;
    char **rm_le[2];  /* [expo_format] le texts of the buckets */
    char *rm_head[2]; /* [expo_format] HELP and TYPE lines, rendered once */
    double rm_value;
    char rm_text[40]; /* rm_value formatted, valid while rm_text_ok */
    bool rm_text_ok;
    uint64_t *rm_buckets; /* per-bucket (not cumulative) counts */
    double rm_sum;
    uint64_t rm_count;
    struct reg_window rm_window;
    /* sensors: built-in statistics */
    uint64_t rm_runs[PROBE_NOUTCOMES];
    uint64_t rm_dur_buckets[REG_NDURATION + 1]; /* last: above every bound */
    double rm_dur_sum;
    uint64_t rm_dur_count;
    struct reg_last rm_last;
};

/* A v3 sensor job's runs. */
struct reg_job {
    const struct cfg_job *rj_cfg;
    uint64_t rj_runs[PROBE_NOUTCOMES];
    uint64_t rj_skipped; /* ticks that passed while a run went on */
    struct reg_last rj_last;
};

/* One series of ContainerPilot's containerpilot_events counter. */
struct reg_event {
    char re_code[24]; /* ContainerPilot's event code: "ExitSuccess", ... */
    char *re_source;  /* a job or metric name, or "global" */
    uint64_t re_count;
};

#define REG_MAX_EVENTS 4096 /* series; sources are configured names */

/* The control socket's paths and answers, for
 * containerpilot_control_http_requests (an unknown path counts as "other",
 * so garbage cannot grow the series). */
#define REG_NCTL_PATHS 7
#define REG_NCTL_CODES 8
extern const char *const reg_ctl_paths[REG_NCTL_PATHS];
extern const int reg_ctl_codes[REG_NCTL_CODES];

struct registry {
    pthread_mutex_t rg_lock;
    const struct cfg *rg_cfg;
    struct reg_metric *rg_metrics;
    size_t rg_n;
    struct reg_job *rg_jobs; /* one per cfg job */
    size_t rg_njobs;
    struct reg_event *rg_events;
    size_t rg_nevents;
    uint64_t rg_ctl[REG_NCTL_PATHS][REG_NCTL_CODES + 1]; /* last: another code */
    bool rg_maintenance;
    uint64_t rg_reloads[2]; /* reloads applied, refused (a broken file) */
    uint64_t rg_put[3];  /* -putmetric answers: 200, 400, 422 */
    char **rg_dur_le[2]; /* le texts of the probe-duration buckets */
    char *rg_q[2][REG_NQUANTILES];
    time_t rg_started;
};

/* registry_init: one entry per configured metric (cfg must outlive it).
 * Returns 0 or -1 (ENOMEM). */
int registry_init(struct registry *r, const struct cfg *cfg);
void registry_free(struct registry *r);

/* registry_reload: takes the configuration `cfg` in place of the current
 * one (which the caller frees afterwards; nothing refers to it then). A
 * metric whose name, type, sensor-ness and buckets are unchanged keeps its
 * recorded values and statistics, a job of the same name its runs; the
 * rest start afresh. Everything swaps under rg_lock, so HTTP threads see
 * the old or the new set, never a mix. Returns 0, or -1 (ENOMEM) with
 * nothing changed. */
int registry_reload(struct registry *r, const struct cfg *cfg);

/* registry_job_done: records a run of job idx (its exit: PROBE_OK is exit
 * status 0) and counts ContainerPilot's event for it (ExitSuccess,
 * ExitFailed, or Error when it could not start). msg may be NULL. */
void registry_job_done(struct registry *r, size_t idx, enum probe_outcome o, double duration,
                       const char *msg);

/* registry_job_skipped: n ticks of job idx passed while a run went on. */
void registry_job_skipped(struct registry *r, size_t idx, uint64_t n);

/* registry_event_locked: counts one ContainerPilot event (code, source);
 * the caller holds rg_lock. Over REG_MAX_EVENTS series it is dropped. */
void registry_event_locked(struct registry *r, const char *code, const char *source);

/* registry_maintenance: enters (on) or leaves maintenance; counts the
 * EnterMaintenance or ExitMaintenance event, as ContainerPilot does. */
void registry_maintenance(struct registry *r, bool on);

/* registry_control_request: counts a control socket answer. */
void registry_control_request(struct registry *r, const char *path, int code);

/* registry_find: index of the metric with that full name, or -1. */
long registry_find(const struct registry *r, const char *name);

/* registry_record_locked: applies v to metric idx under the rules above;
 * the caller holds rg_lock. Returns 0, or -1 with a reason in why. `now` is
 * a CLOCK_MONOTONIC time in seconds. */
int registry_record_locked(struct registry *r, size_t idx, double v, double now, char *why,
                           size_t whylen);

/* registry_put: a -putmetric request body (a JSON object of name: number,
 * the number possibly in a string, as ContainerPilot's client sends it).
 * All or nothing: returns 200 when every value was recorded, 422 when the
 * body is not such an object, 400 when a name is not a configured metric or
 * a value is refused (nothing recorded then); msg receives a one-line
 * reason. Counts the answer. */
int registry_put(struct registry *r, const char *body, size_t len, double now, sbuf_t *msg);

/* registry_probe_done: records a probe run of sensor idx. For PROBE_OK the
 * value is recorded (the outcome may become PROBE_REJECTED). Returns the
 * final outcome; msg (may be NULL) is kept for /status. */
enum probe_outcome registry_probe_done(struct registry *r, size_t idx, enum probe_outcome o,
                                       double value, double duration, const char *msg, double now);

/* registry_render: the whole exposition into out, in format f. */
void registry_render(struct registry *r, expo_format_t f, double now, sbuf_t *out);

/* registry_status: the /status document (new reference), ContainerPilot's
 * shape: {Version, Jobs: [{Name, Status}], Services: [], Watches: [names]},
 * our details under "cmon_telemetry". */
json_t *registry_status(struct registry *r, const char *listen, const char *socket);

/* probe_outcome_name: "ok", "invalid", "failed", "timeout", "overflow",
 * "error", "rejected". */
const char *probe_outcome_name(enum probe_outcome o);

/* registry_quantiles: the summary quantiles of metric idx at `now` (caller
 * holds the lock); exposed for tests. */
const double *registry_quantiles_locked(struct registry *r, size_t idx, double now);

#endif
