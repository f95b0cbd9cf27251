/* ttlcache - famsets by key, each with its own expiry. */
#include "ttlcache.h"
#include "strhash.h"
#include "monotime.h"
#include "fspack.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TTL_BUCKETS 16384 /* one per zone at 10,000 zones, chains stay short */
#define TTL_STRIPES 64    /* locks: bucket b is under stripe b % TTL_STRIPES */
/* A record put with ttlcache_put_bytes() sits after the key, 8-byte aligned. */
#define TTL_BYTES_AT(klen) (((klen) + 1 + 7) & ~(size_t)7)
#define TTL_BYTES_MAX UINT16_MAX

/*
 * An entry carries its key's full hash and the key itself, so that a lookup
 * compares the hash first and touches one block per candidate, not two. It
 * holds either a famset (te_fs) or, put with ttlcache_put_bytes(), a record
 * of te_nbytes of the caller's own right after the key (te_fs NULL).
 */
typedef struct tentry {
    struct tentry *te_next;
    uint32_t te_hash;
    uint16_t te_available;
    uint16_t te_nbytes;
    int64_t te_expires; /* monotonic ns */
    fspack_t *te_fs;    /* the result in one block of its size */
    char te_key[];      /* NUL-terminated */
} tentry_t;

/*
 * Every scrape of an instance looks its zfs answer up here, from every HTTP
 * worker at once; at 10,000 instances the entry is rarely in the CPU's
 * caches, so the copy out takes long enough that one lock for the whole
 * cache made the workers queue and sleep on it. Striped, two workers meet
 * on a lock only when their instances share a stripe.
 */
typedef struct ttlstripe {
    _Alignas(64) pthread_mutex_t ts_lock; /* a cache line each: no false sharing */
} ttlstripe_t;

struct ttlcache {
    ttlstripe_t tc_stripes[TTL_STRIPES];
    tentry_t *tc_buckets[TTL_BUCKETS];
    _Atomic size_t tc_count;
    _Atomic int64_t tc_next_sweep;
    int (*tc_live)(const char *key); /* NULL: every key lives until it expires */
};

static pthread_mutex_t *
ttl_lock_of(ttlcache_t *c, uint32_t h)
{
    return &c->tc_stripes[(h % TTL_BUCKETS) % TTL_STRIPES].ts_lock;
}

ttlcache_t *
ttlcache_new(void)
{
    return ttlcache_new_live(NULL);
}

ttlcache_t *
ttlcache_new_live(int (*live)(const char *key))
{
    ttlcache_t *c = aligned_alloc(_Alignof(ttlcache_t), sizeof(*c)); /* the stripes' lines */
    if (c == NULL)
        return NULL;
    memset(c, 0, sizeof(*c));
    atomic_init(&c->tc_count, 0);
    atomic_init(&c->tc_next_sweep, 0);
    c->tc_live = live;
    for (size_t i = 0; i < TTL_STRIPES; i++)
        pthread_mutex_init(&c->tc_stripes[i].ts_lock, NULL);
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
    for (size_t i = 0; i < TTL_STRIPES; i++)
        pthread_mutex_destroy(&c->tc_stripes[i].ts_lock);
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
    uint32_t h = strhash_fnv1a(key);
    pthread_mutex_t *lock = ttl_lock_of(c, h);
    pthread_mutex_lock(lock);
    tentry_t *e = *ttl_find(c, h, key);
    if (e != NULL && e->te_expires > cmon_monotime_ns()) {
        hit = e->te_fs != NULL && fspack_merge(out, e->te_fs) == 0;
        *available = e->te_available;
    }
    pthread_mutex_unlock(lock);
    return hit;
}

/* Whether e goes at a sweep: expired, or its key's zone is gone (tc_live). */
static int
ttl_entry_gone(const ttlcache_t *c, const tentry_t *e, int64_t now)
{
    return e->te_expires <= now || (c->tc_live != NULL && !c->tc_live(e->te_key));
}

