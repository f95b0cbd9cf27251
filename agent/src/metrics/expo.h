/*
 * expo - renders a famset as Prometheus text 0.0.4 or OpenMetrics 1.0.
 *
 * Families in famset order, each family's metadata then all of its samples
 * as one group, families without samples left out. The spelling (escaping,
 * numbers, metadata lines, "# EOF") is common/expofmt.h's; this writer adds
 * the walk over the famset and the agent's own choice of a UNIT line for a
 * family whose name ends in a base unit (_seconds, _bytes, _ratio). No HTTP
 * in here.
 */
#ifndef CMON_AGENT_EXPO_H
#define CMON_AGENT_EXPO_H

#include "expofmt.h"
#include "famset.h"
#include "sbuf.h"

/* expo_write() - appends the exposition of fs to out. 0, or -1 (ENOMEM). */
int expo_write(const famset_t *fs, expo_format_t fmt, sbuf_t *out);

#endif
