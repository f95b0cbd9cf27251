/*
 * cmd_serve.c - `cmon-sim serve`: build a world and keep it alive, and
 * changing, until SIGTERM or SIGINT.
 *
 * Virtual time follows real time: every --tick MS the world advances by the
 * real time that passed (--tick 0 freezes every counter). --churn destroys a
 * zone and creates a new one, --reboots reboots one, at the given average
 * rates per second of real time. The world's path is printed on stdout once
 * it is ready. One serve per world path (world_lock_take): a second one
 * exits 1 naming the first; a stale world, whose serve died, is replaced.
 * On exit the world and its side files are removed unless --keep, and only
 * while they are still this serve's.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "monotime.h"
#include "listen.h"
#include "serve_cns.h"
#include "serve_control.h"
#include "serve_core.h"
#include "vminfod.h"
#include "world.h"
#include "world_vm.h"

/* Set by the signal handler; the loop polls it (a signal flag, hence global). */
static volatile sig_atomic_t serve_stop;

typedef struct serve_opts {
    uint64_t so_zones, so_tick_ms, so_seed, so_cpus;
    uint64_t so_max_zones; /* --max-zones: the world's room (0: --zones), for ctl zone create */
    double so_churn, so_reboots;
    const char *so_path;
    const char *so_vminfod; /* ADDR:PORT, or "none" */
    int so_vminfod_given;   /* 1: --vminfod was given: failing to listen is fatal */
    int so_keep;
    uint64_t so_core_zones; /* --core-zones: the first N zones are core zones */
    const char *so_owners;  /* --owners UUID,...: a data center's accounts (world_owners_set) */
    const char *so_admin;   /* --admin-uuid UUID: its admin account */
    const char *so_control; /* --control PATH, "none"; NULL: the world's path + ".ctl" */
} serve_opts_t;

static void
serve_on_signal(int sig)
{
    (void)sig;
    serve_stop = 1;
}

/* 0 when arg is an address --vminfod can listen on (ADDR:PORT, [ADDR6]:PORT, :PORT). */
static int
serve_addr_ok(const char *arg)
{
    cmon_listen_t l;
    char err[256];

    return cmon_listen_parse(arg, &l, err, sizeof(err));
}

static int
serve_parse_opt(int c, const char *arg, serve_opts_t *o)
{
    switch (c) {
    case 'z':
        return cmon_parse_u64(arg, 0, WORLD_ZONES_MAX, &o->so_zones, NULL, 0);
    case 'w':
        o->so_path = arg;
        return *arg ? 0 : -1;
    case 'c':
        return cmon_parse_double(arg, 0, 1e6, &o->so_churn, NULL, 0);
    case 'r':
        return cmon_parse_double(arg, 0, 1e6, &o->so_reboots, NULL, 0);
    case 't':
        return cmon_parse_u64(arg, 0, 3600000, &o->so_tick_ms, NULL, 0);
    case 's':
        return cmon_parse_u64(arg, 0, UINT64_MAX, &o->so_seed, NULL, 0);
    case 'n':
        return cmon_parse_u64(arg, 1, WORLD_CPUS_MAX, &o->so_cpus, NULL, 0);
    case 'k':
        o->so_keep = 1;
        return 0;
    case 'C':
        return cmon_parse_u64(arg, 0, SERVE_CORE_ZONES_MAX, &o->so_core_zones, NULL, 0);
    case 'O':
        o->so_owners = arg;
        return 0;
    case 'U':
        o->so_admin = arg;
        return 0;
    case 'M':
        return cmon_parse_u64(arg, 1, WORLD_ZONES_MAX, &o->so_max_zones, NULL, 0);
    case 'L':
        o->so_control = arg;
        return *arg ? 0 : -1;
    case 'i':
        o->so_vminfod = arg;
        o->so_vminfod_given = 1;
        return strcmp(arg, "none") == 0 ? 0 : serve_addr_ok(arg);
    default:
        return -1;
    }
}

