/*
 * discover_alias.c - instances' aliases from libzonecfg, kept per instance
 * (see discover_alias.h).
 */
#include "discover_alias.h"
#include "strhash.h"

#include <errno.h>
#include <libzonecfg.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "log.h"

#define DA_BUCKETS 16384

typedef struct aentry {
    struct aentry *ae_next;
    char ae_name[ZONENAME_MAX];
    zoneid_t ae_id;
    double ae_read, ae_seen; /* when the alias was read, when last asked for */
    char *ae_alias;          /* NULL: none */
    size_t ae_len;           /* its length */
} aentry_t;

struct discover_alias {
    pthread_mutex_t da_lock;
    double da_tokens, da_refill; /* re-read budget and when it was last refilled */
    double da_swept;
    aentry_t *da_buckets[DA_BUCKETS];
};

int
discover_alias_read(const char *zonename, char *out)
{
    zone_dochandle_t h = zonecfg_init_handle();
    struct zone_attrtab tab;
    int err, found = 0;
    out[0] = '\0';
    if (h == NULL) {
        errno = ENOMEM;
        return -1;
    }
    if ((err = zonecfg_get_handle(zonename, h)) == Z_OK && zonecfg_setattrent(h) == Z_OK) {
        while (!found && (err = zonecfg_getattrent(h, &tab)) == Z_OK)
            found = strcmp(tab.zone_attr_name, "alias") == 0;
        (void)zonecfg_endattrent(h);
    }
    zonecfg_fini_handle(h);
    if (!found)
        return 0;
    if (discover_alias_decode(tab.zone_attr_value, out, DISCOVER_ALIAS_MAX) != 0) {
        log_msg(LOG_DEBUG, "zone %s: alias attribute is not base64 of UTF-8 (%s), not served",
                zonename, strerror(errno));
        out[0] = '\0';
        return 0;
    }
    return 1;
}

