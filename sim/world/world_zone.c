/*
 * world_zone.c - the writer's zone calls: add, boot, halt, reboot, destroy,
 * caps and load. Every change to what the zone calls show happens inside
 * wh_zones_seq; every change to a zone's counters inside its wz_seq.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "world_shm.h"

static const char *const world_brands[] = {"joyent", "joyent-minimal", "lx",
                                           "kvm",    "bhyve",          "liveimg"};

static int
world_writer_check(const world_t *w)
{
    if (w == NULL || !w->w_writer) {
        errno = EPERM;
        return -1;
    }
    return 0;
}

static wshm_zone_t *
world_zone_used(const world_t *w, int zix)
{
    if (zix < 0 || zix >= w->w_hdr->wh_zhigh || w->w_zones[zix].wz_state == WORLD_ZONE_FREE) {
        errno = EINVAL;
        return NULL;
    }
    return &w->w_zones[zix];
}

/* A zonename as zonecfg accepts it: [A-Za-z0-9][A-Za-z0-9_.-]*, < 64 bytes. */
static int
world_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= WORLD_NAME_MAX || !isalnum((unsigned char)s[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) == NULL)
            return 0;
    return 1;
}

static int
world_brand_ok(const char *b)
{
    for (size_t i = 0; i < sizeof(world_brands) / sizeof(world_brands[0]); i++)
        if (strcmp(b, world_brands[i]) == 0)
            return 1;
    return 0;
}

static int
world_opts_check(const world_t *w, const world_zone_opts_t *o)
{
    if (o == NULL || o->wzo_nics > WORLD_NICS_MAX ||
        (o->wzo_brand != NULL && !world_brand_ok(o->wzo_brand)) ||
        (o->wzo_name != NULL && !world_name_ok(o->wzo_name)) ||
        (o->wzo_alias != NULL && strlen(o->wzo_alias) >= WORLD_NAME_MAX)) {
        errno = EINVAL;
        return -1;
    }
    if (o->wzo_name != NULL && whash_find(w, o->wzo_name) >= 0) {
        errno = EEXIST;
        return -1;
    }
    return 0;
}

static int
world_zslot_alloc(world_t *w)
{
    wshm_hdr_t *h = w->w_hdr;
    int zix = h->wh_zfree;

    if (zix >= 0) {
        h->wh_zfree = w->w_zones[zix].wz_next_free;
        return zix;
    }
    if ((uint32_t)h->wh_zhigh >= h->wh_zone_slots) {
        errno = ENOSPC;
        return -1;
    }
    return h->wh_zhigh++;
}

/* The constants of a zone that derive from the seed: packet and I/O sizes. */
static void
world_zone_consts(const world_t *w, wshm_zone_t *z)
{
    uint64_t r = wrng_mix(w->w_hdr->wh_seed ^ wrng_mix(z->wz_serial + 0x5eed));

    z->wz_pkt_rx = 400 + (uint32_t)(r % 1100);
    z->wz_pkt_tx = 300 + (uint32_t)((r >> 16) % 1200);
    z->wz_iosize = 4096u << ((r >> 32) % 4);
}

static void
world_zone_fill(world_t *w, wshm_zone_t *z, const world_zone_opts_t *o, const char *name)
{
    uint32_t seq = atomic_load_explicit(&z->wz_seq, memory_order_relaxed);

    memset(z, 0, sizeof(*z)); /* all but the sequence, which the caller holds odd */
    atomic_store_explicit(&z->wz_seq, seq, memory_order_relaxed);
    z->wz_state = WORLD_ZONE_INSTALLED;
    z->wz_zoneid = -1;
    z->wz_serial = w->w_hdr->wh_zserial++;
    z->wz_next_free = -1;
    z->wz_nics = o->wzo_nics;
    z->wz_cpu_cap = o->wzo_cpu_cap;
    z->wz_mem_cap = o->wzo_mem_cap;
    z->wz_swap_cap = o->wzo_swap_cap;
    z->wz_quota = o->wzo_quota;
    strncpy(z->wz_name, name, WORLD_NAME_MAX - 1);
    if (o->wzo_alias != NULL)
        strncpy(z->wz_alias, o->wzo_alias, WORLD_NAME_MAX - 1);
    strncpy(z->wz_brand, o->wzo_brand ? o->wzo_brand : "joyent", WORLD_BRAND_MAX - 1);
    world_zone_consts(w, z);
}

/* A UUID not yet taken (collisions need 2^61 zones; the loop is for honesty). */
static void
world_zone_uuid(const world_t *w, char out[37])
{
    uint64_t n = w->w_hdr->wh_zserial;

    do
        wrng_uuid(w->w_hdr->wh_seed, n++, out);
    while (whash_find(w, out) >= 0);
}

int
world_zone_add(world_t *w, const world_zone_opts_t *o)
{
    char uuid[37];
    int zix;

    if (world_writer_check(w) != 0 || world_opts_check(w, o) != 0)
        return -1;
    if ((zix = world_zslot_alloc(w)) < 0)
        return -1;
    if (o->wzo_name == NULL)
        world_zone_uuid(w, uuid);
    wseq_write_begin(&w->w_hdr->wh_zones_seq);
    wseq_write_begin(&w->w_zones[zix].wz_seq);
    world_zone_fill(w, &w->w_zones[zix], o, o->wzo_name ? o->wzo_name : uuid);
    wseq_write_end(&w->w_zones[zix].wz_seq);
    whash_insert(w, zix);
    w->w_hdr->wh_nzones++;
    wseq_write_end(&w->w_hdr->wh_zones_seq);
    if (!o->wzo_halted && world_zone_boot(w, zix) != 0) {
        int saved = errno;
        world_zone_destroy(w, zix); /* nothing changed, as promised */
        errno = saved;
        return -1;
    }
    return zix;
}

