/*
 * CUnit tests of expofmt, the spelling both exposition writers share:
 * numbers (integers, exact decimals, doubles that read back, NaN and the
 * infinities, the OpenMetrics canonical numbers of le and quantile),
 * escaping, label pairs, the metadata lines in each format's order, and
 * "# EOF". Expected texts are written out by hand from the Prometheus text
 * 0.0.4 and OpenMetrics 1.0 specifications.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "expofmt.h"

/* Checks the text in sb against want, then empties sb. */
static void
check_text(sbuf_t *sb, const char *want)
{
    CU_ASSERT_FALSE(sbuf_failed(sb));
    CU_ASSERT_PTR_NOT_NULL_FATAL(sb->sb_buf);
    if (strcmp(sb->sb_buf, want) != 0)
        fprintf(stderr, "\n--- got:\n%s\n--- want:\n%s\n", sb->sb_buf, want);
    CU_ASSERT_STRING_EQUAL(sb->sb_buf, want);
    sbuf_reset(sb);
}

static void
test_integers(void)
{
    sbuf_t sb = SBUF_INIT;
    expofmt_add_u64(&sb, 18446744073709551615ull);
    sbuf_addc(&sb, ' ');
    expofmt_add_u64(&sb, 0);
    sbuf_addc(&sb, ' ');
    expofmt_add_i64(&sb, -9223372036854775807ll - 1);
    sbuf_addc(&sb, ' ');
    expofmt_add_i64(&sb, 9223372036854775807ll);
    sbuf_addc(&sb, ' ');
    expofmt_add_i64(&sb, -3);
    check_text(&sb, "18446744073709551615 0 -9223372036854775808 9223372036854775807 -3");
    expofmt_add_decimal(&sb, 1500, 3);
    sbuf_addc(&sb, ' ');
    expofmt_add_decimal(&sb, 7, 9);
    sbuf_addc(&sb, ' ');
    expofmt_add_decimal(&sb, 2000000000, 9);
    sbuf_addc(&sb, ' ');
    expofmt_add_decimal(&sb, 123, 0);
    sbuf_addc(&sb, ' ');
    expofmt_add_decimal(&sb, 18446744073709551615ull, 19);
    check_text(&sb, "1.5 0.000000007 2 123 1.8446744073709551615");
    sbuf_release(&sb);
}

/* The same decimals into a caller's buffer, with their lengths. */
static void
test_decimal_buffer(void)
{
    char out[EXPOFMT_DECIMAL_LEN];
    memset(out, 'x', sizeof(out));
    CU_ASSERT_EQUAL(expofmt_decimal(0, 0, out), 1);
    CU_ASSERT_STRING_EQUAL(out, "0");
    CU_ASSERT_EQUAL(expofmt_decimal(18446744073709551615ull, 0, out), 20);
    CU_ASSERT_STRING_EQUAL(out, "18446744073709551615");
    CU_ASSERT_EQUAL(expofmt_decimal(18446744073709551615ull, 19, out), 21);
    CU_ASSERT_STRING_EQUAL(out, "1.8446744073709551615");
    CU_ASSERT_EQUAL(expofmt_decimal(18446744073709551615ull, 25, out), 21); /* as 19 */
    CU_ASSERT_STRING_EQUAL(out, "1.8446744073709551615");
    CU_ASSERT_EQUAL(expofmt_decimal(1, 19, out), 21);
    CU_ASSERT_STRING_EQUAL(out, "0.0000000000000000001");
    /* around each pair of digits */
    static const struct {
        uint64_t v;
        const char *text;
    } ints[] = {{9, "9"},         {10, "10"},           {99, "99"},
                {100, "100"},     {101, "101"},         {1009, "1009"},
                {99999, "99999"}, {1000000, "1000000"}, {17179869184ull, "17179869184"}};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        CU_ASSERT_EQUAL(expofmt_decimal(ints[i].v, 0, out), strlen(ints[i].text));
        CU_ASSERT_STRING_EQUAL(out, ints[i].text);
    }
    CU_ASSERT_EQUAL(expofmt_decimal(1500, 3, out), 3);
    CU_ASSERT_STRING_EQUAL(out, "1.5");
    CU_ASSERT_EQUAL(expofmt_decimal(2000000000, 9, out), 1);
    CU_ASSERT_STRING_EQUAL(out, "2");
}

