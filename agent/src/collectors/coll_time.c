/*
 * time - the agent's wall clock when it answered, in milliseconds since the
 * epoch (as cmon-agent serves it), or seconds with --metric-names
 * prometheus. Never cached: it is the time of this answer.
 */
#include "collector.h"

#include <time.h>

static const kstat_metric_t time_table[] = {
    {"", "", "time_of_day", "time_of_day_seconds", METRIC_GAUGE, "milliseconds", 1, 1e-3,
     "Wall-clock time of the answer, in milliseconds since the Unix epoch.",
     "Wall-clock time of the answer, in seconds since the Unix epoch."},
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

const collector_t collector_time = {"time", time_table, 1, time_collect, 0};
