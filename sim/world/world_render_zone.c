/*
 * world_render_zone.c - the per-zone kstats of illumos (SmartOS): their
 * records in the order and data types of the kernel sources, and their
 * values derived from the zone's counters. Each kind is a table: record,
 * base quantity, multiplier and divisor (wrlin_t). Derived values (packets
 * from bytes, operations from bytes, TCP segments from traffic) are linear
 * in monotonic counters, so they are monotonic and mutually consistent.
 * The zonename string record, where a kind has one, is written last.
 */
#include <stdint.h>

#include "world_render.h"

#define U32 KSTAT_DATA_UINT32
#define U64 KSTAT_DATA_UINT64
#define I32 KSTAT_DATA_INT32
#define STR KSTAT_DATA_STRING
#define NOCAP UINT64_MAX
#define NITEMS(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define NS 1000000000ULL

static uint64_t
wr_cap(uint64_t v)
{
    return v == 0 ? NOCAP : v;
}

/* ---- zones:<zid>:<name30> (zone_misc) ---- */

enum { M_ZERO, M_USER, M_SYS, M_WAITRQ, M_AVG1, M_AVG5, M_AVG15, M_FORKS, M_PID, M_BOOT, M_NBASE };

static const wrlin_t zone_misc_stats[] = {
    LIN("zonename", STR, M_ZERO, 0, 1),        LIN("nsec_user", U64, M_USER, 1, 1),
    LIN("nsec_sys", U64, M_SYS, 1, 1),         LIN("nsec_waitrq", U64, M_WAITRQ, 1, 1),
    LIN("avenrun_1min", U32, M_AVG1, 1, 1),    LIN("avenrun_5min", U32, M_AVG5, 1, 1),
    LIN("avenrun_15min", U32, M_AVG15, 1, 1),  LIN("forkfail_cap", U32, M_ZERO, 0, 1),
    LIN("forkfail_noproc", U32, M_ZERO, 0, 1), LIN("forkfail_nomem", U32, M_FORKS, 1, 50000),
    LIN("forkfail_misc", U32, M_ZERO, 0, 1),   LIN("mapfail_seglim", U32, M_ZERO, 0, 1),
    LIN("nested_interp", U32, M_ZERO, 0, 1),   LIN("init_pid", U32, M_PID, 1, 1),
    LIN("boot_time", U64, M_BOOT, 1, 1),
};

static void
zone_misc_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    const wshm_ctr_t *c = &z->wz_c;
    uint64_t b[M_NBASE] = {[M_USER] = c->nsec_user.c_v,
                           [M_SYS] = c->nsec_sys.c_v,
                           [M_WAITRQ] = c->nsec_waitrq.c_v,
                           [M_AVG1] = c->avenrun[0],
                           [M_AVG5] = c->avenrun[1],
                           [M_AVG15] = c->avenrun[2],
                           [M_FORKS] = c->forks.c_v,
                           [M_PID] = z->wz_init_pid,
                           [M_BOOT] = (uint64_t)x->x_w->w_hdr->wh_epoch + z->wz_boot_ns / NS};

    wr_linear(k, zone_misc_stats, NITEMS(zone_misc_stats), b);
    wr_str(&k[0], sp, z->wz_name);
}

static const wrkind_t zone_misc_kind = {"zone_misc", zone_misc_stats, NITEMS(zone_misc_stats),
                                        zone_misc_fill, wr_zonename_size};

/* ---- memory_cap:<zid>:<name30> (zone_memory_cap) ---- */

enum { P_ZERO, P_RSS, P_PHYSCAP, P_SWAP, P_SWAPCAP, P_NOVER, P_PAGEDOUT, P_PGIN, P_FAIL, P_NBASE };

static const wrlin_t memcap_stats[] = {
    LIN("zonename", STR, P_ZERO, 0, 1),       LIN("rss", U64, P_RSS, 1, 1),
    LIN("physcap", U64, P_PHYSCAP, 1, 1),     LIN("swap", U64, P_SWAP, 1, 1),
    LIN("swapcap", U64, P_SWAPCAP, 1, 1),     LIN("nover", U64, P_NOVER, 1, 1),
    LIN("pagedout", U64, P_PAGEDOUT, 1, 1),   LIN("pgpgin", U64, P_PGIN, 1, 1),
    LIN("anonpgin", U64, P_PGIN, 1, 2),       LIN("execpgin", U64, P_PGIN, 1, 8),
    LIN("fspgin", U64, P_PGIN, 3, 8),         LIN("anon_alloc_fail", U64, P_FAIL, 1, 1),
    LIN("n_pf_throttle", U64, P_NOVER, 3, 1), LIN("n_pf_throttle_usec", U64, P_NOVER, 3000, 1),
};

