/* golden - the original's families, from the reference (see golden.h). */
#include "golden.h"

#include <stdio.h>
#include <stdlib.h>
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

/* Section 3.1, typed from the reference's table. */
const golden_family_t golden_cpu_util[] = {
    {"cpu_idle_seconds_total", "counter", "CPU idle time in seconds"},
    {"cpu_kernel_seconds_total", "counter", "CPU kernel time in seconds"},
    {"cpu_user_seconds_total", "counter", "CPU user time in seconds"},
    {"cpu_dtrace_seconds_total", "counter", "CPU dtrace time in seconds"},
};
const size_t golden_ncpu_util = sizeof(golden_cpu_util) / sizeof(golden_cpu_util[0]);

/* Section 3.2. */
const golden_family_t golden_cpu_info[] = {
    {"cpu_info_model", "gauge", "CPU model"},
};
const size_t golden_ncpu_info = sizeof(golden_cpu_info) / sizeof(golden_cpu_info[0]);

/* Section 3.3: the 81 entries in the reference's order, its types and HELP, typos included. */
const golden_family_t golden_arcstats[] = {
    {"arcstats_anon_evictable_data_bytes", "gauge", "ARC anonymous evictable data"},
    {"arcstats_anon_evictable_metadata_bytes", "gauge", "ARC anonymous evictable metadata"},
    {"arcstats_anon_size_bytes", "gauge", "ARC anonymous size"},
    {"arcstats_arc_meta_limit_bytes", "gauge", "ARC metadata limit"},
    {"arcstats_arc_meta_max_bytes", "gauge", "ARC metadata maximum observed size"},
    {"arcstats_arc_meta_min_bytes", "gauge", "ARC metadata minimum"},
    {"arcstats_arc_meta_used_bytes", "gauge", "ARC metadata used"},
    {"arcstats_target_cache_size_bytes", "gauge", "ARC target cache size"},
    {"arcstats_max_target_cache_size_bytes", "gauge", "ARC maximum target cache size"},
    {"arcstats_min_target_cache_size_bytes", "gauge", "ARC minimum target cache size"},
    {"arcstats_compressed_size_bytes", "gauge", "ARC compressed size"},
    {"arcstats_data_size_bytes", "gauge",
     "Number of bytes consumed by ARC buffers backing on disk data"},
    {"arcstats_demand_data_hits_total", "counter", "ARC demand data hits"},
    {"arcstats_demand_data_misses_total", "counter", "ARC demand data misses"},
    {"arcstats_demand_hit_predictive_prefetch_total", "counter",
     "ARC demand hit predictive prefetch"},
    {"arcstats_demand_metadata_hits_total", "counter", "ARC demand metadata hits"},
    {"arcstats_demand_metadata_misses_total", "counter", "ARC demand metadata misses"},
    {"arcstats_evict_l2_cached_bytes_total", "counter", "ARC L2 cached bytes evicted"},
    {"arcstats_evict_l2_eligible_bytes_total", "counter",
     "ARC L2 cache bytes eligible for eviction"},
    {"arcstats_evict_l2_ineligible_bytes_total", "counter",
     "ARC L2 cache bytes ineligible for eviction"},
    {"arcstats_evict_l2_skip_total", "counter", "ARC L2 cache eviction skips"},
    {"arcstats_evict_not_enough_total", "counter",
     "ARC count of eviction scans which did not satisfy ARC_EVICT_ALL"},
    {"arcstats_evict_skip_total", "counter",
     "ARC total number of buffers skipped during an eviction"},
    {"arcstats_hash_chain_max", "gauge", "ARC hash chain maximum"},
    {"arcstats_hash_chains", "gauge", "ARC hash chains"},
    {"arcstats_hash_collisions_total", "counter", "ARC hash collisions"},
    {"arcstats_hash_elements", "gauge", "ARC hash elements"},
    {"arcstats_hash_elements_max", "gauge", "ARC hash elements maximum"},
    {"arcstats_hdr_size_bytes", "counter", "Number of bytes consumed by internal ARC structures"},
    {"arcstats_hits_total", "counter", "ARC hits"},
    {"arcstats_l2_abort_lowmem_total", "counter", "ARC L2 low memory aborts"},
    {"arcstats_l2_asize_bytes", "gauge", "ARC L2 actual size in bytes after compression"},
    {"arcstats_l2_cksum_bad_total", "counter", "ARC L2 total bad checksums encountered"},
    {"arcstats_l2_evict_l1cached_total", "counter",
     "ARC L2 evictions which also result in l1 cache evictions"},
    {"arcstats_l2_evict_lock_retry_total", "counter",
     "ARC L2 evictions that fail and retry because of a hash lock miss"},
    {"arcstats_l2_evict_reading_total", "counter",
     "ARC L2 eviction of a block that is being or about to be read"},
    {"arcstats_l2_feeds_total", "counter", "ARC L2 arc feed loop execution count"},
    {"arcstats_l2_free_on_write_total", "counter",
     "ARC L2 headers added to the free on write list"},
    {"arcstats_l2_hdr_bytes", "gauge", "ARC L2 header bytes"},
    {"arcstats_l2_hits_total", "counter", "ARC L2 cache hits"},
    {"arcstats_l2_io_error_total", "counter", "ARC io error when reading from L2"},
    {"arcstats_l2_misses_total", "counter", "ARC L2 misses"},
    {"arcstats_l2_read_bytes", "gauge", "ARC bytes read from L2"},
    {"arcstats_l2_rw_clash_total", "counter", "ARC L2 read errors due to active L2 write"},
    {"arcstats_l2_size_bytes", "gauge", "ARC L2 size in bytes"},
    {"arcstats_l2_write_bytes", "counter", "ARC L2 cummulative bytes written"},
    {"arcstats_l2_writes_done_total", "counter", "ARC L2 cummulative writes done"},
    {"arcstats_l2_writes_error_total", "counter", "ARC L2 write errors"},
    {"arcstats_l2_writes_lock_retry_total", "counter",
     "ARC L2 writes which missed the hash lock resulting in a retry"},
    {"arcstats_l2_writes_sent_total", "counter", "ARC L2 cummulative writes sent"},
    {"arcstats_memory_throttle_count", "counter", "ARC page load delayed due to low memory"},
    {"arcstats_metadata_size_bytes", "gauge", "Number of bytes consumed by ARC metadata buffers"},
    {"arcstats_mfu_evictable_data_bytes", "gauge",
     "Bytes consumed by ARC data buffers that are evictable"},
    {"arcstats_mfu_evictable_metadata_bytes", "gauge",
     "Bytes consumed by ARC metadata buffers that are evictable"},
    {"arcstats_mfu_ghost_evictable_data", "gauge",
     "Evictable data bytes that would have been consumed by ARC"},
    {"arcstats_mfu_ghost_evictable_metadata_bytes", "gauge",
     "Evictable metadata bytes that would have been consumed by ARC"},
    {"arcstats_mfu_ghost_hits_total", "counter",
     "ARC hits for MFU ghost data (data accessed more than once, but has been evicted from cache)"},
    {"arcstats_mfu_ghost_size_bytes", "gauge",
     "Evictable bytes that would have been consumed by ARC buffers in the arc_mfu_ghost state"},
    {"arcstats_mfu_hits_total", "counter", "ARC hits for data in the MFU state"},
    {"arcstats_mfu_size_bytes", "gauge",
     "Total number of bytes consumed by ARC buffers in the MFU state"},
    {"arcstats_misses_total", "counter", "ARC misses"},
    {"arcstats_mru_evictable_data_bytes", "gauge",
     "Bytes consumed by ARC buffers of type ARC_BUFC_DATA, residing in the arc_mru state, and "
     "eligible for eviction"},
    {"arcstats_mru_evictable_metadata_bytes", "gauge",
     "Bytes consumed by ARC buffers of type ARC_BUFC_METADATA, residing in the arc_mru state, and "
     "eligible for eviction"},
    {"arcstats_mru_ghost_evictable_data_bytes", "gauge",
     "Bytes that would have been consumed by ARC buffers and of type ARC_BUFC_DATA, and linked off "
     "the arc_mru_ghost state"},
    {"arcstats_mru_ghost_evictable_metadata_bytes", "gauge",
     "Bytes that would have been consumed by ARC buffers and of type ARC_BUFC_METADATA, and linked "
     "off the arc_mru_ghost state"},
    {"arcstats_mru_ghost_hits_total", "counter",
     "ARC hits for MRU ghost data (data accessed recently, but has been evicted from cache)"},
    {"arcstats_mru_ghost_size_bytes", "gauge",
     "Total bytes that would have been consumed by ARC buffers in the arc_mru_ghost state. (This "
     "is not DRAM consumption)"},
    {"arcstats_mru_hits_total", "counter", "Total MRU hits"},
    {"arcstats_mru_size_bytes", "gauge",
     "Total number of bytes consumed by ARC buffers in the arc_mru state"},
    {"arcstats_mutex_miss_total", "counter",
     "Buffers that could not be evicted because the hash lock was held by another thread"},
    {"arcstats_other_size_bytes", "gauge", "Bytes consumed by non-ARC buffers"},
    {"arcstats_overhead_size_bytes", "gauge",
     "Bytes stored in all arc_buf_t, classifed as overhead since it is typically short-lived."},
    {"arcstats_p_bytes", "gauge", "Target size of the MRU in bytes"},
    {"arcstats_prefetch_data_hits_total", "counter", "ARC prefetch data hits"},
    {"arcstats_prefetch_data_misses_total", "counter", "ARC prefetch data misses"},
    {"arcstats_prefetch_metadata_hits_total", "counter", "ARC prefectch metatdata hits"},
    {"arcstats_prefetch_metadata_misses_total", "counter", "ARC prefetch metadata misses"},
    {"arcstats_size_bytes", "gauge", "ARC total size in bytes"},
    {"arcstats_sync_wait_for_async_total", "counter",
     "Number of times a sync read waited for an in-progress async read"},
    {"arcstats_async_upgrade_sync_total", "counter",
     "Number of times an async read was upgraded to sync because another sync read was waiting for "
     "it"},
    {"arcstats_uncompressed_size_bytes", "gauge", "ARC total uncompressed size in bytes"},
};
const size_t golden_narcstats = sizeof(golden_arcstats) / sizeof(golden_arcstats[0]);

