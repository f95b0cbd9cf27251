/*
 * test_gz_collectors - the compute node's kstat collectors (cpu_util,
 * cpu_info, arcstats, zpool) against a world built here (12 CPUs, so the
 * original's sort would have shuffled them: D15), read through the real
 * libkstat/libzfs fakes: the families of the reference's sections 3.1-3.4
 * (golden.c: names, types, HELP, order, labels, one group each), every
 * value against the world, our documented differences (D6, D19), a
 * required arcstats field missing, the optional ones, pool health and
 * unknown fragmentation, metaslab groups coming and going, the prometheus
 * names; and that an instance's link collector ignores the global zone's
 * physical NICs.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "expo.h"
#include "golden.h"
#include "gz.h"
#include "kpool.h"
#include "scrape.h"
#include "testlib.h"
#include "world.h"
#include "../../sim/world/world_node.h"
#include "../../sim/world/world_zfs.h"

#define NCPUS 12
#define ZONE "0a1b2c3d-0000-4000-8000-0000000000d1"

static struct {
    char path[64];
    world_t *w;
    int zix;
    kpool_t *pool;
    selfstats_t *stats;
} fx;

static int
suite_init(void)
{
    strcpy(fx.path, "/dev/shm/cmon-test-gz-XXXXXX");
    int fd = mkstemp(fx.path);
    if (fd < 0)
        return -1;
    close(fd);
    world_params_t wp = {.wp_seed = 11, .wp_max_zones = 8, .wp_ncpus = NCPUS};
    if ((fx.w = world_create(fx.path, &wp)) == NULL)
        return -1;
    setenv("CMON_SIM_WORLD", fx.path, 1);
    world_zone_opts_t z = {.wzo_name = ZONE, .wzo_nics = 2};
    fx.zix = world_zone_add(fx.w, &z);
    world_load_t load = {.wl_cpu_user = 3,
                         .wl_cpu_sys = 1,
                         .wl_net_rx_bps = 1000000,
                         .wl_vfs_read_bps = 50000000,
                         .wl_rss = 1ull << 30};
    world_zone_load_set(fx.w, fx.zix, &load);
    world_time_advance(fx.w, 7000000000ull);
    fx.stats = selfstats_new();
    fx.pool = kpool_new(1, 1, fx.stats);
    return fx.zix >= 0 && fx.pool != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
    kpool_free(fx.pool);
    selfstats_free(fx.stats);
    if (fx.w != NULL)
        world_close(fx.w);
    world_unlink(fx.path);
    return 0;
}

/* The gz collectors' answer as text (malloc'd), or NULL. */
static char *
gz_text(metric_names_t names)
{
    scrape_env_t env = {fx.pool, NULL, fx.stats, names, collectors_gz, NULL};
    famset_t fs = FAMSET_INIT;
    sbuf_t out = SBUF_INIT;
    if (scrape_instance(&env, "global", &fs) == SCRAPE_OK)
        expo_write(&fs, EXPO_TEXT, &out);
    famset_release(&fs);
    return sbuf_detach(&out, NULL);
}

/* golden_check and golden_check_labels of collector p's section of body. */
static void
check_golden(const char *body, const char *p, const golden_family_t *g, size_t n,
             const char *const *labels)
{
    char why[512];
    char *sec = golden_section(body, p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sec);
    int rc = golden_check(sec, "", g, n, why, sizeof(why));
    if (rc != 0)
        fprintf(stderr, "\n%s: %s\n", p, why);
    CU_ASSERT_EQUAL(rc, 0);
    rc = golden_check_labels(sec, g, labels, n, why, sizeof(why));
    if (rc != 0)
        fprintf(stderr, "\n%s: %s\n", p, why);
    CU_ASSERT_EQUAL(rc, 0);
    free(sec);
}

/*
 * Defect D6, our decision (agent/README.md): the types of two families and
 * three HELP typos differ from the reference's; `was` is the reference's,
 * so this table is checked against golden_arcstats before it is applied.
 */
