/*
 * lua_scrape_all.c - a:scrape_all{zones=, concurrency=, accept=, gzip=,
 * during=}: many scrapes at once through one curl multi handle. Returns the
 * list of responses (in the order of zones) with p50, p90, p99, max (ms),
 * errors (answers that are not 200, and failed requests) and seconds (wall
 * time of the whole). during(r, i), if given, runs after each answer while
 * the others are in flight: the way to change the world mid-scrape.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "agent.h"
#include "engine.h"
#include "monotime.h"
#include "http.h"
#include "response.h"

#define SCRAPE_ALL_DEFAULT_CONCURRENCY 8

struct scrape_all {
    lua_State *sa_L;
    struct scn_engine *sa_e;
    struct scn_http_req *sa_reqs;    /* userdata: freed by the GC on any path */
    struct scn_scrape_meta *sa_meta; /* userdata */
    int sa_zones, sa_out, sa_during; /* stack indexes */
    size_t sa_n, sa_done;
    int sa_failed; /* during() raised: its error is on the stack */
};

/* After each answer: the response into the list, then during(r, i). */
static int
scrape_all_done(void *arg, size_t i)
{
    struct scrape_all *s = arg;
    lua_State *L = s->sa_L;
    scn_response_meta_end(s->sa_e, &s->sa_meta[i]);
    lua_rawgeti(L, s->sa_zones, (lua_Integer)i + 1);
    scn_response_push(L, &s->sa_reqs[i], &s->sa_meta[i], lua_gettop(L), 1);
    lua_remove(L, -2);
    scn_http_req_release(&s->sa_reqs[i]);
    scn_progress(s->sa_e, "scrape", ++s->sa_done, s->sa_n);
    if (s->sa_during != 0) {
        lua_pushvalue(L, s->sa_during);
        lua_pushvalue(L, -2);
        lua_pushinteger(L, (lua_Integer)i + 1);
        if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
            lua_remove(L, -2); /* keep the error, drop the response */
            s->sa_failed = 1;
            return 1;
        }
    }
    lua_rawseti(L, s->sa_out, (lua_Integer)i + 1);
    return 0;
}

static int
scrape_all_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted ms[0..n). */
static double
scrape_all_pct(const double *ms, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)ceil(q * (double)n);
    return ms[k ? k - 1 : 0];
}

static void
scrape_all_stats(lua_State *L, int out, size_t n)
{
    double *ms = lua_newuserdatauv(L, (n ? n : 1) * sizeof(double), 0);
    lua_Integer errors = 0;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, out, (lua_Integer)i + 1);
        lua_getfield(L, -1, "ms");
        ms[i] = lua_tonumber(L, -1);
        lua_getfield(L, -2, "status");
        errors += lua_tointeger(L, -1) != 200;
        lua_pop(L, 3);
    }
    qsort(ms, n, sizeof(double), scrape_all_cmp);
    static const struct {
        const char *k;
        double q;
    } pcts[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"max", 1.0}};
    for (size_t i = 0; i < 4; i++) {
        lua_pushnumber(L, scrape_all_pct(ms, n, pcts[i].q));
        lua_setfield(L, out, pcts[i].k);
    }
    lua_pop(L, 1);
    lua_pushinteger(L, errors);
    lua_setfield(L, out, "errors");
}

