/*
 * world_ntp.h - the NTP side of the simulated compute node: whether ntpd
 * runs, its peers (the system peer among them) and its system variables,
 * as the fake ntpq (sim/ntpq) prints them.
 *
 * The state is kept in a small file next to the world (<world path>.ntp)
 * that the writer replaces atomically (write + rename), so a reader sees
 * the old or the new state, never a torn one. When there is no such file
 * the node runs ntpd with three peers drawn from the seed, one of them the
 * system peer. What ntpq prints is a function of the state and of virtual
 * time (world_ntp_view): offsets swing around their base by up to the
 * peer's jitter, `when` counts up to the poll interval, ntpd's counters
 * grow with its uptime. The fake ntpq and the tests compute the same view
 * with the same code (the truth).
 *
 * A state can also ask ntpq to print something malformed (wns_garble): each
 * thing Triton's cmon-agent aborted on (its defect D7), so that the agent's
 * answer to it can be tested.
 *
 * Errors: 0 on success, -1 with errno set on failure.
 */
#ifndef CMON_WORLD_NTP_H
#define CMON_WORLD_NTP_H

#include <stddef.h>
#include <stdint.h>

#include "world.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WORLD_NTP_SUFFIX ".ntp"
#define WORLD_NTP_PEERS_MAX 8
#define WORLD_NTP_REMOTE_MAX 40 /* an IPv6 address and its NUL */
#define WORLD_NTP_REFID_MAX 16
#define WORLD_NTP_VARS_MAX 64
#define WORLD_NTP_TEXT_MAX 64

/* What ntpq prints wrong (the D7 list of the reference, and a few more). */
typedef enum world_ntp_garble {
    WORLD_NTP_GARBLE_NONE = 0,
    WORLD_NTP_GARBLE_HEADER,         /* apeers: a header line of another ntpq */
    WORLD_NTP_GARBLE_PEER_COLUMN,    /* apeers: the first peer's poll column is "abc" */
    WORLD_NTP_GARBLE_UNKNOWN_KEY,    /* sysinfo: a "key: value" line no ntpq prints */
    WORLD_NTP_GARBLE_BAD_LINE,       /* a line that is neither key: value nor readvar */
    WORLD_NTP_GARBLE_REPEATED_KEY,   /* sysinfo: "stratum:" twice */
    WORLD_NTP_GARBLE_READVAR_ASSID,  /* readvar answers for another association */
    WORLD_NTP_GARBLE_TIMESTAMP,      /* reference time not hex ("g…") */
    WORLD_NTP_GARBLE_TIMESTAMP_CASE, /* reference time in upper-case hex */
    WORLD_NTP_GARBLE_LEAP,           /* leap indicator 101 (not 0..3) */
    WORLD_NTP_GARBLE_MISSING_KEY,    /* kerninfo without "pps stability" (another ntpq) */
    WORLD_NTP_GARBLE_STDERR,         /* a warning on stderr, output as usual */
    WORLD_NTP_GARBLE_HANG,           /* ntpq never answers */
    WORLD_NTP_GARBLE_FLOOD,          /* apeers: 4 MiB of peer lines */
    WORLD_NTP_GARBLE_COUNT
} world_ntp_garble_t;

/* One association, as `ntpq -n -c apeers` shows it (offsets at their base). */
typedef struct world_ntp_peer {
    char wnp_remote[WORLD_NTP_REMOTE_MAX]; /* the address (-n) */
    char wnp_refid[WORLD_NTP_REFID_MAX];   /* an address, or .GPS., .INIT., ... */
    uint32_t wnp_assid;
    uint32_t wnp_stratum; /* 0..16 */
    char wnp_type;        /* u b l s A B M p */
    char wnp_flash;       /* tally: ' ' x . - + # * o ('*': the system peer) */
    uint16_t wnp_pad;
    int32_t wnp_when;   /* seconds since the last packet at virtual 0; < 0: never ("-") */
    uint32_t wnp_poll;  /* seconds (a power of two) */
    uint32_t wnp_reach; /* 0..255, printed in octal */
    uint32_t wnp_pad2;
    double wnp_delay_ms;  /* round trip */
    double wnp_offset_ms; /* base offset */
    double wnp_jitter_ms; /* also the amplitude the offset swings with */
} world_ntp_peer_t;

