/*
 * inventory.c - the VM inventory and its change feed (cplane.h): reading a
 * node's world, comparing with the last reading, appending the differences.
 *
 * A reading runs in three steps so HTTP readers wait only for the cheap one:
 * (1) without the lock, every zone's record is read from the world and
 * hashed; a VM whose hash equals the last reading's keeps its JSON text, a
 * new or changed one gets a new text; (2) under the lock, the old and new
 * lists (both ordered by uuid) are walked together: upserts for new texts,
 * destroys for uuids gone, and the listing of every node is rebuilt; (3)
 * without the lock, the names that appeared go to the hosts-file hook.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cp_impl.h"
#include "world_vm.h"

/* ---- texts ----------------------------------------------------------------- */

cp_text_t *
cp_text_new(const char *json, size_t len)
{
    cp_text_t *t = malloc(sizeof(*t) + len + 1);
    if (t == NULL)
        return NULL;
    t->ct_refs = 1;
    t->ct_len = len;
    memcpy(t->ct_json, json, len);
    t->ct_json[len] = '\0';
    return t;
}

void
cp_text_drop(cp_text_t *t)
{
    if (t != NULL && --t->ct_refs == 0)
        free(t);
}

/* ---- one VM ---------------------------------------------------------------- */

static uint64_t
inv_fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return (h ^ 0xff) * 0x100000001b3ULL; /* a field separator */
}

/* The VM object of API.md for a world's record; NULL ENOMEM. */
static cp_text_t *
inv_vm_text(const cplane_t *cp, const cp_node_t *n, const world_vm_t *vm)
{
    char image[CPLANE_UUID_MAX];
    json_t *tags = json_loads(vm->wvm_tags, 0, NULL);

    if (tags == NULL || !json_is_object(tags)) {
        json_decref(tags);
        tags = json_object();
    }
    cplane_uuid(cp->cp_seed, "image", vm->wvm_brand, image);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "uuid", vm->wvm_uuid, "owner_uuid",
                  vm->wvm_owner_uuid, "server_uuid", n->cn_uuid, "alias", vm->wvm_alias, "brand",
                  vm->wvm_brand, "image_uuid", image, "state",
                  strcmp(vm->wvm_zone_state, "running") == 0 ? "running" : "stopped", "tags", tags);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    cp_text_t *t = s ? cp_text_new(s, strlen(s)) : NULL;
    free(s);
    json_decref(o);
    return t;
}

/* ---- reading a world (step 1) ---------------------------------------------- */

static int
inv_cmp_vm(const void *a, const void *b)
{
    return strcmp(((const cp_vm_t *)a)->cv_uuid, ((const cp_vm_t *)b)->cv_uuid);
}

static const cp_vm_t *
inv_old(const cp_node_t *n, const char *uuid)
{
    cp_vm_t key;
    if (n->cn_nvms == 0)
        return NULL;
    snprintf(key.cv_uuid, sizeof(key.cv_uuid), "%s", uuid);
    return bsearch(&key, n->cn_vms, n->cn_nvms, sizeof(key), inv_cmp_vm);
}

/*
 * A cheap look at zone zix: its uuid and a hash of what can change without
 * the record's derived parts changing (state, alias, brand, which parts a
 * writer set). -1 when the slot is free now or its name is no uuid.
 */
static int
inv_peek(const world_t *w, int zix, char uuid[CPLANE_UUID_MAX], uint64_t *hash)
{
    world_zone_info_t zi;
    char parts[16];
    if (world_zone_info(w, zix, &zi) != 0 || strlen(zi.wzi_name) >= CPLANE_UUID_MAX)
        return -1;
    memcpy(uuid, zi.wzi_name, strlen(zi.wzi_name) + 1);
    snprintf(parts, sizeof(parts), "%d", world_vm_parts(w, zix));
    uint64_t h = 0xcbf29ce484222325ULL;
    h = inv_fnv(h, zi.wzi_name);
    h = inv_fnv(h, zi.wzi_alias);
    h = inv_fnv(h, zi.wzi_brand);
    h = inv_fnv(h, zi.wzi_state == WORLD_ZONE_RUNNING ? "running" : "stopped");
    *hash = inv_fnv(h, parts);
    return 0;
}

