/*
 * <libzfs.h> - the few libzfs(3LIB) calls cmon-agent uses, with the
 * signatures, enum values and semantics of illumos libzfs.
 *
 * On illumos a program includes the system's <libzfs.h> and links -lzfs.
 * On Linux this header and build/lib/libzfs.so stand in for them and read
 * the pools and datasets of the simulated world named by CMON_SIM_WORLD.
 * The enum values below are those of illumos <sys/fs/zfs.h> (a prefix of
 * each enum: the values a program compiled here passes are the real ones).
 *
 * The protocol, as on illumos:
 *   g = libzfs_init();                             NULL: no ZFS here
 *   zhp = zfs_open(g, "zones/<uuid>", ZFS_TYPE_FILESYSTEM);
 *   used = zfs_prop_get_int(zhp, ZFS_PROP_USED);
 *   zfs_close(zhp);
 *   zpool_iter(g, cb, arg);       cb(zpool_handle_t *, arg): the callback
 *                                 owns the handle and must zpool_close() it
 *   size = zpool_get_prop_int(php, ZPOOL_PROP_SIZE, NULL);
 *   libzfs_fini(g);
 * A handle is a snapshot taken when it is opened: reading it again gives
 * the same values (as on illumos, where zfs_refresh_properties() re-reads).
 */
#ifndef CMON_LIBZFS_H
#define CMON_LIBZFS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef CMON_BOOLEAN_T
#define CMON_BOOLEAN_T
typedef enum { B_FALSE = 0, B_TRUE = 1 } boolean_t;
#endif

#define ZFS_MAXPROPLEN 8192 /* MAXPATHLEN * 8 on illumos */
#define ZFS_MAX_DATASET_NAME_LEN 256

/* Opaque handles, as on illumos. */
typedef struct libzfs_handle libzfs_handle_t;
typedef struct zfs_handle zfs_handle_t;
typedef struct zpool_handle zpool_handle_t;

/* zfs_type_t: dataset types (a bit set). */
typedef enum {
    ZFS_TYPE_FILESYSTEM = (1 << 0),
    ZFS_TYPE_SNAPSHOT = (1 << 1),
    ZFS_TYPE_VOLUME = (1 << 2),
    ZFS_TYPE_POOL = (1 << 3),
    ZFS_TYPE_BOOKMARK = (1 << 4)
} zfs_type_t;
#define ZFS_TYPE_DATASET (ZFS_TYPE_FILESYSTEM | ZFS_TYPE_VOLUME | ZFS_TYPE_SNAPSHOT)

/* zprop_source_t: where a property value comes from. */
typedef enum {
    ZPROP_SRC_NONE = 0x1,
    ZPROP_SRC_DEFAULT = 0x2,
    ZPROP_SRC_TEMPORARY = 0x4,
    ZPROP_SRC_LOCAL = 0x8,
    ZPROP_SRC_INHERITED = 0x10,
    ZPROP_SRC_RECEIVED = 0x20
} zprop_source_t;

