/*
 * serve_cns.c - many compute nodes on one machine.
 *
 * The orchestrator only starts, watches and stops processes: node i is a
 * `cmon-sim serve --world PREFIX.cn<i>` (this same binary) and a `cmon-agent
 * --listen 127.0.0.1:0` with CMON_SIM_WORLD naming that world. The serve
 * prints its world path when the world is ready; the agent logs the port it
 * bound ("listening on ADDR:PORT"), so no port is guessed and none can be
 * taken by someone else in between. Every child gets PR_SET_PDEATHSIG, so
 * nothing outlives the orchestrator even if it is SIGKILLed. Children's
 * stderr is passed on, line by line, prefixed with the node.
 */
#include "listen.h"
#include "serve_cns.h"
#include "serve_core.h"
#include "serve_dc.h"
#include "serve_proc.h"
#include "world.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cli.h"
#include "cmon_spawn.h"
#include "monotime.h"

#define CNS_MAX 64
#define ARGS_MAX 64
#define READY_TIMEOUT_S 120

/* Set by SIGTERM/SIGINT; the main loop polls it (a signal flag). */
static volatile sig_atomic_t cns_stop;

typedef struct cns_node {
    char cn_world[PATH_MAX];
    char cn_target[64];  /* host:port of its agent */
    char cn_vminfod[32]; /* ADDR:PORT of its serve's vminfod, a port of its own */
    cns_proc_t cn_serve, cn_agent;
} cns_node_t;

typedef struct cns_opts {
    unsigned co_cns;
    char co_prefix[PATH_MAX - 16];
    char co_config[PATH_MAX];
    char co_agent[PATH_MAX];
    char co_ntpq[PATH_MAX]; /* the fake ntpq beside the fake libraries: every agent's --ntpq */
    double co_interval;
    long long co_seed;
    int co_has_seed;
    char *co_fwd[ARGS_MAX]; /* flags for each node's serve */
    int co_nfwd;
    char *co_agent_args[ARGS_MAX];
    int co_nagent_args;
    dc_opts_t co_dc;           /* the Triton side: serve_dc.h */
    const char *co_core_zones; /* --core-zones N: cn0's, the head node's */
} cns_opts_t;

int
serve_cns_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--cns") == 0 || strncmp(argv[i], "--cns=", 6) == 0)
            return 1;
    return 0;
}

static void
cns_on_signal(int sig)
{
    (void)sig;
    cns_stop = 1;
}

/* ---- options -------------------------------------------------------- */

static int
cns_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "cmon-sim serve: --cns: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    fprintf(stderr, "Try 'cmon-sim serve --help'.\n");
    return -1;
}

static int
cns_fwd(cns_opts_t *o, const char *flag, const char *val)
{
    if (o->co_nfwd + 2 > ARGS_MAX)
        return cns_usage("too many flags", NULL);
    o->co_fwd[o->co_nfwd++] = (char *)flag;
    o->co_fwd[o->co_nfwd++] = (char *)val;
    return 0;
}

/* Beside this program: cmon-agent, and the node's ntpq in ../lib/cmon-sim (build and install
 * alike). */
static void
cns_default_agent(char *out, size_t len, char *ntpq, size_t nlen)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        snprintf(out, len, "cmon-agent");
        snprintf(ntpq, nlen, "ntpq");
        return;
    }
    self[n] = '\0';
    char *dir = dirname(self);
    snprintf(out, len, "%s/cmon-agent", dir);
    snprintf(ntpq, nlen, "%s/../lib/cmon-sim/ntpq", dir);
}

/* 1 when s is a DNS name: dot-separated labels of [A-Za-z0-9-], 1 to 200 characters. */
static int
cns_suffix_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 200 || s[0] == '.' || s[n - 1] == '.' || strstr(s, "..") != NULL)
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n;
}

static int
cns_dc_opt(dc_opts_t *d, int c, const char *arg)
{
    unsigned p;
    switch (c) {
    case 'U':
        d->do_accounts = arg;
        return 0;
    case 'P':
        d->do_cplane = arg;
        return 0;
    case 'T':
        d->do_tls_dir = arg;
        return 0;
    case 'D':
        d->do_suffix = arg;
        return cns_suffix_ok(arg) ? 0 : cns_usage("bad --dns-suffix (want a DNS name):", arg);
    case 'H':
        d->do_hosts = arg;
        return 0;
    case 'L':
        d->do_account = arg;
        return 0;
    case 'G':
        d->do_prom_dir = arg;
        return 0;
    case 'X':
        d->do_proxy = arg;
        return 0;
    case 'N':
        if (cmon_parse_unsigned(arg, 1, DC_PROXIES_MAX, &p, NULL, 0) != 0)
            return cns_usage("bad --proxies (want 1 to 16):", arg);
        d->do_proxies = p;
        return 0;
    case 'B':
        d->do_proxy_bin = arg;
        return 0;
    default:
        return cns_usage("unknown flag", NULL);
    }
}

