/*
 * monotime.h - the agent's one reading of the monotonic clock (CLOCK_MONOTONIC:
 * under libfaketime, the scenario engine's virtual time). Never fails.
 */
#ifndef CMON_AGENT_MONOTIME_H
#define CMON_AGENT_MONOTIME_H

#include <stdint.h>

/* monotime_ns() - nanoseconds since an arbitrary start. */
int64_t monotime_ns(void);

/* monotime_seconds() - the same, in seconds. */
double monotime_seconds(void);

#endif
