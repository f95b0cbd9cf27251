/*
 * procstat.h - a process's CPU time, state and peak RSS from /proc.
 * Parsing is apart from I/O so it can be tested on fixed text.
 */
#ifndef CMON_BENCH_PROCSTAT_H
#define CMON_BENCH_PROCSTAT_H

#include <sys/types.h>

struct procstat {
    char ps_state;    /* 'R', 'S', ..., 'Z' zombie, 'X' dead */
    double ps_cpu_s;  /* utime + stime, seconds */
    long ps_hwm_kb;   /* VmHWM, kB; -1 if not known */
    long ps_shmem_kb; /* RssShmem now (shared memory pages mapped), kB; -1 if not known */
};

/*
 * Parse the text of /proc/<pid>/stat (the comm field may hold spaces and
 * parentheses). Fills ps_state and ps_cpu_s with tick seconds clk_tck.
 * Returns 0, or -1 with errno EINVAL on text that is not a stat line.
 */
int procstat_parse_stat(const char *text, long clk_tck, struct procstat *ps);
/* Parse a "Field:  N kB" line (VmHWM, RssShmem...) of /proc/<pid>/status text. Returns N, or -1. */
long procstat_parse_kb(const char *text, const char *field);
/*
 * Read /proc/<pid>/stat and status. Returns 0, or -1 with errno (ESRCH when
 * the process is gone). A zombie has state 'Z' and ps_hwm_kb -1.
 */
int procstat_read(pid_t pid, struct procstat *ps);
/* 1 if the process exists and is not a zombie, else 0. */
int procstat_alive(pid_t pid);

#endif