/*
 * The node's VMs now, ordered by uuid, into *out (malloc'd): cv_fresh 1 where
 * the text is new, 0 where it is the last reading's (not yet referenced).
 * Only a zone that is new or whose peek changed has its whole record read
 * (world_vm_get copies two JSON texts and derives the NICs): a reading after
 * one zone of 10,000 changed costs a peek per zone. -1 ENOMEM, nothing kept.
 */
static int
inv_snapshot(const cplane_t *cp, const cp_node_t *n, cp_vm_t **out, size_t *nout)
{
    size_t cap = world_zone_count(n->cn_world) + 16, k = 0;
    cp_vm_t *vms = calloc(cap, sizeof(*vms));
    world_vm_t vm;
    int failed = vms == NULL;

    for (int z = world_zone_next(n->cn_world, 0); !failed && z > 0 && k < cap;
         z = world_zone_next(n->cn_world, z)) {
        cp_vm_t *v = &vms[k];
        if (inv_peek(n->cn_world, z, v->cv_uuid, &v->cv_hash) != 0)
            continue; /* gone since, or not a VM's uuid */
        const cp_vm_t *old = inv_old(n, v->cv_uuid);
        v->cv_fresh = old == NULL || old->cv_hash != v->cv_hash;
        if (!v->cv_fresh) {
            v->cv_running = old->cv_running;
            v->cv_text = old->cv_text;
        } else if (world_vm_get(n->cn_world, z, &vm) == 0 && strcmp(vm.wvm_uuid, v->cv_uuid) == 0) {
            v->cv_running = strcmp(vm.wvm_zone_state, "running") == 0;
            v->cv_text = inv_vm_text(cp, n, &vm);
            failed = v->cv_text == NULL;
        } else {
            continue; /* the slot changed hands between the peek and the read */
        }
        k += !failed;
    }
    if (failed) {
        for (size_t i = 0; vms != NULL && i < k; i++)
            if (vms[i].cv_fresh)
                cp_text_drop(vms[i].cv_text); /* ours alone: no lock needed */
        free(vms);
        errno = ENOMEM;
        return -1;
    }
    qsort(vms, k, sizeof(*vms), inv_cmp_vm);
    *out = vms;
    *nout = k;
    return 0;
}

/* ---- the feed and the listing (step 2, under cp_lock) ---------------------- */

static void
inv_feed_add(cplane_t *cp, const char *uuid, cp_text_t *text)
{
    cp_change_t *c = &cp->cp_feed[(cp->cp_head + 1) % cp->cp_feed_max];
    if (cp->cp_count == cp->cp_feed_max)
        cp_text_drop(c->ch_text); /* the oldest change goes */
    else
        cp->cp_count++;
    c->ch_seq = ++cp->cp_head;
    c->ch_destroy = text == NULL;
    snprintf(c->ch_uuid, sizeof(c->ch_uuid), "%s", uuid);
    c->ch_text = text;
    if (text != NULL)
        text->ct_refs++;
}

/* Walks old and new together: the feed gets what differs. */
static void
inv_diff(cplane_t *cp, const cp_node_t *n, const cp_vm_t *vms, size_t nvms)
{
    size_t i = 0, j = 0;
    while (i < n->cn_nvms || j < nvms) {
        int c = i == n->cn_nvms ? 1 : j == nvms ? -1 : strcmp(n->cn_vms[i].cv_uuid, vms[j].cv_uuid);
        if (c < 0) {
            inv_feed_add(cp, n->cn_vms[i++].cv_uuid, NULL);
            continue;
        }
        if (vms[j].cv_fresh)
            inv_feed_add(cp, vms[j].cv_uuid, vms[j].cv_text);
        i += c == 0;
        j++;
    }
}

static int
inv_cmp_ptr(const void *a, const void *b)
{
    return strcmp((*(const cp_vm_t *const *)a)->cv_uuid, (*(const cp_vm_t *const *)b)->cv_uuid);
}

