/* ntpq_parse - reading ntpq's text (see ntpq_parse.h and reference 3.5). */
#include "ntpq_parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTP_UNIX_OFFSET 2208988800.0 /* seconds from 1900 (NTP era 0) to 1970 */
#define NTP_ERA 4294967296.0

static const char apeers_header[] =
    "     remote       refid   assid  st t when poll reach   delay   offset  jitter";

/*
 * The original's peer line (reference 3.5), tally codes widened to all of
 * ntpq's and `when` to its year suffix. Groups: flash, remote, refid,
 * assid, st, t, when, poll, reach, delay, offset, jitter; text after the
 * jitter is ignored. [[:space:]] is the original's \s.
 */
static const char peer_re[] =
    "^([ *+#xo.-])([0-9a-zA-Z.:()_-]+)[[:space:]]+([a-zA-Z0-9.(_]+\\)?)[[:space:]]*([0-9]+)"
    "[[:space:]]+([0-9]+)[[:space:]]+([a-zA-Z])[[:space:]]+([0-9-]+[mhdy]?)[[:space:]]+([0-9]+)"
    "[[:space:]]+([0-9]+)[[:space:]]+([0-9.-]+)[[:space:]]+([0-9.+-]+)[[:space:]]+([0-9.-]+)";
#define PEER_GROUPS 13

/* ntpq's labels (and readvar's names) -> the original's keys: its label table, 73 entries. */
static const struct {
    const char *l_ntpq, *l_key;
} labels[] = {
    {"addresses", "addresses"},
    {"authentication failed", "authentication_failed"},
    {"bad length or format", "bad_length_or_format"},
    {"broadcast delay", "broadcast_delay"},
    {"calibration cycles", "calibration_cycles"},
    {"calibration errors", "calibration_errors"},
    {"calibration interval", "calibration_interval"},
    {"calls to transmit", "calls_to_transmit"},
    {"clock jitter", "clock_jitter"},
    {"clock wander", "clock_wander"},
    {"current version", "current_version"},
    {"declined", "declined"},
    {"delay", "delay"},
    {"dispersion", "dispersion"},
    {"dropped packets", "dropped_packets"},
    {"enabled", "enabled"},
    {"estimated error", "estimated_error"},
    {"free receive buffers", "free_receive_buffers"},
    {"frequency tolerance", "frequency_tolerance"},
    {"headway", "headway"},
    {"hmode", "hmode"},
    {"hpoll", "hpoll"},
    {"ignored packets", "ignored_packets"},
    {"input wakeups", "input_wakeups"},
    {"jitter exceeded", "jitter_exceeded"},
    {"jitter", "jitter"},
    {"keyid", "keyid"},
    {"kilobytes", "kilobytes"},
    {"KoD responses", "kod_responses"},
    {"leap", "leap_indicator"},
    {"log2 precision", "log2_precision"},
    {"low water refills", "low_water_refills"},
    {"maximum addresses", "maximum_addresses"},
    {"maximum error", "maximum_error"},
    {"maximum kilobytes", "maximum_kilobytes"},
    {"offset", "offset"},
    {"older version", "older_version"},
    {"packet send failures", "packet_send_failures"},
    {"packets received", "packets_received"},
    {"packets sent", "packets_sent"},
    {"peak addresses", "peak_addresses"},
    {"pll frequency", "pll_frequency"},
    {"pll offset", "pll_offset"},
    {"pll time constant", "pll_time_constant"},
    {"pmode", "pmode"},
    {"ppoll", "ppoll"},
    {"pps frequency", "pps_frequency"},
    {"pps jitter", "pps_jitter"},
    {"pps stability", "pps_stability"},
    {"precision", "precision"},
    {"processed for time", "processed_for_time"},
    {"rate limited", "rate_limited"},
    {"receive buffers", "receive_buffers"},
    {"received packets", "received_packets"},
    {"reclaim above count", "reclaim_above_count"},
    {"reclaim older than", "reclaim_older_than"},
    {"restricted", "restricted"},
    {"root delay", "root_delay"},
    {"root dispersion", "root_dispersion"},
    {"rootdelay", "root_delay"},
    {"rootdisp", "root_dispersion"},
    {"stability exceeded", "stability_exceeded"},
    {"stratum", "stratum"},
    {"symm. auth. delay", "symmetric_auth_delay"},
    {"sysstats reset", "sysstats_reset"},
    {"system jitter", "system_jitter"},
    {"time since reset", "time_since_reset"},
    {"timer overruns", "timer_overruns"},
    {"unreach", "unreach"},
    {"uptime", "uptime"},
    {"used receive buffers", "used_receive_buffers"},
    {"useful input wakeups", "useful_input_wakeups"},
    {"xleave", "xleave"},
};

