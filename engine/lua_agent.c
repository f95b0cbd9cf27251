/*
 * lua_agent.c - agents as Lua values: sim.agent{args=}, a.url, a:stop(),
 * a:restart(), a:get(path), a:scrape(z|"gz", opts), a:scrape_all{...}.
 * Responses are tables (see lua_response.c).
 *
 * The C side of every agent lives in the engine's list, not in the
 * userdata, so that the engine can stop every agent on any path out (a
 * Lua error, ^C, the end of the scenario) even if Lua still holds it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "agent.h"
#include "engine.h"
#include "http.h"
#include "response.h"
#include "verify.h"
#include "vmlua.h"

struct lagent {
    struct scn_agent *la_agent;
};

static struct scn_agent *
agent_check(lua_State *L, int idx)
{
    struct lagent *la = luaL_checkudata(L, idx, SCN_AGENT_MT);
    return la->la_agent;
}

struct scn_agent *
scn_agent_of(lua_State *L, int idx)
{
    struct lagent *la = luaL_testudata(L, idx, SCN_AGENT_MT);
    return la != NULL ? la->la_agent : NULL;
}

void
scn_agents_stop_all(struct scn_engine *e)
{
    for (struct scn_agent *a = e->se_agents; a != NULL; a = a->ag_next)
        scn_agent_stop(a);
}

void
scn_agents_free_all(struct scn_engine *e)
{
    struct scn_agent *a = e->se_agents;
    e->se_agents = NULL;
    while (a != NULL) {
        struct scn_agent *next = a->ag_next;
        scn_agent_free(a);
        a = next;
    }
}

/* Reads --cache-ttl and --metric-names out of the extra arguments. */
static void
agent_parse_args(lua_State *L, struct scn_agent *a)
{
    a->ag_ttl = 10;
    for (int i = 0; i < a->ag_argc; i++) {
        const char *s = a->ag_argv[i], *v = NULL;
        if (strcmp(s, "--listen") == 0 || strncmp(s, "--listen=", 9) == 0)
            luaL_error(L, "sim.agent: key 'args' must not hold --listen (the engine picks "
                          "a free port)");
        if (strncmp(s, "--cache-ttl", 11) == 0)
            v = s[11] == '=' ? s + 12 : (i + 1 < a->ag_argc ? a->ag_argv[i + 1] : NULL);
        if (v != NULL && s[11] != '\0' && s[11] != '=')
            v = NULL;
        if (v != NULL)
            a->ag_ttl = strtod(v, NULL);
        if (strncmp(s, "--metric-names", 14) == 0) {
            v = s[14] == '=' ? s + 15 : (i + 1 < a->ag_argc ? a->ag_argv[i + 1] : "");
            a->ag_prom_names = strcmp(v, "prometheus") == 0;
        }
    }
}

struct scn_agent *
scn_agent_new(lua_State *L, struct scn_engine *e, const char *call, const char *bin)
{
    scn_engine_world(L, e);
    struct scn_agent *a = calloc(1, sizeof(*a));
    if (a == NULL)
        luaL_error(L, "%s: out of memory", call);
    a->ag_sp = (spawn_t)SPAWN_INIT;
    a->ag_next = e->se_agents; /* owned by the engine from here on */
    e->se_agents = a;
    if (strchr(bin, '/') != NULL)
        snprintf(a->ag_bin, sizeof(a->ag_bin), "%s", bin);
    else if (snprintf(a->ag_bin, sizeof(a->ag_bin), "%s/%s", e->se_bindir, bin) >=
             (int)sizeof(a->ag_bin))
        luaL_error(L, "%s: the path of %s is too long", call, bin);
    const char *base = strrchr(a->ag_bin, '/');
    snprintf(a->ag_name, sizeof(a->ag_name), "%.63s", base ? base + 1 : a->ag_bin);
    snprintf(a->ag_world, sizeof(a->ag_world), "%s", e->se_world_path);
    snprintf(a->ag_clock, sizeof(a->ag_clock), "%s", e->se_clock_path);
    int n = 0;
    for (struct scn_agent *o = e->se_agents; o != NULL; o = o->ag_next)
        n++;
    snprintf(a->ag_log, sizeof(a->ag_log), "%s/%s-%d.log", e->se_scratch, a->ag_name, n);
    return a;
}

