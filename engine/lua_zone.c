/*
 * lua_zone.c - zones as Lua values: sim.zone{}, sim.fleet{}, sim.zones(),
 * z.uuid/zoneid/brand/state, z:halt/boot/reboot/destroy/load/caps.
 *
 * A zone userdata holds the world slot (zix) and the zonename it was made
 * with: a slot is reused after a destroy, so the name tells an old handle
 * from the zone that took its slot. One userdata per slot is cached in the
 * registry table "cmon.zones" so that zones compare equal with ==.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "verify.h"
#include "vmlua.h"

struct lzone {
    int lz_zix;
    int lz_destroyed;
    char lz_name[WORLD_NAME_MAX];
};

static struct lzone *
zone_ud(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, SCN_ZONE_MT);
}

/* The live zone at idx, or an error naming call. */
static struct lzone *
zone_live(lua_State *L, int idx, const char *call)
{
    struct lzone *z = zone_ud(L, idx);
    if (z->lz_destroyed)
        luaL_error(L, "%s: zone %s was destroyed", call, z->lz_name);
    return z;
}

int
scn_zone_check(lua_State *L, int idx)
{
    return zone_live(L, idx, "sim")->lz_zix;
}

static void
zone_cache(lua_State *L)
{
    if (luaL_getsubtable(L, LUA_REGISTRYINDEX, "cmon.zones") == 0) {
        lua_pushliteral(L, "v"); /* handles no one holds may go */
        lua_setfield(L, -2, "__mode");
        lua_pushvalue(L, -1);
        lua_setmetatable(L, -2);
    }
}

void
scn_zone_push(lua_State *L, struct scn_engine *e, int zix)
{
    zone_cache(L);
    if (lua_rawgeti(L, -1, zix) == LUA_TUSERDATA) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    struct lzone *z = lua_newuserdatauv(L, sizeof(*z), 0);
    memset(z, 0, sizeof(*z));
    z->lz_zix = zix;
    world_zone_info_t info;
    if (world_zone_info(e->se_world, zix, &info) == 0)
        snprintf(z->lz_name, sizeof(z->lz_name), "%s", info.wzi_name);
    luaL_setmetatable(L, SCN_ZONE_MT);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, zix);
    lua_remove(L, -2);
}

/* ---- creating zones -------------------------------------------------- */

static const struct scn_arg_spec zone_spec[] = {{"brand", SCN_ARG_STRING, 0},
                                                {"cpu_cap", SCN_ARG_INTEGER, 0},
                                                {"mem_cap", SCN_ARG_INTEGER, 0},
                                                {"swap_cap", SCN_ARG_INTEGER, 0},
                                                {"quota", SCN_ARG_INTEGER, 0},
                                                {"name", SCN_ARG_STRING, 0},
                                                {"alias", SCN_ARG_STRING, 0},
                                                {"halted", SCN_ARG_BOOLEAN, 0},
                                                {"load", SCN_ARG_TABLE, 0},
                                                {"count", SCN_ARG_INTEGER, 0},
                                                {"brands", SCN_ARG_TABLE, 0},
                                                SCN_VM_ZONE_KEYS,
                                                {NULL, 0, 0}};

static const struct scn_arg_spec load_spec[] = {
    {"cpu_user", SCN_ARG_NUMBER, 0},      {"cpu_sys", SCN_ARG_NUMBER, 0},
    {"net_rx_bps", SCN_ARG_INTEGER, 0},   {"net_tx_bps", SCN_ARG_INTEGER, 0},
    {"vfs_read_bps", SCN_ARG_INTEGER, 0}, {"vfs_write_bps", SCN_ARG_INTEGER, 0},
    {"rss", SCN_ARG_INTEGER, 0},          {NULL, 0, 0}};

