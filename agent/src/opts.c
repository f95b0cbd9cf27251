/* opts - cmon-agent's command line. */
#include "opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "listen.h"
#include "uuid.h"
#include "vminfo.h"

void
opts_usage(FILE *out)
{
    fputs("Usage: cmon-agent [OPTION]...\n"
          "Serves Prometheus metrics of every zone of this compute node, read from kstats\n"
          "(one target per instance), and the compute node's own metrics. GET / lists the\n"
          "endpoints.\n"
          "\n"
          "Options:\n"
          "      --listen=ADDR:PORT      address to listen on (default 127.0.0.1:9163):\n"
          "                              IPv4:PORT, [IPv6]:PORT, HOST:PORT (localhost:PORT)\n"
          "                              or :PORT for every address; port 0 picks a free\n"
          "                              one, logged at start\n"
          "      --web.listen-address=ADDR:PORT\n"
          "                              the same as --listen (the Prometheus exporters'\n"
          "                              name for it)\n"
          "      --cache-ttl=SECONDS     keep each collector's result per zone this long\n"
          "                              (default 10; 0 disables the cache)\n"
          "      --metric-names=SET      cmon (cmon-agent's names, default) or prometheus\n"
          "                              (base units, _total counters)\n"
          "      --threads=N             HTTP worker threads, 1 to 64 (default 2)\n"
          "      --kstat-handles=N       kstat handles open at once, 1 to 64: each holds a\n"
          "                              copy of every kstat header; scrapes share them,\n"
          "                              holding one only while reading (default 1)\n"
          "      --max-connections=N     most client connections at once; a connection\n"
          "                              beyond them is closed at once (default 4096)\n"
          "      --max-connections-per-client=N\n"
          "                              most connections at once from one IP address;\n"
          "                              beyond them a new one is closed at once (default\n"
          "                              2048: one scraper may hold a connection per\n"
          "                              instance; 0: no limit)\n"
          "      --header-timeout=SECONDS  a request's headers must be complete this long\n"
          "                              after the connection (or its first byte, on a\n"
          "                              kept-alive one); else 408 (400 without a request\n"
          "                              line) and closed, however slowly they trickle\n"
          "                              (default 10)\n"
          "      --idle-timeout=SECONDS  close a connection idle this long (default 60)\n"
          "      --log-level=LEVEL       error, warn, info (default) or debug, on stderr\n"
          "      --log-interval=SECONDS  a log line a client can cause (a refresh, a refused\n"
          "                              connection) at most once this long per kind,\n"
          "                              then with how many were suppressed (default 10;\n"
          "                              0: every line)\n"
          "      --zfs-ttl=SECONDS       keep each instance's zfs answer this long\n"
          "                              (default 300)\n"
          "      --plugin-dir=DIR        run the executables of DIR/vm-plugins for every\n"
          "                              instance (argument: its uuid) and of\n"
          "                              DIR/gz-plugins for the node (argument: global),\n"
          "                              as set by their plugin.json (default\n"
          "                              /opt/custom/cmon; a missing directory: none)\n"
          "      --plugin-timeout=SECONDS  kill a plugin still running after this, unless\n"
          "                              its plugin.json entry says (default 3)\n"
          "      --plugin-ttl=SECONDS    keep a plugin's answer this long unless its\n"
          "                              plugin.json entry or its output says (default 60)\n"
          "      --ntpq=PATH             the ntpq program the ntp collector runs (default\n"
          "                              /usr/sbin/ntpq; cmon-sim's fake:\n"
          "                              PREFIX/lib/cmon-sim/ntpq)\n"
          "      --ntp-ttl=SECONDS       keep ntpq's answer this long (default 64, the\n"
          "                              original's; 0 runs it for every scrape)\n"
          "      --datacenter=NAME       the datacenter label of the agent's own metrics\n"
          "                              on /v1/gz/metrics (sysinfo's \"Datacenter Name\"\n"
          "                              on SmartOS; default unknown)\n"
          "      --server-uuid=UUID      the server label of those metrics, the compute\n"
          "                              node's UUID (default /etc/machine-id as a UUID)\n"
          "      --vminfod=URL           vminfod, asked for each VM's NICs (the link labels\n"
          "                              nic_tag, network_uuid) and core zones' records\n"
          "                              (default http://127.0.0.1:9090, SmartOS's)\n"
          "      --admin-uuid=UUID       the admin account: without x-joyent-cmon-opts, a\n"
          "                              zone it owns with a smartdc_role tag is a core\n"
          "                              zone (default: ufds_admin_uuid of\n"
          "                              /opt/smartdc/config/node.config, else none)\n"
          "      --core-timeout=SECONDS  answer a core zone's scrape without the metric\n"
          "                              ports that have not answered after this (all\n"
          "                              ports at once; default 1)\n"
          "  -h, --help                  print this help and exit\n"
          "      --version               print the version and exit\n"
          "\n"
          "Exit status:\n"
          "  0  stopped by SIGTERM or SIGINT\n"
          "  1  cannot open the kstats or cannot listen\n"
          "  2  bad usage: an unknown flag or a bad value\n"
          "\n"
          "Environment:\n"
          "  CMON_SIM_WORLD  the kstat world to read (the fake kernel's, on Linux)\n"
          "\n"
          "Examples:\n"
          "  $ CMON_SIM_WORLD=/dev/shm/w cmon-agent --listen localhost:9163\n"
          "  $ cmon-agent --web.listen-address=:9163\n",
          out);
}