discover_alias_t *
discover_alias_new(void)
{
    discover_alias_t *da = calloc(1, sizeof(*da));
    if (da == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    pthread_mutex_init(&da->da_lock, NULL);
    da->da_tokens = DISCOVER_ALIAS_BURST;
    da->da_refill = da->da_swept = -1;
    return da;
}

static void
da_entry_free(aentry_t *e)
{
    free(e->ae_alias);
    free(e);
}

/* Drops the entries not asked for since before (every one when all). */
static void
da_sweep(discover_alias_t *da, double before, int all)
{
    for (size_t b = 0; b < DA_BUCKETS; b++) {
        aentry_t **pp = &da->da_buckets[b];
        while (*pp != NULL) {
            aentry_t *e = *pp;
            if (!all && e->ae_seen >= before) {
                pp = &e->ae_next;
                continue;
            }
            *pp = e->ae_next;
            da_entry_free(e);
        }
    }
}

void
discover_alias_free(discover_alias_t *da)
{
    if (da == NULL)
        return;
    da_sweep(da, 0, 1);
    pthread_mutex_destroy(&da->da_lock);
    free(da);
}

static uint32_t
da_hash(const char *s)
{
    return strhash_fnv1a(s) % DA_BUCKETS;
}

/* 1 when a known, unchanged entry may be re-read now (takes a token). */
static int
da_may_refresh(discover_alias_t *da, double now)
{
    if (da->da_refill >= 0 && now > da->da_refill) { /* requests may take the lock out of order */
        da->da_tokens += (now - da->da_refill) * DISCOVER_ALIAS_RATE;
        if (da->da_tokens > DISCOVER_ALIAS_BURST)
            da->da_tokens = DISCOVER_ALIAS_BURST;
    }
    if (now > da->da_refill)
        da->da_refill = now;
    if (da->da_tokens < 1)
        return 0;
    da->da_tokens -= 1;
    return 1;
}

/* (Re-)reads e's alias; 0 or -1 (ENOMEM: e keeps what it had). */
static int
da_entry_read(aentry_t *e, zoneid_t id, double now)
{
    char buf[DISCOVER_ALIAS_MAX];
    int rc = discover_alias_read(e->ae_name, buf);
    char *a = rc == 1 ? strdup(buf) : NULL;
    if (rc < 0 || (rc == 1 && a == NULL)) {
        errno = ENOMEM;
        return -1;
    }
    free(e->ae_alias);
    e->ae_alias = a;
    e->ae_len = a != NULL ? strlen(a) : 0;
    e->ae_id = id;
    e->ae_read = now;
    return 0;
}

/* The entry of zonename (created and read when new); NULL with ENOMEM. */
static aentry_t *
da_lookup(discover_alias_t *da, const char *zonename, zoneid_t id, double now)
{
    uint32_t b = da_hash(zonename);
    aentry_t *e = da->da_buckets[b];
    while (e != NULL && strcmp(e->ae_name, zonename) != 0)
        e = e->ae_next;
    if (e != NULL) {
        if ((e->ae_id != id ||
             (now - e->ae_read >= DISCOVER_ALIAS_TTL && da_may_refresh(da, now))) &&
            da_entry_read(e, id, now) != 0)
            return NULL;
        return e;
    }
    if ((e = calloc(1, sizeof(*e))) == NULL)
        return NULL;
    strncpy(e->ae_name, zonename, ZONENAME_MAX - 1);
    if (da_entry_read(e, id, now) != 0) {
        free(e);
        return NULL;
    }
    e->ae_next = da->da_buckets[b];
    da->da_buckets[b] = e;
    return e;
}

/* Sweeps now and then; the caller holds the lock. */
static void
da_maybe_sweep(discover_alias_t *da, double now)
{
    if (da->da_swept < 0) {
        da->da_swept = now;
    } else if (now - da->da_swept >= DISCOVER_ALIAS_TTL) {
        da_sweep(da, da->da_swept, 0); /* not asked for during a whole TTL */
        da->da_swept = now;
    }
}

/* The current entry of zonename, marked as asked for; NULL with ENOMEM. Lock held. */
static aentry_t *
da_get(discover_alias_t *da, const char *zonename, zoneid_t id, double now)
{
    aentry_t *e = da_lookup(da, zonename, id, now);
    if (e == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    e->ae_seen = now;
    return e;
}

int
discover_alias_get(discover_alias_t *da, const char *zonename, zoneid_t id, double now, char *out)
{
    int rc = 0;
    out[0] = '\0';
    if (strlen(zonename) >= ZONENAME_MAX)
        return 0;
    pthread_mutex_lock(&da->da_lock);
    da_maybe_sweep(da, now);
    aentry_t *e = da_get(da, zonename, id, now);
    if (e == NULL)
        rc = -1;
    else if (e->ae_alias != NULL) {
        memcpy(out, e->ae_alias, e->ae_len + 1);
        rc = 1;
    }
    pthread_mutex_unlock(&da->da_lock);
    return rc;
}

int
discover_alias_fill(discover_alias_t *da, discover_instance_t *v, const zoneid_t *ids, size_t n,
                    double now, sbuf_t *arena)
{
    size_t *off = malloc((n ? n : 1) * sizeof(*off));
    if (off == NULL)
        return -1;
    pthread_mutex_lock(&da->da_lock);
    da_maybe_sweep(da, now);
    size_t i = 0;
    for (; i < n; i++) {
        off[i] = SIZE_MAX;
        if (strlen(v[i].di_uuid) >= ZONENAME_MAX)
            continue; /* cannot be a zonename: no configuration */
        aentry_t *e = da_get(da, v[i].di_uuid, ids[i], now);
        if (e == NULL)
            break;
        if (e->ae_alias != NULL) {
            off[i] = arena->sb_len;
            sbuf_add(arena, e->ae_alias, e->ae_len + 1);
        }
    }
    pthread_mutex_unlock(&da->da_lock);
    int rc = i < n || sbuf_failed(arena) ? -1 : 0;
    for (i = 0; rc == 0 && i < n; i++)
        v[i].di_alias = off[i] == SIZE_MAX ? NULL : arena->sb_buf + off[i];
    free(off);
    if (rc != 0)
        errno = ENOMEM;
    return rc;
}
