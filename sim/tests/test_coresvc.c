/*
 * test_coresvc.c - core zones (world_core.h) and their metric ports over
 * HTTP (coresvc.h), fetched as the agent's triton_core does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "coresvc.h"
#include "fetch.h"
#include "world_core.h"
#include "world_vm.h"

#include "test_util.h"

#define ZONE "c0de0000-0000-4000-8000-000000000001"

/* GET http://ip:port/metrics within timeout_s: the status (0: no answer). */
static long
get(const char *ip, unsigned port, double timeout_s, struct fetch_resp *resp)
{
    char url[128];
    struct fetch_req rq = {.rq_url = url, .rq_timeout_s = timeout_s};
    snprintf(url, sizeof(url), "http://%s:%u/metrics", ip, port);
    fetch_once(&rq, resp);
    return resp->rs_status;
}

/* The record of a core zone: admin owner, role tag, metricPorts, admin NIC first. */
static void
test_record(void)
{
    world_t *w = test_world_new(4, 11, 2);
    int zix = test_zone_add(w, ZONE, 1, 0);
    unsigned ports[] = {8881, 8882};
    char admin[WORLD_VM_UUID_MAX], other[WORLD_VM_UUID_MAX];
    world_vm_t vm;

    world_admin_uuid(w, admin);
    CU_ASSERT_EQUAL(strlen(admin), 36);
    CU_ASSERT_EQUAL_FATAL(world_vm_get(w, zix, &vm), 0);
    CU_ASSERT_STRING_NOT_EQUAL(vm.wvm_owner_uuid, admin); /* derived owners are not the admin */
    CU_ASSERT_EQUAL_FATAL(world_core_set(w, zix, "cloudapi", "127.100.0.9", ports, 2), 0);
    CU_ASSERT_EQUAL_FATAL(world_vm_get(w, zix, &vm), 0);
    CU_ASSERT_STRING_EQUAL(vm.wvm_owner_uuid, admin);
    CU_ASSERT_STRING_EQUAL(vm.wvm_tags, "{\"smartdc_role\":\"cloudapi\"}");
    CU_ASSERT_STRING_EQUAL(vm.wvm_customer_metadata, "{\"metricPorts\":\"8881,8882\"}");
    CU_ASSERT_EQUAL(vm.wvm_nnics, 2);
    CU_ASSERT_STRING_EQUAL(vm.wvm_nics[0].wn_nic_tag, "admin");
    CU_ASSERT_STRING_EQUAL(vm.wvm_nics[0].wn_ip, "127.100.0.9");
    CU_ASSERT_STRING_EQUAL(vm.wvm_nics[1].wn_interface, "net1");
    CU_ASSERT_EQUAL(world_core_set(w, zix, "Bad Role", "127.0.0.1", ports, 2), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    unsigned zero = 0;
    CU_ASSERT_EQUAL(world_core_set(w, zix, "vmapi", "127.0.0.1", &zero, 1), -1);
    CU_ASSERT_EQUAL(world_core_set(w, zix, "vmapi", "127.0.0.1", ports, 9), -1);
    CU_ASSERT_EQUAL(errno, E2BIG);
    CU_ASSERT_EQUAL_FATAL(world_vm_get(w, zix, &vm), 0);
    CU_ASSERT_STRING_EQUAL(vm.wvm_tags, "{\"smartdc_role\":\"cloudapi\"}"); /* unchanged */
    world_t *r = world_open(world_path(w), NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(world_core_set(r, zix, "vmapi", "127.0.0.1", ports, 1), -1);
    CU_ASSERT_EQUAL(errno, EPERM); /* readers cannot */
    world_admin_uuid(r, other);
    CU_ASSERT_STRING_EQUAL(other, admin);
    world_close(r);
    test_world_free(w);
}

/* The text grows with virtual time; the histogram is cumulative and ends at the count. */
static void
test_text(void)
{
    world_t *w = test_world_new(4, 11, 2);
    int zix = test_zone_add(w, ZONE, 1, 0);
    char a[8192], b[8192];
    world_time_advance(w, 10000000000ULL);
    CU_ASSERT_FATAL(world_core_text(w, zix, "cloudapi", 8881, a, sizeof(a)) > 0);
    world_time_advance(w, 10000000000ULL);
    CU_ASSERT_FATAL(world_core_text(w, zix, "cloudapi", 8881, b, sizeof(b)) > 0);
    unsigned long long n1, n2, inf, count;
    const char *p1 = strstr(a, "route=\"ping\",method=\"GET\",statusCode=\"200\"} ");
    const char *p2 = strstr(b, "route=\"ping\",method=\"GET\",statusCode=\"200\"} ");
    CU_ASSERT_FATAL(p1 && p2 && sscanf(strchr(p1, ' ') + 1, "%llu", &n1) == 1 &&
                    sscanf(strchr(p2, ' ') + 1, "%llu", &n2) == 1);
    CU_ASSERT_EQUAL(n2, 2 * n1); /* a steady rate over twice the time */
    CU_ASSERT(n1 > 0);
    const char *i = strstr(b, "le=\"+Inf\"} "), *c = strstr(b, "_count{service=");
    CU_ASSERT_FATAL(i && c && sscanf(i + 11, "%llu", &inf) == 1 &&
                    sscanf(strchr(c, ' ') + 1, "%llu", &count) == 1);
    CU_ASSERT_EQUAL(inf, count);
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "port=\"8881\""));
    CU_ASSERT_EQUAL(world_core_text(w, zix, "cloudapi", 8881, a, 64), -1);
    CU_ASSERT_EQUAL(errno, ENOSPC);
    test_world_free(w);
}