static void
memcap_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    const wshm_ctr_t *c = &z->wz_c;
    uint64_t b[P_NBASE] = {[P_RSS] = c->rss,         [P_PHYSCAP] = wr_cap(z->wz_mem_cap),
                           [P_SWAP] = c->swap,       [P_SWAPCAP] = wr_cap(z->wz_swap_cap),
                           [P_NOVER] = c->nover.c_v, [P_PAGEDOUT] = c->pagedout.c_v,
                           [P_PGIN] = c->pgpgin.c_v, [P_FAIL] = c->anon_alloc_fail.c_v};

    wr_linear(k, memcap_stats, NITEMS(memcap_stats), b);
    wr_str(&k[0], sp, z->wz_name);
}

static const wrkind_t memcap_kind = {"zone_memory_cap", memcap_stats, NITEMS(memcap_stats),
                                     memcap_fill, wr_zonename_size};

/* ---- caps:<zid>:cpucaps_zone_<zid> (zone_caps) ---- */

enum { K_ZERO, K_CAP, K_BURST, K_USAGE, K_NWAIT, K_BELOW, K_ABOVE, K_ABOVE_BASE, K_MAX, K_NBASE };

static const wrlin_t cpucaps_stats[] = {
    LIN("value", U64, K_CAP, 1, 1),           LIN("baseline", U64, K_CAP, 1, 2),
    LIN("effective", U64, K_CAP, 1, 1),       LIN("burst_limit_sec", U64, K_ZERO, 0, 1),
    LIN("bursting_sec", U64, K_BURST, 1, NS), LIN("usage", U64, K_USAGE, 1, 1),
    LIN("nwait", U64, K_NWAIT, 1, 1),         LIN("below_sec", U64, K_BELOW, 1, NS),
    LIN("above_sec", U64, K_ABOVE, 1, NS),    LIN("above_base_sec", U64, K_ABOVE_BASE, 1, NS),
    LIN("maxusage", U64, K_MAX, 1, 1),        LIN("zonename", STR, K_ZERO, 0, 1),
};

static void
cpucaps_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    const wshm_ctr_t *c = &z->wz_c;
    uint64_t b[K_NBASE] = {[K_CAP] = z->wz_cpu_cap,
                           [K_BURST] = c->cap_burst_ns.c_v,
                           [K_USAGE] = c->cap_usage,
                           [K_NWAIT] = c->cap_nwait,
                           [K_BELOW] = c->cap_below_ns.c_v,
                           [K_ABOVE] = c->cap_above_ns.c_v,
                           [K_ABOVE_BASE] = c->cap_above_base_ns.c_v,
                           [K_MAX] = c->cap_maxusage};

    wr_linear(k, cpucaps_stats, NITEMS(cpucaps_stats), b);
    wr_str(&k[11], sp, z->wz_name);
}

static const wrkind_t cpucaps_kind = {"zone_caps", cpucaps_stats, NITEMS(cpucaps_stats),
                                      cpucaps_fill, wr_zonename_size};

/* ---- caps:<zid>:{lockedmem,swapresv,nprocs,physicalmem}_zone_<zid> (zone_caps, rctl kstats) ----
 */

enum { R_ZERO, R_USAGE, R_VALUE, R_NBASE };

static const wrlin_t rctl_stats[] = {
    LIN("zonename", STR, R_ZERO, 0, 1),
    LIN("usage", U64, R_USAGE, 1, 1),
    LIN("value", U64, R_VALUE, 1, 1),
};

static void
rctl_fill(kstat_named_t *k, char **sp, const wshm_zone_t *z, uint64_t usage, uint64_t value)
{
    uint64_t b[R_NBASE] = {[R_USAGE] = usage, [R_VALUE] = value};

    wr_linear(k, rctl_stats, NITEMS(rctl_stats), b);
    wr_str(&k[0], sp, z->wz_name);
}

static void
lockedmem_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    rctl_fill(k, sp, x->x_z, x->x_z->wz_c.lockedmem, wr_cap(x->x_z->wz_mem_cap));
}

static void
swapresv_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    rctl_fill(k, sp, x->x_z, x->x_z->wz_c.swap, wr_cap(x->x_z->wz_swap_cap));
}

static void
nprocs_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    rctl_fill(k, sp, x->x_z, x->x_z->wz_c.nprocs, NOCAP);
}

