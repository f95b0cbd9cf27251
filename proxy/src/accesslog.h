/* accesslog - one line per request, as an operator reads nginx's access log:
 * who asked what, the answer, and where its time went.
 *
 *   TIME CLIENT LOGIN METHOD HOST PATH STATUS REQUEST_S AGENT_S END
 *
 *   2026-12-07T19:50:01.123Z 127.0.0.1 alice GET 0f1e...c3.cmon.test /metrics 200 0.000163
 *       0.000112 done          (one line)
 *
 * TIME      when the request ended, UTC, milliseconds
 * CLIENT    the client's address
 * LOGIN     the account the connection authenticated as; - before or without
 * METHOD, HOST, PATH  as the client sent them (PATH decoded, without the query)
 * STATUS    the status answered; - when none was
 * REQUEST_S seconds from the request's headers being in to its end
 * AGENT_S   seconds from asking the agent to its answer being in; - when no
 *           agent was asked or the request ended first
 * END       done (the answer sent whole) or cut (the client went away, a
 *           timeout, the proxy stopping)
 *
 * Fields are separated by one space. A field the client chose has every byte
 * outside '!'..'~', and '"' and '\', written as \xHH, so that a line is one
 * line and a field one field whatever was sent; at most ACCESSLOG_FIELD_MAX
 * bytes of it are written, then "...". An empty field is "-" (a field that is
 * "-" is written \x2d).
 *
 * A line is at most ACCESSLOG_LINE_MAX bytes, under PIPE_BUF, written with
 * write(2) to a descriptor opened O_APPEND (a file) or a pipe, so lines of
 * several workers do not mix. The write blocks the worker: a pipe's reader
 * must keep up.
 */
#ifndef CMON_PROXY_ACCESSLOG_H
#define CMON_PROXY_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

#define ACCESSLOG_FIELD_MAX 160 /* bytes of a field the client chose */
#define ACCESSLOG_LINE_MAX 4096 /* every field at its longest, escaped: 5 x (4 x 160 + 4) + 96 */

typedef struct accesslog_entry {
    int64_t ale_end_ns;     /* when it ended: CLOCK_REALTIME, ns */
    const char *ale_client; /* NULL: "-" */
    const char *ale_login;
    const char *ale_method;
    const char *ale_host;
    const char *ale_path;
    unsigned ale_status;    /* 0: none answered */
    int64_t ale_request_ns; /* headers in → end */
    int64_t ale_agent_ns;   /* asked → answered; < 0: none */
    int ale_done;           /* 1 the answer was sent whole */
} accesslog_entry_t;

/* accesslog_format() - the line of e, '\n' included, in buf (cap at least
 * ACCESSLOG_LINE_MAX); returns its length. */
size_t accesslog_format(const accesslog_entry_t *e, char *buf, size_t cap);

/* accesslog_write() - formats e and writes it to fd: one write(2) to a file or
 * a pipe, the rest after a short one (a socket). 0, or -1 with errno. */
int accesslog_write(int fd, const accesslog_entry_t *e);

#endif
