/* CUnit: cmon_spawn.h with real processes (/bin/sh, sleep): errors of a
 * program that cannot run, output capture, the stop's escalation to SIGKILL
 * within its deadline, the group's stragglers, reaping without blocking.
 * The test process is a child subreaper, so the grandchildren it makes come
 * back to it and their end can be checked with waitpid(). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmon_spawn.h"
#include "cunit_main.h"
#include "monotime.h"

/* Starts sh -c script with stdout on a pipe. */
static int
start_sh(spawn_t *sp, const char *script)
{
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_PIPE}};
    return spawn_start(sp, argv, &o);
}

/* The first line sp printed (a pid, "ready"...), within 10 s; "" if none. */
static void
first_line(spawn_t *sp, char *line, size_t len)
{
    spawn_capture_t c = {.sc_max = 0};
    long long end = cmon_monotime_ms() + 10000;
    line[0] = '\0';
    while (cmon_monotime_ms() < end && (c.sc_buf == NULL || strchr(c.sc_buf, '\n') == NULL))
        if (spawn_collect(sp, &c, NULL, 50) == 0)
            break; /* end of file */
    if (c.sc_buf != NULL)
        snprintf(line, len, "%.*s", (int)strcspn(c.sc_buf, "\n"), c.sc_buf);
    spawn_capture_release(&c);
}

/* Waits (as the subreaper) for an orphaned grandchild; its wait status, or -1. */
static int
reap_orphan(pid_t pid, int timeout_ms)
{
    long long end = cmon_monotime_ms() + timeout_ms;
    int st;
    while (cmon_monotime_ms() < end) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return st;
        if (r < 0)
            return -1;
        usleep(10000);
    }
    return -1;
}

/* ---- cannot run ------------------------------------------------------ */

