/*
 * lua_verify.c - sim.verify(r [, z]) -> ok, differences: is every sample the
 * agent served the world's value at the time the agent read it? A fresh
 * collector (_metrics_cached_boolean 0) was read at the scrape's virtual
 * time; a cached one at a scrape of the same zone at most TTL earlier (see
 * verify.h). The answer's status must fit the zone's state, and every
 * available collector must serve all its metrics.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "response.h"
#include "verify.h"
#include "world_vm.h"

#define VERIFY_DIFFS_MAX 20
#define VERIFY_COLLECTORS 7
#define VERIFY_CANDIDATES VERIFY_RING

static const char *const verify_collectors[VERIFY_COLLECTORS] = {
    "zone_misc", "memcap", "cpucap", "zone_vfs", "tcp", "link", "time"};

struct verify_ctx {
    lua_State *vc_L;
    int vc_diffs; /* index of the differences table */
    int vc_ndiffs;
    int vc_prom;
    uint64_t vc_vtime;
    const struct scn_snap *vc_fresh;                  /* newest record current at the scrape */
    const struct scn_snap *vc_now[VERIFY_CANDIDATES]; /* every one (a reboot mid-scrape: 2) */
    int vc_nnow;
    const struct scn_snap *vc_cand[VERIFY_CANDIDATES];
    int vc_ncand;
    int vc_avail[VERIFY_COLLECTORS]; /* -1 not served, 0, 1 */
    int vc_cached[VERIFY_COLLECTORS];
    uint64_t vc_seen; /* zone rows served */
    uint8_t vc_nic_seen[WORLD_NICS_MAX];
    int vc_time_seen;
    world_vm_t vc_vm; /* the zone's VM record (link labels), if vc_have_vm */
    int vc_have_vm;
};

__attribute__((format(printf, 2, 3))) static void
verify_diff(struct verify_ctx *c, const char *fmt, ...)
{
    if (++c->vc_ndiffs > VERIFY_DIFFS_MAX)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    lua_pushstring(c->vc_L, buf);
    lua_rawseti(c->vc_L, c->vc_diffs, c->vc_ndiffs);
}

static int
verify_collector(const char *name)
{
    for (int i = 0; i < VERIFY_COLLECTORS; i++)
        if (strcmp(verify_collectors[i], name) == 0)
            return i;
    return -1;
}

/* <collector>_metrics_available_boolean / _cached_boolean: 1 if s is one. */
static int
verify_meta(struct verify_ctx *c, const conform_sample_t *s)
{
    static const char av[] = "_metrics_available_boolean", ca[] = "_metrics_cached_boolean";
    size_t n = strlen(s->cs_name);
    int cached = n > sizeof(ca) - 1 && strcmp(s->cs_name + n - (sizeof(ca) - 1), ca) == 0;
    int avail = n > sizeof(av) - 1 && strcmp(s->cs_name + n - (sizeof(av) - 1), av) == 0;
    if (!cached && !avail)
        return 0;
    char coll[64];
    size_t k = n - (cached ? sizeof(ca) - 1 : sizeof(av) - 1);
    snprintf(coll, sizeof(coll), "%.*s", (int)k, s->cs_name);
    int i = verify_collector(coll);
    if (i >= 0 && cached)
        c->vc_cached[i] = s->cs_value != 0;
    else if (i >= 0)
        c->vc_avail[i] = s->cs_value != 0;
    return 1;
}

static int
verify_meta_first(const conform_sample_t *s, void *arg)
{
    verify_meta(arg, s);
    return 0;
}

static int
verify_equal(double served, uint64_t raw, double scale)
{
    double want = (double)raw * scale;
    if (scale == 1)
        return served == want;
    return fabs(served - want) <= 1e-12 * fmax(1.0, fabs(want));
}

static const char *
verify_row_name(const struct verify_ctx *c, const struct scn_verify_row *r)
{
    return c->vc_prom ? r->vr_prom : r->vr_cmon;
}

static double
verify_row_scale(const struct verify_ctx *c, const struct scn_verify_row *r)
{
    return c->vc_prom ? r->vr_prom_scale : r->vr_scale;
}

/* The records a sample of collector coll may come from. */
static int
verify_candidates(const struct verify_ctx *c, int coll, const struct scn_snap **out)
{
    if (c->vc_cached[coll] == 1) {
        memcpy(out, c->vc_cand, sizeof(c->vc_cand));
        return c->vc_ncand;
    }
    memcpy(out, c->vc_now, sizeof(c->vc_now));
    return c->vc_nnow;
}

