/*
 * world_kdrop.h - a running zone without one of its kstats, as some real
 * zones are: a zone with a shared IP stack has no tcp:<zid>:tcp (its TCP
 * figures are the global zone's), a platform image older than zone_vfs has
 * no zone_vfs:<zid>:*. How a scenario shows what the agent answers for a
 * zone whose kstat is simply not there (not failing: absent). Writer side
 * of the cmonworld library.
 *
 * Errors: 0 on success, -1 with errno set and nothing changed on failure.
 */
#ifndef CMON_WORLD_KDROP_H
#define CMON_WORLD_KDROP_H

#include "world.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * world_zone_kstat_drop() - removes running zone zix's kstats of module
 * ("zones", "memory_cap", "zone_vfs", "zone_zfs" or "tcp") from the chain
 * (the chain id changes; a reader holding one reads ENXIO, as for any kstat
 * that went away). The zone runs on without it until it boots again, when
 * every kstat of the zone is created anew. world_truth_zone() then has no
 * value for that module (ENOENT).
 * Errors: EPERM not the writer; EINVAL zone not running or another module;
 * ENOENT the zone has no such kstat (left already).
 */
int world_zone_kstat_drop(world_t *w, int zix, const char *module);

#ifdef __cplusplus
}
#endif

#endif /* CMON_WORLD_KDROP_H */