/* clang-format off */
const struct option cmd_serve_options[] = {
    {"zones", required_argument, NULL, 'z'},   {"world", required_argument, NULL, 'w'},
    {"churn", required_argument, NULL, 'c'},   {"reboots", required_argument, NULL, 'r'},
    {"tick", required_argument, NULL, 't'},    {"seed", required_argument, NULL, 's'},
    {"cpus", required_argument, NULL, 'n'},    {"keep", no_argument, NULL, 'k'},
    {"vminfod", required_argument, NULL, 'i'}, {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},       {"core-zones", required_argument, NULL, 'C'},
    {"owners", required_argument, NULL, 'O'},  {"admin-uuid", required_argument, NULL, 'U'},
    {"control", required_argument, NULL, 'L'}, {"max-zones", required_argument, NULL, 'M'},
    {NULL, 0, NULL, 0}};
/* clang-format on */

static void
serve_help(void)
{
    printf("Usage: cmon-sim serve --zones=N [OPTION]...\n"
           "  or:  cmon-sim serve --cns=K --zones=N [OPTION]...\n"
           "Builds a simulated SmartOS compute node, a world of N zones and their kstats in\n"
           "shared memory, prints its path when it is ready and keeps it moving until SIGTERM\n"
           "or SIGINT; then removes it. With --cns, runs K such nodes, each with a cmon-agent.\n"
           "\n"
           "Options:\n"
           "      --zones=N            zones besides the global zone, 0 to %d (required)\n"
           "      --world=PATH         the world file (default $%s, else\n"
           "                           %s); with --cns the prefix of the\n"
           "                           nodes' worlds PATH.cn0, PATH.cn1, ... (default\n"
           "                           /dev/shm/cmon-sim-PID)\n"
           "      --tick=MS            every MS milliseconds, advance virtual time by the real\n"
           "                           time that passed (default 1000; 0 freezes every counter)\n"
           "      --churn=PER_S        zones destroyed and created per second (default 0)\n"
           "      --reboots=PER_S      zones rebooted per second (default 0)\n"
           "      --seed=S             the seed of everything random (default 1); with --cns\n"
           "                           node i gets S+i\n"
           "      --cpus=N             CPUs of the node, 1 to %d (default 48; not with --cns)\n"
           "      --keep               leave the world (and its ZFS state) behind on exit (not\n"
           "                           with --cns)\n"
           "      --vminfod=ADDR:PORT  serve the zones' VM records there as SmartOS's vminfod\n"
           "                           (GET /vms/UUID, GET /vms; default %s, the\n"
           "                           original's; 'none': no vminfod). If the default's port\n"
           "                           is taken, serve goes on without; a given one must listen\n"
           "      --core-zones=N       make the first N zones Triton core zones, 0 to %d\n"
           "                           (default 0): smartdc_role tag, the admin account as\n"
           "                           owner, an admin NIC at a loopback address of its own\n"
           "                           serving GET /metrics on metricPorts 8881 and 8882\n"
           "      --owners=UUID,...    the accounts owning the zones (a Triton data center):\n"
           "                           zone n belongs to the (n mod count)th, up to %d;\n"
           "                           some zones get a triton.cmon.groups tag\n"
           "      --admin-uuid=UUID    the admin account, owner of the core zones (default:\n"
           "                           derived from the seed)\n"
           "      --max-zones=N        room for N zones (default --zones): zones that\n"
           "                           `cmon-sim ctl zone create` may add\n"
           "      --control=PATH       the control socket `cmon-sim ctl` drives the world\n"
           "                           through (faults, zones, load, time; sim/cmd/CONTROL.md;\n"
           "                           default: the world's path and .ctl; 'none': no socket)\n"
           "      --cns=K              run K compute nodes, 1 to 64: a serve and a cmon-agent\n"
           "                           each, and a Prometheus configuration that finds them\n"
           "      --prom-config=FILE   with --cns: where to write that configuration (default\n"
           "                           PREFIX.prometheus.yml)\n"
           "      --scrape-interval=S  with --cns: its scrape interval in seconds (default 15)\n"
           "      --agent=PATH         with --cns: the agent to run (default: cmon-agent beside\n"
           "                           this program)\n"
           "      --agent-arg=ARG      with --cns: one more argument for every agent\n"
           "                           (repeatable)\n"
           "  With --cns, a Triton data center (sim/cplane/API.md): every zone is owned by an\n"
           "  account, a control plane serves accounts, nodes and VMs with a change feed:\n"
           "      --accounts=LIST      login[:operator],... (default admin:operator), up to\n"
           "                           24; zones are spread over the non-operators; admin\n"
           "                           (else the first operator) owns the core zones\n"
           "      --core-zones=N       with --cns: the head node cn0's core zones\n"
           "      --cplane=ADDR:PORT   the control plane's address (default 127.0.0.1:0);\n"
           "                           printed as a line 'cplane http://ADDR:PORT'\n"
           "      --tls-dir=DIR        write each account's client certificates and keys\n"
           "                           (LOGIN.pem, LOGIN-ops.pem, LOGIN-new.pem, each with its\n"
           "                           -key.pem), the proxy's (proxy.pem) and ca.pem there\n"
           "      --dns-suffix=SUFFIX  the data center's DNS suffix (default cmon.test)\n"
           "      --hosts-file=FILE    a hosts file naming cmon.SUFFIX and UUID.SUFFIX of\n"
           "                           every instance and node, appended to in place\n"
           "      --account=LOGIN      --prom-config is a triton_sd_configs configuration\n"
           "                           for that account (needs --tls-dir)\n"
           "      --prom-config-dir=DIR  write DIR/LOGIN.yml, that configuration for every\n"
           "                           account (needs --tls-dir); printed as lines\n"
           "                           'prometheus-config DIR/LOGIN.yml' after the others\n"
           "      --proxy=ADDR:PORT    start cmon-proxy there (needs --tls-dir)\n"
           "      --proxies=P          start P proxies, on 127.0.0.1 to 127.0.0.P at --proxy's\n"
           "                           port (default 9163), 1 to 16\n"
           "      --proxy-bin=PATH     the proxy to run (default: cmon-proxy beside this\n"
           "                           program)\n"
           "  -h, --help               print this help and exit\n"
           "      --version            print the version and exit\n"
           "\n"
           "One serve per world: a second serve on a live world exits 1 naming the first\n"
           "one's pid; the world of a serve that died is replaced. Beside the world lie\n"
           "PATH.lock, the serve's lock, and PATH.zfs and PATH.ntp, the ZFS and NTP state\n"
           "that tools may write, and PATH.ctl, the control socket; serve removes them all\n"
           "on exit.\n"
           "\n"
           "Exit status:\n"
           "  0  stopped by SIGTERM or SIGINT\n"
           "  1  the world could not be built, or another serve serves it, or --vminfod\n"
           "     or the control socket could not listen, or the world file was damaged\n"
           "     under serve (truncated or overwritten: said on stderr)\n"
           "  2  usage error\n"
           "\n"
           "Environment:\n"
           "  %s   the world's path when --world is not given\n",
           WORLD_ZONES_MAX, WORLD_ENV, WORLD_DEFAULT_PATH, WORLD_CPUS_MAX, VMINFOD_DEFAULT_ADDR,
           SERVE_CORE_ZONES_MAX, WORLD_OWNERS_MAX, WORLD_ENV);
}

