/*
 * test_zonecfg.c - the fake libzonecfg against worlds built here: the alias
 * attribute of running and installed zones (base64, as vmadm stores it),
 * zones without one, unknown and destroyed zones, the global zone, the
 * attribute walk and lookup, bad handles, no world. Expected values come
 * from the world (world_zone_info) and from RFC 4648's test vectors.
 */
#include <CUnit/CUnit.h>
#include <libzonecfg.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* An independent RFC 4648 decoder (strict: padding required); -1 when not base64. */
static int
b64_decode(const char *s, char *out, size_t outlen)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s), k = 0;
    if (n % 4 != 0)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            const char *p = s[i + j] ? strchr(tab, s[i + j]) : NULL;
            if (s[i + j] == '=' && i + 4 == n && j >= 2) {
                pad++;
                v <<= 6;
                continue;
            }
            if (p == NULL || pad)
                return -1;
            v = v << 6 | (unsigned)(p - tab);
        }
        for (int j = 0; j < 3 - pad; j++) {
            if (k + 1 >= outlen)
                return -1;
            out[k++] = (char)(v >> (16 - 8 * j));
        }
    }
    out[k] = '\0';
    return 0;
}

/* The alias attribute of zonename by a full walk: Z_OK with it in tab, or the error. */
static int
walk_alias(const char *zonename, struct zone_attrtab *tab, int *nattrs)
{
    zone_dochandle_t h = zonecfg_init_handle();
    struct zone_attrtab a;
    int err, found = Z_NO_ENTRY;
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    *nattrs = 0;
    if ((err = zonecfg_get_handle(zonename, h)) != Z_OK) {
        zonecfg_fini_handle(h);
        return err;
    }
    CU_ASSERT_EQUAL(zonecfg_setattrent(h), Z_OK);
    while ((err = zonecfg_getattrent(h, &a)) == Z_OK) {
        (*nattrs)++;
        if (strcmp(a.zone_attr_name, "alias") == 0) {
            *tab = a;
            found = Z_OK;
        }
    }
    CU_ASSERT_EQUAL(err, Z_NO_ENTRY);
    CU_ASSERT_EQUAL(zonecfg_endattrent(h), Z_OK);
    zonecfg_fini_handle(h);
    return found;
}

static int
add_zone(world_t *w, const char *alias, int halted)
{
    world_zone_opts_t o = {.wzo_alias = alias, .wzo_halted = halted};
    int z = world_zone_add(w, &o);
    CU_ASSERT_FATAL(z > 0);
    return z;
}

static void
t_present(void)
{
    /* RFC 4648 section 10 vectors, and aliases as people write them. */
    static const char *vec[][2] = {{"f", "Zg=="},         {"fo", "Zm8="},
                                   {"foo", "Zm9v"},       {"foob", "Zm9vYg=="},
                                   {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    static const char *aliases[] = {
        "web-1", "caf\xc3\xa9 \xc3\xbc\xe2\x82\xac", "a b/c\"d\\e<f>",
        "123456789012345678901234567890123456789012345678901234567890123"};
    world_t *w = test_world_new(16, 1, 2);
    struct zone_attrtab tab;
    world_zone_info_t zi;
    char dec[128];
    int n;
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        world_zone_info(w, add_zone(w, vec[i][0], 0), &zi);
        CU_ASSERT_EQUAL(walk_alias(zi.wzi_name, &tab, &n), Z_OK);
        CU_ASSERT_EQUAL(n, 1);
        CU_ASSERT_STRING_EQUAL(tab.zone_attr_type, "string");
        CU_ASSERT_STRING_EQUAL(tab.zone_attr_value, vec[i][1]);
    }
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        world_zone_info(w, add_zone(w, aliases[i], 0), &zi);
        CU_ASSERT_EQUAL_FATAL(walk_alias(zi.wzi_name, &tab, &n), Z_OK);
        CU_ASSERT_EQUAL(b64_decode(tab.zone_attr_value, dec, sizeof(dec)), 0);
        CU_ASSERT_STRING_EQUAL(dec, zi.wzi_alias);
        CU_ASSERT_STRING_EQUAL(dec, aliases[i]);
    }
    /* A handle is a snapshot: the zone destroyed after the load still reads. */
    int z = add_zone(w, "gone-soon", 0);
    zone_dochandle_t h = zonecfg_init_handle();
    world_zone_info(w, z, &zi);
    CU_ASSERT_EQUAL(zonecfg_get_handle(zi.wzi_name, h), Z_OK);
    CU_ASSERT_EQUAL(world_zone_destroy(w, z), 0);
    memset(&tab, 0, sizeof(tab));
    strcpy(tab.zone_attr_name, "alias");
    CU_ASSERT_EQUAL(zonecfg_lookup_attr(h, &tab), Z_OK);
    CU_ASSERT(b64_decode(tab.zone_attr_value, dec, sizeof(dec)) == 0 &&
              strcmp(dec, "gone-soon") == 0);
    zonecfg_fini_handle(h);
    test_world_free(w);
}

