/*
 * libzonecfg.c - the fake libzonecfg: zone configuration attributes over
 * the simulated world. A zone's configuration is what the world knows of
 * it while its slot is used (running or installed); SmartOS vmadm's
 * `alias` attribute is served base64-encoded, as /etc/zones/<uuid>.xml
 * holds it. See <libzonecfg.h>.
 */
#include <errno.h>
#include <libzonecfg.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "world_shm.h"

#define ZONECFG_API __attribute__((visibility("default")))
#define ZH_ATTRS_MAX 4

struct zone_dochandle {
    int zh_loaded; /* a zone's configuration is in it */
    int zh_nattrs;
    int zh_cur; /* next attribute of the walk */
    struct zone_attrtab zh_attrs[ZH_ATTRS_MAX];
};

/*
 * The world mapping of this process, shared by every handle: opening the
 * world for each zonecfg_get_handle() would cost a mapping per zone. It is
 * replaced when CMON_SIM_WORLD names another world. Handles never point
 * into it (they hold copies), so zonecfg_world_lock, held for the whole of
 * each zonecfg_get_handle() (a hash lookup and a copy), is all it takes to
 * unmap the old one safely.
 */
static world_t *zonecfg_world_map;
static pthread_mutex_t zonecfg_world_lock = PTHREAD_MUTEX_INITIALIZER;

/* The world named now, or NULL; the caller holds zonecfg_world_lock. */
static world_t *
zonecfg_world(void)
{
    const char *p = getenv(WORLD_ENV);

    if (p == NULL || *p == '\0')
        p = WORLD_DEFAULT_PATH;
    if (zonecfg_world_map == NULL || strcmp(world_path(zonecfg_world_map), p) != 0 ||
        world_damaged(zonecfg_world_map)) { /* a damaged world is mapped afresh */
        world_close(zonecfg_world_map);
        zonecfg_world_map = world_open(p, NULL, 0);
    }
    return zonecfg_world_map;
}

/* RFC 4648 base64 of s, with padding, into out (room for 4 * ceil(n / 3) + 1). */
static void
zonecfg_base64(const char *s, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), i, k = 0;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)u[i] << 16 | (unsigned)u[i + 1] << 8 | u[i + 2];
        out[k++] = tab[v >> 18];
        out[k++] = tab[(v >> 12) & 63];
        out[k++] = tab[(v >> 6) & 63];
        out[k++] = tab[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)u[i] << 16 | (i + 1 < n ? (unsigned)u[i + 1] << 8 : 0);
        out[k++] = tab[v >> 18];
        out[k++] = tab[(v >> 12) & 63];
        out[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[k++] = '=';
    }
    out[k] = '\0';
}

ZONECFG_API zone_dochandle_t
zonecfg_init_handle(void)
{
    zone_dochandle_t h = calloc(1, sizeof(*h));

    if (h == NULL)
        errno = ENOMEM;
    return h;
}

ZONECFG_API void
zonecfg_fini_handle(zone_dochandle_t handle)
{
    free(handle);
}

/* The attributes of zone z into handle. */
static void
zonecfg_fill(zone_dochandle_t handle, const wshm_zone_t *z)
{
    memset(handle, 0, sizeof(*handle));
    handle->zh_loaded = 1;
    if (z->wz_alias[0] != '\0') {
        struct zone_attrtab *a = &handle->zh_attrs[handle->zh_nattrs++];
        char alias[WORLD_NAME_MAX];
        memcpy(alias, z->wz_alias, WORLD_NAME_MAX - 1);
        alias[WORLD_NAME_MAX - 1] = '\0';
        strcpy(a->zone_attr_name, "alias");
        strcpy(a->zone_attr_type, "string");
        zonecfg_base64(alias, a->zone_attr_value); /* 88 bytes at most */
    }
}

/* zonecfg_load's world part, under world_guarded(): a copy of the zone named zk_name. */
typedef struct zonecfg_lookup {
    const char *zk_name;
    wshm_zone_t *zk_zone;
} zonecfg_lookup_t;

static int
zonecfg_copy_world(const world_t *w, void *arg)
{
    zonecfg_lookup_t *zk = arg;
    int zix = wread_zix_by_name(w, zk->zk_name);

    if (zix < 0)
        return -1;
    wread_zone_snapshot(w, zix, zk->zk_zone);
    return 0;
}

