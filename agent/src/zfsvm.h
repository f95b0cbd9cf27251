/* zfsvm - an instance's ZFS dataset metrics (zones/<uuid>) through libzfs. */
#ifndef CMON_AGENT_ZFSVM_H
#define CMON_AGENT_ZFSVM_H

#include "collector.h"
#include "famset.h"

/*
 * zfsvm_collect() - adds the zfs_* families of dataset zones/<uuid> to fs.
 * 0, or -1 with errno: ENOENT no such dataset, EIO libzfs failed, or
 * libzfs_init's errno (ZFS not available).
 */
int zfsvm_collect(const char *uuid, metric_names_t names, famset_t *fs);

#endif
