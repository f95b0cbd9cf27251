/* opts.c - command-line parsing (see opts.h). */
#include "opts.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fault.h"

enum {
    OPT_ZONES = 256,
    OPT_CONC,
    OPT_DUR,
    OPT_WARM,
    OPT_RATE,
    OPT_TIMEOUT,
    OPT_SEED,
    OPT_GZ,
    OPT_URL,
    OPT_ZFILE,
    OPT_WORLD,
    OPT_PID,
    OPT_REF,
    OPT_NGINX,
    OPT_JSON,
    OPT_BASE,
    OPT_TOL,
    OPT_PLOT,
    OPT_BINDIR,
    OPT_AARG,
    OPT_SWEEP,
    OPT_ROUNDS,
    OPT_GZIP,
    OPT_OM,
    OPT_TAIL,
    OPT_NOPRIME,
    OPT_PROGRESS,
    OPT_QUIET,
    OPT_VERSION,
    OPT_CERT,
    OPT_KEY,
    OPT_CACERT,
    OPT_INSECURE,
    OPT_RESOLVE,
    OPT_TEMPLATE,
    OPT_UUIDS,
    OPT_NOKEEP,
    OPT_FAULT,
    OPT_VERSUS,
    OPT_VERSUS_PID,
};

static const struct option opts_long[] = {
    {"zones", required_argument, NULL, OPT_ZONES},
    {"concurrency", required_argument, NULL, OPT_CONC},
    {"duration", required_argument, NULL, OPT_DUR},
    {"warmup", required_argument, NULL, OPT_WARM},
    {"rate", required_argument, NULL, OPT_RATE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"seed", required_argument, NULL, OPT_SEED},
    {"gz", no_argument, NULL, OPT_GZ},
    {"url", required_argument, NULL, OPT_URL},
    {"zones-file", required_argument, NULL, OPT_ZFILE},
    {"world", required_argument, NULL, OPT_WORLD},
    {"pid", required_argument, NULL, OPT_PID},
    {"reference", required_argument, NULL, OPT_REF},
    {"nginx", required_argument, NULL, OPT_NGINX},
    {"json", required_argument, NULL, OPT_JSON},
    {"baseline", required_argument, NULL, OPT_BASE},
    {"tolerance", required_argument, NULL, OPT_TOL},
    {"plot", required_argument, NULL, OPT_PLOT},
    {"bin-dir", required_argument, NULL, OPT_BINDIR},
    {"agent-arg", required_argument, NULL, OPT_AARG},
    {"fault", required_argument, NULL, OPT_FAULT},
    {"sweep", required_argument, NULL, OPT_SWEEP},
    {"help", no_argument, NULL, 'h'},
    {"rounds", required_argument, NULL, OPT_ROUNDS},
    {"gzip", no_argument, NULL, OPT_GZIP},
    {"openmetrics", no_argument, NULL, OPT_OM},
    {"compare-tail", no_argument, NULL, OPT_TAIL},
    {"no-prime", no_argument, NULL, OPT_NOPRIME},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"version", no_argument, NULL, OPT_VERSION},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"resolve", required_argument, NULL, OPT_RESOLVE},
    {"url-template", required_argument, NULL, OPT_TEMPLATE},
    {"uuids", required_argument, NULL, OPT_UUIDS},
    {"no-keepalive", no_argument, NULL, OPT_NOKEEP},
    {"versus-template", required_argument, NULL, OPT_VERSUS},
    {"versus-pid", required_argument, NULL, OPT_VERSUS_PID},
    {NULL, 0, NULL, 0},
};

