/*
 * zone.c - the zone calls of illumos libc (zone_list(2), getzoneid(3C),
 * zone_getattr(2)) over the simulated world. Only running zones exist for
 * these calls, as in the kernel; a zone hidden by a vanish fault does not.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "world_shm.h"
#include "zone.h"

#define ZONE_API __attribute__((visibility("default")))

/*
 * The world mapping of this process. The zone calls take no handle, so the
 * mapping must be process-wide; it is remapped when CMON_SIM_WORLD names
 * another world, and old mappings are kept (another thread may be using
 * them). Guarded by zone_world_lock.
 */
static world_t *zone_world_map;
static pthread_mutex_t zone_world_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *
zone_world_path(void)
{
    const char *p = getenv(WORLD_ENV);

    return p != NULL && *p != '\0' ? p : WORLD_DEFAULT_PATH;
}

/* The world, or NULL with errno set (the calls then fail as for no zone). */
static world_t *
zone_world(void)
{
    world_t *w;

    pthread_mutex_lock(&zone_world_lock);
    w = zone_world_map;
    if (w == NULL || strcmp(world_path(w), zone_world_path()) != 0 || world_damaged(w)) {
        world_t *fresh = world_open(zone_world_path(), NULL, 0);
        if (fresh != NULL)
            zone_world_map = w = fresh;
        else if (w != NULL && world_damaged(w))
            w = NULL; /* mapped afresh once the file is a world again */
    }
    pthread_mutex_unlock(&zone_world_lock);
    return w;
}

/* The zone slot of a zone that exists for the zone calls, or -1. */
static int
zone_zix(const world_t *w, zoneid_t id)
{
    int zix = wread_zix_by_zoneid(w, id);

    if (zix < 0 || wread_zone_vanished(w, zix))
        return -1;
    return zix;
}

/* zone_list's arguments and result, for its guarded part. */
typedef struct zone_listing {
    zoneid_t *zl_list;
    uint_t zl_cap, zl_n;
} zone_listing_t;

static int
zone_list_world(const world_t *w, void *arg)
{
    zone_listing_t *zl = arg;
    uint32_t seq;

    do {
        seq = wseq_read_begin(w, &w->w_hdr->wh_zones_seq);
        zl->zl_n = 0;
        for (uint32_t id = 0; id <= w->w_max_zoneid; id++) {
            if (w->w_zidmap[id] == 0 || wread_zone_vanished(w, w->w_zidmap[id] - 1))
                continue;
            if (zl->zl_n < zl->zl_cap)
                zl->zl_list[zl->zl_n] = (zoneid_t)id;
            zl->zl_n++;
        }
    } while (wseq_read_retry(&w->w_hdr->wh_zones_seq, seq));
    return 0;
}

/* A damaged world (world_guarded) fails every call with EIO, a stuck one with EAGAIN. */
ZONE_API int
zone_list(zoneid_t *zonelist, uint_t *numzones)
{
    zone_listing_t zl = {.zl_list = zonelist};
    world_t *w;

    if (numzones == NULL || (zonelist == NULL && *numzones > 0)) {
        errno = EFAULT;
        return -1;
    }
    if ((w = zone_world()) == NULL)
        return -1;
    zl.zl_cap = *numzones;
    if (world_guarded(w, zone_list_world, &zl) != 0)
        return -1;
    *numzones = zl.zl_n;
    return 0;
}

ZONE_API zoneid_t
getzoneid(void)
{
    return GLOBAL_ZONEID; /* the agent runs in the global zone */
}

/* A zone looked up, for the guarded parts: by name or by id in, a copy out. */
typedef struct zone_lookup {
    const char *zk_name;
    zoneid_t zk_id;
    wshm_zone_t zk_zone;
} zone_lookup_t;

