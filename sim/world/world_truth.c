/*
 * world_truth.c - the ground truth: what kstat_read() would return for any
 * stat right now, rendered by the same code, with no faults applied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world_shm.h"

#define TRUTH_BUF 8192 /* more than the largest kstat's data */

static void
truth_value(const kstat_named_t *k, world_value_t *out)
{
    memset(out, 0, sizeof(*out));
    out->wv_data_type = k->data_type;
    switch (k->data_type) {
    case KSTAT_DATA_INT32:
        out->wv_type = WORLD_V_INT, out->wv_i = k->value.i32;
        break;
    case KSTAT_DATA_INT64:
        out->wv_type = WORLD_V_INT, out->wv_i = k->value.i64;
        break;
    case KSTAT_DATA_UINT32:
        out->wv_type = WORLD_V_UINT, out->wv_u = k->value.ui32;
        break;
    case KSTAT_DATA_UINT64:
        out->wv_type = WORLD_V_UINT, out->wv_u = k->value.ui64;
        break;
    case KSTAT_DATA_STRING:
        out->wv_type = WORLD_V_STRING;
        snprintf(out->wv_s, sizeof(out->wv_s), "%s", KSTAT_NAMED_STR_PTR(k));
        break;
    default:
        out->wv_type = WORLD_V_CHAR;
        memcpy(out->wv_s, k->value.c, sizeof(k->value.c));
        break;
    }
}

/* The stat of the kstat in slot s (whose KID is read now). */
static int
truth_from_slot(const world_t *w, int s, const char *stat, world_value_t *out)
{
    _Alignas(8) char buf[TRUTH_BUF];
    int32_t kid = atomic_load_explicit(&w->w_kslots[s].wk_kid, memory_order_acquire);
    int64_t snap;
    int rc = wread_kstat(w, s, kid, buf, sizeof(buf), &snap);

    if (rc != 0) {
        errno = rc == ENXIO ? ENOENT : rc;
        return -1;
    }
    kstat_named_t *k = (kstat_named_t *)buf;
    uint32_t n = wrender_ndata((wkind_t)w->w_kslots[s].wk_kind);
    for (uint32_t i = 0; i < n; i++) {
        if (strcmp(k[i].name, stat) == 0) {
            truth_value(&k[i], out);
            return 0;
        }
    }
    errno = ENOENT;
    return -1;
}

/* The slot of module:instance:name in the chain, or -1. */
static int
truth_walk(const world_t *w, const char *module, int instance, const char *name)
{
    const wshm_hdr_t *h = w->w_hdr;
    uint32_t steps = 0;

    for (int32_t s = h->wh_chain_head;
         s >= 0 && (uint32_t)s < w->w_kstat_slots && steps++ < w->w_kstat_slots;
         s = w->w_kslots[s].wk_next) {
        const wshm_kslot_t *k = &w->w_kslots[s];
        if (k->wk_instance == instance && strncmp(k->wk_module, module, KSTAT_STRLEN) == 0 &&
            strncmp(k->wk_name, name, KSTAT_STRLEN) == 0)
            return s;
    }
    return -1;
}

/*
 * The same under the chain's seqlock. The writer reads its own chain as it
 * is (it may be inside a batch, whose bracket it holds itself).
 */
static int
truth_find(const world_t *w, const char *module, int instance, const char *name)
{
    const wshm_hdr_t *h = w->w_hdr;
    uint32_t seq;
    int found;

    if (w->w_writer)
        return truth_walk(w, module, instance, name);
    do {
        seq = wseq_read_begin(w, &h->wh_chain_seq);
        found = truth_walk(w, module, instance, name);
    } while (wseq_read_retry(&h->wh_chain_seq, seq));
    return found;
}

int
world_truth(const world_t *w, const char *module, int instance, const char *name, const char *stat,
            world_value_t *out)
{
    int s;

    if (module == NULL || name == NULL || stat == NULL || out == NULL) {
        errno = EINVAL;
        return -1;
    }
    if ((s = truth_find(w, module, instance, name)) < 0) {
        errno = ENOENT;
        return -1;
    }
    return truth_from_slot(w, s, stat, out);
}

static const struct {
    const char *module;
    wkind_t kind;
} truth_kinds[] = {
    {"zones", WK_ZONE_MISC},   {"memory_cap", WK_MEMCAP},   {"caps", WK_CPUCAPS},
    {"zone_vfs", WK_ZONE_VFS}, {"zone_zfs", WK_ZONE_ZFS},   {"tcp", WK_TCP},
    {"link", WK_LINK},         {"lockedmem", WK_LOCKEDMEM}, {"swapresv", WK_SWAPRESV},
    {"nprocs", WK_NPROCS},
};

int
world_truth_zone(const world_t *w, int zix, const char *module, const char *stat,
                 world_value_t *out)
{
    wshm_zone_t *z;
    int kind = 0;

    if (zix < 0 || (uint32_t)zix >= w->w_zone_slots || module == NULL || stat == NULL) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < sizeof(truth_kinds) / sizeof(truth_kinds[0]); i++)
        if (strcmp(module, truth_kinds[i].module) == 0)
            kind = truth_kinds[i].kind;
    if ((z = malloc(sizeof(*z))) == NULL)
        return -1;
    wread_zone_snapshot(w, zix, z);
    int rc = -1;
    errno = ENOENT;
    for (uint32_t i = 0;
         kind != 0 && z->wz_state == WORLD_ZONE_RUNNING && i < z->wz_nks && i < WZ_KS_MAX; i++) {
        if (z->wz_ks[i] < 0 || (uint32_t)z->wz_ks[i] >= w->w_kstat_slots)
            break; /* a reader's torn copy of the writer's bookkeeping */
        const wshm_kslot_t *k = &w->w_kslots[z->wz_ks[i]];
        if (k->wk_kind == kind && k->wk_arg == 0) {
            rc = truth_from_slot(w, z->wz_ks[i], stat, out);
            break;
        }
    }
    free(z);
    return rc;
}
