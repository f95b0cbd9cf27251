/*
 * golden - the families of Triton's cmon-agent, written by hand from the
 * compatibility reference (shared/specs/cmon-agent-compat.md, the tables of
 * sections 2.2 and 2.7), never from our output: name, type and exact HELP,
 * in the order the original serves them.
 */
#ifndef CMON_AGENT_TEST_GOLDEN_H
#define CMON_AGENT_TEST_GOLDEN_H

#include <stddef.h>

typedef struct golden_family {
    const char *gf_name;
    const char *gf_type; /* as on the TYPE line */
    const char *gf_help; /* exact HELP text */
} golden_family_t;

/* Section 2.2: cpucap, 10 families (a capped zone). */
extern const golden_family_t golden_cpucap[];
extern const size_t golden_ncpucap;

/* Section 2.7: zfs, 11 families. */
extern const golden_family_t golden_zfs[];
extern const size_t golden_nzfs;

/*
 * golden_check() - 0 when the families of text-format body whose names start
 * with prefix (the meta families <prefix>metrics_* aside) are exactly g[0..n)
 * in that order, each with its HELP and TYPE lines; else -1 with the first
 * difference in why.
 */
int golden_check(const char *body, const char *prefix, const golden_family_t *g, size_t n,
                 char *why, size_t len);

/* Sections 2.A.3 and 2.9: triton_core's three meta families (a core zone). */
extern const golden_family_t golden_triton_core_meta[];
extern const size_t golden_ntriton_core_meta;

/*
 * golden_has() - 0 when text-format body has each of g[0..n) in that order,
 * each as its HELP line, its TYPE line and one sample line right after;
 * else -1 with the first one missing in why.
 */
int golden_has(const char *body, const golden_family_t *g, size_t n, char *why, size_t len);

/*
 * Section 2.A.1: the collectors of each endpoint in the original's order.
 * "plugin" stands for every plugin_<name> block (all of them first); on the
 * gz endpoint the agent's own metrics follow the last collector.
 */
extern const char *const golden_order_vm[];
extern const size_t golden_norder_vm;
extern const char *const golden_order_gz[];
extern const size_t golden_norder_gz;

/*
 * golden_meta_check() - checks every meta block of text-format body
 * against sections 2.A.3 and 6.1: nine lines, available then cached then
 * timer, each "# HELP" with the original's exact text, "# TYPE ... gauge"
 * and one sample (0 or 1 for the booleans); and that the blocks' collectors
 * follow order[0..n) (the names present, in that order, plugin blocks
 * first), any other collector only after them and only if listed in ours
 * (NULL-terminated, may be NULL). Returns the number of collectors seen
 * (plugins count once each), or -1 with the first difference in why.
 */
int golden_meta_check(const char *body, const char *const *order, size_t n, const char *const *ours,
                      char *why, size_t len);

#endif
