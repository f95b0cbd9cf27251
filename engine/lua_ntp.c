/*
 * lua_ntp.c - the node's NTP state (sim/world/world_ntp.h) from Lua:
 * sim.ntp{...} sets ntpd's peers, system peer and variables (or what ntpq
 * prints wrong: garble=), sim.ntp_down() / sim.ntp_up(), sim.ntp_truth()
 * is what the fake ntpq prints now, and sim.ntpq the fake ntpq's path for
 * cmon-agent's --ntpq.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "world_ntp.h"

/* The state now, or an error naming call. */
static void
ntp_state(lua_State *L, struct scn_engine *e, const char *call, world_ntp_state_t *st)
{
    if (world_ntp_state_read(scn_engine_world(L, e), st) != 0)
        luaL_error(L, "%s: cannot read the NTP state: %s", call, strerror(errno));
}

static void
ntp_store(lua_State *L, struct scn_engine *e, const char *call, const world_ntp_state_t *st)
{
    if (world_ntp_state_write(scn_engine_world(L, e), st) != 0)
        luaL_error(L, "%s: cannot store the NTP state: %s", call, strerror(errno));
    e->se_gen++;
}

/* ---- sim.ntp{} ------------------------------------------------------- */

/* A one-character key of the peer table at idx ("flash", "type"), in allowed. */
static char
peer_char(lua_State *L, int idx, const char *key, const char *allowed, char dflt)
{
    const char *s = scn_args_string(L, idx, key, NULL);
    if (s == NULL)
        return dflt;
    if (strlen(s) != 1 || strchr(allowed, s[0]) == NULL)
        luaL_error(L, "sim.ntp: peer key '%s' must be one of \"%s\", got \"%s\"", key, allowed, s);
    return s[0];
}

static void
peer_string(lua_State *L, int idx, const char *key, char *out, size_t len)
{
    const char *s = scn_args_string(L, idx, key, NULL);
    if (s == NULL)
        return;
    if (strlen(s) >= len || s[0] == '\0' || strchr(s, ' ') != NULL)
        luaL_error(L, "sim.ntp: peer key '%s' must be 1..%d characters without spaces", key,
                   (int)len - 1);
    snprintf(out, len, "%s", s);
}

/* Peer i of the list at the top of the stack into p (defaults for keys not given). */
static void
peer_read(lua_State *L, int i, world_ntp_peer_t *p)
{
    static const struct scn_arg_spec spec[] = {{"remote", SCN_ARG_STRING, 0},
                                               {"refid", SCN_ARG_STRING, 0},
                                               {"assid", SCN_ARG_INTEGER, 0},
                                               {"stratum", SCN_ARG_INTEGER, 0},
                                               {"type", SCN_ARG_STRING, 0},
                                               {"flash", SCN_ARG_STRING, 0},
                                               {"when", SCN_ARG_INTEGER, SCN_ARG_SIGNED},
                                               {"poll", SCN_ARG_INTEGER, 0},
                                               {"reach", SCN_ARG_INTEGER, 0},
                                               {"delay", SCN_ARG_NUMBER, 0},
                                               {"offset", SCN_ARG_NUMBER, SCN_ARG_SIGNED},
                                               {"jitter", SCN_ARG_NUMBER, 0},
                                               {NULL, 0, 0}};
    lua_geti(L, -1, i);
    if (!lua_istable(L, -1))
        luaL_error(L, "sim.ntp: peers[%d] must be a table", i);
    int idx = lua_gettop(L);
    scn_args_check(L, idx, "sim.ntp: peer", spec);
    memset(p, 0, sizeof(*p));
    snprintf(p->wnp_remote, sizeof(p->wnp_remote), "192.0.2.%d", i);
    snprintf(p->wnp_refid, sizeof(p->wnp_refid), ".GPS.");
    peer_string(L, idx, "remote", p->wnp_remote, sizeof(p->wnp_remote));
    peer_string(L, idx, "refid", p->wnp_refid, sizeof(p->wnp_refid));
    p->wnp_assid = (uint32_t)scn_args_number(L, idx, "assid", 20000 + i);
    p->wnp_stratum = (uint32_t)scn_args_number(L, idx, "stratum", 2);
    p->wnp_type = peer_char(L, idx, "type", "ublsABMp", 'u');
    p->wnp_flash = peer_char(L, idx, "flash", " x.-+#*o", i == 1 ? '*' : '+');
    p->wnp_when = (int32_t)scn_args_number(L, idx, "when", 10);
    p->wnp_poll = (uint32_t)scn_args_number(L, idx, "poll", 64);
    p->wnp_reach = (uint32_t)scn_args_number(L, idx, "reach", 255);
    p->wnp_delay_ms = scn_args_number(L, idx, "delay", 1.5);
    p->wnp_offset_ms = scn_args_number(L, idx, "offset", 0.1);
    p->wnp_jitter_ms = scn_args_number(L, idx, "jitter", 0);
    if (p->wnp_assid < 1 || p->wnp_assid > 65535 || p->wnp_stratum > 16 || p->wnp_reach > 255)
        luaL_error(L, "sim.ntp: peers[%d]: assid 1..65535, stratum 0..16, reach 0..255", i);
    lua_pop(L, 1);
}

