/*
 * lua_node.c - the compute node's own state in the sim library: its pools
 * (sim.pool, sim.pools: health, fragmentation, sizes, through the fake
 * libzfs's state), its ARC (sim.arc: sizes, renamed arcstats fields) and
 * the metaslab groups of its pools (sim.metaslab, sim.metaslabs). The
 * node's CPUs are sim.world{ncpus=}.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "world_node.h"
#include "world_zfs.h"

static const char *const pool_health[] = {"ONLINE",  "DEGRADED", "FAULTED",
                                          "OFFLINE", "REMOVED",  "UNAVAIL"};

/* "ONLINE" ... "UNAVAIL" -> world_pool_health_t, or a luaL_error. */
static uint32_t
node_health(lua_State *L, const char *s)
{
    for (uint32_t i = 0; i < sizeof(pool_health) / sizeof(pool_health[0]); i++)
        if (strcmp(s, pool_health[i]) == 0)
            return i;
    return (uint32_t)luaL_error(L,
                                "sim.pool: key 'health' must be ONLINE, DEGRADED, FAULTED, "
                                "OFFLINE, REMOVED or UNAVAIL, got \"%s\"",
                                s);
}

/* The pool called name in st (its index), or -1. */
static int
node_pool_find(const world_zfs_state_t *st, const char *name)
{
    for (uint32_t i = 0; i < st->wzs_npools; i++)
        if (strcmp(st->wzs_pools[i].wpl_name, name) == 0)
            return (int)i;
    return -1;
}

/* fragmentation = percent 0..100, or "-" (unknown). */
static uint32_t
node_frag(lua_State *L, uint32_t dflt)
{
    uint32_t v = dflt;
    if (lua_getfield(L, 1, "fragmentation") == LUA_TSTRING) {
        if (strcmp(lua_tostring(L, -1), "-") != 0)
            luaL_error(L, "sim.pool: key 'fragmentation' must be 0..100 or \"-\" (unknown)");
        v = UINT32_MAX;
    } else if (lua_isinteger(L, -1)) {
        lua_Integer f = lua_tointeger(L, -1);
        if (f < 0 || f > 100)
            luaL_error(L, "sim.pool: key 'fragmentation' must be 0..100 or \"-\" (unknown)");
        v = (uint32_t)f;
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "sim.pool: key 'fragmentation' must be 0..100 or \"-\" (unknown)");
    }
    lua_pop(L, 1);
    return v;
}

/*
 * sim.pool{name=, size=, allocated=, fragmentation=, health=}: adds the pool
 * or changes the one of that name (keys not given keep their value; a new
 * pool is 1 TiB, ONLINE, 5 % fragmented). allocated is what the pool holds
 * besides the zones' datasets (pool 0, "zones", holds those too).
 */
static int
lsim_pool(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"name", SCN_ARG_STRING, 0},       {"size", SCN_ARG_INTEGER, 0},
        {"allocated", SCN_ARG_INTEGER, 0}, {"fragmentation", SCN_ARG_ANY, 0},
        {"health", SCN_ARG_STRING, 0},     {NULL, 0, 0}};
    struct scn_engine *e = scn_args_options(L, "sim.pool", spec);
    world_t *w = scn_engine_world(L, e);
    world_zfs_state_t st;
    const char *name = scn_args_string(L, 1, "name", NULL);
    if (name == NULL || name[0] == '\0' || strlen(name) >= WORLD_POOL_NAME_MAX ||
        strchr(name, '/') != NULL)
        return luaL_error(L, "sim.pool: key 'name' must be a pool name (1..31 characters, no /)");
    if (world_zfs_state_read(w, world_path(w), &st) != 0)
        return luaL_error(L, "sim.pool: cannot read the ZFS state: %s", strerror(errno));
    int i = node_pool_find(&st, name);
    world_pool_t p = {.wpl_size = 1ULL << 40, .wpl_frag = 5};
    if (i >= 0)
        p = st.wzs_pools[i];
    snprintf(p.wpl_name, sizeof(p.wpl_name), "%s", name);
    p.wpl_size = (uint64_t)scn_args_number(L, 1, "size", (double)p.wpl_size);
    p.wpl_base_alloc = (uint64_t)scn_args_number(L, 1, "allocated", (double)p.wpl_base_alloc);
    p.wpl_frag = node_frag(L, p.wpl_frag);
    if (scn_args_has(L, 1, "health"))
        p.wpl_health = node_health(L, scn_args_string(L, 1, "health", NULL));
    if (world_zfs_pool_set(w, &p) != 0)
        return luaL_error(L, "sim.pool: %s",
                          errno == EINVAL ? "too many pools (8)" : strerror(errno));
    return 0;
}

