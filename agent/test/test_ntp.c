/*
 * test_ntp - the ntp collector without ntpq: the parser against text
 * written from the reference (section 3.5: the apeers header and peer
 * pattern, the key: value rules, readvar's items and contexts, the
 * timestamp conversion), each thing the original aborted on (D7), the
 * conversions with the fixes of D8 and D9, and the families against the
 * golden list written from the reference (golden_ntp.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cunit_main.h"
#include "expo.h"
#include "golden_ntp.h"
#include "monotime.h"
#include "ntp.h"
#include "testlib.h"

#define HEADER                                                                                     \
    "     remote       refid   assid  st t when poll reach   delay   offset  jitter\n"             \
    "==============================================================================\n"

/* Five associations as ntpq 4.2.8's apeers lays them out; the second's refid runs into its
 * assid (the reference's "GPS_NMEA(0)12018"). Not in assid order. */
static const char peers_text[] =
    HEADER "*198.58.110.84   .GPS.    12019     1 u   17   64  377    0.512   -0.051   0.020\n"
           "+10.1.1.1        GPS_NMEA(0)12018   0 l  12m 1024  376    0.000    0.010   0.002\n"
           " 10.2.2.2        .INIT.   12020    16 u    - 1024    0    0.000    0.000   0.000\n"
           "-10.3.3.3        c0a80001 12021     3 s   2h 1024    7   12.100   +1.250   0.300\n"
           "x2001:db8::1     .POOL.   12022     2 p   3d   64  177   50.000  -30.500  10.000\n";

/* iostats, kerninfo, monstats, sysinfo, sysstats and readvar of the system peer 12019. */
static const char vars_text[] =
    "time since reset:     155070\n"
    "receive buffers:      10\n"
    "free receive buffers: 9\n"
    "used receive buffers: 0\n"
    "low water refills:    1\n"
    "dropped packets:      0\n"
    "ignored packets:      43\n"
    "received packets:     7268\n"
    "packets sent:         7271\n"
    "packet send failures: 0\n"
    "input wakeups:        9852\n"
    "useful input wakeups: 7268\n"
    "pll offset:          -0.482\n"
    "pll frequency:       17.562\n"
    "maximum error:       50.651\n"
    "estimated error:     0.314\n"
    "kernel status:       pll nano\n"
    "pll time constant:   7\n"
    "precision:           0.001\n"
    "frequency tolerance: 500\n"
    "pps frequency:       0.000\n"
    "pps stability:       0.000\n"
    "pps jitter:          0.250\n"
    "calibration interval 4\n"
    "calibration cycles:  0\n"
    "jitter exceeded:     0\n"
    "stability exceeded:  0\n"
    "calibration errors:  0\n"
    "\n"
    "enabled:              0x1\n"
    "addresses:            32\n"
    "peak addresses:       36\n"
    "maximum addresses:    13653\n"
    "reclaim above count:  600\n"
    "reclaim older than:   64\n"
    "kilobytes:            5\n"
    "maximum kilobytes:    1024\n"
    "system peer:      198.58.110.84:123\n"
    "system peer mode: client\n"
    "leap indicator:   01\n"
    "stratum:          2\n"
    "log2 precision:   -23\n"
    "root delay:       24.816\n"
    "root dispersion:  38.244\n"
    "reference ID:     198.58.110.84\n"
    "reference time:   dd9e1c1e.67c8d279  Tue, Nov 14 2017 16:57:02.405\n"
    "system jitter:    0.314001\n"
    "clock jitter:     0.245\n"
    "clock wander:     0.045\n"
    "broadcast delay:  -50.000\n"
    "symm. auth. delay: 0.000\n"
    "uptime:               155070\n"
    "sysstats reset:       155070\n"
    "packets received:     7526\n"
    "current version:      7268\n"
    "older version:        258\n"
    "bad length or format: 0\n"
    "authentication failed: 0\n"
    "declined:             0\n"
    "restricted:           0\n"
    "rate limited:         0\n"
    "KoD responses:        0\n"
    "processed for time:   7268\n"
    "associd=12019 status=961a conf, reach, sel_sys.peer, 1 event, popcorn,\n"
    "srcadr=198.58.110.84, srcport=123, dstadr=10.0.0.5, dstport=123,\n"
    "leap=10, stratum=1, precision=-20, rootdelay=0.763, rootdisp=24.994,\n"
    "refid=GPS, reftime=dd9e1a37.39e4a5b1  Tue, Nov 14 2017 16:48:55.226,\n"
    "rec=dd9e1c1e.67c8d279  Tue, Nov 14 2017 16:57:02.405, reach=377,\n"
    "unreach=0, hmode=3, pmode=4, hpoll=6, ppoll=6, headway=0, flash=00 ok,\n"
    "keyid=0, offset=0.403, delay=61.420, dispersion=16.542, jitter=0.378,\n"
    "xleave=0.025,\n"
    "filtdelay=    61.42   61.45   61.39   61.44   61.40   61.46   61.41   61.43,\n"
    "filtoffset=    0.40    0.38    0.42    0.39    0.41    0.37    0.40    0.38,\n"
    "filtdisp=      0.00    1.01    2.02    3.03    4.04    5.05    6.06    7.07\n";

