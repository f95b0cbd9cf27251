/*
 * world_shm.h - the layout of a world file and the reader protocol over it.
 * Private to sim/: the world library, the fake libkstat and the zone calls.
 *
 * The file is one mapping:
 *   [wshm_hdr_t][wshm_global_t][wshm_zone_t x zone_slots][wshm_kslot_t x kstat_slots]
 *   [int32 zoneid map][int32 name hash][wshm_vm_t x zone_slots]
 * All offsets are in the header; a reader checks magic, version, header size
 * and file size before it trusts any of them.
 *
 * Concurrency: one writer, readers in any process, seqlocks only (readers
 * never write). Three kinds of sequence counters, odd while the writer is
 * inside:
 *   wh_chain_seq   the kstat chain (slot list, KIDs, chain id) and the kstat
 *                  headers;
 *   wh_zones_seq   the zone table as the zone calls see it (states, zoneids,
 *                  names, the id map and the name hash);
 *   wz_seq / wg_seq  one zone's (the global state's) counters.
 * A kstat read copies the owner zone under its wz_seq and checks, inside
 * the same critical section, that the slot still carries the KID the reader
 * holds: KIDs are never reused, so a mismatch means the kstat is gone (ENXIO),
 * never stale data.
 */
#ifndef CMON_WORLD_SHM_H
#define CMON_WORLD_SHM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kstat.h"
#include "world.h"
#include "world_vm.h"
#include "world_zfs.h"

#define WORLD_MAGIC 0x444c524f574e4f4dULL /* "MONWORLD" read as little-endian bytes */
#define WORLD_VERSION 4

#define WZ_KS_MAX 24 /* kstats of one zone: 10 + WORLD_NICS_MAX, with room */
#define WSHM_NAME_TOMB (-1)
#define WORLD_MSLAB_MAX 16  /* metaslab groups of the node (world_node.h) */
#define WORLD_ARC_RENAMES 4 /* arcstats records shown under another name */
#define WORLD_NODE_LINKS 2  /* physical NICs of the global zone: ixgbe0, ixgbe1 */

/* What a kstat slot renders: the ks_update function of the simulated kernel. */
typedef enum wkind {
    WK_ZONE_MISC = 1,
    WK_MEMCAP,
    WK_CPUCAPS,
    WK_LOCKEDMEM,
    WK_SWAPRESV,
    WK_NPROCS,
    WK_ZONE_VFS,
    WK_ZONE_ZFS,
    WK_TCP,
    WK_LINK, /* wk_arg: NIC index */
    WK_SYSMISC,
    WK_CPU_SYS,  /* wk_arg: CPU */
    WK_CPU_INFO, /* wk_arg: CPU */
    WK_ARCSTATS,
    WK_METASLAB,  /* wk_arg: metaslab group index (wn_mslab) */
    WK_PHYSMEM,   /* caps:<zid>:physicalmem_zone_<zid> */
    WK_NODE_LINK, /* wk_arg: physical NIC of the node (wn_link) */
    WK_NKINDS
} wkind_t;

/* A counter integrated over virtual time: whole units and the fraction carried. */
typedef struct wctr {
    uint64_t c_v;
    double c_f;
} wctr_t;

/* One zone's counters since its last boot (all integrated by world_time_advance). */
typedef struct wshm_ctr {
    wctr_t nsec_user, nsec_sys, nsec_waitrq;
    wctr_t cap_above_ns, cap_below_ns, cap_above_base_ns, cap_burst_ns;
    wctr_t nover, pagedout, pgpgin, anon_alloc_fail;
    wctr_t vfs_nread, vfs_nwritten, vfs_rtime, vfs_rlentime, vfs_wtime, vfs_wlentime;
    wctr_t vfs_10ms, vfs_100ms, vfs_1s;
    wctr_t forks;
    wctr_t rbytes[WORLD_NICS_MAX], obytes[WORLD_NICS_MAX];
    uint64_t cap_usage, cap_maxusage, cap_nwait; /* gauges: percent, percent, threads */
    uint64_t rss, swap, nprocs, lockedmem;       /* gauges */
    uint32_t avenrun[3];                         /* gauges, fixed point << 8 */
    uint32_t pad;
} wshm_ctr_t;

