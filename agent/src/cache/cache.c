/* cache - striped, TTL-bounded collector results. */
#include "cache.h"
#include "strhash.h"
#include "monotime.h"
#include "fspack.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_STRIPES 32
#define CACHE_BUCKETS 256 /* per stripe; chains grow past it */

typedef struct cslot {
    int64_t cs_expires; /* monotonic ns; 0: empty */
    fspack_t *cs_blk;   /* one block (fspack); NULL: empty */
} cslot_t;

typedef struct centry {
    struct centry *ce_next;
    uint32_t ce_hash; /* of ce_zone: compared before the name */
    int ce_zid;
    char *ce_zone;      /* points past ce_slots, in the same block */
    cslot_t ce_slots[]; /* c_ncoll */
} centry_t;

typedef struct cstripe {
    pthread_mutex_t cs_lock;
    centry_t *cs_buckets[CACHE_BUCKETS];
    int64_t cs_next_sweep;
    size_t cs_count;
} cstripe_t;

struct cache {
    unsigned c_ncoll;
    int64_t c_ttl_ns;
    cstripe_t c_stripes[CACHE_STRIPES];
};

cache_t *
cache_new(unsigned ncoll, double ttl)
{
    cache_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    c->c_ncoll = ncoll;
    c->c_ttl_ns = (int64_t)(ttl * 1e9);
    for (int i = 0; i < CACHE_STRIPES; i++)
        pthread_mutex_init(&c->c_stripes[i].cs_lock, NULL);
    return c;
}

static void
cache_entry_free(const cache_t *c, centry_t *e)
{
    for (unsigned i = 0; i < c->c_ncoll; i++)
        free(e->ce_slots[i].cs_blk);
    free(e);
}

void
cache_free(cache_t *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < CACHE_STRIPES; i++) {
        cstripe_t *s = &c->c_stripes[i];
        for (int b = 0; b < CACHE_BUCKETS; b++) {
            for (centry_t *e = s->cs_buckets[b], *next; e != NULL; e = next) {
                next = e->ce_next;
                cache_entry_free(c, e);
            }
        }
        pthread_mutex_destroy(&s->cs_lock);
    }
    free(c);
}

static int
cache_entry_live(const cache_t *c, const centry_t *e, int64_t now)
{
    for (unsigned i = 0; i < c->c_ncoll; i++)
        if (e->ce_slots[i].cs_expires > now)
            return 1;
    return 0;
}

/* Drops the stripe's entries that hold nothing fresh. Lock held. */
static void
cache_sweep(cache_t *c, cstripe_t *s, int64_t now)
{
    for (int b = 0; b < CACHE_BUCKETS; b++) {
        centry_t **pp = &s->cs_buckets[b];
        while (*pp != NULL) {
            centry_t *e = *pp;
            if (cache_entry_live(c, e, now)) {
                pp = &e->ce_next;
                continue;
            }
            *pp = e->ce_next;
            cache_entry_free(c, e);
            s->cs_count--;
        }
    }
    s->cs_next_sweep = now + c->c_ttl_ns;
}

static centry_t *
cache_lookup(cstripe_t *s, uint32_t h, const char *zone)
{
    for (centry_t *e = s->cs_buckets[(h / CACHE_STRIPES) % CACHE_BUCKETS]; e != NULL;
         e = e->ce_next)
        if (e->ce_hash == h && strcmp(e->ce_zone, zone) == 0)
            return e;
    return NULL;
}

int
cache_get(cache_t *c, const char *zone, int zid, unsigned coll, famset_t *out)
{
    if (coll >= c->c_ncoll)
        return 0;
    uint32_t h = strhash_fnv1a(zone);
    cstripe_t *s = &c->c_stripes[h % CACHE_STRIPES];
    int hit = 0;
    pthread_mutex_lock(&s->cs_lock);
    centry_t *e = cache_lookup(s, h, zone);
    if (e != NULL && e->ce_zid == zid && e->ce_slots[coll].cs_blk != NULL &&
        e->ce_slots[coll].cs_expires > cmon_monotime_ns())
        hit = fspack_merge(out, e->ce_slots[coll].cs_blk) == 0;
    pthread_mutex_unlock(&s->cs_lock);
    return hit;
}

/* The entry for zone, created (or reset for a new zid). Lock held. */
static centry_t *
cache_entry(cache_t *c, cstripe_t *s, uint32_t h, const char *zone, int zid)
{
    centry_t *e = cache_lookup(s, h, zone);
    if (e != NULL && e->ce_zid != zid) {
        for (unsigned i = 0; i < c->c_ncoll; i++)
            e->ce_slots[i].cs_expires = 0;
        e->ce_zid = zid;
    }
    if (e != NULL)
        return e;
    size_t zlen = strlen(zone);
    e = calloc(1, sizeof(*e) + c->c_ncoll * sizeof(cslot_t) + zlen + 1);
    if (e == NULL)
        return NULL;
    e->ce_zone = (char *)(e->ce_slots + c->c_ncoll);
    memcpy(e->ce_zone, zone, zlen + 1);
    e->ce_hash = h;
    e->ce_zid = zid;
    centry_t **head = &s->cs_buckets[(h / CACHE_STRIPES) % CACHE_BUCKETS];
    e->ce_next = *head;
    *head = e;
    s->cs_count++;
    return e;
}

int
cache_put(cache_t *c, const char *zone, int zid, unsigned coll, const famset_t *fs,
          const famset_mark_t *mark)
{
    if (coll >= c->c_ncoll) {
        errno = EINVAL;
        return -1;
    }
    /* The collector's part, gathered outside the lock, then copied to size. */
    famset_t part = FAMSET_INIT;
    fspack_t *blk = famset_merge_from(&part, fs, mark) == 0 ? fspack_new(&part) : NULL;
    famset_release(&part);
    if (blk == NULL) {
        errno = ENOMEM;
        return -1;
    }
    uint32_t h = strhash_fnv1a(zone);
    cstripe_t *s = &c->c_stripes[h % CACHE_STRIPES];
    int64_t now = cmon_monotime_ns();
    int rc = -1;
    pthread_mutex_lock(&s->cs_lock);
    if (now >= s->cs_next_sweep)
        cache_sweep(c, s, now);
    centry_t *e = cache_entry(c, s, h, zone, zid);
    if (e != NULL) {
        cslot_t *slot = &e->ce_slots[coll];
        free(slot->cs_blk);
        slot->cs_blk = blk;
        slot->cs_expires = now + c->c_ttl_ns;
        blk = NULL;
        rc = 0;
    }
    pthread_mutex_unlock(&s->cs_lock);
    free(blk); /* NULL when stored */
    if (rc != 0)
        errno = ENOMEM;
    return rc;
}

size_t
cache_size(cache_t *c)
{
    size_t n = 0;
    if (c == NULL)
        return 0;
    for (int i = 0; i < CACHE_STRIPES; i++) {
        pthread_mutex_lock(&c->c_stripes[i].cs_lock);
        n += c->c_stripes[i].cs_count;
        pthread_mutex_unlock(&c->c_stripes[i].cs_lock);
    }
    return n;
}
