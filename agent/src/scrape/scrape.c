/* scrape - one instance's answer from every collector. */
#include "scrape.h"
#include "monotime.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zone.h>

#include "log.h"
#include "vminfo.h"

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

/*
 * The meta block of a collector, as the original serves it (spec 2.A.3):
 * three gauges <p>_metrics_available_boolean, _cached_boolean and
 * _timer_seconds, always in that order, with these exact HELP texts, and
 * always BEFORE the collector's own metrics. The families are declared
 * first (scrape_meta_begin), the collector runs, then the three samples are
 * added (scrape_meta_end): a famset writes families in the order they first
 * appear, so the block lands ahead of the data it describes.
 */
/* The meta families of a collector named at run time: names and HELP built and copied. */
static int
scrape_meta_begin_text(famset_t *fs, const char *collector, scrape_meta_t *m)
{
    static const char *const suffix[3] = {"_metrics_available_boolean", "_metrics_cached_boolean",
                                          "_metrics_timer_seconds"};
    static const char *const help1[3] = {"Whether ", "Whether ", "How long it took to gather the "};
    static const char *const help2[3] = {" metrics were available, 0 = false, 1 = true",
                                         " metrics came from cache, 0 = false, 1 = true",
                                         " metrics"};
    char name[128], help[256];
    for (int i = 0; i < 3; i++) {
        scrape_cat(name, sizeof(name), collector, suffix[i], "");
        scrape_cat(help, sizeof(help), help1[i], collector, help2[i]);
        m->sm_fam[i] = famset_family(fs, name, help, METRIC_GAUGE);
        if (m->sm_fam[i] < 0)
            return -1;
    }
    famset_meta_timer(fs, m->sm_fam[2]);
    return 0;
}

/* scrape_meta_begin() for a collector whose meta strings are static (co_meta). */
static int
scrape_meta_begin_co(famset_t *fs, const collector_t *co, scrape_meta_t *m)
{
    if (co->co_meta[0] == NULL)
        return scrape_meta_begin_text(fs, co->co_name, m);
    for (int i = 0; i < 3; i++) {
        m->sm_fam[i] = famset_family_static(fs, co->co_meta[i], co->co_meta[3 + i], METRIC_GAUGE);
        if (m->sm_fam[i] < 0)
            return -1;
    }
    famset_meta_timer(fs, m->sm_fam[2]);
    return 0;
}

int
scrape_meta_begin(famset_t *fs, const char *collector, scrape_meta_t *m)
{
    /* An instance collector run outside the table walk (zfs) has static
     * strings of the very same text: nothing copied, and the writer finds
     * its lines rendered (metacache.h). Any other name is built. */
    for (unsigned i = 0; collectors_vm[i] != NULL; i++)
        if (strcmp(collectors_vm[i]->co_name, collector) == 0)
            return scrape_meta_begin_co(fs, collectors_vm[i], m);
    return scrape_meta_begin_text(fs, collector, m);
}

int
scrape_meta_end(famset_t *fs, const scrape_meta_t *m, int available, int cached, uint64_t ns)
{
    const mval_t v[3] = {mval_u64(available ? 1 : 0), mval_u64(cached ? 1 : 0), mval_dec(ns, 9)};
    for (int i = 0; i < 3; i++)
        if (famset_sample(fs, m->sm_fam[i], SAMPLE_PLAIN, 0, NULL, NULL, v[i]) != 0)
            return -1;
    return 0;
}

