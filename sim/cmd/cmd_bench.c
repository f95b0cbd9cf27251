/*
 * cmd_bench.c - `cmon-sim bench`: the fake kernel's performance figures.
 *
 *   cmon-sim bench [--zones N] [--runs R] [--big N] [--dir DIR]
 *
 * Each of R runs builds a world of N zones (default 10,000) in DIR (default
 * /dev/shm) and measures: the build, the shared memory it takes (file size
 * and the pages really allocated), one tick of every counter, kstat_read()
 * of one named kstat (median of batches of 1,000 reads), kstat_read() of
 * every kstat of the chain once (the mean; the first read allocates
 * ks_data, as an agent's first scrape does), kstat_open(), a
 * kstat_chain_update() after a change (every header re-read), and a
 * kstat_lookup() of the last kstat (the linear walk). The table shows the
 * median over the runs, and the min and max. --big N then builds one world
 * of N zones (default 100,000; 0 skips it) to show that scale works.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "kstat.h"
#include "monotime.h"
#include "world.h"

#define BENCH_RUNS_MAX 50
#define BENCH_TICKS 21
#define BENCH_BATCHES 101

enum {
    B_BUILD,
    B_KSTATS,
    B_FILE,
    B_RSS,
    B_TICK,
    B_READ,
    B_READALL,
    B_OPEN,
    B_UPDATE,
    B_LOOKUP,
    B_N
};

static const char *const bench_names[B_N] = {
    "build N zones (ms)",
    "kstats in the chain",
    "world file size (MB)",
    "world pages allocated (MB)",
    "tick, all counters (ms)",
    "kstat_read, zone_misc (us)",
    "kstat_read, each kstat once (us/read)",
    "kstat_open (ms)",
    "kstat_chain_update after a change (ms)",
    "kstat_lookup of the last kstat (us)",
};

static int
bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double
bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), bench_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Builds a world of n zones at path; fills build time, kstats and memory. */
static world_t *
bench_build(const char *path, uint32_t n, uint64_t seed, double *fig)
{
    world_params_t p = {.wp_seed = seed, .wp_max_zones = n ? n : 1};
    struct stat st;
    double t0 = cmon_monotime_s();
    world_t *w = world_create(path, &p);

    for (uint32_t i = 0; w != NULL && i < n; i++) {
        if (world_zone_add_random(w, i) < 0) {
            world_close(w);
            unlink(path);
            return NULL;
        }
    }
    if (w == NULL)
        return NULL;
    fig[B_BUILD] = (cmon_monotime_s() - t0) * 1e3;
    fig[B_KSTATS] = world_kstat_count(w);
    world_time_advance(w, 1000000000ULL); /* touch every counter once */
    stat(path, &st);
    fig[B_FILE] = (double)st.st_size / 1e6;
    fig[B_RSS] = (double)st.st_blocks * 512 / 1e6;
    return w;
}

static double
bench_tick(world_t *w)
{
    double t[BENCH_TICKS];

    for (int i = 0; i < BENCH_TICKS; i++) {
        double t0 = cmon_monotime_s();
        world_time_advance(w, 100000000ULL);
        t[i] = (cmon_monotime_s() - t0) * 1e3;
    }
    return bench_median(t, BENCH_TICKS);
}

static double
bench_read(kstat_ctl_t *kc, kstat_t *ksp)
{
    double t[BENCH_BATCHES];

    for (int b = 0; b < BENCH_BATCHES; b++) {
        double t0 = cmon_monotime_s();
        for (int i = 0; i < 1000; i++)
            if (kstat_read(kc, ksp, NULL) == -1)
                return -1;
        t[b] = (cmon_monotime_s() - t0) * 1e3; /* ms per 1,000 = us per read */
    }
    return bench_median(t, BENCH_BATCHES);
}

/* The libkstat figures on world w (CMON_SIM_WORLD already points at it). */
static int
bench_libkstat(world_t *w, double *fig)
{
    double t0 = cmon_monotime_s();
    kstat_ctl_t *kc = kstat_open();
    kstat_t *ksp, *last = NULL;
    world_zone_info_t zi;

    if (kc == NULL)
        return -1;
    fig[B_OPEN] = (cmon_monotime_s() - t0) * 1e3;
    world_zone_info(w, world_zone_next(w, 0) > 0 ? world_zone_next(w, 0) : 0, &zi);
    ksp = kstat_lookup(kc, "zones", zi.wzi_zoneid, NULL);
    fig[B_READ] = ksp ? bench_read(kc, ksp) : -1;
    long n = 0;
    t0 = cmon_monotime_s();
    for (kstat_t *k = kc->kc_chain; k != NULL; k = k->ks_next)
        n += kstat_read(kc, k, NULL) != -1;
    fig[B_READALL] = n ? (cmon_monotime_s() - t0) * 1e6 / (double)n : -1;
    world_zone_reboot(w, zi.wzi_zix);
    t0 = cmon_monotime_s();
    kstat_chain_update(kc);
    fig[B_UPDATE] = (cmon_monotime_s() - t0) * 1e3;
    for (kstat_t *k = kc->kc_chain; k != NULL; k = k->ks_next)
        last = k;
    t0 = cmon_monotime_s();
    for (int i = 0; last != NULL && i < 10; i++)
        kstat_lookup(kc, last->ks_module, last->ks_instance, last->ks_name);
    fig[B_LOOKUP] = (cmon_monotime_s() - t0) * 1e6 / 10;
    kstat_close(kc);
    return fig[B_READ] < 0 ? -1 : 0;
}

