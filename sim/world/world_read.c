/*
 * world_read.c - the reader protocol: consistent copies of zones, of the
 * node's counters, of one kstat and of the whole chain, without ever
 * writing to the mapping. See world_shm.h for the seqlocks.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "world_shm.h"
#include "world_node.h"

#define WREAD_CHAIN_TRIES 10000

void
wread_zone_snapshot(const world_t *w, int zix, wshm_zone_t *out)
{
    const wshm_zone_t *z = &w->w_zones[zix];
    uint32_t s;

    do {
        s = wseq_read_begin(w, &z->wz_seq);
        memcpy(out, z, sizeof(*out));
    } while (wseq_read_retry(&z->wz_seq, s));
}

/*
 * The node's counters without the per-CPU table, plus CPU cpu's row, and
 * wg_node for the kinds rendered from it (arcstats, metaslab groups, links).
 */
static void
wread_global_part(const world_t *w, const wshm_kslot_t *ks, wshm_global_t *out)
{
    const wshm_global_t *g = w->w_global;
    int cpu = ks->wk_arg, node = ks->wk_kind == WK_ARCSTATS || ks->wk_kind == WK_METASLAB ||
                                 ks->wk_kind == WK_NODE_LINK;
    uint32_t s;

    if (cpu < 0 || cpu >= WORLD_CPUS_MAX)
        cpu = 0;
    do {
        s = wseq_read_begin(w, &g->wg_seq);
        memcpy(out, g, offsetof(wshm_global_t, wg_cpu));
        memcpy(out->wg_cpu[cpu], g->wg_cpu[cpu], sizeof(g->wg_cpu[cpu]));
        if (node)
            memcpy(&out->wg_node, &g->wg_node, sizeof(g->wg_node));
    } while (wseq_read_retry(&g->wg_seq, s));
}

void
wread_global_snapshot(const world_t *w, wshm_global_t *out)
{
    const wshm_global_t *g = w->w_global;
    uint32_t s;

    do {
        s = wseq_read_begin(w, &g->wg_seq);
        memcpy(out, g, sizeof(*out));
    } while (wseq_read_retry(&g->wg_seq, s));
}

/*
 * One attempt: the slot must carry kid before and after the owner's data is
 * copied, and the owner's sequence must not move. Returns 0, ENXIO, or
 * EAGAIN to try again.
 */
static int
wread_kstat_once(const world_t *w, const wshm_kslot_t *ks, int32_t kid, wshm_kslot_t *kcopy,
                 wshm_zone_t *z, wshm_global_t *g)
{
    uint32_t s = 0;
    int zix;

    if (atomic_load_explicit(&ks->wk_kid, memory_order_acquire) != kid)
        return ENXIO;
    memcpy(kcopy, ks, WSHM_KSLOT_HOT); /* not the names: the render does not use them */
    zix = kcopy->wk_zix;
    if (zix >= (int)w->w_zone_slots)
        return ENXIO;
    if (zix >= 0) {
        s = wseq_read_begin(w, &w->w_zones[zix].wz_seq);
        memcpy(z, &w->w_zones[zix], sizeof(*z));
    } else {
        wread_global_part(w, kcopy, g);
    }
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&ks->wk_kid, memory_order_relaxed) != kid)
        return ENXIO;
    if (zix >= 0 && wseq_read_retry(&w->w_zones[zix].wz_seq, s))
        return EAGAIN;
    return 0;
}

/*
 * Strings of a copy ended inside their buffers: over a damaged (overwritten)
 * world they may hold no NUL, and the renderers take their lengths.
 */
static void
wread_terminate(wshm_zone_t *z, wshm_global_t *g, int zone)
{
    if (zone) {
        z->wz_name[WORLD_NAME_MAX - 1] = '\0';
        z->wz_alias[WORLD_NAME_MAX - 1] = '\0';
        z->wz_brand[WORLD_BRAND_MAX - 1] = '\0';
        return;
    }
    for (int i = 0; i < WORLD_MSLAB_MAX; i++)
        g->wg_node.wn_mslab[i].wm_pool[WORLD_POOL_NAME_MAX - 1] = '\0';
    for (int i = 0; i < WORLD_ARC_RENAMES; i++) {
        g->wg_node.wn_arc_rename[i].wr_from[KSTAT_STRLEN - 1] = '\0';
        g->wg_node.wn_arc_rename[i].wr_to[KSTAT_STRLEN - 1] = '\0';
    }
}

/*
 * 0 when the copied header k describes what its kind renders: a known kind,
 * its record count, and room for its records and strings; else EIO (only a
 * damaged world has such a header), or ENOMEM when the caller's buffer is
 * smaller than the kstat.
 */
static int
wread_kstat_fits(const world_t *w, const wshm_kslot_t *k, const wshm_zone_t *z, size_t bufsize)
{
    uint32_t n = wrender_ndata((wkind_t)k->wk_kind);
    uint64_t need;

    if (n == 0 || k->wk_ndata != n)
        return EIO;
    need =
        (uint64_t)n * sizeof(kstat_named_t) + wrender_strsize(w, (wkind_t)k->wk_kind, z, k->wk_arg);
    if (k->wk_data_size < need)
        return EIO;
    return k->wk_data_size > bufsize ? ENOMEM : 0;
}

