/* kreader - one kstat handle and an index of its chain by module:instance. */
#include "kreader.h"
#include "strhash.h"
#include "monotime.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The index: two tables in compressed-row form. Entries are grouped by
 * bucket, a bucket being a hash of the instance (module table) or of the
 * zone id (link table) alone, so all the kstats of one zone sit together:
 * a scrape's ten-odd lookups touch one bucket offset and a few adjacent
 * cache lines of entries, instead of a random bucket and entry each. At
 * 10,000 zones the index is ~2 MB and the kstat headers are scattered over
 * ~19 MB, so every line not touched is a likely cache miss saved; an entry
 * keeps the full (module, instance) hash so that a lookup dereferences
 * only the header it returns.
 *
 * Inside a bucket entries stay in chain order. A bucket holding many
 * entries (instance 0 gathers every unix:0:* kstat on illumos) is sorted
 * by (key, hash, KID) and searched by bisection; the KID keeps chain order
 * among equal keys, so "the first kstat of module:instance" is the same
 * either way.
 */
typedef struct kentry {
    kstat_t *ke_ksp;
    uint32_t ke_hash; /* (module, instance) hash; 0 in the link table */
    int32_t ke_key;   /* instance, or zone id in the link table */
} kentry_t;

#define KTABLE_SCAN 8 /* buckets up to this size are scanned, bigger ones bisected */

typedef struct ktable {
    uint32_t *kt_start; /* nb + 1 offsets: bucket b is kt_entries[kt_start[b] .. kt_start[b + 1]) */
    kentry_t *kt_entries; /* grouped by bucket */
    unsigned kt_shift;    /* bucket = (key * golden) >> kt_shift */
} ktable_t;

/* A ks_data buffer (malloc'd) between two reads. */
typedef struct kbuf {
    void *kb_ptr;
    size_t kb_cap;
} kbuf_t;

#define KBUF_ROUND 256 /* buffers the reader allocates are rounded up to this */

struct kreader {
    kstat_ctl_t *kr_kc;
    kid_t kr_chain_id;
    selfstats_t *kr_stats;
    int kr_indexed;
    ktable_t kr_bymod;                /* (module, instance), bucketed by instance */
    ktable_t kr_bylink;               /* link kstats by zone id */
    kstat_t *kr_held[KREADER_HELD];   /* read since the last kreader_drop() */
    size_t kr_held_cap[KREADER_HELD]; /* bytes of each one's ks_data buffer */
    size_t kr_nheld;
    kbuf_t kr_spare[KREADER_HELD]; /* data buffers given back, lent again to the next reads */
    size_t kr_nspare;
    int64_t kr_last_sync; /* monotonic ms of the last chain check */
};

static uint32_t
kreader_hash(const char *module, int key)
{
    uint32_t h = strhash_fnv1a(module);
    h ^= (uint32_t)key * 2654435761u;
    return h ^ (h >> 15);
}

static size_t
ktable_bucket(const ktable_t *t, int32_t key)
{
    return (size_t)(((uint32_t)key * 2654435761u) >> t->kt_shift);
}

/* The zone id of a link called z<zid>_<nic>, or -1. */
static int
kreader_link_zone(const char *name)
{
    if (name[0] != 'z' || name[1] < '0' || name[1] > '9')
        return -1;
    char *end;
    long zid = strtol(name + 1, &end, 10);
    if (*end != '_' || zid < 0 || zid > INT32_MAX)
        return -1;
    return (int)zid;
}

static int
kreader_link_of(const kstat_t *ksp)
{
    return strcmp(ksp->ks_module, "link") == 0 ? kreader_link_zone(ksp->ks_name) : -1;
}

static void
ktable_free(ktable_t *t)
{
    free(t->kt_start);
    free(t->kt_entries);
    memset(t, 0, sizeof(*t));
}

static int
kentry_cmp(const void *a, const void *b)
{
    const kentry_t *x = a, *y = b;
    if (x->ke_key != y->ke_key)
        return x->ke_key < y->ke_key ? -1 : 1;
    if (x->ke_hash != y->ke_hash)
        return x->ke_hash < y->ke_hash ? -1 : 1;
    return x->ke_ksp->ks_kid < y->ke_ksp->ks_kid ? -1 : x->ke_ksp->ks_kid > y->ke_ksp->ks_kid;
}