static void
zone_opts_read(lua_State *L, int idx, world_zone_opts_t *o, const char *call)
{
    memset(o, 0, sizeof(*o));
    o->wzo_name = scn_args_string(L, idx, "name", NULL);
    o->wzo_alias = scn_args_string(L, idx, "alias", NULL);
    o->wzo_brand = scn_args_string(L, idx, "brand", NULL);
    o->wzo_cpu_cap = (uint32_t)scn_args_number(L, idx, "cpu_cap", 0);
    o->wzo_mem_cap = (uint64_t)scn_args_number(L, idx, "mem_cap", 0);
    o->wzo_swap_cap = (uint64_t)scn_args_number(L, idx, "swap_cap", 0);
    o->wzo_quota = (uint64_t)scn_args_number(L, idx, "quota", 0);
    o->wzo_nics = scn_vm_nic_count(L, idx, call, 1);
    o->wzo_halted = scn_args_boolean(L, idx, "halted", 0);
}

static void
zone_load_read(lua_State *L, int idx, world_load_t *l)
{
    l->wl_cpu_user = scn_args_number(L, idx, "cpu_user", l->wl_cpu_user);
    l->wl_cpu_sys = scn_args_number(L, idx, "cpu_sys", l->wl_cpu_sys);
    l->wl_net_rx_bps = (uint64_t)scn_args_number(L, idx, "net_rx_bps", (double)l->wl_net_rx_bps);
    l->wl_net_tx_bps = (uint64_t)scn_args_number(L, idx, "net_tx_bps", (double)l->wl_net_tx_bps);
    l->wl_vfs_read_bps =
        (uint64_t)scn_args_number(L, idx, "vfs_read_bps", (double)l->wl_vfs_read_bps);
    l->wl_vfs_write_bps =
        (uint64_t)scn_args_number(L, idx, "vfs_write_bps", (double)l->wl_vfs_write_bps);
    l->wl_rss = (uint64_t)scn_args_number(L, idx, "rss", (double)l->wl_rss);
}

/* Applies the load table at idx (merged into the zone's current load). */
static void
zone_load_apply(lua_State *L, struct scn_engine *e, int zix, int idx, const char *call)
{
    scn_args_check(L, idx, call, load_spec);
    world_zone_info_t info;
    if (world_zone_info(e->se_world, zix, &info) != 0)
        luaL_error(L, "%s: the zone is gone", call);
    world_load_t l = info.wzi_load;
    zone_load_read(L, idx, &l);
    if (world_zone_load_set(e->se_world, zix, &l) != 0)
        luaL_error(L, "%s: cannot set the load: %s", call, strerror(errno));
    scn_history_touch(e, zix);
}

static const char *
zone_add_error(int err)
{
    switch (err) {
    case ENOSPC:
        return "the world is full (see sim.world{max_zones=})";
    case EEXIST:
        return "key 'name': a zone of that name exists";
    case EINVAL:
        return "bad key 'brand', 'name' or 'nics' (brands: joyent, joyent-minimal, "
               "lx, kvm, bhyve; nics: 0..8)";
    default:
        return strerror(err);
    }
}

/* Adds one zone from opts and the optional load table at lidx; pushes it. */
static void
zone_add(lua_State *L, struct scn_engine *e, const world_zone_opts_t *o, int lidx, const char *call)
{
    if (o->wzo_nics > WORLD_NICS_MAX)
        luaL_error(L, "%s: key 'nics' must be 0..%d", call, WORLD_NICS_MAX);
    /* Added halted, its record set, then booted: a reader that notices the
     * zone by the kstat chain moving (the control plane of sim.proxy) never
     * reads its record before its owner and tags are set. */
    world_zone_opts_t halted = *o;
    halted.wzo_halted = 1;
    int zix = world_zone_add(e->se_world, &halted);
    if (zix < 0)
        luaL_error(L, "%s: %s", call, zone_add_error(errno));
    scn_vm_apply(L, e, zix, 1, call); /* owner, tags, customer_metadata, nics */
    if (!o->wzo_halted && world_zone_boot(e->se_world, zix) != 0) {
        int err = errno;
        world_zone_destroy(e->se_world, zix);
        luaL_error(L, "%s: %s", call, zone_add_error(err));
    }
    if (lidx != 0)
        zone_load_apply(L, e, zix, lidx, call);
    scn_zone_push(L, e, zix);
}

