/*
 * world_ntp.c - ntpd's state in the simulated node, and ntpq's text of it.
 *
 * The stored state is a fixed-size record behind a magic and a version,
 * replaced by write + rename (as world_zfs.c does), so readers need no
 * lock. Everything ntpq prints is computed from the state and virtual time
 * by world_ntp_view(); world_ntp_print() only lays the view out as ntpq
 * 4.2.8 does (ntpq-subs.c: doprintpeers, the *_vdc tables; ntpq.c: output()).
 */
#include "world_ntp.h"

#include "world_sidefile.h"
#include "world_shm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NTP_MAGIC 0x434d4f4e4e545031ULL /* "CMONNTP1" */
#define NTP_VERSION 1
#define NTP_UNIX_OFFSET 2208988800ULL /* seconds from 1900 to 1970 */
#define NTP_SWING_PERIOD_S 1024.0     /* offsets swing around their base with this period */
#define NTP_MAXOUTLINE 72             /* ntpq wraps readvar lines before this column */

static const char *const garble_names[WORLD_NTP_GARBLE_COUNT] = {
    [WORLD_NTP_GARBLE_NONE] = "none",
    [WORLD_NTP_GARBLE_HEADER] = "header",
    [WORLD_NTP_GARBLE_PEER_COLUMN] = "peer_column",
    [WORLD_NTP_GARBLE_UNKNOWN_KEY] = "unknown_key",
    [WORLD_NTP_GARBLE_BAD_LINE] = "bad_line",
    [WORLD_NTP_GARBLE_REPEATED_KEY] = "repeated_key",
    [WORLD_NTP_GARBLE_READVAR_ASSID] = "readvar_assid",
    [WORLD_NTP_GARBLE_TIMESTAMP] = "timestamp",
    [WORLD_NTP_GARBLE_TIMESTAMP_CASE] = "timestamp_case",
    [WORLD_NTP_GARBLE_LEAP] = "leap",
    [WORLD_NTP_GARBLE_MISSING_KEY] = "missing_key",
    [WORLD_NTP_GARBLE_STDERR] = "stderr",
    [WORLD_NTP_GARBLE_HANG] = "hang",
    [WORLD_NTP_GARBLE_FLOOD] = "flood",
};

const char *
world_ntp_garble_name(world_ntp_garble_t g)
{
    return (unsigned)g < WORLD_NTP_GARBLE_COUNT ? garble_names[g] : "unknown";
}

int
world_ntp_garble_by_name(const char *name)
{
    for (int g = 0; g < WORLD_NTP_GARBLE_COUNT; g++)
        if (strcmp(garble_names[g], name) == 0)
            return g;
    return -1;
}

/* ---- the state ------------------------------------------------------ */

static uint64_t
ntp_mix(uint64_t seed, uint64_t what)
{
    return wrng_mix(seed ^ (what * 0x9e3779b97f4a7c15ULL));
}

/* A value in [lo, hi) drawn from (seed, what). */
static double
ntp_draw(uint64_t seed, uint64_t what, double lo, double hi)
{
    return lo + (hi - lo) * (double)(ntp_mix(seed, what) >> 11) / 9007199254740992.0;
}

void
world_ntp_state_default(const world_t *w, world_ntp_state_t *st)
{
    static const char *const refids[] = {"10.0.7.1", ".GPS.", "10.0.9.2"};
    uint64_t seed = w != NULL ? world_seed(w) : 0;
    memset(st, 0, sizeof(*st));
    st->wns_up = 1;
    st->wns_npeers = 3;
    for (uint32_t i = 0; i < st->wns_npeers; i++) {
        world_ntp_peer_t *p = &st->wns_peers[i];
        uint64_t h = ntp_mix(seed, 100 + i);
        snprintf(p->wnp_remote, sizeof(p->wnp_remote), "198.51.100.%u", (unsigned)(h % 250) + 1);
        snprintf(p->wnp_refid, sizeof(p->wnp_refid), "%s", refids[i]);
        p->wnp_assid = 12345 + 7 * i + (uint32_t)(h >> 40) % 7;
        p->wnp_stratum = i == 1 ? 1 : 2;
        p->wnp_type = 'u';
        p->wnp_flash = i == 0 ? '*' : '+';
        p->wnp_when = (int32_t)((h >> 20) % 64);
        p->wnp_poll = 64;
        p->wnp_reach = 0377;
        p->wnp_delay_ms = ntp_draw(seed, 110 + i, 0.5, 60.0);
        p->wnp_offset_ms = ntp_draw(seed, 120 + i, -2.0, 2.0);
        p->wnp_jitter_ms = ntp_draw(seed, 130 + i, 0.05, 1.0);
    }
    st->wns_leap = 0;
    st->wns_precision = -23;
    st->wns_root_delay_ms = st->wns_peers[0].wnp_delay_ms + ntp_draw(seed, 140, 0.1, 2.0);
    st->wns_root_disp_ms = ntp_draw(seed, 141, 5.0, 40.0);
    st->wns_sys_jitter_ms = ntp_draw(seed, 142, 0.05, 0.5);
    st->wns_clk_jitter_ms = ntp_draw(seed, 143, 0.01, 0.5);
    st->wns_clk_wander_ppm = ntp_draw(seed, 144, 0.001, 0.05);
    st->wns_frequency_ppm = ntp_draw(seed, 145, -20.0, 20.0);
    st->wns_uptime_s = 86400 + ntp_mix(seed, 146) % 86400;
}

