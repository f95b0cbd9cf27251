/*
 * test_cli.c - the real cmon-sim program: bad flags, and serve/kstat/zones
 * on a live world. (Worlds that cannot be opened: test_open.c.)
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

#include "cmd.h"
#include "cmon_spawn.h"
#include "cmon_version.h"
#include "kstat.h"
#include "serve_cns.h"
#include "test_util.h"
#include "world_shm.h" /* WORLD_VERSION */
#include "zone.h"

static char out[1 << 16], err[4096];

/* Runs cmon-sim with the arguments into out/err; the exit status. */
#define RUN(...)                                                                                   \
    test_run_bin("cmon-sim", (const char *const[]){__VA_ARGS__, NULL}, out, sizeof(out), err,      \
                 sizeof(err), 60)

static void
test_usage_errors(void)
{
    CU_ASSERT_EQUAL(RUN(NULL), 2);
    CU_ASSERT_STRING_EQUAL(err, "cmon-sim: missing subcommand\nTry 'cmon-sim --help'.\n");
    CU_ASSERT_EQUAL(RUN("bogus"), 2);
    CU_ASSERT_STRING_EQUAL(err, "cmon-sim: unknown subcommand: bogus\nTry 'cmon-sim --help'.\n");
    CU_ASSERT_EQUAL(RUN("--bogus"), 2);
    CU_ASSERT_STRING_EQUAL(err, "cmon-sim: unknown option: --bogus\nTry 'cmon-sim --help'.\n");
    CU_ASSERT_EQUAL(RUN("help", "bogus"), 2);
    CU_ASSERT_EQUAL(RUN("serve"), 2);
    CU_ASSERT_STRING_EQUAL(err, "cmon-sim serve: --zones is required\n"
                                "Try 'cmon-sim serve --help'.\n");
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "abc"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad value for --zones: abc"));
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "5", "--tick", "-1"), 2);
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "5", "--churn", "x"), 2);
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "5", "--bogus", NULL), 2);
    CU_ASSERT_STRING_EQUAL(err, "cmon-sim serve: unknown option: --bogus\n"
                                "Try 'cmon-sim serve --help'.\n");
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "5", "--world"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing value for --world\n"));
    CU_ASSERT_EQUAL(RUN("serve", "--zones", "999999999"), 2);
    CU_ASSERT_EQUAL(RUN("serve", "--cns", "2", "--cpus", "4"), 2); /* not a --cns flag */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "Try 'cmon-sim serve --help'."));
    CU_ASSERT_EQUAL(RUN("kstat", "-x"), 2);
    CU_ASSERT_STRING_EQUAL(err, "cmon-sim kstat: unknown option: -x\n"
                                "Try 'cmon-sim kstat --help'.\n");
    CU_ASSERT_EQUAL(RUN("kstat", "a:b:c:d:e"), 2);
    CU_ASSERT_EQUAL(RUN("kstat", "-w"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing value for -w\n"));
    CU_ASSERT_EQUAL(RUN("zones", "extra"), 2);
    CU_ASSERT_EQUAL(RUN("zones", "-cq"), 2); /* named inside a bundle too */
    CU_ASSERT_STRING_EQUAL(err, "cmon-sim zones: unknown option: -q\n"
                                "Try 'cmon-sim zones --help'.\n");
    CU_ASSERT_EQUAL(RUN("bench", "--runs", "0"), 2);
    CU_ASSERT_EQUAL(RUN("bench", "--frobnicate"), 2);
    CU_ASSERT_EQUAL(RUN("bench", "extra"), 2);
}

/* Every long option of table appears as --NAME in the help text. */
static void
check_options_described(const char *sub, const struct option *table)
{
    char want[64];

    for (const struct option *o = table; o->name != NULL; o++) {
        snprintf(want, sizeof(want), "--%s", o->name);
        if (strstr(out, want) == NULL)
            fprintf(stderr, "cmon-sim %s --help does not describe %s\n", sub, want);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    }
}

/*
 * Each subcommand's --help (and `cmon-sim help SUB`) and --version: exit 0, the help2man
 * shape, every long option of its getopt table described.
 */
static void
test_help(void)
{
    static const struct {
        const char *sub;
        const struct option *table, *more;
    } subs[] = {
        {"serve", cmd_serve_options, serve_cns_options},
        {"kstat", cmd_kstat_options, NULL},
        {"zones", cmd_zones_options, NULL},
        {"bench", cmd_bench_options, NULL},
        {"ctl", cmd_ctl_options, NULL},
    };
    static char first[sizeof(out)];
    char usage[64];

    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        CU_ASSERT_EQUAL(RUN(subs[i].sub, "--help"), 0);
        snprintf(usage, sizeof(usage), "Usage: cmon-sim %s ", subs[i].sub);
        CU_ASSERT_EQUAL(strncmp(out, usage, strlen(usage)), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n\nOptions:\n"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "  -h, --help  "));
        CU_ASSERT_STRING_EQUAL(err, "");
        check_options_described(subs[i].sub, subs[i].table);
        if (subs[i].more != NULL)
            check_options_described(subs[i].sub, subs[i].more);
        memcpy(first, out, sizeof(out));
        CU_ASSERT_EQUAL(RUN("help", subs[i].sub), 0);
        CU_ASSERT_STRING_EQUAL(out, first);
        CU_ASSERT_EQUAL(RUN(subs[i].sub, "-h"), 0);
        CU_ASSERT_STRING_EQUAL(out, first);
        CU_ASSERT_EQUAL(RUN(subs[i].sub, "--version"), 0); /* every subcommand */
        CU_ASSERT_STRING_EQUAL(out, "cmon-sim " CMON_VERSION "\n");
    }
    CU_ASSERT_EQUAL(RUN("serve", "--cns", "2", "--help"), 0); /* --cns does not hide it */
    CU_ASSERT_EQUAL(strncmp(out, "Usage: cmon-sim serve ", 22), 0);
}

/* cmon-sim --help lists every subcommand, one line each; --version is one line. */
static void
test_main_help(void)
{
    static const char *const subs[] = {"serve", "ctl", "kstat", "zones", "bench", "run", "help"};
    char want[32];

    CU_ASSERT_EQUAL(RUN("--help"), 0);
    CU_ASSERT_EQUAL(strncmp(out, "Usage: cmon-sim SUBCOMMAND ", 27), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n\nOptions:\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "      --version  "));
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        snprintf(want, sizeof(want), "\n  %s ", subs[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    }
    CU_ASSERT_EQUAL(RUN("-h"), 0);
    CU_ASSERT_EQUAL(RUN("help"), 0);
    CU_ASSERT_EQUAL(strncmp(out, "Usage: cmon-sim SUBCOMMAND ", 27), 0);
    CU_ASSERT_EQUAL(RUN("--version"), 0);
    CU_ASSERT_STRING_EQUAL(out, "cmon-sim " CMON_VERSION "\n");
    CU_ASSERT_STRING_EQUAL(err, "");
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
    CU_ASSERT_EQUAL(test_count_lines(out), 51);
    CU_ASSERT_EQUAL(strncmp(out, "0:global:running:/::liveimg:shared\n", 35), 0);
    CU_ASSERT_EQUAL(RUN("kstat", "-p", "-w", path, "zones:0:global:nsec_user"), 0);
    CU_ASSERT_EQUAL(test_count_lines(out), 1);
    CU_ASSERT_EQUAL(strncmp(out, "zones:0:global:nsec_user\t", 25), 0);
    CU_ASSERT_EQUAL(RUN("kstat", "-p", "-w", path, "link:::rbytes64"), 0);
    CU_ASSERT(test_count_lines(out) >= 50);
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
    CU_ASSERT(test_count_lines(out) >= 2);
    CU_ASSERT_EQUAL(serve_stop(&sp), 0);
    CU_ASSERT_EQUAL(stat(path, &st), 0); /* kept */
    CU_ASSERT_EQUAL(RUN("zones", "-c", "-w", path), 0);
    /* stopped between events: all 10 and the global zone */
    CU_ASSERT_EQUAL(test_count_lines(out), 11);
    CU_ASSERT_STRING_NOT_EQUAL(out, first); /* other zones, other zoneids */
    unlink(path);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"usage_errors", test_usage_errors},
        {"help", test_help},
        {"main_help", test_main_help},
        {"serve_live", test_serve_live},
        {NULL, NULL},
    };

    signal(SIGPIPE, SIG_IGN);
    return cunit_main(argc, argv, "cli", cases);
}
