/*
 * lua_vm.c - VM records and the fake vminfod from Lua (vmlua.h).
 *
 * Tables become JSON through jansson (the world keeps tags and metadata as
 * checked JSON text); no jansson value is held across a luaL_error: the
 * converters return -1 with a message, the caller frees, then raises.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "agent.h"
#include "vminfod.h"
#include "proxylua.h"
#include "vmlua.h"
#include "world_vm.h"

#define VM_ERR_MAX 256

/* ---- Lua tables to JSON text ------------------------------------------- */

/* The value on top as JSON (string, number, boolean); NULL with err otherwise. */
static json_t *
vm_json_scalar(lua_State *L, int strings_only, const char *key, char *err)
{
    int t = lua_type(L, -1);

    if (t == LUA_TSTRING)
        return json_string(lua_tostring(L, -1));
    if (strings_only)
        snprintf(err, VM_ERR_MAX, "key '%s' must be a string, got %s", key, lua_typename(L, t));
    else if (t == LUA_TNUMBER && lua_isinteger(L, -1))
        return json_integer((json_int_t)lua_tointeger(L, -1));
    else if (t == LUA_TNUMBER)
        return json_real(lua_tonumber(L, -1));
    else if (t == LUA_TBOOLEAN)
        return json_boolean(lua_toboolean(L, -1));
    else
        snprintf(err, VM_ERR_MAX, "key '%s' must be a string, number or boolean, got %s", key,
                 lua_typename(L, t));
    return NULL;
}

/* The table at idx as a JSON object's compact text in out; -1 with err. */
static int
vm_table_text(lua_State *L, int idx, int strings_only, char *out, char *err)
{
    json_t *o = json_object();
    int rc = 0;

    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (rc == 0 && lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            snprintf(err, VM_ERR_MAX, "keys must be strings");
            rc = -1;
        } else {
            const char *key = lua_tostring(L, -2);
            json_t *v = vm_json_scalar(L, strings_only, key, err);
            rc = v == NULL || json_object_set_new(o, key, v) != 0 ? -1 : 0;
        }
        lua_pop(L, 1);
    }
    if (rc != 0)
        lua_pop(L, 1); /* the key lua_next left */
    if (rc == 0)
        rc = vmjson_object_text(o, strings_only, out, WORLD_VM_JSON_MAX, err, VM_ERR_MAX);
    json_decref(o);
    return rc;
}

/* ---- NICs -------------------------------------------------------------- */

/* Field key of the NIC table on top into buf (size bytes): absent keeps it, false empties it. */
static void
vm_nic_field(lua_State *L, const char *key, char *buf, size_t size, const char *call, int i)
{
    int t = lua_getfield(L, -1, key);

    if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
        buf[0] = '\0';
    } else if (t == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        if (n >= size)
            luaL_error(L, "%s: nics[%d].%s is longer than %d bytes", call, i, key, (int)size - 1);
        memcpy(buf, s, n + 1);
    } else if (t != LUA_TNIL) {
        luaL_error(L, "%s: nics[%d].%s must be a string or false, got %s", call, i, key,
                   lua_typename(L, t));
    }
    lua_pop(L, 1);
}

static const char *const vm_nic_keys[] = {"interface", "nic_tag", "network_uuid", "ip", "mac",
                                          "primary",   NULL};