/* Drops the entries that are gone, one stripe lock at a time (none may be held). */
static void
ttl_sweep_all(ttlcache_t *c, int64_t now)
{
    for (size_t b = 0; b < TTL_BUCKETS; b++) {
        pthread_mutex_t *lock = &c->tc_stripes[b % TTL_STRIPES].ts_lock;
        pthread_mutex_lock(lock);
        tentry_t **pp = &c->tc_buckets[b];
        while (*pp != NULL) {
            tentry_t *e = *pp;
            if (!ttl_entry_gone(c, e, now)) {
                pp = &e->te_next;
                continue;
            }
            *pp = e->te_next;
            ttl_entry_free(e);
            atomic_fetch_sub(&c->tc_count, 1);
        }
        pthread_mutex_unlock(lock);
    }
}

/* ttl_sweep_all() at most once a minute: the caller that finds the sweep due does it. */
static void
ttl_sweep(ttlcache_t *c, int64_t now)
{
    int64_t due = atomic_load(&c->tc_next_sweep);
    if (now < due ||
        !atomic_compare_exchange_strong(&c->tc_next_sweep, &due, now + 60 * (int64_t)1000000000))
        return;
    ttl_sweep_all(c, now);
}

void
ttlcache_sweep(ttlcache_t *c)
{
    ttl_sweep_all(c, cmon_monotime_ns());
}

/* A new entry for key, with room for nbytes after it; its hash set. NULL with ENOMEM. */
static tentry_t *
ttl_entry_new(const char *key, size_t nbytes)
{
    size_t klen = strlen(key);
    tentry_t *e = calloc(1, sizeof(*e) + TTL_BYTES_AT(klen) + nbytes);
    if (e == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(e->te_key, key, klen + 1);
    e->te_hash = strhash_fnv1a(key);
    return e;
}

/* Puts e in place of the entry of its key, if any; expires in ttl seconds. */
static void
ttl_insert(ttlcache_t *c, tentry_t *e, double ttl)
{
    int64_t now = cmon_monotime_ns();
    e->te_expires = now + (int64_t)(ttl * 1e9);
    ttl_sweep(c, now);
    pthread_mutex_t *lock = ttl_lock_of(c, e->te_hash);
    pthread_mutex_lock(lock);
    tentry_t **pp = ttl_find(c, e->te_hash, e->te_key);
    if (*pp != NULL) {
        tentry_t *old = *pp;
        e->te_next = old->te_next;
        ttl_entry_free(old);
    } else {
        e->te_next = NULL;
        atomic_fetch_add(&c->tc_count, 1);
    }
    *pp = e;
    pthread_mutex_unlock(lock);
}

int
ttlcache_put(ttlcache_t *c, const char *key, const famset_t *fs, int available, double ttl)
{
    tentry_t *e = ttl_entry_new(key, 0);
    if (e == NULL)
        return -1;
    famset_t part = FAMSET_INIT; /* merged first: only what fs holds, no slack */
    if (famset_merge(&part, fs) == 0)
        e->te_fs = fspack_new(&part);
    famset_release(&part);
    if (e->te_fs == NULL) {
        ttl_entry_free(e);
        errno = ENOMEM;
        return -1;
    }
    e->te_available = available != 0;
    ttl_insert(c, e, ttl);
    return 0;
}

int
ttlcache_put_bytes(ttlcache_t *c, const char *key, const void *data, size_t len, double ttl)
{
    if (len == 0 || len > TTL_BYTES_MAX) {
        errno = EINVAL;
        return -1;
    }
    tentry_t *e = ttl_entry_new(key, len);
    if (e == NULL)
        return -1;
    memcpy(e->te_key + TTL_BYTES_AT(strlen(key)), data, len);
    e->te_nbytes = (uint16_t)len;
    e->te_available = 1;
    ttl_insert(c, e, ttl);
    return 0;
}

int
ttlcache_get_bytes(ttlcache_t *c, const char *key, void *out, size_t len)
{
    int hit = 0;
    uint32_t h = strhash_fnv1a(key);
    pthread_mutex_t *lock = ttl_lock_of(c, h);
    pthread_mutex_lock(lock);
    tentry_t *e = *ttl_find(c, h, key);
    if (e != NULL && e->te_fs == NULL && e->te_nbytes == len &&
        e->te_expires > cmon_monotime_ns()) {
        memcpy(out, e->te_key + TTL_BYTES_AT(strlen(key)), len);
        hit = 1;
    }
    pthread_mutex_unlock(lock);
    return hit;
}

size_t
ttlcache_size(ttlcache_t *c)
{
    return atomic_load(&c->tc_count);
}
