/*
 * tcore - the triton_core collector (reference 2.9): a Triton core zone's
 * own service metrics, scraped over HTTP from its admin IP on each port of
 * its customer_metadata.metricPorts and served in the zone's answer, after
 * tcp and before zfs; and the core-zone check of a scrape that comes
 * without x-joyent-cmon-opts (reference 1.4 step 2).
 *
 * Per core zone and answer: the VM record (vminfo.h, the agent's one cache
 * of vminfod's records: kept, asked again after a reboot or
 * TCORE_VM_MAX_AGE_S), then GET
 * http://<admin ip>:<port>/metrics of every port at once, all within the
 * timeout (tcore_opts_t; defect D16 of the original, which had none: a hung
 * port stalled the answer). Each port's text is read by coretext.h; a port
 * that does not answer, answers another status than 200 or serves text the
 * original refused (a summary, an untyped family, a sample before any TYPE,
 * a bad name) is dropped with a log line and the other ports are served —
 * the original failed the whole collector, and five such answers silenced
 * triton_core for every zone (D10). The same family from several ports is
 * one group (D3). The result is kept TCORE_TTL_S (or the text's
 * "# OPTION ttl N"), available or not, as the original's.
 */
#ifndef CMON_AGENT_TCORE_H
#define CMON_AGENT_TCORE_H

#include "famset.h"

#define TCORE_TTL_S 5.0              /* the original's */
#define TCORE_TIMEOUT_S_DEFAULT 1.0  /* all ports of one zone, together */
#define TCORE_VM_MAX_AGE_S 60.0      /* a core zone's record, at most */
#define TCORE_CHECK_MAX_AGE_S 3600.0 /* the core-zone check's, as the original's VM cache */
#define TCORE_BODY_MAX (4 << 20)     /* one port's text */
#define TCORE_PORTS_MAX 16

typedef struct tcore_opts {
    const char *to_admin_uuid; /* --admin-uuid (NULL: the check finds no core zone); the
                                  agent's vminfo cache judges with it */
    double to_timeout_s;       /* --core-timeout */
} tcore_opts_t;

typedef struct tcore tcore_t;

struct vminfo;

/*
 * tcore_new() - the collector's state, reading VM records from vms (the
 * agent's vminfo cache, shared; NULL: no record, triton_core unavailable
 * and no core zone found). NULL with ENOMEM.
 */
tcore_t *tcore_new(const tcore_opts_t *o, struct vminfo *vms);

/* tcore_free() - frees it (NULL is fine). */
void tcore_free(tcore_t *tc);

/*
 * tcore_collect() - the triton_core block of core zone uuid into fs: the
 * meta metrics, then the families of its ports. 0, or -1 (ENOMEM).
 */
int tcore_collect(tcore_t *tc, const char *uuid, famset_t *fs);

/*
 * tcore_is_core() - the core-zone check without the header: the zone's
 * record says tags.smartdc_role and an owner_uuid equal to the admin uuid.
 * 0 without an admin uuid (no request), for a zone that is not running (no
 * request), or when vminfod fails (logged).
 */
int tcore_is_core(tcore_t *tc, const char *uuid);

/*
 * tcore_agent_family() - 1 when name is a family the agent itself serves in
 * an instance scrape: a row of a per-instance collector (either spelling,
 * cmon or prometheus), a collector's meta family (x_metrics_available_boolean,
 * _cached_boolean, _timer_seconds, triton_core's own included), or a name of
 * the plugin_ or zfs_ families, whose names are made at run time. A metric
 * port serving one is dropped: famset_merge() would put its samples into the
 * agent's family (a duplicate series, a counter in a gauge family).
 */
int tcore_agent_family(const char *name);

/* tcore_forget() - triton_core and the check ask every VM record again (POST /v1/refresh). */
void tcore_forget(tcore_t *tc);

#endif /* CMON_AGENT_TCORE_H */