static void
test_missing_program(void)
{
    spawn_t sp;
    char *abs[] = {"/nonexistent/cmon-no-such-program", NULL};
    char *rel[] = {"cmon-no-such-program-anywhere", NULL};
    char *sh[] = {"sh", "-c", "true", NULL};
    char dir[] = "/tmp/cmon-spawn-test-XXXXXX", file[64];

    CU_ASSERT_EQUAL(spawn_start(&sp, abs, NULL), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(sp.sp_pid, 0);
    CU_ASSERT_EQUAL(spawn_start(&sp, rel, NULL), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);

    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(file, sizeof(file), "%s/not-executable", dir);
    int fd = open(file, O_WRONLY | O_CREAT, 0644);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, "#!/bin/sh\n", 10), 10);
    close(fd);
    char *noexec[] = {file, NULL};
    CU_ASSERT_EQUAL(spawn_start(&sp, noexec, NULL), -1);
    CU_ASSERT_EQUAL(errno, EACCES);
    unlink(file);

    /* an output file that cannot be opened is the start's error too */
    snprintf(file, sizeof(file), "%s/no-such-dir/log", dir);
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_FILE, .sio_path = file}};
    CU_ASSERT_EQUAL(spawn_start(&sp, sh, &o), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    spawn_opts_t bad = {.so_stdin = {.sio_kind = SPAWN_IO_PIPE}};
    CU_ASSERT_EQUAL(spawn_start(&sp, sh, &bad), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    rmdir(dir);

    /* no child was left behind by any of these */
    CU_ASSERT_EQUAL(waitpid(-1, NULL, WNOHANG), -1);
    CU_ASSERT_EQUAL(errno, ECHILD);
}

/* ---- capture ----------------------------------------------------------- */

static void
test_capture(void)
{
    char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_PIPE},
                      .so_stderr = {.sio_kind = SPAWN_IO_PIPE}};
    spawn_capture_t out = {0}, err = {0};
    int st;

    CU_ASSERT_EQUAL_FATAL(spawn_run(argv, &o, 10000, &out, &err, &st), 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    CU_ASSERT_EQUAL(spawn_exit_code(st), 3);
    CU_ASSERT_STRING_EQUAL(out.sc_buf, "out\n");
    CU_ASSERT_STRING_EQUAL(err.sc_buf, "err\n");
    spawn_capture_release(&out);
    spawn_capture_release(&err);

    /* stderr where stdout goes: one pipe, both streams */
    o.so_stderr.sio_kind = SPAWN_IO_STDOUT;
    CU_ASSERT_EQUAL_FATAL(spawn_run(argv, &o, 10000, &out, NULL, &st), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out.sc_buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(out.sc_buf, "out\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out.sc_buf, "err\n"));
    spawn_capture_release(&out);

    /* the cap keeps the first sc_max bytes and drains the rest */
    char *flood[] = {"sh", "-c", "yes | head -c 200000", NULL};
    out.sc_max = 10;
    CU_ASSERT_EQUAL_FATAL(spawn_run(flood, &o, 10000, &out, NULL, &st), 0);
    CU_ASSERT_EQUAL(out.sc_len, 10);
    CU_ASSERT_TRUE(out.sc_truncated);
    CU_ASSERT_STRING_EQUAL(out.sc_buf, "y\ny\ny\ny\ny\n");
    CU_ASSERT_EQUAL(spawn_exit_code(st), 0);
    spawn_capture_release(&out);
}

static void
test_environment_and_files(void)
{
    char *argv[] = {"sh", "-c", "echo \"$CMON_T_SET:${HOME-unset}:${CMON_TP_A-x}${CMON_TP_B-y}\"",
                    NULL};
    char *env[] = {"CMON_T_SET=one", "HOME", "CMON_TP*", NULL};
    char path[] = "/tmp/cmon-spawn-out-XXXXXX";
    int fd = mkstemp(path), st;
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    setenv("HOME", "/root-or-not", 1);
    setenv("CMON_TP_A", "a", 1);
    setenv("CMON_TP_B", "b", 1);
    spawn_opts_t o = {.so_env = env,
                      .so_stdout = {.sio_kind = SPAWN_IO_FILE, .sio_path = path},
                      .so_stderr = {.sio_kind = SPAWN_IO_NULL}};
    CU_ASSERT_EQUAL_FATAL(spawn_run(argv, &o, 10000, NULL, NULL, &st), 0);
    CU_ASSERT_EQUAL(spawn_exit_code(st), 0);
    char got[128] = "";
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(fgets(got, sizeof(got), f));
    fclose(f);
    CU_ASSERT_STRING_EQUAL(got, "one:unset:xy\n");
    /* ours is untouched */
    CU_ASSERT_STRING_EQUAL(getenv("CMON_TP_A"), "a");
    unlink(path);
}

/* ---- stopping ---------------------------------------------------------- */

/* A child that ignores SIGTERM: stop kills it within the grace period plus
 * what SIGKILL takes, and its status says SIGKILL. */
static void
test_stop_escalates(void)
{
    spawn_t sp;
    char line[64];
    CU_ASSERT_EQUAL_FATAL(start_sh(&sp, "trap '' TERM; echo ready; while :; do sleep 1; done"), 0);
    first_line(&sp, line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "ready");
    long long t0 = cmon_monotime_ms();
    int st = spawn_stop(&sp, 300);
    long long took = cmon_monotime_ms() - t0;
    CU_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    CU_ASSERT(took >= 290);
    CU_ASSERT(took < 300 + 2000);
    CU_ASSERT_EQUAL(sp.sp_pid, 0);
    CU_ASSERT_EQUAL(sp.sp_out, -1);
    CU_ASSERT_EQUAL(spawn_stop(&sp, 300), -1);
    CU_ASSERT_EQUAL(errno, ESRCH);
}

/* The child gets default signal actions even where we ignore SIGTERM. */
static void
test_stop_graceful(void)
{
    spawn_t sp;
    char *argv[] = {"sleep", "30", NULL};
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGTERM, &ign, &old);
    CU_ASSERT_EQUAL_FATAL(spawn_start(&sp, argv, NULL), 0);
    sigaction(SIGTERM, &old, NULL);
    long long t0 = cmon_monotime_ms();
    int st = spawn_stop(&sp, 10000);
    CU_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    CU_ASSERT(cmon_monotime_ms() - t0 < 5000);
}

/* A grandchild that ignores SIGTERM dies with the group; so does one left
 * behind by a leader that exits by itself. */
static void
test_group_killed(void)
{
    spawn_t sp;
    char line[64];
    CU_ASSERT_EQUAL_FATAL(
        start_sh(&sp, "(trap '' TERM; exec sleep 60) & echo $!; while :; do sleep 1; done"), 0);
    first_line(&sp, line, sizeof(line));
    pid_t g = (pid_t)atoi(line);
    CU_ASSERT_FATAL(g > 0);
    int st = spawn_stop(&sp, 5000);
    CU_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    st = reap_orphan(g, 5000);
    CU_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

    CU_ASSERT_EQUAL_FATAL(start_sh(&sp, "sleep 60 & echo $!"), 0);
    first_line(&sp, line, sizeof(line));
    g = (pid_t)atoi(line);
    CU_ASSERT_FATAL(g > 0);
    CU_ASSERT_EQUAL(spawn_wait(&sp, 10000), 1);
    CU_ASSERT(WIFEXITED(sp.sp_status) && WEXITSTATUS(sp.sp_status) == 0);
    st = reap_orphan(g, 5000);
    CU_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    spawn_close(&sp);
}

/* ---- reaping ----------------------------------------------------------- */

static void
test_reap(void)
{
    spawn_t sp;
    char *slp[] = {"sleep", "0.3", NULL};
    CU_ASSERT_EQUAL_FATAL(spawn_start(&sp, slp, NULL), 0);
    long long t0 = cmon_monotime_ms();
    CU_ASSERT_EQUAL(spawn_reap(&sp), 0);
    CU_ASSERT_EQUAL(spawn_wait(&sp, 0), 0);
    CU_ASSERT(cmon_monotime_ms() - t0 < 200);
    CU_ASSERT_EQUAL(spawn_signal(&sp, 0), 0);
    CU_ASSERT_EQUAL(spawn_wait(&sp, 10000), 1);
    CU_ASSERT(WIFEXITED(sp.sp_status) && WEXITSTATUS(sp.sp_status) == 0);
    CU_ASSERT_EQUAL(sp.sp_pid, 0);
    CU_ASSERT_EQUAL(spawn_reap(&sp), 1);
    CU_ASSERT_EQUAL(spawn_signal(&sp, 0), -1);
    CU_ASSERT_EQUAL(errno, ESRCH);

    /* nothing started yet: stop and reap touch nothing (stdin stays open) */
    spawn_t none = SPAWN_INIT;
    CU_ASSERT_EQUAL(spawn_stop(&none, 100), -1);
    CU_ASSERT_EQUAL(errno, ESRCH);
    CU_ASSERT_EQUAL(spawn_reap(&none), 1);
    spawn_close(&none);
    CU_ASSERT(fcntl(0, F_GETFD) >= 0 || errno != EBADF);

    /* reaped behind our back: reported, not waited for forever */
    char *tru[] = {"true", NULL};
    CU_ASSERT_EQUAL_FATAL(spawn_start(&sp, tru, NULL), 0);
    CU_ASSERT_EQUAL(waitpid(sp.sp_pid, NULL, 0), sp.sp_pid);
    CU_ASSERT_EQUAL(spawn_reap(&sp), -1);
    CU_ASSERT_EQUAL(errno, ECHILD);
    CU_ASSERT_EQUAL(sp.sp_pid, 0);
}

/* spawn_run at its deadline: killed, ETIMEDOUT, what came so far kept. */
static void
test_run_timeout(void)
{
    char *argv[] = {"sh", "-c", "echo early; exec sleep 30", NULL};
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_PIPE}};
    spawn_capture_t out = {0};
    int st;
    long long t0 = cmon_monotime_ms();
    CU_ASSERT_EQUAL(spawn_run(argv, &o, 300, &out, NULL, &st), -1);
    CU_ASSERT_EQUAL(errno, ETIMEDOUT);
    CU_ASSERT(cmon_monotime_ms() - t0 < 300 + 2000);
    CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    CU_ASSERT_EQUAL(spawn_exit_code(st), 128 + SIGKILL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out.sc_buf);
    CU_ASSERT_STRING_EQUAL(out.sc_buf, "early\n");
    spawn_capture_release(&out);

    /* output closed but still running: the deadline holds too */
    char *quiet[] = {"sh", "-c", "exec sleep 30 >/dev/null", NULL};
    t0 = cmon_monotime_ms();
    CU_ASSERT_EQUAL(spawn_run(quiet, &o, 300, NULL, NULL, &st), -1);
    CU_ASSERT_EQUAL(errno, ETIMEDOUT);
    CU_ASSERT(cmon_monotime_ms() - t0 < 300 + 2000);
}

