/* monotime.c - the monotonic clock (see monotime.h). */
#include "monotime.h"

#include <time.h>

int64_t
cmon_monotime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
cmon_monotime_ms(void)
{
    return cmon_monotime_ns() / 1000000;
}

double
cmon_monotime_s(void)
{
    return (double)cmon_monotime_ns() / 1e9;
}