/* sim.zone{...} -> zone */
static int
lsim_zone(lua_State *L)
{
    struct scn_engine *e = scn_args_options(L, "sim.zone", zone_spec);
    if (scn_args_has(L, 1, "count") || scn_args_has(L, 1, "brands"))
        return luaL_error(L, "sim.zone: unknown key '%s' (it belongs to sim.fleet)",
                          scn_args_has(L, 1, "count") ? "count" : "brands");
    scn_engine_world(L, e);
    world_zone_opts_t o;
    zone_opts_read(L, 1, &o, "sim.zone");
    int lidx = 0;
    if (lua_getfield(L, 1, "load") == LUA_TTABLE)
        lidx = lua_gettop(L);
    zone_add(L, e, &o, lidx, "sim.zone");
    return 1;
}

/* The brand of fleet zone i: brand=, or brands[] in turn. */
static const char *
fleet_brand(lua_State *L, int bidx, lua_Integer i, const char *dflt)
{
    if (bidx == 0)
        return dflt;
    lua_Integer n = luaL_len(L, bidx);
    if (n == 0)
        luaL_error(L, "sim.fleet: key 'brands' must be a non-empty list of brands");
    if (lua_rawgeti(L, bidx, i % n + 1) != LUA_TSTRING)
        luaL_error(L, "sim.fleet: key 'brands' must list strings");
    const char *b = lua_tostring(L, -1); /* kept alive by the brands table */
    lua_pop(L, 1);
    return b;
}

/* sim.fleet{count=N, ...zone keys, brands={...}} -> list of zones */
static int
lsim_fleet(lua_State *L)
{
    struct scn_engine *e = scn_args_options(L, "sim.fleet", zone_spec);
    if (!scn_args_has(L, 1, "count"))
        return luaL_error(L, "sim.fleet: key 'count' is required");
    if (scn_args_has(L, 1, "name"))
        return luaL_error(L, "sim.fleet: unknown key 'name' (zones of a fleet get UUIDs)");
    lua_Integer count = (lua_Integer)scn_args_number(L, 1, "count", 0);
    if (e->se_world == NULL && e->se_max_zones == 0 && count > 1000)
        e->se_max_zones = (uint32_t)(count + count / 4 + 64);
    scn_engine_world(L, e);
    world_zone_opts_t o;
    zone_opts_read(L, 1, &o, "sim.fleet");
    int bidx = lua_getfield(L, 1, "brands") == LUA_TTABLE ? lua_gettop(L) : 0;
    int lidx = lua_getfield(L, 1, "load") == LUA_TTABLE ? lua_gettop(L) : 0;
    const char *brand = o.wzo_brand;
    lua_createtable(L, (int)count, 0);
    for (lua_Integer i = 0; i < count; i++) {
        o.wzo_brand = fleet_brand(L, bidx, i, brand);
        zone_add(L, e, &o, lidx, "sim.fleet");
        lua_rawseti(L, -2, i + 1);
        scn_progress(e, "fleet", (size_t)i + 1, (size_t)count);
    }
    return 1;
}

