/*
 * zpool - the pools of the compute node, as Triton's cmon-agent serves them
 * (reference 3.4), in two parts:
 *
 * (a) the metaslab groups, from every zfs_metaslab_group:<vdev>:<guid>
 *     kstat (one per top-level vdev of every pool), in kstat-name order:
 *     metaslab_group_loads and metaslab_group_unloads, counters labelled
 *     pool (the record spa_name) and vdev_guid (the kstat's name). None is
 *     no error.
 * (b) the pools, through libzfs (zpool_iter; the original ran `zpool list
 *     -Hpo name,allocated,fragmentation,health,size`), in name order as
 *     zpool list prints them: zpool_allocated_bytes,
 *     zpool_fragmentation_percent, zpool_health_status and zpool_size_bytes,
 *     gauges labelled pool. Health is the index of zpool's state name in
 *     ONLINE, DEGRADED, FAULTED, OFFLINE, REMOVED, UNAVAIL (0..5), -1 for
 *     any other.
 *
 * Where we differ: each family is one group (the original split them per
 * kstat and per pool, D3), and a pool whose fragmentation is unknown
 * (zpool prints "-") has no fragmentation sample: the original copied the
 * "-" into the sample (D19), a line no Prometheus parser takes, so the whole
 * scrape of the node failed. Values are integers, as zpool list -p prints
 * them. When libzfs cannot be opened or the pools cannot be listed, the
 * collector fails (zpool_metrics_available_boolean 0) and serves neither part.
 */
#include "collector.h"

#include <errno.h>
#include <libzfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VDEV_MAX 1024 /* vdev ids looked at: up to a gap of VDEV_GAP */
#define VDEV_GAP 16
#define GROUPS_PER_VDEV 64 /* pools sharing one vdev id */

