/*
 * lua_proc.c - programs of the build as scenario actors, on real time:
 * sim.process{argv=, env=} -> p (p.pid, p.running, p.log, p:wait, p:stop),
 * sim.run{argv=, env=, timeout=} -> status, stdout, stderr, timed_out,
 * sim.sleep(seconds) and sim.wait_until(fn, {timeout=, every=}).
 *
 * Only programs that sit in the directory of cmon-sim
 * (build/bin) may run, named by their file name; their output goes to the
 * scratch directory. A process lives in a userdata whose __gc stops it, and
 * lua_close() runs every __gc, so the engine's clean-up stops every process
 * on every path out (end, error, ^C); PR_SET_PDEATHSIG covers a killed engine.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "engine.h"
#include "proc.h"

#define SCN_PROC_MT "cmon.process"
#define PROC_ARGS_MAX 64
#define PROC_OUTPUT_MAX (16u << 20) /* bytes of stdout/stderr sim.run hands back */
#define PROC_RUN_TIMEOUT_S 120.0

struct lproc {
    pid_t lp_pid; /* 0 once reaped */
    int lp_code;  /* exit code once reaped (scn_proc_code) */
    char lp_log[PATH_MAX];
};

/* ---- argv and env out of the call's table ------------------------------- */

/* The program argv[1] names, inside e->se_bindir, into path; luaL_error otherwise. */
static void
proc_program(lua_State *L, struct scn_engine *e, const char *call, const char *name, char *path,
             size_t len)
{
    if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        luaL_error(L,
                   "%s: key 'argv' must start with the file name of a program in %s, got "
                   "'%s'",
                   call, e->se_bindir, name);
    if (snprintf(path, len, "%s/%s", e->se_bindir, name) >= (int)len)
        luaL_error(L, "%s: the path of %s is too long", call, name);
    if (access(path, X_OK) != 0)
        luaL_error(L, "%s: cannot run %s: %s (only programs in %s may run)", call, name,
                   strerror(errno), e->se_bindir);
}

/* A NULL-terminated argv from the list at key 'argv' of table 1, in a
 * userdata; the strings are kept alive by a table left on the stack. */
static char **
proc_argv(lua_State *L, const char *call)
{
    if (lua_getfield(L, 1, "argv") != LUA_TTABLE)
        luaL_error(L, "%s: key 'argv' is required (a list of strings)", call);
    int t = lua_gettop(L);
    lua_Integer n = luaL_len(L, t);
    if (n < 1 || n > PROC_ARGS_MAX)
        luaL_error(L, "%s: key 'argv' must hold 1..%d strings", call, PROC_ARGS_MAX);
    char **argv = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(*argv), 0);
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        int ty = lua_rawgeti(L, t, i);
        if (ty != LUA_TSTRING && ty != LUA_TNUMBER)
            luaL_error(L, "%s: key 'argv' must list strings (item %d is a %s)", call, (int)i,
                       lua_typename(L, ty));
        argv[i - 1] = (char *)lua_tostring(L, -1); /* a number becomes a string here */
        lua_rawseti(L, -2, i);
    }
    argv[n] = NULL;
    return argv;
}

/* Counts the pairs of the env table at t, checking them. */
static size_t
proc_env_count(lua_State *L, int t, const char *call)
{
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        int ty = lua_type(L, -1);
        if (k == NULL || k[0] == '\0' || strchr(k, '=') != NULL)
            luaL_error(L, "%s: key 'env' must map variable names to values", call);
        if (ty != LUA_TSTRING && ty != LUA_TNUMBER &&
            !(ty == LUA_TBOOLEAN && !lua_toboolean(L, -1)))
            luaL_error(L, "%s: env.%s must be a string, a number or false, got %s", call, k,
                       lua_typename(L, ty));
        lua_pop(L, 1);
        n++;
    }
    return n;
}

/* The child's environment (scn_proc_env) from key 'env' of table 1: name =
 * value sets, name = false unsets. Strings live in a table left on the stack. */
static char **
proc_envp(lua_State *L, const char *call)
{
    int t = lua_getfield(L, 1, "env") == LUA_TTABLE ? lua_gettop(L) : 0;
    size_t n = t ? proc_env_count(L, t, call) : 0;
    char **set = lua_newuserdatauv(L, (n + 1) * sizeof(*set), 0);
    char **unset = lua_newuserdatauv(L, (n + 1) * sizeof(*unset), 0);
    lua_newtable(L); /* keeps the "K=V" strings alive */
    int keep = lua_gettop(L);
    size_t ns = 0, nu = 0;
    for (lua_pushnil(L); t && lua_next(L, t) != 0; lua_pop(L, 1)) {
        if (lua_type(L, -1) == LUA_TBOOLEAN) {
            unset[nu++] = (char *)lua_tostring(L, -2); /* the key: held by the env table */
            continue;
        }
        lua_pushvalue(L, -1); /* tostring of a copy: the value in the table stays a number */
        const char *kv = lua_pushfstring(L, "%s=%s", lua_tostring(L, -3), lua_tostring(L, -2));
        set[ns++] = (char *)kv;
        lua_rawseti(L, keep, (lua_Integer)ns);
        lua_pop(L, 1);
    }
    set[ns] = unset[nu] = NULL;
    char **env = scn_proc_env(set, unset);
    if (env == NULL)
        luaL_error(L, "%s: out of memory", call);
    return env; /* malloc'd: the caller frees it before any other error */
}