/* zfs_prop_t: dataset properties, in the order of illumos <sys/fs/zfs.h>. */
typedef enum {
    ZPROP_CONT = -2,
    ZPROP_INVAL = -1,
    ZFS_PROP_TYPE = 0,
    ZFS_PROP_CREATION,
    ZFS_PROP_USED,
    ZFS_PROP_AVAILABLE,
    ZFS_PROP_REFERENCED,
    ZFS_PROP_COMPRESSRATIO,
    ZFS_PROP_MOUNTED,
    ZFS_PROP_ORIGIN,
    ZFS_PROP_QUOTA,
    ZFS_PROP_RESERVATION,
    ZFS_PROP_VOLSIZE,
    ZFS_PROP_VOLBLOCKSIZE,
    ZFS_PROP_RECORDSIZE,
    ZFS_PROP_MOUNTPOINT,
    ZFS_PROP_SHARENFS,
    ZFS_PROP_CHECKSUM,
    ZFS_PROP_COMPRESSION,
    ZFS_PROP_ATIME,
    ZFS_PROP_DEVICES,
    ZFS_PROP_EXEC,
    ZFS_PROP_SETUID,
    ZFS_PROP_READONLY,
    ZFS_PROP_ZONED,
    ZFS_PROP_SNAPDIR,
    ZFS_PROP_ACLMODE,
    ZFS_PROP_ACLINHERIT,
    ZFS_PROP_CREATETXG,
    ZFS_PROP_NAME,
    ZFS_PROP_CANMOUNT,
    ZFS_PROP_ISCSIOPTIONS,
    ZFS_PROP_XATTR,
    ZFS_PROP_NUMCLONES,
    ZFS_PROP_COPIES,
    ZFS_PROP_VERSION,
    ZFS_PROP_UTF8ONLY,
    ZFS_PROP_NORMALIZE,
    ZFS_PROP_CASE,
    ZFS_PROP_VSCAN,
    ZFS_PROP_NBMAND,
    ZFS_PROP_SHARESMB,
    ZFS_PROP_REFQUOTA,
    ZFS_PROP_REFRESERVATION,
    ZFS_PROP_GUID,
    ZFS_PROP_PRIMARYCACHE,
    ZFS_PROP_SECONDARYCACHE,
    ZFS_PROP_USEDSNAP,
    ZFS_PROP_USEDDS,
    ZFS_PROP_USEDCHILD,
    ZFS_PROP_USEDREFRESERV,
    ZFS_PROP_USERACCOUNTING,
    ZFS_PROP_STMF_SHAREINFO,
    ZFS_PROP_DEFER_DESTROY,
    ZFS_PROP_USERREFS,
    ZFS_PROP_LOGBIAS,
    ZFS_PROP_UNIQUE,
    ZFS_PROP_OBJSETID,
    ZFS_PROP_DEDUP,
    ZFS_PROP_MLSLABEL,
    ZFS_PROP_SYNC,
    ZFS_PROP_DNODESIZE,
    ZFS_PROP_REFRATIO,
    ZFS_PROP_WRITTEN,
    ZFS_PROP_CLONES,
    ZFS_PROP_LOGICALUSED,
    ZFS_PROP_LOGICALREFERENCED,
    ZFS_NUM_PROPS
} zfs_prop_t;

/* zpool_prop_t: pool properties, in the order of illumos <sys/fs/zfs.h>. */
typedef enum {
    ZPOOL_PROP_INVAL = -1,
    ZPOOL_PROP_NAME,
    ZPOOL_PROP_SIZE,
    ZPOOL_PROP_CAPACITY,
    ZPOOL_PROP_ALTROOT,
    ZPOOL_PROP_HEALTH,
    ZPOOL_PROP_GUID,
    ZPOOL_PROP_VERSION,
    ZPOOL_PROP_BOOTFS,
    ZPOOL_PROP_DELEGATION,
    ZPOOL_PROP_AUTOREPLACE,
    ZPOOL_PROP_CACHEFILE,
    ZPOOL_PROP_FAILUREMODE,
    ZPOOL_PROP_LISTSNAPS,
    ZPOOL_PROP_AUTOEXPAND,
    ZPOOL_PROP_DEDUPDITTO,
    ZPOOL_PROP_DEDUPRATIO,
    ZPOOL_PROP_FREE,
    ZPOOL_PROP_ALLOCATED,
    ZPOOL_PROP_READONLY,
    ZPOOL_PROP_COMMENT,
    ZPOOL_PROP_EXPANDSZ,
    ZPOOL_PROP_FREEING,
    ZPOOL_PROP_FRAGMENTATION,
    ZPOOL_NUM_PROPS
} zpool_prop_t;

/*
 * vdev_state_t: the value zpool_get_prop_int() returns for
 * ZPOOL_PROP_HEALTH (the root vdev's state; zpool_get_prop() renders it as
 * ONLINE, DEGRADED, FAULTED, OFFLINE, REMOVED or UNAVAIL).
 */
typedef enum {
    VDEV_STATE_UNKNOWN = 0,
    VDEV_STATE_CLOSED,
    VDEV_STATE_OFFLINE,
    VDEV_STATE_REMOVED,
    VDEV_STATE_CANT_OPEN,
    VDEV_STATE_FAULTED,
    VDEV_STATE_DEGRADED,
    VDEV_STATE_HEALTHY
} vdev_state_t;

