/*
 * test_world.c - the writer API: errors, slot reuse, determinism, truth.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kstat.h"
#include "zone.h"

#include "test_util.h"

static void
test_add_errors(void)
{
    world_t *w = test_world_new(2, 41, 2);
    world_zone_opts_t o = {.wzo_name = "dup"};

    CU_ASSERT(world_zone_add(w, &o) > 0);
    CU_ASSERT_EQUAL(world_zone_add(w, &o), -1);
    CU_ASSERT_EQUAL(errno, EEXIST);
    o.wzo_name = "global";
    CU_ASSERT_EQUAL(world_zone_add(w, &o), -1);
    CU_ASSERT_EQUAL(errno, EEXIST);
    o.wzo_name = "bad name!";
    CU_ASSERT_EQUAL(world_zone_add(w, &o), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    o.wzo_name = NULL, o.wzo_brand = "solaris10";
    CU_ASSERT_EQUAL(world_zone_add(w, &o), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    o.wzo_brand = "bhyve", o.wzo_nics = WORLD_NICS_MAX + 1;
    CU_ASSERT_EQUAL(world_zone_add(w, &o), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    o.wzo_nics = WORLD_NICS_MAX;
    CU_ASSERT(world_zone_add(w, &o) > 0);
    CU_ASSERT_EQUAL(world_zone_add(w, &o), -1);
    CU_ASSERT_EQUAL(errno, ENOSPC);
    CU_ASSERT_EQUAL(world_zone_halt(w, 0), -1);
    CU_ASSERT_EQUAL(world_zone_destroy(w, 0), -1);
    CU_ASSERT_EQUAL(world_zone_boot(w, 1), -1); /* running */
    CU_ASSERT_EQUAL(world_zone_halt(w, 7), -1);
    world_time_advance(w, 10);
    CU_ASSERT_EQUAL(world_time_set(w, 5), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(world_time_set(w, 20), 0);
    CU_ASSERT_EQUAL(world_time_now(w), 20);
    test_world_free(w);
}

static void
test_reader_cannot_write(void)
{
    world_t *w = test_world_new(2, 42, 2);
    world_t *r = world_open(world_path(w), NULL, 0);
    world_zone_opts_t o = {0};
    world_fault_t f = {.wf_zix = -1};

    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(world_zone_add(r, &o), -1);
    CU_ASSERT_EQUAL(errno, EPERM);
    CU_ASSERT_EQUAL(world_fault_set(r, &f), -1);
    CU_ASSERT_EQUAL(world_zone_count(r), 1);
    world_close(r);
    test_world_free(w);
}

/* Thousands of destroy/add cycles on a small world: slots and names are reused. */
static void
test_churn_reuse(void)
{
    world_t *w = test_world_new(16, 43, 2);
    char name[32];

    for (int i = 0; i < 16; i++) {
        snprintf(name, sizeof(name), "z%d", i);
        test_zone_add(w, name, 1, 0);
    }
    for (int i = 16; i < 3000; i++) {
        int victim = 1 + i * 7 % 16;
        CU_ASSERT_EQUAL_FATAL(world_zone_destroy(w, victim), 0);
        snprintf(name, sizeof(name), "z%d", i);
        CU_ASSERT_EQUAL_FATAL(test_zone_add(w, name, 1, 0), victim);
    }
    CU_ASSERT_EQUAL(world_zone_count(w), 17);
    int found = 0;
    for (int z = world_zone_next(w, 0); z > 0; z = world_zone_next(w, z)) {
        world_zone_info_t zi;
        CU_ASSERT_EQUAL(world_zone_info(w, z, &zi), 0);
        CU_ASSERT_EQUAL(world_zone_find(w, zi.wzi_name), z);
        CU_ASSERT_EQUAL(world_zone_by_id(w, zi.wzi_zoneid), z);
        found++;
    }
    CU_ASSERT_EQUAL(found, 16);
    CU_ASSERT_EQUAL(world_zone_find(w, "z0"), -1);
    /* node: system_misc, arcstats, 2 x (cpu, cpu_info), 2 metaslab groups, 2 physical NICs;
       global zone 9; 16 zones x (9 + 1 NIC) */
    CU_ASSERT_EQUAL(world_kstat_count(w), 2 + 2 * 2 + 2 + 2 + 9 + 16 * 10);
    test_world_free(w);
}