/* A child that writes without pause cannot hold spawn_run past its deadline. */
static void
test_run_timeout_flood(void)
{
    char *argv[] = {"sh", "-c", "exec yes flood", NULL};
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_PIPE}};
    spawn_capture_t out = {.sc_max = 4096};
    int st;
    long long t0 = cmon_monotime_ms();
    CU_ASSERT_EQUAL(spawn_run(argv, &o, 300, &out, NULL, &st), -1);
    CU_ASSERT_EQUAL(errno, ETIMEDOUT);
    CU_ASSERT(cmon_monotime_ms() - t0 < 300 + 2000);
    CU_ASSERT(out.sc_len <= 4096);
    spawn_capture_release(&out);
}

/* Inherited SIGCHLD ignored: children are still waited for, with their status. */
static void
test_sigchld_ignored(void)
{
    struct sigaction ign = {.sa_handler = SIG_IGN}, was;
    sigemptyset(&ign.sa_mask);
    CU_ASSERT_EQUAL_FATAL(sigaction(SIGCHLD, &ign, &was), 0);
    char *argv[] = {"sh", "-c", "exit 3", NULL};
    int st = -1;
    CU_ASSERT_EQUAL(spawn_run(argv, NULL, 10000, NULL, NULL, &st), 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    sigaction(SIGCHLD, &was, NULL);
}

/* With stdout and stderr closed in the parent, an exec failure is still an error of
 * spawn_start(), not a child that exits 127 (the report pipe is kept above
 * the stdio descriptors). */
static void
test_exec_error_stdio_closed(void)
{
    char path[] = "/tmp/cmon-test-noexec-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, "\x01\x02\x03\x04", 4), 4); /* no #!, not ELF: ENOEXEC */
    fchmod(fd, 0755);
    close(fd);
    fflush(stdout);
    int saved = dup(1), saved_err = dup(2);
    close(1);
    close(2); /* a pipe opened now would be fds 1 and 2 */
    char *argv[] = {path, NULL};
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_NULL}, /* the child dup2()s onto 1, 2 */
                      .so_stderr = {.sio_kind = SPAWN_IO_NULL}};
    spawn_t sp;
    int rc = spawn_start(&sp, argv, &o);
    int err = errno;
    dup2(saved, 1);
    dup2(saved_err, 2);
    close(saved);
    close(saved_err);
    unlink(path);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(err, ENOEXEC);
}

