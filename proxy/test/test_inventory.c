/* test_inventory - the inventory against a control plane of the test's own
 * (cplane_fixture): listing, the change feed, compute nodes, discovery, routes,
 * groups and bad answers. */
#include <CUnit/CUnit.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cplane_fixture.h"
#include "cunit_main.h"
#include "inventory.h"

#define WAIT_MS 100   /* the follower's long poll in these tests */
#define SETTLE_S 40.0 /* how long a test waits for the follower to see a change: above the
                       * follower's longest back-off (30 s), which garbage answers can reach */

static char alice[37], bob[37], cn0[37], cn1[37];

static void
ids_init(void)
{
    cpfix_uuid(alice, 0xa, 1);
    cpfix_uuid(bob, 0xb, 2);
    cpfix_uuid(cn0, 0xc, 0);
    cpfix_uuid(cn1, 0xc, 1);
}

static cpfix_t *
fixture(void)
{
    ids_init();
    cpfix_t *f = cpfix_start();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    cpfix_server_put(f, cn0, "cn0", "127.0.0.1:9163", 1);
    return f;
}

static inventory_t *
start(cpfix_t *f)
{
    char err[512] = "";
    inventory_opts_t o = {.io_cplane = cpfix_url(f),
                          .io_wait_ms = WAIT_MS,
                          .io_timeout_ms = 2000,
                          .io_cn_refresh_s = 900};
    inventory_t *inv = inventory_start(&o, err, sizeof(err));
    if (inv == NULL)
        fprintf(stderr, "inventory_start: %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
    return inv;
}

/* uuid of instance n of kind 1 */
static const char *
vm_id(unsigned long n)
{
    static char buf[8][37];
    static unsigned next;
    char *b = buf[next++ % 8];
    cpfix_uuid(b, 1, n);
    return b;
}

static void
add_vm(cpfix_t *f, unsigned long n, const char *owner, const char *state, const char *groups,
       int feed)
{
    char alias[32];
    snprintf(alias, sizeof(alias), "vm-%lu", n);
    cpfix_vm_put(f, cpfix_vm_new(vm_id(n), owner, cn0, alias, state, groups, NULL), feed);
}

static int
routes(inventory_t *inv, unsigned long n, const char *account)
{
    inv_route_t r;
    return inventory_route(inv, vm_id(n), account, 0, &r) == 0;
}

/* Waits until the route of instance n for account is `want`; 1 when it came to be. */
static int
await_route(inventory_t *inv, unsigned long n, const char *account, int want)
{
    struct timespec nap = {0, 10 * 1000000L};
    for (double t = 0; t < SETTLE_S; t += 0.01) {
        if (routes(inv, n, account) == want)
            return 1;
        nanosleep(&nap, NULL);
    }
    return 0;
}

/* The discovery document of account (groups query as given), parsed. */
static json_t *
discover(inventory_t *inv, const char *account, const char *groups)
{
    inv_groups_t *g = NULL;
    char err[256];
    size_t len = 0;
    CU_ASSERT_EQUAL_FATAL(inventory_groups_parse(groups, &g, err, sizeof(err)), 0);
    char *body = inventory_discover(inv, account, g, &len);
    inventory_groups_free(g);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    CU_ASSERT_EQUAL(strlen(body), len);
    json_error_t e;
    json_t *doc = json_loads(body, 0, &e);
    free(body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    return doc;
}

static size_t
discover_count(inventory_t *inv, const char *account, const char *groups)
{
    json_t *doc = discover(inv, account, groups);
    size_t n = json_array_size(json_object_get(doc, "containers"));
    json_decref(doc);
    return n;
}

/* ---- listing ---- */

/* 2,500 instances: three pages of 1,000; each found, each routed, none for bob. */
static void
test_listing_pages(void)
{
    cpfix_t *f = fixture();
    for (unsigned long i = 0; i < 2500; i++)
        add_vm(f, i, alice, "running", NULL, 0);
    inventory_t *inv = start(f);
    inv_stats_t s;
    inventory_stats(inv, &s);
    CU_ASSERT_EQUAL(s.is_vms, 2500);
    CU_ASSERT_EQUAL(s.is_running, 2500);
    CU_ASSERT_EQUAL(s.is_servers, 1);
    CU_ASSERT(cpfix_count(f, "/vms") >= 3);
    CU_ASSERT_EQUAL(discover_count(inv, alice, NULL), 2500);
    CU_ASSERT_EQUAL(discover_count(inv, bob, NULL), 0);
    CU_ASSERT_TRUE(routes(inv, 0, alice));
    CU_ASSERT_TRUE(routes(inv, 2499, alice));
    CU_ASSERT_FALSE(routes(inv, 2499, bob));
    inventory_stop(inv);
    cpfix_stop(f);
}

/* Instances go away from the first page while the second is asked for: more than the
 * pages overlap, so the listing must notice the gap and step back. None is lost. */
static void
destroy_on_first_page(cpfix_t *f, size_t offset, void *arg)
{
    int *done = arg;
    if (offset != 0 || *done)
        return;
    *done = 1;
    for (unsigned long i = 0; i < 40; i++)
        cpfix_vm_destroy(f, vm_id(i), 1);
    for (unsigned long i = 5000; i < 5010; i++) /* and some added past the end */
        add_vm(f, i, alice, "running", NULL, 1);
}

static void
test_listing_total_changes(void)
{
    cpfix_t *f = fixture();
    int done = 0;
    for (unsigned long i = 0; i < 2500; i++)
        add_vm(f, i, alice, "running", NULL, 0);
    cpfix_on_page(f, destroy_on_first_page, &done);
    inventory_t *inv = start(f);
    CU_ASSERT_TRUE(done);
    for (unsigned long i = 40; i < 2500; i++)
        if (!routes(inv, i, alice)) {
            CU_FAIL("an instance that stayed is missing after the listing");
            break;
        }
    /* the feed, replayed from the head read before listing, brings the rest */
    CU_ASSERT_TRUE(await_route(inv, 5009, alice, 1));
    CU_ASSERT_TRUE(await_route(inv, 0, alice, 0));
    inv_stats_t s;
    inventory_stats(inv, &s);
    CU_ASSERT_EQUAL(s.is_vms, 2500 - 40 + 10);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* ---- the feed ---- */

static void
test_feed_upsert_destroy_state(void)
{
    cpfix_t *f = fixture();
    add_vm(f, 1, alice, "running", NULL, 0);
    add_vm(f, 2, alice, "running", NULL, 0);
    inventory_t *inv = start(f);
    add_vm(f, 3, alice, "running", NULL, 1); /* new */
    CU_ASSERT_TRUE(await_route(inv, 3, alice, 1));
    cpfix_vm_destroy(f, vm_id(1), 1); /* destroyed */
    CU_ASSERT_TRUE(await_route(inv, 1, alice, 0));
    add_vm(f, 2, alice, "stopped", NULL, 1); /* halted */
    CU_ASSERT_TRUE(await_route(inv, 2, alice, 0));
    CU_ASSERT_EQUAL(discover_count(inv, alice, NULL), 1);
    inv_stats_t s;
    inventory_stats(inv, &s);
    CU_ASSERT_EQUAL(s.is_vms, 2);
    CU_ASSERT_EQUAL(s.is_running, 1);
    CU_ASSERT_EQUAL(s.is_seq, cpfix_seq(f));
    add_vm(f, 2, alice, "running", NULL, 1); /* booted again */
    CU_ASSERT_TRUE(await_route(inv, 2, alice, 1));
    add_vm(f, 3, bob, "running", NULL, 1); /* given to bob */
    CU_ASSERT_TRUE(await_route(inv, 3, bob, 1));
    CU_ASSERT_FALSE(routes(inv, 3, alice));
    CU_ASSERT_EQUAL(discover_count(inv, bob, NULL), 1);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* 410: the feed forgot where we were; the inventory lists again and misses nothing. */
static void
test_feed_gone_relists(void)
{
    cpfix_t *f = fixture();
    add_vm(f, 1, alice, "running", NULL, 0);
    inventory_t *inv = start(f);
    add_vm(f, 2, alice, "running", NULL, 1);
    CU_ASSERT_TRUE(await_route(inv, 2, alice, 1));
    /* stop the follower's view: changes it will never see in the feed */
    cpfix_garbage(f, 503, "{}");
    struct timespec nap = {0, 300 * 1000000L};
    nanosleep(&nap, NULL);
    add_vm(f, 3, alice, "running", NULL, 1);
    cpfix_vm_destroy(f, vm_id(1), 1);
    cpfix_feed_forget(f);
    cpfix_garbage(f, 0, NULL);
    CU_ASSERT_TRUE(await_route(inv, 3, alice, 1));
    CU_ASSERT_TRUE(await_route(inv, 1, alice, 0));
    inv_stats_t s;
    inventory_stats(inv, &s);
    CU_ASSERT(s.is_relists >= 1);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* An instance on a node /servers does not list: looked up by uuid, then routed; the
 * look-up is not repeated for every change. */
static void
test_unknown_server_looked_up(void)
{
    cpfix_t *f = fixture();
    inventory_t *inv = start(f);
    cpfix_server_put(f, cn1, "cn1", "127.0.0.1:9999", 0);
    cpfix_vm_put(f, cpfix_vm_new(vm_id(7), alice, cn1, "late", "running", NULL, NULL), 1);
    CU_ASSERT_TRUE(await_route(inv, 7, alice, 1));
    inv_route_t r;
    CU_ASSERT_EQUAL(inventory_route(inv, vm_id(7), alice, 0, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.ir_agent, "127.0.0.1:9999");
    char path[64];
    snprintf(path, sizeof(path), "/v1/%s/metrics", vm_id(7));
    CU_ASSERT_STRING_EQUAL(r.ir_path, path);
    char one[64];
    snprintf(one, sizeof(one), "/servers/%s", cn1);
    CU_ASSERT_EQUAL(cpfix_count(f, one), 1);
    /* an instance on a node nobody knows: asked for once, never routed */
    char ghost[37];
    cpfix_uuid(ghost, 0xc, 77);
    cpfix_vm_put(f, cpfix_vm_new(vm_id(8), alice, ghost, "x", "running", NULL, NULL), 1);
    for (unsigned long i = 100; i < 110; i++)
        cpfix_vm_put(f, cpfix_vm_new(vm_id(i), alice, ghost, "x", "running", NULL, NULL), 1);
    snprintf(one, sizeof(one), "/servers/%s", ghost);
    struct timespec nap = {0, 10 * 1000000L};
    for (int i = 0; i < 500 && cpfix_count(f, one) == 0; i++)
        nanosleep(&nap, NULL);
    CU_ASSERT_TRUE(await_route(inv, 7, alice, 1));
    nap.tv_nsec = 500 * 1000000L;
    nanosleep(&nap, NULL);
    CU_ASSERT_EQUAL(cpfix_count(f, one), 1);
    CU_ASSERT_FALSE(routes(inv, 8, alice));
    CU_ASSERT_FALSE(routes(inv, 105, alice));
    inv_route_t lost;
    CU_ASSERT_EQUAL(inventory_route(inv, vm_id(8), alice, 0, &lost), INV_ROUTE_NODE_UNKNOWN);
    CU_ASSERT_EQUAL(inventory_route(inv, vm_id(8), bob, 0, &lost), INV_ROUTE_NONE);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* NAT zones (tag smartdc_role=nat) are neither listed nor followed; an alias "nat-*"
 * alone is a customer's name and stays. */
static void
test_nat_skipped(void)
{
    cpfix_t *f = fixture();
    cpfix_vm_put(f, cpfix_vm_new(vm_id(1), alice, cn0, "nat-0", "running", NULL, "nat"), 0);
    cpfix_vm_put(f, cpfix_vm_new(vm_id(2), alice, cn0, "nat-gateway", "running", NULL, NULL), 0);
    inventory_t *inv = start(f);
    CU_ASSERT_FALSE(routes(inv, 1, alice));
    CU_ASSERT_TRUE(routes(inv, 2, alice));
    cpfix_vm_put(f, cpfix_vm_new(vm_id(3), alice, cn0, "nat-1", "running", NULL, "nat"), 1);
    cpfix_vm_put(f, cpfix_vm_new(vm_id(2), alice, cn0, "nat-2", "running", NULL, "nat"), 1);
    CU_ASSERT_TRUE(await_route(inv, 2, alice, 0));
    CU_ASSERT_FALSE(routes(inv, 3, alice));
    CU_ASSERT_EQUAL(discover_count(inv, alice, NULL), 0);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* ---- groups ---- */

static int
groups_parse(const char *q)
{
    inv_groups_t *g = NULL;
    char err[256] = "";
    int rc = inventory_groups_parse(q, &g, err, sizeof(err));
    CU_ASSERT(rc == 0 || err[0] != '\0'); /* a refusal says why */
    inventory_groups_free(g);
    return rc;
}

static void
test_groups_parse(void)
{
    char big[2048], name101[102];
    CU_ASSERT_EQUAL(groups_parse(NULL), 0);
    CU_ASSERT_EQUAL(groups_parse(""), 0);
    CU_ASSERT_EQUAL(groups_parse("web"), 0);
    CU_ASSERT_EQUAL(groups_parse("web,db_1,A-b"), 0);
    CU_ASSERT_EQUAL(groups_parse("web,web"), -1);
    CU_ASSERT_EQUAL(groups_parse("web,"), -1);
    CU_ASSERT_EQUAL(groups_parse(",web"), -1);
    CU_ASSERT_EQUAL(groups_parse("we b"), -1);
    CU_ASSERT_EQUAL(groups_parse("web;db"), -1);
    CU_ASSERT_EQUAL(groups_parse("caf\xc3\xa9"), -1);
    memset(name101, 'a', 101);
    name101[101] = '\0';
    CU_ASSERT_EQUAL(groups_parse(name101), -1);
    name101[100] = '\0';
    CU_ASSERT_EQUAL(groups_parse(name101), 0);
    big[0] = '\0';
    for (int i = 0; i < 100; i++)
        snprintf(big + strlen(big), sizeof(big) - strlen(big), "%sg%d", i ? "," : "", i);
    CU_ASSERT_EQUAL(groups_parse(big), 0);
    strcat(big, ",g100");
    CU_ASSERT_EQUAL(groups_parse(big), -1);
}

/* Groups from the tag: invalid names dropped, repeats once; the filter is "any of". */
static void
test_discover_groups(void)
{
    cpfix_t *f = fixture();
    add_vm(f, 1, alice, "running", "web,prod", 0);
    add_vm(f, 2, alice, "running", "db, prod ,bad name,web!,prod", 0);
    add_vm(f, 3, alice, "running", NULL, 0);
    add_vm(f, 4, bob, "running", "web", 0);
    inventory_t *inv = start(f);
    CU_ASSERT_EQUAL(discover_count(inv, alice, NULL), 3);
    CU_ASSERT_EQUAL(discover_count(inv, alice, "web"), 1);
    CU_ASSERT_EQUAL(discover_count(inv, alice, "prod"), 2);
    CU_ASSERT_EQUAL(discover_count(inv, alice, "db,web"), 2);
    CU_ASSERT_EQUAL(discover_count(inv, alice, "nothing"), 0);
    CU_ASSERT_EQUAL(discover_count(inv, bob, "web"), 1);
    json_t *doc = discover(inv, alice, "db");
    json_t *c = json_array_get(json_object_get(doc, "containers"), 0);
    json_t *g = json_object_get(c, "groups");
    CU_ASSERT_EQUAL(json_array_size(g), 2);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(g, 0)), "db");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(g, 1)), "prod");
    json_decref(doc);
    doc = discover(inv, alice, "");
    json_t *all = json_object_get(doc, "containers");
    size_t i;
    json_array_foreach(
        all, i, c) if (strcmp(json_string_value(json_object_get(c, "vm_uuid")), vm_id(3)) == 0)
        CU_ASSERT_EQUAL(json_array_size(json_object_get(c, "groups")), 0);
    json_decref(doc);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* ---- discovery ---- */

/* Every field as the spec names it, and an alias with quotes, a backslash, a control
 * character and UTF-8 read back the same. */
static void
test_discover_fields_and_escaping(void)
{
    cpfix_t *f = fixture();
    const char *alias = "we\"b\\ \x01 caf\xc3\xa9 \xe2\x9c\x93";
    cpfix_vm_put(f, cpfix_vm_new(vm_id(1), alice, cn0, alias, "running", "web", NULL), 0);
    inventory_t *inv = start(f);
    json_t *doc = discover(inv, alice, NULL);
    CU_ASSERT_EQUAL(json_object_size(doc), 1);
    json_t *c = json_array_get(json_object_get(doc, "containers"), 0);
    CU_ASSERT_EQUAL(json_object_size(c), 6);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "vm_alias")), alias);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "vm_uuid")), vm_id(1));
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "server_uuid")), cn0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "vm_brand")), "joyent");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "vm_image_uuid")),
                           "11111111-2222-4333-8444-555555555555");
    CU_ASSERT_TRUE(json_is_array(json_object_get(c, "groups")));
    json_decref(doc);
    inventory_stop(inv);
    cpfix_stop(f);
}

