/*
 * collectors_gz - the compute node's collectors (GET /v1/gz/metrics), in
 * the original's exposition order (spec 2.A.1: plugin, time, arcstats,
 * cpu_info, cpu_util (coll_cpu.c), ntp (ntpq: agent/src/ntp), zpool; the agent's own metrics
 * follow them, gz.c). zones is ours, after the original's. Adding one is
 * one line here plus its file.
 */
#include "collector.h"

extern const collector_t collector_cpu, collector_cpu_info, collector_arcstats, collector_zpool,
    collector_zones, collector_time, collector_plugin_slot;

/* ntp reads ntpq, not kstats: the gz request's hook adds it here (gz.c, ntp.h). */
const collector_t collector_ntp_slot = {"ntp", NULL, 0, NULL, 0, COLLECTOR_META("ntp")};

const collector_t *const collectors_gz[] = {
    &collector_plugin_slot, &collector_time,  &collector_arcstats,
    &collector_cpu_info,    &collector_cpu,   &collector_ntp_slot,
    &collector_zpool,       &collector_zones, NULL,
};