static void perr(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
perr(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

/* The label's key, or NULL. */
static const char *
label_key(const char *label, size_t len)
{
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strlen(labels[i].l_ntpq) == len && memcmp(labels[i].l_ntpq, label, len) == 0)
            return labels[i].l_key;
    return NULL;
}

/* Non-zero when s is a finite decimal (or 0x hex) number, all of it. */
static int
is_number(const char *s)
{
    char *end;
    if (*s == '\0' || isspace((unsigned char)*s))
        return 0;
    errno = 0;
    double v = strtod(s, &end);
    return *end == '\0' && isfinite(v) && errno == 0;
}

const char *
ntp_var_find(const ntp_var_t *vars, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(vars[i].nv_key, key) == 0)
            return vars[i].nv_text;
    return NULL;
}

/* A line into buf (NUL-terminated, trailing white space removed); the next line's start. */
static const char *
next_line(const char *p, char *buf, size_t len, int *toolong)
{
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    *toolong = n >= len;
    if (n >= len)
        n = len - 1;
    memcpy(buf, p, n);
    while (n > 0 && isspace((unsigned char)buf[n - 1]))
        n--;
    buf[n] = '\0';
    return e ? e + 1 : p + strlen(p);
}

/* ---- apeers ----------------------------------------------------------- */

/* `when` as the original reads it: "-" -1, n[m|h|d] scaled; our y: 365.2425 days. */
static double
peer_when(const char *s)
{
    static const struct {
        char c;
        double mul;
    } units[] = {{'m', 60}, {'h', 3600}, {'d', 86400}, {'y', 31556952}};
    if (strcmp(s, "-") == 0)
        return -1;
    size_t n = strlen(s);
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (n > 0 && s[n - 1] == units[i].c)
            return strtod(s, NULL) * units[i].mul;
    return strtod(s, NULL);
}

/* Group g of the match of line into buf (cut to len). */
static void
group(const char *line, const regmatch_t *m, int g, char *buf, size_t len)
{
    size_t n = (size_t)(m[g].rm_eo - m[g].rm_so);
    if (n >= len)
        n = len - 1;
    memcpy(buf, line + m[g].rm_so, n);
    buf[n] = '\0';
}

/* One peer line into p; 0 or -1 with err. */
static int
peer_line(const regex_t *re, const char *line, ntp_peer_t *p, char *err, size_t errlen)
{
    regmatch_t m[PEER_GROUPS];
    char when[NTP_TEXT_MAX], assid[NTP_TEXT_MAX], reach[NTP_TEXT_MAX], t[4];
    if (regexec(re, line, PEER_GROUPS, m, 0) != 0) {
        perr(err, errlen, "apeers: not a peer line: '%.60s'", line);
        return -1;
    }
    memset(p, 0, sizeof(*p));
    p->np_flash = line[0];
    group(line, m, 2, p->np_remote, sizeof(p->np_remote));
    group(line, m, 3, p->np_refid, sizeof(p->np_refid));
    group(line, m, 4, assid, sizeof(assid));
    group(line, m, 5, p->np_stratum, sizeof(p->np_stratum));
    group(line, m, 6, t, sizeof(t));
    group(line, m, 7, when, sizeof(when));
    group(line, m, 8, p->np_poll, sizeof(p->np_poll));
    group(line, m, 9, reach, sizeof(reach));
    group(line, m, 10, p->np_delay, sizeof(p->np_delay));
    group(line, m, 11, p->np_offset, sizeof(p->np_offset));
    group(line, m, 12, p->np_jitter, sizeof(p->np_jitter));
    p->np_type = t[0];
    errno = 0;
    unsigned long a = strtoul(assid, NULL, 10);
    if (errno != 0 || a == 0 || a > 65535 ||
        (strcmp(when, "-") != 0 && !isdigit((unsigned char)when[0])) || !is_number(p->np_delay) ||
        !is_number(p->np_offset) || !is_number(p->np_jitter)) {
        perr(err, errlen, "apeers: a column is not a number: '%.60s'", line);
        return -1;
    }
    p->np_assid = (uint32_t)a;
    p->np_when = peer_when(when);
    p->np_reach = (double)strtoul(reach, NULL, 8);
    return 0;
}