static void
test_discover_cns(void)
{
    cpfix_t *f = fixture();
    cpfix_server_put(f, cn1, "cn\"1", "127.0.0.1:9164", 1);
    inventory_t *inv = start(f);
    size_t len;
    char *body = inventory_discover_cns(inv, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    json_t *doc = json_loads(body, 0, NULL);
    free(body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    json_t *cns = json_object_get(doc, "cns");
    CU_ASSERT_EQUAL(json_array_size(cns), 2);
    size_t i;
    json_t *c;
    int seen = 0;
    json_array_foreach(cns, i, c)
    {
        CU_ASSERT_EQUAL(json_object_size(c), 2);
        const char *u = json_string_value(json_object_get(c, "server_uuid"));
        const char *h = json_string_value(json_object_get(c, "server_hostname"));
        CU_ASSERT_PTR_NOT_NULL_FATAL(u);
        CU_ASSERT_PTR_NOT_NULL_FATAL(h);
        seen += strcmp(u, cn0) == 0 && strcmp(h, "cn0") == 0;
        seen += strcmp(u, cn1) == 0 && strcmp(h, "cn\"1") == 0;
    }
    CU_ASSERT_EQUAL(seen, 2);
    json_decref(doc);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* ---- routes ---- */

static void
test_route_rules(void)
{
    cpfix_t *f = fixture();
    add_vm(f, 1, alice, "running", NULL, 0);
    add_vm(f, 2, bob, "running", NULL, 0);
    inventory_t *inv = start(f);
    inv_route_t r;
    CU_ASSERT_EQUAL(inventory_route(inv, vm_id(1), alice, 0, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.ir_agent, "127.0.0.1:9163");
    CU_ASSERT_EQUAL(inventory_route(inv, vm_id(2), alice, 0, &r), -1); /* bob's */
    CU_ASSERT_EQUAL(inventory_route(inv, vm_id(2), alice, 1, &r), -1); /* even for an operator */
    CU_ASSERT_EQUAL(inventory_route(inv, vm_id(9), alice, 1, &r), -1); /* unknown */
    CU_ASSERT_EQUAL(inventory_route(inv, cn0, alice, 0, &r), -1);      /* a node, not operator */
    CU_ASSERT_EQUAL(inventory_route(inv, cn0, alice, 1, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.ir_path, "/v1/gz/metrics");
    CU_ASSERT_STRING_EQUAL(r.ir_agent, "127.0.0.1:9163");
    CU_ASSERT_EQUAL(inventory_route(inv, "gz", alice, 1, &r), -1);
    CU_ASSERT_EQUAL(inventory_route(inv, vm_id(1), "not-a-uuid", 0, &r), -1);
    CU_ASSERT_EQUAL(inventory_route(inv, NULL, alice, 0, &r), -1);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* ---- bad control planes ---- */

static void
test_start_fails_cleanly(void)
{
    char err[512] = "";
    inventory_opts_t o = {.io_cplane = "http://127.0.0.1:1", .io_timeout_ms = 1000};
    CU_ASSERT_PTR_NULL(inventory_start(&o, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "127.0.0.1:1"));
    o.io_cplane = NULL;
    CU_ASSERT_PTR_NULL(inventory_start(&o, err, sizeof(err)));
    cpfix_t *f = fixture();
    o.io_cplane = cpfix_url(f);
    cpfix_garbage(f, 200, "<html>not json</html>");
    CU_ASSERT_PTR_NULL(inventory_start(&o, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not JSON"));
    cpfix_garbage(f, 200, "{\"seq\":\"seven\"}");
    CU_ASSERT_PTR_NULL(inventory_start(&o, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "shape"));
    cpfix_stop(f);
}

/* Garbage, errors and bodies of the wrong shape: the old inventory stays, and comes
 * back to life when the control plane does. */
static void
test_garbage_keeps_inventory(void)
{
    static const struct {
        int status;
        const char *body;
    } bad[] = {
        {200, "not json at all"},
        {200, "[1,2,3]"},
        {200, "{\"seq\":5,\"changes\":{}}"},
        {200, "{\"seq\":-1,\"changes\":[]}"},
        {500, "{\"code\":\"InternalError\",\"message\":\"x\"}"},
        {404, ""},
    };
    cpfix_t *f = fixture();
    add_vm(f, 1, alice, "running", NULL, 0);
    inventory_t *inv = start(f);
    struct timespec nap = {0, 10 * 1000000L};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned before = cpfix_count(f, "/");
        cpfix_garbage(f, bad[i].status, bad[i].body);
        while (cpfix_count(f, "/") < before + 4) /* the follower's poll, and a re-listing */
            nanosleep(&nap, NULL);
        CU_ASSERT_TRUE(routes(inv, 1, alice));
        CU_ASSERT_EQUAL(discover_count(inv, alice, NULL), 1 + i); /* 1 and those added */
        cpfix_garbage(f, 0, NULL);
        add_vm(f, 10 + i, alice, "running", NULL, 1);
        CU_ASSERT_TRUE(await_route(inv, 10 + i, alice, 1));
        CU_ASSERT_TRUE(routes(inv, 1, alice));
    }
    inventory_stop(inv);
    cpfix_stop(f);
}

/* Records of the wrong shape in the feed and in a listing are skipped, the rest kept. */
static void
test_bad_records_skipped(void)
{
    cpfix_t *f = fixture();
    add_vm(f, 1, alice, "running", NULL, 0);
    json_t *vm = cpfix_vm_new(vm_id(2), alice, cn0, "x", "running", NULL, NULL);
    json_object_set_new(vm, "owner_uuid", json_integer(3));
    cpfix_vm_put(f, vm, 0);
    inventory_t *inv = start(f);
    CU_ASSERT_TRUE(routes(inv, 1, alice));
    CU_ASSERT_FALSE(routes(inv, 2, alice));
    cpfix_change_raw(f, json_pack("{s:s}", "type", "upsert"));
    cpfix_change_raw(f, json_pack("{s:s, s:i}", "type", "destroy", "uuid", 5));
    cpfix_change_raw(f, json_pack("{s:s, s:s}", "type", "explode", "uuid", vm_id(1)));
    cpfix_change_raw(f, json_string("nonsense"));
    vm = cpfix_vm_new(vm_id(3), alice, cn0, "x", "running", NULL, NULL);
    json_object_set_new(vm, "tags", json_string("oops"));
    cpfix_vm_put(f, vm, 1);
    vm = cpfix_vm_new(vm_id(4), alice, cn0, "x", "running", NULL, NULL);
    json_object_set_new(vm, "alias", json_integer(4));
    cpfix_vm_put(f, vm, 1);
    add_vm(f, 5, alice, "running", NULL, 1);
    CU_ASSERT_TRUE(await_route(inv, 5, alice, 1));
    CU_ASSERT_TRUE(routes(inv, 1, alice));
    CU_ASSERT_FALSE(routes(inv, 3, alice));
    CU_ASSERT_FALSE(routes(inv, 4, alice));
    inv_stats_t s;
    inventory_stats(inv, &s);
    CU_ASSERT_EQUAL(s.is_seq, cpfix_seq(f));
    inventory_stop(inv);
    cpfix_stop(f);
}

/* A control plane slower than the timeout: start gives up with a message; a running
 * inventory keeps what it has and recovers when the control plane does. */
static void
test_slow_control_plane(void)
{
    cpfix_t *f = fixture();
    char err[512] = "";
    inventory_opts_t o = {.io_cplane = cpfix_url(f), .io_wait_ms = WAIT_MS, .io_timeout_ms = 300};
    add_vm(f, 1, alice, "running", NULL, 0);
    cpfix_delay(f, 1500);
    CU_ASSERT_PTR_NULL(inventory_start(&o, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "timed out"));
    cpfix_delay(f, 0);
    inventory_t *inv = inventory_start(&o, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
    unsigned before = cpfix_count(f, "/");
    cpfix_delay(f, 1500);
    struct timespec nap = {0, 10 * 1000000L};
    while (cpfix_count(f, "/") < before + 3)
        nanosleep(&nap, NULL);
    CU_ASSERT_TRUE(routes(inv, 1, alice));
    cpfix_delay(f, 0);
    add_vm(f, 2, alice, "running", NULL, 1);
    CU_ASSERT_TRUE(await_route(inv, 2, alice, 1));
    inventory_stop(inv);
    cpfix_stop(f);
}

/* inventory_stop() ends a long poll in progress instead of waiting for its answer. */
static void
test_stop_cancels_long_poll(void)
{
    cpfix_t *f = fixture();
    char err[512] = "";
    inventory_opts_t o = {.io_cplane = cpfix_url(f), .io_wait_ms = 30000};
    inventory_t *inv = inventory_start(&o, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
    unsigned in = 0, out = 0;
    struct timespec nap = {0, 10 * 1000000L};
    while (in == 0) {
        nanosleep(&nap, NULL);
        cpfix_polls(f, &in, &out);
    }
    inventory_stop(inv);
    cpfix_polls(f, &in, &out);
    CU_ASSERT_EQUAL(out, 0); /* the 30 s poll was still waiting when stop returned */
    cpfix_stop(f);
}

/* A backlog larger than the feed's body bound is not parsed: the inventory lists again. */
static void
test_big_backlog_relists(void)
{
    cpfix_t *f = fixture();
    add_vm(f, 1, alice, "running", NULL, 0);
    inventory_t *inv = start(f);
    cpfix_garbage(f, 503, "{}"); /* the follower sees none of the backlog being made */
    char alias[200];
    memset(alias, 'x', sizeof(alias) - 1);
    alias[sizeof(alias) - 1] = '\0';
    for (unsigned long i = 1000; i < 1000 + 12000; i++)
        cpfix_vm_put(f, cpfix_vm_new(vm_id(i), alice, cn0, alias, "running", NULL, NULL), 1);
    cpfix_garbage(f, 0, NULL);
    CU_ASSERT_TRUE(await_route(inv, 12999, alice, 1));
    CU_ASSERT_TRUE(routes(inv, 1000, alice));
    inv_stats_t s;
    inventory_stats(inv, &s);
    CU_ASSERT_EQUAL(s.is_vms, 12001);
    CU_ASSERT(s.is_relists >= 1);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* A control plane that answers every long poll at once with nothing: the follower
 * waits between polls instead of spinning (a bound far above the ~20 polls/s it makes,
 * far below a busy loop's thousands). */
static void
test_no_busy_loop(void)
{
    cpfix_t *f = fixture();
    inventory_t *inv = start(f);
    cpfix_no_long_poll(f, 1);
    unsigned before = cpfix_count(f, "/changes");
    struct timespec second = {1, 0};
    nanosleep(&second, NULL);
    unsigned polls = cpfix_count(f, "/changes") - before;
    CU_ASSERT(polls >= 1);
    CU_ASSERT(polls <= 200);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* /servers is read again every io_cn_refresh_s: nodes come and go; an agent address
 * that could not be put in a URL is refused. */
static void
test_servers_refresh(void)
{
    cpfix_t *f = fixture();
    char err[512] = "", bad[37];
    cpfix_uuid(bad, 0xc, 66);
    cpfix_server_put(f, bad, "evil", "127.0.0.1:80/x?y", 1);
    inventory_opts_t o = {.io_cplane = cpfix_url(f), .io_wait_ms = WAIT_MS, .io_cn_refresh_s = 1};
    inventory_t *inv = inventory_start(&o, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
    inv_route_t r;
    CU_ASSERT_EQUAL(inventory_route(inv, bad, alice, 1, &r), -1);
    CU_ASSERT_EQUAL(inventory_route(inv, cn1, alice, 1, &r), -1);
    cpfix_server_put(f, cn1, "cn1", "127.0.0.1:9164", 1);
    cpfix_server_put(f, cn0, "cn0", "127.0.0.1:9163", 0); /* no longer listed */
    struct timespec nap = {0, 10 * 1000000L};
    for (int i = 0; i < 1000 && inventory_route(inv, cn1, alice, 1, &r) != 0; i++)
        nanosleep(&nap, NULL);
    CU_ASSERT_EQUAL(inventory_route(inv, cn1, alice, 1, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.ir_agent, "127.0.0.1:9164");
    CU_ASSERT_EQUAL(inventory_route(inv, cn0, alice, 1, &r), -1);
    inv_stats_t s;
    inventory_stats(inv, &s);
    CU_ASSERT_EQUAL(s.is_servers, 1);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* A control plane that restarted (its feed numbered from 0 again) is noticed by the
 * head check, every io_cn_refresh_s here, and listed again. */
static void
test_control_plane_restart(void)
{
    cpfix_t *f = fixture();
    char err[512] = "";
    for (unsigned long i = 0; i < 5; i++)
        add_vm(f, i, alice, "running", NULL, 1);
    inventory_opts_t o = {.io_cplane = cpfix_url(f), .io_wait_ms = WAIT_MS, .io_cn_refresh_s = 1};
    inventory_t *inv = inventory_start(&o, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
    cpfix_feed_restart(f);
    cpfix_vm_destroy(f, vm_id(0), 0);
    add_vm(f, 9, alice, "running", NULL, 1); /* seq 1, behind where the follower is */
    CU_ASSERT_TRUE(await_route(inv, 9, alice, 1));
    CU_ASSERT_TRUE(await_route(inv, 0, alice, 0));
    inv_stats_t s;
    inventory_stats(inv, &s);
    CU_ASSERT_EQUAL(s.is_seq, 1);
    CU_ASSERT(s.is_relists >= 1);
    inventory_stop(inv);
    cpfix_stop(f);
}

/* The control plane restarts while the inventory is listed (after the listing's first
 * page) and records a new instance at seq 1 of its new feed: the head read after the
 * listing is behind the one before, so the listing is done again, and the follower
 * follows from 1. Listed once, our position would be 5, ahead of the feed: the new
 * instance unseen until the next head check (a minute). */
static void
restart_once(cpfix_t *f, size_t offset, void *arg)
{
    int *done = arg;
    (void)offset;
    if (*done)
        return;
    *done = 1;
    cpfix_feed_restart(f);
    add_vm(f, 9, alice, "running", NULL, 1);
}

static void
test_restart_while_listing(void)
{
    cpfix_t *f = fixture();
    for (unsigned long i = 0; i < 5; i++)
        add_vm(f, i, alice, "running", NULL, 1);
    int done = 0;
    cpfix_on_page(f, restart_once, &done);
    inventory_t *inv = start(f);
    CU_ASSERT_TRUE(done);
    inv_stats_t s;
    inventory_stats(inv, &s);
    CU_ASSERT_EQUAL(s.is_seq, 1);
    CU_ASSERT_TRUE(routes(inv, 9, alice));
    CU_ASSERT_TRUE(routes(inv, 0, alice));
    add_vm(f, 10, alice, "running", NULL, 1); /* seq 2: followed */
    CU_ASSERT_TRUE(await_route(inv, 10, alice, 1));
    inventory_stop(inv);
    cpfix_stop(f);
}

/* A control plane that gives smaller pages than asked (7 a page), and a listing where
 * instances go away while it pages: still every instance. */
static void
destroy_some(cpfix_t *f, size_t offset, void *arg)
{
    int *done = arg;
    if (offset > 20 && offset < 40 && !*done) /* 30 from the start: past the overlap */
        for (unsigned long i = 0; i < 30; i++)
            cpfix_vm_destroy(f, vm_id(i), 1);
    *done |= offset > 20 && offset < 40;
}

static void
test_listing_small_pages(void)
{
    cpfix_t *f = fixture();
    for (unsigned long i = 0; i < 100; i++)
        add_vm(f, i, alice, "running", NULL, 0);
    int done = 0;
    cpfix_page_cap(f, 7);
    cpfix_on_page(f, destroy_some, &done);
    inventory_t *inv = start(f);
    for (unsigned long i = 30; i < 100; i++)
        CU_ASSERT_TRUE(routes(inv, i, alice));
    /* pages of 7 moving by 4: 25 without the destroys, fewer after them but for the
     * steps back over the gap */
    CU_ASSERT(cpfix_count(f, "/vms") > 25);
    CU_ASSERT_TRUE(await_route(inv, 0, alice, 0)); /* the destroys come through the feed */
    inv_stats_t s;
    inventory_stats(inv, &s);
    CU_ASSERT_EQUAL(s.is_vms, 70);
    inventory_stop(inv);
    cpfix_stop(f);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo tests[] = {
        {"listing pages", test_listing_pages},
        {"listing total changes", test_listing_total_changes},
        {"listing small pages", test_listing_small_pages},
        {"feed upsert destroy state", test_feed_upsert_destroy_state},
        {"feed gone relists", test_feed_gone_relists},
        {"unknown server looked up", test_unknown_server_looked_up},
        {"nat skipped", test_nat_skipped},
        {"groups parse", test_groups_parse},
        {"discover groups", test_discover_groups},
        {"discover fields and escaping", test_discover_fields_and_escaping},
        {"discover cns", test_discover_cns},
        {"route rules", test_route_rules},
        {"start fails cleanly", test_start_fails_cleanly},
        {"garbage keeps inventory", test_garbage_keeps_inventory},
        {"bad records skipped", test_bad_records_skipped},
        {"slow control plane", test_slow_control_plane},
        {"stop cancels long poll", test_stop_cancels_long_poll},
        {"big backlog relists", test_big_backlog_relists},
        {"no busy loop", test_no_busy_loop},
        {"servers refresh", test_servers_refresh},
        {"control plane restart", test_control_plane_restart},
        {"restart while listing", test_restart_while_listing},
        CU_TEST_INFO_NULL,
    };
    return cunit_main(argc, argv, "proxy_inventory", tests);
}
