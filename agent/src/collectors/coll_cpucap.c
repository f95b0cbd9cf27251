/*
 * cpucap - CPU cap of a zone, from caps:<zoneid>:cpucaps_zone_<zoneid>.
 * That kstat exists only while the zone has a CPU cap: an uncapped zone
 * gets no cpucap metrics at all (and the collector is still "available").
 */
#include "collector.h"

#include <errno.h>
#include <stdio.h>

#define PCT 0.01

static const kstat_metric_t cpucap_table[] = {
    {"caps", "usage", "cpucap_cur_usage_percentage", "cpucap_usage_ratio", METRIC_GAUGE,
     "percent of one CPU", 1, PCT, "CPU usage of the zone, in percent of one CPU.",
     "CPU usage of the zone, as a ratio of one CPU (1 is one whole CPU)."},
    {"caps", "value", "cpucap_limit_percentage", "cpucap_limit_ratio", METRIC_GAUGE,
     "percent of one CPU", 1, PCT, "CPU cap of the zone, in percent of one CPU.",
     "CPU cap of the zone, as a ratio of one CPU."},
    {"caps", "baseline", "cpucap_baseline_percentage", "cpucap_baseline_ratio", METRIC_GAUGE,
     "percent of one CPU", 1, PCT, "CPU baseline of the zone, in percent of one CPU.",
     "CPU baseline of the zone, as a ratio of one CPU."},
    {"caps", "maxusage", "cpucap_max_usage_percentage", "cpucap_max_usage_ratio", METRIC_GAUGE,
     "percent of one CPU", 1, PCT, "Highest CPU usage of the zone seen, in percent of one CPU.",
     "Highest CPU usage of the zone seen, as a ratio of one CPU."},
    {"caps", "nwait", "cpucap_waiting_threads_count", "cpucap_waiting_threads", METRIC_GAUGE,
     "threads", 1, 1, "Threads of the zone waiting on its CPU cap (count).",
     "Threads of the zone waiting on its CPU cap."},
    {"caps", "above_sec", "cpucap_above_seconds_total", "cpucap_above_seconds_total",
     METRIC_COUNTER, "seconds", 1, 1, "Time the zone spent above its CPU cap, in seconds.",
     "Time the zone spent above its CPU cap, in seconds."},
    {"caps", "below_sec", "cpucap_below_seconds_total", "cpucap_below_seconds_total",
     METRIC_COUNTER, "seconds", 1, 1, "Time the zone spent below its CPU cap, in seconds.",
     "Time the zone spent below its CPU cap, in seconds."},
    {"caps", "above_base_sec", "cpucap_above_base_seconds_total", "cpucap_above_base_seconds_total",
     METRIC_COUNTER, "seconds", 1, 1, "Time the zone spent above its CPU baseline, in seconds.",
     "Time the zone spent above its CPU baseline, in seconds."},
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

const collector_t collector_cpucap = {"cpucap", cpucap_table, NROWS, cpucap_collect, 1};
