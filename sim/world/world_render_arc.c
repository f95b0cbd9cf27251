/*
 * world_render_arc.c - the ZFS kstats of the node: zfs:0:arcstats with every
 * record of illumos' arc_stats_t (usr/src/uts/common/fs/zfs/arc.c), in its
 * order and data type, and zfs_metaslab_group:<vdev>:<guid> (class misc):
 * spa_name and the group's metaslab loads and unloads.
 *
 * arcstats: the counts follow the zones' reads (hits 9 in 10, misses the
 * rest), the sizes the ARC's size and target; the node has no L2ARC device,
 * so every l2_* record is 0, as on a compute node without a cache disk.
 * The sizes add up: data + metadata + hdr + other = size, mru + mfu + anon
 * <= size.
 */
#include <stdint.h>
#include <string.h>

#include "world_render.h"

#define U64 KSTAT_DATA_UINT64
#define STR KSTAT_DATA_STRING
#define NITEMS(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* The base quantities: zero, one, hits, misses, size, target c, c_min, c_max, hash elements. */
enum { A_ZERO, A_ONE, A_HITS, A_MISSES, A_SIZE, A_C, A_CMIN, A_CMAX, A_HASH, A_NBASE };

static const wrlin_t arc_stats[] = {
    LIN("hits", U64, A_HITS, 1, 1),
    LIN("misses", U64, A_MISSES, 1, 1),
    LIN("demand_data_hits", U64, A_HITS, 7, 10),
    LIN("demand_data_misses", U64, A_MISSES, 7, 10),
    LIN("demand_metadata_hits", U64, A_HITS, 1, 5),
    LIN("demand_metadata_misses", U64, A_MISSES, 1, 5),
    LIN("prefetch_data_hits", U64, A_HITS, 1, 20),
    LIN("prefetch_data_misses", U64, A_MISSES, 1, 20),
    LIN("prefetch_metadata_hits", U64, A_HITS, 1, 20),
    LIN("prefetch_metadata_misses", U64, A_MISSES, 1, 20),
    LIN("mru_hits", U64, A_HITS, 1, 3),
    LIN("mru_ghost_hits", U64, A_MISSES, 1, 4),
    LIN("mfu_hits", U64, A_HITS, 2, 3),
    LIN("mfu_ghost_hits", U64, A_MISSES, 1, 8),
    LIN("deleted", U64, A_MISSES, 1, 2),
    LIN("mutex_miss", U64, A_MISSES, 1, 1000),
    LIN("access_skip", U64, A_MISSES, 1, 5000),
    LIN("evict_skip", U64, A_MISSES, 1, 3000),
    LIN("evict_not_enough", U64, A_MISSES, 1, 10000),
    LIN("evict_l2_cached", U64, A_ZERO, 0, 1),
    LIN("evict_l2_eligible", U64, A_MISSES, 65536, 1), /* bytes: a 64 KiB block per miss */
    LIN("evict_l2_ineligible", U64, A_MISSES, 16384, 1),
    LIN("evict_l2_skip", U64, A_ZERO, 0, 1),
    LIN("hash_elements", U64, A_HASH, 1, 1),
    LIN("hash_elements_max", U64, A_HASH, 1, 1),
    LIN("hash_collisions", U64, A_MISSES, 1, 5),
    LIN("hash_chains", U64, A_HASH, 2, 3),
    LIN("hash_chain_max", U64, A_ONE, 9, 1), /* the longest chain seen */
    LIN("p", U64, A_C, 1, 2),
    LIN("c", U64, A_C, 1, 1),
    LIN("c_min", U64, A_CMIN, 1, 1),
    LIN("c_max", U64, A_CMAX, 1, 1),
    LIN("size", U64, A_SIZE, 1, 1),
    LIN("compressed_size", U64, A_SIZE, 3, 5),
    LIN("uncompressed_size", U64, A_SIZE, 6, 5),
    LIN("overhead_size", U64, A_SIZE, 1, 50),
    LIN("hdr_size", U64, A_SIZE, 1, 100),
    LIN("data_size", U64, A_SIZE, 3, 5),
    LIN("metadata_size", U64, A_SIZE, 1, 5),
    LIN("other_size", U64, A_SIZE, 19, 100),
    LIN("anon_size", U64, A_SIZE, 1, 1000),
    LIN("anon_evictable_data", U64, A_ZERO, 0, 1),
    LIN("anon_evictable_metadata", U64, A_ZERO, 0, 1),
    LIN("mru_size", U64, A_SIZE, 2, 5),
    LIN("mru_evictable_data", U64, A_SIZE, 1, 4),
    LIN("mru_evictable_metadata", U64, A_SIZE, 1, 20),
    LIN("mru_ghost_size", U64, A_C, 1, 4),
    LIN("mru_ghost_evictable_data", U64, A_C, 1, 5),
    LIN("mru_ghost_evictable_metadata", U64, A_C, 1, 20),
    LIN("mfu_size", U64, A_SIZE, 2, 5),
    LIN("mfu_evictable_data", U64, A_SIZE, 1, 4),
    LIN("mfu_evictable_metadata", U64, A_SIZE, 1, 20),
    LIN("mfu_ghost_size", U64, A_C, 1, 8),
    LIN("mfu_ghost_evictable_data", U64, A_C, 1, 10),
    LIN("mfu_ghost_evictable_metadata", U64, A_C, 1, 40),
    LIN("l2_hits", U64, A_ZERO, 0, 1),
    LIN("l2_misses", U64, A_ZERO, 0, 1),
    LIN("l2_feeds", U64, A_ZERO, 0, 1),
    LIN("l2_rw_clash", U64, A_ZERO, 0, 1),
    LIN("l2_read_bytes", U64, A_ZERO, 0, 1),
    LIN("l2_write_bytes", U64, A_ZERO, 0, 1),
    LIN("l2_writes_sent", U64, A_ZERO, 0, 1),
    LIN("l2_writes_done", U64, A_ZERO, 0, 1),
    LIN("l2_writes_error", U64, A_ZERO, 0, 1),
    LIN("l2_writes_lock_retry", U64, A_ZERO, 0, 1),
    LIN("l2_evict_lock_retry", U64, A_ZERO, 0, 1),
    LIN("l2_evict_reading", U64, A_ZERO, 0, 1),
    LIN("l2_evict_l1cached", U64, A_ZERO, 0, 1),
    LIN("l2_free_on_write", U64, A_ZERO, 0, 1),
    LIN("l2_abort_lowmem", U64, A_ZERO, 0, 1),
    LIN("l2_cksum_bad", U64, A_ZERO, 0, 1),
    LIN("l2_io_error", U64, A_ZERO, 0, 1),
    LIN("l2_size", U64, A_ZERO, 0, 1),
    LIN("l2_asize", U64, A_ZERO, 0, 1),
    LIN("l2_hdr_size", U64, A_ZERO, 0, 1),
    LIN("l2_log_blk_writes", U64, A_ZERO, 0, 1),
    LIN("l2_log_blk_avg_asize", U64, A_ZERO, 0, 1),
    LIN("l2_log_blk_asize", U64, A_ZERO, 0, 1),
    LIN("l2_log_blk_count", U64, A_ZERO, 0, 1),
    LIN("l2_data_to_meta_ratio", U64, A_ZERO, 0, 1),
    LIN("l2_rebuild_success", U64, A_ZERO, 0, 1),
    LIN("l2_rebuild_unsupported", U64, A_ZERO, 0, 1),
    LIN("l2_rebuild_io_errors", U64, A_ZERO, 0, 1),
    LIN("l2_rebuild_dh_errors", U64, A_ZERO, 0, 1),
    LIN("l2_rebuild_cksum_lb_errors", U64, A_ZERO, 0, 1),
    LIN("l2_rebuild_lowmem", U64, A_ZERO, 0, 1),
    LIN("l2_rebuild_size", U64, A_ZERO, 0, 1),
    LIN("l2_rebuild_asize", U64, A_ZERO, 0, 1),
    LIN("l2_rebuild_bufs", U64, A_ZERO, 0, 1),
    LIN("l2_rebuild_bufs_precached", U64, A_ZERO, 0, 1),
    LIN("l2_rebuild_log_blks", U64, A_ZERO, 0, 1),
    LIN("memory_throttle_count", U64, A_ZERO, 0, 1),
    LIN("arc_meta_used", U64, A_SIZE, 2, 5),
    LIN("arc_meta_limit", U64, A_CMAX, 1, 4),
    LIN("arc_meta_max", U64, A_C, 1, 2),
    LIN("arc_meta_min", U64, A_CMIN, 1, 2),
    LIN("async_upgrade_sync", U64, A_MISSES, 1, 200),
    LIN("demand_hit_predictive_prefetch", U64, A_HITS, 1, 50),
    LIN("demand_hit_prescient_prefetch", U64, A_HITS, 1, 500),
};

