/* test_util.c - shared helpers of the sim tests (see test_util.h). */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

int
test_main(int argc, char **argv, const char *suite, const test_case_t *cases)
{
    CU_pSuite s;
    int ran = 0, failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    s = CU_add_suite(suite, NULL, NULL);
    for (const test_case_t *c = cases; s != NULL && c->tc_name != NULL; c++) {
        if (argc > 1 && strcmp(argv[1], c->tc_name) != 0)
            continue;
        CU_add_test(s, c->tc_name, c->tc_fn);
        ran++;
    }
    if (ran == 0) {
        fprintf(stderr, "%s: no test called %s\n", suite, argc > 1 ? argv[1] : "");
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = (int)(CU_get_number_of_failures() + CU_get_number_of_tests_failed());
    CU_cleanup_registry();
    return failed ? 1 : 0;
}

world_t *
test_world_new(uint32_t max_zones, uint64_t seed, uint32_t ncpus)
{
    char path[] = "/dev/shm/cmon-test-XXXXXX";
    int fd = mkstemp(path);
    world_params_t p = {
        .wp_seed = seed, .wp_max_zones = max_zones, .wp_ncpus = ncpus, .wp_epoch = 1700000000};
    world_t *w;

    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    w = world_create(path, &p);
    if (w == NULL)
        unlink(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    setenv(WORLD_ENV, path, 1);
    return w;
}

void
test_world_free(world_t *w)
{
    if (w == NULL)
        return;
    world_unlink(world_path(w));
    world_close(w);
}

int
test_zone_add(world_t *w, const char *name, uint32_t nics, uint32_t cpu_cap)
{
    world_zone_opts_t o = {.wzo_name = name,
                           .wzo_nics = nics,
                           .wzo_cpu_cap = cpu_cap,
                           .wzo_mem_cap = 1ULL << 30,
                           .wzo_swap_cap = 2ULL << 30};
    world_load_t l = {.wl_cpu_user = 0.5,
                      .wl_cpu_sys = 0.25,
                      .wl_net_rx_bps = 1000000,
                      .wl_net_tx_bps = 500000,
                      .wl_vfs_read_bps = 4 << 20,
                      .wl_vfs_write_bps = 1 << 20,
                      .wl_rss = 512ULL << 20};
    int zix = world_zone_add(w, &o);

    CU_ASSERT_FATAL(zix > 0);
    CU_ASSERT_EQUAL_FATAL(world_zone_load_set(w, zix, &l), 0);
    return zix;
}

const char *
test_bin(const char *name)
{
    static char path[4096];
    const char *dir = getenv("CMON_BIN_DIR");

    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "build/bin", name);
    return path;
}

/* Reads both pipes until EOF or the deadline; 0, or -1 at the deadline. */
static int
test_drain(int fo, int fe, char *out, size_t outlen, char *err, size_t errlen, time_t deadline)
{
    size_t no = 0, ne = 0;
    struct pollfd p[2] = {{fo, POLLIN, 0}, {fe, POLLIN, 0}};
    char junk[4096];

    while (p[0].fd >= 0 || p[1].fd >= 0) {
        if (time(NULL) > deadline)
            return -1;
        if (poll(p, 2, 200) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
                continue;
            char *buf = i ? err : out;
            size_t *n = i ? &ne : &no, len = i ? errlen : outlen;
            ssize_t r = *n + 1 < len ? read(p[i].fd, buf + *n, len - 1 - *n)
                                     : read(p[i].fd, junk, sizeof(junk));
            if (r <= 0)
                p[i].fd = -1;
            else if (*n + 1 < len)
                *n += (size_t)r;
        }
    }
    out[no] = err[ne] = '\0';
    return 0;
}

int
test_run(char *const argv[], char *out, size_t outlen, char *err, size_t errlen, int timeout_s)
{
    int po[2], pe[2], status;
    pid_t pid;

    if (pipe(po) != 0 || pipe(pe) != 0)
        return -1;
    if ((pid = fork()) < 0)
        return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]), close(pe[0]), close(po[1]), close(pe[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]), close(pe[1]);
    int rc = test_drain(po[0], pe[0], out, outlen, err, errlen, time(NULL) + timeout_s);
    close(po[0]), close(pe[0]);
    if (rc != 0)
        kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (rc != 0 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}
