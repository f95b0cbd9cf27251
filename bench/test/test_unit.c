/* test_unit.c - CUnit suites for cmon-bench's modules (parsing apart from I/O,
 * plus the load generator against our own nginx on a free loopback port). */
#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cunit_main.h"
#include "baseline.h"
#include "hist.h"
#include "http.h"
#include "load.h"
#include "nginx.h"
#include "opts.h"
#include "plot.h"
#include "procstat.h"
#include "progress.h"
#include "report.h"
#include "spawn.h"
#include "summary.h"
#include "target.h"

/* ------------------------------------------------------------------ hist */

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void
test_hist_buckets(void)
{
    uint64_t s = 42;
    for (int i = 0; i < 100000; i++) {
        uint64_t v = load_rand_next(&s) >> (load_rand_next(&s) % 64);
        size_t idx = hist_bucket_of(v);
        CU_ASSERT_FATAL(idx < HIST_NBUCKETS);
        CU_ASSERT(hist_bucket_low(idx) <= v && v <= hist_bucket_high(idx));
        CU_ASSERT(hist_bucket_of(hist_bucket_low(idx)) == idx);
        CU_ASSERT(hist_bucket_of(hist_bucket_high(idx)) == idx);
    }
    CU_ASSERT(hist_bucket_of(UINT64_MAX) == HIST_NBUCKETS - 1);
}

static void
test_hist_quantiles(void)
{
    enum { N = 20011 };
    uint64_t *v = malloc(N * sizeof(*v)), s = 7;
    struct hist *h = hist_new();
    const double qs[] = {0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999};

    CU_ASSERT_FATAL(v != NULL && h != NULL);
    CU_ASSERT(hist_quantile(h, 0.5) == 0);
    for (int i = 0; i < N; i++) {
        /* a long-tailed mix: 20 us .. 200 ms */
        v[i] = 20000 + load_rand_next(&s) % 200000 +
               (i % 97 == 0 ? load_rand_next(&s) % 200000000 : 0);
        hist_add(h, v[i]);
    }
    qsort(v, N, sizeof(*v), cmp_u64);
    for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
        size_t rank = (size_t)ceil(qs[k] * N);
        uint64_t exact = v[rank ? rank - 1 : 0], got = hist_quantile(h, qs[k]);
        CU_ASSERT(got >= exact);
        CU_ASSERT((double)got <= (double)exact * (1.0 + 1.0 / HIST_SUB_COUNT) + 1);
    }
    CU_ASSERT(hist_quantile(h, 1.0) == v[N - 1]);
    CU_ASSERT(h->h_min == v[0] && h->h_total == N);
    free(v);
    hist_free(h);
}

/* -------------------------------------------------------------- procstat */

static void
test_procstat_parse(void)
{
    struct procstat ps;
    const char *line = "1234 (we) ird (name) S 1 1234 1234 0 -1 4194304 100 0 0 0 150 50 0 0 20 0";

    CU_ASSERT_FATAL(procstat_parse_stat(line, 100, &ps) == 0);
    CU_ASSERT(ps.ps_state == 'S');
    CU_ASSERT(fabs(ps.ps_cpu_s - 2.0) < 1e-9);
    errno = 0;
    CU_ASSERT(procstat_parse_stat("garbage", 100, &ps) == -1 && errno == EINVAL);
    CU_ASSERT(procstat_parse_stat("1 (x) S 1", 100, &ps) == -1);
    const char *status = "Name:\tx\nVmPeak:\t 10 kB\nVmHWM:\t    4321 kB\nRssShmem:\t 77 kB\n";
    CU_ASSERT(procstat_parse_kb(status, "VmHWM") == 4321);
    CU_ASSERT(procstat_parse_kb(status, "RssShmem") == 77);
    CU_ASSERT(procstat_parse_kb(status, "Name") == -1);
    CU_ASSERT(procstat_parse_kb(status, "VmHW") == -1);
    CU_ASSERT(procstat_parse_kb("VmHWM: 5 kB", "VmHWM") == 5);
}

static void
test_procstat_self(void)
{
    struct procstat ps;
    pid_t child = fork();

    if (child == 0)
        _exit(0);
    CU_ASSERT_FATAL(procstat_read(getpid(), &ps) == 0);
    CU_ASSERT(ps.ps_hwm_kb > 0 && ps.ps_cpu_s >= 0);
    CU_ASSERT(procstat_alive(getpid()));
    while (procstat_alive(child))
        usleep(1000); /* a zombie counts as gone */
    waitpid(child, NULL, 0);
    CU_ASSERT(!procstat_alive(child));
}

