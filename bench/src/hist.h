/*
 * hist.h - latency histogram with log-linear buckets (HDR-style).
 *
 * Values are nanoseconds. Values below 2^HIST_SUB_BITS are kept exactly;
 * above, every power of two is cut into 2^HIST_SUB_BITS equal buckets, so a
 * reported value is within 1/256 (0.4 %) of the true one at any magnitude:
 * enough resolution for p99.9 without storing every sample.
 */
#ifndef CMON_BENCH_HIST_H
#define CMON_BENCH_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 8
#define HIST_SUB_COUNT (1u << HIST_SUB_BITS)
#define HIST_NBUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB_COUNT)

struct hist {
    uint64_t h_count[HIST_NBUCKETS]; /* samples per bucket */
    uint64_t h_total;                /* number of samples */
    uint64_t h_min;                  /* exact smallest sample (UINT64_MAX if none) */
    uint64_t h_max;                  /* exact largest sample (0 if none) */
};

/* Allocate an empty histogram. Returns NULL with errno ENOMEM. Free with hist_free. */
struct hist *hist_new(void);
void hist_free(struct hist *h);
/* Empty the histogram. */
void hist_reset(struct hist *h);
/* Record one sample of value ns. */
void hist_add(struct hist *h, uint64_t ns);
/* Add every sample of src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/* Bucket index of a value, and the smallest and largest values a bucket holds. */
size_t hist_bucket_of(uint64_t ns);
uint64_t hist_bucket_low(size_t idx);
uint64_t hist_bucket_high(size_t idx);

/*
 * The value at quantile q (0 <= q <= 1): the largest value of the bucket
 * holding the sample of rank ceil(q * total), capped by the exact maximum
 * (q == 1 gives the exact maximum). Returns 0 for an empty histogram.
 */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
