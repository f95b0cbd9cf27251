/*
 * End-to-end test of cmon-agent with the real programs: `cmon-sim serve
 * --zones 1000 --tick 0` builds a still world, two agents (cmon and
 * prometheus names) serve it on free ports, and every zone's answer is
 * checked against `cmon-sim kstat -p` and `cmon-sim zones` (the world's
 * own view, not values written here) and by `promtool check metrics`.
 * Then the HTTP contract: 400, 404, 405 with Allow, HEAD, OpenMetrics and
 * gzip negotiation, /metrics, POST /v1/refresh, over-long URLs, and a
 * zone destroyed under a churning world.
 *
 * usage: test_agent_e2e BIN_DIR PROMTOOL
 */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "listen.h"
#include "cmon_spawn.h"
#include "fetch.h"
#include "golden_vm.h"
#include "sbuf.h"
#include "testlib.h"

#define STOP_GRACE_MS 60000 /* a clean exit on SIGTERM is checked, not forced */

#define MAX_PROCS 8
#define NZONES 1000

typedef struct proc {
    spawn_t sp;
    FILE *out; /* the stream we wait on for the ready line */
    int is_agent;
    char env[128]; /* the CMON_SIM_WORLD=... it was given */
} proc_t;

/* The test's state, global so that the exit handler can clean up. */
static struct {
    proc_t procs[MAX_PROCS];
    int nprocs;
    char worlds[2][64];
    char vminfod[2][64]; /* each world's serve's vminfod, http://127.0.0.1:PORT */
    const char *bin;
    const char *promtool;
    int failures;
    int checks;
} t;

