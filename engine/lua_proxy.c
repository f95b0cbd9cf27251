/*
 * lua_proxy.c - a Triton data center in a scenario (proxylua.h):
 * sim.proxy{accounts=, args=, agent=} -> p, and p:scrape(account, zone),
 * p:discover(account [, groups]), p:get(account, path [, opts]),
 * p:owner(zone), p:account(login).
 *
 * The pieces are those of `cmon-sim serve --cns`: the control plane
 * (sim/cplane, in the engine's process, over the scenario's world and its
 * agent) and a real cmon-proxy process (an engine process like an agent, on
 * the real clock: its certificates and timeouts are real-time things). A
 * request goes as Prometheus sends it: https://<label>.cmon.test:PORT/...,
 * the name resolved to 127.0.0.1 by curl (so Host and SNI carry it), the
 * account's certificate and key from the scratch directory, the data
 * center's CA trusted for the proxy's certificate.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <lauxlib.h>

#include "agent.h"
#include "cplane.h"
#include "engine.h"
#include "http.h"
#include "proxylua.h"
#include "response.h"
#include "tlsdir.h"
#include "vmlua.h"
#include "world_vm.h"

#define DC_ACCOUNT_ARG_MAX 48 /* "login:operator" and room to spare */
#define DC_LABEL_MAX 63       /* a DNS label */

/* A group's characters (Triton's tags are free text; ours stay URL-safe);
 * a host label's are those but '_' and '.'. */
static const char dc_group_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

struct scn_dc {
    cplane_account_t dc_accounts[CPLANE_ACCOUNTS_MAX];
    size_t dc_naccounts;
    cplane_t *dc_cp;
    struct scn_agent *dc_proxy; /* cmon-proxy, in the engine's list of processes */
    struct scn_agent *dc_agent; /* the node's agent */
    char dc_tls[96];            /* scratch/tls: certificates and keys (tlsdir.h) */
    char dc_node[CPLANE_UUID_MAX];
};

/* One request through the proxy, in a userdata (collected if an error is raised). */
struct dc_call {
    struct scn_http_req c_req;
    struct fetch_tls c_tls;
    struct curl_slist c_resolve; /* one line; curl only reads it */
    char c_line[160];
    char c_cert[256], c_key[256], c_ca[256];
};

/* ---- the data center ------------------------------------------------------ */

static const cplane_account_t *
dc_find(const struct scn_dc *dc, const char *login)
{
    for (size_t i = 0; dc != NULL && i < dc->dc_naccounts; i++)
        if (strcmp(dc->dc_accounts[i].ca_login, login) == 0)
            return &dc->dc_accounts[i];
    return NULL;
}

const char *
scn_dc_account_uuid(const struct scn_engine *e, const char *login)
{
    const cplane_account_t *a = dc_find(e->se_dc, login);
    return a != NULL ? a->ca_uuid : NULL;
}

void
scn_dc_stop(struct scn_engine *e)
{
    struct scn_dc *dc = e->se_dc;
    if (dc == NULL)
        return;
    e->se_dc = NULL;
    if (dc->dc_proxy != NULL)
        scn_agent_stop(dc->dc_proxy); /* the engine frees it with the agents */
    cplane_free(dc->dc_cp);
    cplane_accounts_free(dc->dc_accounts, dc->dc_naccounts);
    free(dc);
}

/* The engine's data center, or an error naming call. */
static struct scn_dc *
dc_get(lua_State *L, const char *call)
{
    luaL_checkudata(L, 1, SCN_PROXY_MT);
    struct scn_dc *dc = scn_engine_get(L)->se_dc;
    if (dc == NULL)
        luaL_error(L, "%s: the data center is gone", call);
    return dc;
}

/* The node's agent: key agent=, else the first cmon-agent running, else a
 * new one (sim.agent{}). Pushes its userdata (nil when found in the list
 * only: the scenario holds it). */
static struct scn_agent *
dc_agent(lua_State *L, struct scn_engine *e)
{
    if (lua_getfield(L, 1, "agent") != LUA_TNIL) {
        struct scn_agent *a = scn_agent_of(L, -1);
        if (a == NULL || a->ag_generic)
            luaL_error(L, "sim.proxy: key 'agent' must be an agent (sim.agent{}), got %s",
                       luaL_typename(L, -1));
        if (!scn_agent_running(a))
            luaL_error(L, "sim.proxy: key 'agent': the agent is not running");
        return a;
    }
    for (struct scn_agent *a = e->se_agents; a != NULL; a = a->ag_next)
        if (!a->ag_generic && strcmp(a->ag_name, "cmon-agent") == 0 && scn_agent_running(a))
            return a;
    lua_pop(L, 1);
    lua_pushlightuserdata(L, e);
    lua_pushcclosure(L, scn_lua_agent_new, 1);
    lua_newtable(L);
    lua_call(L, 1, 1);
    return scn_agent_of(L, -1);
}

