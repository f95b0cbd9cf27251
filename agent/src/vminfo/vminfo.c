/*
 * vminfo.c - the one cache of vminfod's VM records (vminfo.h): a chained
 * hash by uuid under one mutex, the request itself made outside it by
 * libcurl (common/fetch), its answer read by vmrec.c.
 */
#include "vminfo.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "log.h"
#include "monotime.h"
#include "strhash.h"

#include "zonelist.h"

#define VMINFO_BUCKETS 8192     /* a power of two; chains stay short at 10,000 zones */
#define VMINFO_SWEEP_EVERY 1024 /* inserts between two sweeps, at most */
#define VMINFO_SWEEP_MS 60000   /* and at most a minute between two */
#define VMINFO_STR_BUCKETS 1024 /* distinct tags and networks: few per node */
#define VMINFO_BACKOFF_MAX 6    /* a VM's wait doubles up to 64 x VMINFO_RETRY_S (about 10 min) */
#define VMINFO_FAILS_MAX 255
#define VMINFO_SICK 3    /* vminfo_fetch(): vminfod answered 5xx, it is failing as a whole */
#define VMINFO_DROPPED 2 /* vminfo_fetch(): not asked, vminfod went silent meanwhile */

/* ve_flags */
#define VE_FORGOTTEN 0x1 /* vminfo_forget() since it was read: triton_core asks again */
#define VE_FOR_CORE 0x2  /* read for a zone the scrape's header said is a core zone */

/*
 * A NIC as kept: its strings interned (the node's few tags and networks are
 * shared by thousands of zones), so that 10,000 zones cost a few hundred
 * kilobytes.
 */
typedef struct vminfo_cnic {
    const char *cn_interface, *cn_nic_tag, *cn_network_uuid;
} vminfo_cnic_t;

/* The core parts as kept, for the few records that have any. */
typedef struct vminfo_ccore {
    uint8_t cc_role, cc_core, cc_has_ports;
    char cc_admin_ip[VMINFO_IP_MAX];
    char cc_ports[]; /* NUL-terminated */
} vminfo_ccore_t;

typedef struct vminfo_str {
    struct vminfo_str *vs_next;
    char vs_text[]; /* NUL-terminated */
} vminfo_str_t;

typedef struct vminfo_entry {
    struct vminfo_entry *ve_next;
    uint64_t ve_sig;         /* the links the record was read for; 0: not known yet */
    int64_t ve_fetched;      /* ms; when the good record was read (0: none) */
    int64_t ve_retry;        /* ms; not asked again before this after a failure */
    int64_t ve_used;         /* ms; last asked for (the sweep drops the forgotten) */
    vminfo_cnic_t *ve_nics;  /* ve_count of them, of the last good record */
    vminfo_ccore_t *ve_core; /* its core parts; NULL: no smartdc_role tag nor metricPorts */
    int32_t ve_zoneid;       /* the boot it was read in */
    uint16_t ve_count;
    uint8_t ve_fails; /* failures since the last good record: the wait doubles with each */
    uint8_t ve_flags; /* VE_* */
    char ve_uuid[];   /* the key */
} vminfo_entry_t;

struct vminfo {
    char *vi_url;
    char *vi_admin;          /* core zones' owner, NULL: none known */
    pthread_mutex_t vi_lock; /* the entries, the strings and the times below */
    vminfo_entry_t *vi_buckets[VMINFO_BUCKETS];
    vminfo_str_t *vi_strs[VMINFO_STR_BUCKETS];
    int64_t vi_down_until; /* ms: vminfod did not answer; nobody asks before this */
    int64_t vi_logged_at;  /* ms: the last failure logged at warn (0: none) */
    int64_t vi_ttl_ms, vi_retry_ms;
    unsigned long vi_inserts, vi_swept, vi_requests;
    int64_t vi_swept_at;           /* ms: the last sweep */
    size_t vi_count;               /* entries kept */
    pthread_mutex_t vi_fetch_lock; /* one request at a time, on one kept-alive handle */
    fetch_t *vi_fetch;
};

/* What a caller wants of a record. */
typedef struct vminfo_want {
    int w_zoneid;      /* the zone's boot; -1: any (vminfo_core_kept()) */
    uint64_t w_sig;    /* the link kstats' signature; 0: not the link collector */
    int64_t w_max_age; /* ms */
    int w_core;        /* triton_core or the check: forgotten records void, nothing stale */
    int w_claimed;     /* the header says core zone */
    int w_kept;        /* never ask vminfod: what is kept, or -1 (vminfo_get_kept()) */
} vminfo_want_t;

