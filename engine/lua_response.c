/*
 * lua_response.c - the response table of a scrape and its methods
 * r:value(name [, labels]) and r:values(name).
 */
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "response.h"
#include "verify.h"

int32_t
scn_zoneid_of(struct scn_engine *e, int zix)
{
    world_zone_info_t i;
    if (zix <= 0 || e->se_world == NULL || world_zone_info(e->se_world, zix, &i) != 0 ||
        i.wzi_state != WORLD_ZONE_RUNNING)
        return -1;
    return i.wzi_zoneid;
}

void
scn_response_meta_begin(struct scn_engine *e, const struct scn_agent *a, int zix,
                        struct scn_scrape_meta *m)
{
    m->sm_zix = zix;
    m->sm_vtime = e->se_world ? world_time_now(e->se_world) : 0;
    m->sm_gen0 = m->sm_gen1 = e->se_gen;
    m->sm_zoneid_before = scn_zoneid_of(e, zix);
    m->sm_zoneid_after = m->sm_zoneid_before;
    m->sm_ttl = a->ag_ttl;
    m->sm_prom = a->ag_prom_names;
    if (zix > 0)
        scn_history_record(e, zix);
}

void
scn_response_meta_end(struct scn_engine *e, struct scn_scrape_meta *m)
{
    m->sm_zoneid_after = scn_zoneid_of(e, m->sm_zix);
    m->sm_gen1 = e->se_gen;
    /* It rebooted or booted mid-scrape: the agent may have read the new one. */
    if (m->sm_zoneid_after != m->sm_zoneid_before && m->sm_zoneid_after >= 0)
        scn_history_record(e, m->sm_zix);
}

static void
response_set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

static void
response_set_str(lua_State *L, const char *k, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

/* r.headers: the answer's header lines as a table, names lower-cased (the
 * last answer's when curl read several, as after a 100 Continue). */
static void
response_headers(lua_State *L, const struct fetch_resp *r)
{
    lua_createtable(L, 0, 8);
    const char *p = r->rs_headers ? r->rs_headers : "", *end = p + strlen(p);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *next = eol ? eol + 1 : end;
        size_t len = (size_t)((eol ? eol : end) - p);
        while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
            len--;
        const char *colon = memchr(p, ':', len);
        if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
            lua_pop(L, 1); /* a new answer starts: forget the last one's */
            lua_createtable(L, 0, 8);
        } else if (colon != NULL && colon > p) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (const char *c = p; c < colon; c++)
                luaL_addchar(&b, (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c));
            luaL_pushresult(&b);
            const char *v = colon + 1;
            while (v < p + len && (*v == ' ' || *v == '\t'))
                v++;
            lua_pushlstring(L, v, (size_t)(p + len - v));
            lua_rawset(L, -3);
        }
        p = next;
    }
    lua_setfield(L, -2, "headers");
}

static void
response_meta_fields(lua_State *L, const struct scn_scrape_meta *m)
{
    lua_pushnumber(L, (double)m->sm_vtime / 1e9);
    lua_setfield(L, -2, "vtime");
    response_set_int(L, "_vtime_ns", (lua_Integer)m->sm_vtime);
    response_set_int(L, "_gen0", (lua_Integer)m->sm_gen0);
    response_set_int(L, "_gen1", (lua_Integer)m->sm_gen1);
    response_set_int(L, "_zix", m->sm_zix);
    response_set_int(L, "_zoneid", m->sm_zoneid_before);
    response_set_int(L, "_zoneid_after", m->sm_zoneid_after);
    lua_pushnumber(L, m->sm_ttl);
    lua_setfield(L, -2, "_ttl");
    lua_pushboolean(L, m->sm_prom);
    lua_setfield(L, -2, "_prom");
}

void
scn_response_push(lua_State *L, const struct scn_http_req *req, const struct scn_scrape_meta *m,
                  int tidx, int is_scrape)
{
    const struct fetch_resp *r = &req->hr_call.fc_resp;
    lua_createtable(L, 0, 16);
    response_set_int(L, "status", r->rs_status);
    lua_pushlstring(L, r->rs_body ? r->rs_body : "", r->rs_body ? r->rs_len : 0);
    lua_setfield(L, -2, "body");
    lua_pushnumber(L, r->rs_ms);
    lua_setfield(L, -2, "ms");
    response_set_str(L, "content_type", r->rs_content_type);
    response_set_str(L, "content_encoding", r->rs_content_encoding);
    response_set_str(L, "url", req->hr_url);
    response_headers(L, r);
    if (r->rs_status == 0)
        response_set_str(L, "error", r->rs_error[0] ? r->rs_error : "request failed");
    lua_pushvalue(L, tidx);
    lua_setfield(L, -2, "zone");
    response_meta_fields(L, m);
    lua_pushboolean(L, is_scrape);
    lua_setfield(L, -2, "_scrape");
    luaL_setmetatable(L, SCN_RESPONSE_MT);
}

void
scn_response_check(lua_State *L, int idx, const char *call)
{
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx))
        luaL_error(L, "%s: expects a response (from a:scrape), got %s", call,
                   luaL_typename(L, idx));
    luaL_getmetatable(L, SCN_RESPONSE_MT);
    int same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (!same)
        luaL_error(L, "%s: expects a response (from a:scrape), got a table", call);
}