/* Key accounts (a list of "login" or "login:operator") into dc's accounts, keys made. */
static void
dc_accounts(lua_State *L, struct scn_engine *e, struct scn_dc *dc)
{
    char spec[CPLANE_ACCOUNTS_MAX * DC_ACCOUNT_ARG_MAX] = "admin:operator,alice,bob", err[256];
    if (lua_getfield(L, 1, "accounts") == LUA_TTABLE) {
        lua_Integer n = luaL_len(L, -1);
        if (n < 1 || n > CPLANE_ACCOUNTS_MAX)
            luaL_error(L, "sim.proxy: key 'accounts' must list 1..%d accounts, got %d",
                       CPLANE_ACCOUNTS_MAX, (int)n);
        size_t at = 0;
        for (lua_Integer i = 1; i <= n; i++) {
            int t = lua_rawgeti(L, -1, i);
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            if (t != LUA_TSTRING || len == 0 || len >= DC_ACCOUNT_ARG_MAX || strchr(s, ',') != NULL)
                luaL_error(L,
                           "sim.proxy: key 'accounts': item %d must be \"login\" or "
                           "\"login:operator\"",
                           (int)i);
            at += (size_t)snprintf(spec + at, sizeof(spec) - at, "%s%s", i > 1 ? "," : "", s);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    int n = cplane_accounts_parse(spec, e->se_seed, dc->dc_accounts, CPLANE_ACCOUNTS_MAX, err,
                                  sizeof(err));
    if (n < 0)
        luaL_error(L, "sim.proxy: key 'accounts': %s", err);
    dc->dc_naccounts = (size_t)n;
    if (cplane_accounts_keys(dc->dc_accounts, dc->dc_naccounts, err, sizeof(err)) != 0)
        luaL_error(L, "sim.proxy: %s", err);
}

/* The world's zones owned by the accounts (core zones by the admin), as serve --cns does. */
static void
dc_owners(lua_State *L, struct scn_engine *e, struct scn_dc *dc)
{
    const char *owners[CPLANE_ACCOUNTS_MAX];
    size_t n = cplane_owners(dc->dc_accounts, dc->dc_naccounts, owners);
    const char *admin = cplane_admin(dc->dc_accounts, dc->dc_naccounts)->ca_uuid;
    if (world_owners_set(scn_engine_world(L, e), owners, n, admin) != 0)
        luaL_error(L, "sim.proxy: cannot give the zones owners: %s", strerror(errno));
}

static void
dc_cplane(lua_State *L, struct scn_engine *e, struct scn_dc *dc)
{
    char err[512], agent[64];
    snprintf(dc->dc_tls, sizeof(dc->dc_tls), "%s/tls", e->se_scratch);
    if (tlsdir_write(dc->dc_tls, dc->dc_accounts, dc->dc_naccounts, SCN_DNS_SUFFIX, err,
                     sizeof(err)) != 0)
        luaL_error(L, "sim.proxy: %s", err);
    snprintf(agent, sizeof(agent), "127.0.0.1:%d", dc->dc_agent->ag_port);
    cplane_node_spec_t node = {.cns_world = e->se_world_path, .cns_agent = agent};
    cplane_server_uuid(e->se_seed, 0, dc->dc_node);
    dc->dc_cp =
        cplane_new(e->se_seed, dc->dc_accounts, dc->dc_naccounts, &node, 1, err, sizeof(err));
    if (dc->dc_cp == NULL || cplane_start(dc->dc_cp, "127.0.0.1:0", err, sizeof(err)) != 0)
        luaL_error(L, "sim.proxy: the control plane: %s", err);
}

/* Appends a copy of s to a's arguments. */
static void
dc_arg(lua_State *L, struct scn_agent *a, const char *s)
{
    if (a->ag_argc >= SCN_AGENT_ARGS_MAX || (a->ag_argv[a->ag_argc] = strdup(s)) == NULL)
        luaL_error(L, "sim.proxy: too many arguments, or out of memory");
    a->ag_argc++;
}

/* cmon-proxy on a free port, its own flags first, then key args. */
static void
dc_proxy(lua_State *L, struct scn_engine *e, struct scn_dc *dc)
{
    char path[PATH_MAX + 32], err[PATH_MAX + 128];
    struct scn_agent *a = scn_agent_new(L, e, "sim.proxy", "cmon-proxy");
    a->ag_generic = a->ag_want_port = a->ag_real_clock = 1;
    dc->dc_proxy = a;
    dc_arg(L, a, "--listen");
    dc_arg(L, a, "127.0.0.1:{port}");
    snprintf(path, sizeof(path), "%s/proxy.pem", dc->dc_tls);
    dc_arg(L, a, "--cert");
    dc_arg(L, a, path);
    snprintf(path, sizeof(path), "%s/proxy-key.pem", dc->dc_tls);
    dc_arg(L, a, "--key");
    dc_arg(L, a, path);
    dc_arg(L, a, "--cplane");
    dc_arg(L, a, cplane_url(dc->dc_cp));
    dc_arg(L, a, "--dns-suffix");
    dc_arg(L, a, SCN_DNS_SUFFIX);
    int first = a->ag_argc;
    int tidx = lua_getfield(L, 1, "args") == LUA_TTABLE ? lua_gettop(L) : 0;
    if (tidx != 0 && luaL_len(L, tidx) > SCN_AGENT_ARGS_MAX - first)
        luaL_error(L, "sim.proxy: key 'args' holds more than %d arguments",
                   SCN_AGENT_ARGS_MAX - first);
    scn_agent_args(L, a, tidx, "sim.proxy");
    for (int i = first; i < a->ag_argc; i++)
        if (strncmp(a->ag_argv[i], "--listen", 8) == 0 ||
            strncmp(a->ag_argv[i], "--cplane", 8) == 0)
            luaL_error(L, "sim.proxy: key 'args' must not hold %s (the engine sets it)",
                       a->ag_argv[i]);
    if (scn_agent_start(a, err, sizeof(err)) != 0)
        luaL_error(L, "sim.proxy: %s%s", err,
                   access(a->ag_bin, X_OK) != 0 ? " (build the cmon-proxy target)" : "");
}

/* sim.proxy{accounts={...}, args={...}, agent=a} -> proxy */
static int
lsim_proxy(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"accounts", SCN_ARG_TABLE, 0},
                                               {"args", SCN_ARG_TABLE, 0},
                                               {"agent", SCN_ARG_ANY, 0},
                                               {NULL, 0, 0}};
    struct scn_engine *e = scn_args_options(L, "sim.proxy", spec);
    if (e->se_dc != NULL)
        return luaL_error(L, "sim.proxy: the scenario has a proxy already (one per scenario)");
    scn_engine_world(L, e);
    struct scn_agent *agent = dc_agent(L, e);
    int aidx = lua_gettop(L);
    struct scn_dc *dc = calloc(1, sizeof(*dc));
    if (dc == NULL)
        return luaL_error(L, "sim.proxy: out of memory");
    e->se_dc = dc; /* from here the engine frees it, on any way out */
    dc->dc_agent = agent;
    dc_accounts(L, e, dc);
    dc_owners(L, e, dc);
    dc_cplane(L, e, dc);
    dc_proxy(L, e, dc);
    lua_newuserdatauv(L, 1, 1);
    lua_pushvalue(L, aidx);
    lua_setiuservalue(L, -2, 1); /* the agent's userdata lives as long as p */
    luaL_setmetatable(L, SCN_PROXY_MT);
    return 1;
}