static ntp_data_t d;
static char err[NTP_ERR_MAX];

/* d from peers_text and vars (NULL: vars_text). 0 or -1 (err). */
static int
parse(const char *peers, const char *vars)
{
    if (ntpq_parse_peers(peers ? peers : peers_text, &d, err, sizeof(err)) != 0)
        return -1;
    return ntpq_parse_vars(vars ? vars : vars_text, &d, err, sizeof(err));
}

static const ntp_peer_t *
peer(uint32_t assid)
{
    for (size_t i = 0; i < d.nd_npeers; i++)
        if (d.nd_peers[i].np_assid == assid)
            return &d.nd_peers[i];
    return NULL;
}

/* ---- apeers ---------------------------------------------------------- */

static void
t_peer_columns(void)
{
    CU_ASSERT_EQUAL_FATAL(ntpq_parse_peers(peers_text, &d, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(d.nd_npeers, 5);
    for (size_t i = 1; i < d.nd_npeers; i++)
        CU_ASSERT(d.nd_peers[i - 1].np_assid < d.nd_peers[i].np_assid); /* assid order */
    const ntp_peer_t *gps = peer(12018);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gps); /* "GPS_NMEA(0)12018": refid, then assid */
    CU_ASSERT_STRING_EQUAL(gps->np_refid, "GPS_NMEA(0)");
    CU_ASSERT_STRING_EQUAL(gps->np_remote, "10.1.1.1");
    CU_ASSERT_STRING_EQUAL(gps->np_stratum, "0");
    CU_ASSERT_EQUAL(gps->np_type, 'l');
    CU_ASSERT_EQUAL(gps->np_when, 720);            /* 12m */
    CU_ASSERT_EQUAL(gps->np_reach, 0376);          /* octal */
    CU_ASSERT_EQUAL(peer(12020)->np_when, -1);     /* "-" */
    CU_ASSERT_EQUAL(peer(12021)->np_when, 7200);   /* 2h */
    CU_ASSERT_EQUAL(peer(12022)->np_when, 259200); /* 3d */
    CU_ASSERT_EQUAL(peer(12019)->np_when, 17);
    CU_ASSERT_STRING_EQUAL(peer(12021)->np_offset, "+1.250");
    CU_ASSERT_STRING_EQUAL(peer(12022)->np_remote, "2001:db8::1");
    CU_ASSERT_EQUAL(d.nd_syspeer >= 0 ? d.nd_peers[d.nd_syspeer].np_assid : 0, 12019);
}

/* The tally codes the original's pattern refused (D7) are ntpq's: read, not refused. */
static void
t_peer_tally_codes(void)
{
    static const char codes[] = " x.-+#*o";
    for (const char *c = codes; *c; c++) {
        char text[512];
        snprintf(text, sizeof(text),
                 "%s%c10.1.1.1        .GPS.    12018     1 u   17   64  377"
                 "    0.512   -0.051   0.020\n",
                 HEADER, *c);
        CU_ASSERT_EQUAL(ntpq_parse_peers(text, &d, err, sizeof(err)), 0);
        CU_ASSERT_EQUAL(d.nd_peers[0].np_flash, *c);
        CU_ASSERT_EQUAL(d.nd_syspeer, *c == '*' || *c == 'o' ? 0 : -1);
    }
}

/* Each thing apeers may print that the original aborted on or refused. */
static void
t_peer_errors(void)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"     remote           refid      st t when poll reach   delay   offset  jitter\n"
         "==============================================================================\n",
         "header"},
        {HEADER
         "*10.1.1.1        .GPS.    12018     1 u   17  abc  377    0.512   -0.051   0.020\n",
         "not a peer line"},
        {HEADER "*10.1.1.1        .GPS.    12018     1 u   17   64  377    n/a   -0.051   0.020\n",
         "not a peer line"},
        {HEADER "*10.1.1.1        .GPS.    12018     1 u   17   64  377    0..5   -0.051   0.020\n",
         "not a number"},
        {HEADER
         "+10.1.1.1        .GPS.    12018     1 u   17   64  377    0.512   -0.051   0.020\n"
         "+10.1.1.2        .GPS.    12018     1 u   17   64  377    0.512   -0.051   0.020\n",
         "two peers with assid 12018"},
        {HEADER
         "*10.1.1.1        .GPS.    12018     1 u   17   64  377    0.512   -0.051   0.020\n"
         "*10.1.1.2        .GPS.    12019     1 u   17   64  377    0.512   -0.051   0.020\n",
         "two system peers"},
        {HEADER /* ntpq without -w cuts both names to "time-a.example." */
         "+time-a.example. .GPS.    12018     1 u   17   64  377    0.512   -0.051   0.020\n"
         "+time-a.example. .GPS.    12019     1 u   17   64  377    0.512   -0.051   0.020\n",
         "peers 12018 and 12019 both print remote time-a.example."},
        {HEADER, "no NTP peers"},
        {"", "no output"},
        {"     remote       refid   assid  st t when poll reach   delay   offset  jitter\n====\n",
         "78 '='"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CU_ASSERT_EQUAL(ntpq_parse_peers(bad[i].text, &d, err, sizeof(err)), -1);
        if (strstr(err, bad[i].why) == NULL)
            CU_FAIL_FATAL("the reason does not say why");
        CU_ASSERT_PTR_NULL(strchr(err, '\n')); /* one line */
    }
}

