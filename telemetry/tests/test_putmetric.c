/* CUnit: the -putmetric client's reading of name=value pairs. */
#include <CUnit/CUnit.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "putmetric.h"

static void
test_body(void)
{
    char *pairs[] = {"jobs_total=3", "queue=-1.5e2", "ns:x=0"};
    char err[256];
    char *body = putmetric_body(pairs, 3, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    json_error_t e;
    json_t *j = json_loads(body, 0, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_EQUAL(json_object_size(j), 3);
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "jobs_total")), 3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "queue")), -150, 1e-12);
    CU_ASSERT_TRUE(json_is_number(json_object_get(j, "ns:x")));
    json_decref(j);
    free(body);
    char *exact[] = {"v=0.1"};
    body = putmetric_body(exact, 1, err, sizeof err);
    j = json_loads(body, 0, &e);
    CU_ASSERT_EQUAL(json_number_value(json_object_get(j, "v")), 0.1); /* exact */
    json_decref(j);
    free(body);
}

static void
expect_refused(const char *pair, const char *words)
{
    char *pairs[] = {(char *)pair};
    char err[256] = "";
    char *body = putmetric_body(pairs, 1, err, sizeof err);
    CU_ASSERT_PTR_NULL(body);
    free(body);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, words));
}

static void
test_refused(void)
{
    expect_refused("novalue", "expected name=value");
    expect_refused("=3", "expected name=value");
    expect_refused("a b=3", "not a metric name");
    expect_refused("x=", "not a finite number");
    expect_refused("x=abc", "not a finite number");
    expect_refused("x=1e999", "not a finite number");
    expect_refused("x=nan", "not a finite number");
    expect_refused("x=3 ", "not a finite number");
    char *twice[] = {"x=1", "x=2"};
    char err[256];
    CU_ASSERT_PTR_NULL(putmetric_body(twice, 2, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "named twice"));
}

static const CU_TestInfo tests[] = {
    {"body", test_body},
    {"refused", test_refused},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "putmetric", tests);
}
