/*
 * world_render_node.c - the node's own kstats: unix:0:system_misc,
 * cpu:<n>:sys, cpu_info:<n>:cpu_info<n> and the physical links (arcstats and the
 * metaslab groups: world_render_arc.c), with the records
 * of the illumos sources (the ones a monitor reads, and their neighbours),
 * as tables of record, base quantity, multiplier and divisor (wrlin_t).
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

enum { S_ZERO, S_ONE, S_NCPUS, S_TICKS, S_NPROC, S_AVG1, S_AVG5, S_AVG15, S_BOOT, S_NBASE };

static const wrlin_t sysmisc_stats[] = {
    LIN("ncpus", U32, S_NCPUS, 1, 1),
    LIN("lbolt", U32, S_TICKS, 1, 1),
    LIN("deficit", U32, S_ZERO, 0, 1),
    LIN("clk_intr", U32, S_TICKS, 1, 1),
    LIN("vac", U32, S_ZERO, 0, 1),
    LIN("nproc", U32, S_NPROC, 1, 1),
    LIN("avenrun_1min", U32, S_AVG1, 1, 1),
    LIN("avenrun_5min", U32, S_AVG5, 1, 1),
    LIN("avenrun_15min", U32, S_AVG15, 1, 1),
    LIN("boot_time", U32, S_BOOT, 1, 1),
    LIN("nsec_per_tick", U32, S_ONE, 10000000, 1), /* hz = 100 */
};

static void
sysmisc_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_global_t *g = x->x_g;
    uint64_t b[S_NBASE] = {[S_ONE] = 1,
                           [S_NCPUS] = g->wg_ncpus,
                           [S_TICKS] = g->wg_snap_ns / 10000000ULL,
                           [S_NPROC] = g->wg_nproc,
                           [S_AVG1] = g->wg_avenrun[0],
                           [S_AVG5] = g->wg_avenrun[1],
                           [S_AVG15] = g->wg_avenrun[2],
                           [S_BOOT] = (uint64_t)x->x_w->w_hdr->wh_epoch};

    (void)sp;
    wr_linear(k, sysmisc_stats, NITEMS(sysmisc_stats), b);
}

static const wrkind_t sysmisc_kind = {"misc", sysmisc_stats, NITEMS(sysmisc_stats), sysmisc_fill,
                                      NULL};

/* ---- cpu:<n>:sys: event counts follow the CPU's busy time ---- */

/* The base quantities: one, nanoseconds user/kernel/idle/dtrace, busy microseconds. */
enum { C_ONE, C_USER, C_KERN, C_IDLE, C_DTRACE, C_BUSY, C_NBASE };

