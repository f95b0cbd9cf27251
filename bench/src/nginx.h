/*
 * nginx.h - the reference server: our own nginx (never the system service),
 * with its own temporary prefix, configuration and pid file, serving static
 * files on a free loopback port, one process, keep-alive without a request cap.
 */
#ifndef CMON_BENCH_NGINX_H
#define CMON_BENCH_NGINX_H

#include <stddef.h>
#include <sys/types.h>

struct nginx_ref {
    pid_t nr_pid;     /* the nginx process (master_process off: it serves) */
    int nr_port;      /* loopback port it listens on */
    char nr_dir[256]; /* its prefix: nginx.conf, logs, www/ (the document root) */
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

/* Stop nginx (if started) and remove its directory. Safe to call twice. */
void nginx_stop(struct nginx_ref *ng);

#endif
