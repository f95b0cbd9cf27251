/* cmon-telemetry: ContainerPilot-compatible application telemetry.
 *   cmon-telemetry -config FILE [-socket PATH] [-listen ADDR:PORT]
 *   cmon-telemetry -putmetric name=value [-putmetric name=value ...] [-socket PATH]
 *   cmon-telemetry -putenv NAME=VALUE... | -reload | -maintenance enable|disable | -ping
 * Flags take one dash, as ContainerPilot's, or two (getopt_long_only).
 * Called `containerpilot` (a link the build makes), it is the same program;
 * only its default configuration becomes ContainerPilot's
 * /etc/containerpilot.json5, so scripts written for ContainerPilot run
 * unchanged. */
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
#include "control.h"
#include "envset.h"
#include "listen.h"
#include "netif.h"
#include "probe.h"
#include "putmetric.h"
#include "registry.h"
#include "server.h"

#define TELEMETRY_DEFAULT_SOCKET "/var/run/containerpilot.socket"
#define TELEMETRY_CP_CONFIG "/etc/containerpilot.json5" /* ContainerPilot v3's default */
#define TELEMETRY_SOCKET_ENV "CMON_TELEMETRY_SOCKET"   /* set for jobs: where we listen */
#define TELEMETRY_MAX_PAIRS 256

/* Set by SIGTERM/SIGINT (stop) and SIGHUP (reload), read by the loop: a
 * signal handler can only talk to the rest of the program through a global. */
static volatile sig_atomic_t telemetry_stop, telemetry_reload;

/* The client commands: what to ask the control socket. */
enum verb { VERB_NONE, VERB_PUTMETRIC, VERB_PUTENV, VERB_RELOAD, VERB_MAINTENANCE, VERB_PING };

