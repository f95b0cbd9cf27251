/*
 * test_fidelity.c - one test per fidelity rule of DESIGN.md, through the
 * fake libkstat and zone calls exactly as a program uses them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kstat.h"
#include "test_util.h"
#include "world_node.h"
#include "zone.h"

#define LONGNAME "0123456789abcdef0123456789abcdef-long-zone-name"

static kstat_named_t *
named(kstat_t *ksp, const char *stat)
{
    kstat_named_t *k = kstat_data_lookup(ksp, stat);

    CU_ASSERT_PTR_NOT_NULL(k);
    return k;
}

/* Names cut to 30 characters, with the full name in a zonename string stat. */
static void
test_names_cut(void)
{
    world_t *w = test_world_new(4, 1, 2);
    int zix = test_zone_add(w, LONGNAME, 1, 0);
    world_zone_info_t zi;
    kstat_ctl_t *kc = kstat_open();
    char cut[31];
    static const char *const mods[] = {"zones", "memory_cap", "zone_vfs", "zone_zfs"};

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    world_zone_info(w, zix, &zi);
    memcpy(cut, LONGNAME, 30);
    cut[30] = '\0';
    CU_ASSERT_EQUAL(strlen(cut), 30);
    for (int i = 0; i < 4; i++) {
        kstat_t *ksp = kstat_lookup(kc, (char *)mods[i], zi.wzi_zoneid, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ksp);
        CU_ASSERT_STRING_EQUAL(ksp->ks_name, cut);
        CU_ASSERT_PTR_NULL(kstat_lookup(kc, (char *)mods[i], zi.wzi_zoneid, LONGNAME));
        CU_ASSERT_NOT_EQUAL_FATAL(kstat_read(kc, ksp, NULL), -1);
        kstat_named_t *zn = named(ksp, "zonename");
        CU_ASSERT_EQUAL(zn->data_type, KSTAT_DATA_STRING);
        CU_ASSERT_STRING_EQUAL(KSTAT_NAMED_STR_PTR(zn), LONGNAME);
    }
    kstat_close(kc);
    test_world_free(w);
}

/* KIDs ascend along the chain and stay with their kstat across updates. */
static void
test_kids_stable(void)
{
    world_t *w = test_world_new(8, 2, 2);
    int a = test_zone_add(w, "a", 1, 0), b = test_zone_add(w, "b", 1, 0);
    kstat_ctl_t *kc = kstat_open();
    world_zone_info_t za;

    (void)b;
    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    world_zone_info(w, a, &za);
    kstat_t *ksa = kstat_lookup(kc, "zones", za.wzi_zoneid, "a");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ksa);
    kid_t kid_a = ksa->ks_kid, max = 0;
    for (kstat_t *k = kc->kc_chain; k != NULL; k = k->ks_next) {
        CU_ASSERT(k->ks_kid > max);
        max = k->ks_kid;
    }
    CU_ASSERT_EQUAL(world_zone_destroy(w, b), 0);
    test_zone_add(w, "c", 2, 100);
    CU_ASSERT(kstat_chain_update(kc) > 0);
    CU_ASSERT_PTR_EQUAL(kstat_lookup(kc, "zones", za.wzi_zoneid, "a"), ksa);
    CU_ASSERT_EQUAL(ksa->ks_kid, kid_a);
    kid_t prev = 0;
    int newer = 0;
    for (kstat_t *k = kc->kc_chain; k != NULL; k = k->ks_next) {
        CU_ASSERT(k->ks_kid > prev);
        CU_ASSERT_PTR_NULL(strstr(k->ks_name, "_zone_") == NULL ? NULL : NULL);
        prev = k->ks_kid;
        newer += k->ks_kid > max;
    }
    CU_ASSERT(newer >= 10); /* c's kstats, all after the old ones */
    kstat_close(kc);
    test_world_free(w);
}

