/*
 * nginx.h - the reference server: our own nginx (never the system service),
 * with its own temporary prefix, configuration and pid file, serving static
 * files on a free loopback port, one process, keep-alive without a request cap.
 */
#ifndef CMON_BENCH_NGINX_H
#define CMON_BENCH_NGINX_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The TLS reverse proxy form (nginx-proxy): https://<uuid>.SUFFIX:PORT/metrics
 * is routed to http://UPSTREAM/v1/<uuid>/metrics over pooled keep-alive
 * connections (64), client certificates asked for and not checked against a
 * CA (ssl_verify_client optional_no_ca); every other name or path is 404.
 * The answers carry the client certificate's subject (X-Cmon-Bench-Client)
 * and the SNI name (X-Cmon-Bench-SNI) nginx saw.
 */
struct nginx_proxy {
    const char *np_upstream;  /* the agent, "HOST:PORT" */
    const char *np_suffix;    /* DNS suffix of the instances' names, e.g. "cmon.test" */
    const char *np_cert;      /* server certificate (PEM) for *.SUFFIX */
    const char *np_key;       /* its key (PEM) */
    long np_max_conns;        /* client connections it must hold at once */
    const char *np_client_ca; /* NULL: any client certificate, or none (optional_no_ca);
                                 else one signed by this CA (PEM) is required (400 without) */
};

struct nginx_ref {
    pid_t nr_pid;                       /* the nginx process (master_process off: it serves) */
    int nr_port;                        /* loopback port it listens on */
    char nr_dir[256];                   /* its prefix: nginx.conf, logs, www/ (the document root) */
    const struct nginx_proxy *nr_proxy; /* the proxy form, or NULL: static files */
};

/*
 * Make a prefix directory (mkdtemp under /tmp) whose document root is
 * <dir>/www. Returns 0, or -1 with errno. The caller fills www, then starts.
 */
int nginx_prepare(struct nginx_ref *ng);

/*
 * Write a file of len bytes at www/<rel> (rel like "v1/x/metrics"; parent
 * directories are made). Returns 0 or -1 with errno.
 */
int nginx_put(const struct nginx_ref *ng, const char *rel, const void *data, size_t len);

/*
 * Start nginx_bin on a free port serving www with Content-Type content_type,
 * retrying other ports if one is taken; wait until it answers.
 * Returns 0, or -1 with a one-line reason in err.
 */
int nginx_start(struct nginx_ref *ng, const char *nginx_bin, const char *content_type, char *err,
                size_t errlen);

/*
 * Start nginx_bin as the TLS reverse proxy p (after nginx_prepare; p must
 * outlive it) on a free port, retrying other ports if one is taken; wait
 * until it answers. Returns 0, or -1 with a one-line reason in err.
 */
int nginx_start_proxy(struct nginx_ref *ng, const char *nginx_bin, const struct nginx_proxy *p,
                      char *err, size_t errlen);

/* Stop nginx (if started) and remove its directory. Safe to call twice. */
void nginx_stop(struct nginx_ref *ng);

#endif