static const struct {
    const char *name, *was_type, *type, *was_help, *help;
} d6[] = {
    {"arcstats_hdr_size_bytes", "counter", "gauge", NULL, NULL},
    {"arcstats_l2_read_bytes", "gauge", "counter", NULL, NULL},
    {"arcstats_l2_write_bytes", NULL, NULL, "ARC L2 cummulative bytes written",
     "ARC L2 cumulative bytes written"},
    {"arcstats_l2_writes_done_total", NULL, NULL, "ARC L2 cummulative writes done",
     "ARC L2 cumulative writes done"},
    {"arcstats_l2_writes_sent_total", NULL, NULL, "ARC L2 cummulative writes sent",
     "ARC L2 cumulative writes sent"},
    {"arcstats_prefetch_metadata_hits_total", NULL, NULL, "ARC prefectch metatdata hits",
     "ARC prefetch metadata hits"},
    {"arcstats_overhead_size_bytes", NULL, NULL,
     "Bytes stored in all arc_buf_t, classifed as overhead since it is typically short-lived.",
     "Bytes stored in all arc_buf_t, classified as overhead since it is typically short-lived."},
};

/* The reference's arcstats rows without `absent` (an optional one), D6 applied: *n rows. */
static golden_family_t *
arcstats_expected(const char *absent, size_t *n)
{
    golden_family_t *g = calloc(golden_narcstats, sizeof(*g));
    *n = 0;
    for (size_t i = 0; g != NULL && i < golden_narcstats; i++) {
        if (strcmp(golden_arcstats[i].gf_name, absent) == 0)
            continue;
        g[*n] = golden_arcstats[i];
        for (size_t k = 0; k < sizeof(d6) / sizeof(d6[0]); k++) {
            if (strcmp(d6[k].name, g[*n].gf_name) != 0)
                continue;
            if (d6[k].was_type != NULL) {
                CU_ASSERT_STRING_EQUAL(g[*n].gf_type, d6[k].was_type);
                g[*n].gf_type = d6[k].type;
            }
            if (d6[k].was_help != NULL) {
                CU_ASSERT_STRING_EQUAL(g[*n].gf_help, d6[k].was_help);
                g[*n].gf_help = d6[k].help;
            }
        }
        (*n)++;
    }
    return g;
}

static void
test_golden(void)
{
    char *body = gz_text(NAMES_CMON);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    check_golden(body, "cpu_util", golden_cpu_util, golden_ncpu_util, golden_cpu_util_labels);
    check_golden(body, "cpu_info", golden_cpu_info, golden_ncpu_info, golden_cpu_info_labels);
    check_golden(body, "zpool", golden_zpool, golden_nzpool, golden_zpool_labels);
    size_t n;
    golden_family_t *g = arcstats_expected("arcstats_sync_wait_for_async_total", &n);
    CU_ASSERT_EQUAL_FATAL(n, 80); /* the world has async_upgrade_sync, as illumos today */
    check_golden(body, "arcstats", g, n, NULL);
    free(g);
    free(body);
}

