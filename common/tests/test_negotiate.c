/*
 * CUnit tests of content negotiation: Accept (RFC 9110, 12.5.1) picks text
 * 0.0.4 or OpenMetrics 1.0 by q-value and version, Accept-Encoding (12.5.3)
 * allows gzip or not. The headers are those Prometheus, curl and browsers
 * send, and malformed ones.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "negotiate.h"

/* A header (NULL: absent) and the answer it must get. */
typedef struct nego_case {
    const char *nc_header;
    int nc_want;
} nego_case_t;

#define T EXPO_TEXT
#define OM EXPO_OPENMETRICS

typedef expo_format_t (*nego_fn_t)(const char *accept);

static void
check_format_with(nego_fn_t fn, const nego_case_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int got = (int)fn(cases[i].nc_header);
        if (got != cases[i].nc_want)
            fprintf(stderr, "\nAccept: %s: got %s\n", cases[i].nc_header ? cases[i].nc_header : "-",
                    got == OM ? "OpenMetrics" : "text");
        CU_ASSERT_EQUAL(got, cases[i].nc_want);
    }
}

static void
check_format(const nego_case_t *cases, size_t n)
{
    check_format_with(negotiate_format, cases, n);
}

static void
test_format(void)
{
    static const nego_case_t cases[] = {
        {NULL, T},
        {"", T},
        {"*/*", T},
        {"text/html", T},
        {"application/openmetrics-text", OM},
        /* what Prometheus 2.x sends when it prefers OpenMetrics */
        {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
         "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
         OM},
        {"application/openmetrics-text; version=1.0.0; charset=utf-8", OM},
        {"text/plain;q=0.5,application/openmetrics-text;q=0.5", OM}, /* a tie: OpenMetrics */
        {"Application/OpenMetrics-Text; Q=0.3, text/html", OM},
    };
    check_format(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_format_q_values(void)
{
    static const nego_case_t cases[] = {
        {"text/plain;q=0.9, application/openmetrics-text;q=0.5", T},
        {"text/plain, application/openmetrics-text;q=0.5", T},
        {"text/*;q=0.8, application/openmetrics-text;q=0.7", T},
        {"*/*;q=0.8, application/openmetrics-text;q=0.9", OM},
        {"application/openmetrics-text;q=0", T},
        {"application/openmetrics-text;q=bogus", T},
        {"application/openmetrics-text;q=0.5x", T},
        {"application/openmetrics-text;q=1.5", T},
        {"application/openmetrics-text;q=-1", T},
        {"application/openmetrics-text ; q=0.4 , text/plain;q=0.3", OM},
        {"application/openmetrics-text;q=\"0.4\"", OM},
    };
    check_format(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Only OpenMetrics 1.0.0 is written: another version is not acceptable. */
static void
test_format_versions(void)
{
    static const nego_case_t cases[] = {
        {"application/openmetrics-text; version=0.0.1", T},
        {"application/openmetrics-text;version=1.0.01", T},
        {"application/openmetrics-text;version=\"1.0.0\"", OM},
        {"application/openmetrics-text;VERSION=1.0.0;q=0.2", OM},
        {"application/openmetrics-text;version=0.0.1;q=1,application/openmetrics-text;"
         "version=1.0.0;q=0.2,text/plain;q=0.1",
         OM},
        {"text/plain;version=0.0.4", T},
    };
    check_format(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_format_malformed(void)
{
    char longer[400];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    const nego_case_t cases[] = {
        {",,;;,", T},
        {"application/openmetrics-textual", T},
        {"application/openmetrics", T},
        {";q=1,application/openmetrics-text;=", OM},
        {"application/openmetrics-text;version=\"1.0.0", OM}, /* unclosed quote: to the end */
        {longer, T},
    };
    check_format(cases, sizeof(cases) / sizeof(cases[0]));
}

/*
 * Text first (the agent with cmon names, whose counters OpenMetrics would
 * rename): text whenever text/plain, text/ * or * / * is acceptable at all,
 * OpenMetrics only when it is the one acceptable format.
 */
static void
test_format_text_first(void)
{
    static const nego_case_t cases[] = {
        {NULL, T},
        {"", T},
        /* Prometheus 2.42's default scrape Accept header, exactly */
        {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
         "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
         T},
        /* the same preference without the wildcard: text still acceptable */
        {"application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.01", T},
        /* only a wildcard beside OpenMetrics: text is acceptable through it */
        {"application/openmetrics-text;version=1.0.0,*/*;q=0.1", T},
        {"application/openmetrics-text;version=1.0.0,text/*;q=0.1", T},
        /* OpenMetrics only */
        {"application/openmetrics-text", OM},
        {"application/openmetrics-text; version=1.0.0; charset=utf-8", OM},
        {"application/openmetrics-text;version=1.0.0,text/plain;q=0", OM},
        {"application/openmetrics-text;version=1.0.0,text/plain;q=0,*/*;q=0", OM},
        /* text only, the wildcard only */
        {"text/plain;version=0.0.4", T},
        {"text/plain", T},
        {"*/*", T},
        /* OpenMetrics refused or in a version not written; nothing acceptable */
        {"application/openmetrics-text;q=0", T},
        {"application/openmetrics-text;version=0.0.1", T},
        {"text/html", T},
        {"application/openmetrics-text;q=bogus,text/plain;q=0", T},
    };
    check_format_with(negotiate_format_text_first, cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_gzip(void)
{
    static const nego_case_t cases[] = {
        {NULL, 0},
        {"", 0},
        {"gzip", 1},
        {"GZip", 1},
        {"deflate, gzip;q=0.5", 1},
        {"gzip, deflate, br", 1},
        {"gzip;q=0", 0},
        {"gzip;q=0.000", 0},
        {"gzip;q=nope", 0},
        {"*", 1},
        {"*;q=0", 0},
        {"*;q=0.1, gzip;q=0", 0},
        {"identity", 0},
        {"br, x-gzip", 1},
        {"gzipped", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = negotiate_gzip(cases[i].nc_header);
        if (got != cases[i].nc_want)
            fprintf(stderr, "\nAccept-Encoding: %s: got %d\n",
                    cases[i].nc_header ? cases[i].nc_header : "-", got);
        CU_ASSERT_EQUAL(got, cases[i].nc_want);
    }
}

int
main(int argc, char **argv)
{
    static CU_TestInfo tests[] = {{"format", test_format},
                                  {"format q-values", test_format_q_values},
                                  {"format versions", test_format_versions},
                                  {"format malformed", test_format_malformed},
                                  {"format text first", test_format_text_first},
                                  {"gzip", test_gzip},
                                  CU_TEST_INFO_NULL};
    return cunit_main(argc, argv, "negotiate", tests);
}
