/*
 * CUnit tests of the collectors and the scrape against worlds built here
 * with cmonworld (the fake kernel's writer library): values against the
 * world's ground truth, uncapped zones, failing kstats, vanishing and
 * rebooting zones, the cache, and the kstat index following the chain.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "../../sim/world/world.h"
#include "cache.h"
#include "collector.h"
#include "metacache.h"
#include "expo.h"
#include "golden.h"
#include "golden_vm.h"
#include "kpool.h"
#include "scrape.h"
#include "testlib.h"
#include "zfsvm.h"
#include "../../sim/world/world_counter.h"
#include "../../sim/world/world_zfs.h"

#define ZONE_CAPPED "0a1b2c3d-0000-4000-8000-00000000000a"
#define ZONE_PLAIN "0a1b2c3d-0000-4000-8000-00000000000b"
#define ZONE_HALTED "0a1b2c3d-0000-4000-8000-00000000000c"

typedef struct fixture {
    char path[64];
    world_t *w;
    int zix_capped, zix_plain, zix_halted;
    kpool_t *pool;
    selfstats_t *stats;
} fixture_t;

/* One world for the whole suite (the world mapping is per process). */
static fixture_t fx;

static int
suite_init(void)
{
    strcpy(fx.path, "/dev/shm/cmon-test-XXXXXX");
    int fd = mkstemp(fx.path);
    if (fd < 0)
        return -1;
    close(fd);
    world_params_t wp = {.wp_seed = 7, .wp_max_zones = 64};
    fx.w = world_create(fx.path, &wp);
    if (fx.w == NULL)
        return -1;
    setenv("CMON_SIM_WORLD", fx.path, 1);
    world_zone_opts_t capped = {.wzo_name = ZONE_CAPPED,
                                .wzo_cpu_cap = 150,
                                .wzo_mem_cap = 1ull << 30,
                                .wzo_swap_cap = 2ull << 30,
                                .wzo_nics = 2};
    world_zone_opts_t plain = {.wzo_name = ZONE_PLAIN, .wzo_nics = 1};
    world_zone_opts_t halted = {.wzo_name = ZONE_HALTED, .wzo_halted = 1};
    fx.zix_capped = world_zone_add(fx.w, &capped);
    fx.zix_plain = world_zone_add(fx.w, &plain);
    fx.zix_halted = world_zone_add(fx.w, &halted);
    world_load_t load = {.wl_cpu_user = 0.7,
                         .wl_cpu_sys = 0.2,
                         .wl_net_rx_bps = 1000000,
                         .wl_net_tx_bps = 300000,
                         .wl_vfs_read_bps = 5000000,
                         .wl_vfs_write_bps = 700000,
                         .wl_rss = 300ull << 20};
    world_zone_load_set(fx.w, fx.zix_capped, &load);
    world_zone_load_set(fx.w, fx.zix_plain, &load);
    world_time_advance(fx.w, 5000000000ull);
    fx.stats = selfstats_new();
    fx.pool = kpool_new(2, 1, fx.stats);
    return fx.zix_capped >= 0 && fx.zix_plain >= 0 && fx.pool != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
    kpool_free(fx.pool);
    selfstats_free(fx.stats);
    if (fx.w != NULL)
        world_close(fx.w);
    world_unlink(fx.path); /* and the ZFS state test_zfs_handle_kept wrote beside it */
    return 0;
}

/* Scrapes zone into a text body (malloc'd) or NULL; *rc gets SCRAPE_*. */
static char *
scrape_text(const char *zone, metric_names_t names, cache_t *cache, int *rc)
{
    scrape_env_t env = {fx.pool, cache, fx.stats, names, collectors_vm, NULL};
    famset_t fs = FAMSET_INIT;
    *rc = scrape_instance(&env, zone, &fs);
    sbuf_t out = SBUF_INIT;
    if (*rc == SCRAPE_OK)
        expo_write(&fs, EXPO_TEXT, &out);
    famset_release(&fs);
    return sbuf_detach(&out, NULL);
}

/* The value text of series in body (buf: 64 bytes), "" when absent. */
static const char *
sample_or_empty(const char *body, const char *series, char *buf)
{
    const char *s = testlib_sample_text(body, series, buf, 64);
    return s != NULL ? s : "";
}

/* Asserts that series has the world's value of module:stat for zone zix. */
static void
check_truth(const char *body, int zix, const char *series, const char *module, const char *stat)
{
    world_value_t v;
    CU_ASSERT_EQUAL_FATAL(world_truth_zone(fx.w, zix, module, stat, &v), 0);
    char want[32], got[64];
    snprintf(want, sizeof(want), "%llu",
             (unsigned long long)(v.wv_type == WORLD_V_INT ? (uint64_t)v.wv_i : v.wv_u));
    const char *s = testlib_sample_text(body, series, got, sizeof(got));
    if (s == NULL || strcmp(s, want) != 0)
        fprintf(stderr, "\n%s: got %s, want %s\n", series, s ? s : "(none)", want);
    CU_ASSERT(s != NULL && strcmp(s, want) == 0);
}

static void
test_values_match_world(void)
{
    int rc;
    char *body = scrape_text(ZONE_CAPPED, NAMES_CMON, NULL, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    int z = fx.zix_capped;
    check_truth(body, z, "cpu_user_usage", "zones", "nsec_user");
    check_truth(body, z, "cpu_sys_usage", "zones", "nsec_sys");
    check_truth(body, z, "cpu_wait_time", "zones", "nsec_waitrq");
    check_truth(body, z, "mem_agg_usage", "memory_cap", "rss");
    check_truth(body, z, "mem_limit", "memory_cap", "physcap");
    check_truth(body, z, "mem_swap_limit", "memory_cap", "swapcap");
    check_truth(body, z, "cpucap_limit_percentage", "caps", "value");
    check_truth(body, z, "cpucap_cur_usage_percentage", "caps", "usage");
    check_truth(body, z, "vfs_bytes_read_count", "zone_vfs", "nread");
    check_truth(body, z, "vfs_run_length_time_count", "zone_vfs", "rlentime");
    check_truth(body, z, "vfs_wait_length_time_count", "zone_vfs", "wlentime");
    check_truth(body, z, "tcp_active_open_count", "tcp", "activeOpens");
    char buf[64];
    CU_ASSERT_PTR_NOT_NULL(
        testlib_sample_text(body, "zone_misc_metrics_available_boolean", buf, 64));
    CU_ASSERT_STRING_EQUAL(buf, "1");
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "net_agg_bytes_in{interface=\""));
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "time_of_day", buf, sizeof(buf)));
    CU_ASSERT(strtoull(buf, NULL, 10) > 1500000000000ull); /* milliseconds */
    free(body);
}