/* ---------------------------------------------------------------- target */

#define U1 "6a2f1c4e-0d1b-4b8e-9a3c-1f2e3d4c5b6a"
#define U2 "00000000-1111-2222-3333-444444444444"

static void
test_target_zones(void)
{
    struct target_list tl = {0};
    const char *text = "0:global:running:/::ipkg:shared\n"
                       "3:" U1 ":running:/zones/" U1 ":" U1 ":joyent:excl\n"
                       "-:" U2 ":installed:/zones/" U2 ":" U2 ":lx:excl\n"
                       "7:" U2 ":running:/zones/" U2 ":" U2 ":lx:excl\n";

    CU_ASSERT(target_parse_zones(text, &tl) == 2);
    CU_ASSERT_FATAL(tl.tl_n == 2);
    CU_ASSERT_STRING_EQUAL(tl.tl_path[0], "/v1/" U1 "/metrics");
    target_list_release(&tl);
    CU_ASSERT(target_parse_zones("not a zone line\n", &tl) == -1);
    target_list_release(&tl);
}

static void
test_target_discover(void)
{
    struct target_list tl = {0};
    const char *json = "[{\"targets\":[\"h:9163\"],\"labels\":{\"__metrics_path__\":\"/v1/" U1
                       "/metrics\"}},{\"targets\":[],\"labels\":{\"vm_uuid\":\"" U2 "\"}},"
                       "{\"targets\":[],\"labels\":{\"__metrics_path__\":\"/v1/gz/metrics\"}}]";

    CU_ASSERT(target_parse_discover(json, &tl) == 2);
    CU_ASSERT_FATAL(tl.tl_n == 2);
    CU_ASSERT_STRING_EQUAL(tl.tl_path[1], "/v1/" U2 "/metrics");
    target_list_release(&tl);
    CU_ASSERT(target_parse_discover("{\"a\":1}", &tl) == -1);
    CU_ASSERT(target_parse_discover("[{\"labels\":{}}]", &tl) == -1);
    CU_ASSERT(target_parse_discover("[", &tl) == -1);
    target_list_release(&tl);
}

static void
test_target_file(void)
{
    struct target_list tl = {0};

    CU_ASSERT(target_parse_file("# instances\n" U1 "\n\n" U2 "\n", &tl) == 2);
    target_list_release(&tl);
    CU_ASSERT(target_parse_file(U1 "\nnot-a-uuid\n", &tl) == -1);
    target_list_release(&tl);
    CU_ASSERT(target_is_uuid(U1) && !target_is_uuid("gz") && !target_is_uuid(U1 "0"));
}

/* ------------------------------------------------------------------ opts */

static int
parse(struct opts *o, const char *a1, const char *a2, const char *a3)
{
    char err[256];
    char *argv[] = {"cmon-bench", (char *)a1, (char *)a2, (char *)a3, NULL};
    int argc = 1 + (a1 != NULL) + (a1 && a2 != NULL) + (a1 && a2 && a3 != NULL);
    int rc = opts_parse(argc, argv, o, err, sizeof(err));
    if (rc < 0)
        CU_ASSERT(strlen(err) > 0 && strchr(err, '\n') == NULL);
    return rc;
}

