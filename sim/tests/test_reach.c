/*
 * test_reach.c - the writer calls that reach worlds no load reaches in a
 * test's time: a counter set ahead (world_counter.h) and a kstat taken out
 * of a running zone (world_kdrop.h), as a reader of the fake libkstat sees
 * them.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kstat.h"
#include "test_util.h"
#include "world_counter.h"
#include "world_kdrop.h"
#include "zone.h"

/* The uint64 stat of module's kstat name of instance inst, read now; 0 if absent. */
static uint64_t
read_u64(kstat_ctl_t *kc, const char *module, int inst, const char *name, const char *stat)
{
    kstat_t *k = kstat_lookup(kc, (char *)module, inst, (char *)name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_NOT_EQUAL_FATAL(kstat_read(kc, k, NULL), -1);
    kstat_named_t *kn = kstat_data_lookup(k, (char *)stat);
    CU_ASSERT_PTR_NOT_NULL_FATAL(kn);
    return kn->value.ui64;
}

static void
test_counter_set(void)
{
    world_t *w = test_world_new(4, 5, 2);
    int zix = test_zone_add(w, "c", 2, 0);
    zoneid_t id = getzoneidbyname("c");
    kstat_ctl_t *kc = kstat_open();
    char net1[32];
    snprintf(net1, sizeof(net1), "z%d_net1", (int)id);
    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);

    CU_ASSERT_EQUAL(world_zone_counter_set(w, zix, "zones", "nsec_user", 0, (1ull << 53) + 1), 0);
    CU_ASSERT_EQUAL(world_zone_counter_set(w, zix, "link", "rbytes64", 1, UINT64_MAX - 1), 0);
    CU_ASSERT_EQUAL(read_u64(kc, "zones", id, NULL, "nsec_user"), (1ull << 53) + 1);
    CU_ASSERT_EQUAL(read_u64(kc, "link", 0, net1, "rbytes64"), UINT64_MAX - 1);
    world_value_t v;
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "zones", "nsec_user", &v), 0);
    CU_ASSERT_EQUAL(v.wv_u, (1ull << 53) + 1);

    /* refused, nothing changed */
    errno = 0;
    CU_ASSERT_EQUAL(world_zone_counter_set(w, zix, "zones", "nsec_user", 0, 5), -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(world_zone_counter_set(w, zix, "zones", "avenrun_1min", 0, 5), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(world_zone_counter_set(w, zix, "link", "rbytes64", 2, 5), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(world_zone_counter_set(w, 0, "zones", "nsec_user", 0, 5), -1);
    CU_ASSERT_EQUAL(read_u64(kc, "zones", id, NULL, "nsec_user"), (1ull << 53) + 1);

    /* time goes on adding the load to it */
    world_zone_load_set(w, zix, &(world_load_t){.wl_cpu_user = 1});
    world_time_advance(w, 1000000000ull);
    CU_ASSERT(read_u64(kc, "zones", id, NULL, "nsec_user") > (1ull << 53) + 1);

    world_zone_halt(w, zix);
    CU_ASSERT_EQUAL(world_zone_counter_set(w, zix, "zones", "nsec_user", 0, UINT64_MAX), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    kstat_close(kc);
    test_world_free(w);
}

static void
test_kstat_drop(void)
{
    world_t *w = test_world_new(4, 6, 2);
    int zix = test_zone_add(w, "d", 1, 0);
    zoneid_t id = getzoneidbyname("d");
    kstat_ctl_t *kc = kstat_open();
    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    kstat_t *held = kstat_lookup(kc, "tcp", id, "tcp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(held);
    kid_t chain = kc->kc_chain_id;

    CU_ASSERT_EQUAL(world_zone_kstat_drop(w, zix, "tcp"), 0);
    errno = 0;
    CU_ASSERT_EQUAL(kstat_read(kc, held, NULL), -1); /* a kstat that went away */
    CU_ASSERT_EQUAL(errno, ENXIO);
    CU_ASSERT(kstat_chain_update(kc) > 0);
    CU_ASSERT_NOT_EQUAL(kc->kc_chain_id, chain);
    CU_ASSERT_PTR_NULL(kstat_lookup(kc, "tcp", id, "tcp"));
    CU_ASSERT_PTR_NOT_NULL(kstat_lookup(kc, "zones", id, NULL)); /* the rest stays */
    world_value_t v;
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "tcp", "currEstab", &v), -1);

    chain = kc->kc_chain_id;
    CU_ASSERT_EQUAL(world_zone_kstat_drop(w, zix, "tcp"), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(kstat_chain_update(kc), 0); /* a refused drop changes nothing */
    CU_ASSERT_EQUAL(world_zone_kstat_drop(w, zix, "link"), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);

    CU_ASSERT_EQUAL(world_zone_reboot(w, zix), 0); /* a boot makes every kstat anew */
    id = getzoneidbyname("d");
    CU_ASSERT(kstat_chain_update(kc) > 0);
    CU_ASSERT_PTR_NOT_NULL(kstat_lookup(kc, "tcp", id, "tcp"));
    kstat_close(kc);
    test_world_free(w);
}

int
main(int argc, char **argv)
{
    static CU_TestInfo tests[] = {
        {"counter_set", test_counter_set},
        {"kstat_drop", test_kstat_drop},
        CU_TEST_INFO_NULL,
    };
    return cunit_main(argc, argv, "reach", tests);
}
