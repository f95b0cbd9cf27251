/*
 * inv_store.h - the inventory's tables in memory (internal to inventory.c):
 * instances hashed by uuid, compute nodes, and per account the list of its
 * instances, laid out for 100,000 instances in a few megabytes.
 *
 * Layout. An instance is a fixed record (inv_vm in inv_store.c, 56 bytes)
 * in one array, found by an open-addressing hash of its 16-byte uuid. Owner,
 * server and image uuids are interned: each distinct one is stored once and
 * instances keep a 32-bit index. Brands and group sets are interned strings
 * too (a data center has a handful of each). The alias is kept already
 * spelled as a JSON string literal, so discovery copies bytes and escapes
 * nothing. Each owner heads a doubly linked list of its instances (indexes,
 * not pointers), so an account's discovery walks only its own.
 *
 * Not thread-safe: inventory.c holds its read-write lock around every call.
 * Interned tables only grow; inv_store_bloated() tells the owner when a fresh
 * listing (a new store) would reclaim them.
 *
 * Errors: functions returning int give 0, or -1 with errno ENOMEM (nothing
 * changed).
 */
#ifndef CMON_PROXY_INV_STORE_H
#define CMON_PROXY_INV_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "inventory.h"
#include "sbuf.h"

#define INV_GROUPS_MAX 100
#define INV_GROUP_LEN_MAX 100

/* One instance as read from the control plane; strings malloc'd, owned by the record
 * until inv_store_upsert() takes them. */
typedef struct inv_vmrec {
    uint8_t vr_uuid[16];
    uint8_t vr_owner[16];
    uint8_t vr_server[16];
    uint8_t vr_image[16];
    int vr_has_image;    /* image_uuid was given */
    int vr_running;      /* state is "running" */
    int vr_nat;          /* a NAT zone: not kept at all */
    char *vr_alias_json; /* the alias as a JSON string literal ("\"web-1\"") */
    char *vr_brand_json; /* the brand likewise */
    char *vr_groups;     /* valid group names joined by ',' ("" none) */
} inv_vmrec_t;

void inv_vmrec_clear(inv_vmrec_t *r);

/* One compute node as read from the control plane. */
typedef struct inv_srvrec {
    uint8_t sr_uuid[16];
    char *sr_hostname_json; /* malloc'd JSON string literal */
    char sr_agent[INV_AGENT_MAX];
} inv_srvrec_t;

void inv_srvrec_clear(inv_srvrec_t *r);

/* The parsed `groups` query of /v1/discover (inventory_groups_parse). */
struct inv_groups {
    size_t ig_n;
    char *ig_names[INV_GROUPS_MAX];
};

typedef struct inv_store inv_store_t;

inv_store_t *inv_store_new(void);
void inv_store_free(inv_store_t *st);

/* Adds or replaces the instance r names; a NAT zone is removed instead. Takes the strings
 * of r (they are NULL after, whatever the result). */
int inv_store_upsert(inv_store_t *st, inv_vmrec_t *r);

/* Forgets an instance (nothing when unknown). */
void inv_store_remove(inv_store_t *st, const uint8_t uuid[16]);

/* Adds or replaces a compute node (takes r's hostname). Marks it known and looked up. */
int inv_store_server_set(inv_store_t *st, inv_srvrec_t *r);

/* Marks every compute node unknown (before a complete /servers listing is applied). */
void inv_store_servers_forget(inv_store_t *st);

/*
 * Up to max uuids of compute nodes that instances name but the store does not
 * know, and that were not asked for in the last min_interval_s seconds (now is
 * the monotonic clock in seconds): they are marked asked now. Returns how many.
 */
size_t inv_store_servers_unknown(inv_store_t *st, double now, double min_interval_s,
                                 uint8_t (*out)[16], size_t max);

/* inventory_route() on the store: INV_ROUTE_OK and *out filled, INV_ROUTE_NODE_UNKNOWN or
 * INV_ROUTE_NONE. */
int inv_store_route(const inv_store_t *st, const uint8_t uuid[16], const uint8_t account[16],
                    int operator, inv_route_t * out);

/* Appends {"containers":[...]} for the account's running instances (any of g's groups). */
void inv_store_render(const inv_store_t *st, const uint8_t account[16], const inv_groups_t *g,
                      sbuf_t *sb);

/* Appends {"cns":[...]} with every known compute node. */
void inv_store_render_cns(const inv_store_t *st, sbuf_t *sb);

/* Counts: instances kept, of them running, known compute nodes. */
void inv_store_counts(const inv_store_t *st, size_t *vms, size_t *running, size_t *servers);

/* Non-zero when the instance is kept. */
int inv_store_has(const inv_store_t *st, const uint8_t uuid[16]);

/* Instances kept. */
size_t inv_store_live(const inv_store_t *st);

/* Non-zero when the interned tables hold far more than the instances need. */
int inv_store_bloated(const inv_store_t *st);

/* "8-4-4-4-12" lower- or upper-case hex to 16 bytes: 0, or -1 when s is not one. */
int inv_uuid_parse(const char *s, uint8_t out[16]);

/* 16 bytes to 36 lower-case characters (no NUL written). */
void inv_uuid_format(const uint8_t uuid[16], char out[INV_UUID_LEN]);

#endif /* CMON_PROXY_INV_STORE_H */
