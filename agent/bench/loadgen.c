/*
 * cmon-agent-loadgen - an open-loop HTTP load generator for the agent
 * benchmark: requests leave on a fixed schedule (rate per second) whatever
 * the server does, over keep-alive connections, each for a random path of a
 * list; the latency of a request is measured from the time it was *due*, so
 * a server that falls behind is charged for the queue it causes (no
 * coordinated omission). libcurl's multi-socket API does the HTTP; an
 * epoll loop with a timerfd keeps the schedule to the microsecond.
 *
 * usage: cmon-agent-loadgen --rate R --duration S [--connections C]
 *                           --paths FILE BASE_URL
 * prints: sent, ok, errors, achieved rate, p50 p90 p99 p99.9 max (ms)
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

typedef struct slot {
    CURL *easy;
    double due; /* when the request was scheduled */
    int busy;
    char url[512];
} slot_t;

typedef struct gen {
    CURLM *multi;
    int epfd, tfd, curl_tfd;
    slot_t *slots;
    int nslots;
    char **paths;
    size_t npaths;
    const char *base;
    double *lat;
    size_t nlat, caplat;
    double *queue; /* due times waiting for a free connection */
    size_t qhead, qtail, qcap;
    long sent, ok, errors;
} gen_t;

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
arm(int tfd, double at)
{
    struct itimerspec its = {0};
    its.it_value.tv_sec = (time_t)at;
    its.it_value.tv_nsec = (long)((at - (double)(time_t)at) * 1e9);
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
        its.it_value.tv_nsec = 1;
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int
on_socket(CURL *e, curl_socket_t s, int what, void *ud, void *sp)
{
    (void)e;
    (void)sp;
    gen_t *g = ud;
    struct epoll_event ev = {0};
    ev.data.fd = s;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(g->epfd, EPOLL_CTL_DEL, s, NULL);
        return 0;
    }
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    if (epoll_ctl(g->epfd, EPOLL_CTL_MOD, s, &ev) != 0)
        epoll_ctl(g->epfd, EPOLL_CTL_ADD, s, &ev);
    return 0;
}

static int
on_timer(CURLM *m, long ms, void *ud)
{
    (void)m;
    gen_t *g = ud;
    struct itimerspec its = {0};
    if (ms >= 0) {
        its.it_value.tv_sec = ms / 1000;
        its.it_value.tv_nsec = (ms % 1000) * 1000000 + 1;
    }
    timerfd_settime(g->curl_tfd, 0, &its, NULL);
    return 0;
}

static size_t
on_body(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

static void
start_one(gen_t *g, double due)
{
    for (int i = 0; i < g->nslots; i++) {
        slot_t *s = &g->slots[i];
        if (s->busy)
            continue;
        snprintf(s->url, sizeof(s->url), "%s%s", g->base, g->paths[rand() % (int)g->npaths]);
        curl_easy_setopt(s->easy, CURLOPT_URL, s->url);
        s->due = due;
        s->busy = 1;
        curl_multi_add_handle(g->multi, s->easy);
        g->sent++;
        return;
    }
    if (g->qtail - g->qhead < g->qcap) /* all busy: it waits, its clock running */
        g->queue[g->qtail++ % g->qcap] = due;
}

static void
reap(gen_t *g)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(g->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        slot_t *s = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        long code = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        if (msg->data.result == CURLE_OK && code == 200)
            g->ok++;
        else
            g->errors++;
        if (g->nlat < g->caplat)
            g->lat[g->nlat++] = now_s() - s->due;
        curl_multi_remove_handle(g->multi, s->easy);
        s->busy = 0;
        if (g->qhead < g->qtail)
            start_one(g, g->queue[g->qhead++ % g->qcap]);
    }
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
pct(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

static void
load_paths(gen_t *g, const char *file)
{
    FILE *f = fopen(file, "r");
    if (f == NULL) {
        fprintf(stderr, "cmon-agent-loadgen: cannot open %s: %s\n", file, strerror(errno));
        exit(2);
    }
    char line[512];
    size_t cap = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0')
            continue;
        if (g->npaths == cap) {
            cap = cap ? cap * 2 : 1024;
            g->paths = realloc(g->paths, cap * sizeof(char *));
        }
        g->paths[g->npaths++] = strdup(line);
    }
    fclose(f);
    if (g->npaths == 0) {
        fprintf(stderr, "cmon-agent-loadgen: no paths in %s\n", file);
        exit(2);
    }
}

static void
setup(gen_t *g, int conns)
{
    g->multi = curl_multi_init();
    g->epfd = epoll_create1(0);
    g->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    g->curl_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN};
    ev.data.fd = g->tfd;
    epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->tfd, &ev);
    ev.data.fd = g->curl_tfd;
    epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->curl_tfd, &ev);
    curl_multi_setopt(g->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(g->multi, CURLMOPT_SOCKETDATA, g);
    curl_multi_setopt(g->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(g->multi, CURLMOPT_TIMERDATA, g);
    curl_multi_setopt(g->multi, CURLMOPT_MAXCONNECTS, (long)conns);
    g->nslots = conns;
    g->slots = calloc((size_t)conns, sizeof(slot_t));
    for (int i = 0; i < conns; i++) {
        CURL *e = curl_easy_init();
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &g->slots[i]);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
        g->slots[i].easy = e;
    }
}

