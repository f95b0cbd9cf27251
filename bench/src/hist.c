/* hist.c - log-linear latency histogram (see hist.h). */
#include "hist.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct hist *
hist_new(void)
{
    struct hist *h = malloc(sizeof(*h));

    if (h == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    hist_reset(h);
    return h;
}

void
hist_free(struct hist *h)
{
    free(h);
}

void
hist_reset(struct hist *h)
{
    memset(h->h_count, 0, sizeof(h->h_count));
    h->h_total = 0;
    h->h_min = UINT64_MAX;
    h->h_max = 0;
}

/*
 * Index layout: values below 2^SUB map to themselves; a value whose top bit is
 * bit e (e >= SUB) has shift = e - SUB + 1 and lands at shift * 2^SUB plus its
 * SUB bits below the top bit.
 */
size_t
hist_bucket_of(uint64_t ns)
{
    if (ns < HIST_SUB_COUNT)
        return (size_t)ns;
    int e = 63 - __builtin_clzll(ns);
    int shift = e - HIST_SUB_BITS + 1;
    uint64_t sub = (ns >> (shift - 1)) - HIST_SUB_COUNT;
    return (size_t)shift * HIST_SUB_COUNT + (size_t)sub;
}

uint64_t
hist_bucket_low(size_t idx)
{
    if (idx < HIST_SUB_COUNT)
        return idx;
    size_t shift = idx / HIST_SUB_COUNT;
    uint64_t sub = idx % HIST_SUB_COUNT;
    return (HIST_SUB_COUNT + sub) << (shift - 1);
}

uint64_t
hist_bucket_high(size_t idx)
{
    if (idx < HIST_SUB_COUNT)
        return idx;
    size_t shift = idx / HIST_SUB_COUNT;
    return hist_bucket_low(idx) + ((uint64_t)1 << (shift - 1)) - 1;
}

void
hist_add(struct hist *h, uint64_t ns)
{
    h->h_count[hist_bucket_of(ns)]++;
    h->h_total++;
    if (ns < h->h_min)
        h->h_min = ns;
    if (ns > h->h_max)
        h->h_max = ns;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
    for (size_t i = 0; i < HIST_NBUCKETS; i++)
        dst->h_count[i] += src->h_count[i];
    dst->h_total += src->h_total;
    if (src->h_min < dst->h_min)
        dst->h_min = src->h_min;
    if (src->h_max > dst->h_max)
        dst->h_max = src->h_max;
}

uint64_t
hist_quantile(const struct hist *h, double q)
{
    if (h->h_total == 0)
        return 0;
    if (q >= 1.0)
        return h->h_max;
    if (q < 0.0)
        q = 0.0;
    uint64_t rank = (uint64_t)ceil(q * (double)h->h_total);
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < HIST_NBUCKETS; i++) {
        seen += h->h_count[i];
        if (seen >= rank) {
            uint64_t v = hist_bucket_high(i);
            return v > h->h_max ? h->h_max : v;
        }
    }
    return h->h_max;
}
