/*
 * lua_kdrop.c - z:drop_kstat(module): a running zone goes on without its
 * kstats of that module (world_zone_kstat_drop) until it boots again: a
 * zone with a shared IP stack has no tcp kstat, an old platform no
 * zone_vfs. How a scenario shows what the agent answers for a kstat that is
 * absent rather than failing.
 */
#include <errno.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "verify.h"
#include "world_kdrop.h"

int
scn_lua_zone_drop_kstat(lua_State *L)
{
    struct scn_engine *e = scn_engine_get(L);
    int zix = scn_zone_check(L, 1);
    const char *module = luaL_checkstring(L, 2);
    if (world_zone_kstat_drop(scn_engine_world(L, e), zix, module) != 0)
        return luaL_error(L, "z:drop_kstat: %s: %s", module,
                          errno == ENOENT   ? "the zone has no such kstat (dropped already?)"
                          : errno == EINVAL ? "the zone is not running, or the module is not one "
                                              "of zones, memory_cap, zone_vfs, zone_zfs, tcp"
                                            : strerror(errno));
    scn_history_touch(e, zix);
    return 0;
}
