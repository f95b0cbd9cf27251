/* selfstats - the agent's own metrics, lock-free. */
#include "selfstats.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SELFSTATS_CODES 600
#define SELFSTATS_ERRNOS 160

/* Upper bounds of the scrape latency histogram, in seconds. */
static const double selfstats_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                          0.01,   0.025,   0.05,   0.1,   0.25,   1.0};
#define SELFSTATS_NBOUNDS (sizeof(selfstats_bounds) / sizeof(selfstats_bounds[0]))

struct selfstats {
    _Atomic uint64_t ss_codes[SELFSTATS_CODES];
    _Atomic uint64_t ss_buckets[SELFSTATS_NBOUNDS + 1]; /* last: +Inf only */
    _Atomic uint64_t ss_sum_ns;
    _Atomic uint64_t ss_hits, ss_misses;
    _Atomic uint64_t ss_errnos[SELFSTATS_ERRNOS];
    _Atomic uint64_t ss_chain_updates;
};

selfstats_t *
selfstats_new(void)
{
    selfstats_t *st = calloc(1, sizeof(*st));
    if (st == NULL)
        errno = ENOMEM;
    return st;
}

void
selfstats_free(selfstats_t *st)
{
    free(st);
}

void
selfstats_request(selfstats_t *st, unsigned code)
{
    if (st != NULL && code < SELFSTATS_CODES)
        atomic_fetch_add_explicit(&st->ss_codes[code], 1, memory_order_relaxed);
}

void
selfstats_scrape(selfstats_t *st, double seconds)
{
    if (st == NULL)
        return;
    size_t b = 0;
    while (b < SELFSTATS_NBOUNDS && seconds > selfstats_bounds[b])
        b++;
    atomic_fetch_add_explicit(&st->ss_buckets[b], 1, memory_order_relaxed);
    uint64_t ns = seconds > 0 ? (uint64_t)(seconds * 1e9) : 0;
    atomic_fetch_add_explicit(&st->ss_sum_ns, ns, memory_order_relaxed);
}

void
selfstats_cache(selfstats_t *st, int hit)
{
    if (st != NULL)
        atomic_fetch_add_explicit(hit ? &st->ss_hits : &st->ss_misses, 1, memory_order_relaxed);
}

void
selfstats_kstat_error(selfstats_t *st, int err)
{
    if (st != NULL)
        atomic_fetch_add_explicit(&st->ss_errnos[err > 0 && err < SELFSTATS_ERRNOS ? err : 0], 1,
                                  memory_order_relaxed);
}

void
selfstats_chain_update(selfstats_t *st)
{
    if (st != NULL)
        atomic_fetch_add_explicit(&st->ss_chain_updates, 1, memory_order_relaxed);
}

static uint64_t
selfstats_load(const _Atomic uint64_t *p)
{
    return atomic_load_explicit(p, memory_order_relaxed);
}

static int
selfstats_fill_requests(const selfstats_t *st, famset_t *fs)
{
    int fam = famset_family(fs, "cmon_agent_http_requests_total",
                            "HTTP requests answered by the agent, by status code.", METRIC_COUNTER);
    for (unsigned c = 0; c < SELFSTATS_CODES && fam >= 0; c++) {
        uint64_t n = selfstats_load(&st->ss_codes[c]);
        char code[8];
        snprintf(code, sizeof(code), "%u", c);
        const char *ln = "code", *lv = code;
        if (n > 0 && famset_sample(fs, fam, SAMPLE_PLAIN, 1, &ln, &lv, mval_u64(n)) != 0)
            return -1;
    }
    return fam < 0 ? -1 : 0;
}

static int
selfstats_fill_latency(const selfstats_t *st, famset_t *fs)
{
    int fam = famset_family(fs, "cmon_agent_scrape_duration_seconds",
                            "Time to answer one instance scrape, in seconds.", METRIC_HISTOGRAM);
    if (fam < 0)
        return -1;
    uint64_t cum = 0;
    const char *ln = "le";
    for (size_t b = 0; b <= SELFSTATS_NBOUNDS; b++) {
        char le[32];
        if (b < SELFSTATS_NBOUNDS)
            snprintf(le, sizeof(le), "%g", selfstats_bounds[b]);
        else
            snprintf(le, sizeof(le), "+Inf");
        cum += selfstats_load(&st->ss_buckets[b]);
        const char *lv = le;
        famset_sample(fs, fam, SAMPLE_BUCKET, 1, &ln, &lv, mval_u64(cum));
    }
    famset_sample(fs, fam, SAMPLE_SUM, 0, NULL, NULL,
                  mval_dbl((double)selfstats_load(&st->ss_sum_ns) / 1e9));
    return famset_sample(fs, fam, SAMPLE_COUNT, 0, NULL, NULL, mval_u64(cum));
}

static int
selfstats_fill_errors(const selfstats_t *st, famset_t *fs)
{
    int fam = famset_family(fs, "cmon_agent_kstat_read_errors_total",
                            "Failed kstat reads, by errno.", METRIC_COUNTER);
    for (int e = 0; e < SELFSTATS_ERRNOS && fam >= 0; e++) {
        uint64_t n = selfstats_load(&st->ss_errnos[e]);
        if (n == 0)
            continue;
        const char *name = e > 0 ? strerrorname_np(e) : NULL;
        char num[16];
        snprintf(num, sizeof(num), "%d", e);
        const char *ln = "errno", *lv = name != NULL ? name : num;
        if (famset_sample(fs, fam, SAMPLE_PLAIN, 1, &ln, &lv, mval_u64(n)) != 0)
            return -1;
    }
    return fam < 0 ? -1 : 0;
}

int
selfstats_fill(const selfstats_t *st, famset_t *fs)
{
    if (selfstats_fill_requests(st, fs) != 0 || selfstats_fill_latency(st, fs) != 0)
        return -1;
    famset_add(fs, "cmon_agent_cache_hits_total", "Collector results served from the cache.",
               METRIC_COUNTER, mval_u64(selfstats_load(&st->ss_hits)));
    famset_add(fs, "cmon_agent_cache_misses_total",
               "Collector results read from kstats because the cache had none.", METRIC_COUNTER,
               mval_u64(selfstats_load(&st->ss_misses)));
    if (selfstats_fill_errors(st, fs) != 0)
        return -1;
    famset_add(fs, "cmon_agent_kstat_chain_updates_total",
               "kstat chain changes seen by the agent's readers (each re-indexes its chain).",
               METRIC_COUNTER, mval_u64(selfstats_load(&st->ss_chain_updates)));
    return famset_failed(fs) ? -1 : 0;
}