static int
serve_parse(int argc, char **argv, serve_opts_t *o)
{
    const struct option *lo = cmd_serve_options;
    int c, li, have_zones = 0;

    *o = (serve_opts_t){
        .so_tick_ms = 1000, .so_seed = 1, .so_cpus = 48, .so_vminfod = VMINFOD_DEFAULT_ADDR};
    opterr = 0;
    optind = 1;
    for (int at = 1; (c = getopt_long(argc, argv, "+:", lo, &li)) != -1; at = optind) {
        if (c == 'h' || c == 'V')
            return c == 'h' ? -1 : -2; /* abbreviated: the pre-scans saw whole words only */
        if (c == '?' || c == ':')
            return cmd_option_error("serve", c, argv[at]);
        if (serve_parse_opt(c, optarg, o) != 0)
            return cmd_usage_error("serve", "bad value for --%s: %s", lo[li].name, optarg);
        have_zones |= c == 'z';
    }
    if (optind < argc)
        return cmd_usage_error("serve", "unexpected argument: %s", argv[optind]);
    if (!have_zones)
        return cmd_usage_error("serve", "--zones is required");
    if (o->so_max_zones != 0 && o->so_max_zones < o->so_zones)
        return cmd_usage_error("serve", "--max-zones is less than --zones");
    if (o->so_core_zones > o->so_zones)
        return cmd_usage_error("serve", "--core-zones is more than --zones");
    o->so_path = cmd_world_path(o->so_path);
    return 0;
}

