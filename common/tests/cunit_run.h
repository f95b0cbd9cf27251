/* cunit_run - the main() of every common/ unit test program. */
#ifndef CMON_CUNIT_RUN_H
#define CMON_CUNIT_RUN_H

#include <CUnit/CUnit.h>

/*
 * cunit_run() - runs the tests (ending in CU_TEST_INFO_NULL) as one suite
 * called name, verbosely. Returns the exit status: 0 when every assertion
 * held, 1 otherwise (also when CUnit itself fails).
 */
int cunit_run(const char *name, CU_TestInfo *tests);

#endif
