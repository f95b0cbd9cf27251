/*
 * clock.c - the agents' clock. Agents run under libfaketime with
 * FAKETIME_TIMESTAMP_FILE pointing at a file of ours and FAKETIME_NO_CACHE=1,
 * so that every clock call of the agent reads the file again. The file holds
 * an absolute timestamp without '@' ("2026-01-01 00:00:10.250000000"):
 * libfaketime 0.9.10 then freezes every clock (realtime and monotonic) at it,
 * so the agent's clock is the world's virtual clock and moves only with
 * sim.advance. The timestamp is read in the agent's TZ, which is UTC.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "engine.h"

void
scn_clock_format(uint64_t ns, char *buf, size_t len)
{
    time_t t = (time_t)(SCN_EPOCH + (int64_t)(ns / 1000000000u));
    struct tm tm;
    gmtime_r(&t, &tm);
    char day[32];
    strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf, len, "%s.%09u", day, (unsigned)(ns % 1000000000u));
}

int
scn_clock_write(const char *path, uint64_t ns)
{
    char line[64];
    scn_clock_format(ns, line, sizeof(line));
    size_t n = strlen(line);
    line[n++] = '\n';
    return atomicfile_replace(path, line, n, ATOMICFILE_MODE);
}
