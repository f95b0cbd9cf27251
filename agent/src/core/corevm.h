/*
 * corevm - what the triton_core collector and the core-zone check need of
 * a VM's record, read from vminfod (`GET URL/vms/<uuid>`, on SmartOS
 * 127.0.0.1:9090; the original ran `vmadm get`): its admin IP, its
 * customer_metadata.metricPorts, and whether it is a core zone.
 *
 * One cache of whole records serves both users (the original kept the
 * core-zone check's partial record under the collector's key, so a zone
 * once judged without the header kept no admin IP for an hour: defect
 * D16). A record is asked again when the caller's zone id differs from the
 * one it was read with (a reboot, which is when NICs change), when it is
 * older than the caller's max age, after corevm_forget() (POST
 * /v1/refresh), and a failure (vminfod down, slow, an error status, not a
 * VM record) is remembered for COREVM_RETRY_S: never a request per scrape.
 * When vminfod gives no answer at all (down, hung), no zone asks it again
 * for COREVM_RETRY_S either: not a request per zone.
 *
 * Thread-safe; the request is made outside the lock.
 */
#ifndef CMON_AGENT_COREVM_H
#define CMON_AGENT_COREVM_H

#include <stddef.h>

#define COREVM_DEFAULT_URL "http://127.0.0.1:9090" /* SmartOS's vminfod */
#define COREVM_TIMEOUT_S 0.5                       /* the original's vminfod budget */
#define COREVM_RETRY_S 10.0
#define COREVM_BODY_MAX (1 << 20)
#define COREVM_IP_MAX 46
#define COREVM_PORTS_MAX 256

/* The parts of a record triton_core reads. */
typedef struct corevm_rec {
    int cr_core;                     /* tags.smartdc_role truthy and owner_uuid the admin's */
    char cr_admin_ip[COREVM_IP_MAX]; /* ip of the first admin NIC, "" when none */
    int cr_has_ports;                /* customer_metadata has metricPorts */
    char cr_ports[COREVM_PORTS_MAX]; /* its text when it is a string, else "" */
} corevm_rec_t;

/*
 * corevm_parse() - the record of a vminfod answer (len bytes of JSON), the
 * core-zone verdict judged against admin_uuid (NULL: never a core zone).
 * Admin NIC: the first of `nics` whose nic_tag matches
 * ^admin(_rack_[A-Z0-9_-]+)?$ ignoring case (the original's rule) and that
 * has a string ip. 0, or -1 with a one-line reason in err ("not JSON: ...",
 * "not a VM record: no uuid", "nics is not an array").
 */
int corevm_parse(const char *body, size_t len, const char *admin_uuid, corevm_rec_t *out, char *err,
                 size_t errlen);

/*
 * corevm_ports() - the ports of a metricPorts text: split on ',', each a
 * base-10 integer 1..65535 without blanks (the original refused anything
 * else: a hard failure). Their number (at most max), or -1 with the reason
 * in err.
 */
int corevm_ports(const char *text, unsigned *ports, int max, char *err, size_t errlen);

/* corevm_admin_tag() - 1 when tag is an admin NIC tag by the rule above. */
int corevm_admin_tag(const char *tag);

typedef struct corevm corevm_t;

/* corevm_new() - a cache asking url (copied), judging with admin_uuid (copied; NULL: none). */
corevm_t *corevm_new(const char *url, const char *admin_uuid);

/* corevm_free() - frees it (NULL is fine). */
void corevm_free(corevm_t *cv);

/* corevm_admin_uuid() - the admin uuid it judges with, or NULL. */
const char *corevm_admin_uuid(const corevm_t *cv);

/*
 * corevm_get() - the record of VM uuid into out: kept when read with zone
 * id zoneid (-1: any) at most max_age seconds ago, else asked of vminfod
 * now. 1 fresh, 0 kept, -1 when there is none (vminfod failed now or within
 * COREVM_RETRY_S; err says why, and the first failure is logged).
 */
int corevm_get(corevm_t *cv, const char *uuid, int zoneid, double max_age, corevm_rec_t *out,
               char *err, size_t errlen);

/*
 * corevm_kept() - corevm_get() without asking vminfod: 1 and the record in
 * out when one is kept as corevm_get() would use it, -1 when corevm_get()
 * would fail without asking (a failure remembered, vminfod silent), 0 when
 * it would ask.
 */
int corevm_kept(corevm_t *cv, const char *uuid, int zoneid, double max_age, corevm_rec_t *out);

/* corevm_forget() - drops every record and remembered failure. */
void corevm_forget(corevm_t *cv);

/* corevm_requests() - requests made to vminfod so far. */
unsigned long corevm_requests(const corevm_t *cv);

#endif /* CMON_AGENT_COREVM_H */
