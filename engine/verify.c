/*
 * verify.c - the metric table of DESIGN.md ("The agent") as data, and the
 * per-zone history of truth records (see verify.h for why).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "verify.h"

#define NS 1e-9
#define PCT 0.01

const struct scn_verify_row scn_verify_zone_rows[] = {
    {"zone_misc", "zones", "nsec_user", "cpu_user_usage", "cpu_user_seconds_total", 1, NS, 0},
    {"zone_misc", "zones", "nsec_sys", "cpu_sys_usage", "cpu_system_seconds_total", 1, NS, 0},
    {"zone_misc", "zones", "nsec_waitrq", "cpu_wait_time", "cpu_wait_seconds_total", 1, NS, 0},
    {"zone_misc", "zones", "avenrun_1min", "load_average", "load_average_1m", 1.0 / 256, 1.0 / 256,
     0},
    {"memcap", "memory_cap", "rss", "mem_agg_usage", "mem_rss_bytes", 1, 1, 0},
    {"memcap", "memory_cap", "physcap", "mem_limit", "mem_limit_bytes", 1, 1, VERIFY_CAP_LIMIT},
    {"memcap", "memory_cap", "swap", "mem_swap", "mem_swap_bytes", 1, 1, 0},
    {"memcap", "memory_cap", "swapcap", "mem_swap_limit", "mem_swap_limit_bytes", 1, 1,
     VERIFY_CAP_LIMIT},
    {"memcap", "memory_cap", "anon_alloc_fail", "mem_anon_alloc_fail",
     "mem_anon_alloc_failures_total", 1, 1, 0},
    {"cpucap", "caps", "usage", "cpucap_cur_usage_percentage", "cpucap_usage_ratio", 1, PCT, 0},
    {"cpucap", "caps", "value", "cpucap_limit_percentage", "cpucap_limit_ratio", 1, PCT, 0},
    {"cpucap", "caps", "baseline", "cpucap_baseline_percentage", "cpucap_baseline_ratio", 1, PCT,
     0},
    {"cpucap", "caps", "maxusage", "cpucap_max_usage_percentage", "cpucap_max_usage_ratio", 1, PCT,
     0},
    {"cpucap", "caps", "nwait", "cpucap_waiting_threads_count", "cpucap_waiting_threads", 1, 1, 0},
    {"cpucap", "caps", "above_sec", "cpucap_above_seconds_total", "cpucap_above_seconds_total", 1,
     1, 0},
    {"cpucap", "caps", "below_sec", "cpucap_below_seconds_total", "cpucap_below_seconds_total", 1,
     1, 0},
    {"cpucap", "caps", "above_base_sec", "cpucap_above_base_seconds_total",
     "cpucap_above_base_seconds_total", 1, 1, 0},
    {"cpucap", "caps", "burst_limit_sec", "cpucap_burst_limit_seconds",
     "cpucap_burst_limit_seconds", 1, 1, 0},
    {"cpucap", "caps", "effective", "cpucap_effective_percentage", "cpucap_effective_ratio", 1, PCT,
     0},
    {"zone_vfs", "zone_vfs", "nread", "vfs_bytes_read_count", "vfs_read_bytes_total", 1, 1, 0},
    {"zone_vfs", "zone_vfs", "nwritten", "vfs_bytes_written_count", "vfs_written_bytes_total", 1, 1,
     0},
    {"zone_vfs", "zone_vfs", "reads", "vfs_read_operation_count", "vfs_reads_total", 1, 1, 0},
    {"zone_vfs", "zone_vfs", "writes", "vfs_write_operation_count", "vfs_writes_total", 1, 1, 0},
    {"zone_vfs", "zone_vfs", "wtime", "vfs_wait_time_count", "vfs_wait_seconds_total", 1, NS, 0},
    {"zone_vfs", "zone_vfs", "wlentime", "vfs_wait_length_time_count",
     "vfs_wait_length_seconds_total", 1, NS, 0},
    {"zone_vfs", "zone_vfs", "rtime", "vfs_run_time_count", "vfs_run_seconds_total", 1, NS, 0},
    {"zone_vfs", "zone_vfs", "rlentime", "vfs_run_length_time_count",
     "vfs_run_length_seconds_total", 1, NS, 0},
    {"zone_vfs", "zone_vfs", "wcnt", "vfs_elements_wait_state", "vfs_waiting_operations", 1, 1, 0},
    {"zone_vfs", "zone_vfs", "rcnt", "vfs_elements_run_state", "vfs_running_operations", 1, 1, 0},
    {"tcp", "tcp", "attemptFails", "tcp_failed_connection_attempt_count",
     "tcp_failed_connection_attempts_total", 1, 1, 0},
    {"tcp", "tcp", "retransSegs", "tcp_retransmitted_segment_count",
     "tcp_retransmitted_segments_total", 1, 1, 0},
    {"tcp", "tcp", "inDupAck", "tcp_duplicate_ack_count", "tcp_duplicate_acks_total", 1, 1, 0},
    {"tcp", "tcp", "listenDrop", "tcp_listen_drop_count", "tcp_listen_drops_total", 1, 1, 0},
    {"tcp", "tcp", "listenDropQ0", "tcp_listen_drop_Qzero_count", "tcp_listen_drops_q0_total", 1, 1,
     0},
    {"tcp", "tcp", "halfOpenDrop", "tcp_half_open_drop_count", "tcp_half_open_drops_total", 1, 1,
     0},
    {"tcp", "tcp", "timRetransDrop", "tcp_retransmit_timeout_drop_count",
     "tcp_retransmit_timeout_drops_total", 1, 1, 0},
    {"tcp", "tcp", "activeOpens", "tcp_active_open_count", "tcp_active_opens_total", 1, 1, 0},
    {"tcp", "tcp", "passiveOpens", "tcp_passive_open_count", "tcp_passive_opens_total", 1, 1, 0},
    {"tcp", "tcp", "currEstab", "tcp_current_established_connections_total",
     "tcp_established_connections", 1, 1, 0},
};
const unsigned scn_verify_nzone_rows =
    sizeof(scn_verify_zone_rows) / sizeof(scn_verify_zone_rows[0]);

const struct scn_verify_row scn_verify_link_rows[] = {
    {"link", "link", "rbytes64", "net_agg_bytes_in", "net_receive_bytes_total", 1, 1, 0},
    {"link", "link", "obytes64", "net_agg_bytes_out", "net_transmit_bytes_total", 1, 1, 0},
    {"link", "link", "ipackets64", "net_agg_packets_in", "net_receive_packets_total", 1, 1, 0},
    {"link", "link", "opackets64", "net_agg_packets_out", "net_transmit_packets_total", 1, 1, 0},
};
const unsigned scn_verify_nlink_rows = VERIFY_LINK_ROWS;

/* ---- history ------------------------------------------------------------ */

