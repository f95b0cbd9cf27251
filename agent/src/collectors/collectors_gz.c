/*
 * collectors_gz - the compute node's collectors (GET /v1/gz/metrics), in
 * exposition order. Adding one is one line here plus its file.
 */
#include "collector.h"

extern const collector_t collector_cpu, collector_cpu_info, collector_arcstats, collector_zpool,
    collector_zones, collector_time;

const collector_t *const collectors_gz[] = {
    &collector_cpu,
    &collector_cpu_info,
    &collector_arcstats,
    &collector_zpool,
    &collector_zones,
    &collector_time,
    NULL,
};
