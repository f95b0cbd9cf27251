/* selfstats - the agent's own metrics, lock-free. */
#include "selfstats.h"
#include "selfhist.h"

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
    selfhist_t ss_http;  /* key: route, method, user_agent, status_code */
    selfhist_t ss_coll;  /* key: collector */
    selfhist_t ss_total; /* one series, key "" */
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

/* ---- the original's own metrics (reference 3.7) ----------------------- */

#define SELF_TIMER_SUFFIX "_metrics_timer_seconds"
#define SELF_UA_MAX 64

/*
 * The method as a label value: the standard ones verbatim, anything else
 * "other" (a client sending a new word each time must not fill the table).
 */
static const char *
self_method(const char *method)
{
    static const char *const known[] = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"};
    for (size_t i = 0; method != NULL && i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(method, known[i]) == 0)
            return known[i];
    return "other";
}

/*
 * The key of a request's series into key[cap]: route, method, the first ua
 * bytes of user_agent and code in decimal, NUL-separated, as
 * "%s%c%s%c%.*s%c%u" prints them (put together by hand: a request is
 * counted at thousands a second). Its length without the final NUL, or -1
 * when it does not fit.
 */
static int
self_http_key(char *key, size_t cap, const char *route, const char *method, const char *user_agent,
              size_t ua, unsigned code)
{
    const char *parts[3] = {route, method, user_agent};
    const size_t lens[3] = {strlen(route), strlen(method), ua};
    char digits[16], *d = digits + sizeof(digits);
    size_t n = 0;
    do {
        *--d = (char)('0' + code % 10);
        code /= 10;
    } while (code != 0);
    for (int i = 0; i < 3; i++) {
        if (n + lens[i] + 1 >= cap)
            return -1;
        memcpy(key + n, parts[i], lens[i]);
        n += lens[i];
        key[n++] = '\0';
    }
    size_t nd = (size_t)(digits + sizeof(digits) - d);
    if (n + nd >= cap)
        return -1;
    memcpy(key + n, d, nd);
    n += nd;
    key[n] = '\0';
    return (int)n;
}

/*
 * A request's series: route, method, first User-Agent token, code. Once the
 * table is crowded a User-Agent not seen before is folded into "other";
 * series that exist (Prometheus' own) keep counting.
 */
void
selfstats_http(selfstats_t *st, const char *route, const char *method, const char *user_agent,
               unsigned code, double seconds)
{
    char key[SELFHIST_KEY_MAX];
    size_t ua = user_agent != NULL ? strcspn(user_agent, " \t") : 0;
    if (st == NULL)
        return;
    method = self_method(method);
    if (ua == 0)
        user_agent = "unknown", ua = 7;
    else if (ua > SELF_UA_MAX)
        ua = SELF_UA_MAX;
    int n = self_http_key(key, sizeof(key), route, method, user_agent, ua, code);
    if (n < 0)
        return;
    if (selfhist_crowded(&st->ss_http) && !selfhist_has(&st->ss_http, key, (size_t)n))
        n = self_http_key(key, sizeof(key), route, method, "other", 5, code);
    if (n < 0)
        return;
    selfhist_observe(&st->ss_http, key, (size_t)n, seconds);
}

static double
self_mval_seconds(mval_t v)
{
    switch (v.mv_kind) {
    case MVAL_U64:
        return (double)v.mv.u;
    case MVAL_I64:
        return (double)v.mv.i;
    case MVAL_DEC: {
        double d = (double)v.mv.u;
        for (unsigned e = 0; e < v.mv_exp; e++)
            d /= 10;
        return d;
    }
    default:
        return v.mv.d;
    }
}

void
selfstats_collectors(selfstats_t *st, const famset_t *fs, size_t first)
{
    const size_t sl = sizeof(SELF_TIMER_SUFFIX) - 1;
    double total = 0;
    if (st == NULL)
        return;
    uint32_t last = UINT32_MAX;
    for (size_t i = first; i < fs->fs_nsamples; i++) {
        const fsample_t *sa = &fs->fs_samples[i];
        const family_t *fa = &fs->fs_fams[sa->sa_family];
        /* a timer is a gauge family of one sample: skip the rest unread */
        if (sa->sa_family == last || !fa->fa_meta)
            continue; /* only the agent's own meta timers, not look-alikes a plugin printed */
        last = sa->sa_family;
        const char *name = famset_fam_name(fs, fa);
        size_t n = strlen(name);
        if (n <= sl || memcmp(name + n - sl, SELF_TIMER_SUFFIX, sl) != 0)
            continue;
        double s = self_mval_seconds(sa->sa_value);
        selfhist_observe(&st->ss_coll, name, n - sl, s);
        total += s;
    }
    selfhist_observe(&st->ss_total, "", 0, total);
}

