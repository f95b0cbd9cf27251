/*
 * coresvc.c - core zones' metric ports over HTTP (coresvc.h).
 */
#include "coresvc.h"

#include "answer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#define CORESVC_TEXT_MAX 8192
#define CORESVC_ADDR_TRIES 16
#define CORESVC_HANG_STEP_MS 20

const char *const coresvc_mode_names[] = {"ok",      "down",   "hang",    "status",    "summary",
                                          "untyped", "notype", "badname", "agentname", NULL};

/* One metric port of one core zone. */
typedef struct cs_port {
    struct coresvc *cp_svc;
    int cp_zix;
    unsigned cp_port;
    char cp_role[WORLD_CORE_ROLE_MAX];
    struct sockaddr_in cp_addr;
    struct MHD_Daemon *cp_daemon; /* NULL while down */
    _Atomic int cp_mode;          /* coresvc_mode_t */
    _Atomic unsigned cp_delay_ms;
    atomic_ulong cp_requests;
} cs_port_t;

struct coresvc {
    world_t *cs_world;
    pthread_mutex_t cs_lock; /* the port table (add, faults) */
    atomic_int cs_stopping;  /* held answers let go */
    size_t cs_nports;
    cs_port_t cs_ports[CORESVC_PORTS_MAX];
};

/* ---- answers --------------------------------------------------------------- */

static enum MHD_Result
cs_answer(struct MHD_Connection *c, unsigned status, const char *body, size_t len)
{
    return cmon_answer(c, status, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

/* Holds the answer delay_ms of real time, or until the server stops. */
static void
cs_hang(const cs_port_t *p)
{
    unsigned waited = 0, delay = atomic_load(&p->cp_delay_ms);
    struct timespec step = {0, CORESVC_HANG_STEP_MS * 1000000L};
    while (waited < delay && !atomic_load(&p->cp_svc->cs_stopping)) {
        nanosleep(&step, NULL);
        waited += CORESVC_HANG_STEP_MS;
    }
}

/* The world's text, bent as the port's mode says. Its length, or -1. */
static int
cs_text(const cs_port_t *p, coresvc_mode_t mode, char *buf, size_t len)
{
    static const char *const extra[] = {
        [CORESVC_SUMMARY] = "# HELP rpc_duration_seconds rpc latency\n"
                            "# TYPE rpc_duration_seconds summary\n"
                            "rpc_duration_seconds{quantile=\"0.5\"} 0.01\n"
                            "rpc_duration_seconds_sum 1.5\nrpc_duration_seconds_count 150\n",
        [CORESVC_UNTYPED] = "# TYPE workers_busy untyped\nworkers_busy 3\n",
        [CORESVC_NOTYPE] = "workers_busy 3\n",
        [CORESVC_BADNAME] = "# TYPE workers_busy gauge\nworkers-busy 3\n",
        [CORESVC_AGENTNAME] = "# TYPE tcp_metrics_available_boolean counter\n"
                              "tcp_metrics_available_boolean 1\n",
    };
    size_t at = 0;
    if (mode == CORESVC_NOTYPE) /* before anything else: before any TYPE */
        at = (size_t)snprintf(buf, len, "%s", extra[mode]);
    int n =
        world_core_text(p->cp_svc->cs_world, p->cp_zix, p->cp_role, p->cp_port, buf + at, len - at);
    if (n < 0)
        return -1;
    at += (size_t)n;
    if (mode == CORESVC_SUMMARY || mode == CORESVC_UNTYPED || mode == CORESVC_BADNAME ||
        mode == CORESVC_AGENTNAME)
        at += (size_t)snprintf(buf + at, len - at, "%s", extra[mode]);
    return at < len ? (int)at : -1;
}

static enum MHD_Result
cs_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
          const char *version, const char *upload, size_t *upload_len, void **state)
{
    (void)version;
    (void)upload;
    (void)upload_len;
    cs_port_t *p = cls;
    if (*state == NULL) { /* headers only so far */
        *state = p;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0)
        return cs_answer(c, 405, "method not allowed\n", 19);
    if (strcmp(url, "/metrics") != 0)
        return cs_answer(c, 404, "not found\n", 10);
    atomic_fetch_add(&p->cp_requests, 1);
    coresvc_mode_t mode = (coresvc_mode_t)atomic_load(&p->cp_mode);
    if (mode == CORESVC_HANG)
        cs_hang(p);
    if (mode == CORESVC_STATUS)
        return cs_answer(c, 500, "internal error\n", 15);
    char buf[CORESVC_TEXT_MAX];
    int n = cs_text(p, mode, buf, sizeof(buf));
    if (n < 0)
        return cs_answer(c, 500, "no text\n", 8);
    return cs_answer(c, 200, buf, (size_t)n);
}

/* ---- ports ------------------------------------------------------------------ */

static int
cs_listen(cs_port_t *p)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    p->cp_daemon = MHD_start_daemon(flags, 0, NULL, NULL, cs_access, p, MHD_OPTION_SOCK_ADDR,
                                    (struct sockaddr *)&p->cp_addr, MHD_OPTION_CONNECTION_TIMEOUT,
                                    (unsigned)30, MHD_OPTION_END);
    return p->cp_daemon ? 0 : -1;
}

static void
cs_close(cs_port_t *p)
{
    if (p->cp_daemon != NULL)
        MHD_stop_daemon(p->cp_daemon);
    p->cp_daemon = NULL;
}