static const kstat_metric_t zpool_table[] = {
    {"zfs_metaslab_group", "loads", "metaslab_group_loads", "metaslab_group_loads_total",
     METRIC_COUNTER, "count", 1, 1, "Number of metaslab loads per metaslab group",
     "Metaslabs of the group loaded into memory since boot."},
    {"zfs_metaslab_group", "unloads", "metaslab_group_unloads", "metaslab_group_unloads_total",
     METRIC_COUNTER, "count", 1, 1, "Number of metaslab unloads per metaslab group",
     "Metaslabs of the group unloaded from memory since boot."},
    {"", "allocated", "zpool_allocated_bytes", "zpool_allocated_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "Amount of storage space used withing the pool", "Bytes allocated in the pool."},
    {"", "fragmentation", "zpool_fragmentation_percent", "zpool_fragmentation_percent",
     METRIC_GAUGE, "percent", 1, 1, "Amount of fragmentation in the pool",
     "Fragmentation of the pool's free space, in percent (no sample when unknown)."},
    {"", "health", "zpool_health_status", "zpool_health_status", METRIC_GAUGE, "state", 1, 1,
     "The current health of the pool (0 = ONLINE, 1 = DEGRADED, 2 = FAULTED, 3 = OFFLINE, 4 = "
     "REMOVED, 5 = UNAVAIL, -1 = UNKNOWN)",
     "Health of the pool: 0 ONLINE, 1 DEGRADED, 2 FAULTED, 3 OFFLINE, 4 REMOVED, 5 UNAVAIL, -1 "
     "UNKNOWN."},
    {"", "size", "zpool_size_bytes", "zpool_size_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "Total size of the pool", "Size of the pool, in bytes."},
};

#define NROWS (sizeof(zpool_table) / sizeof(zpool_table[0]))
enum { ROW_LOADS, ROW_UNLOADS, ROW_ALLOC, ROW_FRAG, ROW_HEALTH, ROW_SIZE };

/* One sample of row (with the name set's name) and its labels. 0 or -1. */
static int
zpool_sample(const collect_ctx_t *cc, famset_t *fs, int row, size_t nl, const char *const *ln,
             const char *const *lv, mval_t v)
{
    const kstat_metric_t *r = &zpool_table[row];
    int prom = cc->cc_names == NAMES_PROMETHEUS;
    int fam = famset_family_static(fs, prom ? r->km_prom : r->km_name,
                                   prom ? r->km_prom_help : r->km_help, r->km_type);
    return fam < 0 ? -1 : famset_sample(fs, fam, SAMPLE_PLAIN, nl, ln, lv, v);
}

/* ---- (a) metaslab groups ---- */

static int
zpool_by_name(const void *a, const void *b)
{
    return strcmp((*(kstat_t *const *)a)->ks_name, (*(kstat_t *const *)b)->ks_name);
}

/* Every zfs_metaslab_group kstat of the index into a malloc'd *out; the count, or -1. */
static long
zpool_groups(const collect_ctx_t *cc, kstat_t ***out)
{
    kstat_t *found[GROUPS_PER_VDEV], **all = NULL;
    size_t n = 0;
    for (int vdev = 0, gap = 0; vdev < VDEV_MAX && gap < VDEV_GAP; vdev++) {
        size_t k =
            kreader_find_all(cc->cc_reader, "zfs_metaslab_group", vdev, found, GROUPS_PER_VDEV);
        gap = k == 0 ? gap + 1 : 0;
        k = k < GROUPS_PER_VDEV ? k : GROUPS_PER_VDEV;
        if (k == 0)
            continue;
        kstat_t **grown = realloc(all, (n + k) * sizeof(*all));
        if (grown == NULL) {
            free(all);
            return -1;
        }
        all = grown;
        memcpy(all + n, found, k * sizeof(*all));
        n += k;
    }
    if (n > 1)
        qsort(all, n, sizeof(*all), zpool_by_name);
    *out = all;
    return (long)n;
}

/* The two samples of metaslab group ksp (read here). COLLECT_OK or COLLECT_FAILED. */
static int
zpool_group(const collect_ctx_t *cc, famset_t *fs, kstat_t *ksp)
{
    uint64_t loads, unloads;
    char guid[KSTAT_STRLEN + 1];
    if (kreader_read(cc->cc_reader, ksp) != 0)
        return errno == ENXIO ? COLLECT_OK : COLLECT_FAILED; /* its pool went since the index */
    kstat_named_t *spa = kstat_data_lookup(ksp, "spa_name");
    if (spa == NULL || spa->data_type != KSTAT_DATA_STRING || KSTAT_NAMED_STR_PTR(spa) == NULL ||
        collector_value(ksp, "loads", &loads) != 0 ||
        collector_value(ksp, "unloads", &unloads) != 0) {
        errno = ENOENT;
        return COLLECT_FAILED;
    }
    snprintf(guid, sizeof(guid), "%.*s", KSTAT_STRLEN, ksp->ks_name);
    const char *ln[2] = {"pool", "vdev_guid"}, *lv[2] = {KSTAT_NAMED_STR_PTR(spa), guid};
    if (zpool_sample(cc, fs, ROW_LOADS, 2, ln, lv, mval_u64(loads)) != 0 ||
        zpool_sample(cc, fs, ROW_UNLOADS, 2, ln, lv, mval_u64(unloads)) != 0)
        return COLLECT_FAILED;
    return COLLECT_OK;
}

static int
zpool_metaslabs(const collect_ctx_t *cc, famset_t *fs)
{
    kstat_t **groups;
    long n = zpool_groups(cc, &groups);
    int rc = n < 0 ? COLLECT_FAILED : COLLECT_OK;
    for (long i = 0; i < n && rc == COLLECT_OK; i++)
        rc = zpool_group(cc, fs, groups[i]);
    if (n >= 0)
        free(groups);
    return rc;
}

/* ---- (b) pools ---- */

typedef struct zpool_row {
    char zr_name[256];
    uint64_t zr_alloc, zr_size, zr_frag;
    int zr_frag_known;
    int64_t zr_health;
} zpool_row_t;

typedef struct zpool_list {
    zpool_row_t *zl_rows;
    size_t zl_n;
    int zl_oom;
} zpool_list_t;

/* zpool's state name as the original numbers it: its index in the list, else -1. */
static int64_t
zpool_health_code(const char *state)
{
    static const char *const states[] = {"ONLINE",  "DEGRADED", "FAULTED",
                                         "OFFLINE", "REMOVED",  "UNAVAIL"};
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        if (strcmp(state, states[i]) == 0)
            return (int64_t)i;
    return -1;
}

/* Fragmentation as zpool list prints it: a number, or "-" (unknown: *known 0). */
static uint64_t
zpool_frag(zpool_handle_t *zhp, int *known)
{
    char buf[64], *end;
    *known = 0;
    if (zpool_get_prop(zhp, ZPOOL_PROP_FRAGMENTATION, buf, sizeof(buf), NULL, B_TRUE) != 0)
        return 0;
    buf[strcspn(buf, "%")] = '\0';
    unsigned long long v = strtoull(buf, &end, 10);
    *known = end != buf && *end == '\0';
    return (uint64_t)v;
}

static int
zpool_one(zpool_handle_t *zhp, void *arg)
{
    zpool_list_t *zl = arg;
    char health[64];
    zpool_row_t *grown = realloc(zl->zl_rows, (zl->zl_n + 1) * sizeof(*grown));
    if (grown == NULL) {
        zl->zl_oom = 1;
        zpool_close(zhp);
        return -1;
    }
    zl->zl_rows = grown;
    zpool_row_t *r = &zl->zl_rows[zl->zl_n++];
    snprintf(r->zr_name, sizeof(r->zr_name), "%s", zpool_get_name(zhp));
    r->zr_alloc = zpool_get_prop_int(zhp, ZPOOL_PROP_ALLOCATED, NULL);
    r->zr_size = zpool_get_prop_int(zhp, ZPOOL_PROP_SIZE, NULL);
    r->zr_frag = zpool_frag(zhp, &r->zr_frag_known);
    if (zpool_get_prop(zhp, ZPOOL_PROP_HEALTH, health, sizeof(health), NULL, B_TRUE) != 0)
        health[0] = '\0';
    r->zr_health = zpool_health_code(health);
    zpool_close(zhp);
    return 0;
}

static int
zpool_row_cmp(const void *a, const void *b)
{
    return strcmp(((const zpool_row_t *)a)->zr_name, ((const zpool_row_t *)b)->zr_name);
}

/* The four samples of pool r, in the original's order. 0 or -1. */
static int
zpool_emit(const collect_ctx_t *cc, famset_t *fs, const zpool_row_t *r)
{
    const char *ln[1] = {"pool"}, *lv[1] = {r->zr_name};
    if (zpool_sample(cc, fs, ROW_ALLOC, 1, ln, lv, mval_u64(r->zr_alloc)) != 0 ||
        (r->zr_frag_known && zpool_sample(cc, fs, ROW_FRAG, 1, ln, lv, mval_u64(r->zr_frag)) != 0))
        return -1;
    if (zpool_sample(cc, fs, ROW_HEALTH, 1, ln, lv, mval_i64(r->zr_health)) != 0 ||
        zpool_sample(cc, fs, ROW_SIZE, 1, ln, lv, mval_u64(r->zr_size)) != 0)
        return -1;
    return 0;
}

static int
zpool_pools(const collect_ctx_t *cc, famset_t *fs)
{
    zpool_list_t zl = {NULL, 0, 0};
    libzfs_handle_t *g = libzfs_init();
    if (g == NULL)
        return COLLECT_FAILED;
    int rc = zpool_iter(g, zpool_one, &zl);
    libzfs_fini(g);
    if (rc != 0) {
        free(zl.zl_rows);
        errno = zl.zl_oom ? ENOMEM : EIO;
        return COLLECT_FAILED;
    }
    if (zl.zl_n > 1)
        qsort(zl.zl_rows, zl.zl_n, sizeof(*zl.zl_rows), zpool_row_cmp);
    for (size_t i = 0; i < zl.zl_n && rc == 0; i++)
        rc = zpool_emit(cc, fs, &zl.zl_rows[i]);
    free(zl.zl_rows);
    return rc == 0 ? COLLECT_OK : COLLECT_FAILED;
}

static int
zpool_collect(const collect_ctx_t *cc, famset_t *fs)
{
    int rc = zpool_metaslabs(cc, fs);
    return rc == COLLECT_OK ? zpool_pools(cc, fs) : rc;
}

const collector_t collector_zpool = {"zpool",       zpool_table, NROWS,
                                     zpool_collect, 1,           COLLECTOR_META("zpool")};
