/*
 * vminfo - the NICs of each VM, from vminfod (`GET URL/vms/<uuid>`, field
 * `nics`), as the link collector labels them: interface, nic_tag,
 * network_uuid. On SmartOS vminfod listens on 127.0.0.1:9090.
 *
 * No request per scrape: a zone's NIC list is kept until its links change
 * (the caller's signature of the link kstats: a reboot gives new KIDs and
 * a new zone id, a NIC added at boot a new kstat) or for VMINFO_TTL_S, the
 * original's VM-info cache (NICs change on SmartOS only with a reboot).
 *
 * Failures never change labels (defect D14 of the original): when vminfod
 * is down, slow (past the timeout), answers an error or something that is
 * not a VM record, the last good NIC list of the zone is served (stale)
 * and the failure logged; without one, vminfo_get() fails and the link
 * collector says available 0. After a failure the zone is not asked again
 * for VMINFO_RETRY_S, doubled for each failure in a row (up to 64 times);
 * after vminfod did not answer at all or answered 5xx, no zone is asked
 * for VMINFO_RETRY_S.
 *
 * Thread-safe: scrapes call it from any thread; requests to vminfod go one
 * at a time over one kept-alive connection, outside the cache's lock, and
 * one waiting its turn is dropped when the one before got no answer. The
 * tags, networks and interface names are interned: a zone costs about
 * 100 bytes plus 24 a NIC.
 */
#ifndef CMON_AGENT_VMINFO_H
#define CMON_AGENT_VMINFO_H

#include <stddef.h>
#include <stdint.h>

#define VMINFO_DEFAULT_URL "http://127.0.0.1:9090"
#define VMINFO_TIMEOUT_S 0.5 /* the original's */
#define VMINFO_TTL_S 3600.0  /* the original's VM-info cache */
#define VMINFO_RETRY_S 10.0
#define VMINFO_NICS_MAX 32
#define VMINFO_STR_MAX 64 /* a label value vminfod gives, NUL included (UUIDs: 36) */
#define VMINFO_BODY_MAX (1 << 20)

/* One NIC: "" for a field the record lacks (interface is never ""). */
typedef struct vminfo_nic {
    char vn_interface[VMINFO_STR_MAX];
    char vn_nic_tag[VMINFO_STR_MAX];
    char vn_network_uuid[VMINFO_STR_MAX];
} vminfo_nic_t;

typedef struct vminfo_nics {
    size_t vs_count;
    vminfo_nic_t vs_nics[VMINFO_NICS_MAX];
} vminfo_nics_t;

/*
 * vminfo_parse() - the NICs of a vminfod answer (len bytes of JSON). A VM
 * record must be an object whose `nics` is an array of objects, each with
 * a string `interface`; `nic_tag` and `network_uuid`, when present, must be
 * strings. Strings longer than VMINFO_STR_MAX - 1 bytes or more than
 * VMINFO_NICS_MAX NICs are refused. 0, or -1 with a one-line reason in err
 * ("not JSON: ... at line 1 column 5", "nics[1] has no interface").
 */
int vminfo_parse(const char *body, size_t len, vminfo_nics_t *out, char *err, size_t errlen);

/* vminfo_find() - the first NIC whose interface is ifname, or NULL (as the original). */
const vminfo_nic_t *vminfo_find(const vminfo_nics_t *nics, const char *ifname);

typedef struct vminfo vminfo_t;

/*
 * vminfo_new() - a cache asking url (copied; trailing '/' dropped), keeping
 * a NIC list ttl_s and waiting retry_s after a failure (0: VMINFO_TTL_S,
 * VMINFO_RETRY_S; tests shorten them). NULL (ENOMEM).
 */
vminfo_t *vminfo_new(const char *url, double ttl_s, double retry_s);

/* vminfo_free() - frees the cache (NULL is fine). */
void vminfo_free(vminfo_t *vi);

/* Outcomes of vminfo_get(). */
#define VMINFO_FRESH 0  /* fetched now */
#define VMINFO_CACHED 1 /* kept from an earlier fetch for the same links */
#define VMINFO_STALE 2  /* the last good list, vminfod failing (logged) */

/*
 * vminfo_get() - the NICs of VM uuid whose link kstats have signature sig,
 * into out. Returns VMINFO_FRESH, _CACHED or _STALE, or -1 (EIO: no good
 * list and vminfod failed, or is waited out after a failure; logged when it
 * was asked).
 */
int vminfo_get(vminfo_t *vi, const char *uuid, uint64_t sig, vminfo_nics_t *out);

/* vminfo_requests() - requests made to vminfod so far (for tests and figures). */
unsigned long vminfo_requests(const vminfo_t *vi);

#endif /* CMON_AGENT_VMINFO_H */
