/* inv_store - the inventory's tables in memory (see inv_store.h). */
#include "inv_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

/* ---- uuids ------------------------------------------------------------ */

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
inv_uuid_parse(const char *s, uint8_t out[16])
{
    size_t byte = 0;

    if (s == NULL || strlen(s) != INV_UUID_LEN)
        return -1;
    for (size_t i = 0; i < INV_UUID_LEN; i += 2) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return -1;
            i++;
        }
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[byte++] = (uint8_t)(hi << 4 | lo);
    }
    return byte == 16 ? 0 : -1;
}

void
inv_uuid_format(const uint8_t uuid[16], char out[INV_UUID_LEN])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[uuid[i] >> 4];
        out[o++] = hex[uuid[i] & 15];
    }
}

/* A uuid's hash: the control plane's uuids need not be random (v1, or derived from a
 * seed), so both halves are mixed (MurmurHash3's finaliser). */
static uint32_t
uuid_hash(const uint8_t u[16])
{
    uint64_t a, b;
    memcpy(&a, u, 8);
    memcpy(&b, u + 8, 8);
    uint64_t h = a ^ (b * 0x9e3779b97f4a7c15ULL);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return (uint32_t)h;
}

/* ---- uuidmap: uuid -> index, open addressing with linear probing ------ */

/* The map holds indexes (+1, 0 is an empty slot) of records that live elsewhere; it
 * reads their keys through key(). Deletion shifts the following run back, so no
 * tombstones: probes stay short however many instances come and go. */
typedef const uint8_t *(*uuid_key_fn)(const void *ctx, uint32_t idx);

typedef struct uuidmap {
    uint32_t *um_slots;
    uint32_t um_mask; /* slots - 1 (a power of two minus one) */
    uint32_t um_count;
} uuidmap_t;

static uint32_t
uuidmap_find(const uuidmap_t *m, const uint8_t *key, uuid_key_fn keyf, const void *ctx)
{
    if (m->um_slots == NULL)
        return NONE;
    for (uint32_t s = uuid_hash(key) & m->um_mask;; s = (s + 1) & m->um_mask) {
        uint32_t v = m->um_slots[s];
        if (v == 0)
            return NONE;
        if (memcmp(keyf(ctx, v - 1), key, 16) == 0)
            return v - 1;
    }
}

static void
uuidmap_place(uint32_t *slots, uint32_t mask, uint32_t idx, const uint8_t *key)
{
    uint32_t s = uuid_hash(key) & mask;
    while (slots[s] != 0)
        s = (s + 1) & mask;
    slots[s] = idx + 1;
}

/* Keeps the load at most one half. */
static int
uuidmap_reserve(uuidmap_t *m, uuid_key_fn keyf, const void *ctx)
{
    uint32_t nslots = m->um_slots ? m->um_mask + 1 : 0;
    if ((uint64_t)(m->um_count + 1) * 2 <= nslots)
        return 0;
    uint32_t nn = nslots ? nslots * 2 : 64;
    uint32_t *ns = calloc(nn, sizeof(*ns));
    if (ns == NULL)
        return -1;
    for (uint32_t i = 0; i < nslots; i++)
        if (m->um_slots[i] != 0)
            uuidmap_place(ns, nn - 1, m->um_slots[i] - 1, keyf(ctx, m->um_slots[i] - 1));
    free(m->um_slots);
    m->um_slots = ns;
    m->um_mask = nn - 1;
    return 0;
}

/* Adds idx (whose key is not in the map yet). */
static int
uuidmap_insert(uuidmap_t *m, uint32_t idx, uuid_key_fn keyf, const void *ctx)
{
    if (uuidmap_reserve(m, keyf, ctx) != 0)
        return -1;
    uuidmap_place(m->um_slots, m->um_mask, idx, keyf(ctx, idx));
    m->um_count++;
    return 0;
}

