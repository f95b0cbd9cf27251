/*
 * test_control.c - the control protocol of serve (sim/cmd/control.h,
 * CONTROL.md) applied to a world in this process, no socket: each request's
 * effect as a reader sees it through libkstat and the zone calls, each bad
 * request's status and code, and the world unchanged after a refusal.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "kstat.h"
#include "test_util.h"
#include "zone.h"

static json_t *reply;

/* Applies POST path with body; the status (the answer in reply). */
static int
post(control_t *c, const char *path, const char *body)
{
    json_decref(reply);
    return control_apply(c, "POST", path, body, body ? strlen(body) : 0, &reply);
}

static const char *
code(void)
{
    const char *s = json_string_value(json_object_get(reply, "code"));
    return s ? s : "";
}

/* kstat_read of zone zoneid's module kstat n times: how many failed with errno e. */
static int
read_fails(const char *module, int zoneid, int n, int e)
{
    kstat_ctl_t *kc = kstat_open();
    kstat_t *k;
    int fails = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
    k = kstat_lookup(kc, (char *)module, zoneid, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    for (int i = 0; i < n; i++) {
        errno = 0;
        if (kstat_read(kc, k, NULL) == -1)
            fails += errno == e;
    }
    kstat_close(kc);
    return fails;
}

static void
test_faults(void)
{
    world_t *w = test_world_new(4, 5, 2);
    test_zone_add(w, "f1", 1, 0);
    control_t *c = control_new(w, 0, 0, 100);
    zoneid_t id = getzoneidbyname("f1");
    char body[256];

    CU_ASSERT_EQUAL(post(c, "/v1/faults/set", "{\"module\":\"zone_vfs\",\"errno\":\"EIO\"}"), 200);
    CU_ASSERT_EQUAL(read_fails("zone_vfs", id, 50, EIO), 50);
    CU_ASSERT_EQUAL(read_fails("zones", id, 50, EIO), 0); /* another module */
    snprintf(body, sizeof(body), "{\"module\":\"*\",\"zone\":\"f1\",\"errno\":\"EAGAIN\"}");
    CU_ASSERT_EQUAL(post(c, "/v1/faults/set", body), 200);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(reply, "faults")), 2);
    CU_ASSERT_EQUAL(read_fails("zones", id, 50, EAGAIN), 50);
    CU_ASSERT_EQUAL(read_fails("zones", 0, 50, EAGAIN), 0); /* the global zone is not f1 */
    /* clear one module's: the other fault stays, set again in the world */
    CU_ASSERT_EQUAL(post(c, "/v1/faults/clear", "{\"module\":\"zone_vfs\"}"), 200);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(reply, "cleared")), 1);
    CU_ASSERT_EQUAL(read_fails("zones", id, 50, EAGAIN), 50);
    CU_ASSERT_EQUAL(post(c, "/v1/faults/clear", NULL), 200);
    CU_ASSERT_EQUAL(read_fails("zones", id, 50, EAGAIN), 0);
    /* a zone destroyed behind the control's back (serve's churn): its fault goes with it */
    CU_ASSERT_EQUAL(post(c, "/v1/faults/set", body), 200);
    CU_ASSERT_EQUAL(world_zone_destroy(w, world_zone_find(w, "f1")), 0);
    test_zone_add(w, "f2", 1, 0); /* in the same slot */
    CU_ASSERT_EQUAL(post(c, "/v1/state", "{\"zones\":false}"), 200);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(reply, "faults")), 0);
    CU_ASSERT_EQUAL(read_fails("zones", getzoneidbyname("f2"), 50, EAGAIN), 0);
    control_free(c);
    test_world_free(w);
}

