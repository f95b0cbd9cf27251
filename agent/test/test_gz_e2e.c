/*
 * test_gz_e2e.c - the gz endpoints of the real cmon-agent against a world
 * served by the real cmon-sim (frozen: --tick 0), checked against the
 * world's own truth: GET /v1/gz/metrics (CPU, ARC, pools, zone counts,
 * plugins), the zfs metrics of an instance, GET /v1/discover; and bad
 * input: plugins that hang, flood, print garbage, exit non-zero or repeat a
 * built-in family; a faulted pool; libzfs that cannot list pools or open a
 * dataset; the x-joyent-cmon-opts header (400 when malformed, triton_core
 * for a core zone, ignored elsewhere). Usage: test_gz_e2e BIN_DIR PROMTOOL.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmon_spawn.h"
#include "fetch.h"
#include "golden.h"
#include "golden_ntp.h"
#include "monotime.h"
#include "testlib.h"
#include "world.h"

#define STOP_GRACE_MS 10000
#include "world_ntp.h"
#include "world_zfs.h"

#define ZONES 40

typedef struct t {
    char t_tmp[64];
    char t_world[64];
    char t_agent[64]; /* host:port */
    spawn_t t_sim, t_agent_proc;
    world_t *t_w;
    fetch_t *t_fetch; /* one keep-alive connection to the agent */
    int t_failures;
} t_t;

/* One check: "ok: ..." or "FAIL: ..." on stderr, a failure counted into t. */
#define check(t, ...) testlib_check(&(t)->t_failures, __VA_ARGS__)

/* ---- HTTP and exposition -------------------------------------------- */

/* method (NULL: GET) path from the agent over the keep-alive handle, with
 * one more header line ("Name: value", NULL: none); the body (malloc'd,
 * "" when empty) and *code, or NULL (the reason on stderr). */
static char *
get_with(t_t *t, const char *method, const char *path, const char *header, long *code)
{
    char url[256];
    snprintf(url, sizeof(url), "http://%s%s", t->t_agent, path);
    const char *headers[] = {header, NULL};
    struct fetch_req q = {.rq_url = url,
                          .rq_method = method,
                          .rq_timeout_s = 60,
                          .rq_headers = header != NULL ? headers : NULL};
    if (method != NULL && strcmp(method, "POST") == 0) {
        q.rq_method = NULL; /* POST with an empty body */
        q.rq_body = "";
    }
    struct fetch_resp r = {0};
    *code = 0;
    if (fetch_perform(t->t_fetch, &q, &r) != 0) {
        fprintf(stderr, "%s\n", r.rs_error);
        fetch_resp_release(&r);
        return NULL;
    }
    *code = r.rs_status;
    char *body = r.rs_body; /* taken over */
    r.rs_body = NULL;
    fetch_resp_release(&r);
    return body;
}

/* GET path; see get_with(). */
static char *
get(t_t *t, const char *path, long *code)
{
    return get_with(t, NULL, path, NULL, code);
}

static int
near(double got, double want)
{
    return fabs(got - want) <= 1e-9 * fabs(want) + 1e-9;
}

/* ---- set-up --------------------------------------------------------- */

static void
write_plugin(t_t *t, const char *kind, const char *name, const char *body)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/plugins/%s/%s", t->t_tmp, kind, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return;
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(path, 0755);
}

static void
make_plugins(t_t *t)
{
    char dir[256];
    snprintf(dir, sizeof(dir), "%s/plugins", t->t_tmp);
    mkdir(dir, 0755);
    snprintf(dir, sizeof(dir), "%s/plugins/gz-plugins", t->t_tmp);
    mkdir(dir, 0755);
    snprintf(dir, sizeof(dir), "%s/plugins/vm-plugins", t->t_tmp);
    mkdir(dir, 0755);
    /* format B (.prom) and format A (tab-separated), reference 4.4 and 4.5 */
    write_plugin(t, "gz-plugins", "good.prom",
                 "printf '# HELP site_power_watts Power drawn.\\n# TYPE site_power_watts "
                 "gauge\\nsite_power_watts{psu=\"a\"} 350\\n'");
    write_plugin(t, "gz-plugins", "hang", "printf 'started\\tgauge\\t1\\n'; sleep 60");
    write_plugin(t, "gz-plugins", "flood", "yes 'flood\tgauge\t1'");
    write_plugin(t, "gz-plugins", "garbage", "echo 'this is not a metric'");
    write_plugin(t, "gz-plugins", "fails", "printf 'fails\\tgauge\\t1\\n'; exit 3");
    /* a sample that is not of its family (the original served it verbatim) */
    write_plugin(t, "gz-plugins", "stray.prom",
                 "printf '# TYPE a gauge\\ncpu_idle_seconds_total{cpu_id=\"999\"} 1\\n'");
    write_plugin(t, "gz-plugins", "tabs.sh",
                 "printf 'fans{tray=\"1\"}\\tgauge\\t3\\tFans spinning\\nresets\\tcounter\\t7\\n'");
    write_plugin(t, "gz-plugins", "hist.prom",
                 "printf '# HELP lat Latency.\\n# TYPE lat histogram\\nlat_bucket{le=\"0.5\"} "
                 "1\\nlat_bucket{le=\"+Inf\"} 2\\nlat_sum 0.75\\nlat_count 2\\n'");
    write_plugin(t, "vm-plugins", "whoami", "printf 'info{uuid=\"%s\"}\\tgauge\\t1\\n' \"$1\"");
}

