/*
 * libzfs_handle.c - the fake libzfs: library handles, errors, datasets.
 *
 * A handle maps the world named by CMON_SIM_WORLD (read-only, like the fake
 * libkstat) and reads the node's ZFS state on every open, so faults and pool
 * changes show from the next open on. Dataset handles are snapshots, as on
 * illumos. Like the real library, one handle is not meant for concurrent
 * use by several threads (the error state is per handle).
 */
#include "libzfs_impl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

libzfs_handle_t *
libzfs_init(void)
{
    libzfs_handle_t *h = calloc(1, sizeof(*h));
    const char *path = getenv(WORLD_ENV);
    world_zfs_state_t st;
    int e;
    if (h == NULL)
        return NULL;
    h->lh_world = world_open(path && *path ? path : WORLD_DEFAULT_PATH, NULL, 0);
    if (h->lh_world == NULL) {
        e = errno;
        free(h);
        errno = e;
        return NULL;
    }
    if (world_zfs_state_read(h->lh_world, world_path(h->lh_world), &st) != 0 ||
        st.wzs_fault.wzf_init_errno != 0) {
        e = st.wzs_fault.wzf_init_errno ? st.wzs_fault.wzf_init_errno : errno;
        world_close(h->lh_world);
        free(h);
        errno = e;
        return NULL;
    }
    return h;
}

void
libzfs_fini(libzfs_handle_t *hdl)
{
    if (hdl == NULL)
        return;
    world_close(hdl->lh_world);
    free(hdl);
}

int
libzfs_errno(libzfs_handle_t *hdl)
{
    return hdl->lh_error;
}

const char *
libzfs_error_description(libzfs_handle_t *hdl)
{
    switch (hdl->lh_error) {
    case EZFS_SUCCESS:
        return "no error";
    case EZFS_NOMEM:
        return "out of memory";
    case EZFS_NOENT:
        return "dataset does not exist";
    case EZFS_BADTYPE:
        return "operation not applicable to datasets of this type";
    case EZFS_INVALIDNAME:
        return "invalid name";
    case EZFS_IO:
        return "I/O error";
    default:
        return "unknown error";
    }
}

int
libzfs_fail(libzfs_handle_t *hdl, int ezfs)
{
    hdl->lh_error = ezfs;
    return -1;
}

int
libzfs_state(libzfs_handle_t *hdl, world_zfs_state_t *st)
{
    if (world_zfs_state_read(hdl->lh_world, world_path(hdl->lh_world), st) != 0)
        return libzfs_fail(hdl, EZFS_IO);
    return 0;
}

/* 1 when this open must fail by the fault's rate (a per-handle sequence). */
static int
open_faulted(libzfs_handle_t *hdl, const world_zfs_fault_t *f, const char *path)
{
    uint64_t x;
    if (f->wzf_open_rate <= 0.0)
        return 0;
    if (f->wzf_dataset[0] != '\0' && strcmp(f->wzf_dataset, path) != 0)
        return 0;
    x = ++hdl->lh_calls * 0x9e3779b97f4a7c15ULL;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 29;
    return (double)(x >> 11) / 9007199254740992.0 < f->wzf_open_rate;
}

zfs_handle_t *
zfs_open(libzfs_handle_t *hdl, const char *path, int types)
{
    world_zfs_state_t st;
    zfs_handle_t *z;
    if (path == NULL || path[0] == '\0' || strlen(path) >= ZFS_MAX_DATASET_NAME_LEN) {
        libzfs_fail(hdl, EZFS_INVALIDNAME);
        return NULL;
    }
    if (!(types & ZFS_TYPE_FILESYSTEM)) {
        libzfs_fail(hdl, EZFS_BADTYPE);
        return NULL;
    }
    if (libzfs_state(hdl, &st) != 0)
        return NULL;
    if (open_faulted(hdl, &st.wzs_fault, path)) {
        libzfs_fail(hdl, EZFS_IO);
        return NULL;
    }
    z = calloc(1, sizeof(*z));
    if (z == NULL) {
        libzfs_fail(hdl, EZFS_NOMEM);
        return NULL;
    }
    if (libzfs_dataset(hdl, &st, path, &z->zh_ds) != 0) {
        free(z);
        libzfs_fail(hdl, EZFS_NOENT);
        return NULL;
    }
    z->zh_hdl = hdl;
    hdl->lh_error = EZFS_SUCCESS;
    return z;
}

void
zfs_close(zfs_handle_t *zhp)
{
    free(zhp);
}

const char *
zfs_get_name(const zfs_handle_t *zhp)
{
    return zhp->zh_ds.wd_name;
}

/* The world parts of libzfs's calls, under world_guarded(): a damaged world fails them (EIO). */
typedef struct libzfs_lookup {
    const world_zfs_state_t *ll_st;
    const char *ll_path;
    uint32_t ll_pool;
    void *ll_out; /* world_dataset_t or world_pool_info_t */
} libzfs_lookup_t;

static int
libzfs_dataset_world(const world_t *w, void *arg)
{
    libzfs_lookup_t *ll = arg;

    return world_zfs_dataset(w, ll->ll_st, ll->ll_path, ll->ll_out);
}

static int
libzfs_pool_world(const world_t *w, void *arg)
{
    libzfs_lookup_t *ll = arg;

    return world_zfs_pool_info(w, ll->ll_st, ll->ll_pool, ll->ll_out);
}

int
libzfs_dataset(libzfs_handle_t *hdl, const world_zfs_state_t *st, const char *path,
               world_dataset_t *out)
{
    libzfs_lookup_t ll = {.ll_st = st, .ll_path = path, .ll_out = out};

    return world_guarded(hdl->lh_world, libzfs_dataset_world, &ll);
}

int
libzfs_pool_info(libzfs_handle_t *hdl, const world_zfs_state_t *st, uint32_t i,
                 world_pool_info_t *out)
{
    libzfs_lookup_t ll = {.ll_st = st, .ll_pool = i, .ll_out = out};

    return world_guarded(hdl->lh_world, libzfs_pool_world, &ll);
}