static int
cns_opt(cns_opts_t *o, int c, const char *arg)
{
    uint64_t seed;
    unsigned n;
    switch (c) {
    case 'K':
        if (cmon_parse_unsigned(arg, 1, CNS_MAX, &o->co_cns, NULL, 0) != 0)
            return cns_usage("bad --cns (want 1 to 64):", arg);
        return 0;
    case 'w':
        snprintf(o->co_prefix, sizeof(o->co_prefix), "%s", arg);
        return 0;
    case 'p':
        snprintf(o->co_config, sizeof(o->co_config), "%s", arg);
        return 0;
    case 'a':
        snprintf(o->co_agent, sizeof(o->co_agent), "%s", arg);
        return 0;
    case 'i':
        if (cmon_parse_double(arg, 0.1, 3600, &o->co_interval, NULL, 0) != 0)
            return cns_usage("bad --scrape-interval (want seconds):", arg);
        return 0;
    case 'A':
        if (o->co_nagent_args + 1 >= ARGS_MAX)
            return cns_usage("too many --agent-arg", NULL);
        o->co_agent_args[o->co_nagent_args++] = (char *)arg;
        return 0;
    case 's':
        if (cmon_parse_u64(arg, 0, 9000000000000000, &seed, NULL, 0) != 0)
            return cns_usage("bad --seed:", arg);
        o->co_seed = (long long)seed;
        o->co_has_seed = 1;
        return 0;
    case 'z':
        return cns_fwd(o, "--zones", arg);
    case 'c':
        return cns_fwd(o, "--churn", arg);
    case 'r':
        return cns_fwd(o, "--reboots", arg);
    case 't':
        return cns_fwd(o, "--tick", arg);
    case 'M':
        return cns_fwd(o, "--max-zones", arg); /* room for ctl zone create on every node */
    case 'C':
        if (cmon_parse_unsigned(arg, 0, SERVE_CORE_ZONES_MAX, &n, NULL, 0) != 0)
            return cns_usage("bad --core-zones (want 0 to 8):", arg);
        o->co_core_zones = arg;
        return 0;
    default:
        return cns_dc_opt(&o->co_dc, c, arg);
    }
}

const struct option serve_cns_options[] = {
    {"cns", required_argument, NULL, 'K'},
    {"world", required_argument, NULL, 'w'},
    {"prom-config", required_argument, NULL, 'p'},
    {"agent", required_argument, NULL, 'a'},
    {"agent-arg", required_argument, NULL, 'A'},
    {"seed", required_argument, NULL, 's'},
    {"scrape-interval", required_argument, NULL, 'i'},
    {"zones", required_argument, NULL, 'z'},
    {"churn", required_argument, NULL, 'c'},
    {"reboots", required_argument, NULL, 'r'},
    {"tick", required_argument, NULL, 't'},
    {"max-zones", required_argument, NULL, 'M'},
    {"core-zones", required_argument, NULL, 'C'},
    {"accounts", required_argument, NULL, 'U'},
    {"cplane", required_argument, NULL, 'P'},
    {"tls-dir", required_argument, NULL, 'T'},
    {"dns-suffix", required_argument, NULL, 'D'},
    {"hosts-file", required_argument, NULL, 'H'},
    {"account", required_argument, NULL, 'L'},
    {"prom-config-dir", required_argument, NULL, 'G'},
    {"proxy", required_argument, NULL, 'X'},
    {"proxies", required_argument, NULL, 'N'},
    {"proxy-bin", required_argument, NULL, 'B'},
    {NULL, 0, NULL, 0},
};

