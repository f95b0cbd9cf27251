/*
 * corefetch - GETs of several URLs at once, all bounded by one deadline:
 * the triton_core collector's requests to a core zone's metric ports (its
 * VM record comes from the agent's vminfo cache, vminfo.h).
 *
 * The deadline is a timerfd armed with a relative time (realtimer.h), polled
 * with libcurl's sockets (curl_multi_poll): it is real time even where every
 * clock is frozen (the scenario engine runs the agent under libfaketime,
 * which stops CLOCK_MONOTONIC, and with it libcurl's own timeouts); without a
 * timerfd (out of descriptors) the monotonic clock keeps it. A
 * request still running at the deadline is abandoned ("no answer within N
 * ms"); the others keep what they got. New connections, no retry, no proxy.
 */
#ifndef CMON_AGENT_COREFETCH_H
#define CMON_AGENT_COREFETCH_H

#include <stddef.h>

#define COREFETCH_URL_MAX 160
#define COREFETCH_ERR_MAX 192

/* One GET: the caller sets cf_url; corefetch_all() fills the rest. */
typedef struct corefetch_call {
    char cf_url[COREFETCH_URL_MAX];
    long cf_status; /* HTTP status; 0: no answer (cf_error says why) */
    char *cf_body;  /* malloc'd, NUL-terminated (NULL before the call) */
    size_t cf_len;
    char cf_error[COREFETCH_ERR_MAX];
} corefetch_call_t;

/*
 * corefetch_all() - performs calls[0..n) in parallel, each body at most
 * max_body bytes (past it: no answer, "body over N bytes"), the whole within
 * timeout_s real seconds. 0 (each call's outcome in it), or -1 with errno
 * ENOMEM when nothing could be started.
 */
int corefetch_all(corefetch_call_t *calls, size_t n, double timeout_s, size_t max_body);

/* corefetch_release() - frees the body and clears the outcome (cf_url stays). */
void corefetch_release(corefetch_call_t *c);

#endif /* CMON_AGENT_COREFETCH_H */
