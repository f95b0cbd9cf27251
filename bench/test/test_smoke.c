/*
 * test_smoke.c - cmon-bench end to end, checking that its outputs are
 * well-formed and consistent (never its timings).
 *   bench-smoke-test url  CMON_BENCH : nginx stands in for a running agent (--url)
 *   bench-smoke-test real CMON_BENCH : cmon-bench builds a world and starts cmon-agent
 */
#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "cunit_main.h"
#include "clock.h"
#include "cmon_spawn.h"
#include "cmon_version.h"
#include "nginx.h"
#include "opts.h"
#include "spawn.h"

static const char *bench_bin;
static char tmpdir[] = "/tmp/cmon-bench-smoke-XXXXXX";
static struct nginx_ref fake; /* url mode: static files standing for an agent */
static char fake_url[64];

#define NINST 3
static const char *uuids[NINST] = {"6a2f1c4e-0d1b-4b8e-9a3c-1f2e3d4c5b6a",
                                   "11111111-2222-4333-8444-555555555555",
                                   "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"};

static void
tmp_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

/*
 * Run cmon-bench with args (NULL-terminated), its stdout into bench.out and its
 * stderr into bench.err (of this run only). Returns its exit code, -1 on
 * signal or timeout.
 */
static int
run_bench(const char *first, ...)
{
    const char *argv[48] = {bench_bin};
    int n = 1, status;
    va_list ap;
    char log[300], errlog[300];

    va_start(ap, first);
    for (const char *a = first; a != NULL && n < 47; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    tmp_path(log, sizeof(log), "bench.out");
    tmp_path(errlog, sizeof(errlog), "bench.err");
    unlink(log); /* the output of the last run only */
    unlink(errlog);
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_FILE, .sio_path = log},
                      .so_stderr = {.sio_kind = SPAWN_IO_FILE, .sio_path = errlog}};
    if (spawn_run((char *const *)argv, &o, 120000, NULL, NULL, &status) != 0)
        return -1; /* could not start, or killed after 120 s */
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The whole of a file in the test folder, malloc'd ("" when it cannot be read). */
static char *
read_tmp(const char *name)
{
    char path[300], *text = NULL;
    size_t cap = 0;
    tmp_path(path, sizeof(path), name);
    FILE *f = fopen(path, "r");
    if (f == NULL || getdelim(&text, &cap, '\0', f) < 0) {
        free(text);
        text = strdup("");
    }
    if (f != NULL)
        fclose(f);
    return text;
}

/* How many lines of text start with prefix. */
static int
count_lines(const char *text, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);

    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        n += strncmp(p, prefix, len) == 0;
    return n;
}

static json_int_t
jint(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* The figures every server record carries, and that its counts add up. */
static void
check_figures(json_t *f)
{
    static const char *keys[] = {
        "zones",  "concurrency",          "scrapes_per_s",     "latency_ms",
        "errors", "agent_cpu_s_per_1000", "agent_peak_rss_kb", "requests",
        "ok",     "bytes_per_scrape",     "percentiles_ms"};
    static const char *lat[] = {"p50", "p90", "p99", "p999", "max"};

    CU_ASSERT_FATAL(json_is_object(f));
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CU_ASSERT(json_object_get(f, keys[i]) != NULL);
    json_t *l = json_object_get(f, "latency_ms"), *e = json_object_get(f, "errors");
    double prev = 0;
    for (size_t i = 0; i < 5 && jint(f, "ok") > 0; i++) {
        double v = json_number_value(json_object_get(l, lat[i]));
        CU_ASSERT(v > 0 && v >= prev);
        prev = v;
    }
    json_int_t http = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(e, "http"), k, v) http += json_integer_value(v);
    CU_ASSERT(jint(e, "total") == jint(e, "timeout") + jint(e, "connect") + jint(e, "other") +
                                      jint(e, "unsent") + http);
    CU_ASSERT(jint(f, "requests") == jint(f, "ok") + jint(e, "total"));
}

static json_t *
load_json(const char *name)
{
    char path[300];
    tmp_path(path, sizeof(path), name);
    json_t *doc = json_load_file(path, 0, NULL);
    CU_ASSERT(doc != NULL);
    return doc;
}

