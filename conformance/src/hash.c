/* hash.c - a fast 64-bit string hash and an open-addressed hash map. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cf.h"

#define K1 0x9E3779B97F4A7C15ULL
#define K2 0xD6E8FEB86659FD93ULL

uint64_t
cf_hash_mix(uint64_t x)
{
    x ^= x >> 32;
    x *= K2;
    x ^= x >> 32;
    x *= K2;
    x ^= x >> 32;
    return x;
}

uint64_t
cf_hash(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ ((uint64_t)n * K1);
    uint64_t w;

    while (n >= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * K1;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w ^ ((uint64_t)n << 59)) * K2;
    h = cf_hash_mix(h);
    return h ? h : 1;
}

uint32_t *
cf_map_get(const cf_map_t *m, uint64_t key)
{
    size_t mask, i;

    if (m->m_cap == 0)
        return NULL;
    mask = m->m_cap - 1;
    for (i = key & mask; m->m_keys[i] != 0; i = (i + 1) & mask)
        if (m->m_keys[i] == key)
            return &m->m_vals[i];
    return NULL;
}

static int
map_grow(cf_map_t *m)
{
    size_t ncap = m->m_cap ? m->m_cap * 2 : 64;
    uint64_t *keys = calloc(ncap, sizeof(*keys));
    uint32_t *vals = malloc(ncap * sizeof(*vals));
    size_t i, j;

    if (keys == NULL || vals == NULL) {
        free(keys);
        free(vals);
        errno = ENOMEM;
        return -1;
    }
    for (i = 0; i < m->m_cap; i++) {
        if (m->m_keys[i] == 0)
            continue;
        for (j = m->m_keys[i] & (ncap - 1); keys[j] != 0; j = (j + 1) & (ncap - 1))
            ;
        keys[j] = m->m_keys[i];
        vals[j] = m->m_vals[i];
    }
    free(m->m_keys);
    free(m->m_vals);
    m->m_keys = keys;
    m->m_vals = vals;
    m->m_cap = ncap;
    return 0;
}

int
cf_map_put(cf_map_t *m, uint64_t key, uint32_t val, uint32_t **out)
{
    size_t mask, i;

    if ((m->m_count + 1) * 2 > m->m_cap && map_grow(m) < 0)
        return -1;
    mask = m->m_cap - 1;
    for (i = key & mask; m->m_keys[i] != 0; i = (i + 1) & mask) {
        if (m->m_keys[i] == key) {
            if (out)
                *out = &m->m_vals[i];
            return 0;
        }
    }
    m->m_keys[i] = key;
    m->m_vals[i] = val;
    m->m_count++;
    if (out)
        *out = &m->m_vals[i];
    return 1;
}

void
cf_map_clear(cf_map_t *m)
{
    if (m->m_count == 0)
        return;
    if (m->m_cap > 4096) {
        cf_map_free(m);
        return;
    }
    memset(m->m_keys, 0, m->m_cap * sizeof(*m->m_keys));
    m->m_count = 0;
}

void
cf_map_free(cf_map_t *m)
{
    free(m->m_keys);
    free(m->m_vals);
    memset(m, 0, sizeof(*m));
}
