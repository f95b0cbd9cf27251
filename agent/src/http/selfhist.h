/*
 * selfhist - labelled histograms of the agent's own metrics, updated by any
 * thread without a lock: a fixed table of series (one per label-value
 * tuple), each a count, a sum and cumulative-ready bucket counts.
 *
 * A series is found by hashing its key (the label values joined by NUL);
 * a new one claims an empty slot with one compare-and-swap, fills its key
 * and publishes it. A scrape therefore never waits on a lock nor makes a
 * system call to be counted. The table is bounded: past SELFHIST_SOFT_MAX
 * series the caller is told to fold new ones into an "other" series
 * (selfhist_crowded), and a full table drops the observation (counted).
 */
#ifndef CMON_AGENT_SELFHIST_H
#define CMON_AGENT_SELFHIST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SELFHIST_SLOTS 256
#define SELFHIST_SOFT_MAX 192
#define SELFHIST_KEY_MAX 200

/*
 * The bucket bounds, in seconds: values from artedi's log-linear scheme
 * (reference 3.7), a few per decade, so a dashboard's le="0.01" still
 * names a bucket.
 */
#define SELFHIST_NBOUNDS 16
extern const double selfhist_bounds[SELFHIST_NBOUNDS];
extern const char *const selfhist_bound_text[SELFHIST_NBOUNDS];

typedef struct selfhist_series {
    _Atomic uint32_t hs_state; /* 0 empty, 1 being filled, 2 published */
    uint32_t hs_hash;
    uint16_t hs_keylen;
    uint32_t hs_seq; /* order of creation: series are written first-seen first */
    char hs_key[SELFHIST_KEY_MAX];
    _Atomic uint64_t hs_count;
    _Atomic uint64_t hs_sum_ns;
    _Atomic uint64_t hs_buckets[SELFHIST_NBOUNDS]; /* per bucket, not cumulative */
} selfhist_series_t;

typedef struct selfhist {
    selfhist_series_t sh_s[SELFHIST_SLOTS];
    _Atomic uint32_t sh_used; /* also the next hs_seq */
    _Atomic uint64_t sh_dropped;
} selfhist_t;

/* selfhist_observe() - one observation of seconds for the series of key (len bytes). */
void selfhist_observe(selfhist_t *h, const char *key, size_t len, double seconds);

/*
 * selfhist_has() - 1 when key (len bytes) already has its series: callers
 * fold only new keys once the table is crowded, never existing ones.
 */
int selfhist_has(const selfhist_t *h, const char *key, size_t len);

/* selfhist_crowded() - 1 once the table holds SELFHIST_SOFT_MAX series. */
int selfhist_crowded(const selfhist_t *h);

/*
 * selfhist_walk() - calls fn for every published series, in the order they
 * were first observed (as the original writes its label sets), with its key and a snapshot: count,
 * sum in seconds, and cumulative bucket counts (SELFHIST_NBOUNDS of them). Stops at fn's first
 * non-zero return and returns it; else 0.
 */
int selfhist_walk(const selfhist_t *h,
                  int (*fn)(void *ctx, const char *key, size_t keylen, uint64_t count, double sum,
                            const uint64_t *cumulative),
                  void *ctx);

#endif