struct zone_ring {
    char zr_name[WORLD_NAME_MAX]; /* the zone the records are of (slots are reused) */
    int zr_n;                     /* records held, oldest first */
    struct scn_snap zr_snap[VERIFY_RING];
};

/* Rings of zones whose slot was taken by a new zone: answers about them may
 * still be verified (churn). The newest HISTORY_GONE are kept. */
#define HISTORY_GONE 256

struct scn_history {
    struct zone_ring **hi_zones; /* by zix, allocated on first record */
    size_t hi_cap;
    struct zone_ring *hi_gone[HISTORY_GONE];
    size_t hi_gone_next;
};

struct scn_history *
scn_history_new(void)
{
    return calloc(1, sizeof(struct scn_history));
}

void
scn_history_free(struct scn_history *h)
{
    if (h == NULL)
        return;
    for (size_t i = 0; i < h->hi_cap; i++)
        free(h->hi_zones[i]);
    for (size_t i = 0; i < HISTORY_GONE; i++)
        free(h->hi_gone[i]);
    free(h->hi_zones);
    free(h);
}

static uint64_t
history_u(const world_value_t *v)
{
    return v->wv_type == WORLD_V_INT ? (uint64_t)v->wv_i : v->wv_u;
}

/* The VNICs' link kstats. net0 comes through world_truth_zone (indexed by
 * zone); the others only through world_truth, which walks the whole chain as
 * kstat_lookup does, so zones with many NICs cost more to record. */
static void
history_fill_links(world_t *w, int zix, struct scn_snap *s)
{
    world_value_t v;
    for (uint32_t n = 0; n < s->sn_nics && n < WORLD_NICS_MAX; n++) {
        char name[32];
        snprintf(name, sizeof(name), "z%d_net%u", (int)s->sn_zoneid, n);
        for (unsigned j = 0; j < VERIFY_LINK_ROWS; j++) {
            const char *stat = scn_verify_link_rows[j].vr_stat;
            int rc = n == 0 ? world_truth_zone(w, zix, "link", stat, &v)
                            : world_truth(w, "link", 0, name, stat, &v);
            if (rc == 0) {
                s->sn_nic[n][j] = history_u(&v);
                s->sn_nic_have[n] |= (uint8_t)(1u << j);
            }
        }
    }
}

/* Fills s with zone zix's truth at the world's time now. */
static void
history_fill(world_t *w, int zix, const world_zone_info_t *info, struct scn_snap *s)
{
    memset(s, 0, sizeof(*s));
    s->sn_first = s->sn_last = world_time_now(w);
    s->sn_zoneid = info->wzi_state == WORLD_ZONE_RUNNING ? info->wzi_zoneid : -1;
    s->sn_nics = info->wzi_nics;
    if (s->sn_zoneid < 0)
        return;
    world_value_t v;
    for (unsigned i = 0; i < scn_verify_nzone_rows; i++)
        if (world_truth_zone(w, zix, scn_verify_zone_rows[i].vr_module,
                             scn_verify_zone_rows[i].vr_stat, &v) == 0) {
            s->sn_v[i] = history_u(&v);
            s->sn_have |= 1ull << i;
        }
    history_fill_links(w, zix, s);
}

