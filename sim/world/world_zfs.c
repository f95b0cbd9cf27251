/*
 * world_zfs.c - pools, ZFS faults and the datasets of the zones.
 *
 * The stored state is a fixed-size record behind a magic and a version;
 * the writer writes a new file and renames it over the old one, so readers
 * (other processes, through the fake libzfs) need no lock.
 */
#include "world_zfs.h"

#include "world_sidefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZFS_MAGIC 0x434d4f4e5a465331ULL /* "CMONZFS1" */
#define ZFS_VERSION 1
#define GIB (1024ULL * 1024 * 1024)
#define TIB (1024ULL * GIB)

/* ---- helpers -------------------------------------------------------- */

static uint64_t
hash_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* A stable hash of (seed, name, what): the same dataset always looks the same. */
static uint64_t
hash_name(uint64_t seed, const char *name, uint64_t what)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 0x100000001b3ULL;
    return hash_mix(h ^ (what * 0x9e3779b97f4a7c15ULL));
}

const char *
world_pool_health_name(uint32_t health)
{
    static const char *const names[] = {"ONLINE",  "DEGRADED", "FAULTED",
                                        "OFFLINE", "REMOVED",  "UNAVAIL"};
    return health < sizeof(names) / sizeof(names[0]) ? names[health] : "UNKNOWN";
}

/* ---- state ---------------------------------------------------------- */

void
world_zfs_state_default(const world_t *w, world_zfs_state_t *st)
{
    uint64_t zones = w ? world_zone_count(w) : 1;
    uint64_t seed = w ? world_seed(w) : 0;
    world_pool_t *p = &st->wzs_pools[0];
    memset(st, 0, sizeof(*st));
    st->wzs_npools = 1;
    snprintf(p->wpl_name, sizeof(p->wpl_name), "zones");
    /* Room for every zone's dataset at a third full: 64 GiB a zone, 4 TiB at least. */
    p->wpl_size = zones * 64 * GIB;
    if (p->wpl_size < 4 * TIB)
        p->wpl_size = 4 * TIB;
    p->wpl_base_alloc = 40 * GIB;
    p->wpl_frag = (uint32_t)(hash_name(seed, "zones", 1) % 40);
    p->wpl_health = WORLD_POOL_ONLINE;
}

static int
state_valid(const world_zfs_state_t *st)
{
    uint32_t i;
    if (st->wzs_npools == 0 || st->wzs_npools > WORLD_POOLS_MAX)
        return 0;
    for (i = 0; i < st->wzs_npools; i++) {
        const world_pool_t *p = &st->wzs_pools[i];
        if (p->wpl_name[0] == '\0' || memchr(p->wpl_name, '\0', sizeof(p->wpl_name)) == NULL ||
            strchr(p->wpl_name, '/') != NULL || p->wpl_health > WORLD_POOL_UNAVAIL)
            return 0;
    }
    return memchr(st->wzs_fault.wzf_dataset, '\0', sizeof(st->wzs_fault.wzf_dataset)) != NULL;
}

int
world_zfs_state_read(const world_t *w, const char *world_path, world_zfs_state_t *st)
{
    world_zfs_state_t rec;
    int rc = world_sidefile_read(world_path, WORLD_ZFS_SUFFIX, ZFS_MAGIC, ZFS_VERSION, &rec,
                                 sizeof(rec));
    if (rc == 1) /* no file: nothing was set */
        world_zfs_state_default(w, st);
    else if (rc == 0 && !state_valid(&rec))
        return errno = EINVAL, -1;
    else if (rc == 0)
        *st = rec;
    return rc < 0 ? -1 : 0;
}

int
world_zfs_state_write(const world_t *w, const world_zfs_state_t *st)
{
    if (!state_valid(st))
        return errno = EINVAL, -1;
    return world_sidefile_write(world_path(w), WORLD_ZFS_SUFFIX, ZFS_MAGIC, ZFS_VERSION, st,
                                sizeof(*st));
}

int
world_zfs_pool_set(const world_t *w, const world_pool_t *pool)
{
    world_zfs_state_t st;
    uint32_t i;
    if (world_zfs_state_read(w, world_path(w), &st) != 0)
        return -1;
    for (i = 0; i < st.wzs_npools; i++)
        if (strcmp(st.wzs_pools[i].wpl_name, pool->wpl_name) == 0)
            break;
    if (i == WORLD_POOLS_MAX) {
        errno = ENOSPC;
        return -1;
    }
    st.wzs_pools[i] = *pool;
    if (i == st.wzs_npools)
        st.wzs_npools++;
    return world_zfs_state_write(w, &st);
}

