/* cmon-telemetry: ContainerPilot-compatible application telemetry.
 *   cmon-telemetry -config FILE [-socket PATH] [-listen ADDR:PORT]
 *   cmon-telemetry -putmetric name=value [-putmetric name=value ...] [-socket PATH]
 * Flags take one dash, as ContainerPilot's, or two (getopt_long_only). */
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cli.h"
#include "httpguard.h"
#include "cmon_version.h"
#include "config.h"
#include "listen.h"
#include "netif.h"
#include "probe.h"
#include "putmetric.h"
#include "registry.h"
#include "server.h"

#define TELEMETRY_DEFAULT_SOCKET "/var/run/containerpilot.socket"
#define TELEMETRY_MAX_PAIRS 256

/* Set by SIGTERM/SIGINT, read by the loop: a signal handler can only talk
 * to the rest of the program through a global. */
static volatile sig_atomic_t telemetry_stop;

struct opts {
    const char *op_config;
    const char *op_socket;
    const char *op_ready;    /* -ready-file */
    cmon_listen_t op_listen; /* -listen / -web.listen-address, when op_has_listen */
    int op_has_listen;
    httpguard_limits_t op_limits; /* -max-connections, -max-connections-per-client, ... */
    char *op_pairs[TELEMETRY_MAX_PAIRS];
    size_t op_npairs;
};

static void
usage(FILE *f)
{
    fputs("Usage: cmon-telemetry --config=FILE [OPTION]...\n"
          "  or:  cmon-telemetry --putmetric=NAME=VALUE... [NAME=VALUE]... [OPTION]...\n"
          "Serves an application's own metrics as ContainerPilot's telemetry did: sensors\n"
          "(commands polled on a schedule) and metrics pushed with --putmetric.\n"
          "\n"
          "Options:\n"
          "      --config=FILE          the ContainerPilot configuration: run its sensors\n"
          "                             and serve /metrics and /status; with --putmetric\n"
          "                             it only names the control socket\n"
          "      --putmetric=NAME=VALUE\n"
          "                             record VALUE for the configured metric NAME in\n"
          "                             the running cmon-telemetry (repeatable)\n"
          "      --socket=PATH          the control socket (default: control.socket of\n"
          "                             the configuration, else\n"
          "                             " TELEMETRY_DEFAULT_SOCKET ")\n"
          "      --listen=ADDR:PORT     listen there instead of the configuration's\n"
          "                             telemetry interfaces and port: IPv4:PORT,\n"
          "                             [IPv6]:PORT, HOST:PORT (localhost:PORT), or :PORT\n"
          "                             for every address\n"
          "      --web.listen-address=ADDR:PORT\n"
          "                             the same as --listen (the Prometheus exporters'\n"
          "                             name for it)\n"
          "      --max-connections=N    most HTTP connections at once; one beyond them is\n"
          "                             closed at once (default 256)\n"
          "      --max-connections-per-client=N\n"
          "                             most at once from one IP address (default 64;\n"
          "                             0: no limit)\n"
          "      --header-timeout=SECONDS\n"
          "                             a request's headers must be complete this long\n"
          "                             after the connection (or its first byte, kept\n"
          "                             alive): else 408 (400 without a request line)\n"
          "                             and closed, however slowly they trickle (default\n"
          "                             10)\n"
          "      --idle-timeout=SECONDS close a connection idle this long (default 30)\n"
          "      --ready-file=PATH      once listening, write http://ADDR:PORT to PATH (for\n"
          "                             harnesses; removed at exit)\n"
          "  -h, --help                 print this help and exit\n"
          "      --version              print the version and exit\n"
          "\n"
          "Every flag also takes one dash, as ContainerPilot's did (-config FILE,\n"
          "-putmetric NAME=VALUE), and its value after '=' or as the next argument.\n"
          "GET / lists the endpoints: /metrics (text 0.0.4 or OpenMetrics) and /status.\n"
          "\n"
          "Exit status:\n"
          "  0  stopped by SIGTERM or SIGINT; with --putmetric, the values were recorded\n"
          "  1  a runtime failure: cannot listen, the server refused the values\n"
          "  2  bad usage or a malformed configuration (FILE:LINE:COLUMN: what)\n"
          "\n"
          "Environment:\n"
          "  CONTAINERPILOT  the configuration (FILE or file://FILE) when --config is\n"
          "                  not given\n"
          "\n"
          "Examples:\n"
          "  $ cmon-telemetry -config app.json5 &\n"
          "  $ cmon-telemetry -config app.json5 -putmetric jobs_done_total=1\n",
          f);
}

