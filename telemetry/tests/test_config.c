/* CUnit: configuration parsing, defaults and error positions. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "config.h"

static void
test_full(void)
{
    const char *text =
        "{\n"
        "  consul: \"localhost:8500\", // ContainerPilot's, ignored\n"
        "  control: { socket: \"/tmp/cp.sock\" },\n"
        "  telemetry: {\n"
        "    port: 9191, interfaces: \"lo\", tags: [\"app\", \"blue\"],\n"
        "    sensors: [\n"
        "      { namespace: \"app\", subsystem: \"q\", name: \"depth\", help: \"queue depth\",\n"
        "        type: \"gauge\", poll: 5, check: \"/bin/echo  42\" },\n"
        "      { name: \"lat_seconds\", type: \"histogram\", poll: \"500ms\", timeout: \"2s\",\n"
        "        check: [\"sh\", \"-c\", \"echo 1\"], buckets: [0.1, 1, 10] },\n"
        "    ],\n"
        "    metrics: [ { name: \"jobs_total\", type: \"counter\" },\n"
        "               { subsystem: \"s\", name: \"x\", type: \"summary\" } ],\n"
        "  },\n"
        "}\n";
    struct cfg cfg;
    char err[512] = "";
    CU_ASSERT_EQUAL_FATAL(cfg_load_text("t.json5", text, strlen(text), &cfg, err, sizeof err), 0);
    CU_ASSERT_EQUAL(cfg.cf_port, 9191);
    CU_ASSERT_STRING_EQUAL(cfg.cf_interfaces[0], "lo");
    CU_ASSERT_PTR_NULL(cfg.cf_interfaces[1]);
    CU_ASSERT_STRING_EQUAL(cfg.cf_tags[1], "blue");
    CU_ASSERT_STRING_EQUAL(cfg.cf_socket, "/tmp/cp.sock");
    CU_ASSERT_EQUAL_FATAL(cfg.cf_nmetrics, 4);
    struct cfg_metric *m = cfg.cf_metrics;
    CU_ASSERT_STRING_EQUAL(m[0].cm_name, "app_q_depth");
    CU_ASSERT_TRUE(m[0].cm_is_sensor);
    CU_ASSERT_DOUBLE_EQUAL(m[0].cm_timeout, 5, 1e-9);
    CU_ASSERT_STRING_EQUAL(m[0].cm_argv[0], "/bin/echo");
    CU_ASSERT_STRING_EQUAL(m[0].cm_argv[1], "42");
    CU_ASSERT_PTR_NULL(m[0].cm_argv[2]);
    CU_ASSERT_DOUBLE_EQUAL(m[1].cm_poll, 0.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(m[1].cm_timeout, 2, 1e-9);
    CU_ASSERT_EQUAL(m[1].cm_nbuckets, 3);
    CU_ASSERT_STRING_EQUAL(m[1].cm_argv[2], "echo 1");
    CU_ASSERT_STRING_EQUAL(m[2].cm_name, "jobs_total");
    CU_ASSERT_STRING_EQUAL(m[2].cm_help, "jobs_total");
    CU_ASSERT_FALSE(m[2].cm_is_sensor);
    CU_ASSERT_STRING_EQUAL(m[3].cm_name, "s_x");
    CU_ASSERT_EQUAL(m[3].cm_type, CFG_SUMMARY);
    cfg_free(&cfg);
}

static void
test_defaults(void)
{
    const char *text = "{telemetry: {metrics: [{name: \"h\", type: \"histogram\"}]}}";
    struct cfg cfg;
    char err[512];
    CU_ASSERT_EQUAL_FATAL(cfg_load_text("d", text, strlen(text), &cfg, err, sizeof err), 0);
    CU_ASSERT_EQUAL(cfg.cf_port, 9090);
    CU_ASSERT_STRING_EQUAL(cfg.cf_interfaces[0], "eth0:inet");
    CU_ASSERT_PTR_NULL(cfg.cf_socket);
    CU_ASSERT_EQUAL(cfg.cf_metrics[0].cm_nbuckets, 11);
    CU_ASSERT_DOUBLE_EQUAL(cfg.cf_metrics[0].cm_buckets[0], 0.005, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(cfg.cf_metrics[0].cm_buckets[10], 10, 1e-12);
    cfg_free(&cfg);
}

/* Each bad configuration must fail with "name:line:col: ..." at the fault. */
static void
expect_fault(const char *text, const char *where, const char *words)
{
    struct cfg cfg;
    char err[512] = "";
    int rc = cfg_load_text("bad.json", text, strlen(text), &cfg, err, sizeof err);
    CU_ASSERT_EQUAL(rc, -1);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "bad.json:%s: ", where);
    int ok = strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, words) != NULL;
    CU_ASSERT_TRUE(ok);
    if (!ok)
        fprintf(stderr, "\n  got \"%s\", want prefix \"%s\" and \"%s\"\n", err, prefix, words);
}

