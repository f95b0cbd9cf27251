/*
 * cunit_main.h - the main() of every CUnit test program in the tree: it
 * registers the program's suites, runs every test or only the one named on
 * the command line, and turns CUnit's counts into the exit status.
 */
#ifndef CMON_CUNIT_MAIN_H
#define CMON_CUNIT_MAIN_H

#include <CUnit/CUnit.h>

/*
 * One suite: a name, the optional init and clean functions CUnit runs
 * around it (NULL for none), and its tests, ended by CU_TEST_INFO_NULL.
 * An array of suites ends with one whose cs_name is NULL.
 */
typedef struct cunit_suite {
    const char *cs_name;
    CU_InitializeFunc cs_init;
    CU_CleanupFunc cs_clean;
    const CU_TestInfo *cs_tests;
} cunit_suite_t;

/*
 * cunit_run() - registers suites and runs them (verbose). only, when not
 * NULL, is the name of the one test to run; a suite without it is not
 * registered, so its init does not run. Returns the exit status for main():
 * 0 all passed; 1 an assertion, a test or a suite's init or clean failed;
 * 2 no test called only, or CUnit itself failed.
 */
int cunit_run(const cunit_suite_t *suites, const char *only);

/* cunit_main() - cunit_run() of one suite without init or clean, only = argv[1]. */
int cunit_main(int argc, char **argv, const char *suite, const CU_TestInfo *tests);

/* cunit_main_suites() - cunit_run() of suites, only = argv[1]. */
int cunit_main_suites(int argc, char **argv, const cunit_suite_t *suites);

#endif /* CMON_CUNIT_MAIN_H */
