/*
 * cp_impl.h - what the control plane's files share (private to sim/cplane).
 *
 * One mutex (cp_lock) guards the inventory and the feed: the poller thread
 * writes them, the HTTP threads read them and wait on cp_moved (a condition
 * on the monotonic clock) for long polls. VM texts are reference-counted
 * (under cp_lock) so a VM's JSON is made once and shared by the inventory
 * and the feed.
 */
#ifndef CMON_CP_IMPL_H
#define CMON_CP_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include "cplane.h"
#include "world.h"

/* A VM's compact JSON object (API.md), shared; under cp_lock. */
typedef struct cp_text {
    unsigned ct_refs;
    size_t ct_len;
    char ct_json[];
} cp_text_t;

/* One VM of the inventory. */
typedef struct cp_vm {
    char cv_uuid[CPLANE_UUID_MAX];
    int cv_running;
    uint64_t cv_hash; /* of the zone's peek (inventory.c): equal means unchanged */
    int cv_fresh;     /* 1: its text was made at the last reading (an upsert) */
    cp_text_t *cv_text;
} cp_vm_t;

/* One node: its world and its VMs at the last reading, ordered by uuid. */
typedef struct cp_node {
    char cn_world_path[4096];
    char cn_agent[64];
    char cn_uuid[CPLANE_UUID_MAX];
    char cn_hostname[16];
    world_t *cn_world;
    int32_t cn_gen; /* the world's chain id at the last reading */
    cp_vm_t *cn_vms;
    size_t cn_nvms;
} cp_node_t;

/* One change of the feed. */
typedef struct cp_change {
    uint64_t ch_seq;
    int ch_destroy; /* 1: destroy (ch_uuid), 0: upsert (ch_text) */
    char ch_uuid[CPLANE_UUID_MAX];
    cp_text_t *ch_text;
} cp_change_t;

struct cplane {
    uint64_t cp_seed;
    const cplane_account_t *cp_accounts;
    size_t cp_naccounts;
    char *cp_account_texts[CPLANE_ACCOUNTS_MAX]; /* each one's GET /accounts/<login>, made once */
    cp_node_t cp_nodes[CPLANE_NODES_MAX];
    size_t cp_nnodes;

    pthread_mutex_t cp_lock;
    pthread_cond_t cp_moved; /* broadcast when the feed grows or on stop */
    int cp_stop;
    /* all VMs of every node, ordered by uuid (pointers into the nodes' arrays) */
    const cp_vm_t **cp_all;
    size_t cp_nall;
    size_t cp_nrunning;
    /* the feed: a ring of CPLANE_FEED_MAX; changes cp_head - cp_count + 1 .. cp_head */
    cp_change_t *cp_feed;
    size_t cp_feed_max; /* its size: CPLANE_FEED_MAX unless a test made it smaller */
    uint64_t cp_head;
    size_t cp_count;

    cplane_names_fn cp_names;
    void *cp_names_arg;
    pthread_t cp_poller;
    int cp_polling;
    struct MHD_Daemon *cp_httpd;
    char cp_url[96];
};

/* cp_text_new() - a text of len bytes (refs 1); NULL ENOMEM. cp_text_drop() under cp_lock. */
cp_text_t *cp_text_new(const char *json, size_t len);
void cp_text_drop(cp_text_t *t);

/* cp_inventory_read() - reads node n's world again when its chain id moved (or force):
 * the feed gets the differences, the listing is rebuilt. Poller thread (or before start). */
int cp_inventory_read(cplane_t *cp, cp_node_t *n, int force);

/* cp_inventory_free() - frees every node's VMs, the listing and the feed. */
void cp_inventory_free(cplane_t *cp);

/* cp_vm_find() - the VM of that uuid in the listing, or NULL. Under cp_lock. */
const cp_vm_t *cp_vm_find(const cplane_t *cp, const char *uuid);

/* cp_account_json() - account a as API.md's GET /accounts/<login>, malloc'd; NULL ENOMEM. */
char *cp_account_json(const cplane_account_t *a);

/* cp_http_start() / cp_http_stop() - the HTTP server on addr; cp_url set. */
int cp_http_start(cplane_t *cp, const char *addr, char *err, size_t errlen);
void cp_http_stop(cplane_t *cp);

#endif /* CMON_CP_IMPL_H */
