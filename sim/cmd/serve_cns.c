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
#define LINE_MAX_ 1024
#define READY_TIMEOUT_S 120

/* Set by SIGTERM/SIGINT; the main loop polls it (a signal flag). */
static volatile sig_atomic_t cns_stop;

typedef struct cns_proc {
    spawn_t cp_sp; /* sp_pid 0 when not running */
    int cp_out;    /* pipe we read: serve's stdout or agent's stderr; -1 closed */
    char cp_buf[LINE_MAX_];
    size_t cp_len;
} cns_proc_t;

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

static int
cns_opt(cns_opts_t *o, int c, const char *arg)
{
    uint64_t seed;
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
    default:
        return cns_usage("unknown flag", NULL);
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

/* ---- processes ------------------------------------------------------ */

/*
 * Starts argv with fd `which` (1: stdout, 2: stderr) on a pipe we read and
 * the other one inherited; env (may be NULL) is one more NAME=VALUE.
 */
static int
cns_spawn(cns_proc_t *p, char **argv, int which, const char *env)
{
    char *envv[] = {(char *)env, NULL};
    spawn_io_t pipe = {.sio_kind = SPAWN_IO_PIPE}, ours = {.sio_kind = SPAWN_IO_INHERIT};
    spawn_opts_t o = {.so_env = env != NULL ? envv : NULL,
                      .so_stdout = which == 1 ? pipe : ours,
                      .so_stderr = which == 2 ? pipe : ours,
                      .so_deathsig = SIGTERM};
    if (spawn_start(&p->cp_sp, argv, &o) != 0) {
        fprintf(stderr, "cmon-sim: cannot run %s: %s\n", argv[0], strerror(errno));
        return -1;
    }
    p->cp_out = which == 1 ? p->cp_sp.sp_out : p->cp_sp.sp_err;
    p->cp_sp.sp_out = p->cp_sp.sp_err = -1; /* ours to close now */
    p->cp_len = 0;
    return 0;
}

/*
 * Reads what p printed; calls line(ctx, text) for each whole line. Returns
 * 0, or 1 at end of file.
 */
static int
cns_read(cns_proc_t *p, void (*line)(void *, const char *), void *ctx)
{
    for (;;) {
        ssize_t r = read(p->cp_out, p->cp_buf + p->cp_len, sizeof(p->cp_buf) - 1 - p->cp_len);
        if (r <= 0) {
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
            close(p->cp_out);
            p->cp_out = -1;
            return 1;
        }
        p->cp_len += (size_t)r;
        char *nl;
        while ((nl = memchr(p->cp_buf, '\n', p->cp_len)) != NULL ||
               p->cp_len == sizeof(p->cp_buf) - 1) {
            size_t n = nl ? (size_t)(nl - p->cp_buf) : p->cp_len;
            p->cp_buf[n] = '\0';
            line(ctx, p->cp_buf);
            size_t used = nl ? n + 1 : n;
            memmove(p->cp_buf, p->cp_buf + used, p->cp_len - used);
            p->cp_len -= used;
        }
    }
}

static void
cns_stop_proc(cns_proc_t *p, int sig)
{
    spawn_signal(&p->cp_sp, sig);
}

/* Waits for p until deadline; 1 when it is gone. */
static int
cns_reap(cns_proc_t *p, double deadline)
{
    double left = deadline - cmon_monotime_s();
    if (spawn_wait(&p->cp_sp, left > 0 ? (int)(left * 1000) : 0) == 0)
        return 0;
    if (p->cp_out >= 0) {
        close(p->cp_out);
        p->cp_out = -1;
    }
    return 1;
}

/* Stops every process: TERM, then KILL what is still there after 10 s. */
static void
cns_stop_all(cns_node_t *nodes, unsigned n)
{
    double deadline = cmon_monotime_s() + 10;
    for (unsigned i = 0; i < n; i++) {
        cns_stop_proc(&nodes[i].cn_agent, SIGTERM);
        cns_stop_proc(&nodes[i].cn_serve, SIGTERM);
    }
    for (unsigned i = 0; i < n; i++) {
        if (!cns_reap(&nodes[i].cn_agent, deadline))
            cns_stop_proc(&nodes[i].cn_agent, SIGKILL);
        if (!cns_reap(&nodes[i].cn_serve, deadline))
            cns_stop_proc(&nodes[i].cn_serve, SIGKILL);
        cns_reap(&nodes[i].cn_agent, cmon_monotime_s() + 5);
        cns_reap(&nodes[i].cn_serve, cmon_monotime_s() + 5);
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
cns_start_serve(const cns_opts_t *o, cns_node_t *n, unsigned i)
{
    char self[PATH_MAX], world[PATH_MAX], seed[32];
    char *argv[ARGS_MAX + 8];
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
    if (o->co_has_seed) {
        snprintf(seed, sizeof(seed), "%lld", o->co_seed + (long long)i);
        argv[k++] = "--seed";
        argv[k++] = seed;
    }
    argv[k] = NULL;
    return cns_spawn(&n->cn_serve, argv, 1, NULL);
}

static int
cns_start_agent(const cns_opts_t *o, cns_node_t *n)
{
    char env[PATH_MAX + 32]; /* alive until the child has exec()ed */
    char vminfod[48];
    char *argv[ARGS_MAX + 8];
    int k = 0;
    argv[k++] = (char *)o->co_agent;
    argv[k++] = "--ntpq"; /* the node's ntpd, as cmon-sim simulates it; --agent-arg may override */
    argv[k++] = (char *)o->co_ntpq;
    for (int j = 0; j < o->co_nagent_args; j++)
        argv[k++] = o->co_agent_args[j];
    argv[k++] = "--listen";
    argv[k++] = "127.0.0.1:0";
    snprintf(vminfod, sizeof(vminfod), "http://%s", n->cn_vminfod);
    argv[k++] = "--vminfod";
    argv[k++] = vminfod;
    argv[k] = NULL;
    snprintf(env, sizeof(env), "CMON_SIM_WORLD=%s", n->cn_world);
    return cns_spawn(&n->cn_agent, argv, 2, env);
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
                cns_read(procs[j], cns_on_line, &ctx[j]);
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
    world_lock_release(l, NULL);
}

static int
cns_start(const cns_opts_t *o, cns_node_t *nodes)
{
    for (unsigned i = 0; i < o->co_cns; i++)
        if (cns_start_serve(o, &nodes[i], i) != 0)
            return -1;
    if (cns_wait(nodes, o->co_cns, 0) != 0)
        return -1;
    for (unsigned i = 0; i < o->co_cns; i++)
        if (cns_start_agent(o, &nodes[i]) != 0)
            return -1;
    if (cns_wait(nodes, o->co_cns, 1) != 0)
        return -1;
    if (cns_write_config(o, nodes) != 0)
        return -1;
    for (unsigned i = 0; i < o->co_cns; i++)
        printf("cn%u %s %s\n", i, nodes[i].cn_world, nodes[i].cn_target);
    printf("prometheus-config %s\n", o->co_config);
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
    if (cns_start(&o, nodes) != 0)
        rc = 1;
    int wrote_config = rc == 0; /* else another run's file may be there: not ours */
    while (rc == 0 && !cns_stop)
        if (cns_pump(nodes, o.co_cns, 200) != 0)
            rc = 1;
    cns_stop_all(nodes, o.co_cns);
    if (wrote_config)
        unlink(o.co_config);
    for (unsigned i = 0; i < o.co_cns; i++)
        cns_unlink_world(nodes[i].cn_world);
    free(nodes);
    return rc;
}
