/*
 * world_vm.h - the VM record of every zone: what `vmadm get` and vminfod
 * (`GET /vms/<uuid>`) answer on SmartOS, the platform service the agent
 * reads NIC tags and networks from.
 *
 * A record is made of the zone itself (uuid = zonename, alias, brand, state)
 * and of parts the zone does not have: owner_uuid, tags, customer_metadata
 * and the NICs. Those parts are derived from the seed and the zone's
 * creation number until a writer sets them, so a world of 10,000 zones that
 * nobody customises stores nothing for them (their pages are never touched).
 * A part that is set is kept in the world file (one fixed-size record per
 * zone slot, under its own sequence counter) and belongs to that zone only:
 * a zone created later in the same slot starts from the derived parts again.
 *
 * Bounds (NUL included): tags and customer_metadata are compact JSON texts of
 * at most WORLD_VM_JSON_MAX bytes each (the caller encodes and validates them:
 * the world library does not parse JSON); a NIC's strings as the macros
 * below. A value too long is refused with E2BIG and nothing changes.
 *
 * Writers: the world's writer only (EPERM otherwise). Readers: any process;
 * world_vm_get() returns a consistent copy.
 *
 * Errors: 0 on success, -1 with errno set; on failure nothing is changed.
 */
#ifndef CMON_WORLD_VM_H
#define CMON_WORLD_VM_H

#include <stdint.h>

#include "world.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WORLD_VM_UUID_MAX 37    /* a UUID: 36 characters */
#define WORLD_VM_IFNAME_MAX 16  /* "net0": illumos link names are short */
#define WORLD_VM_NIC_TAG_MAX 32 /* "external", "admin", "sdc_overlay/1234" */
#define WORLD_VM_IP_MAX 46      /* INET6_ADDRSTRLEN */
#define WORLD_VM_MAC_MAX 18     /* "90:b8:d0:12:34:56" */
#define WORLD_VM_JSON_MAX 1024  /* tags, customer_metadata: compact JSON text */
#define WORLD_VM_STATE_MAX 16   /* "running", "installed" */
#define WORLD_OWNERS_MAX 24     /* accounts a data center spreads its zones over */
#define WORLD_VM_GROUPS_TAG "triton.cmon.groups"

/* One NIC as vmadm lists it. An empty string is a field the record lacks. */
typedef struct world_nic {
    char wn_interface[WORLD_VM_IFNAME_MAX];
    char wn_nic_tag[WORLD_VM_NIC_TAG_MAX];
    char wn_network_uuid[WORLD_VM_UUID_MAX];
    char wn_ip[WORLD_VM_IP_MAX];
    char wn_mac[WORLD_VM_MAC_MAX];
    uint8_t wn_primary; /* 1: the primary NIC */
} world_nic_t;

/* A whole VM record (a plain value: copy freely). */
typedef struct world_vm {
    char wvm_uuid[WORLD_NAME_MAX]; /* the zonename */
    char wvm_alias[WORLD_NAME_MAX];
    char wvm_brand[WORLD_BRAND_MAX];
    char wvm_zone_state[WORLD_VM_STATE_MAX]; /* "running" or "installed" */
    char wvm_owner_uuid[WORLD_VM_UUID_MAX];
    char wvm_tags[WORLD_VM_JSON_MAX];              /* a JSON object, "{}" when none */
    char wvm_customer_metadata[WORLD_VM_JSON_MAX]; /* a JSON object of strings */
    uint32_t wvm_nnics;
    world_nic_t wvm_nics[WORLD_NICS_MAX];
} world_vm_t;

/* The parts a writer may set; each flag says the stored value replaces the derived one. */
enum world_vm_part {
    WORLD_VM_OWNER = 0x1,
    WORLD_VM_TAGS = 0x2,
    WORLD_VM_METADATA = 0x4,
    WORLD_VM_NICS = 0x8
};

/*
 * world_vm_get() - the record of zone zix now (any state but free): derived
 * parts computed, set parts copied under the record's sequence counter.
 * -1 EINVAL for a free or out-of-range slot.
 */
int world_vm_get(const world_t *w, int zix, world_vm_t *out);

/*
 * world_vm_default_nic() - NIC i (0-based) of zone zix as derived from the
 * seed and the zone's creation number (the record's NICs until set):
 * interface "net<i>", net0 the primary one on tag "external", the others on
 * "internal", one of the node's networks for that tag, an address in it and
 * a MAC. -1 EINVAL for a free slot or i >= WORLD_NICS_MAX.
 */
int world_vm_default_nic(const world_t *w, int zix, uint32_t i, world_nic_t *out);

/*
 * world_vm_set_owner() / _set_tags() / _set_metadata() - replace one part
 * of zone zix's record. owner a UUID-shaped string (36 characters of hex and
 * dashes; EINVAL otherwise); tags and metadata JSON texts the caller has
 * checked (E2BIG at WORLD_VM_JSON_MAX bytes and more). NULL puts the derived
 * part back.
 */
int world_vm_set_owner(world_t *w, int zix, const char *owner);
int world_vm_set_tags(world_t *w, int zix, const char *json);
int world_vm_set_metadata(world_t *w, int zix, const char *json);

/*
 * world_vm_set_nics() - replaces the record's NICs with nics[0..n) (n up to
 * WORLD_NICS_MAX; E2BIG past it). Each string must fit its field with its
 * NUL (E2BIG otherwise); interface must not be empty (EINVAL). The zone's
 * link kstats do not change: as on SmartOS, they follow the NICs at the
 * next boot only (and the world keeps one kstat per NIC it was created
 * with). nics NULL puts the derived NICs back.
 */
int world_vm_set_nics(world_t *w, int zix, const world_nic_t *nics, uint32_t n);

/*
 * world_owners_set() - makes the world a node of a Triton data center whose
 * accounts the caller (its writer) names: the derived owner of a zone becomes
 * owners[serial % n] (serial: the zone's creation number), world_admin_uuid()
 * becomes admin (when not NULL: the owner of core zones), and the derived tags
 * of some zones gain WORLD_VM_GROUPS_TAG ("web,prod", "db", ...: Triton CMON's
 * groups, drawn from the seed). Call it before readers open the world (the
 * header is not under a sequence counter). n 1..WORLD_OWNERS_MAX (E2BIG past
 * it, EINVAL for 0), each a UUID (EINVAL otherwise); EPERM not the writer.
 */
int world_owners_set(world_t *w, const char *const *owners, size_t n, const char *admin);

/* world_vm_parts() - the WORLD_VM_* parts set on zone zix (0: all derived; -1 EINVAL). */
int world_vm_parts(const world_t *w, int zix);

#ifdef __cplusplus
}
#endif

#endif /* CMON_WORLD_VM_H */
