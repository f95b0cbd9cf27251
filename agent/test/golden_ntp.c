/* golden_ntp - the original's ntp families, from reference 3.5 (see golden_ntp.h). */
#include "golden_ntp.h"

#include <string.h>

/* Reference 3.5, "System families": rows 18 (kernel_status), 42 (symmetric_auth_delay) and 54
 * (packets_received) are disabled and not listed. */
const golden_family_t golden_ntp_system[] = {
    {"ntp_dropped_packets_total", "counter", "Number of packets dropped on reception"},
    {"ntp_free_receive_buffers_count", "gauge", "Number of recvbuffs that are on the free list"},
    {"ntp_ignored_packets_total", "counter", "Number packets received on wild card interface"},
    {"ntp_input_wakeups_total", "counter",
     "Number of times interrupt handler was called for input."},
    {"ntp_low_water_refill_count", "counter", "Number of times ntpd has added memory"},
    {"ntp_packet_send_failures_total", "counter", "Number of packets that could not be sent"},
    {"ntp_packet_sent_total", "counter", "Number of packets sent"},
    {"ntp_receive_buffers_count", "gauge", "Total number of recvbuffs currently in use"},
    {"ntp_packet_received_total", "counter", "Number of packets received"},
    {"ntp_time_since_reset_seconds", "counter",
     "Number of seconds since the NTP iostats were last reset"},
    {"ntp_used_receive_buffers_count", "gauge", "Number of recvbuffs that are full"},
    {"ntp_useful_input_wakeups_total", "counter", "Number of packets received by handler"},
    {"ntp_calibration_cycles_total", "counter",
     "counts the frequency calibration intervals which are variable from 4s to 256s"},
    {"ntp_calibration_interval_seconds", "gauge",
     "The duration of the calibration interval (in seconds)"},
    {"ntp_estimated_error_seconds", "gauge", "The estimated error in the clock (in seconds)"},
    {"ntp_frequency_tolerance_ppm", "gauge",
     "Determines maximum frequency error or tolerance of the CPU clock oscillator (in ppm)"},
    {"ntp_jitter_exceeded_seconds_total", "counter",
     "Counts the seconds that have been discarded because the jitter measured by the time median "
     "filter exceeds the limit MAXTIME (100 us)"},
    {"ntp_maximum_error_seconds", "gauge",
     "The maximum error in the clock as calculated by the kernel (in seconds)"},
    {"ntp_frequency_offset_ppm", "gauge",
     "The frequency offset of the kernel time from the pps signal (scaled ppm)"},
    {"ntp_pll_offset_seconds", "gauge",
     "This is the current offset from correct time that the kernel uses to compute any adjustment "
     "required"},
    {"ntp_pll_time_const", "gauge", "This determines the bandwidth or \"stiffness\" of the PLL"},
    {"ntp_pps_frequency_ppm", "gauge",
     "The frequency offset produced by the frequency median filter pps_ff[] (scaled ppm)"},
    {"ntp_pps_jitter_ppm", "gauge",
     "The dispersion (jitter) measured by the time median filter pps_tf[] (scaled ppm)"},
    {"ntp_pps_stability_ppm", "gauge",
     "The dispersion (wander) measured by frequency median filter pps_ff[] (scaled ppm)"},
    {"ntp_precision", "gauge", "Clock precision (in seconds)"},
    {"ntp_stability_exceeded_seconds_total", "counter",
     "Counts the calibration intervals that have been discarded because the frequency wander "
     "exceeds the limit MAXFREQ / 4 (25 us)"},
    {"ntp_mru_monitor_enabled_boolean", "gauge",
     "Indicates whether or not the MRU monitoring facility is enabled"},
    {"ntp_mru_monitor_address_count", "gauge",
     "The number of address entries in the MRU monitoring list"},
    {"ntp_mru_monitor_max_address_count", "gauge",
     "The maximum number of addresses ntpd has had in the MRU monitoring list"},
    {"ntp_mru_monitor_max_address_limit", "gauge",
     "The hard limit on the number of addresses ntpd can have in the MRU monitoring list"},
    {"ntp_mru_monitor_min_address_limit", "gauge",
     "The floor on the count of addresses in the MRU monitoring list beneath which entries are "
     "kept without regard to their age"},
    {"ntp_mru_monitor_max_age_limit", "gauge",
     "The ceiling on the age in seconds of entries. Entries older than this are reclaimed once "
     "ntp_mru_monitor_min_address_limit is exceeded"},
    {"ntp_mru_monitor_memory_bytes", "gauge",
     "The number of bytes used by all the entries currently on the MRU monitoring list (in "
     "bytes)"},
    {"ntp_mru_monitor_max_memory_bytes", "gauge",
     "The number of bytes used by all the entries on the MRU monitoring list when it was at its "
     "maximum size (in bytes)"},
    {"ntp_broadcast_delay_seconds", "gauge", "Broadcast client default delay (seconds)"},
    {"ntp_clock_jitter_ppm", "gauge",
     "Clock jitter calculated by the clock discipline module (exponentially-weighted RMS "
     "average)"},
    {"ntp_clock_frequency_wander_ppm", "gauge", "Clock frequency wander (ppm)"},
    {"ntp_leap_indicator_status", "gauge",
     "Indicates whether or not there is a leap second upcoming"},
    {"ntp_precision_log2s", "gauge", "The local clock precision in log2 seconds"},
    {"ntp_stratum_number", "gauge", "The current stratum of the ntpd on this host"},
    {"ntp_sys_jitter_ppm", "gauge", "Combined system jitter (exponentially-weighted RMS average)"},
    {"ntp_syspeer_mode_number", "gauge", "Indicates the mode of the syspeer"},
    /* the original's HELP begins with a space */
    {"ntp_reftime_seconds", "gauge",
     " Time when the system clock was last set or corrected, in NTP timestamp format"},
    {"ntp_root_delay_seconds", "gauge", "Total roundtrip delay to the primary reference clock"},
    {"ntp_root_dispersion_seconds", "gauge", "Total dispersion to the primary reference clock"},
    {"ntp_authentication_failures_total", "counter", "Number of failed authentications"},
    {"ntp_bad_length_or_format_total", "counter",
     "Number of packets received with bad length or malformatted"},
    {"ntp_same_version_total", "counter",
     "Number of packets received with the same version as this ntpd"},
    {"ntp_declined_total", "counter",
     "Requests denied because of incorrect group, or because this ntpd is not ready"},
    {"ntp_kod_responses_total", "counter",
     "Number of times a \"Kiss of Death\" packet was sent by ntpd to a client requesting the "
     "client to slow down"},
    {"ntp_old_version_total", "counter",
     "Number of packets received with an older version than this ntpd"},
    {"ntp_packets_processed_total", "counter", "Number of packets received that were processed"},
    {"ntp_packets_rate_limited_total", "counter", "Number of packets that were rate-limited"},
    {"ntp_access_denied_packets_total", "counter",
     "Number of packets rejected with \"access denied\""},
    {"ntp_sysstats_reset_seconds", "counter",
     "Time since system stats were last reset (in seconds)"},
    {"ntp_uptime_seconds", "counter", "Seconds since ntpd was initialized"},
};
const size_t golden_nntp_system = sizeof(golden_ntp_system) / sizeof(golden_ntp_system[0]);