/* ---- requests ------------------------------------------------------------- */

/* The login at idx: nil or false for no certificate at all, else an account's. */
static const char *
dc_login(lua_State *L, struct scn_dc *dc, int idx, const char *call)
{
    if (lua_isnoneornil(L, idx) || (lua_isboolean(L, idx) && !lua_toboolean(L, idx)))
        return NULL;
    if (lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, "%s: the account must be a login or false (no certificate), got %s", call,
                   luaL_typename(L, idx));
    const char *login = lua_tostring(L, idx);
    if (dc_find(dc, login) == NULL)
        luaL_error(L, "%s: no account '%s' (sim.proxy{accounts=})", call, login);
    return login;
}

/* A host label given as a string: letters, digits and '-' (a DNS label). */
static const char *
dc_label(lua_State *L, int idx, const char *call)
{
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    if (len == 0 || len > DC_LABEL_MAX || strspn(s, dc_group_chars) != len || strchr(s, '.') ||
        strchr(s, '_'))
        luaL_error(L,
                   "%s: a target is a zone, \"gz\" or a host label (letters, digits, '-'), "
                   "got '%s'",
                   call, s);
    return s;
}

/*
 * The host label of the target at idx: a zone's uuid (destroyed or not),
 * "gz" for the compute node, another label as given. *zix: the live zone's
 * slot, 0 for the node, -1 otherwise.
 */
