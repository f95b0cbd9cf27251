/*
 * lua_attach.c - sim.attach{control = PATH}: a scenario drives a running
 * `cmon-sim serve` through its control socket (sim/cmd/CONTROL.md), with the
 * calls it uses for its own world.
 *
 *   local dc = sim.attach{control = "/dev/shm/w.ctl"}   -- or world = "/dev/shm/w"
 *   local z = dc.zone{brand = "lx"}                    -- as sim.zone
 *   dc.fault{module = "zone_vfs", latency_us = 5000}   -- as sim.fault
 *   z:reboot(); dc.advance(3600); dc.clear_faults()
 *   check(dc.state().zones.running == 11, "...")
 *
 * dc is a table of closures over one client (a userdata, the connection
 * kept open, closed when it is collected), so dc.fault{...} reads as
 * sim.fault{...}; dc:fault{...} works too. A zone is a table {uuid, alias,
 * brand, state, zoneid} as serve last answered about it, with the methods
 * halt, boot, reboot, destroy, load and caps (each refreshes its fields).
 * Every error (serve's answer, or none) is a Lua error naming the call, so
 * a scenario that asks for the impossible is broken (exit 2), as with
 * sim.*: serve's world is left as it was.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "ctl_client.h"
#include "engine.h"

#define ATTACH_MT "cmon.attach"
#define ATTACH_ZONE_MT "cmon.attach.zone"

struct lattach {
    ctl_client_t *la_client; /* NULL once closed */
    char la_path[256];
};

/* ---- JSON to Lua --------------------------------------------------------------- */

static void attach_push_json(lua_State *L, const json_t *j);

static void
attach_push_object(lua_State *L, const json_t *j)
{
    const char *k;
    json_t *v;

    lua_createtable(L, 0, (int)json_object_size(j));
    json_object_foreach((json_t *)j, k, v)
    {
        attach_push_json(L, v);
        lua_setfield(L, -2, k);
    }
}

/* j as a Lua value: objects and arrays as tables, null as nil. */
static void
attach_push_json(lua_State *L, const json_t *j)
{
    size_t i;
    json_t *v;

    luaL_checkstack(L, 4, "sim.attach: answer nested too deep");
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        attach_push_object(L, j);
        break;
    case JSON_ARRAY:
        lua_createtable(L, (int)json_array_size(j), 0);
        json_array_foreach((json_t *)j, i, v)
        {
            attach_push_json(L, v);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(j));
        break;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(j));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        lua_pushboolean(L, json_is_true(j));
        break;
    default:
        lua_pushnil(L);
    }
}

/* ---- the request ------------------------------------------------------------------ */

/* The handle at idx, open; else an error. */
static struct lattach *
attach_check(lua_State *L, int idx)
{
    struct lattach *a = luaL_checkudata(L, idx, ATTACH_MT);

    if (a->la_client == NULL)
        luaL_error(L, "sim.attach: %s is closed", a->la_path);
    return a;
}

/* The handle of a dc.x closure (its upvalue 1). */
static struct lattach *
attach_handle(lua_State *L)
{
    return attach_check(L, lua_upvalueindex(1));
}

/*
 * Sends path with body (taken) for call over a; pushes the answer as a Lua
 * value. Raises the error of serve's answer, or of none, after freeing what
 * it holds (luaL_error does not return).
 */
static void
attach_call(lua_State *L, struct lattach *a, const char *call, const char *path, json_t *body)
{
    char err[600];
    json_t *reply = NULL;
    long status = 0;
    int rc = ctl_client_call(a->la_client, "POST", path, body, &status, &reply, err, sizeof(err));

    json_decref(body);
    if (rc == 0 && status != 200)
        snprintf(err, sizeof(err), "%s (HTTP %ld)",
                 reply ? ctl_client_message(reply) : "an answer that is not JSON", status);
    else if (rc == 0 && reply == NULL)
        snprintf(err, sizeof(err), "an answer that is not JSON");
    if (rc != 0 || status != 200 || reply == NULL) {
        json_decref(reply);
        luaL_error(L, "%s: %s", call, err);
    }
    attach_push_json(L, reply);
    json_decref(reply);
}

/* Removes dc when called as dc:x(...), so that argument 1 is the first real one. */
static void
attach_self(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TTABLE)
        return;
    lua_getfield(L, 1, "handle");
    int self = lua_rawequal(L, -1, lua_upvalueindex(1));
    lua_pop(L, 1);
    if (self)
        lua_remove(L, 1);
}