/* A whole document: schema, runs, top level = last run, reference and ratio if asked. */
static json_t *
check_doc(const char *name, size_t nruns, int with_ref)
{
    json_t *doc = load_json(name);
    if (doc == NULL)
        return NULL;
    json_t *runs = json_object_get(doc, "runs");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "schema")), "cmon-bench/1");
    CU_ASSERT_FATAL(json_array_size(runs) == nruns);
    check_figures(doc);
    for (size_t i = 0; i < nruns; i++) {
        json_t *r = json_array_get(runs, i);
        check_figures(r);
        CU_ASSERT(jint(r, "ok") > 0);
        if (with_ref) {
            check_figures(json_object_get(r, "reference"));
            CU_ASSERT(json_is_object(json_object_get(r, "ratio")));
            /* the reference serves the very bytes of an instance scrape */
            CU_ASSERT(json_number_value(json_object_get(r, "bytes_per_scrape")) > 0);
        }
    }
    CU_ASSERT(json_equal(json_object_get(doc, "latency_ms"),
                         json_object_get(json_array_get(runs, nruns - 1), "latency_ms")));
    return doc;
}

/* ------------------------------------------------------------ url mode */

static size_t plain_len; /* uncompressed size of uuids[0]'s scrape */

/* gzip data into out (cap bytes). Returns the compressed length, 0 on failure. */
static size_t
gzip_buf(const char *data, size_t len, unsigned char *out, size_t cap)
{
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    z.next_in = (unsigned char *)data;
    z.avail_in = (unsigned)len;
    z.next_out = out;
    z.avail_out = (unsigned)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? n : 0;
}

static int
url_init(void)
{
    char rel[128], body[4096], disc[2048] = "[", err[256];
    size_t len = 0;

    if (nginx_prepare(&fake) < 0)
        return -1;
    for (int i = 0; i < NINST; i++) {
        len = 0;
        for (int m = 0; m < 40; m++)
            len += (size_t)snprintf(body + len, sizeof(body) - len,
                                    "# HELP m%d x\n# TYPE m%d gauge\nm%d{zonename=\"%.30s\"} %d\n",
                                    m, m, m, uuids[i], m);
        snprintf(rel, sizeof(rel), "v1/%s/metrics", uuids[i]);
        if (nginx_put(&fake, rel, body, len) < 0)
            return -1;
        if (i == 0) { /* the fake agent answers gzip for this one, as the agent does */
            unsigned char gz[4096];
            size_t glen = gzip_buf(body, len, gz, sizeof(gz));
            strcat(rel, ".gz");
            if (glen == 0 || nginx_put(&fake, rel, gz, glen) < 0)
                return -1;
            plain_len = len;
        }
        size_t d = strlen(disc);
        snprintf(disc + d, sizeof(disc) - d,
                 "%s{\"targets\":[\"127.0.0.1:9163\"],\"labels\":{\"vm_uuid\":\"%s\"}}",
                 i ? "," : "", uuids[i]);
    }
    strcat(disc, "]");
    if (nginx_put(&fake, "v1/discover", disc, strlen(disc)) < 0 ||
        nginx_put(&fake, "metrics", "up 1\n", 5) < 0 ||
        nginx_put(&fake, "v1/gz/metrics", "gz_metric 1\n", 12) < 0 ||
        nginx_start(&fake, "/usr/sbin/nginx", "text/plain; version=0.0.4", err, sizeof(err)) < 0) {
        fprintf(stderr, "fake agent: %s\n", err);
        return -1;
    }
    snprintf(fake_url, sizeof(fake_url), "http://127.0.0.1:%d", fake.nr_port);
    return 0;
}

static int
url_clean(void)
{
    nginx_stop(&fake);
    return 0;
}

static char pidbuf[32];

static void
test_url_run(void)
{
    char json[300];
    tmp_path(json, sizeof(json), "run.json");
    snprintf(pidbuf, sizeof(pidbuf), "%d", (int)fake.nr_pid);
    CU_ASSERT_FATAL(run_bench("--url", fake_url, "--pid", pidbuf, "--duration", "1", "--warmup",
                              "0.2", "--reference", "nginx", "--json", json, NULL) == 0);
    json_t *doc = check_doc("run.json", 1, 1);
    CU_ASSERT_FATAL(doc != NULL);
    CU_ASSERT(jint(doc, "instances") == NINST);
    CU_ASSERT(json_is_null(json_object_get(doc, "zones")));
    CU_ASSERT(jint(doc, "agent_peak_rss_kb") > 0);
    CU_ASSERT(jint(doc, "primed") == NINST); /* every instance once, each a 200 */
    CU_ASSERT(json_is_true(json_object_get(doc, "complete")));
    json_decref(doc);
}

