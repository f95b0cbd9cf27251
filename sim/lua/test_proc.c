/*
 * test_proc.c - CUnit tests of proc.c: the children's environment (what is
 * dropped, set, unset), spawning with output files, waiting with a
 * deadline, and stopping (SIGTERM, then SIGKILL of the group). Real
 * processes: /bin/sh stands in for the programs of the build.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "proc.h"

static char test_dir[64];

static int
test_has(char **env, const char *entry)
{
    for (size_t i = 0; env[i] != NULL; i++)
        if (strcmp(env[i], entry) == 0)
            return 1;
    return 0;
}

static int
test_has_name(char **env, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; env[i] != NULL; i++)
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
            return 1;
    return 0;
}

static void
test_env(void)
{
    setenv("LD_PRELOAD", "/nonexistent/lib.so", 1);
    setenv("FAKETIME_NO_CACHE", "1", 1);
    setenv("CMON_TEST_KEEP", "kept", 1);
    setenv("CMON_TEST_GONE", "x", 1);
    setenv("CMON_TEST_SET", "old", 1);
    char *set[] = {"CMON_TEST_SET=new", "CMON_TEST_NEW=1", NULL};
    char *unset[] = {"CMON_TEST_GONE", NULL};
    char **env = scn_proc_env(set, unset);
    CU_ASSERT_PTR_NOT_NULL_FATAL(env);
    CU_ASSERT(!test_has_name(env, "LD_PRELOAD"));
    CU_ASSERT(!test_has_name(env, "FAKETIME_NO_CACHE"));
    CU_ASSERT(test_has(env, "CMON_TEST_KEEP=kept"));
    CU_ASSERT(!test_has_name(env, "CMON_TEST_GONE"));
    CU_ASSERT(test_has(env, "CMON_TEST_SET=new"));
    CU_ASSERT(!test_has(env, "CMON_TEST_SET=old"));
    CU_ASSERT(test_has(env, "CMON_TEST_NEW=1"));
    free(env);
    env = scn_proc_env(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(env);
    CU_ASSERT(test_has(env, "CMON_TEST_GONE=x"));
    free(env);
    unsetenv("LD_PRELOAD");
    unsetenv("FAKETIME_NO_CACHE");
}

static char *
test_slurp(const char *path)
{
    static char buf[4096];
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return buf;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static pid_t
test_sh(const char *script, const char *out, const char *err)
{
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    char *set[] = {"CMON_TEST_VALUE=forty-two", NULL};
    char **env = scn_proc_env(set, NULL);
    pid_t pid = scn_proc_spawn("/bin/sh", argv, env, test_dir, out, err);
    free(env);
    return pid;
}

static void
test_spawn_wait(void)
{
    char out[128], err[128];
    snprintf(out, sizeof(out), "%s/out", test_dir);
    snprintf(err, sizeof(err), "%s/err", test_dir);
    pid_t pid = test_sh("echo $CMON_TEST_VALUE; echo oops $(pwd) >&2; read x; exit 3", out, err);
    CU_ASSERT_FATAL(pid > 0);
    int st = 0;
    CU_ASSERT_EQUAL(scn_proc_wait(pid, 60, &st), 1); /* stdin is /dev/null: read ends */
    CU_ASSERT_EQUAL(scn_proc_code(st), 3);
    CU_ASSERT_STRING_EQUAL(test_slurp(out), "forty-two\n");
    char want[160];
    snprintf(want, sizeof(want), "oops %s\n", test_dir); /* in its directory */
    CU_ASSERT_STRING_EQUAL(test_slurp(err), want);
    CU_ASSERT_EQUAL(scn_proc_wait(pid, 0, &st), -1); /* reaped: no longer ours */
    unlink(out);
    unlink(err);
}

