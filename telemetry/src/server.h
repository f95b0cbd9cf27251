/* server: the HTTP side. Routes only; formatting lives in render/status.
 *
 * TCP (the configured interface and port, or -listen): GET|HEAD / (the
 * landing page listing the endpoints, landing.h), GET|HEAD /metrics (text
 * 0.0.4, or OpenMetrics when Accept asks), GET|HEAD /status (JSON); 404 elsewhere,
 * 405 for other methods. Unix socket (the control socket): ContainerPilot
 * v3's verbs, answered by control.h (/v3/metric, /v3/environ, /v3/reload,
 * /v3/maintenance/enable|disable, /v3/ping); 413 for a body over 64 KiB. */
#ifndef TELEMETRY_SERVER_H
#define TELEMETRY_SERVER_H

#include <stdbool.h>
#include <sys/socket.h>

#include "httpguard.h"
#include "registry.h"

struct control;

struct server {
    struct MHD_Daemon *sv_http;
    struct MHD_Daemon *sv_ctl;
    struct registry *sv_reg;
    struct control *sv_control; /* the control socket's verbs */
    char sv_listen[128]; /* "ADDR:PORT" actually bound */
    char *sv_socket;     /* owned copy of the control socket path */
    bool sv_quiet;
    httpguard_t *sv_guard_http; /* the limits of each daemon (httpguard.h) */
    httpguard_t *sv_guard_ctl;
};

/* server_start: binds addr (port 0: an ephemeral one) and the unix socket at
 * socket_path (a stale socket file there is replaced), starts both daemons.
 * Returns 0, or -1 with a one-line message in err; nothing is left open. */
int server_start(struct server *s, struct registry *r, struct control *verbs,
                 const struct sockaddr *addr, socklen_t addrlen, const char *socket_path, char *err,
                 size_t errlen);

/* The HTTP limits by default (httpguard.h; the connection limit and idle
 * timeout are what the daemons had before them). */
#define SERVER_LIMITS_DEFAULT                                                                      \
    {                                                                                              \
        .hg_max_conns = 256, .hg_max_per_client = 64, .hg_header_timeout = 10,                     \
        .hg_idle_timeout = 30, .hg_conn_memory = 32 * 1024, .hg_max_url = 1024, .hg_threads = 1,   \
        .hg_log_interval = 10                                                                      \
    }

/* server_start_limited: server_start() with the TCP daemon's connection
 * limits and deadlines (the control socket's are the same, with no per-client
 * limit: every client there is local). */
int server_start_limited(struct server *s, struct registry *r, struct control *verbs,
                         const struct sockaddr *addr, socklen_t addrlen, const char *socket_path,
                         const httpguard_limits_t *limits, char *err, size_t errlen);

/* server_stop: stops the daemons, removes the socket file. */
void server_stop(struct server *s);

#endif