void
scn_agent_push(lua_State *L, struct scn_agent *a, const char *call)
{
    char err[512];
    if (scn_agent_start(a, err, sizeof(err)) != 0)
        luaL_error(L, "%s: %s", call, err);
    struct lagent *la = lua_newuserdatauv(L, sizeof(*la), 0);
    la->la_agent = a;
    luaL_setmetatable(L, SCN_AGENT_MT);
}

void
scn_agent_args(lua_State *L, struct scn_agent *a, int tidx, const char *call)
{
    lua_Integer n = tidx ? luaL_len(L, tidx) : 0;
    if (n > SCN_AGENT_ARGS_MAX)
        luaL_error(L, "%s: key 'args' holds more than %d arguments", call, SCN_AGENT_ARGS_MAX);
    for (lua_Integer i = 1; i <= n; i++) {
        int t = lua_rawgeti(L, tidx, i);
        if (t != LUA_TSTRING && t != LUA_TNUMBER)
            luaL_error(L, "%s: key 'args' must list strings (item %d is a %s)", call, (int)i,
                       lua_typename(L, t));
        char *s = strdup(lua_tostring(L, -1));
        lua_pop(L, 1);
        if (s == NULL)
            luaL_error(L, "%s: out of memory", call);
        a->ag_argv[a->ag_argc++] = s;
    }
}

/* Adds --vminfod URL of the engine's vminfod (vmlua.h) unless the scenario gave one. */
static void
agent_vminfod_arg(lua_State *L, struct scn_engine *e, struct scn_agent *a)
{
    for (int i = 0; i < a->ag_argc; i++)
        if (strncmp(a->ag_argv[i], "--vminfod", 9) == 0)
            return;
    if (a->ag_argc + 2 > SCN_AGENT_ARGS_MAX)
        luaL_error(L, "sim.agent: key 'args' holds more than %d arguments", SCN_AGENT_ARGS_MAX - 2);
    const char *url = scn_vminfod_url(L, e);
    char *flag = strdup("--vminfod"), *value = strdup(url);
    if (flag == NULL || value == NULL) {
        free(flag);
        free(value);
        luaL_error(L, "sim.agent: out of memory");
    }
    a->ag_argv[a->ag_argc++] = flag;
    a->ag_argv[a->ag_argc++] = value;
}

/* sim.agent{args={...}} -> agent, started and listening */
int
scn_lua_agent_new(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"args", SCN_ARG_TABLE, 0}, {NULL, 0, 0}};
    struct scn_engine *e = scn_engine_get(L);
    scn_args_check(L, 1, "sim.agent", spec);
    const char *bin = getenv("CMON_SIM_AGENT");
    struct scn_agent *a = scn_agent_new(L, e, "sim.agent", bin ? bin : "cmon-agent");
    snprintf(a->ag_name, sizeof(a->ag_name), "cmon-agent");
    int tidx = lua_istable(L, 1) && lua_getfield(L, 1, "args") == LUA_TTABLE ? lua_gettop(L) : 0;
    scn_agent_args(L, a, tidx, "sim.agent");
    agent_parse_args(L, a);
    agent_vminfod_arg(L, e, a);
    scn_agent_push(L, a, "sim.agent");
    return 1;
}

/* a:stop() -> exit status of the agent */
static int
lsim_agent_stop(lua_State *L)
{
    struct scn_agent *a = agent_check(L, 1);
    if (!scn_agent_running(a) && a->ag_sp.sp_pid == 0)
        return luaL_error(L, "a:stop: the agent is not running");
    lua_pushinteger(L, scn_agent_stop(a));
    return 1;
}

