/*
 * lua_core.c - Triton core zones from Lua (corelua.h): sim.core_zone{...},
 * sim.core_port(z, port, mode [, delay_ms]), sim.core_text(z, port),
 * sim.admin_uuid(). The services run in the engine (coresvc.h) until the
 * scenario ends.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "corelua.h"
#include "coresvc.h"
#include "world_core.h"

static coresvc_t *
core_svc(lua_State *L, struct scn_engine *e)
{
    if (e->se_coresvc == NULL && (e->se_coresvc = coresvc_new(scn_engine_world(L, e))) == NULL)
        luaL_error(L, "sim.core_zone: out of memory");
    return e->se_coresvc;
}

void
scn_coresvc_stop(struct scn_engine *e)
{
    coresvc_free(e->se_coresvc);
    e->se_coresvc = NULL;
}

/* The list ports= of the table at idx into ports; their number. */
static size_t
core_ports_arg(lua_State *L, int idx, unsigned *ports)
{
    if (lua_getfield(L, idx, "ports") == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "sim.core_zone: key 'ports' must be a list of ports");
    size_t n = (size_t)luaL_len(L, -1);
    if (n > WORLD_CORE_PORTS_MAX)
        luaL_error(L, "sim.core_zone: more than %d ports", WORLD_CORE_PORTS_MAX);
    for (size_t i = 0; i < n; i++) {
        lua_geti(L, -1, (lua_Integer)i + 1);
        lua_Integer p = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
        if (p < 1 || p > 65535)
            luaL_error(L, "sim.core_zone: ports[%d] is not a port number", (int)i + 1);
        ports[i] = (unsigned)p;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return n;
}

/*
 * sim.core_zone{role=, ports={...}, ...} -> zone. The other keys are
 * sim.zone's; the zone is made a core zone of role with those metric ports
 * served at a loopback address of its own (z:vm() shows the record).
 */
static int
lsim_core_zone(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "role");
    const char *role = luaL_optstring(L, -1, "cloudapi");
    unsigned ports[WORLD_CORE_PORTS_MAX];
    size_t n = core_ports_arg(L, 1, ports);
    lua_newtable(L); /* sim.zone's arguments: every key but ours */
    int zargs = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        if (strcmp(k, "role") != 0 && strcmp(k, "ports") != 0) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_settable(L, zargs);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_getfield(L, lua_upvalueindex(2), "zone");
    lua_pushvalue(L, zargs);
    lua_call(L, 1, 1); /* sim.zone{...}: checks its keys, errors name it */
    int zix = scn_zone_check(L, -1);
    char ip[CORESVC_IP_MAX], err[256];
    if (coresvc_add(core_svc(L, e), zix, role, ports, n, ip, err, sizeof(err)) != 0)
        return luaL_error(L, "sim.core_zone: %s", err);
    e->se_gen++;
    return 1;
}

/* sim.core_port(z, port, mode [, delay_ms]): that port misbehaves (mode "ok": no more). */
static int
lsim_core_port(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    int zix = scn_zone_check(L, 1);
    lua_Integer port = luaL_checkinteger(L, 2);
    int mode = luaL_checkoption(L, 3, NULL, coresvc_mode_names);
    lua_Integer delay = luaL_optinteger(L, 4, 60000);
    char err[256];
    if (port < 1 || port > 65535 || delay < 0 || delay > 600000)
        return luaL_error(L, "sim.core_port: port 1..65535 and delay_ms 0..600000");
    if (coresvc_set_fault(core_svc(L, e), zix, (unsigned)port, (coresvc_mode_t)mode,
                          (unsigned)delay, err, sizeof(err)) != 0)
        return luaL_error(L, "sim.core_port: %s", err);
    return 0;
}

/* sim.core_text(z, port) -> the text that port serves now when it behaves. */
static int
lsim_core_text(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    int zix = scn_zone_check(L, 1);
    lua_Integer port = luaL_checkinteger(L, 2);
    const char *role = coresvc_role(core_svc(L, e), zix);
    char buf[8192];
    if (role == NULL)
        return luaL_error(L, "sim.core_text: the zone is no core zone with metric ports");
    int len = world_core_text(scn_engine_world(L, e), zix, role, (unsigned)port, buf, sizeof(buf));
    if (len < 0)
        return luaL_error(L, "sim.core_text: no text for that zone");
    lua_pushlstring(L, buf, (size_t)len);
    return 1;
}

/* sim.core_requests(z, port) -> GET /metrics that port has answered (or held). */
static int
lsim_core_requests(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    int zix = scn_zone_check(L, 1);
    lua_Integer port = luaL_checkinteger(L, 2);
    lua_pushinteger(L, (lua_Integer)coresvc_requests(core_svc(L, e), zix, (unsigned)port));
    return 1;
}

/* sim.admin_uuid() -> the data center's admin account (the agent's --admin-uuid). */
static int
lsim_admin_uuid(lua_State *L)
{
    char uuid[WORLD_VM_UUID_MAX];
    world_admin_uuid(scn_engine_world(L, scn_engine_get(L)), uuid);
    lua_pushstring(L, uuid);
    return 1;
}

static const luaL_Reg core_funcs[] = {
    {"core_zone", lsim_core_zone},   {"core_port", lsim_core_port},
    {"core_text", lsim_core_text},   {"core_requests", lsim_core_requests},
    {"admin_uuid", lsim_admin_uuid}, {NULL, NULL}};

void
scn_lua_open_core(lua_State *L, struct scn_engine *e)
{
    for (const luaL_Reg *f = core_funcs; f->name != NULL; f++) {
        lua_pushlightuserdata(L, e);
        lua_pushvalue(L, -2); /* the sim table: sim.core_zone calls sim.zone */
        lua_pushcclosure(L, f->func, 2);
        lua_setfield(L, -2, f->name);
    }
}
