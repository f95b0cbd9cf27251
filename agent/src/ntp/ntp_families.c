/*
 * ntp_families - the original's three tables (NTP_SYSTEM_METRICS,
 * NTP_SYSPEER_METRICS, NTP_PEER_METRICS; reference 3.5): names, types,
 * HELP, the rows it never served, and the conversions -- with its unit
 * mistakes fixed (defect D9; agent/README.md has the table):
 *   - kerninfo's pll offset, maximum error, estimated error, precision and
 *     sysinfo's broadcast delay are milliseconds in ntpq 4.2.8: ms, not us;
 *   - the system peer's offset and xleave are milliseconds too;
 *   - kilobytes are multiplied by 1024, not divided;
 *   - every *_jitter_ppm is ntpq's milliseconds served as seconds (the
 *     name stays; its HELP says the unit);
 *   - the system peer's leap is the two-bit indicator, as the system's.
 * Timestamps (reftime, rec) are Unix seconds (D8), converted by the parser.
 */
#include "ntp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define G METRIC_GAUGE
#define C METRIC_COUNTER

const ntp_family_t ntp_system_families[] = {
    {"dropped_packets", "ntp_dropped_packets_total", C, 1, NTP_CONV_NONE,
     "Number of packets dropped on reception"},
    {"free_receive_buffers", "ntp_free_receive_buffers_count", G, 1, NTP_CONV_NONE,
     "Number of recvbuffs that are on the free list"},
    {"ignored_packets", "ntp_ignored_packets_total", C, 1, NTP_CONV_NONE,
     "Number packets received on wild card interface"},
    {"input_wakeups", "ntp_input_wakeups_total", C, 1, NTP_CONV_NONE,
     "Number of times interrupt handler was called for input."},
    {"low_water_refills", "ntp_low_water_refill_count", C, 1, NTP_CONV_NONE,
     "Number of times ntpd has added memory"},
    {"packet_send_failures", "ntp_packet_send_failures_total", C, 1, NTP_CONV_NONE,
     "Number of packets that could not be sent"},
    {"packets_sent", "ntp_packet_sent_total", C, 1, NTP_CONV_NONE, "Number of packets sent"},
    {"receive_buffers", "ntp_receive_buffers_count", G, 1, NTP_CONV_NONE,
     "Total number of recvbuffs currently in use"},
    {"received_packets", "ntp_packet_received_total", C, 1, NTP_CONV_NONE,
     "Number of packets received"},
    {"time_since_reset", "ntp_time_since_reset_seconds", C, 1, NTP_CONV_NONE,
     "Number of seconds since the NTP iostats were last reset"},
    {"used_receive_buffers", "ntp_used_receive_buffers_count", G, 1, NTP_CONV_NONE,
     "Number of recvbuffs that are full"},
    {"useful_input_wakeups", "ntp_useful_input_wakeups_total", C, 1, NTP_CONV_NONE,
     "Number of packets received by handler"},
    {"calibration_cycles", "ntp_calibration_cycles_total", C, 1, NTP_CONV_NONE,
     "counts the frequency calibration intervals which are variable from 4s to 256s"},
    {"calibration_interval", "ntp_calibration_interval_seconds", G, 1, NTP_CONV_NONE,
     "The duration of the calibration interval (in seconds)"},
    {"estimated_error", "ntp_estimated_error_seconds", G, 1, NTP_CONV_MS,
     "The estimated error in the clock (in seconds)"},
    {"frequency_tolerance", "ntp_frequency_tolerance_ppm", G, 1, NTP_CONV_NONE,
     "Determines maximum frequency error or tolerance of the CPU clock oscillator (in ppm)"},
    {"jitter_exceeded", "ntp_jitter_exceeded_seconds_total", C, 1, NTP_CONV_NONE,
     "Counts the seconds that have been discarded because the jitter measured by the time "
     "median filter exceeds the limit MAXTIME (100 us)"},
    {"kernel_status", "ntp_kernel_status", G, 0, NTP_CONV_NONE, "Kernel status flags"},
    {"maximum_error", "ntp_maximum_error_seconds", G, 1, NTP_CONV_MS,
     "The maximum error in the clock as calculated by the kernel (in seconds)"},
    {"pll_frequency", "ntp_frequency_offset_ppm", G, 1, NTP_CONV_NONE,
     "The frequency offset of the kernel time from the pps signal (scaled ppm)"},
    {"pll_offset", "ntp_pll_offset_seconds", G, 1, NTP_CONV_MS,
     "This is the current offset from correct time that the kernel uses to compute any "
     "adjustment required"},
    {"pll_time_constant", "ntp_pll_time_const", G, 1, NTP_CONV_NONE,
     "This determines the bandwidth or \"stiffness\" of the PLL"},
    {"pps_frequency", "ntp_pps_frequency_ppm", G, 1, NTP_CONV_NONE,
     "The frequency offset produced by the frequency median filter pps_ff[] (scaled ppm)"},
    {"pps_jitter", "ntp_pps_jitter_ppm", G, 1, NTP_CONV_MS,
     "The dispersion (jitter) measured by the time median filter pps_tf[] (in seconds)"},
    {"pps_stability", "ntp_pps_stability_ppm", G, 1, NTP_CONV_NONE,
     "The dispersion (wander) measured by frequency median filter pps_ff[] (scaled ppm)"},
    {"precision", "ntp_precision", G, 1, NTP_CONV_MS, "Clock precision (in seconds)"},
    {"stability_exceeded", "ntp_stability_exceeded_seconds_total", C, 1, NTP_CONV_NONE,
     "Counts the calibration intervals that have been discarded because the frequency wander "
     "exceeds the limit MAXFREQ / 4 (25 us)"},
    {"enabled", "ntp_mru_monitor_enabled_boolean", G, 1, NTP_CONV_NONE,
     "Indicates whether or not the MRU monitoring facility is enabled"},
    {"addresses", "ntp_mru_monitor_address_count", G, 1, NTP_CONV_NONE,
     "The number of address entries in the MRU monitoring list"},
    {"peak_addresses", "ntp_mru_monitor_max_address_count", G, 1, NTP_CONV_NONE,
     "The maximum number of addresses ntpd has had in the MRU monitoring list"},
    {"maximum_addresses", "ntp_mru_monitor_max_address_limit", G, 1, NTP_CONV_NONE,
     "The hard limit on the number of addresses ntpd can have in the MRU monitoring list"},
    {"reclaim_above_count", "ntp_mru_monitor_min_address_limit", G, 1, NTP_CONV_NONE,
     "The floor on the count of addresses in the MRU monitoring list beneath which entries are "
     "kept without regard to their age"},
    {"reclaim_older_than", "ntp_mru_monitor_max_age_limit", G, 1, NTP_CONV_NONE,
     "The ceiling on the age in seconds of entries. Entries older than this are reclaimed once "
     "ntp_mru_monitor_min_address_limit is exceeded"},
    {"kilobytes", "ntp_mru_monitor_memory_bytes", G, 1, NTP_CONV_KIB,
     "The number of bytes used by all the entries currently on the MRU monitoring list (in "
     "bytes)"},
    {"maximum_kilobytes", "ntp_mru_monitor_max_memory_bytes", G, 1, NTP_CONV_KIB,
     "The number of bytes used by all the entries on the MRU monitoring list when it was at its "
     "maximum size (in bytes)"},
    {"broadcast_delay", "ntp_broadcast_delay_seconds", G, 1, NTP_CONV_MS,
     "Broadcast client default delay (seconds)"},
    {"clock_jitter", "ntp_clock_jitter_ppm", G, 1, NTP_CONV_MS,
     "Clock jitter calculated by the clock discipline module (exponentially-weighted RMS "
     "average, in seconds)"},
    {"clock_wander", "ntp_clock_frequency_wander_ppm", G, 1, NTP_CONV_NONE,
     "Clock frequency wander (ppm)"},
    {"leap_indicator", "ntp_leap_indicator_status", G, 1, NTP_CONV_NONE,
     "Indicates whether or not there is a leap second upcoming"},
    {"log2_precision", "ntp_precision_log2s", G, 1, NTP_CONV_NONE,
     "The local clock precision in log2 seconds"},
    {"stratum", "ntp_stratum_number", G, 1, NTP_CONV_NONE,
     "The current stratum of the ntpd on this host"},
    {"symmetric_auth_delay", "ntp_authentication_delay", G, 0, NTP_CONV_NONE,
     "Authentication delay"},
    {"system_jitter", "ntp_sys_jitter_ppm", G, 1, NTP_CONV_MS,
     "Combined system jitter (exponentially-weighted RMS average, in seconds)"},
    {"system_peer_mode", "ntp_syspeer_mode_number", G, 1, NTP_CONV_MODE,
     "Indicates the mode of the syspeer"},
    {"reftime", "ntp_reftime_seconds", G, 1, NTP_CONV_NONE,
     "Time when the system clock was last set or corrected, in seconds since the Unix epoch"},
    {"root_delay", "ntp_root_delay_seconds", G, 1, NTP_CONV_MS,
     "Total roundtrip delay to the primary reference clock"},
    {"root_dispersion", "ntp_root_dispersion_seconds", G, 1, NTP_CONV_MS,
     "Total dispersion to the primary reference clock"},
    {"authentication_failed", "ntp_authentication_failures_total", C, 1, NTP_CONV_NONE,
     "Number of failed authentications"},
    {"bad_length_or_format", "ntp_bad_length_or_format_total", C, 1, NTP_CONV_NONE,
     "Number of packets received with bad length or malformatted"},
    {"current_version", "ntp_same_version_total", C, 1, NTP_CONV_NONE,
     "Number of packets received with the same version as this ntpd"},
    {"declined", "ntp_declined_total", C, 1, NTP_CONV_NONE,
     "Requests denied because of incorrect group, or because this ntpd is not ready"},
    {"kod_responses", "ntp_kod_responses_total", C, 1, NTP_CONV_NONE,
     "Number of times a \"Kiss of Death\" packet was sent by ntpd to a client requesting the "
     "client to slow down"},
    {"older_version", "ntp_old_version_total", C, 1, NTP_CONV_NONE,
     "Number of packets received with an older version than this ntpd"},
    {"packets_received", "ntp_packets_received_total", C, 0, NTP_CONV_NONE,
     "Number of packets received"},
    {"processed_for_time", "ntp_packets_processed_total", C, 1, NTP_CONV_NONE,
     "Number of packets received that were processed"},
    {"rate_limited", "ntp_packets_rate_limited_total", C, 1, NTP_CONV_NONE,
     "Number of packets that were rate-limited"},
    {"restricted", "ntp_access_denied_packets_total", C, 1, NTP_CONV_NONE,
     "Number of packets rejected with \"access denied\""},
    {"sysstats_reset", "ntp_sysstats_reset_seconds", C, 1, NTP_CONV_NONE,
     "Time since system stats were last reset (in seconds)"},
    {"uptime", "ntp_uptime_seconds", C, 1, NTP_CONV_NONE, "Seconds since ntpd was initialized"},
};
const size_t ntp_system_nfamilies = sizeof(ntp_system_families) / sizeof(ntp_system_families[0]);

