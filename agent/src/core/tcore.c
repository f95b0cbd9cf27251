/*
 * tcore.c - the triton_core collector (tcore.h).
 */
#include "tcore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zone.h>

#include "corefetch.h"
#include "collector.h"
#include "coretext.h"
#include "log.h"
#include "monotime.h"
#include "scrape.h"
#include "ttlcache.h"
#include "vminfo.h"
#include "zonelist.h"

struct tcore {
    vminfo_t *tc_vms;       /* the agent's VM records (not ours: shared with the link labels) */
    ttlcache_t *tc_results; /* per zone: its families, available or not, for the TTL */
    double tc_timeout_s;
};

tcore_t *
tcore_new(const tcore_opts_t *o, vminfo_t *vms)
{
    tcore_t *tc = calloc(1, sizeof(*tc));
    if (tc == NULL)
        return NULL;
    tc->tc_vms = vms;
    tc->tc_results = ttlcache_new_live(zonelist_running); /* by uuid: the zone's name */
    tc->tc_timeout_s = o->to_timeout_s > 0 ? o->to_timeout_s : TCORE_TIMEOUT_S_DEFAULT;
    if (tc->tc_results == NULL) {
        tcore_free(tc);
        errno = ENOMEM;
        return NULL;
    }
    return tc;
}

void
tcore_free(tcore_t *tc)
{
    if (tc == NULL)
        return;
    ttlcache_free(tc->tc_results);
    free(tc);
}

void
tcore_forget(tcore_t *tc)
{
    if (tc->tc_vms != NULL)
        vminfo_forget(tc->tc_vms);
}

int
tcore_is_core(tcore_t *tc, const char *uuid)
{
    vminfo_core_t rec;
    if (tc->tc_vms == NULL || vminfo_admin_uuid(tc->tc_vms) == NULL)
        return 0; /* nothing to judge by */
    int kept = vminfo_core_kept(tc->tc_vms, uuid, TCORE_CHECK_MAX_AGE_S, &rec);
    if (kept != 0) /* the usual case: no call, no request */
        return kept > 0 && rec.vc_core;
    zoneid_t zid = getzoneidbyname(uuid);
    if (zid < 0)
        return 0; /* an unknown zone is a 404 anyway: vminfod is not asked */
    return vminfo_core(tc->tc_vms, uuid, zid, TCORE_CHECK_MAX_AGE_S, 0, &rec) >= 0 && rec.vc_core;
}

/* ---- the agent's own families --------------------------------------------------- */

/* Per-instance families made at run time: their names begin so. */
static const char *const tcore_agent_prefixes[] = {"plugin_", "zfs_"};

static int
tcore_collector_family(const collector_t *co, const char *name)
{
    for (size_t m = 0; m < 3; m++)
        if (co->co_meta[m] != NULL && strcmp(co->co_meta[m], name) == 0)
            return 1;
    for (size_t r = 0; r < co->co_ntable; r++) {
        const kstat_metric_t *km = &co->co_table[r];
        if ((km->km_name != NULL && strcmp(km->km_name, name) == 0) ||
            (km->km_prom != NULL && strcmp(km->km_prom, name) == 0))
            return 1;
    }
    return 0;
}

int
tcore_agent_family(const char *name)
{
    for (size_t i = 0; i < sizeof(tcore_agent_prefixes) / sizeof(tcore_agent_prefixes[0]); i++)
        if (strncmp(name, tcore_agent_prefixes[i], strlen(tcore_agent_prefixes[i])) == 0)
            return 1;
    for (const collector_t *const *co = collectors_vm; *co != NULL; co++)
        if (tcore_collector_family(*co, name))
            return 1;
    return 0;
}

/* -1 with the reason in err when a port's text has a family the agent serves itself; else 0. */
static int
tcore_clash(const famset_t *one, char *err, size_t errlen)
{
    for (size_t i = 0; i < one->fs_nfams; i++) {
        const char *name = famset_fam_name(one, &one->fs_fams[i]);
        if (tcore_agent_family(name))
            return snprintf(err, errlen, "family %s is one the agent serves itself", name), -1;
    }
    return 0;
}

/* ---- one collection ------------------------------------------------------------ */

