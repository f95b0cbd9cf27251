/* cunit_main.c - the one main() of the CUnit test programs (see cunit_main.h). */
#include "cunit_main.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

/* register_suite() - adds s with its tests (only the one called only, if set); returns how many. */
static int
register_suite(const cunit_suite_t *s, const char *only)
{
    CU_pSuite suite = NULL;
    int added = 0;

    for (const CU_TestInfo *t = s->cs_tests; t->pName != NULL; t++) {
        if (only != NULL && strcmp(only, t->pName) != 0)
            continue;
        if (suite == NULL)
            suite = CU_add_suite(s->cs_name, s->cs_init, s->cs_clean);
        if (suite == NULL || CU_add_test(suite, t->pName, t->pTestFunc) == NULL)
            return -1;
        added++;
    }
    return added;
}

int
cunit_run(const cunit_suite_t *suites, const char *only)
{
    int added = 0;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    for (const cunit_suite_t *s = suites; s->cs_name != NULL; s++) {
        int n = register_suite(s, only);
        if (n < 0) {
            fprintf(stderr, "%s: CUnit: %s\n", s->cs_name, CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
        added += n;
    }
    if (added == 0) {
        fprintf(stderr, "%s: no test called %s\n", suites->cs_name, only ? only : "(none)");
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
                      CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}

int
cunit_main(int argc, char **argv, const char *suite, const CU_TestInfo *tests)
{
    const cunit_suite_t suites[] = {{suite, NULL, NULL, tests}, {NULL, NULL, NULL, NULL}};

    return cunit_main_suites(argc, argv, suites);
}

int
cunit_main_suites(int argc, char **argv, const cunit_suite_t *suites)
{
    return cunit_run(suites, argc > 1 ? argv[1] : NULL);
}
