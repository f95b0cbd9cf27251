/*
 * test_serve.c - one `cmon-sim serve` per world, and what it leaves behind.
 *
 * A second serve on a live world exits 1 naming the first one's pid; a serve
 * stopping leaves alone a world another serve made at the same path since; a
 * stale world (its serve killed) is taken over, its old ZFS state with it;
 * after SIGTERM no file of the world is left, for one node and for --cns.
 */
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"
#include "world_zfs.h"

static char out[1 << 16], err[4096];

/* A unique world path under /dev/shm, nothing there. */
static void
world_name(char *path, size_t len, const char *what)
{
    snprintf(path, len, "/dev/shm/cmon-test-serve-%s-%ld", what, (long)getpid());
}

/* The files whose names start with prefix (the world and its side files). */
static int
files_of(const char *prefix, char *list, size_t len)
{
    char pattern[256];
    glob_t g;

    snprintf(pattern, sizeof(pattern), "%s*", prefix);
    list[0] = '\0';
    if (glob(pattern, 0, NULL, &g) != 0)
        return 0;
    for (size_t i = 0; i < g.gl_pathc; i++)
        snprintf(list + strlen(list), len - strlen(list), "%s ", g.gl_pathv[i]);
    int n = (int)g.gl_pathc;
    globfree(&g);
    return n;
}

/* Removes every file of the world (what a failed test may leave). */
static void
remove_all(const char *prefix)
{
    char pattern[256];
    glob_t g;

    snprintf(pattern, sizeof(pattern), "%s*", prefix);
    if (glob(pattern, 0, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++)
        unlink(g.gl_pathv[i]);
    globfree(&g);
}

/*
 * Starts `cmon-sim serve ARGS...` (NULL-ended) with stdout on a pipe;
 * returns its pid once it printed its first line (into line), or -1.
 */
static pid_t
serve_start(char *line, size_t len, const char *const *args)
{
    char *argv[32] = {(char *)test_bin("cmon-sim"), "serve"};
    int p[2], n = 2;
    pid_t pid;

    for (; args[n - 2] != NULL && n < 31; n++)
        argv[n] = (char *)args[n - 2];
    argv[n] = NULL;
    if (pipe(p) != 0)
        return -1;
    if ((pid = fork()) == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    line[0] = '\0';
    if (f == NULL || fgets(line, (int)len, f) == NULL) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        pid = -1;
    }
    if (f != NULL)
        fclose(f); /* serve prints nothing more on stdout */
    return pid;
}

#define SERVE(line, ...) serve_start(line, sizeof(line), (const char *const[]){__VA_ARGS__, NULL})

/* Sends sig and waits; the exit status, or -1 when it did not exit normally. */
static int
serve_stop(pid_t pid, int sig)
{
    int status;

    kill(pid, sig);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* Runs `cmon-sim ARGS...` to the end; its exit status. */
#define SIM(...)                                                                                   \
    test_run_bin("cmon-sim", (const char *const[]){__VA_ARGS__, NULL}, out, sizeof(out), err,      \
                 sizeof(err), 120)

static void
test_two_serves(void)
{
    char path[128], line[256], want[256], list[1024];

    world_name(path, sizeof(path), "two");
    pid_t first = SERVE(line, "--zones", "3", "--world", path);
    CU_ASSERT_FATAL(first > 0);
    CU_ASSERT_EQUAL(SIM("serve", "--zones", "5", "--world", path), 1);
    snprintf(want, sizeof(want), "cmon-sim serve: world %s is served by pid %ld\n", path,
             (long)first);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_EQUAL(SIM("zones", "-c", "-w", path), 0);
    CU_ASSERT_EQUAL(test_count_lines(out), 4); /* still the first one's world: 3 zones and global */
    CU_ASSERT_EQUAL(serve_stop(first, SIGTERM), 0);
    CU_ASSERT_EQUAL(files_of(path, list, sizeof(list)), 0);
    remove_all(path);
}

/*
 * The first serve's files are removed under it and a second serve makes its
 * world at the same path: the first one stopping must not take the second's
 * world (or lock) with it.
 */
static void
test_first_stop_keeps_second(void)
{
    char path[128], lock[160], line[256], list[1024];

    world_name(path, sizeof(path), "keep");
    snprintf(lock, sizeof(lock), "%s.lock", path);
    pid_t first = SERVE(line, "--zones", "3", "--world", path);
    CU_ASSERT_FATAL(first > 0);
    unlink(path);
    unlink(lock);
    pid_t second = SERVE(line, "--zones", "6", "--world", path);
    CU_ASSERT_FATAL(second > 0);
    CU_ASSERT_EQUAL(serve_stop(first, SIGTERM), 0);
    CU_ASSERT_EQUAL(SIM("zones", "-c", "-w", path), 0);
    CU_ASSERT_EQUAL(test_count_lines(out), 7); /* the second's 6 zones and global */
    CU_ASSERT_EQUAL(SIM("serve", "--zones", "1", "--world", path), 1); /* its lock holds */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "is served by pid"));
    CU_ASSERT_EQUAL(serve_stop(second, SIGTERM), 0);
    CU_ASSERT_EQUAL(files_of(path, list, sizeof(list)), 0);
    remove_all(path);
}

