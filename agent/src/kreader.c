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
 * An index entry; entries of one bucket are chained through ke_next. In the
 * module table ke_key is the full (module, instance) hash, so that a lookup
 * dereferences only the header it returns (at 10,000 zones the headers are
 * scattered over ~19 MB: each one touched is a likely cache miss); in the
 * link table it is the zone id.
 */
typedef struct kentry {
    kstat_t *ke_ksp;
    uint32_t ke_key; /* (module, instance) hash, or zone id in the link table */
    int ke_next; /* index in kr_entries, -1 ends */
} kentry_t;

typedef struct ktable {
    int *kt_heads;  /* bucket heads, -1 empty */
    int *kt_tails;  /* bucket tails, to append in chain order */
    size_t kt_mask; /* number of buckets - 1 */
} ktable_t;

struct kreader {
    kstat_ctl_t *kr_kc;
    kid_t kr_chain_id;
    selfstats_t *kr_stats;
    kentry_t *kr_entries;
    size_t kr_nentries;
    ktable_t kr_bymod;              /* (module, instance) */
    ktable_t kr_bylink;             /* link kstats by zone id */
    kstat_t *kr_held[KREADER_HELD]; /* read since the last kreader_drop() */
    size_t kr_nheld;
    int64_t kr_last_sync; /* monotonic ms of the last chain check */
};

