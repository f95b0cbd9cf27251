/*
 * test_faults.c - faults set through the writer API and obeyed by readers,
 * in this process and in another one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kstat.h"
#include "monotime.h"
#include "test_util.h"
#include "world_shm.h"
#include "zone.h"

/* Reads module's kstat of zone zoneid n times; counts failures with errno e. */
static int
read_fails(kstat_ctl_t *kc, const char *module, int zoneid, int n, int e)
{
    kstat_t *k = kstat_lookup(kc, (char *)module, zoneid, NULL);
    int fails = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    for (int i = 0; i < n; i++) {
        errno = 0;
        if (kstat_read(kc, k, NULL) == -1) {
            CU_ASSERT_EQUAL(errno, e);
            fails++;
        }
    }
    return fails;
}

static void
test_errors_at_rate(void)
{
    world_t *w = test_world_new(4, 21, 2);
    int zix = test_zone_add(w, "f", 1, 0);
    zoneid_t id = getzoneidbyname("f");
    kstat_ctl_t *kc = kstat_open();
    world_fault_t all = {.wf_module = "zones", .wf_zix = zix, .wf_error = EIO, .wf_rate = 1};
    world_fault_t half = {
        .wf_module = "zone_vfs", .wf_zix = -1, .wf_error = EAGAIN, .wf_rate = 0.5};

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    CU_ASSERT(world_fault_set(w, &all) >= 0);
    CU_ASSERT(world_fault_set(w, &half) >= 0);
    CU_ASSERT_EQUAL(read_fails(kc, "zones", id, 100, EIO), 100);
    CU_ASSERT_EQUAL(read_fails(kc, "zones", 0, 100, EIO), 0); /* another zone */
    int f = read_fails(kc, "zone_vfs", id, 1000, EAGAIN);
    CU_ASSERT(f > 350 && f < 650);
    CU_ASSERT_EQUAL(read_fails(kc, "memory_cap", id, 100, 0), 0);
    world_fault_clear(w);
    CU_ASSERT_EQUAL(read_fails(kc, "zones", id, 100, 0), 0);
    kstat_close(kc);
    test_world_free(w);
}

