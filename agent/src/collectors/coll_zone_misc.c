/* zone_misc - CPU time and load of a zone, from zones:<zoneid>:<name30>. */
#include "collector.h"

#define NS 1e-9

static const kstat_metric_t zone_misc_table[] = {
    {"zones", "nsec_user", "cpu_user_usage", "cpu_user_seconds_total", METRIC_COUNTER,
     "nanoseconds", 1, NS, "CPU time spent in user mode by the zone, in nanoseconds.",
     "CPU time spent in user mode by the zone, in seconds."},
    {"zones", "nsec_sys", "cpu_sys_usage", "cpu_system_seconds_total", METRIC_COUNTER,
     "nanoseconds", 1, NS, "CPU time spent in system mode by the zone, in nanoseconds.",
     "CPU time spent in system mode by the zone, in seconds."},
    {"zones", "nsec_waitrq", "cpu_wait_time", "cpu_wait_seconds_total", METRIC_COUNTER,
     "nanoseconds", 1, NS,
     "Time the zone's runnable threads spent waiting for a CPU, in nanoseconds.",
     "Time the zone's runnable threads spent waiting for a CPU, in seconds."},
    {"zones", "avenrun_1min", "load_average", "load_average_1m", METRIC_GAUGE, "threads", 1.0 / 256,
     1.0 / 256, "One-minute load average of the zone (runnable threads).",
     "One-minute load average of the zone (runnable threads)."},
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

const collector_t collector_zone_misc = {"zone_misc", zone_misc_table, NROWS, zone_misc_collect, 1};