static void
check(int ok, const char *fmt, ...)
{
    t.checks++;
    if (ok)
        return;
    t.failures++;
    if (t.failures > 30)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void
cleanup(void)
{
    for (int i = 0; i < t.nprocs; i++) {
        spawn_stop(&t.procs[i].sp, STOP_GRACE_MS);
    }
    for (int i = 0; i < 2; i++)
        if (t.worlds[i][0] != '\0')
            unlink(t.worlds[i]);
}

static void
die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "test_agent_e2e: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/*
 * Starts argv with stdout (which_fd 1) or stderr (2) on a pipe; returns the
 * proc slot. env_kv (may be NULL) is added to the environment.
 */
static proc_t *
spawn(char *const argv[], int which_fd, const char *env_kv)
{
    proc_t *p = &t.procs[t.nprocs++];
    char *env[] = {p->env, NULL};
    spawn_io_t pipe = {.sio_kind = SPAWN_IO_PIPE};
    spawn_opts_t o = {.so_env = env_kv != NULL ? env : NULL};
    *(which_fd == 1 ? &o.so_stdout : &o.so_stderr) = pipe;
    snprintf(p->env, sizeof(p->env), "%s", env_kv != NULL ? env_kv : "");
    if (spawn_start(&p->sp, argv, &o) != 0)
        die("cannot run %s: %s", argv[0], strerror(errno));
    int *fd = which_fd == 1 ? &p->sp.sp_out : &p->sp.sp_err;
    fcntl(*fd, F_SETFL, 0); /* read with fgets: blocking */
    p->out = fdopen(*fd, "r");
    *fd = -1; /* p->out owns it */
    return p;
}

/* Reads lines from p until one contains needle; the line, or dies. */
static void
wait_line(proc_t *p, const char *needle, char *line, size_t len)
{
    while (fgets(line, (int)len, p->out) != NULL)
        if (strstr(line, needle) != NULL)
            return;
    die("process %d ended before printing \"%s\"", (int)p->sp.sp_pid, needle);
}

/* Runs a command and returns its stdout (malloc'd). */
static char *
run_capture(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    if (f == NULL)
        die("cannot run %s", cmd);
    sbuf_t sb = SBUF_INIT;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sbuf_add(&sb, buf, n);
    int st = pclose(f);
    if (st != 0)
        die("%s exited with %d", cmd, st);
    return sbuf_detach(&sb, NULL);
}

static char *
start_world(int idx, const char *extra)
{
    snprintf(t.worlds[idx], sizeof(t.worlds[idx]), "/dev/shm/cmon-test-XXXXXX");
    int fd = mkstemp(t.worlds[idx]);
    if (fd < 0)
        die("cannot mkstemp: %s", strerror(errno));
    close(fd);
    char sim[512], zones[16];
    snprintf(sim, sizeof(sim), "%s/cmon-sim", t.bin);
    snprintf(zones, sizeof(zones), "%d", idx == 0 ? NZONES : 200);
    char vaddr[32];
    snprintf(vaddr, sizeof(vaddr), "127.0.0.1:%d", cmon_listen_free_port());
    snprintf(t.vminfod[idx], sizeof(t.vminfod[idx]), "http://%s", vaddr);
    char *argv[18] = {sim,           "serve",  "--zones", zones,       "--world",
                      t.worlds[idx], "--seed", "11",      "--vminfod", vaddr};
    int a = 10;
    char *extra_copy = strdup(extra);
    for (char *tok = strtok(extra_copy, " "); tok != NULL && a < 17; tok = strtok(NULL, " "))
        argv[a++] = tok;
    argv[a] = NULL;
    proc_t *p = spawn(argv, 1, NULL);
    char line[512];
    wait_line(p, t.worlds[idx], line, sizeof(line));
    free(extra_copy);
    return t.worlds[idx];
}

/* Starts an agent on a free port for world; returns the port. */
static unsigned
start_agent(const char *world, const char *names, const char *ttl)
{
    char agent[512], env[128];
    snprintf(agent, sizeof(agent), "%s/cmon-agent", t.bin);
    snprintf(env, sizeof(env), "CMON_SIM_WORLD=%s", world);
    const char *vminfod = strcmp(world, t.worlds[1]) == 0 ? t.vminfod[1] : t.vminfod[0];
    char *argv[] = {
        agent,         "--listen",  "127.0.0.1:0",   "--cache-ttl", (char *)ttl, "--metric-names",
        (char *)names, "--vminfod", (char *)vminfod, NULL};
    proc_t *p = spawn(argv, 2, env);
    p->is_agent = 1;
    char line[512];
    wait_line(p, "listening on 127.0.0.1:", line, sizeof(line));
    unsigned port = (unsigned)strtoul(strstr(line, "127.0.0.1:") + 10, NULL, 10);
    if (port == 0)
        die("no port in \"%s\"", line);
    return port;
}

/* ---- HTTP ------------------------------------------------------------ */

/* A response: status, body and header lines (common/fetch). */
typedef struct fetch_resp resp_t;

/* method path on the agent at port, with Accept: accept and Accept-Encoding:
 * encoding when not NULL, over the keep-alive handle c. A failed request
 * leaves status 0 and says why on stderr. */
static void
http(fetch_t *c, unsigned port, const char *method, const char *path, const char *accept,
     const char *encoding, resp_t *r)
{
    char url[4200], hdr[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
    snprintf(hdr, sizeof(hdr), "Accept: %s", accept ? accept : "");
    const char *headers[] = {hdr, NULL};
    struct fetch_req q = {.rq_url = url,
                          .rq_method = method,
                          .rq_headers = accept ? headers : NULL,
                          .rq_accept_encoding = encoding,
                          .rq_timeout_s = 30};
    if (fetch_perform(c, &q, r) != 0)
        fprintf(stderr, "%s\n", r->rs_error);
}

/* ---- the world's truth -------------------------------------------------- */

typedef struct zone {
    char uuid[64];
    char brand[32];
    int zid; /* -1 not running */
} zone_t;

static struct hsearch_data truth;

/* Loads `cmon-sim kstat -p` lines "m:i:n:s\tvalue" into the truth table. */
static char *
load_truth(const char *world)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s/cmon-sim kstat -p -w %s", t.bin, world);
    char *text = run_capture(cmd);
    size_t lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    if (hcreate_r(lines * 2 + 1024, &truth) == 0)
        die("cannot hcreate");
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        if (tab == NULL)
            continue;
        *tab = '\0';
        ENTRY e = {line, tab + 1}, *ep;
        hsearch_r(e, ENTER, &ep, &truth);
    }
    return text; /* keys and values point into it */
}

static const char *
truth_get(const char *fmt, ...)
{
    char key[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof(key), fmt, ap);
    va_end(ap);
    ENTRY e = {key, NULL}, *ep = NULL;
    if (hsearch_r(e, FIND, &ep, &truth) == 0 || ep == NULL)
        return NULL;
    return ep->data;
}

/* Parses `cmon-sim zones` (zoneadm list -p: zoneid:name:state:path:uuid:brand:ip). */
static int
load_zones(const char *world, zone_t *zones, int max)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s/cmon-sim zones -w %s", t.bin, world);
    char *text = run_capture(cmd);
    int n = 0;
    char *save;
    for (char *line = strtok_r(text, "\n", &save); line != NULL && n < max;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[8] = {0};
        int nf = 0;
        for (char *p = line; nf < 8; nf++) {
            f[nf] = p;
            p = strchr(p, ':');
            if (p == NULL) {
                nf++;
                break;
            }
            *p++ = '\0';
        }
        if (nf < 6 || strcmp(f[1], "global") == 0)
            continue;
        zone_t *z = &zones[n++];
        snprintf(z->uuid, sizeof(z->uuid), "%s", f[1]);
        snprintf(z->brand, sizeof(z->brand), "%s", f[5]);
        z->zid = strcmp(f[0], "-") == 0 ? -1 : atoi(f[0]);
    }
    free(text);
    return n;
}

/* ---- checking one body --------------------------------------------------- */