/* One port's answer into acc, unless it is refused (logged). 1 used, 0 dropped, -1 ENOMEM. */
static int
tcore_port(const char *uuid, unsigned port, const corefetch_call_t *c, famset_t *acc, int *ttl)
{
    char err[256];
    if (c->cf_status != 200) {
        if (c->cf_status == 0)
            log_msg(LOG_WARN, "triton_core %s: %s: %s; port dropped", uuid, c->cf_url, c->cf_error);
        else
            log_msg(LOG_WARN, "triton_core %s: %s: HTTP status %ld; port dropped", uuid, c->cf_url,
                    c->cf_status);
        return 0;
    }
    famset_t one = FAMSET_INIT;
    int port_ttl, rc = 1;
    if (coretext_parse(c->cf_body ? c->cf_body : "", c->cf_len, &one, &port_ttl, err,
                       sizeof(err)) != 0 ||
        tcore_clash(&one, err, sizeof(err)) != 0 ||
        coretext_merge(acc, &one, err, sizeof(err)) != 0) {
        rc = errno == ENOMEM && strcmp(err, "out of memory") == 0 ? -1 : 0;
        log_msg(LOG_WARN, "triton_core %s: port %u: %s; port dropped", uuid, port, err);
    } else if (port_ttl >= 0 && (*ttl < 0 || port_ttl < *ttl)) {
        *ttl = port_ttl;
    }
    famset_release(&one);
    return rc;
}

/* Every port of rec at once, into acc. 1 when one port at least was used, 0 none, -1 ENOMEM. */
static int
tcore_scrape(tcore_t *tc, const char *uuid, const vminfo_core_t *rec, famset_t *acc, int *ttl)
{
    unsigned ports[TCORE_PORTS_MAX];
    char err[256];
    int n = vminfo_ports(rec->vc_ports, ports, TCORE_PORTS_MAX, err, sizeof(err));
    if (n < 0) {
        log_msg(LOG_WARN, "triton_core %s: %s", uuid, err);
        return 0;
    }
    corefetch_call_t calls[TCORE_PORTS_MAX];
    memset(calls, 0, sizeof(calls));
    for (int i = 0; i < n; i++)
        snprintf(calls[i].cf_url, sizeof(calls[i].cf_url), "http://%s%s%s:%u/metrics",
                 strchr(rec->vc_admin_ip, ':') ? "[" : "", rec->vc_admin_ip,
                 strchr(rec->vc_admin_ip, ':') ? "]" : "", ports[i]);
    if (corefetch_all(calls, (size_t)n, tc->tc_timeout_s, TCORE_BODY_MAX) != 0)
        return -1;
    int used = 0, rc = 0;
    for (int i = 0; i < n && rc >= 0; i++) { /* metricPorts' order: a stable answer */
        rc = tcore_port(uuid, ports[i], &calls[i], acc, ttl);
        used += rc > 0;
    }
    for (int i = 0; i < n; i++)
        corefetch_release(&calls[i]);
    return rc < 0 ? -1 : used > 0;
}

/* A fresh collection into acc; its TTL in *ttl. 1 available, 0 not, -1 ENOMEM. */
static int
tcore_fresh(tcore_t *tc, const char *uuid, famset_t *acc, double *ttl)
{
    vminfo_core_t rec;
    int opt_ttl = -1;
    *ttl = TCORE_TTL_S;
    zoneid_t zid = getzoneidbyname(uuid);
    if (zid < 0)
        return 0; /* no such zone: the scrape is a 404, nothing is asked */
    if (tc->tc_vms == NULL || vminfo_core(tc->tc_vms, uuid, zid, TCORE_VM_MAX_AGE_S, 1, &rec) < 0)
        return 0; /* logged by vminfo */
    if (!rec.vc_has_ports || rec.vc_admin_ip[0] == '\0') {
        log_msg(LOG_DEBUG, "triton_core %s: no %s, unavailable", uuid,
                !rec.vc_has_ports ? "metricPorts" : "admin NIC with an ip");
        return 0;
    }
    int rc = tcore_scrape(tc, uuid, &rec, acc, &opt_ttl);
    if (opt_ttl >= 0)
        *ttl = opt_ttl;
    return rc < 0 ? -1 : rc > 0 && acc->fs_nsamples > 0;
}

int
tcore_collect(tcore_t *tc, const char *uuid, famset_t *fs)
{
    scrape_meta_t m;
    if (scrape_meta_begin(fs, "triton_core", &m) != 0)
        return -1;
    uint64_t t0 = (uint64_t)cmon_monotime_ns();
    int available = 0;
    int cached = ttlcache_get(tc->tc_results, uuid, fs, &available);
    if (!cached) {
        famset_t acc = FAMSET_INIT;
        double ttl;
        available = tcore_fresh(tc, uuid, &acc, &ttl);
        if (available < 0 || famset_merge(fs, &acc) != 0) {
            famset_release(&acc);
            return -1;
        }
        if (ttl > 0)
            (void)ttlcache_put(tc->tc_results, uuid, &acc, available, ttl);
        famset_release(&acc);
    }
    return scrape_meta_end(fs, &m, available, cached, (uint64_t)cmon_monotime_ns() - t0);
}
