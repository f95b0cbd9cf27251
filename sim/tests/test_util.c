/* test_util.c - shared helpers of the sim tests (see test_util.h). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmon_spawn.h"
#include "test_util.h"

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

/* Copies what c collected into buf (len bytes, NUL-terminated). */
static void
test_copy_out(const spawn_capture_t *c, char *buf, size_t len)
{
    size_t n = c->sc_len < len ? c->sc_len : len - 1;
    if (n > 0)
        memcpy(buf, c->sc_buf, n);
    buf[n] = '\0';
}

int
test_run(char *const argv[], char *out, size_t outlen, char *err, size_t errlen, int timeout_s)
{
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_PIPE},
                      .so_stderr = {.sio_kind = SPAWN_IO_PIPE}};
    spawn_capture_t co = {.sc_max = outlen - 1}, ce = {.sc_max = errlen - 1};
    int status, rc = spawn_run(argv, &o, timeout_s * 1000, &co, &ce, &status);

    test_copy_out(&co, out, outlen);
    test_copy_out(&ce, err, errlen);
    spawn_capture_release(&co);
    spawn_capture_release(&ce);
    if (rc != 0 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

int
test_run_bin(const char *name, const char *const *args, char *out, size_t outlen, char *err,
             size_t errlen, int timeout_s)
{
    char *argv[TEST_ARGS_MAX + 2] = {(char *)test_bin(name)};

    for (int i = 0; args[i] != NULL; i++) {
        if (i == TEST_ARGS_MAX)
            return -1;
        argv[i + 1] = (char *)args[i];
    }
    return test_run(argv, out, outlen, err, errlen, timeout_s);
}

int
test_count_lines(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}