/* physicalmem: the zone's resident memory against its memory cap */
static void
physmem_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    rctl_fill(k, sp, x->x_z, x->x_z->wz_c.rss, wr_cap(x->x_z->wz_mem_cap));
}

static const wrkind_t lockedmem_kind = {"zone_caps", rctl_stats, NITEMS(rctl_stats), lockedmem_fill,
                                        wr_zonename_size};
static const wrkind_t swapresv_kind = {"zone_caps", rctl_stats, NITEMS(rctl_stats), swapresv_fill,
                                       wr_zonename_size};
static const wrkind_t nprocs_kind = {"zone_caps", rctl_stats, NITEMS(rctl_stats), nprocs_fill,
                                     wr_zonename_size};
static const wrkind_t physmem_kind = {"zone_caps", rctl_stats, NITEMS(rctl_stats), physmem_fill,
                                      wr_zonename_size};

/* ---- zone_vfs:<zid>:<name30> (zone_vfs) and zone_zfs:<zid>:<name30> (zone_zfs) ---- */

enum {
    V_ZERO,
    V_NREAD,
    V_READS,
    V_RTIME,
    V_RLEN,
    V_RCNT,
    V_NWRITTEN,
    V_WRITES,
    V_WTIME,
    V_WLEN,
    V_WCNT,
    V_10MS,
    V_100MS,
    V_1S,
    V_NBASE
};

static const wrlin_t vfs_stats[] = {
    LIN("zonename", STR, V_ZERO, 0, 1),     LIN("nread", U64, V_NREAD, 1, 1),
    LIN("reads", U64, V_READS, 1, 1),       LIN("rtime", U64, V_RTIME, 1, 1),
    LIN("rlentime", U64, V_RLEN, 1, 1),     LIN("rcnt", U64, V_RCNT, 1, 1),
    LIN("nwritten", U64, V_NWRITTEN, 1, 1), LIN("writes", U64, V_WRITES, 1, 1),
    LIN("wtime", U64, V_WTIME, 1, 1),       LIN("wlentime", U64, V_WLEN, 1, 1),
    LIN("wcnt", U64, V_WCNT, 1, 1),         LIN("10ms_ops", U64, V_10MS, 1, 1),
    LIN("100ms_ops", U64, V_100MS, 1, 1),   LIN("1s_ops", U64, V_1S, 1, 1),
    LIN("10s_ops", U64, V_1S, 1, 10),       LIN("delay_cnt", U64, V_ZERO, 0, 1),
    LIN("delay_time", U64, V_ZERO, 0, 1),
};

/* The part of the VFS traffic that reaches ZFS: 7/8 of the reads, every write. */
static const wrlin_t zfs_stats[] = {
    LIN("zonename", STR, V_ZERO, 0, 1), LIN("nread", U64, V_NREAD, 7, 8),
    LIN("reads", U64, V_READS, 7, 8),   LIN("rtime", U64, V_RTIME, 3, 4),
    LIN("rlentime", U64, V_RLEN, 3, 4), LIN("nwritten", U64, V_NWRITTEN, 1, 1),
    LIN("writes", U64, V_WRITES, 1, 1), LIN("waittime", U64, V_WTIME, 1, 2),
};

static void
vfs_base(const wshm_zone_t *z, uint64_t *b)
{
    const wshm_ctr_t *c = &z->wz_c;
    const world_load_t *l = &z->wz_load;

    b[V_NREAD] = c->vfs_nread.c_v, b[V_READS] = b[V_NREAD] / z->wz_iosize;
    b[V_NWRITTEN] = c->vfs_nwritten.c_v, b[V_WRITES] = b[V_NWRITTEN] / z->wz_iosize;
    b[V_RTIME] = c->vfs_rtime.c_v, b[V_RLEN] = c->vfs_rlentime.c_v;
    b[V_WTIME] = c->vfs_wtime.c_v, b[V_WLEN] = c->vfs_wlentime.c_v;
    b[V_RCNT] = l->wl_vfs_read_bps + l->wl_vfs_write_bps > 0; /* gauges: queue lengths */
    b[V_WCNT] = l->wl_vfs_write_bps > (64u << 20);
    b[V_10MS] = c->vfs_10ms.c_v, b[V_100MS] = c->vfs_100ms.c_v, b[V_1S] = c->vfs_1s.c_v;
}

static void
vfs_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    uint64_t b[V_NBASE] = {0};

    vfs_base(x->x_z, b);
    wr_linear(k, vfs_stats, NITEMS(vfs_stats), b);
    wr_str(&k[0], sp, x->x_z->wz_name);
}

