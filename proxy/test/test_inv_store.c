/* test_inv_store - the inventory's tables without HTTP: uuids, the hash under churn,
 * owners' lists, routes and discovery rendering. */
#include <CUnit/CUnit.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "inv_store.h"

static void
uuid_of(uint8_t out[16], unsigned kind, unsigned n)
{
    memset(out, 0, 16);
    out[0] = (uint8_t)kind;
    out[12] = (uint8_t)(n >> 24), out[13] = (uint8_t)(n >> 16);
    out[14] = (uint8_t)(n >> 8), out[15] = (uint8_t)n;
}

static void
put(inv_store_t *st, unsigned n, unsigned owner, unsigned server, int running, const char *groups)
{
    inv_vmrec_t r = {0};
    uuid_of(r.vr_uuid, 1, n);
    uuid_of(r.vr_owner, 2, owner);
    uuid_of(r.vr_server, 3, server);
    r.vr_running = running;
    r.vr_alias_json = strdup("\"a\"");
    r.vr_brand_json = strdup("\"joyent\"");
    r.vr_groups = strdup(groups);
    CU_ASSERT_EQUAL_FATAL(inv_store_upsert(st, &r), 0);
    CU_ASSERT_PTR_NULL(r.vr_alias_json);
}

static void
known_server(inv_store_t *st, unsigned server, const char *agent)
{
    inv_srvrec_t s = {0};
    uuid_of(s.sr_uuid, 3, server);
    s.sr_hostname_json = strdup("\"cn\"");
    snprintf(s.sr_agent, sizeof(s.sr_agent), "%s", agent);
    CU_ASSERT_EQUAL_FATAL(inv_store_server_set(st, &s), 0);
}

