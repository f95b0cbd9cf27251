/* nginx.c - the nginx reference server (see nginx.h). */
#include "nginx.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch.h"
#include "http.h"
#include "spawn.h"

int
nginx_prepare(struct nginx_ref *ng)
{
    char www[300];

    memset(ng, 0, sizeof(*ng));
    snprintf(ng->nr_dir, sizeof(ng->nr_dir), "/tmp/cmon-bench-nginx-XXXXXX");
    if (mkdtemp(ng->nr_dir) == NULL) {
        ng->nr_dir[0] = '\0';
        return -1;
    }
    snprintf(www, sizeof(www), "%s/www", ng->nr_dir);
    return mkdir(www, 0755);
}

int
nginx_put(const struct nginx_ref *ng, const char *rel, const void *data, size_t len)
{
    char path[1024];
    int n = snprintf(path, sizeof(path), "%s/www/%s", ng->nr_dir, rel);

    if (n < 0 || (size_t)n >= sizeof(path) || strstr(rel, "..") != NULL) {
        errno = EINVAL;
        return -1;
    }
    for (char *s = strchr(path + strlen(ng->nr_dir) + 5, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        int r = mkdir(path, 0755);
        *s = '/';
        if (r < 0 && errno != EEXIST)
            return -1;
    }
    FILE *f = fopen(path, "we");
    if (f == NULL)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || w != len)
        return -1;
    return 0;
}

/* Write nginx.conf for port. Returns 0 or -1 with errno. */
static int
nginx_write_conf(const struct nginx_ref *ng, const char *content_type)
{
    char path[300];
    const char *d = ng->nr_dir;

    snprintf(path, sizeof(path), "%s/nginx.conf", d);
    FILE *f = fopen(path, "we");
    if (f == NULL)
        return -1;
    fprintf(f,
            "daemon off;\nmaster_process off;\nworker_processes 1;\n"
            "pid %s/nginx.pid;\nerror_log %s/error.log warn;\n"
            "events { worker_connections 4096; }\n"
            "http {\n  access_log off;\n"
            "  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n"
            "  fastcgi_temp_path %s/fastcgi;\n"
            "  types { }\n  default_type \"%s\";\n"
            "  keepalive_requests 100000000;\n  keepalive_timeout 300s;\n"
            "  tcp_nodelay on;\n  etag off;\n  gzip_static on;\n"
            "  server {\n    listen 127.0.0.1:%d;\n    root %s/www;\n"
            "    location / { }\n  }\n}\n",
            d, d, d, d, d, content_type, ng->nr_port, d);
    return fclose(f) == 0 ? 0 : -1;
}

/* suffix as a regular expression matching it literally ("cmon\.test"); 0, or -1 when it is not a
 * host name. */
static int
nginx_suffix_re(const char *suffix, char *re, size_t n)
{
    size_t k = 0;

    for (const char *s = suffix; *s != '\0'; s++) {
        int ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                 *s == '-' || *s == '.';
        if (!ok || k + 3 > n)
            return -1;
        if (*s == '.')
            re[k++] = '\\';
        re[k++] = *s;
    }
    re[k] = '\0';
    return k > 0 ? 0 : -1;
}

/* The proxy's two servers: the routed names, and 404 for any other name. */
static void
nginx_write_proxy_servers(FILE *f, const struct nginx_ref *ng, const char *suffix_re)
{
    const struct nginx_proxy *p = ng->nr_proxy;

    fprintf(f,
            "  upstream cmon_agent {\n    server %s;\n    keepalive 64;\n  }\n"
            "  server {\n    listen 127.0.0.1:%d ssl;\n"
            "    server_name \"~^(?<cmon_uuid>[0-9a-fA-F-]{36})\\.%s$\";\n"
            "    ssl_certificate %s;\n    ssl_certificate_key %s;\n"
            "    %s%s;\n"
            "    location = /metrics {\n"
            "      proxy_pass http://cmon_agent/v1/$cmon_uuid/metrics;\n"
            "      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n"
            "      add_header X-Cmon-Bench-Client \"$ssl_client_s_dn\";\n"
            "      add_header X-Cmon-Bench-SNI \"$ssl_server_name\";\n    }\n"
            "    location / { return 404; }\n  }\n"
            "  server {\n    listen 127.0.0.1:%d ssl default_server;\n"
            "    ssl_certificate %s;\n    ssl_certificate_key %s;\n    return 404;\n  }\n",
            p->np_upstream, ng->nr_port, suffix_re, p->np_cert, p->np_key,
            p->np_client_ca ? "ssl_verify_client on; ssl_client_certificate " : "",
            p->np_client_ca ? p->np_client_ca : "ssl_verify_client optional_no_ca", ng->nr_port,
            p->np_cert, p->np_key);
}

