/*
 * world_counter.c - world_zone_counter_set(): a zone's counter moved ahead,
 * under the zone's seqlock, so a reader sees the old value or the new one.
 * The table maps what kstat shows (module, stat) to the counter of
 * wshm_ctr_t that the renderer copies unscaled into that stat.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "world_counter.h"
#include "world_shm.h"

typedef struct wcounter {
    const char *wc_module;
    const char *wc_stat;
    size_t wc_off; /* offset of the wctr_t in wshm_ctr_t (of NIC 0 for link) */
} wcounter_t;

#define WC(m, s, field)                                                                            \
    {                                                                                              \
        m, s, offsetof(wshm_ctr_t, field)                                                          \
    }

static const wcounter_t wcounters[] = {
    WC("zones", "nsec_user", nsec_user),     WC("zones", "nsec_sys", nsec_sys),
    WC("zones", "nsec_waitrq", nsec_waitrq), WC("memory_cap", "anon_alloc_fail", anon_alloc_fail),
    WC("memory_cap", "nover", nover),        WC("memory_cap", "pagedout", pagedout),
    WC("zone_vfs", "nread", vfs_nread),      WC("zone_vfs", "nwritten", vfs_nwritten),
    WC("zone_vfs", "rtime", vfs_rtime),      WC("zone_vfs", "rlentime", vfs_rlentime),
    WC("zone_vfs", "wtime", vfs_wtime),      WC("zone_vfs", "wlentime", vfs_wlentime),
    WC("link", "rbytes64", rbytes),          WC("link", "obytes64", obytes),
};

static const wcounter_t *
wcounter_find(const char *module, const char *stat)
{
    for (size_t i = 0; i < sizeof(wcounters) / sizeof(wcounters[0]); i++)
        if (strcmp(wcounters[i].wc_module, module) == 0 && strcmp(wcounters[i].wc_stat, stat) == 0)
            return &wcounters[i];
    return NULL;
}

/* The counter of zone z that (module, stat, nic) names, or NULL with errno. */
static wctr_t *
wcounter_of(wshm_zone_t *z, const char *module, const char *stat, int nic)
{
    const wcounter_t *c = wcounter_find(module, stat);
    if (c == NULL) {
        errno = EINVAL;
        return NULL;
    }
    int is_link = strcmp(module, "link") == 0;
    if (is_link && (nic < 0 || (uint32_t)nic >= z->wz_nics || nic >= WORLD_NICS_MAX)) {
        errno = EINVAL;
        return NULL;
    }
    wctr_t *ctr = (wctr_t *)((char *)&z->wz_c + c->wc_off);
    return is_link ? ctr + nic : ctr;
}

int
world_zone_counter_set(world_t *w, int zix, const char *module, const char *stat, int nic,
                       uint64_t value)
{
    if (w == NULL || !w->w_writer) {
        errno = EPERM;
        return -1;
    }
    if (module == NULL || stat == NULL || zix <= 0 || zix >= w->w_hdr->wh_zhigh ||
        w->w_zones[zix].wz_state != WORLD_ZONE_RUNNING) {
        errno = EINVAL;
        return -1;
    }
    wshm_zone_t *z = &w->w_zones[zix];
    wctr_t *ctr = wcounter_of(z, module, stat, nic);
    if (ctr == NULL)
        return -1;
    if (value < ctr->c_v) {
        errno = ERANGE;
        return -1;
    }
    wseq_write_begin(&z->wz_seq);
    ctr->c_v = value;
    ctr->c_f = 0;
    wseq_write_end(&z->wz_seq);
    return 0;
}
