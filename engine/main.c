/*
 * main.c - `cmon-sim run [OPTION]... SCENARIO.lua...`: the command line of
 * the scenario engine, the run of every scenario, the closing line and the
 * JUnit file.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cmon_version.h"
#include "engine.h"
#include "runlimits.h"
#include "scenario.h"

struct run_opts {
    const char *ro_junit;
    uint64_t ro_seed;
    int ro_quiet;
    struct scn_run_limits ro_limits; /* --timeout, --max-memory */
};

/* What run_parse() found: scenarios to run, or an answer already given. */
enum run_parsed { RUN_GO, RUN_HELP, RUN_VERSION, RUN_USAGE };

static void
run_help(void)
{
    fputs("Usage: cmon-sim run [OPTION]... SCENARIO.lua...\n"
          "Run Lua scenarios: each builds a simulated world, drives the real cmon-agent\n"
          "under virtual time and checks every answer against the world's ground truth.\n"
          "\n"
          "Options:\n"
          "  -j, --junit=FILE     write JUnit XML to FILE: a test suite per scenario, a test\n"
          "                       case per check() call, a broken scenario as an <error>\n"
          "  -s, --seed=S         seed of the worlds and of math.random, a non-negative\n"
          "                       integer (default 1): same seed, same outcome\n"
          "  -q, --quiet          no progress bars, no verdict line per scenario\n"
          "  -t, --timeout=S      end a scenario still running after S seconds of wall-clock\n"
          "                       time (default 600), even one blocked in a call\n"
          "  -m, --max-memory=MB  end a scenario whose Lua state holds more than MB\n"
          "                       megabytes (default 4096)\n"
          "  -h, --help           print this help and exit\n"
          "      --version        print the version and exit\n"
          "\n"
          "Every check() call is one test, and so is a scenario that breaks: the closing\n"
          "line \"N passed, N failed\" and the JUnit file count the same tests.\n"
          "\n"
          "Exit status:\n"
          "  0  every check held\n"
          "  1  a check failed\n"
          "  2  a scenario is broken (syntax or runtime error, a bad argument to a sim\n"
          "     call, no check at all) or hit a limit, the JUnit file cannot be written,\n"
          "     or the command line is wrong\n"
          "\n"
          "Limits: past --timeout or --max-memory a scenario ends as broken, with a\n"
          "message naming it and the line it was running (\"x.lua:12: the scenario ran\n"
          "past its time limit of 600 s (--timeout)\"); its agents are stopped and its\n"
          "world and scratch directory removed. A scenario may lower its own limits,\n"
          "never raise them: sim.limits{timeout = S, max_memory = MB}.\n"
          "\n"
          "Examples:\n"
          "  cmon-sim run scenarios/smoke.lua\n"
          "  cmon-sim run --seed 7 --junit out.xml scenarios/smoke.lua scenarios/churn.lua\n",
          stdout);
}

/* A usage error: one line naming the problem, then where to look. */
__attribute__((format(printf, 1, 2))) static enum run_parsed
run_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cmon-sim run: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'cmon-sim run --help'.\n", stderr);
    va_end(ap);
    return RUN_USAGE;
}

static int
run_parse_seed(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '\0')
        return -1;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* A limit: a number above 0 and at most max. */
static int
run_parse_limit(const char *s, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > max)
        return -1;
    *out = v;
    return 0;
}

/* The option getopt_long could not take, as the user wrote it: an unknown
 * short option by its letter (it may sit in a group, "-qx"), else the
 * whole argument, which getopt_long has just stepped over. */
static const char *
run_bad_option(char **argv, int unknown, char *buf, size_t len)
{
    if (unknown && optopt != 0)
        snprintf(buf, len, "-%c", optopt);
    else
        snprintf(buf, len, "%s", argv[optind - 1]);
    return buf;
}