/* --no-prime: no pass over the instances before the warm-up. */
static void
test_url_no_prime(void)
{
    char json[300];
    tmp_path(json, sizeof(json), "noprime.json");
    CU_ASSERT_FATAL(run_bench("--url", fake_url, "--duration", "0.5", "--warmup", "0",
                              "--reference", "none", "--no-prime", "--json", json, NULL) == 0);
    json_t *doc = check_doc("noprime.json", 1, 0);
    CU_ASSERT_FATAL(doc != NULL);
    CU_ASSERT(jint(doc, "primed") == 0);
    json_decref(doc);
}

/* Same flags as test_url_run, against a baseline; returns the exit code. */
static int
run_against(const char *baseline_name, const char *tolerance)
{
    char base[300], json[300];
    tmp_path(base, sizeof(base), baseline_name);
    tmp_path(json, sizeof(json), "again.json");
    return run_bench("--url", fake_url, "--pid", pidbuf, "--duration", "1", "--warmup", "0.2",
                     "--reference", "nginx", "--json", json, "--baseline", base, "--tolerance",
                     tolerance, NULL);
}

static void
test_url_baseline(void)
{
    char path[300];
    json_t *doc = load_json("run.json");
    CU_ASSERT_FATAL(doc != NULL);
    json_t *run0 = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *ratio = json_object_get(run0, "ratio");
    /* a baseline where the agent was a thousand times worse: no regression, exit 0 */
    json_object_set_new(ratio, "p50", json_real(1e4));
    json_object_set_new(ratio, "p99", json_real(1e4));
    json_object_set_new(ratio, "scrapes_per_s", json_real(1e-4));
    json_object_set_new(ratio, "cpu_s_per_1000", json_real(1e4));
    json_object_set_new(run0, "agent_peak_rss_kb", json_integer(1 << 30));
    tmp_path(path, sizeof(path), "worse.json");
    CU_ASSERT_FATAL(json_dump_file(doc, path, 0) == 0);
    CU_ASSERT(run_against("worse.json", "10") == 0);
    /* a baseline where the agent was a thousand times better: a regression, exit 1 */
    json_object_set_new(ratio, "p50", json_real(1e-4));
    json_object_set_new(ratio, "p99", json_real(1e-4));
    json_object_set_new(ratio, "scrapes_per_s", json_real(1e4));
    tmp_path(path, sizeof(path), "better.json");
    CU_ASSERT_FATAL(json_dump_file(doc, path, 0) == 0);
    CU_ASSERT(run_against("better.json", "10") == 1);
    json_t *again = check_doc("again.json", 1, 1); /* results still written */
    json_decref(again);
    /* malformed baseline: usage error before any load */
    FILE *f = fopen(path, "w");
    fputs("{ \"schema\": \"cmon-bench/1\", \"runs\": [ {", f);
    fclose(f);
    CU_ASSERT(run_against("better.json", "10") == 2);
    json_decref(doc);
}

static void
test_bad_flags(void)
{
    CU_ASSERT(run_bench("--duration", "0", NULL) == 2);
    CU_ASSERT(run_bench("--rate", "-1", NULL) == 2);
    CU_ASSERT(run_bench("--concurrency", "0", NULL) == 2);
    CU_ASSERT(run_bench("--bogus", NULL) == 2);
    CU_ASSERT(run_bench("--sweep", "zones=", NULL) == 2);
    CU_ASSERT(run_bench("--baseline", "/nonexistent/base.json", NULL) == 2);
    CU_ASSERT(run_bench("--json", "/nonexistent/out.json", NULL) == 2);
    CU_ASSERT(run_bench("--plot", "/nonexistent/out.svg", NULL) == 2);
    CU_ASSERT(run_bench("--help", NULL) == 0);
}

static void
test_unreachable(void)
{
    char url[64], zf[300], json[300];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", spawn_free_port());
    tmp_path(zf, sizeof(zf), "zones.txt");
    tmp_path(json, sizeof(json), "unreach.json");
    FILE *f = fopen(zf, "w");
    fprintf(f, "%s\n", uuids[0]);
    fclose(f);
    CU_ASSERT(
        run_bench("--url", url, "--zones-file", zf, "--duration", "1", "--json", json, NULL) == 3);
    json_t *doc = load_json("unreach.json");
    CU_ASSERT(json_is_false(json_object_get(doc, "complete")));
    CU_ASSERT(json_is_string(json_object_get(doc, "error")));
    json_decref(doc);
}