/* A random address in 127.100.0.1 .. 127.227.255.254. */
static struct in_addr
cs_draw(void)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
        r = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL);
    uint32_t b = 100 + (r >> 24) % 128, c = (r >> 8) & 0xff, d = 1 + r % 254;
    struct in_addr a = {htonl(127u << 24 | b << 16 | c << 8 | d)};
    return a;
}

/* Opens ports[0..n) of zix at one drawn address; the first free index in *first. */
static int
cs_open_zone(coresvc_t *cs, int zix, const char *role, const unsigned *ports, size_t n,
             struct in_addr *addr, char *err, size_t errlen)
{
    size_t base = cs->cs_nports;
    for (int t = 0; t < CORESVC_ADDR_TRIES; t++) {
        *addr = cs_draw();
        size_t i = 0;
        for (; i < n; i++) {
            cs_port_t *p = &cs->cs_ports[base + i];
            memset(p, 0, sizeof(*p));
            *p = (cs_port_t){.cp_svc = cs, .cp_zix = zix, .cp_port = ports[i]};
            snprintf(p->cp_role, sizeof(p->cp_role), "%s", role);
            p->cp_addr = (struct sockaddr_in){
                .sin_family = AF_INET, .sin_port = htons((uint16_t)ports[i]), .sin_addr = *addr};
            if (cs_listen(p) != 0)
                break;
        }
        if (i == n)
            return 0;
        while (i > 0)
            cs_close(&cs->cs_ports[base + --i]);
    }
    snprintf(err, errlen, "port %u taken on %d loopback addresses", ports[0], CORESVC_ADDR_TRIES);
    return -1;
}

coresvc_t *
coresvc_new(world_t *w)
{
    coresvc_t *cs = calloc(1, sizeof(*cs));
    if (cs == NULL)
        return NULL;
    cs->cs_world = w;
    if (pthread_mutex_init(&cs->cs_lock, NULL) != 0) {
        free(cs);
        errno = ENOMEM;
        return NULL;
    }
    return cs;
}

int
coresvc_add(coresvc_t *cs, int zix, const char *role, const unsigned *ports, size_t n, char *ip,
            char *err, size_t errlen)
{
    struct in_addr addr;
    int rc = -1;
    pthread_mutex_lock(&cs->cs_lock);
    if (cs->cs_nports + n > CORESVC_PORTS_MAX)
        snprintf(err, errlen, "more than %d metric ports", CORESVC_PORTS_MAX);
    else if (n > WORLD_CORE_PORTS_MAX)
        snprintf(err, errlen, "more than %d ports for one zone", WORLD_CORE_PORTS_MAX);
    else if (n > 0 && cs_open_zone(cs, zix, role, ports, n, &addr, err, errlen) != 0)
        ;
    else {
        if (n == 0)
            addr = cs_draw();
        inet_ntop(AF_INET, &addr, ip, CORESVC_IP_MAX);
        if (world_core_set(cs->cs_world, zix, role, ip, ports, n) != 0) {
            snprintf(err, errlen, "cannot make zone %d a core zone: %s", zix, strerror(errno));
            for (size_t i = 0; i < n; i++)
                cs_close(&cs->cs_ports[cs->cs_nports + i]);
        } else {
            cs->cs_nports += n;
            rc = 0;
        }
    }
    pthread_mutex_unlock(&cs->cs_lock);
    return rc;
}

static cs_port_t *
cs_find(const coresvc_t *cs, int zix, unsigned port)
{
    for (size_t i = 0; i < cs->cs_nports; i++)
        if (cs->cs_ports[i].cp_zix == zix && (port == 0 || cs->cs_ports[i].cp_port == port))
            return (cs_port_t *)&cs->cs_ports[i];
    return NULL;
}

int
coresvc_set_fault(coresvc_t *cs, int zix, unsigned port, coresvc_mode_t mode, unsigned delay_ms,
                  char *err, size_t errlen)
{
    int rc = 0;
    pthread_mutex_lock(&cs->cs_lock);
    cs_port_t *p = cs_find(cs, zix, port);
    if (p == NULL) {
        snprintf(err, errlen, "zone %d serves no metric port %u", zix, port);
        rc = -1;
    } else {
        atomic_store(&p->cp_delay_ms, delay_ms);
        atomic_store(&p->cp_mode, (int)mode);
        if (mode == CORESVC_DOWN)
            cs_close(p);
        else if (p->cp_daemon == NULL && cs_listen(p) != 0) {
            snprintf(err, errlen, "cannot listen on port %u again: %s", port, strerror(errno));
            rc = -1;
        }
    }
    pthread_mutex_unlock(&cs->cs_lock);
    return rc;
}

unsigned long
coresvc_requests(const coresvc_t *cs, int zix, unsigned port)
{
    const cs_port_t *p = cs_find(cs, zix, port);
    return p ? atomic_load(&p->cp_requests) : 0;
}

int
coresvc_ip(const coresvc_t *cs, int zix, char ip[CORESVC_IP_MAX])
{
    const cs_port_t *p = cs_find(cs, zix, 0);
    return p != NULL && inet_ntop(AF_INET, &p->cp_addr.sin_addr, ip, CORESVC_IP_MAX) ? 0 : -1;
}

const char *
coresvc_role(const coresvc_t *cs, int zix)
{
    const cs_port_t *p = cs_find(cs, zix, 0);
    return p ? p->cp_role : NULL;
}

void
coresvc_free(coresvc_t *cs)
{
    if (cs == NULL)
        return;
    atomic_store(&cs->cs_stopping, 1);
    for (size_t i = 0; i < cs->cs_nports; i++)
        cs_close(&cs->cs_ports[i]);
    pthread_mutex_destroy(&cs->cs_lock);
    free(cs);
}