int
scrape_meta(famset_t *fs, const char *collector, int available, int cached, uint64_t ns)
{
    scrape_meta_t m;
    if (scrape_meta_begin(fs, collector, &m) != 0)
        return -1;
    return scrape_meta_end(fs, &m, available, cached, ns);
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

/*
 * Runs the collector at i: a table collector through scrape_one(), or an
 * extra one (co_collect NULL: plugins, zfs, triton_core, which live outside
 * the kstat tables) through the request's hook, so that every collector
 * lands at its place in the original's order. COLLECT_*.
 */
static int
scrape_step(const scrape_env_t *env, const scrape_extra_t *x, const collect_ctx_t *cc, unsigned i,
            famset_t *fs)
{
    const collector_t *co = env->se_collectors[i];
    if (co->co_collect == NULL) {
        if (x == NULL || x->sx_fn == NULL)
            return COLLECT_OK;
        return x->sx_fn(x->sx_ctx, co->co_name, cc->cc_zonename, fs) == 0 ? COLLECT_OK
                                                                          : COLLECT_FAILED;
    }
    scrape_meta_t m;
    if (scrape_meta_begin_co(fs, co, &m) != 0)
        return COLLECT_FAILED;
    uint64_t t0 = (uint64_t)cmon_monotime_ns();
    int cached, available;
    int crc = scrape_one(env, cc, i, fs, &cached, &available);
    if (crc == COLLECT_GONE)
        return crc;
    (void)scrape_meta_end(fs, &m, available, cached, (uint64_t)cmon_monotime_ns() - t0);
    return COLLECT_OK;
}

static int
scrape_collect(const scrape_env_t *env, const scrape_extra_t *x, const collect_ctx_t *cc,
               unsigned first, famset_t *fs)
{
    int rc = SCRAPE_OK;
    for (unsigned i = first; env->se_collectors[i] != NULL; i++) {
        int crc = scrape_step(env, x, cc, i, fs);
        if (crc == COLLECT_GONE) {
            rc = SCRAPE_NOTFOUND;
            break;
        }
        if (crc != COLLECT_OK) {
            errno = ENOMEM;
            rc = SCRAPE_ERROR;
            break;
        }
    }
    if (rc == SCRAPE_OK && famset_failed(fs)) {
        errno = ENOMEM;
        rc = SCRAPE_ERROR;
    }
    return rc;
}

/*
 * The zone's id. The global zone's is always GLOBAL_ZONEID (the agent runs in it, and
 * illumos answers so without fail), so the node's scrape goes on when the kernel cannot
 * answer (the fake kernel over a damaged world): its kstat collectors then report
 * themselves unavailable rather than the whole scrape failing.
 */
static zoneid_t
scrape_zoneid(const char *zone)
{
    return strcmp(zone, GLOBAL_ZONENAME) == 0 ? GLOBAL_ZONEID : getzoneidbyname(zone);
}

int
scrape_instance(const scrape_env_t *env, const char *zone, famset_t *fs)
{
    return scrape_instance_with(env, NULL, zone, fs);
}

int
scrape_instance_with(const scrape_env_t *env, const scrape_extra_t *x, const char *zone,
                     famset_t *fs)
{
    uint64_t t0 = (uint64_t)cmon_monotime_ns();
    size_t s0 = fs->fs_nsamples;
    zoneid_t zid = scrape_zoneid(zone);
    if (zid < 0)
        return SCRAPE_NOTFOUND;
    /* The leading placeholders (the plugins, first in the original's order)
     * read no kstat: they run before a reader is taken, so that a plugin
     * that takes its whole timeout holds no reader other scrapes wait for. */
    collect_ctx_t cc = {NULL, zone, zid, env->se_names, env->se_vminfo};
    unsigned first = 0;
    int rc = SCRAPE_OK;
    for (; rc == SCRAPE_OK && env->se_collectors[first] != NULL &&
           env->se_collectors[first]->co_collect == NULL;
         first++)
        rc = scrape_step(env, x, &cc, first, fs) == COLLECT_OK ? SCRAPE_OK : SCRAPE_ERROR;
    if (rc != SCRAPE_OK) {
        errno = ENOMEM;
        return rc;
    }
    /* The VM's record of this boot, asked of vminfod (at most once per boot)
     * now, before a reader is taken: the link collector only reads what is
     * kept, so no scrape waits on vminfod while holding a kstat handle. */
    if (env->se_vminfo != NULL)
        (void)vminfo_prepare(env->se_vminfo, zone, zid);
    cc.cc_reader = kpool_take(env->se_pool);
    if (cc.cc_reader == NULL) {
        log_msg(LOG_ERR, "cannot open kstats of world %s: %s", kreader_source(), strerror(errno));
        return SCRAPE_ERROR;
    }
    kreader_prefetch(cc.cc_reader, zid);
    if (kreader_find(cc.cc_reader, "zones", zid, NULL) == NULL)
        (void)kreader_sync(cc.cc_reader, 1); /* a zone booted since the index was built */
    rc = scrape_collect(env, x, &cc, first, fs);
    kpool_give(env->se_pool, cc.cc_reader);
    if (rc == SCRAPE_OK && scrape_zoneid(zone) != zid)
        rc = SCRAPE_NOTFOUND; /* halted or rebooted while we read */
    if (rc == SCRAPE_OK) {
        selfstats_scrape(env->se_stats, (double)((uint64_t)cmon_monotime_ns() - t0) / 1e9);
        selfstats_collectors(env->se_stats, fs, s0);
    }
    return rc;
}

/*
 * triton_core without the agent's core-zone state (src/core/tcore.c, held by
 * the gz part): a scrape built without it, as some tests build it, reports
 * the collector unavailable, as the original does for a core zone without an
 * admin IP or metric ports (reference 2.9 step 2).
 */
int
scrape_triton_core(const char *zone, famset_t *fs)
{
    uint64_t t0 = (uint64_t)cmon_monotime_ns();
    log_msg(LOG_DEBUG,
            "triton_core for core zone %s: no admin IP or metricPorts known, unavailable", zone);
    return scrape_meta(fs, "triton_core", 0, 0, (uint64_t)cmon_monotime_ns() - t0);
}
