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
    char tmp[PATH_MAX], line[64];
    if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
        return errno = ENAMETOOLONG, -1;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    scn_clock_format(ns, line, sizeof(line));
    size_t n = strlen(line);
    line[n++] = '\n';
    if (write(fd, line, n) != (ssize_t)n || fchmod(fd, 0644) != 0) {
        int err = errno ? errno : EIO;
        close(fd);
        unlink(tmp);
        return errno = err, -1;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        return errno = err, -1;
    }
    return 0;
}