const ntp_family_t ntp_syspeer_families[] = {
    {"delay", "ntp_syspeer_delay_seconds", G, 1, NTP_CONV_MS,
     "Total roundtrip delay between the local ntpd and the system peer"},
    {"dispersion", "ntp_syspeer_dispersion_seconds", G, 1, NTP_CONV_MS,
     "Total dispersion between the local ntpd and the system peer"},
    {"headway", "ntp_syspeer_headway_seconds", G, 1, NTP_CONV_US,
     "The interval between the last packet sent or received and the next packet"},
    {"hmode", "ntp_syspeer_hmode_number", G, 1, NTP_CONV_NONE, "Host mode number"},
    {"hpoll", "ntp_syspeer_hpoll_interval_log2s", G, 1, NTP_CONV_NONE,
     "The host poll interval in log2 seconds"},
    {"jitter", "ntp_syspeer_jitter_ppm", G, 1, NTP_CONV_MS,
     "The RMS differences relative to the lowest delay sample (in seconds)"},
    {"keyid", "ntp_syspeer_key_id_number", G, 0, NTP_CONV_NONE, "The key ID of the system peer"},
    {"leap_indicator", "ntp_syspeer_leap_indicator_status", G, 1, NTP_CONV_NONE,
     "Indicates whether or not there is a leap second upcoming on the system peer"},
    {"offset", "ntp_syspeer_offset_seconds", G, 1, NTP_CONV_MS,
     "The combined offset of server relative to this host"},
    {"pmode", "ntp_syspeer_pmode_number", G, 1, NTP_CONV_NONE, "Peer mode number"},
    {"ppoll", "ntp_syspeer_ppoll_interval_log2s", G, 1, NTP_CONV_NONE,
     "The peer poll interval in log2 seconds"},
    {"precision", "ntp_syspeer_precision_log2s", G, 1, NTP_CONV_NONE,
     "The system peer's clock precision in log2 seconds"},
    {"rec", "ntp_syspeer_rec_seconds", G, 1, NTP_CONV_NONE,
     "Time when we last receieved an update from system peer"},
    {"reftime", "ntp_syspeer_reftime_seconds", G, 1, NTP_CONV_NONE,
     "Time when the system peer's clock was last set or corrected"},
    {"root_delay", "ntp_syspeer_root_delay_seconds", G, 1, NTP_CONV_MS,
     "Total roundtrip delay to the primary reference clock from the system peer"},
    {"root_dispersion", "ntp_syspeer_root_dispersion_seconds", G, 1, NTP_CONV_MS,
     "Total dispersion to the primary reference clock from the system peer"},
    {"stratum", "ntp_syspeer_stratum_number", G, 1, NTP_CONV_NONE,
     "The stratum of the system peer that local ntpd is syncing with"},
    {"unreach", "ntp_syspeer_unreach_total", C, 1, NTP_CONV_NONE,
     "Number of times the system peer was unreachable"},
    {"xleave", "ntp_syspeer_xleave_seconds", G, 1, NTP_CONV_MS,
     "Represents the internal queuing, buffering and transmission delays in interleaved mode"},
};
const size_t ntp_syspeer_nfamilies = sizeof(ntp_syspeer_families) / sizeof(ntp_syspeer_families[0]);

