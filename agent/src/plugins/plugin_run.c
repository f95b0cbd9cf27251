/*
 * plugin_run.c - runs a batch of plugins in parallel with a deadline and an
 * output cap, each run with its own deadline.
 *
 * The dance: every plugin is spawned at once into its own process group
 * with stdout on a non-blocking pipe; one poll() loop drains every pipe. A
 * plugin is done when its pipe is at EOF and it has been reaped. At the
 * deadline, or when a plugin passes the output cap, its whole group gets
 * SIGKILL (a shell script's children die with it) and it is reaped. Nothing
 * here blocks past the deadline except the final waitpid() of a process we
 * have just SIGKILLed. Each deadline is a kernel timer in the poll set
 * (realtimer.h): it passes in real time, also under the scenario engine's
 * frozen clock.
 *
 * What a plugin leaves behind outside its group (`setsid sleep 1000 &`) comes
 * back to the agent, a child subreaper (reaper.h), when the plugin exits;
 * once the batch is done every such orphan is killed and reaped, so that
 * nothing a plugin started outlives the scrape.
 */
#include "plugin.h"
#include "cmon_spawn.h"
#include "monotime.h"
#include "realtimer.h"
#include "reaper.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Per-run bookkeeping the caller never sees. */
typedef struct run_state {
    spawn_t rs_sp; /* sp_pid 0 once reaped (or never started); sp_out -1 once at EOF */
    size_t rs_cap; /* allocated bytes of pr_out */
    int rs_killed; /* we sent SIGKILL (status already decided) */
    double rs_start;
    realtimer_t rs_timer; /* killed if still running when it fires (real time) */
} run_state_t;

