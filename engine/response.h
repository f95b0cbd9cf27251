/*
 * response.h - scrape responses as Lua tables: r.status, r.body, r.ms,
 * r.content_type, r.content_encoding, r.error, r.url, r.zone, r.vtime, and
 * r:value(name, labels), r:values(name). What sim.verify needs to know of
 * the scrape (when it happened in virtual time, the zone's id before and
 * after, the agent's TTL and names) rides along in fields starting with _.
 */
#ifndef CMON_SCN_RESPONSE_H
#define CMON_SCN_RESPONSE_H

#include <lua.h>
#include <stdint.h>

#include "agent.h"
#include "http.h"

struct scn_engine;

struct scn_scrape_meta {
    int sm_zix;                /* zone slot, 0 gz, -1 another path */
    uint64_t sm_vtime;         /* virtual ns when it was sent */
    uint64_t sm_gen0, sm_gen1; /* engine generations when sent and answered */
    int32_t sm_zoneid_before;  /* -1: not running */
    int32_t sm_zoneid_after;   /* when the answer came */
    double sm_ttl;
    int sm_prom;
};

/* scn_response_meta_begin() - notes the scrape's time and zone state and
 * records the zone's truth (verify.h). */
void scn_response_meta_begin(struct scn_engine *e, const struct scn_agent *a, int zix,
                             struct scn_scrape_meta *m);
/* scn_response_meta_end() - notes the zone state when the answer came. */
void scn_response_meta_end(struct scn_engine *e, struct scn_scrape_meta *m);

/* scn_response_push() - pushes the response table of req; the target
 * (zone, "gz" or nil) is at tidx. */
void scn_response_push(lua_State *L, const struct scn_http_req *req,
                       const struct scn_scrape_meta *m, int tidx, int is_scrape);

/* scn_response_check() - luaL_error unless idx is a response; call names the caller. */
void scn_response_check(lua_State *L, int idx, const char *call);

/* scn_lua_open_response() - registers the response metatable. */
void scn_lua_open_response(lua_State *L);

/* scn_zoneid_of() - the zoneid of slot zix now, -1 if not running. */
int32_t scn_zoneid_of(struct scn_engine *e, int zix);

#endif /* CMON_SCN_RESPONSE_H */
