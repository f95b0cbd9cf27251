/*
 * arcstats - the ZFS ARC, from zfs:0:arcstats, as Triton's cmon-agent
 * serves it (reference 3.3): its 81 families, in its order, with its names
 * and HELP texts, raw values (bytes or counts). Two of them are optional:
 * the field was renamed by illumos (sync_wait_for_async, later
 * async_upgrade_sync), so a platform has one or the other and the family of
 * the absent one is left out. Every other field is required: when one is
 * missing (a platform that renamed it), the collector serves nothing,
 * arcstats_metrics_available_boolean says 0 and a log line names the field;
 * the rest of the answer is served (the original aborted the collector and,
 * after five tries, silenced it for every request: its D10).
 *
 * Where we differ (defect D6, agent/README.md): hdr_size is a current size,
 * served as a gauge (the original: counter); l2_read_bytes counts since boot,
 * served as a counter (the original: gauge); the HELP typos "cummulative",
 * "prefectch metatdata" and "classifed" are fixed. The names stay, odd ones
 * included (arcstats_l2_write_bytes and arcstats_memory_throttle_count are
 * counters without _total, arcstats_mfu_ghost_evictable_data has no _bytes):
 * they are what dashboards query.
 *
 * With --metric-names prometheus every family is arcstats_<kstat field>,
 * with _total for counters (the mapping from the original's names is the
 * table's fourth column), and every other numeric field of the kstat (the
 * rest of illumos' arc_stats_t: deleted, access_skip, the l2_rebuild_*
 * records, ...) is served the same way after them, typed by arcstats_gauges (a
 * gauge field ending in _count, l2_log_blk_count, is named arcstats_l2_log_blks:
 * _count is a summary's suffix).
 */