/* A stored state must print as ntpq would print it, garbles aside. */
static int
state_valid(const world_ntp_state_t *st)
{
    if (st->wns_npeers > WORLD_NTP_PEERS_MAX || st->wns_garble >= WORLD_NTP_GARBLE_COUNT ||
        st->wns_leap > 3)
        return 0;
    for (uint32_t i = 0; i < st->wns_npeers; i++) {
        const world_ntp_peer_t *p = &st->wns_peers[i];
        if (p->wnp_remote[0] == '\0' ||
            memchr(p->wnp_remote, '\0', sizeof(p->wnp_remote)) == NULL ||
            memchr(p->wnp_refid, '\0', sizeof(p->wnp_refid)) == NULL || p->wnp_reach > 255 ||
            p->wnp_stratum > 16 || strchr(" x.-+#*o", p->wnp_flash) == NULL || p->wnp_flash == 0)
            return 0;
    }
    return 1;
}

int
world_ntp_state_read(const world_t *w, world_ntp_state_t *st)
{
    world_ntp_state_t rec;
    int rc = world_sidefile_read(world_path(w), WORLD_NTP_SUFFIX, NTP_MAGIC, NTP_VERSION, &rec,
                                 sizeof(rec));
    if (rc == 1) /* no file: nothing was set */
        world_ntp_state_default(w, st);
    else if (rc == 0 && !state_valid(&rec))
        return errno = EINVAL, -1;
    else if (rc == 0)
        *st = rec;
    return rc < 0 ? -1 : 0;
}

int
world_ntp_state_write(const world_t *w, const world_ntp_state_t *st)
{
    if (!state_valid(st))
        return errno = EINVAL, -1;
    return world_sidefile_write(world_path(w), WORLD_NTP_SUFFIX, NTP_MAGIC, NTP_VERSION, st,
                                sizeof(*st));
}

int
world_ntp_remove(const world_t *w)
{
    return world_sidefile_remove(world_path(w), WORLD_NTP_SUFFIX);
}

/* ---- the view at one moment -------------------------------------------- */