/* ---- the variables -------------------------------------------------- */

static void
t_vars_contexts(void)
{
    CU_ASSERT_EQUAL_FATAL(parse(NULL, NULL), 0);
    CU_ASSERT_STRING_EQUAL(ntp_var_find(d.nd_sys, d.nd_nsys, "stratum"), "2");
    CU_ASSERT_STRING_EQUAL(ntp_var_find(d.nd_sp, d.nd_nsp, "stratum"), "1"); /* readvar's */
    CU_ASSERT_STRING_EQUAL(ntp_var_find(d.nd_sys, d.nd_nsys, "calibration_interval"), "4");
    CU_ASSERT_STRING_EQUAL(ntp_var_find(d.nd_sys, d.nd_nsys, "system_peer_mode"), "client");
    CU_ASSERT_STRING_EQUAL(ntp_var_find(d.nd_sys, d.nd_nsys, "kernel_status"), "pll nano");
    CU_ASSERT_STRING_EQUAL(ntp_var_find(d.nd_sys, d.nd_nsys, "leap_indicator"), "1"); /* 01 */
    CU_ASSERT_STRING_EQUAL(ntp_var_find(d.nd_sp, d.nd_nsp, "leap_indicator"), "2");   /* 10, D9 */
    CU_ASSERT_STRING_EQUAL(ntp_var_find(d.nd_sp, d.nd_nsp, "root_delay"), "0.763"); /* rootdelay */
    CU_ASSERT_STRING_EQUAL(ntp_var_find(d.nd_sp, d.nd_nsp, "root_dispersion"), "24.994");
    CU_ASSERT_STRING_EQUAL(ntp_var_find(d.nd_sp, d.nd_nsp, "offset"), "0.403");
    CU_ASSERT_PTR_NULL(ntp_var_find(d.nd_sp, d.nd_nsp, "srcadr"));   /* skipped */
    CU_ASSERT_PTR_NULL(ntp_var_find(d.nd_sys, d.nd_nsys, "offset")); /* only the peer's */
    /* back to the system's context after the peer's: a key of both is no repeat */
    static char more[sizeof(vars_text) + 128];
    snprintf(more, sizeof(more), "%sassocid=0 status=0615 leap_none\ntimer overruns: 3\n",
             vars_text);
    CU_ASSERT_EQUAL_FATAL(parse(NULL, more), 0);
    CU_ASSERT_STRING_EQUAL(ntp_var_find(d.nd_sys, d.nd_nsys, "timer_overruns"), "3");
}

