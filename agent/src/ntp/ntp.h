/*
 * ntp - the gz endpoint's ntp collector (reference 3.5): ntpd's peers,
 * system peer and system variables, read by running ntpq (`--ntpq PATH`,
 * the original's /usr/sbin/ntpq) at most once per TTL (64 s, the
 * original's; `--ntp-ttl`), never on a scrape's kstat path.
 *
 * A scrape calls ntp_refresh() before it takes a kstat reader: when the
 * last answer has expired, one scrape runs ntpq (each run bounded by
 * NTP_RUN_TIMEOUT_MS, then killed) while the others go on with the
 * previous answer; then ntp_collect() at ntp's place in the order adds the
 * meta block and the families of the answer held. Every failure (ntpq
 * missing, ntpd down, a timeout, output it cannot read) is one log line and
 * `ntp_metrics_available_boolean 0`, held for the TTL like an answer, as
 * the original does; the rest of the scrape is served.
 */
#ifndef CMON_AGENT_NTP_H
#define CMON_AGENT_NTP_H

#include <stdint.h>

#include "collector.h"
#include "famset.h"
#include "ntpq_parse.h"

#define NTP_NTPQ_DEFAULT "/usr/sbin/ntpq"
#define NTP_TTL_DEFAULT 64.0
#define NTP_RUN_TIMEOUT_MS 1000      /* per ntpq run; two runs per answer */
#define NTP_OUTPUT_MAX (1024 * 1024) /* bytes of ntpq output read */

typedef struct ntp_opts {
    const char *no_ntpq; /* --ntpq, NULL: NTP_NTPQ_DEFAULT */
    double no_ttl;       /* --ntp-ttl: seconds an answer is kept (0: one run per scrape) */
} ntp_opts_t;

typedef struct ntp ntp_t;

/* What ntp_refresh() did for one scrape, for ntp_collect()'s meta block. */
typedef struct ntp_turn {
    int nt_ran;     /* this scrape ran ntpq: the answer is fresh, not cached */
    uint64_t nt_ns; /* the time it spent */
} ntp_turn_t;

/* ntp_new() - the collector's state (no ntpq run yet). NULL with ENOMEM. */
ntp_t *ntp_new(const ntp_opts_t *o);

/* ntp_free() - frees it. NULL is fine. */
void ntp_free(ntp_t *n);

/*
 * ntp_refresh() - runs ntpq when the answer held has expired and no other
 * scrape is running it (a scrape that finds none at all waits for the one
 * being made); fills *turn. Never fails: a failure is an answer.
 */
void ntp_refresh(ntp_t *n, ntp_turn_t *turn);

/*
 * ntp_collect() - the meta block of collector "ntp", then the families of
 * the answer held, into fs (the same names in both name sets: the
 * original's). 0, or -1 when fs ran out of memory.
 */
int ntp_collect(ntp_t *n, const ntp_turn_t *turn, famset_t *fs);

/* ---- the families (ntp_families.c) ---------------------------------- */

/* One family of the original's tables. */
typedef enum {
    NTP_CONV_NONE,  /* the number as printed */
    NTP_CONV_MS,    /* milliseconds -> seconds (exact decimal) */
    NTP_CONV_US,    /* microseconds -> seconds (the original's, where ntpq prints them) */
    NTP_CONV_KIB,   /* KiB -> bytes (x 1024) */
    NTP_CONV_REACH, /* failed polls of the last 8 (zero bits of reach) */
    NTP_CONV_REFID, /* refid -> index in the original's list; 8 hex digits 0; else -1 */
    NTP_CONV_TYPE,  /* t -> index in u b l s A B M, else -1 */
    NTP_CONV_STATE, /* tally code -> invalid falseticker overflow pruned candidate backup syspeer
                       pps */
    NTP_CONV_MODE   /* system peer mode -> index in bclient ... unspec, else -1 */
} ntp_conv_t;

typedef struct ntp_family {
    const char *nf_key;  /* the original's key of the value */
    const char *nf_name; /* family name (the original's) */
    metric_type_t nf_type;
    int nf_enabled; /* 0: defined by the original but never served */
    ntp_conv_t nf_conv;
    const char *nf_help;
} ntp_family_t;

extern const ntp_family_t ntp_system_families[];
extern const size_t ntp_system_nfamilies;
extern const ntp_family_t ntp_syspeer_families[];
extern const size_t ntp_syspeer_nfamilies;
extern const ntp_family_t ntp_peer_families[];
extern const size_t ntp_peer_nfamilies;

/*
 * ntp_emit() - d's families into fs in the original's order: the system's,
 * the system peer's (when there is one), then the peers' (label remote,
 * ascending assid), each family's samples together (its defect D3 fixed).
 * Enabled keys ntpq did not print are left out; their names, comma
 * separated, go to missing (may be NULL). 0 or -1 (ENOMEM).
 */
int ntp_emit(const ntp_data_t *d, famset_t *fs, char *missing, size_t missinglen);

#endif