static const char *
dc_target(lua_State *L, struct scn_engine *e, struct scn_dc *dc, int idx, int *zix,
          const char *call)
{
    int slot = -1;
    const char *name = scn_zone_name(L, idx, &slot);
    world_zone_info_t i;
    *zix = -1;
    if (name != NULL) {
        if (world_zone_info(e->se_world, slot, &i) == 0 && strcmp(i.wzi_name, name) == 0)
            *zix = slot;
        return name;
    }
    if (lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, "%s: a target is a zone, \"gz\" or a host label, got %s", call,
                   luaL_typename(L, idx));
    if (strcmp(lua_tostring(L, idx), "gz") == 0) {
        *zix = 0;
        return dc->dc_node;
    }
    return dc_label(L, idx, call);
}

/* A new request (a userdata on the stack) for https://<label>.SUFFIX:PORT<path> as login. */
static struct dc_call *
dc_call_new(lua_State *L, struct scn_dc *dc, const char *login, const char *label, const char *path,
            const char *call)
{
    struct dc_call *c = lua_newuserdatauv(L, sizeof(*c), 0);
    memset(c, 0, sizeof(*c));
    int port = dc->dc_proxy->ag_port;
    if ((size_t)snprintf(c->c_req.hr_url, sizeof(c->c_req.hr_url), "https://%s.%s:%d%s", label,
                         SCN_DNS_SUFFIX, port, path) >= sizeof(c->c_req.hr_url))
        luaL_error(L, "%s: the path is too long", call);
    snprintf(c->c_line, sizeof(c->c_line), "%s.%s:%d:127.0.0.1", label, SCN_DNS_SUFFIX, port);
    c->c_resolve.data = c->c_line;
    snprintf(c->c_ca, sizeof(c->c_ca), "%s/ca.pem", dc->dc_tls);
    c->c_tls.ft_cacert = c->c_ca;
    c->c_tls.ft_resolve = &c->c_resolve;
    if (login != NULL) {
        snprintf(c->c_cert, sizeof(c->c_cert), "%s/%s.pem", dc->dc_tls, login);
        snprintf(c->c_key, sizeof(c->c_key), "%s/%s-key.pem", dc->dc_tls, login);
        c->c_tls.ft_cert = c->c_cert;
        c->c_tls.ft_key = c->c_key;
    }
    c->c_req.hr_tls = &c->c_tls;
    return c;
}

static const struct scn_arg_spec dc_opts_spec[] = {{"accept", SCN_ARG_STRING, 0},
                                                   {"gzip", SCN_ARG_BOOLEAN, 0},
                                                   {"host", SCN_ARG_ANY, 0},
                                                   {"method", SCN_ARG_STRING, 0},
                                                   {NULL, 0, 0}};

/* Performs c and pushes its response (target at tidx, zix as dc_target). */
static void
dc_call_run(lua_State *L, struct scn_engine *e, struct scn_dc *dc, struct dc_call *c, int zix,
            int tidx)
{
    struct scn_scrape_meta m;
    scn_response_meta_begin(e, dc->dc_agent, zix, &m);
    scn_http_run(&c->c_req, 1, 1, NULL, NULL);
    scn_response_meta_end(e, &m);
    scn_response_push(L, &c->c_req, &m, tidx, zix >= 0);
    scn_http_req_release(&c->c_req);
}

/* The options at oidx (accept=, gzip=, method=) into c. */
static void
dc_call_opts(lua_State *L, struct dc_call *c, int oidx)
{
    const char *accept = scn_args_string(L, oidx, "accept", NULL);
    if (accept != NULL && strcmp(accept, "openmetrics") == 0)
        accept = "application/openmetrics-text; version=1.0.0";
    c->c_req.hr_accept = accept;
    c->c_req.hr_gzip = scn_args_boolean(L, oidx, "gzip", 0);
    c->c_req.hr_method = scn_args_string(L, oidx, "method", NULL);
}

