/*
 * zonelist.h - the zone ids of the node, read with zone_list(2) as the
 * kernel wants it: with a buffer of a guessed size, again with a larger one
 * while zones were added meanwhile.
 */
#ifndef CMON_AGENT_ZONELIST_H
#define CMON_AGENT_ZONELIST_H

#include <zone.h>

/*
 * zonelist_ids() - the zone ids (the global zone included) into *ids,
 * malloc'd, the caller frees; their number, or -1 with errno (EAGAIN when
 * the list kept growing over eight tries).
 */
long zonelist_ids(zoneid_t **ids);

/*
 * zonelist_running() - 0 when zone zonename is known not to run now
 * (getzoneidbyname() fails with EINVAL: destroyed or halted), else 1 (a
 * failure to ask, such as EIO or EAGAIN from a damaged world, is not taken
 * for the zone's end); errno is kept. The liveness test of the answers the
 * agent keeps per instance (ttlcache_new_live()) and of the VM records
 * (vminfo.h), so that those of zones gone are dropped at the next sweep
 * instead of at their expiry.
 */
int zonelist_running(const char *zonename);

#endif
