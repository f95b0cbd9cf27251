/*
 * world.h - the simulated compute node: zones, their load and their kstats,
 * kept in one shared-memory file that one writer changes and any number of
 * reader processes read.
 *
 * This header is the contract of the `cmonworld` library. The writer side
 * (create, zones, load, time, faults) is what `cmon-sim serve`, the Lua
 * scenario engine and the tests build worlds with. The reader side (open,
 * iterate, truth) is what `cmon-sim kstat|zones` and the tests look with.
 * The fake libkstat and zone calls sit on the same mapping (world_shm.h);
 * the agent never includes this header.
 *
 * Invariants:
 *   - One writer per world: the process that called world_create(). Every
 *     writer call below must come from that process, from one thread.
 *     Readers may be other processes; they never see a torn value.
 *   - A zone is named by its slot index `zix` (>= 0), stable from
 *     world_zone_add() to world_zone_destroy(); zix 0 is the global zone and
 *     cannot be halted or destroyed. The zoneid is the kernel's id: it exists
 *     only while the zone runs and changes on every boot (and so reboot).
 *   - Virtual time (ns, like gethrtime()) starts at 0 when the world is
 *     created and moves only through world_time_advance()/world_time_set().
 *     Every counter is a function of the load and of virtual time: monotonic
 *     while the zone runs, reset when it boots again, frozen while time is.
 *   - Everything is deterministic from the seed: the same calls on the same
 *     seed give the same names, zoneids, KIDs and values (wall-clock
 *     boot_time aside unless wp_epoch is set; fault dice are drawn by each
 *     reader thread).
 *
 * Errors: functions returning int give 0 (or a non-negative index) on
 * success and -1 with errno set on failure; on failure nothing is changed.
 */
#ifndef CMON_WORLD_H
#define CMON_WORLD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where readers look when nothing else is said (and CMON_SIM_WORLD is unset). */
#define WORLD_DEFAULT_PATH "/dev/shm/cmon-sim.world"
#define WORLD_ENV "CMON_SIM_WORLD"

#define WORLD_NAME_MAX 64  /* zonename / alias buffer, NUL included */
#define WORLD_BRAND_MAX 16 /* "joyent", "joyent-minimal", "lx", "kvm", "bhyve" */
#define WORLD_NICS_MAX 8   /* VNICs per zone: net0 .. net7 */
#define WORLD_FAULTS_MAX 32
#define WORLD_CPUS_MAX 256
#define WORLD_ZONES_MAX 200000 /* capacity limit of one world (non-global) */

typedef struct world world_t; /* a mapping of a world; opaque */

/* ---- lifecycle ------------------------------------------------------ */

typedef struct world_params {
    uint64_t wp_seed;      /* everything random derives from it */
    uint32_t wp_max_zones; /* capacity, non-global zones (1..WORLD_ZONES_MAX) */
    uint32_t wp_ncpus;     /* CPUs of the node: cpu:<n>:sys; 0 = 16 */
    uint64_t wp_physmem;   /* bytes of RAM of the node; 0 = 256 GiB */
    int64_t wp_epoch;      /* wall-clock seconds at virtual time 0; 0 = now */
} world_params_t;

/*
 * world_create() - creates (or replaces) the world file at path, sized for
 * wp_max_zones zones, with the global zone and its kstats (unix:0:system_misc,
 * cpu:<n>:sys, cpu_info:<n>:cpu_info<n>, zfs:0:arcstats). The caller is the
 * writer. Returns a handle to release with world_close(), or NULL with errno
 * (EINVAL bad params, ENOMEM, or the errno of open/ftruncate/mmap).
 */
world_t *world_create(const char *path, const world_params_t *params);

/*
 * world_open() - maps an existing world read-only. path NULL means
 * $CMON_SIM_WORLD, else WORLD_DEFAULT_PATH. Returns NULL with errno (ENOENT
 * no such file, EINVAL not a regular file / not a world / another layout
 * version / truncated / corrupt, or the errno of open or mmap) and, when err
 * is not NULL, one line "world PATH: CAUSE" in err, the cause lowercase:
 * "no such file", "not a regular file (a directory)", "not a world file (bad
 * magic)", "layout version 1, expected 2 (made by another build)",
 * "truncated: N bytes, its header says M".
 */
world_t *world_open(const char *path, char *err, size_t errlen);

/* world_close() - unmaps; the file stays (world_unlink() removes the world). */
void world_close(world_t *w);

/*
 * world_unlink() - removes the world file at path and the files the world
 * library keeps beside it (PATH.zfs, the ZFS state; PATH.ntp, the NTP
 * state), but not PATH.lock, which only its holder removes
 * (world_lock_release). Files that are not there are not an error. Returns
 * 0, or -1 with the errno of the first unlink that failed otherwise.
 */