/* sim.pools() -> list of {name=, size=, allocated=, free=, fragmentation=, health=}, the truth */
static int
lsim_pools(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    world_t *w = scn_engine_world(L, e);
    world_zfs_state_t st;
    world_pool_info_t pi;
    if (world_zfs_state_read(w, world_path(w), &st) != 0)
        return luaL_error(L, "sim.pools: cannot read the ZFS state: %s", strerror(errno));
    lua_createtable(L, (int)st.wzs_npools, 0);
    for (uint32_t i = 0; i < st.wzs_npools && world_zfs_pool_info(w, &st, i, &pi) == 0; i++) {
        lua_createtable(L, 0, 6);
        lua_pushstring(L, pi.wpi_pool.wpl_name);
        lua_setfield(L, -2, "name");
        lua_pushinteger(L, (lua_Integer)pi.wpi_pool.wpl_size);
        lua_setfield(L, -2, "size");
        lua_pushinteger(L, (lua_Integer)pi.wpi_allocated);
        lua_setfield(L, -2, "allocated");
        lua_pushinteger(L, (lua_Integer)pi.wpi_free);
        lua_setfield(L, -2, "free");
        if (pi.wpi_pool.wpl_frag == UINT32_MAX)
            lua_pushstring(L, "-");
        else
            lua_pushinteger(L, pi.wpi_pool.wpl_frag);
        lua_setfield(L, -2, "fragmentation");
        lua_pushstring(L, world_pool_health_name(pi.wpi_pool.wpl_health));
        lua_setfield(L, -2, "health");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* sim.arc{c=, c_min=, c_max=, rename={field=new_name or false, ...}} */
static int
lsim_arc(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"c", SCN_ARG_INTEGER, 0},
                                               {"c_min", SCN_ARG_INTEGER, 0},
                                               {"c_max", SCN_ARG_INTEGER, 0},
                                               {"rename", SCN_ARG_TABLE, 0},
                                               {NULL, 0, 0}};
    struct scn_engine *e = scn_args_options(L, "sim.arc", spec);
    world_t *w = scn_engine_world(L, e);
    uint64_t c = (uint64_t)scn_args_number(L, 1, "c", 0);
    uint64_t cmin = (uint64_t)scn_args_number(L, 1, "c_min", 0);
    uint64_t cmax = (uint64_t)scn_args_number(L, 1, "c_max", 0);
    if ((c || cmin || cmax) && world_arc_set(w, c, cmin, cmax) != 0)
        return luaL_error(L, "sim.arc: c_min <= c <= c_max must hold");
    if (lua_getfield(L, 1, "rename") == LUA_TNIL)
        return 0;
    for (lua_pushnil(L); lua_next(L, -2) != 0; lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING ||
            (lua_type(L, -1) != LUA_TSTRING && lua_toboolean(L, -1)))
            return luaL_error(L, "sim.arc: 'rename' maps field names to new names (or false)");
        const char *from = lua_tostring(L, -2);
        const char *to = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (world_arc_rename(w, from, to) != 0)
            return luaL_error(L, "sim.arc: rename %s: %s", from,
                              errno == ENOENT   ? "no such arcstats field"
                              : errno == ENOSPC ? "more than 4 renames at once"
                                                : "the new name is taken or too long");
    }
    return 0;
}

