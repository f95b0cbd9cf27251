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

struct metacache;

/* expo_write() - appends the exposition of fs to out. 0, or -1 (ENOMEM). */
int expo_write(const famset_t *fs, expo_format_t fmt, sbuf_t *out);

/*
 * expo_write_cached() - expo_write(), taking the metadata lines of families
 * declared with static strings from mc (metacache.h; NULL: none) when it
 * holds them. The same bytes either way. 0, or -1 (ENOMEM).
 */
int expo_write_cached(const famset_t *fs, expo_format_t fmt, const struct metacache *mc,
                      sbuf_t *out);

/*
 * expo_meta_lines() - appends the metadata lines of a family called
 * name[0..namelen) with help (NULL or "": no HELP line) and type, as
 * expo_write() writes them in fmt; returns the length of the name its
 * samples are written under (an OpenMetrics counter's less "_total").
 */
size_t expo_meta_lines(sbuf_t *out, const char *name, size_t namelen, const char *help,
                       metric_type_t type, expo_format_t fmt);

#endif