typedef struct wshm_zone {
    _Atomic uint32_t wz_seq;
    uint32_t wz_state;  /* world_zstate_t */
    int32_t wz_zoneid;  /* -1 unless running */
    uint32_t wz_serial; /* creation number: the UUID and per-zone constants derive from it */
    int32_t wz_next_free;
    uint32_t wz_nics;
    uint32_t wz_cpu_cap;
    uint32_t wz_nks; /* kstat slots in wz_ks */
    int32_t wz_ks[WZ_KS_MAX];
    char wz_name[WORLD_NAME_MAX];
    char wz_alias[WORLD_NAME_MAX];
    char wz_brand[WORLD_BRAND_MAX];
    uint64_t wz_mem_cap, wz_swap_cap, wz_quota;
    world_load_t wz_load;
    uint64_t wz_boot_ns;           /* virtual time of the last boot */
    uint64_t wz_snap_ns;           /* virtual time the counters stand at */
    uint32_t wz_pkt_rx, wz_pkt_tx; /* mean packet sizes, bytes (from the seed) */
    uint32_t wz_iosize, wz_init_pid;
    wshm_ctr_t wz_c;
    uint64_t wz_reserved[16]; /* room for growth: ZFS dataset figures */
} wshm_zone_t;

/*
 * The node's ZFS and network state beyond the CPUs (world_node.c): what
 * zfs:0:arcstats is made to say (renamed records), the metaslab groups of
 * the pools (zfs_metaslab_group:<vdev>:<guid>) and the physical NICs of the
 * global zone (link:0:<nic>). Under wg_seq with the rest of wshm_global_t.
 */
typedef struct wshm_mslab {
    uint64_t wm_guid;                  /* the vdev's guid: the kstat's name in decimal */
    char wm_pool[WORLD_POOL_NAME_MAX]; /* spa_name */
    uint64_t wm_loads, wm_unloads;     /* counters, as set */
    int32_t wm_kslot;                  /* its kstat slot, -1 when removed */
    uint32_t wm_vdev;                  /* the kstat's instance: the vdev's id in its pool */
} wshm_mslab_t;

typedef struct wshm_arc_rename {
    char wr_from[KSTAT_STRLEN]; /* a record of arc_stats_t ("" unused) */
    char wr_to[KSTAT_STRLEN];   /* the name it is shown under */
} wshm_arc_rename_t;

typedef struct wshm_node {
    uint32_t wn_nmslab; /* slots of wn_mslab used (removed ones included) */
    uint32_t wn_nlinks;
    uint64_t wn_arc_c_min; /* the ARC bounds: c_min here, c and c_max in wshm_global_t */
    wshm_mslab_t wn_mslab[WORLD_MSLAB_MAX];
    wshm_arc_rename_t wn_arc_rename[WORLD_ARC_RENAMES];
    wctr_t wn_link_rbytes[WORLD_NODE_LINKS], wn_link_obytes[WORLD_NODE_LINKS];
} wshm_node_t;

/* The node itself: the global kstats' counters. */
typedef struct wshm_global {
    _Atomic uint32_t wg_seq;
    uint32_t wg_ncpus;
    uint64_t wg_snap_ns;
    wctr_t wg_arc_hits, wg_arc_misses;
    uint64_t wg_arc_size, wg_arc_c, wg_arc_c_max;
    uint32_t wg_avenrun[3];
    uint32_t wg_nproc;
    uint64_t wg_reserved[32];
    /* per CPU: user, kernel, idle, dtrace nanoseconds; wg_ncpus of each */
    wctr_t wg_cpu[WORLD_CPUS_MAX][4];
    wshm_node_t wg_node;
} wshm_global_t;

/*
 * A kstat header as the simulated kernel keeps it. What a read needs comes
 * first, in one cache line (WSHM_KSLOT_HOT bytes): a kstat_read copies only
 * that, not the names, which only the chain copy and the faults look at.
 */
typedef struct wshm_kslot {
    _Atomic int32_t wk_kid;   /* 0: free */
    int32_t wk_next, wk_prev; /* chain order, KIDs ascending; -1 at the ends */
    int32_t wk_zix;           /* owner zone slot; -1: the node's own kstats */
    uint16_t wk_kind;         /* wkind_t */
    uint16_t wk_arg;
    int32_t wk_instance;
    uint8_t wk_type;
    uint8_t wk_flags;
    uint16_t wk_pad;
    uint32_t wk_ndata;
    uint32_t wk_data_size;
    int64_t wk_crtime;
    char wk_module[KSTAT_STRLEN];
    char wk_name[KSTAT_STRLEN];
    char wk_class[KSTAT_STRLEN];
} wshm_kslot_t;