/* Starts argv in its own process group, stdout on out_fd and stderr on
 * err_fd (-1: ours), env (NULL: none) one more NAME=VALUE, sent SIGTERM
 * when we die. 0 or -1. */
static int
spawn(spawn_t *sp, char **argv, int out_fd, int err_fd, const char *env)
{
    char *envv[] = {(char *)env, NULL};
    spawn_io_t ours = {.sio_kind = SPAWN_IO_INHERIT};
    spawn_opts_t o = {.so_env = env != NULL ? envv : NULL,
                      .so_stdout = out_fd >= 0 ? (spawn_io_t){SPAWN_IO_FD, out_fd, NULL} : ours,
                      .so_stderr = err_fd >= 0 ? (spawn_io_t){SPAWN_IO_FD, err_fd, NULL} : ours,
                      .so_deathsig = SIGTERM};
    return spawn_start(sp, argv, &o);
}

static int
start_world(t_t *t, const char *bin)
{
    char sim[512], line[256], zones[16];
    int fds[2];
    snprintf(sim, sizeof(sim), "%s/cmon-sim", bin);
    snprintf(zones, sizeof(zones), "%d", ZONES);
    char *argv[] = {sim,      "serve", "--zones", zones,      "--tick", "0",
                    "--seed", "3",     "--world", t->t_world, NULL};
    if (pipe(fds) != 0)
        return -1;
    spawn(&t->t_sim, argv, fds[1], -1, NULL);
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    int ok = f != NULL && fgets(line, sizeof(line), f) != NULL;
    if (f != NULL)
        fclose(f);
    t->t_w = ok ? world_open(t->t_world, line, sizeof(line)) : NULL;
    return t->t_w != NULL ? 0 : -1;
}

/* Starts the agent on a free port; finds the port in its log. */
static int
start_agent(t_t *t, const char *bin)
{
    char agent[512], env[128], log[128], plugins[128], buf[4096], ntpq[600];
    snprintf(agent, sizeof(agent), "%s/cmon-agent", bin);
    snprintf(env, sizeof(env), "CMON_SIM_WORLD=%s", t->t_world);
    snprintf(log, sizeof(log), "%s/agent.log", t->t_tmp);
    snprintf(plugins, sizeof(plugins), "%s/plugins", t->t_tmp);
    snprintf(ntpq, sizeof(ntpq), "%s/../lib/cmon-sim/ntpq", bin); /* the fake, ntp-ttl 0 */
    char *argv[] = {agent,   "--listen",     "127.0.0.1:0", "--cache-ttl",      "0", "--zfs-ttl",
                    "0",     "--plugin-ttl", "0",           "--plugin-timeout", "1", "--plugin-dir",
                    plugins, "--ntpq",       ntpq,          "--ntp-ttl",        "0", NULL};
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    spawn(&t->t_agent_proc, argv, -1, fd, env);
    close(fd);
    for (int i = 0; i < 300; i++) {
        FILE *f = fopen(log, "r");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
            fclose(f);
        buf[n] = '\0';
        char *p = strstr(buf, "listening on ");
        if (p != NULL && strchr(p, '\n') != NULL) {
            sscanf(p + 13, "%63s", t->t_agent);
            return 0;
        }
        usleep(100000);
    }
    return -1;
}

/* ---- checks --------------------------------------------------------- */

/* Collector p's families in body are the reference's g[0..n) with labels (golden.c). */
static void
check_golden(t_t *t, const char *body, const char *p, const golden_family_t *g, size_t n,
             const char *const *labels)
{
    char why[512] = "no meta block";
    char *sec = golden_section(body, p);
    int ok = sec != NULL && golden_check(sec, "", g, n, why, sizeof(why)) == 0 &&
             golden_check_labels(sec, g, labels, n, why, sizeof(why)) == 0;
    check(t, ok, "%s: the original's families, HELP, types and labels, one group each %s", p, why);
    free(sec);
}

