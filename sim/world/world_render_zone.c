/*
 * world_render_zone.c - the per-zone kstats of illumos (SmartOS): their
 * records in the order and data types of the kernel sources, and their
 * values derived from the zone's counters. Derived values (packets from
 * bytes, operations from bytes, TCP segments from traffic) are linear in
 * monotonic counters, so they are monotonic and mutually consistent.
 */
#include <stdint.h>

#include "world_render.h"

#define U32 KSTAT_DATA_UINT32
#define U64 KSTAT_DATA_UINT64
#define I32 KSTAT_DATA_INT32
#define I64 KSTAT_DATA_INT64
#define STR KSTAT_DATA_STRING
#define NOCAP UINT64_MAX
#define NITEMS(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

static uint64_t
wr_cap(uint64_t v)
{
    return v == 0 ? NOCAP : v;
}

/* ---- zones:<zid>:<name30> (zone_misc) ---- */

static const kstat_named_t zone_misc_tmpl[] = {
    KN("zonename", STR),        KN("nsec_user", U64),       KN("nsec_sys", U64),
    KN("nsec_waitrq", U64),     KN("avenrun_1min", U32),    KN("avenrun_5min", U32),
    KN("avenrun_15min", U32),   KN("forkfail_cap", U32),    KN("forkfail_noproc", U32),
    KN("forkfail_nomem", U32),  KN("forkfail_misc", U32),   KN("mapfail_seglim", U32),
    KN("nested_interp", U32),   KN("init_pid", U32),        KN("boot_time", U64),
};

static void
zone_misc_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    const wshm_ctr_t *c = &z->wz_c;
    uint64_t boot = (uint64_t)x->x_w->w_hdr->wh_epoch + z->wz_boot_ns / 1000000000ULL;
    uint64_t v[] = {0, c->nsec_user.c_v, c->nsec_sys.c_v, c->nsec_waitrq.c_v,
                    c->avenrun[0], c->avenrun[1], c->avenrun[2],
                    0, 0, c->forks.c_v / 50000, 0, 0, 0, z->wz_init_pid, boot};

    wr_values(k, v, NITEMS(v));
    wr_str(&k[0], sp, z->wz_name);
}

static const wrkind_t zone_misc_kind = {"zone_misc", zone_misc_tmpl, NITEMS(zone_misc_tmpl),
                                        zone_misc_fill, wr_zonename_size};

/* ---- memory_cap:<zid>:<name30> (zone_memory_cap) ---- */

static const kstat_named_t memcap_tmpl[] = {
    KN("zonename", STR),   KN("rss", U64),     KN("physcap", U64),  KN("swap", U64),
    KN("swapcap", U64),    KN("nover", U64),   KN("pagedout", U64), KN("pgpgin", U64),
    KN("anonpgin", U64),   KN("execpgin", U64), KN("fspgin", U64),
    KN("anon_alloc_fail", U64), KN("n_pf_throttle", U64), KN("n_pf_throttle_usec", U64),
};

static void
memcap_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    const wshm_ctr_t *c = &z->wz_c;
    uint64_t pg = c->pgpgin.c_v;
    uint64_t v[] = {0, c->rss, wr_cap(z->wz_mem_cap), c->swap, wr_cap(z->wz_swap_cap),
                    c->nover.c_v, c->pagedout.c_v, pg, pg / 2, pg / 8, pg - pg / 2 - pg / 8,
                    c->anon_alloc_fail.c_v, c->nover.c_v * 3, c->nover.c_v * 3000};

    wr_values(k, v, NITEMS(v));
    wr_str(&k[0], sp, z->wz_name);
}

static const wrkind_t memcap_kind = {"zone_memory_cap", memcap_tmpl, NITEMS(memcap_tmpl),
                                     memcap_fill, wr_zonename_size};

/* ---- caps:<zid>:cpucaps_zone_<zid> (zone_caps) ---- */

