/*
 * test_cli.c - bad input of every kind (missing world, not a world, another
 * version, a truncated world, bad flags) through the library and the real
 * cmon-sim program; and the program's serve/kstat/zones on a live world.
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

#include "cmon_spawn.h"
#include "kstat.h"
#include "test_util.h"
#include "world_shm.h" /* WORLD_VERSION */
#include "zone.h"

static char out[1 << 16], err[4096];

/* Runs cmon-sim with the arguments (up to 6) into out/err; the exit status. */
static int
run_v(const char *const *args)
{
    char *argv[8] = {(char *)test_bin("cmon-sim")};

    for (int i = 0; i < 6 && args[i] != NULL; i++)
        argv[i + 1] = (char *)args[i];
    return test_run(argv, out, sizeof(out), err, sizeof(err), 60);
}

#define RUN(...) run_v((const char *const[]){__VA_ARGS__, NULL})

static int
lines(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* A temporary plain file with the given content; its path in path (>= 32 bytes). */
static void
temp_file(char *path, const void *data, size_t n)
{
    strcpy(path, "/dev/shm/cmon-test-XXXXXX");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(write(fd, data, n) == (ssize_t)n);
    close(fd);
}

static void
test_open_bad_worlds(void)
{
    char msg[256], path[32], junk[4096];
    world_t *w;

    errno = 0;
    CU_ASSERT_PTR_NULL(world_open("/dev/shm/cmon-test-no-such-world", msg, sizeof(msg)));
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cannot open world /dev/shm/cmon-test-no-such-world"));
    memset(junk, 'x', sizeof(junk));
    temp_file(path, junk, sizeof(junk));
    CU_ASSERT_PTR_NULL(world_open(path, msg, sizeof(msg)));
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not a world"));
    (void)!truncate(path, 10);
    CU_ASSERT_PTR_NULL(world_open(path, msg, sizeof(msg)));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "too small"));
    unlink(path);

    w = test_world_new(4, 51, 2);
    int fd = open(world_path(w), O_WRONLY);
    uint32_t v = 99;
    CU_ASSERT(pwrite(fd, &v, sizeof(v), 8) == sizeof(v)); /* the version field */
    close(fd);
    CU_ASSERT_PTR_NULL(world_open(world_path(w), msg, sizeof(msg)));
    CU_ASSERT_EQUAL(errno, EINVAL);
    char want[64];
    snprintf(want, sizeof(want), "version 99, expected %d", WORLD_VERSION);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, want));
    errno = 0;
    CU_ASSERT_PTR_NULL(kstat_open()); /* CMON_SIM_WORLD points at it */
    CU_ASSERT_EQUAL(errno, EINVAL);
    test_world_free(w);

    w = test_world_new(4, 52, 2);
    struct stat st;
    stat(world_path(w), &st);
    (void)!truncate(world_path(w), st.st_size - 4096);
    CU_ASSERT_PTR_NULL(world_open(world_path(w), msg, sizeof(msg)));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "header says"));
    test_world_free(w);

    setenv(WORLD_ENV, "/dev/shm/cmon-test-no-such-world", 1);
    uint_t n = 0;
    CU_ASSERT_EQUAL(zone_list(NULL, &n), -1);
    CU_ASSERT_EQUAL(getzoneidbyname("x"), -1);
    CU_ASSERT_PTR_NULL(kstat_open());
    CU_ASSERT_EQUAL(errno, ENOENT);
}