static void
zfs_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    uint64_t b[V_NBASE] = {0};

    vfs_base(x->x_z, b);
    wr_linear(k, zfs_stats, NITEMS(zfs_stats), b);
    wr_str(&k[0], sp, x->x_z->wz_name);
}

static const wrkind_t vfs_kind = {"zone_vfs", vfs_stats, NITEMS(vfs_stats), vfs_fill,
                                  wr_zonename_size};
static const wrkind_t zfs_kind = {"zone_zfs", zfs_stats, NITEMS(zfs_stats), zfs_fill,
                                  wr_zonename_size};

/* ---- tcp:<zid>:tcp (mib2): segments and connections follow the zone's traffic ---- */

/* The base quantities of the TCP records. */
enum { T_ONE, T_IN, T_OUT, T_ACT, T_PAS, T_OPENS, T_RETR, T_ESTAB, T_RB, T_OB, T_NBASE };

static const wrlin_t tcp_stats[] = {
    LIN("rtoAlgorithm", I32, T_ONE, 4, 1),
    LIN("rtoMin", I32, T_ONE, 400, 1),
    LIN("rtoMax", I32, T_ONE, 60000, 1),
    LIN("maxConn", I32, T_ONE, UINT32_MAX, 1), /* -1: no limit */
    LIN("activeOpens", U32, T_ACT, 1, 1),
    LIN("passiveOpens", U32, T_PAS, 1, 1),
    LIN("attemptFails", U32, T_ACT, 1, 50),
    LIN("estabResets", U32, T_PAS, 1, 100),
    LIN("currEstab", U32, T_ESTAB, 1, 1),
    LIN("inSegs", U64, T_IN, 1, 1),
    LIN("outSegs", U64, T_OUT, 1, 1),
    LIN("retransSegs", U32, T_RETR, 1, 1),
    LIN("connTableSize", I32, T_ONE, 56, 1),
    LIN("outRsts", U32, T_PAS, 1, 100),
    LIN("outDataSegs", U32, T_OUT, 9, 10),
    LIN("outDataBytes", U32, T_OB, 1, 1),
    LIN("retransBytes", U32, T_RETR, 1448, 1),
    LIN("outAck", U32, T_IN, 1, 2),
    LIN("outAckDelayed", U32, T_IN, 1, 6),
    LIN("outUrg", U32, T_ONE, 0, 1),
    LIN("outWinUpdate", U32, T_IN, 1, 1000),
    LIN("outWinProbe", U32, T_ONE, 0, 1),
    LIN("outControl", U32, T_OPENS, 3, 1),
    LIN("outFastRetrans", U32, T_RETR, 1, 4),
    LIN("inAckSegs", U32, T_OUT, 1, 2),
    LIN("inAckBytes", U32, T_OB, 1, 1),
    LIN("inDupAck", U32, T_IN, 1, 700),
    LIN("inAckUnsent", U32, T_ONE, 0, 1),
    LIN("inDataInorderSegs", U32, T_IN, 9, 10),
    LIN("inDataInorderBytes", U32, T_RB, 1, 1),
    LIN("inDataUnorderSegs", U32, T_IN, 1, 50),
    LIN("inDataUnorderBytes", U32, T_RB, 1, 50),
    LIN("inDataDupSegs", U32, T_IN, 1, 900),
    LIN("inDataDupBytes", U32, T_RB, 1, 900),
    LIN("inDataPartDupSegs", U32, T_ONE, 0, 1),
    LIN("inDataPartDupBytes", U32, T_ONE, 0, 1),
    LIN("inDataPastWinSegs", U32, T_ONE, 0, 1),
    LIN("inDataPastWinBytes", U32, T_ONE, 0, 1),
    LIN("inWinProbe", U32, T_ONE, 0, 1),
    LIN("inWinUpdate", U32, T_IN, 1, 1000),
    LIN("inClosed", U32, T_PAS, 1, 10),
    LIN("rttUpdate", U32, T_OUT, 1, 2),
    LIN("rttNoUpdate", U32, T_OUT, 1, 200),
    LIN("timRetrans", U32, T_RETR, 1, 3),
    LIN("timRetransDrop", U32, T_RETR, 1, 600),
    LIN("timKeepalive", U32, T_IN, 1, 5000),
    LIN("timKeepaliveProbe", U32, T_IN, 1, 100000),
    LIN("timKeepaliveDrop", U32, T_ONE, 0, 1),
    LIN("listenDrop", U32, T_PAS, 1, 2000),
    LIN("listenDropQ0", U32, T_PAS, 1, 5000),
    LIN("halfOpenDrop", U32, T_PAS, 1, 3000),
    LIN("outSackRetransSegs", U32, T_RETR, 1, 5),
    LIN("connTableSize6", I32, T_ONE, 84, 1),
};

