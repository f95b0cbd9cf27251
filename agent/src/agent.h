/*
 * agent - the running agent: what every route handler is given (as the
 * HTTP server's closure pointer), and its route table.
 */
#ifndef CMON_AGENT_AGENT_H
#define CMON_AGENT_AGENT_H

#include "http.h"
#include "scrape.h"
#include "selfstats.h"

typedef struct agent {
    scrape_env_t ag_env; /* pool, cache, names, collectors */
    selfstats_t *ag_stats;
    struct gz *ag_gz; /* the compute node's part (gz.h) */
} agent_t;

/* The agent's routes, in match order (http_route_t table, NULL-ended). */
extern const http_route_t agent_routes[];

#endif