static void
test_agent_dies(void)
{
    char json[300], pid[32];
    char *slp[] = {"/bin/sleep", "1", NULL};
    pid_t victim = child_start(slp, NULL, NULL, NULL); /* the "agent" process that dies mid-run */

    CU_ASSERT_FATAL(victim > 0);
    snprintf(pid, sizeof(pid), "%d", (int)victim);
    tmp_path(json, sizeof(json), "dies.json");
    CU_ASSERT(run_bench("--url", fake_url, "--pid", pid, "--duration", "30", "--warmup", "0.1",
                        "--json", json, NULL) == 3);
    waitpid(victim, NULL, 0);
    json_t *doc = load_json("dies.json");
    CU_ASSERT(json_is_false(json_object_get(doc, "complete")));
    CU_ASSERT(strstr(json_string_value(json_object_get(doc, "error")), "exited") != NULL);
    CU_ASSERT(json_array_size(json_object_get(doc, "runs")) == 1);
    CU_ASSERT(jint(doc, "requests") > 0 && jint(doc, "requests") == jint(doc, "ok"));
    json_decref(doc);
}

static void
test_url_gzip(void)
{
    char json[300], zf[300];
    tmp_path(json, sizeof(json), "gzip.json");
    tmp_path(zf, sizeof(zf), "one.txt");
    FILE *f = fopen(zf, "w");
    fprintf(f, "%s\n", uuids[0]);
    fclose(f);
    CU_ASSERT_FATAL(run_bench("--url", fake_url, "--zones-file", zf, "--gzip", "--duration", "0.5",
                              "--warmup", "0.1", "--reference", "nginx", "--json", json,
                              NULL) == 0);
    json_t *doc = check_doc("gzip.json", 1, 1);
    CU_ASSERT_FATAL(doc != NULL);
    double a = json_number_value(json_object_get(doc, "bytes_per_scrape"));
    double r =
        json_number_value(json_object_get(json_object_get(doc, "reference"), "bytes_per_scrape"));
    /* compressed on the wire, and nginx serves the very same compressed bytes */
    CU_ASSERT(a > 0 && a < (double)plain_len && a == r);
    CU_ASSERT(json_is_true(json_object_get(doc, "gzip")));
    json_decref(doc);
}

/* A world server that fails: its own message reaches the user, exit 3. */
static void
test_world_fails(void)
{
    char dir[300], sim[320], agent[320], json[300];
    tmp_path(dir, sizeof(dir), "badbin");
    tmp_path(json, sizeof(json), "badworld.json");
    snprintf(sim, sizeof(sim), "%s/cmon-sim", dir);
    snprintf(agent, sizeof(agent), "%s/cmon-agent", dir);
    CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
    FILE *f = fopen(sim, "w");
    fputs("#!/bin/sh\necho 'cmon-sim: cannot map world: no space' >&2\nexit 1\n", f);
    fclose(f);
    CU_ASSERT_FATAL(chmod(sim, 0755) == 0 && symlink("/bin/true", agent) == 0);
    CU_ASSERT(run_bench("--bin-dir", dir, "--duration", "1", "--json", json, NULL) == 3);
    char *text = read_tmp("bench.err");
    CU_ASSERT(strstr(text, "cannot map world") != NULL);
    free(text);
    json_t *doc = load_json("badworld.json");
    CU_ASSERT(json_is_false(json_object_get(doc, "complete")));
    json_decref(doc);
}

static void
test_url_gz(void)
{
    char json[300];
    tmp_path(json, sizeof(json), "gz.json");
    CU_ASSERT_FATAL(run_bench("--url", fake_url, "--gz", "--duration", "0.5", "--warmup", "0.1",
                              "--reference", "nginx", "--json", json, NULL) == 0);
    json_t *doc = check_doc("gz.json", 1, 1);
    CU_ASSERT_FATAL(doc != NULL);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "target")), "gz");
    CU_ASSERT(json_number_value(json_object_get(doc, "bytes_per_scrape")) == 12);
    json_decref(doc);
}

static void
test_url_open_sweep(void)
{
    char json[300], svg[300];
    tmp_path(json, sizeof(json), "sweep.json");
    tmp_path(svg, sizeof(svg), "sweep.svg");
    CU_ASSERT_FATAL(run_bench("--url", fake_url, "--sweep", "rate=200,400", "--duration", "0.5",
                              "--warmup", "0.1", "--json", json, "--plot", svg, NULL) == 0);
    json_t *doc = check_doc("sweep.json", 2, 0);
    CU_ASSERT_FATAL(doc != NULL);
    json_t *r0 = json_array_get(json_object_get(doc, "runs"), 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r0, "mode")), "open");
    /* the schedule fixes the count: 200/s and 400/s over 0.5 s */
    CU_ASSERT(jint(r0, "requests") >= 99 && jint(r0, "requests") <= 101);
    CU_ASSERT(jint(doc, "requests") >= 199 && jint(doc, "requests") <= 201);
    CU_ASSERT(json_is_false(json_object_get(doc, "interleaved"))); /* one round: one by one */
    CU_ASSERT(access(svg, R_OK) == 0);
    json_decref(doc);
}