/* Writing one histogram the original's way: the label names before the static four. */
typedef struct self_hist_out {
    famset_t *ho_fs;
    const selfstats_ident_t *ho_id;
    int ho_fam[3]; /* buckets, _count, _sum */
    const char *const *ho_lnames;
    size_t ho_nl; /* label names of the key */
    int ho_real;  /* 1: one histogram family (ho_fam all three the same) */
    int ho_rc;
} self_hist_out_t;

/* Splits a key into its nl NUL-separated values (copies into buf). */
static void
self_key_values(const char *key, size_t len, size_t nl, char *buf, const char **vals)
{
    memcpy(buf, key, len);
    buf[len] = '\0';
    for (size_t i = 0, off = 0; i < nl; i++) {
        vals[i] = buf + off;
        off += strlen(buf + off) + 1;
        if (off > len)
            off = len;
    }
}

static const char *const self_fixed[] = {"datacenter", "instance", "server", "service"};

static int
self_hist_series(void *ctx, const char *key, size_t keylen, uint64_t count, double sum,
                 const uint64_t *cum)
{
    self_hist_out_t *o = ctx;
    const char *ln[FAMSET_MAX_LABELS], *lv[FAMSET_MAX_LABELS];
    char buf[SELFHIST_KEY_MAX + 1];
    size_t n = o->ho_nl;
    const char *fv[] = {o->ho_id->si_datacenter, "0", o->ho_id->si_server, "cmon-agent"};
    self_key_values(key, keylen, n, buf, lv);
    for (size_t i = 0; i < n; i++)
        ln[i] = o->ho_lnames[i];
    for (size_t i = 0; i < 4; i++) {
        ln[n + i] = self_fixed[i];
        lv[n + i] = fv[i];
    }
    ln[n + 4] = "le";
    for (size_t b = 0; b <= SELFHIST_NBOUNDS; b++) {
        lv[n + 4] = b < SELFHIST_NBOUNDS ? selfhist_bound_text[b] : "+Inf";
        o->ho_rc |= famset_sample(o->ho_fs, o->ho_fam[0], o->ho_real ? SAMPLE_BUCKET : SAMPLE_PLAIN,
                                  n + 5, ln, lv, mval_u64(b < SELFHIST_NBOUNDS ? cum[b] : count));
    }
    o->ho_rc |= famset_sample(o->ho_fs, o->ho_fam[1], o->ho_real ? SAMPLE_COUNT : SAMPLE_PLAIN,
                              n + 4, ln, lv, mval_u64(count));
    o->ho_rc |= famset_sample(o->ho_fs, o->ho_fam[2], o->ho_real ? SAMPLE_SUM : SAMPLE_PLAIN, n + 4,
                              ln, lv, mval_dbl(sum));
    return o->ho_rc != 0;
}

/*
 * A histogram as the original's series are named: the original printed its
 * buckets without "_bucket" (name{...,le="0.01"}), which a text parser
 * stores as series of the histogram's own name, and name_count, name_sum.
 * A histogram family cannot hold a sample of its bare name, so the buckets
 * are a gauge family of that name (a gauge: an OpenMetrics counter would
 * rename every bucket name_total) and name_count, name_sum counters.
 */