/* Fills o and *first (the index of the first scenario in argv). */
static enum run_parsed
run_parse(int argc, char **argv, struct run_opts *o, int *first)
{
    enum { OPT_VERSION = 256 };
    static const struct option longopts[] = {{"junit", required_argument, NULL, 'j'},
                                             {"seed", required_argument, NULL, 's'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"version", no_argument, NULL, OPT_VERSION},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"max-memory", required_argument, NULL, 'm'},
                                             {NULL, 0, NULL, 0}};
    char bad[64];
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:j:s:qht:m:", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (optarg[0] == '\0')
                return run_usage_error("--junit needs a file name");
            o->ro_junit = optarg;
            break;
        case 's':
            if (run_parse_seed(optarg, &o->ro_seed) != 0)
                return run_usage_error("bad seed '%s' (a non-negative integer)", optarg);
            break;
        case 'q':
            o->ro_quiet = 1;
            break;
        case 't':
            if (run_parse_limit(optarg, 1e7, &o->ro_limits.rl_timeout_s) != 0)
                return run_usage_error("bad --timeout '%s' (seconds, more than 0)", optarg);
            break;
        case 'm':
            if (run_parse_limit(optarg, 1 << 24, &o->ro_limits.rl_max_memory_mb) != 0)
                return run_usage_error("bad --max-memory '%s' (megabytes, more than 0)", optarg);
            break;
        case 'h':
            return RUN_HELP;
        case OPT_VERSION:
            return RUN_VERSION;
        case ':':
            return run_usage_error("option '%s' needs a value",
                                   run_bad_option(argv, 0, bad, sizeof(bad)));
        default:
            return run_usage_error("unknown option '%s'",
                                   run_bad_option(argv, 1, bad, sizeof(bad)));
        }
    }
    if (optind >= argc)
        return run_usage_error("no scenario given");
    *first = optind;
    return RUN_GO;
}

/* Runs every scenario; the exit status: a broken scenario or an unwritten
 * JUnit file 2, else a failed check 1, else 0. */
static int
run_all(struct run_opts *o, int argc, char **argv, int first)
{
    struct scn_report *rep = scn_report_new();
    if (rep == NULL) {
        fputs("cmon-sim run: out of memory\n", stderr);
        return 2;
    }
    int progress = !o->ro_quiet && isatty(STDERR_FILENO);
    for (int i = first; i < argc; i++)
        scn_engine_run_file(rep, argv[i], o->ro_seed, progress, o->ro_quiet, &o->ro_limits);
    unsigned long passed, failed, errors;
    scn_report_totals(rep, &passed, &failed, &errors);
    /* a broken scenario is one failed test, as in the JUnit file */
    printf("%lu passed, %lu failed\n", passed, failed + errors);
    fflush(stdout);
    int rc = errors ? 2 : failed ? 1 : 0;
    if (o->ro_junit != NULL && scn_report_junit(rep, o->ro_junit) != 0) {
        fprintf(stderr, "cmon-sim run: cannot write %s: %s\n", o->ro_junit, strerror(errno));
        rc = 2;
    }
    scn_report_free(rep);
    return rc;
}

int
scenario_run_main(int argc, char **argv)
{
    struct run_opts o = {.ro_seed = 1,
                         .ro_limits = {.rl_timeout_s = SCN_TIMEOUT_DEFAULT_S,
                                       .rl_max_memory_mb = SCN_MAX_MEMORY_DEFAULT_MB}};
    int first = 0;
    switch (run_parse(argc, argv, &o, &first)) {
    case RUN_HELP:
        run_help();
        return 0;
    case RUN_VERSION:
        puts("cmon-sim " CMON_VERSION);
        return 0;
    case RUN_USAGE:
        return 2;
    case RUN_GO:
        break;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fputs("cmon-sim run: cannot initialise libcurl\n", stderr);
        return 2;
    }
    int rc = run_all(&o, argc, argv, first);
    curl_global_cleanup();
    return rc;
}
