/*
 * world_kstat.c - the simulated kernel's kstat chain: slots, KIDs, the
 * chain id, and which kstats a zone and the node have.
 *
 * The chain is a doubly linked list of slots in KID order (a new kstat
 * always has the highest KID, so it goes at the tail). Every add and every
 * removal bumps the chain id, as kstat_install()/kstat_delete() do on
 * illumos. A removed slot first loses its KID, so a reader that holds the
 * old KID sees ENXIO; KIDs are never reused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "world_shm.h"
#include "world_node.h"

void
wks_chain_begin(world_t *w)
{
    if (w->w_chain_depth++ == 0)
        wseq_write_begin(&w->w_hdr->wh_chain_seq);
}

void
wks_chain_end(world_t *w)
{
    if (w->w_chain_depth > 0 && --w->w_chain_depth == 0)
        wseq_write_end(&w->w_hdr->wh_chain_seq);
}

void
world_batch_begin(world_t *w)
{
    if (w != NULL && w->w_writer)
        wks_chain_begin(w);
}

void
world_batch_end(world_t *w)
{
    if (w != NULL && w->w_writer)
        wks_chain_end(w);
}

static int
wks_slot_alloc(world_t *w)
{
    wshm_hdr_t *h = w->w_hdr;
    int s = h->wh_kfree;

    if (s >= 0) {
        h->wh_kfree = w->w_kslots[s].wk_next;
        return s;
    }
    if ((uint32_t)h->wh_khigh >= h->wh_kstat_slots) {
        errno = ENOSPC;
        return -1;
    }
    return h->wh_khigh++;
}

static void
wks_link_tail(world_t *w, int s)
{
    wshm_hdr_t *h = w->w_hdr;

    w->w_kslots[s].wk_next = -1;
    w->w_kslots[s].wk_prev = h->wh_chain_tail;
    if (h->wh_chain_tail >= 0)
        w->w_kslots[h->wh_chain_tail].wk_next = s;
    else
        h->wh_chain_head = s;
    h->wh_chain_tail = s;
}

static void
wks_copy_name(char dst[KSTAT_STRLEN], const char *src)
{
    memset(dst, 0, KSTAT_STRLEN);
    strncpy(dst, src, KSTAT_STRLEN - 1); /* illumos cuts at 30 characters */
}

/*
 * The hrtime of a kstat created now: world_hrtime() of the virtual time, but
 * for the node's own kstats made with the world, which the kernel created while
 * it booted, a few seconds after hrtime 0 (KIDs apart by a millisecond).
 */
static int64_t
wks_crtime(const world_t *w, int zix)
{
    uint64_t now = atomic_load_explicit(&w->w_hdr->wh_now, memory_order_relaxed);

    if (zix < 0 && now == 0)
        return 2500000000LL + (int64_t)w->w_hdr->wh_next_kid * 1000000;
    return (int64_t)world_hrtime(w, now);
}

int
wks_add(world_t *w, int zix, wkind_t kind, int arg, const char *module, int instance,
        const char *name)
{
    wshm_hdr_t *h = w->w_hdr;
    int s = wks_slot_alloc(w);

    if (s < 0)
        return -1;
    wshm_kslot_t *k = &w->w_kslots[s];
    k->wk_zix = zix;
    k->wk_kind = (uint16_t)kind;
    k->wk_arg = (uint16_t)arg;
    k->wk_instance = instance;
    k->wk_type = KSTAT_TYPE_NAMED;
    k->wk_flags = KSTAT_FLAG_VIRTUAL | KSTAT_FLAG_VAR_SIZE;
    wks_copy_name(k->wk_module, module);
    wks_copy_name(k->wk_name, name);
    wks_copy_name(k->wk_class, wrender_class(kind));
    k->wk_ndata = wrender_ndata(kind);
    k->wk_data_size = k->wk_ndata * (uint32_t)sizeof(kstat_named_t) +
                      wrender_strsize(w, kind, zix >= 0 ? &w->w_zones[zix] : NULL, arg);
    k->wk_crtime = wks_crtime(w, zix);
    wks_link_tail(w, s);
    h->wh_nkstats++;
    atomic_store_explicit(&k->wk_kid, h->wh_next_kid++, memory_order_release);
    atomic_fetch_add_explicit(&h->wh_chain_id, 1, memory_order_relaxed);
    return s;
}

void
wks_remove(world_t *w, int s)
{
    wshm_hdr_t *h = w->w_hdr;
    wshm_kslot_t *k = &w->w_kslots[s];

    atomic_store_explicit(&k->wk_kid, 0, memory_order_seq_cst);
    if (k->wk_prev >= 0)
        w->w_kslots[k->wk_prev].wk_next = k->wk_next;
    else
        h->wh_chain_head = k->wk_next;
    if (k->wk_next >= 0)
        w->w_kslots[k->wk_next].wk_prev = k->wk_prev;
    else
        h->wh_chain_tail = k->wk_prev;
    k->wk_next = h->wh_kfree;
    k->wk_prev = -1;
    h->wh_kfree = s;
    h->wh_nkstats--;
    atomic_fetch_add_explicit(&h->wh_chain_id, 1, memory_order_relaxed);
}

/* ---- a zone's kstats ---- */