/* A flag's whole number in [min, max] into *out. 0, or -1 after a message. */
static int
opts_unsigned(const char *arg, const char *flag, unsigned min, unsigned max, unsigned *out,
              FILE *err)
{
    char why[64];
    if (cmon_parse_unsigned(arg, min, max, out, why, sizeof(why)) == 0)
        return 0;
    fprintf(err, "cmon-agent: bad %s %s: %s\n", flag, arg, why);
    return -1;
}

/* A flag's seconds in [min, max] into *out. 0, or -1 after a message. */
static int
opts_seconds(const char *arg, const char *flag, double min, double max, double *out, FILE *err)
{
    char why[96];
    if (cmon_parse_double(arg, min, max, out, why, sizeof(why)) == 0)
        return 0;
    fprintf(err, "cmon-agent: bad %s %s: %s (seconds)\n", flag, arg, why);
    return -1;
}

/* --listen and --web.listen-address (listen.h says the forms). 0, or -1 after a message. */
static int
opts_listen(agent_opts_t *o, const char *flag, const char *arg, FILE *err)
{
    char why[256];
    if (cmon_listen_parse(arg, &o->ao_listen, why, sizeof(why)) != 0) {
        if (err != NULL) /* NULL: the default, a literal that parses */
            fprintf(err, "cmon-agent: bad %s %s: %s\n", flag, arg, why);
        return -1;
    }
    snprintf(o->ao_addr, sizeof(o->ao_addr), "%s", o->ao_listen.cl_host);
    o->ao_port = o->ao_listen.cl_port;
    return 0;
}

static void
opts_defaults(agent_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    (void)opts_listen(o, "--listen", OPTS_LISTEN_DEFAULT, NULL); /* a literal: cannot fail */
    o->ao_cache_ttl = 10;
    o->ao_names = NAMES_CMON;
    o->ao_threads = 2;
    o->ao_handles = 1;
    o->ao_max_conns = 4096;
    o->ao_idle_timeout = 60;
    o->ao_max_per_client = 2048;
    o->ao_header_timeout = 10;
    o->ao_log_interval = 10;
    o->ao_log_level = LOG_INFO;
    o->ao_gz.go_zfs_ttl = GZ_ZFS_TTL_DEFAULT;
    o->ao_gz.go_plugins.po_dir = PLUGIN_DIR_DEFAULT;
    o->ao_gz.go_plugins.po_limits.pl_timeout_ms = PLUGIN_TIMEOUT_MS_DEFAULT;
    o->ao_gz.go_plugins.po_limits.pl_output_max = PLUGIN_OUTPUT_MAX_DEFAULT;
    o->ao_gz.go_plugins.po_ttl = GZ_PLUGIN_TTL_DEFAULT;
    o->ao_gz.go_ntp.no_ntpq = NTP_NTPQ_DEFAULT;
    o->ao_gz.go_ntp.no_ttl = NTP_TTL_DEFAULT;
    snprintf(o->ao_vminfod, sizeof(o->ao_vminfod), "%s", VMINFO_DEFAULT_URL);
    o->ao_gz.go_core.to_timeout_s = TCORE_TIMEOUT_S_DEFAULT;
}