static const kstat_named_t cpucaps_tmpl[] = {
    KN("value", U64),      KN("baseline", U64),  KN("effective", U64),
    KN("burst_limit_sec", U64), KN("bursting_sec", U64), KN("usage", U64),
    KN("nwait", U64),      KN("below_sec", U64), KN("above_sec", U64),
    KN("above_base_sec", U64), KN("maxusage", U64), KN("zonename", STR),
};

static void
cpucaps_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    const wshm_ctr_t *c = &z->wz_c;
    const uint64_t s = 1000000000ULL;
    uint64_t v[] = {z->wz_cpu_cap, z->wz_cpu_cap / 2, z->wz_cpu_cap, 0,
                    c->cap_burst_ns.c_v / s, c->cap_usage, c->cap_nwait,
                    c->cap_below_ns.c_v / s, c->cap_above_ns.c_v / s,
                    c->cap_above_base_ns.c_v / s, c->cap_maxusage, 0};

    wr_values(k, v, NITEMS(v));
    wr_str(&k[11], sp, z->wz_name);
}

static const wrkind_t cpucaps_kind = {"zone_caps", cpucaps_tmpl, NITEMS(cpucaps_tmpl),
                                      cpucaps_fill, wr_zonename_size};

/* ---- caps:<zid>:{lockedmem,swapresv,nprocs}_zone_<zid> (zone_caps, rctl kstats) ---- */

static const kstat_named_t rctl_tmpl[] = {
    KN("zonename", STR), KN("usage", U64), KN("value", U64),
};

static void
rctl_fill(kstat_named_t *k, char **sp, const wshm_zone_t *z, uint64_t usage, uint64_t value)
{
    uint64_t v[] = {0, usage, value};

    wr_values(k, v, NITEMS(v));
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

static const wrkind_t lockedmem_kind = {"zone_caps", rctl_tmpl, NITEMS(rctl_tmpl),
                                        lockedmem_fill, wr_zonename_size};
static const wrkind_t swapresv_kind = {"zone_caps", rctl_tmpl, NITEMS(rctl_tmpl),
                                       swapresv_fill, wr_zonename_size};
static const wrkind_t nprocs_kind = {"zone_caps", rctl_tmpl, NITEMS(rctl_tmpl), nprocs_fill,
                                     wr_zonename_size};

/* ---- zone_vfs:<zid>:<name30> (zone_vfs) ---- */

static const kstat_named_t vfs_tmpl[] = {
    KN("zonename", STR),  KN("nread", U64),     KN("reads", U64),    KN("rtime", U64),
    KN("rlentime", U64),  KN("rcnt", U64),      KN("nwritten", U64), KN("writes", U64),
    KN("wtime", U64),     KN("wlentime", U64),  KN("wcnt", U64),     KN("10ms_ops", U64),
    KN("100ms_ops", U64), KN("1s_ops", U64),    KN("10s_ops", U64),  KN("delay_cnt", U64),
    KN("delay_time", U64),
};

static void
vfs_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    const wshm_ctr_t *c = &z->wz_c;
    uint64_t busy = z->wz_load.wl_vfs_read_bps + z->wz_load.wl_vfs_write_bps > 0;
    uint64_t v[] = {0, c->vfs_nread.c_v, c->vfs_nread.c_v / z->wz_iosize, c->vfs_rtime.c_v,
                    c->vfs_rlentime.c_v, busy, c->vfs_nwritten.c_v,
                    c->vfs_nwritten.c_v / z->wz_iosize, c->vfs_wtime.c_v, c->vfs_wlentime.c_v,
                    busy && z->wz_load.wl_vfs_write_bps > (64u << 20), c->vfs_10ms.c_v,
                    c->vfs_100ms.c_v, c->vfs_1s.c_v, c->vfs_1s.c_v / 10, 0, 0};

    wr_values(k, v, NITEMS(v));
    wr_str(&k[0], sp, z->wz_name);
}