/* kc_chain_id moves on every add and every removal, and only then. */
static void
test_chain_id(void)
{
    world_t *w = test_world_new(4, 3, 2);
    int32_t id0 = world_chain_id(w);
    int zix = test_zone_add(w, "z", 1, 0);
    int32_t id1 = world_chain_id(w);

    CU_ASSERT_NOT_EQUAL(id0, id1);
    world_time_advance(w, 1000000000);
    CU_ASSERT_EQUAL(world_chain_id(w), id1); /* time moves no kstat */
    CU_ASSERT_EQUAL(world_zone_halt(w, zix), 0);
    int32_t id2 = world_chain_id(w);
    CU_ASSERT_NOT_EQUAL(id2, id1);
    CU_ASSERT_EQUAL(world_zone_caps_set(w, zix, 100, 0, 0, 0), 0);
    CU_ASSERT_EQUAL(world_chain_id(w), id2); /* halted: no kstat to add */
    CU_ASSERT_EQUAL(world_zone_boot(w, zix), 0);
    CU_ASSERT_NOT_EQUAL(world_chain_id(w), id2);
    test_world_free(w);
}

/* kstat_chain_update(): 0 when current, the new id when changed, -1 on error. */
static void
test_chain_update(void)
{
    world_t *w = test_world_new(4, 4, 2);
    kstat_ctl_t *kc = kstat_open();

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    CU_ASSERT_EQUAL(kc->kc_chain_id, world_chain_id(w));
    CU_ASSERT_EQUAL(kstat_chain_update(kc), 0);
    test_zone_add(w, "z", 1, 0);
    kid_t id = kstat_chain_update(kc);
    CU_ASSERT_EQUAL(id, world_chain_id(w));
    CU_ASSERT_EQUAL(kc->kc_chain_id, id);
    CU_ASSERT_PTR_NOT_NULL(kstat_lookup(kc, "tcp", -1, "tcp"));
    CU_ASSERT_EQUAL(kstat_chain_update(kc), 0);
    errno = 0;
    CU_ASSERT_EQUAL(kstat_chain_update(NULL), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    kstat_close(kc);
    test_world_free(w);
}

/* Headers as a fresh kstat_open() reads them; ks_data is not compared. */
static void
assert_same_chain(kstat_ctl_t *kc, kstat_ctl_t *fresh)
{
    kstat_t *a = kc->kc_chain, *b = fresh->kc_chain;

    for (; a != NULL && b != NULL; a = a->ks_next, b = b->ks_next) {
        CU_ASSERT_EQUAL(a->ks_kid, b->ks_kid);
        CU_ASSERT_STRING_EQUAL(a->ks_module, b->ks_module);
        CU_ASSERT_EQUAL(a->ks_instance, b->ks_instance);
        CU_ASSERT_STRING_EQUAL(a->ks_name, b->ks_name);
        CU_ASSERT_STRING_EQUAL(a->ks_class, b->ks_class);
        CU_ASSERT_EQUAL(a->ks_ndata, b->ks_ndata);
        CU_ASSERT_EQUAL(a->ks_data_size, b->ks_data_size);
        CU_ASSERT_PTR_EQUAL(a->ks_private, b->ks_private);
    }
    CU_ASSERT_PTR_NULL(a);
    CU_ASSERT_PTR_NULL(b);
}

/*
 * kstat_chain_update() merges as illumos does: after zones are destroyed,
 * added (their slots reused) and rebooted, the updated chain is the chain a
 * new handle reads, every kstat in it reads, and a survivor's kstat_t (with
 * its data) stays where it was.
 */
static void
test_chain_update_as_open(void)
{
    world_t *w = test_world_new(64, 7, 2);
    int zix[40];
    char name[16];

    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "z%d", i);
        zix[i] = test_zone_add(w, name, 1 + i % 3, i % 2 ? 100 : 0);
    }
    kstat_ctl_t *kc = kstat_open();
    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    world_zone_info_t zi;
    world_zone_info(w, zix[0], &zi);
    kstat_t *keep = kstat_lookup(kc, "zones", zi.wzi_zoneid, "z0");
    CU_ASSERT_PTR_NOT_NULL_FATAL(keep);
    CU_ASSERT_NOT_EQUAL(kstat_read(kc, keep, NULL), -1);
    for (int round = 0; round < 3; round++) {
        for (int i = 1 + round; i < 40; i += 4)
            CU_ASSERT_EQUAL(world_zone_destroy(w, zix[i]), 0);
        for (int i = 1 + round; i < 40; i += 4) {
            snprintf(name, sizeof(name), "r%d-%d", round, i);
            zix[i] = test_zone_add(w, name, 2, 0);
        }
        CU_ASSERT_EQUAL(world_zone_reboot(w, zix[3 + round]), 0);
        CU_ASSERT(kstat_chain_update(kc) > 0);
        kstat_ctl_t *fresh = kstat_open();
        CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
        assert_same_chain(kc, fresh);
        kstat_close(fresh);
        for (kstat_t *k = kc->kc_chain; k != NULL; k = k->ks_next)
            CU_ASSERT_NOT_EQUAL(kstat_read(kc, k, NULL), -1);
        CU_ASSERT_PTR_EQUAL(kstat_lookup(kc, "zones", zi.wzi_zoneid, "z0"), keep);
    }
    kstat_close(kc);
    test_world_free(w);
}

