/*
 * corelua.h - Triton core zones in the scenario engine (lua_core.c):
 * sim.core_zone{role=, ports=, ...}, sim.core_port(z, port, mode
 * [, delay_ms]), sim.core_text(z, port), sim.core_requests(z, port),
 * sim.admin_uuid(). Their metric ports (coresvc.h) are served from the
 * first sim.core_zone until the scenario ends.
 */
#ifndef CMON_SCN_CORELUA_H
#define CMON_SCN_CORELUA_H

#include <lua.h>

#include "engine.h"

/* scn_coresvc_stop() - closes every metric port (any exit path; none open is fine). */
void scn_coresvc_stop(struct scn_engine *e);

/* scn_lua_open_core() - adds the calls above to the sim table on top. */
void scn_lua_open_core(lua_State *L, struct scn_engine *e);

#endif /* CMON_SCN_CORELUA_H */
