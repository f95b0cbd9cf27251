/*
 * libzfs_pool.c - pools of the fake libzfs. A pool handle is a snapshot of
 * the pool when it was opened; the health a faulted pool reports is the
 * root vdev's state, as the illumos kernel stores it for ZPOOL_PROP_HEALTH.
 */
#include "libzfs_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const vdev_state_t health_vdev[] = {
    [WORLD_POOL_ONLINE] = VDEV_STATE_HEALTHY,  [WORLD_POOL_DEGRADED] = VDEV_STATE_DEGRADED,
    [WORLD_POOL_FAULTED] = VDEV_STATE_FAULTED, [WORLD_POOL_OFFLINE] = VDEV_STATE_OFFLINE,
    [WORLD_POOL_REMOVED] = VDEV_STATE_REMOVED, [WORLD_POOL_UNAVAIL] = VDEV_STATE_CANT_OPEN,
};

static zpool_handle_t *
pool_new(libzfs_handle_t *hdl, const world_zfs_state_t *st, uint32_t i)
{
    zpool_handle_t *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        libzfs_fail(hdl, EZFS_NOMEM);
        return NULL;
    }
    if (libzfs_pool_info(hdl, st, i, &p->zp_info) != 0) {
        free(p);
        libzfs_fail(hdl, EZFS_NOENT);
        return NULL;
    }
    p->zp_hdl = hdl;
    return p;
}

int
zpool_iter(libzfs_handle_t *hdl, zpool_iter_f func, void *data)
{
    world_zfs_state_t st;
    uint32_t i;
    int rc;
    if (libzfs_state(hdl, &st) != 0)
        return -1;
    if (st.wzs_fault.wzf_pool_iter_fail)
        return libzfs_fail(hdl, EZFS_IO);
    for (i = 0; i < st.wzs_npools; i++) {
        zpool_handle_t *p = pool_new(hdl, &st, i);
        if (p == NULL)
            return -1;
        rc = func(p, data);
        if (rc != 0)
            return rc;
    }
    return 0;
}

zpool_handle_t *
zpool_open_canfail(libzfs_handle_t *hdl, const char *pool)
{
    world_zfs_state_t st;
    uint32_t i;
    if (libzfs_state(hdl, &st) != 0)
        return NULL;
    for (i = 0; i < st.wzs_npools; i++)
        if (strcmp(st.wzs_pools[i].wpl_name, pool) == 0)
            return pool_new(hdl, &st, i);
    libzfs_fail(hdl, EZFS_NOENT);
    return NULL;
}

void
zpool_close(zpool_handle_t *zhp)
{
    free(zhp);
}

const char *
zpool_get_name(zpool_handle_t *zhp)
{
    return zhp->zp_info.wpi_pool.wpl_name;
}

int
zpool_get_state(zpool_handle_t *zhp)
{
    uint32_t h = zhp->zp_info.wpi_pool.wpl_health;
    return h == WORLD_POOL_UNAVAIL ? POOL_STATE_UNAVAIL : POOL_STATE_ACTIVE;
}

uint64_t
zpool_get_prop_int(zpool_handle_t *zhp, zpool_prop_t prop, zprop_source_t *src)
{
    const world_pool_info_t *pi = &zhp->zp_info;
    if (src != NULL)
        *src = ZPROP_SRC_NONE;
    switch (prop) {
    case ZPOOL_PROP_SIZE:
        return pi->wpi_pool.wpl_size;
    case ZPOOL_PROP_ALLOCATED:
        return pi->wpi_allocated;
    case ZPOOL_PROP_FREE:
        return pi->wpi_free;
    case ZPOOL_PROP_CAPACITY:
        return pi->wpi_pool.wpl_size ? pi->wpi_allocated * 100 / pi->wpi_pool.wpl_size : 0;
    case ZPOOL_PROP_FRAGMENTATION:
        return pi->wpi_pool.wpl_frag == UINT32_MAX ? UINT64_MAX : pi->wpi_pool.wpl_frag;
    case ZPOOL_PROP_HEALTH:
        return pi->wpi_pool.wpl_health <= WORLD_POOL_UNAVAIL
                   ? (uint64_t)health_vdev[pi->wpi_pool.wpl_health]
                   : VDEV_STATE_UNKNOWN;
    case ZPOOL_PROP_DEDUPRATIO:
        return 100;
    default:
        return 0;
    }
}

int
zpool_get_prop(zpool_handle_t *zhp, zpool_prop_t prop, char *buf, size_t len,
               zprop_source_t *srctype, boolean_t literal)
{
    (void)literal;
    if (buf == NULL || len == 0)
        return libzfs_fail(zhp->zp_hdl, EZFS_BADPROP);
    if (srctype != NULL)
        *srctype = ZPROP_SRC_NONE;
    switch (prop) {
    case ZPOOL_PROP_NAME:
        snprintf(buf, len, "%s", zpool_get_name(zhp));
        return 0;
    case ZPOOL_PROP_HEALTH:
        snprintf(buf, len, "%s", world_pool_health_name(zhp->zp_info.wpi_pool.wpl_health));
        return 0;
    case ZPOOL_PROP_FRAGMENTATION:
        if (zhp->zp_info.wpi_pool.wpl_frag == UINT32_MAX) {
            snprintf(buf, len, "-");
            return 0;
        }
        break;
    case ZPOOL_PROP_SIZE:
    case ZPOOL_PROP_ALLOCATED:
    case ZPOOL_PROP_FREE:
    case ZPOOL_PROP_CAPACITY:
        break;
    default:
        return libzfs_fail(zhp->zp_hdl, EZFS_BADPROP);
    }
    snprintf(buf, len, "%" PRIu64, zpool_get_prop_int(zhp, prop, NULL));
    return 0;
}