/*
 * A sweep in rounds: every point up at once, the rounds taking turns across
 * the points; each point still gets its whole schedule (rate x duration).
 */
static void
test_real_sweep_rounds(void)
{
    char json[300];
    tmp_path(json, sizeof(json), "realrounds.json");
    CU_ASSERT_FATAL(run_bench("--sweep", "zones=5,10", "--rounds", "2", "--rate", "200",
                              "--duration", "1", "--warmup", "0.1", "--reference", "nginx",
                              "--json", json, "--progress", NULL) == 0);
    char *err = read_tmp("bench.err");
    CU_ASSERT(strstr(err, "cmon-bench: point 2/2, zones=10: building a world of 10 zones") != NULL);
    CU_ASSERT(count_lines(err, "cmon-bench: round 2/2, zones=10: ") == 2);
    CU_ASSERT(count_lines(err, "cmon-bench: round 1/2, zones=5: ") == 2);
    free(err);
    json_t *doc = check_doc("realrounds.json", 2, 1);
    CU_ASSERT_FATAL(doc != NULL);
    json_t *runs = json_object_get(doc, "runs");
    for (size_t i = 0; i < 2; i++) {
        json_t *r = json_array_get(runs, i);
        CU_ASSERT(json_is_true(json_object_get(r, "interleaved")));
        CU_ASSERT(jint(r, "requests") == 200);
        CU_ASSERT(jint(json_object_get(r, "reference"), "requests") == 200);
        CU_ASSERT(jint(r, "primed") == jint(r, "instances"));
    }
    json_decref(doc);
}

/* ------------------------------------------------ help, version, progress */

/* Is "--name" in text as a whole flag (not the start of a longer one)? */
static int
has_flag(const char *text, const char *name)
{
    char flag[64];
    size_t len = (size_t)snprintf(flag, sizeof(flag), "--%s", name);

    for (const char *p = strstr(text, flag); p != NULL; p = strstr(p + 1, flag)) {
        char next = p[len];
        if (!(next >= 'a' && next <= 'z') && next != '-')
            return 1;
    }
    return 0;
}

/* --help: exit 0, every long option of the table getopt_long reads; --version; a bad flag. */
static void
test_help_version(void)
{
    int nopts = 0;

    CU_ASSERT(run_bench("--help", NULL) == 0);
    char *out = read_tmp("bench.out");
    CU_ASSERT(strncmp(out, "Usage: cmon-bench [OPTION]...\n", 30) == 0);
    for (const struct option *o = opts_long_options(); o->name != NULL; o++, nopts++)
        if (!has_flag(out, o->name)) {
            fprintf(stderr, "cmon-bench --help does not describe --%s\n", o->name);
            CU_FAIL("a long option missing from --help");
        }
    CU_ASSERT(nopts >= 30); /* the table was walked */
    free(out);
    CU_ASSERT(run_bench("-h", NULL) == 0);
    out = read_tmp("bench.out");
    CU_ASSERT(strncmp(out, "Usage: cmon-bench ", 18) == 0);
    free(out);
    CU_ASSERT(run_bench("--version", NULL) == 0);
    out = read_tmp("bench.out");
    CU_ASSERT_STRING_EQUAL(out, "cmon-bench " CMON_VERSION "\n");
    free(out);
    CU_ASSERT(run_bench("--bogus", NULL) == 2);
    char *err = read_tmp("bench.err");
    out = read_tmp("bench.out");
    CU_ASSERT(strstr(err, "--bogus") != NULL &&
              strstr(err, "\nTry 'cmon-bench --help'.\n") != NULL);
    CU_ASSERT(out[0] == '\0');
    free(err);
    free(out);
}

