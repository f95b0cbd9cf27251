/* scrape - one instance's answer from every collector. */
#include "scrape.h"
#include "monotime.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zone.h>

#include "log.h"

/* Writes a, b and c one after the other into buf (cut to len). */
static void
scrape_cat(char *buf, size_t len, const char *a, const char *b, const char *c)
{
    const char *parts[] = {a, b, c};
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        size_t m = strlen(parts[i]);
        if (m > len - 1 - n)
            m = len - 1 - n;
        memcpy(buf + n, parts[i], m);
        n += m;
    }
    buf[n] = '\0';
}

/* Adds gauge <collector><suffix> with value v; HELP is help1 collector help2. */
static void
scrape_meta_one(famset_t *fs, const char *collector, const char *suffix, const char *help1,
                const char *help2, mval_t v)
{
    char name[128], help[256];
    scrape_cat(name, sizeof(name), collector, suffix, "");
    scrape_cat(help, sizeof(help), help1, collector, help2);
    famset_add(fs, name, help, METRIC_GAUGE, v);
}

int
scrape_meta(famset_t *fs, const char *collector, int available, int cached, uint64_t ns)
{
    scrape_meta_one(fs, collector, "_metrics_available_boolean", "Whether the ",
                    " metrics could be read for this answer (1) or not (0).",
                    mval_u64(available ? 1 : 0));
    scrape_meta_one(fs, collector, "_metrics_cached_boolean", "Whether the ",
                    " metrics came from the cache (1) or not (0).", mval_u64(cached ? 1 : 0));
    scrape_meta_one(fs, collector, "_metrics_timer_seconds", "Time spent getting the ",
                    " metrics for this answer, in seconds.", mval_dec(ns, 9));
    return famset_failed(fs) ? -1 : 0;
}

/*
 * Runs collector i for the zone, through the cache, adding to fs. On failure
 * nothing it added stays. Returns COLLECT_* and sets *cached.
 */
static int
scrape_run(const scrape_env_t *env, const collect_ctx_t *cc, unsigned i, famset_t *fs, int *cached)
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
    famset_mark_t mark = famset_mark(fs);
    int rc = co->co_collect(cc, fs);
    if (rc == COLLECT_OK && famset_failed(fs)) {
        rc = COLLECT_FAILED;
        errno = ENOMEM;
    }
    if (rc != COLLECT_OK) {
        int saved = errno;
        famset_truncate(fs, &mark);
        if (rc == COLLECT_FAILED)
            log_msg(LOG_DEBUG, "collector %s failed for zone %s: %s", co->co_name, cc->cc_zonename,
                    strerror(saved));
        return rc;
    }
    if (use_cache)
        (void)cache_put(env->se_cache, cc->cc_zonename, cc->cc_zoneid, i, fs, &mark);
    return COLLECT_OK;
}

/*
 * scrape_run(), and whether the collector is available: it ran and served
 * at least one sample. A collector with nothing to say (cpucap of an
 * uncapped zone: no cpucaps kstat) answers available 0, fresh or cached, as
 * Triton's cmon-agent does for its "empty OK" collectors; an empty result
 * is cached like any other, so the next answers say cached 1.
 */
static int
scrape_one(const scrape_env_t *env, const collect_ctx_t *cc, unsigned i, famset_t *fs, int *cached,
           int *available)
{
    size_t before = fs->fs_nsamples;
    int rc = scrape_run(env, cc, i, fs, cached);
    *available = rc == COLLECT_OK && fs->fs_nsamples > before;
    return rc;
}

static int
scrape_collect(const scrape_env_t *env, const collect_ctx_t *cc, famset_t *fs)
{
    int rc = SCRAPE_OK;
    for (unsigned i = 0; env->se_collectors[i] != NULL; i++) {
        uint64_t t0 = (uint64_t)cmon_monotime_ns();
        int cached, available;
        int crc = scrape_one(env, cc, i, fs, &cached, &available);
        if (crc == COLLECT_GONE) {
            rc = SCRAPE_NOTFOUND;
            break;
        }
        scrape_meta(fs, env->se_collectors[i]->co_name, available, cached,
                    (uint64_t)cmon_monotime_ns() - t0);
    }
    if (rc == SCRAPE_OK && famset_failed(fs)) {
        errno = ENOMEM;
        rc = SCRAPE_ERROR;
    }
    return rc;
}

int
scrape_instance(const scrape_env_t *env, const char *zone, famset_t *fs)
{
    uint64_t t0 = (uint64_t)cmon_monotime_ns();
    zoneid_t zid = getzoneidbyname(zone);
    if (zid < 0)
        return SCRAPE_NOTFOUND;
    kreader_t *kr = kpool_take(env->se_pool);
    if (kr == NULL) {
        log_msg(LOG_ERR, "cannot open kstats of world %s: %s", kreader_source(), strerror(errno));
        return SCRAPE_ERROR;
    }
    if (kreader_find(kr, "zones", zid, NULL) == NULL)
        (void)kreader_sync(kr, 1); /* a zone booted since the index was built */
    collect_ctx_t cc = {kr, zone, zid, env->se_names};
    int rc = scrape_collect(env, &cc, fs);
    kpool_give(env->se_pool, kr);
    if (rc == SCRAPE_OK && getzoneidbyname(zone) != zid)
        rc = SCRAPE_NOTFOUND; /* halted or rebooted while we read */
    if (rc == SCRAPE_OK)
        selfstats_scrape(env->se_stats, (double)((uint64_t)cmon_monotime_ns() - t0) / 1e9);
    return rc;
}

/*
 * The original's triton_core collector scrapes a core zone's own services:
 * the zone's admin IP (its first NIC tagged admin) and the ports of its
 * customer_metadata.metricPorts, GET http://<ip>:<port>/metrics each. The
 * simulated world has no core zones yet (no admin NICs, no metricPorts), so
 * every core zone is one without them, for which the original reports the
 * collector unavailable and serves none of its metrics (spec 2.9 step 2).
 */
int
scrape_triton_core(const char *zone, famset_t *fs)
{
    uint64_t t0 = (uint64_t)cmon_monotime_ns();
    log_msg(LOG_DEBUG,
            "triton_core for core zone %s: no admin IP or metricPorts known, unavailable", zone);
    return scrape_meta(fs, "triton_core", 0, 0, (uint64_t)cmon_monotime_ns() - t0);
}
