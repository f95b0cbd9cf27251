/*
 * scrape - one instance's answer: every collector, its meta metrics, the
 * cache, and the zone identity checks around them.
 *
 * The zone is looked up by its full name (getzoneidbyname); collectors
 * verify the `zonename` stat of what they read, because kstat names are
 * the zonename cut to 30 characters; after collecting, the zone must still
 * have the same id, else it vanished or rebooted during the scrape and the
 * answer is "not found" rather than a mix of two zones.
 */
#ifndef CMON_AGENT_SCRAPE_H
#define CMON_AGENT_SCRAPE_H

#include "cache.h"
#include "collector.h"
#include "famset.h"
#include "kpool.h"
#include "selfstats.h"

typedef struct scrape_env {
    kpool_t *se_pool;
    cache_t *se_cache; /* NULL: caching off */
    selfstats_t *se_stats;
    metric_names_t se_names;
    const collector_t *const *se_collectors; /* NULL-terminated */
    struct vminfo *se_vminfo;                /* vminfod's NICs for link labels (vminfo.h) */
} scrape_env_t;

#define SCRAPE_OK 0
#define SCRAPE_ERROR -1    /* no kstat handle or no memory: errno says */
#define SCRAPE_NOTFOUND -2 /* no such zone, or it changed during the scrape */

/*
 * A request's hook for the collectors that are not kstat tables (plugins,
 * zfs, triton_core): the table (collectors.c) holds a placeholder with
 * co_collect NULL at their place in the order, and the scrape calls
 * sx_fn(sx_ctx, collector name, zone, fs) there; it adds the collector's
 * meta block and data. 0 or -1 (no memory).
 */
typedef struct scrape_extra {
    int (*sx_fn)(void *ctx, const char *collector, const char *zone, famset_t *fs);
    void *sx_ctx;
} scrape_extra_t;

/* scrape_instance() - fills fs for zone `zone` (placeholders skipped). SCRAPE_*. */
int scrape_instance(const scrape_env_t *env, const char *zone, famset_t *fs);

/* scrape_instance_with() - scrape_instance() calling x (NULL: none) at the placeholders. */
int scrape_instance_with(const scrape_env_t *env, const scrape_extra_t *x, const char *zone,
                         famset_t *fs);

/* The meta block of one collector: its three families, declared ahead of its data. */
typedef struct scrape_meta {
    int sm_fam[3]; /* available, cached, timer */
} scrape_meta_t;

/*
 * scrape_meta_begin() - declares collector's three meta families in fs
 * (spec 2.A.3: available, cached, timer, the original's HELP texts), so
 * that they come before whatever the collector adds next. 0 or -1.
 */
int scrape_meta_begin(famset_t *fs, const char *collector, scrape_meta_t *m);

/* scrape_meta_end() - their samples (the time in nanoseconds, served as seconds). 0 or -1. */
int scrape_meta_end(famset_t *fs, const scrape_meta_t *m, int available, int cached, uint64_t ns);

/*
 * scrape_meta() - a whole meta block at once, for a collector that adds no
 * data after it. 0 or -1.
 */
int scrape_meta(famset_t *fs, const char *collector, int available, int cached, uint64_t ns);

/*
 * scrape_triton_core() - adds the triton_core collector of core zone `zone`
 * to fs when there is no core-zone state (gz NULL; tcore.h has the real
 * one): its meta metrics, unavailable, no data. 0 or -1.
 */
int scrape_triton_core(const char *zone, famset_t *fs);

#endif
