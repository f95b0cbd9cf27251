/* procstat.c - process figures from /proc (see procstat.h). */
#include "procstat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
procstat_parse_stat(const char *text, long clk_tck, struct procstat *ps)
{
    /* comm is "(...)" and may itself hold ") ": the last ')' ends it. */
    const char *p = strrchr(text, ')');
    unsigned long long ut, st;
    char state;

    if (p == NULL || clk_tck <= 0)
        goto bad;
    /* after ')': state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14)
     * stime(15) */
    if (sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &state, &ut, &st) !=
        3)
        goto bad;
    ps->ps_state = state;
    ps->ps_cpu_s = (double)(ut + st) / (double)clk_tck;
    return 0;
bad:
    errno = EINVAL;
    return -1;
}

long
procstat_parse_kb(const char *text, const char *field)
{
    size_t n = strlen(field);
    long kb;

    for (const char *p = text; p != NULL; p = strchr(p, '\n')) {
        p += *p == '\n';
        if (strncmp(p, field, n) == 0 && p[n] == ':' && sscanf(p + n + 1, " %ld", &kb) == 1)
            return kb;
    }
    return -1;
}

/* Read a small /proc file into buf. Returns 0 or -1 with errno. */
static int
procstat_slurp(pid_t pid, const char *name, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        if (errno == ENOENT)
            errno = ESRCH;
        return -1;
    }
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return 0;
}

int
procstat_read(pid_t pid, struct procstat *ps)
{
    char buf[4096];

    if (procstat_slurp(pid, "stat", buf, sizeof(buf)) < 0)
        return -1;
    if (procstat_parse_stat(buf, sysconf(_SC_CLK_TCK), ps) < 0)
        return -1;
    ps->ps_hwm_kb = ps->ps_shmem_kb = -1;
    if (procstat_slurp(pid, "status", buf, sizeof(buf)) == 0) {
        ps->ps_hwm_kb = procstat_parse_kb(buf, "VmHWM");
        ps->ps_shmem_kb = procstat_parse_kb(buf, "RssShmem");
    }
    return 0;
}

int
procstat_alive(pid_t pid)
{
    struct procstat ps;

    if (pid <= 0 || procstat_read(pid, &ps) < 0)
        return 0;
    return ps.ps_state != 'Z' && ps.ps_state != 'X';
}
