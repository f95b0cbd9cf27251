/*
 * test_vminfod.c - the zones' VM records (world_vm.h) and the fake vminfod
 * that serves them (vminfod.h), fetched over HTTP as the agent does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "fetch.h"
#include "vminfod.h"
#include "world_core.h"
#include "world_shm.h"
#include "world_vm.h"

#include "test_util.h"

static vminfod_t *
start(const world_t *w)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char err[256] = "";
    vminfod_t *v = vminfod_start(w, (struct sockaddr *)&sa, sizeof(sa), err, sizeof(err));

    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    return v;
}

/* GET url + path into resp with the agent's 500 ms; returns the status (0: no answer). */
static long
get(const vminfod_t *v, const char *path, struct fetch_resp *resp)
{
    char url[256];
    struct fetch_req rq = {.rq_url = url, .rq_timeout_s = 0.5};

    snprintf(url, sizeof(url), "%s%s", vminfod_url(v), path);
    fetch_once(&rq, resp);
    return resp->rs_status;
}

/* The derived record: every field vmadm prints, NICs matching the link kstats. */
static void
test_default_record(void)
{
    world_t *w = test_world_new(4, 7, 2);
    int zix = test_zone_add(w, "a1b2c3d4-0000-4000-8000-000000000001", 2, 0);
    world_vm_t vm, again;

    CU_ASSERT_EQUAL_FATAL(world_vm_get(w, zix, &vm), 0);
    CU_ASSERT_STRING_EQUAL(vm.wvm_uuid, "a1b2c3d4-0000-4000-8000-000000000001");
    CU_ASSERT_STRING_EQUAL(vm.wvm_zone_state, "running");
    CU_ASSERT_EQUAL(strlen(vm.wvm_owner_uuid), 36);
    CU_ASSERT_EQUAL(vm.wvm_nnics, 2);
    CU_ASSERT_STRING_EQUAL(vm.wvm_nics[0].wn_interface, "net0");
    CU_ASSERT_STRING_EQUAL(vm.wvm_nics[0].wn_nic_tag, "external");
    CU_ASSERT_EQUAL(vm.wvm_nics[0].wn_primary, 1);
    CU_ASSERT_STRING_EQUAL(vm.wvm_nics[1].wn_interface, "net1");
    CU_ASSERT_STRING_EQUAL(vm.wvm_nics[1].wn_nic_tag, "internal");
    CU_ASSERT_EQUAL(strlen(vm.wvm_nics[1].wn_network_uuid), 36);
    CU_ASSERT_EQUAL(vm.wvm_tags[0], '{');
    CU_ASSERT_STRING_EQUAL(vm.wvm_customer_metadata, "{}");
    CU_ASSERT_EQUAL(world_vm_parts(w, zix), 0);
    CU_ASSERT_EQUAL(world_vm_get(w, zix, &again), 0);
    CU_ASSERT_EQUAL(memcmp(&vm, &again, sizeof(vm)), 0); /* a function of the seed */
    CU_ASSERT_EQUAL(world_vm_get(w, 3, &vm), -1);        /* a free slot */
    CU_ASSERT_EQUAL(errno, EINVAL);
    test_world_free(w);
}

