/*
 * world_node.h - the simulated compute node's own kstats beyond its CPUs:
 * the ARC (zfs:0:arcstats), the metaslab groups of its pools
 * (zfs_metaslab_group:<vdev>:<guid>) and the physical NICs of the global
 * zone (link:0:ixgbe<n>, zonename "global"). Part of the `cmonworld`
 * library; writer calls as in world.h (one writer, from one thread).
 *
 * A new world has the ARC sized from the node's memory (c_max 7/8 of it,
 * target c half of that), the arcstats records of illumos' arc_stats_t
 * under their own names (async_upgrade_sync, not the older
 * sync_wait_for_async), two metaslab groups of pool "zones" (vdevs 0 and
 * 1, guids from the seed) and two physical NICs carrying the zones'
 * traffic.
 *
 * Errors: 0 (or an index) on success, -1 with errno set; nothing changed.
 */
#ifndef CMON_WORLD_NODE_H
#define CMON_WORLD_NODE_H

#include <stdint.h>

#include "world.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * world_hrtime() - the kernel's gethrtime() (ns since the node booted) at
 * virtual time vns: the node had been up 1 to 30 days (from the seed) when
 * the world began. ks_crtime and ks_snaptime are on this clock, as on
 * illumos; the node's own kstats were created while it booted.
 */
uint64_t world_hrtime(const world_t *w, uint64_t vns);

/*
 * world_arc_set() - the ARC's target size c and its bounds (bytes; 0 keeps
 * the current value). The ARC's size follows c, less what the zones' memory
 * takes. EINVAL when c_min > c_max or c outside [c_min, c_max]; EPERM not
 * the writer.
 */
int world_arc_set(world_t *w, uint64_t c, uint64_t c_min, uint64_t c_max);

/*
 * world_arc_rename() - shows arcstats record `from` (an arc_stats_t name)
 * as `to` from now on, as a platform update renames a field
 * (sync_wait_for_async became async_upgrade_sync); `to` NULL or "" undoes
 * it. ENOENT `from` is not a record of arcstats; EINVAL `to` too long (30
 * characters at most) or already a record's name; ENOSPC more than
 * WORLD_ARC_RENAMES at once.
 */
int world_arc_rename(world_t *w, const char *from, const char *to);

/* world_arc_record_count() - the records zfs:0:arcstats has (illumos' arc_stats_t). */
uint32_t world_arc_record_count(void);

/*
 * world_metaslab_set() - the metaslab group of top-level vdev `guid` of
 * pool `pool`: created when new (a kstat zfs_metaslab_group:<vdev>:<guid>,
 * the vdev id counting the pool's groups from 0; the chain id changes),
 * else its counters set. loads and unloads are counters: a value below the
 * current one is EINVAL. Returns the group's index, or -1 with errno
 * (EINVAL bad pool name or guid 0, ENOSPC more than 16 groups at once, EPERM).
 */
int world_metaslab_set(world_t *w, const char *pool, uint64_t guid, uint64_t loads,
                       uint64_t unloads);

/* world_metaslab_remove() - removes the group (its kstat goes). ENOENT no such group. */
int world_metaslab_remove(world_t *w, uint64_t guid);

typedef struct world_metaslab_info {
    uint64_t wmi_guid;
    uint32_t wmi_vdev;
    char wmi_pool[32];
    uint64_t wmi_loads, wmi_unloads;
} world_metaslab_info_t;

/*
 * world_metaslab_list() - the node's metaslab groups (up to cap) into out,
 * in creation order; returns how many there are.
 */
uint32_t world_metaslab_list(const world_t *w, world_metaslab_info_t *out, uint32_t cap);

#ifdef __cplusplus
}
#endif

#endif /* CMON_WORLD_NODE_H */
