/*
 * world_zinfo.c - looking at zones and the chain from either side: info,
 * iteration, lookups by name and id, counts.
 */
#include <errno.h>
#include <string.h>

#include "world_shm.h"

int
world_zone_info(const world_t *w, int zix, world_zone_info_t *out)
{
    wshm_zone_t z;

    if (zix < 0 || (uint32_t)zix >= w->w_zone_slots || out == NULL) {
        errno = EINVAL;
        return -1;
    }
    wread_zone_snapshot(w, zix, &z);
    if (z.wz_state == WORLD_ZONE_FREE) {
        errno = EINVAL;
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->wzi_zix = zix;
    out->wzi_state = (world_zstate_t)z.wz_state;
    out->wzi_zoneid = z.wz_zoneid;
    memcpy(out->wzi_name, z.wz_name, WORLD_NAME_MAX - 1);
    memcpy(out->wzi_alias, z.wz_alias, WORLD_NAME_MAX - 1);
    memcpy(out->wzi_brand, z.wz_brand, WORLD_BRAND_MAX - 1);
    out->wzi_cpu_cap = z.wz_cpu_cap;
    out->wzi_mem_cap = z.wz_mem_cap;
    out->wzi_swap_cap = z.wz_swap_cap;
    out->wzi_quota = z.wz_quota;
    out->wzi_nics = z.wz_nics;
    out->wzi_load = z.wz_load;
    return 0;
}

int
world_zone_next(const world_t *w, int zix)
{
    int high = *(volatile const int32_t *)&w->w_hdr->wh_zhigh;

    if (zix < -1)
        zix = -1;
    for (int z = zix + 1; z < high && (uint32_t)z < w->w_zone_slots; z++)
        if (*(volatile const uint32_t *)&w->w_zones[z].wz_state != WORLD_ZONE_FREE)
            return z;
    return -1;
}

int
world_zone_find(const world_t *w, const char *name)
{
    int zix;

    if (name == NULL) {
        errno = EINVAL;
        return -1;
    }
    if ((zix = wread_zix_by_name(w, name)) >= 0)
        return zix;
    for (int z = world_zone_next(w, -1); z >= 0; z = world_zone_next(w, z)) {
        world_zone_info_t info;
        if (world_zone_info(w, z, &info) == 0 && info.wzi_alias[0] != '\0' &&
            strcmp(info.wzi_alias, name) == 0)
            return z;
    }
    errno = ENOENT;
    return -1;
}

int
world_zone_by_id(const world_t *w, int32_t zoneid)
{
    int zix = wread_zix_by_zoneid(w, zoneid);

    if (zix < 0)
        errno = ENOENT;
    return zix;
}

uint32_t
world_zone_count(const world_t *w)
{
    return *(volatile const uint32_t *)&w->w_hdr->wh_nzones;
}

uint32_t
world_zone_capacity(const world_t *w)
{
    return w->w_zone_slots;
}

uint32_t
world_kstat_count(const world_t *w)
{
    return *(volatile const uint32_t *)&w->w_hdr->wh_nkstats;
}

int32_t
world_chain_id(const world_t *w)
{
    return atomic_load_explicit(&w->w_hdr->wh_chain_id, memory_order_acquire);
}
