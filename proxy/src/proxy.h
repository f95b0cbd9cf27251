/*
 * proxy.h - cmon-proxy's HTTPS server: Triton's CMON front door
 * (../shared/specs/triton-cmon.md and proxy/README.md for where we differ).
 *
 * TLS by libmicrohttpd with GnuTLS. Every connection is asked for a client
 * certificate, with an empty list of acceptable CA names (a Go client such
 * as Prometheus sends its certificate only when the list is empty or names
 * its issuer, and ours are self-signed by SSH keys); a client without one
 * finishes the handshake and gets 401 later. Authentication (auth.h) is done
 * once per TLS connection and kept with it, so keep-alive requests cost no
 * signature check.
 *
 * A request, in order: the Host rule (host.h; 404), SNI against Host (421),
 * /_ping (no authentication), authentication (401; 503 when the control
 * plane cannot be asked; a connection whose account must be asked waits
 * suspended while a look-up thread does, lookup.h), the account's throttle
 * (429; operators are not throttled), then /v1/discover, /v1/gz/discover
 * (operators only, else 403) or /metrics (routed by the inventory; 404 for
 * whatever the account may not see). A scrape suspends its connection
 * while the agent is asked (upstream.h), so a hung agent holds no worker
 * thread.
 *
 * Errors are JSON {"code":"<Name>Error","message":"..."}.
 */
#ifndef CMON_PROXY_PROXY_H
#define CMON_PROXY_PROXY_H

#include <stddef.h>
#include <sys/socket.h>

#include "inventory.h"

typedef struct proxy proxy_t;

typedef struct proxy_opts {
    const struct sockaddr *po_addr; /* where to listen; port 0: any free one */
    const char *po_cert_pem;        /* the server's certificate chain, PEM */
    const char *po_key_pem;         /* its private key, PEM */
    const char *po_cplane;          /* the control plane's base URL (accounts) */
    const char *po_dns_suffix;      /* "cmon.test": Host must be <label>.<suffix> */
    inventory_t *po_inventory;      /* the caller's, outlives the proxy */
    unsigned po_threads;            /* HTTP worker threads (default 2) */
    unsigned po_max_conns;          /* concurrent connections (default 1024) */
    int po_connect_timeout_ms;      /* to an agent (default 2000) */
    int po_upstream_timeout_ms;     /* a whole agent request (default 10000) */
    int po_cplane_timeout_ms;       /* an account look-up (default 5000) */
    double po_throttle_rate;        /* requests/s per account (default 100) */
    double po_throttle_burst;       /* burst per account (default 1000) */
    size_t po_account_cache;        /* accounts cached (default 50) */
    double po_account_ttl_s;        /* seconds (default 300) */
    size_t po_max_body;             /* largest agent body passed on (default 64 MB) */
    size_t po_discover_held;        /* discovery bodies held at once, bytes (default 16 MB) */
    int po_access_fd;               /* > 0: one line per request written there (accesslog.h);
                                     * 0: no access log */
    int po_unsuspended_ms;          /* a scrape waits so long for its agent before its
                                     * connection is suspended (default 2; proxy.c) */
} proxy_opts_t;

/* proxy_start() - listens and serves. NULL with a one-line message in err. */
proxy_t *proxy_start(const proxy_opts_t *opts, char *err, size_t errlen);

/* proxy_port() - the port bound. */
unsigned proxy_port(const proxy_t *p);

/* proxy_stop() - answers the scrapes in flight (503), stops, frees. NULL is fine. */
void proxy_stop(proxy_t *p);

#endif