/* The same seed and calls give the same world; another seed another one. */
static void
test_deterministic(void)
{
    world_t *a = test_world_new(100, 44, 2);
    world_t *b = test_world_new(100, 44, 2);
    world_t *c = test_world_new(100, 45, 2);
    world_zone_info_t za, zb, zc;
    world_value_t va, vb;

    for (int i = 0; i < 100; i++) {
        int x = world_zone_add_random(a, (uint64_t)i), y = world_zone_add_random(b, (uint64_t)i);
        CU_ASSERT_EQUAL_FATAL(x, y);
        CU_ASSERT(world_zone_add_random(c, (uint64_t)i) > 0);
    }
    world_zone_reboot(a, 50), world_zone_reboot(b, 50);
    world_time_advance(a, 3333333333ULL), world_time_advance(b, 3333333333ULL);
    for (int z = 1; z <= 100; z++) {
        world_zone_info(a, z, &za), world_zone_info(b, z, &zb), world_zone_info(c, z, &zc);
        CU_ASSERT_STRING_EQUAL(za.wzi_name, zb.wzi_name);
        CU_ASSERT_STRING_NOT_EQUAL(za.wzi_name, zc.wzi_name);
        CU_ASSERT_EQUAL(za.wzi_zoneid, zb.wzi_zoneid);
        CU_ASSERT_EQUAL(world_truth_zone(a, z, "zones", "nsec_user", &va), 0);
        CU_ASSERT_EQUAL(world_truth_zone(b, z, "zones", "nsec_user", &vb), 0);
        CU_ASSERT_EQUAL(va.wv_u, vb.wv_u);
        CU_ASSERT_EQUAL(world_truth_zone(a, z, "link", "obytes64", &va), 0);
        CU_ASSERT_EQUAL(world_truth_zone(b, z, "link", "obytes64", &vb), 0);
        CU_ASSERT_EQUAL(va.wv_u, vb.wv_u);
    }
    CU_ASSERT_EQUAL(world_chain_id(a), world_chain_id(b));
    test_world_free(a), test_world_free(b), test_world_free(c);
}

static void
test_truth_and_info(void)
{
    world_t *w = test_world_new(4, 46, 2);
    world_zone_opts_t o = {
        .wzo_alias = "web-1", .wzo_brand = "lx", .wzo_nics = 1, .wzo_quota = 10ULL << 30};
    int zix = world_zone_add(w, &o);
    world_zone_info_t zi;
    world_value_t v;

    CU_ASSERT_FATAL(zix > 0);
    CU_ASSERT_EQUAL(world_zone_info(w, zix, &zi), 0);
    CU_ASSERT_EQUAL(strlen(zi.wzi_name), 36); /* a UUID */
    CU_ASSERT_STRING_EQUAL(zi.wzi_alias, "web-1");
    CU_ASSERT_STRING_EQUAL(zi.wzi_brand, "lx");
    CU_ASSERT_EQUAL(zi.wzi_quota, 10ULL << 30);
    CU_ASSERT_EQUAL(world_zone_find(w, "web-1"), zix);
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "zones", "zonename", &v), 0);
    CU_ASSERT_EQUAL(v.wv_type, WORLD_V_STRING);
    CU_ASSERT_STRING_EQUAL(v.wv_s, zi.wzi_name);
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "caps", "usage", &v), -1); /* uncapped */
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "zones", "no_such", &v), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "nprocs", "usage", &v), 0);
    CU_ASSERT_EQUAL(world_truth(w, "tcp", zi.wzi_zoneid, "tcp", "rtoMin", &v), 0);
    CU_ASSERT_EQUAL(v.wv_type, WORLD_V_INT);
    CU_ASSERT_EQUAL(v.wv_i, 400);
    world_zone_halt(w, zix);
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "zones", "nsec_user", &v), -1);
    CU_ASSERT_EQUAL(world_zone_info(w, 3, &zi), -1);
    test_world_free(w);
}