static void
check_cpu_arc(t_t *t, const char *body)
{
    int cpus = 0, right = 0;
    world_value_t v;
    char series[96];
    for (int n = 0; n < 1024; n++) {
        if (world_truth(t->t_w, "cpu", n, "sys", "cpu_nsec_user", &v) != 0)
            break;
        cpus++;
        snprintf(series, sizeof(series), "cpu_user_seconds_total{cpu_id=\"%d\"}", n);
        right += near(testlib_sample(body, series), (double)v.wv_u / 1e9);
    }
    check(t, cpus > 0 && right == cpus, "cpu_user_seconds_total of %d/%d CPUs is the world's",
          right, cpus);
    world_truth(t->t_w, "cpu", 0, "sys", "cpu_nsec_idle", &v);
    check(t,
          near(testlib_sample(body, "cpu_idle_seconds_total{cpu_id=\"0\"}"), (double)v.wv_u / 1e9),
          "cpu_idle_seconds_total of CPU 0 is the world's");
    check(t,
          world_truth(t->t_w, "cpu_info", 0, "cpu_info0", "model", &v) == 0 &&
              testlib_sample(body, "cpu_info_model") == (double)v.wv_i,
          "cpu_info_model is CPU 0's model, without labels (reference 3.2)");
    check(t,
          world_truth(t->t_w, "zfs", 0, "arcstats", "size", &v) == 0 &&
              near(testlib_sample(body, "arcstats_size_bytes"), (double)v.wv_u),
          "arcstats_size_bytes is the world's");
    check(t, strstr(body, "# TYPE arcstats_size_bytes gauge\n") != NULL,
          "arcstats_size_bytes is a gauge");
    check(t, strstr(body, "# TYPE arcstats_hits_total counter\n") != NULL,
          "arcstats_hits_total is a counter");
}

static void
check_pools_zones(t_t *t, const char *body)
{
    world_zfs_state_t st;
    world_pool_info_t pi;
    int running = 0;
    double counted = 0;
    check(t,
          world_zfs_state_read(t->t_w, t->t_world, &st) == 0 &&
              world_zfs_pool_info(t->t_w, &st, 0, &pi) == 0,
          "the world has a pool");
    check(t,
          near(testlib_sample(body, "zpool_size_bytes{pool=\"zones\"}"),
               (double)pi.wpi_pool.wpl_size),
          "zpool_size_bytes is the world's");
    check(t,
          near(testlib_sample(body, "zpool_allocated_bytes{pool=\"zones\"}"),
               (double)pi.wpi_allocated),
          "zpool_allocated_bytes is the world's");
    check(t, testlib_sample(body, "zpool_health_status{pool=\"zones\"}") == 0,
          "the pool is ONLINE (0)");
    for (int z = world_zone_next(t->t_w, -1); z >= 0; z = world_zone_next(t->t_w, z)) {
        world_zone_info_t zi;
        running += world_zone_info(t->t_w, z, &zi) == 0 && zi.wzi_state == WORLD_ZONE_RUNNING;
    }
    for (const char *l = strstr(body, "\nzones{"); l; l = strstr(l + 1, "\nzones{"))
        counted += strtod(strchr(l, '}') + 1, NULL);
    check(t, counted == running, "zones counts %.0f zones, the world runs %d", counted, running);
}

static void
check_plugins(t_t *t, const char *body)
{
    static const char *const bad[] = {"hang", "flood", "garbage", "fails", "stray"};
    char series[96];
    check(t, testlib_sample(body, "plugin_good_metrics_available_boolean") == 1,
          "good plugin available");
    check(t, testlib_sample(body, "plugin_good_site_power_watts{psu=\"a\"}") == 350,
          "good plugin's sample served, its name prefixed plugin_good_ (D13a)");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(series, sizeof(series), "plugin_%s_metrics_available_boolean", bad[i]);
        check(t, testlib_sample(body, series) == 0, "%s plugin reported unavailable", bad[i]);
    }
    check(t,
          !testlib_has_line(body, "plugin_hang_started") &&
              !testlib_has_line(body, "plugin_flood_flood") &&
              !testlib_has_line(body, "plugin_fails_fails") &&
              !testlib_has_line(body, "plugin_stray_a") &&
              !testlib_has_line(body, "cpu_idle_seconds_total{cpu_id=\"999\"}"),
          "nothing of a failed plugin is served");
    check(t,
          testlib_sample(body, "plugin_tabs_fans{tray=\"1\"}") == 3 &&
              testlib_sample(body, "plugin_tabs_resets") == 7 &&
              testlib_has_line(body, "# HELP plugin_tabs_fans Fans spinning"),
          "format A: plugin_tabs_fans{tray=\"1\"} 3 with its help, plugin_tabs_resets 7");
    check(t,
          testlib_sample(body, "plugin_hist_lat_bucket{le=\"+Inf\"}") == 2 &&
              testlib_sample(body, "plugin_hist_lat_count") == 2 &&
              testlib_has_line(body, "# TYPE plugin_hist_lat histogram"),
          "format B histogram: plugin_hist_lat_bucket, _count under # TYPE plugin_hist_lat");
}