static size_t
containers(inv_store_t *st, unsigned owner, const inv_groups_t *g)
{
    uint8_t a[16];
    sbuf_t sb = SBUF_INIT;
    uuid_of(a, 2, owner);
    inv_store_render(st, a, g, &sb);
    CU_ASSERT_FALSE(sbuf_failed(&sb));
    json_error_t e;
    json_t *doc = json_loads(sb.sb_buf, 0, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    size_t n = json_array_size(json_object_get(doc, "containers"));
    json_decref(doc);
    sbuf_release(&sb);
    return n;
}

static void
test_uuid_round_trip(void)
{
    uint8_t u[16];
    char text[INV_UUID_LEN + 1] = {0};
    CU_ASSERT_EQUAL(inv_uuid_parse("0123ABCD-89ab-cdef-0123-456789abcdef", u), 0);
    inv_uuid_format(u, text);
    CU_ASSERT_STRING_EQUAL(text, "0123abcd-89ab-cdef-0123-456789abcdef");
    CU_ASSERT_EQUAL(inv_uuid_parse("0123abcd-89ab-cdef-0123-456789abcde", u), -1);
    CU_ASSERT_EQUAL(inv_uuid_parse("0123abcd-89ab-cdef-0123-456789abcdeg", u), -1);
    CU_ASSERT_EQUAL(inv_uuid_parse("0123abcd+89ab-cdef-0123-456789abcdef", u), -1);
    CU_ASSERT_EQUAL(inv_uuid_parse("0123abcd-89ab-cdef-0123-456789abcdef0", u), -1);
    CU_ASSERT_EQUAL(inv_uuid_parse(NULL, u), -1);
}

/* Many instances in and out: every one still present is found, every gone one is not. */
static void
test_churn_keeps_index_right(void)
{
    inv_store_t *st = inv_store_new();
    inv_route_t r;
    uint8_t u[16], a[16];
    known_server(st, 0, "127.0.0.1:1");
    for (unsigned i = 0; i < 20000; i++)
        put(st, i, i % 7, 0, 1, "");
    for (unsigned i = 0; i < 20000; i += 3) {
        uuid_of(u, 1, i);
        inv_store_remove(st, u);
    }
    for (unsigned i = 20000; i < 25000; i++)
        put(st, i, i % 7, 0, 1, "");
    size_t vms, running, servers, want = 0;
    for (unsigned i = 0; i < 25000; i++) {
        int present = i >= 20000 || i % 3 != 0;
        want += present;
        uuid_of(u, 1, i);
        uuid_of(a, 2, i % 7);
        CU_ASSERT_EQUAL(inv_store_route(st, u, a, 0, &r), present ? 0 : -1);
    }
    inv_store_counts(st, &vms, &running, &servers);
    CU_ASSERT_EQUAL(vms, want);
    CU_ASSERT_EQUAL(running, want);
    CU_ASSERT_EQUAL(servers, 1);
    size_t listed = 0;
    for (unsigned o = 0; o < 7; o++)
        listed += containers(st, o, NULL);
    CU_ASSERT_EQUAL(listed, want);
    inv_store_free(st);
}

/* An upsert that changes owner moves the instance between lists; stopped is not routed. */
static void
test_upsert_moves_and_stops(void)
{
    inv_store_t *st = inv_store_new();
    inv_route_t r;
    uint8_t u[16], a[16];
    known_server(st, 0, "127.0.0.1:1");
    put(st, 1, 10, 0, 1, "");
    put(st, 1, 11, 0, 1, "");
    CU_ASSERT_EQUAL(containers(st, 10, NULL), 0);
    CU_ASSERT_EQUAL(containers(st, 11, NULL), 1);
    uuid_of(u, 1, 1);
    uuid_of(a, 2, 11);
    CU_ASSERT_EQUAL(inv_store_route(st, u, a, 0, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.ir_agent, "127.0.0.1:1");
    CU_ASSERT_STRING_EQUAL(r.ir_path, "/v1/01000000-0000-0000-0000-000000000001/metrics");
    put(st, 1, 11, 0, 0, "");
    CU_ASSERT_EQUAL(inv_store_route(st, u, a, 0, &r), -1);
    CU_ASSERT_EQUAL(containers(st, 11, NULL), 0);
    inv_store_free(st);
}

/* Compute nodes route for operators only; an instance on an unknown node routes nowhere. */
static void
test_route_cn_and_unknown_server(void)
{
    inv_store_t *st = inv_store_new();
    inv_route_t r;
    uint8_t u[16], a[16], cn[16];
    known_server(st, 0, "127.0.0.1:1");
    put(st, 5, 10, 9, 1, "");
    uuid_of(u, 1, 5);
    uuid_of(a, 2, 10);
    uuid_of(cn, 3, 0);
    /* node 9 is unknown: the owner learns it exists but cannot be reached (503) */
    CU_ASSERT_EQUAL(inv_store_route(st, u, a, 0, &r), INV_ROUTE_NODE_UNKNOWN);
    CU_ASSERT_EQUAL(inv_store_route(st, u, a, 1, &r), INV_ROUTE_NODE_UNKNOWN);
    uint8_t other[16];
    uuid_of(other, 2, 11); /* anyone else learns nothing, even an operator */
    CU_ASSERT_EQUAL(inv_store_route(st, u, other, 0, &r), INV_ROUTE_NONE);
    CU_ASSERT_EQUAL(inv_store_route(st, u, other, 1, &r), INV_ROUTE_NONE);
    put(st, 6, 10, 9, 0, ""); /* stopped on the unknown node: nothing to scrape */
    uint8_t stopped[16];
    uuid_of(stopped, 1, 6);
    CU_ASSERT_EQUAL(inv_store_route(st, stopped, a, 0, &r), INV_ROUTE_NONE);
    CU_ASSERT_EQUAL(containers(st, 10, NULL), 0);
    uint8_t want[4][16];
    CU_ASSERT_EQUAL(inv_store_servers_unknown(st, 100.0, 30.0, want, 4), 1);
    CU_ASSERT_EQUAL(inv_store_servers_unknown(st, 110.0, 30.0, want, 4), 0); /* asked recently */
    CU_ASSERT_EQUAL(inv_store_servers_unknown(st, 131.0, 30.0, want, 4), 1);
    known_server(st, 9, "127.0.0.1:9");
    CU_ASSERT_EQUAL(inv_store_route(st, u, a, 0, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.ir_agent, "127.0.0.1:9");
    CU_ASSERT_EQUAL(inv_store_route(st, cn, a, 0, &r), -1);
    CU_ASSERT_EQUAL(inv_store_route(st, cn, a, 1, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.ir_path, "/v1/gz/metrics");
    CU_ASSERT_STRING_EQUAL(r.ir_agent, "127.0.0.1:1");
    inv_store_free(st);
}

static void
test_render_groups_filter(void)
{
    inv_store_t *st = inv_store_new();
    inv_groups_t g = {.ig_n = 2, .ig_names = {"db", "web"}};
    inv_groups_t none = {.ig_n = 1, .ig_names = {"nope"}};
    known_server(st, 0, "127.0.0.1:1");
    put(st, 1, 10, 0, 1, "web,prod");
    put(st, 2, 10, 0, 1, "db");
    put(st, 3, 10, 0, 1, "");
    put(st, 4, 10, 0, 1, "webby");
    CU_ASSERT_EQUAL(containers(st, 10, NULL), 4);
    CU_ASSERT_EQUAL(containers(st, 10, &g), 2);
    CU_ASSERT_EQUAL(containers(st, 10, &none), 0);
    CU_ASSERT_EQUAL(containers(st, 99, NULL), 0);
    inv_store_free(st);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo tests[] = {
        {"uuid round trip", test_uuid_round_trip},
        {"churn keeps index right", test_churn_keeps_index_right},
        {"upsert moves and stops", test_upsert_moves_and_stops},
        {"route cn and unknown server", test_route_cn_and_unknown_server},
        {"render groups filter", test_render_groups_filter},
        CU_TEST_INFO_NULL,
    };
    return cunit_main(argc, argv, "proxy_inv_store", tests);
}