#define WSHM_KSLOT_HOT offsetof(wshm_kslot_t, wk_module)

typedef struct wshm_hdr {
    uint64_t wh_magic;
    uint32_t wh_version;
    uint32_t wh_hdr_size; /* sizeof(wshm_hdr_t) */
    uint64_t wh_file_size;
    uint64_t wh_seed;
    uint32_t wh_zone_slots; /* max_zones + 1 (the global zone) */
    uint32_t wh_kstat_slots;
    uint32_t wh_ncpus;
    uint32_t wh_max_zoneid;
    uint32_t wh_hash_size; /* power of two */
    uint32_t wh_pad0;
    uint64_t wh_physmem;
    int64_t wh_epoch;
    uint64_t wh_global_off, wh_zones_off, wh_kslots_off, wh_zidmap_off, wh_hash_off;
    int32_t wh_writer_pid;

    /* the chain: under wh_chain_seq */
    _Atomic uint32_t wh_chain_seq;
    _Atomic int32_t wh_chain_id;
    int32_t wh_next_kid;
    int32_t wh_chain_head, wh_chain_tail;
    uint32_t wh_nkstats;
    int32_t wh_kfree; /* free kstat slots, linked through wk_next */
    int32_t wh_khigh; /* 1 + the highest kstat slot ever used */

    /* the zones: under wh_zones_seq */
    _Atomic uint32_t wh_zones_seq;
    uint32_t wh_nzones; /* used slots, global included */
    int32_t wh_zfree;   /* free zone slots, linked through wz_next_free */
    int32_t wh_zhigh;   /* 1 + the highest slot ever used */
    int32_t wh_next_zoneid;
    uint32_t wh_zserial;
    uint32_t wh_hash_tombs;

    _Atomic uint64_t wh_now; /* virtual ns */

    /* faults: under wh_fault_seq */
    _Atomic uint32_t wh_fault_seq;
    uint32_t wh_nfaults;
    world_fault_t wh_faults[WORLD_FAULTS_MAX];

    uint64_t wh_vms_off;   /* wshm_vm_t x zone_slots (world_vm.c) */
    uint64_t wh_vmset_off; /* uint32 x zone_slots: which slots' records have set parts */
    /* the accounts of a Triton data center (world_owners_set), set once before readers open:
     * binary UUIDs; wh_nowners 0: owners derived from the seed */
    uint32_t wh_nowners;
    uint32_t wh_has_admin; /* 1: wh_admin is the admin account (world_admin_uuid) */
    uint8_t wh_admin[16];
    uint8_t wh_owners[WORLD_OWNERS_MAX][16];
    uint8_t wh_reserved[496 - 24 - 16 * WORLD_OWNERS_MAX];
} wshm_hdr_t;

/*
 * The parts of a zone's VM record a writer set (world_vm.h), one per zone
 * slot, in a region of their own: a world nobody customises never touches
 * its pages. The parts belong to the zone of creation number wv_serial1 - 1
 * only; a zone that takes the slot later sees wv_serial1 differ and derives
 * every part again, so a destroy need not clear anything. Under wv_seq.
 * Readers look at the slot's word in w_vmset first (4 bytes a slot, a page
 * for 1,024 zones): unless it is the zone's serial + 1 nothing was set and
 * the record's pages are never touched (reading a hole of the file would
 * allocate it).
 */
typedef struct wshm_vm {
    _Atomic uint32_t wv_seq;
    uint32_t wv_serial1; /* the owner zone's wz_serial + 1; 0: nothing set */
    uint32_t wv_parts;   /* enum world_vm_part */
    uint32_t wv_nnics;
    char wv_owner[WORLD_VM_UUID_MAX];
    char wv_tags[WORLD_VM_JSON_MAX];
    char wv_metadata[WORLD_VM_JSON_MAX];
    world_nic_t wv_nics[WORLD_NICS_MAX];
} wshm_vm_t;