static void
test_faults(void)
{
    expect_fault("{telemetry: {port: 70000, metrics: []}}", "1:20", "port");
    expect_fault("{telemetry: {\n  prot: 1}}", "2:3", "unknown key \"prot\"");
    expect_fault("{telemetry: {metrics: [\n {name: \"a\"}]}}", "2:2", "missing \"type\"");
    expect_fault("{telemetry: {metrics: [{name: \"a\",\n type: \"meter\"}]}}", "2:8", "meter");
    expect_fault("{telemetry: {metrics: [{name: \"a b\", type: \"gauge\"}]}}", "1:31",
                 "not a valid");
    expect_fault("{telemetry: {sensors: [{name: \"a\", type: \"gauge\", check: \"x\"}]}}", "1:24",
                 "poll");
    expect_fault("{telemetry: {sensors: [{name: \"a\", type: \"gauge\", poll: -1,"
                 " check: \"x\"}]}}",
                 "1:57", "duration");
    expect_fault("{telemetry: {sensors: [{name: \"a\", type: \"gauge\", poll: 1,"
                 " check: [\"x\", 3]}]}}",
                 "1:73", "string");
    expect_fault("{telemetry: {metrics: [{name: \"a\", type: \"histogram\",\n"
                 "  buckets: [1, 0.5]}]}}",
                 "2:16", "increasing");
    expect_fault("{telemetry: {metrics: [{name: \"a\", type: \"gauge\", buckets: [1]}]}}", "1:51",
                 "only for histograms");
    expect_fault("{telemetry: {metrics: [{name: \"a\", type: \"gauge\"},\n"
                 "  {name: \"a\", type: \"counter\"}]}}",
                 "2:3", "twice");
    expect_fault("{telemetry: {metrics: [{name: \"a\", type: \"gauge\"}]}", "1:52", "expected");
    expect_fault("{telemetry: {}}", "1:13", "no sensors");
    expect_fault("[]", "1:1", "object");
    expect_fault("{jobs: []}", "1:1", "telemetry");
    expect_fault("{telemetry: {metrics: [{name: \"cmon_telemetry_x\", type: \"gauge\"}]}}", "1:24",
                 "reserved");
}

static void
test_duration(void)
{
    double d;
    CU_ASSERT_EQUAL(cfg_parse_duration("1.5s", &d), 0);
    CU_ASSERT_DOUBLE_EQUAL(d, 1.5, 1e-12);
    CU_ASSERT_EQUAL(cfg_parse_duration("250ms", &d), 0);
    CU_ASSERT_DOUBLE_EQUAL(d, 0.25, 1e-12);
    CU_ASSERT_EQUAL(cfg_parse_duration("2m", &d), 0);
    CU_ASSERT_DOUBLE_EQUAL(d, 120, 1e-12);
    CU_ASSERT_EQUAL(cfg_parse_duration("10", &d), 0);
    CU_ASSERT_EQUAL(cfg_parse_duration("10 s", &d), -1);
    CU_ASSERT_EQUAL(cfg_parse_duration("fast", &d), -1);
    CU_ASSERT_EQUAL(cfg_parse_duration("", &d), -1);
}

static void
test_missing_file(void)
{
    struct cfg cfg;
    char err[512];
    CU_ASSERT_EQUAL(cfg_load_file("/nonexistent/cp.json", &cfg, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot open /nonexistent/cp.json"));
}

static const CU_TestInfo tests[] = {
    {"full", test_full},
    {"defaults", test_defaults},
    {"faults with positions", test_faults},
    {"durations", test_duration},
    {"missing file", test_missing_file},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "config", tests);
}