static void
verify_zone_row(struct verify_ctx *c, unsigned i, const conform_sample_t *s)
{
    const struct scn_verify_row *r = &scn_verify_zone_rows[i];
    int coll = verify_collector(r->vr_collector);
    const struct scn_snap *cand[VERIFY_CANDIDATES];
    int n = verify_candidates(c, coll, cand);
    c->vc_seen |= 1ull << i;
    for (int k = 0; k < n; k++)
        if ((cand[k]->sn_have >> i & 1) &&
            verify_equal(s->cs_value, cand[k]->sn_v[i], verify_row_scale(c, r))) {
            if ((r->vr_flags & VERIFY_CAP_LIMIT) &&
                (cand[k]->sn_v[i] == 0 || cand[k]->sn_v[i] == UINT64_MAX))
                verify_diff(c, "%s: served for a zone without that cap", s->cs_name);
            return;
        }
    if (n > 0 && (cand[0]->sn_have >> i & 1))
        verify_diff(c, "%s: served %.17g, world %.17g (%s read)", s->cs_name, s->cs_value,
                    (double)cand[0]->sn_v[i] * verify_row_scale(c, r),
                    c->vc_cached[coll] == 1 ? "cached" : "fresh");
    else
        verify_diff(c, "%s: served, but the world has no %s:%s for the zone", s->cs_name,
                    r->vr_module, r->vr_stat);
}

/* The nic_tag and network_uuid labels of VNIC nic must be those of the NIC
 * of the zone's VM record named net<nic> (the record now: scenarios that
 * change NICs reboot the zone, as on SmartOS), none without one. */
static void
verify_link_labels(struct verify_ctx *c, const conform_sample_t *s, unsigned nic)
{
    char ifname[16];
    const world_nic_t *want = NULL;
    snprintf(ifname, sizeof(ifname), "net%u", nic);
    for (uint32_t i = 0; c->vc_have_vm && i < c->vc_vm.wvm_nnics && want == NULL; i++)
        if (strcmp(c->vc_vm.wvm_nics[i].wn_interface, ifname) == 0)
            want = &c->vc_vm.wvm_nics[i];
    if (!c->vc_have_vm)
        return; /* destroyed since: no record to compare with */
    const char *tag = conform_sample_label(s, "nic_tag");
    const char *net = conform_sample_label(s, "network_uuid");
    if (want == NULL && (tag != NULL || net != NULL))
        verify_diff(c, "%s{interface=\"vnic%u\"}: nic_tag/network_uuid served, the VM has no %s",
                    s->cs_name, nic, ifname);
    else if (want != NULL && (tag == NULL || strcmp(tag, want->wn_nic_tag) != 0 || net == NULL ||
                              strcmp(net, want->wn_network_uuid) != 0))
        verify_diff(c,
                    "%s{interface=\"vnic%u\"}: nic_tag \"%s\" network_uuid \"%s\", the VM's %s "
                    "has \"%s\" \"%s\"",
                    s->cs_name, nic, tag ? tag : "(none)", net ? net : "(none)", ifname,
                    want->wn_nic_tag, want->wn_network_uuid);
}

static void
verify_link_row(struct verify_ctx *c, unsigned j, const conform_sample_t *s)
{
    const char *ifname = conform_sample_label(s, "interface");
    unsigned nic = WORLD_NICS_MAX;
    char extra;
    if (ifname == NULL || sscanf(ifname, "vnic%u%c", &nic, &extra) != 1 || nic >= WORLD_NICS_MAX) {
        verify_diff(c, "%s: interface label '%s' is not vnic<n>", s->cs_name, ifname ? ifname : "");
        return;
    }
    verify_link_labels(c, s, nic);
    const struct scn_snap *cand[VERIFY_CANDIDATES];
    int n = verify_candidates(c, verify_collector("link"), cand);
    c->vc_nic_seen[nic] |= (uint8_t)(1u << j);
    for (int k = 0; k < n; k++)
        if ((cand[k]->sn_nic_have[nic] >> j & 1) &&
            verify_equal(s->cs_value, cand[k]->sn_nic[nic][j],
                         verify_row_scale(c, &scn_verify_link_rows[j])))
            return;
    verify_diff(c, "%s{interface=\"%s\"}: served %.17g, world %.17g", s->cs_name, ifname,
                s->cs_value, n > 0 ? (double)cand[0]->sn_nic[nic][j] : -1.0);
}

static void
verify_time(struct verify_ctx *c, const conform_sample_t *s)
{
    double ms = (double)SCN_EPOCH * 1000.0 + (double)c->vc_vtime / 1e6;
    double want = c->vc_prom ? ms / 1000.0 : ms;
    c->vc_time_seen = 1;
    if (fabs(s->cs_value - want) >= (c->vc_prom ? 1e-3 : 1.0))
        verify_diff(c, "%s: served %.17g, the virtual clock says %.17g", s->cs_name, s->cs_value,
                    want);
}

