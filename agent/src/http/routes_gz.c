/*
 * routes_gz - GET /v1/gz/metrics and GET /v1/discover. Like routes.c, the
 * handlers only turn a request into an answer; gz.h does the work.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "expo.h"
#include "gz.h"
#include "log.h"

/* GET /v1/gz/metrics */
int
route_gz_metrics(void *ctx, const http_req_t *req, http_resp_t *resp)
{
    agent_t *ag = ctx;
    famset_t fs = FAMSET_INIT;
    int rc = gz_scrape(ag->ag_gz, &fs);
    if (rc == SCRAPE_OK) {
        expo_format_t fmt = route_format(ag->ag_env.se_names, req);
        resp->hs_ctype = expofmt_content_type(fmt);
        resp->hs_compressible = 1;
        resp->hs_vary = "Accept, Accept-Encoding";
        rc = expo_write(&fs, fmt, &resp->hs_body);
    } else {
        log_msg(LOG_ERR, "cannot collect compute node metrics: %s", strerror(errno));
    }
    famset_release(&fs);
    return rc == 0 ? 0 : -1;
}

/* GET /v1/discover */
int
route_discover(void *ctx, const http_req_t *req, http_resp_t *resp)
{
    agent_t *ag = ctx;
    size_t len = 0;
    (void)req;
    char *doc = gz_discover(ag->ag_gz, &len);
    if (doc == NULL) {
        log_msg(LOG_ERR, "cannot list instances: %s", strerror(errno));
        return -1;
    }
    sbuf_add(&resp->hs_body, doc, len);
    free(doc);
    resp->hs_code = 200;
    resp->hs_ctype = "application/json";
    resp->hs_compressible = 1;
    return 0;
}
