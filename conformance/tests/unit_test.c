/*
 * unit_test.c - CUnit tests of the number grammars, the UTF-8 validator, the
 * hash map, the Metric table and the checker's API (chunking, AUTO, collection, limits).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "cunit_main.h"
#include "cf.h"
#include "conform.h"

static char scratch[4096];

static int
gof(const char *s, double *v)
{
    return cf_num_go_float(s, strlen(s), v, scratch);
}

static int
omn(const char *s, double *v)
{
    return cf_num_om_number(s, strlen(s), v, scratch);
}

/* ---- numbers ---- */

static void
test_go_float_accepts(void)
{
    static const struct {
        const char *s;
        double v;
    } ok[] = {{"0", 0},         {"-12", -12},
              {"+3", 3},        {"1.5", 1.5},
              {".5", .5},       {"5.", 5},
              {"1e3", 1000},    {"1E+3", 1000},
              {"1e-3", 0.001},  {"0042", 42},
              {"0x1p-2", 0.25}, {"0X1.8P1", 3},
              {"1_000", 1000},  {"1_2.5_0e1_0", 12.5e10},
              {"0x_1p0", 1},    {"-0x10p0", -16},
              {"1e-400", 0},    {"123456789012345678901234567890", 1.2345678901234568e29}};
    double v;
    size_t i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        CU_ASSERT_EQUAL_FATAL(gof(ok[i].s, &v), 0);
        CU_ASSERT_DOUBLE_EQUAL(v, ok[i].v, fabs(ok[i].v) * 1e-15);
    }
}

static void
test_go_float_specials(void)
{
    double v;

    CU_ASSERT(gof("NaN", &v) == 0 && isnan(v));
    CU_ASSERT(gof("nan", &v) == 0 && isnan(v));
    CU_ASSERT(gof("+Inf", &v) == 0 && isinf(v) && v > 0);
    CU_ASSERT(gof("-inf", &v) == 0 && isinf(v) && v < 0);
    CU_ASSERT(gof("Infinity", &v) == 0 && isinf(v));
    CU_ASSERT(gof("-INFINITY", &v) == 0 && isinf(v) && v < 0);
    CU_ASSERT_EQUAL(gof("+nan", &v), -1);
    CU_ASSERT_EQUAL(gof("-NaN", &v), -1);
    CU_ASSERT_EQUAL(gof("infin", &v), -1);
    CU_ASSERT_EQUAL(gof("infx", &v), -1);
    CU_ASSERT_EQUAL(gof("nanx", &v), -1);
}

static void
test_go_float_rejects(void)
{
    static const char *const bad[] = {"",     "+",    "-",     ".",    "e1",    "1e",
                                      "1e+",  "0x10", "0x",    "0xp1", "_1",    "1_",
                                      "1__0", "1_.5", "1._5",  "1e_1", "1,5",   "0b101",
                                      "0o17", "1 ",   "1.2.3", "--1",  "0x1.8", "1p3"};
    double v;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CU_ASSERT_EQUAL(gof(bad[i], &v), -1);
    CU_ASSERT_EQUAL(gof("1e400", &v), -2);
    CU_ASSERT_EQUAL(gof("-1e309", &v), -2);
    CU_ASSERT_EQUAL(gof("0x1p2000", &v), -2);
}

static void
test_go_int64(void)
{
    int64_t v;

    CU_ASSERT(cf_num_go_int64("123", 3, &v) == 0 && v == 123);
    CU_ASSERT(cf_num_go_int64("-3982045", 8, &v) == 0 && v == -3982045);
    CU_ASSERT(cf_num_go_int64("+5", 2, &v) == 0 && v == 5);
    CU_ASSERT(cf_num_go_int64("9223372036854775807", 19, &v) == 0 && v == INT64_MAX);
    CU_ASSERT(cf_num_go_int64("-9223372036854775808", 20, &v) == 0 && v == INT64_MIN);
    CU_ASSERT_EQUAL(cf_num_go_int64("9223372036854775808", 19, &v), -2);
    CU_ASSERT_EQUAL(cf_num_go_int64("-9223372036854775809", 20, &v), -2);
    CU_ASSERT_EQUAL(cf_num_go_int64("1.5", 3, &v), -1);
    CU_ASSERT_EQUAL(cf_num_go_int64("1_000", 5, &v), -1);
    CU_ASSERT_EQUAL(cf_num_go_int64("-", 1, &v), -1);
    CU_ASSERT_EQUAL(cf_num_go_int64("", 0, &v), -1);
    CU_ASSERT_EQUAL(cf_num_go_int64("1e3", 3, &v), -1);
}

