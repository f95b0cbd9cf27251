/*
 * world_kdrop.c - world_zone_kstat_drop(): a zone's kstats of one module
 * taken out of the chain, as wks_cpucaps_sync() does when a CPU cap goes:
 * under the chain bracket (readers' chain copies see the change once) and
 * the zone's seqlock (readers' zone snapshots see the old list or the new).
 */
#include <errno.h>
#include <string.h>

#include "world_kdrop.h"
#include "world_shm.h"

static int
kdrop_module_ok(const char *module)
{
    static const char *const mods[] = {"zones", "memory_cap", "zone_vfs", "zone_zfs", "tcp"};
    for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
        if (strcmp(module, mods[i]) == 0)
            return 1;
    return 0;
}

int
world_zone_kstat_drop(world_t *w, int zix, const char *module)
{
    if (w == NULL || !w->w_writer) {
        errno = EPERM;
        return -1;
    }
    if (module == NULL || !kdrop_module_ok(module) || zix <= 0 || zix >= w->w_hdr->wh_zhigh ||
        w->w_zones[zix].wz_state != WORLD_ZONE_RUNNING) {
        errno = EINVAL;
        return -1;
    }
    wshm_zone_t *z = &w->w_zones[zix];
    int found = 0;
    for (uint32_t i = 0; i < z->wz_nks; i++)
        found |= strcmp(w->w_kslots[z->wz_ks[i]].wk_module, module) == 0;
    if (!found) {
        errno = ENOENT;
        return -1;
    }
    wks_chain_begin(w);
    wseq_write_begin(&z->wz_seq);
    for (uint32_t i = 0; i < z->wz_nks;) {
        if (strcmp(w->w_kslots[z->wz_ks[i]].wk_module, module) != 0) {
            i++;
            continue;
        }
        wks_remove(w, z->wz_ks[i]);
        z->wz_ks[i] = z->wz_ks[--z->wz_nks];
    }
    wseq_write_end(&z->wz_seq);
    wks_chain_end(w);
    return 0;
}
