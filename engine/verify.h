/*
 * verify.h - the ground truth behind sim.verify: the metric table (which
 * kstat stat each served metric must equal) and, per zone, the history of
 * what the world held at the virtual times the engine scraped it.
 *
 * Why a history: the agent caches each (zone, collector) result for its TTL
 * (in its own clock, which is the virtual clock). A cached sample is the
 * world's value at the virtual time of an earlier read, and earlier reads
 * happen only when the engine scrapes that zone. So recording the zone's
 * truth at each scrape (merging records of identical values) gives, for a
 * scrape at time t, exactly the candidates: the record current at t for a
 * fresh collector, every record seen within [t - TTL, t] for a cached one.
 */
#ifndef CMON_SCN_VERIFY_H
#define CMON_SCN_VERIFY_H

#include <stdint.h>

#include <lua.h>

#include "world.h"

struct scn_engine;

#define VERIFY_CAP_LIMIT 0x1 /* a limit: absent when 0 or 2^64-1 (no cap) */

struct scn_verify_row {
    const char *vr_collector; /* prefix of the _metrics_available_boolean metrics */
    const char *vr_module;    /* world_truth_zone module */
    const char *vr_stat;
    const char *vr_cmon; /* the name cmon-agent ships */
    const char *vr_prom; /* --metric-names prometheus */
    double vr_scale;     /* cmon value = raw * vr_scale */
    double vr_prom_scale;
    int vr_flags;
};

/* The zone rows (every collector but link and time), and the link rows. */
extern const struct scn_verify_row scn_verify_zone_rows[];
extern const unsigned scn_verify_nzone_rows;
extern const struct scn_verify_row scn_verify_link_rows[];
extern const unsigned scn_verify_nlink_rows;

#define VERIFY_ROWS_MAX 64
#define VERIFY_LINK_ROWS 4

/* What the world held for one zone over [sn_first, sn_last] (virtual ns). */
struct scn_snap {
    uint64_t sn_first, sn_last;         /* virtual ns */
    uint64_t sn_gen_first, sn_gen_last; /* engine generations (se_gen) */
    int32_t sn_zoneid;                  /* -1: not running */
    uint32_t sn_nics;
    uint64_t sn_have; /* bit i: scn_verify_zone_rows[i] exists */
    uint64_t sn_v[VERIFY_ROWS_MAX];
    uint64_t sn_nic[WORLD_NICS_MAX][VERIFY_LINK_ROWS];
    uint8_t sn_nic_have[WORLD_NICS_MAX]; /* bit j: link row j exists */
};

#define VERIFY_RING 6 /* records kept per zone, newest last */

/* scn_history_new() - an empty history; NULL with ENOMEM. */
struct scn_history *scn_history_new(void);
void scn_history_free(struct scn_history *h);

/* scn_history_record() - records zone zix's truth now. 0, or -1 ENOMEM. */
int scn_history_record(struct scn_engine *e, int zix);

/* A span of virtual time and of engine generations (both inclusive). */
struct scn_window {
    uint64_t w_t0, w_t1;
    uint64_t w_g0, w_g1;
};

/*
 * scn_history_find() - the records of zone zix (named name: a slot is reused
 * after a destroy) that were current at some point of window w, newest
 * first, at most max; returns how many. Pointers stay valid until the next
 * scn_history_record().
 */
int scn_history_find(struct scn_history *h, int zix, const char *name, const struct scn_window *w,
                     const struct scn_snap **out, int max);

/* scn_history_touch() - records zone zix again if it has records: called
 * after the engine changes it (state, load, caps), since an agent may read
 * the new state while earlier scrapes are in flight. 0, or -1 ENOMEM. */
int scn_history_touch(struct scn_engine *e, int zix);

/* scn_lua_open_verify() - adds sim.verify to the table on the stack top. */
void scn_lua_open_verify(lua_State *L, struct scn_engine *e);
/* scn_lua_open_zone() - adds sim.zone/fleet/zones to the table on top. */
void scn_lua_open_zone(lua_State *L, struct scn_engine *e);
/* scn_value_push() - pushes a world value as a Lua integer, number or string. */
void scn_value_push(lua_State *L, const world_value_t *v);

#endif /* CMON_SCN_VERIFY_H */
