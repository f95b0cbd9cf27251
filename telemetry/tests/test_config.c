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
    /* v3 jobs: ContainerPilot's keys only, a periodic job needs exec */
    expect_fault("{jobs: [{name: \"a\", exec: \"x\", restart: 1}], telemetry: {}}", "1:32",
                 "unknown key \"restart\" in a job");
    expect_fault("{jobs: [{name: \"a\", exec: \"x\", when: {intervl: \"5s\"}}], telemetry: {}}",
                 "1:39", "unknown key \"intervl\"");
    expect_fault("{jobs: [{name: \"s\", when: {interval: \"5s\"}}], telemetry: {}}", "1:9",
                 "missing \"exec\"");
    expect_fault("{jobs: [{name: \"s\", exec: \"x\", when: {interval: \"soon\"}}],\n"
                 " telemetry: {}}",
                 "1:49", "duration");
    expect_fault("{jobs: [{name: \"s\", exec: [], when: {interval: 1}}], telemetry: {}}", "1:27",
                 "empty");
    expect_fault("{jobs: [{name: \"s\", exec: \"x\", when: {interval: 1, source: \"a\"}}],"
                 " telemetry: {}}",
                 "1:38", "both");
    expect_fault("{jobs: [{name: \"s\", exec: \"x\", when: {interval: 1}},\n"
                 " {name: \"s\", exec: \"y\", when: {interval: 2}}], telemetry: {}}",
                 "2:2", "twice");
    expect_fault("{jobs: [{exec: \"x\"}], telemetry: {}}", "1:9", "missing \"name\"");
    expect_fault("{jobs: {name: \"a\"}, telemetry: {}}", "1:8", "must be an array");
    expect_fault("{jobs: [{name: \"s\", exec: \"x\", timeout: \"0s\", when: {interval: 1}}],"
                 " telemetry: {}}",
                 "1:41", "duration");
    expect_fault("[]", "1:1", "object");
    expect_fault("{jobs: []}", "1:1", "telemetry");
    expect_fault("{telemetry: {metrics: [{name: \"cmon_telemetry_x\", type: \"gauge\"}]}}", "1:24",
                 "reserved");
}

/* A ContainerPilot v3 file of every kind of job (its documentation's
 * shapes): sensor jobs are run, the rest named in cf_ignored. */
static void
test_v3_jobs(void)
{
    const char *text =
        "{\n"
        "  consul: \"consul:8500\",\n"
        "  logging: { level: \"INFO\", format: \"default\", output: \"stdout\" },\n"
        "  stopTimeout: 5,\n"
        "  jobs: [\n"
        "    { name: \"app\", exec: \"/bin/app\", port: 80, restarts: \"unlimited\",\n"
        "      health: { exec: \"curl -fs localhost\", interval: 5, ttl: 10, timeout: \"5s\" },\n"
        "      tags: [\"web\"], interfaces: [\"eth0\"], consul: { enableTagOverride: true } },\n"
        "    { name: \"setup\", exec: \"/bin/setup\", when: { once: \"startup\" } },\n"
        "    { name: \"sensor\", exec: \"/bin/sensor.sh --fast\", timeout: \"100ms\",\n"
        "      when: { interval: \"5s\" } },\n"
        "    { name: \"sensor2\", exec: [\"sh\", \"-c\", \"containerpilot -putmetric x=1\"],\n"
        "      when: { interval: 2 } },\n"
        "    { name: \"after\", exec: \"/bin/x\", when: { source: \"app\", each: \"healthy\" } },\n"
        "  ],\n"
        "  watches: [ { name: \"backend\", interval: 3 }, { name: \"db\", interval: 5 } ],\n"
        "  telemetry: { port: 9090, metrics: [ { name: \"x\", type: \"gauge\", help: \"x\" } ] },\n"
        "}\n";
    struct cfg cfg;
    char err[512] = "";
    CU_ASSERT_EQUAL_FATAL(cfg_load_text("v3", text, strlen(text), &cfg, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(cfg.cf_njobs, 2);
    CU_ASSERT_STRING_EQUAL(cfg.cf_jobs[0].cj_name, "sensor");
    CU_ASSERT_STRING_EQUAL(cfg.cf_jobs[0].cj_argv[0], "/bin/sensor.sh");
    CU_ASSERT_STRING_EQUAL(cfg.cf_jobs[0].cj_argv[1], "--fast");
    CU_ASSERT_PTR_NULL(cfg.cf_jobs[0].cj_argv[2]);
    CU_ASSERT_DOUBLE_EQUAL(cfg.cf_jobs[0].cj_interval, 5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(cfg.cf_jobs[0].cj_timeout, 0.1, 1e-12);
    CU_ASSERT_STRING_EQUAL(cfg.cf_jobs[1].cj_argv[2], "containerpilot -putmetric x=1");
    CU_ASSERT_DOUBLE_EQUAL(cfg.cf_jobs[1].cj_timeout, 2, 1e-12); /* the interval */
    CU_ASSERT_STRING_EQUAL(cfg.cf_watches[1], "db");
    CU_ASSERT_PTR_NULL(cfg.cf_watches[2]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg.cf_ignored);
    CU_ASSERT_STRING_EQUAL(cfg.cf_ignored, "service jobs: app, setup, after; health checks: app; "
                                           "watches: backend, db; consul");
    cfg_free(&cfg);
}

/* telemetry with a port and nothing else: valid (ContainerPilot serves its
 * own metrics then); v2 files have no jobs and nothing ignored. */
static void
test_telemetry_only(void)
{
    const char *text = "{ telemetry: { port: 9090 } }";
    struct cfg cfg;
    char err[512] = "";
    CU_ASSERT_EQUAL_FATAL(cfg_load_text("t", text, strlen(text), &cfg, err, sizeof err), 0);
    CU_ASSERT_EQUAL(cfg.cf_nmetrics, 0);
    CU_ASSERT_EQUAL(cfg.cf_njobs, 0);
    CU_ASSERT_PTR_NULL(cfg.cf_ignored);
    CU_ASSERT_PTR_NULL(cfg.cf_watches[0]);
    cfg_free(&cfg);
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
    {"v3 jobs of every kind", test_v3_jobs},
    {"telemetry without metrics", test_telemetry_only},
    {"durations", test_duration},
    {"missing file", test_missing_file},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "config", tests);
}