static const wrlin_t cpusys_stats[] = {
    LIN("cpu_ticks_idle", U64, C_IDLE, 1, 10000000), /* hz = 100 */
    LIN("cpu_ticks_user", U64, C_USER, 1, 10000000),
    LIN("cpu_ticks_kernel", U64, C_KERN, 1, 10000000),
    LIN("cpu_ticks_wait", U64, C_ONE, 0, 1),
    LIN("cpu_nsec_idle", U64, C_IDLE, 1, 1),
    LIN("cpu_nsec_user", U64, C_USER, 1, 1),
    LIN("cpu_nsec_kernel", U64, C_KERN, 1, 1),
    LIN("cpu_nsec_dtrace", U64, C_DTRACE, 1, 1),
    LIN("cpu_nsec_intr", U64, C_KERN, 1, 20),
    LIN("cpu_load_intr", U64, C_KERN, 1, 500),
    LIN("wait_ticks_io", U64, C_ONE, 0, 1),
    LIN("dtrace_probes", U64, C_DTRACE, 1, 2000),
    LIN("bread", U64, C_BUSY, 1, 900),
    LIN("bwrite", U64, C_BUSY, 1, 700),
    LIN("lread", U64, C_BUSY, 1, 3),
    LIN("lwrite", U64, C_BUSY, 1, 9),
    LIN("phread", U64, C_ONE, 0, 1),
    LIN("phwrite", U64, C_ONE, 0, 1),
    LIN("pswitch", U64, C_BUSY, 1, 4),
    LIN("trap", U64, C_BUSY, 1, 2),
    LIN("intr", U64, C_BUSY, 1, 5),
    LIN("syscall", U64, C_BUSY, 1, 1),
    LIN("sysread", U64, C_BUSY, 1, 3),
    LIN("syswrite", U64, C_BUSY, 1, 5),
    LIN("sysfork", U64, C_BUSY, 1, 4000),
    LIN("sysvfork", U64, C_ONE, 0, 1),
    LIN("sysexec", U64, C_BUSY, 1, 5000),
    LIN("readch", U64, C_BUSY, 37, 1),
    LIN("writech", U64, C_BUSY, 21, 1),
    LIN("rcvint", U64, C_ONE, 0, 1),
    LIN("xmtint", U64, C_ONE, 0, 1),
    LIN("mdmint", U64, C_ONE, 0, 1),
    LIN("rawch", U64, C_ONE, 0, 1),
    LIN("canch", U64, C_ONE, 0, 1),
    LIN("outch", U64, C_ONE, 0, 1),
    LIN("msg", U64, C_ONE, 0, 1),
    LIN("sema", U64, C_ONE, 0, 1),
    LIN("namei", U64, C_BUSY, 1, 30),
    LIN("ufsiget", U64, C_ONE, 0, 1),
    LIN("ufsdirblk", U64, C_ONE, 0, 1),
    LIN("ufsipage", U64, C_ONE, 0, 1),
    LIN("ufsinopage", U64, C_ONE, 0, 1),
    LIN("procovf", U64, C_ONE, 0, 1),
    LIN("intrthread", U64, C_BUSY, 1, 6),
    LIN("intrblk", U64, C_ONE, 0, 1),
    LIN("intrunpin", U64, C_ONE, 0, 1),
    LIN("idlethread", U64, C_IDLE, 1, 1000000),
    LIN("inv_swtch", U64, C_BUSY, 1, 40),
    LIN("nthreads", U64, C_ONE, 0, 1),
    LIN("cpumigrate", U64, C_BUSY, 1, 300),
    LIN("xcalls", U64, C_BUSY, 1, 60),
    LIN("mutex_adenters", U64, C_BUSY, 1, 80),
    LIN("rw_rdfails", U64, C_ONE, 0, 1),
    LIN("rw_wrfails", U64, C_ONE, 0, 1),
    LIN("modload", U64, C_ONE, 0, 1),
    LIN("modunload", U64, C_ONE, 0, 1),
    LIN("bawrite", U64, C_ONE, 0, 1),
    LIN("iowait", U64, C_ONE, 0, 1),
};

static void
cpusys_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wctr_t *c = x->x_g->wg_cpu[x->x_arg < WORLD_CPUS_MAX ? x->x_arg : 0];
    uint64_t b[C_NBASE] = {1, c[0].c_v, c[1].c_v, c[2].c_v, c[3].c_v, 0};

    (void)sp;
    b[C_BUSY] = (b[C_USER] + b[C_KERN]) / 1000; /* one event per microsecond of work */
    wr_linear(k, cpusys_stats, NITEMS(cpusys_stats), b);
}

static const wrkind_t cpusys_kind = {"misc", cpusys_stats, NITEMS(cpusys_stats), cpusys_fill, NULL};

/* ---- cpu_info:<n>:cpu_info<n>: the records and data types of illumos' cpu_info_template
 * (usr/src/uts/common/os/cpu.c, x86): CHAR for state and the CPU/FPU types, LONG (INT64)
 * for ids and clocks, INT32 for the cpuid fields, STRING for the long texts ---- */