/* Checks s if name is one of the table's; 1 if it was. */
static int
verify_match(struct verify_ctx *c, const conform_sample_t *s, const char *name)
{
    for (unsigned i = 0; i < scn_verify_nzone_rows; i++)
        if (strcmp(name, verify_row_name(c, &scn_verify_zone_rows[i])) == 0)
            return verify_zone_row(c, i, s), 1;
    for (unsigned j = 0; j < scn_verify_nlink_rows; j++)
        if (strcmp(name, verify_row_name(c, &scn_verify_link_rows[j])) == 0)
            return verify_link_row(c, j, s), 1;
    if (strcmp(name, c->vc_prom ? "time_of_day_seconds" : "time_of_day") == 0)
        return verify_time(c, s), 1;
    return 0;
}

/* OpenMetrics names counter samples <family>_total: the family name then. */
static int
verify_on_sample(const conform_sample_t *s, void *arg)
{
    struct verify_ctx *c = arg;
    if (verify_match(c, s, s->cs_name))
        return 0;
    if (s->cs_type == CONFORM_TYPE_COUNTER && strcmp(s->cs_family, s->cs_name) != 0)
        verify_match(c, s, s->cs_family);
    return 0;
}

/* 1 if the record has the cpucap kstat (the zone has a CPU cap). */
static int
verify_capped(const struct scn_snap *f)
{
    for (unsigned i = 0; f != NULL && i < scn_verify_nzone_rows; i++)
        if (strcmp(scn_verify_zone_rows[i].vr_collector, "cpucap") == 0)
            return (int)(f->sn_have >> i & 1);
    return 0;
}

/* Metrics record f has that an available collector did not serve; reported
 * as differences when report is set. Returns how many. */
static int
verify_missing(struct verify_ctx *c, const struct scn_snap *f, int report)
{
    int n = 0;
    for (unsigned i = 0; i < scn_verify_nzone_rows; i++) {
        const struct scn_verify_row *r = &scn_verify_zone_rows[i];
        if (c->vc_avail[verify_collector(r->vr_collector)] != 1 || (c->vc_seen >> i & 1) ||
            !(f->sn_have >> i & 1))
            continue;
        if ((r->vr_flags & VERIFY_CAP_LIMIT) && (f->sn_v[i] == 0 || f->sn_v[i] == UINT64_MAX))
            continue;
        n++;
        if (report)
            verify_diff(c, "%s: not served (the world has %s:%s)", verify_row_name(c, r),
                        r->vr_module, r->vr_stat);
    }
    for (uint32_t k = 0; c->vc_avail[5] == 1 && k < f->sn_nics && k < WORLD_NICS_MAX; k++)
        if (c->vc_nic_seen[k] != f->sn_nic_have[k] && ++n && report)
            verify_diff(c, "link: metrics of net%u not all served", k);
    return n;
}

/* Every available collector serves every metric the world has for it, in
 * one of the states the zone was in during the scrape. */
static void
verify_complete(struct verify_ctx *c)
{
    for (int k = 0; k < VERIFY_COLLECTORS; k++)
        if (c->vc_avail[k] < 0 && (k != 2 || verify_capped(c->vc_fresh)))
            verify_diff(c, "%s_metrics_available_boolean: not served", verify_collectors[k]);
    if (c->vc_avail[6] == 1 && !c->vc_time_seen)
        verify_diff(c, "time_of_day: not served");
    const struct scn_snap *first = NULL;
    for (int i = 0; i < c->vc_nnow; i++) {
        if (c->vc_now[i]->sn_zoneid < 0)
            continue;
        if (verify_missing(c, c->vc_now[i], 0) == 0)
            return;
        if (first == NULL)
            first = c->vc_now[i];
    }
    if (first != NULL)
        verify_missing(c, first, 1);
}

/* Status against the zone's state; 1 if the body is to be checked. */
static int
verify_status(struct verify_ctx *c, lua_Integer status, int32_t before, int32_t after)
{
    /* The states the zone went through between sending and answering. */
    int running = before >= 0 || after >= 0, stopped = before < 0 || before != after;
    for (int i = 0; i < c->vc_nnow; i++) {
        running |= c->vc_now[i]->sn_zoneid >= 0;
        stopped |= c->vc_now[i]->sn_zoneid < 0 || c->vc_now[i]->sn_zoneid != before;
    }
    if (status == 404) {
        if (!stopped)
            verify_diff(c, "404 for a zone that was running (zoneid %d) all along", (int)before);
        return 0;
    }
    if (status != 200) {
        verify_diff(c, "status %d: want 200, or 404 for a zone that is not running", (int)status);
        return 0;
    }
    if (!running) {
        verify_diff(c, "200 for a zone that was not running during the scrape");
        return 0;
    }
    return 1;
}

static lua_Integer
verify_int(lua_State *L, int idx, const char *k)
{
    lua_getfield(L, idx, k);
    lua_Integer v = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return v;
}

