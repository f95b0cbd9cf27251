/* fixtures - a control plane and an agent for the proxy's tests (fixtures.h). */
#include "fixtures.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gzip.h"
#include "sbuf.h"

const char fix_agent_body[] = "# HELP cpu_user_usage CPU user time\n"
                              "# TYPE cpu_user_usage counter\n"
                              "cpu_user_usage 12345\n";

static enum MHD_Result
fix_send(struct MHD_Connection *c, unsigned status, const char *body, size_t len, const char *ctype,
         const char *cenc)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", ctype);
    if (cenc != NULL)
        MHD_add_response_header(r, "Content-Encoding", cenc);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static struct MHD_Daemon *
fix_daemon(MHD_AccessHandlerCallback cb, void *cls, unsigned timeout_s)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
                            NULL, NULL, cb, cls, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, MHD_OPTION_END);
}

static unsigned
fix_port(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return i != NULL ? i->port : 0;
}

/* ---- the control plane -------------------------------------------------- */

struct fix_cplane {
    struct MHD_Daemon *f_d;
    pthread_mutex_t f_lock;
    char f_url[64];
    char *f_vms, *f_servers;
    char *f_login[FIX_MAX_ACCOUNTS], *f_json[FIX_MAX_ACCOUNTS];
    size_t f_n;
    unsigned f_gets;
    int f_down;
    unsigned f_delay_ms;
};

static enum MHD_Result
fix_cplane_account_get(fix_cplane_t *f, struct MHD_Connection *c, const char *login)
{
    pthread_mutex_lock(&f->f_lock);
    f->f_gets++;
    char *body = NULL;
    for (size_t i = 0; i < f->f_n && !f->f_down; i++)
        if (strcmp(f->f_login[i], login) == 0)
            body = strdup(f->f_json[i]);
    int down = f->f_down;
    unsigned delay = f->f_delay_ms;
    pthread_mutex_unlock(&f->f_lock);
    usleep((useconds_t)delay * 1000);
    if (down)
        return fix_send(c, 500, "{}", 2, "application/json", NULL);
    if (body == NULL)
        return fix_send(c, 404, "{\"code\":\"ResourceNotFound\",\"message\":\"no such account\"}",
                        55, "application/json", NULL);
    enum MHD_Result r = fix_send(c, 200, body, strlen(body), "application/json", NULL);
    free(body);
    return r;
}

static enum MHD_Result
fix_cplane_feed(struct MHD_Connection *c)
{
    const char *since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
    const char *wait = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait_ms");
    int w = wait != NULL ? atoi(wait) : 0;
    usleep((useconds_t)(w < 200 ? w : 200) * 1000);
    char body[128];
    int n = snprintf(body, sizeof(body), "{\"seq\":%s,\"changes\":[]}", since ? since : "1");
    return fix_send(c, 200, body, (size_t)n, "application/json", NULL);
}

static enum MHD_Result
fix_cplane_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                  const char *version, const char *up, size_t *upsize, void **ctx)
{
    (void)method, (void)version, (void)up, (void)upsize, (void)ctx;
    fix_cplane_t *f = cls;
    if (strncmp(url, "/accounts/", 10) == 0)
        return fix_cplane_account_get(f, c, url + 10);
    if (strcmp(url, "/changes/head") == 0)
        return fix_send(c, 200, "{\"seq\":1}", 9, "application/json", NULL);
    if (strcmp(url, "/changes") == 0)
        return fix_cplane_feed(c);
    if (strcmp(url, "/servers") == 0)
        return fix_send(c, 200, f->f_servers, strlen(f->f_servers), "application/json", NULL);
    if (strcmp(url, "/vms") == 0) {
        const char *off = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
        if (off != NULL && atoi(off) > 0)
            return fix_send(c, 200, "{\"vms\":[],\"total\":0}", 20, "application/json", NULL);
        return fix_send(c, 200, f->f_vms, strlen(f->f_vms), "application/json", NULL);
    }
    return fix_send(c, 404, "{\"code\":\"ResourceNotFound\",\"message\":\"no\"}", 42,
                    "application/json", NULL);
}