static void
t_timestamps(void)
{
    double s;
    CU_ASSERT_EQUAL(ntpq_timestamp("dd9e1c1e.67c8d279", &s), 0);
    /* 0xdd9e1c1e = 3718126622 NTP seconds = 1509137822 Unix; 0x67c8d279 / 2^32 = 0.405407... */
    CU_ASSERT_DOUBLE_EQUAL(s, 1509137822.0 + 1741214329.0 / 4294967296.0, 1e-6);
    CU_ASSERT_EQUAL(ntpq_timestamp("DD9E1C1E.67C8D279", &s), 0); /* upper case: still hex */
    CU_ASSERT_DOUBLE_EQUAL(s, 1509137822.405, 1e-3);
    CU_ASSERT_EQUAL(ntpq_timestamp("00000000.00000001", &s), 0); /* the zero time: 0 */
    CU_ASSERT_EQUAL(ntpq_timestamp("00000000.00000000", &s), 0);
    CU_ASSERT_EQUAL(s, 0);
    CU_ASSERT_EQUAL(ntpq_timestamp("(no", &s), 0);
    CU_ASSERT_EQUAL(s, 0);
    CU_ASSERT_EQUAL(ntpq_timestamp("00000010.80000000", &s), 0); /* era 1: after 2036-02-07 */
    CU_ASSERT_DOUBLE_EQUAL(s, 4294967296.0 - 2208988800.0 + 16.5, 1e-6);
    CU_ASSERT_EQUAL(ntpq_timestamp("g d9e1c1e.67c8d279", &s), -1);
    CU_ASSERT_EQUAL(ntpq_timestamp("gd9e1c1e.67c8d279", &s), -1);
    CU_ASSERT_EQUAL(ntpq_timestamp("dd9e1c1e", &s), -1);
    CU_ASSERT_EQUAL(ntpq_timestamp("dd9e1c1e1.67c8d279", &s), -1);
}

/* vars_text with line `from` replaced by `to` (NULL: removed). */
static const char *
vars_with(const char *from, const char *to)
{
    static char buf[sizeof(vars_text) + 256];
    const char *p = strstr(vars_text, from);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    const char *e = strchr(p, '\n') + 1;
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - vars_text), vars_text, to ? to : "", e);
    return buf;
}