static void
test_doubles(void)
{
    sbuf_t sb = SBUF_INIT;
    expofmt_add_double(&sb, 0.1);
    sbuf_addc(&sb, ' ');
    expofmt_add_double(&sb, 123456789 / 1e9);
    sbuf_addc(&sb, ' ');
    expofmt_add_double(&sb, NAN);
    sbuf_addc(&sb, ' ');
    expofmt_add_double(&sb, -INFINITY);
    sbuf_addc(&sb, ' ');
    expofmt_add_double(&sb, INFINITY);
    sbuf_addc(&sb, ' ');
    expofmt_add_double(&sb, 0.5);
    check_text(&sb, "0.1 0.123456789 NaN -Inf +Inf 0.5");
    /* sample values: the shortest decimal of up to nine places that reads
     * back exactly, else 15 significant digits, else 17 */
    static const struct {
        double v;
        const char *text;
    } nums[] = {{42.5, "42.5"},
                {-0.25, "-0.25"},
                {0.001, "0.001"},
                {123.456, "123.456"},
                {-7.000001, "-7.000001"},
                {1e20, "1e+20"},
                {0.1, "0.1"},
                {1234567.125, "1234567.125"},
                {-12, "-12"},
                {4096, "4096"},
                {999999999999999, "999999999999999"},
                {1e15, "1e+15"},
                {0.00001, "0.00001"},
                {1e-7, "1e-07"},
                {0.1 + 0.2, "0.30000000000000004"},
                {2.0 / 3, "0.66666666666666663"},
                {123.4567890123, "123.4567890123"}};
    char out[EXPOFMT_NUMBER_LEN];
    for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++) {
        size_t n = expofmt_number(nums[k].v, out, sizeof(out));
        CU_ASSERT_STRING_EQUAL(out, nums[k].text);
        CU_ASSERT_EQUAL(n, strlen(nums[k].text));
    }
    CU_ASSERT_EQUAL(expofmt_number(1.5, out, 8), 0); /* too small a buffer: nothing */
    CU_ASSERT_STRING_EQUAL(out, "");
    sbuf_release(&sb);
}

/* Any double reads back exactly, at every magnitude. */
static void
test_doubles_read_back(void)
{
    double vals[] = {1.0 / 3, 2.0 / 3 * 1e-9,         12345678.901234567,
                     5e-324,  1.7976931348623157e308, -2.2250738585072014e-308};
    char out[EXPOFMT_NUMBER_LEN];
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        expofmt_number(vals[i], out, sizeof(out));
        CU_ASSERT_EQUAL(strtod(out, NULL), vals[i]);
    }
    unsigned state = 7;
    int bad = 0;
    for (int k = 0; k < 100000; k++) {
        state = state * 1103515245u + 12345u;
        double v = (double)(int)state / (double)(1u << (state % 31)) * (k % 2 ? 1e-3 : 1e3);
        expofmt_number(v, out, sizeof(out));
        bad += strtod(out, NULL) != v;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void
test_canonical(void)
{
    /* the renderings the OpenMetrics specification lists */
    static const struct {
        double v;
        const char *om;
    } cases[] = {{0, "0.0"},           {0.001, "0.001"}, {0.002, "0.002"},    {0.01, "0.01"},
                 {0.1, "0.1"},         {0.9, "0.9"},     {0.95, "0.95"},      {0.99, "0.99"},
                 {0.999, "0.999"},     {1, "1.0"},       {1.7, "1.7"},        {10, "10.0"},
                 {1e-10, "1e-10"},     {1e-9, "1e-09"},  {1e-5, "1e-05"},     {1e-4, "0.0001"},
                 {100000, "100000.0"}, {1e6, "1e+06"},   {1e10, "1e+10"},     {0.005, "0.005"},
                 {2.5, "2.5"},         {1e23, "1e+23"},  {1.1e23, "1.1e+23"}, {INFINITY, "+Inf"},
                 {-INFINITY, "-Inf"},  {-1, "-1.0"}};
    char out[48];
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        expofmt_canonical(cases[k].v, EXPO_OPENMETRICS, out, sizeof(out));
        CU_ASSERT_STRING_EQUAL(out, cases[k].om);
    }
    CU_ASSERT_STRING_EQUAL(expofmt_canonical(1, EXPO_TEXT, out, sizeof(out)), "1");
    CU_ASSERT_STRING_EQUAL(expofmt_canonical(0.25, EXPO_TEXT, out, sizeof(out)), "0.25");
    CU_ASSERT_STRING_EQUAL(expofmt_canonical(NAN, EXPO_TEXT, out, sizeof(out)), "NaN");
}

