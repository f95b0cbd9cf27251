/*
 * memcap - memory use and caps of a zone, from memory_cap:<zoneid>:<name30>.
 * A cap of 0 or 2^64-1 means "no cap": the limit is left out, not served
 * as a number no one can reach.
 */
#include "collector.h"

#include <stdint.h>
#include <string.h>

static const kstat_metric_t memcap_table[] = {
    {"memory_cap", "rss", "mem_agg_usage", "mem_rss_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "Resident memory of the zone, in bytes.", "Resident memory of the zone, in bytes."},
    {"memory_cap", "physcap", "mem_limit", "mem_limit_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "Resident memory cap of the zone, in bytes.", "Resident memory cap of the zone, in bytes."},
    {"memory_cap", "swap", "mem_swap", "mem_swap_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "Swap (virtual memory) reserved by the zone, in bytes.",
     "Swap (virtual memory) reserved by the zone, in bytes."},
    {"memory_cap", "swapcap", "mem_swap_limit", "mem_swap_limit_bytes", METRIC_GAUGE, "bytes", 1, 1,
     "Swap cap of the zone, in bytes.", "Swap cap of the zone, in bytes."},
    {"memory_cap", "anon_alloc_fail", "mem_anon_alloc_fail", "mem_anon_alloc_failures_total",
     METRIC_COUNTER, "allocations", 1, 1,
     "Anonymous memory allocations that failed at the zone's cap (count).",
     "Anonymous memory allocations that failed at the zone's cap."},
};

#define NROWS (sizeof(memcap_table) / sizeof(memcap_table[0]))

static int
memcap_is_limit(const kstat_metric_t *row)
{
    return strcmp(row->km_stat, "physcap") == 0 || strcmp(row->km_stat, "swapcap") == 0;
}

static int
memcap_collect(const collect_ctx_t *cc, famset_t *fs)
{
    kstat_t *ksp = collector_read(cc, "memory_cap", NULL);
    if (ksp == NULL)
        return COLLECT_FAILED;
    int rc = collector_zone_check(cc, ksp);
    if (rc != COLLECT_OK)
        return rc;
    size_t cursor = 0;
    for (size_t i = 0; i < NROWS; i++) {
        uint64_t raw;
        if (collector_value_at(ksp, memcap_table[i].km_stat, &raw, &cursor) != 0)
            continue;
        if (memcap_is_limit(&memcap_table[i]) && (raw == 0 || raw == UINT64_MAX))
            continue;
        if (collector_emit(cc, fs, &memcap_table[i], raw, NULL, NULL) != 0)
            return COLLECT_FAILED;
    }
    return COLLECT_OK;
}

const collector_t collector_memcap = {"memcap", memcap_table, NROWS, memcap_collect, 1};
