/* cmon-proxy: Triton's multi-tenant HTTPS front door to cmon-agents
 * (proxy/README.md). main() reads the flags, loads the certificate, learns
 * the inventory, serves until SIGTERM or SIGINT. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
#include "cmon_version.h"
#include "inventory.h"
#include "listen.h"
#include "proxy.h"

#define PROXY_PEM_MAX (1 << 20)

typedef struct opts {
    cmon_listen_t o_listen;
    int o_has_listen;
    const char *o_cert, *o_key, *o_cplane, *o_suffix;
    const char *o_access_log; /* --access-log: a file, or - for standard output */
    proxy_opts_t o_proxy;
} opts_t;

static void
usage(FILE *f)
{
    fputs("Usage: cmon-proxy --listen=ADDR:PORT --cert=FILE --key=FILE --cplane=URL [OPTION]...\n"
          "Triton's CMON proxy: HTTPS with client certificates in front of the cmon-agents\n"
          "of a data center. Prometheus discovers an account's instances on /v1/discover\n"
          "(triton_sd_configs) and scrapes each as https://<uuid>.<suffix>/metrics; the\n"
          "proxy authenticates the certificate against the control plane's accounts and\n"
          "forwards the scrape to the agent of the instance's compute node.\n"
          "\n"
          "Options:\n"
          "      --listen=ADDR:PORT     where to serve HTTPS: IPv4:PORT, [IPv6]:PORT,\n"
          "                             HOST:PORT or :PORT (every address); port 0 picks\n"
          "                             a free one\n"
          "      --cert=FILE            the server certificate (PEM, chain allowed)\n"
          "      --key=FILE             its private key (PEM)\n"
          "      --cplane=URL           the control plane (accounts, instances, compute\n"
          "                             nodes), e.g. http://127.0.0.1:8080\n"
          "      --dns-suffix=SUFFIX    hosts are cmon.SUFFIX and <uuid>.SUFFIX\n"
          "                             (default cmon.test)\n"
          "      --threads=N            HTTP worker threads (default 2)\n"
          "      --connect-timeout-ms=MS\n"
          "                             connecting to an agent (default 2000)\n"
          "      --upstream-timeout-ms=MS\n"
          "                             a whole agent request; past it 504 (default 10000)\n"
          "      --throttle-rate=R      requests per second per account (default 100)\n"
          "      --throttle-burst=B     requests at once per account (default 1000)\n"
          "      --account-cache=N      accounts kept in the look-up cache (default 50)\n"
          "      --account-ttl=S        seconds an account look-up is kept (default 300)\n"
          "      --max-connections=N    concurrent client connections (default 1024)\n"
          "      --access-log=FILE      a line per request appended to FILE (- for\n"
          "                             standard output): time, client, account,\n"
          "                             method, host, path, status, seconds in the\n"
          "                             proxy and waiting for the agent (README)\n"
          "  -h, --help                 print this help and exit\n"
          "      --version              print the version and exit\n"
          "\n"
          "When ready it prints \"listening on ADDR:PORT\" on stderr.\n"
          "\n"
          "Exit status:\n"
          "  0  stopped by SIGTERM or SIGINT\n"
          "  1  cannot start: unreadable certificate or key, cannot listen, the control\n"
          "     plane cannot be read\n"
          "  2  bad usage\n"
          "\n"
          "Example:\n"
          "  $ cmon-proxy --listen=127.0.0.1:9163 --cert=proxy.pem --key=proxy-key.pem \\\n"
          "        --cplane=http://127.0.0.1:8080\n",
          f);
}

static int
usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "cmon-proxy: %s%s\nTry 'cmon-proxy --help'.\n", what, arg);
    return -1;
}

