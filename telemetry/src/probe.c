/* probe: spawning, watching and judging sensor probes in one loop. */
#include "probe.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"
#include "reaper.h"

double
prober_now(void)
{
    return cmon_monotime_s();
}

/* ---- signals ------------------------------------------------------------ */

static void
prober_on_sigchld(int sig)
{
    (void)sig; /* only there to interrupt ppoll */
}

int
prober_signals_block(sigset_t *wait_mask)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &block, wait_mask) != 0)
        return -1;
    sigdelset(wait_mask, SIGCHLD);
    sigdelset(wait_mask, SIGTERM);
    sigdelset(wait_mask, SIGINT);
    sigdelset(wait_mask, SIGHUP);
    struct sigaction sa = {.sa_handler = prober_on_sigchld};
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGCHLD, &sa, NULL);
}

/* ---- set-up ------------------------------------------------------------- */

/* A probe's common part; its first run is due now. 0 or -1 (ENOMEM). */
static int
prober_add(struct prober *p, size_t idx, const char *name, char *const *argv, double poll,
           double timeout, double now)
{
    struct probe *pr = &p->pb_probes[p->pb_n++];
    pr->pr_idx = idx;
    pr->pr_name = name;
    pr->pr_argv = argv;
    pr->pr_poll = poll;
    pr->pr_timeout = timeout;
    pr->pr_sp.sp_out = pr->pr_sp.sp_err = -1;
    pr->pr_next = now;
    /* untouched pages of a large calloc stay unmapped: cheap */
    pr->pr_out = calloc(1, PROBE_MAX_OUTPUT + 1);
    return pr->pr_out == NULL ? -1 : 0;
}

int
prober_init(struct prober *p, struct registry *r, struct envset *env, double now)
{
    memset(p, 0, sizeof *p);
    /* what a probe leaves behind outside its group comes back to us (reaper.h):
     * without it, such orphans go to init and live on (a warning, not fatal) */
    if (reaper_become() != 0 && !p->pb_quiet)
        fprintf(stderr, "cmon-telemetry: cannot become a child subreaper: %s\n", strerror(errno));
    p->pb_reg = r;
    p->pb_env = env;
    p->pb_probes = calloc(r->rg_n + r->rg_njobs + 1, sizeof *p->pb_probes);
    if (p->pb_probes == NULL)
        return -1;
    for (size_t k = 0; k < r->rg_n; k++) {
        const struct cfg_metric *cm = r->rg_metrics[k].rm_cfg;
        if (!cm->cm_is_sensor)
            continue;
        if (prober_add(p, k, cm->cm_name, cm->cm_argv, cm->cm_poll, cm->cm_timeout, now) != 0)
            return -1;
        p->pb_probes[p->pb_n - 1].pr_cfg = cm;
    }
    for (size_t k = 0; k < r->rg_njobs; k++) {
        const struct cfg_job *cj = r->rg_jobs[k].rj_cfg;
        if (prober_add(p, k, cj->cj_name, cj->cj_argv, cj->cj_interval, cj->cj_timeout, now) != 0)
            return -1;
        p->pb_probes[p->pb_n - 1].pr_job = cj;
    }
    return 0;
}

/* ---- judging ------------------------------------------------------------ */

int
prober_parse_output(const char *out, size_t len, double *v)
{
    size_t a = 0, b = len;
    while (a < b && isspace((unsigned char)out[a]))
        a++;
    while (b > a && isspace((unsigned char)out[b - 1]))
        b--;
    if (a == b || b - a > 64)
        return -1;
    char num[65];
    memcpy(num, out + a, b - a);
    num[b - a] = 0;
    if (memchr(num, 0, b - a) != NULL)
        return -1;
    char *end;
    errno = 0;
    *v = strtod(num, &end);
    return *end == 0 && errno != ERANGE ? 0 : -1;
}

static void
prober_log(struct prober *p, const struct probe *pr, enum probe_outcome o, const char *msg)
{
    if (!p->pb_quiet)
        fprintf(stderr, "cmon-telemetry: %s %s: %s: %s\n", pr->pr_job ? "job" : "sensor",
                pr->pr_name, probe_outcome_name(o), msg);
}