#define CPU_BRAND "Intel(r) Xeon(r) CPU E5-2690 v4 @ 2.60GHz"
#define CPU_IMPL "x86 (GenuineIntel 406F1 family 6 model 79 step 1 clock 2600 MHz)"
#define CHR KSTAT_DATA_CHAR

enum { I_ZERO, I_ONE, I_CPU, I_EPOCH, I_CHIP, I_CORE, I_PG, I_CORES, I_PER_CHIP, I_NBASE };

static const wrlin_t cpuinfo_stats[] = {
    LIN("state", CHR, I_ZERO, 0, 1),
    LIN("state_begin", I64, I_EPOCH, 1, 1),
    LIN("cpu_type", CHR, I_ZERO, 0, 1),
    LIN("fpu_type", CHR, I_ZERO, 0, 1),
    LIN("clock_MHz", I64, I_ONE, 2600, 1),
    LIN("chip_id", I64, I_CHIP, 1, 1),
    LIN("implementation", STR, I_ZERO, 0, 1),
    LIN("brand", STR, I_ZERO, 0, 1),
    LIN("core_id", I64, I_CORE, 1, 1),
    LIN("current_clock_Hz", U64, I_ONE, 2600000000ULL, 1),
    LIN("supported_frequencies_Hz", STR, I_ZERO, 0, 1),
    LIN("pg_id", I64, I_PG, 1, 1),
    LIN("vendor_id", STR, I_ZERO, 0, 1),
    LIN("family", I32, I_ONE, 6, 1),
    LIN("model", I32, I_ONE, 79, 1),
    LIN("stepping", I32, I_ONE, 1, 1),
    LIN("clog_id", I32, I_CPU, 1, 1),
    LIN("pkg_core_id", I64, I_CORE, 1, 1),
    LIN("ncpu_per_chip", I32, I_PER_CHIP, 1, 1),
    LIN("ncore_per_chip", I32, I_CORES, 1, 1),
    LIN("supported_max_cstates", I32, I_ONE, 2, 1),
    LIN("current_cstate", I32, I_ZERO, 0, 1),
    LIN("cache_id", I32, I_CHIP, 1, 1),
    LIN("socket_type", STR, I_ZERO, 0, 1),
};

/* The string records: their index in cpuinfo_stats and their value. */
static const struct {
    int s_index;
    const char *s_value;
} cpuinfo_strs[] = {
    {6, CPU_IMPL}, {7, CPU_BRAND}, {10, "2600000000"}, {12, "GenuineIntel"}, {23, "Unknown"}};

/* The char records (16 bytes in the record itself, NUL-padded). */
static const struct {
    int c_index;
    const char *c_value;
} cpuinfo_chars[] = {{0, "on-line"}, {2, "i386"}, {3, "i387 compatible"}};

static void
cpuinfo_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    uint64_t cpu = (uint64_t)x->x_arg, ncpu = x->x_g->wg_ncpus;
    uint64_t per_chip = ncpu > 1 ? ncpu / 2 : 1; /* two sockets, two threads a core */
    uint64_t b[I_NBASE] = {[I_ONE] = 1,
                           [I_CPU] = cpu % per_chip,
                           [I_EPOCH] = (uint64_t)x->x_w->w_hdr->wh_epoch,
                           [I_CHIP] = cpu / per_chip,
                           [I_CORE] = cpu % per_chip / 2,
                           [I_PG] = cpu / 2 + 1,
                           [I_CORES] = (per_chip + 1) / 2,
                           [I_PER_CHIP] = per_chip};

    wr_linear(k, cpuinfo_stats, NITEMS(cpuinfo_stats), b);
    for (size_t i = 0; i < sizeof(cpuinfo_chars) / sizeof(cpuinfo_chars[0]); i++)
        wr_char(&k[cpuinfo_chars[i].c_index], cpuinfo_chars[i].c_value);
    for (size_t i = 0; i < sizeof(cpuinfo_strs) / sizeof(cpuinfo_strs[0]); i++)
        wr_str(&k[cpuinfo_strs[i].s_index], sp, cpuinfo_strs[i].s_value);
}

