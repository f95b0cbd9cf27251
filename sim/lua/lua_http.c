/*
 * lua_http.c - sim.http{url=, method=, accept=, gzip=, body=, unix_socket=}
 * -> response: one HTTP request to any loopback service a scenario runs
 * (sim.process), answered as a table like a:scrape's (r.status, r.body,
 * r.content_type, r:value, conformance.check), through the same libcurl
 * client (http.c).
 */
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "http.h"
#include "response.h"

/* Accept header: "text" and "openmetrics" are shorthands, as for a:scrape. */
static const char *
http_accept(const char *s)
{
    if (s != NULL && strcmp(s, "openmetrics") == 0)
        return "application/openmetrics-text; version=1.0.0";
    if (s != NULL && strcmp(s, "text") == 0)
        return "text/plain; version=0.0.4";
    return s;
}

static void
http_check_url(lua_State *L, const char *url)
{
    if (strncmp(url, "http://", 7) != 0)
        luaL_error(L, "sim.http: key 'url' must start with http://, got '%s'", url);
    if (strlen(url) >= sizeof(((struct scn_http_req *)0)->hr_url))
        luaL_error(L, "sim.http: key 'url' is longer than %d bytes",
                   (int)sizeof(((struct scn_http_req *)0)->hr_url) - 1);
    if (strpbrk(url, " \r\n\t") != NULL)
        luaL_error(L, "sim.http: key 'url' must not hold blanks or line breaks");
}

/* Fills req from the checked table at 1; its strings stay referenced by it. */
static void
http_fill(lua_State *L, struct scn_http_req *req)
{
    const char *url = scn_args_string(L, 1, "url", NULL);
    if (url == NULL)
        luaL_error(L, "sim.http: key 'url' is required");
    http_check_url(L, url);
    strcpy(req->hr_url, url);
    req->hr_accept = http_accept(scn_args_string(L, 1, "accept", NULL));
    if (req->hr_accept != NULL && strpbrk(req->hr_accept, "\r\n") != NULL)
        luaL_error(L, "sim.http: key 'accept' must not hold line breaks");
    req->hr_gzip = scn_args_boolean(L, 1, "gzip", 0);
    req->hr_method = scn_args_string(L, 1, "method", NULL);
    if (req->hr_method != NULL &&
        (req->hr_method[0] == '\0' ||
         strspn(req->hr_method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(req->hr_method)))
        luaL_error(L, "sim.http: key 'method' must be an upper-case word, got '%s'",
                   req->hr_method);
    req->hr_unix_socket = scn_args_string(L, 1, "unix_socket", NULL);
    if (lua_getfield(L, 1, "body") == LUA_TSTRING)
        req->hr_post = lua_tolstring(L, -1, &req->hr_post_len);
    lua_pop(L, 1); /* the string stays referenced by the table */
}

/* sim.http{url=, method=, accept=, gzip=, body=, unix_socket=} -> response */
static int
lsim_http(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"url", SCN_ARG_STRING, 0},
                                               {"method", SCN_ARG_STRING, 0},
                                               {"accept", SCN_ARG_STRING, 0},
                                               {"gzip", SCN_ARG_BOOLEAN, 0},
                                               {"body", SCN_ARG_STRING, 0},
                                               {"unix_socket", SCN_ARG_STRING, 0},
                                               {NULL, 0, 0}};
    struct scn_engine *e = scn_engine_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    scn_args_check(L, 1, "sim.http", spec);
    struct scn_http_req *req = lua_newuserdatauv(L, sizeof(*req), 0);
    memset(req, 0, sizeof(*req));
    http_fill(L, req);
    struct scn_scrape_meta m = {.sm_zix = -1, .sm_zoneid_before = -1, .sm_zoneid_after = -1};
    m.sm_vtime = e->se_world != NULL ? world_time_now(e->se_world) : 0;
    scn_http_run(req, 1, 1, NULL, NULL);
    lua_pushnil(L);
    scn_response_push(L, req, &m, lua_gettop(L), 0);
    scn_http_req_release(req);
    return 1;
}

void
scn_lua_open_http(lua_State *L, struct scn_engine *e)
{
    lua_getglobal(L, "sim");
    lua_pushlightuserdata(L, e);
    lua_pushcclosure(L, lsim_http, 1);
    lua_setfield(L, -2, "http");
    lua_pop(L, 1);
}
