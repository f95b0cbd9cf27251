/*
 * test_open.c - a world that cannot be opened is named with its cause, by
 * every reader: world_open() (errno and message), `cmon-sim kstat` and
 * `cmon-sim zones` (one line, their exit status), the fake libkstat (errno,
 * and "libkstat: world PATH: CAUSE" once on stderr however often
 * kstat_open() is retried), and cmon-agent (the libkstat line, and its own
 * log line naming the world).
 *
 * One case per cause: each makes the bad file, says the cause it expects
 * after "world PATH: " and the errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kstat.h"
#include "test_util.h"
#include "world_shm.h" /* WORLD_VERSION, wshm_hdr_t */

static char out[1 << 14], err[1 << 14];

/* The bad file of a case: its path, and what must follow "world PATH: ". */
typedef struct bad_world {
    char bw_path[64];
    char bw_cause[160];
    int bw_errno;
    int bw_dir; /* remove with rmdir */
} bad_world_t;

/* A fresh unique name under /dev/shm, nothing there (yet). */
static void
bad_name(bad_world_t *b, const char *what)
{
    snprintf(b->bw_path, sizeof(b->bw_path), "/dev/shm/cmon-test-%s-%ld", what, (long)getpid());
    unlink(b->bw_path);
}

/* A plain file holding n bytes of data. */
static void
bad_file(bad_world_t *b, const char *what, const void *data, size_t n)
{
    bad_name(b, what);
    int fd = open(b->bw_path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, data, n) == (ssize_t)n);
    close(fd);
}

