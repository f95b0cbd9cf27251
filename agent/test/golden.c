/* golden - the original's families, from the reference (see golden.h). */
#include "golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const golden_family_t golden_cpucap[] = {
    {"cpucap_above_base_seconds_total", "counter",
     "Time (in seconds) a zone has spent over the baseline"},
    {"cpucap_above_seconds_total", "counter",
     "Time (in seconds) a zone has spent over its cpu_cap"},
    {"cpucap_baseline_percentage", "gauge",
     "The \"normal\" CPU utilization expected for a zone with this cpu_cap (percentage of a "
     "single CPU)"},
    {"cpucap_below_seconds_total", "counter",
     "Time (in seconds) a zone has spent under its cpu_cap"},
    {"cpucap_burst_limit_seconds", "gauge",
     "The limit on the number of seconds a zone can burst over its cpu_cap before the effective "
     "cap is lowered to the baseline"},
    {"cpucap_effective_percentage", "gauge",
     "Shows which cap is being used, the baseline value or the burst value"},
    {"cpucap_max_usage_percentage", "gauge",
     "The highest CPU utilization the zone has seen since booting (percentage of a single CPU)"},
    {"cpucap_waiting_threads_count", "gauge",
     "The number of threads put on the wait queue due to the zone being over its cap"},
    {"cpucap_cur_usage_percentage", "gauge",
     "Current CPU utilization of the zone (percentage of a single CPU)"},
    {"cpucap_limit_percentage", "gauge", "The cpu_cap limit (percentage of a single CPU)"},
};
const size_t golden_ncpucap = sizeof(golden_cpucap) / sizeof(golden_cpucap[0]);

const golden_family_t golden_zfs[] = {
    {"zfs_available", "gauge", "zfs space available in bytes"},
    {"zfs_used", "gauge", "zfs space used in bytes"},
    {"zfs_logicalused", "gauge", "zfs space logically used in bytes"},
    {"zfs_recordsize", "gauge", "suggested zfs data block size in bytes"},
    {"zfs_quota", "gauge", "zfs dataset quota in bytes"},
    {"zfs_compressratio", "gauge", "zfs compression ratio achieved for the used property"},
    {"zfs_refcompressratio", "gauge", "zfs compression ratio achieved for the referenced property"},
    {"zfs_referenced", "gauge", "zfs data accessible by dataset in bytes"},
    {"zfs_logicalreferenced", "gauge", "zfs data logically accessible by dataset in bytes"},
    {"zfs_usedbydataset", "gauge", "zfs data used by the dataset itself in bytes"},
    {"zfs_usedbysnapshots", "gauge", "zfs data used by snapshots in bytes"},
};
const size_t golden_nzfs = sizeof(golden_zfs) / sizeof(golden_zfs[0]);

/* Section 2.6, in its table's order (#1-#4). */
const golden_family_t golden_link[] = {
    {"net_agg_packets_in", "counter", "Aggregate inbound packets"},
    {"net_agg_bytes_out", "counter", "Aggregate outbound bytes"},
    {"net_agg_packets_out", "counter", "Aggregate outbound packets"},
    {"net_agg_bytes_in", "counter", "Aggregate inbound bytes"},
};
const size_t golden_nlink = sizeof(golden_link) / sizeof(golden_link[0]);

/* Section 2.6 and 6.2: link's labels, in this order. */
const char *const golden_link_labels[] = {"interface", "nic_tag", "network_uuid"};
const size_t golden_nlink_labels = 3;

/* The line after l, or NULL at the end. */
static const char *
golden_next(const char *l)
{
    const char *nl = strchr(l, '\n');
    return nl != NULL && nl[1] != '\0' ? nl + 1 : NULL;
}

/* 1 when line l is exactly want (up to its newline). */
static int
golden_line_is(const char *l, const char *want)
{
    size_t n = strlen(want);
    return l != NULL && strncmp(l, want, n) == 0 && (l[n] == '\n' || l[n] == '\0');
}