/* a:restart(): stops it (if running) and starts it again, same port if it can */
static int
lsim_agent_restart(lua_State *L)
{
    struct scn_agent *a = agent_check(L, 1);
    scn_agent_stop(a);
    char err[512];
    if (scn_agent_start(a, err, sizeof(err)) != 0)
        return luaL_error(L, "a:restart: %s", err);
    return 0;
}

static int
lsim_agent_gc(lua_State *L)
{
    struct lagent *la = luaL_checkudata(L, 1, SCN_AGENT_MT);
    scn_agent_stop(la->la_agent); /* the engine frees it at the end */
    return 0;
}

/* ---- scrapes ------------------------------------------------------------ */

static const struct scn_arg_spec scrape_spec[] = {{"accept", SCN_ARG_STRING, 0},
                                                  {"gzip", SCN_ARG_BOOLEAN, 0},
                                                  {"core", SCN_ARG_BOOLEAN, 0},
                                                  {"cmon_opts", SCN_ARG_STRING, 0},
                                                  {NULL, 0, 0}};

/* x-joyent-cmon-opts of a:scrape{core=}: base64 of {"isCoreZone":true} and of false. */
#define SCRAPE_OPTS_CORE "eyJpc0NvcmVab25lIjp0cnVlfQ=="
#define SCRAPE_OPTS_NOT_CORE "eyJpc0NvcmVab25lIjpmYWxzZX0="

static const struct scn_arg_spec get_spec[] = {
    {"accept", SCN_ARG_STRING, 0},      {"gzip", SCN_ARG_BOOLEAN, 0},
    {"method", SCN_ARG_STRING, 0},      {"body", SCN_ARG_STRING, 0},
    {"unix_socket", SCN_ARG_STRING, 0}, {NULL, 0, 0}};

/* Accept header: "text" and "openmetrics" are shorthands. */
static const char *
scrape_accept(const char *s)
{
    if (s == NULL)
        return NULL;
    if (strcmp(s, "openmetrics") == 0)
        return "application/openmetrics-text; version=1.0.0";
    if (strcmp(s, "text") == 0)
        return "text/plain; version=0.0.4";
    return s;
}

/* Fills req for target at tidx (zone or "gz"); returns the zix, 0 for gz. */
static int
scrape_target(lua_State *L, struct scn_engine *e, struct scn_agent *a, int tidx,
              struct scn_http_req *req, const char *call)
{
    if (lua_type(L, tidx) == LUA_TSTRING && strcmp(lua_tostring(L, tidx), "gz") == 0) {
        snprintf(req->hr_url, sizeof(req->hr_url), "%s/v1/gz/metrics", a->ag_url);
        return 0;
    }
    if (luaL_testudata(L, tidx, SCN_ZONE_MT) == NULL)
        luaL_error(L, "%s: a target is a zone or \"gz\", got %s", call, luaL_typename(L, tidx));
    int zix = scn_zone_check(L, tidx);
    world_zone_info_t i;
    world_zone_info(e->se_world, zix, &i);
    snprintf(req->hr_url, sizeof(req->hr_url), "%s/v1/%s/metrics", a->ag_url, i.wzi_name);
    return zix;
}

/* a:scrape(z | "gz" [, {accept=, gzip=, core=, cmon_opts=}]) -> response */
static int
lsim_agent_scrape(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    struct scn_agent *a = agent_check(L, 1);
    luaL_checkany(L, 2);
    scn_args_check(L, 3, "a:scrape", scrape_spec);
    struct scn_http_req *req = lua_newuserdatauv(L, sizeof(*req), 0); /* GC'd on error */
    memset(req, 0, sizeof(*req));
    int zix = scrape_target(L, e, a, 2, req, "a:scrape");
    req->hr_accept = scrape_accept(scn_args_string(L, 3, "accept", NULL));
    req->hr_gzip = scn_args_boolean(L, 3, "gzip", 0);
    req->hr_cmon_opts = scn_args_string(L, 3, "cmon_opts", NULL);
    if (lua_istable(L, 3) && lua_getfield(L, 3, "core") != LUA_TNIL)
        req->hr_cmon_opts = lua_toboolean(L, -1) ? SCRAPE_OPTS_CORE : SCRAPE_OPTS_NOT_CORE;
    struct scn_scrape_meta m;
    scn_response_meta_begin(e, a, zix, &m);
    scn_http_run(req, 1, 1, NULL, NULL);
    scn_response_meta_end(e, &m);
    lua_pushvalue(L, 2);
    scn_response_push(L, req, &m, lua_gettop(L), 1);
    scn_http_req_release(req);
    return 1;
}

