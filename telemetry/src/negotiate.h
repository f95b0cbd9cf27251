/* negotiate: which exposition format an Accept header asks for. */
#ifndef TELEMETRY_NEGOTIATE_H
#define TELEMETRY_NEGOTIATE_H

#include "expo.h"

/* negotiate_format: EXPO_OPENMETRICS when the Accept header (may be NULL)
 * names application/openmetrics-text (version absent or 1.0.0) with a
 * q-value above 0 and not below that of text/plain or wildcards; otherwise
 * EXPO_TEXT. */
enum expo_format negotiate_format(const char *accept);

#endif