static int
cns_parse(cns_opts_t *o, int argc, char **argv)
{
    const struct option *lo = serve_cns_options;
    int c;
    memset(o, 0, sizeof(*o));
    o->co_interval = 15;
    snprintf(o->co_prefix, sizeof(o->co_prefix), "/dev/shm/cmon-sim-%ld", (long)getpid());
    cns_default_agent(o->co_agent, sizeof(o->co_agent), o->co_ntpq, sizeof(o->co_ntpq));
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1)
        if (c == '?' || c == ':' || cns_opt(o, c, optarg) != 0)
            return c == '?' || c == ':' ? cns_usage("bad flag", argv[optind - 1]) : -1;
    if (optind < argc)
        return cns_usage("unexpected argument", argv[optind]);
    if (o->co_config[0] == '\0')
        snprintf(o->co_config, sizeof(o->co_config), "%s.prometheus.yml", o->co_prefix);
    return o->co_cns > 0 ? 0 : cns_usage("--cns K is required", NULL);
}

/* Stops every process: TERM, then KILL what is still there after 10 s. */
static void
cns_stop_all(cns_node_t *nodes, unsigned n)
{
    double deadline = cmon_monotime_s() + 10;
    for (unsigned i = 0; i < n; i++) {
        cns_proc_signal(&nodes[i].cn_agent, SIGTERM);
        cns_proc_signal(&nodes[i].cn_serve, SIGTERM);
    }
    for (unsigned i = 0; i < n; i++) {
        if (!cns_proc_reap(&nodes[i].cn_agent, deadline))
            cns_proc_signal(&nodes[i].cn_agent, SIGKILL);
        if (!cns_proc_reap(&nodes[i].cn_serve, deadline))
            cns_proc_signal(&nodes[i].cn_serve, SIGKILL);
        cns_proc_reap(&nodes[i].cn_agent, cmon_monotime_s() + 5);
        cns_proc_reap(&nodes[i].cn_serve, cmon_monotime_s() + 5);
    }
}

/* ---- the nodes ------------------------------------------------------ */

typedef struct cns_line_ctx {
    cns_node_t *lc_node;
    unsigned lc_index;
    int lc_agent; /* 1: the agent's stderr, 0: the serve's stdout */
} cns_line_ctx_t;

/* A line from a node: its world is ready, its agent listens, or a log line. */
static void
cns_on_line(void *arg, const char *text)
{
    cns_line_ctx_t *lc = arg;
    const char *p;
    if (!lc->lc_agent) {
        if (lc->lc_node->cn_world[0] == '\0')
            snprintf(lc->lc_node->cn_world, sizeof(lc->lc_node->cn_world), "%s", text);
        return;
    }
    p = strstr(text, "listening on ");
    if (lc->lc_node->cn_target[0] == '\0' && p != NULL) {
        snprintf(lc->lc_node->cn_target, sizeof(lc->lc_node->cn_target), "%s", p + 13);
        return;
    }
    fprintf(stderr, "cn%u: %s\n", lc->lc_index, text);
}

static int
cns_start_serve(const cns_opts_t *o, const dc_t *dc, cns_node_t *n, unsigned i)
{
    char self[PATH_MAX], world[PATH_MAX], seed[32];
    char *argv[ARGS_MAX + 16];
    int k = 0;
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (len <= 0)
        return -1;
    self[len] = '\0';
    snprintf(world, sizeof(world), "%s.cn%u", o->co_prefix, i);
    argv[k++] = self;
    argv[k++] = "serve";
    argv[k++] = "--world";
    argv[k++] = world;
    /* each node its own vminfod (on SmartOS each compute node has its own
     * 127.0.0.1:9090), at a loopback port free now; its agent is told where */
    int vport = cmon_listen_free_port();
    snprintf(n->cn_vminfod, sizeof(n->cn_vminfod), "127.0.0.1:%d", vport > 0 ? vport : 0);
    argv[k++] = "--vminfod";
    argv[k++] = n->cn_vminfod;
    for (int j = 0; j < o->co_nfwd; j++)
        argv[k++] = o->co_fwd[j];
    /* seeds of their own, so no two nodes have a zone of the same uuid */
    snprintf(seed, sizeof(seed), "%lld", (o->co_has_seed ? o->co_seed : 1) + (long long)i);
    argv[k++] = "--seed";
    argv[k++] = seed;
    /* the accounts the control plane serves own the zones; the head node has the core zones */
    argv[k++] = "--owners";
    argv[k++] = (char *)dc_owners(dc);
    argv[k++] = "--admin-uuid";
    argv[k++] = (char *)dc_admin_uuid(dc);
    if (i == 0 && o->co_core_zones != NULL) {
        argv[k++] = "--core-zones";
        argv[k++] = (char *)o->co_core_zones;
    }
    argv[k] = NULL;
    return cns_proc_spawn(&n->cn_serve, argv, 1, NULL);
}