static void
test_bad_faults(void)
{
    world_t *w = test_world_new(4, 5, 2);
    test_zone_add(w, "f1", 1, 0);
    control_t *c = control_new(w, 0, 0, 100);
    static const struct {
        const char *body;
        int status;
        const char *code;
    } bad[] = {
        {"{\"module\":\"zone_vfs\",\"errno\":\"EIO\",\"rate\":1.5}", 400, "bad_request"},
        {"{\"module\":\"zone_vfs\",\"errno\":\"EIO\",\"rate\":-0.1}", 400, "bad_request"},
        {"{\"module\":\"zone_vfs\",\"rate\":0.5}", 400, "bad_request"},
        {"{\"module\":\"zone_vfs\",\"errno\":\"ENOMEM\"}", 400, "bad_request"},
        {"{\"module\":\"zone_vfs\"}", 400, "bad_request"},
        {"{\"errno\":\"EIO\"}", 400, "bad_request"},
        {"{\"module\":\"zone_vfs\",\"latency_us\":-1}", 400, "bad_request"},
        {"{\"module\":\"zone_vfs\",\"latency_us\":5,\"colour\":1}", 400, "bad_request"},
        {"{\"module\":\"zone_vfs\",\"vanish\":true}", 400, "bad_request"},
        {"{\"module\":\"bogus\",\"latency_us\":5}", 404, "unknown_module"},
        {"{\"module\":\"zones\",\"zone\":\"nobody\",\"latency_us\":5}", 404, "unknown_zone"},
        {"[1,2]", 400, "bad_request"},
        {"{\"module\":", 400, "bad_request"},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_EQUAL(post(c, "/v1/faults/set", bad[i].body), bad[i].status);
        CU_ASSERT_STRING_EQUAL(code(), bad[i].code);
    }
    CU_ASSERT_EQUAL(read_fails("zone_vfs", getzoneidbyname("f1"), 20, EIO), 0); /* unchanged */
    for (int i = 0; i < 32; i++)
        CU_ASSERT_EQUAL(post(c, "/v1/faults/set", "{\"module\":\"tcp\",\"latency_us\":1}"), 200);
    CU_ASSERT_EQUAL(post(c, "/v1/faults/set", "{\"module\":\"tcp\",\"latency_us\":1}"), 409);
    CU_ASSERT_STRING_EQUAL(code(), "conflict");
    CU_ASSERT_EQUAL(post(c, "/v1/faults/clear", "{\"module\":\"nope\"}"), 404);
    control_free(c);
    test_world_free(w);
}

/* The uuid of the i-th zone of reply's "zones" list. */
static const char *
zone_uuid(size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(reply, "zones"), i), "uuid"));
}

static void
test_zones(void)
{
    world_t *w = test_world_new(6, 5, 2);
    test_zone_add(w, "core0", 1, 0);
    control_t *c = control_new(w, 1, 0, 100); /* zix 1 is a core zone */
    char body[256], uuid[WORLD_NAME_MAX];

    CU_ASSERT_EQUAL(post(c, "/v1/zones/create", "{\"brand\":\"lx\",\"count\":3}"), 200);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(reply, "zones")), 3);
    CU_ASSERT_EQUAL(world_zone_count(w), 5);
    snprintf(uuid, sizeof(uuid), "%s", zone_uuid(0));
    int zix = world_zone_find(w, uuid);
    world_zone_info_t i;
    CU_ASSERT_EQUAL_FATAL(world_zone_info(w, zix, &i), 0);
    CU_ASSERT_STRING_EQUAL(i.wzi_brand, "lx");
    CU_ASSERT_EQUAL(i.wzi_state, WORLD_ZONE_RUNNING);
    CU_ASSERT(getzoneidbyname(uuid) > 0); /* the zone calls see it */
    /* no room for 3 more: nothing is made */
    CU_ASSERT_EQUAL(post(c, "/v1/zones/create", "{\"count\":3}"), 409);
    CU_ASSERT_EQUAL(world_zone_count(w), 5);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/create", "{\"brand\":\"solaris\"}"), 400);

    snprintf(body, sizeof(body), "{\"uuid\":\"%s\"}", uuid);
    int32_t before = i.wzi_zoneid;
    CU_ASSERT_EQUAL(post(c, "/v1/zones/reboot", body), 200);
    world_zone_info(w, zix, &i);
    CU_ASSERT(i.wzi_zoneid != before && i.wzi_state == WORLD_ZONE_RUNNING);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/halt", body), 200);
    CU_ASSERT_EQUAL(getzoneidbyname(uuid), -1);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/halt", body), 409); /* not running */
    CU_ASSERT_EQUAL(post(c, "/v1/zones/boot", body), 200);
    CU_ASSERT(getzoneidbyname(uuid) > 0);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/halt", "{\"uuid\":\"nobody\"}"), 404);
    CU_ASSERT_STRING_EQUAL(code(), "unknown_zone");
    CU_ASSERT_EQUAL(post(c, "/v1/zones/halt", "{\"uuid\":\"global\"}"), 409);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/halt", "{\"uuid\":\"x\",\"count\":1}"), 400);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/halt", "{}"), 400);

    /* count skips the core zone and takes only what can be halted; 5 is too many */
    CU_ASSERT_EQUAL(post(c, "/v1/zones/halt", "{\"count\":4}"), 409);
    CU_ASSERT(getzoneidbyname("core0") > 0);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/halt", "{\"count\":3}"), 200);
    CU_ASSERT(getzoneidbyname("core0") > 0);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/boot", "{\"alias\":\"lx-*\"}"), 200);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(reply, "zones")), 3);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/boot", "{\"alias\":\"lx-*\"}"), 409); /* all running */
    CU_ASSERT_EQUAL(post(c, "/v1/zones/boot", "{\"alias\":\"web*\"}"), 404);

    CU_ASSERT_EQUAL(post(c, "/v1/zones/destroy", body), 200);
    CU_ASSERT_EQUAL(world_zone_find(w, uuid), -1);
    CU_ASSERT_EQUAL(world_zone_count(w), 4);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/destroy", body), 404);
    control_free(c);
    test_world_free(w);
}

