/* CUnit: recording rules of each type, -putmetric requests, and the
 * exposition writer's walk (escaping, histograms and summaries, OpenMetrics).
 * Numbers, escaping and Accept negotiation themselves are common/'s, tested
 * in common/tests. */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "registry.h"

static const char *const config_text =
    "{telemetry: {metrics: [\n"
    "  {name: \"c_total\", type: \"counter\", help: \"back\\\\slash \\\"q\\\" \\nnew\"},\n"
    "  {namespace: \"ns\", name: \"g\", type: \"gauge\"},\n"
    "  {name: \"h\", type: \"histogram\", buckets: [1, 2, 5]},\n"
    "  {name: \"s\", type: \"summary\"},\n"
    "], sensors: [{name: \"probe\", type: \"gauge\", poll: 1, check: \"true\"}]}}";

static struct cfg cfg;
static struct registry reg;

static int
setup(void)
{
    char err[512];
    if (cfg_load_text("t", config_text, strlen(config_text), &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return registry_init(&reg, &cfg);
}

static int
teardown(void)
{
    registry_free(&reg);
    cfg_free(&cfg);
    return 0;
}

static int
rec(const char *name, double v, double now)
{
    char why[200];
    long idx = registry_find(&reg, name);
    CU_ASSERT_FATAL(idx >= 0);
    return registry_record_locked(&reg, (size_t)idx, v, now, why, sizeof why);
}

static struct reg_metric *
metric(const char *name)
{
    return &reg.rg_metrics[registry_find(&reg, name)];
}

static void
test_counter_gauge(void)
{
    CU_ASSERT_EQUAL(rec("c_total", 2, 0), 0);
    CU_ASSERT_EQUAL(rec("c_total", 0.5, 0), 0);
    CU_ASSERT_EQUAL(rec("c_total", -1, 0), -1);
    CU_ASSERT_EQUAL(rec("c_total", INFINITY, 0), -1);
    CU_ASSERT_DOUBLE_EQUAL(metric("c_total")->rm_value, 2.5, 1e-12);
    CU_ASSERT_EQUAL(rec("ns_g", 7, 0), 0);
    CU_ASSERT_EQUAL(rec("ns_g", -3, 0), 0);
    CU_ASSERT_DOUBLE_EQUAL(metric("ns_g")->rm_value, -3, 1e-12);
    CU_ASSERT_EQUAL(registry_find(&reg, "g"), -1);
}

static void
test_histogram(void)
{
    double obs[] = {0.5, 1, 1.5, 2, 4.9, 5, 7};
    for (size_t k = 0; k < 7; k++)
        CU_ASSERT_EQUAL(rec("h", obs[k], 0), 0);
    CU_ASSERT_EQUAL(rec("h", NAN, 0), -1);
    struct reg_metric *m = metric("h");
    /* le is inclusive: 1 goes to le=1, 5 to le=5 */
    CU_ASSERT_EQUAL(m->rm_buckets[0], 2);
    CU_ASSERT_EQUAL(m->rm_buckets[1], 2);
    CU_ASSERT_EQUAL(m->rm_buckets[2], 2);
    CU_ASSERT_EQUAL(m->rm_buckets[3], 1);
    CU_ASSERT_EQUAL(m->rm_count, 7);
    CU_ASSERT_DOUBLE_EQUAL(m->rm_sum, 21.9, 1e-9);
}

static void
test_summary_window(void)
{
    long idx = registry_find(&reg, "s");
    const double *q = registry_quantiles_locked(&reg, (size_t)idx, 0);
    CU_ASSERT_TRUE(isnan(q[0]));
    for (int k = 100; k >= 1; k--)
        rec("s", k, 10);
    q = registry_quantiles_locked(&reg, (size_t)idx, 11);
    CU_ASSERT_DOUBLE_EQUAL(q[0], 50, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(q[1], 90, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(q[2], 99, 1e-12);
    rec("s", 1000, 300);
    q = registry_quantiles_locked(&reg, (size_t)idx, 300);
    CU_ASSERT_DOUBLE_EQUAL(q[2], 100, 1e-12);
    /* the first hundred age out of the window; only 1000 is left */
    q = registry_quantiles_locked(&reg, (size_t)idx, 10 + REG_WINDOW_SECONDS + 1);
    CU_ASSERT_DOUBLE_EQUAL(q[0], 1000, 1e-12);
    q = registry_quantiles_locked(&reg, (size_t)idx, 300 + REG_WINDOW_SECONDS + 1);
    CU_ASSERT_TRUE(isnan(q[0]));
    CU_ASSERT_EQUAL(metric("s")->rm_count, 101); /* count and sum are for all time */
    /* at most REG_WINDOW_CAP observations, the newest */
    for (int k = 0; k < REG_WINDOW_CAP + 500; k++)
        rec("s", k < 500 ? 1e6 : 1, 2000);
    q = registry_quantiles_locked(&reg, (size_t)idx, 2000);
    CU_ASSERT_DOUBLE_EQUAL(q[2], 1, 1e-12);
}

static int
put(const char *body, sbuf_t *msg)
{
    sbuf_reset(msg);
    return registry_put(&reg, body, strlen(body), 0, msg);
}

static void
test_put(void)
{
    sbuf_t msg;
    CU_ASSERT_EQUAL_FATAL(sbuf_init(&msg, 64), 0);
    double before = metric("c_total")->rm_value;
    CU_ASSERT_EQUAL(put("{\"c_total\": 1, \"ns_g\": 42.5}", &msg), 200);
    CU_ASSERT_DOUBLE_EQUAL(metric("c_total")->rm_value, before + 1, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(metric("ns_g")->rm_value, 42.5, 1e-12);
    /* all or nothing: an unknown name records nothing */
    CU_ASSERT_EQUAL(put("{\"ns_g\": 1, \"nope\": 2, \"probe\": 3}", &msg), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.sb_buf, "nope is not a configured metric"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.sb_buf, "probe is not a configured metric"));
    CU_ASSERT_DOUBLE_EQUAL(metric("ns_g")->rm_value, 42.5, 1e-12);
    CU_ASSERT_EQUAL(put("{\"c_total\": -2}", &msg), 400);
    CU_ASSERT_EQUAL(put("{\"c_total\": 1", &msg), 422);
    CU_ASSERT_EQUAL(put("[1]", &msg), 422);
    CU_ASSERT_EQUAL(put("{}", &msg), 422);
    CU_ASSERT_EQUAL(put("{\"ns_g\": \"7x\"}", &msg), 422);
    CU_ASSERT_EQUAL(put("{\"ns_g\": \" 7\"}", &msg), 422);
    CU_ASSERT_EQUAL(put("{\"ns_g\": \"\"}", &msg), 422);
    CU_ASSERT_EQUAL(put("{\"ns_g\": true}", &msg), 422);
    CU_ASSERT_DOUBLE_EQUAL(metric("ns_g")->rm_value, 42.5, 1e-12);
    /* ContainerPilot's client sends values as strings */
    CU_ASSERT_EQUAL(put("{\"ns_g\": \"-7.5\"}", &msg), 200);
    CU_ASSERT_DOUBLE_EQUAL(metric("ns_g")->rm_value, -7.5, 1e-12);
    CU_ASSERT_EQUAL(put("", &msg), 422);
    CU_ASSERT_EQUAL(reg.rg_put[0], 2);
    CU_ASSERT_EQUAL(reg.rg_put[1], 2);
    CU_ASSERT_EQUAL(reg.rg_put[2], 8);
    sbuf_release(&msg);
}

/* A name with control bytes is answered on one line, the bytes as \xNN (a
 * newline split the log line and the answer: found by tests/fuzz_control.c). */
static void
test_put_name_one_line(void)
{
    sbuf_t msg;
    CU_ASSERT_EQUAL_FATAL(sbuf_init(&msg, 64), 0);
    CU_ASSERT_EQUAL(put("{\"a\\nb\\u0001\": 1}", &msg), 400);
    CU_ASSERT_PTR_NULL(strchr(msg.sb_buf, '\n'));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.sb_buf, "a\\x0ab\\x01 is not a configured metric"));
    CU_ASSERT_EQUAL(put("{\"x\\r\": \"y\"}", &msg), 422);
    CU_ASSERT_STRING_EQUAL(msg.sb_buf, "value of x\\x0d is not a number");
    CU_ASSERT_EQUAL(put("{\"a\nb\": 2}", &msg), 422); /* a raw newline: not JSON */
    CU_ASSERT_PTR_NULL(strchr(msg.sb_buf, '\n'));
    sbuf_release(&msg);
}

static void
test_probe_done(void)
{
    long idx = registry_find(&reg, "probe");
    CU_ASSERT_EQUAL(registry_probe_done(&reg, (size_t)idx, PROBE_OK, 3, 0.02, NULL, 0), PROBE_OK);
    CU_ASSERT_EQUAL(registry_probe_done(&reg, (size_t)idx, PROBE_TIMEOUT, NAN, 20, "slow", 0),
                    PROBE_TIMEOUT);
    struct reg_metric *m = metric("probe");
    CU_ASSERT_DOUBLE_EQUAL(m->rm_value, 3, 1e-12);
    CU_ASSERT_EQUAL(m->rm_runs[PROBE_OK], 1);
    CU_ASSERT_EQUAL(m->rm_runs[PROBE_TIMEOUT], 1);
    CU_ASSERT_EQUAL(m->rm_dur_buckets[1], 0);
    CU_ASSERT_EQUAL(m->rm_dur_buckets[2], 1);             /* 0.02 <= 0.025 */
    CU_ASSERT_EQUAL(m->rm_dur_buckets[REG_NDURATION], 1); /* 20 > 10 */
    CU_ASSERT_STRING_EQUAL(m->rm_last.rl_message, "slow");
}

static void
test_escaping(void)
{
    sbuf_t b = SBUF_INIT;
    struct expo e;
    expo_init(&e, &b, EXPO_TEXT);
    expo_family(&e, "x", "a\\b\nc \"d\"", CFG_GAUGE);
    struct expo_label l = {"path", "C:\\DIR\n\"F\""};
    expo_value(&e, &l, 1, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b.sb_buf);
    CU_ASSERT_STRING_EQUAL(b.sb_buf, "# HELP x a\\\\b\\nc \"d\"\n# TYPE x gauge\n"
                                     "x{path=\"C:\\\\DIR\\n\\\"F\\\"\"} 1\n");
    sbuf_reset(&b);
    expo_init(&e, &b, EXPO_OPENMETRICS);
    expo_family(&e, "x_total", "q\"", CFG_COUNTER);
    expo_value(&e, NULL, 0, 2);
    expo_finish(&e);
    CU_ASSERT_STRING_EQUAL(b.sb_buf, "# TYPE x counter\n# HELP x q\\\"\nx_total 2\n# EOF\n");
    /* OpenMetrics: no negative _sum for histograms and summaries */
    sbuf_reset(&b);
    const char *le[] = {"-1.0", "1.0"};
    uint64_t cum[] = {1, 2};
    double qv[] = {-2};
    const char *q[] = {"0.5"};
    expo_histogram(&e, NULL, 0, le, cum, 2, 3, 2);
    expo_histogram(&e, NULL, 0, le + 1, cum + 1, 1, -3, 2);
    expo_summary(&e, NULL, 0, q, qv, 1, -2, 1);
    CU_ASSERT_PTR_NULL(strstr(b.sb_buf, "_sum"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b.sb_buf, "x_count 1\n"));
    sbuf_reset(&b);
    expo_init(&e, &b, EXPO_TEXT);
    expo_family(&e, "x", "h", CFG_HISTOGRAM);
    expo_histogram(&e, NULL, 0, le, cum, 2, -3, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(b.sb_buf, "x_sum -3\n"));
    sbuf_release(&b);
}

/* The whole exposition: every configured family once, each histogram's +Inf
 * bucket equal to its count, and HELP escaped. */
static void
test_render(void)
{
    sbuf_t b = SBUF_INIT;
    registry_render(&reg, EXPO_TEXT, 0, &b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b.sb_buf);
    const char *names[] = {"c_total", "ns_g", "h", "s", "probe", "cmon_telemetry_probe_runs_total"};
    for (size_t k = 0; k < 6; k++) {
        char type[128];
        snprintf(type, sizeof type, "# TYPE %s ", names[k]);
        const char *first = strstr(b.sb_buf, type);
        CU_ASSERT_PTR_NOT_NULL(first);
        CU_ASSERT_PTR_NULL(first ? strstr(first + 1, type) : NULL);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(b.sb_buf, "# HELP c_total back\\\\slash \"q\" \\nnew\n"));
    char line[128];
    snprintf(line, sizeof line, "h_bucket{le=\"+Inf\"} %llu\nh_sum ",
             (unsigned long long)metric("h")->rm_count);
    CU_ASSERT_PTR_NOT_NULL(strstr(b.sb_buf, line));
    CU_ASSERT_PTR_NOT_NULL(strstr(b.sb_buf, "h_bucket{le=\"2\"} 4\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(b.sb_buf, "cmon_telemetry_probe_runs_total{sensor=\"probe\",outcome=\"ok\"} 1\n"));
    CU_ASSERT_PTR_NULL(strstr(b.sb_buf, "# EOF"));
    sbuf_reset(&b);
    registry_render(&reg, EXPO_OPENMETRICS, 0, &b);
    CU_ASSERT_PTR_NOT_NULL(strstr(b.sb_buf, "# TYPE c counter\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b.sb_buf, "h_bucket{le=\"2.0\"} 4\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b.sb_buf, "s{quantile=\"0.99\"} "));
    size_t len = strlen(b.sb_buf);
    CU_ASSERT_TRUE(len > 6 && strcmp(b.sb_buf + len - 6, "# EOF\n") == 0);
    sbuf_release(&b);
}

/* Reload: an unchanged metric keeps its values, one whose type or buckets
 * changed starts afresh, a new one appears, a job keeps its runs by name. */
static void
test_reload(void)
{
    const char *before = "{jobs: [{name: \"j\", exec: \"true\", when: {interval: 1}}],"
                         " telemetry: {metrics: [{name: \"keep_total\", type: \"counter\"},"
                         " {name: \"retyped\", type: \"gauge\"},"
                         " {name: \"h\", type: \"histogram\", buckets: [1, 2]},"
                         " {name: \"gone\", type: \"gauge\"}]}}";
    const char *after = "{jobs: [{name: \"j\", exec: \"false\", when: {interval: 2}}],"
                        " telemetry: {metrics: [{name: \"new\", type: \"gauge\"},"
                        " {name: \"keep_total\", type: \"counter\", help: \"changed\"},"
                        " {name: \"retyped\", type: \"counter\"},"
                        " {name: \"h\", type: \"histogram\", buckets: [1, 3]}]}}";
    struct cfg c1, c2;
    struct registry r;
    char err[512];
    CU_ASSERT_FATAL(cfg_load_text("b", before, strlen(before), &c1, err, sizeof err) == 0);
    CU_ASSERT_FATAL(cfg_load_text("a", after, strlen(after), &c2, err, sizeof err) == 0);
    CU_ASSERT_FATAL(registry_init(&r, &c1) == 0);
    sbuf_t msg = SBUF_INIT;
    const char *put = "{\"keep_total\": 5, \"retyped\": 7, \"h\": 1.5, \"gone\": 1}";
    CU_ASSERT_EQUAL(registry_put(&r, put, strlen(put), 0, &msg), 200);
    registry_job_done(&r, 0, PROBE_OK, 0.01, NULL);
    CU_ASSERT_EQUAL(registry_reload(&r, &c2), 0);
    cfg_free(&c1); /* nothing refers to it any more (ASan would tell) */
    CU_ASSERT_EQUAL(r.rg_n, 4);
    CU_ASSERT_EQUAL(registry_find(&r, "gone"), -1);
    CU_ASSERT_DOUBLE_EQUAL(r.rg_metrics[registry_find(&r, "keep_total")].rm_value, 5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.rg_metrics[registry_find(&r, "retyped")].rm_value, 0, 1e-12);
    CU_ASSERT_EQUAL(r.rg_metrics[registry_find(&r, "h")].rm_count, 0);
    CU_ASSERT_DOUBLE_EQUAL(r.rg_metrics[registry_find(&r, "new")].rm_value, 0, 1e-12);
    CU_ASSERT_EQUAL(r.rg_jobs[0].rj_runs[PROBE_OK], 1);
    CU_ASSERT_PTR_EQUAL(r.rg_jobs[0].rj_cfg, &c2.cf_jobs[0]);
    sbuf_reset(&msg);
    registry_render(&r, EXPO_TEXT, 0, &msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.sb_buf, "# HELP keep_total changed\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.sb_buf, "\nkeep_total 5\n"));
    /* ContainerPilot's families keep their names: counter in text, unknown in OpenMetrics */
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.sb_buf, "# TYPE containerpilot_events counter\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(msg.sb_buf, "\ncontainerpilot_events{code=\"ExitSuccess\",source=\"j\"} 1\n"));
    sbuf_reset(&msg);
    registry_render(&r, EXPO_OPENMETRICS, 0, &msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.sb_buf, "# TYPE containerpilot_events unknown\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(msg.sb_buf, "\ncontainerpilot_events{code=\"Startup\",source=\"global\"} 1\n"));
    CU_ASSERT_PTR_NULL(strstr(msg.sb_buf, "containerpilot_events_total"));
    sbuf_release(&msg);
    registry_free(&r);
    cfg_free(&c2);
}

int
main(int argc, char **argv)
{
    static CU_TestInfo tests[] = {
        {"counter and gauge", test_counter_gauge},
        {"histogram", test_histogram},
        {"summary window", test_summary_window},
        {"putmetric", test_put},
        {"putmetric: a name on one line", test_put_name_one_line},
        {"probe results", test_probe_done},
        {"escaping", test_escaping},
        {"render", test_render},
        {"reload", test_reload},
        CU_TEST_INFO_NULL,
    };
    static const cunit_suite_t suites[] = {{"registry", setup, teardown, tests}, {NULL}};
    return cunit_main_suites(argc, argv, suites);
}
