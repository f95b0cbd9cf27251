/*
 * world_vm.c - the VM records of the zones (world_vm.h): parts derived from
 * the seed, parts a writer set, and the consistent copy readers take.
 *
 * The derived parts are plausible for a SmartOS compute node: a few owner
 * accounts, a role tag, and NICs on the node's networks (external, internal)
 * with addresses unique per zone. They are functions of (seed, creation
 * number), computed on every read, so they cost no memory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "world_shm.h"

#define VM_OWNERS 8 /* accounts owning the zones of a node */
#define VM_NETS_PER_TAG 4

/* Salts that give each derived part its own stream of the seed. */
#define SALT_OWNER 0x0a11ce5ULL
#define SALT_NET 0x7e7ULL
#define SALT_TAGS 0x7a65ULL
#define SALT_MAC 0x3ac0ULL

static const char *const vm_nic_tags[] = {"external", "internal"};
static const char *const vm_roles[] = {"web", "db", "cache", "worker", "build"};

/* ---- derived parts ------------------------------------------------------ */

static void
vm_default_owner(const world_t *w, uint32_t serial, char out[WORLD_VM_UUID_MAX])
{
    uint32_t n = w->w_hdr->wh_nowners;

    if (n > 0 && n <= WORLD_OWNERS_MAX) { /* a data center's accounts: world_owners_set */
        wvm_uuid_format(w->w_hdr->wh_owners[serial % n], out);
        return;
    }
    wrng_uuid(wrng_mix(w->w_hdr->wh_seed ^ SALT_OWNER), serial % VM_OWNERS, out);
}

/* Triton CMON's groups of a data center's zone (world_owners_set): "" for most. */
static const char *const vm_groups[] = {"web,prod", "db", "web", "cache,prod", "", "", ""};

/*
 * {"role":"web"} for most zones, with "env":"prod" for every third; in a data
 * center (world_owners_set) some also carry WORLD_VM_GROUPS_TAG.
 */
static void
vm_default_tags(const world_t *w, uint32_t serial, char out[WORLD_VM_JSON_MAX])
{
    uint64_t r = wrng_mix(w->w_hdr->wh_seed ^ wrng_mix(serial ^ SALT_TAGS));
    const char *role = vm_roles[r % (sizeof(vm_roles) / sizeof(vm_roles[0]))];
    const char *groups = "";
    char extra[96] = "";

    if (w->w_hdr->wh_nowners > 0)
        groups = vm_groups[(r >> 16) % (sizeof(vm_groups) / sizeof(vm_groups[0]))];
    if (groups[0] != '\0')
        snprintf(extra, sizeof(extra), "\"" WORLD_VM_GROUPS_TAG "\":\"%s\"", groups);
    if (serial % 5 == 4)
        snprintf(out, WORLD_VM_JSON_MAX, "{%s}", extra);
    else if (serial % 3 == 0)
        snprintf(out, WORLD_VM_JSON_MAX, "{\"env\":\"prod\",\"role\":\"%s\"%s%s}", role,
                 extra[0] ? "," : "", extra);
    else
        snprintf(out, WORLD_VM_JSON_MAX, "{\"role\":\"%s\"%s%s}", role, extra[0] ? "," : "", extra);
}

static void
vm_default_nic(const world_t *w, uint32_t serial, uint32_t i, world_nic_t *out)
{
    uint64_t seed = w->w_hdr->wh_seed;
    uint32_t tag = i == 0 ? 0 : 1;
    uint32_t net = (uint32_t)(wrng_mix(seed ^ wrng_mix(serial ^ SALT_NET)) % VM_NETS_PER_TAG);
    uint64_t m = wrng_mix(seed ^ wrng_mix(((uint64_t)serial << 4 | i) ^ SALT_MAC));
    uint32_t host = serial + 10; /* 10.<net>.<hi>.<lo>: unique per zone up to 2^16 zones */

    memset(out, 0, sizeof(*out));
    snprintf(out->wn_interface, sizeof(out->wn_interface), "net%u", i);
    snprintf(out->wn_nic_tag, sizeof(out->wn_nic_tag), "%s", vm_nic_tags[tag]);
    wrng_uuid(wrng_mix(seed ^ SALT_NET), tag * VM_NETS_PER_TAG + net, out->wn_network_uuid);
    snprintf(out->wn_ip, sizeof(out->wn_ip), "10.%u.%u.%u", 100 + tag * 10 + net,
             (host >> 8) & 0xff, host & 0xff);
    snprintf(out->wn_mac, sizeof(out->wn_mac), "90:b8:d0:%02x:%02x:%02x", (unsigned)(m & 0xff),
             (unsigned)((m >> 8) & 0xff), (unsigned)((m >> 16) & 0xff));
    out->wn_primary = i == 0;
}

