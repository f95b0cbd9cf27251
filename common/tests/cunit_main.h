/*
 * cunit_main.h - the main() of a CUnit test program with one suite: runs
 * every test of the suite, or only the one named by argv[1].
 */
#ifndef CMON_CUNIT_MAIN_H
#define CMON_CUNIT_MAIN_H

#include <CUnit/CUnit.h>

/*
 * cunit_main() - registers tests (ended by CU_TEST_INFO_NULL) as the suite
 * named suite, runs them (verbose) and returns the exit status for main():
 * 0 all passed, 1 a failure, 2 no test by the name in argv[1] or a CUnit error.
 */
int cunit_main(int argc, char **argv, const char *suite, const CU_TestInfo *tests);

#endif /* CMON_CUNIT_MAIN_H */