static void
tcp_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    uint64_t b[T_NBASE] = {[T_ONE] = 1};

    (void)sp;
    for (uint32_t i = 0; i < z->wz_nics && i < WORLD_NICS_MAX; i++) {
        b[T_RB] += z->wz_c.rbytes[i].c_v;
        b[T_OB] += z->wz_c.obytes[i].c_v;
    }
    b[T_IN] = b[T_RB] / 1448, b[T_OUT] = b[T_OB] / 1448;    /* MSS-sized segments */
    b[T_ACT] = b[T_OB] / 65536, b[T_PAS] = b[T_RB] / 65536; /* one connection per 64 KiB */
    b[T_OPENS] = b[T_ACT] + b[T_PAS];
    b[T_RETR] = b[T_OUT] / 400;
    if (z->wz_nics > 0) /* a gauge: connections open at the current rates */
        b[T_ESTAB] = (z->wz_load.wl_net_rx_bps + z->wz_load.wl_net_tx_bps) / 32768;
    wr_linear(k, tcp_stats, NITEMS(tcp_stats), b);
}

static const wrkind_t tcp_kind = {"mib2", tcp_stats, NITEMS(tcp_stats), tcp_fill, NULL};

/* ---- link:0:z<zid>_net<n> (net): 32-bit counters wrap, the *64 ones do not ---- */

enum { L_ZERO, L_ONE, L_IP, L_OP, L_RB, L_OB, L_NBASE };

static const wrlin_t link_stats[] = {
    LIN("brdcstrcv", U32, L_IP, 1, 1000),
    LIN("brdcstxmt", U32, L_OP, 1, 2000),
    LIN("collisions", U32, L_ZERO, 0, 1),
    LIN("ierrors", U32, L_IP, 1, 1000000),
    LIN("ifspeed", U64, L_ONE, 10000000000ULL, 1),
    LIN("ipackets", U32, L_IP, 1, 1),
    LIN("ipackets64", U64, L_IP, 1, 1),
    LIN("link_duplex", U32, L_ONE, 2, 1), /* full */
    LIN("link_state", U32, L_ONE, 1, 1),  /* up */
    LIN("link_up", U32, L_ONE, 1, 1),
    LIN("multircv", U32, L_IP, 1, 500),
    LIN("multixmt", U32, L_OP, 1, 700),
    LIN("norcvbuf", U32, L_ZERO, 0, 1),
    LIN("noxmtbuf", U32, L_ZERO, 0, 1),
    LIN("obytes", U32, L_OB, 1, 1),
    LIN("obytes64", U64, L_OB, 1, 1),
    LIN("oerrors", U32, L_ZERO, 0, 1),
    LIN("opackets", U32, L_OP, 1, 1),
    LIN("opackets64", U64, L_OP, 1, 1),
    LIN("rbytes", U32, L_RB, 1, 1),
    LIN("rbytes64", U64, L_RB, 1, 1),
    LIN("unknowns", U32, L_IP, 1, 4000),
    LIN("zonename", STR, L_ZERO, 0, 1),
};

static void
link_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    int n = x->x_arg < WORLD_NICS_MAX ? x->x_arg : 0;
    uint64_t b[L_NBASE] = {
        [L_ONE] = 1, [L_RB] = z->wz_c.rbytes[n].c_v, [L_OB] = z->wz_c.obytes[n].c_v};

    b[L_IP] = b[L_RB] / z->wz_pkt_rx, b[L_OP] = b[L_OB] / z->wz_pkt_tx;
    wr_linear(k, link_stats, NITEMS(link_stats), b);
    wr_str(&k[22], sp, z->wz_name);
}

static const wrkind_t link_kind = {"net", link_stats, NITEMS(link_stats), link_fill,
                                   wr_zonename_size};

const wrkind_t *const wr_zone_kinds[WK_NKINDS] = {
    [WK_ZONE_MISC] = &zone_misc_kind, [WK_MEMCAP] = &memcap_kind,     [WK_CPUCAPS] = &cpucaps_kind,
    [WK_LOCKEDMEM] = &lockedmem_kind, [WK_SWAPRESV] = &swapresv_kind, [WK_NPROCS] = &nprocs_kind,
    [WK_ZONE_VFS] = &vfs_kind,        [WK_ZONE_ZFS] = &zfs_kind,      [WK_TCP] = &tcp_kind,
    [WK_LINK] = &link_kind,           [WK_PHYSMEM] = &physmem_kind,
};