static uint32_t
kreader_hash(const char *module, int key)
{
    uint32_t h = strhash_fnv1a(module);
    h ^= (uint32_t)key * 2654435761u;
    return h ^ (h >> 15);
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

static void
ktable_free(ktable_t *t)
{
    free(t->kt_heads);
    free(t->kt_tails);
    t->kt_heads = NULL;
    t->kt_tails = NULL;
    t->kt_mask = 0;
}

/* Buckets for n entries at a load factor of at most one. 0 or -1. */
static int
ktable_alloc(ktable_t *t, size_t n)
{
    size_t nb = 64;
    while (nb < n)
        nb *= 2;
    t->kt_heads = malloc(nb * sizeof(int));
    t->kt_tails = malloc(nb * sizeof(int));
    if (t->kt_heads == NULL || t->kt_tails == NULL)
        return -1;
    memset(t->kt_heads, 0xff, nb * sizeof(int)); /* all -1 */
    t->kt_mask = nb - 1;
    return 0;
}

/* The tails only serve the build: free them once it is done. */
static void
ktable_built(ktable_t *t)
{
    free(t->kt_tails);
    t->kt_tails = NULL;
}

static void
kreader_insert(kreader_t *kr, ktable_t *t, kstat_t *ksp, const char *module, int key)
{
    uint32_t h = kreader_hash(module, key);
    size_t b = h & t->kt_mask;
    kentry_t *e = &kr->kr_entries[kr->kr_nentries];
    e->ke_ksp = ksp;
    e->ke_key = t == &kr->kr_bylink ? (uint32_t)key : h;
    e->ke_next = -1;
    /* Append at the bucket's tail so entries stay in chain order. */
    int i = (int)kr->kr_nentries++;
    if (t->kt_heads[b] < 0)
        t->kt_heads[b] = i;
    else
        kr->kr_entries[t->kt_tails[b]].ke_next = i;
    t->kt_tails[b] = i;
}

static int
kreader_link_of(const kstat_t *ksp)
{
    return strcmp(ksp->ks_module, "link") == 0 ? kreader_link_zone(ksp->ks_name) : -1;
}

/* Builds the index from the chain: two walks. 0 or -1 (ENOMEM). */
static int
kreader_index(kreader_t *kr)
{
    size_t n = 0, nlinks = 0;
    for (kstat_t *ksp = kr->kr_kc->kc_chain; ksp != NULL; ksp = ksp->ks_next) {
        n++;
        nlinks += kreader_link_of(ksp) >= 0;
    }
    free(kr->kr_entries);
    ktable_free(&kr->kr_bymod);
    ktable_free(&kr->kr_bylink);
    kr->kr_nentries = 0;
    kr->kr_entries = malloc((n + nlinks + 1) * sizeof(kentry_t));
    if (kr->kr_entries == NULL || ktable_alloc(&kr->kr_bymod, n) != 0 ||
        ktable_alloc(&kr->kr_bylink, nlinks) != 0) {
        errno = ENOMEM;
        return -1;
    }
    for (kstat_t *ksp = kr->kr_kc->kc_chain; ksp != NULL; ksp = ksp->ks_next) {
        kreader_insert(kr, &kr->kr_bymod, ksp, ksp->ks_module, ksp->ks_instance);
        int zid = kreader_link_of(ksp);
        if (zid >= 0)
            kreader_insert(kr, &kr->kr_bylink, ksp, "link", zid);
    }
    ktable_built(&kr->kr_bymod);
    ktable_built(&kr->kr_bylink);
    kr->kr_chain_id = kr->kr_kc->kc_chain_id;
    return 0;
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
    kr->kr_nheld = 0; /* kstat_close() frees the data */
    if (kr->kr_kc != NULL)
        kstat_close(kr->kr_kc);
    free(kr->kr_entries);
    ktable_free(&kr->kr_bymod);
    ktable_free(&kr->kr_bylink);
    free(kr);
}

int
kreader_sync(kreader_t *kr, int force)
{
    int64_t now = monotime_ns() / 1000000;
    if (!force && now - kr->kr_last_sync < KREADER_SYNC_MS)
        return 0;
    kr->kr_last_sync = now;
    kreader_drop(kr); /* before the update may free some of those kstats */
    kid_t id = kstat_chain_update(kr->kr_kc);
    if (id == -1)
        return -1;
    if (id == 0 && kr->kr_kc->kc_chain_id == kr->kr_chain_id && kr->kr_entries != NULL)
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
    if (kr->kr_entries == NULL)
        return NULL;
    uint32_t h = kreader_hash(module, instance);
    for (int i = kr->kr_bymod.kt_heads[h & kr->kr_bymod.kt_mask]; i >= 0;
         i = kr->kr_entries[i].ke_next) {
        if (kr->kr_entries[i].ke_key != h)
            continue;
        kstat_t *ksp = kr->kr_entries[i].ke_ksp;
        if (ksp->ks_instance == instance && strcmp(ksp->ks_module, module) == 0 &&
            (name == NULL || strcmp(ksp->ks_name, name) == 0))
            return ksp;
    }
    return NULL;
}

size_t
kreader_links(kreader_t *kr, int zid, kstat_t **out, size_t cap)
{
    if (kr->kr_entries == NULL)
        return 0;
    size_t n = 0;
    size_t b = kreader_hash("link", zid) & kr->kr_bylink.kt_mask;
    for (int i = kr->kr_bylink.kt_heads[b]; i >= 0; i = kr->kr_entries[i].ke_next) {
        if (kr->kr_entries[i].ke_key != (uint32_t)zid)
            continue;
        if (n < cap)
            out[n] = kr->kr_entries[i].ke_ksp;
        n++;
    }
    return n;
}

void
kreader_drop(kreader_t *kr)
{
    /* libkstat allocates ks_data with malloc() when it finds it NULL, and
     * frees it with the kstat: giving it back early is within its protocol. */
    for (size_t i = 0; i < kr->kr_nheld; i++) {
        free(kr->kr_held[i]->ks_data);
        kr->kr_held[i]->ks_data = NULL;
    }
    kr->kr_nheld = 0;
}

int
kreader_read(kreader_t *kr, kstat_t *ksp)
{
    if (ksp->ks_data == NULL && kr->kr_nheld == KREADER_HELD)
        kreader_drop(kr); /* a scrape reading very many kstats: keep the newest */
    int held = ksp->ks_data != NULL;
    kid_t id = kstat_read(kr->kr_kc, ksp, NULL);
    if (!held && ksp->ks_data != NULL)
        kr->kr_held[kr->kr_nheld++] = ksp;
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