static void
test_links_per_interface(void)
{
    int rc;
    char *body = scrape_text(ZONE_CAPPED, NAMES_CMON, NULL, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    world_zone_info_t zi;
    world_zone_info(fx.w, fx.zix_capped, &zi);
    for (int nic = 0; nic < 2; nic++) {
        char kname[64], series[128], got[64];
        snprintf(kname, sizeof(kname), "z%d_net%d", zi.wzi_zoneid, nic);
        world_value_t v;
        CU_ASSERT_EQUAL_FATAL(world_truth(fx.w, "link", 0, kname, "rbytes64", &v), 0);
        snprintf(series, sizeof(series), "net_agg_bytes_in{interface=\"vnic%d\"}", nic);
        CU_ASSERT_PTR_NOT_NULL_FATAL(testlib_sample_text(body, series, got, sizeof(got)));
        CU_ASSERT_EQUAL(strtoull(got, NULL, 10), v.wv_u);
    }
    /* one group per family: the family's TYPE line appears once */
    const char *first = strstr(body, "# TYPE net_agg_bytes_in ");
    CU_ASSERT(first != NULL && strstr(first + 1, "# TYPE net_agg_bytes_in ") == NULL);
    free(body);
}

static void
test_uncapped_zone(void)
{
    int rc;
    char *body = scrape_text(ZONE_PLAIN, NAMES_CMON, NULL, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    char buf[64];
    CU_ASSERT_PTR_NULL(strstr(body, "cpucap_limit_percentage"));
    CU_ASSERT_PTR_NULL(strstr(body, "cpucap_cur_usage_percentage"));
    CU_ASSERT_PTR_NULL(testlib_sample_text(body, "mem_limit", buf, sizeof(buf)));
    CU_ASSERT_PTR_NULL(testlib_sample_text(body, "mem_swap_limit", buf, sizeof(buf)));
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "mem_agg_usage", buf, sizeof(buf)));
    /* as the original: available 0 and no cpucap data family at all */
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "cpucap_metrics_available_boolean", buf, 64));
    CU_ASSERT_STRING_EQUAL(buf, "0");
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "cpucap_metrics_cached_boolean", buf, 64));
    CU_ASSERT_STRING_EQUAL(buf, "0");
    char why[512];
    CU_ASSERT_EQUAL(golden_check(body, "cpucap_", golden_cpucap, 0, why, sizeof(why)), 0);
    CU_ASSERT_PTR_NULL(strstr(body, "# TYPE cpucap_burst_limit_seconds"));
    /* the other collectors are unaffected */
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "memcap_metrics_available_boolean", buf, 64));
    CU_ASSERT_STRING_EQUAL(buf, "1");
    free(body);
}

/*
 * An uncapped zone through the cache: the empty answer is kept like any
 * other, so the next scrape within the TTL says available 0, cached 1 (the
 * reference's 2.A.3 example).
 */
