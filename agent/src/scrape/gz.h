/*
 * gz - the compute node's part of the agent: GET /v1/gz/metrics (the gz
 * collectors, the node's plugins and the agent's own metrics), GET
 * /v1/discover, and what every instance scrape gets on top of its kstat
 * collectors (its zfs dataset through a 300 s cache, and the vm plugins).
 */
#ifndef CMON_AGENT_GZ_H
#define CMON_AGENT_GZ_H

#include "famset.h"
#include "ntp.h"
#include "plugins.h"
#include "scrape.h"
#include "tcore.h"

#define GZ_ZFS_TTL_DEFAULT 300.0
#define GZ_PLUGIN_TTL_DEFAULT 60.0
#define GZ_DATACENTER_DEFAULT "unknown"

typedef struct gz_opts {
    double go_zfs_ttl;         /* seconds an instance's zfs answer is kept (0: not kept) */
    plugins_opts_t go_plugins; /* --plugin-dir, --plugin-timeout, --plugin-ttl */
    ntp_opts_t go_ntp;         /* --ntpq, --ntp-ttl */
    const char *go_datacenter; /* --datacenter: label of the agent's own metrics */
    const char *go_server;     /* --server-uuid (NULL: /etc/machine-id as a UUID) */
    tcore_opts_t go_core;      /* --vminfod, --admin-uuid, --core-timeout (triton_core) */
} gz_opts_t;

typedef struct gz gz_t;

/* The gz collectors, in exposition order, NULL-terminated (collectors_gz.c). */
extern const collector_t *const collectors_gz[];

/*
 * gz_new() - the gz part over the agent's scrape environment vm (its pool,
 * stats and names are shared; the gz collectors get their own cache with
 * the same TTL when vm has a cache). NULL with errno ENOMEM.
 */
gz_t *gz_new(const gz_opts_t *o, const scrape_env_t *vm, double cache_ttl);

/* gz_free() - frees it. NULL is fine. */
void gz_free(gz_t *gz);

/* gz_set_target() - the host:port discovery advertises (the listening address). */
void gz_set_target(gz_t *gz, const char *addr, unsigned port);

/*
 * gz_scrape() - the node's metrics into fs, in the original's order: gz
 * plugins, the gz collectors (each meta block before its data), then the
 * agent's own metrics. SCRAPE_OK or SCRAPE_ERROR (errno).
 */
int gz_scrape(gz_t *gz, famset_t *fs);

/*
 * gz_vm_extra() - an instance scrape's hook (scrape_extra_t) for the
 * collectors that are not kstat tables: "plugin" (the vm plugins), "zfs"
 * (meta block, then the zfs families) and "triton_core" (core zones only,
 * core_zone from x-joyent-cmon-opts). gz NULL: triton_core only. 0, or -1
 * when fs ran out of memory.
 */
int gz_vm_extra(gz_t *gz, int core_zone, const char *collector, const char *uuid, famset_t *fs);

/*
 * gz_core_check() - whether instance uuid is a core zone when its scrape
 * came without x-joyent-cmon-opts (tcore_is_core()). gz NULL: 0.
 */
int gz_core_check(gz_t *gz, const char *uuid);

/* gz_forget_vms() - drops the VM records kept for triton_core (POST /v1/refresh). */
void gz_forget_vms(gz_t *gz);

/*
 * gz_discover() - the service-discovery document of the running instances
 * (a malloc'd string and its length), from the zone list only. NULL with
 * errno set.
 */
char *gz_discover(gz_t *gz, size_t *len);

#endif