static void var_add(world_ntp_var_t *v, size_t *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
var_add(world_ntp_var_t *v, size_t *n, const char *key, const char *fmt, ...)
{
    va_list ap;
    if (*n >= WORLD_NTP_VARS_MAX)
        return;
    v[*n].wnv_key = key;
    va_start(ap, fmt);
    vsnprintf(v[*n].wnv_text, sizeof(v[*n].wnv_text), fmt, ap);
    va_end(ap);
    (*n)++;
}

/* ntpq's prettyinterval(): "-", seconds, then minutes, hours, days, years. */
static void
ntp_interval(long diff, char *buf, size_t len)
{
    if (diff <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    if (diff <= 2048) {
        snprintf(buf, len, "%ld", diff);
        return;
    }
    diff = (diff + 29) / 60;
    if (diff <= 300) {
        snprintf(buf, len, "%ldm", diff);
        return;
    }
    diff = (diff + 29) / 60;
    if (diff <= 96) {
        snprintf(buf, len, "%ldh", diff);
        return;
    }
    diff = (diff + 11) / 24;
    if (diff <= 999) {
        snprintf(buf, len, "%ldd", diff);
        return;
    }
    snprintf(buf, len, "%ldy", (long)floor(diff / 365.2425 + 0.5));
}

/* An NTP timestamp as ntpq prints it: "dd9e1c1e.67c8d279  Tue, Nov 14 2017 16:57:02.405". */
static void
ntp_stamp(double unix_s, char *buf, size_t len)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (unix_s <= 0) {
        snprintf(buf, len, "00000000.00000000  Mon, Jan  1 1900  0:00:00.000");
        return;
    }
    double whole = floor(unix_s);
    uint32_t frac = (uint32_t)((unix_s - whole) * 4294967296.0);
    time_t t = (time_t)whole;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, len, "%08x.%08x  %s, %s %2d %4d %2d:%02d:%02d.%03u",
             (uint32_t)((uint64_t)whole + NTP_UNIX_OFFSET), frac, days[tm.tm_wday],
             months[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (unsigned)((unix_s - whole) * 1000.0));
}

/* A peer at virtual second t: offset swung by its jitter, `when` counted up. */
static void
view_peer(const world_ntp_peer_t *p, double t, world_ntp_peer_now_t *out)
{
    out->wpn_peer = *p;
    double phase = 2.0 * M_PI * t / NTP_SWING_PERIOD_S + (double)p->wnp_assid;
    out->wpn_peer.wnp_offset_ms =
        round((p->wnp_offset_ms + p->wnp_jitter_ms * sin(phase)) * 1e3) / 1e3;
    out->wpn_peer.wnp_delay_ms = round(p->wnp_delay_ms * 1e3) / 1e3;
    out->wpn_peer.wnp_jitter_ms = round(p->wnp_jitter_ms * 1e3) / 1e3;
    long when = -1;
    if (p->wnp_when >= 0 && p->wnp_poll > 0)
        when = (long)fmod((double)p->wnp_when + t, (double)p->wnp_poll);
    else if (p->wnp_when >= 0)
        when = p->wnp_when;
    if (when == 0 && p->wnp_when >= 0)
        when = 1;
    out->wpn_peer.wnp_when = (int32_t)when;
    ntp_interval(when, out->wpn_when, sizeof(out->wpn_when));
}

/* Packets ntpd received from its peers in its uptime: one per poll interval each. */
static uint64_t
view_received(const world_ntp_state_t *st, double uptime)
{
    double n = 0;
    for (uint32_t i = 0; i < st->wns_npeers; i++)
        n += uptime / (st->wns_peers[i].wnp_poll ? st->wns_peers[i].wnp_poll : 64);
    return (uint64_t)n;
}

static void
view_iostats(const world_ntp_state_t *st, double up, world_ntp_view_t *v)
{
    uint64_t rx = view_received(st, up);
    size_t *n = &v->wv_nsys;
    var_add(v->wv_sys, n, "time since reset", "%llu", (unsigned long long)up);
    var_add(v->wv_sys, n, "receive buffers", "10");
    var_add(v->wv_sys, n, "free receive buffers", "9");
    var_add(v->wv_sys, n, "used receive buffers", "0");
    var_add(v->wv_sys, n, "low water refills", "1");
    var_add(v->wv_sys, n, "dropped packets", "0");
    var_add(v->wv_sys, n, "ignored packets", "%llu", (unsigned long long)(up / 3600));
    var_add(v->wv_sys, n, "received packets", "%llu", (unsigned long long)rx);
    var_add(v->wv_sys, n, "packets sent", "%llu", (unsigned long long)(rx + st->wns_npeers));
    var_add(v->wv_sys, n, "packet send failures", "0");
    var_add(v->wv_sys, n, "input wakeups", "%llu", (unsigned long long)(rx + up / 60));
    var_add(v->wv_sys, n, "useful input wakeups", "%llu", (unsigned long long)rx);
}

static void
view_kerninfo(const world_ntp_state_t *st, world_ntp_view_t *v)
{
    size_t *n = &v->wv_nsys;
    double off = v->wv_syspeer >= 0 ? v->wv_peers[v->wv_syspeer].wpn_peer.wnp_offset_ms : 0;
    var_add(v->wv_sys, n, "pll offset", "%.6f", off * 0.25);
    var_add(v->wv_sys, n, "pll frequency", "%.3f", st->wns_frequency_ppm);
    var_add(v->wv_sys, n, "maximum error", "%.3f",
            st->wns_root_disp_ms + st->wns_root_delay_ms / 2);
    var_add(v->wv_sys, n, "estimated error", "%.3f", st->wns_sys_jitter_ms);
    var_add(v->wv_sys, n, "kernel status", "pll nano");
    var_add(v->wv_sys, n, "pll time constant", "7");
    var_add(v->wv_sys, n, "precision", "0.000001");
    var_add(v->wv_sys, n, "frequency tolerance", "500");
    var_add(v->wv_sys, n, "pps frequency", "0.000");
    var_add(v->wv_sys, n, "pps stability", "0.000");
    var_add(v->wv_sys, n, "pps jitter", "0.000");
    var_add(v->wv_sys, n, "calibration interval", "4");
    var_add(v->wv_sys, n, "calibration cycles", "0");
    var_add(v->wv_sys, n, "jitter exceeded", "0");
    var_add(v->wv_sys, n, "stability exceeded", "0");
    var_add(v->wv_sys, n, "calibration errors", "0");
}

static void
view_monstats(const world_ntp_state_t *st, double up, world_ntp_view_t *v)
{
    size_t *n = &v->wv_nsys;
    unsigned addrs = 8 + st->wns_npeers + (unsigned)(up / 7200) % 50;
    var_add(v->wv_sys, n, "enabled", "0x1");
    var_add(v->wv_sys, n, "addresses", "%u", addrs);
    var_add(v->wv_sys, n, "peak addresses", "%u", addrs + 4);
    var_add(v->wv_sys, n, "maximum addresses", "13653");
    var_add(v->wv_sys, n, "reclaim above count", "600");
    var_add(v->wv_sys, n, "reclaim older than", "64");
    var_add(v->wv_sys, n, "kilobytes", "%u", (addrs * 136 + 1023) / 1024);
    var_add(v->wv_sys, n, "maximum kilobytes", "1024");
}

static void
view_sysinfo(const world_ntp_state_t *st, double wall, world_ntp_view_t *v)
{
    size_t *n = &v->wv_nsys;
    const world_ntp_peer_now_t *sp = v->wv_syspeer >= 0 ? &v->wv_peers[v->wv_syspeer] : NULL;
    char stamp[WORLD_NTP_TEXT_MAX];
    ntp_stamp(sp ? wall - sp->wpn_peer.wnp_poll / 2.0 - 0.25 : 0, stamp, sizeof(stamp));
    var_add(v->wv_sys, n, "system peer", "%s:123", sp ? sp->wpn_peer.wnp_remote : "0.0.0.0");
    var_add(v->wv_sys, n, "system peer mode", "%s", sp ? "client" : "unspec");
    var_add(v->wv_sys, n, "leap indicator", "%u%u", (st->wns_leap >> 1) & 1, st->wns_leap & 1);
    var_add(v->wv_sys, n, "stratum", "%u", sp ? sp->wpn_peer.wnp_stratum + 1 : 16);
    var_add(v->wv_sys, n, "log2 precision", "%d", st->wns_precision);
    var_add(v->wv_sys, n, "root delay", "%.3f", st->wns_root_delay_ms);
    var_add(v->wv_sys, n, "root dispersion", "%.3f", st->wns_root_disp_ms);
    var_add(v->wv_sys, n, "reference ID", "%s", sp ? sp->wpn_peer.wnp_remote : "INIT");
    var_add(v->wv_sys, n, "reference time", "%s", stamp);
    var_add(v->wv_sys, n, "system jitter", "%.6f", st->wns_sys_jitter_ms);
    var_add(v->wv_sys, n, "clock jitter", "%.3f", st->wns_clk_jitter_ms);
    var_add(v->wv_sys, n, "clock wander", "%.3f", st->wns_clk_wander_ppm);
    var_add(v->wv_sys, n, "broadcast delay", "-50.000");
    var_add(v->wv_sys, n, "symm. auth. delay", "0.000");
}

static void
view_sysstats(const world_ntp_state_t *st, double up, world_ntp_view_t *v)
{
    size_t *n = &v->wv_nsys;
    unsigned long long rx = (unsigned long long)view_received(st, up);
    var_add(v->wv_sys, n, "uptime", "%llu", (unsigned long long)up);
    var_add(v->wv_sys, n, "sysstats reset", "%llu", (unsigned long long)up);
    var_add(v->wv_sys, n, "packets received", "%llu", rx + (unsigned long long)(up / 600));
    var_add(v->wv_sys, n, "current version", "%llu", rx);
    var_add(v->wv_sys, n, "older version", "%llu", (unsigned long long)(up / 600));
    var_add(v->wv_sys, n, "bad length or format", "0");
    var_add(v->wv_sys, n, "authentication failed", "0");
    var_add(v->wv_sys, n, "declined", "0");
    var_add(v->wv_sys, n, "restricted", "0");
    var_add(v->wv_sys, n, "rate limited", "0");
    var_add(v->wv_sys, n, "KoD responses", "0");
    var_add(v->wv_sys, n, "processed for time", "%llu", rx);
}

/* The system peer's variables, in the order of `readvar <assid>`. */
static void
view_readvar(const world_ntp_state_t *st, double wall, world_ntp_view_t *v)
{
    const world_ntp_peer_t *p = &v->wv_peers[v->wv_syspeer].wpn_peer;
    world_ntp_var_t *s = v->wv_sp;
    size_t *n = &v->wv_nsp;
    char rec[WORLD_NTP_TEXT_MAX], ref[WORLD_NTP_TEXT_MAX];
    int hpoll = (int)lround(log2(p->wnp_poll ? p->wnp_poll : 64));
    ntp_stamp(p->wnp_when > 0 ? wall - p->wnp_when : wall, rec, sizeof(rec));
    ntp_stamp(wall - p->wnp_poll - 17.5, ref, sizeof(ref));
    var_add(s, n, "srcadr", "%s", p->wnp_remote);
    var_add(s, n, "srcport", "123");
    var_add(s, n, "dstadr", "10.0.0.5");
    var_add(s, n, "dstport", "123");
    var_add(s, n, "leap", "00");
    var_add(s, n, "stratum", "%u", p->wnp_stratum);
    var_add(s, n, "precision", "%d", st->wns_precision + 3);
    var_add(s, n, "rootdelay", "%.3f", st->wns_root_delay_ms - p->wnp_delay_ms);
    var_add(s, n, "rootdisp", "%.3f", st->wns_root_disp_ms / 2);
    var_add(s, n, "refid", "%s", p->wnp_refid);
    var_add(s, n, "reftime", "%s", ref);
    var_add(s, n, "rec", "%s", rec);
    var_add(s, n, "reach", "%o", p->wnp_reach);
    var_add(s, n, "unreach", "0");
    var_add(s, n, "hmode", "3");
    var_add(s, n, "pmode", "4");
    var_add(s, n, "hpoll", "%d", hpoll);
    var_add(s, n, "ppoll", "%d", hpoll);
    var_add(s, n, "headway", "0");
    var_add(s, n, "flash", "00 ok");
    var_add(s, n, "keyid", "0");
    var_add(s, n, "offset", "%.3f", p->wnp_offset_ms);
    var_add(s, n, "delay", "%.3f", p->wnp_delay_ms);
    var_add(s, n, "dispersion", "%.3f", p->wnp_jitter_ms * 2);
    var_add(s, n, "jitter", "%.3f", p->wnp_jitter_ms);
    var_add(s, n, "xleave", "0.025");
}

void
world_ntp_view(const world_t *w, const world_ntp_state_t *st, uint64_t now_ns,
               world_ntp_view_t *out)
{
    double t = (double)now_ns / 1e9;
    double up = (double)st->wns_uptime_s + t;
    double wall = (double)w->w_hdr->wh_epoch + t;
    memset(out, 0, sizeof(*out));
    out->wv_up = st->wns_up != 0;
    out->wv_syspeer = -1;
    out->wv_npeers = st->wns_npeers;
    for (uint32_t i = 0; i < st->wns_npeers; i++) {
        view_peer(&st->wns_peers[i], t, &out->wv_peers[i]);
        char f = st->wns_peers[i].wnp_flash;
        if (out->wv_syspeer < 0 && (f == '*' || f == 'o'))
            out->wv_syspeer = (int)i;
    }
    out->wv_sect[0] = out->wv_nsys;
    view_iostats(st, up, out);
    out->wv_sect[1] = out->wv_nsys;
    view_kerninfo(st, out);
    out->wv_sect[2] = out->wv_nsys;
    view_monstats(st, up, out);
    out->wv_sect[3] = out->wv_nsys;
    view_sysinfo(st, wall, out);
    out->wv_sect[4] = out->wv_nsys;
    view_sysstats(st, up, out);
    out->wv_sect[5] = out->wv_nsys;
    if (out->wv_syspeer >= 0)
        view_readvar(st, wall, out);
}
