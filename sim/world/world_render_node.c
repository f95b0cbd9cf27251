/*
 * world_render_node.c - the node's own kstats: unix:0:system_misc,
 * cpu:<n>:sys, cpu_info:<n>:cpu_info<n> and zfs:0:arcstats, with the records
 * of the illumos sources (the ones a monitor reads, and their neighbours).
 */
#include <stdint.h>
#include <string.h>

#include "world_render.h"

#define U32 KSTAT_DATA_UINT32
#define U64 KSTAT_DATA_UINT64
#define I32 KSTAT_DATA_INT32
#define I64 KSTAT_DATA_INT64
#define STR KSTAT_DATA_STRING
#define NITEMS(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* ---- unix:0:system_misc ---- */

static const kstat_named_t sysmisc_tmpl[] = {
    KN("ncpus", U32),        KN("lbolt", U32),        KN("deficit", U32),
    KN("clk_intr", U32),     KN("vac", U32),          KN("nproc", U32),
    KN("avenrun_1min", U32), KN("avenrun_5min", U32), KN("avenrun_15min", U32),
    KN("boot_time", U32),    KN("nsec_per_tick", U32),
};

static void
sysmisc_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_global_t *g = x->x_g;
    uint64_t ticks = g->wg_snap_ns / 10000000ULL; /* hz = 100 */
    uint64_t v[] = {g->wg_ncpus,      ticks,           0,
                    ticks,            0,               g->wg_nproc,
                    g->wg_avenrun[0], g->wg_avenrun[1], g->wg_avenrun[2],
                    (uint64_t)x->x_w->w_hdr->wh_epoch, 10000000};

    (void)sp;
    wr_values(k, v, NITEMS(v));
}

static const wrkind_t sysmisc_kind = {"misc", sysmisc_tmpl, NITEMS(sysmisc_tmpl), sysmisc_fill,
                                      NULL};

/* ---- cpu:<n>:sys ---- */

static const kstat_named_t cpusys_tmpl[] = {
    KN("bawrite", U64),         KN("bread", U64),           KN("bwrite", U64),
    KN("canch", U64),           KN("cpu_load_intr", U64),   KN("cpu_nsec_dtrace", U64),
    KN("cpu_nsec_idle", U64),   KN("cpu_nsec_intr", U64),   KN("cpu_nsec_kernel", U64),
    KN("cpu_nsec_user", U64),   KN("cpu_ticks_idle", U64),  KN("cpu_ticks_kernel", U64),
    KN("cpu_ticks_user", U64),  KN("cpu_ticks_wait", U64),  KN("cpumigrate", U64),
    KN("idlethread", U64),      KN("intr", U64),            KN("intrblk", U64),
    KN("intrthread", U64),      KN("intrunpin", U64),       KN("inv_swtch", U64),
    KN("iowait", U64),          KN("lread", U64),           KN("lwrite", U64),
    KN("modload", U64),         KN("modunload", U64),       KN("mutex_adenters", U64),
    KN("namei", U64),           KN("nthreads", U64),        KN("phread", U64),
    KN("phwrite", U64),         KN("procovf", U64),         KN("pswitch", U64),
    KN("readch", U64),          KN("rw_rdfails", U64),      KN("rw_wrfails", U64),
    KN("sysexec", U64),         KN("sysfork", U64),         KN("syscall", U64),
    KN("sysread", U64),         KN("sysvfork", U64),        KN("syswrite", U64),
    KN("trap", U64),            KN("ufsdirblk", U64),       KN("ufsiget", U64),
    KN("ufsinopage", U64),      KN("wait_ticks_io", U64),   KN("writech", U64),
    KN("xcalls", U64),
};

static void
cpusys_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wctr_t *c = x->x_g->wg_cpu[x->x_arg < WORLD_CPUS_MAX ? x->x_arg : 0];
    uint64_t user = c[0].c_v, kern = c[1].c_v, idle = c[2].c_v, dtr = c[3].c_v;
    uint64_t busy = (user + kern) / 1000; /* one event per microsecond of work */
    uint64_t v[] = {0,           busy / 900,  busy / 700,  0,          kern / 500,
                    dtr,         idle,        kern / 20,   kern,       user,
                    idle / 10000000, kern / 10000000, user / 10000000, 0, busy / 300,
                    idle / 1000000, busy / 5, 0, busy / 6, 0, busy / 40,
                    0,           busy / 3,    busy / 9,    0,          0,
                    busy / 80,   busy / 30,   0,           0,          0,
                    0,           busy / 4,    busy * 37,   0,          0,
                    busy / 5000, busy / 4000, busy,        busy / 3,   0,
                    busy / 5,    busy / 2,    0,           0,          0,
                    0,           busy * 21,   busy / 60};

    (void)sp;
    wr_values(k, v, NITEMS(v));
}

static const wrkind_t cpusys_kind = {"misc", cpusys_tmpl, NITEMS(cpusys_tmpl), cpusys_fill, NULL};

/* ---- cpu_info:<n>:cpu_info<n> ---- */

#define CPU_BRAND "Intel(r) Xeon(r) CPU E5-2690 v4 @ 2.60GHz"
#define CPU_IMPL "x86 (GenuineIntel 406F1 family 6 model 79 step 1 clock 2600 MHz)"

