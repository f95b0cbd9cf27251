/*
 * CUnit tests of content negotiation: Accept (RFC 9110, 12.5.1) picks text
 * 0.0.4 or OpenMetrics 1.0 by q-value and version, Accept-Encoding (12.5.3)
 * allows gzip or not. The headers are those Prometheus, curl and browsers
 * send, and malformed ones.
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "negotiate.h"

/* What Prometheus 2.x sends when it prefers OpenMetrics. */
#define PROMETHEUS_ACCEPT                                                                          \
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"       \
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

static void
test_format(void)
{
    CU_ASSERT_EQUAL(negotiate_format(NULL), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format(""), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("*/*"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("text/html"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text"), EXPO_OPENMETRICS);
    CU_ASSERT_EQUAL(negotiate_format(PROMETHEUS_ACCEPT), EXPO_OPENMETRICS);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text; version=1.0.0; charset=utf-8"),
                    EXPO_OPENMETRICS);
    /* equal q-values: OpenMetrics */
    CU_ASSERT_EQUAL(negotiate_format("text/plain;q=0.5,application/openmetrics-text;q=0.5"),
                    EXPO_OPENMETRICS);
    CU_ASSERT_EQUAL(negotiate_format("Application/OpenMetrics-Text; Q=0.3, text/html"),
                    EXPO_OPENMETRICS);
}

static void
test_format_q_values(void)
{
    CU_ASSERT_EQUAL(negotiate_format("text/plain;q=0.9, application/openmetrics-text;q=0.5"),
                    EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("text/plain, application/openmetrics-text;q=0.5"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("text/*;q=0.8, application/openmetrics-text;q=0.7"),
                    EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("*/*;q=0.8, application/openmetrics-text;q=0.9"),
                    EXPO_OPENMETRICS);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text;q=0"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text;q=bogus"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text;q=0.5x"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text;q=1.5"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text;q=-1"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text ; q=0.4 , text/plain;q=0.3"),
                    EXPO_OPENMETRICS);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text;q=\"0.4\""), EXPO_OPENMETRICS);
}

/* Only OpenMetrics 1.0.0 is written: another version is not acceptable. */
static void
test_format_versions(void)
{
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text; version=0.0.1"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text;version=1.0.01"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text;version=\"1.0.0\""),
                    EXPO_OPENMETRICS);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text;VERSION=1.0.0;q=0.2"),
                    EXPO_OPENMETRICS);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text;version=0.0.1;q=1,"
                                     "application/openmetrics-text;version=1.0.0;q=0.2,"
                                     "text/plain;q=0.1"),
                    EXPO_OPENMETRICS);
    CU_ASSERT_EQUAL(negotiate_format("text/plain;version=0.0.4"), EXPO_TEXT);
}

static void
test_format_malformed(void)
{
    CU_ASSERT_EQUAL(negotiate_format(",,;;,"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-textual"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics"), EXPO_TEXT);
    CU_ASSERT_EQUAL(negotiate_format(";q=1,application/openmetrics-text;="), EXPO_OPENMETRICS);
    CU_ASSERT_EQUAL(negotiate_format("application/openmetrics-text;version=\"1.0.0"),
                    EXPO_OPENMETRICS); /* unclosed quote: up to the end */
    char longer[400];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    CU_ASSERT_EQUAL(negotiate_format(longer), EXPO_TEXT);
}

static void
test_gzip(void)
{
    CU_ASSERT_EQUAL(negotiate_gzip(NULL), 0);
    CU_ASSERT_EQUAL(negotiate_gzip(""), 0);
    CU_ASSERT_EQUAL(negotiate_gzip("gzip"), 1);
    CU_ASSERT_EQUAL(negotiate_gzip("GZip"), 1);
    CU_ASSERT_EQUAL(negotiate_gzip("deflate, gzip;q=0.5"), 1);
    CU_ASSERT_EQUAL(negotiate_gzip("gzip, deflate, br"), 1);
    CU_ASSERT_EQUAL(negotiate_gzip("gzip;q=0"), 0);
    CU_ASSERT_EQUAL(negotiate_gzip("gzip;q=0.000"), 0);
    CU_ASSERT_EQUAL(negotiate_gzip("gzip;q=nope"), 0);
    CU_ASSERT_EQUAL(negotiate_gzip("*"), 1);
    CU_ASSERT_EQUAL(negotiate_gzip("*;q=0"), 0);
    CU_ASSERT_EQUAL(negotiate_gzip("*;q=0.1, gzip;q=0"), 0);
    CU_ASSERT_EQUAL(negotiate_gzip("identity"), 0);
    CU_ASSERT_EQUAL(negotiate_gzip("br, x-gzip"), 1);
    CU_ASSERT_EQUAL(negotiate_gzip("gzipped"), 0);
}

int
main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("negotiate", NULL, NULL);
    CU_add_test(s, "format", test_format);
    CU_add_test(s, "format q-values", test_format_q_values);
    CU_add_test(s, "format versions", test_format_versions);
    CU_add_test(s, "format malformed", test_format_malformed);
    CU_add_test(s, "gzip", test_gzip);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