static void
test_uncapped_zone_cached(void)
{
    cache_t *c = cache_new(16, 3600);
    int rc;
    char buf[64];
    char *body = scrape_text(ZONE_PLAIN, NAMES_CMON, c, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    CU_ASSERT_STRING_EQUAL(sample_or_empty(body, "cpucap_metrics_available_boolean", buf), "0");
    CU_ASSERT_STRING_EQUAL(sample_or_empty(body, "cpucap_metrics_cached_boolean", buf), "0");
    free(body);
    body = scrape_text(ZONE_PLAIN, NAMES_CMON, c, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    CU_ASSERT_STRING_EQUAL(sample_or_empty(body, "cpucap_metrics_available_boolean", buf), "0");
    CU_ASSERT_STRING_EQUAL(sample_or_empty(body, "cpucap_metrics_cached_boolean", buf), "1");
    CU_ASSERT_STRING_EQUAL(sample_or_empty(body, "memcap_metrics_available_boolean", buf), "1");
    CU_ASSERT_PTR_NULL(strstr(body, "# TYPE cpucap_limit_percentage"));
    free(body);
    cache_free(c);
}

/* The capped zone's cpucap families are the original's (section 2.2), with the world's values. */
static void
test_cpucap_golden(void)
{
    static const struct {
        const char *name, *stat;
    } fields[] = {
        {"cpucap_above_base_seconds_total", "above_base_sec"},
        {"cpucap_above_seconds_total", "above_sec"},
        {"cpucap_baseline_percentage", "baseline"},
        {"cpucap_below_seconds_total", "below_sec"},
        {"cpucap_burst_limit_seconds", "burst_limit_sec"},
        {"cpucap_effective_percentage", "effective"},
        {"cpucap_max_usage_percentage", "maxusage"},
        {"cpucap_waiting_threads_count", "nwait"},
        {"cpucap_cur_usage_percentage", "usage"},
        {"cpucap_limit_percentage", "value"},
    };
    int rc;
    char why[512], buf[64];
    char *body = scrape_text(ZONE_CAPPED, NAMES_CMON, NULL, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    int golden = golden_check(body, "cpucap_", golden_cpucap, golden_ncpucap, why, sizeof(why));
    if (golden != 0)
        fprintf(stderr, "\ncpucap: %s\n", why);
    CU_ASSERT_EQUAL(golden, 0);
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        check_truth(body, fx.zix_capped, fields[i].name, "caps", fields[i].stat);
    CU_ASSERT_STRING_EQUAL(sample_or_empty(body, "cpucap_metrics_available_boolean", buf), "1");
    free(body);
}

/* Hundredths as JS prints Number("1.50"): 1.5, 1, 1.05. */
static void
ratio_text(uint64_t hundredths, char *buf, size_t len)
{
    if (hundredths % 100 == 0)
        snprintf(buf, len, "%llu", (unsigned long long)(hundredths / 100));
    else if (hundredths % 10 == 0)
        snprintf(buf, len, "%llu.%llu", (unsigned long long)(hundredths / 100),
                 (unsigned long long)(hundredths % 100 / 10));
    else
        snprintf(buf, len, "%llu.%02llu", (unsigned long long)(hundredths / 100),
                 (unsigned long long)(hundredths % 100));
}

/* Asserts that series of body is the text want. */
static void
check_text(const char *body, const char *series, const char *want)
{
    char got[64];
    const char *s = testlib_sample_text(body, series, got, sizeof(got));
    if (s == NULL || strcmp(s, want) != 0)
        fprintf(stderr, "\n%s: got %s, want %s\n", series, s ? s : "(none)", want);
    CU_ASSERT(s != NULL && strcmp(s, want) == 0);
}

/* The zfs families are the original's (section 2.7), with the world's dataset. */
static void
test_zfs_golden(void)
{
    char name[128], why[512], want[64];
    world_zfs_state_t st;
    world_dataset_t ds;
    snprintf(name, sizeof(name), "zones/%s", ZONE_PLAIN);
    CU_ASSERT_EQUAL_FATAL(world_zfs_state_read(fx.w, fx.path, &st), 0);
    CU_ASSERT_EQUAL_FATAL(world_zfs_dataset(fx.w, &st, name, &ds), 0);
    zfsvm_t *z = zfsvm_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    famset_t fs = FAMSET_INIT;
    CU_ASSERT_EQUAL_FATAL(zfsvm_collect(z, ZONE_PLAIN, NAMES_CMON, &fs), 0);
    sbuf_t out = SBUF_INIT;
    expo_write(&fs, EXPO_TEXT, &out);
    char *body = sbuf_detach(&out, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    int golden = golden_check(body, "zfs_", golden_zfs, golden_nzfs, why, sizeof(why));
    if (golden != 0)
        fprintf(stderr, "\nzfs: %s\n", why);
    CU_ASSERT_EQUAL(golden, 0);
    const struct {
        const char *series;
        uint64_t v;
    } bytes[] = {
        {"zfs_available", ds.wd_available},
        {"zfs_used", ds.wd_used},
        {"zfs_logicalused", ds.wd_logicalused},
        {"zfs_recordsize", ds.wd_recordsize},
        {"zfs_quota", ds.wd_quota},
        {"zfs_referenced", ds.wd_referenced},
        {"zfs_logicalreferenced", ds.wd_logicalreferenced},
        {"zfs_usedbydataset", ds.wd_usedbydataset},
        {"zfs_usedbysnapshots", ds.wd_usedbysnapshots},
    };
    for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
        snprintf(want, sizeof(want), "%llu", (unsigned long long)bytes[i].v);
        check_text(body, bytes[i].series, want);
    }
    ratio_text(ds.wd_compressratio, want, sizeof(want));
    check_text(body, "zfs_compressratio", want);
    ratio_text(ds.wd_refcompressratio, want, sizeof(want));
    check_text(body, "zfs_refcompressratio", want);
    CU_ASSERT(ds.wd_refcompressratio >= 100 && ds.wd_logicalreferenced >= ds.wd_referenced);
    free(body);
    famset_release(&fs);
    zfsvm_free(z);
}

static void
test_unknown_and_halted(void)
{
    int rc;
    free(scrape_text(ZONE_HALTED, NAMES_CMON, NULL, &rc));
    CU_ASSERT_EQUAL(rc, SCRAPE_NOTFOUND);
    free(scrape_text("0a1b2c3d-0000-4000-8000-0000000000ff", NAMES_CMON, NULL, &rc));
    CU_ASSERT_EQUAL(rc, SCRAPE_NOTFOUND);
}

static void
test_failing_kstat_only_that_collector(void)
{
    world_fault_t f = {.wf_zix = fx.zix_capped, .wf_error = EIO, .wf_rate = 1.0};
    strcpy(f.wf_module, "tcp");
    CU_ASSERT_FATAL(world_fault_set(fx.w, &f) >= 0);
    int rc;
    char buf[64];
    char *body = scrape_text(ZONE_CAPPED, NAMES_CMON, NULL, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "tcp_metrics_available_boolean", buf, 64));
    CU_ASSERT_STRING_EQUAL(buf, "0");
    CU_ASSERT_PTR_NULL(strstr(body, "tcp_active_open_count"));
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "cpu_user_usage", buf, 64));
    free(body);
    /* another zone is not silenced */
    body = scrape_text(ZONE_PLAIN, NAMES_CMON, NULL, &rc);
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "tcp_metrics_available_boolean", buf, 64));
    CU_ASSERT_STRING_EQUAL(buf, "1");
    free(body);
    world_fault_clear(fx.w);
    /* nor is the same zone once the fault is gone */
    body = scrape_text(ZONE_CAPPED, NAMES_CMON, NULL, &rc);
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "tcp_metrics_available_boolean", buf, 64));
    CU_ASSERT_STRING_EQUAL(buf, "1");
    free(body);
}

static void
test_vanishing_zone(void)
{
    world_fault_t f = {.wf_zix = fx.zix_plain, .wf_vanish = 1};
    CU_ASSERT_FATAL(world_fault_set(fx.w, &f) >= 0);
    int rc;
    free(scrape_text(ZONE_PLAIN, NAMES_CMON, NULL, &rc));
    CU_ASSERT_EQUAL(rc, SCRAPE_NOTFOUND);
    world_fault_clear(fx.w);
    free(scrape_text(ZONE_PLAIN, NAMES_CMON, NULL, &rc));
    CU_ASSERT_EQUAL(rc, SCRAPE_OK);
}

static void
test_cache_and_reboot(void)
{
    cache_t *c = cache_new(16, 3600);
    int rc;
    char a[64], b[64];
    char *body = scrape_text(ZONE_CAPPED, NAMES_CMON, c, &rc);
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "zone_misc_metrics_cached_boolean", a, 64));
    CU_ASSERT_STRING_EQUAL(a, "0");
    testlib_sample_text(body, "cpu_user_usage", a, sizeof(a));
    free(body);
    world_time_advance(fx.w, 1000000000ull);
    body = scrape_text(ZONE_CAPPED, NAMES_CMON, c, &rc);
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "zone_misc_metrics_cached_boolean", b, 64));
    CU_ASSERT_STRING_EQUAL(b, "1");
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "time_metrics_cached_boolean", b, 64));
    CU_ASSERT_STRING_EQUAL(b, "0");
    testlib_sample_text(body, "cpu_user_usage", b, sizeof(b));
    CU_ASSERT_STRING_EQUAL(a, b); /* the cached value, not the newer one */
    free(body);
    /* a reboot gives a new zoneid: nothing of the old boot is served */
    CU_ASSERT_EQUAL_FATAL(world_zone_reboot(fx.w, fx.zix_capped), 0);
    world_time_advance(fx.w, 1000000000ull);
    body = scrape_text(ZONE_CAPPED, NAMES_CMON, c, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "zone_misc_metrics_cached_boolean", b, 64));
    CU_ASSERT_STRING_EQUAL(b, "0");
    check_truth(body, fx.zix_capped, "cpu_user_usage", "zones", "nsec_user");
    free(body);
    cache_free(c);
}