/* ---- zones ------------------------------------------------------------------------- */

/* Turns the zone table on top into a zone of the handle at hidx, with methods. */
static void
attach_zone_bless(lua_State *L, int hidx)
{
    lua_pushvalue(L, hidx);
    lua_setfield(L, -2, "attached");
    luaL_setmetatable(L, ATTACH_ZONE_MT);
}

/* Replaces the answer on top with its list field key, each zone blessed. */
static void
attach_zone_list(lua_State *L, const char *key)
{
    lua_getfield(L, -1, key);
    lua_remove(L, -2);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
    }
    lua_Integer n = luaL_len(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        attach_zone_bless(L, lua_upvalueindex(1));
        lua_pop(L, 1);
    }
}

/* The uuid of the zone argument at idx: a zone of an attached world, or a uuid string. */
static const char *
attach_zone_uuid(lua_State *L, int idx, const char *call)
{
    if (lua_type(L, idx) == LUA_TSTRING)
        return lua_tostring(L, idx);
    if (lua_type(L, idx) == LUA_TTABLE && lua_getmetatable(L, idx)) {
        luaL_getmetatable(L, ATTACH_ZONE_MT);
        int ours = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (ours && lua_getfield(L, idx, "uuid") == LUA_TSTRING) {
            const char *u = lua_tostring(L, -1);
            lua_pop(L, 1); /* the zone table keeps the string */
            return u;
        }
    }
    luaL_error(L, "%s: key 'zone' must be a zone of the attached world or a uuid, got %s", call,
               luaL_typename(L, idx));
    return NULL;
}

/* dc.zone{brand=, alias=, halted=} -> zone; dc.fleet{count=, ...} -> list of zones */
static int
attach_create(lua_State *L, const char *call, int fleet)
{
    static const struct scn_arg_spec spec[] = {{"brand", SCN_ARG_STRING, 0},
                                               {"alias", SCN_ARG_STRING, 0},
                                               {"halted", SCN_ARG_BOOLEAN, 0},
                                               {"count", SCN_ARG_INTEGER, 0},
                                               {NULL, 0, 0}};
    struct lattach *a = attach_handle(L);

    attach_self(L);
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    scn_args_options(L, call, spec);
    if (!fleet && scn_args_has(L, 1, "count"))
        return luaL_error(L, "%s: unknown key 'count' (it belongs to dc.fleet)", call);
    if (fleet && !scn_args_has(L, 1, "count"))
        return luaL_error(L, "%s: key 'count' is required", call);
    json_t *b = json_pack("{sbsI}", "halted", scn_args_boolean(L, 1, "halted", 0), "count",
                          (json_int_t)scn_args_number(L, 1, "count", 1));
    if (scn_args_has(L, 1, "brand"))
        json_object_set_new(b, "brand", json_string(scn_args_string(L, 1, "brand", "")));
    if (scn_args_has(L, 1, "alias"))
        json_object_set_new(b, "alias", json_string(scn_args_string(L, 1, "alias", "")));
    attach_call(L, a, call, "/v1/zones/create", b);
    attach_zone_list(L, "zones");
    if (!fleet)
        lua_rawgeti(L, -1, 1);
    return 1;
}

static int
lattach_zone(lua_State *L)
{
    return attach_create(L, "dc.zone", 0);
}

static int
lattach_fleet(lua_State *L)
{
    return attach_create(L, "dc.fleet", 1);
}

/* dc.zones() -> every zone of the attached world but the global one, in slot order */
static int
lattach_zones(lua_State *L)
{
    attach_call(L, attach_handle(L), "dc.zones", "/v1/state", json_pack("{sb}", "zones", 1));
    lua_getfield(L, -1, "zones");
    lua_remove(L, -2);
    attach_zone_list(L, "list");
    return 1;
}

/* ---- zone methods: z:halt() ... z:caps{} ------------------------------------------------ */

/* Copies the first zone of the answer on top into the zone at 1 (its fields now); pops it. */
static void
attach_zone_refresh(lua_State *L)
{
    static const char *const keys[] = {"alias", "brand", "state", "zoneid", NULL};

    lua_getfield(L, -1, "zones");
    if (lua_rawgeti(L, -1, 1) == LUA_TTABLE)
        for (const char *const *k = keys; *k != NULL; k++) {
            lua_getfield(L, -1, *k);
            lua_setfield(L, 1, *k);
        }
    lua_pop(L, 3);
}