/* A killed serve leaves its world, lock file and ZFS state: the next serve takes over. */
static void
test_stale_takeover(void)
{
    char path[128], line[256], list[1024];
    world_zfs_state_t st;

    world_name(path, sizeof(path), "stale");
    pid_t dead = SERVE(line, "--zones", "3", "--world", path);
    CU_ASSERT_FATAL(dead > 0);
    world_t *r = world_open(path, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    world_pool_t pool = {.wpl_name = "data", .wpl_size = 1ULL << 40};
    CU_ASSERT_EQUAL(world_zfs_pool_set(r, &pool), 0); /* a second pool in PATH.zfs */
    world_close(r);
    CU_ASSERT_EQUAL(serve_stop(dead, SIGKILL), -1);
    CU_ASSERT_EQUAL(files_of(path, list, sizeof(list)), 4); /* world, .lock, .zfs, .ctl */

    pid_t next = SERVE(line, "--zones", "5", "--world", path);
    CU_ASSERT_FATAL(next > 0);
    CU_ASSERT_EQUAL(SIM("zones", "-c", "-w", path), 0);
    CU_ASSERT_EQUAL(test_count_lines(out), 6); /* the new world: 5 zones and global */
    CU_ASSERT_EQUAL(world_zfs_state_read(NULL, path, &st), 0);
    CU_ASSERT_EQUAL(st.wzs_npools, 1); /* the dead world's pools went with it */
    CU_ASSERT_EQUAL(serve_stop(next, SIGTERM), 0);
    CU_ASSERT_EQUAL(files_of(path, list, sizeof(list)), 0);
    remove_all(path);
}

/* SIGTERM: the world, its lock and the ZFS state others wrote beside it all go. */
static void
test_no_side_files(void)
{
    char path[128], line[256], list[1024];

    world_name(path, sizeof(path), "side");
    pid_t pid = SERVE(line, "--zones", "2", "--world", path);
    CU_ASSERT_FATAL(pid > 0);
    world_t *r = world_open(path, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    world_zfs_fault_t f = {.wzf_pool_iter_fail = 1};
    CU_ASSERT_EQUAL(world_zfs_fault_set(r, &f), 0);
    world_close(r);
    CU_ASSERT(files_of(path, list, sizeof(list)) >= 3);
    CU_ASSERT_EQUAL(serve_stop(pid, SIGTERM), 0);
    CU_ASSERT_EQUAL(files_of(path, list, sizeof(list)), 0);
    if (list[0] != '\0')
        fprintf(stderr, "left: %s\n", list);

    pid = SERVE(line, "--zones", "2", "--world", path, "--keep"); /* --keep: only the world */
    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT_EQUAL(serve_stop(pid, SIGINT), 0);
    CU_ASSERT_EQUAL(files_of(path, list, sizeof(list)), 1);
    CU_ASSERT_EQUAL(world_unlink(path), 0);
    CU_ASSERT_EQUAL(files_of(path, list, sizeof(list)), 0);

    CU_ASSERT_EQUAL(SIM("serve", "--zones", "1", "--world", "/nonexistent-dir/w"), 1);
    CU_ASSERT_STRING_EQUAL(err, "cmon-sim serve: cannot create world /nonexistent-dir/w: "
                                "No such file or directory\n");
    remove_all(path);
}

/* serve --cns: every node's world and side files, and the configuration, go on SIGTERM. */
static void
test_cns_no_side_files(void)
{
    char prefix[128], config[160], agent[4096], line[256], list[1024];

    world_name(prefix, sizeof(prefix), "cns");
    snprintf(config, sizeof(config), "%s.yml", prefix);
    snprintf(agent, sizeof(agent), "%s", test_bin("cmon-agent"));
    pid_t pid = SERVE(line, "--cns", "2", "--zones", "3", "--world", prefix, "--prom-config",
                      config, "--agent", agent);
    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT_EQUAL(strncmp(line, "cn0 ", 4), 0);
    struct stat st;
    for (int i = 0; i < 100 && stat(config, &st) != 0; i++)
        usleep(50000); /* written before the last line is printed */
    CU_ASSERT(files_of(prefix, list, sizeof(list)) >= 5); /* 2 worlds, 2 locks, the config */
    CU_ASSERT_EQUAL(serve_stop(pid, SIGTERM), 0);
    CU_ASSERT_EQUAL(files_of(prefix, list, sizeof(list)), 0);
    if (list[0] != '\0')
        fprintf(stderr, "left: %s\n", list);
    remove_all(prefix);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"two_serves", test_two_serves},
        {"first_stop_keeps_second", test_first_stop_keeps_second},
        {"stale_takeover", test_stale_takeover},
        {"no_side_files", test_no_side_files},
        {"cns_no_side_files", test_cns_no_side_files},
        {NULL, NULL},
    };

    signal(SIGPIPE, SIG_IGN);
    return cunit_main(argc, argv, "serve", cases);
}
