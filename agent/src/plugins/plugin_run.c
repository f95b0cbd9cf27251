/*
 * plugin_run.c - runs a batch of plugins in parallel with a deadline and an
 * output cap.
 *
 * The dance: every plugin is spawned at once into its own process group
 * with stdout on a non-blocking pipe; one poll() loop drains every pipe. A
 * plugin is done when its pipe is at EOF and it has been reaped. At the
 * deadline, or when a plugin passes the output cap, its whole group gets
 * SIGKILL (a shell script's children die with it) and it is reaped. Nothing
 * here blocks past the deadline except the final waitpid() of a process we
 * have just SIGKILLed.
 */
#include "plugin.h"
#include "monotime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Per-run bookkeeping the caller never sees. */
typedef struct run_state {
    pid_t rs_pid;  /* 0 once reaped (or never started) */
    int rs_fd;     /* read end of stdout; -1 once at EOF or closed */
    size_t rs_cap; /* allocated bytes of pr_out */
    int rs_killed; /* we sent SIGKILL (status already decided) */
    double rs_start;
} run_state_t;

const char *
plugin_run_status_name(plugin_run_status_t st)
{
    static const char *const names[] = {"ok", "spawn", "exit", "signal", "timeout", "toobig"};
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

static int
spawn_attr_init(posix_spawnattr_t *attr)
{
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGCHLD);
    sigaddset(&dflt, SIGTERM);
    sigaddset(&dflt, SIGINT);
    if (posix_spawnattr_init(attr) != 0)
        return -1;
    posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                       POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(attr, 0);
    posix_spawnattr_setsigmask(attr, &none);
    posix_spawnattr_setsigdefault(attr, &dflt);
    return 0;
}

static int
spawn_actions_init(posix_spawn_file_actions_t *fa, int wfd)
{
    if (posix_spawn_file_actions_init(fa) != 0)
        return -1;
    posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(fa, wfd, 1);
    posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY, 0);
    return 0;
}

