/*
 * test_cunit.c - the shared CUnit main() (cunit_main.h) itself: ctest runs
 * this program once per test named below and checks the exit status
 * (common/tests/CMakeLists.txt), since a failing test cannot be checked
 * from inside the registry that runs it.
 */
#include <CUnit/CUnit.h>

#include "cunit_main.h"

static void
test_passes(void)
{
    CU_ASSERT_EQUAL(1 + 1, 2);
}

/* Fails on purpose: the program must exit 1. */
static void
test_fails(void)
{
    CU_ASSERT_EQUAL(1 + 1, 3);
}

static void
test_never_runs(void)
{
    CU_FAIL("a suite whose init failed ran its test");
}

static int
init_fails(void)
{
    return 1;
}

static const CU_TestInfo good_tests[] = {
    {"passes", test_passes},
    {"fails", test_fails},
    {NULL, NULL},
};

static const CU_TestInfo broken_tests[] = {
    {"init fails", test_never_runs},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    const cunit_suite_t suites[] = {{"cunit", NULL, NULL, good_tests},
                                    {"cunit broken", init_fails, NULL, broken_tests},
                                    {NULL, NULL, NULL, NULL}};

    return cunit_main_suites(argc, argv, suites);
}
