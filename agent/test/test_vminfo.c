/*
 * CUnit tests of the link collector's labels (reference 2.6, defect D14):
 * parsing vminfod's records, the NIC cache (no request per scrape, a new
 * list after a reboot, the last good list through failures, waiting after
 * one), and the link families as the original serves them (golden list,
 * label order, escaping) against the fake vminfod of sim/ over a world
 * built here.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zone.h>

#include "cunit_main.h"
#include "../../sim/vminfod/vminfod.h"
#include "../../sim/world/world.h"
#include "../../sim/world/world_vm.h"
#include "collector.h"
#include "expo.h"
#include "golden.h"
#include "kpool.h"
#include "monotime.h"
#include "scrape.h"
#include "testlib.h"
#include "vminfo.h"

#define ZONE_A "0b1b2c3d-0000-4000-8000-00000000000a"
#define ZONE_B "0b1b2c3d-0000-4000-8000-00000000000b"
#define ZONE_C "0b1b2c3d-0000-4000-8000-00000000000c"
#define NET_A "6d7e8f90-1111-4222-8333-444455556666"
#define ZID 7 /* the cache tests' zone id: a boot; the signature stands for the links */

/* One world and one fake vminfod for the suite (the world mapping is per process). */
static struct {
    char path[64];
    world_t *w;
    int zix_a, zix_b, zix_c;
    vminfod_t *vd;
    kpool_t *pool;
    selfstats_t *stats;
} fx;

static int
suite_init(void)
{
    strcpy(fx.path, "/dev/shm/cmon-test-XXXXXX");
    int fd = mkstemp(fx.path);
    if (fd < 0)
        return -1;
    close(fd);
    world_params_t wp = {.wp_seed = 5, .wp_max_zones = 16};
    if ((fx.w = world_create(fx.path, &wp)) == NULL)
        return -1;
    setenv("CMON_SIM_WORLD", fx.path, 1);
    world_zone_opts_t a = {.wzo_name = ZONE_A, .wzo_nics = 3};
    world_zone_opts_t b = {.wzo_name = ZONE_B, .wzo_nics = 1};
    world_zone_opts_t c = {.wzo_name = ZONE_C, .wzo_nics = 1};
    fx.zix_a = world_zone_add(fx.w, &a);
    fx.zix_b = world_zone_add(fx.w, &b);
    fx.zix_c = world_zone_add(fx.w, &c);
    /* net0 plain, net1 a tag that needs escaping and no network, net2 not in the record */
    world_nic_t nics[2] = {{.wn_interface = "net0",
                            .wn_nic_tag = "external",
                            .wn_network_uuid = NET_A,
                            .wn_primary = 1},
                           {.wn_interface = "net1", .wn_nic_tag = "a\"b\\c\nd"}};
    world_vm_set_nics(fx.w, fx.zix_a, nics, 2);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char err[256];
    fx.vd = vminfod_start(fx.w, (struct sockaddr *)&sa, sizeof(sa), err, sizeof(err));
    fx.stats = selfstats_new();
    fx.pool = kpool_new(1, 1, fx.stats);
    return fx.zix_a > 0 && fx.zix_c > 0 && fx.vd != NULL && fx.pool != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
    vminfod_stop(fx.vd);
    kpool_free(fx.pool);
    selfstats_free(fx.stats);
    world_close(fx.w);
    world_unlink(fx.path);
    return 0;
}

static void
fault(vminfod_mode_t mode, const char *uuid)
{
    vminfod_fault_t f = {.vf_mode = mode, .vf_delay_ms = 900};
    char err[256];
    snprintf(f.vf_uuid, sizeof(f.vf_uuid), "%s", uuid ? uuid : "");
    CU_ASSERT_EQUAL(vminfod_set_fault(fx.vd, &f, err, sizeof(err)), 0);
}

/* ---- parsing ---------------------------------------------------------- */

static int
parse(const char *json, vminfo_nics_t *out, char *err)
{
    static vminfo_rec_t rec;
    int rc = vminfo_parse(json, strlen(json), NULL, &rec, err, 256);
    *out = rec.vr_nics;
    return rc;
}

