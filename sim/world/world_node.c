/*
 * world_node.c - the node's ARC, metaslab groups and physical NICs (see
 * world_node.h): their kstats and the writer calls that change them. The
 * values live in wshm_global_t.wg_node, under wg_seq like the rest of the
 * node's counters; creating or removing a kstat takes the chain bracket.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "world_node.h"
#include "world_render.h"
#include "world_shm.h"

static int
wnode_writer(const world_t *w)
{
    if (w == NULL || !w->w_writer) {
        errno = EPERM;
        return 0;
    }
    return 1;
}

/* ---- the ARC ---- */

int
world_arc_set(world_t *w, uint64_t c, uint64_t c_min, uint64_t c_max)
{
    if (!wnode_writer(w))
        return -1;
    wshm_global_t *g = w->w_global;
    uint64_t nc = c ? c : g->wg_arc_c, nmin = c_min ? c_min : g->wg_node.wn_arc_c_min;
    uint64_t nmax = c_max ? c_max : g->wg_arc_c_max;
    if (nmin > nmax || nc < nmin || nc > nmax) {
        errno = EINVAL;
        return -1;
    }
    uint64_t gap = g->wg_arc_c > g->wg_arc_size ? g->wg_arc_c - g->wg_arc_size : 0;
    wseq_write_begin(&g->wg_seq);
    g->wg_arc_c = nc, g->wg_node.wn_arc_c_min = nmin, g->wg_arc_c_max = nmax;
    g->wg_arc_size = nc - (gap < nc / 2 ? gap : nc / 2); /* what the zones' memory leaves */
    wseq_write_end(&g->wg_seq);
    return 0;
}

/* The rename slot of record `from`, a free one (free set), or -1. */
static int
wnode_rename_slot(const wshm_node_t *n, const char *from, int *free_slot)
{
    *free_slot = -1;
    for (int r = 0; r < WORLD_ARC_RENAMES; r++) {
        if (strcmp(n->wn_arc_rename[r].wr_from, from) == 0)
            return r;
        if (n->wn_arc_rename[r].wr_from[0] == '\0' && *free_slot < 0)
            *free_slot = r;
    }
    return -1;
}

int
world_arc_rename(world_t *w, const char *from, const char *to)
{
    int unset = to == NULL || to[0] == '\0', free_slot;
    if (!wnode_writer(w))
        return -1;
    if (from == NULL || wr_arc_record(from) < 0) {
        errno = ENOENT;
        return -1;
    }
    if (!unset && (strlen(to) >= KSTAT_STRLEN || wr_arc_record(to) >= 0)) {
        errno = EINVAL;
        return -1;
    }
    wshm_node_t *n = &w->w_global->wg_node;
    int r = wnode_rename_slot(n, from, &free_slot);
    if (r < 0 && unset)
        return 0;
    if (r < 0 && (r = free_slot) < 0) {
        errno = ENOSPC;
        return -1;
    }
    wseq_write_begin(&w->w_global->wg_seq);
    memset(&n->wn_arc_rename[r], 0, sizeof(n->wn_arc_rename[r]));
    if (!unset) {
        memcpy(n->wn_arc_rename[r].wr_from, from, strlen(from));
        memcpy(n->wn_arc_rename[r].wr_to, to, strlen(to));
    }
    wseq_write_end(&w->w_global->wg_seq);
    return 0;
}

/* ---- metaslab groups ---- */

static int
wnode_mslab_find(const wshm_node_t *n, uint64_t guid)
{
    for (uint32_t i = 0; i < n->wn_nmslab; i++)
        if (n->wn_mslab[i].wm_kslot >= 0 && n->wn_mslab[i].wm_guid == guid)
            return (int)i;
    return -1;
}

/* The next vdev id of pool: one more than its groups' highest. */
static uint32_t
wnode_mslab_vdev(const wshm_node_t *n, const char *pool)
{
    uint32_t v = 0;
    for (uint32_t i = 0; i < n->wn_nmslab; i++)
        if (n->wn_mslab[i].wm_kslot >= 0 && strcmp(n->wn_mslab[i].wm_pool, pool) == 0 &&
            n->wn_mslab[i].wm_vdev >= v)
            v = n->wn_mslab[i].wm_vdev + 1;
    return v;
}

/* A new group in slot i of n and its kstat. The slot index, or -1. */
static int
wnode_mslab_add(world_t *w, const char *pool, uint64_t guid)
{
    wshm_node_t *n = &w->w_global->wg_node;
    char name[KSTAT_STRLEN];
    uint32_t i = 0;
    while (i < n->wn_nmslab && n->wn_mslab[i].wm_kslot >= 0)
        i++; /* a removed group's slot is reused: its old kstat's KID is gone */
    if (i >= WORLD_MSLAB_MAX) {
        errno = ENOSPC;
        return -1;
    }
    wshm_mslab_t *m = &n->wn_mslab[i];
    uint32_t vdev = wnode_mslab_vdev(n, pool);
    wseq_write_begin(&w->w_global->wg_seq);
    memset(m, 0, sizeof(*m));
    m->wm_guid = guid;
    memcpy(m->wm_pool, pool, strlen(pool));
    m->wm_vdev = vdev;
    m->wm_kslot = -1;
    wseq_write_end(&w->w_global->wg_seq);
    snprintf(name, sizeof(name), "%" PRIu64, guid);
    wks_chain_begin(w);
    m->wm_kslot = wks_add(w, -1, WK_METASLAB, (int)i, "zfs_metaslab_group", (int)m->wm_vdev, name);
    wks_chain_end(w);
    if (m->wm_kslot < 0)
        return -1;
    if (i == n->wn_nmslab)
        n->wn_nmslab++;
    return (int)i;
}