/* The compute node's options (gz.h). 0, or -1 after a message. */
static int
opts_gz(gz_opts_t *g, int c, const char *arg, FILE *err)
{
    double v;
    switch (c) {
    case 'Z':
        return opts_seconds(arg, "--zfs-ttl", 0, 86400, &g->go_zfs_ttl, err);
    case 'P':
        g->go_plugins.po_dir = arg;
        return 0;
    case 'D':
        if (*arg == '\0' || strlen(arg) > 200) {
            fprintf(err, "cmon-agent: bad --datacenter \"%s\": want 1 to 200 bytes\n", arg);
            return -1;
        }
        g->go_datacenter = arg;
        return 0;
    case 'S':
        if (!agent_valid_uuid(arg)) {
            fprintf(err, "cmon-agent: bad --server-uuid %s: not a UUID\n", arg);
            return -1;
        }
        g->go_server = arg;
        return 0;
    case 'T':
        if (opts_seconds(arg, "--plugin-timeout", 0.01, 3600, &v, err) != 0)
            return -1;
        g->go_plugins.po_limits.pl_timeout_ms = (int)(v * 1000);
        return 0;
    case 'Q':
        if (arg[0] == '\0') {
            fprintf(err, "cmon-agent: bad --ntpq '': want the path of ntpq\n");
            return -1;
        }
        g->go_ntp.no_ntpq = arg;
        return 0;
    case 'N':
        return opts_seconds(arg, "--ntp-ttl", 0, 86400, &g->go_ntp.no_ttl, err);
    default:
        return opts_seconds(arg, "--plugin-ttl", 0, 86400, &g->go_plugins.po_ttl, err);
    }
}

/* Long options without a short letter. */
enum {
    OPTS_VMINFOD = 1000,
    OPTS_ADMIN_UUID,
    OPTS_CORE_TIMEOUT,
    OPTS_MAX_PER_CLIENT,
    OPTS_HEADER_TIMEOUT,
    OPTS_LOG_INTERVAL
};

/* --vminfod: an http:// URL, kept without trailing '/'. 0, or -1 after a message. */
static int
opts_vminfod(agent_opts_t *o, const char *arg, FILE *err)
{
    size_t n = strlen(arg);
    while (n > 0 && arg[n - 1] == '/')
        n--;
    if (strncmp(arg, "http://", 7) != 0 || n <= 7 || n >= sizeof(o->ao_vminfod) ||
        strpbrk(arg, " \t\r\n") != NULL) {
        fprintf(err, "cmon-agent: bad --vminfod %s: want http://HOST:PORT\n", arg);
        return -1;
    }
    snprintf(o->ao_vminfod, sizeof(o->ao_vminfod), "%.*s", (int)n, arg);
    return 0;
}