/* pool_state_t: zpool_get_state(). */
typedef enum {
    POOL_STATE_ACTIVE = 0,
    POOL_STATE_EXPORTED,
    POOL_STATE_DESTROYED,
    POOL_STATE_SPARE,
    POOL_STATE_L2CACHE,
    POOL_STATE_UNINITIALIZED,
    POOL_STATE_UNAVAIL,
    POOL_STATE_POTENTIALLY_ACTIVE
} pool_state_t;

/* zfs_error_t: libzfs_errno() (the ones this library sets). */
typedef enum {
    EZFS_SUCCESS = 0,
    EZFS_NOMEM = 2000,
    EZFS_BADPROP,
    EZFS_PROPREADONLY,
    EZFS_PROPTYPE,
    EZFS_PROPNONINHERIT,
    EZFS_PROPSPACE,
    EZFS_BADTYPE,
    EZFS_BUSY,
    EZFS_EXISTS,
    EZFS_NOENT,
    EZFS_BADSTREAM,
    EZFS_DSREADONLY,
    EZFS_VOLTOOBIG,
    EZFS_INVALIDNAME,
    EZFS_BADRESTORE,
    EZFS_BADBACKUP,
    EZFS_BADTARGET,
    EZFS_NODEVICE,
    EZFS_BADDEV,
    EZFS_NOREPLICAS,
    EZFS_RESILVERING,
    EZFS_BADVERSION,
    EZFS_POOLUNAVAIL,
    EZFS_DEVOVERFLOW,
    EZFS_BADPATH,
    EZFS_CROSSTARGET,
    EZFS_ZONED,
    EZFS_MOUNTFAILED,
    EZFS_UMOUNTFAILED,
    EZFS_UNSHARENFSFAILED,
    EZFS_SHARENFSFAILED,
    EZFS_PERM,
    EZFS_NOSPC,
    EZFS_FAULT,
    EZFS_IO,
    EZFS_INTR,
    EZFS_ISSPARE,
    EZFS_INVALCONFIG,
    EZFS_RECURSIVE,
    EZFS_NOHISTORY,
    EZFS_POOLPROPS,
    EZFS_POOL_NOTSUP,
    EZFS_POOL_INVALARG,
    EZFS_NAMETOOLONG,
    EZFS_OPENFAILED,
    EZFS_NOCAP,
    EZFS_LABELFAILED,
    EZFS_BADWHO,
    EZFS_BADPERM,
    EZFS_BADPERMSET,
    EZFS_NODELEGATION,
    EZFS_UNSHARESMBFAILED,
    EZFS_SHARESMBFAILED,
    EZFS_BADCACHE,
    EZFS_ISL2CACHE,
    EZFS_VDEVNOTSUP,
    EZFS_NOTSUP,
    EZFS_ACTIVE_SPARE,
    EZFS_UNPLAYED_LOGS,
    EZFS_REFTAG_RELE,
    EZFS_REFTAG_HOLD,
    EZFS_TAGTOOLONG,
    EZFS_PIPEFAILED,
    EZFS_THREADCREATEFAILED,
    EZFS_POSTSPLIT_ONLINE,
    EZFS_SCRUBBING,
    EZFS_NO_SCRUB,
    EZFS_DIFF,
    EZFS_DIFFDATA,
    EZFS_POOLREADONLY,
    EZFS_UNKNOWN
} zfs_error_t;

/*
 * libzfs_init() - a library handle (owned by the caller: libzfs_fini()).
 * NULL with errno set when ZFS is not available (here: no world, ENOENT;
 * not a world, EINVAL; or the world's ZFS is switched off, ENXIO).
 */
libzfs_handle_t *libzfs_init(void);

/* libzfs_fini() - frees the handle. Handles opened from it must be closed first. */
void libzfs_fini(libzfs_handle_t *hdl);

/* libzfs_errno() - the EZFS_* code of the last failed call on hdl. */
int libzfs_errno(libzfs_handle_t *hdl);

/* libzfs_error_description() - a static description of that failure. */
const char *libzfs_error_description(libzfs_handle_t *hdl);

