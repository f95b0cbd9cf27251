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

#endif