/* Removes the key's entry and moves back the entries of its run that may fill the hole. */
static void
uuidmap_delete(uuidmap_t *m, const uint8_t *key, uuid_key_fn keyf, const void *ctx)
{
    uint32_t idx = uuidmap_find(m, key, keyf, ctx), hole;
    if (idx == NONE)
        return;
    for (hole = uuid_hash(key) & m->um_mask; m->um_slots[hole] != idx + 1;)
        hole = (hole + 1) & m->um_mask;
    m->um_slots[hole] = 0;
    m->um_count--;
    for (uint32_t s = (hole + 1) & m->um_mask; m->um_slots[s] != 0; s = (s + 1) & m->um_mask) {
        uint32_t home = uuid_hash(keyf(ctx, m->um_slots[s] - 1)) & m->um_mask;
        /* the entry at s may move to the hole when its home is not in (hole, s] */
        int stays = hole <= s ? (home > hole && home <= s) : (home > hole || home <= s);
        if (!stays) {
            m->um_slots[hole] = m->um_slots[s];
            m->um_slots[s] = 0;
            hole = s;
        }
    }
}

/* ---- uuidtab: interned uuids (owners, servers, images) ---------------- */

typedef struct uuidtab {
    uint8_t (*ut_keys)[16];
    uint32_t ut_n, ut_cap;
    uuidmap_t ut_map;
} uuidtab_t;

static const uint8_t *
uuidtab_key(const void *ctx, uint32_t idx)
{
    return ((const uuidtab_t *)ctx)->ut_keys[idx];
}

static uint32_t
uuidtab_find(const uuidtab_t *t, const uint8_t key[16])
{
    return uuidmap_find(&t->ut_map, key, uuidtab_key, t);
}

/* The index of key, added when new; *added tells. NONE on ENOMEM. */
static uint32_t
uuidtab_intern(uuidtab_t *t, const uint8_t key[16], int *added)
{
    uint32_t idx = uuidtab_find(t, key);
    *added = 0;
    if (idx != NONE)
        return idx;
    if (t->ut_n == t->ut_cap) {
        uint32_t nc = t->ut_cap ? t->ut_cap * 2 : 16;
        void *nk = realloc(t->ut_keys, (size_t)nc * 16);
        if (nk == NULL)
            return NONE;
        t->ut_keys = nk;
        t->ut_cap = nc;
    }
    memcpy(t->ut_keys[t->ut_n], key, 16);
    if (uuidmap_insert(&t->ut_map, t->ut_n, uuidtab_key, t) != 0)
        return NONE;
    *added = 1;
    return t->ut_n++;
}

static void
uuidtab_free(uuidtab_t *t)
{
    free(t->ut_keys);
    free(t->ut_map.um_slots);
}

/* ---- strtab: interned strings (brands, group sets) -------------------- */

typedef struct strtab {
    char **st_strs;
    uint32_t st_n, st_cap;
    uint32_t *st_slots; /* index + 1, 0 empty; FNV-1a hash, linear probing, never deleted */
    uint32_t st_mask;
} strtab_t;

static uint32_t
str_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static int
strtab_grow(strtab_t *t)
{
    uint32_t nslots = t->st_slots ? t->st_mask + 1 : 0;
    if (t->st_n == t->st_cap) {
        uint32_t nc = t->st_cap ? t->st_cap * 2 : 8;
        char **ns = realloc(t->st_strs, nc * sizeof(*ns));
        if (ns == NULL)
            return -1;
        t->st_strs = ns;
        t->st_cap = nc;
    }
    if ((uint64_t)(t->st_n + 1) * 2 <= nslots)
        return 0;
    uint32_t nn = nslots ? nslots * 2 : 16;
    uint32_t *sl = calloc(nn, sizeof(*sl));
    if (sl == NULL)
        return -1;
    for (uint32_t i = 0; i < t->st_n; i++) {
        uint32_t s = str_hash(t->st_strs[i]) & (nn - 1);
        while (sl[s] != 0)
            s = (s + 1) & (nn - 1);
        sl[s] = i + 1;
    }
    free(t->st_slots);
    t->st_slots = sl;
    t->st_mask = nn - 1;
    return 0;
}

