/*
 * test_discover.c - the service-discovery document, read back with a JSON
 * parser and checked field by field.
 */
#include "discover.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"

static const char *
label(json_t *group, const char *key)
{
    return json_string_value(json_object_get(json_object_get(group, "labels"), key));
}

static void
test_groups(void)
{
    discover_instance_t v[3] = {
        {"11111111-2222-4333-8444-555555555555", "joyent", "web-1"},
        {"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "lx", NULL},
        {"01234567-89ab-4def-8123-456789abcdef", "bhyve", "db \"primary\"\n"},
    };
    size_t len = 0;
    char *s = discover_json(v, 3, "127.0.0.1:9163", &len);
    json_error_t jerr;
    json_t *doc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(len, strlen(s));
    doc = json_loads(s, 0, &jerr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_TRUE(json_is_array(doc));
    CU_ASSERT_EQUAL_FATAL(json_array_size(doc), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *g = json_array_get(doc, i), *t = json_object_get(g, "targets");
        char path[128];
        snprintf(path, sizeof(path), "/v1/%s/metrics", v[i].di_uuid);
        CU_ASSERT_EQUAL(json_array_size(t), 1);
        CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(t, 0)), "127.0.0.1:9163");
        CU_ASSERT_STRING_EQUAL(label(g, "__metrics_path__"), path);
        CU_ASSERT_STRING_EQUAL(label(g, "vm_uuid"), v[i].di_uuid);
        CU_ASSERT_STRING_EQUAL(label(g, "zonename"), v[i].di_uuid);
        CU_ASSERT_STRING_EQUAL(label(g, "brand"), v[i].di_brand);
        if (v[i].di_alias) {
            CU_ASSERT_STRING_EQUAL(label(g, "alias"), v[i].di_alias);
        } else {
            CU_ASSERT_PTR_NULL(label(g, "alias"));
        }
        CU_ASSERT_EQUAL(json_object_size(json_object_get(g, "labels")), v[i].di_alias ? 5 : 4);
    }
    json_decref(doc);
    free(s);
}

static void
test_empty(void)
{
    size_t len = 99;
    char *s = discover_json(NULL, 0, "h:1", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s, "[]");
    CU_ASSERT_EQUAL(len, 2);
    free(s);
}

static void
test_bad(void)
{
    discover_instance_t bad_utf8 = {"11111111-2222-4333-8444-555555555555", "lx", "\xff\xfe"};
    discover_instance_t no_brand = {"11111111-2222-4333-8444-555555555555", NULL, NULL};
    size_t len;
    CU_ASSERT_PTR_NULL(discover_json(&bad_utf8, 1, "h:1", &len));
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_PTR_NULL(discover_json(&no_brand, 1, "h:1", &len));
    CU_ASSERT_PTR_NULL(discover_json(NULL, 0, NULL, &len));
}

/* The cached document is the uncached one, across changes of the instance set. */
static void
test_cache(void)
{
    discover_instance_t v[3] = {
        {"11111111-2222-4333-8444-555555555555", "joyent", "web-1"},
        {"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "lx", NULL},
        {"01234567-89ab-4def-8123-456789abcdef", "bhyve", "db"},
    };
    discover_cache_t *dc = discover_cache_new();
    size_t l1, l2;
    CU_ASSERT_PTR_NOT_NULL_FATAL(dc);
    for (int round = 0; round < 40; round++) {
        size_t n = 1 + (size_t)round % 3;
        const char *target = round < 20 ? "h:1" : "h:2";
        if (round == 10)
            v[0].di_brand = "joyent-minimal"; /* a changed instance is rendered again */
        if (round == 12)
            v[1].di_alias = "named";
        char *a = discover_json(v, n, target, &l1);
        char *b = discover_cache_json(dc, v, n, target, &l2);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        CU_ASSERT_EQUAL(l1, l2);
        CU_ASSERT_STRING_EQUAL(a, b);
        free(a);
        free(b);
    }
    char *e = discover_cache_json(dc, NULL, 0, "h:2", &l2);
    CU_ASSERT_STRING_EQUAL(e, "[]");
    free(e);
    discover_instance_t bad = {"11111111-2222-4333-8444-555555555555", "lx", "\xff"};
    CU_ASSERT_PTR_NULL(discover_cache_json(dc, &bad, 1, "h:2", &l2));
    discover_cache_free(dc);
}

/* vmadm's base64 alias: RFC 4648 vectors, then what is refused. */
static void
test_alias_decode(void)
{
    static const char *vec[][2] = {{"Zg==", "f"},         {"Zm8=", "fo"},
                                   {"Zm9v", "foo"},       {"Zm9vYg==", "foob"},
                                   {"Zm9vYmE=", "fooba"}, {"Zm9vYmFy", "foobar"},
                                   {"d2ViLTE=", "web-1"}, {"Y2Fmw6k=", "caf\xc3\xa9"},
                                   {"YS9iK2M=", "a/b+c"}};
    static const char *bad[] = {"",     "Zg",   "Zg=",  "Zg===", "Z===", "Zm9v!A==",  "Zg==Zg==",
                                "=Zg=", "Zm=v", "AA==", "/w==",  "wCg=", "Zm9v\nYg=", "Zm 9"};
    char out[16];
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        CU_ASSERT_EQUAL(discover_alias_decode(vec[i][0], out, sizeof(out)), 0);
        CU_ASSERT_STRING_EQUAL(out, vec[i][1]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        errno = 0;
        CU_ASSERT_EQUAL(discover_alias_decode(bad[i], out, sizeof(out)), -1);
        CU_ASSERT_EQUAL(errno, EINVAL);
    }
    CU_ASSERT_EQUAL(discover_alias_decode(NULL, out, sizeof(out)), -1);
    errno = 0;
    CU_ASSERT_EQUAL(discover_alias_decode("Zm9vYmFy", out, 6), -1); /* 6 bytes + NUL */
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(discover_alias_decode("Zm9vYmFy", out, 7), 0);
    CU_ASSERT_STRING_EQUAL(out, "foobar");
}

static const CU_TestInfo tests[] = {
    {"groups", test_groups},
    {"empty", test_empty},
    {"bad input", test_bad},
    {"cache", test_cache},
    {"alias decode", test_alias_decode},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "discover", tests);
}