/*
 * Whether ksp belongs in the link table (link set) or the module table, and
 * its key there: the zone id of a z<zid>_ link, or the instance.
 */
static int
ktable_key(const kstat_t *ksp, int link, int *key)
{
    *key = link ? kreader_link_of(ksp) : ksp->ks_instance;
    return !link || *key >= 0;
}

/*
 * Builds table t (the link table when link is set) from the chain: the n
 * kstats that ktable_key() puts in it. A counting sort by bucket keeps chain
 * order; then big buckets are sorted. 0 or -1 (ENOMEM).
 */
static int
ktable_build(ktable_t *t, kstat_t *chain, size_t n, int link)
{
    unsigned bits = 6;
    while (bits < 30 && ((size_t)1 << bits) < n / 4)
        bits++;
    size_t nb = (size_t)1 << bits;
    t->kt_shift = 32 - bits;
    t->kt_start = calloc(nb + 1, sizeof(uint32_t));
    t->kt_entries = malloc((n ? n : 1) * sizeof(kentry_t));
    uint32_t *fill = malloc(nb * sizeof(uint32_t));
    if (t->kt_start == NULL || t->kt_entries == NULL || fill == NULL) {
        free(fill);
        errno = ENOMEM;
        return -1;
    }
    for (kstat_t *ksp = chain; ksp != NULL; ksp = ksp->ks_next) {
        int key;
        if (ktable_key(ksp, link, &key))
            t->kt_start[ktable_bucket(t, key) + 1]++;
    }
    for (size_t b = 0; b < nb; b++) {
        t->kt_start[b + 1] += t->kt_start[b];
        fill[b] = t->kt_start[b];
    }
    for (kstat_t *ksp = chain; ksp != NULL; ksp = ksp->ks_next) {
        int key;
        if (!ktable_key(ksp, link, &key))
            continue;
        kentry_t *e = &t->kt_entries[fill[ktable_bucket(t, key)]++];
        e->ke_ksp = ksp;
        e->ke_key = key;
        e->ke_hash = link ? 0 : kreader_hash(ksp->ks_module, key);
    }
    free(fill);
    for (size_t b = 0; b < nb; b++) {
        size_t len = t->kt_start[b + 1] - t->kt_start[b];
        if (len > KTABLE_SCAN)
            qsort(&t->kt_entries[t->kt_start[b]], len, sizeof(kentry_t), kentry_cmp);
    }
    return 0;
}

/*
 * The first entry of t with key and hash, or NULL. *end is set to where a
 * caller stops: the bucket's end, or in a sorted bucket the end of the run
 * of entries with that key and hash.
 */
static const kentry_t *
ktable_first(const ktable_t *t, int32_t key, uint32_t hash, const kentry_t **end)
{
    size_t b = ktable_bucket(t, key);
    const kentry_t *lo = &t->kt_entries[t->kt_start[b]], *hi = &t->kt_entries[t->kt_start[b + 1]];
    *end = hi;
    if (hi - lo > KTABLE_SCAN) { /* sorted: bisect to the first (key, hash) */
        while (lo < hi) {
            const kentry_t *mid = lo + (hi - lo) / 2;
            if (mid->ke_key < key || (mid->ke_key == key && mid->ke_hash < hash))
                lo = mid + 1;
            else
                hi = mid;
        }
        const kentry_t *run = lo;
        while (run < *end && run->ke_key == key && run->ke_hash == hash)
            run++;
        *end = run; /* the run of equal (key, hash) only */
        return run > lo ? lo : NULL;
    }
    for (; lo < hi; lo++)
        if (lo->ke_key == key && lo->ke_hash == hash)
            return lo;
    return NULL;
}

/* Builds the index from the chain. 0 or -1 (ENOMEM). */
static int
kreader_index(kreader_t *kr)
{
    size_t n = 0, nlinks = 0;
    kstat_t *chain = kr->kr_kc->kc_chain;
    for (kstat_t *ksp = chain; ksp != NULL; ksp = ksp->ks_next) {
        n++;
        nlinks += kreader_link_of(ksp) >= 0;
    }
    kr->kr_indexed = 0;
    ktable_free(&kr->kr_bymod);
    ktable_free(&kr->kr_bylink);
    if (ktable_build(&kr->kr_bymod, chain, n, 0) != 0 ||
        ktable_build(&kr->kr_bylink, chain, nlinks, 1) != 0)
        return -1;
    kr->kr_indexed = 1;
    kr->kr_chain_id = kr->kr_kc->kc_chain_id;
    return 0;
}

