/* cunit_main.c - one CUnit suite from main() (see cunit_main.h). */
#include "cunit_main.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

int
cunit_main(int argc, char **argv, const char *suite, const CU_TestInfo *tests)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    int added = 0;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    CU_pSuite s = CU_add_suite(suite, NULL, NULL);
    for (const CU_TestInfo *t = tests; s != NULL && t->pName != NULL; t++)
        if (only == NULL || strcmp(only, t->pName) == 0)
            added += CU_add_test(s, t->pName, t->pTestFunc) != NULL;
    if (added == 0) {
        fprintf(stderr, "%s: no test called %s\n", suite, only ? only : "(none)");
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
