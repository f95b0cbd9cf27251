/* cmd_table.c - the subcommands of cmon-sim: one line each. */
#include <stddef.h>

#include "cmd.h"
#include "scenario.h"

const cmd_t cmd_table[] = {
    {"serve",
     "serve --zones N [--world PATH] [--churn PER_S] [--reboots PER_S] [--tick MS] [--seed S] "
     "[--cpus N] [--keep]\n  cmon-sim serve --cns K --zones N [--world PREFIX] [--prom-config "
     "FILE] [--scrape-interval S] "
     "[--agent PATH] [--agent-arg ARG]... [--seed S] [--tick MS] [--churn R] [--reboots R]",
     cmd_serve_main},
    {"kstat", "kstat [-p] [-w PATH] [module:instance:name:statistic]", cmd_kstat_main},
    {"zones", "zones [-c] [-w PATH]", cmd_zones_main},
    {"bench", "bench [--zones N] [--runs R] [--big N]", cmd_bench_main},
    {"run", "run [--junit FILE] [--seed S] [--quiet] SCENARIO.lua ...", scenario_run_main},
    {NULL, NULL, NULL},
};
