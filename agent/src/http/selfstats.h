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

/* selfstats_fill() - adds every self metric family to fs. 0 or -1 (ENOMEM). */
int selfstats_fill(const selfstats_t *st, famset_t *fs);

#endif