static void
test_parse(void)
{
    vminfo_nics_t n;
    char err[256];
    CU_ASSERT_EQUAL(parse("{\"nics\":[{\"interface\":\"net0\",\"nic_tag\":\"admin\","
                          "\"network_uuid\":\"x\"},{\"interface\":\"net1\"}],\"alias\":\"a\"}",
                          &n, err),
                    0);
    CU_ASSERT_EQUAL(n.vs_count, 2);
    CU_ASSERT_STRING_EQUAL(vminfo_find(&n, "net0")->vn_nic_tag, "admin");
    CU_ASSERT_STRING_EQUAL(vminfo_find(&n, "net1")->vn_network_uuid, ""); /* it lacks one */
    CU_ASSERT_PTR_NULL(vminfo_find(&n, "net2"));
    CU_ASSERT_EQUAL(parse("{\"nics\":[]}", &n, err), 0);
    CU_ASSERT_EQUAL(n.vs_count, 0);
    CU_ASSERT_EQUAL(parse("{\"uuid\": \"this is not\" JSON", &n, err), -1);
    CU_ASSERT_EQUAL(strncmp(err, "not JSON: ", 10), 0);
    CU_ASSERT_EQUAL(parse("{\"uuid\":\"x\"}", &n, err), -1);
    CU_ASSERT_STRING_EQUAL(err, "not a VM record (no nics array)");
    CU_ASSERT_EQUAL(parse("[1,2]", &n, err), -1);
    CU_ASSERT_EQUAL(parse("{\"nics\":[7]}", &n, err), -1);
    CU_ASSERT_STRING_EQUAL(err, "nics[0] is not an object");
    CU_ASSERT_EQUAL(parse("{\"nics\":[{\"nic_tag\":\"admin\"}]}", &n, err), -1);
    CU_ASSERT_STRING_EQUAL(err, "nics[0] has no interface");
    CU_ASSERT_EQUAL(parse("{\"nics\":[{\"interface\":\"net0\",\"nic_tag\":5}]}", &n, err), -1);
    CU_ASSERT_STRING_EQUAL(err, "nics[0].nic_tag is not a string");
    char big[256];
    snprintf(big, sizeof(big), "{\"nics\":[{\"interface\":\"net0\",\"nic_tag\":\"%0100d\"}]}", 0);
    CU_ASSERT_EQUAL(parse(big, &n, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "longer than 63 bytes"));
}

/* ---- the cache ---------------------------------------------------------- */

static vminfo_t *
new_cache(void)
{
    vminfo_t *vi = vminfo_new(vminfod_url(fx.vd), NULL, 3600, 0.3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vi);
    return vi;
}

static void
nap_ms(long ms)
{
    usleep((useconds_t)ms * 1000);
}

/* Asked once per boot of the zone: the same links are answered from the cache. */
static void
test_cache(void)
{
    vminfo_t *vi = new_cache();
    vminfo_nics_t n;
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_A, ZID, 1, &n), VMINFO_FRESH);
    CU_ASSERT_EQUAL(n.vs_count, 2);
    for (int i = 0; i < 100; i++)
        CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_A, ZID, 1, &n), VMINFO_CACHED);
    CU_ASSERT_EQUAL(vminfo_requests(vi), 1);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_A, ZID, 2, &n), VMINFO_FRESH); /* other links: a reboot */
    CU_ASSERT_EQUAL(vminfo_requests(vi), 2);
    CU_ASSERT_STRING_EQUAL(vminfo_find(&n, "net0")->vn_network_uuid, NET_A);
    vminfo_free(vi);
}

/*
 * Zones that come and go (issue 15, item 6): the records of destroyed VMs
 * are dropped, so that what is kept is bounded by the running VMs however
 * many came and went; a halted VM's record goes too and its next boot is
 * asked again. Before, every record stayed for an hour (VMINFO_TTL_S).
 */
