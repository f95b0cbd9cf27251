/*
 * negotiate - HTTP content negotiation (RFC 9110, 12.5.1 Accept and 12.5.3
 * Accept-Encoding, with q-values) for an exposition. Pure string functions:
 * the headers as libmicrohttpd hands them over (NULL when absent).
 */
#ifndef CMON_NEGOTIATE_H
#define CMON_NEGOTIATE_H

#include "expofmt.h"

/*
 * negotiate_format() - EXPO_OPENMETRICS when the Accept header (may be NULL)
 * accepts application/openmetrics-text (with no version parameter, or
 * version=1.0.0, the one served) with a q-value above 0 and at least that
 * of text/plain, text/ * and * / *; EXPO_TEXT otherwise, also when nothing
 * offered is acceptable (Prometheus' own behaviour). Media types and
 * parameter names are case-insensitive; a malformed q-value counts as 0.
 */
expo_format_t negotiate_format(const char *accept);

/*
 * negotiate_format_text_first() - the same parse, but text 0.0.4 wins
 * whenever it is acceptable at all: EXPO_TEXT when text/plain, text/ * or
 * * / * has a q-value above 0, whatever OpenMetrics gets; EXPO_OPENMETRICS
 * only when OpenMetrics (no version, or 1.0.0) is the one acceptable
 * format; EXPO_TEXT when neither is (also for a NULL header). For names
 * that OpenMetrics would change (a counter without _total gets it).
 */
expo_format_t negotiate_format_text_first(const char *accept);

/*
 * negotiate_gzip() - 1 when the Accept-Encoding header (may be NULL) allows
 * gzip: "gzip" or "x-gzip" with q > 0, or "*" with q > 0 and gzip not
 * named; 0 otherwise.
 */
int negotiate_gzip(const char *accept_encoding);

#endif