/* ---- reading ------------------------------------------------------------ */

int
world_vm_default_nic(const world_t *w, int zix, uint32_t i, world_nic_t *out)
{
    wshm_zone_t z;

    if (zix < 0 || (uint32_t)zix >= w->w_zone_slots || i >= WORLD_NICS_MAX) {
        errno = EINVAL;
        return -1;
    }
    wread_zone_snapshot(w, zix, &z);
    if (z.wz_state == WORLD_ZONE_FREE) {
        errno = EINVAL;
        return -1;
    }
    vm_default_nic(w, z.wz_serial, i, out);
    return 0;
}

/* The set parts of slot zix for the zone of creation number serial; none (wv_parts 0)
 * without touching the record when the slot's word says nothing was set for it. */
static void
vm_read_parts(const world_t *w, int zix, uint32_t serial, wshm_vm_t *out)
{
    const wshm_vm_t *v = &w->w_vms[zix];
    uint32_t s;

    if (atomic_load_explicit(&w->w_vmset[zix], memory_order_acquire) != serial + 1) {
        out->wv_serial1 = 0;
        out->wv_parts = 0;
        return;
    }
    do {
        s = wseq_read_begin(w, &v->wv_seq);
        memcpy(out, v, sizeof(*out));
    } while (wseq_read_retry(&v->wv_seq, s));
}

static void
vm_fill_zone(const wshm_zone_t *z, world_vm_t *out)
{
    memcpy(out->wvm_uuid, z->wz_name, WORLD_NAME_MAX - 1);
    memcpy(out->wvm_alias, z->wz_alias, WORLD_NAME_MAX - 1);
    memcpy(out->wvm_brand, z->wz_brand, WORLD_BRAND_MAX - 1);
    snprintf(out->wvm_zone_state, sizeof(out->wvm_zone_state), "%s",
             z->wz_state == WORLD_ZONE_RUNNING ? "running" : "installed");
}

int
world_vm_get(const world_t *w, int zix, world_vm_t *out)
{
    wshm_zone_t z;
    wshm_vm_t v;

    if (zix < 0 || (uint32_t)zix >= w->w_zone_slots || out == NULL) {
        errno = EINVAL;
        return -1;
    }
    wread_zone_snapshot(w, zix, &z);
    if (z.wz_state == WORLD_ZONE_FREE) {
        errno = EINVAL;
        return -1;
    }
    memset(out, 0, sizeof(*out));
    vm_fill_zone(&z, out);
    vm_read_parts(w, zix, z.wz_serial, &v);
    if (v.wv_serial1 != z.wz_serial + 1)
        v.wv_parts = 0; /* set for a zone that held the slot before */
    if (v.wv_parts & WORLD_VM_OWNER)
        memcpy(out->wvm_owner_uuid, v.wv_owner, WORLD_VM_UUID_MAX - 1);
    else
        vm_default_owner(w, z.wz_serial, out->wvm_owner_uuid);
    if (v.wv_parts & WORLD_VM_TAGS)
        memcpy(out->wvm_tags, v.wv_tags, WORLD_VM_JSON_MAX - 1);
    else
        vm_default_tags(w, z.wz_serial, out->wvm_tags);
    if (v.wv_parts & WORLD_VM_METADATA)
        memcpy(out->wvm_customer_metadata, v.wv_metadata, WORLD_VM_JSON_MAX - 1);
    else
        snprintf(out->wvm_customer_metadata, WORLD_VM_JSON_MAX, "{}");
    if (v.wv_parts & WORLD_VM_NICS) {
        out->wvm_nnics = v.wv_nnics <= WORLD_NICS_MAX ? v.wv_nnics : WORLD_NICS_MAX;
        memcpy(out->wvm_nics, v.wv_nics, sizeof(v.wv_nics));
    } else {
        out->wvm_nnics = z.wz_nics <= WORLD_NICS_MAX ? z.wz_nics : WORLD_NICS_MAX;
        for (uint32_t i = 0; i < out->wvm_nnics; i++)
            vm_default_nic(w, z.wz_serial, i, &out->wvm_nics[i]);
    }
    return 0;
}