/* Starts one run; on failure sets PLUGIN_RUN_SPAWN and leaves rs empty. */
static void
run_start(plugin_run_t *run, run_state_t *rs)
{
    int fds[2], err;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;
    char *argv[3] = {(char *)run->pr_path, (char *)run->pr_arg, NULL};

    rs->rs_start = monotime_seconds();
    if (pipe2(fds, O_CLOEXEC) != 0) {
        run->pr_status = PLUGIN_RUN_SPAWN;
        run->pr_errno = errno;
        return;
    }
    if (spawn_attr_init(&attr) != 0 || spawn_actions_init(&fa, fds[1]) != 0) {
        close(fds[0]);
        close(fds[1]);
        run->pr_status = PLUGIN_RUN_SPAWN;
        run->pr_errno = ENOMEM;
        return;
    }
    err = posix_spawn(&rs->rs_pid, run->pr_path, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(fds[1]);
    if (err != 0) {
        close(fds[0]);
        rs->rs_pid = 0;
        run->pr_status = PLUGIN_RUN_SPAWN;
        run->pr_errno = err;
        return;
    }
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    rs->rs_fd = fds[0];
}

/* ---- killing and reaping -------------------------------------------- */

static void
run_close_fd(run_state_t *rs)
{
    if (rs->rs_fd >= 0) {
        close(rs->rs_fd);
        rs->rs_fd = -1;
    }
}

/* Kills the run's process group, decides its status, and reaps it. */
static void
run_kill(plugin_run_t *run, run_state_t *rs, plugin_run_status_t why)
{
    int status;
    run_close_fd(rs);
    if (rs->rs_pid > 0) {
        kill(-rs->rs_pid, SIGKILL);
        kill(rs->rs_pid, SIGKILL);
        while (waitpid(rs->rs_pid, &status, 0) < 0 && errno == EINTR)
            ;
        rs->rs_pid = 0;
    }
    rs->rs_killed = 1;
    run->pr_status = why;
    run->pr_seconds = monotime_seconds() - rs->rs_start;
}

/* Records how the process ended. */
static void
run_set_exit(plugin_run_t *run, run_state_t *rs, int status)
{
    rs->rs_pid = 0;
    run->pr_seconds = monotime_seconds() - rs->rs_start;
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
    int status;
    pid_t r;
    if (rs->rs_pid <= 0)
        return 1;
    r = waitpid(rs->rs_pid, &status, WNOHANG);
    if (r == rs->rs_pid) {
        run_set_exit(run, rs, status);
        return 1;
    }
    if (r < 0 && errno == ECHILD) { /* someone else reaped it: count as failed */
        rs->rs_pid = 0;
        run->pr_status = PLUGIN_RUN_SIGNAL;
        return 1;
    }
    return 0;
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
        r = read(rs->rs_fd, run->pr_out + run->pr_len, room);
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

/* One poll() round over the open pipes; returns the number still busy. */
static size_t
run_round(plugin_run_t *runs, run_state_t *rs, size_t n, struct pollfd *pfd, size_t *map,
          const plugin_limits_t *lim, double deadline)
{
    size_t i, np = 0, busy = 0, zombies = 0;
    int ms = (int)((deadline - monotime_seconds()) * 1000.0) + 1;

    for (i = 0; i < n; i++) {
        if (rs[i].rs_fd >= 0) {
            pfd[np].fd = rs[i].rs_fd;
            pfd[np].events = POLLIN;
            map[np++] = i;
        } else if (rs[i].rs_pid > 0) {
            zombies++;
        }
    }
    if (zombies > 0 && ms > 10)
        ms = 10; /* pipe closed but not exited yet: look again soon */
    if (ms < 0 || (np == 0 && zombies == 0))
        ms = 0; /* nothing to wait for */
    if (poll(pfd, (nfds_t)np, ms) > 0) {
        for (i = 0; i < np; i++)
            if (pfd[i].revents != 0)
                run_drain(&runs[map[i]], &rs[map[i]], lim->pl_output_max);
    }
    for (i = 0; i < n; i++) {
        if (rs[i].rs_killed)
            continue;
        if (rs[i].rs_fd < 0 && run_try_reap(&runs[i], &rs[i]))
            continue;
        busy++;
    }
    return busy;
}

int
plugin_run_all(plugin_run_t *runs, size_t n, const plugin_limits_t *lim)
{
    run_state_t *rs = calloc(n ? n : 1, sizeof(*rs));
    struct pollfd *pfd = calloc(n ? n : 1, sizeof(*pfd));
    size_t *map = calloc(n ? n : 1, sizeof(*map));
    double deadline = monotime_seconds() + lim->pl_timeout_ms / 1000.0;
    size_t i;

    if (rs == NULL || pfd == NULL || map == NULL) {
        free(rs);
        free(pfd);
        free(map);
        errno = ENOMEM;
        return -1;
    }
    for (i = 0; i < n; i++) {
        plugin_run_release(&runs[i]);
        rs[i].rs_fd = -1;
        run_start(&runs[i], &rs[i]);
        if (runs[i].pr_status == PLUGIN_RUN_SPAWN)
            rs[i].rs_killed = 1; /* nothing to wait for */
    }
    while (run_round(runs, rs, n, pfd, map, lim, deadline) > 0) {
        if (monotime_seconds() < deadline)
            continue;
        for (i = 0; i < n; i++)
            if (!rs[i].rs_killed && (rs[i].rs_fd >= 0 || rs[i].rs_pid > 0))
                run_kill(&runs[i], &rs[i], PLUGIN_RUN_TIMEOUT);
    }
    for (i = 0; i < n; i++)
        if (runs[i].pr_out == NULL)
            runs[i].pr_out = calloc(1, 1);
    free(rs);
    free(pfd);
    free(map);
    return 0;
}
