/* probe: runs the sensors' commands (v2) and the sensor jobs (v3: jobs
 * with when.interval) on their schedules, in one event loop.
 *
 * Every probe is a process group of its own (cmon_spawn.h, no shell: the
 * check is an argv), stdin /dev/null, stdout a non-blocking pipe, stderr
 * inherited. Nothing in the loop blocks on one probe: a probe that hangs is
 * killed (SIGKILL to its process group) at its timeout while the others go
 * on. Output is capped at PROBE_MAX_OUTPUT bytes; beyond that the probe is
 * killed and the sample dropped. When the probe's main process exits, what is
 * left of its process group is killed. A sample is recorded only for exit
 * status 0 and an output that, trimmed, is exactly one number (strtod). A run
 * never overlaps the previous one of the same sensor.
 *
 * Sensors and jobs get the -putenv changes (envset.h) in their environment.
 * A job is run the same way; its outcome is its exit (0: ok), its output is logged (the
 * first PROBE_LOG_LINES lines of a run), and its values come in through
 * -putmetric. Its ticks are on the grid start + k * interval, as
 * ContainerPilot's timer: a tick that comes while a run goes on waits for
 * its end (at the latest its timeout), ticks that pass entirely during one
 * run are skipped and counted. */
#ifndef TELEMETRY_PROBE_H
#define TELEMETRY_PROBE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cmon_spawn.h"
#include "envset.h"
#include "registry.h"

#define PROBE_MAX_OUTPUT 65536
#define PROBE_LOG_LINES 10

enum probe_state { PROBE_IDLE, PROBE_RUNNING, PROBE_REAPING };

struct probe {
    size_t pr_idx;                   /* in the registry: rg_metrics, or rg_jobs for a job */
    const struct cfg_metric *pr_cfg; /* a sensor's, NULL for a job */
    const struct cfg_job *pr_job;    /* a job's, NULL for a sensor */
    const char *pr_name;
    char *const *pr_argv;
    double pr_poll, pr_timeout; /* seconds */
    enum probe_state pr_state;
    spawn_t pr_sp; /* sp_pid: process (group) while not yet reaped, else 0;
                      sp_out: read end of stdout, -1 when closed;
                      sp_status: wait status once exited */
    char *pr_out;
    size_t pr_len;
    double pr_started, pr_next; /* CLOCK_MONOTONIC seconds */
};

struct prober {
    struct probe *pb_probes;
    size_t pb_n;
    struct registry *pb_reg;
    struct envset *pb_env; /* -putenv changes for jobs; NULL: none */
    bool pb_quiet;         /* no log lines (tests) */
};

/* prober_signals_block: blocks SIGCHLD, SIGTERM, SIGINT and SIGHUP (do it before
 * starting threads, so only the loop receives them), installs a SIGCHLD
 * handler that only interrupts the wait, and stores in *wait_mask the mask
 * to wait with. Returns 0 or -1 (errno). */
int prober_signals_block(sigset_t *wait_mask);

/* prober_init: one probe per sensor and per job of r's configuration,
 * first runs due now, with env's changes (may be NULL). Returns 0 or -1
 * (ENOMEM). */
int prober_init(struct prober *p, struct registry *r, struct envset *env, double now);

/* prober_step: one turn of the loop: starts due probes, waits up to
 * max_wait seconds (less if something is due, woken by output, exits and
 * signals), then collects output, exits and timeouts. Returns 0, or -1 with
 * errno EINTR when the wait was cut short by a signal (SIGCHLD included: the
 * caller checks its own flags and calls again). */
int prober_step(struct prober *p, const sigset_t *wait_mask, double max_wait);

/* prober_free: kills every probe still running, reaps them, frees. */
void prober_free(struct prober *p);

/* prober_parse_output: the number in a probe's output, trimmed of blanks.
 * Returns 0, or -1 when the output is not exactly one number. */
int prober_parse_output(const char *out, size_t len, double *v);

/* prober_now: CLOCK_MONOTONIC in seconds. */
double prober_now(void);

#endif