/* Section 3.4: metaslab groups, then pools. */
const golden_family_t golden_zpool[] = {
    {"metaslab_group_loads", "counter", "Number of metaslab loads per metaslab group"},
    {"metaslab_group_unloads", "counter", "Number of metaslab unloads per metaslab group"},
    {"zpool_allocated_bytes", "gauge", "Amount of storage space used withing the pool"},
    {"zpool_fragmentation_percent", "gauge", "Amount of fragmentation in the pool"},
    {"zpool_health_status", "gauge",
     "The current health of the pool (0 = ONLINE, 1 = DEGRADED, 2 = FAULTED, 3 = OFFLINE, 4 = "
     "REMOVED, 5 = UNAVAIL, -1 = UNKNOWN)"},
    {"zpool_size_bytes", "gauge", "Total size of the pool"},
};
const size_t golden_nzpool = sizeof(golden_zpool) / sizeof(golden_zpool[0]);

const char *const golden_cpu_util_labels[] = {"cpu_id", "cpu_id", "cpu_id", "cpu_id"};
const char *const golden_cpu_info_labels[] = {""};
const char *const golden_zpool_labels[] = {"pool,vdev_guid", "pool,vdev_guid", "pool",
                                           "pool",           "pool",           "pool"};

/* Section 2.6, in its table's order (#1-#4). */
const golden_family_t golden_link[] = {
    {"net_agg_packets_in", "counter", "Aggregate inbound packets"},
    {"net_agg_bytes_out", "counter", "Aggregate outbound bytes"},
    {"net_agg_packets_out", "counter", "Aggregate outbound packets"},
    {"net_agg_bytes_in", "counter", "Aggregate inbound bytes"},
};
const size_t golden_nlink = sizeof(golden_link) / sizeof(golden_link[0]);

