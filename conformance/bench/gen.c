/*
 * gen.c - cmon-conform-gen: write a realistic, valid exposition shaped like
 * the agent's (the families of DESIGN.md, one label set per zone, a latency
 * histogram per zone), for the benchmark and the bad-input tests.
 *
 *   cmon-conform-gen [--zones N] [--format text|openmetrics] [--seed S]
 *   cmon-conform-gen --series N [--shape SHAPE] [--format text|openmetrics]
 *
 * Deterministic for a given seed. About 5 kB per zone (56 samples): 10,000
 * zones give a 50 MB exposition. --series writes instead one counter family
 * of N series, each its own Metric (the worst case for the memory of a
 * checker, which must remember every series of a family). --shape picks
 * another worst case of N samples: `histogram`, `gaugehistogram` (OpenMetrics
 * only) and `summary` are one family of N Metrics of one sample each (a +Inf
 * bucket, a quantile), `families` N histogram families of one +Inf bucket
 * each; `plain` is the default. Exit 2 on a usage error.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gen_family {
    const char *gf_name, *gf_type, *gf_help;
    int gf_nics; /* one sample per VNIC */
} gen_family_t;

static const gen_family_t FAMILIES[] = {
    {"cpu_user_usage_seconds", "counter", "User CPU time of the zone.", 0},
    {"cpu_sys_usage_seconds", "counter", "System CPU time of the zone.", 0},
    {"cpu_wait_time_seconds", "counter", "Time runnable threads waited for a CPU.", 0},
    {"load_average", "gauge", "One-minute load average of the zone.", 0},
    {"mem_agg_usage_bytes", "gauge", "Resident memory of the zone.", 0},
    {"mem_limit_bytes", "gauge", "Physical memory cap of the zone.", 0},
    {"mem_swap_bytes", "gauge", "Swap used by the zone.", 0},
    {"mem_swap_limit_bytes", "gauge", "Swap cap of the zone.", 0},
    {"mem_anon_alloc_fail", "counter", "Anonymous allocations that failed.", 0},
    {"cpucap_cur_usage_percentage", "gauge", "Current CPU usage against the cap.", 0},
    {"cpucap_limit_percentage", "gauge", "CPU cap.", 0},
    {"cpucap_above_seconds", "counter", "Time spent above the cap.", 0},
    {"cpucap_below_seconds", "counter", "Time spent below the cap.", 0},
    {"vfs_bytes_read", "counter", "Bytes read through the VFS.", 0},
    {"vfs_bytes_written", "counter", "Bytes written through the VFS.", 0},
    {"vfs_read_operations", "counter", "VFS read operations.", 0},
    {"vfs_write_operations", "counter", "VFS write operations.", 0},
    {"vfs_wait_time_seconds", "counter", "Cumulative wait-queue time.", 0},
    {"vfs_run_time_seconds", "counter", "Cumulative run-queue time.", 0},
    {"vfs_elements_wait_state", "gauge", "Elements in the wait state.", 0},
    {"vfs_elements_run_state", "gauge", "Elements in the run state.", 0},
    {"tcp_failed_connection_attempts", "counter", "Failed TCP connection attempts.", 0},
    {"tcp_retransmitted_segments", "counter", "Retransmitted TCP segments.", 0},
    {"tcp_duplicate_acks", "counter", "Duplicate ACKs received.", 0},
    {"tcp_listen_drops", "counter", "Connections dropped from a full listen queue.", 0},
    {"tcp_active_opens", "counter", "Active TCP opens.", 0},
    {"tcp_passive_opens", "counter", "Passive TCP opens.", 0},
    {"tcp_current_established_connections", "gauge", "Established TCP connections.", 0},
    {"net_agg_received_bytes", "counter", "Bytes received by the VNIC.", 1},
    {"net_agg_sent_bytes", "counter", "Bytes sent by the VNIC.", 1},
    {"net_agg_received_packets", "counter", "Packets received by the VNIC.", 1},
    {"net_agg_sent_packets", "counter", "Packets sent by the VNIC.", 1},
    {"zfs_used_bytes", "gauge", "Space used by the dataset.", 0},
    {"zfs_available_bytes", "gauge", "Space available to the dataset.", 0},
    {"zfs_quota_bytes", "gauge", "Quota of the dataset.", 0},
    {"zfs_compressratio", "gauge", "Compression ratio of the dataset.", 0},
    {"zone_metrics_available_boolean", "gauge", "Whether the zone collector worked.", 0},
};

