/*
 * proxylua.h - a Triton data center in front of the scenario's node
 * (lua_proxy.c): sim.proxy{accounts=, args=, agent=} makes the accounts
 * (sim/cplane/cplane.h), spreads the world's zones over them
 * (world_owners_set), writes their certificates to the scratch directory
 * (tlsdir.h), serves the simulated control plane in the engine's process
 * and starts a real cmon-proxy against it; the proxy object scrapes and
 * discovers through it as any account (HTTPS, client certificate, Host and
 * SNI <uuid>.cmon.test by curl's --resolve).
 *
 * One data center per scenario. The proxy is an engine process like an
 * agent (stopped on every way out); the control plane and the accounts'
 * keys are freed by scn_dc_stop().
 */
#ifndef CMON_SCN_PROXYLUA_H
#define CMON_SCN_PROXYLUA_H

#include <lua.h>

#include "engine.h"

#define SCN_PROXY_MT "cmon.proxy"
#define SCN_DNS_SUFFIX "cmon.test"

/* scn_dc_account_uuid() - the uuid of account login of sim.proxy's data
 * center, NULL when there is none or no such login. */
const char *scn_dc_account_uuid(const struct scn_engine *e, const char *login);

/* scn_dc_stop() - stops the control plane and frees the data center (any
 * exit path, after the proxy process is stopped; none made is fine). */
void scn_dc_stop(struct scn_engine *e);

/* scn_lua_open_proxy() - adds sim.proxy to the table on top. */
void scn_lua_open_proxy(lua_State *L, struct scn_engine *e);

#endif /* CMON_SCN_PROXYLUA_H */
