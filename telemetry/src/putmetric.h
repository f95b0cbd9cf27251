/* putmetric: the client side of `cmon-telemetry -putmetric name=value`. */
#ifndef TELEMETRY_PUTMETRIC_H
#define TELEMETRY_PUTMETRIC_H

#include <stddef.h>

#include "sbuf.h"

/* putmetric_body: the JSON request body {"name": value, ...} for the
 * name=value pairs. Names must be metric names, values numbers (strtod,
 * finite), no name twice. Returns a malloc'd string, or NULL with a
 * one-line message in err. */
char *putmetric_body(char *const *pairs, size_t n, char *err, size_t errlen);

/* putmetric_post: POSTs body to /v3/metric over the unix socket. Returns the
 * HTTP status (the answer's text appended to *answer, which sbuf_init() has
 * made a string), or -1 with a message in err when no answer came. */
long putmetric_post(const char *socket_path, const char *body, sbuf_t *answer, char *err,
                    size_t errlen);

/* putenv_body: the body {"NAME": "VALUE", ...} of `-putenv NAME=VALUE`
 * pairs (a name: non-empty, no '='; the value may be empty; no name twice).
 * Returns a malloc'd string, or NULL with a one-line message in err. */
char *putenv_body(char *const *pairs, size_t n, char *err, size_t errlen);

/* control_request: one request to the control socket: method "GET" or
 * "POST", path "/v3/...", body (POST; may be NULL). Returns the HTTP status
 * (the answer appended to *answer), or -1 with a message in err. */
long control_request(const char *socket_path, const char *method, const char *path,
                     const char *body, sbuf_t *answer, char *err, size_t errlen);

#endif