/* --progress: a line on stderr as each phase starts, nothing of it on stdout; --quiet: none. */
static void
test_url_progress(void)
{
    char round[128];
    snprintf(round, sizeof(round), "cmon-bench: round 2/2, %s: ", fake_url);
    CU_ASSERT_FATAL(run_bench("--url", fake_url, "--duration", "0.4", "--warmup", "0.1", "--rounds",
                              "2", "--reference", "nginx", "--progress", NULL) == 0);
    char *err = read_tmp("bench.err"), *out = read_tmp("bench.out");
    CU_ASSERT(strstr(err, ": listing the instances of ") != NULL);
    CU_ASSERT(strstr(err, ": starting nginx with 3 sample scrapes\n") != NULL);
    CU_ASSERT(strstr(err, ": priming pass: 3 instances") != NULL);
    CU_ASSERT(strstr(err, ": 0.1 s warm-up, then 0.2 s measured, agent then nginx\n") != NULL);
    CU_ASSERT(count_lines(err, "cmon-bench: round 1/2, ") == 2); /* as it starts, as it ends */
    CU_ASSERT(count_lines(err, round) == 2);
    CU_ASSERT(count_lines(err, "cmon-bench: ") == count_lines(err, "")); /* nothing else */
    CU_ASSERT(strstr(out, "round 1/2") == NULL && strstr(out, "priming pass:") == NULL);
    CU_ASSERT(strstr(out, "scrapes/s") != NULL); /* the results are still there */
    free(err);
    free(out);

    CU_ASSERT_FATAL(run_bench("--url", fake_url, "--duration", "0.2", "--warmup", "0", "--progress",
                              "--quiet", NULL) == 0);
    err = read_tmp("bench.err");
    CU_ASSERT_STRING_EQUAL(err, "");
    free(err);
    /* stderr is a file here, not a terminal: no lines unless asked */
    CU_ASSERT_FATAL(run_bench("--url", fake_url, "--duration", "0.2", "--warmup", "0", NULL) == 0);
    err = read_tmp("bench.err");
    CU_ASSERT_STRING_EQUAL(err, "");
    free(err);
}

/* ----------------------------------------------------------------- summary */

/* got (a summary ratio) is num/den of the per-point figures, or null when that has no value. */
static void
check_ratio(json_t *got, json_t *num, json_t *den, const char *what)
{
    if (!json_is_number(num) || !json_is_number(den) || json_number_value(den) <= 0) {
        CU_ASSERT(json_is_null(got));
        return;
    }
    double want = json_number_value(num) / json_number_value(den);
    int ok = json_is_number(got) && fabs(json_number_value(got) - want) <= 1e-4 * fmax(1, want);
    if (!ok)
        fprintf(stderr, "summary %s: %g, computed %g\n", what, json_number_value(got), want);
    CU_ASSERT(ok);
}

/* Every ratio of the summary, recomputed from the figures of the runs of doc. */
static void
check_summary(json_t *doc, const char *key)
{
    json_t *s = json_object_get(doc, "summary"), *runs = json_object_get(doc, "runs");
    json_t *first = json_array_get(runs, 0);
    static const char *const lat[] = {"p50", "p99"};

    CU_ASSERT_FATAL(json_is_object(s));
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "key")), key);
    CU_ASSERT(jint(s, "first") == jint(first, key));
    CU_ASSERT_FATAL(json_array_size(json_object_get(s, "points")) == json_array_size(runs));
    for (size_t i = 0; i < json_array_size(runs); i++) {
        json_t *p = json_array_get(json_object_get(s, "points"), i), *r = json_array_get(runs, i);
        json_t *vf = json_object_get(p, "vs_first"), *vr = json_object_get(p, "vs_reference");
        json_t *ref = json_object_get(r, "reference");
        CU_ASSERT(jint(p, "value") == jint(r, key));
        for (size_t k = 0; k < 2; k++) {
            check_ratio(json_object_get(vf, lat[k]),
                        json_object_get(json_object_get(r, "latency_ms"), lat[k]),
                        json_object_get(json_object_get(first, "latency_ms"), lat[k]), lat[k]);
            check_ratio(json_object_get(vr, lat[k]),
                        json_object_get(json_object_get(r, "latency_ms"), lat[k]),
                        json_object_get(json_object_get(ref, "latency_ms"), lat[k]), lat[k]);
        }
        check_ratio(json_object_get(vf, "scrapes_per_s"), json_object_get(r, "scrapes_per_s"),
                    json_object_get(first, "scrapes_per_s"), "scrapes/s");
        check_ratio(json_object_get(vf, "cpu_s_per_1000"),
                    json_object_get(r, "agent_cpu_s_per_1000"),
                    json_object_get(first, "agent_cpu_s_per_1000"), "cpu");
        check_ratio(json_object_get(vf, "peak_rss_kb"), json_object_get(r, "agent_peak_rss_kb"),
                    json_object_get(first, "agent_peak_rss_kb"), "rss");
        check_ratio(json_object_get(vr, "scrapes_per_s"), json_object_get(r, "scrapes_per_s"),
                    json_object_get(ref, "scrapes_per_s"), "agent/nginx scrapes/s");
        check_ratio(json_object_get(vr, "cpu_s_per_1000"),
                    json_object_get(r, "agent_cpu_s_per_1000"),
                    json_object_get(ref, "agent_cpu_s_per_1000"), "agent/nginx cpu");
    }
}

