/* clock.h - monotonic time for latency measurement. */
#ifndef CMON_BENCH_CLOCK_H
#define CMON_BENCH_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds (cmon_monotime_ns(), as the unsigned the load loop adds up). */
uint64_t clock_mono_ns(void);
/* Sleep for about ns nanoseconds (a signal may cut it short). */
void clock_sleep_ns(uint64_t ns);

#endif
