/*
 * inventory.h - what cmon-proxy knows of the data center: every instance
 * (VMAPI-like listing, then its change feed) and every compute node
 * (CNAPI-like), learnt from the simulated control plane over HTTP
 * (sim/cplane/API.md). A thread follows the feed; look-ups are thread-safe
 * and never do I/O: a compute node an instance names but the inventory does
 * not know is asked for by that thread, never on a request's path.
 */
#ifndef CMON_PROXY_INVENTORY_H
#define CMON_PROXY_INVENTORY_H

#include <stddef.h>

#define INV_UUID_LEN 36
#define INV_AGENT_MAX 64 /* "host:port" of a node's cmon-agent */

typedef struct inventory inventory_t;

typedef struct inventory_opts {
    const char *io_cplane;      /* base URL, e.g. "http://127.0.0.1:8080" */
    int io_wait_ms;             /* long-poll wait of /changes (default 5000) */
    int io_timeout_ms;          /* per request to the control plane (default 10000) */
    int io_cn_refresh_s;        /* re-read /servers every S seconds (default 900) */
} inventory_opts_t;

/*
 * Lists everything once (so the proxy answers from a full inventory when
 * this returns) and starts the follower thread. NULL with a message in err
 * when the control plane cannot be read.
 */
inventory_t *inventory_start(const inventory_opts_t *opts, char *err, size_t errlen);
void inventory_stop(inventory_t *inv);

/* Where a scrape of `uuid` goes, for an account (uuid) that may be an operator. */
typedef struct inv_route {
    char ir_agent[INV_AGENT_MAX]; /* "host:port" of the node's agent */
    char ir_path[64];             /* "/v1/<uuid>/metrics" or "/v1/gz/metrics" */
} inv_route_t;

/* What inventory_route() says. */
#define INV_ROUTE_OK 0
#define INV_ROUTE_NONE (-1)         /* nothing of the account's to scrape: 404 */
#define INV_ROUTE_NODE_UNKNOWN (-2) /* the account's, running, its node not known yet: 503 */

/*
 * INV_ROUTE_OK and *out filled when `uuid` is a running instance owned by
 * account_uuid on a known compute node, or a known compute node and
 * operator is non-zero. INV_ROUTE_NODE_UNKNOWN when it is a running
 * instance owned by account_uuid whose compute node the inventory does not
 * know (yet: the follower asks for it): the instance exists and is the
 * caller's, it cannot be reached now (503). INV_ROUTE_NONE otherwise
 * (unknown, not running, someone else's, a node for a non-operator: the
 * caller answers 404 for all alike, so existence is not leaked).
 */
int inventory_route(inventory_t *inv, const char *uuid, const char *account_uuid, int operator,
                    inv_route_t *out);

/*
 * Parses the `groups` query value of /v1/discover (NULL or "" = no filter):
 * comma-separated [A-Za-z0-9_-]{1,100}, at most 100, no duplicates. 0, or -1
 * with a message for a 400.
 */
typedef struct inv_groups inv_groups_t; /* opaque, from inventory_groups_parse */
int inventory_groups_parse(const char *query, inv_groups_t **out, char *err, size_t errlen);
void inventory_groups_free(inv_groups_t *g);

/*
 * The JSON body of /v1/discover for that account: {"containers":[{"groups":[..],
 * "server_uuid","vm_alias","vm_brand","vm_image_uuid","vm_uuid"},...]} with
 * its running instances (any of the groups when g is non-NULL). Malloc'd,
 * length in *len; NULL on ENOMEM.
 */
char *inventory_discover(inventory_t *inv, const char *account_uuid, const inv_groups_t *g,
                         size_t *len);

/* The JSON body of /v1/gz/discover: {"cns":[{"server_uuid","server_hostname"},...]}. */
char *inventory_discover_cns(inventory_t *inv, size_t *len);

/* Counts for the proxy's own metrics and logs. */
typedef struct inv_stats {
    size_t is_vms, is_running, is_servers;
    unsigned long long is_seq;        /* feed position applied */
    unsigned long long is_relists;    /* full listings after 410 or errors */
    double is_last_change_age_s;      /* since the last successful poll */
} inv_stats_t;
void inventory_stats(inventory_t *inv, inv_stats_t *out);

#endif
