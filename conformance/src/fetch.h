/* fetch.h - fetch an exposition over HTTP with libcurl, streaming the body
 * to a sink (cmon-conform's URL input). */
#ifndef CMON_FETCH_H
#define CMON_FETCH_H

#include <stddef.h>

/* Called with each chunk of the body; `content_type` is the answer's
 * Content-Type (or NULL) and stays valid during the transfer. Return 0 to go
 * on, non-zero to abort the transfer. */
typedef int (*fetch_sink_fn)(const char *content_type, const char *buf, size_t len, void *arg);

/* GET `url` with header "Accept: <accept>", following no redirects beyond 5,
 * accepting gzip, within `timeout_s` seconds in all (0: no limit). Returns 0
 * after a 200 answer whose body went to the sink, -1 with a one-line reason
 * in err[errlen] (connection refused, timeout, HTTP status...). */
int fetch_url(const char *url, const char *accept, double timeout_s, fetch_sink_fn sink, void *arg,
              char *err, size_t errlen);

#endif
