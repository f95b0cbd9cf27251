/* throttle - per-account token buckets (throttle.h), an open hash table. */
#include "throttle.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THROTTLE_KEY_MAX 64

typedef struct bucket {
    char b_key[THROTTLE_KEY_MAX]; /* "" = free slot */
    double b_tokens;
    double b_at; /* when b_tokens was last brought up to date */
} bucket_t;

struct throttle {
    pthread_mutex_t t_lock;
    double t_rate, t_burst;
    size_t t_max;   /* buckets allowed */
    size_t t_slots; /* table size: a power of two, twice t_max at least */
    size_t t_used;
    bucket_t *t_table;
};

static uint64_t
throttle_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

throttle_t *
throttle_new(double rate, double burst, size_t max_accounts)
{
    if (!(rate > 0) || !(burst >= 1) || max_accounts == 0 || max_accounts > ((size_t)1 << 24)) {
        errno = EINVAL;
        return NULL;
    }
    throttle_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->t_slots = 16;
    while (t->t_slots < 2 * max_accounts)
        t->t_slots *= 2;
    t->t_table = calloc(t->t_slots, sizeof(bucket_t));
    if (t->t_table == NULL) {
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->t_lock, NULL);
    t->t_rate = rate;
    t->t_burst = burst;
    t->t_max = max_accounts;
    return t;
}

void
throttle_free(throttle_t *t)
{
    if (t == NULL)
        return;
    pthread_mutex_destroy(&t->t_lock);
    free(t->t_table);
    free(t);
}

static void
bucket_refill(const throttle_t *t, bucket_t *b, double now)
{
    if (now > b->b_at) {
        b->b_tokens = fmin(t->t_burst, b->b_tokens + (now - b->b_at) * t->t_rate);
        b->b_at = now;
    }
}

/* Rebuilds the table without the buckets that are full again (open
 * addressing cannot simply blank a slot). Called with the lock held. */
static void
throttle_sweep(throttle_t *t, double now)
{
    bucket_t *old = t->t_table;
    bucket_t *fresh = calloc(t->t_slots, sizeof(bucket_t));
    if (fresh == NULL)
        return;
    t->t_used = 0;
    for (size_t i = 0; i < t->t_slots; i++) {
        if (old[i].b_key[0] == '\0')
            continue;
        bucket_refill(t, &old[i], now);
        if (old[i].b_tokens >= t->t_burst)
            continue;
        size_t j = throttle_hash(old[i].b_key) & (t->t_slots - 1);
        while (fresh[j].b_key[0] != '\0')
            j = (j + 1) & (t->t_slots - 1);
        fresh[j] = old[i];
        t->t_used++;
    }
    t->t_table = fresh;
    free(old);
}

/* The account's bucket, made when new; NULL when the table is full. */
static bucket_t *
throttle_find(throttle_t *t, const char *key, double now)
{
    size_t mask = t->t_slots - 1, j = throttle_hash(key) & mask;
    while (t->t_table[j].b_key[0] != '\0') {
        if (strcmp(t->t_table[j].b_key, key) == 0)
            return &t->t_table[j];
        j = (j + 1) & mask;
    }
    if (t->t_used >= t->t_max) {
        throttle_sweep(t, now);
        if (t->t_used >= t->t_max)
            return NULL;
        return throttle_find(t, key, now);
    }
    bucket_t *b = &t->t_table[j];
    snprintf(b->b_key, sizeof(b->b_key), "%s", key);
    b->b_tokens = t->t_burst;
    b->b_at = now;
    t->t_used++;
    return b;
}

int
throttle_take(throttle_t *t, const char *account, double now_s, unsigned *retry_s)
{
    pthread_mutex_lock(&t->t_lock);
    bucket_t *b = throttle_find(t, account, now_s);
    int ok = 0;
    double wait = 1;
    if (b != NULL) {
        bucket_refill(t, b, now_s);
        if (b->b_tokens >= 1) {
            b->b_tokens -= 1;
            ok = 1;
        } else
            wait = (1 - b->b_tokens) / t->t_rate;
    }
    pthread_mutex_unlock(&t->t_lock);
    if (!ok && retry_s != NULL)
        *retry_s = wait < 1 ? 1 : (unsigned)ceil(wait);
    return ok;
}

size_t
throttle_count(throttle_t *t)
{
    pthread_mutex_lock(&t->t_lock);
    size_t n = t->t_used;
    pthread_mutex_unlock(&t->t_lock);
    return n;
}