static void
test_url_summary(void)
{
    char json[300];
    tmp_path(json, sizeof(json), "summary.json");
    CU_ASSERT_FATAL(run_bench("--url", fake_url, "--pid", pidbuf, "--sweep", "concurrency=1,2",
                              "--duration", "0.5", "--warmup", "0.1", "--reference", "nginx",
                              "--json", json, NULL) == 0);
    json_t *doc = check_doc("summary.json", 2, 1);
    CU_ASSERT_FATAL(doc != NULL);
    check_summary(doc, "concurrency");
    json_decref(doc);
    char *out = read_tmp("bench.out");
    CU_ASSERT(strstr(out, "cmon-bench: summary, each point against the first (concurrency=1)\n") !=
              NULL);
    free(out);
    doc = load_json("run.json"); /* one run: nothing to compare, no summary */
    CU_ASSERT(doc != NULL && json_object_get(doc, "summary") == NULL);
    json_decref(doc);
}

/* ----------------------------------------------------------- real mode */

static void
test_real_run(void)
{
    char json[300];
    tmp_path(json, sizeof(json), "real.json");
    CU_ASSERT_FATAL(run_bench("--zones", "20", "--duration", "1", "--warmup", "0.3", "--reference",
                              "nginx", "--json", json, NULL) == 0);
    json_t *doc = check_doc("real.json", 1, 1);
    CU_ASSERT_FATAL(doc != NULL);
    CU_ASSERT(jint(doc, "zones") == 20);
    CU_ASSERT(jint(doc, "instances") > 0 && jint(doc, "instances") <= 20);
    CU_ASSERT(jint(doc, "agent_peak_rss_kb") > 0);
    CU_ASSERT(json_is_number(json_object_get(doc, "agent_cpu_s_per_1000")));
    json_decref(doc);
}

static void
test_real_sweep(void)
{
    char json[300], svg[300];
    tmp_path(json, sizeof(json), "realsweep.json");
    tmp_path(svg, sizeof(svg), "realsweep.svg");
    CU_ASSERT_FATAL(run_bench("--sweep", "zones=5,10", "--duration", "0.5", "--warmup", "0.1",
                              "--reference", "nginx", "--json", json, "--plot", svg, NULL) == 0);
    json_t *doc = check_doc("realsweep.json", 2, 1);
    CU_ASSERT_FATAL(doc != NULL);
    json_t *runs = json_object_get(doc, "runs");
    CU_ASSERT(jint(json_array_get(runs, 0), "zones") == 5 && jint(doc, "zones") == 10);
    CU_ASSERT(jint(json_array_get(runs, 0), "instances") <= 5 && jint(doc, "instances") <= 10);
    CU_ASSERT(access(svg, R_OK) == 0);
    check_summary(doc, "zones");
    char *pic = read_tmp("realsweep.svg"); /* the title with the settings is drawn */
    CU_ASSERT(strstr(pic, "zones 5, 10") != NULL && strstr(pic, "reference nginx") != NULL);
    CU_ASSERT(strstr(pic, "0.5 s measured after 0.1 s warm-up") != NULL);
    free(pic);
    json_decref(doc);
}

static void
test_real_gz_gzip(void)
{
    char json[300];
    tmp_path(json, sizeof(json), "realgz.json");
    CU_ASSERT_FATAL(run_bench("--zones", "10", "--gz", "--gzip", "--duration", "0.5", "--warmup",
                              "0.1", "--reference", "nginx", "--json", json, NULL) == 0);
    json_t *doc = check_doc("realgz.json", 1, 1);
    CU_ASSERT_FATAL(doc != NULL);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "target")), "gz");
    CU_ASSERT(json_is_true(json_object_get(doc, "gzip")));
    /* nginx serves the agent's compressed bytes themselves; the node's metrics
     * move a little from scrape to scrape, so the sizes agree only closely */
    double a = json_number_value(json_object_get(doc, "bytes_per_scrape"));
    double r =
        json_number_value(json_object_get(json_object_get(doc, "reference"), "bytes_per_scrape"));
    CU_ASSERT(a > 0 && r > 0 && a / r > 0.8 && a / r < 1.25);
    json_decref(doc);
}