/* "System-peer families": row 7 (keyid) is disabled. */
const golden_family_t golden_ntp_syspeer[] = {
    {"ntp_syspeer_delay_seconds", "gauge",
     "Total roundtrip delay between the local ntpd and the system peer"},
    {"ntp_syspeer_dispersion_seconds", "gauge",
     "Total dispersion between the local ntpd and the system peer"},
    {"ntp_syspeer_headway_seconds", "gauge",
     "The interval between the last packet sent or received and the next packet"},
    {"ntp_syspeer_hmode_number", "gauge", "Host mode number"},
    {"ntp_syspeer_hpoll_interval_log2s", "gauge", "The host poll interval in log2 seconds"},
    {"ntp_syspeer_jitter_ppm", "gauge", "The RMS differences relative to the lowest delay sample"},
    {"ntp_syspeer_leap_indicator_status", "gauge",
     "Indicates whether or not there is a leap second upcoming on the system peer"},
    {"ntp_syspeer_offset_seconds", "gauge", "The combined offset of server relative to this host"},
    {"ntp_syspeer_pmode_number", "gauge", "Peer mode number"},
    {"ntp_syspeer_ppoll_interval_log2s", "gauge", "The peer poll interval in log2 seconds"},
    {"ntp_syspeer_precision_log2s", "gauge", "The system peer's clock precision in log2 seconds"},
    {"ntp_syspeer_rec_seconds", "gauge", "Time when we last receieved an update from system peer"},
    {"ntp_syspeer_reftime_seconds", "gauge",
     "Time when the system peer's clock was last set or corrected"},
    {"ntp_syspeer_root_delay_seconds", "gauge",
     "Total roundtrip delay to the primary reference clock from the system peer"},
    {"ntp_syspeer_root_dispersion_seconds", "gauge",
     "Total dispersion to the primary reference clock from the system peer"},
    {"ntp_syspeer_stratum_number", "gauge",
     "The stratum of the system peer that local ntpd is syncing with"},
    {"ntp_syspeer_unreach_total", "counter", "Number of times the system peer was unreachable"},
    {"ntp_syspeer_xleave_seconds", "gauge",
     "Represents the internal queuing, buffering and transmission delays in interleaved mode"},
};
const size_t golden_nntp_syspeer = sizeof(golden_ntp_syspeer) / sizeof(golden_ntp_syspeer[0]);