/* cpu_util: every CPU's four values are the world's, in ascending cpu_id (D15). */
static void
test_cpu_values_order(void)
{
    static const char *const fields[] = {"cpu_nsec_idle", "cpu_nsec_kernel", "cpu_nsec_user",
                                         "cpu_nsec_dtrace"};
    char *body = gz_text(NAMES_CMON), series[96], want[64], got[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    for (size_t f = 0; f < 4; f++) {
        const char *prev = body;
        for (int c = 0; c < NCPUS; c++) {
            world_value_t v;
            CU_ASSERT_EQUAL_FATAL(world_truth(fx.w, "cpu", c, "sys", fields[f], &v), 0);
            snprintf(series, sizeof(series), "%s{cpu_id=\"%d\"}", golden_cpu_util[f].gf_name, c);
            snprintf(want, sizeof(want), "%llu.%09llu", (unsigned long long)(v.wv_u / 1000000000),
                     (unsigned long long)(v.wv_u % 1000000000));
            const char *s = testlib_sample_text(body, series, got, sizeof(got));
            CU_ASSERT_PTR_NOT_NULL_FATAL(s);
            CU_ASSERT_DOUBLE_EQUAL(strtod(s, NULL), strtod(want, NULL), 1e-9);
            const char *at = strstr(body, series);
            CU_ASSERT(at > prev); /* after the previous CPU's */
            prev = at;
        }
    }
    world_value_t model;
    CU_ASSERT_EQUAL(world_truth(fx.w, "cpu_info", 0, "cpu_info0", "model", &model), 0);
    CU_ASSERT_EQUAL(testlib_sample(body, "cpu_info_model"), (double)model.wv_i);
    free(body);
}

/* The kstat field of each row of golden_arcstats (the reference's fourth column). */
static const char *const arc_fields[] = {
    "anon_evictable_data",
    "anon_evictable_metadata",
    "anon_size",
    "arc_meta_limit",
    "arc_meta_max",
    "arc_meta_min",
    "arc_meta_used",
    "c",
    "c_max",
    "c_min",
    "compressed_size",
    "data_size",
    "demand_data_hits",
    "demand_data_misses",
    "demand_hit_predictive_prefetch",
    "demand_metadata_hits",
    "demand_metadata_misses",
    "evict_l2_cached",
    "evict_l2_eligible",
    "evict_l2_ineligible",
    "evict_l2_skip",
    "evict_not_enough",
    "evict_skip",
    "hash_chain_max",
    "hash_chains",
    "hash_collisions",
    "hash_elements",
    "hash_elements_max",
    "hdr_size",
    "hits",
    "l2_abort_lowmem",
    "l2_asize",
    "l2_cksum_bad",
    "l2_evict_l1cached",
    "l2_evict_lock_retry",
    "l2_evict_reading",
    "l2_feeds",
    "l2_free_on_write",
    "l2_hdr_size",
    "l2_hits",
    "l2_io_error",
    "l2_misses",
    "l2_read_bytes",
    "l2_rw_clash",
    "l2_size",
    "l2_write_bytes",
    "l2_writes_done",
    "l2_writes_error",
    "l2_writes_lock_retry",
    "l2_writes_sent",
    "memory_throttle_count",
    "metadata_size",
    "mfu_evictable_data",
    "mfu_evictable_metadata",
    "mfu_ghost_evictable_data",
    "mfu_ghost_evictable_metadata",
    "mfu_ghost_hits",
    "mfu_ghost_size",
    "mfu_hits",
    "mfu_size",
    "misses",
    "mru_evictable_data",
    "mru_evictable_metadata",
    "mru_ghost_evictable_data",
    "mru_ghost_evictable_metadata",
    "mru_ghost_hits",
    "mru_ghost_size",
    "mru_hits",
    "mru_size",
    "mutex_miss",
    "other_size",
    "overhead_size",
    "p",
    "prefetch_data_hits",
    "prefetch_data_misses",
    "prefetch_metadata_hits",
    "prefetch_metadata_misses",
    "size",
    "sync_wait_for_async",
    "async_upgrade_sync",
    "uncompressed_size",
};

/* arcstats: the 80 values are the kstat's, raw. */
static void
test_arcstats_values(void)
{
    char *body = gz_text(NAMES_CMON);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    int right = 0;
    for (size_t i = 0; i < golden_narcstats; i++) {
        const char *name = golden_arcstats[i].gf_name;
        double got = testlib_sample(body, name);
        if (strcmp(name, "arcstats_sync_wait_for_async_total") == 0) {
            CU_ASSERT(isnan(got));
            continue;
        }
        world_value_t v;
        CU_ASSERT_EQUAL_FATAL(world_truth(fx.w, "zfs", 0, "arcstats", arc_fields[i], &v), 0);
        right += got == (double)v.wv_u;
        if (got != (double)v.wv_u)
            fprintf(stderr, "\n%s: %g, world %llu\n", name, got, (unsigned long long)v.wv_u);
    }
    CU_ASSERT_EQUAL(right, 80);
    CU_ASSERT(testlib_sample(body, "arcstats_hits_total") > 0);
    CU_ASSERT(testlib_sample(body, "arcstats_size_bytes") > 0);
    free(body);
}

/*
 * A platform that renamed a required field: arcstats available 0, none of
 * its families, the other collectors served; the optional pair: whichever
 * exists is served.
 */
static void
test_arcstats_fields(void)
{
    CU_ASSERT_EQUAL_FATAL(world_arc_rename(fx.w, "evict_l2_skip", "evict_l2_skipped"), 0);
    char *body = gz_text(NAMES_CMON);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    CU_ASSERT_EQUAL(testlib_sample(body, "arcstats_metrics_available_boolean"), 0);
    CU_ASSERT_FALSE(testlib_has_line(body, "arcstats_hits_total"));
    CU_ASSERT_FALSE(testlib_has_line(body, "# HELP arcstats_size_bytes"));
    CU_ASSERT_EQUAL(testlib_sample(body, "cpu_util_metrics_available_boolean"), 1);
    CU_ASSERT_EQUAL(testlib_sample(body, "zpool_metrics_available_boolean"), 1);
    free(body);
    CU_ASSERT_EQUAL(world_arc_rename(fx.w, "evict_l2_skip", NULL), 0);

    CU_ASSERT_EQUAL_FATAL(world_arc_rename(fx.w, "async_upgrade_sync", "sync_wait_for_async"), 0);
    body = gz_text(NAMES_CMON);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    CU_ASSERT_EQUAL(testlib_sample(body, "arcstats_metrics_available_boolean"), 1);
    world_value_t v;
    CU_ASSERT_EQUAL(world_truth(fx.w, "zfs", 0, "arcstats", "sync_wait_for_async", &v), 0);
    CU_ASSERT_EQUAL(testlib_sample(body, "arcstats_sync_wait_for_async_total"), (double)v.wv_u);
    CU_ASSERT_FALSE(testlib_has_line(body, "arcstats_async_upgrade_sync_total"));
    size_t n;
    golden_family_t *g = arcstats_expected("arcstats_async_upgrade_sync_total", &n);
    check_golden(body, "arcstats", g, n, NULL);
    free(g);
    free(body);
    CU_ASSERT_EQUAL(world_arc_rename(fx.w, "async_upgrade_sync", NULL), 0);
}

/* Every health state, unknown fragmentation (D19), pools in name order. */
static void
test_zpool_health_frag(void)
{
    static const char *const names[] = {"a0", "b1", "c2", "d3", "e4", "f5"};
    world_zfs_state_t st;
    CU_ASSERT_EQUAL_FATAL(world_zfs_state_read(fx.w, fx.path, &st), 0);
    for (uint32_t h = 0; h < 6; h++) {
        world_pool_t p = {.wpl_size = (uint64_t)(h + 1) << 30,
                          .wpl_base_alloc = h << 20,
                          .wpl_frag = h == 2 ? UINT32_MAX : 10 * h,
                          .wpl_health = h};
        snprintf(p.wpl_name, sizeof(p.wpl_name), "%s", names[5 - h]); /* set in reverse */
        CU_ASSERT_EQUAL_FATAL(world_zfs_pool_set(fx.w, &p), 0);
    }
    char *body = gz_text(NAMES_CMON), series[96];
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    const char *prev = body;
    for (uint32_t h = 0; h < 6; h++) {
        const char *pool = names[5 - h];
        snprintf(series, sizeof(series), "zpool_health_status{pool=\"%s\"}", pool);
        CU_ASSERT_EQUAL(testlib_sample(body, series), (double)h);
        snprintf(series, sizeof(series), "zpool_fragmentation_percent{pool=\"%s\"}", pool);
        if (h == 2)
            CU_ASSERT_FALSE(testlib_has_line(body, series)) /* "-": no sample */
        else
            CU_ASSERT_EQUAL(testlib_sample(body, series), 10.0 * h);
        snprintf(series, sizeof(series), "zpool_size_bytes{pool=\"%s\"}", pool);
        CU_ASSERT_EQUAL(testlib_sample(body, series), (double)((uint64_t)(h + 1) << 30));
    }
    for (int i = 0; i < 6; i++) { /* name order, as zpool list */
        snprintf(series, sizeof(series), "zpool_size_bytes{pool=\"%s\"}", names[i]);
        const char *at = strstr(body, series);
        CU_ASSERT(at != NULL && at > prev);
        prev = at != NULL ? at : prev;
    }
    check_golden(body, "zpool", golden_zpool, golden_nzpool, golden_zpool_labels);
    CU_ASSERT_EQUAL(world_zfs_state_write(fx.w, &st), 0);
    free(body);
}

/* Metaslab groups: the world's loads, a new pool's group, a removed one; kstat-name order. */
static void
test_metaslab(void)
{
    world_metaslab_info_t m[16];
    char series[160];
    CU_ASSERT_EQUAL_FATAL(world_metaslab_set(fx.w, "data", 12345, 7, 2), 2);
    usleep(60000); /* the agent re-reads a changed chain at most every 50 ms (KREADER_SYNC_MS) */
    uint32_t n = world_metaslab_list(fx.w, m, 16);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    char *body = gz_text(NAMES_CMON);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    for (uint32_t i = 0; i < n; i++) {
        snprintf(series, sizeof(series), "metaslab_group_loads{pool=\"%s\",vdev_guid=\"%llu\"}",
                 m[i].wmi_pool, (unsigned long long)m[i].wmi_guid);
        CU_ASSERT_EQUAL(testlib_sample(body, series), (double)m[i].wmi_loads);
        snprintf(series, sizeof(series), "metaslab_group_unloads{pool=\"%s\",vdev_guid=\"%llu\"}",
                 m[i].wmi_pool, (unsigned long long)m[i].wmi_guid);
        CU_ASSERT_EQUAL(testlib_sample(body, series), (double)m[i].wmi_unloads);
    }
    /* "12345" sorts before the seed's 19/20-digit guids starting with 1..9 but after "1..." */
    const char *a = strstr(body, "metaslab_group_loads{"), *prev = a;
    for (const char *l = a; l != NULL && strncmp(l, "metaslab_group_loads{", 21) == 0;) {
        const char *g = strstr(l, "vdev_guid=\"") + 11, *pg = strstr(prev, "vdev_guid=\"") + 11;
        CU_ASSERT(strncmp(pg, g, strcspn(g, "\"") + 1) <= 0);
        prev = l;
        l = strchr(l, '\n');
        l = l != NULL ? l + 1 : NULL;
    }
    free(body);
    CU_ASSERT_EQUAL(world_metaslab_remove(fx.w, 12345), 0);
    usleep(60000);
    body = gz_text(NAMES_CMON);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    CU_ASSERT_PTR_NULL(strstr(body, "vdev_guid=\"12345\""));
    CU_ASSERT_EQUAL(testlib_sample(body, "zpool_metrics_available_boolean"), 1);
    free(body);
}

/* --metric-names prometheus: arcstats_<field>[_total] and the extras, cpu_info per CPU. */
static void
test_prometheus_names(void)
{
    char *body = gz_text(NAMES_PROMETHEUS), got[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "\n# TYPE arcstats_size gauge\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "\n# TYPE arcstats_hdr_size gauge\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "\n# TYPE arcstats_l2_read_bytes_total counter\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "\n# TYPE arcstats_deleted_total counter\n")); /* extra */
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "\n# TYPE arcstats_l2_rebuild_size gauge\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "\n# TYPE arcstats_l2_log_blks gauge\n")); /* not _count */
    CU_ASSERT_PTR_NULL(strstr(body, "arcstats_l2_log_blk_count"));
    CU_ASSERT_PTR_NULL(strstr(body, "arcstats_size_bytes"));
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "\n# TYPE metaslab_group_loads_total counter\n"));
    int models = 0;
    for (const char *l = strstr(body, "\ncpu_info_model{cpu_id="); l != NULL;
         l = strstr(l + 1, "\ncpu_info_model{cpu_id="))
        models++;
    CU_ASSERT_EQUAL(models, NCPUS);
    CU_ASSERT_PTR_NOT_NULL(
        testlib_sample_text(body, "cpu_idle_seconds_total{cpu_id=\"11\"}", got, sizeof(got)));
    free(body);
}