static int
wks_zone_one(world_t *w, int zix, wkind_t kind, int arg, const char *module, int inst,
             const char *name)
{
    wshm_zone_t *z = &w->w_zones[zix];
    int s;

    if (z->wz_nks >= WZ_KS_MAX) {
        errno = ENOSPC;
        return -1;
    }
    if ((s = wks_add(w, zix, kind, arg, module, inst, name)) < 0)
        return -1;
    z->wz_ks[z->wz_nks++] = s;
    return 0;
}

static int
wks_zone_caps(world_t *w, int zix, int32_t zid)
{
    static const char *const rctls[] = {"lockedmem", "swapresv", "nprocs", "physicalmem"};
    static const wkind_t kinds[] = {WK_LOCKEDMEM, WK_SWAPRESV, WK_NPROCS, WK_PHYSMEM};
    char name[KSTAT_STRLEN + 16];

    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "%s_zone_%d", rctls[i], (int)zid);
        if (wks_zone_one(w, zix, kinds[i], 0, "caps", zid, name) != 0)
            return -1;
    }
    if (w->w_zones[zix].wz_cpu_cap == 0)
        return 0;
    snprintf(name, sizeof(name), "cpucaps_zone_%d", (int)zid);
    return wks_zone_one(w, zix, WK_CPUCAPS, 0, "caps", zid, name);
}

static int
wks_zone_named(world_t *w, int zix, int32_t zid)
{
    static const char *const mods[] = {"memory_cap", "zones", "zone_vfs", "zone_zfs"};
    static const wkind_t kinds[] = {WK_MEMCAP, WK_ZONE_MISC, WK_ZONE_VFS, WK_ZONE_ZFS};
    const char *zname = w->w_zones[zix].wz_name;

    for (int i = 0; i < 4; i++)
        if (wks_zone_one(w, zix, kinds[i], 0, mods[i], zid, zname) != 0)
            return -1;
    return wks_zone_one(w, zix, WK_TCP, 0, "tcp", zid, "tcp");
}

static int
wks_zone_links(world_t *w, int zix, int32_t zid)
{
    char name[KSTAT_STRLEN + 16];

    for (uint32_t i = 0; i < w->w_zones[zix].wz_nics; i++) {
        snprintf(name, sizeof(name), "z%d_net%u", (int)zid, i);
        if (wks_zone_one(w, zix, WK_LINK, (int)i, "link", 0, name) != 0)
            return -1;
    }
    return 0;
}

int
wks_zone_create(world_t *w, int zix)
{
    int32_t zid = w->w_zones[zix].wz_zoneid;
    int rc;

    wks_chain_begin(w);
    w->w_zones[zix].wz_nks = 0;
    rc = wks_zone_caps(w, zix, zid);
    if (rc == 0)
        rc = wks_zone_named(w, zix, zid);
    if (rc == 0)
        rc = wks_zone_links(w, zix, zid);
    wks_chain_end(w);
    return rc;
}

void
wks_zone_delete(world_t *w, int zix)
{
    wshm_zone_t *z = &w->w_zones[zix];

    wks_chain_begin(w);
    for (uint32_t i = 0; i < z->wz_nks; i++)
        wks_remove(w, z->wz_ks[i]);
    z->wz_nks = 0;
    wks_chain_end(w);
}

int
wks_cpucaps_sync(world_t *w, int zix)
{
    wshm_zone_t *z = &w->w_zones[zix];
    char name[KSTAT_STRLEN + 16];
    int rc = 0;

    for (uint32_t i = 0; i < z->wz_nks; i++) {
        if (w->w_kslots[z->wz_ks[i]].wk_kind != WK_CPUCAPS)
            continue;
        if (z->wz_cpu_cap != 0)
            return 0; /* present and wanted */
        wks_chain_begin(w);
        wks_remove(w, z->wz_ks[i]);
        z->wz_ks[i] = z->wz_ks[--z->wz_nks];
        wks_chain_end(w);
        return 0;
    }
    if (z->wz_cpu_cap == 0)
        return 0;
    snprintf(name, sizeof(name), "cpucaps_zone_%d", (int)z->wz_zoneid);
    wks_chain_begin(w);
    rc = wks_zone_one(w, zix, WK_CPUCAPS, 0, "caps", z->wz_zoneid, name);
    wks_chain_end(w);
    return rc;
}

/* ---- the node's kstats ---- */

int
wks_global_create(world_t *w)
{
    char name[KSTAT_STRLEN + 16];
    int rc = 0;

    wks_chain_begin(w);
    if (wks_add(w, -1, WK_SYSMISC, 0, "unix", 0, "system_misc") < 0)
        rc = -1;
    for (uint32_t c = 0; rc == 0 && c < w->w_hdr->wh_ncpus; c++) {
        snprintf(name, sizeof(name), "cpu_info%u", c);
        if (wks_add(w, -1, WK_CPU_SYS, (int)c, "cpu", (int)c, "sys") < 0 ||
            wks_add(w, -1, WK_CPU_INFO, (int)c, "cpu_info", (int)c, name) < 0)
            rc = -1;
    }
    if (rc == 0 && wks_add(w, -1, WK_ARCSTATS, 0, "zfs", 0, "arcstats") < 0)
        rc = -1;
    if (rc == 0)
        rc = wks_node_create(w);
    wks_chain_end(w);
    return rc;
}
