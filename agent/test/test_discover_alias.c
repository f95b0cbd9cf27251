/*
 * test_discover_alias.c - the instances' aliases discovery serves, read
 * through libzonecfg from worlds built here: the alias of a zone that has
 * one (the world's wzi_alias), none for a zone without, the cache (kept
 * within the TTL, re-read after it or on a new zone id, re-reads of known
 * instances rate-limited), unknown zones.
 */
#include "discover_alias.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "world.h"

static char world_file[64];

static world_t *
world_new(uint32_t zones)
{
    world_params_t p = {.wp_seed = 7, .wp_max_zones = zones, .wp_ncpus = 2};
    strcpy(world_file, "/dev/shm/cmon-test-XXXXXX");
    int fd = mkstemp(world_file);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    world_t *w = world_create(world_file, &p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    setenv(WORLD_ENV, world_file, 1);
    return w;
}

static void
world_free(world_t *w)
{
    world_close(w);
    unlink(world_file);
}

static int
zone_new(world_t *w, const char *name, const char *alias, world_zone_info_t *zi)
{
    world_zone_opts_t o = {.wzo_name = name, .wzo_alias = alias};
    int z = world_zone_add(w, &o);
    CU_ASSERT_FATAL(z > 0);
    CU_ASSERT_FATAL(world_zone_info(w, z, zi) == 0);
    return z;
}

/* Every generated zone: the alias exactly when the world has one. */
static void
test_world_aliases(void)
{
    world_t *w = world_new(32);
    discover_alias_t *da = discover_alias_new();
    char out[DISCOVER_ALIAS_MAX];
    int with = 0, without = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(da);
    for (uint64_t n = 0; n < 24; n++)
        CU_ASSERT_FATAL(world_zone_add_random(w, n) > 0);
    for (int z = world_zone_next(w, 0); z >= 0; z = world_zone_next(w, z)) {
        world_zone_info_t zi;
        CU_ASSERT_FATAL(world_zone_info(w, z, &zi) == 0);
        int rc = discover_alias_get(da, zi.wzi_name, zi.wzi_zoneid, 1.0, out);
        CU_ASSERT_EQUAL(rc, zi.wzi_alias[0] != '\0');
        CU_ASSERT_STRING_EQUAL(out, zi.wzi_alias);
        CU_ASSERT_EQUAL(discover_alias_read(zi.wzi_name, out), zi.wzi_alias[0] != '\0');
        CU_ASSERT_STRING_EQUAL(out, zi.wzi_alias);
        with += rc == 1;
        without += rc == 0;
    }
    CU_ASSERT(with > 0 && without > 0); /* both kinds were checked */
    /* All at once, as discovery asks: the same answers. */
    discover_instance_t v[32];
    zoneid_t ids[32];
    world_zone_info_t infos[32];
    size_t n = 0;
    sbuf_t arena = SBUF_INIT;
    for (int z = world_zone_next(w, 0); z >= 0 && n < 32; z = world_zone_next(w, z), n++) {
        CU_ASSERT_FATAL(world_zone_info(w, z, &infos[n]) == 0);
        v[n] = (discover_instance_t){infos[n].wzi_name, infos[n].wzi_brand, "stale"};
        ids[n] = infos[n].wzi_zoneid;
    }
    CU_ASSERT_EQUAL_FATAL(discover_alias_fill(da, v, ids, n, 2.0, &arena), 0);
    for (size_t i = 0; i < n; i++) {
        if (infos[i].wzi_alias[0] == '\0') {
            CU_ASSERT_PTR_NULL(v[i].di_alias);
        } else {
            CU_ASSERT(v[i].di_alias != NULL && strcmp(v[i].di_alias, infos[i].wzi_alias) == 0);
        }
    }
    sbuf_release(&arena);
    world_zone_info_t zi;
    zone_new(w, NULL, "caf\xc3\xa9 \"quoted\" \\ <b>", &zi);
    CU_ASSERT_EQUAL(discover_alias_get(da, zi.wzi_name, zi.wzi_zoneid, 1.0, out), 1);
    CU_ASSERT_STRING_EQUAL(out, zi.wzi_alias);
    CU_ASSERT_EQUAL(discover_alias_get(da, "no-such-zone", 5, 1.0, out), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    discover_alias_free(da);
    world_free(w);
}

#define UUID_FMT "00000000-0000-4000-8000-%012d"

/* Kept within the TTL, re-read after it, or at once for a new zone id. */
static void
test_cache(void)
{
    world_t *w = world_new(8);
    discover_alias_t *da = discover_alias_new();
    world_zone_info_t zi;
    char out[DISCOVER_ALIAS_MAX], name[64];
    snprintf(name, sizeof(name), UUID_FMT, 1);
    int z = zone_new(w, name, "before", &zi);
    int32_t id = zi.wzi_zoneid;
    CU_ASSERT_EQUAL(discover_alias_get(da, name, id, 10.0, out), 1);
    CU_ASSERT_STRING_EQUAL(out, "before");
    /* vmadm update alias=after: here the zone is recreated under the same name. */
    CU_ASSERT_EQUAL(world_zone_destroy(w, z), 0);
    zone_new(w, name, "after", &zi);
    CU_ASSERT_EQUAL(discover_alias_get(da, name, id, 10.0 + DISCOVER_ALIAS_TTL / 2, out), 1);
    CU_ASSERT_STRING_EQUAL(out, "before"); /* kept: same zone id, within the TTL */
    CU_ASSERT_EQUAL(discover_alias_get(da, name, id, 10.0 + DISCOVER_ALIAS_TTL, out), 1);
    CU_ASSERT_STRING_EQUAL(out, "after"); /* re-read after the TTL */
    /* A new zone id (reboot) is read at once, and an alias that went away too. */
    CU_ASSERT_EQUAL(world_zone_destroy(w, world_zone_find(w, name)), 0);
    zone_new(w, name, NULL, &zi);
    CU_ASSERT(zi.wzi_zoneid != id);
    CU_ASSERT_EQUAL(discover_alias_get(da, name, zi.wzi_zoneid, 10.0 + DISCOVER_ALIAS_TTL, out), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    discover_alias_free(da);
    world_free(w);
}

/* After the TTL, at most DISCOVER_ALIAS_BURST known instances are re-read at once. */
static void
test_rate(void)
{
    enum { N = (int)DISCOVER_ALIAS_BURST + 50 };
    world_t *w = world_new(N + 1);
    discover_alias_t *da = discover_alias_new();
    int32_t ids[N];
    char out[DISCOVER_ALIAS_MAX], name[64], alias[32];
    world_zone_info_t zi;
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), UUID_FMT, i);
        zone_new(w, name, "old", &zi);
        ids[i] = zi.wzi_zoneid;
        CU_ASSERT_EQUAL(discover_alias_get(da, name, ids[i], 0.0, out), 1);
    }
    world_batch_begin(w);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), UUID_FMT, i);
        snprintf(alias, sizeof(alias), "new-%d", i);
        CU_ASSERT_EQUAL(world_zone_destroy(w, world_zone_find(w, name)), 0);
        zone_new(w, name, alias, &zi);
    }
    world_batch_end(w);
    int fresh = 0;
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), UUID_FMT, i);
        discover_alias_get(da, name, ids[i], DISCOVER_ALIAS_TTL, out);
        fresh += strncmp(out, "new-", 4) == 0;
    }
    CU_ASSERT_EQUAL(fresh, (int)DISCOVER_ALIAS_BURST);
    fresh = 0;
    for (int i = 0; i < N; i++) { /* one second later the rest */
        snprintf(name, sizeof(name), UUID_FMT, i);
        discover_alias_get(da, name, ids[i], DISCOVER_ALIAS_TTL + 1, out);
        snprintf(alias, sizeof(alias), "new-%d", i);
        fresh += strcmp(out, alias) == 0;
    }
    CU_ASSERT_EQUAL(fresh, N);
    discover_alias_free(da);
    world_free(w);
}

static const CU_TestInfo tests[] = {
    {"world aliases", test_world_aliases},
    {"cache", test_cache},
    {"rate", test_rate},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "discover_alias", tests);
}