/* Applies the world's renames (world_arc_rename) to the rendered records. */
static void
arc_rename(const wshm_node_t *n, kstat_named_t *k, uint32_t nk)
{
    for (int r = 0; r < WORLD_ARC_RENAMES; r++) {
        const wshm_arc_rename_t *rn = &n->wn_arc_rename[r];
        if (rn->wr_from[0] == '\0')
            continue;
        for (uint32_t i = 0; i < nk; i++)
            if (strncmp(k[i].name, rn->wr_from, KSTAT_STRLEN) == 0)
                memcpy(k[i].name, rn->wr_to, KSTAT_STRLEN);
    }
}

static void
arc_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_global_t *g = x->x_g;
    uint64_t b[A_NBASE] = {[A_ONE] = 1,
                           [A_HITS] = g->wg_arc_hits.c_v,
                           [A_MISSES] = g->wg_arc_misses.c_v,
                           [A_SIZE] = g->wg_arc_size,
                           [A_C] = g->wg_arc_c,
                           [A_CMIN] = g->wg_node.wn_arc_c_min,
                           [A_CMAX] = g->wg_arc_c_max,
                           [A_HASH] = g->wg_arc_size / 16384};

    (void)sp;
    wr_linear(k, arc_stats, NITEMS(arc_stats), b);
    arc_rename(&g->wg_node, k, NITEMS(arc_stats));
}

