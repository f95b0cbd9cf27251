/*
 * zpool - size, allocation, fragmentation and health of every imported
 * pool through libzfs (zpool_iter, zpool_get_prop_int), labelled pool.
 * Health is the root vdev's state as a number (see HELP); a pool whose
 * fragmentation is unknown has no fragmentation sample. When libzfs cannot
 * be opened or the pool list cannot be read, the collector fails and
 * zpool_metrics_available_boolean says so.
 */
#include "collector.h"

#include <errno.h>
#include <libzfs.h>

#define HEALTH_HELP                                                                                \
    "Health of the pool: 0 ONLINE, 1 DEGRADED, 2 FAULTED, 3 OFFLINE, 4 REMOVED, 5 UNAVAIL, "       \
    "6 UNKNOWN."

static const kstat_metric_t zpool_table[] = {
    {"", "allocated", "zpool_allocated_bytes", "zpool_allocated_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "Bytes allocated in the pool.", "Bytes allocated in the pool."},
    {"", "size", "zpool_size_bytes", "zpool_size_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "Size of the pool, in bytes.", "Size of the pool, in bytes."},
    {"", "fragmentation", "zpool_fragmentation_percent", "zpool_fragmentation_percent",
     METRIC_GAUGE, "percent", 1, 1, "Fragmentation of the pool's free space, in percent.",
     "Fragmentation of the pool's free space, in percent."},
    {"", "health", "zpool_health_status", "zpool_health_status", METRIC_GAUGE, "state", 1, 1,
     HEALTH_HELP, HEALTH_HELP},
};

#define NROWS (sizeof(zpool_table) / sizeof(zpool_table[0]))

typedef struct zpool_walk {
    const collect_ctx_t *zw_cc;
    famset_t *zw_fs;
} zpool_walk_t;

static uint64_t
zpool_health_code(uint64_t vdev_state)
{
    switch (vdev_state) {
    case VDEV_STATE_HEALTHY:
        return 0;
    case VDEV_STATE_DEGRADED:
        return 1;
    case VDEV_STATE_FAULTED:
        return 2;
    case VDEV_STATE_OFFLINE:
        return 3;
    case VDEV_STATE_REMOVED:
        return 4;
    case VDEV_STATE_CANT_OPEN:
        return 5;
    default:
        return 6;
    }
}

static int
zpool_one(zpool_handle_t *zhp, void *arg)
{
    zpool_walk_t *zw = arg;
    const char *pool = zpool_get_name(zhp);
    uint64_t v[NROWS];
    int rc = 0;
    v[0] = zpool_get_prop_int(zhp, ZPOOL_PROP_ALLOCATED, NULL);
    v[1] = zpool_get_prop_int(zhp, ZPOOL_PROP_SIZE, NULL);
    v[2] = zpool_get_prop_int(zhp, ZPOOL_PROP_FRAGMENTATION, NULL);
    v[3] = zpool_health_code(zpool_get_prop_int(zhp, ZPOOL_PROP_HEALTH, NULL));
    for (size_t i = 0; i < NROWS && rc == 0; i++) {
        if (i == 2 && v[i] > 100)
            continue; /* unknown (UINT64_MAX) */
        rc = collector_emit(zw->zw_cc, zw->zw_fs, &zpool_table[i], v[i], "pool", pool);
    }
    zpool_close(zhp);
    return rc;
}

static int
zpool_collect(const collect_ctx_t *cc, famset_t *fs)
{
    zpool_walk_t zw = {cc, fs};
    libzfs_handle_t *g = libzfs_init();
    if (g == NULL)
        return COLLECT_FAILED;
    int rc = zpool_iter(g, zpool_one, &zw);
    if (rc != 0)
        errno = EIO;
    libzfs_fini(g);
    return rc == 0 ? COLLECT_OK : COLLECT_FAILED;
}

const collector_t collector_zpool = {"zpool", zpool_table, NROWS, zpool_collect, 1};