/* A printable excerpt of the output for messages. */
static void
prober_excerpt(const struct probe *pr, char *out, size_t outlen)
{
    size_t k = 0;
    for (size_t i = 0; i < pr->pr_len && k + 5 < outlen && i < 40; i++) {
        unsigned char c = (unsigned char)pr->pr_out[i];
        k += (size_t)snprintf(out + k, outlen - k, isprint(c) ? "%c" : "\\x%02x", c);
    }
    out[k] = 0;
}

/* The outcome of a run that ended on its own: its exit status. */
static enum probe_outcome
prober_exit_outcome(const struct probe *pr, char *why, size_t whylen)
{
    int status = pr->pr_sp.sp_status;
    if (!WIFEXITED(status)) {
        snprintf(why, whylen, "killed by signal %d", WTERMSIG(status));
        return PROBE_FAILED;
    }
    if (WEXITSTATUS(status) != 0) {
        snprintf(why, whylen, "exited with status %d", WEXITSTATUS(status));
        return PROBE_FAILED;
    }
    return PROBE_OK;
}

/* A job's output, logged as ContainerPilot logs its jobs' output: one
 * line each, "job NAME: LINE", the first PROBE_LOG_LINES of a run. */
static void
prober_log_output(const struct prober *p, const struct probe *pr)
{
    const char *at = pr->pr_out, *end = pr->pr_out + pr->pr_len;
    int lines = 0;
    while (!p->pb_quiet && at < end && lines < PROBE_LOG_LINES) {
        const char *nl = memchr(at, '\n', (size_t)(end - at));
        size_t n = nl ? (size_t)(nl - at) : (size_t)(end - at);
        fprintf(stderr, "cmon-telemetry: job %s: %.*s\n", pr->pr_name, (int)(n > 1000 ? 1000 : n),
                at);
        at += n + 1;
        lines++;
    }
    if (!p->pb_quiet && at < end)
        fprintf(stderr, "cmon-telemetry: job %s: (%zu more bytes of output not logged)\n",
                pr->pr_name, (size_t)(end - at));
}

static void
prober_finish_job(struct prober *p, struct probe *pr, enum probe_outcome o, const char *msg,
                  double now)
{
    char why[300] = "";
    if (o == PROBE_OK)
        o = prober_exit_outcome(pr, why, sizeof why);
    if (o != PROBE_OK && msg == NULL)
        msg = why;
    prober_log_output(p, pr);
    registry_job_done(p->pb_reg, pr->pr_idx, o, now - pr->pr_started, msg);
    if (o != PROBE_OK)
        prober_log(p, pr, o, msg);
}

static void
prober_finish_sensor(struct prober *p, struct probe *pr, enum probe_outcome o, const char *msg,
                     double now)
{
    double v = NAN;
    char why[300];
    if (o == PROBE_OK && (o = prober_exit_outcome(pr, why, sizeof why)) != PROBE_OK) {
        msg = why;
    } else if (o == PROBE_OK && prober_parse_output(pr->pr_out, pr->pr_len, &v) != 0) {
        char ex[200];
        prober_excerpt(pr, ex, sizeof ex);
        o = PROBE_INVALID;
        snprintf(why, sizeof why, "output is not one number: \"%s\"%s", ex,
                 pr->pr_len > 40 ? "..." : "");
        msg = why;
    }
    enum probe_outcome got =
        registry_probe_done(p->pb_reg, pr->pr_idx, o, v, now - pr->pr_started, msg, now);
    if (got == PROBE_REJECTED) {
        snprintf(why, sizeof why, "%g refused: a %s %s", v, cfg_type_name(pr->pr_cfg->cm_type),
                 pr->pr_cfg->cm_type == CFG_COUNTER ? "only goes up" : "needs a finite value");
        prober_log(p, pr, got, why);
    } else if (got != PROBE_OK)
        prober_log(p, pr, got, msg);
}

