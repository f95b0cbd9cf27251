/*
 * cpucap - CPU cap of a zone, from caps:<zoneid>:cpucaps_zone_<zoneid>.
 * That kstat exists only while the zone has a CPU cap: an uncapped zone
 * gets no cpucap metrics, and cpucap_metrics_available_boolean 0, as
 * Triton's cmon-agent answers (its cpucap collector is "empty OK": an empty
 * result is not a failure, only "not available"). Rows are in its order
 * (by kstat field name) with its HELP texts.
 */
#include "collector.h"

#include <errno.h>
#include <stdio.h>

#define PCT 0.01

static const kstat_metric_t cpucap_table[] = {
    {"caps", "above_base_sec", "cpucap_above_base_seconds_total", "cpucap_above_base_seconds_total",
     METRIC_COUNTER, "seconds", 1, 1, "Time (in seconds) a zone has spent over the baseline",
     "Time the zone spent above its CPU baseline, in seconds."},
    {"caps", "above_sec", "cpucap_above_seconds_total", "cpucap_above_seconds_total",
     METRIC_COUNTER, "seconds", 1, 1, "Time (in seconds) a zone has spent over its cpu_cap",
     "Time the zone spent above its CPU cap, in seconds."},
    {"caps", "baseline", "cpucap_baseline_percentage", "cpucap_baseline_ratio", METRIC_GAUGE,
     "percent of one CPU", 1, PCT,
     "The \"normal\" CPU utilization expected for a zone with this cpu_cap (percentage of a "
     "single CPU)",
     "CPU baseline of the zone, as a ratio of one CPU."},
    {"caps", "below_sec", "cpucap_below_seconds_total", "cpucap_below_seconds_total",
     METRIC_COUNTER, "seconds", 1, 1, "Time (in seconds) a zone has spent under its cpu_cap",
     "Time the zone spent below its CPU cap, in seconds."},
    {"caps", "burst_limit_sec", "cpucap_burst_limit_seconds", "cpucap_burst_limit_seconds",
     METRIC_GAUGE, "seconds", 1, 1,
     "The limit on the number of seconds a zone can burst over its cpu_cap before the effective "
     "cap is lowered to the baseline",
     "Seconds the zone may run above its CPU baseline before its cap drops to the baseline (0: "
     "no limit)."},
    {"caps", "effective", "cpucap_effective_percentage", "cpucap_effective_ratio", METRIC_GAUGE,
     "percent of one CPU", 1, PCT,
     "Shows which cap is being used, the baseline value or the burst value",
     "CPU cap in force now (the cap, or the baseline once the burst limit is used up), as a "
     "ratio of one CPU."},
    {"caps", "maxusage", "cpucap_max_usage_percentage", "cpucap_max_usage_ratio", METRIC_GAUGE,
     "percent of one CPU", 1, PCT,
     "The highest CPU utilization the zone has seen since booting (percentage of a single CPU)",
     "Highest CPU usage of the zone seen, as a ratio of one CPU."},
    {"caps", "nwait", "cpucap_waiting_threads_count", "cpucap_waiting_threads", METRIC_GAUGE,
     "threads", 1, 1,
     "The number of threads put on the wait queue due to the zone being over its cap",
     "Threads of the zone waiting on its CPU cap."},
    {"caps", "usage", "cpucap_cur_usage_percentage", "cpucap_usage_ratio", METRIC_GAUGE,
     "percent of one CPU", 1, PCT,
     "Current CPU utilization of the zone (percentage of a single CPU)",
     "CPU usage of the zone, as a ratio of one CPU (1 is one whole CPU)."},
    {"caps", "value", "cpucap_limit_percentage", "cpucap_limit_ratio", METRIC_GAUGE,
     "percent of one CPU", 1, PCT, "The cpu_cap limit (percentage of a single CPU)",
     "CPU cap of the zone, as a ratio of one CPU."},
};

#define NROWS (sizeof(cpucap_table) / sizeof(cpucap_table[0]))

static int
cpucap_collect(const collect_ctx_t *cc, famset_t *fs)
{
    char name[KSTAT_STRLEN];
    snprintf(name, sizeof(name), "cpucaps_zone_%d", cc->cc_zoneid);
    kstat_t *ksp = collector_read(cc, "caps", name);
    if (ksp == NULL)
        return errno == ENOENT ? COLLECT_OK : COLLECT_FAILED; /* uncapped */
    int rc = collector_zone_check(cc, ksp);
    if (rc != COLLECT_OK)
        return rc;
    return collector_emit_named(cc, fs, ksp, cpucap_table, NROWS) == 0 ? COLLECT_OK
                                                                       : COLLECT_FAILED;
}

const collector_t collector_cpucap = {
    "cpucap", cpucap_table, NROWS, cpucap_collect, 1, COLLECTOR_META("cpucap")};