static const wrkind_t vfs_kind = {"zone_vfs", vfs_tmpl, NITEMS(vfs_tmpl), vfs_fill,
                                  wr_zonename_size};

/* ---- zone_zfs:<zid>:<name30> (zone_zfs): the part of VFS traffic that reaches ZFS ---- */

static const kstat_named_t zfs_tmpl[] = {
    KN("zonename", STR), KN("nread", U64),    KN("reads", U64),  KN("rtime", U64),
    KN("rlentime", U64), KN("nwritten", U64), KN("writes", U64), KN("waittime", U64),
};

static void
zfs_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    const wshm_ctr_t *c = &z->wz_c;
    uint64_t nread = c->vfs_nread.c_v / 8 * 7, nwritten = c->vfs_nwritten.c_v;
    uint64_t v[] = {0, nread, nread / z->wz_iosize, c->vfs_rtime.c_v / 4 * 3,
                    c->vfs_rlentime.c_v / 4 * 3, nwritten, nwritten / z->wz_iosize,
                    c->vfs_wtime.c_v / 2};

    wr_values(k, v, NITEMS(v));
    wr_str(&k[0], sp, z->wz_name);
}

static const wrkind_t zfs_kind = {"zone_zfs", zfs_tmpl, NITEMS(zfs_tmpl), zfs_fill,
                                  wr_zonename_size};

/* ---- tcp:<zid>:tcp (mib2): segments and connections follow the zone's traffic ---- */

static const kstat_named_t tcp_tmpl[] = {
    KN("rtoAlgorithm", I32),       KN("rtoMin", I32),
    KN("rtoMax", I32),             KN("maxConn", I32),
    KN("activeOpens", U32),        KN("passiveOpens", U32),
    KN("attemptFails", U32),       KN("estabResets", U32),
    KN("currEstab", U32),          KN("inSegs", U64),
    KN("outSegs", U64),            KN("retransSegs", U32),
    KN("connTableSize", I32),      KN("outRsts", U32),
    KN("outDataSegs", U32),        KN("outDataBytes", U32),
    KN("retransBytes", U32),       KN("outAck", U32),
    KN("outAckDelayed", U32),      KN("outUrg", U32),
    KN("outWinUpdate", U32),       KN("outWinProbe", U32),
    KN("outControl", U32),         KN("outFastRetrans", U32),
    KN("inAckSegs", U32),          KN("inAckBytes", U32),
    KN("inDupAck", U32),           KN("inAckUnsent", U32),
    KN("inDataInorderSegs", U32),  KN("inDataInorderBytes", U32),
    KN("inDataUnorderSegs", U32),  KN("inDataUnorderBytes", U32),
    KN("inDataDupSegs", U32),      KN("inDataDupBytes", U32),
    KN("inDataPartDupSegs", U32),  KN("inDataPartDupBytes", U32),
    KN("inDataPastWinSegs", U32),  KN("inDataPastWinBytes", U32),
    KN("inWinProbe", U32),         KN("inWinUpdate", U32),
    KN("inClosed", U32),           KN("rttUpdate", U32),
    KN("rttNoUpdate", U32),        KN("timRetrans", U32),
    KN("timRetransDrop", U32),     KN("timKeepalive", U32),
    KN("timKeepaliveProbe", U32),  KN("timKeepaliveDrop", U32),
    KN("listenDrop", U32),         KN("listenDropQ0", U32),
    KN("halfOpenDrop", U32),       KN("outSackRetransSegs", U32),
    KN("connTableSize6", I32),
};

static void
tcp_traffic(const wshm_zone_t *z, uint64_t *rb, uint64_t *ob)
{
    *rb = *ob = 0;
    for (uint32_t i = 0; i < z->wz_nics && i < WORLD_NICS_MAX; i++) {
        *rb += z->wz_c.rbytes[i].c_v;
        *ob += z->wz_c.obytes[i].c_v;
    }
}

