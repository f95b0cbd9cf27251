/*
 * lua_zfs_fault.c - sim.zfs_fault{rate=, zone=}: the fake libzfs's
 * zfs_open() of a zone's dataset fails (EZFS_IO) at rate, for one zone's
 * dataset (zones/<uuid>) or for every one; rate 0 clears it. The ZFS state
 * is a file beside the world (world_zfs.h) that readers take as a whole,
 * and it holds one dataset fault: a new call replaces the last. What the
 * original's `zfs list` failing looks like to the agent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "world_zfs.h"

#define CALL "sim.zfs_fault"

int
scn_lua_zfs_fault(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"rate", SCN_ARG_NUMBER, 0}, {"zone", SCN_ARG_ANY, 0}, {NULL, 0, 0}};
    struct scn_engine *e = scn_args_options(L, CALL, spec);
    world_t *w = scn_engine_world(L, e);
    world_zfs_fault_t f;
    memset(&f, 0, sizeof(f));
    f.wzf_open_rate = scn_args_number(L, 1, "rate", 1);
    if (f.wzf_open_rate > 1)
        return luaL_error(L, CALL ": key 'rate' must be 0..1, got %f", f.wzf_open_rate);
    if (lua_getfield(L, 1, "zone") != LUA_TNIL) {
        int zix;
        scn_zone_check(L, -1);
        const char *name = scn_zone_name(L, -1, &zix);
        world_zfs_state_t st;
        if (world_zfs_state_read(w, world_path(w), &st) != 0)
            return luaL_error(L, CALL ": cannot read the ZFS state: %s", strerror(errno));
        snprintf(f.wzf_dataset, sizeof(f.wzf_dataset), "%s/%s", st.wzs_pools[0].wpl_name, name);
    }
    lua_pop(L, 1);
    if (f.wzf_open_rate == 0)
        memset(&f, 0, sizeof(f));
    if (world_zfs_fault_set(w, &f) != 0)
        return luaL_error(L, CALL ": cannot write the ZFS state: %s", strerror(errno));
    e->se_gen++;
    return 0;
}
