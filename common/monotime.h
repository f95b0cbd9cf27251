/*
 * monotime.h - the one reading of the monotonic clock (CLOCK_MONOTONIC)
 * every program and test shares: timeouts, deadlines, latencies, TTLs.
 * Under libfaketime it is the scenario engine's virtual time, like every
 * other clock of the process. Never fails (CLOCK_MONOTONIC always exists
 * on Linux and illumos).
 */
#ifndef CMON_MONOTIME_H
#define CMON_MONOTIME_H

#include <stdint.h>

/* cmon_monotime_ns() - nanoseconds since an arbitrary start. */
int64_t cmon_monotime_ns(void);

/* cmon_monotime_ms() - the same in whole milliseconds. */
int64_t cmon_monotime_ms(void);

/* cmon_monotime_s() - the same in seconds. */
double cmon_monotime_s(void);

#endif /* CMON_MONOTIME_H */