static void
test_load_caps(void)
{
    world_t *w = test_world_new(4, 5, 2);
    int zix = test_zone_add(w, "z1", 1, 0);
    control_t *c = control_new(w, 0, 0, 100);
    world_zone_info_t i;

    CU_ASSERT_EQUAL(post(c, "/v1/zones/load", "{\"uuid\":\"z1\",\"load\":{\"cpu_user\":3}}"), 200);
    world_zone_info(w, zix, &i);
    CU_ASSERT_DOUBLE_EQUAL(i.wzi_load.wl_cpu_user, 3, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(i.wzi_load.wl_cpu_sys, 0.25, 1e-9); /* kept */
    CU_ASSERT_EQUAL(post(c, "/v1/zones/load", "{\"uuid\":\"z1\",\"load\":{\"cpu\":3}}"), 400);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/load", "{\"uuid\":\"z1\",\"load\":{\"rss\":-3}}"), 400);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/load", "{\"uuid\":\"z1\"}"), 400);
    CU_ASSERT_EQUAL(post(c, "/v1/zones/caps", "{\"uuid\":\"z1\",\"cpu_cap\":150}"), 200);
    world_zone_info(w, zix, &i);
    CU_ASSERT_EQUAL(i.wzi_cpu_cap, 150);
    CU_ASSERT_EQUAL(i.wzi_mem_cap, 1ULL << 30); /* kept */
    control_free(c);
    test_world_free(w);
}

static void
test_time_and_routes(void)
{
    world_t *w = test_world_new(4, 5, 2);
    int zix = test_zone_add(w, "t1", 1, 0);
    control_t *c = control_new(w, 0, 0, 100);
    world_value_t a, b;

    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "zones", "nsec_user", &a), 0);
    CU_ASSERT_EQUAL(post(c, "/v1/time/advance", "{\"seconds\":10}"), 200);
    CU_ASSERT_EQUAL(world_truth_zone(w, zix, "zones", "nsec_user", &b), 0);
    CU_ASSERT_EQUAL(b.wv_u - a.wv_u, 5000000000ULL); /* half a CPU for 10 s */
    CU_ASSERT_EQUAL(world_time_now(w), 10000000000ULL);
    CU_ASSERT_EQUAL(post(c, "/v1/time/advance", "{\"seconds\":-1}"), 400);
    CU_ASSERT_EQUAL(post(c, "/v1/time/advance", "{\"seconds\":\"1\"}"), 400);
    CU_ASSERT_EQUAL(world_time_now(w), 10000000000ULL);
    CU_ASSERT_EQUAL(control_frozen(c), 0);
    CU_ASSERT_EQUAL(post(c, "/v1/time/freeze", NULL), 200);
    CU_ASSERT_EQUAL(control_frozen(c), 1);
    CU_ASSERT(json_is_true(json_object_get(json_object_get(reply, "time"), "frozen")));
    CU_ASSERT_EQUAL(post(c, "/v1/time/thaw", "{}"), 200);
    CU_ASSERT_EQUAL(control_frozen(c), 0);

    CU_ASSERT_EQUAL(post(c, "/v1/state", "{\"zones\":true}"), 200);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(reply, "zones"), "total")),
                    1);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(json_object_get(reply, "zones"), "list")), 1);
    json_decref(reply);
    CU_ASSERT_EQUAL(control_apply(c, "GET", "/v1/state", NULL, 0, &reply), 200);
    json_decref(reply);
    CU_ASSERT_EQUAL(control_apply(c, "GET", "/v1/time/freeze", NULL, 0, &reply), 405);
    json_decref(reply);
    CU_ASSERT_EQUAL(control_apply(c, "DELETE", "/v1/state", NULL, 0, &reply), 405);
    CU_ASSERT_EQUAL(post(c, "/v2/state", NULL), 404);
    CU_ASSERT_STRING_EQUAL(code(), "unknown_route");
    json_decref(reply);
    reply = NULL;
    control_free(c);
    test_world_free(w);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"faults", test_faults},
        {"bad_faults", test_bad_faults},
        {"zones", test_zones},
        {"load_caps", test_load_caps},
        {"time_and_routes", test_time_and_routes},
        {NULL, NULL},
    };

    return cunit_main(argc, argv, "control", cases);
}
