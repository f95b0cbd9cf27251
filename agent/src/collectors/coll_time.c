/*
 * time - the agent's wall clock when it answered, in milliseconds since the
 * epoch as the original serves it (reference 2.8), or seconds with
 * --metric-names prometheus. Never cached: it is the time of this answer.
 * Its defect D4 fixed: a gauge (a clock can be set back), and the HELP says
 * milliseconds, the unit of the value (the original's: "System time in
 * seconds since epoch", typed counter).
 */
#include "collector.h"

#include <time.h>

static const kstat_metric_t time_table[] = {
    {.km_module = "",
     .km_stat = "",
     .km_name = "time_of_day",
     .km_prom = "time_of_day_seconds",
     .km_type = METRIC_GAUGE,
     .km_unit = "milliseconds",
     .km_scale = 1,
     .km_prom_scale = 1e-3,
     .km_help = "System time in milliseconds since epoch",
     .km_prom_help = "Wall-clock time of the answer, in seconds since the Unix epoch."},
};

static int
time_collect(const collect_ctx_t *cc, famset_t *fs)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    return collector_emit(cc, fs, &time_table[0], ms, NULL, NULL) == 0 ? COLLECT_OK
                                                                       : COLLECT_FAILED;
}

const collector_t collector_time = {"time", time_table, 1, time_collect, 0, COLLECTOR_META("time")};
