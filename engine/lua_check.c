/*
 * lua_check.c - check(cond, msg) and conformance.check(r): the two ways a
 * scenario states what must hold; and print(), what it says on the way.
 */
#include <string.h>

#include <lauxlib.h>

#include "conform.h"
#include "engine.h"
#include "response.h"

/* The name of a Lua file in reports, never absolute: the engine loads the
 * scenario and what it requires under relative names already; a file given
 * to dofile or loadfile by absolute path is named relative to the scenario's
 * directory if inside it, else by its file name. */
static const char *
check_file_name(const struct scn_engine *e, const char *file, char *buf, size_t len)
{
    if (file[0] != '/')
        return file;
    size_t n = strlen(e->se_dir);
    if (n > 0 && strncmp(file, e->se_dir, n) == 0 && file[n] == '/')
        snprintf(buf, len, "%s%s", e->se_name_dir, file + n + 1);
    else
        snprintf(buf, len, "%s", strrchr(file, '/') + 1);
    return buf;
}

/* "file:line" of the Lua code that called the running C function: a file by
 * its chunk name (never cut short as short_src may be), a string by short_src. */
static void
check_where(lua_State *L, const struct scn_engine *e, char *buf, size_t len)
{
    lua_Debug ar;
    char name[PATH_MAX];
    if (!lua_getstack(L, 1, &ar) || !lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
        snprintf(buf, len, "?");
    else if (ar.source[0] == '@')
        snprintf(buf, len, "%s:%d", check_file_name(e, ar.source + 1, name, sizeof(name)),
                 ar.currentline);
    else
        snprintf(buf, len, "%s:%d", ar.short_src, ar.currentline);
}

/* check(cond [, msg]) -> cond: records a passed or failed check. */
static int
lsim_check(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    luaL_checkany(L, 1);
    if (!lua_isnoneornil(L, 2) && lua_type(L, 2) != LUA_TSTRING && lua_type(L, 2) != LUA_TNUMBER)
        return luaL_error(L, "check: the message must be a string, got %s", luaL_typename(L, 2));
    const char *msg = luaL_optstring(L, 2, "check");
    char where[PATH_MAX + 32];
    check_where(L, e, where, sizeof(where));
    int ok = lua_toboolean(L, 1);
    scn_report_check(e->se_report, where, msg, ok);
    lua_pushboolean(L, ok);
    return 1;
}

/* print(...): Lua's print, and the line kept for the report (JUnit <system-out>). */
static int
lsim_print(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    size_t len;
    const char *line = lua_tolstring(L, -1, &len);
    fwrite(line, 1, len, stdout);
    fflush(stdout);
    scn_report_output(e->se_report, line, len);
    return 0;
}

/* ---- conformance.check ------------------------------------------------ */

static void
conform_push_violations(lua_State *L, const conform_checker_t *c)
{
    size_t n = 0;
    const conform_violation_t *v = conform_checker_violations(c, &n);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_createtable(L, 0, 5);
        lua_pushinteger(L, (lua_Integer)v[i].cv_line);
        lua_setfield(L, -2, "line");
        lua_pushinteger(L, (lua_Integer)v[i].cv_col);
        lua_setfield(L, -2, "col");
        lua_pushstring(L, v[i].cv_rule_id);
        lua_setfield(L, -2, "rule");
        lua_pushstring(L, v[i].cv_message);
        lua_setfield(L, -2, "message");
        lua_pushstring(L, v[i].cv_severity == CONFORM_SEVERITY_ERROR ? "error" : "warning");
        lua_setfield(L, -2, "severity");
        lua_pushfstring(L, "%d:%d: %s: %s", (int)v[i].cv_line, (int)v[i].cv_col, v[i].cv_rule_id,
                        v[i].cv_message);
        lua_setfield(L, -2, "text");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* Runs the checker over body; pushes ok, violations. The checker lives in a
 * userdata-guarded slot so a Lua error cannot leak it. */
static int
conform_run(lua_State *L, const char *body, size_t len, const conform_options_t *o)
{
    conform_checker_t **slot = lua_newuserdatauv(L, sizeof(*slot), 0);
    *slot = conform_checker_new(o);
    if (*slot == NULL)
        return luaL_error(L, "conformance.check: cannot create a checker");
    luaL_setmetatable(L, "cmon.conform");
    int verdict = -1;
    if (conform_checker_feed(*slot, body, len) >= 0)
        verdict = conform_checker_finish(*slot);
    if (verdict < 0)
        return luaL_error(L, "conformance.check: out of memory");
    lua_pushboolean(L, verdict == 0);
    conform_push_violations(L, *slot);
    conform_checker_free(*slot);
    *slot = NULL;
    return 2;
}

static int
conform_gc(lua_State *L)
{
    conform_checker_t **slot = luaL_checkudata(L, 1, "cmon.conform");
    conform_checker_free(*slot);
    *slot = NULL;
    return 0;
}

/* conformance.check(r | body [, {format=, lint=}]) -> ok, violations */
static int
lsim_conform_check(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"format", SCN_ARG_STRING, 0}, {"lint", SCN_ARG_BOOLEAN, 0}, {NULL, 0, 0}};
    scn_args_check(L, 2, "conformance.check", spec);
    conform_options_t o;
    conform_options_init(&o);
    o.co_collect = 1;
    o.co_lint = scn_args_boolean(L, 2, "lint", 0) ? CONFORM_LINT_ERROR : CONFORM_LINT_OFF;
    const char *fmt = scn_args_string(L, 2, "format", NULL);
    if (fmt != NULL && conform_format_parse(fmt, &o.co_format) != 0)
        return luaL_error(L, "conformance.check: key 'format' must be text, openmetrics or auto");
    size_t len;
    const char *body;
    if (lua_type(L, 1) == LUA_TSTRING) {
        body = lua_tolstring(L, 1, &len);
    } else {
        scn_response_check(L, 1, "conformance.check");
        lua_getfield(L, 1, "body");
        body = luaL_checklstring(L, -1, &len);
        lua_getfield(L, 1, "content_type");
        o.co_content_type = lua_tostring(L, -1);
    }
    return conform_run(L, body, len, &o);
}

void
scn_lua_open_check(lua_State *L, struct scn_engine *e)
{
    lua_pushlightuserdata(L, e);
    lua_pushcclosure(L, lsim_check, 1);
    lua_setglobal(L, "check");
    lua_pushlightuserdata(L, e);
    lua_pushcclosure(L, lsim_print, 1);
    lua_setglobal(L, "print");
    luaL_newmetatable(L, "cmon.conform");
    lua_pushcfunction(L, conform_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushlightuserdata(L, e);
    lua_pushcclosure(L, lsim_conform_check, 1);
    lua_setfield(L, -2, "check");
    lua_setglobal(L, "conformance");
}
