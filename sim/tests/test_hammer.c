/*
 * test_hammer.c - a reader process hammers kstat_read() while this process,
 * the writer, ticks, churns and reboots zones at full speed.
 *
 * Every zone carries the same constant load, so each counter is a known
 * function of the time since the kstat was created: nsec_user = 0.5 CPU x
 * (snaptime - crtime), rbytes64 = 500,000 B/s x the same. A torn read (a
 * snapshot time from one tick and counters from another, or data from
 * another zone) breaks that equation; the reader also checks that no
 * counter goes down on one KID, that reads fail only with ENXIO, and that
 * zone_list() and getzonenamebyid() stay consistent under the churn.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kstat.h"
#include "test_util.h"
#include "zone.h"

#define ITERATIONS 20000
#define ZONES 40

typedef struct tally {
    long t_reads, t_enxio, t_bad;
    uint64_t *t_last; /* by KID */
    size_t t_nlast;
} tally_t;

static void
bad(tally_t *t, const kstat_t *k, const char *what, double got, double want)
{
    if (t->t_bad++ < 10)
        fprintf(stderr, "reader: %s:%d:%s: %s: got %.0f want %.0f\n", k->ks_module, k->ks_instance,
                k->ks_name, what, got, want);
}

static uint64_t
stat_u64(kstat_t *k, const char *name)
{
    kstat_named_t *kn = kstat_data_lookup(k, name);

    return kn == NULL ? UINT64_MAX : kn->value.ui64;
}

static void
check_monotonic(tally_t *t, const kstat_t *k, uint64_t v)
{
    if ((size_t)k->ks_kid >= t->t_nlast) {
        size_t n = (size_t)k->ks_kid * 2 + 1024;
        t->t_last = realloc(t->t_last, n * sizeof(uint64_t));
        memset(t->t_last + t->t_nlast, 0, (n - t->t_nlast) * sizeof(uint64_t));
        t->t_nlast = n;
    }
    if (v < t->t_last[k->ks_kid])
        bad(t, k, "counter went down", (double)v, (double)t->t_last[k->ks_kid]);
    t->t_last[k->ks_kid] = v;
}

/* The equation of one read kstat (zones or link). */
static void
check_kstat(tally_t *t, kstat_t *k)
{
    double dt = (double)(k->ks_snaptime - k->ks_crtime);
    int zones = strcmp(k->ks_module, "zones") == 0;
    uint64_t v = stat_u64(k, zones ? "nsec_user" : "rbytes64");
    double want = zones ? 0.5 * dt : 500000.0 * dt / 1e9;
    kstat_named_t *zn = kstat_data_lookup(k, "zonename");

    if (fabs((double)v - want) > 2.0 + want * 1e-9)
        bad(t, k, "value against time", (double)v, want);
    if (zones && fabs((double)stat_u64(k, "nsec_sys") - 0.25 * dt) > 2.0 + dt * 1e-9)
        bad(t, k, "nsec_sys against time", (double)stat_u64(k, "nsec_sys"), 0.25 * dt);
    if (!zones && ((kstat_named_t *)kstat_data_lookup(k, "rbytes"))->value.ui32 != (uint32_t)v)
        bad(t, k, "rbytes against rbytes64", 0, 0);
    if (zn == NULL || (zones && strncmp(KSTAT_NAMED_STR_PTR(zn), k->ks_name, 30) != 0))
        bad(t, k, "zonename", 0, 0);
    check_monotonic(t, k, v);
}

/* The zone calls under churn: a consistent, ascending list, names or EINVAL. */
static void
reader_zones(tally_t *t)
{
    zoneid_t ids[128];
    uint_t n = 128;
    char name[ZONENAME_MAX];

    if (zone_list(ids, &n) != 0 || n < 1 || n > 128 || ids[0] != GLOBAL_ZONEID) {
        t->t_bad++;
        return;
    }
    for (uint_t i = 0; i < n; i++) {
        if (i > 0 && ids[i] <= ids[i - 1])
            t->t_bad++;
        errno = 0;
        if (getzonenamebyid(ids[i], name, sizeof(name)) == -1)
            t->t_bad += errno != EINVAL; /* gone since the list: fine */
        else if (strcmp(name, "global") != 0 && strncmp(name, "hammer-", 7) != 0)
            t->t_bad++;
    }
}