/* cmon name, module, stat: the metric table as the design states it. */
static const struct {
    const char *name, *module, *stat;
} expect_rows[] = {
    {"cpu_user_usage", "zones", "nsec_user"},
    {"cpu_sys_usage", "zones", "nsec_sys"},
    {"cpu_wait_time", "zones", "nsec_waitrq"},
    {"mem_agg_usage", "memory_cap", "rss"},
    {"mem_limit", "memory_cap", "physcap"},
    {"mem_swap", "memory_cap", "swap"},
    {"mem_swap_limit", "memory_cap", "swapcap"},
    {"mem_anon_alloc_fail", "memory_cap", "anon_alloc_fail"},
    {"cpucap_cur_usage_percentage", "caps", "usage"},
    {"cpucap_limit_percentage", "caps", "value"},
    {"cpucap_baseline_percentage", "caps", "baseline"},
    {"cpucap_max_usage_percentage", "caps", "maxusage"},
    {"cpucap_waiting_threads_count", "caps", "nwait"},
    {"cpucap_above_seconds_total", "caps", "above_sec"},
    {"cpucap_below_seconds_total", "caps", "below_sec"},
    {"cpucap_above_base_seconds_total", "caps", "above_base_sec"},
    {"cpucap_burst_limit_seconds", "caps", "burst_limit_sec"},
    {"cpucap_effective_percentage", "caps", "effective"},
    {"vfs_bytes_read_count", "zone_vfs", "nread"},
    {"vfs_bytes_written_count", "zone_vfs", "nwritten"},
    {"vfs_read_operation_count", "zone_vfs", "reads"},
    {"vfs_write_operation_count", "zone_vfs", "writes"},
    {"vfs_wait_time_count", "zone_vfs", "wtime"},
    {"vfs_wait_length_time_count", "zone_vfs", "wlentime"},
    {"vfs_run_time_count", "zone_vfs", "rtime"},
    {"vfs_run_length_time_count", "zone_vfs", "rlentime"},
    {"vfs_elements_wait_state", "zone_vfs", "wcnt"},
    {"vfs_elements_run_state", "zone_vfs", "rcnt"},
    {"tcp_failed_connection_attempt_count", "tcp", "attemptFails"},
    {"tcp_retransmitted_segment_count", "tcp", "retransSegs"},
    {"tcp_duplicate_ack_count", "tcp", "inDupAck"},
    {"tcp_listen_drop_count", "tcp", "listenDrop"},
    {"tcp_listen_drop_Qzero_count", "tcp", "listenDropQ0"},
    {"tcp_half_open_drop_count", "tcp", "halfOpenDrop"},
    {"tcp_retransmit_timeout_drop_count", "tcp", "timRetransDrop"},
    {"tcp_active_open_count", "tcp", "activeOpens"},
    {"tcp_passive_open_count", "tcp", "passiveOpens"},
    {"tcp_current_established_connections_total", "tcp", "currEstab"},
};

/* The kstat name of a zone's kstat of module (the zonename cut to 30). */
static void
kname_of(const zone_t *z, const char *module, char *buf, size_t len)
{
    if (strcmp(module, "caps") == 0)
        snprintf(buf, len, "cpucaps_zone_%d", z->zid);
    else if (strcmp(module, "tcp") == 0)
        snprintf(buf, len, "tcp");
    else
        snprintf(buf, len, "%.30s", z->uuid);
}

/* The labels vminfod gives NIC ifname of zone uuid ("" when absent): the
 * record fetched from the world's vminfod, as the agent reads it. 1 when
 * the record has that NIC. */
static int
nic_labels(const char *uuid, const char *ifname, char *tag, char *net, size_t len)
{
    char url[256];
    snprintf(url, sizeof(url), "%.64s/vms/%.64s", t.vminfod[0], uuid);
    struct fetch_req rq = {.rq_url = url, .rq_timeout_s = 5};
    struct fetch_resp rs = {0};
    int found = 0;
    tag[0] = net[0] = '\0';
    if (fetch_once(&rq, &rs) == 0 && rs.rs_status == 200) {
        json_t *j = json_loads(rs.rs_body, 0, NULL), *n;
        size_t i;
        json_array_foreach(json_object_get(j, "nics"), i, n)
        {
            if (found || strcmp(json_string_value(json_object_get(n, "interface")), ifname) != 0)
                continue;
            found = 1;
            snprintf(tag, len, "%s", json_string_value(json_object_get(n, "nic_tag")));
            snprintf(net, len, "%s", json_string_value(json_object_get(n, "network_uuid")));
        }
        json_decref(j);
    }
    fetch_resp_release(&rs);
    return found;
}

/* Checks the link samples against the world and its vminfod: interface
 * vnic<n>, the NIC's nic_tag and network_uuid; returns how many were expected. */