#include "collector.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* The original's table: field, its name, ours (prometheus), type, unit, HELP (both sets). */
static const kstat_metric_t arcstats_table[] = {
    {"zfs", "anon_evictable_data", "arcstats_anon_evictable_data_bytes",
     "arcstats_anon_evictable_data", METRIC_GAUGE, "bytes", 1, 1, "ARC anonymous evictable data",
     "ARC anonymous evictable data"},
    {"zfs", "anon_evictable_metadata", "arcstats_anon_evictable_metadata_bytes",
     "arcstats_anon_evictable_metadata", METRIC_GAUGE, "bytes", 1, 1,
     "ARC anonymous evictable metadata", "ARC anonymous evictable metadata"},
    {"zfs", "anon_size", "arcstats_anon_size_bytes", "arcstats_anon_size", METRIC_GAUGE, "bytes", 1,
     1, "ARC anonymous size", "ARC anonymous size"},
    {"zfs", "arc_meta_limit", "arcstats_arc_meta_limit_bytes", "arcstats_arc_meta_limit",
     METRIC_GAUGE, "bytes", 1, 1, "ARC metadata limit", "ARC metadata limit"},
    {"zfs", "arc_meta_max", "arcstats_arc_meta_max_bytes", "arcstats_arc_meta_max", METRIC_GAUGE,
     "bytes", 1, 1, "ARC metadata maximum observed size", "ARC metadata maximum observed size"},
    {"zfs", "arc_meta_min", "arcstats_arc_meta_min_bytes", "arcstats_arc_meta_min", METRIC_GAUGE,
     "bytes", 1, 1, "ARC metadata minimum", "ARC metadata minimum"},
    {"zfs", "arc_meta_used", "arcstats_arc_meta_used_bytes", "arcstats_arc_meta_used", METRIC_GAUGE,
     "bytes", 1, 1, "ARC metadata used", "ARC metadata used"},
    {"zfs", "c", "arcstats_target_cache_size_bytes", "arcstats_c", METRIC_GAUGE, "bytes", 1, 1,
     "ARC target cache size", "ARC target cache size"},
    {"zfs", "c_max", "arcstats_max_target_cache_size_bytes", "arcstats_c_max", METRIC_GAUGE,
     "bytes", 1, 1, "ARC maximum target cache size", "ARC maximum target cache size"},
    {"zfs", "c_min", "arcstats_min_target_cache_size_bytes", "arcstats_c_min", METRIC_GAUGE,
     "bytes", 1, 1, "ARC minimum target cache size", "ARC minimum target cache size"},
    {"zfs", "compressed_size", "arcstats_compressed_size_bytes", "arcstats_compressed_size",
     METRIC_GAUGE, "bytes", 1, 1, "ARC compressed size", "ARC compressed size"},
    {"zfs", "data_size", "arcstats_data_size_bytes", "arcstats_data_size", METRIC_GAUGE, "bytes", 1,
     1, "Number of bytes consumed by ARC buffers backing on disk data",
     "Number of bytes consumed by ARC buffers backing on disk data"},
    {"zfs", "demand_data_hits", "arcstats_demand_data_hits_total",
     "arcstats_demand_data_hits_total", METRIC_COUNTER, "count", 1, 1, "ARC demand data hits",
     "ARC demand data hits"},
    {"zfs", "demand_data_misses", "arcstats_demand_data_misses_total",
     "arcstats_demand_data_misses_total", METRIC_COUNTER, "count", 1, 1, "ARC demand data misses",
     "ARC demand data misses"},
    {"zfs", "demand_hit_predictive_prefetch", "arcstats_demand_hit_predictive_prefetch_total",
     "arcstats_demand_hit_predictive_prefetch_total", METRIC_COUNTER, "count", 1, 1,
     "ARC demand hit predictive prefetch", "ARC demand hit predictive prefetch"},
    {"zfs", "demand_metadata_hits", "arcstats_demand_metadata_hits_total",
     "arcstats_demand_metadata_hits_total", METRIC_COUNTER, "count", 1, 1,
     "ARC demand metadata hits", "ARC demand metadata hits"},
    {"zfs", "demand_metadata_misses", "arcstats_demand_metadata_misses_total",
     "arcstats_demand_metadata_misses_total", METRIC_COUNTER, "count", 1, 1,
     "ARC demand metadata misses", "ARC demand metadata misses"},
    {"zfs", "evict_l2_cached", "arcstats_evict_l2_cached_bytes_total",
     "arcstats_evict_l2_cached_total", METRIC_COUNTER, "bytes", 1, 1, "ARC L2 cached bytes evicted",
     "ARC L2 cached bytes evicted"},
    {"zfs", "evict_l2_eligible", "arcstats_evict_l2_eligible_bytes_total",
     "arcstats_evict_l2_eligible_total", METRIC_COUNTER, "bytes", 1, 1,
     "ARC L2 cache bytes eligible for eviction", "ARC L2 cache bytes eligible for eviction"},
    {"zfs", "evict_l2_ineligible", "arcstats_evict_l2_ineligible_bytes_total",
     "arcstats_evict_l2_ineligible_total", METRIC_COUNTER, "bytes", 1, 1,
     "ARC L2 cache bytes ineligible for eviction", "ARC L2 cache bytes ineligible for eviction"},
    {"zfs", "evict_l2_skip", "arcstats_evict_l2_skip_total", "arcstats_evict_l2_skip_total",
     METRIC_COUNTER, "count", 1, 1, "ARC L2 cache eviction skips", "ARC L2 cache eviction skips"},
    {"zfs", "evict_not_enough", "arcstats_evict_not_enough_total",
     "arcstats_evict_not_enough_total", METRIC_COUNTER, "count", 1, 1,
     "ARC count of eviction scans which did not satisfy ARC_EVICT_ALL",
     "ARC count of eviction scans which did not satisfy ARC_EVICT_ALL"},
    {"zfs", "evict_skip", "arcstats_evict_skip_total", "arcstats_evict_skip_total", METRIC_COUNTER,
     "count", 1, 1, "ARC total number of buffers skipped during an eviction",
     "ARC total number of buffers skipped during an eviction"},
    {"zfs", "hash_chain_max", "arcstats_hash_chain_max", "arcstats_hash_chain_max", METRIC_GAUGE,
     "count", 1, 1, "ARC hash chain maximum", "ARC hash chain maximum"},
    {"zfs", "hash_chains", "arcstats_hash_chains", "arcstats_hash_chains", METRIC_GAUGE, "count", 1,
     1, "ARC hash chains", "ARC hash chains"},
    {"zfs", "hash_collisions", "arcstats_hash_collisions_total", "arcstats_hash_collisions_total",
     METRIC_COUNTER, "count", 1, 1, "ARC hash collisions", "ARC hash collisions"},
    {"zfs", "hash_elements", "arcstats_hash_elements", "arcstats_hash_elements", METRIC_GAUGE,
     "count", 1, 1, "ARC hash elements", "ARC hash elements"},
    {"zfs", "hash_elements_max", "arcstats_hash_elements_max", "arcstats_hash_elements_max",
     METRIC_GAUGE, "count", 1, 1, "ARC hash elements maximum", "ARC hash elements maximum"},
    {"zfs", "hdr_size", "arcstats_hdr_size_bytes", "arcstats_hdr_size", METRIC_GAUGE, "bytes", 1, 1,
     "Number of bytes consumed by internal ARC structures",
     "Number of bytes consumed by internal ARC structures"},
    {"zfs", "hits", "arcstats_hits_total", "arcstats_hits_total", METRIC_COUNTER, "count", 1, 1,
     "ARC hits", "ARC hits"},
    {"zfs", "l2_abort_lowmem", "arcstats_l2_abort_lowmem_total", "arcstats_l2_abort_lowmem_total",
     METRIC_COUNTER, "count", 1, 1, "ARC L2 low memory aborts", "ARC L2 low memory aborts"},
    {"zfs", "l2_asize", "arcstats_l2_asize_bytes", "arcstats_l2_asize", METRIC_GAUGE, "bytes", 1, 1,
     "ARC L2 actual size in bytes after compression",
     "ARC L2 actual size in bytes after compression"},
    {"zfs", "l2_cksum_bad", "arcstats_l2_cksum_bad_total", "arcstats_l2_cksum_bad_total",
     METRIC_COUNTER, "count", 1, 1, "ARC L2 total bad checksums encountered",
     "ARC L2 total bad checksums encountered"},
    {"zfs", "l2_evict_l1cached", "arcstats_l2_evict_l1cached_total",
     "arcstats_l2_evict_l1cached_total", METRIC_COUNTER, "count", 1, 1,
     "ARC L2 evictions which also result in l1 cache evictions",
     "ARC L2 evictions which also result in l1 cache evictions"},
    {"zfs", "l2_evict_lock_retry", "arcstats_l2_evict_lock_retry_total",
     "arcstats_l2_evict_lock_retry_total", METRIC_COUNTER, "count", 1, 1,
     "ARC L2 evictions that fail and retry because of a hash lock miss",
     "ARC L2 evictions that fail and retry because of a hash lock miss"},
    {"zfs", "l2_evict_reading", "arcstats_l2_evict_reading_total",
     "arcstats_l2_evict_reading_total", METRIC_COUNTER, "count", 1, 1,
     "ARC L2 eviction of a block that is being or about to be read",
     "ARC L2 eviction of a block that is being or about to be read"},
    {"zfs", "l2_feeds", "arcstats_l2_feeds_total", "arcstats_l2_feeds_total", METRIC_COUNTER,
     "count", 1, 1, "ARC L2 arc feed loop execution count", "ARC L2 arc feed loop execution count"},
    {"zfs", "l2_free_on_write", "arcstats_l2_free_on_write_total",
     "arcstats_l2_free_on_write_total", METRIC_COUNTER, "count", 1, 1,
     "ARC L2 headers added to the free on write list",
     "ARC L2 headers added to the free on write list"},
    {"zfs", "l2_hdr_size", "arcstats_l2_hdr_bytes", "arcstats_l2_hdr_size", METRIC_GAUGE, "bytes",
     1, 1, "ARC L2 header bytes", "ARC L2 header bytes"},
    {"zfs", "l2_hits", "arcstats_l2_hits_total", "arcstats_l2_hits_total", METRIC_COUNTER, "count",
     1, 1, "ARC L2 cache hits", "ARC L2 cache hits"},
    {"zfs", "l2_io_error", "arcstats_l2_io_error_total", "arcstats_l2_io_error_total",
     METRIC_COUNTER, "count", 1, 1, "ARC io error when reading from L2",
     "ARC io error when reading from L2"},
    {"zfs", "l2_misses", "arcstats_l2_misses_total", "arcstats_l2_misses_total", METRIC_COUNTER,
     "count", 1, 1, "ARC L2 misses", "ARC L2 misses"},
    {"zfs", "l2_read_bytes", "arcstats_l2_read_bytes", "arcstats_l2_read_bytes_total",
     METRIC_COUNTER, "bytes", 1, 1, "ARC bytes read from L2", "ARC bytes read from L2"},
    {"zfs", "l2_rw_clash", "arcstats_l2_rw_clash_total", "arcstats_l2_rw_clash_total",
     METRIC_COUNTER, "count", 1, 1, "ARC L2 read errors due to active L2 write",
     "ARC L2 read errors due to active L2 write"},
    {"zfs", "l2_size", "arcstats_l2_size_bytes", "arcstats_l2_size", METRIC_GAUGE, "bytes", 1, 1,
     "ARC L2 size in bytes", "ARC L2 size in bytes"},
    {"zfs", "l2_write_bytes", "arcstats_l2_write_bytes", "arcstats_l2_write_bytes_total",
     METRIC_COUNTER, "bytes", 1, 1, "ARC L2 cumulative bytes written",
     "ARC L2 cumulative bytes written"},
    {"zfs", "l2_writes_done", "arcstats_l2_writes_done_total", "arcstats_l2_writes_done_total",
     METRIC_COUNTER, "count", 1, 1, "ARC L2 cumulative writes done",
     "ARC L2 cumulative writes done"},
    {"zfs", "l2_writes_error", "arcstats_l2_writes_error_total", "arcstats_l2_writes_error_total",
     METRIC_COUNTER, "count", 1, 1, "ARC L2 write errors", "ARC L2 write errors"},
    {"zfs", "l2_writes_lock_retry", "arcstats_l2_writes_lock_retry_total",
     "arcstats_l2_writes_lock_retry_total", METRIC_COUNTER, "count", 1, 1,
     "ARC L2 writes which missed the hash lock resulting in a retry",
     "ARC L2 writes which missed the hash lock resulting in a retry"},
    {"zfs", "l2_writes_sent", "arcstats_l2_writes_sent_total", "arcstats_l2_writes_sent_total",
     METRIC_COUNTER, "count", 1, 1, "ARC L2 cumulative writes sent",
     "ARC L2 cumulative writes sent"},
    {"zfs", "memory_throttle_count", "arcstats_memory_throttle_count",
     "arcstats_memory_throttle_count_total", METRIC_COUNTER, "count", 1, 1,
     "ARC page load delayed due to low memory", "ARC page load delayed due to low memory"},
    {"zfs", "metadata_size", "arcstats_metadata_size_bytes", "arcstats_metadata_size", METRIC_GAUGE,
     "bytes", 1, 1, "Number of bytes consumed by ARC metadata buffers",
     "Number of bytes consumed by ARC metadata buffers"},
    {"zfs", "mfu_evictable_data", "arcstats_mfu_evictable_data_bytes",
     "arcstats_mfu_evictable_data", METRIC_GAUGE, "bytes", 1, 1,
     "Bytes consumed by ARC data buffers that are evictable",
     "Bytes consumed by ARC data buffers that are evictable"},
    {"zfs", "mfu_evictable_metadata", "arcstats_mfu_evictable_metadata_bytes",
     "arcstats_mfu_evictable_metadata", METRIC_GAUGE, "bytes", 1, 1,
     "Bytes consumed by ARC metadata buffers that are evictable",
     "Bytes consumed by ARC metadata buffers that are evictable"},
    {"zfs", "mfu_ghost_evictable_data", "arcstats_mfu_ghost_evictable_data",
     "arcstats_mfu_ghost_evictable_data", METRIC_GAUGE, "bytes", 1, 1,
     "Evictable data bytes that would have been consumed by ARC",
     "Evictable data bytes that would have been consumed by ARC"},
    {"zfs", "mfu_ghost_evictable_metadata", "arcstats_mfu_ghost_evictable_metadata_bytes",
     "arcstats_mfu_ghost_evictable_metadata", METRIC_GAUGE, "bytes", 1, 1,
     "Evictable metadata bytes that would have been consumed by ARC",
     "Evictable metadata bytes that would have been consumed by ARC"},
    {"zfs", "mfu_ghost_hits", "arcstats_mfu_ghost_hits_total", "arcstats_mfu_ghost_hits_total",
     METRIC_COUNTER, "count", 1, 1,
     "ARC hits for MFU ghost data (data accessed more than once, but has been evicted from cache)",
     "ARC hits for MFU ghost data (data accessed more than once, but has been evicted from cache)"},
    {"zfs", "mfu_ghost_size", "arcstats_mfu_ghost_size_bytes", "arcstats_mfu_ghost_size",
     METRIC_GAUGE, "bytes", 1, 1,
     "Evictable bytes that would have been consumed by ARC buffers in the arc_mfu_ghost state",
     "Evictable bytes that would have been consumed by ARC buffers in the arc_mfu_ghost state"},
    {"zfs", "mfu_hits", "arcstats_mfu_hits_total", "arcstats_mfu_hits_total", METRIC_COUNTER,
     "count", 1, 1, "ARC hits for data in the MFU state", "ARC hits for data in the MFU state"},
    {"zfs", "mfu_size", "arcstats_mfu_size_bytes", "arcstats_mfu_size", METRIC_GAUGE, "bytes", 1, 1,
     "Total number of bytes consumed by ARC buffers in the MFU state",
     "Total number of bytes consumed by ARC buffers in the MFU state"},
    {"zfs", "misses", "arcstats_misses_total", "arcstats_misses_total", METRIC_COUNTER, "count", 1,
     1, "ARC misses", "ARC misses"},
    {"zfs", "mru_evictable_data", "arcstats_mru_evictable_data_bytes",
     "arcstats_mru_evictable_data", METRIC_GAUGE, "bytes", 1, 1,
     "Bytes consumed by ARC buffers of type ARC_BUFC_DATA, residing in the arc_mru state, and "
     "eligible for eviction",
     "Bytes consumed by ARC buffers of type ARC_BUFC_DATA, residing in the arc_mru state, and "
     "eligible for eviction"},
    {"zfs", "mru_evictable_metadata", "arcstats_mru_evictable_metadata_bytes",
     "arcstats_mru_evictable_metadata", METRIC_GAUGE, "bytes", 1, 1,
     "Bytes consumed by ARC buffers of type ARC_BUFC_METADATA, residing in the arc_mru state, and "
     "eligible for eviction",
     "Bytes consumed by ARC buffers of type ARC_BUFC_METADATA, residing in the arc_mru state, and "
     "eligible for eviction"},
    {"zfs", "mru_ghost_evictable_data", "arcstats_mru_ghost_evictable_data_bytes",
     "arcstats_mru_ghost_evictable_data", METRIC_GAUGE, "bytes", 1, 1,
     "Bytes that would have been consumed by ARC buffers and of type ARC_BUFC_DATA, and linked off "
     "the arc_mru_ghost state",
     "Bytes that would have been consumed by ARC buffers and of type ARC_BUFC_DATA, and linked off "
     "the arc_mru_ghost state"},
    {"zfs", "mru_ghost_evictable_metadata", "arcstats_mru_ghost_evictable_metadata_bytes",
     "arcstats_mru_ghost_evictable_metadata", METRIC_GAUGE, "bytes", 1, 1,
     "Bytes that would have been consumed by ARC buffers and of type ARC_BUFC_METADATA, and linked "
     "off the arc_mru_ghost state",
     "Bytes that would have been consumed by ARC buffers and of type ARC_BUFC_METADATA, and linked "
     "off the arc_mru_ghost state"},
    {"zfs", "mru_ghost_hits", "arcstats_mru_ghost_hits_total", "arcstats_mru_ghost_hits_total",
     METRIC_COUNTER, "count", 1, 1,
     "ARC hits for MRU ghost data (data accessed recently, but has been evicted from cache)",
     "ARC hits for MRU ghost data (data accessed recently, but has been evicted from cache)"},
    {"zfs", "mru_ghost_size", "arcstats_mru_ghost_size_bytes", "arcstats_mru_ghost_size",
     METRIC_GAUGE, "bytes", 1, 1,
     "Total bytes that would have been consumed by ARC buffers in the arc_mru_ghost state. (This "
     "is not DRAM consumption)",
     "Total bytes that would have been consumed by ARC buffers in the arc_mru_ghost state. (This "
     "is not DRAM consumption)"},
    {"zfs", "mru_hits", "arcstats_mru_hits_total", "arcstats_mru_hits_total", METRIC_COUNTER,
     "count", 1, 1, "Total MRU hits", "Total MRU hits"},
    {"zfs", "mru_size", "arcstats_mru_size_bytes", "arcstats_mru_size", METRIC_GAUGE, "bytes", 1, 1,
     "Total number of bytes consumed by ARC buffers in the arc_mru state",
     "Total number of bytes consumed by ARC buffers in the arc_mru state"},
    {"zfs", "mutex_miss", "arcstats_mutex_miss_total", "arcstats_mutex_miss_total", METRIC_COUNTER,
     "count", 1, 1,
     "Buffers that could not be evicted because the hash lock was held by another thread",
     "Buffers that could not be evicted because the hash lock was held by another thread"},
    {"zfs", "other_size", "arcstats_other_size_bytes", "arcstats_other_size", METRIC_GAUGE, "bytes",
     1, 1, "Bytes consumed by non-ARC buffers", "Bytes consumed by non-ARC buffers"},
    {"zfs", "overhead_size", "arcstats_overhead_size_bytes", "arcstats_overhead_size", METRIC_GAUGE,
     "bytes", 1, 1,
     "Bytes stored in all arc_buf_t, classified as overhead since it is typically short-lived.",
     "Bytes stored in all arc_buf_t, classified as overhead since it is typically short-lived."},
    {"zfs", "p", "arcstats_p_bytes", "arcstats_p", METRIC_GAUGE, "bytes", 1, 1,
     "Target size of the MRU in bytes", "Target size of the MRU in bytes"},
    {"zfs", "prefetch_data_hits", "arcstats_prefetch_data_hits_total",
     "arcstats_prefetch_data_hits_total", METRIC_COUNTER, "count", 1, 1, "ARC prefetch data hits",
     "ARC prefetch data hits"},
    {"zfs", "prefetch_data_misses", "arcstats_prefetch_data_misses_total",
     "arcstats_prefetch_data_misses_total", METRIC_COUNTER, "count", 1, 1,
     "ARC prefetch data misses", "ARC prefetch data misses"},
    {"zfs", "prefetch_metadata_hits", "arcstats_prefetch_metadata_hits_total",
     "arcstats_prefetch_metadata_hits_total", METRIC_COUNTER, "count", 1, 1,
     "ARC prefetch metadata hits", "ARC prefetch metadata hits"},
    {"zfs", "prefetch_metadata_misses", "arcstats_prefetch_metadata_misses_total",
     "arcstats_prefetch_metadata_misses_total", METRIC_COUNTER, "count", 1, 1,
     "ARC prefetch metadata misses", "ARC prefetch metadata misses"},
    {"zfs", "size", "arcstats_size_bytes", "arcstats_size", METRIC_GAUGE, "bytes", 1, 1,
     "ARC total size in bytes", "ARC total size in bytes"},
    {"zfs", "sync_wait_for_async", "arcstats_sync_wait_for_async_total",
     "arcstats_sync_wait_for_async_total", METRIC_COUNTER, "count", 1, 1,
     "Number of times a sync read waited for an in-progress async read",
     "Number of times a sync read waited for an in-progress async read"},
    {"zfs", "async_upgrade_sync", "arcstats_async_upgrade_sync_total",
     "arcstats_async_upgrade_sync_total", METRIC_COUNTER, "count", 1, 1,
     "Number of times an async read was upgraded to sync because another sync read was waiting for "
     "it",
     "Number of times an async read was upgraded to sync because another sync read was waiting for "
     "it"},
    {"zfs", "uncompressed_size", "arcstats_uncompressed_size_bytes", "arcstats_uncompressed_size",
     METRIC_GAUGE, "bytes", 1, 1, "ARC total uncompressed size in bytes",
     "ARC total uncompressed size in bytes"},
};