static world_t *
serve_build(const serve_opts_t *o)
{
    world_params_t p = {.wp_seed = o->so_seed,
                        .wp_max_zones = o->so_max_zones ? (uint32_t)o->so_max_zones
                                        : o->so_zones   ? (uint32_t)o->so_zones
                                                        : 1,
                        .wp_ncpus = (uint32_t)o->so_cpus};
    world_t *w = world_create(o->so_path, &p);

    if (w == NULL)
        fprintf(stderr, "cmon-sim serve: cannot create world %s: %s\n", o->so_path,
                strerror(errno));
    return w;
}

/* Applies --owners and --admin-uuid to a new world; 0, or 1 after saying why. */
static int
serve_owners(world_t *w, const serve_opts_t *o)
{
    char list[WORLD_OWNERS_MAX * WORLD_VM_UUID_MAX + 1], *save = NULL;
    const char *owners[WORLD_OWNERS_MAX + 1];
    size_t n = 0;

    if (o->so_owners == NULL && o->so_admin == NULL)
        return 0;
    if (o->so_owners == NULL || strlen(o->so_owners) >= sizeof(list)) {
        fprintf(stderr, "cmon-sim serve: --owners: %s\n",
                o->so_owners ? "too many accounts" : "required with --admin-uuid");
        return 1;
    }
    snprintf(list, sizeof(list), "%s", o->so_owners);
    for (char *t = strtok_r(list, ",", &save); t != NULL && n <= WORLD_OWNERS_MAX;
         t = strtok_r(NULL, ",", &save))
        owners[n++] = t;
    if (world_owners_set(w, owners, n, o->so_admin) != 0) {
        fprintf(stderr, "cmon-sim serve: --owners %s%s%s: %s\n", o->so_owners,
                o->so_admin ? " --admin-uuid " : "", o->so_admin ? o->so_admin : "",
                errno == E2BIG ? "too many accounts" : "want UUIDs");
        return 1;
    }
    return 0;
}

/* Core zone i, named after its role as Triton's are (cloudapi0, vmapi0, ...). */
static int
serve_add_core_zone(world_t *w, uint64_t i)
{
    char alias[WORLD_NAME_MAX];
    snprintf(alias, sizeof(alias), "%s0", serve_core_role((unsigned)i));
    world_zone_opts_t zo = {.wzo_alias = alias,
                            .wzo_brand = "joyent-minimal",
                            .wzo_mem_cap = 1ULL << 30,
                            .wzo_nics = 2};
    return world_zone_add(w, &zo);
}

