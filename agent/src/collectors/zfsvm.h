/*
 * zfsvm - an instance's ZFS dataset metrics (zones/<uuid>) through libzfs.
 *
 * libzfs_init() opens the ZFS control device and reads the mount table: far
 * more work than the zfs_open() and property reads of one dataset. So a
 * zfsvm keeps one libzfs handle for the agent's life, opened at the first
 * collection (and again after an init failure). A handle is not meant for
 * concurrent use, so collections take a lock; they run only on a zfs cache
 * miss (--zfs-ttl), a few per second at most at 10,000 instances.
 */
#ifndef CMON_AGENT_ZFSVM_H
#define CMON_AGENT_ZFSVM_H

#include "collector.h"
#include "famset.h"

#include <stdint.h>

typedef struct zfsvm zfsvm_t;

/* zfsvm_new() - no handle open yet. NULL with errno ENOMEM. */
zfsvm_t *zfsvm_new(void);

/* zfsvm_free() - closes the handle. NULL is fine. */
void zfsvm_free(zfsvm_t *z);

/*
 * zfsvm_values_t - one dataset's properties as libzfs gave them, in the
 * order of the rows: what the zfs cache keeps per instance (88 bytes; the
 * families they make took ~480 as a famset).
 */
#define ZFSVM_NPROPS 11
typedef struct zfsvm_values {
    uint64_t zv_prop[ZFSVM_NPROPS];
} zfsvm_values_t;

/*
 * zfsvm_read() - the properties of dataset zones/<uuid> into v. 0, or -1
 * with errno: ENOENT no such dataset, EIO libzfs failed, or libzfs_init's
 * errno (ZFS not available).
 */
int zfsvm_read(zfsvm_t *z, const char *uuid, zfsvm_values_t *v);

/* zfsvm_emit() - adds the zfs_* families that v makes to fs. 0 or -1 (ENOMEM). */
int zfsvm_emit(const zfsvm_values_t *v, const char *uuid, metric_names_t names, famset_t *fs);

/*
 * zfsvm_meta_register() - adds the metadata of the zfs_* families (both
 * name sets) to mc (metacache.h). 0, or -1 with metacache_add()'s errno.
 */
struct metacache;
int zfsvm_meta_register(struct metacache *mc);

/* zfsvm_collect() - zfsvm_read() then zfsvm_emit(); 0 or -1 with either's errno. */
int zfsvm_collect(zfsvm_t *z, const char *uuid, metric_names_t names, famset_t *fs);

#endif