/* Section 2.6 and 6.2: link's labels, in this order. */
const char *const golden_link_labels[] = {"interface", "nic_tag", "network_uuid"};
const size_t golden_nlink_labels = 3;

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

/* Section 2.A.1, typed from the reference's table. */
const char *const golden_order_vm[] = {"plugin", "time",        "cpucap", "link",      "memcap",
                                       "tcp",    "triton_core", "zfs",    "zone_misc", "zone_vfs"};
const size_t golden_norder_vm = sizeof(golden_order_vm) / sizeof(golden_order_vm[0]);
const char *const golden_order_gz[] = {"plugin",   "time", "arcstats", "cpu_info",
                                       "cpu_util", "ntp",  "zpool"};
const size_t golden_norder_gz = sizeof(golden_order_gz) / sizeof(golden_order_gz[0]);

/*
 * Checks the nine lines of p's meta block from l (its first HELP line),
 * section 2.A.3's template. 0, or -1 with why.
 */
static int
golden_block(const char *l, const char *p, char *why, size_t len)
{
    static const char *const suffix[3] = {"available_boolean", "cached_boolean", "timer_seconds"};
    char help[3][256];
    snprintf(help[0], sizeof(help[0]), "Whether %s metrics were available, 0 = false, 1 = true", p);
    snprintf(help[1], sizeof(help[1]), "Whether %s metrics came from cache, 0 = false, 1 = true",
             p);
    snprintf(help[2], sizeof(help[2]), "How long it took to gather the %s metrics", p);
    char want[512];
    for (int i = 0; i < 3; i++) {
        const char *lines[3];
        lines[0] = l;
        lines[1] = lines[0] ? golden_next(lines[0]) : NULL;
        lines[2] = lines[1] ? golden_next(lines[1]) : NULL;
        snprintf(want, sizeof(want), "# HELP %s_metrics_%s %s", p, suffix[i], help[i]);
        if (!golden_line_is(lines[0], want))
            goto bad;
        snprintf(want, sizeof(want), "# TYPE %s_metrics_%s gauge", p, suffix[i]);
        if (!golden_line_is(lines[1], want))
            goto bad;
        snprintf(want, sizeof(want), "%s_metrics_%s ", p, suffix[i]);
        if (lines[2] == NULL || strncmp(lines[2], want, strlen(want)) != 0)
            goto bad;
        const char *v = lines[2] + strlen(want);
        char *end;
        double d = strtod(v, &end);
        if (end == v || (*end != '\n' && *end != '\0') || (i < 2 && d != 0 && d != 1)) {
            snprintf(want, sizeof(want), "%s_metrics_%s <%s>", p, suffix[i], i < 2 ? "0|1" : "s");
            l = lines[2];
            goto bad;
        }
        l = golden_next(lines[2]);
        continue;
    bad:
        snprintf(why, len, "%s's meta block: want '%s', got '%.*s'", p, want,
                 l ? (int)strcspn(l, "\n") : 6, l ? l : "(none)");
        return -1;
    }
    return 0;
}

