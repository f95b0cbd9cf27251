/*
 * test_abi.c - the illumos LP64 layout of <kstat.h> and <zone.h>, pinned at
 * compile time (this file does not build if a size or offset moves) and
 * checked again at run time.
 */
#include <stddef.h>

#include "kstat.h"
#include "test_util.h"
#include "zone.h"

_Static_assert(sizeof(kstat_t) == 184, "kstat_t is 184 bytes on illumos LP64");
_Static_assert(sizeof(kstat_named_t) == 48, "kstat_named_t is 48 bytes");
_Static_assert(sizeof(kstat_io_t) == 80, "kstat_io_t is 80 bytes");
_Static_assert(sizeof(kstat_timer_t) == 80, "kstat_timer_t is 80 bytes");
_Static_assert(sizeof(kstat_intr_t) == 20, "kstat_intr_t is 20 bytes");
_Static_assert(KSTAT_STRLEN == 31, "KSTAT_STRLEN is 31");
_Static_assert(offsetof(kstat_t, ks_kid) == 16, "ks_kid");
_Static_assert(offsetof(kstat_t, ks_module) == 20, "ks_module");
_Static_assert(offsetof(kstat_t, ks_instance) == 52, "ks_instance");
_Static_assert(offsetof(kstat_t, ks_name) == 56, "ks_name");
_Static_assert(offsetof(kstat_t, ks_type) == 87, "ks_type");
_Static_assert(offsetof(kstat_t, ks_class) == 88, "ks_class");
_Static_assert(offsetof(kstat_t, ks_flags) == 119, "ks_flags");
_Static_assert(offsetof(kstat_t, ks_data) == 120, "ks_data");
_Static_assert(offsetof(kstat_t, ks_ndata) == 128, "ks_ndata");
_Static_assert(offsetof(kstat_t, ks_data_size) == 136, "ks_data_size");
_Static_assert(offsetof(kstat_t, ks_snaptime) == 144, "ks_snaptime");
_Static_assert(offsetof(kstat_named_t, data_type) == 31, "data_type");
_Static_assert(offsetof(kstat_named_t, value) == 32, "value");
_Static_assert(offsetof(kstat_io_t, wtime) == 24, "wtime");
_Static_assert(offsetof(kstat_io_t, wcnt) == 72, "wcnt");
_Static_assert(KSTAT_DATA_STRING == 9 && KSTAT_DATA_UINT64 == 4 && KSTAT_DATA_INT32 == 1,
               "data type codes");
_Static_assert(KSTAT_TYPE_NAMED == 1 && KSTAT_TYPE_IO == 3 && KSTAT_TYPE_TIMER == 4,
               "kstat type codes");
_Static_assert(ZONE_ATTR_NAME == 2 && ZONE_ATTR_STATUS == 3 && ZONE_ATTR_BRAND == 11,
               "zone_getattr codes");
_Static_assert(ZONE_IS_RUNNING == 4 && GLOBAL_ZONEID == 0, "zone status codes");

static void
test_sizes(void)
{
    kstat_named_t k;

    CU_ASSERT_EQUAL(sizeof(kstat_t), 184);
    CU_ASSERT_EQUAL(sizeof(kstat_named_t), 48);
    CU_ASSERT_EQUAL(sizeof(kstat_io_t), 80);
    CU_ASSERT_EQUAL(sizeof(k.value.str.addr), 8);
    CU_ASSERT_EQUAL(sizeof(k.value), 16);
    CU_ASSERT_EQUAL(sizeof(k.name), KSTAT_STRLEN);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {{"sizes", test_sizes}, {NULL, NULL}};

    return cunit_main(argc, argv, "abi", cases);
}