static void
test_index_follows_chain(void)
{
    world_zone_opts_t o = {.wzo_name = "0a1b2c3d-0000-4000-8000-00000000000d", .wzo_nics = 1};
    int zix = world_zone_add(fx.w, &o);
    CU_ASSERT_FATAL(zix >= 0);
    int rc;
    char *body = scrape_text(o.wzo_name, NAMES_CMON, NULL, &rc);
    CU_ASSERT_EQUAL(rc, SCRAPE_OK);
    check_truth(body, zix, "cpu_user_usage", "zones", "nsec_user");
    free(body);
    CU_ASSERT_EQUAL(world_zone_destroy(fx.w, zix), 0);
    free(scrape_text(o.wzo_name, NAMES_CMON, NULL, &rc));
    CU_ASSERT_EQUAL(rc, SCRAPE_NOTFOUND);
}

/*
 * Data buffers lent across reads and drops: every kstat of the chain, of
 * every size, read through the reader in rounds with drops in between,
 * holds the same bytes as a read into a fresh buffer on a second handle.
 */
static void
test_buffers_lent_across_drops(void)
{
    kreader_t *kr = kreader_open(NULL);
    kstat_ctl_t *kc = kstat_open();
    CU_ASSERT_PTR_NOT_NULL_FATAL(kr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    size_t reads = 0, same = 0;
    for (int round = 0; round < 3; round++) {
        kstat_t *other = kc->kc_chain;
        for (kstat_t *ksp = kreader_ctl(kr)->kc_chain; ksp != NULL && other != NULL;
             ksp = ksp->ks_next, other = other->ks_next) {
            if (kreader_read(kr, ksp) != 0 || kstat_read(kc, other, NULL) == -1)
                continue;
            reads++;
            /* string values point into their own buffer: compare the named records' values */
            kstat_named_t *a = ksp->ks_data, *b = other->ks_data;
            int equal =
                ksp->ks_data_size == other->ks_data_size && ksp->ks_ndata == other->ks_ndata;
            for (uint_t i = 0; equal && i < ksp->ks_ndata; i++) {
                equal = strcmp(a[i].name, b[i].name) == 0 && a[i].data_type == b[i].data_type;
                if (equal && a[i].data_type == KSTAT_DATA_STRING)
                    equal = strcmp(KSTAT_NAMED_STR_PTR(&a[i]), KSTAT_NAMED_STR_PTR(&b[i])) == 0;
                else if (equal && (a[i].data_type == KSTAT_DATA_INT32 ||
                                   a[i].data_type == KSTAT_DATA_UINT32))
                    equal = a[i].value.ui32 == b[i].value.ui32;
                else if (equal)
                    equal = a[i].value.ui64 == b[i].value.ui64;
            }
            same += equal;
            if (reads % (3 + round) == 0)
                kreader_drop(kr);
        }
        kreader_drop(kr);
    }
    CU_ASSERT(reads > 60);
    CU_ASSERT_EQUAL(same, reads);
    kstat_close(kc);
    kreader_close(kr);
}

/* The zone id of zone slot zix now. */
static int
zone_zoneid(int zix)
{
    world_zone_info_t zi;
    CU_ASSERT_EQUAL_FATAL(world_zone_info(fx.w, zix, &zi), 0);
    return zi.wzi_zoneid;
}

/* The first kstat of module:instance in chain order, by walking the chain. */
static kstat_t *
chain_first(kstat_t *chain, const char *module, int instance)
{
    for (kstat_t *ksp = chain; ksp != NULL; ksp = ksp->ks_next)
        if (ksp->ks_instance == instance && strcmp(ksp->ks_module, module) == 0)
            return ksp;
    return NULL;
}

/*
 * The index against a walk of the chain: every kstat found by its full
 * name, the first of its module:instance found without one, every zone's
 * links in chain order, and misses. Instance 0 holds more kstats (the
 * node's and the global zone's) than a bucket scans, so bisection is covered.
 */
static void
test_index_matches_chain_walk(void)
{
    kreader_t *kr = kreader_open(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(kr);
    kstat_t *chain = kreader_ctl(kr)->kc_chain;
    size_t n = 0, zero = 0;
    for (kstat_t *ksp = chain; ksp != NULL; ksp = ksp->ks_next, n++) {
        zero += ksp->ks_instance == 0;
        CU_ASSERT_PTR_EQUAL(kreader_find(kr, ksp->ks_module, ksp->ks_instance, ksp->ks_name), ksp);
        CU_ASSERT_PTR_EQUAL(kreader_find(kr, ksp->ks_module, ksp->ks_instance, NULL),
                            chain_first(chain, ksp->ks_module, ksp->ks_instance));
        CU_ASSERT_PTR_NULL(kreader_find(kr, ksp->ks_module, ksp->ks_instance, "no such kstat"));
        CU_ASSERT_PTR_NULL(kreader_find(kr, "nosuchmodule", ksp->ks_instance, NULL));
    }
    CU_ASSERT(n > 20);
    CU_ASSERT(zero > 8); /* more than kreader.c scans (KTABLE_SCAN): bisected */
    int zids[] = {zone_zoneid(fx.zix_capped), zone_zoneid(fx.zix_plain), 9999};
    for (size_t z = 0; z < sizeof(zids) / sizeof(zids[0]); z++) {
        kstat_t *want[16], *got[16];
        size_t nwant = 0;
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "z%d_", zids[z]);
        for (kstat_t *ksp = chain; ksp != NULL; ksp = ksp->ks_next)
            if (strcmp(ksp->ks_module, "link") == 0 &&
                strncmp(ksp->ks_name, prefix, strlen(prefix)) == 0 && nwant < 16)
                want[nwant++] = ksp;
        size_t ngot = kreader_links(kr, zids[z], got, 16);
        CU_ASSERT_EQUAL(ngot, nwant);
        for (size_t i = 0; i < nwant && i < ngot; i++)
            CU_ASSERT_PTR_EQUAL(got[i], want[i]);
    }
    CU_ASSERT_EQUAL(kreader_links(kr, zids[0], NULL, 0), 2); /* the capped zone's two NICs */
    kreader_close(kr);
}

/* The zfs_used of ZONE_PLAIN through z, as text, or "" when the answer failed (errno kept). */
static int
zfs_used_text(zfsvm_t *z, char *buf, size_t len)
{
    famset_t fs = FAMSET_INIT;
    int rc = zfsvm_collect(z, ZONE_PLAIN, NAMES_CMON, &fs), saved = errno;
    sbuf_t out = SBUF_INIT;
    buf[0] = '\0';
    if (rc == 0) {
        expo_write(&fs, EXPO_TEXT, &out);
        char *body = sbuf_detach(&out, NULL);
        if (body == NULL || testlib_sample_text(body, "zfs_used", buf, len) == NULL)
            rc = -1;
        free(body);
    }
    famset_release(&fs);
    errno = saved;
    return rc;
}

/*
 * The libzfs handle is opened at the first answer and kept: a libzfs_init
 * failure fails that answer and is retried at the next one; once open, the
 * handle serves answers whatever libzfs_init would do now.
 */
static void
test_zfs_handle_kept(void)
{
    world_zfs_fault_t f = {.wzf_init_errno = EACCES};
    world_zfs_state_t st;
    world_dataset_t ds;
    char got[64], name[128];
    snprintf(name, sizeof(name), "zones/%s", ZONE_PLAIN);
    CU_ASSERT_EQUAL_FATAL(world_zfs_state_read(fx.w, fx.path, &st), 0);
    CU_ASSERT_EQUAL_FATAL(world_zfs_dataset(fx.w, &st, name, &ds), 0);
    zfsvm_t *z = zfsvm_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_EQUAL_FATAL(world_zfs_fault_set(fx.w, &f), 0);
    CU_ASSERT_EQUAL(zfs_used_text(z, got, sizeof(got)), -1);
    CU_ASSERT_EQUAL(errno, EACCES);
    f.wzf_init_errno = 0;
    CU_ASSERT_EQUAL_FATAL(world_zfs_fault_set(fx.w, &f), 0);
    CU_ASSERT_EQUAL(zfs_used_text(z, got, sizeof(got)), 0);
    CU_ASSERT_EQUAL(strtoull(got, NULL, 10), ds.wd_used);
    f.wzf_init_errno = EACCES;
    CU_ASSERT_EQUAL_FATAL(world_zfs_fault_set(fx.w, &f), 0);
    CU_ASSERT_EQUAL(zfs_used_text(z, got, sizeof(got)), 0);
    CU_ASSERT_EQUAL(strtoull(got, NULL, 10), ds.wd_used);
    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL(world_zfs_fault_set(fx.w, &f), 0);
    zfsvm_free(z);
}

static void
test_prometheus_names(void)
{
    int rc;
    char *body = scrape_text(ZONE_CAPPED, NAMES_PROMETHEUS, NULL, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    world_value_t v;
    CU_ASSERT_EQUAL_FATAL(world_truth_zone(fx.w, fx.zix_capped, "zones", "nsec_user", &v), 0);
    char got[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(
        testlib_sample_text(body, "cpu_user_seconds_total", got, sizeof(got)));
    CU_ASSERT_DOUBLE_EQUAL(strtod(got, NULL), (double)v.wv_u / 1e9, 1e-9);
    CU_ASSERT_PTR_NULL(strstr(body, "cpu_user_usage"));
    /* its own HELP texts, not the original's */
    CU_ASSERT_PTR_NOT_NULL(
        strstr(body, "# HELP cpu_user_seconds_total CPU time spent in user mode by the zone, in "
                     "seconds.\n"));
    CU_ASSERT_PTR_NULL(strstr(body, "User CPU utilization"));
    CU_ASSERT_PTR_NOT_NULL(testlib_sample_text(body, "cpucap_limit_ratio", got, sizeof(got)));
    CU_ASSERT_DOUBLE_EQUAL(strtod(got, NULL), 1.5, 1e-12);
    free(body);
}

/*
 * Defect D18 of the original (reference section 5): kstat values above 2^53
 * went through a double. Ours are exact, also scaled: 2^53+1 ns is
 * 9007199.254740993 s, digit for digit (a double gives 9007199.2547409926).
 */
static void
test_exact_above_2_53(void)
{
    const uint64_t big = (1ull << 53) + 1;
    CU_ASSERT_EQUAL_FATAL(world_zone_counter_set(fx.w, fx.zix_plain, "zones", "nsec_user", 0, big),
                          0);
    int rc;
    char got[64];
    char *body = scrape_text(ZONE_PLAIN, NAMES_CMON, NULL, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    CU_ASSERT_STRING_EQUAL(sample_or_empty(body, "cpu_user_usage", got), "9007199254740993");
    free(body);
    body = scrape_text(ZONE_PLAIN, NAMES_PROMETHEUS, NULL, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    CU_ASSERT_STRING_EQUAL(sample_or_empty(body, "cpu_user_seconds_total", got),
                           "9007199.254740993");
    free(body);
}
/*
 * Spec 2.A.1 and 2.A.3: the table collectors in the original's order (the
 * scrape alone: plugin, triton_core and zfs are added by the request's
 * hook), each one's nine-line meta block with the original's HELP texts
 * right before its own families, fresh and from the cache.
 */
static void
test_meta_order_and_place(void)
{
    cache_t *cache = cache_new(16, 60);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cache);
    for (int pass = 0; pass < 2; pass++) {
        int rc;
        char why[512];
        char *body = scrape_text(ZONE_CAPPED, NAMES_CMON, cache, &rc);
        CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
        int n = golden_meta_check(body, golden_order_vm, golden_norder_vm, NULL, why, sizeof(why));
        if (n != 7)
            fprintf(stderr, "\npass %d: %d collectors: %s\n", pass, n, why);
        CU_ASSERT_EQUAL(n, 7); /* time cpucap link memcap tcp zone_misc zone_vfs */
        CU_ASSERT(strncmp(body, "# HELP time_metrics_available_boolean ", 38) == 0);
        CU_ASSERT(
            testlib_next_line_starts(body, "time_metrics_timer_seconds", "# HELP time_of_day "));
        /* defect D4 fixed: a gauge (the original typed it counter) */
        CU_ASSERT_PTR_NOT_NULL(strstr(body, "\n# TYPE time_of_day gauge\ntime_of_day "));
        CU_ASSERT(testlib_next_line_starts(body, "cpucap_metrics_timer_seconds", "# HELP cpucap_"));
        CU_ASSERT(testlib_next_line_starts(body, "link_metrics_timer_seconds", "# HELP net_agg_"));
        CU_ASSERT(testlib_next_line_starts(body, "zone_misc_metrics_timer_seconds", "# HELP cpu_"));
        CU_ASSERT(testlib_next_line_starts(body, "zone_vfs_metrics_timer_seconds", "# HELP vfs_"));
        char buf[64];
        CU_ASSERT_STRING_EQUAL(sample_or_empty(body, "cpucap_metrics_cached_boolean", buf),
                               pass == 0 ? "0" : "1");
        free(body);
    }
    cache_free(cache);
}

/* The checker itself refuses a wrong HELP, a block after its successor, an unknown collector. */
static void
test_meta_checker_refuses(void)
{
    static const char *const block_fmt =
        "# HELP %s_metrics_available_boolean Whether %s metrics were available, 0 = false, 1 = "
        "true\n# TYPE %s_metrics_available_boolean gauge\n%s_metrics_available_boolean 1\n"
        "# HELP %s_metrics_cached_boolean Whether %s metrics came from cache, 0 = false, 1 = "
        "true\n# TYPE %s_metrics_cached_boolean gauge\n%s_metrics_cached_boolean 0\n"
        "# HELP %s_metrics_timer_seconds How long it took to gather the %s metrics\n"
        "# TYPE %s_metrics_timer_seconds gauge\n%s_metrics_timer_seconds 0.000061583\n";
    char a[1024], b[1024], body[2100], why[256];
    snprintf(a, sizeof(a), block_fmt, "time", "time", "time", "time", "time", "time", "time",
             "time", "time", "time", "time", "time");
    snprintf(b, sizeof(b), block_fmt, "tcp", "tcp", "tcp", "tcp", "tcp", "tcp", "tcp", "tcp", "tcp",
             "tcp", "tcp", "tcp");
    snprintf(body, sizeof(body), "%s%s", a, b);
    CU_ASSERT_EQUAL(golden_meta_check(body, golden_order_vm, golden_norder_vm, NULL, why, 256), 2);
    snprintf(body, sizeof(body), "%s%s", b, a);
    CU_ASSERT_EQUAL(golden_meta_check(body, golden_order_vm, golden_norder_vm, NULL, why, 256), -1);
    CU_ASSERT_EQUAL(golden_meta_check(a, golden_order_gz, golden_norder_gz, NULL, why, 256), 1);
    CU_ASSERT_EQUAL(golden_meta_check(b, golden_order_gz, golden_norder_gz, NULL, why, 256), -1);
    static const char *const ours[] = {"tcp", NULL};
    CU_ASSERT_EQUAL(golden_meta_check(body, golden_order_gz, golden_norder_gz, ours, why, 256), -1);
    snprintf(body, sizeof(body), "%s%s", a, b);
    CU_ASSERT_EQUAL(golden_meta_check(body, golden_order_gz, golden_norder_gz, ours, why, 256), 2);
    char *bad = strstr(a, "came from cache");
    memcpy(bad, "came from Cache", 15);
    CU_ASSERT_EQUAL(golden_meta_check(a, golden_order_vm, golden_norder_vm, NULL, why, 256), -1);
}

/* ---- golden lists of zone_misc, memcap, zone_vfs, tcp, time ------------ */

/* Scrapes zone in fmt (cmon names, no cache) into a body (malloc'd), or NULL. */
static char *
scrape_fmt(const char *zone, expo_format_t fmt)
{
    scrape_env_t env = {fx.pool, NULL, fx.stats, NAMES_CMON, collectors_vm, NULL};
    famset_t fs = FAMSET_INIT;
    int rc = scrape_instance(&env, zone, &fs);
    sbuf_t out = SBUF_INIT;
    if (rc == SCRAPE_OK)
        expo_write(&fs, fmt, &out);
    famset_release(&fs);
    return sbuf_detach(&out, NULL);
}

/* The five collectors, each with the reference's table. */
static const struct {
    const char *p;
    const golden_family_t *g;
    const size_t *n;
} vm_golden[] = {
    {"time", golden_time, &golden_ntime},
    {"memcap", golden_memcap, &golden_nmemcap},
    {"tcp", golden_tcp, &golden_ntcp},
    {"zone_misc", golden_zone_misc, &golden_nzone_misc},
    {"zone_vfs", golden_zone_vfs, &golden_nzone_vfs},
};

/* Asserts that collector i of vm_golden in body is the original's, skip aside. */
static void
check_vm_golden(const char *body, golden_format_t fmt, size_t i, const char *const *skip)
{
    golden_family_t want[16];
    char why[512];
    CU_ASSERT_FATAL(*vm_golden[i].n <= sizeof(want) / sizeof(want[0]));
    size_t n = golden_vm_expected(vm_golden[i].g, *vm_golden[i].n, skip, want);
    int rc = golden_vm_check(body, fmt, vm_golden[i].p, want, n, why, sizeof(why));
    if (rc != 0)
        fprintf(stderr, "\n%s (%s): %s\n", vm_golden[i].p,
                fmt == GOLDEN_TEXT ? "text" : "OpenMetrics", why);
    CU_ASSERT_EQUAL(rc, 0);
}

/*
 * Sections 2.1, 2.3, 2.4, 2.5, 2.8: a zone with every cap serves each
 * family of the five collectors in the original's order, type, HELP (but
 * our fixes D2 and D4), no labels, in both formats; a zone without memory
 * and swap caps the same without mem_limit and mem_swap_limit (D5).
 */
static void
test_vm_golden(void)
{
    static const char *const uncapped[] = {"mem_limit", "mem_swap_limit", NULL};
    const expo_format_t efmt[2] = {EXPO_TEXT, EXPO_OPENMETRICS};
    const golden_format_t gfmt[2] = {GOLDEN_TEXT, GOLDEN_OPENMETRICS};
    for (int f = 0; f < 2; f++) {
        char *capped = scrape_fmt(ZONE_CAPPED, efmt[f]);
        char *plain = scrape_fmt(ZONE_PLAIN, efmt[f]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(capped);
        CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
        for (size_t i = 0; i < sizeof(vm_golden) / sizeof(vm_golden[0]); i++) {
            check_vm_golden(capped, gfmt[f], i, NULL);
            check_vm_golden(plain, gfmt[f], i, uncapped);
        }
        free(capped);
        free(plain);
    }
}

/* load_average is avenrun_1min / 256 (FSCALE), as the original's calculateLoadAvg. */
static void
test_load_average_fscale(void)
{
    world_value_t v;
    CU_ASSERT_EQUAL_FATAL(world_truth_zone(fx.w, fx.zix_capped, "zones", "avenrun_1min", &v), 0);
    uint64_t raw = v.wv_type == WORLD_V_INT ? (uint64_t)v.wv_i : v.wv_u;
    int rc;
    char got[64];
    char *body = scrape_text(ZONE_CAPPED, NAMES_CMON, NULL, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(testlib_sample_text(body, "load_average", got, sizeof(got)));
    CU_ASSERT_EQUAL(strtod(got, NULL), (double)raw / 256);
    free(body);
}

/* Each change of ours names a family of the lists, and changes something. */
static void
test_vm_golden_changes(void)
{
    for (size_t c = 0; c < golden_nvm_changes; c++) {
        const golden_vm_change_t *ch = &golden_vm_changes[c];
        int found = 0;
        for (size_t i = 0; i < sizeof(vm_golden) / sizeof(vm_golden[0]); i++)
            for (size_t k = 0; k < *vm_golden[i].n; k++) {
                const golden_family_t *g = &vm_golden[i].g[k];
                if (strcmp(g->gf_name, ch->gc_name) != 0)
                    continue;
                found = 1;
                CU_ASSERT((ch->gc_type != NULL && strcmp(ch->gc_type, g->gf_type) != 0) ||
                          (ch->gc_help != NULL && strcmp(ch->gc_help, g->gf_help) != 0));
            }
        CU_ASSERT(found);
        CU_ASSERT(ch->gc_defect != NULL && ch->gc_defect[0] == 'D');
    }
}

/* The block checker refuses what differs from its list, in either format. */
static void
test_vm_checker_refuses(void)
{
    static const char meta[] =
        "# HELP t_metrics_available_boolean x\n# TYPE t_metrics_available_boolean gauge\n"
        "t_metrics_available_boolean 1\n# HELP t_metrics_cached_boolean x\n"
        "# TYPE t_metrics_cached_boolean gauge\nt_metrics_cached_boolean 0\n"
        "# HELP t_metrics_timer_seconds x\n# TYPE t_metrics_timer_seconds gauge\n"
        "t_metrics_timer_seconds 0.1\n";
    static const golden_family_t g[] = {{"a_count", "counter", "A \"q\" \\ x"},
                                        {"b_total", "gauge", "B"}};
    static const struct {
        golden_format_t fmt;
        const char *data;
        int rc;
    } cases[] = {
        {GOLDEN_TEXT,
         "# HELP a_count A \"q\" \\\\ x\n# TYPE a_count counter\na_count 1\n"
         "# HELP b_total B\n# TYPE b_total gauge\nb_total 2\n",
         0},
        {GOLDEN_OPENMETRICS,
         "# TYPE a_count counter\n# HELP a_count A \\\"q\\\" \\\\ x\n"
         "a_count_total 1\n# TYPE b_total gauge\n# HELP b_total B\n"
         "b_total 2\n# EOF\n",
         0},
        /* families swapped */
        {GOLDEN_TEXT,
         "# HELP b_total B\n# TYPE b_total gauge\nb_total 2\n"
         "# HELP a_count A \"q\" \\\\ x\n# TYPE a_count counter\na_count 1\n",
         -1},
        /* another HELP */
        {GOLDEN_TEXT,
         "# HELP a_count A \"q\" \\\\ y\n# TYPE a_count counter\na_count 1\n"
         "# HELP b_total B\n# TYPE b_total gauge\nb_total 2\n",
         -1},
        /* another type */
        {GOLDEN_TEXT,
         "# HELP a_count A \"q\" \\\\ x\n# TYPE a_count gauge\na_count 1\n"
         "# HELP b_total B\n# TYPE b_total gauge\nb_total 2\n",
         -1},
        /* a label */
        {GOLDEN_TEXT,
         "# HELP a_count A \"q\" \\\\ x\n# TYPE a_count counter\na_count{x=\"1\"} 1\n"
         "# HELP b_total B\n# TYPE b_total gauge\nb_total 2\n",
         -1},
        /* a family beyond the list */
        {GOLDEN_TEXT,
         "# HELP a_count A \"q\" \\\\ x\n# TYPE a_count counter\na_count 1\n"
         "# HELP b_total B\n# TYPE b_total gauge\nb_total 2\n"
         "# HELP c C\n# TYPE c gauge\nc 3\n",
         -1},
        /* a family missing */
        {GOLDEN_TEXT, "# HELP a_count A \"q\" \\\\ x\n# TYPE a_count counter\na_count 1\n", -1},
        /* a family without a sample */
        {GOLDEN_TEXT,
         "# HELP a_count A \"q\" \\\\ x\n# TYPE a_count counter\n"
         "# HELP b_total B\n# TYPE b_total gauge\nb_total 2\n",
         -1},
        /* OpenMetrics: a counter's sample without _total */
        {GOLDEN_OPENMETRICS,
         "# TYPE a_count counter\n# HELP a_count A \\\"q\\\" \\\\ x\n"
         "a_count 1\n# TYPE b_total gauge\n# HELP b_total B\nb_total 2\n",
         -1},
        /* OpenMetrics: HELP before TYPE, and the quote unescaped */
        {GOLDEN_OPENMETRICS,
         "# HELP a_count A \"q\" \\\\ x\n# TYPE a_count counter\n"
         "a_count_total 1\n# TYPE b_total gauge\n# HELP b_total B\n"
         "b_total 2\n",
         -1},
        /* OpenMetrics: a UNIT that is not the name's */
        {GOLDEN_OPENMETRICS,
         "# TYPE a_count counter\n# UNIT a_count seconds\n"
         "# HELP a_count A \\\"q\\\" \\\\ x\na_count_total 1\n"
         "# TYPE b_total gauge\n# HELP b_total B\nb_total 2\n",
         -1},
    };
    char body[1024], why[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(body, sizeof(body), "%s%s", meta, cases[i].data);
        int rc = golden_vm_check(body, cases[i].fmt, "t", g, 2, why, sizeof(why));
        if (rc != cases[i].rc)
            fprintf(stderr, "\ncase %zu: %d (%s)\n", i, rc, why);
        CU_ASSERT_EQUAL(rc, cases[i].rc);
    }
    CU_ASSERT_EQUAL(golden_vm_check(meta, GOLDEN_TEXT, "u", g, 2, why, sizeof(why)), -1);
}

/*
 * A kstat that lacks a field a table row names fails the walk (the
 * collector answers available 0) instead of serving a partial set: checked
 * on a named kstat built here with one of tcp's fields left out.
 */
static void
test_missing_field_fails(void)
{
    kstat_named_t data[2];
    memset(data, 0, sizeof(data));
    snprintf(data[0].name, sizeof(data[0].name), "%s", "activeOpens");
    data[0].data_type = KSTAT_DATA_UINT64;
    data[0].value.ui64 = 7;
    snprintf(data[1].name, sizeof(data[1].name), "%s", "currEstab");
    data[1].data_type = KSTAT_DATA_UINT32;
    data[1].value.ui32 = 3;
    kstat_t ks;
    memset(&ks, 0, sizeof(ks));
    snprintf(ks.ks_module, sizeof(ks.ks_module), "%s", "tcp");
    snprintf(ks.ks_name, sizeof(ks.ks_name), "%s", "tcp");
    ks.ks_type = KSTAT_TYPE_NAMED;
    ks.ks_data = data;
    ks.ks_ndata = 2;
    ks.ks_data_size = sizeof(data);
    /* rows[0..1]: a field the kstat lacks, then one it has; rows[1..2]: both present */
#define ROW(stat, type)                                                                            \
    {                                                                                              \
        .km_module = "tcp", .km_stat = stat, .km_name = stat, .km_prom = stat, .km_type = type,    \
        .km_scale = 1, .km_prom_scale = 1, .km_help = "h", .km_prom_help = "h"                     \
    }
    static const kstat_metric_t rows[] = {ROW("retransSegs", METRIC_COUNTER),
                                          ROW("activeOpens", METRIC_COUNTER),
                                          ROW("currEstab", METRIC_GAUGE)};
#undef ROW
    collect_ctx_t cc = {NULL, "z", 1, NAMES_CMON, NULL};
    famset_t fs = FAMSET_INIT;
    CU_ASSERT_EQUAL(collector_emit_named(&cc, &fs, &ks, &rows[1], 2), 0);
    CU_ASSERT_EQUAL(fs.fs_nsamples, 2);
    famset_release(&fs);
    fs = (famset_t)FAMSET_INIT;
    errno = 0;
    CU_ASSERT_EQUAL(collector_emit_named(&cc, &fs, &ks, &rows[0], 2), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    famset_release(&fs);
}

/*
 * Looking up named records with a cursor: rows out of the kstat's order
 * wrap around to the start; a name filling all KSTAT_STRLEN bytes (no NUL)
 * matches on those bytes, as strncmp(name, stat, KSTAT_STRLEN) does; a
 * name that is a prefix of another matches only itself.
 */
static void
test_named_lookup_cursor(void)
{
    kstat_named_t data[4];
    memset(data, 0, sizeof(data));
    memcpy(data[0].name, "rbytes", 7);
    memcpy(data[1].name, "rbytes64", 9);
    memset(data[2].name, 'n', KSTAT_STRLEN); /* full: no NUL of its own */
    memcpy(data[3].name, "obytes64", 9);
    for (int i = 0; i < 4; i++) {
        data[i].data_type = KSTAT_DATA_UINT64;
        data[i].value.ui64 = (uint64_t)(10 + i);
    }
    kstat_t ks;
    memset(&ks, 0, sizeof(ks));
    ks.ks_type = KSTAT_TYPE_NAMED;
    ks.ks_data = data;
    ks.ks_ndata = 4;
    ks.ks_data_size = sizeof(data);
    char full[KSTAT_STRLEN + 8];
    memset(full, 'n', sizeof(full) - 1);
    full[sizeof(full) - 1] = '\0'; /* longer than the record: its first bytes decide */
    size_t cursor = 0;
    uint64_t v = 0;
    CU_ASSERT_EQUAL(collector_value_at(&ks, "obytes64", &v, &cursor), 0);
    CU_ASSERT_EQUAL(v, 13);
    CU_ASSERT_EQUAL(cursor, 4);
    CU_ASSERT_EQUAL(collector_value_at(&ks, "rbytes64", &v, &cursor), 0); /* wraps */
    CU_ASSERT_EQUAL(v, 11);
    CU_ASSERT_EQUAL(collector_value_at(&ks, "rbytes", &v, &cursor), 0); /* not rbytes64 */
    CU_ASSERT_EQUAL(v, 10);
    CU_ASSERT_EQUAL(collector_value_at(&ks, full, &v, &cursor), 0);
    CU_ASSERT_EQUAL(v, 12);
    errno = 0;
    CU_ASSERT_EQUAL(collector_value_at(&ks, "rbyte", &v, &cursor), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    cursor = 99; /* a cursor past the end starts over */
    CU_ASSERT_EQUAL(collector_value_at(&ks, "rbytes", &v, &cursor), 0);
    CU_ASSERT_EQUAL(v, 10);
}

/*
 * Every static family of the instance collectors has its metadata rendered
 * at start within the agent's room for them (main.c: 256), zfs's 22 rows
 * too, and a table row's family is found under its very strings.
 */
static void
test_meta_register_fits(void)
{
    metacache_t *mc = metacache_new(256 - 22);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mc);
    CU_ASSERT_EQUAL(collector_meta_register(mc, collectors_vm), 0);
    CU_ASSERT(metacache_count(mc) > 100);
    size_t len, decl;
    for (size_t c = 0; collectors_vm[c] != NULL; c++) {
        const collector_t *co = collectors_vm[c];
        for (size_t i = 0; i < co->co_ntable; i++)
            CU_ASSERT_PTR_NOT_NULL(metacache_find(mc, co->co_table[i].km_name,
                                                  co->co_table[i].km_help, co->co_table[i].km_type,
                                                  EXPO_TEXT, &len, &decl));
        if (co->co_meta[0] != NULL)
            CU_ASSERT_PTR_NOT_NULL(metacache_find(mc, co->co_meta[2], co->co_meta[5], METRIC_GAUGE,
                                                  EXPO_OPENMETRICS, &len, &decl));
    }
    metacache_free(mc);
}

static const CU_TestInfo tests[] = {
    {"values match the world", test_values_match_world},
    {"named lookup with a cursor", test_named_lookup_cursor},
    {"metadata of every collector fits", test_meta_register_fits},
    {"index matches a chain walk", test_index_matches_chain_walk},
    {"buffers lent across drops", test_buffers_lent_across_drops},
    {"links per interface", test_links_per_interface},
    {"uncapped zone", test_uncapped_zone},
    {"uncapped zone, cached", test_uncapped_zone_cached},
    {"cpucap families as the original", test_cpucap_golden},
    {"zfs families as the original", test_zfs_golden},
    {"zone_misc, memcap, zone_vfs, tcp, time families as the original", test_vm_golden},
    {"load_average is avenrun_1min / 256", test_load_average_fscale},
    {"golden changes name families", test_vm_golden_changes},
    {"family checker refuses", test_vm_checker_refuses},
    {"meta blocks in the original's order, before their data", test_meta_order_and_place},
    {"meta checker refuses", test_meta_checker_refuses},
    {"unknown and halted zones", test_unknown_and_halted},
    {"failing kstat", test_failing_kstat_only_that_collector},
    {"vanishing zone", test_vanishing_zone},
    {"cache and reboot", test_cache_and_reboot},
    {"index follows the chain", test_index_follows_chain},
    {"prometheus names", test_prometheus_names},
    {"exact above 2^53", test_exact_above_2_53},
    {"libzfs handle kept", test_zfs_handle_kept},
    {"a missing field fails the collector", test_missing_field_fails},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    const cunit_suite_t suites[] = {{"agent_collectors", suite_init, suite_clean, tests},
                                    {NULL, NULL, NULL, NULL}};

    return cunit_main_suites(argc, argv, suites);
}