static void
t_absent(void)
{
    world_t *w = test_world_new(16, 2, 2);
    world_zone_info_t zi;
    struct zone_attrtab tab;
    int n = -1;
    world_zone_info(w, add_zone(w, NULL, 0), &zi);
    CU_ASSERT_STRING_EQUAL(zi.wzi_alias, "");
    CU_ASSERT_EQUAL(walk_alias(zi.wzi_name, &tab, &n), Z_NO_ENTRY);
    CU_ASSERT_EQUAL(n, 0);
    /* world_zone_random's zones: the alias is there exactly when the world has one. */
    for (uint64_t k = 0; k < 9; k++) {
        int z = world_zone_add_random(w, k);
        CU_ASSERT_FATAL(z > 0);
        world_zone_info(w, z, &zi);
        int err = walk_alias(zi.wzi_name, &tab, &n);
        char dec[128];
        if (zi.wzi_alias[0] == '\0') {
            CU_ASSERT_EQUAL(err, Z_NO_ENTRY);
        } else {
            CU_ASSERT(err == Z_OK && b64_decode(tab.zone_attr_value, dec, sizeof(dec)) == 0 &&
                      strcmp(dec, zi.wzi_alias) == 0);
        }
    }
    test_world_free(w);
}

static void
t_unknown(void)
{
    world_t *w = test_world_new(4, 3, 2);
    zone_dochandle_t h = zonecfg_init_handle();
    world_zone_info_t zi;
    int z = add_zone(w, "named", 0);
    world_zone_info(w, z, &zi);
    CU_ASSERT_EQUAL(zonecfg_get_handle("11111111-2222-4333-8444-555555555555", h), Z_NO_ZONE);
    CU_ASSERT_EQUAL(zonecfg_get_handle("named", h), Z_NO_ZONE); /* an alias is not a zonename */
    CU_ASSERT_EQUAL(zonecfg_get_handle("", h), Z_NO_ZONE);
    CU_ASSERT_EQUAL(zonecfg_get_handle(NULL, h), Z_NO_ZONE);
    CU_ASSERT_EQUAL(zonecfg_setattrent(h), Z_BAD_HANDLE); /* nothing was loaded */
    CU_ASSERT_EQUAL(world_zone_destroy(w, z), 0);
    CU_ASSERT_EQUAL(zonecfg_get_handle(zi.wzi_name, h), Z_NO_ZONE); /* destroyed: unconfigured */
    zonecfg_fini_handle(h);
    test_world_free(w);
}

