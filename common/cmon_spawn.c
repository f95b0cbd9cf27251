/*
 * cmon_spawn.c - child processes (see cmon_spawn.h).
 *
 * A child is started by posix_spawn() (glibc: a clone that shares our
 * memory until the exec, so its cost does not grow with ours), with the same
 * preparation and the same child set-up as below, as attributes and file
 * actions. Only a child that needs so_deathsig is fork()ed, because prctl()
 * must run in the child.
 *
 * Everything the child needs is prepared first (the program's path, its
 * environment, the descriptors for its stdio, each numbered 3 or above so the
 * dup2() calls cannot step on one another). The fork is the classic
 * fork/exec handshake: with every signal blocked we fork. The child makes its
 * process group, puts every signal back to its default, unblocks them, moves
 * the descriptors into place and execs. A close-on-exec pipe carries errno
 * back if anything fails; end of file on it means the exec happened. So the
 * parent learns the outcome before spawn_start() returns.
 */
#include "cmon_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "realtimer.h"

extern char **environ;

/* What the child needs, all prepared before fork(). */
typedef struct spawn_prep {
    char *pp_path;     /* the program file (malloc'd) */
    char **pp_env;     /* pointers into environ and so_env (the array malloc'd) */
    int pp_src[3];     /* what becomes fd 0, 1, 2; -1: inherited */
    int pp_err_is_out; /* stderr goes where stdout goes */
    int pp_pipe[3];    /* the parent's read end for fd 1 and 2, else -1 */
} spawn_prep_t;

static void
spawn_nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int
spawn_exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
}

/* ---- the program and its environment -------------------------------- */

/* The length of the name part of "NAME=VALUE" (or of "NAME"). */
static size_t
spawn_env_name_len(const char *s)
{
    return strcspn(s, "=");
}

/* Whether our variable var is removed or replaced by the change ch. */
static int
spawn_env_hits(const char *var, const char *ch)
{
    size_t n = spawn_env_name_len(ch);
    if (ch[n] == '\0' && n > 0 && ch[n - 1] == '*')
        return strncmp(var, ch, n - 1) == 0;
    return spawn_env_name_len(var) == n && strncmp(var, ch, n) == 0;
}

/* environ with the changes applied; the array is malloc'd, its strings not. */
static char **
spawn_env_build(char *const *changes)
{
    size_t n = 0, m = 0, k = 0;
    while (environ != NULL && environ[n] != NULL)
        n++;
    while (changes != NULL && changes[m] != NULL)
        m++;
    char **env = calloc(n + m + 1, sizeof(*env));
    if (env == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        env[k++] = environ[i];
    for (size_t j = 0; j < m; j++) {
        size_t kept = 0;
        for (size_t i = 0; i < k; i++)
            if (!spawn_env_hits(env[i], changes[j]))
                env[kept++] = env[i];
        k = kept;
        if (strchr(changes[j], '=') != NULL)
            env[k++] = changes[j];
    }
    env[k] = NULL;
    return env;
}

/* The file execve() will run: name itself when it holds a '/', else the
 * first executable regular file dir/name along PATH (execvp's rules, but
 * found here, before fork, so the child needs no allocation). */
static char *
spawn_find_program(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return errno = ENOENT, NULL;
    if (strchr(name, '/') != NULL)
        return strdup(name);
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/usr/local/bin:/usr/bin:/bin";
    int err = ENOENT;
    for (const char *p = path;; p++) {
        size_t dl = strcspn(p, ":");
        char *file = malloc(dl + strlen(name) + 3);
        if (file == NULL)
            return NULL;
        sprintf(file, "%.*s/%s", (int)(dl ? dl : 1), dl ? p : ".", name);
        struct stat st;
        if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(file, X_OK) == 0)
                return file;
            err = EACCES;
        }
        free(file);
        p += dl;
        if (*p == '\0')
            break;
    }
    return errno = err, NULL;
}

/* ---- the child's stdio ------------------------------------------------ */

/* fd moved to 3 or above (close-on-exec), so that no dup2() in the child
 * overwrites a descriptor another one still needs. */
static int
spawn_fd_high(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int err = errno;
    close(fd);
    errno = err;
    return hi;
}