const ntp_family_t ntp_peer_families[] = {
    {"delay", "ntp_peer_delay_seconds", G, 1, NTP_CONV_MS,
     "Total roundtrip delay between the local ntpd and the peer"},
    {"jitter", "ntp_peer_jitter_ppm", G, 1, NTP_CONV_MS,
     "The RMS differences relative to the lowest delay sample (in seconds)"},
    {"offset", "ntp_peer_offset_seconds", G, 1, NTP_CONV_MS,
     "how far off local clock is from the peer's reported time"},
    {"poll", "ntp_peer_poll_interval_seconds", G, 1, NTP_CONV_NONE,
     "How often the peer is queried for the time"},
    {"reach", "ntp_peer_last8_polls_failure_count", G, 1, NTP_CONV_REACH,
     "Number of failed polls in the last 8 attempts to poll this peer"},
    {"refid", "ntp_peer_refid_number", G, 1, NTP_CONV_REFID, "Where the peer is getting its time"},
    {"t", "ntp_peer_connection_type", G, 1, NTP_CONV_TYPE, "The type of connection"},
    {"st", "ntp_peer_stratum_number", G, 1, NTP_CONV_NONE, "The stratum of the peer"},
    {"state", "ntp_peer_state", G, 1, NTP_CONV_STATE, "The state of the peer"},
    {"when", "ntp_peer_last_query_seconds", G, 1, NTP_CONV_NONE,
     "The last time when the server was queried for the time"},
};
const size_t ntp_peer_nfamilies = sizeof(ntp_peer_families) / sizeof(ntp_peer_families[0]);

