/*
 * world_ntp_print.c - ntpq 4.2.8's text of a view (world_ntp.h).
 *
 * apeers is doprintpeers() of ntpq-subs.c: the tally code, the remote cut
 * to 15 columns, the refid padded to 9 columns and the association id
 * left-justified in 6 right after it (so a long refid runs into the assid:
 * "GPS_NMEA(0)12018"), then "%2d %c %4.4s %4.4s  %3o  %7.7s %8.8s %7.7s".
 * iostats, kerninfo, monstats, sysinfo and sysstats print one "label: value"
 * per line, the label padded to the width of its command's table (kerninfo's
 * "calibration interval" has no colon). readvar prints the association's
 * line, then name=value items joined by ", " and wrapped before column 72
 * (ntpq.c output()).
 */
#include "world_ntp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTP_MAXOUTLINE 72
#define NTP_FLOOD_BYTES (4u << 20)

typedef struct ntp_out {
    char *no_buf;
    size_t no_len, no_cap;
    int no_oom;
} ntp_out_t;

static void out_printf(ntp_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
out_printf(ntp_out_t *o, const char *fmt, ...)
{
    va_list ap;
    char small[512];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0 || o->no_oom)
        return;
    if ((size_t)n >= sizeof(small))
        n = sizeof(small) - 1;
    if (o->no_len + (size_t)n + 1 > o->no_cap) {
        size_t cap = o->no_cap ? o->no_cap : 4096;
        while (cap < o->no_len + (size_t)n + 1)
            cap *= 2;
        char *b = realloc(o->no_buf, cap);
        if (b == NULL) {
            o->no_oom = 1;
            return;
        }
        o->no_buf = b;
        o->no_cap = cap;
    }
    memcpy(o->no_buf + o->no_len, small, (size_t)n + 1);
    o->no_len += (size_t)n;
}

/* ---- apeers --------------------------------------------------------- */

static void
print_peer(ntp_out_t *o, const world_ntp_peer_now_t *pn, const char *poll)
{
    const world_ntp_peer_t *p = &pn->wpn_peer;
    char pollbuf[16], d[16], off[16], jit[16];
    if (poll == NULL) {
        snprintf(pollbuf, sizeof(pollbuf), "%u", p->wnp_poll);
        poll = pollbuf;
    }
    snprintf(d, sizeof(d), "%.3f", p->wnp_delay_ms);
    snprintf(off, sizeof(off), "%.3f", p->wnp_offset_ms);
    snprintf(jit, sizeof(jit), "%.3f", p->wnp_jitter_ms);
    out_printf(o, "%c%-15.15s %-9s%-6u %2u %c %4.4s %4.4s  %3o  %7.7s %8.8s %7.7s\n", p->wnp_flash,
               p->wnp_remote, p->wnp_refid, p->wnp_assid, p->wnp_stratum, p->wnp_type, pn->wpn_when,
               poll, p->wnp_reach, d, off, jit);
}

static void
print_apeers(ntp_out_t *o, const world_ntp_state_t *st, const world_ntp_view_t *v)
{
    if (st->wns_garble == WORLD_NTP_GARBLE_HEADER)
        out_printf(o, "     remote           refid      st t when poll reach   delay   offset  "
                      "jitter\n");
    else
        out_printf(o, "     remote       refid   assid  st t when poll reach   delay   offset  "
                      "jitter\n");
    out_printf(o,
               "==============================================================================\n");
    for (uint32_t i = 0; i < v->wv_npeers; i++)
        print_peer(o, &v->wv_peers[i],
                   i == 0 && st->wns_garble == WORLD_NTP_GARBLE_PEER_COLUMN ? "abc" : NULL);
    if (st->wns_garble == WORLD_NTP_GARBLE_FLOOD && v->wv_npeers > 0)
        while (o->no_len < NTP_FLOOD_BYTES && !o->no_oom)
            print_peer(o, &v->wv_peers[0], NULL);
}

/* ---- the system variables ------------------------------------------- */

/* One "label: value" line, the label padded to width as its command's table does. */
static void
print_var(ntp_out_t *o, const world_ntp_state_t *st, const world_ntp_var_t *var, int width)
{
    char label[64];
    const char *text = var->wnv_text;
    char hex[WORLD_NTP_TEXT_MAX];
    if (strcmp(var->wnv_key, "pps stability") == 0 &&
        st->wns_garble == WORLD_NTP_GARBLE_MISSING_KEY)
        return;
    if (strcmp(var->wnv_key, "calibration interval") == 0)
        snprintf(label, sizeof(label), "%s ", var->wnv_key);
    else
        snprintf(label, sizeof(label), "%s: ", var->wnv_key);
    if (strcmp(var->wnv_key, "leap indicator") == 0 && st->wns_garble == WORLD_NTP_GARBLE_LEAP)
        text = "101";
    if (strcmp(var->wnv_key, "reference time") == 0) {
        snprintf(hex, sizeof(hex), "%s", text);
        if (st->wns_garble == WORLD_NTP_GARBLE_TIMESTAMP)
            hex[0] = 'g';
        for (char *c = hex; st->wns_garble == WORLD_NTP_GARBLE_TIMESTAMP_CASE && *c != ' '; c++)
            if (*c >= 'a' && *c <= 'f')
                *c = (char)(*c - 'a' + 'A');
        text = hex;
    }
    out_printf(o, "%-*s%s\n", width, label, text);
}

