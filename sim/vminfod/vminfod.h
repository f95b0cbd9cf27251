/*
 * vminfod.h - the fake vminfod: SmartOS's VM information service, which
 * answers each VM's record as JSON over HTTP (on SmartOS 127.0.0.1:9090;
 * cmon-agent reads `nics` from it). Here the records are the world's
 * (world_vm.h), served by the process that writes the world (`cmon-sim
 * serve`, the scenario engine), with libmicrohttpd, one thread per
 * connection so that a slow answer holds no other.
 *
 *   GET /vms/<uuid>   200 and the record (vmjson_record()), or 404
 *                     {"message":"vm <uuid> not found"}
 *   GET /vms          200 and the list of every zone's record (not the
 *                     global zone's)
 *   anything else     404; another method 405
 *
 * Faults for bad-input tests, for every VM or one (vminfod_fault_t): down
 * (the port closed: connections are refused), slow (each answer held for
 * a delay), garbage (200 with a body that is not JSON), error (500),
 * notfound (404 for a VM that exists).
 *
 * Errors: NULL or -1 with a one-line message in err, lowercase.
 */
#ifndef CMON_VMINFOD_H
#define CMON_VMINFOD_H

#include <stddef.h>
#include <sys/socket.h>

#include <jansson.h>

#include "world.h"
#include "world_vm.h"

#define VMINFOD_DEFAULT_ADDR "127.0.0.1:9090" /* the original's */

typedef struct vminfod vminfod_t;

typedef enum vminfod_mode {
    VMINFOD_OK = 0,
    VMINFOD_DOWN,
    VMINFOD_SLOW,
    VMINFOD_GARBAGE,
    VMINFOD_ERROR,
    VMINFOD_NOTFOUND
} vminfod_mode_t;

typedef struct vminfod_fault {
    vminfod_mode_t vf_mode;
    unsigned vf_delay_ms;         /* VMINFOD_SLOW: real milliseconds */
    char vf_uuid[WORLD_NAME_MAX]; /* "" every VM, else only this one (not /vms) */
} vminfod_fault_t;

/*
 * vminfod_start() - serves w's records on addr (addrlen bytes; port 0 picks
 * a free one). w stays the caller's and must outlive the server; it may be
 * the writer's handle (reads take the reader protocol). NULL with the
 * reason in err ("cannot listen on 127.0.0.1:9090: Address already in use").
 */
vminfod_t *vminfod_start(const world_t *w, const struct sockaddr *addr, socklen_t addrlen,
                         char *err, size_t errlen);

/* vminfod_url() - "http://ADDR:PORT" of the server, the port it got (owned by v). */
const char *vminfod_url(const vminfod_t *v);

/*
 * vminfod_set_fault() - the fault from now on (VMINFOD_OK clears it). DOWN
 * closes the port; leaving DOWN opens it again on the same port. -1 with
 * the reason in err when the port cannot be taken again.
 */
int vminfod_set_fault(vminfod_t *v, const vminfod_fault_t *f, char *err, size_t errlen);

/* vminfod_requests() - GET /vms/<uuid> requests answered so far (any status). */
unsigned long vminfod_requests(const vminfod_t *v);

/* vminfod_stop() - closes the port, waits for the answers in flight, frees v (NULL ok). */
void vminfod_stop(vminfod_t *v);

/* ---- the record as JSON (vmjson.c) ------------------------------------- */

/*
 * vmjson_record() - the record as vmadm prints it: uuid, alias (when set),
 * owner_uuid, brand, zonename, zone_state, state ("running" / "stopped"),
 * tags, customer_metadata, nics (each: interface, mac, nic_tag,
 * network_uuid, ip, and primary when true; a field the record lacks is left
 * out). A new reference, NULL on ENOMEM.
 */
json_t *vmjson_record(const world_vm_t *vm);

/*
 * vmjson_object_text() - checks that text is a JSON object (of strings
 * only, if strings_only) and writes it compactly into out (outlen bytes).
 * Returns 0, or -1 with the reason in err ("not a JSON object", "key 'x'
 * is not a string", "longer than 1023 bytes").
 */
int vmjson_object_text(const json_t *obj, int strings_only, char *out, size_t outlen, char *err,
                       size_t errlen);

#endif /* CMON_VMINFOD_H */