static uint32_t
cpuinfo_strsize(const world_t *w, const wshm_zone_t *z, int arg)
{
    uint32_t n = 0;

    (void)w;
    (void)z;
    (void)arg;
    for (size_t i = 0; i < sizeof(cpuinfo_strs) / sizeof(cpuinfo_strs[0]); i++)
        n += (uint32_t)strlen(cpuinfo_strs[i].s_value) + 1;
    return n;
}

static const wrkind_t cpuinfo_kind = {"misc", cpuinfo_stats, NITEMS(cpuinfo_stats), cpuinfo_fill,
                                      cpuinfo_strsize};

/* ---- link:0:ixgbe<n>: the global zone's physical NICs carry every zone's traffic ---- */

enum { N_ZERO, N_ONE, N_IP, N_OP, N_RB, N_OB, N_NBASE };

static const wrlin_t nlink_stats[] = {
    LIN("brdcstrcv", U32, N_IP, 1, 1000),
    LIN("brdcstxmt", U32, N_OP, 1, 2000),
    LIN("collisions", U32, N_ZERO, 0, 1),
    LIN("ierrors", U32, N_ZERO, 0, 1),
    LIN("ifspeed", U64, N_ONE, 10000000000ULL, 1),
    LIN("ipackets", U32, N_IP, 1, 1),
    LIN("ipackets64", U64, N_IP, 1, 1),
    LIN("link_duplex", U32, N_ONE, 2, 1), /* full */
    LIN("link_state", U32, N_ONE, 1, 1),  /* up */
    LIN("link_up", U32, N_ONE, 1, 1),
    LIN("multircv", U32, N_IP, 1, 500),
    LIN("multixmt", U32, N_OP, 1, 700),
    LIN("norcvbuf", U32, N_ZERO, 0, 1),
    LIN("noxmtbuf", U32, N_ZERO, 0, 1),
    LIN("obytes", U32, N_OB, 1, 1),
    LIN("obytes64", U64, N_OB, 1, 1),
    LIN("oerrors", U32, N_ZERO, 0, 1),
    LIN("opackets", U32, N_OP, 1, 1),
    LIN("opackets64", U64, N_OP, 1, 1),
    LIN("rbytes", U32, N_RB, 1, 1),
    LIN("rbytes64", U64, N_RB, 1, 1),
    LIN("unknowns", U32, N_IP, 1, 4000),
    LIN("zonename", STR, N_ZERO, 0, 1),
};

static void
nlink_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_node_t *n = &x->x_g->wg_node;
    int i = x->x_arg < WORLD_NODE_LINKS ? x->x_arg : 0;
    uint64_t b[N_NBASE] = {
        [N_ONE] = 1, [N_RB] = n->wn_link_rbytes[i].c_v, [N_OB] = n->wn_link_obytes[i].c_v};

    b[N_IP] = b[N_RB] / 1200, b[N_OP] = b[N_OB] / 1200; /* 1200-byte frames on average */
    wr_linear(k, nlink_stats, NITEMS(nlink_stats), b);
    wr_str(&k[22], sp, "global");
}

static uint32_t
nlink_strsize(const world_t *w, const wshm_zone_t *z, int arg)
{
    (void)w;
    (void)z;
    (void)arg;
    return sizeof("global");
}

static const wrkind_t nlink_kind = {"net", nlink_stats, NITEMS(nlink_stats), nlink_fill,
                                    nlink_strsize};

const wrkind_t *const wr_node_kinds[WK_NKINDS] = {
    [WK_SYSMISC] = &sysmisc_kind, [WK_CPU_SYS] = &cpusys_kind,    [WK_CPU_INFO] = &cpuinfo_kind,
    [WK_ARCSTATS] = &wr_arc_kind, [WK_METASLAB] = &wr_mslab_kind, [WK_NODE_LINK] = &nlink_kind,
};
