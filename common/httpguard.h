/*
 * httpguard.h - what keeps a libmicrohttpd server serving while hostile or
 * broken clients hold connections: the limits both metric servers (cmon-agent,
 * cmon-telemetry) enforce, as a gate in front of the daemon plus its options
 * and callbacks.
 *
 * The protocol, per connection:
 *   - The gate (the guard's own thread, epoll) accepts it from the listening
 *     socket, which the guard owns: the daemon has none. Past hg_max_conns
 *     connections at once, or past hg_max_per_client from one IP address, it
 *     is closed at once, never left waiting in the backlog. Connections still
 *     at the gate count against both limits.
 *   - The gate watches it, reading nothing (MSG_PEEK, at most
 *     httpguard_line_max() bytes), until its first request line is complete,
 *     then hands it to libmicrohttpd (MHD_add_connection()), which reads it
 *     from its first byte. A first request line that cannot become a valid
 *     one (httpguard_line_check(): a method that is no token, no single SP
 *     before a target and an HTTP/x.y version, a control or non-ASCII byte,
 *     more than HTTPGUARD_EMPTY_LINES_MAX empty lines before it, the peer
 *     ending its side mid-line) is answered "400 Bad Request" at once, a
 *     target longer than hg_max_url "414 URI Too Long", each with
 *     "Connection: close"; the gate then shuts its side and reads and drops
 *     what the client still sends for a moment (a bounded lingering close, so
 *     the answer is not lost to a reset) before it closes. libmicrohttpd 0.9.75
 *     would close a line without spaces without an answer, and skip any
 *     number of empty lines until the header deadline.
 *   - Its request's headers must be complete within hg_header_timeout seconds
 *     of the accept (the gate's time counts): an absolute deadline, not an
 *     idle one, so a client trickling a byte every few seconds is cut off
 *     too. A kept-alive connection may then wait idle for its next request as
 *     long as hg_idle_timeout allows (libmicrohttpd's idle timeout); the next
 *     request's headers get hg_header_timeout again from the moment its first
 *     byte arrives (the kernel's count of bytes received, TCP_INFO).
 *   - At the deadline the connection gets "408 Request Timeout" when nothing
 *     or a whole request line has arrived, "400 Bad Request" when bytes came
 *     but no request line, and is closed.
 *   - Later requests of a kept-alive connection are libmicrohttpd's to parse
 *     (the gate sees only the first): a request whose method is no HTTP token,
 *     or whose target (query included) is longer than hg_max_url or holds a
 *     byte that is not visible ASCII, is answered 400 / 414 with
 *     "Connection: close" before the server's handler sees it; a request line
 *     without spaces is closed by libmicrohttpd without an answer, and empty
 *     lines before one are cut at the header deadline (400).
 *
 * Deadlines are counted in ticks of a kernel timer (timerfd, a quarter
 * second), so they pass in real time also where the process's clocks are
 * frozen (the scenario engine's libfaketime). One thread a guard.
 *
 * Use: httpguard_new() with the server's access handler; start the daemon
 * with HTTPGUARD_DAEMON_FLAGS, no accept policy, httpguard_access() / the
 * guard as the access handler, and MHD_OPTION_ARRAY, httpguard_options();
 * then httpguard_listen() with the listening socket. To stop:
 * httpguard_close(), MHD_stop_daemon(), httpguard_free().
 */
#ifndef CMON_HTTPGUARD_H
#define CMON_HTTPGUARD_H

#include <stddef.h>
#include <sys/socket.h>

#include <microhttpd.h>

typedef struct httpguard_limits {
    unsigned hg_max_conns;      /* client connections at once (>= 1) */
    unsigned hg_max_per_client; /* connections at once from one IP address; 0: no limit */
    unsigned hg_header_timeout; /* seconds for a request's headers (>= 1) */
    unsigned hg_idle_timeout;   /* seconds a kept-alive connection may wait idle (>= 1) */
    size_t hg_conn_memory;      /* per-connection memory: bounds request line and headers */
    size_t hg_max_url;          /* longest request target, query included (>= 1) */
    unsigned hg_threads;        /* the daemon's worker threads (0 or 1: one) */
    double hg_log_interval;     /* seconds between log lines of a kind (ratelog.h); 0: all */
} httpguard_limits_t;

/* Defaults: 4096 connections, 2048 per client, 10 s for headers, 60 s idle,
 * 32 KiB per connection, 1024-byte targets, one thread. */
#define HTTPGUARD_LIMITS_DEFAULT                                                                   \
    {                                                                                              \
        .hg_max_conns = 4096, .hg_max_per_client = 2048, .hg_header_timeout = 10,                   \
        .hg_idle_timeout = 60, .hg_conn_memory = 32 * 1024, .hg_max_url = 1024, .hg_threads = 1,   \
        .hg_log_interval = 10                                                                      \
    }