/* sim.zones() -> every zone of the world but the global one, in slot order */
static int
lsim_zones(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    world_t *w = scn_engine_world(L, e);
    lua_newtable(L);
    lua_Integer n = 0;
    for (int z = world_zone_next(w, 0); z > 0; z = world_zone_next(w, z)) {
        scn_zone_push(L, e, z);
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

/* ---- zone methods ------------------------------------------------------ */

static int
zone_state_call(lua_State *L, int (*fn)(world_t *, int), const char *call, const char *why)
{
    struct scn_engine *e = scn_engine_get(L);
    struct lzone *z = zone_live(L, 1, call);
    if (fn(e->se_world, z->lz_zix) != 0)
        return luaL_error(L, "%s: zone %s %s", call, z->lz_name, why);
    scn_history_touch(e, z->lz_zix);
    return 0;
}

static int
lsim_zone_halt(lua_State *L)
{
    return zone_state_call(L, world_zone_halt, "z:halt", "is not running");
}

static int
lsim_zone_boot(lua_State *L)
{
    return zone_state_call(L, world_zone_boot, "z:boot", "is already running");
}

static int
lsim_zone_reboot(lua_State *L)
{
    return zone_state_call(L, world_zone_reboot, "z:reboot", "is not running");
}

static int
lsim_zone_destroy(lua_State *L)
{
    zone_state_call(L, world_zone_destroy, "z:destroy", "cannot be destroyed");
    struct lzone *z = zone_ud(L, 1);
    z->lz_destroyed = 1;
    zone_cache(L);
    lua_pushnil(L);
    lua_rawseti(L, -2, z->lz_zix);
    return 0;
}

static int
lsim_zone_load(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    struct lzone *z = zone_live(L, 1, "z:load");
    luaL_checktype(L, 2, LUA_TTABLE);
    zone_load_apply(L, e, z->lz_zix, 2, "z:load");
    return 0;
}

/* z:caps{cpu_cap=, mem_cap=, swap_cap=, quota=}: unnamed keys keep their value. */
static int
lsim_zone_caps(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"cpu_cap", SCN_ARG_INTEGER, 0},
                                               {"mem_cap", SCN_ARG_INTEGER, 0},
                                               {"swap_cap", SCN_ARG_INTEGER, 0},
                                               {"quota", SCN_ARG_INTEGER, 0},
                                               {NULL, 0, 0}};
    struct scn_engine *e = scn_engine_get(L);
    struct lzone *z = zone_live(L, 1, "z:caps");
    luaL_checktype(L, 2, LUA_TTABLE);
    scn_args_check(L, 2, "z:caps", spec);
    world_zone_info_t i;
    if (world_zone_info(e->se_world, z->lz_zix, &i) != 0)
        return luaL_error(L, "z:caps: the zone is gone");
    if (world_zone_caps_set(e->se_world, z->lz_zix,
                            (uint32_t)scn_args_number(L, 2, "cpu_cap", i.wzi_cpu_cap),
                            (uint64_t)scn_args_number(L, 2, "mem_cap", (double)i.wzi_mem_cap),
                            (uint64_t)scn_args_number(L, 2, "swap_cap", (double)i.wzi_swap_cap),
                            (uint64_t)scn_args_number(L, 2, "quota", (double)i.wzi_quota)) != 0)
        return luaL_error(L, "z:caps: %s", strerror(errno));
    scn_history_touch(e, z->lz_zix);
    return 0;
}

/* z:vm() -> the VM record as vminfod serves it; z:vm{owner=, tags=, customer_metadata=, nics=}
 * sets those parts (false: back to the derived one). */
