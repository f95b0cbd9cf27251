/*
 * world_hash.c - zonename -> zone slot, an open-addressing hash in the
 * world file so that the writer's EEXIST check and the readers'
 * getzoneidbyname() cost O(1) at 100,000 zones. Linear probing; removed
 * entries become tombstones until too many of them force a rebuild. The
 * writer changes it only inside wh_zones_seq.
 */
#include <string.h>

#include "world_shm.h"

uint32_t
whash_str(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    while (*s != '\0')
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

int
whash_find(const world_t *w, const char *name)
{
    uint32_t mask = w->w_hash_size - 1;
    uint32_t i = whash_str(name) & mask;

    for (uint32_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
        int32_t e = w->w_hash[i];
        if (e == 0)
            return -1;
        if (e > 0 && e <= (int32_t)w->w_zone_slots &&
            strncmp(w->w_zones[e - 1].wz_name, name, WORLD_NAME_MAX) == 0)
            return e - 1;
    }
    return -1;
}

static void
whash_put(world_t *w, int zix)
{
    uint32_t mask = w->w_hash_size - 1;
    uint32_t i = whash_str(w->w_zones[zix].wz_name) & mask;

    while (w->w_hash[i] > 0)
        i = (i + 1) & mask;
    if (w->w_hash[i] == WSHM_NAME_TOMB)
        w->w_hdr->wh_hash_tombs--;
    w->w_hash[i] = zix + 1;
}

/* Rebuilds the table without tombstones (caller holds wh_zones_seq). */
static void
whash_rebuild(world_t *w)
{
    memset(w->w_hash, 0, (size_t)w->w_hash_size * sizeof(int32_t));
    w->w_hdr->wh_hash_tombs = 0;
    for (int z = 0; z < w->w_hdr->wh_zhigh; z++)
        if (w->w_zones[z].wz_state != WORLD_ZONE_FREE)
            whash_put(w, z);
}

int
whash_insert(world_t *w, int zix)
{
    whash_put(w, zix);
    return 0;
}

void
whash_remove(world_t *w, int zix)
{
    uint32_t mask = w->w_hash_size - 1;
    uint32_t i = whash_str(w->w_zones[zix].wz_name) & mask;

    for (uint32_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
        if (w->w_hash[i] == 0)
            return;
        if (w->w_hash[i] == zix + 1) {
            w->w_hash[i] = WSHM_NAME_TOMB;
            if (++w->w_hdr->wh_hash_tombs > w->w_hash_size / 4)
                whash_rebuild(w); /* the caller marked zix free: it is not re-inserted */
            return;
        }
    }
}