static const struct option opts_table[] = {
    {"listen", required_argument, NULL, 'l'},
    {"cert", required_argument, NULL, 'c'},
    {"key", required_argument, NULL, 'k'},
    {"cplane", required_argument, NULL, 'p'},
    {"dns-suffix", required_argument, NULL, 'd'},
    {"threads", required_argument, NULL, 't'},
    {"connect-timeout-ms", required_argument, NULL, 'C'},
    {"upstream-timeout-ms", required_argument, NULL, 'U'},
    {"throttle-rate", required_argument, NULL, 'r'},
    {"throttle-burst", required_argument, NULL, 'b'},
    {"account-cache", required_argument, NULL, 'a'},
    {"account-ttl", required_argument, NULL, 'T'},
    {"max-connections", required_argument, NULL, 'm'},
    {"access-log", required_argument, NULL, 'A'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* A whole number flag in [min, max]. 0 or -1 after a usage error. */
static int
parse_uint(const char *flag, const char *arg, unsigned min, unsigned max, unsigned *out)
{
    char why[128], what[256];
    if (cmon_parse_unsigned(arg, min, max, out, why, sizeof(why)) == 0)
        return 0;
    snprintf(what, sizeof(what), "bad --%s %s: ", flag, arg);
    return usage_error(what, why);
}

static int
parse_real(const char *flag, const char *arg, double min, double max, double *out)
{
    char why[128], what[256];
    if (cmon_parse_double(arg, min, max, out, why, sizeof(why)) == 0)
        return 0;
    snprintf(what, sizeof(what), "bad --%s %s: ", flag, arg);
    return usage_error(what, why);
}

static int
parse_listen(opts_t *o, const char *arg)
{
    char why[256], what[400];
    if (cmon_listen_parse(arg, &o->o_listen, why, sizeof(why)) == 0) {
        o->o_has_listen = 1;
        return 0;
    }
    snprintf(what, sizeof(what), "bad --listen %s: ", arg);
    return usage_error(what, why);
}

static int
parse_cplane(opts_t *o, const char *arg)
{
    if (strncmp(arg, "http://", 7) != 0 || arg[7] == '\0' || strlen(arg) > 200)
        return usage_error("bad --cplane, want http://HOST:PORT: ", arg);
    o->o_cplane = arg;
    return 0;
}

/* Numbers of proxy_opts_t. 0 or -1 after a usage error. */
static int
parse_number(proxy_opts_t *p, int c, const char *arg)
{
    unsigned u;
    switch (c) {
    case 't':
        return parse_uint("threads", arg, 1, 256, &p->po_threads);
    case 'C':
        return parse_uint("connect-timeout-ms", arg, 1, 600000,
                          (unsigned *)&p->po_connect_timeout_ms);
    case 'U':
        return parse_uint("upstream-timeout-ms", arg, 1, 600000,
                          (unsigned *)&p->po_upstream_timeout_ms);
    case 'r':
        return parse_real("throttle-rate", arg, 0.001, 1e9, &p->po_throttle_rate);
    case 'b':
        return parse_real("throttle-burst", arg, 1, 1e9, &p->po_throttle_burst);
    case 'a':
        if (parse_uint("account-cache", arg, 1, 1000000, &u) != 0)
            return -1;
        p->po_account_cache = u;
        return 0;
    case 'T':
        return parse_real("account-ttl", arg, 0, 86400 * 365, &p->po_account_ttl_s);
    default:
        return parse_uint("max-connections", arg, 1, 1000000, &p->po_max_conns);
    }
}

/* One flag. 0, 1 to exit 0 at once (help, version), or -1 (usage error). */
static int
parse_one(opts_t *o, int c, const char *arg)
{
    switch (c) {
    case 'l':
        return parse_listen(o, arg);
    case 'c':
        o->o_cert = arg;
        return 0;
    case 'k':
        o->o_key = arg;
        return 0;
    case 'p':
        return parse_cplane(o, arg);
    case 'A':
        if (arg[0] == '\0')
            return usage_error("bad --access-log: ", "an empty path");
        o->o_access_log = arg;
        return 0;
    case 'd':
        if (arg[0] == '\0' || arg[0] == '.' || strlen(arg) > 200)
            return usage_error("bad --dns-suffix: ", arg);
        o->o_suffix = arg;
        return 0;
    case 'h':
        usage(stdout);
        return 1;
    case 'V':
        printf("cmon-proxy %s\n", CMON_VERSION);
        return 1;
    default:
        return parse_number(&o->o_proxy, c, arg);
    }
}

static int
parse_args(int argc, char **argv, opts_t *o)
{
    int c, rc;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts_table, NULL)) != -1) {
        if (c == ':')
            return usage_error("missing value for ", argv[optind - 1]);
        if (c == '?')
            return usage_error("unknown flag ", argv[optind - 1]);
        if ((rc = parse_one(o, c, optarg)) != 0)
            return rc;
    }
    if (optind < argc)
        return usage_error("unexpected argument ", argv[optind]);
    if (!o->o_has_listen || o->o_cert == NULL || o->o_key == NULL || o->o_cplane == NULL)
        return usage_error("--listen, --cert, --key and --cplane are required", "");
    return 0;
}