/* The listing of every node's VMs, ordered by uuid; -1 ENOMEM (the old one stays). */
static int
inv_listing(cplane_t *cp)
{
    size_t total = 0, k = 0, running = 0;
    for (size_t i = 0; i < cp->cp_nnodes; i++)
        total += cp->cp_nodes[i].cn_nvms;
    const cp_vm_t **all = malloc((total + 1) * sizeof(*all));
    if (all == NULL)
        return -1;
    for (size_t i = 0; i < cp->cp_nnodes; i++)
        for (size_t j = 0; j < cp->cp_nodes[i].cn_nvms; j++) {
            all[k] = &cp->cp_nodes[i].cn_vms[j];
            running += all[k++]->cv_running;
        }
    qsort(all, total, sizeof(*all), inv_cmp_ptr);
    free(cp->cp_all);
    cp->cp_all = all;
    cp->cp_nall = total;
    cp->cp_nrunning = running;
    return 0;
}

static void
inv_vms_free(cp_vm_t *vms, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cp_text_drop(vms[i].cv_text);
    free(vms);
}

/* ---- the hook (step 3) ----------------------------------------------------- */

/* The uuids of vms that old lacks, to the names hook. */
static void
inv_names(cplane_t *cp, const cp_vm_t *old, size_t nold, const cp_vm_t *vms, size_t nvms)
{
    const char **names = cp->cp_names ? malloc((nvms + 1) * sizeof(*names)) : NULL;
    size_t k = 0, i = 0;
    if (names == NULL)
        return;
    for (size_t j = 0; j < nvms; j++) {
        while (i < nold && strcmp(old[i].cv_uuid, vms[j].cv_uuid) < 0)
            i++;
        if (i == nold || strcmp(old[i].cv_uuid, vms[j].cv_uuid) != 0)
            names[k++] = vms[j].cv_uuid;
    }
    if (k > 0)
        cp->cp_names(cp->cp_names_arg, names, k);
    free(names);
}

int
cp_inventory_read(cplane_t *cp, cp_node_t *n, int force)
{
    int32_t gen = world_chain_id(n->cn_world);
    cp_vm_t *vms;
    size_t nvms;

    if (!force && gen == n->cn_gen)
        return 0;
    if (inv_snapshot(cp, n, &vms, &nvms) != 0)
        return -1;
    pthread_mutex_lock(&cp->cp_lock);
    for (size_t j = 0; j < nvms; j++)
        vms[j].cv_text->ct_refs += !vms[j].cv_fresh;
    inv_diff(cp, n, vms, nvms);
    cp_vm_t *old = n->cn_vms;
    size_t nold = n->cn_nvms;
    n->cn_vms = vms;
    n->cn_nvms = nvms;
    n->cn_gen = gen;
    int rc = inv_listing(cp);
    pthread_cond_broadcast(&cp->cp_moved);
    pthread_mutex_unlock(&cp->cp_lock);
    inv_names(cp, old, nold, vms, nvms); /* old's uuids are still readable: texts aside */
    pthread_mutex_lock(&cp->cp_lock);
    inv_vms_free(old, nold);
    pthread_mutex_unlock(&cp->cp_lock);
    return rc;
}

const cp_vm_t *
cp_vm_find(const cplane_t *cp, const char *uuid)
{
    size_t lo = 0, hi = cp->cp_nall;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(cp->cp_all[mid]->cv_uuid, uuid);
        if (c == 0)
            return cp->cp_all[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void
cp_inventory_free(cplane_t *cp)
{
    for (size_t i = 0; i < cp->cp_nnodes; i++) {
        inv_vms_free(cp->cp_nodes[i].cn_vms, cp->cp_nodes[i].cn_nvms);
        cp->cp_nodes[i].cn_vms = NULL;
        cp->cp_nodes[i].cn_nvms = 0;
    }
    for (size_t i = 0; cp->cp_feed != NULL && i < cp->cp_feed_max; i++)
        cp_text_drop(cp->cp_feed[i].ch_text);
    free(cp->cp_feed);
    free(cp->cp_all);
    cp->cp_feed = NULL;
    cp->cp_all = NULL;
}
