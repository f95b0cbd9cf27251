/* golden - the original's families, from the reference (see golden.h). */
#include "golden.h"

#include <stdio.h>
#include <string.h>

const golden_family_t golden_cpucap[] = {
    {"cpucap_above_base_seconds_total", "counter",
     "Time (in seconds) a zone has spent over the baseline"},
    {"cpucap_above_seconds_total", "counter",
     "Time (in seconds) a zone has spent over its cpu_cap"},
    {"cpucap_baseline_percentage", "gauge",
     "The \"normal\" CPU utilization expected for a zone with this cpu_cap (percentage of a "
     "single CPU)"},
    {"cpucap_below_seconds_total", "counter",
     "Time (in seconds) a zone has spent under its cpu_cap"},
    {"cpucap_burst_limit_seconds", "gauge",
     "The limit on the number of seconds a zone can burst over its cpu_cap before the effective "
     "cap is lowered to the baseline"},
    {"cpucap_effective_percentage", "gauge",
     "Shows which cap is being used, the baseline value or the burst value"},
    {"cpucap_max_usage_percentage", "gauge",
     "The highest CPU utilization the zone has seen since booting (percentage of a single CPU)"},
    {"cpucap_waiting_threads_count", "gauge",
     "The number of threads put on the wait queue due to the zone being over its cap"},
    {"cpucap_cur_usage_percentage", "gauge",
     "Current CPU utilization of the zone (percentage of a single CPU)"},
    {"cpucap_limit_percentage", "gauge", "The cpu_cap limit (percentage of a single CPU)"},
};
const size_t golden_ncpucap = sizeof(golden_cpucap) / sizeof(golden_cpucap[0]);

const golden_family_t golden_zfs[] = {
    {"zfs_available", "gauge", "zfs space available in bytes"},
    {"zfs_used", "gauge", "zfs space used in bytes"},
    {"zfs_logicalused", "gauge", "zfs space logically used in bytes"},
    {"zfs_recordsize", "gauge", "suggested zfs data block size in bytes"},
    {"zfs_quota", "gauge", "zfs dataset quota in bytes"},
    {"zfs_compressratio", "gauge", "zfs compression ratio achieved for the used property"},
    {"zfs_refcompressratio", "gauge", "zfs compression ratio achieved for the referenced property"},
    {"zfs_referenced", "gauge", "zfs data accessible by dataset in bytes"},
    {"zfs_logicalreferenced", "gauge", "zfs data logically accessible by dataset in bytes"},
    {"zfs_usedbydataset", "gauge", "zfs data used by the dataset itself in bytes"},
    {"zfs_usedbysnapshots", "gauge", "zfs data used by snapshots in bytes"},
};
const size_t golden_nzfs = sizeof(golden_zfs) / sizeof(golden_zfs[0]);

/* The line after l, or NULL at the end. */
static const char *
golden_next(const char *l)
{
    const char *nl = strchr(l, '\n');
    return nl != NULL && nl[1] != '\0' ? nl + 1 : NULL;
}

/* 1 when line l is exactly want (up to its newline). */
static int
golden_line_is(const char *l, const char *want)
{
    size_t n = strlen(want);
    return l != NULL && strncmp(l, want, n) == 0 && (l[n] == '\n' || l[n] == '\0');
}

int
golden_check(const char *body, const char *prefix, const golden_family_t *g, size_t n, char *why,
             size_t len)
{
    char meta[128], want[1024];
    size_t k = 0, plen = strlen(prefix);
    snprintf(meta, sizeof(meta), "# HELP %smetrics_", prefix);
    for (const char *l = body; l != NULL && *l != '\0'; l = golden_next(l)) {
        if (strncmp(l, "# HELP ", 7) != 0 || strncmp(l + 7, prefix, plen) != 0 ||
            strncmp(l, meta, strlen(meta)) == 0)
            continue;
        if (k == n) {
            snprintf(why, len, "family beyond the %zu of the original: %.*s", n,
                     (int)strcspn(l, "\n"), l);
            return -1;
        }
        snprintf(want, sizeof(want), "# HELP %s %s", g[k].gf_name, g[k].gf_help);
        if (!golden_line_is(l, want)) {
            snprintf(why, len, "family %zu: got '%.*s', want '%s'", k + 1, (int)strcspn(l, "\n"), l,
                     want);
            return -1;
        }
        snprintf(want, sizeof(want), "# TYPE %s %s", g[k].gf_name, g[k].gf_type);
        if (!golden_line_is(golden_next(l), want)) {
            snprintf(why, len, "family %zu: no '%s' after its HELP", k + 1, want);
            return -1;
        }
        k++;
    }
    if (k != n) {
        snprintf(why, len, "%zu families, the original has %zu (next: %s)", k, n, g[k].gf_name);
        return -1;
    }
    why[0] = '\0';
    return 0;
}