/* The handle of the zone at 1 (z:x()), after checking it is one; its uuid pushed. */
static struct lattach *
attach_zone_target(lua_State *L, const char *call)
{
    if (lua_type(L, 1) != LUA_TTABLE || lua_getfield(L, 1, "attached") != LUA_TUSERDATA)
        luaL_error(L, "%s: not a zone of an attached world (call it as z:%s)", call, call + 2);
    struct lattach *a = attach_check(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "uuid") != LUA_TSTRING)
        luaL_error(L, "%s: the zone has no uuid", call);
    return a;
}

/*
 * A zone action on the zone at 1, checked by attach_zone_target (its uuid on
 * top); b (taken, may be NULL) holds its other keys. Its fields are
 * refreshed from serve's answer.
 */
static int
attach_zone_action(lua_State *L, struct lattach *a, const char *call, const char *action, json_t *b)
{
    char path[64];

    b = b ? b : json_object();
    json_object_set_new(b, "uuid", json_string(lua_tostring(L, -1)));
    lua_pop(L, 1);
    snprintf(path, sizeof(path), "/v1/zones/%s", action);
    attach_call(L, a, call, path, b);
    if (strcmp(action, "destroy") == 0) {
        lua_pop(L, 1);
        lua_pushliteral(L, "destroyed");
        lua_setfield(L, 1, "state");
        lua_pushnil(L);
        lua_setfield(L, 1, "zoneid");
        return 0;
    }
    attach_zone_refresh(L);
    return 0;
}

static int
attach_zone_simple(lua_State *L, const char *call, const char *action)
{
    struct lattach *a = attach_zone_target(L, call);

    return attach_zone_action(L, a, call, action, NULL);
}

static int
lattach_halt(lua_State *L)
{
    return attach_zone_simple(L, "z:halt", "halt");
}

static int
lattach_boot(lua_State *L)
{
    return attach_zone_simple(L, "z:boot", "boot");
}

static int
lattach_reboot(lua_State *L)
{
    return attach_zone_simple(L, "z:reboot", "reboot");
}

static int
lattach_destroy(lua_State *L)
{
    return attach_zone_simple(L, "z:destroy", "destroy");
}

/* The numbers of the table at idx (checked against spec) into a JSON object. */
static json_t *
attach_numbers(lua_State *L, int idx, const char *call, const struct scn_arg_spec *spec)
{
    json_t *o;

    luaL_checktype(L, idx, LUA_TTABLE);
    scn_args_check(L, idx, call, spec);
    o = json_object(); /* nothing raises an error past here */
    for (const struct scn_arg_spec *s = spec; s->sa_key != NULL; s++)
        if (scn_args_has(L, idx, s->sa_key))
            json_object_set_new(o, s->sa_key, json_real(scn_args_number(L, idx, s->sa_key, 0)));
    return o;
}

/* z:load{cpu_user=, cpu_sys=, net_rx_bps=, ...}: as a world's zone; unnamed keys keep. */
static int
lattach_load(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"cpu_user", SCN_ARG_NUMBER, 0},      {"cpu_sys", SCN_ARG_NUMBER, 0},
        {"net_rx_bps", SCN_ARG_INTEGER, 0},   {"net_tx_bps", SCN_ARG_INTEGER, 0},
        {"vfs_read_bps", SCN_ARG_INTEGER, 0}, {"vfs_write_bps", SCN_ARG_INTEGER, 0},
        {"rss", SCN_ARG_INTEGER, 0},          {NULL, 0, 0}};
    struct lattach *a = attach_zone_target(L, "z:load");
    json_t *l = attach_numbers(L, 2, "z:load", spec);

    return attach_zone_action(L, a, "z:load", "load", json_pack("{so}", "load", l));
}

/* z:caps{cpu_cap=, mem_cap=, swap_cap=, quota=} */
static int
lattach_caps(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"cpu_cap", SCN_ARG_INTEGER, 0},
                                               {"mem_cap", SCN_ARG_INTEGER, 0},
                                               {"swap_cap", SCN_ARG_INTEGER, 0},
                                               {"quota", SCN_ARG_INTEGER, 0},
                                               {NULL, 0, 0}};
    struct lattach *a = attach_zone_target(L, "z:caps");

    return attach_zone_action(L, a, "z:caps", "caps", attach_numbers(L, 2, "z:caps", spec));
}