fix_cplane_t *
fix_cplane_start(const char *vms_json, const char *servers_json)
{
    fix_cplane_t *f = calloc(1, sizeof(*f));
    pthread_mutex_init(&f->f_lock, NULL);
    f->f_vms = strdup(vms_json);
    f->f_servers = strdup(servers_json);
    f->f_d = fix_daemon(fix_cplane_access, f, 0);
    if (f->f_d == NULL) {
        fix_cplane_stop(f);
        return NULL;
    }
    snprintf(f->f_url, sizeof(f->f_url), "http://127.0.0.1:%u", fix_port(f->f_d));
    return f;
}

void
fix_cplane_stop(fix_cplane_t *f)
{
    if (f == NULL)
        return;
    if (f->f_d != NULL)
        MHD_stop_daemon(f->f_d);
    for (size_t i = 0; i < f->f_n; i++) {
        free(f->f_login[i]);
        free(f->f_json[i]);
    }
    free(f->f_vms);
    free(f->f_servers);
    pthread_mutex_destroy(&f->f_lock);
    free(f);
}

const char *
fix_cplane_url(const fix_cplane_t *f)
{
    return f->f_url;
}

void
fix_cplane_account(fix_cplane_t *f, const char *login, const char *json)
{
    pthread_mutex_lock(&f->f_lock);
    if (f->f_n < FIX_MAX_ACCOUNTS) {
        f->f_login[f->f_n] = strdup(login);
        f->f_json[f->f_n++] = strdup(json);
    }
    pthread_mutex_unlock(&f->f_lock);
}

unsigned
fix_cplane_account_gets(fix_cplane_t *f)
{
    pthread_mutex_lock(&f->f_lock);
    unsigned n = f->f_gets;
    pthread_mutex_unlock(&f->f_lock);
    return n;
}

void
fix_cplane_accounts_delay(fix_cplane_t *f, unsigned ms)
{
    pthread_mutex_lock(&f->f_lock);
    f->f_delay_ms = ms;
    pthread_mutex_unlock(&f->f_lock);
}

void
fix_cplane_accounts_down(fix_cplane_t *f, int down)
{
    pthread_mutex_lock(&f->f_lock);
    f->f_down = down;
    pthread_mutex_unlock(&f->f_lock);
}

/* ---- the agent ---------------------------------------------------------- */

struct fix_agent {
    struct MHD_Daemon *a_d;
    pthread_mutex_t a_lock;
    fix_agent_mode_t a_mode;
    size_t a_big;
    unsigned a_requests;
    int a_stopping;
    char a_enc[64];
};

static int
fix_agent_hang(fix_agent_t *a)
{
    for (int i = 0; i < 3000; i++) { /* 30 s at most */
        pthread_mutex_lock(&a->a_lock);
        int stop = a->a_stopping;
        pthread_mutex_unlock(&a->a_lock);
        if (stop)
            return 0;
        usleep(10000);
    }
    return 0;
}

static enum MHD_Result
fix_agent_ok(struct MHD_Connection *c, int gzip)
{
    if (!gzip)
        return fix_send(c, 200, fix_agent_body, strlen(fix_agent_body), "text/plain; version=0.0.4",
                        NULL);
    sbuf_t z = SBUF_INIT;
    gzip_compress(fix_agent_body, strlen(fix_agent_body), &z);
    enum MHD_Result r = fix_send(c, 200, z.sb_buf, z.sb_len, "text/plain; version=0.0.4", "gzip");
    sbuf_release(&z);
    return r;
}