/* p:scrape(account, zone | "gz" | label [, {accept=, gzip=}]) -> response */
static int
lproxy_scrape(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    struct scn_dc *dc = dc_get(L, "p:scrape");
    const char *login = dc_login(L, dc, 2, "p:scrape");
    luaL_checkany(L, 3);
    scn_args_check(L, 4, "p:scrape", dc_opts_spec);
    if (scn_args_has(L, 4, "host"))
        return luaL_error(L, "p:scrape: unknown key 'host' (the zone names the host)");
    int zix;
    const char *label = dc_target(L, e, dc, 3, &zix, "p:scrape");
    struct dc_call *c = dc_call_new(L, dc, login, label, "/metrics", "p:scrape");
    dc_call_opts(L, c, 4);
    dc_call_run(L, e, dc, c, zix, 3);
    return 1;
}

/* p:get(account, path [, {host=, accept=, gzip=, method=}]) -> response; host
 * a zone, "gz" or a label (default "cmon": the proxy's own name). */
static int
lproxy_get(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    struct scn_dc *dc = dc_get(L, "p:get");
    const char *login = dc_login(L, dc, 2, "p:get");
    const char *path = luaL_checkstring(L, 3);
    if (path[0] != '/')
        return luaL_error(L, "p:get: the path must start with '/', got '%s'", path);
    scn_args_check(L, 4, "p:get", dc_opts_spec);
    const char *label = "cmon";
    int zix = -1;
    if (lua_istable(L, 4) && lua_getfield(L, 4, "host") != LUA_TNIL)
        label = dc_target(L, e, dc, lua_gettop(L), &zix, "p:get");
    struct dc_call *c = dc_call_new(L, dc, login, label, path, "p:get");
    dc_call_opts(L, c, 4);
    lua_pushnil(L);
    dc_call_run(L, e, dc, c, -1, lua_gettop(L));
    return 1;
}

/* The groups at idx (a string "a,b" or a list of strings) as the discover path into out. */
static void
dc_groups(lua_State *L, int idx, char *out, size_t len)
{
    int list = lua_type(L, idx) == LUA_TTABLE;
    if (!list && lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, "p:discover: groups must be a string or a list of strings, got %s",
                   luaL_typename(L, idx));
    size_t at = (size_t)snprintf(out, len, "/v1/discover?groups=");
    int n = list ? (int)luaL_len(L, idx) : 1;
    for (int i = 1; i <= n; i++) {
        if (!list)
            lua_pushvalue(L, idx);
        else if (lua_rawgeti(L, idx, i) != LUA_TSTRING)
            luaL_error(L, "p:discover: groups item %d must be a string", i);
        size_t gl, good = 0;
        const char *g = lua_tolstring(L, -1, &gl);
        while (good < gl && g[good] != '\0' &&
               ((!list && g[good] == ',') || strchr(dc_group_chars, g[good]) != NULL))
            good++;
        if (good != gl || gl == 0 || at + gl + 2 > len)
            luaL_error(L,
                       "p:discover: a group holds letters, digits, '_', '.' and '-' (the "
                       "query %d bytes at most), got '%s'",
                       (int)len, g);
        at += (size_t)snprintf(out + at, len - at, "%s%s", i > 1 ? "," : "", g);
        lua_pop(L, 1);
    }
}

/* p:discover(account [, groups]) -> the account's containers (the proxy's
 * JSON as a list of tables), or nil when the answer is not 200; and the response. */
static int
lproxy_discover(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    struct scn_dc *dc = dc_get(L, "p:discover");
    const char *login = dc_login(L, dc, 2, "p:discover");
    char path[2048] = "/v1/discover";
    if (!lua_isnoneornil(L, 3))
        dc_groups(L, 3, path, sizeof(path));
    struct dc_call *c = dc_call_new(L, dc, login, "cmon", path, "p:discover");
    lua_pushnil(L);
    dc_call_run(L, e, dc, c, -1, lua_gettop(L));
    lua_getfield(L, -1, "status");
    int status = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "body");
    size_t len;
    const char *body = lua_tolstring(L, -1, &len);
    json_t *j = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
    lua_pop(L, 1);
    json_t *list = json_object_get(j, "containers");
    if (json_is_array(list))
        scn_json_push(L, list);
    else
        lua_pushnil(L);
    json_decref(j);
    lua_insert(L, -2); /* containers, response */
    return 2;
}

