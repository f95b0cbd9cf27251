/*
 * bench_cplane.c - the control plane's two figures (sim/README.md):
 *   1. listing every instance page by page (GET /vms?limit=L&offset=O on one
 *      keep-alive connection), as a follower starts;
 *   2. the feed's delay: a zone destroyed and one created in a world, then
 *      the time until GET /changes?since=HEAD&wait_ms=5000 answers with them.
 * The worlds are made here (this process is their writer), K of them with N
 * zones each, and the control plane reads them as it does in serve --cns.
 *
 *   sim_bench_cplane [NODES [ZONES_PER_NODE [PAGE [SAMPLES]]]]   (default 3 3334 1000 50)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cplane.h"
#include "fetch.h"
#include "monotime.h"
#include "world.h"
#include "world_vm.h"

#define NODES_MAX 8

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Every page once; returns the VMs seen, the time in *ms. */
static long
bench_list(const char *url, unsigned page, double *ms)
{
    fetch_t *h = fetch_new();
    struct fetch_resp resp = {0};
    char u[256];
    long seen = 0;
    double t0 = cmon_monotime_s();
    for (long off = 0;; off += page) {
        snprintf(u, sizeof(u), "%s/vms?limit=%u&offset=%ld", url, page, off);
        struct fetch_req rq = {.rq_url = u, .rq_timeout_s = 30};
        if (fetch_perform(h, &rq, &resp) != 0 || resp.rs_status != 200)
            break;
        long n = 0;
        for (const char *p = resp.rs_body; (p = strstr(p, "\"owner_uuid\"")) != NULL; p++)
            n++;
        seen += n;
        if (n < (long)page)
            break;
    }
    *ms = (cmon_monotime_s() - t0) * 1000;
    fetch_resp_release(&resp);
    fetch_free(h);
    return seen;
}

static uint64_t
bench_head(const char *url)
{
    char u[256];
    struct fetch_resp resp = {0};
    snprintf(u, sizeof(u), "%s/changes/head", url);
    struct fetch_req rq = {.rq_url = u, .rq_timeout_s = 10};
    fetch_once(&rq, &resp);
    uint64_t s = resp.rs_body ? strtoull(strchr(resp.rs_body, ':') + 1, NULL, 10) : 0;
    fetch_resp_release(&resp);
    return s;
}

/* One change in world w, then the delay until the feed answers with it (ms). */
static double
bench_delay(world_t *w, const char *url, uint64_t serial)
{
    char u[256];
    struct fetch_resp resp = {0};
    uint64_t head = bench_head(url);
    snprintf(u, sizeof(u), "%s/changes?since=%" PRIu64 "&wait_ms=5000", url, head);
    struct fetch_req rq = {.rq_url = u, .rq_timeout_s = 10};
    usleep((useconds_t)(rand() % 100000)); /* at any phase of the poll */
    double t0 = cmon_monotime_s();
    world_batch_begin(w);
    world_zone_destroy(w, world_zone_next(w, 0));
    world_zone_add_random(w, serial);
    world_batch_end(w);
    fetch_once(&rq, &resp);
    double ms = (cmon_monotime_s() - t0) * 1000;
    fetch_resp_release(&resp);
    return ms;
}

int
main(int argc, char **argv)
{
    unsigned nodes = argc > 1 ? (unsigned)atoi(argv[1]) : 3;
    unsigned zones = argc > 2 ? (unsigned)atoi(argv[2]) : 3334;
    unsigned page = argc > 3 ? (unsigned)atoi(argv[3]) : 1000;
    unsigned samples = argc > 4 ? (unsigned)atoi(argv[4]) : 50;
    world_t *w[NODES_MAX];
    cplane_node_spec_t spec[NODES_MAX];
    char paths[NODES_MAX][64], err[512];
    cplane_account_t a[CPLANE_ACCOUNTS_MAX];
    if (nodes == 0 || nodes > NODES_MAX || zones == 0 || page == 0 || page > 1000 || samples == 0) {
        fprintf(stderr, "usage: sim_bench_cplane [NODES 1-8 [ZONES [PAGE 1-1000 [SAMPLES]]]]\n");
        return 2;
    }
    int na = cplane_accounts_parse("admin:operator,alice,bob", 1, a, CPLANE_ACCOUNTS_MAX, err,
                                   sizeof(err));
    if (na < 0 || cplane_accounts_keys(a, (size_t)na, err, sizeof(err)) != 0)
        return 1;
    const char *owners[CPLANE_ACCOUNTS_MAX];
    size_t no = cplane_owners(a, (size_t)na, owners);
    for (unsigned i = 0; i < nodes; i++) {
        snprintf(paths[i], sizeof(paths[i]), "/dev/shm/cplane-bench-%ld.cn%u", (long)getpid(), i);
        world_params_t p = {.wp_seed = 1 + i, .wp_max_zones = zones + 16};
        if ((w[i] = world_create(paths[i], &p)) == NULL ||
            world_owners_set(w[i], owners, no, a[0].ca_uuid) != 0)
            return 1;
        for (unsigned z = 0; z < zones; z++)
            world_zone_add_random(w[i], z);
        spec[i] = (cplane_node_spec_t){.cns_world = paths[i], .cns_agent = "127.0.0.1:1"};
    }
    double t0 = cmon_monotime_s();
    cplane_t *cp = cplane_new(1, a, (size_t)na, spec, nodes, err, sizeof(err));
    if (cp == NULL || cplane_start(cp, "127.0.0.1:0", err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("start (read %u worlds of %u zones): %.1f ms\n", nodes, zones,
           (cmon_monotime_s() - t0) * 1000);
    double ms[3];
    long seen = 0;
    for (int r = 0; r < 3; r++)
        seen = bench_list(cplane_url(cp), page, &ms[r]);
    qsort(ms, 3, sizeof(ms[0]), cmp_double);
    printf("list %ld instances, pages of %u: %.1f ms (median of 3; min %.1f, max %.1f)\n", seen,
           page, ms[1], ms[0], ms[2]);
    double *d = calloc(samples, sizeof(*d));
    for (unsigned s = 0; s < samples; s++)
        d[s] = bench_delay(w[s % nodes], cplane_url(cp), 1000000 + s);
    qsort(d, samples, sizeof(*d), cmp_double);
    printf("feed delay, world change to /changes (%u samples): p50 %.1f ms, p99 %.1f ms, max "
           "%.1f ms\n",
           samples, d[samples / 2],
           d[(samples * 99) / 100 < samples ? (samples * 99) / 100 : samples - 1], d[samples - 1]);
    free(d);
    cplane_free(cp);
    for (unsigned i = 0; i < nodes; i++) {
        world_close(w[i]);
        world_unlink(paths[i]);
    }
    cplane_accounts_free(a, (size_t)na);
    return 0;
}