/* Set parts stay set, bounds are refused, and a zone taking the slot later starts afresh. */
static void
test_set_parts(void)
{
    world_t *w = test_world_new(4, 7, 2);
    int zix = test_zone_add(w, "setme", 1, 0);
    world_nic_t nic = {.wn_interface = "net0", .wn_nic_tag = "admin", .wn_ip = "10.0.0.5"};
    char big[WORLD_VM_JSON_MAX + 1];
    world_vm_t vm;

    CU_ASSERT_EQUAL(world_vm_set_owner(w, zix, "930896af-bf8c-48d4-885c-6573a94b1853"), 0);
    CU_ASSERT_EQUAL(world_vm_set_owner(w, zix, "admin"), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(world_vm_set_tags(w, zix, "{\"smartdc_role\":\"cnapi\"}"), 0);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CU_ASSERT_EQUAL(world_vm_set_metadata(w, zix, big), -1);
    CU_ASSERT_EQUAL(errno, E2BIG);
    CU_ASSERT_EQUAL(world_vm_set_nics(w, zix, &nic, 1), 0);
    CU_ASSERT_EQUAL(world_vm_parts(w, zix), WORLD_VM_OWNER | WORLD_VM_TAGS | WORLD_VM_NICS);
    CU_ASSERT_EQUAL(world_vm_get(w, zix, &vm), 0);
    CU_ASSERT_STRING_EQUAL(vm.wvm_owner_uuid, "930896af-bf8c-48d4-885c-6573a94b1853");
    CU_ASSERT_STRING_EQUAL(vm.wvm_tags, "{\"smartdc_role\":\"cnapi\"}");
    CU_ASSERT_STRING_EQUAL(vm.wvm_customer_metadata, "{}"); /* the refused one changed nothing */
    CU_ASSERT_STRING_EQUAL(vm.wvm_nics[0].wn_nic_tag, "admin");
    CU_ASSERT_STRING_EQUAL(vm.wvm_nics[0].wn_network_uuid, ""); /* lacks it */
    memset(nic.wn_nic_tag, 'x', sizeof(nic.wn_nic_tag));        /* no NUL */
    CU_ASSERT_EQUAL(world_vm_set_nics(w, zix, &nic, 1), -1);
    CU_ASSERT_EQUAL(errno, E2BIG);
    CU_ASSERT_EQUAL(world_zone_destroy(w, zix), 0);
    CU_ASSERT_EQUAL(test_zone_add(w, "newcomer", 1, 0), zix); /* the slot again */
    CU_ASSERT_EQUAL(world_vm_parts(w, zix), 0);
    CU_ASSERT_EQUAL(world_vm_get(w, zix, &vm), 0);
    CU_ASSERT_STRING_EQUAL(vm.wvm_nics[0].wn_nic_tag, "external");
    test_world_free(w);
}

/* GET /vms/<uuid> is the record as JSON; 404 for a stranger; /vms lists every zone. */
static void
test_http(void)
{
    world_t *w = test_world_new(4, 9, 2);
    int zix = test_zone_add(w, "b1b2c3d4-0000-4000-8000-000000000002", 2, 0);
    world_nic_t nic = {.wn_interface = "net0", .wn_nic_tag = "ex\"tern\\al", .wn_primary = 1};
    struct fetch_resp r = {0};
    json_t *j;

    test_zone_add(w, "other", 1, 0);
    CU_ASSERT_EQUAL(world_vm_set_nics(w, zix, &nic, 1), 0);
    vminfod_t *v = start(w);
    CU_ASSERT_EQUAL(get(v, "/vms/b1b2c3d4-0000-4000-8000-000000000002", &r), 200);
    j = json_loads(r.rs_body, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "zonename")),
                           "b1b2c3d4-0000-4000-8000-000000000002");
    json_t *n0 = json_array_get(json_object_get(j, "nics"), 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(n0, "nic_tag")), "ex\"tern\\al");
    CU_ASSERT_PTR_NULL(json_object_get(n0, "network_uuid")); /* a field it lacks is left out */
    CU_ASSERT(json_is_object(json_object_get(j, "tags")));
    json_decref(j);
    CU_ASSERT_EQUAL(get(v, "/vms/nosuchvm", &r), 404);
    CU_ASSERT_EQUAL(get(v, "/vms", &r), 200);
    j = json_loads(r.rs_body, 0, NULL);
    CU_ASSERT_EQUAL(json_array_size(j), 2); /* not the global zone */
    json_decref(j);
    CU_ASSERT_EQUAL(get(v, "/other", &r), 404);
    CU_ASSERT_EQUAL(vminfod_requests(v), 2);
    fetch_resp_release(&r);
    vminfod_stop(v);
    test_world_free(w);
}

