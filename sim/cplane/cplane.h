/*
 * cplane.h - the simulated Triton control plane of `cmon-sim serve --cns`:
 * accounts (mahi-like), compute nodes (CNAPI-like), and the VM inventory with
 * its change feed (VMAPI-like), served over plain HTTP on loopback as
 * API.md says. It is the simulated platform: it opens every node's world
 * read-only (world_open) and never writes one; each node's serve stays its
 * world's only writer. The proxy learns everything from it over HTTP.
 *
 * Protocol with the worlds: a poller thread looks at every world each
 * CPLANE_POLL_MS; only when a world's kstat chain id moved (it moves on every
 * zone add, destroy, boot and halt) does it look at that world's zones again:
 * a zone whose state, alias, brand and set parts (world_vm_parts) are as at
 * the last reading keeps its record; a new or changed one has its VM record
 * read (world_vm_get). A part a writer changes in place (a tag set again) is
 * seen when the zone next changes. The differences go to the feed: "upsert" for a new or changed
 * VM, "destroy" for one that is gone. The feed is a ring of CPLANE_FEED_MAX changes; a reader
 * further behind gets 410 and lists again.
 *
 * Accounts: uuids derive from the seed and the login (stable across runs);
 * keys are ECDSA P-256, generated at start. Each account has an
 * `administrator` role with one sub-user `ops` holding a key of its own.
 *
 * Threads: cplane_start() starts the poller and the HTTP server's threads;
 * every other call is for the thread that made the control plane. The
 * hosts-file callback runs on the poller thread.
 *
 * Errors: -1 or NULL with a one-line message in err (lowercase, what failed
 * first); nothing here exits.
 */
#ifndef CMON_CPLANE_H
#define CMON_CPLANE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define CPLANE_ACCOUNTS_MAX 24     /* accounts of a data center (WORLD_OWNERS_MAX) */
#define CPLANE_LOGIN_MAX 33        /* 1..32 characters of [A-Za-z0-9_.@-], a letter first */
#define CPLANE_NODES_MAX 64        /* compute nodes (serve --cns) */
#define CPLANE_UUID_MAX 37         /* 36 characters and the NUL */
#define CPLANE_FEED_MAX 131072     /* changes the feed keeps (at least 100,000) */
#define CPLANE_POLL_MS 100         /* how often the worlds are looked at */
#define CPLANE_WAIT_MS_MAX 30000   /* the longest long poll */
#define CPLANE_PAGE_MAX 1000       /* the most VMs a page of /vms holds */
#define CPLANE_CONNECTIONS_MAX 256 /* HTTP connections served at once */

typedef struct cplane cplane_t;

/* One account: what --accounts names, and what the control plane made of it. */
typedef struct cplane_account {
    char ca_login[CPLANE_LOGIN_MAX];
    int ca_operator; /* 1: in the operators group */
    char ca_uuid[CPLANE_UUID_MAX];
    EVP_PKEY *ca_key; /* the account's key (private part included) */
    char ca_ops_uuid[CPLANE_UUID_MAX];
    EVP_PKEY *ca_ops_key; /* the key of sub-user ops, administrator role member */
} cplane_account_t;

/* One compute node: its world and its agent. */
typedef struct cplane_node_spec {
    const char *cns_world; /* the node's world path */
    const char *cns_agent; /* host:port of its cmon-agent */
} cplane_node_spec_t;

/*
 * cplane_accounts_parse() - reads "login[:operator],..." (at most
 * CPLANE_ACCOUNTS_MAX, no duplicates) into out[], uuids derived from seed;
 * keys not made yet (cplane_accounts_keys). Returns the count, or -1 with a
 * message.
 */
int cplane_accounts_parse(const char *spec, uint64_t seed, cplane_account_t *out, size_t max,
                          char *err, size_t errlen);

/* cplane_accounts_keys() - generates every account's two keys. 0, or -1 with a message. */
int cplane_accounts_keys(cplane_account_t *a, size_t n, char *err, size_t errlen);

/* cplane_accounts_free() - frees the keys of a[0..n) (the array is the caller's). */
void cplane_accounts_free(cplane_account_t *a, size_t n);

/*
 * cplane_owners() - the uuids zones are spread over, into out[] (pointers
 * into a): the accounts that are not operators, or all when there is none.
 * Returns the count. The admin account (owner of core zones) is `admin`, else the
 * first operator, else the first account: cplane_admin().
 */
size_t cplane_owners(const cplane_account_t *a, size_t n, const char **out);
const cplane_account_t *cplane_admin(const cplane_account_t *a, size_t n);

/* cplane_uuid() - a UUID (version 4 shape) derived from seed, kind and name into out. */
void cplane_uuid(uint64_t seed, const char *kind, const char *name, char out[CPLANE_UUID_MAX]);

/* cplane_server_uuid() - compute node i's uuid (its hostname is "cn<i>"). */
void cplane_server_uuid(uint64_t seed, unsigned i, char out[CPLANE_UUID_MAX]);

/*
 * cplane_new() - a control plane over the accounts (borrowed: they must
 * outlive it) and the nodes (copied), not started. NULL with a message.
 */
cplane_t *cplane_new(uint64_t seed, const cplane_account_t *accounts, size_t naccounts,
                     const cplane_node_spec_t *nodes, size_t nnodes, char *err, size_t errlen);

/*
 * The hosts-file hook: called on the poller thread with every uuid that
 * appears in the inventory (once per appearance), and once at start with
 * every VM and server uuid present. NULL: none.
 */
/*
 * cplane_set_feed_max() - keeps n changes instead of CPLANE_FEED_MAX (tests reach
 * the 410 of a short feed with it). Before cplane_start(); 0, or -1 (n 0, ENOMEM).
 */
int cplane_set_feed_max(cplane_t *cp, size_t n);

typedef void (*cplane_names_fn)(void *arg, const char *const *uuids, size_t n);
void cplane_on_names(cplane_t *cp, cplane_names_fn fn, void *arg);

/*
 * cplane_start() - opens the worlds, reads them once, listens on addr
 * ("ADDR:PORT", port 0: any free one) and starts polling. 0, or -1 with a
 * message. cplane_url() is then "http://ADDR:PORT".
 */
int cplane_start(cplane_t *cp, const char *addr, char *err, size_t errlen);
const char *cplane_url(const cplane_t *cp);

/* cplane_free() - stops serving and polling (long polls end), closes the worlds, frees. */
void cplane_free(cplane_t *cp);

#endif /* CMON_CPLANE_H */