/* cmon-conform on the text answer and on the OpenMetrics one (asked again). */
static void
check_conform(t_t *t, const char *bin, const char *body)
{
    char out[4096];
    long code;
    int rc = testlib_conform(bin, "text", body, out, sizeof(out));
    check(t, rc == 0,
          "cmon-conform: /v1/gz/metrics (plugins of both formats, the agent's own "
          "metrics) is valid text%s%.300s",
          out[0] ? ": " : "", out);
    char *om = get_with(t, NULL, "/v1/gz/metrics", "Accept: application/openmetrics-text", &code);
    rc = om != NULL ? testlib_conform(bin, "openmetrics", om, out, sizeof(out)) : -1;
    check(t, rc == 0, "cmon-conform: /v1/gz/metrics is valid OpenMetrics%s%.300s",
          out[0] ? ": " : "", out);
    free(om);
}

/* Reference 3.7: the agent's own families, live (golden list in golden.c). */
static void
check_own(t_t *t, const char *body, int allow_empty, const char *what)
{
    char why[512];
    int rc = golden_own_check(body, allow_empty, why, sizeof(why));
    check(t, rc == 0, "%s: the agent's own metrics as the original names them%s%s", what,
          why[0] ? ": " : "", why);
}

/* promtool may lint cmon's names; the exposition itself must parse. */
static void
check_promtool(t_t *t, const char *promtool, const char *body)
{
    char out[4096];
    int rc = testlib_promtool(promtool, body, out, sizeof(out));
    check(t, rc >= 0 && strstr(out, "parsing error") == NULL && strstr(out, "error while") == NULL,
          "promtool parses /v1/gz/metrics%s%s", out[0] ? ": " : "", out);
}

/* The first running instance of the world, or -1. */
static int
first_instance(t_t *t, world_zone_info_t *zi)
{
    for (int z = world_zone_next(t->t_w, 0); z >= 0; z = world_zone_next(t->t_w, z))
        if (world_zone_info(t->t_w, z, zi) == 0 && zi->wzi_state == WORLD_ZONE_RUNNING)
            return z;
    return -1;
}

/*
 * Spec 2.A.1, 2.A.3 and 6.1 on a live answer: every meta block is the
 * original's nine lines, the collectors come in the original's order (the
 * plugins first) and there are `want` of them.
 */
static void
check_order(t_t *t, const char *body, int gz, int want, const char *what)
{
    static const char *const ours_gz[] = {"zones", NULL};
    char why[512];
    int n =
        gz ? golden_meta_check(body, golden_order_gz, golden_norder_gz, ours_gz, why, sizeof(why))
           : golden_meta_check(body, golden_order_vm, golden_norder_vm, NULL, why, sizeof(why));
    check(t, n == want,
          "%s: %d collectors in the original's order, meta blocks as the original's"
          " (want %d)%s%s",
          what, n, want, why[0] ? ": " : "", why);
    check(t, strncmp(body, "# HELP plugin_", 14) == 0, "%s: the plugins' blocks come first", what);
}

static void
check_vm(t_t *t)
{
    world_zone_info_t zi;
    world_zfs_state_t st;
    world_dataset_t ds;
    char path[128], series[160];
    long code;
    if (first_instance(t, &zi) < 0) {
        check(t, 0, "the world has a running instance");
        return;
    }
    snprintf(path, sizeof(path), "/v1/%s/metrics", zi.wzi_name);
    char *body = get(t, path, &code);
    check(t, body != NULL && code == 200, "GET %s: %ld", path, code);
    if (body == NULL)
        return;
    snprintf(series, sizeof(series), "zones/%s", zi.wzi_name);
    world_zfs_state_read(t->t_w, t->t_world, &st);
    check(t,
          world_zfs_dataset(t->t_w, &st, series, &ds) == 0 &&
              near(testlib_sample(body, "zfs_used"), (double)ds.wd_used) &&
              near(testlib_sample(body, "zfs_available"), (double)ds.wd_available) &&
              near(testlib_sample(body, "zfs_compressratio"), ds.wd_compressratio / 100.0),
          "zfs_used, zfs_available, zfs_compressratio are the world's");
    check(t, testlib_sample(body, "zfs_metrics_available_boolean") == 1, "zfs available");
    check(t,
          near(testlib_sample(body, "zfs_refcompressratio"), ds.wd_refcompressratio / 100.0) &&
              near(testlib_sample(body, "zfs_logicalreferenced"), (double)ds.wd_logicalreferenced),
          "zfs_refcompressratio, zfs_logicalreferenced are the world's");
    char why[512];
    int golden = golden_check(body, "zfs_", golden_zfs, golden_nzfs, why, sizeof(why));
    check(t, golden == 0, "a live scrape's zfs families are the original's%s%s", why[0] ? ": " : "",
          why);
    check_order(t, body, 0, 9, "an instance");
    check(t,
          testlib_next_line_starts(body, "plugin_whoami_metrics_timer_seconds",
                                   "# HELP plugin_whoami_info") &&
              testlib_next_line_starts(body, "zfs_metrics_timer_seconds", "# HELP zfs_"),
          "the vm plugin's and zfs's families right after their meta blocks");
    snprintf(series, sizeof(series), "plugin_whoami_info{uuid=\"%s\"}", zi.wzi_name);
    check(t, testlib_sample(body, series) == 1, "the vm plugin ran with the instance's uuid");
    free(body);
}