static void
test_om_number(void)
{
    double v;

    CU_ASSERT(omn("23", &v) == 0 && v == 23);
    CU_ASSERT(omn("8903.123421", &v) == 0 && fabs(v - 8903.123421) < 1e-9);
    CU_ASSERT(omn("1.89e-7", &v) == 0 && fabs(v - 1.89e-7) < 1e-20);
    CU_ASSERT(omn("-.5E2", &v) == 0 && v == -50);
    CU_ASSERT(omn("5.", &v) == 0 && v == 5);
    CU_ASSERT(omn("NaN", &v) == 0 && isnan(v));
    CU_ASSERT(omn("+inf", &v) == 0 && isinf(v));
    CU_ASSERT(omn("-Infinity", &v) == 0 && isinf(v) && v < 0);
    CU_ASSERT_EQUAL(omn("+NaN", &v), -1);
    CU_ASSERT_EQUAL(omn("0x1p3", &v), -1);
    CU_ASSERT_EQUAL(omn("1_0", &v), -1);
    CU_ASSERT_EQUAL(omn(".", &v), -1);
    CU_ASSERT_EQUAL(omn("1e", &v), -1);
    CU_ASSERT_EQUAL(omn("", &v), -1);
    CU_ASSERT_EQUAL(omn("1e309", &v), -2);
    CU_ASSERT_EQUAL(cf_num_om_real("Inf", 3, &v, scratch), -1);
    CU_ASSERT_EQUAL(cf_num_om_real("nan", 3, &v, scratch), -1);
}

/* ---- UTF-8, hash map ---- */

