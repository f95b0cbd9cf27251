/*
 * cache - collector results per (zone, collector) for a time-to-live.
 *
 * An entry is tied to the zone's name and zone id: a zone that rebooted
 * (new id) never gets its old results. Entries of zones that are gone are
 * swept once they have expired. The table is striped by zone name, each
 * stripe with its own lock held only to copy a result in or out.
 */
#ifndef CMON_AGENT_CACHE_H
#define CMON_AGENT_CACHE_H

#include "famset.h"

typedef struct cache cache_t;

/*
 * cache_new() - a cache of ncoll collector slots per zone that keeps results
 * for ttl seconds (> 0). NULL with ENOMEM.
 */
cache_t *cache_new(unsigned ncoll, double ttl);

/* cache_free() - frees every entry. NULL is fine. */
void cache_free(cache_t *c);

/*
 * cache_get() - when (zone, zid, coll) holds a result younger than the
 * TTL, merges it into out and returns 1; otherwise returns 0 (also when
 * the merge ran out of memory: out says so).
 */
int cache_get(cache_t *c, const char *zone, int zid, unsigned coll, famset_t *out);

/*
 * cache_put() - stores a copy of what fs holds after mark (NULL: all of it)
 * for (zone, zid, coll). 0 or -1 (ENOMEM).
 */
int cache_put(cache_t *c, const char *zone, int zid, unsigned coll, const famset_t *fs,
              const famset_mark_t *mark);

/* cache_size() - the number of zones with an entry (NULL: 0). */
size_t cache_size(cache_t *c);

#endif
