/*
 * lua_counter.c - z:set_counter(module, stat, value [, nic]): a running
 * zone's cumulative counter moved ahead to value, as if the zone had been
 * up long enough (world_zone_counter_set). How a scenario shows what the
 * agent serves for a kstat value no load reaches in a test's time: above
 * 2^53, where a double no longer holds every integer, or near 2^64.
 *
 * value is a Lua integer (0 .. 2^63-1, a float only when it is an exact
 * integer) or a string of decimal digits up to 2^64-1, since Lua's integers
 * stop at 2^63-1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "verify.h"
#include "world_counter.h"

#define CALL "z:set_counter"

/* A string of 1..20 decimal digits whose value fits 64 bits. */
static int
counter_parse_digits(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 20 || strspn(s, "0123456789") != n)
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static uint64_t
counter_value(lua_State *L, int idx)
{
    uint64_t v = 0;
    if (lua_type(L, idx) == LUA_TSTRING) {
        if (counter_parse_digits(lua_tostring(L, idx), &v) != 0)
            luaL_error(L, CALL ": value \"%s\" is not a decimal integer 0..18446744073709551615",
                       lua_tostring(L, idx));
        return v;
    }
    if (lua_type(L, idx) != LUA_TNUMBER)
        luaL_error(L, CALL ": value must be an integer or a string of digits, got %s",
                   luaL_typename(L, idx));
    int isint;
    lua_Integer i = lua_tointegerx(L, idx, &isint);
    if (!isint)
        luaL_error(L,
                   CALL ": value %f is not an integer (above 2^53 write (1 << 53) + 1, "
                        "above 2^63 a string of digits)",
                   lua_tonumber(L, idx));
    if (i < 0)
        luaL_error(L, CALL ": value must not be negative, got %I", (LUAI_UACINT)i);
    return (uint64_t)i;
}

/* "net<N>" -> N, for the link module; -1 otherwise. */
static int
counter_nic(lua_State *L, int idx, const char *module)
{
    int is_link = strcmp(module, "link") == 0;
    if (lua_isnoneornil(L, idx)) {
        if (is_link)
            luaL_error(L, CALL ": module 'link' needs a nic (\"net0\" ..)");
        return -1;
    }
    const char *s = luaL_checkstring(L, idx);
    int n, end = 0;
    if (!is_link)
        luaL_error(L, CALL ": a nic is only for module 'link'");
    if (sscanf(s, "net%d%n", &n, &end) != 1 || s[end] != '\0' || n < 0)
        luaL_error(L, CALL ": nic must be \"net<N>\", got \"%s\"", s);
    return n;
}

static const char *
counter_error(int err)
{
    switch (err) {
    case ERANGE:
        return "a counter only goes forward: value is below its current value";
    case EINVAL:
        return "the zone is not running, or no such counter (zones: nsec_user, nsec_sys, "
               "nsec_waitrq; memory_cap: anon_alloc_fail, nover, pagedout; zone_vfs: nread, "
               "nwritten, rtime, rlentime, wtime, wlentime; link: rbytes64, obytes64 of a nic "
               "the zone has)";
    default:
        return strerror(err);
    }
}

int
scn_lua_zone_set_counter(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    int zix = scn_zone_check(L, 1);
    const char *module = luaL_checkstring(L, 2), *stat = luaL_checkstring(L, 3);
    uint64_t value = counter_value(L, 4);
    int nic = counter_nic(L, 5, module);
    if (world_zone_counter_set(scn_engine_world(L, e), zix, module, stat, nic, value) != 0)
        return luaL_error(L, CALL ": %s:%s: %s", module, stat, counter_error(errno));
    scn_history_touch(e, zix);
    return 0;
}