static int
check_links(const zone_t *z, const char *body)
{
    int expected = 0;
    static const char *const lstats[][2] = {{"net_agg_bytes_in", "rbytes64"},
                                            {"net_agg_bytes_out", "obytes64"},
                                            {"net_agg_packets_in", "ipackets64"},
                                            {"net_agg_packets_out", "opackets64"}};
    for (int nic = 0; nic < 8; nic++) {
        char kname[64], ifname[16], tag[64], net[64];
        snprintf(kname, sizeof(kname), "z%d_net%d", z->zid, nic);
        snprintf(ifname, sizeof(ifname), "net%d", nic);
        const char *zn = truth_get("link:0:%s:zonename", kname);
        if (zn == NULL)
            continue;
        check(nic_labels(z->uuid, ifname, tag, net, sizeof(tag)), "%s: vminfod lists %s", z->uuid,
              ifname);
        for (int i = 0; i < 4; i++) {
            char series[320], got[64];
            snprintf(series, sizeof(series),
                     "%s{interface=\"vnic%d\",nic_tag=\"%s\",network_uuid=\"%s\"}", lstats[i][0],
                     nic, tag, net);
            const char *want = truth_get("link:0:%s:%s", kname, lstats[i][1]);
            const char *g = testlib_sample_text(body, series, got, sizeof(got));
            check(want != NULL && g != NULL && strcmp(g, want) == 0, "%s %s: got %s want %s",
                  z->uuid, series, g ? g : "-", want ? want : "-");
            expected++;
        }
    }
    return expected;
}

/* Checks one zone's cmon-named text body against the world's kstats. */
static void
check_body(const zone_t *z, const char *body)
{
    int expected = 0;
    char got[64];
    for (size_t i = 0; i < sizeof(expect_rows) / sizeof(expect_rows[0]); i++) {
        char kname[64];
        kname_of(z, expect_rows[i].module, kname, sizeof(kname));
        const char *want =
            truth_get("%s:%d:%s:%s", expect_rows[i].module, z->zid, kname, expect_rows[i].stat);
        if (want != NULL && strncmp(expect_rows[i].name, "mem_", 4) == 0 &&
            strstr(expect_rows[i].name, "limit") != NULL &&
            (strcmp(want, "0") == 0 || strcmp(want, "18446744073709551615") == 0))
            want = NULL; /* no memory cap: no limit served */
        const char *g = testlib_sample_text(body, expect_rows[i].name, got, sizeof(got));
        check((want == NULL && g == NULL) || (want != NULL && g != NULL && !strcmp(want, g)),
              "%s %s: got %s want %s", z->uuid, expect_rows[i].name, g ? g : "-",
              want ? want : "-");
        expected += want != NULL;
    }
    const char *avg = truth_get("zones:%d:%.30s:avenrun_1min", z->zid, z->uuid);
    const char *g = testlib_sample_text(body, "load_average", got, sizeof(got));
    check(avg != NULL && g != NULL && strtod(g, NULL) == strtod(avg, NULL) / 256,
          "%s load_average: got %s want %s/256", z->uuid, g ? g : "-", avg ? avg : "-");
    expected += 1 + check_links(z, body);
    expected += 1 + 7 * 3; /* time_of_day, meta metrics of 7 collectors */
    expected += 11 + 3; /* zfs: 11 dataset gauges and its meta metrics (test_gz_e2e checks them) */
    int got_n = (int)testlib_count_samples(body);
    check(got_n == expected, "%s: %d samples, want %d", z->uuid, got_n, expected);
    /* every collector available, but cpucap of an uncapped zone (no cpucaps kstat) */
    int capped = truth_get("caps:%d:cpucaps_zone_%d:value", z->zid, z->zid) != NULL;
    const char *cav =
        testlib_sample_text(body, "cpucap_metrics_available_boolean", got, sizeof(got));
    check(cav != NULL && strcmp(cav, capped ? "1" : "0") == 0,
          "%s: cpucap_metrics_available_boolean %s for a%s zone", z->uuid, cav ? cav : "-",
          capped ? " capped" : "n uncapped");
    int unavailable = 0;
    for (const char *p = body; (p = strstr(p, "_metrics_available_boolean 0")) != NULL; p++)
        unavailable++;
    check(unavailable == !capped, "%s: %d collectors unavailable", z->uuid, unavailable);
    const char *zn = truth_get("zones:%d:%.30s:zonename", z->zid, z->uuid);
    check(zn != NULL && strcmp(zn, z->uuid) == 0, "%s: zonename stat %s", z->uuid, zn ? zn : "-");
}

/*
 * Runs promtool check metrics on body. strict: 1 when it says nothing and
 * exits 0. Not strict (cmon-agent's names break naming conventions on
 * purpose): 1 when it found no parse error, only convention (lint) notes.
 */
