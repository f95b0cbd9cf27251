/*
 * memcap - memory use and caps of a zone, from memory_cap:<zoneid>:<name30>.
 * Rows in the original's order with its exact HELP texts (reference 2.3),
 * values in bytes (counts) as the kstat has them. A cap of 0 or 2^64-1
 * means "no cap": that limit is left out, not served as a number no one can
 * reach (the original aborted there, its defect D5).
 */
#include "collector.h"

#include <stdint.h>
#include <string.h>

static const kstat_metric_t memcap_table[] = {
    {.km_module = "memory_cap",
     .km_stat = "rss",
     .km_name = "mem_agg_usage",
     .km_prom = "mem_rss_bytes",
     .km_type = METRIC_GAUGE,
     .km_unit = "bytes",
     .km_scale = 1,
     .km_prom_scale = 1,
     .km_help = "Aggregate memory usage in bytes",
     .km_prom_help = "Resident memory of the zone, in bytes."},
    {.km_module = "memory_cap",
     .km_stat = "anon_alloc_fail",
     .km_name = "mem_anon_alloc_fail",
     .km_prom = "mem_anon_alloc_failures_total",
     .km_type = METRIC_COUNTER,
     .km_unit = "allocations",
     .km_scale = 1,
     .km_prom_scale = 1,
     .km_help = "Anonymous allocation failure count",
     .km_prom_help = "Anonymous memory allocations that failed at the zone's cap."},
    {.km_module = "memory_cap",
     .km_stat = "physcap",
     .km_name = "mem_limit",
     .km_prom = "mem_limit_bytes",
     .km_type = METRIC_GAUGE,
     .km_unit = "bytes",
     .km_scale = 1,
     .km_prom_scale = 1,
     .km_help = "Memory limit in bytes",
     .km_prom_help = "Resident memory cap of the zone, in bytes."},
    {.km_module = "memory_cap",
     .km_stat = "swap",
     .km_name = "mem_swap",
     .km_prom = "mem_swap_bytes",
     .km_type = METRIC_GAUGE,
     .km_unit = "bytes",
     .km_scale = 1,
     .km_prom_scale = 1,
     .km_help = "Swap in bytes",
     .km_prom_help = "Swap (virtual memory) reserved by the zone, in bytes."},
    {.km_module = "memory_cap",
     .km_stat = "swapcap",
     .km_name = "mem_swap_limit",
     .km_prom = "mem_swap_limit_bytes",
     .km_type = METRIC_GAUGE,
     .km_unit = "bytes",
     .km_scale = 1,
     .km_prom_scale = 1,
     .km_help = "Swap limit in bytes",
     .km_prom_help = "Swap cap of the zone, in bytes."},
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
    /* The rows are in the original's order, not the kstat's: the cursor
     * wraps once (anon_alloc_fail comes after the caps in the kstat). */
    size_t cursor = 0;
    for (size_t i = 0; i < NROWS; i++) {
        uint64_t raw;
        if (collector_value_at(ksp, memcap_table[i].km_stat, &raw, &cursor) != 0)
            return collector_missing(cc, ksp, memcap_table[i].km_stat);
        if (memcap_is_limit(&memcap_table[i]) && (raw == 0 || raw == UINT64_MAX))
            continue;
        if (collector_emit(cc, fs, &memcap_table[i], raw, NULL, NULL) != 0)
            return COLLECT_FAILED;
    }
    return COLLECT_OK;
}

const collector_t collector_memcap = {
    "memcap", memcap_table, NROWS, memcap_collect, 1, COLLECTOR_META("memcap")};