/* p:owner(zone) -> the login of the zone's owner (its uuid when no account's) */
static int
lproxy_owner(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    struct scn_dc *dc = dc_get(L, "p:owner");
    int zix = scn_zone_check(L, 2);
    world_vm_t vm;
    if (world_vm_get(e->se_world, zix, &vm) != 0)
        return luaL_error(L, "p:owner: cannot read the zone's record: %s", strerror(errno));
    for (size_t i = 0; i < dc->dc_naccounts; i++)
        if (strcmp(dc->dc_accounts[i].ca_uuid, vm.wvm_owner_uuid) == 0)
            return lua_pushstring(L, dc->dc_accounts[i].ca_login), 1;
    lua_pushstring(L, vm.wvm_owner_uuid);
    return 1;
}

/* p:account(login) -> {login=, uuid=, operator=, cert=, key=} */
static int
lproxy_account(lua_State *L)
{
    struct scn_dc *dc = dc_get(L, "p:account");
    const char *login = luaL_checkstring(L, 2);
    const cplane_account_t *a = dc_find(dc, login);
    if (a == NULL)
        return luaL_error(L, "p:account: no account '%s'", login);
    lua_createtable(L, 0, 5);
    lua_pushstring(L, a->ca_login);
    lua_setfield(L, -2, "login");
    lua_pushstring(L, a->ca_uuid);
    lua_setfield(L, -2, "uuid");
    lua_pushboolean(L, a->ca_operator);
    lua_setfield(L, -2, "operator");
    lua_pushfstring(L, "%s/%s.pem", dc->dc_tls, a->ca_login);
    lua_setfield(L, -2, "cert");
    lua_pushfstring(L, "%s/%s-key.pem", dc->dc_tls, a->ca_login);
    lua_setfield(L, -2, "key");
    return 1;
}

/* Fields: url, port, pid, running, log, tls_dir, cplane, node, agent, accounts. */
static int
lproxy_field(lua_State *L, struct scn_dc *dc, const char *k)
{
    struct scn_agent *p = dc->dc_proxy;
    if (strcmp(k, "url") == 0)
        lua_pushfstring(L, "https://cmon.%s:%d", SCN_DNS_SUFFIX, p->ag_port);
    else if (strcmp(k, "port") == 0)
        lua_pushinteger(L, p->ag_port);
    else if (strcmp(k, "pid") == 0)
        scn_agent_running(p) ? lua_pushinteger(L, p->ag_sp.sp_pid) : lua_pushnil(L);
    else if (strcmp(k, "running") == 0)
        lua_pushboolean(L, scn_agent_running(p));
    else if (strcmp(k, "log") == 0)
        lua_pushstring(L, p->ag_log);
    else if (strcmp(k, "tls_dir") == 0)
        lua_pushstring(L, dc->dc_tls);
    else if (strcmp(k, "cplane") == 0)
        lua_pushstring(L, cplane_url(dc->dc_cp));
    else if (strcmp(k, "node") == 0)
        lua_pushstring(L, dc->dc_node);
    else if (strcmp(k, "agent") == 0)
        lua_getiuservalue(L, 1, 1);
    else if (strcmp(k, "accounts") == 0) {
        lua_createtable(L, (int)dc->dc_naccounts, 0);
        for (size_t i = 0; i < dc->dc_naccounts; i++) {
            lua_pushstring(L, dc->dc_accounts[i].ca_login);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    } else
        return luaL_error(L, "proxy: no field '%s'", k);
    return 1;
}

/* __index: upvalue 1 the engine, 2 the methods. */
static int
lproxy_index(lua_State *L)
{
    const char *k = luaL_checkstring(L, 2);
    if (lua_getfield(L, lua_upvalueindex(2), k) != LUA_TNIL)
        return 1;
    return lproxy_field(L, dc_get(L, "proxy"), k);
}

static const luaL_Reg proxy_methods[] = {{"scrape", lproxy_scrape},     {"get", lproxy_get},
                                         {"discover", lproxy_discover}, {"owner", lproxy_owner},
                                         {"account", lproxy_account},   {NULL, NULL}};

void
scn_lua_open_proxy(lua_State *L, struct scn_engine *e)
{
    luaL_newmetatable(L, SCN_PROXY_MT);
    luaL_newlibtable(L, proxy_methods);
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, proxy_methods, 1);
    lua_pushlightuserdata(L, e);
    lua_insert(L, -2);
    lua_pushcclosure(L, lproxy_index, 2);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    lua_pushlightuserdata(L, e);
    lua_pushcclosure(L, lsim_proxy, 1);
    lua_setfield(L, -2, "proxy");
}