static int
cns_start_agent(const cns_opts_t *o, const dc_t *dc, cns_node_t *n)
{
    char env[PATH_MAX + 32]; /* alive until the child has exec()ed */
    char vminfod[48];
    char *argv[ARGS_MAX + 16];
    int k = 0;
    argv[k++] = (char *)o->co_agent;
    argv[k++] = "--ntpq"; /* the node's ntpd, as cmon-sim simulates it; --agent-arg may override */
    argv[k++] = (char *)o->co_ntpq;
    argv[k++] = "--admin-uuid"; /* node.config's ufds_admin_uuid on a Triton node */
    argv[k++] = (char *)dc_admin_uuid(dc);
    for (int j = 0; j < o->co_nagent_args; j++)
        argv[k++] = o->co_agent_args[j];
    argv[k++] = "--listen";
    argv[k++] = "127.0.0.1:0";
    snprintf(vminfod, sizeof(vminfod), "http://%s", n->cn_vminfod);
    argv[k++] = "--vminfod";
    argv[k++] = vminfod;
    argv[k] = NULL;
    snprintf(env, sizeof(env), "CMON_SIM_WORLD=%s", n->cn_world);
    return cns_proc_spawn(&n->cn_agent, argv, 2, env);
}

/* Pumps every pipe once (up to ms); -1 when a process has ended. */
static int
cns_pump(cns_node_t *nodes, unsigned n, int ms)
{
    struct pollfd pfd[2 * CNS_MAX];
    cns_line_ctx_t ctx[2 * CNS_MAX];
    cns_proc_t *procs[2 * CNS_MAX];
    nfds_t np = 0;
    for (unsigned i = 0; i < n; i++)
        for (int a = 0; a < 2; a++) {
            cns_proc_t *p = a ? &nodes[i].cn_agent : &nodes[i].cn_serve;
            if (p->cp_sp.sp_pid <= 0 || p->cp_out < 0)
                continue;
            pfd[np] = (struct pollfd){p->cp_out, POLLIN, 0};
            ctx[np] = (cns_line_ctx_t){&nodes[i], i, a};
            procs[np++] = p;
        }
    if (poll(pfd, np, ms) > 0)
        for (nfds_t j = 0; j < np; j++)
            if (pfd[j].revents != 0)
                cns_proc_read(procs[j], cns_on_line, &ctx[j]);
    for (unsigned i = 0; i < n; i++)
        for (int a = 0; a < 2; a++) {
            cns_proc_t *p = a ? &nodes[i].cn_agent : &nodes[i].cn_serve;
            if (p->cp_sp.sp_pid > 0 && spawn_reap(&p->cp_sp) != 0) {
                fprintf(stderr, "cmon-sim: cn%u: %s exited\n", i, a ? "cmon-agent" : "serve");
                return -1;
            }
        }
    return 0;
}

/* Waits until every node has what ready() says; 0, or -1 (timeout, death, signal). */
static int
cns_wait(cns_node_t *nodes, unsigned n, int agents)
{
    double deadline = cmon_monotime_s() + READY_TIMEOUT_S;
    for (;;) {
        unsigned ready = 0;
        for (unsigned i = 0; i < n; i++)
            ready += (agents ? nodes[i].cn_target[0] : nodes[i].cn_world[0]) != '\0';
        if (ready == n)
            return 0;
        if (cns_stop || cmon_monotime_s() > deadline) {
            fprintf(stderr, "cmon-sim: serve --cns: %s\n",
                    cns_stop ? "stopped" : "nodes not ready in time");
            return -1;
        }
        if (cns_pump(nodes, n, 200) != 0)
            return -1;
    }
}

/* ---- the Prometheus configuration ------------------------------------ */

static int
cns_write_config(const cns_opts_t *o, const cns_node_t *nodes)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        fprintf(stderr, "cmon-sim: cannot write %s: %s\n", o->co_config, strerror(errno));
        return -1;
    }
    fprintf(f,
            "# Written by cmon-sim serve --cns %u: one http_sd job per compute node.\n"
            "global:\n  scrape_interval: %gs\n  scrape_timeout: %gs\n"
            "scrape_configs:\n",
            o->co_cns, o->co_interval, o->co_interval < 10 ? o->co_interval : 10);
    for (unsigned i = 0; i < o->co_cns; i++)
        fprintf(f,
                "  - job_name: cn%u\n    http_sd_configs:\n"
                "      - url: http://%s/v1/discover\n        refresh_interval: %gs\n",
                i, nodes[i].cn_target, o->co_interval < 30 ? o->co_interval : 30);
    int rc = fclose(f);
    if (rc != 0 || atomicfile_write(o->co_config, text, len, ATOMICFILE_MODE) != 0) {
        fprintf(stderr, "cmon-sim: cannot write %s: %s\n", o->co_config, strerror(errno));
        rc = -1;
    }
    free(text);
    return rc;
}

