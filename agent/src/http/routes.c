/*
 * routes - the agent's HTTP routes and their handlers. Handlers turn a
 * request into famsets and hand them to the writer; nothing here knows
 * about sockets.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cmon_version.h"
#include "cmonopts.h"
#include "expo.h"
#include "gz.h"
#include "landing.h"
#include "log.h"
#include "metacache.h"
#include "negotiate.h"
#include "uuid.h"

#define VARY_NEGOTIATED "Accept, Accept-Encoding"

static void
route_text(http_resp_t *resp, unsigned code, const char *msg)
{
    resp->hs_code = code;
    sbuf_adds(&resp->hs_body, msg);
    sbuf_addc(&resp->hs_body, '\n');
    resp->hs_ctype = "text/plain; charset=utf-8";
}

/*
 * The format of an answer with the given name set. Names never change with
 * the format: OpenMetrics appends _total to a counter's samples, so with
 * cmon names (counters like cpu_user_usage) text 0.0.4 is served whenever
 * Accept allows it at all, even when OpenMetrics is preferred (Prometheus'
 * default), and OpenMetrics only when it is the one acceptable format. The
 * prometheus set's counters already end in _total: the client's preference.
 */
expo_format_t
route_format(metric_names_t names, const http_req_t *req)
{
    return names == NAMES_CMON ? negotiate_format_text_first(req->hr_accept)
                               : negotiate_format(req->hr_accept);
}

/* Renders fs, served with names, in the negotiated format into resp, the
 * metadata of static families from mc (NULL: none). 0 or -1. */
static int
route_expo(const http_req_t *req, metric_names_t names, const famset_t *fs, const metacache_t *mc,
           http_resp_t *resp)
{
    expo_format_t fmt = route_format(names, req);
    resp->hs_ctype = expofmt_content_type(fmt);
    resp->hs_compressible = 1;
    resp->hs_vary = VARY_NEGOTIATED;
    sbuf_grow(&resp->hs_body, 16384);
    return expo_write_cached(fs, fmt, mc, &resp->hs_body);
}

/*
 * What route_vm_extra needs of a request: a core zone's triton_core block,
 * collected before the scrape takes a kstat handle (its HTTP requests to the
 * zone's metric ports must hold none), is put in at its place.
 */
typedef struct route_vm_ctx {
    gz_t *rv_gz;
    int rv_core_zone;
    famset_t rv_core; /* the triton_core block (meta metrics and data) */
} route_vm_ctx_t;

/* The instance scrape's hook: plugins, triton_core and zfs at their places. */
static int
route_vm_extra(void *ctx, const char *collector, const char *zone, famset_t *fs)
{
    route_vm_ctx_t *rv = ctx;
    if (strcmp(collector, "triton_core") == 0)
        return rv->rv_core_zone ? famset_merge(fs, &rv->rv_core) : 0;
    return gz_vm_extra(rv->rv_gz, rv->rv_core_zone, collector, zone, fs);
}

/*
 * GET /v1/{uuid}/metrics. The x-joyent-cmon-opts header is read before the
 * zone is looked up, as the original does: a malformed one is a 400 even
 * for an unknown zone. Without it the VM record decides (the original asked
 * vmadm, we ask vminfod, kept: gz_core_check()): a core zone is one with a
 * smartdc_role tag owned by the admin account (--admin-uuid).
 */
static int
route_vm_metrics(void *ctx, const http_req_t *req, http_resp_t *resp)
{
    agent_t *ag = ctx;
    if (!agent_valid_uuid(req->hr_param)) {
        route_text(resp, 400, "not a vm uuid");
        return 0;
    }
    cmonopts_t opts;
    cmonopts_err_t oerr = cmonopts_parse(req->hr_cmon_opts, &opts);
    if (oerr != CMONOPTS_OK) {
        log_msg(LOG_DEBUG, "GET /v1/%s/metrics: " CMONOPTS_HEADER " refused: %s", req->hr_param,
                cmonopts_strerror(oerr));
        route_text(resp, 400, CMONOPTS_ERROR_BODY);
        return 0;
    }
    famset_t fs = FAMSET_INIT;
    /* An instance's answer is ~80 families and as many samples (more with
     * many VNICs): room for them at once, so the scrape neither grows its
     * arrays nor rebuilds its index on the way (only a hint). */
    (void)famset_presize(&fs, 128, 128, 4096);
    int core =
        req->hr_cmon_opts != NULL ? opts.co_core_zone : gz_core_check(ag->ag_gz, req->hr_param);
    route_vm_ctx_t rv = {ag->ag_gz, core, FAMSET_INIT};
    scrape_extra_t x = {route_vm_extra, &rv};
    int rc = core && gz_vm_extra(ag->ag_gz, 1, "triton_core", req->hr_param, &rv.rv_core) != 0
                 ? SCRAPE_ERROR
                 : scrape_instance_with(&ag->ag_env, &x, req->hr_param, &fs);
    if (rc == SCRAPE_NOTFOUND)
        route_text(resp, 404, "container not found");
    else if (rc == SCRAPE_OK)
        rc = route_expo(req, ag->ag_env.se_names, &fs, ag->ag_meta, resp);
    famset_release(&fs);
    famset_release(&rv.rv_core);
    return rc == SCRAPE_NOTFOUND ? 0 : rc;
}