/* A copy of zone zix with its strings ended inside their buffers (a damaged world has garbage). */
static void
zone_snapshot(const world_t *w, int zix, wshm_zone_t *z)
{
    wread_zone_snapshot(w, zix, z);
    z->wz_name[WORLD_NAME_MAX - 1] = '\0';
    z->wz_brand[WORLD_BRAND_MAX - 1] = '\0';
}

static int
zone_by_name_world(const world_t *w, void *arg)
{
    zone_lookup_t *zk = arg;
    int zix = wread_zix_by_name(w, zk->zk_name);

    if (zix >= 0) {
        zone_snapshot(w, zix, &zk->zk_zone);
        if (zk->zk_zone.wz_state == WORLD_ZONE_RUNNING &&
            strcmp(zk->zk_zone.wz_name, zk->zk_name) == 0 && !wread_zone_vanished(w, zix))
            return zk->zk_zone.wz_zoneid;
    }
    errno = EINVAL;
    return -1;
}

ZONE_API zoneid_t
getzoneidbyname(const char *name)
{
    zone_lookup_t zk = {.zk_name = name};
    world_t *w;

    if (name == NULL)
        return getzoneid();
    if ((w = zone_world()) == NULL)
        return -1;
    return world_guarded(w, zone_by_name_world, &zk);
}

/* Copies the string attribute s like the kernel; returns its full size. */
static ssize_t
zone_copy_str(const char *s, void *buf, size_t bufsize)
{
    size_t size = strlen(s) + 1;

    if (buf != NULL && bufsize > 0) {
        size_t n = bufsize < size ? bufsize : size;
        memcpy(buf, s, n);
        ((char *)buf)[n - 1] = '\0';
    }
    return (ssize_t)size;
}

static int
zone_by_id_world(const world_t *w, void *arg)
{
    zone_lookup_t *zk = arg;
    int zix = zone_zix(w, zk->zk_id);

    if (zix < 0) {
        errno = EINVAL;
        return -1;
    }
    zone_snapshot(w, zix, &zk->zk_zone);
    return 0;
}

/* A consistent copy of the running zone id, or -1 with EINVAL (EIO, EAGAIN: world_guarded). */
static int
zone_get(zoneid_t id, wshm_zone_t *z)
{
    zone_lookup_t zk = {.zk_id = id};
    world_t *w = zone_world();

    if (w == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (world_guarded(w, zone_by_id_world, &zk) != 0)
        return -1;
    *z = zk.zk_zone;
    if (z->wz_state != WORLD_ZONE_RUNNING || z->wz_zoneid != id) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}
ZONE_API ssize_t
getzonenamebyid(zoneid_t id, char *buf, size_t buflen)
{
    wshm_zone_t z;

    if (zone_get(id, &z) != 0)
        return -1;
    return zone_copy_str(z.wz_name, buf, buflen);
}

ZONE_API ssize_t
zone_getattr(zoneid_t zoneid, int attr, void *buf, size_t bufsize)
{
    wshm_zone_t z;
    char root[WORLD_NAME_MAX + 16];
    zone_status_t st = ZONE_IS_RUNNING;

    if (buf == NULL && bufsize > 0) {
        errno = EFAULT;
        return -1;
    }
    if (zone_get(zoneid, &z) != 0)
        return -1;
    switch (attr) {
    case ZONE_ATTR_NAME:
        return zone_copy_str(z.wz_name, buf, bufsize);
    case ZONE_ATTR_BRAND:
        return zone_copy_str(z.wz_brand, buf, bufsize);
    case ZONE_ATTR_ROOT:
        strcpy(root, "/");
        if (zoneid != GLOBAL_ZONEID)
            strcat(strcat(strcpy(root, "/zones/"), z.wz_name), "/root/");
        return zone_copy_str(root, buf, bufsize);
    case ZONE_ATTR_STATUS:
        if (buf != NULL)
            memcpy(buf, &st, bufsize < sizeof(st) ? bufsize : sizeof(st));
        return (ssize_t)sizeof(st);
    default:
        errno = EINVAL;
        return -1;
    }
}
