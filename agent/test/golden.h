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

/* Section 3.1: cpu_util, 4 families, label cpu_id. */
extern const golden_family_t golden_cpu_util[];
extern const size_t golden_ncpu_util;

/* Section 3.2: cpu_info, 1 family, no label. */
extern const golden_family_t golden_cpu_info[];
extern const size_t golden_ncpu_info;

/* Section 2.6: link, 4 families, and its label names in order. */
extern const golden_family_t golden_link[];
extern const size_t golden_nlink;
extern const char *const golden_link_labels[];
extern const size_t golden_nlink_labels;

/*
 * Section 3.3: arcstats, the 81 map entries (79 and 80 optional: a platform
 * has one of them), no label, with the original's types and HELP.
 */
extern const golden_family_t golden_arcstats[];
extern const size_t golden_narcstats;

/*
 * Section 3.4: zpool, 2 metaslab families (labels pool,vdev_guid) then 4 pool
 * families (label pool).
 */
extern const golden_family_t golden_zpool[];
extern const size_t golden_nzpool;

/*
 * Label names of every sample of each family of the tables above, in order,
 * comma-separated ("" none), one string per family (sections 3.1-3.4, 6.2).
 */
extern const char *const golden_cpu_util_labels[], *const golden_cpu_info_labels[];
extern const char *const golden_zpool_labels[];

/*
 * golden_check_labels() - 0 when every sample of the families g[0..n) in
 * text-format body carries exactly the label names labels[i], in that order
 * (labels NULL: none for all), and each family's samples form one group
 * (section 5, D3); else -1 with the first difference in why.
 */
int golden_check_labels(const char *body, const golden_family_t *g, const char *const *labels,
                        size_t n, char *why, size_t len);

/*
 * golden_section() - a malloc'd copy of the data of collector p in
 * text-format body: the lines after its nine-line meta block up to the next
 * meta block or the end. NULL when p has no meta block (or no memory).
 */
char *golden_section(const char *body, const char *p);

/*
 * golden_check() - 0 when the families of text-format body whose names start
 * with prefix (the meta families <prefix>metrics_* aside) are exactly g[0..n)
 * in that order, each with its HELP and TYPE lines, its samples right after
 * them (one group); else -1 with the first difference in why.
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

/*
 * Section 3.7: the agent's own families on /v1/gz/metrics, in registration
 * order: name, type (as the original declares it) and the label names of
 * its samples in order, comma-separated (histogram buckets add "le").
 */
typedef struct golden_own {
    const char *go_name;
    const char *go_type;
    const char *go_labels;
} golden_own_t;
extern const golden_own_t golden_own[];
extern const size_t golden_nown;

/*
 * golden_own_check() - 0 when text-format body serves every family of
 * golden_own in that order with the series names the original's text is
 * stored under: a counter or gauge as name{labels}; a histogram as
 * name{labels,le="..."} (its buckets without "_bucket", a "+Inf" one among
 * them), name_count{labels} and name_sum{labels}; every sample with exactly
 * those labels in that order and service="cmon-agent", instance="0". A
 * family without samples yet (http_* before the first answer) is skipped
 * when allow_empty. Else -1 with the first difference in why.
 */
int golden_own_check(const char *body, int allow_empty, char *why, size_t len);

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