static void
test_churn_bounded(void)
{
    vminfo_t *vi = new_cache();
    vminfo_nics_t n;
    size_t most = 0;
    for (int i = 0; i < 1100; i++) { /* past VMINFO_SWEEP_EVERY: the cache sweeps itself */
        char name[40];
        snprintf(name, sizeof(name), "0b1b2c3d-0000-4000-8000-%012d", 100 + i);
        world_zone_opts_t o = {.wzo_name = name, .wzo_nics = 1};
        int zix = world_zone_add(fx.w, &o);
        CU_ASSERT_FATAL(zix > 0);
        CU_ASSERT_EQUAL(vminfo_get(vi, name, getzoneidbyname(name), 1, &n), VMINFO_FRESH);
        CU_ASSERT_EQUAL(world_zone_destroy(fx.w, zix), 0);
        if (vminfo_size(vi) > most)
            most = vminfo_size(vi);
    }
    CU_ASSERT(most <= 1024 + 1);      /* one sweep's worth at most */
    CU_ASSERT(vminfo_size(vi) < 100); /* 1,100 came and went */
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_A, getzoneidbyname(ZONE_A), 1, &n), VMINFO_FRESH);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_B, getzoneidbyname(ZONE_B), 1, &n), VMINFO_FRESH);
    vminfo_sweep(vi);
    CU_ASSERT_EQUAL(vminfo_size(vi), 2); /* the running ones stay */
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_A, getzoneidbyname(ZONE_A), 1, &n), VMINFO_CACHED);
    CU_ASSERT_EQUAL(world_zone_halt(fx.w, fx.zix_b), 0);
    vminfo_sweep(vi);
    CU_ASSERT_EQUAL(vminfo_size(vi), 1); /* a halted VM's record goes */
    CU_ASSERT_EQUAL(world_zone_boot(fx.w, fx.zix_b), 0);
    unsigned long before = vminfo_requests(vi);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_B, getzoneidbyname(ZONE_B), 1, &n), VMINFO_FRESH);
    CU_ASSERT_EQUAL(vminfo_requests(vi) - before, 1); /* its new boot asked again */
    vminfo_free(vi);
}

/* Failures keep the last good list (D14); without one, -1; nobody asks during the wait,
 * and nobody at all after vminfod itself failed (no answer, 5xx). */
static void
test_failures(void)
{
    static const vminfod_mode_t modes[] = {VMINFOD_GARBAGE, VMINFOD_NOTFOUND, VMINFOD_ERROR,
                                           VMINFOD_SLOW, VMINFOD_DOWN};
    vminfo_nics_t n;
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        vminfo_t *vi = new_cache();
        CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_A, ZID, 1, &n), VMINFO_FRESH);
        fault(modes[m], NULL);
        unsigned long before = vminfo_requests(vi);
        CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_A, ZID, 2, &n), VMINFO_STALE); /* links changed */
        CU_ASSERT_STRING_EQUAL(vminfo_find(&n, "net0")->vn_nic_tag, "external");
        CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_B, ZID, 1, &n), -1); /* never known */
        CU_ASSERT_EQUAL(errno, EIO);
        CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_A, ZID, 2, &n), VMINFO_STALE); /* waited out */
        /* a record-level failure (garbage, 404) is that VM's: B is asked too */
        CU_ASSERT_EQUAL(vminfo_requests(vi) - before, m < 2 ? 2u : 1u);
        fault(VMINFOD_OK, NULL);
        nap_ms(350); /* past the 0.3 s wait */
        CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_B, ZID, 1, &n), VMINFO_FRESH);
        CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_A, ZID, 2, &n), VMINFO_FRESH);
        vminfo_free(vi);
    }
}

/* A VM vminfod keeps failing is asked less and less often (the wait doubles). */
static void
test_backoff(void)
{
    vminfo_t *vi = new_cache();
    vminfo_nics_t n;
    fault(VMINFOD_NOTFOUND, ZONE_B);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_B, ZID, 1, &n), -1); /* asked: 404, wait 0.3 s */
    nap_ms(350);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_B, ZID, 1, &n), -1); /* asked: 404, wait 0.6 s */
    unsigned long asked = vminfo_requests(vi);
    nap_ms(350);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_B, ZID, 1, &n), -1); /* still waiting */
    CU_ASSERT_EQUAL(vminfo_requests(vi), asked);
    fault(VMINFOD_OK, NULL);
    nap_ms(350);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_B, ZID, 1, &n), VMINFO_FRESH);
    CU_ASSERT_EQUAL(vminfo_requests(vi), asked + 1);
    vminfo_free(vi);
}

/* A fault for one VM leaves the others alone. */
static void
test_one_vm(void)
{
    vminfo_t *vi = new_cache();
    vminfo_nics_t n;
    fault(VMINFOD_GARBAGE, ZONE_B);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_B, ZID, 1, &n), -1);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_C, ZID, 1, &n), VMINFO_FRESH);
    fault(VMINFOD_OK, NULL);
    vminfo_free(vi);
}

/* ---- one record for every user --------------------------------------------------- */