/* 1 if pid is gone or a zombie (killed, waiting for whoever reaps orphans). */
static int
test_dead(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

static void
test_stop(void)
{
    char out[128];
    snprintf(out, sizeof(out), "%s/log", test_dir);
    /* Leaves SIGTERM to its child; the child ignores it: only SIGKILL of the group ends it. */
    pid_t pid = test_sh("trap '' TERM; sleep 600 & echo $!; wait", out, NULL);
    CU_ASSERT_FATAL(pid > 0);
    int st = 0;
    CU_ASSERT_EQUAL(scn_proc_wait(pid, 0.2, &st), 0); /* still running at the deadline */
    for (int i = 0; i < 6000 && strchr(test_slurp(out), '\n') == NULL; i++)
        usleep(10000);
    pid_t child = (pid_t)atoi(test_slurp(out));
    CU_ASSERT(child > 0);
    CU_ASSERT_EQUAL(scn_proc_stop(pid, 0.5, &st), 128 + SIGKILL);
    CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    int gone = 0; /* the child was in the group: killed too (reaped by init) */
    for (int i = 0; i < 6000 && !gone; i++) {
        gone = child > 0 && test_dead(child);
        if (!gone)
            usleep(10000);
    }
    CU_ASSERT(gone);
    unlink(out);
}

static void
test_on_term(int sig)
{
    (void)sig; /* swallows it, as the engine's handler would in a child before exec */
}

static void
test_stop_at_once(void)
{
    char out[128];
    snprintf(out, sizeof(out), "%s/once", test_dir);
    struct sigaction sa = {.sa_handler = test_on_term}, old;
    sigaction(SIGTERM, &sa, &old);
    pid_t pid = test_sh("sleep 600", out, NULL);
    CU_ASSERT_FATAL(pid > 0);
    int st = 0; /* SIGTERM at once: it must end the child, never be lost to our handler */
    CU_ASSERT_EQUAL(scn_proc_stop(pid, 120, &st), 128 + SIGTERM);
    sigaction(SIGTERM, &old, NULL);
    unlink(out);
}

static void
test_stop_clean(void)
{
    char out[128];
    snprintf(out, sizeof(out), "%s/clean", test_dir);
    pid_t pid = test_sh("trap 'exit 0' TERM; while :; do sleep 0.05; done", out, NULL);
    CU_ASSERT_FATAL(pid > 0);
    usleep(200000); /* let the shell set its trap; if not yet, SIGTERM kills: 143 */
    int code = scn_proc_stop(pid, 60, NULL);
    CU_ASSERT(code == 0 || code == 128 + SIGTERM);
    CU_ASSERT_EQUAL(scn_proc_stop(pid, 1, NULL), -1); /* reaped already */
    CU_ASSERT_EQUAL(scn_proc_code(0x100 * 7), 7);
    pid = test_sh("trap 'exit 0' TERM; sleep 600", out, NULL);
    CU_ASSERT_FATAL(pid > 0);
    int st = 0;
    CU_ASSERT_EQUAL(scn_proc_kill(pid, &st), 128 + SIGKILL); /* no SIGTERM first */
    CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    unlink(out);
}

static void
test_spawn_fails(void)
{
    char out[128];
    snprintf(out, sizeof(out), "%s/nox", test_dir);
    char *argv[] = {"nosuch", NULL};
    char *env[] = {NULL};
    pid_t pid = scn_proc_spawn("/nonexistent/nosuch", argv, env, NULL, out, NULL);
    CU_ASSERT_FATAL(pid > 0);
    int st = 0;
    CU_ASSERT_EQUAL(scn_proc_wait(pid, 60, &st), 1);
    CU_ASSERT_EQUAL(scn_proc_code(st), 127);
    CU_ASSERT(strstr(test_slurp(out), "cannot run /nonexistent/nosuch") != NULL);
    unlink(out);
}

int
main(void)
{
    snprintf(test_dir, sizeof(test_dir), "/tmp/cmon-test-proc-XXXXXX");
    if (mkdtemp(test_dir) == NULL || CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("proc", NULL, NULL);
    CU_add_test(s, "env: drops preload and faketime, sets, unsets", test_env);
    CU_add_test(s, "spawn: argv, env, stdout and stderr files, exit code", test_spawn_wait);
    CU_add_test(s, "stop: SIGKILL to the group after the grace", test_stop);
    CU_add_test(s, "stop: a clean exit on SIGTERM; kill: SIGKILL at once", test_stop_clean);
    CU_add_test(s, "stop: right after the spawn, SIGTERM is not lost", test_stop_at_once);
    CU_add_test(s, "spawn: a program that cannot run exits 127", test_spawn_fails);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    rmdir(test_dir);
    return failed ? 1 : 0;
}