static int
bench_run(const char *dir, uint32_t zones, uint64_t seed, double *fig)
{
    char path[4096];
    world_t *w;
    int rc;

    snprintf(path, sizeof(path), "%s/cmon-bench-%d.world", dir, (int)getpid());
    if ((w = bench_build(path, zones, seed, fig)) == NULL) {
        fprintf(stderr, "cmon-sim bench: cannot build world %s: %s\n", path, strerror(errno));
        return -1;
    }
    setenv(WORLD_ENV, path, 1);
    fig[B_TICK] = bench_tick(w);
    rc = bench_libkstat(w, fig);
    if (rc != 0)
        fprintf(stderr, "cmon-sim bench: libkstat failed on %s: %s\n", path, strerror(errno));
    unlink(path);
    world_close(w);
    return rc;
}

static void
bench_report(double fig[][B_N], int runs, uint32_t zones)
{
    double col[BENCH_RUNS_MAX];

    printf("%u zones, %d runs: median [min .. max]\n", zones, runs);
    for (int f = 0; f < B_N; f++) {
        for (int r = 0; r < runs; r++)
            col[r] = fig[r][f];
        double m = bench_median(col, runs);
        printf("  %-40s %12.3f  [%.3f .. %.3f]\n", bench_names[f], m, col[0], col[runs - 1]);
    }
}

static int
bench_big(const char *dir, uint32_t n)
{
    char path[4096];
    double fig[B_N] = {0};
    world_t *w;

    snprintf(path, sizeof(path), "%s/cmon-bench-big-%d.world", dir, (int)getpid());
    if ((w = bench_build(path, n, 7, fig)) == NULL) {
        fprintf(stderr, "cmon-sim bench: cannot build world of %u zones: %s\n", n, strerror(errno));
        return 1;
    }
    setenv(WORLD_ENV, path, 1);
    fig[B_TICK] = bench_tick(w);
    bench_libkstat(w, fig);
    printf("%u zones, 1 run:\n", n);
    for (int f = 0; f < B_N; f++)
        printf("  %-40s %12.3f\n", bench_names[f], fig[f]);
    unlink(path);
    world_close(w);
    return 0;
}

const struct option cmd_bench_options[] = {
    {"zones", required_argument, NULL, 'z'},
    {"runs", required_argument, NULL, 'r'},
    {"big", required_argument, NULL, 'b'},
    {"dir", required_argument, NULL, 'd'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void
bench_help(void)
{
    printf("Usage: cmon-sim bench [OPTION]...\n"
           "Measures the fake kernel: builds worlds and times the build, a tick, kstat_read,\n"
           "kstat_open, kstat_chain_update and kstat_lookup; prints the median, min and max\n"
           "of each over the runs.\n"
           "\n"
           "Options:\n"
           "      --zones=N            zones of each run's world (default 10000)\n"
           "      --runs=R             runs, 1 to %d (default 5)\n"
           "      --big=N              then one world of N zones, once (default 100000; 0 skips\n"
           "                           it)\n"
           "      --dir=DIR            where the worlds are built (default /dev/shm)\n"
           "  -h, --help               print this help and exit\n"
           "      --version            print the version and exit\n"
           "\n"
           "Exit status:\n"
           "  0  measured\n"
           "  1  a world could not be built or read\n"
           "  2  usage error\n",
           BENCH_RUNS_MAX);
}

int
cmd_bench_main(int argc, char **argv)
{
    static double fig[BENCH_RUNS_MAX][B_N];
    uint64_t zones = 10000, runs = 5, big = 100000;
    const char *dir = "/dev/shm";
    int c, li;

    opterr = 0;
    optind = 1;
    for (int at = 1; (c = getopt_long(argc, argv, "+:h", cmd_bench_options, &li)) != -1;
         at = optind) {
        uint64_t *dst = c == 'z' ? &zones : c == 'r' ? &runs : &big;
        if (c == 'h') {
            bench_help();
            return 0;
        }
        if (c == 'V')
            return cmd_version();
        if (c == '?' || c == ':')
            return cmd_option_error("bench", c, argv[at]);
        if (c == 'd')
            dir = optarg;
        else if (cmon_parse_u64(optarg, 0, WORLD_ZONES_MAX, dst, NULL, 0) != 0)
            return cmd_usage_error("bench", "bad value for --%s: %s", cmd_bench_options[li].name,
                                   optarg);
    }
    if (optind < argc)
        return cmd_usage_error("bench", "unexpected argument: %s", argv[optind]);
    if (runs < 1 || runs > BENCH_RUNS_MAX)
        return cmd_usage_error("bench", "bad value for --runs: %llu (1 to %d)",
                               (unsigned long long)runs, BENCH_RUNS_MAX);
    for (uint64_t r = 0; r < runs; r++)
        if (bench_run(dir, (uint32_t)zones, r + 1, fig[r]) != 0)
            return 1;
    bench_report(fig, (int)runs, (uint32_t)zones);
    return big > 0 ? bench_big(dir, (uint32_t)big) : 0;
}
