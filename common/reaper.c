/* reaper - a child subreaper that kills and reaps the orphans it gets (reaper.h). */
#include "reaper.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define REAPER_MAX 4096 /* children looked at in one sweep; the rest at the next */

int
reaper_become(void)
{
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : -1;
}

/* Appends the children listed in one task's children file to pids. */
static size_t
reaper_task_children(const char *tid, pid_t *pids, size_t n, size_t max)
{
    char path[300];
    snprintf(path, sizeof(path), "/proc/self/task/%.32s/children", tid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return n;
    int pid;
    while (n < max && fscanf(f, "%d", &pid) == 1)
        pids[n++] = pid;
    fclose(f);
    return n;
}

/* Every child of every thread of ours, up to max. -1 when /proc cannot say. */
static long
reaper_children(pid_t *pids, size_t max)
{
    DIR *d = opendir("/proc/self/task");
    if (d == NULL)
        return -1;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n = reaper_task_children(e->d_name, pids, n, max);
    closedir(d);
    return (long)n;
}

/* Whether child is one mode sweeps. */
static int
reaper_is_orphan(pid_t child, reaper_mode_t mode)
{
    if (mode == REAPER_ALL)
        return 1;
    /* two system calls rather than /proc/PID/stat read and parsed: a sweep
     * looks at every running child; a zombie still has its group and session */
    pid_t sid = getsid(child), pgrp = getpgid(child);
    if (sid < 0 || pgrp < 0)
        return 0; /* gone already */
    if (sid != getsid(0))
        return 1;
    return pgrp != child && pgrp != getpgrp();
}

/* One pass: what is a child now. */
static int
reaper_pass(reaper_mode_t mode)
{
    pid_t *pids = malloc(REAPER_MAX * sizeof(*pids));
    if (pids == NULL)
        return -1;
    long n = reaper_children(pids, REAPER_MAX);
    int reaped = 0;
    for (long i = 0; i < n; i++) {
        if (!reaper_is_orphan(pids[i], mode))
            continue;
        kill(pids[i], SIGKILL); /* a zombie ignores it */
        while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
            ;
        reaped++;
    }
    free(pids);
    if (n < 0)
        return -1;
    return reaped;
}

int
reaper_sweep(reaper_mode_t mode)
{
    /* an orphan killed leaves its own children to us: they are the next
     * pass's (bounded: a fork bomb is not ours to win) */
    int total = 0, n = 0;
    for (int pass = 0; pass < 16 && (n = reaper_pass(mode)) > 0; pass++)
        total += n;
    return n < 0 && total == 0 ? -1 : total;
}
