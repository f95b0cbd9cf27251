/* opts - cmon-agent's command line. */
#ifndef CMON_AGENT_OPTS_H
#define CMON_AGENT_OPTS_H

#include <stdio.h>

#include "collector.h"
#include "gz.h"
#include "listen.h"
#include "log.h"

/* Where the agent listens unless told otherwise. */
#define OPTS_LISTEN_DEFAULT "127.0.0.1:9163"

typedef struct agent_opts {
    cmon_listen_t ao_listen;            /* --listen / --web.listen-address, parsed (listen.h) */
    char ao_addr[CMON_LISTEN_HOST_MAX]; /* its host part as written ("" for ":PORT") */
    unsigned ao_port;                   /* its port (0: any free port) */
    double ao_cache_ttl;                /* --cache-ttl seconds, 0 disables */
    metric_names_t ao_names;            /* --metric-names */
    unsigned ao_threads;                /* --threads */
    unsigned ao_handles;                /* --kstat-handles */
    unsigned ao_max_conns;              /* --max-connections */
    unsigned ao_idle_timeout;           /* --idle-timeout seconds */
    log_level_t ao_log_level;           /* --log-level */
    const char *ao_vminfod;             /* --vminfod URL */
    gz_opts_t ao_gz;                    /* --zfs-ttl, --plugin-* */
    int ao_help;                        /* --help given */
    int ao_version;                     /* --version given */
} agent_opts_t;

/*
 * opts_parse() - fills o from argv (defaults first). 0, or -1 after
 * printing a one-line message and "Try 'cmon-agent --help'." to err
 * (usage error: exit 2).
 */
int opts_parse(agent_opts_t *o, int argc, char **argv, FILE *err);

/* opts_usage() - writes the --help text. */
void opts_usage(FILE *out);

#endif