/*
 * zfs_open() - a snapshot of the dataset called path, whose type must be in
 * the types bit set. Owned by the caller (zfs_close()). NULL on failure,
 * with libzfs_errno() EZFS_NOENT (no such dataset), EZFS_BADTYPE,
 * EZFS_INVALIDNAME, EZFS_IO (the read failed), EZFS_NOMEM.
 */
zfs_handle_t *zfs_open(libzfs_handle_t *hdl, const char *path, int types);

/* zfs_close() - frees the dataset handle (NULL is a no-op). */
void zfs_close(zfs_handle_t *zhp);

/* zfs_get_name() - the dataset's name, owned by the handle. */
const char *zfs_get_name(const zfs_handle_t *zhp);

/*
 * zfs_prop_get_int() - a numeric property. As on illumos, a property the
 * dataset does not have reads as 0; compressratio and refratio are in
 * hundredths (150 means 1.50x).
 */
uint64_t zfs_prop_get_int(zfs_handle_t *zhp, zfs_prop_t prop);

/*
 * zfs_prop_get_numeric() - a numeric property into *value; 0, or -1 when the
 * property is not numeric or not valid for this dataset. src and statbuf
 * may be NULL.
 */
int zfs_prop_get_numeric(zfs_handle_t *zhp, zfs_prop_t prop, uint64_t *value, zprop_source_t *src,
                         char *statbuf, size_t statlen);

/*
 * zfs_prop_get() - a property as text in propbuf (at most proplen bytes,
 * NUL-terminated): exact numbers when literal is B_TRUE, human-readable
 * ("1.50x", "10G") otherwise. 0, or -1 when the property is unknown or not
 * set. src and statbuf may be NULL.
 */
int zfs_prop_get(zfs_handle_t *zhp, zfs_prop_t prop, char *propbuf, size_t proplen,
                 zprop_source_t *src, char *statbuf, size_t statlen, boolean_t literal);

/* zpool_iter_f - called for each pool; owns zhp; non-zero stops the walk. */
typedef int (*zpool_iter_f)(zpool_handle_t *zhp, void *data);

/*
 * zpool_iter() - calls func for every imported pool, in name order. Returns
 * the first non-zero value func returned, or 0; -1 when the pool list cannot
 * be read (libzfs_errno() EZFS_IO).
 */
int zpool_iter(libzfs_handle_t *hdl, zpool_iter_f func, void *data);

/*
 * zpool_open_canfail() - a snapshot of the pool called pool, owned by the
 * caller (zpool_close()); NULL with libzfs_errno() EZFS_NOENT when there is
 * none.
 */
zpool_handle_t *zpool_open_canfail(libzfs_handle_t *hdl, const char *pool);

/* zpool_close() - frees the pool handle (NULL is a no-op). */
void zpool_close(zpool_handle_t *zhp);

/* zpool_get_name() - the pool's name, owned by the handle. */
const char *zpool_get_name(zpool_handle_t *zhp);

/* zpool_get_state() - POOL_STATE_ACTIVE for an imported pool, POOL_STATE_UNAVAIL else. */
int zpool_get_state(zpool_handle_t *zhp);

/*
 * zpool_get_prop_int() - a numeric pool property: bytes for SIZE, ALLOCATED,
 * FREE; a percentage for CAPACITY and FRAGMENTATION (UINT64_MAX, as on
 * illumos, when fragmentation is unknown); a vdev_state_t for HEALTH. src may
 * be NULL. An unknown property reads as 0.
 */
uint64_t zpool_get_prop_int(zpool_handle_t *zhp, zpool_prop_t prop, zprop_source_t *src);

/*
 * zpool_get_prop() - a pool property as text in buf (len bytes,
 * NUL-terminated): HEALTH as "ONLINE", "DEGRADED", "FAULTED", "OFFLINE",
 * "REMOVED" or "UNAVAIL"; numbers exact when literal is B_TRUE. 0 or -1.
 */
int zpool_get_prop(zpool_handle_t *zhp, zpool_prop_t prop, char *buf, size_t len,
                   zprop_source_t *srctype, boolean_t literal);

#ifdef __cplusplus
}
#endif

#endif /* CMON_LIBZFS_H */
