/*
 * zone_vfs - VFS I/O of a zone, from zone_vfs:<zoneid>:<name30>. The kstat
 * is read as an I/O kstat (kstat_io_t) or, where the kernel publishes it as
 * named stats, by name; either way each metric comes from its own field.
 * Rows in the original's order with its HELP texts (reference 2.4), values
 * as the kernel keeps them (the times in nanoseconds), but for its defect
 * D2: the run length comes from rlentime (the original read wlentime, the
 * wait queue's, again), and rtime's HELP says "service" time as illumos'
 * kstat_io_t does (the original's said "pre-service", which is wtime).
 */
#include "collector.h"

#define NS 1e-9

#define ROW(stat, cmon, prom, type, unit, prom_scale, help, prom_help)                             \
    {                                                                                              \
        .km_module = "zone_vfs", .km_stat = stat, .km_name = cmon, .km_prom = prom,                \
        .km_type = type, .km_unit = unit, .km_scale = 1, .km_prom_scale = prom_scale,              \
        .km_help = help, .km_prom_help = prom_help                                                 \
    }

static const kstat_metric_t zone_vfs_table[] = {
    ROW("nread", "vfs_bytes_read_count", "vfs_read_bytes_total", METRIC_COUNTER, "bytes", 1,
        "VFS number of bytes read", "Bytes read through the zone's VFS."),
    ROW("nwritten", "vfs_bytes_written_count", "vfs_written_bytes_total", METRIC_COUNTER, "bytes",
        1, "VFS number of bytes written", "Bytes written through the zone's VFS."),
    ROW("reads", "vfs_read_operation_count", "vfs_reads_total", METRIC_COUNTER, "operations", 1,
        "VFS number of read operations", "VFS read operations of the zone."),
    ROW("writes", "vfs_write_operation_count", "vfs_writes_total", METRIC_COUNTER, "operations", 1,
        "VFS number of write operations", "VFS write operations of the zone."),
    ROW("wtime", "vfs_wait_time_count", "vfs_wait_seconds_total", METRIC_COUNTER, "nanoseconds", NS,
        "VFS cumulative wait (pre-service) time",
        "Cumulative time VFS operations waited, in seconds."),
    ROW("wlentime", "vfs_wait_length_time_count", "vfs_wait_length_seconds_total", METRIC_COUNTER,
        "nanoseconds", NS, "VFS cumulative wait length*time product",
        "Cumulative wait queue length times time, in seconds."),
    /* D2: the original's HELP here said "run (pre-service) time" */
    ROW("rtime", "vfs_run_time_count", "vfs_run_seconds_total", METRIC_COUNTER, "nanoseconds", NS,
        "VFS cumulative run (service) time", "Cumulative time VFS operations ran, in seconds."),
    /* D2: the original read this one from wlentime */
    ROW("rlentime", "vfs_run_length_time_count", "vfs_run_length_seconds_total", METRIC_COUNTER,
        "nanoseconds", NS, "VFS cumulative run length*time product",
        "Cumulative run queue length times time, in seconds."),
    ROW("wcnt", "vfs_elements_wait_state", "vfs_waiting_operations", METRIC_GAUGE, "operations", 1,
        "VFS number of elements in wait state", "VFS operations waiting now."),
    ROW("rcnt", "vfs_elements_run_state", "vfs_running_operations", METRIC_GAUGE, "operations", 1,
        "VFS number of elements in run state", "VFS operations running now."),
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
            return collector_missing(cc, ksp, zone_vfs_table[i].km_stat);
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

const collector_t collector_zone_vfs = {
    "zone_vfs", zone_vfs_table, NROWS, zone_vfs_collect, 1, COLLECTOR_META("zone_vfs")};