#define NROWS (sizeof(arcstats_table) / sizeof(arcstats_table[0]))

/* The rows whose field a platform may lack (reference 3.3, entries 79 and 80). */
static int
arcstats_optional(const char *stat)
{
    return strcmp(stat, "sync_wait_for_async") == 0 || strcmp(stat, "async_upgrade_sync") == 0;
}

/* The fields of arc_stats_t that are levels, not counts of events (the extras' types). */
static const char *const arcstats_gauges[] = {
    "p",
    "c",
    "c_min",
    "c_max",
    "size",
    "compressed_size",
    "uncompressed_size",
    "overhead_size",
    "hdr_size",
    "data_size",
    "metadata_size",
    "other_size",
    "anon_size",
    "anon_evictable_data",
    "anon_evictable_metadata",
    "mru_size",
    "mru_evictable_data",
    "mru_evictable_metadata",
    "mru_ghost_size",
    "mru_ghost_evictable_data",
    "mru_ghost_evictable_metadata",
    "mfu_size",
    "mfu_evictable_data",
    "mfu_evictable_metadata",
    "mfu_ghost_size",
    "mfu_ghost_evictable_data",
    "mfu_ghost_evictable_metadata",
    "l2_size",
    "l2_asize",
    "l2_hdr_size",
    "l2_log_blk_avg_asize",
    "l2_log_blk_asize",
    "l2_log_blk_count",
    "l2_data_to_meta_ratio",
    "l2_rebuild_size",
    "l2_rebuild_asize",
    "arc_meta_used",
    "arc_meta_limit",
    "arc_meta_max",
    "arc_meta_min",
    "arc_no_grow",
    "arc_tempreserve",
    "arc_loaned_bytes",
    "hash_elements",
    "hash_elements_max",
    "hash_chains",
    "hash_chain_max",
    "bonus_size",
    "dnode_size",
    "dbuf_size",
    "arc_dnode_limit",
    "arc_need_free",
    "arc_sys_free",
};