int
world_zfs_fault_set(const world_t *w, const world_zfs_fault_t *fault)
{
    world_zfs_state_t st;
    if (world_zfs_state_read(w, world_path(w), &st) != 0)
        return -1;
    st.wzs_fault = *fault;
    return world_zfs_state_write(w, &st);
}

int
world_zfs_remove(const world_t *w)
{
    return world_sidefile_remove(world_path(w), WORLD_ZFS_SUFFIX);
}

/* ---- truth ---------------------------------------------------------- */

/* Bytes the zone's dataset holds now: a base, plus a quarter of what it writes. */
static uint64_t
dataset_used(const world_t *w, const world_zone_info_t *z)
{
    uint64_t seed = world_seed(w);
    uint64_t base = (1 + hash_name(seed, z->wzi_name, 2) % 20) * GIB;
    double secs = (double)world_time_now(w) / 1e9;
    uint64_t grown = (uint64_t)(secs * (double)z->wzi_load.wl_vfs_write_bps / 4.0);
    uint64_t used = base + grown;
    if (z->wzi_quota > 0 && base > z->wzi_quota / 2)
        used = z->wzi_quota / 2 + grown;
    if (z->wzi_quota > 0 && used > z->wzi_quota / 100 * 95)
        used = z->wzi_quota / 100 * 95;
    return used;
}

static void
dataset_fill(const world_t *w, const world_zfs_state_t *st, const world_zone_info_t *z,
             world_dataset_t *out)
{
    uint64_t seed = world_seed(w);
    uint64_t pool_free = st->wzs_pools[0].wpl_size / 2; /* see the README: an estimate */
    memset(out, 0, sizeof(*out));
    snprintf(out->wd_name, sizeof(out->wd_name), "%s/%s", st->wzs_pools[0].wpl_name, z->wzi_name);
    out->wd_used = dataset_used(w, z);
    out->wd_quota = z->wzi_quota;
    out->wd_available = z->wzi_quota > 0           ? z->wzi_quota - out->wd_used
                        : pool_free > out->wd_used ? pool_free - out->wd_used
                                                   : 0;
    out->wd_usedbysnapshots = out->wd_used / 100 * (hash_name(seed, z->wzi_name, 3) % 20);
    out->wd_usedbydataset = out->wd_used - out->wd_usedbysnapshots;
    out->wd_referenced = out->wd_usedbydataset;
    out->wd_compressratio = 100 + hash_name(seed, z->wzi_name, 4) % 150;
    out->wd_logicalused = out->wd_used / 100 * out->wd_compressratio;
    /* the live data compresses a little differently from the snapshots' */
    out->wd_refcompressratio = 100 + hash_name(seed, z->wzi_name, 6) % 150;
    out->wd_logicalreferenced = out->wd_referenced / 100 * out->wd_refcompressratio;
    out->wd_recordsize =
        strcmp(z->wzi_brand, "kvm") == 0 || strcmp(z->wzi_brand, "bhyve") == 0 ? 8192 : 131072;
    out->wd_creation = 1700000000ULL + hash_name(seed, z->wzi_name, 5) % 10000000;
}

int
world_zfs_dataset(const world_t *w, const world_zfs_state_t *st, const char *name,
                  world_dataset_t *out)
{
    const char *pool = st->wzs_pools[0].wpl_name;
    size_t plen = strlen(pool);
    world_zone_info_t z;
    int zix;
    if (strncmp(name, pool, plen) != 0 || name[plen] != '/' ||
        (zix = world_zone_find(w, name + plen + 1)) < 0 || zix == 0 ||
        world_zone_info(w, zix, &z) != 0 || strcmp(z.wzi_name, name + plen + 1) != 0) {
        errno = ENOENT;
        return -1;
    }
    dataset_fill(w, st, &z, out);
    return 0;
}

int
world_zfs_pool_info(const world_t *w, const world_zfs_state_t *st, uint32_t i,
                    world_pool_info_t *out)
{
    uint64_t alloc;
    if (i >= st->wzs_npools) {
        errno = ENOENT;
        return -1;
    }
    out->wpi_pool = st->wzs_pools[i];
    alloc = out->wpi_pool.wpl_base_alloc;
    if (i == 0) {
        for (int z = world_zone_next(w, 0); z >= 0; z = world_zone_next(w, z)) {
            world_zone_info_t zi;
            if (world_zone_info(w, z, &zi) == 0)
                alloc += dataset_used(w, &zi);
        }
    }
    if (alloc > out->wpi_pool.wpl_size)
        alloc = out->wpi_pool.wpl_size;
    out->wpi_allocated = alloc;
    out->wpi_free = out->wpi_pool.wpl_size - alloc;
    return 0;
}
