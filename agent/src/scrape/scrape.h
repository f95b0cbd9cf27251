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
} scrape_env_t;

#define SCRAPE_OK 0
#define SCRAPE_ERROR -1    /* no kstat handle or no memory: errno says */
#define SCRAPE_NOTFOUND -2 /* no such zone, or it changed during the scrape */

/* scrape_instance() - fills fs for zone `zone`. SCRAPE_*. */
int scrape_instance(const scrape_env_t *env, const char *zone, famset_t *fs);

/*
 * scrape_meta() - adds a collector's three meta metrics to fs (the time in
 * nanoseconds, served as seconds). 0 or -1.
 */
int scrape_meta(famset_t *fs, const char *collector, int available, int cached, uint64_t ns);

/*
 * scrape_triton_core() - adds the triton_core collector of core zone `zone`
 * to fs: its meta metrics, and no data while the world has no core zones
 * with metric ports (see scrape.c). 0 or -1.
 */
int scrape_triton_core(const char *zone, famset_t *fs);

#endif
