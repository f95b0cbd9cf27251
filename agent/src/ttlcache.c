/* ttlcache - famsets by key, each with its own expiry. */
#include "ttlcache.h"
#include "strhash.h"
#include "monotime.h"
#include "fspack.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TTL_BUCKETS 16384 /* one per zone at 10,000 zones, chains stay short */

/*
 * An entry carries its key's full hash and the key itself, so that a lookup
 * compares the hash first and touches one block per candidate, not two.
 */
typedef struct tentry {
    struct tentry *te_next;
    uint32_t te_hash;
    int te_available;
    int64_t te_expires; /* monotonic ns */
    fspack_t *te_fs; /* the result in one block of its size */
    char te_key[]; /* NUL-terminated */
} tentry_t;

struct ttlcache {
    pthread_mutex_t tc_lock;
    tentry_t *tc_buckets[TTL_BUCKETS];
    size_t tc_count;
    int64_t tc_next_sweep;
};

ttlcache_t *
ttlcache_new(void)
{
    ttlcache_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    pthread_mutex_init(&c->tc_lock, NULL);
    return c;
}

static void
ttl_entry_free(tentry_t *e)
{
    free(e->te_fs);
    free(e);
}

void
ttlcache_free(ttlcache_t *c)
{
    if (c == NULL)
        return;
    for (size_t b = 0; b < TTL_BUCKETS; b++)
        while (c->tc_buckets[b] != NULL) {
            tentry_t *e = c->tc_buckets[b];
            c->tc_buckets[b] = e->te_next;
            ttl_entry_free(e);
        }
    pthread_mutex_destroy(&c->tc_lock);
    free(c);
}

static tentry_t **
ttl_find(ttlcache_t *c, uint32_t h, const char *key)
{
    tentry_t **pp = &c->tc_buckets[h % TTL_BUCKETS];
    while (*pp != NULL && ((*pp)->te_hash != h || strcmp((*pp)->te_key, key) != 0))
        pp = &(*pp)->te_next;
    return pp;
}

int
ttlcache_get(ttlcache_t *c, const char *key, famset_t *out, int *available)
{
    int hit = 0;
    pthread_mutex_lock(&c->tc_lock);
    uint32_t h = strhash_fnv1a(key);
    tentry_t *e = *ttl_find(c, h, key);
    if (e != NULL && e->te_expires > monotime_ns()) {
        hit = fspack_merge(out, e->te_fs) == 0;
        *available = e->te_available;
    }
    pthread_mutex_unlock(&c->tc_lock);
    return hit;
}

/* Drops expired entries, at most once a minute (the lock is held). */
static void
ttl_sweep(ttlcache_t *c, int64_t now)
{
    if (now < c->tc_next_sweep)
        return;
    c->tc_next_sweep = now + 60 * (int64_t)1000000000;
    for (size_t b = 0; b < TTL_BUCKETS; b++) {
        tentry_t **pp = &c->tc_buckets[b];
        while (*pp != NULL) {
            tentry_t *e = *pp;
            if (e->te_expires > now) {
                pp = &e->te_next;
                continue;
            }
            *pp = e->te_next;
            ttl_entry_free(e);
            c->tc_count--;
        }
    }
}

int
ttlcache_put(ttlcache_t *c, const char *key, const famset_t *fs, int available, double ttl)
{
    size_t klen = strlen(key);
    tentry_t *e = calloc(1, sizeof(*e) + klen + 1);
    int64_t now = monotime_ns();
    if (e == NULL) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(e->te_key, key, klen + 1);
    e->te_hash = strhash_fnv1a(key);
    famset_t part = FAMSET_INIT; /* merged first: only what fs holds, no slack */
    if (famset_merge(&part, fs) == 0)
        e->te_fs = fspack_new(&part);
    famset_release(&part);
    if (e->te_fs == NULL) {
        ttl_entry_free(e);
        errno = ENOMEM;
        return -1;
    }
    e->te_available = available;
    e->te_expires = now + (int64_t)(ttl * 1e9);
    pthread_mutex_lock(&c->tc_lock);
    ttl_sweep(c, now);
    tentry_t **pp = ttl_find(c, e->te_hash, key);
    if (*pp != NULL) {
        tentry_t *old = *pp;
        e->te_next = old->te_next;
        ttl_entry_free(old);
    } else {
        e->te_next = NULL;
        c->tc_count++;
    }
    *pp = e;
    pthread_mutex_unlock(&c->tc_lock);
    return 0;
}

size_t
ttlcache_size(ttlcache_t *c)
{
    pthread_mutex_lock(&c->tc_lock);
    size_t n = c->tc_count;
    pthread_mutex_unlock(&c->tc_lock);
    return n;
}