int world_unlink(const char *path);

/* ---- one writer per world path (world_lock.c) ------------------------- */

/*
 * A writer that serves a world for other processes (cmon-sim serve) holds
 * its path's lock for as long as it serves: a POSIX record lock (fcntl
 * F_SETLK) on the whole of PATH.lock, a file that is never replaced while
 * held. The kernel drops the lock when its process dies, however it dies, so
 * a world whose lock is free is stale and may be taken over; F_GETLK names
 * the holder's pid. Record locks belong to the process: a second take in the
 * holder's own process succeeds, and closing any other descriptor of
 * PATH.lock in that process would drop the lock (nothing here opens one).
 */
typedef struct world_lock world_lock_t;

/*
 * world_lock_take() - takes the lock of the world at path, creating
 * PATH.lock. Returns the lock, or NULL with errno: EBUSY when another
 * process holds it (its pid in *holder when holder is not NULL),
 * ENAMETOOLONG, or the errno of open/fcntl.
 */
world_lock_t *world_lock_take(const char *path, pid_t *holder);

/*
 * world_lock_release() - gives the lock up and frees l. With w not NULL (the
 * writer's handle of the world at that path), the world and its side files
 * are removed first, but only while PATH is still w's file: a world someone
 * else created at the same path since is left alone. PATH.lock is removed
 * when it is still l's file. errno is kept.
 */
void world_lock_release(world_lock_t *l, const world_t *w);

/* world_path() - the path the world was created or opened at (owned by w). */
const char *world_path(const world_t *w);

/* world_seed() - the seed the world was created with. */
uint64_t world_seed(const world_t *w);

/* ---- damaged worlds (world_guard.c) ----------------------------------- */

/*
 * A world is a file that anyone allowed to write it can truncate or overwrite
 * under the processes that map it. Calls that touch the mapping can run
 * guarded, so that such damage fails the call, never the process (the fake
 * libkstat, zone calls, libzfs and libzonecfg guard every call).
 *
 * world_guarded() - runs fn(w, arg) and returns what it returns, unless w's
 * file is damaged under it: a page past the end of a file shrunk under the
 * mapping (SIGBUS), a header that no longer says what it said when mapped,
 * or a sequence counter left odd for WORLD_STUCK_MS while its writer lives
 * (garbage) end fn where it stood and give -1 with errno EIO (damage: w is
 * marked damaged, every later guarded call on it fails at once and
 * world_open() maps the file afresh) or EAGAIN (stuck). fn must keep what it
 * allocates where the caller can release it, and take no lock. Nestable,
 * per thread; installs a SIGBUS handler once per process, which passes the
 * faults that are not in a guarded world to the handler before it.
 */
#define WORLD_STUCK_MS 2000
int world_guarded(const world_t *w, int (*fn)(const world_t *w, void *arg), void *arg);

/*
 * world_check() - 0 while w's file is the one mapped: not shorter than the
 * mapping, its header's magic, version and sizes unchanged, and w not marked
 * damaged; else -1 with errno EIO, w marked damaged and one line
 * "world PATH: CAUSE" in err ("truncated to N bytes under its mapping of M",
 * "header overwritten (bad magic or version)"). Reads through the file
 * descriptor, never the mapping, so it is safe on a truncated file. A
 * writer calls it every tick (cmon-sim serve).
 */
int world_check(const world_t *w, char *err, size_t errlen);

/* world_damaged() - non-zero once w was found damaged (by a guard or world_check). */
int world_damaged(const world_t *w);

/* ---- zones (writer) --------------------------------------------------- */

typedef enum world_zstate {
    WORLD_ZONE_FREE = 0,      /* slot unused */
    WORLD_ZONE_INSTALLED = 1, /* halted: no zoneid, no kstats */
    WORLD_ZONE_RUNNING = 2    /* booted: zoneid and kstats */
} world_zstate_t;

/* What a zone is made of. A zeroed struct is a valid joyent zone, no caps, no NIC. */
typedef struct world_zone_opts {
    const char *wzo_name;  /* zonename; NULL: a UUID derived from the seed */
    const char *wzo_alias; /* vmadm alias; NULL: none */
    const char *wzo_brand; /* NULL: "joyent"; else one of WORLD_BRAND_MAX names */
    uint32_t wzo_cpu_cap;  /* percent of one CPU (100 = 1 CPU); 0: uncapped */
    uint64_t wzo_mem_cap;  /* bytes (physcap); 0: none (kstat shows 2^64-1) */
    uint64_t wzo_swap_cap; /* bytes (swapcap); 0: none (kstat shows 2^64-1) */
    uint64_t wzo_quota;    /* bytes, ZFS quota of zones/<uuid>; 0: none */
    uint32_t wzo_nics;     /* VNICs net0..; 0..WORLD_NICS_MAX */
    int wzo_halted;        /* non-zero: add installed (not booted) */
} world_zone_opts_t;