void
opts_usage(FILE *f)
{
    fputs("Usage: cmon-bench [OPTION]...\n"
          "Measure how fast cmon-agent answers scrapes: latency percentiles, scrapes/s, CPU\n"
          "and memory, beside an nginx serving the same bytes (see bench/README.md).\n"
          "\n"
          "Without --url it builds a world with cmon-sim serve and starts cmon-agent on it,\n"
          "both taken from the folder cmon-bench is in.\n"
          "\n"
          "Options:\n"
          "      --zones=N            zones in the world, 1 .. 100000 (default 100)\n"
          "      --concurrency=C      connections; in a closed loop also the requests in\n"
          "                             flight, 1 .. 1000 (default 4)\n"
          "      --duration=S         measured seconds (default 10)\n"
          "      --warmup=S           seconds of load before the measurement, not counted\n"
          "                             (default 2)\n"
          "      --rounds=N           split the measurement into N rounds, agent and\n"
          "                             reference taking turns; with --sweep the points take\n"
          "                             turns too (default 1)\n"
          "      --no-prime           skip the priming pass (every instance scraped once\n"
          "                             before the warm-up, as a running agent's caches are)\n"
          "      --rate=R             open loop at R scrapes/s, latency counted from each\n"
          "                             request's scheduled time (default: closed loop)\n"
          "      --timeout=S          per-request timeout in seconds (default 5)\n"
          "      --seed=S             seed of the world and of the instance choice (default 1)\n"
          "      --gz                 scrape /v1/gz/metrics instead of random instances\n"
          "      --gzip               send Accept-Encoding: gzip, as Prometheus does\n"
          "      --openmetrics        ask for OpenMetrics text (Accept header)\n"
          "      --url=URL            scrape a running agent (http:// or https://) instead of\n"
          "                             starting one\n"
          "      --url-template=T     scrape a running proxy: T names an instance by {uuid},\n"
          "                             e.g. https://{uuid}.cmon.test:8443/metrics (one\n"
          "                             connection per instance, as Prometheus keeps)\n"
          "      --zones-file=FILE, --uuids=FILE  with --url or --url-template: the\n"
          "                             instances, one uuid a line or zoneadm list -p lines\n"
          "                             (default with --url: URL/v1/discover)\n"
          "      --world=PATH         with --url or --url-template: the instances of this world\n"
          "      --pid=PID            with --url or --url-template: the server process, for\n"
          "                             CPU and RSS figures\n"
          "      --cert=FILE          https: present this client certificate (PEM)\n"
          "      --key=FILE           https: the client certificate's key (PEM; default: in\n"
          "                             --cert)\n"
          "      --cacert=FILE        https: trust the CAs in FILE (PEM; default: the\n"
          "                             system's)\n"
          "      --insecure           https: do not check the server's certificate\n"
          "      --resolve=HOST:PORT:ADDR  connect to ADDR for HOST:PORT, keeping HOST in the\n"
          "                             Host header and SNI (HOST * for every name;\n"
          "                             repeatable, as curl --resolve)\n"
          "      --no-keepalive       a new connection per request (https: a full TLS\n"
          "                             handshake each, no session resumption)\n"
          "      --versus-template=T  with --url-template: another server for the same\n"
          "                             instances, e.g. nginx in front of the same agents,\n"
          "                             taking turns with the first each round (its figures\n"
          "                             are the reference's; same TLS flags, --resolve)\n"
          "      --versus-pid=PID     the --versus-template server process, for its CPU and RSS\n"
          "      --reference=nginx|nginx-proxy|none  the same load on an nginx of its own:\n"
          "                             nginx serves the very bytes of sample scrapes;\n"
          "                             nginx-proxy terminates TLS (client certificates,\n"
          "                             certificates it makes) in front of the same agent,\n"
          "                             https://{uuid}.cmon.test/metrics (default none)\n"
          "      --nginx=PATH         the nginx binary (default /usr/sbin/nginx)\n"
          "      --json=FILE          write the figures as JSON, schema cmon-bench/1\n"
          "      --baseline=FILE      compare with an earlier --json file; exit 1 on a\n"
          "                             regression\n"
          "      --tolerance=PCT      how much worse a compared figure may be (default 10)\n"
          "      --compare-tail       count p99 in the baseline check too\n"
          "      --sweep=KEY=V1,V2,...  a series over zones, concurrency or rate (whole\n"
          "                             numbers, at most 32 values)\n"
          "      --plot=FILE          draw the series with gnuplot (FILE.svg or FILE.png)\n"
          "      --bin-dir=DIR        where cmon-sim and cmon-agent are (default: the\n"
          "                             folder of cmon-bench)\n"
          "      --agent-arg=ARG      pass ARG to cmon-agent (repeatable)\n"
          "      --fault=SPEC         inject a fault into the world before the agent starts\n"
          "                             (repeatable): module=M|*[,zone=UUID][,errno=E,\n"
          "                             rate=R][,latency_us=N], e.g. module=*,latency_us=100\n"
          "                             (every kstat read 100 us slower); not with --url\n"
          "      --progress           report each phase on stderr (default: only when\n"
          "                             stderr is a terminal)\n"
          "      --quiet              no progress lines on stderr, even on a terminal\n"
          "  -h, --help               print this help and exit\n"
          "      --version            print the version and exit\n"
          "\n"
          "Exit status:\n"
          "  0  done, and no regression against the baseline\n"
          "  1  a figure regressed against the baseline\n"
          "  2  usage error, unusable baseline, or an output file that cannot be written\n"
          "  3  the run failed (agent or nginx unreachable or gone); the figures measured\n"
          "     until then are still written\n"
          "\n"
          "Examples:\n"
          "  cmon-bench --zones 1000 --reference nginx\n"
          "\n"
          "  cmon-bench --sweep zones=100,1000,10000 --reference nginx --plot sweep.svg\n"
          "\n"
          "  cmon-bench --url http://127.0.0.1:9163 --rate 2000 --pid \"$(pgrep -f 'cmon-agent "
          "--listen 127.0.0.1:9163')\"\n",
          f);
}