/* The index of p in order[0..n), or -1. */
static long
golden_index(const char *const *order, size_t n, const char *p)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(order[i], p) == 0)
            return (long)i;
    return -1;
}

/* 1 when p is in NULL-terminated ours. */
static int
golden_ours(const char *const *ours, const char *p)
{
    for (size_t i = 0; ours != NULL && ours[i] != NULL; i++)
        if (strcmp(ours[i], p) == 0)
            return 1;
    return 0;
}

int
golden_meta_check(const char *body, const char *const *order, size_t n, const char *const *ours,
                  char *why, size_t len)
{
    static const char tail[] = "_metrics_available_boolean ";
    long last = -1, seen = 0;
    int in_ours = 0;
    for (const char *l = body; l != NULL && *l != '\0'; l = golden_next(l)) {
        const char *end = strstr(l, tail);
        size_t ll = strcspn(l, "\n");
        if (strncmp(l, "# HELP ", 7) != 0 || end == NULL || end > l + ll)
            continue;
        char p[128];
        snprintf(p, sizeof(p), "%.*s", (int)(end - (l + 7)), l + 7);
        if (golden_block(l, p, why, len) != 0)
            return -1;
        long j = strncmp(p, "plugin_", 7) == 0 ? golden_index(order, n, "plugin")
                                               : golden_index(order, n, p);
        if (j < 0 && !golden_ours(ours, p)) {
            snprintf(why, len, "collector %s is not one of the original's", p);
            return -1;
        }
        if (j < 0) {
            in_ours = 1;
        } else if (in_ours || j < last || (j == last && strcmp(order[j], "plugin") != 0)) {
            snprintf(why, len, "collector %s out of the original's order (after %s)", p,
                     in_ours ? "one of ours" : order[last]);
            return -1;
        } else {
            last = j;
        }
        seen++;
    }
    why[0] = '\0';
    return (int)seen;
}