struct opts {
    const char *op_config;
    int op_config_env; /* op_config came from CONTAINERPILOT, not -config */
    int op_as_cp;      /* called as `containerpilot` */
    enum verb op_verb;
    const char *op_maintenance; /* "enable" or "disable" */
    const char *op_socket;
    const char *op_ready;    /* -ready-file */
    cmon_listen_t op_listen; /* -listen / -web.listen-address, when op_has_listen */
    int op_has_listen;
    httpguard_limits_t op_limits; /* -max-connections, -max-connections-per-client, ... */
    char *op_pairs[TELEMETRY_MAX_PAIRS]; /* -putmetric or -putenv pairs */
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
          "      --putenv=NAME=VALUE    set NAME=VALUE in the environment of the jobs and\n"
          "                             sensors the running one starts from now on\n"
          "                             (repeatable)\n"
          "      --reload               make the running one re-read its configuration\n"
          "                             (a broken file is refused, the old one runs on)\n"
          "      --maintenance=enable|disable\n"
          "                             enter or leave maintenance (/status and the\n"
          "                             cmon_telemetry_maintenance gauge say so)\n"
          "      --ping                 exit 0 when the running one answers\n"
          "      --socket=PATH          the control socket (default: control.socket of\n"
          "                             --config, else of $CONTAINERPILOT, else\n"
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
          "Called containerpilot (the same program), the configuration defaults to\n"
          "" TELEMETRY_CP_CONFIG ". Jobs with when.interval in the configuration run on\n"
          "that schedule; they find `containerpilot` on their PATH.\n"
          "\n"
          "Exit status:\n"
          "  0  stopped by SIGTERM or SIGINT; a client command was done (200)\n"
          "  1  a runtime failure: cannot listen, the server refused the request\n"
          "  2  bad usage or a malformed configuration (FILE:LINE:COLUMN: what)\n"
          "\n"
          "Environment:\n"
          "  CONTAINERPILOT  the configuration (FILE or file://FILE) when --config is\n"
          "                  not given (set for the jobs it starts)\n"
          "  " TELEMETRY_SOCKET_ENV "\n"
          "                  the control socket for client commands without --socket\n"
          "                  or --config (set for the jobs it starts)\n"
          "\n"
          "Examples:\n"
          "  $ cmon-telemetry -config app.json5 &\n"
          "  $ cmon-telemetry -config app.json5 -putmetric jobs_done_total=1\n"
          "  $ containerpilot -putmetric jobs_done_total=1    # in a job's script\n",
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
    {"putenv", required_argument, NULL, 'e'},
    {"reload", no_argument, NULL, 'R'},
    {"maintenance", required_argument, NULL, 'M'},
    {"ping", no_argument, NULL, 'P'},
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

/* Sets the client command; giving two different ones is a usage error. */
static int
parse_verb(struct opts *o, enum verb v, const char *flag)
{
    if (o->op_verb != VERB_NONE && o->op_verb != v)
        return usage_error("give one of -putmetric, -putenv, -reload, -maintenance, -ping; "
                           "also ",
                           flag);
    o->op_verb = v;
    return 0;
}

static int
parse_pair(struct opts *o, char *pair)
{
    if (o->op_npairs == TELEMETRY_MAX_PAIRS)
        return usage_error("too many name=value pairs, at most 256: ", pair);
    o->op_pairs[o->op_npairs++] = pair;
    return 0;
}

static int
parse_maintenance(struct opts *o, const char *arg)
{
    if (strcmp(arg, "enable") != 0 && strcmp(arg, "disable") != 0)
        return usage_error("-maintenance takes enable or disable, not ", arg);
    o->op_maintenance = arg;
    return parse_verb(o, VERB_MAINTENANCE, "-maintenance");
}

/* A client command flag. 0, or -1 (usage error). */
static int
parse_client(struct opts *o, int c, char *arg)
{
    switch (c) {
    case 'p':
        return parse_verb(o, VERB_PUTMETRIC, "-putmetric") ? -1 : parse_pair(o, arg);
    case 'e':
        return parse_verb(o, VERB_PUTENV, "-putenv") ? -1 : parse_pair(o, arg);
    case 'R':
        return parse_verb(o, VERB_RELOAD, "-reload");
    case 'M':
        return parse_maintenance(o, arg);
    default:
        return parse_verb(o, VERB_PING, "-ping");
    }
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
    case 'e':
    case 'R':
    case 'M':
    case 'P':
        return parse_client(o, c, arg);
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
    for (int k = optind; k < argc; k++) /* bare pairs after -putmetric or -putenv */
        if (o->op_npairs == 0)
            return usage_error("unexpected argument ", argv[k]);
        else if (parse_pair(o, argv[k]) != 0)
            return -1;
    if (o->op_config == NULL && getenv("CONTAINERPILOT") != NULL && *getenv("CONTAINERPILOT")) {
        /* ContainerPilot's variable: a path, or a file:// URL (version 2) */
        const char *env = getenv("CONTAINERPILOT");
        o->op_config = strncmp(env, "file://", 7) == 0 ? env + 7 : env;
        o->op_config_env = 1;
    }
    if (o->op_config == NULL && o->op_as_cp && o->op_verb == VERB_NONE)
        o->op_config = TELEMETRY_CP_CONFIG; /* ContainerPilot's own default */
    if (o->op_config == NULL && o->op_verb == VERB_NONE)
        return usage_error("give -config FILE or -putmetric name=value", "");
    return 0;
}

/* ---- -putmetric --------------------------------------------------------- */

/* The control socket of a client command: -socket; else control.socket of
 * an explicit -config; else $CMON_TELEMETRY_SOCKET (what we set for our
 * jobs); else control.socket of $CONTAINERPILOT's configuration (or, as
 * `containerpilot`, of /etc/containerpilot.json5 when it exists); else the
 * default. Returns 0, or -1 (message printed) for a bad configuration. */
static int
client_socket(const struct opts *o, char *sock, size_t len)
{
    const char *env = getenv(TELEMETRY_SOCKET_ENV), *config = o->op_config;
    snprintf(sock, len, "%s", o->op_socket ? o->op_socket : TELEMETRY_DEFAULT_SOCKET);
    if (o->op_socket != NULL)
        return 0;
    if (env != NULL && *env && (config == NULL || o->op_config_env)) {
        snprintf(sock, len, "%s", env);
        return 0;
    }
    if (config == NULL && o->op_as_cp && access(TELEMETRY_CP_CONFIG, F_OK) == 0)
        config = TELEMETRY_CP_CONFIG;
    if (config == NULL)
        return 0;
    struct cfg cfg;
    char err[1024];
    if (cfg_load_file(config, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        return -1;
    }
    if (cfg.cf_socket != NULL)
        snprintf(sock, len, "%s", cfg.cf_socket);
    cfg_free(&cfg);
    return 0;
}

/* The request of a client command: method, path, body (malloc'd or NULL).
 * 0, or -1 after a message (bad pairs: exit 2). */
static int
client_request(const struct opts *o, const char **method, const char **path, char **body)
{
    char err[512];
    *method = "POST";
    *body = NULL;
    switch (o->op_verb) {
    case VERB_PUTMETRIC:
        *path = "/v3/metric";
        *body = putmetric_body(o->op_pairs, o->op_npairs, err, sizeof err);
        break;
    case VERB_PUTENV:
        *path = "/v3/environ";
        *body = putenv_body(o->op_pairs, o->op_npairs, err, sizeof err);
        break;
    case VERB_RELOAD:
        *path = "/v3/reload";
        return 0;
    case VERB_MAINTENANCE:
        *path = strcmp(o->op_maintenance, "enable") == 0 ? "/v3/maintenance/enable"
                                                         : "/v3/maintenance/disable";
        return 0;
    default:
        *method = "GET";
        *path = "/v3/ping";
        return 0;
    }
    if (*body == NULL)
        fprintf(stderr, "cmon-telemetry: %s\n", err);
    return *body == NULL ? -1 : 0;
}

static const char *const verb_names[] = {"", "putmetric", "putenv", "reload", "maintenance",
                                         "ping"};

/* -putmetric, -putenv, -reload, -maintenance, -ping: one request to the
 * running one. 0 when it answered 200, 1 otherwise (the answer printed), 2
 * for bad pairs or a bad configuration. */
static int
run_client(const struct opts *o)
{
    char err[512], sock[4096];
    const char *method, *path;
    char *body;
    if (client_request(o, &method, &path, &body) != 0)
        return 2;
    if (client_socket(o, sock, sizeof sock) != 0) {
        free(body);
        return 2;
    }
    sbuf_t answer;
    sbuf_init(&answer, 256);
    long status = control_request(sock, method, path, body, &answer, err, sizeof err);
    free(body);
    int rc = 0;
    if (status < 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        rc = 1;
    } else if (status != 200) {
        fprintf(stderr, "cmon-telemetry: %s refused (%ld): %s", verb_names[o->op_verb], status,
                answer.sb_buf);
        rc = 1;
    } else if (o->op_verb == VERB_PING) {
        puts("ok");
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

static void
on_reload(int sig)
{
    (void)sig;
    telemetry_reload = 1;
}

/* ---- the jobs' environment ---------------------------------------------- */

/* Whether an executable `name` is in one of PATH's directories. */
static int
on_path(const char *path, const char *name)
{
    char *copy = strdup(path ? path : ""), *save = NULL, file[4096];
    int found = 0;
    for (char *d = strtok_r(copy, ":", &save); copy && d && !found; d = strtok_r(NULL, ":", &save))
        found = snprintf(file, sizeof file, "%s/%s", d, name) < (int)sizeof file &&
                access(file, X_OK) == 0;
    free(copy);
    return found;
}

/* What the jobs find in their environment, set before any thread starts:
 * CONTAINERPILOT (the configuration, made absolute) unless set,
 * CMON_TELEMETRY_SOCKET (our control socket), and our own directory at the
 * end of PATH when `containerpilot` is not on it but beside us (the build's
 * link), so `containerpilot -putmetric` in a script reaches us. */
static void
export_for_jobs(const char *config, const char *sock)
{
    char abs[4096], self[4096];
    if (getenv("CONTAINERPILOT") == NULL && realpath(config, abs) != NULL)
        setenv("CONTAINERPILOT", abs, 1);
    if (realpath(sock, abs) != NULL || snprintf(abs, sizeof abs, "%s", sock) > 0)
        setenv(TELEMETRY_SOCKET_ENV, abs, 1);
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0 || on_path(getenv("PATH"), "containerpilot"))
        return;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash == NULL)
        return;
    *slash = 0;
    if (snprintf(abs, sizeof abs, "%s/containerpilot", self) >= (int)sizeof abs ||
        access(abs, X_OK) != 0)
        return;
    const char *path = getenv("PATH");
    char *grown = NULL;
    if (asprintf(&grown, "%s%s%s", path && *path ? path : "", path && *path ? ":" : "", self) > 0)
        setenv("PATH", grown, 1);
    free(grown);
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

/* ---- the loop and reloads ---------------------------------------------- */

/* What the loop runs: the configuration in force and everything on it. */
struct running {
    const char *rn_path; /* the configuration file, re-read by a reload */
    struct cfg *rn_cfg;
    struct registry rn_reg;
    struct prober rn_pb;
    struct envset rn_env;
    struct control rn_ctl;
};

/* Logs what the configuration names but is not run here (one line). */
static void
log_ignored(const struct cfg *cfg)
{
    if (cfg->cf_ignored != NULL)
        fprintf(stderr, "cmon-telemetry: not run here (ContainerPilot's, out of scope): %s\n",
                cfg->cf_ignored);
}

/* The settings a reload cannot change while the sockets are open. */
static void
log_restart_needed(const struct cfg *old, const struct cfg *new)
{
    bool socket = (old->cf_socket == NULL) != (new->cf_socket == NULL) ||
                  (old->cf_socket && strcmp(old->cf_socket, new->cf_socket) != 0);
    bool listen = old->cf_port != new->cf_port;
    for (size_t k = 0; !listen && (old->cf_interfaces[k] || new->cf_interfaces[k]); k++)
        listen = !old->cf_interfaces[k] || !new->cf_interfaces[k] ||
                 strcmp(old->cf_interfaces[k], new->cf_interfaces[k]) != 0;
    if (socket || listen)
        fprintf(stderr, "cmon-telemetry: reload: %s%s%s unchanged until a restart\n",
                listen ? "telemetry port and interfaces" : "", socket && listen ? " and " : "",
                socket ? "control socket" : "");
}

/* The new configuration from the file, or NULL with the reason in err. */
static struct cfg *
reload_read(const char *path, char *err, size_t errlen)
{
    struct cfg *cfg = calloc(1, sizeof *cfg);
    if (cfg == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (cfg_load_file(path, cfg, err, errlen) != 0) {
        free(cfg);
        return NULL;
    }
    return cfg;
}

/* Stops the probes and hands cfg to the registry. 0, or -1 (out of
 * memory: cfg freed, the old configuration kept). */
static int
reload_apply(struct running *rn, struct cfg *cfg)
{
    prober_free(&rn->rn_pb);
    if (registry_reload(&rn->rn_reg, cfg) != 0) {
        cfg_free(cfg);
        free(cfg);
        return -1;
    }
    log_restart_needed(rn->rn_cfg, cfg);
    cfg_free(rn->rn_cfg);
    free(rn->rn_cfg);
    rn->rn_cfg = cfg;
    return 0;
}

/* Re-reads the file: on success the probes stop, the registry takes the
 * new configuration (keeping unchanged metrics' values), the probes start
 * again; on failure nothing changes and the error is logged. Answers the
 * waiting -reload requests. */
static void
reload(struct running *rn)
{
    uint64_t upto = control_reload_begin(&rn->rn_ctl);
    char err[1024] = "";
    struct cfg *cfg = reload_read(rn->rn_path, err, sizeof err);
    int rc = cfg == NULL ? -1 : reload_apply(rn, cfg);
    if (cfg != NULL && rc != 0)
        snprintf(err, sizeof err, "out of memory");
    if (rc == 0) {
        log_ignored(rn->rn_cfg);
        fprintf(stderr, "cmon-telemetry: reloaded %s\n", rn->rn_path);
    } else {
        fprintf(stderr, "cmon-telemetry: reload refused, the running configuration stays: %s\n",
                err);
    }
    pthread_mutex_lock(&rn->rn_reg.rg_lock);
    rn->rn_reg.rg_reloads[rc == 0 ? 0 : 1]++;
    pthread_mutex_unlock(&rn->rn_reg.rg_lock);
    if (rn->rn_pb.pb_probes == NULL &&
        prober_init(&rn->rn_pb, &rn->rn_reg, &rn->rn_env, prober_now()) != 0)
        fprintf(stderr, "cmon-telemetry: reload: out of memory starting the jobs\n");
    control_reload_end(&rn->rn_ctl, upto, rc == 0 ? 200 : 422, err);
}

/* The probe loop until SIGTERM/SIGINT; reloads on SIGHUP or -reload. */
static void
run_loop(struct running *rn, const sigset_t *wait_mask)
{
    while (!telemetry_stop) {
        prober_step(&rn->rn_pb, wait_mask, 1.0);
        if (telemetry_reload || control_reload_wanted(&rn->rn_ctl)) {
            telemetry_reload = 0;
            reload(rn);
        }
    }
}

static void
install_handlers(void)
{
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_reload;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int
serve(const struct opts *o, struct running *rn, const char *sock)
{
    char err[512];
    struct sockaddr_storage addr;
    socklen_t alen;
    if (listen_address(o, rn->rn_cfg, &addr, &alen) != 0)
        return 1;
    struct server sv;
    sigset_t wait_mask;
    install_handlers();
    if (registry_init(&rn->rn_reg, rn->rn_cfg) != 0 || prober_signals_block(&wait_mask) != 0 ||
        control_init(&rn->rn_ctl, &rn->rn_reg, &rn->rn_env) != 0) {
        fprintf(stderr, "cmon-telemetry: cannot set up: %s\n", strerror(errno));
        return 1;
    }
    if (server_start_limited(&sv, &rn->rn_reg, &rn->rn_ctl, (struct sockaddr *)&addr, alen, sock,
                             &o->op_limits, err, sizeof err) != 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        control_free(&rn->rn_ctl);
        registry_free(&rn->rn_reg);
        return 1;
    }
    fprintf(stderr, "cmon-telemetry: listening on http://%s, control socket %s\n", sv.sv_listen,
            sock);
    log_ignored(rn->rn_cfg);
    int rc = o->op_ready != NULL ? write_ready(o->op_ready, sv.sv_listen) : 0;
    if (rc == 0)
        rc = prober_init(&rn->rn_pb, &rn->rn_reg, &rn->rn_env, prober_now());
    if (rc == 0)
        run_loop(rn, &wait_mask);
    prober_free(&rn->rn_pb);
    if (o->op_ready != NULL)
        unlink(o->op_ready);
    server_stop(&sv);
    control_free(&rn->rn_ctl);
    registry_free(&rn->rn_reg);
    return rc == 0 ? 0 : 1;
}

/* Whether we were called `containerpilot` (the link beside us). */
static int
called_containerpilot(const char *argv0)
{
    const char *base = strrchr(argv0, '/');
    return strcmp(base ? base + 1 : argv0, "containerpilot") == 0;
}

int
main(int argc, char **argv)
{
    struct opts o = {.op_limits = SERVER_LIMITS_DEFAULT,
                     .op_as_cp = argc > 0 && called_containerpilot(argv[0])};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (o.op_verb != VERB_NONE)
        return run_client(&o);
    struct running rn = {.rn_path = o.op_config, .rn_cfg = calloc(1, sizeof(struct cfg))};
    char err[1024];
    if (rn.rn_cfg == NULL || cfg_load_file(o.op_config, rn.rn_cfg, err, sizeof err) != 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", rn.rn_cfg ? err : "out of memory");
        free(rn.rn_cfg);
        return 2;
    }
    const char *sock = o.op_socket         ? o.op_socket
                       : rn.rn_cfg->cf_socket ? rn.rn_cfg->cf_socket
                                              : TELEMETRY_DEFAULT_SOCKET;
    char *sock_copy = strdup(sock); /* a reload frees the configuration */
    export_for_jobs(o.op_config, sock_copy);
    envset_init(&rn.rn_env);
    rc = serve(&o, &rn, sock_copy);
    envset_free(&rn.rn_env);
    free(sock_copy);
    cfg_free(rn.rn_cfg);
    free(rn.rn_cfg);
    return rc;
}