static int
lsim_zone_vm(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {SCN_VM_ZONE_KEYS, {NULL, 0, 0}};
    struct scn_engine *e = scn_engine_get(L);
    struct lzone *z = zone_live(L, 1, "z:vm");
    if (lua_isnoneornil(L, 2)) {
        scn_vm_push(L, e, z->lz_zix);
        return 1;
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    scn_args_check(L, 2, "z:vm", spec);
    if (lua_getfield(L, 2, "nics") == LUA_TNUMBER)
        return luaL_error(L, "z:vm: key 'nics' must be a list of NICs or false");
    lua_pop(L, 1);
    scn_vm_apply(L, e, z->lz_zix, 2, "z:vm");
    scn_history_touch(e, z->lz_zix);
    return 0;
}

static const char *
zone_state_name(world_zstate_t s)
{
    return s == WORLD_ZONE_RUNNING ? "running" : s == WORLD_ZONE_INSTALLED ? "installed" : "free";
}

static int
zone_field(lua_State *L, const world_zone_info_t *i, const char *k)
{
    if (strcmp(k, "zoneid") == 0) {
        if (i->wzi_zoneid < 0)
            lua_pushnil(L);
        else
            lua_pushinteger(L, i->wzi_zoneid);
    } else if (strcmp(k, "brand") == 0) {
        lua_pushstring(L, i->wzi_brand);
    } else if (strcmp(k, "state") == 0) {
        lua_pushstring(L, zone_state_name(i->wzi_state));
    } else if (strcmp(k, "alias") == 0) {
        lua_pushstring(L, i->wzi_alias);
    } else if (strcmp(k, "nics") == 0) {
        lua_pushinteger(L, i->wzi_nics);
    } else if (strcmp(k, "cpu_cap") == 0) {
        lua_pushinteger(L, i->wzi_cpu_cap);
    } else if (strcmp(k, "mem_cap") == 0) {
        lua_pushinteger(L, (lua_Integer)i->wzi_mem_cap);
    } else {
        return 0;
    }
    return 1;
}

/* z.uuid, z.name, z.zix, z.zoneid, z.brand, z.state, ..., and the methods. */
static int
lsim_zone_index(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    struct lzone *z = zone_ud(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (lua_getfield(L, lua_upvalueindex(2), k) != LUA_TNIL)
        return 1; /* a method */
    if (strcmp(k, "uuid") == 0 || strcmp(k, "name") == 0)
        return lua_pushstring(L, z->lz_name), 1;
    if (strcmp(k, "zix") == 0)
        return lua_pushinteger(L, z->lz_zix), 1;
    world_zone_info_t i;
    if (z->lz_destroyed || world_zone_info(e->se_world, z->lz_zix, &i) != 0) {
        if (strcmp(k, "state") == 0)
            return lua_pushliteral(L, "destroyed"), 1;
        return lua_pushnil(L), 1;
    }
    if (!zone_field(L, &i, k))
        return luaL_error(L, "zone: no field '%s'", k);
    return 1;
}

static int
lsim_zone_tostring(lua_State *L)
{
    struct lzone *z = zone_ud(L, 1);
    lua_pushfstring(L, "zone %s", z->lz_name);
    return 1;
}

static const luaL_Reg zone_methods[] = {{"halt", lsim_zone_halt},
                                        {"boot", lsim_zone_boot},
                                        {"reboot", lsim_zone_reboot},
                                        {"destroy", lsim_zone_destroy},
                                        {"load", lsim_zone_load},
                                        {"caps", lsim_zone_caps},
                                        {"vm", lsim_zone_vm},
                                        {"set_counter", scn_lua_zone_set_counter},
                                        {"drop_kstat", scn_lua_zone_drop_kstat},
                                        {NULL, NULL}};

static const luaL_Reg zone_funcs[] = {
    {"zone", lsim_zone}, {"fleet", lsim_fleet}, {"zones", lsim_zones}, {NULL, NULL}};

/* Registers the zone metatable and adds sim.zone/fleet/zones to the table on top. */
void
scn_lua_open_zone(lua_State *L, struct scn_engine *e)
{
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, zone_funcs, 1);
    luaL_newmetatable(L, SCN_ZONE_MT);
    lua_pushlightuserdata(L, e);
    luaL_newlibtable(L, zone_methods);
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, zone_methods, 1);
    lua_pushcclosure(L, lsim_zone_index, 2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lsim_zone_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
}

const char *
scn_zone_name(lua_State *L, int idx, int *zix)
{
    struct lzone *z = luaL_testudata(L, idx, SCN_ZONE_MT);
    if (z == NULL)
        return NULL;
    if (zix != NULL)
        *zix = z->lz_zix;
    return z->lz_name;
}
