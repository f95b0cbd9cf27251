/* cmd_table.c - the subcommands of cmon-sim: one line each. */
#include <stddef.h>

#include "cmd.h"

const cmd_t cmd_table[] = {
    {"serve",
     "serve --zones N [--world PATH] [--churn PER_S] [--reboots PER_S] [--tick MS] [--seed S] "
     "[--cpus N] [--keep]",
     cmd_serve_main},
    {"kstat", "kstat [-p] [-w PATH] [module:instance:name:statistic]", cmd_kstat_main},
    {"zones", "zones [-c] [-w PATH]", cmd_zones_main},
    {"bench", "bench [--zones N] [--runs R] [--big N]", cmd_bench_main},
    {NULL, NULL, NULL},
};
