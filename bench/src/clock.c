/* clock.c - monotonic time (see clock.h). */
#include "clock.h"

#include <time.h>

#include "monotime.h"

uint64_t
clock_mono_ns(void)
{
    return (uint64_t)cmon_monotime_ns(); /* common/'s clock, unsigned for the load loop's sums */
}

void
clock_sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
    nanosleep(&ts, NULL);
}
