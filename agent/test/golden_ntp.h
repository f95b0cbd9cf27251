/*
 * golden_ntp - the ntp collector's families as Triton's cmon-agent serves
 * them, written by hand from the reference (shared/specs/cmon-agent-compat.md
 * section 3.5: NTP_SYSTEM_METRICS, NTP_SYSPEER_METRICS, NTP_PEER_METRICS,
 * the enabled rows, in table order), never from our output; and, apart, the
 * HELP texts our fixes change (D8, D9), each with its reason.
 */
#ifndef CMON_AGENT_TEST_GOLDEN_NTP_H
#define CMON_AGENT_TEST_GOLDEN_NTP_H

#include "golden.h"

/* The 56 system families the original serves. */
extern const golden_family_t golden_ntp_system[];
extern const size_t golden_nntp_system;

/* The 18 system-peer families (served when there is a system peer). */
extern const golden_family_t golden_ntp_syspeer[];
extern const size_t golden_nntp_syspeer;

/* The 10 per-peer families, each sample labelled remote="<remote column>". */
extern const golden_family_t golden_ntp_peer[];
extern const size_t golden_nntp_peer;

/* A family whose HELP a fix of ours changes: the new text and the defect. */
typedef struct golden_ntp_change {
    const char *gc_name;
    const char *gc_help;
    const char *gc_defect;
} golden_ntp_change_t;

extern const golden_ntp_change_t golden_ntp_changes[];
extern const size_t golden_nntp_changes;

/*
 * golden_ntp_expected() - the families the agent must serve, in order,
 * into out (room for 84): system, then syspeer when with_syspeer, then the
 * peers', each with the reference's name and type and the HELP of ours
 * where golden_ntp_changes says so. Returns their number.
 */
size_t golden_ntp_expected(golden_family_t *out, int with_syspeer);

#endif