static int
self_hist(famset_t *fs, const selfstats_ident_t *id, const selfhist_t *h, const char *name,
          const char *help, const char *const *lnames, size_t nl)
{
    char cname[96], sname[96], chelp[160], shelp[160];
    self_hist_out_t o = {fs, id, {0, 0, 0}, lnames, nl, id->si_histograms, 0};
    snprintf(cname, sizeof(cname), "%s_count", name);
    snprintf(sname, sizeof(sname), "%s_sum", name);
    snprintf(chelp, sizeof(chelp), "%s: number of observations", help);
    snprintf(shelp, sizeof(shelp), "%s: sum of the observations", help);
    if (o.ho_real) { /* --metric-names prometheus: the conventional histogram */
        int fam = famset_family(fs, name, help, METRIC_HISTOGRAM);
        if (fam < 0)
            return -1;
        o.ho_fam[0] = o.ho_fam[1] = o.ho_fam[2] = fam;
        return selfhist_walk(h, self_hist_series, &o) == 0 ? 0 : -1;
    }
    o.ho_fam[0] = famset_family(fs, name, help, METRIC_GAUGE);
    o.ho_fam[1] = famset_family(fs, cname, chelp, METRIC_COUNTER);
    o.ho_fam[2] = famset_family(fs, sname, shelp, METRIC_COUNTER);
    if (o.ho_fam[0] < 0 || o.ho_fam[1] < 0 || o.ho_fam[2] < 0)
        return -1;
    return selfhist_walk(h, self_hist_series, &o) == 0 ? 0 : -1;
}

/* http_requests_completed: the count of each series of the HTTP histogram. */
typedef struct self_req_out {
    famset_t *ro_fs;
    const selfstats_ident_t *ro_id;
    int ro_fam;
} self_req_out_t;

static int
self_req_series(void *ctx, const char *key, size_t keylen, uint64_t count, double sum,
                const uint64_t *cum)
{
    static const char *const ln[] = {"route",      "method",   "user_agent", "status_code",
                                     "datacenter", "instance", "server",     "service"};
    self_req_out_t *o = ctx;
    const char *lv[8];
    char buf[SELFHIST_KEY_MAX + 1];
    (void)sum;
    (void)cum;
    self_key_values(key, keylen, 4, buf, lv);
    lv[4] = o->ro_id->si_datacenter;
    lv[5] = "0";
    lv[6] = o->ro_id->si_server;
    lv[7] = "cmon-agent";
    return famset_sample(o->ro_fs, o->ro_fam, SAMPLE_PLAIN, 8, ln, lv, mval_u64(count)) != 0;
}

static int
self_static(famset_t *fs, const selfstats_ident_t *id, const char *name, const char *help,
            metric_type_t t, uint64_t v)
{
    const char *lv[] = {id->si_datacenter, "0", id->si_server, "cmon-agent"};
    int fam = famset_family(fs, name, help, t);
    return fam < 0 ? -1 : famset_sample(fs, fam, SAMPLE_PLAIN, 4, self_fixed, lv, mval_u64(v));
}

int
selfstats_fill_cmon(const selfstats_t *st, const selfstats_ident_t *id, size_t cached_items,
                    famset_t *fs)
{
    static const char *const coll[] = {"collector"};
    static const char *const http[] = {"route", "method", "user_agent", "status_code"};
    uint64_t hits = selfstats_load(&st->ss_hits), misses = selfstats_load(&st->ss_misses);
    int rc = self_static(fs, id, "cached_items", "Number of items in the cache", METRIC_GAUGE,
                         cached_items);
    rc |= self_static(fs, id, "cache_get_hits_total",
                      "Total number of gets that resulted in cache hits", METRIC_COUNTER, hits);
    rc |= self_static(fs, id, "cache_gets_total",
                      "Total number of attempts to get data from the cache", METRIC_COUNTER,
                      hits + misses);
    rc |= self_hist(fs, id, &st->ss_coll, "collector_time_seconds",
                    "Number of seconds spent collecting metrics", coll, 1);
    rc |= self_hist(fs, id, &st->ss_total, "collector_time_total_seconds",
                    "Total number of seconds spent collecting metrics", NULL, 0);
    self_req_out_t ro = {fs, id,
                         famset_family(fs, "http_requests_completed", "count of requests completed",
                                       METRIC_COUNTER)};
    rc |= ro.ro_fam < 0 || selfhist_walk(&st->ss_http, self_req_series, &ro) != 0;
    rc |= self_hist(fs, id, &st->ss_http, "http_request_duration_seconds",
                    "total time to process requests", http, 4);
    return rc != 0 || famset_failed(fs) ? -1 : 0;
}