/* Sets up pp_src[target] (and pp_pipe) for one stdio choice; 0 or -1. */
static int
spawn_io_prepare(spawn_prep_t *pp, int target, const spawn_io_t *io)
{
    int fds[2], rd = target == 0;
    switch (io->sio_kind) {
    case SPAWN_IO_INHERIT:
        return 0;
    case SPAWN_IO_NULL:
        pp->pp_src[target] = open("/dev/null", (rd ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
        break;
    case SPAWN_IO_FILE:
        pp->pp_src[target] =
            open(io->sio_path,
                 rd ? O_RDONLY | O_CLOEXEC : O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        break;
    case SPAWN_IO_FD:
        pp->pp_src[target] = fcntl(io->sio_fd, F_DUPFD_CLOEXEC, 3);
        break;
    case SPAWN_IO_PIPE:
        if (rd)
            return errno = EINVAL, -1;
        if (pipe2(fds, O_CLOEXEC) != 0)
            return -1;
        pp->pp_pipe[target] = spawn_fd_high(fds[0]);
        pp->pp_src[target] = spawn_fd_high(fds[1]);
        if (pp->pp_pipe[target] < 0)
            return -1;
        fcntl(pp->pp_pipe[target], F_SETFL, O_NONBLOCK);
        break;
    case SPAWN_IO_STDOUT:
        if (target != 2)
            return errno = EINVAL, -1;
        pp->pp_err_is_out = 1;
        return 0;
    default:
        return errno = EINVAL, -1;
    }
    pp->pp_src[target] = spawn_fd_high(pp->pp_src[target]);
    return pp->pp_src[target] < 0 ? -1 : 0;
}

/* Closes what the child was to get; keep_pipes 0 also closes our ends. */
static void
spawn_prep_release(spawn_prep_t *pp, int keep_pipes)
{
    int err = errno;
    for (int i = 0; i < 3; i++) {
        if (pp->pp_src[i] >= 0)
            close(pp->pp_src[i]);
        if (!keep_pipes && pp->pp_pipe[i] >= 0)
            close(pp->pp_pipe[i]);
        pp->pp_src[i] = -1;
    }
    free(pp->pp_path);
    free(pp->pp_env);
    errno = err;
}

static int
spawn_prepare(spawn_prep_t *pp, char *const argv[], const spawn_opts_t *o)
{
    memset(pp, 0, sizeof(*pp));
    for (int i = 0; i < 3; i++)
        pp->pp_src[i] = pp->pp_pipe[i] = -1;
    if (argv == NULL || argv[0] == NULL)
        return errno = EINVAL, -1;
    pp->pp_path = spawn_find_program(o->so_path != NULL ? o->so_path : argv[0]);
    if (pp->pp_path == NULL)
        return -1;
    pp->pp_env = spawn_env_build(o->so_env);
    if (pp->pp_env == NULL)
        return -1;
    if (spawn_io_prepare(pp, 0, &o->so_stdin) != 0 || spawn_io_prepare(pp, 1, &o->so_stdout) != 0 ||
        spawn_io_prepare(pp, 2, &o->so_stderr) != 0)
        return -1;
    return 0;
}

/* ---- fork and exec ---------------------------------------------------- */

/* In the child: only async-signal-safe calls from here to the exec. */
static void
spawn_child(const spawn_prep_t *pp, char *const argv[], const spawn_opts_t *o, pid_t parent,
            int report)
{
    struct sigaction dfl;
    sigset_t none;
    int err;

    if ((o->so_flags & SPAWN_NEW_SESSION) ? setsid() < 0 : setpgid(0, 0) != 0)
        goto fail;
    if (o->so_deathsig > 0 && (prctl(PR_SET_PDEATHSIG, o->so_deathsig) != 0 || getppid() != parent))
        goto fail; /* the parent died before prctl: do not run unwatched */
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL); /* SIGKILL, SIGSTOP and libc's own refuse: fine */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int fd = 0; fd < 3; fd++)
        if (pp->pp_src[fd] >= 0 && dup2(pp->pp_src[fd], fd) < 0)
            goto fail;
    if (pp->pp_err_is_out && dup2(1, 2) < 0)
        goto fail;
    execve(pp->pp_path, argv, pp->pp_env);
fail:
    err = errno;
    if (write(report, &err, sizeof(err)) < 0) {
        /* nothing more to do: the parent sees a child that exits 127 */
    }
    _exit(127);
}

/* In the parent: the child's report. 0 it exec'd, else its errno. */
static int
spawn_child_outcome(int report)
{
    int err = 0;
    ssize_t n;
    while ((n = read(report, &err, sizeof(err))) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)sizeof(err) ? (err ? err : EIO) : 0;
}

static pid_t
spawn_fork(const spawn_prep_t *pp, char *const argv[], const spawn_opts_t *o)
{
    int report[2], err;
    sigset_t all, old;
    pid_t parent = getpid(), pid;

    if (pipe2(report, O_CLOEXEC) != 0)
        return -1;
    /* Above the stdio descriptors, so that no dup2() in the child closes it
     * (a parent started with stdout closed gets the pipe as fd 1). */
    report[0] = spawn_fd_high(report[0]);
    report[1] = spawn_fd_high(report[1]);
    if (report[0] < 0 || report[1] < 0) {
        err = errno;
        if (report[0] >= 0)
            close(report[0]);
        if (report[1] >= 0)
            close(report[1]);
        return errno = err, -1;
    }
    /* No handler of ours may run in the child before it resets them. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid = fork();
    if (pid == 0)
        spawn_child(pp, argv, o, parent, report[1]);
    err = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(report[1]);
    if (pid > 0 && (err = spawn_child_outcome(report[0])) != 0) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        pid = -1;
    }
    close(report[0]);
    errno = err;
    return pid;
}

/* ---- posix_spawn ------------------------------------------------------ */

/* The attributes of spawn_child() for posix_spawn: its own group (or
 * session), every signal at its default action, none blocked. 0 or an
 * errno value. */
static int
spawn_attr_set(posix_spawnattr_t *at, const spawn_opts_t *o)
{
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                  ((o->so_flags & SPAWN_NEW_SESSION) ? POSIX_SPAWN_SETSID : POSIX_SPAWN_SETPGROUP);
    int err = posix_spawnattr_setflags(at, flags);
    if (err == 0)
        err = posix_spawnattr_setsigdefault(at, &all);
    if (err == 0)
        err = posix_spawnattr_setsigmask(at, &none);
    if (err == 0)
        err = posix_spawnattr_setpgroup(at, 0);
    return err;
}

/* The dup2() calls of spawn_child() as file actions. 0 or an errno value. */
static int
spawn_actions_set(posix_spawn_file_actions_t *fa, const spawn_prep_t *pp)
{
    int err = 0;
    for (int fd = 0; err == 0 && fd < 3; fd++)
        if (pp->pp_src[fd] >= 0)
            err = posix_spawn_file_actions_adddup2(fa, pp->pp_src[fd], fd);
    if (err == 0 && pp->pp_err_is_out)
        err = posix_spawn_file_actions_adddup2(fa, 1, 2);
    return err;
}

/*
 * The child started by posix_spawn(): glibc's shares our memory until the
 * exec (clone with CLONE_VM and CLONE_VFORK), so nothing of our address space
 * is copied, and returns only once the exec happened, with its errno if it
 * failed. fork() copies every page table of ours for a child that throws them
 * away at once: with cmon-telemetry's threads and libraries that was 0.25 ms
 * of our CPU a child, four times all the rest of a probe run's cost to us
 * (telemetry/README.md, Performance).
 */
static pid_t
spawn_posix(const spawn_prep_t *pp, char *const argv[], const spawn_opts_t *o)
{
    posix_spawnattr_t at;
    posix_spawn_file_actions_t fa;
    pid_t pid = -1;
    int err = posix_spawnattr_init(&at);
    if (err != 0)
        return errno = err, -1;
    if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
        posix_spawnattr_destroy(&at);
        return errno = err, -1;
    }
    if ((err = spawn_attr_set(&at, o)) == 0 && (err = spawn_actions_set(&fa, pp)) == 0)
        err = posix_spawn(&pid, pp->pp_path, &fa, &at, argv, pp->pp_env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return err != 0 ? (errno = err, -1) : pid;
}

int
spawn_start(spawn_t *sp, char *const argv[], const spawn_opts_t *opts)
{
    static const spawn_opts_t defaults;
    const spawn_opts_t *o = opts != NULL ? opts : &defaults;
    spawn_prep_t pp;

    memset(sp, 0, sizeof(*sp));
    sp->sp_out = sp->sp_err = -1;
    /* A parent that inherited SIGCHLD ignored would have its children reaped
     * by the kernel and could never wait for them: children must be waitable. */
    struct sigaction chld;
    if (sigaction(SIGCHLD, NULL, &chld) == 0 &&
        (chld.sa_handler == SIG_IGN || (chld.sa_flags & SA_NOCLDWAIT))) {
        if (chld.sa_handler == SIG_IGN)
            chld.sa_handler = SIG_DFL;
        chld.sa_flags &= ~SA_NOCLDWAIT;
        sigaction(SIGCHLD, &chld, NULL);
    }
    if (spawn_prepare(&pp, argv, o) != 0) {
        spawn_prep_release(&pp, 0);
        return -1;
    }
    /* prctl(PR_SET_PDEATHSIG) must run in the child: only a fork()ed one can */
    pid_t pid = o->so_deathsig > 0 ? spawn_fork(&pp, argv, o) : spawn_posix(&pp, argv, o);
    spawn_prep_release(&pp, pid > 0);
    if (pid < 0)
        return -1;
    sp->sp_pid = pid;
    sp->sp_out = pp.pp_pipe[1];
    sp->sp_err = pp.pp_pipe[2];
    return 0;
}

/* ---- signalling, reaping, stopping ------------------------------------ */

int
spawn_signal(const spawn_t *sp, int sig)
{
    if (sp->sp_pid <= 0)
        return errno = ESRCH, -1;
    return kill(-sp->sp_pid, sig);
}

/* The leader has exited: clear out its group, then reap it. */
static int
spawn_reap_exited(spawn_t *sp)
{
    int status;
    kill(-sp->sp_pid, SIGKILL);
    while (waitpid(sp->sp_pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    sp->sp_pid = 0;
    sp->sp_status = status;
    return 1;
}

/* Whether the leader has exited (not reaped: WNOWAIT); flags adds WNOHANG. */
static int
spawn_exited(spawn_t *sp, int flags)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    for (;;) {
        if (waitid(P_PID, (id_t)sp->sp_pid, &si, WEXITED | WNOWAIT | flags) == 0)
            return si.si_pid == sp->sp_pid;
        if (errno == EINTR && !(flags & WNOHANG))
            continue;
        if (errno == EINTR)
            return 0;
        if (errno == ECHILD) {
            sp->sp_pid = 0;
            sp->sp_status = -1;
        }
        return -1;
    }
}

int
spawn_reap(spawn_t *sp)
{
    if (sp->sp_pid <= 0)
        return 1;
    int r = spawn_exited(sp, WNOHANG);
    return r > 0 ? spawn_reap_exited(sp) : r;
}

/* Reaps sp or waits for its exit until t: 1 reaped, 0 still running at t, -1 error. */
static int
spawn_wait_until(spawn_t *sp, const realtimer_t *t)
{
    long nap = 1;
    int r;

    while ((r = spawn_reap(sp)) == 0) {
        if (realtimer_expired(t))
            return 0;
        spawn_nap_ms(realtimer_poll_ms(t, (int)nap));
        if (nap < 20)
            nap *= 2; /* quick for a quick exit, cheap for a slow one */
    }
    return r;
}

int
spawn_wait(spawn_t *sp, int timeout_ms)
{
    realtimer_t t;
    int r;

    if (sp->sp_pid <= 0)
        return 1;
    if (timeout_ms < 0) {
        r = spawn_exited(sp, 0);
        return r > 0 ? spawn_reap_exited(sp) : r;
    }
    realtimer_start(&t, timeout_ms); /* real time, also under a frozen clock */
    r = spawn_wait_until(sp, &t);
    realtimer_stop(&t);
    return r;
}

void
spawn_close(spawn_t *sp)
{
    if (sp->sp_out >= 0)
        close(sp->sp_out);
    if (sp->sp_err >= 0)
        close(sp->sp_err);
    sp->sp_out = sp->sp_err = -1;
}

int
spawn_stop(spawn_t *sp, int grace_ms)
{
    int r;
    if (sp->sp_pid <= 0)
        return errno = ESRCH, -1;
    spawn_close(sp);
    spawn_signal(sp, SIGTERM);
    r = spawn_wait(sp, grace_ms < 0 ? 0 : grace_ms);
    if (r == 0) {
        spawn_signal(sp, SIGKILL);
        r = spawn_wait(sp, -1);
    }
    return r < 0 ? -1 : sp->sp_status;
}

/* ---- collecting output ------------------------------------------------ */

void
spawn_capture_release(spawn_capture_t *c)
{
    free(c->sc_buf);
    c->sc_buf = NULL;
    c->sc_len = c->sc_cap = 0;
    c->sc_truncated = 0;
}

/* Appends n bytes, keeping at most sc_max; 0 or -1 (ENOMEM). */
static int
spawn_capture_add(spawn_capture_t *c, const char *data, size_t n)
{
    if (c->sc_max > 0 && c->sc_len + n > c->sc_max) {
        c->sc_truncated = 1;
        n = c->sc_max - c->sc_len;
    }
    size_t cap = c->sc_buf != NULL ? c->sc_cap : 0;
    if (cap < c->sc_len + n + 1) {
        cap = cap ? cap : 4096;
        while (cap < c->sc_len + n + 1)
            cap *= 2;
        char *p = realloc(c->sc_buf, cap);
        if (p == NULL)
            return errno = ENOMEM, -1;
        c->sc_buf = p;
        c->sc_cap = cap;
    }
    memcpy(c->sc_buf + c->sc_len, data, n);
    c->sc_len += n;
    c->sc_buf[c->sc_len] = '\0';
    return 0;
}

/* Reads what is there on *fd into c (NULL: dropped), at most 16 reads of
 * 16 KiB, so that a child writing without pause cannot hold the caller past
 * its deadline; closes *fd at end of file. 0, or -1 (ENOMEM). */
static int
spawn_drain_fd(int *fd, spawn_capture_t *c)
{
    char chunk[16384];
    for (int reads = 0; reads < 16; reads++) {
        ssize_t n = read(*fd, chunk, sizeof(chunk));
        if (n > 0) {
            if (c != NULL && spawn_capture_add(c, chunk, (size_t)n) != 0)
                return -1;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        close(*fd); /* end of file, or an error no retry will mend */
        *fd = -1;
        return 0;
    }
    return 0; /* more to read: after the next poll, deadline checked */
}

/* spawn_collect() until t (its timer polled with the pipes). */
static int
spawn_collect_until(spawn_t *sp, spawn_capture_t *out, spawn_capture_t *err, const realtimer_t *t)
{
    int *fds[2] = {&sp->sp_out, &sp->sp_err};
    spawn_capture_t *caps[2] = {out, err};

    while (sp->sp_out >= 0 || sp->sp_err >= 0) {
        struct pollfd pfd[3] = {
            {sp->sp_out, POLLIN, 0}, {sp->sp_err, POLLIN, 0}, {realtimer_fd(t), POLLIN, 0}};
        if (realtimer_expired(t))
            return errno = ETIMEDOUT, -1;
        int n = poll(pfd, 3, realtimer_poll_ms(t, 60000));
        if (n < 0 && errno != EINTR)
            return -1;
        for (int i = 0; n > 0 && i < 2; i++)
            if (pfd[i].revents != 0 && spawn_drain_fd(fds[i], caps[i]) != 0)
                return -1;
    }
    return 0;
}

int
spawn_collect(spawn_t *sp, spawn_capture_t *out, spawn_capture_t *err, int timeout_ms)
{
    realtimer_t t;
    realtimer_start(&t, timeout_ms);
    int rc = spawn_collect_until(sp, out, err, &t);
    int e = errno;
    realtimer_stop(&t);
    errno = e;
    return rc;
}

int
spawn_run(char *const argv[], const spawn_opts_t *opts, int timeout_ms, spawn_capture_t *out,
          spawn_capture_t *err, int *status)
{
    realtimer_t t;
    spawn_t sp;
    int rc, e;

    *status = 0;
    if (spawn_start(&sp, argv, opts) != 0)
        return -1;
    realtimer_start(&t, timeout_ms); /* the whole run, in real time */
    rc = spawn_collect_until(&sp, out, err, &t);
    if (rc == 0) {
        int r = timeout_ms < 0 ? spawn_wait(&sp, -1) : spawn_wait_until(&sp, &t);
        if (r == 0)
            errno = ETIMEDOUT; /* closed its output, still running at the deadline */
        rc = r > 0 ? 0 : -1;
    }
    e = errno;
    realtimer_stop(&t);
    if (sp.sp_pid > 0) {
        spawn_signal(&sp, SIGKILL);
        spawn_wait(&sp, -1);
    }
    spawn_close(&sp);
    *status = sp.sp_status;
    errno = e;
    return rc;
}
