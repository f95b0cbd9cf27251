/*
 * sandbox.c - what a scenario may do beyond the sim API: pure Lua, reading
 * files, writing only inside its scratch directory, requiring Lua files that
 * sit next to it. No processes, no C modules, no binary chunks, no exit that
 * would skip the clean-up of agents and worlds.
 */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "engine.h"

int
scn_sandbox_writable(const char *dir, const char *path)
{
    char copy[PATH_MAX], rdir[PATH_MAX], rparent[PATH_MAX];
    if (strlen(path) >= sizeof(copy) || realpath(dir, rdir) == NULL)
        return 0;
    strcpy(copy, path);
    const char *base = basename(copy);
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(base, "/") == 0)
        return 0;
    strcpy(copy, path);
    if (realpath(dirname(copy), rparent) == NULL)
        return 0;
    size_t n = strlen(rdir);
    return strncmp(rparent, rdir, n) == 0 && (rparent[n] == '\0' || rparent[n] == '/');
}

static void
sandbox_deny_write(lua_State *L, const char *call, const char *path)
{
    struct scn_engine *e = scn_engine_get(L);
    if (!scn_sandbox_writable(e->se_scratch, path))
        luaL_error(L,
                   "%s: scenarios may write only inside the scratch directory %s "
                   "(sim.scratch), not %s",
                   call, e->se_scratch, path);
}

/* io.open(path [, mode]) with writes confined to the scratch directory. */
static int
lsim_io_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    const char *mode = luaL_optstring(L, 2, "r");
    lua_settop(L, 2);
    if (strpbrk(mode, "wa+") != NULL)
        sandbox_deny_write(L, "io.open", path);
    lua_pushvalue(L, lua_upvalueindex(2)); /* the real io.open */
    lua_pushvalue(L, 1);
    lua_pushstring(L, mode);
    lua_call(L, 2, LUA_MULTRET);
    return lua_gettop(L) - 2;
}

/* io.output(path) opens path for writing: confined as well. */
static int
lsim_io_output(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TSTRING)
        sandbox_deny_write(L, "io.output", lua_tostring(L, 1));
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/* load(chunk [, name [, mode [, env]]]): text chunks only. */
static int
lsim_load(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checkany(L, 1);
    if (n < 2) {
        lua_settop(L, 2); /* name: nil */
        n = 2;
    }
    lua_pushvalue(L, lua_upvalueindex(2)); /* the real load */
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushliteral(L, "t");
    if (n >= 4)
        lua_pushvalue(L, 4);
    lua_call(L, n >= 4 ? 4 : 3, LUA_MULTRET);
    return lua_gettop(L) - n;
}

static int
lsim_loadfile(lua_State *L)
{
    const char *path = luaL_optstring(L, 1, NULL);
    if (path == NULL)
        return luaL_error(L, "loadfile: a file name is required");
    if (luaL_loadfilex(L, path, "t") != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    return 1;
}

static int
lsim_dofile(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    if (luaL_loadfilex(L, path, "t") != LUA_OK)
        return lua_error(L);
    lua_call(L, 0, LUA_MULTRET);
    return lua_gettop(L) - 1;
}

/* Replaces table[name] (table on the stack top) by f with upvalues engine, old value. */
static void
sandbox_wrap(lua_State *L, struct scn_engine *e, const char *name, lua_CFunction f)
{
    lua_pushlightuserdata(L, e);
    lua_getfield(L, -2, name);
    lua_pushcclosure(L, f, 2);
    lua_setfield(L, -2, name);
}

static void
sandbox_remove(lua_State *L, const char *lib, const char *const *names)
{
    lua_getglobal(L, lib);
    for (; *names != NULL; names++) {
        lua_pushnil(L);
        lua_setfield(L, -2, *names);
    }
    lua_pop(L, 1);
}

static void
sandbox_package(lua_State *L, struct scn_engine *e)
{
    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/?.lua", e->se_dir);
    lua_setfield(L, -2, "path");
    lua_pushliteral(L, "");
    lua_setfield(L, -2, "cpath");
    lua_pushnil(L);
    lua_setfield(L, -2, "loadlib");
    lua_getfield(L, -1, "searchers"); /* keep preload and the Lua searcher */
    lua_pushnil(L);
    lua_seti(L, -2, 4);
    lua_pushnil(L);
    lua_seti(L, -2, 3);
    lua_pop(L, 2);
}

static void
sandbox_debug(lua_State *L)
{
    lua_getglobal(L, "debug");
    lua_getfield(L, -1, "traceback");
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, "traceback");
    lua_setglobal(L, "debug");
    lua_pop(L, 1);
}

void
scn_sandbox_open(lua_State *L, struct scn_engine *e)
{
    static const char *const os_gone[] = {"execute", "exit",      "remove", "rename",
                                          "tmpname", "setlocale", NULL};
    static const char *const io_gone[] = {"popen", "tmpfile", NULL};
    luaL_openlibs(L);
    sandbox_remove(L, "os", os_gone);
    sandbox_remove(L, "io", io_gone);
    lua_getglobal(L, "io");
    sandbox_wrap(L, e, "open", lsim_io_open);
    sandbox_wrap(L, e, "output", lsim_io_output);
    lua_pop(L, 1);
    lua_pushglobaltable(L);
    sandbox_wrap(L, e, "load", lsim_load);
    lua_pushcfunction(L, lsim_loadfile);
    lua_setfield(L, -2, "loadfile");
    lua_pushcfunction(L, lsim_dofile);
    lua_setfield(L, -2, "dofile");
    lua_pop(L, 1);
    sandbox_package(L, e);
    sandbox_debug(L);
}