int
world_metaslab_set(world_t *w, const char *pool, uint64_t guid, uint64_t loads, uint64_t unloads)
{
    if (!wnode_writer(w))
        return -1;
    wshm_node_t *n = &w->w_global->wg_node;
    if (pool == NULL || pool[0] == '\0' || strlen(pool) >= WORLD_POOL_NAME_MAX || guid == 0) {
        errno = EINVAL;
        return -1;
    }
    int i = wnode_mslab_find(n, guid);
    if (i >= 0 && (strcmp(n->wn_mslab[i].wm_pool, pool) != 0 || loads < n->wn_mslab[i].wm_loads ||
                   unloads < n->wn_mslab[i].wm_unloads)) {
        errno = EINVAL; /* another pool's vdev, or a counter going back */
        return -1;
    }
    if (i < 0 && (i = wnode_mslab_add(w, pool, guid)) < 0)
        return -1;
    wseq_write_begin(&w->w_global->wg_seq);
    n->wn_mslab[i].wm_loads = loads;
    n->wn_mslab[i].wm_unloads = unloads;
    wseq_write_end(&w->w_global->wg_seq);
    return i;
}

int
world_metaslab_remove(world_t *w, uint64_t guid)
{
    if (!wnode_writer(w))
        return -1;
    wshm_node_t *n = &w->w_global->wg_node;
    int i = wnode_mslab_find(n, guid);
    if (i < 0) {
        errno = ENOENT;
        return -1;
    }
    wks_chain_begin(w);
    wks_remove(w, n->wn_mslab[i].wm_kslot);
    wks_chain_end(w);
    n->wn_mslab[i].wm_kslot = -1; /* free for the next group */
    return 0;
}

uint32_t
world_metaslab_list(const world_t *w, world_metaslab_info_t *out, uint32_t cap)
{
    wshm_global_t g;
    uint32_t k = 0;

    wread_global_snapshot(w, &g);
    for (uint32_t i = 0; i < g.wg_node.wn_nmslab && i < WORLD_MSLAB_MAX; i++) {
        const wshm_mslab_t *m = &g.wg_node.wn_mslab[i];
        if (m->wm_kslot < 0)
            continue;
        if (k < cap) {
            out[k].wmi_guid = m->wm_guid;
            out[k].wmi_vdev = m->wm_vdev;
            snprintf(out[k].wmi_pool, sizeof(out[k].wmi_pool), "%s", m->wm_pool);
            out[k].wmi_loads = m->wm_loads;
            out[k].wmi_unloads = m->wm_unloads;
        }
        k++;
    }
    return k;
}

/* ---- the node's kstats and their clock ---- */

int
wks_node_create(world_t *w)
{
    static const char *const nics[WORLD_NODE_LINKS] = {"ixgbe0", "ixgbe1"};
    wshm_global_t *g = w->w_global;
    int rc = 0;

    g->wg_node.wn_arc_c_min = g->wg_arc_c_max / 8;
    g->wg_arc_size = g->wg_arc_c; /* full, before any zone's memory takes its share */
    for (uint32_t i = 0; rc == 0 && i < WORLD_NODE_LINKS; i++)
        if (wks_add(w, -1, WK_NODE_LINK, (int)i, "link", 0, nics[i]) < 0)
            rc = -1;
    g->wg_node.wn_nlinks = WORLD_NODE_LINKS;
    for (uint64_t v = 0; rc == 0 && v < 2; v++) {
        uint64_t guid = wrng_mix(w->w_hdr->wh_seed ^ wrng_mix(0x6d736c62 + v)) | 1;
        int i = wnode_mslab_add(w, "zones", guid);
        if (i < 0)
            rc = -1;
        else
            g->wg_node.wn_mslab[i].wm_loads = 40 + v * 7, g->wg_node.wn_mslab[i].wm_unloads = 38;
    }
    return rc;
}

void
wnode_tick(wshm_global_t *g, double dt, double rx_bps, double tx_bps)
{
    wshm_node_t *n = &g->wg_node;
    /* ixgbe0 carries the zones' traffic, ixgbe1 (the admin network) a trickle */
    double share[WORLD_NODE_LINKS] = {1.0, 0.0};
    for (int i = 0; i < WORLD_NODE_LINKS; i++) {
        double rx = rx_bps * share[i] + (i == 1) * 2000, tx = tx_bps * share[i] + (i == 1) * 1000;
        double x = n->wn_link_rbytes[i].c_f + rx * dt, y = n->wn_link_obytes[i].c_f + tx * dt;
        n->wn_link_rbytes[i].c_v += (uint64_t)floor(x);
        n->wn_link_rbytes[i].c_f = x - floor(x);
        n->wn_link_obytes[i].c_v += (uint64_t)floor(y);
        n->wn_link_obytes[i].c_f = y - floor(y);
    }
}

uint64_t
world_hrtime(const world_t *w, uint64_t vns)
{
    uint64_t days = 1 + wrng_mix(w->w_hdr->wh_seed ^ 0x68727431ULL) % 30;
    return days * 86400ULL * 1000000000ULL + vns;
}