/* nginx.conf of the proxy form. Returns 0 or -1 with errno. */
static int
nginx_write_proxy_conf(const struct nginx_ref *ng)
{
    char path[300], suffix_re[256];
    const char *d = ng->nr_dir;
    long conns = ng->nr_proxy->np_max_conns + 256; /* clients, upstream and spare */

    if (nginx_suffix_re(ng->nr_proxy->np_suffix, suffix_re, sizeof(suffix_re)) < 0) {
        errno = EINVAL;
        return -1;
    }
    snprintf(path, sizeof(path), "%s/nginx.conf", d);
    FILE *f = fopen(path, "we");
    if (f == NULL)
        return -1;
    fprintf(f,
            "daemon off;\nmaster_process off;\nworker_processes 1;\n"
            "worker_rlimit_nofile %ld;\n"
            "pid %s/nginx.pid;\nerror_log %s/error.log warn;\n"
            "events { worker_connections %ld; }\n"
            "http {\n  access_log off;\n"
            "  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n"
            "  fastcgi_temp_path %s/fastcgi;\n"
            "  keepalive_requests 100000000;\n  keepalive_timeout 300s;\n"
            "  tcp_nodelay on;\n  ssl_protocols TLSv1.2 TLSv1.3;\n",
            2 * conns, d, d, conns, d, d, d);
    nginx_write_proxy_servers(f, ng, suffix_re);
    fputs("}\n", f);
    return fclose(f) == 0 ? 0 : -1;
}

/* One attempt on a fresh port. Returns 0, 1 to retry (port taken), -1 fatal. */
static int
nginx_try(struct nginx_ref *ng, const char *bin, const char *type, char *err, size_t errlen)
{
    static const struct fetch_tls any_cert = {.ft_insecure = 1}; /* only: does it answer? */
    char conf[300], log[300], url[64];

    ng->nr_port = spawn_free_port();
    int written = ng->nr_proxy ? nginx_write_proxy_conf(ng) : nginx_write_conf(ng, type);
    if (ng->nr_port < 0 || written < 0) {
        snprintf(err, errlen, "cannot configure nginx in %s: %s", ng->nr_dir, strerror(errno));
        return -1;
    }
    snprintf(conf, sizeof(conf), "%s/nginx.conf", ng->nr_dir);
    snprintf(log, sizeof(log), "%s/error.log", ng->nr_dir);
    char *argv[] = {(char *)bin, "-p", ng->nr_dir, "-c", conf, "-e", log, NULL};
    ng->nr_pid = child_start(argv, NULL, log, NULL);
    if (ng->nr_pid < 0) {
        snprintf(err, errlen, "cannot run %s: %s", bin, strerror(errno));
        return -1;
    }
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d/", ng->nr_proxy ? "https" : "http", ng->nr_port);
    if (http_wait_ready_tls(url, ng->nr_proxy ? &any_cert : NULL, ng->nr_pid, 10.0, err, errlen) ==
        0)
        return 0;
    child_stop(ng->nr_pid, 2.0);
    ng->nr_pid = 0;
    return 1;
}

int
nginx_start(struct nginx_ref *ng, const char *nginx_bin, const char *content_type, char *err,
            size_t errlen)
{
    if (access(nginx_bin, X_OK) < 0) {
        snprintf(err, errlen, "cannot run %s: %s", nginx_bin, strerror(errno));
        return -1;
    }
    for (int attempt = 0; attempt < 5; attempt++) {
        int r = nginx_try(ng, nginx_bin, content_type, err, errlen);
        if (r <= 0)
            return r;
    }
    size_t len = strlen(err);
    snprintf(err + len, errlen - len, " (see %s/error.log)", ng->nr_dir);
    return -1;
}

static int
nginx_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
nginx_stop(struct nginx_ref *ng)
{
    if (ng->nr_pid > 0)
        child_stop(ng->nr_pid, 5.0);
    ng->nr_pid = 0;
    if (ng->nr_dir[0] != '\0')
        nftw(ng->nr_dir, nginx_rm, 16, FTW_DEPTH | FTW_PHYS);
    ng->nr_dir[0] = '\0';
}

int
nginx_start_proxy(struct nginx_ref *ng, const char *nginx_bin, const struct nginx_proxy *p,
                  char *err, size_t errlen)
{
    ng->nr_proxy = p;
    return nginx_start(ng, nginx_bin, NULL, err, errlen);
}