/* ---- faults ------------------------------------------------------------------------------ */

/* dc.fault{module=, error=, rate=, latency_us=, zone=, vanish=}: the keys of sim.fault */
static int
lattach_fault(lua_State *L)
{
    const struct scn_arg_spec *spec = scn_fault_spec;
    struct lattach *a = attach_handle(L);

    attach_self(L);
    scn_args_options(L, "dc.fault", spec);
    const char *m = scn_args_string(L, 1, "module", "");
    const char *zone = lua_getfield(L, 1, "zone") != LUA_TNIL
                           ? attach_zone_uuid(L, lua_gettop(L), "dc.fault")
                           : NULL; /* before anything is allocated: it may raise an error */
    json_t *b = json_pack("{ss}", "module", *m ? m : "*");
    if (scn_args_has(L, 1, "error"))
        json_object_set_new(b, "errno", json_string(scn_args_string(L, 1, "error", "")));
    if (scn_args_has(L, 1, "rate"))
        json_object_set_new(b, "rate", json_real(scn_args_number(L, 1, "rate", 0)));
    if (scn_args_has(L, 1, "latency_us"))
        json_object_set_new(b, "latency_us",
                            json_integer((json_int_t)scn_args_number(L, 1, "latency_us", 0)));
    if (scn_args_has(L, 1, "vanish"))
        json_object_set_new(b, "vanish", json_boolean(scn_args_boolean(L, 1, "vanish", 0)));
    if (zone != NULL)
        json_object_set_new(b, "zone", json_string(zone));
    attach_call(L, a, "dc.fault", "/v1/faults/set", b);
    lua_getfield(L, -1, "faults");
    lua_pushinteger(L, (lua_Integer)luaL_len(L, -1) - 1); /* its index, as sim.fault's */
    return 1;
}

/* dc.clear_faults() / dc.clear_faults{module=, zone=}: every fault, or those that match. */
static int
lattach_clear_faults(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"module", SCN_ARG_STRING, 0}, {"zone", SCN_ARG_ANY, 0}, {NULL, 0, 0}};
    struct lattach *a = attach_handle(L);
    json_t *b;

    attach_self(L);
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    scn_args_options(L, "dc.clear_faults", spec);
    const char *zone = lua_getfield(L, 1, "zone") != LUA_TNIL
                           ? attach_zone_uuid(L, lua_gettop(L), "dc.clear_faults")
                           : NULL;
    b = json_object();
    if (scn_args_has(L, 1, "module"))
        json_object_set_new(b, "module", json_string(scn_args_string(L, 1, "module", "")));
    if (zone != NULL)
        json_object_set_new(b, "zone", json_string(zone));
    attach_call(L, a, "dc.clear_faults", "/v1/faults/clear", b);
    lua_getfield(L, -1, "cleared");
    return 1;
}

/* ---- time and state ------------------------------------------------------------------------ */

/* dc.advance(seconds): virtual time of the attached world jumps forward now */
static int
lattach_advance(lua_State *L)
{
    struct lattach *a = attach_handle(L);

    attach_self(L);
    if (lua_type(L, 1) != LUA_TNUMBER)
        return luaL_error(L, "dc.advance: seconds must be a number, got %s", luaL_typename(L, 1));
    attach_call(L, a, "dc.advance", "/v1/time/advance",
                json_pack("{sf}", "seconds", (double)lua_tonumber(L, 1)));
    return 0;
}

static int
attach_time(lua_State *L, const char *call, const char *path, json_t *b)
{
    attach_call(L, attach_handle(L), call, path, b);
    lua_getfield(L, -1, "time");
    lua_getfield(L, -1, "now_s");
    return 1;
}

/* dc.now() -> virtual seconds of the attached world */
static int
lattach_now(lua_State *L)
{
    return attach_time(L, "dc.now", "/v1/state", json_pack("{sb}", "zones", 0));
}

/* dc.freeze() / dc.thaw(): serve's tick stops or goes on moving virtual time */
static int
lattach_freeze(lua_State *L)
{
    return attach_time(L, "dc.freeze", "/v1/time/freeze", NULL);
}

static int
lattach_thaw(lua_State *L)
{
    return attach_time(L, "dc.thaw", "/v1/time/thaw", NULL);
}

/* dc.state() -> {time = {now_s, now_ns, frozen}, zones = {total, running, installed}, faults,
 * capacity}; dc.state{zones = true} adds zones.list */
