/*
 * link - traffic of a zone's VNICs, from link:0:z<zoneid>_<nic> (class net),
 * one sample per VNIC labelled interface="<kstat name>". The reader indexes
 * links by the zone id in their name; the `zonename` stat decides.
 */
#include "collector.h"

#include <errno.h>
#include <string.h>

#define LINK_MAX 64

static const kstat_metric_t link_table[] = {
    {"link", "rbytes64", "net_agg_bytes_in", "net_receive_bytes_total", METRIC_COUNTER, "bytes", 1,
     1, "Bytes received on the interface, in bytes.", "Bytes received on the interface."},
    {"link", "obytes64", "net_agg_bytes_out", "net_transmit_bytes_total", METRIC_COUNTER, "bytes",
     1, 1, "Bytes sent on the interface, in bytes.", "Bytes sent on the interface."},
    {"link", "ipackets64", "net_agg_packets_in", "net_receive_packets_total", METRIC_COUNTER,
     "packets", 1, 1, "Packets received on the interface (count).",
     "Packets received on the interface."},
    {"link", "opackets64", "net_agg_packets_out", "net_transmit_packets_total", METRIC_COUNTER,
     "packets", 1, 1, "Packets sent on the interface (count).", "Packets sent on the interface."},
};

#define NROWS (sizeof(link_table) / sizeof(link_table[0]))

/* Emits one VNIC's rows. COLLECT_OK also for a VNIC of another zone. */
static int
link_emit(const collect_ctx_t *cc, famset_t *fs, kstat_t *ksp)
{
    if (collector_zone_check(cc, ksp) != COLLECT_OK)
        return COLLECT_OK; /* a stale name: the zonename stat decides */
    size_t cursor = 0;
    for (size_t i = 0; i < NROWS; i++) {
        uint64_t raw;
        if (collector_value_at(ksp, link_table[i].km_stat, &raw, &cursor) != 0)
            continue;
        if (collector_emit(cc, fs, &link_table[i], raw, "interface", ksp->ks_name) != 0)
            return COLLECT_FAILED;
    }
    return COLLECT_OK;
}

static int
link_collect(const collect_ctx_t *cc, famset_t *fs)
{
    kstat_t *links[LINK_MAX];
    size_t n = kreader_links(cc->cc_reader, cc->cc_zoneid, links, LINK_MAX);
    if (n > LINK_MAX)
        n = LINK_MAX;
    for (size_t i = 0; i < n; i++) {
        if (kreader_read(cc->cc_reader, links[i]) != 0)
            return COLLECT_FAILED;
        if (link_emit(cc, fs, links[i]) != COLLECT_OK)
            return COLLECT_FAILED;
    }
    return COLLECT_OK;
}

const collector_t collector_link = {"link", link_table, NROWS, link_collect, 1};