/* A new file in the scratch directory for the output of prog (path into buf). */
static void
proc_outfile(lua_State *L, struct scn_engine *e, const char *call, const char *prog,
             const char *what, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%.40s-%s-XXXXXX", e->se_scratch, prog, what);
    int fd = mkstemp(buf);
    if (fd < 0)
        luaL_error(L, "%s: cannot create a file in %s: %s", call, e->se_scratch, strerror(errno));
    close(fd);
}

/* ---- sim.process ----------------------------------------------------------- */

static const struct scn_arg_spec proc_spec[] = {{"argv", SCN_ARG_TABLE, 0},
                                                {"env", SCN_ARG_TABLE, 0},
                                                {"timeout", SCN_ARG_NUMBER, 0},
                                                {NULL, 0, 0}};

/* Spawns the program of table 1's argv; returns its pid (luaL_error if it cannot). */
static pid_t
proc_start(lua_State *L, const char *call, const char *out, const char *err)
{
    struct scn_engine *e = scn_engine_get(L);
    char **argv = proc_argv(L, call);
    char path[PATH_MAX];
    proc_program(L, e, call, argv[0], path, sizeof(path));
    char **env = proc_envp(L, call); /* the last call that may raise an error */
    pid_t pid = scn_proc_spawn(path, argv, env, e->se_scratch, out, err);
    int saved = errno;
    free(env);
    if (pid < 0)
        luaL_error(L, "%s: cannot start %s: %s", call, argv[0], strerror(saved));
    return pid;
}

/* The file name of argv[1] of table 1, for output file names. */
static const char *
proc_name(lua_State *L)
{
    lua_getfield(L, 1, "argv");
    const char *s =
        lua_istable(L, -1) && lua_rawgeti(L, -1, 1) == LUA_TSTRING ? lua_tostring(L, -1) : "proc";
    return strchr(s, '/') ? "proc" : s; /* stays referenced by the table */
}

/* sim.process{argv={...}, env={...}} -> p, running */
static int
lsim_process(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    scn_args_check(L, 1, "sim.process", proc_spec);
    if (scn_args_has(L, 1, "timeout"))
        return luaL_error(L, "sim.process: unknown key 'timeout' (p:wait takes one)");
    struct lproc *p = lua_newuserdatauv(L, sizeof(*p), 0);
    memset(p, 0, sizeof(*p));
    luaL_setmetatable(L, SCN_PROC_MT);
    int pidx = lua_gettop(L);
    proc_outfile(L, e, "sim.process", proc_name(L), "log", p->lp_log, sizeof(p->lp_log));
    p->lp_pid = proc_start(L, "sim.process", p->lp_log, NULL);
    lua_settop(L, pidx);
    return 1;
}

static struct lproc *
proc_check(lua_State *L)
{
    return luaL_checkudata(L, 1, SCN_PROC_MT);
}

/* Reaps p if it exited, within timeout seconds; 1 if it is gone. */
static int
proc_reap(struct lproc *p, double timeout)
{
    int st;
    if (p->lp_pid <= 0)
        return 1;
    int rc = scn_proc_wait(p->lp_pid, timeout, &st);
    if (rc == 0)
        return 0;
    p->lp_code = rc > 0 ? scn_proc_code(st) : -1;
    p->lp_pid = 0;
    return 1;
}

/* p:wait([seconds]) -> exit code, or nil if still running after seconds (default: no limit) */
static int
lsim_proc_wait(lua_State *L)
{
    struct lproc *p = proc_check(L);
    double t = luaL_optnumber(L, 2, -1);
    if (!lua_isnoneornil(L, 2) && !(t >= 0 && isfinite(t)))
        return luaL_error(L, "p:wait: seconds must be a number >= 0");
    if (!proc_reap(p, t))
        return lua_pushnil(L), 1;
    lua_pushinteger(L, p->lp_code);
    return 1;
}

