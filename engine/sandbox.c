/*
 * sandbox.c - what a scenario may do beyond the sim API: pure Lua, reading
 * files, writing only inside its scratch directory, requiring Lua files that
 * sit next to it. No processes, no C modules, no binary chunks, no exit that
 * would skip the clean-up of agents and worlds.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ---- loading Lua files under the names reports use ----------------------- */

/* A chunk being read: the file, and its first block read ahead so that a
 * UTF-8 BOM and a first line starting with '#' (a #! line) are skipped, as
 * luaL_loadfilex does, keeping that line's newline for the line numbers. */
struct sandbox_chunk {
    FILE *sc_f;
    const char *sc_first; /* the rest of the first block, given to lua_load first */
    size_t sc_first_len;
    char sc_buf[4096];
};

static void
sandbox_chunk_start(struct sandbox_chunk *c)
{
    size_t n = fread(c->sc_buf, 1, sizeof(c->sc_buf), c->sc_f);
    size_t at = n >= 3 && memcmp(c->sc_buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (at < n && c->sc_buf[at] == '#') {
        const char *nl = memchr(c->sc_buf + at, '\n', n - at);
        if (nl != NULL) {
            at = (size_t)(nl - c->sc_buf);
            break;
        }
        n = fread(c->sc_buf + 1, 1, sizeof(c->sc_buf) - 1, c->sc_f); /* still in the line */
        c->sc_buf[0] = '#';
        at = 0;
        n = n > 0 ? n + 1 : 0;
    }
    c->sc_first = c->sc_buf + at;
    c->sc_first_len = n - at;
}

static const char *
sandbox_chunk_read(lua_State *L, void *ud, size_t *size)
{
    struct sandbox_chunk *c = ud;
    (void)L;
    if (c->sc_first != NULL) {
        const char *p = c->sc_first;
        *size = c->sc_first_len;
        c->sc_first = NULL;
        return p;
    }
    *size = fread(c->sc_buf, 1, sizeof(c->sc_buf), c->sc_f);
    return *size > 0 ? c->sc_buf : NULL;
}

int
scn_sandbox_loadfile(lua_State *L, const char *path, const char *chunkname)
{
    const char *shown = chunkname + (chunkname[0] == '@');
    struct sandbox_chunk c = {.sc_f = fopen(path, "r")};
    if (c.sc_f == NULL) {
        lua_pushfstring(L, "cannot open %s: %s", shown, strerror(errno));
        return LUA_ERRFILE;
    }
    sandbox_chunk_start(&c);
    int top = lua_gettop(L);
    int rc = lua_load(L, sandbox_chunk_read, &c, chunkname, "t");
    if (ferror(c.sc_f)) {
        int err = errno;
        fclose(c.sc_f);
        lua_settop(L, top);
        lua_pushfstring(L, "cannot read %s: %s", shown, strerror(err));
        return LUA_ERRFILE;
    }
    fclose(c.sc_f);
    return rc;
}

/* require's searcher for Lua files: NAME.lua (dots as folders) in the
 * scenario's own directory, loaded under the name reports use (se_name_dir
 * and the file), so a check in a shared file is "lib.lua:19" wherever the
 * checkout is. */
static int
lsim_search(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    const char *name = luaL_checkstring(L, 1);
    const char *file = luaL_gsub(L, name, ".", "/");
    const char *path = lua_pushfstring(L, "%s/%s.lua", e->se_dir, file);
    const char *chunk = lua_pushfstring(L, "@%s%s.lua", e->se_name_dir, file);
    if (access(path, R_OK) != 0) {
        lua_pushfstring(L, "no file '%s'", chunk + 1);
        return 1;
    }
    if (scn_sandbox_loadfile(L, path, chunk) != LUA_OK)
        return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, chunk + 1,
                          lua_tostring(L, -1));
    lua_pushstring(L, chunk + 1);
    return 2;
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
    lua_getfield(L, -1, "searchers"); /* keep preload; Lua files: next to the scenario */
    lua_pushnil(L);
    lua_seti(L, -2, 4);
    lua_pushnil(L);
    lua_seti(L, -2, 3);
    lua_pushlightuserdata(L, e);
    lua_pushcclosure(L, lsim_search, 1);
    lua_seti(L, -2, 2);
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