static void
test_opts(void)
{
    struct opts o;

    CU_ASSERT_FATAL(parse(&o, NULL, NULL, NULL) == 0);
    CU_ASSERT(o.op_zones == 100 && o.op_concurrency == 4 && o.op_duration_s == 10 &&
              o.op_rate == 0 && o.op_tolerance == 10 && o.op_reference == 0);
    CU_ASSERT(parse(&o, "--duration", "0", NULL) == -1);
    CU_ASSERT(parse(&o, "--rate", "-5", NULL) == -1);
    CU_ASSERT(parse(&o, "--concurrency", "abc", NULL) == -1);
    CU_ASSERT(parse(&o, "--concurrency", "2.5", NULL) == -1);
    CU_ASSERT(parse(&o, "--zones", "0", NULL) == -1);
    CU_ASSERT(parse(&o, "--bogus", NULL, NULL) == -1);
    CU_ASSERT(parse(&o, "--duration", NULL, NULL) == -1);
    CU_ASSERT(parse(&o, "extra", NULL, NULL) == -1);
    CU_ASSERT(parse(&o, "--url", "ftp://x", NULL) == -1);
    CU_ASSERT(parse(&o, "--plot", "x.pdf", NULL) == -1);
    CU_ASSERT(parse(&o, "--reference", "apache", NULL) == -1);
    CU_ASSERT(parse(&o, "--pid", "12", NULL) == -1); /* needs --url */
    CU_ASSERT(parse(&o, "--sweep", "zones=100,1000", "--url=http://127.0.0.1:1") == -1);
    CU_ASSERT(parse(&o, "--sweep", "foo=1", NULL) == -1);
    CU_ASSERT(parse(&o, "--sweep", "zones=", NULL) == -1);
    CU_ASSERT(parse(&o, "--sweep", "zones=10,x", NULL) == -1);
    CU_ASSERT_FATAL(parse(&o, "--sweep", "zones=100,1000,10000", NULL) == 0);
    CU_ASSERT(o.op_sweep_key == OPTS_SWEEP_ZONES && o.op_nsweep == 3 && o.op_sweep[2] == 10000);
    CU_ASSERT_FATAL(parse(&o, "--rate", "2000", "--gz") == 0);
    CU_ASSERT(o.op_rate == 2000 && o.op_gz == 1);
}

/* ------------------------------------------------------- load_count, JSON */

static void
fill(struct result_figures *f, uint64_t base_ns, int n)
{
    for (int i = 0; i < n; i++)
        load_count(f, CURLE_OK, 200, base_ns + (uint64_t)i * 10, 100);
}

static void
test_merge(void)
{
    struct result_figures a, b, sum;

    CU_ASSERT_FATAL(result_figures_init(&a) == 0 && result_figures_init(&b) == 0 &&
                    result_figures_init(&sum) == 0);
    fill(&a, 1000, 10);
    fill(&b, 5000000, 5);
    load_count(&b, CURLE_OPERATION_TIMEDOUT, 0, 1, 0);
    a.rf_cpu_s = 1.0;
    b.rf_cpu_s = 0.5;
    a.rf_peak_rss_kb = 300;
    b.rf_peak_rss_kb = 200;
    a.rf_elapsed_s = b.rf_elapsed_s = 2;
    result_figures_merge(&sum, &a);
    result_figures_merge(&sum, &b);
    CU_ASSERT(sum.rf_rounds == 2 && sum.rf_requests == 16 && sum.rf_ok == 15);
    CU_ASSERT(sum.rf_err.re_timeout == 1 && sum.rf_hist->h_total == 15);
    CU_ASSERT(fabs(sum.rf_cpu_s - 1.5) < 1e-9 && sum.rf_peak_rss_kb == 300);
    CU_ASSERT(sum.rf_elapsed_s == 4 && sum.rf_hist->h_max == b.rf_hist->h_max);
    b.rf_cpu_s = -1; /* unknown in one round: unknown in the sum */
    result_figures_merge(&sum, &b);
    CU_ASSERT(sum.rf_cpu_s < 0);
    result_figures_release(&a);
    result_figures_release(&b);
    result_figures_release(&sum);
}

static void
test_load_count(void)
{
    struct result_figures f;

    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    fill(&f, 100000, 10);
    load_count(&f, CURLE_OK, 404, 5, 10);
    load_count(&f, CURLE_OK, 503, 5, 10);
    load_count(&f, CURLE_OPERATION_TIMEDOUT, 0, 5, 0);
    load_count(&f, CURLE_COULDNT_CONNECT, 0, 5, 0);
    load_count(&f, CURLE_RECV_ERROR, 0, 5, 0);
    load_count(&f, CURLE_URL_MALFORMAT, 0, 5, 0);
    CU_ASSERT(f.rf_requests == 16 && f.rf_ok == 10 && f.rf_bytes == 1000);
    CU_ASSERT(f.rf_err.re_status[404] == 1 && f.rf_err.re_status[503] == 1);
    CU_ASSERT(f.rf_err.re_timeout == 1 && f.rf_err.re_connect == 2 && f.rf_err.re_other == 1);
    CU_ASSERT(strcmp(f.rf_err.re_other_first, curl_easy_strerror(CURLE_URL_MALFORMAT)) == 0);
    CU_ASSERT(result_errors_total(&f.rf_err) == 6);
    CU_ASSERT(f.rf_hist->h_total == 10);
    result_figures_release(&f);
}

