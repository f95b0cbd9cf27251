/*
 * args.c - the tables given to sim calls are checked at the door: an unknown
 * key, a wrong type or a negative number is an error naming the call and the
 * key, never a silent default.
 */
#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"

static const char *
arg_type_name(enum scn_arg_type t)
{
    switch (t) {
    case SCN_ARG_NUMBER:
        return "number";
    case SCN_ARG_INTEGER:
        return "integer";
    case SCN_ARG_STRING:
        return "string";
    case SCN_ARG_BOOLEAN:
        return "boolean";
    case SCN_ARG_TABLE:
        return "table";
    case SCN_ARG_FUNCTION:
        return "function";
    case SCN_ARG_ANY:
        return "value";
    }
    return "value";
}

static const struct scn_arg_spec *
arg_spec_find(const struct scn_arg_spec *spec, const char *k)
{
    for (; spec->sa_key != NULL; spec++)
        if (strcmp(spec->sa_key, k) == 0)
            return spec;
    return NULL;
}

static int
arg_type_ok(lua_State *L, int vi, enum scn_arg_type t)
{
    switch (t) {
    case SCN_ARG_NUMBER:
        return lua_type(L, vi) == LUA_TNUMBER;
    case SCN_ARG_INTEGER: {
        if (lua_type(L, vi) != LUA_TNUMBER)
            return 0;
        double d = lua_tonumber(L, vi);
        return isfinite(d) && floor(d) == d;
    }
    case SCN_ARG_STRING:
        return lua_type(L, vi) == LUA_TSTRING;
    case SCN_ARG_BOOLEAN:
        return lua_type(L, vi) == LUA_TBOOLEAN;
    case SCN_ARG_TABLE:
        return lua_type(L, vi) == LUA_TTABLE;
    case SCN_ARG_FUNCTION:
        return lua_type(L, vi) == LUA_TFUNCTION;
    case SCN_ARG_ANY:
        return 1;
    }
    return 0;
}

/* Checks the pair on the stack top (key at -2, value at -1). */
static void
arg_pair_check(lua_State *L, const char *call, const struct scn_arg_spec *spec)
{
    if (lua_type(L, -2) != LUA_TSTRING)
        luaL_error(L, "%s: unknown key of type %s (keys are names)", call, luaL_typename(L, -2));
    const char *k = lua_tostring(L, -2);
    const struct scn_arg_spec *s = arg_spec_find(spec, k);
    if (s == NULL)
        luaL_error(L, "%s: unknown key '%s'", call, k);
    if (!arg_type_ok(L, -1, s->sa_type))
        luaL_error(L, "%s: key '%s' must be a%s %s, got %s", call, k,
                   s->sa_type == SCN_ARG_INTEGER ? "n" : "", arg_type_name(s->sa_type),
                   luaL_typename(L, -1));
    if ((s->sa_type == SCN_ARG_NUMBER || s->sa_type == SCN_ARG_INTEGER) &&
        !(s->sa_flags & SCN_ARG_SIGNED) && !(lua_tonumber(L, -1) >= 0))
        luaL_error(L, "%s: key '%s' must not be negative", call, k);
}

void
scn_args_check(lua_State *L, int idx, const char *call, const struct scn_arg_spec *spec)
{
    idx = lua_absindex(L, idx);
    if (lua_isnoneornil(L, idx))
        return;
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: expects a table of options, got %s", call, luaL_typename(L, idx));
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        arg_pair_check(L, call, spec);
        lua_pop(L, 1);
    }
}

static int
arg_field(lua_State *L, int idx, const char *key)
{
    if (!lua_istable(L, idx))
        return 0;
    if (lua_getfield(L, idx, key) == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    return 1;
}

double
scn_args_number(lua_State *L, int idx, const char *key, double dflt)
{
    idx = lua_absindex(L, idx);
    if (!arg_field(L, idx, key))
        return dflt;
    double d = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return d;
}

const char *
scn_args_string(lua_State *L, int idx, const char *key, const char *dflt)
{
    idx = lua_absindex(L, idx);
    if (!arg_field(L, idx, key))
        return dflt;
    /* The string stays alive: it is referenced by the argument table. */
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1);
    return s;
}

int
scn_args_boolean(lua_State *L, int idx, const char *key, int dflt)
{
    idx = lua_absindex(L, idx);
    if (!arg_field(L, idx, key))
        return dflt;
    int b = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return b;
}

int
scn_args_has(lua_State *L, int idx, const char *key)
{
    idx = lua_absindex(L, idx);
    if (!arg_field(L, idx, key))
        return 0;
    lua_pop(L, 1);
    return 1;
}

struct scn_engine *
scn_args_options(lua_State *L, const char *call, const struct scn_arg_spec *spec)
{
    struct scn_engine *e = scn_engine_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    scn_args_check(L, 1, call, spec);
    return e;
}

const struct scn_arg_spec scn_fault_spec[] = {
    {"module", SCN_ARG_STRING, 0},     {"error", SCN_ARG_STRING, 0},
    {"rate", SCN_ARG_NUMBER, 0},       {"latency_us", SCN_ARG_INTEGER, 0},
    {"zone", SCN_ARG_ANY, 0},          {"vanish", SCN_ARG_BOOLEAN, 0},
    {NULL, 0, 0}};