static const double BOUNDS[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                0.01,   0.025,   0.05,   0.1,   0.25,   0.5};

typedef struct gen {
    int g_zones, g_om, g_series;
    uint64_t g_rng;
} gen_t;

static uint64_t
gen_rand(gen_t *g)
{
    g->g_rng = g->g_rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return g->g_rng >> 17;
}

static void
gen_uuid(int zone, char out[37])
{
    uint64_t a = (uint64_t)zone * 0x9E3779B97F4A7C15ULL, b = a ^ 0xD6E8FEB86659FD93ULL;

    snprintf(out, 37, "%08" PRIx32 "-%04x-4%03x-a%03x-%012" PRIx64, (uint32_t)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)(b >> 52) & 0xfff,
             (uint64_t)(b & 0xffffffffffffULL));
}

static void
gen_family(gen_t *g, const gen_family_t *f)
{
    int om_counter = g->g_om && strcmp(f->gf_type, "counter") == 0;
    char uuid[37];
    int z, nic;

    printf("# HELP %s %s\n# TYPE %s %s\n", f->gf_name, f->gf_help, f->gf_name, f->gf_type);
    for (z = 0; z < g->g_zones; z++) {
        gen_uuid(z, uuid);
        for (nic = 0; nic < (f->gf_nics ? 2 : 1); nic++) {
            printf("%s%s{vm_uuid=\"%s\",brand=\"%s\"", f->gf_name, om_counter ? "_total" : "", uuid,
                   z % 3 == 0   ? "lx"
                   : z % 3 == 1 ? "joyent"
                                : "bhyve");
            if (f->gf_nics)
                printf(",interface=\"net%d\"", nic);
            if (strcmp(f->gf_type, "counter") == 0)
                printf("} %" PRIu64 "\n", (uint64_t)(gen_rand(g) % 100000000000ULL));
            else
                printf("} %.6g\n", (double)(gen_rand(g) % 1000000) / 1000.0);
        }
    }
}

static void
gen_histogram(gen_t *g)
{
    const char *name = "vfs_read_latency_seconds";
    char uuid[37];
    uint64_t count;
    size_t b;
    int z;

    printf("# HELP %s Latency of VFS reads.\n# TYPE %s histogram\n", name, name);
    for (z = 0; z < g->g_zones; z++) {
        gen_uuid(z, uuid);
        count = 0;
        for (b = 0; b < sizeof(BOUNDS) / sizeof(BOUNDS[0]); b++) {
            count += gen_rand(g) % 1000;
            printf("%s_bucket{vm_uuid=\"%s\",le=\"%g\"} %" PRIu64 "\n", name, uuid, BOUNDS[b],
                   count);
        }
        count += gen_rand(g) % 10;
        printf("%s_bucket{vm_uuid=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", name, uuid, count);
        printf("%s_sum{vm_uuid=\"%s\"} %.3f\n", name, uuid, (double)count * 0.0042);
        printf("%s_count{vm_uuid=\"%s\"} %" PRIu64 "\n", name, uuid, count);
    }
}

/* The shapes of --shape: each writes g_series samples, the worst cases for the
 * memory of a checker (every series, Metric or family must be remembered). */
enum gen_shape {
    SHAPE_PLAIN,
    SHAPE_HISTOGRAM,
    SHAPE_GAUGEHISTOGRAM,
    SHAPE_SUMMARY,
    SHAPE_FAMILIES
};

static const char *const SHAPES[] = {"plain",   "histogram", "gaugehistogram",
                                     "summary", "families",  NULL};

/* One histogram, gauge histogram or summary family of g_series Metrics of one
 * sample each: a +Inf bucket, or a quantile. */
