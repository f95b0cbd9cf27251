/* opts.c - command-line parsing (see opts.h). */
#include "opts.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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
          "      --url=URL            scrape a running agent instead of starting one\n"
          "      --zones-file=FILE    with --url: the instances, one uuid a line or\n"
          "                             zoneadm list -p lines (default: URL/v1/discover)\n"
          "      --world=PATH         with --url: list the instances of this world\n"
          "      --pid=PID            with --url: the agent process, for CPU and RSS figures\n"
          "      --reference=nginx|none  the same load on an nginx of its own serving the\n"
          "                             very bytes of sample scrapes (default none)\n"
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

static int
opts_apply_string(struct opts *o, int c, const char *a, char *err, size_t errlen)
{
    switch (c) {
    case OPT_URL:
        if (strncmp(a, "http://", 7) != 0) {
            snprintf(err, errlen, "--url: only http:// URLs, got '%s'", a);
            return -1;
        }
        o->op_url = a;
        return 0;
    case OPT_REF:
        if (strcmp(a, "nginx") != 0 && strcmp(a, "none") != 0) {
            snprintf(err, errlen, "--reference: expected nginx or none, got '%s'", a);
            return -1;
        }
        o->op_reference = strcmp(a, "nginx") == 0;
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
    }
    return 1;
}

static int
opts_apply(struct opts *o, int c, const char *a, char *err, size_t errlen)
{
    int r = opts_apply_number(o, c, a, err, errlen);
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

/* Flags that make no sense together. Returns 0 or -1 with err. */
static int
opts_check(const struct opts *o, char *err, size_t errlen)
{
    if (o->op_url != NULL && o->op_sweep_key == OPTS_SWEEP_ZONES) {
        snprintf(err, errlen, "--sweep zones needs worlds of its own: it cannot go with --url");
        return -1;
    }
    if (o->op_url == NULL && (o->op_pid || o->op_zones_file || o->op_world)) {
        snprintf(err, errlen, "--pid, --zones-file and --world go with --url");
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
    return opts_check(o, err, errlen);
}

const struct option *
opts_long_options(void)
{
    return opts_long;
}
