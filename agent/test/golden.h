/*
 * golden - the families of Triton's cmon-agent, written by hand from the
 * compatibility reference (shared/specs/cmon-agent-compat.md, the tables of
 * sections 2.2, 2.6 and 2.7), never from our output: name, type and exact HELP,
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

/* Section 2.6: link, 4 families, and its label names in order. */
extern const golden_family_t golden_link[];
extern const size_t golden_nlink;
extern const char *const golden_link_labels[];
extern const size_t golden_nlink_labels;

/*
 * golden_check() - 0 when the families of text-format body whose names start
 * with prefix (the meta families <prefix>metrics_* aside) are exactly g[0..n)
 * in that order, each with its HELP and TYPE lines; else -1 with the first
 * difference in why.
 */
int golden_check(const char *body, const char *prefix, const golden_family_t *g, size_t n,
                 char *why, size_t len);

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

/*
 * golden_labels_check() - checks that every sample of family in text-format
 * body has as its label names the first k of labels[0..n), in that order,
 * with min <= k <= n (link: interface alone for a VNIC without a NIC in the
 * VM's record, all three otherwise). Returns the number of samples, or -1
 * with the first offender in why.
 */
int golden_labels_check(const char *body, const char *family, const char *const *labels, size_t n,
                        size_t min, char *why, size_t len);

#endif
