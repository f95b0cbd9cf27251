/*
 * expo - renders a famset as Prometheus text 0.0.4 or OpenMetrics 1.0.
 *
 * Both writers: families in famset order, each family's metadata then all
 * of its samples as one group, families without samples left out, label
 * values and HELP escaped. OpenMetrics: counters are declared without
 * their _total suffix and their samples carry it, a UNIT line is written
 * when the family name ends in a base unit (_seconds, _bytes, _ratio), and
 * "# EOF" ends the exposition. No HTTP in here.
 */
#ifndef CMON_AGENT_EXPO_H
#define CMON_AGENT_EXPO_H

#include "famset.h"
#include "sbuf.h"

typedef enum { EXPO_TEXT, EXPO_OPENMETRICS } expo_format_t;

/* expo_write() - appends the exposition of fs to out. 0, or -1 (ENOMEM). */
int expo_write(const famset_t *fs, expo_format_t fmt, sbuf_t *out);

/* expo_content_type() - the Content-Type header value of a format. */
const char *expo_content_type(expo_format_t fmt);

#endif