static void
test_bad_faults(void)
{
    world_t *w = test_world_new(4, 22, 2);
    world_fault_t f = {.wf_zix = -1, .wf_error = EPERM, .wf_rate = 1};

    CU_ASSERT_EQUAL(world_fault_set(w, &f), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    f.wf_error = EIO, f.wf_rate = 1.5;
    CU_ASSERT_EQUAL(world_fault_set(w, &f), -1);
    f.wf_rate = 0.1, f.wf_zix = 99;
    CU_ASSERT_EQUAL(world_fault_set(w, &f), -1);
    f.wf_zix = -1;
    for (int i = 0; i < WORLD_FAULTS_MAX; i++)
        CU_ASSERT_EQUAL(world_fault_set(w, &f), i);
    CU_ASSERT_EQUAL(world_fault_set(w, &f), -1);
    CU_ASSERT_EQUAL(errno, ENOSPC);
    test_world_free(w);
}

/* Latency is added to each matching read (a lower bound: sleeping can only take longer). */
static void
test_latency(void)
{
    world_t *w = test_world_new(4, 23, 2);
    world_fault_t f = {.wf_module = "tcp", .wf_zix = -1, .wf_latency_us = 20000};
    kstat_ctl_t *kc = kstat_open();

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    test_zone_add(w, "slow", 1, 0);
    CU_ASSERT(kstat_chain_update(kc) > 0);
    CU_ASSERT(world_fault_set(w, &f) >= 0);
    kstat_t *k = kstat_lookup(kc, "tcp", getzoneidbyname("slow"), "tcp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    double t0 = cmon_monotime_s();
    for (int i = 0; i < 5; i++)
        CU_ASSERT_NOT_EQUAL(kstat_read(kc, k, NULL), -1);
    CU_ASSERT((cmon_monotime_s() - t0) * 1e3 >= 100.0);
    kstat_close(kc);
    test_world_free(w);
}

/* A vanished zone: still in the chain, its reads ENXIO, unknown to the zone calls. */
static void
test_vanish(void)
{
    world_t *w = test_world_new(4, 24, 2);
    int zix = test_zone_add(w, "ghost", 1, 0);
    zoneid_t id = getzoneidbyname("ghost");
    kstat_ctl_t *kc = kstat_open();
    world_fault_t f = {.wf_zix = zix, .wf_vanish = 1};
    uint_t n = 0;
    char name[ZONENAME_MAX];

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    CU_ASSERT(world_fault_set(w, &f) >= 0);
    CU_ASSERT_EQUAL(kstat_chain_update(kc), 0);
    CU_ASSERT_PTR_NOT_NULL(kstat_lookup(kc, "zones", id, "ghost"));
    CU_ASSERT_EQUAL(read_fails(kc, "zones", id, 10, ENXIO), 10);
    CU_ASSERT_EQUAL(read_fails(kc, "zones", 0, 10, ENXIO), 0);
    CU_ASSERT_EQUAL(zone_list(NULL, &n), 0);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(getzonenamebyid(id, name, sizeof(name)), -1);
    CU_ASSERT_EQUAL(getzoneidbyname("ghost"), -1);
    world_fault_clear(w);
    CU_ASSERT_EQUAL(getzoneidbyname("ghost"), id);
    kstat_close(kc);
    test_world_free(w);
}

/* Another process obeys the faults stored in the world. */
static void
test_other_process(void)
{
    world_t *w = test_world_new(4, 25, 2);
    world_fault_t f = {.wf_module = "memory_cap", .wf_zix = -1, .wf_error = ENXIO, .wf_rate = 1};
    int status;
    pid_t pid;

    test_zone_add(w, "p", 1, 0);
    CU_ASSERT(world_fault_set(w, &f) >= 0);
    if ((pid = fork()) == 0) {
        kstat_ctl_t *kc = kstat_open();
        kstat_t *k = kc ? kstat_lookup(kc, "memory_cap", -1, "p") : NULL;
        kstat_t *ok = kc ? kstat_lookup(kc, "zones", -1, "p") : NULL;
        int rc = k && ok && kstat_read(kc, k, NULL) == -1 && errno == ENXIO &&
                 kstat_read(kc, ok, NULL) != -1;
        _exit(rc ? 0 : 1);
    }
    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    test_world_free(w);
}

/*
 * A writer that dies inside a write leaves a sequence odd: readers must not
 * hang on it (they read what it left once its process is gone).
 */
static void
test_dead_writer(void)
{
    char path[] = "/dev/shm/cmon-test-dead-XXXXXX";
    int fd = mkstemp(path), status;
    pid_t pid;

    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    if ((pid = fork()) == 0) {
        world_params_t p = {.wp_seed = 26, .wp_max_zones = 2, .wp_ncpus = 1};
        world_t *w = world_create(path, &p);
        world_zone_opts_t o = {.wzo_name = "orphan", .wzo_nics = 1};
        if (w == NULL || world_zone_add(w, &o) != 1)
            _exit(1);
        wseq_write_begin(&w->w_zones[1].wz_seq); /* and die inside the bracket */
        wseq_write_begin(&w->w_hdr->wh_zones_seq);
        _exit(0);
    }
    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_FATAL(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    setenv(WORLD_ENV, path, 1);
    alarm(60); /* a hang fails the test instead of blocking the suite */
    kstat_ctl_t *kc = kstat_open();
    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    kstat_t *k = kstat_lookup(kc, "zones", -1, "orphan");
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_NOT_EQUAL(kstat_read(kc, k, NULL), -1);
    CU_ASSERT(getzoneidbyname("orphan") > 0);
    alarm(0);
    kstat_close(kc);
    unlink(path);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"errors_at_rate", test_errors_at_rate},
        {"bad_faults", test_bad_faults},
        {"latency", test_latency},
        {"vanish", test_vanish},
        {"other_process", test_other_process},
        {"dead_writer", test_dead_writer},
        {NULL, NULL},
    };

    return cunit_main(argc, argv, "faults", cases);
}
