/*
 * tcp - TCP MIB of a zone's IP stack, from tcp:<zoneid>:tcp (mib2). Rows in
 * the original's order with its exact HELP texts (reference 2.5), raw
 * counts; tcp_current_established_connections_total keeps the original's
 * name and type, a gauge with a counter's suffix (its defect D19: the
 * prometheus names fix it).
 */
#include "collector.h"

#define ROW(stat, cmon, prom, type, help, prom_help)                                               \
    {                                                                                              \
        .km_module = "tcp", .km_stat = stat, .km_name = cmon, .km_prom = prom, .km_type = type,    \
        .km_unit = "count", .km_scale = 1, .km_prom_scale = 1, .km_help = help,                    \
        .km_prom_help = prom_help                                                                  \
    }

static const kstat_metric_t tcp_table[] = {
    ROW("attemptFails", "tcp_failed_connection_attempt_count",
        "tcp_failed_connection_attempts_total", METRIC_COUNTER, "Failed TCP connection attempts",
        "Failed TCP connection attempts."),
    ROW("retransSegs", "tcp_retransmitted_segment_count", "tcp_retransmitted_segments_total",
        METRIC_COUNTER, "Retransmitted TCP segments", "TCP segments retransmitted."),
    ROW("inDupAck", "tcp_duplicate_ack_count", "tcp_duplicate_acks_total", METRIC_COUNTER,
        "Duplicate TCP ACK count", "Duplicate TCP ACKs received."),
    ROW("listenDrop", "tcp_listen_drop_count", "tcp_listen_drops_total", METRIC_COUNTER,
        "TCP listen drops. Connection refused because backlog full",
        "TCP connections dropped because the listen queue was full."),
    ROW("listenDropQ0", "tcp_listen_drop_Qzero_count", "tcp_listen_drops_q0_total", METRIC_COUNTER,
        "Total # of connections refused due to half-open queue (q0) full",
        "TCP connections dropped because the half-open (Q0) queue was full."),
    ROW("halfOpenDrop", "tcp_half_open_drop_count", "tcp_half_open_drops_total", METRIC_COUNTER,
        "TCP connection dropped from a full half-open queue", "Half-open TCP connections dropped."),
    ROW("timRetransDrop", "tcp_retransmit_timeout_drop_count", "tcp_retransmit_timeout_drops_total",
        METRIC_COUNTER, "TCP connection dropped due to retransmit timeout",
        "TCP connections dropped after retransmit timeouts."),
    ROW("activeOpens", "tcp_active_open_count", "tcp_active_opens_total", METRIC_COUNTER,
        "TCP active open connections", "TCP connections opened actively (connect)."),
    ROW("passiveOpens", "tcp_passive_open_count", "tcp_passive_opens_total", METRIC_COUNTER,
        "TCP passive open connections", "TCP connections opened passively (accept)."),
    ROW("currEstab", "tcp_current_established_connections_total", "tcp_established_connections",
        METRIC_GAUGE, "TCP total established connections", "TCP connections established now."),
};

#define NROWS (sizeof(tcp_table) / sizeof(tcp_table[0]))

static int
tcp_collect(const collect_ctx_t *cc, famset_t *fs)
{
    kstat_t *ksp = collector_read(cc, "tcp", "tcp");
    if (ksp == NULL)
        return COLLECT_FAILED;
    int rc = collector_zone_check(cc, ksp);
    if (rc != COLLECT_OK)
        return rc;
    return collector_emit_named(cc, fs, ksp, tcp_table, NROWS) == 0 ? COLLECT_OK : COLLECT_FAILED;
}

const collector_t collector_tcp = {"tcp", tcp_table, NROWS, tcp_collect, 1, COLLECTOR_META("tcp")};