/* A synthetic run: agent latencies from agent_ns, nginx from ref_ns. */
static void
synth_run(struct result_run *r, long zones, uint64_t agent_ns, uint64_t ref_ns)
{
    memset(r, 0, sizeof(*r));
    r->rr_zones = zones;
    r->rr_concurrency = 4;
    r->rr_duration_s = 1;
    r->rr_instances = zones - 1;
    result_figures_init(&r->rr_agent);
    result_figures_init(&r->rr_ref);
    fill(&r->rr_agent, agent_ns, 1000);
    fill(&r->rr_ref, ref_ns, 1000);
    r->rr_agent.rf_elapsed_s = r->rr_ref.rf_elapsed_s = 1;
    r->rr_agent.rf_cpu_s = 0.5;
    r->rr_ref.rf_cpu_s = 0.25;
    r->rr_agent.rf_peak_rss_kb = 1000;
    r->rr_has_ref = 1;
    strcpy(r->rr_ref_name, "nginx");
}

static void
synth_release(struct result_run *r)
{
    result_figures_release(&r->rr_agent);
    result_figures_release(&r->rr_ref);
}

static void
test_report_json(void)
{
    struct result_run r;
    synth_run(&r, 100, 400000, 100000);
    r.rr_agent.rf_err.re_status[404] = 3;
    r.rr_agent.rf_requests += 3;
    json_t *doc = report_doc_json(&r, 1, "");
    const char *keys[] = {"zones",
                          "concurrency",
                          "scrapes_per_s",
                          "latency_ms",
                          "errors",
                          "agent_cpu_s_per_1000",
                          "agent_peak_rss_kb",
                          "reference",
                          "runs",
                          "schema",
                          "ratio"};

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CU_ASSERT(json_object_get(doc, keys[i]) != NULL);
    json_t *lat = json_object_get(doc, "latency_ms");
    CU_ASSERT(json_number_value(json_object_get(lat, "p50")) <=
              json_number_value(json_object_get(lat, "p99")));
    json_t *err = json_object_get(doc, "errors");
    CU_ASSERT(json_integer_value(json_object_get(err, "total")) == 3);
    CU_ASSERT(json_integer_value(json_object_get(json_object_get(err, "http"), "404")) == 3);
    CU_ASSERT(json_integer_value(json_object_get(doc, "requests")) ==
              json_integer_value(json_object_get(doc, "ok")) + 3);
    CU_ASSERT(fabs(json_number_value(json_object_get(doc, "agent_cpu_s_per_1000")) - 0.5) < 1e-9);
    json_t *ref = json_object_get(doc, "reference");
    CU_ASSERT(json_object_get(ref, "latency_ms") != NULL &&
              json_object_get(ref, "agent_peak_rss_kb") != NULL);
    double ratio = json_number_value(json_object_get(json_object_get(doc, "ratio"), "p50"));
    CU_ASSERT(ratio > 3.5 && ratio < 4.5);
    CU_ASSERT(json_is_true(json_object_get(doc, "complete")));
    json_decref(doc);
    doc = report_doc_json(&r, 1, "agent: server exited");
    CU_ASSERT(json_is_false(json_object_get(doc, "complete")));
    CU_ASSERT(json_is_string(json_object_get(doc, "error")));
    json_decref(doc);
    synth_release(&r);
}

/* ------------------------------------------------------------- baseline */