/* NIC i (1-based) of the list on top: the derived NIC, with what the table says. */
static void
vm_nic_read(lua_State *L, struct scn_engine *e, int zix, int i, world_nic_t *n, const char *call)
{
    if (lua_type(L, -1) != LUA_TTABLE)
        luaL_error(L, "%s: nics[%d] must be a table", call, i);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        int k = 0;
        while (vm_nic_keys[k] &&
               (lua_type(L, -2) != LUA_TSTRING || strcmp(vm_nic_keys[k], lua_tostring(L, -2)) != 0))
            k++;
        if (vm_nic_keys[k] == NULL)
            luaL_error(L, "%s: nics[%d]: unknown key '%s'", call, i, luaL_tolstring(L, -2, NULL));
        lua_pop(L, 1);
    }
    if (world_vm_default_nic(e->se_world, zix, (uint32_t)i - 1, n) != 0)
        luaL_error(L, "%s: the zone is gone", call);
    vm_nic_field(L, "interface", n->wn_interface, sizeof(n->wn_interface), call, i);
    vm_nic_field(L, "nic_tag", n->wn_nic_tag, sizeof(n->wn_nic_tag), call, i);
    vm_nic_field(L, "network_uuid", n->wn_network_uuid, sizeof(n->wn_network_uuid), call, i);
    vm_nic_field(L, "ip", n->wn_ip, sizeof(n->wn_ip), call, i);
    vm_nic_field(L, "mac", n->wn_mac, sizeof(n->wn_mac), call, i);
    if (lua_getfield(L, -1, "primary") != LUA_TNIL)
        n->wn_primary = (uint8_t)lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (n->wn_interface[0] == '\0')
        luaL_error(L, "%s: nics[%d].interface must not be empty", call, i);
}

uint32_t
scn_vm_nic_count(lua_State *L, int idx, const char *call, uint32_t dflt)
{
    int t = lua_getfield(L, idx, "nics");
    lua_Integer n = (lua_Integer)dflt;

    if (t == LUA_TTABLE)
        n = luaL_len(L, -1);
    else if (t == LUA_TNUMBER && lua_isinteger(L, -1))
        n = lua_tointeger(L, -1);
    else if (t != LUA_TNIL)
        luaL_error(L, "%s: key 'nics' must be a number of NICs or a list of NICs, got %s", call,
                   luaL_typename(L, -1));
    lua_pop(L, 1);
    if (n < 0 || n > WORLD_NICS_MAX)
        luaL_error(L, "%s: key 'nics' must be 0..%d (NICs)", call, WORLD_NICS_MAX);
    return (uint32_t)n;
}

static void
vm_apply_nics(lua_State *L, struct scn_engine *e, int zix, const char *call)
{
    world_nic_t nics[WORLD_NICS_MAX];
    lua_Integer n;

    if (lua_isboolean(L, -1) && !lua_toboolean(L, -1)) {
        world_vm_set_nics(e->se_world, zix, NULL, 0);
        return;
    }
    if (!lua_istable(L, -1))
        return; /* a count: the derived NICs */
    if ((n = luaL_len(L, -1)) > WORLD_NICS_MAX)
        luaL_error(L, "%s: key 'nics' lists more than %d NICs", call, WORLD_NICS_MAX);
    memset(nics, 0, sizeof(nics));
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        vm_nic_read(L, e, zix, (int)i, &nics[i - 1], call);
        lua_pop(L, 1);
    }
    if (world_vm_set_nics(e->se_world, zix, nics, (uint32_t)n) != 0)
        luaL_error(L, "%s: cannot set the NICs: %s", call, strerror(errno));
}

/* ---- applying a table --------------------------------------------------- */

static void
vm_apply_json(lua_State *L, struct scn_engine *e, int zix, const char *key, const char *call)
{
    char text[WORLD_VM_JSON_MAX], err[VM_ERR_MAX];
    int meta = strcmp(key, "customer_metadata") == 0;
    int rc;

    if (lua_isboolean(L, -1) && !lua_toboolean(L, -1)) {
        rc = meta ? world_vm_set_metadata(e->se_world, zix, NULL)
                  : world_vm_set_tags(e->se_world, zix, NULL);
    } else {
        if (!lua_istable(L, -1))
            luaL_error(L, "%s: key '%s' must be a table or false", call, key);
        if (vm_table_text(L, -1, meta, text, err) != 0)
            luaL_error(L, "%s: key '%s': %s", call, key, err);
        rc = meta ? world_vm_set_metadata(e->se_world, zix, text)
                  : world_vm_set_tags(e->se_world, zix, text);
    }
    if (rc != 0)
        luaL_error(L, "%s: key '%s': %s", call, key, strerror(errno));
}

