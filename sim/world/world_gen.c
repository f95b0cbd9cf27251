/*
 * world_gen.c - plausible zones drawn from the seed: the population of
 * `cmon-sim serve` and of the benchmarks. A mix like a SmartOS compute node:
 * mostly joyent and lx containers, some hardware VMs, about half of them
 * CPU-capped, one in ten running over its memory cap, one in fifty hot.
 */
#include <math.h>
#include <stdio.h>

#include "world_shm.h"

static uint64_t
gen_next(uint64_t *r)
{
    *r = wrng_mix(*r);
    return *r;
}

static const char *
gen_brand(uint64_t r)
{
    static const char *const b[] = {"joyent",         "joyent", "joyent", "joyent", "joyent",
                                    "joyent-minimal", "lx",     "lx",     "lx",     "kvm",
                                    "bhyve"};

    return b[r % (sizeof(b) / sizeof(b[0]))];
}

/*
 * A few zones are hot: they want 1.1 times their cap (or one CPU), together
 * about a tenth of the node. The others want an exponentially distributed
 * share of half the node. So a full world keeps the node's CPUs a little
 * over half busy whatever its size, and some capped zones sit at their cap.
 */
static void
gen_load(const world_t *w, uint64_t *r, const world_zone_opts_t *o, world_load_t *l)
{
    double base = 0.5 * w->w_hdr->wh_ncpus / (w->w_zone_slots - 1);
    double u = ((double)(gen_next(r) % 1000000) + 0.5) / 1e6, cpu;
    double hot = fmin(0.02, 0.05 * w->w_hdr->wh_ncpus / (w->w_zone_slots - 1));

    if ((double)(gen_next(r) % 1000000) / 1e6 < hot)
        cpu = o->wzo_cpu_cap ? o->wzo_cpu_cap / 100.0 * 1.1 : 1.0;
    else
        cpu = -log(u) * base;
    l->wl_cpu_user = cpu * 0.8;
    l->wl_cpu_sys = cpu * 0.2;
    l->wl_net_rx_bps = gen_next(r) % (8u << 20);
    l->wl_net_tx_bps = gen_next(r) % (4u << 20);
    l->wl_vfs_read_bps = gen_next(r) % (16u << 20);
    l->wl_vfs_write_bps = gen_next(r) % (4u << 20);
    l->wl_rss = o->wzo_mem_cap / 100 * (20 + gen_next(r) % 90); /* 20%..109% of the cap */
}

int
world_zone_add_random(world_t *w, uint64_t n)
{
    uint64_t r = wrng_mix(w->w_hdr->wh_seed ^ wrng_mix(n ^ 0x9a7e));
    world_zone_opts_t o = {0};
    world_load_t l = {0};
    char alias[WORLD_NAME_MAX];
    int zix;

    o.wzo_brand = gen_brand(gen_next(&r));
    o.wzo_cpu_cap = gen_next(&r) % 2 ? (uint32_t)(50u << (gen_next(&r) % 5)) : 0;
    o.wzo_mem_cap = 256ULL << 20 << (gen_next(&r) % 7); /* 256 MiB .. 16 GiB */
    o.wzo_swap_cap = o.wzo_mem_cap * 2;
    o.wzo_quota = o.wzo_mem_cap * 10;
    o.wzo_nics = gen_next(&r) % 3 ? 2 : 1; /* admin + external, some admin only */
    /* Like vmadm, where the alias is optional: every eighth zone has none. */
    snprintf(alias, sizeof(alias), "%s-%llu", o.wzo_brand, (unsigned long long)n);
    o.wzo_alias = n % 8 == 7 ? NULL : alias;
    gen_load(w, &r, &o, &l);
    if ((zix = world_zone_add(w, &o)) < 0)
        return -1;
    world_zone_load_set(w, zix, &l);
    return zix;
}
