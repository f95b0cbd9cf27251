/*
 * cmon-agent - Prometheus metrics of every zone of a compute node, from
 * kstats. main() parses flags, opens the kstat pool, starts the HTTP
 * server, and waits for SIGTERM or SIGINT with sigwait(): the signals are
 * blocked in every thread, so no handler and no signal flag are needed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "agent.h"
#include "cache.h"
#include "gz.h"
#include "kpool.h"
#include "log.h"
#include "opts.h"

/* Thousands of idle clients need thousands of descriptors. */
static void
main_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static unsigned
main_ncollectors(void)
{
    unsigned n = 0;
    while (collectors_vm[n] != NULL)
        n++;
    return n;
}

/* Opens pool and cache into ag. 0, or -1 after logging. */
static int
main_agent_open(agent_t *ag, const agent_opts_t *o)
{
    memset(ag, 0, sizeof(*ag));
    ag->ag_stats = selfstats_new();
    ag->ag_env.se_stats = ag->ag_stats;
    ag->ag_env.se_names = o->ao_names;
    ag->ag_env.se_collectors = collectors_vm;
    ag->ag_env.se_pool = kpool_new(o->ao_handles, 1, ag->ag_stats);
    if (ag->ag_stats == NULL || ag->ag_env.se_pool == NULL) {
        log_msg(LOG_ERR, "cannot open kstats of world %s: %s", kreader_source(), strerror(errno));
        return -1;
    }
    if (o->ao_cache_ttl > 0) {
        ag->ag_env.se_cache = cache_new(main_ncollectors(), o->ao_cache_ttl);
        if (ag->ag_env.se_cache == NULL) {
            log_msg(LOG_ERR, "cannot create cache: %s", strerror(errno));
            return -1;
        }
    }
    ag->ag_gz = gz_new(&o->ao_gz, &ag->ag_env, o->ao_cache_ttl);
    if (ag->ag_gz == NULL) {
        log_msg(LOG_ERR, "cannot set up the compute node part: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static void
main_agent_close(agent_t *ag)
{
    gz_free(ag->ag_gz);
    cache_free(ag->ag_env.se_cache);
    kpool_free(ag->ag_env.se_pool);
    selfstats_free(ag->ag_stats);
}

static int
main_serve(agent_t *ag, const agent_opts_t *o, const sigset_t *sigs)
{
    http_opts_t ho = {o->ao_addr,      o->ao_port,         o->ao_threads,
                      o->ao_max_conns, o->ao_idle_timeout, 32 * 1024};
    http_server_t *srv = http_server_start(&ho, agent_routes, ag, ag->ag_stats);
    if (srv == NULL) {
        log_msg(LOG_ERR, "cannot listen on %s:%u: %s", o->ao_addr, o->ao_port, strerror(errno));
        return -1;
    }
    log_msg(LOG_INFO, "listening on %s:%u", o->ao_addr, http_server_port(srv));
    gz_set_target(ag->ag_gz, o->ao_addr, http_server_port(srv));
    int sig = 0;
    while (sigwait(sigs, &sig) != 0)
        ;
    log_msg(LOG_INFO, "%s: stopping", strsignal(sig));
    http_server_stop(srv);
    return 0;
}

int
main(int argc, char **argv)
{
    agent_opts_t o;
    if (opts_parse(&o, argc, argv, stderr) != 0)
        return 2;
    if (o.ao_help) {
        opts_usage(stdout);
        return 0;
    }
    log_level_set(o.ao_log_level);
    setvbuf(stderr, NULL, _IOLBF, 0);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    main_raise_nofile();
    agent_t ag;
    int rc = main_agent_open(&ag, &o) == 0 && main_serve(&ag, &o, &sigs) == 0 ? 0 : 1;
    main_agent_close(&ag);
    return rc;
}