static void
ntp_peers(lua_State *L, world_ntp_state_t *st)
{
    if (lua_getfield(L, 1, "peers") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    lua_Integer n = luaL_len(L, -1);
    if (n > WORLD_NTP_PEERS_MAX)
        luaL_error(L, "sim.ntp: at most %d peers", WORLD_NTP_PEERS_MAX);
    st->wns_npeers = (uint32_t)n;
    for (lua_Integer i = 1; i <= n; i++)
        peer_read(L, (int)i, &st->wns_peers[i - 1]);
    lua_pop(L, 1);
}

static void
ntp_garble(lua_State *L, world_ntp_state_t *st)
{
    const char *g = scn_args_string(L, 1, "garble", NULL);
    if (g == NULL)
        return;
    int v = world_ntp_garble_by_name(g);
    if (v < 0)
        luaL_error(L,
                   "sim.ntp: key 'garble' must be one of none, header, peer_column, "
                   "unknown_key, bad_line, repeated_key, readvar_assid, timestamp, "
                   "timestamp_case, leap, missing_key, stderr, hang, flood; got \"%s\"",
                   g);
    st->wns_garble = (uint32_t)v;
}

/* sim.ntp{up=, peers={...}, leap=, root_delay=, root_dispersion=, sys_jitter=, clock_jitter=,
 * clock_wander=, frequency=, garble=}: keys not given keep their value. */
static int
lsim_ntp(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"up", SCN_ARG_BOOLEAN, 0},
                                               {"peers", SCN_ARG_TABLE, 0},
                                               {"leap", SCN_ARG_INTEGER, 0},
                                               {"root_delay", SCN_ARG_NUMBER, 0},
                                               {"root_dispersion", SCN_ARG_NUMBER, 0},
                                               {"sys_jitter", SCN_ARG_NUMBER, 0},
                                               {"clock_jitter", SCN_ARG_NUMBER, 0},
                                               {"clock_wander", SCN_ARG_NUMBER, 0},
                                               {"frequency", SCN_ARG_NUMBER, SCN_ARG_SIGNED},
                                               {"garble", SCN_ARG_STRING, 0},
                                               {NULL, 0, 0}};
    struct scn_engine *e = scn_args_options(L, "sim.ntp", spec);
    world_ntp_state_t st;
    ntp_state(L, e, "sim.ntp", &st);
    st.wns_up = (uint32_t)scn_args_boolean(L, 1, "up", (int)st.wns_up);
    st.wns_leap = (uint32_t)scn_args_number(L, 1, "leap", st.wns_leap);
    if (st.wns_leap > 3)
        return luaL_error(L, "sim.ntp: key 'leap' must be 0..3");
    st.wns_root_delay_ms = scn_args_number(L, 1, "root_delay", st.wns_root_delay_ms);
    st.wns_root_disp_ms = scn_args_number(L, 1, "root_dispersion", st.wns_root_disp_ms);
    st.wns_sys_jitter_ms = scn_args_number(L, 1, "sys_jitter", st.wns_sys_jitter_ms);
    st.wns_clk_jitter_ms = scn_args_number(L, 1, "clock_jitter", st.wns_clk_jitter_ms);
    st.wns_clk_wander_ppm = scn_args_number(L, 1, "clock_wander", st.wns_clk_wander_ppm);
    st.wns_frequency_ppm = scn_args_number(L, 1, "frequency", st.wns_frequency_ppm);
    ntp_peers(L, &st);
    ntp_garble(L, &st);
    ntp_store(L, e, "sim.ntp", &st);
    return 0;
}