int
world_vm_parts(const world_t *w, int zix)
{
    wshm_zone_t z;
    wshm_vm_t v;

    if (zix < 0 || (uint32_t)zix >= w->w_zone_slots) {
        errno = EINVAL;
        return -1;
    }
    wread_zone_snapshot(w, zix, &z);
    if (z.wz_state == WORLD_ZONE_FREE) {
        errno = EINVAL;
        return -1;
    }
    vm_read_parts(w, zix, z.wz_serial, &v);
    return v.wv_serial1 == z.wz_serial + 1 ? (int)v.wv_parts : 0;
}

/* ---- writing ------------------------------------------------------------ */

/* The record of a used slot, for the writer, inside its bracket; NULL with errno. */
static wshm_vm_t *
vm_write_begin(world_t *w, int zix)
{
    if (w == NULL || !w->w_writer) {
        errno = EPERM;
        return NULL;
    }
    if (zix < 0 || zix >= w->w_hdr->wh_zhigh || w->w_zones[zix].wz_state == WORLD_ZONE_FREE) {
        errno = EINVAL;
        return NULL;
    }
    wshm_vm_t *v = &w->w_vms[zix];
    uint32_t serial1 = w->w_zones[zix].wz_serial + 1;

    wseq_write_begin(&v->wv_seq);
    if (v->wv_serial1 != serial1) {
        v->wv_serial1 = serial1; /* a new zone in this slot: nothing of its own set yet */
        v->wv_parts = 0;
    }
    return v;
}

/* Ends the writer's bracket: the slot's word tells readers the record is the zone's. */
static void
vm_write_end(world_t *w, int zix, wshm_vm_t *v)
{
    atomic_store_explicit(&w->w_vmset[zix], v->wv_serial1, memory_order_release);
    wseq_write_end(&v->wv_seq);
}

static int
vm_uuid_ok(const char *s)
{
    if (strlen(s) != WORLD_VM_UUID_MAX - 1)
        return 0;
    for (int i = 0; s[i]; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : strchr("0123456789abcdefABCDEF", s[i]) == NULL)
            return 0;
    }
    return 1;
}

int
world_vm_set_owner(world_t *w, int zix, const char *owner)
{
    if (owner != NULL && !vm_uuid_ok(owner)) {
        errno = EINVAL;
        return -1;
    }
    wshm_vm_t *v = vm_write_begin(w, zix);
    if (v == NULL)
        return -1;
    if (owner == NULL) {
        v->wv_parts &= ~(uint32_t)WORLD_VM_OWNER;
    } else {
        snprintf(v->wv_owner, sizeof(v->wv_owner), "%s", owner);
        v->wv_parts |= WORLD_VM_OWNER;
    }
    vm_write_end(w, zix, v);
    return 0;
}

/* Sets (or, json NULL, unsets) one JSON part kept in field of WORLD_VM_JSON_MAX bytes. */
static int
vm_set_json(world_t *w, int zix, const char *json, uint32_t part, size_t field)
{
    if (json != NULL && strlen(json) >= WORLD_VM_JSON_MAX) {
        errno = E2BIG;
        return -1;
    }
    wshm_vm_t *v = vm_write_begin(w, zix);
    if (v == NULL)
        return -1;
    if (json == NULL) {
        v->wv_parts &= ~part;
    } else {
        snprintf((char *)v + field, WORLD_VM_JSON_MAX, "%s", json);
        v->wv_parts |= part;
    }
    vm_write_end(w, zix, v);
    return 0;
}

