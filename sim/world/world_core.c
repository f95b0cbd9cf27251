/*
 * world_core.c - core zones: the admin account, the records that make a
 * zone a core zone, and the service metrics their ports serve
 * (world_core.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "world_core.h"
#include "world_shm.h"

#define SALT_ADMIN 0xad31aULL
#define SALT_CORE 0xc07eULL

void
world_admin_uuid(const world_t *w, char out[WORLD_VM_UUID_MAX])
{
    if (w->w_hdr->wh_has_admin) { /* the data center's, world_owners_set */
        wvm_uuid_format(w->w_hdr->wh_admin, out);
        return;
    }
    wrng_uuid(wrng_mix(w->w_hdr->wh_seed ^ SALT_ADMIN), 0, out);
}

static int
core_role_ok(const char *role)
{
    size_t n = role ? strlen(role) : 0;
    if (n == 0 || n >= WORLD_CORE_ROLE_MAX)
        return 0;
    return strspn(role, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* "P1,P2,..." of ports[0..n) into out; -1 EINVAL for a port 0. */
static int
core_ports_text(const unsigned *ports, size_t n, char *out, size_t len)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (ports[i] == 0 || ports[i] > 65535) {
            errno = EINVAL;
            return -1;
        }
        at += (size_t)snprintf(out + at, len - at, "%s%u", i ? "," : "", ports[i]);
    }
    return 0;
}

/* net0 on the admin network with admin_ip, then the zone's own primary NIC as net1. */
static int
core_nics(const world_t *w, int zix, const char *admin_ip, world_nic_t nics[2])
{
    if (world_vm_default_nic(w, zix, 0, &nics[1]) != 0)
        return -1;
    memset(&nics[0], 0, sizeof(nics[0]));
    if (strlen(admin_ip) >= sizeof(nics[0].wn_ip)) {
        errno = E2BIG;
        return -1;
    }
    snprintf(nics[0].wn_interface, sizeof(nics[0].wn_interface), "net0");
    snprintf(nics[0].wn_nic_tag, sizeof(nics[0].wn_nic_tag), "admin");
    snprintf(nics[0].wn_ip, sizeof(nics[0].wn_ip), "%s", admin_ip);
    wrng_uuid(wrng_mix(w->w_hdr->wh_seed ^ SALT_ADMIN), 1, nics[0].wn_network_uuid);
    snprintf(nics[0].wn_mac, sizeof(nics[0].wn_mac), "90:b8:d0:ad:%02x:%02x",
             (unsigned)(zix >> 8) & 0xff, (unsigned)zix & 0xff);
    snprintf(nics[1].wn_interface, sizeof(nics[1].wn_interface), "net1");
    nics[1].wn_primary = 1;
    return 0;
}

int
world_core_set(world_t *w, int zix, const char *role, const char *admin_ip, const unsigned *ports,
               size_t n)
{
    char admin[WORLD_VM_UUID_MAX], tags[WORLD_VM_JSON_MAX], md[WORLD_VM_JSON_MAX], list[128];
    world_nic_t nics[2];
    if (!core_role_ok(role) || admin_ip == NULL || (n > 0 && ports == NULL)) {
        errno = EINVAL;
        return -1;
    }
    if (n > WORLD_CORE_PORTS_MAX) {
        errno = E2BIG;
        return -1;
    }
    if (core_ports_text(ports, n, list, sizeof(list)) != 0 ||
        core_nics(w, zix, admin_ip, nics) != 0)
        return -1;
    world_admin_uuid(w, admin);
    snprintf(tags, sizeof(tags), "{\"smartdc_role\":\"%s\"}", role);
    if (n > 0)
        snprintf(md, sizeof(md), "{\"metricPorts\":\"%s\"}", list);
    else
        snprintf(md, sizeof(md), "{}");
    if (world_vm_set_owner(w, zix, admin) != 0)
        return -1; /* EPERM or EINVAL: the first set tells, nothing changed yet */
    (void)world_vm_set_tags(w, zix, tags);
    (void)world_vm_set_metadata(w, zix, md);
    return world_vm_set_nics(w, zix, nics, 2);
}

/* ---- the service metrics ------------------------------------------------------ */

typedef struct core_buf {
    char *cb_buf;
    size_t cb_len, cb_at;
    int cb_full;
} core_buf_t;

__attribute__((format(printf, 2, 3))) static void
core_put(core_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->cb_buf + b->cb_at, b->cb_len - b->cb_at, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cb_len - b->cb_at)
        b->cb_full = 1;
    else
        b->cb_at += (size_t)n;
}

/* Share (in thousandths) of requests at most each bucket's bound. */
static const struct {
    const char *le;
    unsigned permille;
} core_buckets[] = {{"0.005", 400}, {"0.01", 600}, {"0.05", 850}, {"0.1", 950},
                    {"0.5", 990},   {"1", 1000},   {"+Inf", 1000}};

static void
core_histogram(core_buf_t *b, const char *lbl, unsigned long long n)
{
    core_put(b, "# HELP http_request_duration_seconds total time to process requests\n"
                "# TYPE http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < sizeof(core_buckets) / sizeof(core_buckets[0]); i++)
        core_put(b, "http_request_duration_seconds_bucket{%s,le=\"%s\"} %llu\n", lbl,
                 core_buckets[i].le, n * core_buckets[i].permille / 1000);
    /* 20 ms a request on average: an exact decimal */
    core_put(b, "http_request_duration_seconds_sum{%s} %llu.%02llu\n", lbl, n / 50, n % 50 * 2);
    core_put(b, "http_request_duration_seconds_count{%s} %llu\n", lbl, n);
}

int
world_core_text(const world_t *w, int zix, const char *role, unsigned port, char *buf, size_t len)
{
    wshm_zone_t z;
    if (zix < 0 || (uint32_t)zix >= w->w_zone_slots || len == 0) {
        errno = EINVAL;
        return -1;
    }
    wread_zone_snapshot(w, zix, &z);
    if (z.wz_state == WORLD_ZONE_FREE) {
        errno = EINVAL;
        return -1;
    }
    uint64_t r =
        wrng_mix(w->w_hdr->wh_seed ^ wrng_mix(((uint64_t)z.wz_serial << 16 | port) ^ SALT_CORE));
    unsigned long long t = world_time_now(w) / 1000000000ULL;
    unsigned long long ping = t * (1 + r % 5), list = t * (1 + (r >> 8) % 20);
    char lbl[96];
    snprintf(lbl, sizeof(lbl), "service=\"%s\",port=\"%u\"", role, port);
    core_buf_t b = {buf, len, 0, 0};
    core_put(&b, "# HELP http_requests_completed count of requests completed\n"
                 "# TYPE http_requests_completed counter\n");
    core_put(&b,
             "http_requests_completed{%s,route=\"ping\",method=\"GET\",statusCode=\"200\"} %llu\n",
             lbl, ping);
    core_put(&b,
             "http_requests_completed{%s,route=\"list\",method=\"GET\",statusCode=\"200\"} %llu\n",
             lbl, list);
    core_histogram(&b, lbl, ping + list);
    core_put(&b,
             "# HELP process_resident_memory_bytes resident memory size, in bytes\n"
             "# TYPE process_resident_memory_bytes gauge\n"
             "process_resident_memory_bytes{%s} %llu\n",
             lbl, (64ULL + (r >> 16) % 192) * 1048576ULL + t % 60 * 4096);
    if (b.cb_full) {
        errno = ENOSPC;
        return -1;
    }
    return (int)b.cb_at;
}
