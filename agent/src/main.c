/*
 * cmon-agent - Prometheus metrics of every zone of a compute node, from
 * kstats. main() parses flags, opens the kstat pool, starts the HTTP
 * server, and waits for SIGTERM or SIGINT with sigwait(): the signals are
 * blocked in every thread, so no handler and no signal flag are needed.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <curl/curl.h>

#include "agent.h"
#include "cache.h"
#include "cmon_version.h"
#include "gz.h"
#include "kpool.h"
#include "listen.h"
#include "log.h"
#include "metacache.h"
#include "opts.h"
#include "reaper.h"
#include "vminfo.h"
#include "zfsvm.h"

/*
 * One malloc arena for every thread (glibc; illumos' libc has no arenas).
 * By default each thread that meets another in malloc gets an arena of its
 * own, and each arena keeps the holes its thread's frees leave: under churn
 * (zones made, rebooted and destroyed while the HTTP workers scrape at full
 * rate) the records kept per zone land between the answers' transient
 * buffers in three arenas, and the agent's RSS kept rising by ~1 MB a
 * minute at 2,000 zones though what it held in use stayed flat. With one
 * arena the holes are shared and RSS stays flat; a thread's small blocks
 * still come from its own tcache without a lock (agent/README.md, "Memory
 * under churn": the figures, and the CPU a scrape costs either way).
 */
static void
main_malloc_one_arena(void)
{
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
    (void)mallopt(M_ARENA_MAX, 1);
#endif
}

/*
 * curl_global_init() initialises libssh2, and libssh2 then initialises
 * OpenSSL's crypto for ssh, which the agent never speaks (plain HTTP to
 * vminfod and the core zones' ports): 1.5 MB of RSS (agent/README.md,
 * "Memory under churn"). libssh2_init() counts its callers and initialises
 * the crypto at the first call only, unless that one says
 * LIBSSH2_INIT_NO_CRYPTO (1): so a first call of ours before curl's. Looked
 * up at run time: with a libcurl built without libssh2 there is none, and
 * nothing happens.
 */
static void
main_ssh_without_crypto(void)
{
    int (*ssh2_init)(int) = (int (*)(int))dlsym(RTLD_DEFAULT, "libssh2_init");
    if (ssh2_init != NULL)
        (void)ssh2_init(1 /* LIBSSH2_INIT_NO_CRYPTO */);
}

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

/* Room in the metadata cache: the instance collectors' families, both name sets
 * (~150; test_agent_collectors "metadata of every collector fits"). */
#define MAIN_META_MAX 256

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
    ag->ag_env.se_vminfo = vminfo_new(o->ao_vminfod, o->ao_gz.go_core.to_admin_uuid, 0, 0);
    if (ag->ag_env.se_vminfo == NULL) {
        log_msg(LOG_ERR, "cannot set up vminfo: %s", strerror(errno));
        return -1;
    }
    /* Only a saving: without it (or with part of it) the lines are written as before. */
    ag->ag_meta = metacache_new(MAIN_META_MAX);
    if (ag->ag_meta == NULL || collector_meta_register(ag->ag_meta, collectors_vm) != 0 ||
        zfsvm_meta_register(ag->ag_meta) != 0)
        log_msg(LOG_WARN, "metadata lines not all rendered at start (%zu kept): %s",
                metacache_count(ag->ag_meta), strerror(errno));
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
    metacache_free(ag->ag_meta);
    gz_free(ag->ag_gz);
    cache_free(ag->ag_env.se_cache);
    vminfo_free(ag->ag_env.se_vminfo);
    kpool_free(ag->ag_env.se_pool);
    selfstats_free(ag->ag_stats);
}

/*
 * The host discovery hands to Prometheus in each target: the one of
 * --listen as written, or for ":PORT" (every address) this node's name, since
 * a wildcard address is no place to scrape.
 */
static void
main_set_target(agent_t *ag, const agent_opts_t *o, unsigned port)
{
    char host[256];
    if (!o->ao_listen.cl_any || gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "%s", o->ao_addr);
    host[sizeof(host) - 1] = '\0';
    gz_set_target(ag->ag_gz, host, port);
}

static int
main_serve(agent_t *ag, const agent_opts_t *o, const sigset_t *sigs)
{
    http_opts_t ho = {.ho_addr = (const struct sockaddr *)&o->ao_listen.cl_addr,
                      .ho_threads = o->ao_threads,
                      .ho_max_conns = o->ao_max_conns,
                      .ho_max_per_client = o->ao_max_per_client,
                      .ho_header_timeout = o->ao_header_timeout,
                      .ho_idle_timeout = o->ao_idle_timeout,
                      .ho_log_interval = o->ao_log_interval,
                      .ho_conn_memory = 32 * 1024};
    char where[INET6_ADDRSTRLEN + 16];
    cmon_listen_format(ho.ho_addr, where, sizeof(where));
    http_server_t *srv = http_server_start(&ho, agent_routes, ag, ag->ag_stats);
    if (srv == NULL) {
        log_msg(LOG_ERR, "cannot listen on %s: %s", where, strerror(errno));
        return -1;
    }
    /* the address with the port bound: harnesses read this line */
    struct sockaddr_storage bound = o->ao_listen.cl_addr;
    if (bound.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&bound)->sin6_port = htons((uint16_t)http_server_port(srv));
    else
        ((struct sockaddr_in *)&bound)->sin_port = htons((uint16_t)http_server_port(srv));
    log_msg(LOG_INFO, "listening on %s",
            cmon_listen_format((struct sockaddr *)&bound, where, sizeof(where)));
    main_set_target(ag, o, http_server_port(srv));
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
    main_malloc_one_arena(); /* before the first thread */
    if (opts_parse(&o, argc, argv, stderr) != 0)
        return 2;
    if (o.ao_help) {
        opts_usage(stdout);
        return 0;
    }
    if (o.ao_version) {
        printf("cmon-agent %s\n", CMON_VERSION);
        return 0;
    }
    log_level_set(o.ao_log_level);
    if (log_rate_set(o.ao_log_interval) != 0) {
        log_msg(LOG_ERR, "cannot set up the log: %s", strerror(errno));
        return 1;
    }
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (o.ao_gz.go_core.to_admin_uuid != NULL)
        log_msg(LOG_INFO,
                "admin uuid %s: without x-joyent-cmon-opts its zones with a smartdc_role tag are "
                "core zones",
                o.ao_gz.go_core.to_admin_uuid);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    main_raise_nofile();
    if (reaper_become() != 0) /* orphans of plugins come back to us (reaper.h) */
        log_msg(LOG_WARN, "cannot become a child subreaper: %s; what plugins leave behind "
                          "outside their group may outlive them",
                strerror(errno));
    main_ssh_without_crypto();             /* before curl's global init, which calls it */
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread: vminfod is asked from scrapes */
    agent_t ag;
    int rc = main_agent_open(&ag, &o) == 0 && main_serve(&ag, &o, &sigs) == 0 ? 0 : 1;
    main_agent_close(&ag);
    reaper_sweep(REAPER_ALL); /* nothing runs any more: nothing we started outlives us */
    log_rate_flush();
    return rc;
}