/* Served over HTTP at a loopback address of its own; each fault as the agent sees it. */
static void
test_http_faults(void)
{
    world_t *w = test_world_new(4, 11, 2);
    int zix = test_zone_add(w, ZONE, 1, 0);
    unsigned ports[] = {8881, 8882};
    char ip[CORESVC_IP_MAX], err[256] = "", truth[8192];
    struct fetch_resp r = {0};
    coresvc_t *cs = coresvc_new(w);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
    CU_ASSERT_EQUAL_FATAL(coresvc_add(cs, zix, "cloudapi", ports, 2, ip, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(strncmp(ip, "127.", 4), 0);
    CU_ASSERT_STRING_NOT_EQUAL(ip, "127.0.0.1");
    CU_ASSERT_EQUAL(get(ip, 8882, 2, &r), 200);
    world_core_text(w, zix, "cloudapi", 8882, truth, sizeof(truth));
    CU_ASSERT_STRING_EQUAL(r.rs_body, truth);
    static const struct {
        coresvc_mode_t mode;
        long status;
        const char *has;
    } f[] = {{CORESVC_SUMMARY, 200, " summary\n"},
             {CORESVC_UNTYPED, 200, " untyped\n"},
             {CORESVC_BADNAME, 200, "\nworkers-busy 3\n"},
             {CORESVC_AGENTNAME, 200, "\ntcp_metrics_available_boolean 1\n"},
             {CORESVC_STATUS, 500, "internal error"},
             {CORESVC_DOWN, 0, NULL},
             {CORESVC_HANG, 0, NULL},
             {CORESVC_OK, 200, "# TYPE http_requests_completed counter"}};
    for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
        CU_ASSERT_EQUAL(coresvc_set_fault(cs, zix, 8882, f[k].mode, 2000, err, sizeof(err)), 0);
        CU_ASSERT_EQUAL(get(ip, 8882, 0.5, &r), f[k].status);
        if (f[k].has != NULL)
            CU_ASSERT_PTR_NOT_NULL(strstr(r.rs_body, f[k].has));
    }
    CU_ASSERT_EQUAL(coresvc_set_fault(cs, zix, 8882, CORESVC_NOTYPE, 0, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(get(ip, 8882, 2, &r), 200);
    CU_ASSERT_EQUAL(strncmp(r.rs_body, "workers_busy 3\n", 15), 0); /* before any TYPE */
    CU_ASSERT_EQUAL(get(ip, 8881, 2, &r), 200); /* the other port never misbehaved */
    CU_ASSERT(coresvc_requests(cs, zix, 8882) >= 8);
    CU_ASSERT_EQUAL(coresvc_set_fault(cs, zix, 9999, CORESVC_DOWN, 0, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no metric port 9999"));
    fetch_resp_release(&r);
    coresvc_free(cs);
    test_world_free(w);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"record", test_record},
        {"text", test_text},
        {"http_faults", test_http_faults},
        {NULL, NULL},
    };
    return cunit_main(argc, argv, "coresvc", cases);
}
