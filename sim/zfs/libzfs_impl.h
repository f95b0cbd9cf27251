/*
 * libzfs_impl.h - what the files of the fake libzfs share: the handle
 * structures (opaque in <libzfs.h>) and two helpers.
 */
#ifndef CMON_LIBZFS_IMPL_H
#define CMON_LIBZFS_IMPL_H

#include <libzfs.h>

#include "world.h"
#include "world_zfs.h"

struct libzfs_handle {
    world_t *lh_world;
    int lh_error;      /* EZFS_* of the last failure */
    uint64_t lh_calls; /* drives the fault rate */
};

struct zfs_handle {
    libzfs_handle_t *zh_hdl;
    world_dataset_t zh_ds;
};

struct zpool_handle {
    libzfs_handle_t *zp_hdl;
    world_pool_info_t zp_info;
};

/* libzfs_fail() - records ezfs as the handle's error; returns -1. */
int libzfs_fail(libzfs_handle_t *hdl, int ezfs);

/* libzfs_state() - the node's ZFS state now; -1 (EZFS_IO recorded) when unreadable. */
int libzfs_state(libzfs_handle_t *hdl, world_zfs_state_t *st);

/*
 * libzfs_dataset() / libzfs_pool_info() - world_zfs_dataset() / world_zfs_pool_info() under
 * world_guarded(): 0, or -1 with errno (EIO when the world was damaged under the call).
 */
int libzfs_dataset(libzfs_handle_t *hdl, const world_zfs_state_t *st, const char *path,
                   world_dataset_t *out);
int libzfs_pool_info(libzfs_handle_t *hdl, const world_zfs_state_t *st, uint32_t i,
                     world_pool_info_t *out);

#endif /* CMON_LIBZFS_IMPL_H */