int
golden_check(const char *body, const char *prefix, const golden_family_t *g, size_t n, char *why,
             size_t len)
{
    char meta[128], want[1024];
    size_t k = 0, plen = strlen(prefix);
    snprintf(meta, sizeof(meta), "# HELP %smetrics_", prefix);
    for (const char *l = body; l != NULL && *l != '\0'; l = golden_next(l)) {
        if (strncmp(l, "# HELP ", 7) != 0 || strncmp(l + 7, prefix, plen) != 0 ||
            strncmp(l, meta, strlen(meta)) == 0)
            continue;
        if (k == n) {
            snprintf(why, len, "family beyond the %zu of the original: %.*s", n,
                     (int)strcspn(l, "\n"), l);
            return -1;
        }
        snprintf(want, sizeof(want), "# HELP %s %s", g[k].gf_name, g[k].gf_help);
        if (!golden_line_is(l, want)) {
            snprintf(why, len, "family %zu: got '%.*s', want '%s'", k + 1, (int)strcspn(l, "\n"), l,
                     want);
            return -1;
        }
        snprintf(want, sizeof(want), "# TYPE %s %s", g[k].gf_name, g[k].gf_type);
        if (!golden_line_is(golden_next(l), want)) {
            snprintf(why, len, "family %zu: no '%s' after its HELP", k + 1, want);
            return -1;
        }
        k++;
    }
    if (k != n) {
        snprintf(why, len, "%zu families, the original has %zu (next: %s)", k, n, g[k].gf_name);
        return -1;
    }
    why[0] = '\0';
    return 0;
}

/* Section 2.A.1, typed from the reference's table. */
const char *const golden_order_vm[] = {"plugin", "time",        "cpucap", "link",      "memcap",
                                       "tcp",    "triton_core", "zfs",    "zone_misc", "zone_vfs"};
const size_t golden_norder_vm = sizeof(golden_order_vm) / sizeof(golden_order_vm[0]);
const char *const golden_order_gz[] = {"plugin",   "time", "arcstats", "cpu_info",
                                       "cpu_util", "ntp",  "zpool"};
const size_t golden_norder_gz = sizeof(golden_order_gz) / sizeof(golden_order_gz[0]);

/*
 * Checks the nine lines of p's meta block from l (its first HELP line),
 * section 2.A.3's template. 0, or -1 with why.
 */
static int
golden_block(const char *l, const char *p, char *why, size_t len)
{
    static const char *const suffix[3] = {"available_boolean", "cached_boolean", "timer_seconds"};
    char help[3][256];
    snprintf(help[0], sizeof(help[0]), "Whether %s metrics were available, 0 = false, 1 = true", p);
    snprintf(help[1], sizeof(help[1]), "Whether %s metrics came from cache, 0 = false, 1 = true",
             p);
    snprintf(help[2], sizeof(help[2]), "How long it took to gather the %s metrics", p);
    char want[512];
    for (int i = 0; i < 3; i++) {
        const char *lines[3];
        lines[0] = l;
        lines[1] = lines[0] ? golden_next(lines[0]) : NULL;
        lines[2] = lines[1] ? golden_next(lines[1]) : NULL;
        snprintf(want, sizeof(want), "# HELP %s_metrics_%s %s", p, suffix[i], help[i]);
        if (!golden_line_is(lines[0], want))
            goto bad;
        snprintf(want, sizeof(want), "# TYPE %s_metrics_%s gauge", p, suffix[i]);
        if (!golden_line_is(lines[1], want))
            goto bad;
        snprintf(want, sizeof(want), "%s_metrics_%s ", p, suffix[i]);
        if (lines[2] == NULL || strncmp(lines[2], want, strlen(want)) != 0)
            goto bad;
        const char *v = lines[2] + strlen(want);
        char *end;
        double d = strtod(v, &end);
        if (end == v || (*end != '\n' && *end != '\0') || (i < 2 && d != 0 && d != 1)) {
            snprintf(want, sizeof(want), "%s_metrics_%s <%s>", p, suffix[i], i < 2 ? "0|1" : "s");
            l = lines[2];
            goto bad;
        }
        l = golden_next(lines[2]);
        continue;
    bad:
        snprintf(why, len, "%s's meta block: want '%s', got '%.*s'", p, want,
                 l ? (int)strcspn(l, "\n") : 6, l ? l : "(none)");
        return -1;
    }
    return 0;
}