/*
 * --reference nginx-proxy: nginx terminating TLS in front of the same agent,
 * the certificates made by cmon-bench, every instance by its own name; the
 * rounds take turns. Every scrape through it answers 200 with the agent's
 * bytes, and the keep-alive connections are opened before the measurement.
 */
static void
test_real_nginx_proxy(void)
{
    char json[300];
    tmp_path(json, sizeof(json), "proxy.json");
    CU_ASSERT_FATAL(run_bench("--zones", "10", "--reference", "nginx-proxy", "--rounds", "2",
                              "--duration", "0.6", "--warmup", "0.2", "--progress", "--json", json,
                              NULL) == 0);
    json_t *doc = check_doc("proxy.json", 1, 1);
    CU_ASSERT_FATAL(doc != NULL);
    json_t *ref = json_object_get(doc, "reference");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(ref, "server")), "nginx-proxy");
    CU_ASSERT(jint(ref, "ok") > 0 && jint(ref, "ok") == jint(ref, "requests"));
    CU_ASSERT(jint(ref, "connections") < jint(ref, "requests"));
    double a = json_number_value(json_object_get(doc, "bytes_per_scrape"));
    double r = json_number_value(json_object_get(ref, "bytes_per_scrape"));
    CU_ASSERT(r > 0.9 * a && r < 1.1 * a); /* the agent's scrapes, passed through */
    json_decref(doc);
    char *err = read_tmp("bench.err");
    CU_ASSERT(strstr(err, "starting nginx-proxy (TLS) in front of the agent") != NULL);
    CU_ASSERT(count_lines(err, "cmon-bench: round 2/2, zones=10: agent ") == 1);
    CU_ASSERT(strstr(err, "; nginx-proxy ") != NULL);
    free(err);
    CU_ASSERT(run_bench("--zones", "10", "--reference", "nginx-proxy", "--nginx", "/nonexistent",
                        "--duration", "0.2", NULL) == 3);
}

static void
test_real_missing_programs(void)
{
    CU_ASSERT(run_bench("--bin-dir", "/nonexistent", "--duration", "1", NULL) == 3);
}

static int
rm_tmpdir(void)
{
    char *argv[] = {"/bin/rm", "-rf", tmpdir, NULL}, *out = NULL;
    spawn_capture(argv, 30, &out);
    free(out);
    return 0;
}

static const CU_TestInfo url_tests[] = {
    {"run with reference", test_url_run},
    {"baseline pass, fail, malformed", test_url_baseline},
    {"no priming pass", test_url_no_prime},
    {"bad flags", test_bad_flags},
    {"unreachable url", test_unreachable},
    {"agent dies mid-run", test_agent_dies},
    {"open-loop sweep and plot", test_url_open_sweep},
    {"gzip on the wire, same bytes from nginx", test_url_gzip},
    {"gz scrapes", test_url_gz},
    {"world server fails", test_world_fails},
    {"help and version", test_help_version},
    {"progress lines", test_url_progress},
    {"summary across a sweep", test_url_summary},
    {NULL, NULL},
};

static const CU_TestInfo real_tests[] = {
    {"run with reference", test_real_run},
    {"zone sweep and plot", test_real_sweep},
    {"zone sweep in rounds taking turns", test_real_sweep_rounds},
    {"gz scrapes with gzip", test_real_gz_gzip},
    {"missing programs", test_real_missing_programs},
    {"nginx-proxy reference (TLS)", test_real_nginx_proxy},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    const cunit_suite_t url_suites[] = {{"cmon-bench --url", url_init, url_clean, url_tests},
                                        {NULL, NULL, NULL, NULL}};
    const cunit_suite_t real_suites[] = {
        {"cmon-bench with cmon-sim and cmon-agent", NULL, NULL, real_tests},
        {NULL, NULL, NULL, NULL}};

    if (argc != 3 || (strcmp(argv[1], "url") != 0 && strcmp(argv[1], "real") != 0)) {
        fprintf(stderr, "usage: bench-smoke-test url|real CMON_BENCH\n");
        return 2;
    }
    bench_bin = argv[2];
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cunit_run(strcmp(argv[1], "url") == 0 ? url_suites : real_suites, NULL);
    curl_global_cleanup();
    rm_tmpdir();
    return rc;
}