static void
test_usage_errors(void)
{
    CU_ASSERT_EQUAL(RUN(NULL), 2);
    CU_ASSERT_EQUAL(RUN("bogus"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown subcommand: bogus"));
    CU_ASSERT_EQUAL(RUN("serve"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--zones is required"));
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "abc"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad value for --zones: abc"));
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "5", "--tick", "-1"), 2);
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "5", "--churn", "x"), 2);
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "5", "--bogus", NULL), 2);
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "999999999"), 2);
    CU_ASSERT_EQUAL(RUN("kstat", "-x"), 2);
    CU_ASSERT_EQUAL(RUN("kstat", "a:b:c:d:e"), 2);
    CU_ASSERT_EQUAL(RUN("zones", "extra"), 2);
    CU_ASSERT_EQUAL(RUN("zones", "-q"), 2);
    CU_ASSERT_EQUAL(RUN("serve", "--help"), 0);
    CU_ASSERT_EQUAL(RUN("--help"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cmon-sim kstat"));
}

static void
test_cli_bad_world(void)
{
    char path[32], junk[1000];

    CU_ASSERT_EQUAL(RUN("kstat", "-p", "-w", "/dev/shm/cmon-test-no-such-world", NULL), 3);
    CU_ASSERT_EQUAL(lines(err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot open world"));
    CU_ASSERT_EQUAL(RUN("zones", "-w", "/dev/shm/cmon-test-no-such-world"), 1);
    CU_ASSERT_EQUAL(lines(err), 1);
    memset(junk, 0, sizeof(junk));
    temp_file(path, junk, sizeof(junk));
    CU_ASSERT_EQUAL(RUN("zones", "-w", path), 1);
    CU_ASSERT_EQUAL(lines(err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a world"));
    CU_ASSERT_EQUAL(RUN("kstat", "-w", path), 3);
    CU_ASSERT_EQUAL(lines(err), 1);
    unlink(path);
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "1", "--world", "/nonexistent-dir/w"), 1);
    CU_ASSERT_EQUAL(lines(err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot create world /nonexistent-dir/w"));
}

/* serve in the background, in *sp: 0 once it printed the path, or -1. */
static int
serve_start(spawn_t *sp, const char *path, const char *zones, const char *churn, const char *tick,
            const char *keep)
{
    char *argv[] = {"cmon-sim",   "serve",       "--zones",    (char *)zones, "--world",
                    (char *)path, "--tick",      (char *)tick, "--churn",     (char *)churn,
                    "--reboots",  (char *)churn, (char *)keep, NULL};
    spawn_opts_t o = {.so_path = test_bin("cmon-sim"), .so_stdout = {.sio_kind = SPAWN_IO_PIPE}};
    spawn_capture_t first = {0};
    int ok;

    if (spawn_start(sp, argv, &o) != 0)
        return -1;
    /* the path and a newline: what serve prints once the world is ready */
    for (int i = 0; i < 1200 && (first.sc_buf == NULL || !strchr(first.sc_buf, '\n')); i++)
        if (spawn_collect(sp, &first, NULL, 50) == 0)
            break; /* end of file: it exited */
    ok = first.sc_buf != NULL && strchr(first.sc_buf, '\n') != NULL &&
         strncmp(first.sc_buf, path, strlen(path)) == 0;
    spawn_capture_release(&first);
    spawn_close(sp); /* serve prints nothing more */
    if (!ok) {
        spawn_signal(sp, SIGKILL);
        spawn_wait(sp, -1);
    }
    return ok ? 0 : -1;
}

/* SIGTERM, and serve's exit status once it exited (-1: not a normal exit). */
static int
serve_stop(spawn_t *sp)
{
    int status = spawn_stop(sp, 60000);
    return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_serve_live(void)
{
    char path[] = "/dev/shm/cmon-test-serve-XXXXXX";
    int fd = mkstemp(path);
    struct stat st;

    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    static char first[sizeof(out)];
    spawn_t sp;
    CU_ASSERT_FATAL(serve_start(&sp, path, "50", "0", "50", NULL) == 0); /* steady */
    CU_ASSERT_EQUAL(RUN("zones", "-w", path), 0);
    CU_ASSERT_EQUAL(lines(out), 51);
    CU_ASSERT_EQUAL(strncmp(out, "0:global:running:/::liveimg:shared\n", 35), 0);
    CU_ASSERT_EQUAL(RUN("kstat", "-p", "-w", path, "zones:0:global:nsec_user"), 0);
    CU_ASSERT_EQUAL(lines(out), 1);
    CU_ASSERT_EQUAL(strncmp(out, "zones:0:global:nsec_user\t", 25), 0);
    CU_ASSERT_EQUAL(RUN("kstat", "-p", "-w", path, "link:::rbytes64"), 0);
    CU_ASSERT(lines(out) >= 50);
    CU_ASSERT_EQUAL(RUN("kstat", "-p", "-w", path, "zones:::nsec_*"), 0);
    memcpy(first, out, sizeof(out));
    usleep(300000);
    CU_ASSERT_EQUAL(RUN("kstat", "-p", "-w", path, "zones:::nsec_*"), 0);
    CU_ASSERT_STRING_NOT_EQUAL(out, first); /* time moves */
    CU_ASSERT_EQUAL(RUN("kstat", "-p", "-w", path, "nosuchmodule"), 1);
    CU_ASSERT_EQUAL(RUN("kstat", "-w", path, "unix:0:system_misc"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "module: unix"));
    CU_ASSERT_EQUAL(serve_stop(&sp), 0);
    CU_ASSERT_NOT_EQUAL(stat(path, &st), 0); /* removed on exit */

    CU_ASSERT_FATAL(serve_start(&sp, path, "5", "0", "0", NULL) == 0); /* --tick 0: frozen */
    CU_ASSERT_EQUAL(RUN("kstat", "-p", "-w", path, "zones:::nsec_*"), 0);
    memcpy(first, out, sizeof(out));
    usleep(300000);
    CU_ASSERT_EQUAL(RUN("kstat", "-p", "-w", path, "zones:::nsec_*"), 0);
    CU_ASSERT_STRING_EQUAL(out, first);
    CU_ASSERT_EQUAL(serve_stop(&sp), 0);

    CU_ASSERT_FATAL(serve_start(&sp, path, "10", "50", "50", "--keep") == 0); /* churning */
    CU_ASSERT_EQUAL(RUN("zones", "-c", "-w", path), 0);
    memcpy(first, out, sizeof(out));
    usleep(300000);
    CU_ASSERT_EQUAL(RUN("kstat", "-p", "-w", path, "zones:::nsec_user"), 0);
    CU_ASSERT(lines(out) >= 2);
    CU_ASSERT_EQUAL(serve_stop(&sp), 0);
    CU_ASSERT_EQUAL(stat(path, &st), 0); /* kept */
    CU_ASSERT_EQUAL(RUN("zones", "-c", "-w", path), 0);
    CU_ASSERT_EQUAL(lines(out), 11);        /* stopped between events: all 10 and the global zone */
    CU_ASSERT_STRING_NOT_EQUAL(out, first); /* other zones, other zoneids */
    unlink(path);
}

int
main(int argc, char **argv)
{
    static const test_case_t cases[] = {
        {"open_bad_worlds", test_open_bad_worlds},
        {"usage_errors", test_usage_errors},
        {"cli_bad_world", test_cli_bad_world},
        {"serve_live", test_serve_live},
        {NULL, NULL},
    };

    signal(SIGPIPE, SIG_IGN);
    return test_main(argc, argv, "cli", cases);
}