static void
test_utf8(void)
{
    CU_ASSERT_EQUAL(cmon_utf8_check("hello, world 12345", 18), 18);
    CU_ASSERT_EQUAL(cmon_utf8_check("Z\xc3\xbcrich", 7), 7);
    CU_ASSERT_EQUAL(cmon_utf8_check("\xf0\x9f\x98\x80", 4), 4);
    CU_ASSERT_EQUAL(cmon_utf8_check("a\0b", 3), 3);
    CU_ASSERT_EQUAL(cmon_utf8_check("abcdefgh\xff", 9), 8);
    CU_ASSERT_EQUAL(cmon_utf8_check("\xc0\xaf", 2), 0);         /* overlong */
    CU_ASSERT_EQUAL(cmon_utf8_check("\xe0\x80\xaf", 3), 0);     /* overlong */
    CU_ASSERT_EQUAL(cmon_utf8_check("\xed\xa0\x80", 3), 0);     /* surrogate */
    CU_ASSERT_EQUAL(cmon_utf8_check("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
    CU_ASSERT_EQUAL(cmon_utf8_check("x\xe6\x9d", 3), 1);        /* truncated */
    CU_ASSERT_EQUAL(cmon_utf8_check("\x80", 1), 0);
    CU_ASSERT_EQUAL(cmon_utf8_count("\xc3\xa9t\xc3\xa9", 5), 3);
}

static void
test_grow(void)
{
    size_t cap = 0;
    int *a = cf_grow(NULL, &cap, 0, sizeof(*a), 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(cap, 4); /* the first room: min */
    for (size_t i = 0; i < 4; i++)
        a[i] = (int)i;
    CU_ASSERT_PTR_EQUAL(cf_grow(a, &cap, 3, sizeof(*a), 4), a); /* room left: as it was */
    CU_ASSERT_EQUAL(cap, 4);
    a = cf_grow(a, &cap, 4, sizeof(*a), 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(cap, 8);  /* full: twice */
    CU_ASSERT_EQUAL(a[3], 3); /* kept */
    size_t huge = SIZE_MAX / 4;
    CU_ASSERT_PTR_NULL(cf_grow(a, &huge, huge, 4, 4)); /* too large: NULL, cap as it was */
    CU_ASSERT_EQUAL(huge, SIZE_MAX / 4);
    free(a);
}

static void
test_map(void)
{
    cf_map_t m;
    uint32_t *v;
    uint64_t k;

    memset(&m, 0, sizeof(m));
    CU_ASSERT_PTR_NULL(cf_map_get(&m, 42));
    for (k = 1; k <= 10000; k++)
        CU_ASSERT_EQUAL_FATAL(cf_map_put(&m, k * 7919, (uint32_t)k, NULL), 1);
    CU_ASSERT_EQUAL(m.m_count, 10000);
    CU_ASSERT_EQUAL(cf_map_put(&m, 7919 * 5, 0, &v), 0);
    CU_ASSERT_EQUAL(*v, 5);
    CU_ASSERT_PTR_NULL(cf_map_get(&m, 3));
    cf_map_clear(&m);
    CU_ASSERT_PTR_NULL(cf_map_get(&m, 7919));
    CU_ASSERT_EQUAL(cf_map_put(&m, 7919, 1, NULL), 1);
    cf_map_free(&m);
    CU_ASSERT_NOT_EQUAL(cf_hash("ab", 2, 0), cf_hash("ba", 2, 0));
    CU_ASSERT_NOT_EQUAL(cf_hash("", 0, 0), 0);
}

/* The Metrics of a text histogram or summary: found by fingerprint through
 * chains (keys alike in their low bits share one), in the order they came,
 * their states kept apart; forgotten by clear. */
static void
test_metric_table(void)
{
    cf_mtable_t t;
    cf_mstate_t *ms;
    uint64_t k;

    memset(&t, 0, sizeof(t));
    CU_ASSERT_PTR_NULL(cf_mtable_find(&t, 1));
    for (k = 1; k <= 5000; k++) { /* half of them in one chain */
        ms = cf_mtable_add(&t, k % 2 ? k << 32 : k * 0x9E3779B97F4A7C15ULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ms);
        CU_ASSERT_EQUAL(ms->ms_word, 0);
        ms->ms_word = k;
    }
    CU_ASSERT_EQUAL(t.mt_n, 5000);
    for (k = 1; k <= 5000; k++) {
        ms = cf_mtable_find(&t, k % 2 ? k << 32 : k * 0x9E3779B97F4A7C15ULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ms);
        CU_ASSERT_EQUAL(ms->ms_word, k);
        CU_ASSERT_EQUAL(ms - t.mt_states, (ptrdiff_t)(k - 1));
    }
    CU_ASSERT_PTR_NULL(cf_mtable_find(&t, 5001ULL << 32));
    cf_mtable_clear(&t);
    CU_ASSERT_EQUAL(t.mt_n, 0);
    CU_ASSERT_PTR_NULL(cf_mtable_find(&t, 1ULL << 32));
    CU_ASSERT_PTR_NOT_NULL(cf_mtable_add(&t, 1ULL << 32));
    CU_ASSERT_PTR_NOT_NULL(cf_mtable_find(&t, 1ULL << 32));
    cf_mtable_free(&t);
}

/* Rule ids reported for a text exposition, one per line, in order. */
static void
text_rules(const char *in, char *out, size_t n)
{
    conform_options_t o;
    conform_checker_t *c;
    const conform_violation_t *v;
    size_t i, nv;

    conform_options_init(&o);
    o.co_format = CONFORM_FORMAT_TEXT;
    o.co_collect = 1;
    out[0] = '\0';
    c = conform_checker_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    conform_checker_feed(c, in, strlen(in));
    conform_checker_finish(c);
    v = conform_checker_violations(c, &nv);
    for (i = 0; i < nv; i++)
        snprintf(out + strlen(out), n - strlen(out), "%lu %s\n", v[i].cv_line, v[i].cv_rule_id);
    conform_checker_free(c);
}

/* A Metric keeps its first series in its state until its _count takes the
 * room: a repeat is a duplicate either way, and the +Inf bucket still meets
 * the count, whichever comes first. */
static void
test_text_metric_states(void)
{
    char got[512];

    text_rules("# TYPE h histogram\nh_bucket{a=\"1\",le=\"+Inf\"} 1\n"
               "h_bucket{a=\"2\",le=\"+Inf\"} 1\nh_bucket{le=\"+Inf\",a=\"1\"} 1\n",
               got, sizeof(got));
    CU_ASSERT_STRING_EQUAL(got, "4 series-duplicate\n4 histogram-le-duplicate\n");
    text_rules("# TYPE h histogram\nh_bucket{a=\"1\",le=\"+Inf\"} 1\nh_count{a=\"1\"} 2\n"
               "h_bucket{a=\"1\",le=\"+Inf\"} 1\nh_count{a=\"1\"} 2\n",
               got, sizeof(got));
    CU_ASSERT_STRING_EQUAL(got, "4 series-duplicate\n4 histogram-le-duplicate\n"
                                "5 series-duplicate\n2 histogram-inf-count\n");
    text_rules("# TYPE h histogram\nh_count{a=\"1\"} 3\nh_bucket{a=\"1\",le=\"1\"} 2\n"
               "h_bucket{a=\"1\",le=\"+Inf\"} 3\nh_sum{a=\"1\"} 3\nh_count{a=\"1\"} 3\n",
               got, sizeof(got));
    CU_ASSERT_STRING_EQUAL(got, "6 series-duplicate\n");
    text_rules("# TYPE s summary\ns{quantile=\"0.5\"} 1\ns{quantile=\"0.1\"} 1\n"
               "s{quantile=\"0.5\"} 1\ns_count 1\ns_count 1\n",
               got, sizeof(got));
    CU_ASSERT_STRING_EQUAL(got, "3 text-quantile-order\n4 series-duplicate\n6 series-duplicate\n");
}

/* ---- the checker ---- */

static const char HIST[] = "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
                           "h_bucket{le=\"+Inf\"} 3\nh_sum 4\nh_count 2\nfoo{a=\"\\\\\"} 1\n"
                           "foo{a=\"b\"} 2\nfoo{a=\"b\"} 3\n";

static size_t
check_chunks(const char *s, size_t len, size_t chunk, conform_format_t f, char *rules,
             size_t rules_len)
{
    conform_options_t o;
    conform_checker_t *c;
    const conform_violation_t *v;
    size_t i, n, errors;

    conform_options_init(&o);
    o.co_format = f;
    o.co_collect = 1;
    c = conform_checker_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (i = 0; i < len; i += chunk)
        CU_ASSERT_EQUAL(conform_checker_feed(c, s + i, len - i < chunk ? len - i : chunk), 0);
    conform_checker_finish(c);
    v = conform_checker_violations(c, &n);
    rules[0] = '\0';
    for (i = 0; i < n; i++)
        snprintf(rules + strlen(rules), rules_len - strlen(rules), "%lu:%lu:%s ", v[i].cv_line,
                 v[i].cv_col, v[i].cv_rule_id);
    errors = conform_checker_errors(c);
    conform_checker_free(c);
    return errors;
}

static void
test_chunking(void)
{
    char whole[1024], part[1024];
    size_t chunk;

    CU_ASSERT_EQUAL(
        check_chunks(HIST, strlen(HIST), strlen(HIST), CONFORM_FORMAT_TEXT, whole, sizeof(whole)),
        2);
    CU_ASSERT_STRING_EQUAL(whole, "3:1:histogram-inf-count 9:1:series-duplicate ");
    for (chunk = 1; chunk < 40; chunk++) {
        CU_ASSERT_EQUAL(
            check_chunks(HIST, strlen(HIST), chunk, CONFORM_FORMAT_TEXT, part, sizeof(part)), 2);
        CU_ASSERT_STRING_EQUAL(part, whole);
    }
}

static void
test_auto(void)
{
    static const char om[] = "# TYPE foo info\nfoo_info{a=\"b\"} 1\n# EOF\n";
    static const char text[] = "# TYPE foo counter\nfoo 1\n";
    conform_options_t o;
    conform_checker_t *c;
    char rules[256];

    CU_ASSERT_EQUAL(check_chunks(om, strlen(om), 3, CONFORM_FORMAT_AUTO, rules, sizeof(rules)), 0);
    CU_ASSERT_EQUAL(check_chunks(text, strlen(text), 5, CONFORM_FORMAT_AUTO, rules, sizeof(rules)),
                    0);
    CU_ASSERT_EQUAL(check_chunks(om, strlen(om), 7, CONFORM_FORMAT_TEXT, rules, sizeof(rules)), 1);
    conform_options_init(&o);
    o.co_content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    c = conform_checker_new(&o);
    CU_ASSERT_EQUAL(conform_checker_format(c), CONFORM_FORMAT_OPENMETRICS);
    conform_checker_feed(c, text, strlen(text));
    CU_ASSERT_EQUAL(conform_checker_finish(c), 1);
    conform_checker_free(c);
    CU_ASSERT_EQUAL(conform_format_from_content_type("text/plain; version=0.0.4"),
                    CONFORM_FORMAT_TEXT);
    CU_ASSERT_EQUAL(conform_format_sniff("a 1\n# EOF", 9), CONFORM_FORMAT_OPENMETRICS);
    CU_ASSERT_EQUAL(conform_format_sniff("a 1\nb# EOF\n", 11), CONFORM_FORMAT_TEXT);
}

static int
stop_at_first(const conform_violation_t *v, void *arg)
{
    (void)v;
    ++*(int *)arg;
    return 1;
}

static void
test_callback_and_limits(void)
{
    static const char bad[] = "a\nb\nc\n";
    conform_options_t o;
    conform_checker_t *c;
    char line[300];
    int calls = 0;

    conform_options_init(&o);
    o.co_format = CONFORM_FORMAT_TEXT;
    o.co_report = stop_at_first;
    o.co_report_arg = &calls;
    c = conform_checker_new(&o);
    CU_ASSERT_EQUAL(conform_checker_feed(c, bad, strlen(bad)), 1);
    CU_ASSERT_EQUAL(conform_checker_finish(c), 1);
    CU_ASSERT_EQUAL(calls, 1);
    conform_checker_free(c);

    memset(line, 'x', sizeof(line));
    memcpy(line, "foo{a=\"", 7);
    memcpy(line + sizeof(line) - 6, "\"} 1\n", 5);
    conform_options_init(&o);
    o.co_format = CONFORM_FORMAT_TEXT;
    o.co_max_line = 100;
    CU_ASSERT_EQUAL(conform_check_buffer(line, sizeof(line) - 1, &o), 1);
    o.co_max_line = 1000;
    CU_ASSERT_EQUAL(conform_check_buffer(line, sizeof(line) - 1, &o), 0);
    o.co_format = 7;
    CU_ASSERT_PTR_NULL(conform_checker_new(&o));
}

/* The line grammars: each violation, at its column. */
static void
test_tokenizer_positions(void)
{
    static const struct {
        conform_format_t f;
        const char *in, *want;
    } cases[] = {
        {CONFORM_FORMAT_TEXT, "foo{a=\"b\" c=\"d\"} 1\n", "1:11:text-label-syntax "},
        {CONFORM_FORMAT_TEXT, "  foo  {  a = \"\\\\\" ,  }  1  2  \n", ""},
        {CONFORM_FORMAT_TEXT, "foo{a=\"x\\t\"} 1\n", "1:9:text-escape "},
        {CONFORM_FORMAT_TEXT, "foo 1 2 x\n", "1:9:text-trailing "},
        {CONFORM_FORMAT_TEXT, "foo 1 2.5\n", "1:7:text-timestamp "},
        {CONFORM_FORMAT_TEXT, "foo{1=\"\"} 1\n", "1:5:text-label-name "},
        {CONFORM_FORMAT_TEXT, "# TYPE foo gauge x\n", "1:12:text-type-syntax "},
        {CONFORM_FORMAT_TEXT, "\tfoo{a=\"\xc3\"} 1\n", "1:9:utf8 "},
        {CONFORM_FORMAT_OPENMETRICS, "foo{a=\"b\",} 1\n# EOF\n", "1:10:om-label-syntax "},
        {CONFORM_FORMAT_OPENMETRICS, "foo  1\n# EOF\n", "1:5:om-sample-syntax "},
        {CONFORM_FORMAT_OPENMETRICS, "foo 1 \n# EOF\n", "1:7:om-sample-syntax "},
        {CONFORM_FORMAT_OPENMETRICS, "foo 1 2 x\n# EOF\n", "1:8:om-sample-syntax "},
        {CONFORM_FORMAT_OPENMETRICS, "foo{a=\"b\"} 1 # {} x\n# EOF\n", "1:19:om-number "},
        {CONFORM_FORMAT_OPENMETRICS, "foo{a=\"b\"} 1 # {} 2\n# EOF\n",
         "1:14:om-exemplar-placement "},
        {CONFORM_FORMAT_OPENMETRICS, "# TYPE foo  gauge\n# EOF\n", "1:12:om-descriptor-syntax "},
        {CONFORM_FORMAT_OPENMETRICS, "# HELP foo x\\\n# EOF\n", "1:13:om-escape "},
        /* a quote in HELP, raw or after an escaped backslash, as the reference accepts */
        {CONFORM_FORMAT_OPENMETRICS, "# HELP foo \"x\" \\\\\"\n# EOF\n", ""},
        {CONFORM_FORMAT_OPENMETRICS, "foo 1\r\n# EOF\n", "1:6:om-cr "},
        {CONFORM_FORMAT_OPENMETRICS, "foo 1\n", "1:1:om-eof-missing "},
    };
    char got[512];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_chunks(cases[i].in, strlen(cases[i].in), 1000, cases[i].f, got, sizeof(got));
        if (strcmp(got, cases[i].want) != 0)
            fprintf(stderr, "\ncase %zu: got \"%s\", want \"%s\"\n", i, got, cases[i].want);
        CU_ASSERT_STRING_EQUAL(got, cases[i].want);
    }
}

static void
test_rules_table(void)
{
    size_t i;

    CU_ASSERT(conform_rule_count() > 80);
    for (i = 0; i < conform_rule_count(); i++)
        CU_ASSERT_PTR_NOT_NULL(conform_rule_describe(conform_rule_id(i)));
    CU_ASSERT_PTR_NULL(conform_rule_describe("no-such-rule"));
    CU_ASSERT_PTR_NULL(conform_rule_id(conform_rule_count()));
}

/* ---- samples (co_sample) ---- */

typedef struct seen {
    int n, stop_at;
    double ts;         /* the last timestamp seen */
    char rows[8][160]; /* "family|name|type|value|labels" of the first 8 */
} seen_t;

static int
on_sample(const conform_sample_t *s, void *arg)
{
    seen_t *w = arg;
    if (s->cs_has_timestamp)
        w->ts = s->cs_timestamp;
    if (w->n < 8) {
        char labels[96] = "";
        size_t k = 0;
        for (size_t i = 0; i < s->cs_nlabels && k < sizeof(labels); i++)
            k += (size_t)snprintf(labels + k, sizeof(labels) - k, "%s%s=%s", i ? "," : "",
                                  s->cs_labels[i].cl_name, s->cs_labels[i].cl_value);
        snprintf(w->rows[w->n], sizeof(w->rows[0]), "%s|%s|%s|%g|%s", s->cs_family, s->cs_name,
                 conform_type_name(s->cs_type), s->cs_value, labels);
    }
    return ++w->n == w->stop_at;
}

static void
test_samples_text(void)
{
    static const char in[] =
        "# TYPE a_total counter\na_total 3\n"
        "net_in{interface=\"z1_net0\",x=\"q\\\"uote\\\\ \\n\"} 1.5e3 1700000000\n"
        "bad{interface=\"unterminated} 1\n"
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"
        "a_total 4\n";
    conform_options_t o;
    seen_t w = {0};
    conform_options_init(&o);
    o.co_format = CONFORM_FORMAT_TEXT;
    o.co_sample = on_sample;
    o.co_sample_arg = &w;
    conform_checker_t *c = conform_checker_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(conform_checker_feed(c, in, sizeof(in) - 1), 0);
    CU_ASSERT_EQUAL(conform_checker_finish(c), 1);
    /* the unterminated label and the interleaved a_total: errors; a_total still comes */
    CU_ASSERT_EQUAL(conform_checker_errors(c), 2);
    conform_checker_free(c);
    CU_ASSERT_EQUAL(w.n, 6);
    CU_ASSERT_STRING_EQUAL(w.rows[0], "a_total|a_total|counter|3|");
    CU_ASSERT_STRING_EQUAL(w.rows[1],
                           "net_in|net_in|unknown|1500|interface=z1_net0,x=q\"uote\\ \n");
    CU_ASSERT_STRING_EQUAL(w.rows[2], "h|h_bucket|histogram|2|le=+Inf");
    CU_ASSERT_STRING_EQUAL(w.rows[4], "h|h_count|histogram|2|");
    CU_ASSERT_STRING_EQUAL(w.rows[5], "a_total|a_total|unknown|4|");
    CU_ASSERT_DOUBLE_EQUAL(w.ts, 1700000000.0, 0); /* text: milliseconds as given */
}

static void
test_samples_openmetrics(void)
{
    static const char in[] = "# TYPE c counter\nc_total{a=\"\\\\x\"} 4\nc_created{a=\"\\\\x\"} 1\n"
                             "# TYPE g gauge\ng 7\n# EOF\n";
    conform_options_t o;
    seen_t w = {0};
    conform_options_init(&o);
    o.co_sample = on_sample;
    o.co_sample_arg = &w;
    /* AUTO without a Content-Type sniffs: a checker cannot, the one-shot check can */
    CU_ASSERT_PTR_NULL(conform_checker_new(&o));
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(conform_check_buffer(in, sizeof(in) - 1, &o), 0);
    CU_ASSERT_EQUAL(w.n, 3);
    CU_ASSERT_STRING_EQUAL(w.rows[0], "c|c_total|counter|4|a=\\x");
    CU_ASSERT_STRING_EQUAL(w.rows[1], "c|c_created|counter|1|a=\\x");
    CU_ASSERT_STRING_EQUAL(w.rows[2], "g|g|gauge|7|");
    /* by Content-Type, and stopped by the callback after the first */
    w = (seen_t){.stop_at = 1};
    o.co_content_type = "application/openmetrics-text; version=1.0.0";
    conform_checker_t *c = conform_checker_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(conform_checker_feed(c, in, sizeof(in) - 1), 1);
    conform_checker_free(c);
    CU_ASSERT_EQUAL(w.n, 1);
}

static int
find_label(const conform_sample_t *s, void *arg)
{
    const char **out = arg;
    out[0] = conform_sample_label(s, "b") ? "found" : "none";
    out[1] = conform_sample_label(s, "zz") ? "found" : "none";
    return 0;
}

static void
test_sample_label(void)
{
    static const char in[] = "m{a=\"1\",b=\"2\"} 1\n";
    const char *got[2] = {NULL, NULL};
    conform_options_t o;
    conform_options_init(&o);
    o.co_format = CONFORM_FORMAT_TEXT;
    o.co_sample = find_label;
    o.co_sample_arg = got;
    CU_ASSERT_EQUAL(conform_check_buffer(in, sizeof(in) - 1, &o), 0);
    CU_ASSERT_STRING_EQUAL(got[0], "found");
    CU_ASSERT_STRING_EQUAL(got[1], "none");
    CU_ASSERT_PTR_NULL(conform_type_name((conform_type_t)99));
}

static const CU_TestInfo tests[] = {
    {"go float accepts", test_go_float_accepts},
    {"go float specials", test_go_float_specials},
    {"go float rejects", test_go_float_rejects},
    {"go int64", test_go_int64},
    {"openmetrics numbers", test_om_number},
    {"utf8", test_utf8},
    {"growing arrays", test_grow},
    {"hash map", test_map},
    {"metric table", test_metric_table},
    {"text metric states", test_text_metric_states},
    {"chunking", test_chunking},
    {"auto format", test_auto},
    {"callback and limits", test_callback_and_limits},
    {"tokenizer positions", test_tokenizer_positions},
    {"rules table", test_rules_table},
    {"samples: text", test_samples_text},
    {"samples: openmetrics, sniffing, stop", test_samples_openmetrics},
    {"samples: labels by name", test_sample_label},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "conform", tests);
}
