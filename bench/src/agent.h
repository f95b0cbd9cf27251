/*
 * agent.h - the system under test: either a world (cmon-sim serve) and a
 * cmon-agent that cmon-bench starts itself, or a running agent at a URL.
 * Also finds the request paths (instances) to scrape.
 */
#ifndef CMON_BENCH_AGENT_H
#define CMON_BENCH_AGENT_H

#include <stddef.h>
#include <sys/types.h>

#include "opts.h"
#include "progress.h"
#include "target.h"

struct agent_sut {
    pid_t as_sim_pid;              /* cmon-sim serve we started, or 0 */
    pid_t as_agent_pid;            /* the agent to watch (ours, or --pid), or 0 */
    int as_own_agent;              /* 1 when we started the agent (and stop it) */
    char as_world[128];            /* world path we made, "" otherwise */
    char as_vminfod[40];           /* its serve's vminfod, ADDR:PORT, "" when we made no world */
    char as_logdir[128];           /* our temporary log folder, "" otherwise */
    char as_base[256];             /* "http://HOST:PORT" without trailing slash; "" with
                                      --url-template (the targets are whole URLs) */
    char as_sim_bin[4096];         /* cmon-sim */
    struct target_list as_targets; /* request paths of running instances */
};

/*
 * Bring up the system under test for zones zones (ignored with --url) and
 * list its instances (tls: how to reach an https:// --url, may be NULL). Each phase that takes time
 * (the world, the agent) is announced on pg (may be NULL). Returns 0, or -1 with a one-line reason
 * in err; call agent_down in both cases.
 */
struct fetch_tls;
int agent_up(const struct opts *o, long zones, const struct progress *pg,
             const struct fetch_tls *tls, struct agent_sut *as, char *err, size_t errlen);

/* Stop what agent_up started (agent, then world) and remove its files. Safe twice. */
void agent_down(struct agent_sut *as);

/* Last lines (at most n bytes) of the agent's log into buf, "" when none. */
void agent_log_tail(const struct agent_sut *as, const char *name, char *buf, size_t n);

#endif
