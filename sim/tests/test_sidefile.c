/*
 * test_sidefile.c - a world's side files (world_sidefile.h): a record read
 * back as written, none when there is no file, and every file that is no
 * record of that kind refused (EINVAL) without touching the caller's buffer.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "world_sidefile.h"

#define MAGIC 0x5445535453494445ULL
#define SUFFIX ".side"

typedef struct rec {
    uint64_t r_a;
    char r_name[24];
} rec_t;

static char world[64];

static void
fresh_world_path(void)
{
    snprintf(world, sizeof(world), "/tmp/cmon-sidefile-%d", (int)getpid());
    CU_ASSERT_EQUAL(world_sidefile_remove(world, SUFFIX), 0);
}

static void
write_raw(const void *bytes, size_t n)
{
    char path[128];
    snprintf(path, sizeof(path), "%s%s", world, SUFFIX);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(bytes, 1, n, f), n);
    fclose(f);
}

static void
test_roundtrip(void)
{
    fresh_world_path();
    rec_t in = {42, "pool"}, out = {0, ""};
    CU_ASSERT_EQUAL(world_sidefile_read(world, SUFFIX, MAGIC, 1, &out, sizeof(out)), 1); /* none */
    CU_ASSERT_EQUAL(world_sidefile_write(world, SUFFIX, MAGIC, 1, &in, sizeof(in)), 0);
    CU_ASSERT_EQUAL(world_sidefile_read(world, SUFFIX, MAGIC, 1, &out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(out.r_a, 42);
    CU_ASSERT_STRING_EQUAL(out.r_name, "pool");
    CU_ASSERT_EQUAL(world_sidefile_remove(world, SUFFIX), 0);
    CU_ASSERT_EQUAL(world_sidefile_remove(world, SUFFIX), 0); /* none is fine */
    CU_ASSERT_EQUAL(world_sidefile_read(world, SUFFIX, MAGIC, 1, &out, sizeof(out)), 1);
}

/* Wrong magic, version or size, a short file, an empty one: EINVAL, buffer kept. */
static void
test_refused(void)
{
    fresh_world_path();
    rec_t in = {7, "x"};
    CU_ASSERT_EQUAL(world_sidefile_write(world, SUFFIX, MAGIC, 1, &in, sizeof(in)), 0);
    struct {
        uint64_t magic;
        uint32_t version;
        size_t size;
    } asks[] = {{MAGIC + 1, 1, sizeof(rec_t)}, {MAGIC, 2, sizeof(rec_t)}, {MAGIC, 1, 8}};
    for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
        rec_t out = {99, "kept"};
        errno = 0;
        CU_ASSERT_EQUAL(
            world_sidefile_read(world, SUFFIX, asks[i].magic, asks[i].version, &out, asks[i].size),
            -1);
        CU_ASSERT_EQUAL(errno, EINVAL);
        if (asks[i].size == sizeof(rec_t))
            CU_ASSERT_EQUAL(out.r_a, 99);
    }
    char junk[10] = "not a rec";
    for (size_t n = 0; n <= sizeof(junk); n += sizeof(junk)) { /* empty, then short */
        write_raw(junk, n);
        rec_t out = {99, "kept"};
        errno = 0;
        CU_ASSERT_EQUAL(world_sidefile_read(world, SUFFIX, MAGIC, 1, &out, sizeof(out)), -1);
        CU_ASSERT_EQUAL(errno, EINVAL);
        CU_ASSERT_EQUAL(out.r_a, 99);
    }
    CU_ASSERT_EQUAL(world_sidefile_remove(world, SUFFIX), 0);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"roundtrip", test_roundtrip},
        {"refused", test_refused},
        {NULL, NULL},
    };
    return cunit_main(argc, argv, "sidefile", cases);
}
