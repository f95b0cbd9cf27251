/*
 * ttlcache - results kept by key, each for its own time-to-live: the zfs
 * collector's answers (300 s by default) and each plugin's (its TTL), so
 * the slow or expensive sources run once per TTL whatever the scrape rate.
 * An entry holds a famset and whether the source was available: a failed
 * plugin is remembered as failed for its TTL, so a hanging plugin costs its
 * timeout once per TTL, not on every scrape. One lock, held only to copy.
 */
#ifndef CMON_AGENT_TTLCACHE_H
#define CMON_AGENT_TTLCACHE_H

#include "famset.h"

typedef struct ttlcache ttlcache_t;

/* ttlcache_new() - an empty cache. NULL with ENOMEM. */
ttlcache_t *ttlcache_new(void);

/*
 * ttlcache_new_live() - an empty cache whose sweeps (at most once a minute,
 * by a put) also drop the entries whose key live() says is gone, expired or
 * not: for answers kept per instance, so that instances that came and went
 * cost nothing once swept (a zfs answer stayed for its 300 s TTL). live()
 * is called with a stripe's lock held and must not use the cache. NULL with
 * ENOMEM.
 */
ttlcache_t *ttlcache_new_live(int (*live)(const char *key));

/* ttlcache_sweep() - drops every entry that is gone now (tests; puts sweep by themselves). */
void ttlcache_sweep(ttlcache_t *c);

/* ttlcache_free() - frees every entry. NULL is fine. */
void ttlcache_free(ttlcache_t *c);

/*
 * ttlcache_get() - when key holds a famset that has not expired, merges
 * it into out, sets *available, and returns 1; else 0 (also when
 * the merge ran out of memory: out says so).
 */
int ttlcache_get(ttlcache_t *c, const char *key, famset_t *out, int *available);

/* ttlcache_put() - stores a copy of fs under key for ttl seconds. 0 or -1 (ENOMEM). */
int ttlcache_put(ttlcache_t *c, const char *key, const famset_t *fs, int available, double ttl);

/*
 * ttlcache_put_bytes() - stores a copy of len (1 to 65,535) bytes of data, an
 * available answer kept as the caller's own record, under key for ttl
 * seconds: for answers a few numbers make (zfs: eleven properties, 88 bytes,
 * where its famset took ~480). 0, or -1 with errno EINVAL (len) or ENOMEM.
 */
int ttlcache_put_bytes(ttlcache_t *c, const char *key, const void *data, size_t len, double ttl);

/*
 * ttlcache_get_bytes() - when key holds an unexpired record of exactly len
 * bytes (ttlcache_put_bytes()), copies it to out and returns 1; else 0 (a
 * famset under key is no record: 0).
 */
int ttlcache_get_bytes(ttlcache_t *c, const char *key, void *out, size_t len);

/* ttlcache_size() - entries held, expired ones included until swept. */
size_t ttlcache_size(ttlcache_t *c);

#endif