/* The index of p in order[0..n), or -1. */
static long
golden_index(const char *const *order, size_t n, const char *p)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(order[i], p) == 0)
            return (long)i;
    return -1;
}

/* 1 when p is in NULL-terminated ours. */
static int
golden_ours(const char *const *ours, const char *p)
{
    for (size_t i = 0; ours != NULL && ours[i] != NULL; i++)
        if (strcmp(ours[i], p) == 0)
            return 1;
    return 0;
}

int
golden_meta_check(const char *body, const char *const *order, size_t n, const char *const *ours,
                  char *why, size_t len)
{
    static const char tail[] = "_metrics_available_boolean ";
    long last = -1, seen = 0;
    int in_ours = 0;
    for (const char *l = body; l != NULL && *l != '\0'; l = golden_next(l)) {
        const char *end = strstr(l, tail);
        size_t ll = strcspn(l, "\n");
        if (strncmp(l, "# HELP ", 7) != 0 || end == NULL || end > l + ll)
            continue;
        char p[128];
        snprintf(p, sizeof(p), "%.*s", (int)(end - (l + 7)), l + 7);
        if (golden_block(l, p, why, len) != 0)
            return -1;
        long j = strncmp(p, "plugin_", 7) == 0 ? golden_index(order, n, "plugin")
                                               : golden_index(order, n, p);
        if (j < 0 && !golden_ours(ours, p)) {
            snprintf(why, len, "collector %s is not one of the original's", p);
            return -1;
        }
        if (j < 0) {
            in_ours = 1;
        } else if (in_ours || j < last || (j == last && strcmp(order[j], "plugin") != 0)) {
            snprintf(why, len, "collector %s out of the original's order (after %s)", p,
                     in_ours ? "one of ours" : order[last]);
            return -1;
        } else {
            last = j;
        }
        seen++;
    }
    why[0] = '\0';
    return (int)seen;
}

/* The label names of sample line l, in order, into names (at most max); their count. */
static size_t
golden_label_names(const char *l, char names[][64], size_t max)
{
    const char *p = strchr(l, '{'), *end = strchr(l, '\n');
    size_t n = 0;
    if (p == NULL || (end != NULL && p > end))
        return 0;
    while (*p == '{' || *p == ',') {
        size_t k = strcspn(++p, "=");
        if (n < max)
            snprintf(names[n], 64, "%.*s", (int)k, p);
        n++;
        p += k + 1;
        if (*p++ != '"')
            break;
        while (*p != '\0' && *p != '"')
            p += *p == '\\' && p[1] != '\0' ? 2 : 1; /* escaped quote or backslash */
        if (*p == '"')
            p++;
    }
    return n;
}

int
golden_labels_check(const char *body, const char *family, const char *const *labels, size_t n,
                    size_t min, char *why, size_t len)
{
    size_t flen = strlen(family);
    int samples = 0;
    for (const char *l = body; l != NULL && *l != '\0'; l = golden_next(l)) {
        if (strncmp(l, family, flen) != 0 || (l[flen] != '{' && l[flen] != ' '))
            continue;
        char names[8][64];
        size_t got = golden_label_names(l, names, 8);
        int ok = got >= min && got <= n;
        for (size_t i = 0; ok && i < got; i++)
            ok = strcmp(names[i], labels[i]) == 0;
        if (!ok) {
            snprintf(why, len, "sample '%.*s': labels not a prefix of the original's (%zu+)",
                     (int)strcspn(l, "\n"), l, min);
            return -1;
        }
        samples++;
    }
    why[0] = '\0';
    return samples;
}