#define ADMIN "930896af-bf8c-48d4-885c-6573a94b1853"

/* The link labels and triton_core share one record: one request a zone and a boot. */
static void
test_shared(void)
{
    CU_ASSERT_EQUAL(world_vm_set_owner(fx.w, fx.zix_c, ADMIN), 0);
    CU_ASSERT_EQUAL(world_vm_set_tags(fx.w, fx.zix_c, "{\"smartdc_role\":\"cnapi\"}"), 0);
    CU_ASSERT_EQUAL(world_vm_set_metadata(fx.w, fx.zix_c, "{\"metricPorts\":\"8881\"}"), 0);
    vminfo_t *vi = vminfo_new(vminfod_url(fx.vd), ADMIN, 3600, 0.3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vi);
    vminfo_nics_t n;
    vminfo_core_t c;
    CU_ASSERT_EQUAL(vminfo_core_kept(vi, ZONE_C, 3600, &c), 0); /* would ask */
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_C, ZID, 1, &n), VMINFO_FRESH);
    CU_ASSERT_EQUAL(vminfo_core(vi, ZONE_C, ZID, 60, 1, &c), VMINFO_CACHED);
    CU_ASSERT_TRUE(c.vc_core);
    CU_ASSERT_STRING_EQUAL(c.vc_ports, "8881");
    CU_ASSERT_EQUAL(vminfo_core_kept(vi, ZONE_C, 3600, &c), 1);
    CU_ASSERT_EQUAL(vminfo_requests(vi), 1); /* one request, two users */
    /* triton_core's own bound: asked again when older; the link labels keep it */
    nap_ms(250);
    CU_ASSERT_EQUAL(vminfo_core(vi, ZONE_C, ZID, 0.2, 1, &c), VMINFO_FRESH);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_C, ZID, 1, &n), VMINFO_CACHED);
    CU_ASSERT_EQUAL(vminfo_requests(vi), 2);
    /* POST /v1/refresh: triton_core asks again, the link labels do not */
    vminfo_forget(vi);
    CU_ASSERT_EQUAL(vminfo_core_kept(vi, ZONE_C, 3600, &c), 0);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_C, ZID, 1, &n), VMINFO_CACHED);
    CU_ASSERT_EQUAL(vminfo_core(vi, ZONE_C, ZID, 60, 1, &c), VMINFO_FRESH);
    CU_ASSERT_EQUAL(vminfo_requests(vi), 3);
    /* forgotten, then vminfod down: triton_core has nothing, the link labels their last NICs */
    vminfo_forget(vi);
    fault(VMINFOD_DOWN, NULL);
    CU_ASSERT_EQUAL(vminfo_core(vi, ZONE_C, ZID, 60, 1, &c), -1);
    CU_ASSERT_EQUAL(vminfo_core_kept(vi, ZONE_C, 3600, &c), -1); /* waited out */
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_C, ZID, 1, &n), VMINFO_CACHED);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_C, ZID, 3, &n), VMINFO_STALE); /* new links, no request */
    CU_ASSERT_EQUAL(n.vs_count, 1);
    CU_ASSERT_EQUAL(vminfo_requests(vi), 4);
    fault(VMINFOD_OK, NULL);
    nap_ms(350);
    /* a reboot: whoever comes first asks, the other uses that record */
    CU_ASSERT_EQUAL(vminfo_core(vi, ZONE_C, ZID + 1, 60, 0, &c), VMINFO_FRESH);
    CU_ASSERT_EQUAL(vminfo_get(vi, ZONE_C, ZID + 1, 5, &n), VMINFO_CACHED);
    CU_ASSERT_EQUAL(vminfo_requests(vi), 5);
    vminfo_free(vi);
}

