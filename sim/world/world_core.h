/*
 * world_core.h - Triton core zones in the world: zones that run the data
 * center's own services (cloudapi, vmapi, ...) and serve their service
 * metrics on the ports of customer_metadata.metricPorts, at the IP of their
 * admin NIC, where cmon-agent's triton_core collector scrapes them.
 *
 * A core zone is a VM record (world_vm.h) with three marks: the tag
 * smartdc_role, the data center's admin account as owner_uuid, and a NIC
 * whose nic_tag is "admin". The admin account's UUID is derived from the
 * world's seed (world_admin_uuid()): no zone the seed derives is owned by
 * it, so a world has no core zone until a writer makes one.
 *
 * The service metrics a core zone's port serves are a function of the
 * world's seed, the zone, the port and virtual time (world_core_text()):
 * request counters that grow with time, a latency histogram, a memory gauge,
 * each sample labelled with the service and the port, so two ports of one
 * zone serve the same families with different series.
 *
 * Errors: 0 on success, -1 with errno set; on failure nothing is changed.
 */
#ifndef CMON_WORLD_CORE_H
#define CMON_WORLD_CORE_H

#include <stddef.h>

#include "world.h"
#include "world_vm.h"

#define WORLD_CORE_ROLE_MAX 32 /* "cloudapi", "cns", "sdc": short names */
#define WORLD_CORE_PORTS_MAX 8

/* world_admin_uuid() - the data center's admin account (ufds_admin_uuid) into out. */
void world_admin_uuid(const world_t *w, char out[WORLD_VM_UUID_MAX]);

/*
 * world_core_set() - makes zone zix a core zone of role (a name of
 * [a-z0-9_-], 1..WORLD_CORE_ROLE_MAX-1 bytes; EINVAL otherwise): owner the
 * admin account, tags {"smartdc_role":role}, customer_metadata
 * {"metricPorts":"P1,P2"} from ports[0..n) (1..WORLD_CORE_PORTS_MAX ports;
 * E2BIG past it, EINVAL for port 0 or n 0; n 0 with ports NULL leaves the
 * metricPorts out), NICs net0 on tag "admin" with admin_ip and net1 the
 * zone's derived primary NIC. Writer only (EPERM).
 */
int world_core_set(world_t *w, int zix, const char *role, const char *admin_ip,
                   const unsigned *ports, size_t n);

/*
 * world_core_text() - the text (Prometheus 0.0.4) zone zix's service serves
 * on port now, into buf (len bytes, NUL-terminated). Returns its length, or
 * -1 (EINVAL a free slot; ENOSPC buf too small).
 */
int world_core_text(const world_t *w, int zix, const char *role, unsigned port, char *buf,
                    size_t len);

#endif /* CMON_WORLD_CORE_H */