/* The mapping, as both sides hold it. */
struct world {
    char *w_path;
    int w_fd;
    int w_writer;
    size_t w_size;
    wshm_hdr_t *w_hdr;
    wshm_global_t *w_global;
    wshm_zone_t *w_zones;
    wshm_kslot_t *w_kslots;
    int32_t *w_zidmap;         /* zoneid -> zix + 1; 0: none */
    int32_t *w_hash;           /* name hash: zix + 1; 0 empty; WSHM_NAME_TOMB removed */
    wshm_vm_t *w_vms;          /* zone slot -> its VM record's set parts */
    _Atomic uint32_t *w_vmset; /* zone slot -> wv_serial1 of its record once set; 0 none */
    int w_chain_depth;         /* writer: nesting of chain brackets (world_batch_begin) */
    /* the sizes as checked when mapped: bounds never taken from the live header, which a
     * damaged world may have rewritten (world_bind) */
    uint32_t w_zone_slots, w_kstat_slots, w_max_zoneid, w_hash_size;
    _Atomic int w_damaged; /* 1: found damaged (world_guard.c); every guarded call fails */
    /* readers: one mapping per world file and process (world.c) */
    int w_refs;
    dev_t w_dev;
    ino_t w_ino;
    struct world *w_next_reader;
};

/* ---- seqlocks (world_seq.c) ---- */

/*
 * wseq_read_begin() - waits for an even value and returns it (acquire); an
 * odd one when w's writer process died inside its bracket.
 */
uint32_t wseq_read_begin(const world_t *w, const _Atomic uint32_t *seq);
/* wseq_read_retry() - non-zero when the writer went in since begin returned s. */
int wseq_read_retry(const _Atomic uint32_t *seq, uint32_t s);
/* wseq_write_begin() / wseq_write_end() - the writer's bracket (makes the value odd / even). */
void wseq_write_begin(_Atomic uint32_t *seq);
void wseq_write_end(_Atomic uint32_t *seq);

/* ---- damage guards (world_guard.c) ---- */

/*
 * wguard_stuck() - called by a reader whose counter stayed odd for WORLD_STUCK_MS while its
 * writer lives: inside a world_guarded() call on w, ends that call with EAGAIN (does not
 * return); outside one, returns (the reader then reads what is there, as for a dead writer).
 */
void wguard_stuck(const world_t *w);
/*
 * wguard_wait_start() - when the innermost guarded call on w of this thread first waited
 * for an odd counter (now, if this is its first wait), so that the budget covers the whole
 * call and not one wait; now outside a guard. Times in ms of CLOCK_MONOTONIC.
 */
uint64_t wguard_wait_start(const world_t *w, uint64_t now);

/* ---- deterministic randomness (world_rng.c) ---- */

/* wrng_mix() - splitmix64 of x: a well-mixed 64-bit value. */
uint64_t wrng_mix(uint64_t x);
/* wvm_uuid_format() - the text of a binary UUID (world_vm.c). */
void wvm_uuid_format(const uint8_t b[16], char out[37]);
/* wrng_uuid() - a version 4 UUID string (37 bytes with NUL) from seed and n. */
void wrng_uuid(uint64_t seed, uint64_t n, char out[37]);

/* ---- kstat rendering (world_render.c) ---- */

/* wrender_ndata() - the number of named records of a kind. */
uint32_t wrender_ndata(wkind_t kind);
/* wrender_class() - the ks_class of a kind. */
const char *wrender_class(wkind_t kind);
/* wrender_strsize() - bytes of string values after the named array. */
uint32_t wrender_strsize(const world_t *w, wkind_t kind, const wshm_zone_t *z, int arg);
/*
 * wrender_fill() - renders the named array (and its strings, right after it)
 * into buf of ks->wk_data_size bytes, from the snapshot z (zone kinds) or g
 * (global kinds). String pointers point into buf.
 */
void wrender_fill(const world_t *w, const wshm_kslot_t *ks, const wshm_zone_t *z,
                  const wshm_global_t *g, void *buf);

/* ---- kstat slots (world_kstat.c; writer) ---- */

/* wks_chain_begin() / wks_chain_end() - the nestable writer bracket of wh_chain_seq. */
void wks_chain_begin(world_t *w);
void wks_chain_end(world_t *w);

