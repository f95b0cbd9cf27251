/*
 * world_tick.c - virtual time and the load model.
 *
 * Advancing time by dt integrates every running zone's load over dt:
 *   CPU   demand = cpu_user + cpu_sys CPUs; a CPU cap limits what runs, the
 *         rest waits (nsec_waitrq, nwait, above_sec);
 *   memory  rss = min(wanted, cap); being over the cap pages out (nover,
 *         pagedout, pgpgin); swap reservation beyond swapcap fails (anon_alloc_fail);
 *   VFS   bytes at the given rates, service and wait time from the op rate;
 *   net   bytes spread evenly over the NICs (packets derive from bytes at
 *         read time);
 * and the node's CPUs carry the sum of the zones' CPU time. When the zones
 * together want more than 95% of the node's CPUs, every zone gets the same
 * share of what it may use (as FSS with equal shares would give) and the
 * rest waits. Integration is exact to the unit: whole units are counted,
 * the fraction carried.
 */
#include <errno.h>
#include <math.h>

#include "world_shm.h"

#define NS 1e9

/* Node-wide sums collected while the zones advance. */
typedef struct wsum {
    double s_share; /* the fraction of its capped demand each zone gets */
    double s_user, s_sys, s_demand, s_read_ops;
    double s_rx_bps, s_tx_bps; /* the zones' network traffic: the node's NICs carry it */
    uint64_t s_nproc, s_rss;
} wsum_t;

static void
wctr_add(wctr_t *c, double inc)
{
    double x, whole;

    if (!(inc > 0))
        return;
    x = c->c_f + inc;
    whole = floor(x);
    c->c_v += (uint64_t)whole;
    c->c_f = x - whole;
}

static uint32_t
wavg(uint32_t avg, double target, double dt, double period)
{
    double e = exp(-dt / period);

    return (uint32_t)((double)avg * e + target * 256.0 * (1.0 - e));
}

static void
wtick_cpu(wshm_zone_t *z, double ns, wsum_t *sum)
{
    wshm_ctr_t *c = &z->wz_c;
    double d = z->wz_load.wl_cpu_user + z->wz_load.wl_cpu_sys, cap = z->wz_cpu_cap / 100.0;
    double eff = ((z->wz_cpu_cap && d > cap) ? cap : d) * sum->s_share;
    double scale = d > 0 ? eff / d : 0;
    double dt = ns / NS;

    wctr_add(&c->nsec_user, z->wz_load.wl_cpu_user * scale * ns);
    wctr_add(&c->nsec_sys, z->wz_load.wl_cpu_sys * scale * ns);
    wctr_add(&c->nsec_waitrq, (d - eff) * ns + d * 0.02 * ns);
    c->cap_usage = (uint64_t)(eff * 100.0 + 0.5);
    if (c->cap_usage > c->cap_maxusage)
        c->cap_maxusage = c->cap_usage;
    c->cap_nwait = d > eff ? (uint64_t)ceil((d - eff) * 4) : 0;
    wctr_add(z->wz_cpu_cap && d * 100.0 >= z->wz_cpu_cap ? &c->cap_above_ns : &c->cap_below_ns, ns);
    if (z->wz_cpu_cap && c->cap_usage > z->wz_cpu_cap / 2)
        wctr_add(&c->cap_above_base_ns, ns), wctr_add(&c->cap_burst_ns, ns);
    c->avenrun[0] = wavg(c->avenrun[0], d, dt, 60);
    c->avenrun[1] = wavg(c->avenrun[1], d, dt, 300);
    c->avenrun[2] = wavg(c->avenrun[2], d, dt, 900);
    c->nprocs = 20 + (uint64_t)(d * 10);
    wctr_add(&c->forks, (20 + d * 50) * dt);
    sum->s_user += z->wz_load.wl_cpu_user * scale;
    sum->s_sys += z->wz_load.wl_cpu_sys * scale;
    sum->s_demand += d;
    sum->s_nproc += c->nprocs;
}

static void
wtick_mem(wshm_zone_t *z, double ns)
{
    wshm_ctr_t *c = &z->wz_c;
    uint64_t want = z->wz_load.wl_rss, cap = z->wz_mem_cap ? z->wz_mem_cap : UINT64_MAX;
    uint64_t scap = z->wz_swap_cap ? z->wz_swap_cap : UINT64_MAX;
    double dt = ns / NS;

    c->rss = want < cap ? want : cap;
    if (want > cap) {
        double over = (double)(want - cap);
        wctr_add(&c->nover, dt);
        wctr_add(&c->pagedout, over * 0.05 * dt);
        wctr_add(&c->pgpgin, over / 4096.0 * 0.05 * dt);
    }
    uint64_t swap = want + want / 4;
    c->swap = swap < scap ? swap : scap;
    if (swap > scap)
        wctr_add(&c->anon_alloc_fail, 10 * dt);
    c->lockedmem = c->rss / 64;
}