const char *
kreader_source(void)
{
    const char *world = getenv("CMON_SIM_WORLD");

    /* The fake kernel's default (sim/world/world.h), which the agent does not include. */
    return world != NULL && *world != '\0' ? world : "/dev/shm/cmon-sim.world";
}

kreader_t *
kreader_open(selfstats_t *stats)
{
    kreader_t *kr = calloc(1, sizeof(*kr));
    if (kr == NULL)
        return NULL;
    kr->kr_stats = stats;
    kr->kr_kc = kstat_open();
    if (kr->kr_kc == NULL || kreader_index(kr) != 0) {
        int saved = errno;
        kreader_close(kr);
        errno = saved;
        return NULL;
    }
    return kr;
}

void
kreader_close(kreader_t *kr)
{
    if (kr == NULL)
        return;
    kreader_drop(kr);
    for (size_t i = 0; i < kr->kr_nspare; i++)
        free(kr->kr_spare[i].kb_ptr);
    if (kr->kr_kc != NULL)
        kstat_close(kr->kr_kc);
    ktable_free(&kr->kr_bymod);
    ktable_free(&kr->kr_bylink);
    free(kr);
}

int
kreader_sync(kreader_t *kr, int force)
{
    int64_t now = cmon_monotime_ms();
    if (!force && now - kr->kr_last_sync < KREADER_SYNC_MS)
        return 0;
    kr->kr_last_sync = now;
    kreader_drop(kr); /* before the update may free some of those kstats */
    kid_t id = kstat_chain_update(kr->kr_kc);
    if (id == -1)
        return -1;
    if (id == 0 && kr->kr_kc->kc_chain_id == kr->kr_chain_id && kr->kr_indexed)
        return 0;
    selfstats_chain_update(kr->kr_stats);
    /* The old index points into the freed chain: never keep it. */
    if (kreader_index(kr) != 0) {
        kr->kr_chain_id = -1;
        return -1;
    }
    return 1;
}

kstat_t *
kreader_find(kreader_t *kr, const char *module, int instance, const char *name)
{
    if (!kr->kr_indexed)
        return NULL;
    uint32_t h = kreader_hash(module, instance);
    const kentry_t *end, *e = ktable_first(&kr->kr_bymod, instance, h, &end);
    for (; e != NULL && e < end; e++) {
        if (e->ke_key != instance || e->ke_hash != h)
            continue; /* another instance or module of the same bucket */
        kstat_t *ksp = e->ke_ksp;
        if (strcmp(ksp->ks_module, module) == 0 &&
            (name == NULL || strcmp(ksp->ks_name, name) == 0))
            return ksp;
    }
    return NULL;
}

size_t
kreader_find_all(kreader_t *kr, const char *module, int instance, kstat_t **out, size_t cap)
{
    if (!kr->kr_indexed)
        return 0;
    size_t n = 0;
    uint32_t h = kreader_hash(module, instance);
    const kentry_t *end, *e = ktable_first(&kr->kr_bymod, instance, h, &end);
    for (; e != NULL && e < end; e++) {
        if (e->ke_key != instance || e->ke_hash != h || strcmp(e->ke_ksp->ks_module, module) != 0)
            continue;
        if (n < cap)
            out[n] = e->ke_ksp;
        n++;
    }
    return n;
}

/* Prefetches the headers of the entries of key in t's bucket of key. */
static void
ktable_prefetch(const ktable_t *t, int32_t key)
{
    if (t->kt_start == NULL)
        return;
    size_t b = ktable_bucket(t, key);
    const kentry_t *e = &t->kt_entries[t->kt_start[b]], *end = &t->kt_entries[t->kt_start[b + 1]];
    if (end - e > 4 * KTABLE_SCAN)
        return; /* a big bucket (instance 0): the node's kstats, not one zone's */
    for (; e < end; e++) {
        if (e->ke_key != key)
            continue;
        const char *h = (const char *)e->ke_ksp;
        for (size_t off = 0; off < sizeof(kstat_t); off += 64)
            __builtin_prefetch(h + off);
    }
}

