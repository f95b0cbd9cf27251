/*
 * test_util.h - what the sim tests share: temporary worlds and running
 * cmon-sim as a child. Their main() is cunit_main() (cunit_main.h): one
 * suite, one test named on the command line (each a ctest test) or all.
 */
#ifndef CMON_SIM_TEST_UTIL_H
#define CMON_SIM_TEST_UTIL_H

#include <CUnit/CUnit.h>
#include <stddef.h>

#include "cunit_main.h"
#include "world.h"

/*
 * test_world_new() - a new world at a unique /dev/shm path with max_zones
 * capacity, seed and ncpus, and CMON_SIM_WORLD pointing at it. The path is
 * removed by test_world_free(). Fails the test (and returns NULL) on error.
 */
world_t *test_world_new(uint32_t max_zones, uint64_t seed, uint32_t ncpus);

/* test_world_free() - closes w and removes its file and side files (world_unlink). */
void test_world_free(world_t *w);

/* test_zone_add() - adds a running zone with nics NICs and load, or fails the test. */
int test_zone_add(world_t *w, const char *name, uint32_t nics, uint32_t cpu_cap);

/*
 * test_run() - runs argv (a NULL-terminated vector, argv[0] a path) with
 * stdout and stderr captured into out/err (NUL-terminated, truncated to
 * their sizes). Returns the exit status, or -1 if it did not exit normally
 * within timeout_s seconds (it is then killed).
 */
int test_run(char *const argv[], char *out, size_t outlen, char *err, size_t errlen, int timeout_s);

/*
 * test_run_bin() - test_run() of the built program name (test_bin) with
 * args, a NULL-terminated list of at most TEST_ARGS_MAX; -1 with more.
 */
#define TEST_ARGS_MAX 30
int test_run_bin(const char *name, const char *const *args, char *out, size_t outlen, char *err,
                 size_t errlen, int timeout_s);

/* test_count_lines() - the newlines in s. */
int test_count_lines(const char *s);

/* test_bin() - the path of a built program ($CMON_BIN_DIR/name); static buffer. */
const char *test_bin(const char *name);

#endif /* CMON_SIM_TEST_UTIL_H */