vminfo_t *
vminfo_new(const char *url, const char *admin_uuid, double ttl_s, double retry_s)
{
    vminfo_t *vi = calloc(1, sizeof(*vi));

    if (vi == NULL || (vi->vi_url = strdup(url)) == NULL ||
        (admin_uuid != NULL && (vi->vi_admin = strdup(admin_uuid)) == NULL)) {
        if (vi != NULL)
            free(vi->vi_url);
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
    free(e->ve_core);
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
    free(vi->vi_admin);
    free(vi);
}

const char *
vminfo_admin_uuid(const vminfo_t *vi)
{
    return vi->vi_admin;
}

unsigned long
vminfo_requests(const vminfo_t *vi)
{
    return __atomic_load_n(&vi->vi_requests, __ATOMIC_RELAXED);
}

/* The entry of uuid, or NULL. Caller holds the lock. */
static vminfo_entry_t *
entry_find(vminfo_t *vi, const char *uuid)
{
    for (vminfo_entry_t *e = vi->vi_buckets[strhash_fnv1a(uuid) & (VMINFO_BUCKETS - 1)]; e != NULL;
         e = e->ve_next)
        if (strcmp(e->ve_uuid, uuid) == 0)
            return e;
    return NULL;
}

/* The entry of uuid, created when absent (NULL: ENOMEM). Caller holds the lock. */
static vminfo_entry_t *
entry_get(vminfo_t *vi, const char *uuid)
{
    vminfo_entry_t *e = entry_find(vi, uuid);
    if (e != NULL)
        return e;
    size_t n = strlen(uuid) + 1;
    if ((e = calloc(1, sizeof(*e) + n)) == NULL)
        return NULL;
    memcpy(e->ve_uuid, uuid, n);
    e->ve_zoneid = -1;
    vminfo_entry_t **b = &vi->vi_buckets[strhash_fnv1a(uuid) & (VMINFO_BUCKETS - 1)];
    e->ve_next = *b;
    *b = e;
    vi->vi_inserts++;
    vi->vi_count++;
    return e;
}

/*
 * Whether e's VM is gone: nobody asked for it in a TTL, or it is not running
 * now (destroyed or halted; a record is kept for one boot, so a zone that
 * boots again is asked again anyway). Without the second rule a node that
 * churns kept every destroyed VM's record for an hour: the agent grew by
 * ~150 bytes per zone ever made (issue 15, item 6).
 */
static int
entry_gone(const vminfo_t *vi, const vminfo_entry_t *e, int64_t now)
{
    return now - e->ve_used > vi->vi_ttl_ms || !zonelist_running(e->ve_uuid);
}

/* Drops the entries of VMs that are gone. Caller holds the lock. */
static void
entry_sweep(vminfo_t *vi, int64_t now)
{
    for (size_t b = 0; b < VMINFO_BUCKETS; b++)
        for (vminfo_entry_t **p = &vi->vi_buckets[b]; *p != NULL;) {
            vminfo_entry_t *e = *p;
            if (entry_gone(vi, e, now)) {
                *p = e->ve_next;
                entry_free(e);
                vi->vi_count--;
            } else {
                p = &e->ve_next;
            }
        }
    vi->vi_swept = vi->vi_inserts;
    vi->vi_swept_at = now;
}

/*
 * Sweeps after VMINFO_SWEEP_EVERY new entries or a minute, whichever comes
 * first: the entries are bounded by the running VMs and those that came and
 * went within the last minute. Caller holds the lock.
 */
static void
entry_maybe_sweep(vminfo_t *vi, int64_t now)
{
    if (vi->vi_swept_at == 0)
        vi->vi_swept_at = now;
    if (vi->vi_inserts - vi->vi_swept >= VMINFO_SWEEP_EVERY ||
        now - vi->vi_swept_at >= VMINFO_SWEEP_MS)
        entry_sweep(vi, now);
}

void
vminfo_sweep(vminfo_t *vi)
{
    pthread_mutex_lock(&vi->vi_lock);
    entry_sweep(vi, cmon_monotime_ms());
    pthread_mutex_unlock(&vi->vi_lock);
}

size_t
vminfo_size(vminfo_t *vi)
{
    pthread_mutex_lock(&vi->vi_lock);
    size_t n = vi->vi_count;
    pthread_mutex_unlock(&vi->vi_lock);
    return n;
}

void
vminfo_forget(vminfo_t *vi)
{
    pthread_mutex_lock(&vi->vi_lock);
    for (size_t b = 0; b < VMINFO_BUCKETS; b++)
        for (vminfo_entry_t *e = vi->vi_buckets[b]; e != NULL; e = e->ve_next) {
            e->ve_flags |= VE_FORGOTTEN;
            e->ve_retry = 0;
            e->ve_fails = 0;
        }
    vi->vi_down_until = 0;
    pthread_mutex_unlock(&vi->vi_lock);
}

/* ---- what a caller gets ---------------------------------------------------- */

/* Whether e's record serves w now (the link collector's signature adopted). Caller holds the lock.
 */
static int
entry_serves(vminfo_entry_t *e, const vminfo_want_t *w, int64_t now)
{
    if (e->ve_fetched == 0 || now - e->ve_fetched > w->w_max_age ||
        (w->w_zoneid >= 0 && e->ve_zoneid != w->w_zoneid))
        return 0;
    if (w->w_sig != 0 && e->ve_sig != 0 && e->ve_sig != w->w_sig)
        return 0; /* other links in the same boot: a NIC came */
    if (w->w_core && (e->ve_flags & VE_FORGOTTEN))
        return 0;
    if (w->w_claimed && !(e->ve_flags & VE_FOR_CORE) &&
        (e->ve_core == NULL || !e->ve_core->cc_core))
        return 0; /* the header says core zone, the record not: it may predate the tag (D16) */
    if (w->w_sig != 0 && e->ve_sig == 0)
        e->ve_sig = w->w_sig; /* read for another user in this boot: these are its links */
    return 1;
}

/* src into dst[cap], cut to fit, as snprintf's "%s" would (every scrape of
 * an instance copies its NICs: no format parsing). */
static void
copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void
copy_nics(const vminfo_entry_t *e, vminfo_nics_t *out)
{
    out->vs_count = e->ve_count;
    for (uint32_t i = 0; i < e->ve_count; i++) {
        vminfo_nic_t *n = &out->vs_nics[i];
        copy_str(n->vn_interface, sizeof(n->vn_interface), e->ve_nics[i].cn_interface);
        copy_str(n->vn_nic_tag, sizeof(n->vn_nic_tag), e->ve_nics[i].cn_nic_tag);
        copy_str(n->vn_network_uuid, sizeof(n->vn_network_uuid), e->ve_nics[i].cn_network_uuid);
    }
}

static void
copy_core(const vminfo_entry_t *e, vminfo_core_t *out)
{
    const vminfo_ccore_t *c = e->ve_core;

    memset(out, 0, sizeof(*out));
    if (c == NULL)
        return;
    out->vc_role = c->cc_role;
    out->vc_core = c->cc_core;
    out->vc_has_ports = c->cc_has_ports;
    snprintf(out->vc_admin_ip, sizeof(out->vc_admin_ip), "%s", c->cc_admin_ip);
    snprintf(out->vc_ports, sizeof(out->vc_ports), "%s", c->cc_ports);
}

/* The caller's part of e's record into nics or core (whichever is not NULL). */
static void
entry_copy(const vminfo_entry_t *e, vminfo_nics_t *nics, vminfo_core_t *core)
{
    if (nics != NULL)
        copy_nics(e, nics);
    if (core != NULL)
        copy_core(e, core);
}

/* ---- asking vminfod -------------------------------------------------------- */

/*
 * GETs uuid's record and parses it into out, one request at a time on one
 * kept-alive handle. 0; 1 an answer that is no record of that VM (err says
 * why); VMINFO_SICK a 5xx answer; -1 no answer at all; VMINFO_DROPPED not
 * asked: vminfod did not answer another request while this one waited its
 * turn (a slow vminfod costs the scrapes one timeout, not one each).
 */
static int
vminfo_fetch(vminfo_t *vi, const char *uuid, vminfo_rec_t *out, char *err, size_t errlen)
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
        return VMINFO_DROPPED;
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
    } else if (vminfo_parse(rs.rs_body, rs.rs_len, vi->vi_admin, out, err, errlen) != 0) {
        char why[256];
        snprintf(why, sizeof(why), "%.255s", err);
        snprintf(err, errlen, "GET %.320s: %s", url, why);
        rc = 1;
    }
    fetch_resp_release(&rs);
    return rc;
}

