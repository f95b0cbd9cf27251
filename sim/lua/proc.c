/*
 * proc.c - starting, waiting for and stopping scenario child processes.
 * Waiting polls waitpid(WNOHANG) for the one pid: the engine has no SIGCHLD
 * handler and other children (agents) are reaped by their own pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

extern char **environ;

/* 1 if entry ("K=V") names the variable of one of list ("K=V" or "K"). */
static int
proc_env_named(const char *entry, char *const list[])
{
    size_t n = strcspn(entry, "=");
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        if (strncmp(entry, list[i], n) == 0 && (list[i][n] == '=' || list[i][n] == '\0'))
            return 1;
    return 0;
}

static int
proc_env_dropped(const char *entry, char *const set[], char *const unset[])
{
    return strncmp(entry, "LD_PRELOAD=", 11) == 0 || strncmp(entry, "FAKETIME", 8) == 0 ||
           proc_env_named(entry, set) || proc_env_named(entry, unset);
}

char **
scn_proc_env(char *const set[], char *const unset[])
{
    size_t n = 0, m = 0, k = 0;
    while (environ[n] != NULL)
        n++;
    while (set != NULL && set[m] != NULL)
        m++;
    char **env = calloc(n + m + 1, sizeof(*env));
    if (env == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!proc_env_dropped(environ[i], set, unset))
            env[k++] = environ[i];
    for (size_t i = 0; i < m; i++)
        env[k++] = set[i];
    env[k] = NULL;
    return env;
}

/* The child: set up, then exec. It starts with SIGINT and SIGTERM blocked
 * and the engine's handlers: they go back to default before the mask is
 * cleared, so a stop sent right after the fork ends the child instead of
 * running the engine's handler in it (and being lost). */
static void
proc_child(const char *path, char *const argv[], char *const env[], const char *dir,
           const char *out, const char *err)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the engine */
    setpgid(0, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (dir != NULL && chdir(dir) != 0)
        _exit(127);
    int in = open("/dev/null", O_RDONLY);
    int fo = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
    int fe = err != NULL ? open(err, O_WRONLY | O_CREAT | O_APPEND, 0644) : fo;
    if (in < 0 || fo < 0 || fe < 0)
        _exit(127);
    dup2(in, STDIN_FILENO);
    dup2(fo, STDOUT_FILENO);
    dup2(fe, STDERR_FILENO);
    execve(path, argv, env);
    dprintf(STDERR_FILENO, "cannot run %s: %s\n", path, strerror(errno));
    _exit(127);
}

pid_t
scn_proc_spawn(const char *path, char *const argv[], char *const env[], const char *dir,
               const char *out, const char *err)
{
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    fflush(NULL);
    sigprocmask(SIG_BLOCK, &stop, &old);
    pid_t pid = fork();
    if (pid == 0)
        proc_child(path, argv, env, dir, out, err);
    int saved = errno;
    if (pid > 0)
        setpgid(pid, pid); /* also here: no race with a stop right after */
    sigprocmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return pid;
}

static double
proc_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
scn_proc_wait(pid_t pid, double timeout, int *status)
{
    double end = proc_clock() + timeout;
    long nap_ms = 1;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
        if (timeout >= 0 && proc_clock() >= end)
            return 0;
        struct timespec ts = {0, nap_ms * 1000000L};
        nanosleep(&ts, NULL);
        if (nap_ms < 20)
            nap_ms *= 2;
    }
}

int
scn_proc_stop(pid_t pid, double grace, int *status)
{
    int st = 0;
    if (kill(pid, SIGTERM) != 0 && errno != ESRCH)
        return -1;
    int rc = scn_proc_wait(pid, grace, &st);
    if (rc == 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        rc = scn_proc_wait(pid, -1, &st);
    }
    if (rc < 0)
        return -1;
    if (status != NULL)
        *status = st;
    return scn_proc_code(st);
}

int
scn_proc_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

int
scn_proc_kill(pid_t pid, int *status)
{
    int st = 0;
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    if (scn_proc_wait(pid, -1, &st) < 0)
        return -1;
    if (status != NULL)
        *status = st;
    return scn_proc_code(st);
}