static int
promtool_check(const char *body, int strict)
{
    char out[4096];
    int st = testlib_promtool(t.promtool, body, out, sizeof(out));
    int parsed = (st == 0 || st == 3) && strstr(out, "error") == NULL; /* 3: lint notes only */
    int ok = strict ? st == 0 && out[0] == '\0' : parsed;
    if (!ok)
        fprintf(stderr, "promtool (exit %d): %s\n", st, out);
    return ok;
}

/*
 * Runs the project's own validator, cmon-conform, on body when it is built
 * (BIN_DIR/cmon-conform): 1 when valid or when there is no validator.
 */
static int
conform_ok(const char *body, const char *format)
{
    char conform[512];
    snprintf(conform, sizeof(conform), "%s/cmon-conform", t.bin);
    if (access(conform, X_OK) != 0)
        return 1;
    char tmp[] = "/tmp/cmon-test-conform-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0)
        die("cannot mkstemp: %s", strerror(errno));
    if (write(fd, body, strlen(body)) != (ssize_t)strlen(body))
        die("cannot write %s", tmp);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s --format %s %s >&2", conform, format, tmp);
    int st = system(cmd);
    unlink(tmp);
    return st == 0;
}

/* ---- the checks ------------------------------------------------------------ */

static void
check_every_zone(fetch_t *c, unsigned port, unsigned pport, const zone_t *zones, int nz)
{
    resp_t r = {0}, rp = {0};
    int scraped = 0, promchecked = 0;
    for (int i = 0; i < nz; i++) {
        if (zones[i].zid < 0)
            continue;
        char path[128];
        snprintf(path, sizeof(path), "/v1/%.63s/metrics", zones[i].uuid);
        http(c, port, "GET", path, NULL, NULL, &r);
        check(r.rs_status == 200, "%s: status %ld", path, r.rs_status);
        if (r.rs_status == 200)
            check_body(&zones[i], r.rs_body);
        if (r.rs_status == 200 && i % 50 == 0)
            check(promtool_check(r.rs_body, 0), "%s: promtool found an error", path);
        scraped++;
        http(c, pport, "GET", path, NULL, NULL, &rp);
        check(rp.rs_status == 200, "%s (prometheus names): status %ld", path, rp.rs_status);
        if (i % 20 == 0) {
            check(promtool_check(rp.rs_body, 1), "%s: promtool not clean", path);
            promchecked++;
        }
    }
    check(scraped >= NZONES * 9 / 10, "only %d zones running", scraped);
    printf("scraped %d zones twice, %d through promtool\n", scraped, promchecked);
    fetch_resp_release(&r);
    fetch_resp_release(&rp);
}

/* ---- the original's families (golden lists from the reference) ----------- */

/* The per-instance collectors with a golden list in golden_vm.h. */
static const struct {
    const char *p;
    const golden_family_t *g;
    const size_t *n;
} vm_golden[] = {
    {"time", golden_time, &golden_ntime},
    {"memcap", golden_memcap, &golden_nmemcap},
    {"tcp", golden_tcp, &golden_ntcp},
    {"zone_misc", golden_zone_misc, &golden_nzone_misc},
    {"zone_vfs", golden_zone_vfs, &golden_nzone_vfs},
};

/* 1 when the zone's memory_cap stat is "no cap" (0 or 2^64-1): no family served (D5). */
static int
no_cap(const zone_t *z, const char *stat)
{
    const char *v = truth_get("memory_cap:%d:%.30s:%s", z->zid, z->uuid, stat);
    return v != NULL && (strcmp(v, "0") == 0 || strcmp(v, "18446744073709551615") == 0);
}

/* Checks collectors vm_golden[from..to) of body against their golden lists. */
static void
check_golden_body(const char *body, golden_format_t fmt, const char *what, size_t from, size_t to,
                  const char *const *skip)
{
    golden_family_t want[16];
    char why[512];
    for (size_t i = from; i < to; i++) {
        size_t n = golden_vm_expected(vm_golden[i].g, *vm_golden[i].n, skip, want);
        int rc = golden_vm_check(body, fmt, vm_golden[i].p, want, n, why, sizeof(why));
        check(rc == 0, "%s (%s): %s families as the original's: %s", what,
              fmt == GOLDEN_TEXT ? "text" : "OpenMetrics", vm_golden[i].p, why);
    }
}

/*
 * The real agent's answer, in text 0.0.4 and in OpenMetrics, for the first
 * 20 running zones, every zone without a memory or swap cap (the world may
 * have none: test_collectors has one) and the gz endpoint (time):
 * zone_misc, memcap, zone_vfs, tcp and time as the reference's tables say,
 * but for our fixes (golden_vm_changes, D5's absent limits).
 */
