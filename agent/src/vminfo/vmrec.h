/*
 * vmrec - what the agent reads of a vminfod VM record (`GET URL/vms/<uuid>`,
 * jansson): the NICs the link collector labels its samples with
 * (interface, nic_tag, network_uuid) and the parts triton_core and the
 * header-absent core-zone check need (tags.smartdc_role, owner_uuid,
 * customer_metadata.metricPorts, the admin NIC's ip). One parser for both:
 * vminfo.h keeps one record per VM for every user.
 */
#ifndef CMON_AGENT_VMREC_H
#define CMON_AGENT_VMREC_H

#include <stddef.h>

#define VMINFO_NICS_MAX 32
#define VMINFO_STR_MAX 64 /* a label value vminfod gives, NUL included (UUIDs: 36) */
#define VMINFO_IP_MAX 46  /* an IPv6 address, NUL included */
#define VMINFO_PORTS_MAX 256

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

/* The parts of a record triton_core and the core-zone check read. */
typedef struct vminfo_core {
    int vc_role;                     /* tags.smartdc_role truthy (JavaScript's sense) */
    int vc_core;                     /* that, and owner_uuid the admin's: a core zone */
    char vc_admin_ip[VMINFO_IP_MAX]; /* ip of the first admin NIC, "" when none */
    int vc_has_ports;                /* customer_metadata has a non-null metricPorts */
    char vc_ports[VMINFO_PORTS_MAX]; /* its text when it is a string, else "" */
} vminfo_core_t;

typedef struct vminfo_rec {
    vminfo_nics_t vr_nics;
    vminfo_core_t vr_core;
} vminfo_rec_t;

/*
 * vminfo_parse() - the record of a vminfod answer (len bytes of JSON), the
 * core-zone verdict judged against admin_uuid (NULL: never a core zone). A
 * VM record must be an object whose `nics` is an array of objects, each
 * with a string `interface`; `nic_tag` and `network_uuid`, when present,
 * must be strings (jansson refuses JSON that is not UTF-8, \u0000 and lone
 * surrogates: they become label values). Strings longer than VMINFO_STR_MAX - 1 bytes or more
 * than VMINFO_NICS_MAX NICs are refused. Admin NIC: the first whose nic_tag
 * is an admin tag (vminfo_admin_tag()) and that has a string ip (others are
 * skipped, as the original); when that ip is no IPv4 or IPv6 address
 * literal, no admin IP (logged). 0, or -1 with a one-line reason in err ("not
 * JSON: ... at line 1 column 5", "nics[1] has no interface").
 */
int vminfo_parse(const char *body, size_t len, const char *admin_uuid, vminfo_rec_t *out, char *err,
                 size_t errlen);

/* vminfo_find() - the first NIC whose interface is ifname, or NULL (as the original). */
const vminfo_nic_t *vminfo_find(const vminfo_nics_t *nics, const char *ifname);

/* vminfo_admin_tag() - 1 when tag matches ^admin(_rack_[A-Z0-9_-]+)?$ ignoring case (the original's
 * rule). */
int vminfo_admin_tag(const char *tag);

/*
 * vminfo_ports() - the ports of a metricPorts text: split on ',', each a
 * base-10 integer 1..65535 without blanks (the original refused anything
 * else: a hard failure). Their number (at most max), or -1 with the reason
 * in err.
 */
int vminfo_ports(const char *text, unsigned *ports, int max, char *err, size_t errlen);

#endif /* CMON_AGENT_VMREC_H */
