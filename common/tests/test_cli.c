/* CUnit: cli.h's strict numbers - what a flag's value may and may not be. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "cunit_main.h"

static void
test_u64_accepts(void)
{
    uint64_t v = 7;
    CU_ASSERT_EQUAL(cmon_parse_u64("0", 0, 10, &v, NULL, 0), 0);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(cmon_parse_u64("10", 0, 10, &v, NULL, 0), 0);
    CU_ASSERT_EQUAL(v, 10);
    CU_ASSERT_EQUAL(cmon_parse_u64("007", 1, 10, &v, NULL, 0), 0);
    CU_ASSERT_EQUAL(v, 7);
    CU_ASSERT_EQUAL(cmon_parse_u64("18446744073709551615", 0, UINT64_MAX, &v, NULL, 0), 0);
    CU_ASSERT_EQUAL(v, UINT64_MAX);
}

static void
test_u64_refuses(void)
{
    const char *bad[] = {"", " 1", "1 ", "+1", "-1", "1x", "0x10", "1e3", "1.0", "one", NULL};
    char why[64];
    uint64_t v = 42;

    for (int i = 0; bad[i] != NULL; i++) {
        why[0] = '\0';
        CU_ASSERT_EQUAL(cmon_parse_u64(bad[i], 0, 100, &v, why, sizeof(why)), -1);
        CU_ASSERT_STRING_EQUAL(why, "not a whole number");
    }
    CU_ASSERT_EQUAL(cmon_parse_u64(NULL, 0, 100, &v, NULL, 0), -1);
    CU_ASSERT_EQUAL(cmon_parse_u64("0", 1, 64, &v, why, sizeof(why)), -1);
    CU_ASSERT_STRING_EQUAL(why, "want 1 to 64");
    CU_ASSERT_EQUAL(cmon_parse_u64("65", 1, 64, &v, why, sizeof(why)), -1);
    CU_ASSERT_STRING_EQUAL(why, "want 1 to 64");
    /* one past UINT64_MAX: strtoull's ERANGE, not a wrapped value */
    CU_ASSERT_EQUAL(cmon_parse_u64("18446744073709551616", 0, UINT64_MAX, &v, why, sizeof(why)),
                    -1);
    CU_ASSERT_EQUAL(v, 42); /* untouched by every refusal */
}

static void
test_unsigned(void)
{
    unsigned v = 0;
    char why[64];
    CU_ASSERT_EQUAL(cmon_parse_unsigned("64", 1, 64, &v, why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(v, 64);
    /* above UINT_MAX but within u64: refused by the range, not truncated */
    CU_ASSERT_EQUAL(cmon_parse_unsigned("4294967296", 0, 4294967295u, &v, why, sizeof(why)), -1);
    CU_ASSERT_STRING_EQUAL(why, "want 0 to 4294967295");
    CU_ASSERT_EQUAL(v, 64);
}

static void
test_double_accepts(void)
{
    double v = -1;
    CU_ASSERT_EQUAL(cmon_parse_double("0", 0, 10, &v, NULL, 0), 0);
    CU_ASSERT_DOUBLE_EQUAL(v, 0, 0);
    CU_ASSERT_EQUAL(cmon_parse_double("0.01", 0.01, 3600, &v, NULL, 0), 0);
    CU_ASSERT_DOUBLE_EQUAL(v, 0.01, 1e-12);
    CU_ASSERT_EQUAL(cmon_parse_double("1e3", 0, 1e6, &v, NULL, 0), 0);
    CU_ASSERT_DOUBLE_EQUAL(v, 1000, 0);
    CU_ASSERT_EQUAL(cmon_parse_double("-2.5", -3, 3, &v, NULL, 0), 0);
    CU_ASSERT_DOUBLE_EQUAL(v, -2.5, 0);
}

static void
test_double_refuses(void)
{
    const char *bad[] = {"", " 1", "1 ", "1s", "nan", "inf", "-inf", "x", NULL};
    char why[64];
    double v = 42;

    for (int i = 0; bad[i] != NULL; i++) {
        why[0] = '\0';
        CU_ASSERT_EQUAL(cmon_parse_double(bad[i], -10, 10, &v, why, sizeof(why)), -1);
        CU_ASSERT_STRING_EQUAL(why, "not a number");
    }
    CU_ASSERT_EQUAL(cmon_parse_double("86400.5", 0, 86400, &v, why, sizeof(why)), -1);
    CU_ASSERT_STRING_EQUAL(why, "want 0 to 86400");
    CU_ASSERT_EQUAL(cmon_parse_double("-0.5", 0, 86400, &v, why, sizeof(why)), -1);
    CU_ASSERT_EQUAL(cmon_parse_double("1e400", 0, 1e308, &v, why, sizeof(why)), -1);
    CU_ASSERT_STRING_EQUAL(why, "want 0 to 1e+308");
    CU_ASSERT_DOUBLE_EQUAL(v, 42, 0);
}

static const CU_TestInfo tests[] = {
    {"u64 accepts", test_u64_accepts},
    {"u64 refuses", test_u64_refuses},
    {"unsigned", test_unsigned},
    {"double accepts", test_double_accepts},
    {"double refuses", test_double_refuses},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "cli", tests);
}