/* ---- x-joyent-cmon-opts ---------------------------------------------- */

/* {"isCoreZone":true}, {"isCoreZone":false} and {} in base64 (coreutils'
 * `printf '%s' JSON | base64`). */
#define OPTS_CORE "x-joyent-cmon-opts: eyJpc0NvcmVab25lIjp0cnVlfQ=="
#define OPTS_NOT_CORE "x-joyent-cmon-opts: eyJpc0NvcmVab25lIjpmYWxzZX0="
#define OPTS_NO_FIELD "x-joyent-cmon-opts: e30="
#define OPTS_NOT_BASE64 "x-joyent-cmon-opts: {\"isCoreZone\":true}"
#define OPTS_BODY "Error parsing x-joyent-cmon-opts header\n"

/* Where line prefix starts a line of body; -1 when absent. */
static long
line_at(const char *body, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *l = body; *l != '\0';) {
        if (strncmp(l, prefix, n) == 0)
            return l - body;
        const char *nl = strchr(l, '\n');
        if (nl == NULL)
            break;
        l = nl + 1;
    }
    return -1;
}

/* The collector whose meta block comes first after offset `from` of body, into buf. */
static const char *
next_collector(const char *body, long from, char *buf, size_t len)
{
    for (const char *p = strstr(body + from, "_metrics_available_boolean "); p != NULL;
         p = strstr(p + 1, "_metrics_available_boolean ")) {
        const char *l = p;
        while (l > body && l[-1] != '\n')
            l--;
        if (*l != '#') {
            snprintf(buf, len, "%.*s", (int)(p - l), l);
            return buf;
        }
    }
    snprintf(buf, len, "(none)");
    return buf;
}

/* A malformed header on the instance endpoint: 400 with the original's body. */
static void
check_opts_refused(t_t *t, const char *path, const char *header, const char *what)
{
    long code;
    char *body = get_with(t, NULL, path, header, &code);
    check(t, body != NULL && code == 400 && strcmp(body, OPTS_BODY) == 0,
          "%s: 400 \"Error parsing x-joyent-cmon-opts header\" (got %ld)", what, code);
    free(body);
}

/* The header on a route other than the instance endpoint changes nothing. */
static void
check_opts_ignored(t_t *t, const char *method, const char *path)
{
    long code;
    char *body = get_with(t, method, path, OPTS_NOT_BASE64, &code);
    check(t, body != NULL && code == 200, "%s %s with a malformed x-joyent-cmon-opts: 200 (%ld)",
          method != NULL ? method : "GET", path, code);
    free(body);
}