/* ---- the child's set-up, by either way of starting it ------------------ */

/* Bits of signals 32 and 33 in a /proc/PID/status mask (bit n-1: signal n). */
#define GLIBC_INTERNAL_SIGNALS (3ULL << 31)

/* The hexadecimal mask on the line "name:\t..." of /proc/PID/status text. */
static unsigned long long
status_mask(const char *status, const char *name)
{
    const char *at = strstr(status, name);
    return at != NULL ? strtoull(at + strlen(name), NULL, 16) : ~0ULL;
}

/* The child's own view of its signals (cat reads its /proc/self/status):
 * nothing ignored, nothing blocked, whatever the parent ignores and blocks;
 * but glibc's own two (32 and 33, which no glibc program can use), which
 * its posix_spawn leaves ignored (cmon_spawn.h). */
static void
check_child_signals(int deathsig)
{
    struct sigaction ign = {.sa_handler = SIG_IGN}, was_int, was_quit;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &was_int);
    sigaction(SIGQUIT, &ign, &was_quit);
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    char *argv[] = {"cat", "/proc/self/status", NULL};
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_PIPE}, .so_deathsig = deathsig};
    spawn_capture_t out = {0};
    int st = -1;
    CU_ASSERT_EQUAL_FATAL(spawn_run(argv, &o, 10000, &out, NULL, &st), 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigaction(SIGINT, &was_int, NULL);
    sigaction(SIGQUIT, &was_quit, NULL);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out.sc_buf);
    CU_ASSERT_EQUAL(status_mask(out.sc_buf, "\nSigIgn:") & ~GLIBC_INTERNAL_SIGNALS, 0);
    CU_ASSERT_EQUAL(status_mask(out.sc_buf, "\nSigBlk:"), 0);
    spawn_capture_release(&out);
}