static int
history_same(const struct scn_snap *a, const struct scn_snap *b)
{
    return a->sn_zoneid == b->sn_zoneid && a->sn_nics == b->sn_nics && a->sn_have == b->sn_have &&
           memcmp(a->sn_v, b->sn_v, sizeof(a->sn_v)) == 0 &&
           memcmp(a->sn_nic, b->sn_nic, sizeof(a->sn_nic)) == 0 &&
           memcmp(a->sn_nic_have, b->sn_nic_have, sizeof(a->sn_nic_have)) == 0;
}

static int
history_grow(struct scn_history *h, int zix)
{
    if ((size_t)zix < h->hi_cap)
        return 0;
    size_t cap = h->hi_cap ? h->hi_cap : 1024;
    while (cap <= (size_t)zix)
        cap *= 2;
    struct zone_ring **z = realloc(h->hi_zones, cap * sizeof(*z));
    if (z == NULL)
        return -1;
    memset(z + h->hi_cap, 0, (cap - h->hi_cap) * sizeof(*z));
    h->hi_zones = z;
    h->hi_cap = cap;
    return 0;
}

static struct zone_ring *
history_ring(struct scn_history *h, int zix, const char *name)
{
    if (history_grow(h, zix) != 0)
        return NULL;
    struct zone_ring *r = h->hi_zones[zix];
    if (r != NULL && r->zr_n > 0 && strcmp(r->zr_name, name) != 0) {
        /* the slot was reused: the old zone's records go to the graveyard */
        free(h->hi_gone[h->hi_gone_next]);
        h->hi_gone[h->hi_gone_next] = r;
        h->hi_gone_next = (h->hi_gone_next + 1) % HISTORY_GONE;
        r = h->hi_zones[zix] = NULL;
    }
    if (r == NULL && (r = h->hi_zones[zix] = malloc(sizeof(*r))) == NULL)
        return NULL;
    if (r->zr_n == 0 || strcmp(r->zr_name, name) != 0) {
        r->zr_n = 0;
        snprintf(r->zr_name, sizeof(r->zr_name), "%s", name);
    }
    return r;
}

int
scn_history_record(struct scn_engine *e, int zix)
{
    world_zone_info_t info;
    if (e->se_world == NULL || world_zone_info(e->se_world, zix, &info) != 0)
        return 0;
    struct zone_ring *r = history_ring(e->se_history, zix, info.wzi_name);
    if (r == NULL)
        return errno = ENOMEM, -1;
    struct scn_snap s;
    history_fill(e->se_world, zix, &info, &s);
    s.sn_gen_first = s.sn_gen_last = e->se_gen;
    if (r->zr_n > 0 && history_same(&r->zr_snap[r->zr_n - 1], &s)) {
        r->zr_snap[r->zr_n - 1].sn_last = s.sn_last;
        r->zr_snap[r->zr_n - 1].sn_gen_last = s.sn_gen_last;
        return 0;
    }
    if (r->zr_n == VERIFY_RING) {
        memmove(r->zr_snap, r->zr_snap + 1, (VERIFY_RING - 1) * sizeof(s));
        r->zr_n--;
    }
    r->zr_snap[r->zr_n++] = s;
    return 0;
}

static const struct zone_ring *
history_lookup(const struct scn_history *h, int zix, const char *name)
{
    if (zix >= 0 && (size_t)zix < h->hi_cap && h->hi_zones[zix] != NULL &&
        strcmp(h->hi_zones[zix]->zr_name, name) == 0)
        return h->hi_zones[zix];
    for (size_t i = 0; i < HISTORY_GONE; i++)
        if (h->hi_gone[i] != NULL && strcmp(h->hi_gone[i]->zr_name, name) == 0)
            return h->hi_gone[i];
    return NULL;
}

int
scn_history_find(struct scn_history *h, int zix, const char *name, const struct scn_window *w,
                 const struct scn_snap **out, int max)
{
    const struct zone_ring *r = history_lookup(h, zix, name);
    int n = 0;
    for (int i = r ? r->zr_n - 1 : -1; i >= 0 && n < max; i--)
        if (r->zr_snap[i].sn_last >= w->w_t0 && r->zr_snap[i].sn_first <= w->w_t1 &&
            r->zr_snap[i].sn_gen_last >= w->w_g0 && r->zr_snap[i].sn_gen_first <= w->w_g1)
            out[n++] = &r->zr_snap[i];
    return n;
}

int
scn_history_touch(struct scn_engine *e, int zix)
{
    struct scn_history *h = e->se_history;
    e->se_gen++;
    if (zix < 0 || (size_t)zix >= h->hi_cap || h->hi_zones[zix] == NULL ||
        h->hi_zones[zix]->zr_n == 0)
        return 0;
    return scn_history_record(e, zix);
}