/* The index of s (copied when new); NONE on ENOMEM. */
static uint32_t
strtab_intern(strtab_t *t, const char *s)
{
    if (t->st_slots != NULL) {
        for (uint32_t i = str_hash(s) & t->st_mask; t->st_slots[i] != 0; i = (i + 1) & t->st_mask)
            if (strcmp(t->st_strs[t->st_slots[i] - 1], s) == 0)
                return t->st_slots[i] - 1;
    }
    char *copy = strdup(s);
    if (copy == NULL || strtab_grow(t) != 0) {
        free(copy);
        return NONE;
    }
    uint32_t i = str_hash(s) & t->st_mask;
    while (t->st_slots[i] != 0)
        i = (i + 1) & t->st_mask;
    t->st_strs[t->st_n] = copy;
    t->st_slots[i] = t->st_n + 1;
    return t->st_n++;
}

static void
strtab_free(strtab_t *t)
{
    for (uint32_t i = 0; i < t->st_n; i++)
        free(t->st_strs[i]);
    free(t->st_strs);
    free(t->st_slots);
}

/* ---- the store -------------------------------------------------------- */

typedef struct inv_vm {
    uint8_t v_uuid[16];
    uint32_t v_owner;  /* st_owners index */
    uint32_t v_server; /* st_servers index */
    uint32_t v_image;  /* st_images index, NONE: no image */
    uint32_t v_groups; /* st_groupsets index */
    uint32_t v_next;   /* the owner's list (or the free list), NONE ends */
    uint32_t v_prev;
    char *v_alias_json; /* NULL: a free record */
    uint16_t v_brand;   /* st_brands index */
    uint8_t v_running;
} inv_vm_t;

typedef struct owner {
    uint32_t o_head;
    uint32_t o_count;
} owner_t;

typedef struct server {
    char *s_hostname_json; /* NULL until known */
    char s_agent[INV_AGENT_MAX];
    uint8_t s_known; /* in the last /servers listing or looked up */
    uint32_t s_vms;  /* instances naming it */
    double s_asked;  /* monotonic seconds of the last look-up, 0 never */
} server_t;

struct inv_store {
    inv_vm_t *st_vms;
    uint32_t st_nvms, st_capvms; /* records used (live or free) and allocated */
    uint32_t st_free;            /* free records, linked by v_next */
    uint32_t st_live, st_running;
    uuidmap_t st_index; /* instance uuid -> st_vms index */
    uuidtab_t st_owners;
    owner_t *st_owner; /* per st_owners index */
    uint32_t st_ownercap;
    uuidtab_t st_servers;
    server_t *st_server; /* per st_servers index */
    uint32_t st_servercap;
    uuidtab_t st_images;
    strtab_t st_brands;    /* JSON literals */
    strtab_t st_groupsets; /* "a,b" (names joined) */
    strtab_t st_groupjson; /* the same set as a JSON array, same index */
};

static const uint8_t *
vm_key(const void *ctx, uint32_t idx)
{
    return ((const inv_store_t *)ctx)->st_vms[idx].v_uuid;
}

inv_store_t *
inv_store_new(void)
{
    inv_store_t *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return NULL;
    st->st_free = NONE;
    return st;
}

void
inv_store_free(inv_store_t *st)
{
    if (st == NULL)
        return;
    for (uint32_t i = 0; i < st->st_nvms; i++)
        free(st->st_vms[i].v_alias_json);
    free(st->st_vms);
    free(st->st_index.um_slots);
    uuidtab_free(&st->st_owners);
    free(st->st_owner);
    for (uint32_t i = 0; i < st->st_servers.ut_n; i++)
        free(st->st_server[i].s_hostname_json);
    uuidtab_free(&st->st_servers);
    free(st->st_server);
    uuidtab_free(&st->st_images);
    strtab_free(&st->st_brands);
    strtab_free(&st->st_groupsets);
    strtab_free(&st->st_groupjson);
    free(st);
}

