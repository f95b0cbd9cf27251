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

/* Where a SmartOS compute node keeps its configuration (ufds_admin_uuid=...). */
#define OPTS_NODE_CONFIG "/opt/smartdc/config/node.config"

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
    unsigned ao_max_per_client;         /* --max-connections-per-client, 0: no limit */
    unsigned ao_header_timeout;         /* --header-timeout seconds */
    double ao_log_interval;             /* --log-interval seconds (log_limited())*/
    log_level_t ao_log_level;           /* --log-level */
    gz_opts_t ao_gz;                    /* --zfs-ttl, --plugin-*, --ntpq, --ntp-ttl */
    char ao_vminfod[256];               /* --vminfod URL (no trailing /) */
    char ao_admin_uuid[40];             /* --admin-uuid, or node.config's; "" none */
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

/*
 * opts_node_config_admin() - the ufds_admin_uuid= line of the node config at
 * path (shell syntax, the value bare or quoted) into out (40 bytes). 0, or
 * -1 when the file cannot be read or holds no UUID there.
 */
int opts_node_config_admin(const char *path, char *out);

#endif