int
wread_kstat(const world_t *w, int s, int32_t kid, void *buf, size_t bufsize, int64_t *snaptime)
{
    wshm_kslot_t k;
    wshm_zone_t z;
    wshm_global_t g; /* only the part wread_global_part() copies is used */
    int rc;

    if (s < 0 || (uint32_t)s >= w->w_kstat_slots || kid <= 0)
        return ENXIO;
    do
        rc = wread_kstat_once(w, &w->w_kslots[s], kid, &k, &z, &g);
    while (rc == EAGAIN);
    if (rc == 0) {
        wread_terminate(&z, &g, k.wk_zix >= 0);
        rc = wread_kstat_fits(w, &k, &z, bufsize);
    }
    if (rc == 0) {
        wrender_fill(w, &k, &z, &g, buf);
        *snaptime = (int64_t)world_hrtime(w, k.wk_zix >= 0 ? z.wz_snap_ns : g.wg_snap_ns);
    }
    return rc;
}

static void
wread_header(const wshm_kslot_t *k, int slot, kstat_t *out)
{
    memset(out, 0, sizeof(*out));
    out->ks_crtime = k->wk_crtime;
    out->ks_kid = atomic_load_explicit(&k->wk_kid, memory_order_relaxed);
    memcpy(out->ks_module, k->wk_module, KSTAT_STRLEN);
    memcpy(out->ks_name, k->wk_name, KSTAT_STRLEN);
    memcpy(out->ks_class, k->wk_class, KSTAT_STRLEN);
    out->ks_module[KSTAT_STRLEN - 1] = '\0';
    out->ks_name[KSTAT_STRLEN - 1] = '\0';
    out->ks_class[KSTAT_STRLEN - 1] = '\0';
    out->ks_instance = k->wk_instance;
    out->ks_type = k->wk_type;
    out->ks_flags = k->wk_flags;
    out->ks_ndata = k->wk_ndata;
    out->ks_data_size = k->wk_data_size;
    out->ks_private = (void *)(intptr_t)slot;
}

/*
 * One walk of the chain, each header handed to the visitor; the count, -1
 * to retry (a torn walk: more kstats than the chain said), or -2 with errno
 * when the visitor failed.
 */
/*
 * Non-zero when a header copied in a walk is one the simulated kernel could
 * have made: a known kind, named, its record count, room for the records. A
 * torn try may show another (the walk retries); a still chain showing one
 * is a damaged world.
 */
static int
wread_header_sane(const kstat_t *hdr, const wshm_kslot_t *k)
{
    uint32_t n = wrender_ndata((wkind_t)k->wk_kind);

    return n != 0 && hdr->ks_type == KSTAT_TYPE_NAMED && hdr->ks_ndata == n &&
           hdr->ks_data_size >= (size_t)n * sizeof(kstat_named_t) &&
           hdr->ks_data_size <= (size_t)n * sizeof(kstat_named_t) + 4096;
}

static long
wread_chain_once(const world_t *w, const wread_chain_visitor_t *v, uint32_t cap)
{
    const wshm_hdr_t *h = w->w_hdr;
    kstat_t hdr;
    long n = 0;
    int err;

    for (int32_t s = h->wh_chain_head; s >= 0; s = w->w_kslots[s].wk_next) {
        if ((uint32_t)s >= w->w_kstat_slots || (uint32_t)n >= cap)
            return -1;
        wread_header(&w->w_kslots[s], s, &hdr);
        if (!wread_header_sane(&hdr, &w->w_kslots[s]))
            return -1;
        if ((err = v->cv_header(v->cv_ctx, &hdr)) != 0) {
            errno = err;
            return -2;
        }
        n++;
    }
    return n;
}

long
wread_chain_walk(const world_t *w, const wread_chain_visitor_t *v, int32_t *chain_id)
{
    const wshm_hdr_t *h = w->w_hdr;
    int err;

    for (int tries = 0; tries < WREAD_CHAIN_TRIES; tries++) {
        uint32_t s = wseq_read_begin(w, &h->wh_chain_seq);
        uint32_t want = h->wh_nkstats;
        want = want < w->w_kstat_slots ? want : w->w_kstat_slots; /* garbage may say more */
        if ((err = v->cv_begin(v->cv_ctx, want)) != 0) {
            errno = err;
            return -1;
        }
        long n = wread_chain_once(w, v, want);
        int32_t id = atomic_load_explicit(&h->wh_chain_id, memory_order_relaxed);
        if (n == -2)
            return -1;
        int moved = wseq_read_retry(&h->wh_chain_seq, s);
        if (n >= 0 && !moved) {
            *chain_id = id;
            return n;
        }
        if (!moved) { /* inconsistent although nobody wrote: garbage */
            errno = EIO;
            return -1;
        }
    }
    errno = EAGAIN;
    return -1;
}
int
wread_zix_by_zoneid(const world_t *w, int32_t zoneid)
{
    const wshm_hdr_t *h = w->w_hdr;
    uint32_t s;
    int zix;

    if (zoneid < 0 || (uint32_t)zoneid > w->w_max_zoneid)
        return -1;
    do {
        s = wseq_read_begin(w, &h->wh_zones_seq);
        zix = w->w_zidmap[zoneid] - 1;
        if (zix >= (int)w->w_zone_slots || (zix >= 0 && w->w_zones[zix].wz_zoneid != zoneid))
            zix = -1;
    } while (wseq_read_retry(&h->wh_zones_seq, s));
    return zix;
}

int
wread_zix_by_name(const world_t *w, const char *name)
{
    const wshm_hdr_t *h = w->w_hdr;
    uint32_t s;
    int zix;

    do {
        s = wseq_read_begin(w, &h->wh_zones_seq);
        zix = whash_find(w, name);
    } while (wseq_read_retry(&h->wh_zones_seq, s));
    return zix;
}