void
inv_vmrec_clear(inv_vmrec_t *r)
{
    free(r->vr_alias_json);
    free(r->vr_brand_json);
    free(r->vr_groups);
    r->vr_alias_json = r->vr_brand_json = r->vr_groups = NULL;
}

void
inv_srvrec_clear(inv_srvrec_t *r)
{
    free(r->sr_hostname_json);
    r->sr_hostname_json = NULL;
}

/* Grows a parallel array (owners' or servers' records) to cover n entries. */
static int
grow_parallel(void **arr, uint32_t *cap, uint32_t n, size_t size)
{
    if (n <= *cap)
        return 0;
    uint32_t nc = *cap ? *cap : 16;
    while (nc < n)
        nc *= 2;
    void *na = realloc(*arr, (size_t)nc * size);
    if (na == NULL)
        return -1;
    memset((char *)na + (size_t)*cap * size, 0, (size_t)(nc - *cap) * size);
    *arr = na;
    *cap = nc;
    return 0;
}

static uint32_t
owner_intern(inv_store_t *st, const uint8_t uuid[16])
{
    int added;
    uint32_t idx = uuidtab_intern(&st->st_owners, uuid, &added);
    if (idx == NONE || grow_parallel((void **)&st->st_owner, &st->st_ownercap, st->st_owners.ut_n,
                                     sizeof(owner_t)) != 0)
        return NONE;
    if (added)
        st->st_owner[idx] = (owner_t){.o_head = NONE, .o_count = 0};
    return idx;
}

static uint32_t
server_intern(inv_store_t *st, const uint8_t uuid[16])
{
    int added;
    uint32_t idx = uuidtab_intern(&st->st_servers, uuid, &added);
    if (idx == NONE || grow_parallel((void **)&st->st_server, &st->st_servercap,
                                     st->st_servers.ut_n, sizeof(server_t)) != 0)
        return NONE;
    return idx; /* grow_parallel zeroes new records: unknown, never asked */
}

/* The group set's index in both tables ("" is the empty set, rendered []). */
static uint32_t
groupset_intern(inv_store_t *st, const char *names)
{
    uint32_t idx = strtab_intern(&st->st_groupsets, names);
    if (idx == NONE || idx < st->st_groupjson.st_n)
        return idx;
    sbuf_t sb = SBUF_INIT;
    sbuf_addc(&sb, '[');
    for (const char *p = names; *p;) {
        size_t n = strcspn(p, ",");
        sbuf_addf(&sb, "%s\"%.*s\"", p == names ? "" : ",", (int)n, p); /* names need no escape */
        p += n + (p[n] == ',');
    }
    sbuf_addc(&sb, ']');
    if (sbuf_failed(&sb)) {
        sbuf_release(&sb);
        return NONE;
    }
    uint32_t j = strtab_intern(&st->st_groupjson, sb.sb_buf);
    sbuf_release(&sb);
    return j == idx ? idx : NONE; /* two names for one set cannot happen: the parser dedups */
}

static void
owner_unlink(inv_store_t *st, uint32_t i)
{
    inv_vm_t *v = &st->st_vms[i];
    owner_t *o = &st->st_owner[v->v_owner];
    if (v->v_prev != NONE)
        st->st_vms[v->v_prev].v_next = v->v_next;
    else
        o->o_head = v->v_next;
    if (v->v_next != NONE)
        st->st_vms[v->v_next].v_prev = v->v_prev;
    o->o_count--;
}

static void
owner_link(inv_store_t *st, uint32_t i)
{
    inv_vm_t *v = &st->st_vms[i];
    owner_t *o = &st->st_owner[v->v_owner];
    v->v_prev = NONE;
    v->v_next = o->o_head;
    if (o->o_head != NONE)
        st->st_vms[o->o_head].v_prev = i;
    o->o_head = i;
    o->o_count++;
}