/* p:stop() -> exit code (SIGTERM, SIGKILL after 10 s); the code again if it had exited */
static int
lsim_proc_stop(lua_State *L)
{
    struct lproc *p = proc_check(L);
    if (p->lp_pid > 0 && !proc_reap(p, 0)) {
        p->lp_code = scn_proc_stop(p->lp_pid, SCN_PROC_STOP_GRACE_S, NULL);
        p->lp_pid = 0;
    }
    lua_pushinteger(L, p->lp_code);
    return 1;
}

static int
lsim_proc_gc(lua_State *L)
{
    struct lproc *p = proc_check(L);
    if (p->lp_pid > 0)
        scn_proc_stop(p->lp_pid, SCN_PROC_STOP_GRACE_S, NULL);
    p->lp_pid = 0;
    return 0;
}

static int
proc_index(lua_State *L)
{
    struct lproc *p = proc_check(L);
    const char *k = luaL_checkstring(L, 2);
    if (lua_getfield(L, lua_upvalueindex(1), k) != LUA_TNIL)
        return 1;
    if (strcmp(k, "pid") == 0)
        proc_reap(p, 0) ? lua_pushnil(L) : lua_pushinteger(L, p->lp_pid);
    else if (strcmp(k, "running") == 0)
        lua_pushboolean(L, !proc_reap(p, 0));
    else if (strcmp(k, "log") == 0)
        lua_pushstring(L, p->lp_log);
    else
        return luaL_error(L, "process: no field '%s'", k);
    return 1;
}

/* ---- sim.run ------------------------------------------------------------- */

/* Pushes the contents of path (at most PROC_OUTPUT_MAX bytes) and removes it. */
static void
proc_push_file(lua_State *L, const char *path)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    FILE *f = fopen(path, "r");
    size_t total = 0, n;
    while (f != NULL && total < PROC_OUTPUT_MAX &&
           (n = fread(luaL_prepbuffer(&b), 1, LUAL_BUFFERSIZE, f)) > 0) {
        luaL_addsize(&b, n);
        total += n;
    }
    if (f != NULL)
        fclose(f);
    unlink(path);
    luaL_pushresult(&b);
}

/* sim.run{argv=, env=, timeout=} -> exit code, stdout, stderr, timed_out */
static int
lsim_run(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    scn_args_check(L, 1, "sim.run", proc_spec);
    double timeout = scn_args_number(L, 1, "timeout", PROC_RUN_TIMEOUT_S);
    char out[PATH_MAX], err[PATH_MAX];
    const char *name = proc_name(L);
    proc_outfile(L, e, "sim.run", name, "out", out, sizeof(out));
    proc_outfile(L, e, "sim.run", name, "err", err, sizeof(err));
    pid_t pid = proc_start(L, "sim.run", out, err);
    int st = 0, rc = scn_proc_wait(pid, timeout, &st), code;
    if (rc == 0)
        code = scn_proc_kill(pid, NULL); /* over time: killed at once */
    else
        code = rc > 0 ? scn_proc_code(st) : -1;
    lua_pushinteger(L, code);
    proc_push_file(L, out);
    proc_push_file(L, err);
    lua_pushboolean(L, rc == 0);
    return 4;
}

/* ---- real time ------------------------------------------------------------- */

static void
proc_nap(double s)
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
    proc_nap(s);
    return 0;
}

static double
proc_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
    double timeout = scn_args_number(L, 2, "timeout", 60),
           every = scn_args_number(L, 2, "every", 0.1);
    if (timeout > 86400 || every > 3600)
        return luaL_error(L, "sim.wait_until: timeout must be <= 86400 s and every <= 3600 s");
    double end = proc_clock() + timeout;
    for (;;) {
        int last = proc_clock() >= end;
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        if (lua_toboolean(L, -1))
            return 1;
        lua_pop(L, 1);
        if (last)
            return lua_pushboolean(L, 0), 1;
        double left = end - proc_clock();
        proc_nap(left < every ? (left > 0 ? left : 0) : every);
    }
}

static const luaL_Reg proc_funcs[] = {{"process", lsim_process},
                                      {"run", lsim_run},
                                      {"sleep", lsim_sleep},
                                      {"wait_until", lsim_wait_until},
                                      {NULL, NULL}};

void
scn_lua_open_proc(lua_State *L, struct scn_engine *e)
{
    static const luaL_Reg methods[] = {
        {"wait", lsim_proc_wait}, {"stop", lsim_proc_stop}, {NULL, NULL}};
    luaL_newmetatable(L, SCN_PROC_MT);
    luaL_newlib(L, methods);
    lua_pushcclosure(L, proc_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lsim_proc_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, lsim_proc_gc);
    lua_setfield(L, -2, "__close");
    lua_pop(L, 1);
    lua_getglobal(L, "sim");
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, proc_funcs, 1);
    lua_pop(L, 1);
}
