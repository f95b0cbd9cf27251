/*
 * coretext - what a core zone's service serves on one of its metric ports
 * (Prometheus text 0.0.4), read as Triton's cmon-agent reads it for its
 * triton_core collector (reference 2.9 steps 5-7), into the agent's
 * families.
 *
 * Accepted: `# HELP`, `# TYPE` of counter, gauge or histogram, samples of
 * the family the last TYPE declared (a histogram's name_bucket with an `le`
 * label, name_sum, name_count), labels with or without blanks after the
 * commas, values as the text format spells them (integers are kept exact,
 * NaN and +-Inf allowed), an optional timestamp (dropped: the agent serves
 * none), other comments, blank lines, and a leading `# OPTION ttl <int>`.
 * Refused, as the original refused them: any other type (summary, untyped),
 * a sample before any TYPE, a bad metric or label name. Refused by us as
 * well: a sample that belongs to no declared family, a histogram bucket
 * without `le`, more than FAMSET_MAX_LABELS labels, a label given twice, a
 * label value or HELP text that is not valid UTF-8 (Prometheus refuses a
 * whole scrape for one), a value that is not a number.
 *
 * A family's HELP is the text's (escapes undone) or, without one, its name
 * (the original's rule). Families are merged by name: the same family from
 * two ports, or declared twice, is one group (the original split it:
 * defect D3), as long as its type agrees.
 */
#ifndef CMON_AGENT_CORETEXT_H
#define CMON_AGENT_CORETEXT_H

#include <stddef.h>

#include "famset.h"

/*
 * coretext_parse() - reads len bytes of text into the empty set out (its
 * families in the order the text declares them). *ttl gets the leading
 * "# OPTION ttl N" (N >= 0), or -1 without one. 0, or -1 with
 * "line N: reason" in err (out is then emptied). ENOMEM sets errno and says
 * "out of memory".
 */
int coretext_parse(const char *text, size_t len, famset_t *out, int *ttl, char *err, size_t errlen);

/*
 * coretext_merge() - adds the families of src (one port's, parsed) to dst
 * (the collector's so far): a family dst already has takes src's samples
 * into its group. -1 with the reason in err, and dst unchanged, when a
 * family's type differs from dst's family of that name ("family x is a
 * gauge here, a counter on an earlier port") or when src serves a series
 * (name and labels, in any order) dst already has (the answer would hold it
 * twice); -1 ENOMEM; 0 otherwise. Hash tables of dst's families and series:
 * time in proportion to the two sets.
 */
int coretext_merge(famset_t *dst, const famset_t *src, char *err, size_t errlen);

#endif /* CMON_AGENT_CORETEXT_H */
