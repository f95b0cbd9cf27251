/*
 * agent - the running agent: what every route handler is given (as the
 * HTTP server's closure pointer), and its route table.
 */
#ifndef CMON_AGENT_AGENT_H
#define CMON_AGENT_AGENT_H

#include "expofmt.h"
#include "http.h"
#include "scrape.h"
#include "selfstats.h"

typedef struct agent {
    scrape_env_t ag_env; /* pool, cache, names, collectors */
    selfstats_t *ag_stats;
    struct gz *ag_gz;          /* the compute node's part (gz.h) */
    struct metacache *ag_meta; /* the collectors' metadata lines, rendered at start (metacache.h) */
} agent_t;

/* The agent's routes, in match order (http_route_t table, NULL-ended). */
extern const http_route_t agent_routes[];

/*
 * route_format() - the exposition format of an answer served with names
 * to req: with cmon names text 0.0.4 whenever Accept allows it (OpenMetrics
 * would add _total to their counters), OpenMetrics only when it alone is
 * acceptable; with prometheus names the client's preference.
 */
expo_format_t route_format(metric_names_t names, const http_req_t *req);

#endif