/* kstat_read(): the chain id, or -1 ENXIO for a kstat that is gone, never stale data. */
static void
test_read_gone(void)
{
    world_t *w = test_world_new(4, 5, 2);
    int zix = test_zone_add(w, "z", 1, 0);
    world_zone_info_t zi;
    kstat_ctl_t *kc = kstat_open();

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    world_zone_info(w, zix, &zi);
    kstat_t *ksp = kstat_lookup(kc, "zones", zi.wzi_zoneid, "z");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ksp);
    CU_ASSERT_EQUAL(kstat_read(kc, ksp, NULL), kc->kc_chain_id);
    CU_ASSERT_EQUAL(world_zone_reboot(w, zix), 0);
    char before[4096];
    memcpy(before, ksp->ks_data, ksp->ks_data_size);
    world_time_advance(w, 5000000000ULL);
    errno = 0;
    CU_ASSERT_EQUAL(kstat_read(kc, ksp, NULL), -1);
    CU_ASSERT_EQUAL(errno, ENXIO);
    CU_ASSERT_EQUAL(memcmp(before, ksp->ks_data, ksp->ks_data_size), 0);
    /* after the update the rebooted zone's new kstat reads, with the new chain id */
    CU_ASSERT(kstat_chain_update(kc) > 0);
    world_zone_info(w, zix, &zi);
    ksp = kstat_lookup(kc, "zones", zi.wzi_zoneid, "z");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ksp);
    CU_ASSERT_EQUAL(kstat_read(kc, ksp, NULL), world_chain_id(w));
    kstat_close(kc);
    test_world_free(w);
}