/* Adds the zones; 0, or 1 after saying why (a signal stops it too). */
static int
serve_populate(world_t *w, const serve_opts_t *o, int *core_zix)
{
    for (uint64_t i = 0; i < o->so_zones; i++) {
        if (serve_stop)
            return 0; /* stopped before it was ready: not a failure */
        int zix = i < o->so_core_zones ? serve_add_core_zone(w, i) : world_zone_add_random(w, i);
        if (i < o->so_core_zones)
            core_zix[i] = zix;
        if (zix < 0) {
            fprintf(stderr, "cmon-sim serve: cannot add zone %llu: %s\n", (unsigned long long)i,
                    strerror(errno));
            return 1;
        }
    }
    return 0;
}

/* A non-global zone (a running one if running) drawn from r, or -1. */
static int
serve_pick(const world_t *w, uint64_t r, int running)
{
    uint32_t cap = world_zone_capacity(w);
    int start = (int)(r % (cap - 1)), z = start;
    world_zone_info_t info;

    for (uint32_t n = 0; n < cap; n++) {
        z = world_zone_next(w, z);
        if (z < 0)
            z = world_zone_next(w, 0);
        if (z <= 0)
            return -1;
        if (!running || (world_zone_info(w, z, &info) == 0 && info.wzi_state == WORLD_ZONE_RUNNING))
            return z;
    }
    return -1;
}

/* What the loop carries from tick to tick. */
typedef struct serve_state {
    uint64_t ss_rng, ss_serial;
    double ss_churn_due, ss_reboot_due;
} serve_state_t;

static uint64_t
serve_rand(serve_state_t *s)
{
    s->ss_rng = s->ss_rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return s->ss_rng >> 16;
}

static void
serve_events(world_t *w, const serve_opts_t *o, serve_state_t *s, double dt)
{
    s->ss_churn_due += o->so_churn * dt;
    s->ss_reboot_due += o->so_reboots * dt;
    if (s->ss_churn_due < 1 && s->ss_reboot_due < 1)
        return;
    world_batch_begin(w); /* readers see one chain change per tick */
    for (; s->ss_churn_due >= 1; s->ss_churn_due -= 1) {
        int z = serve_pick(w, serve_rand(s), 0);
        if ((uint64_t)z <= o->so_core_zones)
            continue; /* core zones (the first slots) stay, as a data center's own services */
        if (world_zone_destroy(w, z) == 0)
            world_zone_add_random(w, s->ss_serial++);
    }
    for (; s->ss_reboot_due >= 1; s->ss_reboot_due -= 1) {
        int z = serve_pick(w, serve_rand(s), 1);
        if (z > 0)
            world_zone_reboot(w, z);
    }
    world_batch_end(w);
}

/* ---- a world damaged under serve ---- */

/*
 * Anyone allowed to write the world file can truncate or overwrite it while
 * serve runs. serve then says so and exits 1 instead of dying of SIGBUS or
 * spinning on a garbage sequence counter: every tick first checks the file
 * (world_check: size and header, read through the descriptor), then runs its
 * changes under world_guarded(), which turns a fault inside them into an
 * error. A SIGBUS outside a guarded call (a vminfod thread reading a
 * truncated world) ends serve through serve_on_sigbus with the same status.
 * Its message is formatted before the handler may need it (write(2) is all
 * a handler may call): hence a global, set once before the loop.
 */
static char serve_bus_msg[512];

static void
serve_on_sigbus(int sig)
{
    (void)sig;
    if (write(STDERR_FILENO, serve_bus_msg, strlen(serve_bus_msg)) < 0)
        _exit(1);
    _exit(1);
}

static void
serve_damage_watch(const world_t *w)
{
    struct sigaction sa = {.sa_handler = serve_on_sigbus};

    snprintf(serve_bus_msg, sizeof(serve_bus_msg),
             "cmon-sim serve: world %s: damaged under serve (a page past its end: truncated); "
             "exiting\n",
             world_path(w));
    sigaction(SIGBUS, &sa, NULL);
}