/*
 * world_zone_add() - a new zone, booted (kstats created, chain id changes)
 * unless wzo_halted. Returns its zix, or -1 with errno: ENOSPC world full,
 * EEXIST name taken, EINVAL bad brand/name/nics.
 */
int world_zone_add(world_t *w, const world_zone_opts_t *opts);

/* world_zone_halt() - removes the zone's kstats and zoneid. EINVAL not running / zix 0. */
int world_zone_halt(world_t *w, int zix);

/* world_zone_boot() - a new zoneid, new kstats from zero. EINVAL already running. */
int world_zone_boot(world_t *w, int zix);

/* world_zone_reboot() - halt then boot: the zone comes back with a new zoneid. */
int world_zone_reboot(world_t *w, int zix);

/* world_zone_destroy() - halts if needed and frees the slot. EINVAL zix 0 / free. */
int world_zone_destroy(world_t *w, int zix);

/*
 * world_zone_caps_set() - changes the caps of a zone (same units as opts; 0:
 * none). Setting or clearing the CPU cap of a running zone creates or removes
 * caps:<zid>:cpucaps_zone_<zid> (the chain id changes).
 */
int world_zone_caps_set(world_t *w, int zix, uint32_t cpu_cap, uint64_t mem_cap, uint64_t swap_cap,
                        uint64_t quota);

/*
 * The load a zone is asked to carry, from now on. Rates are per second of
 * virtual time. CPU demand is capped by the CPU cap (the rest waits: nsec_waitrq
 * and nwait grow); RSS by the memory cap (nover, pagedout grow). Network rates
 * are spread evenly over the zone's NICs.
 */
typedef struct world_load {
    double wl_cpu_user;        /* CPUs busy in user mode (0.5 = half a CPU) */
    double wl_cpu_sys;         /* CPUs busy in the kernel */
    uint64_t wl_net_rx_bps;    /* bytes/s received */
    uint64_t wl_net_tx_bps;    /* bytes/s sent */
    uint64_t wl_vfs_read_bps;  /* bytes/s read through the VFS */
    uint64_t wl_vfs_write_bps; /* bytes/s written */
    uint64_t wl_rss;           /* bytes of memory the zone wants resident */
} world_load_t;

/* world_zone_load_set() - sets the load of zone zix (any state). EINVAL bad zix / negative CPU. */
int world_zone_load_set(world_t *w, int zix, const world_load_t *load);

/*
 * world_zone_add_random() - adds a booted zone whose brand, caps, NICs, alias
 * and load are drawn from the seed and n (the same n gives the same zone in a
 * world of the same seed; the alias is "<brand>-<n>", none when n % 8 == 7):
 * ~half the zones CPU-capped, some running over their memory cap, 1-2 NICs.
 * What `cmon-sim serve` populates with. Returns the zix or -1 as
 * world_zone_add().
 */
int world_zone_add_random(world_t *w, uint64_t n);

/*
 * world_batch_begin() / world_batch_end() - bracket many zone changes (adds,
 * destroys, boots, halts, cap changes) so that readers see the kstat chain
 * change once, as when the kernel holds kstat_chain_lock: a reader copying
 * the chain waits for the end of the batch instead of starting over after
 * every change (which, with 100,000 kstats and fast churn, it might never
 * finish). Keep batches short (one tick's events). Nest freely; writer only.
 * world_truth() works inside a batch; a libkstat handle of the writing
 * thread would wait for the batch to end, so do not update one inside it.
 */
void world_batch_begin(world_t *w);
void world_batch_end(world_t *w);

/* ---- zones (reader) --------------------------------------------------- */

typedef struct world_zone_info {
    int wzi_zix;
    world_zstate_t wzi_state;
    int32_t wzi_zoneid;             /* -1 unless running */
    char wzi_name[WORLD_NAME_MAX];  /* the full zonename (UUID) */
    char wzi_alias[WORLD_NAME_MAX]; /* "" when none */
    char wzi_brand[WORLD_BRAND_MAX];
    uint32_t wzi_cpu_cap;
    uint64_t wzi_mem_cap, wzi_swap_cap, wzi_quota;
    uint32_t wzi_nics;
    world_load_t wzi_load;
} world_zone_info_t;

/* world_zone_info() - a consistent copy of zone zix. -1 EINVAL when the slot is free/out of range.
 */
