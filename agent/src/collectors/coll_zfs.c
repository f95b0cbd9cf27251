/*
 * zfs - space of an instance's dataset zones/<uuid> through libzfs
 * (zfs_open, zfs_prop_get_int). Not a kstat collector: it is run by the gz
 * part (gz.h) for every instance scrape, through its own cache, because
 * libzfs answers are slow on a real node and space changes slowly (300 s
 * TTL by default, --zfs-ttl).
 */
#include "zfsvm.h"
#include "metacache.h"

#include <errno.h>
#include <libzfs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct zfsvm {
    pthread_mutex_t zv_lock; /* covers zv_handle and every call on it */
    libzfs_handle_t *zv_handle;
};

/*
 * The rows in the order and with the HELP texts of Triton's cmon-agent (its
 * `zfs list -Hpo available,used,logicalused,recordsize,quota,compressratio,
 * refcompressratio,referenced,logicalreferenced,usedbydataset,
 * usedbysnapshots`). libzfs gives the ratios in hundredths (150 is 1.50x):
 * served as exact decimals, 1.5 and 1 as the original prints Number("1.50")
 * and Number("1.00").
 */
static const kstat_metric_t zfs_table[] = {
    {"", "available", "zfs_available", "zfs_available_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "zfs space available in bytes", "Bytes available to the dataset."},
    {"", "used", "zfs_used", "zfs_used_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "zfs space used in bytes", "Bytes used by the dataset and its descendants."},
    {"", "logicalused", "zfs_logicalused", "zfs_logicalused_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "zfs space logically used in bytes", "Bytes the dataset would use uncompressed."},
    {"", "recordsize", "zfs_recordsize", "zfs_recordsize_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "suggested zfs data block size in bytes", "Record size of the dataset, in bytes."},
    {"", "quota", "zfs_quota", "zfs_quota_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "zfs dataset quota in bytes", "Quota of the dataset in bytes (0: none)."},
    {"", "compressratio", "zfs_compressratio", "zfs_compressratio", METRIC_GAUGE, "ratio", 0.01,
     0.01, "zfs compression ratio achieved for the used property",
     "Compression ratio of the dataset (1.5 means 1.50x)."},
    {"", "refcompressratio", "zfs_refcompressratio", "zfs_refcompressratio", METRIC_GAUGE, "ratio",
     0.01, 0.01, "zfs compression ratio achieved for the referenced property",
     "Compression ratio of the data the dataset references (1.5 means 1.50x)."},
    {"", "referenced", "zfs_referenced", "zfs_referenced_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "zfs data accessible by dataset in bytes", "Bytes referenced by the dataset."},
    {"", "logicalreferenced", "zfs_logicalreferenced", "zfs_logicalreferenced_bytes", METRIC_GAUGE,
     "bytes", 1, 1, "zfs data logically accessible by dataset in bytes",
     "Bytes the dataset references, uncompressed."},
    {"", "usedbydataset", "zfs_usedbydataset", "zfs_usedbydataset_bytes", METRIC_GAUGE, "bytes", 1,
     1, "zfs data used by the dataset itself in bytes", "Bytes used by the dataset itself."},
    {"", "usedbysnapshots", "zfs_usedbysnapshots", "zfs_usedbysnapshots_bytes", METRIC_GAUGE,
     "bytes", 1, 1, "zfs data used by snapshots in bytes",
     "Bytes used by the dataset's snapshots."},
};

/* The property of each row, in the same order. */
static const zfs_prop_t zfs_props[] = {
    ZFS_PROP_AVAILABLE,  ZFS_PROP_USED,       ZFS_PROP_LOGICALUSED,
    ZFS_PROP_RECORDSIZE, ZFS_PROP_QUOTA,      ZFS_PROP_COMPRESSRATIO,
    ZFS_PROP_REFRATIO,   ZFS_PROP_REFERENCED, ZFS_PROP_LOGICALREFERENCED,
    ZFS_PROP_USEDDS,     ZFS_PROP_USEDSNAP,
};

_Static_assert(sizeof(zfs_props) / sizeof(zfs_props[0]) == sizeof(zfs_table) / sizeof(zfs_table[0]),
               "one property per row");
_Static_assert(sizeof(zfs_props) / sizeof(zfs_props[0]) == ZFSVM_NPROPS, "one value per property");

#define NROWS (sizeof(zfs_table) / sizeof(zfs_table[0]))

zfsvm_t *
zfsvm_new(void)
{
    zfsvm_t *z = calloc(1, sizeof(*z));
    if (z == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    pthread_mutex_init(&z->zv_lock, NULL);
    return z;
}

void
zfsvm_free(zfsvm_t *z)
{
    if (z == NULL)
        return;
    libzfs_fini(z->zv_handle);
    pthread_mutex_destroy(&z->zv_lock);
    free(z);
}

/* The dataset's properties into v, on the open handle g. 0 or -1 with errno. */
static int
zfsvm_dataset(libzfs_handle_t *g, const char *uuid, zfsvm_values_t *v)
{
    char ds[ZFS_MAX_DATASET_NAME_LEN];
    snprintf(ds, sizeof(ds), "zones/%s", uuid);
    zfs_handle_t *zhp = zfs_open(g, ds, ZFS_TYPE_FILESYSTEM);
    if (zhp == NULL) {
        errno = libzfs_errno(g) == EZFS_NOENT ? ENOENT : EIO;
        return -1;
    }
    for (size_t i = 0; i < NROWS; i++)
        v->zv_prop[i] = zfs_prop_get_int(zhp, zfs_props[i]);
    zfs_close(zhp);
    return 0;
}

int
zfsvm_read(zfsvm_t *z, const char *uuid, zfsvm_values_t *v)
{
    int rc = -1, saved;
    pthread_mutex_lock(&z->zv_lock);
    if (z->zv_handle == NULL)
        z->zv_handle = libzfs_init();
    if (z->zv_handle != NULL)
        rc = zfsvm_dataset(z->zv_handle, uuid, v);
    saved = errno;
    pthread_mutex_unlock(&z->zv_lock);
    errno = saved;
    return rc;
}

int
zfsvm_emit(const zfsvm_values_t *v, const char *uuid, metric_names_t names, famset_t *fs)
{
    collect_ctx_t cc = {NULL, uuid, -1, names, NULL};
    for (size_t i = 0; i < NROWS; i++)
        if (collector_emit(&cc, fs, &zfs_table[i], v->zv_prop[i], NULL, NULL) != 0)
            return -1;
    return 0;
}

int
zfsvm_meta_register(metacache_t *mc)
{
    for (size_t i = 0; i < NROWS; i++)
        if (metacache_add(mc, zfs_table[i].km_name, zfs_table[i].km_help, zfs_table[i].km_type) ||
            metacache_add(mc, zfs_table[i].km_prom, zfs_table[i].km_prom_help,
                          zfs_table[i].km_type))
            return -1;
    return 0;
}

int
zfsvm_collect(zfsvm_t *z, const char *uuid, metric_names_t names, famset_t *fs)
{
    zfsvm_values_t v;
    if (zfsvm_read(z, uuid, &v) != 0)
        return -1;
    return zfsvm_emit(&v, uuid, names, fs);
}
