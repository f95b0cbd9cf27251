/*
 * cpu - time of every CPU of the compute node by mode, from cpu:<n>:sys
 * (cpu_nsec_idle, cpu_nsec_kernel, cpu_nsec_user, cpu_nsec_dtrace), as
 * Triton's cmon-agent's cpu_util (reference 3.1): four counters in seconds,
 * one sample per CPU labelled cpu_id, with its HELP texts. Its names already
 * follow the Prometheus conventions, so both name sets serve them.
 *
 * Where we differ: the original walked kstat-major, so each family was
 * split into one group per CPU (D3), and its sort of kstats all named "sys"
 * shuffled CPUs beyond ten (D15: 5, 0, 2, 3, 4, 1, 6, ... for 11). Here each
 * family is one group (famset) and its samples are in ascending CPU id.
 */
#include "collector.h"

#include <errno.h>
#include <stdio.h>

#define CPU_MAX 4096
#define CPU_GAP 64 /* offline CPUs leave holes in the ids: look this far past one */

static const kstat_metric_t cpu_table[] = {
    {"cpu", "cpu_nsec_idle", "cpu_idle_seconds_total", "cpu_idle_seconds_total", METRIC_COUNTER,
     "seconds", 1e-9, 1e-9, "CPU idle time in seconds", "Time the CPU spent idle, in seconds."},
    {"cpu", "cpu_nsec_kernel", "cpu_kernel_seconds_total", "cpu_kernel_seconds_total",
     METRIC_COUNTER, "seconds", 1e-9, 1e-9, "CPU kernel time in seconds",
     "Time the CPU spent in the kernel, in seconds."},
    {"cpu", "cpu_nsec_user", "cpu_user_seconds_total", "cpu_user_seconds_total", METRIC_COUNTER,
     "seconds", 1e-9, 1e-9, "CPU user time in seconds",
     "Time the CPU spent in user mode, in seconds."},
    {"cpu", "cpu_nsec_dtrace", "cpu_dtrace_seconds_total", "cpu_dtrace_seconds_total",
     METRIC_COUNTER, "seconds", 1e-9, 1e-9, "CPU dtrace time in seconds",
     "Time the CPU spent in DTrace probes, in seconds."},
};

#define NROWS (sizeof(cpu_table) / sizeof(cpu_table[0]))

/* The four samples of CPU n; a record the kstat lacks is a failure (the original's too). */
static int
cpu_emit(const collect_ctx_t *cc, famset_t *fs, kstat_t *ksp, int n)
{
    char id[16];
    size_t cursor = 0;
    snprintf(id, sizeof(id), "%d", n);
    for (size_t i = 0; i < NROWS; i++) {
        uint64_t raw;
        if (collector_value_at(ksp, cpu_table[i].km_stat, &raw, &cursor) != 0 ||
            collector_emit(cc, fs, &cpu_table[i], raw, "cpu_id", id) != 0)
            return COLLECT_FAILED;
    }
    return COLLECT_OK;
}

static int
cpu_collect(const collect_ctx_t *cc, famset_t *fs)
{
    int found = 0, gap = 0;
    for (int n = 0; n < CPU_MAX && gap < CPU_GAP; n++) {
        kstat_t *ksp = kreader_find(cc->cc_reader, "cpu", n, "sys");
        if (ksp == NULL) {
            gap++;
            continue;
        }
        gap = 0;
        if (kreader_read(cc->cc_reader, ksp) != 0 || cpu_emit(cc, fs, ksp, n) != COLLECT_OK)
            return COLLECT_FAILED;
        found++;
    }
    if (found == 0)
        errno = ENOENT;
    return found > 0 ? COLLECT_OK : COLLECT_FAILED;
}

const collector_t collector_cpu = {"cpu_util",  cpu_table, NROWS,
                                   cpu_collect, 1,         COLLECTOR_META("cpu_util")};