/* ---- main ----------------------------------------------------------- */

/* Removes the control socket a killed node's serve left beside its world (PATH.ctl). */
static void
cns_unlink_control(const char *world)
{
    char ctl[PATH_MAX + 8];

    snprintf(ctl, sizeof(ctl), "%s.ctl", world);
    unlink(ctl);
}

/*
 * Removes a world the node's serve left behind (it removes its own when it
 * stops on SIGTERM; not when it had to be killed), with its side files, but
 * only when no other serve holds that world now.
 */
static void
cns_unlink_world(const char *world)
{
    world_lock_t *l;

    if (world[0] == '\0' || (l = world_lock_take(world, NULL)) == NULL)
        return;
    world_unlink(world);
    cns_unlink_control(world);
    world_lock_release(l, NULL);
}

/* Starts the control plane and what depends on it once the nodes are ready. */
static int
cns_start_dc(const cns_opts_t *o, cns_node_t *nodes, dc_t *dc, int *wrote)
{
    cplane_node_spec_t spec[CNS_MAX];
    char err[1024];
    for (unsigned i = 0; i < o->co_cns; i++)
        spec[i] =
            (cplane_node_spec_t){.cns_world = nodes[i].cn_world, .cns_agent = nodes[i].cn_target};
    if (dc_start(dc, spec, o->co_cns, o->co_config, o->co_interval, wrote, err, sizeof(err)) == 0)
        return 0;
    fprintf(stderr, "cmon-sim: serve --cns: %s\n", err);
    return -1;
}

static int
cns_start(const cns_opts_t *o, cns_node_t *nodes, dc_t *dc)
{
    int wrote = 0;
    for (unsigned i = 0; i < o->co_cns; i++)
        if (cns_start_serve(o, dc, &nodes[i], i) != 0)
            return -1;
    if (cns_wait(nodes, o->co_cns, 0) != 0)
        return -1;
    for (unsigned i = 0; i < o->co_cns; i++)
        if (cns_start_agent(o, dc, &nodes[i]) != 0)
            return -1;
    if (cns_wait(nodes, o->co_cns, 1) != 0)
        return -1;
    if (cns_start_dc(o, nodes, dc, &wrote) != 0)
        return -1;
    if (!wrote && cns_write_config(o, nodes) != 0) /* static targets without --account */
        return -1;
    for (unsigned i = 0; i < o->co_cns; i++)
        printf("cn%u %s %s\n", i, nodes[i].cn_world, nodes[i].cn_target);
    dc_print(dc);
    printf("prometheus-config %s\n", o->co_config);
    dc_print_configs(dc);
    fflush(stdout);
    return 0;
}

static void
cns_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = cns_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int
serve_cns_main(int argc, char **argv)
{
    cns_opts_t o;
    cns_node_t *nodes;
    int rc = 0;
    if (cns_parse(&o, argc, argv) != 0)
        return 2;
    nodes = calloc(o.co_cns, sizeof(*nodes));
    if (nodes == NULL)
        return 1;
    for (unsigned i = 0; i < o.co_cns; i++)
        nodes[i].cn_serve.cp_out = nodes[i].cn_agent.cp_out = -1;
    cns_signals();
    char err[1024];
    dc_t *dc = dc_new(&o.co_dc, o.co_has_seed ? (uint64_t)o.co_seed : 1, err, sizeof(err));
    if (dc == NULL) {
        fprintf(stderr, "cmon-sim: serve --cns: %s\n", err);
        free(nodes);
        return 2;
    }
    if (cns_start(&o, nodes, dc) != 0)
        rc = 1;
    int wrote_config = rc == 0; /* else another run's file may be there: not ours */
    while (rc == 0 && !cns_stop)
        if (cns_pump(nodes, o.co_cns, 200) != 0 || dc_pump(dc, 0) != 0)
            rc = 1;
    dc_free(dc);
    cns_stop_all(nodes, o.co_cns);
    if (wrote_config)
        unlink(o.co_config);
    for (unsigned i = 0; i < o.co_cns; i++)
        cns_unlink_world(nodes[i].cn_world);
    free(nodes);
    return rc;
}