static void
check_cmon_opts(t_t *t, const char *promtool)
{
    world_zone_info_t zi;
    char path[128], buf[128] = "(none)";
    long code;
    if (first_instance(t, &zi) < 0)
        return;
    snprintf(path, sizeof(path), "/v1/%s/metrics", zi.wzi_name);
    check_opts_refused(t, path, OPTS_NOT_BASE64, "JSON not in base64");
    check_opts_refused(t, path, OPTS_NO_FIELD, "{} (no isCoreZone)");
    check_opts_refused(t, path, "x-joyent-cmon-opts;",
                       "an empty value"); /* curl: "Name;" sends it empty */
    char *long_opts = malloc(5000 + 32);
    if (long_opts != NULL) {
        /* {"isCoreZone":true} and white space (base64 "ICAg" is three spaces):
         * valid, but 5000 bytes, over the 4096-byte cap */
        int n = snprintf(long_opts, 64, "x-joyent-cmon-opts: eyJpc0NvcmVab25lIjp0cnVlfSAg");
        for (; n + 4 <= 20 + 5000; n += 4)
            memcpy(long_opts + n, "ICAg", 4);
        long_opts[n] = '\0';
        check_opts_refused(t, path, long_opts, "a value over 4096 bytes");
        free(long_opts);
    }
    check_opts_refused(t, "/v1/00000000-0000-4000-8000-000000000000/metrics", OPTS_NOT_BASE64,
                       "an unknown instance, header read first");

    char *core = get_with(t, NULL, path, OPTS_CORE, &code);
    check(t, core != NULL && code == 200, "isCoreZone true: 200 (%ld)", code);
    if (core != NULL) {
        long tc = line_at(core, "triton_core_metrics_available_boolean ");
        long tcp = line_at(core, "tcp_metrics_available_boolean ");
        long tt = line_at(core, "triton_core_metrics_timer_seconds ");
        check(t,
              tc >= 0 && testlib_sample(core, "triton_core_metrics_available_boolean") == 0 &&
                  testlib_sample(core, "triton_core_metrics_cached_boolean") == 0 &&
                  line_at(core, "triton_core_metrics_timer_seconds ") > tc,
              "isCoreZone true: triton_core's meta block, unavailable (no core-zone ports)");
        check(t, tcp >= 0 && tcp < tc, "triton_core comes after tcp");
        check(t, tt >= 0 && strcmp(next_collector(core, tt, buf, sizeof(buf)), "zfs") == 0,
              "the collector right after triton_core is zfs (got %s)", buf);
        check(t, testlib_sample(core, "zfs_metrics_available_boolean") == 1,
              "the rest of the scrape is served");
        check_order(t, core, 0, 10, "a core zone");
        check_promtool(t, promtool, core);
    }
    free(core);

    static const char *const not_core[] = {OPTS_NOT_CORE, NULL};
    for (int i = 0; i < 2; i++) {
        char *body = get_with(t, NULL, path, not_core[i], &code);
        check(t, body != NULL && code == 200 && strstr(body, "triton_core") == NULL,
              "%s: 200 without triton_core", i == 0 ? "isCoreZone false" : "no header");
        free(body);
    }

    char *gz = get_with(t, NULL, "/v1/gz/metrics", OPTS_CORE, &code);
    /* (collector_time_seconds{collector="triton_core"} counts the core zone scraped above) */
    check(t, gz != NULL && code == 200 && strstr(gz, "triton_core_metrics_") == NULL,
          "/v1/gz/metrics ignores isCoreZone true: no triton_core block");
    free(gz);
    check_opts_ignored(t, NULL, "/v1/gz/metrics");
    check_opts_ignored(t, NULL, "/v1/discover");
    check_opts_ignored(t, NULL, "/metrics");
    check_opts_ignored(t, NULL, "/");
    check_opts_ignored(t, "POST", "/v1/refresh");
}

static void
check_discover(t_t *t)
{
    long code;
    int running = 0, right = 0, aliased = 0, unaliased = 0;
    char *s = get(t, "/v1/discover", &code);
    json_t *doc = s ? json_loads(s, 0, NULL) : NULL;
    free(s);
    check(t, code == 200 && json_is_array(doc), "GET /v1/discover: %ld, a JSON array", code);
    for (int z = world_zone_next(t->t_w, 0); z >= 0; z = world_zone_next(t->t_w, z)) {
        world_zone_info_t zi;
        if (world_zone_info(t->t_w, z, &zi) != 0 || zi.wzi_state != WORLD_ZONE_RUNNING)
            continue;
        running++;
        for (size_t k = 0; k < json_array_size(doc); k++) {
            json_t *g = json_array_get(doc, k), *l = json_object_get(g, "labels");
            const char *u = json_string_value(json_object_get(l, "vm_uuid"));
            const char *b = json_string_value(json_object_get(l, "brand"));
            const char *tg = json_string_value(json_array_get(json_object_get(g, "targets"), 0));
            json_t *alias = json_object_get(l, "alias");
            if (!u || !b || !tg || strcmp(u, zi.wzi_name) != 0)
                continue;
            /* alias: the world's, or no such label when the world has none */
            int alias_ok =
                zi.wzi_alias[0] == '\0'
                    ? alias == NULL
                    : json_is_string(alias) && strcmp(json_string_value(alias), zi.wzi_alias) == 0;
            right += strcmp(b, zi.wzi_brand) == 0 && strcmp(tg, t->t_agent) == 0 && alias_ok;
            aliased += alias_ok && alias != NULL;
            unaliased += alias_ok && alias == NULL;
        }
    }
    check(t, running > 0 && (int)json_array_size(doc) == running && right == running,
          "discovery: %zu groups, %d running instances, %d right (brand, target, alias)",
          json_array_size(doc), running, right);
    check(t, aliased > 0 && unaliased > 0,
          "discovery: %d instances with the world's alias, %d without one as the world says",
          aliased, unaliased);
    json_decref(doc);
}