static void
check_golden(fetch_t *c, unsigned port, const zone_t *zones, int nz)
{
    static const char om[] = "application/openmetrics-text; version=1.0.0";
    resp_t r = {0};
    int done = 0, capped = 0;
    for (int i = 0; i < nz; i++) {
        if (zones[i].zid < 0)
            continue;
        const char *skip[3] = {NULL, NULL, NULL};
        int k = 0;
        if (no_cap(&zones[i], "physcap"))
            skip[k++] = "mem_limit";
        if (no_cap(&zones[i], "swapcap"))
            skip[k++] = "mem_swap_limit";
        if (done >= 20 && k == 0)
            continue; /* past the first 20, only zones without a cap */
        capped += k == 0;
        char path[128];
        snprintf(path, sizeof(path), "/v1/%.63s/metrics", zones[i].uuid);
        for (int f = 0; f < 2; f++) {
            http(c, port, "GET", path, f ? om : NULL, NULL, &r);
            check(r.rs_status == 200, "%s: status %ld", path, r.rs_status);
            if (r.rs_status == 200)
                check_golden_body(r.rs_body, f ? GOLDEN_OPENMETRICS : GOLDEN_TEXT, path, 0,
                                  sizeof(vm_golden) / sizeof(vm_golden[0]), skip);
        }
        done++;
    }
    check(done >= 20 && capped >= 20, "golden lists checked on %d zones, %d with both memory caps",
          done, capped);
    printf("golden lists: %d zones, %d without a memory or swap cap\n", done, done - capped);
    for (int f = 0; f < 2; f++) {
        http(c, port, "GET", "/v1/gz/metrics", f ? om : NULL, NULL, &r);
        check(r.rs_status == 200, "/v1/gz/metrics: status %ld", r.rs_status);
        if (r.rs_status == 200)
            check_golden_body(r.rs_body, f ? GOLDEN_OPENMETRICS : GOLDEN_TEXT, "/v1/gz/metrics", 0,
                              1, NULL);
    }
    fetch_resp_release(&r);
}

static int
has_header(const resp_t *r, const char *h)
{
    return strcasestr(r->rs_headers, h) != NULL;
}

/*
 * Prometheus 2.42's default scrape Accept prefers OpenMetrics but allows
 * text 0.0.4: the cmon-named agent answers text (OpenMetrics would store
 * cpu_user_usage as cpu_user_usage_total), the prometheus-named one
 * OpenMetrics; both say Vary: Accept.
 */
static void
check_prometheus_accept(fetch_t *c, unsigned port, unsigned pport, const zone_t *zones, int nz)
{
    char path[128] = "/v1/none/metrics";
    for (int i = 0; i < nz; i++)
        if (zones[i].zid >= 0) { /* the first running zone */
            snprintf(path, sizeof(path), "/v1/%.63s/metrics", zones[i].uuid);
            break;
        }
    static const char prom_accept[] =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
        "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    resp_t r = {0};
    http(c, port, "GET", path, prom_accept, NULL, &r);
    check(r.rs_status == 200 && has_header(&r, "Content-Type: text/plain; version=0.0.4") &&
              has_header(&r, "Vary: Accept") && strstr(r.rs_body, "\ncpu_user_usage ") != NULL &&
              strstr(r.rs_body, "cpu_user_usage_total") == NULL,
          "Prometheus' Accept, cmon names: want text with cpu_user_usage (%ld)", r.rs_status);
    http(c, pport, "GET", path, prom_accept, NULL, &r);
    check(r.rs_status == 200 &&
              has_header(&r, "Content-Type: application/openmetrics-text; version=1.0.0") &&
              has_header(&r, "Vary: Accept") &&
              strstr(r.rs_body, "\ncpu_user_seconds_total ") != NULL,
          "Prometheus' Accept, prometheus names: want OpenMetrics (%ld)", r.rs_status);
    fetch_resp_release(&r);
}