/* Fills the requests from the zones list (checking every target first). */
static void
scrape_all_prepare(lua_State *L, struct scrape_all *s, struct scn_agent *a)
{
    const char *accept = scn_args_string(L, 2, "accept", NULL);
    if (accept && strcmp(accept, "openmetrics") == 0)
        accept = "application/openmetrics-text; version=1.0.0";
    else if (accept && strcmp(accept, "text") == 0)
        accept = "text/plain; version=0.0.4";
    int gzip = scn_args_boolean(L, 2, "gzip", 0);
    for (size_t i = 0; i < s->sa_n; i++) {
        struct scn_http_req *r = &s->sa_reqs[i];
        int t = lua_rawgeti(L, s->sa_zones, (lua_Integer)i + 1);
        int zix = 0;
        if (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), "gz") == 0) {
            snprintf(r->hr_url, sizeof(r->hr_url), "%s/v1/gz/metrics", a->ag_url);
        } else if (luaL_testudata(L, -1, SCN_ZONE_MT) != NULL) {
            zix = scn_zone_check(L, -1);
            lua_getfield(L, -1, "uuid");
            snprintf(r->hr_url, sizeof(r->hr_url), "%s/v1/%s/metrics", a->ag_url,
                     lua_tostring(L, -1));
            lua_pop(L, 1);
        } else {
            luaL_error(L, "a:scrape_all: key 'zones' item %d is a %s, not a zone or \"gz\"",
                       (int)i + 1, luaL_typename(L, -1));
        }
        lua_pop(L, 1);
        r->hr_accept = accept;
        r->hr_gzip = gzip;
        scn_response_meta_begin(s->sa_e, a, zix, &s->sa_meta[i]);
    }
}

static struct scn_agent *
scrape_all_agent(lua_State *L)
{
    void **ud = luaL_checkudata(L, 1, SCN_AGENT_MT);
    return *ud; /* struct lagent has the agent pointer as its only member */
}

int
scn_lua_scrape_all(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"zones", SCN_ARG_TABLE, 0},     {"concurrency", SCN_ARG_INTEGER, 0},
        {"accept", SCN_ARG_STRING, 0},   {"gzip", SCN_ARG_BOOLEAN, 0},
        {"during", SCN_ARG_FUNCTION, 0}, {NULL, 0, 0}};
    struct scrape_all s = {.sa_L = L, .sa_e = scn_engine_get(L)};
    struct scn_agent *a = scrape_all_agent(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    scn_args_check(L, 2, "a:scrape_all", spec);
    if (lua_getfield(L, 2, "zones") != LUA_TTABLE)
        return luaL_error(L, "a:scrape_all: key 'zones' is required");
    s.sa_zones = lua_gettop(L);
    lua_Integer conc =
        (lua_Integer)scn_args_number(L, 2, "concurrency", SCRAPE_ALL_DEFAULT_CONCURRENCY);
    if (conc < 1 || conc > 1024)
        return luaL_error(L, "a:scrape_all: key 'concurrency' must be 1..1024");
    if (lua_getfield(L, 2, "during") == LUA_TFUNCTION)
        s.sa_during = lua_gettop(L);
    s.sa_n = (size_t)luaL_len(L, s.sa_zones);
    s.sa_reqs = lua_newuserdatauv(L, (s.sa_n ? s.sa_n : 1) * sizeof(*s.sa_reqs), 0);
    memset(s.sa_reqs, 0, (s.sa_n ? s.sa_n : 1) * sizeof(*s.sa_reqs));
    s.sa_meta = lua_newuserdatauv(L, (s.sa_n ? s.sa_n : 1) * sizeof(*s.sa_meta), 0);
    scrape_all_prepare(L, &s, a);
    lua_createtable(L, (int)s.sa_n, 6);
    s.sa_out = lua_gettop(L);
    double t0 = cmon_monotime_s();
    int rc = scn_http_run(s.sa_reqs, s.sa_n, (size_t)conc, scrape_all_done, &s);
    double seconds = cmon_monotime_s() - t0;
    for (size_t i = 0; i < s.sa_n; i++)
        scn_http_req_release(&s.sa_reqs[i]);
    scn_progress(s.sa_e, "scrape", s.sa_n, s.sa_n);
    if (s.sa_failed)
        return lua_error(L);
    if (rc < 0)
        return luaL_error(L, "a:scrape_all: cannot set up curl");
    scrape_all_stats(L, s.sa_out, s.sa_n);
    lua_pushnumber(L, seconds);
    lua_setfield(L, s.sa_out, "seconds");
    lua_pushvalue(L, s.sa_out);
    return 1;
}
