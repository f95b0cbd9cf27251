/*
 * main.c - `cmon-sim run [--junit FILE] [--seed S] [--quiet] SCENARIO.lua ...`
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "engine.h"
#include "scenario.h"

struct run_opts {
    const char *ro_junit;
    uint64_t ro_seed;
    int ro_quiet;
};

static void
run_usage(FILE *f)
{
    fputs("usage: cmon-sim run [--junit FILE] [--seed S] [--quiet] SCENARIO.lua ...\n"
          "  --junit FILE  write JUnit XML of every check to FILE\n"
          "  --seed S      seed of the worlds (default 1): same seed, same outcome\n"
          "  --quiet       no progress bars, no per-scenario lines\n"
          "exit status: 0 every check held, 1 a check failed, 2 a scenario is broken\n",
          f);
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

/* Returns the index of the first scenario in argv, or -1 (usage printed), -2 (--help). */
static int
run_parse(int argc, char **argv, struct run_opts *o)
{
    static const struct option longopts[] = {{"junit", required_argument, NULL, 'j'},
                                             {"seed", required_argument, NULL, 's'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+j:s:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            o->ro_junit = optarg;
            break;
        case 's':
            if (run_parse_seed(optarg, &o->ro_seed) != 0) {
                fprintf(stderr, "cmon-sim run: bad seed '%s' (a non-negative integer)\n", optarg);
                return -1;
            }
            break;
        case 'q':
            o->ro_quiet = 1;
            break;
        case 'h':
            return -2;
        default:
            fprintf(stderr, "cmon-sim run: unknown option '%s'\n", argv[optind - 1]);
            run_usage(stderr);
            return -1;
        }
    }
    if (optind >= argc) {
        fputs("cmon-sim run: no scenario given\n", stderr);
        run_usage(stderr);
        return -1;
    }
    return optind;
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
        scn_engine_run_file(rep, argv[i], o->ro_seed, progress, o->ro_quiet);
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
    struct run_opts o = {.ro_seed = 1};
    int first = run_parse(argc, argv, &o);
    if (first == -2) {
        run_usage(stdout);
        return 0;
    }
    if (first < 0)
        return 2;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fputs("cmon-sim run: cannot initialise libcurl\n", stderr);
        return 2;
    }
    int rc = run_all(&o, argc, argv, first);
    curl_global_cleanup();
    return rc;
}
