/*
 * vminfo - the agent's one client of vminfod (`GET URL/vms/<uuid>`; on
 * SmartOS it listens on 127.0.0.1:9090) and its one cache of VM records
 * (vmrec.h), for every user: the link collector's labels (each VM's NICs)
 * and triton_core with the header-absent core-zone check (a core zone's
 * admin IP, metricPorts, role and owner). A new zone costs one request
 * however many of them need its record.
 *
 * No request per scrape. A record is kept for the boot of the zone it was
 * read in (the caller's zone id; for the link collector also a signature
 * of its link kstats: a NIC added at boot is a new kstat) and at most
 * VMINFO_TTL_S (the original's VM-info cache; NICs change on SmartOS only
 * with a reboot). triton_core asks a record again when it is older than
 * its own bound (60 s) and after vminfo_forget() (POST /v1/refresh), and
 * reads once more a record that says "no core zone" of a zone the scrape's
 * header says is one (the role tag may be newer than the record: D16).
 *
 * Failures never change labels (defect D14 of the original): when vminfod
 * is down, slow (past the timeout, kept by a kernel timer so that it holds
 * under a frozen clock), answers an error or something that is not a VM
 * record, the link collector gets the VM's last good NICs (stale) and
 * without one fails (available 0); triton_core gets nothing (available 0).
 * After a failure the VM is not asked again for VMINFO_RETRY_S, doubled
 * for each failure in a row (up to 64 times); after vminfod did not answer
 * at all or answered 5xx, no VM is asked for VMINFO_RETRY_S. A failure is
 * logged at warn at most once per VMINFO_RETRY_S (vminfod down at 10,000
 * zones is one line, not one per zone), the others at debug.
 *
 * Thread-safe: scrapes call it from any thread; requests go one at a time
 * over one kept-alive connection, outside the cache's lock, and one waiting
 * its turn is dropped when the one before got no answer. The tags,
 * networks and interface names are interned and the core parts kept only
 * for records with a smartdc_role tag or metricPorts: a zone costs about
 * 100 bytes plus 24 a NIC.
 */
#ifndef CMON_AGENT_VMINFO_H
#define CMON_AGENT_VMINFO_H

#include <stddef.h>
#include <stdint.h>

#include "vmrec.h"

#define VMINFO_DEFAULT_URL "http://127.0.0.1:9090"
#define VMINFO_TIMEOUT_S 0.5 /* the original's */
#define VMINFO_TTL_S 3600.0  /* the original's VM-info cache */
#define VMINFO_RETRY_S 10.0
#define VMINFO_BODY_MAX (1 << 20)

typedef struct vminfo vminfo_t;

/*
 * vminfo_new() - a cache asking url (copied; trailing '/' dropped), judging
 * core zones with admin_uuid (copied; NULL: none is one), keeping a record
 * ttl_s and waiting retry_s after a failure (0: VMINFO_TTL_S,
 * VMINFO_RETRY_S; tests shorten them). NULL (ENOMEM).
 */
vminfo_t *vminfo_new(const char *url, const char *admin_uuid, double ttl_s, double retry_s);

/* vminfo_free() - frees the cache (NULL is fine). */
void vminfo_free(vminfo_t *vi);

/* vminfo_admin_uuid() - the admin uuid core zones are judged with, or NULL. */
const char *vminfo_admin_uuid(const vminfo_t *vi);

/* Outcomes of vminfo_get() and vminfo_core(). */
#define VMINFO_FRESH 0  /* fetched now */
#define VMINFO_CACHED 1 /* kept from an earlier fetch */
#define VMINFO_STALE 2  /* the last good list, vminfod failing (vminfo_get() only) */

/*
 * vminfo_get() - the NICs of VM uuid, running as zone id zoneid with link
 * kstats of signature sig (not 0), into out. Returns VMINFO_FRESH, _CACHED
 * or _STALE, or -1 (EIO: no good list and vminfod failed, or is waited out
 * after a failure; logged when it was asked).
 */
int vminfo_get(vminfo_t *vi, const char *uuid, int zoneid, uint64_t sig, vminfo_nics_t *out);

/*
 * vminfo_prepare() - makes sure VM uuid's record of boot zoneid is kept,
 * asking vminfod when it is not (and the VM is not waited out): what a
 * scrape calls before it takes a kstat handle, so that the link collector
 * never waits on vminfod while holding one. vminfo_get()'s outcomes.
 */
int vminfo_prepare(vminfo_t *vi, const char *uuid, int zoneid);

/*
 * vminfo_get_kept() - vminfo_get() without asking vminfod: the NICs kept
 * (VMINFO_CACHED), the last good ones when they are of another boot or other
 * links (VMINFO_STALE), or -1 (EIO) when none was ever read.
 */
int vminfo_get_kept(vminfo_t *vi, const char *uuid, int zoneid, uint64_t sig, vminfo_nics_t *out);

/*
 * vminfo_core() - the core parts of VM uuid's record into out, read in its
 * boot zoneid at most max_age seconds ago; claimed: the scrape's header
 * says uuid is a core zone (a kept record saying otherwise is read again,
 * once). VMINFO_FRESH or VMINFO_CACHED, or -1 (EIO: vminfod failed now or
 * is waited out; logged when it was asked).
 */
int vminfo_core(vminfo_t *vi, const char *uuid, int zoneid, double max_age, int claimed,
                vminfo_core_t *out);

/*
 * vminfo_core_kept() - vminfo_core() of any boot, without asking vminfod:
 * 1 and the parts in out when a record is kept as vminfo_core() would use
 * it, -1 when vminfo_core() would fail without asking (the VM or vminfod
 * waited out), 0 when it would ask.
 */
int vminfo_core_kept(vminfo_t *vi, const char *uuid, double max_age, vminfo_core_t *out);

/*
 * vminfo_forget() - POST /v1/refresh: triton_core and the core-zone check
 * ask every record again, and no failure is waited out any more. The link
 * labels keep theirs (they change with a reboot only; a refresh must not
 * cost a request per zone), and the forgotten records stay their fallback
 * through failures.
 */
void vminfo_forget(vminfo_t *vi);

/*
 * vminfo_sweep() - drops the records of VMs that are gone: not running now
 * (zonelist_running(): destroyed or halted) or not asked for in a TTL. The
 * cache does it itself after VMINFO_SWEEP_EVERY new records or a minute,
 * so that it holds the running VMs and those of the last minute, however
 * many came and went (issue 15, item 6); tests call it to see it now.
 */
void vminfo_sweep(vminfo_t *vi);

/* vminfo_size() - the records kept (failed and pending ones included). */
size_t vminfo_size(vminfo_t *vi);

/* vminfo_requests() - requests made to vminfod so far (for tests and figures). */
unsigned long vminfo_requests(const vminfo_t *vi);

#endif /* CMON_AGENT_VMINFO_H */