/* The whole of a PEM file, NUL-terminated, or NULL with a message printed. */
static char *
read_pem(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = f != NULL ? malloc(PROXY_PEM_MAX + 1) : NULL;
    size_t n = buf != NULL ? fread(buf, 1, PROXY_PEM_MAX + 1, f) : 0;
    int bad = buf == NULL || ferror(f) || n == 0 || n > PROXY_PEM_MAX;
    if (bad) {
        fprintf(stderr, "cmon-proxy: cannot read %s: %s\n", path,
                f == NULL           ? strerror(errno)
                : n > PROXY_PEM_MAX ? "larger than 1 MB"
                                    : "empty or unreadable");
        free(buf);
        buf = NULL;
    } else
        buf[n] = '\0';
    if (f != NULL)
        fclose(f);
    return buf;
}

/* The access log's descriptor (standard output for "-"), 0 for none, -1
 * with a message printed. */
static int
open_access_log(const char *path)
{
    if (path == NULL)
        return 0;
    if (strcmp(path, "-") == 0)
        return STDOUT_FILENO;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0 && fd <= STDERR_FILENO) { /* started with those closed: 0 would mean none */
        int high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        close(fd);
        fd = high;
    }
    if (fd < 0)
        fprintf(stderr, "cmon-proxy: cannot open the access log %s: %s\n", path, strerror(errno));
    return fd;
}

/* Serves until SIGTERM or SIGINT (blocked in every thread, taken here). */
static int
serve(opts_t *o, inventory_t *inv, const sigset_t *stop)
{
    char err[512], addr[128];
    o->o_proxy.po_addr = (const struct sockaddr *)&o->o_listen.cl_addr;
    o->o_proxy.po_cplane = o->o_cplane;
    o->o_proxy.po_dns_suffix = o->o_suffix != NULL ? o->o_suffix : "cmon.test";
    o->o_proxy.po_inventory = inv;
    proxy_t *p = proxy_start(&o->o_proxy, err, sizeof(err));
    if (p == NULL) {
        fprintf(stderr, "cmon-proxy: %s\n", err);
        return 1;
    }
    cmon_listen_format((const struct sockaddr *)&o->o_listen.cl_addr, addr, sizeof(addr));
    *strrchr(addr, ':') = '\0';
    fprintf(stderr, "listening on %s:%u\n", addr, proxy_port(p));
    int sig;
    sigwait(stop, &sig);
    proxy_stop(p);
    return 0;
}

int
main(int argc, char **argv)
{
    opts_t o = {.o_proxy = {.po_account_ttl_s = -1}};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_ALL); /* before any thread starts */
    char *cert = read_pem(o.o_cert), *key = cert != NULL ? read_pem(o.o_key) : NULL;
    int access_fd = key != NULL ? open_access_log(o.o_access_log) : 0;
    if (access_fd < 0) {
        free(key); /* the message is printed */
        key = NULL;
    }
    char err[512];
    inventory_t *inv = NULL;
    rc = 1;
    if (key != NULL) {
        inventory_opts_t io = {.io_cplane = o.o_cplane};
        if ((inv = inventory_start(&io, err, sizeof(err))) == NULL)
            fprintf(stderr, "cmon-proxy: cannot read the inventory from %s: %s\n", o.o_cplane, err);
        else {
            o.o_proxy.po_cert_pem = cert;
            o.o_proxy.po_key_pem = key;
            o.o_proxy.po_access_fd = access_fd;
            rc = serve(&o, inv, &stop);
            inventory_stop(inv);
        }
    }
    if (access_fd > STDOUT_FILENO)
        close(access_fd);
    free(cert);
    free(key);
    curl_global_cleanup();
    return rc;
}