/* Each fault as the agent sees it, for every VM or one; then back to normal. */
static void
test_faults(void)
{
    world_t *w = test_world_new(4, 9, 2);
    test_zone_add(w, "c1", 1, 0);
    test_zone_add(w, "c2", 1, 0);
    vminfod_t *v = start(w);
    struct fetch_resp r = {0};
    vminfod_fault_t f = {.vf_mode = VMINFOD_GARBAGE};
    char err[256];

    CU_ASSERT_EQUAL(vminfod_set_fault(v, &f, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(get(v, "/vms/c1", &r), 200);
    CU_ASSERT_PTR_NULL(json_loads(r.rs_body, 0, NULL));
    f = (vminfod_fault_t){.vf_mode = VMINFOD_ERROR, .vf_uuid = "c1"};
    CU_ASSERT_EQUAL(vminfod_set_fault(v, &f, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(get(v, "/vms/c1", &r), 500);
    CU_ASSERT_EQUAL(get(v, "/vms/c2", &r), 200); /* only c1 */
    f = (vminfod_fault_t){.vf_mode = VMINFOD_NOTFOUND};
    CU_ASSERT_EQUAL(vminfod_set_fault(v, &f, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(get(v, "/vms/c2", &r), 404);
    f = (vminfod_fault_t){.vf_mode = VMINFOD_SLOW, .vf_delay_ms = 900};
    CU_ASSERT_EQUAL(vminfod_set_fault(v, &f, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(get(v, "/vms/c2", &r), 0); /* past the agent's 500 ms */
    f = (vminfod_fault_t){.vf_mode = VMINFOD_DOWN};
    CU_ASSERT_EQUAL(vminfod_set_fault(v, &f, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(get(v, "/vms/c2", &r), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.rs_error, "onnect"));
    f = (vminfod_fault_t){.vf_mode = VMINFOD_OK};
    CU_ASSERT_EQUAL(vminfod_set_fault(v, &f, err, sizeof(err)), 0); /* the same port again */
    CU_ASSERT_EQUAL(get(v, "/vms/c2", &r), 200);
    fetch_resp_release(&r);
    vminfod_stop(v);
    test_world_free(w);
}

/* Pages of the records' region resident in the world file (mincore). */
static size_t
resident_record_pages(const world_t *w)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)w->w_vms & ~(uintptr_t)(page - 1);
    size_t len = (uintptr_t)(w->w_vms + w->w_hdr->wh_zone_slots) - a;
    size_t n = (len + (size_t)page - 1) / (size_t)page, count = 0;
    unsigned char *vec = calloc(n, 1);

    CU_ASSERT_FATAL(vec != NULL && mincore((void *)a, len, vec) == 0);
    for (size_t i = 0; i < n; i++)
        count += vec[i] & 1;
    free(vec);
    return count;
}

/* 2,000 zones whose records are all read cost no page of the records' region. */
static void
test_untouched(void)
{
    world_t *w = test_world_new(2000, 3, 2);
    world_vm_t vm;

    for (uint64_t i = 0; i < 2000; i++)
        CU_ASSERT_FATAL(world_zone_add_random(w, i) > 0);
    for (int z = world_zone_next(w, 0); z > 0; z = world_zone_next(w, z))
        CU_ASSERT_EQUAL(world_vm_get(w, z, &vm), 0);
    CU_ASSERT_EQUAL(resident_record_pages(w), 0);
    CU_ASSERT_EQUAL(world_vm_set_tags(w, 1000, "{\"a\":\"b\"}"), 0);
    CU_ASSERT(resident_record_pages(w) >= 1 && resident_record_pages(w) <= 2);
    test_world_free(w);
}

/*
 * A data center's accounts (world_owners_set): zones added one after another take the
 * owners in turn (owners[serial % count]), the admin is the given one, some zones grouped;
 * bad lists refused with nothing changed; a reader may not set them.
 */
static void
test_owners(void)
{
    static const char *const owners[] = {"11111111-1111-4111-8111-111111111111",
                                         "22222222-2222-4222-8222-222222222222",
                                         "33333333-3333-4333-8333-333333333333"};
    static const char *const admin = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    const char *many[WORLD_OWNERS_MAX + 1];
    world_t *w = test_world_new(40, 7, 2);
    world_vm_t vm;
    char got[WORLD_VM_UUID_MAX], before[WORLD_VM_UUID_MAX];
    int grouped = 0, first = -1;

    world_admin_uuid(w, before);
    for (size_t i = 0; i < WORLD_OWNERS_MAX + 1; i++)
        many[i] = owners[0];
    CU_ASSERT_EQUAL(world_owners_set(w, many, WORLD_OWNERS_MAX + 1, NULL), -1);
    CU_ASSERT_EQUAL(errno, E2BIG);
    CU_ASSERT_EQUAL(world_owners_set(w, (const char *const[]){"not-a-uuid"}, 1, NULL), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(world_owners_set(w, owners, 0, NULL), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(world_owners_set(w, owners, 3, "bad"), -1);
    world_admin_uuid(w, got);
    CU_ASSERT_STRING_EQUAL(got, before); /* nothing changed */
    world_t *r = world_open(world_path(w), NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(world_owners_set(r, owners, 3, NULL), -1);
    CU_ASSERT_EQUAL(errno, EPERM);

    CU_ASSERT_EQUAL_FATAL(world_owners_set(w, owners, 3, admin), 0);
    world_admin_uuid(r, got);
    CU_ASSERT_STRING_EQUAL(got, admin);
    for (int n = 0; n < 30; n++) {
        int zix = world_zone_add_random(w, (uint64_t)n);
        CU_ASSERT_FATAL(zix > 0);
        CU_ASSERT_EQUAL_FATAL(world_vm_get(r, zix, &vm), 0);
        int k = 0;
        while (k < 3 && strcmp(vm.wvm_owner_uuid, owners[k]) != 0)
            k++;
        CU_ASSERT_FATAL(k < 3);
        if (first < 0)
            first = k;
        CU_ASSERT_EQUAL(k, (first + n) % 3);
        json_t *tags = json_loads(vm.wvm_tags, 0, NULL);
        CU_ASSERT(json_is_object(tags));
        grouped += json_object_get(tags, WORLD_VM_GROUPS_TAG) != NULL;
        json_decref(tags);
    }
    CU_ASSERT(grouped > 0 && grouped < 30);
    world_close(r);
    test_world_free(w);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"default_record", test_default_record},
        {"set_parts", test_set_parts},
        {"http", test_http},
        {"faults", test_faults},
        {"untouched", test_untouched},
        {"owners", test_owners},
        {NULL, NULL},
    };

    return cunit_main(argc, argv, "vminfod", cases);
}