static void
test_baseline(void)
{
    struct result_run cur, base, other;
    char err[256];
    FILE *devnull = fopen("/dev/null", "w");

    synth_run(&cur, 100, 400000, 100000);
    synth_run(&base, 100, 400000, 100000);
    synth_run(&other, 1000, 400000, 100000);
    json_t *dcur = report_doc_json(&cur, 1, ""), *dbase = report_doc_json(&base, 1, "");
    json_t *dother = report_doc_json(&other, 1, "");
    CU_ASSERT(baseline_compare(dcur, dbase, 0.10, 0, devnull, err, sizeof(err)) == 0);
    CU_ASSERT(baseline_compare(dcur, dother, 0.10, 0, devnull, err, sizeof(err)) == -1);
    synth_release(&cur);
    json_decref(dcur);
    /* the agent became 30 % slower against the same nginx: a regression */
    synth_run(&cur, 100, 520000, 100000);
    dcur = report_doc_json(&cur, 1, "");
    CU_ASSERT(baseline_compare(dcur, dbase, 0.10, 0, devnull, err, sizeof(err)) >= 1);
    CU_ASSERT(baseline_compare(dcur, dbase, 0.50, 0, devnull, err, sizeof(err)) == 0);
    /* everything 30 % slower, agent and nginx alike: the ratio holds, no regression */
    synth_release(&cur);
    json_decref(dcur);
    synth_run(&cur, 100, 520000, 130000);
    dcur = report_doc_json(&cur, 1, "");
    CU_ASSERT(baseline_compare(dcur, dbase, 0.10, 0, devnull, err, sizeof(err)) == 0);
    json_decref(dcur);
    /* only the tail got worse: a regression with --compare-tail, none without */
    synth_release(&cur);
    synth_run(&cur, 100, 400000, 100000);
    for (int i = 0; i < 30; i++)
        load_count(&cur.rr_agent, CURLE_OK, 200, 5000000, 100);
    dcur = report_doc_json(&cur, 1, "");
    CU_ASSERT(baseline_compare(dcur, dbase, 0.10, 0, devnull, err, sizeof(err)) == 0);
    CU_ASSERT(baseline_compare(dcur, dbase, 0.10, 1, devnull, err, sizeof(err)) == 1);
    json_decref(dcur);
    json_decref(dbase);
    json_decref(dother);
    synth_release(&cur);
    synth_release(&base);
    synth_release(&other);
    fclose(devnull);
}

static void
test_baseline_load(void)
{
    char path[] = "/tmp/cmon-bench-test-XXXXXX", err[256];
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(write(fd, "{\"schema\": \"cmon-bench/1\", \"runs\": [", 36) == 36);
    close(fd);
    CU_ASSERT(baseline_load(path, err, sizeof(err)) == NULL && strlen(err) > 0);
    FILE *f = fopen(path, "w");
    fputs("{\"schema\": \"other\", \"runs\": [{}]}", f);
    fclose(f);
    CU_ASSERT(baseline_load(path, err, sizeof(err)) == NULL);
    CU_ASSERT(baseline_load("/nonexistent/cmon-bench.json", err, sizeof(err)) == NULL);
    unlink(path);
}

/* --------------------------------------------------------------- spawn */

static void
test_spawn(void)
{
    char *out = NULL;
    char *echo[] = {"/bin/echo", "hello", NULL}, *slp[] = {"/bin/sleep", "5", NULL};

    CU_ASSERT(spawn_capture(echo, 10, &out) == 0);
    CU_ASSERT(out != NULL && strcmp(out, "hello\n") == 0);
    free(out);
    errno = 0;
    CU_ASSERT(spawn_capture(slp, 0.2, &out) == -1 && errno == ETIMEDOUT);
    int port = spawn_free_port();
    CU_ASSERT(port > 0 && port < 65536);
    pid_t pid = child_start(slp, NULL, NULL, NULL);
    CU_ASSERT_FATAL(pid > 0);
    int st = child_stop(pid, 2.0);
    CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
}

/* ---------------------------------------- nginx and the load generator */

static struct nginx_ref ng;
static char ng_base[64];
static const char ng_body[] = "# HELP cpu_user_usage x\n# TYPE cpu_user_usage counter\n"
                              "cpu_user_usage 12345\n";

static int
nginx_suite_init(void)
{
    char err[256];
    if (nginx_prepare(&ng) < 0 ||
        nginx_put(&ng, "v1/" U1 "/metrics", ng_body, strlen(ng_body)) < 0 ||
        nginx_start(&ng, "/usr/sbin/nginx", "text/plain; version=0.0.4", err, sizeof(err)) < 0) {
        fprintf(stderr, "nginx: %s\n", err);
        nginx_stop(&ng);
        return -1;
    }
    snprintf(ng_base, sizeof(ng_base), "http://127.0.0.1:%d", ng.nr_port);
    return 0;
}

static int
nginx_suite_clean(void)
{
    nginx_stop(&ng);
    return 0;
}

static void
test_nginx_serves(void)
{
    struct http_reply r;
    char url[200], err[256];

    snprintf(url, sizeof(url), "%s/v1/" U1 "/metrics", ng_base);
    CU_ASSERT_FATAL(http_get(url, 5, &r, err, sizeof(err)) == 0);
    CU_ASSERT(r.hr_status == 200 && r.hr_len == strlen(ng_body));
    CU_ASSERT(r.hr_body && memcmp(r.hr_body, ng_body, r.hr_len) == 0);
    CU_ASSERT(strncmp(r.hr_type, "text/plain; version=0.0.4", 25) == 0);
    free(r.hr_body);
}