static const char *const cpuinfo_strs[] = {"on-line", "i386", "i387 compatible", CPU_IMPL,
                                           CPU_BRAND, "2600000000", "GenuineIntel"};

static const kstat_named_t cpuinfo_tmpl[] = {
    KN("state", STR),          KN("state_begin", I64),   KN("cpu_type", STR),
    KN("fpu_type", STR),       KN("clock_MHz", I64),     KN("chip_id", I64),
    KN("implementation", STR), KN("brand", STR),         KN("core_id", I64),
    KN("current_clock_Hz", U64), KN("current_cstate", I32), KN("family", I32),
    KN("model", I32),          KN("ncore_per_chip", I32), KN("ncpu_per_chip", I32),
    KN("pg_id", I64),          KN("stepping", I32),      KN("supported_frequencies_Hz", STR),
    KN("vendor_id", STR),
};

static void
cpuinfo_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    uint64_t cpu = (uint64_t)x->x_arg, ncpu = x->x_g->wg_ncpus;
    uint64_t per_chip = ncpu > 1 ? ncpu / 2 : 1;
    uint64_t v[] = {0, (uint64_t)x->x_w->w_hdr->wh_epoch, 0, 0, 2600, cpu / per_chip, 0, 0,
                    cpu % per_chip / 2, 2600000000ULL, 0, 6, 79, (per_chip + 1) / 2, per_chip,
                    cpu / 2 + 1, 1, 0, 0};
    static const int strs[] = {0, 2, 3, 6, 7, 17, 18};

    wr_values(k, v, NITEMS(v));
    for (int i = 0; i < 7; i++)
        wr_str(&k[strs[i]], sp, cpuinfo_strs[i]);
}

static uint32_t
cpuinfo_strsize(const world_t *w, const wshm_zone_t *z, int arg)
{
    uint32_t n = 0;

    (void)w;
    (void)z;
    (void)arg;
    for (int i = 0; i < 7; i++)
        n += (uint32_t)strlen(cpuinfo_strs[i]) + 1;
    return n;
}

static const wrkind_t cpuinfo_kind = {"misc", cpuinfo_tmpl, NITEMS(cpuinfo_tmpl), cpuinfo_fill,
                                      cpuinfo_strsize};

/* ---- zfs:0:arcstats ---- */

static const kstat_named_t arc_tmpl[] = {
    KN("hits", U64),                   KN("misses", U64),
    KN("demand_data_hits", U64),       KN("demand_data_misses", U64),
    KN("demand_metadata_hits", U64),   KN("demand_metadata_misses", U64),
    KN("prefetch_data_hits", U64),     KN("prefetch_data_misses", U64),
    KN("prefetch_metadata_hits", U64), KN("prefetch_metadata_misses", U64),
    KN("mru_hits", U64),               KN("mru_ghost_hits", U64),
    KN("mfu_hits", U64),               KN("mfu_ghost_hits", U64),
    KN("deleted", U64),                KN("mutex_miss", U64),
    KN("evict_skip", U64),             KN("hash_elements", U64),
    KN("hash_elements_max", U64),      KN("hash_collisions", U64),
    KN("hash_chains", U64),            KN("hash_chain_max", U64),
    KN("p", U64),                      KN("c", U64),
    KN("c_min", U64),                  KN("c_max", U64),
    KN("size", U64),                   KN("hdr_size", U64),
    KN("data_size", U64),              KN("metadata_size", U64),
    KN("other_size", U64),             KN("anon_size", U64),
    KN("mru_size", U64),               KN("mfu_size", U64),
    KN("l2_hits", U64),                KN("l2_misses", U64),
    KN("l2_size", U64),                KN("memory_throttle_count", U64),
    KN("arc_meta_used", U64),          KN("arc_meta_limit", U64),
    KN("arc_meta_max", U64),
};

static void
arc_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_global_t *g = x->x_g;
    uint64_t h = g->wg_arc_hits.c_v, m = g->wg_arc_misses.c_v, sz = g->wg_arc_size;
    uint64_t he = sz / 16384;
    uint64_t v[] = {h,          m,          h / 10 * 7, m / 10 * 7, h / 5,      m / 5,
                    h / 20,     m / 20,     h / 20,     m / 20,     h / 3,      m / 4,
                    h / 3 * 2,  m / 8,      m / 2,      m / 1000,   m / 3000,   he,
                    he,         he / 5,     he / 3 * 2, 9,          g->wg_arc_c / 2, g->wg_arc_c,
                    g->wg_arc_c_max / 8, g->wg_arc_c_max, sz, sz / 100, sz / 10 * 8, sz / 10,
                    sz / 100 * 9, 0,      sz / 2,     sz / 2,     0,          0,
                    0,          0,          sz / 5,     g->wg_arc_c_max / 4, sz / 4};

    (void)sp;
    wr_values(k, v, NITEMS(v));
}

static const wrkind_t arc_kind = {"misc", arc_tmpl, NITEMS(arc_tmpl), arc_fill, NULL};

const wrkind_t *const wr_node_kinds[WK_NKINDS] = {
    [WK_SYSMISC] = &sysmisc_kind,
    [WK_CPU_SYS] = &cpusys_kind,
    [WK_CPU_INFO] = &cpuinfo_kind,
    [WK_ARCSTATS] = &arc_kind,
};
