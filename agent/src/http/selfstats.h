/*
 * selfstats - the agent's own metrics, served on GET /metrics.
 *
 * Counters are atomics: any thread updates them without a lock. Every
 * function takes a NULL stats pointer and then does nothing, so code under
 * test needs none.
 */
#ifndef CMON_AGENT_SELFSTATS_H
#define CMON_AGENT_SELFSTATS_H

#include "famset.h"

typedef struct selfstats selfstats_t;

/* selfstats_new() - zeroed statistics; NULL with ENOMEM. */
selfstats_t *selfstats_new(void);

/* selfstats_free() - frees them. NULL is fine. */
void selfstats_free(selfstats_t *st);

/* selfstats_request() - counts an answered HTTP request by status code. */
void selfstats_request(selfstats_t *st, unsigned code);

/* selfstats_scrape() - records the duration of one instance scrape. */
void selfstats_scrape(selfstats_t *st, double seconds);

/* selfstats_cache() - counts a cache hit (hit != 0) or miss. */
void selfstats_cache(selfstats_t *st, int hit);

/* selfstats_kstat_error() - counts a failed kstat_read by errno. */
void selfstats_kstat_error(selfstats_t *st, int err);

/* selfstats_chain_update() - counts a kstat chain change seen by a reader. */
void selfstats_chain_update(selfstats_t *st);

/* selfstats_fill() - adds every self metric family to fs (GET /metrics). 0 or -1 (ENOMEM). */
int selfstats_fill(const selfstats_t *st, famset_t *fs);

/*
 * selfstats_http() - one answered request, as the original counts it
 * (reference 3.7): its route name, method, the first word of its
 * User-Agent (NULL: "unknown"), status and duration. Past a couple of
 * hundred label sets a User-Agent not seen before is counted as "other"
 * (existing series keep counting); a method other than GET, POST, HEAD,
 * PUT, DELETE, OPTIONS, PATCH is counted as "other".
 */
void selfstats_http(selfstats_t *st, const char *route, const char *method, const char *user_agent,
                    unsigned code, double seconds);

/*
 * selfstats_collectors() - observes the collectors of one answer: each
 * <p>_metrics_timer_seconds sample of fs from sample index `first` on whose
 * family the agent declared (famset_meta_timer; not a plugin's look-alike) is one
 * collector_time_seconds{collector="<p>"} observation, their sum one
 * collector_time_total_seconds observation.
 */
void selfstats_collectors(selfstats_t *st, const famset_t *fs, size_t first);

/* Who the agent is: the static labels of the original's own metrics. */
typedef struct selfstats_ident {
    const char *si_datacenter; /* datacenter="..." */
    const char *si_server;     /* server="<compute node uuid>" */
    int si_histograms;         /* 1: real histograms (_bucket), as --metric-names prometheus */
} selfstats_ident_t;

/*
 * selfstats_fill_cmon() - the agent's own metrics as the original names
 * them (reference 3.7, on /v1/gz/metrics): cached_items (cached_items
 * entries), cache_get_hits_total, cache_gets_total, collector_time_seconds,
 * collector_time_total_seconds, http_requests_completed,
 * http_request_duration_seconds, every sample labelled datacenter,
 * instance="0", server, service="cmon-agent". The histograms are served as
 * the original's series are named (agent/README.md, "The agent's own
 * metrics"): buckets as a gauge family of the histogram's own name with
 * an le label, and name_count and name_sum families; with si_histograms set
 * (--metric-names prometheus) real histogram families (name_bucket), which
 * promtool and the conventions expect. 0 or -1 (ENOMEM).
 */
int selfstats_fill_cmon(const selfstats_t *st, const selfstats_ident_t *id, size_t cached_items,
                        famset_t *fs);

#endif