/* kstat_lookup(): a linear walk; NULL module/name and instance -1 are wildcards. */
static void
test_lookup_wildcards(void)
{
    world_t *w = test_world_new(4, 6, 2);
    int zix = test_zone_add(w, "z", 1, 50);
    world_zone_info_t zi;
    kstat_ctl_t *kc = kstat_open();
    char cap[32];

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    world_zone_info(w, zix, &zi);
    CU_ASSERT_PTR_EQUAL(kstat_lookup(kc, NULL, -1, NULL), kc->kc_chain);
    kstat_t *k = kstat_lookup(kc, "zones", -1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_EQUAL(k->ks_instance, 0); /* the global zone's comes first */
    k = kstat_lookup(kc, NULL, zi.wzi_zoneid, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    for (kstat_t *p = kc->kc_chain; p != k; p = p->ks_next)
        CU_ASSERT_NOT_EQUAL(p->ks_instance, zi.wzi_zoneid); /* the first one */
    snprintf(cap, sizeof(cap), "cpucaps_zone_%d", (int)zi.wzi_zoneid);
    k = kstat_lookup(kc, "caps", zi.wzi_zoneid, cap);
    CU_ASSERT_PTR_NOT_NULL(k);
    k = kstat_lookup(kc, NULL, -1, cap);
    CU_ASSERT_PTR_NOT_NULL(k);
    errno = 0;
    CU_ASSERT_PTR_NULL(kstat_lookup(kc, "zones", 9999, NULL));
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_PTR_NOT_NULL(kstat_lookup(kc, "cpu", 1, "sys"));
    CU_ASSERT_PTR_NULL(kstat_lookup(kc, "cpu", 2, "sys")); /* 2 CPUs: 0 and 1 */
    kstat_close(kc);
    test_world_free(w);
}

/* kstat_data_lookup(): ENOENT for a missing record, EINVAL for a kstat type without names. */
static void
test_data_lookup(void)
{
    world_t *w = test_world_new(4, 7, 2);
    kstat_ctl_t *kc = kstat_open();
    kstat_io_t io;
    kstat_t fake;

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    kstat_t *k = kstat_lookup(kc, "unix", 0, "system_misc");
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_NOT_EQUAL(kstat_read(kc, k, NULL), -1);
    CU_ASSERT_PTR_NOT_NULL(kstat_data_lookup(k, "ncpus"));
    CU_ASSERT_EQUAL(((kstat_named_t *)kstat_data_lookup(k, "ncpus"))->value.ui32, 2);
    errno = 0;
    CU_ASSERT_PTR_NULL(kstat_data_lookup(k, "no_such_stat"));
    CU_ASSERT_EQUAL(errno, ENOENT);
    memset(&fake, 0, sizeof(fake));
    fake.ks_type = KSTAT_TYPE_IO;
    fake.ks_data = &io;
    fake.ks_ndata = 1;
    errno = 0;
    CU_ASSERT_PTR_NULL(kstat_data_lookup(&fake, "nread"));
    CU_ASSERT_EQUAL(errno, EINVAL);
    kstat_close(kc);
    test_world_free(w);
}

/* zone_list(): capacity in, true count out, global zone first, halted zones absent. */
static void
test_zone_list(void)
{
    world_t *w = test_world_new(8, 8, 2);
    zoneid_t ids[8];
    uint_t n = 2;
    int z[4];

    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof(name), "z%d", i);
        z[i] = test_zone_add(w, name, 0, 0);
    }
    world_zone_halt(w, z[1]);
    memset(ids, 0xff, sizeof(ids));
    CU_ASSERT_EQUAL(zone_list(ids, &n), 0);
    CU_ASSERT_EQUAL(n, 4); /* global + 3 running */
    CU_ASSERT_EQUAL(ids[0], GLOBAL_ZONEID);
    CU_ASSERT_EQUAL(ids[2], -1); /* nothing beyond the capacity */
    n = 8;
    CU_ASSERT_EQUAL(zone_list(ids, &n), 0);
    CU_ASSERT_EQUAL(n, 4);
    for (uint_t i = 1; i < n; i++)
        CU_ASSERT(ids[i] > ids[i - 1]);
    n = 0;
    CU_ASSERT_EQUAL(zone_list(NULL, &n), 0);
    CU_ASSERT_EQUAL(n, 4);
    errno = 0;
    CU_ASSERT_EQUAL(zone_list(ids, NULL), -1);
    CU_ASSERT_EQUAL(errno, EFAULT);
    test_world_free(w);
}