static int
lattach_state(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"zones", SCN_ARG_BOOLEAN, 0}, {NULL, 0, 0}};
    struct lattach *a = attach_handle(L);
    int list = 0;

    attach_self(L);
    if (!lua_isnoneornil(L, 1)) {
        scn_args_options(L, "dc.state", spec);
        list = scn_args_boolean(L, 1, "zones", 0);
    }
    attach_call(L, a, "dc.state", "/v1/state", json_pack("{sb}", "zones", list));
    return 1;
}

/* dc.close(): closes the connection now (else when dc is collected) */
static int
lattach_close(lua_State *L)
{
    struct lattach *a = luaL_checkudata(L, lua_upvalueindex(1), ATTACH_MT);

    ctl_client_close(a->la_client);
    a->la_client = NULL;
    return 0;
}

static int
lattach_gc(lua_State *L)
{
    struct lattach *a = luaL_checkudata(L, 1, ATTACH_MT);

    ctl_client_close(a->la_client);
    a->la_client = NULL;
    return 0;
}

/* ---- sim.attach ------------------------------------------------------------------------------ */

static const luaL_Reg attach_funcs[] = {{"zone", lattach_zone},
                                        {"fleet", lattach_fleet},
                                        {"zones", lattach_zones},
                                        {"fault", lattach_fault},
                                        {"clear_faults", lattach_clear_faults},
                                        {"advance", lattach_advance},
                                        {"now", lattach_now},
                                        {"freeze", lattach_freeze},
                                        {"thaw", lattach_thaw},
                                        {"state", lattach_state},
                                        {"close", lattach_close},
                                        {NULL, NULL}};

static const luaL_Reg attach_zone_methods[] = {{"halt", lattach_halt},
                                               {"boot", lattach_boot},
                                               {"reboot", lattach_reboot},
                                               {"destroy", lattach_destroy},
                                               {"load", lattach_load},
                                               {"caps", lattach_caps},
                                               {NULL, NULL}};

/* The socket sim.attach{} names: control=, else world= and ".ctl", else $CMON_SIM_CONTROL. */
static const char *
attach_path(lua_State *L, char *buf, size_t len)
{
    const char *control = scn_args_string(L, 1, "control", NULL);
    const char *world = scn_args_string(L, 1, "world", NULL);

    if (control != NULL && world != NULL)
        luaL_error(L, "sim.attach: give key 'control' or 'world', not both");
    if (control == NULL && world == NULL)
        control = getenv("CMON_SIM_CONTROL");
    if (control == NULL && world == NULL)
        luaL_error(L, "sim.attach: give key 'control' (serve's socket) or 'world' (or set "
                      "CMON_SIM_CONTROL)");
    return ctl_client_path(world, control, buf, len);
}

/* sim.attach{control = PATH | world = PATH} -> dc */
static int
lsim_attach(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"control", SCN_ARG_STRING, 0}, {"world", SCN_ARG_STRING, 0}, {NULL, 0, 0}};
    char path[256], err[600];

    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    scn_args_options(L, "sim.attach", spec);
    attach_path(L, path, sizeof(path));
    struct lattach *a = lua_newuserdatauv(L, sizeof(*a), 0);
    memset(a, 0, sizeof(*a));
    snprintf(a->la_path, sizeof(a->la_path), "%s", path);
    luaL_setmetatable(L, ATTACH_MT);
    if ((a->la_client = ctl_client_open(path, err, sizeof(err))) == NULL)
        return luaL_error(L, "sim.attach: %s", err);
    int ud = lua_gettop(L);
    luaL_newlibtable(L, attach_funcs);
    lua_pushvalue(L, ud);
    luaL_setfuncs(L, attach_funcs, 1);
    lua_pushvalue(L, ud);
    lua_setfield(L, -2, "handle"); /* keeps the client alive as long as dc */
    lua_pushstring(L, path);
    lua_setfield(L, -2, "control");
    return 1;
}

void
scn_lua_open_attach(lua_State *L, struct scn_engine *e)
{
    (void)e;
    luaL_newmetatable(L, ATTACH_MT);
    lua_pushcfunction(L, lattach_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_newmetatable(L, ATTACH_ZONE_MT);
    luaL_newlib(L, attach_zone_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    lua_pushcfunction(L, lsim_attach);
    lua_setfield(L, -2, "attach");
}