static metric_type_t
arcstats_extra_type(const char *stat)
{
    for (size_t i = 0; i < sizeof(arcstats_gauges) / sizeof(arcstats_gauges[0]); i++)
        if (strcmp(arcstats_gauges[i], stat) == 0)
            return METRIC_GAUGE;
    return METRIC_COUNTER;
}

/* 1 when field stat has a row of the table. */
static int
arcstats_in_table(const char *stat)
{
    for (size_t i = 0; i < NROWS; i++)
        if (strncmp(arcstats_table[i].km_stat, stat, KSTAT_STRLEN) == 0)
            return 1;
    return 0;
}

/* --metric-names prometheus: every numeric field the table does not have. 0 or -1. */
static int
arcstats_extras(famset_t *fs, kstat_t *ksp)
{
    char name[96], help[160];
    const kstat_named_t *kn = KSTAT_NAMED_PTR(ksp);
    for (uint_t i = 0; i < ksp->ks_ndata; i++) {
        uint64_t v;
        size_t cursor = i;
        char stat[KSTAT_STRLEN + 1];
        snprintf(stat, sizeof(stat), "%.*s", KSTAT_STRLEN, kn[i].name);
        if (arcstats_in_table(stat) || collector_value_at(ksp, stat, &v, &cursor) != 0)
            continue; /* served above, or not a number */
        metric_type_t t = arcstats_extra_type(stat);
        size_t len = strlen(stat);
        if (t == METRIC_GAUGE && len > 6 && strcmp(stat + len - 6, "_count") == 0)
            snprintf(name, sizeof(name), "arcstats_%.*ss", (int)(len - 6),
                     stat); /* blocks, not a summary's _count */
        else
            snprintf(name, sizeof(name), "arcstats_%s%s", stat,
                     t == METRIC_COUNTER ? "_total" : "");
        snprintf(help, sizeof(help), "ZFS ARC statistic %s (%s, from zfs:0:arcstats).", stat,
                 t == METRIC_GAUGE ? "current level" : "events since boot");
        if (famset_add(fs, name, help, t, mval_u64(v)) != 0)
            return -1;
    }
    return 0;
}