/* The core parts of rec as kept: NULL when there are none to keep (*oom set when out of memory). */
static vminfo_ccore_t *
core_keep(const vminfo_core_t *c, int *oom)
{
    if (!c->vc_role && !c->vc_has_ports)
        return NULL; /* no core zone, no metric ports: nothing triton_core could use */
    size_t n = strlen(c->vc_ports) + 1;
    vminfo_ccore_t *k = malloc(sizeof(*k) + n);
    if (k == NULL) {
        *oom = 1;
        return NULL;
    }
    k->cc_role = (uint8_t)c->vc_role;
    k->cc_core = (uint8_t)c->vc_core;
    k->cc_has_ports = (uint8_t)c->vc_has_ports;
    snprintf(k->cc_admin_ip, sizeof(k->cc_admin_ip), "%s", c->vc_admin_ip);
    memcpy(k->cc_ports, c->vc_ports, n);
    return k;
}

/* Keeps a good record read for w. Caller holds the lock. 0 or -1 (ENOMEM). */
static int
entry_store(vminfo_t *vi, vminfo_entry_t *e, const vminfo_rec_t *rec, const vminfo_want_t *w,
            int64_t now)
{
    const vminfo_nics_t *nics = &rec->vr_nics;
    vminfo_cnic_t *copy = malloc((nics->vs_count ? nics->vs_count : 1) * sizeof(*copy));
    int oom = 0;
    vminfo_ccore_t *core = core_keep(&rec->vr_core, &oom);

    for (size_t i = 0; copy != NULL && i < nics->vs_count; i++) {
        const vminfo_nic_t *n = &nics->vs_nics[i];
        copy[i].cn_interface = str_intern(vi, n->vn_interface);
        copy[i].cn_nic_tag = str_intern(vi, n->vn_nic_tag);
        copy[i].cn_network_uuid = str_intern(vi, n->vn_network_uuid);
        oom |= !copy[i].cn_interface || !copy[i].cn_nic_tag || !copy[i].cn_network_uuid;
    }
    if (copy == NULL || oom) {
        free(copy);
        free(core);
        return -1;
    }
    free(e->ve_nics);
    free(e->ve_core);
    e->ve_nics = copy;
    e->ve_count = (uint16_t)nics->vs_count;
    e->ve_core = core;
    if (w->w_sig != 0 || e->ve_zoneid != w->w_zoneid)
        e->ve_sig = w->w_sig; /* the same boot read again for triton_core: the links stand */
    e->ve_zoneid = w->w_zoneid;
    e->ve_fetched = now;
    e->ve_retry = 0;
    e->ve_fails = 0;
    e->ve_flags = w->w_claimed ? VE_FOR_CORE : 0;
    return 0;
}