static void
reader_pass(kstat_ctl_t *kc, tally_t *t)
{
    reader_zones(t);
    if (kstat_chain_update(kc) == -1) {
        if (errno != EAGAIN)
            t->t_bad++;
        return;
    }
    for (kstat_t *k = kc->kc_chain; k != NULL; k = k->ks_next) {
        if (strcmp(k->ks_module, "zones") != 0 &&
            (strcmp(k->ks_module, "link") != 0 || k->ks_name[0] != 'z'))
            continue; /* the zones and their VNICs: the node's own NICs carry their sum */
        if (kstat_read(kc, k, NULL) == -1) {
            if (errno == ENXIO)
                t->t_enxio++;
            else
                bad(t, k, strerror(errno), 0, 0);
            continue;
        }
        t->t_reads++;
        check_kstat(t, k);
    }
}

/* The child: reads until the writer closes stop_fd; exit 0 when all held. */
static int
reader_main(int ready_fd, int stop_fd)
{
    tally_t t = {0};
    kstat_ctl_t *kc = kstat_open();
    struct pollfd p = {stop_fd, POLLIN, 0};

    alarm(240);
    if (kc == NULL || write(ready_fd, "r", 1) != 1)
        return 3;
    do
        reader_pass(kc, &t);
    while (poll(&p, 1, 0) == 0);
    reader_pass(kc, &t); /* and once more on the final world */
    fprintf(stderr, "reader: %ld reads, %ld ENXIO, %ld bad\n", t.t_reads, t.t_enxio, t.t_bad);
    kstat_close(kc);
    free(t.t_last);
    return t.t_bad == 0 && t.t_reads > 0 ? 0 : 1;
}

static void
writer_churn(world_t *w, uint64_t *rng, int *serial)
{
    char name[64];
    int z;

    *rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
    z = world_zone_next(w, (int)((*rng >> 33) % ZONES));
    if (z > 0 && world_zone_destroy(w, z) == 0) {
        snprintf(name, sizeof(name), "hammer-zone-with-a-long-name-%d", (*serial)++);
        test_zone_add(w, name, 2, 0);
    }
    z = world_zone_next(w, (int)((*rng >> 45) % ZONES));
    if (z > 0 && (*rng & 7) == 0)
        world_zone_reboot(w, z);
}

static void
test_hammer(void)
{
    world_t *w = test_world_new(ZONES + 8, 31, 64); /* CPUs to spare: no contention */
    world_load_t gl = {.wl_cpu_user = 0.5, .wl_cpu_sys = 0.25};
    int ready[2], stop[2], status, serial = 0;
    uint64_t rng = 42;
    char c;
    pid_t pid;

    world_zone_load_set(w, 0, &gl);
    for (; serial < ZONES; serial++) {
        char name[64];
        snprintf(name, sizeof(name), "hammer-zone-with-a-long-name-%d", serial);
        test_zone_add(w, name, 2, 0);
    }
    CU_ASSERT_FATAL(pipe(ready) == 0 && pipe(stop) == 0);
    if ((pid = fork()) == 0) {
        close(stop[1]);
        _exit(reader_main(ready[1], stop[0]));
    }
    CU_ASSERT_FATAL(pid > 0);
    close(stop[0]);
    CU_ASSERT_EQUAL(read(ready[0], &c, 1), 1);
    for (int i = 0; i < ITERATIONS; i++) {
        world_time_advance(w, 1000000 + (uint64_t)(i % 7) * 1331);
        writer_churn(w, &rng, &serial);
    }
    close(stop[1]);
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(ready[0]), close(ready[1]);
    test_world_free(w);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {{"hammer", test_hammer}, {NULL, NULL}};

    return cunit_main(argc, argv, "hammer", cases);
}