/* What httpguard_options() may fill, MHD_OPTION_END included. */
#define HTTPGUARD_OPTIONS_MAX 10

/* The daemon flags the gate needs, besides the server's own: no listening
 * socket of its own, and a wake-up for connections added from another thread. */
#define HTTPGUARD_DAEMON_FLAGS (MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC)

/* Empty lines a client may send before its first request line (RFC 9112
 * 2.2 asks to ignore at least one); one more is a 400. */
#define HTTPGUARD_EMPTY_LINES_MAX 8

typedef struct httpguard httpguard_t;

/* Seen by a rate-limited logger: why a connection was refused or cut. */
typedef void (*httpguard_log_t)(void *cls, const char *kind, const char *what);

/*
 * httpguard_new() - a guard for one daemon whose requests go to handler
 * (with handler_cls) once they pass, and whose completed requests are
 * reported to done (NULL: none) as MHD_OPTION_NOTIFY_COMPLETED would. log
 * (NULL: silent) is told of each refusal and cut, from libmicrohttpd's
 * threads. Starts the watchdog thread. NULL with errno: EINVAL for a limit
 * out of range, or the error of the timer or the thread.
 */
httpguard_t *httpguard_new(const httpguard_limits_t *lim, MHD_AccessHandlerCallback handler,
                           void *handler_cls, MHD_RequestCompletedCallback done, void *done_cls,
                           httpguard_log_t log, void *log_cls);

/*
 * httpguard_options() - fills items (room for HTTPGUARD_OPTIONS_MAX) with
 * the daemon options that enforce the limits, ending with MHD_OPTION_END:
 * pass them as MHD_OPTION_ARRAY, items. The caller sets no connection limit,
 * per-IP limit, timeout, memory limit, URI logger, connection or completion
 * notifier of its own. Returns the number of items, MHD_OPTION_END included.
 */
size_t httpguard_options(httpguard_t *g, struct MHD_OptionItem *items);

/*
 * httpguard_listen() - opens the gate: from now on the guard's thread
 * accepts the connections of listen_fd (a listening stream socket: TCP, or a
 * unix socket, whose clients have no address to count per client) and hands
 * those that pass to daemon, started as the header says. The guard owns
 * listen_fd from this call on, whatever it returns (httpguard_close() closes
 * it). Once per guard. 0, or -1 with errno (EINVAL: no daemon, or a gate
 * already open; the error of epoll).
 */
int httpguard_listen(httpguard_t *g, struct MHD_Daemon *daemon, int listen_fd);

/*
 * httpguard_close() - stops the guard's thread, closes the listening socket
 * and the connections still at the gate: nothing is handed to the daemon
 * after it. Call before MHD_stop_daemon(). Again, or NULL: nothing.
 */
void httpguard_close(httpguard_t *g);

/* httpguard_access() - the daemon's access handler (cls: the guard): refuses
 * what the limits refuse, hands the rest to the server's handler. */
enum MHD_Result httpguard_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls);

/* httpguard_open() - connections open now, those at the gate included
 * (tests, the agent's own metrics). */
unsigned httpguard_open(httpguard_t *g);

/* httpguard_free() - closes as httpguard_close() and frees; the daemon must
 * be stopped first. NULL is fine. */
void httpguard_free(httpguard_t *g);

/* httpguard_is_token() - 1 when s is a non-empty HTTP token (RFC 9110 5.6.2). */
int httpguard_is_token(const char *s);

/* httpguard_target_check() - 0 when the raw request target (len bytes) is fine,
 * else the status to answer: 414 longer than max_url, 400 a byte that is
 * not visible ASCII. */
unsigned httpguard_target_check(const char *target, size_t len, size_t max_url);

/* What httpguard_line_check() makes of the first bytes of a connection. */
typedef enum {
    HTTPGUARD_LINE_MORE, /* a valid request line's beginning: wait for more */
    HTTPGUARD_LINE_OK,   /* a complete request line, well-formed */
    HTTPGUARD_LINE_BAD,  /* can never become one: 400 */
    HTTPGUARD_LINE_LONG  /* its target is longer than max_url: 414 */
} httpguard_line_t;

/* httpguard_line_max() - the bytes that hold any acceptable first request
 * line with its empty lines before it, for targets up to max_url bytes: what
 * the gate peeks at most. */
size_t httpguard_line_max(size_t max_url);

/*
 * httpguard_line_check() - judges the first len bytes a client sent (RFC 9112
 * 3: method SP request-target SP HTTP-version CRLF, a bare LF accepted as
 * libmicrohttpd does; up to HTTPGUARD_EMPTY_LINES_MAX empty lines first).
 * Decides as early as it can: a first byte that is no token character is BAD
 * without waiting for a line end. Looks at most at httpguard_line_max()
 * bytes: MORE only while len is less, and a line must end within them.
 */
httpguard_line_t httpguard_line_check(const char *buf, size_t len, size_t max_url);

#endif /* CMON_HTTPGUARD_H */
