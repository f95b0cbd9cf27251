/* golden_vm - the original's per-instance kstat families, from the reference (see golden_vm.h). */
#include "golden_vm.h"

#include <stdio.h>
#include <string.h>

/* Section 2.1, typed from the reference's table. */
const golden_family_t golden_zone_misc[] = {
    {"cpu_user_usage", "counter", "User CPU utilization in nanoseconds"},
    {"cpu_sys_usage", "counter", "System CPU usage in nanoseconds"},
    {"cpu_wait_time", "counter", "CPU wait time in nanoseconds"},
    {"load_average", "gauge", "Load average"},
};
const size_t golden_nzone_misc = sizeof(golden_zone_misc) / sizeof(golden_zone_misc[0]);

/* Section 2.3. */
const golden_family_t golden_memcap[] = {
    {"mem_agg_usage", "gauge", "Aggregate memory usage in bytes"},
    {"mem_anon_alloc_fail", "counter", "Anonymous allocation failure count"},
    {"mem_limit", "gauge", "Memory limit in bytes"},
    {"mem_swap", "gauge", "Swap in bytes"},
    {"mem_swap_limit", "gauge", "Swap limit in bytes"},
};
const size_t golden_nmemcap = sizeof(golden_memcap) / sizeof(golden_memcap[0]);

/* Section 2.4, the original's HELP of vfs_run_time_count included. */
const golden_family_t golden_zone_vfs[] = {
    {"vfs_bytes_read_count", "counter", "VFS number of bytes read"},
    {"vfs_bytes_written_count", "counter", "VFS number of bytes written"},
    {"vfs_read_operation_count", "counter", "VFS number of read operations"},
    {"vfs_write_operation_count", "counter", "VFS number of write operations"},
    {"vfs_wait_time_count", "counter", "VFS cumulative wait (pre-service) time"},
    {"vfs_wait_length_time_count", "counter", "VFS cumulative wait length*time product"},
    {"vfs_run_time_count", "counter", "VFS cumulative run (pre-service) time"},
    {"vfs_run_length_time_count", "counter", "VFS cumulative run length*time product"},
    {"vfs_elements_wait_state", "gauge", "VFS number of elements in wait state"},
    {"vfs_elements_run_state", "gauge", "VFS number of elements in run state"},
};
const size_t golden_nzone_vfs = sizeof(golden_zone_vfs) / sizeof(golden_zone_vfs[0]);

/* Section 2.5. */
const golden_family_t golden_tcp[] = {
    {"tcp_failed_connection_attempt_count", "counter", "Failed TCP connection attempts"},
    {"tcp_retransmitted_segment_count", "counter", "Retransmitted TCP segments"},
    {"tcp_duplicate_ack_count", "counter", "Duplicate TCP ACK count"},
    {"tcp_listen_drop_count", "counter",
     "TCP listen drops. Connection refused because backlog full"},
    {"tcp_listen_drop_Qzero_count", "counter",
     "Total # of connections refused due to half-open queue (q0) full"},
    {"tcp_half_open_drop_count", "counter", "TCP connection dropped from a full half-open queue"},
    {"tcp_retransmit_timeout_drop_count", "counter",
     "TCP connection dropped due to retransmit timeout"},
    {"tcp_active_open_count", "counter", "TCP active open connections"},
    {"tcp_passive_open_count", "counter", "TCP passive open connections"},
    {"tcp_current_established_connections_total", "gauge", "TCP total established connections"},
};
const size_t golden_ntcp = sizeof(golden_tcp) / sizeof(golden_tcp[0]);

/* Section 2.8, the original's type and HELP (its defect D4). */
const golden_family_t golden_time[] = {
    {"time_of_day", "counter", "System time in seconds since epoch"},
};
const size_t golden_ntime = sizeof(golden_time) / sizeof(golden_time[0]);

