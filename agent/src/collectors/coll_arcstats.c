/*
 * arcstats - the ZFS ARC, from zfs:0:arcstats, every numeric stat as
 * arcstats_<stat> with its true type: the sizes, targets and high-water
 * marks below are gauges; every other stat of arcstats counts events since
 * boot and is a counter. With --metric-names prometheus counters end in
 * _total. The stat list follows the kstat (illumos adds stats over time);
 * the type list is the illumos arc_stats_t.
 */
#include "collector.h"

#include <stdio.h>
#include <string.h>

static const kstat_metric_t arcstats_doc[] = {
    {"zfs", "*", "arcstats_<stat>", "arcstats_<stat>[_total]", METRIC_COUNTER, "", 1, 1,
     "ZFS ARC statistic <stat> (zfs:0:arcstats).", "ZFS ARC statistic <stat>."},
};

/* The stats of arc_stats_t that are levels, not counts of events. */
static const char *const arcstats_gauges[] = {
    "p",
    "c",
    "c_min",
    "c_max",
    "size",
    "compressed_size",
    "uncompressed_size",
    "overhead_size",
    "hdr_size",
    "data_size",
    "metadata_size",
    "other_size",
    "bonus_size",
    "dnode_size",
    "dbuf_size",
    "anon_size",
    "anon_evictable_data",
    "anon_evictable_metadata",
    "mru_size",
    "mru_evictable_data",
    "mru_evictable_metadata",
    "mru_ghost_size",
    "mru_ghost_evictable_data",
    "mru_ghost_evictable_metadata",
    "mfu_size",
    "mfu_evictable_data",
    "mfu_evictable_metadata",
    "mfu_ghost_size",
    "mfu_ghost_evictable_data",
    "mfu_ghost_evictable_metadata",
    "l2_size",
    "l2_asize",
    "l2_hdr_size",
    "arc_meta_used",
    "arc_meta_limit",
    "arc_meta_max",
    "arc_meta_min",
    "arc_no_grow",
    "arc_tempreserve",
    "arc_loaned_bytes",
    "hash_elements",
    "hash_elements_max",
    "hash_chains",
    "hash_chain_max",
    "memory_throttle_count_level",
    "l2_rebuild_size",
    "arc_dnode_limit",
    "arc_need_free",
    "arc_sys_free",
};

static metric_type_t
arcstats_type(const char *stat)
{
    for (size_t i = 0; i < sizeof(arcstats_gauges) / sizeof(arcstats_gauges[0]); i++)
        if (strcmp(arcstats_gauges[i], stat) == 0)
            return METRIC_GAUGE;
    return METRIC_COUNTER;
}

static int
arcstats_emit(const collect_ctx_t *cc, famset_t *fs, const kstat_named_t *kn)
{
    char name[96], help[160];
    uint64_t v;
    metric_type_t t = arcstats_type(kn->name);
    switch (kn->data_type) {
    case KSTAT_DATA_INT32:
        v = kn->value.i32 < 0 ? 0 : (uint64_t)kn->value.i32;
        break;
    case KSTAT_DATA_UINT32:
        v = kn->value.ui32;
        break;
    case KSTAT_DATA_INT64:
        v = kn->value.i64 < 0 ? 0 : (uint64_t)kn->value.i64;
        break;
    case KSTAT_DATA_UINT64:
        v = kn->value.ui64;
        break;
    default:
        return 0; /* strings are not metrics */
    }
    snprintf(name, sizeof(name), "arcstats_%.*s%s", KSTAT_STRLEN, kn->name,
             t == METRIC_COUNTER && cc->cc_names == NAMES_PROMETHEUS ? "_total" : "");
    snprintf(help, sizeof(help), "ZFS ARC statistic %.*s (%s, from zfs:0:arcstats).", KSTAT_STRLEN,
             kn->name, t == METRIC_GAUGE ? "current level" : "events since boot");
    return famset_add(fs, name, help, t, mval_u64(v));
}

static int
arcstats_collect(const collect_ctx_t *cc, famset_t *fs)
{
    kstat_t *ksp = kreader_find(cc->cc_reader, "zfs", 0, "arcstats");
    if (ksp == NULL || kreader_read(cc->cc_reader, ksp) != 0 || ksp->ks_type != KSTAT_TYPE_NAMED)
        return COLLECT_FAILED;
    const kstat_named_t *kn = KSTAT_NAMED_PTR(ksp);
    for (uint_t i = 0; i < ksp->ks_ndata; i++)
        if (arcstats_emit(cc, fs, &kn[i]) != 0)
            return COLLECT_FAILED;
    return COLLECT_OK;
}

const collector_t collector_arcstats = {"arcstats", arcstats_doc, 1, arcstats_collect, 1};