static void
tcp_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    uint64_t rb, ob;

    (void)sp;
    tcp_traffic(z, &rb, &ob);
    uint64_t in = rb / 1448, out = ob / 1448, act = ob / 65536, pas = rb / 65536;
    uint64_t retr = out / 400, estab = (z->wz_load.wl_net_rx_bps + z->wz_load.wl_net_tx_bps) / 32768;
    uint64_t v[] = {4, 400, 60000, (uint64_t)-1, act, pas, act / 50, pas / 100,
                    z->wz_nics ? estab : 0, in, out, retr, 56, pas / 100, out / 10 * 9, ob,
                    retr * 1448, in / 2, in / 6, 0, in / 1000, 0, (act + pas) * 3, retr / 4,
                    out / 2, ob, in / 700, 0, in / 10 * 9, rb, in / 50, rb / 50, in / 900,
                    rb / 900, 0, 0, 0, 0, 0, in / 1000, pas / 10, out / 2, out / 200,
                    retr / 3, retr / 600, in / 5000, in / 100000, 0,
                    pas / 2000, pas / 5000, pas / 3000, retr / 5, 84};

    wr_values(k, v, NITEMS(v));
}

static const wrkind_t tcp_kind = {"mib2", tcp_tmpl, NITEMS(tcp_tmpl), tcp_fill, NULL};

/* ---- link:0:z<zid>_net<n> (net): 32-bit counters wrap, the *64 ones do not ---- */

static const kstat_named_t link_tmpl[] = {
    KN("brdcstrcv", U32),  KN("brdcstxmt", U32), KN("collisions", U32), KN("ierrors", U32),
    KN("ifspeed", U64),    KN("ipackets", U32),  KN("ipackets64", U64), KN("link_duplex", U32),
    KN("link_state", U32), KN("link_up", U32),   KN("multircv", U32),   KN("multixmt", U32),
    KN("norcvbuf", U32),   KN("noxmtbuf", U32),  KN("obytes", U32),     KN("obytes64", U64),
    KN("oerrors", U32),    KN("opackets", U32),  KN("opackets64", U64), KN("rbytes", U32),
    KN("rbytes64", U64),   KN("unknowns", U32),  KN("zonename", STR),
};

static void
link_fill(const wrctx_t *x, kstat_named_t *k, char **sp)
{
    const wshm_zone_t *z = x->x_z;
    int n = x->x_arg < WORLD_NICS_MAX ? x->x_arg : 0;
    uint64_t rb = z->wz_c.rbytes[n].c_v, ob = z->wz_c.obytes[n].c_v;
    uint64_t ip = rb / z->wz_pkt_rx, op = ob / z->wz_pkt_tx;
    uint64_t v[] = {ip / 1000, op / 2000, 0,  ip / 1000000, 10000000000ULL, ip, ip, 2, 1, 1,
                    ip / 500,  op / 700,  0,  0,  ob, ob,    0, op, op, rb, rb, ip / 4000, 0};

    wr_values(k, v, NITEMS(v));
    wr_str(&k[22], sp, z->wz_name);
}

static const wrkind_t link_kind = {"net", link_tmpl, NITEMS(link_tmpl), link_fill,
                                   wr_zonename_size};

const wrkind_t *const wr_zone_kinds[WK_NKINDS] = {
    [WK_ZONE_MISC] = &zone_misc_kind, [WK_MEMCAP] = &memcap_kind,
    [WK_CPUCAPS] = &cpucaps_kind,     [WK_LOCKEDMEM] = &lockedmem_kind,
    [WK_SWAPRESV] = &swapresv_kind,   [WK_NPROCS] = &nprocs_kind,
    [WK_ZONE_VFS] = &vfs_kind,        [WK_ZONE_ZFS] = &zfs_kind,
    [WK_TCP] = &tcp_kind,             [WK_LINK] = &link_kind,
};