/* wks_add() - a new kstat at the end of the chain; the slot index or -1 ENOSPC. Caller holds
 * chain_seq. */
int wks_add(world_t *w, int zix, wkind_t kind, int arg, const char *module, int instance,
            const char *name);
/* wks_remove() - unlinks and frees slot s. Caller holds chain_seq. */
void wks_remove(world_t *w, int s);
/* wks_zone_create() / wks_zone_delete() - the kstats of a booting / halting zone. */
int wks_zone_create(world_t *w, int zix);
void wks_zone_delete(world_t *w, int zix);
/* wks_cpucaps_sync() - creates or removes cpucaps_zone_<zid> to match the cap. */
int wks_cpucaps_sync(world_t *w, int zix);
/* wks_global_create() - the node's kstats. */
int wks_global_create(world_t *w);
/* wks_node_create() - the metaslab groups' and physical NICs' kstats (world_node.c). */
int wks_node_create(world_t *w);
/* wnode_tick() - advances the physical NICs by the zones' traffic (bytes/s) for dt seconds. */
void wnode_tick(wshm_global_t *g, double dt, double rx_bps, double tx_bps);

/* ---- the reader protocol (world_read.c) ---- */

/* wread_zone_snapshot() - a consistent copy of zone zix (any state). */
void wread_zone_snapshot(const world_t *w, int zix, wshm_zone_t *out);
/* wread_global_snapshot() - a consistent copy of the global counters. */
void wread_global_snapshot(const world_t *w, wshm_global_t *out);
/*
 * wread_kstat() - renders the kstat in slot s, which the caller knows by kid,
 * into buf (at least its data size). Returns 0 and sets *snaptime, or ENXIO
 * when the slot no longer carries kid. Faults are not applied here.
 */
int wread_kstat(const world_t *w, int s, int32_t kid, void *buf, size_t bufsize, int64_t *snaptime);
/*
 * A chain walk's visitor (wread_chain_walk()). cv_begin is called as every
 * try of the walk starts, with the most kstats that try will hand over: what
 * an earlier, torn try handed over is void. cv_header gets each kstat header
 * in chain (KID) order, filled as kstat_t (ks_next and ks_data NULL,
 * ks_private the slot index), valid during the call only; inside a try the
 * values may be torn, so it must only copy them, never trust them. Either
 * returns 0, or an errno that ends the walk.
 */
typedef struct wread_chain_visitor {
    int (*cv_begin)(void *ctx, uint32_t max_kstats);
    int (*cv_header)(void *ctx, const kstat_t *hdr);
    void *cv_ctx;
} wread_chain_visitor_t;
/*
 * wread_chain_walk() - a consistent walk of every kstat header through v, with
 * no copy of the whole chain: the caller keeps what it needs of each header.
 * Returns the count (of the try that held) and sets *chain_id, or -1 with
 * errno (EAGAIN when the writer kept changing the chain, or the visitor's).
 */
long wread_chain_walk(const world_t *w, const wread_chain_visitor_t *v, int32_t *chain_id);
/*
 * wread_fault() - the fault outcome of one kstat_read of slot s: adds the
 * latency to *latency_us and returns 0 or the errno to fail with. Draws
 * from a per-thread generator.
 */
int wread_fault(const world_t *w, const wshm_kslot_t *ks, uint32_t *latency_us);
/* wread_zone_vanished() - non-zero when a vanish fault hides zone zix. */
int wread_zone_vanished(const world_t *w, int zix);
/* wread_zix_by_zoneid() - zix of the running zone zoneid, or -1 (reader-safe). */
int wread_zix_by_zoneid(const world_t *w, int32_t zoneid);
/* wread_zix_by_name() - zix of the zone with that name, or -1 (reader-safe). */
int wread_zix_by_name(const world_t *w, const char *name);

/* ---- the zone name hash (world_hash.c; writer) ---- */

uint32_t whash_str(const char *s);
/* whash_insert() - adds zone zix under its wz_name. Caller holds wh_zones_seq. */
int whash_insert(world_t *w, int zix);
/* whash_remove() - removes zix, whose slot the caller already marked free (wz_name intact). */
void whash_remove(world_t *w, int zix);
int whash_find(const world_t *w, const char *name);

#endif /* CMON_WORLD_SHM_H */