/* A usage error: one line saying what, then a pointer to --help. -1. */
static int
usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "cmon-telemetry: %s%s\nTry 'cmon-telemetry --help'.\n", what, arg);
    return -1;
}

/* The HTTP limits' flags (httpguard.h), past the letters. */
enum {
    TELEMETRY_OPT_MAX_CONNS = 1000,
    TELEMETRY_OPT_PER_CLIENT,
    TELEMETRY_OPT_HEADER_TIMEOUT,
    TELEMETRY_OPT_IDLE_TIMEOUT
};

/* getopt_long_only's table: every flag (--help lists each one). One dash or
 * two both match a long name, as ContainerPilot's Go flags did. */
static const struct option opts_table[] = {
    {"config", required_argument, NULL, 'c'},
    {"putmetric", required_argument, NULL, 'p'},
    {"socket", required_argument, NULL, 's'},
    {"listen", required_argument, NULL, 'l'},
    {"web.listen-address", required_argument, NULL, 'W'},
    {"ready-file", required_argument, NULL, 'r'},
    {"max-connections", required_argument, NULL, TELEMETRY_OPT_MAX_CONNS},
    {"max-connections-per-client", required_argument, NULL, TELEMETRY_OPT_PER_CLIENT},
    {"header-timeout", required_argument, NULL, TELEMETRY_OPT_HEADER_TIMEOUT},
    {"idle-timeout", required_argument, NULL, TELEMETRY_OPT_IDLE_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* -listen / -web.listen-address. 0, or -1 after a usage error. */
static int
parse_listen(struct opts *o, const char *flag, const char *arg)
{
    char why[256], what[400];
    if (cmon_listen_parse(arg, &o->op_listen, why, sizeof why) == 0) {
        o->op_has_listen = 1;
        return 0;
    }
    snprintf(what, sizeof what, "bad %s %s: ", flag, arg);
    return usage_error(what, why);
}

static int
parse_pair(struct opts *o, char *pair)
{
    if (o->op_npairs == TELEMETRY_MAX_PAIRS)
        return usage_error("too many name=value pairs, at most 256: ", pair);
    o->op_pairs[o->op_npairs++] = pair;
    return 0;
}

/* The HTTP limits' flags and where each goes. */
static const struct limit_flag {
    int lf_opt;
    const char *lf_flag;
    unsigned lf_min;
    size_t lf_offset; /* of the unsigned in httpguard_limits_t */
} limit_flags[] = {
    {TELEMETRY_OPT_MAX_CONNS, "-max-connections", 1, offsetof(httpguard_limits_t, hg_max_conns)},
    {TELEMETRY_OPT_PER_CLIENT, "-max-connections-per-client", 0,
     offsetof(httpguard_limits_t, hg_max_per_client)},
    {TELEMETRY_OPT_HEADER_TIMEOUT, "-header-timeout", 1,
     offsetof(httpguard_limits_t, hg_header_timeout)},
    {TELEMETRY_OPT_IDLE_TIMEOUT, "-idle-timeout", 1, offsetof(httpguard_limits_t, hg_idle_timeout)},
};

/* One of the HTTP limits. 0, or -1 after a usage error. */
static int
parse_limit(struct opts *o, int c, const char *arg)
{
    char why[96], what[160];
    for (size_t k = 0; k < sizeof limit_flags / sizeof limit_flags[0]; k++) {
        const struct limit_flag *lf = &limit_flags[k];
        if (lf->lf_opt != c)
            continue;
        unsigned *out = (unsigned *)((char *)&o->op_limits + lf->lf_offset);
        if (cmon_parse_unsigned(arg, lf->lf_min, 1000000, out, why, sizeof why) == 0)
            return 0;
        snprintf(what, sizeof what, "bad %s %s: ", lf->lf_flag, arg);
        return usage_error(what, why);
    }
    return usage_error("unknown flag", "");
}

/* One flag. 0, 1 to exit 0 at once (help, version), or -1 (usage error). */
static int
parse_one(struct opts *o, int c, char *arg)
{
    switch (c) {
    case 'c':
        o->op_config = arg;
        return 0;
    case 'p':
        return parse_pair(o, arg);
    case 's':
        o->op_socket = arg;
        return 0;
    case 'r':
        o->op_ready = arg;
        return 0;
    case 'l':
        return parse_listen(o, "-listen", arg);
    case 'W':
        return parse_listen(o, "-web.listen-address", arg);
    case TELEMETRY_OPT_MAX_CONNS:
    case TELEMETRY_OPT_PER_CLIENT:
    case TELEMETRY_OPT_HEADER_TIMEOUT:
    case TELEMETRY_OPT_IDLE_TIMEOUT:
        return parse_limit(o, c, arg);
    case 'h':
        usage(stdout);
        return 1;
    default:
        printf("cmon-telemetry %s\n", CMON_VERSION);
        return 1;
    }
}

/* 0 to go on, 1 to exit 0 (help, version), -1 after a usage error. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
    int c, rc;
    opterr = 0;
    while ((c = getopt_long_only(argc, argv, ":h", opts_table, NULL)) != -1) {
        if (c == ':')
            return usage_error("missing value for ", argv[optind - 1]);
        if (c == '?')
            return usage_error("unknown flag ", argv[optind - 1]);
        if ((rc = parse_one(o, c, optarg)) != 0)
            return rc;
    }
    for (int k = optind; k < argc; k++) /* bare name=value pairs after -putmetric */
        if (o->op_npairs == 0)
            return usage_error("unexpected argument ", argv[k]);
        else if (parse_pair(o, argv[k]) != 0)
            return -1;
    if (o->op_config == NULL && getenv("CONTAINERPILOT") != NULL && *getenv("CONTAINERPILOT")) {
        /* ContainerPilot's variable: a path, or a file:// URL (version 2) */
        const char *env = getenv("CONTAINERPILOT");
        o->op_config = strncmp(env, "file://", 7) == 0 ? env + 7 : env;
    }
    if (o->op_config == NULL && o->op_npairs == 0)
        return usage_error("give -config FILE or -putmetric name=value", "");
    return 0;
}

/* ---- -putmetric --------------------------------------------------------- */

/* The control socket: -socket, else control.socket of -config, else the
 * default. Returns 0, or -1 (message printed) for a bad configuration. */
static int
putmetric_socket(const struct opts *o, char *sock, size_t len)
{
    snprintf(sock, len, "%s", o->op_socket ? o->op_socket : TELEMETRY_DEFAULT_SOCKET);
    if (o->op_socket != NULL || o->op_config == NULL)
        return 0;
    struct cfg cfg;
    char err[1024];
    if (cfg_load_file(o->op_config, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        return -1;
    }
    if (cfg.cf_socket != NULL)
        snprintf(sock, len, "%s", cfg.cf_socket);
    cfg_free(&cfg);
    return 0;
}

static int
run_putmetric(const struct opts *o)
{
    char err[512], sock[4096];
    char *body = putmetric_body(o->op_pairs, o->op_npairs, err, sizeof err);
    if (body == NULL) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        return 2;
    }
    if (putmetric_socket(o, sock, sizeof sock) != 0) {
        free(body);
        return 2;
    }
    sbuf_t answer;
    sbuf_init(&answer, 256);
    long status = putmetric_post(sock, body, &answer, err, sizeof err);
    free(body);
    int rc = 0;
    if (status < 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        rc = 1;
    } else if (status != 200) {
        fprintf(stderr, "cmon-telemetry: putmetric refused (%ld): %s", status, answer.sb_buf);
        rc = 1;
    }
    sbuf_release(&answer);
    return rc;
}

/* ---- -config: the server ------------------------------------------------ */

static void
on_stop(int sig)
{
    (void)sig;
    telemetry_stop = 1;
}

/* Writes "http://ADDR:PORT\n" to path, whole or not at all (rename). */
static int
write_ready(const char *path, const char *listen)
{
    char line[300];
    int n = snprintf(line, sizeof line, "http://%s\n", listen);
    if (n >= (int)sizeof line || atomicfile_write(path, line, (size_t)n, ATOMICFILE_MODE) != 0) {
        fprintf(stderr, "cmon-telemetry: cannot write %s: %s\n", path,
                n >= (int)sizeof line ? strerror(ENAMETOOLONG) : strerror(errno));
        return -1;
    }
    return 0;
}

/* The address to listen on: -listen, else the configuration's interfaces
 * and port (netif.h). 0, or -1 after a message. */
static int
listen_address(const struct opts *o, const struct cfg *cfg, struct sockaddr_storage *addr,
               socklen_t *alen)
{
    char err[512];
    if (o->op_has_listen) {
        *addr = o->op_listen.cl_addr;
        *alen = o->op_listen.cl_addrlen;
        return 0;
    }
    if (netif_resolve(cfg->cf_interfaces, cfg->cf_port, addr, alen, err, sizeof err) != 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        return -1;
    }
    return 0;
}

static int
serve(const struct opts *o, const struct cfg *cfg, const char *sock)
{
    char err[512];
    const char *ready = o->op_ready;
    struct sockaddr_storage addr;
    socklen_t alen;
    if (listen_address(o, cfg, &addr, &alen) != 0)
        return 1;
    struct registry reg;
    struct prober pb = {0};
    struct server sv;
    sigset_t wait_mask;
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (registry_init(&reg, cfg) != 0 || prober_signals_block(&wait_mask) != 0) {
        fprintf(stderr, "cmon-telemetry: cannot set up: %s\n", strerror(errno));
        return 1;
    }
    if (server_start_limited(&sv, &reg, (struct sockaddr *)&addr, alen, sock, &o->op_limits, err,
                             sizeof err) != 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        registry_free(&reg);
        return 1;
    }
    fprintf(stderr, "cmon-telemetry: listening on http://%s, control socket %s\n", sv.sv_listen,
            sock);
    int rc = ready != NULL ? write_ready(ready, sv.sv_listen) : 0;
    if (rc == 0)
        rc = prober_init(&pb, &reg, prober_now());
    while (rc == 0 && !telemetry_stop)
        prober_step(&pb, &wait_mask, 1.0);
    prober_free(&pb);
    if (ready != NULL)
        unlink(ready);
    server_stop(&sv);
    registry_free(&reg);
    return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    struct opts o = {.op_limits = SERVER_LIMITS_DEFAULT};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (o.op_npairs > 0)
        return run_putmetric(&o);
    struct cfg cfg;
    char err[1024];
    if (cfg_load_file(o.op_config, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        return 2;
    }
    const char *sock = o.op_socket     ? o.op_socket
                       : cfg.cf_socket ? cfg.cf_socket
                                       : TELEMETRY_DEFAULT_SOCKET;
    rc = serve(&o, &cfg, sock);
    cfg_free(&cfg);
    return rc;
}
