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
 * zonelist_running() - 1 when zone zonename is running now
 * (getzoneidbyname()), else 0: the liveness test of the answers the agent
 * keeps per instance (ttlcache_new_live()), so that those of destroyed or
 * halted zones are dropped at the next sweep instead of at their expiry.
 */
int zonelist_running(const char *zonename);

#endif
