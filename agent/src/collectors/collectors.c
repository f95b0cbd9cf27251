/*
 * collectors - the per-instance collectors, in exposition order. Adding a
 * collector is one line here plus its file.
 */
#include "collector.h"

extern const collector_t collector_zone_misc, collector_memcap, collector_cpucap,
    collector_zone_vfs, collector_tcp, collector_link, collector_time;

const collector_t *const collectors_vm[] = {
    &collector_zone_misc, &collector_memcap, &collector_cpucap, &collector_zone_vfs,
    &collector_tcp,       &collector_link,   &collector_time,   NULL,
};