static char *paths[] = {"/v1/" U1 "/metrics", "/v1/" U2 "/metrics"};

static struct load_spec
spec(const char *base, double rate, double dur)
{
    struct load_spec s = {.ls_base = base,
                          .ls_paths = paths,
                          .ls_npaths = 2,
                          .ls_concurrency = 2,
                          .ls_rate = rate,
                          .ls_duration_s = dur,
                          .ls_warmup_s = 0.1,
                          .ls_timeout_s = 5,
                          .ls_seed = 3,
                          .ls_pid = ng.nr_pid};
    return s;
}

static void
test_load_closed(void)
{
    struct result_figures f;
    struct load_spec s = spec(ng_base, 0, 0.3);

    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    CU_ASSERT(load_run(&s, &f) == 0);
    CU_ASSERT(f.rf_requests > 0 && f.rf_ok > 0);
    CU_ASSERT(f.rf_requests == f.rf_ok + result_errors_total(&f.rf_err));
    CU_ASSERT(f.rf_err.re_status[404] > 0); /* U2 is not served: half the draws */
    CU_ASSERT(f.rf_bytes == f.rf_ok * strlen(ng_body));
    CU_ASSERT(f.rf_hist->h_total == f.rf_ok);
    CU_ASSERT(f.rf_peak_rss_kb > 0 && f.rf_cpu_s >= 0);
    CU_ASSERT(f.rf_error[0] == '\0');
    result_figures_release(&f);
}

static void
test_load_open(void)
{
    struct result_figures f;
    struct load_spec s = spec(ng_base, 200, 0.5);

    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    CU_ASSERT(load_run(&s, &f) == 0);
    /* the schedule, not the server, decides how many: 200/s over 0.5 s */
    CU_ASSERT(f.rf_requests >= 99 && f.rf_requests <= 101);
    CU_ASSERT(f.rf_requests == f.rf_ok + result_errors_total(&f.rf_err));
    result_figures_release(&f);
}

static void
test_load_unreachable(void)
{
    struct result_figures f;
    char base[64];

    snprintf(base, sizeof(base), "http://127.0.0.1:%d", spawn_free_port());
    struct load_spec s = spec(base, 0, 30);
    s.ls_pid = 0;
    CU_ASSERT_FATAL(result_figures_init(&f) == 0);
    /* nothing but refused connections: the run gives up long before 30 s */
    CU_ASSERT(load_run(&s, &f) == -1);
    CU_ASSERT(strstr(f.rf_error, "unreachable") != NULL);
    CU_ASSERT(f.rf_ok == 0 && f.rf_requests > 0 && f.rf_err.re_connect == f.rf_requests);
    CU_ASSERT(f.rf_elapsed_s < 30);
    result_figures_release(&f);
}

static void
test_load_server_dies(void)
{
    struct result_figures f;
    char *slp[] = {"/bin/sleep", "0.4", NULL};
    struct load_spec s = spec(ng_base, 0, 30);
    s.ls_pid = child_start(slp, NULL, NULL, NULL); /* stands for a server that exits mid-run */
    CU_ASSERT_FATAL(s.ls_pid > 0 && result_figures_init(&f) == 0);
    CU_ASSERT(load_run(&s, &f) == -1);
    CU_ASSERT(strstr(f.rf_error, "exited") != NULL);
    CU_ASSERT(f.rf_requests > 0 && f.rf_elapsed_s < 30);
    waitpid(s.ls_pid, NULL, 0);
    result_figures_release(&f);
}