static void
wtick_io(wshm_zone_t *z, double ns, wsum_t *sum)
{
    wshm_ctr_t *c = &z->wz_c;
    double dt = ns / NS, r = (double)z->wz_load.wl_vfs_read_bps;
    double wr = (double)z->wz_load.wl_vfs_write_bps;
    double ops = (r + wr) / z->wz_iosize, util = fmin(1.0, ops * 1e-4), q = 1 + ops * 1e-4;

    wctr_add(&c->vfs_nread, r * dt);
    wctr_add(&c->vfs_nwritten, wr * dt);
    wctr_add(&c->vfs_rtime, util * ns);
    wctr_add(&c->vfs_rlentime, util * ns * q);
    wctr_add(&c->vfs_wtime, util * 0.1 * ns);
    wctr_add(&c->vfs_wlentime, util * 0.1 * ns * q);
    wctr_add(&c->vfs_10ms, ops * 0.01 * dt);
    wctr_add(&c->vfs_100ms, ops * 0.001 * dt);
    wctr_add(&c->vfs_1s, ops * 1e-5 * dt);
    sum->s_read_ops += r / z->wz_iosize;
    for (uint32_t i = 0; i < z->wz_nics && i < WORLD_NICS_MAX; i++) {
        wctr_add(&c->rbytes[i], (double)z->wz_load.wl_net_rx_bps / z->wz_nics * dt);
        wctr_add(&c->obytes[i], (double)z->wz_load.wl_net_tx_bps / z->wz_nics * dt);
    }
    sum->s_rx_bps += (double)z->wz_load.wl_net_rx_bps * (z->wz_nics > 0);
    sum->s_tx_bps += (double)z->wz_load.wl_net_tx_bps * (z->wz_nics > 0);
    sum->s_rss += c->rss;
}

static void
wtick_zone(wshm_zone_t *z, uint64_t ns, uint64_t now, wsum_t *sum)
{
    wseq_write_begin(&z->wz_seq);
    wtick_cpu(z, (double)ns, sum);
    wtick_mem(z, (double)ns);
    wtick_io(z, (double)ns, sum);
    z->wz_snap_ns = now;
    wseq_write_end(&z->wz_seq);
}

/*
 * The node's CPUs carry the zones' time and the kernel's own 1%, each CPU a
 * fixed skew (0.85..1.15 of the mean, from the seed) as a real scheduler
 * leaves some CPUs busier than others.
 */
static void
wtick_cpus(world_t *w, double ns, double user, double sys)
{
    wshm_global_t *g = w->w_global;
    double skew[WORLD_CPUS_MAX], mean = 0;

    for (uint32_t i = 0; i < g->wg_ncpus; i++) {
        uint64_t r = wrng_mix(w->w_hdr->wh_seed ^ wrng_mix(i + 0xc9u));
        skew[i] = 0.85 + 0.3 * (double)(r % 1000) / 1000.0;
        mean += skew[i] / g->wg_ncpus;
    }
    for (uint32_t i = 0; i < g->wg_ncpus; i++) {
        double u = fmin(user * skew[i] / mean, 1.0);
        double k = fmin(sys * skew[i] / mean, 1.0 - u);
        wctr_add(&g->wg_cpu[i][0], u * ns);
        wctr_add(&g->wg_cpu[i][1], k * ns);
        wctr_add(&g->wg_cpu[i][2], (1.0 - u - k) * ns);
        wctr_add(&g->wg_cpu[i][3], k * 0.001 * ns);
    }
}

static void
wtick_global(world_t *w, uint64_t ns, uint64_t now, const wsum_t *sum)
{
    static const double periods[3] = {60, 300, 900};
    wshm_global_t *g = w->w_global;
    double n = g->wg_ncpus, dt = ns / NS;
    double user = fmin(sum->s_user / n, 1.0), sys = fmin(sum->s_sys / n + 0.01, 1.0 - user);

    wseq_write_begin(&g->wg_seq);
    wtick_cpus(w, (double)ns, user, sys);
    wctr_add(&g->wg_arc_hits, sum->s_read_ops * 0.9 * dt);
    wctr_add(&g->wg_arc_misses, sum->s_read_ops * 0.1 * dt);
    g->wg_arc_size = g->wg_arc_c - (uint64_t)fmin((double)g->wg_arc_c / 2, sum->s_rss / 16.0);
    for (int i = 0; i < 3; i++)
        g->wg_avenrun[i] = wavg(g->wg_avenrun[i], sum->s_demand, dt, periods[i]);
    g->wg_nproc = (uint32_t)(sum->s_nproc + 120);
    wnode_tick(g, dt, sum->s_rx_bps, sum->s_tx_bps);
    g->wg_snap_ns = now;
    wseq_write_end(&g->wg_seq);
}

/* What the running zones want, capped: the CPU contention of the node. */
static double
wtick_share(const world_t *w)
{
    double want = 0, avail = 0.95 * w->w_hdr->wh_ncpus;

    for (int zix = 0; zix < w->w_hdr->wh_zhigh; zix++) {
        const wshm_zone_t *z = &w->w_zones[zix];
        if (z->wz_state != WORLD_ZONE_RUNNING)
            continue;
        double d = z->wz_load.wl_cpu_user + z->wz_load.wl_cpu_sys, cap = z->wz_cpu_cap / 100.0;
        want += (z->wz_cpu_cap && d > cap) ? cap : d;
    }
    return want > avail ? avail / want : 1.0;
}

uint64_t
world_time_now(const world_t *w)
{
    return atomic_load_explicit(&w->w_hdr->wh_now, memory_order_acquire);
}

void
world_time_advance(world_t *w, uint64_t ns)
{
    uint64_t now;
    wsum_t sum = {0};

    if (ns == 0 || w == NULL || !w->w_writer)
        return;
    now = world_time_now(w) + ns;
    sum.s_share = wtick_share(w);
    for (int zix = 0; zix < w->w_hdr->wh_zhigh; zix++)
        if (w->w_zones[zix].wz_state == WORLD_ZONE_RUNNING)
            wtick_zone(&w->w_zones[zix], ns, now, &sum);
    wtick_global(w, ns, now, &sum);
    atomic_store_explicit(&w->w_hdr->wh_now, now, memory_order_release);
}

int
world_time_set(world_t *w, uint64_t ns)
{
    uint64_t now = world_time_now(w);

    if (!w->w_writer) {
        errno = EPERM;
        return -1;
    }
    if (ns < now) {
        errno = EINVAL;
        return -1;
    }
    world_time_advance(w, ns - now);
    return 0;
}