/* sim.ntp_down() / sim.ntp_up(): ntpd stops (ntpq: Connection refused) / runs again. */
static int
ntp_updown(lua_State *L, int up)
{
    struct scn_engine *e = scn_engine_get(L);
    world_ntp_state_t st;
    ntp_state(L, e, up ? "sim.ntp_up" : "sim.ntp_down", &st);
    st.wns_up = (uint32_t)up;
    ntp_store(L, e, up ? "sim.ntp_up" : "sim.ntp_down", &st);
    return 0;
}

static int
lsim_ntp_down(lua_State *L)
{
    return ntp_updown(L, 0);
}

static int
lsim_ntp_up(lua_State *L)
{
    return ntp_updown(L, 1);
}

/* ---- sim.ntp_truth() --------------------------------------------------- */

static void
truth_vars(lua_State *L, const world_ntp_var_t *v, size_t n, const char *field)
{
    lua_createtable(L, 0, (int)n);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, v[i].wnv_text);
        lua_setfield(L, -2, v[i].wnv_key);
    }
    lua_setfield(L, -2, field);
}

static void
truth_peer(lua_State *L, const world_ntp_peer_now_t *pn)
{
    const world_ntp_peer_t *p = &pn->wpn_peer;
    char c[2] = {0, 0};
    lua_createtable(L, 0, 14);
    lua_pushstring(L, p->wnp_remote);
    lua_setfield(L, -2, "remote");
    lua_pushstring(L, p->wnp_refid);
    lua_setfield(L, -2, "refid");
    lua_pushinteger(L, p->wnp_assid);
    lua_setfield(L, -2, "assid");
    lua_pushinteger(L, p->wnp_stratum);
    lua_setfield(L, -2, "stratum");
    c[0] = p->wnp_type;
    lua_pushstring(L, c);
    lua_setfield(L, -2, "type");
    c[0] = p->wnp_flash;
    lua_pushstring(L, c);
    lua_setfield(L, -2, "flash");
    lua_pushinteger(L, p->wnp_when);
    lua_setfield(L, -2, "when");
    lua_pushstring(L, pn->wpn_when);
    lua_setfield(L, -2, "when_text");
    lua_pushinteger(L, p->wnp_poll);
    lua_setfield(L, -2, "poll");
    lua_pushinteger(L, p->wnp_reach);
    lua_setfield(L, -2, "reach");
    lua_pushnumber(L, p->wnp_delay_ms);
    lua_setfield(L, -2, "delay");
    lua_pushnumber(L, p->wnp_offset_ms);
    lua_setfield(L, -2, "offset");
    lua_pushnumber(L, p->wnp_jitter_ms);
    lua_setfield(L, -2, "jitter");
}

/* sim.ntp_truth() -> {up=, garble=, syspeer=, peers={...}, system={...}, readvar={...}} */
static int
lsim_ntp_truth(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    world_t *w = scn_engine_world(L, e);
    world_ntp_state_t st;
    static world_ntp_view_t v; /* large; Lua runs one C call at a time */
    ntp_state(L, e, "sim.ntp_truth", &st);
    world_ntp_view(w, &st, world_time_now(w), &v);
    lua_createtable(L, 0, 6);
    lua_pushboolean(L, v.wv_up);
    lua_setfield(L, -2, "up");
    lua_pushstring(L, world_ntp_garble_name((world_ntp_garble_t)st.wns_garble));
    lua_setfield(L, -2, "garble");
    lua_createtable(L, (int)v.wv_npeers, 0);
    for (uint32_t i = 0; i < v.wv_npeers; i++) {
        truth_peer(L, &v.wv_peers[i]);
        lua_seti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "peers");
    if (v.wv_syspeer >= 0) {
        lua_pushstring(L, v.wv_peers[v.wv_syspeer].wpn_peer.wnp_remote);
        lua_setfield(L, -2, "syspeer");
    }
    truth_vars(L, v.wv_sys, v.wv_nsys, "system");
    truth_vars(L, v.wv_sp, v.wv_nsp, "readvar");
    return 1;
}

static const luaL_Reg ntp_funcs[] = {{"ntp", lsim_ntp},
                                     {"ntp_down", lsim_ntp_down},
                                     {"ntp_up", lsim_ntp_up},
                                     {"ntp_truth", lsim_ntp_truth},
                                     {NULL, NULL}};

void
scn_lua_open_ntp(lua_State *L, struct scn_engine *e)
{
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, ntp_funcs, 1);
    lua_pushfstring(L, "%s/../lib/cmon-sim/ntpq", e->se_bindir);
    lua_setfield(L, -2, "ntpq");
}