/* Whether a failure now is logged at warn: at most once per retry period for all VMs. */
static int
vminfo_warn_now(vminfo_t *vi, int64_t now)
{
    if (vi->vi_logged_at != 0 && now - vi->vi_logged_at < vi->vi_retry_ms)
        return 0;
    vi->vi_logged_at = now;
    return 1;
}

/* What the caller gets when vminfod is not asked or failed: the stale NICs, or -1. */
static int
vminfo_waited(const vminfo_entry_t *e, const vminfo_want_t *w, vminfo_nics_t *nics,
              vminfo_core_t *core)
{
    if (e->ve_fetched == 0 || w->w_core) {
        errno = EIO;
        return -1;
    }
    entry_copy(e, nics, core);
    return VMINFO_STALE;
}

/* After a failure: the VM (or all, with no answer or 5xx) waited out, logged; then as waited. */
static int
vminfo_failed(vminfo_t *vi, vminfo_entry_t *e, const vminfo_want_t *w, int rc, const char *err,
              int64_t now, vminfo_nics_t *nics, vminfo_core_t *core)
{
    unsigned shift = e->ve_fails < VMINFO_BACKOFF_MAX ? e->ve_fails : VMINFO_BACKOFF_MAX;
    int level = vminfo_warn_now(vi, now) ? LOG_WARN : LOG_DEBUG;

    if (e->ve_fails < VMINFO_FAILS_MAX)
        e->ve_fails++;
    e->ve_retry = now + (vi->vi_retry_ms << shift); /* a VM vminfod keeps failing: less often */
    if (rc < 0 || rc == VMINFO_SICK)
        vi->vi_down_until = now + vi->vi_retry_ms; /* vminfod itself: nobody asks for a while */
    if (w->w_core)
        log_msg(level, "vminfod: %s; no record of %s: triton_core unavailable", err, e->ve_uuid);
    else if (e->ve_fetched != 0)
        log_msg(level, "vminfod: %s; link labels of %s from the NICs it gave %.0f s ago", err,
                e->ve_uuid, (double)(now - e->ve_fetched) / 1000);
    else
        log_msg(level, "vminfod: %s; no NICs known for %s: link metrics unavailable", err,
                e->ve_uuid);
    return vminfo_waited(e, w, nics, core);
}