/* ---- the samples of a body ---------------------------------------------- */

size_t
scn_samples_read(const char *body, size_t len, const char *content_type, conform_sample_fn fn,
                 void *arg)
{
    conform_options_t o;
    conform_options_init(&o);
    o.co_content_type = content_type != NULL && content_type[0] != '\0' ? content_type : NULL;
    if (o.co_content_type == NULL) /* no Content-Type (a failed request): by the body */
        o.co_format = conform_format_sniff(body, len);
    o.co_sample = fn;
    o.co_sample_arg = arg;
    conform_checker_t *c = conform_checker_new(&o);
    if (c == NULL)
        return SIZE_MAX;
    size_t errors = SIZE_MAX;
    if (conform_checker_feed(c, body, len) >= 0 && conform_checker_finish(c) >= 0)
        errors = conform_checker_errors(c);
    conform_checker_free(c);
    return errors;
}

/* The samples of the response at idx: its body, read by its content_type. */
static size_t
response_samples(lua_State *L, int idx, conform_sample_fn fn, void *arg)
{
    size_t len;
    lua_getfield(L, idx, "body");
    const char *body = lua_tolstring(L, -1, &len);
    lua_getfield(L, idx, "content_type");
    const char *type = lua_tostring(L, -1);
    lua_pop(L, 2); /* the response still holds both */
    return scn_samples_read(body ? body : "", body ? len : 0, type, fn, arg);
}

size_t
scn_response_samples(lua_State *L, int idx, conform_sample_fn fn, void *arg)
{
    return response_samples(L, lua_absindex(L, idx), fn, arg);
}

/* ---- r:value / r:values ------------------------------------------------ */

struct value_find {
    lua_State *vf_L;
    const char *vf_name;
    int vf_labels; /* index of the labels table, 0: none */
    int vf_all;    /* r:values: push every match into the table on top */
    int vf_found;
    double vf_value;
};

static int
value_labels_match(lua_State *L, int lidx, const conform_sample_t *s)
{
    if (lidx == 0)
        return 1;
    lua_pushnil(L);
    while (lua_next(L, lidx) != 0) {
        const char *k = lua_tostring(L, -2), *want = lua_tostring(L, -1);
        const char *have = k ? conform_sample_label(s, k) : NULL;
        lua_pop(L, 1);
        if (want == NULL || have == NULL || strcmp(want, have) != 0) {
            lua_pop(L, 1);
            return 0;
        }
    }
    return 1;
}

static void
value_push_sample(lua_State *L, const conform_sample_t *s)
{
    lua_createtable(L, 0, 2);
    lua_pushnumber(L, s->cs_value);
    lua_setfield(L, -2, "value");
    lua_createtable(L, 0, (int)s->cs_nlabels);
    for (size_t i = 0; i < s->cs_nlabels; i++) {
        lua_pushstring(L, s->cs_labels[i].cl_value);
        lua_setfield(L, -2, s->cs_labels[i].cl_name);
    }
    lua_setfield(L, -2, "labels");
    lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
}

static int
value_on_sample(const conform_sample_t *s, void *arg)
{
    struct value_find *f = arg;
    if (strcmp(s->cs_name, f->vf_name) != 0 || !value_labels_match(f->vf_L, f->vf_labels, s))
        return 0;
    f->vf_found++;
    if (f->vf_all) {
        value_push_sample(f->vf_L, s);
        return 0;
    }
    f->vf_value = s->cs_value;
    return 1;
}

/* r:value(name [, labels]) -> the first matching sample's value, or nil. An
 * OpenMetrics counter's sample is <name>_total: asked by its family name, it
 * is found too. */
static int
lsim_response_value(lua_State *L)
{
    scn_response_check(L, 1, "r:value");
    struct value_find f = {L, luaL_checkstring(L, 2), 0, 0, 0, 0};
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        f.vf_labels = 3;
    }
    response_samples(L, 1, value_on_sample, &f);
    if (!f.vf_found) {
        f.vf_name = lua_pushfstring(L, "%s_total", f.vf_name);
        response_samples(L, 1, value_on_sample, &f);
    }
    if (f.vf_found)
        lua_pushnumber(L, f.vf_value);
    else
        lua_pushnil(L);
    return 1;
}

/* r:values(name) -> list of {value=, labels={...}}; as r:value, an OpenMetrics
 * counter's samples (<name>_total) are found by the family name too. */
static int
lsim_response_values(lua_State *L)
{
    scn_response_check(L, 1, "r:values");
    struct value_find f = {L, luaL_checkstring(L, 2), 0, 1, 0, 0};
    lua_newtable(L);
    response_samples(L, 1, value_on_sample, &f);
    if (!f.vf_found) {
        f.vf_name = lua_pushfstring(L, "%s_total", f.vf_name);
        lua_insert(L, -2); /* the list stays on top */
        response_samples(L, 1, value_on_sample, &f);
    }
    return 1;
}

void
scn_lua_open_response(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"value", lsim_response_value}, {"values", lsim_response_values}, {NULL, NULL}};
    luaL_newmetatable(L, SCN_RESPONSE_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}
