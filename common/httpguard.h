/*
 * httpguard.h - what keeps a libmicrohttpd server serving while hostile or
 * broken clients hold connections: the limits both metric servers (cmon-agent,
 * cmon-telemetry) enforce, as one set of daemon options and callbacks.
 *
 * The protocol, per connection:
 *   - Accepted: counted. Past hg_max_conns connections at once, or past
 *     hg_max_per_client from one IP address (libmicrohttpd's per-IP limit),
 *     a new connection is closed at once, never left waiting in the backlog
 *     (libmicrohttpd itself stops accepting at its limit, so a flood of idle
 *     connections made every later client wait for the idle timeout).
 *   - Its request's headers must be complete within hg_header_timeout seconds
 *     of the accept: an absolute deadline, not an idle one, so a client
 *     trickling a byte every few seconds is cut off too. A kept-alive
 *     connection may then wait idle for its next request as long as
 *     hg_idle_timeout allows (libmicrohttpd's idle timeout); the next request's
 *     headers get hg_header_timeout again from the moment its first byte
 *     arrives (the kernel's count of bytes received, TCP_INFO).
 *   - At the deadline the connection gets "408 Request Timeout" when its
 *     request line has arrived, "400 Bad Request" when bytes came but no
 *     request line (binary garbage, a flood of empty lines), and is shut down;
 *     libmicrohttpd then closes it.
 *   - A request whose method is no HTTP token, or whose target (query
 *     included) is longer than hg_max_url or holds a byte that is not visible
 *     ASCII, is answered 400 / 414 with "Connection: close" before the
 *     server's handler sees it.
 *
 * Deadlines are counted in ticks of a kernel timer (timerfd, a quarter
 * second), so they pass in real time also where the process's clocks are
 * frozen (the scenario engine's libfaketime). One watchdog thread a guard.
 *
 * Use: httpguard_new() with the server's access handler; start the daemon
 * with httpguard_accept() / the guard as the accept policy, httpguard_access()
 * / the guard as the access handler, and MHD_OPTION_ARRAY,
 * httpguard_options(); stop the daemon before httpguard_free().
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
 * timeout, memory limit, URI logger, connection or completion notifier of
 * its own. Returns the number of items, MHD_OPTION_END included.
 */
size_t httpguard_options(httpguard_t *g, struct MHD_OptionItem *items);

/* httpguard_accept() - the daemon's accept policy (cls: the guard). */
enum MHD_Result httpguard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);

/* httpguard_access() - the daemon's access handler (cls: the guard): refuses
 * what the limits refuse, hands the rest to the server's handler. */
enum MHD_Result httpguard_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls);

/* httpguard_open() - connections open now (tests, the agent's own metrics). */
unsigned httpguard_open(httpguard_t *g);

/* httpguard_free() - stops the watchdog and frees; the daemon must be
 * stopped first. NULL is fine. */
void httpguard_free(httpguard_t *g);

/* httpguard_is_token() - 1 when s is a non-empty HTTP token (RFC 9110 5.6.2). */
int httpguard_is_token(const char *s);

/* httpguard_target_check() - 0 when the raw request target (len bytes) is fine,
 * else the status to answer: 414 longer than max_url, 400 a byte that is
 * not visible ASCII. */
unsigned httpguard_target_check(const char *target, size_t len, size_t max_url);

#endif /* CMON_HTTPGUARD_H */