/* A real world at b's path, its writer closed: the tests then damage it. */
static uint64_t
bad_real_world(bad_world_t *b, const char *what)
{
    world_params_t p = {.wp_seed = 5, .wp_max_zones = 4, .wp_ncpus = 2};
    struct stat st;

    bad_name(b, what);
    world_t *w = world_create(b->bw_path, &p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    world_close(w);
    CU_ASSERT_EQUAL_FATAL(stat(b->bw_path, &st), 0);
    return (uint64_t)st.st_size;
}

static void
bad_remove(const bad_world_t *b)
{
    if (b->bw_dir)
        rmdir(b->bw_path);
    else
        unlink(b->bw_path);
}

/* Runs argv[0] = a built program with up to 5 arguments; its exit status. */
/* Runs the built program PROG with the arguments into out/err; the exit status. */
#define RUN(prog, ...)                                                                             \
    test_run_bin(prog, (const char *const[]){__VA_ARGS__, NULL}, out, sizeof(out), err,            \
                 sizeof(err), 60)

/* kstat_open() twice in a child with stderr captured into err; the first errno. */
static int
libkstat_open_twice(const char *path)
{
    int p[2], status;
    pid_t pid;

    CU_ASSERT_FATAL(pipe(p) == 0);
    if ((pid = fork()) == 0) {
        dup2(p[1], 2);
        close(p[0]);
        setenv(WORLD_ENV, path, 1);
        errno = 0;
        int e = kstat_open() == NULL ? errno : 0;
        kstat_open(); /* the same cause again: not printed again */
        _exit(e);
    }
    close(p[1]);
    ssize_t n = read(p[0], err, sizeof(err) - 1);
    err[n > 0 ? n : 0] = '\0';
    close(p[0]);
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Every reader of b reports "world PATH: CAUSE". */
static void
check_readers(const bad_world_t *b)
{
    char want[512], line[600], msg[512];

    snprintf(want, sizeof(want), "world %s: %s", b->bw_path, b->bw_cause);
    errno = 0;
    CU_ASSERT_PTR_NULL(world_open(b->bw_path, msg, sizeof(msg)));
    CU_ASSERT_EQUAL(errno, b->bw_errno);
    CU_ASSERT_STRING_EQUAL(msg, want);

    CU_ASSERT_EQUAL(RUN("cmon-sim", "kstat", "-p", "-w", b->bw_path), 3);
    snprintf(line, sizeof(line), "cmon-sim kstat: %s\n", want);
    CU_ASSERT_STRING_EQUAL(err, line);

    CU_ASSERT_EQUAL(RUN("cmon-sim", "zones", "-w", b->bw_path), 1);
    snprintf(line, sizeof(line), "cmon-sim zones: %s\n", want);
    CU_ASSERT_STRING_EQUAL(err, line);

    CU_ASSERT_EQUAL(libkstat_open_twice(b->bw_path), b->bw_errno);
    snprintf(line, sizeof(line), "libkstat: %s\n", want);
    CU_ASSERT_STRING_EQUAL(err, line); /* once, though kstat_open failed twice */
}

static void
test_missing(void)
{
    bad_world_t b = {.bw_cause = "no such file", .bw_errno = ENOENT};

    bad_name(&b, "missing");
    check_readers(&b);
}

static void
test_directory(void)
{
    bad_world_t b = {
        .bw_cause = "not a regular file (a directory)", .bw_errno = EINVAL, .bw_dir = 1};

    bad_name(&b, "dir");
    CU_ASSERT_EQUAL_FATAL(mkdir(b.bw_path, 0755), 0);
    check_readers(&b);
    bad_remove(&b);
}

static void
test_fifo(void)
{
    bad_world_t b = {.bw_cause = "not a regular file (a FIFO)", .bw_errno = EINVAL};

    bad_name(&b, "fifo");
    CU_ASSERT_EQUAL_FATAL(mkfifo(b.bw_path, 0644), 0);
    alarm(120); /* opening a FIFO must not wait for a writer */
    check_readers(&b);
    alarm(0);
    bad_remove(&b);
}

static void
test_empty(void)
{
    bad_world_t b = {.bw_cause = "not a world file (0 bytes)", .bw_errno = EINVAL};

    bad_file(&b, "empty", "", 0);
    check_readers(&b);
    bad_remove(&b);
}

static void
test_garbage(void)
{
    bad_world_t b = {.bw_cause = "not a world file (bad magic)", .bw_errno = EINVAL};
    char junk[8192];

    memset(junk, 'x', sizeof(junk));
    bad_file(&b, "garbage", junk, sizeof(junk));
    check_readers(&b);
    bad_remove(&b);
}

static void
test_version(void)
{
    bad_world_t b = {.bw_errno = EINVAL};
    uint32_t v = WORLD_VERSION + 97;

    bad_real_world(&b, "version");
    int fd = open(b.bw_path, O_WRONLY);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(pwrite(fd, &v, sizeof(v), offsetof(wshm_hdr_t, wh_version)) == sizeof(v));
    close(fd);
    snprintf(b.bw_cause, sizeof(b.bw_cause),
             "layout version %u, expected %u (made by another build)", v, WORLD_VERSION);
    check_readers(&b);
    bad_remove(&b);
}

/* A world cut short: the header is whole and says how big the file should be. */
static void
test_truncated(void)
{
    bad_world_t b = {.bw_errno = EINVAL};
    uint64_t size = bad_real_world(&b, "truncated");

    CU_ASSERT_EQUAL_FATAL(truncate(b.bw_path, (off_t)(size - 4096)), 0);
    snprintf(b.bw_cause, sizeof(b.bw_cause), "truncated: %llu bytes, its header says %llu",
             (unsigned long long)(size - 4096), (unsigned long long)size);
    check_readers(&b);
    bad_remove(&b);
}

/* A world cut inside its header: the magic is there, the rest is not. */
static void
test_truncated_header(void)
{
    bad_world_t b = {.bw_errno = EINVAL};

    bad_real_world(&b, "truncated-hdr");
    CU_ASSERT_EQUAL_FATAL(truncate(b.bw_path, 100), 0);
    snprintf(b.bw_cause, sizeof(b.bw_cause), "truncated: 100 bytes, its header is %zu",
             sizeof(wshm_hdr_t));
    check_readers(&b);
    bad_remove(&b);
}

/* The agent: libkstat names the cause, and the agent's own log line names the world. */
static void
test_agent_names_world(void)
{
    bad_world_t b;
    char want[256];

    bad_name(&b, "agent-missing");
    setenv(WORLD_ENV, b.bw_path, 1);
    CU_ASSERT_EQUAL(RUN("cmon-agent", "--listen", "127.0.0.1:0"), 1);
    snprintf(want, sizeof(want), "libkstat: world %s: no such file\n", b.bw_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    snprintf(want, sizeof(want), "cannot open kstats of world %s: ", b.bw_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    CU_ASSERT_EQUAL(test_count_lines(err), 2);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"missing", test_missing},
        {"directory", test_directory},
        {"fifo", test_fifo},
        {"empty", test_empty},
        {"garbage", test_garbage},
        {"version", test_version},
        {"truncated", test_truncated},
        {"truncated_header", test_truncated_header},
        {"agent_names_world", test_agent_names_world},
        {NULL, NULL},
    };

    signal(SIGPIPE, SIG_IGN);
    return cunit_main(argc, argv, "open", cases);
}