/* A run has ended (o: PROBE_OK when it exited on its own, to be judged). */
static void
prober_finish(struct prober *p, struct probe *pr, enum probe_outcome o, const char *msg, double now)
{
    if (pr->pr_job != NULL)
        prober_finish_job(p, pr, o, msg, now);
    else
        prober_finish_sensor(p, pr, o, msg, now);
    spawn_close(&pr->pr_sp);
    pr->pr_state = pr->pr_sp.sp_pid > 0 ? PROBE_REAPING : PROBE_IDLE;
}

/* ---- starting ----------------------------------------------------------- */

/* Starts the probe's check: its own process group, stdin /dev/null,
 * stdout a non-blocking pipe, stderr ours. */
/* The next start. A sensor: poll after this start, or now if that has
 * passed. A job: the next tick of its grid after now, the ticks passed
 * over counted as skipped. */
static void
prober_schedule(struct prober *p, struct probe *pr, double now)
{
    pr->pr_next += pr->pr_poll;
    if (pr->pr_job == NULL) {
        if (pr->pr_next < now)
            pr->pr_next = now;
        return;
    }
    if (pr->pr_next > now)
        return;
    double missed = floor((now - pr->pr_next) / pr->pr_poll) + 1;
    pr->pr_next += missed * pr->pr_poll;
    registry_job_skipped(p->pb_reg, pr->pr_idx, (uint64_t)missed);
}

/* Starts the probe's check: its own process group, stdin /dev/null,
 * stdout a non-blocking pipe, stderr ours, the -putenv changes in its
 * environment (as ContainerPilot's own environment was every child's). */
static void
prober_start(struct prober *p, struct probe *pr, double now)
{
    char **env = p->pb_env ? envset_snapshot(p->pb_env) : NULL;
    spawn_opts_t o = {.so_stdin = {.sio_kind = SPAWN_IO_NULL},
                      .so_stdout = {.sio_kind = SPAWN_IO_PIPE},
                      .so_env = env};
    /* its timeout counts from its own start: with 100 probes due at once, the
     * last one starts after 99 spawns, longer than a timeout on a busy machine */
    pr->pr_started = prober_now();
    pr->pr_len = 0;
    prober_schedule(p, pr, now);
    int rc = spawn_start(&pr->pr_sp, pr->pr_argv, &o), saved = errno;
    envset_snapshot_free(env);
    if (rc != 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot run %s: %s", pr->pr_argv[0], strerror(saved));
        prober_finish(p, pr, PROBE_ERROR, msg, now);
        return;
    }
    pr->pr_state = PROBE_RUNNING;
}

/* ---- watching ----------------------------------------------------------- */

/* Reads what is there; returns 1 at end of file, 0 for more later, -1 when
 * the output went over the cap. */
static int
prober_read(struct probe *pr)
{
    for (;;) {
        char *at = pr->pr_out + pr->pr_len;
        size_t room = PROBE_MAX_OUTPUT + 1 - pr->pr_len;
        ssize_t n = read(pr->pr_sp.sp_out, at, room);
        if (n > 0) {
            pr->pr_len += (size_t)n;
            if (pr->pr_len > PROBE_MAX_OUTPUT)
                return -1;
        } else if (n == 0) {
            return 1;
        } else {
            return errno == EINTR ? 0 : errno == EAGAIN ? 0 : 1;
        }
    }
}

/* Kills the probe's process group (stragglers included). */
static void
prober_kill(struct probe *pr)
{
    spawn_signal(&pr->pr_sp, SIGKILL);
}

static void
prober_watch(struct prober *p, struct probe *pr, double now)
{
    int rd = pr->pr_sp.sp_out >= 0 ? prober_read(pr) : 1;
    if (rd < 0) {
        prober_kill(pr);
        prober_finish(p, pr, PROBE_OVERFLOW, "output over 65536 bytes, dropped", now);
        return;
    }
    /* Reaped once exited; what is left of its group is killed then. */
    int exited = spawn_reap(&pr->pr_sp) != 0;
    if (rd == 1 && exited) {
        prober_finish(p, pr, PROBE_OK, NULL, now);
    } else if (now >= pr->pr_started + pr->pr_timeout) {
        char msg[80];
        snprintf(msg, sizeof msg, "no answer within %gs, killed", pr->pr_timeout);
        prober_kill(pr);
        prober_finish(p, pr, PROBE_TIMEOUT, msg, now);
    } else if (rd == 1 && pr->pr_sp.sp_out >= 0) {
        close(pr->pr_sp.sp_out); /* end of output; the exit will follow */
        pr->pr_sp.sp_out = -1;
    }
}

