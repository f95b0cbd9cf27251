/*
 * lua_sim.c - the sim library: the world (sim.world), virtual time
 * (sim.advance, sim.now), faults (sim.fault, sim.clear_faults) and the
 * ground truth (sim.truth). Zones are in lua_zone.c, agents and scrapes in
 * lua_agent.c, sim.verify in lua_verify.c.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "engine.h"
#include "runlimits.h"
#include "proxylua.h"
#include "monotime.h"
#include "verify.h"
#include "corelua.h"
#include "vmlua.h"

/* sim.world{max_zones=, ncpus=}: before the first zone only. */
static int
lsim_world(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"max_zones", SCN_ARG_INTEGER, 0}, {"ncpus", SCN_ARG_INTEGER, 0}, {NULL, 0, 0}};
    struct scn_engine *e = scn_args_options(L, "sim.world", spec);
    if (e->se_world != NULL)
        return luaL_error(L, "sim.world: the world exists already (call it before any zone)");
    double n = scn_args_number(L, 1, "max_zones", 0);
    if (scn_args_has(L, 1, "max_zones") && (n < 1 || n > WORLD_ZONES_MAX))
        return luaL_error(L, "sim.world: key 'max_zones' must be 1..%d", WORLD_ZONES_MAX);
    e->se_max_zones = (uint32_t)n;
    double c = scn_args_number(L, 1, "ncpus", 0);
    if (c > WORLD_CPUS_MAX || (scn_args_has(L, 1, "ncpus") && c < 1))
        return luaL_error(L, "sim.world: key 'ncpus' must be 1..%d", WORLD_CPUS_MAX);
    e->se_ncpus = (uint32_t)c;
    scn_engine_world(L, e);
    return 0;
}

/* sim.advance(seconds): virtual time moves; counters integrate load; the
 * agents' clock follows. */
static int
lsim_advance(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    if (lua_type(L, 1) != LUA_TNUMBER)
        return luaL_error(L, "sim.advance: seconds must be a number, got %s", luaL_typename(L, 1));
    double s = lua_tonumber(L, 1);
    if (!(s >= 0) || !isfinite(s) || s > 1e9)
        return luaL_error(L, "sim.advance: seconds must be 0..1e9, got %f", s);
    world_t *w = scn_engine_world(L, e);
    world_time_advance(w, (uint64_t)llround(s * 1e9));
    e->se_gen++;
    if (scn_clock_write(e->se_clock_path, world_time_now(w)) != 0)
        return luaL_error(L, "sim.advance: cannot write %s: %s", e->se_clock_path, strerror(errno));
    return 0;
}

/* sim.now() -> virtual seconds since the world was made (sim.epoch + now is
 * the agents' wall clock) */
static int
lsim_now(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    lua_pushnumber(L, (double)world_time_now(scn_engine_world(L, e)) / 1e9);
    return 1;
}

/* sim.clock() -> real (wall, monotonic) seconds, for timing phases of a run */
static int
lsim_clock(lua_State *L)
{
    lua_pushnumber(L, cmon_monotime_s());
    return 1;
}

static int
fault_error(lua_State *L, const char *name)
{
    if (name == NULL)
        return 0;
    if (strcmp(name, "ENXIO") == 0)
        return ENXIO;
    if (strcmp(name, "EAGAIN") == 0)
        return EAGAIN;
    if (strcmp(name, "EIO") == 0)
        return EIO;
    return luaL_error(L,
                      "sim.fault: key 'error' must be \"ENXIO\", \"EAGAIN\" or \"EIO\", got "
                      "\"%s\"",
                      name);
}

static void
fault_read(lua_State *L, struct scn_engine *e, world_fault_t *f)
{
    memset(f, 0, sizeof(*f));
    const char *mod = scn_args_string(L, 1, "module", "");
    if (strlen(mod) >= sizeof(f->wf_module))
        luaL_error(L, "sim.fault: key 'module' is too long");
    strcpy(f->wf_module, mod);
    f->wf_error = fault_error(L, scn_args_string(L, 1, "error", NULL));
    f->wf_rate = scn_args_number(L, 1, "rate", f->wf_error ? 1.0 : 0.0);
    if (f->wf_rate > 1)
        luaL_error(L, "sim.fault: key 'rate' must be 0..1, got %f", f->wf_rate);
    if (scn_args_has(L, 1, "rate") && f->wf_error == 0)
        luaL_error(L, "sim.fault: key 'rate' needs key 'error'");
    f->wf_latency_us = (uint32_t)scn_args_number(L, 1, "latency_us", 0);
    f->wf_vanish = scn_args_boolean(L, 1, "vanish", 0);
    f->wf_zix = -1;
    if (lua_getfield(L, 1, "zone") != LUA_TNIL)
        f->wf_zix = scn_zone_check(L, -1);
    lua_pop(L, 1);
    if (f->wf_vanish && f->wf_zix < 0)
        luaL_error(L, "sim.fault: key 'vanish' needs key 'zone'");
    if (f->wf_error == 0 && f->wf_latency_us == 0 && !f->wf_vanish)
        luaL_error(L, "sim.fault: give at least one of 'error', 'latency_us', 'vanish'");
    (void)e;
}