/* Loads zonename from w into handle: Z_OK or Z_NO_ZONE / Z_NOMEM (a damaged world: Z_NO_ZONE). */
static int
zonecfg_load(world_t *w, const char *zonename, zone_dochandle_t handle)
{
    zonecfg_lookup_t zk = {.zk_name = zonename};

    if (w == NULL)
        return Z_NO_ZONE;
    if ((zk.zk_zone = malloc(sizeof(*zk.zk_zone))) == NULL)
        return Z_NOMEM;
    if (world_guarded(w, zonecfg_copy_world, &zk) != 0 || zk.zk_zone->wz_state == WORLD_ZONE_FREE ||
        strncmp(zk.zk_zone->wz_name, zonename, WORLD_NAME_MAX) != 0) {
        free(zk.zk_zone); /* destroyed (and maybe reused) since the name was looked up */
        return Z_NO_ZONE;
    }
    zonecfg_fill(handle, zk.zk_zone);
    free(zk.zk_zone);
    return Z_OK;
}

ZONECFG_API int
zonecfg_get_handle(const char *zonename, zone_dochandle_t handle)
{
    int err;

    if (handle == NULL)
        return Z_BAD_HANDLE;
    if (zonename == NULL || zonename[0] == '\0' || strlen(zonename) >= WORLD_NAME_MAX)
        return Z_NO_ZONE;
    pthread_mutex_lock(&zonecfg_world_lock);
    err = zonecfg_load(zonecfg_world(), zonename, handle);
    pthread_mutex_unlock(&zonecfg_world_lock);
    return err;
}

ZONECFG_API int
zonecfg_setattrent(zone_dochandle_t handle)
{
    if (handle == NULL || !handle->zh_loaded)
        return Z_BAD_HANDLE;
    handle->zh_cur = 0;
    return Z_OK;
}

ZONECFG_API int
zonecfg_getattrent(zone_dochandle_t handle, struct zone_attrtab *tabptr)
{
    if (handle == NULL || tabptr == NULL)
        return Z_INVAL;
    if (!handle->zh_loaded)
        return Z_BAD_HANDLE;
    if (handle->zh_cur >= handle->zh_nattrs) {
        handle->zh_cur = 0;
        return Z_NO_ENTRY;
    }
    *tabptr = handle->zh_attrs[handle->zh_cur++];
    return Z_OK;
}

ZONECFG_API int
zonecfg_endattrent(zone_dochandle_t handle)
{
    if (handle == NULL || !handle->zh_loaded)
        return Z_BAD_HANDLE;
    handle->zh_cur = 0;
    return Z_OK;
}

/* 1 when attribute a matches the non-empty fields of t. */
static int
zonecfg_attr_match(const struct zone_attrtab *a, const struct zone_attrtab *t)
{
    if (t->zone_attr_name[0] != '\0' && strcmp(a->zone_attr_name, t->zone_attr_name) != 0)
        return 0;
    if (t->zone_attr_type[0] != '\0' && strcmp(a->zone_attr_type, t->zone_attr_type) != 0)
        return 0;
    return t->zone_attr_value[0] == '\0' || strcmp(a->zone_attr_value, t->zone_attr_value) == 0;
}

ZONECFG_API int
zonecfg_lookup_attr(zone_dochandle_t handle, struct zone_attrtab *tabptr)
{
    const struct zone_attrtab *found = NULL;

    if (tabptr == NULL)
        return Z_INVAL;
    if (handle == NULL || !handle->zh_loaded)
        return Z_BAD_HANDLE;
    for (int i = 0; i < handle->zh_nattrs; i++) {
        if (!zonecfg_attr_match(&handle->zh_attrs[i], tabptr))
            continue;
        if (found != NULL)
            return Z_INSUFFICIENT_SPEC;
        found = &handle->zh_attrs[i];
    }
    if (found == NULL)
        return Z_NO_RESOURCE_ID;
    *tabptr = *found;
    return Z_OK;
}

ZONECFG_API char *
zonecfg_strerror(int err)
{
    switch (err) {
    case Z_OK:
        return "No error";
    case Z_NO_ENTRY:
        return "No such entry";
    case Z_BOGUS_ZONE_NAME:
        return "Invalid zone name";
    case Z_BAD_HANDLE:
        return "Bad handle";
    case Z_NOMEM:
        return "Out of memory";
    case Z_INVAL:
        return "Invalid argument";
    case Z_TOO_BIG:
        return "Resource too big";
    case Z_MISC_FS:
        return "Miscellaneous file system error";
    case Z_NO_ZONE:
        return "No such zone configured";
    case Z_NO_RESOURCE_ID:
        return "No such resource with that id";
    case Z_SYSTEM:
        return "System error";
    case Z_INSUFFICIENT_SPEC:
        return "Insufficient specification";
    default:
        return "Unknown error";
    }
}