static void
prober_reap(struct probe *pr)
{
    if (spawn_reap(&pr->pr_sp) != 0)
        pr->pr_state = PROBE_IDLE;
}

/* ---- the loop ----------------------------------------------------------- */

/* Seconds until the next start or timeout, at most max_wait. */
static double
prober_wait_time(const struct prober *p, double now, double max_wait)
{
    double wait = max_wait;
    for (size_t k = 0; k < p->pb_n; k++) {
        const struct probe *pr = &p->pb_probes[k];
        double due = pr->pr_state == PROBE_IDLE      ? pr->pr_next
                     : pr->pr_state == PROBE_RUNNING ? pr->pr_started + pr->pr_timeout
                                                     : now + max_wait;
        if (due - now < wait)
            wait = due - now;
    }
    return wait < 0 ? 0 : wait;
}

/*
 * Kills and reaps what probes left behind (reaper.h). Called only in a turn
 * where a probe's leader was reaped or a signal (SIGCHLD) came, because
 * orphans come to us only then: what a probe's group or its escaped
 * daemons hold is re-parented to us when the process above them dies, so
 * at the latest when the probe's leader exits, which is a SIGCHLD of ours
 * and the turn that reaps it; and an orphan that dies on its own sends us
 * a SIGCHLD. A turn that only started probes or read output has nothing to
 * sweep, and a sweep reads /proc (every thread's children), so none is
 * made then: that was half of the loop's CPU with 100 probes out of step.
 */
static void
prober_sweep(void)
{
    reaper_sweep(REAPER_ORPHANS);
}

int
prober_step(struct prober *p, const sigset_t *wait_mask, double max_wait)
{
    double now = prober_now();
    for (size_t k = 0; k < p->pb_n; k++)
        if (p->pb_probes[k].pr_state == PROBE_IDLE && p->pb_probes[k].pr_next <= now)
            prober_start(p, &p->pb_probes[k], now);
    struct pollfd fds[p->pb_n + 1];
    nfds_t nfds = 0;
    for (size_t k = 0; k < p->pb_n; k++)
        if (p->pb_probes[k].pr_sp.sp_out >= 0)
            fds[nfds++] = (struct pollfd){.fd = p->pb_probes[k].pr_sp.sp_out, .events = POLLIN};
    double wait = prober_wait_time(p, prober_now(), max_wait);
    struct timespec ts = {(time_t)wait, (long)((wait - floor(wait)) * 1e9)};
    int rc = ppoll(fds, nfds, &ts, wait_mask);
    int saved = errno;
    now = prober_now();
    size_t ended = 0;
    for (size_t k = 0; k < p->pb_n; k++) {
        struct probe *pr = &p->pb_probes[k];
        pid_t leader = pr->pr_sp.sp_pid;
        if (pr->pr_state == PROBE_RUNNING)
            prober_watch(p, pr, now);
        else if (pr->pr_state == PROBE_REAPING)
            prober_reap(pr);
        ended += leader > 0 && pr->pr_sp.sp_pid == 0;
    }
    if (ended > 0 || (rc < 0 && saved == EINTR))
        prober_sweep();
    errno = saved;
    return rc < 0 && saved == EINTR ? -1 : 0;
}

void
prober_free(struct prober *p)
{
    for (size_t k = 0; k < p->pb_n; k++) {
        struct probe *pr = &p->pb_probes[k];
        if (spawn_signal(&pr->pr_sp, SIGKILL) == 0)
            spawn_wait(&pr->pr_sp, -1);
        spawn_close(&pr->pr_sp);
        free(pr->pr_out);
    }
    reaper_sweep(REAPER_ALL); /* no probe runs any more: none of what they started either */
    free(p->pb_probes);
    memset(p, 0, sizeof *p);
}