/* The label names of sample line l (family name of length nlen), comma-joined into out. */
static void
golden_label_names(const char *l, size_t nlen, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    if (l[nlen] != '{')
        return;
    for (const char *p = l + nlen + 1; *p != '\0' && *p != '}' && *p != '\n';) {
        size_t k = strcspn(p, "=");
        if (o + k + 2 >= len)
            return;
        o += (size_t)snprintf(out + o, len - o, "%s%.*s", o ? "," : "", (int)k, p);
        p += k + 1;
        if (*p == '"') /* skip the quoted value, escapes included */
            for (p++; *p != '\0' && *p != '"'; p++)
                if (*p == '\\' && p[1] != '\0')
                    p++;
        if (*p == '"')
            p++;
        if (*p == ',')
            p++;
    }
}

/* 1 when line l is a sample of family name. */
static int
golden_is_sample(const char *l, const char *name)
{
    size_t n = strlen(name);
    return strncmp(l, name, n) == 0 && (l[n] == '{' || l[n] == ' ');
}

/* Family g's samples in body: labels want, one group. 0, or -1 with why. */
static int
golden_family_labels(const char *body, const golden_family_t *g, const char *want, char *why,
                     size_t len)
{
    char names[256];
    int groups = 0, in = 0, samples = 0;
    for (const char *l = body; l != NULL && *l != '\0'; l = golden_next(l)) {
        int s = golden_is_sample(l, g->gf_name);
        groups += s && !in;
        in = s;
        if (!s)
            continue;
        samples++;
        golden_label_names(l, strlen(g->gf_name), names, sizeof(names));
        if (strcmp(names, want) != 0) {
            snprintf(why, len, "%s: labels (%s), want (%s)", g->gf_name, names, want);
            return -1;
        }
    }
    if (groups > 1) {
        snprintf(why, len, "%s: its %d samples are split into %d groups", g->gf_name, samples,
                 groups);
        return -1;
    }
    return 0;
}

int
golden_check_labels(const char *body, const golden_family_t *g, const char *const *labels, size_t n,
                    char *why, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (golden_family_labels(body, &g[i], labels != NULL ? labels[i] : "", why, len) != 0)
            return -1;
    why[0] = '\0';
    return 0;
}

char *
golden_section(const char *body, const char *p)
{
    char head[160];
    snprintf(head, sizeof(head), "# HELP %s_metrics_available_boolean ", p);
    const char *s = body;
    while ((s = strstr(s, head)) != NULL && s != body && s[-1] != '\n')
        s++;
    for (int i = 0; s != NULL && i < 9; i++) /* past the meta block */
        s = golden_next(s);
    if (s == NULL)
        return strstr(body, head) != NULL ? strdup("") : NULL;
    const char *e = s;
    for (; e != NULL; e = golden_next(e)) {
        const char *m = strstr(e, "_metrics_available_boolean ");
        const char *nl = strchr(e, '\n');
        if (strncmp(e, "# HELP ", 7) == 0 && m != NULL && (nl == NULL || m < nl))
            break;
    }
    size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
    char *out = malloc(n + 1);
    if (out != NULL) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    return out;
}