static void
vm_apply_owner(lua_State *L, struct scn_engine *e, int zix, const char *call)
{
    const char *owner = lua_isboolean(L, -1) && !lua_toboolean(L, -1) ? NULL : lua_tostring(L, -1);

    if (owner == NULL && !lua_isboolean(L, -1))
        luaL_error(L, "%s: key 'owner' must be a UUID string, a login or false", call);
    const char *account = owner != NULL ? scn_dc_account_uuid(e, owner) : NULL;
    if (account != NULL)
        owner = account; /* a login of sim.proxy's accounts */
    if (world_vm_set_owner(e->se_world, zix, owner) != 0)
        luaL_error(L,
                   "%s: key 'owner' must be a UUID (36 characters) or a login of sim.proxy's "
                   "accounts, got '%s'",
                   call, owner);
}

void
scn_vm_apply(lua_State *L, struct scn_engine *e, int zix, int idx, const char *call)
{
    idx = lua_absindex(L, idx);
    if (lua_getfield(L, idx, "owner") != LUA_TNIL)
        vm_apply_owner(L, e, zix, call);
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "tags") != LUA_TNIL)
        vm_apply_json(L, e, zix, "tags", call);
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "customer_metadata") != LUA_TNIL)
        vm_apply_json(L, e, zix, "customer_metadata", call);
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "nics") != LUA_TNIL)
        vm_apply_nics(L, e, zix, call);
    lua_pop(L, 1);
}

/* ---- the record as a table ---------------------------------------------- */

static void
vm_push_object(lua_State *L, const json_t *o)
{
    const char *key;
    json_t *v;

    lua_newtable(L);
    json_object_foreach((json_t *)o, key, v)
    {
        scn_json_push(L, v);
        lua_setfield(L, -2, key);
    }
}

void
scn_json_push(lua_State *L, const json_t *j)
{
    size_t i;
    json_t *v;

    if ((json_is_object(j) || json_is_array(j)) && !lua_checkstack(L, 4)) {
        lua_pushnil(L); /* nested deeper than Lua's stack allows: cut there */
    } else if (json_is_object(j)) {
        vm_push_object(L, j);
    } else if (json_is_array(j)) {
        lua_newtable(L);
        json_array_foreach(j, i, v)
        {
            scn_json_push(L, v);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    } else if (json_is_string(j)) {
        lua_pushstring(L, json_string_value(j));
    } else if (json_is_integer(j)) {
        lua_pushinteger(L, (lua_Integer)json_integer_value(j));
    } else if (json_is_number(j)) {
        lua_pushnumber(L, json_number_value(j));
    } else if (json_is_boolean(j)) {
        lua_pushboolean(L, json_is_true(j));
    } else {
        lua_pushnil(L);
    }
}

void
scn_vm_push(lua_State *L, struct scn_engine *e, int zix)
{
    world_vm_t vm;
    json_t *j;

    if (world_vm_get(e->se_world, zix, &vm) != 0 || (j = vmjson_record(&vm)) == NULL) {
        lua_pushnil(L);
        return;
    }
    lua_checkstack(L, 16);
    scn_json_push(L, j); /* no error can be raised while j is held: pushes only */
    json_decref(j);
}

/* ---- the engine's vminfod ------------------------------------------------ */

const char *
scn_vminfod_url(lua_State *L, struct scn_engine *e)
{
    char err[256];

    if (e->se_vminfod != NULL)
        return vminfod_url(e->se_vminfod);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    e->se_vminfod =
        vminfod_start(scn_engine_world(L, e), (struct sockaddr *)&sa, sizeof(sa), err, sizeof(err));
    if (e->se_vminfod == NULL)
        luaL_error(L, "cannot start vminfod: %s", err);
    return vminfod_url(e->se_vminfod);
}

void
scn_vminfod_stop(struct scn_engine *e)
{
    vminfod_stop(e->se_vminfod);
    e->se_vminfod = NULL;
}

static const char *const vm_modes[] = {"ok", "down", "slow", "garbage", "error", "notfound", NULL};

/* sim.vminfod{mode=, delay_ms=, zone=} sets its fault; sim.vminfod() -> {url=, requests=} */
static int
lsim_vminfod(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"mode", SCN_ARG_STRING, 0},
                                               {"delay_ms", SCN_ARG_INTEGER, 0},
                                               {"zone", SCN_ARG_ANY, 0},
                                               {NULL, 0, 0}};
    struct scn_engine *e = scn_engine_get(L);
    scn_args_check(L, 1, "sim.vminfod", spec);
    const char *url = scn_vminfod_url(L, e);
    if (lua_istable(L, 1)) {
        vminfod_fault_t f = {0};
        char err[256];
        lua_getfield(L, 1, "mode");
        f.vf_mode = (vminfod_mode_t)luaL_checkoption(L, -1, "ok", vm_modes);
        f.vf_delay_ms = (unsigned)scn_args_number(L, 1, "delay_ms", 1000);
        if (lua_getfield(L, 1, "zone") != LUA_TNIL) {
            const char *name = scn_zone_name(L, -1, NULL);
            if (name == NULL)
                return luaL_error(L, "sim.vminfod: key 'zone' must be a zone");
            snprintf(f.vf_uuid, sizeof(f.vf_uuid), "%s", name);
        }
        if (vminfod_set_fault(e->se_vminfod, &f, err, sizeof(err)) != 0)
            return luaL_error(L, "sim.vminfod: %s", err);
    }
    lua_createtable(L, 0, 2);
    lua_pushstring(L, url);
    lua_setfield(L, -2, "url");
    lua_pushinteger(L, (lua_Integer)vminfod_requests(e->se_vminfod));
    lua_setfield(L, -2, "requests");
    return 1;
}