/* What a tick changes, for serve_tick_world(). */
typedef struct serve_tick {
    world_t *st_w;
    const serve_opts_t *st_o;
    serve_state_t *st_s;
    uint64_t st_dt;
    int st_moves; /* virtual time advances (serve_time_moves) */
} serve_tick_t;

static int
serve_tick_world(const world_t *w, void *arg)
{
    serve_tick_t *t = arg;

    (void)w;
    if (t->st_moves)
        world_time_advance(t->st_w, t->st_dt);
    serve_events(t->st_w, t->st_o, t->st_s, (double)t->st_dt / 1e9);
    return 0;
}

/* One tick of dt ns on a world that must still be whole: 0, or 1 after saying why not. */
static int
serve_tick(world_t *w, const serve_opts_t *o, serve_state_t *s, uint64_t dt, int moves)
{
    serve_tick_t t = {.st_w = w, .st_o = o, .st_s = s, .st_dt = dt, .st_moves = moves};
    char err[512];

    if (world_check(w, err, sizeof(err)) != 0) {
        fprintf(stderr, "cmon-sim serve: %s; exiting\n", err);
        return 1;
    }
    if (world_guarded(w, serve_tick_world, &t) != 0) {
        fprintf(stderr, "cmon-sim serve: world %s: damaged under serve (%s); exiting\n",
                world_path(w),
                errno == EAGAIN ? "a sequence counter stuck odd: overwritten" : "truncated");
        return 1;
    }
    return 0;
}
/* 1 when this tick advances virtual time: --tick 0 and a client's freeze stop it. */
static int
serve_time_moves(const serve_opts_t *o, const serve_control_t *sc)
{
    if (sc != NULL)
        return !serve_control_frozen(sc); /* starts frozen with --tick 0; a thaw moves it */
    return o->so_tick_ms != 0;
}

/* Ticks until a signal, serving the control socket between ticks: 0, or 1 when the world
 * was damaged under it. */
static int
serve_loop(world_t *w, const serve_opts_t *o, serve_control_t *sc)
{
    serve_state_t s = {.ss_rng = world_seed(w), .ss_serial = o->so_zones};
    uint64_t period = (o->so_tick_ms ? o->so_tick_ms : 100) * 1000000ULL;
    uint64_t last = (uint64_t)cmon_monotime_ns();

    while (!serve_stop) {
        serve_control_sleep(sc, period, &serve_stop); /* applies control requests meanwhile */
        uint64_t now = (uint64_t)cmon_monotime_ns(), dt = now - last;
        last = now;
        if (serve_tick(w, o, &s, dt, serve_time_moves(o, sc)) != 0)
            return 1;
    }
    return 0;
}

/*
 * Takes the world's path for this process (world_lock_take): one serve per
 * world. A lock that is free means any world there is stale (its serve
 * died): it is removed with its side files and replaced. NULL after saying
 * why.
 */
static world_lock_t *
serve_lock(const char *path)
{
    pid_t holder = 0;
    world_lock_t *l = world_lock_take(path, &holder);

    if (l == NULL && errno == EBUSY)
        fprintf(stderr, "cmon-sim serve: world %s is served by pid %ld\n", path, (long)holder);
    else if (l == NULL)
        fprintf(stderr, "cmon-sim serve: cannot create world %s: %s\n", path, strerror(errno));
    else
        world_unlink(path);
    return l;
}

/*
 * Starts the fake vminfod over w unless --vminfod none. NULL with *fatal 0
 * when there is none to start or the default port is taken (said on
 * stderr: serve goes on without); *fatal 1 when a given address fails.
 */