void
kreader_prefetch(const kreader_t *kr, int zid)
{
    if (kr == NULL || !kr->kr_indexed)
        return;
    ktable_prefetch(&kr->kr_bymod, zid);
    ktable_prefetch(&kr->kr_bylink, zid);
}

size_t
kreader_links(kreader_t *kr, int zid, kstat_t **out, size_t cap)
{
    if (!kr->kr_indexed)
        return 0;
    size_t n = 0;
    const kentry_t *end, *e = ktable_first(&kr->kr_bylink, zid, 0, &end);
    for (; e != NULL && e < end; e++) {
        if (e->ke_key != zid)
            continue;
        if (n < cap)
            out[n] = e->ke_ksp;
        n++;
    }
    return n;
}

/*
 * The data buffers. libkstat's kstat_read() reads into ks_data when it is
 * set and mallocs it when it is NULL; it frees it with the kstat (and may
 * free and reallocate it for a variable-size kstat that grew). So a buffer
 * lent here is always malloc'd and at least ks_data_size bytes: whatever
 * libkstat does with it is within its protocol. After a scrape the buffers
 * are taken back (ks_data NULL again, so that a handle holds headers only,
 * not the data of every kstat it ever read) and kept for the next scrape's
 * reads: no malloc or free per read, and buffers that stay in the CPU's
 * caches instead of fresh heap memory at every scrape.
 */
void
kreader_drop(kreader_t *kr)
{
    for (size_t i = 0; i < kr->kr_nheld; i++) {
        kstat_t *ksp = kr->kr_held[i];
        if (kr->kr_nspare < KREADER_HELD)
            kr->kr_spare[kr->kr_nspare++] = (kbuf_t){ksp->ks_data, kr->kr_held_cap[i]};
        else
            free(ksp->ks_data);
        ksp->ks_data = NULL;
    }
    kr->kr_nheld = 0;
}

/* Sets ks_data to a spare buffer big enough, or a new one; its size, or 0 (libkstat mallocs). */
static size_t
kreader_lend(kreader_t *kr, kstat_t *ksp)
{
    size_t need = ksp->ks_data_size;
    for (size_t i = kr->kr_nspare; i-- > 0;) {
        if (kr->kr_spare[i].kb_cap >= need) {
            kbuf_t b = kr->kr_spare[i];
            kr->kr_spare[i] = kr->kr_spare[--kr->kr_nspare];
            ksp->ks_data = b.kb_ptr;
            return b.kb_cap;
        }
    }
    size_t cap = (need + KBUF_ROUND - 1) / KBUF_ROUND * KBUF_ROUND;
    if (cap == 0 || (ksp->ks_data = malloc(cap)) == NULL)
        return 0;
    return cap;
}

int
kreader_read(kreader_t *kr, kstat_t *ksp)
{
    if (ksp->ks_data == NULL && kr->kr_nheld == KREADER_HELD)
        kreader_drop(kr); /* a scrape reading very many kstats: keep the newest */
    int held = ksp->ks_data != NULL;
    size_t cap = held ? 0 : kreader_lend(kr, ksp);
    void *lent = ksp->ks_data;
    size_t size = ksp->ks_data_size;
    kid_t id = kstat_read(kr->kr_kc, ksp, NULL);
    if (!held && ksp->ks_data != NULL) {
        /* libkstat allocated it, or replaced ours for a kstat that grew: ks_data_size bytes */
        int ours = lent != NULL && ksp->ks_data == lent && ksp->ks_data_size <= size;
        kr->kr_held_cap[kr->kr_nheld] = ours ? cap : ksp->ks_data_size;
        kr->kr_held[kr->kr_nheld++] = ksp;
    }
    if (id != -1)
        return 0;
    int saved = errno;
    selfstats_kstat_error(kr->kr_stats, saved);
    errno = saved;
    return -1;
}

kid_t
kreader_chain_id(const kreader_t *kr)
{
    return kr->kr_chain_id;
}

kstat_ctl_t *
kreader_ctl(kreader_t *kr)
{
    return kr->kr_kc;
}