int world_zone_info(const world_t *w, int zix, world_zone_info_t *out);

/*
 * world_zone_next() - the next used zone slot after zix, in slot order
 * (start with -1: the first is 0, the global zone); -1 at the end.
 *   for (int z = world_zone_next(w, -1); z >= 0; z = world_zone_next(w, z))
 */
int world_zone_next(const world_t *w, int zix);

/* world_zone_find() - the zix of the zone with that zonename (or alias), or -1 ENOENT. */
int world_zone_find(const world_t *w, const char *name);

/* world_zone_by_id() - the zix of the running zone with that zoneid, or -1 ENOENT. */
int world_zone_by_id(const world_t *w, int32_t zoneid);

/* world_zone_count() - used zone slots, global included. */
uint32_t world_zone_count(const world_t *w);

/* world_zone_capacity() - zone slots of the world, global included (max_zones + 1). */
uint32_t world_zone_capacity(const world_t *w);

/* ---- virtual time ----------------------------------------------------- */

/* world_time_now() - virtual nanoseconds since the world was created. */
uint64_t world_time_now(const world_t *w);

/*
 * world_time_advance() - moves virtual time forward by ns, advancing every
 * counter of every running zone and of the global zone according to its
 * load. ns 0 does nothing; so does a call on a handle that is not the writer.
 */
void world_time_advance(world_t *w, uint64_t ns);

/* world_time_set() - advances to absolute virtual time ns; -1 EINVAL if ns < now, EPERM not the
 * writer. */
int world_time_set(world_t *w, uint64_t ns);

/* ---- ground truth ------------------------------------------------------ */

typedef enum world_vtype {
    WORLD_V_INT = 1,    /* wv_i: KSTAT_DATA_INT32 / INT64 */
    WORLD_V_UINT = 2,   /* wv_u: KSTAT_DATA_UINT32 / UINT64 (32-bit ones wrapped) */
    WORLD_V_STRING = 3, /* wv_s */
    WORLD_V_CHAR = 4    /* wv_s: KSTAT_DATA_CHAR, up to 16 bytes */
} world_vtype_t;

typedef struct world_value {
    world_vtype_t wv_type;
    uint8_t wv_data_type; /* the KSTAT_DATA_* code */
    int64_t wv_i;
    uint64_t wv_u;
    char wv_s[WORLD_NAME_MAX];
} world_value_t;

/*
 * world_truth() - the value that kstat_read() of module:instance:name would
 * give for stat now (the same code renders both). instance is the zoneid for
 * zone kstats. Returns 0, or -1 with errno ENOENT (no such kstat or stat).
 * Faults do not apply.
 */
int world_truth(const world_t *w, const char *module, int instance, const char *name,
                const char *stat, world_value_t *out);

/*
 * world_truth_zone() - the same for zone zix's kstat of that module: "zones",
 * "memory_cap", "caps" (cpucaps_zone_<zid>), "zone_vfs", "zone_zfs", "tcp",
 * "link" (the zone's first NIC; use world_truth() for others), "lockedmem",
 * "swapresv", "nprocs" (the caps:<zid>:<x>_zone_<zid> kstats). -1 ENOENT when
 * the zone is not running or has no such kstat/stat, EINVAL bad zix.
 */
int world_truth_zone(const world_t *w, int zix, const char *module, const char *stat,
                     world_value_t *out);

/* world_kstat_count() - kstats in the chain now; world_chain_id() - its id. */
uint32_t world_kstat_count(const world_t *w);
int32_t world_chain_id(const world_t *w);

/* ---- faults (writer; obeyed by every reader process) ------------------ */

typedef struct world_fault {
    char wf_module[32];     /* kstat module to hit; "" = every module */
    int wf_zix;             /* zone to hit; -1 = every zone (and the global kstats) */
    int wf_error;           /* 0, ENXIO, EAGAIN or EIO: kstat_read fails with it */
    double wf_rate;         /* probability per kstat_read of the error, 0..1 */
    uint32_t wf_latency_us; /* added to every matching kstat_read */
    int wf_vanish;          /* non-zero: the zone looks gone to readers (kstat_read
                               ENXIO, zone calls do not see it) while the chain still
                               lists its kstats: a zone vanishing between lookup and read */
} world_fault_t;

/* world_fault_set() - adds a fault; returns its index, or -1 ENOSPC / EINVAL (bad error, rate,
 * zix). */
int world_fault_set(world_t *w, const world_fault_t *fault);

/* world_fault_clear() - removes every fault. */
void world_fault_clear(world_t *w);

#ifdef __cplusplus
}
#endif

#endif /* CMON_WORLD_H */