static void
t_halted(void)
{
    world_t *w = test_world_new(4, 4, 2);
    world_zone_info_t zi;
    struct zone_attrtab tab;
    char dec[128];
    int n;
    /* Installed, never booted: configured, so zonecfg reads it. */
    world_zone_info(w, add_zone(w, "installed-one", 1), &zi);
    CU_ASSERT_EQUAL(zi.wzi_state, WORLD_ZONE_INSTALLED);
    CU_ASSERT_EQUAL_FATAL(walk_alias(zi.wzi_name, &tab, &n), Z_OK);
    CU_ASSERT(b64_decode(tab.zone_attr_value, dec, sizeof(dec)) == 0 &&
              strcmp(dec, zi.wzi_alias) == 0);
    /* Running, then halted: still configured, same alias. */
    int z = add_zone(w, "halted-later", 0);
    CU_ASSERT_EQUAL(world_zone_halt(w, z), 0);
    world_zone_info(w, z, &zi);
    CU_ASSERT_EQUAL(zi.wzi_state, WORLD_ZONE_INSTALLED);
    CU_ASSERT_EQUAL_FATAL(walk_alias(zi.wzi_name, &tab, &n), Z_OK);
    CU_ASSERT(b64_decode(tab.zone_attr_value, dec, sizeof(dec)) == 0 &&
              strcmp(dec, "halted-later") == 0);
    world_zone_info(w, add_zone(w, NULL, 1), &zi);
    CU_ASSERT_EQUAL(walk_alias(zi.wzi_name, &tab, &n), Z_NO_ENTRY);
    test_world_free(w);
}

static void
t_global(void)
{
    world_t *w = test_world_new(4, 5, 2);
    world_zone_info_t zi;
    struct zone_attrtab tab;
    int n = -1;
    CU_ASSERT_EQUAL_FATAL(world_zone_info(w, 0, &zi), 0);
    CU_ASSERT_EQUAL(walk_alias(zi.wzi_name, &tab, &n), Z_NO_ENTRY);
    CU_ASSERT_EQUAL(n, 0);
    test_world_free(w);
}

static void
t_walk(void)
{
    world_t *w = test_world_new(4, 6, 2);
    zone_dochandle_t h = zonecfg_init_handle();
    world_zone_info_t zi;
    struct zone_attrtab a, b;
    world_zone_info(w, add_zone(w, "walker", 0), &zi);
    CU_ASSERT_EQUAL_FATAL(zonecfg_get_handle(zi.wzi_name, h), Z_OK);
    CU_ASSERT_EQUAL(zonecfg_setattrent(h), Z_OK);
    CU_ASSERT_EQUAL(zonecfg_getattrent(h, &a), Z_OK);
    CU_ASSERT_EQUAL(zonecfg_getattrent(h, &b), Z_NO_ENTRY);
    CU_ASSERT_EQUAL(zonecfg_getattrent(h, &b), Z_OK); /* the walk started over */
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
    CU_ASSERT_EQUAL(zonecfg_setattrent(h), Z_OK); /* and setattrent restarts it */
    CU_ASSERT_EQUAL(zonecfg_getattrent(h, &b), Z_OK);
    CU_ASSERT_EQUAL(zonecfg_getattrent(h, NULL), Z_INVAL);
    CU_ASSERT_EQUAL(zonecfg_endattrent(h), Z_OK);
    /* Loading another zone replaces the document. */
    world_zone_info(w, add_zone(w, NULL, 0), &zi);
    CU_ASSERT_EQUAL(zonecfg_get_handle(zi.wzi_name, h), Z_OK);
    CU_ASSERT_EQUAL(zonecfg_setattrent(h), Z_OK);
    CU_ASSERT_EQUAL(zonecfg_getattrent(h, &a), Z_NO_ENTRY);
    zonecfg_fini_handle(h);
    test_world_free(w);
}

