/*
 * world_counter.h - setting a running zone's cumulative counters, as if the
 * zone had been up long enough to count that far: how a scenario makes a
 * kstat value no test would otherwise reach (above 2^53, where a double
 * loses integers; near 2^64). Writer side of the cmonworld library.
 *
 * Errors: 0 on success, -1 with errno set and nothing changed on failure.
 */
#ifndef CMON_WORLD_COUNTER_H
#define CMON_WORLD_COUNTER_H

#include <stdint.h>

#include "world.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * world_zone_counter_set() - sets the counter behind the stat of zone zix's
 * kstat of that module to value; from then on kstat_read() and world_truth()
 * give value (until time adds the zone's load to it, as to any counter), and
 * the quantities derived from it follow (packets from bytes, zone_zfs from
 * zone_vfs). The counters that can be set, named as kstat shows them:
 *   zones       nsec_user, nsec_sys, nsec_waitrq
 *   memory_cap  anon_alloc_fail, nover, pagedout
 *   zone_vfs    nread, nwritten, rtime, rlentime, wtime, wlentime
 *   link        rbytes64, obytes64 (of VNIC nic, 0..nics-1; the 32-bit
 *               rbytes/obytes show the value wrapped)
 * nic is ignored but for link. Counters only go forward while a zone runs,
 * so value must be at least the current one.
 * Errors: EPERM not the writer; EINVAL zone not running, unknown module or
 * stat, no such nic; ERANGE value below the current one.
 */
int world_zone_counter_set(world_t *w, int zix, const char *module, const char *stat, int nic,
                           uint64_t value);

#ifdef __cplusplus
}
#endif

#endif /* CMON_WORLD_COUNTER_H */