static void
check_http_contract(fetch_t *c, unsigned port, const zone_t *zones, int nz)
{
    resp_t r = {0};
    const zone_t *z = NULL, *halted = NULL;
    for (int i = 0; i < nz; i++) {
        if (zones[i].zid >= 0 && z == NULL)
            z = &zones[i];
        if (zones[i].zid < 0 && halted == NULL)
            halted = &zones[i];
    }
    char path[256];
    snprintf(path, sizeof(path), "/v1/%s/metrics", z->uuid);
    http(c, port, "GET", "/v1/not-a-uuid/metrics", NULL, NULL, &r);
    check(r.rs_status == 400, "not a uuid: %ld", r.rs_status);
    http(c, port, "GET", "/v1/ffffffff-ffff-4fff-8fff-ffffffffffff/metrics", NULL, NULL, &r);
    check(r.rs_status == 404 && strstr(r.rs_body, "container not found"), "unknown: %ld",
          r.rs_status);
    if (halted != NULL) {
        char hp[256];
        snprintf(hp, sizeof(hp), "/v1/%s/metrics", halted->uuid);
        http(c, port, "GET", hp, NULL, NULL, &r);
        check(r.rs_status == 404, "halted zone: %ld", r.rs_status);
    }
    http(c, port, "POST", path, NULL, NULL, &r);
    check(r.rs_status == 405 && has_header(&r, "Allow: GET, HEAD"), "POST metrics: %ld",
          r.rs_status);
    http(c, port, "DELETE", "/v1/refresh", NULL, NULL, &r);
    check(r.rs_status == 405 && has_header(&r, "Allow: POST"), "DELETE refresh: %ld", r.rs_status);
    http(c, port, "POST", "/v1/refresh", NULL, NULL, &r);
    check(r.rs_status == 200, "refresh: %ld", r.rs_status);
    http(c, port, "GET", "/nope", NULL, NULL, &r);
    check(r.rs_status == 404, "unknown path: %ld", r.rs_status);
    http(c, port, "HEAD", path, NULL, NULL, &r);
    check(r.rs_status == 200 && r.rs_len == 0 && has_header(&r, "text/plain; version=0.0.4"),
          "HEAD: %ld", r.rs_status);
    http(c, port, "GET", path, "application/openmetrics-text; version=1.0.0", NULL, &r);
    size_t bl = r.rs_len;
    check(r.rs_status == 200 && has_header(&r, "application/openmetrics-text; version=1.0.0") &&
              bl > 6 && strcmp(r.rs_body + bl - 6, "# EOF\n") == 0 &&
              strstr(r.rs_body, "\ncpu_user_usage_total ") != NULL &&
              conform_ok(r.rs_body, "openmetrics"),
          "openmetrics: %ld", r.rs_status);
    http(c, port, "GET", path, NULL, NULL, &r);
    check(r.rs_status == 200 && conform_ok(r.rs_body, "text"), "text: cmon-conform says invalid");
    http(c, port, "GET", path, NULL, "gzip", &r);
    check(r.rs_status == 200 && has_header(&r, "Content-Encoding: gzip") &&
              strstr(r.rs_body, "# TYPE cpu_user_usage counter") != NULL,
          "gzip: %ld", r.rs_status);
    http(c, port, "GET", path, NULL, "gzip;q=0, identity", &r);
    check(r.rs_status == 200 && !has_header(&r, "Content-Encoding: gzip"), "gzip refused: %ld",
          r.rs_status);
    char longp[4100] = "/v1/";
    memset(longp + 4, 'a', 4000);
    strcpy(longp + 4004, "/metrics");
    http(c, port, "GET", longp, NULL, NULL, &r);
    check(r.rs_status == 414 || r.rs_status == 400, "long url: %ld", r.rs_status);
    http(c, port, "GET", "/metrics", NULL, NULL, &r);
    check(r.rs_status == 200 && strstr(r.rs_body, "cmon_agent_http_requests_total{code=\"404\"}") &&
              strstr(r.rs_body, "cmon_agent_scrape_duration_seconds_bucket") &&
              promtool_check(r.rs_body, 1),
          "/metrics: %ld", r.rs_status);
    fetch_resp_release(&r);
}

/* Sends raw bytes on a new connection; the status code of the answer, or 0. */
static int
raw_status(unsigned port, const char *req)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int code = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
        char buf[64] = "";
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n > 12 && strncmp(buf, "HTTP/1.", 7) == 0)
            code = atoi(buf + 9);
    }
    close(fd);
    return code;
}

/* Hostile requests get their status; a thousand idle clients hold up no one. */
static void
check_hostile(fetch_t *c, unsigned port, const char *path)
{
    check(raw_status(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n") == 400,
          "malformed header: not 400");
    check(raw_status(port, "BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n") == 405,
          "unknown method: not 405");
    check(raw_status(port, "GET /metrics HTTP/7.0\r\nHost: x\r\n\r\n") == 505,
          "bad version: not 505");
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    int want = rl.rlim_cur > 1300 ? 1000 : (int)rl.rlim_cur / 2;
    int *fds = calloc((size_t)want, sizeof(int)), n = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (; n < want; n++) {
        fds[n] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[n] < 0 || connect(fds[n], (struct sockaddr *)&sa, sizeof(sa)) != 0)
            break;
        if (n % 2 == 0 && write(fds[n], "GET /metr", 9) != 9) /* half a request, then silence */
            break;
    }
    resp_t r = {0};
    int ok = 0;
    for (int i = 0; i < 20; i++) {
        http(c, port, "GET", path, NULL, NULL, &r);
        ok += r.rs_status == 200;
    }
    check(n == want && ok == 20, "%d of %d idle connections made, %d of 20 scrapes answered", n,
          want, ok);
    printf("%d idle connections open, 20 scrapes answered: %d\n", n, ok);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    free(fds);
    fetch_resp_release(&r);
}