/* A faulted pool, a second pool, then libzfs failing: the rest is served. */
static void
check_zfs_faults(t_t *t)
{
    world_zfs_state_t st;
    world_zfs_fault_t f;
    world_zone_info_t zi;
    char path[128];
    long code;
    world_zfs_state_read(t->t_w, t->t_world, &st);
    world_pool_t p = st.wzs_pools[0], data = p;
    p.wpl_health = WORLD_POOL_FAULTED;
    snprintf(data.wpl_name, sizeof(data.wpl_name), "data");
    data.wpl_health = WORLD_POOL_DEGRADED;
    check(t, world_zfs_pool_set(t->t_w, &p) == 0 && world_zfs_pool_set(t->t_w, &data) == 0,
          "pools set in the world");
    char *body = get(t, "/v1/gz/metrics", &code);
    check(t,
          body && code == 200 && testlib_sample(body, "zpool_health_status{pool=\"zones\"}") == 2 &&
              testlib_sample(body, "zpool_health_status{pool=\"data\"}") == 1,
          "a FAULTED pool reads 2, a DEGRADED one 1");
    free(body);

    memset(&f, 0, sizeof(f));
    f.wzf_pool_iter_fail = 1;
    f.wzf_open_rate = 1.0;
    check(t, world_zfs_fault_set(t->t_w, &f) == 0, "libzfs faults set in the world");
    body = get(t, "/v1/gz/metrics", &code);
    check(t,
          body && code == 200 && testlib_sample(body, "zpool_metrics_available_boolean") == 0 &&
              !testlib_has_line(body, "zpool_size_bytes") &&
              !isnan(testlib_sample(body, "cpu_user_seconds_total{cpu_id=\"0\"}")),
          "pools unreadable: zpool unavailable, the rest served");
    free(body);
    if (first_instance(t, &zi) >= 0) {
        snprintf(path, sizeof(path), "/v1/%s/metrics", zi.wzi_name);
        body = get(t, path, &code);
        check(t,
              body && code == 200 && testlib_sample(body, "zfs_metrics_available_boolean") == 0 &&
                  !testlib_has_line(body, "zfs_used") && testlib_has_line(body, "cpu_user_usage"),
              "dataset unreadable: zfs unavailable, the rest served");
        free(body);
    }
    world_zfs_remove(t->t_w);
}

