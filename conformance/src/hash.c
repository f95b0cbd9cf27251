/* hash.c - an open-addressed hash map from 64-bit keys (the hash itself is inline in cf.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cf.h"

void *
cf_grow(void *arr, size_t *cap, size_t n, size_t elem, size_t min)
{
    if (n < *cap)
        return arr;
    if (*cap > SIZE_MAX / 2 / elem) /* twice the room would not fit in a size_t */
        return NULL;
    size_t ncap = *cap ? *cap * 2 : min;
    void *p = realloc(arr, ncap * elem);
    if (p != NULL)
        *cap = ncap;
    return p;
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

int
cf_map_has(const cf_map_t *m, uint64_t key)
{
    size_t mask, i;

    if (m->m_cap == 0)
        return 0;
    mask = m->m_cap - 1;
    for (i = key & mask; m->m_keys[i] != 0; i = (i + 1) & mask)
        if (m->m_keys[i] == key)
            return 1;
    return 0;
}

static int
map_grow(cf_map_t *m)
{
    size_t ncap = m->m_cap ? m->m_cap * 2 : 64;
    uint64_t *keys = calloc(ncap, sizeof(*keys));
    uint32_t *vals = m->m_set ? NULL : malloc(ncap * sizeof(*vals));
    size_t i, j;

    if (keys == NULL || (vals == NULL && !m->m_set)) {
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
        if (vals)
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
                *out = m->m_set ? NULL : &m->m_vals[i];
            return 0;
        }
    }
    m->m_keys[i] = key;
    if (!m->m_set)
        m->m_vals[i] = val;
    m->m_count++;
    if (out)
        *out = m->m_set ? NULL : &m->m_vals[i];
    return 1;
}

void
cf_map_clear(cf_map_t *m)
{
    if (m->m_count == 0)
        return;
    /* keep a table the next family will likely fill again; drop one that
     * is far too big for what it held */
    if (m->m_cap > 4096 && m->m_count * 8 < m->m_cap) {
        cf_map_free(m);
        return;
    }
    memset(m->m_keys, 0, m->m_cap * sizeof(*m->m_keys));
    m->m_count = 0;
}

void
cf_map_free(cf_map_t *m)
{
    int set = m->m_set;

    free(m->m_keys);
    free(m->m_vals);
    memset(m, 0, sizeof(*m));
    m->m_set = set;
}