static int
peer_cmp(const void *a, const void *b)
{
    uint32_t x = ((const ntp_peer_t *)a)->np_assid, y = ((const ntp_peer_t *)b)->np_assid;
    return x < y ? -1 : x > y;
}

/*
 * Refuses two peers printed with one remote: the series are labelled by
 * remote alone (the original's label set), and ntpq without -w cuts a long
 * name or address to its column, so two peers could be one series twice.
 * At most NTP_PEERS_MAX peers: a pairwise check costs nothing.
 */
static int
peers_distinct(const ntp_data_t *d, char *err, size_t errlen)
{
    for (size_t i = 0; i < d->nd_npeers; i++)
        for (size_t j = i + 1; j < d->nd_npeers; j++)
            if (strcmp(d->nd_peers[i].np_remote, d->nd_peers[j].np_remote) == 0) {
                perr(err, errlen,
                     "apeers: peers %u and %u both print remote %s (a name cut to its column?)",
                     d->nd_peers[i].np_assid, d->nd_peers[j].np_assid, d->nd_peers[i].np_remote);
                return -1;
            }
    return 0;
}

/* Sorts by assid, refuses duplicates and a second system peer, finds the system peer. */
static int
peers_finish(ntp_data_t *d, char *err, size_t errlen)
{
    qsort(d->nd_peers, d->nd_npeers, sizeof(d->nd_peers[0]), peer_cmp);
    d->nd_syspeer = -1;
    for (size_t i = 0; i < d->nd_npeers; i++) {
        if (i > 0 && d->nd_peers[i].np_assid == d->nd_peers[i - 1].np_assid) {
            perr(err, errlen, "apeers: two peers with assid %u", d->nd_peers[i].np_assid);
            return -1;
        }
        if (d->nd_peers[i].np_flash != '*' && d->nd_peers[i].np_flash != 'o')
            continue;
        if (d->nd_syspeer >= 0) {
            perr(err, errlen, "apeers: two system peers (%s and %s)",
                 d->nd_peers[d->nd_syspeer].np_remote, d->nd_peers[i].np_remote);
            return -1;
        }
        d->nd_syspeer = (int)i;
    }
    if (d->nd_npeers == 0) {
        perr(err, errlen, "apeers: no NTP peers");
        return -1;
    }
    return peers_distinct(d, err, errlen);
}

static int
peers_lines(const regex_t *re, const char *p, ntp_data_t *d, char *err, size_t errlen)
{
    char line[512];
    int toolong, n = 0;
    while (*p != '\0') {
        p = next_line(p, line, sizeof(line), &toolong);
        if (n++ == 0) {
            if (strcmp(line, apeers_header) != 0) {
                perr(err, errlen, "apeers: not ntpq 4.2.8's header: '%.80s'", line);
                return -1;
            }
        } else if (n == 2) {
            if (strspn(line, "=") != 78 || line[78] != '\0') {
                perr(err, errlen, "apeers: the header's second line is not 78 '='");
                return -1;
            }
        } else if (d->nd_npeers == NTP_PEERS_MAX) {
            perr(err, errlen, "apeers: more than %d peers", NTP_PEERS_MAX);
            return -1;
        } else if (toolong || peer_line(re, line, &d->nd_peers[d->nd_npeers++], err, errlen) != 0) {
            if (toolong)
                perr(err, errlen, "apeers: a line of over %zu bytes", sizeof(line));
            return -1;
        }
    }
    if (n < 2) {
        perr(err, errlen, "apeers: %s", n ? "no '=' line after the header" : "no output");
        return -1;
    }
    return 0;
}

int
ntpq_parse_peers(const char *text, ntp_data_t *d, char *err, size_t errlen)
{
    regex_t re;
    memset(d, 0, sizeof(*d));
    d->nd_syspeer = -1;
    if (regcomp(&re, peer_re, REG_EXTENDED) != 0) {
        perr(err, errlen, "apeers: cannot compile the peer pattern");
        return -1;
    }
    int rc = peers_lines(&re, text, d, err, errlen);
    regfree(&re);
    return rc == 0 ? peers_finish(d, err, errlen) : -1;
}

/* ---- the variables -------------------------------------------------- */