static void
test_plot(void)
{
    struct result_run r[2];
    struct opts o;
    char svg[] = "/tmp/cmon-bench-plot-test-XXXXXX.svg", err[256], title[512];
    char *argv[] = {"cmon-bench",  "--sweep",     "zones=100,1000", "--rounds", "5",
                    "--agent-arg", "--cache-ttl", "--agent-arg",    "0",        "--reference",
                    "nginx",       "--rate",      "2000",           NULL};
    double xs[] = {100, 1000};
    int fd = mkstemps(svg, 4);

    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    CU_ASSERT_FATAL(opts_parse(13, argv, &o, err, sizeof(err)) == 0);
    plot_title(title, sizeof(title), &o, (time_t)86400 * 365); /* 1971-01-01 00:00 UTC */
    /* the settings of the run, each from the flags above, and the date */
    CU_ASSERT(strstr(title, "1971-01-01 00:00 UTC") != NULL);
    CU_ASSERT(strstr(title, "zones 100, 1000") != NULL);
    CU_ASSERT(strstr(title, "open loop at 2000 scrapes/s over 4 connections") != NULL);
    CU_ASSERT(strstr(title, "10 s measured after 2 s warm-up\n5 rounds") != NULL);
    CU_ASSERT(strstr(title, "cache TTL 0 s") != NULL);
    CU_ASSERT(strstr(title, "reference nginx") != NULL);

    synth_run(&r[0], 100, 400000, 100000);
    synth_run(&r[1], 1000, 450000, 100000);
    char *script = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&script, &len);
    CU_ASSERT_FATAL(m != NULL);
    plot_script(m, svg, "first line\nsecond \"line\"", "zones", xs, r, 2);
    fclose(m);
    CU_ASSERT(
        strstr(script, "set multiplot layout 1,2 title \"first line\\nsecond \\\"line\\\"\"") !=
        NULL);
    free(script);

    CU_ASSERT(plot_draw("gnuplot", svg, title, "zones", xs, r, 2, err, sizeof(err)) == 0);
    FILE *f = fopen(svg, "r");
    char *text = NULL;
    size_t cap = 0;
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(getdelim(&text, &cap, '\0', f) > 0);
    fclose(f);
    CU_ASSERT(strstr(text, "<svg") != NULL);
    CU_ASSERT(strstr(text, "1971-01-01 00:00 UTC") != NULL); /* the title is drawn */
    free(text);
    unlink(svg);
    synth_release(&r[0]);
    synth_release(&r[1]);
}

/* ------------------------------------------------------------ help, flags */

/*
 * --help in help2man's shape (that it names every flag of the option table is
 * checked on the binary's output, in test_smoke.c).
 */
static void
test_help(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    CU_ASSERT_FATAL(f != NULL);
    opts_usage(f);
    fclose(f);
    CU_ASSERT(strncmp(text, "Usage: cmon-bench [OPTION]...\n", 30) == 0);
    CU_ASSERT(strstr(text, "\nOptions:\n") != NULL);
    CU_ASSERT(strstr(text, "\n  -h, --help ") != NULL);
    CU_ASSERT(strstr(text, "\n      --version            print the version and exit\n") != NULL);
    CU_ASSERT(strstr(text, "\nExit status:\n") != NULL);
    free(text);
}

static void
test_opts_output_flags(void)
{
    struct opts o;

    CU_ASSERT_FATAL(parse(&o, "-h", NULL, NULL) == 0);
    CU_ASSERT(o.op_help == 1);
    CU_ASSERT_FATAL(parse(&o, "--version", NULL, NULL) == 0);
    CU_ASSERT(o.op_version == 1 && o.op_help == 0);
    CU_ASSERT_FATAL(parse(&o, "--progress", "--quiet", NULL) == 0);
    CU_ASSERT(o.op_progress == 1 && o.op_quiet == 1);
    CU_ASSERT_FATAL(parse(&o, NULL, NULL, NULL) == 0);
    CU_ASSERT(o.op_progress == 0 && o.op_quiet == 0);
    CU_ASSERT(parse(&o, "-x", NULL, NULL) == -1);
}

/* --------------------------------------------------------------- progress */

static void
test_progress(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct progress pg;

    CU_ASSERT_FATAL(f != NULL);
    progress_init(&pg, f, 0); /* silent: nothing at all */
    progress_point(&pg, 2, 3, "zones=1000");
    progress_phase(&pg, "starting cmon-agent");
    progress_round(&pg, 1, 5, "agent");
    fflush(f);
    CU_ASSERT(len == 0);
    progress_init(&pg, f, 1);
    progress_point(&pg, 2, 3, "zones=1000");
    progress_phase(&pg, "starting %s", "cmon-agent");
    progress_round(&pg, 4, 5, "agent %d", 7);
    progress_point(&pg, 1, 1, "zones=100");
    progress_phase(&pg, "priming");
    progress_phase(NULL, "never printed");
    fclose(f);
    CU_ASSERT_STRING_EQUAL(text, "cmon-bench: point 2/3, zones=1000: starting cmon-agent\n"
                                 "cmon-bench: round 4/5, zones=1000: agent 7\n"
                                 "cmon-bench: zones=100: priming\n");
    free(text);
}

/* ---------------------------------------------------------------- summary */

