/*
 * metrics.c - the Metrics of the open text histogram or summary family: a
 * compact state per Metric (cf_mstate_t, 32 bytes) in a dense array in the
 * order the Metrics came, found by their 64-bit fingerprint through chains
 * of 32-bit indices (one head per Metric at most, and one link each).
 *
 * Memory: 44 bytes a Metric (fingerprint 8, state 32, link 4) plus at most 4
 * bytes of heads, with the arrays' doubling on top. The arrays grow with
 * realloc, which for large blocks moves pages instead of copying them, so a
 * growing family never holds two copies of its Metrics; the heads are
 * rebuilt from the links when there are more Metrics than heads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cf.h"

#define NO_METRIC UINT32_MAX

cf_mstate_t *
cf_mtable_find(const cf_mtable_t *t, uint64_t key)
{
    uint32_t i;

    if (t->mt_nheads == 0)
        return NULL;
    for (i = t->mt_heads[key & (t->mt_nheads - 1)]; i != NO_METRIC; i = t->mt_next[i])
        if (t->mt_keys[i] == key)
            return &t->mt_states[i];
    return NULL;
}

/* Room for one more Metric in the three arrays (all of capacity mt_cap). */
static int
mtable_reserve(cf_mtable_t *t)
{
    size_t ncap = t->mt_cap ? t->mt_cap * 2 : 64;
    void *p;

    if (t->mt_n < t->mt_cap)
        return 0;
    if (ncap > NO_METRIC) /* indices are 32 bits */
        ncap = NO_METRIC;
    if (t->mt_n >= ncap)
        return -1;
    if ((p = realloc(t->mt_keys, ncap * sizeof(*t->mt_keys))) == NULL)
        return -1;
    t->mt_keys = p;
    if ((p = realloc(t->mt_states, ncap * sizeof(*t->mt_states))) == NULL)
        return -1;
    t->mt_states = p;
    if ((p = realloc(t->mt_next, ncap * sizeof(*t->mt_next))) == NULL)
        return -1;
    t->mt_next = p;
    t->mt_cap = ncap;
    return 0;
}

/* Link Metric i into its chain. */
static void
mtable_link(cf_mtable_t *t, uint32_t i)
{
    uint32_t *head = &t->mt_heads[t->mt_keys[i] & (t->mt_nheads - 1)];

    t->mt_next[i] = *head;
    *head = i;
}

/* At most one Metric per head: double the heads, relink every Metric. */
static int
mtable_rehash(cf_mtable_t *t)
{
    size_t n = t->mt_nheads ? t->mt_nheads * 2 : 64;
    uint32_t *heads;
    size_t i;

    if (t->mt_n < t->mt_nheads)
        return 0;
    if ((heads = malloc(n * sizeof(*heads))) == NULL)
        return -1;
    memset(heads, 0xff, n * sizeof(*heads)); /* NO_METRIC */
    free(t->mt_heads);
    t->mt_heads = heads;
    t->mt_nheads = n;
    for (i = 0; i < t->mt_n; i++)
        mtable_link(t, (uint32_t)i);
    return 0;
}

cf_mstate_t *
cf_mtable_add(cf_mtable_t *t, uint64_t key)
{
    cf_mstate_t *s;

    if (mtable_reserve(t) < 0 || mtable_rehash(t) < 0) {
        errno = ENOMEM;
        return NULL;
    }
    t->mt_keys[t->mt_n] = key;
    s = &t->mt_states[t->mt_n];
    memset(s, 0, sizeof(*s));
    mtable_link(t, (uint32_t)t->mt_n++);
    return s;
}

void
cf_mtable_clear(cf_mtable_t *t)
{
    if (t->mt_n == 0)
        return;
    if (t->mt_cap > 4096) { /* the next family will rarely be as large */
        cf_mtable_free(t);
        return;
    }
    memset(t->mt_heads, 0xff, t->mt_nheads * sizeof(*t->mt_heads));
    t->mt_n = 0;
}

void
cf_mtable_free(cf_mtable_t *t)
{
    free(t->mt_keys);
    free(t->mt_states);
    free(t->mt_next);
    free(t->mt_heads);
    memset(t, 0, sizeof(*t));
}