/* The global zone's physical NICs (link:0:ixgbe<n>) are no instance's links. */
static void
test_links_ignore_global(void)
{
    world_value_t v;
    CU_ASSERT_EQUAL_FATAL(world_truth(fx.w, "link", 0, "ixgbe0", "rbytes64", &v), 0);
    CU_ASSERT(v.wv_u > 0);
    scrape_env_t env = {fx.pool, NULL, fx.stats, NAMES_CMON, collectors_vm, NULL};
    famset_t fs = FAMSET_INIT;
    sbuf_t out = SBUF_INIT;
    CU_ASSERT_EQUAL_FATAL(scrape_instance(&env, ZONE, &fs), SCRAPE_OK);
    expo_write(&fs, EXPO_TEXT, &out);
    famset_release(&fs);
    char *body = sbuf_detach(&out, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    int samples = 0;
    for (const char *l = strstr(body, "\nnet_agg_bytes_in{"); l != NULL;
         l = strstr(l + 1, "\nnet_agg_bytes_in{"))
        samples++;
    CU_ASSERT_EQUAL(samples, 2); /* the zone's two VNICs */
    CU_ASSERT_PTR_NULL(strstr(body, "ixgbe"));
    free(body);
}

static const CU_TestInfo tests[] = {
    {"families as the original's (golden)", test_golden},
    {"cpu_util values, ascending cpu_id", test_cpu_values_order},
    {"arcstats values", test_arcstats_values},
    {"arcstats required and optional fields", test_arcstats_fields},
    {"zpool health and unknown fragmentation", test_zpool_health_frag},
    {"metaslab groups", test_metaslab},
    {"prometheus names", test_prometheus_names},
    {"links ignore the global zone's NICs", test_links_ignore_global},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    const cunit_suite_t suites[] = {{"agent_gz_collectors", suite_init, suite_clean, tests},
                                    {NULL, NULL, NULL, NULL}};
    return cunit_main_suites(argc, argv, suites);
}