/* What our fixes change, with the defect (agent/README.md's table of fixes). */
const golden_vm_change_t golden_vm_changes[] = {
    {"vfs_run_time_count", NULL, "VFS cumulative run (service) time",
     "D2: rtime is the run (service) time, as illumos' kstat_io_t says; pre-service is wtime"},
    {"time_of_day", "gauge", "System time in milliseconds since epoch",
     "D4: a clock can be set back, so no counter; the value is in milliseconds"},
};
const size_t golden_nvm_changes = sizeof(golden_vm_changes) / sizeof(golden_vm_changes[0]);

/* 1 when name is one of NULL-terminated skip (may be NULL). */
static int
golden_vm_skipped(const char *const *skip, const char *name)
{
    for (size_t i = 0; skip != NULL && skip[i] != NULL; i++)
        if (strcmp(skip[i], name) == 0)
            return 1;
    return 0;
}

size_t
golden_vm_expected(const golden_family_t *g, size_t n, const char *const *skip,
                   golden_family_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (golden_vm_skipped(skip, g[i].gf_name))
            continue;
        out[k] = g[i];
        for (size_t c = 0; c < golden_nvm_changes; c++) {
            if (strcmp(golden_vm_changes[c].gc_name, g[i].gf_name) != 0)
                continue;
            if (golden_vm_changes[c].gc_type != NULL)
                out[k].gf_type = golden_vm_changes[c].gc_type;
            if (golden_vm_changes[c].gc_help != NULL)
                out[k].gf_help = golden_vm_changes[c].gc_help;
        }
        k++;
    }
    return k;
}

/* ---- the check of one collector's block -------------------------------- */

/* The length of line l, its newline excluded. */
static size_t
gv_len(const char *l)
{
    return strcspn(l, "\n");
}

/* The line after l ("" at the end of the body). */
static const char *
gv_next(const char *l)
{
    const char *e = l + gv_len(l);
    return *e == '\n' ? e + 1 : e;
}

/* 1 when line l is exactly want. */
static int
gv_line_is(const char *l, const char *want)
{
    return gv_len(l) == strlen(want) && strncmp(l, want, strlen(want)) == 0;
}

/* 1 when l ends the block: the end, "# EOF", or a metadata line of a meta block's first family. */
static int
gv_block_end(const char *l)
{
    static const char tail[] = "_metrics_available_boolean";
    size_t tl = sizeof(tail) - 1;
    if (*l == '\0' || gv_line_is(l, "# EOF"))
        return 1;
    if (strncmp(l, "# HELP ", 7) != 0 && strncmp(l, "# TYPE ", 7) != 0)
        return 0;
    size_t k = strcspn(l + 7, " \n");
    return k > tl && strncmp(l + 7 + k - tl, tail, tl) == 0;
}

/* The first line of p's block (after its timer sample), or NULL. */
static const char *
gv_block(const char *body, const char *p)
{
    char want[160];
    snprintf(want, sizeof(want), "%s_metrics_timer_seconds ", p);
    for (const char *l = body; *l != '\0'; l = gv_next(l))
        if (strncmp(l, want, strlen(want)) == 0)
            return gv_next(l);
    return NULL;
}

/* help escaped as fmt escapes HELP text (text: \ and newline; OpenMetrics: also "). */
static void
gv_escape(const char *help, golden_format_t fmt, char *out, size_t len)
{
    size_t o = 0;
    for (const char *s = help; *s != '\0' && o + 3 < len; s++) {
        if (*s == '\\' || *s == '\n' || (*s == '"' && fmt == GOLDEN_OPENMETRICS))
            out[o++] = '\\';
        out[o++] = *s == '\n' ? 'n' : *s;
    }
    out[o] = '\0';
}

/* Past an OpenMetrics UNIT line of family decl at *lp, if there is one and
 * its unit is the name's suffix. 0, or -1 with why. */
static int
gv_unit(const char **lp, const char *decl, char *why, size_t len)
{
    char head[160];
    snprintf(head, sizeof(head), "# UNIT %s ", decl);
    if (strncmp(*lp, head, strlen(head)) != 0)
        return 0;
    const char *u = *lp + strlen(head);
    size_t ul = gv_len(u), dl = strlen(decl);
    if (ul == 0 || dl <= ul + 1 || decl[dl - ul - 1] != '_' ||
        strncmp(decl + dl - ul, u, ul) != 0) {
        snprintf(why, len, "%s: a UNIT that is not its name's suffix: '%.*s'", decl,
                 (int)gv_len(*lp), *lp);
        return -1;
    }
    *lp = gv_next(*lp);
    return 0;
}