static void
print_section(ntp_out_t *o, const world_ntp_state_t *st, const world_ntp_view_t *v, int sect,
              int width)
{
    for (size_t i = v->wv_sect[sect]; i < v->wv_sect[sect + 1]; i++) {
        print_var(o, st, &v->wv_sys[i], width);
        if (sect == 3 && st->wns_garble == WORLD_NTP_GARBLE_REPEATED_KEY &&
            strcmp(v->wv_sys[i].wnv_key, "stratum") == 0)
            print_var(o, st, &v->wv_sys[i], width);
    }
    if (sect == 3 && st->wns_garble == WORLD_NTP_GARBLE_UNKNOWN_KEY)
        out_printf(o, "%-*s%s\n", width, "frobnication: ", "3");
    if (sect == 4 && st->wns_garble == WORLD_NTP_GARBLE_BAD_LINE)
        out_printf(o, "***Request timed out\n");
}

/* ---- readvar -------------------------------------------------------- */

/* ntpq.c output(): name=value, ", " between, a new line before column 72. */
static void
print_item(ntp_out_t *o, int *col, const char *name, const char *value)
{
    int len = (int)(strlen(name) + 1 + strlen(value));
    if (*col != 0) {
        if (*col + len + 2 > NTP_MAXOUTLINE) {
            out_printf(o, ",\n");
            *col = 0;
        } else {
            out_printf(o, ", ");
            *col += 2;
        }
    }
    out_printf(o, "%s=%s", name, value);
    *col += len;
}

/* The filter registers: eight samples of the peer around its current values. */
static void
print_filters(ntp_out_t *o, int *col, const world_ntp_peer_t *p)
{
    static const char *const names[] = {"filtdelay", "filtoffset", "filtdisp"};
    double base[] = {p->wnp_delay_ms, p->wnp_offset_ms, 0};
    for (int k = 0; k < 3; k++) {
        char v[128] = "";
        size_t n = 0;
        for (int i = 0; i < 8; i++)
            n += (size_t)snprintf(v + n, sizeof(v) - n, "%8.2f",
                                  base[k] +
                                      (k == 2 ? i * 1.01 : (i % 3 - 1) * p->wnp_jitter_ms / 4));
        print_item(o, col, names[k], v);
    }
}

static int
print_readvar(ntp_out_t *o, const world_ntp_state_t *st, const world_ntp_view_t *v, const char *arg)
{
    char *end;
    unsigned long assid = strtoul(arg, &end, 0);
    int ix = -1;
    for (uint32_t i = 0; *end == '\0' && end != arg && i < v->wv_npeers; i++)
        if (v->wv_peers[i].wpn_peer.wnp_assid == assid)
            ix = (int)i;
    if (ix < 0 || ix != v->wv_syspeer) {
        errno = ENOENT;
        return -1;
    }
    unsigned long shown = st->wns_garble == WORLD_NTP_GARBLE_READVAR_ASSID ? assid + 1 : assid;
    out_printf(o, "associd=%lu status=961a conf, reach, sel_sys.peer, 1 event, popcorn,\n", shown);
    int col = 0;
    for (size_t i = 0; i < v->wv_nsp; i++)
        print_item(o, &col, v->wv_sp[i].wnv_key, v->wv_sp[i].wnv_text);
    print_filters(o, &col, &v->wv_peers[ix].wpn_peer);
    out_printf(o, "\n");
    return 0;
}

/* ---- the commands --------------------------------------------------- */

int
world_ntp_print(const world_ntp_state_t *st, const world_ntp_view_t *v, const char *command,
                char **out, size_t *len)
{
    static const struct {
        const char *cmd;
        int width;
    } sections[] = {
        {"iostats", 22}, {"kerninfo", 21}, {"monstats", 22}, {"sysinfo", 18}, {"sysstats", 22}};
    ntp_out_t o = {*out, *len, *out ? *len + 1 : 0, 0};
    int rc = 0;
    if (strcmp(command, "apeers") == 0) {
        print_apeers(&o, st, v);
    } else if (strncmp(command, "readvar ", 8) == 0) {
        rc = print_readvar(&o, st, v, command + 8);
    } else {
        size_t s = 0;
        while (s < sizeof(sections) / sizeof(sections[0]) && strcmp(sections[s].cmd, command) != 0)
            s++;
        if (s == sizeof(sections) / sizeof(sections[0])) {
            errno = EINVAL;
            rc = -1;
        } else {
            print_section(&o, st, v, (int)s, sections[s].width);
        }
    }
    *out = o.no_buf;
    *len = o.no_len;
    if (o.no_oom) {
        errno = ENOMEM;
        return -1;
    }
    return rc;
}
