/*
 * zone_misc - CPU time and load of a zone, from zones:<zoneid>:<name30>.
 * Rows in the original's order with its exact HELP texts (reference 2.1):
 * the nsec_* counters served unconverted, in nanoseconds, the load average
 * as avenrun_1min / 256 (FSCALE).
 */
#include "collector.h"

#define NS 1e-9
#define FSCALE 256.0

static const kstat_metric_t zone_misc_table[] = {
    {.km_module = "zones",
     .km_stat = "nsec_user",
     .km_name = "cpu_user_usage",
     .km_prom = "cpu_user_seconds_total",
     .km_type = METRIC_COUNTER,
     .km_unit = "nanoseconds",
     .km_scale = 1,
     .km_prom_scale = NS,
     .km_help = "User CPU utilization in nanoseconds",
     .km_prom_help = "CPU time spent in user mode by the zone, in seconds."},
    {.km_module = "zones",
     .km_stat = "nsec_sys",
     .km_name = "cpu_sys_usage",
     .km_prom = "cpu_system_seconds_total",
     .km_type = METRIC_COUNTER,
     .km_unit = "nanoseconds",
     .km_scale = 1,
     .km_prom_scale = NS,
     .km_help = "System CPU usage in nanoseconds",
     .km_prom_help = "CPU time spent in system mode by the zone, in seconds."},
    {.km_module = "zones",
     .km_stat = "nsec_waitrq",
     .km_name = "cpu_wait_time",
     .km_prom = "cpu_wait_seconds_total",
     .km_type = METRIC_COUNTER,
     .km_unit = "nanoseconds",
     .km_scale = 1,
     .km_prom_scale = NS,
     .km_help = "CPU wait time in nanoseconds",
     .km_prom_help = "Time the zone's runnable threads spent waiting for a CPU, in seconds."},
    {.km_module = "zones",
     .km_stat = "avenrun_1min",
     .km_name = "load_average",
     .km_prom = "load_average_1m",
     .km_type = METRIC_GAUGE,
     .km_unit = "threads",
     .km_scale = 1 / FSCALE,
     .km_prom_scale = 1 / FSCALE,
     .km_help = "Load average",
     .km_prom_help = "One-minute load average of the zone (runnable threads)."},
};

#define NROWS (sizeof(zone_misc_table) / sizeof(zone_misc_table[0]))

static int
zone_misc_collect(const collect_ctx_t *cc, famset_t *fs)
{
    kstat_t *ksp = collector_read(cc, "zones", NULL);
    if (ksp == NULL)
        return COLLECT_FAILED;
    int rc = collector_zone_check(cc, ksp);
    if (rc != COLLECT_OK)
        return rc;
    return collector_emit_named(cc, fs, ksp, zone_misc_table, NROWS) == 0 ? COLLECT_OK
                                                                          : COLLECT_FAILED;
}

const collector_t collector_zone_misc = {
    "zone_misc", zone_misc_table, NROWS, zone_misc_collect, 1, COLLECTOR_META("zone_misc")};