/* "Per-peer families". */
const golden_family_t golden_ntp_peer[] = {
    {"ntp_peer_delay_seconds", "gauge",
     "Total roundtrip delay between the local ntpd and the peer"},
    {"ntp_peer_jitter_ppm", "gauge", "The RMS differences relative to the lowest delay sample"},
    {"ntp_peer_offset_seconds", "gauge",
     "how far off local clock is from the peer's reported time"},
    {"ntp_peer_poll_interval_seconds", "gauge", "How often the peer is queried for the time"},
    {"ntp_peer_last8_polls_failure_count", "gauge",
     "Number of failed polls in the last 8 attempts to poll this peer"},
    {"ntp_peer_refid_number", "gauge", "Where the peer is getting its time"},
    {"ntp_peer_connection_type", "gauge", "The type of connection"},
    {"ntp_peer_stratum_number", "gauge", "The stratum of the peer"},
    {"ntp_peer_state", "gauge", "The state of the peer"},
    {"ntp_peer_last_query_seconds", "gauge",
     "The last time when the server was queried for the time"},
};
const size_t golden_nntp_peer = sizeof(golden_ntp_peer) / sizeof(golden_ntp_peer[0]);

/* Ours: the HELP says the unit the value now has (agent/README.md, defects D8 and D9). */
const golden_ntp_change_t golden_ntp_changes[] = {
    {"ntp_reftime_seconds",
     "Time when the system clock was last set or corrected, in seconds since the Unix epoch",
     "D8: Unix seconds, not NTP-era"},
    {"ntp_pps_jitter_ppm",
     "The dispersion (jitter) measured by the time median filter pps_tf[] (in seconds)",
     "D9: ntpq's ms served as seconds"},
    {"ntp_clock_jitter_ppm",
     "Clock jitter calculated by the clock discipline module (exponentially-weighted RMS "
     "average, in seconds)",
     "D9: ntpq's ms served as seconds"},
    {"ntp_sys_jitter_ppm",
     "Combined system jitter (exponentially-weighted RMS average, in seconds)",
     "D9: ntpq's ms served as seconds"},
    {"ntp_syspeer_jitter_ppm",
     "The RMS differences relative to the lowest delay sample (in seconds)",
     "D9: ntpq's ms served as seconds"},
    {"ntp_peer_jitter_ppm", "The RMS differences relative to the lowest delay sample (in seconds)",
     "D9: ntpq's ms served as seconds"},
};
const size_t golden_nntp_changes = sizeof(golden_ntp_changes) / sizeof(golden_ntp_changes[0]);

static size_t
golden_ntp_append(golden_family_t *out, size_t n, const golden_family_t *g, size_t ng)
{
    for (size_t i = 0; i < ng; i++) {
        out[n] = g[i];
        for (size_t c = 0; c < golden_nntp_changes; c++)
            if (strcmp(golden_ntp_changes[c].gc_name, g[i].gf_name) == 0)
                out[n].gf_help = golden_ntp_changes[c].gc_help;
        n++;
    }
    return n;
}

size_t
golden_ntp_expected(golden_family_t *out, int with_syspeer)
{
    size_t n = golden_ntp_append(out, 0, golden_ntp_system, golden_nntp_system);
    if (with_syspeer)
        n = golden_ntp_append(out, n, golden_ntp_syspeer, golden_nntp_syspeer);
    return golden_ntp_append(out, n, golden_ntp_peer, golden_nntp_peer);
}
