/*
 * golden_vm - the families of the original's per-instance kstat collectors
 * zone_misc, memcap, zone_vfs, tcp and time, written by hand from the
 * compatibility reference (shared/specs/cmon-agent-compat.md, the tables of
 * sections 2.1, 2.3, 2.4, 2.5 and 2.8), never from our output: name, type
 * and exact HELP in the order the original serves them. None of them has a
 * label. Apart, the families a fix of ours changes (D2, D4), each with the
 * defect; and a check of one collector's block of a live answer in either
 * exposition format.
 */
#ifndef CMON_AGENT_TEST_GOLDEN_VM_H
#define CMON_AGENT_TEST_GOLDEN_VM_H

#include <stddef.h>

#include "golden.h"

/* Section 2.1: zone_misc, 4 families. */
extern const golden_family_t golden_zone_misc[];
extern const size_t golden_nzone_misc;

/* Section 2.3: memcap, 5 families (a zone with memory and swap caps). */
extern const golden_family_t golden_memcap[];
extern const size_t golden_nmemcap;

/* Section 2.4: zone_vfs, 10 families. */
extern const golden_family_t golden_zone_vfs[];
extern const size_t golden_nzone_vfs;

/* Section 2.5: tcp, 10 families. */
extern const golden_family_t golden_tcp[];
extern const size_t golden_ntcp;

/* Section 2.8: time, 1 family. */
extern const golden_family_t golden_time[];
extern const size_t golden_ntime;

/* A family whose type or HELP a fix of ours changes (NULL: the original's). */
typedef struct golden_vm_change {
    const char *gc_name;
    const char *gc_type;
    const char *gc_help;
    const char *gc_defect; /* the reference's section 5 id and why */
} golden_vm_change_t;

extern const golden_vm_change_t golden_vm_changes[];
extern const size_t golden_nvm_changes;

/*
 * golden_vm_expected() - g[0..n) into out (room for n) with the changes of
 * golden_vm_changes applied, leaving out the families named in skip
 * (NULL-terminated, may be NULL: e.g. mem_limit for a zone without a memory
 * cap, defect D5). Returns the number written.
 */
size_t golden_vm_expected(const golden_family_t *g, size_t n, const char *const *skip,
                          golden_family_t *out);

/* The two exposition formats the agent writes. */
typedef enum { GOLDEN_TEXT, GOLDEN_OPENMETRICS } golden_format_t;

/*
 * golden_vm_check() - 0 when the block of collector p in body (the lines
 * after p's nine-line meta block up to the next collector's meta block, "#
 * EOF" or the end) is exactly the families g[0..n), in that order, each
 * declared as fmt declares it (text: HELP then TYPE; OpenMetrics: TYPE,
 * UNIT when the name ends in a base unit, then HELP, the name of a counter
 * without "_total" and its samples with it; HELP escaped as fmt escapes
 * it) and followed at once by its samples (one group, at least one), each
 * without labels. Else -1 with the first difference in why (also when p has
 * no meta block).
 */
int golden_vm_check(const char *body, golden_format_t fmt, const char *p, const golden_family_t *g,
                    size_t n, char *why, size_t len);

#endif