/* A record for a new instance: a free one, or one more at the end. NONE on ENOMEM. */
static uint32_t
vm_alloc(inv_store_t *st)
{
    if (st->st_free != NONE) {
        uint32_t i = st->st_free;
        st->st_free = st->st_vms[i].v_next;
        return i;
    }
    if (st->st_nvms == st->st_capvms) {
        uint32_t nc = st->st_capvms ? st->st_capvms + st->st_capvms / 2 : 256;
        inv_vm_t *nv = realloc(st->st_vms, (size_t)nc * sizeof(*nv));
        if (nv == NULL)
            return NONE;
        st->st_vms = nv;
        st->st_capvms = nc;
    }
    return st->st_nvms++;
}

void
inv_store_remove(inv_store_t *st, const uint8_t uuid[16])
{
    uint32_t i = uuidmap_find(&st->st_index, uuid, vm_key, st);
    if (i == NONE)
        return;
    inv_vm_t *v = &st->st_vms[i];
    owner_unlink(st, i);
    st->st_server[v->v_server].s_vms--;
    st->st_live--;
    st->st_running -= v->v_running;
    uuidmap_delete(&st->st_index, uuid, vm_key, st);
    free(v->v_alias_json);
    memset(v, 0, sizeof(*v));
    v->v_next = st->st_free;
    st->st_free = i;
}

/* The interned indexes of r's owner, server, image, brand and groups into v. */
static int
vm_intern_fields(inv_store_t *st, const inv_vmrec_t *r, inv_vm_t *v)
{
    int added;
    v->v_owner = owner_intern(st, r->vr_owner);
    v->v_server = server_intern(st, r->vr_server);
    v->v_image = r->vr_has_image ? uuidtab_intern(&st->st_images, r->vr_image, &added) : NONE;
    uint32_t brand = strtab_intern(&st->st_brands, r->vr_brand_json ? r->vr_brand_json : "\"\"");
    v->v_groups = groupset_intern(st, r->vr_groups ? r->vr_groups : "");
    if (v->v_owner == NONE || v->v_server == NONE || brand == NONE || v->v_groups == NONE ||
        (r->vr_has_image && v->v_image == NONE) || brand > UINT16_MAX) {
        errno = ENOMEM;
        return -1;
    }
    v->v_brand = (uint16_t)brand;
    return 0;
}

int
inv_store_upsert(inv_store_t *st, inv_vmrec_t *r)
{
    inv_vm_t fields = {0};
    int rc = -1;

    if (r->vr_nat) {
        inv_store_remove(st, r->vr_uuid);
        rc = 0;
    } else if (vm_intern_fields(st, r, &fields) == 0) {
        inv_store_remove(st, r->vr_uuid); /* a change may move it to another owner */
        uint32_t i = vm_alloc(st);
        if (i != NONE) {
            inv_vm_t *v = &st->st_vms[i];
            *v = fields;
            memcpy(v->v_uuid, r->vr_uuid, 16);
            v->v_alias_json = r->vr_alias_json ? r->vr_alias_json : strdup("\"\"");
            r->vr_alias_json = NULL;
            v->v_running = r->vr_running != 0;
            if (v->v_alias_json != NULL && uuidmap_insert(&st->st_index, i, vm_key, st) == 0) {
                owner_link(st, i);
                st->st_server[v->v_server].s_vms++;
                st->st_live++;
                st->st_running += v->v_running;
                rc = 0;
            } else {
                free(v->v_alias_json);
                memset(v, 0, sizeof(*v));
                v->v_next = st->st_free;
                st->st_free = i;
                errno = ENOMEM;
            }
        }
    }
    inv_vmrec_clear(r);
    return rc;
}