/* a:get(path [, {accept=, gzip=, method=}]) -> response (any path of the agent) */
static int
lsim_agent_get(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    struct scn_agent *a = agent_check(L, 1);
    const char *path = luaL_checkstring(L, 2);
    scn_args_check(L, 3, "a:get", get_spec);
    struct scn_http_req *req = lua_newuserdatauv(L, sizeof(*req), 0);
    memset(req, 0, sizeof(*req));
    req->hr_unix_socket = scn_args_string(L, 3, "unix_socket", NULL);
    if (a->ag_url[0] == '\0' && req->hr_unix_socket == NULL)
        return luaL_error(L, "a:get: the process listens on no port (give unix_socket=)");
    snprintf(req->hr_url, sizeof(req->hr_url), "%s%s%s",
             req->hr_unix_socket ? "http://localhost" : a->ag_url, path[0] == '/' ? "" : "/", path);
    req->hr_accept = scrape_accept(scn_args_string(L, 3, "accept", NULL));
    req->hr_gzip = scn_args_boolean(L, 3, "gzip", 0);
    req->hr_method = scn_args_string(L, 3, "method", NULL);
    if (lua_istable(L, 3) && lua_getfield(L, 3, "body") == LUA_TSTRING)
        req->hr_post = lua_tolstring(L, -1, &req->hr_post_len); /* kept by the options */
    struct scn_scrape_meta m;
    scn_response_meta_begin(e, a, -1, &m);
    scn_http_run(req, 1, 1, NULL, NULL);
    scn_response_meta_end(e, &m);
    lua_pushnil(L);
    scn_response_push(L, req, &m, lua_gettop(L), 0);
    scn_http_req_release(req);
    return 1;
}

static int
agent_index(lua_State *L)
{
    struct scn_agent *a = agent_check(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (lua_getfield(L, lua_upvalueindex(1), k) != LUA_TNIL)
        return 1;
    if (strcmp(k, "url") == 0)
        lua_pushstring(L, a->ag_url);
    else if (strcmp(k, "port") == 0)
        lua_pushinteger(L, a->ag_port);
    else if (strcmp(k, "pid") == 0)
        scn_agent_running(a) ? lua_pushinteger(L, a->ag_sp.sp_pid) : lua_pushnil(L);
    else if (strcmp(k, "running") == 0)
        lua_pushboolean(L, scn_agent_running(a));
    else if (strcmp(k, "log") == 0)
        lua_pushstring(L, a->ag_log);
    else if (strcmp(k, "ttl") == 0)
        lua_pushnumber(L, a->ag_ttl);
    else
        return luaL_error(L, "agent: no field '%s'", k);
    return 1;
}

int scn_lua_scrape_all(lua_State *L); /* lua_scrape_all.c */

static const luaL_Reg agent_methods[] = {
    {"stop", lsim_agent_stop},     {"restart", lsim_agent_restart},
    {"scrape", lsim_agent_scrape}, {"scrape_all", scn_lua_scrape_all},
    {"get", lsim_agent_get},       {NULL, NULL}};

void
scn_lua_open_agent(lua_State *L, struct scn_engine *e)
{
    luaL_newmetatable(L, SCN_AGENT_MT);
    luaL_newlibtable(L, agent_methods);
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, agent_methods, 1);
    lua_pushcclosure(L, agent_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lsim_agent_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    lua_getglobal(L, "sim");
    lua_pushlightuserdata(L, e);
    lua_pushcclosure(L, scn_lua_agent_new, 1);
    lua_setfield(L, -2, "agent");
    lua_pop(L, 1);
    scn_lua_open_response(L);
}
