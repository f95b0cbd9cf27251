/*
 * zone_vfs - VFS I/O of a zone, from zone_vfs:<zoneid>:<name30>. The kstat
 * is read as an I/O kstat (kstat_io_t) or, where the kernel publishes it as
 * named stats, by name; either way each metric comes from its own field:
 * the run length from rlentime (cmon-agent read it from the wait counter).
 */
#include "collector.h"

#define NS 1e-9
#define CMON_NS "in nanoseconds"

static const kstat_metric_t zone_vfs_table[] = {
    {"zone_vfs", "nread", "vfs_bytes_read_count", "vfs_read_bytes_total", METRIC_COUNTER, "bytes",
     1, 1, "Bytes read through the zone's VFS, in bytes.", "Bytes read through the zone's VFS."},
    {"zone_vfs", "nwritten", "vfs_bytes_written_count", "vfs_written_bytes_total", METRIC_COUNTER,
     "bytes", 1, 1, "Bytes written through the zone's VFS, in bytes.",
     "Bytes written through the zone's VFS."},
    {"zone_vfs", "reads", "vfs_read_operation_count", "vfs_reads_total", METRIC_COUNTER,
     "operations", 1, 1, "VFS read operations of the zone (count).",
     "VFS read operations of the zone."},
    {"zone_vfs", "writes", "vfs_write_operation_count", "vfs_writes_total", METRIC_COUNTER,
     "operations", 1, 1, "VFS write operations of the zone (count).",
     "VFS write operations of the zone."},
    {"zone_vfs", "wtime", "vfs_wait_time_count", "vfs_wait_seconds_total", METRIC_COUNTER,
     "nanoseconds", 1, NS, "Cumulative time VFS operations waited, " CMON_NS ".",
     "Cumulative time VFS operations waited, in seconds."},
    {"zone_vfs", "wlentime", "vfs_wait_length_time_count", "vfs_wait_length_seconds_total",
     METRIC_COUNTER, "nanoseconds", 1, NS, "Cumulative wait queue length times time, " CMON_NS ".",
     "Cumulative wait queue length times time, in seconds."},
    {"zone_vfs", "rtime", "vfs_run_time_count", "vfs_run_seconds_total", METRIC_COUNTER,
     "nanoseconds", 1, NS, "Cumulative time VFS operations ran, " CMON_NS ".",
     "Cumulative time VFS operations ran, in seconds."},
    {"zone_vfs", "rlentime", "vfs_run_length_time_count", "vfs_run_length_seconds_total",
     METRIC_COUNTER, "nanoseconds", 1, NS, "Cumulative run queue length times time, " CMON_NS ".",
     "Cumulative run queue length times time, in seconds."},
    {"zone_vfs", "wcnt", "vfs_elements_wait_state", "vfs_waiting_operations", METRIC_GAUGE,
     "operations", 1, 1, "VFS operations waiting now (count).", "VFS operations waiting now."},
    {"zone_vfs", "rcnt", "vfs_elements_run_state", "vfs_running_operations", METRIC_GAUGE,
     "operations", 1, 1, "VFS operations running now (count).", "VFS operations running now."},
};

#define NROWS (sizeof(zone_vfs_table) / sizeof(zone_vfs_table[0]))

static int
zone_vfs_emit_io(const collect_ctx_t *cc, famset_t *fs, kstat_t *ksp)
{
    if (ksp->ks_data == NULL || ksp->ks_data_size < sizeof(kstat_io_t))
        return COLLECT_FAILED;
    const kstat_io_t *io = KSTAT_IO_PTR(ksp);
    for (size_t i = 0; i < NROWS; i++) {
        uint64_t raw;
        if (kstat_io_field(io, zone_vfs_table[i].km_stat, &raw) != 0)
            continue;
        if (collector_emit(cc, fs, &zone_vfs_table[i], raw, NULL, NULL) != 0)
            return COLLECT_FAILED;
    }
    return COLLECT_OK;
}

static int
zone_vfs_collect(const collect_ctx_t *cc, famset_t *fs)
{
    kstat_t *ksp = collector_read(cc, "zone_vfs", NULL);
    if (ksp == NULL)
        return COLLECT_FAILED;
    if (ksp->ks_type == KSTAT_TYPE_IO)
        return zone_vfs_emit_io(cc, fs, ksp);
    int rc = collector_zone_check(cc, ksp);
    if (rc != COLLECT_OK)
        return rc;
    return collector_emit_named(cc, fs, ksp, zone_vfs_table, NROWS) == 0 ? COLLECT_OK
                                                                         : COLLECT_FAILED;
}

const collector_t collector_zone_vfs = {"zone_vfs", zone_vfs_table, NROWS, zone_vfs_collect, 1};