static enum MHD_Result
fix_agent_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                 const char *version, const char *up, size_t *upsize, void **ctx)
{
    (void)url, (void)method, (void)version, (void)up, (void)upsize;
    fix_agent_t *a = cls;
    /* answered at the second call, the request read whole: an answer queued
     * at the first makes libmicrohttpd close the connection after it
     * ("Connection: close"), and the proxy would never reuse one */
    if (*ctx == NULL) {
        *ctx = a; /* any non-NULL mark */
        return MHD_YES;
    }
    const char *enc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    pthread_mutex_lock(&a->a_lock);
    a->a_requests++;
    snprintf(a->a_enc, sizeof(a->a_enc), "%s", enc != NULL ? enc : "");
    fix_agent_mode_t mode = a->a_mode;
    size_t big = a->a_big;
    pthread_mutex_unlock(&a->a_lock);
    switch (mode) {
    case AGENT_HANG:
        fix_agent_hang(a);
        return MHD_NO;
    case AGENT_503:
        return fix_send(c, 503, "busy\n", 5, "text/plain", NULL);
    case AGENT_500:
        return fix_send(c, 500, "oops\n", 5, "text/plain", NULL);
    case AGENT_GZIP_ALWAYS:
        return fix_agent_ok(c, 1);
    case AGENT_BIG: {
        char *body = malloc(big);
        memset(body, 'x', big);
        struct MHD_Response *r = MHD_create_response_from_buffer(big, body, MHD_RESPMEM_MUST_FREE);
        enum MHD_Result ret = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    case AGENT_RESET:
        return MHD_NO;
    case AGENT_NEVER_GZIP:
        return fix_agent_ok(c, 0);
    case AGENT_ECHO: {
        char echo[256];
        int n = snprintf(echo, sizeof(echo), "agent %u %s\n", fix_port(a->a_d), url);
        return fix_send(c, 200, echo, (size_t)n < sizeof(echo) ? (size_t)n : sizeof(echo) - 1,
                        "text/plain; version=0.0.4", NULL);
    }
    default:
        return fix_agent_ok(c, enc != NULL && strstr(enc, "gzip") != NULL);
    }
}

fix_agent_t *
fix_agent_start_closing_idle(unsigned timeout_s)
{
    fix_agent_t *a = calloc(1, sizeof(*a));
    pthread_mutex_init(&a->a_lock, NULL);
    a->a_d = fix_daemon(fix_agent_access, a, timeout_s);
    if (a->a_d == NULL) {
        free(a);
        return NULL;
    }
    return a;
}

fix_agent_t *
fix_agent_start(void)
{
    return fix_agent_start_closing_idle(0);
}

void
fix_agent_stop(fix_agent_t *a)
{
    if (a == NULL)
        return;
    pthread_mutex_lock(&a->a_lock);
    a->a_stopping = 1;
    pthread_mutex_unlock(&a->a_lock);
    MHD_stop_daemon(a->a_d);
    pthread_mutex_destroy(&a->a_lock);
    free(a);
}

unsigned
fix_agent_port(const fix_agent_t *a)
{
    return fix_port(a->a_d);
}

void
fix_agent_mode(fix_agent_t *a, fix_agent_mode_t mode)
{
    pthread_mutex_lock(&a->a_lock);
    a->a_mode = mode;
    pthread_mutex_unlock(&a->a_lock);
}

void
fix_agent_big(fix_agent_t *a, size_t bytes)
{
    pthread_mutex_lock(&a->a_lock);
    a->a_big = bytes;
    pthread_mutex_unlock(&a->a_lock);
}

unsigned
fix_agent_requests(fix_agent_t *a)
{
    pthread_mutex_lock(&a->a_lock);
    unsigned n = a->a_requests;
    pthread_mutex_unlock(&a->a_lock);
    return n;
}

void
fix_agent_last_encoding(fix_agent_t *a, char *buf, size_t len)
{
    pthread_mutex_lock(&a->a_lock);
    snprintf(buf, len, "%s", a->a_enc);
    pthread_mutex_unlock(&a->a_lock);
}