const golden_own_t golden_own[] = {
    {"cached_items", "gauge", "datacenter,instance,server,service"},
    {"cache_get_hits_total", "counter", "datacenter,instance,server,service"},
    {"cache_gets_total", "counter", "datacenter,instance,server,service"},
    {"collector_time_seconds", "histogram", "collector,datacenter,instance,server,service"},
    {"collector_time_total_seconds", "histogram", "datacenter,instance,server,service"},
    {"http_requests_completed", "counter",
     "route,method,user_agent,status_code,datacenter,instance,server,service"},
    {"http_request_duration_seconds", "histogram",
     "route,method,user_agent,status_code,datacenter,instance,server,service"},
};
const size_t golden_nown = sizeof(golden_own) / sizeof(golden_own[0]);

/* The label names of sample line l, comma-separated, into out; its le value into le. */
static void
golden_own_label_names(const char *l, char *out, size_t len, char *le, size_t lelen)
{
    const char *p = strchr(l, '{'), *end = strchr(l, '\n');
    size_t o = 0;
    out[0] = le[0] = '\0';
    if (p == NULL || (end != NULL && p > end))
        return;
    for (p++; *p != '}' && *p != '\0' && *p != '\n';) {
        const char *eq = strchr(p, '=');
        if (eq == NULL)
            return;
        o += (size_t)snprintf(out + o, o < len ? len - o : 0, "%s%.*s", o ? "," : "", (int)(eq - p),
                              p);
        const char *v = eq + 2, *q = v;
        while (*q != '"' && *q != '\0')
            q += *q == '\\' ? 2 : 1;
        if (eq - p == 2 && strncmp(p, "le", 2) == 0)
            snprintf(le, lelen, "%.*s", (int)(q - v), v);
        p = q + 1;
        if (*p == ',')
            p++;
    }
}

/* Checks every sample line of series `name` (exactly, then '{'); counts them. */
static int
golden_own_series(const char *body, const char *name, const char *labels, int hist, int *count,
                  int *inf, char *why, size_t len)
{
    size_t n = strlen(name);
    char names[512], le[64], want[512];
    *count = *inf = 0;
    snprintf(want, sizeof(want), hist ? "%s,le" : "%s", labels);
    for (const char *l = body; l != NULL; l = golden_next(l)) {
        if (strncmp(l, name, n) != 0 || l[n] != '{')
            continue;
        golden_own_label_names(l, names, sizeof(names), le, sizeof(le));
        if (strcmp(names, want) != 0) {
            snprintf(why, len, "%s: labels %s, want %s", name, names, want);
            return -1;
        }
        if (strstr(l, "service=\"cmon-agent\"") == NULL || strstr(l, "instance=\"0\"") == NULL) {
            snprintf(why, len, "%s: no service=\"cmon-agent\" or instance=\"0\"", name);
            return -1;
        }
        *inf += strcmp(le, "+Inf") == 0;
        (*count)++;
    }
    return 0;
}

int
golden_own_check(const char *body, int allow_empty, char *why, size_t len)
{
    const char *prev = body;
    why[0] = '\0';
    for (size_t i = 0; i < golden_nown; i++) {
        const golden_own_t *g = &golden_own[i];
        int hist = strcmp(g->go_type, "histogram") == 0, count, inf, c2, i2;
        char name[128], decl[160];
        if (golden_own_series(body, g->go_name, g->go_labels, hist, &count, &inf, why, len) != 0)
            return -1;
        if (count == 0 && allow_empty)
            continue;
        if (count == 0 || (hist && inf == 0)) {
            snprintf(why, len, "%s: no sample%s", g->go_name, hist ? " with le=\"+Inf\"" : "");
            return -1;
        }
        snprintf(decl, sizeof(decl), "\n# TYPE %s ", g->go_name);
        const char *at = strstr(body, decl);
        if (at == NULL || at < prev) {
            snprintf(why, len, "%s: not declared, or not after %s", g->go_name,
                     i > 0 ? golden_own[i - 1].go_name : "the collectors");
            return -1;
        }
        prev = at;
        if (!hist && strncmp(at + strlen(decl), g->go_type, strlen(g->go_type)) != 0) {
            snprintf(why, len, "%s: not a %s", g->go_name, g->go_type);
            return -1;
        }
        for (int s = 0; hist && s < 2; s++) {
            snprintf(name, sizeof(name), "%s%s", g->go_name, s == 0 ? "_count" : "_sum");
            if (golden_own_series(body, name, g->go_labels, 0, &c2, &i2, why, len) != 0)
                return -1;
            if (c2 != inf) { /* one _count and one _sum per label set */
                snprintf(why, len, "%s: %d samples for %d buckets", name, c2, count);
                return -1;
            }
        }
    }
    return 0;
}