/*
 * The table's rows from ksp. The first required field missing goes to
 * *missing (and the count of them is returned); 0 when all are there, -1 on
 * allocation failure.
 */
static int
arcstats_rows(const collect_ctx_t *cc, famset_t *fs, kstat_t *ksp, const char **missing)
{
    size_t cursor = 0;
    int nmissing = 0;
    for (size_t i = 0; i < NROWS; i++) {
        uint64_t raw;
        if (collector_value_at(ksp, arcstats_table[i].km_stat, &raw, &cursor) != 0) {
            if (!arcstats_optional(arcstats_table[i].km_stat) && nmissing++ == 0)
                *missing = arcstats_table[i].km_stat;
            continue;
        }
        if (nmissing == 0 && collector_emit(cc, fs, &arcstats_table[i], raw, NULL, NULL) != 0)
            return -1;
    }
    return nmissing;
}

static int
arcstats_collect(const collect_ctx_t *cc, famset_t *fs)
{
    const char *missing = NULL;
    kstat_t *ksp = kreader_find(cc->cc_reader, "zfs", 0, "arcstats");
    if (ksp == NULL) {
        errno = ENOENT;
        return COLLECT_FAILED;
    }
    if (kreader_read(cc->cc_reader, ksp) != 0)
        return COLLECT_FAILED;
    if (ksp->ks_type != KSTAT_TYPE_NAMED) {
        errno = EINVAL;
        return COLLECT_FAILED;
    }
    int nmissing = arcstats_rows(cc, fs, ksp, &missing);
    if (nmissing > 0) {
        log_msg(LOG_WARN,
                "arcstats: zfs:0:arcstats has no field %s (%d required field%s missing): "
                "arcstats not served",
                missing, nmissing, nmissing > 1 ? "s" : "");
        errno = ENOENT;
        return COLLECT_FAILED;
    }
    if (nmissing < 0 || (cc->cc_names == NAMES_PROMETHEUS && arcstats_extras(fs, ksp) != 0))
        return COLLECT_FAILED;
    return COLLECT_OK;
}

const collector_t collector_arcstats = {
    "arcstats", arcstats_table, NROWS, arcstats_collect, 1, COLLECTOR_META("arcstats")};