/* The whole NTP state of a node, as stored (a plain value: copy freely). */
typedef struct world_ntp_state {
    uint32_t wns_up;     /* 0: ntpd is not running (ntpq: Connection refused) */
    uint32_t wns_garble; /* world_ntp_garble_t */
    uint32_t wns_npeers;
    uint32_t wns_leap; /* 0..3 */
    world_ntp_peer_t wns_peers[WORLD_NTP_PEERS_MAX];
    int32_t wns_precision; /* log2 seconds (-23: 119 ns) */
    uint32_t wns_pad;
    double wns_root_delay_ms; /* to the primary reference (the syspeer's plus its delay) */
    double wns_root_disp_ms;
    double wns_sys_jitter_ms;
    double wns_clk_jitter_ms;
    double wns_clk_wander_ppm;
    double wns_frequency_ppm; /* kerninfo pll frequency */
    uint64_t wns_uptime_s;    /* ntpd's uptime at virtual 0 */
} world_ntp_state_t;

/* One value ntpq prints: its label ("time since reset", "offset") and text. */
typedef struct world_ntp_var {
    const char *wnv_key;               /* as ntpq names it (static) */
    char wnv_text[WORLD_NTP_TEXT_MAX]; /* as ntpq prints it */
} world_ntp_var_t;

/* A peer now: the stored peer with its offset and `when` of this moment. */
typedef struct world_ntp_peer_now {
    world_ntp_peer_t wpn_peer;
    char wpn_when[24]; /* as ntpq prints it: "-", "12", "17m", "3h", "2d" */
} world_ntp_peer_now_t;

/*
 * What ntpq prints at one virtual time. System variables in the order of
 * ntpq's iostats, kerninfo, monstats, sysinfo, sysstats; the system peer's
 * in the order of `readvar <assid>`.
 */
typedef struct world_ntp_view {
    int wv_up;
    int wv_syspeer; /* index in wv_peers of the first '*' (or 'o') peer, -1: none */
    uint32_t wv_npeers;
    world_ntp_peer_now_t wv_peers[WORLD_NTP_PEERS_MAX];
    size_t wv_nsys, wv_nsp;
    /* wv_sys[wv_sect[i] .. wv_sect[i + 1]) is what command i prints: iostats,
       kerninfo, monstats, sysinfo, sysstats */
    size_t wv_sect[6];
    world_ntp_var_t wv_sys[WORLD_NTP_VARS_MAX];
    world_ntp_var_t wv_sp[WORLD_NTP_VARS_MAX];
} world_ntp_view_t;

/* ---- state (writer and readers) --------------------------------------- */

/* world_ntp_state_default() - ntpd up, three peers from the seed, the first the system peer. */
void world_ntp_state_default(const world_t *w, world_ntp_state_t *st);

/*
 * world_ntp_state_read() - the state of world w: the stored one, or the
 * default when none was stored. -1 with errno EINVAL for a state file that
 * is not one.
 */
int world_ntp_state_read(const world_t *w, world_ntp_state_t *st);

/*
 * world_ntp_state_write() - stores st for world w (atomically). -1 with
 * errno EINVAL (too many peers, a peer without a remote, a bad garble or
 * leap) or the errno of the write.
 */
int world_ntp_state_write(const world_t *w, const world_ntp_state_t *st);

/* world_ntp_remove() - removes the stored state (back to the default). ENOENT ok. */
int world_ntp_remove(const world_t *w);

/* world_ntp_garble_name() / _by_name() - "leap", "hang", ...; -1 for a name that is none. */
const char *world_ntp_garble_name(world_ntp_garble_t g);
int world_ntp_garble_by_name(const char *name);

/* ---- truth and ntpq's text -------------------------------------------- */

/* world_ntp_view() - what ntpq prints for st at virtual time now_ns (garbles not applied). */
void world_ntp_view(const world_t *w, const world_ntp_state_t *st, uint64_t now_ns,
                    world_ntp_view_t *out);

/*
 * world_ntp_print() - appends to out (malloc'd, *out NULL or a previous
 * result; *len its length) what ntpq 4.2.8 prints on stdout for one -c
 * command of view v under st's garble: "apeers", "iostats", "kerninfo",
 * "monstats", "sysinfo", "sysstats" or "readvar <assid>". -1 with errno
 * EINVAL for a command ntpq would not know, ENOENT for readvar of an
 * association that is none (ntpq prints "***Server reports a bad
 * association id"), ENOMEM.
 */
int world_ntp_print(const world_ntp_state_t *st, const world_ntp_view_t *v, const char *command,
                    char **out, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* CMON_WORLD_NTP_H */
