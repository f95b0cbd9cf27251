/*
 * collectors - the per-instance collectors, in the original's exposition
 * order (spec 2.A.1: its collector files sorted by name, the common ones
 * first). Adding a collector is one line here plus its file. plugin,
 * triton_core and zfs are not kstat tables: their placeholders (no collect
 * function) mark where the request's hook adds them (scrape.h).
 */
#include "collector.h"

extern const collector_t collector_zone_misc, collector_memcap, collector_cpucap,
    collector_zone_vfs, collector_tcp, collector_link, collector_time;

const collector_t collector_plugin_slot = {"plugin", NULL, 0, NULL, 0, COLLECTOR_META("plugin")};
const collector_t collector_triton_core_slot = {"triton_core", NULL, 0,
                                                NULL,          0,    COLLECTOR_META("triton_core")};
const collector_t collector_zfs_slot = {"zfs", NULL, 0, NULL, 0, COLLECTOR_META("zfs")};

const collector_t *const collectors_vm[] = {
    &collector_plugin_slot,
    &collector_time,
    &collector_cpucap,
    &collector_link,
    &collector_memcap,
    &collector_tcp,
    &collector_triton_core_slot,
    &collector_zfs_slot,
    &collector_zone_misc,
    &collector_zone_vfs,
    NULL,
};