/* Past the metadata lines of f at *lp, as fmt writes them; decl gets the declared name. */
static int
gv_meta(const char **lp, golden_format_t fmt, const golden_family_t *f, char *decl, size_t dlen,
        char *why, size_t len)
{
    size_t nl = strlen(f->gf_name);
    int counter = strcmp(f->gf_type, "counter") == 0;
    if (fmt == GOLDEN_OPENMETRICS && counter && nl > 6 &&
        strcmp(f->gf_name + nl - 6, "_total") == 0)
        nl -= 6; /* an OpenMetrics counter is declared without _total */
    snprintf(decl, dlen, "%.*s", (int)nl, f->gf_name);
    char esc[1024], help[1200], type[256];
    gv_escape(f->gf_help, fmt, esc, sizeof(esc));
    snprintf(help, sizeof(help), "# HELP %s %s", decl, esc);
    snprintf(type, sizeof(type), "# TYPE %s %s", decl, f->gf_type);
    const char *order[2] = {help, type};
    if (fmt == GOLDEN_OPENMETRICS) { /* TYPE, UNIT, HELP */
        order[0] = type;
        order[1] = help;
    }
    for (int i = 0; i < 2; i++) {
        if (!gv_line_is(*lp, order[i])) {
            snprintf(why, len, "%s: want '%s', got '%.*s'", f->gf_name, order[i], (int)gv_len(*lp),
                     *lp);
            return -1;
        }
        *lp = gv_next(*lp);
        if (i == 0 && fmt == GOLDEN_OPENMETRICS && gv_unit(lp, decl, why, len) != 0)
            return -1;
    }
    return 0;
}

/* Past the samples of f at *lp (declared decl): one or more, unlabelled. */
static int
gv_samples(const char **lp, golden_format_t fmt, const golden_family_t *f, const char *decl,
           char *why, size_t len)
{
    char name[176]; /* decl (160) and "_total" */
    int counter = strcmp(f->gf_type, "counter") == 0;
    snprintf(name, sizeof(name), "%s%s", decl,
             fmt == GOLDEN_OPENMETRICS && counter ? "_total" : "");
    size_t n = strlen(name);
    int samples = 0;
    for (; strncmp(*lp, name, n) == 0 && ((*lp)[n] == ' ' || (*lp)[n] == '{'); *lp = gv_next(*lp)) {
        if ((*lp)[n] == '{') {
            snprintf(why, len, "%s: labels, the original has none: '%.*s'", f->gf_name,
                     (int)gv_len(*lp), *lp);
            return -1;
        }
        samples++;
    }
    if (samples == 0) {
        snprintf(why, len, "%s: no sample '%s' right after its metadata (got '%.*s')", f->gf_name,
                 name, (int)gv_len(*lp), *lp);
        return -1;
    }
    return 0;
}

int
golden_vm_check(const char *body, golden_format_t fmt, const char *p, const golden_family_t *g,
                size_t n, char *why, size_t len)
{
    const char *l = gv_block(body, p);
    if (l == NULL) {
        snprintf(why, len, "no meta block of %s", p);
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        char decl[160];
        if (gv_block_end(l)) {
            snprintf(why, len, "%s: %zu families, the original has %zu (next: %s)", p, k, n,
                     g[k].gf_name);
            return -1;
        }
        if (gv_meta(&l, fmt, &g[k], decl, sizeof(decl), why, len) != 0 ||
            gv_samples(&l, fmt, &g[k], decl, why, len) != 0)
            return -1;
    }
    if (!gv_block_end(l)) {
        snprintf(why, len, "%s: a line beyond the original's %zu families: '%.*s'", p, n,
                 (int)gv_len(l), l);
        return -1;
    }
    why[0] = '\0';
    return 0;
}