/* One turn of the loop: due requests out, ready sockets served. */
static void
turn(gen_t *g, double *next, double interval, double end)
{
    struct epoll_event evs[64];
    int n = epoll_wait(g->epfd, evs, 64, 100);
    int running;
    for (int i = 0; i < n; i++) {
        int fd = evs[i].data.fd;
        uint64_t x;
        if (fd == g->tfd) {
            if (read(fd, &x, sizeof(x)) < 0) { /* spurious: fine */
            }
        } else if (fd == g->curl_tfd) {
            if (read(fd, &x, sizeof(x)) < 0) {
            }
            curl_multi_socket_action(g->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        } else {
            int what = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                       (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                       (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(g->multi, fd, what, &running);
        }
    }
    double t = now_s();
    while (*next <= t && *next < end) {
        start_one(g, *next);
        *next += interval;
    }
    curl_multi_socket_action(g->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    reap(g);
    if (*next < end)
        arm(g->tfd, *next);
}

int
main(int argc, char **argv)
{
    double rate = 2000, duration = 10;
    int conns = 32;
    const char *paths = NULL;
    static const struct option lo[] = {{"rate", required_argument, NULL, 'r'},
                                       {"duration", required_argument, NULL, 'd'},
                                       {"connections", required_argument, NULL, 'c'},
                                       {"paths", required_argument, NULL, 'p'},
                                       {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'r')
            rate = atof(optarg);
        else if (c == 'd')
            duration = atof(optarg);
        else if (c == 'c')
            conns = atoi(optarg);
        else if (c == 'p')
            paths = optarg;
        else
            return 2;
    }
    if (optind != argc - 1 || paths == NULL || rate <= 0 || duration <= 0 || conns <= 0) {
        fprintf(stderr, "usage: cmon-agent-loadgen --rate R --duration S [--connections C] "
                        "--paths FILE BASE_URL\n");
        return 2;
    }
    gen_t g = {0};
    g.base = argv[optind];
    load_paths(&g, paths);
    curl_global_init(CURL_GLOBAL_ALL);
    setup(&g, conns);
    g.caplat = (size_t)(rate * duration) + 1024;
    g.lat = malloc(g.caplat * sizeof(double));
    g.qcap = g.caplat;
    g.queue = malloc(g.qcap * sizeof(double));
    double start = now_s(), end = start + duration, next = start;
    arm(g.tfd, next);
    while (now_s() < end + 10 &&
           (next < end || g.nlat < (size_t)(g.sent + 0) || g.qhead < g.qtail)) {
        turn(&g, &next, 1.0 / rate, end);
        if (next >= end && g.ok + g.errors >= g.sent && g.qhead >= g.qtail)
            break;
    }
    double took = now_s() - start;
    qsort(g.lat, g.nlat, sizeof(double), cmp_double);
    printf("sent %ld ok %ld errors %ld rate %.1f/s p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max "
           "%.3f ms\n",
           g.sent, g.ok, g.errors, (double)(g.ok + g.errors) / took, pct(g.lat, g.nlat, .5) * 1e3,
           pct(g.lat, g.nlat, .9) * 1e3, pct(g.lat, g.nlat, .99) * 1e3,
           pct(g.lat, g.nlat, .999) * 1e3, g.nlat ? g.lat[g.nlat - 1] * 1e3 : 0.0);
    return g.errors == 0 ? 0 : 1;
}