/* GET /metrics */
static int
route_self_metrics(void *ctx, const http_req_t *req, http_resp_t *resp)
{
    agent_t *ag = ctx;
    famset_t fs = FAMSET_INIT;
    int rc = selfstats_fill(ag->ag_stats, &fs);
    if (rc == 0) /* always Prometheus-convention names */
        rc = route_expo(req, NAMES_PROMETHEUS, &fs, NULL, resp);
    famset_release(&fs);
    return rc;
}

/* POST /v1/refresh */
static int
route_refresh(void *ctx, const http_req_t *req, http_resp_t *resp)
{
    (void)req;
    agent_t *ag = ctx;
    kpool_resync(ag->ag_env.se_pool);
    gz_forget_vms(ag->ag_gz);
    log_limited(LOG_INFO, "refresh requested", "refresh requested");
    route_text(resp, 200, "ok");
    return 0;
}

/*
 * The endpoints GET / lists, one line each; the agent_routes table below
 * routes them. ctest agent_cli checks that every GET path of the table has
 * its link here.
 */
static const cmon_landing_link_t route_landing_links[] = {
    {.ll_method = "GET",
     .ll_path = "/v1/gz/metrics",
     .ll_doc = "the compute node's metrics: per-CPU time, ARC, ZFS pools, zone counts"},
    {.ll_method = "GET",
     .ll_path = "/v1/discover",
     .ll_doc = "Prometheus HTTP service discovery: one target per instance"},
    {.ll_method = "GET",
     .ll_path = "/v1/<vm_uuid>/metrics",
     .ll_doc = "one instance's metrics (the uuids are in /v1/discover)"},
    {.ll_method = "GET",
     .ll_path = "/metrics",
     .ll_doc = "the agent's own metrics: requests, scrape times, kstat reads"},
    {.ll_method = "POST",
     .ll_path = "/v1/refresh",
     .ll_doc = "bring a kstat handle up to date with the kstat chain now"},
};

/* GET / : what the agent is and its endpoints (landing.h). */
static int
route_landing(void *ctx, const http_req_t *req, http_resp_t *resp)
{
    (void)ctx;
    static const cmon_landing_t page = {
        .lp_program = "cmon-agent",
        .lp_version = CMON_VERSION,
        .lp_summary = "Prometheus metrics of every zone of this compute node, from kstats.",
        .lp_links = route_landing_links,
        .lp_nlinks = sizeof(route_landing_links) / sizeof(route_landing_links[0]),
    };
    int html = cmon_landing_wants_html(req->hr_accept);
    size_t len;
    char *doc = cmon_landing_render(&page, html, &len);
    if (doc == NULL)
        return -1;
    sbuf_add(&resp->hs_body, doc, len);
    free(doc);
    resp->hs_ctype = html ? CMON_LANDING_CT_HTML : CMON_LANDING_CT_TEXT;
    resp->hs_vary = "Accept";
    return 0;
}

/* routes_gz.c */
int route_gz_metrics(void *ctx, const http_req_t *req, http_resp_t *resp);
int route_discover(void *ctx, const http_req_t *req, http_resp_t *resp);

const http_route_t agent_routes[] = {
    {"/", HTTP_GET | HTTP_HEAD, route_landing, "landing"},
    {"/v1/gz/metrics", HTTP_GET | HTTP_HEAD, route_gz_metrics, "getmetrics"},
    {"/v1/discover", HTTP_GET | HTTP_HEAD, route_discover, "discover"},
    {"/v1/{}/metrics", HTTP_GET | HTTP_HEAD, route_vm_metrics, "getmetrics"},
    {"/v1/refresh", HTTP_POST, route_refresh, "invalidatezonecache"},
    {"/metrics", HTTP_GET | HTTP_HEAD, route_self_metrics, "agentmetrics"},
    {NULL, 0, NULL, NULL},
};
