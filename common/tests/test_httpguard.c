/*
 * test_httpguard.c - hostile clients against the real servers (issue 15, items
 * 1 and 7): thousands of idle connections, trickling ones, connections past
 * --max-connections, garbage request lines, floods of empty lines, long
 * query strings. Run as
 *
 *   test_common_httpguard SERVER BIN_DIR [TEST]
 *
 * where SERVER is "agent" (cmon-agent on a world of cmon-sim serve) or
 * "telemetry" (cmon-telemetry), started from BIN_DIR with the limits each test
 * names. No assertion on time: the deadlines below only stop a test that
 * would otherwise wait forever (today's behaviour), and count as failures.
 * Clients come from several loopback addresses (127.0.0.N) so that a
 * per-client limit tells them from the one normal client (127.0.0.1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmon_spawn.h"
#include "cunit_main.h"
#include "httpguard.h"
#include "ipcount.h"
#include "ratelog.h"

#define FLOOD 3000       /* idle connections of the flood */
#define GIVE_UP_MS 30000 /* a wait that would be forever today */
#define STOP_GRACE_MS 5000

/* The program under test: which, where, and its processes. */
static struct {
    const char *ht_server; /* "agent" or "telemetry" */
    const char *ht_bin;
    char ht_dir[64];  /* scratch: world, config, logs */
    spawn_t ht_world; /* cmon-sim serve (agent only) */
    spawn_t ht_proc;  /* the server */
    unsigned ht_port;
} ht = {.ht_world = SPAWN_INIT, .ht_proc = SPAWN_INIT};

/* ---- the server ------------------------------------------------------- */

/* Waits until file holds needle; the text after it, copied into out. 0, or -1. */
static int
wait_in_file(const char *file, const char *needle, char *out, size_t len)
{
    for (int i = 0; i < GIVE_UP_MS / 20; i++) {
        char buf[8192] = "";
        FILE *f = fopen(file, "r");
        if (f != NULL) {
            size_t n = fread(buf, 1, sizeof(buf) - 1, f);
            buf[n] = '\0';
            fclose(f);
        }
        const char *at = strstr(buf, needle);
        if (at != NULL) {
            snprintf(out, len, "%s", at + strlen(needle));
            return 0;
        }
        usleep(20000);
    }
    return -1;
}

static int
start_world(void)
{
    char sim[512], world[128], log[128], rest[256];
    snprintf(sim, sizeof(sim), "%s/cmon-sim", ht.ht_bin);
    snprintf(world, sizeof(world), "/dev/shm/cmon-httpguard-%d.world", (int)getpid());
    snprintf(log, sizeof(log), "%s/serve.log", ht.ht_dir);
    char *argv[] = {sim,   "serve",     "--zones",     "2", "--world",
                    world, "--vminfod", "127.0.0.1:0", NULL};
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_FILE, .sio_path = log},
                      .so_stderr = {.sio_kind = SPAWN_IO_NULL}};
    if (spawn_start(&ht.ht_world, argv, &o) != 0)
        return -1;
    return wait_in_file(log, world, rest, sizeof(rest));
}

/* The server's command line with the limits in args (NULL-terminated). */
static void
server_argv(char **argv, size_t max, char *const *args)
{
    static char prog[512], config[128], sock[128];
    size_t a = 0;
    snprintf(prog, sizeof(prog), "%s/cmon-%s", ht.ht_bin, ht.ht_server);
    argv[a++] = prog;
    if (strcmp(ht.ht_server, "telemetry") == 0) {
        snprintf(config, sizeof(config), "%s/cp.json5", ht.ht_dir);
        snprintf(sock, sizeof(sock), "%s/cp.sock", ht.ht_dir);
        FILE *f = fopen(config, "w");
        if (f != NULL) {
            fprintf(f,
                    "{ control: { socket: \"%s\" }, telemetry: { port: 0, metrics: [\n"
                    "  { name: \"up_gauge\", type: \"gauge\", help: \"A gauge.\" } ] } }\n",
                    sock);
            fclose(f);
        }
        argv[a++] = "-config";
        argv[a++] = config;
    }
    argv[a++] = "--listen";
    argv[a++] = "127.0.0.1:0";
    for (; *args != NULL && a + 1 < max; args++)
        argv[a++] = *args;
    argv[a] = NULL;
}

