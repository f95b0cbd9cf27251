/*
 * vminfo.c - reading vminfod's VM records (jansson) and keeping each
 * zone's NICs (vminfo.h): a chained hash by uuid under one mutex, the
 * request itself made outside it by libcurl (common/fetch).
 */
#include "vminfo.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fetch.h"
#include "log.h"
#include "monotime.h"
#include "strhash.h"

#define VMINFO_BUCKETS 8192 /* a power of two; chains stay short at 10,000 zones */
#define VMINFO_SWEEP_EVERY 1024
#define VMINFO_STR_BUCKETS 1024 /* distinct tags and networks: few per node */
#define VMINFO_BACKOFF_MAX 6    /* a zone's wait doubles up to 64 x VMINFO_RETRY_S (about 10 min) */
#define VMINFO_SICK 3           /* vminfo_fetch(): vminfod answered 5xx, it is failing as a whole */

/* ---- parsing ------------------------------------------------------------ */

/* Copies the string member key of o into out; absent is "". -1 with err. */
static int
parse_str(const json_t *o, const char *key, size_t i, char *out, char *err, size_t errlen)
{
    const json_t *v = json_object_get(o, key);

    out[0] = '\0';
    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return snprintf(err, errlen, "nics[%zu].%s is not a string", i, key), -1;
    if (json_string_length(v) >= VMINFO_STR_MAX)
        return snprintf(err, errlen, "nics[%zu].%s is longer than %d bytes", i, key,
                        VMINFO_STR_MAX - 1),
               -1;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int
parse_nic(const json_t *n, size_t i, vminfo_nic_t *out, char *err, size_t errlen)
{
    if (!json_is_object(n))
        return snprintf(err, errlen, "nics[%zu] is not an object", i), -1;
    if (parse_str(n, "interface", i, out->vn_interface, err, errlen) != 0 ||
        parse_str(n, "nic_tag", i, out->vn_nic_tag, err, errlen) != 0 ||
        parse_str(n, "network_uuid", i, out->vn_network_uuid, err, errlen) != 0)
        return -1;
    if (out->vn_interface[0] == '\0')
        return snprintf(err, errlen, "nics[%zu] has no interface", i), -1;
    return 0;
}

int
vminfo_parse(const char *body, size_t len, vminfo_nics_t *out, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = json_loadb(body, len, 0, &je);
    int rc = 0;

    out->vs_count = 0;
    if (j == NULL)
        return snprintf(err, errlen, "not JSON: %s at line %d column %d", je.text, je.line,
                        je.column),
               -1;
    json_t *nics = json_object_get(j, "nics");
    if (!json_is_object(j) || !json_is_array(nics)) {
        snprintf(err, errlen, "not a VM record (no nics array)");
        rc = -1;
    } else if (json_array_size(nics) > VMINFO_NICS_MAX) {
        snprintf(err, errlen, "more than %d nics", VMINFO_NICS_MAX);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(nics); i++)
        rc = parse_nic(json_array_get(nics, i), i, &out->vs_nics[out->vs_count++], err, errlen);
    json_decref(j);
    return rc;
}

const vminfo_nic_t *
vminfo_find(const vminfo_nics_t *nics, const char *ifname)
{
    for (size_t i = 0; i < nics->vs_count; i++)
        if (strcmp(nics->vs_nics[i].vn_interface, ifname) == 0)
            return &nics->vs_nics[i];
    return NULL;
}

/* ---- the cache ----------------------------------------------------------- */

/*
 * A NIC as kept: its strings interned (the node's few tags and networks are
 * shared by thousands of zones), so that 10,000 zones cost a few hundred
 * kilobytes.
 */
typedef struct vminfo_cnic {
    const char *cn_interface, *cn_nic_tag, *cn_network_uuid;
} vminfo_cnic_t;

typedef struct vminfo_str {
    struct vminfo_str *vs_next;
    char vs_text[]; /* NUL-terminated */
} vminfo_str_t;

typedef struct vminfo_entry {
    struct vminfo_entry *ve_next;
    uint64_t ve_sig;        /* the links the list was fetched for */
    int64_t ve_fetched;     /* ms; when the good list was fetched (0: none) */
    int64_t ve_retry;       /* ms; not asked again before this after a failure */
    uint32_t ve_fails;      /* failures since the last good list: the wait doubles with each */
    int64_t ve_used;        /* ms; last asked for (the sweep drops the forgotten) */
    vminfo_cnic_t *ve_nics; /* ve_count of them, the last good list */
    uint32_t ve_count;
    char ve_uuid[]; /* the key */
} vminfo_entry_t;

struct vminfo {
    char *vi_url;
    pthread_mutex_t vi_lock; /* the entries and the strings */
    vminfo_entry_t *vi_buckets[VMINFO_BUCKETS];
    vminfo_str_t *vi_strs[VMINFO_STR_BUCKETS];
    int64_t vi_down_until; /* ms: vminfod did not answer; nobody asks before this */
    int64_t vi_ttl_ms, vi_retry_ms;
    unsigned long vi_inserts, vi_swept, vi_requests;
    pthread_mutex_t vi_fetch_lock; /* one request at a time, on one kept-alive handle */
    fetch_t *vi_fetch;
};

vminfo_t *
vminfo_new(const char *url, double ttl_s, double retry_s)
{
    vminfo_t *vi = calloc(1, sizeof(*vi));

    if (vi == NULL || (vi->vi_url = strdup(url)) == NULL) {
        free(vi);
        errno = ENOMEM;
        return NULL;
    }
    size_t n = strlen(vi->vi_url);
    while (n > 0 && vi->vi_url[n - 1] == '/')
        vi->vi_url[--n] = '\0';
    vi->vi_ttl_ms = (int64_t)((ttl_s > 0 ? ttl_s : VMINFO_TTL_S) * 1000);
    vi->vi_retry_ms = (int64_t)((retry_s > 0 ? retry_s : VMINFO_RETRY_S) * 1000);
    pthread_mutex_init(&vi->vi_lock, NULL);
    pthread_mutex_init(&vi->vi_fetch_lock, NULL);
    return vi;
}

static void
entry_free(vminfo_entry_t *e)
{
    free(e->ve_nics);
    free(e);
}

/* The interned copy of s (NULL: ENOMEM). Caller holds the lock. */
static const char *
str_intern(vminfo_t *vi, const char *s)
{
    vminfo_str_t **b = &vi->vi_strs[strhash_fnv1a(s) & (VMINFO_STR_BUCKETS - 1)];
    size_t n = strlen(s) + 1;

    for (vminfo_str_t *p = *b; p != NULL; p = p->vs_next)
        if (strcmp(p->vs_text, s) == 0)
            return p->vs_text;
    vminfo_str_t *p = malloc(sizeof(*p) + n);
    if (p == NULL)
        return NULL;
    memcpy(p->vs_text, s, n);
    p->vs_next = *b;
    *b = p;
    return p->vs_text;
}

void
vminfo_free(vminfo_t *vi)
{
    if (vi == NULL)
        return;
    for (size_t b = 0; b < VMINFO_BUCKETS; b++)
        while (vi->vi_buckets[b] != NULL) {
            vminfo_entry_t *e = vi->vi_buckets[b];
            vi->vi_buckets[b] = e->ve_next;
            entry_free(e);
        }
    for (size_t b = 0; b < VMINFO_STR_BUCKETS; b++)
        while (vi->vi_strs[b] != NULL) {
            vminfo_str_t *p = vi->vi_strs[b];
            vi->vi_strs[b] = p->vs_next;
            free(p);
        }
    fetch_free(vi->vi_fetch);
    pthread_mutex_destroy(&vi->vi_fetch_lock);
    pthread_mutex_destroy(&vi->vi_lock);
    free(vi->vi_url);
    free(vi);
}

unsigned long
vminfo_requests(const vminfo_t *vi)
{
    return __atomic_load_n(&vi->vi_requests, __ATOMIC_RELAXED);
}

/* The entry of uuid, created when absent (NULL: ENOMEM). Caller holds the lock. */
static vminfo_entry_t *
entry_get(vminfo_t *vi, const char *uuid)
{
    vminfo_entry_t **b = &vi->vi_buckets[strhash_fnv1a(uuid) & (VMINFO_BUCKETS - 1)];

    for (vminfo_entry_t *e = *b; e != NULL; e = e->ve_next)
        if (strcmp(e->ve_uuid, uuid) == 0)
            return e;
    size_t n = strlen(uuid) + 1;
    vminfo_entry_t *e = calloc(1, sizeof(*e) + n);
    if (e == NULL)
        return NULL;
    memcpy(e->ve_uuid, uuid, n);
    e->ve_next = *b;
    *b = e;
    vi->vi_inserts++;
    return e;
}

/* Drops the entries nobody asked for in a TTL (zones gone). Caller holds the lock. */
static void
cache_sweep(vminfo_t *vi, int64_t now)
{
    for (size_t b = 0; b < VMINFO_BUCKETS; b++)
        for (vminfo_entry_t **p = &vi->vi_buckets[b]; *p != NULL;) {
            vminfo_entry_t *e = *p;
            if (now - e->ve_used > vi->vi_ttl_ms) {
                *p = e->ve_next;
                entry_free(e);
            } else {
                p = &e->ve_next;
            }
        }
}

static void
entry_copy(const vminfo_entry_t *e, vminfo_nics_t *out)
{
    out->vs_count = e->ve_count;
    for (uint32_t i = 0; i < e->ve_count; i++) {
        vminfo_nic_t *n = &out->vs_nics[i];
        snprintf(n->vn_interface, sizeof(n->vn_interface), "%s", e->ve_nics[i].cn_interface);
        snprintf(n->vn_nic_tag, sizeof(n->vn_nic_tag), "%s", e->ve_nics[i].cn_nic_tag);
        snprintf(n->vn_network_uuid, sizeof(n->vn_network_uuid), "%s",
                 e->ve_nics[i].cn_network_uuid);
    }
}

/* ---- asking vminfod ------------------------------------------------------ */

/*
 * GETs uuid's record and parses it into out, one request at a time on one
 * kept-alive handle. 0; 1 an answer that is no record of that VM (err says
 * why); VMINFO_SICK a 5xx answer; -1 no answer at all; 2 not asked:
 * vminfod did not answer another request while this one waited its turn
 * (a slow vminfod costs the scrapes one timeout, not one each).
 */
static int
vminfo_fetch(vminfo_t *vi, const char *uuid, vminfo_nics_t *out, char *err, size_t errlen)
{
    char url[320];
    /* the timeout kept by a kernel timer too: it holds under a frozen clock */
    struct fetch_req rq = {.rq_url = url,
                           .rq_timeout_s = VMINFO_TIMEOUT_S,
                           .rq_timeout_kernel = 1,
                           .rq_max_body = VMINFO_BODY_MAX};
    struct fetch_resp rs = {0};
    int rc = 0;

    snprintf(url, sizeof(url), "%s/vms/%s", vi->vi_url, uuid);
    pthread_mutex_lock(&vi->vi_fetch_lock);
    pthread_mutex_lock(&vi->vi_lock);
    int down = cmon_monotime_ms() < vi->vi_down_until;
    pthread_mutex_unlock(&vi->vi_lock);
    if (down) {
        pthread_mutex_unlock(&vi->vi_fetch_lock);
        return 2;
    }
    __atomic_add_fetch(&vi->vi_requests, 1, __ATOMIC_RELAXED);
    if (vi->vi_fetch == NULL)
        vi->vi_fetch = fetch_new();
    int got = vi->vi_fetch ? fetch_perform(vi->vi_fetch, &rq, &rs) : fetch_once(&rq, &rs);
    pthread_mutex_unlock(&vi->vi_fetch_lock);
    if (got != 0) {
        snprintf(err, errlen, "%.500s", rs.rs_error);
        rc = -1;
    } else if (rs.rs_status != 200) {
        snprintf(err, errlen, "GET %s answered %ld", url, rs.rs_status);
        rc = rs.rs_status >= 500 ? VMINFO_SICK : 1;
    } else if (vminfo_parse(rs.rs_body, rs.rs_len, out, err, errlen) != 0) {
        char why[256];
        snprintf(why, sizeof(why), "%.255s", err);
        snprintf(err, errlen, "GET %.320s: %s", url, why);
        rc = 1;
    }
    fetch_resp_release(&rs);
    return rc;
}

/* Keeps a good list for sig. Caller holds the lock. 0 or -1 (ENOMEM). */
static int
entry_store(vminfo_t *vi, vminfo_entry_t *e, const vminfo_nics_t *nics, uint64_t sig, int64_t now)
{
    vminfo_cnic_t *copy = malloc((nics->vs_count ? nics->vs_count : 1) * sizeof(*copy));

    if (copy == NULL)
        return -1;
    for (size_t i = 0; i < nics->vs_count; i++) {
        const vminfo_nic_t *n = &nics->vs_nics[i];
        copy[i].cn_interface = str_intern(vi, n->vn_interface);
        copy[i].cn_nic_tag = str_intern(vi, n->vn_nic_tag);
        copy[i].cn_network_uuid = str_intern(vi, n->vn_network_uuid);
        if (!copy[i].cn_interface || !copy[i].cn_nic_tag || !copy[i].cn_network_uuid) {
            free(copy);
            return -1;
        }
    }
    free(e->ve_nics);
    e->ve_nics = copy;
    e->ve_count = (uint32_t)nics->vs_count;
    e->ve_sig = sig;
    e->ve_fetched = now;
    e->ve_retry = 0;
    e->ve_fails = 0;
    return 0;
}

/* After a failure: the stale list or -1, the zone (or all, with no answer) waited out. */
static int
vminfo_failed(vminfo_t *vi, vminfo_entry_t *e, const char *uuid, int rc, const char *err,
              int64_t now, vminfo_nics_t *out)
{
    unsigned shift = e->ve_fails < VMINFO_BACKOFF_MAX ? e->ve_fails : VMINFO_BACKOFF_MAX;

    e->ve_fails++;
    e->ve_retry = now + (vi->vi_retry_ms << shift); /* a VM vminfod keeps failing: less often */
    if (rc < 0 || rc == VMINFO_SICK)
        vi->vi_down_until = now + vi->vi_retry_ms; /* vminfod itself: nobody asks for a while */
    if (e->ve_fetched != 0) {
        log_msg(LOG_WARN, "vminfod: %s; link labels of %s from the NICs it gave %.0f s ago", err,
                uuid, (double)(now - e->ve_fetched) / 1000);
        entry_copy(e, out);
        return VMINFO_STALE;
    }
    log_msg(LOG_WARN, "vminfod: %s; no NICs known for %s: link metrics unavailable", err, uuid);
    errno = EIO;
    return -1;
}

/* The entry's list as it stands when vminfod is not to be asked now. */
static int
vminfo_waited(vminfo_entry_t *e, vminfo_nics_t *out)
{
    if (e->ve_fetched == 0) {
        errno = EIO;
        return -1;
    }
    entry_copy(e, out);
    return VMINFO_STALE;
}

int
vminfo_get(vminfo_t *vi, const char *uuid, uint64_t sig, vminfo_nics_t *out)
{
    int64_t now = cmon_monotime_ms();
    char err[FETCH_ERROR_MAX + 384];
    int rc;

    pthread_mutex_lock(&vi->vi_lock);
    vminfo_entry_t *e = entry_get(vi, uuid);
    if (e == NULL) {
        pthread_mutex_unlock(&vi->vi_lock);
        return errno = ENOMEM, -1;
    }
    e->ve_used = now;
    if (e->ve_fetched != 0 && e->ve_sig == sig && now - e->ve_fetched < vi->vi_ttl_ms) {
        entry_copy(e, out);
        pthread_mutex_unlock(&vi->vi_lock);
        return VMINFO_CACHED;
    }
    if (now < e->ve_retry || now < vi->vi_down_until) {
        rc = vminfo_waited(e, out);
        pthread_mutex_unlock(&vi->vi_lock);
        return rc;
    }
    pthread_mutex_unlock(&vi->vi_lock);
    rc = vminfo_fetch(vi, uuid, out, err, sizeof(err));
    now = cmon_monotime_ms(); /* the waits count from the answer (or the timeout) */
    pthread_mutex_lock(&vi->vi_lock);
    e = entry_get(vi, uuid); /* a sweep may have run meanwhile */
    if (e != NULL && rc == 2)
        rc = vminfo_waited(e, out);
    else if (e != NULL && rc == 0 && entry_store(vi, e, out, sig, now) == 0)
        rc = VMINFO_FRESH;
    else if (e != NULL)
        rc =
            vminfo_failed(vi, e, uuid, rc == 0 ? 1 : rc, rc == 0 ? "out of memory" : err, now, out);
    else
        rc = (errno = ENOMEM, -1);
    if (vi->vi_inserts - vi->vi_swept >= VMINFO_SWEEP_EVERY) {
        vi->vi_swept = vi->vi_inserts;
        cache_sweep(vi, now);
    }
    pthread_mutex_unlock(&vi->vi_lock);
    return rc;
}
