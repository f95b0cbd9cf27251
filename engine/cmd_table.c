/* cmd_table.c - the subcommands of cmon-sim: one line each. */
#include <stddef.h>

#include "cmd.h"
#include "scenario.h"

const cmd_t cmd_table[] = {
    {"serve", "build a world of zones and kstats and keep it moving until SIGTERM",
     cmd_serve_main},
    {"ctl", "change a running world through its serve: faults, zones, load, time, state",
     cmd_ctl_main},
    {"kstat", "print a world's kstats as illumos kstat(1M) does", cmd_kstat_main},
    {"zones", "list a world's zones as zoneadm list -p does", cmd_zones_main},
    {"bench", "measure the fake kernel: build, tick, kstat_read, open, update, lookup",
     cmd_bench_main},
    {"run", "run Lua scenarios against the real cmon-agent, checked against the world",
     scenario_run_main},
    {NULL, NULL, NULL},
};