int
ntpq_timestamp(const char *tok, double *unix_s)
{
    char *dot;
    if (strncmp(tok, "(no", 3) == 0) {
        *unix_s = 0;
        return 0;
    }
    dot = strchr(tok, '.');
    if (dot == NULL || dot == tok || dot - tok > 8 || strlen(dot + 1) == 0 || strlen(dot + 1) > 8 ||
        strspn(tok, "0123456789abcdefABCDEF") != (size_t)(dot - tok) ||
        strspn(dot + 1, "0123456789abcdefABCDEF") != strlen(dot + 1))
        return -1;
    double sec = (double)strtoul(tok, NULL, 16);
    double frac = (double)strtoul(dot + 1, NULL, 16) / NTP_ERA;
    if (sec == 0 && frac == 0) {
        *unix_s = 0;
        return 0;
    }
    if (sec < NTP_UNIX_OFFSET)
        sec += NTP_ERA; /* era 1: from 2036-02-07 */
    *unix_s = sec - NTP_UNIX_OFFSET + frac;
    return 0;
}

/* The parse state: where values go. */
typedef struct vars_ctx {
    ntp_data_t *vc_d;
    uint32_t vc_assoc; /* 0: the system; else the system peer's assid */
    char *vc_err;
    size_t vc_errlen;
} vars_ctx_t;

/* Stores key = text in the current context; -1 when the context has it already. */
static int
vars_put(vars_ctx_t *c, const char *key, const char *text)
{
    ntp_var_t *v = c->vc_assoc ? c->vc_d->nd_sp : c->vc_d->nd_sys;
    size_t *n = c->vc_assoc ? &c->vc_d->nd_nsp : &c->vc_d->nd_nsys;
    if (ntp_var_find(v, *n, key) != NULL) {
        perr(c->vc_err, c->vc_errlen, "%s is given twice for association %u", key, c->vc_assoc);
        return -1;
    }
    if (*n == NTP_VARS_MAX) {
        perr(c->vc_err, c->vc_errlen, "more than %d variables", NTP_VARS_MAX);
        return -1;
    }
    v[*n].nv_key = key;
    snprintf(v[*n].nv_text, sizeof(v[*n].nv_text), "%s", text);
    (*n)++;
    return 0;
}

/* A timestamp token stored as Unix seconds (D8). */
static int
vars_put_time(vars_ctx_t *c, const char *key, const char *tok)
{
    double s;
    char text[NTP_TEXT_MAX];
    if (ntpq_timestamp(tok, &s) != 0) {
        perr(c->vc_err, c->vc_errlen, "%s is not an NTP timestamp: '%.30s'", key, tok);
        return -1;
    }
    snprintf(text, sizeof(text), "%.17g", s);
    return vars_put(c, key, text);
}

/* A two-bit leap indicator "00".."11" (system and peer alike, D9) stored as 0..3. */
static int
vars_put_leap(vars_ctx_t *c, const char *value)
{
    if (strlen(value) != 2 || strspn(value, "01") != 2) {
        perr(c->vc_err, c->vc_errlen, "leap indicator is not 00..11: '%.20s'", value);
        return -1;
    }
    char text[2] = {(char)('0' + (value[0] - '0') * 2 + (value[1] - '0')), '\0'};
    return vars_put(c, "leap_indicator", text);
}

/* A number for key, or an error naming it. */
static int
vars_put_number(vars_ctx_t *c, const char *key, const char *value)
{
    if (!is_number(value) || strlen(value) >= NTP_TEXT_MAX) {
        perr(c->vc_err, c->vc_errlen, "%s is not a number: '%.30s'", key, value);
        return -1;
    }
    return vars_put(c, key, value);
}

/* "label: value" (the label up to the last ':' that white space follows). */
static int
vars_colon(vars_ctx_t *c, const char *line, const char *colon)
{
    const char *value = colon + 1 + strspn(colon + 1, " \t");
    size_t llen = (size_t)(colon - line);
    char tok[NTP_TEXT_MAX];
    if (llen == 14 && memcmp(line, "leap indicator", 14) == 0)
        return vars_put_leap(c, value);
    if ((llen == 13 && memcmp(line, "kernel status", 13) == 0) ||
        (llen == 16 && memcmp(line, "system peer mode", 16) == 0))
        return vars_put(c, llen == 13 ? "kernel_status" : "system_peer_mode", value);
    if (llen == 14 && memcmp(line, "reference time", 14) == 0) {
        snprintf(tok, sizeof(tok), "%.*s", (int)strcspn(value, " "), value);
        return vars_put_time(c, "reftime", tok);
    }
    if ((llen == 12 && memcmp(line, "reference ID", 12) == 0) ||
        (llen == 11 && memcmp(line, "system peer", 11) == 0))
        return 0;
    const char *key = label_key(line, llen);
    if (key == NULL) {
        perr(c->vc_err, c->vc_errlen, "unknown ntpq variable '%.*s'", (int)(llen > 40 ? 40 : llen),
             line);
        return -1;
    }
    return vars_put_number(c, key, value);
}

