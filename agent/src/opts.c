/* opts - cmon-agent's command line. */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void
opts_usage(FILE *out)
{
    fputs("usage: cmon-agent [options]\n"
          "Serves Prometheus metrics for every zone of this compute node from kstats.\n"
          "\n"
          "  --listen ADDR:PORT       address to listen on (default 127.0.0.1:9163;\n"
          "                           port 0 picks a free one, logged at start)\n"
          "  --cache-ttl SECONDS      keep each collector's result per zone this long\n"
          "                           (default 10; 0 disables the cache)\n"
          "  --metric-names SET       cmon (cmon-agent's names, default) or prometheus\n"
          "                           (base units, _total counters)\n"
          "  --threads N              HTTP worker threads (default 2)\n"
          "  --kstat-handles N        kstat handles open at once: each holds a copy of\n"
          "                           every kstat header; scrapes share them, holding\n"
          "                           one only while reading (default 1)\n"
          "  --max-connections N      most client connections at once (default 4096)\n"
          "  --idle-timeout SECONDS   close a connection idle this long (default 60)\n"
          "  --log-level LEVEL        error, warn, info (default) or debug\n"
          "  --zfs-ttl SECONDS        keep each instance's zfs answer this long (default 300)\n"
          "  --plugin-dir DIR         run the executables of DIR/vm for every instance and\n"
          "                           of DIR/gz for the node (DIR owned by the agent's user\n"
          "                           or root, not writable by group or others)\n"
          "  --plugin-timeout SECONDS kill a plugin still running after this (default 3)\n"
          "  --plugin-ttl SECONDS     keep a plugin's answer this long unless it prints\n"
          "                           \"# TTL <seconds>\" (default 60)\n"
          "  -h, --help               this text\n"
          "\n"
          "The kstat world is the one named by CMON_SIM_WORLD (fake kernel on Linux).\n",
          out);
}

/* Parses an unsigned in [min, max]. 0 or -1. */
static int
opts_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int
opts_listen_parse(const char *s, char *addr, size_t addrlen, unsigned *port)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s)
        return -1;
    const char *a = s;
    size_t n = (size_t)(colon - s);
    if (a[0] == '[') {
        if (n < 3 || a[n - 1] != ']')
            return -1;
        a++;
        n -= 2;
    }
    if (n >= addrlen)
        return -1;
    memcpy(addr, a, n);
    addr[n] = '\0';
    return opts_uint(colon + 1, 0, 65535, port);
}

static void
opts_defaults(agent_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    strcpy(o->ao_addr, "127.0.0.1");
    o->ao_port = 9163;
    o->ao_cache_ttl = 10;
    o->ao_names = NAMES_CMON;
    o->ao_threads = 2;
    o->ao_handles = 1;
    o->ao_max_conns = 4096;
    o->ao_idle_timeout = 60;
    o->ao_log_level = LOG_INFO;
    o->ao_gz.go_zfs_ttl = GZ_ZFS_TTL_DEFAULT;
    o->ao_gz.go_plugins.po_dir = NULL;
    o->ao_gz.go_plugins.po_limits.pl_timeout_ms = PLUGIN_TIMEOUT_MS_DEFAULT;
    o->ao_gz.go_plugins.po_limits.pl_output_max = PLUGIN_OUTPUT_MAX_DEFAULT;
    o->ao_gz.go_plugins.po_ttl = GZ_PLUGIN_TTL_DEFAULT;
}

/* Parses seconds in [min, max] into *out. 0 or -1. */
static int
opts_seconds(const char *s, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
}