/* ---- truth: the labels the world gives each link ------------------------- */

/* The NIC of vm whose interface is ifname, or NULL (the first, as the original). */
static const world_nic_t *
vm_nic_find(const world_vm_t *vm, const char *ifname)
{
    for (uint32_t i = 0; i < vm->wvm_nnics; i++)
        if (strcmp(vm->wvm_nics[i].wn_interface, ifname) == 0)
            return &vm->wvm_nics[i];
    return NULL;
}

/* sim.link_labels(z) -> {{kstat=, interface=, nic_tag=, network_uuid=}, ...} in kstat order */
static int
lsim_link_labels(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    int zix = scn_zone_check(L, 1);
    world_zone_info_t info;
    world_vm_t vm;
    char kname[64], ifname[16], vnic[24];

    lua_newtable(L);
    if (world_zone_info(e->se_world, zix, &info) != 0 || info.wzi_zoneid < 0 ||
        world_vm_get(e->se_world, zix, &vm) != 0)
        return 1;
    for (uint32_t i = 0; i < info.wzi_nics; i++) {
        snprintf(kname, sizeof(kname), "z%d_net%u", (int)info.wzi_zoneid, i);
        snprintf(ifname, sizeof(ifname), "net%u", i);
        snprintf(vnic, sizeof(vnic), "vnic%u", i);
        const world_nic_t *n = vm_nic_find(&vm, ifname);
        lua_createtable(L, 0, 4);
        lua_pushstring(L, kname);
        lua_setfield(L, -2, "kstat");
        lua_pushstring(L, vnic);
        lua_setfield(L, -2, "interface");
        if (n != NULL) {
            lua_pushstring(L, n->wn_nic_tag);
            lua_setfield(L, -2, "nic_tag");
            lua_pushstring(L, n->wn_network_uuid);
            lua_setfield(L, -2, "network_uuid");
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static const luaL_Reg vm_funcs[] = {
    {"vminfod", lsim_vminfod}, {"link_labels", lsim_link_labels}, {NULL, NULL}};

void
scn_lua_open_vm(lua_State *L, struct scn_engine *e)
{
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, vm_funcs, 1);
}
