/*
 * lua_plugin.c - plugin directories for the agent's plugins (agent/README.gz.md,
 * "Plugins"): sim.plugin{...} writes one file of DIR/vm-plugins or
 * DIR/gz-plugins inside the scratch directory, executable and owned as the
 * scenario says, so a scenario can hand the agent `--plugin-dir DIR` with
 * plugins of both formats, a plugin.json, or a plugin directory that is not
 * one. Lua's io.open cannot make directories, set modes or owners.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

#include "engine.h"

/* A name of one path component: no '/', not "", "." or "..". */
static int
plugin_component_ok(const char *s)
{
    return s[0] != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static int
plugin_mkdir(lua_State *L, const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return luaL_error(L, "sim.plugin: cannot create %s: %s", path, strerror(errno));
    return 0;
}

/* Writes text (len bytes) to path with mode (replacing it). */
static int
plugin_write(lua_State *L, const char *path, const char *prefix, const char *text, size_t len,
             mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    size_t pl = strlen(prefix);
    if (fd < 0)
        return luaL_error(L, "sim.plugin: cannot write %s: %s", path, strerror(errno));
    int ok = write(fd, prefix, pl) == (ssize_t)pl && write(fd, text, len) == (ssize_t)len;
    int err = errno;
    if (close(fd) != 0 || !ok)
        return luaL_error(L, "sim.plugin: cannot write %s: %s", path, strerror(err));
    if (chmod(path, mode) != 0)
        return luaL_error(L, "sim.plugin: cannot chmod %s: %s", path, strerror(errno));
    return 0;
}

/*
 * sim.plugin{kind=, file=, script= | text=, mode=, uid=, dir=} -> DIR, path:
 * the file <scratch>/<dir>/<kind>-plugins/<file>; script is a shell body
 * (the file gets "#!/bin/sh" first, mode 0755 by default), text is written
 * as it is (plugin.json; mode 0644). Without file, <kind>-plugins itself
 * is written as a file. uid: chown to it (the engine runs as root in CI).
 */
static int
lsim_plugin(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"kind", SCN_ARG_STRING, 0},   {"file", SCN_ARG_STRING, 0},
        {"script", SCN_ARG_STRING, 0}, {"text", SCN_ARG_STRING, 0},
        {"mode", SCN_ARG_INTEGER, 0},  {"uid", SCN_ARG_INTEGER, 0},
        {"dir", SCN_ARG_STRING, 0},    {NULL, 0, 0}};
    struct scn_engine *e = scn_args_options(L, "sim.plugin", spec);
    const char *kind = scn_args_string(L, 1, "kind", NULL);
    const char *file = scn_args_string(L, 1, "file", NULL);
    const char *dir = scn_args_string(L, 1, "dir", "plugins");
    int script = scn_args_has(L, 1, "script");
    char base[512], sub[600], path[800];
    size_t len = 0;
    const char *text;

    if (kind == NULL || (strcmp(kind, "vm") != 0 && strcmp(kind, "gz") != 0))
        return luaL_error(L, "sim.plugin: kind must be \"vm\" or \"gz\"");
    if (script == scn_args_has(L, 1, "text"))
        return luaL_error(L, "sim.plugin: give one of script and text");
    if (!plugin_component_ok(dir) || (file != NULL && !plugin_component_ok(file)))
        return luaL_error(L, "sim.plugin: dir and file must be plain names");
    lua_getfield(L, 1, script ? "script" : "text");
    text = lua_tolstring(L, -1, &len);
    mode_t mode = (mode_t)scn_args_number(L, 1, "mode", script ? 0755 : 0644);
    if (mode > 07777)
        return luaL_error(L, "sim.plugin: mode must be at most 07777");
    snprintf(base, sizeof(base), "%s/%s", e->se_scratch, dir);
    snprintf(sub, sizeof(sub), "%s/%s-plugins", base, kind);
    plugin_mkdir(L, base);
    if (file != NULL) {
        plugin_mkdir(L, sub);
        snprintf(path, sizeof(path), "%s/%s", sub, file);
    } else {
        snprintf(path, sizeof(path), "%s", sub);
    }
    plugin_write(L, path, script ? "#!/bin/sh\n" : "", text, len, mode);
    if (scn_args_has(L, 1, "uid") &&
        chown(path, (uid_t)scn_args_number(L, 1, "uid", 0), (gid_t)-1) != 0)
        return luaL_error(L, "sim.plugin: cannot chown %s: %s", path, strerror(errno));
    lua_pushstring(L, base);
    lua_pushstring(L, path);
    return 2;
}

void
scn_lua_open_plugin(lua_State *L, struct scn_engine *e)
{
    static const luaL_Reg funcs[] = {{"plugin", lsim_plugin}, {NULL, NULL}};
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, funcs, 1);
}