static void
t_lookup(void)
{
    world_t *w = test_world_new(4, 7, 2);
    zone_dochandle_t h = zonecfg_init_handle();
    world_zone_info_t zi;
    struct zone_attrtab tab;
    world_zone_info(w, add_zone(w, "foobar", 0), &zi);
    CU_ASSERT_EQUAL_FATAL(zonecfg_get_handle(zi.wzi_name, h), Z_OK);
    memset(&tab, 0, sizeof(tab));
    strcpy(tab.zone_attr_name, "alias");
    CU_ASSERT_EQUAL(zonecfg_lookup_attr(h, &tab), Z_OK);
    CU_ASSERT_STRING_EQUAL(tab.zone_attr_type, "string");
    CU_ASSERT_STRING_EQUAL(tab.zone_attr_value, "Zm9vYmFy"); /* RFC 4648 */
    memset(&tab, 0, sizeof(tab));
    strcpy(tab.zone_attr_name, "alias");
    strcpy(tab.zone_attr_type, "int");
    CU_ASSERT_EQUAL(zonecfg_lookup_attr(h, &tab), Z_NO_RESOURCE_ID);
    memset(&tab, 0, sizeof(tab));
    strcpy(tab.zone_attr_name, "owner-uuid");
    CU_ASSERT_EQUAL(zonecfg_lookup_attr(h, &tab), Z_NO_RESOURCE_ID);
    CU_ASSERT_EQUAL(zonecfg_lookup_attr(h, NULL), Z_INVAL);
    world_zone_info(w, add_zone(w, NULL, 0), &zi);
    CU_ASSERT_EQUAL_FATAL(zonecfg_get_handle(zi.wzi_name, h), Z_OK);
    memset(&tab, 0, sizeof(tab));
    strcpy(tab.zone_attr_name, "alias");
    CU_ASSERT_EQUAL(zonecfg_lookup_attr(h, &tab), Z_NO_RESOURCE_ID);
    zonecfg_fini_handle(h);
    test_world_free(w);
}

static void
t_bad_handle(void)
{
    struct zone_attrtab tab;
    zone_dochandle_t h = zonecfg_init_handle();
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    memset(&tab, 0, sizeof(tab));
    CU_ASSERT_EQUAL(zonecfg_get_handle("global", NULL), Z_BAD_HANDLE);
    CU_ASSERT_EQUAL(zonecfg_setattrent(NULL), Z_BAD_HANDLE);
    CU_ASSERT_EQUAL(zonecfg_endattrent(NULL), Z_BAD_HANDLE);
    CU_ASSERT_EQUAL(zonecfg_getattrent(NULL, &tab), Z_INVAL);
    CU_ASSERT_EQUAL(zonecfg_setattrent(h), Z_BAD_HANDLE);
    CU_ASSERT_EQUAL(zonecfg_getattrent(h, &tab), Z_BAD_HANDLE);
    CU_ASSERT_EQUAL(zonecfg_endattrent(h), Z_BAD_HANDLE);
    CU_ASSERT_EQUAL(zonecfg_lookup_attr(h, &tab), Z_BAD_HANDLE);
    CU_ASSERT_STRING_EQUAL(zonecfg_strerror(Z_NO_ZONE), "No such zone configured");
    CU_ASSERT_STRING_EQUAL(zonecfg_strerror(-5), "Unknown error");
    zonecfg_fini_handle(h);
    zonecfg_fini_handle(NULL);
}

static void
t_world_gone(void)
{
    world_t *w = test_world_new(4, 8, 2);
    zone_dochandle_t h = zonecfg_init_handle();
    world_zone_info_t zi;
    world_zone_info(w, add_zone(w, "here", 0), &zi);
    CU_ASSERT_EQUAL(zonecfg_get_handle(zi.wzi_name, h), Z_OK);
    setenv(WORLD_ENV, "/dev/shm/cmon-test-no-such-world", 1);
    CU_ASSERT_EQUAL(zonecfg_get_handle(zi.wzi_name, h), Z_NO_ZONE);
    zonecfg_fini_handle(h);
    test_world_free(w);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {{"present", t_present},       {"absent", t_absent},
                                        {"unknown", t_unknown},       {"halted", t_halted},
                                        {"global", t_global},         {"walk", t_walk},
                                        {"lookup", t_lookup},         {"bad_handle", t_bad_handle},
                                        {"world_gone", t_world_gone}, {NULL, NULL}};
    return cunit_main(argc, argv, "zonecfg", cases);
}
