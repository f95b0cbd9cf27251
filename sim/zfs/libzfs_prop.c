/*
 * libzfs_prop.c - dataset properties of the fake libzfs, as numbers and as
 * text, with the illumos conventions: a numeric property the dataset does
 * not have reads as 0; ratios are in hundredths.
 */
#include "libzfs_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The numeric value of prop; -1 when prop is not a numeric one here. */
static int
prop_numeric(const world_dataset_t *d, zfs_prop_t prop, uint64_t *v)
{
    switch (prop) {
    case ZFS_PROP_USED:
        *v = d->wd_used;
        break;
    case ZFS_PROP_AVAILABLE:
        *v = d->wd_available;
        break;
    case ZFS_PROP_REFERENCED:
        *v = d->wd_referenced;
        break;
    case ZFS_PROP_QUOTA:
        *v = d->wd_quota;
        break;
    case ZFS_PROP_USEDDS:
        *v = d->wd_usedbydataset;
        break;
    case ZFS_PROP_USEDSNAP:
        *v = d->wd_usedbysnapshots;
        break;
    case ZFS_PROP_LOGICALUSED:
        *v = d->wd_logicalused;
        break;
    case ZFS_PROP_LOGICALREFERENCED:
        *v = d->wd_logicalreferenced;
        break;
    case ZFS_PROP_RECORDSIZE:
        *v = d->wd_recordsize;
        break;
    case ZFS_PROP_COMPRESSRATIO:
        *v = d->wd_compressratio;
        break;
    case ZFS_PROP_REFRATIO:
        *v = d->wd_refcompressratio;
        break;
    case ZFS_PROP_CREATION:
        *v = d->wd_creation;
        break;
    case ZFS_PROP_USEDCHILD:
        *v = 0;
        break;
    case ZFS_PROP_USEDREFRESERV:
        *v = 0;
        break;
    case ZFS_PROP_RESERVATION:
        *v = 0;
        break;
    case ZFS_PROP_REFQUOTA:
        *v = 0;
        break;
    case ZFS_PROP_REFRESERVATION:
        *v = 0;
        break;
    case ZFS_PROP_MOUNTED:
        *v = 1;
        break;
    case ZFS_PROP_TYPE:
        *v = ZFS_TYPE_FILESYSTEM;
        break;
    default:
        return -1;
    }
    return 0;
}

uint64_t
zfs_prop_get_int(zfs_handle_t *zhp, zfs_prop_t prop)
{
    uint64_t v = 0;
    if (prop_numeric(&zhp->zh_ds, prop, &v) != 0)
        return 0;
    return v;
}

int
zfs_prop_get_numeric(zfs_handle_t *zhp, zfs_prop_t prop, uint64_t *value, zprop_source_t *src,
                     char *statbuf, size_t statlen)
{
    if (prop_numeric(&zhp->zh_ds, prop, value) != 0 || prop == ZFS_PROP_TYPE) {
        libzfs_fail(zhp->zh_hdl, EZFS_BADPROP);
        return -1;
    }
    if (src != NULL)
        *src = prop == ZFS_PROP_QUOTA && zhp->zh_ds.wd_quota > 0 ? ZPROP_SRC_LOCAL : ZPROP_SRC_NONE;
    if (statbuf != NULL && statlen > 0)
        statbuf[0] = '\0';
    return 0;
}

/* Human-readable bytes the way zfs(8) prints them: 1.50G, 512K, 0. */
static void
bytes_nicenum(uint64_t n, char *buf, size_t len)
{
    static const char units[] = "BKMGTPE";
    int i = 0;
    double d = (double)n;
    while (d >= 1024.0 && i < 6) {
        d /= 1024.0;
        i++;
    }
    if (i == 0)
        snprintf(buf, len, "%" PRIu64, n);
    else
        snprintf(buf, len, "%.*f%c", d < 10 ? 2 : d < 100 ? 1 : 0, d, units[i]);
}

static int
prop_text(const world_dataset_t *d, zfs_prop_t prop, char *buf, size_t len, boolean_t literal)
{
    uint64_t v;
    switch (prop) {
    case ZFS_PROP_NAME:
        snprintf(buf, len, "%s", d->wd_name);
        return 0;
    case ZFS_PROP_TYPE:
        snprintf(buf, len, "filesystem");
        return 0;
    case ZFS_PROP_MOUNTPOINT:
        snprintf(buf, len, "/%s", d->wd_name);
        return 0;
    case ZFS_PROP_MOUNTED:
        snprintf(buf, len, "yes");
        return 0;
    case ZFS_PROP_COMPRESSRATIO:
    case ZFS_PROP_REFRATIO:
        v = prop == ZFS_PROP_REFRATIO ? d->wd_refcompressratio : d->wd_compressratio;
        snprintf(buf, len, literal ? "%" PRIu64 ".%02" PRIu64 : "%" PRIu64 ".%02" PRIu64 "x",
                 v / 100, v % 100);
        return 0;
    default:
        break;
    }
    if (prop_numeric(d, prop, &v) != 0)
        return -1;
    if (prop == ZFS_PROP_QUOTA && v == 0 && !literal)
        snprintf(buf, len, "none");
    else if (literal || prop == ZFS_PROP_CREATION)
        snprintf(buf, len, "%" PRIu64, v);
    else
        bytes_nicenum(v, buf, len);
    return 0;
}

int
zfs_prop_get(zfs_handle_t *zhp, zfs_prop_t prop, char *propbuf, size_t proplen, zprop_source_t *src,
             char *statbuf, size_t statlen, boolean_t literal)
{
    if (propbuf == NULL || proplen == 0 ||
        prop_text(&zhp->zh_ds, prop, propbuf, proplen, literal) != 0) {
        libzfs_fail(zhp->zh_hdl, EZFS_BADPROP);
        return -1;
    }
    if (src != NULL)
        *src = ZPROP_SRC_NONE;
    if (statbuf != NULL && statlen > 0)
        statbuf[0] = '\0';
    return 0;
}
