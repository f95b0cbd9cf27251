/* scrape - one instance's answer from every collector. */
#include "scrape.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <zone.h>

#include "log.h"

static double
scrape_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
scrape_meta(famset_t *fs, const char *collector, int available, int cached, double seconds)
{
    char name[128], help[192];
    snprintf(name, sizeof(name), "%s_metrics_available_boolean", collector);
    snprintf(help, sizeof(help),
             "Whether the %s metrics could be read for this answer (1) or not (0).", collector);
    famset_add(fs, name, help, METRIC_GAUGE, mval_u64(available ? 1 : 0));
    snprintf(name, sizeof(name), "%s_metrics_cached_boolean", collector);
    snprintf(help, sizeof(help), "Whether the %s metrics came from the cache (1) or not (0).",
             collector);
    famset_add(fs, name, help, METRIC_GAUGE, mval_u64(cached ? 1 : 0));
    snprintf(name, sizeof(name), "%s_metrics_timer_seconds", collector);
    snprintf(help, sizeof(help), "Time spent getting the %s metrics for this answer, in seconds.",
             collector);
    famset_add(fs, name, help, METRIC_GAUGE, mval_dbl(seconds));
    return famset_failed(fs) ? -1 : 0;
}

/*
 * Runs collector i for the zone, through the cache. Returns COLLECT_* and
 * sets *cached.
 */
static int
scrape_one(const scrape_env_t *env, const collect_ctx_t *cc, unsigned i, famset_t *frag,
           famset_t *fs, int *cached)
{
    const collector_t *co = env->se_collectors[i];
    int use_cache = env->se_cache != NULL && co->co_cacheable;
    *cached = 0;
    if (use_cache && cache_get(env->se_cache, cc->cc_zonename, cc->cc_zoneid, i, fs)) {
        selfstats_cache(env->se_stats, 1);
        *cached = 1;
        return COLLECT_OK;
    }
    if (use_cache)
        selfstats_cache(env->se_stats, 0);
    famset_reset(frag);
    int rc = co->co_collect(cc, frag);
    if (rc == COLLECT_FAILED) {
        log_msg(LOG_DEBUG, "collector %s failed for zone %s: %s", co->co_name, cc->cc_zonename,
                strerror(errno));
        return rc;
    }
    if (rc != COLLECT_OK)
        return rc;
    if (famset_merge(fs, frag) != 0)
        return COLLECT_FAILED;
    if (use_cache)
        (void)cache_put(env->se_cache, cc->cc_zonename, cc->cc_zoneid, i, frag);
    return COLLECT_OK;
}

static int
scrape_collect(const scrape_env_t *env, const collect_ctx_t *cc, famset_t *fs)
{
    famset_t frag = FAMSET_INIT;
    int rc = SCRAPE_OK;
    for (unsigned i = 0; env->se_collectors[i] != NULL; i++) {
        double t0 = scrape_now();
        int cached;
        int crc = scrape_one(env, cc, i, &frag, fs, &cached);
        if (crc == COLLECT_GONE) {
            rc = SCRAPE_NOTFOUND;
            break;
        }
        scrape_meta(fs, env->se_collectors[i]->co_name, crc == COLLECT_OK, cached,
                    scrape_now() - t0);
    }
    famset_release(&frag);
    if (rc == SCRAPE_OK && famset_failed(fs)) {
        errno = ENOMEM;
        rc = SCRAPE_ERROR;
    }
    return rc;
}

int
scrape_instance(const scrape_env_t *env, const char *zone, famset_t *fs)
{
    double t0 = scrape_now();
    zoneid_t zid = getzoneidbyname(zone);
    if (zid < 0)
        return SCRAPE_NOTFOUND;
    kreader_t *kr = kpool_take(env->se_pool);
    if (kr == NULL) {
        log_msg(LOG_ERR, "cannot open kstats: %s", strerror(errno));
        return SCRAPE_ERROR;
    }
    collect_ctx_t cc = {kr, zone, zid, env->se_names};
    int rc = scrape_collect(env, &cc, fs);
    kpool_give(env->se_pool, kr);
    if (rc == SCRAPE_OK && getzoneidbyname(zone) != zid)
        rc = SCRAPE_NOTFOUND; /* halted or rebooted while we read */
    if (rc == SCRAPE_OK)
        selfstats_scrape(env->se_stats, scrape_now() - t0);
    return rc;
}
