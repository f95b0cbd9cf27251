/*
 * test_node - the node's own kstats as illumos has them: zfs:0:arcstats
 * (arc_stats_t), cpu:<n>:sys, cpu_info:<n>:cpu_info<n> data types,
 * zfs_metaslab_group:<vdev>:<guid>, caps:<zid>:physicalmem_zone_<zid>, the
 * global zone's physical links, and ks_crtime on the hrtime clock; the
 * writer calls of world_node.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kstat.h"
#include "test_util.h"
#include "world_node.h"

/* The arcstats fields Triton's cmon-agent reads (reference 3.3), but the optional 79/80. */
static const char *const arc_required[] = {"anon_evictable_data",
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
                                           "uncompressed_size"};

static uint64_t
arc(const world_t *w, const char *stat)
{
    world_value_t v;
    if (world_truth(w, "zfs", 0, "arcstats", stat, &v) != 0)
        return UINT64_MAX;
    CU_ASSERT_EQUAL(v.wv_data_type, KSTAT_DATA_UINT64);
    return v.wv_u;
}

static void
test_arcstats(void)
{
    world_t *w = test_world_new(4, 21, 4);
    world_value_t v;
    size_t n = sizeof(arc_required) / sizeof(arc_required[0]);

    CU_ASSERT_EQUAL(n, 79);
    CU_ASSERT(world_arc_record_count() >= 95);
    int z = test_zone_add(w, "reader", 1, 0);
    world_load_t load = {.wl_vfs_read_bps = 64 << 20, .wl_rss = 1ULL << 30};
    CU_ASSERT_EQUAL(world_zone_load_set(w, z, &load), 0);
    for (size_t i = 0; i < n; i++)
        if (world_truth(w, "zfs", 0, "arcstats", arc_required[i], &v) != 0)
            CU_FAIL(arc_required[i]);
    CU_ASSERT_NOT_EQUAL(arc(w, "async_upgrade_sync"), UINT64_MAX); /* illumos today */
    CU_ASSERT_EQUAL(arc(w, "sync_wait_for_async"), UINT64_MAX);
    uint64_t hits = arc(w, "hits");
    world_time_advance(w, 10000000000ULL);
    CU_ASSERT(arc(w, "hits") > hits);
    CU_ASSERT(arc(w, "misses") > 0 && arc(w, "misses") < arc(w, "hits"));
    CU_ASSERT(arc(w, "size") <= arc(w, "c") && arc(w, "c") <= arc(w, "c_max"));
    CU_ASSERT(arc(w, "c_min") <= arc(w, "c"));
    CU_ASSERT(arc(w, "data_size") + arc(w, "metadata_size") + arc(w, "hdr_size") +
                  arc(w, "other_size") <=
              arc(w, "size"));
    test_world_free(w);
}

