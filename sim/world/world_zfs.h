/*
 * world_zfs.h - the ZFS side of the simulated compute node: its pools and
 * the dataset zones/<uuid> of every zone, as the fake libzfs serves them.
 *
 * Pools and ZFS faults are kept in a small file next to the world
 * (<world path>.zfs) that the writer replaces atomically (write + rename),
 * so a reader sees either the old or the new state, never a torn one. When
 * there is no such file the node has one healthy pool, "zones". Datasets are
 * not stored: they are a function of the zone (name, quota, VFS write load)
 * and of virtual time, like every counter of the world, so the fake libzfs
 * and the tests compute the same values with the same code (the truth).
 *
 * Errors: 0 (or a count) on success, -1 with errno set on failure.
 */
#ifndef CMON_WORLD_ZFS_H
#define CMON_WORLD_ZFS_H

#include <stdint.h>

#include "world.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WORLD_POOLS_MAX 8
#define WORLD_POOL_NAME_MAX 32
#define WORLD_DATASET_MAX (WORLD_POOL_NAME_MAX + WORLD_NAME_MAX)
#define WORLD_ZFS_SUFFIX ".zfs"

/* Pool health, as zpool(8) names it. */
typedef enum world_pool_health {
    WORLD_POOL_ONLINE = 0,
    WORLD_POOL_DEGRADED,
    WORLD_POOL_FAULTED,
    WORLD_POOL_OFFLINE,
    WORLD_POOL_REMOVED,
    WORLD_POOL_UNAVAIL
} world_pool_health_t;

typedef struct world_pool {
    char wpl_name[WORLD_POOL_NAME_MAX];
    uint64_t wpl_size;       /* bytes */
    uint64_t wpl_base_alloc; /* bytes allocated besides the zones' datasets */
    uint32_t wpl_frag;       /* percent; UINT32_MAX: unknown */
    uint32_t wpl_health;     /* world_pool_health_t */
} world_pool_t;

typedef struct world_zfs_fault {
    int wzf_init_errno;                  /* libzfs_init() fails with this errno (0: no) */
    int wzf_pool_iter_fail;              /* zpool_iter() fails (EZFS_IO) */
    double wzf_open_rate;                /* zfs_open() fails (EZFS_IO) with this probability */
    char wzf_dataset[WORLD_DATASET_MAX]; /* "" every dataset, else only this one */
} world_zfs_fault_t;

/* The whole ZFS state of a node, as stored (a plain value: copy freely). */
typedef struct world_zfs_state {
    uint32_t wzs_npools;
    world_pool_t wzs_pools[WORLD_POOLS_MAX]; /* pool 0 holds the zones' datasets */
    world_zfs_fault_t wzs_fault;
} world_zfs_state_t;

/* What zfs_open("zones/<uuid>") sees. */
typedef struct world_dataset {
    char wd_name[WORLD_DATASET_MAX];
    uint64_t wd_used, wd_available, wd_referenced, wd_quota;
    uint64_t wd_usedbydataset, wd_usedbysnapshots, wd_logicalused;
    uint64_t wd_recordsize;
    uint64_t wd_compressratio;     /* hundredths: 150 is 1.50x */
    uint64_t wd_refcompressratio;  /* of the referenced data (snapshots excluded), hundredths */
    uint64_t wd_logicalreferenced; /* referenced bytes before compression */
    uint64_t wd_creation;          /* seconds since the epoch */
} world_dataset_t;

/* What zpool_open() sees. */
typedef struct world_pool_info {
    world_pool_t wpi_pool;
    uint64_t wpi_allocated; /* bytes: base plus the zones' datasets (pool 0) */
    uint64_t wpi_free;
} world_pool_info_t;

/* ---- state (writer and readers) --------------------------------------- */

/* world_zfs_state_default() - one healthy pool "zones" sized for the world, no fault. */
void world_zfs_state_default(const world_t *w, world_zfs_state_t *st);

/*
 * world_zfs_state_read() - the state of the world at world_path: the stored
 * one, or the default when none was stored (w may be NULL; the default pool
 * is then sized for no zones). -1 with errno EINVAL for a state file that is
 * not one.
 */
int world_zfs_state_read(const world_t *w, const char *world_path, world_zfs_state_t *st);

/*
 * world_zfs_state_write() - stores st for world w (atomically). -1 with
 * errno EINVAL (no pool, too many, a pool without a name) or the errno of
 * the write.
 */
int world_zfs_state_write(const world_t *w, const world_zfs_state_t *st);

/* world_zfs_pool_set() - adds the pool, or replaces the one of that name. */
int world_zfs_pool_set(const world_t *w, const world_pool_t *pool);

/* world_zfs_fault_set() - replaces the ZFS fault (a zeroed one clears it). */
int world_zfs_fault_set(const world_t *w, const world_zfs_fault_t *fault);

/* world_zfs_remove() - removes the stored state (back to the default). ENOENT ok. */
int world_zfs_remove(const world_t *w);

/* ---- truth ---------------------------------------------------------- */

/*
 * world_zfs_dataset() - the dataset called name now: "<pool 0>/<zonename>"
 * for any zone that exists (running or installed). -1 with errno ENOENT
 * when there is no such dataset. Faults do not apply.
 */
int world_zfs_dataset(const world_t *w, const world_zfs_state_t *st, const char *name,
                      world_dataset_t *out);

/*
 * world_zfs_pool_info() - pool i of st now (allocated walks every zone for
 * pool 0). -1 with errno ENOENT when i is out of range.
 */
int world_zfs_pool_info(const world_t *w, const world_zfs_state_t *st, uint32_t i,
                        world_pool_info_t *out);

/* world_pool_health_name() - "ONLINE", "DEGRADED", ... ("UNKNOWN" out of range). */
const char *world_pool_health_name(uint32_t health);

#ifdef __cplusplus
}
#endif

#endif /* CMON_WORLD_ZFS_H */