static void
verify_prepare(lua_State *L, struct scn_engine *e, struct verify_ctx *c, int zix, const char *name)
{
    lua_getfield(L, 1, "_ttl");
    double ttl = lua_tonumber(L, -1);
    lua_getfield(L, 1, "_prom");
    c->vc_prom = lua_toboolean(L, -1);
    lua_pop(L, 2);
    c->vc_vtime = (uint64_t)verify_int(L, 1, "_vtime_ns");
    uint64_t ttl_ns = (uint64_t)(ttl * 1e9);
    uint64_t g0 = (uint64_t)verify_int(L, 1, "_gen0"), g1 = (uint64_t)verify_int(L, 1, "_gen1");
    /* fresh reads: the states between sending and answering */
    struct scn_window now = {c->vc_vtime, c->vc_vtime, g0, g1};
    c->vc_nnow = scn_history_find(e->se_history, zix, name, &now, c->vc_now, VERIFY_CANDIDATES);
    c->vc_fresh = c->vc_nnow > 0 ? c->vc_now[0] : NULL;
    /* cached reads: any state seen within the TTL before the answer */
    struct scn_window cached = {c->vc_vtime > ttl_ns ? c->vc_vtime - ttl_ns : 0, c->vc_vtime, 0,
                                g1};
    c->vc_ncand =
        scn_history_find(e->se_history, zix, name, &cached, c->vc_cand, VERIFY_CANDIDATES);
    for (int k = 0; k < VERIFY_COLLECTORS; k++)
        c->vc_avail[k] = c->vc_cached[k] = -1;
}

/* The zonename the response is about; z, if given, must be that zone. */
static const char *
verify_zone_of(lua_State *L, int zix)
{
    lua_getfield(L, 1, "zone");
    int rzix = -1;
    const char *name = scn_zone_name(L, -1, &rzix);
    lua_pop(L, 1); /* the response holds the zone */
    if (name == NULL || rzix != zix)
        luaL_error(L, "sim.verify: the response is not a scrape of a zone");
    if (!lua_isnoneornil(L, 2)) {
        int z2 = -1;
        const char *n2 = scn_zone_name(L, 2, &z2);
        if (n2 == NULL)
            luaL_error(L, "sim.verify: argument 2 must be a zone, got %s", luaL_typename(L, 2));
        if (strcmp(n2, name) != 0)
            luaL_error(L, "sim.verify: the response is a scrape of %s, not of %s", name, n2);
    }
    return name;
}

/* A zone's answer: its status against the zone's states, then every sample. */
static void
verify_zone_answer(lua_State *L, struct scn_engine *e, struct verify_ctx *c, int zix,
                   const char *name)
{
    verify_prepare(L, e, c, zix, name);
    c->vc_have_vm =
        world_vm_get(e->se_world, zix, &c->vc_vm) == 0 && strcmp(c->vc_vm.wvm_uuid, name) == 0;
    if (!verify_status(c, verify_int(L, 1, "status"), (int32_t)verify_int(L, 1, "_zoneid"),
                       (int32_t)verify_int(L, 1, "_zoneid_after")))
        return;
    scn_response_samples(L, 1, verify_meta_first, c); /* what the collectors say first */
    scn_response_samples(L, 1, verify_on_sample, c);
    verify_complete(c);
}

/* sim.verify(r [, z]) -> ok, differences */
static int
lsim_verify(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    scn_response_check(L, 1, "sim.verify");
    lua_getfield(L, 1, "_scrape");
    int scrape = lua_toboolean(L, -1);
    lua_pop(L, 1);
    int zix = (int)verify_int(L, 1, "_zix");
    if (!scrape || zix < 0)
        return luaL_error(L, "sim.verify: the response is not a scrape of a zone");
    const char *name = zix == 0 ? "gz" : verify_zone_of(L, zix);
    struct verify_ctx c = {.vc_L = L};
    lua_newtable(L);
    c.vc_diffs = lua_gettop(L);
    if (zix > 0)
        verify_zone_answer(L, e, &c, zix, name);
    else if (verify_int(L, 1, "status") != 200) /* the global zone: there, at least */
        verify_diff(&c, "gz: status %d, want 200", (int)verify_int(L, 1, "status"));
    if (c.vc_ndiffs > VERIFY_DIFFS_MAX) {
        lua_pushfstring(L, "... and %d more differences", c.vc_ndiffs - VERIFY_DIFFS_MAX);
        lua_rawseti(L, c.vc_diffs, VERIFY_DIFFS_MAX + 1);
    }
    lua_pushboolean(L, c.vc_ndiffs == 0);
    lua_insert(L, -2);
    return 2;
}

void
scn_lua_open_verify(lua_State *L, struct scn_engine *e)
{
    lua_pushlightuserdata(L, e);
    lua_pushcclosure(L, lsim_verify, 1);
    lua_setfield(L, -2, "verify");
}
