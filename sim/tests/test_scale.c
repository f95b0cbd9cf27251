/*
 * test_scale.c - a world of 100,000 zones works end to end (label `scale`,
 * run by `make test-scale`, not by `make test`).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kstat.h"
#include "test_util.h"
#include "zone.h"

#define ZONES 100000

static void
test_100k_zones(void)
{
    world_t *w = test_world_new(ZONES, 61, 48);
    world_zone_info_t last;
    zoneid_t *ids = malloc((ZONES + 1) * sizeof(zoneid_t));
    uint_t n = ZONES + 1;
    int zix = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(ids);
    for (int i = 0; i < ZONES; i++)
        CU_ASSERT_FATAL((zix = world_zone_add_random(w, (uint64_t)i)) > 0);
    CU_ASSERT_EQUAL(world_zone_add_random(w, ZONES), -1); /* full */
    CU_ASSERT_EQUAL(errno, ENOSPC);
    CU_ASSERT(world_kstat_count(w) > 1000000);
    world_time_advance(w, 1000000000ULL);
    CU_ASSERT_EQUAL(zone_list(ids, &n), 0);
    CU_ASSERT_EQUAL(n, ZONES + 1);
    CU_ASSERT_EQUAL(world_zone_info(w, zix, &last), 0);
    CU_ASSERT_EQUAL(getzoneidbyname(last.wzi_name), last.wzi_zoneid);
    kstat_ctl_t *kc = kstat_open();
    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    kstat_t *k = kstat_lookup(kc, "zones", last.wzi_zoneid, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_NOT_EQUAL(kstat_read(kc, k, NULL), -1);
    kstat_named_t *kn = kstat_data_lookup(k, "zonename");
    CU_ASSERT_PTR_NOT_NULL_FATAL(kn);
    CU_ASSERT_STRING_EQUAL(KSTAT_NAMED_STR_PTR(kn), last.wzi_name);
    CU_ASSERT_EQUAL(world_zone_reboot(w, zix), 0);
    CU_ASSERT(kstat_chain_update(kc) > 0);
    kstat_close(kc);
    free(ids);
    test_world_free(w);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {{"100k_zones", test_100k_zones}, {NULL, NULL}};

    return cunit_main(argc, argv, "scale", cases);
}