/* The next free zoneid after the last one given, as the kernel hands them out. */
static int32_t
world_zoneid_alloc(world_t *w)
{
    wshm_hdr_t *h = w->w_hdr;
    int32_t id = h->wh_next_zoneid;

    for (uint32_t n = 0; n < h->wh_max_zoneid; n++) {
        if (id < 1 || (uint32_t)id > h->wh_max_zoneid)
            id = 1;
        if (w->w_zidmap[id] == 0) {
            h->wh_next_zoneid = id + 1;
            return id;
        }
        id++;
    }
    errno = ENOSPC;
    return -1;
}

static void
world_zone_reset(world_t *w, wshm_zone_t *z, int32_t zoneid)
{
    uint64_t now = atomic_load_explicit(&w->w_hdr->wh_now, memory_order_relaxed);

    wseq_write_begin(&z->wz_seq);
    memset(&z->wz_c, 0, sizeof(z->wz_c));
    z->wz_state = zoneid >= 0 ? WORLD_ZONE_RUNNING : WORLD_ZONE_INSTALLED;
    z->wz_zoneid = zoneid;
    z->wz_boot_ns = now;
    z->wz_snap_ns = now;
    z->wz_init_pid = (uint32_t)(wrng_mix(z->wz_serial ^ now) % 90000) + 1000;
    wseq_write_end(&z->wz_seq);
}

int
world_zone_boot(world_t *w, int zix)
{
    wshm_zone_t *z;
    int32_t id;

    if (world_writer_check(w) != 0 || (z = world_zone_used(w, zix)) == NULL)
        return -1;
    if (z->wz_state == WORLD_ZONE_RUNNING) {
        errno = EINVAL;
        return -1;
    }
    if ((id = zix == 0 ? 0 : world_zoneid_alloc(w)) < 0)
        return -1;
    wseq_write_begin(&w->w_hdr->wh_zones_seq);
    w->w_zidmap[id] = zix + 1;
    world_zone_reset(w, z, id);
    wseq_write_end(&w->w_hdr->wh_zones_seq);
    return wks_zone_create(w, zix);
}

int
world_zone_halt(world_t *w, int zix)
{
    wshm_zone_t *z;

    if (world_writer_check(w) != 0 || (z = world_zone_used(w, zix)) == NULL)
        return -1;
    if (zix == 0 || z->wz_state != WORLD_ZONE_RUNNING) {
        errno = EINVAL;
        return -1;
    }
    wks_zone_delete(w, zix);
    wseq_write_begin(&w->w_hdr->wh_zones_seq);
    w->w_zidmap[z->wz_zoneid] = 0;
    world_zone_reset(w, z, -1);
    wseq_write_end(&w->w_hdr->wh_zones_seq);
    return 0;
}

int
world_zone_reboot(world_t *w, int zix)
{
    if (world_zone_halt(w, zix) != 0)
        return -1;
    return world_zone_boot(w, zix);
}

int
world_zone_destroy(world_t *w, int zix)
{
    wshm_zone_t *z;

    if (world_writer_check(w) != 0 || (z = world_zone_used(w, zix)) == NULL)
        return -1;
    if (zix == 0) {
        errno = EINVAL;
        return -1;
    }
    if (z->wz_state == WORLD_ZONE_RUNNING && world_zone_halt(w, zix) != 0)
        return -1;
    wseq_write_begin(&w->w_hdr->wh_zones_seq);
    wseq_write_begin(&z->wz_seq);
    z->wz_state = WORLD_ZONE_FREE;
    z->wz_next_free = w->w_hdr->wh_zfree;
    wseq_write_end(&z->wz_seq);
    whash_remove(w, zix);
    w->w_hdr->wh_zfree = zix;
    w->w_hdr->wh_nzones--;
    wseq_write_end(&w->w_hdr->wh_zones_seq);
    return 0;
}

int
world_zone_caps_set(world_t *w, int zix, uint32_t cpu_cap, uint64_t mem_cap, uint64_t swap_cap,
                    uint64_t quota)
{
    wshm_zone_t *z;

    if (world_writer_check(w) != 0 || (z = world_zone_used(w, zix)) == NULL)
        return -1;
    wseq_write_begin(&z->wz_seq);
    z->wz_cpu_cap = cpu_cap;
    z->wz_mem_cap = mem_cap;
    z->wz_swap_cap = swap_cap;
    z->wz_quota = quota;
    wseq_write_end(&z->wz_seq);
    if (z->wz_state == WORLD_ZONE_RUNNING)
        return wks_cpucaps_sync(w, zix);
    return 0;
}

int
world_zone_load_set(world_t *w, int zix, const world_load_t *load)
{
    wshm_zone_t *z;

    if (world_writer_check(w) != 0 || (z = world_zone_used(w, zix)) == NULL)
        return -1;
    if (load == NULL || !(load->wl_cpu_user >= 0) || !(load->wl_cpu_sys >= 0) ||
        load->wl_cpu_user > 1e6 || load->wl_cpu_sys > 1e6) {
        errno = EINVAL;
        return -1;
    }
    wseq_write_begin(&z->wz_seq);
    z->wz_load = *load;
    wseq_write_end(&z->wz_seq);
    return 0;
}