static void
test_signals_default(void)
{
    check_child_signals(0);       /* posix_spawn */
    check_child_signals(SIGKILL); /* fork, for the death signal */
}

/* The child leads a process group of its own in our session, or with
 * SPAWN_NEW_SESSION a session of its own; by either way of starting it. */
static void
check_child_group(unsigned flags, int deathsig)
{
    char *argv[] = {"sleep", "30", NULL};
    spawn_opts_t o = {.so_flags = flags, .so_deathsig = deathsig};
    spawn_t sp;
    CU_ASSERT_EQUAL_FATAL(spawn_start(&sp, argv, &o), 0);
    CU_ASSERT_EQUAL(getpgid(sp.sp_pid), sp.sp_pid);
    CU_ASSERT_EQUAL(getsid(sp.sp_pid), (flags & SPAWN_NEW_SESSION) ? sp.sp_pid : getsid(0));
    CU_ASSERT(spawn_stop(&sp, 0) >= 0);
}

static void
test_group_and_session(void)
{
    check_child_group(0, 0);
    check_child_group(SPAWN_NEW_SESSION, 0);
    check_child_group(0, SIGKILL);
    check_child_group(SPAWN_NEW_SESSION, SIGKILL);
}

/* Starts sleep with a death signal from a thread of its own, which then ends. */
static void *
start_and_end(void *arg)
{
    char *argv[] = {"sleep", "30", NULL};
    spawn_opts_t o = {.so_deathsig = SIGKILL};
    spawn_t *sp = arg;
    if (spawn_start(sp, argv, &o) != 0)
        sp->sp_pid = 0;
    return NULL;
}

/* so_deathsig: the child gets it when the thread that started it ends. */
static void
test_deathsig(void)
{
    spawn_t sp = SPAWN_INIT;
    pthread_t t;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, start_and_end, &sp), 0);
    pthread_join(t, NULL);
    CU_ASSERT_FATAL(sp.sp_pid > 0);
    int st = reap_orphan(sp.sp_pid, 10000); /* its status, or -1 after 10 s */
    CU_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    if (st == -1) {
        kill(sp.sp_pid, SIGKILL);
        waitpid(sp.sp_pid, NULL, 0);
    }
}
static const CU_TestInfo tests[] = {
    {"missing program", test_missing_program},
    {"capture", test_capture},
    {"environment and files", test_environment_and_files},
    {"stop escalates to SIGKILL", test_stop_escalates},
    {"stop graceful", test_stop_graceful},
    {"group killed", test_group_killed},
    {"reap", test_reap},
    {"run timeout", test_run_timeout},
    {"run timeout, output without pause", test_run_timeout_flood},
    {"SIGCHLD ignored", test_sigchld_ignored},
    {"exec error with stdout and stderr closed", test_exec_error_stdio_closed},
    {"signals at their default", test_signals_default},
    {"group and session", test_group_and_session},
    {"death signal", test_deathsig},
    CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
    /* orphaned grandchildren come back to us (test_group_killed) */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        return 1;
    return cunit_main(argc, argv, "spawn", tests);
}