/* A CPU cap holds the zone back: usage at the cap, the rest waits. */
static void
test_cap_model(void)
{
    world_t *w = test_world_new(4, 47, 2);
    int zix = test_zone_add(w, "capped", 1, 50); /* wants 0.75 CPU, may use 0.5 */
    world_value_t v;

    world_time_advance(w, 4000000000ULL);
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "caps", "usage", &v), 0);
    CU_ASSERT_EQUAL(v.wv_u, 50);
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "caps", "above_sec", &v), 0);
    CU_ASSERT_EQUAL(v.wv_u, 4);
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "caps", "nwait", &v), 0);
    CU_ASSERT(v.wv_u > 0);
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "zones", "nsec_user", &v), 0);
    uint64_t user = v.wv_u;
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "zones", "nsec_sys", &v), 0);
    CU_ASSERT(user + v.wv_u <= 2000000001ULL && user + v.wv_u >= 1999999998ULL);
    test_world_free(w);
}

/* A batch of changes is one change of the chain for readers, who wait for its end. */
static void
test_batch(void)
{
    world_t *w = test_world_new(8, 48, 2);
    int status;
    world_value_t v;
    pid_t pid;

    test_zone_add(w, "before", 1, 0);
    world_batch_begin(w);
    if ((pid = fork()) == 0) {
        kstat_ctl_t *kc = kstat_open(); /* waits for the batch to end */
        _exit(kc != NULL && kstat_lookup(kc, "zones", -1, "after") != NULL &&
                      kstat_lookup(kc, "zones", -1, "before") == NULL
                  ? 0
                  : 1);
    }
    CU_ASSERT_FATAL(pid > 0);
    world_batch_begin(w); /* nested */
    CU_ASSERT_EQUAL(world_zone_destroy(w, world_zone_find(w, "before")), 0);
    int zix = test_zone_add(w, "after", 1, 0);
    world_batch_end(w);
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "zones", "zonename", &v), 0); /* inside a batch */
    CU_ASSERT_STRING_EQUAL(v.wv_s, "after");
    usleep(200000); /* the child is waiting on the batch */
    CU_ASSERT_EQUAL(waitpid(pid, &status, WNOHANG), 0);
    world_batch_end(w);
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    test_world_free(w);
}

/* The mappings of path in this process (lines of /proc/self/maps). */
static int
maps_of(const char *path)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    int n = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, path) != NULL;
    fclose(f);
    return n;
}

/*
 * libkstat, the zone calls and every other reader of a process share one
 * mapping of a world, as they share one kernel on illumos; closing one
 * reader leaves the others working.
 */
static void
test_one_mapping(void)
{
    world_t *w = test_world_new(4, 44, 2);
    int zix = test_zone_add(w, "shared", 1, 0);
    const char *path = world_path(w);
    world_zone_info_t info;
    int writer_maps = maps_of(path);
    kstat_ctl_t *kc = kstat_open();
    world_t *r = world_open(path, NULL, 0);

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL_FATAL(world_zone_info(w, zix, &info), 0);
    CU_ASSERT_EQUAL(getzoneidbyname("shared"), info.wzi_zoneid);
    CU_ASSERT_EQUAL(maps_of(path), writer_maps + 1);
    kstat_close(kc);
    CU_ASSERT_EQUAL(maps_of(path), writer_maps + 1);
    CU_ASSERT_EQUAL(world_zone_count(r), 2);
    CU_ASSERT_EQUAL(getzoneidbyname("shared"), info.wzi_zoneid);
    world_close(r);
    test_world_free(w);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"add_errors", test_add_errors},
        {"reader_cannot_write", test_reader_cannot_write},
        {"churn_reuse", test_churn_reuse},
        {"deterministic", test_deterministic},
        {"truth_and_info", test_truth_and_info},
        {"cap_model", test_cap_model},
        {"batch", test_batch},
        {"one_mapping", test_one_mapping},
        {NULL, NULL},
    };

    return cunit_main(argc, argv, "world", cases);
}