/* Parse a number within [lo, hi] for option name. Returns 0 or -1 with err. */
static int
opts_range(const char *name, const char *s, double lo, double hi, double *v, char *err,
           size_t errlen)
{
    char why[96];

    if (cmon_parse_double(s, lo, hi, v, why, sizeof(why)) == 0)
        return 0;
    snprintf(err, errlen, "--%s: %s: '%s'", name, why, s);
    return -1;
}

static int
opts_integer(const char *name, const char *s, double lo, double hi, double *v, char *err,
             size_t errlen)
{
    if (opts_range(name, s, lo, hi, v, err, errlen) < 0)
        return -1;
    if (*v != floor(*v)) {
        snprintf(err, errlen, "--%s: not a whole number: '%s'", name, s);
        return -1;
    }
    return 0;
}

static void
opts_defaults(struct opts *o)
{
    memset(o, 0, sizeof(*o));
    o->op_zones = 100;
    o->op_concurrency = 4;
    o->op_duration_s = 10;
    o->op_warmup_s = 2;
    o->op_rounds = 1;
    o->op_timeout_s = 5;
    o->op_seed = 1;
    o->op_nginx = "/usr/sbin/nginx";
    o->op_tolerance = 10;
}

int
opts_parse_sweep(const char *spec, struct opts *o, char *err, size_t errlen)
{
    static const char *keys[] = {"zones", "concurrency", "rate"};
    static const double lo[] = {1, 1, 1}, hi[] = {100000, 1000, 1e6};
    const char *eq = strchr(spec, '=');
    char buf[1024];
    int k;

    for (k = 0; k < 3; k++)
        if (eq != NULL && (size_t)(eq - spec) == strlen(keys[k]) &&
            strncmp(spec, keys[k], strlen(keys[k])) == 0)
            break;
    if (k == 3 || snprintf(buf, sizeof(buf), "%s", eq + 1) >= (int)sizeof(buf)) {
        snprintf(err, errlen, "--sweep: expected zones|concurrency|rate=V1,V2,... got '%s'", spec);
        return -1;
    }
    o->op_sweep_key = (enum opts_sweep_key)(k + 1);
    o->op_nsweep = 0;
    char *save = NULL;
    for (char *v = strtok_r(buf, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
        if (o->op_nsweep == OPTS_MAX_SWEEP) {
            snprintf(err, errlen, "--sweep: more than %d values", OPTS_MAX_SWEEP);
            return -1;
        }
        if (opts_integer("sweep", v, lo[k], hi[k], &o->op_sweep[o->op_nsweep], err, errlen) < 0)
            return -1;
        o->op_nsweep++;
    }
    if (o->op_nsweep == 0) {
        snprintf(err, errlen, "--sweep: no values in '%s'", spec);
        return -1;
    }
    return 0;
}

/* Numeric options. Returns 0, -1 with err, or 1 when c is not numeric. */
static int
opts_apply_number(struct opts *o, int c, const char *a, char *err, size_t errlen)
{
    double v;

    switch (c) {
    case OPT_ZONES:
        if (opts_integer("zones", a, 1, 100000, &v, err, errlen) < 0)
            return -1;
        o->op_zones = (long)v;
        return 0;
    case OPT_CONC:
        if (opts_integer("concurrency", a, 1, 1000, &v, err, errlen) < 0)
            return -1;
        o->op_concurrency = (int)v;
        return 0;
    case OPT_DUR:
        if (opts_range("duration", a, 0.001, 86400, &o->op_duration_s, err, errlen) < 0)
            return -1;
        return 0;
    case OPT_WARM:
        return opts_range("warmup", a, 0, 3600, &o->op_warmup_s, err, errlen);
    case OPT_RATE:
        return opts_range("rate", a, 0.001, 1e6, &o->op_rate, err, errlen);
    case OPT_TIMEOUT:
        return opts_range("timeout", a, 0.001, 600, &o->op_timeout_s, err, errlen);
    case OPT_SEED:
        if (opts_integer("seed", a, 0, 9007199254740992.0, &v, err, errlen) < 0)
            return -1;
        o->op_seed = (uint64_t)v;
        return 0;
    case OPT_PID:
        if (opts_integer("pid", a, 1, 4194304, &v, err, errlen) < 0)
            return -1;
        o->op_pid = (long)v;
        return 0;
    case OPT_VERSUS_PID:
        if (opts_integer("versus-pid", a, 1, 4194304, &v, err, errlen) < 0)
            return -1;
        o->op_versus_pid = (long)v;
        return 0;
    case OPT_ROUNDS:
        if (opts_integer("rounds", a, 1, 100, &v, err, errlen) < 0)
            return -1;
        o->op_rounds = (int)v;
        return 0;
    case OPT_TOL:
        return opts_range("tolerance", a, 0, 1000, &o->op_tolerance, err, errlen);
    }
    return 1;
}

/* --fault SPEC: checked now (fault.h), set once the world is built. 0 or -1 with err. */
static int
opts_fault(struct opts *o, const char *a, char *err, size_t errlen)
{
    json_t *body;

    if (o->op_nfaults == OPTS_MAX_FAULTS) {
        snprintf(err, errlen, "--fault: more than %d", OPTS_MAX_FAULTS);
        return -1;
    }
    if ((body = fault_parse(a, err, errlen)) == NULL)
        return -1;
    json_decref(body);
    o->op_faults[o->op_nfaults++] = a;
    return 0;
}

static int
opts_apply_string(struct opts *o, int c, const char *a, char *err, size_t errlen)
{
    switch (c) {
    case OPT_URL:
        if (strncmp(a, "http://", 7) != 0 && strncmp(a, "https://", 8) != 0) {
            snprintf(err, errlen, "--url: only http:// or https:// URLs, got '%s'", a);
            return -1;
        }
        o->op_url = a;
        return 0;
    case OPT_REF:
        if (strcmp(a, "nginx") == 0)
            o->op_reference = OPTS_REF_NGINX;
        else if (strcmp(a, "nginx-proxy") == 0)
            o->op_reference = OPTS_REF_NGINX_PROXY;
        else if (strcmp(a, "none") == 0)
            o->op_reference = OPTS_REF_NONE;
        else {
            snprintf(err, errlen, "--reference: expected nginx, nginx-proxy or none, got '%s'", a);
            return -1;
        }
        return 0;
    case OPT_PLOT: {
        const char *dot = strrchr(a, '.');
        if (dot == NULL || (strcmp(dot, ".svg") != 0 && strcmp(dot, ".png") != 0)) {
            snprintf(err, errlen, "--plot: the file must end in .svg or .png, got '%s'", a);
            return -1;
        }
        o->op_plot = a;
        return 0;
    }
    case OPT_AARG:
        if (o->op_nagent_args == OPTS_MAX_AGENT_ARGS) {
            snprintf(err, errlen, "--agent-arg: more than %d", OPTS_MAX_AGENT_ARGS);
            return -1;
        }
        o->op_agent_args[o->op_nagent_args++] = a;
        return 0;
    case OPT_SWEEP:
        return opts_parse_sweep(a, o, err, errlen);
    case OPT_FAULT:
        return opts_fault(o, a, err, errlen);
    }
    return 1;
}

/* "HOST:PORT:ADDR[,ADDR]..." as curl --resolve takes it. Returns 0 or -1 with err. */
static int
opts_resolve_entry(const char *a, char *err, size_t errlen)
{
    const char *c1 = strchr(a, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    char port[8];
    double v;

    if (c1 == NULL || c2 == NULL || c1 == a || c2[1] == '\0' ||
        (size_t)(c2 - c1 - 1) >= sizeof(port) || c2 == c1 + 1) {
        snprintf(err, errlen, "--resolve: expected HOST:PORT:ADDR, got '%s'", a);
        return -1;
    }
    memcpy(port, c1 + 1, (size_t)(c2 - c1 - 1));
    port[c2 - c1 - 1] = '\0';
    if (cmon_parse_double(port, 1, 65535, &v, err, errlen) < 0 || v != floor(v)) {
        snprintf(err, errlen, "--resolve: the port must be 1 .. 65535, got '%s'", a);
        return -1;
    }
    return 0;
}

/* --url-template (or --versus-template, flag): an http:// or https:// URL naming the
   instance by {uuid}. 0 or -1. */
static int
opts_template(const char *flag, const char *a, char *err, size_t errlen)
{
    if (strncmp(a, "https://", 8) != 0 && strncmp(a, "http://", 7) != 0) {
        snprintf(err, errlen, "--%s: only http:// or https:// URLs, got '%s'", flag, a);
        return -1;
    }
    if (strstr(a, "{uuid}") == NULL) {
        snprintf(err, errlen, "--%s: no {uuid} in '%s'", flag, a);
        return -1;
    }
    if (strlen(a) > 512) {
        snprintf(err, errlen, "--%s: longer than 512 characters", flag);
        return -1;
    }
    return 0;
}

/* The TLS and connection flags. Returns 0, -1 with err, or 1 when c is not one. */
static int
opts_apply_client(struct opts *o, int c, const char *a, char *err, size_t errlen)
{
    switch (c) {
    case OPT_CERT:
        o->op_cert = a;
        return 0;
    case OPT_KEY:
        o->op_key = a;
        return 0;
    case OPT_CACERT:
        o->op_cacert = a;
        return 0;
    case OPT_INSECURE:
        o->op_insecure = 1;
        return 0;
    case OPT_NOKEEP:
        o->op_no_keepalive = 1;
        return 0;
    case OPT_RESOLVE:
        if (o->op_nresolve == OPTS_MAX_RESOLVE) {
            snprintf(err, errlen, "--resolve: more than %d", OPTS_MAX_RESOLVE);
            return -1;
        }
        if (opts_resolve_entry(a, err, errlen) < 0)
            return -1;
        o->op_resolve[o->op_nresolve++] = a;
        return 0;
    case OPT_TEMPLATE:
        if (opts_template("url-template", a, err, errlen) < 0)
            return -1;
        o->op_url_template = a;
        return 0;
    case OPT_VERSUS:
        if (opts_template("versus-template", a, err, errlen) < 0)
            return -1;
        o->op_versus_template = a;
        return 0;
    }
    return 1;
}

const char *
opts_reference_name(enum opts_reference r)
{
    return r == OPTS_REF_NGINX         ? "nginx"
           : r == OPTS_REF_NGINX_PROXY ? "nginx-proxy"
           : r == OPTS_REF_VERSUS      ? "versus"
                                       : "none";
}

static int
opts_apply(struct opts *o, int c, const char *a, char *err, size_t errlen)
{
    int r = opts_apply_number(o, c, a, err, errlen);
    if (r <= 0)
        return r;
    r = opts_apply_client(o, c, a, err, errlen);
    if (r <= 0)
        return r;
    r = opts_apply_string(o, c, a, err, errlen);
    if (r <= 0)
        return r;
    switch (c) {
    case OPT_GZ:
        o->op_gz = 1;
        return 0;
    case OPT_ZFILE:
    case OPT_UUIDS:
        o->op_zones_file = a;
        return 0;
    case OPT_WORLD:
        o->op_world = a;
        return 0;
    case OPT_NGINX:
        o->op_nginx = a;
        return 0;
    case OPT_JSON:
        o->op_json = a;
        return 0;
    case OPT_BASE:
        o->op_baseline = a;
        return 0;
    case OPT_BINDIR:
        o->op_bin_dir = a;
        return 0;
    case OPT_GZIP:
        o->op_gzip = 1;
        return 0;
    case OPT_OM:
        o->op_openmetrics = 1;
        return 0;
    case OPT_TAIL:
        o->op_compare_tail = 1;
        return 0;
    case OPT_NOPRIME:
        o->op_no_prime = 1;
        return 0;
    case OPT_PROGRESS:
        o->op_progress = 1;
        return 0;
    case OPT_QUIET:
        o->op_quiet = 1;
        return 0;
    case 'h':
        o->op_help = 1;
        return 0;
    case OPT_VERSION:
        o->op_version = 1;
        return 0;
    }
    snprintf(err, errlen, "unknown option");
    return -1;
}

/* 1 when the server under test is reached over https://. */
static int
opts_https(const struct opts *o)
{
    const char *u = o->op_url_template ? o->op_url_template : o->op_url;
    return u != NULL && strncmp(u, "https://", 8) == 0;
}

/* The client flags (TLS, --resolve) against the target. Returns 0 or -1 with err. */
static int
opts_check_client(const struct opts *o, char *err, size_t errlen)
{
    int tls = o->op_cert || o->op_key || o->op_cacert || o->op_insecure;

    if (tls && !opts_https(o)) {
        snprintf(err, errlen,
                 "--cert, --key, --cacert and --insecure need an https:// "
                 "--url or --url-template");
        return -1;
    }
    if (o->op_nresolve > 0 && o->op_url == NULL && o->op_url_template == NULL) {
        snprintf(err, errlen, "--resolve goes with --url or --url-template");
        return -1;
    }
    if (o->op_key != NULL && o->op_cert == NULL) {
        snprintf(err, errlen, "--key needs --cert (the certificate it belongs to)");
        return -1;
    }
    if (o->op_cacert != NULL && o->op_insecure) {
        snprintf(err, errlen, "--cacert and --insecure contradict each other: give one");
        return -1;
    }
    return 0;
}

/* --url-template and --reference nginx-proxy against the rest. 0 or -1 with err. */
static int
opts_check_proxy(const struct opts *o, char *err, size_t errlen)
{
    if (o->op_url_template != NULL) {
        if (o->op_url != NULL) {
            snprintf(err, errlen, "--url and --url-template both name the server: give one");
            return -1;
        }
        if (o->op_zones_file == NULL && o->op_world == NULL) {
            snprintf(err, errlen,
                     "--url-template needs the instances: --uuids FILE or --world PATH");
            return -1;
        }
        if (o->op_gz) {
            snprintf(err, errlen, "--gz cannot go with --url-template (it names instances)");
            return -1;
        }
    }
    if (o->op_versus_template != NULL && o->op_url_template == NULL) {
        snprintf(err, errlen, "--versus-template takes turns with a --url-template: give both");
        return -1;
    }
    if (o->op_versus_template != NULL && o->op_reference != OPTS_REF_NONE) {
        snprintf(err, errlen, "--versus-template is the reference: not with --reference");
        return -1;
    }
    if (o->op_versus_pid != 0 && o->op_versus_template == NULL) {
        snprintf(err, errlen, "--versus-pid names the --versus-template server: give both");
        return -1;
    }
    if (o->op_reference == OPTS_REF_NGINX_PROXY) {
        if (o->op_url_template != NULL || opts_https(o)) {
            snprintf(err, errlen,
                     "--reference nginx-proxy goes in front of an agent: our own, "
                     "or an http:// --url");
            return -1;
        }
        if (o->op_gz) {
            snprintf(err, errlen, "--reference nginx-proxy routes instances: not with --gz");
            return -1;
        }
    }
    return 0;
}

/* Flags that make no sense together. Returns 0 or -1 with err. */
static int
opts_check(const struct opts *o, char *err, size_t errlen)
{
    if (opts_check_client(o, err, errlen) < 0 || opts_check_proxy(o, err, errlen) < 0)
        return -1;
    if (o->op_url_template != NULL && o->op_sweep_key == OPTS_SWEEP_ZONES) {
        snprintf(err, errlen,
                 "--sweep zones needs worlds of its own: it cannot go with "
                 "--url-template");
        return -1;
    }
    if (o->op_nfaults > 0 && (o->op_url != NULL || o->op_url_template != NULL)) {
        snprintf(err, errlen,
                 "--fault goes into the world cmon-bench builds: not with --url "
                 "or --url-template (use cmon-sim ctl on that world)");
        return -1;
    }
    if (o->op_url_template != NULL)
        return 0;
    if (o->op_url != NULL && o->op_sweep_key == OPTS_SWEEP_ZONES) {
        snprintf(err, errlen, "--sweep zones needs worlds of its own: it cannot go with --url");
        return -1;
    }
    if (o->op_url == NULL && (o->op_pid || o->op_zones_file || o->op_world)) {
        snprintf(err, errlen,
                 "--pid, --zones-file (--uuids) and --world go with --url or "
                 "--url-template");
        return -1;
    }
    return 0;
}

int
opts_parse(int argc, char **argv, struct opts *o, char *err, size_t errlen)
{
    int c;

    opts_defaults(o);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts_long, NULL)) != -1) {
        if (c == '?' || c == ':') {
            const char *bad = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
            snprintf(err, errlen, "%s: %s", bad,
                     c == ':' ? "missing value" : "unknown option or missing value");
            return -1;
        }
        if (opts_apply(o, c, optarg, err, errlen) < 0)
            return -1;
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (opts_check(o, err, errlen) < 0)
        return -1;
    if (o->op_url_template != NULL)
        o->op_url = o->op_url_template; /* a running server, as with --url */
    if (o->op_versus_template != NULL)
        o->op_reference = OPTS_REF_VERSUS;
    return 0;
}

const struct option *
opts_long_options(void)
{
    return opts_long;
}