int
world_vm_set_tags(world_t *w, int zix, const char *json)
{
    return vm_set_json(w, zix, json, WORLD_VM_TAGS, offsetof(wshm_vm_t, wv_tags));
}

int
world_vm_set_metadata(world_t *w, int zix, const char *json)
{
    return vm_set_json(w, zix, json, WORLD_VM_METADATA, offsetof(wshm_vm_t, wv_metadata));
}

/* 0 when every string of n is NUL-terminated within its field and interface is set. */
static int
vm_nic_check(const world_nic_t *n)
{
    if (memchr(n->wn_interface, '\0', sizeof(n->wn_interface)) == NULL ||
        memchr(n->wn_nic_tag, '\0', sizeof(n->wn_nic_tag)) == NULL ||
        memchr(n->wn_network_uuid, '\0', sizeof(n->wn_network_uuid)) == NULL ||
        memchr(n->wn_ip, '\0', sizeof(n->wn_ip)) == NULL ||
        memchr(n->wn_mac, '\0', sizeof(n->wn_mac)) == NULL)
        return E2BIG;
    return n->wn_interface[0] == '\0' ? EINVAL : 0;
}

int
world_vm_set_nics(world_t *w, int zix, const world_nic_t *nics, uint32_t n)
{
    int err = nics != NULL && n > WORLD_NICS_MAX ? E2BIG : 0;

    for (uint32_t i = 0; nics != NULL && err == 0 && i < n; i++)
        err = vm_nic_check(&nics[i]);
    if (err != 0) {
        errno = err;
        return -1;
    }
    wshm_vm_t *v = vm_write_begin(w, zix);
    if (v == NULL)
        return -1;
    if (nics == NULL) {
        v->wv_parts &= ~(uint32_t)WORLD_VM_NICS;
    } else {
        memset(v->wv_nics, 0, sizeof(v->wv_nics));
        memcpy(v->wv_nics, nics, n * sizeof(*nics));
        v->wv_nnics = n;
        v->wv_parts |= WORLD_VM_NICS;
    }
    vm_write_end(w, zix, v);
    return 0;
}
/* ---- a data center's accounts (world_owners_set) -------------------------- */

static int
vm_hex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The 16 bytes of a UUID text already checked by vm_uuid_ok(). */
static void
vm_uuid_parse(const char *s, uint8_t out[16])
{
    int k = 0;
    for (int i = 0; s[i] && k < 16; i++) {
        if (s[i] == '-')
            continue;
        out[k++] = (uint8_t)(vm_hex(s[i]) << 4 | vm_hex(s[i + 1]));
        i++;
    }
}

void
wvm_uuid_format(const uint8_t b[16], char out[WORLD_VM_UUID_MAX])
{
    snprintf(out, WORLD_VM_UUID_MAX,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

int
world_owners_set(world_t *w, const char *const *owners, size_t n, const char *admin)
{
    if (w == NULL || !w->w_writer) {
        errno = EPERM;
        return -1;
    }
    if (n > WORLD_OWNERS_MAX) {
        errno = E2BIG;
        return -1;
    }
    int bad = n == 0 || owners == NULL || (admin != NULL && !vm_uuid_ok(admin));
    for (size_t i = 0; !bad && i < n; i++)
        bad = owners[i] == NULL || !vm_uuid_ok(owners[i]);
    if (bad) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        vm_uuid_parse(owners[i], w->w_hdr->wh_owners[i]);
    if (admin != NULL)
        vm_uuid_parse(admin, w->w_hdr->wh_admin);
    w->w_hdr->wh_has_admin = admin != NULL;
    w->w_hdr->wh_nowners = (uint32_t)n;
    return 0;
}
