/*
 * kreader - one kstat handle and an index of its chain.
 *
 * A kstat_ctl_t is not thread-safe, so a kreader is used by one thread at a
 * time (kpool.h hands them out). The index maps (module, instance) to the
 * chain's kstats, and link kstats named z<zoneid>_<nic> (the way Triton
 * names a zone's VNICs) to their zone, so a scrape never walks the chain.
 * kreader_sync() asks kstat_chain_update() whether the chain changed and
 * rebuilds the index only then: the cost of a walk is paid once per chain
 * change, not per scrape or per collector.
 */
#ifndef CMON_AGENT_KREADER_H
#define CMON_AGENT_KREADER_H

#include <kstat.h>
#include <stddef.h>

#include "selfstats.h"

typedef struct kreader kreader_t;

/* Most kstats whose data a reader holds between drops. */
#define KREADER_HELD 64

/* Least time between two unforced chain checks. */
#define KREADER_SYNC_MS 50

/*
 * kreader_open() - opens a kstat handle and indexes its chain. stats (may
 * be NULL) receives read errors and chain updates. NULL with errno set
 * (kstat_open's errno, or ENOMEM).
 */
kreader_t *kreader_open(selfstats_t *stats);

/*
 * kreader_source() - what the kstats are read from, to name in messages: on
 * Linux the fake kernel's world, $CMON_SIM_WORLD or its default path. The
 * agent reads that variable for this message only; the world itself it
 * knows through libkstat alone.
 */
const char *kreader_source(void);

/* kreader_close() - closes the handle and frees the index. NULL is fine. */
void kreader_close(kreader_t *kr);

/*
 * kreader_sync() - brings the chain up to date, re-indexing when its id
 * changed. Unless force is set, does nothing when the last sync is less than
 * KREADER_SYNC_MS old: under heavy churn the chain changes for nearly every
 * scrape, and one re-index per interval is enough (a zone the index does not
 * know yet makes the scrape force one). Returns 0 (current or not checked),
 * 1 (re-indexed), or -1 with errno set (the old index stays usable: reads of
 * removed kstats fail with ENXIO).
 */
int kreader_sync(kreader_t *kr, int force);

/*
 * kreader_find() - the kstat module:instance:name of the index; a NULL name
 * matches the first kstat of module:instance. NULL when there is none.
 */
kstat_t *kreader_find(kreader_t *kr, const char *module, int instance, const char *name);

/*
 * kreader_find_all() - stores up to cap kstats module:instance:* of the index
 * into out, in chain order; returns how many exist (may exceed cap). For
 * modules with several kstats an instance (zfs_metaslab_group: one per
 * top-level vdev of every pool, by vdev id).
 */
size_t kreader_find_all(kreader_t *kr, const char *module, int instance, kstat_t **out, size_t cap);

/*
 * kreader_prefetch() - asks the CPU to start loading the headers of every
 * kstat of instance (zone id) zid the index holds, module and link tables
 * both, and returns at once: the scrape that follows reads them one after
 * the other, and at 10,000 zones each is a likely cache miss; started
 * together, the misses overlap instead of queueing. Only a hint.
 */
void kreader_prefetch(const kreader_t *kr, int zid);

/*
 * kreader_links() - stores up to cap link kstats of zone zid into out, in
 * chain order; returns how many exist (may exceed cap).
 */
size_t kreader_links(kreader_t *kr, int zid, kstat_t **out, size_t cap);

/*
 * kreader_read() - kstat_read() of ksp into its own ks_data; counts a
 * failure by errno in the stats. 0, or -1 with kstat_read's errno. The data
 * stays valid until kreader_drop() (or the KREADER_HELD-th read after).
 */
int kreader_read(kreader_t *kr, kstat_t *ksp);

/*
 * kreader_drop() - frees the data of the kstats read since the last drop, so
 * that a handle holds headers only, not the data of every kstat it ever read
 * (10,000 zones' worth). kpool_give() calls it.
 */
void kreader_drop(kreader_t *kr);

/* kreader_chain_id() - the chain id the index was built from. */
kid_t kreader_chain_id(const kreader_t *kr);

/* kreader_ctl() - the underlying handle, for collectors that need more. */
kstat_ctl_t *kreader_ctl(kreader_t *kr);

#endif