/* Each thing the variables may say that the original aborted on (D7). */
static void
t_vars_errors(void)
{
    static const struct {
        const char *from, *to, *why;
    } bad[] = {
        {"stratum:          2", "frobnication:     3\n", "unknown ntpq variable 'frobnication'"},
        {"declined:", "***Request timed out\n", "not a line of ntpq's"},
        {"log2 precision:", "stratum:          2\n", "stratum is given twice"},
        {"associd=12019", "associd=12020 status=961a conf, reach\n",
         "readvar answered for association 12020"},
        {"reference time:", "reference time:   gd9e1c1e.67c8d279  Tue, Nov 14 2017\n",
         "reftime is not an NTP timestamp"},
        {"rec=dd9e1c1e", "rec=zz, reach=377,\n", "rec is not an NTP timestamp"},
        {"leap indicator:", "leap indicator:   101\n", "leap indicator is not 00..11"},
        {"leap=10", "leap=3, stratum=1,\n", "leap indicator is not 00..11"},
        {"root delay:", "root delay:       n/a\n", "root_delay is not a number"},
        {"processed for time:", NULL, "no 'processed for time'"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CU_ASSERT_EQUAL(parse(NULL, vars_with(bad[i].from, bad[i].to)), -1);
        if (strstr(err, bad[i].why) == NULL) {
            fprintf(stderr, "\n%zu: got '%s', want '%s'\n", i, err, bad[i].why);
            CU_FAIL("the reason does not say why");
        }
    }
}

/* ---- the families ------------------------------------------------------- */

/* The exposition (text 0.0.4) of d, into a static buffer. */
static const char *
render(char *missing, size_t mlen)
{
    static sbuf_t out = SBUF_INIT;
    famset_t fs = FAMSET_INIT;
    CU_ASSERT_EQUAL_FATAL(ntp_emit(&d, &fs, missing, mlen), 0);
    sbuf_reset(&out);
    CU_ASSERT_EQUAL_FATAL(expo_write(&fs, EXPO_TEXT, &out), 0);
    famset_release(&fs);
    return out.sb_buf;
}

static void
t_golden(void)
{
    golden_family_t want[96];
    char why[512], missing[256];
    CU_ASSERT_EQUAL(golden_nntp_system + golden_nntp_syspeer + golden_nntp_peer, 84);
    CU_ASSERT_EQUAL_FATAL(parse(NULL, NULL), 0);
    const char *body = render(missing, sizeof(missing));
    CU_ASSERT_STRING_EQUAL(missing, "");
    size_t n = golden_ntp_expected(want, 1);
    CU_ASSERT_EQUAL(n, 84);
    if (golden_check(body, "ntp_", want, n, why, sizeof(why)) != 0) {
        fprintf(stderr, "\n%s\n", why);
        CU_FAIL("families differ from the reference's");
    }
    /* without a system peer: no syspeer families, no readvar */
    static char nosys[sizeof(peers_text)];
    snprintf(nosys, sizeof(nosys), "%s", peers_text);
    *strchr(nosys, '*') = '+';
    CU_ASSERT_EQUAL_FATAL(ntpq_parse_peers(nosys, &d, err, sizeof(err)), 0);
    const char *assoc = strstr(vars_text, "associd=");
    static char sysonly[sizeof(vars_text)];
    snprintf(sysonly, sizeof(sysonly), "%.*s", (int)(assoc - vars_text), vars_text);
    CU_ASSERT_EQUAL_FATAL(ntpq_parse_vars(sysonly, &d, err, sizeof(err)), 0);
    body = render(missing, sizeof(missing));
    n = golden_ntp_expected(want, 0);
    CU_ASSERT_EQUAL(n, 66);
    CU_ASSERT_EQUAL(golden_check(body, "ntp_", want, n, why, sizeof(why)), 0);
    /* the checker refuses what the original would not serve */
    want[3] = want[4];
    CU_ASSERT_EQUAL(golden_check(body, "ntp_", want, n, why, sizeof(why)), -1);
}

static void
t_values(void)
{
    CU_ASSERT_EQUAL_FATAL(parse(NULL, NULL), 0);
    const char *b = render(NULL, 0);
    static const struct {
        const char *series;
        double want;
    } v[] = {
        /* peers: label remote, the original's conversions */
        {"ntp_peer_offset_seconds{remote=\"198.58.110.84\"}", -0.000051},
        {"ntp_peer_offset_seconds{remote=\"10.3.3.3\"}", 0.00125},
        {"ntp_peer_delay_seconds{remote=\"10.3.3.3\"}", 0.0121},
        {"ntp_peer_last8_polls_failure_count{remote=\"10.1.1.1\"}", 1}, /* 376 */
        {"ntp_peer_last8_polls_failure_count{remote=\"10.3.3.3\"}", 5}, /* 7 */
        {"ntp_peer_last8_polls_failure_count{remote=\"10.2.2.2\"}", 8},
        {"ntp_peer_refid_number{remote=\"198.58.110.84\"}", 12}, /* .GPS. */
        {"ntp_peer_refid_number{remote=\"10.2.2.2\"}", 14},      /* .INIT. */
        {"ntp_peer_refid_number{remote=\"10.3.3.3\"}", 0},       /* 8 hex digits */
        {"ntp_peer_refid_number{remote=\"2001:db8::1\"}", -1},   /* .POOL. */
        {"ntp_peer_refid_number{remote=\"10.1.1.1\"}", -1},
        {"ntp_peer_connection_type{remote=\"10.1.1.1\"}", 2},     /* l */
        {"ntp_peer_connection_type{remote=\"10.3.3.3\"}", 3},     /* s */
        {"ntp_peer_connection_type{remote=\"2001:db8::1\"}", -1}, /* p */
        {"ntp_peer_state{remote=\"198.58.110.84\"}", 6},          /* * syspeer */
        {"ntp_peer_state{remote=\"10.1.1.1\"}", 4},               /* + candidate */
        {"ntp_peer_state{remote=\"10.2.2.2\"}", 0},               /* ' ' invalid */
        {"ntp_peer_state{remote=\"10.3.3.3\"}", 3},               /* - pruned */
        {"ntp_peer_state{remote=\"2001:db8::1\"}", 1},            /* x falseticker */
        {"ntp_peer_last_query_seconds{remote=\"10.1.1.1\"}", 720},
        {"ntp_peer_last_query_seconds{remote=\"10.2.2.2\"}", -1},
        {"ntp_peer_poll_interval_seconds{remote=\"10.1.1.1\"}", 1024},
        {"ntp_peer_stratum_number{remote=\"10.2.2.2\"}", 16},
        /* the system's */
        {"ntp_mru_monitor_enabled_boolean", 1}, /* 0x1 */
        {"ntp_syspeer_mode_number", 2},         /* client */
        {"ntp_leap_indicator_status", 1},
        {"ntp_root_delay_seconds", 0.024816},
        {"ntp_packets_processed_total", 7268},
        {"ntp_calibration_interval_seconds", 4},
        /* D8: Unix seconds, the fraction scaled by 2^-32 */
        {"ntp_reftime_seconds", 1509137822.0 + 1741214329.0 / 4294967296.0},
        {"ntp_syspeer_rec_seconds", 1509137822.0 + 1741214329.0 / 4294967296.0},
        /* D9: ntpq's milliseconds, KiB */
        {"ntp_pll_offset_seconds", -0.000482},
        {"ntp_maximum_error_seconds", 0.050651},
        {"ntp_estimated_error_seconds", 0.000314},
        {"ntp_precision", 0.000001},
        {"ntp_broadcast_delay_seconds", -0.05},
        {"ntp_mru_monitor_memory_bytes", 5120},
        {"ntp_mru_monitor_max_memory_bytes", 1048576},
        {"ntp_syspeer_offset_seconds", 0.000403},
        {"ntp_syspeer_xleave_seconds", 0.000025},
        {"ntp_syspeer_leap_indicator_status", 2},
        {"ntp_clock_jitter_ppm", 0.000245},
        {"ntp_sys_jitter_ppm", 0.000314001},
        {"ntp_pps_jitter_ppm", 0.00025},
        {"ntp_syspeer_jitter_ppm", 0.000378},
        {"ntp_peer_jitter_ppm{remote=\"2001:db8::1\"}", 0.01},
        /* the original's, kept */
        {"ntp_syspeer_headway_seconds", 0},
        {"ntp_syspeer_root_delay_seconds", 0.000763},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        double got = testlib_sample(b, v[i].series);
        if (!(fabs(got - v[i].want) <= 1e-12 * fabs(v[i].want) + 1e-15)) {
            fprintf(stderr, "\n%s = %.17g, want %.17g\n", v[i].series, got, v[i].want);
            CU_FAIL("value");
        }
    }
    /* exact decimals as text */
    char buf[64];
    CU_ASSERT_STRING_EQUAL(testlib_sample_text(b, "ntp_syspeer_offset_seconds", buf, sizeof(buf)),
                           "0.000403");
    CU_ASSERT_STRING_EQUAL(testlib_sample_text(b,
                                               "ntp_peer_offset_seconds{remote=\"198.58.110.84\"}",
                                               buf, sizeof(buf)),
                           "-0.000051");
}

/* Families never split (D3): each peer family's samples follow each other, in assid order. */
static void
t_peers_contiguous(void)
{
    CU_ASSERT_EQUAL_FATAL(parse(NULL, NULL), 0);
    const char *b = render(NULL, 0);
    static const char *const order[] = {"10.1.1.1", "198.58.110.84", "10.2.2.2", "10.3.3.3",
                                        "2001:db8::1"};
    for (size_t f = 0; f < golden_nntp_peer; f++) {
        char want[160], line[160];
        snprintf(line, sizeof(line), "# TYPE %s gauge\n", golden_ntp_peer[f].gf_name);
        const char *p = strstr(b, line);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        p += strlen(line);
        for (size_t k = 0; k < 5; k++) {
            snprintf(want, sizeof(want), "%s{remote=\"%s\"} ", golden_ntp_peer[f].gf_name,
                     order[k]);
            CU_ASSERT_EQUAL(strncmp(p, want, strlen(want)), 0);
            p = strchr(p, '\n') + 1;
        }
        CU_ASSERT_NOT_EQUAL(
            strncmp(p, golden_ntp_peer[f].gf_name, strlen(golden_ntp_peer[f].gf_name)), 0);
    }
}

/* An enabled key another ntpq does not print: its family is left out and named (D7). */
static void
t_missing_key(void)
{
    char missing[256];
    CU_ASSERT_EQUAL_FATAL(parse(NULL, vars_with("pps stability:", NULL)), 0);
    const char *b = render(missing, sizeof(missing));
    CU_ASSERT_STRING_EQUAL(missing, "pps_stability");
    CU_ASSERT_FALSE(testlib_has_line(b, "# TYPE ntp_pps_stability_ppm"));
    CU_ASSERT_TRUE(testlib_has_line(b, "ntp_pps_jitter_ppm "));
}

/* ---- running ntpq (ntp.c) against scripts ----------------------------- */

static char tmpdir[64];

/* A script in tmpdir called name with body (after "#!/bin/sh\n"); its path. */
static const char *
script(const char *name, const char *body)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "#!/bin/sh\n%s", body);
    fclose(f);
    chmod(path, 0755);
    return path;
}