/* The header says core zone, the kept record not (its tag came since: D16): read once more. */
static void
test_claimed(void)
{
    CU_ASSERT_EQUAL(world_vm_set_owner(fx.w, fx.zix_c, ADMIN), 0);
    CU_ASSERT_EQUAL(world_vm_set_tags(fx.w, fx.zix_c, "{}"), 0);
    vminfo_t *vi = vminfo_new(vminfod_url(fx.vd), ADMIN, 3600, 0.3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vi);
    vminfo_core_t c;
    CU_ASSERT_EQUAL(vminfo_core(vi, ZONE_C, ZID, 3600, 0, &c), VMINFO_FRESH);
    CU_ASSERT_FALSE(c.vc_core);
    CU_ASSERT_EQUAL(vminfo_core(vi, ZONE_C, ZID, 3600, 0, &c), VMINFO_CACHED);
    CU_ASSERT_EQUAL(world_vm_set_tags(fx.w, fx.zix_c, "{\"smartdc_role\":\"cnapi\"}"), 0);
    CU_ASSERT_EQUAL(vminfo_core(vi, ZONE_C, ZID, 60, 1, &c), VMINFO_FRESH);
    CU_ASSERT_TRUE(c.vc_core);
    CU_ASSERT_EQUAL(vminfo_core_kept(vi, ZONE_C, 3600, &c), 1); /* the check sees it too */
    CU_ASSERT_TRUE(c.vc_core);
    CU_ASSERT_EQUAL(world_vm_set_tags(fx.w, fx.zix_c, "{}"), 0);
    CU_ASSERT_EQUAL(vminfo_core(vi, ZONE_C, ZID, 60, 1, &c), VMINFO_CACHED); /* not per scrape */
    CU_ASSERT_EQUAL(vminfo_requests(vi), 2);
    vminfo_free(vi);
}

/* ---- the link families ---------------------------------------------------- */

static char *
scrape(vminfo_t *vi, const char *zone, metric_names_t names, int *rc)
{
    scrape_env_t env = {fx.pool, NULL, fx.stats, names, collectors_vm, vi};
    famset_t fs = FAMSET_INIT;
    sbuf_t out = SBUF_INIT;
    *rc = scrape_instance(&env, zone, &fs);
    if (*rc == SCRAPE_OK)
        expo_write(&fs, EXPO_TEXT, &out);
    famset_release(&fs);
    return sbuf_detach(&out, NULL);
}

/* ---- no kstat handle held while vminfod is asked ---------------------------------- */

/* vminfo_get_kept() never asks vminfod; vminfo_prepare() asks once a boot. */
static void
test_kept_only(void)
{
    vminfo_t *vi = new_cache();
    vminfo_nics_t n;
    CU_ASSERT_EQUAL(vminfo_get_kept(vi, ZONE_A, ZID, 1, &n), -1); /* never read: none */
    CU_ASSERT_EQUAL(vminfo_requests(vi), 0);
    CU_ASSERT_EQUAL(vminfo_prepare(vi, ZONE_A, ZID), VMINFO_FRESH);
    CU_ASSERT_EQUAL(vminfo_prepare(vi, ZONE_A, ZID), VMINFO_CACHED);
    CU_ASSERT_EQUAL(vminfo_get_kept(vi, ZONE_A, ZID, 1, &n), VMINFO_CACHED);
    CU_ASSERT_EQUAL(n.vs_count, 2);
    CU_ASSERT_EQUAL(vminfo_get_kept(vi, ZONE_A, ZID + 1, 1, &n), VMINFO_STALE); /* a reboot */
    CU_ASSERT_EQUAL(vminfo_requests(vi), 1);
    vminfo_free(vi);
}

typedef struct slow_scrape {
    vminfo_t *ss_vi;
    int ss_rc;
} slow_scrape_t;

static void *
slow_scrape_run(void *arg)
{
    slow_scrape_t *s = arg;
    free(scrape(s->ss_vi, ZONE_B, NAMES_CMON, &s->ss_rc));
    return NULL;
}

/*
 * A scrape whose VM record vminfod is slow to give (900 ms) holds no kstat
 * handle meanwhile: the pool's only reader is free for other scrapes.
 */
static void
test_no_handle_while_asking(void)
{
    vminfo_t *vi = new_cache();
    slow_scrape_t s = {vi, -1};
    pthread_t t;
    fault(VMINFOD_SLOW, ZONE_B);
    CU_ASSERT_FATAL(pthread_create(&t, NULL, slow_scrape_run, &s) == 0);
    nap_ms(100); /* the scrape waits on vminfod now (500 ms budget) */
    double t0 = cmon_monotime_s();
    kreader_t *kr = kpool_take(fx.pool);
    double waited = cmon_monotime_s() - t0;
    CU_ASSERT_PTR_NOT_NULL(kr);
    CU_ASSERT(waited < 0.25); /* holding the reader, the scrape would keep it ~0.4 s more */
    if (kr != NULL)
        kpool_give(fx.pool, kr);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(s.ss_rc, SCRAPE_OK);
    fault(VMINFOD_OK, NULL);
    vminfo_free(vi);
}