/* Section 2.A.3 with <p> = triton_core (section 2.9), as a core zone's answer has them. */
const golden_family_t golden_triton_core_meta[] = {
    {"triton_core_metrics_available_boolean", "gauge",
     "Whether triton_core metrics were available, 0 = false, 1 = true"},
    {"triton_core_metrics_cached_boolean", "gauge",
     "Whether triton_core metrics came from cache, 0 = false, 1 = true"},
    {"triton_core_metrics_timer_seconds", "gauge",
     "How long it took to gather the triton_core metrics"},
};
const size_t golden_ntriton_core_meta =
    sizeof(golden_triton_core_meta) / sizeof(golden_triton_core_meta[0]);

int
golden_has(const char *body, const golden_family_t *g, size_t n, char *why, size_t len)
{
    const char *at = body;
    for (size_t i = 0; i < n; i++) {
        char want[512];
        snprintf(want, sizeof(want), "# HELP %s %s\n# TYPE %s %s\n%s ", g[i].gf_name, g[i].gf_help,
                 g[i].gf_name, g[i].gf_type, g[i].gf_name);
        const char *p = strstr(at, want);
        if (p == NULL || (p != body && p[-1] != '\n')) {
            snprintf(why, len, "no '# HELP %s %s' + TYPE %s + a sample after the previous one",
                     g[i].gf_name, g[i].gf_help, g[i].gf_type);
            return -1;
        }
        at = p + strlen(want);
    }
    why[0] = '\0';
    return 0;
}

/* The label names of sample line l, in order, into names (at most max); their count. */
static size_t
golden_link_label_names(const char *l, char names[][64], size_t max)
{
    const char *p = strchr(l, '{'), *end = strchr(l, '\n');
    size_t n = 0;
    if (p == NULL || (end != NULL && p > end))
        return 0;
    while (*p == '{' || *p == ',') {
        size_t k = strcspn(++p, "=");
        if (n < max)
            snprintf(names[n], 64, "%.*s", (int)k, p);
        n++;
        p += k + 1;
        if (*p++ != '"')
            break;
        while (*p != '\0' && *p != '"')
            p += *p == '\\' && p[1] != '\0' ? 2 : 1; /* escaped quote or backslash */
        if (*p == '"')
            p++;
    }
    return n;
}

int
golden_labels_check(const char *body, const char *family, const char *const *labels, size_t n,
                    size_t min, char *why, size_t len)
{
    size_t flen = strlen(family);
    int samples = 0;
    for (const char *l = body; l != NULL && *l != '\0'; l = golden_next(l)) {
        if (strncmp(l, family, flen) != 0 || (l[flen] != '{' && l[flen] != ' '))
            continue;
        char names[8][64];
        size_t got = golden_link_label_names(l, names, 8);
        int ok = got >= min && got <= n;
        for (size_t i = 0; ok && i < got; i++)
            ok = strcmp(names[i], labels[i]) == 0;
        if (!ok) {
            snprintf(why, len, "sample '%.*s': labels not a prefix of the original's (%zu+)",
                     (int)strcspn(l, "\n"), l, min);
            return -1;
        }
        samples++;
    }
    why[0] = '\0';
    return samples;
}