/* One readvar item name=value. */
static int
vars_item(vars_ctx_t *c, const char *name, const char *value)
{
    static const char *const skipped[] = {"remote", "refid",   "dstadr",
                                          "srcadr", "dstport", "srcport"};
    for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
        if (strcmp(name, skipped[i]) == 0)
            return 0;
    if (strcmp(name, "reftime") == 0 || strcmp(name, "rec") == 0)
        return vars_put_time(c, strcmp(name, "rec") == 0 ? "rec" : "reftime", value);
    if (strcmp(name, "leap") == 0)
        return vars_put_leap(c, value);
    const char *key = label_key(name, strlen(name));
    return key == NULL ? 0 : vars_put_number(c, key, value); /* others are served by none */
}

/* Every name=value item of a readvar line; 1 when there was one, 0 none, -1 error. */
static int
vars_items(vars_ctx_t *c, const char *line)
{
    static const char name_chars[] = "abcdefghijklmnopqrstuvwxyz_";
    static const char value_chars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.()_+-";
    int found = 0;
    for (const char *p = line; *p != '\0'; p++) {
        size_t nl = strspn(p, name_chars);
        size_t vl = nl > 0 && p[nl] == '=' ? strspn(p + nl + 1, value_chars) : 0;
        if (vl == 0 || (p > line && strchr(name_chars, p[-1]) != NULL))
            continue;
        char name[NTP_TEXT_MAX], value[NTP_TEXT_MAX];
        snprintf(name, sizeof(name), "%.*s", (int)nl, p);
        snprintf(value, sizeof(value), "%.*s", (int)vl, p + nl + 1);
        if (vars_item(c, name, value) != 0)
            return -1;
        found = 1;
        p += nl + vl;
    }
    return found;
}

/* "associd=N ...": the context switches to N, which must be the system peer's. */
static int
vars_assoc(vars_ctx_t *c, const char *line)
{
    unsigned long a = strtoul(line + 8, NULL, 10);
    const ntp_data_t *d = c->vc_d;
    uint32_t sp = d->nd_syspeer >= 0 ? d->nd_peers[d->nd_syspeer].np_assid : 0;
    if (a != 0 && a != sp) {
        perr(c->vc_err, c->vc_errlen, "readvar answered for association %lu, not %u", a, sp);
        return -1;
    }
    c->vc_assoc = (uint32_t)a;
    return 0;
}

/* The last ':' followed by white space, or NULL. */
static const char *
last_colon(const char *line)
{
    const char *found = NULL;
    for (const char *p = strchr(line, ':'); p != NULL; p = strchr(p + 1, ':'))
        if (p[1] == ' ' || p[1] == '\t')
            found = p;
    return found;
}

static int
vars_line(vars_ctx_t *c, const char *line)
{
    const char *colon;
    if (strncmp(line, "associd=", 8) == 0 && isdigit((unsigned char)line[8]) &&
        isspace((unsigned char)line[8 + strspn(line + 8, "0123456789")]))
        return vars_assoc(c, line);
    if ((colon = last_colon(line)) != NULL)
        return vars_colon(c, line, colon);
    if (strncmp(line, "calibration interval", 20) == 0 && isspace((unsigned char)line[20]))
        return vars_put_number(c, "calibration_interval", line + 20 + strspn(line + 20, " \t"));
    int items = vars_items(c, line);
    if (items != 0)
        return items < 0 ? -1 : 0;
    if (strncmp(line, "filt", 4) == 0)
        return 0;
    perr(c->vc_err, c->vc_errlen, "not a line of ntpq's: '%.60s'", line);
    return -1;
}

int
ntpq_parse_vars(const char *text, ntp_data_t *d, char *err, size_t errlen)
{
    vars_ctx_t c = {d, 0, err, errlen};
    char line[1024];
    int toolong;
    d->nd_nsys = d->nd_nsp = 0;
    while (*text != '\0') {
        text = next_line(text, line, sizeof(line), &toolong);
        if (toolong) {
            perr(err, errlen, "a line of over %zu bytes", sizeof(line));
            return -1;
        }
        if (line[0] != '\0' && vars_line(&c, line) != 0)
            return -1;
    }
    if (ntp_var_find(d->nd_sys, d->nd_nsys, "processed_for_time") == NULL) {
        perr(err, errlen, "no 'processed for time' in ntpq's sysstats");
        return -1;
    }
    return 0;
}