int
inv_store_server_set(inv_store_t *st, inv_srvrec_t *r)
{
    uint32_t i = server_intern(st, r->sr_uuid);
    if (i == NONE) {
        inv_srvrec_clear(r);
        errno = ENOMEM;
        return -1;
    }
    server_t *s = &st->st_server[i];
    free(s->s_hostname_json);
    s->s_hostname_json = r->sr_hostname_json;
    r->sr_hostname_json = NULL;
    memcpy(s->s_agent, r->sr_agent, sizeof(s->s_agent));
    s->s_known = s->s_hostname_json != NULL;
    return 0;
}

void
inv_store_servers_forget(inv_store_t *st)
{
    for (uint32_t i = 0; i < st->st_servers.ut_n; i++)
        st->st_server[i].s_known = 0;
}

size_t
inv_store_servers_unknown(inv_store_t *st, double now, double min_interval_s, uint8_t (*out)[16],
                          size_t max)
{
    size_t n = 0;
    for (uint32_t i = 0; i < st->st_servers.ut_n && n < max; i++) {
        server_t *s = &st->st_server[i];
        if (s->s_known || s->s_vms == 0)
            continue;
        if (s->s_asked != 0 && now - s->s_asked < min_interval_s)
            continue;
        s->s_asked = now;
        memcpy(out[n++], st->st_servers.ut_keys[i], 16);
    }
    return n;
}

static void
route_fill(inv_route_t *out, const char *agent, const char *path)
{
    snprintf(out->ir_agent, sizeof(out->ir_agent), "%s", agent);
    snprintf(out->ir_path, sizeof(out->ir_path), "%s", path);
}

int
inv_store_route(const inv_store_t *st, const uint8_t uuid[16], const uint8_t account[16],
                int operator, inv_route_t * out)
{
    char path[64], text[INV_UUID_LEN];
    uint32_t i = uuidmap_find(&st->st_index, uuid, vm_key, st);

    if (i != NONE) {
        const inv_vm_t *v = &st->st_vms[i];
        const server_t *s = &st->st_server[v->v_server];
        if (!v->v_running || memcmp(st->st_owners.ut_keys[v->v_owner], account, 16) != 0)
            return INV_ROUTE_NONE;
        if (!s->s_known)
            return INV_ROUTE_NODE_UNKNOWN;
        inv_uuid_format(uuid, text);
        snprintf(path, sizeof(path), "/v1/%.*s/metrics", INV_UUID_LEN, text);
        route_fill(out, s->s_agent, path);
        return INV_ROUTE_OK;
    }
    uint32_t c = uuidtab_find(&st->st_servers, uuid);
    if (!operator|| c == NONE || !st->st_server[c].s_known)
        return INV_ROUTE_NONE;
    route_fill(out, st->st_server[c].s_agent, "/v1/gz/metrics");
    return INV_ROUTE_OK;
}