const char *
plugin_run_status_name(plugin_run_status_t st)
{
    static const char *const names[] = {"ok",      "spawn",  "exit", "signal",
                                        "timeout", "toobig", "busy"};
    if ((unsigned)st >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[st];
}

void
plugin_run_release(plugin_run_t *run)
{
    free(run->pr_out);
    run->pr_out = NULL;
    run->pr_len = 0;
    run->pr_status = PLUGIN_RUN_OK;
    run->pr_code = 0;
    run->pr_errno = 0;
    run->pr_seconds = 0;
}

/* ---- spawning ------------------------------------------------------- */

/* Starts one run: stdin and stderr /dev/null, stdout a non-blocking pipe,
 * its own process group. On failure sets PLUGIN_RUN_SPAWN. */
static void
run_start(plugin_run_t *run, run_state_t *rs)
{
    char *argv[3] = {(char *)run->pr_path, (char *)run->pr_arg, NULL};
    spawn_opts_t o = {.so_stdin = {.sio_kind = SPAWN_IO_NULL},
                      .so_stdout = {.sio_kind = SPAWN_IO_PIPE},
                      .so_stderr = {.sio_kind = SPAWN_IO_NULL}};

    rs->rs_start = cmon_monotime_s();
    if (spawn_start(&rs->rs_sp, argv, &o) != 0) {
        run->pr_status = PLUGIN_RUN_SPAWN;
        run->pr_errno = errno;
    }
}

/* ---- killing and reaping -------------------------------------------- */

static void
run_close_fd(run_state_t *rs)
{
    if (rs->rs_sp.sp_out >= 0) {
        close(rs->rs_sp.sp_out);
        rs->rs_sp.sp_out = -1;
    }
}

/* Kills the run's process group, decides its status, and reaps it. */
static void
run_kill(plugin_run_t *run, run_state_t *rs, plugin_run_status_t why)
{
    run_close_fd(rs);
    if (spawn_signal(&rs->rs_sp, SIGKILL) == 0)
        spawn_wait(&rs->rs_sp, -1);
    rs->rs_killed = 1;
    run->pr_status = why;
    run->pr_seconds = cmon_monotime_s() - rs->rs_start;
}

/* Records how the process ended. */
static void
run_set_exit(plugin_run_t *run, run_state_t *rs, int status)
{
    run->pr_seconds = cmon_monotime_s() - rs->rs_start;
    if (WIFEXITED(status)) {
        run->pr_code = WEXITSTATUS(status);
        run->pr_status = run->pr_code == 0 ? PLUGIN_RUN_OK : PLUGIN_RUN_EXIT;
    } else {
        run->pr_code = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        run->pr_status = PLUGIN_RUN_SIGNAL;
    }
}

/* Reaps the run if it has exited; 1 when it has (or was never running). */
static int
run_try_reap(plugin_run_t *run, run_state_t *rs)
{
    if (rs->rs_sp.sp_pid <= 0)
        return 1;
    switch (spawn_reap(&rs->rs_sp)) {
    case 1:
        run_set_exit(run, rs, rs->rs_sp.sp_status);
        return 1;
    case 0:
        return 0;
    default: /* someone else reaped it: count as failed */
        rs->rs_sp.sp_pid = 0;
        run->pr_status = PLUGIN_RUN_SIGNAL;
        return 1;
    }
}

/* ---- reading -------------------------------------------------------- */

static int
run_grow(plugin_run_t *run, run_state_t *rs, size_t want)
{
    size_t cap = rs->rs_cap ? rs->rs_cap : 4096;
    char *p;
    while (cap < want)
        cap *= 2;
    if (cap == rs->rs_cap)
        return 0;
    p = realloc(run->pr_out, cap);
    if (p == NULL)
        return -1;
    run->pr_out = p;
    rs->rs_cap = cap;
    return 0;
}

/* Drains what is readable; kills the run when it passes the cap. */
static void
run_drain(plugin_run_t *run, run_state_t *rs, size_t max)
{
    for (;;) {
        size_t room;
        ssize_t r;
        if (run_grow(run, rs, run->pr_len + 4096 + 1) != 0) {
            run_kill(run, rs, PLUGIN_RUN_TOOBIG);
            return;
        }
        room = rs->rs_cap - run->pr_len - 1;
        if (room > max + 1 - run->pr_len)
            room = max + 1 - run->pr_len; /* read one byte past the cap, no more */
        r = read(rs->rs_sp.sp_out, run->pr_out + run->pr_len, room);
        if (r > 0) {
            run->pr_len += (size_t)r;
            run->pr_out[run->pr_len] = '\0';
            if (run->pr_len > max) {
                run->pr_len = max;
                run->pr_out[max] = '\0';
                run_kill(run, rs, PLUGIN_RUN_TOOBIG);
                return;
            }
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            run_close_fd(rs);
        return;
    }
}

/* ---- the loop ------------------------------------------------------- */

/* Whether run i still has a process or a pipe to wait for. */
static int
run_live(const run_state_t *rs)
{
    return !rs->rs_killed && (rs->rs_sp.sp_out >= 0 || rs->rs_sp.sp_pid > 0);
}

/*
 * One poll() round over the open pipes and the live runs' timers, until
 * the earliest deadline. pfd and map have room for 2n entries; a timer's
 * entry maps to n + i (run_expire() sees it fired).
 */
static void
run_round(plugin_run_t *runs, run_state_t *rs, size_t n, struct pollfd *pfd, size_t *map,
          const plugin_limits_t *lim)
{
    size_t i, np = 0, zombies = 0;
    int ms = -1;

    for (i = 0; i < n; i++) {
        if (!run_live(&rs[i]))
            continue;
        int left = realtimer_poll_ms(&rs[i].rs_timer, -1);
        if (ms < 0 || (left >= 0 && left < ms))
            ms = left;
        if (realtimer_fd(&rs[i].rs_timer) >= 0) {
            pfd[np].fd = realtimer_fd(&rs[i].rs_timer);
            pfd[np].events = POLLIN;
            map[np++] = n + i;
        }
        if (rs[i].rs_sp.sp_out >= 0) {
            pfd[np].fd = rs[i].rs_sp.sp_out;
            pfd[np].events = POLLIN;
            map[np++] = i;
        } else {
            zombies++;
        }
    }
    if (np == 0 && ms < 0)
        ms = 0; /* nothing live */
    if (zombies > 0 && (ms < 0 || ms > 10))
        ms = 10; /* pipe closed but not exited yet: look again soon */
    if (poll(pfd, (nfds_t)np, ms) > 0) {
        for (i = 0; i < np; i++)
            if (pfd[i].revents != 0 && map[i] < n)
                run_drain(&runs[map[i]], &rs[map[i]], lim->pl_output_max);
    }
    for (i = 0; i < n; i++)
        if (!rs[i].rs_killed && rs[i].rs_sp.sp_out < 0 && run_try_reap(&runs[i], &rs[i]))
            rs[i].rs_killed = 1; /* done: nothing more to wait for */
}

/* Kills every live run past its deadline; returns how many are still live. */
static size_t
run_expire(plugin_run_t *runs, run_state_t *rs, size_t n)
{
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        if (!run_live(&rs[i]))
            continue;
        if (realtimer_expired(&rs[i].rs_timer))
            run_kill(&runs[i], &rs[i], PLUGIN_RUN_TIMEOUT);
        else
            live++;
    }
    return live;
}

int
plugin_run_all(plugin_run_t *runs, size_t n, const plugin_limits_t *lim)
{
    run_state_t *rs = calloc(n ? n : 1, sizeof(*rs));
    struct pollfd *pfd = calloc(n ? 2 * n : 1, sizeof(*pfd)); /* a pipe and a timer a run */
    size_t *map = calloc(n ? 2 * n : 1, sizeof(*map));
    size_t i;

    if (rs == NULL || pfd == NULL || map == NULL) {
        free(rs);
        free(pfd);
        free(map);
        errno = ENOMEM;
        return -1;
    }
    for (i = 0; i < n; i++) {
        int busy = runs[i].pr_status == PLUGIN_RUN_BUSY;
        int ms = runs[i].pr_timeout_ms > 0 ? runs[i].pr_timeout_ms : lim->pl_timeout_ms;
        plugin_run_release(&runs[i]);
        rs[i].rs_sp.sp_out = -1;
        rs[i].rs_timer.rt_fd = -1;
        if (busy) {
            runs[i].pr_status = PLUGIN_RUN_BUSY; /* not ours to start */
            rs[i].rs_killed = 1;
            continue;
        }
        run_start(&runs[i], &rs[i]);
        if (runs[i].pr_status == PLUGIN_RUN_SPAWN)
            rs[i].rs_killed = 1; /* nothing to wait for */
        else
            realtimer_start(&rs[i].rs_timer, ms);
    }
    do
        run_round(runs, rs, n, pfd, map, lim);
    while (run_expire(runs, rs, n) > 0);
    reaper_sweep(REAPER_ORPHANS); /* what the plugins left behind (reaper.h) */
    for (i = 0; i < n; i++) {
        realtimer_stop(&rs[i].rs_timer);
        if (runs[i].pr_out == NULL)
            runs[i].pr_out = calloc(1, 1);
    }
    free(rs);
    free(pfd);
    free(map);
    return 0;
}
