/*
 * ntpq_parse - what ntpq 4.2.8 prints, read as Triton's cmon-agent reads it
 * (reference section 3.5), without its aborts (defect D7): anything it
 * cannot read is an error with a one-line reason, never a crash.
 *
 * Two outputs are read:
 *   `ntpq -n -c apeers`: the header line, a line of 78 '=', then one line
 *   per association matched as the original's regular expression matches
 *   it (tally code, remote, refid, assid, st, t, when, poll, reach, delay,
 *   offset, jitter; the refid may run into the assid, "GPS_NMEA(0)12018").
 *   Tally codes are all eight of ntpq's (' ' x . - + # * o), not the
 *   original's four; '*' and 'o' mark the system peer.
 *   `ntpq -n -c iostats -c kerninfo -c monstats -c sysinfo -c sysstats
 *   [-c "readvar ASSID"]`: "label: value" lines (the system's variables)
 *   and readvar's name=value items after "associd=ASSID" (the system
 *   peer's), each label mapped to the original's key (rootdelay ->
 *   root_delay, leap -> leap_indicator, ...).
 *
 * Parsing is separate from running ntpq (ntp.c), so the tests feed it text.
 * Values are kept as ntpq printed them (exact decimals are converted when
 * served, ntp_families.c), except timestamps, turned into Unix seconds.
 */
#ifndef CMON_AGENT_NTPQ_PARSE_H
#define CMON_AGENT_NTPQ_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define NTP_PEERS_MAX 64
#define NTP_VARS_MAX 96
#define NTP_TEXT_MAX 48
#define NTP_ERR_MAX 200

/* One association of `apeers`. Numeric columns as printed. */
typedef struct ntp_peer {
    char np_flash; /* tally code: ' ' x . - + # * o */
    char np_type;  /* t: u b l s A B M p ... */
    char np_remote[NTP_TEXT_MAX];
    char np_refid[NTP_TEXT_MAX];
    uint32_t np_assid;
    double np_when;  /* seconds ("-": -1; m, h, d, y suffixes multiplied out) */
    double np_reach; /* the octal column's value (0..255 for ntpq) */
    char np_stratum[NTP_TEXT_MAX], np_poll[NTP_TEXT_MAX];
    char np_delay[NTP_TEXT_MAX], np_offset[NTP_TEXT_MAX], np_jitter[NTP_TEXT_MAX];
} ntp_peer_t;

/* One variable: the original's key and ntpq's text (a decimal number, or a word). */
typedef struct ntp_var {
    const char *nv_key; /* static: the label table's key */
    char nv_text[NTP_TEXT_MAX];
} ntp_var_t;

/* What the two commands said. */
typedef struct ntp_data {
    size_t nd_npeers;
    ntp_peer_t nd_peers[NTP_PEERS_MAX]; /* in ascending assid order once parsed */
    int nd_syspeer;                     /* index of the system peer in nd_peers, -1: none */
    size_t nd_nsys, nd_nsp;
    ntp_var_t nd_sys[NTP_VARS_MAX]; /* the system's variables (context 0) */
    ntp_var_t nd_sp[NTP_VARS_MAX];  /* the system peer's (readvar) */
} ntp_data_t;

/*
 * ntpq_parse_peers() - reads apeers output text into d (peers sorted by
 * assid, the system peer found). 0, or -1 with the reason in err: a header
 * that is not ntpq 4.2.8's, a line that is no peer, a column that is no
 * number, two peers with one assid, two system peers, two peers with one
 * remote (their series would be one), more than NTP_PEERS_MAX, no peer at all.
 */
int ntpq_parse_peers(const char *text, ntp_data_t *d, char *err, size_t errlen);

/*
 * ntpq_parse_vars() - reads the variables' output text into d (after
 * ntpq_parse_peers: readvar is accepted for d's system peer only). 0, or
 * -1 with the reason in err: a line that is none of ntpq's, an unknown
 * label, a label twice in one context, readvar of another association, a
 * timestamp that is not hex, a leap indicator outside 00..11, a value that
 * is not a number, "processed for time" missing.
 */
int ntpq_parse_vars(const char *text, ntp_data_t *d, char *err, size_t errlen);

/* ntp_var_find() - the text of key in vars (n of them), or NULL. */
const char *ntp_var_find(const ntp_var_t *vars, size_t n, const char *key);

/*
 * ntpq_timestamp() - an NTP timestamp as ntpq prints it ("dd9e1c1e.67c8d279",
 * either case) in Unix seconds, the fraction scaled by 2^-32; 0 for the zero
 * timestamp or "(no time)". Era 1 (after 2036) when the seconds are below
 * 1970's. 0, or -1 when tok is none.
 */
int ntpq_timestamp(const char *tok, double *unix_s);

#endif