/* Whether the group set (names joined by ',') holds one of g's names. */
static int
groupset_matches(const char *set, const inv_groups_t *g)
{
    for (const char *p = set; *p;) {
        size_t n = strcspn(p, ",");
        for (size_t k = 0; k < g->ig_n; k++)
            if (strlen(g->ig_names[k]) == n && memcmp(g->ig_names[k], p, n) == 0)
                return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

static void
render_uuid(sbuf_t *sb, const char *key, const uint8_t uuid[16])
{
    char text[INV_UUID_LEN];
    inv_uuid_format(uuid, text);
    sbuf_adds(sb, key);
    sbuf_add(sb, text, INV_UUID_LEN);
    sbuf_addc(sb, '"');
}

static void
render_vm(const inv_store_t *st, const inv_vm_t *v, sbuf_t *sb)
{
    sbuf_adds(sb, "{\"groups\":");
    sbuf_adds(sb, st->st_groupjson.st_strs[v->v_groups]);
    render_uuid(sb, ",\"server_uuid\":\"", st->st_servers.ut_keys[v->v_server]);
    sbuf_adds(sb, ",\"vm_alias\":");
    sbuf_adds(sb, v->v_alias_json);
    sbuf_adds(sb, ",\"vm_brand\":");
    sbuf_adds(sb, st->st_brands.st_strs[v->v_brand]);
    if (v->v_image != NONE)
        render_uuid(sb, ",\"vm_image_uuid\":\"", st->st_images.ut_keys[v->v_image]);
    else
        sbuf_adds(sb, ",\"vm_image_uuid\":\"\"");
    render_uuid(sb, ",\"vm_uuid\":\"", v->v_uuid);
    sbuf_addc(sb, '}');
}

void
inv_store_render(const inv_store_t *st, const uint8_t account[16], const inv_groups_t *g,
                 sbuf_t *sb)
{
    uint32_t o = uuidtab_find(&st->st_owners, account);
    uint8_t *memo = NULL; /* per group set: 0 not judged yet, 1 no, 2 yes */
    int first = 1;

    if (g != NULL && g->ig_n > 0 && o != NONE && st->st_owner[o].o_count > 0) {
        memo = calloc(st->st_groupsets.st_n ? st->st_groupsets.st_n : 1, 1);
        if (memo == NULL) {
            sb->sb_oom = 1;
            return;
        }
    }
    if (o != NONE) /* room for them all at once: no copying while the body grows */
        sbuf_grow(sb, (size_t)st->st_owner[o].o_count * 256 + 32);
    sbuf_adds(sb, "{\"containers\":[");
    for (uint32_t i = o == NONE ? NONE : st->st_owner[o].o_head; i != NONE;
         i = st->st_vms[i].v_next) {
        const inv_vm_t *v = &st->st_vms[i];
        if (!v->v_running || !st->st_server[v->v_server].s_known)
            continue; /* not advertised: a scrape of it would be a 404 */
        if (memo != NULL) {
            if (memo[v->v_groups] == 0)
                memo[v->v_groups] = 1 + groupset_matches(st->st_groupsets.st_strs[v->v_groups], g);
            if (memo[v->v_groups] == 1)
                continue;
        }
        if (!first)
            sbuf_addc(sb, ',');
        first = 0;
        render_vm(st, v, sb);
    }
    sbuf_adds(sb, "]}");
    free(memo);
}

void
inv_store_render_cns(const inv_store_t *st, sbuf_t *sb)
{
    int first = 1;
    sbuf_adds(sb, "{\"cns\":[");
    for (uint32_t i = 0; i < st->st_servers.ut_n; i++) {
        const server_t *s = &st->st_server[i];
        if (!s->s_known)
            continue;
        if (!first)
            sbuf_addc(sb, ',');
        first = 0;
        render_uuid(sb, "{\"server_uuid\":\"", st->st_servers.ut_keys[i]);
        sbuf_adds(sb, ",\"server_hostname\":");
        sbuf_adds(sb, s->s_hostname_json);
        sbuf_addc(sb, '}');
    }
    sbuf_adds(sb, "]}");
}

void
inv_store_counts(const inv_store_t *st, size_t *vms, size_t *running, size_t *servers)
{
    size_t known = 0;
    for (uint32_t i = 0; i < st->st_servers.ut_n; i++)
        known += st->st_server[i].s_known;
    *vms = st->st_live;
    *running = st->st_running;
    *servers = known;
}

int
inv_store_has(const inv_store_t *st, const uint8_t uuid[16])
{
    return uuidmap_find(&st->st_index, uuid, vm_key, st) != NONE;
}

size_t
inv_store_live(const inv_store_t *st)
{
    return st->st_live;
}

int
inv_store_bloated(const inv_store_t *st)
{
    uint64_t room = 4096 + 2 * (uint64_t)st->st_live;
    return st->st_owners.ut_n > room || st->st_images.ut_n > room || st->st_servers.ut_n > room ||
           st->st_groupsets.st_n > room || st->st_brands.st_n > 1024;
}