/* Starts the server with args; 0 with ht_port set, or -1. */
static int
server_start(char *const *args)
{
    char *argv[32], log[128], rest[256], env[200];
    server_argv(argv, 32, args);
    snprintf(log, sizeof(log), "%s/server.log", ht.ht_dir);
    snprintf(env, sizeof(env), "CMON_SIM_WORLD=/dev/shm/cmon-httpguard-%d.world", (int)getpid());
    char *envv[] = {env, NULL};
    spawn_opts_t o = {.so_env = envv,
                      .so_stdout = {.sio_kind = SPAWN_IO_NULL},
                      .so_stderr = {.sio_kind = SPAWN_IO_FILE, .sio_path = log}};
    unlink(log);
    if (spawn_start(&ht.ht_proc, argv, &o) != 0)
        return -1;
    if (wait_in_file(log, "listening on ", rest, sizeof(rest)) != 0)
        return -1;
    const char *colon = strstr(rest, "127.0.0.1:");
    ht.ht_port = colon != NULL ? (unsigned)strtoul(colon + 10, NULL, 10) : 0;
    return ht.ht_port != 0 ? 0 : -1;
}

/* Stops the server: SIGTERM, and it exits 0 (no sanitizer report either). */
static void
server_stop(void)
{
    if (ht.ht_proc.sp_pid <= 0)
        return;
    int st = spawn_stop(&ht.ht_proc, STOP_GRACE_MS);
    CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- clients ---------------------------------------------------------- */

/* A connection from 127.0.0.<src> to the server; nonblocking when asked. -1 on failure. */
static int
conn_open(int src, int nonblocking)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    struct sockaddr_in me = {.sin_family = AF_INET}, to = {.sin_family = AF_INET};
    me.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)src);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons((uint16_t)ht.ht_port);
    struct timeval tv = {.tv_sec = GIVE_UP_MS / 1000};
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0 ||
        (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends req on a blocking connection and reads the answer to its end: the
 * status, 0 for a close without an answer, -1 when nothing came before the
 * give-up deadline (the connection held). */
static int
exchange(int fd, const char *req, size_t len)
{
    char buf[4096];
    size_t got = 0;
    if (len > 0 && send(fd, req, len, MSG_NOSIGNAL) < 0 && errno != ECONNRESET && errno != EPIPE)
        return -1;
    for (;;) {
        ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
        if (n > 0 && got + (size_t)n < sizeof(buf) - 1) {
            got += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return -1;
        break; /* end of stream, reset, or enough read */
    }
    buf[got] = '\0';
    return strncmp(buf, "HTTP/1.", 7) == 0 ? atoi(buf + 9) : 0;
}

/* One whole request from 127.0.0.<src>: as exchange(). */
static int
request(int src, const char *req, size_t len)
{
    int fd = conn_open(src, 0);
    if (fd < 0)
        return -2;
    int status = exchange(fd, req, len);
    close(fd);
    return status;
}

/* A normal client's scrape from 127.0.0.1: its status. */
static int
normal_scrape(void)
{
    static const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    return request(1, get, sizeof(get) - 1);
}

/* Opens n connections, n / nsrc from each of 127.0.0.<first..>, and waits
 * until each is connected or refused. */
static void
open_many(int *fds, size_t n, int first, size_t nsrc)
{
    for (size_t i = 0; i < n; i++)
        fds[i] = conn_open(first + (int)(i % nsrc), 1);
    struct pollfd *p = calloc(n, sizeof(*p));
    for (size_t i = 0; i < n; i++)
        p[i] = (struct pollfd){.fd = fds[i], .events = POLLOUT};
    for (size_t done = 0, rounds = 0; done < n && rounds < GIVE_UP_MS / 100; rounds++) {
        poll(p, (nfds_t)n, 100);
        for (size_t i = 0; i < n; i++)
            if (p[i].fd >= 0 && p[i].revents != 0) {
                p[i].fd = -1; /* connected (or failed): done */
                done++;
            }
    }
    free(p);
}

/* Waits until want of fds[0..n) are closed by the server (or the give-up
 * deadline); closes and marks -1 those it saw closed. Returns how many. */
static size_t
count_closed(int *fds, size_t n, size_t want)
{
    struct pollfd *p = calloc(n, sizeof(*p));
    size_t closed = 0;
    for (size_t rounds = 0; closed < want && rounds < GIVE_UP_MS / 100; rounds++) {
        for (size_t i = 0; i < n; i++)
            p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        poll(p, (nfds_t)n, 100);
        for (size_t i = 0; i < n; i++) {
            char buf[512];
            if (fds[i] < 0 || p[i].revents == 0)
                continue;
            ssize_t r = recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT);
            if (r > 0 || (r < 0 && errno == EAGAIN))
                continue; /* an answer (a 408): its end follows */
            close(fds[i]);
            fds[i] = -1;
            closed++;
        }
    }
    free(p);
    return closed;
}

static void
close_all(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* ---- set-up ----------------------------------------------------------- */

static int
suite_init(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    snprintf(ht.ht_dir, sizeof(ht.ht_dir), "/tmp/cmon-httpguard-XXXXXX");
    if (mkdtemp(ht.ht_dir) == NULL)
        return -1;
    return strcmp(ht.ht_server, "agent") == 0 ? start_world() : 0;
}

static int
suite_clean(void)
{
    char cmd[200], world[128];
    server_stop();
    if (ht.ht_world.sp_pid > 0)
        spawn_stop(&ht.ht_world, STOP_GRACE_MS);
    snprintf(world, sizeof(world), "/dev/shm/cmon-httpguard-%d.world", (int)getpid());
    unlink(world);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", ht.ht_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- the tests -------------------------------------------------------- */

/* 3,000 idle connections from three addresses, 100 allowed each: the rest
 * are closed at once, and a normal client is served while they are held. */
static void
test_idle_flood(void)
{
    char *args[] = {"--max-connections",
                    "1000",
                    "--max-connections-per-client",
                    "100",
                    "--header-timeout",
                    "600",
                    "--threads",
                    "1",
                    NULL};
    if (strcmp(ht.ht_server, "telemetry") == 0)
        args[6] = NULL; /* one thread is all it has */
    CU_ASSERT_FATAL(server_start(args) == 0);
    static int fds[FLOOD];
    open_many(fds, FLOOD, 2, 3);
    CU_ASSERT_EQUAL(normal_scrape(), 200);
    size_t closed = count_closed(fds, FLOOD, FLOOD - 300);
    if (closed != FLOOD - 300)
        fprintf(stderr, "closed %zu of %d\n", closed, FLOOD);
    CU_ASSERT_EQUAL(closed, FLOOD - 300);
    CU_ASSERT_EQUAL(normal_scrape(), 200); /* still, with 300 held */
    close_all(fds, FLOOD);
    server_stop();
}

/* Past --max-connections a new connection is closed at once; it does not
 * wait in the backlog until one of the others leaves. */
static void
test_max_connections(void)
{
    char *args[] = {"--max-connections",
                    "50",
                    "--max-connections-per-client",
                    "0",
                    "--header-timeout",
                    "600",
                    "--threads",
                    "1",
                    NULL};
    if (strcmp(ht.ht_server, "telemetry") == 0)
        args[6] = NULL;
    CU_ASSERT_FATAL(server_start(args) == 0);
    int fds[50];
    open_many(fds, 50, 5, 1);
    /* one accepting thread takes the backlog in order: the 50 before the next */
    CU_ASSERT_EQUAL(request(6, "", 0), 0); /* closed, no answer: not held */
    close_all(fds, 50);
    server_stop();
}

/* 200 clients sending their headers a byte every half second are cut off
 * at the header deadline, and a normal client is served meanwhile. */
static void
test_trickle(void)
{
    char *args[] = {"--header-timeout", "2", "--max-connections-per-client", "150", NULL};
    CU_ASSERT_FATAL(server_start(args) == 0);
    enum { N = 200 };
    int fds[N];
    open_many(fds, N, 7, 2);
    size_t closed = 0;
    for (int round = 0; round < 60 && closed < N; round++) { /* 30 s of trickle */
        for (int i = 0; i < N; i++)
            if (fds[i] >= 0 && send(fds[i], round == 0 ? "GET /metrics HTTP/1.1\r\nX: " : "a",
                                    round == 0 ? 26 : 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                close(fds[i]); /* reset: cut off */
                fds[i] = -1;
                closed++;
            }
        if (round == 1)
            CU_ASSERT_EQUAL(normal_scrape(), 200);
        usleep(500000);
        for (int i = 0; i < N; i++) {
            char buf[256];
            ssize_t r = fds[i] >= 0 ? recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT) : 1;
            if (fds[i] >= 0 && (r == 0 || (r < 0 && errno != EAGAIN))) {
                close(fds[i]);
                fds[i] = -1;
                closed++;
            }
        }
    }
    CU_ASSERT_EQUAL(closed, N);
    close_all(fds, N);
    server_stop();
}

/* Malformed request lines get 400 and a close; the URL limit counts the query. */
static void
test_malformed(void)
{
    char *args[] = {"--header-timeout", "2", NULL};
    CU_ASSERT_FATAL(server_start(args) == 0);
    static const char garbage[] = "\x01\x02\xfe\xff /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    CU_ASSERT_EQUAL(request(1, garbage, sizeof(garbage) - 1), 400);
    static const char binary[] = "\x01\x02\x03\x04\x05\xfe";
    CU_ASSERT_EQUAL(request(1, binary, sizeof(binary) - 1), 400);
    static const char ctl[] = "GET /metrics\x01x HTTP/1.1\r\nHost: x\r\n\r\n";
    CU_ASSERT_EQUAL(request(1, ctl, sizeof(ctl) - 1), 400);
    char lines[2001];
    for (int i = 0; i < 1000; i++)
        memcpy(lines + 2 * i, "\r\n", 2);
    CU_ASSERT_EQUAL(request(1, lines, 2000), 400);
    char longq[9000];
    int n = snprintf(longq, sizeof(longq), "GET /metrics?q=");
    memset(longq + n, 'a', 8192);
    n += 8192;
    n += snprintf(longq + n, sizeof(longq) - (size_t)n, " HTTP/1.1\r\nHost: x\r\n\r\n");
    CU_ASSERT_EQUAL(request(1, longq, (size_t)n), 414);
    CU_ASSERT_EQUAL(normal_scrape(), 200);
    server_stop();
}

/* Sends req in pieces of step bytes, a short pause between, then reads the
 * answer as exchange(): a request line split across many small writes. */
static int
request_in_pieces(int src, const char *req, size_t len, size_t step)
{
    int fd = conn_open(src, 0);
    if (fd < 0)
        return -2;
    for (size_t at = 0; at + step < len; at += step) {
        if (send(fd, req + at, step, MSG_NOSIGNAL) < 0) {
            close(fd);
            return 0;
        }
        usleep(2000);
    }
    size_t last = len - (len - 1) / step * step;
    int status = exchange(fd, req + len - last, last);
    close(fd);
    return status;
}

/* The first request line is judged before libmicrohttpd reads it: what can
 * never become a request line is answered 400 (414 for a long target) and
 * closed at once, long before a header deadline that would otherwise be
 * the only way out (600 s here: the test gives up after 30 and fails). */
static void
test_bad_line_at_once(void)
{
    char *args[] = {"--header-timeout", "600", NULL};
    CU_ASSERT_FATAL(server_start(args) == 0);
    static const char binary[] = "\x01\x02\x03\x04\x05\xfe";
    CU_ASSERT_EQUAL(request(1, binary, sizeof(binary) - 1), 400);
    static const char nospace[] = "GARBAGE\r\nHost: x\r\n\r\n";
    CU_ASSERT_EQUAL(request(1, nospace, sizeof(nospace) - 1), 400);
    static const char noversion[] = "GET /metrics\r\nHost: x\r\n\r\n";
    CU_ASSERT_EQUAL(request(1, noversion, sizeof(noversion) - 1), 400);
    static const char ctl[] = "GET /met\x01rics HTTP/1.1\r\nHost: x\r\n\r\n";
    CU_ASSERT_EQUAL(request(1, ctl, sizeof(ctl) - 1), 400);
    static const char half[] = "GET /metrics HT"; /* then the client's side ends */
    int fd = conn_open(1, 0);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(send(fd, half, sizeof(half) - 1, MSG_NOSIGNAL) > 0);
    shutdown(fd, SHUT_WR);
    CU_ASSERT_EQUAL(exchange(fd, "", 0), 400);
    close(fd);
    char lines[2000];
    for (int i = 0; i < 1000; i++)
        memcpy(lines + 2 * i, "\r\n", 2);
    CU_ASSERT_EQUAL(request(1, lines, sizeof(lines)), 400);
    CU_ASSERT_EQUAL(request(1, lines, 2 * (HTTPGUARD_EMPTY_LINES_MAX + 1)), 400);
    char longq[1200];
    int n = snprintf(longq, sizeof(longq), "GET /metrics?q=");
    memset(longq + n, 'a', 1100); /* no line end yet: the target alone is too long */
    CU_ASSERT_EQUAL(request(1, longq, (size_t)n + 1100), 414);
    CU_ASSERT_EQUAL(normal_scrape(), 200);
    server_stop();
}

/* What the gate lets through: empty lines before the request line (up to
 * HTTPGUARD_EMPTY_LINES_MAX), a line in pieces, bare LFs. */
static void
test_good_line_served(void)
{
    char *args[] = {"--header-timeout", "600", NULL};
    CU_ASSERT_FATAL(server_start(args) == 0);
    static const char two_empty[] = "\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n"
                                    "Connection: close\r\n\r\n";
    CU_ASSERT_EQUAL(request(1, two_empty, sizeof(two_empty) - 1), 200);
    static const char lf[] = "\nGET /metrics HTTP/1.1\nHost: x\nConnection: close\n\n";
    CU_ASSERT_EQUAL(request(1, lf, sizeof(lf) - 1), 200);
    static const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    CU_ASSERT_EQUAL(request_in_pieces(1, get, sizeof(get) - 1, 1), 200);
    CU_ASSERT_EQUAL(request_in_pieces(1, get, sizeof(get) - 1, 3), 200);
    static const char v10[] = "GET /metrics HTTP/1.0\r\n\r\n";
    CU_ASSERT_EQUAL(request(1, v10, sizeof(v10) - 1), 200);
    static const char v20[] = "GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n";
    CU_ASSERT_EQUAL(request(1, v20, sizeof(v20) - 1), 505); /* libmicrohttpd's answer, as before */
    server_stop();
}

/* Clients trickling the request line itself, a byte every half second,
 * never finish it: at the header deadline they get 400 (part of a line
 * came) and are closed, while a normal client is served. */
static void
test_line_trickle(void)
{
    char *args[] = {"--header-timeout", "2", NULL};
    CU_ASSERT_FATAL(server_start(args) == 0);
    enum { N = 20 };
    static const char line[] = "GET /metrics?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    int fds[N], answered = 0;
    open_many(fds, N, 9, 1);
    for (size_t round = 0; round < sizeof(line) - 1 && answered < N; round++) {
        for (int i = 0; i < N; i++) {
            char buf[512];
            if (fds[i] < 0)
                continue;
            ssize_t r = recv(fds[i], buf, sizeof(buf) - 1, MSG_DONTWAIT);
            if (r > 0 || (r < 0 && errno != EAGAIN)) {
                buf[r > 0 ? r : 0] = '\0';
                answered += strncmp(buf, "HTTP/1.1 400", 12) == 0;
                close(fds[i]);
                fds[i] = -1;
                continue;
            }
            send(fds[i], line + round, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        if (round == 1)
            CU_ASSERT_EQUAL(normal_scrape(), 200);
        usleep(500000);
    }
    CU_ASSERT_EQUAL(answered, N);
    close_all(fds, N);
    server_stop();
}

/* A kept-alive connection, answered once, that then trickles its next
 * request's headers a byte every half second is cut at the header deadline
 * (the trickle keeps libmicrohttpd's idle timeout from ever firing). */
static void
test_kept_trickle(void)
{
    char *args[] = {"--header-timeout", "2", NULL};
    CU_ASSERT_FATAL(server_start(args) == 0);
    static const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    int fd = conn_open(11, 0);
    CU_ASSERT_FATAL(fd >= 0);
    char buf[65536];
    CU_ASSERT_EQUAL(send(fd, get, sizeof(get) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(get) - 1);
    ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
    CU_ASSERT_TRUE(n > 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0);
    usleep(300000);
    while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0) /* the rest of the body */
        ;
    int closed = 0;
    for (int round = 0; round < 60 && !closed; round++) { /* 30 s of trickle */
        if (send(fd, round == 0 ? "GET /metrics HTTP/1.1\r\nX: " : "a", round == 0 ? 26 : 1,
                 MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
            closed = 1; /* reset: cut off */
        usleep(500000);
        ssize_t r;
        while ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) /* a 400/408, then the end */
            ;
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            closed = 1;
    }
    CU_ASSERT_TRUE(closed);
    close(fd);
    server_stop();
}

/* Lines of the server's log holding needle. */
static int
log_lines(const char *needle)
{
    char path[128], line[1024];
    int n = 0;
    snprintf(path, sizeof(path), "%s/server.log", ht.ht_dir);
    FILE *f = fopen(path, "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, needle) != NULL;
    if (f != NULL)
        fclose(f);
    return n;
}

/* 500 POST /v1/refresh write one line, and a summary of the rest at exit;
 * not a line each (the agent only). */
static void
test_refresh_flood(void)
{
    char *args[] = {"--log-interval", "600", NULL};
    CU_ASSERT_FATAL(server_start(args) == 0);
    static const char post[] = "POST /v1/refresh HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n";
    int ok = 0;
    for (int i = 0; i < 500; i++)
        ok += request(1, post, sizeof(post) - 1) == 200;
    CU_ASSERT_EQUAL(ok, 500);
    CU_ASSERT_EQUAL(log_lines("refresh requested"), 1);
    server_stop();
    CU_ASSERT_EQUAL(log_lines("refresh requested: 499 more suppressed"), 1);
}

/* ---- units: no server ------------------------------------------------- */

static void
test_units(void)
{
    CU_ASSERT_TRUE(httpguard_is_token("GET"));
    CU_ASSERT_TRUE(httpguard_is_token("M-SEARCH"));
    CU_ASSERT_FALSE(httpguard_is_token(""));
    CU_ASSERT_FALSE(httpguard_is_token("G\xffT"));
    CU_ASSERT_FALSE(httpguard_is_token("GE T"));
    CU_ASSERT_EQUAL(httpguard_target_check("/metrics", 8, 1024), 0);
    CU_ASSERT_EQUAL(httpguard_target_check("/a?b=c", 6, 5), 414);
    CU_ASSERT_EQUAL(httpguard_target_check("/a\x7f", 3, 1024), 400);
    CU_ASSERT_EQUAL(httpguard_target_check("/a b", 4, 1024), 400);
    CU_ASSERT_EQUAL(httpguard_target_check("", 0, 1024), 400);
    httpguard_limits_t bad = HTTPGUARD_LIMITS_DEFAULT;
    bad.hg_header_timeout = 0;
    errno = 0;
    CU_ASSERT_PTR_NULL(httpguard_new(&bad, NULL, NULL, NULL, NULL, NULL, NULL));
    CU_ASSERT_EQUAL(errno, EINVAL);
}

/* The gate's judgement of first request lines, one verdict per case. */
static void
test_line_check(void)
{
    static const struct {
        const char *in;
        httpguard_line_t want;
    } cases[] = {
        {"GET /metrics HTTP/1.1\r\n", HTTPGUARD_LINE_OK},
        {"GET /metrics HTTP/1.1\n", HTTPGUARD_LINE_OK},
        {"\r\n\nGET / HTTP/1.0\r\n", HTTPGUARD_LINE_OK},
        {"OPTIONS * HTTP/1.1\r\n", HTTPGUARD_LINE_OK},
        {"M-SEARCH /x?a=b&c HTTP/9.9\r\n", HTTPGUARD_LINE_OK},
        {"", HTTPGUARD_LINE_MORE},
        {"\r", HTTPGUARD_LINE_MORE},
        {"\r\n\r\n", HTTPGUARD_LINE_MORE},
        {"GE", HTTPGUARD_LINE_MORE},
        {"GET ", HTTPGUARD_LINE_MORE},
        {"GET /metr", HTTPGUARD_LINE_MORE},
        {"GET /metrics HTTP/1", HTTPGUARD_LINE_MORE},
        {"GET /metrics HTTP/1.1", HTTPGUARD_LINE_MORE},
        {"GET /metrics HTTP/1.1\r", HTTPGUARD_LINE_MORE},
        {"\x01", HTTPGUARD_LINE_BAD},
        {"\xfeGET / HTTP/1.1\r\n", HTTPGUARD_LINE_BAD},
        {" GET / HTTP/1.1\r\n", HTTPGUARD_LINE_BAD},
        {"GARBAGE\r\n", HTTPGUARD_LINE_BAD},
        {"GET\r\n", HTTPGUARD_LINE_BAD},
        {"GET  / HTTP/1.1\r\n", HTTPGUARD_LINE_BAD},
        {"GET /metrics\r\n", HTTPGUARD_LINE_BAD},
        {"GET /metrics  HTTP/1.1\r\n", HTTPGUARD_LINE_BAD},
        {"GET /met\x01rics HTTP/1.1\r\n", HTTPGUARD_LINE_BAD},
        {"GET /m\xc3\xa9 HTTP/1.1\r\n", HTTPGUARD_LINE_BAD},
        {"GET / HTTP/1.1 \r\n", HTTPGUARD_LINE_BAD},
        {"GET / http/1.1\r\n", HTTPGUARD_LINE_BAD},
        {"GET / HTTP/11\r\n", HTTPGUARD_LINE_BAD},
        {"GET / HTTP/1.1\rX", HTTPGUARD_LINE_BAD},
        {"\rX", HTTPGUARD_LINE_BAD},
        {"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n", HTTPGUARD_LINE_MORE}, /* 8: still fine */
        {"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n", HTTPGUARD_LINE_BAD},
        {"\n\n\n\n\n\n\n\n\n", HTTPGUARD_LINE_BAD},
        {"GET /0123456789 HTTP/1.1\r\n", HTTPGUARD_LINE_LONG}, /* max_url 10 below */
        {"GET /0123456789", HTTPGUARD_LINE_LONG},
        {"GET /012345678 HTTP/1.1\r\n", HTTPGUARD_LINE_OK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        httpguard_line_t got = httpguard_line_check(cases[i].in, strlen(cases[i].in), 10);
        if (got != cases[i].want)
            fprintf(stderr, "case %zu: got %d, want %d\n", i, (int)got, (int)cases[i].want);
        CU_ASSERT_EQUAL(got, cases[i].want);
    }
    /* a method as long as everything the gate peeks: no line, however long it waits */
    size_t max = httpguard_line_max(10);
    char *method = malloc(max + 16);
    CU_ASSERT_FATAL(method != NULL);
    memset(method, 'A', max);
    CU_ASSERT_EQUAL(httpguard_line_check(method, max - 1, 10), HTTPGUARD_LINE_MORE);
    CU_ASSERT_EQUAL(httpguard_line_check(method, max, 10), HTTPGUARD_LINE_BAD);
    memcpy(method + max, " / HTTP/1.1\r\n", 13); /* a line end past what is looked at */
    CU_ASSERT_EQUAL(httpguard_line_check(method, max + 13, 10), HTTPGUARD_LINE_BAD);
    free(method);
}

/* Per-address counts: IPv4 counted as its mapped IPv6 form, entries gone at 0. */
static void
test_ipcount(void)
{
    ipcount_t *t = ipcount_new();
    CU_ASSERT_FATAL(t != NULL);
    struct sockaddr_in a4 = {.sin_family = AF_INET};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET, "127.0.0.7", &a4.sin_addr);
    inet_pton(AF_INET6, "::ffff:127.0.0.7", &a6.sin6_addr);
    ipcount_key_t k4, k6, other;
    CU_ASSERT_EQUAL(ipcount_key_of((struct sockaddr *)&a4, sizeof(a4), &k4), 1);
    CU_ASSERT_EQUAL(ipcount_key_of((struct sockaddr *)&a6, sizeof(a6), &k6), 1);
    inet_pton(AF_INET6, "::1", &a6.sin6_addr);
    CU_ASSERT_EQUAL(ipcount_key_of((struct sockaddr *)&a6, sizeof(a6), &other), 1);
    struct sockaddr un = {.sa_family = AF_UNIX};
    CU_ASSERT_EQUAL(ipcount_key_of(&un, sizeof(un), &other), 0);
    CU_ASSERT_EQUAL(ipcount_add(t, &k4), 0);
    CU_ASSERT_EQUAL(ipcount_add(t, &k6), 0);
    CU_ASSERT_EQUAL(ipcount_add(t, &other), 0);
    CU_ASSERT_EQUAL(ipcount_get(t, &k4), 2);
    CU_ASSERT_EQUAL(ipcount_get(t, &other), 1);
    CU_ASSERT_EQUAL(ipcount_addresses(t), 2);
    ipcount_del(t, &other);
    CU_ASSERT_EQUAL(ipcount_get(t, &other), 0);
    CU_ASSERT_EQUAL(ipcount_addresses(t), 1);
    ipcount_del(t, &other); /* unknown: ignored */
    ipcount_del(t, &k6);
    CU_ASSERT_EQUAL(ipcount_get(t, &k4), 1);
    ipcount_free(t);
}

static unsigned long flushed_total;
static void
count_flushed(void *cls, const char *cause, unsigned long n)
{
    (void)cls;
    (void)cause;
    flushed_total += n;
}

/* The summary of suppressed lines a flood leaves when it stops. */
static void
test_ratelog_flush(void)
{
    ratelog_t *rl = ratelog_new(10);
    unsigned long left;
    CU_ASSERT_EQUAL(ratelog_admit(rl, "refresh requested", 1.0, &left), 1);
    for (int i = 0; i < 1000; i++)
        CU_ASSERT_EQUAL(ratelog_admit(rl, "refresh requested", 1.0 + i * 0.001, &left), 0);
    CU_ASSERT_EQUAL(ratelog_flush(rl, count_flushed, NULL), 1);
    CU_ASSERT_EQUAL(flushed_total, 1000);
    CU_ASSERT_EQUAL(ratelog_flush(rl, count_flushed, NULL), 0); /* reported once */
    ratelog_free(rl);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo units[] = {{"guard checks", test_units},
                                        {"request line checks", test_line_check},
                                        {"per-address counts", test_ipcount},
                                        {"ratelog flush", test_ratelog_flush},
                                        CU_TEST_INFO_NULL};
    static const CU_TestInfo hostile[] = {{"idle flood", test_idle_flood},
                                          {"max connections", test_max_connections},
                                          {"trickle", test_trickle},
                                          {"malformed", test_malformed},
                                          {"bad line at once", test_bad_line_at_once},
                                          {"good line served", test_good_line_served},
                                          {"line trickle", test_line_trickle},
                                          {"kept-alive trickle", test_kept_trickle},
                                          CU_TEST_INFO_NULL};
    if (argc < 3) {
        static const cunit_suite_t only_units[] = {{"httpguard units", NULL, NULL, units},
                                                   {NULL, NULL, NULL, NULL}};
        return cunit_run(only_units, argc > 1 ? argv[1] : NULL);
    }
    ht.ht_server = argv[1];
    ht.ht_bin = argv[2];
    static const CU_TestInfo agent_only[] = {{"refresh flood", test_refresh_flood},
                                             CU_TEST_INFO_NULL};
    int agent = strcmp(ht.ht_server, "agent") == 0;
    const cunit_suite_t suites[] = {
        {"hostile clients", suite_init, suite_clean, hostile},
        {agent ? "agent log" : NULL, suite_init, suite_clean, agent_only},
        {NULL, NULL, NULL, NULL}};
    return cunit_run(suites, argc > 3 ? argv[3] : NULL);
}