const wrkind_t wr_arc_kind = {"misc", arc_stats, NITEMS(arc_stats), arc_fill, NULL};

int
wr_arc_record(const char *name)
{
    for (uint32_t i = 0; i < NITEMS(arc_stats); i++)
        if (strcmp(arc_stats[i].l_kn.name, name) == 0)
            return (int)i;
    return -1;
}

uint32_t
world_arc_record_count(void)
{
    return NITEMS(arc_stats);
}

/* ---- zfs_metaslab_group:<vdev>:<guid> ---- */

enum { M_ZERO, M_LOADS, M_UNLOADS, M_NBASE };

static const wrlin_t mslab_stats[] = {
    LIN("loads", U64, M_LOADS, 1, 1),
    LIN("unloads", U64, M_UNLOADS, 1, 1),
    LIN("spa_name", STR, M_ZERO, 0, 1),
};

static void
mslab_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_mslab_t *m = &x->x_g->wg_node.wn_mslab[x->x_arg < WORLD_MSLAB_MAX ? x->x_arg : 0];
    uint64_t b[M_NBASE] = {[M_LOADS] = m->wm_loads, [M_UNLOADS] = m->wm_unloads};

    wr_linear(k, mslab_stats, NITEMS(mslab_stats), b);
    wr_str(&k[2], sp, m->wm_pool);
}

/* spa_name: a group's pool is set before its kstat is made and never changes. */
static uint32_t
mslab_strsize(const world_t *w, const wshm_zone_t *z, int arg)
{
    (void)z;
    if (arg < 0 || arg >= WORLD_MSLAB_MAX)
        return 1;
    return (uint32_t)strnlen(w->w_global->wg_node.wn_mslab[arg].wm_pool, WORLD_POOL_NAME_MAX - 1) +
           1;
}

const wrkind_t wr_mslab_kind = {"misc", mslab_stats, NITEMS(mslab_stats), mslab_fill,
                                mslab_strsize};