/* ---- conversions ------------------------------------------------------ */

/* The index of s in list (NULL-terminated), or -1. */
static int
list_index(const char *const *list, const char *s)
{
    for (int i = 0; list[i] != NULL; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    return -1;
}

static double
conv_refid(const char *refid)
{
    static const char *const refids[] = {
        ".IPADDR.", ".ACST.", ".ACTS.", ".AUTH.", ".AUTO.", ".BCST.", ".CHU.",  ".CRYPT.", ".DCFx.",
        ".DENY.",   ".GAL.",  ".GOES.", ".GPS.",  ".HBG.",  ".INIT.", ".IRIG.", ".JJY.",   ".LFx.",
        ".LOCL.",   ".LORC.", ".MCST.", ".MSF.",  ".NIST.", ".PPS.",  ".PTB.",  ".RATE.",  ".STEP.",
        ".TDF.",    ".TIME.", ".USNO.", ".WWV.",  ".WWVB.", ".WWVH.", NULL};
    if (strlen(refid) == 8 && strspn(refid, "0123456789abcdef") == 8)
        return 0;
    return list_index(refids, refid);
}

static double
conv_mode(const char *mode)
{
    static const char *const modes[] = {"bclient", "broadcast", "client",     "control",
                                        "private", "server",    "sym_active", "sym_passive",
                                        "unspec",  NULL};
    return list_index(modes, mode);
}

static double
conv_state(char flash)
{
    static const char codes[] = " x.-+#*o"; /* invalid falseticker overflow pruned ... pps */
    const char *p = flash ? strchr(codes, flash) : NULL;
    return p ? (double)(p - codes) : -1;
}

static double
conv_type(char t)
{
    static const char types[] = "ublsABM";
    const char *p = t ? strchr(types, t) : NULL;
    return p ? (double)(p - types) : -1;
}

static double
conv_reach(double reach)
{
    unsigned r = (unsigned)reach & 0xff, ones = 0;
    for (; r; r &= r - 1)
        ones++;
    return 8 - ones;
}

/* A decimal text times 10^exp, as the double nearest the exact result. */
static double
conv_shift(const char *text, int exp)
{
    char buf[NTP_TEXT_MAX + 8];
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        return strtod(text, NULL) * pow(10, exp);
    snprintf(buf, sizeof(buf), "%se%d", text, exp);
    return strtod(buf, NULL);
}

static double
conv_text(ntp_conv_t conv, const char *text)
{
    switch (conv) {
    case NTP_CONV_MS:
        return conv_shift(text, -3);
    case NTP_CONV_US:
        return conv_shift(text, -6);
    case NTP_CONV_KIB:
        return strtod(text, NULL) * 1024;
    case NTP_CONV_MODE:
        return conv_mode(text);
    case NTP_CONV_REFID:
        return conv_refid(text);
    default:
        return strtod(text, NULL);
    }
}

/* ---- emitting ---------------------------------------------------------- */

static void
note_missing(char *missing, size_t len, const char *key)
{
    if (missing == NULL || len == 0)
        return;
    size_t n = strlen(missing);
    snprintf(missing + n, len - n, "%s%s", n ? ", " : "", key);
}

static int
emit_vars(const ntp_family_t *t, size_t nt, const ntp_var_t *v, size_t nv, famset_t *fs,
          char *missing, size_t mlen)
{
    for (size_t i = 0; i < nt; i++) {
        if (!t[i].nf_enabled)
            continue;
        const char *text = ntp_var_find(v, nv, t[i].nf_key);
        if (text == NULL) {
            note_missing(missing, mlen, t[i].nf_key);
            continue;
        }
        int fam = famset_family_static(fs, t[i].nf_name, t[i].nf_help, t[i].nf_type);
        if (fam < 0 || famset_sample(fs, fam, SAMPLE_PLAIN, 0, NULL, NULL,
                                     mval_dbl(conv_text(t[i].nf_conv, text))) != 0)
            return -1;
    }
    return 0;
}

/* The value of family f for peer p. */
static double
peer_value(const ntp_family_t *f, const ntp_peer_t *p)
{
    const char *k = f->nf_key;
    if (strcmp(k, "delay") == 0)
        return conv_text(f->nf_conv, p->np_delay);
    if (strcmp(k, "jitter") == 0)
        return conv_text(f->nf_conv, p->np_jitter);
    if (strcmp(k, "offset") == 0)
        return conv_text(f->nf_conv, p->np_offset);
    if (strcmp(k, "poll") == 0)
        return strtod(p->np_poll, NULL);
    if (strcmp(k, "reach") == 0)
        return conv_reach(p->np_reach);
    if (strcmp(k, "refid") == 0)
        return conv_refid(p->np_refid);
    if (strcmp(k, "t") == 0)
        return conv_type(p->np_type);
    if (strcmp(k, "st") == 0)
        return strtod(p->np_stratum, NULL);
    if (strcmp(k, "state") == 0)
        return conv_state(p->np_flash);
    return p->np_when;
}

/* Family-major: each family's samples together, peers in assid order. */
static int
emit_peers(const ntp_data_t *d, famset_t *fs)
{
    static const char *const lname[] = {"remote"};
    for (size_t i = 0; i < ntp_peer_nfamilies; i++) {
        const ntp_family_t *f = &ntp_peer_families[i];
        int fam = famset_family_static(fs, f->nf_name, f->nf_help, f->nf_type);
        for (size_t k = 0; fam >= 0 && k < d->nd_npeers; k++) {
            const char *lvalue[] = {d->nd_peers[k].np_remote};
            if (famset_sample(fs, fam, SAMPLE_PLAIN, 1, lname, lvalue,
                              mval_dbl(peer_value(f, &d->nd_peers[k]))) != 0)
                return -1;
        }
        if (fam < 0)
            return -1;
    }
    return 0;
}

int
ntp_emit(const ntp_data_t *d, famset_t *fs, char *missing, size_t missinglen)
{
    if (missing != NULL && missinglen > 0)
        missing[0] = '\0';
    if (emit_vars(ntp_system_families, ntp_system_nfamilies, d->nd_sys, d->nd_nsys, fs, missing,
                  missinglen) != 0)
        return -1;
    if (d->nd_syspeer >= 0 && emit_vars(ntp_syspeer_families, ntp_syspeer_nfamilies, d->nd_sp,
                                        d->nd_nsp, fs, missing, missinglen) != 0)
        return -1;
    return d->nd_npeers > 0 ? emit_peers(d, fs) : 0;
}