/* vminfo_get() and vminfo_core(): the record kept, else asked. */
static int
vminfo_want(vminfo_t *vi, const char *uuid, const vminfo_want_t *w, vminfo_nics_t *nics,
            vminfo_core_t *core)
{
    int64_t now = cmon_monotime_ms();
    char err[FETCH_ERROR_MAX + 384];
    vminfo_rec_t rec;
    int rc;

    pthread_mutex_lock(&vi->vi_lock);
    entry_maybe_sweep(vi, now);
    vminfo_entry_t *e = entry_get(vi, uuid);
    if (e == NULL) {
        pthread_mutex_unlock(&vi->vi_lock);
        return errno = ENOMEM, -1;
    }
    e->ve_used = now;
    if (entry_serves(e, w, now)) {
        entry_copy(e, nics, core);
        pthread_mutex_unlock(&vi->vi_lock);
        return VMINFO_CACHED;
    }
    if (w->w_kept || now < e->ve_retry || now < vi->vi_down_until) {
        rc = vminfo_waited(e, w, nics, core);
        pthread_mutex_unlock(&vi->vi_lock);
        return rc;
    }
    pthread_mutex_unlock(&vi->vi_lock);
    rc = vminfo_fetch(vi, uuid, &rec, err, sizeof(err));
    now = cmon_monotime_ms(); /* the waits count from the answer (or the timeout) */
    pthread_mutex_lock(&vi->vi_lock);
    e = entry_get(vi, uuid); /* a sweep may have run meanwhile */
    if (e != NULL && rc == VMINFO_DROPPED)
        rc = vminfo_waited(e, w, nics, core);
    else if (e != NULL && rc == 0 && entry_store(vi, e, &rec, w, now) == 0)
        entry_copy(e, nics, core), rc = VMINFO_FRESH;
    else if (e != NULL)
        rc = vminfo_failed(vi, e, w, rc == 0 ? 1 : rc, rc == 0 ? "out of memory" : err, now, nics,
                           core);
    else
        rc = (errno = ENOMEM, -1);
    entry_maybe_sweep(vi, now);
    pthread_mutex_unlock(&vi->vi_lock);
    return rc;
}

int
vminfo_get(vminfo_t *vi, const char *uuid, int zoneid, uint64_t sig, vminfo_nics_t *out)
{
    vminfo_want_t w = {.w_zoneid = zoneid, .w_sig = sig, .w_max_age = vi->vi_ttl_ms};

    return vminfo_want(vi, uuid, &w, out, NULL);
}

int
vminfo_prepare(vminfo_t *vi, const char *uuid, int zoneid)
{
    vminfo_want_t w = {.w_zoneid = zoneid, .w_max_age = vi->vi_ttl_ms};

    return vminfo_want(vi, uuid, &w, NULL, NULL);
}

int
vminfo_get_kept(vminfo_t *vi, const char *uuid, int zoneid, uint64_t sig, vminfo_nics_t *out)
{
    vminfo_want_t w = {.w_zoneid = zoneid, .w_sig = sig, .w_max_age = vi->vi_ttl_ms, .w_kept = 1};

    return vminfo_want(vi, uuid, &w, out, NULL);
}
int
vminfo_core(vminfo_t *vi, const char *uuid, int zoneid, double max_age, int claimed,
            vminfo_core_t *out)
{
    vminfo_want_t w = {.w_zoneid = zoneid,
                       .w_max_age = (int64_t)(max_age * 1000),
                       .w_core = 1,
                       .w_claimed = claimed};

    if (w.w_max_age > vi->vi_ttl_ms)
        w.w_max_age = vi->vi_ttl_ms;
    return vminfo_want(vi, uuid, &w, NULL, out);
}

int
vminfo_core_kept(vminfo_t *vi, const char *uuid, double max_age, vminfo_core_t *out)
{
    vminfo_want_t w = {.w_zoneid = -1, .w_max_age = (int64_t)(max_age * 1000), .w_core = 1};
    int64_t now = cmon_monotime_ms();
    int rc = 0;

    pthread_mutex_lock(&vi->vi_lock);
    vminfo_entry_t *e = entry_find(vi, uuid);
    if (e != NULL && entry_serves(e, &w, now)) {
        e->ve_used = now;
        copy_core(e, out);
        rc = 1;
    } else if ((e != NULL && now < e->ve_retry) || now < vi->vi_down_until) {
        rc = -1;
    }
    pthread_mutex_unlock(&vi->vi_lock);
    return rc;
}