/* One scrape's ntp block of n rendered as text, and what the refresh did. */
static const char *
collect(ntp_t *n, ntp_turn_t *turn)
{
    static sbuf_t out = SBUF_INIT;
    famset_t fs = FAMSET_INIT;
    ntp_refresh(n, turn);
    CU_ASSERT_EQUAL_FATAL(ntp_collect(n, turn, &fs), 0);
    sbuf_reset(&out);
    CU_ASSERT_EQUAL_FATAL(expo_write(&fs, EXPO_TEXT, &out), 0);
    famset_release(&fs);
    return out.sb_buf;
}

static int
run_init(void)
{
    char path[128];
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/cmon-ntp-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/peers", tmpdir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs(peers_text, f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/vars", tmpdir);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs(vars_text, f);
    fclose(f);
    return 0;
}

static int
run_clean(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ntpq answering from the reference's text: apeers, then the variables with readvar 12019. */
static const char *
good_ntpq(void)
{
    static char body[512];
    snprintf(body, sizeof(body),
             "case \"$*\" in\n"
             "\"-n -c apeers\") cat %s/peers ;;\n"
             "\"-n -c iostats -c kerninfo -c monstats -c sysinfo -c sysstats -c readvar 12019\")"
             " cat %s/vars ;;\n"
             "*) echo \"unexpected: $*\" >&2; exit 1 ;;\n"
             "esac\n",
             tmpdir, tmpdir);
    return script("ntpq", body);
}

static void
t_run_ttl(void)
{
    ntp_opts_t o = {good_ntpq(), 100};
    ntp_t *n = ntp_new(&o);
    ntp_turn_t turn;
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    const char *b = collect(n, &turn);
    CU_ASSERT_EQUAL(turn.nt_ran, 1);
    CU_ASSERT_EQUAL(testlib_sample(b, "ntp_metrics_available_boolean"), 1);
    CU_ASSERT_EQUAL(testlib_sample(b, "ntp_metrics_cached_boolean"), 0);
    CU_ASSERT_EQUAL(testlib_sample(b, "ntp_stratum_number"), 2);
    CU_ASSERT_EQUAL(testlib_count_samples(b), 3 + 74 + 10 * 5);
    b = collect(n, &turn); /* within the TTL: the answer held */
    CU_ASSERT_EQUAL(turn.nt_ran, 0);
    CU_ASSERT_EQUAL(testlib_sample(b, "ntp_metrics_cached_boolean"), 1);
    CU_ASSERT_EQUAL(testlib_sample(b, "ntp_stratum_number"), 2);
    ntp_free(n);
    o.no_ttl = 0; /* every scrape runs it */
    n = ntp_new(&o);
    collect(n, &turn);
    b = collect(n, &turn);
    CU_ASSERT_EQUAL(turn.nt_ran, 1);
    CU_ASSERT_EQUAL(testlib_sample(b, "ntp_metrics_cached_boolean"), 0);
    ntp_free(n);
}

/* What makes an answer unavailable, and how long it may take. */
static void
t_run_failures(void)
{
    static const struct {
        const char *name, *body;
    } bad[] = {
        {"refused", "echo \"$0: read: Connection refused\" >&2; exit 1\n"},
        {"nul", "printf 'a\\000b\\n'\n"},
        {"status", "exit 3\n"},
        {"garbage", "echo hello\n"},
        {"hang", "exec sleep 30\n"},
        {"flood", "exec yes 'x                                                            '\n"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) + 1; i++) {
        ntp_opts_t o = {i < sizeof(bad) / sizeof(bad[0]) ? script(bad[i].name, bad[i].body)
                                                         : "/nonexistent/ntpq",
                        100};
        ntp_t *n = ntp_new(&o);
        ntp_turn_t turn;
        double t0 = cmon_monotime_s();
        const char *b = collect(n, &turn);
        double took = cmon_monotime_s() - t0;
        CU_ASSERT_EQUAL(testlib_sample(b, "ntp_metrics_available_boolean"), 0);
        CU_ASSERT_EQUAL(testlib_count_samples(b), 3);        /* the meta block only */
        CU_ASSERT(took < NTP_RUN_TIMEOUT_MS / 1000.0 + 0.5); /* one bounded run at most */
        b = collect(n, &turn); /* the failure is held for the TTL: no second run */
        CU_ASSERT_EQUAL(turn.nt_ran, 0);
        CU_ASSERT_EQUAL(testlib_sample(b, "ntp_metrics_available_boolean"), 0);
        CU_ASSERT_EQUAL(testlib_sample(b, "ntp_metrics_cached_boolean"), 1);
        ntp_free(n);
    }
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo run_tests[] = {
        {"run_ttl", t_run_ttl},
        {"run_failures", t_run_failures},
        CU_TEST_INFO_NULL,
    };
    static const CU_TestInfo tests[] = {
        {"peer_columns", t_peer_columns},
        {"peer_tally_codes", t_peer_tally_codes},
        {"peer_errors", t_peer_errors},
        {"vars_contexts", t_vars_contexts},
        {"timestamps", t_timestamps},
        {"vars_errors", t_vars_errors},
        {"golden", t_golden},
        {"values", t_values},
        {"peers_contiguous", t_peers_contiguous},
        {"missing_key", t_missing_key},
        CU_TEST_INFO_NULL,
    };
    static const cunit_suite_t suites[] = {
        {"ntp", NULL, NULL, tests},
        {"ntpq_run", run_init, run_clean, run_tests},
        {NULL, NULL, NULL, NULL},
    };
    return cunit_main_suites(argc, argv, suites);
}