/* sim.fault{module=, error=, rate=, latency_us=, zone=, vanish=} */
static int
lsim_fault(lua_State *L)
{
    const struct scn_arg_spec *spec = scn_fault_spec;
    struct scn_engine *e = scn_args_options(L, "sim.fault", spec);
    world_t *w = scn_engine_world(L, e);
    world_fault_t f;
    fault_read(L, e, &f);
    int idx = world_fault_set(w, &f);
    if (idx < 0)
        return luaL_error(L, "sim.fault: %s",
                          errno == ENOSPC ? "too many faults (32)" : strerror(errno));
    lua_pushinteger(L, idx);
    return 1;
}

static int
lsim_clear_faults(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    world_fault_clear(scn_engine_world(L, e));
    return 0;
}

void
scn_value_push(lua_State *L, const world_value_t *v)
{
    switch (v->wv_type) {
    case WORLD_V_INT:
        lua_pushinteger(L, v->wv_i);
        break;
    case WORLD_V_UINT:
        if (v->wv_u <= (uint64_t)LUA_MAXINTEGER)
            lua_pushinteger(L, (lua_Integer)v->wv_u);
        else
            lua_pushnumber(L, (double)v->wv_u);
        break;
    default:
        lua_pushstring(L, v->wv_s);
        break;
    }
}

/* The global zone's kstat "module:instance:name". */
static int
truth_gz(lua_State *L, world_t *w, const char *ks, const char *stat, world_value_t *v)
{
    char mod[64], name[64];
    int inst;
    if (sscanf(ks, "%63[^:]:%d:%63s", mod, &inst, name) != 3)
        return luaL_error(L, "sim.truth: for \"gz\" name a kstat as \"module:instance:name\"");
    return world_truth(w, mod, inst, name, stat, v);
}

/* sim.truth(z, module, stat [, nic]) / sim.truth("gz", "m:i:n", stat) -> value or nil */
static int
lsim_truth(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    world_t *w = scn_engine_world(L, e);
    const char *module = luaL_checkstring(L, 2), *stat = luaL_checkstring(L, 3);
    world_value_t v;
    int rc;
    if (lua_type(L, 1) == LUA_TSTRING && strcmp(lua_tostring(L, 1), "gz") == 0) {
        rc = truth_gz(L, w, module, stat, &v);
    } else if (!lua_isnoneornil(L, 4)) {
        const char *nic = luaL_checkstring(L, 4);
        world_zone_info_t i;
        int zix = scn_zone_check(L, 1);
        if (world_zone_info(w, zix, &i) != 0 || i.wzi_zoneid < 0)
            return lua_pushnil(L), 1;
        char name[64];
        snprintf(name, sizeof(name), "z%d_%s", (int)i.wzi_zoneid, nic);
        rc = world_truth(w, module, 0, name, stat, &v);
    } else {
        rc = world_truth_zone(w, scn_zone_check(L, 1), module, stat, &v);
    }
    if (rc != 0)
        return lua_pushnil(L), 1;
    scn_value_push(L, &v);
    return 1;
}

static const luaL_Reg sim_funcs[] = {
    {"world", lsim_world},      {"advance", lsim_advance},
    {"now", lsim_now},          {"clock", lsim_clock},
    {"fault", lsim_fault},      {"clear_faults", lsim_clear_faults},
    {"truth", lsim_truth},      {"zfs_fault", scn_lua_zfs_fault},
    {"limits", scn_lua_limits}, {NULL, NULL}};

void
scn_lua_open_sim(lua_State *L, struct scn_engine *e)
{
    luaL_newlibtable(L, sim_funcs);
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, sim_funcs, 1);
    scn_lua_open_attach(L, e); /* sim.attach: a running serve's world (lua_attach.c) */
    scn_lua_open_zone(L, e);
    scn_lua_open_verify(L, e);
    scn_lua_open_vm(L, e);
    scn_lua_open_core(L, e);
    scn_lua_open_process(L, e);
    scn_lua_open_node(L, e);
    scn_lua_open_ntp(L, e);
    scn_lua_open_plugin(L, e);
    scn_lua_open_proxy(L, e);
    lua_pushstring(L, e->se_scratch);
    lua_setfield(L, -2, "scratch");
    lua_pushinteger(L, (lua_Integer)e->se_seed);
    lua_setfield(L, -2, "seed");
    lua_pushinteger(L, SCN_EPOCH);
    lua_setfield(L, -2, "epoch");
    lua_pushstring(L, e->se_world_path);
    lua_setfield(L, -2, "world_path");
    lua_setglobal(L, "sim");
    /* Same seed, same outcome: math.random follows the seed too. */
    lua_getglobal(L, "math");
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, (lua_Integer)e->se_seed);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
}