/* Under churn, a zone that is gone answers 404, never anything but 200/404. */
static void
check_churn(fetch_t *c)
{
    const char *world = start_world(1, "--churn 200 --tick 10");
    unsigned port = start_agent(world, "cmon", "10"); /* with the cache */
    static zone_t before[400];
    int nb = load_zones(world, before, 400);
    resp_t r = {0};
    int n404 = 0, bad = 0;
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL);
    for (int i = 0; i < nb; i++) {
        if (before[i].zid < 0)
            continue;
        char path[128];
        snprintf(path, sizeof(path), "/v1/%.63s/metrics", before[i].uuid);
        http(c, port, "GET", path, NULL, NULL, &r);
        n404 += r.rs_status == 404;
        bad += r.rs_status != 200 && r.rs_status != 404;
    }
    check(bad == 0, "churn: %d answers neither 200 nor 404", bad);
    /* the cache answers the second scrape of a zone that is still there */
    int cached = 0;
    for (int i = 0; i < nb && cached == 0; i++) {
        char path[128];
        snprintf(path, sizeof(path), "/v1/%.63s/metrics", before[i].uuid);
        http(c, port, "GET", path, NULL, NULL, &r);
        if (r.rs_status != 200)
            continue;
        http(c, port, "GET", path, NULL, NULL, &r);
        cached = r.rs_status == 200 && strstr(r.rs_body, "zone_misc_metrics_cached_boolean 1");
    }
    check(cached, "churn: no second scrape came from the cache");
    check(n404 > 0, "churn: no destroyed zone answered 404 (of %d)", nb);
    printf("churn: %d of %d zones gone (404)\n", n404, nb);
    fetch_resp_release(&r);
}

/* Flags: --help lists every flag, a bad one exits 2 with one line. */
static void
check_cli(void)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "%s/cmon-agent --help", t.bin);
    char *help = run_capture(cmd);
    static const char *const flags[] = {"--listen",       "--cache-ttl",     "--metric-names",
                                        "--threads",      "--kstat-handles", "--max-connections",
                                        "--idle-timeout", "--log-level",     "--help"};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        check(strstr(help, flags[i]) != NULL, "--help does not mention %s", flags[i]);
    free(help);
    static const char *const bad[] = {"--bogus", "--cache-ttl=abc", "--metric-names=x",
                                      "--listen=nowhere", "extra"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(cmd, sizeof(cmd), "%s/cmon-agent %s 2>&1", t.bin, bad[i]);
        FILE *f = popen(cmd, "r");
        char out[512] = "";
        size_t n = fread(out, 1, sizeof(out) - 1, f);
        out[n] = '\0';
        int st = pclose(f);
        int lines = 0;
        for (char *p = out; *p; p++)
            lines += *p == '\n';
        /* one line naming the problem, then the pointer to --help */
        check(WIFEXITED(st) && WEXITSTATUS(st) == 2 && lines == 2 &&
                  strncmp(out, "cmon-agent: ", 12) == 0 &&
                  strstr(out, "\nTry 'cmon-agent --help'.\n") != NULL,
              "cmon-agent %s: exit %d, %d lines: %s", bad[i], WEXITSTATUS(st), lines, out);
    }
}

/* SIGTERM: every agent exits 0. */
static void
check_clean_exit(void)
{
    for (int i = 0; i < t.nprocs; i++) {
        if (t.procs[i].sp.sp_pid <= 0 || !t.procs[i].is_agent)
            continue;
        pid_t pid = t.procs[i].sp.sp_pid;
        int st = spawn_stop(&t.procs[i].sp, STOP_GRACE_MS);
        check(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "agent %d: not a clean exit on SIGTERM", (int)pid);
    }
}

int
main(int argc, char **argv)
{
    if (argc != 3)
        die("usage: test_agent_e2e BIN_DIR PROMTOOL");
    t.bin = argv[1];
    t.promtool = argv[2];
    atexit(cleanup);
    signal(SIGPIPE, SIG_IGN);
    const char *world = start_world(0, "--tick 0");
    unsigned port = start_agent(world, "cmon", "0");
    unsigned pport = start_agent(world, "prometheus", "0");
    static zone_t zones[NZONES + 16];
    int nz = load_zones(world, zones, NZONES + 16);
    char *text = load_truth(world);
    fetch_t *c = fetch_new();
    if (c == NULL)
        die("cannot set up libcurl");
    check_every_zone(c, port, pport, zones, nz);
    check_http_contract(c, port, zones, nz);
    check_golden(c, port, zones, nz);
    char first[128];
    snprintf(first, sizeof(first), "/v1/%.63s/metrics", zones[0].uuid);
    check_hostile(c, port, first);
    check_prometheus_accept(c, port, pport, zones, nz);
    check_churn(c);
    check_cli();
    check_clean_exit();
    fetch_free(c);
    hdestroy_r(&truth);
    free(text);
    printf("%d checks, %d failed\n", t.checks, t.failures);
    return t.failures == 0 ? 0 : 1;
}