static void
test_summary(void)
{
    struct result_run r[2];
    struct summary_point sp;
    double xs[] = {100, 1000};

    synth_run(&r[0], 100, 400000, 100000);
    synth_run(&r[1], 1000, 800000, 100000);
    r[1].rr_agent.rf_peak_rss_kb = 3000;
    r[1].rr_agent.rf_cpu_s = 1.5;
    r[1].rr_agent.rf_elapsed_s = 2; /* half the scrapes/s */
    summary_point_compute(&r[0], &r[0], &sp);
    for (int k = 0; k < SUMMARY_NFIGURES; k++)
        CU_ASSERT(fabs(sp.sp_vs_first[k] - 1) < 1e-12);
    summary_point_compute(&r[0], &r[1], &sp);
    double p50 = report_ms(&r[1].rr_agent, 0.5) / report_ms(&r[0].rr_agent, 0.5);
    CU_ASSERT(fabs(sp.sp_vs_first[SUMMARY_P50] - p50) < 1e-12 && p50 > 1.9 && p50 < 2.1);
    CU_ASSERT(fabs(sp.sp_vs_first[SUMMARY_PEAK_RSS] - 3) < 1e-12);
    CU_ASSERT(fabs(sp.sp_vs_first[SUMMARY_CPU] - 3) < 1e-12);
    CU_ASSERT(fabs(sp.sp_vs_first[SUMMARY_SCRAPES] - 0.5) < 1e-12);
    CU_ASSERT(fabs(sp.sp_vs_ref[SUMMARY_CPU] - 6) < 1e-12); /* 1.5 s against nginx's 0.25 s */
    CU_ASSERT(sp.sp_vs_ref[SUMMARY_PEAK_RSS] == -1);
    r[0].rr_agent.rf_cpu_s = -1; /* unknown at the first point: no ratio, never a made-up one */
    summary_point_compute(&r[0], &r[1], &sp);
    CU_ASSERT(sp.sp_vs_first[SUMMARY_CPU] == -1);

    json_t *s = report_summary_json("zones", xs, r, 2);
    json_t *p1 = json_array_get(json_object_get(s, "points"), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "key")), "zones");
    CU_ASSERT(json_integer_value(json_object_get(p1, "value")) == 1000);
    CU_ASSERT(json_is_null(json_object_get(json_object_get(p1, "vs_first"), "cpu_s_per_1000")));
    CU_ASSERT(fabs(json_number_value(json_object_get(json_object_get(p1, "vs_first"), "p50")) -
                   p50) < 1e-12);
    CU_ASSERT(json_object_get(json_object_get(p1, "vs_reference"), "peak_rss_kb") == NULL);
    json_decref(s);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CU_ASSERT_FATAL(f != NULL);
    report_summary_table(f, "zones", xs, r, 2);
    fclose(f);
    CU_ASSERT(strstr(text, "against the first (zones=100)") != NULL);
    CU_ASSERT(strstr(text, "\n  1000 ") != NULL && strstr(text, " 3.00 ") != NULL);
    free(text);
    synth_release(&r[0]);
    synth_release(&r[1]);
}

static const CU_TestInfo bench_tests[] = {
    {"hist buckets", test_hist_buckets},
    {"hist quantiles", test_hist_quantiles},
    {"procstat parse", test_procstat_parse},
    {"procstat self", test_procstat_self},
    {"target zones", test_target_zones},
    {"target discover", test_target_discover},
    {"target file", test_target_file},
    {"opts", test_opts},
    {"load count", test_load_count},
    {"merge rounds", test_merge},
    {"report json", test_report_json},
    {"baseline", test_baseline},
    {"baseline load", test_baseline_load},
    {"spawn", test_spawn},
    {"plot", test_plot},
    {"help in help2man's shape", test_help},
    {"help, version, progress flags", test_opts_output_flags},
    {"progress lines", test_progress},
    {"summary across points", test_summary},
    {NULL, NULL},
};

static const CU_TestInfo nginx_tests[] = {
    {"nginx serves", test_nginx_serves},
    {"closed loop", test_load_closed},
    {"open loop", test_load_open},
    {"unreachable", test_load_unreachable},
    {"server dies", test_load_server_dies},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    const cunit_suite_t suites[] = {
        {"bench", NULL, NULL, bench_tests},
        {"load against nginx", nginx_suite_init, nginx_suite_clean, nginx_tests},
        {NULL, NULL, NULL, NULL}};

    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cunit_main_suites(argc, argv, suites);
    curl_global_cleanup();
    return rc;
}