static vminfod_t *
serve_vminfod(const world_t *w, const serve_opts_t *o, int *fatal)
{
    cmon_listen_t l;
    char err[256];
    vminfod_t *v;

    *fatal = 0;
    if (strcmp(o->so_vminfod, "none") == 0)
        return NULL;
    if (cmon_listen_parse(o->so_vminfod, &l, err, sizeof(err)) != 0 ||
        (v = vminfod_start(w, (struct sockaddr *)&l.cl_addr, l.cl_addrlen, err, sizeof(err))) ==
            NULL) {
        *fatal = o->so_vminfod_given;
        fprintf(stderr, "cmon-sim serve: vminfod: %s%s\n", err,
                *fatal ? "" : "; serving without vminfod");
        return NULL;
    }
    fprintf(stderr, "cmon-sim serve: vminfod on %s\n", vminfod_url(v));
    return v;
}

/*
 * Opens the control socket unless --control none (NULL with *fatal 0); NULL
 * with *fatal 1 after saying why it cannot. Its zones get creation numbers
 * from 1,000,000 past serve's own, so that they are told apart.
 */
static serve_control_t *
serve_control(world_t *w, const serve_opts_t *o, int *fatal)
{
    char path[4096], err[4400];
    serve_control_t *sc;

    *fatal = 0;
    if (o->so_control != NULL && strcmp(o->so_control, "none") == 0)
        return NULL;
    snprintf(path, sizeof(path), "%s%s", o->so_control ? o->so_control : o->so_path,
             o->so_control ? "" : SERVE_CONTROL_SUFFIX);
    /* PATH.ctl is the world lock holder's: an old serve still answering there lost its world */
    sc = serve_control_open(w, path, o->so_control == NULL, (unsigned)o->so_core_zones,
                            o->so_tick_ms == 0, o->so_zones + 1000000, err, sizeof(err));
    if (sc == NULL) {
        fprintf(stderr, "cmon-sim serve: %s\n", err);
        *fatal = 1;
    }
    return sc;
}

/* Builds, announces and runs the world; the exit status. */
static int
serve_run(const serve_opts_t *o)
{
    world_lock_t *lock = serve_lock(o->so_path);
    world_t *w;
    int rc;

    if (lock == NULL)
        return 1;
    if ((w = serve_build(o)) == NULL) {
        world_lock_release(lock, NULL);
        return 1;
    }
    vminfod_t *vminfod = NULL;
    int fatal = 0;
    int core_zix[SERVE_CORE_ZONES_MAX];
    coresvc_t *core = NULL;
    serve_control_t *sc = NULL;
    rc = serve_owners(w, o);
    if (rc == 0)
        rc = serve_populate(w, o, core_zix);
    if (rc == 0)
        vminfod = serve_vminfod(w, o, &fatal);
    if (rc == 0 && !fatal && !serve_stop && o->so_core_zones > 0 &&
        (core = serve_core_zones(w, core_zix, (unsigned)o->so_core_zones)) == NULL)
        fatal = 1;
    if (rc == 0 && !fatal && !serve_stop)
        sc = serve_control(w, o, &fatal);
    rc = fatal ? 1 : rc;
    if (rc == 0 && !serve_stop) {
        printf("%s\n", o->so_path);
        fflush(stdout);
        serve_damage_watch(w);
        rc = serve_loop(w, o, sc);
    }
    serve_control_close(sc);
    coresvc_free(core);
    vminfod_stop(vminfod);
    /* Removes the world and its side files while it is still ours. */
    world_lock_release(lock, o->so_keep && rc == 0 ? NULL : w);
    world_close(w);
    return rc;
}

int
cmd_serve_main(int argc, char **argv)
{
    serve_opts_t o;
    struct sigaction sa = {.sa_handler = serve_on_signal};

    if (cmd_wants_help(argc, argv)) {
        serve_help();
        return 0;
    }
    if (cmd_wants_version(argc, argv))
        return cmd_version();
    if (serve_cns_wanted(argc, argv))
        return serve_cns_main(argc, argv); /* many compute nodes: serve_cns.h */
    int rc = serve_parse(argc, argv, &o);

    if (rc == -1)
        serve_help();
    if (rc == -2)
        cmd_version();
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    return serve_run(&o);
}