/* Label values: backslash, double quote, line feed; HELP: backslash and
 * line feed in text 0.0.4, the double quote too in OpenMetrics. */
static void
test_escaping(void)
{
    sbuf_t sb = SBUF_INIT;
    expofmt_escape_label(&sb, "x\\y\"z\nw");
    check_text(&sb, "x\\\\y\\\"z\\nw");
    expofmt_escape_label(&sb, "C:\\DIR\n\"F\"");
    check_text(&sb, "C:\\\\DIR\\n\\\"F\\\"");
    expofmt_escape_label(&sb, "plain");
    check_text(&sb, "plain");
    expofmt_escape_label(&sb, "");
    check_text(&sb, "");
    expofmt_escape_help(&sb, "a \\ b\nc \"q\"", EXPO_TEXT);
    check_text(&sb, "a \\\\ b\\nc \"q\"");
    expofmt_escape_help(&sb, "a \\ b\nc \"q\"", EXPO_OPENMETRICS);
    check_text(&sb, "a \\\\ b\\nc \\\"q\\\"");
    expofmt_escape_help(&sb, "\n\n\\", EXPO_TEXT);
    check_text(&sb, "\\n\\n\\\\");
    sbuf_release(&sb);
}

static void
test_labels(void)
{
    sbuf_t sb = SBUF_INIT;
    sbuf_adds(&sb, "m{");
    expofmt_add_label(&sb, 1, "sensor", "probe");
    expofmt_add_label(&sb, 0, "path", "C:\\DIR\n\"F\"");
    expofmt_add_label(&sb, 0, "empty", "");
    expofmt_add_label(&sb, 0, "q", "\"x\\y\nz");
    sbuf_addc(&sb, '}');
    check_text(&sb, "m{sensor=\"probe\",path=\"C:\\\\DIR\\n\\\"F\\\"\",empty=\"\","
                    "q=\"\\\"x\\\\y\\nz\"}");
    /* a label across the end of the first 256 bytes: its one growth must
     * count every byte (ASan sees a miscount) */
    sbuf_t at_edge = SBUF_INIT;
    for (int i = 0; i < 203; i++) /* 203 + 53 + NUL: one byte over */
        sbuf_addc(&at_edge, 'a');
    CU_ASSERT_EQUAL(at_edge.sb_cap, 256);
    expofmt_add_label(&at_edge, 0, "name_of_a_label", "a value of some length, no escapes");
    CU_ASSERT_EQUAL(at_edge.sb_len, 203 + 1 + 15 + 2 + 34 + 1);
    CU_ASSERT_EQUAL(strlen(at_edge.sb_buf), at_edge.sb_len);
    CU_ASSERT_STRING_EQUAL(at_edge.sb_buf + 203,
                           ",name_of_a_label=\"a value of some length, no escapes\"");
    sbuf_release(&at_edge);
    sbuf_release(&sb);
}

static void
test_names(void)
{
    CU_ASSERT_EQUAL(expofmt_family_len("x_total", 7, 1, EXPO_OPENMETRICS), 1);
    CU_ASSERT_EQUAL(expofmt_family_len("x_total", 7, 1, EXPO_TEXT), 7);
    CU_ASSERT_EQUAL(expofmt_family_len("x_total", 7, 0, EXPO_OPENMETRICS), 7); /* a gauge */
    CU_ASSERT_EQUAL(expofmt_family_len("_total", 6, 1, EXPO_OPENMETRICS), 6);  /* no name left */
    CU_ASSERT_EQUAL(expofmt_family_len("cpu_usage", 9, 1, EXPO_OPENMETRICS), 9);
    CU_ASSERT_EQUAL(expofmt_family_len("x_totals", 8, 1, EXPO_OPENMETRICS), 8);
    CU_ASSERT_STRING_EQUAL(expofmt_sample_suffix(1, EXPO_OPENMETRICS), "_total");
    CU_ASSERT_STRING_EQUAL(expofmt_sample_suffix(1, EXPO_TEXT), "");
    CU_ASSERT_STRING_EQUAL(expofmt_sample_suffix(0, EXPO_OPENMETRICS), "");
}

