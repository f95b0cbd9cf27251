/*
 * lua_wait.c - real time for scenarios that drive programs running on it
 * (sim.process): sim.sleep(seconds) and sim.wait_until(fn, {timeout=,
 * every=}). Virtual time is sim.advance's; these wait on the wall clock.
 */
#include <math.h>
#include <time.h>

#include <lauxlib.h>

#include "engine.h"
#include "monotime.h"

static void
wait_nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL); /* a signal ends it early: ^C is then handled at once */
}

/* sim.sleep(seconds): real time, 0..3600 */
static int
lsim_sleep(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TNUMBER)
        return luaL_error(L, "sim.sleep: seconds must be a number, got %s", luaL_typename(L, 1));
    double s = lua_tonumber(L, 1);
    if (!(s >= 0 && s <= 3600))
        return luaL_error(L, "sim.sleep: seconds must be 0..3600, got %f", s);
    wait_nap(s);
    return 0;
}

/* sim.wait_until(fn [, {timeout=, every=}]) -> fn's first true value, or
 * false once timeout real seconds (default 60) have passed; fn is called
 * every `every` seconds (default 0.1), and once more at the deadline. */
static int
lsim_wait_until(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"timeout", SCN_ARG_NUMBER, 0}, {"every", SCN_ARG_NUMBER, 0}, {NULL, 0, 0}};
    luaL_checktype(L, 1, LUA_TFUNCTION);
    scn_args_check(L, 2, "sim.wait_until", spec);
    double timeout = scn_args_number(L, 2, "timeout", 60);
    double every = scn_args_number(L, 2, "every", 0.1);
    if (timeout > 86400 || every > 3600)
        return luaL_error(L, "sim.wait_until: timeout must be <= 86400 s and every <= 3600 s");
    double end = cmon_monotime_s() + timeout;
    for (;;) {
        int last = cmon_monotime_s() >= end;
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        if (lua_toboolean(L, -1))
            return 1;
        lua_pop(L, 1);
        if (last)
            return lua_pushboolean(L, 0), 1;
        double left = end - cmon_monotime_s();
        wait_nap(left < every ? (left > 0 ? left : 0) : every);
    }
}

void
scn_lua_open_wait(lua_State *L, struct scn_engine *e)
{
    static const luaL_Reg funcs[] = {
        {"sleep", lsim_sleep}, {"wait_until", lsim_wait_until}, {NULL, NULL}};
    lua_getglobal(L, "sim");
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, funcs, 1);
    lua_pop(L, 1);
}