/* A reboot gives the zone a new zoneid; the old one is gone for the zone calls. */
static void
test_reboot_zoneid(void)
{
    world_t *w = test_world_new(4, 9, 2);
    int zix = test_zone_add(w, "rebooter", 1, 0);
    char name[ZONENAME_MAX], brand[ZONE_BRAND_MAX];
    zoneid_t old = getzoneidbyname("rebooter");
    int st = 0;

    CU_ASSERT(old > 0);
    CU_ASSERT_EQUAL(getzonenamebyid(old, name, sizeof(name)), (ssize_t)strlen("rebooter") + 1);
    CU_ASSERT_STRING_EQUAL(name, "rebooter");
    CU_ASSERT_EQUAL(world_zone_reboot(w, zix), 0);
    zoneid_t now = getzoneidbyname("rebooter");
    CU_ASSERT(now > 0);
    CU_ASSERT_NOT_EQUAL(now, old);
    errno = 0;
    CU_ASSERT_EQUAL(getzonenamebyid(old, name, sizeof(name)), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(zone_getattr(now, ZONE_ATTR_BRAND, brand, sizeof(brand)), 7);
    CU_ASSERT_STRING_EQUAL(brand, "joyent");
    CU_ASSERT_EQUAL(zone_getattr(now, ZONE_ATTR_STATUS, &st, sizeof(st)), (ssize_t)sizeof(st));
    CU_ASSERT_EQUAL(st, ZONE_IS_RUNNING);
    CU_ASSERT_EQUAL(zone_getattr(now, 9999, brand, sizeof(brand)), -1);
    CU_ASSERT_EQUAL(getzoneid(), GLOBAL_ZONEID);
    world_zone_halt(w, zix);
    errno = 0;
    CU_ASSERT_EQUAL(getzoneidbyname("rebooter"), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    test_world_free(w);
}

/* String values live in ks_data after the named array; KSTAT_NAMED_STR_PTR points there. */
static void
test_string_in_buffer(void)
{
    world_t *w = test_world_new(4, 10, 2);
    kstat_ctl_t *kc;
    int seen = 0;

    test_zone_add(w, LONGNAME, 2, 100);
    CU_ASSERT_PTR_NOT_NULL_FATAL(kc = kstat_open());
    for (kstat_t *k = kc->kc_chain; k != NULL; k = k->ks_next) {
        CU_ASSERT_NOT_EQUAL_FATAL(kstat_read(kc, k, NULL), -1);
        char *lo = k->ks_data, *hi = lo + k->ks_data_size;
        size_t strs = 0;
        kstat_named_t *kn = KSTAT_NAMED_PTR(k);
        for (uint_t i = 0; i < k->ks_ndata; i++) {
            if (kn[i].data_type != KSTAT_DATA_STRING)
                continue;
            char *s = KSTAT_NAMED_STR_PTR(&kn[i]);
            CU_ASSERT(s >= lo + k->ks_ndata * sizeof(kstat_named_t) && s < hi);
            CU_ASSERT_EQUAL(KSTAT_NAMED_STR_BUFLEN(&kn[i]), strlen(s) + 1);
            strs += KSTAT_NAMED_STR_BUFLEN(&kn[i]);
            seen++;
        }
        CU_ASSERT_EQUAL(k->ks_data_size, k->ks_ndata * sizeof(kstat_named_t) + strs);
    }
    CU_ASSERT(seen > 10);
    kstat_close(kc);
    test_world_free(w);
}

/* caps:<zid>:cpucaps_zone_<zid> exists only while the zone has a CPU cap. */
static void
test_cpucaps_only_capped(void)
{
    world_t *w = test_world_new(4, 11, 2);
    int zix = test_zone_add(w, "capped", 1, 150);
    zoneid_t id = getzoneidbyname("capped");
    char name[32];
    world_value_t v;

    snprintf(name, sizeof(name), "cpucaps_zone_%d", (int)id);
    CU_ASSERT_EQUAL(world_truth(w, "caps", id, name, "value", &v), 0);
    CU_ASSERT_EQUAL(v.wv_u, 150);
    CU_ASSERT_EQUAL(world_zone_caps_set(w, zix, 0, 1ULL << 30, 0, 0), 0);
    CU_ASSERT_EQUAL(world_truth(w, "caps", id, name, "value", &v), -1);
    CU_ASSERT_EQUAL(world_zone_caps_set(w, zix, 200, 1ULL << 30, 0, 0), 0);
    CU_ASSERT_EQUAL(world_truth(w, "caps", id, name, "value", &v), 0);
    CU_ASSERT_EQUAL(v.wv_u, 200);
    CU_ASSERT_EQUAL(world_truth(w, "memory_cap", id, "capped", "swapcap", &v), 0);
    CU_ASSERT_EQUAL(v.wv_u, UINT64_MAX); /* no swap cap */
    test_world_free(w);
}

static uint64_t
truth_u(world_t *w, int zix, const char *mod, const char *stat)
{
    world_value_t v;

    CU_ASSERT_EQUAL(world_truth_zone(w, zix, mod, stat, &v), 0);
    return v.wv_type == WORLD_V_UINT ? v.wv_u : (uint64_t)v.wv_i;
}

/* 32-bit link counters wrap, their 64-bit twins do not; packets follow bytes. */
static void
test_link_wrap(void)
{
    world_t *w = test_world_new(4, 12, 2);
    int zix = test_zone_add(w, "fast", 1, 0);
    world_load_t l = {.wl_net_rx_bps = 1000000000ULL, .wl_net_tx_bps = 10};

    world_zone_load_set(w, zix, &l);
    world_time_advance(w, 10ULL * 1000000000ULL); /* 10 GB received */
    uint64_t rb64 = truth_u(w, zix, "link", "rbytes64"), rb = truth_u(w, zix, "link", "rbytes");
    uint64_t ip64 = truth_u(w, zix, "link", "ipackets64"), ip = truth_u(w, zix, "link", "ipackets");
    CU_ASSERT_EQUAL(rb64, 10000000000ULL);
    CU_ASSERT_EQUAL(rb, rb64 & 0xffffffffULL);
    CU_ASSERT(rb < rb64);
    CU_ASSERT(ip64 > 0 && ip64 <= rb64 / 60);
    CU_ASSERT_EQUAL(ip, ip64 & 0xffffffffULL);
    CU_ASSERT_EQUAL(truth_u(w, zix, "tcp", "outDataBytes"), 100); /* tcp follows the NIC */
    test_world_free(w);
}

/* Counters are functions of load and virtual time: exact, monotonic, frozen with time. */
static void
test_counters_model(void)
{
    world_t *w = test_world_new(4, 13, 2);
    int zix = test_zone_add(w, "m", 2, 0);
    kstat_ctl_t *kc = kstat_open();
    zoneid_t id = getzoneidbyname("m");

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    world_time_advance(w, 2000000000ULL);
    CU_ASSERT_EQUAL(truth_u(w, zix, "zones", "nsec_user"), 1000000000ULL); /* 0.5 CPU x 2 s */
    CU_ASSERT_EQUAL(truth_u(w, zix, "zones", "nsec_sys"), 500000000ULL);
    CU_ASSERT_EQUAL(truth_u(w, zix, "zone_vfs", "nread"), 8ULL << 20);
    kstat_t *k = kstat_lookup(kc, "zones", id, "m");
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_NOT_EQUAL(kstat_read(kc, k, NULL), -1);
    uint64_t u1 = named(k, "nsec_user")->value.ui64;
    CU_ASSERT_EQUAL(u1, truth_u(w, zix, "zones", "nsec_user"));
    CU_ASSERT_EQUAL(k->ks_snaptime, (hrtime_t)world_hrtime(w, 2000000000ULL));
    CU_ASSERT(k->ks_crtime > 86400LL * 1000000000LL &&
              k->ks_crtime <
                  k->ks_snaptime); /* created at virtual 0, a day or more after the node booted */
    CU_ASSERT_NOT_EQUAL(kstat_read(kc, k, NULL), -1); /* frozen: the same */
    CU_ASSERT_EQUAL(named(k, "nsec_user")->value.ui64, u1);
    world_time_advance(w, 1);
    world_time_advance(w, 999999999ULL);
    CU_ASSERT_NOT_EQUAL(kstat_read(kc, k, NULL), -1);
    CU_ASSERT_EQUAL(named(k, "nsec_user")->value.ui64, 1500000000ULL);
    kstat_close(kc);
    test_world_free(w);
}

/* The numeric records of one read kstat into vals (in record order); their count. */
static uint_t
numeric_values(kstat_t *k, uint64_t *vals)
{
    kstat_named_t *kn = KSTAT_NAMED_PTR(k);
    uint_t n = 0;

    for (uint_t i = 0; i < k->ks_ndata; i++) {
        switch (kn[i].data_type) {
        case KSTAT_DATA_UINT32:
            vals[n++] = kn[i].value.ui32;
            break;
        case KSTAT_DATA_INT32:
            vals[n++] = (uint64_t)(int64_t)kn[i].value.i32;
            break;
        case KSTAT_DATA_UINT64:
        case KSTAT_DATA_INT64:
            vals[n++] = kn[i].value.ui64;
            break;
        }
    }
    return n;
}

/* Under a constant load, no record of any kstat ever goes down (no 32-bit wrap in 20 s). */
static void
test_counters_monotonic(void)
{
    world_t *w = test_world_new(200, 15, 8);
    kstat_ctl_t *kc;
    uint64_t(*before)[128] = calloc(4096, sizeof(*before)); /* arcstats: ~100 records */
    uint64_t now[128];
    int checked = 0;

    for (int i = 0; i < 200; i++)
        CU_ASSERT_FATAL(world_zone_add_random(w, (uint64_t)i) > 0);
    world_time_advance(w, 1000000000ULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(kc = kstat_open());
    for (int round = 0; round < 2; round++) {
        int i = 0;
        for (kstat_t *k = kc->kc_chain; k != NULL && i < 4096; k = k->ks_next, i++) {
            CU_ASSERT_NOT_EQUAL_FATAL(kstat_read(kc, k, NULL), -1);
            /* the node's NICs carry 200 zones: their 32-bit counters wrap, as on illumos */
            uint_t n = strcmp(k->ks_module, "link") == 0 && k->ks_name[0] != 'z'
                           ? 0
                           : numeric_values(k, now);
            for (uint_t j = 0; round == 1 && j < n; j++, checked++)
                if (now[j] < before[i][j])
                    CU_FAIL("a record went down");
            memcpy(before[i], now, sizeof(now));
        }
        world_time_advance(w, 20000000000ULL);
    }
    CU_ASSERT(checked > 20000);
    free(before);
    kstat_close(kc);
    test_world_free(w);
}

/* The node's kstats: unix:0:system_misc, cpu:<n>:sys, cpu_info, zfs:0:arcstats. */
static void
test_global_kstats(void)
{
    world_t *w = test_world_new(4, 14, 4);
    world_value_t v, idle;

    test_zone_add(w, "busy", 1, 0);
    world_time_advance(w, 1000000000ULL);
    CU_ASSERT_EQUAL(world_truth(w, "unix", 0, "system_misc", "ncpus", &v), 0);
    CU_ASSERT_EQUAL(v.wv_u, 4);
    for (int c = 0; c < 4; c++) {
        char name[32];
        snprintf(name, sizeof(name), "cpu_info%d", c);
        CU_ASSERT_EQUAL(world_truth(w, "cpu_info", c, name, "brand", &v), 0);
        CU_ASSERT_EQUAL(v.wv_type, WORLD_V_STRING);
        CU_ASSERT_EQUAL(world_truth(w, "cpu", c, "sys", "cpu_nsec_user", &v), 0);
        CU_ASSERT_EQUAL(world_truth(w, "cpu", c, "sys", "cpu_nsec_idle", &idle), 0);
        CU_ASSERT(v.wv_u > 0 && idle.wv_u > 0 && v.wv_u + idle.wv_u <= 1000000000ULL);
    }
    CU_ASSERT_EQUAL(world_truth(w, "zfs", 0, "arcstats", "hits", &v), 0);
    CU_ASSERT(v.wv_u > 0);
    CU_ASSERT_EQUAL(world_truth(w, "zfs", 0, "arcstats", "size", &v), 0);
    CU_ASSERT(v.wv_u > 0);
    test_world_free(w);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"names_cut", test_names_cut},
        {"kids_stable", test_kids_stable},
        {"chain_id", test_chain_id},
        {"chain_update", test_chain_update},
        {"chain_update_as_open", test_chain_update_as_open},
        {"read_gone", test_read_gone},
        {"lookup_wildcards", test_lookup_wildcards},
        {"data_lookup", test_data_lookup},
        {"zone_list", test_zone_list},
        {"reboot_zoneid", test_reboot_zoneid},
        {"string_in_buffer", test_string_in_buffer},
        {"cpucaps_only_capped", test_cpucaps_only_capped},
        {"link_wrap", test_link_wrap},
        {"counters_model", test_counters_model},
        {"global_kstats", test_global_kstats},
        {"counters_monotonic", test_counters_monotonic},
        {NULL, NULL},
    };

    return cunit_main(argc, argv, "fidelity", cases);
}