static void
test_arc_set_rename(void)
{
    world_t *w = test_world_new(4, 22, 4);

    CU_ASSERT_EQUAL(world_arc_set(w, 8ULL << 30, 1ULL << 30, 16ULL << 30), 0);
    CU_ASSERT_EQUAL(arc(w, "c"), 8ULL << 30);
    CU_ASSERT_EQUAL(arc(w, "c_min"), 1ULL << 30);
    CU_ASSERT_EQUAL(arc(w, "c_max"), 16ULL << 30);
    CU_ASSERT(arc(w, "size") <= 8ULL << 30 && arc(w, "size") >= 4ULL << 30);
    CU_ASSERT_EQUAL(world_arc_set(w, 32ULL << 30, 0, 0), -1); /* above c_max */
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(arc(w, "c"), 8ULL << 30);
    /* a platform of before the rename */
    CU_ASSERT_EQUAL(world_arc_rename(w, "async_upgrade_sync", "sync_wait_for_async"), 0);
    CU_ASSERT_EQUAL(arc(w, "async_upgrade_sync"), UINT64_MAX);
    CU_ASSERT_NOT_EQUAL(arc(w, "sync_wait_for_async"), UINT64_MAX);
    CU_ASSERT_EQUAL(world_arc_rename(w, "no_such_field", "x"), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(world_arc_rename(w, "hits", "misses"), -1); /* a record's name */
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(world_arc_rename(w, "hits", "a_name_longer_than_thirty_chars"), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(world_arc_rename(w, "async_upgrade_sync", NULL), 0); /* undone */
    CU_ASSERT_NOT_EQUAL(arc(w, "async_upgrade_sync"), UINT64_MAX);
    test_world_free(w);
}

/* cpu:<n>:sys has the records of illumos' cpu_sys_stats_ks_data_template. */
static void
test_cpu_sys(void)
{
    static const char *const names[] = {"cpu_ticks_idle",
                                        "cpu_ticks_user",
                                        "cpu_ticks_kernel",
                                        "cpu_ticks_wait",
                                        "cpu_nsec_idle",
                                        "cpu_nsec_user",
                                        "cpu_nsec_kernel",
                                        "cpu_nsec_dtrace",
                                        "cpu_nsec_intr",
                                        "cpu_load_intr",
                                        "wait_ticks_io",
                                        "dtrace_probes",
                                        "bread",
                                        "bwrite",
                                        "lread",
                                        "lwrite",
                                        "phread",
                                        "phwrite",
                                        "pswitch",
                                        "trap",
                                        "intr",
                                        "syscall",
                                        "sysread",
                                        "syswrite",
                                        "sysfork",
                                        "sysvfork",
                                        "sysexec",
                                        "readch",
                                        "writech",
                                        "rcvint",
                                        "xmtint",
                                        "mdmint",
                                        "rawch",
                                        "canch",
                                        "outch",
                                        "msg",
                                        "sema",
                                        "namei",
                                        "ufsiget",
                                        "ufsdirblk",
                                        "ufsipage",
                                        "ufsinopage",
                                        "procovf",
                                        "intrthread",
                                        "intrblk",
                                        "intrunpin",
                                        "idlethread",
                                        "inv_swtch",
                                        "nthreads",
                                        "cpumigrate",
                                        "xcalls",
                                        "mutex_adenters",
                                        "rw_rdfails",
                                        "rw_wrfails",
                                        "modload",
                                        "modunload",
                                        "bawrite",
                                        "iowait"};
    world_t *w = test_world_new(4, 23, 12);
    kstat_ctl_t *kc = kstat_open();

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    for (int c = 0; c < 12; c++) {
        kstat_t *k = kstat_lookup(kc, "cpu", c, "sys");
        CU_ASSERT_PTR_NOT_NULL_FATAL(k);
        CU_ASSERT_NOT_EQUAL_FATAL(kstat_read(kc, k, NULL), -1);
        CU_ASSERT_EQUAL(k->ks_ndata, sizeof(names) / sizeof(names[0]));
        kstat_named_t *kn = KSTAT_NAMED_PTR(k);
        for (size_t i = 0; i < k->ks_ndata; i++) {
            CU_ASSERT_STRING_EQUAL(kn[i].name, names[i]);
            CU_ASSERT_EQUAL(kn[i].data_type, KSTAT_DATA_UINT64);
        }
    }
    kstat_close(kc);
    test_world_free(w);
}

/* cpu_info: CHAR, LONG (INT64), INT32 and STRING as illumos' cpu_info_template. */
static void
test_cpu_info_types(void)
{
    static const struct {
        const char *name;
        uchar_t type;
    } want[] = {{"state", KSTAT_DATA_CHAR},
                {"cpu_type", KSTAT_DATA_CHAR},
                {"fpu_type", KSTAT_DATA_CHAR},
                {"state_begin", KSTAT_DATA_LONG},
                {"clock_MHz", KSTAT_DATA_LONG},
                {"chip_id", KSTAT_DATA_LONG},
                {"core_id", KSTAT_DATA_LONG},
                {"pg_id", KSTAT_DATA_LONG},
                {"implementation", KSTAT_DATA_STRING},
                {"brand", KSTAT_DATA_STRING},
                {"vendor_id", KSTAT_DATA_STRING},
                {"supported_frequencies_Hz", KSTAT_DATA_STRING},
                {"current_clock_Hz", KSTAT_DATA_UINT64},
                {"family", KSTAT_DATA_INT32},
                {"model", KSTAT_DATA_INT32},
                {"stepping", KSTAT_DATA_INT32},
                {"ncpu_per_chip", KSTAT_DATA_INT32},
                {"ncore_per_chip", KSTAT_DATA_INT32}};
    world_t *w = test_world_new(4, 24, 4);
    kstat_ctl_t *kc = kstat_open();

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    kstat_t *k = kstat_lookup(kc, "cpu_info", 3, "cpu_info3");
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_STRING_EQUAL(k->ks_class, "misc");
    CU_ASSERT_NOT_EQUAL_FATAL(kstat_read(kc, k, NULL), -1);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        kstat_named_t *kn = kstat_data_lookup(k, want[i].name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(kn);
        if (kn->data_type != want[i].type)
            CU_FAIL(want[i].name);
    }
    kstat_named_t *st = kstat_data_lookup(k, "state");
    CU_ASSERT_NSTRING_EQUAL(st->value.c, "on-line", sizeof(st->value.c));
    CU_ASSERT_EQUAL(((kstat_named_t *)kstat_data_lookup(k, "model"))->value.i32, 79);
    CU_ASSERT_STRING_EQUAL(KSTAT_NAMED_STR_PTR((kstat_named_t *)kstat_data_lookup(k, "vendor_id")),
                           "GenuineIntel");
    kstat_close(kc);
    test_world_free(w);
}

static void
test_metaslab(void)
{
    world_t *w = test_world_new(4, 25, 4);
    world_metaslab_info_t m[16];
    world_value_t v;
    char name[32];

    CU_ASSERT_EQUAL_FATAL(world_metaslab_list(w, m, 16), 2); /* pool zones, vdevs 0 and 1 */
    CU_ASSERT_STRING_EQUAL(m[0].wmi_pool, "zones");
    CU_ASSERT_EQUAL(m[1].wmi_vdev, 1);
    snprintf(name, sizeof(name), "%llu", (unsigned long long)m[1].wmi_guid);
    CU_ASSERT_EQUAL(world_truth(w, "zfs_metaslab_group", 1, name, "spa_name", &v), 0);
    CU_ASSERT_STRING_EQUAL(v.wv_s, "zones");
    int32_t chain = world_chain_id(w);
    CU_ASSERT_EQUAL(world_metaslab_set(w, "data", 77, 5, 3), 2);
    CU_ASSERT_NOT_EQUAL(world_chain_id(w), chain);
    CU_ASSERT_EQUAL(world_truth(w, "zfs_metaslab_group", 0, "77", "loads", &v), 0); /* vdev 0 */
    CU_ASSERT_EQUAL(v.wv_u, 5);
    CU_ASSERT_EQUAL(world_metaslab_set(w, "data", 77, 9, 4), 2);
    CU_ASSERT_EQUAL(world_truth(w, "zfs_metaslab_group", 0, "77", "loads", &v), 0);
    CU_ASSERT_EQUAL(v.wv_u, 9);
    CU_ASSERT_EQUAL(world_metaslab_set(w, "data", 77, 8, 4), -1); /* a counter going back */
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(world_metaslab_set(w, "zones", 77, 9, 4), -1); /* another pool's vdev */
    CU_ASSERT_EQUAL(world_metaslab_set(w, "data", 0, 1, 1), -1);
    CU_ASSERT_EQUAL(world_metaslab_remove(w, 77), 0);
    CU_ASSERT_EQUAL(world_truth(w, "zfs_metaslab_group", 0, "77", "loads", &v), -1);
    CU_ASSERT_EQUAL(world_metaslab_remove(w, 77), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(world_metaslab_list(w, m, 16), 2);
    for (uint64_t g = 100; g < 140; g++) { /* removed groups' room is reused */
        CU_ASSERT_EQUAL(world_metaslab_set(w, "data", g, 1, 0), 2);
        CU_ASSERT_EQUAL(world_metaslab_remove(w, g), 0);
    }
    for (uint64_t g = 200; g < 214; g++)
        CU_ASSERT(world_metaslab_set(w, "data", g, 1, 0) >= 0);
    CU_ASSERT_EQUAL(world_metaslab_set(w, "data", 999, 1, 0), -1); /* 17 at once */
    CU_ASSERT_EQUAL(errno, ENOSPC);
    CU_ASSERT_EQUAL(world_metaslab_list(w, m, 16), 16);
    test_world_free(w);
}

/* caps:<zid>:physicalmem_zone_<zid>, link:0:ixgbe<n> of the global zone, crtime. */
static void
test_physmem_links_crtime(void)
{
    world_t *w = test_world_new(4, 26, 4);
    world_value_t v;
    int z = test_zone_add(w, "web", 1, 0);
    world_zone_info_t info;
    char name[64];

    CU_ASSERT_EQUAL(world_zone_caps_set(w, z, 0, 2ULL << 30, 0, 0), 0);
    world_load_t load = {.wl_rss = 1ULL << 30, .wl_net_rx_bps = 1000000};
    CU_ASSERT_EQUAL(world_zone_load_set(w, z, &load), 0);
    world_time_advance(w, 2000000000ULL);
    CU_ASSERT_EQUAL(world_zone_info(w, z, &info), 0);
    snprintf(name, sizeof(name), "physicalmem_zone_%d", (int)info.wzi_zoneid);
    CU_ASSERT_EQUAL(world_truth(w, "caps", info.wzi_zoneid, name, "usage", &v), 0);
    CU_ASSERT_EQUAL(v.wv_u, 1ULL << 30);
    CU_ASSERT_EQUAL(world_truth(w, "caps", info.wzi_zoneid, name, "value", &v), 0);
    CU_ASSERT_EQUAL(v.wv_u, 2ULL << 30);
    CU_ASSERT_EQUAL(world_truth(w, "link", 0, "ixgbe0", "zonename", &v), 0);
    CU_ASSERT_STRING_EQUAL(v.wv_s, "global");
    CU_ASSERT_EQUAL(world_truth(w, "link", 0, "ixgbe0", "rbytes64", &v), 0);
    CU_ASSERT_EQUAL(v.wv_u, 2000000); /* every zone's traffic */
    CU_ASSERT_EQUAL(world_truth(w, "link", 0, "ixgbe1", "rbytes64", &v), 0);

    kstat_ctl_t *kc = kstat_open();
    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    kstat_t *arcs = kstat_lookup(kc, "zfs", 0, "arcstats");
    kstat_t *zk = kstat_lookup(kc, "zones", info.wzi_zoneid, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(arcs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(zk);
    /* the node's kstats were made as it booted; the zone's a day or more later */
    CU_ASSERT(arcs->ks_crtime > 0 && arcs->ks_crtime < 60LL * 1000000000LL);
    CU_ASSERT_EQUAL(zk->ks_crtime, (hrtime_t)world_hrtime(w, 0));
    CU_ASSERT(zk->ks_crtime >= 86400LL * 1000000000LL);
    CU_ASSERT_NOT_EQUAL(kstat_read(kc, zk, NULL), -1);
    CU_ASSERT_EQUAL(zk->ks_snaptime - zk->ks_crtime, 2000000000LL);
    kstat_close(kc);
    test_world_free(w);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"arcstats", test_arcstats},
        {"arc_set_rename", test_arc_set_rename},
        {"cpu_sys", test_cpu_sys},
        {"cpu_info_types", test_cpu_info_types},
        {"metaslab", test_metaslab},
        {"physmem_links_crtime", test_physmem_links_crtime},
        {NULL, NULL},
    };
    return cunit_main(argc, argv, "node", cases);
}