static void
test_meta(void)
{
    sbuf_t sb = SBUF_INIT;
    expofmt_add_meta(&sb, EXPO_TEXT, "lat_seconds", 11, "histogram", "seconds", "Latency \"q\".");
    check_text(&sb, "# HELP lat_seconds Latency \"q\".\n# TYPE lat_seconds histogram\n");
    expofmt_add_meta(&sb, EXPO_OPENMETRICS, "lat_seconds", 11, "histogram", "seconds",
                     "Latency \"q\".");
    check_text(&sb, "# TYPE lat_seconds histogram\n# UNIT lat_seconds seconds\n"
                    "# HELP lat_seconds Latency \\\"q\\\".\n");
    /* a declared name shorter than the string: the counter's family */
    expofmt_add_meta(&sb, EXPO_OPENMETRICS, "x_total", 1, "counter", NULL, "X.");
    check_text(&sb, "# TYPE x counter\n# HELP x X.\n");
    /* no HELP for an empty one, no UNIT for an empty one */
    expofmt_add_meta(&sb, EXPO_TEXT, "rss_bytes", 9, "gauge", "bytes", "");
    check_text(&sb, "# TYPE rss_bytes gauge\n");
    expofmt_add_meta(&sb, EXPO_OPENMETRICS, "rss_bytes", 9, "gauge", "", NULL);
    check_text(&sb, "# TYPE rss_bytes gauge\n");
    expofmt_add_meta(&sb, EXPO_TEXT, "s", 1, "summary", NULL, "a\\b\nc");
    check_text(&sb, "# HELP s a\\\\b\\nc\n# TYPE s summary\n");
    /* nothing to escape: every line in one piece, UNIT only in OpenMetrics */
    expofmt_add_meta(&sb, EXPO_OPENMETRICS, "lat_seconds", 11, "histogram", "seconds", "Lat.");
    check_text(&sb, "# TYPE lat_seconds histogram\n# UNIT lat_seconds seconds\n"
                    "# HELP lat_seconds Lat.\n");
    expofmt_add_meta(&sb, EXPO_TEXT, "lat_seconds", 11, "histogram", "seconds", "Lat.");
    check_text(&sb, "# HELP lat_seconds Lat.\n# TYPE lat_seconds histogram\n");
    /* an escape after a clean run: the run kept, the rest escaped */
    expofmt_add_meta(&sb, EXPO_OPENMETRICS, "q", 1, "gauge", NULL, "say \"hi\"\n");
    check_text(&sb, "# TYPE q gauge\n# HELP q say \\\"hi\\\"\\n\n");
    sbuf_release(&sb);
}

static void
test_eof_and_content_types(void)
{
    sbuf_t sb = SBUF_INIT;
    expofmt_add_eof(&sb, EXPO_TEXT);
    CU_ASSERT_EQUAL(sb.sb_len, 0);
    expofmt_add_eof(&sb, EXPO_OPENMETRICS);
    check_text(&sb, "# EOF\n");
    sbuf_release(&sb);
    CU_ASSERT_STRING_EQUAL(expofmt_content_type(EXPO_TEXT),
                           "text/plain; version=0.0.4; charset=utf-8");
    CU_ASSERT_STRING_EQUAL(expofmt_content_type(EXPO_OPENMETRICS),
                           "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

int
main(int argc, char **argv)
{
    static CU_TestInfo tests[] = {{"integers and exact decimals", test_integers},
                                  {"decimals into a buffer", test_decimal_buffer},
                                  {"doubles", test_doubles},
                                  {"doubles read back", test_doubles_read_back},
                                  {"canonical numbers", test_canonical},
                                  {"escaping", test_escaping},
                                  {"label pairs", test_labels},
                                  {"family names", test_names},
                                  {"metadata lines", test_meta},
                                  {"eof and content types", test_eof_and_content_types},
                                  CU_TEST_INFO_NULL};
    return cunit_main(argc, argv, "expofmt", tests);
}
