/*
 * negotiate - HTTP content negotiation (RFC 9110 Accept and
 * Accept-Encoding, with q-values). Pure string functions.
 */
#ifndef CMON_AGENT_NEGOTIATE_H
#define CMON_AGENT_NEGOTIATE_H

#include "expo.h"

/*
 * negotiate_format() - EXPO_OPENMETRICS when the Accept header (may be NULL)
 * accepts application/openmetrics-text with a q-value above 0 and at least
 * that of text/plain (or text/ *, * / *); EXPO_TEXT otherwise, also when
 * nothing offered is acceptable (Prometheus' own behaviour).
 */
expo_format_t negotiate_format(const char *accept);

/*
 * negotiate_gzip() - 1 when the Accept-Encoding header (may be NULL) allows
 * gzip: "gzip" or "x-gzip" with q > 0, or "*" with q > 0 and gzip not
 * refused; 0 otherwise.
 */
int negotiate_gzip(const char *accept_encoding);

#endif