int
opts_node_config_admin(const char *path, char *out)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int rc = -1;
    if (f == NULL)
        return -1;
    while (rc != 0 && fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "ufds_admin_uuid=", 16) != 0)
            continue;
        char *v = line + 16, *q = v + (*v == '\'' || *v == '"');
        q[strcspn(q, "'\"\r\n \t")] = '\0';
        if (agent_valid_uuid(q)) {
            snprintf(out, 40, "%s", q);
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

/* What the triton_core options point at once parsed (the strings live in o). */
static void
opts_core_finish(agent_opts_t *o)
{
    if (o->ao_admin_uuid[0] == '\0')
        (void)opts_node_config_admin(OPTS_NODE_CONFIG, o->ao_admin_uuid);
    o->ao_gz.go_core.to_admin_uuid = o->ao_admin_uuid[0] ? o->ao_admin_uuid : NULL;
}

/* Applies one option; 0, or -1 after a message. */
static int
opts_one(agent_opts_t *o, int c, const char *arg, FILE *err)
{
    switch (c) {
    case 'l':
        return opts_listen(o, "--listen", arg, err);
    case 'W':
        return opts_listen(o, "--web.listen-address", arg, err);
    case 'c':
        return opts_seconds(arg, "--cache-ttl", 0, 86400, &o->ao_cache_ttl, err);
    case 'n':
        if (strcmp(arg, "cmon") == 0 || strcmp(arg, "prometheus") == 0) {
            o->ao_names = arg[0] == 'c' ? NAMES_CMON : NAMES_PROMETHEUS;
            return 0;
        }
        fprintf(err, "cmon-agent: bad --metric-names %s: want cmon or prometheus\n", arg);
        return -1;
    case 't':
        return opts_unsigned(arg, "--threads", 1, 64, &o->ao_threads, err);
    case 'k':
        return opts_unsigned(arg, "--kstat-handles", 1, 64, &o->ao_handles, err);
    case 'm':
        return opts_unsigned(arg, "--max-connections", 1, 1000000, &o->ao_max_conns, err);
    case 'i':
        return opts_unsigned(arg, "--idle-timeout", 1, 86400, &o->ao_idle_timeout, err);
    case 'L': {
        int lv = log_level_parse(arg);
        if (lv >= 0) {
            o->ao_log_level = (log_level_t)lv;
            return 0;
        }
        fprintf(err, "cmon-agent: bad --log-level %s: want error, warn, info or debug\n", arg);
        return -1;
    }
    case OPTS_VMINFOD:
        return opts_vminfod(o, arg, err);
    case OPTS_ADMIN_UUID:
        if (!agent_valid_uuid(arg)) {
            fprintf(err, "cmon-agent: bad --admin-uuid %s: not a UUID\n", arg);
            return -1;
        }
        snprintf(o->ao_admin_uuid, sizeof(o->ao_admin_uuid), "%s", arg);
        return 0;
    case OPTS_CORE_TIMEOUT:
        return opts_seconds(arg, "--core-timeout", 0.01, 60, &o->ao_gz.go_core.to_timeout_s, err);
    case OPTS_MAX_PER_CLIENT:
        return opts_unsigned(arg, "--max-connections-per-client", 0, 1000000, &o->ao_max_per_client,
                             err);
    case OPTS_HEADER_TIMEOUT:
        return opts_unsigned(arg, "--header-timeout", 1, 3600, &o->ao_header_timeout, err);
    case OPTS_LOG_INTERVAL:
        return opts_seconds(arg, "--log-interval", 0, 86400, &o->ao_log_interval, err);
    case 'h':
        o->ao_help = 1;
        return 0;
    case 'V':
        o->ao_version = 1;
        return 0;
    default:
        return opts_gz(&o->ao_gz, c, arg, err);
    }
}

/* getopt_long's table: every flag the agent takes (--help lists each one). */
static const struct option opts_table[] = {
    {"listen", required_argument, NULL, 'l'},
    {"web.listen-address", required_argument, NULL, 'W'},
    {"cache-ttl", required_argument, NULL, 'c'},
    {"metric-names", required_argument, NULL, 'n'},
    {"threads", required_argument, NULL, 't'},
    {"kstat-handles", required_argument, NULL, 'k'},
    {"max-connections", required_argument, NULL, 'm'},
    {"idle-timeout", required_argument, NULL, 'i'},
    {"log-level", required_argument, NULL, 'L'},
    {"zfs-ttl", required_argument, NULL, 'Z'},
    {"plugin-dir", required_argument, NULL, 'P'},
    {"plugin-timeout", required_argument, NULL, 'T'},
    {"plugin-ttl", required_argument, NULL, 'U'},
    {"ntpq", required_argument, NULL, 'Q'},
    {"ntp-ttl", required_argument, NULL, 'N'},
    {"datacenter", required_argument, NULL, 'D'},
    {"server-uuid", required_argument, NULL, 'S'},
    {"vminfod", required_argument, NULL, OPTS_VMINFOD},
    {"admin-uuid", required_argument, NULL, OPTS_ADMIN_UUID},
    {"core-timeout", required_argument, NULL, OPTS_CORE_TIMEOUT},
    {"max-connections-per-client", required_argument, NULL, OPTS_MAX_PER_CLIENT},
    {"header-timeout", required_argument, NULL, OPTS_HEADER_TIMEOUT},
    {"log-interval", required_argument, NULL, OPTS_LOG_INTERVAL},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* The flags as getopt sees them. 0, or -1 after a one-line message. */
static int
opts_scan(agent_opts_t *o, int argc, char **argv, FILE *err)
{
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts_table, NULL)) != -1) {
        if (c == ':') {
            fprintf(err, "cmon-agent: %s needs a value\n", argv[optind - 1]);
            return -1;
        }
        if (c == '?') {
            fprintf(err, "cmon-agent: unknown option %s\n", argv[optind - 1]);
            return -1;
        }
        if (opts_one(o, c, optarg, err) != 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(err, "cmon-agent: unexpected argument %s\n", argv[optind]);
        return -1;
    }
    return 0;
}

int
opts_parse(agent_opts_t *o, int argc, char **argv, FILE *err)
{
    opts_defaults(o);
    if (opts_scan(o, argc, argv, err) == 0)
        return opts_core_finish(o), 0;
    fprintf(err, "Try 'cmon-agent --help'.\n");
    return -1;
}