/* A guid given as an integer or a decimal string. */
static uint64_t
node_guid(lua_State *L, int idx, const char *call)
{
    if (lua_isinteger(L, idx) && lua_tointeger(L, idx) > 0)
        return (uint64_t)lua_tointeger(L, idx);
    const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : "";
    char *end;
    errno = 0;
    unsigned long long g = strtoull(s, &end, 10);
    if (s[0] < '1' || s[0] > '9' || *end != '\0' || errno != 0)
        luaL_error(L, "%s: key 'guid' must be a positive integer or its decimal string", call);
    return (uint64_t)g;
}

/* sim.metaslab{pool=, guid=, loads=, unloads=} or sim.metaslab{guid=, remove=true} */
static int
lsim_metaslab(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"pool", SCN_ARG_STRING, 0},    {"guid", SCN_ARG_ANY, 0},
        {"loads", SCN_ARG_INTEGER, 0},  {"unloads", SCN_ARG_INTEGER, 0},
        {"remove", SCN_ARG_BOOLEAN, 0}, {NULL, 0, 0}};
    struct scn_engine *e = scn_args_options(L, "sim.metaslab", spec);
    world_t *w = scn_engine_world(L, e);
    lua_getfield(L, 1, "guid");
    uint64_t guid = node_guid(L, -1, "sim.metaslab");
    lua_pop(L, 1);
    if (scn_args_boolean(L, 1, "remove", 0)) {
        if (world_metaslab_remove(w, guid) != 0)
            return luaL_error(L, "sim.metaslab: no group of guid %" PRIu64, guid);
        return 0;
    }
    const char *pool = scn_args_string(L, 1, "pool", "zones");
    uint64_t loads = (uint64_t)scn_args_number(L, 1, "loads", 0);
    uint64_t unloads = (uint64_t)scn_args_number(L, 1, "unloads", 0);
    if (world_metaslab_set(w, pool, guid, loads, unloads) < 0)
        return luaL_error(L, "sim.metaslab: %s",
                          errno == ENOSPC ? "too many metaslab groups (16)"
                                          : "a counter cannot go back, and a guid is one pool's");
    return 0;
}

/* sim.metaslabs() -> list of {pool=, guid= (decimal string), vdev=, loads=, unloads=} */
static int
lsim_metaslabs(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    world_metaslab_info_t m[16];
    char guid[24];
    uint32_t n = world_metaslab_list(scn_engine_world(L, e), m, 16);
    lua_createtable(L, (int)n, 0);
    for (uint32_t i = 0; i < n && i < 16; i++) {
        lua_createtable(L, 0, 5);
        lua_pushstring(L, m[i].wmi_pool);
        lua_setfield(L, -2, "pool");
        snprintf(guid, sizeof(guid), "%" PRIu64, m[i].wmi_guid);
        lua_pushstring(L, guid);
        lua_setfield(L, -2, "guid");
        lua_pushinteger(L, m[i].wmi_vdev);
        lua_setfield(L, -2, "vdev");
        lua_pushinteger(L, (lua_Integer)m[i].wmi_loads);
        lua_setfield(L, -2, "loads");
        lua_pushinteger(L, (lua_Integer)m[i].wmi_unloads);
        lua_setfield(L, -2, "unloads");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static const luaL_Reg node_funcs[] = {
    {"pool", lsim_pool},         {"pools", lsim_pools},         {"arc", lsim_arc},
    {"metaslab", lsim_metaslab}, {"metaslabs", lsim_metaslabs}, {NULL, NULL}};

void
scn_lua_open_node(lua_State *L, struct scn_engine *e)
{
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, node_funcs, 1);
}
