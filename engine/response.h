/*
 * response.h - scrape responses as Lua tables: r.status, r.body, r.ms,
 * r.content_type, r.content_encoding, r.error, r.url, r.zone, r.vtime, and
 * r:value(name, labels), r:values(name) (the samples read by cmonconform).
 * What sim.verify needs to know of the scrape (when it happened in virtual
 * time, the zone's id before and after, the agent's TTL and names) rides
 * along in fields starting with _.
 */
#ifndef CMON_SCN_RESPONSE_H
#define CMON_SCN_RESPONSE_H

#include <lua.h>
#include <stdint.h>

#include "agent.h"
#include "conform.h"
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

/*
 * scn_samples_read() - the samples of the exposition body[0..len), read by
 * cmonconform as it validates: the format content_type names (by the body
 * when it is NULL or ""), fn called for each sample line the grammar accepts
 * (non-zero stops). Returns the number of violations of error severity
 * found (0 for a valid body; a line that yields none is one of them), or
 * SIZE_MAX when memory ran out.
 */
size_t scn_samples_read(const char *body, size_t len, const char *content_type,
                        conform_sample_fn fn, void *arg);

/* scn_response_samples() - scn_samples_read() of the body of the response at
 * idx, by its content_type. */
size_t scn_response_samples(lua_State *L, int idx, conform_sample_fn fn, void *arg);

/* scn_lua_open_response() - registers the response metatable. */
void scn_lua_open_response(lua_State *L);

/* scn_zoneid_of() - the zoneid of slot zix now, -1 if not running. */
int32_t scn_zoneid_of(struct scn_engine *e, int zix);

#endif /* CMON_SCN_RESPONSE_H */
