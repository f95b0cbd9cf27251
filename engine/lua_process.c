/*
 * lua_process.c - the project's other programs in a scenario:
 * sim.process{bin=, args=, port=} starts a long-running one (cmon-telemetry,
 * say) the way sim.agent starts the agent - same world, same virtual clock,
 * stopped on every way out - and sim.exec{bin=, args=, timeout=} runs a
 * one-shot one (cmon-telemetry -putmetric ...) to its end. Only programs of
 * the build's bin directory may run: the sandbox stays a sandbox.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "listen.h"
#include "agent.h"
#include "cmon_spawn.h"
#include "engine.h"

#define EXEC_OUTPUT_MAX (1 << 20)

/* The program name of key 'bin': a plain name, no path. */
static const char *
process_bin(lua_State *L, const char *call)
{
    const char *bin = scn_args_string(L, 1, "bin", NULL);
    if (bin == NULL)
        luaL_error(L, "%s: key 'bin' is required", call);
    if (bin[0] == '\0' || bin[0] == '.' || strchr(bin, '/') != NULL)
        luaL_error(L,
                   "%s: key 'bin' must name a program of the build (like "
                   "\"cmon-telemetry\"), not a path",
                   call);
    return bin;
}

static int
process_args_index(lua_State *L)
{
    return lua_getfield(L, 1, "args") == LUA_TTABLE ? lua_gettop(L) : 0;
}

/* Key 'port': true picks a free one, a number is that one (written in a
 * configuration file, say); either way the engine waits until it listens. */
static void
process_port(lua_State *L, struct scn_agent *a)
{
    int t = lua_getfield(L, 1, "port");
    if (t == LUA_TBOOLEAN) {
        a->ag_want_port = lua_toboolean(L, -1);
    } else if (t == LUA_TNUMBER) {
        lua_Integer p = lua_tointeger(L, -1);
        if (p < 1 || p > 65535 || !lua_isinteger(L, -1))
            luaL_error(L, "sim.process: key 'port' must be true or a port 1..65535");
        a->ag_want_port = a->ag_fixed_port = 1;
        a->ag_port = (int)p;
    } else if (t != LUA_TNIL) {
        luaL_error(L, "sim.process: key 'port' must be true or a port, got %s",
                   luaL_typename(L, -1));
    }
    lua_pop(L, 1);
}

/* sim.free_port() -> a loopback TCP port free right now */
static int
lsim_free_port(lua_State *L)
{
    int p = cmon_listen_free_port();
    if (p < 0)
        return luaL_error(L, "sim.free_port: cannot find one: %s", strerror(errno));
    lua_pushinteger(L, p);
    return 1;
}

/* sim.process{bin=, args={...}, port=} -> process (a:stop, a:restart, a:get, a.url) */
static int
lsim_process(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"bin", SCN_ARG_STRING, 0},
                                               {"args", SCN_ARG_TABLE, 0},
                                               {"port", SCN_ARG_ANY, 0},
                                               {NULL, 0, 0}};
    struct scn_engine *e = scn_args_options(L, "sim.process", spec);
    struct scn_agent *a = scn_agent_new(L, e, "sim.process", process_bin(L, "sim.process"));
    a->ag_generic = 1;
    process_port(L, a);
    scn_agent_args(L, a, process_args_index(L), "sim.process");
    scn_agent_push(L, a, "sim.process");
    return 1;
}

/* argv for sim.exec from the args list at tidx, as Lua strings (kept alive
 * by the list); argv[0] is the program name. */
static void
exec_argv(lua_State *L, int tidx, const char *bin, const char **argv)
{
    lua_Integer n = tidx ? luaL_len(L, tidx) : 0;
    if (n > SCN_AGENT_ARGS_MAX)
        luaL_error(L, "sim.exec: key 'args' holds more than %d arguments", SCN_AGENT_ARGS_MAX);
    argv[0] = bin;
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, tidx, i) != LUA_TSTRING)
            luaL_error(L, "sim.exec: key 'args' must list strings (item %d)", (int)i);
        argv[i] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    argv[n + 1] = NULL;
}

/* sim.exec{bin=, args={...}, timeout=} -> exit status (-1 timed out), output */
static int
lsim_exec(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"bin", SCN_ARG_STRING, 0},
                                               {"args", SCN_ARG_TABLE, 0},
                                               {"timeout", SCN_ARG_NUMBER, 0},
                                               {NULL, 0, 0}};
    struct scn_engine *e = scn_args_options(L, "sim.exec", spec);
    const char *bin = process_bin(L, "sim.exec");
    double timeout = scn_args_number(L, 1, "timeout", 60);
    if (!(timeout > 0))
        return luaL_error(L, "sim.exec: key 'timeout' must be more than 0 seconds");
    const char *argv[SCN_AGENT_ARGS_MAX + 2];
    exec_argv(L, process_args_index(L), bin, argv);
    scn_engine_world(L, e);
    const char *path = lua_pushfstring(L, "%s/%s", e->se_bindir, bin);
    if (access(path, X_OK) != 0)
        return luaL_error(L, "sim.exec: cannot run %s: %s", path, strerror(errno));
    char *env[] = {(char *)lua_pushfstring(L, "CMON_SIM_WORLD=%s", e->se_world_path), NULL};
    /* stdout and stderr on one pipe; killed with its group at the deadline
       and when the engine dies */
    spawn_opts_t o = {.so_path = path,
                      .so_env = env,
                      .so_stdin = {.sio_kind = SPAWN_IO_NULL},
                      .so_stdout = {.sio_kind = SPAWN_IO_PIPE},
                      .so_stderr = {.sio_kind = SPAWN_IO_STDOUT},
                      .so_deathsig = SIGKILL};
    spawn_capture_t out = {.sc_max = EXEC_OUTPUT_MAX};
    int st;
    double ms = timeout * 1000 < INT_MAX ? ceil(timeout * 1000) : INT_MAX; /* 1 ms at least */
    int rc = spawn_run((char **)argv, &o, (int)ms, &out, NULL, &st);
    if (rc != 0 && errno != ETIMEDOUT) {
        int err = errno;
        spawn_capture_release(&out);
        return luaL_error(L, "sim.exec: cannot run %s: %s", path, strerror(err));
    }
    lua_pushinteger(L, rc != 0 ? -1 : spawn_exit_code(st));
    lua_pushlstring(L, out.sc_buf != NULL ? out.sc_buf : "", out.sc_len);
    spawn_capture_release(&out);
    return 2;
}

void
scn_lua_open_process(lua_State *L, struct scn_engine *e)
{
    static const luaL_Reg funcs[] = {{"process", lsim_process},
                                     {"exec", lsim_exec},
                                     {"free_port", lsim_free_port},
                                     {NULL, NULL}};
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, funcs, 1);
}
