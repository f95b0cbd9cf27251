/*
 * vmlua.h - the zones' VM records and the fake vminfod in the scenario
 * engine (lua_vm.c): the keys owner= (a UUID, or an account's login once
 * sim.proxy made the accounts: proxylua.h), tags=, customer_metadata= and a list
 * of nics= of sim.zone/sim.fleet, z:vm(), z:vm{...}, sim.vminfod{...},
 * sim.link_labels(z).
 *
 * The engine's vminfod starts with the first agent (sim.agent passes it
 * --vminfod URL) or the first sim.vminfod call, on a free loopback port,
 * and stops with the scenario.
 */
#ifndef CMON_SCN_VMLUA_H
#define CMON_SCN_VMLUA_H

#include <lua.h>

#include "engine.h"

/* The keys of sim.zone that belong to the VM record (for its key check; their
 * types are checked by scn_vm_apply, as each also takes false). */
/* clang-format off */
#define SCN_VM_ZONE_KEYS                                                                           \
    {"owner", SCN_ARG_ANY, 0}, {"tags", SCN_ARG_ANY, 0}, {"customer_metadata", SCN_ARG_ANY, 0},    \
        {"nics", SCN_ARG_ANY, 0}
/* clang-format on */

/*
 * scn_vm_nic_count() - the key nics of the table at idx: its count when it
 * is a list of NICs, its value when a number (0..8), dflt when absent;
 * luaL_error naming call otherwise.
 */
uint32_t scn_vm_nic_count(lua_State *L, int idx, const char *call, uint32_t dflt);

/*
 * scn_vm_apply() - sets the parts of zone zix's record that the table at
 * idx names (owner, tags, customer_metadata, a list of nics); a key set to
 * false puts the derived part back. luaL_error naming call on a bad value.
 */
void scn_vm_apply(lua_State *L, struct scn_engine *e, int zix, int idx, const char *call);

/* scn_vm_push() - pushes zone zix's record as a table (z:vm()). */
void scn_vm_push(lua_State *L, struct scn_engine *e, int zix);

/* scn_json_push() - pushes a JSON value as Lua values (objects and arrays as
 * tables, null as nil); only pushes, so no error is raised while j is held
 * but Lua's own out of memory (a nesting deeper than the stack allows is cut to nil). */
struct json_t;
void scn_json_push(lua_State *L, const struct json_t *j);

/* scn_vminfod_url() - the engine's vminfod, started on first use; luaL_error if it cannot be. */
const char *scn_vminfod_url(lua_State *L, struct scn_engine *e);

/* scn_vminfod_stop() - stops the engine's vminfod (any exit path; none running is fine). */
void scn_vminfod_stop(struct scn_engine *e);

/* scn_lua_open_vm() - adds sim.vminfod and sim.link_labels to the table on top. */
void scn_lua_open_vm(lua_State *L, struct scn_engine *e);

#endif /* CMON_SCN_VMLUA_H */