/* The compute node's options (gz.h). 0, or -1 after a message. */
static int
opts_gz(gz_opts_t *g, int c, const char *arg, FILE *err)
{
    double v;
    switch (c) {
    case 'Z':
        if (opts_seconds(arg, 0, 86400, &g->go_zfs_ttl) == 0)
            return 0;
        fprintf(err, "cmon-agent: bad --zfs-ttl %s: want seconds in [0, 86400]\n", arg);
        return -1;
    case 'P':
        g->go_plugins.po_dir = arg;
        return 0;
    case 'T':
        if (opts_seconds(arg, 0.01, 3600, &v) == 0) {
            g->go_plugins.po_limits.pl_timeout_ms = (int)(v * 1000);
            return 0;
        }
        fprintf(err, "cmon-agent: bad --plugin-timeout %s: want seconds in [0.01, 3600]\n", arg);
        return -1;
    default:
        if (opts_seconds(arg, 0, 86400, &g->go_plugins.po_ttl) == 0)
            return 0;
        fprintf(err, "cmon-agent: bad --plugin-ttl %s: want seconds in [0, 86400]\n", arg);
        return -1;
    }
}

/* Applies one option; 0, or -1 after a message. */
static int
opts_one(agent_opts_t *o, int c, const char *arg, FILE *err)
{
    char *end;
    switch (c) {
    case 'l':
        if (opts_listen_parse(arg, o->ao_addr, sizeof(o->ao_addr), &o->ao_port) == 0)
            return 0;
        fprintf(err, "cmon-agent: bad --listen %s: want ADDR:PORT\n", arg);
        return -1;
    case 'c':
        o->ao_cache_ttl = strtod(arg, &end);
        if (end != arg && *end == '\0' && o->ao_cache_ttl >= 0 && o->ao_cache_ttl <= 86400)
            return 0;
        fprintf(err, "cmon-agent: bad --cache-ttl %s: want seconds in [0, 86400]\n", arg);
        return -1;
    case 'n':
        if (strcmp(arg, "cmon") == 0 || strcmp(arg, "prometheus") == 0) {
            o->ao_names = arg[0] == 'c' ? NAMES_CMON : NAMES_PROMETHEUS;
            return 0;
        }
        fprintf(err, "cmon-agent: bad --metric-names %s: want cmon or prometheus\n", arg);
        return -1;
    case 't':
        if (opts_uint(arg, 1, 64, &o->ao_threads) == 0)
            return 0;
        fprintf(err, "cmon-agent: bad --threads %s: want 1 to 64\n", arg);
        return -1;
    case 'k':
        if (opts_uint(arg, 1, 64, &o->ao_handles) == 0)
            return 0;
        fprintf(err, "cmon-agent: bad --kstat-handles %s: want 1 to 64\n", arg);
        return -1;
    case 'm':
        if (opts_uint(arg, 1, 1000000, &o->ao_max_conns) == 0)
            return 0;
        fprintf(err, "cmon-agent: bad --max-connections %s: want 1 to 1000000\n", arg);
        return -1;
    case 'i':
        if (opts_uint(arg, 1, 86400, &o->ao_idle_timeout) == 0)
            return 0;
        fprintf(err, "cmon-agent: bad --idle-timeout %s: want 1 to 86400 seconds\n", arg);
        return -1;
    case 'L': {
        int lv = log_level_parse(arg);
        if (lv >= 0) {
            o->ao_log_level = (log_level_t)lv;
            return 0;
        }
        fprintf(err, "cmon-agent: bad --log-level %s: want error, warn, info or debug\n", arg);
        return -1;
    }
    case 'h':
        o->ao_help = 1;
        return 0;
    case 'Z':
    case 'P':
    case 'T':
    case 'U':
        return opts_gz(&o->ao_gz, c, arg, err);
    default:
        fprintf(err, "cmon-agent: unknown option (see --help)\n");
        return -1;
    }
}

int
opts_parse(agent_opts_t *o, int argc, char **argv, FILE *err)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opts_defaults(o);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (c == ':') {
            fprintf(err, "cmon-agent: %s needs a value (see --help)\n", argv[optind - 1]);
            return -1;
        }
        if (c == '?') {
            fprintf(err, "cmon-agent: unknown option %s (see --help)\n", argv[optind - 1]);
            return -1;
        }
        if (opts_one(o, c, optarg, err) != 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(err, "cmon-agent: unexpected argument %s (see --help)\n", argv[optind]);
        return -1;
    }
    return 0;
}
