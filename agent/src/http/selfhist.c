/* selfhist - lock-free labelled histograms (selfhist.h). */
#include "selfhist.h"

#include <string.h>

const double selfhist_bounds[SELFHIST_NBOUNDS] = {0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005,
                                                  0.01,   0.02,   0.05,   0.09,  0.18,  0.45,
                                                  0.81,   4.05,   8.1,    25};
const char *const selfhist_bound_text[SELFHIST_NBOUNDS] = {
    "0.0001", "0.0002", "0.0005", "0.001", "0.002", "0.005", "0.01", "0.02",
    "0.05",   "0.09",   "0.18",   "0.45",  "0.81",  "4.05",  "8.1",  "25"};

/* FNV-1a over len bytes (keys hold NUL separators). */
static uint32_t
selfhist_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/*
 * The series of key: found, or claimed and published. Lookups race with a
 * claim only while its key is copied (a few nanoseconds): a reader that
 * meets state 1 waits for 2 rather than skipping, so no key gets two
 * series. NULL when the table is full.
 */
static selfhist_series_t *
selfhist_find(selfhist_t *h, const char *key, size_t len, uint32_t hash)
{
    for (size_t probe = 0; probe < SELFHIST_SLOTS; probe++) {
        selfhist_series_t *s = &h->sh_s[(hash + probe) % SELFHIST_SLOTS];
        uint32_t st = atomic_load_explicit(&s->hs_state, memory_order_acquire);
        if (st == 0) {
            uint32_t want = 0;
            if (atomic_compare_exchange_strong(&s->hs_state, &want, 1)) {
                s->hs_hash = hash;
                s->hs_keylen = (uint16_t)len;
                memcpy(s->hs_key, key, len);
                s->hs_seq = atomic_fetch_add_explicit(&h->sh_used, 1, memory_order_relaxed);
                atomic_store_explicit(&s->hs_state, 2, memory_order_release);
                return s;
            }
            st = want;
        }
        while (st == 1)
            st = atomic_load_explicit(&s->hs_state, memory_order_acquire);
        if (s->hs_hash == hash && s->hs_keylen == len && memcmp(s->hs_key, key, len) == 0)
            return s;
    }
    return NULL;
}

void
selfhist_observe(selfhist_t *h, const char *key, size_t len, double seconds)
{
    if (h == NULL)
        return;
    if (len > SELFHIST_KEY_MAX)
        len = SELFHIST_KEY_MAX;
    selfhist_series_t *s = selfhist_find(h, key, len, selfhist_hash(key, len));
    if (s == NULL) {
        atomic_fetch_add_explicit(&h->sh_dropped, 1, memory_order_relaxed);
        return;
    }
    size_t b = 0;
    while (b < SELFHIST_NBOUNDS && seconds > selfhist_bounds[b])
        b++;
    if (b < SELFHIST_NBOUNDS)
        atomic_fetch_add_explicit(&s->hs_buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->hs_sum_ns, seconds > 0 ? (uint64_t)(seconds * 1e9) : 0,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&s->hs_count, 1, memory_order_relaxed);
}

int
selfhist_crowded(const selfhist_t *h)
{
    return atomic_load_explicit(&h->sh_used, memory_order_relaxed) >= SELFHIST_SOFT_MAX;
}

/* Orders slot indexes by creation (insertion sort: at most SELFHIST_SLOTS). */
static size_t
selfhist_order(const selfhist_t *h, uint16_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < SELFHIST_SLOTS; i++) {
        if (atomic_load_explicit(&h->sh_s[i].hs_state, memory_order_acquire) != 2)
            continue;
        size_t k = n++;
        while (k > 0 && h->sh_s[idx[k - 1]].hs_seq > h->sh_s[i].hs_seq) {
            idx[k] = idx[k - 1];
            k--;
        }
        idx[k] = (uint16_t)i;
    }
    return n;
}

int
selfhist_walk(const selfhist_t *h,
              int (*fn)(void *ctx, const char *key, size_t keylen, uint64_t count, double sum,
                        const uint64_t *cumulative),
              void *ctx)
{
    uint16_t idx[SELFHIST_SLOTS];
    size_t n = selfhist_order(h, idx);
    for (size_t i = 0; i < n; i++) {
        const selfhist_series_t *s = &h->sh_s[idx[i]];
        uint64_t cum[SELFHIST_NBOUNDS], c = 0;
        /* count first, buckets after: an observation landing in between
         * shows in a bucket only, and the count is raised to match */
        uint64_t count = atomic_load_explicit(&s->hs_count, memory_order_relaxed);
        for (size_t b = 0; b < SELFHIST_NBOUNDS; b++) {
            c += atomic_load_explicit(&s->hs_buckets[b], memory_order_relaxed);
            cum[b] = c;
        }
        if (c > count)
            count = c;
        double sum = (double)atomic_load_explicit(&s->hs_sum_ns, memory_order_relaxed) / 1e9;
        int rc = fn(ctx, s->hs_key, s->hs_keylen, count, sum, cum);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int
selfhist_has(const selfhist_t *h, const char *key, size_t len)
{
    if (len > SELFHIST_KEY_MAX)
        len = SELFHIST_KEY_MAX;
    uint32_t hash = selfhist_hash(key, len);
    for (size_t probe = 0; probe < SELFHIST_SLOTS; probe++) {
        const selfhist_series_t *s = &h->sh_s[(hash + probe) % SELFHIST_SLOTS];
        uint32_t st = atomic_load_explicit(&s->hs_state, memory_order_acquire);
        if (st == 0)
            return 0; /* a claim fills the first empty slot of the probe: none further */
        while (st == 1)
            st = atomic_load_explicit(&s->hs_state, memory_order_acquire);
        if (s->hs_hash == hash && s->hs_keylen == len && memcmp(s->hs_key, key, len) == 0)
            return 1;
    }
    return 0;
}