static void
test_golden_link(void)
{
    vminfo_t *vi = new_cache();
    char why[512];
    int rc;
    char *body = scrape(vi, ZONE_A, NAMES_CMON, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    int golden = golden_check(body, "net_agg_", golden_link, golden_nlink, why, sizeof(why));
    CU_ASSERT_EQUAL(golden, 0);
    if (golden != 0)
        fprintf(stderr, "%s\n", why);
    for (size_t i = 0; i < golden_nlink; i++)
        CU_ASSERT_EQUAL(golden_labels_check(body, golden_link[i].gf_name, golden_link_labels,
                                            golden_nlink_labels, 1, why, sizeof(why)),
                        3); /* three VNICs each */
    CU_ASSERT(testlib_has_line(body, "net_agg_bytes_in{interface=\"vnic0\",nic_tag=\"external\","
                                     "network_uuid=\"" NET_A "\"} "));
    /* escaped as the exposition format wants (D14), no network_uuid: "" */
    CU_ASSERT(testlib_has_line(body,
                               "net_agg_bytes_in{interface=\"vnic1\",nic_tag=\"a\\\"b\\\\c\\nd\","
                               "network_uuid=\"\"} "));
    CU_ASSERT(testlib_has_line(body, "net_agg_bytes_in{interface=\"vnic2\"} ")); /* no NIC */
    CU_ASSERT(testlib_has_line(body, "link_metrics_available_boolean 1"));
    free(body);
    body = scrape(vi, ZONE_A, NAMES_PROMETHEUS, &rc);
    CU_ASSERT(testlib_has_line(body, "net_receive_bytes_total{interface=\"vnic0\","
                                     "nic_tag=\"external\",network_uuid=\"" NET_A "\"} "));
    free(body);
    vminfo_free(vi);
}

/* No NIC list at all: link available 0 and no link samples; the rest is served. */
static void
test_unknown_unavailable(void)
{
    vminfo_t *vi = new_cache();
    int rc;
    fault(VMINFOD_DOWN, NULL);
    char *body = scrape(vi, ZONE_C, NAMES_CMON, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, SCRAPE_OK);
    CU_ASSERT(testlib_has_line(body, "link_metrics_available_boolean 0"));
    CU_ASSERT_PTR_NULL(strstr(body, "net_agg_bytes_in{"));
    CU_ASSERT(testlib_has_line(body, "zone_misc_metrics_available_boolean 1"));
    CU_ASSERT(testlib_has_line(body, "tcp_metrics_available_boolean 1"));
    free(body);
    fault(VMINFOD_OK, NULL);
    vminfo_free(vi);
}

/* The interface label: z<digits>_<non-digits> becomes vnic, other names stay. */
static void
test_interface_names(void)
{
    vminfo_t *vi = new_cache();
    int rc;
    world_zone_info_t zi;
    world_zone_info(fx.w, fx.zix_b, &zi);
    char *body = scrape(vi, ZONE_B, NAMES_CMON, &rc);
    char kname[32], series[64];
    snprintf(kname, sizeof(kname), "z%d_net0", zi.wzi_zoneid);
    CU_ASSERT_PTR_NULL(strstr(body, kname)); /* never the name that changes at each boot */
    snprintf(series, sizeof(series), "net_agg_packets_in{interface=\"vnic0\",");
    CU_ASSERT_PTR_NOT_NULL(strstr(body, series));
    free(body);
    vminfo_free(vi);
}

static const CU_TestInfo tests[] = {
    {"parse", test_parse},
    {"cache", test_cache},
    {"churn: records bounded by the running VMs", test_churn_bounded},
    {"failures", test_failures},
    {"backoff", test_backoff},
    {"one vm", test_one_vm},
    {"shared record", test_shared},
    {"header claims core zone", test_claimed},
    {"kept only: never asks", test_kept_only},
    {"no kstat handle held while vminfod is asked", test_no_handle_while_asking},
    {"golden link", test_golden_link},
    {"unknown unavailable", test_unknown_unavailable},
    {"interface names", test_interface_names},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    const cunit_suite_t suites[] = {{"vminfo", suite_init, suite_clean, tests},
                                    {NULL, NULL, NULL, NULL}};

    return cunit_main_suites(argc, argv, suites);
}
