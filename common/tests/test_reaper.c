/* CUnit: reaper.h with real processes. The test process is a child
 * subreaper, as cmon-agent and cmon-telemetry are: what its children leave
 * behind comes back to it, and a sweep must kill and reap exactly the
 * orphans (another session, or the group of a dead leader), never a child
 * it started itself (a group of its own), and reap orphans that already
 * died. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmon_spawn.h"
#include "cunit_main.h"
#include "reaper.h"

/*
 * A script whose output is the pid of a shell in a session of its own
 * (setsid) that first runs pre, then prints it, then runs cmd with its
 * output elsewhere. The pid is printed from inside that session, so when
 * run_printing_pid() kills the script's group at the end of its output,
 * the daemon has left that group already (and what pre started exists).
 */
#define SETSID_PRINTING_PID(pre, cmd) "setsid sh -c '" pre " echo $$; exec >/dev/null; " cmd "' &"

/* Runs sh -c script to its end (its group killed at its exit, as cmon_spawn
 * does) and returns the pid it printed first, or -1. */
static pid_t
run_printing_pid(const char *script)
{
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_PIPE}};
    spawn_capture_t out = {0};
    int st;
    pid_t pid = -1;
    if (spawn_run(argv, &o, 10000, &out, NULL, &st) == 0 && out.sc_buf != NULL)
        pid = (pid_t)atoi(out.sc_buf);
    spawn_capture_release(&out);
    return pid > 0 ? pid : -1;
}

/* Waits up to 10 s for pid to lead a session of its own; 1 once it does. */
static int
session_leader(pid_t pid)
{
    for (int i = 0; i < 1000; i++) {
        if (getsid(pid) == pid)
            return 1;
        usleep(10000);
    }
    return 0;
}

/* Whether pid is gone for good: neither running nor a zombie of ours. */
static int
gone(pid_t pid)
{
    return kill(pid, 0) != 0 && errno == ESRCH;
}

/* Nothing left: no child of ours at all, zombie or running. */
static int
no_child_left(void)
{
    return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

/* A daemon in a session of its own (setsid) is an orphan once its parent
 * has exited: killed and reaped. */
static void
test_other_session(void)
{
    pid_t orphan = run_printing_pid(SETSID_PRINTING_PID("", "exec sleep 1000"));
    CU_ASSERT_FATAL(orphan > 0);
    CU_ASSERT(session_leader(orphan)); /* not in the dead leader's group any more */
    CU_ASSERT_EQUAL(reaper_sweep(REAPER_ORPHANS), 1);
    CU_ASSERT(gone(orphan));
    CU_ASSERT(no_child_left());
}

/* A child left in the group of a leader that exited (nobody killed the
 * group here) is an orphan too. */
static void
test_dead_leaders_group(void)
{
    char *argv[] = {"sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo $!", NULL};
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_PIPE}};
    spawn_t sp;
    spawn_capture_t out = {0};
    CU_ASSERT_EQUAL_FATAL(spawn_start(&sp, argv, &o), 0);
    spawn_collect(&sp, &out, NULL, 10000);
    pid_t orphan = out.sc_buf != NULL ? (pid_t)atoi(out.sc_buf) : -1;
    spawn_capture_release(&out);
    spawn_close(&sp);
    CU_ASSERT_EQUAL(waitpid(sp.sp_pid, NULL, 0), sp.sp_pid); /* the leader, group left alone */
    CU_ASSERT_FATAL(orphan > 0);
    CU_ASSERT_EQUAL(getpgid(orphan), sp.sp_pid);
    CU_ASSERT_EQUAL(reaper_sweep(REAPER_ORPHANS), 1);
    CU_ASSERT(gone(orphan));
    CU_ASSERT(no_child_left());
}

/* An orphan that died on its own is only reaped. */
static void
test_dead_orphan_reaped(void)
{
    pid_t orphan = run_printing_pid(SETSID_PRINTING_PID("", "exec sleep 0.2"));
    CU_ASSERT_FATAL(orphan > 0);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CU_ASSERT_EQUAL(waitid(P_PID, (id_t)orphan, &si, WEXITED | WNOWAIT), 0); /* a zombie now */
    CU_ASSERT_EQUAL(reaper_sweep(REAPER_ORPHANS), 1);
    CU_ASSERT(gone(orphan));
    CU_ASSERT(no_child_left());
}

/* What a killed orphan leaves (its own child, in its group) is the next
 * pass's: one sweep takes both. */
static void
test_orphans_of_an_orphan(void)
{
    pid_t orphan = run_printing_pid(SETSID_PRINTING_PID("sleep 1000 >/dev/null 2>&1 &", "wait"));
    CU_ASSERT_FATAL(orphan > 0);
    CU_ASSERT(session_leader(orphan));
    CU_ASSERT_EQUAL(reaper_sweep(REAPER_ORPHANS), 2);
    CU_ASSERT(gone(orphan));
    CU_ASSERT(no_child_left());
}

/* Our own children (a group of their own in our session) are left running
 * by REAPER_ORPHANS, and killed and reaped by REAPER_ALL. */
static void
test_own_children_kept(void)
{
    char *argv[] = {"sleep", "1000", NULL};
    spawn_t a, b;
    CU_ASSERT_EQUAL_FATAL(spawn_start(&a, argv, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(spawn_start(&b, argv, NULL), 0);
    CU_ASSERT_EQUAL(reaper_sweep(REAPER_ORPHANS), 0);
    CU_ASSERT_EQUAL(kill(a.sp_pid, 0), 0);
    CU_ASSERT_EQUAL(kill(b.sp_pid, 0), 0);
    CU_ASSERT_EQUAL(waitpid(-1, NULL, WNOHANG), 0); /* both still running */
    CU_ASSERT_EQUAL(reaper_sweep(REAPER_ALL), 2);
    CU_ASSERT(gone(a.sp_pid));
    CU_ASSERT(gone(b.sp_pid));
    CU_ASSERT(no_child_left());
}

static const CU_TestInfo tests[] = {
    {"other session", test_other_session},
    {"dead leader's group", test_dead_leaders_group},
    {"dead orphan reaped", test_dead_orphan_reaped},
    {"orphans of an orphan", test_orphans_of_an_orphan},
    {"own children kept", test_own_children_kept},
    CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
    if (reaper_become() != 0)
        return 1;
    return cunit_main(argc, argv, "reaper", tests);
}