static void
gen_single_sample_metrics(gen_t *g, enum gen_shape shape)
{
    const char *type = shape == SHAPE_SUMMARY     ? "summary"
                       : shape == SHAPE_HISTOGRAM ? "histogram"
                                                  : "gaugehistogram";
    const char *sample = shape == SHAPE_SUMMARY ? "" : "_bucket";
    const char *point = shape == SHAPE_SUMMARY ? "quantile=\"0.5\"" : "le=\"+Inf\"";
    char uuid[37];
    int i;

    printf("# HELP vfs_latency_seconds Latency of the zone.\n# TYPE vfs_latency_seconds %s\n",
           type);
    for (i = 0; i < g->g_series; i++) {
        gen_uuid(i, uuid);
        printf("vfs_latency_seconds%s{vm_uuid=\"%s\",op=\"%d\",%s} %" PRIu64 "\n", sample, uuid,
               i % 7, point, (uint64_t)(gen_rand(g) % 1000000));
    }
}

/* g_series histogram families of one +Inf bucket each (in OpenMetrics a
 * histogram has the most sample names that may not clash: _bucket, _count,
 * _sum, _created). */
static void
gen_families(gen_t *g)
{
    int i;

    for (i = 0; i < g->g_series; i++)
        printf("# TYPE zone_%d_latency_seconds histogram\n"
               "zone_%d_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
               i, i, (uint64_t)(gen_rand(g) % 1000000));
}

/* One counter family of g_series series: one label set per series. */
static void
gen_wide(gen_t *g)
{
    char uuid[37];
    int i;

    const char *family = g->g_om ? "vfs_operations" : "vfs_operations_total";

    printf("# HELP %s Operations of the zone.\n# TYPE %s counter\n", family, family);
    for (i = 0; i < g->g_series; i++) {
        gen_uuid(i, uuid);
        printf("vfs_operations_total{vm_uuid=\"%s\",op=\"%d\"} %" PRIu64 "\n", uuid, i % 7,
               (uint64_t)(gen_rand(g) % 100000000000ULL));
    }
}

static int
gen_usage(void)
{
    fprintf(stderr, "usage: cmon-conform-gen [--zones N | --series N "
                    "[--shape plain|histogram|gaugehistogram|summary|families]] "
                    "[--format text|openmetrics] [--seed S]\n");
    return 2;
}

static int
gen_shape_parse(const char *s)
{
    int i;

    for (i = 0; SHAPES[i] != NULL; i++)
        if (strcmp(s, SHAPES[i]) == 0)
            return i;
    return -1;
}

/* The --series N samples in the chosen shape. */
static void
gen_shaped(gen_t *g, enum gen_shape shape)
{
    if (shape == SHAPE_PLAIN)
        gen_wide(g);
    else if (shape == SHAPE_FAMILIES)
        gen_families(g);
    else
        gen_single_sample_metrics(g, shape);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"zones", required_argument, NULL, 'z'}, {"format", required_argument, NULL, 'f'},
        {"seed", required_argument, NULL, 's'},  {"series", required_argument, NULL, 'n'},
        {"shape", required_argument, NULL, 'S'}, {NULL, 0, NULL, 0}};
    gen_t g = {1000, 0, 0, 42};
    int shape = SHAPE_PLAIN;
    size_t i;
    int ch;

    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'z' && (g.g_zones = atoi(optarg)) > 0)
            continue;
        if (ch == 'n' && (g.g_series = atoi(optarg)) > 0)
            continue;
        if (ch == 'f' && (strcmp(optarg, "text") == 0 || strcmp(optarg, "openmetrics") == 0)) {
            g.g_om = strcmp(optarg, "openmetrics") == 0;
            continue;
        }
        if (ch == 's') {
            g.g_rng = strtoull(optarg, NULL, 10);
            continue;
        }
        if (ch == 'S' && (shape = gen_shape_parse(optarg)) >= 0)
            continue;
        return gen_usage();
    }
    /* the text format has no gauge histograms */
    if (optind < argc || (shape != SHAPE_PLAIN && g.g_series == 0) ||
        (shape == SHAPE_GAUGEHISTOGRAM && !g.g_om))
        return gen_usage();
    for (i = 0; g.g_series == 0 && i < sizeof(FAMILIES) / sizeof(FAMILIES[0]); i++)
        gen_family(&g, &FAMILIES[i]);
    if (g.g_series > 0)
        gen_shaped(&g, (enum gen_shape)shape);
    else
        gen_histogram(&g);
    if (g.g_om)
        printf("# EOF\n");
    return fflush(stdout) == 0 ? 0 : 2;
}