/* Runs cmon-sim with args (NULL-ended, after "serve"); its exit status, or -1. */
static int
run_sim(const char *bin, char **args)
{
    char sim[512];
    char *argv[16] = {sim, "serve"};
    int k = 2, status;
    snprintf(sim, sizeof(sim), "%s/cmon-sim", bin);
    for (; *args != NULL && k < 15; args++)
        argv[k++] = *args;
    argv[k] = NULL;
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_NULL},
                      .so_stderr = {.sio_kind = SPAWN_IO_NULL}};
    if (spawn_run(argv, &o, -1, NULL, NULL, &status) != 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* serve --cns with bad flags, or an agent that cannot start: a clean failure. */
static void
check_cns_bad_input(t_t *t, const char *bin)
{
    char prefix[128], cfg[160], leftover[160];
    char *zero[] = {"--cns", "0", "--zones", "1", NULL};
    char *junk[] = {"--cns", "1", "--zones", "1", "--bogus", NULL};
    check(t, run_sim(bin, zero) == 2, "serve --cns 0: usage error (2)");
    check(t, run_sim(bin, junk) == 2, "serve --cns with an unknown flag: usage error (2)");
    snprintf(prefix, sizeof(prefix), "%s/dc", t->t_tmp);
    snprintf(cfg, sizeof(cfg), "%s/dc.yml", t->t_tmp);
    char *noagent[] = {"--cns",
                       "2",
                       "--zones",
                       "3",
                       "--world",
                       prefix,
                       "--prom-config",
                       cfg,
                       "--agent",
                       "/nonexistent/cmon-agent",
                       NULL};
    check(t, run_sim(bin, noagent) == 1, "serve --cns with an agent that cannot start: exit 1");
    snprintf(leftover, sizeof(leftover), "%s.cn0", prefix);
    check(t, access(leftover, F_OK) != 0 && access(cfg, F_OK) != 0,
          "nothing left behind (worlds, configuration)");
}

/* ---- main ----------------------------------------------------------- */

/* ---- ntp (reference 3.5) -------------------------------------------- */

/* The ntp families of body against the golden list from the reference. */
static void
check_ntp_golden(t_t *t, const char *body)
{
    golden_family_t want[96];
    char why[512];
    size_t n = golden_ntp_expected(want, 1);
    check(t, testlib_sample(body, "ntp_metrics_available_boolean") == 1,
          "ntp: available through the fake ntpq");
    int rc = golden_check(body, "ntp_", want, n, why, sizeof(why));
    check(t, rc == 0, "ntp: the original's %zu families, names, types, HELP, order%s%s", n,
          rc ? ": " : "", rc ? why : "");
    check(t, testlib_has_line(body, "ntp_peer_offset_seconds{remote=\""),
          "ntp: peer samples carry the remote label");
}

/* One gz scrape with the world's ntpd in state st: ntp unavailable, the rest served, in
 * less than max_s seconds. */
static void
check_ntp_fails(t_t *t, const world_ntp_state_t *st, double max_s, const char *what)
{
    long code;
    check(t, world_ntp_state_write(t->t_w, st) == 0, "ntp %s: the world says so", what);
    double t0 = cmon_monotime_s();
    char *body = get(t, "/v1/gz/metrics", &code);
    double took = cmon_monotime_s() - t0;
    check(t, body != NULL && code == 200, "ntp %s: GET /v1/gz/metrics: %ld", what, code);
    check(t, took < max_s, "ntp %s: answered in %.3f s (bound %.1f s)", what, took, max_s);
    if (body == NULL)
        return;
    check(t,
          testlib_sample(body, "ntp_metrics_available_boolean") == 0 &&
              !testlib_has_line(body, "ntp_stratum_number"),
          "ntp %s: available 0, no ntp family", what);
    check(t,
          testlib_sample(body, "arcstats_metrics_available_boolean") == 1 &&
              testlib_sample(body, "zpool_metrics_available_boolean") == 1 &&
              testlib_sample(body, "cpu_util_metrics_available_boolean") == 1,
          "ntp %s: the other collectors are served", what);
    free(body);
}

static void
check_ntp(t_t *t, const char *body)
{
    world_ntp_state_t st;
    check_ntp_golden(t, body);
    if (world_ntp_state_read(t->t_w, &st) != 0) {
        check(t, 0, "ntp: the world's state reads");
        return;
    }
    /* every gz scrape here waits 1 s for the plugin that sleeps (--plugin-timeout 1); a
     * hanging ntpq adds one bounded wait: killed after NTP_RUN_TIMEOUT_MS (1 s) */
    st.wns_garble = WORLD_NTP_GARBLE_HANG;
    check_ntp_fails(t, &st, 2.5, "hanging");
    st.wns_garble = WORLD_NTP_GARBLE_NONE;
    st.wns_up = 0;
    check_ntp_fails(t, &st, 1.5, "down");
    world_ntp_remove(t->t_w);
}

static void
run(t_t *t, const char *bin, const char *promtool)
{
    long code;
    char *body = get(t, "/v1/gz/metrics", &code);
    check(t, body != NULL && code == 200, "GET /v1/gz/metrics: %ld", code);
    if (body == NULL)
        return;
    check_cpu_arc(t, body);
    check_golden(t, body, "cpu_util", golden_cpu_util, golden_ncpu_util, golden_cpu_util_labels);
    check_golden(t, body, "cpu_info", golden_cpu_info, golden_ncpu_info, golden_cpu_info_labels);
    check_golden(t, body, "zpool", golden_zpool, golden_nzpool, golden_zpool_labels);
    check_pools_zones(t, body);
    check_plugins(t, body);
    check_order(t, body, 1, 8 + 7, "/v1/gz/metrics"); /* 8 plugins, 6 of the original's, zones */
    check_promtool(t, promtool, body);
    check_ntp(t, body);
    check_conform(t, bin, body);
    check_own(t, body, 1, "the first /v1/gz/metrics");
    free(body);
    body = get(t, "/v1/gz/metrics", &code);
    if (body != NULL)
        check_own(t, body, 0, "the second /v1/gz/metrics (http_* counted)");
    free(body);
    check_vm(t);
    check_cmon_opts(t, promtool);
    check_discover(t);
    check_zfs_faults(t);
    check_cns_bad_input(t, bin);
}

int
main(int argc, char **argv)
{
    t_t t;
    char cmd[1024];
    memset(&t, 0, sizeof(t));
    if (argc != 3) {
        fprintf(stderr, "usage: test_gz_e2e BIN_DIR PROMTOOL\n");
        return 2;
    }
    alarm(240); /* a hang kills us; PR_SET_PDEATHSIG takes the children along */
    strcpy(t.t_tmp, "/tmp/cmon-gz-XXXXXX");
    strcpy(t.t_world, "/dev/shm/cmon-test-XXXXXX");
    int fd = mkstemp(t.t_world);
    if (fd < 0 || mkdtemp(t.t_tmp) == NULL || chmod(t.t_tmp, 0755) != 0) {
        fprintf(stderr, "cannot make temporary names: %s\n", strerror(errno));
        return 1;
    }
    close(fd);
    make_plugins(&t);
    t.t_fetch = fetch_new();
    if (t.t_fetch == NULL)
        check(&t, 0, "libcurl starts");
    else if (start_world(&t, argv[1]) != 0)
        check(&t, 0, "cmon-sim serve starts");
    else if (start_agent(&t, argv[1]) != 0)
        check(&t, 0, "cmon-agent starts");
    else
        run(&t, argv[1], argv[2]);
    spawn_stop(&t.t_agent_proc, STOP_GRACE_MS);
    spawn_stop(&t.t_sim, STOP_GRACE_MS);
    if (t.t_w != NULL)
        world_close(t.t_w);
    fetch_free(t.t_fetch);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s.zfs' '%s.ntp'", t.t_tmp, t.t_world, t.t_world,
             t.t_world);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", t.t_tmp);
    fprintf(stderr, "%d failure(s)\n", t.t_failures);
    return t.t_failures ? 1 : 0;
}
